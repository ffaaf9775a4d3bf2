"""Coinbase (v2 account API through ccxt) against its imitation over HTTP: exact full, incremental
and empty syncs with each of the three key kinds ccxt signs (legacy HMAC, CDP ES256 and Ed25519
JWTs), rejected keys and signatures, a flaky API, and the secret never in clear text."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.connectors.exchange.base import dumps
from pipelines.connectors.exchange.client import ExchangeUnavailable
from pipelines.connectors.exchange.coinbase import created_at
from pipelines.errors import UserError
from pipelines.imitations.coinbase import CoinbaseImitation
from pipelines.imitations.coinbase.history import ACTIVE, EMPTY_ACCOUNTS, REWARD_DAYS
from pipelines.imitations.coinbase.server import make_keys
from pipelines.registry.integrations import add_integration
from pipelines.sync.build import build
from pipelines.warehouse import connect, transaction
from tests.exchange.conftest import (FAST, LAYERS, WAREHOUSE, Log, exact, faulty_sync_ends_exact_or_cleanly_failed,
                                     mismatched, sync)
from tests.helpers import snapshot

ACCOUNTS, TRANSACTIONS = "/v2/accounts", "/v2/accounts/:id/transactions"
USED_ACCOUNTS = len(ACTIVE)  # the others were never used (created_at null) and are not asked
DATA = Path(__file__).parent / "data" / "coinbase"


@pytest.fixture(scope="module")
def coinbase():
    with CoinbaseImitation() as server:
        yield server


@pytest.fixture
def fresh():
    """An imitation of its own, for tests that change the history."""
    with CoinbaseImitation(seed=3) as server:
        yield server


def adder(warehouse, account, server):
    def add(kind: str = "hmac", name: str = "Coinbase", credentials: dict | None = None) -> str:
        with connect(warehouse) as con:
            return add_integration(con, account, name, "exchange", "coinbase",
                                   settings={"api_origin": server.url, **FAST},
                                   credentials=credentials or server.credentials[kind])
    return add


@pytest.fixture
def add(warehouse, account, coinbase):
    return adder(warehouse, account, coinbase)


@pytest.mark.parametrize("kind", ["hmac", "ecdsa", "ed25519"])
def test_full_sync_reconciles_exactly_with_the_truth(warehouse, coinbase, add, kind):
    integration = add(kind)
    coinbase.reset_counts()
    sync(warehouse, integration, full=True)
    assert coinbase.count(ACCOUNTS) == 2, "the account list pages past 250"
    assert len(coinbase.history.accounts) == USED_ACCOUNTS + EMPTY_ACCOUNTS > 250
    assert set(coinbase.true_balances()) == {"EUR", "BTC", "ETH", "SOL", "USDC"}
    exact(warehouse, coinbase, integration)
    with connect(warehouse) as con:
        labels = dict(con.execute("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1",
                                  [integration]).fetchall())
        send = con.execute("SELECT outgoing_amount, fee_asset, fee_amount FROM core.transactions "
                           "WHERE integration_id = ? AND label = 'Withdrawal' AND outgoing_asset = 'BTC'",
                           [integration]).fetchall()
    # Each buy, sell, conversion and Advanced Trade order once, though it is a row in two accounts.
    assert labels == {"Trade": 5 + 1 + 1 + 2, "Staking": REWARD_DAYS + 60, "Deposit": 4 + 2 + 1,
                      "Withdrawal": 1 + 1 + 1, "Transfer": 1}
    assert send == [(Decimal("0.004"), "BTC", Decimal("0.00002345"))]


def test_recorded_v2_transactions_book_by_their_amount(con):
    """ccxt's recorded v2 transactions (tests/exchange/data/coinbase/transactions.json): each moves its
    currency by exactly `amount.amount`; a lone buy or sell row (the other account's row is not among
    the samples) books one side only."""
    rows = json.loads((DATA / "transactions.json").read_text())["data"]
    con.execute("INSERT INTO app.accounts (account_id, timezone, base_currency, created_at) "
                "VALUES ('a', 'UTC', 'EUR', now()::TIMESTAMP)")
    con.execute("INSERT INTO app.integrations (integration_id, account_id, name, kind, provider, settings, created_at) "
                "VALUES ('cb-1', 'a', 'Coinbase', 'exchange', 'coinbase', '{}', now()::TIMESTAMP)")
    con.executemany("INSERT INTO raw.records VALUES ('cb-1', 'transactions', ?, ?, ?, now()::TIMESTAMP)",
                    [[r["id"], created_at(r), dumps(r)] for r in rows])
    with transaction(con):
        build(con, ["cb-1"])
    labels = dict(con.execute("SELECT external_id, label FROM core.transactions").fetchall())
    assert [labels[r["id"]] for r in rows] == [
        "Deposit", "Withdrawal", "Withdrawal", "Withdrawal", "Deposit", "Deposit", "Non-Taxable Out", "Non-Taxable In",
        "Deposit", "Withdrawal"]
    expected: dict[str, Decimal] = {}
    for r in rows:
        expected[r["amount"]["currency"]] = expected.get(r["amount"]["currency"], Decimal(0)) + Decimal(r["amount"]["amount"])
    assert dict(con.execute("SELECT asset_id, sum(amount) FROM core.ledger_entries GROUP BY 1").fetchall()) == expected


def test_incremental_sync_reads_only_what_is_new(warehouse, fresh, account):
    integration = adder(warehouse, account, fresh)("ecdsa")
    sync(warehouse, integration, full=True)
    fresh.add_now()
    fresh.reset_counts()
    result = sync(warehouse, integration)
    assert fresh.count(TRANSACTIONS) == USED_ACCOUNTS  # one request per used account: all new rows fit a page
    assert result.snapshot.stats["fetched_transactions"] == 3  # the buy's BTC and EUR rows, the reward
    exact(warehouse, fresh, integration)


def test_a_sync_with_nothing_new_asks_each_used_account_once_and_changes_no_row(warehouse, coinbase, add):
    integration = add()
    sync(warehouse, integration, full=True)
    before = snapshot(warehouse, LAYERS)
    coinbase.reset_counts()
    sync(warehouse, integration)
    assert (coinbase.count(ACCOUNTS), coinbase.count(TRANSACTIONS)) == (2, USED_ACCOUNTS)
    assert snapshot(warehouse, LAYERS) == before


def test_a_pending_send_is_booked_with_its_fee_once_completed(warehouse, fresh, account):
    integration = adder(warehouse, account, fresh)()
    row = fresh.send_pending("SOL", Decimal("1.5"), Decimal("0.000005"))
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        stored = {r[0] for r in con.execute("SELECT source_id FROM raw.records WHERE integration_id = ?",
                                            [integration]).fetchall()}
    assert row["id"] not in stored
    exact(warehouse, fresh, integration)
    fresh.complete(row)
    sync(warehouse, integration)
    with connect(warehouse) as con:
        booked = con.execute("SELECT label, outgoing_asset, outgoing_amount, fee_amount FROM core.transactions "
                             "WHERE integration_id = ? AND external_id = ?", [integration, row["id"]]).fetchall()
    assert booked == [("Withdrawal", "SOL", Decimal("1.5"), Decimal("0.000005"))]
    exact(warehouse, fresh, integration)


@pytest.mark.parametrize(("kind", "spoil"), [
    ("hmac", lambda c: {**c, "secret": "0" * 32}),  # a signature error
    ("hmac", lambda c: {**c, "apiKey": "f" * 16}),  # an unknown key
    ("ecdsa", lambda c: {**c, "secret": make_keys(99)[0]["ecdsa"]["secret"]}),
    ("ed25519", lambda c: {**c, "secret": make_keys(99)[0]["ed25519"]["secret"]}),
])
def test_a_rejected_key_fails_as_for_every_exchange_and_changes_nothing(warehouse, coinbase, add, kind, spoil):
    sync(warehouse, add(), full=True)
    wrong = spoil(coinbase.credentials[kind])
    bad = add(name="Wrong key", credentials=wrong)
    before = snapshot(warehouse, WAREHOUSE)
    log = Log()
    with pytest.raises(UserError) as error:
        sync(warehouse, bad, full=True, log=log)
    message = str(error.value)
    assert f"coinbase rejected the API key of integration {bad} (AuthenticationError)" in message
    assert not any(s in message + "\n".join(log.lines) for s in wrong.values())
    assert snapshot(warehouse, WAREHOUSE) == before


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_fifth_of_requests_failing_ends_exact_or_cleanly_failed(warehouse, fresh, account, seed):
    faulty_sync_ends_exact_or_cleanly_failed(warehouse, fresh, adder(warehouse, account, fresh)(), seed)


@pytest.mark.parametrize(("kind", "seconds", "url", "why"), [
    ("ecdsa", -121, "https://api.coinbase.com/v2/accounts", "expired"),
    ("ecdsa", 0, "https://api.coinbase.com/v2/accounts/x/transactions", "another request's uri"),
    ("ed25519", -121, "https://api.coinbase.com/v2/accounts", "expired"),
    ("ed25519", 0, "https://api.coinbase.com/v2/account", "another request's uri"),
    ("ecdsa", 0, "https://api.coinbase.com/v2/accounts", None),
    ("ed25519", 0, "https://api.coinbase.com/v2/accounts", None),
])
def test_the_imitation_checks_a_jwts_lifetime_and_uri_claim(coinbase, kind, seconds, url, why):
    """ccxt's own token for one request (`uri` "GET api.coinbase.com/v2/accounts"), made `seconds` ago."""
    from pipelines.connectors.exchange.client import make_client
    from pipelines.imitations.coinbase.auth import UNAUTHORIZED, check

    client = make_client("coinbase", {}, coinbase.credentials[kind])
    now = client.seconds()
    token = client.create_auth_token(now + seconds, "GET", url, kind == "ed25519")
    answer = check(coinbase.keys, "GET", "/v2/accounts?limit=250", "api.coinbase.com",
                   {"Authorization": f"Bearer {token}"}, now=now)
    assert answer == (None if why is None else (401, UNAUTHORIZED)), why


def test_the_imitation_refuses_a_stale_hmac_timestamp(coinbase):
    import hashlib
    import hmac
    import time

    from pipelines.imitations.coinbase.auth import EXPIRED, check

    key, secret = coinbase.credentials["hmac"]["apiKey"], coinbase.credentials["hmac"]["secret"]
    stamp = str(int(time.time()) - 31)
    sign = hmac.new(secret.encode(), f"{stamp}GET/v2/accounts".encode(), hashlib.sha256).hexdigest()
    headers = {"CB-ACCESS-KEY": key, "CB-ACCESS-TIMESTAMP": stamp, "CB-ACCESS-SIGN": sign}
    assert check(coinbase.keys, "GET", "/v2/accounts", "h", headers) == (401, EXPIRED)
    assert check(coinbase.keys, "GET", "/v2/accounts", "h", headers, now=int(stamp) + 5) is None


def test_cli_syncs_a_cdp_key_and_no_secret_shows_anywhere(cli, warehouse, tmp_path, monkeypatch, coinbase):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    cdp = coinbase.credentials["ecdsa"]
    monkeypatch.setenv("CB_KEY", cdp["apiKey"])
    monkeypatch.setenv("CB_SECRET", cdp["secret"])
    monkeypatch.setenv("CB_WRONG", make_keys(99)[0]["ecdsa"]["secret"])
    outputs = []

    def run(*args):
        result = cli(*args)
        outputs.append(result.out + result.err)
        return result

    origin = ("--option", f"api_origin={coinbase.url}", "--option", "retry_backoff_s=0.02", "--option", "rate_limit_ms=0.01")
    run("accounts", "add", "eva", "--timezone", "Europe/Vienna")
    assert run("integrations", "add", "eva", "Coinbase", "--kind", "exchange", "--provider", "coinbase",
               "--api-key-env", "CB_KEY", "--secret-env", "CB_SECRET", *origin).code == 0
    assert run("integrations", "add", "eva", "Rejected", "--kind", "exchange", "--provider", "coinbase",
               "--api-key-env", "CB_KEY", "--secret-env", "CB_WRONG", *origin).code == 0
    assert run("sync", "eva-coinbase").code == 0
    rejected = run("sync", "eva-rejected")
    assert rejected.code == 1 and "coinbase rejected the API key of integration eva-rejected" in rejected.err
    assert run("integrations", "show", "eva-coinbase").code == 0
    # The PEM's base64 body lines, the key name and the wrong secret: none anywhere in clear text.
    secrets = [line for line in cdp["secret"].splitlines() if "-----" not in line] + [
        cdp["apiKey"], *make_keys(99)[0]["ecdsa"]["secret"].splitlines()[1:-1]]
    for path in [p for root in (warehouse.parent, home) for p in root.rglob("*") if p.is_file()]:
        assert not any(s.encode() in path.read_bytes() for s in secrets), f"a secret in clear text in {path}"
    assert not any(s in "\n".join(outputs) for s in secrets)


def test_a_buy_whose_payment_completes_a_sync_later_becomes_one_trade(warehouse, fresh, account):
    """The two rows of one buy land in different syncs: the incremental build books their link again."""
    integration = adder(warehouse, account, fresh)()
    sync(warehouse, integration, full=True)
    eur_row = fresh.buy_paying_later()
    sync(warehouse, integration)
    exact(warehouse, fresh, integration)
    fresh.complete(eur_row)
    sync(warehouse, integration)
    with connect(warehouse) as con:
        booked = con.execute("SELECT label, outgoing_asset, outgoing_amount, incoming_asset, incoming_amount "
                             "FROM core.transactions WHERE integration_id = ? AND tx_id LIKE ?",
                             [integration, f"%{eur_row['buy']['id']}"]).fetchall()
    assert booked == [("Trade", "EUR", Decimal("250.00"), "ETH", Decimal("0.08461234"))]
    exact(warehouse, fresh, integration)


def test_past_the_hourly_request_limit_the_sync_fails_cleanly(warehouse, account):
    with CoinbaseImitation(seed=3, rate_limit=5) as server:
        integration = adder(warehouse, account, server)()
        before = snapshot(warehouse, WAREHOUSE)
        with pytest.raises(ExchangeUnavailable, match=r"coinbase kept failing on v2PrivateGetAccountsAccountIdTransactions "
                                                      r"\(RateLimitExceeded\) after 6 attempts; nothing was written"):
            sync(warehouse, integration, full=True)
        assert snapshot(warehouse, WAREHOUSE) == before


def test_the_imitation_answers_in_the_recorded_shapes(coinbase):
    """The imitation's account list and transactions carry the fields of ccxt's recorded Coinbase
    responses (tests/exchange/data/coinbase), with the same nesting the reader and legs read."""
    recorded = json.loads((DATA / "accounts.json").read_text())
    transactions = json.loads((DATA / "transactions.json").read_text())["data"]
    account = coinbase.history.accounts[0].payload(Decimal(0))
    sample = recorded["data"][0]
    page = json.loads(coinbase._page("/v2/accounts", [account], {}, 250)[2])
    assert set(recorded["pagination"]) <= set(page["pagination"])
    assert set(sample) <= set(account) and set(sample["balance"]) == set(account["balance"])
    served = [r for a in coinbase.history.accounts for r in a.transactions]
    common = set.intersection(*(set(r) for r in transactions))
    assert all(common <= set(r) for r in served)
    for kind in ("buy", "sell", "send"):
        def outgoing_if_send(r, kind=kind):
            return r["type"] == kind and (kind != "send" or r["amount"]["amount"].startswith("-"))

        mine, theirs = next(filter(outgoing_if_send, served)), next(filter(outgoing_if_send, transactions))
        assert set(theirs) - {"application", "idem"} <= set(mine), kind
        if kind == "send":
            assert set(theirs["network"]) <= set(mine["network"])


@pytest.mark.parametrize(("kind", "secret", "reason"), [
    ("ecdsa", "-----BEGIN EC PRIVATE KEY-----\nnot base64\n-----END EC PRIVATE KEY-----\n", "is not a PEM private key"),
    ("ed25519", "%" * 88, "is not base64 of its private key"),
])
def test_a_secret_ccxt_cannot_sign_with_is_refused_before_any_request(warehouse, coinbase, add, kind, secret, reason):
    bad = add(name="Unusable", credentials={**coinbase.credentials[kind], "secret": secret})
    coinbase.reset_counts()
    with pytest.raises(UserError, match=f"coinbase rejected the API key of integration {bad} \\(the secret .*{reason}\\)"):
        sync(warehouse, bad, full=True)
    assert coinbase.count() == 0


def test_a_pem_pasted_with_escaped_line_breaks_signs(coinbase):
    from pipelines.connectors.exchange.coinbase import signable

    pem = coinbase.credentials["ecdsa"]["secret"]
    fixed, unusable = signable({**coinbase.credentials["ecdsa"], "secret": pem.replace("\n", "\\n")})
    assert (fixed["secret"], unusable) == (pem, None)


def test_standalone_coinbase_imitation_and_a_cli_integration_from_its_key_file(warehouse, cli, tmp_path, monkeypatch):
    from tests.exchange.test_cli import add_from_key_file, standalone

    creds = tmp_path / "creds"
    with standalone("coinbase", creds) as url:
        assert (creds / "coinbase.json").stat().st_mode & 0o077 == 0
        integration = add_from_key_file(cli, monkeypatch, creds / "coinbase.json", url, "cyd", "coinbase")
        sync(warehouse, integration, full=True)
        assert mismatched(warehouse, integration) == set()
