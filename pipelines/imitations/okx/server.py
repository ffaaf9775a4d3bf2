"""The OKX imitation: API v5's private account, funding and trade endpoints on 127.0.0.1.

Every private request is checked as OKX documents it: `OK-ACCESS-KEY`, `OK-ACCESS-PASSPHRASE`,
`OK-ACCESS-TIMESTAMP` (ISO 8601 with milliseconds, at most 30 s from the server's clock) and
`OK-ACCESS-SIGN` = base64(HMAC-SHA256(secret, timestamp + method + requestPath with its query +
body)), recomputed from the request as received. A refusal is OKX's `{code, msg, data}` envelope
with its real code (50103/50111 key, 50104/50105 passphrase, 50102 timestamp, 50113 signature;
HTTP 401), so ccxt raises what it raises against okx.com.

Routes (newest first, `limit` at most 100, the reach of each endpoint enforced):
`/api/v5/account/balance` and `/api/v5/asset/balances` (the truth of each account);
`/api/v5/account/bills` (7 days) and `/api/v5/account/bills-archive` (3 months), paged with
`after`/`before` bill ids and filtered by `begin`/`end` (ms); `/api/v5/asset/bills-history`
(the funding account since 2021, `pagingType=2` pages by bill id, else by `ts`);
`/api/v5/trade/fills-history` (3 months, `instType` required). Older trading bills only through
the asynchronous archive: `POST /api/v5/account/bills-history-archive` (`{"year", "quarter"}`,
since 2021 Q1, never the current quarter, 12 a day) and `GET` of the same path, which answers
`state: ongoing` for `archive_polls` polls and then `finished` with a `fileHref` to
`/okx-archive/<year>Q<n>.zip?token=...` (unsigned, as OKX's download links): a zip holding one
CSV of the quarter's bills with the documented columns, newest first.

`rate_limit` (requests per `rate_window_s`, default 2 s, per route; None: unlimited) answers HTTP
429 with code 50011, as OKX does. `fail`/`randomly` answer 429 (50011) or 500 (50026) / 503
(50001) on demand. `add_now` books new events at the current time (what an incremental sync must
pick up); `next_day` starts the daily limit of archive requests again.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import secrets
import time
import zipfile
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from pipelines.connectors.exchange.okx_archive import quarter_of, quarter_start
from pipelines.imitations.failing import FailingServer
from pipelines.imitations.okx.history import FUNDING, TRADING, History, generate

DAY_MS = 86_400_000


def envelope(code: str, msg: str = "", data: list | None = None) -> dict:
    return {"code": code, "msg": msg, "data": data if data is not None else []}


#: How far back each bill or fill list answers (None: since OKX kept bills, 2021).
REACH_DAYS = {"/api/v5/account/bills": 7, "/api/v5/account/bills-archive": 90,
              "/api/v5/trade/fills-history": 90, "/api/v5/asset/bills-history": None}
MAX_LIMIT = 100
MAX_SKEW_S = 30
#: OKX's bodies of a server in trouble (ccxt: ExchangeNotAvailable, OnMaintenance; both retried).
SERVER_ERRORS = {500: envelope("50026", "System error, please try again later."),
                 503: envelope("50001", "Service temporarily unavailable, please try again later.")}
ARCHIVE = "/api/v5/account/bills-history-archive"
DOWNLOAD = "/okx-archive/"
APPLIES_PER_DAY = 12
#: The columns of the archive's CSV, as OKX documents them.
CSV_COLUMNS = ("instType", "billId", "subType", "ts", "balChg", "posBalChg", "bal", "posBal", "sz", "px", "ccy",
               "pnl", "fee", "mgnMode", "instId", "ordId", "execType", "interest", "tag", "fillTime", "tradeId",
               "clOrdId", "fillIdxPx", "fillMarkPx", "fillPxVol", "fillPxUsd", "fillMarkVol", "fillFwdPx")


class OkxImitation(FailingServer):
    name = "okx"

    def __init__(self, *, seed: int = 3, days: int = 60, port: int = 0, rate_limit: int | None = None,
                 rate_window_s: float = 2.0, archive_polls: int = 1, api_key: str = "okx-key-7f3a1c9e",
                 secret: str = "okx-secret-5b2d8e0f41a6", passphrase: str = "okx-Pass-phrase-1") -> None:
        self.api_key, self.secret, self.passphrase = api_key, secret, passphrase
        self.history: History = generate(seed, days)
        self.rate_limit, self.rate_window_s = rate_limit, rate_window_s
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self.archive_polls = archive_polls
        self.archives: dict[tuple[int, int], dict] = {}  # (year, quarter) -> {ts, polls left, token}
        self.applied = 0
        super().__init__(port)

    # -- what tests use --------------------------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        return {"apiKey": self.api_key, "secret": self.secret, "password": self.passphrase}

    def true_balances(self) -> dict[str, Decimal]:
        with self._lock:
            return self.history.true_balances()

    def add_now(self) -> None:
        """A USDT deposit moved to trading and spent on a BTC buy, all booked now."""
        with self._lock:
            now = datetime.now(UTC)
            self.history.deposit(now - timedelta(seconds=3), "USDT", Decimal("1000"))
            self.history.transfer(now - timedelta(seconds=2), "USDT", Decimal("800"), to_trading=True)
            self.history.trade(now - timedelta(seconds=1), "BTC", "USDT", "buy", Decimal("0.01"))

    def next_day(self) -> None:
        """A day later: the daily limit of archive requests starts again."""
        with self._lock:
            self.applied = 0

    # -- HTTP --------------------------------------------------------------------------------------
    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        """GET and POST (the archive request, a JSON body), as LocalServer's handler serves both."""
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        status, payload, headers = self.answer(request.command, request.path, body, request.headers)
        if isinstance(payload, bytes):
            return status, "application/zip", payload, headers
        return status, "application/json", json.dumps(payload).encode(), headers

    def answer(self, method: str, target: str, body: str, headers) -> tuple[int, dict, dict[str, str]]:
        path = urlsplit(target).path
        query = {k: v[-1] for k, v in parse_qs(urlsplit(target).query).items()}
        with self._lock:
            action = self._count(path)
            download = path.startswith(DOWNLOAD)
            if not download:
                refused = self._authenticate(method, target, body, headers)
                if refused:
                    return 401, refused, {}
            failure = self._drawn()
            if failure is not None:
                if failure == 429:
                    return 429, envelope("50011", "Too Many Requests"), {}
                return failure, SERVER_ERRORS.get(failure, SERVER_ERRORS[500]), {}
            if self._over_limit(path):
                return 429, envelope("50011", "Too Many Requests"), {}
        if action is not None:
            action()
        with self._lock:
            if download:
                return self._download(path[len(DOWNLOAD):], query.get("token", ""))
            if path == ARCHIVE:
                return self._archive(method, query if method == "GET" else json.loads(body or "{}"))
            return self._route(method, path, query)

    def _authenticate(self, method: str, target: str, body: str, headers) -> dict | None:
        key, passphrase = headers.get("OK-ACCESS-KEY"), headers.get("OK-ACCESS-PASSPHRASE")
        stamp, sign = headers.get("OK-ACCESS-TIMESTAMP") or "", headers.get("OK-ACCESS-SIGN") or ""
        if not key:
            return envelope("50103", 'Request header "OK-ACCESS-KEY" cannot be empty.')
        if key != self.api_key:
            return envelope("50111", "Invalid OK-ACCESS-KEY.")
        if not passphrase:
            return envelope("50104", 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.')
        try:
            sent = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        except ValueError:
            return envelope("50102", "Timestamp request expired.")
        if abs((datetime.now(UTC) - sent).total_seconds()) > MAX_SKEW_S:
            return envelope("50102", "Timestamp request expired.")
        if passphrase != self.passphrase:
            return envelope("50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.')
        expected = base64.b64encode(hmac.new(self.secret.encode(), (stamp + method + target + body).encode(),
                                             hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, sign):
            return envelope("50113", "Invalid Sign.")
        return None

    def _over_limit(self, path: str) -> bool:
        if self.rate_limit is None:
            return False
        now, recent = time.monotonic(), self._recent[path]
        while recent and recent[0] < now - self.rate_window_s:
            recent.popleft()
        if len(recent) >= self.rate_limit:
            return True
        recent.append(now)
        return False

    # -- routes ------------------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: dict[str, str]) -> tuple[int, dict, dict[str, str]]:
        if method == "GET" and path == "/api/v5/account/balance":
            return 200, envelope("0", data=[self._trading_balance()]), {}
        if method == "GET" and path == "/api/v5/asset/balances":
            return 200, envelope("0", data=[{"ccy": c, "bal": f"{a:f}", "availBal": f"{a:f}", "frozenBal": "0"}
                                            for c, a in sorted(self.history.balances[FUNDING].items()) if a]), {}
        if method == "GET" and path in REACH_DAYS:
            return self._list(path, query)
        return 404, envelope("50014", f"Path {path} not found"), {}

    def _trading_balance(self) -> dict:
        details = [{"ccy": c, "cashBal": f"{a:f}", "eq": f"{a:f}", "availBal": f"{a:f}", "availEq": f"{a:f}",
                    "frozenBal": "0", "ordFrozen": "0", "upl": "0", "uTime": str(int(time.time() * 1000))}
                   for c, a in sorted(self.history.balances[TRADING].items()) if a]
        return {"adjEq": "", "details": details, "imr": "", "isoEq": "0", "mgnRatio": "", "mmr": "",
                "notionalUsd": "", "ordFroz": "", "totalEq": "0", "uTime": str(int(time.time() * 1000))}

    def _list(self, path: str, query: dict[str, str]) -> tuple[int, dict, dict[str, str]]:
        try:
            limit = int(query.get("limit", MAX_LIMIT))
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            return 400, envelope("51000", "Parameter limit error"), {}
        if path == "/api/v5/trade/fills-history":
            if not query.get("instType"):
                return 400, envelope("50014", "Parameter instType can not be empty."), {}
            rows = [f for f in self.history.fills if f["instType"] == query["instType"]]
        elif path == "/api/v5/asset/bills-history":
            rows = self.history.funding_bills
        else:
            rows = self.history.bills
        reach = REACH_DAYS[path]
        oldest = int(time.time() * 1000) - reach * DAY_MS if reach else 0
        by_id = query.get("pagingType") == "2" or path != "/api/v5/asset/bills-history"
        key = (lambda r: int(r["billId"])) if by_id else (lambda r: int(r["ts"]))
        rows = [r for r in rows if int(r["ts"]) >= oldest
                and ("begin" not in query or int(r["ts"]) >= int(query["begin"]))
                and ("end" not in query or int(r["ts"]) <= int(query["end"]))
                and ("after" not in query or key(r) < int(query["after"]))
                and ("before" not in query or key(r) > int(query["before"]))]
        rows.sort(key=lambda r: int(r["billId"]), reverse=True)
        return 200, envelope("0", data=rows[:limit]), {}

    # -- the asynchronous archive ------------------------------------------------------------------
    def _archive(self, method: str, ask: dict[str, str]) -> tuple[int, dict, dict[str, str]]:
        try:
            year, quarter = int(ask["year"]), int(str(ask["quarter"]).removeprefix("Q"))
            valid = (2021, 1) <= (year, quarter) and 1 <= quarter <= 4
        except (KeyError, ValueError):
            valid = False
        if not valid or (year, quarter) >= quarter_of(datetime.now(UTC)):
            return 400, envelope("51000", "Parameter quarter error"), {}
        held = self.archives.get((year, quarter))
        if method == "POST":
            if held is None:
                if self.applied >= APPLIES_PER_DAY:
                    return 429, envelope("50011", "Too Many Requests"), {}
                self.applied += 1
                held = self.archives[(year, quarter)] = {
                    "ts": str(int(time.time() * 1000)), "polls": self.archive_polls, "token": secrets.token_hex(16)}
                return 200, envelope("0", data=[{"result": "false", "ts": held["ts"]}]), {}
            return 200, envelope("0", data=[{"result": "true", "ts": held["ts"]}]), {}
        if held is None:
            return 200, envelope("0", data=[]), {}
        if held["polls"] > 0:
            held["polls"] -= 1
            return 200, envelope("0", data=[{"fileHref": "", "state": "ongoing", "ts": held["ts"]}]), {}
        href = f"{self.url}{DOWNLOAD}{year}Q{quarter}.zip?token={held['token']}"
        return 200, envelope("0", data=[{"fileHref": href, "state": "finished", "ts": held["ts"]}]), {}

    def _download(self, name: str, token: str) -> tuple[int, dict | bytes, dict[str, str]]:
        """The quarter's trading bills as OKX's zip of one CSV (bills of any time, the file's name
        says which quarter; the link's token must be the one handed out)."""
        held = next(((k, v) for k, v in self.archives.items() if f"{k[0]}Q{k[1]}.zip" == name), None)
        if held is None or not secrets.compare_digest(held[1]["token"], token):
            return 403, envelope("403", "AccessDenied"), {}
        (year, quarter), _ = held
        begin = quarter_start(year, quarter).timestamp() * 1000
        end = quarter_start(*((year + 1, 1) if quarter == 4 else (year, quarter + 1))).timestamp() * 1000
        rows = sorted((b for b in self.history.bills if begin <= int(b["ts"]) < end),
                      key=lambda b: int(b["billId"]), reverse=True)
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"bills_{year}_Q{quarter}.csv", text.getvalue())
        return 200, packed.getvalue(), {}
