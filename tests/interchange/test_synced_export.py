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


def synced(warehouse, imitation, provider: str) -> str:
    account = getattr(imitation, provider)
    with connect(warehouse) as con:
        add_account(con, "trader", "Europe/Vienna", "EUR")
        integration = add_integration(con, "trader", provider.title(), "exchange", provider,
                                      settings={"api_origin": imitation.url, **FAST},
                                      credentials={"apiKey": account.api_key, "secret": account.secret})
    sync(warehouse, integration, full=True)
    return integration


@pytest.fixture
def synced_binance(warehouse, imitation):
    return synced(warehouse, imitation, "binance")


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


def test_a_transfer_into_staking_is_written_as_a_withdrawal_and_a_deposit(warehouse, imitation, tmp_path):
    kraken = synced(warehouse, imitation, "kraken")
    with connect(warehouse) as con:
        (stakes,) = con.execute("SELECT count(*) FROM core.transactions WHERE integration_id = ? AND label = 'Transfer' "
                                "AND outgoing_amount IS NOT NULL AND incoming_amount IS NOT NULL", [kraken]).fetchone()
        (count,) = con.execute("SELECT count(*) FROM core.transactions WHERE integration_id = ?", [kraken]).fetchone()
        assert stakes > 0, "the seeded Kraken history stakes DOT"
        copy = add_integration(con, "trader", "Kraken copy", "manual")
        assert export_file(con, "koinly", tmp_path / "k.csv", integration_id=kraken) == count
        assert import_file(con, "koinly", copy, tmp_path / "k.csv").imported == count + stakes
        rebuild(con, copy)
        assert balances(con, copy) == balances(con, kraken)
