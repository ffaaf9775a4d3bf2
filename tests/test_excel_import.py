"""The Excel template: round trip, exact amounts, all-or-nothing validation, idempotent re-import."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest

from pipelines.labels import LABELS
from pipelines.manual import layout
from pipelines.manual.excel_import import ExcelImportError, import_excel
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.runner import sync
from tests.helpers import fill_template, snapshot

#: The header row of Blockpit's manual import template v1.1, its first row.
BLOCKPIT_HEADER = ("Date (UTC)", "Integration Name", "Label", "Outgoing Asset", "Outgoing Amount", "Incoming Asset",
                   "Incoming Amount", "Fee Asset (optional)", "Fee Amount (optional)", "Comment (optional)",
                   "Trx. ID (optional)")

GOOD_ROWS = [
    ("02.01.2024 09:15:00", "Paper", "Deposit", None, None, "EUR", "10000", None, None, "bank transfer", None),
    (datetime(2024, 1, 3, 10, 0, 0), None, "Trade", "EUR", "4000.5", "BTC", "0.123456789012345678", "EUR", "4", None, "T-1"),
    ("04.01.2024 11:00:00", "paper", "trade", "BTC", 0.1, "ETH", "1.5", "BNB", "0.0005", None, "T-2"),
    ("05.01.2024 12:00:00", None, "Withdrawal", "ETH", "0.5", None, None, "ETH", "0.001", None, None),
    ("06.01.2024 00:00:00", None, "Staking", None, None, "ETH", "0.000000000000000001", None, None, None, None),
]


@pytest.fixture
def paper(con):
    add_account(con, "alice", "Europe/Vienna", "EUR")
    return add_integration(con, "alice", "Paper", "manual")


def balances(con, integration_id):
    return dict(con.execute(
        "SELECT asset_id, amount FROM marts.calculated_balances WHERE integration_id = ?", [integration_id]
    ).fetchall())


def test_template_layout(tmp_path):
    from pipelines.manual.template import write_template

    workbook = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    sheet = workbook[layout.SHEET]
    # Blockpit's template v1.1 starts with its header in row 1 and the label dropdown from C2.
    assert [c.value for c in sheet[1]] == list(BLOCKPIT_HEADER)
    (dropdown,) = sheet.data_validations.dataValidation
    assert dropdown.type == "list" and str(dropdown.sqref).startswith("C2:")
    listed = [workbook[layout.LABELS_SHEET].cell(r, 1).value for r in range(1, len(LABELS) + 1)]
    assert listed == list(LABELS)
    assert layout.INSTRUCTIONS_SHEET in workbook.sheetnames
    assert "Blockpit template v1.1" in workbook[layout.INSTRUCTIONS_SHEET].cell(2, 1).value


def test_file_in_the_earlier_layout_still_imports(con, paper, tmp_path):
    """Earlier versions wrote three sentences above the header (row 4); such files stay readable."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = layout.SHEET
    for number, text in enumerate(("Manual transactions import template", "Dates are UTC.", "One per row."), 1):
        sheet.cell(number, 1, text)
    for column, title in enumerate(BLOCKPIT_HEADER, start=1):
        sheet.cell(4, column, title)
    for offset, values in enumerate(GOOD_ROWS[:2]):
        for column, value in enumerate(values, start=1):
            sheet.cell(5 + offset, column, value)
    workbook.save(tmp_path / "old.xlsx")
    assert import_excel(con, paper, tmp_path / "old.xlsx").imported == 2


@pytest.mark.parametrize("fee_columns", ["outgoing", "fee"])
def test_fee_row_books_its_amount_in_either_columns(con, paper, tmp_path, fee_columns):
    """Blockpit books a Fee's amount in the Outgoing columns; the template's own rows in the Fee ones."""
    amount = ("BTC", "0.0002")
    legs = (*amount, None, None, None, None) if fee_columns == "outgoing" else (None, None, None, None, *amount)
    path = fill_template(tmp_path / "fee.xlsx", [("07.01.2024 00:00:00", None, "Fee", *legs, None, None)])
    assert import_excel(con, paper, path).imported == 1
    stored = con.execute("SELECT outgoing_asset, outgoing_amount, fee_asset, fee_amount "
                         "FROM app.manual_transactions WHERE integration_id = ?", [paper]).fetchall()
    assert stored == [(None, None, "BTC", Decimal("0.0002"))]


def test_round_trip_to_balances(con, paper, tmp_path):
    path = fill_template(tmp_path / "paper.xlsx", GOOD_ROWS)
    result = import_excel(con, paper, path)
    assert (result.rows, result.imported, result.skipped) == (5, 5, 0)
    con.close()
    (outcome,) = sync([paper])
    assert outcome.success, outcome.error
    from pipelines.warehouse import connect

    with connect() as c:
        assert balances(c, paper) == {
            "EUR": Decimal("10000") - Decimal("4000.5") - Decimal("4"),
            "BTC": Decimal("0.123456789012345678") - Decimal("0.1"),
            "ETH": Decimal("1.5") - Decimal("0.5") - Decimal("0.001") + Decimal("0.000000000000000001"),
            "BNB": Decimal("-0.0005"),
        }
        status = c.execute("SELECT DISTINCT status FROM marts.balance_reconciliation WHERE integration_id = ?", [paper]).fetchall()
        assert status == [("match",)]
        times = c.execute("SELECT min(occurred_at), max(occurred_at) FROM core.transactions WHERE integration_id = ?", [paper]).fetchall()
        assert times == [(datetime(2024, 1, 2, 9, 15), datetime(2024, 1, 6, 0, 0))]  # UTC as written, no shift


def test_reimport_adds_nothing_but_identical_rows_in_one_file_stay_two(con, paper, tmp_path):
    twin = ("07.01.2024 08:00:00", None, "Deposit", None, None, "BTC", "1", None, None, None, None)
    path = fill_template(tmp_path / "p.xlsx", [*GOOD_ROWS, twin, twin])
    assert import_excel(con, paper, path).imported == 7
    again = import_excel(con, paper, path)
    assert (again.imported, again.skipped) == (0, 7)
    assert con.execute("SELECT count(*) FROM app.manual_transactions").fetchall() == [(7,)]


def test_every_bad_row_is_reported_and_nothing_imported(con, paper, tmp_path, warehouse):
    bad = [
        GOOD_ROWS[0],
        ("31.02.2024 10:00:00", None, "Deposit", None, None, "BTC", "1", None, None, None, None),     # row 3: bad date
        ("01.03.2024 10:00:00", None, "Teleport", None, None, "BTC", "1", None, None, None, None),    # row 4: label
        ("01.03.2024 10:00:00", None, "Trade", "EUR", "100", "BTC", None, None, None, None, None),    # row 5: no amount
        ("01.03.2024 10:00:00", None, "Deposit", None, None, "BTC", "-1", None, None, None, None),    # row 6: negative
        ("01.03.2024 10:00:00", None, "Deposit", None, None, "BTC", "ten", None, None, None, None),   # row 7: text
        ("01.03.2024 10:00:00", None, "Deposit", None, None, None, "5", None, None, None, None),      # row 8: no asset
        ("01.03.2008 10:00:00", None, "Deposit", None, None, "BTC", "1", None, None, None, None),     # row 9: too early
        ("01.03.2024 10:00:00", "Other Integration", "Deposit", None, None, "BTC", "1", None, None, None, None),  # 10
        ("01.03.2024 10:00:00", None, "Withdrawal", None, None, "BTC", "1", None, None, None, None),  # row 11: wrong side
        ("01.03.2024 10:00:00", None, "Deposit", None, None, "BTC", "1.0000000000000000001", None, None, None, None),  # 12
    ]
    path = fill_template(tmp_path / "bad.xlsx", bad)
    con.close()
    before = snapshot(warehouse)
    from pipelines.warehouse import connect

    with connect() as c, pytest.raises(ExcelImportError) as info:
        import_excel(c, paper, path)
    found = {(p.row, p.column) for p in info.value.problems}
    assert found == {
        (3, layout.DATE), (4, layout.LABEL), (5, layout.IN_AMOUNT), (6, layout.IN_AMOUNT), (7, layout.IN_AMOUNT),
        (8, layout.IN_ASSET), (9, layout.DATE), (10, layout.INTEGRATION),
        (11, layout.OUT_AMOUNT), (11, layout.IN_ASSET), (12, layout.IN_AMOUNT),
    }
    reasons = {(p.row, p.column): p.reason for p in info.value.problems}
    assert "unknown label 'Teleport'" in reasons[(4, layout.LABEL)]
    assert "negative" in reasons[(6, layout.IN_AMOUNT)]
    assert "more than 18 decimal places" in reasons[(12, layout.IN_AMOUNT)]
    assert "row 4, Label: unknown label" in str(info.value)
    assert snapshot(warehouse) == before


def test_cli_import_reports_and_exit_code(cli, tmp_path):
    cli("accounts", "add", "bob", "--timezone", "UTC")
    cli("integrations", "add", "bob", "Paper", "--kind", "manual")
    good = fill_template(tmp_path / "good.xlsx", GOOD_ROWS)
    result = cli("import", "excel", "bob-paper", str(good))
    assert result.code == 0 and "5 rows, 5 imported, 0 already present" in result.out
    bad = fill_template(tmp_path / "bad.xlsx", [("x", None, "Deposit", None, None, "BTC", "1", None, None, None, None)])
    result = cli("import", "excel", "bob-paper", str(bad))
    assert result.code == 2 and "row 2, Date (UTC)" in result.err and "nothing imported" in result.err
    missing = cli("import", "excel", "bob-paper", str(tmp_path / "nope.xlsx"))
    assert missing.code == 2 and "no such file" in missing.err


def test_not_a_workbook_and_wrong_header(con, paper, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"this is not a zip file")
    with pytest.raises(Exception, match="is not a readable Excel .xlsx workbook"):
        import_excel(con, paper, junk)
    other = tmp_path / "other.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Datum", "Betrag"])
    workbook.save(other)
    with pytest.raises(ExcelImportError, match="no sheet has the template header"):
        import_excel(con, paper, other)


def test_formulas_are_rejected(con, paper, tmp_path):
    path = fill_template(tmp_path / "f.xlsx", [("02.01.2024 09:15:00", None, "Deposit", None, None, "EUR", "=1+1", None, None, None, None)])
    with pytest.raises(ExcelImportError) as info:
        import_excel(con, paper, path)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, layout.IN_AMOUNT)]
