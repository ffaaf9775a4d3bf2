"""`from_ms`, every exchange record's occurred_at: exact to the millisecond, whatever type ccxt gives."""

from __future__ import annotations

import random
from datetime import datetime

from pipelines.connectors.exchange.base import from_ms


def test_epoch_milliseconds_convert_exactly():
    rng = random.Random(3)
    for ms in [0, 1, 999, 1_735_689_600_000, -1, *(rng.randrange(10**12, 4 * 10**12) for _ in range(10_000))]:
        seconds, millis = divmod(ms, 1000)  # integer arithmetic only: an independent reference
        days, seconds = divmod(seconds, 86_400)
        expected = datetime.fromordinal(datetime(1970, 1, 1).toordinal() + days).replace(
            hour=seconds // 3600, minute=seconds // 60 % 60, second=seconds % 60, microsecond=millis * 1000)
        assert from_ms(ms) == from_ms(str(ms)) == from_ms(float(ms)) == expected, ms


def test_fractions_of_a_millisecond_keep_their_microseconds():
    assert from_ms("1735689600000.25") == datetime(2025, 1, 1, 0, 0, 0, 250)
    assert from_ms(1735689600000.5) == datetime(2025, 1, 1, 0, 0, 0, 500)
    assert from_ms(1735689600123) == datetime(2025, 1, 1, 0, 0, 0, 123_000)
