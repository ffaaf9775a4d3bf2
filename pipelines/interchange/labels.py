"""The one table that maps our labels to each tracker's transaction types, both ways.

Every format reads and writes labels through this table (docs/interchange.md prints it), so a label
cannot map one way in the importer and another way in the exporter. A tracker's type is looked up
case-insensitively together with the transaction's shape (which legs it has): Koinly, for example,
has one "gift" tag for gifts received and gifts sent, and no tag at all for deposits, withdrawals
and trades. A label with no counterpart in a format is an error, never a silent guess.
"""

from __future__ import annotations

from pipelines.errors import UserError
from pipelines.labels import BOTH, FEE, IN, OUT

KOINLY, COINTRACKING, BLOCKPIT = "koinly", "cointracking", "blockpit-csv"

#: label -> (Koinly tag, CoinTracking type, Blockpit type); None: the format has no counterpart.
#: Koinly has no tag for deposits, withdrawals, trades and fees: the filled columns say which it is.
EXPORT: dict[str, tuple[str | None, str | None, str | None]] = {
    "Deposit": ("", "Deposit", "Deposit"),
    "Withdrawal": ("", "Withdrawal", "Withdrawal"),
    "Trade": ("", "Trade", "Trade"),
    "Fee": ("", "Other Fee", "Fee"),
    "Staking": ("reward", "Staking", "Staking"),
    "Mining": ("mining", "Mining", "Mining"),
    "Airdrop": ("airdrop", "Airdrop", "Airdrop"),
    "Interest": ("lending interest", "Interest Income", "Interest"),
    "Income": ("income", "Income", "Income"),
    "Cashback": ("cashback", None, "Cashback"),
    "Bounty": (None, "Reward / Bonus", "Bounty"),
    "Hard Fork": ("fork", None, "Hard Fork"),
    "Masternode": (None, "Masternode", "Masternode"),
    "Payment": ("cost", "Spend", "Payment"),
    "Gift Received": ("gift", "Gift / Tip", "Gift Received"),
    "Gift Sent": ("gift", "Gift", "Gift Sent"),
    "Lost": ("lost", "Lost", "Lost"),
    "Non-Taxable In": (None, "Income (non taxable)", "Non-Taxable In"),
    "Non-Taxable Out": (None, "Expense (non taxable)", "Non-Taxable Out"),
    "Derivative Profit": ("realized gain", "Derivatives / Futures Profit", "Derivative Profit"),
    "Derivative Loss": ("realized gain", "Derivatives / Futures Loss", "Derivative Loss"),
    "Derivative Fee": ("margin fee", "Margin Fee", "Derivative Fee"),
}

#: Further spellings each tracker uses for one of our labels (read only; we write the EXPORT names).
ALIASES: dict[str, dict[str, str]] = {
    KOINLY: {
        "staking": "Staking", "loan interest": "Interest", "other income": "Income", "salary": "Income",
        "fee refund": "Cashback", "realized p&l": "Derivative Profit", "realized pnl": "Derivative Profit",
    },
    COINTRACKING: {
        "Mining (commercial)": "Mining", "Lending Income": "Interest", "Other Income": "Income",
        "Stolen / Hacked / Fraud": "Lost", "Margin Profit": "Derivative Profit", "Margin Loss": "Derivative Loss",
    },
    # Blockpit's CSV export before its 2023 relaunch used these type names.
    BLOCKPIT: {
        "Bounties": "Bounty", "Lending": "Interest", "Margin_trading_profit": "Derivative Profit",
        "Margin_trading_loss": "Derivative Loss", "Margin_trading_fee": "Derivative Fee",
    },
}

#: A system label exports as the plain movement of its shape (trackers match transfers themselves).
_SYSTEM = {"Transfer": {IN: "Deposit", OUT: "Withdrawal"}}
_COLUMN = {KOINLY: 0, COINTRACKING: 1, BLOCKPIT: 2}
TITLES = {KOINLY: "Koinly", COINTRACKING: "CoinTracking", BLOCKPIT: "Blockpit"}
#: Koinly tags whose meaning depends on the direction: (tag, shape) -> label.
_BY_SHAPE = {("gift", IN): "Gift Received", ("gift", OUT): "Gift Sent", ("realized gain", IN): "Derivative Profit",
             ("realized gain", OUT): "Derivative Loss", ("realized p&l", OUT): "Derivative Loss",
             ("realized pnl", OUT): "Derivative Loss"}
#: No type at all: the legs say what it is (Koinly).
_UNTYPED = {IN: "Deposit", OUT: "Withdrawal", BOTH: "Trade", FEE: "Fee"}


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def _table(fmt: str) -> dict[str, str]:
    column = _COLUMN[fmt]
    table = {_key(names[column]): label for label, names in EXPORT.items() if names[column]}
    table.update({_key(alias): label for alias, label in ALIASES[fmt].items()})
    return table


_IMPORT = {fmt: _table(fmt) for fmt in _COLUMN}


def shape(has_out: bool, has_in: bool) -> str:
    return BOTH if has_out and has_in else OUT if has_out else IN if has_in else FEE


def from_foreign(fmt: str, text, legs: str) -> str | None:
    """Our label for a tracker's type on a row with these legs (`shape`); None when it has no counterpart."""
    key = _key(str(text or ""))
    if fmt == KOINLY and not key:
        return _UNTYPED[legs]
    if fmt == KOINLY and (key, legs) in _BY_SHAPE:
        return _BY_SHAPE[(key, legs)]
    return _IMPORT[fmt].get(key)


def to_foreign(fmt: str, label: str, legs: str) -> str | None:
    """The tracker's type for one of our labels; None when the format has no counterpart."""
    if label in _SYSTEM:
        label = _SYSTEM[label].get(legs, label)
    names = EXPORT.get(label)
    return None if names is None else names[_COLUMN[fmt]]


class NoCounterpartError(UserError):
    """Export refused: some labels have no counterpart in the format (nothing was written)."""

    def __init__(self, fmt: str, missing: dict[str, list[str]]):
        self.missing = missing
        parts = [f"{label!r} ({len(ids)} transaction(s), e.g. {ids[0]})" for label, ids in sorted(missing.items())]
        super().__init__(
            f"{TITLES[fmt]} has no counterpart for label(s) {', '.join(parts)}: nothing exported; "
            f"see docs/interchange.md for the label table"
        )
