"""The suite remembers the rows it passed: rows identical to them are not validated again, anything
else is (pipelines/reconciliation/quality_memory.py).

A sync with nothing new must not import great-expectations (4-9 s of a process); a changed, added,
doubled or removed row, a new suite, or an earlier failure must always reach GX.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from decimal import Decimal

import pytest

from pipelines.reconciliation import quality_memory
from pipelines.reconciliation.quality import validate_transactions_changed
from pipelines.warehouse import connect
from tests.reconciliation.test_quality import COLUMNS, GOOD

INSERT = f"INSERT INTO core.transactions VALUES ({', '.join('?' * len(COLUMNS))})"


@pytest.fixture
def warehouse_file(warehouse):
    with connect(warehouse) as con:
        con.executemany(INSERT, GOOD)
    return str(warehouse)


def _validated(monkeypatch) -> list[list[str]]:
    """Records which integrations each GX validation was asked for (the real validation still runs)."""
    from pipelines.reconciliation import quality

    calls: list[list[str]] = []
    real = quality.validate_transactions_sql

    def spy(warehouse, integration_ids=None, *args, **kwargs):
        calls.append(sorted(integration_ids))
        return real(warehouse, integration_ids, *args, **kwargs)

    monkeypatch.setattr(quality, "validate_transactions_sql", spy)
    return calls


def test_unchanged_rows_are_passed_on_memory_and_changed_ones_validated(warehouse_file, monkeypatch):
    calls = _validated(monkeypatch)
    outcomes, unchanged = validate_transactions_changed(warehouse_file, ["i1", "i2"])
    assert calls == [["i1", "i2"]] and unchanged == [] and all(o.success for o in outcomes)

    outcomes, unchanged = validate_transactions_changed(warehouse_file, ["i1", "i2"])
    assert calls == [["i1", "i2"]], "nothing changed: GX must not run"
    assert unchanged == ["i1", "i2"] and outcomes and all(o.success and o.unexpected == 0 for o in outcomes)
    assert {o.name for o in outcomes} >= {"tx_id unique", "label allowed"}

    with connect(warehouse_file) as con:  # a bad row in i2: i2 is validated again and fails, i1 is not
        con.execute("UPDATE core.transactions SET label = 'Teleport' WHERE tx_id = 't3'")
    outcomes, unchanged = validate_transactions_changed(warehouse_file, ["i1", "i2"])
    assert calls[-1] == ["i2"] and unchanged == ["i1"]
    assert {o.name for o in outcomes if not o.success} == {"label allowed"}

    outcomes, _ = validate_transactions_changed(warehouse_file, ["i1", "i2"])  # a failure is never remembered
    assert calls[-1] == ["i2"] and not all(o.success for o in outcomes)


@pytest.mark.parametrize("change", [
    "INSERT INTO core.transactions SELECT * REPLACE ('t1' AS tx_id) FROM core.transactions WHERE tx_id = 't2'",
    "UPDATE core.transactions SET incoming_amount = 1.500000000000000001 WHERE tx_id = 't1'",
    "DELETE FROM core.transactions WHERE tx_id = 't1'",
], ids=["doubled tx_id", "last digit", "removed row"])
def test_any_change_of_a_row_reaches_gx(warehouse_file, monkeypatch, change):
    calls = _validated(monkeypatch)
    validate_transactions_changed(warehouse_file, ["i1"])
    with connect(warehouse_file) as con:
        con.execute(change)
    outcomes, unchanged = validate_transactions_changed(warehouse_file, ["i1"])
    assert unchanged == [] and calls == [["i1"], ["i1"]]
    if change.startswith("INSERT"):
        assert {o.name for o in outcomes if not o.success} == {"tx_id unique"}


def test_a_new_suite_or_a_lost_memory_validates_again(warehouse_file, monkeypatch):
    calls = _validated(monkeypatch)
    validate_transactions_changed(warehouse_file, ["i1"])
    memory = quality_memory.memory_file(warehouse_file)
    assert json.loads(memory.read_text())["passed"].keys() == {"i1"}  # ids and hashes, no row data
    monkeypatch.setattr(quality_memory, "suite_version", lambda: "another suite")
    validate_transactions_changed(warehouse_file, ["i1"])
    assert len(calls) == 2
    memory.write_text("{not json")
    _, unchanged = validate_transactions_changed(warehouse_file, ["i1"])
    assert len(calls) == 3 and unchanged == []


def test_an_integration_without_rows_is_remembered_too(warehouse_file, monkeypatch):
    calls = _validated(monkeypatch)
    validate_transactions_changed(warehouse_file, ["empty"])
    _, unchanged = validate_transactions_changed(warehouse_file, ["empty"])
    assert unchanged == ["empty"] and len(calls) == 1
    with connect(warehouse_file) as con:
        con.execute(INSERT, ("e1", "empty", datetime(2024, 1, 1), "Deposit", "manual", None, None, None,
                             "BTC", "BTC", Decimal("1"), None, None, None, None, None))
    _, unchanged = validate_transactions_changed(warehouse_file, ["empty"])
    assert unchanged == [] and len(calls) == 2


SYNC_TWICE = """
import sys
from pipelines import runner
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.manual.entry import add_transaction
from pipelines.warehouse import connect
if sys.argv[1] == "first":
    with connect() as con:
        add_account(con, "alice", "UTC", "EUR")
        add_integration(con, "alice", "Paper", "manual", integration_id="alice-paper")
        add_transaction(con, "alice-paper", "2024-01-01 10:00", "Deposit", incoming="2 BTC")
[outcome] = runner.sync(["alice-paper"])
assert outcome.success, outcome
print("great_expectations" in sys.modules)
"""


def test_a_sync_with_nothing_new_never_imports_great_expectations(warehouse):
    """Two CLI-like syncs of one manual integration, each in a process of its own: the first runs
    the suite (imports GX), the second, with nothing new, passes on memory without importing it."""
    def run(which: str) -> str:
        done = subprocess.run([sys.executable, "-c", SYNC_TWICE, which], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1]

    assert run("first") == "True"
    assert run("again") == "False"
