"""Exact amounts from whatever a user typed or a spreadsheet stored.

Text cells keep every digit (`Decimal(text)`); numeric cells arrive from openpyxl as floats, whose
shortest repr is exactly the number Excel wrote into the file, so `Decimal(repr(x))` loses nothing
that the file held. Anything that does not fit DECIMAL(38,18) is rejected, never rounded.

One amount is also bounded well below what the column holds: a balance is a SUM of DECIMAL(38,18)
amounts in DECIMAL(38,18), and DuckDB has no wider exact type (HUGEINT holds 38 digits too), so two
amounts near 10^20 overflowed every later sync. Below 10^15, sums of 100,000 amounts of one asset
still fit (a quadrillion units is more than any coin's holding; SHIB's whole supply is below it).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_INTEGER_DIGITS = 15
MAX_FRACTION_DIGITS = 18
LARGEST = "9" * MAX_INTEGER_DIGITS + "." + "9" * MAX_FRACTION_DIGITS
#: Every amount the warehouse takes is below this (sql/normalize/wallet.sql holds it as a literal).
MAX_AMOUNT = Decimal(10) ** MAX_INTEGER_DIGITS


class AmountError(ValueError):
    """The reason an amount cannot be booked, phrased for the user."""


def parse_amount(value) -> Decimal:
    """A positive exact Decimal of at most MAX_INTEGER_DIGITS integer digits, or `AmountError`."""
    if isinstance(value, bool):
        raise AmountError("is not a number")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if "," in text:
            raise AmountError(f"{value!r} has a comma: use a dot as decimal separator and no thousands separator")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise AmountError(f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise AmountError(f"{value!r} is not a finite number")
    if amount < 0 or (amount == 0 and amount.is_signed()):
        raise AmountError(f"{value!r} is negative: amounts are positive, the column says the direction")
    if amount == 0:
        raise AmountError("is zero: leave asset and amount empty instead")
    _, digits, exponent = amount.as_tuple()
    # Count without Decimal arithmetic: the default context rounds to 28 digits, DECIMAL(38,18) holds 38.
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    fraction = max(0, -(exponent + trailing_zeros))
    integer = max(0, len(digits) + exponent)
    if fraction > MAX_FRACTION_DIGITS:
        raise AmountError(f"{value!r} has more than {MAX_FRACTION_DIGITS} decimal places")
    if integer > MAX_INTEGER_DIGITS:
        raise AmountError(f"{value!r} is too large: at most {LARGEST} (below 10^{MAX_INTEGER_DIGITS}, so that "
                          "sums of 100,000 amounts fit the warehouse's DECIMAL(38,18))")
    return amount
