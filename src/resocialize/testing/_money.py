"""Hypothesis strategies for money: currency codes, amounts and :class:`~resocialize.money.Money`.

Amounts are exact ``Decimal`` values with the currency's minor units, between
minus and plus one trillion unless told otherwise:

>>> from hypothesis import find
>>> from resocialize.testing._money import money
>>> find(money(currency="JPY"), lambda m: m.is_positive)
Money(amount=Decimal('1'), currency='JPY')
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from hypothesis import strategies as st

from resocialize.money import Money, minor_units

__all__ = ["COMMON_CURRENCIES", "DEFAULT_MAX", "DEFAULT_MIN", "amounts", "currencies", "money"]

COMMON_CURRENCIES: Final = ("RUB", "EUR", "USD", "JPY", "KWD", "KZT", "RSD", "BAM")
"""The codes :func:`currencies` draws from: minor units of 2, 0 (JPY) and 3 (KWD)."""

DEFAULT_MIN: Final = Decimal("-1000000000000")
"""The least amount drawn when no ``min_value`` is given: minus one trillion."""

DEFAULT_MAX: Final = Decimal("1000000000000")
"""The greatest amount drawn when no ``max_value`` is given: one trillion."""

Bound = Decimal | int | str | None
"""A bound of an amount: a ``Decimal``, an int or a decimal string, or ``None`` for the default."""


def currencies() -> st.SearchStrategy[str]:
    """Common ISO 4217 codes, including currencies with 0 and 3 minor units."""
    return st.sampled_from(COMMON_CURRENCIES)


def amounts(
    currency: str | None = None,
    min_value: Bound = None,
    max_value: Bound = None,
    places: int | None = None,
) -> st.SearchStrategy[Decimal]:
    """Finite ``Decimal`` amounts with ``places`` decimal places.

    ``places`` defaults to the minor units of ``currency`` (2 when no currency is
    given); the bounds default to minus and plus one trillion.
    """
    if places is None:
        places = 2 if currency is None else minor_units(currency)
    return st.decimals(
        min_value=DEFAULT_MIN if min_value is None else min_value,
        max_value=DEFAULT_MAX if max_value is None else max_value,
        allow_nan=False,
        allow_infinity=False,
        places=places,
    )


def money(
    currency: str | None = None,
    min_value: Bound = None,
    max_value: Bound = None,
) -> st.SearchStrategy[Money]:
    """Valid :class:`~resocialize.money.Money` in ``currency`` (or any of :func:`currencies`).

    Amounts have the currency's minor units and lie within the bounds.
    """
    if currency is not None:
        minor_units(currency)  # refuses a malformed code now, not at draw time
    codes = currencies() if currency is None else st.just(currency)
    return codes.flatmap(
        lambda code: amounts(code, min_value, max_value).map(lambda amount: Money(amount, code))
    )
