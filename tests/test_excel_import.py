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
    assert [c.value for c in sheet[layout.HEADER_ROW]] == list(layout.HEADER)
    assert all(sheet.cell(r, 1).value for r in range(1, layout.HEADER_ROW))  # three preamble rows
    (dropdown,) = sheet.data_validations.dataValidation
    assert dropdown.type == "list" and "C5" in str(dropdown.sqref)
    listed = [workbook[layout.LABELS_SHEET].cell(r, 1).value for r in range(1, len(LABELS) + 1)]
    assert listed == list(LABELS)
    assert layout.INSTRUCTIONS_SHEET in workbook.sheetnames


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
        ("31.02.2024 10:00:00", None, "Deposit", None, None, "BTC", "1", None, None, None, None),     # row 6: bad date
        ("01.03.2024 10:00:00", None, "Teleport", None, None, "BTC", "1", None, None, None, None),    # row 7: label
        ("01.03.2024 10:00:00", None, "Trade", "EUR", "100", "BTC", None, None, None, None, None),    # row 8: no amount
        ("01.03.2024 10:00:00", None, "Deposit", None, None, "BTC", "-1", None, None, None, None),    # row 9: negative
        ("01.03.2024 10:00:00", None, "Deposit", None, None, "BTC", "ten", None, None, None, None),   # row 10: text
        ("01.03.2024 10:00:00", None, "Deposit", None, None, None, "5", None, None, None, None),      # row 11: no asset
        ("01.03.2008 10:00:00", None, "Deposit", None, None, "BTC", "1", None, None, None, None),     # row 12: too early
        ("01.03.2024 10:00:00", "Other Integration", "Deposit", None, None, "BTC", "1", None, None, None, None),  # 13
        ("01.03.2024 10:00:00", None, "Withdrawal", None, None, "BTC", "1", None, None, None, None),  # row 14: wrong side
        ("01.03.2024 10:00:00", None, "Deposit", None, None, "BTC", "1.0000000000000000001", None, None, None, None),  # 15
    ]
    path = fill_template(tmp_path / "bad.xlsx", bad)
    con.close()
    before = snapshot(warehouse)
    from pipelines.warehouse import connect

    with connect() as c, pytest.raises(ExcelImportError) as info:
        import_excel(c, paper, path)
    found = {(p.row, p.column) for p in info.value.problems}
    assert found == {
        (6, layout.DATE), (7, layout.LABEL), (8, layout.IN_AMOUNT), (9, layout.IN_AMOUNT), (10, layout.IN_AMOUNT),
        (11, layout.IN_ASSET), (12, layout.DATE), (13, layout.INTEGRATION),
        (14, layout.OUT_AMOUNT), (14, layout.IN_ASSET), (15, layout.IN_AMOUNT),
    }
    reasons = {(p.row, p.column): p.reason for p in info.value.problems}
    assert "unknown label 'Teleport'" in reasons[(7, layout.LABEL)]
    assert "negative" in reasons[(9, layout.IN_AMOUNT)]
    assert "more than 18 decimal places" in reasons[(15, layout.IN_AMOUNT)]
    assert "row 7, Label: unknown label" in str(info.value)
    assert snapshot(warehouse) == before


def test_cli_import_reports_and_exit_code(cli, tmp_path):
    cli("accounts", "add", "bob", "--timezone", "UTC")
    cli("integrations", "add", "bob", "Paper", "--kind", "manual")
    good = fill_template(tmp_path / "good.xlsx", GOOD_ROWS)
    result = cli("import", "excel", "bob-paper", str(good))
    assert result.code == 0 and "5 rows, 5 imported, 0 already present" in result.out
    bad = fill_template(tmp_path / "bad.xlsx", [("x", None, "Deposit", None, None, "BTC", "1", None, None, None, None)])
    result = cli("import", "excel", "bob-paper", str(bad))
    assert result.code == 2 and "row 5, Date (UTC)" in result.err and "nothing imported" in result.err
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
    assert [(p.row, p.column) for p in info.value.problems] == [(5, layout.IN_AMOUNT)]
