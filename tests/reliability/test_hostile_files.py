"""Hostile workbooks: the importer never crashes with a traceback, never imports part of a file,
and names the row and column of the problems it finds (property-based, hypothesis)."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.errors import UserError
from pipelines.labels import LABELS
from pipelines.manual import layout
from pipelines.manual.excel_import import ExcelImportError, import_excel
from pipelines.manual.template import write_template
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect

TEMPLATE_CACHE: dict[str, Path] = {}

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
amounts = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["1e-8", "1E+30", "-0", "-0.0", "0", "1,5", "1.000.000", " 12 ", "ten", "99999999999999999999.9",
                     "123456789012345678901", "0.0000000000000000001", "=1+2", "NaN", "inf"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.none(),
)
dates = st.one_of(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["31.12.2008 23:59:59", "03.01.2009 00:00:00", "29.02.2023 10:00:00", "01.01.2999 00:00:00", "yesterday", ""]),
    st.datetimes(min_value=datetime(2009, 1, 3), max_value=datetime(2030, 1, 1)).map(lambda d: d.strftime(layout.DATE_FORMAT)),
    text,
    st.none(),
)
labels = st.one_of(st.sampled_from(list(LABELS)), st.sampled_from(["trade", "TRADE", "Transfer", "Teleport", ""]), text)
assets = st.one_of(st.sampled_from(["BTC", "eth", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "US DOLLAR", ""]), text, st.none())
rows = st.lists(st.tuples(dates, st.sampled_from([None, "Paper", "Other"]), labels, assets, amounts, assets, amounts,
                          assets, amounts, st.one_of(text, st.none()), st.one_of(text, st.none())), min_size=0, max_size=8)


@pytest.fixture(scope="module")
def base_template(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("tpl") / "template.xlsx")


@pytest.fixture
def paper(warehouse):
    with connect(warehouse) as con:
        add_account(con, "alice", "UTC", "EUR")
        return add_integration(con, "alice", "Paper", "manual")


def stored(warehouse) -> int:
    with connect(warehouse) as con:
        return con.execute("SELECT count(*) FROM app.manual_transactions").fetchall()[0][0]


def attempt(warehouse, integration_id, path):
    """Import; any exception other than a UserError is a crash (a traceback for the user)."""
    before = stored(warehouse)
    with connect(warehouse) as con:
        try:
            result = import_excel(con, integration_id, path)
        except UserError as exc:
            error = exc
        else:
            error = None
    after = stored(warehouse)
    if error is not None:
        assert after == before, "a rejected file imported something"
    else:
        assert after - before == result.imported
    return error


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data_rows=rows, merge=st.booleans(), sheet_title=st.sampled_from([layout.SHEET, "Sheet1", "Daten"]))
def test_random_workbooks_never_crash_nor_import_part(warehouse, paper, base_template, tmp_path_factory, data_rows, merge, sheet_title):
    path = tmp_path_factory.mktemp("wb") / "upload.xlsx"
    shutil.copy(base_template, path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[layout.SHEET]
    sheet.title = sheet_title
    for offset, values in enumerate(data_rows):
        for column, value in enumerate(values, start=1):
            sheet.cell(layout.HEADER_ROW + 1 + offset, column, value)
    if merge and data_rows:
        sheet.merge_cells(start_row=layout.HEADER_ROW + 1, start_column=1, end_row=layout.HEADER_ROW + 1, end_column=3)
    workbook.save(path)
    error = attempt(warehouse, paper, path)
    if isinstance(error, ExcelImportError):
        first_data_row = layout.HEADER_ROW + 1
        for problem in error.problems:
            assert problem.column in set(layout.HEADER) | {"sheet", "header"}
            assert problem.row is None or problem.row >= first_data_row
        assert str(error.problems[0]) in str(error)
    if merge and data_rows:
        assert isinstance(error, ExcelImportError), "merged cells must be rejected"


@pytest.mark.parametrize("case", ["no_header_sheet", "empty_workbook", "corrupt_xml", "invalid_utf8", "not_zip", "csv_renamed"])
def test_broken_files_get_a_clear_error(warehouse, paper, base_template, tmp_path, case):
    path = tmp_path / f"{case}.xlsx"
    if case == "no_header_sheet":
        workbook = openpyxl.Workbook()
        workbook.active.title = "Wrong"
        workbook.active.append(["Date", "Amount"])
        workbook.save(path)
    elif case == "empty_workbook":
        openpyxl.Workbook().save(path)
    elif case in ("corrupt_xml", "invalid_utf8"):
        workbook = openpyxl.load_workbook(base_template)
        workbook[layout.SHEET].cell(5, 1, "02.01.2024 00:00:00")
        workbook[layout.SHEET].cell(5, 2, "Paper-NAME")
        workbook.save(path)
        with zipfile.ZipFile(path) as source:
            parts = {name: source.read(name) for name in source.namelist()}
        target = "xl/worksheets/sheet1.xml"  # the Transactions sheet; this openpyxl writes strings inline
        if case == "corrupt_xml":
            parts[target] = parts[target][: len(parts[target]) // 2]
        else:
            parts[target] = parts[target].replace(b"Paper-NAME", b"Paper-\xff\xfe-NAME")
        with zipfile.ZipFile(path, "w") as out:
            for name, data in parts.items():
                out.writestr(name, data)
    elif case == "not_zip":
        path.write_bytes(b"\x00\x01garbage" * 50)
    else:
        path.write_text("Date (UTC),Label\n02.01.2024 00:00:00,Deposit\n")
    error = attempt(warehouse, paper, path)
    assert isinstance(error, UserError)
    assert "\n" not in str(error) and path.name in str(error)


def write_big(path: Path, rows: int, last: tuple | None = None) -> Path:
    """A template-shaped upload of `rows` deposits (write-only mode: the fastest way to make one)."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(layout.SHEET)
    sheet.append(list(layout.HEADER))
    start = datetime(2024, 1, 1)
    for i in range(rows):
        when = (start + timedelta(minutes=i)).strftime(layout.DATE_FORMAT)
        sheet.append([when, None, "Deposit", None, None, "BTC", f"0.{i + 1:08d}", None, None, None, None])
    if last:
        sheet.append(list(last))
    workbook.save(path)
    return path


def test_hundred_thousand_rows_import_whole_or_not_at_all(warehouse, paper, tmp_path):
    assert attempt(warehouse, paper, write_big(tmp_path / "big.xlsx", 100_000)) is None
    assert stored(warehouse) == 100_000
    # The same file plus one new row with a bad amount: rejected whole, nothing more imported.
    bad_row = ("01.06.2024 00:00:00", None, "Deposit", None, None, "ETH", "0,5", None, None, None, None)
    error = attempt(warehouse, paper, write_big(tmp_path / "big-bad.xlsx", 100_000, bad_row))
    assert isinstance(error, ExcelImportError)
    assert [(p.row, p.column) for p in error.problems] == [(layout.HEADER_ROW + 100_001, layout.IN_AMOUNT)]
    assert stored(warehouse) == 100_000
