"""Writes the Excel import template (compatible with the Blockpit template v1.1)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pipelines.labels import LABELS
from pipelines.manual import layout

EXAMPLE = (
    (datetime(2024, 3, 1, 9, 30), "My Manual Integration", "Trade", "EUR", "2500", "BTC", "0.04", "EUR", "2.5",
     "bought on a broker", "A-1001"),
    (datetime(2024, 3, 2, 18, 0), "My Manual Integration", "Withdrawal", "BTC", "0.01", None, None, "BTC", "0.0001",
     "to my cold wallet", None),
    (datetime(2024, 4, 1, 0, 0), "My Manual Integration", "Staking", None, None, "DOT", "1.2345", None, None, None, None),
)
DATA_ROWS = 10_000  # rows that get the label dropdown and text formats


def write_template(path: Path | str) -> Path:
    """Create the template: Blockpit's header in row 1, label dropdown, text-formatted amount columns
    (so Excel keeps every digit), an Instructions sheet with an example, and a hidden label list."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = layout.SHEET
    for column, title in enumerate(layout.HEADER, start=1):
        cell = sheet.cell(layout.HEADER_ROW, column, title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
        sheet.column_dimensions[get_column_letter(column)].width = max(14, len(title) + 2)
    sheet.freeze_panes = sheet.cell(layout.HEADER_ROW + 1, 1)
    first, last = layout.HEADER_ROW + 1, layout.HEADER_ROW + DATA_ROWS

    labels = workbook.create_sheet(layout.LABELS_SHEET)
    for number, label in enumerate(LABELS, start=1):
        labels.cell(number, 1, label)
    labels.sheet_state = "hidden"
    dropdown = DataValidation(
        type="list", formula1=f"{layout.LABELS_SHEET}!$A$1:$A${len(LABELS)}", allow_blank=True,
        showErrorMessage=True, errorTitle="Unknown label", error="Choose a label from the list.",
    )
    label_column = get_column_letter(layout.HEADER.index(layout.LABEL) + 1)
    dropdown.add(f"{label_column}{first}:{label_column}{last}")
    sheet.add_data_validation(dropdown)
    for title in (layout.OUT_AMOUNT, layout.IN_AMOUNT, layout.FEE_AMOUNT, layout.TRX_ID):
        letter = get_column_letter(layout.HEADER.index(title) + 1)
        sheet.column_dimensions[letter].number_format = "@"

    _instructions(workbook.create_sheet(layout.INSTRUCTIONS_SHEET, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _instructions(sheet) -> None:
    from openpyxl.styles import Font

    from pipelines.labels import BOTH, FEE, IN, OUT

    needs = {IN: "incoming asset and amount", OUT: "outgoing asset and amount", BOTH: "outgoing and incoming",
             FEE: "fee asset and amount only (or, as Blockpit books it, only the outgoing asset and amount)"}
    lines = [
        ("How to fill in the template", None),
        ("Manual transactions import template, laid out as the Blockpit template v1.1.", None),
        (f"Enter one transaction per row on the '{layout.SHEET}' sheet, from row {layout.HEADER_ROW + 1} on "
         "(the header is row 1).", None),
        ("Date (UTC): the exchange time in UTC, as DD.MM.YYYY HH:MM:SS text or an Excel date.", None),
        ("Amounts: positive numbers with a dot as decimal separator; the column says the direction. "
         "Enter amounts as text to keep every digit (at most 18 decimal places).", None),
        ("Fee asset and amount are optional. Leave both empty when there is no fee.", None),
        ("Integration Name: empty, or the name of the integration you import into.", None),
        ("Importing the same file twice adds nothing. If any row is wrong, nothing is imported and every problem "
         "is listed with its row and column.", None),
        ("", None),
        ("Label", "Needs"),
        *((label, needs[kind]) for label, kind in LABELS.items()),
        ("", None),
        ("Example", None),
        (None, None),
    ]
    for number, (a, b) in enumerate(lines, start=1):
        sheet.cell(number, 1, a)
        if b is not None:
            sheet.cell(number, 2, b)
    sheet["A1"].font = Font(bold=True, size=14)
    start = len(lines)
    for column, title in enumerate(layout.HEADER, start=1):
        sheet.cell(start, column, title).font = Font(bold=True)
    for offset, example in enumerate(EXAMPLE, start=1):
        for column, value in enumerate(example, start=1):
            sheet.cell(start + offset, column, value.strftime(layout.DATE_FORMAT) if isinstance(value, datetime) else value)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 30
