"""Transfer commands: `transfers list` shows matched transfers, `transfers unmatch` undoes one for good.

A match pairs two transactions of different integrations; neither listing nor unmatching changes
any balance (see `pipelines.reconciliation.transfers`).
"""

from __future__ import annotations

from pipelines.cli.registry_commands import _cmd, registry


def register(subparsers) -> None:
    transfers = subparsers.add_parser("transfers", help="transfers between one's own integrations").add_subparsers(
        dest="action", required=True
    )
    p = _cmd(transfers, "list", _list, "list matched transfers (a withdrawal paired with a deposit)")
    p.add_argument("--account")
    p.add_argument("--rematch", action="store_true", help="match again first (after a sync outside Dagster)")
    p = _cmd(transfers, "unmatch", _unmatch, "undo a match: both transactions stay, the pair is never matched again")
    p.add_argument("transfer_id")


def _list(args) -> None:
    from pipelines.cli.output import print_table
    from pipelines.reconciliation.transfers import list_matches, rebuild_matches

    with registry() as con:
        if args.account:
            from pipelines.registry.accounts import get_account

            get_account(con, args.account)
        if args.rematch:
            rebuild_matches(con)
        rows = list_matches(con, args.account)
    print_table(
        ("transfer", "account", "asset", "from", "sent", "at", "to", "received", "at", "fee", "matched by"),
        [
            (m["transfer_id"], m["account_id"], m["asset"], m["withdrawal_integration_id"], m["withdrawal_amount"],
             m["withdrawal_at"], m["deposit_integration_id"], m["deposit_amount"], m["deposit_at"], m["fee_amount"],
             m["matched_by"])
            for m in rows
        ],
        title="Transfers between own integrations",
    )


def _unmatch(args) -> None:
    from pipelines.reconciliation.transfers import unmatch

    with registry() as con:
        undone = unmatch(con, args.transfer_id)
    print(
        f"transfer {args.transfer_id} undone: withdrawal {undone['withdrawal_tx_id']} and deposit "
        f"{undone['deposit_tx_id']} are no longer paired"
    )
