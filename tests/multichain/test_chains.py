"""`pipelines chains` lists every chain of the registry with its kind, native asset, decimals and
API variable, and says whether the variable is set without ever showing its value (a hosted
endpoint's URL often holds an API key)."""

from __future__ import annotations

from pipelines.chains import networks

SECRET_URL = "https://api.trongrid.example/8f14e45f-secret-key"


def test_every_kind_is_in_the_registry():
    listed = {n.key: (n.kind, n.native_symbol, n.native_decimals, n.api_envs) for n in networks().values()}
    assert listed["ethereum"] == ("evm", "ETH", 18, ("PIPELINES_RPC_ETHEREUM",))
    assert listed["bitcoin"] == ("utxo", "BTC", 8, ("PIPELINES_ESPLORA_URL", "PIPELINES_BLOCKBOOK_URL_BITCOIN"))
    assert listed["litecoin"] == ("utxo", "LTC", 8, ("PIPELINES_BLOCKBOOK_URL_LITECOIN",))
    assert listed["dogecoin"] == ("utxo", "DOGE", 8, ("PIPELINES_BLOCKBOOK_URL_DOGECOIN",))
    assert listed["bitcoin-cash"] == ("utxo", "BCH", 8, ("PIPELINES_BLOCKBOOK_URL_BITCOIN_CASH",))
    assert listed["tron"] == ("tron", "TRX", 6, ("PIPELINES_TRONGRID_URL",))
    assert listed["solana"] == ("solana", "SOL", 9, ("PIPELINES_SOLANA_RPC_URL",))
    assert {n.kind for n in networks().values()} == {"evm", "utxo", "tron", "solana"}


def test_cli_lists_every_chain_and_never_an_api_url(cli, monkeypatch):
    monkeypatch.setenv("PIPELINES_TRONGRID_URL", SECRET_URL)
    monkeypatch.delenv("PIPELINES_SOLANA_RPC_URL", raising=False)
    for command in (("chains",), ("wallets", "chains")):
        result = cli(*command)
        assert result.code == 0
        rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[1:-1]]
                for line in result.out.splitlines() if line.startswith("│")}
        assert set(rows) == set(networks())
        assert rows["tron"] == ["tron", "Tron", "tron", "TRX", "6", "", "", "PIPELINES_TRONGRID_URL", "yes"]
        assert rows["solana"][2:5] == ["solana", "SOL", "9"] and rows["solana"][-1] == "no"
        assert rows["dogecoin"][-2:] == ["PIPELINES_BLOCKBOOK_URL_DOGECOIN", "no"]
        assert SECRET_URL not in result.out and "secret-key" not in result.out
