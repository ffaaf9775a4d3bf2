"""Importing a filled-in Excel template into one integration, all or nothing.

Every row is checked before anything is written; if any row is bad the user gets every problem
(sheet row, column, reason) and nothing from the file is imported. Dates in the file are UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from pipelines.errors import UserError
from pipelines.manual import layout, store
from pipelines.manual.validation import ManualTransaction, Problem, validate
from pipelines.manual.workbook_archive import check_archive, scan_sheet

MAX_SHOWN = 50
_TEMPLATE_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})$")
_TEXT_DATE_FORMATS = (layout.DATE_FORMAT, "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


class ExcelImportError(UserError):
    """A file with bad rows; `problems` lists all of them, nothing was imported."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:MAX_SHOWN])
        more = f"; and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
        super().__init__(f"{path.name}: {len(problems)} problem(s), nothing imported: {shown}{more}")

    def report(self) -> str:
        """Every problem on its own line (for an error-report file next to a rejected upload)."""
        return "\n".join(str(p) for p in self.problems) + "\n"


@dataclass(frozen=True)
class ImportResult:
    rows: int
    imported: int

    @property
    def skipped(self) -> int:
        """Rows already imported before (same content): re-importing a file adds nothing."""
        return self.rows - self.imported


def _open(path: Path):
    import openpyxl

    if not path.is_file():
        raise UserError(f"no such file: {path}")
    check_archive(path)
    try:
        # Read-only mode streams rows (100,000 rows in seconds, not tens of seconds).
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any failure to parse a hostile file is "not a workbook"
        raise UserError(f"{path.name} is not a readable Excel .xlsx workbook ({type(exc).__name__})") from None
    for sheet in workbook.worksheets:
        # The read-only reader stops at the sheet's declared `<dimension>`, which a file may understate.
        sheet.reset_dimensions()
    return workbook


def _norm(value) -> str:
    return " ".join(str(value).split()).lower() if value is not None else ""


def _find_header(workbook):
    """(sheet, header row number, {column title: column index}) of the sheet holding the template header."""
    wanted = {_norm(h): h for h in layout.HEADER}
    sheets = sorted(workbook.worksheets, key=lambda s: s.title != layout.SHEET)
    for sheet in sheets:
        for number, row in enumerate(sheet.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
            found = {wanted[_norm(v)]: index for index, v in enumerate(row, start=1) if _norm(v) in wanted}
            if layout.DATE in found and layout.LABEL in found:
                return sheet, number, found
    return None


def _parse_date(value, row: int, problems: list[Problem]) -> datetime | None:
    if isinstance(value, datetime):
        # Excel stores times as fractions of a day; round away float noise to the nearest second.
        return (value + timedelta(microseconds=500_000)).replace(microsecond=0, tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(Problem(row, layout.DATE, "missing date"))
        return None
    text = str(value).strip()
    match = _TEMPLATE_DATE.match(text)
    if match:  # the template's own format, parsed without strptime (5x faster on big files)
        day, month, year, hour, minute, second = map(int, match.groups())
        try:
            return datetime(year, month, day, hour, minute, second)
        except ValueError:
            pass
    for fmt in _TEXT_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    problems.append(Problem(row, layout.DATE, f"{text!r} is not a date as DD.MM.YYYY HH:MM:SS (UTC)"))
    return None


def read_workbook(path: Path, integration_name: str) -> list[ManualTransaction]:
    """Every transaction of the file, or `ExcelImportError` listing every problem."""
    workbook = _open(path)
    try:
        return _read(path, workbook, integration_name)
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - rows are parsed lazily: a broken part surfaces here
        raise UserError(f"{path.name} is not a readable Excel .xlsx workbook ({type(exc).__name__})") from None
    finally:
        workbook.close()  # read-only workbooks keep the file open until closed


def _read(path: Path, workbook, integration_name: str) -> list[ManualTransaction]:
    located = _find_header(workbook)
    if located is None:
        raise ExcelImportError(path, [Problem(None, "header", f"no sheet has the template header ({', '.join(layout.HEADER)})")])
    sheet, header_row, columns = located
    problems: list[Problem] = []
    scan = scan_sheet(path, sheet._worksheet_path)  # the part a read-only sheet reads (no public name)
    for coord, first, last in scan.merged:
        if last > header_row:
            problems.append(Problem(max(first, header_row + 1), "sheet", f"merged cells {coord}: unmerge them, one value per cell"))
    for row, reason in scan.skipped:
        problems.append(Problem(row, "sheet", f"{reason}: a reader would skip or overwrite it; save the file again from a spreadsheet program"))
    transactions: list[ManualTransaction] = []
    width = max(columns.values())
    for row, cells in enumerate(sheet.iter_rows(min_row=header_row + 1, max_col=width, values_only=True), start=header_row + 1):
        cells = tuple(cells) + (None,) * (width - len(cells))
        values = {title: cells[index - 1] for title, index in columns.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        formula = next((t for t, v in values.items() if isinstance(v, str) and v.startswith("=")), None)
        if formula:
            problems.append(Problem(row, formula, "formulas are not imported: paste the values instead"))
            continue
        name = values.get(layout.INTEGRATION)
        if name is not None and str(name).strip() and _norm(name) != _norm(integration_name):
            problems.append(Problem(
                row, layout.INTEGRATION,
                f"{str(name).strip()!r} is not the integration this file is imported into ({integration_name!r})",
            ))
        occurred_at = _parse_date(values.get(layout.DATE), row, problems)
        tx = validate(
            row, occurred_at, values.get(layout.LABEL),
            (values.get(layout.OUT_ASSET), values.get(layout.OUT_AMOUNT)),
            (values.get(layout.IN_ASSET), values.get(layout.IN_AMOUNT)),
            (values.get(layout.FEE_ASSET), values.get(layout.FEE_AMOUNT)),
            values.get(layout.COMMENT), values.get(layout.TRX_ID), problems,
        )
        if tx is not None:
            transactions.append(tx)
    if problems:
        raise ExcelImportError(path, problems)
    if not transactions:
        raise ExcelImportError(path, [Problem(header_row + 1, "sheet", "the file holds no transactions")])
    return transactions


def import_excel(con, integration_id: str, path: Path | str) -> ImportResult:
    """Validate the whole file, then insert its new transactions in one statement."""
    from pipelines.registry.integrations import get_integration

    path = Path(path)
    integration = get_integration(con, integration_id)
    if integration.archived_at is not None:
        raise UserError(f"integration {integration_id!r} is archived")
    transactions = read_workbook(path, integration.name)
    ids = store.manual_ids(integration_id, transactions)
    imported = store.insert(con, integration_id, transactions, ids, source=f"excel:{path.name}", entered_timezone=None)
    return ImportResult(rows=len(transactions), imported=imported)
