"""The connector interface: given an integration and its cursors, deliver raw records and a balance
snapshot taken at the same cut-off.

Everything after `raw.*` is shared code: `sql/normalize/<kind>.sql` turns a kind's raw records into
`core.transactions` rows (selected with `$integration_id`, origin 'synced'), so adding an exchange or a
chain is configuration and a connector only has to answer three questions: is this integration
valid, what happened since the cursors, and what does the source say the account holds now.

Records are streamed into a `RecordSink` (staged on disk, not in memory) while the connector talks
to the network; the warehouse is opened only afterwards, for one short all-or-nothing write.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol


@dataclass(frozen=True)
class Integration:
    """One row of `app.integrations`; `credentials` is still the encrypted token."""

    integration_id: str
    account_id: str
    name: str
    kind: str
    provider: str | None
    group_name: str | None
    settings: Mapping[str, Any]
    credentials: str | None
    created_at: datetime
    converted_at: datetime | None = None
    archived_at: datetime | None = None

    def decrypted_credentials(self) -> dict[str, str]:
        """Clear-text credentials, for the connector's client only; never log or return them."""
        from pipelines.crypto import decrypt_credentials

        return decrypt_credentials(self.credentials) if self.credentials else {}


@dataclass(frozen=True)
class SyncedBalance:
    """What the source says the integration holds of one asset at the sync's cut-off."""

    asset_id: str
    asset: str
    amount: Decimal
    raw_amount: str | None = None
    block_number: int | None = None


@dataclass
class Snapshot:
    """What `extract` returns besides the records: balances and cursors at one cut-off."""

    balances: list[SyncedBalance]
    cursors: dict[str, str]
    synced_at: datetime
    stats: dict[str, Any] = field(default_factory=dict)  # shown as Dagster metadata (no secrets)


class RecordSink(Protocol):
    """Where a connector streams raw records while it reads them."""

    def add(self, stream: str, records: Iterable[tuple[str, datetime | None, str]]) -> None:
        """Add `(source_id, occurred_at UTC naive, payload JSON text exactly as received)` records."""


class Log(Protocol):
    def info(self, msg: str) -> None: ...
    def warning(self, msg: str) -> None: ...


class Connector(ABC):
    """Reads one kind of integration. Subclasses are stateless; state lives in `app.sync_state`."""

    kind: ClassVar[str]

    @abstractmethod
    def validate(self, provider: str | None, settings: Mapping[str, Any], credentials: Mapping[str, str]) -> str | None:
        """Check a new integration's provider, settings and credentials before anything is stored;
        return the canonical provider, raise `UserError` naming what is wrong."""

    @abstractmethod
    def extract(
        self, integration: Integration, cursors: Mapping[str, str], sink: RecordSink, *, full: bool, log: Log
    ) -> Snapshot:
        """Stream what happened after `cursors` (everything when `full`) into `sink`; return the
        synced balances read at the same cut-off and the cursors to store."""
