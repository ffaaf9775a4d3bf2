"""Tron tokens are judged on the same evidence as EVM tokens (raw.token_metadata): a URL in the name,
a zero-value transfer the wallet did not send, a token paid to 10+ addresses in one transaction
(counted from the transaction's events, read only for payments the wallet did not send and only
once), the wallet's own transactions; USDT-TRC20 is a well-known contract."""

from __future__ import annotations

from pipelines.imitations.tron.ledger import Token, address_of
from pipelines.imitations.tron.scenario import FRIEND, SPAM, SPAMMER, TRX, USDT, WALLET

AIRDROP = Token(address_of("contract:bonus"), "BONUS", "Bonus Token", 6)
POISON = Token(address_of("contract:poison"), "USDT", "Tether USD", 6)
GIFT = Token(address_of("contract:gift"), "GIFT", "Gift Token", 6)
SPENT = Token(address_of("contract:spent"), "SPENT", "Spent Token", 6)
VICTIMS = [address_of(f"victim:{n}") for n in range(11)]


def test_trc20_spam_evidence_and_known_tokens(trongrid, add_wallet, sync, query):
    ledger = trongrid.ledger
    ledger.call(SPAMMER, AIRDROP.contract, energy_fee=9_000_000,
                events=[(AIRDROP, SPAMMER, to, 7 * TRX) for to in [WALLET, *VICTIMS]])
    # Address poisoning: the scammer's contract emits a zero Transfer *from* the wallet; the
    # transaction is the scammer's, so the wallet did not send it.
    ledger.call(SPAMMER, POISON.contract, events=[(POISON, WALLET, address_of("look-alike"), 0)], energy_fee=6_000_000)
    ledger.call(FRIEND, GIFT.contract, events=[(GIFT, FRIEND, WALLET, 3 * TRX)], energy_fee=6_000_000)
    ledger.call(FRIEND, SPENT.contract, events=[(SPENT, FRIEND, WALLET, 5 * TRX)], energy_fee=6_000_000)
    ledger.confirm()
    ledger.call(WALLET, SPENT.contract, events=[(SPENT, WALLET, FRIEND, 2 * TRX)], net_fee=345_000, energy_fee=6_000_000)
    ledger.confirm()
    wallet = add_wallet()
    trongrid.reset_counts()
    sync(wallet)
    verdicts = dict((asset_id, (status, reason)) for asset_id, status, reason in query(
        "SELECT asset_id, status, reason FROM raw.token_metadata WHERE integration_id = ?", wallet))
    assert verdicts == {
        f"tron:{USDT.contract}": ("known", "a well-known contract of the chain registry"),
        f"tron:{SPAM.contract}": ("spam", "its name or symbol carries a URL or a claim/visit/reward call"),
        f"tron:{AIRDROP.contract}": ("spam", "airdropped to 12 addresses in one transaction"),
        f"tron:{POISON.contract}": ("spam", "a zero-value transfer the wallet did not send (address poisoning)"),
        f"tron:{SPENT.contract}": ("known", "the wallet sent a transaction that moved it"),
        f"tron:{GIFT.contract}": ("unverified", "on no token list, and no evidence of spam"),
    }
    # Events were read for the five foreign token payments that are not USDT (the scenario's URL
    # airdrop, the four above); not for USDT from the exchange, nor for the wallet's own swap or sends.
    assert trongrid.count("events") == 5
    assert query("SELECT count(*) FROM raw.records WHERE integration_id = ? AND stream = 'token_fanout'", wallet) == [(5,)]
    # Spam stays reconciled (marked, never hidden): every balance still matches.
    assert query("""SELECT count(*) FILTER (status <> 'match'), count(*) FILTER (token_status = 'spam')
                    FROM marts.balance_reconciliation WHERE integration_id = ?""", wallet) == [(0, 3)]
    trongrid.reset_counts()
    sync(wallet)
    assert trongrid.count("events") == 0  # nothing new: no events read
