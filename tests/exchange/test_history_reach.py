"""An API that answers history only so far back (`ExchangeReader.history_days`): a full sync reads
from that day on, records it, and the reconciliation names the unreachable history instead of
guessing. Kraken (whose API reaches back to its launch) stands in for such an exchange here."""

from __future__ import annotations

import json

from pipelines.connectors.exchange.kraken import KrakenReader
from pipelines.warehouse import connect
from tests.exchange.conftest import mismatched, sync


def test_a_full_sync_stops_at_the_api_reach_and_the_tip_names_it(warehouse, imitation, exchange, monkeypatch):
    monkeypatch.setattr(KrakenReader, "history_days", 200)  # half the seeded history
    integration = exchange("kraken")
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        (reach,) = con.execute("SELECT source_id FROM raw.records WHERE integration_id = ? AND stream = 'api_reach'",
                               [integration]).fetchone()
        (earliest,) = con.execute("SELECT min(occurred_at)::DATE::VARCHAR FROM raw.records "
                                  "WHERE integration_id = ? AND stream = 'ledger'", [integration]).fetchone()
        tips = con.execute("SELECT asset, tips FROM marts.balance_reconciliation WHERE integration_id = ? "
                           "AND status <> 'match'", [integration]).fetchall()
    assert earliest >= reach
    assert mismatched(warehouse, integration), "the history before the reach is missing"
    for asset, text in tips:
        codes = [t["code"] for t in json.loads(text)]
        assert codes[0] == "history_unreachable", (asset, codes)
        assert f"History before {reach} is not available from the Kraken API" in json.loads(text)[0]["tip"]


def test_an_api_that_reaches_back_far_enough_records_nothing(warehouse, imitation, exchange):
    integration = exchange("kraken")
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        assert con.execute("SELECT count(*) FROM raw.records WHERE integration_id = ? AND stream = 'api_reach'",
                           [integration]).fetchone() == (0,)
    assert mismatched(warehouse, integration) == set()
