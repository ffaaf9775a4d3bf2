"""Bitpanda (classic API, own client) against its imitation over HTTP: exact full, incremental and
empty syncs, a rejected key, a flaky API, and the key never in clear text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines.connectors.exchange.client import ExchangeUnavailable
from pipelines.errors import UserError
from pipelines.imitations.bitpanda import BitpandaImitation
from pipelines.imitations.bitpanda.history import REWARD_DAYS
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.exchange.conftest import FAST, LAYERS, WAREHOUSE, Log, exact, faulty_sync_ends_exact_or_cleanly_failed, sync
from tests.helpers import snapshot

LISTS = ("/v1/trades", "/v1/wallets/transactions", "/v1/fiatwallets/transactions")


@pytest.fixture
def bitpanda():
    with BitpandaImitation() as server:
        yield server


@pytest.fixture
def add(warehouse, account, bitpanda):
    def add(key: str | None = None, name: str = "Bitpanda") -> str:
        with connect(warehouse) as con:
            return add_integration(con, account, name, "exchange", "bitpanda",
                                   settings={"api_origin": bitpanda.url, **FAST},
                                   credentials={"apiKey": key or bitpanda.api_key})
    return add


def test_full_sync_reconciles_exactly_with_the_truth(warehouse, bitpanda, add):
    integration = add()
    sync(warehouse, integration, full=True)
    truth = bitpanda.true_balances()
    assert set(truth) == {"EUR", "BTC", "ETH", "DOT", "BEST"}
    exact(warehouse, bitpanda, integration)
    with connect(warehouse) as con:
        labels = dict(con.execute("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1",
                                  [integration]).fetchall())
        savings, best_fees = con.execute(
            "SELECT count(*) FILTER (comment LIKE '%savings plan%'), sum(fee_amount) FILTER (fee_asset = 'BEST') "
            "FROM core.transactions WHERE integration_id = ?", [integration]).fetchone()
    h = bitpanda.history
    # Each trade once, though Bitpanda also lists it in both wallets' transactions.
    assert labels == {"Trade": len(h.trades), "Staking": REWARD_DAYS, "Deposit": 3, "Withdrawal": 2}
    assert savings == 12
    assert best_fees == Decimal("1.25") + 4 * Decimal("0.31") + Decimal("0.50")


def test_staking_hidden_by_the_classic_api_is_named_by_the_tip(warehouse, bitpanda, add):
    integration = add()
    bitpanda.stake("DOT", Decimal("10.5"))
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        rows = con.execute("SELECT asset_id, difference, tip_code, tip FROM marts.balance_reconciliation "
                           "WHERE integration_id = ? AND status <> 'match'", [integration]).fetchall()
    assert [r[:3] for r in rows] == [("DOT", Decimal("10.5"), "hidden_by_api")]
    assert "classic API shows no staking or Earn balance" in rows[0][3]


def test_incremental_sync_reads_only_what_is_new(warehouse, bitpanda, add):
    integration = add()
    sync(warehouse, integration, full=True)
    full_requests = {route: bitpanda.count(route) for route in LISTS}
    assert full_requests["/v1/wallets/transactions"] >= 2, "the history spans several pages"
    bitpanda.add_now()
    bitpanda.reset_counts()
    result = sync(warehouse, integration)
    assert {route: bitpanda.count(route) for route in LISTS} == dict.fromkeys(LISTS, 1)
    stats = result.snapshot.stats
    assert (stats["fetched_trades"], stats["fetched_wallet_transactions"], stats["fetched_fiat_transactions"]) == (1, 2, 1)
    exact(warehouse, bitpanda, integration)


def test_a_pending_withdrawal_is_booked_once_it_has_finished(warehouse, bitpanda, add):
    integration = add()
    row = bitpanda.withdraw_pending("BTC", Decimal("0.001"), Decimal("0.00001"))
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        stored = {r[0] for r in con.execute("SELECT source_id FROM raw.records WHERE integration_id = ?",
                                            [integration]).fetchall()}
    assert row["id"] not in stored
    exact(warehouse, bitpanda, integration)
    bitpanda.finish(row)
    sync(warehouse, integration)
    with connect(warehouse) as con:
        booked = con.execute("SELECT outgoing_asset, outgoing_amount, fee_amount FROM core.transactions "
                             "WHERE integration_id = ? AND external_id = ?", [integration, row["id"]]).fetchall()
    assert booked == [("BTC", Decimal("0.001"), Decimal("0.00001"))]
    exact(warehouse, bitpanda, integration)


def test_a_sync_with_nothing_new_costs_one_request_per_stream_and_changes_no_row(warehouse, bitpanda, add):
    integration = add()
    sync(warehouse, integration, full=True)
    before = snapshot(warehouse, LAYERS)
    bitpanda.reset_counts()
    sync(warehouse, integration)
    assert all(bitpanda.count(route) <= 1 for route in LISTS)
    assert bitpanda.count() == len(LISTS) + 2  # and the two balance lists
    assert snapshot(warehouse, LAYERS) == before


def test_a_rejected_key_fails_as_for_every_exchange_and_changes_nothing(warehouse, bitpanda, add):
    sync(warehouse, add(), full=True)
    wrong = "wrong-" + bitpanda.api_key
    bad = add(wrong, name="Wrong key")
    before = snapshot(warehouse, WAREHOUSE)
    log = Log()
    with pytest.raises(UserError) as error:
        sync(warehouse, bad, full=True, log=log)
    message = str(error.value)
    assert f"bitpanda rejected the API key of integration {bad} (HTTP 401)" in message
    assert wrong not in message and wrong not in "\n".join(log.lines)
    assert snapshot(warehouse, WAREHOUSE) == before


@pytest.mark.parametrize("seed", range(1, 7))
def test_a_fifth_of_requests_failing_ends_exact_or_cleanly_failed(warehouse, bitpanda, add, seed):
    faulty_sync_ends_exact_or_cleanly_failed(warehouse, bitpanda, add(), seed)


def test_a_server_that_keeps_failing_writes_nothing(warehouse, bitpanda, add):
    integration = add()
    bitpanda.fail(503, times=6)
    before = snapshot(warehouse, WAREHOUSE)
    with pytest.raises(ExchangeUnavailable, match="after 6 attempts"):
        sync(warehouse, integration, full=True)
    assert snapshot(warehouse, WAREHOUSE) == before


def test_cli_adds_a_key_only_integration_and_the_key_never_shows(cli, warehouse, tmp_path, monkeypatch, bitpanda):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("BP_KEY", bitpanda.api_key)
    monkeypatch.setenv("BP_WRONG", "wrong-" + bitpanda.api_key)
    outputs = []

    def run(*args):
        result = cli(*args)
        outputs.append(result.out + result.err)
        return result

    origin = ("--option", f"api_origin={bitpanda.url}", "--option", "retry_backoff_s=0.02")
    run("accounts", "add", "eva", "--timezone", "Europe/Vienna")
    no_key = run("integrations", "add", "eva", "Keyless", "--kind", "exchange", "--provider", "bitpanda", *origin)
    assert no_key.code == 2 and no_key.err.startswith("error: bitpanda needs the credentials apiKey")
    assert run("integrations", "add", "eva", "Bitpanda", "--kind", "exchange", "--provider", "bitpanda",
               "--api-key-env", "BP_KEY", *origin).code == 0
    assert run("integrations", "add", "eva", "Rejected", "--kind", "exchange", "--provider", "bitpanda",
               "--api-key-env", "BP_WRONG", *origin).code == 0
    assert run("sync", "eva-bitpanda").code == 0
    rejected = run("sync", "eva-rejected")
    assert rejected.code == 1 and "bitpanda rejected the API key of integration eva-rejected" in rejected.err
    assert run("integrations", "show", "eva-bitpanda").code == 0
    assert bitpanda.keys_seen == {bitpanda.api_key, "wrong-" + bitpanda.api_key}
    secrets = [bitpanda.api_key, "wrong-" + bitpanda.api_key]
    for path in [p for root in (warehouse.parent, home) for p in root.rglob("*") if p.is_file()]:
        assert not any(s.encode() in path.read_bytes() for s in secrets), f"API key in clear text in {path}"
    assert not any(s in "\n".join(outputs) for s in secrets)
