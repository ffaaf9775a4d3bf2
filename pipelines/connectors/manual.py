"""Manual integrations have no source to read: their transactions live in `app.manual_transactions`,
and their one balance is the calculated balance, so the synced balance is derived, not fetched."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelines.connectors.base import Connector, Integration, Log, RecordSink, Snapshot
from pipelines.errors import UserError
from pipelines.timeutil import utc_now


class ManualConnector(Connector):
    kind = "manual"

    def validate(self, provider: str | None, settings: Mapping[str, Any], credentials: Mapping[str, str]) -> None:
        if credentials:
            raise UserError("a manual integration takes no credentials")
        return None

    def extract(
        self, integration: Integration, cursors: Mapping[str, str], sink: RecordSink, *, full: bool, log: Log
    ) -> Snapshot:
        log.info(f"{integration.integration_id}: manual integration, nothing to fetch")
        return Snapshot(balances=[], cursors={}, synced_at=utc_now())
