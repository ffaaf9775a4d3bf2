"""Demo: a Binance and a Kraken integration, read through ccxt from the exchange imitation, a
Bitpanda one read from the Bitpanda imitation by its own client, and a Coinbase one (CDP key) read
through ccxt from the Coinbase imitation.

The Binance account traded SOL/USDT, a market that has since been delisted: its trades can no
longer be fetched, so the demo shows a mismatch (SOL, USDT and the BNB its fees were paid in) with
tips, while Kraken's complete ledger, Bitpanda's three history lists and Coinbase's account transactions give a full match. Live prices are read from the imitation's
public Kraken Ticker.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime, timedelta

from pipelines.imitations.exchange.server import HISTORY_DAYS

#: The seeded gap: trades of this market are missing from every sync.
DELISTED = "SOL/USDT"
#: The imitation's seed: its accounts, histories and API credentials follow from it.
SEED = 7


def setup(con, account_id: str, stack: contextlib.ExitStack) -> None:
    from pipelines.assets.prices import ORIGIN_ENV
    from pipelines.imitations.bitpanda import BitpandaImitation
    from pipelines.imitations.coinbase import CoinbaseImitation
    from pipelines.imitations.exchange import ExchangeImitation
    from pipelines.registry.integrations import add_integration

    imitation = stack.enter_context(ExchangeImitation(seed=SEED, kraken_counter_max=500))
    imitation.faults.delist("binance", DELISTED)
    os.environ[ORIGIN_ENV] = imitation.url
    start = (datetime.now(UTC) - timedelta(days=HISTORY_DAYS + 1)).date().isoformat()
    settings = {"api_origin": imitation.url, "start_date": start, "rate_limit_ms": 5}
    for provider, name in (("binance", "Binance"), ("kraken", "Kraken")):
        account = getattr(imitation, provider)
        add_integration(con, account_id, name, "exchange", provider, group_name="Exchanges", settings=settings,
                        credentials={"apiKey": account.api_key, "secret": account.secret})
    bitpanda = stack.enter_context(BitpandaImitation(seed=SEED))
    add_integration(con, account_id, "Bitpanda", "exchange", "bitpanda", group_name="Exchanges",
                    settings={"api_origin": bitpanda.url}, credentials={"apiKey": bitpanda.api_key})
    coinbase = stack.enter_context(CoinbaseImitation(seed=SEED))
    add_integration(con, account_id, "Coinbase", "exchange", "coinbase", group_name="Exchanges",
                    settings={"api_origin": coinbase.url, "rate_limit_ms": 0.1},
                    credentials=coinbase.credentials["ecdsa"])
