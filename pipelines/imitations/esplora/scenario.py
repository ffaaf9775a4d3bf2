"""The generated history: a BIP84 wallet of the well-known BIP39 test mnemonic and its counterparties,
on Bitcoin (the Esplora imitation) or another UTXO coin (the Blockbook imitation: same history).

Every address is real, derived with bip-utils from "abandon abandon ... about" (the wallet is
account 0 of BIP84; the counterparties are account 1 and 2 of BIP44/49/84/86, so legacy, nested
segwit and taproot outputs appear too where the coin has them; else BIP44 accounts stand in). The history covers what a wallet reader must get right:

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

from pipelines.connectors.bitcoin.coins import COINS, Coin
from pipelines.connectors.bitcoin.keys import CHANGE, RECEIVE, parse_key
from pipelines.imitations.esplora.chain import Chain

MNEMONIC = " ".join(["abandon"] * 11 + ["about"])
BTC = 100_000_000

#: Receive indexes with activity; 6..24 and 26..50 stay unused.
PAYOUT_INDEX, NEAR_GAP_INDEX, BEYOND_GAP_INDEX = 5, 25, 51
PAYOUTS = 30


@cache
def account_key(bip: str, account: int, coin: str = "bitcoin") -> str:
    """The account-level extended public key of the test mnemonic, in the coin's own version bytes
    for that BIP (Litecoin BIP44: Ltub; bip-utils would write xpub)."""
    from bip_utils import (Base58Decoder, Base58Encoder, Bip39SeedGenerator, Bip44, Bip44Coins, Bip49, Bip49Coins,
                           Bip84, Bip84Coins, Bip86, Bip86Coins)

    cls, coins = {"bip44": (Bip44, Bip44Coins), "bip49": (Bip49, Bip49Coins), "bip84": (Bip84, Bip84Coins),
                  "bip86": (Bip86, Bip86Coins)}[bip]
    seed = Bip39SeedGenerator(MNEMONIC).Generate()
    key = cls.FromSeed(seed, getattr(coins, coin.upper().replace("-", "_"))).Purpose().Coin().Account(account).PublicKey().ToExtended()
    version = next((k.version for k in COINS[coin].keys.values() if k.bip == bip), None)
    return Base58Encoder.CheckEncode(bytes.fromhex(version) + Base58Decoder.CheckDecode(key)[4:]) if version else key


@cache
def _address(descriptor: str, branch: int, index: int, coin: str = "bitcoin") -> str:
    return parse_key(descriptor, coin=COINS[coin]).address(branch, index).address


@dataclass(frozen=True)
class Parties:
    """Counterparties of the wallet, one per script type; a coin without one has BIP44 accounts 3 to 6
    in their place (`Wallet._party`)."""

    exchange: str  # BIP84 account 1
    payer: str  # BIP44 account 1 (legacy P2PKH)
    merchant: str  # BIP49 account 1 (P2SH-P2WPKH)
    friend: str  # BIP86 account 1 (taproot)
    pool: str  # BIP84 account 2


@dataclass(frozen=True)
class Wallet:
    """The test mnemonic's account 0 on one coin (BIP84, or BIP44 where the coin has no segwit), and
    its counterparties on the same coin."""

    coin: Coin

    @property
    def bips(self) -> set[str]:
        return {kind.bip for kind in self.coin.keys.values()} | ({"bip86"} if self.coin.name == "bitcoin" else set())

    @property
    def key(self) -> str:
        return account_key("bip84" if "bip84" in self.bips else "bip44", 0, self.coin.name)

    def receive(self, index: int) -> str:
        return _address(self.key, RECEIVE, index, self.coin.name)

    def change(self, index: int) -> str:
        return _address(self.key, CHANGE, index, self.coin.name)

    def _party(self, bip: str, account: int, instead: int) -> str:
        """Account `account` of `bip`, or BIP44 account `instead` where the coin has no such BIP."""
        name = self.coin.name
        key = account_key(bip, account, name) if bip in self.bips else account_key("bip44", instead, name)
        return _address(f"tr({key})" if bip == "bip86" and bip in self.bips else key, RECEIVE, 0, name)

    def parties(self) -> Parties:
        return Parties(exchange=self._party("bip84", 1, 4), payer=self._party("bip44", 1, 1),
                       merchant=self._party("bip49", 1, 5), friend=self._party("bip86", 1, 3),
                       pool=self._party("bip84", 2, 6))


BITCOIN_WALLET = Wallet(COINS["bitcoin"])


def wallet_zpub() -> str:
    return BITCOIN_WALLET.key


def receive(index: int) -> str:
    return BITCOIN_WALLET.receive(index)


def change(index: int) -> str:
    return BITCOIN_WALLET.change(index)


def parties() -> Parties:
    return BITCOIN_WALLET.parties()


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


def generate(chain: Chain, wallet: Wallet = BITCOIN_WALLET) -> History:
    """The history above on `chain`, for `wallet` (of the chain's coin)."""
    p, receive, change = wallet.parties(), wallet.receive, wallet.change
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
