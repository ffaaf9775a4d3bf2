"""Divergence points: where the history stops agreeing with what the source reports."""

from __future__ import annotations

from decimal import Decimal


def _kraken_ledger(world, entries):
    """Kraken ledger entries (id, time, type, asset, amount, fee, balance) plus its asset codes."""
    world.raw("kraken", "currencies", [("XXBT", None, {"id": "XXBT", "code": "BTC"}),
                                      ("ZEUR", None, {"id": "ZEUR", "code": "EUR"})])
    world.raw("kraken", "ledger", [
        (lid, at, {"refid": "R" + lid, "time": at, "type": kind, "subtype": "", "aclass": "currency", "asset": asset,
                   "amount": amount, "fee": fee, "balance": balance})
        for lid, at, kind, asset, amount, fee, balance in entries
    ])


LEDGER = [
    ("L1", "2025-01-01 10:00:00", "deposit", "XXBT", "1.0000000000", "0.0000000000", "1.0000000000"),
    ("L2", "2025-01-02 10:00:00", "deposit", "XXBT", "0.5000000000", "0.0000000000", "1.5000000000"),
    ("L3", "2025-01-03 10:00:00", "withdrawal", "XXBT", "-0.2000000000", "0.0010000000", "1.2990000000"),
    ("L4", "2025-01-04 10:00:00", "deposit", "XXBT", "0.1000000000", "0.0000000000", "1.3990000000"),
    ("L5", "2025-01-04 10:00:00", "deposit", "ZEUR", "100.0000", "0.0000", "100.0000"),
]


def test_complete_kraken_ledger_has_no_divergence(world):
    world.integration("kraken", "exchange", "kraken")
    _kraken_ledger(world, LEDGER)
    world.synced("kraken", {"BTC": "1.399", "EUR": "100"})
    world.build()
    rows = world.reconciliation("kraken")
    assert {r["status"] for r in rows.values()} == {"match"}
    assert world.con.execute("SELECT count(*) FROM marts.divergence_points").fetchone()[0] == 0


def test_missing_kraken_ledger_entry_is_found_at_the_next_entry(world):
    world.integration("kraken", "exchange", "kraken")
    _kraken_ledger(world, [e for e in LEDGER if e[0] != "L2"])  # a lost page hid the 0.5 BTC deposit
    world.synced("kraken", {"BTC": "1.399", "EUR": "100"})
    world.build()
    row = world.reconciliation("kraken")["BTC"]
    assert (row["status"], row["difference"], row["tip_code"]) == ("mismatch", Decimal("-0.5"), "incoming_missing")
    d = row["divergence"]
    assert d["method"] == "ledger_balance"
    assert d["divergence_at"].isoformat() == "2025-01-03T10:00:00"
    assert (d["source_balance"], d["calculated"]) == (Decimal("1.299"), Decimal("0.799"))
    assert (d["tx_before"], d["tx_after"]) == ("L1 (refid RL1)", "L3 (refid RL3)")
    assert "between entry L1 (refid RL1) and that entry" in row["tip"]
    assert world.reconciliation("kraken")["EUR"]["divergence"] is None


def test_manual_fix_removes_the_divergence(world):
    world.integration("kraken", "exchange", "kraken")
    _kraken_ledger(world, [e for e in LEDGER if e[0] != "L2"])
    world.synced("kraken", {"BTC": "1.399", "EUR": "100"})
    world.tx("kraken", "2025-01-02 10:00:00", "Deposit", inc=("0.5", "BTC"))
    world.build()
    assert world.reconciliation("kraken")["BTC"]["status"] == "match"
    assert world.con.execute("SELECT count(*) FROM marts.divergence_points").fetchone()[0] == 0
