"""A small client for the Esplora REST API (the explorer behind several public Bitcoin explorers,
also self-hostable): the tip height, an address's funded/spent totals and its transactions.

Esplora pages an address's history newest first: `/address/:a/txs` answers the mempool
transactions and the first 25 confirmed ones, `/address/:a/txs/chain/:last_seen_txid` the next 25
confirmed after the one named. Paging stops early at a transaction the caller already knows, so an
incremental sync reads only the pages that hold new blocks.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from pipelines.connectors.wallet.rpc import redacted
from pipelines.errors import UserError

#: Confirmed transactions per page, as the real API serves them.
PAGE_SIZE = 25
RETRIES = 4


class EsploraError(RuntimeError):
    """The explorer failed or answered something unusable (the sync fails and changes nothing)."""


class Esplora:
    failure: type[EsploraError] = EsploraError  # what a source that stays down raises

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.requests = 0

    def _get(self, path: str) -> bytes:
        """GET with a bounded retry on 429 and 5xx (public explorers rate-limit), honouring Retry-After.
        Errors name the host and path only: a hosted explorer's URL may carry an API key."""
        url = f"{self.base_url}{path}"
        for attempt in range(RETRIES + 1):
            self.requests += 1
            try:
                with urllib.request.urlopen(url, timeout=self.timeout) as response:
                    return response.read()
            except urllib.error.HTTPError as exc:
                body = exc.read().decode(errors="replace")[:200]
                if exc.code == 400 and path.startswith("/address/"):
                    raise UserError(f"the explorer rejected {path.split('/')[2]!r}: {body}") from None
                if (exc.code == 429 or exc.code >= 500) and attempt < RETRIES:
                    time.sleep(min(float(exc.headers.get("Retry-After") or 0.5 * 2**attempt), 30.0))
                    continue
                raise self.failure(f"{redacted(self.base_url)}{path}: HTTP {exc.code} {body}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt < RETRIES:
                    time.sleep(0.5 * 2**attempt)
                    continue
                raise self.failure(f"{redacted(self.base_url)}{path}: {getattr(exc, 'reason', exc)}") from None
        raise AssertionError("unreachable")

    def tip_height(self) -> int:
        return int(self._get("/blocks/tip/height").decode().strip())

    def address_stats(self, address: str) -> dict[str, Any]:
        """`{chain_stats: {funded_txo_sum, spent_txo_sum, tx_count, ...}, mempool_stats: {...}}`."""
        return json.loads(self._get(f"/address/{address}"))

    def confirmed_txs(self, address: str, stop_at: str | None = None) -> tuple[list[dict[str, Any]], bool]:
        """The address's confirmed transactions newer than `stop_at` (a known txid), newest first,
        and whether `stop_at` was met (False: the whole history was read)."""
        found: list[dict[str, Any]] = []
        page = json.loads(self._get(f"/address/{address}/txs"))
        while True:
            confirmed = [tx for tx in page if tx["status"].get("confirmed")]
            for tx in confirmed:
                if tx["txid"] == stop_at:
                    return found, True
                found.append(tx)
            if len(confirmed) < PAGE_SIZE:
                return found, False
            page = json.loads(self._get(f"/address/{address}/txs/chain/{confirmed[-1]['txid']}"))
