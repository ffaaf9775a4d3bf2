"""Tables and progress for the terminal (rich is imported only when something is shown)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from pipelines.names import printable


def cell(value) -> str:
    """A value as shown: control characters in text (a stored name's ESC) escaped, never sent raw."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        from pipelines.sync.report import amount_text

        return amount_text(value)
    return printable(str(value))


def print_table(headers: Sequence[str], rows: Iterable[Sequence], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(*headers, title=title, show_lines=False)
    for row in rows:
        table.add_row(*(Text(cell(v)) for v in row))  # Text: a name's "[/b]" is not rich markup
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
