"""Sync and balance commands: `sync`, `sync-all`, `balances`, `demo`."""

from __future__ import annotations

import sys

from pipelines.cli.registry_commands import _cmd, registry
from pipelines.errors import UserError


def register(subparsers) -> None:
    p = _cmd(subparsers, "sync", _sync, "sync one or more integrations now (runs sync_all for them)")
    p.add_argument("integration_ids", nargs="+", metavar="INTEGRATION")
    p.add_argument("--full", action="store_true", help="full re-sync: re-import from the integration's start date")
    p = _cmd(subparsers, "sync-all", _sync_all, "Sync All: every active integration (of one account)")
    p.add_argument("--account")
    p.add_argument("--full", action="store_true", help="full re-sync")
    p.add_argument(
        "--submit", nargs="?", const="", metavar="URL",
        help="submit to a running Dagster webserver (default $DAGSTER_WEBSERVER_URL or http://127.0.0.1:3000) so the "
        "runs show in its UI; without --submit this happens when $DAGSTER_WEBSERVER_URL answers, else runs in-process",
    )
    p = _cmd(subparsers, "balances", _balances, "synced vs calculated balances with their tips")
    p.add_argument("--account")
    p.add_argument("--integration")
    p.add_argument("--mismatches", action="store_true", help="only assets whose balances differ")
    p = _cmd(subparsers, "demo", _demo, "set up the demo account, sync it and print its balances")


def run_and_report(integration_ids: list[str], full: bool) -> int:
    """Sync with a progress bar that is cleared when done, then one line per integration: its
    balances matched, how many mismatched, or (on stderr) why it failed; exit code 1 if any failed."""
    from pipelines import runner
    from pipelines.cli.output import progress
    from pipelines.progress import listening

    if not integration_ids:
        print("nothing to sync: no active integrations")
        return 0
    outcomes = []
    with progress() as bar:
        task = bar.add_task("syncing", total=len(integration_ids))

        def done(outcome) -> None:
            bar.update(task, advance=1, description=f"{'synced' if outcome.success else 'failed'} {outcome.integration_id}")
            outcomes.append(outcome)

        with listening(lambda message: bar.update(task, description=message)):  # what a throttle waits for
            runner.sync(integration_ids, full=full, on_done=done,
                        say=lambda line: bar.console.print(line, markup=False, highlight=False, soft_wrap=True))
    mismatched = _mismatch_counts([o.integration_id for o in outcomes if o.success])
    for outcome in outcomes:
        if not outcome.success:
            print(f"error: {outcome.integration_id}: {outcome.error}", file=sys.stderr)
        elif mismatched[outcome.integration_id]:
            print(f"{outcome.integration_id}: {mismatched[outcome.integration_id]} mismatched, run "
                  f"`pipelines balances --integration {outcome.integration_id} --mismatches`")
        else:
            print(f"{outcome.integration_id}: matched")
    failures = sum(not o.success for o in outcomes)
    print(f"{len(integration_ids) - failures} of {len(integration_ids)} integrations synced")
    unpublished = [o for o in outcomes if o.snapshot_error]
    for outcome in unpublished[-1:]:  # the copy is of the whole warehouse: the last failure says why
        print(f"error: the analytics copy was not published: {outcome.snapshot_error}", file=sys.stderr)
    return 1 if failures or unpublished else 0


def _mismatch_counts(integration_ids: list[str]) -> dict[str, int]:
    """Mismatched assets per integration (spam never counts), as the `balances_match` check counts them."""
    from pipelines.sync.report import is_mismatch, reconciliation_by_integration

    with registry() as con:
        rows = reconciliation_by_integration(con, integration_ids)
    return {i: sum(map(is_mismatch, r)) for i, r in rows.items()}


def _sync(args) -> int:
    from pipelines.registry.integrations import get_integration

    with registry() as con:
        for integration_id in args.integration_ids:
            if get_integration(con, integration_id).archived_at is not None:
                raise UserError(f"integration {integration_id!r} is archived")
    return run_and_report(args.integration_ids, args.full)


def _sync_all(args) -> int:
    from pipelines.registry.accounts import get_account
    from pipelines.registry.integrations import list_integrations

    with registry() as con:
        if args.account:
            get_account(con, args.account)
        ids = [i.integration_id for i in list_integrations(con, args.account)]
    from pipelines.orchestration.submit import submit_if_running

    submitted = submit_if_running(ids, full=args.full, url=args.submit)
    if submitted is not None:
        print(submitted.summary())
        return 0
    return run_and_report(ids, args.full)


def print_balances(account: str | None = None, integration: str | None = None, mismatches: bool = False) -> None:
    """The reconciliation as a table, then each tip on its own line (tips are sentences)."""
    from pipelines.cli.output import print_table
    from pipelines.sync.report import reconciliation_rows, token_marker

    with registry() as con:
        rows = reconciliation_rows(con, integration_id=integration, account_id=account, mismatches_only=mismatches)
    if mismatches and not rows:
        print("No mismatched balances.")
        return
    print_table(
        ("integration", "asset", "asset_id", "synced", "calculated", "difference", "status"),
        [(r["integration_id"], r["asset"], r["asset_id"], r["synced"], r["calculated"], r["difference"],
          r["status"] + token_marker(r)) for r in rows],
        title="Mismatched balances" if mismatches else "Balances",
    )
    tips = [r for r in rows if r["tip"]]
    if tips:
        print("Tips:")
    for r in tips:
        first, *more = r["tip"].splitlines()
        print(f"  {r['integration_id']} {r['asset']}: {first}")
        for line in more:
            print(f"      {line}")


def _balances(args) -> None:
    with registry() as con:
        if args.account:
            from pipelines.registry.accounts import get_account

            get_account(con, args.account)
        if args.integration:
            from pipelines.registry.integrations import get_integration

            get_integration(con, args.integration)
    print_balances(args.account, args.integration, args.mismatches)


def _demo(args) -> int:
    from pipelines.demo import run_demo

    return run_demo()
