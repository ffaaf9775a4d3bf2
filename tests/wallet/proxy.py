"""A JSON-RPC proxy in front of anvil that behaves like a hosted provider with limits.

anvil answers any eth_getLogs or trace_filter, however large; hosted providers refuse big answers
("query returned more than 10000 results") or lack trace_filter. The proxy forwards every request
to the real node and applies such a limit to the real answer, so the connector's range splitting
and block-scan fallback meet the errors they were written for.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LimitedProvider:
    def __init__(self, upstream: str, *, max_results: int | None = None, unsupported: tuple[str, ...] = ()) -> None:
        self.upstream, self.max_results, self.unsupported = upstream, max_results, set(unsupported)
        self.refused: dict[str, int] = {}
        self.served: dict[str, int] = {}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = [proxy._answer(r) for r in body] if isinstance(body, list) else proxy._answer(body)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
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

    def _error(self, request: dict, method: str, code: int, message: str) -> dict:
        self.refused[method] = self.refused.get(method, 0) + 1
        return {"jsonrpc": "2.0", "id": request.get("id"), "error": {"code": code, "message": message}}

    def __enter__(self) -> LimitedProvider:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
