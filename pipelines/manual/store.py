"""Storing manual transactions so that entering or importing the same thing twice adds nothing.

A manual transaction's id is a hash of its content plus its ordinal among identical rows of the same
batch: re-importing a file yields the same ids (and `ON CONFLICT DO NOTHING` skips them), while two
genuinely identical trades in one file stay two transactions.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

import pyarrow as pa

from pipelines.manual.validation import ManualTransaction
from pipelines.sync.report import amount_text
from pipelines.timeutil import utc_now

_DECIMAL = pa.decimal128(38, 18)
_SCHEMA = pa.schema([
    ("manual_id", pa.string()), ("integration_id", pa.string()), ("occurred_at", pa.timestamp("us")),
    ("label", pa.string()), ("outgoing_asset", pa.string()), ("outgoing_amount", _DECIMAL),
    ("incoming_asset", pa.string()), ("incoming_amount", _DECIMAL), ("fee_asset", pa.string()),
    ("fee_amount", _DECIMAL), ("comment", pa.string()), ("external_id", pa.string()), ("source", pa.string()),
    ("entered_timezone", pa.string()), ("created_at", pa.timestamp("us")),
])


def content_key(integration_id: str, tx: ManualTransaction) -> str:
    parts = (
        integration_id, tx.occurred_at.isoformat(), tx.label,
        tx.outgoing_asset, amount_text(tx.outgoing_amount), tx.incoming_asset, amount_text(tx.incoming_amount),
        tx.fee_asset, amount_text(tx.fee_amount), tx.comment, tx.external_id,
    )
    return "\x1f".join("" if p is None else str(p) for p in parts)


def manual_ids(integration_id: str, transactions: Sequence[ManualTransaction]) -> list[str]:
    seen: Counter[str] = Counter()
    ids = []
    for tx in transactions:
        key = content_key(integration_id, tx)
        seen[key] += 1
        ids.append("m-" + hashlib.sha256(f"{key}\x1e{seen[key]}".encode()).hexdigest()[:32])
    return ids


def insert(con, integration_id: str, transactions: Sequence[ManualTransaction], ids: Sequence[str],
           source: str, entered_timezone: str | None) -> int:
    """Insert what is not stored yet, in one set-based statement; returns how many were new."""
    if not transactions:
        return 0
    now = utc_now()
    columns = {
        "manual_id": list(ids),
        "integration_id": [integration_id] * len(ids),
        "occurred_at": [t.occurred_at for t in transactions],
        "label": [t.label for t in transactions],
        "outgoing_asset": [t.outgoing_asset for t in transactions],
        "outgoing_amount": [t.outgoing_amount for t in transactions],
        "incoming_asset": [t.incoming_asset for t in transactions],
        "incoming_amount": [t.incoming_amount for t in transactions],
        "fee_asset": [t.fee_asset for t in transactions],
        "fee_amount": [t.fee_amount for t in transactions],
        "comment": [t.comment for t in transactions],
        "external_id": [t.external_id for t in transactions],
        "source": [source] * len(ids),
        "entered_timezone": [entered_timezone] * len(ids),
        "created_at": [now] * len(ids),
    }
    batch = pa.Table.from_pydict(columns, schema=_SCHEMA)
    before = con.execute("SELECT count(*) FROM app.manual_transactions WHERE integration_id = ?", [integration_id]).fetchall()[0][0]
    con.register("manual_batch", batch)
    try:
        con.execute("INSERT INTO app.manual_transactions SELECT * FROM manual_batch ON CONFLICT DO NOTHING")
    finally:
        con.unregister("manual_batch")
    after = con.execute("SELECT count(*) FROM app.manual_transactions WHERE integration_id = ?", [integration_id]).fetchone()[0]
    return after - before
