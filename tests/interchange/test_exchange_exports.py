"""An exchange's own export imported into the integration its API syncs (Bitpanda's transaction
history, Kraken's ledgers, Binance's statement), rendered from each imitation's truth: after a
complete API sync it adds nothing; where the API no longer reaches, it fills exactly the missing
history, so calculated, synced and true balances agree again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.connectors.exchange.binance import BinanceReader
from pipelines.connectors.exchange.kraken import KrakenReader
from pipelines.errors import UserError
from pipelines.imitations.bitpanda import BitpandaImitation
from pipelines.imitations.bitpanda.export import render
from pipelines.imitations.exchange import export
from pipelines.interchange.csvfile import CsvImportError, import_file
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.exchange.conftest import FAST, amounts, imitation, mismatched, sync  # noqa: F401 - imitation is a fixture
from tests.interchange.conftest import rebuild, stored

DATA = Path(__file__).parent / "data"


@pytest.fixture
def add(warehouse):
    """Add an exchange integration to a fresh account; returns its id."""

    def add(provider: str, origin: str, credentials: dict) -> str:
        with connect(warehouse) as con:
            add_account(con, "trader", "UTC", "EUR")
            return add_integration(con, "trader", provider.title(), "exchange", provider,
                                   settings={"api_origin": origin, **FAST}, credentials=credentials)

    return add


@pytest.fixture
def by_hand(con) -> str:
    """A manual integration (an export may go into one too)."""
    add_account(con, "trader", "UTC", "EUR")
    return add_integration(con, "trader", "By hand", "manual")


def imported(warehouse, fmt: str, integration: str, path):
    with connect(warehouse) as con:
        result = import_file(con, fmt, integration, path)
        rebuild(con, integration)
    return result


def exact(warehouse, integration: str, truth: dict) -> None:
    assert amounts(warehouse, "marts.calculated_balances", integration) == truth
    assert amounts(warehouse, "core.synced_balances", integration) == truth
    assert mismatched(warehouse, integration) == set()


def written(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


# --- Bitpanda -------------------------------------------------------------------------------------

@pytest.fixture
def bitpanda_forgetful():
    """Bitpanda whose API no longer lists anything before June 2025."""
    with BitpandaImitation(forget_before=datetime(2025, 6, 1, tzinfo=UTC)) as server:
        yield server


def bitpanda_integration(add, server) -> str:
    return add("bitpanda", server.url, {"apiKey": server.api_key})


def test_bitpanda_export_after_a_complete_sync_adds_nothing(warehouse, add, tmp_path):
    with BitpandaImitation() as server:
        integration = bitpanda_integration(add, server)
        sync(warehouse, integration, full=True)
        before = amounts(warehouse, "marts.calculated_balances", integration)
        result = imported(warehouse, "bitpanda-export", integration, written(tmp_path, "bp.csv", render(server.history)))
        h = server.history
        rows = len(h.trades) + sum(1 for r in h.wallet_transactions + h.fiat_transactions
                                   if r["attributes"]["status"] == "finished" and r["attributes"]["type"] not in ("buy", "sell")
                                   and not r["attributes"].get("is_bfc"))
        assert (result.rows, result.imported) == (rows, 0)
        assert amounts(warehouse, "marts.calculated_balances", integration) == before
        exact(warehouse, integration, server.true_balances())


def test_bitpanda_export_fills_the_history_the_api_no_longer_lists(warehouse, add, tmp_path, bitpanda_forgetful):
    server = bitpanda_forgetful
    integration = bitpanda_integration(add, server)
    sync(warehouse, integration, full=True)
    assert mismatched(warehouse, integration), "the history before June is missing"
    path = written(tmp_path, "bp.csv", render(server.history))
    result = imported(warehouse, "bitpanda-export", integration, path)
    june, h = server.forget_before.timestamp(), server.history
    earlier = [r for r in h.trades if int(r["attributes"]["time"]["unix"]) < june] + [
        r for r in h.wallet_transactions + h.fiat_transactions
        if int(r["attributes"]["time"]["unix"]) < june and r["attributes"]["status"] == "finished"
        and r["attributes"]["type"] not in ("buy", "sell") and not r["attributes"].get("is_bfc")]
    assert result.imported == len(earlier) and result.skipped > 0
    exact(warehouse, integration, server.true_balances())
    with connect(warehouse) as con:
        labels = dict(con.execute("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? "
                                  "AND origin = 'manual' GROUP BY 1", [integration]).fetchall())
    assert labels["Trade"] > 0 and labels["Staking"] > 0 and labels["Deposit"] > 0
    assert imported(warehouse, "bitpanda-export", integration, path).imported == 0  # a second import adds nothing
    server.add_now()  # the API syncs on beside the imported history; nothing of it is taken for a duplicate
    sync(warehouse, integration)
    exact(warehouse, integration, server.true_balances())
    with connect(warehouse) as con:
        assert con.execute("SELECT count(*) FROM app.superseded_manual WHERE integration_id = ?",
                           [integration]).fetchone() == (0,)


def test_bitpanda_sample_file_as_published(con, by_hand):
    integration = by_hand
    result = import_file(con, "bitpanda-export", integration, DATA / "bitpanda_export_sample.csv")
    assert (result.rows, result.imported) == (13, 13)
    rows = {r[9]: r for r in stored(con, integration)}
    # times carry Bitpanda's offset; stored in UTC
    assert rows["Test-ID001"][:8] == (datetime(2020, 6, 13, 11, 16, 15), "Deposit", None, None, "EUR", Decimal(1000),
                                      "EUR", Decimal(15))
    assert rows["Test-ID003"][:8] == (datetime(2020, 6, 13, 13, 13, 42), "Trade", "EUR", Decimal(200), "MIOTA",
                                      Decimal("1575.54500794"), None, None)
    assert rows["Test-ID005"][:8] == (datetime(2020, 10, 21, 21, 9, 43), "Deposit", None, None, "XRP",
                                      Decimal("145.934453"), None, None)
    assert rows["Test-ID007"][1:6] == ("Trade", "XRP", Decimal("71.0002957"), "EUR", Decimal("16.61"))


def test_a_bad_bitpanda_row_names_row_column_and_reason_and_stores_nothing(con, by_hand, tmp_path):
    integration = by_hand
    lines = (DATA / "bitpanda_export_sample.csv").read_text().splitlines()
    lines[9] = lines[9].replace("1575.54500794", "1575.5.4")
    lines[10] = lines[10].replace(",buy,", ",margin call,")
    with pytest.raises(CsvImportError) as error:
        import_file(con, "bitpanda-export", integration, written(tmp_path, "bad.csv", "\n".join(lines)))
    text = str(error.value)
    assert "row 10" in text and "Amount Asset" in text and "not a number" in text
    assert "row 11" in text and "Transaction Type" in text and "'margin call'" in text
    assert stored(con, integration) == []


def test_an_export_belongs_in_its_own_exchange(warehouse, add, tmp_path, imitation):
    integration = add("kraken", imitation.url, {"apiKey": imitation.kraken.api_key, "secret": imitation.kraken.secret})
    with connect(warehouse) as con, pytest.raises(UserError, match="belongs in a bitpanda integration"):
        import_file(con, "bitpanda-export", integration, DATA / "bitpanda_export_sample.csv")


# --- Kraken ---------------------------------------------------------------------------------------

def kraken_integration(add, imitation) -> str:
    return add("kraken", imitation.url, {"apiKey": imitation.kraken.api_key, "secret": imitation.kraken.secret})


def test_kraken_ledgers_after_a_complete_sync_add_nothing(warehouse, add, imitation, tmp_path):
    integration = kraken_integration(add, imitation)
    sync(warehouse, integration, full=True)
    path = written(tmp_path, "ledgers.csv", export.kraken_ledgers(imitation.apis["kraken"]))
    result = imported(warehouse, "kraken-export", integration, path)
    assert result.rows > 100 and result.imported == 0
    exact(warehouse, integration, imitation.kraken.true_balances())


def test_kraken_ledgers_fill_what_the_api_no_longer_reaches(warehouse, add, imitation, tmp_path, monkeypatch):
    monkeypatch.setattr(KrakenReader, "history_days", 200)  # half the seeded history
    integration = kraken_integration(add, imitation)
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        tips = [json.loads(t)[0]["code"] for (t,) in con.execute(
            "SELECT tips FROM marts.balance_reconciliation WHERE integration_id = ? AND status <> 'match'",
            [integration]).fetchall()]
        (reach,) = con.execute("SELECT min(occurred_at) FROM raw.records WHERE integration_id = ? AND stream = 'ledger'",
                               [integration]).fetchone()
    assert tips and set(tips) == {"history_unreachable"}
    path = written(tmp_path, "ledgers.csv", export.kraken_ledgers(imitation.apis["kraken"]))
    result = imported(warehouse, "kraken-export", integration, path)
    assert 0 < result.imported < result.rows
    exact(warehouse, integration, imitation.kraken.true_balances())
    with connect(warehouse) as con:
        (latest,) = con.execute("SELECT max(occurred_at) FROM core.transactions WHERE integration_id = ? "
                                "AND origin = 'manual'", [integration]).fetchone()
    assert latest < reach  # only what the API did not bring
    assert imported(warehouse, "kraken-export", integration, path).imported == 0


def test_a_bad_kraken_row_names_row_column_and_reason(con, by_hand, tmp_path):
    integration = by_hand
    text = '"txid","refid","time","type","subtype","aclass","asset","wallet","amount","fee","balance"\n' \
           '"L1","R1","2024-01-02 10:00:00","deposit","","currency","XXBT","spot / main","0.5","0","0.5"\n' \
           '"L2","R2","2024-01-03 10:00:00","trade","","currency","ZEUR","spot / main","-100,5","0.1","1"\n' \
           '"L3","R2","2024-01-03 10:00:00","trade","","currency","XXBT","spot / main","0.01","0","0.51"\n'
    with pytest.raises(CsvImportError) as error:
        import_file(con, "kraken-export", integration, written(tmp_path, "k.csv", text))
    assert "row 3" in str(error.value) and "amount" in str(error.value) and "not a number" in str(error.value)
    assert stored(con, integration) == []
    result = import_file(con, "kraken-export", integration, written(tmp_path, "k.csv", text.replace("-100,5", "-100.5")))
    assert result.imported == 2
    assert sorted(stored(con, integration))[1][:8] == (datetime(2024, 1, 3, 10), "Trade", "EUR", Decimal("100.5"),
                                                       "BTC", Decimal("0.01"), "EUR", Decimal("0.1"))


def test_kraken_sample_rows_as_published(con, by_hand):
    """A deposit or withdrawal is listed twice, first without txid: booked once."""
    result = import_file(con, "kraken-export", by_hand, DATA / "kraken_ledgers_sample.csv")
    assert (result.rows, result.imported) == (4, 4)
    d = Decimal
    assert {r[9]: r[:8] for r in stored(con, by_hand)} == {
        "QCCA6ZN-5V5YRZ-GFXN7W": (datetime(2020, 12, 31, 6, 14, 54), "Deposit", None, None, "EUR", d(1000), None, None),
        "TSS6BTF-K6OZK-DZ6MUU": (datetime(2020, 12, 29, 16, 39, 51), "Trade", "EUR", d(500), "DOT", d("4633.18411"),
                                 None, None),
        "AGB76R3-DWC5SC-UCBGGX": (datetime(2021, 11, 3, 21, 2, 37), "Withdrawal", "BTC", d("0.03076"), None, None,
                                  "BTC", d("0.00015")),
        "TTWFFE-HZX34-2EEGRM": (datetime(2022, 2, 24, 8, 57, 2), "Trade", "EUR", d("1499.9999"), "BTC",
                                d("0.04746069"), "EUR", d("2.4")),
    }


# --- Binance --------------------------------------------------------------------------------------

def binance_integration(add, imitation) -> str:
    return add("binance", imitation.url, {"apiKey": imitation.binance.api_key, "secret": imitation.binance.secret})


def test_binance_statement_after_a_complete_sync_adds_nothing(warehouse, add, imitation, tmp_path):
    integration = binance_integration(add, imitation)
    sync(warehouse, integration, full=True)
    path = written(tmp_path, "statement.csv", export.binance_statement(imitation.binance))
    result = imported(warehouse, "binance-export", integration, path)
    assert result.rows > 1000 and result.imported == 0
    exact(warehouse, integration, imitation.binance.true_balances())


def test_binance_statement_fills_what_the_api_no_longer_reaches(warehouse, add, imitation, tmp_path, monkeypatch):
    monkeypatch.setattr(BinanceReader, "history_days", 200)
    integration = binance_integration(add, imitation)
    sync(warehouse, integration, full=True)
    assert mismatched(warehouse, integration)
    path = written(tmp_path, "statement.csv", export.binance_statement(imitation.binance))
    result = imported(warehouse, "binance-export", integration, path)
    assert 0 < result.imported < result.rows
    exact(warehouse, integration, imitation.binance.true_balances())
    assert imported(warehouse, "binance-export", integration, path).imported == 0


def test_cli_imports_an_exchange_export(cli, tmp_path, capsys):
    assert cli("accounts", "add", "alice", "--timezone", "UTC").code == 0
    assert cli("integrations", "add", "alice", "Bitpanda", "--kind", "manual").code == 0
    result = cli("import", "bitpanda-export", "alice-bitpanda", str(DATA / "bitpanda_export_sample.csv"))
    assert result.code == 0, result.err
    assert "13 rows, 13 imported" in result.out
    with pytest.raises(SystemExit):  # an exchange's export is read, never written
        cli("export", "bitpanda-export", "--integration", "alice-bitpanda", str(tmp_path / "out.csv"))
    assert "invalid choice: 'bitpanda-export'" in capsys.readouterr().err
