"""Money: an exact ``Decimal`` amount in one ISO 4217 currency; floats are refused.

Build money from a ``Decimal``, or with :meth:`Money.of` from an int or a decimal
string. A float is refused, because a binary float cannot hold most decimal
amounts exactly (``0.1 + 0.2 != 0.3``):

>>> from decimal import Decimal
>>> from resocialize.money import Money, sum_money
>>> price = Money.of("1000.50", "RUB")
>>> print(price)
1000.50 RUB
>>> print(price * 3 - Money(Decimal("0.50"), "RUB"))
3001.00 RUB
>>> Money.of(0.1, "RUB")
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: amount: must be ... not float;
use Money.of('0.1', 'RUB')

Amounts in different currencies never mix; adding them raises
:class:`CurrencyMismatch`:

>>> price + Money.of(5, "EUR")
Traceback (most recent call last):
...
resocialize.money.CurrencyMismatch: invalid input: currency: cannot add RUB and EUR: ...

Rounding rules:

- Arithmetic never rounds. ``+``, ``-``, unary ``-``, ``abs()`` and ``*`` are
  exact whatever the caller's ``decimal`` context: a result that would need more
  than 100 significant digits is refused with :class:`~resocialize.errors.ValidationError`
  rather than rounded silently.
- ``/`` is exact when the quotient fits in 28 significant digits (the ``decimal``
  default precision); otherwise it is rounded half-even to 28 significant digits.
  It uses its own fixed context, so the result does not depend on the caller's.
- Only :meth:`Money.rounded` and :meth:`Money.allocate` round to the currency's
  minor unit (:func:`minor_units`: 2 for RUB and EUR, 0 for JPY, 3 for KWD, 2 for
  codes not in the table). The default is banker's rounding (``ROUND_HALF_EVEN``):
  halves go to the even neighbour, half of them up and half down, so rounding many
  payments does not drift the total in one direction as ``ROUND_HALF_UP`` does.
  Any other ``decimal`` rounding mode may be passed.

>>> print(Money.of("0.125", "EUR").rounded(), Money.of("0.135", "EUR").rounded())
0.12 EUR 0.14 EUR

:meth:`Money.allocate` splits an amount by weights into parts rounded to the minor
unit that sum exactly to the (rounded) total, by the largest-remainder method:

>>> [str(part) for part in Money.of("100.00", "RUB").allocate([1, 1, 1])]
['33.34 RUB', '33.33 RUB', '33.33 RUB']
>>> print(sum_money(Money.of("100.00", "RUB").allocate([70, 30]), "RUB"))
100.00 RUB
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, DecimalException
from math import lcm
from types import MappingProxyType
from typing import Final, Never, NoReturn

import attrs

from .errors import FieldProblem, ValidationError

__all__ = [
    "EXACT",
    "EXACT_DIGITS",
    "MINOR_UNITS",
    "CurrencyMismatch",
    "Money",
    "minor_units",
    "sum_money",
    "whole_amount_problem",
]

_CURRENCY: Final = re.compile(r"[A-Z]{3}")

MINOR_UNITS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "BAM": 2,
        "BHD": 3,
        "BYN": 2,
        "CHF": 2,
        "EUR": 2,
        "GBP": 2,
        "HRK": 2,
        "JPY": 0,
        "KRW": 0,
        "KWD": 3,
        "KZT": 2,
        "RSD": 2,
        "RUB": 2,
        "UAH": 2,
        "USD": 2,
    }
)
"""Decimal places of the minor unit of common ISO 4217 currencies; others have 2."""

_DEFAULT_MINOR_UNITS: Final = 2

EXACT_DIGITS: Final = 100
"""Most significant digits an exact result of ``+``, ``-`` or ``*`` may have."""

_TRAPS: Final = [decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow]
# Exact arithmetic: any rounding that would lose a digit raises instead.
_EXACT: Final = decimal.Context(
    prec=EXACT_DIGITS, rounding=ROUND_HALF_EVEN, traps=[*_TRAPS, decimal.Inexact]
)
EXACT: Final = _EXACT
"""The decimal context of exact sums of amounts: any rounding raises instead of losing a
digit (ledger balances and spending totals add with it)."""
# Rounding to minor units: rounding is the point, so Inexact is not trapped.
_ROUND: Final = decimal.Context(prec=EXACT_DIGITS, rounding=ROUND_HALF_EVEN, traps=_TRAPS)
# Division: the decimal default of 28 significant digits, half-even.
_DIVIDE: Final = decimal.Context(prec=28, rounding=ROUND_HALF_EVEN, traps=_TRAPS)

_ROUNDING_MODES: Final = frozenset(
    {
        decimal.ROUND_CEILING,
        decimal.ROUND_DOWN,
        decimal.ROUND_FLOOR,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_UP,
        decimal.ROUND_05UP,
    }
)


class CurrencyMismatch(ValidationError):
    """Two amounts in different currencies were combined or ordered.

    The one problem is at path ``currency``; ``left`` and ``right`` are the codes.

    >>> err = CurrencyMismatch("RUB", "EUR", "compare")
    >>> err.paths, err.left, err.right
    (('currency',), 'RUB', 'EUR')
    """

    def __init__(self, left: str, right: str, action: str = "combine") -> None:
        self.left = left
        self.right = right
        self.action = action
        super().__init__(
            [
                FieldProblem(
                    "currency",
                    f"cannot {action} {left} and {right}: "
                    "amounts in different currencies do not mix",
                )
            ]
        )

    # The base class pickles its problems; this one is rebuilt from the currencies.
    def __reduce__(  # type: ignore[override]
        self,
    ) -> tuple[type[CurrencyMismatch], tuple[str, str, str]]:
        return (type(self), (self.left, self.right, self.action))


def _currency_problem(currency: object, path: str = "currency") -> FieldProblem | None:
    if isinstance(currency, str) and _CURRENCY.fullmatch(currency):
        return None
    if not isinstance(currency, str):
        return FieldProblem(
            path, f"must be an ISO 4217 code of 3 upper-case letters, not {type(currency).__name__}"
        )
    return FieldProblem(
        path, f"must be an ISO 4217 code of 3 upper-case letters like 'RUB', not {currency!r}"
    )


def _check_currency(currency: object, path: str = "currency") -> str:
    problem = _currency_problem(currency, path)
    if problem is not None:
        raise ValidationError([problem])
    assert isinstance(currency, str)
    return currency


def _hint(value: object, currency: object) -> str:
    code = currency if _currency_problem(currency) is None else "RUB"
    return f"use Money.of({str(value)!r}, {code!r})"


def _amount_problem(amount: object, currency: object) -> FieldProblem | None:
    if not isinstance(amount, Decimal):
        message = f"must be a Decimal, not {type(amount).__name__}"
        if isinstance(amount, float | int | str) and not isinstance(amount, bool):
            message += "; " + _hint(amount, currency)
        return FieldProblem("amount", message)
    if not amount.is_finite():
        return FieldProblem("amount", f"must be a finite number, not {amount}")
    return None


def minor_units(currency: str) -> int:
    """The decimal places of ``currency``'s minor unit: 2 for RUB, 0 for JPY, 3 for KWD.

    Codes not in :data:`MINOR_UNITS` have 2.

    >>> minor_units("RUB"), minor_units("JPY"), minor_units("KWD"), minor_units("XYZ")
    (2, 0, 3, 2)
    """
    return MINOR_UNITS.get(_check_currency(currency), _DEFAULT_MINOR_UNITS)


def _quantum(currency: str) -> Decimal:
    return _QUANTA.get(currency, _DEFAULT_QUANTUM)


_DEFAULT_QUANTUM: Final = Decimal(1).scaleb(-_DEFAULT_MINOR_UNITS)
_QUANTA: Final[Mapping[str, Decimal]] = MappingProxyType(
    {code: Decimal(1).scaleb(-units) for code, units in MINOR_UNITS.items()}
)


def _inexact(operation: str) -> ValidationError:
    return ValidationError.at(
        "amount",
        f"the result of {operation} needs more than {EXACT_DIGITS} significant digits "
        "or is out of range; it is refused rather than rounded",
    )


def _operand(value: object, path: str, action: str) -> ValidationError:
    name = type(value).__name__
    if isinstance(value, float):
        return ValidationError.at(
            path, f"cannot {action} money and float; use an int or Decimal({str(value)!r})"
        )
    if isinstance(value, Money):
        return ValidationError.at(path, f"cannot {action} money and money")
    return ValidationError.at(path, f"cannot {action} money and {name}")


def _number(value: object, path: str, action: str) -> Decimal | int:
    """An int (not bool) or a finite Decimal, else a ValidationError."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError.at(path, f"must be a finite number, not {value}")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _operand(value, path, action)


@attrs.frozen
class Money:
    """An exact amount of one currency: a finite ``Decimal`` and an ISO 4217 code.

    The constructor takes a ``Decimal`` only; :meth:`of` also takes an int or a
    decimal string. Every bad field is reported in one
    :class:`~resocialize.errors.ValidationError`:

    >>> Money(1.5, "rub")
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: amount: must be a Decimal, not float;
    use Money.of('1.5', 'RUB'); currency: must be an ISO 4217 code ... not 'rub'

    Money of one currency adds, subtracts and compares; it multiplies and divides
    by an int or a ``Decimal``. Equal amounts are equal whatever their scale, and
    money never equals money of another currency:

    >>> Money.of("2.50", "EUR") == Money.of("2.5", "EUR"), Money.of(1, "EUR") == Money.of(1, "USD")
    (True, False)
    """

    amount: Decimal
    currency: str

    def __attrs_post_init__(self) -> None:
        problems = [
            problem
            for problem in (
                _amount_problem(self.amount, self.currency),
                _currency_problem(self.currency),
            )
            if problem is not None
        ]
        if problems:
            raise ValidationError(problems)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Money from a ``Decimal``, an int or a decimal string such as ``"1000.50"``.

        Floats and booleans are refused, and so are strings that are not a finite
        decimal number.

        >>> Money.of("1_000.50", "RUB")
        Money(amount=Decimal('1000.50'), currency='RUB')
        >>> Money.of(7, "JPY")
        Money(amount=Decimal('7'), currency='JPY')
        """
        problems: list[FieldProblem] = []
        value: object = amount
        if isinstance(amount, str):
            try:
                value = Decimal(amount)
            except (DecimalException, ValueError):
                value = None
            if not isinstance(value, Decimal) or not value.is_finite():
                problems.append(
                    FieldProblem("amount", f"must be a finite decimal number, not {amount!r}")
                )
        elif isinstance(amount, int) and not isinstance(amount, bool):
            value = Decimal(amount)
        elif not isinstance(amount, Decimal):
            message = f"must be an int, a Decimal or a decimal string, not {type(amount).__name__}"
            if isinstance(amount, float):
                message += "; " + _hint(amount, currency)
            problems.append(FieldProblem("amount", message))
        if not problems:
            amount_problem = _amount_problem(value, currency)
            if amount_problem is not None:
                problems.append(amount_problem)
        currency_problem = _currency_problem(currency)
        if currency_problem is not None:
            problems.append(currency_problem)
        if problems:
            raise ValidationError(problems)
        assert isinstance(value, Decimal)
        return _make(value, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``, written with its minor units.

        >>> print(Money.zero("RUB"), Money.zero("JPY"))
        0.00 RUB 0 JPY
        """
        return _make(_quantum(_check_currency(currency)) * 0, currency)

    # -- predicates --------------------------------------------------------------

    @property
    def is_zero(self) -> bool:
        """True when the amount is zero."""
        return not self.amount

    @property
    def is_positive(self) -> bool:
        """True when the amount is above zero."""
        return self.amount > 0

    @property
    def is_negative(self) -> bool:
        """True when the amount is below zero."""
        return self.amount < 0

    # -- arithmetic --------------------------------------------------------------

    def _same(self, other: object, action: str) -> Money:
        if not isinstance(other, Money):
            raise _operand(other, "other", action)
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency, action)
        return other

    def __add__(self, other: Money) -> Money:
        if other.__class__ is not Money or other.currency != self.currency:
            other = self._same(other, "add")
        try:
            amount = _EXACT.add(self.amount, other.amount)
        except DecimalException:
            raise _inexact("an addition") from None
        return _make(amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if other.__class__ is not Money or other.currency != self.currency:
            other = self._same(other, "subtract")
        try:
            amount = _EXACT.subtract(self.amount, other.amount)
        except DecimalException:
            raise _inexact("a subtraction") from None
        return _make(amount, self.currency)

    def __radd__(self, other: Never) -> NoReturn:
        raise ValidationError.at(
            "other",
            f"cannot add {type(other).__name__} and money; "
            "to sum money use sum_money(items, currency)",
        )

    def __rsub__(self, other: Never) -> NoReturn:
        raise _operand(other, "other", "subtract")

    def __neg__(self) -> Money:
        return _make(self.amount.copy_negate() if self.amount else self.amount, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return _make(self.amount.copy_abs(), self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        factor = _number(factor, "factor", "multiply")
        try:
            amount = _EXACT.multiply(self.amount, factor)
        except DecimalException:
            raise _inexact("a multiplication") from None
        return _make(amount, self.currency)

    __rmul__ = __mul__

    def __truediv__(self, divisor: int | Decimal) -> Money:
        """Divide by an int or a ``Decimal``.

        Exact when the quotient fits in 28 significant digits, else rounded half-even
        to 28 significant digits (the ``decimal`` default precision, in a fixed context).

        >>> print(Money.of("100.00", "RUB") / 4, Money.of(1, "RUB") / 3)
        25.00 RUB 0.3333333333333333333333333333 RUB
        """
        divisor = _number(divisor, "divisor", "divide")
        if not divisor:
            raise ValidationError.at("divisor", "must not be zero")
        try:
            amount = _DIVIDE.divide(self.amount, divisor)
        except DecimalException:
            raise _inexact("a division") from None
        return _make(amount, self.currency)

    def __rtruediv__(self, other: Never) -> NoReturn:
        raise _operand(other, "other", "divide")

    # -- ordering (equality and hashing come from attrs) --------------------------

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other, "compare").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other, "compare").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other, "compare").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other, "compare").amount

    # -- rounding and splitting ---------------------------------------------------

    def rounded(self, mode: str = ROUND_HALF_EVEN) -> Money:
        """This amount rounded to the currency's minor unit, half-even unless told.

        ``mode`` is one of the ``decimal`` rounding modes (``decimal.ROUND_HALF_UP``...).

        >>> from decimal import ROUND_HALF_UP
        >>> print(Money.of("2.5", "JPY").rounded(), Money.of("2.5", "JPY").rounded(ROUND_HALF_UP))
        2 JPY 3 JPY
        """
        if not isinstance(mode, str) or mode not in _ROUNDING_MODES:
            raise ValidationError.at(
                "mode", f"must be one of the decimal module's rounding modes, not {mode!r}"
            )
        try:
            amount = self.amount.quantize(_quantum(self.currency), rounding=mode, context=_ROUND)
        except DecimalException:
            raise _inexact("rounding") from None
        return _make(amount, self.currency)

    def allocate(self, weights: Sequence[int | Decimal]) -> tuple[Money, ...]:
        """Split the rounded amount into parts proportional to ``weights``.

        Each part is a whole number of minor units and within one minor unit of its
        exact share; the parts sum exactly to ``self.rounded()``. The units left
        over after rounding every share down go one each to the parts with the
        largest remainders, the earliest part first on a tie (largest-remainder
        method). A negative amount is split as its opposite, then negated.

        Weights are non-negative ints or Decimals, not all zero.

        >>> [str(part) for part in Money.of("10", "EUR").allocate([1, 0, 2])]
        ['3.33 EUR', '0.00 EUR', '6.67 EUR']
        """
        numbers = _weights(weights)
        total = self.rounded()
        places = minor_units(self.currency)
        units = int(total.amount.scaleb(places, context=_ROUND))
        sign, units = (-1, -units) if units < 0 else (1, units)

        # Put the weights over one denominator so that all arithmetic is on ints.
        ratios = [w.as_integer_ratio() for w in numbers]
        denominator = lcm(*(d for _, d in ratios))
        scaled = [n * (denominator // d) for n, d in ratios]
        whole = sum(scaled)

        shares = [divmod(units * w, whole) for w in scaled]
        left_over = units - sum(q for q, _ in shares)
        order = sorted(range(len(shares)), key=lambda i: (-shares[i][1], i))
        counts = [q for q, _ in shares]
        for i in order[:left_over]:
            counts[i] += 1
        currency = self.currency
        return tuple(
            _make(Decimal(sign * c).scaleb(-places, context=_ROUND), currency) for c in counts
        )

    def __str__(self) -> str:
        return f"{self.amount:f} {self.currency}"


def _weights(weights: object) -> list[Decimal | int]:
    if isinstance(weights, str | bytes) or not isinstance(weights, Iterable):
        raise ValidationError.at(
            "weights", f"must be a sequence of ints or Decimals, not {type(weights).__name__}"
        )
    items = list(weights)
    problems: list[FieldProblem] = []
    numbers: list[Decimal | int] = []
    for i, weight in enumerate(items):
        path = f"weights[{i}]"
        if isinstance(weight, bool) or not isinstance(weight, int | Decimal):
            hint = f"; use Decimal({str(weight)!r})" if isinstance(weight, float) else ""
            problems.append(
                FieldProblem(
                    path, f"must be an int or a Decimal, not {type(weight).__name__}{hint}"
                )
            )
        elif isinstance(weight, Decimal) and not weight.is_finite():
            problems.append(FieldProblem(path, f"must be a finite number, not {weight}"))
        elif weight < 0:
            problems.append(FieldProblem(path, f"must not be negative, not {weight}"))
        else:
            numbers.append(weight)
    if problems:
        raise ValidationError(problems)
    if not numbers:
        raise ValidationError.at("weights", "must hold at least one weight")
    if not any(numbers):
        raise ValidationError.at("weights", "must not all be zero")
    return numbers


_new: Final = object.__new__
# The slots' own setters: they bypass the frozen __setattr__ and any validation.
_set_amount: Final[Callable[[Money, Decimal], None]] = Money.__dict__["amount"].__set__
_set_currency: Final[Callable[[Money, str], None]] = Money.__dict__["currency"].__set__


def _make(amount: Decimal, currency: str) -> Money:
    """Money from parts already known to be valid, without validating them again."""
    money: Money = _new(Money)
    _set_amount(money, amount)
    _set_currency(money, currency)
    return money


def sum_money(items: Iterable[Money], currency: str) -> Money:
    """The exact sum of ``items``, all in ``currency``; zero in ``currency`` when empty.

    >>> print(sum_money([Money.of("0.10", "RUB"), Money.of("0.20", "RUB")], "RUB"))
    0.30 RUB
    >>> print(sum_money([], "JPY"))
    0 JPY
    """
    _check_currency(currency)
    if isinstance(items, Money) or not isinstance(items, Iterable):
        raise ValidationError.at(
            "items", f"must be an iterable of Money, not {type(items).__name__}"
        )
    total = _quantum(currency) * 0
    add = _EXACT.add
    for i, item in enumerate(items):
        if not isinstance(item, Money):
            raise ValidationError.at(f"items[{i}]", f"must be Money, not {type(item).__name__}")
        if item.currency != currency:
            raise CurrencyMismatch(currency, item.currency, "sum")
        try:
            total = add(total, item.amount)
        except DecimalException:
            raise _inexact("a sum") from None
    return _make(total, currency)


def whole_amount_problem(value: object) -> str | None:
    """Why ``value`` is not an amount of money paid or counted: Money, not negative, in
    whole minor units of its currency; ``None`` when it is one."""
    if not isinstance(value, Money):
        return f"must be Money, not {type(value).__name__}"
    if value.is_negative:
        return f"must not be negative, not {value}"
    if value.rounded() != value:
        return f"must be a whole number of minor units of {value.currency}, not {value}"
    return None
