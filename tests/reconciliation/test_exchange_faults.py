"""Seeded faults in the exchange connector's world (ccxt against the imitation over HTTP)."""

from __future__ import annotations

from datetime import datetime

from pipelines.sync.build import build
from pipelines.sync.report import reconciliation_rows
from pipelines.warehouse import connect, transaction
from tests.exchange.conftest import account, exchange, imitation, sync  # noqa: F401  (fixtures)


def _rebuild(warehouse, integration_id: str) -> dict[str, dict]:
    with connect(warehouse) as con:
        with transaction(con):
            build(con, [integration_id])
        return {r["asset_id"]: r for r in reconciliation_rows(con, integration_id)}


def test_complete_kraken_and_binance_histories_have_no_tips_at_all(warehouse, exchange):
    for provider in ("kraken", "binance"):
        integration = exchange(provider)
        sync(warehouse, integration, full=True)
        rows = _rebuild(warehouse, integration)
        assert rows and all(r["status"] == "match" and r["tips"] == [] and r["divergence"] is None
                            for r in rows.values()), provider


def test_lost_kraken_deposit_is_found_at_the_next_ledger_entry(warehouse, exchange):
    integration = exchange("kraken")
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        ledger = con.execute(
            "SELECT source_id, occurred_at, payload ->> 'asset', payload ->> 'type', payload ->> 'refid' "
            "FROM raw.records WHERE integration_id = ? AND stream = 'ledger' ORDER BY occurred_at, source_id",
            [integration]).fetchall()
        codes = dict(con.execute("SELECT source_id, payload ->> 'code' FROM raw.records "
                                 "WHERE integration_id = ? AND stream = 'currencies'", [integration]).fetchall())
    # A deposit followed (strictly later) by another entry of the same asset; its page is "lost".
    lost, following = next(
        (row, later) for i, row in enumerate(ledger) if row[3] == "deposit"
        for later in [next((x for x in ledger[i + 1:] if x[2] == row[2] and x[1] > row[1]), None)] if later
    )
    with connect(warehouse) as con:
        con.execute("DELETE FROM raw.records WHERE integration_id = ? AND stream = 'ledger' AND source_id = ?",
                    [integration, lost[0]])
    rows = _rebuild(warehouse, integration)
    code = codes.get(lost[2], lost[2])
    bad = {a for a, r in rows.items() if r["status"] != "match"}
    assert bad == {code}
    row = rows[code]
    codes_of_row = [t["code"] for t in row["tips"]]
    assert codes_of_row[-1] == "incoming_missing" and set(codes_of_row) <= {"negative_balance", "incoming_missing"}
    if row["negative_since"] is not None:  # the deposit paid for later trades: negative from then on
        assert row["negative_since"] >= following[1]
    d = row["divergence"]
    assert d["method"] == "ledger_balance"
    assert d["divergence_at"] == following[1]
    assert f"{following[0]} (refid {following[4]})" in d["tx_after"]
    assert isinstance(d["divergence_at"], datetime) and "ledger first disagrees" in row["tip"]


def test_delisted_binance_market_leaves_exactly_its_trades_missing(warehouse, imitation, exchange):
    from collections import defaultdict
    from decimal import Decimal

    history = imitation.binance.history
    market = max({t.market for t in history.trades}, key=lambda m: sum(t.market == m for t in history.trades))
    missing: dict[str, Decimal] = defaultdict(Decimal)  # the balance change of the trades nobody can read now
    for t in history.trades:
        if t.market == market:
            for asset, change in t.effects().items():
                missing[asset] += change
    imitation.faults.delist("binance", market)
    integration = exchange("binance")
    sync(warehouse, integration, full=True)
    rows = _rebuild(warehouse, integration)
    expected = {a for a, v in missing.items() if abs(v) > rows[a]["tolerance"]}
    assert expected and {a for a, r in rows.items() if r["status"] != "match"} == expected
    for asset in expected:
        row = rows[asset]
        assert row["difference"] == -missing[asset]
        side = "incoming_missing" if missing[asset] > 0 else "outgoing_missing"
        assert side in [t["code"] for t in row["tips"]]


def test_lost_kraken_staking_reward_window_starts_at_the_previous_entry_of_its_raw_asset(warehouse, exchange):
    """DOT.S folds into DOT: a dropped DOT.S reward shows only at the next DOT.S entry, so the window
    must start at the previous DOT.S entry, not at the DOT entry just before the disagreement."""
    integration = exchange("kraken")
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        ledger = con.execute(
            "SELECT source_id, occurred_at, payload ->> 'asset', payload ->> 'type', payload ->> 'refid' "
            "FROM raw.records WHERE integration_id = ? AND stream = 'ledger' ORDER BY occurred_at, source_id",
            [integration]).fetchall()
    # A staking reward with an earlier DOT.S entry, a later one, and DOT entries in between (the fold).
    lost, earlier, following = next(
        (row, before, later) for i, row in enumerate(ledger) if row[2] == "DOT.S" and row[3] == "staking"
        for before in [next((x for x in reversed(ledger[:i]) if x[2] == "DOT.S" and x[1] < row[1]), None)]
        for later in [next((x for x in ledger[i + 1:] if x[2] == "DOT.S" and x[1] > row[1]), None)]
        if before and later and any(x[2] == "DOT" and row[1] < x[1] < later[1] for x in ledger)
    )
    with connect(warehouse) as con:
        con.execute("DELETE FROM raw.records WHERE integration_id = ? AND stream = 'ledger' AND source_id = ?",
                    [integration, lost[0]])
    row = _rebuild(warehouse, integration)["DOT"]
    assert row["status"] == "mismatch"
    d = row["divergence"]
    assert d["divergence_at"] == following[1] and f"{following[0]} (refid {following[4]})" in d["tx_after"]
    assert d["tx_before"] == f"{earlier[0]} (refid {earlier[4]})"
    assert earlier[1] < lost[1] < following[1]


def test_trades_of_a_market_no_sync_asks_get_a_tip_that_names_the_setting(warehouse, imitation, exchange):
    """A listed Binance market whose trades were never read (not in the trades cursor, not in the
    `markets` setting: what an incremental sync leaves when its assets no longer turn up in
    balances, deposits or withdrawals): both its assets mismatch, and the tip names the market and
    the setting instead of only saying that history is missing."""
    import json
    from collections import defaultdict
    from decimal import Decimal

    integration = exchange("binance")
    sync(warehouse, integration, full=True)
    history = imitation.binance.history
    effects: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for t in history.trades:
        for asset, change in t.effects().items():
            effects[t.market][asset] += change
    market = next(m for m in sorted(effects) if all(abs(effects[m][a]) > 1 for a in m.split("/")))
    symbol = market.replace("/", "")
    with connect(warehouse) as con:  # the state of a sync that never asked the market
        con.execute("DELETE FROM raw.records WHERE integration_id = ? AND ((stream = 'trades' AND payload ->> 'symbol' = ?)"
                    " OR (stream = 'markets' AND source_id = ?))", [integration, symbol, symbol])
        (cursor,) = con.execute("SELECT cursor FROM app.sync_state WHERE integration_id = ? AND stream = 'trades'",
                                [integration]).fetchone()
        kept = {k: v for k, v in json.loads(cursor).items() if k != symbol}
        con.execute("UPDATE app.sync_state SET cursor = ? WHERE integration_id = ? AND stream = 'trades'",
                    [json.dumps(kept), integration])
    rows = _rebuild(warehouse, integration)
    for asset in market.split("/"):
        assert rows[asset]["status"] == "mismatch"
        tip = next(t["tip"] for t in rows[asset]["tips"] if t["code"] == "market_not_asked")
        assert f"Trades on {market} were probably never read" in tip
        assert f"""pipelines integrations set {integration} 'markets=["{market}"]'""" in tip
    with connect(warehouse) as con:  # asked through the setting: the tip is gone even before a sync
        con.execute("UPDATE app.integrations SET settings = json_merge_patch(settings, ?) WHERE integration_id = ?",
                    [json.dumps({"markets": [market]}), integration])
    rows = _rebuild(warehouse, integration)
    assert all("market_not_asked" not in [t["code"] for t in r["tips"]] for r in rows.values())
