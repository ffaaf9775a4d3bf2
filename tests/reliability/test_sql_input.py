"""Names, groups, comments and file names with quotes, semicolons and unicode are stored and shown
exactly and never change a query (every value is a parameter)."""

from __future__ import annotations

import pytest

from tests.helpers import fill_template

NASTY = [
    "Robert'); DROP TABLE app.accounts;--",
    'double "quoted" name',
    "semi;colon;name",
    "ünïcødé – 日本語 – 🚀",
    "back\\slash and $dollar and %percent",
]


@pytest.mark.parametrize("text", NASTY)
def test_hostile_text_round_trips(cli, warehouse, tmp_path, text):
    from pipelines.warehouse import connect

    assert cli("accounts", "add", "alice", "--timezone", "UTC", "--name", text).code == 0
    added = cli("integrations", "add", "alice", text, "--kind", "manual", "--id", "alice-x", "--group", text)
    assert added.code == 0, added
    comment = f"comment: {text}"
    assert cli("transactions", "add", "alice-x", "--date", "2024-01-01 00:00", "--label", "Deposit",
               "--in", "1 BTC", "--comment", comment).code == 0
    file_name = tmp_path / f"upload {text.replace('/', '_')}.xlsx"
    fill_template(file_name, [("02.01.2024 00:00:00", text, "Deposit", None, None, "ETH", "2", None, None, text, None)])
    imported = cli("import", "excel", "alice-x", str(file_name))
    assert imported.code == 0, imported
    with connect(warehouse) as con:
        assert con.execute("SELECT name, group_name FROM app.integrations").fetchall() == [(text, text)]
        assert con.execute("SELECT name FROM app.accounts").fetchall() == [(text,)]
        comments = sorted(c for (c,) in con.execute("SELECT comment FROM app.manual_transactions").fetchall())
        assert comments == sorted([comment, text])
        sources = {s for (s,) in con.execute("SELECT source FROM app.manual_transactions").fetchall()}
        assert f"excel:{file_name.name}" in sources
        assert con.execute("SELECT count(*) FROM app.license_tiers").fetchall() == [(4,)]  # nothing dropped
    shown = cli("integrations", "show", "alice-x").out
    assert text in shown
    assert cli("groups", "rename", "alice", text, "plain").code == 0
