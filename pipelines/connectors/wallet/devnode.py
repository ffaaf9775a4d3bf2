"""A local anvil node (a real Ethereum node from the npm package `@foundry-rs/anvil`) and a few
helpers to make history on it: the wallet tests and the demo use the same code.

Dev accounts are unlocked and `--auto-impersonate` lets any address send, so scenarios can use
fresh addresses; ether still reaches them only through real transactions, so their history is
complete from their first block.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipelines.errors import UserError
from pipelines.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "contracts" / "artifacts"
START_TIMEOUT = 30.0


def anvil_binary() -> Path:
    """The native anvil binary the npm package installed for this platform."""
    found = sorted((PROJECT_ROOT / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil"))
    if not found:
        raise UserError("anvil is not installed: run `make setup` (npm install of @foundry-rs/anvil)")
    return found[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def anvil(chain_id: int = 1) -> Iterator[str]:
    """Run anvil on a free local port for the block's duration; yields its RPC URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(chain_id),
         "--auto-impersonate", "--silent"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, port)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"anvil exited: {process.stderr.read().decode(errors='replace')[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"anvil did not listen on port {port} within {START_TIMEOUT:.0f} s")


class DevChain:
    """Transactions on a dev node, each mined at once (anvil's automine)."""

    def __init__(self, url: str) -> None:
        from web3 import Web3

        self.w3 = Web3(Web3.HTTPProvider(url))
        self.faucet = self.w3.eth.accounts[0]

    def new_address(self) -> str:
        """A fresh address no one has used (anvil lets it send thanks to auto-impersonation)."""
        from eth_account import Account

        return Account.create().address

    def send(self, sender: str, to: str, value: int, **tx: Any):
        return self._wait(self.w3.eth.send_transaction({"from": sender, "to": to, "value": value, **tx}))

    def deploy(self, name: str, *args: Any, sender: str | None = None):
        artifact = json.loads((ARTIFACTS / f"{name}.json").read_text())
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        receipt = self._wait(factory.constructor(*args).transact({"from": sender or self.faucet}))
        return self.w3.eth.contract(address=receipt.contractAddress, abi=artifact["abi"])

    def deploy_at(self, address: str, name: str, *args: Any, slots: int = 8):
        """Deploy `name` and move it to `address` (code and its first `slots` storage slots), so a
        test can hold a token at the contract address a token list names (USDT's on Ethereum)."""
        deployed = self.deploy(name, *args)
        self.w3.provider.make_request("anvil_setCode", [address, self.w3.eth.get_code(deployed.address).to_0x_hex()])
        for slot in range(slots):
            value = self.w3.eth.get_storage_at(deployed.address, slot).to_0x_hex()
            self.w3.provider.make_request("anvil_setStorageAt", [address, hex(slot), value])
        return self.w3.eth.contract(address=self.w3.to_checksum_address(address), abi=deployed.abi)

    def transact(self, function, sender: str, value: int = 0, **tx: Any):
        """Send a contract call; a reverting call is still mined (fixed gas) and pays its fee."""
        return self._wait(function.transact({"from": sender, "value": value, **tx}))

    def mine(self, blocks: int = 1) -> None:
        self.w3.provider.make_request("anvil_mine", [hex(blocks)])

    @property
    def block(self) -> int:
        return self.w3.eth.block_number

    def _wait(self, tx_hash):
        return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
