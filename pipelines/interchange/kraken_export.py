"""Kraken's ledgers export (History, Export, Ledgers, CSV), imported into the integration the API
syncs.

Columns `"txid","refid","time","type","subtype","aclass","asset","wallet","amount","fee","balance"`
(older files lack `wallet`): the API's `Ledgers` entries with the same ids (txid is the ledger id,
refid the trade, deposit or transfer it belongs to). Times are UTC, `2024-03-31 14:30:00` or with
fractions of a second. Amounts are signed; the balance changes by `amount - fee`.

Rows without a txid (a deposit or withdrawal announced before it is booked, empty balance) are
skipped: the refid's row with a txid books it. A transaction is one refid, grouped and labelled as sql/normalize/exchange/ccxt.sql books the
API's ledger (kraken branch): the first entry charging a fee carries the fee leg, other entries'
fees are netted into their amount; trade-like types (trade, spend/receive, ...) are a Trade;
staking rewards are Staking. Sub-balances (`DOT.S`, `ETH.F`) count as their asset, so a move into
staking has no net effect and is left out. Asset ids are mapped to the codes the API sync uses
(`XXBT` -> BTC, `ZEUR` -> EUR). Refids the API already brought are left out (`exchange_export.unsynced`).
"""

from __future__ import annotations

from pipelines.interchange import exchange_export
from pipelines.interchange.csvfile import Record, parse_time, text
from pipelines.manual import layout
from pipelines.manual.validation import Problem

TITLE = "Kraken ledgers export"
TXID, REFID, TIME, TYPE, SUBTYPE, ACLASS = "txid", "refid", "time", "type", "subtype", "aclass"
ASSET, WALLET, AMOUNT, FEE, BALANCE = "asset", "wallet", "amount", "fee", "balance"
HEADER = (TXID, REFID, TIME, TYPE, SUBTYPE, ACLASS, ASSET, WALLET, AMOUNT, FEE, BALANCE)
REQUIRED = (TXID, REFID, TIME, TYPE, ASSET, AMOUNT, FEE)
DELIMITERS = (",",)
ZONED_BY_USER = False  # Kraken writes UTC
LABEL_COLUMN = TYPE
COLUMNS = {layout.DATE: TIME, layout.OUT_ASSET: ASSET, layout.OUT_AMOUNT: AMOUNT, layout.IN_ASSET: ASSET,
           layout.IN_AMOUNT: AMOUNT, layout.FEE_ASSET: ASSET, layout.FEE_AMOUNT: FEE, layout.TRX_ID: REFID}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")
TRADE_TYPES = {"trade", "spend", "receive", "dustsweeping", "sale", "conversion"}
#: Kraken's legacy X/Z-prefixed asset ids and the codes ccxt (and so the API sync) gives them.
LEGACY = {"XXBT": "BTC", "XBT": "BTC", "XETH": "ETH", "XLTC": "LTC", "XXRP": "XRP", "XXLM": "XLM", "XXMR": "XMR",
          "XZEC": "ZEC", "XETC": "ETC", "XXDG": "DOGE", "XDG": "DOGE", "XREP": "REP", "XMLN": "MLN",
          "ZEUR": "EUR", "ZUSD": "USD", "ZGBP": "GBP", "ZCAD": "CAD", "ZJPY": "JPY", "ZAUD": "AUD"}


def code(asset_id: str) -> str:
    """The unified code of a Kraken asset id; a sub-balance (`DOT.S`) counts as its asset."""
    base = asset_id.split(".")[0].upper()
    return LEGACY.get(base, base)


def _entries(rows, tz: str, problems):
    """(row, refid, time, type, subtype, code, amount, fee) of each well-formed ledger entry. A row
    without a txid is Kraken announcing a deposit or withdrawal (empty balance) that the same refid's
    row with a txid books later: it moves nothing and is skipped."""
    for row, v in rows:
        if text(v.get(TXID)) is None:
            continue
        refid, asset = text(v.get(REFID)), text(v.get(ASSET))
        amount = exchange_export.signed(v.get(AMOUNT), row, AMOUNT, problems)
        fee = exchange_export.signed(v.get(FEE), row, FEE, problems)
        when = parse_time(v.get(TIME), TIME_FORMATS, tz, row, TIME, problems)
        if refid is None:
            problems.append(Problem(row, REFID, "missing refid"))
        if asset is None:
            problems.append(Problem(row, ASSET, "missing asset"))
        if None not in (refid, asset, amount, fee, when):
            yield row, refid, when, (text(v.get(TYPE)) or "").lower(), (text(v.get(SUBTYPE)) or "").lower(), \
                code(asset), amount, fee


def _label(types: list[str], subtypes: set[str], has_out: bool, has_in: bool) -> str:
    """The kraken branch of ccxt.sql's label CASE, for one refid."""
    first = types[0]
    if TRADE_TYPES & set(types):
        return "Trade"
    if first in ("deposit", "withdrawal"):
        return first.title()
    if first == "staking" and not has_out or first == "earn" and subtypes == {"reward"}:
        return "Staking"
    if first in ("transfer", "earn", "staking") and has_in and has_out:
        return "Transfer"
    if first == "transfer" and not subtypes and not has_out:
        return "Airdrop"
    if not has_out and not has_in:
        return "Fee"
    return "Non-Taxable In" if not has_out else "Non-Taxable Out"


def records(rows, tz: str, problems):
    groups: dict[str, list] = {}
    for entry in _entries(rows, tz, problems):
        groups.setdefault(entry[1], []).append(entry)
    for refid, entries in groups.items():
        fee_row = next((e for e in entries if e[7] != 0), None)
        nets = [(e[5], e[6] if e is fee_row else e[6] - e[7]) for e in entries]
        out = [(c, -n) for c, n in nets if n < 0]
        inc = [(c, n) for c, n in nets if n > 0]
        types = [e[3] for e in entries]
        subtypes = {e[4] for e in entries if e[4]}
        label = _label(types, subtypes, bool(out), bool(inc))
        outgoing = (min(c for c, _ in out), sum(n for _, n in out)) if out else (None, None)
        incoming = (min(c for c, _ in inc), sum(n for _, n in inc)) if inc else (None, None)
        if label == "Transfer" and outgoing == incoming and fee_row is None:
            continue  # into or out of a sub-balance of the same asset (DOT -> DOT.S): no net effect
        fee = (fee_row[5], fee_row[7]) if fee_row else (None, None)
        comment = "kraken export " + ",".join(sorted(set(types))) + (f" ({','.join(sorted(subtypes))})" if subtypes else "")
        yield Record(entries[0][0], min(e[2] for e in entries), label, types[0], outgoing, incoming, fee, comment, refid)


def unsynced(con, integration, transactions):
    """Transactions whose refid is not among the ledger entries the API brought."""
    return exchange_export.unsynced(con, integration, transactions, provider="kraken", title=TITLE,
                                    synced_sql="interchange/kraken_export_synced", key=lambda tx: (tx.external_id,))
