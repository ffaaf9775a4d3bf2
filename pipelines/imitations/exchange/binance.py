"""Binance spot REST API (the parts ccxt 4.5 calls for an account's history), over an `Account`.

Paths and JSON shapes follow Binance's documentation as ccxt parses them: `GET /api/v3/exchangeInfo`
(load_markets), `/api/v3/account` (fetch_balance), `/api/v3/myTrades` (one symbol per call, at most
1000 rows, `fromId` or a window of at most 24 h), `/sapi/v1/capital/deposit/hisrec` and
`/sapi/v1/capital/withdraw/history` (windows of at most 90 days, `offset`/`limit` paging, newest
first). Signed endpoints check `X-MBX-APIKEY`, the HMAC-SHA256 `signature` over the query string and
the `timestamp`/`recvWindow` window; a request weight budget per window answers HTTP 429 with
`Retry-After` when spent.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qsl

from pipelines.imitations.exchange.api import Account, ExchangeApi, Request, Response
from pipelines.imitations.exchange.faults import Fault
from pipelines.imitations.exchange.history import Profile, Trade, Transfer

DAY_MS = 86_400_000

PROFILE = Profile(
    markets=("BTC/USDT", "ETH/USDT", "ETH/BTC", "BNB/USDT", "SOL/USDT", "BTC/USDT", "BTC/USDT", "BTC/USDT"),
    opening={"USDT": Decimal("250000.12345678"), "BTC": Decimal("2.5"), "ETH": Decimal("30"),
             "BNB": Decimal("40"), "SOL": Decimal("100")},
    withdraw_fees={"BTC": Decimal("0.0002"), "ETH": Decimal("0.0012"), "USDT": Decimal("1"), "SOL": Decimal("0.01")},
    third_asset_fee="BNB",
    stakeable=("BTC", "USDT"),
    rewards=False,
    usd_prices={"BTC": Decimal("64000"), "ETH": Decimal("3100"), "BNB": Decimal("580"), "SOL": Decimal("150"),
                "USDT": Decimal("1"), "XRP": Decimal("0.6"), "ADA": Decimal("0.45"), "DOGE": Decimal("0.15")},
)
#: Listed but never traded by the account: a connector must not sweep them.
OTHER_MARKETS = ("XRP/USDT", "ADA/USDT", "DOGE/USDT", "XRP/BTC", "ADA/BTC", "DOGE/BTC", "ADA/ETH")

WEIGHTS = {"/api/v3/exchangeInfo": 20, "/api/v3/account": 20, "/api/v3/myTrades": 20,
           "/sapi/v1/capital/deposit/hisrec": 1, "/sapi/v1/capital/withdraw/history": 18}
SIGNED = ("/api/v3/account", "/api/v3/myTrades", "/sapi/")


def _id(market: str) -> str:
    return market.replace("/", "")


def _s(value: Decimal) -> str:
    return f"{value:.8f}"


def _error(status: int, code: int, msg: str, headers: dict | None = None) -> Response:
    return Response(status, {"code": code, "msg": msg}, headers or {})


class BinanceApi(ExchangeApi):
    name = "binance"

    def __init__(self, account: Account, *, weight_limit: int = 6000, weight_window_s: float = 60.0) -> None:
        super().__init__(account)
        self.weight_limit = weight_limit
        self.weight_window_ms = int(weight_window_s * 1000)
        self._lock = threading.Lock()
        self._window_start = 0
        self._used = 0

    # -- markets -----------------------------------------------------------------------------
    def listed(self) -> list[str]:
        delisted = self.account.faults.delisted["binance"]
        markets = dict.fromkeys([*PROFILE.markets, *OTHER_MARKETS])
        return [m for m in markets if m not in delisted]

    def _symbol(self, market: str, status: str = "TRADING") -> dict:
        base, quote = market.split("/")
        return {
            "symbol": _id(market), "status": status, "baseAsset": base, "baseAssetPrecision": 8,
            "quoteAsset": quote, "quotePrecision": 8, "quoteAssetPrecision": 8,
            "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
            "icebergAllowed": True, "ocoAllowed": True, "quoteOrderQtyMarketAllowed": True,
            "allowTrailingStop": True, "cancelReplaceAllowed": True, "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False,
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": "0.00000001", "maxPrice": "1000000.00000000", "tickSize": "0.00000001"},
                {"filterType": "LOT_SIZE", "minQty": "0.00000001", "maxQty": "9000.00000000", "stepSize": "0.00000001"},
            ],
            "permissions": [], "permissionSets": [["SPOT"]], "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
            "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
        }

    # -- dispatch ----------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        spent = self._spend(request)
        if spent is not None:
            return spent
        params = dict(parse_qsl(request.query, keep_blank_values=True))
        if request.path.startswith(SIGNED):
            denied = self._authenticate(request, params)
            if denied is not None:
                return denied
        routes = {
            "/api/v3/ping": lambda p, r: Response(200, {}),
            "/api/v3/time": lambda p, r: Response(200, {"serverTime": r.now_ms}),
            "/api/v3/exchangeInfo": self._exchange_info,
            "/api/v3/account": self._account,
            "/api/v3/myTrades": self._my_trades,
            "/sapi/v1/capital/deposit/hisrec": self._deposits,
            "/sapi/v1/capital/withdraw/history": self._withdrawals,
        }
        route = routes.get(request.path)
        if route is None:
            return Response(404, "<html><body><h1>404 Not Found</h1></body></html>")
        response = route(params, request)
        response.headers["X-MBX-USED-WEIGHT-1M"] = str(self._used)
        return response

    def fault_response(self, fault: Fault, request: Request) -> Response:
        if fault.kind == "reject_key":
            return _error(401, -2015, "Invalid API-key, IP, or permissions for action.")
        if fault.kind == "invalid_nonce":
            return _error(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.status == 429:
            return _error(429, -1003, "Too many requests; current limit of IP is 6000 requests per minute. "
                          "Please use WebSocket Streams for live updates to avoid polling the API.", headers)
        if fault.status == 418:
            return _error(418, -1003, f"Way too much request weight used; IP banned until {request.now_ms + 1000}. "
                          "Please use WebSocket Streams for live updates to avoid bans.", headers)
        return Response(fault.status, f"<html><body><h1>{fault.status} Service Unavailable</h1></body></html>", headers)

    # -- budget and authentication -------------------------------------------------------------
    def _spend(self, request: Request) -> Response | None:
        weight = WEIGHTS.get(request.path, 1)
        with self._lock:
            if request.now_ms - self._window_start >= self.weight_window_ms:
                self._window_start, self._used = request.now_ms, 0
            if self._used + weight > self.weight_limit:
                wait_s = max(1, -(-(self._window_start + self.weight_window_ms - request.now_ms) // 1000))
                return _error(429, -1003, f"Too much request weight used; current limit is {self.weight_limit} "
                              "request weight per 1 MINUTE. Please use WebSocket Streams for live updates to "
                              "avoid polling the API.", {"Retry-After": str(wait_s)})
            self._used += weight
        return None

    def _authenticate(self, request: Request, params: dict) -> Response | None:
        if request.headers.get("x-mbx-apikey") != self.account.api_key:
            return _error(401, -2015, "Invalid API-key, IP, or permissions for action.")
        payload, sep, signature = request.query.rpartition("&signature=")
        expected = hmac.new(self.account.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not sep or not hmac.compare_digest(signature, expected):
            return _error(400, -1022, "Signature for this request is not valid.")
        try:
            timestamp = int(params["timestamp"])
            window = int(params.get("recvWindow", 5000))
        except (KeyError, ValueError):
            return _error(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        if timestamp > request.now_ms + 1000:
            return _error(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if request.now_ms - timestamp > min(window, 60_000):
            return _error(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        return None

    # -- endpoints ---------------------------------------------------------------------------
    def _exchange_info(self, params: dict, request: Request) -> Response:
        return Response(200, {
            "timezone": "UTC", "serverTime": request.now_ms,
            "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                            "limit": self.weight_limit}],
            # Binance keeps a delisted market in exchangeInfo with status BREAK; its trades are gone.
            "exchangeFilters": [], "symbols": [self._symbol(m) for m in self.listed()]
                                              + [self._symbol(m, "BREAK") for m in sorted(self.account.faults.delisted["binance"])],
        })

    def _account(self, params: dict, request: Request) -> Response:
        history = self.account.history
        staked = history.staked()
        balances = []
        for asset, total in sorted(history.balances().items()):
            spot = total - staked.get(asset, Decimal(0))
            locked = (spot / 10).quantize(Decimal("0.00000001")) if asset == "USDT" else Decimal(0)
            balances.append({"asset": asset, "free": _s(spot - locked), "locked": _s(locked)})
        balances += [{"asset": f"LD{a}", "free": _s(v), "locked": _s(Decimal(0))} for a, v in sorted(staked.items())]
        return Response(200, {
            "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0, "sellerCommission": 0,
            "commissionRates": {"maker": "0.00100000", "taker": "0.00100000", "buyer": "0.00000000", "seller": "0.00000000"},
            "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
            "requireSelfTradePrevention": False, "preventSor": False, "updateTime": request.now_ms,
            "accountType": "SPOT", "balances": balances, "permissions": ["SPOT"], "uid": 354937868,
        })

    def _trade_row(self, t: Trade) -> dict:
        return {
            "symbol": _id(t.market), "id": t.id, "orderId": t.order_id, "orderListId": -1, "price": _s(t.price),
            "qty": _s(t.qty), "quoteQty": _s(t.cost), "commission": _s(t.fee), "commissionAsset": t.fee_asset,
            "time": t.time_ms, "isBuyer": t.side == "buy", "isMaker": t.id % 3 == 0, "isBestMatch": True,
        }

    def _my_trades(self, params: dict, request: Request) -> Response:
        symbol = params.get("symbol", "")
        markets = {_id(m): m for m in self.listed()}
        if symbol not in markets:
            return _error(400, -1121, "Invalid symbol.")
        limit = int(params.get("limit", 500))
        if not 1 <= limit <= 1000:
            return _error(400, -1100, "Illegal characters found in parameter 'limit'; legal range is '1' - '1000'.")
        trades = [t for t in self.account.history.trades if t.market == markets[symbol] and t.time_ms <= request.now_ms]
        if "fromId" in params:
            if "startTime" in params or "endTime" in params:
                return _error(400, -1128, "Combination of optional parameters invalid.")
            rows = [t for t in trades if t.id >= int(params["fromId"])][:limit]
        elif "startTime" in params or "endTime" in params:
            start = int(params.get("startTime", int(params.get("endTime", 0)) - DAY_MS))
            end = int(params.get("endTime", start + DAY_MS))
            if end - start > DAY_MS:
                return _error(400, -1127, "More than 24 hours between startTime and endTime.")
            rows = [t for t in trades if start <= t.time_ms <= end][:limit]
        else:
            rows = trades[-limit:]
        return Response(200, [self._trade_row(t) for t in rows])

    def _window(self, params: dict, now_ms: int) -> tuple[int, int] | Response:
        span = 90 * DAY_MS
        if "startTime" in params and "endTime" in params:
            start, end = int(params["startTime"]), int(params["endTime"])
        elif "startTime" in params:
            start = int(params["startTime"])
            end = min(now_ms, start + span)
        elif "endTime" in params:
            end = int(params["endTime"])
            start = end - span
        else:
            start, end = now_ms - span, now_ms
        if end - start > span or end < start:
            return _error(400, -1127, "Time interval must be within 0-90 days")
        return start, end

    def _page(self, params: dict, items: list, row) -> Response:
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 1000))
        if not 1 <= limit <= 1000:
            return _error(400, -1100, "Illegal characters found in parameter 'limit'; legal range is '1' - '1000'.")
        items = sorted(items, key=lambda t: t.time_ms, reverse=True)
        return Response(200, [row(t) for t in items[offset:offset + limit]])

    def _history(self, kind: str, params: dict, request: Request) -> Response:
        window = self._window(params, request.now_ms)
        if isinstance(window, Response):
            return window
        start, end = window
        items = [t for t in self.account.history.transfers if t.kind == kind and start <= t.time_ms <= end
                 and params.get("coin", t.asset) == t.asset]
        return self._page(params, items, self._deposit_row if kind == "deposit" else self._withdrawal_row)

    def _deposits(self, params: dict, request: Request) -> Response:
        return self._history("deposit", params, request)

    def _withdrawals(self, params: dict, request: Request) -> Response:
        return self._history("withdrawal", params, request)

    @staticmethod
    def _deposit_row(t: Transfer) -> dict:
        return {
            "id": str(4_000_000_000_000 + int(t.id.lstrip("D"))), "amount": _s(t.amount), "coin": t.asset,
            "network": t.asset, "status": 1, "address": "0x7f3a2b9c4e5d6f708192a3b4c5d6e7f8091a2b3c",
            "addressTag": "", "txId": t.txid, "insertTime": t.time_ms, "completeTime": t.time_ms + 60_000,
            "transferType": 0, "confirmTimes": "12/12", "unlockConfirm": 0, "walletType": 0,
        }

    @staticmethod
    def _withdrawal_row(t: Transfer) -> dict:
        def text(ms: int) -> str:
            return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")

        return {
            "id": t.id, "amount": _s(t.amount), "transactionFee": _s(t.fee), "coin": t.asset, "status": 6,
            "address": "0x1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e", "txId": t.txid, "applyTime": text(t.time_ms),
            "network": t.asset, "transferType": 0, "info": "", "confirmNo": 12, "walletType": 0, "txKey": "",
            "completeTime": text(t.time_ms + 120_000),
        }
