"""Entering, listing and deleting single manual transactions.

The user types times in their account's local time zone; they are stored as UTC. Manual
transactions can be added to any integration (origin `manual`), synced ones included.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pipelines.errors import UserError
from pipelines.manual import layout, store
from pipelines.manual.validation import Problem, validate
from pipelines.registry.accounts import get_account
from pipelines.registry.integrations import get_integration
from pipelines.timeutil import AmbiguousLocalTime, local_to_utc

#: The shared validation names the Excel template's columns; the CLI user typed these options.
_OPTIONS = {
    layout.DATE: "--date", layout.LABEL: "--label", layout.OUT_ASSET: "--out", layout.OUT_AMOUNT: "--out",
    layout.IN_ASSET: "--in", layout.IN_AMOUNT: "--in", layout.FEE_ASSET: "--fee", layout.FEE_AMOUNT: "--fee",
}
_LOCAL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M")


def parse_local(text: str) -> datetime:
    for fmt in _LOCAL_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise UserError(f"{text!r} is not a date and time such as 2024-03-31 14:30:00")


def parse_leg(text: str | None, option: str) -> tuple[str | None, str | None]:
    """'0.5 BTC' -> ('BTC', '0.5'); None -> (None, None)."""
    if text is None:
        return None, None
    parts = text.split()
    if len(parts) != 2:
        raise UserError(f"{option} {text!r}: expected AMOUNT ASSET, e.g. {option} '0.5 BTC'")
    return parts[1], parts[0]


def add_transaction(
    con, integration_id: str, local_time: str, label: str, *, outgoing: str | None = None,
    incoming: str | None = None, fee: str | None = None, comment: str | None = None,
    external_id: str | None = None, fold: str | None = None, utc: bool = False, allow_duplicate: bool = False,
) -> tuple[str, datetime]:
    """Store one manual transaction; returns its id and the UTC time it was stored with."""
    integration = get_integration(con, integration_id)
    if integration.archived_at is not None:
        raise UserError(f"integration {integration_id!r} is archived")
    timezone = "UTC" if utc else get_account(con, integration.account_id)["timezone"]
    folds = {None: None, "earlier": 0, "later": 1}
    if fold not in folds:
        raise UserError("--fold takes 'earlier' or 'later'")
    try:
        occurred_at = parse_local(local_time) if utc else local_to_utc(parse_local(local_time), timezone, folds[fold])
    except AmbiguousLocalTime as exc:
        raise UserError(f"{exc}: pass --fold earlier ({exc.earlier:%H:%M} UTC) or --fold later ({exc.later:%H:%M} UTC)") from None
    problems: list[Problem] = []
    tx = validate(None, occurred_at, label, parse_leg(outgoing, "--out"), parse_leg(incoming, "--in"),
                  parse_leg(fee, "--fee"), comment, external_id, problems, entered_in=timezone)
    if tx is None:
        raise UserError("; ".join(str(replace(p, column=_OPTIONS.get(p.column, p.column))) for p in problems))
    # The n-th identical entry gets the n-th id, like identical rows in one Excel file.
    ordinal = 1
    while True:
        manual_id = store.manual_ids(integration_id, [tx] * ordinal)[-1]
        if not con.execute("SELECT 1 FROM app.manual_transactions WHERE manual_id = ?", [manual_id]).fetchone():
            break
        if not allow_duplicate:
            raise UserError(f"the same transaction is already stored as {manual_id} (pass --allow-duplicate to add it again)")
        ordinal += 1
    store.insert(con, integration_id, [tx], [manual_id], source="entry", entered_timezone=timezone)
    return manual_id, occurred_at


def delete_transaction(con, integration_id: str, tx_id: str) -> None:
    """Delete one manual transaction; synced transactions come from the source and cannot be deleted."""
    get_integration(con, integration_id)
    deleted = con.execute(
        "DELETE FROM app.manual_transactions WHERE integration_id = ? AND manual_id = ? RETURNING manual_id",
        [integration_id, tx_id],
    ).fetchall()
    if not deleted:
        synced = con.execute(
            "SELECT 1 FROM core.transactions WHERE integration_id = ? AND tx_id = ? AND origin = 'synced'",
            [integration_id, tx_id],
        ).fetchone()
        if synced:
            raise UserError(f"{tx_id} is a synced transaction: it comes from the source and cannot be deleted")
        raise UserError(f"integration {integration_id!r} has no manual transaction {tx_id!r}")
