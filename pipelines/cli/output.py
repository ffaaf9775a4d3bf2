"""Tables and progress for the terminal (rich is imported only when something is shown)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        from pipelines.sync.report import amount_text

        return amount_text(value)
    return str(value)


def print_table(headers: Sequence[str], rows: Iterable[Sequence], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, title=title, show_lines=False)
    for row in rows:
        table.add_row(*(cell(v) for v in row))
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # piped output: do not squeeze ids into 80 columns
    console.print(table)


def progress():
    """A progress bar on stderr, so stdout stays parseable; cleared when done (transient), so a failed
    sync's error is not preceded by a full bar."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    )
