"""sql/normalize/exchange.sql for exchanges without their own reader (ccxt's unified structures).

The imitation serves Binance and Kraken only, so these raw records are written the way
`GenericReader` stores them (unified trades, deposits, withdrawals or ledger entries with amounts as
strings, the `currencies` map) and the build runs on them as a sync's would.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pipelines.connectors.exchange.base import dumps
from pipelines.sync.build import build
from pipelines.warehouse import transaction

RECORDS = [
    ("trades", "t1", datetime(2025, 1, 2), {"id": "t1", "symbol": "BTC/USDT", "side": "buy", "amount": "0.5",
                                             "cost": "30000.25", "fee": {"currency": "USDT", "cost": "1.5"}}),
    ("trades", "t2", datetime(2025, 1, 3), {"id": "t2", "symbol": "ETH/USDT:USDT", "side": "sell", "amount": "2",
                                             "cost": "6000", "fee": {"currency": "ETH", "cost": "0"}}),
    ("trades", "t3", datetime(2025, 1, 3), {"id": "t3", "symbol": "XBT/EUR", "side": "buy", "amount": "1",
                                             "cost": "50000", "fee": None}),
    ("deposits", "d1", datetime(2025, 1, 1), {"id": "d1", "currency": "USDT", "amount": "100000", "status": "ok",
                                               "txid": "0xabc", "fee": {"currency": "USDT", "cost": "0.000000000000000001"}}),
    ("deposits", "d2", datetime(2025, 1, 1), {"id": "d2", "currency": "USDT", "amount": "5", "status": "pending"}),
    ("withdrawals", "w1", datetime(2025, 1, 4), {"id": "w1", "currency": "XBT", "amount": "0.1", "status": "ok",
                                                  "txid": None, "fee": {"currency": "XBT", "cost": "0.0005"}}),
    ("withdrawals", "w2", datetime(2025, 1, 4), {"id": "w2", "currency": "BTC", "amount": "0.1", "status": "failed"}),
    ("currencies", "XBT", None, {"id": "XBT", "code": "BTC"}),
]


def gate(con) -> None:
    con.execute("INSERT INTO app.accounts (account_id, timezone, base_currency, created_at) "
                "VALUES ('a', 'UTC', 'EUR', now()::TIMESTAMP)")
    con.execute("INSERT INTO app.integrations (integration_id, account_id, name, kind, provider, settings, created_at) "
                "VALUES ('gate-1', 'a', 'Gate', 'exchange', 'gate', '{}', now()::TIMESTAMP)")


def test_unified_records_become_transactions_with_exact_amounts(con):
    gate(con)
    con.executemany("INSERT INTO raw.records VALUES ('gate-1', ?, ?, ?, ?, now()::TIMESTAMP)",
                    [[stream, source_id, at, dumps(row)] for stream, source_id, at, row in RECORDS])
    with transaction(con):
        build(con, ["gate-1"])

    rows = con.execute(
        "SELECT tx_id, label, origin, outgoing_asset, outgoing_asset_id, outgoing_amount, incoming_asset, "
        "incoming_asset_id, incoming_amount, fee_asset, fee_amount, external_id FROM core.transactions ORDER BY tx_id"
    ).fetchall()
    d = Decimal
    assert rows == [
        ("gate-1:deposits:d1", "Deposit", "synced", None, None, None, "USDT", "USDT", d("100000"), "USDT",
         d("0.000000000000000001"), "0xabc"),
        ("gate-1:trade:t1", "Trade", "synced", "USDT", "USDT", d("30000.25"), "BTC", "BTC", d("0.5"), "USDT", d("1.5"), "t1"),
        ("gate-1:trade:t2", "Trade", "synced", "ETH", "ETH", d("2"), "USDT", "USDT", d("6000"), None, None, "t2"),
        ("gate-1:trade:t3", "Trade", "synced", "EUR", "EUR", d("50000"), "BTC", "BTC", d("1"), None, None, "t3"),
        ("gate-1:withdrawals:w1", "Withdrawal", "synced", "BTC", "BTC", d("0.1"), None, None, None, "BTC", d("0.0005"), "w1"),
    ]
    balances = dict(con.execute("SELECT asset_id, sum(amount) FROM core.ledger_entries GROUP BY 1").fetchall())
    assert balances == {"USDT": d("100000") - d("0.000000000000000001") - d("30000.25") - d("1.5") + d("6000"),
                        "BTC": d("0.5") + d("1") - d("0.1") - d("0.0005"), "ETH": d("-2"), "EUR": d("-50000")}


def test_a_later_currency_that_maps_an_id_to_another_code_rebuilds_in_full(con):
    """An incremental build re-normalizes only the new records, so a new currency that maps an id the
    older records use (XBT -> BTC) must make the build full; one whose code is its id changes nothing."""
    con.execute("INSERT INTO app.accounts (account_id, timezone, base_currency, created_at) "
                "VALUES ('a', 'UTC', 'EUR', now()::TIMESTAMP)")
    con.execute("INSERT INTO app.integrations (integration_id, account_id, name, kind, provider, settings, created_at) "
                "VALUES ('gate-1', 'a', 'Gate', 'exchange', 'gate', '{}', now()::TIMESTAMP)")

    def land(records, fetched_at):
        con.executemany("INSERT INTO raw.records VALUES ('gate-1', ?, ?, ?, ?, ?)",
                        [[stream, source_id, at, dumps(row), fetched_at] for stream, source_id, at, row in records])
        with transaction(con):
            build(con, ["gate-1"])
        return con.execute("SELECT count(*) FROM build_rebuilt").fetchall()[0][0]

    def assets():
        return con.execute("SELECT DISTINCT incoming_asset_id FROM core.transactions WHERE incoming_asset_id IS NOT NULL "
                           "ORDER BY 1").fetchall()

    assert land(RECORDS[:-1], datetime(2030, 1, 1)) == 1  # the first build is full
    assert assets() == [("BTC",), ("USDT",), ("XBT",)]
    assert land([("currencies", "USDT", None, {"id": "USDT", "code": "USDT"})], datetime(2030, 1, 2)) == 0
    assert land([RECORDS[-1]], datetime(2030, 1, 3)) == 1
    assert assets() == [("BTC",), ("USDT",)]


def ledger(id_, ref, direction, kind, currency, amount, fee=None, status="ok"):
    return ("ledger", id_, datetime(2025, 2, 1), {
        "id": id_, "referenceId": ref, "direction": direction, "type": kind, "currency": currency, "amount": amount,
        "status": status, "fee": {"currency": currency, "cost": fee} if fee else None})


#: ccxt's unified ledger: a trade's two entries (fee on the received side), a deposit, a withdrawal
#: with its fee, a reward, a fee entry of its own and a cancelled withdrawal.
LEDGER = [
    ledger("e1", "T1", "out", "trade", "USDT", "3000.5"),
    ledger("e2", "T1", "in", "trade", "BTC", "0.05", fee="0.00005"),
    ledger("e3", "D1", "in", "transaction", "USDT", "10000"),
    ledger("e4", "W1", "out", "transaction", "XBT", "0.01", fee="0.0002"),
    ledger("e5", None, "in", "reward", "ETH", "0.000000000000000001"),
    ledger("e6", "F1", "out", "fee", "USDT", "0.25"),
    ledger("e7", "W2", "out", "transaction", "USDT", "99", status="canceled"),
]


def test_a_unified_ledger_is_booked_instead_of_trades_deposits_and_withdrawals(con):
    """The same movements also come as unified trades and deposits (RECORDS): with a ledger present
    they are not booked, so nothing counts twice."""
    gate(con)
    con.executemany("INSERT INTO raw.records VALUES ('gate-1', ?, ?, ?, ?, now()::TIMESTAMP)",
                    [[stream, source_id, at, dumps(row)] for stream, source_id, at, row in [*RECORDS, *LEDGER]])
    with transaction(con):
        build(con, ["gate-1"])
    d = Decimal
    rows = con.execute("SELECT tx_id, label, outgoing_asset, outgoing_amount, incoming_asset, incoming_amount, "
                       "fee_asset, fee_amount FROM core.transactions ORDER BY tx_id").fetchall()
    assert rows == [
        ("gate-1:ledger:D1", "Deposit", None, None, "USDT", d("10000"), None, None),
        ("gate-1:ledger:F1", "Fee", None, None, None, None, "USDT", d("0.25")),
        ("gate-1:ledger:T1", "Trade", "USDT", d("3000.5"), "BTC", d("0.05"), "BTC", d("0.00005")),
        ("gate-1:ledger:W1", "Withdrawal", "BTC", d("0.01"), None, None, "BTC", d("0.0002")),
        ("gate-1:ledger:e5", "Staking", None, None, "ETH", d("1e-18"), None, None),
    ]


def test_the_entries_of_one_reference_landing_in_two_syncs_make_one_trade(con):
    gate(con)

    def land(records, fetched_at):
        con.executemany("INSERT INTO raw.records VALUES ('gate-1', ?, ?, ?, ?, ?)",
                        [[stream, source_id, at, dumps(row), fetched_at] for stream, source_id, at, row in records])
        with transaction(con):
            build(con, ["gate-1"])

    land([LEDGER[0]], datetime(2030, 1, 1))
    land([LEDGER[1]], datetime(2030, 1, 2))
    assert con.execute("SELECT tx_id, label, outgoing_amount, incoming_amount FROM core.transactions").fetchall() == [
        ("gate-1:ledger:T1", "Trade", Decimal("3000.5"), Decimal("0.05"))]
