"""Kraken spot REST API (the parts ccxt 4.5 calls for an account's history), over an `Account`.

Public `GET /0/public/{Assets,AssetPairs,Ticker}`; private `POST /0/private/{BalanceEx,
TradesHistory,Ledgers,DepositStatus,WithdrawStatus}` signed with `API-Key` and `API-Sign`
(HMAC-SHA512 with the base64-decoded secret over path + SHA256(nonce + body)), nonces strictly
increasing per key. Every answer is `{"error": [...], "result": ...}`. `TradesHistory` and
`Ledgers` return 50 rows per call, newest first, paged with `ofs`, with the total in `count`. Asset
ids are Kraken's own (`XXBT`, `ZEUR`, `DOT.S`); staked and earn sub-balances appear as `<asset>.S`
and `<asset>.F`, and every balance change is in the ledger (amount - fee).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from decimal import Decimal
from urllib.parse import parse_qsl

from pipelines.imitations.exchange.api import Account, ExchangeApi, Request, Response
from pipelines.imitations.exchange.faults import Fault
from pipelines.imitations.exchange.history import Profile

PROFILE = Profile(
    markets=("BTC/EUR", "ETH/EUR", "ETH/BTC", "DOT/EUR", "SOL/EUR", "BTC/EUR"),
    opening={"EUR": Decimal("180000.5"), "BTC": Decimal("1.75"), "ETH": Decimal("20"), "DOT": Decimal("900"),
             "SOL": Decimal("60")},
    withdraw_fees={"BTC": Decimal("0.00015"), "ETH": Decimal("0.0035"), "EUR": Decimal("0.35"), "DOT": Decimal("0.05")},
    fee_rate=Decimal("0.0026"),
    fee_in_quote=True,
    stakeable=("DOT", "ETH"),
    usd_prices={"BTC": Decimal("64000"), "ETH": Decimal("3100"), "DOT": Decimal("6.5"), "SOL": Decimal("150"),
                "EUR": Decimal("1.08"), "USD": Decimal("1"), "USDT": Decimal("1"), "XRP": Decimal("0.6"),
                "ADA": Decimal("0.45")},
)
#: Kraken's asset ids and alt names for the unified codes the history uses.
ASSET_IDS = {"BTC": ("XXBT", "XBT"), "ETH": ("XETH", "ETH"), "EUR": ("ZEUR", "EUR"), "USD": ("ZUSD", "USD"),
             "DOT": ("DOT", "DOT"), "SOL": ("SOL", "SOL"), "USDT": ("USDT", "USDT"), "XRP": ("XXRP", "XRP"),
             "ADA": ("ADA", "ADA")}
#: Where staked/earned amounts live: `.S` for bonded staking, `.F` for flexible earn.
SUB_BALANCE = {"DOT": "DOT.S", "ETH": "ETH.F"}
OTHER_MARKETS = ("XRP/EUR", "ADA/EUR", "USDT/EUR", "BTC/USD", "ETH/USD", "USDT/USD", "SOL/USDT", "DOT/BTC")
PAGE = 50
SIGNED_PREFIX = "/0/private/"


def _kid(prefix: str, key: str) -> str:
    """A Kraken-looking id (e.g. TCWJEG-FL4SZ-3FKGH6), deterministic for the same event."""
    digest = base64.b32encode(hashlib.sha1(key.encode()).digest()).decode()
    return f"{prefix}{digest[:5]}-{digest[5:10]}-{digest[10:16]}"


def _pair_id(market: str) -> str:
    base, quote = (ASSET_IDS[c][0] for c in market.split("/"))
    return base + quote if len(base) == 4 and len(quote) == 4 else "".join(ASSET_IDS[c][1] for c in market.split("/"))


def _s(value: Decimal) -> str:
    return f"{value:.10f}"


def _ok(result) -> Response:
    return Response(200, {"error": [], "result": result})


def _err(*errors: str, status: int = 200, headers: dict | None = None) -> Response:
    return Response(status, {"error": list(errors)}, headers or {})


class KrakenApi(ExchangeApi):
    name = "kraken"

    def __init__(self, account: Account, *, counter_max: float = 20.0, decay_per_s: float = 0.33) -> None:
        super().__init__(account)
        self.counter_max = counter_max
        self.decay_per_s = decay_per_s
        self._lock = threading.Lock()
        self._counter = 0.0
        self._counter_at = time.monotonic()
        self._last_nonce = 0
        self._rows: dict[tuple, list] = {}  # rendered trade and ledger rows, per history version

    # -- markets -----------------------------------------------------------------------------
    def listed(self) -> list[str]:
        delisted = self.account.faults.delisted["kraken"]
        return [m for m in dict.fromkeys([*PROFILE.markets, *OTHER_MARKETS]) if m not in delisted]

    def _assets(self) -> dict:
        out = {}
        for code, (kid, alt) in ASSET_IDS.items():
            fiat = kid.startswith("Z")
            out[kid] = {"aclass": "currency", "altname": alt, "decimals": 4 if fiat else 10,
                        "display_decimals": 2 if fiat else 5, "collateral_value": 1.0, "status": "enabled"}
        for sub in SUB_BALANCE.values():
            out[sub] = {"aclass": "currency", "altname": sub, "decimals": 10, "display_decimals": 5, "status": "enabled"}
        return out

    def _pair(self, market: str) -> dict:
        base, quote = market.split("/")
        return {
            "altname": ASSET_IDS[base][1] + ASSET_IDS[quote][1], "wsname": f"{ASSET_IDS[base][1]}/{ASSET_IDS[quote][1]}",
            "aclass_base": "currency", "base": ASSET_IDS[base][0], "aclass_quote": "currency",
            "quote": ASSET_IDS[quote][0], "lot": "unit", "cost_decimals": 5, "pair_decimals": 5, "lot_decimals": 8,
            "lot_multiplier": 1, "leverage_buy": [], "leverage_sell": [],
            "fees": [[0, 0.26], [50000, 0.24], [100000, 0.22]], "fees_maker": [[0, 0.16], [50000, 0.14], [100000, 0.12]],
            "fee_volume_currency": "ZUSD", "margin_call": 80, "margin_stop": 40, "ordermin": "0.0001",
            "costmin": "0.5", "tick_size": "0.00001", "status": "online",
        }

    # -- dispatch ----------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        params = dict(parse_qsl(request.query if request.method == "GET" else request.body, keep_blank_values=True))
        if request.path.startswith(SIGNED_PREFIX):
            denied = self._authenticate(request, params) or self._spend(request.path)
            if denied is not None:
                return denied
        routes = {
            "/0/public/Time": lambda p, r: _ok({"unixtime": r.now_ms // 1000, "rfc1123": ""}),
            "/0/public/Assets": lambda p, r: _ok(self._assets()),
            "/0/public/AssetPairs": lambda p, r: _ok({_pair_id(m): self._pair(m) for m in self.listed()}),
            "/0/public/Ticker": self._ticker,
            "/0/private/BalanceEx": self._balance,
            "/0/private/TradesHistory": self._trades,
            "/0/private/Ledgers": self._ledgers,
            "/0/private/DepositStatus": lambda p, r: _ok(self._transfers("deposit", p, r)),
            "/0/private/WithdrawStatus": lambda p, r: _ok(self._transfers("withdrawal", p, r)),
        }
        route = routes.get(request.path)
        if route is None:
            return _err("EGeneral:Unknown method", status=404)
        return route(params, request)

    def fault_response(self, fault: Fault, request: Request) -> Response:
        if fault.kind == "reject_key":
            return _err("EAPI:Invalid key")
        if fault.kind == "invalid_nonce":
            return _err("EAPI:Invalid nonce")
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.status in (418, 429):
            return _err("EGeneral:Too many requests", status=fault.status, headers=headers)
        return Response(fault.status, f"<html><body><h1>{fault.status} Service Unavailable</h1></body></html>", headers)

    # -- authentication and the call counter ---------------------------------------------------
    def _authenticate(self, request: Request, params: dict) -> Response | None:
        if request.headers.get("api-key") != self.account.api_key:
            return _err("EAPI:Invalid key")
        nonce = params.get("nonce", "")
        message = request.path.encode() + hashlib.sha256((nonce + request.body).encode()).digest()
        try:
            expected = base64.b64encode(hmac.new(base64.b64decode(self.account.secret), message, hashlib.sha512).digest())
        except ValueError:
            return _err("EAPI:Invalid key")
        if not hmac.compare_digest(request.headers.get("api-sign", "").encode(), expected):
            return _err("EAPI:Invalid signature")  # Kraken's answer to a wrong secret
        with self._lock:
            if not nonce.isdigit() or int(nonce) <= self._last_nonce:
                return _err("EAPI:Invalid nonce")
            self._last_nonce = int(nonce)
        return None

    def _spend(self, path: str) -> Response | None:
        cost = 2 if path.endswith(("Ledgers", "TradesHistory")) else 1
        with self._lock:
            now = time.monotonic()
            self._counter = max(0.0, self._counter - (now - self._counter_at) * self.decay_per_s)
            self._counter_at = now
            if self._counter + cost > self.counter_max:
                return _err("EAPI:Rate limit exceeded")
            self._counter += cost
        return None

    # -- endpoints ---------------------------------------------------------------------------
    def _ticker(self, params: dict, request: Request) -> Response:
        by_id = {_pair_id(m): m for m in self.listed()}
        by_alt = {self._pair(m)["altname"]: m for m in self.listed()}
        out = {}
        for requested in params.get("pair", "").split(","):
            market = by_id.get(requested) or by_alt.get(requested)
            if market is None:
                return _err("EQuery:Unknown asset pair")
            last = _s(PROFILE.price(market).quantize(Decimal("0.00001")))
            out[_pair_id(market)] = {
                "a": [last, "1", "1.000"], "b": [last, "1", "1.000"], "c": [last, "0.10000000"],
                "v": ["100.0", "200.0"], "p": [last, last], "t": [100, 200], "l": [last, last],
                "h": [last, last], "o": last,
            }
        return _ok(out)

    def _balance(self, params: dict, request: Request) -> Response:
        history = self.account.history
        staked = history.staked()
        out = {}
        for code, total in sorted(history.balances().items()):
            spot = total - staked.get(code, Decimal(0))
            hold = (spot / 4).quantize(Decimal("0.0001")) if code == "EUR" else Decimal(0)
            out[ASSET_IDS[code][0]] = {"balance": _s(spot), "hold_trade": _s(hold)}
        for code, amount in staked.items():
            out[SUB_BALANCE[code]] = {"balance": _s(amount), "hold_trade": _s(Decimal(0))}
        return _ok(out)

    def _window(self, params: dict, rows: list[tuple[float, str, dict]], now_ms: int) -> tuple[list, int]:
        """Rows with start < time <= end, newest first, one page from `ofs`."""
        start = float(params.get("start", 0) or 0)
        end = float(params.get("end", now_ms / 1000) or now_ms / 1000)
        rows = sorted((r for r in rows if start < r[0] <= end), key=lambda r: r[0], reverse=True)
        ofs = int(params.get("ofs", 0) or 0)
        return rows[ofs:ofs + PAGE], len(rows)

    def _version(self) -> tuple:
        """Changes whenever the rows would: histories only grow, and delisting hides trades."""
        h = self.account.history
        return (len(h.trades), len(h.transfers), len(h.earn), len(h.conversions),
                frozenset(self.account.faults.delisted["kraken"]))

    def _cached(self, name: str, build) -> list[tuple[float, str, dict]]:
        key = (name, self._version())
        with self._lock:
            if key not in self._rows:
                self._rows = {k: v for k, v in self._rows.items() if k[0] != name}
                self._rows[key] = build()
            return self._rows[key]

    def trade_rows(self) -> list[tuple[float, str, dict]]:
        return self._cached("trades", self._trade_rows)

    def ledger_rows(self) -> list[tuple[float, str, dict]]:
        """Every balance change, with Kraken's running balance per asset id."""
        return self._cached("ledger", self._ledger_rows)

    def _trade_rows(self) -> list[tuple[float, str, dict]]:
        listed = set(self.listed())
        out = []
        for t in self.account.history.trades:
            if t.market not in listed:
                continue
            txid = _kid("T", f"trade{t.id}")
            out.append((t.time_ms / 1000, txid, {
                "ordertxid": _kid("O", f"order{t.order_id}"), "postxid": _kid("T", f"pos{t.id}"),
                "pair": _pair_id(t.market), "time": t.time_ms / 1000, "type": t.side, "ordertype": "limit",
                "price": _s(t.price), "cost": _s(t.cost), "fee": _s(t.fee), "vol": _s(t.qty), "margin": _s(Decimal(0)),
                "leverage": "0", "misc": "", "trade_id": t.id, "maker": t.id % 2 == 0,
                "ledgers": [_kid("L", f"trade{t.id}:{t.base}"), _kid("L", f"trade{t.id}:{t.quote}")],
            }))
        return out

    def _ledger_rows(self) -> list[tuple[float, str, dict]]:
        history = self.account.history
        entries: list[tuple[int, str, str, str, str, str, Decimal, Decimal]] = []  # time, lid, refid, type, subtype, asset, amount, fee
        for t in history.trades:
            refid = _kid("T", f"trade{t.id}")
            sign = 1 if t.side == "buy" else -1
            entries.append((t.time_ms, _kid("L", f"trade{t.id}:{t.base}"), refid, "trade", "", ASSET_IDS[t.base][0],
                            sign * t.qty, Decimal(0)))
            entries.append((t.time_ms, _kid("L", f"trade{t.id}:{t.quote}"), refid, "trade", "", ASSET_IDS[t.quote][0],
                            -sign * t.cost, t.fee))
        for t in history.transfers:
            sign = 1 if t.kind == "deposit" else -1
            entries.append((t.time_ms, _kid("L", t.id), self.transfer_refid(t.id), t.kind, "", ASSET_IDS[t.asset][0],
                            sign * t.amount, t.fee))
        for e in history.earn:
            refid = _kid("R", e.id)
            sub = SUB_BALANCE[e.asset]
            kind = "staking" if sub.endswith(".S") else "earn"
            if e.kind == "reward":
                entries.append((e.time_ms, _kid("L", e.id), refid, kind, "" if kind == "staking" else "reward", sub,
                                e.amount, Decimal(0)))
            else:
                out_sub, in_sub = ("spottostaking", "stakingfromspot") if kind == "staking" else ("allocation", "allocation")
                entries.append((e.time_ms, _kid("L", e.id + ":out"), refid, "transfer" if kind == "staking" else "earn",
                                out_sub, ASSET_IDS[e.asset][0], -e.amount, Decimal(0)))
                entries.append((e.time_ms, _kid("L", e.id + ":in"), refid, "transfer" if kind == "staking" else "earn",
                                in_sub, sub, e.amount, Decimal(0)))
        for c in history.conversions:  # "Buy Crypto": a spend and a receive under one refid, no trade
            refid = _kid("C", c.id)
            entries.append((c.time_ms, _kid("L", c.id + ":spend"), refid, "spend", "", ASSET_IDS[c.spent_asset][0],
                            -c.spent, c.fee))
            entries.append((c.time_ms, _kid("L", c.id + ":receive"), refid, "receive", "",
                            ASSET_IDS[c.received_asset][0], c.received, Decimal(0)))
        running: dict[str, Decimal] = {}
        out = []
        for time_ms, lid, refid, kind, subtype, asset, amount, fee in sorted(entries, key=lambda e: e[0]):
            running[asset] = running.get(asset, Decimal(0)) + amount - fee
            out.append((time_ms / 1000, lid, {
                "refid": refid, "time": time_ms / 1000, "type": kind, "subtype": subtype, "aclass": "currency",
                "asset": asset, "amount": _s(amount), "fee": _s(fee), "balance": _s(running[asset]),
            }))
        return out

    @staticmethod
    def transfer_refid(transfer_id: str) -> str:
        return _kid("F", transfer_id)

    def _paged(self, key: str, rows: list, params: dict, request: Request) -> Response:
        page, count = self._window(params, rows, request.now_ms)
        return _ok({key: {rid: row for _, rid, row in page}, "count": count})

    def _trades(self, params: dict, request: Request) -> Response:
        return self._paged("trades", self.trade_rows(), params, request)

    def _ledgers(self, params: dict, request: Request) -> Response:
        rows = self.ledger_rows()
        if params.get("asset"):
            wanted = set(params["asset"].split(","))
            rows = [r for r in rows if r[2]["asset"] in wanted]
        return self._paged("ledger", rows, params, request)

    def _transfers(self, kind: str, params: dict, request: Request) -> list[dict]:
        start = float(params.get("start", 0) or 0)
        end = float(params.get("end", request.now_ms / 1000) or request.now_ms / 1000)
        out = []
        for t in self.account.history.transfers:
            if t.kind != kind or not start < t.time_ms / 1000 <= end:
                continue
            if params.get("asset") and params["asset"] != ASSET_IDS[t.asset][0]:
                continue
            out.append({
                "method": {"BTC": "Bitcoin", "ETH": "Ether", "EUR": "SEPA", "DOT": "Polkadot"}.get(t.asset, t.asset),
                "aclass": "currency", "asset": ASSET_IDS[t.asset][0], "refid": self.transfer_refid(t.id),
                "txid": t.txid, "info": "bc1qimitationaddress", "amount": _s(t.amount), "fee": _s(t.fee),
                "time": t.time_ms // 1000, "status": "Success",
            })
        return sorted(out, key=lambda r: r["time"], reverse=True)
