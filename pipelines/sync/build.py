"""Build: everything after `raw.*` for a batch of integrations, as SQL inside one DuckDB transaction.

The caller owns the transaction, so a failure leaves every table as it was, and every step replaces
what it writes, so a re-run never duplicates a row. The cost follows new data, not history:
`app.build_state` remembers what each integration's last build read (the newest
`raw.records.fetched_at`, the record count, a fingerprint of the registry row and manual
transactions), and the `transactions` step picks one of three ways per integration:

- unchanged: no new record, same fingerprint: nothing to do;
- incremental: the scope of the integration's connector (`sql/build/scope/<name>.sql`) lists the
  groups the new records belong to (a Kraken refid, an EVM transaction hash, a Binance trade) with
  all their records, old and new, and the normalize query reads only those (the temp view
  `build_records`); their rows replace the old ones. The manual rows are inserted again too, so
  their duplicate marks come out as a full build makes them;
- full: the first build, a full re-sync (records at or before the watermark went), a changed
  fingerprint (an edited manual transaction, a converted integration), or a new record the scope
  cannot place (a currency code mapping): everything again, as before.

The later layers are one set-based script each over the whole batch: ledger entries of the removed
and added transactions only (all of them for an integration rebuilt in full), calculated
balances by exact decimal deltas, and the running balance of the reconciliation from each asset's
first changed instant. Either way the rows are exactly those of a full build
(tests/build/test_incremental.py).
"""

from __future__ import annotations

from datetime import datetime

from pipelines.connectors import connector_name
from pipelines.interchange.supersede import supersede_duplicates
from pipelines.settings import SQL_DIR
from pipelines.sqlfiles import run_script, sql
from pipelines.timeutil import utc_now
from pipelines.token_lists import refresh as refresh_token_lists

#: The order layers are built in; each reads only from the ones before it.
STEPS = ("transactions", "ledger_entries", "calculated_balances", "synced_balances", "balance_reconciliation")

#: The watermark of an integration whose last build read no record: every record is newer.
_BEFORE_ANY = datetime(1970, 1, 1)


def build(con, integration_ids: list[str], *, full: bool = False) -> None:
    """Build every layer for a batch of integrations (the caller owns the transaction); `full`
    rebuilds them from all their records regardless of what the last build read."""
    refresh_token_lists(con)  # the spam verdicts of balance_reconciliation read them
    run_script(con, "build/begin", {"integration_ids": list(integration_ids)})
    for step in STEPS:
        build_step(con, step, integration_ids, full=full)


def build_step(con, step: str, integration_ids: list[str], *, full: bool = False) -> None:
    """One layer for the batch: transactions per integration, every later layer set-based."""
    if step == "transactions":
        for integration_id in integration_ids:
            _transactions(con, integration_id, full)
    elif step == "calculated_balances":
        _calculated_balances(con)
    else:
        if step == "balance_reconciliation":
            _rebuilt_entries(con)
        run_script(con, f"build/{step}")


def _calculated_balances(con) -> None:
    """Sum the integrations rebuilt in full again and apply the others' deltas, each part only when
    the batch has any: a part's statements cost 3-5 ms even with nothing to do, which is most of a
    batch's time when Sync All builds 50 integrations per run (benchmark 2)."""
    rebuilt, deltas = con.execute("SELECT EXISTS (FROM build_rebuilt), EXISTS (FROM build_deltas)").fetchall()[0]
    if rebuilt:
        _rebuilt_entries(con)
        run_script(con, "build/calculated_balances/rebuilt")
    if deltas:
        run_script(con, "build/calculated_balances/deltas")


def _rebuilt_entries(con) -> None:
    """The temp view `build_rebuilt_entries`: the ledger entries of the integrations rebuilt in full.
    When those are every registered integration (a first Sync All in one run, a full rebuild), it is
    the whole ledger: testing 10^7 entries for membership costs a third of summing them (benchmark 2),
    and no ledger entry outlives its integration's registry row (sql/queries/forget_account.sql)."""
    rebuilt, registered = con.execute(sql("build/rebuilt_counts")).fetchall()[0]
    everything = rebuilt == registered and con.execute(sql("build/rebuilt_everything")).fetchall()[0][0]
    where = "" if everything else " WHERE integration_id IN (SELECT integration_id FROM build_rebuilt)"
    con.execute(f"CREATE OR REPLACE TEMP VIEW build_rebuilt_entries AS SELECT * FROM core.ledger_entries{where}")


#: Where a kind's normalize query takes its provider's legs (sql/normalize/exchange.sql).
_LEGS = "/*legs*/"


def _normalize_query(name: str, provider: str | None) -> str | None:
    """The connector's normalize query over `build_records`, if its kind has one. A query with the
    legs marker takes them from `normalize/<name>/<provider>.sql`, else `normalize/<name>/ccxt.sql`:
    one legs file per first-class exchange, so adding an exchange adds a file, not a branch."""
    if not (SQL_DIR / "normalize" / f"{name}.sql").exists():
        return None
    query = sql(f"normalize/{name}")
    if _LEGS in query:
        own = f"normalize/{name}/{(provider or '').lower()}"
        query = query.replace(_LEGS, sql(own if (SQL_DIR / f"{own}.sql").exists() else f"normalize/{name}/ccxt"))
    return query.strip().rstrip(";")


def _scope_script(name: str, provider: str | None) -> str | None:
    """`build/scope/<name>/<provider>` or `build/scope/<name>`: what an incremental build re-normalizes."""
    for candidate in (f"build/scope/{name}/{(provider or '').lower()}", f"build/scope/{name}"):
        if (SQL_DIR / f"{candidate}.sql").exists():
            return candidate
    return None


def _fingerprint(con, integration_id: str) -> int:
    return con.execute(sql("build/fingerprint"), {"integration_id": integration_id}).fetchall()[0][0]


def _transactions(con, integration_id: str, full: bool) -> None:
    ((kind, provider),) = con.execute(
        "SELECT kind, provider FROM app.integrations WHERE integration_id = ?", [integration_id]
    ).fetchall()
    name = connector_name(kind, provider)
    params = {"integration_id": integration_id}
    state = con.execute("SELECT raw_watermark, raw_records, fingerprint FROM app.build_state WHERE integration_id = ?",
                        [integration_id]).fetchall()
    last_watermark = (state[0][0] if state else None) or _BEFORE_ANY
    watermark, records, kept = con.execute(
        "SELECT max(fetched_at), count(*), count(*) FILTER (fetched_at <= ?) FROM raw.records WHERE integration_id = ?",
        [last_watermark, integration_id],
    ).fetchall()[0]
    scope = _scope_script(name, provider)
    fingerprint = _fingerprint(con, integration_id)
    incremental = bool(not full and state and kept == state[0][1] and fingerprint == state[0][2])
    if incremental and records == kept:
        return  # nothing new since the last build
    incremental = bool(incremental and scope)
    if incremental:
        run_script(con, scope, {**params, "watermark": last_watermark})
        incremental = not con.execute("SELECT count(*) FROM build_groups WHERE group_key IS NULL").fetchall()[0][0]
    synced, manual = _normalize_query(name, provider), sql("normalize/manual_transactions")
    if incremental:
        con.execute("CREATE OR REPLACE TEMP VIEW build_records AS SELECT * FROM build_scoped")
        con.execute(f"INSERT INTO build_added {synced}", params)
        run_script(con, "build/transactions_replace", params)
    else:
        con.execute("CREATE OR REPLACE TEMP VIEW build_records AS SELECT * FROM raw.records")
        con.execute("INSERT INTO build_rebuilt VALUES (?)", [integration_id])
        con.execute("DELETE FROM core.transactions WHERE integration_id = ?", [integration_id])
        if synced:
            con.execute(f"INSERT INTO core.transactions {synced}", params)
    if con.execute("SELECT count(*) FROM app.manual_transactions WHERE integration_id = ?", [integration_id]).fetchall()[0][0]:
        con.execute(f"INSERT INTO core.transactions {manual}", params)
        if supersede_duplicates(con, integration_id):  # manual rows a sync brought again leave the balances
            fingerprint = _fingerprint(con, integration_id)  # the new marks are part of it
        if incremental:  # the manual rows left in build/transactions_replace and are back (those not superseded)
            con.execute("INSERT INTO build_added SELECT * FROM core.transactions "
                        "WHERE integration_id = ? AND origin = 'manual'", [integration_id])
    con.execute("INSERT OR REPLACE INTO app.build_state VALUES (?, ?, ?, ?, ?)",
                [integration_id, watermark, records, fingerprint, utc_now()])
