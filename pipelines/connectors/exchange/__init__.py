"""Exchange integrations through ccxt: any ccxt exchange id is a provider; Binance and Kraken are
first class (one reader module each behind `base.ExchangeReader`, like rotki's exchange modules), and
so is Bitpanda, which ccxt lacks (`bitpanda.py` with its own small client, `bitpanda_api.py`), and so are
Bitstamp and Bitvavo (`bitstamp.py`, `bitvavo.py`: their complete raw ledgers through ccxt's raw methods).

Settings of an exchange integration (`pipelines integrations add ... --option key=value`):

- `api_origin`: replaces scheme, host and port of every API URL (the exchange imitation, a proxy or
  a gateway), e.g. `api_origin=http://127.0.0.1:8123`.
- `start_date`: where a full re-sync starts (ISO date; default: the exchange's launch).
- `markets`: Binance trade markets to ask besides the discovered ones (e.g. `["SOL/USDT"]`);
  `all_markets=true` sweeps every listed market (slow, thousands of calls).
- `overlap_s`, `timeout_ms`, `rate_limit_ms`, `max_retries`, `retry_backoff_s`: see `client.py`.

Credentials: `apiKey`, `secret` and, where the exchange needs it, `password` (Bitpanda: `apiKey` only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelines.connectors.base import Connector, Integration, Log, RecordSink, Snapshot
from pipelines.errors import UserError

#: provider -> "module:Reader"; any other ccxt id uses the generic reader.
READERS = {
    "binance": "pipelines.connectors.exchange.binance:BinanceReader",
    "kraken": "pipelines.connectors.exchange.kraken:KrakenReader",
    "bitpanda": "pipelines.connectors.exchange.bitpanda:BitpandaReader",
    "kucoin": "pipelines.connectors.exchange.kucoin:KucoinReader",
    "coinbase": "pipelines.connectors.exchange.coinbase:CoinbaseReader",
    "bybit": "pipelines.connectors.exchange.bybit:BybitReader",
    "bitstamp": "pipelines.connectors.exchange.bitstamp:BitstampReader",
    "bitvavo": "pipelines.connectors.exchange.bitvavo:BitvavoReader",
    "okx": "pipelines.connectors.exchange.okx:OkxReader",
}
#: Providers ccxt does not have, read by their own client: the credentials each needs.
OWN_CLIENT = {"bitpanda": ("apiKey",)}
GENERIC = "pipelines.connectors.exchange.base:GenericReader"
_LIST_SETTINGS = ("markets",)
_NUMBER_SETTINGS = ("overlap_s", "timeout_ms", "rate_limit_ms", "max_retries", "retry_backoff_s", "archive_poll_s",
                    "archive_wait_s")


def reader_class(provider: str):
    from importlib import import_module

    module, _, name = READERS.get(provider, GENERIC).partition(":")
    return getattr(import_module(module), name)


def reader_note(provider: str | None) -> str:
    """How an exchange is read, for `integrations show`: its own reader, or the generic one (best effort)."""
    if (provider or "").lower() in READERS:
        return f"own reader for {provider} (tested against its imitation; balances reconcile exactly)"
    return ("best effort: the generic ccxt reader (unified ledger where the exchange has fetchLedger, booked "
            "instead of its trades, deposits and withdrawals; else those three, trades only for the `markets` "
            "setting where the exchange needs a symbol); untested against this exchange, so missing history shows "
            "as a mismatch: import the exchange's export for it")


class ExchangeConnector(Connector):
    kind = "exchange"

    def validate(self, provider: str | None, settings: Mapping[str, Any], credentials: Mapping[str, str]) -> str:
        import ccxt

        from pipelines.connectors.exchange.client import check_origin

        canonical = (provider or "").strip().lower()
        if canonical in OWN_CLIENT:
            needs = dict.fromkeys(OWN_CLIENT[canonical], True)
        elif canonical in ccxt.exchanges:
            needs = getattr(ccxt, canonical)().requiredCredentials
        else:
            raise UserError(f"unknown exchange {provider!r}: use bitpanda or a ccxt exchange id such as binance or kraken")
        missing = [key for key in ("apiKey", "secret", "password") if needs.get(key) and not credentials.get(key)]
        if missing:
            raise UserError(f"{canonical} needs the credentials {', '.join(missing)}")
        if settings.get("api_origin"):
            check_origin(str(settings["api_origin"]))
        for key in _LIST_SETTINGS:
            if key in settings and not isinstance(settings[key], list):
                raise UserError(f"setting {key} must be a JSON list, e.g. {key}='[\"BTC/USDT\"]'")
        for key in _NUMBER_SETTINGS:
            if key in settings and not isinstance(settings[key], int | float):
                raise UserError(f"setting {key} must be a number")
        if settings.get("start_date"):
            from datetime import date

            try:
                date.fromisoformat(str(settings["start_date"]))
            except ValueError:
                raise UserError(f"setting start_date {settings['start_date']!r} is not an ISO date (YYYY-MM-DD)") from None
        return canonical

    def extract(
        self, integration: Integration, cursors: Mapping[str, str], sink: RecordSink, *, full: bool, log: Log
    ) -> Snapshot:
        reader = reader_class(integration.provider)(integration, log)
        log.info(f"{integration.integration_id}: reading {integration.provider} ({'full' if full else 'incremental'})")
        return reader.run(cursors, sink, full)
