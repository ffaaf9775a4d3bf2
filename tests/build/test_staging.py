"""Staging and the raw load: every staged record lands once, in order, whatever the page and batch sizes."""

from __future__ import annotations

from datetime import datetime

from pipelines.sqlfiles import sql
from pipelines.sync import staging
from pipelines.sync.staging import ParquetSink


def staged_rows(con, path) -> list[tuple]:
    return con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()


def test_pages_survive_flushes_in_order(con, monkeypatch, tmp_path):
    monkeypatch.setattr(staging, "BATCH_ROWS", 3)  # a flush inside the second page and at close
    sink = ParquetSink(tmp_path)
    t = datetime(2026, 1, 1, 12, 30)
    sink.add("trades", [("a", t, '{"id":"a"}'), ("b", None, "[]")])
    sink.add("deposits", (r for r in [(7, t, "{}"), ("c", t, "1")]))  # any iterable; a numeric id as its text
    sink.add("trades", [])
    sink.add("markets", [("BTCUSDT", None, '{"s":"BTC"}')])
    path = sink.close()
    assert staged_rows(con, path) == [
        ("trades", "a", t, '{"id":"a"}'), ("trades", "b", None, "[]"),
        ("deposits", "7", t, "{}"), ("deposits", "c", t, "1"), ("markets", "BTCUSDT", None, '{"s":"BTC"}'),
    ]
    assert (sink.count, sink.by_stream) == (5, {"trades": 2, "deposits": 2, "markets": 1})
    sink.cleanup()
    assert not path.exists()


def test_nothing_staged_is_no_file(tmp_path):
    sink = ParquetSink(tmp_path)
    sink.add("trades", [])
    assert sink.close() is None
    sink.cleanup()


def test_load_adds_each_new_key_once_and_counts_it(con, tmp_path):
    early, late = datetime(2026, 1, 1), datetime(2026, 1, 2)
    con.execute("INSERT INTO raw.records VALUES ('i', 'trades', 'old', ?, '{\"v\":0}', ?)", [early, early])
    sink = ParquetSink(tmp_path)
    sink.add("trades", [("old", late, '{"v":1}'), ("x", late, '{"v":2}'), ("x", early, '{"v":3}'),
                        ("y", None, '{"v":4}'), ("y", late, '{"v":5}')])
    sink.add("deposits", [("x", None, '{"v":6}')])  # the same id in another stream is another record
    [(inserted,)] = con.execute(sql("build/load_raw"),
                                {"integration_id": "i", "staged": str(sink.close()), "fetched_at": late}).fetchall()
    sink.cleanup()
    assert inserted == 3
    rows = con.execute("SELECT stream, source_id, occurred_at, payload->>'v' FROM raw.records "
                       "WHERE integration_id = 'i' ORDER BY ALL").fetchall()
    assert rows == [("deposits", "x", None, "6"), ("trades", "old", early, "0"),
                    ("trades", "x", early, "3"), ("trades", "y", late, "5")]


def test_a_key_staged_again_at_the_same_time_keeps_the_first_staged(con, monkeypatch, tmp_path):
    monkeypatch.setattr(staging, "BATCH_ROWS", 2)  # the copies land in different row groups of the file
    t = datetime(2026, 1, 1)
    sink = ParquetSink(tmp_path)
    sink.add("trades", [("k", None, '{"v":1}'), ("k", t, '{"v":2}'), ("j", t, '{"v":3}')])
    sink.add("trades", [("k", t, '{"v":4}'), ("k", t, '{"v":5}'), ("j", t, '{"v":6}')])
    [(inserted,)] = con.execute(sql("build/load_raw"),
                                {"integration_id": "i", "staged": str(sink.close()), "fetched_at": t}).fetchall()
    sink.cleanup()
    assert inserted == 2
    assert con.execute("SELECT source_id, payload->>'v' FROM raw.records ORDER BY ALL").fetchall() == [("j", "3"), ("k", "2")]
