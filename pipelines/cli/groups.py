"""Command groups that several command modules add sub-commands to (`import`, `integrations`).

argparse cannot look up the sub-command list of a parser it already made, so the first module to
ask for a group creates it here and every later module gets the same list back.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

_ACTIONS: WeakKeyDictionary = WeakKeyDictionary()


def group(subparsers, name: str, help: str, dest: str):
    """The sub-command list of group `name`, created on first use."""
    parser = subparsers.choices.get(name)
    if parser is None:
        parser = subparsers.add_parser(name, help=help)
        _ACTIONS[parser] = parser.add_subparsers(dest=dest, required=True)
    return _ACTIONS[parser]
