"""The benchmarks' synthetic history goes through the production sync path and balances to the truth.

Not a timing test: it keeps the generator honest (its rows must be what the Binance connector puts
in the sink, or normalization would book them differently from the generator's own balances).
"""

from __future__ import annotations

from decimal import Decimal

from benchmarks.connector import SyntheticBinance, register, sync
from benchmarks.history import BinanceHistory
from pipelines.warehouse import connect


def _table(warehouse, query: str, integration_id: str) -> dict:
    with connect(warehouse) as con:
        return dict(con.execute(query, [integration_id]).fetchall())


def test_generated_history_normalizes_to_the_generators_true_balances(warehouse):
    with connect(warehouse) as con:
        register(con, ["bench-smoke"])
    history = BinanceHistory(seed=7)
    full = SyntheticBinance(history, 3000)
    sync(str(warehouse), "bench-smoke", full, full=True)
    truth = history.balances()
    assert len(truth) >= 10 and any(v < 1 for v in truth.values())  # many assets, fractional amounts
    assert _table(warehouse, "SELECT asset_id, amount FROM marts.calculated_balances WHERE integration_id = ?",
                  "bench-smoke") == truth

    labels = _table(warehouse, "SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1",
                    "bench-smoke")
    assert labels == {"Trade": history.counts["trades"], "Deposit": history.counts["deposits"],
                      "Withdrawal": history.counts["withdrawals"]}
    assert min(labels.values()) > 50
    fees = _table(warehouse, "SELECT fee_asset, count(*) FROM core.transactions WHERE integration_id = ? "
                  "AND label = 'Trade' AND fee_asset NOT IN (incoming_asset, outgoing_asset) GROUP BY 1", "bench-smoke")
    assert set(fees) == {"BNB"} and fees["BNB"] > 50  # fees in a third asset

    # An incremental sync of new activity adds exactly its records and still balances.
    more = SyntheticBinance(history, 300)
    sync(str(warehouse), "bench-smoke", more, full=False)
    assert sum(more.fetched.get(s, 0) for s in ("trades", "deposits", "withdrawals")) == 300
    assert _table(warehouse, "SELECT asset_id, amount FROM marts.calculated_balances WHERE integration_id = ?",
                  "bench-smoke") == history.balances() != truth
    statuses = _table(warehouse, "SELECT status, count(*) FROM marts.balance_reconciliation WHERE integration_id = ? "
                      "GROUP BY 1", "bench-smoke")
    assert set(statuses) == {"match"}


def test_generator_is_seeded():
    def rows(seed):
        return list(BinanceHistory(seed=seed).rows(200))

    assert rows(3) == rows(3) != rows(4)
    history = BinanceHistory(seed=3)
    list(history.rows(500))
    assert all(isinstance(v, Decimal) and v > 0 for v in history.balances().values())  # nothing went negative
