"""What every tracker CSV format shares: reading a file all or nothing, and writing one exactly.

A format module (koinly.py, cointracking.py, blockpit_csv.py) only knows its columns, dates and
fee rules: it turns the file's rows into `Record`s and transactions into rows. Everything else is
here, once: finding the header, validating each record with the same `validate()` the Excel import
and the CLI entry use, reporting every bad row with its row number and the file's own column name,
storing with `store.manual_ids`/`store.insert` (re-importing a file adds nothing), and exporting
from core.transactions with exact amounts and the label table in `labels.py`.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines.errors import UserError
from pipelines.interchange import labels
from pipelines.labels import SYSTEM_LABELS
from pipelines.manual import layout, store
from pipelines.manual.excel_import import ExcelImportError, ImportResult
from pipelines.manual.validation import ManualTransaction, Problem, validate
from pipelines.timeutil import AmbiguousLocalTime, local_to_utc, zone

#: CLI name -> module implementing the format.
FORMATS = {
    labels.KOINLY: "pipelines.interchange.koinly",
    labels.COINTRACKING: "pipelines.interchange.cointracking",
    labels.BLOCKPIT: "pipelines.interchange.blockpit_csv",
    "bitpanda-export": "pipelines.interchange.bitpanda_export",
    "kraken-export": "pipelines.interchange.kraken_export",
    "binance-export": "pipelines.interchange.binance_export",
}


class CsvImportError(ExcelImportError):
    """A CSV file with bad rows: the same all-or-nothing report as the Excel import."""


@dataclass(frozen=True)
class Record:
    """One transaction as a format read it, before validation. Legs are (asset, amount) pairs of
    text or Decimal; `label` is ours (None when the tracker's type has no counterpart)."""

    row: int
    occurred_at: datetime | None
    label: str | None
    foreign_label: str
    outgoing: tuple
    incoming: tuple
    fee: tuple
    comment: str | None
    external_id: str | None


def get_format(name: str):
    if name not in FORMATS:
        raise UserError(f"unknown format {name!r}: choose one of {', '.join(FORMATS)}")
    return import_module(FORMATS[name])


def blank(value) -> bool:
    return value is None or not str(value).strip()


def text(value) -> str | None:
    return None if blank(value) else str(value).strip()


def decimal_comma(value: str | None) -> str | None:
    """'0,5' -> '0.5' for formats whose files may use a decimal comma (a lone comma, no dot); anything
    else is left for `parse_amount` to accept or reject with its reason."""
    if value is not None and "," in value and "." not in value and value.count(",") == 1:
        return value.replace(",", ".")
    return value


def parse_time(value, formats: tuple[str, ...], tz: str, row: int, column: str, problems: list[Problem]) -> datetime | None:
    """Naive UTC from the file's text: one of `formats` in zone `tz`, or ISO 8601 with an offset."""
    raw = text(value)
    if raw is None:
        problems.append(Problem(row, column, "missing date"))
        return None
    for fmt in formats:
        try:
            parsed = datetime.strptime(raw, fmt)
            break
        except ValueError:
            continue
    else:
        try:
            parsed = datetime.fromisoformat(raw.removesuffix(" UTC").replace("Z", "+00:00"))
        except ValueError:
            example = datetime(2024, 3, 31, 14, 30).strftime(formats[0])
            problems.append(Problem(row, column, f"{raw!r} is not a date such as {example!r}"))
            return None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC).replace(tzinfo=None)
    if tz == "UTC":
        return parsed
    try:
        return local_to_utc(parsed, tz)
    except AmbiguousLocalTime as exc:
        offsets = [f"{parsed:%Y-%m-%dT%H:%M:%S}{_offset(parsed, u)}" for u in (exc.earlier, exc.later)]
        problems.append(Problem(row, column, f"{exc}: write it with its UTC offset, {offsets[0]} or {offsets[1]}"))
    except UserError as exc:
        problems.append(Problem(row, column, str(exc)))
    return None


def _offset(local: datetime, utc: datetime) -> str:
    """'+01:00' for a local time one hour ahead of its UTC time."""
    minutes = round((local - utc.replace(tzinfo=None)).total_seconds() / 60)
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_time(utc: datetime, tz: str) -> datetime:
    return utc if tz == "UTC" else utc.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def _norm(value) -> str:
    return " ".join(str(value or "").split()).lower().removesuffix(" (optional)")


def read_rows(path: Path, fmt) -> list[tuple[int, dict[str, str | None]]]:
    """(row number, {header title: cell}) for each non-empty row; row 1 is the header, as a spreadsheet shows it."""
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as exc:
        raise UserError(f"{path.name} is not a UTF-8 text file ({type(exc).__name__})") from None
    first = next((line for line in content.splitlines() if line.strip()), "")
    delimiter = max(fmt.DELIMITERS, key=first.count)
    try:
        records = list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UserError(f"{path.name} is not a readable CSV file ({exc})") from None
    wanted = {_norm(title): title for title in fmt.HEADER}
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    # An exchange's export may open with a few lines about the account (Bitpanda): the header is the
    # first row holding every required column; a file without one is judged by its first row.
    required = {_norm(title) for title in fmt.REQUIRED}
    start = next((i for i, cells in enumerate(records[:20]) if required <= {_norm(c) for c in cells}), 0)
    header = records[start] if records else []
    columns = {index: wanted[_norm(title)] for index, title in enumerate(header) if _norm(title) in wanted}
    missing = [title for title in fmt.REQUIRED if title not in columns.values()]
    if missing:
        raise CsvImportError(path, [Problem(1, "header", f"not a {fmt.TITLE} file: missing column(s) {', '.join(missing)} "
                                                         f"(expected {', '.join(fmt.HEADER)})")])
    rows = []
    for number, cells in enumerate(records[start + 1:], start=start + 2):
        values = {title: (cells[index] if index < len(cells) else None) for index, title in columns.items()}
        if not all(blank(v) for v in values.values()):
            rows.append((number, values))
    return rows


def _check(fmt, record: Record, problems: list[Problem]) -> ManualTransaction | None:
    """`validate()` the record; its problems name the file's columns, not the Excel template's."""
    columns = fmt.COLUMNS
    start = len(problems)
    tx = validate(record.row, record.occurred_at, record.label or "", record.outgoing, record.incoming, record.fee,
                  record.comment, record.external_id, problems)
    for index in range(start, len(problems)):
        problem = problems[index]
        if problem.column == layout.LABEL and record.label is None:
            reason = (f"{fmt.TITLE} type {record.foreign_label!r} has no counterpart here (see docs/interchange.md)"
                      if not blank(record.foreign_label) else "missing type")
            problems[index] = Problem(record.row, fmt.LABEL_COLUMN, reason)
        else:
            problems[index] = replace(problem, column=columns.get(problem.column, problem.column))
    return tx


def read_file(path: Path, fmt, tz: str) -> list[ManualTransaction]:
    """Every transaction of the file, or `CsvImportError` listing every problem."""
    rows = read_rows(path, fmt)
    problems: list[Problem] = []
    transactions = [tx for record in fmt.records(rows, tz, problems) if (tx := _check(fmt, record, problems))]
    if problems:
        raise CsvImportError(path, sorted(problems, key=lambda p: (p.row or 0)))
    if not transactions:
        raise CsvImportError(path, [Problem(2, "file", "the file holds no transactions")])
    return transactions


def _zone(fmt, timezone: str | None) -> str:
    """The zone the file's times are in: always UTC for formats that say so; for a format whose
    times carry no zone (CoinTracking) the `--timezone` given, else UTC. A zone with DST has an
    hour that happens twice each autumn, so only an explicit zone may make a file ambiguous."""
    if not fmt.ZONED_BY_USER:
        if timezone not in (None, "UTC"):
            raise UserError(f"{fmt.TITLE} times are always UTC; --timezone does not apply")
        return "UTC"
    return zone(timezone).key if timezone else "UTC"


def import_file(con, format_name: str, integration_id: str, path: Path | str, timezone: str | None = None) -> ImportResult:
    """Validate the whole file, then insert its new transactions in one statement (all rows or none)."""
    from pipelines.registry.integrations import get_integration

    fmt, path = get_format(format_name), Path(path)
    integration = get_integration(con, integration_id)
    if integration.archived_at is not None:
        raise UserError(f"integration {integration_id!r} is archived")
    transactions = read = read_file(path, fmt, _zone(fmt, timezone))
    if hasattr(fmt, "unsynced"):  # an exchange's own export: what the integration's API brought is left out
        transactions = fmt.unsynced(con, integration, read)
    ids = store.manual_ids(integration_id, transactions)
    imported = store.insert(con, integration_id, transactions, ids, source=f"{format_name}:{path.name}",
                            entered_timezone=None)
    return ImportResult(rows=len(read), imported=imported)


def export_file(con, format_name: str, path: Path | str, *, integration_id: str | None = None,
                account_id: str | None = None, timezone: str | None = None) -> int:
    """Write the built transactions (core.transactions) of one integration or a whole account; returns
    how many. Labels without a counterpart stop the export before anything is written."""
    from pipelines.registry.accounts import get_account
    from pipelines.registry.integrations import get_integration
    from pipelines.sqlfiles import sql

    if (integration_id is None) == (account_id is None):
        raise UserError("export one integration or one account")
    fmt, path = get_format(format_name), Path(path)
    if integration_id:
        get_integration(con, integration_id)
    else:
        get_account(con, account_id)
    tz = _zone(fmt, timezone)
    cursor = con.execute(sql("interchange/export_transactions"),
                         {"integration_id": integration_id, "account_id": account_id})
    names = [d[0] for d in cursor.description]
    built = [dict(zip(names, row)) for row in cursor.fetchall()]
    transactions = [movement for tx in built for movement in _movements(tx)]
    missing: dict[str, list[str]] = {}
    for tx in transactions:
        tx["shape"] = labels.shape(tx["outgoing_amount"] is not None, tx["incoming_amount"] is not None)
        tx["type"] = labels.to_foreign(fmt.LABELS_KEY, tx["label"], tx["shape"])
        if tx["type"] is None:
            missing.setdefault(tx["label"], []).append(tx["tx_id"])
    if missing:
        raise labels.NoCounterpartError(fmt.LABELS_KEY, missing)
    lines = [list(fmt.HEADER), *(row for tx in transactions for row in fmt.write_rows(tx, tz))]
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            csv.writer(out, delimiter=fmt.DELIMITERS[0]).writerows(lines)
        os.replace(temporary, path)  # a reader never sees half a file
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(built)


def _movements(tx: dict) -> list[dict]:
    """A system Transfer with both sides (an exchange moving DOT into staking as DOT.S) has no type in
    any tracker: it is written as the withdrawal of one side (with the fee) and the deposit of the other."""
    if tx["label"] not in SYSTEM_LABELS or tx["outgoing_amount"] is None or tx["incoming_amount"] is None:
        return [tx]
    return [{**tx, "incoming_asset": None, "incoming_amount": None},
            {**tx, "outgoing_asset": None, "outgoing_amount": None, "fee_asset": None, "fee_amount": None}]
