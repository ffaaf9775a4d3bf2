"""Solana mints are judged by the transfer evidence rules EVM and Tron tokens are judged by
(migration 092): a mint pushed to many owners in one transaction is spam, and a mint the wallet
itself moved in a transaction it signed is known; both read from the transactions' own token
balances, without another request."""

from __future__ import annotations

from pipelines.imitations.solana.ledger import Mint, key_of
from pipelines.imitations.solana.scenario import FEE_TOKEN, SPAMMER, USDC, WALLET, token_account

PUSHED = Mint(key_of("mint:pushed"), 6)  # a classic SPL mint: no metadata, a plain name would not tell


def test_a_mint_pushed_to_many_owners_is_spam_and_one_the_wallet_sent_is_known(rpc, add_wallet, sync, query):
    owners = [WALLET, *(key_of(f"stranger {n}") for n in range(11))]
    rpc.ledger.transact(SPAMMER, [op for owner in owners for op in (
        ("open", SPAMMER, token_account(owner, PUSHED), owner, PUSHED),
        ("mint", PUSHED, token_account(owner, PUSHED), 1_000_000))])
    rpc.ledger.finalize()
    wallet = add_wallet()
    sync(wallet)
    verdicts = {r[0]: r[1:] for r in query(
        "SELECT contract, status, reason FROM raw.token_metadata WHERE integration_id = ?", wallet)}
    assert verdicts[PUSHED.address] == ("spam", "airdropped to 12 addresses in one transaction")
    assert verdicts[FEE_TOKEN.address] == ("known", "the wallet sent a transaction that moved it")
    assert verdicts[USDC.address][0] == "known"
    facts = query("SELECT asset_id, units, wallet_sent, recipients FROM raw.token_transfer_facts "
                  "WHERE integration_id = ? AND asset_id = ?", wallet, f"solana:{PUSHED.address}")
    assert facts == [(f"solana:{PUSHED.address}", 1_000_000, False, 12)]
    ignored = query("SELECT ignored FROM marts.balance_reconciliation WHERE integration_id = ? AND asset_id = ?",
                    wallet, f"solana:{PUSHED.address}")
    assert ignored == [(True,)]
