"""Bybit (v5, unified trading + funding account) through ccxt against its imitation over HTTP: the
full history reconciles exactly, the two-year reach is named by the tip, windows and pages are
respected, incremental and empty syncs cost what is new, a rejected key / wrong secret / stale
timestamp is told apart, a flaky API ends exact or cleanly failed, and the recorded real responses
(tests/exchange/data/bybit) are booked by the legs."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.connectors.exchange.bybit import record
from pipelines.connectors.exchange.client import ExchangeUnavailable, make_client
from pipelines.errors import UserError
from pipelines.imitations.bybit import BybitImitation
from pipelines.imitations.bybit.server import LISTS
from pipelines.registry.integrations import add_integration
from pipelines.sync.build import build
from pipelines.warehouse import connect, transaction
from tests.exchange.conftest import (FAST, LAYERS, WAREHOUSE, Log, exact, faulty_sync_ends_exact_or_cleanly_failed,
                                     mismatched, sync)
from tests.exchange.test_cli import add_from_key_file, standalone
from tests.helpers import snapshot

DATA = Path(__file__).parent / "data" / "bybit"
ROUTES = (*LISTS, "/v5/asset/exchange/query-convert-history")
BALANCES = ("/v5/account/wallet-balance", "/v5/asset/transfer/query-account-coins-balance")
#: The full history from Bybit's launch: every stream starts at the API's reach.
SETTINGS = {**FAST, "start_date": "2018-11-01"}


@pytest.fixture
def bybit():
    with BybitImitation() as server:
        yield server


@pytest.fixture
def add(warehouse, account):
    def add(server: BybitImitation, *, key: str | None = None, secret: str | None = None, name: str = "Bybit") -> str:
        with connect(warehouse) as con:
            return add_integration(con, account, name, "exchange", "bybit", settings={"api_origin": server.url, **SETTINGS},
                                   credentials={"apiKey": key or server.api_key, "secret": secret or server.secret})
    return add


def test_full_sync_reconciles_exactly_with_the_truth(warehouse, bybit, add):
    integration = add(bybit)
    result = sync(warehouse, integration, full=True)
    h = bybit.history
    assert set(bybit.true_balances()) == {"USDT", "BTC", "ETH"}
    assert all(v >= 0 for account in (h.unified, h.fund) for v in account.values())
    exact(warehouse, bybit, integration)
    with connect(warehouse) as con:
        labels = dict(con.execute("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1",
                                  [integration]).fetchall())
        (net,) = con.execute("SELECT sum(e.amount) FROM core.ledger_entries e JOIN core.transactions t USING (tx_id) "
                             "WHERE t.integration_id = ? AND t.label = 'Transfer'", [integration]).fetchone()
    trades = {r["tradeId"] for r in h.log if r["type"] == "TRADE"}
    # Each trade once though Bybit logs it as two rows; a transfer as its two sides, netting to zero.
    assert labels == {"Trade": len(trades) + len(h.converts), "Transfer": 2 * len(h.transfers), "Deposit": 3,
                      "Withdrawal": 3, "Interest": len(h.yields)}
    assert net == 0
    # Two years in windows of at most 7 days, the busy week in pages of 50.
    assert bybit.count("/v5/account/transaction-log") > 730 // 7 + 1
    assert result.snapshot.stats["fetched_ledger"] == len(h.log)


def test_history_older_than_two_years_is_named_unreachable(warehouse, add):
    with BybitImitation(ancient=True) as server:
        integration = add(server)
        sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        (reach,) = con.execute("SELECT source_id FROM raw.records WHERE integration_id = ? AND stream = 'api_reach'",
                               [integration]).fetchone()
        (earliest,) = con.execute("SELECT min(occurred_at)::DATE::VARCHAR FROM raw.records WHERE integration_id = ? "
                                  "AND stream NOT IN ('currencies', 'api_reach')", [integration]).fetchone()
        tips = con.execute("SELECT asset, tips FROM marts.balance_reconciliation WHERE integration_id = ? "
                           "AND status <> 'match'", [integration]).fetchall()
    assert earliest >= reach
    assert {asset for asset, _ in tips} == {"BTC", "USDT", "ETH"}  # the ancient deposits, transfer and trade
    for _, text in tips:
        first = json.loads(text)[0]
        assert first["code"] == "history_unreachable"
        assert f"History before {reach} is not available from the Bybit API" in first["tip"]


def test_the_imitation_refuses_what_bybit_refuses(bybit):
    import ccxt

    client = make_client("bybit", {"api_origin": bybit.url, **FAST}, {"apiKey": bybit.api_key, "secret": bybit.secret})
    now = int(datetime.now().timestamp() * 1000)
    with pytest.raises(ccxt.BadRequest, match="cannot exceed 7 days"):
        client.privateGetV5AccountTransactionLog({"startTime": now - 8 * 86_400_000, "endTime": now})
    with pytest.raises(ccxt.BadRequest, match="cannot exceed 30 days"):
        client.privateGetV5AssetDepositQueryRecord({"startTime": now - 31 * 86_400_000, "endTime": now})
    with pytest.raises(ccxt.BadRequest, match="earlier than 730 days"):
        client.privateGetV5AccountTransactionLog({"startTime": now - 800 * 86_400_000, "endTime": now - 795 * 86_400_000})
    with pytest.raises(ccxt.BadRequest, match="limit"):
        client.privateGetV5AccountTransactionLog({"limit": 51})
    client.options["timeDifference"] = 10_000  # a clock 10 s behind: outside the 5 s recv window
    with pytest.raises(ccxt.InvalidNonce, match="10002"):
        client.privateGetV5AccountWalletBalance({"accountType": "UNIFIED"})


def test_incremental_sync_reads_only_what_is_new(warehouse, bybit, add):
    integration = add(bybit)
    sync(warehouse, integration, full=True)
    bybit.add_now()
    bybit.reset_counts()
    result = sync(warehouse, integration)
    assert {route: bybit.count(route) for route in ROUTES} == dict.fromkeys(ROUTES, 1)
    stats = result.snapshot.stats
    fetched = {s: stats.get(f"fetched_{s}", 0) for s in ("ledger", "deposits", "withdrawals", "transfers", "converts", "earn_yields")}
    # the transfer's TRANSFER_IN and the buy's two rows; its deposit, transfer and yield
    assert fetched == {"ledger": 3, "deposits": 1, "withdrawals": 0, "transfers": 1, "converts": 0, "earn_yields": 1}
    exact(warehouse, bybit, integration)


def test_history_split_into_syncs_builds_exactly_like_one_full_build(warehouse, bybit, add):
    """A spot trade's two ledger rows landing in different syncs still make one trade (build/scope/exchange/bybit.sql)."""
    from tests.build.test_incremental import layers, replay

    integration = add(bybit)
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        once = layers(con, integration)
    assert replay(warehouse, integration, syncs=6, seed=7) >= 2  # not everything fell back to a full build
    with connect(warehouse) as con:
        assert layers(con, integration) == once


def test_an_incremental_sync_after_three_months_warns_of_the_earn_yields_it_cannot_read(warehouse, bybit, add):
    integration = add(bybit)
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:  # the last sync as if 100 days ago
        con.execute("UPDATE app.sync_state SET cursor = (cursor::BIGINT - 100 * 86400000::BIGINT)::VARCHAR "
                    "WHERE integration_id = ? AND stream = 'earn_yields'", [integration])
    log = Log()
    sync(warehouse, integration, log=log)
    assert any("earn yields for three months only" in line for line in log.lines)
    exact(warehouse, bybit, integration)  # the imitation's yields are all younger


def test_a_sync_with_nothing_new_costs_one_request_per_stream_and_changes_no_row(warehouse, bybit, add):
    integration = add(bybit)
    sync(warehouse, integration, full=True)
    before = snapshot(warehouse, LAYERS)
    bybit.reset_counts()
    sync(warehouse, integration)
    assert all(bybit.count(route) <= 1 for route in ROUTES)
    assert bybit.count() == len(ROUTES) + len(BALANCES)
    assert snapshot(warehouse, LAYERS) == before


def test_a_pending_withdrawal_is_booked_once_it_has_finished(warehouse, bybit, add):
    integration = add(bybit)
    row = bybit.withdraw_pending("USDT", Decimal("42.5"), Decimal("1"))
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        stored = {r[0] for r in con.execute("SELECT source_id FROM raw.records WHERE integration_id = ?",
                                            [integration]).fetchall()}
    assert row["withdrawId"] not in stored
    exact(warehouse, bybit, integration)
    bybit.finish(row)
    sync(warehouse, integration)
    with connect(warehouse) as con:
        booked = con.execute("SELECT outgoing_asset, outgoing_amount, fee_amount FROM core.transactions "
                             "WHERE integration_id = ? AND external_id = ?", [integration, row["txID"]]).fetchall()
    assert booked == [("USDT", Decimal("42.5"), Decimal("1"))]
    exact(warehouse, bybit, integration)


@pytest.mark.parametrize(("wrong", "code"), [("key", "10003"), ("secret", "10004")])
def test_a_rejected_key_or_wrong_secret_fails_as_for_every_exchange_and_changes_nothing(warehouse, bybit, add, wrong, code):
    sync(warehouse, add(bybit), full=True)
    bad_key = "wrong-" + bybit.api_key if wrong == "key" else bybit.api_key
    bad_secret = "wrong-" + bybit.secret if wrong == "secret" else bybit.secret
    bad = add(bybit, key=bad_key, secret=bad_secret, name="Wrong " + wrong)
    before = snapshot(warehouse, WAREHOUSE)
    log = Log()
    with pytest.raises(UserError) as error:
        sync(warehouse, bad, full=True, log=log)
    message = str(error.value)
    assert f"bybit rejected the API key of integration {bad} (AuthenticationError)" in message
    for secret in (bad_key, bad_secret):
        assert secret not in message and secret not in "\n".join(log.lines)
    assert snapshot(warehouse, WAREHOUSE) == before


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_fifth_of_requests_failing_ends_exact_or_cleanly_failed(warehouse, bybit, add, seed):
    faulty_sync_ends_exact_or_cleanly_failed(warehouse, bybit, add(bybit), seed)


@pytest.mark.parametrize("kind", ["10006", "403", "503"])
def test_a_rate_limit_is_waited_out_and_one_that_persists_writes_nothing(warehouse, bybit, add, kind):
    integration = add(bybit)
    bybit.fail(kind, times=2)
    sync(warehouse, integration, full=True)
    exact(warehouse, bybit, integration)
    bybit.fail(kind, times=6)
    before = snapshot(warehouse, WAREHOUSE)
    with pytest.raises(ExchangeUnavailable, match="after 6 attempts"):
        sync(warehouse, integration, full=True)
    assert snapshot(warehouse, WAREHOUSE) == before


def test_cli_sync_and_a_wrong_secret_never_show_the_key_or_secret(cli, warehouse, tmp_path, monkeypatch, bybit):
    """Bybit's `error sign!` answer quotes the signed string, API key included: it must go nowhere."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("BY_KEY", bybit.api_key)
    monkeypatch.setenv("BY_SECRET", bybit.secret)
    monkeypatch.setenv("BY_WRONG", "wrong-" + bybit.secret)
    outputs = []

    def run(*args):
        result = cli(*args)
        outputs.append(result.out + result.err)
        return result

    options = [f"--option={k}={v}" for k, v in {"api_origin": bybit.url, **SETTINGS}.items()]
    run("accounts", "add", "eva", "--timezone", "UTC")
    for name, secret in (("Bybit", "BY_SECRET"), ("Rejected", "BY_WRONG")):
        assert run("integrations", "add", "eva", name, "--kind", "exchange", "--provider", "bybit",
                   "--api-key-env", "BY_KEY", "--secret-env", secret, *options).code == 0
    assert run("sync", "eva-bybit").code == 0
    rejected = run("sync", "eva-rejected")
    assert rejected.code == 1 and "bybit rejected the API key of integration eva-rejected" in rejected.err
    assert run("balances", "--account", "eva").code == 0
    secrets = [bybit.api_key, bybit.secret, "wrong-" + bybit.secret]
    for path in [p for root in (warehouse.parent, home) for p in root.rglob("*") if p.is_file()]:
        assert not any(s.encode() in path.read_bytes() for s in secrets), f"a secret in clear text in {path}"
    assert not any(s in "\n".join(outputs) for s in secrets)


def test_standalone_imitation_and_a_cli_integration_from_its_key_file(warehouse, cli, tmp_path, monkeypatch):
    creds = tmp_path / "creds"
    with standalone("bybit", creds) as url:
        assert (creds / "bybit.json").stat().st_mode & 0o077 == 0
        integration = add_from_key_file(cli, monkeypatch, creds / "bybit.json", url, "bea", "bybit")
        sync(warehouse, integration, full=True)
        assert mismatched(warehouse, integration) == set()


def _sample(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.mark.parametrize(("sample", "route", "key"), [
    ("transaction_log", "/v5/account/transaction-log", "list"),
    ("deposits", "/v5/asset/deposit/query-record", "rows"),
    ("withdrawals", "/v5/asset/withdraw/query-record", "rows"),
    ("inter_transfers", "/v5/asset/transfer/query-inter-transfer-list", "list"),
])
def test_the_imitation_answers_with_the_fields_of_bybits_recorded_responses(bybit, sample, route, key):
    real = _sample(sample)
    served = bybit.answer(route, "", {})  # unsigned: the error envelope
    assert set(served[1]) == set(real) == {"retCode", "retMsg", "result", "retExtInfo", "time"}
    rows = getattr(bybit.history, LISTS[route].attribute)
    assert set(real["result"]) == {key, "nextPageCursor"}
    assert set(real["result"][key][0]) <= set(rows[0])


def test_the_imitations_balances_and_converts_carry_the_recorded_fields(bybit):
    with bybit._lock:
        unified = bybit._unified({"accountType": "UNIFIED"})
        fund = bybit._fund({"accountType": "FUND"})
        converts = bybit._converts({})
    real_unified = _sample("wallet_balance")["result"]["list"][0]
    real_fund = _sample("fund_balance")["result"]
    assert set(real_unified) <= set(unified["list"][0])
    assert set(real_unified["coin"][0]) <= set(unified["list"][0]["coin"][0])
    assert set(real_fund) <= set(fund) and set(real_fund["balance"][0]) <= set(fund["balance"][0])
    assert set(_sample("convert_history")["result"]["list"][0]) <= set(converts["list"][0])


def test_recorded_real_rows_are_booked_by_the_legs(con):
    con.execute("INSERT INTO app.accounts (account_id, timezone, base_currency, created_at) "
                "VALUES ('a', 'UTC', 'EUR', now()::TIMESTAMP)")
    con.execute("INSERT INTO app.integrations (integration_id, account_id, name, kind, provider, settings, created_at) "
                "VALUES ('by', 'a', 'Bybit', 'exchange', 'bybit', '{}', now()::TIMESTAMP)")
    rows = [("ledger", r) for r in _sample("transaction_log")["result"]["list"]]
    rows += [("deposits", r) for r in _sample("deposits")["result"]["rows"]]
    rows += [("withdrawals", r) for r in _sample("withdrawals")["result"]["rows"]]
    rows += [("transfers", r) for r in _sample("inter_transfers")["result"]["list"]]
    rows += [("converts", r) for r in _sample("convert_history")["result"]["list"]]
    con.executemany("INSERT INTO raw.records VALUES ('by', ?, ?, ?, ?, now()::TIMESTAMP)",
                    [[stream, *record(stream, row)] for stream, row in rows])
    with transaction(con):
        build(con, ["by"])
    booked = con.execute("SELECT label, outgoing_asset, outgoing_amount, incoming_asset, incoming_amount, fee_asset, "
                         "fee_amount FROM core.transactions ORDER BY occurred_at, tx_id").fetchall()
    d = Decimal
    assert booked == [
        ("Withdrawal", "USDT", d("26"), None, None, None, None),  # success (off-chain, fee "0"); SecurityCheck is not
        ("Derivative Fee", None, None, None, None, "USDT", d("0.0190872")),  # linear fills: their fee only
        ("Derivative Fee", None, None, None, None, "USDT", d("0.0026028")),
        ("Derivative Loss", "USDT", d("0.003676"), None, None, None, None),  # funding paid at settlement
        ("Deposit", None, None, "USDT", d("10000"), None, None),  # status 3, depositFee ""
    ]  # not booked: the SPOT -> UNIFIED transfer (no FUND side) and the UTA convert (in the UTA's log)
