"""Exporting a synced exchange integration (Binance through the imitation, fees partly in BNB) and
importing the file into a new manual integration gives the same transactions and balances."""

from __future__ import annotations

import pytest

from pipelines.interchange.csvfile import export_file, import_file
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.exchange.conftest import FAST, imitation, sync  # noqa: F401 - imitation is a fixture
from tests.interchange.conftest import balances, rebuild, stored


@pytest.fixture
def synced_binance(warehouse, imitation):
    with connect(warehouse) as con:
        add_account(con, "trader", "Europe/Vienna", "EUR")
        integration = add_integration(
            con, "trader", "Binance", "exchange", "binance", settings={"api_origin": imitation.url, **FAST},
            credentials={"apiKey": imitation.binance.api_key, "secret": imitation.binance.secret})
    sync(warehouse, integration, full=True)
    return integration


def test_synced_history_round_trips_through_every_format(warehouse, synced_binance, tmp_path):
    with connect(warehouse) as con:
        source = stored(con, synced_binance, "core.transactions")
        third = [r for r in source if r[6] not in (None, r[2], r[4])]
        assert len(source) > 50 and third, "trades paying their fee in BNB are part of the history"
        for fmt in ("koinly", "cointracking", "blockpit-csv"):
            copy = add_integration(con, "trader", f"Copy {fmt}", "manual")
            path = tmp_path / f"{fmt}.csv"
            assert export_file(con, fmt, path, integration_id=synced_binance) == len(source)
            assert import_file(con, fmt, copy, path).imported == len(source)
            rebuild(con, copy)
            # Trackers keep whole seconds: the copy has the source's times without their milliseconds.
            assert stored(con, copy, "core.transactions") == sorted(
                ((r[0].replace(microsecond=0), *r[1:]) for r in source), key=repr), fmt
            assert balances(con, copy) == balances(con, synced_binance), fmt
