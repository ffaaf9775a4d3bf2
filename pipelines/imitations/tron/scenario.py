"""The generated history of one Tron wallet and what a reader must get right about it:

- TRX received from an exchange (the exchange burns the fee, not the wallet);
- USDT (the real contract address, 6 decimals) received, and sent with energy and bandwidth burnt;
- TRX sent to a new account: the fee holds 1 TRX for activating it beside the bandwidth;
- a USDT transfer that failed (REVERT): no token moved, the burnt fee is still the wallet's;
- a swap: TRX sent with a contract call (`call_value`) and USDT received in the same transaction;
- 100 TRX staked for energy (Stake 2.0), 40 of them being unstaked: still the wallet's TRX;
- an unsolicited 18-decimal token airdropped by a spammer, and a TRC-10 token (not read: its
  `amount` is token units and must not count as TRX);
- 205 small TRX payouts from a pool (two pages of TronGrid's 200);
- one receipt left unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.imitations.tron.ledger import Ledger, Token, address_of

TRX = 1_000_000
USDT = Token("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT", "Tether USD", 6)
SPAM = Token(address_of("contract:airdrop"), "USDTg", "Tether Gift (visit usdtg.example)", 18)
PAYOUTS = 205

WALLET = address_of("wallet")
EXCHANGE, FRIEND, MERCHANT, POOL, SPAMMER = (address_of(n) for n in ("exchange", "friend", "merchant", "pool", "spammer"))
SWAP = address_of("contract:swap")


@dataclass(frozen=True)
class History:
    """Notable transactions of the generated history (tests look them up by name)."""

    trx_in: str
    usdt_in: str
    trx_out_new_account: str
    usdt_out: str
    failed_call: str
    swap: str
    airdrop: str
    trc10: str
    stake: str
    unstake: str
    unconfirmed: str


def generate(ledger: Ledger) -> History:
    for party in (EXCHANGE, POOL, SPAMMER, MERCHANT):
        ledger.fund(party, 1_000_000 * TRX)
    ledger.fund(SWAP, 10 * TRX)
    trx_in = ledger.transfer(EXCHANGE, WALLET, 1_000 * TRX + 123_456, net_fee=0, extra_fee=TRX)
    usdt_in = ledger.call(EXCHANGE, USDT.contract, events=[(USDT, EXCHANGE, WALLET, 2_500_123_456)],
                          net_fee=345_000, energy_fee=13_844_800)
    ledger.confirm()
    to_new = ledger.transfer(WALLET, FRIEND, 150_500_000, net_fee=100_000, extra_fee=TRX)
    usdt_out = ledger.call(WALLET, USDT.contract, events=[(USDT, WALLET, MERCHANT, 1_000 * TRX)],
                           net_fee=345_000, energy_fee=13_844_800)
    ledger.confirm()
    failed = ledger.call(WALLET, USDT.contract, events=[(USDT, WALLET, MERCHANT, 5_000 * TRX)],
                         net_fee=345_000, energy_fee=8_400_000, failed=True)
    swap = ledger.call(WALLET, SWAP, call_value=10 * TRX, events=[(USDT, SWAP, WALLET, 2_912_345)],
                       net_fee=0, energy_fee=27_101_000)
    airdrop = ledger.call(SPAMMER, SPAM.contract, events=[(SPAM, SPAMMER, WALLET, 5_000 * 10**18)], energy_fee=6_000_000)
    trc10 = ledger.transfer_trc10(SPAMMER, WALLET, 5_000_000_000)
    ledger.confirm()
    stake = ledger.stake(WALLET, 100 * TRX, net_fee=276_000)
    unstake = ledger.stake(WALLET, 40 * TRX, unstake=True)
    ledger.confirm()
    for n in range(PAYOUTS):
        ledger.transfer(POOL, WALLET, 1_000_000 + n, net_fee=268_000)
        if n % 50 == 49:
            ledger.confirm()
    ledger.confirm()
    unconfirmed = ledger.transfer(EXCHANGE, WALLET, 77 * TRX)
    return History(trx_in, usdt_in, to_new, usdt_out, failed, swap, airdrop, trc10, stake, unstake, unconfirmed)
