"""`dumps`, the text every exchange record is stored as: the same JSON values json.dumps gave."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pipelines.connectors.exchange.base import dumps


@dataclass
class Point:
    x: int


def test_rows_serialize_as_json_dumps_did():
    rows = [
        {"symbol": "BTCUSDT", "id": 28457, "qty": "0.00120000", "isBuyer": True, "orderListId": -1, "time": 1735689600000},
        {"amount": Decimal("0.000000000000000001"), "at": datetime(2025, 1, 2, 3, 4, 5), "day": date(2025, 1, 2)},
        {1: "int key", "fee": None, "nested": {"cost": 0.1, "list": [1, 2.5, "x"]}, "big": 1e16, "point": Point(3)},
        {"id": 2**70},  # beyond 64 bits: orjson refuses, json.dumps takes it
    ]
    for row in rows:
        reference = json.dumps(row, separators=(",", ":"), default=str)
        assert dumps(row) == reference


def test_non_ascii_text_is_the_same_json_value():
    row = {"name": "Zürich ✓", "coin": "€"}
    assert json.loads(dumps(row)) == row
    assert dumps(row) == '{"name":"Zürich ✓","coin":"€"}'
