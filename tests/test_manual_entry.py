"""Entering transactions in the account's local time, strict at DST changes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from pipelines.errors import UserError
from pipelines.manual.entry import add_transaction, delete_transaction
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration


@pytest.fixture
def cash(con):
    add_account(con, "vienna", "Europe/Vienna", "EUR")
    return add_integration(con, "vienna", "Cash", "manual")


def stored_time(con, tx_id):
    return con.execute("SELECT occurred_at FROM app.manual_transactions WHERE manual_id = ?", [tx_id]).fetchall()[0][0]


def test_local_time_is_stored_as_utc(con, cash):
    winter, _ = add_transaction(con, cash, "2024-01-15 12:00:00", "Deposit", incoming="1 BTC")
    summer, _ = add_transaction(con, cash, "2024-07-15 12:00", "Deposit", incoming="2 BTC")
    assert stored_time(con, winter) == datetime(2024, 1, 15, 11, 0)   # CET = UTC+1
    assert stored_time(con, summer) == datetime(2024, 7, 15, 10, 0)   # CEST = UTC+2


def test_nonexistent_local_time_is_rejected(con, cash):
    with pytest.raises(UserError, match="does not exist in Europe/Vienna"):
        add_transaction(con, cash, "2024-03-31 02:30:00", "Deposit", incoming="1 BTC")


def test_ambiguous_local_time_needs_a_fold(con, cash):
    with pytest.raises(UserError, match="happens twice.*--fold earlier \\(00:30 UTC\\) or --fold later \\(01:30 UTC\\)"):
        add_transaction(con, cash, "2024-10-27 02:30:00", "Deposit", incoming="1 BTC")
    earlier, _ = add_transaction(con, cash, "2024-10-27 02:30:00", "Deposit", incoming="1 BTC", fold="earlier")
    later, _ = add_transaction(con, cash, "2024-10-27 02:30:00", "Deposit", incoming="1 BTC", fold="later")
    assert stored_time(con, earlier) == datetime(2024, 10, 27, 0, 30)
    assert stored_time(con, later) == datetime(2024, 10, 27, 1, 30)


def test_other_zones_and_utc_flag(con):
    add_account(con, "ny", "America/New_York", "USD")
    ny = add_integration(con, "ny", "Cash", "manual")
    tx, _ = add_transaction(con, ny, "2024-03-10 01:59:59", "Deposit", incoming="1 BTC")
    assert stored_time(con, tx) == datetime(2024, 3, 10, 6, 59, 59)
    with pytest.raises(UserError, match="does not exist in America/New_York"):
        add_transaction(con, ny, "2024-03-10 02:00:00", "Deposit", incoming="1 BTC")
    utc, _ = add_transaction(con, ny, "2024-03-10 02:30:00", "Deposit", incoming="3 BTC", utc=True)
    assert stored_time(con, utc) == datetime(2024, 3, 10, 2, 30)


def test_duplicates_are_refused_unless_asked(con, cash):
    first, _ = add_transaction(con, cash, "2024-01-15 12:00:00", "Trade", outgoing="100 EUR", incoming="0.002 BTC", fee="1 EUR")
    with pytest.raises(UserError, match=f"already stored as {first}"):
        add_transaction(con, cash, "2024-01-15 12:00:00", "Trade", outgoing="100 EUR", incoming="0.002 BTC", fee="1 EUR")
    second, _ = add_transaction(con, cash, "2024-01-15 12:00:00", "Trade", outgoing="100 EUR", incoming="0.002 BTC",
                                fee="1 EUR", allow_duplicate=True)
    third, _ = add_transaction(con, cash, "2024-01-15 12:00:00", "Trade", outgoing="100 EUR", incoming="0.002 BTC",
                               fee="1 EUR", allow_duplicate=True)
    assert len({first, second, third}) == 3


def test_invalid_entries(con, cash):
    with pytest.raises(UserError, match="a Trade needs an outgoing asset and amount"):
        add_transaction(con, cash, "2024-01-15 12:00:00", "Trade", incoming="1 BTC")
    with pytest.raises(UserError, match="expected AMOUNT ASSET"):
        add_transaction(con, cash, "2024-01-15 12:00:00", "Deposit", incoming="1BTC")
    with pytest.raises(UserError, match="not a date and time"):
        add_transaction(con, cash, "yesterday", "Deposit", incoming="1 BTC")
    with pytest.raises(UserError, match="unknown label"):
        add_transaction(con, cash, "2024-01-15 12:00:00", "Moon", incoming="1 BTC")
    assert con.execute("SELECT count(*) FROM app.manual_transactions").fetchall() == [(0,)]


def test_delete(con, cash):
    tx, _ = add_transaction(con, cash, "2024-01-15 12:00:00", "Deposit", incoming="1 BTC")
    delete_transaction(con, cash, tx)
    with pytest.raises(UserError, match="has no manual transaction"):
        delete_transaction(con, cash, tx)


def test_cli_add_list_delete(cli):
    cli("accounts", "add", "eve", "--timezone", "Asia/Tokyo")
    cli("integrations", "add", "eve", "Cash", "--kind", "manual")
    added = cli("transactions", "add", "eve-cash", "--date", "2024-05-01 09:00", "--label", "Deposit", "--in", "0.5 BTC")
    assert added.code == 0 and "at 2024-05-01 00:00:00 UTC" in added.out
    tx_id = added.out.split()[1]
    listed = cli("transactions", "list", "eve-cash")
    assert tx_id in listed.out and "2024-05-01 09:00:00" in listed.out and "0.5 BTC" in listed.out
    assert cli("transactions", "delete", "eve-cash", tx_id).code == 0
    assert tx_id not in cli("transactions", "list", "eve-cash").out
    wrong = cli("transactions", "add", "eve-cash", "--date", "2024-05-01 09:00", "--label", "Deposit", "--in", "0.5 BTC", "--fold", "earlier")
    assert wrong.code == 0  # an unambiguous time ignores --fold


def test_amounts_are_bounded_so_their_sums_fit(cli):
    """Two deposits of 99999999999999999999.999999999999999999 BTC were each accepted and their sum
    overflowed DECIMAL(38,18), failing every later sync of the integration. The first is now refused
    naming the bound; two deposits of the largest accepted amount sync and sum exactly."""
    from decimal import Decimal

    from pipelines.warehouse import connect

    cli("accounts", "add", "max", "--timezone", "UTC")
    cli("integrations", "add", "max", "Vault", "--kind", "manual")
    add = ("transactions", "add", "max-vault", "--utc", "--label", "Deposit")
    huge = cli(*add, "--date", "2024-01-01 00:00", "--in", "99999999999999999999.999999999999999999 BTC")
    assert huge.code == 2 and huge.err.count("\n") == 1, huge
    assert "at most 999999999999999.999999999999999999" in huge.err, huge
    largest = "999999999999999.999999999999999999"
    for day in ("01", "02"):
        assert cli(*add, "--date", f"2024-01-{day} 00:00", "--in", f"{largest} BTC").code == 0
    synced = cli("sync", "max-vault")
    assert synced.code == 0, synced
    with connect() as con:
        (balance,) = con.execute("SELECT calculated FROM marts.balance_reconciliation WHERE integration_id = 'max-vault'").fetchone()
    assert balance == Decimal("1999999999999999.999999999999999998")  # exact: no 28-digit Decimal arithmetic


def test_cli_fee_takes_its_amount_from_out_or_fee(cli, warehouse):
    """Blockpit books a Fee with its amount as the outgoing side: `--out` means the same fee as `--fee`."""
    from pipelines.warehouse import connect

    cli("accounts", "add", "fay", "--timezone", "UTC")
    cli("integrations", "add", "fay", "Cash", "--kind", "manual")
    for option, when in (("--out", "2024-05-01 09:00"), ("--fee", "2024-05-02 09:00")):
        added = cli("transactions", "add", "fay-cash", "--date", when, "--label", "Fee", option, "0.001 ETH")
        assert added.code == 0, added
    both = cli("transactions", "add", "fay-cash", "--date", "2024-05-03 09:00", "--label", "Fee",
               "--out", "0.001 ETH", "--fee", "0.001 ETH")
    assert both.code == 2 and "a Fee has only a fee asset and amount" in both.err
    with connect(warehouse) as con:
        rows = con.execute("SELECT outgoing_asset, outgoing_amount, fee_asset, fee_amount FROM app.manual_transactions "
                           "WHERE integration_id = 'fay-cash' ORDER BY occurred_at").fetchall()
    assert [r[:2] for r in rows] == [(None, None)] * 2 and {r[2:] for r in rows} == {("ETH", Decimal("0.001"))}


def test_cli_errors_name_options_and_local_time(cli):
    cli("accounts", "add", "vi", "--timezone", "Europe/Vienna")
    cli("integrations", "add", "vi", "Cash", "--kind", "manual")
    add = ("transactions", "add", "vi-cash")
    trade = cli(*add, "--date", "2024-05-01 09:00", "--label", "Trade", "--in", "1 BTC")
    assert trade.code == 2 and "error: --out: a Trade needs an outgoing asset and amount" in trade.err
    fee = cli(*add, "--date", "2024-05-01 09:00", "--label", "Deposit", "--in", "1 BTC", "--fee", "x EUR")
    assert fee.code == 2 and "error: --fee: 'x' is not a number" in fee.err
    assert not any(header in trade.err + fee.err for header in ("Outgoing", "Fee Amount", "(optional)"))
    future = cli(*add, "--date", "2099-01-01 10:00", "--label", "Deposit", "--in", "1 BTC")
    assert future.code == 2
    assert "--date: 01.01.2099 10:00:00 (local time, Europe/Vienna) is in the future" in future.err
    assert "UTC" not in future.err
