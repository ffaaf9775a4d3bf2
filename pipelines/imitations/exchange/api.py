"""What every imitated exchange API shares: the request and response types, and the account whose
history it serves."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pipelines.imitations.exchange.faults import Fault, Faults
from pipelines.imitations.exchange.history import History, Simulator


@dataclass
class Request:
    method: str
    path: str
    query: str  # raw query string, as signed
    headers: dict[str, str]
    body: str
    now_ms: int


@dataclass
class Response:
    status: int
    body: Any  # JSON-able object, or text sent as is
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, str):
            return self.body.encode(), "text/html"
        return json.dumps(self.body).encode(), "application/json"


class Account:
    """The account an exchange imitation serves: credentials, a growing history, faults."""

    def __init__(self, simulator: Simulator, api_key: str, secret: str, faults: Faults) -> None:
        self.simulator = simulator
        self.api_key = api_key
        self.secret = secret
        self.faults = faults

    @property
    def history(self) -> History:
        return self.simulator.history

    def add_activity(self, trades: int = 5, deposits: int = 1, withdrawals: int = 1, earn: int = 1,
                     span_ms: int = 20 * 60_000, conversions: int = 0) -> None:
        """New events in at most the `span_ms` before now, ending 5 s ago so the next sync's cut-off
        covers them. They start after the last booked event: a span reaching past the end would put
        events in the future, which the balances count but no history shows yet (a real exchange
        never has them), so calls in quick succession share the time since the previous call."""
        events = trades + deposits + withdrawals + earn + conversions
        end_ms = int(time.time() * 1000) - 5_000
        start_ms = max(self.simulator.clock, end_ms - span_ms)
        if end_ms - start_ms < events:  # not one millisecond per event yet: wait for it
            time.sleep((events - (end_ms - start_ms)) / 1000)
            end_ms = start_ms + events
        self.simulator.clock = start_ms
        self.simulator.run(trades, deposits, withdrawals, earn, end_ms - start_ms, conversions)

    def true_balances(self) -> dict[str, Decimal]:
        return self.history.balances()


class ExchangeApi:
    """One exchange's REST API over an `Account`; subclasses answer requests and render faults."""

    name: str

    def __init__(self, account: Account) -> None:
        self.account = account

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def fault_response(self, fault: Fault, request: Request) -> Response:
        raise NotImplementedError
