"""Worlds for the reliability tests: exchanges on the imitation, an EVM wallet on anvil (`node_url` and
`chain` from tests/conftest.py), a Bitcoin wallet on the Esplora imitation, a Tron wallet on the
TronGrid imitation."""

from __future__ import annotations

import subprocess

import pytest

from tests.reliability.worlds import BitcoinWorld, ExchangeWorld, TronWorld, WalletWorld


@pytest.fixture(params=["binance", "kraken", "wallet", "bitcoin", "tron"])
def world(request, warehouse):
    if request.param == "bitcoin":
        made = BitcoinWorld(warehouse)
    elif request.param == "tron":
        made = TronWorld(warehouse)
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
