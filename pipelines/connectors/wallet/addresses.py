"""EVM addresses as users paste them: checked against EIP-55 before anything is stored."""

from __future__ import annotations

import re

from pipelines.errors import UserError

_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def checked_address(text: str, what: str = "address") -> str:
    """The checksummed form of `text`; `UserError` naming it when it is not an address or its mixed
    case does not match its EIP-55 checksum (which means a character was mistyped). All-lowercase
    or all-uppercase addresses carry no checksum and are accepted."""
    text = str(text).strip()
    if not _HEX_ADDRESS.match(text):
        raise UserError(f"{what} {text!r} is not an EVM address (0x followed by 40 hex digits)")
    from eth_utils import to_checksum_address

    checksummed = to_checksum_address(text)
    digits = text[2:]
    if digits not in (digits.lower(), digits.upper()) and text != checksummed:
        raise UserError(f"{what} {text!r} fails its EIP-55 checksum: a character is probably mistyped")
    return checksummed


def checked_addresses(values, what: str = "address") -> list[str]:
    """Every entry checked (the first bad one is named), duplicates dropped, order kept."""
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values or []:
        address = checked_address(value, what)
        if address not in out:
            out.append(address)
    return out


def topic(address: str) -> str:
    """The 32-byte log topic of an address (how indexed `from`/`to` appear in Transfer logs)."""
    return "0x" + address.lower()[2:].rjust(64, "0")
