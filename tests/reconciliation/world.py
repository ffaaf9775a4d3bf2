"""A small warehouse world built directly: integrations, transactions, balance snapshots, then the
real build SQL. Connectors are not needed: faults are seeded as missing or extra rows."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pipelines.registry.accounts import add_account
from pipelines.sync.build import build
from pipelines.timeutil import utc_now
from pipelines.warehouse import transaction

_ids = itertools.count(1)


@dataclass
class World:
    con: object
    account_id: str = "alice"
    kinds: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.con.execute("SELECT 1 FROM app.accounts WHERE account_id = ?", [self.account_id]).fetchone():
            add_account(self.con, self.account_id, "UTC", "EUR")

    def integration(self, integration_id: str, kind: str, provider: str | None = None, group: str | None = None) -> str:
        """Registered directly (a connector would validate credentials against its source)."""
        self.con.execute(
            "INSERT INTO app.integrations VALUES (?, ?, ?, ?, ?, ?, '{}', NULL, ?, NULL, NULL)",
            [integration_id, self.account_id, integration_id, kind, provider, group, utc_now()],
        )
        self.kinds[integration_id] = kind
        return integration_id

    def tx(self, integration_id: str, at: str, label: str, *, out: tuple | None = None, inc: tuple | None = None,
           fee: tuple | None = None, external_id: str | None = None) -> str:
        """One transaction (`out`/`inc`/`fee` are (amount, asset)), stored as a manual transaction."""
        tx_id = f"t{next(_ids)}"
        legs = [leg or (None, None) for leg in (out, inc, fee)]
        self.con.execute(
            "INSERT INTO app.manual_transactions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, 'entry', NULL, ?)",
            [tx_id, integration_id, datetime.fromisoformat(at), label,
             legs[0][1], _dec(legs[0][0]), legs[1][1], _dec(legs[1][0]), legs[2][1], _dec(legs[2][0]),
             external_id, utc_now()],
        )
        return tx_id

    def raw(self, integration_id: str, stream: str, records: list[tuple[str, str | None, dict]]) -> None:
        """Raw records `(source_id, occurred_at, payload)` as a connector would have landed them."""
        import json

        for source_id, at, payload in records:
            self.con.execute(
                "INSERT INTO raw.records VALUES (?, ?, ?, ?, ?, ?)",
                [integration_id, stream, source_id, at and datetime.fromisoformat(at), json.dumps(payload), utc_now()],
            )

    def synced(self, integration_id: str, balances: dict[str, str], *, asset_ids: dict[str, str] | None = None,
               block: int | None = None) -> None:
        """The source's balance snapshot (asset -> amount), made the current one."""
        synced_at = utc_now()
        for asset, amount in balances.items():
            asset_id = (asset_ids or {}).get(asset, asset)
            self.con.execute(
                "INSERT INTO raw.balance_snapshots VALUES (?, ?, ?, ?, ?, ?, ?)",
                [integration_id, asset_id, asset.split(":")[-1], Decimal(amount), amount, synced_at, block],
            )
        self.con.execute(
            "INSERT OR REPLACE INTO app.sync_state VALUES (?, 'balances', ?, ?)",
            [integration_id, synced_at.isoformat(), synced_at],
        )

    def build(self, *integration_ids: str) -> None:
        for integration_id in integration_ids or self.kinds:
            with transaction(self.con):
                build(self.con, [integration_id])

    def reconciliation(self, integration_id: str) -> dict[str, dict]:
        from pipelines.sync.report import reconciliation_rows

        return {r["asset_id"]: r for r in reconciliation_rows(self.con, integration_id)}


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
