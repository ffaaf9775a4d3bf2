"""Demo: a Solana wallet (Phantom) read from the Solana RPC imitation: SOL in and out, fees the
wallet paid and one a relayer paid, a failed transaction, USDC on a token account it opened (rent
stays its SOL), a v0 transaction with a lookup table, a swap, a Token-2022 mint with a transfer
fee, USDT on an account it emptied and closed, a spam airdrop, a stake account with a reward, and
1,005 pool payouts over two pages of signatures. Its calculated balances match the node's at one
finalized slot, to the lamport and token unit."""

from __future__ import annotations

import contextlib


def setup(con, account_id: str, stack: contextlib.ExitStack) -> None:
    from pipelines.connectors.solana.registration import register_solana_wallet
    from pipelines.imitations.solana import SolanaImitation
    from pipelines.imitations.solana.scenario import WALLET

    node = stack.enter_context(SolanaImitation())
    register_solana_wallet(con, account_id, WALLET, name="Phantom (Solana)", rpc_url=node.url, group="Wallets")
