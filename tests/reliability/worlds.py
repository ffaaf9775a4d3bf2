"""One small world per connector for the reliability tests: register an integration, make new
activity at its source, and say what an exact sync must show."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect

FAST = {"retry_backoff_s": 0.02, "timeout_ms": 3000, "rate_limit_ms": 0.01}
SMALL_BINANCE = {"trades": 120, "deposits": 4, "withdrawals": 3, "earn": 1}
SMALL_KRAKEN = {"trades": 40, "deposits": 3, "withdrawals": 2, "earn": 6}


def synced(*integration_ids: str) -> None:
    """Sync the integrations (one Dagster run each, as the CLI does) and require every run green."""
    from pipelines.runner import sync

    outcomes = sync(list(integration_ids))
    assert all(o.success for o in outcomes), [o.error for o in outcomes if not o.success]


def ensure_account(warehouse) -> None:
    """The account every world registers its integrations under (several worlds may share it)."""
    with connect(warehouse) as con:
        if not con.execute("SELECT 1 FROM app.accounts WHERE account_id = 'rel'").fetchall():
            add_account(con, "rel", "UTC", "EUR")


def layers(warehouse, integration_id: str) -> dict[str, list]:
    """Every derived row of one integration (ids and amounts), for exact comparisons."""
    queries = {
        "raw": "SELECT stream, source_id, payload::VARCHAR FROM raw.records",
        # tx_id is deterministic per integration (it starts with the integration id): compare the rest.
        "transactions": "SELECT * EXCLUDE (integration_id) REPLACE (replace(tx_id, integration_id, '') AS tx_id) FROM core.transactions",
        "ledger": "SELECT * EXCLUDE (integration_id) REPLACE (replace(tx_id, integration_id, '') AS tx_id) FROM core.ledger_entries",
        "calculated": "SELECT asset_id, amount FROM marts.calculated_balances",
        "reconciliation": "SELECT asset_id, synced, calculated, status FROM marts.balance_reconciliation",
    }
    with connect(warehouse, read_only=True) as con:
        return {name: sorted(map(repr, con.execute(f"{q} WHERE integration_id = ?", [integration_id]).fetchall()))
                for name, q in queries.items()}


SOURCE_TABLES = ("app.integrations", "app.sync_state", "raw.records", "raw.balance_snapshots")
DERIVED_TABLES = ("core.transactions", "core.ledger_entries", "marts.calculated_balances", "core.synced_balances",
                  "marts.balance_reconciliation")


def everything(warehouse, tables=SOURCE_TABLES + DERIVED_TABLES) -> dict[str, list]:
    with connect(warehouse, read_only=True) as con:
        return {t: sorted(map(repr, con.execute(f"FROM {t}").fetchall())) for t in tables}


def reconciliation(warehouse, integration_id: str) -> dict[str, tuple]:
    with connect(warehouse, read_only=True) as con:
        rows = con.execute("SELECT asset_id, synced, calculated, status FROM marts.balance_reconciliation "
                           "WHERE integration_id = ? AND tip_code IS DISTINCT FROM 'spam_token'", [integration_id]).fetchall()
    return {r[0]: r[1:] for r in rows}


def assert_exact(warehouse, integration_id: str, truth: dict[str, Decimal] | None = None) -> None:
    """Calculated equals synced for every asset (and equals the source's true balances when known)."""
    rec = reconciliation(warehouse, integration_id)
    assert rec, "nothing synced"
    for asset_id, (synced, calculated, status) in rec.items():
        assert status == "match" and synced == calculated, (asset_id, synced, calculated, status)
    if truth is not None:
        held = {a: c for a, (_, c, _) in rec.items() if c}
        assert held == {a: v for a, v in truth.items() if v}


class ExchangeWorld:
    def __init__(self, warehouse, provider: str = "binance", seed: int = 21):
        from pipelines.imitations.exchange import ExchangeImitation

        self.warehouse, self.provider = warehouse, provider
        self.stack = contextlib.ExitStack()
        self.imitation = self.stack.enter_context(
            ExchangeImitation(seed=seed, binance_events=SMALL_BINANCE, kraken_events=SMALL_KRAKEN, kraken_counter_max=10_000))
        self.account = getattr(self.imitation, provider)
        ensure_account(warehouse)

    def add(self, name: str) -> str:
        with connect(self.warehouse) as con:
            return add_integration(con, "rel", name, "exchange", self.provider,
                                   settings={"api_origin": self.imitation.url, **FAST},
                                   credentials={"apiKey": self.account.api_key, "secret": self.account.secret})

    def new_activity(self) -> None:
        self.account.add_activity(trades=4, deposits=1, withdrawals=1, earn=1)

    def truth(self) -> dict[str, Decimal]:
        return self.account.true_balances()

    def close(self) -> None:
        self.stack.close()


class WalletWorld:
    def __init__(self, warehouse, node_url: str, chain):
        self.warehouse, self.node_url, self.chain = warehouse, node_url, chain
        self.address = chain.new_address()
        self.counterparty = chain.new_address()
        self.token = chain.deploy("TestToken", "Reliable", "REL", 18)
        self._seed_activity()
        ensure_account(warehouse)

    def _seed_activity(self) -> None:
        self.chain.send(self.chain.faucet, self.address, 10**18)
        self.chain.transact(self.token.functions.mint(self.address, 5 * 10**18), self.chain.faucet)

    def add(self, name: str) -> str:
        with connect(self.warehouse) as con:
            return add_integration(con, "rel", name, "wallet", "ethereum",
                                   settings={"rpc_url": self.node_url, "confirmations": 0, "addresses": [self.address]})

    def new_activity(self) -> None:
        self.chain.send(self.address, self.counterparty, 10**15)
        self.chain.transact(self.token.functions.transfer(self.counterparty, 10**17), self.address)
        self.chain.send(self.chain.faucet, self.address, 3 * 10**15)

    def truth(self) -> None:
        return None  # the chain's own balances are the synced side; exactness is synced == calculated

    def close(self) -> None:
        pass


class BitcoinWorld:
    """The test zpub's wallet on the Esplora imitation, or a coin's test wallet on the Blockbook
    imitation of that coin (Litecoin, Dogecoin, Bitcoin Cash); new activity is payments in and out, mined."""

    def __init__(self, warehouse, coin: str = "bitcoin"):
        from pipelines.connectors.bitcoin.coins import COINS
        from pipelines.imitations.blockbook import BlockbookImitation
        from pipelines.imitations.esplora import EsploraImitation
        from pipelines.imitations.esplora.scenario import Wallet

        self.warehouse = warehouse
        self.coin = coin
        self.stack = contextlib.ExitStack()
        imitation = EsploraImitation() if coin == "bitcoin" else BlockbookImitation(Wallet(COINS[coin]))
        self.imitation = self.stack.enter_context(imitation)
        self.rounds = 0
        ensure_account(warehouse)

    def add(self, name: str) -> str:
        settings, credentials = {"xpubs": [self.imitation.wallet.key]}, {}
        if self.coin == "bitcoin":
            settings["esplora_url"] = self.imitation.url
        else:
            credentials["blockbook_url"] = self.imitation.url
        with connect(self.warehouse) as con:
            return add_integration(con, "rel", name, "wallet", self.coin, settings=settings, credentials=credentials)

    def new_activity(self) -> None:
        wallet, chain = self.imitation.wallet, self.imitation.chain
        p, receive = wallet.parties(), wallet.receive
        self.rounds += 1
        chain.pay([p.pool], [(receive(6 + self.rounds % 3), 50_000 + self.rounds)], fee=300)
        chain.mine()
        funded = [a for a in (receive(6), receive(7), receive(8)) if chain.utxos(a)]
        if funded:
            chain.pay([funded[0]], [(p.merchant, 10_000)], fee=250, change=wallet.change(4))
        chain.mine()

    def truth(self) -> None:
        return None

    def close(self) -> None:
        self.stack.close()


class TronWorld:
    """The scenario's Tron wallet on the TronGrid imitation (API key required); new activity is TRX
    and USDT in and out, confirmed."""

    provider = "tron"
    KEY = "rel-tron-pro-api-key-0001"

    def __init__(self, warehouse):
        from pipelines.imitations.tron import TronGridImitation

        self.warehouse = warehouse
        self.stack = contextlib.ExitStack()
        self.imitation = self.stack.enter_context(TronGridImitation(api_key=self.KEY))
        self.rounds = 0
        ensure_account(warehouse)

    def add(self, name: str, **settings) -> str:
        from pipelines.imitations.tron.scenario import WALLET

        with connect(self.warehouse) as con:
            return add_integration(con, "rel", name, "wallet", "tron", settings={"address": WALLET, **settings},
                                   credentials={"api_url": self.imitation.url, "api_key": self.KEY})

    def new_activity(self) -> None:
        from pipelines.imitations.tron.scenario import EXCHANGE, MERCHANT, USDT, WALLET

        ledger = self.imitation.ledger
        self.rounds += 1
        ledger.transfer(EXCHANGE, WALLET, 2_000_000 + self.rounds)
        ledger.call(WALLET, USDT.contract, events=[(USDT, WALLET, MERCHANT, 1_000 + self.rounds)],
                    net_fee=345_000, energy_fee=13_844_800)
        ledger.confirm()

    def truth(self) -> dict[str, Decimal]:
        """TRX and USDT as the imitation holds them (the airdropped spam token is left out, as
        `reconciliation` leaves it out)."""
        from pipelines.imitations.tron.scenario import SPAM, WALLET

        sun, tokens = self.imitation.ledger.holdings(WALLET)
        return {"tron:native": Decimal(sun).scaleb(-6),
                **{f"tron:{t.contract}": Decimal(u).scaleb(-t.decimals) for t, u in tokens.items() if t != SPAM}}

    def close(self) -> None:
        self.stack.close()


class SolanaWorld:
    """The scenario's Solana wallet on the RPC imitation (its URL holds an API key); new activity is
    SOL in and USDC out (naming only the token accounts), finalized."""

    provider = "solana"
    KEY = "rel-solana-helius-key-0001"

    def __init__(self, warehouse):
        from pipelines.imitations.solana import SolanaImitation

        self.warehouse = warehouse
        self.stack = contextlib.ExitStack()
        self.imitation = self.stack.enter_context(SolanaImitation(api_key=self.KEY))
        # Faults a test turns on ask for no wait (Retry-After 0): a Solana sync makes hundreds of calls,
        # and the client's own backoff would make the flaky-sources test minutes long, proving no more.
        self.imitation.retry_after = "0"
        self.rounds = 0
        ensure_account(warehouse)

    def add(self, name: str, **settings) -> str:
        from pipelines.imitations.solana.scenario import WALLET

        with connect(self.warehouse) as con:
            return add_integration(con, "rel", name, "wallet", "solana", settings={"address": WALLET, **settings},
                                   credentials={"rpc_url": self.imitation.url})

    def new_activity(self) -> None:
        from pipelines.imitations.solana.scenario import EXCHANGE, MERCHANT, USDC, WALLET, token_account

        ledger = self.imitation.ledger
        self.rounds += 1
        ledger.transact(EXCHANGE, [("sol", EXCHANGE, WALLET, 2_000_000 + self.rounds)])
        ledger.transact(WALLET, [("token", token_account(WALLET, USDC), token_account(MERCHANT, USDC), 1_000 + self.rounds)])
        ledger.finalize()

    def truth(self) -> dict[str, Decimal]:
        """SOL (with rent and stake) and the tokens as the imitation holds them, the spam airdrop left out."""
        from pipelines.imitations.solana.scenario import SPAM, WALLET

        lamports, tokens = self.imitation.ledger.holdings(WALLET)
        decimals = {address: mint.decimals for address, mint in self.imitation.ledger.mints.items()}
        return {"solana:native": Decimal(lamports).scaleb(-9),
                **{f"solana:{m}": Decimal(u).scaleb(-decimals[m]) for m, u in tokens.items() if m != SPAM.address}}

    def close(self) -> None:
        self.stack.close()


class BitpandaWorld:
    """A Bitpanda account on its imitation; new activity is a savings-plan buy and a staking reward."""

    provider = "bitpanda"

    def __init__(self, warehouse):
        self.warehouse = warehouse
        self.stack = contextlib.ExitStack()
        self.imitation = self.stack.enter_context(self.serve())
        ensure_account(warehouse)

    def serve(self):
        from pipelines.imitations.bitpanda import BitpandaImitation

        return BitpandaImitation()

    def credentials(self) -> dict:
        return {"apiKey": self.imitation.api_key}

    def settings(self, **overrides) -> dict:
        return {"api_origin": self.imitation.url, **FAST, **overrides}

    def add(self, name: str, **settings) -> str:
        with connect(self.warehouse) as con:
            return add_integration(con, "rel", name, "exchange", self.provider, settings=self.settings(**settings),
                                   credentials=self.credentials())

    def new_activity(self) -> None:
        self.imitation.add_now()

    def truth(self) -> dict[str, Decimal]:
        return self.imitation.true_balances()

    def close(self) -> None:
        self.stack.close()


class KucoinWorld(BitpandaWorld):
    """A KuCoin account on its imitation (ten days, walked day by day from start_date); new activity
    is a trade, a transfer and a withdrawal."""

    provider = "kucoin"
    DAYS = 10

    def serve(self):
        from pipelines.imitations.kucoin import KucoinImitation

        return KucoinImitation(days=self.DAYS)

    def credentials(self) -> dict:
        return self.imitation.credentials

    def settings(self, **overrides) -> dict:
        from datetime import date, timedelta

        start = (date.today() - timedelta(days=self.DAYS + 1)).isoformat()
        return super().settings(**{"start_date": start, **overrides})


class CoinbaseWorld(BitpandaWorld):
    """A Coinbase account (legacy HMAC key) on its imitation; new activity is a buy and a staking reward."""

    provider = "coinbase"

    def serve(self):
        from pipelines.imitations.coinbase import CoinbaseImitation

        return CoinbaseImitation()

    def credentials(self) -> dict:
        return self.imitation.credentials["hmac"]


class BybitWorld(BitpandaWorld):
    """A Bybit account (unified trading + funding) on its imitation, the same way; new activity is a
    deposit, a transfer into the unified account, a spot buy there and an earn yield."""

    provider = "bybit"

    def serve(self):
        from pipelines.imitations.bybit import BybitImitation

        return BybitImitation()

    def credentials(self) -> dict:
        return {"apiKey": self.imitation.api_key, "secret": self.imitation.secret}


class BitstampWorld(BitpandaWorld):
    """A Bitstamp account on its imitation (key and secret); new activity is a trade and a staking reward."""

    provider = "bitstamp"

    def serve(self):
        from pipelines.imitations.bitstamp import BitstampImitation

        return BitstampImitation()

    def credentials(self) -> dict:
        return {"apiKey": self.imitation.api_key, "secret": self.imitation.secret}


class BitvavoWorld(BitstampWorld):
    """A Bitvavo account on its imitation (key and secret); new activity is a buy and a staking reward."""

    provider = "bitvavo"

    def serve(self):
        from pipelines.imitations.bitvavo import BitvavoImitation

        return BitvavoImitation()


class OkxWorld(BitpandaWorld):
    """An OKX account (trading + funding) on its imitation, from the day its history starts (an
    earlier start asks OKX's archive for each quarter, 12 a day); new activity is a deposit moved to
    trading and spent on a buy."""

    provider = "okx"

    def serve(self):
        from pipelines.imitations.okx import OkxImitation

        return OkxImitation(days=60)

    def credentials(self) -> dict:
        return self.imitation.credentials()

    def settings(self, **overrides) -> dict:
        from pipelines.connectors.exchange.base import from_ms

        start = from_ms(int(self.imitation.history.funding_bills[0]["ts"])).date().isoformat()
        return super().settings(**{"start_date": start, "archive_poll_s": 0.01, **overrides})


#: Worlds made from the warehouse alone, by provider: every source with an imitation of its own
#: (Tron, Solana, and each first-class exchange but Binance and Kraken).
OWN_IMITATION_WORLDS = {w.provider: w for w in (TronWorld, SolanaWorld, BitpandaWorld, CoinbaseWorld, BybitWorld, OkxWorld,
                                                KucoinWorld, BitstampWorld, BitvavoWorld)}
