"""A stateful test of the budget ledger: appropriations, commitments, payments and releases at
random across sources, years, certificates and centers, checked after every step against a model
written apart from the ledger (CF-07, CF-04, CF-06)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from resocialize.errors import RuleViolation, ValidationError
from resocialize.ledger import (
    DIMENSIONS,
    FundingSource,
    Ledger,
    SourceKind,
    appropriate,
    available,
    commit,
    committed,
    open_ledger,
    paid,
    pay,
    release,
    report,
    totals,
    verify,
)
from resocialize.money import Money, sum_money

T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
SOURCES = ["regional", "federal", "municipal"]
YEARS = [2026, 2027]
CERTIFICATES = [f"cert-{i}" for i in range(6)]
CENTERS = ["center-a", "center-b", "center-c"]
CENT = Decimal("0.01")
ZERO = Decimal(0)

cents = st.integers(1, 50_000).map(lambda n: Decimal(n) * CENT)


def rub(amount: Decimal) -> Money:
    return Money(amount, "RUB")


class Commitment:
    """The model of one certificate's money: what each source earmarked, paid, released."""

    def __init__(self, year: int, split: dict[str, Decimal]) -> None:
        self.year = year
        self.earmarked = dict(split)
        self.left = dict(split)
        self.paid = dict.fromkeys(split, ZERO)
        self.released = False


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        sources = [FundingSource(s, s.title(), SourceKind.OTHER) for s in SOURCES]
        self.books: Ledger = open_ledger(sources, currency="RUB")
        self.now = T0
        self.appropriated = {(s, y): ZERO for s in SOURCES for y in YEARS}
        self.available = {(s, y): ZERO for s in SOURCES for y in YEARS}
        self.certificates: dict[str, Commitment] = {}

    def tick(self, minutes: int) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def refused(self, call: object) -> RuleViolation:
        """Run a call the model says is refused; the books must not change."""
        assert callable(call)
        before = (self.books.size, totals(self.books), report(self.books, by=DIMENSIONS))
        with pytest.raises(RuleViolation) as caught:
            call()
        after = (self.books.size, totals(self.books), report(self.books, by=DIMENSIONS))
        assert after == before
        return caught.value

    @rule(
        source=st.sampled_from(SOURCES),
        year=st.sampled_from(YEARS),
        amount=cents,
        minutes=st.integers(0, 600),
    )
    def grant(self, source: str, year: int, amount: Decimal, minutes: int) -> None:
        at = self.tick(minutes)
        self.books = appropriate(
            self.books, source, year, rub(amount), at=at, by="finance", reference="law"
        )
        self.appropriated[source, year] += amount
        self.available[source, year] += amount

    @rule(
        cert=st.sampled_from(CERTIFICATES),
        year=st.sampled_from(YEARS),
        split=st.dictionaries(st.sampled_from(SOURCES), cents, min_size=1, max_size=3),
        minutes=st.integers(0, 600),
    )
    def issue(self, cert: str, year: int, split: dict[str, Decimal], minutes: int) -> None:
        at = self.tick(minutes)
        money = {s: rub(a) for s, a in split.items()}
        short = sorted(s for s, a in split.items() if self.available[s, year] < a)
        if cert in self.certificates or short:
            error = self.refused(
                lambda: commit(self.books, cert, money, year=year, at=at, by="agency")
            )
            expected = ["ledger.already_committed"] if cert in self.certificates else []
            expected += ["ledger.insufficient_funds"] * len(short)
            assert list(error.codes) == expected
            lacking = [r.details for r in error.reasons if r.code == "ledger.insufficient_funds"]
            for details, source in zip(lacking, short, strict=True):
                assert details["source"] == source
                assert Decimal(str(details["available"])) == self.available[source, year]
                assert Decimal(str(details["asked"])) == split[source]
            return
        self.books = commit(self.books, cert, money, year=year, at=at, by="agency")
        for source, amount in split.items():
            self.available[source, year] -= amount
        self.certificates[cert] = Commitment(year, split)

    @rule(
        cert=st.sampled_from([*CERTIFICATES, "cert-unknown"]),
        center=st.sampled_from(CENTERS),
        amount=st.one_of(cents, st.integers(1, 10).map(lambda n: Decimal(n) * CENT)),
        minutes=st.integers(0, 600),
    )
    def redeem(self, cert: str, center: str, amount: Decimal, minutes: int) -> None:
        at = self.tick(minutes)
        record = self.certificates.get(cert)
        left = sum(record.left.values(), ZERO) if record else ZERO
        if record is None or record.released or amount > left:
            error = self.refused(
                lambda: pay(self.books, cert, center, rub(amount), at=at, by="a", reference="k")
            )
            expected = []
            if record is None:
                expected.append("ledger.unknown_certificate")
            else:
                if record.released:
                    expected.append("ledger.commitment_released")
                if amount > left:
                    expected.append("ledger.above_commitment")
            assert list(error.codes) == expected
            return
        before = committed(self.books, cert)
        self.books = pay(self.books, cert, center, rub(amount), at=at, by="a", reference="k")
        after = committed(self.books, cert)
        for source in record.left:
            taken = before[source].amount - after[source].amount
            exact = amount * record.left[source] / left
            assert ZERO <= taken <= record.left[source]
            assert abs(taken - exact) < CENT  # pro rata, within one kopeck
            record.left[source] -= taken
            record.paid[source] += taken
        assert sum(record.paid.values(), ZERO) <= sum(record.earmarked.values(), ZERO)

    @rule(cert=st.sampled_from([*CERTIFICATES, "cert-unknown"]), minutes=st.integers(0, 600))
    def expire(self, cert: str, minutes: int) -> None:
        at = self.tick(minutes)
        record = self.certificates.get(cert)
        if record is None or record.released:
            error = self.refused(lambda: release(self.books, cert, at=at, by="a", why="expired"))
            code = "ledger.unknown_certificate" if record is None else "ledger.already_released"
            assert error.codes == (code,)
            return
        self.books = release(self.books, cert, at=at, by="a", why="expired")
        for source, left in record.left.items():
            self.available[source, record.year] += left
            record.left[source] = ZERO
        record.released = True

    @rule(source=st.sampled_from(SOURCES), year=st.sampled_from(YEARS))
    def late_entry(self, source: str, year: int) -> None:
        last = self.books.last
        if last is None:
            return
        at = last.at - timedelta(seconds=1)
        error = self.refused(
            lambda: appropriate(
                self.books, source, year, rub(Decimal(1)), at=at, by="f", reference="x"
            )
        )
        assert error.codes == ("ledger.out_of_order",)

    @rule(bad=st.sampled_from([0.5, Money.of(0, "RUB"), Money.of(-1, "RUB"), Money.of(1, "EUR")]))
    def bad_amount(self, bad: object) -> None:
        size = self.books.size
        with pytest.raises(ValidationError) as caught:
            appropriate(self.books, "regional", 2026, bad, at=self.now, by="f", reference="x")  # type: ignore[arg-type]
        assert caught.value.paths == ("amount",)
        assert self.books.size == size

    # -- invariants after every step ----------------------------------------------------

    @invariant()
    def books_check(self) -> None:
        decision = verify(self.books)
        assert decision.allowed, decision.codes

    @invariant()
    def money_is_conserved(self) -> None:
        whole = totals(self.books)
        assert whole.appropriated == whole.available + whole.committed + whole.paid
        assert whole.appropriated.amount == sum(self.appropriated.values(), ZERO)
        for row in report(self.books, by=("source", "year")):
            assert row.appropriated == row.available + row.committed + row.paid

    @invariant()
    def ledger_agrees_with_the_model(self) -> None:
        for (source, year), amount in self.available.items():
            assert available(self.books, source, year).amount == amount
        for cert, record in self.certificates.items():
            left = committed(self.books, cert)
            assert {s: m.amount for s, m in left.items()} == record.left
            assert paid(self.books, cert).amount == sum(record.paid.values(), ZERO)
            assert paid(self.books, cert) <= rub(sum(record.earmarked.values(), ZERO))

    @invariant()
    def reports_sum_to_the_totals(self) -> None:
        whole = totals(self.books)
        for by in (("source",), ("year",), ("center",), ("certificate",), DIMENSIONS):
            rows = report(self.books, by=by)
            for measure in ("appropriated", "committed", "paid", "released", "available"):
                got = sum_money((getattr(r, measure) for r in rows), "RUB")
                assert got == getattr(whole, measure), (by, measure)


LedgerMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
test_ledger_lifecycle = pytest.mark.req("CF-07")(LedgerMachine.TestCase)
