"""Manual transactions: typed in by the user (local time) or uploaded with the Excel template (UTC)."""
