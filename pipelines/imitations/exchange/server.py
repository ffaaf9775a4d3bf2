"""The exchange imitation: one HTTP server on 127.0.0.1 serving Binance and Kraken accounts.

Binance paths (`/api/...`, `/sapi/...`) and Kraken paths (`/0/...`) do not overlap, so one server
on one free port serves both; a connector reaches it by rewriting its API origin. Every request
is counted per exchange and path (tests assert how many calls a sync made), then faults are
applied, then the exchange module answers.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from pipelines.imitations.exchange import binance, kraken
from pipelines.imitations.exchange.api import Account, ExchangeApi, Request, Response
from pipelines.imitations.exchange.faults import Faults
from pipelines.imitations.exchange.history import DAY_MS, Simulator

#: Default size of the seeded histories: enough for Binance's 1000-row and Kraken's 50-row pages.
BINANCE_EVENTS = {"trades": 2400, "deposits": 12, "withdrawals": 10, "earn": 3}
KRAKEN_EVENTS = {"trades": 160, "deposits": 10, "withdrawals": 8, "earn": 30, "conversions": 6}
#: Histories start this many days before today (UTC midnight) and end three weeks before it, so
#: new activity still lies in the past and an incremental sync needs one 90-day window.
HISTORY_DAYS = 400
HISTORY_SPAN_DAYS = 380


def credentials_for(exchange: str, seed: int) -> dict[str, str]:
    """Deterministic API credentials in each exchange's format (Kraken's secret is base64)."""
    digest = hashlib.sha512(f"{exchange}:{seed}".encode()).digest()
    if exchange == "kraken":
        return {"apiKey": base64.b64encode(digest[:42]).decode(), "secret": base64.b64encode(digest).decode()}
    return {"apiKey": digest[:32].hex(), "secret": digest[32:].hex()}


class ExchangeImitation:
    """Start with `start()` (or as a context manager); `url` is the origin to point connectors at."""

    def __init__(self, seed: int = 7, *, binance_events: dict | None = None, kraken_events: dict | None = None,
                 binance_weight_limit: int = 6000, weight_window_s: float = 60.0,
                 kraken_counter_max: float = 20.0, kraken_decay_per_s: float = 0.33, port: int = 0) -> None:
        self.faults = Faults()
        self.requests: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        today = int(time.time() * 1000) // DAY_MS * DAY_MS
        start, span = today - HISTORY_DAYS * DAY_MS, HISTORY_SPAN_DAYS * DAY_MS
        self.binance = self._account("binance", binance.PROFILE, seed, start, span, binance_events or BINANCE_EVENTS)
        self.kraken = self._account("kraken", kraken.PROFILE, seed + 1, start, span, kraken_events or KRAKEN_EVENTS)
        self.apis: dict[str, ExchangeApi] = {
            "binance": binance.BinanceApi(self.binance, weight_limit=binance_weight_limit, weight_window_s=weight_window_s),
            "kraken": kraken.KrakenApi(self.kraken, counter_max=kraken_counter_max, decay_per_s=kraken_decay_per_s),
        }
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def _account(self, exchange: str, profile, seed: int, start: int, span: int, events: dict) -> Account:
        simulator = Simulator(profile, seed, start)
        simulator.run(events["trades"], events["deposits"], events["withdrawals"], events["earn"], span,
                      events.get("conversions", 0))
        creds = credentials_for(exchange, seed)
        return Account(simulator, creds["apiKey"], creds["secret"], self.faults)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ExchangeImitation:
        self._thread = threading.Thread(target=self._server.serve_forever, name="exchange-imitation", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ExchangeImitation:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def count(self, exchange: str, path: str = "") -> int:
        """Requests received for one exchange whose path contains `path`."""
        with self._lock:
            return sum(n for (ex, p), n in self.requests.items() if ex == exchange and path in p)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    def answer(self, request: Request) -> Response:
        exchange = "kraken" if request.path.startswith("/0/") else "binance"
        with self._lock:
            self.requests[(exchange, request.path)] += 1
        api = self.apis[exchange]
        fault = self.faults.take(exchange, request.path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        elif fault is not None:
            return api.fault_response(fault, request)
        return api.handle(request)

    def _handler(self):
        imitation = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                request = Request(self.command, parts.path, parts.query,
                                  {k.lower(): v for k, v in self.headers.items()}, body, int(time.time() * 1000))
                response = imitation.answer(request)
                payload, content_type = response.encoded()
                try:
                    self.send_response(response.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in response.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format, *args) -> None:  # quiet: tests and the demo print their own output
                pass

        return Handler
