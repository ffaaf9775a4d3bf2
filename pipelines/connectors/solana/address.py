"""Solana addresses: the base58 form of a 32-byte public key (no checksum, no version byte).

Base58 alone accepts typos of the right length only by luck: decoding to exactly 32 bytes is the
whole check a Solana address allows. Base58 is bip-utils' (already used for Bitcoin and Tron).
"""

from __future__ import annotations

from pipelines.errors import UserError


def parse_address(text: str) -> str:
    """A checked Solana address (case kept); `UserError` says in one line what is wrong."""
    from bip_utils import Base58Decoder

    address = str(text).strip()
    if address.lower().startswith("0x"):
        raise UserError(f"invalid Solana address {address!r}: that is an EVM address; a Solana address is base58")
    if not 32 <= len(address) <= 44:
        raise UserError(f"invalid Solana address {address!r}: expected 32 to 44 base58 characters")
    try:
        key = Base58Decoder.Decode(address)
    except Exception:  # bip-utils raises ValueError on characters outside the alphabet (0, O, I, l)
        raise UserError(f"invalid Solana address {address!r}: not base58 (0, O, I and l are not used)") from None
    if len(key) != 32:
        raise UserError(f"invalid Solana address {address!r}: decodes to {len(key)} bytes, not a 32-byte public key")
    return address


def address_of(key: bytes) -> str:
    """The base58 form of a 32-byte key (the imitation's accounts, mints and signatures)."""
    from bip_utils import Base58Encoder

    return Base58Encoder.Encode(key)
