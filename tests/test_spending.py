"""Spending on certificates by source and year, and what it bought (MR-03)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given

from resocialize.certificates import EMPTY_BOOK, CertificateBook, ClientStanding, Course, issue
from resocialize.errors import ValidationError
from resocialize.facts import CenterStanding, CertificateStanding, ContractStanding, Facts
from resocialize.funding import Funding
from resocialize.ledger import (
    FundingSource,
    Ledger,
    SourceKind,
    appropriate,
    commit,
    open_ledger,
    pay,
    release,
    report,
)
from resocialize.money import Money
from resocialize.monitoring import cost_effectiveness
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Case, Event, advance, identify
from resocialize.records import Origin, Referral, ReferralSource
from resocialize.spending import SpendingMeasure, SpendingRow, SpendingTable, spending
from resocialize.testing._indicators import spending_tables
from resocialize.testing.strategies import fundings, ledgers

pytestmark = pytest.mark.req("MR-03")

AT = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
END = date(2026, 12, 31)
ISSUED, COMMITTED, PAID, RELEASED = tuple(SpendingMeasure)


def rub(amount: int) -> Money:
    return Money.of(amount, "RUB")


def budget() -> Ledger:
    books = open_ledger(
        [
            FundingSource("regional", "Regional program", SourceKind.REGIONAL_BUDGET),
            FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY),
        ],
        currency="RUB",
    )
    for year in (2026, 2027):
        books = appropriate(books, "regional", year, rub(900_000), at=AT, by="fin-1", reference="l")
        books = appropriate(books, "federal", year, rub(300_000), at=AT, by="fin-1", reference="s")
    return books


SPLIT = {"regional": rub(120_000), "federal": rub(60_000)}


def issued(
    book: CertificateBook, n: int, at: datetime = AT, currency: str = "RUB"
) -> CertificateBook:
    split = {source: Money(m.amount, currency) for source, m in SPLIT.items()}
    return issue(
        book,
        f"cert-{n}",
        ClientStanding(f"cl-{n}", True, True),
        course=Course.SOCIAL_REHABILITATION,
        face_value=Money.of(180_000, currency),
        split=split,
        valid_from=date(2025, 1, 1),
        valid_until=date(2027, 12, 31),
        issuer_id="agency-1",
        at=at,
        by="officer-1",
    )


def admitted(n: int, center: str = "center-1") -> Case:
    case = identify(
        f"case-{n}",
        f"cl-{n}",
        origin=Origin.COMMUNITY,
        at=AT,
        by="officer-1",
        referral=Referral(ReferralSource.SELF, AT.date(), "dept-1"),
    )
    for event in (Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT):
        case = advance(case, event, at=AT, by="officer-1").case
    case = advance(
        case, Event.RECORD_PROGRAM, at=AT, by="officer-1", facts=Facts(program_id="irp-1")
    ).case
    facts = Facts(
        certificate=CertificateStanding(f"cert-{n}", f"cl-{n}", date(2025, 1, 1), END, center),
        contract=ContractStanding(f"contract-{n}", f"cl-{n}", center, True),
        center=CenterStanding(center, True, True, True, 5, OwnershipForm.STATE),
    )
    return advance(case, Event.ADMIT, at=AT, by="officer-1", facts=facts).case


def region() -> tuple[Ledger, CertificateBook, list[Case]]:
    """Two certificates paid at center-1: one course completed, one dropped out and released."""
    books, book = budget(), EMPTY_BOOK
    for n in (1, 2):
        book = issued(book, n)
        books = commit(books, f"cert-{n}", SPLIT, year=2026, at=AT, by="agency-1")
        books = pay(
            books, f"cert-{n}", "center-1", rub(90_000), at=AT, by="agency-1", reference=f"c-{n}"
        )
    books = release(books, "cert-2", at=AT + timedelta(days=40), by="agency-1", why="dropped out")
    graduate = advance(
        admitted(1), Event.COMPLETE_REHABILITATION, at=AT + timedelta(days=120), by="center-1"
    ).case
    dropout = advance(admitted(2), Event.DROP_OUT, at=AT + timedelta(days=30), by="center-1").case
    return books, book, [graduate, dropout]


# --- examples -----------------------------------------------------------------------------


def test_spending_by_source_and_year_and_the_cost_of_a_completed_course() -> None:
    books, book, cases = region()
    table = spending(books, book, cases, as_of=END)
    assert table.sources == ("federal", "regional") and table.years == (2026,)
    assert [row.measure for row in table.rows[:4]] == [ISSUED, COMMITTED, PAID, RELEASED]
    assert table.certificates(ISSUED, "regional", 2026) == 2
    assert table.amount(ISSUED, "regional", 2026) == rub(240_000)
    assert table.amount(COMMITTED, "federal", 2026) == rub(120_000)
    assert table.amount(PAID, "regional", 2026) + table.amount(PAID, "federal", 2026) == rub(
        180_000
    )
    assert table.certificates(RELEASED, "regional", 2026) == 1
    assert table.amount(RELEASED, "regional", 2026) == rub(60_000)  # 120,000 less 60,000 paid
    [center] = table.by_center
    assert (center.center, center.certificates, center.completed_courses) == ("center-1", 2, 1)
    assert center.cost_per_completed_course == rub(180_000)
    assert table.total.paid == rub(180_000) and table.total.sustained_remissions == 0
    assert [row.source for row in table.by_source] == ["federal", "regional"]
    assert table.by_source == cost_effectiveness(books, book, cases, as_of=END, by=("source",))


def test_nothing_after_as_of_is_read() -> None:
    books, book, cases = region()
    later = AT + timedelta(days=200)
    book = issued(book, 3, at=later)
    books = commit(books, "cert-3", SPLIT, year=2027, at=later, by="agency-1")
    books = pay(books, "cert-3", "center-2", rub(1_000), at=later, by="agency-1", reference="c-3")
    early = spending(books, book, cases, as_of=later.date() - timedelta(days=1))
    assert early.certificates(ISSUED, "regional", 2026) == 2
    assert early.years == (2026,)
    assert [row.center for row in early.by_center] == ["center-1"]
    full = spending(books, book, cases, as_of=END)
    assert full.certificates(ISSUED, "regional", 2026) == 3
    assert full.amount(COMMITTED, "regional", 2027) == rub(120_000)
    assert full.amount(ISSUED, "regional", 2027) == Money.zero("RUB")  # issued in 2026
    assert [row.center for row in full.by_center] == ["center-1", "center-2"]


def test_issued_counts_in_the_year_of_issue_and_committed_in_the_budget_year() -> None:
    books, book = budget(), issued(EMPTY_BOOK, 1, at=datetime(2025, 12, 30, 9, 0, tzinfo=UTC))
    books = commit(books, "cert-1", SPLIT, year=2026, at=AT, by="agency-1")
    table = spending(books, book, [], as_of=END)
    assert table.years == (2025, 2026)
    assert table.amount(ISSUED, "federal", 2025) == rub(60_000)
    assert table.amount(COMMITTED, "federal", 2025) == Money.zero("RUB")
    assert table.amount(COMMITTED, "federal", 2026) == rub(60_000)
    assert table.certificates(ISSUED, "federal", 2026) == 0
    assert len(table.rows) == 2 * 2 * 4


def test_records_are_tidy() -> None:
    books, book, cases = region()
    table = spending(books, book, cases, as_of=END)
    record = table.records()[0]
    assert record == {
        "source": "federal",
        "year": 2026,
        "measure": "issued",
        "certificates": 2,
        "amount": Decimal("120000.00"),
        "currency": "RUB",
    }
    costs = table.cost_records()
    assert [r["by"] for r in costs] == ["center", "source", "source", "total"]
    assert costs[0]["cost_per_completed_course"] == Decimal("180000.00")
    assert costs[-1]["cost_per_sustained_remission"] is None


def test_an_empty_ledger_spends_nothing() -> None:
    table = spending(budget(), EMPTY_BOOK, [], as_of=END)
    assert table.rows == () and table.by_center == () and table.by_source == ()
    assert table.total.paid == Money.zero("RUB") and table.total.certificates == 0


# --- bad input ----------------------------------------------------------------------------


def test_bad_arguments_are_all_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        spending("books", {}, 3, as_of="2026-12-31")  # type: ignore[arg-type]
    assert caught.value.paths == ("ledger", "book", "as_of", "cases")


def test_a_certificate_in_another_currency_is_reported() -> None:
    book = issued(EMPTY_BOOK, 1, currency="EUR")
    with pytest.raises(ValidationError) as caught:
        spending(budget(), book, [], as_of=END)
    assert caught.value.paths == (
        "book.certificates['cert-1'].split['federal']",
        "book.certificates['cert-1'].split['regional']",
    )


def test_reading_a_bad_key_is_a_validation_error() -> None:
    books, book, cases = region()
    table = spending(books, book, cases, as_of=END)
    assert table.amount(PAID, "city", 2026) == Money.zero("RUB")
    with pytest.raises(ValidationError) as caught:
        table.amount("spent", "city budget", 26)  # type: ignore[arg-type]
    assert caught.value.paths == ("measure", "source", "year")


def test_a_table_refuses_rows_that_do_not_fit() -> None:
    books, book, cases = region()
    table = spending(books, book, cases, as_of=END)
    with pytest.raises(ValidationError) as caught:
        SpendingRow("regional", 2026, PAID, 0, rub(5))
    assert caught.value.paths == ("certificates",)
    euro = SpendingRow("regional", 2026, PAID, 1, Money.of(5, "EUR"))
    with pytest.raises(ValidationError) as caught:
        SpendingTable(END, "RUB", (euro, euro), (), (), table.total)
    assert caught.value.paths == ("rows[0].amount", "rows[1]", "rows[1].amount")


# --- properties ---------------------------------------------------------------------------


def book_for(ledger: Ledger) -> CertificateBook:
    """A certificate in the book for every certificate the ledger names."""
    book = EMPTY_BOOK
    names = sorted({t.certificate_id for t in ledger.transactions if t.certificate_id})
    for name in names:
        book = issue(
            book,
            name,
            ClientStanding(f"holder-{name}", True, True),
            course=Course.SOCIAL_REHABILITATION,
            face_value=rub(1),
            split={"regional": rub(1)},
            valid_from=date(2020, 1, 1),
            valid_until=date(2030, 1, 1),
            issuer_id="agency-1",
            at=AT,
            by="officer-1",
        )
    return book


def by_key(rows: Iterable[SpendingRow]) -> dict[tuple[str, int, SpendingMeasure], SpendingRow]:
    return {(row.source, row.year, row.measure): row for row in rows}


@given(ledgers())
def test_committed_is_paid_released_or_still_committed(books: Ledger) -> None:
    table = spending(books, book_for(books), [], as_of=date(2100, 1, 1))
    rows = by_key(table.rows)
    assert len(rows) == len(table.rows) == 4 * len({(r.source, r.year) for r in table.rows})
    for balance in report(books, by=("source", "year")):
        if balance.source is None or balance.year is None:
            continue
        key = (balance.source, balance.year)
        zero = Money.zero("RUB")
        committed = rows[(*key, COMMITTED)].amount if (*key, COMMITTED) in rows else zero
        paid = rows[(*key, PAID)].amount if (*key, PAID) in rows else zero
        released = rows[(*key, RELEASED)].amount if (*key, RELEASED) in rows else zero
        assert paid == balance.paid and released == balance.released
        assert committed == paid + released + balance.committed
    named: dict[tuple[str, int, SpendingMeasure], set[str]] = {}
    measures = {"commitment": COMMITTED, "payment": PAID, "release": RELEASED}
    for txn in books.transactions:
        if txn.movement.value in measures:
            for posting in txn.postings:
                key = (posting.out_of.source_id, posting.out_of.year, measures[txn.movement.value])
                named.setdefault(key, set()).add(str(txn.certificate_id))
    for key, row in rows.items():
        if row.measure is not ISSUED:
            assert row.certificates == len(named.get(key, set())), key


@given(fundings())
def test_issuing_commits_the_split_of_every_certificate(funds: Funding) -> None:
    table = spending(funds.ledger, funds.book, [], as_of=date(2100, 1, 1))
    rows = by_key(table.rows)
    for source in table.sources:
        issued_total = sum(
            (r.amount for (s, _, m), r in rows.items() if s == source and m is ISSUED),
            Money.zero("RUB"),
        )
        committed_total = sum(
            (r.amount for (s, _, m), r in rows.items() if s == source and m is COMMITTED),
            Money.zero("RUB"),
        )
        assert issued_total == committed_total
        counts = {
            m: sum(r.certificates for (s, _, mm), r in rows.items() if s == source and mm is m)
            for m in (ISSUED, COMMITTED)
        }
        assert counts[ISSUED] == counts[COMMITTED]


@given(spending_tables())
def test_generated_tables_rebuild_to_themselves(table: SpendingTable) -> None:
    rebuilt = SpendingTable(
        table.as_of, table.currency, table.rows, table.by_center, table.by_source, table.total
    )
    assert rebuilt == table
    assert len(table.records()) == len(table.rows)
