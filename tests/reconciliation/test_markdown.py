"""The reconciliation as Dagster metadata markdown: Dagster's metadata dialog renders no `<br>`, so
every tip must be a line of its own (a list item), not glued to the next one."""

from __future__ import annotations

from decimal import Decimal

from pipelines.sync.report import markdown_table


def test_each_tip_is_its_own_list_item():
    row = {
        "asset": "BTC", "asset_id": "BTC", "synced": Decimal("1"), "calculated": Decimal("0.5"),
        "difference": Decimal("0.5"), "status": "mismatch", "ignored": False, "token_status": None, "token_reason": None,
        "tips": [{"code": "missing_history", "tip": "History before the start date is missing."},
                 {"code": "calculated_low", "tip": "Calculated is lower than synced."}],
        "tip": "History before the start date is missing.\nCalculated is lower than synced.\nDiverged at block 7.",
    }
    text = markdown_table([row])
    assert "<br>" not in text
    lines = text.splitlines()
    assert "- BTC: History before the start date is missing." in lines
    assert "- BTC: Calculated is lower than synced." in lines
    assert "- BTC: Diverged at block 7." in lines
    assert any(line.startswith("| BTC | BTC | 1 | 0.5 | 0.5 | mismatch | missing_history, calculated_low |")
               for line in lines)
