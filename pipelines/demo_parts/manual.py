"""Demo: two manual integrations, one filled through the Excel template, one typed in local time."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from pipelines.manual import layout

ROWS = (
    ("02.01.2025 09:15:00", "Trade", "EUR", "3000", "BTC", "0.05", "EUR", "3", "first purchase", "OTC-1"),
    ("15.02.2025 18:40:00", "Trade", "EUR", "1500", "ETH", "0.6", "EUR", "1.5", None, "OTC-2"),
    ("01.03.2025 00:00:00", "Staking", None, None, "ETH", "0.0012", None, None, "validator reward", None),
    ("20.03.2025 11:05:30", "Withdrawal", "BTC", "0.01", None, None, "BTC", "0.00002", "to hardware wallet", None),
)


def write_demo_file(path: Path, integration_name: str) -> Path:
    """Fill the real template the way a user would (amounts as text)."""
    import openpyxl

    from pipelines.manual.template import write_template

    write_template(path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[layout.SHEET]
    for offset, (when, label, out_a, out_v, in_a, in_v, fee_a, fee_v, comment, trx) in enumerate(ROWS):
        values = (when, integration_name, label, out_a, out_v, in_a, in_v, fee_a, fee_v, comment, trx)
        for column, value in enumerate(values, start=1):
            sheet.cell(layout.HEADER_ROW + 1 + offset, column, value)
    workbook.save(path)
    return path


def setup(con, account_id: str, stack: contextlib.ExitStack) -> None:
    from pipelines.manual.entry import add_transaction
    from pipelines.manual.excel_import import import_excel
    from pipelines.registry.integrations import add_integration

    broker = add_integration(con, account_id, "OTC Broker", "manual", group_name="Manual")
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pipelines-demo-")))
    import_excel(con, broker, write_demo_file(folder / "otc-broker.xlsx", "OTC Broker"))

    cash = add_integration(con, account_id, "Cash Trades", "manual", group_name="Manual")
    add_transaction(con, cash, "2025-03-30 01:30:00", "Trade", outgoing="500 EUR", incoming="0.008 BTC",
                    comment="bought from a friend (Vienna local time)")
    add_transaction(con, cash, "2025-06-01 12:00:00", "Gift Sent", outgoing="0.001 BTC", comment="birthday gift")
