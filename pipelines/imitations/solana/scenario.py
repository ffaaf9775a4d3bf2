"""The generated history of one Solana wallet and what a reader must get right about it:

- SOL received from an exchange (the exchange pays the fee, not the wallet);
- the wallet opens its USDC account (2,039,280 lamports of rent move into an account it controls:
  its own SOL still), and USDC arrives there: that transfer names the token account, never the
  wallet, so only the token account's signatures find it;
- SOL sent with the wallet paying the fee, and SOL sent with a relayer paying it;
- a USDC transfer that failed: the fee is paid, nothing else moves;
- a v0 transaction whose recipient comes from an address lookup table (and a priority fee);
- a swap: SOL out and USDC in within one transaction;
- a Token-2022 mint with a 1 % transfer fee: received (amount minus the fee) and sent;
- USDT received on an account the wallet then empties and closes (rent back; the closed account is
  gone from getTokenAccountsByOwner, its history is not);
- a spam mint (Token-2022, its metadata extension names a URL) airdropped into an account the
  spammer opened for the wallet (and paid the rent of);
- 5 SOL delegated from a stake account the wallet withdraws from, and one epoch's reward;
- 1,005 tiny payouts from a pool (two pages of getSignaturesForAddress's 1,000);
- one deposit not finalized yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.connectors.solana.config import TOKEN_2022_PROGRAM
from pipelines.imitations.solana.ledger import Ledger, Mint, key_of

SOL = 1_000_000_000
USDC = Mint("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", 6)
USDT = Mint("Es9vMFrzaCERmJfrF4H2FdWY2aCDg7dbVAd6bYUhA3c2", 6)
FEE_TOKEN = Mint(key_of("mint:fee-2022"), 6, TOKEN_2022_PROGRAM, fee_bps=100, symbol="FEED", name="Fee Dollar")
SPAM = Mint(key_of("mint:airdrop"), 9, TOKEN_2022_PROGRAM, symbol="GIFT", name="Claim your reward at solgift.example")
PAYOUTS = 1_005
REWARD = 1_234_567

WALLET = key_of("wallet")
EXCHANGE, FRIEND, FAR_FRIEND, MERCHANT, POOL, RELAYER, SPAMMER, DEX, VOTER = (key_of(n) for n in (
    "exchange", "friend", "far friend", "merchant", "pool", "relayer", "spammer", "dex", "voter"))


def token_account(owner: str, mint: Mint) -> str:
    """The owner's (associated) token account of a mint."""
    return key_of(f"ata:{owner}:{mint.address}")


STAKE_ACCOUNT = key_of("stake:wallet")


@dataclass(frozen=True)
class History:
    """Notable transactions of the generated history (tests look them up by name)."""

    sol_in: str
    open_usdc: str
    usdc_in: str
    sol_out: str
    relayed: str
    failed: str
    v0_lookup: str
    swap: str
    fee_token_in: str
    fee_token_out: str
    usdt_in: str
    usdt_out: str
    close_usdt: str
    airdrop: str
    stake: str
    pending: str


def generate(ledger: Ledger) -> History:
    for party in (EXCHANGE, POOL, RELAYER, SPAMMER, MERCHANT, DEX):
        ledger.fund(party, 100_000 * SOL)
    for owner, mint, units in ((EXCHANGE, USDC, 10**12), (EXCHANGE, USDT, 10**12), (EXCHANGE, FEE_TOKEN, 10**12),
                               (DEX, USDC, 10**12)):
        ledger.transact(owner, [("open", owner, token_account(owner, mint), owner, mint),
                                ("mint", mint, token_account(owner, mint), units)])
    for mint in (USDC, FEE_TOKEN):
        ledger.transact(MERCHANT, [("open", MERCHANT, token_account(MERCHANT, mint), MERCHANT, mint)])
    ledger.finalize()
    usdc, usdt, fee_token = (token_account(WALLET, m) for m in (USDC, USDT, FEE_TOKEN))
    sol_in = ledger.transact(EXCHANGE, [("sol", EXCHANGE, WALLET, 10 * SOL + 123_456_789)])
    open_usdc = ledger.transact(WALLET, [("open", WALLET, usdc, WALLET, USDC)])
    usdc_in = ledger.transact(EXCHANGE, [("token", token_account(EXCHANGE, USDC), usdc, 250_000_001)])
    ledger.finalize()
    sol_out = ledger.transact(WALLET, [("sol", WALLET, FRIEND, 1_500_000_000)])
    relayed = ledger.transact(RELAYER, [("sol", WALLET, MERCHANT, 250_000_000)], signers=(WALLET,))
    failed = ledger.transact(WALLET, [("token", usdc, token_account(MERCHANT, USDC), 900_000_000)], failed=True)
    v0_lookup = ledger.transact(WALLET, [("sol", WALLET, FAR_FRIEND, 2 * SOL)], fee=15_000, lookup=(FAR_FRIEND,))
    swap = ledger.transact(WALLET, [("sol", WALLET, DEX, SOL), ("token", token_account(DEX, USDC), usdc, 151_234_567)])
    ledger.finalize()
    fee_token_in = ledger.transact(EXCHANGE, [("open", EXCHANGE, fee_token, WALLET, FEE_TOKEN),
                                              ("token", token_account(EXCHANGE, FEE_TOKEN), fee_token, 100_000_000)])
    fee_token_out = ledger.transact(WALLET, [("token", fee_token, token_account(MERCHANT, FEE_TOKEN), 10_000_000)])
    ledger.transact(WALLET, [("open", WALLET, usdt, WALLET, USDT)])
    usdt_in = ledger.transact(EXCHANGE, [("token", token_account(EXCHANGE, USDT), usdt, 42_000_000)])
    ledger.finalize()
    usdt_out = ledger.transact(WALLET, [("token", usdt, token_account(EXCHANGE, USDT), 42_000_000)])
    close_usdt = ledger.transact(WALLET, [("close", usdt, WALLET)])
    spam = token_account(WALLET, SPAM)
    airdrop = ledger.transact(SPAMMER, [("open", SPAMMER, spam, WALLET, SPAM), ("mint", SPAM, spam, 5_000 * 10**9)])
    stake = ledger.transact(WALLET, [("stake", WALLET, STAKE_ACCOUNT, 5 * SOL, VOTER)], signers=(STAKE_ACCOUNT,))
    ledger.finalize()
    ledger.new_epoch({STAKE_ACCOUNT: REWARD})
    for n in range(PAYOUTS):
        ledger.transact(POOL, [("sol", POOL, WALLET, 1_000 + n)])
    ledger.finalize()
    pending = ledger.transact(EXCHANGE, [("sol", EXCHANGE, WALLET, 77 * SOL)])
    return History(sol_in, open_usdc, usdc_in, sol_out, relayed, failed, v0_lookup, swap, fee_token_in, fee_token_out,
                   usdt_in, usdt_out, close_usdt, airdrop, stake, pending)
