"""OKX (API v5) through ccxt against its imitation over HTTP: both accounts' bills reconcile exactly
(trades, deposits, withdrawals with their fee, transfers between the accounts, Earn interest, and
bills older than three months that only the asynchronous quarterly archive serves), incremental
and empty syncs, each refused credential, OKX's rate limit, a flaky API, and no secret in clear
text."""

from __future__ import annotations

import functools
import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.connectors.exchange.client import ExchangeUnavailable
from pipelines.connectors.exchange.okx import OkxReader
from pipelines.connectors.exchange.okx_archive import quarter_of, quarter_start, quarters
from pipelines.errors import UserError
from pipelines.imitations.okx import OkxImitation
from pipelines.imitations.okx.server import ARCHIVE, DOWNLOAD
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.exchange.conftest import (FAST, LAYERS, WAREHOUSE, Log, exact, faulty_sync_ends_exact_or_cleanly_failed,
                                     mismatched, sync)
from tests.helpers import snapshot

DATA = Path(__file__).parent / "data" / "okx"
LISTS = ("/api/v5/account/bills", "/api/v5/account/bills-archive", "/api/v5/asset/bills-history",
         "/api/v5/trade/fills-history")
BALANCES = ("/api/v5/account/balance", "/api/v5/asset/balances")
#: Poll the archive at once (the imitation needs one poll before a file is ready).
QUICK = {"archive_poll_s": 0.01, "archive_wait_s": 5}


@pytest.fixture
def okx():
    with OkxImitation(days=150) as server:  # older than the current quarter and than three months
        yield server


def register(warehouse, account: str, server: OkxImitation, name: str = "OKX", credentials: dict | None = None,
             **settings) -> str:
    """An OKX integration on `server` (its credentials, overridden by `credentials`)."""
    with connect(warehouse) as con:
        return add_integration(con, account, name, "exchange", "okx",
                               settings={"api_origin": server.url, **FAST, **QUICK, **settings},
                               credentials={**server.credentials(), **(credentials or {})})


@pytest.fixture
def add(warehouse, account, okx):
    return functools.partial(register, warehouse, account, okx)


def labels(warehouse, integration) -> dict[str, int]:
    with connect(warehouse) as con:
        return dict(con.execute("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1",
                                [integration]).fetchall())


def test_full_sync_reads_the_archive_and_reconciles_exactly(warehouse, okx, add):
    integration = add()
    sync(warehouse, integration, full=True)
    assert set(okx.true_balances()) == {"USDT", "ETH", "BTC", "SOL"}
    exact(warehouse, okx, integration)
    h = okx.history
    with connect(warehouse) as con:
        stored = {r[0] for r in con.execute("SELECT source_id FROM raw.records WHERE integration_id = ? "
                                            "AND stream = 'bills'",
                                            [integration]).fetchall()}
        fee, comment = con.execute("SELECT fee_amount, comment FROM core.transactions WHERE integration_id = ? "
                                   "AND label = 'Withdrawal'", [integration]).fetchone()
    assert stored == {b["billId"] for b in h.bills}, "every trading bill once, the oldest from the archive files"
    assert okx.count(ARCHIVE) > 0 and sum(n for r, n in okx.requests.items() if r.startswith(DOWNLOAD)) >= 2
    # Each trade once (two bills and a fill), each transfer once (a bill in each account).
    assert len(h.funding_bills) > 100, "the funding bills page too"
    assert labels(warehouse, integration) == {"Trade": len(h.fills), "Transfer": 3, "Deposit": 3, "Withdrawal": 1,
                                              "Interest": h.interest_paid, "Non-Taxable Out": 1, "Non-Taxable In": 1}
    assert fee == Decimal("0.008") and comment == "okx withdrawal"


def test_a_trade_books_its_fee_once_in_the_bought_currency(warehouse, okx, add):
    integration = add()
    sync(warehouse, integration, full=True)
    fill = okx.history.fills[-1]
    with connect(warehouse) as con:
        row = con.execute("SELECT incoming_asset, incoming_amount, fee_asset, fee_amount, comment "
                          "FROM core.transactions "
                          "WHERE integration_id = ? AND external_id = ?",
                          [integration, f"{fill['instId']}:{fill['tradeId']}"]).fetchone()
    bought = fill["fillSz"] if fill["side"] == "buy" else None
    assert row[0] == fill["feeCcy"] and row[2] == fill["feeCcy"] and row[3] == -Decimal(fill["fee"])
    if bought:
        assert row[1] == Decimal(bought)
    assert f"at {fill['fillPx']}, order {fill['ordId']}" in row[4]


def test_incremental_sync_reads_only_what_is_new(warehouse, okx, add):
    integration = add()
    sync(warehouse, integration, full=True)
    okx.add_now()
    okx.reset_counts()
    result = sync(warehouse, integration)
    assert {route: okx.count(route) for route in LISTS} == {
        "/api/v5/account/bills": 1, "/api/v5/account/bills-archive": 0, "/api/v5/asset/bills-history": 1,
        "/api/v5/trade/fills-history": 1}
    assert okx.count(ARCHIVE) == 0
    stats = result.snapshot.stats
    assert (stats["fetched_bills"], stats["fetched_funding_bills"], stats["fetched_fills"]) == (3, 2, 1)
    exact(warehouse, okx, integration)


def test_a_sync_with_nothing_new_costs_one_request_per_stream_and_changes_no_row(warehouse, okx, add):
    integration = add()
    sync(warehouse, integration, full=True)
    before = snapshot(warehouse, LAYERS)
    okx.reset_counts()
    sync(warehouse, integration)
    assert okx.count() == 3 + len(BALANCES)
    assert all(okx.count(route) == 1 for route in BALANCES)
    assert snapshot(warehouse, LAYERS) == before


@pytest.mark.parametrize("credential", ["apiKey", "secret", "password"])
def test_each_refused_credential_fails_as_for_every_exchange_and_changes_nothing(warehouse, okx, add, credential):
    sync(warehouse, add(), full=True)
    wrong = "wrong-" + okx.credentials()[credential]
    bad = add(name="Wrong", credentials={credential: wrong})
    before = snapshot(warehouse, WAREHOUSE)
    log = Log()
    with pytest.raises(UserError) as error:
        sync(warehouse, bad, full=True, log=log)
    message = str(error.value)
    assert f"okx rejected the API key of integration {bad} (AuthenticationError)" in message
    for secret in (wrong, *okx.credentials().values()):
        assert secret not in message and secret not in "\n".join(log.lines)
    assert snapshot(warehouse, WAREHOUSE) == before


def test_an_integration_without_its_passphrase_is_refused_when_added(warehouse, okx, add):
    with pytest.raises(UserError, match="^okx needs the credentials password$"):
        add(credentials={"password": ""})


@pytest.mark.parametrize(("headers", "code"), [
    ({"OK-ACCESS-KEY": "other"}, "50111"),
    ({"OK-ACCESS-PASSPHRASE": "other"}, "50105"),
    ({"OK-ACCESS-TIMESTAMP": "2020-12-08T09:08:57.715Z"}, "50102"),
    ({"OK-ACCESS-SIGN": "bm90IGEgc2lnbmF0dXJl"}, "50113"),
])
def test_the_imitation_checks_every_signed_header_with_okx_codes(okx, headers, code):
    import ccxt

    client = ccxt.okx({**okx.credentials()})
    signed = client.sign("account/balance", ["private"], "GET", {})
    status, body, _ = okx.answer("GET", "/api/v5/account/balance", "", {**signed["headers"]})
    assert (status, body["code"]) == (200, "0")
    status, body, _ = okx.answer("GET", "/api/v5/account/balance", "", {**signed["headers"], **headers})
    assert (status, body["code"]) == (401, code)


def test_okx_rate_limit_is_retried_and_the_sync_stays_exact(warehouse, account):
    with OkxImitation(days=20, rate_limit=2, rate_window_s=0.2) as limited:  # a window the test's backoff outlasts
        integration = register(warehouse, account, limited, "Limited")
        result = sync(warehouse, integration, full=True)
        assert result.snapshot.stats["retries"] > 0
        exact(warehouse, limited, integration)


def test_an_archive_not_ready_in_time_fails_cleanly_and_the_next_sync_reads_it(warehouse, account):
    with OkxImitation(days=150, archive_polls=4) as slow:  # two polls a sync: ready in the third
        integration = register(warehouse, account, slow, "Slow", archive_wait_s=0.01)
        before = snapshot(warehouse, WAREHOUSE)
        with pytest.raises(UserError, match=r"okx is still preparing the bill archive of 2025 Q1, 2025 Q2, .* "
                                            r"for trader-slow .*: sync again later"):
            sync(warehouse, integration, full=True)
        assert snapshot(warehouse, WAREHOUSE) == before
        with pytest.raises(UserError, match="still preparing"):  # OKX goes on preparing what was asked
            sync(warehouse, integration, full=True)
        assert snapshot(warehouse, WAREHOUSE) == before
        sync(warehouse, integration, full=True)
        exact(warehouse, slow, integration)


def test_a_history_from_2021_needs_two_days_of_archive_requests_and_records_the_api_reach(warehouse, okx, add):
    integration = add(start_date="2020-06-01")
    before = snapshot(warehouse, WAREHOUSE)
    now = datetime.now(UTC)
    due = len(list(quarters(datetime(2021, 1, 1, tzinfo=UTC), quarter_start(*quarter_of(now)))))
    left = rf"OKX takes 12 archive requests a day, {due - 12} are still to be made\): sync again"
    with pytest.raises(UserError, match=left):
        sync(warehouse, integration, full=True)
    assert okx.applied == 12 and snapshot(warehouse, WAREHOUSE) == before
    okx.next_day()
    sync(warehouse, integration, full=True)
    exact(warehouse, okx, integration)
    with connect(warehouse) as con:
        reach = con.execute("SELECT source_id FROM raw.records WHERE integration_id = ? AND stream = 'api_reach'",
                            [integration]).fetchall()
    assert reach == [("2021-02-01",)], "OKX serves no bills before February 2021"


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_fifth_of_requests_failing_ends_exact_or_cleanly_failed(warehouse, okx, add, seed):
    # UserError: a 429 taken for the archive's daily limit.
    faulty_sync_ends_exact_or_cleanly_failed(warehouse, okx, add(), seed, failures=(ExchangeUnavailable, UserError))


def test_a_server_that_keeps_failing_writes_nothing(warehouse, okx, add):
    integration = add()
    okx.fail(503, times=6)
    before = snapshot(warehouse, WAREHOUSE)
    with pytest.raises(ExchangeUnavailable, match=r"okx kept failing on privateGetAccountBalance \(OnMaintenance\) "
                                                  r"after 6 attempts; nothing was written"):
        sync(warehouse, integration, full=True)
    assert snapshot(warehouse, WAREHOUSE) == before


def test_no_credential_in_clear_text_in_the_warehouse(warehouse, okx, add):
    sync(warehouse, add(), full=True)
    with pytest.raises(UserError):
        sync(warehouse, add(name="Wrong", credentials={"secret": "wrong-" + okx.secret}), full=True)
    secrets = [*okx.credentials().values(), "wrong-" + okx.secret]
    for path in [p for p in warehouse.parent.rglob("*") if p.is_file()]:
        assert not any(s.encode() in path.read_bytes() for s in secrets), f"credential in clear text in {path}"


class Recorded:
    """Answers the reader's calls with OKX responses recorded by ccxt (tests/exchange/data/okx)."""

    calls = {"privateGetAccountBalance": "account_balance.json", "privateGetAssetBalances": "asset_balances.json"}

    def __call__(self, method: str, *args):
        return json.loads((DATA / self.calls[method]).read_text())


def test_recorded_balances_parse_as_trading_cash_plus_funding():
    import ccxt

    reader = OkxReader.__new__(OkxReader)  # no integration: only `balances` over the recorded answers
    reader.codes, reader.call, reader.client = {}, Recorded(), ccxt.okx()
    synced = {b.asset_id: b.amount for b in reader.balances()}
    assert synced == {"TUSD": Decimal("3100"), "BTC": Decimal("1.06126645222")}


def test_recorded_bills_normalize_exactly(warehouse, okx, add):
    """ccxt's recorded bills of each account, served as new rows: one trading bill of a sale (its
    other currency's bill is not in the sample) and a funding deposit, each amount to the digit."""
    trade = json.loads((DATA / "account_bills.json").read_text())["data"][0]
    deposit = json.loads((DATA / "asset_bills.json").read_text())["data"][0]
    integration = add()
    with okx._lock:
        now = str(int(time.time() * 1000) - 5000)  # before the cut-off (whole seconds)
        okx.history.bills.append({**trade, "ts": now, "billId": str(okx.history.next_id + 10)})
        okx.history.funding_bills.append({**deposit, "ts": now, "billId": str(okx.history.next_id + 11)})
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        rows = con.execute("SELECT label, outgoing_asset, outgoing_amount, incoming_asset, incoming_amount FROM "
                           "core.transactions WHERE integration_id = ? AND (comment LIKE '%LTC-USDT%' OR "
                           "(label = 'Deposit' AND incoming_asset = 'BTC' AND incoming_amount = 2)) ORDER BY label",
                           [integration]).fetchall()
    assert rows == [("Deposit", None, None, "BTC", Decimal("2")),
                    ("Trade", "USDT", Decimal("664.2679586599999802"), None, None)]


def test_standalone_imitation_and_a_cli_integration_with_a_passphrase(warehouse, cli, tmp_path, monkeypatch):
    from tests.exchange.test_cli import add_from_key_file, standalone

    creds = tmp_path / "creds"
    with standalone("okx", creds, "--days", "150") as url:
        assert (creds / "okx.json").stat().st_mode & 0o077 == 0
        assert set(json.loads((creds / "okx.json").read_text())) == {"api_key", "secret", "passphrase"}
        integration = add_from_key_file(cli, monkeypatch, creds / "okx.json", url, "olga", "okx")
        sync(warehouse, integration, full=True)
        assert mismatched(warehouse, integration) == set()
