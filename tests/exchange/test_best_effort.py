"""`integrations show` says how an exchange is read: its own reader, or the generic one, best effort."""

from __future__ import annotations

from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect


def test_show_names_the_reader_and_best_effort_for_exchanges_without_their_own(warehouse, cli):
    with connect(warehouse) as con:
        add_account(con, "alice", "UTC", "EUR")
        add_integration(con, "alice", "Gate", "exchange", "gate", credentials={"apiKey": "k", "secret": "s"})
        add_integration(con, "alice", "OKX", "exchange", "okx",
                        credentials={"apiKey": "k", "secret": "s", "password": "p"})
        add_integration(con, "alice", "Kraken", "exchange", "kraken", credentials={"apiKey": "k", "secret": "cw=="})
        add_integration(con, "alice", "Cash", "manual")
    gate = cli("integrations", "show", "alice-gate").out
    assert "best effort: the generic ccxt reader" in gate and "fetchLedger" in gate
    assert "own reader for kraken" in cli("integrations", "show", "alice-kraken").out
    assert "own reader for okx" in cli("integrations", "show", "alice-okx").out
    assert "reader" not in cli("integrations", "show", "alice-cash").out
