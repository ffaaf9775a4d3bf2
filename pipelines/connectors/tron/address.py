"""Tron addresses: base58check of a 21-byte payload whose first byte is 0x41.

A user types the base58 form (`T...`); TronGrid's `/transactions` answers name accounts in hex
(`41` + 20 bytes) while its TRC-20 history uses base58, so the normalization needs both forms.
Base58 and its checksum are bip-utils' (already used for Bitcoin addresses).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.errors import UserError

#: The version byte of every Tron address (mainnet and the Shasta/Nile testnets alike).
PREFIX = 0x41


@dataclass(frozen=True)
class TronAddress:
    base58: str
    hex: str


def parse_address(text: str) -> TronAddress:
    """A checked Tron address; `UserError` says in one line what is wrong (and which chain a
    wrong-network address probably belongs to)."""
    from bip_utils import Base58Decoder

    address = str(text).strip()
    if address.lower().startswith("0x"):
        raise UserError(f"invalid Tron address {address!r}: that is an EVM address; a Tron address starts with T")
    if address.lower().startswith("bc1") or address[:1] in ("1", "3"):
        raise UserError(f"invalid Tron address {address!r}: that looks like a Bitcoin address; a Tron address starts with T")
    if not address.startswith("T") or len(address) != 34:
        raise UserError(f"invalid Tron address {address!r}: expected 34 base58 characters starting with T")
    try:
        payload = Base58Decoder.CheckDecode(address)
    except Exception as exc:  # bip-utils raises ValueError or its own checksum error
        raise UserError(f"invalid Tron address {address!r}: {exc}") from None
    if len(payload) != 21 or payload[0] != PREFIX:
        raise UserError(f"invalid Tron address {address!r}: not a Tron account (version byte 0x41)")
    return TronAddress(address, payload.hex())


def base58_of(hex_address: str) -> str:
    """The base58 form of a `41...` hex address (the imitation answers in both forms, as TronGrid does)."""
    from bip_utils import Base58Encoder

    return Base58Encoder.CheckEncode(bytes.fromhex(hex_address))
