"""Rules of money: exact Decimal amounts, one currency at a time, rounding only when asked."""

from __future__ import annotations

import pickle
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    localcontext,
)
from fractions import Fraction
from functools import reduce
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.errors import ValidationError
from resocialize.money import (
    MINOR_UNITS,
    CurrencyMismatch,
    Money,
    minor_units,
    sum_money,
)
from resocialize.testing._money import amounts, currencies, money

D = Decimal


def rub(text: str) -> Money:
    return Money(D(text), "RUB")


def refusal(call: Any, *args: Any) -> ValidationError:
    """The ValidationError that ``call(*args)`` raises; fails if it raises anything else."""
    with pytest.raises(ValidationError) as info:
        call(*args)
    assert not isinstance(info.value, TypeError)
    return info.value


weights_st = st.lists(
    st.one_of(st.integers(0, 1000), st.decimals(0, 1000, places=3)), min_size=1, max_size=12
).filter(any)


# -- construction --------------------------------------------------------------------


def test_decimal_amount_and_iso_currency_accepted() -> None:
    m = Money(D("1000.50"), "RUB")
    assert (m.amount, m.currency) == (D("1000.50"), "RUB")


def test_float_amount_refused_with_path() -> None:
    err = refusal(Money, 12.5, "RUB")
    assert err.paths == ("amount",)
    assert "float" in str(err)
    assert "Money.of('12.5', 'RUB')" in str(err)


@pytest.mark.parametrize("amount", [12, "12.50", True, None, [D(1)]])
def test_constructor_takes_only_a_decimal_amount(amount: object) -> None:
    err = refusal(Money, amount, "RUB")
    assert err.paths == ("amount",)
    assert type(amount).__name__ in str(err)


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_non_finite_amount_refused(amount: str) -> None:
    assert refusal(Money, D(amount), "RUB").paths == ("amount",)


@pytest.mark.parametrize(
    "currency", ["rub", "RU", "RUBL", "RUB\n", " RUB", "РУБ", "R1B", 643, None]
)
def test_malformed_currency_refused_with_path(currency: object) -> None:
    assert refusal(Money, D(1), currency).paths == ("currency",)


def test_both_bad_fields_reported_together() -> None:
    assert refusal(Money, 1.5, "rub").paths == ("amount", "currency")
    assert refusal(Money.of, "abc", "rub").paths == ("amount", "currency")


def test_money_is_immutable() -> None:
    m = rub("1.00")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        m.amount = D(2)  # type: ignore[misc]


def test_of_accepts_int_decimal_and_decimal_string() -> None:
    assert Money.of(1000, "RUB") == rub("1000")
    assert Money.of(D("1000.50"), "RUB") == rub("1000.50")
    assert Money.of("1000.50", "RUB").amount.as_tuple() == D("1000.50").as_tuple()
    assert Money.of("-0.01", "EUR") == Money(D("-0.01"), "EUR")


@pytest.mark.parametrize("amount", [0.1, 1.0, True, False, None, b"1"])
def test_of_refuses_float_bool_and_other_types(amount: Any) -> None:
    err = refusal(Money.of, amount, "RUB")
    assert err.paths == ("amount",)
    assert type(amount).__name__ in str(err)


@pytest.mark.parametrize("text", ["", "abc", "1,50", "12.5 RUB", "NaN", "Infinity", "0x10"])
def test_of_refuses_unparsable_or_non_finite_string(text: str) -> None:
    err = refusal(Money.of, text, "RUB")
    assert err.paths == ("amount",)
    assert repr(text) in str(err)


def test_zero_is_zero_in_minor_units() -> None:
    assert str(Money.zero("RUB")) == "0.00 RUB"
    assert str(Money.zero("JPY")) == "0 JPY"
    assert Money.zero("KWD").is_zero
    assert refusal(Money.zero, "rub").paths == ("currency",)


def test_str_shows_plain_amount_and_code() -> None:
    assert str(rub("1000.50")) == "1000.50 RUB"
    assert str(rub("1E+3")) == "1000 RUB"
    assert str(rub("1E-7")) == "0.0000001 RUB"


def test_sign_predicates() -> None:
    assert [rub(x).is_positive for x in ("1", "0", "-1")] == [True, False, False]
    assert [rub(x).is_negative for x in ("1", "0", "-1")] == [False, False, True]
    assert [rub(x).is_zero for x in ("1", "0.00", "-1")] == [False, True, False]


def test_equal_amounts_of_different_scale_are_equal_and_hash_alike() -> None:
    assert rub("2.50") == rub("2.5")
    assert hash(rub("2.50")) == hash(rub("2.5"))
    assert len({rub("2.50"), rub("2.5"), Money(D("2.5"), "EUR")}) == 2


# -- arithmetic ----------------------------------------------------------------------


def test_addition_and_subtraction_are_exact() -> None:
    assert rub("0.10") + rub("0.20") == rub("0.30")
    assert rub("1000.50") - rub("0.51") == rub("999.99")
    assert str(rub("0.1") + rub("0.20")) == "0.30 RUB"


def test_arithmetic_ignores_the_callers_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        assert rub("1000.01") + rub("0.01") == rub("1000.02")
        assert rub("1000.01") * 3 == rub("3000.03")
        assert (rub("1") / 3).amount == D("0.3333333333333333333333333333")
        assert rub("12345.675").rounded() == rub("12345.68")


def test_result_too_long_to_be_exact_refused_not_rounded() -> None:
    huge, tiny = rub("1E+50"), rub("1E-60")
    assert refusal(huge.__add__, tiny).paths == ("amount",)
    assert refusal(huge.__sub__, tiny).paths == ("amount",)
    assert refusal(huge.__mul__, D("1." + "0" * 99 + "1")).paths == ("amount",)
    assert refusal(lambda: sum_money([huge, tiny], "RUB")).paths == ("amount",)


@pytest.mark.req("CF-07")
@given(money("RUB"), money("RUB"), money("RUB"))
def test_addition_is_associative_and_commutative(a: Money, b: Money, c: Money) -> None:
    assert a + b == b + a
    assert (a + b) + c == a + (b + c)


@pytest.mark.req("CF-07")
@given(currencies().flatmap(lambda c: st.tuples(money(c), money(c))))
def test_addition_and_subtraction_lose_nothing(pair: tuple[Money, Money]) -> None:
    a, b = pair
    assert Fraction((a + b).amount) == Fraction(a.amount) + Fraction(b.amount)
    assert Fraction((a - b).amount) == Fraction(a.amount) - Fraction(b.amount)
    assert (a + b).currency == a.currency
    assert a + b - b == a


@pytest.mark.req("CF-07")
@given(money())
def test_money_minus_itself_is_zero(a: Money) -> None:
    assert a - a == Money.zero(a.currency)
    assert (a - a).is_zero
    assert a + (-a) == Money.zero(a.currency)


@given(money(), money())
def test_results_of_arithmetic_are_valid_money(a: Money, b: Money) -> None:
    b = Money(b.amount, a.currency)
    for result in (a + b, a - b, -a, abs(a), a * 3, D("0.5") * a, a / 7, a.rounded()):
        assert type(result) is Money
        assert Money(result.amount, result.currency) == result  # validates again
        assert result.currency == a.currency


def test_negation_and_absolute_value() -> None:
    assert -rub("5.25") == rub("-5.25")
    assert str(-Money.zero("RUB")) == "0.00 RUB"
    assert abs(rub("-5.25")) == rub("5.25")
    assert +rub("5.25") == rub("5.25")


def test_mixing_currencies_refused() -> None:
    a, b = rub("1.00"), Money(D("1.00"), "EUR")
    for call in (a.__add__, a.__sub__, a.__lt__, a.__le__, a.__gt__, a.__ge__):
        err = refusal(call, b)
        assert isinstance(err, CurrencyMismatch)
        assert err.paths == ("currency",)
        assert "RUB" in str(err)
        assert "EUR" in str(err)


def test_currency_mismatch_survives_pickling() -> None:
    err = CurrencyMismatch("RUB", "EUR", "add")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is CurrencyMismatch
    assert (again.left, again.right, str(again)) == ("RUB", "EUR", str(err))


def test_equality_across_currencies_is_false_not_an_error() -> None:
    assert rub("1.00") != Money(D("1.00"), "EUR")
    assert rub("1.00") != D("1.00")
    assert rub("1.00") != "1.00 RUB"  # type: ignore[comparison-overlap]


def test_ordering_within_a_currency() -> None:
    assert rub("0.99") < rub("1.00") <= rub("1.0") < rub("2")
    assert rub("2") > rub("1.99") >= rub("1.990")
    assert not rub("1") < rub("1")
    assert sorted([rub("3"), rub("-1"), rub("2")]) == [rub("-1"), rub("2"), rub("3")]


@pytest.mark.parametrize(
    "operation",
    [
        lambda m: m + 1,
        lambda m: 1 + m,
        lambda m: m - D(1),
        lambda m: D(1) - m,
        lambda m: m < 1,
        lambda m: m <= 1,
        lambda m: m * m,
        lambda m: m / m,
        lambda m: 3 / m,
        lambda m: m + None,
        lambda m: sum([m, m]),
    ],
)
def test_arithmetic_with_non_money_refused_not_type_error(operation: Any) -> None:
    err = refusal(operation, rub("1.00"))
    assert err.paths in {("other",), ("factor",), ("divisor",)}


def test_multiplication_by_int_and_decimal_on_both_sides() -> None:
    m = rub("1000.50")
    assert m * 3 == 3 * m == rub("3001.50")
    assert m * D("0.1") == D("0.1") * m == rub("100.05")
    assert m * 0 == Money.zero("RUB")
    assert m * -1 == -m


@pytest.mark.parametrize("factor", [1.5, True, "2", D("NaN"), D("Infinity")])
def test_multiplication_by_float_or_non_number_refused(factor: Any) -> None:
    m = rub("2.00")
    assert refusal(lambda: m * factor).paths == ("factor",)
    assert refusal(lambda: factor * m).paths in {("factor",), ("other",)}


def test_multiplication_by_float_suggests_decimal() -> None:
    assert "Decimal('1.5')" in str(refusal(lambda: rub("2") * 1.5))  # type: ignore[operator]


def test_division_is_exact_when_the_quotient_is_representable() -> None:
    assert rub("100.00") / 4 == rub("25.00")
    assert str(rub("100.00") / 4) == "25.00 RUB"
    assert rub("1") / D("0.125") == rub("8")


def test_division_rounds_half_even_to_28_significant_digits() -> None:
    assert (rub("2") / 3).amount == D("0.6666666666666666666666666667")
    assert len((rub("1000") / 7).amount.as_tuple().digits) == 28


@pytest.mark.parametrize("divisor", [0, D(0), D("-0.00")])
def test_division_by_zero_refused(divisor: int | Decimal) -> None:
    assert refusal(lambda: rub("1") / divisor).paths == ("divisor",)


@pytest.mark.parametrize("divisor", [2.0, False, D("NaN"), None])
def test_division_by_float_or_non_number_refused(divisor: Any) -> None:
    assert refusal(lambda: rub("1") / divisor).paths == ("divisor",)


@given(money(), st.integers(-10_000, 10_000).filter(bool) | st.decimals("-1000", "1000", places=3))
def test_multiply_then_divide_round_trips(m: Money, factor: int | Decimal) -> None:
    if not factor:
        return
    assert (m * factor) / factor == m


@given(money(), st.sampled_from([1, 2, 4, 5, 8, 10, 16, 20, 25, 100, 1000, -2, D("0.5")]))
def test_divide_then_multiply_round_trips_when_exact(m: Money, divisor: int | Decimal) -> None:
    assert (m / divisor) * divisor == m


# -- rounding ------------------------------------------------------------------------


def test_minor_units_of_common_currencies() -> None:
    expected = {"RUB": 2, "EUR": 2, "USD": 2, "RSD": 2, "BAM": 2, "HRK": 2, "KZT": 2}
    expected |= {"JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}
    assert {code: minor_units(code) for code in expected} == expected
    assert minor_units("XYZ") == 2
    assert set(expected) <= set(MINOR_UNITS)


@pytest.mark.parametrize("code", ["rub", "RUBL", 7])
def test_minor_units_refuses_malformed_code(code: Any) -> None:
    assert refusal(minor_units, code).paths == ("currency",)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.125", "RUB", "0.12"),
        ("0.135", "RUB", "0.14"),
        ("-0.125", "RUB", "-0.12"),
        ("2.5", "JPY", "2"),
        ("3.5", "JPY", "4"),
        ("1.0005", "KWD", "1.000"),
        ("1.0015", "KWD", "1.002"),
        ("7", "RUB", "7.00"),
    ],
)
def test_rounding_is_half_even_to_minor_units_by_default(
    amount: str, currency: str, expected: str
) -> None:
    result = Money(D(amount), currency).rounded()
    assert result == Money(D(expected), currency)
    assert str(result) == f"{expected} {currency}"


def test_rounding_takes_another_decimal_mode() -> None:
    assert rub("0.125").rounded(ROUND_HALF_UP) == rub("0.13")
    assert rub("0.129").rounded(ROUND_DOWN) == rub("0.12")
    assert rub("0.125").rounded(ROUND_HALF_EVEN) == rub("0.12")


@pytest.mark.parametrize("mode", ["HALF_UP", "round_half_up", 1, None, []])
def test_rounding_refuses_unknown_mode(mode: Any) -> None:
    assert refusal(rub("0.125").rounded, mode).paths == ("mode",)


@given(currencies().flatmap(lambda c: amounts(c, places=minor_units(c) + 3).map(lambda a: (a, c))))
def test_rounded_amount_is_on_the_grid_and_nearest(pair: tuple[Decimal, str]) -> None:
    amount, currency = pair
    result = Money(amount, currency).rounded()
    step = Fraction(1, 10 ** minor_units(currency))
    assert result.amount.as_tuple().exponent == -minor_units(currency)
    assert abs(Fraction(result.amount) - Fraction(amount)) <= step / 2


@given(currencies().flatmap(lambda c: st.tuples(st.just(c), st.integers(-(10**9), 10**9))))
def test_exact_halves_round_to_the_even_neighbour(pair: tuple[str, int]) -> None:
    currency, n = pair
    places = minor_units(currency)
    half = (D(n) + D("0.5")).scaleb(-places)  # exactly halfway between two minor units
    last_digit = int(Money(half, currency).rounded().amount.scaleb(places)) % 10
    assert last_digit % 2 == 0


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=50))
def test_half_even_rounding_does_not_drift_over_many_halves(units: list[int]) -> None:
    halves = [Money(D(u).scaleb(-2) + D("0.005"), "RUB") for u in units]
    exact = sum_money(halves, "RUB")
    rounded = sum_money((h.rounded() for h in halves), "RUB")
    # Half-even moves each half by +-0.005; consecutive even/odd cents cancel.
    up = sum(1 for u in units if u % 2 == 1)
    down = len(units) - up
    assert rounded - exact == Money(D("0.005") * (up - down), "RUB")


# -- allocation ----------------------------------------------------------------------


def test_allocation_splits_with_ties_to_the_earliest_part() -> None:
    parts = rub("100.00").allocate([1, 1, 1])
    assert [str(p) for p in parts] == ["33.34 RUB", "33.33 RUB", "33.33 RUB"]
    parts = rub("0.02").allocate([1, 1, 1])
    assert [str(p) for p in parts] == ["0.01 RUB", "0.01 RUB", "0.00 RUB"]


def test_allocation_gives_leftover_units_to_largest_remainders() -> None:
    # shares 0.5 * 1/6 = 0.0833.., 0.5 * 5/6 = 0.4166..: 8 and 41 cents, one cent left
    # goes to the larger remainder (0.66 of a cent beats 0.33).
    assert rub("0.50").allocate([1, 5]) == (rub("0.08"), rub("0.42"))


def test_allocation_keeps_currency_and_its_minor_units() -> None:
    parts = Money(D("1000"), "JPY").allocate([1, 2])
    assert parts == (Money(D("333"), "JPY"), Money(D("667"), "JPY"))
    assert all(p.amount.as_tuple().exponent == 0 for p in parts)


def test_allocation_of_a_negative_amount_mirrors_the_positive() -> None:
    assert rub("-100.00").allocate([1, 1, 1]) == tuple(
        -p for p in rub("100.00").allocate([1, 1, 1])
    )


def test_allocation_gives_zero_to_a_zero_weight() -> None:
    assert rub("10.00").allocate([0, 1, 0]) == (rub("0"), rub("10"), rub("0"))


def test_allocation_rounds_an_unrounded_total_first() -> None:
    parts = rub("10.005").allocate([1, 1])
    assert sum_money(parts, "RUB") == rub("10.00")
    assert parts == (rub("5.00"), rub("5.00"))


def test_allocation_takes_decimal_weights() -> None:
    assert rub("100").allocate([D("0.7"), D("0.3")]) == (rub("70"), rub("30"))
    assert rub("1").allocate([D("1E+3"), 1000]) == (rub("0.5"), rub("0.5"))


@pytest.mark.req("CF-07")
@given(money(), weights_st)
def test_allocation_parts_sum_exactly_to_total(m: Money, weights: list[int | Decimal]) -> None:
    parts = m.allocate(weights)
    assert len(parts) == len(weights)
    assert sum_money(parts, m.currency) == m.rounded()
    assert all(p.currency == m.currency for p in parts)


@pytest.mark.req("CF-07")
@given(money(), weights_st)
def test_allocation_part_within_one_minor_unit_of_exact_share(
    m: Money, weights: list[int | Decimal]
) -> None:
    places = minor_units(m.currency)
    total = Fraction(m.rounded().amount)
    whole = sum(Fraction(w) for w in weights)
    for part, weight in zip(m.allocate(weights), weights, strict=True):
        share = total * Fraction(weight) / whole
        assert abs(Fraction(part.amount) - share) < Fraction(1, 10**places)
        assert part.amount.as_tuple().exponent == -places


@pytest.mark.parametrize(
    ("weights", "paths"),
    [
        ([], ("weights",)),
        ([0, 0], ("weights",)),
        ([1, -1], ("weights[1]",)),
        ([0.5, 0.5], ("weights[0]", "weights[1]")),
        ([1, True], ("weights[1]",)),
        ([D("NaN"), 1, "2"], ("weights[0]", "weights[2]")),
        ([D("-0.1"), D("Infinity")], ("weights[0]", "weights[1]")),
        (None, ("weights",)),
        ("12", ("weights",)),
    ],
)
def test_allocation_refuses_bad_weights_with_paths(weights: Any, paths: tuple[str, ...]) -> None:
    assert refusal(rub("10").allocate, weights).paths == paths


# -- sums ----------------------------------------------------------------------------


def test_sum_of_nothing_is_zero_in_the_given_currency() -> None:
    assert sum_money([], "EUR") == Money.zero("EUR")
    assert sum_money([], "EUR").currency == "EUR"


@pytest.mark.req("CF-07")
@given(currencies().flatmap(lambda c: st.tuples(st.just(c), st.lists(money(c), max_size=30))))
def test_sum_money_conserves_every_amount(pair: tuple[str, list[Money]]) -> None:
    currency, items = pair
    total = sum_money(items, currency)
    assert total == reduce(Money.__add__, items, Money.zero(currency))
    assert Fraction(total.amount) == sum(Fraction(m.amount) for m in items)


def test_sum_money_refuses_another_currency() -> None:
    err = refusal(sum_money, [rub("1"), Money(D("1"), "EUR")], "RUB")
    assert isinstance(err, CurrencyMismatch)
    assert err.paths == ("currency",)


def test_sum_money_refuses_non_money_item_with_its_index() -> None:
    assert refusal(sum_money, [rub("1"), D("1")], "RUB").paths == ("items[1]",)
    assert refusal(sum_money, [rub("1")], "rub").paths == ("currency",)
    assert refusal(sum_money, rub("1"), "RUB").paths == ("items",)


# -- strategies ----------------------------------------------------------------------


@given(st.data())
def test_money_strategy_draws_valid_money_with_minor_units_in_bounds(data: st.DataObject) -> None:
    currency = data.draw(currencies())
    m = data.draw(money(currency, min_value=-5, max_value="10.5"))
    assert m.currency == currency
    assert m.amount.as_tuple().exponent == -minor_units(currency)
    assert D(-5) <= m.amount <= D("10.5")
