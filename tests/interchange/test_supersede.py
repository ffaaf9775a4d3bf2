"""Converting a manual integration into a synced one: duplicates are superseded, never deleted.

The user kept a Binance history by hand (imported from a Koinly file), then converts the manual
integration into a Binance exchange integration; the sync runs ccxt against the exchange imitation
over HTTP. Manual transactions the sync brings again leave the balances, the rest keep counting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from pipelines.interchange.csvfile import get_format, import_file, read_file
from pipelines.interchange.supersede import list_duplicates, restore
from pipelines.manual import store
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration, convert
from pipelines.runner import sync as dagster_sync
from pipelines.sync.report import amount_text
from pipelines.warehouse import connect
from tests.exchange.conftest import FAST, amounts, imitation, sync  # noqa: F401 - imitation is a fixture
from tests.interchange.conftest import rebuild

HEADER = "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash"


def when(time_ms: int, shift: timedelta = timedelta()) -> str:
    return (datetime.fromtimestamp(time_ms / 1000, UTC) + shift).strftime("%Y-%m-%d %H:%M:%S UTC")


def koinly_row(time: str, sent=None, received=None, fee=None, description="", txhash="") -> str:
    cells = lambda leg: [amount_text(leg[0]), leg[1]] if leg else ["", ""]  # noqa: E731
    return ",".join([time, *cells(sent), *cells(received), *cells(fee), "", "", "", description, txhash])


def trade_legs(t):
    base, quote = t.market.split("/")
    sent, received = ((t.cost, quote), (t.qty, base)) if t.side == "buy" else ((t.qty, base), (t.cost, quote))
    return sent, received, (t.fee, t.fee_asset)


@pytest.fixture
def kept_by_hand(warehouse, imitation, tmp_path):
    """A manual integration holding part of the Binance history as a user typed it, plus two
    transactions the exchange does not have at that time."""
    history = imitation.binance.history
    d0, d1, d2 = history.deposits()[:3]
    w0 = history.withdrawals()[0]
    t0, t1 = history.trades[:2]
    rows = {
        "by tx hash": koinly_row(when(d0.time_ms, timedelta(minutes=5)), received=(d0.amount, d0.asset), txhash=d0.txid),
        "by amount": koinly_row(when(d1.time_ms, timedelta(minutes=20)), received=(d1.amount, d1.asset)),
        # typed including the withdrawal fee, 10 minutes off: within the fee tolerance and the window
        "fee included": koinly_row(when(w0.time_ms, -timedelta(minutes=10)), sent=(w0.amount + w0.fee, w0.asset)),
        "by trade id": koinly_row(when(t0.time_ms), *trade_legs(t0), txhash=f"{t0.market.replace('/', '')}:{t0.id}"),
        "trade by amount": koinly_row(when(t1.time_ms, timedelta(seconds=40)), *trade_legs(t1)),
        "no twin": koinly_row(when(d0.time_ms), received=(5, "XYZ"), description="OTC"),
        "too early": koinly_row(when(d2.time_ms, -timedelta(days=5)), received=(d2.amount, d2.asset)),
    }
    path = tmp_path / "koinly.csv"
    path.write_text("\n".join([HEADER, *rows.values()]) + "\n")
    with connect(warehouse) as con:
        add_account(con, "trader", "UTC", "EUR")
        integration = add_integration(con, "trader", "Binance", "manual")
        assert import_file(con, "koinly", integration, path).imported == 7
    ids = store.manual_ids(integration, read_file(path, get_format("koinly"), "UTC"))  # in file order
    return integration, dict(zip(rows, ids)), (d0, d1, d2)


def manual_ids_by_row(warehouse, integration):
    with connect(warehouse) as con:
        return {r[0] for r in con.execute(
            "SELECT tx_id FROM core.transactions WHERE integration_id = ? AND origin = 'manual'", [integration]).fetchall()}


def test_conversion_supersedes_the_manual_duplicates_and_keeps_the_rest(warehouse, imitation, kept_by_hand):
    integration, ids, (_, d1, d2) = kept_by_hand
    with connect(warehouse) as con:
        rebuild(con, integration)
        assert len(con.execute("SELECT * FROM core.transactions").fetchall()) == 7
        convert(con, integration, "exchange", "binance", settings={"api_origin": imitation.url, **FAST},
                credentials={"apiKey": imitation.binance.api_key, "secret": imitation.binance.secret})

    instance = dg.DagsterInstance.ephemeral()
    (outcome,) = dagster_sync([integration], full=True, dagster_instance=instance)
    assert outcome.success, outcome.error
    event = instance.get_latest_materialization_event(dg.AssetKey("transactions"))
    assert event.asset_materialization.metadata["superseded_manual"].value == 5

    with connect(warehouse) as con:
        listed = {row[0]: row for row in list_duplicates(con, integration)}
    assert {manual_id: (row[1], row[2]) for manual_id, row in listed.items()} == {
        ids["by tx hash"]: ("superseded", "external_id"), ids["by trade id"]: ("superseded", "external_id"),
        ids["by amount"]: ("superseded", "amount_and_time"), ids["fee included"]: ("superseded", "amount_and_time"),
        ids["trade by amount"]: ("superseded", "amount_and_time"),
    }
    assert manual_ids_by_row(warehouse, integration) == {ids["no twin"], ids["too early"]}
    truth = imitation.binance.true_balances()
    expected = {**truth, "XYZ": 5, d2.asset: truth[d2.asset] + d2.amount}
    assert amounts(warehouse, "marts.calculated_balances", integration) == expected
    with connect(warehouse) as con:  # nothing deleted: every manual row is still there
        assert con.execute("SELECT count(*) FROM app.manual_transactions").fetchone() == (7,)

    # Restoring one counts it again, from the next build on, and it is never marked again.
    with connect(warehouse) as con:
        restore(con, integration, ids["by amount"])
        with pytest.raises(Exception, match="already restored"):
            restore(con, integration, ids["by amount"])
    sync(warehouse, integration)  # an incremental sync: extract what is new, rebuild every layer
    sync(warehouse, integration)
    expected[d1.asset] += d1.amount
    assert amounts(warehouse, "marts.calculated_balances", integration) == expected
    assert manual_ids_by_row(warehouse, integration) == {ids["no twin"], ids["too early"], ids["by amount"]}
    with connect(warehouse) as con:
        states = {row[0]: row[1] for row in list_duplicates(con, integration)}
    assert states[ids["by amount"]] == "restored" and list(states.values()).count("superseded") == 4


def test_cli_lists_and_restores_duplicates(warehouse, imitation, kept_by_hand, cli):
    integration, ids, _ = kept_by_hand
    with connect(warehouse) as con:
        convert(con, integration, "exchange", "binance", settings={"api_origin": imitation.url, **FAST},
                credentials={"apiKey": imitation.binance.api_key, "secret": imitation.binance.secret})
    sync(warehouse, integration, full=True)
    listed = cli("integrations", "duplicates", integration)
    assert listed.code == 0 and listed.out.count("superseded") == 5 and ids["no twin"] not in listed.out
    listing = cli("transactions", "list", integration, "--origin", "manual")  # why they do not count
    assert listing.code == 0 and listing.out.count("superseded by") == 5, listing.out
    restored = cli("integrations", "restore-duplicate", integration, ids["by tx hash"])
    assert restored.code == 0 and "restored" in restored.out
    listing = cli("transactions", "list", integration, "--origin", "manual")
    assert listing.out.count("superseded by") == 4 and listing.out.count("not yet synced") == 1, listing.out
    unknown = cli("integrations", "restore-duplicate", integration, ids["no twin"])
    assert unknown.code == 2 and "is not a superseded manual transaction" in unknown.err


def test_the_rules_table_decides_window_and_tolerance_and_pairs_are_one_to_one(con):
    """SQL level: synced and manual rows straight into core.transactions, then the matching step."""
    from pipelines.interchange.supersede import supersede_duplicates
    from pipelines.warehouse import transaction

    add_account(con, "trader", "UTC", "EUR")
    integration = add_integration(con, "trader", "Kraken", "manual")
    con.execute("UPDATE app.integrations SET kind = 'exchange', provider = 'kraken' WHERE integration_id = ?", [integration])
    con.execute("INSERT INTO app.duplicate_rules VALUES ('exchange', 'kraken', 600, 0)")
    t = datetime(2024, 5, 1, 12)

    def add(tx_id, origin, minutes, out=None, inc=None, fee=None, external_id=None):
        out, inc, fee = out or (None, None), inc or (None, None), fee or (None, None)
        con.execute("INSERT INTO core.transactions VALUES (?, ?, ?, 'X', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    [tx_id, integration, t + timedelta(minutes=minutes), origin, out[0], out[0], out[1],
                     inc[0], inc[0], inc[1], fee[0], fee[0], fee[1], external_id])

    add("s1", "synced", 0, out=("BTC", "1"), fee=("BTC", "0.0005"))
    add("m1", "manual", 5, out=("BTC", "1.0005"))                     # typed with the fee: within tolerance
    add("s2", "synced", 0, inc=("ETH", "2"))
    add("m2", "manual", 1, inc=("ETH", "2.0001"))                     # off by more than any fee: kept
    add("s3", "synced", 0, inc=("ETH", "3"))
    add("m3", "manual", 11, inc=("ETH", "3"))                         # outside the 10-minute window: kept
    add("s4", "synced", 0, inc=("DOT", "1"))
    add("s5", "synced", 2, inc=("DOT", "1"))
    for name, minutes in (("m4", 1), ("m5", 3), ("m6", 2)):           # three typed, two synced: one kept
        add(name, "manual", minutes, inc=("DOT", "1"))
    add("s6", "synced", 0, inc=("EUR", "100"), external_id="H1")
    add("m7", "manual", 60 * 24 * 3, inc=("EUR", "99"), external_id="h1 ")  # the same id decides
    with transaction(con):
        assert supersede_duplicates(con, integration) == 4
    marks = dict(con.execute("SELECT manual_id, synced_tx_id FROM app.superseded_manual").fetchall())
    assert marks["m1"] == "s1" and marks["m7"] == "s6"
    assert {marks.get("m4"), marks.get("m5"), marks.get("m6")} - {None} == {"s4", "s5"}
    assert "m2" not in marks and "m3" not in marks
    kept = {r[0] for r in con.execute("SELECT tx_id FROM core.transactions WHERE origin = 'manual'").fetchall()}
    assert kept == {"m2", "m3", "m4", "m5", "m6"} - set(marks)

    con.execute("UPDATE app.duplicate_rules SET time_window_seconds = 3600 WHERE provider = 'kraken'")
    with transaction(con):
        assert supersede_duplicates(con, integration) == 1
    assert con.execute("SELECT synced_tx_id FROM app.superseded_manual WHERE manual_id = 'm3'").fetchone() == ("s3",)


def test_a_restored_outgoing_duplicate_is_the_tip_not_missing_incoming_history(warehouse, imitation, kept_by_hand):
    """Restoring the manual copy of a withdrawal books it twice: the calculated balance is short by
    exactly that row, which the duplicate list explains; no tip may send the user after deposits."""
    from pipelines.sync.report import reconciliation_rows

    integration, ids, (d0, d1, d2) = kept_by_hand
    w0 = imitation.binance.history.withdrawals()[0]
    assert w0.asset not in {d2.asset, "XYZ"}  # the assets the two kept manual rows change
    with connect(warehouse) as con:
        convert(con, integration, "exchange", "binance", settings={"api_origin": imitation.url, **FAST},
                credentials={"apiKey": imitation.binance.api_key, "secret": imitation.binance.secret})
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        restore(con, integration, ids["fee included"])
    sync(warehouse, integration)
    with connect(warehouse) as con:
        row = {r["asset"]: r for r in reconciliation_rows(con, integration)}[w0.asset]
    assert (row["status"], row["difference"]) == ("mismatch", -(w0.amount + w0.fee))
    codes = [t["code"] for t in row["tips"]]
    assert codes == ["restored_duplicate"], row["tips"]
    assert "that is the whole difference" in row["tip"] and f"integrations duplicates {integration}" in row["tip"]
