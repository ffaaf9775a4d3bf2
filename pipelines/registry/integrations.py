"""Integrations: add, rename, group, archive and convert, each validated before anything is written.

A failed validation raises `UserError` before the first write, so the registry never holds half of
an integration; credentials are encrypted before they reach the connection.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import duckdb

from pipelines.connectors import KINDS, connector_for, connector_name
from pipelines.connectors.base import Integration
from pipelines.errors import UserError
from pipelines.names import check_name
from pipelines.registry.accounts import check_id, get_account
from pipelines.timeutil import utc_now

_COLUMNS = (
    "integration_id, account_id, name, kind, provider, group_name, settings, credentials, "
    "created_at, converted_at, archived_at"
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "integration"


def _row_to_integration(row: tuple) -> Integration:
    values = list(row)
    values[6] = json.loads(values[6]) if values[6] else {}
    return Integration(*values)


def get_integration(con: duckdb.DuckDBPyConnection, integration_id: str) -> Integration:
    row = con.execute(f"SELECT {_COLUMNS} FROM app.integrations WHERE integration_id = ?", [integration_id]).fetchone()
    if row is None:
        raise UserError(f"unknown integration {integration_id!r}")
    return _row_to_integration(row)


def list_integrations(
    con: duckdb.DuckDBPyConnection, account_id: str | None = None, include_archived: bool = False
) -> list[Integration]:
    rows = con.execute(
        f"""SELECT {_COLUMNS} FROM app.integrations
            WHERE (? IS NULL OR account_id = ?) AND (? OR archived_at IS NULL)
            ORDER BY account_id, group_name NULLS LAST, name""",
        [account_id, account_id, include_archived],
    ).fetchall()
    return [_row_to_integration(r) for r in rows]


def _encrypt(con: duckdb.DuckDBPyConnection, credentials: Mapping[str, str], integration_id: str) -> str | None:
    """The token to store for `integration_id`, under a key that fits the credentials already stored."""
    if not credentials:
        return None
    from pipelines.crypto import check_key_fits, encrypt_credentials

    check_key_fits(con, integration_id)
    return encrypt_credentials(dict(credentials))


def add_integration(
    con: duckdb.DuckDBPyConnection,
    account_id: str,
    name: str,
    kind: str,
    provider: str | None = None,
    *,
    integration_id: str | None = None,
    group_name: str | None = None,
    settings: Mapping[str, Any] | None = None,
    credentials: Mapping[str, str] | None = None,
) -> str:
    """Register an integration and return its id (default `<account>-<slug of name>`)."""
    get_account(con, account_id)
    name = _unique_name(con, account_id, name)
    if kind not in KINDS:
        raise UserError(f"unknown integration kind {kind!r}: choose one of {', '.join(KINDS)}")
    integration_id = check_id("integration", integration_id or f"{account_id}-{slug(name)}")
    if con.execute("SELECT 1 FROM app.integrations WHERE integration_id = ?", [integration_id]).fetchone():
        raise UserError(f"integration {integration_id!r} already exists (pass --id to choose another id)")
    settings = dict(settings or {})
    provider = connector_for(kind, provider).validate(provider, settings, credentials or {})
    con.execute(
        f"INSERT INTO app.integrations ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
        [
            integration_id, account_id, name, kind, provider, _group(group_name),
            json.dumps(settings, sort_keys=True), _encrypt(con, credentials or {}, integration_id), utc_now(),
        ],
    )
    return integration_id


def _unique_name(con: duckdb.DuckDBPyConnection, account_id: str, name: str, integration_id: str | None = None) -> str:
    """The checked name, unless another active integration of the account has it: names tell a user's
    integrations apart (lists, the Excel template's Integration Name column), compared as the Excel
    import compares them, ignoring case and runs of blanks."""
    name = check_name("an integration", name)
    taken = con.execute(
        """SELECT integration_id FROM app.integrations
           WHERE account_id = ? AND archived_at IS NULL AND integration_id IS DISTINCT FROM ?
             AND lower(regexp_replace(trim(name), '\\s+', ' ', 'g')) = ?""",
        [account_id, integration_id, " ".join(name.split()).lower()],
    ).fetchone()
    if taken:
        raise UserError(f"account {account_id!r} already has an integration named {name!r} ({taken[0]}): choose another name")
    return name


def _group(group_name: str | None) -> str | None:
    if group_name is None or not group_name.strip():
        return None
    return check_name("a group", group_name)


def rename(con: duckdb.DuckDBPyConnection, integration_id: str, name: str) -> None:
    integration = get_integration(con, integration_id)
    name = _unique_name(con, integration.account_id, name, integration_id)
    con.execute("UPDATE app.integrations SET name = ? WHERE integration_id = ?", [name, integration_id])


def set_group(con: duckdb.DuckDBPyConnection, integration_id: str, group_name: str | None) -> None:
    """Put an integration into a group (a user's folder), or take it out with None."""
    get_integration(con, integration_id)
    con.execute(
        "UPDATE app.integrations SET group_name = ? WHERE integration_id = ?", [_group(group_name), integration_id]
    )


def archive(con: duckdb.DuckDBPyConnection, integration_id: str) -> None:
    """Archived integrations keep their data but are no longer synced or shown by default."""
    integration = get_integration(con, integration_id)
    if integration.archived_at is not None:
        raise UserError(f"integration {integration_id!r} is already archived")
    con.execute("UPDATE app.integrations SET archived_at = ? WHERE integration_id = ?", [utc_now(), integration_id])


def convert(
    con: duckdb.DuckDBPyConnection,
    integration_id: str,
    kind: str,
    provider: str | None,
    *,
    settings: Mapping[str, Any] | None = None,
    credentials: Mapping[str, str] | None = None,
) -> None:
    """Turn a manual integration into a synced one; its manual transactions stay (origin manual)."""
    integration = get_integration(con, integration_id)
    if integration.kind != "manual":
        raise UserError(f"integration {integration_id!r} is a {integration.kind} integration; only manual ones convert")
    if kind == "manual" or kind not in KINDS:
        raise UserError(f"a manual integration converts to an exchange or wallet integration, not {kind!r}")
    settings = {**integration.settings, **(settings or {})}
    provider = connector_for(kind, provider).validate(provider, settings, credentials or {})
    con.execute(
        """UPDATE app.integrations SET kind = ?, provider = ?, settings = ?, credentials = ?, converted_at = ?
           WHERE integration_id = ?""",
        [kind, provider, json.dumps(settings, sort_keys=True), _encrypt(con, credentials or {}, integration_id), utc_now(),
         integration_id],
    )


def replace_credentials(con: duckdb.DuckDBPyConnection, integration_id: str, credentials: Mapping[str, str]) -> None:
    """Store new credentials for an integration (none: remove them), checked by its connector as when
    it was added; the old token is replaced whatever key it was stored under, so credentials the
    current key cannot decrypt (a lost key, a key mixed up at `add`) can be entered again."""
    integration = get_integration(con, integration_id)
    connector_for(integration.kind, integration.provider).validate(integration.provider, integration.settings,
                                                                   credentials)
    con.execute("UPDATE app.integrations SET credentials = ? WHERE integration_id = ?",
                [_encrypt(con, credentials, integration_id), integration_id])


#: Settings that decide which history belongs to an integration (whose addresses, from when): after
#: a change, records read under the old value may be missing or may no longer belong, so the
#: integration's cursors are dropped and its next sync reads the whole history again (a sync without
#: any cursor is a full one). Other settings need no re-read: a market added to `markets` is read
#: from its first trade because no cursor holds it, a token added to `tokens` is read at the next
#: sync's cut-off, a URL or `confirmations` changes only where and how far the next sync reads.
HISTORY_SETTINGS = ("addresses", "xpubs", "start_block", "start_date")


def change_settings(
    con: duckdb.DuckDBPyConnection,
    integration_id: str,
    changes: Mapping[str, Any],
    *,
    node_url: str | None = None,
) -> bool:
    """Change settings of a synced integration (a None value drops a setting back to its default)
    and/or its node URL (stored encrypted, like at registration), checked by the connector with the
    rules of registration before anything is written. Returns whether the next sync re-reads the
    whole history (a HISTORY_SETTINGS value changed)."""
    from pipelines.connectors.wallet.connector import RPC_URL_CREDENTIAL

    integration = get_integration(con, integration_id)
    if integration.kind == "manual":
        raise UserError(f"integration {integration_id!r} is a manual integration: it has no settings")
    if not changes and node_url is None:
        raise UserError("name at least one setting to change, as KEY=VALUE")
    if RPC_URL_CREDENTIAL in changes:
        raise UserError("a node URL often carries an API key: give it with --rpc-url-env VAR or --rpc-url-stdin")
    credentials = integration.decrypted_credentials()
    if node_url is not None:
        if integration.kind != "wallet" or connector_name(integration.kind, integration.provider) == "wallet/bitcoin":
            raise UserError(f"integration {integration_id!r} is not read through a node URL (EVM wallets only)")
        credentials = {**credentials, RPC_URL_CREDENTIAL: node_url}
        changes = {**changes, RPC_URL_CREDENTIAL: None}  # a plain-text URL of an older version is dropped
    settings = {k: v for k, v in {**integration.settings, **changes}.items() if v is not None}
    connector_for(integration.kind, integration.provider).validate(integration.provider, settings, credentials)
    con.execute(
        "UPDATE app.integrations SET settings = ?, credentials = ? WHERE integration_id = ?",
        [json.dumps(settings, sort_keys=True),
         integration.credentials if node_url is None else _encrypt(con, credentials, integration_id),
         integration_id],
    )
    resync = any(integration.settings.get(key) != settings.get(key) for key in HISTORY_SETTINGS)
    if resync:
        con.execute("DELETE FROM app.sync_state WHERE integration_id = ?", [integration_id])
    return resync


def groups(con: duckdb.DuckDBPyConnection, account_id: str | None = None) -> list[tuple]:
    """Each group with how many active integrations it holds."""
    return con.execute(
        """SELECT account_id, group_name, count(*) FROM app.integrations
           WHERE group_name IS NOT NULL AND archived_at IS NULL AND (? IS NULL OR account_id = ?)
           GROUP BY ALL ORDER BY ALL""",
        [account_id, account_id],
    ).fetchall()


def rename_group(con: duckdb.DuckDBPyConnection, account_id: str, old: str, new: str) -> int:
    get_account(con, account_id)
    new_name = _group(new)
    if new_name is None:
        raise UserError("a group needs a non-empty name")
    count = con.execute(
        "SELECT count(*) FROM app.integrations WHERE account_id = ? AND group_name = ?", [account_id, old]
    ).fetchone()[0]
    if count == 0:
        raise UserError(f"account {account_id!r} has no group {old!r}")
    con.execute(
        "UPDATE app.integrations SET group_name = ? WHERE account_id = ? AND group_name = ?", [new_name, account_id, old]
    )
    return count
