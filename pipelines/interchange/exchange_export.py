"""What the importers of an exchange's own export share: the export belongs in that exchange's
integration (or a manual one), and what the integration's API already brought is left out.

An exchange's export (Bitpanda's transaction history, Kraken's ledgers, Binance's statement) is
imported as manual transactions of the same integration the API syncs, so it fills the history
the API no longer reaches (`history_days`, the reconciliation tip `history_unreachable`). Rows the
API has already delivered are dropped before anything is stored: each format names the SQL that
lists the keys of the synced records and the key of each transaction read from the file (the
exchange's own id where the export carries it). Importing an export after a complete API sync
therefore adds nothing; importing it into a clipped one adds exactly the history before the clip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from pipelines.errors import UserError
from pipelines.manual.amounts import AmountError, parse_amount
from pipelines.manual.validation import ManualTransaction, Problem
from pipelines.sqlfiles import sql

#: Cells that mean "nothing here" in exchange exports (Bitpanda writes "-").
EMPTY = ("", "-")


def signed(value, row: int, column: str, problems: list[Problem]) -> Decimal | None:
    """An exact signed amount from the file's text (Kraken's and Binance's changes carry a sign)."""
    raw = "" if value is None else str(value).strip()
    if raw in EMPTY:
        return Decimal(0)
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        problems.append(Problem(row, column, f"{raw!r} is not a number"))
        return None
    return amount


def amounts_ok(v: dict, columns: Sequence[str], row: int, problems: list[Problem]) -> bool:
    """Check each filled amount cell of a row, reporting a bad one under the file's own column (the
    shared validation would name the leg, and which column fills a leg depends on the row's type).
    Zero is fine here: exports write 0 for "none"."""
    ok = True
    for column in columns:
        raw = "" if v.get(column) is None else str(v[column]).strip()
        if raw in EMPTY or zero(raw):
            continue
        try:
            parse_amount(raw)
        except AmountError as exc:
            problems.append(Problem(row, column, str(exc)))
            ok = False
    return ok


def zero(raw: str | None) -> bool:
    """A cell holding zero (`0`, `0.00000000`)."""
    try:
        return raw is not None and Decimal(raw.strip()) == 0
    except InvalidOperation:
        return False


def unsynced(con, integration, transactions: Sequence[ManualTransaction], *, provider: str, title: str,
             synced_sql: str, key: Callable[[ManualTransaction], tuple],
             keys: Callable[[list[tuple]], set[tuple]] = set) -> list[ManualTransaction]:
    """The transactions whose key is not among the keys of the rows `synced_sql` lists for the
    integration (`keys` turns those rows into keys; by default each row is one)."""
    if integration.kind != "manual" and integration.provider != provider:
        raise UserError(f"a {title} belongs in a {provider} integration (or a manual one), "
                        f"not in {integration.integration_id!r} ({integration.kind} {integration.provider})")
    synced = keys(con.execute(sql(synced_sql), {"integration_id": integration.integration_id}).fetchall())
    return [tx for tx in transactions if key(tx) not in synced]
