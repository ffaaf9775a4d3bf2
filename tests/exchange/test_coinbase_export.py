"""Coinbase's transaction history CSV imported into a Coinbase integration (`pipelines import
coinbase-export`): rows the API already synced are left out, the rest book exactly, and a bad row
stops the whole file with its row and column named."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from pipelines.imitations.coinbase import CoinbaseImitation
from pipelines.interchange.csvfile import CsvImportError, import_file
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.exchange.conftest import FAST, amounts, mismatched, sync


@pytest.fixture
def coinbase():
    with CoinbaseImitation(seed=5) as server:
        yield server


def add(warehouse, account, server, name="Coinbase") -> str:
    with connect(warehouse) as con:
        return add_integration(con, account, name, "exchange", "coinbase", settings={"api_origin": server.url, **FAST},
                               credentials=server.credentials["hmac"])


def imported(warehouse, integration, path) -> int:
    with connect(warehouse) as con:
        return import_file(con, "coinbase-export", integration, path).imported


def test_an_export_of_the_synced_history_adds_nothing(warehouse, account, coinbase, tmp_path):
    integration = add(warehouse, account, coinbase)
    sync(warehouse, integration, full=True)
    before = amounts(warehouse, "marts.calculated_balances", integration)
    assert imported(warehouse, integration, coinbase.export_csv(tmp_path / "export.csv")) == 0
    sync(warehouse, integration)
    assert amounts(warehouse, "marts.calculated_balances", integration) == before == coinbase.true_balances()
    assert mismatched(warehouse, integration) == set()


def test_the_export_books_the_history_the_api_no_longer_serves(warehouse, account, coinbase, tmp_path):
    coinbase.history_gone = True
    integration = add(warehouse, account, coinbase)
    sync(warehouse, integration, full=True)
    assert mismatched(warehouse, integration) == set(coinbase.true_balances()), "synced balances, no history"
    path = coinbase.export_csv(tmp_path / "export.csv")
    with path.open() as handle:
        rows = sum(1 for _ in handle) - 1
    assert imported(warehouse, integration, path) == rows
    assert imported(warehouse, integration, path) == 0  # re-importing adds nothing
    sync(warehouse, integration)
    assert amounts(warehouse, "marts.calculated_balances", integration) == coinbase.true_balances()
    assert mismatched(warehouse, integration) == set()
    with connect(warehouse) as con:
        labels = dict(con.execute("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1",
                                  [integration]).fetchall())
    assert labels["Trade"] == 5 + 1 + 1 + 5  # buys, sell, conversion, one row per Advanced Trade fill


def test_a_bad_cell_names_its_row_and_column_and_nothing_is_imported(warehouse, account, coinbase, tmp_path):
    integration = add(warehouse, account, coinbase)
    path = coinbase.export_csv(tmp_path / "export.csv")
    lines = list(csv.reader(path.open()))
    lines[7][4] = "1.2.3"
    lines[9][2] = "Mystery Bonus"
    buy = next(n for n, line in enumerate(lines) if line[2] == "Buy")
    lines[buy][7] = ""
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(lines)
    with pytest.raises(CsvImportError) as error:
        imported(warehouse, integration, path)
    message = str(error.value)
    assert "3 problem(s), nothing imported" in message
    assert f"row {buy + 1}, Subtotal: missing" in message
    assert "row 8" in message and "Quantity Transacted" in message and "'1.2.3' is not an amount" in message
    assert "row 10" in message and "Transaction Type" in message and "'Mystery Bonus'" in message
    with connect(warehouse) as con:
        assert con.execute("SELECT count(*) FROM app.manual_transactions WHERE integration_id = ?",
                           [integration]).fetchone() == (0,)


def test_money_cells_of_real_exports_are_exact():
    from pipelines.interchange.coinbase_export import money

    problems: list = []
    cells = ["€3343.11229989", "-€597.49846", "$70.00", "€1,234.5", "0.000037835729", "-0.180914809326", ""]
    assert [money(c, 2, "Subtotal", problems) for c in cells] == [
        Decimal("3343.11229989"), Decimal("-597.49846"), Decimal("70.00"), Decimal("1234.5"),
        Decimal("0.000037835729"), Decimal("-0.180914809326"), None]
    assert problems == []
