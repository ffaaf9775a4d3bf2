"""Names people give accounts, integrations and groups: stored printable, shown escaped.

A name is printed to a terminal (`integrations show`, tables, messages); an ESC in it would start a
terminal escape sequence (recolour, move the cursor, retitle the window) and a bidirectional
override would reorder what is shown. Names are refused with such characters on input, and any
stored before this check are shown with them escaped.
"""

from __future__ import annotations

import re

from pipelines.errors import UserError

#: C0 and C1 controls and the bidirectional embeddings, overrides and isolates.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with each control character written as its escape (`\\x1b`), everything else kept."""
    return CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


def check_name(kind: str, value: str) -> str:
    """A name stripped of surrounding blanks; `UserError` when empty or holding a control character."""
    name = value.strip()
    if not name:
        raise UserError(f"{kind} needs a non-empty name")
    if CONTROL.search(name):
        raise UserError(f"the name '{printable(name)}' holds a control character: use printable text")
    return name
