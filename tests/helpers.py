"""Small helpers shared by tests: table snapshots and filled-in templates."""

from __future__ import annotations

from pathlib import Path

REGISTRY_TABLES = ("app.accounts", "app.licenses", "app.integrations", "app.manual_transactions", "app.sync_state")


def snapshot(path, tables=REGISTRY_TABLES) -> dict[str, list]:
    """Every row of the given tables, sorted, to compare before and after an operation."""
    from pipelines.warehouse import connect

    with connect(path) as con:
        return {t: sorted(map(repr, con.execute(f"FROM {t}").fetchall())) for t in tables}


def fill_template(path: Path, rows: list[tuple], template: bool = True) -> Path:
    """Write the real template and fill `rows` (values in header order) from the first data row."""
    import openpyxl

    from pipelines.manual import layout
    from pipelines.manual.template import write_template

    write_template(path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[layout.SHEET]
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            sheet.cell(layout.HEADER_ROW + 1 + offset, column, value)
    workbook.save(path)
    return path
