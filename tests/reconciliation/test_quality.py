"""The great-expectations suite on core.transactions: each expectation fails on a crafted bad row.

Rows the table itself refuses (NULL in a NOT NULL column, an amount beyond DECIMAL(38,18)) are
crafted in a DataFrame and validated through the pandas path; every other bad row is written to
the warehouse and caught by the SQL path the asset check uses.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from pipelines.reconciliation.quality import validate_transactions_pandas, validate_transactions_sql
from pipelines.warehouse import connect

NOW = datetime(2026, 1, 1)
GOOD = [
    ("t1", "i1", datetime(2024, 1, 1), "Deposit", "synced", None, None, None, "BTC", "BTC", Decimal("1.5"),
     None, None, None, "x1", None),
    ("t2", "i1", datetime(2024, 1, 2), "Trade", "manual", "BTC", "BTC", Decimal("0.5"), "EUR", "EUR", Decimal("20000"),
     "EUR", "EUR", Decimal("2.5"), None, "ok"),
    ("t3", "i2", datetime(2024, 1, 3), "Transfer", "synced", "ETH", "ethereum:ETH", Decimal("1"), None, None, None,
     "ETH", "ethereum:ETH", Decimal("0.001"), "0xab", None),
]
COLUMNS = ("tx_id", "integration_id", "occurred_at", "label", "origin", "outgoing_asset", "outgoing_asset_id",
           "outgoing_amount", "incoming_asset", "incoming_asset_id", "incoming_amount", "fee_asset", "fee_asset_id",
           "fee_amount", "external_id", "comment")

# (expectation that must fail, changes to a copy of GOOD[1], whether DuckDB's schema accepts the row)
CASES = [
    ("tx_id not null", {"tx_id": None}, False),
    ("integration_id not null", {"integration_id": None}, False),
    ("occurred_at not null", {"occurred_at": None}, False),
    ("label not null", {"label": None}, False),
    ("origin not null", {"origin": None}, False),
    ("tx_id unique", {"tx_id": "t1"}, True),
    ("label allowed", {"label": "Teleport"}, True),
    ("origin allowed", {"origin": "guessed"}, True),
    ("occurred_at between 2009-01-03 and now + 1 day", {"occurred_at": datetime(2009, 1, 2, 23, 59)}, True),
    ("occurred_at between 2009-01-03 and now + 1 day", {"occurred_at": NOW + timedelta(days=1, seconds=1)}, True),
    ("outgoing_amount positive and within DECIMAL(38,18)", {"outgoing_amount": Decimal("0")}, True),
    ("incoming_amount positive and within DECIMAL(38,18)", {"incoming_amount": Decimal("-3")}, True),
    ("fee_amount positive and within DECIMAL(38,18)", {"fee_amount": Decimal("1e20")}, False),
    ("outgoing_asset present where outgoing_amount is", {"outgoing_asset": None}, True),
    ("outgoing_asset_id present where outgoing_amount is", {"outgoing_asset_id": None}, True),
    ("outgoing_amount present where outgoing_asset is", {"outgoing_amount": None}, True),
    ("incoming_asset present where incoming_amount is", {"incoming_asset": None}, True),
    ("incoming_asset_id present where incoming_amount is", {"incoming_asset_id": None}, True),
    ("incoming_amount present where incoming_asset is", {"incoming_amount": None}, True),
    ("fee_asset present where fee_amount is", {"fee_asset": None}, True),
    ("fee_asset_id present where fee_amount is", {"fee_asset_id": None}, True),
    ("fee_amount present where fee_asset is", {"fee_amount": None}, True),
]


def _bad_row(changes: dict) -> tuple:
    row = dict(zip(COLUMNS, GOOD[1]))
    row.update(changes)
    if "tx_id" not in changes:
        row["tx_id"] = "bad"
    row["comment"] = "crafted"
    return tuple(row.values())


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("quality") / "warehouse.duckdb"
    with connect(path) as con:
        con.executemany(f"INSERT INTO core.transactions VALUES ({', '.join('?' * len(COLUMNS))})", GOOD)
    return str(path)


def _failed(outcomes) -> set[str]:
    return {o.name for o in outcomes if not o.success}


def test_good_rows_pass_in_sql_and_pandas(warehouse_file):
    import pandas as pd

    outcomes = validate_transactions_sql(warehouse_file, now=NOW)
    assert len(outcomes) == 21 and _failed(outcomes) == set()
    assert _failed(validate_transactions_pandas(pd.DataFrame(GOOD, columns=COLUMNS), now=NOW)) == set()


@pytest.mark.parametrize(("expectation", "changes", "in_sql"), CASES, ids=[f"{c[0]}:{list(c[1])}" for c in CASES])
def test_each_expectation_fails_on_a_crafted_bad_row(warehouse_file, expectation, changes, in_sql):
    bad = _bad_row(changes)
    if in_sql:
        with connect(warehouse_file) as con:
            con.execute(f"INSERT INTO core.transactions VALUES ({', '.join('?' * len(COLUMNS))})", bad)
        try:
            outcomes = validate_transactions_sql(warehouse_file, ["i1"], now=NOW)
        finally:
            with connect(warehouse_file) as con:
                con.execute("DELETE FROM core.transactions WHERE comment = 'crafted'")
    else:
        import pandas as pd

        outcomes = validate_transactions_pandas(pd.DataFrame([*GOOD, bad], columns=COLUMNS), now=NOW)
    failing = {o.name: o.unexpected for o in outcomes if not o.success}
    assert set(failing) == {expectation}
    assert failing[expectation] == (2 if expectation == "tx_id unique" else 1)  # unique counts both copies


def test_validation_waits_while_another_process_writes(warehouse_file):
    import subprocess
    import sys
    import threading
    import time

    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "sys.stdin.readline()", warehouse_file], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    result = {}
    try:
        assert holder.stdout.readline().strip() == "held"
        worker = threading.Thread(target=lambda: result.update(outcomes=validate_transactions_sql(warehouse_file, now=NOW)))
        worker.start()
        time.sleep(3)
        assert worker.is_alive()  # without the retry the read-only open fails at once
    finally:
        holder.communicate("release\n", timeout=30)
    worker.join(timeout=60)
    assert _failed(result["outcomes"]) == set()
