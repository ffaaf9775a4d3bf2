"""One big integration, in its own process: full sync, peak memory, 1 % incremental sync, a second full
sync, Arrow limit.

Run by `benchmarks.run` as `python -m benchmarks.big ROWS WAREHOUSE` so the peak resident memory
(`ru_maxrss`) belongs to the sync alone: it is read right after the full sync, before anything else
in this process allocates. Prints one JSON object.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from benchmarks.connector import SyntheticBinance, register, sync
from benchmarks.history import BinanceHistory

INTEGRATION = "bench-binance"
SEED = 20260101


def _source_free(timings: dict[str, float], connector: SyntheticBinance) -> dict[str, float]:
    """Timings without the generator's share (it stands in for the network)."""
    return {**timings, "extract": timings["extract"] - connector.source_s, "total": timings["total"] - connector.source_s}


def arrow_insert(warehouse: str, scratch: str, tables: tuple[str, ...]) -> tuple[float, int]:
    """Seconds to insert the integration's rows of `tables` from Arrow tables into an empty warehouse
    (best of two), and the row count. Of core.transactions and core.ledger_entries, this is the
    physical limit of the load (benchmark 1); of raw.records, what storing the raw records alone costs."""
    from pipelines.warehouse import connect, transaction

    with connect(warehouse) as con:
        arrow = {t: con.sql(f"SELECT * FROM {t} WHERE integration_id = ?", params=[INTEGRATION]).to_arrow_table()
                 for t in tables}
    best = float("inf")
    for attempt in range(2):
        path = f"{scratch}.limit{attempt}.duckdb"
        with connect(path) as con:
            started = time.perf_counter()
            with transaction(con):
                for name, table in arrow.items():
                    con.register("arrow_rows", table)
                    con.execute(f"INSERT INTO {name} SELECT * FROM arrow_rows")
                    con.unregister("arrow_rows")
            best = min(best, time.perf_counter() - started)
        for leftover in (path, f"{path}.wal"):
            Path(leftover).unlink(missing_ok=True)
    return best, sum(t.num_rows for t in arrow.values())


def _full_sync(rows: int, warehouse: str) -> tuple[dict[str, float], SyntheticBinance, BinanceHistory]:
    """A first sync of the seeded history's first `rows` records into a new warehouse: its timings
    without the generator's share, the connector (its own timings) and the history, to go on from."""
    from pipelines.warehouse import connect

    with connect(warehouse) as con:
        register(con, [INTEGRATION])
    history = BinanceHistory(seed=SEED)
    connector = SyntheticBinance(history, rows)
    return _source_free(sync(warehouse, INTEGRATION, connector, full=True), connector), connector, history


def main(rows: int, warehouse: str) -> dict:
    """The full sync (memory read right after it) and the 1 % sync after it in `warehouse`; then the
    same full sync again in a second file, whose rows are exactly the full sync's for the Arrow limit:
    benchmark 1 takes the better of the two loads, as the limit is the better of two inserts."""
    from pipelines.warehouse import connect

    timings, full, history = _full_sync(rows, warehouse)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    incremental = SyntheticBinance(history, rows // 100)
    increment = _source_free(sync(warehouse, INTEGRATION, incremental, full=False), incremental)
    with connect(warehouse) as con:
        calculated = dict(con.execute("SELECT asset_id, amount FROM marts.calculated_balances WHERE integration_id = ?",
                                      [INTEGRATION]).fetchall())
        transactions = con.execute("SELECT count(*) FROM core.transactions WHERE integration_id = ?",
                                   [INTEGRATION]).fetchone()[0]
    again_warehouse = f"{warehouse}.again.duckdb"
    again, again_connector, _ = _full_sync(rows, again_warehouse)
    limit_s, final_rows = arrow_insert(again_warehouse, warehouse, ("core.transactions", "core.ledger_entries"))
    raw_limit_s, _ = arrow_insert(again_warehouse, warehouse, ("raw.records",))
    return {
        "rows": rows, "incremental": increment, "peak_rss_mb": peak_mb,
        # the first is the full sync the 1 % sync follows (benchmark 3)
        "loads": [{"timings": t, "sink_s": c.sink_s, "serialize_s": c.serialize_s}
                  for t, c in ((timings, full), (again, again_connector))],
        "limit_s": limit_s, "final_rows": final_rows, "raw_limit_s": raw_limit_s,
        "transactions": transactions, "balances_true": calculated == history.balances(),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), sys.argv[2])))
