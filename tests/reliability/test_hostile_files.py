"""Hostile workbooks: the importer never crashes with a traceback, never imports part of a file,
and names the row and column of the problems it finds (property-based, hypothesis)."""

from __future__ import annotations

import re
import shutil
import tracemalloc
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
from tests.helpers import fill_template

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


def rewrite_sheet(path: Path, change) -> Path:
    """Rewrite the Transactions sheet's XML inside the workbook (this openpyxl writes strings inline)."""
    target = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[target] = change(parts[target])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


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
        if case == "corrupt_xml":
            rewrite_sheet(path, lambda xml: xml[: len(xml) // 2])
        else:
            rewrite_sheet(path, lambda xml: xml.replace(b"Paper-NAME", b"Paper-\xff\xfe-NAME"))
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


def deposits(count: int) -> list[tuple]:
    start = datetime(2024, 1, 1)
    return [((start + timedelta(minutes=i)).strftime(layout.DATE_FORMAT), None, "Deposit", None, None, "BTC",
             f"0.{i + 1:08d}", None, None, None, None) for i in range(count)]


def test_a_sheet_whose_dimension_understates_its_rows_imports_every_row(warehouse, paper, tmp_path, cli):
    """The sheet's `<dimension>` says it ends at row 500 while it holds 1,000 transactions: the
    read-only reader trusted it and imported 496 rows with exit 0."""
    path = fill_template(tmp_path / "understated.xlsx", deposits(1000))
    last_row = layout.HEADER_ROW + 1000
    rewrite_sheet(path, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:K500"', xml, count=1))
    with zipfile.ZipFile(path) as archive:
        assert b'<dimension ref="A1:K500"' in archive.read("xl/worksheets/sheet1.xml")
        assert f'r="A{last_row}"'.encode() in archive.read("xl/worksheets/sheet1.xml")
    result = cli("import", "excel", paper, str(path))
    assert result.code == 0, result
    assert "1000 rows, 1000 imported" in result.out
    assert stored(warehouse) == 1000


@pytest.mark.parametrize("case", ["repeated_row", "backward_row", "repeated_cell"])
def test_rows_or_cells_a_reader_would_skip_reject_the_file(warehouse, paper, tmp_path, case):
    """A row number that repeats or goes back, or a cell that repeats in its row, is skipped or
    overwritten by the reader: the file is rejected whole instead of imported in part."""
    path = fill_template(tmp_path / f"{case}.xlsx", deposits(3))
    first, second = layout.HEADER_ROW + 1, layout.HEADER_ROW + 2
    if case == "repeated_row":
        change = lambda xml: xml.replace(f'<row r="{second}"'.encode(), f'<row r="{first}"'.encode())  # noqa: E731
    elif case == "backward_row":
        change = lambda xml: xml.replace(f'<row r="{second}"'.encode(), b'<row r="2"')  # noqa: E731
    else:
        cell = f'<c r="G{first}"'.encode()
        change = lambda xml: xml.replace(cell, cell + b' t="inlineStr"><is><t>7</t></is></c>' + cell)  # noqa: E731
    rewrite_sheet(path, change)
    error = attempt(warehouse, paper, path)
    assert isinstance(error, ExcelImportError), error
    assert [p.column for p in error.problems] == ["sheet"]
    assert stored(warehouse) == 0


def build_bomb(template: Path, path: Path, bloated: str) -> Path:
    """The real template with 1 GiB of whitespace after the XML of part `bloated`: about 4.5 MiB on
    disk (deflate at level 1, for speed), a valid workbook once expanded."""
    with zipfile.ZipFile(template) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    blank = b" " * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, data in parts.items():
            with out.open(name, "w") as part:
                part.write(data)
                for _ in range(1024 if name == bloated else 0):
                    part.write(blank)
    return path


@pytest.fixture(scope="module")
def bomb(base_template, tmp_path_factory) -> Path:
    return build_bomb(base_template, tmp_path_factory.mktemp("bomb") / "bomb.xlsx", "xl/worksheets/sheet1.xml")


@pytest.fixture(scope="module")
def styles_bomb(base_template, tmp_path_factory) -> Path:
    """The styles part is read whole by openpyxl, and zipfile's whole read expands all of a part's
    stream before cutting it to the declared size."""
    return build_bomb(base_template, tmp_path_factory.mktemp("bomb") / "styles-bomb.xlsx", "xl/styles.xml")


def declare_size(path: Path, part: str, size: int) -> Path:
    """The same archive with `part`'s uncompressed size in the central directory set to `size`."""
    data = bytearray(path.read_bytes())
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(part.encode()))  # the central directory's entry
    data[entry + 24:entry + 28] = size.to_bytes(4, "little")  # its uncompressed size field
    out = path.with_name(f"declared-{size}-{path.name}")
    out.write_bytes(bytes(data))
    return out


def peak_memory_of(run) -> tuple[object, int]:
    tracemalloc.start()
    try:
        return run(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_zip_bomb_is_refused_before_it_expands(warehouse, paper, bomb):
    """1 GiB of sheet in a few MiB: refused from the archive's declared sizes with the limit named,
    while at most 64 MiB were ever allocated (the old reader read the whole expanded sheet)."""
    assert bomb.stat().st_size < 8 * 1024 * 1024
    error, peak = peak_memory_of(lambda: attempt(warehouse, paper, bomb))
    assert isinstance(error, UserError) and not isinstance(error, ExcelImportError), error
    assert peak < 64 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"
    assert "at most 100 times" in str(error) and "xl/worksheets/sheet1.xml" in str(error), error
    assert stored(warehouse) == 0


def test_a_bomb_that_understates_its_size_is_refused_without_expanding(warehouse, paper, styles_bomb):
    """Declared sizes are the attacker's: a part declaring 64 KiB whose stream holds 1 GiB is refused
    after expanding at most a chunk past 64 KiB (the old reader expanded all of it in memory)."""
    lying = declare_size(styles_bomb, "xl/styles.xml", 64 * 1024)
    with zipfile.ZipFile(lying) as archive:
        assert archive.getinfo("xl/styles.xml").file_size == 64 * 1024
    error, peak = peak_memory_of(lambda: attempt(warehouse, paper, lying))
    assert isinstance(error, UserError) and not isinstance(error, ExcelImportError), error
    assert peak < 64 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"
    assert "xl/styles.xml holds more than the 65536 bytes it declares" in str(error), error
    assert stored(warehouse) == 0
