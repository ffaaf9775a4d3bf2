"""Transaction labels (the Blockpit template's list) and which legs each one needs.

A label decides which side of a transaction must be filled: a Deposit brings something in, a
Withdrawal sends something out, a Trade does both. The Excel import and the CLI validate with this
table so a row that cannot be booked is rejected with a reason instead of booked wrongly.
"""

from __future__ import annotations

IN, OUT, BOTH, FEE = "in", "out", "both", "fee"

#: label -> the legs it requires (a Fee transaction only has the fee leg).
LABELS: dict[str, str] = {
    "Deposit": IN,
    "Withdrawal": OUT,
    "Trade": BOTH,
    "Fee": FEE,
    "Staking": IN,
    "Mining": IN,
    "Airdrop": IN,
    "Interest": IN,
    "Income": IN,
    "Cashback": IN,
    "Bounty": IN,
    "Hard Fork": IN,
    "Masternode": IN,
    "Payment": OUT,
    "Gift Received": IN,
    "Gift Sent": OUT,
    "Lost": OUT,
    "Non-Taxable In": IN,
    "Non-Taxable Out": OUT,
    "Derivative Profit": IN,
    "Derivative Loss": OUT,
    "Derivative Fee": FEE,
}

#: Labels the pipeline itself assigns (matched own-wallet moves); users do not enter them.
SYSTEM_LABELS = ("Transfer",)

_BY_LOWER = {name.lower(): name for name in LABELS}


def canonical_label(text: str) -> str | None:
    """The label's canonical spelling, accepting any letter case; None when unknown."""
    return _BY_LOWER.get(text.strip().lower())
