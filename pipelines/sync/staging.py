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
    """A `RecordSink` that buffers up to `BATCH_ROWS` records, then appends them to a Parquet file.

    Records are kept as columns (one C-level transpose per page, no Python work per record) and
    written without compression: the file lives seconds in a temporary folder, and compressing
    hundreds of megabytes of JSON text cost more than writing it (measured in `benchmarks`)."""

    def __init__(self, folder: Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="pipelines-stage-", dir=folder)
        self.path = Path(self._tmp.name) / "records.parquet"
        self._writer: pq.ParquetWriter | None = None
        self._streams: list[tuple[str, int]] = []  # (stream, rows) per page, in order
        self._columns: tuple[list, list, list] = ([], [], [])  # source_id, occurred_at, payload
        self._buffered = 0
        self.count = 0
        self.by_stream: dict[str, int] = {}

    def add(self, stream: str, records: Iterable[tuple[str, datetime | None, str]]) -> None:
        page = records if isinstance(records, list) else list(records)
        if not page:
            return
        source_ids, times, payloads = zip(*page)
        self._columns[0].extend(map(str, source_ids))
        self._columns[1].extend(times)
        self._columns[2].extend(payloads)
        self._streams.append((stream, len(page)))
        self._buffered += len(page)
        self.by_stream[stream] = self.by_stream.get(stream, 0) + len(page)
        if self._buffered >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffered:
            return
        streams = pa.array([stream for stream, rows in self._streams for _ in range(rows)], pa.string())
        arrays = [pa.array(column, type=f.type) for column, f in zip(self._columns, list(SCHEMA)[1:])]
        table = pa.Table.from_arrays([streams, *arrays], schema=SCHEMA)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, SCHEMA, compression="none", use_dictionary=["stream"])
        self._writer.write_table(table)
        self.count += self._buffered
        self._buffered = 0
        self._streams.clear()
        for column in self._columns:
            column.clear()

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
