"""Migration 080 rebuilds raw.records with a ZSTD-compressed payload: an existing warehouse keeps
every raw record exactly, and the views that read raw.records still work."""

from __future__ import annotations

import shutil
from datetime import datetime

from pipelines.warehouse import connect, migrations

REBUILD = "080_raw_payload_zstd.sql"
#: Payloads as sources send them: key order, spacing, unicode and escapes must survive as text.
PAYLOADS = ['{"b":1,"a":"x"}', '{ "spaced" : [1, 2.50, null] }', '{"name":"Zürich ✓","esc":"\\u00fc\\n"}',
            '[]', '"text"', '{"big":123456789012345678901234567890}', '{"long":"' + "y" * 5000 + '"}']


def rows(con) -> list[tuple]:
    return con.execute("SELECT integration_id, stream, source_id, occurred_at, payload::VARCHAR, fetched_at "
                       "FROM raw.records ORDER BY ALL").fetchall()


def test_existing_raw_records_survive_the_rebuild(tmp_path, monkeypatch):
    before = tmp_path / "migrations"
    before.mkdir()
    for path in sorted(migrations.MIGRATIONS_DIR.glob("*.sql")):
        if path.name < REBUILD:
            shutil.copy(path, before)
    warehouse = tmp_path / "warehouse.duckdb"
    at = datetime(2026, 1, 2, 3, 4, 5, 678901)
    with monkeypatch.context() as m:
        m.setattr(migrations, "MIGRATIONS_DIR", before)
        with connect(warehouse) as con:  # a warehouse as it was before the rebuild
            con.execute("INSERT INTO raw.records SELECT 'i' || (n % 3), 'trades', n::VARCHAR, "
                        "CASE WHEN n % 2 = 0 THEN $at END, unnest($payloads)::JSON, $at "
                        "FROM range(7) t(n)", {"at": at, "payloads": PAYLOADS})
            con.execute("INSERT INTO raw.records VALUES ('w', 'tokens', '0xabc', NULL, "
                        "'{\"symbol\":\"USDT\",\"decimals\":6}', ?)", [at])
            stored = rows(con)
            assert REBUILD not in {r[0] for r in con.execute("SELECT name FROM app.schema_migrations").fetchall()}
    with connect(warehouse) as con:  # applies the rebuild
        assert rows(con) == stored
        assert {p for *_, p, _ in stored} >= set(PAYLOADS)
        con.execute("CHECKPOINT")  # storage_info shows how rows are stored once written to the file
        compression = con.execute("SELECT DISTINCT compression FROM pragma_storage_info('raw.records') "
                                  "WHERE column_name = 'payload' AND segment_type = 'JSON'").fetchall()
        assert compression == [("ZSTD",)]
        con.execute("SELECT * FROM raw.token_metadata").fetchall()  # the views bind to the new table
        con.execute("SELECT * FROM raw.wallet_chains").fetchall()
        con.execute((migrations.MIGRATIONS_DIR / REBUILD).read_text())  # running it again changes nothing
        assert rows(con) == stored
