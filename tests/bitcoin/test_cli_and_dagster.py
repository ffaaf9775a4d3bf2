"""A Bitcoin wallet added through the CLI and synced by the Dagster `sync_all` job."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg

from pipelines.imitations.esplora.scenario import BEYOND_GAP_INDEX, account_key, change, receive, wallet_zpub
from pipelines.runner import sync
from pipelines.warehouse import connect


def test_cli_wallet_synced_by_the_dagster_job(cli, warehouse, esplora):
    assert cli("accounts", "add", "satoshi", "--timezone", "UTC").code == 0
    added = cli("bitcoin", "add", "satoshi", "Trezor", "--xpub", wallet_zpub(), "--gap-limit", "30",
                "--confirmations", "1", "--esplora-url", esplora.url, "--group", "Hardware")
    assert added.code == 0, added
    shown = cli("integrations", "show", "satoshi-trezor").out
    assert "gap_limit" in shown and "30" in shown and "Hardware" in shown
    [outcome] = sync(["satoshi-trezor"], dagster_instance=dg.DagsterInstance.ephemeral())
    assert outcome.success, outcome.error
    with connect(warehouse) as con:
        rows = con.execute(
            """SELECT asset_id, synced, calculated, status FROM marts.balance_reconciliation
               WHERE integration_id = 'satoshi-trezor'""").fetchall()
    own = {receive(i) for i in range(60)} | {change(i) for i in range(30)}
    expected = esplora.chain.balance(own) * Decimal("0.00000001")
    assert rows == [("bitcoin:native", expected, expected, "match")]


def test_cli_names_what_is_wrong(cli, esplora):
    cli("accounts", "add", "satoshi", "--timezone", "UTC")
    bad = cli("bitcoin", "add", "satoshi", "Trezor", "--xpub", wallet_zpub()[:-2] + "zz")
    assert bad.code == 2 and "not a valid extended public key" in bad.err
    bad = cli("bitcoin", "add", "satoshi", "Trezor", "--address", "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyv")
    assert bad.code == 2 and "invalid Bitcoin address" in bad.err and "checksum" in bad.err
    assert cli("bitcoin", "add", "satoshi", "Trezor").code == 2
    shown = cli("bitcoin", "addresses", f"tr({account_key('bip86', 0)})", "--count", "1")
    assert shown.out.split() == ["0/0", "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"]


def test_raising_the_gap_limit_finds_the_far_address_on_the_next_sync(cli, warehouse, esplora, sync, query):
    cli("accounts", "add", "satoshi", "--timezone", "UTC")
    cli("bitcoin", "add", "satoshi", "Trezor", "--xpub", wallet_zpub(), "--esplora-url", esplora.url)
    sync("satoshi-trezor")
    far = receive(BEYOND_GAP_INDEX)
    assert query("SELECT count(*) FROM raw.records WHERE source_id = ?", far) == [(0,)]
    assert cli("bitcoin", "gap-limit", "satoshi-trezor", "0").code == 2
    assert cli("bitcoin", "gap-limit", "satoshi-trezor", "26").code == 0
    esplora.reset_counts()
    sync("satoshi-trezor")
    assert query("SELECT count(*) FROM raw.records WHERE source_id = ?", far) == [(1,)]
    assert esplora.count("address_txs") == 1  # only the newly reachable address's history is read
    [(synced, calculated)] = query("SELECT synced, calculated FROM marts.balance_reconciliation")
    own = {receive(i) for i in range(60)} | {change(i) for i in range(30)}
    assert synced == calculated == esplora.chain.balance(own) * Decimal("0.00000001")
    assert cli("bitcoin", "gap-limit", "satoshi-nope", "30").code == 2
