"""The generated history: a BIP84 wallet of the well-known BIP39 test mnemonic and its counterparties.

Every address is real, derived with bip-utils from "abandon abandon ... about" (the wallet is
account 0 of BIP84; the counterparties are account 1 and 2 of BIP44/49/84/86, so legacy, nested
segwit and taproot outputs appear too). The history covers what a wallet reader must get right:

- receipts to several receive addresses (one transaction paying two of them at once);
- a spend with change, a consolidation of four own inputs, a payment to self (only fees);
- a payjoin-like transaction whose inputs the wallet funded only in part;
- 30 mining-pool payouts to one address (two pages of Esplora's 25) and a coinbase output;
- receive index 25 used after 19 unused addresses (inside a gap limit of 20: found) and index 51
  after 25 unused ones (outside it: found only with `gap_limit` of 26 or more);
- one receipt left unconfirmed in the mempool.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pipelines.connectors.bitcoin.keys import CHANGE, RECEIVE, parse_key
from pipelines.imitations.esplora.chain import Chain

MNEMONIC = " ".join(["abandon"] * 11 + ["about"])
BTC = 100_000_000

#: Receive indexes with activity; 6..24 and 26..50 stay unused.
PAYOUT_INDEX, NEAR_GAP_INDEX, BEYOND_GAP_INDEX = 5, 25, 51
PAYOUTS = 30


@cache
def account_key(bip: str, account: int) -> str:
    """The account-level extended public key (xpub/ypub/zpub) of the test mnemonic."""
    from bip_utils import (Bip39SeedGenerator, Bip44, Bip44Coins, Bip49, Bip49Coins, Bip84, Bip84Coins, Bip86,
                           Bip86Coins)

    cls, coin = {"bip44": (Bip44, Bip44Coins), "bip49": (Bip49, Bip49Coins), "bip84": (Bip84, Bip84Coins),
                 "bip86": (Bip86, Bip86Coins)}[bip]
    seed = Bip39SeedGenerator(MNEMONIC).Generate()
    return cls.FromSeed(seed, coin.BITCOIN).Purpose().Coin().Account(account).PublicKey().ToExtended()


def wallet_zpub() -> str:
    return account_key("bip84", 0)


@cache
def _address(descriptor: str, branch: int, index: int) -> str:
    return parse_key(descriptor).address(branch, index).address


def receive(index: int) -> str:
    return _address(wallet_zpub(), RECEIVE, index)


def change(index: int) -> str:
    return _address(wallet_zpub(), CHANGE, index)


@dataclass(frozen=True)
class Parties:
    """Counterparties of the wallet, one per script type."""

    exchange: str  # BIP84 account 1
    payer: str  # BIP44 account 1 (legacy P2PKH)
    merchant: str  # BIP49 account 1 (P2SH-P2WPKH)
    friend: str  # BIP86 account 1 (taproot)
    pool: str  # BIP84 account 2


def parties() -> Parties:
    return Parties(
        exchange=_address(account_key("bip84", 1), RECEIVE, 0),
        payer=_address(account_key("bip44", 1), RECEIVE, 0),
        merchant=_address(account_key("bip49", 1), RECEIVE, 0),
        friend=_address(f"tr({account_key('bip86', 1)})", RECEIVE, 0),
        pool=_address(account_key("bip84", 2), RECEIVE, 0),
    )


@dataclass(frozen=True)
class History:
    """Notable transactions of the generated history (tests look them up by name)."""

    spend_with_change: str
    consolidation: str
    payment_to_self: str
    payjoin: str
    near_gap: str
    beyond_gap: str
    unconfirmed: str


def generate(chain: Chain) -> History:
    p = parties()
    for party in (p.exchange, p.payer, p.friend, p.pool):
        chain.coinbase(party, 50 * BTC)
    chain.coinbase(change(5), 3 * BTC + 125_000)  # the wallet solo-mined a block once
    chain.mine()
    chain.pay([p.exchange], [(receive(0), 50_000_000), (receive(1), 20_000_000)], fee=1_400)
    chain.pay([p.payer], [(receive(2), 5_000_000)], fee=2_250)
    chain.pay([p.friend], [(receive(3), 1_000_000)], fee=800)
    chain.mine()
    spend = chain.pay([receive(0)], [(p.merchant, 30_000_000)], fee=2_000, change=change(0))
    chain.mine()
    swept = [op for a in (receive(1), receive(2), receive(3), change(0)) for op, _ in chain.utxos(a)]
    consolidation = chain.pay([], [], fee=5_000, inputs=swept, change=change(1))
    chain.mine()
    to_self = chain.pay([change(1)], [(receive(4), 10_000_000)], fee=1_500, change=change(2))
    chain.mine()
    for n in range(PAYOUTS):
        chain.pay([p.pool], [(receive(PAYOUT_INDEX), 100_000 + n)], fee=300)
        chain.mine()
    wallet_part = chain.utxos(receive(PAYOUT_INDEX))[0][0]
    payjoin = chain.pay([p.exchange], [(p.merchant, 4_000_000), (receive(PAYOUT_INDEX), 150_000)], fee=1_100,
                        inputs=[wallet_part], change=p.exchange)
    chain.pay([receive(4)], [(p.friend, 2_500_000)], fee=900, change=change(3))
    chain.mine()
    near = chain.pay([p.exchange], [(receive(NEAR_GAP_INDEX), 2_000_000)], fee=700)
    beyond = chain.pay([p.payer], [(receive(BEYOND_GAP_INDEX), 3_000_000)], fee=700)
    chain.mine(3)
    unconfirmed = chain.pay([p.exchange], [(receive(4), 7_000_000)], fee=600)
    return History(spend, consolidation, to_self, payjoin, near, beyond, unconfirmed)
