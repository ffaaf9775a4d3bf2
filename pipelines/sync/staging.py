"""Stages raw records on disk while a connector reads them.

Long histories (10^6 records) must not sit in memory, and the warehouse must not be locked while
the network is slow, so records go to Parquet files in a temporary folder as they arrive; the
warehouse write later reads them back in one set-based INSERT.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema(
    [
        ("stream", pa.string()),
        ("source_id", pa.string()),
        ("occurred_at", pa.timestamp("us")),
        ("payload", pa.string()),
    ]
)
BATCH_ROWS = 50_000


class ParquetSink:
    """A `RecordSink` that buffers up to `BATCH_ROWS` records, then appends them to a Parquet file."""

    def __init__(self, folder: Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="pipelines-stage-", dir=folder)
        self.path = Path(self._tmp.name) / "records.parquet"
        self._writer: pq.ParquetWriter | None = None
        self._buffer: list[tuple[str, str, datetime | None, str]] = []
        self.count = 0
        self.by_stream: dict[str, int] = {}

    def add(self, stream: str, records: Iterable[tuple[str, datetime | None, str]]) -> None:
        for source_id, occurred_at, payload in records:
            self._buffer.append((stream, str(source_id), occurred_at, payload))
            self.by_stream[stream] = self.by_stream.get(stream, 0) + 1
            if len(self._buffer) >= BATCH_ROWS:
                self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        columns = list(zip(*self._buffer))
        table = pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, SCHEMA)], schema=SCHEMA)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, SCHEMA)
        self._writer.write_table(table)
        self.count += len(self._buffer)
        self._buffer.clear()

    def close(self) -> Path | None:
        """Finish writing; the Parquet path, or None when nothing was staged."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            return self.path
        return None

    def cleanup(self) -> None:
        self._tmp.cleanup()
