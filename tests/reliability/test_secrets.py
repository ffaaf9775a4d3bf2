"""Exchange keys and secrets never appear in clear text: not in the warehouse files, not in Dagster's
run and event storage (SQLite and PostgreSQL) or compute logs, not in CLI output or error messages."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import psycopg2
import pytest
import yaml

from pipelines.imitations.exchange import ExchangeImitation
from pipelines.registry.integrations import add_integration
from pipelines.runner import sync
from pipelines.warehouse import connect
from tests.pg import PG, dagster_url, fresh_database
from tests.reliability.worlds import (BitpandaWorld, BitstampWorld, BitvavoWorld, BybitWorld, CoinbaseWorld, KucoinWorld,
                                      OkxWorld)

FAST = ("--option", "retry_backoff_s=0.02", "--option", "timeout_ms=1500", "--option", "rate_limit_ms=0.01")


def leaks(haystack: bytes, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s.encode() in haystack]


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def imitation():
    with ExchangeImitation(seed=5, binance_events={"trades": 60, "deposits": 3, "withdrawals": 2, "earn": 1},
                           kraken_counter_max=10_000) as server:
        yield server


def test_no_secret_in_clear_text_anywhere(cli, warehouse, tmp_path, monkeypatch, imitation):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    key, secret = imitation.binance.api_key, imitation.binance.secret
    monkeypatch.setenv("EX_KEY", key)
    monkeypatch.setenv("EX_SECRET", secret)
    monkeypatch.setenv("BAD_SECRET", "wrong-" + secret)
    outputs = []

    def run(*args):
        result = cli(*args)
        outputs.append(result.out + result.err)
        return result

    run("accounts", "add", "sam", "--timezone", "UTC")
    origin = ("--option", f"api_origin={imitation.url}", *FAST)
    assert run("integrations", "add", "sam", "Binance", "--kind", "exchange", "--provider", "binance",
               "--api-key-env", "EX_KEY", "--secret-env", "EX_SECRET", *origin).code == 0
    assert run("integrations", "add", "sam", "Rejected", "--kind", "exchange", "--provider", "binance",
               "--api-key-env", "EX_KEY", "--secret-env", "BAD_SECRET", *origin).code == 0
    assert run("sync", "sam-binance").code == 0
    rejected = run("sync", "sam-rejected")
    assert rejected.code == 1 and "sam-rejected" in rejected.err
    for args in (("integrations", "show", "sam-binance"), ("integrations", "list"), ("balances",),
                 ("transactions", "list", "sam-binance")):
        assert run(*args).code == 0

    secrets = [key, secret, "wrong-" + secret]
    for path in files_under(warehouse.parent, home):
        assert not leaks(path.read_bytes(), secrets), f"secret in clear text in {path}"
    assert not leaks("\n".join(outputs).encode(), secrets)

    # The same sync recorded in PostgreSQL: runs, event logs and every other table.
    synced_on_postgres(tmp_path, ["sam-binance", "sam-rejected"], secrets)


def synced_on_postgres(tmp_path: Path, integration_ids: list[str], secrets: list[str]) -> None:
    """Sync a good and a rejected integration (in that order) with Dagster's storage on a fresh
    PostgreSQL database; no secret is in the outcomes or in any row of any of its tables."""
    with fresh_database() as db:
        pg_home = tmp_path / "pg_home"
        pg_home.mkdir()
        (pg_home / "dagster.yaml").write_text(yaml.safe_dump({"storage": {"postgres": {"postgres_url": dagster_url(db)}},
                                                              "telemetry": {"enabled": False}}))
        with dg.DagsterInstance.from_config(str(pg_home)) as instance:
            outcomes = sync(integration_ids, dagster_instance=instance)
        assert [o.success for o in outcomes] == [True, False], [o.error for o in outcomes]
        assert "rejected the API key" in str(outcomes[1].error)
        assert not leaks(str(outcomes).encode(), secrets)
        with psycopg2.connect(dbname=db, **PG) as pg, pg.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
            dump = []
            for (table,) in cur.fetchall():
                cur.execute(f'SELECT * FROM "{table}"')
                dump.append(repr(cur.fetchall()))
        assert not leaks("\n".join(dump).encode(), secrets)
        assert integration_ids[0] in "\n".join(dump)  # the dump did read the run records


def spoiled(credentials: dict[str, str]) -> dict[str, str]:
    """The credentials with their last secret part wrong: the passphrase where there is one, else the
    secret, else the key, so the exchange refuses them (and the wrong value must stay hidden too)."""
    part = next(k for k in ("password", "secret", "apiKey") if k in credentials)
    return {**credentials, part: "wrong-" + credentials[part]}


@pytest.mark.parametrize("world_class", [BitpandaWorld, CoinbaseWorld, BybitWorld, OkxWorld, KucoinWorld, BitstampWorld,
                                         BitvavoWorld], ids=lambda w: w.provider)
def test_no_exchange_credential_in_clear_text_in_the_warehouse_or_dagsters_postgresql(warehouse, tmp_path, world_class):
    """Every first-class exchange, passphrases included: a synced and a rejected integration leave
    none of their credentials in the warehouse files, the run outcomes or Dagster's PostgreSQL tables."""
    world = world_class(warehouse)
    try:
        good = world.credentials()
        bad = spoiled(good)
        good_id = world.add("Good")
        with connect(warehouse) as con:
            bad_id = add_integration(con, "rel", "Bad", "exchange", world.provider, settings=world.settings(),
                                     credentials=bad)
        secrets = sorted({v for creds in (good, bad) for v in creds.values()})
        synced_on_postgres(tmp_path, [good_id, bad_id], secrets)
        for path in files_under(warehouse.parent):
            assert not leaks(path.read_bytes(), secrets), f"secret in clear text in {path}"
    finally:
        world.close()


def test_the_readme_demo_leaves_no_secret_in_clear_text(tmp_path):
    """`pipelines demo` (what `make demo` runs) with its known exchange credentials, in its own data
    directory and Dagster home: none of the keys or secrets is in any file it wrote or in its output."""
    import os
    import subprocess
    import sys

    from pipelines.demo_parts.exchange import SEED
    from pipelines.imitations.bitpanda.server import API_KEY
    from pipelines.imitations.coinbase.server import make_keys
    from pipelines.imitations.exchange.server import credentials_for
    from pipelines.settings import PROJECT_ROOT

    data, home = tmp_path / "data", tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_bytes((PROJECT_ROOT / "deploy" / "dagster.dev.yaml").read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINES_")}
    env.update(DAGSTER_HOME=str(home), PIPELINES_WAREHOUSE=str(data / "warehouse.duckdb"),
               PIPELINES_SECRET_KEY_FILE=str(data / "secret.key"), PIPELINES_INBOX=str(data / "inbox"),
               PIPELINES_ANALYTICS=str(data / "analytics.duckdb"))
    demo = subprocess.run([sys.executable, "-m", "pipelines.cli.main", "demo"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "demo-binance" in demo.stdout  # it did sync the exchanges
    secrets = [value for exchange in ("binance", "kraken") for value in credentials_for(exchange, SEED).values()]
    coinbase = make_keys(SEED)[0]["ecdsa"]
    # The CDP key's PEM secret also line by line: a stored copy with other line breaks is still a leak.
    secrets += [API_KEY, *coinbase.values(), *(line for line in coinbase["secret"].splitlines() if not line.startswith("-----"))]
    written = files_under(data, home)
    assert any(p.name == "warehouse.duckdb" for p in written) and any("storage" in p.parts for p in written)
    for path in written:
        assert not leaks(path.read_bytes(), secrets), f"secret in clear text in {path}"
    assert not leaks((demo.stdout + demo.stderr).encode(), secrets)
