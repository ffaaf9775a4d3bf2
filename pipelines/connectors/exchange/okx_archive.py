"""OKX's trading-account bills older than three months: the asynchronous quarterly archive.

`GET /api/v5/account/bills-archive` answers three months; anything older (since 1 February 2021,
never the current quarter) OKX hands out only as a file per quarter, prepared on request:

1. `GET /api/v5/account/bills-history-archive?year=&quarter=`: `fileHref` and `state`
   (`finished`, `ongoing`, `failed`), or no row if nobody asked for that quarter (a request stays
   valid 30 days, a link 5.5 hours).
2. If there is no file or it failed: `POST` the same path with `{"year", "quarter"}` (12 per day),
   for every such quarter before waiting for any, so OKX prepares them side by side.
3. Poll step 1 every `archive_poll_s` (default 30) for at most `archive_wait_s` (default 600)
   seconds. OKX documents "about 2 hours" for a file: a quarter still `ongoing` (or left unasked
   by the daily limit) fails the run with a message to sync again later (nothing is written; a
   later sync finds the files ready and asks for the rest).
4. Download the link (a presigned URL, never logged) and read the CSV inside the zip: the bill
   fields of `bills-archive` (no `type`, `subType` only), newest first.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from pipelines.errors import UserError

#: The first quarter OKX archives (its bills start on 1 February 2021).
FIRST = (2021, 1)


def quarter_of(at: datetime) -> tuple[int, int]:
    return at.year, (at.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> datetime:
    return datetime(year, 3 * (quarter - 1) + 1, 1, tzinfo=UTC)


def quarters(start: datetime, before: datetime) -> Iterator[tuple[int, int]]:
    """Each calendar quarter from the one holding `start` up to (not including) the one that
    starts at `before` (a quarter start), none before OKX's first."""
    year, quarter = max(quarter_of(start), FIRST)
    while quarter_start(year, quarter) < before:
        yield year, quarter
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


class Archive:
    """Fetches the archive files of several quarters through the reader's retrying `call`."""

    def __init__(self, client: Any, call: Any, settings: Mapping[str, Any], subject: str) -> None:
        self.client, self.call, self.subject = client, call, subject
        self.poll_s = float(settings.get("archive_poll_s", 30))
        self.wait_s = float(settings.get("archive_wait_s", 600))

    def rows(self, wanted: list[tuple[int, int]]) -> Iterator[list[dict[str, str]]]:
        """The rows of each quarter's file, in order. Every missing file is requested first, so OKX
        prepares them side by side; a quarter not ready in time, or one the daily limit of
        requests left unasked, fails the run before any row is returned."""
        asks = {q: {"year": str(q[0]), "quarter": f"Q{q[1]}"} for q in wanted}
        links = {q: self._state(ask) for q, ask in asks.items()}
        unasked, applied = [], []
        for q, link in links.items():
            if link is None or link.get("state") == "failed":
                (applied if not unasked and self._apply(asks[q]) else unasked).append(q)
        links.update({q: self._state(asks[q]) for q in applied})
        waited = 0.0
        while True:
            waiting = [q for q, link in links.items() if q not in unasked and not self._ready(link)]
            if not waiting or waited >= self.wait_s:
                break
            time.sleep(self.poll_s)
            waited += self.poll_s
            links.update({q: self._state(asks[q]) for q in waiting})
        if unasked or waiting:
            named = ", ".join(f"{y} Q{n}" for y, n in sorted([*waiting, *unasked]))
            limit = (f"; OKX takes 12 archive requests a day, {len(unasked)} are still to be made"
                     if unasked else "")
            raise UserError(f"okx is still preparing the bill archive of {named} for {self.subject} (about 2 hours "
                            f"a file{limit}): sync again later; nothing was written")
        for q in wanted:
            yield self._download(links[q]["fileHref"], *q)

    @staticmethod
    def _ready(link: dict | None) -> bool:
        return bool(link and link.get("state") == "finished" and link.get("fileHref"))

    def _apply(self, ask: dict[str, str]) -> bool:
        """Ask OKX to prepare a quarter's file; False once the daily limit (12) answers 50011. Not
        through `call`'s retries: waiting minutes for a limit that lasts a day helps nobody."""
        import ccxt

        self.call.calls["privatePostAccountBillsHistoryArchive"] += 1
        try:
            self.client.privatePostAccountBillsHistoryArchive(ask)
        except ccxt.RateLimitExceeded:
            return False
        except ccxt.NetworkError:
            self.call.retries += 1
            self.call("privatePostAccountBillsHistoryArchive", ask)  # retried as any call
        except ccxt.BaseError:
            self.call("privatePostAccountBillsHistoryArchive", ask)  # the refusal in the reader's words
        return True

    def _state(self, ask: dict[str, str]) -> dict | None:
        rows = self.call("privateGetAccountBillsHistoryArchive", ask).get("data") or []
        return rows[0] if rows else None

    def _download(self, url: str, year: int, quarter: int) -> list[dict[str, str]]:
        """The zip behind the link, retried like an API call; a failure names the quarter, never
        the (presigned) URL."""
        import requests

        from pipelines.connectors.exchange.client import ExchangeUnavailable, retry_wait

        for attempt in range(self.call.max_retries + 1):
            try:
                response = self.client.session.get(url, timeout=self.client.timeout / 1000)
                response.raise_for_status()
                break
            except requests.RequestException as exc:
                status = getattr(getattr(exc, "response", None), "status_code", None)
                if attempt == self.call.max_retries or (status is not None and status < 500 and status != 429):
                    raise ExchangeUnavailable(
                        f"okx bill archive of {year} Q{quarter} could not be downloaded ({type(exc).__name__}"
                        f"{f' {status}' if status else ''}); nothing was written for {self.subject}") from None
                self.call.retries += 1
                time.sleep(retry_wait(attempt, self.call.backoff_s, None))
        try:
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                return [row for name in archive.namelist() if name.lower().endswith(".csv")
                        for row in csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig")))]
        except (zipfile.BadZipFile, UnicodeDecodeError):
            raise UserError(f"okx bill archive of {year} Q{quarter} for {self.subject} is not a zip of CSV files; "
                            "nothing was written") from None
