"""The budget ledger of certificates (CF-07; CF-04 earmarking, CF-06 unused funds return)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.errors import RuleViolation, ValidationError
from resocialize.ledger import (
    PAGE_SIZE,
    Account,
    AccountKind,
    FundingSource,
    Ledger,
    Movement,
    Posting,
    ReportRow,
    SourceKind,
    Transaction,
    add_source,
    appropriate,
    available,
    balance,
    commit,
    committed,
    open_ledger,
    paid,
    pay,
    release,
    released,
    report,
    totals,
    verify,
)
from resocialize.money import Money, sum_money
from resocialize.serialization import structure, unstructure

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
Y = 2026
REGIONAL = FundingSource("regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET)
FEDERAL = FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY)


def rub(amount: str | int) -> Money:
    return Money.of(amount, "RUB")


def funded(regional: str | int = 1_000_000, federal: str | int = 500_000) -> Ledger:
    books = open_ledger([REGIONAL, FEDERAL], currency="RUB")
    books = appropriate(books, "regional", Y, rub(regional), at=T0, by="fin-1", reference="law-1")
    return appropriate(books, "federal", Y, rub(federal), at=T0, by="fin-1", reference="sub-1")


def issued(
    books: Ledger, cert: str = "cert-1", regional: str = "70", federal: str = "30"
) -> Ledger:
    split = {"regional": rub(regional), "federal": rub(federal)}
    return commit(books, cert, split, year=Y, at=T0, by="agency-1")


def refused(call: object) -> RuleViolation:
    assert callable(call)
    with pytest.raises(RuleViolation) as caught:
        call()
    return caught.value


# -- commitments ---------------------------------------------------------------------


@pytest.mark.req("CF-07")
def test_commitment_refused_when_a_source_lacks_funds_with_a_reason_per_source() -> None:
    books = funded(regional=100, federal=50)
    error = refused(
        lambda: commit(
            books,
            "cert-1",
            {"regional": rub(150), "federal": rub("50.01")},
            year=Y,
            at=T0,
            by="agency-1",
        )
    )
    assert error.codes == ("ledger.insufficient_funds", "ledger.insufficient_funds")
    details = {r.details["source"]: dict(r.details) for r in error.reasons}
    assert details["regional"]["available"] == "100.00"
    assert details["regional"]["asked"] == "150.00"
    assert details["federal"]["available"] == "50.00"
    assert details["federal"]["asked"] == "50.01"
    assert details["federal"]["year"] == Y


@pytest.mark.req("CF-07")
def test_commitment_refused_in_a_year_without_appropriation() -> None:
    books = funded()
    error = refused(
        lambda: commit(books, "c", {"regional": rub(1)}, year=2027, at=T0, by="agency-1")
    )
    assert error.codes == ("ledger.insufficient_funds",)
    assert error.reasons[0].details["available"] == "0.00"


@pytest.mark.req("CF-07")
def test_commitment_earmarks_funds_for_the_certificate_per_source() -> None:
    books = issued(funded(), regional="126000", federal="54000")
    assert committed(books, "cert-1") == {"federal": rub(54_000), "regional": rub(126_000)}
    assert available(books, "regional", Y) == rub(874_000)
    assert available(books, "federal", Y) == rub(446_000)
    assert balance(books, Account(AccountKind.COMMITTED, "federal", Y, "cert-1")) == rub(54_000)


@pytest.mark.req("CF-07")
def test_certificate_committed_twice_is_refused_with_every_reason() -> None:
    books = issued(funded())
    error = refused(
        lambda: commit(
            books,
            "cert-1",
            {"regional": rub(1), "nowhere": rub(1)},
            year=Y,
            at=T0 - timedelta(days=1),
            by="agency-1",
        )
    )
    assert set(error.codes) == {
        "ledger.already_committed",
        "ledger.unknown_source",
        "ledger.out_of_order",
    }


# -- payments ------------------------------------------------------------------------


@pytest.mark.req("CF-07")
def test_payment_is_drawn_pro_rata_from_the_sources() -> None:
    books = issued(funded(), regional="70000", federal="30000")
    books = pay(books, "cert-1", "center-1", rub(10_000), at=T0, by="a", reference="claim-1")
    assert committed(books, "cert-1") == {"regional": rub(63_000), "federal": rub(27_000)}
    # a third of a kopeck cannot be paid: the largest remainder takes the odd unit
    books = pay(books, "cert-1", "center-1", rub("0.01"), at=T0, by="a", reference="claim-2")
    left = committed(books, "cert-1")
    assert left == {"regional": rub("62999.99"), "federal": rub(27_000)}
    assert paid(books, "cert-1") == rub("10000.01")
    posted = books.last
    assert posted is not None and posted.movement is Movement.PAYMENT
    assert [p.into.center_id for p in posted.postings] == ["center-1"]


@given(
    regional=st.integers(0, 10**7),
    federal=st.integers(0, 10**7),
    share=st.fractions(0, 1),
)
@pytest.mark.req("CF-07")
def test_payment_parts_sum_exactly_and_stay_within_each_source(
    regional: int, federal: int, share: object
) -> None:
    if regional + federal == 0:
        return
    split = {
        k: Money(Decimal(v) / 100, "RUB")
        for k, v in (("regional", regional), ("federal", federal))
        if v
    }
    books = commit(funded(10**6, 10**6), "c", split, year=Y, at=T0, by="a")
    from fractions import Fraction

    assert isinstance(share, Fraction)
    units = int((regional + federal) * share)
    if units == 0:
        return
    amount = Money(Decimal(units) / 100, "RUB")
    after = pay(books, "c", "center-1", amount, at=T0, by="a", reference="claim")
    before = committed(books, "c")
    left = committed(after, "c")
    taken = {s: before[s] - left[s] for s in before}
    assert sum_money(taken.values(), "RUB") == amount
    assert all(not m.is_negative for m in left.values())
    total = sum_money(before.values(), "RUB")
    for source, part in taken.items():
        exact = amount.amount * before[source].amount / total.amount
        assert abs(part.amount - exact) < Decimal("0.01")
    assert verify(after).allowed


@pytest.mark.req("CF-07")
def test_payment_above_the_remaining_commitment_is_refused_and_changes_nothing() -> None:
    books = issued(funded())
    books = pay(books, "cert-1", "c", rub(60), at=T0, by="a", reference="claim-1")
    error = refused(lambda: pay(books, "cert-1", "c", rub("40.01"), at=T0, by="a", reference="x"))
    assert error.codes == ("ledger.above_commitment",)
    assert error.reasons[0].details["remaining"] == "40.00"
    assert error.reasons[0].details["asked"] == "40.01"
    assert paid(books, "cert-1") == rub(60)
    books = pay(books, "cert-1", "c", rub(40), at=T0, by="a", reference="claim-2")
    assert committed(books, "cert-1") == {"regional": rub(0), "federal": rub(0)}


@pytest.mark.req("CF-07")
def test_payment_on_an_unknown_or_released_certificate_is_refused() -> None:
    books = issued(funded())
    error = refused(lambda: pay(books, "nope", "c", rub(1), at=T0, by="a", reference="x"))
    assert error.codes == ("ledger.unknown_certificate",)
    books = release(books, "cert-1", at=T0, by="a", why="expired")
    error = refused(lambda: pay(books, "cert-1", "c", rub(1), at=T0, by="a", reference="x"))
    assert error.codes == ("ledger.commitment_released", "ledger.above_commitment")


@pytest.mark.req("CF-07")
def test_paid_sums_every_center_of_the_certificate() -> None:
    books = issued(funded())
    books = pay(books, "cert-1", "center-1", rub(10), at=T0, by="a", reference="claim-1")
    books = pay(books, "cert-1", "center-2", rub(20), at=T0, by="a", reference="claim-2")
    assert paid(books, "cert-1") == rub(30)
    rows = report(books, by=("center",))
    assert {r.center: r.paid for r in rows} == {
        None: rub(0),
        "center-1": rub(10),
        "center-2": rub(20),
    }


# -- releases ------------------------------------------------------------------------


@pytest.mark.req("CF-07")
def test_release_returns_unused_funds_to_each_source() -> None:
    books = issued(funded(), regional="126000", federal="54000")
    books = pay(books, "cert-1", "center-1", rub(60_000), at=T0, by="a", reference="claim-1")
    books = release(books, "cert-1", at=T0 + timedelta(days=200), by="a", why="expired")
    assert released(books, "cert-1") == {"regional": rub(84_000), "federal": rub(36_000)}
    assert committed(books, "cert-1") == {"regional": rub(0), "federal": rub(0)}
    assert available(books, "regional", Y) == rub(1_000_000 - 126_000 + 84_000)
    assert available(books, "federal", Y) == rub(500_000 - 54_000 + 36_000)
    assert paid(books, "cert-1") == rub(60_000)
    row = {r.source: r for r in report(books, by=("source",))}["regional"]
    assert (row.appropriated, row.paid, row.released) == (rub(1_000_000), rub(42_000), rub(84_000))
    assert verify(books).allowed


@pytest.mark.req("CF-07")
def test_release_twice_or_of_an_unknown_certificate_is_refused() -> None:
    books = release(issued(funded()), "cert-1", at=T0, by="a", why="cancelled")
    assert refused(lambda: release(books, "cert-1", at=T0, by="a", why="again")).codes == (
        "ledger.already_released",
    )
    assert refused(lambda: release(books, "x", at=T0, by="a", why="?")).codes == (
        "ledger.unknown_certificate",
    )


@pytest.mark.req("CF-07")
def test_a_released_certificate_cannot_be_committed_again() -> None:
    books = release(issued(funded()), "cert-1", at=T0, by="a", why="cancelled")
    assert refused(lambda: issued(books)).codes == ("ledger.already_committed",)


# -- reports and the check of the books ----------------------------------------------


@pytest.mark.req("CF-07")
def test_reports_by_every_grouping_sum_to_the_totals() -> None:
    books = funded()
    books = appropriate(books, "regional", 2027, rub(5), at=T0, by="f", reference="law-2")
    books = issued(books, "cert-1", "100", "50")
    books = issued(books, "cert-2", "10", "0.03")
    books = pay(books, "cert-1", "c-1", rub(30), at=T0, by="a", reference="k1")
    books = pay(books, "cert-2", "c-2", rub("0.02"), at=T0, by="a", reference="k2")
    books = release(books, "cert-2", at=T0, by="a", why="expired")
    whole = totals(books)
    assert whole.appropriated == rub(1_500_005)
    assert whole.appropriated == whole.available + whole.committed + whole.paid
    groupings = [(), ("source",), ("year",), ("center",), ("certificate",), ("source", "year")]
    groupings += [("year", "source", "center", "certificate")]
    for by in groupings:
        rows = report(books, by=by)
        for measure in ("appropriated", "committed", "paid", "released", "available"):
            got = sum_money((getattr(r, measure) for r in rows), "RUB")
            assert got == getattr(whole, measure), (by, measure)
    for row in report(books, by=("source", "year")):
        assert row.appropriated == row.available + row.committed + row.paid
    assert [(r.source, r.year) for r in report(books)] == [
        ("federal", 2026),
        ("regional", 2026),
        ("regional", 2027),
    ]


@pytest.mark.req("CF-07")
def test_report_of_empty_books_is_one_zero_row_in_total() -> None:
    books = open_ledger([REGIONAL], currency="RUB")
    assert report(books, by=("source",)) == ()
    assert totals(books).appropriated == rub(0)


@pytest.mark.req("CF-07")
def test_verify_finds_tampered_books() -> None:
    books = pay(issued(funded()), "cert-1", "c", rub(50), at=T0, by="a", reference="k")
    assert verify(books).allowed
    txns = list(books.transactions)
    assert txns[3].movement is Movement.PAYMENT
    # a payment that takes more out of the commitment than there was
    inflated = attrs.evolve(txns[3].postings[0], amount=rub(5_000))
    txns[3] = attrs.evolve(txns[3], postings=(inflated, *txns[3].postings[1:]))
    # an appropriation booked as if it were a payment
    txns[0] = attrs.evolve(txns[0], movement=Movement.PAYMENT)
    forged = Ledger(books.currency, books.sources, [txns])
    decision = verify(forged)
    assert not decision.allowed
    assert "ledger.negative_balance" in decision.codes
    assert "ledger.illegal_posting" in decision.codes


@pytest.mark.req("CF-07")
def test_verify_finds_running_balances_that_disagree_with_the_transactions() -> None:
    books = issued(funded())
    truncated = Ledger(books.currency, books.sources, [books.transactions[:1]])
    # graft the longer ledger's running balances onto the shorter transactions
    object.__setattr__(truncated, "_balances", books._balances)
    assert "ledger.balances_differ" in verify(truncated).codes


@pytest.mark.req("CF-07")
def test_books_of_many_pages_are_kept_page_by_page() -> None:
    books = open_ledger([REGIONAL], currency="RUB")
    for i in range(PAGE_SIZE + 3):
        books = appropriate(books, "regional", Y, rub(1), at=T0, by="f", reference=f"law-{i}")
    assert [len(p) for p in books.pages] == [PAGE_SIZE, 3]
    assert books.size == PAGE_SIZE + 3
    assert [t.number for t in books.transactions] == list(range(1, PAGE_SIZE + 4))
    assert available(books, "regional", Y) == rub(PAGE_SIZE + 3)
    assert Ledger(books.currency, books.sources, books.pages) == books
    bad_pages = (books.pages[0][:-1], books.pages[1])
    with pytest.raises(ValidationError) as caught:
        Ledger(books.currency, books.sources, bad_pages)
    assert caught.value.paths == ("pages",)


@pytest.mark.req("CF-07")
def test_every_older_ledger_stays_as_it_was() -> None:
    before = funded()
    after = issued(before)
    branch = issued(before, "cert-9", "1", "1")
    assert available(before, "regional", Y) == rub(1_000_000)
    assert available(after, "regional", Y) == rub(999_930)
    assert available(branch, "regional", Y) == rub(999_999)
    assert before.size == 2 and after.size == branch.size == 3
    assert all(verify(b).allowed for b in (before, after, branch))


# -- bad input -----------------------------------------------------------------------


@pytest.mark.req("CF-07")
def test_float_amounts_are_bad_input_with_their_paths() -> None:
    books = funded()
    with pytest.raises(ValidationError) as caught:
        appropriate(books, "regional", Y, 100.5, at=T0, by="f", reference="x")  # type: ignore[arg-type]
    assert caught.value.paths == ("amount",)
    assert "Money.of('100.5', 'RUB')" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        commit(books, "c", {"regional": 1.5, "federal": rub(1)}, year=Y, at=T0, by="a")  # type: ignore[dict-item]
    assert caught.value.paths == ("split.regional",)


@pytest.mark.req("CF-07")
def test_mixed_currencies_are_bad_input_with_their_paths() -> None:
    books = funded()
    with pytest.raises(ValidationError) as caught:
        commit(
            books,
            "c",
            {"regional": rub(1), "federal": Money.of(1, "EUR")},
            year=Y,
            at=T0,
            by="a",
        )
    assert caught.value.paths == ("split.federal",)
    with pytest.raises(ValidationError) as caught:
        pay(issued(books), "cert-1", "c", Money.of(1, "USD"), at=T0, by="a", reference="k")
    assert caught.value.paths == ("amount",)


@pytest.mark.req("CF-07")
@pytest.mark.parametrize("amount", ["0", "-5", "0.001"])
def test_zero_negative_or_sub_minor_amounts_are_bad_input(amount: str) -> None:
    books = issued(funded())
    with pytest.raises(ValidationError) as caught:
        appropriate(books, "regional", Y, rub(amount), at=T0, by="f", reference="x")
    assert caught.value.paths == ("amount",)
    with pytest.raises(ValidationError) as caught:
        commit(books, "c", {"regional": rub(amount)}, year=Y, at=T0, by="a")
    assert caught.value.paths == ("split.regional",)
    with pytest.raises(ValidationError) as caught:
        pay(books, "cert-1", "c", rub(amount), at=T0, by="a", reference="k")
    assert caught.value.paths == ("amount",)


@pytest.mark.req("CF-07")
def test_naive_datetimes_and_every_other_bad_field_are_reported_together() -> None:
    books = funded()
    naive = datetime(2026, 2, 2, 9, 0)
    with pytest.raises(ValidationError) as caught:
        commit(books, "cert 1", {}, year=1.5, at=naive, by="")  # type: ignore[arg-type]
    assert set(caught.value.paths) == {"at", "by", "certificate_id", "year", "split"}
    with pytest.raises(ValidationError) as caught:
        release(books, "cert-1", at=naive, by="a", why=" ")
    assert set(caught.value.paths) == {"at", "why"}
    with pytest.raises(ValidationError) as caught:
        pay("books", "c", "c", rub(1), at=T0, by="a", reference="k")  # type: ignore[arg-type]
    assert caught.value.paths == ("ledger",)
    with pytest.raises(ValidationError) as caught:
        commit(books, "c", [("regional", rub(1))], year=Y, at=T0, by="a")  # type: ignore[arg-type]
    assert caught.value.paths == ("split",)
    with pytest.raises(ValidationError) as caught:
        report(books, by=("source", "month", "source"))
    assert caught.value.paths == ("by[1]", "by[2]")


@pytest.mark.req("CF-07")
def test_operations_out_of_time_order_are_refused() -> None:
    books = issued(funded())
    error = refused(lambda: release(books, "cert-1", at=T0 - timedelta(seconds=1), by="a", why="x"))
    assert error.codes == ("ledger.out_of_order",)


@pytest.mark.req("CF-07")
def test_unknown_sources_and_duplicate_sources_are_refused() -> None:
    books = funded()
    error = refused(
        lambda: appropriate(books, "charity", Y, rub(1), at=T0, by="f", reference="gift")
    )
    assert error.codes == ("ledger.unknown_source",)
    charity = FundingSource("charity", "Charity fund", SourceKind.CHARITY)
    books = add_source(books, charity)
    books = appropriate(books, "charity", Y, rub(1), at=T0, by="f", reference="gift")
    assert available(books, "charity", Y) == rub(1)
    assert refused(lambda: add_source(books, charity)).codes == ("ledger.source_exists",)
    with pytest.raises(ValidationError) as caught:
        open_ledger([REGIONAL, REGIONAL], currency="RUB")
    assert caught.value.paths == ("sources[1].id",)


@pytest.mark.req("CF-07")
def test_unknown_certificate_queries_are_refused_not_key_errors() -> None:
    books = funded()
    for query in (committed, paid, released):
        assert refused(lambda q=query: q(books, "nope")).codes == ("ledger.unknown_certificate",)


@pytest.mark.req("CF-07")
def test_values_are_checked_with_paths() -> None:
    with pytest.raises(ValidationError) as caught:
        Account(AccountKind.AVAILABLE, "r", 2026, "cert-1", "c")
    assert caught.value.paths == ("certificate_id", "center_id")
    a = Account(AccountKind.APPROPRIATION, "r", 2026)
    with pytest.raises(ValidationError) as caught:
        Posting(a, a, rub(0))
    assert caught.value.paths == ("into", "amount")
    with pytest.raises(ValidationError) as caught:
        Transaction(0, Movement.PAYMENT, datetime(2026, 1, 1), "a", "why", "ref", [1])
    assert caught.value.paths == ("number", "at", "postings")


# -- JSON ----------------------------------------------------------------------------


@pytest.mark.req("CF-07")
def test_ledger_and_reports_round_trip_through_the_converter() -> None:
    books = issued(funded())
    books = pay(books, "cert-1", "c-1", rub(10), at=T0, by="a", reference="k")
    books = release(books, "cert-1", at=T0, by="a", why="expired")
    again = structure(unstructure(books), Ledger)
    assert again == books
    assert report(again, by=DIMENSIONS_ALL) == report(books, by=DIMENSIONS_ALL)
    assert verify(again).allowed
    rows = report(books, by=("certificate", "center"))
    assert structure(unstructure(rows), tuple[ReportRow, ...]) == rows


DIMENSIONS_ALL = ("source", "year", "center", "certificate")
