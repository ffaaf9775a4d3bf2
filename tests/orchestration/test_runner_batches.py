"""The CLI's in-process sync puts neighbouring integrations into one run (runner.py): one run per
range of the partitions' order, every integration's outcome its own, a failing source failing alone."""

from __future__ import annotations

import dagster as dg

from pipelines.assets.partitions import INTEGRATIONS
from pipelines.orchestration.runs import run_ranges
from pipelines.runner import sync
from pipelines.warehouse import connect
from tests.exchange.conftest import account, exchange, imitation  # noqa: F401 (fixtures)


def test_run_ranges_follow_the_partitions_order_and_the_batch_size():
    keys = ["a", "b", "c", "d", "e", "f"]
    assert run_ranges(["e", "a", "b", "d"], keys, 50) == [["a", "b"], ["d", "e"]]
    assert run_ranges(["f"], keys, 50) == [["f"]]
    assert run_ranges([], keys, 50) == []
    assert run_ranges(["a", "c", "e"], keys, 50) == [["a"], ["c"], ["e"]]
    assert run_ranges(keys, keys, 4) == [["a", "b", "c", "d"], ["e", "f"]]


def test_one_run_for_neighbours_and_a_rejected_key_fails_alone(warehouse, exchange, imitation):
    good = exchange("binance", "Main")
    other = exchange("kraken", "Second")
    bad = exchange("binance", "Broken", credentials={"apiKey": "0" * 64, "secret": "1" * 64})
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(INTEGRATIONS, [good, bad, other])
    seen = []
    outcomes = {o.integration_id: o for o in sync([other, good, bad], dagster_instance=instance, on_done=seen.append)}
    assert len({o.run_id for o in outcomes.values()}) == 1, "three neighbours: one run"
    assert outcomes[good].success and outcomes[other].success and outcomes[good].error is None
    assert not outcomes[bad].success and "rejected the API key" in outcomes[bad].error
    assert [o.integration_id for o in seen] == [good, bad, other]
    with connect(warehouse) as con:
        built = {i for (i,) in con.execute("SELECT DISTINCT integration_id FROM marts.balance_reconciliation").fetchall()}
    assert built == {good, other}
