"""Seeded faults produce exactly the expected status and tips; complete histories produce none."""

from __future__ import annotations

from decimal import Decimal


def _codes(row) -> list[str]:
    return [t["code"] for t in row["tips"]]


def test_complete_histories_never_mismatch(world):
    world.integration("kraken", "exchange", "kraken")
    world.integration("wallet", "wallet", "ethereum")
    world.integration("notes", "manual")
    world.tx("kraken", "2024-01-01 09:00:00", "Deposit", inc=("1000", "EUR"))
    world.tx("kraken", "2024-01-01 10:00:00", "Trade", out=("900", "EUR"), inc=("0.02", "BTC"), fee=("1.5", "EUR"))
    world.tx("kraken", "2024-01-02 10:00:00", "Withdrawal", out=("0.01", "BTC"), fee=("0.0001", "BTC"))
    world.tx("wallet", "2024-01-01 09:00:00", "Deposit", inc=("1.5", "ETH"))
    world.tx("wallet", "2024-01-03 09:00:00", "Withdrawal", out=("0.5", "ETH"), fee=("0.000021", "ETH"))
    world.tx("notes", "2024-01-01 09:00:00", "Gift Received", inc=("7", "DOT"))
    world.synced("kraken", {"EUR": "98.5", "BTC": "0.0099"})
    world.synced("wallet", {"ETH": "0.999979"}, asset_ids={"ETH": "ethereum:ETH"})
    world.build()
    rows = [r for i in ("kraken", "wallet", "notes") for r in world.reconciliation(i).values()]
    assert len(rows) == 4
    assert all(r["status"] == "match" and r["tips"] == [] and r["tip_code"] is None for r in rows)


def test_missing_deposit_says_incoming_history_missing(world):
    world.integration("binance", "exchange", "binance")
    world.tx("binance", "2024-02-01 10:00:00", "Deposit", inc=("1", "ETH"))
    world.synced("binance", {"ETH": "1.5"})  # a 0.5 ETH deposit was never recorded
    world.build()
    row = world.reconciliation("binance")["ETH"]
    assert (row["status"], row["difference"], _codes(row)) == ("mismatch", Decimal("-0.5"), ["incoming_missing"])
    assert "0.5 ETH below the synced balance" in row["tip"]


def test_unrecorded_fee_says_outgoing_or_fees_missing(world):
    world.integration("binance", "exchange", "binance")
    world.tx("binance", "2024-02-01 10:00:00", "Deposit", inc=("1", "ETH"))
    world.tx("binance", "2024-02-02 10:00:00", "Withdrawal", out=("0.5", "ETH"))  # its 0.004 ETH fee is missing
    world.synced("binance", {"ETH": "0.496"})
    world.build()
    row = world.reconciliation("binance")["ETH"]
    assert (row["status"], row["difference"], row["tip_code"]) == ("mismatch", Decimal("0.004"), "outgoing_missing")
    assert "fees are probably missing" in row["tip"]


def test_skipped_range_goes_negative_and_says_when(world):
    world.integration("wallet", "wallet", "ethereum")
    world.tx("wallet", "2024-01-01 00:00:00", "Deposit", inc=("1", "ETH"))
    # A skipped range hid a 2 ETH deposit on 2024-01-05; a 2.5 ETH withdrawal follows.
    world.tx("wallet", "2024-01-10 12:30:00", "Withdrawal", out=("2.5", "ETH"))
    world.tx("wallet", "2024-01-20 00:00:00", "Deposit", inc=("0.25", "ETH"))
    world.synced("wallet", {"ETH": "0.75"}, asset_ids={"ETH": "ethereum:ETH"})
    world.build()
    row = world.reconciliation("wallet")["ethereum:ETH"]
    assert row["status"] == "mismatch" and _codes(row) == ["negative_balance", "incoming_missing"]
    assert row["negative_since"].isoformat() == "2024-01-10T12:30:00"
    assert "2024-01-10 12:30:00 UTC (-1.5)" in row["tip"]


def test_asset_held_without_transactions_and_sub_balance(world):
    world.integration("kraken", "exchange", "kraken")
    world.synced("kraken", {"ADA": "12", "DOT.S": "40"})
    world.build()
    rows = world.reconciliation("kraken")
    assert (rows["ADA"]["status"], _codes(rows["ADA"])) == ("only_synced", ["no_transactions"])
    assert (rows["DOT.S"]["status"], _codes(rows["DOT.S"])) == ("only_synced", ["sub_balance", "no_transactions"])


def test_delisted_asset_is_only_calculated(world):
    world.integration("binance", "exchange", "binance")
    world.tx("binance", "2024-02-01 10:00:00", "Deposit", inc=("100", "LUNA"))
    world.synced("binance", {})  # delisted and converted away: the exchange no longer reports it
    world.build()
    row = world.reconciliation("binance")["LUNA"]
    assert (row["status"], row["tip_code"]) == ("only_calculated", "outgoing_missing")
    assert "the source reports none" in row["tip"]


def test_dust_tolerance_applies_to_exchanges_only(world):
    world.integration("binance", "exchange", "binance")
    world.integration("wallet", "wallet", "ethereum")
    for integration in ("binance", "wallet"):
        world.tx(integration, "2024-02-01 10:00:00", "Deposit", inc=("1", "BNB"))
    world.synced("binance", {"BNB": "1.000009"})   # within Binance's BNB dust (0.00001)
    world.synced("wallet", {"BNB": "1.000009"}, asset_ids={"BNB": "ethereum:BNB"})
    world.build()
    assert world.reconciliation("binance")["BNB"]["status"] == "match"
    assert world.reconciliation("binance")["BNB"]["tolerance"] == Decimal("0.00001")
    assert world.reconciliation("wallet")["ethereum:BNB"]["status"] == "mismatch"
    world.con.execute("UPDATE app.dust_tolerances SET tolerance = 0.000001 WHERE provider = 'binance' AND asset = 'BNB'")
    world.build("binance")
    assert world.reconciliation("binance")["BNB"]["status"] == "mismatch"


def test_manual_integration_never_mismatches(world):
    world.integration("notes", "manual")
    world.tx("notes", "2024-01-01 09:00:00", "Deposit", inc=("3", "SOL"))
    world.tx("notes", "2024-01-02 09:00:00", "Payment", out=("1", "SOL"))
    world.build()
    row = world.reconciliation("notes")["SOL"]
    assert (row["status"], row["synced"], row["calculated"]) == ("match", Decimal("2"), Decimal("2"))
