"""Rehabilitation centers: programs, staff, licences, certification and inspections.

A :class:`Center` is a frozen value holding everything the register and its
qualification rules read (RG-01, RG-03, RG-05): its ownership form and
municipality, the programs it runs (stage served, duration, price, places,
minimum age, setting, technologies), its staff by qualification, its licences,
its certifications with their status changes, and the inspections of state
control with their findings. Status is computed for any date:

>>> from datetime import date
>>> from resocialize.centers import Certification, CertificationChange, ChangeKind, Scheme
>>> cert = Certification(
...     "cert-7", "cert-body-1", Scheme.CERTIFICATION_BODY,
...     issued_on=date(2025, 1, 10), valid_until=date(2028, 1, 9),
...     changes=(
...         CertificationChange(date(2026, 5, 1), ChangeKind.SUSPENDED, "audit", "cert-body-1"),
...     ),
... )
>>> cert.status_on(date(2026, 4, 30)).value, cert.status_on(date(2026, 5, 1)).value
('valid', 'suspended')
>>> cert.status_on(date(2028, 1, 10)).value
'expired'
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import attrs

from ._checks import (
    Checked,
    Problems,
    bool_problem,
    checked,
    count_problem,
    date_problem,
    id_problem,
    instance_problem,
    member_problem,
    optional,
    text_problem,
)
from .money import Money
from .organizations import OwnershipForm
from .pathway import Stage

__all__ = [
    "SERVICE_STAGES",
    "Center",
    "CertificateStatus",
    "Certification",
    "CertificationChange",
    "ChangeKind",
    "Finding",
    "FindingArea",
    "Inspection",
    "Licence",
    "LicenceKind",
    "Program",
    "Qualification",
    "Scheme",
    "Setting",
    "Severity",
    "StaffCount",
]

SERVICE_STAGES = frozenset({Stage.SOCIAL_REHABILITATION, Stage.RESOCIALIZATION, Stage.PATRONAGE})
"""The stages a center's program may serve (III, IV, V)."""


def _positive_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return "must be a positive integer"
    return None


def _age_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
        return "must be an age in whole years, 0-120"
    return None


def _stage_problem(value: object) -> str | None:
    if not isinstance(value, Stage) or value not in SERVICE_STAGES:
        return "must be a stage a center serves: 3, 4 or 5 (III, IV, V)"
    return None


def _tuple_of(kind: type) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, tuple):
            return f"must be a tuple of {kind.__name__}"
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                return f"item {i} must be a {kind.__name__}, not {type(item).__name__}"
        return None

    return check


def _codes_problem(value: object) -> str | None:
    if not isinstance(value, frozenset):
        return "must be a frozenset of catalog codes"
    for item in value:
        problem = id_problem(item)
        if problem is not None:
            return f"{item!r}: {problem}"
    return None


def _stages_problem(value: object) -> str | None:
    if not isinstance(value, frozenset) or not value:
        return "must be a non-empty frozenset of stages"
    bad = [s for s in value if not isinstance(s, Stage) or s not in SERVICE_STAGES]
    return f"{bad!r} are not stages a center serves" if bad else None


def _items(value: Iterable[Any]) -> tuple[Any, ...]:
    """Accept any iterable for a tuple field (a list from JSON or a literal)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return value  # type: ignore[return-value]  # the field's check reports it
    return tuple(value)


def _frozen_codes(value: object) -> object:
    if isinstance(value, list | tuple | set):
        return frozenset(value)
    return value


class Setting(enum.StrEnum):
    """How a program is delivered (RG-01)."""

    RESIDENTIAL = "residential"
    DAY = "day"
    OUTPATIENT = "outpatient"


class Qualification(enum.StrEnum):
    """Staff qualifications a region's criteria count (RG-01, RG-02)."""

    NARCOLOGIST = "narcologist"
    """A physician specialized in addiction (psychiatrist-narcologist)."""
    PSYCHOLOGIST = "psychologist"
    SOCIAL_WORKER = "social_worker"
    SPECIALIST_IN_SOCIAL_WORK = "specialist_in_social_work"
    NURSE = "nurse"
    PEER_CONSULTANT = "peer_consultant"
    """A consultant in recovery, often a graduate of a therapeutic community."""
    TEACHER = "teacher"
    LABOUR_INSTRUCTOR = "labour_instructor"
    LAWYER = "lawyer"
    CHAPLAIN = "chaplain"


class LicenceKind(enum.StrEnum):
    """Licences a center may need (RG-01: where medical services are given)."""

    MEDICAL = "medical"
    EDUCATIONAL = "educational"


class Scheme(enum.StrEnum):
    """Who certifies a center (RG-03)."""

    CERTIFICATION_BODY = "certification_body"
    VOLUNTARY_SCHEME = "voluntary_scheme"
    """A voluntary certification system of rehabilitation services (seed 001)."""


class ChangeKind(enum.StrEnum):
    """Status changes of a certification after it was issued (RG-03)."""

    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    REVOKED = "revoked"


class CertificateStatus(enum.StrEnum):
    """A certification's status on a date."""

    NOT_YET_VALID = "not_yet_valid"
    VALID = "valid"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NONE = "none"
    """The center holds no certification (for the stage asked about)."""


_STATUS_RANK = (
    CertificateStatus.VALID,
    CertificateStatus.SUSPENDED,
    CertificateStatus.NOT_YET_VALID,
    CertificateStatus.EXPIRED,
    CertificateStatus.REVOKED,
    CertificateStatus.NONE,
)
"""Best first: the status a center has is the best of its certifications'."""


class Severity(enum.StrEnum):
    """How serious an inspection finding is (RG-05)."""

    MINOR = "minor"
    MODERATE = "moderate"
    SERIOUS = "serious"


class FindingArea(enum.StrEnum):
    """What an inspection finding concerns (RG-05)."""

    HUMAN_RIGHTS = "human_rights"
    """Violations of clients' rights: the concern of state control over non-state centers."""
    SAFETY = "safety"
    SANITARY = "sanitary"
    STAFFING = "staffing"
    PROGRAM = "program"
    RECORDS = "records"
    FINANCE = "finance"


@attrs.frozen
class Program(Checked):
    """A program a center runs for one stage (RG-01)."""

    id: str = attrs.field(metadata=checked(id_problem))
    stage: Stage = attrs.field(metadata=checked(_stage_problem))
    duration_days: int = attrs.field(metadata=checked(_positive_problem))
    price: Money = attrs.field(metadata=checked(instance_problem(Money)))
    """The price of the whole program for one client."""
    places: int = attrs.field(metadata=checked(count_problem))
    setting: Setting = attrs.field(
        default=Setting.RESIDENTIAL, metadata=checked(member_problem(Setting))
    )
    minimum_age: int = attrs.field(default=18, metadata=checked(_age_problem))
    technologies: frozenset[str] = attrs.field(
        default=frozenset(), converter=_frozen_codes, metadata=checked(_codes_problem)
    )
    """Codes of the intervention catalog (PL-03) the program uses."""
    medical: bool = attrs.field(default=False, metadata=checked(bool_problem))
    """True when the program gives medical services: a medical licence is then required."""

    def _more_problems(self, problems: Problems) -> None:
        if self.price.is_negative:
            problems.add("price", "must not be negative")


@attrs.frozen
class StaffCount(Checked):
    """How many staff of one qualification a center employs (full-time equivalents)."""

    qualification: Qualification = attrs.field(metadata=checked(member_problem(Qualification)))
    count: int = attrs.field(metadata=checked(count_problem))


@attrs.frozen
class Licence(Checked):
    """A licence held by a center, valid from a date until a date or revoked."""

    kind: LicenceKind = attrs.field(metadata=checked(member_problem(LicenceKind)))
    number: str = attrs.field(metadata=checked(text_problem))
    issuer_id: str = attrs.field(metadata=checked(id_problem))
    valid_from: date = attrs.field(metadata=checked(date_problem))
    valid_until: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))
    revoked_on: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))

    def _more_problems(self, problems: Problems) -> None:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            problems.add("valid_until", "must not be before valid_from")

    def active_on(self, day: date) -> bool:
        """True when the licence is in force on ``day``."""
        if day < self.valid_from or (self.valid_until is not None and day > self.valid_until):
            return False
        return self.revoked_on is None or day < self.revoked_on


@attrs.frozen
class CertificationChange(Checked):
    """A status change of a certification: suspension, reinstatement or revocation, with why."""

    on: date = attrs.field(metadata=checked(date_problem))
    kind: ChangeKind = attrs.field(metadata=checked(member_problem(ChangeKind)))
    reason: str = attrs.field(metadata=checked(text_problem))
    by: str = attrs.field(metadata=checked(id_problem))


@attrs.frozen
class Certification(Checked):
    """A certification of a center by a body or a voluntary scheme (RG-03)."""

    id: str = attrs.field(metadata=checked(id_problem))
    issuer_id: str = attrs.field(metadata=checked(id_problem))
    scheme: Scheme = attrs.field(metadata=checked(member_problem(Scheme)))
    issued_on: date = attrs.field(metadata=checked(date_problem))
    valid_until: date = attrs.field(metadata=checked(date_problem))
    scope: frozenset[Stage] = attrs.field(
        default=SERVICE_STAGES, converter=_frozen_codes, metadata=checked(_stages_problem)
    )
    """The stages whose programs the certification covers."""
    changes: tuple[CertificationChange, ...] = attrs.field(
        default=(), converter=_items, metadata=checked(_tuple_of(CertificationChange))
    )

    def _more_problems(self, problems: Problems) -> None:
        if self.valid_until < self.issued_on:
            problems.add("valid_until", "must not be before issued_on")
        days = [change.on for change in self.changes]
        if days != sorted(days):
            problems.add("changes", "must be in date order")
        if any(day < self.issued_on for day in days):
            problems.add("changes", "must not be dated before issued_on")

    def status_on(self, day: date) -> CertificateStatus:
        """The status on ``day``: revocation is final; a suspension holds until reinstated."""
        suspended = False
        for change in self.changes:
            if change.on > day:
                break
            if change.kind is ChangeKind.REVOKED:
                return CertificateStatus.REVOKED
            suspended = change.kind is ChangeKind.SUSPENDED
        if day < self.issued_on:
            return CertificateStatus.NOT_YET_VALID
        if day > self.valid_until:
            return CertificateStatus.EXPIRED
        return CertificateStatus.SUSPENDED if suspended else CertificateStatus.VALID

    def covers(self, stage: Stage) -> bool:
        """True when the certification's scope includes ``stage``."""
        return stage in self.scope


@attrs.frozen
class Finding(Checked):
    """One finding of an inspection, with its deadline and resolution (RG-05)."""

    code: str = attrs.field(metadata=checked(id_problem))
    area: FindingArea = attrs.field(metadata=checked(member_problem(FindingArea)))
    severity: Severity = attrs.field(metadata=checked(member_problem(Severity)))
    description: str = attrs.field(metadata=checked(text_problem))
    deadline: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))
    resolved_on: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))

    def resolved_by(self, day: date) -> bool:
        """True when the finding was resolved on or before ``day``."""
        return self.resolved_on is not None and self.resolved_on <= day


@attrs.frozen
class Inspection(Checked):
    """An inspection of state control: when, by which body, what it found (RG-05)."""

    id: str = attrs.field(metadata=checked(id_problem))
    on: date = attrs.field(metadata=checked(date_problem))
    body_id: str = attrs.field(metadata=checked(id_problem))
    findings: tuple[Finding, ...] = attrs.field(
        default=(), converter=_items, metadata=checked(_tuple_of(Finding))
    )

    def _more_problems(self, problems: Problems) -> None:
        for i, finding in enumerate(self.findings):
            if finding.resolved_on is not None and finding.resolved_on < self.on:
                problems.add(f"findings[{i}].resolved_on", "must not be before the inspection")
            if finding.deadline is not None and finding.deadline < self.on:
                problems.add(f"findings[{i}].deadline", "must not be before the inspection")

    def open_findings(self, day: date) -> tuple[Finding, ...]:
        """Findings known on ``day`` (the inspection happened) and not resolved by then."""
        if day < self.on:
            return ()
        return tuple(f for f in self.findings if not f.resolved_by(day))


@attrs.frozen
class Center(Checked):
    """A rehabilitation center of any form of ownership (RG-01)."""

    id: str = attrs.field(metadata=checked(id_problem))
    name: str = attrs.field(metadata=checked(text_problem))
    ownership: OwnershipForm = attrs.field(metadata=checked(member_problem(OwnershipForm)))
    municipality: str = attrs.field(metadata=checked(text_problem))
    address: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    programs: tuple[Program, ...] = attrs.field(
        default=(), converter=_items, metadata=checked(_tuple_of(Program))
    )
    staff: tuple[StaffCount, ...] = attrs.field(
        default=(), converter=_items, metadata=checked(_tuple_of(StaffCount))
    )
    licences: tuple[Licence, ...] = attrs.field(
        default=(), converter=_items, metadata=checked(_tuple_of(Licence))
    )
    certifications: tuple[Certification, ...] = attrs.field(
        default=(), converter=_items, metadata=checked(_tuple_of(Certification))
    )
    inspections: tuple[Inspection, ...] = attrs.field(
        default=(), converter=_items, metadata=checked(_tuple_of(Inspection))
    )
    halfway_house_places: int = attrs.field(default=0, metadata=checked(count_problem))
    agricultural_community_places: int = attrs.field(default=0, metadata=checked(count_problem))

    def _more_problems(self, problems: Problems) -> None:
        seen: set[str] = set()
        for i, program in enumerate(self.programs):
            if program.id in seen:
                problems.add(f"programs[{i}].id", f"duplicate program id {program.id!r}")
            seen.add(program.id)
        quals = [s.qualification for s in self.staff]
        if len(quals) != len(set(quals)):
            problems.add("staff", "lists a qualification twice")

    def programs_for(self, stage: Stage) -> tuple[Program, ...]:
        """The center's programs serving ``stage``."""
        return tuple(p for p in self.programs if p.stage is stage)

    def places(self, stage: Stage | None = None) -> int:
        """Program places in all, or for one stage."""
        return sum(p.places for p in self.programs if stage is None or p.stage is stage)

    def staff_count(self, qualification: Qualification) -> int:
        """How many staff of ``qualification`` the center employs."""
        return sum(s.count for s in self.staff if s.qualification is qualification)

    def certification_status_on(self, day: date, stage: Stage | None = None) -> CertificateStatus:
        """The best status of the center's certifications on ``day`` (for ``stage``, if given);
        ``NONE`` when it holds no certification for it."""
        statuses = [
            cert.status_on(day)
            for cert in self.certifications
            if stage is None or cert.covers(stage)
        ]
        return min(statuses, key=_STATUS_RANK.index, default=CertificateStatus.NONE)

    def has_licence(self, kind: LicenceKind, day: date) -> bool:
        """True when a licence of ``kind`` is in force on ``day``."""
        return any(lic.kind is kind and lic.active_on(day) for lic in self.licences)

    def open_findings(self, day: date) -> tuple[Finding, ...]:
        """Every inspection finding known and unresolved on ``day``."""
        return tuple(f for insp in self.inspections for f in insp.open_findings(day))
