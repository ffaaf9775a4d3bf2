"""KuCoin (ccxt's raw private endpoints) against its imitation over HTTP: the ledger walked day by
day reconciles exactly, incremental and empty syncs read little, rejected credentials, the ledger's
start, a flaky and a rate-limiting API, recorded real responses, and secrets never in clear text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from pipelines.connectors.exchange.base import dumps
from pipelines.connectors.exchange.kucoin import LEDGER_START_MS
from pipelines.errors import UserError
from pipelines.imitations.kucoin import KucoinImitation
from pipelines.imitations.kucoin.history import BUSY_TRADES, WITHDRAW_FEES
from pipelines.registry.integrations import add_integration
from pipelines.sync.build import build
from pipelines.warehouse import connect, transaction
from tests.exchange.conftest import (FAST, LAYERS, WAREHOUSE, Log, amounts, exact,
                                     faulty_sync_ends_exact_or_cleanly_failed, sync)
from tests.helpers import snapshot

DATA = Path(__file__).parent / "data" / "kucoin"
LEDGER, DEPOSITS, WITHDRAWALS = "/api/v1/accounts/ledgers", "/api/v1/deposits", "/api/v1/withdrawals"
LISTS = (LEDGER, DEPOSITS, WITHDRAWALS)
DAYS = 12


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


@pytest.fixture
def kucoin():
    with KucoinImitation(days=DAYS) as server:
        yield server


@pytest.fixture
def add(warehouse, account, kucoin):
    def add(credentials: dict | None = None, name: str = "KuCoin", **settings) -> str:
        with connect(warehouse) as con:
            return add_integration(con, account, name, "exchange", "kucoin",
                                   settings={"api_origin": kucoin.url, **FAST, "start_date": days_ago(DAYS + 2), **settings},
                                   credentials=credentials or kucoin.credentials)
    return add


def test_full_sync_walks_the_ledger_day_by_day_and_reconciles_exactly(warehouse, kucoin, add):
    integration = add()
    result = sync(warehouse, integration, full=True)
    truth = kucoin.true_balances()
    assert {"USDT", "BTC"} <= set(truth)
    exact(warehouse, kucoin, integration)
    ledger_windows = [w for w in kucoin.windows if w[0] == LEDGER]
    assert all(end - start < 86_400_000 for _, start, end in ledger_windows)
    assert len({w[1:] for w in ledger_windows}) == DAYS + 3  # one window a day from start_date to today
    assert result.snapshot.stats["fetched_ledger"] == len(kucoin.history.ledger) > 500
    with connect(warehouse) as con:
        labels = dict(con.execute("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1",
                                  [integration]).fetchall())
        fees = dict(con.execute("SELECT label, sum(fee_amount) FROM core.transactions WHERE integration_id = ? "
                                "AND fee_amount IS NOT NULL GROUP BY 1", [integration]).fetchall())
        withdrawal = con.execute("SELECT outgoing_asset, outgoing_amount, fee_amount, external_id, comment "
                                 "FROM core.transactions WHERE integration_id = ? AND label = 'Withdrawal' "
                                 "AND outgoing_asset = 'BTC'", [integration]).fetchone()
    h = kucoin.history
    transfers = sum(1 for r in h.ledger if r["bizType"] == "Transfer") // 2
    staking = sum(1 for r in h.ledger if r["bizType"] == "Soft Staking Profits")
    assert labels == {"Trade": h.trades, "Transfer": transfers, "Deposit": 2, "Withdrawal": 2,
                      **({"Staking": staking} if staking else {})}
    assert h.trades >= BUSY_TRADES
    trade_fees = sum(Decimal(r["fee"]) for r in h.ledger if r["bizType"] == "Exchange")
    assert fees["Trade"] == trade_fees > 0
    assert fees["Withdrawal"] == WITHDRAW_FEES["BTC"] + WITHDRAW_FEES["USDT"]
    (btc_withdrawal,) = [w for w in h.withdrawals if w["currency"] == "BTC"]
    assert withdrawal == ("BTC", Decimal("0.05"), Decimal("0.0005"), btc_withdrawal["walletTxId"],
                          "kucoin ledger Withdrawal (main), chain btc")


def test_a_busy_day_is_read_in_pages_of_500(warehouse, kucoin, add):
    integration = add()
    sync(warehouse, integration, full=True)
    ledger_windows = [w for w in kucoin.windows if w[0] == LEDGER]
    assert kucoin.count(LEDGER) == len(ledger_windows)
    busy = [w for w in set(ledger_windows) if ledger_windows.count(w) > 1]
    assert len(busy) == 1 and ledger_windows.count(busy[0]) == 2, "2 * 260 trade rows on one day: two pages"


def test_incremental_sync_reads_only_what_is_new(warehouse, kucoin, add):
    integration = add()
    sync(warehouse, integration, full=True)
    kucoin.add_now()
    kucoin.reset_counts()
    result = sync(warehouse, integration)
    assert {route: kucoin.count(route) for route in LISTS} == dict.fromkeys(LISTS, 1)
    stats = result.snapshot.stats
    assert (stats["fetched_ledger"], stats["fetched_withdrawals"], stats["fetched_deposits"]) == (5, 1, 0)
    exact(warehouse, kucoin, integration)
    with connect(warehouse) as con:
        assert con.execute("SELECT count(*) FROM core.transactions WHERE integration_id = ? AND label = 'Trade'",
                           [integration]).fetchone() == (kucoin.history.trades,)


def test_a_sync_with_nothing_new_costs_one_request_per_stream_and_changes_no_row(warehouse, kucoin, add):
    integration = add()
    sync(warehouse, integration, full=True)
    before = snapshot(warehouse, LAYERS)
    kucoin.reset_counts()
    sync(warehouse, integration)
    assert {route: kucoin.count(route) for route in LISTS} == dict.fromkeys(LISTS, 1)
    assert kucoin.count() == len(LISTS) + 1  # and the balances
    assert snapshot(warehouse, LAYERS) == before


@pytest.mark.parametrize(("wrong", "code"), [("apiKey", "400003"), ("password", "400004"), ("secret", "400005")])
def test_rejected_credentials_fail_as_for_every_exchange_and_change_nothing(warehouse, kucoin, add, wrong, code):
    sync(warehouse, add(), full=True)
    credentials = {**kucoin.credentials, wrong: "wrong-" + kucoin.credentials[wrong]}
    bad = add(credentials, name="Wrong")
    before = snapshot(warehouse, WAREHOUSE)
    log = Log()
    with pytest.raises(UserError) as error:
        sync(warehouse, bad, full=True, log=log)
    message = str(error.value)
    assert f"kucoin rejected the API key of integration {bad} (AuthenticationError)" in message
    assert kucoin.count(LEDGER) > 0
    for secret in (*kucoin.credentials.values(), *credentials.values()):
        assert secret not in message and secret not in "\n".join(log.lines)
    assert snapshot(warehouse, WAREHOUSE) == before


def _signed_get(kucoin, headers: dict[str, str], path: str = "/api/v1/accounts") -> dict:
    request = Request(kucoin.url + path, headers=headers)
    try:
        with urlopen(request) as response:
            return json.loads(response.read())
    except Exception as exc:  # HTTPError: KuCoin's envelope in the body
        return json.loads(exc.read())


def test_the_imitation_answers_missing_headers_a_stale_timestamp_and_bad_windows_with_kucoins_codes(kucoin):
    import base64
    import hashlib
    import hmac

    def sign(text: str) -> str:
        return base64.b64encode(hmac.new(kucoin.secret.encode(), text.encode(), hashlib.sha256).digest()).decode()

    stale = str(int((datetime.now(UTC) - timedelta(seconds=30)).timestamp() * 1000))
    headers = {"KC-API-KEY": kucoin.api_key, "KC-API-TIMESTAMP": stale, "KC-API-KEY-VERSION": "2",
               "KC-API-SIGN": sign(stale + "GET/api/v1/accounts"), "KC-API-PASSPHRASE": sign(kucoin.passphrase)}
    assert _signed_get(kucoin, {k: v for k, v in headers.items() if k != "KC-API-SIGN"})["code"] == "400001"
    assert _signed_get(kucoin, headers)["code"] == "400002"
    now = str(int(datetime.now(UTC).timestamp() * 1000))
    fresh = {**headers, "KC-API-TIMESTAMP": now, "KC-API-SIGN": sign(now + "GET/api/v1/accounts")}
    assert _signed_get(kucoin, fresh)["code"] == "200000"
    for start, end, code in ((LEDGER_START_MS, LEDGER_START_MS + 86_400_000, "200000"),
                             (LEDGER_START_MS, LEDGER_START_MS + 86_400_001, "400100"),  # wider than 24 hours
                             (LEDGER_START_MS - 1, LEDGER_START_MS + 1000, "400100")):  # before the ledger's start
        path = f"{LEDGER}?startAt={start}&endAt={end}&currentPage=1&pageSize=500"
        signed = {**fresh, "KC-API-SIGN": sign(now + "GET" + path)}
        assert _signed_get(kucoin, signed, path)["code"] == code, (start, end)


def test_a_start_before_the_ledger_start_is_clipped_and_the_tip_names_it(warehouse, kucoin, monkeypatch, add):
    integration = add(start_date="2018-06-01")
    windows = []
    monkeypatch.setattr("pipelines.connectors.exchange.kucoin.KucoinReader.windows",
                        lambda self, start, widest, stream: windows.append((stream, start)) or iter(()))
    kucoin.history.accounts[("BTC", "main")] += Decimal("0.3")  # bought before 2019: in no ledger row
    sync(warehouse, integration, full=True)
    assert windows == [("ledger", LEDGER_START_MS), ("deposits", LEDGER_START_MS), ("withdrawals", LEDGER_START_MS)]
    with connect(warehouse) as con:
        (reach,) = con.execute("SELECT source_id FROM raw.records WHERE integration_id = ? AND stream = 'api_reach'",
                               [integration]).fetchone()
        (tips,) = con.execute("SELECT tips FROM marts.balance_reconciliation WHERE integration_id = ? AND asset = 'BTC'",
                              [integration]).fetchone()
    assert reach == "2019-02-18"
    first = json.loads(tips)[0]
    assert first["code"] == "history_unreachable"
    assert "History before 2019-02-18 is not available from the Kucoin API" in first["tip"]


def test_a_full_walk_from_the_ledger_start_reconciles_and_logs_progress(warehouse, account):
    """No start_date: the walk starts at KuCoin's launch, one request a day for seven years."""
    with KucoinImitation(days=4000, seed=5) as kucoin:
        settings = {"api_origin": kucoin.url, **{k: v for k, v in FAST.items() if k != "start_date"}}
        with connect(warehouse) as con:
            integration = add_integration(con, account, "KuCoin", "exchange", "kucoin", settings=settings,
                                          credentials=kucoin.credentials)
        log = Log()
        sync(warehouse, integration, full=True, log=log)
        days = (datetime.now(UTC) - datetime(2019, 2, 18, tzinfo=UTC)).days
        ledger_windows = [w for w in kucoin.windows if w[0] == LEDGER]
        assert ledger_windows[0][1] == LEDGER_START_MS
        assert days <= len({w[1:] for w in ledger_windows}) <= days + 2
        assert any("kucoin ledger read through" in line for line in log.lines)
        exact(warehouse, kucoin, integration)


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_fifth_of_requests_failing_ends_exact_or_cleanly_failed(warehouse, kucoin, add, seed):
    faulty_sync_ends_exact_or_cleanly_failed(warehouse, kucoin, add(), seed)


def test_a_rate_limit_is_waited_out(warehouse, kucoin, add):
    integration = add()
    kucoin.rate_limit(3, per_s=0.3)
    result = sync(warehouse, integration, full=True)
    assert kucoin.limited > 0 and result.snapshot.stats["retries"] == kucoin.limited
    exact(warehouse, kucoin, integration)


def test_a_recorded_real_balance_response_parses(warehouse, kucoin, add, monkeypatch):
    balance = json.loads((DATA / "ccxt_fetch_balance.json").read_text())
    monkeypatch.setattr(kucoin, "_accounts", lambda: balance["data"])
    integration = add()
    sync(warehouse, integration, full=True)
    assert amounts(warehouse, "core.synced_balances", integration) == {"USDT": Decimal("40.12618754"),
                                                                        "LTC": Decimal("0.171021")}


def test_a_recorded_real_ledger_row_becomes_a_transfer_with_its_counterpart(con):
    """The recorded row (5 USDT out of the trade account), its counterpart into the main account, a
    transfer without one (to an account the ledger does not cover) and a fee refund whose context is
    not JSON."""
    (row,) = json.loads((DATA / "ccxt_fetch_ledger.json").read_text())["data"]["items"]
    main = {**row, "id": "65ca404f77c7250007b8ddd8", "accountType": "MAIN", "direction": "in"}
    lone = {**row, "id": "65ca404f77c7250007b8ddd9", "amount": "1.5", "createdAt": row["createdAt"] + 1}
    refund = {**row, "id": "65ca404f77c7250007b8dde0", "amount": "0.00000026", "bizType": "Refunded Fees",
              "direction": "in", "context": "not json"}
    con.execute("INSERT INTO app.accounts (account_id, timezone, base_currency, created_at) "
                "VALUES ('a', 'UTC', 'EUR', now()::TIMESTAMP)")
    con.execute("INSERT INTO app.integrations (integration_id, account_id, name, kind, provider, settings, created_at) "
                "VALUES ('kc-1', 'a', 'KuCoin', 'exchange', 'kucoin', '{}', now()::TIMESTAMP)")
    con.executemany("INSERT INTO raw.records VALUES ('kc-1', 'ledger', ?, to_timestamp(? / 1000)::TIMESTAMP, ?, "
                    "now()::TIMESTAMP)", [[r["id"], r["createdAt"], dumps(r)] for r in (row, main, lone, refund)])
    with transaction(con):
        build(con, ["kc-1"])
    rows = con.execute("SELECT label, outgoing_asset, outgoing_amount, incoming_asset, incoming_amount, fee_amount "
                       "FROM core.transactions WHERE integration_id = 'kc-1' ORDER BY label").fetchall()
    assert rows == [("Cashback", None, None, "USDT", Decimal("0.00000026"), None),
                    ("Non-Taxable Out", "USDT", Decimal("1.5"), None, None, None),
                    ("Transfer", "USDT", Decimal("5"), "USDT", Decimal("5"), None)]


def test_cli_syncs_with_a_passphrase_and_no_secret_shows(cli, warehouse, tmp_path, monkeypatch, kucoin):
    """Key, secret and passphrase from the environment; a wrong passphrase is a rejected key; none of
    the three is in any file written or any output (tests/reliability/test_secrets.py's checks)."""
    from tests.reliability.test_secrets import files_under, leaks

    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    for name, value in (("KC_KEY", kucoin.api_key), ("KC_SECRET", kucoin.secret), ("KC_PASS", kucoin.passphrase),
                        ("KC_WRONG", "wrong-" + kucoin.passphrase)):
        monkeypatch.setenv(name, value)
    outputs = []

    def run(*args):
        result = cli(*args)
        outputs.append(result.out + result.err)
        return result

    options = ("--option", f"api_origin={kucoin.url}", "--option", "retry_backoff_s=0.02", "--option",
               f"start_date={days_ago(DAYS + 2)}", "--api-key-env", "KC_KEY", "--secret-env", "KC_SECRET")
    run("accounts", "add", "kim", "--timezone", "UTC")
    no_pass = run("integrations", "add", "kim", "Nopass", "--kind", "exchange", "--provider", "kucoin", *options)
    assert no_pass.code == 2 and no_pass.err.startswith("error: kucoin needs the credentials password")
    assert run("integrations", "add", "kim", "KuCoin", "--kind", "exchange", "--provider", "kucoin", *options,
               "--passphrase-env", "KC_PASS").code == 0
    assert run("integrations", "add", "kim", "Rejected", "--kind", "exchange", "--provider", "kucoin", *options,
               "--passphrase-env", "KC_WRONG").code == 0
    assert run("sync", "kim-kucoin").code == 0
    rejected = run("sync", "kim-rejected")
    assert rejected.code == 1 and "kucoin rejected the API key of integration kim-rejected" in rejected.err
    assert run("integrations", "show", "kim-kucoin").code == 0
    assert kucoin.keys_seen == {kucoin.api_key}  # both integrations sent the key (one with a wrong passphrase)
    secrets = [kucoin.api_key, kucoin.secret, kucoin.passphrase, "wrong-" + kucoin.passphrase]
    for path in files_under(warehouse.parent, home):
        assert not leaks(path.read_bytes(), secrets), f"secret in clear text in {path}"
    assert not leaks("\n".join(outputs).encode(), secrets)


def test_a_trade_whose_rows_arrive_in_two_syncs_is_rebuilt_whole(warehouse, kucoin, add):
    """The incremental build re-normalizes a trade from all its rows (sql/build/scope/exchange/kucoin.sql),
    old and new, when its second ledger row shows up a sync later."""
    integration = add()
    sync(warehouse, integration, full=True)
    kucoin.add_now()
    with kucoin._lock:
        late = next(r for r in reversed(kucoin.history.ledger) if r["bizType"] == "Exchange" and r["direction"] == "in")
        kucoin.history.ledger.remove(late)
    sync(warehouse, integration)
    with kucoin._lock:
        kucoin.history.ledger.append(late)
    sync(warehouse, integration)
    exact(warehouse, kucoin, integration)
    trade_id = json.loads(late["context"])["tradeId"]
    with connect(warehouse) as con:
        row = con.execute("SELECT label, outgoing_asset, incoming_asset, incoming_amount FROM core.transactions "
                          "WHERE tx_id = ?", [f"{integration}:ledger:trade:{trade_id}"]).fetchone()
    assert row == ("Trade", "USDT", "BTC", Decimal("0.0123"))


def test_a_processing_withdrawal_is_read_again_until_it_is_final(warehouse, kucoin, add):
    integration = add()
    sync(warehouse, integration, full=True)
    with kucoin._lock:
        kucoin.history.withdraw(datetime.now(UTC) - timedelta(seconds=1), "ETH", Decimal("0.1"), status="PROCESSING")
        pending = kucoin.history.withdrawals[-1]
    result = sync(warehouse, integration)
    assert result.snapshot.stats["fetched_withdrawals"] == 0
    exact(warehouse, kucoin, integration)  # the ledger books it already
    with kucoin._lock:
        pending["status"] = "SUCCESS"
    result = sync(warehouse, integration)
    assert result.snapshot.stats["fetched_withdrawals"] == 1
    with connect(warehouse) as con:
        assert con.execute("SELECT comment FROM core.transactions WHERE integration_id = ? AND external_id = ?",
                           [integration, pending["walletTxId"]]).fetchone() == ("kucoin ledger Withdrawal (main), chain eth",)
