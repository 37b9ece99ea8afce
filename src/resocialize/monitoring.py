"""Monitoring of certificate money: cost effectiveness (CF-08) and quality control (CF-09).

**Cost effectiveness (CF-08).** :func:`cost_effectiveness` sets what the ledger
paid for certificates against what those certificates achieved, in tidy
:class:`CostEffectiveness` rows grouped by center, by funding source, by both,
or in total. Everything is read up to ``as_of`` (the date of a transaction or a
history entry in its own UTC offset); later entries are not read.

- **Paid** is the money of the ledger's PAID postings booked on or before
  ``as_of``. Every payment is already split by source in the ledger, so the paid
  amounts of the groups add up exactly to the total.
- **Certificates** of a group: those with money paid in the group.
- **A completed course** is a ``complete_rehabilitation`` (the client graduates
  from stage III) recorded in a case of the certificate's holder while the
  client was placed with a center under *that* certificate (the
  :class:`~resocialize.records.Placement` of the stay's ``admit`` or
  ``transfer`` names the certificate and the center), and the certificate paid
  that center. A certificate pays for one course, so it counts at most one
  completed course: the first. The course counts for the center it was
  completed at, and for each source whose money paid *that* center for the
  certificate. Money paid to a center the client left (a transfer, a dropout)
  stays in that center's cost with no course to show for it.
- **A sustained remission** is an ``achieve_remission`` that follows the
  certificate's completed course in the same case (stage III completed, then
  stages IV and V, with no new admission or direct entry into stage IV in
  between). Remission is the outcome of the whole course, so it counts once for
  *every* center the certificate paid and once for every source that paid.
- **A certificate counts once in each group it paid in**, never pro rata: so the
  certificates, courses and remissions of the center (or source) rows may add up
  to more than the total row, which counts each certificate once. Every course
  of the by-center rows is counted at exactly one center, so those add up.
- **Costs**: :attr:`CostEffectiveness.cost_per_completed_course` is the group's
  paid money divided by its completed courses, and
  :attr:`CostEffectiveness.cost_per_sustained_remission` by its remissions, each
  rounded half-even to the currency's minor unit from the exact quotient, or
  ``None`` when there is nothing to divide by. Money is never a float.

>>> from datetime import date, datetime, timedelta, timezone
>>> from resocialize.certificates import EMPTY_BOOK, ClientStanding, Course, issue
>>> from resocialize.facts import CenterStanding, CertificateStanding, ContractStanding, Facts
>>> from resocialize.ledger import FundingSource, SourceKind, appropriate, commit, open_ledger, pay
>>> from resocialize.money import Money
>>> from resocialize.organizations import OwnershipForm
>>> from resocialize.pathway import Event, advance, identify
>>> from resocialize.records import Origin, Referral, ReferralSource
>>> at = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)
>>> rub = lambda n: Money.of(n, "RUB")
>>> split = {"regional": rub(120_000), "federal": rub(60_000)}
>>> books = open_ledger(
...     [FundingSource("regional", "Regional program", SourceKind.REGIONAL_BUDGET),
...      FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY)],
...     currency="RUB",
... )
>>> books = appropriate(books, "regional", 2026, rub(900_000), at=at, by="fin-1", reference="l-1")
>>> books = appropriate(books, "federal", 2026, rub(300_000), at=at, by="fin-1", reference="s-1")
>>> book = EMPTY_BOOK
>>> def admitted(n):
...     global book, books
...     book = issue(book, f"cert-{n}", ClientStanding(f"cl-{n}", True, True),
...                  course=Course.SOCIAL_REHABILITATION, face_value=rub(180_000), split=split,
...                  valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31),
...                  issuer_id="agency-1", at=at, by="officer-1")
...     books = commit(books, f"cert-{n}", split, year=2026, at=at, by="agency-1")
...     books = pay(books, f"cert-{n}", "center-1", rub(150_000), at=at, by="agency-1",
...                 reference=f"claim-{n}")
...     case = identify(f"case-{n}", f"cl-{n}", origin=Origin.COMMUNITY, at=at, by="officer-1",
...                     referral=Referral(ReferralSource.SELF, at.date(), "dept-1"))
...     for event in (Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT):
...         case = advance(case, event, at=at, by="officer-1").case
...     case = advance(case, Event.RECORD_PROGRAM, at=at, by="officer-1",
...                    facts=Facts(program_id="irp-1")).case
...     facts = Facts(
...         certificate=CertificateStanding(f"cert-{n}", f"cl-{n}", date(2026, 1, 1),
...                                         date(2026, 12, 31), "center-1"),
...         contract=ContractStanding(f"contract-{n}", f"cl-{n}", "center-1", True),
...         center=CenterStanding("center-1", True, True, True, 5, OwnershipForm.STATE),
...     )
...     return advance(case, Event.ADMIT, at=at, by="officer-1", facts=facts).case
>>> graduate = advance(admitted(1), Event.COMPLETE_REHABILITATION,
...                    at=at + timedelta(days=120), by="center-1").case
>>> dropout = advance(admitted(2), Event.DROP_OUT, at=at + timedelta(days=30), by="center-1").case
>>> [row] = cost_effectiveness(books, book, [graduate, dropout], as_of=date(2026, 12, 31))
>>> row.center, row.certificates, row.completed_courses, row.sustained_remissions
('center-1', 2, 1, 0)
>>> print(row.paid, row.cost_per_completed_course, row.cost_per_sustained_remission)
300000.00 RUB 300000.00 RUB None
>>> for row in cost_effectiveness(books, book, [graduate, dropout], by=("source",),
...                               as_of=date(2026, 12, 31)):
...     print(row.source, row.paid, row.completed_courses, row.cost_per_completed_course)
federal 100000.00 RUB 1 100000.00 RUB
regional 200000.00 RUB 1 200000.00 RUB

**Quality control (CF-09).** The agency records :class:`Complaint` values (who
filed, about what, a short summary, how it was resolved) and :class:`Audit`
values (scheduled, unscheduled or billing audits with their findings and
outcome) about the centers it pays by certificates. :func:`quality_summary`
counts them over a period; :func:`quality_concerns` names, as
:class:`~resocialize.rules.Reason` values, the conditions the agency acts on.
Like effectiveness, a summary follows a cohort: the complaints *filed* and the
audits *held* in ``[start, end]``, with resolutions as known on ``as_of``
(default ``end``): a complaint resolved after ``as_of`` is still open.

>>> complaint = Complaint("cmp-1", "center-1", date(2026, 3, 2), ComplainantRole.CO_DEPENDENT,
...                       ComplaintCategory.BILLING, "charged for days the client was away",
...                       certificate_id="cert-1")
>>> complaint = resolve(complaint, Resolution.UPHELD, on=date(2026, 3, 20))
>>> audit = Audit("aud-1", "center-1", date(2026, 4, 1), "auditor-1", AuditKind.BILLING,
...               AuditOutcome.FAILED, (AuditFinding(Severity.CRITICAL, "no attendance log"),))
>>> summary = quality_summary([complaint, audit], start=date(2026, 1, 1), end=date(2026, 6, 30))
>>> summary.complaints, summary.complaints_upheld, summary.audits_failed, summary.last_audit_on
(1, 1, 1, datetime.date(2026, 4, 1))
>>> [r.code for r in quality_concerns([complaint, audit], start=date(2026, 1, 1),
...                                   end=date(2026, 6, 30))]
['quality.failed_audit', 'quality.critical_finding', 'quality.billing_complaint_upheld']
"""

from __future__ import annotations

import decimal
import enum
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

import attrs

from ._checks import (
    Checked,
    Problems,
    checked,
    count_problem,
    date_problem,
    id_problem,
    instance_problem,
    member_problem,
    optional,
    text_problem,
)
from .certificates import CertificateBook
from .errors import FieldProblem, RuleViolation, ValidationError
from .ledger import AccountKind, Ledger, Movement
from .money import Money, minor_units, whole_amount_problem
from .pathway import Case, Event
from .records import Placement
from .rules import Reason

__all__ = [
    "COST_DIMENSIONS",
    "DEFAULT_THRESHOLDS",
    "MAX_FINDING_LENGTH",
    "MAX_SUMMARY_LENGTH",
    "Audit",
    "AuditFinding",
    "AuditKind",
    "AuditOutcome",
    "ComplainantRole",
    "Complaint",
    "ComplaintCategory",
    "CostEffectiveness",
    "QualitySummary",
    "QualityThresholds",
    "Resolution",
    "Severity",
    "cost_effectiveness",
    "quality_by_center",
    "quality_concerns",
    "quality_summary",
    "resolve",
]

COST_DIMENSIONS: Final = ("center", "source")
"""What :func:`cost_effectiveness` can group by; ``by=()`` gives one total row."""

# Sums of amounts in whole minor units; adding them must never round.
_EXACT: Final = decimal.Context(
    prec=100,
    traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Overflow, decimal.DivisionByZero],
)
_ZERO: Final = Decimal(0)


_COUNT: Final = checked(count_problem)


def _per(amount: Money, count: int) -> Money | None:
    """``amount / count`` rounded half-even to the minor unit from the exact quotient."""
    if not count:
        return None
    places = minor_units(amount.currency)
    units = int(amount.amount.scaleb(places))  # exact: the amount is in whole minor units
    quotient, remainder = divmod(units, count)
    if 2 * remainder > count or (2 * remainder == count and quotient % 2):
        quotient += 1
    return Money(Decimal(quotient).scaleb(-places), amount.currency).rounded()


# --- cost effectiveness (CF-08) -----------------------------------------------------------------


@attrs.frozen
class CostEffectiveness(Checked):
    """One group of :func:`cost_effectiveness`: the money paid and what it achieved by ``as_of``.

    ``center`` and ``source`` name the group; a dimension not grouped by is ``None``.
    """

    center: str | None = attrs.field(metadata=checked(optional(id_problem)))
    source: str | None = attrs.field(metadata=checked(optional(id_problem)))
    as_of: date = attrs.field(metadata=checked(date_problem))
    paid: Money = attrs.field(metadata=checked(whole_amount_problem))
    """Paid in the group (PAID postings booked on or before ``as_of``)."""
    certificates: int = attrs.field(default=0, metadata=_COUNT)
    """Certificates with money paid in the group."""
    completed_courses: int = attrs.field(default=0, metadata=_COUNT)
    """Of those, the certificates whose course was completed at a center paid in the group."""
    sustained_remissions: int = attrs.field(default=0, metadata=_COUNT)
    """Of those, the certificates whose completed course was followed by sustained remission."""

    def _more_problems(self, problems: Problems) -> None:
        if self.certificates and not self.paid.is_positive:
            problems.add("paid", f"must be above zero for {self.certificates} certificates paid")
        if not self.certificates and self.paid.is_positive:
            problems.add("certificates", f"must be at least 1 when {self.paid} is paid")
        for part in ("completed_courses", "sustained_remissions"):
            if getattr(self, part) > self.certificates:
                problems.add(part, "must not be more than certificates")

    @property
    def cost_per_completed_course(self) -> Money | None:
        """Paid / completed courses, rounded half-even to the minor unit; ``None`` for none."""
        return _per(self.paid, self.completed_courses)

    @property
    def cost_per_sustained_remission(self) -> Money | None:
        """Paid / sustained remissions, rounded half-even to the minor unit; ``None`` for none."""
        return _per(self.paid, self.sustained_remissions)


def _by_problems(by: object) -> list[FieldProblem]:
    choices = ", ".join(COST_DIMENSIONS)
    if isinstance(by, str) or not isinstance(by, tuple | list):
        return [FieldProblem("by", f"must be a tuple of some of {choices}")]
    out: list[FieldProblem] = []
    for i, item in enumerate(by):
        if item not in COST_DIMENSIONS:
            out.append(FieldProblem(f"by[{i}]", f"must be one of {choices}, not {item!r}"))
        elif item in by[:i]:
            out.append(FieldProblem(f"by[{i}]", f"{item!r} is listed twice"))
    return out


def _case_list(cases: object, problems: list[FieldProblem]) -> list[tuple[str, Case]]:
    """The cases with the path of each: a mapping of client id to case, or an iterable."""
    if isinstance(cases, Mapping):
        out: list[tuple[str, Case]] = []
        for key, case in cases.items():
            path = f"cases[{key!r}]"
            if type(case) is not Case:
                problems.append(FieldProblem(path, f"must be a Case, not {type(case).__name__}"))
            elif case.client_id != key:
                problems.append(
                    FieldProblem(f"{path}.client_id", f"must be {key!r}, not {case.client_id!r}")
                )
            else:
                out.append((path, case))
        return out
    if isinstance(cases, str | bytes) or not isinstance(cases, Iterable):
        problems.append(
            FieldProblem("cases", "must be an iterable of Case or a mapping of client id to Case")
        )
        return []
    out = []
    for i, case in enumerate(cases):
        if type(case) is not Case:
            problems.append(
                FieldProblem(f"cases[{i}]", f"must be a Case, not {type(case).__name__}")
            )
        else:
            out.append((f"cases[{i}]", case))
    return out


_Paid = dict[str, dict[tuple[str, str], Decimal]]
"""Per certificate: the money paid by (center, source)."""


def _paid_by_certificate(ledger: Ledger, as_of: date) -> _Paid:
    """The PAID postings of the payments booked on or before ``as_of``, by certificate."""
    paid: _Paid = {}
    for txn in itertools.chain.from_iterable(ledger.pages):
        if txn.movement is not Movement.PAYMENT or txn.at.date() > as_of:
            continue
        for posting in txn.postings:
            account = posting.into
            if (
                account.kind is not AccountKind.PAID
                or account.certificate_id is None
                or account.center_id is None
            ):
                continue
            parts = paid.setdefault(account.certificate_id, {})
            key = (account.center_id, account.source_id)
            parts[key] = _EXACT.add(parts.get(key, _ZERO), posting.amount.amount)
    return paid


# the events that end a stay at a center without completing it, or leave stages IV and V
_ENDS: Final = frozenset(
    {Event.DROP_OUT, Event.WITHDRAW_CONSENT, Event.RELAPSE, Event.DETAIN}
    | {Event.MOVE_AWAY, Event.RECORD_DEATH}
)
_READ: Final = _ENDS | {
    Event.ADMIT,
    Event.TRANSFER,
    Event.COMPLETE_REHABILITATION,
    Event.ENTER_RESOCIALIZATION,
    Event.ACHIEVE_REMISSION,
}


def _outcomes(
    cases: Sequence[tuple[str, Case]],
    holders: Mapping[str, str],
    as_of: date,
    problems: list[FieldProblem],
) -> tuple[dict[str, str], set[str]]:
    """The completed courses (certificate -> center) and the certificates with remission."""
    completions: dict[str, str] = {}
    remissions: set[str] = set()
    for path, case in cases:
        placement: Placement | None = None  # the open stay
        course: str | None = None  # the certificate whose completed course led to stage IV/V
        for j, entry in enumerate(case.history):
            event = entry.event
            if event not in _READ:
                continue
            if entry.at.date() > as_of:
                break
            if event is Event.ADMIT or event is Event.TRANSFER:
                record = entry.record
                if type(record) is not Placement:
                    problems.append(
                        FieldProblem(
                            f"{path}.history[{j}].record",
                            f"event {event.value} must record a Placement, not {record!r}",
                        )
                    )
                    break
                placement = record
                course = None
            elif event is Event.COMPLETE_REHABILITATION:
                course = None
                if placement is not None and holders.get(placement.certificate_id) == (
                    case.client_id
                ):
                    course = placement.certificate_id
                    completions.setdefault(course, placement.center_id)
                placement = None
            elif event is Event.ACHIEVE_REMISSION:
                if course is not None:
                    remissions.add(course)
                course = None
            else:  # a stay ends, or stage IV is entered without a course: no course to credit
                placement = None
                course = None
    return completions, remissions


def cost_effectiveness(
    ledger: Ledger,
    book: CertificateBook,
    cases: Iterable[Case] | Mapping[str, Case],
    *,
    as_of: date,
    by: Sequence[str] = ("center",),
) -> tuple[CostEffectiveness, ...]:
    """The money paid for certificates and what it achieved, by the dimensions of ``by`` (CF-08).

    ``by`` is some of :data:`COST_DIMENSIONS` (``center``, ``source``); ``()`` gives
    one total row. ``book`` tells the holder of every certificate paid, ``cases``
    (an iterable of cases, or a mapping of client id to case) their histories.
    Rows are sorted by their group and only groups with money paid are listed,
    but ``by=()`` always gives one row. See the module's docstring for what is
    counted and where.

    Raises :class:`~resocialize.errors.ValidationError` listing every bad argument,
    every case that is not a :class:`~resocialize.pathway.Case` (or is filed under
    another client's id), every admission with no
    :class:`~resocialize.records.Placement`, and every certificate paid that the
    book does not hold.
    """
    problems: list[FieldProblem] = []
    if not isinstance(ledger, Ledger):
        problems.append(FieldProblem("ledger", f"must be a Ledger, not {type(ledger).__name__}"))
    if not isinstance(book, CertificateBook):
        problems.append(
            FieldProblem("book", f"must be a CertificateBook, not {type(book).__name__}")
        )
    problems += _by_problems(by)
    message = date_problem(as_of)
    if message is not None:
        problems.append(FieldProblem("as_of", message))
    listed = _case_list(cases, problems)
    if problems:
        raise ValidationError(problems)
    paid = _paid_by_certificate(ledger, as_of)
    holders: dict[str, str] = {}
    for certificate_id in sorted(paid):
        certificate = book.certificates.get(certificate_id)
        if certificate is None:
            problems.append(
                FieldProblem(
                    f"book.certificates[{certificate_id!r}]",
                    "is missing: the ledger paid this certificate",
                )
            )
        else:
            holders[certificate_id] = certificate.client_id
    completions, remissions = _outcomes(listed, holders, as_of, problems)
    if problems:
        raise ValidationError(problems)

    by_center, by_source = "center" in by, "source" in by

    def group(center: str, source: str) -> tuple[str | None, str | None]:
        return (center if by_center else None, source if by_source else None)

    sums: dict[tuple[str | None, str | None], Decimal] = {}
    counted: dict[tuple[str | None, str | None], tuple[set[str], set[str], set[str]]] = {}
    for certificate_id, parts in paid.items():
        completed_at = completions.get(certificate_id)
        remitted = certificate_id in remissions
        for (center, source), amount in parts.items():
            key = group(center, source)
            sums[key] = _EXACT.add(sums.get(key, _ZERO), amount)
            certificates, courses, remission = counted.setdefault(key, (set(), set(), set()))
            certificates.add(certificate_id)
            if center == completed_at:
                courses.add(certificate_id)
            if remitted:
                remission.add(certificate_id)
    if not by and not sums:
        sums[(None, None)] = _ZERO
        counted[(None, None)] = (set(), set(), set())
    currency = ledger.currency
    return tuple(
        CostEffectiveness(
            key[0],
            key[1],
            as_of,
            Money(sums[key], currency).rounded(),
            *(len(ids) for ids in counted[key]),
        )
        for key in sorted(sums, key=lambda k: tuple((v is not None, v or "") for v in k))
    )


# --- quality control (CF-09) --------------------------------------------------------------------


class ComplainantRole(enum.StrEnum):
    """Who filed a complaint."""

    CLIENT = "client"
    CO_DEPENDENT = "co_dependent"
    """A relative or other close person of the client."""
    STAFF = "staff"
    """Someone working at the center."""
    AGENCY = "agency"
    """The agency itself (its officers, the patronage service)."""
    OTHER = "other"


class ComplaintCategory(enum.StrEnum):
    """What a complaint is about."""

    TREATMENT = "treatment"
    """The services: the program, its staff, its quality."""
    RIGHTS = "rights"
    """Violations of the client's rights (coercion, confinement, abuse)."""
    CONDITIONS = "conditions"
    """Living conditions: housing, food, safety, sanitation."""
    BILLING = "billing"
    """Money: services charged and not given, extra charges to the client or family."""
    OTHER = "other"


class Resolution(enum.StrEnum):
    """How a complaint stands."""

    OPEN = "open"
    UPHELD = "upheld"
    """Found to be justified."""
    REJECTED = "rejected"
    """Found not to be justified."""


class AuditKind(enum.StrEnum):
    """Why an audit was held."""

    SCHEDULED = "scheduled"
    UNSCHEDULED = "unscheduled"
    """Held on a complaint or a signal."""
    BILLING = "billing"
    """A check of the services billed against the certificates."""


class Severity(enum.StrEnum):
    """How serious an audit finding is."""

    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    """A threat to clients' health, safety or rights, or a misuse of funds: act now."""


class AuditOutcome(enum.StrEnum):
    """The verdict of an audit."""

    PASSED = "passed"
    """No findings."""
    PASSED_WITH_REMARKS = "passed_with_remarks"
    """Findings, none critical, to be remedied."""
    FAILED = "failed"


MAX_SUMMARY_LENGTH: Final = 280
"""The longest complaint summary, in characters: a short statement of the matter."""

MAX_FINDING_LENGTH: Final = 1000
"""The longest text of an audit finding, in characters."""

_NUMBER: Final = re.compile(r"\d{6,}")
_EMAIL: Final = re.compile(r"\S@\S")


def _short_text(limit: int) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        message = text_problem(value)
        if message is not None:
            return message
        assert isinstance(value, str)
        if len(value) > limit:
            return f"must be at most {limit} characters, not {len(value)}"
        if "\n" in value or "\r" in value:
            return "must be one line"
        if _NUMBER.search(value):
            return (
                "must not hold a number of 6 or more digits: a document, phone or account "
                "number identifies a person"
            )
        if _EMAIL.search(value):
            return "must not hold an e-mail address: it identifies a person"
        return None

    return check


_summary_problem: Final = _short_text(MAX_SUMMARY_LENGTH)
_finding_problem: Final = _short_text(MAX_FINDING_LENGTH)


@attrs.frozen
class Complaint(Checked):
    """A complaint about the services of a center paid by certificates, and its resolution.

    ``summary`` is a short one-line statement of the matter (at most
    :data:`MAX_SUMMARY_LENGTH` characters), **never identifying data**: no names,
    no document, phone or account numbers, no addresses. The complaint is linked
    to the client only through ``certificate_id``, when it concerns one
    certificate; who filed it is kept as a role. As a guard against the obvious,
    a summary with a number of 6 or more digits, an e-mail address or a line
    break is refused; that cannot catch a name, so the rule stays the author's.

    ``resolution`` is open until the complaint is upheld or rejected on
    ``resolved_on``, which is not before ``filed_on``; :func:`resolve` resolves one.

    >>> Complaint("cmp-1", "center-1", date(2026, 3, 2), ComplainantRole.CLIENT,
    ...           ComplaintCategory.RIGHTS, "call me at 89161234567",
    ...           resolution=Resolution.REJECTED, resolved_on=date(2026, 3, 1))
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: summary: must not hold a number of 6 or
    more digits: a document, phone or account number identifies a person
    """

    id: str = attrs.field(metadata=checked(id_problem))
    center_id: str = attrs.field(metadata=checked(id_problem))
    filed_on: date = attrs.field(metadata=checked(date_problem))
    filed_by: ComplainantRole = attrs.field(metadata=checked(member_problem(ComplainantRole)))
    category: ComplaintCategory = attrs.field(metadata=checked(member_problem(ComplaintCategory)))
    summary: str = attrs.field(metadata=checked(_summary_problem))
    certificate_id: str | None = attrs.field(default=None, metadata=checked(optional(id_problem)))
    resolution: Resolution = attrs.field(
        default=Resolution.OPEN, metadata=checked(member_problem(Resolution))
    )
    resolved_on: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))

    def _more_problems(self, problems: Problems) -> None:
        if self.resolution is Resolution.OPEN and self.resolved_on is not None:
            problems.add("resolved_on", "an open complaint has no day of resolution")
        if self.resolution is not Resolution.OPEN and self.resolved_on is None:
            problems.add("resolved_on", f"a complaint {self.resolution.value} needs the day")
        if self.resolved_on is not None and self.resolved_on < self.filed_on:
            problems.add(
                "resolved_on", f"{self.resolved_on} is before the filing on {self.filed_on}"
            )

    def resolution_on(self, day: date) -> Resolution:
        """The resolution as known on ``day``: open until the day it was resolved."""
        if self.resolved_on is None or self.resolved_on > day:
            return Resolution.OPEN
        return self.resolution


def resolve(complaint: Complaint, resolution: Resolution, *, on: date) -> Complaint:
    """The complaint upheld or rejected ``on`` a day not before it was filed.

    Refused with ``quality.complaint_resolved`` for a complaint already resolved;
    a resolution of ``open`` or a day before the filing is bad input.
    """
    problems = Problems()
    problems.check("complaint", instance_problem(Complaint)(complaint))
    problems.check("resolution", member_problem(Resolution)(resolution))
    if resolution is Resolution.OPEN:
        problems.add("resolution", "must be upheld or rejected")
    problems.check("on", date_problem(on))
    problems.raise_if_any()
    if complaint.resolution is not Resolution.OPEN:
        raise RuleViolation(
            [
                Reason(
                    "quality.complaint_resolved",
                    f"the complaint {complaint.id!r} was already {complaint.resolution.value} "
                    f"on {complaint.resolved_on}",
                    {"complaint": complaint.id, "resolution": complaint.resolution.value},
                )
            ]
        )
    try:
        return attrs.evolve(complaint, resolution=resolution, resolved_on=on)
    except ValidationError as error:
        raise ValidationError(
            FieldProblem("on", p.message) if p.path == "resolved_on" else p for p in error.problems
        ) from None


@attrs.frozen
class AuditFinding(Checked):
    """One finding of an audit: its severity and a one-line text (no identifying data)."""

    severity: Severity = attrs.field(metadata=checked(member_problem(Severity)))
    text: str = attrs.field(metadata=checked(_finding_problem))


def _findings(value: object) -> object:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def _findings_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return f"must be a tuple of AuditFinding, not {type(value).__name__}"
    for i, item in enumerate(value):
        if not isinstance(item, AuditFinding):
            return f"item {i} must be an AuditFinding, not {type(item).__name__}"
    return None


@attrs.frozen
class Audit(Checked):
    """An audit of a center's services paid by certificates: when, by whom, findings, verdict.

    A ``passed`` audit has no findings; one ``passed_with_remarks`` has at least
    one and none critical; a ``failed`` one may have any.

    >>> Audit("aud-1", "center-1", date(2026, 4, 1), "auditor-1", AuditKind.SCHEDULED,
    ...       AuditOutcome.PASSED, [AuditFinding(Severity.MINOR, "fire drill log late")])
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: findings: a passed audit has no
    findings; record it as passed_with_remarks
    """

    id: str = attrs.field(metadata=checked(id_problem))
    center_id: str = attrs.field(metadata=checked(id_problem))
    on: date = attrs.field(metadata=checked(date_problem))
    auditor_id: str = attrs.field(metadata=checked(id_problem))
    kind: AuditKind = attrs.field(metadata=checked(member_problem(AuditKind)))
    outcome: AuditOutcome = attrs.field(metadata=checked(member_problem(AuditOutcome)))
    findings: tuple[AuditFinding, ...] = attrs.field(
        default=(), converter=_findings, metadata=checked(_findings_problem)
    )

    def _more_problems(self, problems: Problems) -> None:
        if self.outcome is AuditOutcome.PASSED and self.findings:
            problems.add(
                "findings", "a passed audit has no findings; record it as passed_with_remarks"
            )
        if self.outcome is AuditOutcome.PASSED_WITH_REMARKS:
            if not self.findings:
                problems.add("findings", "an audit passed with remarks has at least one finding")
            if self.critical_findings:
                problems.add("outcome", "an audit with a critical finding does not pass")

    @property
    def critical_findings(self) -> int:
        """How many findings are critical."""
        return sum(1 for f in self.findings if f.severity is Severity.CRITICAL)


QualityRecord = Complaint | Audit
"""What :func:`quality_summary` and :func:`quality_concerns` read."""


@attrs.frozen
class QualitySummary(Checked):
    """The quality record of one center (or of all, ``center_id`` ``None``) over a period.

    Counts the complaints filed and the audits held in ``[start, end]``; the
    resolutions are those known on ``as_of``. The complaints add up by category
    and by resolution, the audits by outcome.
    """

    center_id: str | None = attrs.field(metadata=checked(optional(id_problem)))
    start: date = attrs.field(metadata=checked(date_problem))
    end: date = attrs.field(metadata=checked(date_problem))
    as_of: date = attrs.field(metadata=checked(date_problem))
    complaints: int = attrs.field(default=0, metadata=_COUNT)
    complaints_open: int = attrs.field(default=0, metadata=_COUNT)
    complaints_upheld: int = attrs.field(default=0, metadata=_COUNT)
    complaints_rejected: int = attrs.field(default=0, metadata=_COUNT)
    treatment_complaints: int = attrs.field(default=0, metadata=_COUNT)
    rights_complaints: int = attrs.field(default=0, metadata=_COUNT)
    conditions_complaints: int = attrs.field(default=0, metadata=_COUNT)
    billing_complaints: int = attrs.field(default=0, metadata=_COUNT)
    other_complaints: int = attrs.field(default=0, metadata=_COUNT)
    upheld_billing_complaints: int = attrs.field(default=0, metadata=_COUNT)
    audits: int = attrs.field(default=0, metadata=_COUNT)
    audits_passed: int = attrs.field(default=0, metadata=_COUNT)
    audits_passed_with_remarks: int = attrs.field(default=0, metadata=_COUNT)
    audits_failed: int = attrs.field(default=0, metadata=_COUNT)
    critical_findings: int = attrs.field(default=0, metadata=_COUNT)
    """Critical findings of the audits held in the period."""
    last_audit_on: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))
    """The day of the latest audit held in the period, ``None`` when there was none."""

    def _more_problems(self, problems: Problems) -> None:
        if self.end < self.start:
            problems.add("end", "must not be before start")
        if self.as_of < self.end:
            problems.add("as_of", "must not be before end")
        if sum(self.complaints_by_resolution.values()) != self.complaints:
            problems.add("complaints", "must be the sum of the open, upheld and rejected ones")
        if sum(self.complaints_by_category.values()) != self.complaints:
            problems.add("complaints", "must be the sum of the complaints by category")
        if self.upheld_billing_complaints > min(self.complaints_upheld, self.billing_complaints):
            problems.add("upheld_billing_complaints", "must not be more than upheld or billing")
        if sum(self.audits_by_outcome.values()) != self.audits:
            problems.add("audits", "must be the sum of the audits by outcome")
        if (self.last_audit_on is None) != (self.audits == 0):
            problems.add("last_audit_on", "must be given exactly when an audit was held")
        elif self.last_audit_on is not None and not self.start <= self.last_audit_on <= self.end:
            problems.add("last_audit_on", "must lie in the period")
        if self.critical_findings and not self.audits_failed:
            problems.add("critical_findings", "only a failed audit has critical findings")

    @property
    def complaints_by_category(self) -> Mapping[ComplaintCategory, int]:
        """The complaints by category."""
        return {
            ComplaintCategory.TREATMENT: self.treatment_complaints,
            ComplaintCategory.RIGHTS: self.rights_complaints,
            ComplaintCategory.CONDITIONS: self.conditions_complaints,
            ComplaintCategory.BILLING: self.billing_complaints,
            ComplaintCategory.OTHER: self.other_complaints,
        }

    @property
    def complaints_by_resolution(self) -> Mapping[Resolution, int]:
        """The complaints by resolution as known on ``as_of``."""
        return {
            Resolution.OPEN: self.complaints_open,
            Resolution.UPHELD: self.complaints_upheld,
            Resolution.REJECTED: self.complaints_rejected,
        }

    @property
    def audits_by_outcome(self) -> Mapping[AuditOutcome, int]:
        """The audits by outcome."""
        return {
            AuditOutcome.PASSED: self.audits_passed,
            AuditOutcome.PASSED_WITH_REMARKS: self.audits_passed_with_remarks,
            AuditOutcome.FAILED: self.audits_failed,
        }


@attrs.frozen
class QualityThresholds(Checked):
    """When :func:`quality_concerns` raises a concern; the defaults are illustrative, not
    figures of the seeds: set the region's own."""

    max_upheld_complaints: int = attrs.field(default=2, metadata=_COUNT)
    """A concern when more complaints than this against one center, filed in the period,
    are upheld (default 2: a third upheld complaint is a pattern)."""
    max_open_days: int = attrs.field(default=30, metadata=_COUNT)
    """A concern when a complaint is still open more than this many days after it was filed,
    on ``as_of`` (default 30 days, a common term for answering an appeal)."""


DEFAULT_THRESHOLDS: Final = QualityThresholds()


def _quality_problems(
    records: object, center_id: object, start: object, end: object, as_of: object
) -> tuple[list[FieldProblem], list[QualityRecord]]:
    problems: list[FieldProblem] = []
    if center_id is not None:
        message = id_problem(center_id)
        if message is not None:
            problems.append(FieldProblem("center_id", message))
    given = (("start", start), ("end", end)) + ((("as_of", as_of),) if as_of is not None else ())
    dated = [FieldProblem(n, m) for n, v in given if (m := date_problem(v)) is not None]
    problems += dated
    if not dated:
        assert isinstance(start, date) and isinstance(end, date)
        if end < start:
            problems.append(FieldProblem("end", f"{end} is before start {start}"))
        if isinstance(as_of, date) and as_of < end:
            problems.append(FieldProblem("as_of", f"{as_of} is before end {end}"))
    listed: list[QualityRecord] = []
    if isinstance(records, str | bytes | Mapping) or not isinstance(records, Iterable):
        problems.append(FieldProblem("records", "must be an iterable of Complaint and Audit"))
    else:
        for i, record in enumerate(records):
            if isinstance(record, Complaint | Audit):
                listed.append(record)
            else:
                problems.append(
                    FieldProblem(
                        f"records[{i}]",
                        f"must be a Complaint or an Audit, not {type(record).__name__}",
                    )
                )
    return problems, listed


def _in_period(records: Iterable[QualityRecord], start: date, end: date) -> list[QualityRecord]:
    return [
        r for r in records if start <= (r.filed_on if isinstance(r, Complaint) else r.on) <= end
    ]


def _summarize(
    center_id: str | None,
    records: Iterable[QualityRecord],
    start: date,
    end: date,
    as_of: date,
) -> QualitySummary:
    counts: dict[str, int] = {}
    last: date | None = None

    def add(name: str, n: int = 1) -> None:
        counts[name] = counts.get(name, 0) + n

    for record in records:
        if isinstance(record, Complaint):
            resolution = record.resolution_on(as_of)
            add("complaints")
            add(f"complaints_{resolution.value}")
            add(f"{record.category.value}_complaints")
            if resolution is Resolution.UPHELD and record.category is ComplaintCategory.BILLING:
                add("upheld_billing_complaints")
        else:
            add("audits")
            add(f"audits_{record.outcome.value}")
            add("critical_findings", record.critical_findings)
            last = record.on if last is None else max(last, record.on)
    return QualitySummary(center_id, start, end, as_of, **counts, last_audit_on=last)


def quality_summary(
    records: Iterable[QualityRecord],
    *,
    start: date,
    end: date,
    as_of: date | None = None,
    center_id: str | None = None,
) -> QualitySummary:
    """The quality record of ``center_id`` (of every center together when ``None``) (CF-09).

    Counts the complaints filed and the audits held in ``[start, end]``, with the
    resolutions known on ``as_of`` (default ``end``). Raises
    :class:`~resocialize.errors.ValidationError` listing every bad argument and every
    record that is neither a :class:`Complaint` nor an :class:`Audit`.
    """
    problems, listed = _quality_problems(records, center_id, start, end, as_of)
    if problems:
        raise ValidationError(problems)
    as_of = end if as_of is None else as_of
    chosen = [r for r in _in_period(listed, start, end) if center_id in (None, r.center_id)]
    return _summarize(center_id, chosen, start, end, as_of)


def quality_by_center(
    records: Iterable[QualityRecord],
    *,
    start: date,
    end: date,
    as_of: date | None = None,
) -> Mapping[str, QualitySummary]:
    """The :func:`quality_summary` of every center with a complaint or an audit in the period,
    by center id (sorted)."""
    problems, listed = _quality_problems(records, None, start, end, as_of)
    if problems:
        raise ValidationError(problems)
    as_of = end if as_of is None else as_of
    by_center: dict[str, list[QualityRecord]] = {}
    for record in _in_period(listed, start, end):
        by_center.setdefault(record.center_id, []).append(record)
    return {
        center: _summarize(center, by_center[center], start, end, as_of)
        for center in sorted(by_center)
    }


def _concerns_of(
    center: str,
    records: Sequence[QualityRecord],
    start: date,
    end: date,
    as_of: date,
    thresholds: QualityThresholds,
) -> list[Reason]:
    audits = sorted((r for r in records if isinstance(r, Audit)), key=lambda a: (a.on, a.id))
    complaints = sorted(
        (r for r in records if isinstance(r, Complaint)), key=lambda c: (c.filed_on, c.id)
    )
    reasons: list[Reason] = []
    for audit in audits:
        if audit.outcome is AuditOutcome.FAILED:
            reasons.append(
                Reason(
                    "quality.failed_audit",
                    f"center {center!r} failed the {audit.kind.value} audit {audit.id!r} "
                    f"of {audit.on}",
                    {
                        "center": center,
                        "audit": audit.id,
                        "on": audit.on.isoformat(),
                        "kind": audit.kind.value,
                    },
                )
            )
    for audit in audits:
        if audit.critical_findings:
            reasons.append(
                Reason(
                    "quality.critical_finding",
                    f"the audit {audit.id!r} of {audit.on} found {audit.critical_findings} "
                    f"critical finding(s) at center {center!r}",
                    {
                        "center": center,
                        "audit": audit.id,
                        "on": audit.on.isoformat(),
                        "count": audit.critical_findings,
                    },
                )
            )
    upheld = [c for c in complaints if c.resolution_on(as_of) is Resolution.UPHELD]
    if len(upheld) > thresholds.max_upheld_complaints:
        reasons.append(
            Reason(
                "quality.upheld_complaints",
                f"{len(upheld)} complaints against center {center!r} filed from {start} to "
                f"{end} were upheld, more than the threshold of "
                f"{thresholds.max_upheld_complaints}",
                {
                    "center": center,
                    "count": len(upheld),
                    "threshold": thresholds.max_upheld_complaints,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                },
            )
        )
    for complaint in upheld:
        if complaint.category is ComplaintCategory.BILLING:
            reasons.append(
                Reason(
                    "quality.billing_complaint_upheld",
                    f"the billing complaint {complaint.id!r} against center {center!r} was "
                    f"upheld on {complaint.resolved_on}: check the payments"
                    + (
                        f" of certificate {complaint.certificate_id!r}"
                        if complaint.certificate_id is not None
                        else ""
                    ),
                    {
                        "center": center,
                        "complaint": complaint.id,
                        "certificate": complaint.certificate_id,
                        "resolved_on": str(complaint.resolved_on),
                    },
                )
            )
    term = timedelta(days=thresholds.max_open_days)
    for complaint in complaints:
        if complaint.resolution_on(as_of) is Resolution.OPEN and as_of - complaint.filed_on > term:
            days = (as_of - complaint.filed_on).days
            reasons.append(
                Reason(
                    "quality.complaint_unanswered",
                    f"the complaint {complaint.id!r} against center {center!r} filed on "
                    f"{complaint.filed_on} is still open after {days} days, more than "
                    f"{thresholds.max_open_days}",
                    {
                        "center": center,
                        "complaint": complaint.id,
                        "days": days,
                        "threshold": thresholds.max_open_days,
                    },
                )
            )
    return reasons


def quality_concerns(
    records: Iterable[QualityRecord],
    *,
    start: date,
    end: date,
    as_of: date | None = None,
    center_id: str | None = None,
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
) -> tuple[Reason, ...]:
    """The conditions the agency acts on, for ``center_id`` or every center (CF-09).

    Reads the complaints filed and the audits held in ``[start, end]``, resolutions
    as known on ``as_of`` (default ``end``). Center by center (sorted), in this order:

    - ``quality.failed_audit``: each failed audit;
    - ``quality.critical_finding``: each audit with critical findings (the count in
      the details);
    - ``quality.upheld_complaints``: more complaints upheld than
      :attr:`QualityThresholds.max_upheld_complaints`;
    - ``quality.billing_complaint_upheld``: each upheld billing complaint, a sign
      of misuse of certificate money (CF-04);
    - ``quality.complaint_unanswered``: each complaint still open more than
      :attr:`QualityThresholds.max_open_days` days after filing, on ``as_of``.

    No concern gives an empty tuple.
    """
    problems, listed = _quality_problems(records, center_id, start, end, as_of)
    if not isinstance(thresholds, QualityThresholds):
        problems.append(
            FieldProblem(
                "thresholds", f"must be QualityThresholds, not {type(thresholds).__name__}"
            )
        )
    if problems:
        raise ValidationError(problems)
    as_of = end if as_of is None else as_of
    by_center: dict[str, list[QualityRecord]] = {}
    for record in _in_period(listed, start, end):
        if center_id in (None, record.center_id):
            by_center.setdefault(record.center_id, []).append(record)
    return tuple(
        reason
        for center in sorted(by_center)
        for reason in _concerns_of(center, by_center[center], start, end, as_of, thresholds)
    )
