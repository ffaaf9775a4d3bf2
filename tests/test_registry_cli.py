"""Registry commands and their errors: every bad input is one line, exit 2, registry unchanged."""

from __future__ import annotations

import pytest

from tests.helpers import snapshot


@pytest.fixture
def alice(cli):
    assert cli("accounts", "add", "alice", "--timezone", "Europe/Vienna", "--base-currency", "eur").code == 0
    return "alice"


def test_account_add_and_list(cli, alice):
    result = cli("accounts", "list")
    assert result.code == 0
    assert "alice" in result.out and "Europe/Vienna" in result.out and "EUR" in result.out


@pytest.mark.parametrize(
    "args, message",
    [
        (("accounts", "add", "bob", "--timezone", "Mars/Olympus"), "invalid time zone 'Mars/Olympus'"),
        (("accounts", "add", "alice", "--timezone", "UTC"), "account 'alice' already exists"),
        (("accounts", "add", "bad id", "--timezone", "UTC"), "invalid account id 'bad id'"),
        (("accounts", "add", "bob", "--timezone", "UTC", "--base-currency", "euro!"), "unknown base currency 'euro!'"),
        (("accounts", "add", "bob", "--timezone", "UTC", "--base-currency", "XXXXXX"), "unknown base currency 'XXXXXX'"),
        (("accounts", "add", "bob", "--timezone", "UTC", "--base-currency", "XXX"), "use an ISO 4217 currency code"),
        (("accounts", "add", "bob", "--timezone", "UTC", "--name", "Bob\x1b]0;owned\x07"), "holds a control character"),
        (("integrations", "add", "alice", "Red\x1b[31m", "--kind", "manual"), "'Red\\x1b[31m' holds a control character"),
        (("integrations", "add", "alice", "Ok", "--kind", "manual", "--group", "G\u202e"), "holds a control character"),
        (("integrations", "add", "nobody", "Wallet", "--kind", "manual"), "unknown account 'nobody'"),
        (("integrations", "add", "alice", "X", "--kind", "spaceship"), "unknown integration kind 'spaceship'"),
        (("licenses", "set", "alice", "--tier", "gold", "--year", "2024"), "unknown license tier 'gold'"),
        (("licenses", "set", "alice", "--tier", "pro", "--year", "1999"), "invalid tax year 1999"),
        (("integrations", "rename", "alice-nope", "New"), "unknown integration 'alice-nope'"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(cli, warehouse, alice, args, message):
    before = snapshot(warehouse)
    result = cli(*args)
    assert result.code == 2
    assert message in result.err
    assert result.err.count("\n") == 1 and result.err.startswith("error: ")
    assert snapshot(warehouse) == before


def test_duplicate_integration_id_is_rejected(cli, warehouse, alice):
    assert cli("integrations", "add", "alice", "Cold Storage", "--kind", "manual").code == 0
    before = snapshot(warehouse)
    result = cli("integrations", "add", "alice", "Cold-Storage", "--kind", "manual")  # another name, the same id
    assert result.code == 2 and "integration 'alice-cold-storage' already exists" in result.err
    assert snapshot(warehouse) == before


def test_integration_lifecycle_rename_group_archive(cli, alice):
    assert "integration alice-ledger added" in cli("integrations", "add", "alice", "Ledger", "--kind", "manual").out
    assert cli("integrations", "rename", "alice-ledger", "Ledger Nano").code == 0
    assert cli("integrations", "group", "alice-ledger", "Hardware").code == 0
    assert cli("integrations", "add", "alice", "Trezor", "--kind", "manual", "--group", "Hardware").code == 0
    groups = cli("groups", "list", "--account", "alice").out
    assert "Hardware" in groups and "2" in groups
    assert cli("groups", "rename", "alice", "Hardware", "Cold wallets").code == 0
    shown = cli("integrations", "show", "alice-ledger").out
    assert "Ledger Nano" in shown and "Cold wallets" in shown
    assert cli("integrations", "archive", "alice-ledger").code == 0
    assert "alice-ledger" not in cli("integrations", "list").out
    assert "archived" in cli("integrations", "list", "--archived").out
    again = cli("integrations", "archive", "alice-ledger")
    assert again.code == 2 and "already archived" in again.err


def test_group_requires_name_or_none(cli, alice):
    cli("integrations", "add", "alice", "Ledger", "--kind", "manual")
    result = cli("integrations", "group", "alice-ledger")
    assert result.code == 2 and "give a group name or --none" in result.err
    assert cli("integrations", "group", "alice-ledger", "--none").code == 0


def test_licenses_and_tiers_are_data(cli, con, alice):
    assert cli("licenses", "set", "alice", "--tier", "Pro", "--year", "2024").code == 0
    assert cli("licenses", "set", "alice", "--tier", "basic", "--year", "2024").code == 0  # changes, not duplicates
    assert con.execute("SELECT tier FROM app.licenses WHERE account_id = 'alice'").fetchall() == [("basic",)]
    tiers = dict(con.execute("SELECT tier, auto_sync FROM app.license_tiers").fetchall())
    assert tiers == {"free": False, "basic": False, "pro": True, "unlimited": True}


def test_manual_integration_takes_no_credentials(cli, warehouse, alice, monkeypatch):
    monkeypatch.setenv("MY_KEY", "k-123")
    monkeypatch.setenv("MY_SECRET", "s-456")
    before = snapshot(warehouse)
    result = cli("integrations", "add", "alice", "Paper", "--kind", "manual", "--api-key-env", "MY_KEY", "--secret-env", "MY_SECRET")
    assert result.code == 2 and "takes no credentials" in result.err
    assert snapshot(warehouse) == before


def test_missing_credential_variable_is_a_clear_error(cli, warehouse, alice, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    result = cli("integrations", "add", "alice", "Ex", "--kind", "manual", "--api-key-env", "NOT_SET_ANYWHERE")
    assert result.code == 2 and "NOT_SET_ANYWHERE" in result.err and "not set" in result.err


def test_convert_only_from_manual_to_synced(cli, alice):
    cli("integrations", "add", "alice", "Paper", "--kind", "manual")
    result = cli("integrations", "convert", "alice-paper", "--kind", "manual", "--provider", "x")
    assert result.code == 2 and "converts to an exchange or wallet integration" in result.err


def test_help_does_not_import_heavy_libraries():
    """Start-up stays fast: building the whole parser imports neither Dagster nor ccxt, web3 or openpyxl."""
    import subprocess
    import sys

    code = (
        "import sys; from pipelines.cli.main import build_parser; build_parser(); "
        "heavy = [m for m in ('dagster', 'ccxt', 'web3', 'openpyxl', 'great_expectations', 'pandas') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_only_init_creates_a_warehouse(cli, tmp_path, monkeypatch):
    missing = tmp_path / "typo" / "warehouse.duckdb"
    monkeypatch.setenv("PIPELINES_WAREHOUSE", str(missing))
    monkeypatch.setenv("NEW_KEY", "unused: the missing warehouse is found first")
    for args in (("balances",), ("accounts", "list"), ("integrations", "list"), ("sync-all",),
                 ("transactions", "list", "x"), ("keys", "rotate", "--new-key-env", "NEW_KEY")):
        result = cli(*args)
        assert result.code == 2, args
        assert result.err == f"error: no warehouse at {missing} (PIPELINES_WAREHOUSE): create one with `pipelines init`\n"
    assert not missing.parent.exists()  # not even its folder
    created = cli("init")
    assert created.code == 0 and missing.is_file()
    assert cli("balances").code == 0


@pytest.mark.parametrize("code", ["eur", "CHF", "jpy", "BTC", "usdt", "POL"])
def test_base_currencies_of_iso_4217_and_known_crypto_are_accepted(cli, code):
    assert cli("accounts", "add", "bob", "--timezone", "UTC", "--base-currency", code).code == 0
    assert code.upper() in cli("accounts", "list").out


def test_two_integrations_of_one_account_never_share_a_name(cli, warehouse, alice):
    """`--id` (and `rename`) let two integrations of one account be called alike; names are how a
    user tells them apart (and what the Excel template's Integration Name column holds)."""
    assert cli("integrations", "add", "alice", "Cold Storage", "--kind", "manual").code == 0
    assert cli("integrations", "add", "alice", "Hot", "--kind", "manual").code == 0
    before = snapshot(warehouse)
    twin = cli("integrations", "add", "alice", "cold  storage", "--kind", "manual", "--id", "alice-cold-2")
    assert twin.code == 2 and "already has an integration named 'cold  storage' (alice-cold-storage)" in twin.err, twin
    renamed = cli("integrations", "rename", "alice-hot", "COLD STORAGE")
    assert renamed.code == 2 and "already has an integration named" in renamed.err, renamed
    assert snapshot(warehouse) == before
    assert cli("integrations", "rename", "alice-cold-storage", "Cold storage").code == 0  # its own name
    cli("accounts", "add", "bob", "--timezone", "UTC")
    assert cli("integrations", "add", "bob", "Cold Storage", "--kind", "manual").code == 0  # another account
    assert cli("integrations", "archive", "alice-cold-storage").code == 0
    assert cli("integrations", "add", "alice", "Cold Storage", "--kind", "manual", "--id", "alice-cold-3").code == 0


def test_control_characters_in_stored_names_are_shown_escaped(cli, warehouse, alice):
    """A name stored before names were checked (written here straight into the registry) reaches the
    terminal with its escape sequence escaped, in `show` and in tables (whose markup it is not)."""
    from pipelines.warehouse import connect

    assert cli("integrations", "add", "alice", "Plain", "--kind", "manual").code == 0
    with connect(warehouse) as con:
        con.execute("UPDATE app.integrations SET name = ?, group_name = ? WHERE integration_id = 'alice-plain'",
                    ["Red\x1b[31m[/b]\u202e", "G\x07"])
    shown = cli("integrations", "show", "alice-plain")
    listed = cli("integrations", "list")
    for result in (shown, listed):
        assert result.code == 0, result
        assert "\x1b" not in result.out and "\x07" not in result.out and "\u202e" not in result.out
        assert "Red\\x1b[31m[/b]\\u202e" in result.out and "G\\x07" in result.out
