"""Monitoring of certificate money: cost effectiveness (CF-08) and quality control (CF-09)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _builders import BY, T0, run
from resocialize.certificates import EMPTY_BOOK, CertificateBook, ClientStanding, Course, issue
from resocialize.errors import RuleViolation, ValidationError
from resocialize.facts import CenterStanding, CertificateStanding, ContractStanding, Facts
from resocialize.ledger import (
    FundingSource,
    Ledger,
    SourceKind,
    appropriate,
    commit,
    open_ledger,
    pay,
    totals,
)
from resocialize.money import Money, sum_money
from resocialize.monitoring import (
    DEFAULT_THRESHOLDS,
    Audit,
    AuditFinding,
    AuditKind,
    AuditOutcome,
    ComplainantRole,
    Complaint,
    ComplaintCategory,
    CostEffectiveness,
    QualityRecord,
    QualitySummary,
    QualityThresholds,
    Resolution,
    Severity,
    cost_effectiveness,
    quality_by_center,
    quality_concerns,
    quality_summary,
    resolve,
)
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Case, Event, State, identify
from resocialize.records import LabourOutcome, Origin, Referral, ReferralSource
from resocialize.testing.strategies import cost_effectiveness_rows, ledgers, quality_records

LATER = date(2028, 12, 31)
SPLIT = {"regional": 120_000, "federal": 60_000}


def rub(amount: int | str) -> Money:
    return Money.of(amount, "RUB")


# --- builders of the books, the certificates and the cases ---------------------------------


def opened_books() -> Ledger:
    books = open_ledger(
        [
            FundingSource("regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET),
            FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY),
        ],
        currency="RUB",
    )
    books = appropriate(books, "regional", 2026, rub(5_000_000), at=T0, by="fin-1", reference="l")
    return appropriate(books, "federal", 2026, rub(2_000_000), at=T0, by="fin-1", reference="s")


def book_for(certificates: Iterable[tuple[str, str]]) -> CertificateBook:
    """A book issuing each (certificate id, client id)."""
    book = EMPTY_BOOK
    for certificate_id, client_id in certificates:
        book = issue(
            book,
            certificate_id,
            ClientStanding(client_id, enrolled=True, referred=True),
            course=Course.SOCIAL_REHABILITATION,
            face_value=rub(180_000),
            split={source: rub(amount) for source, amount in SPLIT.items()},
            valid_from=date(2026, 1, 1),
            valid_until=date(2027, 12, 31),
            issuer_id="agency-1",
            at=T0,
            by="officer-1",
        )
    return book


def paid_books(payments: Iterable[tuple[str, str, int]], days: int = 1) -> Ledger:
    """Books committing each certificate once and paying (certificate, center, amount) in
    order, one payment a day from T0."""
    books = opened_books()
    at = T0
    for certificate_id, center, amount in payments:
        at += timedelta(days=days)
        if not any(t.certificate_id == certificate_id for t in books.transactions):
            split = {source: rub(n) for source, n in SPLIT.items()}
            books = commit(books, certificate_id, split, year=2026, at=at, by="agency-1")
        books = pay(books, certificate_id, center, rub(amount), at=at, by="agency-1", reference="c")
    return books


def placed_with(n: int, center: str, certificate: str | None = None) -> Facts:
    return Facts(
        certificate=CertificateStanding(
            certificate or f"cert-{n}", f"cl-{n}", date(2020, 1, 1), date(2030, 1, 1), center
        ),
        contract=ContractStanding(f"contract-{n}-{center}", f"cl-{n}", center, True),
        center=CenterStanding(center, True, True, True, 5, OwnershipForm.NON_GOVERNMENTAL),
    )


def admitted(
    n: int, center: str, certificate: str | None = None, origin: Origin = Origin.COMMUNITY
) -> Case:
    """Client ``cl-n`` admitted to ``center`` on 2026-03-07 under ``cert-n``."""
    case = identify(
        f"case-{n}",
        f"cl-{n}",
        referral=Referral(ReferralSource.SOCIAL_SERVICE, T0.date(), "dept-1"),
        origin=origin,
        at=T0,
        by=BY,
    )
    case = run(case, Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT)
    case = run(case, Event.RECORD_PROGRAM, facts=Facts(program_id="irp-1"))
    return run(case, Event.ADMIT, facts=placed_with(n, center, certificate))


def graduated(case: Case, days: int = 100) -> Case:
    return run(case, Event.COMPLETE_REHABILITATION, days=days)


def in_remission(case: Case) -> Case:
    """Stage IV completed 60 days after stage III, remission 400 days later."""
    case = run(
        case,
        Event.COMPLETE_RESOCIALIZATION,
        facts=Facts(labour_outcome=LabourOutcome.EMPLOYED),
        days=60,
    )
    return run(case, Event.ACHIEVE_REMISSION, days=400)


@pytest.fixture
def clinic() -> tuple[Ledger, CertificateBook, list[Case]]:
    """Four certificates, each split 2:1 between the regional and the federal budget.

    - cert-1: center-1 paid 150,000; completed there, then sustained remission;
    - cert-2: center-1 paid 90,000; dropped out;
    - cert-3: center-1 paid 30,000, then transferred, center-2 paid 120,000; completed
      at center-2, then sustained remission;
    - cert-4: center-2 paid 60,000; completed, then relapsed.
    """
    books = paid_books(
        [
            ("cert-1", "center-1", 150_000),
            ("cert-2", "center-1", 90_000),
            ("cert-3", "center-1", 30_000),
            ("cert-3", "center-2", 120_000),
            ("cert-4", "center-2", 60_000),
        ]
    )
    book = book_for((f"cert-{n}", f"cl-{n}") for n in range(1, 5))
    first = in_remission(graduated(admitted(1, "center-1")))
    second = run(admitted(2, "center-1"), Event.DROP_OUT, days=30)
    third = run(admitted(3, "center-1"), Event.TRANSFER, facts=placed_with(3, "center-2"), days=20)
    third = in_remission(graduated(third))
    fourth = run(graduated(admitted(4, "center-2")), Event.RELAPSE, days=30)
    assert first.state is third.state is State.SUSTAINED_REMISSION
    return books, book, [first, second, third, fourth]


Clinic = tuple[Ledger, CertificateBook, list[Case]]


def figures(row: CostEffectiveness) -> tuple[object, ...]:
    return (
        row.center,
        row.source,
        row.paid,
        row.certificates,
        row.completed_courses,
        row.sustained_remissions,
    )


# --- cost effectiveness (CF-08) ----------------------------------------------------------------


@pytest.mark.req("CF-08")
def test_cost_per_completed_course_by_center(clinic: Clinic) -> None:
    rows = cost_effectiveness(*clinic, as_of=LATER)
    assert [figures(r) for r in rows] == [
        ("center-1", None, rub(270_000), 3, 1, 2),
        ("center-2", None, rub(180_000), 2, 2, 1),
    ]
    assert [r.cost_per_completed_course for r in rows] == [rub(270_000), rub(90_000)]


@pytest.mark.req("CF-08")
def test_cost_per_sustained_remission_by_center(clinic: Clinic) -> None:
    # cert-3's remission counts at both centers it paid; cert-4 relapsed
    rows = cost_effectiveness(*clinic, as_of=LATER)
    assert [r.cost_per_sustained_remission for r in rows] == [rub(135_000), rub(180_000)]


@pytest.mark.req("CF-08")
def test_cost_per_course_and_remission_in_total_counts_each_certificate_once(
    clinic: Clinic,
) -> None:
    [row] = cost_effectiveness(*clinic, by=(), as_of=LATER)
    assert figures(row) == (None, None, rub(450_000), 4, 3, 2)
    assert row.cost_per_completed_course == rub(150_000)
    assert row.cost_per_sustained_remission == rub(225_000)


@pytest.mark.req("CF-08")
def test_cost_per_completed_course_by_source_counts_once_per_source_that_paid(
    clinic: Clinic,
) -> None:
    rows = cost_effectiveness(*clinic, by=("source",), as_of=LATER)
    assert [figures(r) for r in rows] == [
        (None, "federal", rub(150_000), 4, 3, 2),
        (None, "regional", rub(300_000), 4, 3, 2),
    ]
    assert [r.cost_per_completed_course for r in rows] == [rub(50_000), rub(100_000)]
    assert [r.cost_per_sustained_remission for r in rows] == [rub(75_000), rub(150_000)]


@pytest.mark.req("CF-08")
def test_cost_effectiveness_by_center_and_source(clinic: Clinic) -> None:
    rows = cost_effectiveness(*clinic, by=("source", "center"), as_of=LATER)
    assert [figures(r) for r in rows] == [
        ("center-1", "federal", rub(90_000), 3, 1, 2),
        ("center-1", "regional", rub(180_000), 3, 1, 2),
        ("center-2", "federal", rub(60_000), 2, 2, 1),
        ("center-2", "regional", rub(120_000), 2, 2, 1),
    ]


@pytest.mark.req("CF-08")
def test_courses_of_the_center_rows_add_up_to_the_total(clinic: Clinic) -> None:
    by_center = cost_effectiveness(*clinic, as_of=LATER)
    [total] = cost_effectiveness(*clinic, by=(), as_of=LATER)
    assert sum(r.completed_courses for r in by_center) == total.completed_courses
    assert sum_money((r.paid for r in by_center), "RUB") == total.paid


@pytest.mark.req("CF-08")
def test_nothing_after_as_of_is_read(clinic: Clinic) -> None:
    # on 2026-03-04 only cert-1 and cert-2 were paid (payments on days 1-5 after T0)
    # and nobody had completed yet
    early = cost_effectiveness(*clinic, by=(), as_of=date(2026, 3, 4))
    assert [figures(r) for r in early] == [(None, None, rub(240_000), 2, 0, 0)]
    # by the end of 2026 the courses are completed but no remission is reached yet
    [year] = cost_effectiveness(*clinic, by=(), as_of=date(2026, 12, 31))
    assert (year.completed_courses, year.sustained_remissions) == (3, 0)
    assert year.cost_per_sustained_remission is None


@pytest.mark.req("CF-08")
def test_no_payment_gives_one_zero_total_row_and_no_center_rows() -> None:
    books, book = opened_books(), EMPTY_BOOK
    [total] = cost_effectiveness(books, book, [], by=(), as_of=LATER)
    assert figures(total) == (None, None, rub(0), 0, 0, 0)
    assert total.cost_per_completed_course is None
    assert cost_effectiveness(books, book, [], as_of=LATER) == ()


@pytest.mark.req("CF-08")
def test_completion_at_a_center_the_certificate_did_not_pay_is_not_counted() -> None:
    books = paid_books([("cert-1", "center-1", 100_000)])
    case = graduated(admitted(1, "center-2"))
    [row] = cost_effectiveness(books, book_for([("cert-1", "cl-1")]), [case], as_of=LATER)
    assert figures(row) == ("center-1", None, rub(100_000), 1, 0, 0)


@pytest.mark.req("CF-08")
def test_completion_under_another_clients_certificate_is_not_counted() -> None:
    books = paid_books([("cert-1", "center-1", 100_000)])
    book = book_for([("cert-1", "cl-1")])
    stranger = graduated(admitted(2, "center-1", certificate="cert-1"))  # cl-2 under cert-1
    [row] = cost_effectiveness(books, book, [stranger], as_of=LATER)
    assert (row.certificates, row.completed_courses) == (1, 0)


@pytest.mark.req("CF-08")
def test_remission_after_a_direct_entry_to_stage_iv_is_not_credited_to_the_certificate() -> None:
    books = paid_books([("cert-1", "center-1", 100_000)])
    book = book_for([("cert-1", "cl-1")])
    # completed, relapsed, treated again, entered stage IV directly, then remission
    case = admitted(1, "center-1", origin=Origin.OUTPATIENT)
    case = run(graduated(case), Event.RELAPSE, days=10)
    case = run(case, Event.START_TREATMENT)
    case = run(case, Event.ENTER_RESOCIALIZATION)
    case = in_remission(case)
    assert case.state is State.SUSTAINED_REMISSION
    [row] = cost_effectiveness(books, book, [case], as_of=LATER)
    assert (row.completed_courses, row.sustained_remissions) == (1, 0)


@pytest.mark.req("CF-08")
def test_cases_may_be_given_by_client_id(clinic: Clinic) -> None:
    books, book, cases = clinic
    by_client = {case.client_id: case for case in cases}
    assert cost_effectiveness(books, book, by_client, as_of=LATER) == cost_effectiveness(
        books, book, cases, as_of=LATER
    )
    with pytest.raises(ValidationError) as err:
        cost_effectiveness(books, book, {"cl-9": cases[0]}, as_of=LATER)
    assert err.value.paths == ("cases['cl-9'].client_id",)


@pytest.mark.req("CF-08")
def test_cost_effectiveness_input_is_checked_with_every_path(clinic: Clinic) -> None:
    cases = clinic[2]
    with pytest.raises(ValidationError) as err:
        cost_effectiveness(
            "books",  # type: ignore[arg-type]
            {},  # type: ignore[arg-type]
            [cases[0], "case"],  # type: ignore[list-item]
            by=("center", "year", "center"),
            as_of=datetime(2026, 1, 1, tzinfo=UTC),
        )
    assert err.value.paths == ("ledger", "book", "by[1]", "by[2]", "as_of", "cases[1]")


@pytest.mark.req("CF-08")
def test_a_certificate_paid_but_missing_from_the_book_is_refused(clinic: Clinic) -> None:
    books, _, cases = clinic
    with pytest.raises(ValidationError) as err:
        cost_effectiveness(books, book_for([("cert-1", "cl-1")]), cases, as_of=LATER)
    assert err.value.paths == tuple(f"book.certificates['cert-{n}']" for n in (2, 3, 4))


@pytest.mark.req("CF-08")
def test_cost_is_rounded_half_even_to_the_minor_unit() -> None:
    day = date(2026, 1, 1)

    def cost(paid: str, courses: int) -> Money | None:
        row = CostEffectiveness(None, None, day, rub(paid), courses, courses, 0)
        return row.cost_per_completed_course

    assert cost("100.00", 3) == rub("33.33")
    assert cost("0.10", 4) == rub("0.02")  # 0.025 -> 0.02
    assert cost("0.30", 4) == rub("0.08")  # 0.075 -> 0.08
    assert cost("200.00", 3) == rub("66.67")
    assert str(cost("300000", 1)) == "300000.00 RUB"


@pytest.mark.req("CF-08")
def test_a_row_with_more_courses_than_certificates_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        CostEffectiveness("c-1", None, date(2026, 1, 1), rub(0), 1, 2, 0)
    assert err.value.paths == ("paid", "completed_courses")


def _book_of(books: Ledger) -> CertificateBook:
    ids = sorted({t.certificate_id for t in books.transactions if t.certificate_id is not None})
    return book_for((i, f"cl-{i}") for i in ids)


@pytest.mark.req("CF-08")
@settings(max_examples=40, deadline=None)
@given(ledgers(max_certificates=4), st.sampled_from([(), ("center",), ("source",)]))
def test_paid_amounts_of_any_grouping_sum_to_the_total_paid(
    books: Ledger, by: tuple[str, ...]
) -> None:
    book = _book_of(books)
    rows = cost_effectiveness(books, book, [], by=by, as_of=LATER)
    both = cost_effectiveness(books, book, [], by=("center", "source"), as_of=LATER)
    total = sum_money((r.paid for r in rows), "RUB")
    assert total == sum_money((r.paid for r in both), "RUB") == totals(books).paid
    if rows:
        assert max(r.certificates for r in rows) <= len(book.certificates)


@pytest.mark.req("CF-08")
@settings(max_examples=30, deadline=None)
@given(ledgers(max_certificates=3), st.integers(0, 40))
def test_paid_up_to_a_day_grows_with_the_day(books: Ledger, days: int) -> None:
    book = _book_of(books)
    day = T0.date() + timedelta(days=days)
    [before] = cost_effectiveness(books, book, [], by=(), as_of=day)
    [after] = cost_effectiveness(books, book, [], by=(), as_of=day + timedelta(days=5))
    assert before.paid <= after.paid <= totals(books).paid
    assert before.certificates <= after.certificates


@pytest.mark.req("CF-08")
@given(cost_effectiveness_rows())
def test_cost_times_count_is_within_one_minor_unit_per_count_of_paid(
    row: CostEffectiveness,
) -> None:
    cent = rub("0.01")
    for count, cost in (
        (row.completed_courses, row.cost_per_completed_course),
        (row.sustained_remissions, row.cost_per_sustained_remission),
    ):
        if count == 0:
            assert cost is None
            continue
        assert cost is not None
        assert cost.rounded() == cost
        assert abs(cost * count - row.paid) <= cent * count


# --- quality control (CF-09) -------------------------------------------------------------------

MARCH = date(2026, 3, 2)
START, END = date(2026, 1, 1), date(2026, 6, 30)
FIRST, LAST = date(2020, 1, 1), date(2030, 12, 31)


def complaint(
    n: int = 1,
    *,
    center: str = "center-1",
    on: date = MARCH,
    category: ComplaintCategory = ComplaintCategory.TREATMENT,
    resolution: Resolution = Resolution.OPEN,
    after: int = 10,
) -> Complaint:
    filed = Complaint(
        f"cmp-{n}",
        center,
        on,
        ComplainantRole.CLIENT,
        category,
        "sessions of the program were cancelled",
        certificate_id=f"cert-{n}",
    )
    if resolution is Resolution.OPEN:
        return filed
    return resolve(filed, resolution, on=on + timedelta(days=after))


def audit(
    n: int = 1,
    *,
    center: str = "center-1",
    on: date = date(2026, 4, 1),
    outcome: AuditOutcome = AuditOutcome.PASSED,
    severities: tuple[Severity, ...] = (),
) -> Audit:
    findings = tuple(AuditFinding(s, f"finding of {s.value} severity") for s in severities)
    return Audit(f"aud-{n}", center, on, "auditor-1", AuditKind.SCHEDULED, outcome, findings)


@pytest.mark.req("CF-09")
def test_complaint_resolved_before_filed_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        attrs.evolve(complaint(), resolution=Resolution.UPHELD, resolved_on=date(2026, 3, 1))
    assert err.value.paths == ("resolved_on",)
    with pytest.raises(ValidationError) as err:
        resolve(complaint(), Resolution.UPHELD, on=date(2026, 3, 1))
    assert err.value.paths == ("on",)


@pytest.mark.req("CF-09")
def test_complaint_resolution_and_its_day_go_together() -> None:
    with pytest.raises(ValidationError, match="open complaint has no day"):
        attrs.evolve(complaint(), resolved_on=date(2026, 3, 5))
    with pytest.raises(ValidationError, match="complaint upheld needs the day"):
        attrs.evolve(complaint(), resolution=Resolution.UPHELD)


@pytest.mark.req("CF-09")
def test_complaint_is_resolved_once() -> None:
    upheld = complaint(resolution=Resolution.UPHELD)
    assert (upheld.resolution, upheld.resolved_on) == (Resolution.UPHELD, date(2026, 3, 12))
    with pytest.raises(RuleViolation) as err:
        resolve(upheld, Resolution.REJECTED, on=date(2026, 4, 1))
    assert err.value.codes == ("quality.complaint_resolved",)
    with pytest.raises(ValidationError) as bad:
        resolve(complaint(), Resolution.OPEN, on=date(2026, 4, 1))
    assert bad.value.paths == ("resolution",)


@pytest.mark.req("CF-09")
@pytest.mark.parametrize(
    "summary",
    [
        "call me at 89161234567",
        "passport 4510 123456 kept by staff",
        "write to ivan@example.org",
        "first line\nsecond line",
        "x" * 281,
        "   ",
    ],
)
def test_complaint_summary_that_may_identify_a_person_is_refused(summary: str) -> None:
    with pytest.raises(ValidationError) as err:
        attrs.evolve(complaint(), summary=summary)
    assert err.value.paths == ("summary",)


@pytest.mark.req("CF-09")
def test_complaint_enums_are_checked() -> None:
    with pytest.raises(ValidationError) as err:
        Complaint("c-1", "center-1", MARCH, "client", "billing", "text")  # type: ignore[arg-type]
    assert err.value.paths == ("filed_by", "category")


@pytest.mark.req("CF-09")
def test_audit_findings_must_agree_with_its_outcome() -> None:
    with pytest.raises(ValidationError, match="passed audit has no findings"):
        audit(severities=(Severity.MINOR,))
    with pytest.raises(ValidationError, match="at least one finding"):
        audit(outcome=AuditOutcome.PASSED_WITH_REMARKS)
    with pytest.raises(ValidationError, match="critical finding does not pass"):
        audit(outcome=AuditOutcome.PASSED_WITH_REMARKS, severities=(Severity.CRITICAL,))
    failed = audit(outcome=AuditOutcome.FAILED, severities=(Severity.CRITICAL, Severity.MAJOR))
    assert failed.critical_findings == 1


@pytest.mark.req("CF-09")
def test_quality_summary_counts_complaints_by_category_and_resolution_and_audits() -> None:
    records: list[QualityRecord] = [
        complaint(1, category=ComplaintCategory.BILLING, resolution=Resolution.UPHELD),
        complaint(2, category=ComplaintCategory.RIGHTS, resolution=Resolution.REJECTED),
        complaint(3, category=ComplaintCategory.RIGHTS),
        complaint(4, on=date(2026, 7, 1)),  # after the period
        complaint(5, center="center-2"),
        audit(1),
        audit(2, on=date(2026, 5, 5), outcome=AuditOutcome.FAILED, severities=(Severity.CRITICAL,)),
        audit(3, on=date(2025, 12, 1), outcome=AuditOutcome.FAILED),  # before the period
    ]
    summary = quality_summary(records, center_id="center-1", start=START, end=END)
    assert summary.complaints == 3
    assert dict(summary.complaints_by_resolution) == {
        Resolution.OPEN: 1,
        Resolution.UPHELD: 1,
        Resolution.REJECTED: 1,
    }
    assert summary.complaints_by_category[ComplaintCategory.RIGHTS] == 2
    assert (summary.billing_complaints, summary.upheld_billing_complaints) == (1, 1)
    assert (summary.audits, summary.audits_passed, summary.audits_failed) == (2, 1, 1)
    assert (summary.critical_findings, summary.last_audit_on) == (1, date(2026, 5, 5))
    assert quality_summary(records, start=START, end=END).complaints == 4  # every center


@pytest.mark.req("CF-09")
def test_a_complaint_resolved_after_as_of_counts_as_open() -> None:
    late = complaint(resolution=Resolution.UPHELD, after=200)  # upheld on 2026-09-18
    assert quality_summary([late], start=START, end=END).complaints_open == 1
    assert (
        quality_summary([late], start=START, end=END, as_of=date(2026, 12, 31)).complaints_upheld
        == 1
    )


@pytest.mark.req("CF-09")
def test_quality_summary_without_audits_has_no_last_audit() -> None:
    summary = quality_summary([complaint()], start=START, end=END)
    assert (summary.audits, summary.last_audit_on) == (0, None)
    with pytest.raises(ValidationError):
        QualitySummary(None, MARCH, MARCH, MARCH, last_audit_on=MARCH)


@pytest.mark.req("CF-09")
def test_quality_concerns_name_failed_audits_and_critical_findings() -> None:
    records: list[QualityRecord] = [
        audit(1, outcome=AuditOutcome.FAILED, severities=(Severity.CRITICAL, Severity.CRITICAL)),
        audit(2, center="center-2", outcome=AuditOutcome.FAILED, severities=(Severity.MAJOR,)),
        audit(
            3,
            center="center-3",
            outcome=AuditOutcome.PASSED_WITH_REMARKS,
            severities=(Severity.MINOR,),
        ),
    ]
    reasons = quality_concerns(records, start=START, end=END)
    assert [(r.code, r.details["center"]) for r in reasons] == [
        ("quality.failed_audit", "center-1"),
        ("quality.critical_finding", "center-1"),
        ("quality.failed_audit", "center-2"),
    ]
    assert reasons[1].details["count"] == 2
    assert "failed the scheduled audit 'aud-1' of 2026-04-01" in reasons[0].message


@pytest.mark.req("CF-09")
def test_quality_concern_when_upheld_complaints_are_above_the_threshold() -> None:
    upheld = [complaint(n, resolution=Resolution.UPHELD) for n in range(1, 4)]
    assert (
        quality_concerns(upheld[:2], start=START, end=END) == ()
    )  # 2 is the default threshold, not above
    [reason] = quality_concerns(upheld, start=START, end=END)
    assert reason.code == "quality.upheld_complaints"
    assert dict(reason.details) == {
        "center": "center-1",
        "count": 3,
        "threshold": 2,
        "start": "2026-01-01",
        "end": "2026-06-30",
    }
    strict = QualityThresholds(max_upheld_complaints=0)
    assert [
        r.code for r in quality_concerns(upheld[:1], start=START, end=END, thresholds=strict)
    ] == ["quality.upheld_complaints"]


@pytest.mark.req("CF-09")
def test_quality_concern_for_each_upheld_billing_complaint() -> None:
    records: list[QualityRecord] = [
        complaint(1, category=ComplaintCategory.BILLING, resolution=Resolution.UPHELD),
        complaint(2, category=ComplaintCategory.BILLING, resolution=Resolution.REJECTED),
    ]
    [reason] = quality_concerns(records, start=START, end=END)
    assert reason.code == "quality.billing_complaint_upheld"
    assert reason.details["certificate"] == "cert-1"
    assert "check the payments of certificate 'cert-1'" in reason.message


@pytest.mark.req("CF-09")
def test_quality_concern_for_a_complaint_left_unanswered() -> None:
    records = [complaint(1, on=date(2026, 6, 1)), complaint(2, on=date(2026, 5, 1))]
    [reason] = quality_concerns(
        records, start=START, end=END
    )  # 60 days open on 2026-06-30; 29 days is fine
    assert reason.code == "quality.complaint_unanswered"
    assert (reason.details["complaint"], reason.details["days"]) == ("cmp-2", 60)
    assert DEFAULT_THRESHOLDS.max_open_days == 30


@pytest.mark.req("CF-09")
def test_quality_concerns_of_one_center() -> None:
    records = [
        audit(1, outcome=AuditOutcome.FAILED),
        audit(2, center="center-2", outcome=AuditOutcome.FAILED),
    ]
    reasons = quality_concerns(records, start=START, end=END, center_id="center-2")
    assert [r.details["audit"] for r in reasons] == ["aud-2"]


@pytest.mark.req("CF-09")
def test_quality_input_is_checked_with_every_path() -> None:
    with pytest.raises(ValidationError) as err:
        quality_summary(
            [complaint(), "complaint"],  # type: ignore[list-item]
            start=date(2026, 6, 1),
            end=date(2026, 1, 1),
            center_id="center 1",
        )
    assert err.value.paths == ("center_id", "end", "records[1]")
    with pytest.raises(ValidationError) as err:
        quality_concerns(
            [],
            start=date(2026, 1, 1),
            end=date(2026, 6, 1),
            as_of=date(2026, 5, 1),
            thresholds=3,  # type: ignore[arg-type]
        )
    assert err.value.paths == ("as_of", "thresholds")
    with pytest.raises(ValidationError):
        QualityThresholds(max_upheld_complaints=-1)


_SUMMED = [f.name for f in attrs.fields(QualitySummary) if f.type in ("int", int)]


@pytest.mark.req("CF-09")
@settings(max_examples=60, deadline=None)
@given(quality_records(max_size=20), st.integers(0, 4000), st.integers(0, 4000))
def test_quality_summaries_over_a_period_split_at_any_date_add_up(
    records: list[QualityRecord], length: int, cut: int
) -> None:
    start = date(2020, 1, 1)
    end = start + timedelta(days=length)
    split = start + timedelta(days=min(cut, length))
    as_of = date(2031, 1, 1)
    whole = quality_summary(records, start=start, end=end, as_of=as_of)
    first = quality_summary(records, start=start, end=split, as_of=as_of)
    parts = [first]
    if split < end:
        parts.append(
            quality_summary(records, start=split + timedelta(days=1), end=end, as_of=as_of)
        )
    for name in _SUMMED:
        assert getattr(whole, name) == sum(getattr(p, name) for p in parts), name
    lasts = [p.last_audit_on for p in parts if p.last_audit_on is not None]
    assert whole.last_audit_on == (max(lasts) if lasts else None)


@pytest.mark.req("CF-09")
@settings(max_examples=40, deadline=None)
@given(quality_records(max_size=20))
def test_summaries_by_center_add_up_to_the_summary_of_all(records: list[QualityRecord]) -> None:
    whole = quality_summary(records, start=FIRST, end=LAST)
    by_center = quality_by_center(records, start=FIRST, end=LAST)
    assert set(by_center) == {r.center_id for r in records}
    for name in _SUMMED:
        assert getattr(whole, name) == sum(getattr(s, name) for s in by_center.values())
    for center, summary in by_center.items():
        assert summary == quality_summary(records, start=FIRST, end=LAST, center_id=center)


@pytest.mark.req("CF-09")
@settings(max_examples=40, deadline=None)
@given(quality_records(max_size=20))
def test_every_failed_audit_and_upheld_billing_complaint_is_a_concern(
    records: list[QualityRecord],
) -> None:
    codes = [r.code for r in quality_concerns(records, start=FIRST, end=LAST)]
    summary = quality_summary(records, start=FIRST, end=LAST)
    assert codes.count("quality.failed_audit") == summary.audits_failed
    assert codes.count("quality.billing_complaint_upheld") == summary.upheld_billing_complaints
    critical = sum(1 for r in records if isinstance(r, Audit) and r.critical_findings)
    assert codes.count("quality.critical_finding") == critical
