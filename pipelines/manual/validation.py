"""Turning one user-supplied transaction into a bookable row, or naming each thing wrong with it.

Shared by the Excel import and the CLI entry so both accept and reject exactly the same input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pipelines.labels import BOTH, FEE, IN, LABELS, OUT, canonical_label
from pipelines.manual import layout
from pipelines.manual.amounts import AmountError, parse_amount
from pipelines.timeutil import EARLIEST, FUTURE_SLACK, utc_now, zone

_ASSET = re.compile(r"^[^\s,;]{1,64}$")
#: The shortest base58 contract id (a Solana mint; Tron's are 34): no symbol is this long.
CONTRACT_LENGTH = 32


@dataclass(frozen=True)
class Problem:
    """One reason a row cannot be imported: where (sheet row, column header) and why."""

    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.column}: {self.reason}"


@dataclass(frozen=True)
class ManualTransaction:
    """A validated manual transaction; occurred_at is naive UTC."""

    occurred_at: datetime
    label: str
    outgoing_asset: str | None
    outgoing_amount: Decimal | None
    incoming_asset: str | None
    incoming_amount: Decimal | None
    fee_asset: str | None
    fee_amount: Decimal | None
    comment: str | None
    external_id: str | None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _leg(asset, amount, asset_column: str, amount_column: str, row, problems: list[Problem]):
    """(asset, amount) of one side, or (None, None) when both are empty."""
    if _blank(asset) and _blank(amount):
        return None, None
    if _blank(amount):
        problems.append(Problem(row, amount_column, f"asset {str(asset).strip()!r} has no amount"))
        return None, None
    if _blank(asset):
        problems.append(Problem(row, asset_column, "amount has no asset"))
        return None, None
    symbol = str(asset).strip()
    if not _ASSET.match(symbol):
        problems.append(Problem(row, asset_column, f"{symbol!r} is not an asset symbol (no spaces, at most 64 characters)"))
        symbol = None
    try:
        value = parse_amount(amount)
    except AmountError as exc:
        problems.append(Problem(row, amount_column, str(exc)))
        return None, None
    # A symbol is upper case; a contract id keeps the chain's spelling: 0x... and base58 Tron
    # contracts or Solana mints (32+ characters, case-sensitive; the asset_id macro decides).
    keep = symbol and (symbol.lower().startswith("0x") or len(symbol) >= CONTRACT_LENGTH)
    return (symbol if keep else symbol.upper() if symbol else symbol), value


def _fee_booked_as_outgoing(outgoing: tuple, incoming: tuple, fee: tuple) -> bool:
    """A Fee-type row with its amount in the Outgoing columns and nothing else: Blockpit (and the
    trackers whose files we read) book a fee transaction that way, we in the Fee columns; both
    placements mean the same fee leg."""
    return not all(map(_blank, outgoing)) and all(map(_blank, incoming)) and all(map(_blank, fee))


def check_time(occurred_at: datetime, row, column: str, problems: list[Problem], entered_in: str = "UTC") -> None:
    """`occurred_at` is naive UTC; a problem shows the time as the user entered it (`entered_in`: the
    zone they typed it in), so a local time is not quoted back as a UTC one."""
    shown = occurred_at if entered_in == "UTC" else occurred_at.replace(tzinfo=UTC).astimezone(zone(entered_in))
    where = "" if entered_in == "UTC" else f" (local time, {entered_in})"
    if occurred_at < EARLIEST:
        problems.append(Problem(row, column, f"{shown:%d.%m.%Y}{where} is before 03.01.2009, when Bitcoin began"))
    elif occurred_at > utc_now() + FUTURE_SLACK:
        problems.append(Problem(row, column, f"{shown:%d.%m.%Y %H:%M:%S}{where} is in the future"))


def validate(
    row: int | None,
    occurred_at: datetime | None,
    label_text,
    outgoing: tuple,
    incoming: tuple,
    fee: tuple,
    comment,
    external_id,
    problems: list[Problem],
    entered_in: str = "UTC",
) -> ManualTransaction | None:
    """Check one transaction; append what is wrong to `problems` and return None, or the row.
    `entered_in`: the zone the user typed the time in (problems quote it in that zone)."""
    start = len(problems)
    label = canonical_label(str(label_text)) if not _blank(label_text) else None
    if _blank(label_text):
        problems.append(Problem(row, layout.LABEL, "missing label"))
    elif label is None:
        problems.append(Problem(row, layout.LABEL, f"unknown label {str(label_text).strip()!r}"))
    out_asset, out_amount = _leg(*outgoing, layout.OUT_ASSET, layout.OUT_AMOUNT, row, problems)
    in_asset, in_amount = _leg(*incoming, layout.IN_ASSET, layout.IN_AMOUNT, row, problems)
    fee_asset, fee_amount = _leg(*fee, layout.FEE_ASSET, layout.FEE_AMOUNT, row, problems)
    if label is not None and LABELS[label] == FEE and _fee_booked_as_outgoing(outgoing, incoming, fee):
        out_asset, out_amount, fee_asset, fee_amount = None, None, out_asset, out_amount
    if label is not None and len(problems) == start:
        needs = LABELS[label]
        has_in, has_out = in_amount is not None, out_amount is not None
        if needs in (IN, BOTH) and not has_in:
            problems.append(Problem(row, layout.IN_AMOUNT, f"a {label} needs an incoming asset and amount"))
        if needs in (OUT, BOTH) and not has_out:
            problems.append(Problem(row, layout.OUT_AMOUNT, f"a {label} needs an outgoing asset and amount"))
        if needs == IN and has_out:
            problems.append(Problem(row, layout.OUT_ASSET, f"a {label} has no outgoing side"))
        if needs == OUT and has_in:
            problems.append(Problem(row, layout.IN_ASSET, f"a {label} has no incoming side"))
        if needs == FEE and (has_in or has_out or fee_amount is None):
            problems.append(Problem(row, layout.FEE_AMOUNT, f"a {label} has only a fee asset and amount"))
    if occurred_at is not None:
        check_time(occurred_at, row, layout.DATE, problems, entered_in)
    if len(problems) > start or occurred_at is None or label is None:
        return None
    return ManualTransaction(
        occurred_at, label, out_asset, out_amount, in_asset, in_amount, fee_asset, fee_amount,
        None if _blank(comment) else str(comment).strip(), None if _blank(external_id) else str(external_id).strip(),
    )
