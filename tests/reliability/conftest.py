"""Worlds for the reliability tests: exchanges on the imitation, an EVM wallet on anvil (`node_url` and
`chain` from tests/conftest.py), a Bitcoin wallet on the Esplora imitation, Litecoin, Dogecoin and
Bitcoin Cash wallets on the Blockbook imitation, a Tron wallet on the TronGrid imitation, a Solana
wallet on the Solana RPC imitation, each other first-class exchange (Bitpanda, Coinbase, Bybit, OKX,
KuCoin, Bitstamp, Bitvavo) on its own imitation; the project's Dagster instance configuration and a
sync stopped while it holds the warehouse pool."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from pipelines.settings import PROJECT_ROOT
from tests.reliability.worlds import OWN_IMITATION_WORLDS, BitcoinWorld, ExchangeWorld, WalletWorld


@pytest.fixture(params=["binance", "kraken", "wallet", "bitcoin", "litecoin", "dogecoin", "bitcoin-cash",
                        *OWN_IMITATION_WORLDS])
def world(request, warehouse):
    if request.param in ("bitcoin", "litecoin", "dogecoin", "bitcoin-cash"):
        made = BitcoinWorld(warehouse, request.param)
    elif request.param in OWN_IMITATION_WORLDS:
        made = OWN_IMITATION_WORLDS[request.param](warehouse)
    elif request.param == "wallet":
        made = WalletWorld(warehouse, request.getfixturevalue("node_url"), request.getfixturevalue("chain"))
    else:
        made = ExchangeWorld(warehouse, request.param)
    yield made
    made.close()


@pytest.fixture
def mount(tmp_path):
    """mount(size): a fresh tmpfs under tmp_path (a small disk to fill), unmounted after the test; skips
    where mounting is not allowed (it needs root)."""
    mounted = []

    def make(size: str = "16m"):
        folder = tmp_path / f"mnt{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(folder)
        return folder

    yield make
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture
def dev_dagster_home(tmp_path, monkeypatch, warehouse):
    """The real instance configuration: deploy/dagster.dev.yaml in a temporary DAGSTER_HOME, as
    `make setup` copies it, so the `duckdb_warehouse` pool (limit 1, op granularity) is in force."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.dev.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "1000")  # as the Makefile sets it
    return home


@pytest.fixture
def holding_sync(dev_dagster_home, tmp_path):
    """`start(integration_id)`: a sync in a subprocess stopped in `warehouse_layers` after its write,
    its run STARTED and holding the pool slot; returns the process (killed after the test)."""
    started: list[subprocess.Popen] = []

    def start(integration_id: str) -> subprocess.Popen:
        ready = tmp_path / f"holding-{integration_id}"
        holder = subprocess.Popen([sys.executable, "-m", "tests.reliability.crash_child", integration_id, "hold", str(ready)],
                                  cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        started.append(holder)
        deadline = time.monotonic() + 240
        while not ready.exists():
            assert holder.poll() is None, "the holding sync ended before holding the pool"
            assert time.monotonic() < deadline, "timed out waiting for the holding sync to reach warehouse_layers"
            time.sleep(0.2)
        return holder

    yield start
    for holder in started:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=30)
