"""Demo: a Bitcoin hardware wallet given by its zpub (BIP84 account 0 of the test mnemonic
"abandon ... about"), read from the Esplora imitation: receipts, a spend with change, a
consolidation, a payment to self, a payjoin, 30 pool payouts over two pages, a mined block, and one
receipt still in the mempool (not history yet). Its calculated balance matches the explorer's to
the satoshi; one receipt lies beyond the default gap limit of 20 (see the README to raise it)."""

from __future__ import annotations

import contextlib


def setup(con, account_id: str, stack: contextlib.ExitStack) -> None:
    from pipelines.imitations.esplora import EsploraImitation
    from pipelines.imitations.esplora.scenario import wallet_zpub
    from pipelines.registry.integrations import add_integration

    explorer = stack.enter_context(EsploraImitation())
    add_integration(
        con, account_id, "Trezor (Bitcoin)", "wallet", "bitcoin", group_name="Wallets",
        settings={"xpubs": [wallet_zpub()], "esplora_url": explorer.url},
    )
