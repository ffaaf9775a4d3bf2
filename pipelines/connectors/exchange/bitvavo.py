"""Bitvavo: the private REST endpoints through ccxt's raw methods (signing, errors, rate limits).

- Balances: `GET /v2/balance`, `available + inOrder` per symbol from the strings. Flexibly staked
  coins stay in it (staking moves nothing), so only the rewards are history.
- History: `GET /v2/account/history` (ccxt `privateGetAccountHistory`) is Bitvavo's complete
  record of balance changes: buys and sells with both currencies (`sentCurrency`/`sentAmount`,
  `receivedCurrency`/`receivedAmount`) and the fee (`feesCurrency`/`feesAmount`), deposits,
  withdrawals (and `withdrawal_cancelled`), staking, fixed staking, rebates, affiliate payouts.
  ccxt's unified ledger keeps one currency of a trade, so the items are stored as Bitvavo sends
  them and `sql/normalize/exchange/bitvavo.sql` builds every leg. One window from the cursor (minus
  `overlap_s`) or `start_date` to the cut-off (`fromDate`/`toDate`, fixed, so items booked meanwhile
  shift no page), pages of 100 (the maximum) numbered from 1 up to `totalPages`. An incremental
  sync with nothing new costs one request.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pipelines.connectors.base import RecordSink, SyncedBalance
from pipelines.connectors.exchange.base import ExchangeReader, dumps

PAGE = 100
CURRENCY_FIELDS = ("sentCurrency", "receivedCurrency", "feesCurrency", "priceCurrency")


def executed_at(item: dict) -> datetime:
    """An item's `executedAt` ("2025-01-03T09:00:00.000Z") as naive UTC."""
    return datetime.fromisoformat(item["executedAt"].replace("Z", "+00:00")).replace(tzinfo=None)


class BitvavoReader(ExchangeReader):
    streams = ("history",)
    launched = "2018-01-01"

    def prepare(self) -> None:
        """Nothing: symbols are the items' own, so ccxt's markets are not needed."""

    def balances(self) -> list[SyncedBalance]:
        rows = self.call("privateGetBalance")
        return self.summed((self.code(r["symbol"]), r["symbol"], Decimal(r["available"]) + Decimal(r["inOrder"]),
                            f"{r['available']}+{r['inOrder']}") for r in rows)

    def read_history(self, cursor: str | None, sink: RecordSink) -> str | None:
        window = {"fromDate": self.start_ms(cursor), "toDate": self.cutoff_ms, "maxItems": PAGE}
        page = 1
        while True:
            answer = self.call("privateGetAccountHistory", {**window, "page": page})
            items = answer.get("items") or []
            for item in items:
                for key in CURRENCY_FIELDS:
                    if item.get(key):
                        self.code(item[key])
            self.add(sink, "history", [(i["transactionId"], executed_at(i), dumps(i)) for i in items])
            if not items or page >= int(answer.get("totalPages") or 0):
                return str(self.cutoff_ms)
            page += 1
