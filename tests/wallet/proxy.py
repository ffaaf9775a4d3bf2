"""A JSON-RPC proxy in front of anvil that behaves like a hosted provider with limits, or a flaky one.

anvil answers any eth_getLogs or trace_filter, however large; hosted providers refuse big answers
("query returned more than 10000 results") or lack trace_filter. The proxy forwards every request
to the real node and applies such a limit to the real answer, so the connector's range splitting
and block-scan fallback meet the errors they were written for. With `flaky`, it also fails a seeded
random share of requests the way busy providers do (see `RandomRpcFaults`).
"""

from __future__ import annotations

import json
import random
import threading
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: How a flaky provider fails a request: an HTTP 5xx or 429 answer, a JSON-RPC error object in place
#: of one answer (of a batch: one item, as providers rate-limit items), or a connection closed
#: without an answer (what a client sees when a gateway times out).
RPC_FAULTS = ("http_5xx", "http_429", "rpc_error", "drop")
#: Error objects hosted providers send under load (Alchemy, Infura, any node).
RPC_ERRORS = (
    {"code": 429, "message": "Your app has exceeded its compute units per second capacity"},
    {"code": -32005, "message": "project ID request rate exceeded"},
    {"code": -32603, "message": "internal error"},
)


class RandomRpcFaults:
    """Fails a seeded random `rate` of HTTP requests; the same seed and request order (web3 sends
    them one at a time) give the same faults. `injected` counts them by kind."""

    def __init__(self, rate: float, seed: int, kinds: tuple[str, ...] = RPC_FAULTS) -> None:
        if set(kinds) - set(RPC_FAULTS):
            raise ValueError(f"kinds must come from {RPC_FAULTS}")
        self.rate, self.kinds = rate, kinds
        self.injected: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            kind = self._random.choice(self.kinds)
            self.injected[kind] += 1
            return kind

    def choice(self, options):
        with self._lock:
            return self._random.choice(options)


class LimitedProvider:
    def __init__(self, upstream: str, *, max_results: int | None = None, unsupported: tuple[str, ...] = (),
                 flaky: RandomRpcFaults | None = None) -> None:
        self.upstream, self.max_results, self.unsupported = upstream, max_results, set(unsupported)
        self.flaky = flaky
        self.refused: dict[str, int] = {}
        self.served: dict[str, int] = {}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fault = proxy.flaky.draw() if proxy.flaky else None
                if fault == "drop":
                    self.close_connection = True  # no answer at all
                    return
                if fault in ("http_5xx", "http_429"):
                    status = 429 if fault == "http_429" else proxy.flaky.choice((500, 502, 503, 504))
                    return self._send(status, f"<html><body><h1>{status}</h1></body></html>".encode(), "text/html")
                answer = [proxy._answer(r) for r in body] if isinstance(body, list) else proxy._answer(body)
                if fault == "rpc_error":
                    answer = proxy._fail_one(answer)
                self._send(200, json.dumps(answer).encode(), "application/json")

            def _send(self, status: int, data: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _answer(self, request: dict) -> dict:
        method = request.get("method")
        if method in self.unsupported:
            return self._error(request, method, -32601, f"the method {method} does not exist/is not available")
        request_data = json.dumps(request).encode()
        with urllib.request.urlopen(
            urllib.request.Request(self.upstream, request_data, {"Content-Type": "application/json"}), timeout=30
        ) as response:
            answer = json.loads(response.read())
        result = answer.get("result")
        if self.max_results is not None and method in ("eth_getLogs", "trace_filter") and isinstance(result, list):
            if len(result) > self.max_results:
                return self._error(request, method, -32005, f"query returned more than {self.max_results} results")
        self.served[method] = self.served.get(method, 0) + 1
        return answer

    def _fail_one(self, answer: dict | list) -> dict | list:
        """The answer with one item (of a batch, a random one) replaced by a provider's error object."""
        items = answer if isinstance(answer, list) else [answer]
        position = self.flaky.choice(range(len(items)))
        items[position] = {"jsonrpc": "2.0", "id": items[position].get("id"), "error": dict(self.flaky.choice(RPC_ERRORS))}
        return items if isinstance(answer, list) else items[0]

    def _error(self, request: dict, method: str, code: int, message: str) -> dict:
        self.refused[method] = self.refused.get(method, 0) + 1
        return {"jsonrpc": "2.0", "id": request.get("id"), "error": {"code": code, "message": message}}

    def __enter__(self) -> LimitedProvider:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
