"""What the Esplora and TronGrid imitations share: an HTTP server on 127.0.0.1 in a daemon thread,
requests counted by route (tests assert how much a sync read), an action run just before the n-th
request is answered (a block found while a sync runs), and the answer written back quietly.
A subclass names itself and answers one GET (or JSON-RPC POST) request (`respond`)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar


class LocalServer:
    """Use as a context manager; `url` is the base URL to configure."""

    name: ClassVar[str]

    def __init__(self, port: int = 0) -> None:
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._actions: dict[int, Callable[[], None]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        """Serve from a daemon thread until the `with` block (or the demo's exit stack) ends."""
        threading.Thread(target=self._server.serve_forever, name=f"{self.name}-imitation", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def count(self, route: str | None = None) -> int:
        """Requests received on one route, or on all."""
        with self._lock:
            return sum(n for r, n in self.requests.items() if route is None or r == route)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    def on_request(self, nth: int, action: Callable[[], None]) -> None:
        """Run `action` just before answering the `nth` request from now."""
        with self._lock:
            self._actions[sum(self.requests.values()) + nth] = action

    def _count(self, route: str) -> Callable[[], None] | None:
        """Count a request on `route` (under the lock) and take the action due at it, if any."""
        self.requests[route] += 1
        return self._actions.pop(sum(self.requests.values()), None)

    def respond(self, request: BaseHTTPRequestHandler) -> tuple[int, str, bytes, dict[str, str]]:
        """(status, content type, body, headers) for one GET request."""
        raise NotImplementedError

    def _handler(self):
        imitation = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                status, content_type, payload, headers = imitation.respond(self)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up: nothing to answer

            do_POST = do_GET  # JSON-RPC imitations (Solana) read the request body in `respond`

            def log_message(self, format, *args) -> None:  # quiet: tests and the demo print their own output
                pass

        return Handler
