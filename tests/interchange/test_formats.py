"""Koinly, CoinTracking and Blockpit CSV files: import as each tool writes them, bad rows, round trips."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal as D

import pytest

from pipelines.errors import UserError
from pipelines.interchange.csvfile import CsvImportError, export_file, import_file
from pipelines.interchange.labels import EXPORT, NoCounterpartError, shape, to_foreign
from pipelines.labels import LABELS
from pipelines.manual import store
from pipelines.manual.validation import validate
from tests.interchange.conftest import balances, rebuild, stored


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def rows_in_time_order(con, integration_id):
    return sorted(stored(con, integration_id), key=lambda r: (r[0], r[1]))


# --- Koinly: comma separated, "YYYY-MM-DD HH:MM UTC", fee on top of the sent amount -------------------

KOINLY = """
Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash
2024-01-02 09:15 UTC,,,10000,EUR,,,10000,EUR,,"bank transfer, SEPA",
2024-01-03 10:00 UTC,4000.5,EUR,0.123456789012345678,BTC,4,EUR,4000.5,EUR,,,T-1
2024-01-05 12:00 UTC,0.5,ETH,,,0.001,ETH,,,,,0xabc
2024-01-06 00:00 UTC,,,0.000000000000000001,ETH,,,,,reward,,
2024-01-07 08:30 UTC,0.01,BTC,,,,,,,Gift,to my sister,
2024-01-08 08:30 UTC,,,1,ETH,,,,,gift,from my brother,
2024-01-09 10:00 UTC,0.02,BTC,,,,,,,margin fee,,
2024-01-10 10:00:30 UTC,,,,,1.5,EUR,,,,account fee,
2024-01-11T10:00:00Z,,,123456789012345.123456789012345678,SHIB,,,,,airdrop,,
"""


def test_koinly_universal_file(con, manual, tmp_path):
    integration = manual("From Koinly")
    result = import_file(con, "koinly", integration, write(tmp_path, "koinly.csv", KOINLY))
    assert (result.rows, result.imported) == (9, 9)
    assert rows_in_time_order(con, integration) == [
        (datetime(2024, 1, 2, 9, 15), "Deposit", None, None, "EUR", 10000, None, None, "bank transfer, SEPA", None),
        (datetime(2024, 1, 3, 10), "Trade", "EUR", D("4000.5"), "BTC", D("0.123456789012345678"), "EUR", 4, None, "T-1"),
        (datetime(2024, 1, 5, 12), "Withdrawal", "ETH", D("0.5"), None, None, "ETH", D("0.001"), None, "0xabc"),
        (datetime(2024, 1, 6), "Staking", None, None, "ETH", D("1e-18"), None, None, None, None),
        (datetime(2024, 1, 7, 8, 30), "Gift Sent", "BTC", D("0.01"), None, None, None, None, "to my sister", None),
        (datetime(2024, 1, 8, 8, 30), "Gift Received", None, None, "ETH", 1, None, None, "from my brother", None),
        (datetime(2024, 1, 9, 10), "Derivative Fee", None, None, None, None, "BTC", D("0.02"), None, None),
        (datetime(2024, 1, 10, 10, 0, 30), "Fee", None, None, None, None, "EUR", D("1.5"), "account fee", None),
        (datetime(2024, 1, 11, 10), "Airdrop", None, None, "SHIB", D("123456789012345.123456789012345678"),
         None, None, None, None),
    ]
    again = import_file(con, "koinly", integration, tmp_path / "koinly.csv")
    assert (again.imported, again.skipped) == (0, 9)


KOINLY_BAD = """
Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash
2024-01-02 09:15 UTC,,,10000,EUR,,,,,,,
2024-13-01 10:00 UTC,,,1,BTC,,,,,,,
2024-01-04 10:00 UTC,1,BTC,2,ETH,,,,,swap,,
2024-01-05 10:00 UTC,"1,000.5",EUR,,,,,,,,,
2024-01-06 10:00 UTC,,,-1,BTC,,,,,,,
2024-01-07 10:00 UTC,,,5,,,,,,,,
2024-01-08 10:00 UTC,1,BTC,,,,,,,mining,,
"""


def test_koinly_bad_rows_are_all_reported_and_nothing_is_imported(con, manual, tmp_path):
    integration = manual("Bad Koinly")
    with pytest.raises(CsvImportError) as info:
        import_file(con, "koinly", integration, write(tmp_path, "bad.csv", KOINLY_BAD))
    reasons = {(p.row, p.column): p.reason for p in info.value.problems}
    assert set(reasons) == {
        (3, "Date"), (4, "Label"), (5, "Sent Amount"), (6, "Received Amount"), (7, "Received Currency"),
        (8, "Sent Currency"), (8, "Received Amount"),
    }
    assert "'swap' has no counterpart" in reasons[(4, "Label")]
    assert "comma" in reasons[(5, "Sent Amount")] and "negative" in reasons[(6, "Received Amount")]
    assert "a Mining has no outgoing side" in reasons[(8, "Sent Currency")]
    assert "row 4, Label: Koinly universal CSV type 'swap'" in str(info.value) and "nothing imported" in str(info.value)
    assert con.execute("SELECT count(*) FROM app.manual_transactions").fetchone() == (0,)


def test_a_file_of_another_layout_is_refused_by_its_header(con, manual, tmp_path):
    integration = manual("Wrong")
    path = write(tmp_path, "ct.csv", CT)
    with pytest.raises(CsvImportError, match="not a Koinly universal CSV file: missing column"):
        import_file(con, "koinly", integration, path)


# --- CoinTracking: Buy/Sell include the fee, dates DD.MM.YYYY in the CoinTracking account's zone ----------

CT = """
"Type","Buy Amount","Buy Currency","Sell Amount","Sell Currency","Fee","Fee Currency","Exchange","Trade-Group","Comment","Date","Tx-ID"
"Deposit","10000","EUR","","","","","Bank","","","02.01.2024 10:15:00",""
"Trade","1","BTC","505","EUR","5","EUR","Kraken","","fee in EUR","03.01.2024 11:00:00","K-1"
"Trade","0.99","BTC","500","EUR","0.01","BTC","Kraken","","fee in BTC","04.01.2024 11:00:00",""
"Trade","2","ETH","0.1","BTC","0.05","BNB","Binance","","","05.01.2024 11:00","B-7"
"Other Fee","","","0.05","BNB","","","Binance","","","05.01.2024 11:00",""
"Trade","1","ETH","0.05","BTC","0.02","BNB","Binance","","no fee row","06.01.2024 11:00:00",""
"Withdrawal","","","1.001","BTC","0.001","BTC","Kraken","","","07.01.2024 11:00:00","0xdef"
"Staking","0.5","ETH","","","","","Kraken","","","08.01.2024 00:30:00",""
"Other Fee","","","1","EUR","","","Bank","","account fee","09.01.2024 11:00:00",""
"Gift / Tip","0,25","ETH","","","","","","","","10.01.2024 11:00:00",""
"Margin Fee","","","0.001","BTC","","","Bitmex","","","11.01.2024 11:00:00",""
"Staking","0.1","ETH","","","","","Kraken","","summer time","01.07.2024 12:00:00",""
"""


def test_cointracking_file(con, manual, tmp_path):
    integration = manual("From CoinTracking")
    result = import_file(con, "cointracking", integration, write(tmp_path, "ct.csv", CT), timezone="Europe/Vienna")
    assert (result.rows, result.imported) == (11, 11)  # 12 rows: the Other Fee row after its trade is part of it
    assert rows_in_time_order(con, integration) == [
        (datetime(2024, 1, 2, 9, 15), "Deposit", None, None, "EUR", 10000, None, None, None, None),
        (datetime(2024, 1, 3, 10), "Trade", "EUR", 500, "BTC", 1, "EUR", 5, "fee in EUR", "K-1"),
        (datetime(2024, 1, 4, 10), "Trade", "EUR", 500, "BTC", 1, "BTC", D("0.01"), "fee in BTC", None),
        (datetime(2024, 1, 5, 10), "Trade", "BTC", D("0.1"), "ETH", 2, "BNB", D("0.05"), None, "B-7"),
        # CoinTracking does not deduct a third-currency fee without its Other Fee row: neither do we.
        (datetime(2024, 1, 6, 10), "Trade", "BTC", D("0.05"), "ETH", 1, None, None, "no fee row", None),
        (datetime(2024, 1, 7, 10), "Withdrawal", "BTC", 1, None, None, "BTC", D("0.001"), None, "0xdef"),
        (datetime(2024, 1, 7, 23, 30), "Staking", None, None, "ETH", D("0.5"), None, None, None, None),
        (datetime(2024, 1, 9, 10), "Fee", None, None, None, None, "EUR", 1, "account fee", None),
        (datetime(2024, 1, 10, 10), "Gift Received", None, None, "ETH", D("0.25"), None, None, None, None),
        (datetime(2024, 1, 11, 10), "Derivative Fee", None, None, None, None, "BTC", D("0.001"), None, None),
        (datetime(2024, 7, 1, 10), "Staking", None, None, "ETH", D("0.1"), None, None, "summer time", None),
    ]


def test_cointracking_semicolons_decimal_commas_and_an_explicit_zone(con, manual, tmp_path):
    integration = manual("CT semicolons")
    text = CT.replace('","', '";"').replace('"0,25"', '"0,25"').replace('"1.001"', '"1,001"').replace('"0.001";"BTC";"Kraken"', '"0,001";"BTC";"Kraken"')
    import_file(con, "cointracking", integration, write(tmp_path, "ct.csv", text))
    rows = {r[0]: r for r in stored(con, integration)}
    assert rows[datetime(2024, 1, 7, 11)][1:8] == ("Withdrawal", "BTC", 1, None, None, "BTC", D("0.001"))
    assert datetime(2024, 7, 1, 12) in rows  # without --timezone the times are UTC


CT_BAD = """
"Type","Buy Amount","Buy Currency","Sell Amount","Sell Currency","Fee","Fee Currency","Exchange","Trade-Group","Comment","Date"
"Deposit","1","BTC","","","","","","","","02.01.2024 10:15:00"
"Teleport","1","BTC","","","","","","","","02.01.2024 10:15:00"
"Withdrawal","","","0.001","BTC","0.001","BTC","","","","03.01.2024 10:15:00"
"Deposit","1","BTC","","","","","","","","2024/01/05"
"Deposit","1","BTC","","","","","","","","31.03.2024 02:30:00"
"Other Fee","","","1","EUR","2","EUR","","","","01.04.2024 10:00:00"
"Other Fee","","","1.5.2","EUR","","","","","","02.04.2024 10:00:00"
"""


def test_cointracking_bad_rows(con, manual, tmp_path):
    integration = manual("Bad CT")
    with pytest.raises(CsvImportError) as info:
        import_file(con, "cointracking", integration, write(tmp_path, "bad.csv", CT_BAD), timezone="Europe/Vienna")
    reasons = {(p.row, p.column): p.reason for p in info.value.problems}
    assert set(reasons) == {(3, "Type"), (4, "Sell Amount"), (5, "Date"), (6, "Date"), (7, "Fee"), (8, "Sell Amount")}
    assert "does not exist in Europe/Vienna" in reasons[(6, "Date")]  # the spring-forward gap
    assert "not larger than the Fee it includes" in reasons[(4, "Sell Amount")]
    assert con.execute("SELECT count(*) FROM app.manual_transactions").fetchone() == (0,)


# --- Blockpit CSV export: semicolons, DD.MM.YYYY HH:MM:SS in UTC, fee rows carry their amount as outgoing ---

BLOCKPIT = """
Blockpit ID;Timestamp;Source Type;Source Name;Integration;Transaction Type;Outgoing Asset;Outgoing Amount;Incoming Asset;Incoming Amount;Fee Asset;Fee Amount;Transaction ID;Note;Merge ID
1001;02.01.2024 09:15:00;exchange;binance;My Binance;Deposit;;;EUR;10000;;;;bank transfer;
1002;03.01.2024 10:00:00;exchange;binance;My Binance;Trade;EUR;4000.5;BTC;0.123456789012345678;BNB;0.0005;T-1;;
1003;05.01.2024 12:00:00;exchange;binance;My Binance;Withdrawal;ETH;0,5;;;ETH;0,001;0xabc;;
1004;06.01.2024 00:00:00;exchange;binance;My Binance;Bounties;;;USDT;5;;;;;
1005;07.01.2024 00:00:00;exchange;binance;My Binance;Fee;BNB;0.01;;;;;;;
1006;08.01.2024 00:00:00;exchange;binance;My Binance;Margin_trading_fee;USDT;0.3;;;;;;;
1007;09.01.2024 00:00:00;wallet;ethereum;My Wallet;non-taxable in;;;ETH;0.01;;;;;m1
"""


def test_blockpit_csv_export_file(con, manual, tmp_path):
    integration = manual("From Blockpit")
    assert import_file(con, "blockpit-csv", integration, write(tmp_path, "bp.csv", BLOCKPIT)).imported == 7
    assert rows_in_time_order(con, integration) == [
        (datetime(2024, 1, 2, 9, 15), "Deposit", None, None, "EUR", 10000, None, None, "bank transfer", None),
        (datetime(2024, 1, 3, 10), "Trade", "EUR", D("4000.5"), "BTC", D("0.123456789012345678"), "BNB", D("0.0005"), None, "T-1"),
        (datetime(2024, 1, 5, 12), "Withdrawal", "ETH", D("0.5"), None, None, "ETH", D("0.001"), None, "0xabc"),
        (datetime(2024, 1, 6), "Bounty", None, None, "USDT", 5, None, None, None, None),
        (datetime(2024, 1, 7), "Fee", None, None, None, None, "BNB", D("0.01"), None, None),
        (datetime(2024, 1, 8), "Derivative Fee", None, None, None, None, "USDT", D("0.3"), None, None),
        (datetime(2024, 1, 9), "Non-Taxable In", None, None, "ETH", D("0.01"), None, None, None, None),
    ]


def test_blockpit_bad_rows(con, manual, tmp_path):
    integration = manual("Bad Blockpit")
    text = BLOCKPIT.replace("02.01.2024 09:15:00", "").replace(";Trade;EUR;4000.5;BTC;0.123456789012345678;",
                                                               ";Trade;EUR;4000.5;;;")
    with pytest.raises(CsvImportError) as info:
        import_file(con, "blockpit-csv", integration, write(tmp_path, "bad.csv", text))
    assert {(p.row, p.column) for p in info.value.problems} == {(2, "Timestamp"), (3, "Incoming Amount")}


# --- Round trips: export an integration, import the file into a new manual integration -------------------

#: One transaction per label (times away from DST changes, amounts at full precision).
ROUND_TRIP = [
    ("Deposit", None, ("EUR", "25000"), None, "salary", None),
    ("Trade", ("EUR", "4000.5"), ("BTC", "0.123456789012345678"), ("EUR", "4"), None, "T-1"),
    ("Trade", ("EUR", "500"), ("BTC", "1"), ("BTC", "0.001"), "fee in what came in", None),
    ("Trade", ("BTC", "0.1"), ("ETH", "2"), ("BNB", "0.05"), "fee in a third asset", "B-7"),
    ("Withdrawal", ("BTC", "0.5"), None, ("BTC", "0.0005"), None, "0xdef"),
    ("Fee", None, None, ("EUR", "1.5"), "account fee", None),
    ("Staking", None, ("ETH", "0.000000000000000001"), None, None, None),
    ("Mining", None, ("BTC", "0.0001"), None, None, None),
    ("Airdrop", None, ("SHIB", "123456789012345.123456789012345678"), None, None, None),
    ("Interest", None, ("USDC", "1.25"), None, None, None),
    ("Income", None, ("ETH", "0.3"), None, "invoice 7", None),
    ("Cashback", None, ("CRO", "3"), None, None, None),
    ("Bounty", None, ("USDT", "5"), None, None, None),
    ("Hard Fork", None, ("BCH", "0.5"), None, None, None),
    ("Masternode", None, ("DASH", "0.2"), None, None, None),
    ("Payment", ("BTC", "0.002"), None, None, "coffee, with \"milk\"", None),
    ("Gift Received", None, ("ETH", "0.1"), None, None, None),
    ("Gift Sent", ("ETH", "0.05"), None, None, None, None),
    ("Lost", ("DOGE", "100"), None, None, None, None),
    ("Non-Taxable In", None, ("ETH", "0.01"), None, None, None),
    ("Non-Taxable Out", ("ETH", "0.01"), None, None, None, None),
    ("Derivative Profit", None, ("USDT", "120.5"), None, None, None),
    ("Derivative Loss", ("USDT", "20"), None, None, None, None),
    ("Derivative Fee", None, None, ("USDT", "0.3"), None, None),
]
#: Labels a format has no counterpart for (docs/interchange.md lists the same).
NO_COUNTERPART = {
    "koinly": {"Bounty", "Masternode", "Non-Taxable In", "Non-Taxable Out"},
    "cointracking": {"Cashback", "Hard Fork"},
    "blockpit-csv": set(),
}


def seed(con, integration_id: str, rows) -> None:
    """Store transactions the way every import does: validate, deterministic ids, one insert."""
    problems, transactions = [], []
    for day, (label, out, inc, fee, comment, external_id) in enumerate(rows):
        occurred_at = datetime(2024, 1, 2 + day % 25, 8 + day % 10, 15, 30)
        tx = validate(None, occurred_at, label, out or (None, None), inc or (None, None), fee or (None, None),
                      comment, external_id, problems)
        transactions.append(tx)
    assert not problems
    store.insert(con, integration_id, transactions, store.manual_ids(integration_id, transactions), "test", None)


def test_the_label_table_covers_every_label_and_documents_each_gap():
    assert set(EXPORT) == set(LABELS)
    for fmt, missing in NO_COUNTERPART.items():
        assert {label for label in LABELS if to_foreign(fmt, label, shape(True, False)) is None} == missing


@pytest.mark.parametrize("fmt", ["koinly", "cointracking", "blockpit-csv"])
def test_round_trip_gives_the_same_transactions_and_balances(con, manual, tmp_path, fmt):
    source, copy = manual(f"Source {fmt}"), manual(f"Copy {fmt}")
    rows = [r for r in ROUND_TRIP if r[0] not in NO_COUNTERPART[fmt]]
    seed(con, source, rows)
    rebuild(con, source)
    path = tmp_path / f"export.{fmt}.csv"
    assert export_file(con, fmt, path, integration_id=source) == len(rows)
    cells = {cell for line in path.read_text().splitlines() for cell in re.split("[,;]", line)}
    assert not [c for c in cells if re.fullmatch(r"[\d.]+[eE][-+]?\d+", c)]  # amounts never get an exponent
    assert import_file(con, fmt, copy, path).imported == len(rows)
    rebuild(con, copy)
    assert stored(con, copy) == stored(con, source)
    assert stored(con, copy, "core.transactions") == stored(con, source, "core.transactions")
    assert balances(con, copy) == balances(con, source) and len(balances(con, source)) >= 8


def test_a_label_without_counterpart_stops_the_export_before_anything_is_written(con, manual, tmp_path):
    source = manual("Has bounties")
    seed(con, source, [r for r in ROUND_TRIP if r[0] in ("Deposit", "Bounty", "Masternode")])
    rebuild(con, source)
    path = tmp_path / "koinly.csv"
    with pytest.raises(NoCounterpartError, match="Koinly has no counterpart for label\\(s\\) 'Bounty' .*'Masternode'"):
        export_file(con, "koinly", path, integration_id=source)
    assert [p.name for p in tmp_path.iterdir() if "koinly" in p.name] == []  # no file, no temporary file
    export_file(con, "blockpit-csv", path, integration_id=source)  # Blockpit has them all


def test_account_export_holds_every_integration(con, manual, tmp_path):
    first, second = manual("First"), manual("Second")
    seed(con, first, ROUND_TRIP[:3])
    seed(con, second, ROUND_TRIP[3:5])
    for integration in (first, second):
        rebuild(con, integration)
    path = tmp_path / "account.csv"
    assert export_file(con, "blockpit-csv", path, account_id="alice") == 5
    lines = path.read_text().splitlines()
    assert lines[0].startswith("Blockpit ID;Timestamp;Source Type;Source Name;Integration;Transaction Type")
    assert {line.split(";")[4] for line in lines[1:]} == {"First", "Second"}


def test_cli_import_export_and_errors(cli, tmp_path):
    cli("accounts", "add", "bob", "--timezone", "UTC")
    cli("integrations", "add", "bob", "Paper", "--kind", "manual")
    result = cli("import", "koinly", "bob-paper", str(write(tmp_path, "k.csv", KOINLY)))
    assert result.code == 0 and "9 rows, 9 imported, 0 already present" in result.out, result
    bad = cli("import", "koinly", "bob-paper", str(write(tmp_path, "bad.csv", KOINLY_BAD)))
    assert bad.code == 2 and "row 3, Date" in bad.err and "nothing imported" in bad.err
    assert cli("sync", "bob-paper").code == 0
    out = tmp_path / "out" / "bob.csv"
    exported = cli("export", "cointracking", "--account", "bob", str(out))
    assert exported.code == 0 and "9 transactions written" in exported.out, exported
    assert out.read_text().splitlines()[0].startswith('Type,Buy Amount,Buy Currency,Sell Amount')
    zone = cli("import", "koinly", "bob-paper", str(out), )
    assert zone.code == 2 and "not a Koinly universal CSV file" in zone.err


def test_the_documented_label_table_is_the_code_table():
    from pipelines.settings import PROJECT_ROOT

    documented = {}
    for line in (PROJECT_ROOT / "docs" / "interchange.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in EXPORT:
            names = [re.sub(r"\s*\((received|sent)\)$", "", c) for c in cells[1:]]
            documented[cells[0]] = tuple(None if n == "—" else "" if n.startswith("(none") else n.strip("`")
                                         for n in names)
    assert documented == EXPORT


def test_quoted_line_breaks_stay_in_the_comment_and_oversized_fields_are_refused(con, manual, tmp_path):
    integration = manual("Quoted")
    lines = KOINLY.strip().splitlines()[:2]
    import_file(con, "koinly", integration, write(tmp_path, "k.csv", "\n".join(lines).replace(
        '"bank transfer, SEPA"', '"bank transfer,\nSEPA ""instant"""') + "\n"))
    assert stored(con, integration)[0][8] == 'bank transfer,\nSEPA "instant"'
    huge = write(tmp_path, "huge.csv", lines[0] + '\n2024-01-02 09:15 UTC,,,1,EUR,,,,,,"' + "x" * 200_000 + '",\n')
    with pytest.raises(UserError, match="huge.csv is not a readable CSV file"):
        import_file(con, "koinly", integration, huge)


def test_cointracking_ambiguous_local_time_names_offsets_not_an_option(con, manual, tmp_path):
    """`import cointracking` has no --fold: the problem says how to write the time in the file instead."""
    integration = manual("CT autumn")
    header = CT.strip().splitlines()[0]
    ambiguous = '"Deposit","1","BTC","","","","","","","","27.10.2024 02:30:00",""'
    with pytest.raises(CsvImportError) as info:
        import_file(con, "cointracking", integration, write(tmp_path, "a.csv", f"{header}\n{ambiguous}\n"),
                    timezone="Europe/Vienna")
    (problem,) = info.value.problems
    assert "happens twice in Europe/Vienna" in problem.reason and "--fold" not in problem.reason
    assert problem.reason.endswith("2024-10-27T02:30:00+02:00 or 2024-10-27T02:30:00+01:00")
    later = ambiguous.replace("27.10.2024 02:30:00", "2024-10-27T02:30:00+01:00")
    import_file(con, "cointracking", integration, write(tmp_path, "b.csv", f"{header}\n{later}\n"), timezone="Europe/Vienna")
    assert [r[0] for r in stored(con, integration)] == [datetime(2024, 10, 27, 1, 30)]
