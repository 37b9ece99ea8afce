"""Labour reintegration: the employment service's reserve of vacancies, job quotas and
employer incentives, matching graduates to jobs, and the stage IV outcome (PL-08, PW-06).

Unemployment is one of the main reasons for returning to drugs, so stage IV ends
with work, schooling or training where it can. The employment service keeps a
:class:`VacancyReserve`: vacancies (some *reserved* for graduates, some counting
against an employer's :class:`JobQuota`), the :class:`EmployerIncentive` paid to
employers for hiring graduates, and the hires and enrolments made.

:func:`match` reads a client's :class:`LabourProfile` and says, for every open
vacancy, whether it fits and, when it does not, *every* unmet condition;
:func:`hire` records a hire only where the vacancy fits; :func:`outcome_on` gives
the :class:`~resocialize.records.LabourResult` that stage IV records on completion.

>>> from datetime import date
>>> from resocialize.money import Money
>>> reserve = VacancyReserve(
...     vacancies=(
...         Vacancy("v-1", "bakery-1", "Baker's assistant", "North", places=1,
...                 open_from=date(2026, 3, 1), skills=frozenset({"baking"}), trains=True,
...                 reserved=True, quota_id="q-1"),
...         Vacancy("v-2", "taxi-1", "Driver", "North", places=2, open_from=date(2026, 3, 1),
...                 features=frozenset({JobFeature.DRIVING})),
...     ),
...     quotas=(JobQuota("q-1", "bakery-1", held_by="employment-1", year=2026, places=1),),
...     incentives=(EmployerIncentive("i-1", None, IncentiveKind.WAGE_SUBSIDY,
...                                   Money.of("10000.00", "RUB"), months=6, source="regional"),),
... )
>>> ann = LabourProfile("client-7", "North", skills=frozenset({"cooking"}),
...                     education=EducationLevel.SECONDARY,
...                     excluded=frozenset({JobFeature.DRIVING}))
>>> found = match(ann, reserve, date(2026, 4, 1))
>>> [(m.vacancy_id, m.fits, [r.code for r in m.reasons]) for m in found]
[('v-1', True, ['match.reserved', 'match.quota', 'match.trains', 'match.local']),
 ('v-2', False, ['match.excluded_feature'])]
>>> reserve = hire(reserve, ann, "v-1", date(2026, 4, 2))
>>> quota_use(reserve, "q-1"), outcome_on(reserve, "client-7", date(2026, 4, 2)).outcome.value
((1, 1), 'employed')
>>> [(i.id, str(total)) for i, total in incentives_due(reserve, reserve.hires[0])]
[('i-1', '60000.00 RUB')]

A second graduate is refused with every reason at once, and nothing changes:

>>> bob = LabourProfile("client-8", "South", skills=frozenset(),
...                     education=EducationLevel.PRIMARY)
>>> hire(reserve, bob, "v-1", date(2026, 4, 3))
Traceback (most recent call last):
...
resocialize.errors.RuleViolation: refused: vacancy v-1 has no place left (1 of 1 filled)
[match.full]; job quota q-1 is used up (1 of 1 places filled) [match.quota_used_up];
vacancy v-1 is in North and client-8 will not work outside South [match.municipality]
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import Final

import attrs

from ._checks import (
    Checked,
    Problems,
    bool_problem,
    checked,
    date_problem,
    id_problem,
    instance_problem,
    member_problem,
    optional,
    text_problem,
)
from .errors import RuleViolation
from .money import Money, minor_units
from .records import LabourOutcome, LabourResult
from .rules import Decision, Reason

__all__ = [
    "ENROLMENT_KINDS",
    "FIT_CODES",
    "MAX_INCENTIVE_MONTHS",
    "UNMET_CODES",
    "EducationLevel",
    "EmployerIncentive",
    "Enrolment",
    "Hire",
    "IncentiveKind",
    "JobFeature",
    "JobQuota",
    "LabourProfile",
    "Match",
    "Vacancy",
    "VacancyReserve",
    "add_incentive",
    "add_quota",
    "add_vacancy",
    "enrol",
    "hire",
    "incentives_due",
    "match",
    "open_on",
    "outcome_on",
    "places_left",
    "quota_use",
    "vacancy_of",
]

MAX_INCENTIVE_MONTHS: Final = 120
"""The longest an incentive may be paid, in months."""

ENROLMENT_KINDS: Final = frozenset({LabourOutcome.IN_EDUCATION, LabourOutcome.IN_TRAINING})
"""The outcomes an :class:`Enrolment` may record."""

UNMET_CODES: Final = frozenset(
    {
        "match.closed",
        "match.full",
        "match.quota_used_up",
        "match.quota_year",
        "match.already_hired",
        "match.skills_missing",
        "match.education",
        "match.excluded_feature",
        "match.municipality",
    }
)
"""The codes of reasons against a vacancy: a :class:`Match` with any of them does not fit."""

FIT_CODES: Final = frozenset(
    {
        "match.reserved",
        "match.quota",
        "match.skills",
        "match.trains",
        "match.interest",
        "match.local",
        "match.relocation",
    }
)
"""The codes of reasons why a vacancy fits, given only on a fitting :class:`Match`."""


class EducationLevel(enum.IntEnum):
    """The highest level of education completed; levels compare in this order."""

    NONE = 0
    PRIMARY = 1
    SECONDARY = 2
    VOCATIONAL = 3
    HIGHER = 4


class JobFeature(enum.StrEnum):
    """What a job involves that a client's restriction (health, a court order, the risk of
    relapse) may exclude. Values are stable: they are stored."""

    NIGHT_SHIFTS = "night_shifts"
    DRIVING = "driving"
    """Driving a vehicle (needs a licence a recent user may not hold)."""
    CONTROLLED_SUBSTANCES = "controlled_substances"
    """Access to medicines or controlled substances: pharmacies, hospitals, laboratories."""
    MINORS = "minors"
    """Work with children."""
    HEAVY_LABOUR = "heavy_labour"
    CASH_HANDLING = "cash_handling"
    ALCOHOL_SERVICE = "alcohol_service"
    """Selling or serving alcohol: bars, restaurants, liquor shops."""
    WEAPONS = "weapons"
    """Armed security work."""
    MACHINERY = "machinery"
    """Operating dangerous machinery."""
    HEIGHTS = "heights"
    """Work at height."""


class IncentiveKind(enum.StrEnum):
    """How an employer is rewarded for hiring a graduate. Values are stable: they are stored."""

    TAX_CREDIT = "tax_credit"
    WAGE_SUBSIDY = "wage_subsidy"
    GRANT = "grant"


# --- field checks ----------------------------------------------------------------------------


def _positive_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return f"must be a positive integer, not {value!r}"
    return None


def _year_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        return f"must be a year from 1900 to 2200, not {value!r}"
    return None


def _months_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of months, not {type(value).__name__}"
    if not 1 <= value <= MAX_INCENTIVE_MONTHS:
        return f"must be from 1 to {MAX_INCENTIVE_MONTHS} months, not {value}"
    return None


def _codes_problem(value: object) -> str | None:
    if not isinstance(value, frozenset):
        return f"must be a set of codes, not {type(value).__name__}"
    for item in sorted(value, key=repr):
        problem = id_problem(item)
        if problem is not None:
            return f"{item!r}: {problem}"
    return None


def _features_problem(value: object) -> str | None:
    if not isinstance(value, frozenset):
        return f"must be a set of job features, not {type(value).__name__}"
    bad = sorted(repr(f) for f in value if not isinstance(f, JobFeature))
    if bad:
        choices = ", ".join(f.value for f in JobFeature)
        return f"{', '.join(bad)} are not job features; known: {choices}"
    return None


def _enrolment_kind_problem(value: object) -> str | None:
    if isinstance(value, LabourOutcome) and value in ENROLMENT_KINDS:
        return None
    return f"must be in_education or in_training, not {value!r}"


def _amount_problem(value: object) -> str | None:
    if not isinstance(value, Money):
        hint = f"; use Money.of({str(value)!r}, 'RUB')" if isinstance(value, float) else ""
        return f"must be Money, not {type(value).__name__}{hint}"
    if not value.is_positive:
        return f"must be above zero, not {value}"
    if value.rounded() != value:
        return f"must be in whole minor units ({minor_units(value.currency)} decimal places)"
    return None


def _items_problem(kind: type) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, tuple):
            return f"must be a tuple of {kind.__name__}, not {type(value).__name__}"
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                return f"item {i} must be a {kind.__name__}, not {type(item).__name__}"
        return None

    return check


def _frozen(value: object) -> object:
    """Lists, tuples and sets become frozensets; anything else is left for the check."""
    return frozenset(value) if isinstance(value, list | tuple | set) else value


def _tuple(value: object) -> object:
    """Lists become tuples; anything else is left for the check."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _joined(items: Iterable[object]) -> str:
    return ", ".join(sorted(str(item) for item in items))


# --- values ----------------------------------------------------------------------------------


@attrs.frozen
class LabourProfile(Checked):
    """What matching reads of a client: pseudonymous, no identifying data (PL-08).

    ``training`` holds completed courses, which count as skills. ``excluded`` holds
    the job features the client must not be offered (health, a court order, the
    risk of relapse). ``relocate`` says the client would work in another
    municipality. ``interests`` are fields the client wants to work in: they rank
    vacancies, they never bar one.
    """

    client_id: str = attrs.field(metadata=checked(id_problem))
    municipality: str = attrs.field(metadata=checked(text_problem))
    skills: frozenset[str] = attrs.field(converter=_frozen, metadata=checked(_codes_problem))
    education: EducationLevel = attrs.field(metadata=checked(member_problem(EducationLevel)))
    training: frozenset[str] = attrs.field(
        default=frozenset(), converter=_frozen, metadata=checked(_codes_problem)
    )
    excluded: frozenset[JobFeature] = attrs.field(
        default=frozenset(), converter=_frozen, metadata=checked(_features_problem)
    )
    relocate: bool = attrs.field(default=False, metadata=checked(bool_problem))
    interests: frozenset[str] = attrs.field(
        default=frozenset(), converter=_frozen, metadata=checked(_codes_problem)
    )

    @property
    def abilities(self) -> frozenset[str]:
        """The skills the client holds, completed training included."""
        return self.skills | self.training


@attrs.frozen
class Vacancy(Checked):
    """A vacancy an employer offers through the employment service.

    It is open from ``open_from`` to ``open_until`` inclusive (for good when
    ``None``). ``reserved`` puts it in the reserve kept for graduates; ``quota_id``
    names the job quota it counts against. Where the employer ``trains`` on the
    job, missing skills are not a bar. ``field`` is the line of work, matched
    against the client's interests.
    """

    id: str = attrs.field(metadata=checked(id_problem))
    employer_id: str = attrs.field(metadata=checked(id_problem))
    title: str = attrs.field(metadata=checked(text_problem))
    municipality: str = attrs.field(metadata=checked(text_problem))
    places: int = attrs.field(metadata=checked(_positive_problem))
    open_from: date = attrs.field(metadata=checked(date_problem))
    open_until: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))
    skills: frozenset[str] = attrs.field(
        default=frozenset(), converter=_frozen, metadata=checked(_codes_problem)
    )
    education: EducationLevel = attrs.field(
        default=EducationLevel.NONE, metadata=checked(member_problem(EducationLevel))
    )
    features: frozenset[JobFeature] = attrs.field(
        default=frozenset(), converter=_frozen, metadata=checked(_features_problem)
    )
    reserved: bool = attrs.field(default=False, metadata=checked(bool_problem))
    quota_id: str | None = attrs.field(default=None, metadata=checked(optional(id_problem)))
    trains: bool = attrs.field(default=False, metadata=checked(bool_problem))
    field: str | None = attrs.field(default=None, metadata=checked(optional(id_problem)))

    def _more_problems(self, problems: Problems) -> None:
        if self.open_until is not None and self.open_until < self.open_from:
            problems.add("open_until", "must not be before open_from")

    def open_on(self, day: date) -> bool:
        """True when the vacancy is open on ``day``."""
        return self.open_from <= day and (self.open_until is None or day <= self.open_until)


@attrs.frozen
class JobQuota(Checked):
    """The places an employer must hold for graduates in one calendar year; the
    employment service (``held_by``) keeps the quota."""

    id: str = attrs.field(metadata=checked(id_problem))
    employer_id: str = attrs.field(metadata=checked(id_problem))
    held_by: str = attrs.field(metadata=checked(id_problem))
    year: int = attrs.field(metadata=checked(_year_problem))
    places: int = attrs.field(metadata=checked(_positive_problem))


@attrs.frozen
class EmployerIncentive(Checked):
    """What an employer gets for hiring a graduate: ``amount`` per month for ``months``
    months (once, when ``months`` is 1), paid from ``source``.

    ``employer_id`` ``None`` means any employer hiring a graduate through the
    reserve. The incentive applies to hires from ``valid_from`` to ``valid_until``
    inclusive, each open-ended when ``None``.
    """

    id: str = attrs.field(metadata=checked(id_problem))
    employer_id: str | None = attrs.field(metadata=checked(optional(id_problem)))
    kind: IncentiveKind = attrs.field(metadata=checked(member_problem(IncentiveKind)))
    amount: Money = attrs.field(metadata=checked(_amount_problem))
    months: int = attrs.field(default=1, metadata=checked(_months_problem))
    source: str = attrs.field(kw_only=True, metadata=checked(text_problem))
    valid_from: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))
    valid_until: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))

    def _more_problems(self, problems: Problems) -> None:
        if (
            self.valid_from is not None
            and self.valid_until is not None
            and self.valid_until < self.valid_from
        ):
            problems.add("valid_until", "must not be before valid_from")

    @property
    def total(self) -> Money:
        """The whole incentive: ``amount`` times ``months``, in the currency's minor units."""
        return (self.amount * self.months).rounded()

    def applies_to(self, employer_id: str, day: date) -> bool:
        """True when a hire by ``employer_id`` on ``day`` earns this incentive."""
        if self.employer_id is not None and self.employer_id != employer_id:
            return False
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until


@attrs.frozen
class Hire(Checked):
    """A client hired into a vacancy, starting on ``on``."""

    client_id: str = attrs.field(metadata=checked(id_problem))
    vacancy_id: str = attrs.field(metadata=checked(id_problem))
    on: date = attrs.field(metadata=checked(date_problem))


@attrs.frozen
class Enrolment(Checked):
    """A client enrolled in education or training with a provider, from ``start`` to
    ``end`` inclusive (open-ended when ``None``)."""

    client_id: str = attrs.field(metadata=checked(id_problem))
    kind: LabourOutcome = attrs.field(metadata=checked(_enrolment_kind_problem))
    provider_id: str = attrs.field(metadata=checked(id_problem))
    start: date = attrs.field(metadata=checked(date_problem))
    end: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))

    def _more_problems(self, problems: Problems) -> None:
        if self.end is not None and self.end < self.start:
            problems.add("end", "must not be before start")

    def covers(self, day: date) -> bool:
        """True when the client is enrolled on ``day``."""
        return self.start <= day and (self.end is None or day <= self.end)

    def overlaps(self, other: Enrolment) -> bool:
        """True when the two periods share a day."""
        return (self.end is None or other.start <= self.end) and (
            other.end is None or self.start <= other.end
        )


def _overlap_pairs(enrolments: tuple[Enrolment, ...]) -> list[tuple[int, int]]:
    """Pairs ``(earlier, later)`` of indexes of enrolments of one client, kind and provider
    whose periods overlap."""
    groups: dict[tuple[str, LabourOutcome, str], list[int]] = {}
    for i, e in enumerate(enrolments):
        groups.setdefault((e.client_id, e.kind, e.provider_id), []).append(i)
    pairs = [
        (a, b)
        for indexes in groups.values()
        for n, b in enumerate(indexes)
        for a in indexes[:n]
        if enrolments[a].overlaps(enrolments[b])
    ]
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


@attrs.frozen
class VacancyReserve(Checked):
    """The employment service's book: vacancies, job quotas, employer incentives, and the
    hires and enrolments made. Operations are pure and return a new book.

    The book is consistent: ids of vacancies, quotas and incentives are unique; a
    vacancy's quota exists and is of the vacancy's employer; hires name known
    vacancies, a client at most once per vacancy, and never fill a vacancy or a
    quota beyond its places; a client's enrolments of one kind with one provider
    do not overlap.
    """

    vacancies: tuple[Vacancy, ...] = attrs.field(
        default=(), converter=_tuple, metadata=checked(_items_problem(Vacancy))
    )
    quotas: tuple[JobQuota, ...] = attrs.field(
        default=(), converter=_tuple, metadata=checked(_items_problem(JobQuota))
    )
    incentives: tuple[EmployerIncentive, ...] = attrs.field(
        default=(), converter=_tuple, metadata=checked(_items_problem(EmployerIncentive))
    )
    hires: tuple[Hire, ...] = attrs.field(
        default=(), converter=_tuple, metadata=checked(_items_problem(Hire))
    )
    enrolments: tuple[Enrolment, ...] = attrs.field(
        default=(), converter=_tuple, metadata=checked(_items_problem(Enrolment))
    )

    def _more_problems(self, problems: Problems) -> None:
        for name, ids in (
            ("vacancies", [v.id for v in self.vacancies]),
            ("quotas", [q.id for q in self.quotas]),
            ("incentives", [i.id for i in self.incentives]),
        ):
            first: dict[str, int] = {}
            for i, item_id in enumerate(ids):
                if item_id in first:
                    problems.add(
                        f"{name}[{i}].id",
                        f"duplicate id {item_id!r} (first at {name}[{first[item_id]}])",
                    )
                first.setdefault(item_id, i)
        quotas = {q.id: q for q in self.quotas}
        for i, vacancy in enumerate(self.vacancies):
            if vacancy.quota_id is None:
                continue
            quota = quotas.get(vacancy.quota_id)
            if quota is None:
                problems.add(f"vacancies[{i}].quota_id", f"unknown job quota {vacancy.quota_id!r}")
            elif quota.employer_id != vacancy.employer_id:
                problems.add(
                    f"vacancies[{i}].quota_id",
                    f"job quota {quota.id!r} is of employer {quota.employer_id!r}, "
                    f"not {vacancy.employer_id!r}",
                )
        known = {v.id: v for v in self.vacancies}
        by_vacancy: Counter[str] = Counter()
        by_quota: Counter[str] = Counter()
        seen: set[tuple[str, str]] = set()
        for i, h in enumerate(self.hires):
            hired = known.get(h.vacancy_id)
            if hired is None:
                problems.add(f"hires[{i}].vacancy_id", f"unknown vacancy {h.vacancy_id!r}")
                continue
            if (h.client_id, h.vacancy_id) in seen:
                problems.add(
                    f"hires[{i}].client_id",
                    f"{h.client_id!r} is already hired into vacancy {h.vacancy_id!r}",
                )
            seen.add((h.client_id, h.vacancy_id))
            by_vacancy[hired.id] += 1
            if by_vacancy[hired.id] > hired.places:
                problems.add(f"hires[{i}]", f"vacancy {hired.id!r} has only {hired.places} places")
            quota = quotas.get(hired.quota_id) if hired.quota_id is not None else None
            if quota is not None:
                by_quota[quota.id] += 1
                if by_quota[quota.id] > quota.places:
                    problems.add(
                        f"hires[{i}]", f"job quota {quota.id!r} has only {quota.places} places"
                    )
        for a, b in _overlap_pairs(self.enrolments):
            problems.add(f"enrolments[{b}]", f"overlaps enrolments[{a}]")


@attrs.frozen
class Match:
    """How one open vacancy suits one client.

    When it ``fits``, ``reasons`` say why (codes of :data:`FIT_CODES`); when it does
    not, they name *every* unmet condition (codes of :data:`UNMET_CODES`), never only
    the first. ``score`` ranks vacancies: 3 for each required skill the client
    holds, 2 when the vacancy's field is among the client's interests, 1 when it
    is in the client's municipality.
    """

    vacancy_id: str
    fits: bool
    score: int
    reasons: tuple[Reason, ...]

    @property
    def decision(self) -> Decision:
        """The decision on hiring the client into the vacancy: refused with every unmet
        condition, allowed when the vacancy fits."""
        return Decision(()) if self.fits else Decision(self.reasons)


# --- reading the book ------------------------------------------------------------------------


def _require(reserve: object, on: object = ..., **ids: object) -> None:
    """Raise a ValidationError naming every bad argument."""
    problems = Problems()
    problems.check("reserve", instance_problem(VacancyReserve)(reserve))
    for name, value in ids.items():
        problems.check(name, id_problem(value))
    if on is not ...:
        problems.check("on", date_problem(on))
    problems.raise_if_any()


def _unknown_vacancy(vacancy_id: str) -> RuleViolation:
    return RuleViolation(
        [Reason("vacancy.unknown", f"there is no vacancy {vacancy_id}", {"vacancy_id": vacancy_id})]
    )


def _find_vacancy(reserve: VacancyReserve, vacancy_id: str) -> Vacancy:
    for vacancy in reserve.vacancies:
        if vacancy.id == vacancy_id:
            return vacancy
    raise _unknown_vacancy(vacancy_id)


def vacancy_of(reserve: VacancyReserve, vacancy_id: str) -> Vacancy:
    """The vacancy ``vacancy_id``; refused with ``vacancy.unknown``."""
    _require(reserve, vacancy_id=vacancy_id)
    return _find_vacancy(reserve, vacancy_id)


def open_on(reserve: VacancyReserve, on: date) -> tuple[Vacancy, ...]:
    """The vacancies open on ``on``, in the order of the book (full ones included)."""
    _require(reserve, on)
    return tuple(v for v in reserve.vacancies if v.open_on(on))


class _Tally:
    """Hires counted once per vacancy and per quota, for reading many vacancies."""

    def __init__(self, reserve: VacancyReserve) -> None:
        self.quotas = {q.id: q for q in reserve.quotas}
        quota_of = {v.id: v.quota_id for v in reserve.vacancies}
        self.by_vacancy: Counter[str] = Counter(h.vacancy_id for h in reserve.hires)
        self.by_quota: Counter[str | None] = Counter(
            quota_of.get(h.vacancy_id) for h in reserve.hires
        )
        self.hired = {(h.client_id, h.vacancy_id) for h in reserve.hires}


def places_left(reserve: VacancyReserve, vacancy_id: str, on: date) -> int:
    """The places of the vacancy not yet filled by any hire in the book (whatever its date);
    0 when the vacancy is not open on ``on``. Refused with ``vacancy.unknown``.

    The vacancy's quota may leave fewer places still: see :func:`quota_use`.
    """
    _require(reserve, on, vacancy_id=vacancy_id)
    vacancy = _find_vacancy(reserve, vacancy_id)
    if not vacancy.open_on(on):
        return 0
    filled = sum(1 for h in reserve.hires if h.vacancy_id == vacancy_id)
    return vacancy.places - filled


def quota_use(reserve: VacancyReserve, quota_id: str) -> tuple[int, int]:
    """``(filled, places)`` of the job quota: hires into its vacancies, and its places.

    Refused with ``quota.unknown``.
    """
    _require(reserve, quota_id=quota_id)
    quota = next((q for q in reserve.quotas if q.id == quota_id), None)
    if quota is None:
        raise RuleViolation(
            [Reason("quota.unknown", f"there is no job quota {quota_id}", {"quota_id": quota_id})]
        )
    counted = {v.id for v in reserve.vacancies if v.quota_id == quota_id}
    return sum(1 for h in reserve.hires if h.vacancy_id in counted), quota.places


# --- matching --------------------------------------------------------------------------------


def _unmet(profile: LabourProfile, vacancy: Vacancy, tally: _Tally, on: date) -> list[Reason]:
    """Every condition the vacancy leaves unmet for the client on ``on``, in a fixed order."""
    reasons: list[Reason] = []
    vid = vacancy.id
    if not vacancy.open_on(on):
        until = vacancy.open_until.isoformat() if vacancy.open_until else None
        reasons.append(
            Reason(
                "match.closed",
                f"vacancy {vid} is not open on {on.isoformat()}",
                {
                    "vacancy_id": vid,
                    "open_from": vacancy.open_from.isoformat(),
                    "open_until": until,
                },
            )
        )
    filled = tally.by_vacancy[vid]
    if filled >= vacancy.places:
        reasons.append(
            Reason(
                "match.full",
                f"vacancy {vid} has no place left ({filled} of {vacancy.places} filled)",
                {"vacancy_id": vid, "filled": filled, "places": vacancy.places},
            )
        )
    quota = tally.quotas.get(vacancy.quota_id) if vacancy.quota_id is not None else None
    if quota is not None:
        used = tally.by_quota[quota.id]
        if used >= quota.places:
            reasons.append(
                Reason(
                    "match.quota_used_up",
                    f"job quota {quota.id} is used up ({used} of {quota.places} places filled)",
                    {"quota_id": quota.id, "filled": used, "places": quota.places},
                )
            )
        if on.year != quota.year:
            reasons.append(
                Reason(
                    "match.quota_year",
                    f"vacancy {vid} counts against job quota {quota.id} of {quota.year}, "
                    f"not {on.year}",
                    {"quota_id": quota.id, "year": quota.year},
                )
            )
    if (profile.client_id, vid) in tally.hired:
        reasons.append(
            Reason(
                "match.already_hired",
                f"{profile.client_id} is already hired into vacancy {vid}",
                {"client_id": profile.client_id, "vacancy_id": vid},
            )
        )
    missing = vacancy.skills - profile.abilities
    if missing and not vacancy.trains:
        reasons.append(
            Reason(
                "match.skills_missing",
                f"vacancy {vid} needs {_joined(missing)}, which the client lacks",
                {"vacancy_id": vid, "missing": _joined(missing)},
            )
        )
    if profile.education < vacancy.education:
        reasons.append(
            Reason(
                "match.education",
                f"vacancy {vid} needs {vacancy.education.name.lower()} education, "
                f"the client has {profile.education.name.lower()}",
                {
                    "vacancy_id": vid,
                    "needed": int(vacancy.education),
                    "held": int(profile.education),
                },
            )
        )
    excluded = vacancy.features & profile.excluded
    if excluded:
        reasons.append(
            Reason(
                "match.excluded_feature",
                f"vacancy {vid} involves {_joined(f.value for f in excluded)}, "
                "which the client must not be offered",
                {"vacancy_id": vid, "features": _joined(f.value for f in excluded)},
            )
        )
    if vacancy.municipality != profile.municipality and not profile.relocate:
        reasons.append(
            Reason(
                "match.municipality",
                f"vacancy {vid} is in {vacancy.municipality} and {profile.client_id} "
                f"will not work outside {profile.municipality}",
                {"vacancy_id": vid, "municipality": vacancy.municipality},
            )
        )
    return reasons


def _fit(profile: LabourProfile, vacancy: Vacancy, tally: _Tally) -> list[Reason]:
    """Why the vacancy fits the client."""
    reasons: list[Reason] = []
    vid = vacancy.id
    if vacancy.reserved:
        reasons.append(
            Reason(
                "match.reserved",
                f"vacancy {vid} is in the employment service's reserve for graduates",
                {"vacancy_id": vid},
            )
        )
    quota = tally.quotas.get(vacancy.quota_id) if vacancy.quota_id is not None else None
    if quota is not None:
        reasons.append(
            Reason(
                "match.quota",
                f"vacancy {vid} counts against job quota {quota.id}",
                {"quota_id": quota.id},
            )
        )
    held = vacancy.skills & profile.abilities
    missing = vacancy.skills - held
    if held or not vacancy.skills:
        text = f"the client holds {_joined(held)}" if held else "no particular skill is needed"
        reasons.append(Reason("match.skills", text, {"vacancy_id": vid, "held": _joined(held)}))
    if missing:
        reasons.append(
            Reason(
                "match.trains",
                f"the employer trains on the job: {_joined(missing)} are learnt at work",
                {"vacancy_id": vid, "missing": _joined(missing)},
            )
        )
    if vacancy.field is not None and vacancy.field in profile.interests:
        reasons.append(
            Reason(
                "match.interest",
                f"the client wants to work in {vacancy.field}",
                {"field": vacancy.field},
            )
        )
    if vacancy.municipality == profile.municipality:
        reasons.append(
            Reason(
                "match.local",
                f"vacancy {vid} is in the client's municipality",
                {"municipality": vacancy.municipality},
            )
        )
    else:
        reasons.append(
            Reason(
                "match.relocation",
                f"vacancy {vid} is in {vacancy.municipality}; the client is willing to move",
                {"municipality": vacancy.municipality},
            )
        )
    return reasons


def _score(profile: LabourProfile, vacancy: Vacancy) -> int:
    score = 3 * len(vacancy.skills & profile.abilities)
    if vacancy.field is not None and vacancy.field in profile.interests:
        score += 2
    if vacancy.municipality == profile.municipality:
        score += 1
    return score


def _match(profile: LabourProfile, vacancy: Vacancy, tally: _Tally, on: date) -> Match:
    unmet = _unmet(profile, vacancy, tally, on)
    reasons = unmet or _fit(profile, vacancy, tally)
    return Match(vacancy.id, not unmet, _score(profile, vacancy), tuple(reasons))


def _require_profile(reserve: object, profile: object, on: object, **ids: object) -> None:
    problems = Problems()
    problems.check("reserve", instance_problem(VacancyReserve)(reserve))
    problems.check("profile", instance_problem(LabourProfile)(profile))
    for name, value in ids.items():
        problems.check(name, id_problem(value))
    problems.check("on", date_problem(on))
    problems.raise_if_any()


def match(profile: LabourProfile, reserve: VacancyReserve, on: date) -> tuple[Match, ...]:
    """How every vacancy open on ``on`` suits the client (PL-08).

    Fitting vacancies come first: reserved ones before the others, then by score
    (highest first), then by id. The vacancies that do not fit follow in the same
    order, each with every unmet condition. The result does not depend on the
    order of the book.
    """
    _require_profile(reserve, profile, on)
    tally = _Tally(reserve)
    reserved = {v.id: v.reserved for v in reserve.vacancies}
    found = [_match(profile, v, tally, on) for v in reserve.vacancies if v.open_on(on)]
    return tuple(
        sorted(
            found, key=lambda m: (not m.fits, not reserved[m.vacancy_id], -m.score, m.vacancy_id)
        )
    )


# --- changing the book -----------------------------------------------------------------------


def hire(
    reserve: VacancyReserve, profile: LabourProfile, vacancy_id: str, on: date
) -> VacancyReserve:
    """Record the client's hire into the vacancy on ``on``; return the new book (PL-08).

    Refused with ``vacancy.unknown``, or with every unmet condition of :func:`match`
    (``match.closed``, ``match.full``, ``match.quota_used_up``, ``match.quota_year``,
    ``match.already_hired``, ``match.skills_missing``, ``match.education``,
    ``match.excluded_feature``, ``match.municipality``). A refused hire changes nothing.
    """
    _require_profile(reserve, profile, on, vacancy_id=vacancy_id)
    vacancy = _find_vacancy(reserve, vacancy_id)
    _match(profile, vacancy, _Tally(reserve), on).decision.raise_if_refused()
    return attrs.evolve(reserve, hires=(*reserve.hires, Hire(profile.client_id, vacancy_id, on)))


def incentives_due(
    reserve: VacancyReserve, hire: Hire
) -> tuple[tuple[EmployerIncentive, Money], ...]:
    """What the employer gets for ``hire``: each incentive that applies (to the vacancy's
    employer, or to any employer, on the hire's date) with its total, by incentive id.

    Refused with ``vacancy.unknown`` when the hire names no vacancy of the book.
    """
    problems = Problems()
    problems.check("reserve", instance_problem(VacancyReserve)(reserve))
    problems.check("hire", instance_problem(Hire)(hire))
    problems.raise_if_any()
    vacancy = _find_vacancy(reserve, hire.vacancy_id)
    due = [i for i in reserve.incentives if i.applies_to(vacancy.employer_id, hire.on)]
    return tuple((i, i.total) for i in sorted(due, key=lambda i: i.id))


def enrol(reserve: VacancyReserve, enrolment: Enrolment) -> VacancyReserve:
    """Record the client's enrolment in education or training; return the new book.

    Refused with ``enrolment.overlaps`` when the client is already enrolled in the
    same kind with the same provider for a day of the period.
    """
    problems = Problems()
    problems.check("reserve", instance_problem(VacancyReserve)(reserve))
    problems.check("enrolment", instance_problem(Enrolment)(enrolment))
    problems.raise_if_any()
    reasons = [
        Reason(
            "enrolment.overlaps",
            f"{enrolment.client_id} is already enrolled with {e.provider_id} "
            f"from {e.start.isoformat()}",
            {
                "client_id": e.client_id,
                "provider_id": e.provider_id,
                "start": e.start.isoformat(),
                "end": e.end.isoformat() if e.end else None,
            },
        )
        for e in reserve.enrolments
        if (e.client_id, e.kind, e.provider_id)
        == (enrolment.client_id, enrolment.kind, enrolment.provider_id)
        and e.overlaps(enrolment)
    ]
    if reasons:
        raise RuleViolation(reasons)
    return attrs.evolve(reserve, enrolments=(*reserve.enrolments, enrolment))


def _duplicate(kind: str, item_id: str) -> Reason:
    return Reason(f"{kind}.duplicate", f"the book already holds {kind} {item_id}", {"id": item_id})


def add_vacancy(reserve: VacancyReserve, vacancy: Vacancy) -> VacancyReserve:
    """Post a vacancy; return the new book.

    Refused with ``vacancy.duplicate``, ``quota.unknown`` or ``quota.other_employer``.
    """
    problems = Problems()
    problems.check("reserve", instance_problem(VacancyReserve)(reserve))
    problems.check("vacancy", instance_problem(Vacancy)(vacancy))
    problems.raise_if_any()
    reasons: list[Reason] = []
    if any(v.id == vacancy.id for v in reserve.vacancies):
        reasons.append(_duplicate("vacancy", vacancy.id))
    if vacancy.quota_id is not None:
        quota = next((q for q in reserve.quotas if q.id == vacancy.quota_id), None)
        if quota is None:
            reasons.append(
                Reason(
                    "quota.unknown",
                    f"there is no job quota {vacancy.quota_id}",
                    {"quota_id": vacancy.quota_id},
                )
            )
        elif quota.employer_id != vacancy.employer_id:
            reasons.append(
                Reason(
                    "quota.other_employer",
                    f"job quota {quota.id} is of employer {quota.employer_id}, "
                    f"not {vacancy.employer_id}",
                    {"quota_id": quota.id, "employer_id": quota.employer_id},
                )
            )
    if reasons:
        raise RuleViolation(reasons)
    return attrs.evolve(reserve, vacancies=(*reserve.vacancies, vacancy))


def add_quota(reserve: VacancyReserve, quota: JobQuota) -> VacancyReserve:
    """Record a job quota; return the new book. Refused with ``quota.duplicate``."""
    problems = Problems()
    problems.check("reserve", instance_problem(VacancyReserve)(reserve))
    problems.check("quota", instance_problem(JobQuota)(quota))
    problems.raise_if_any()
    if any(q.id == quota.id for q in reserve.quotas):
        raise RuleViolation([_duplicate("quota", quota.id)])
    return attrs.evolve(reserve, quotas=(*reserve.quotas, quota))


def add_incentive(reserve: VacancyReserve, incentive: EmployerIncentive) -> VacancyReserve:
    """Record an employer incentive; return the new book. Refused with ``incentive.duplicate``."""
    problems = Problems()
    problems.check("reserve", instance_problem(VacancyReserve)(reserve))
    problems.check("incentive", instance_problem(EmployerIncentive)(incentive))
    problems.raise_if_any()
    if any(i.id == incentive.id for i in reserve.incentives):
        raise RuleViolation([_duplicate("incentive", incentive.id)])
    return attrs.evolve(reserve, incentives=(*reserve.incentives, incentive))


# --- the stage IV outcome --------------------------------------------------------------------


def outcome_on(reserve: VacancyReserve, client_id: str, on: date) -> LabourResult:
    """The client's labour outcome on ``on``, the payload of ``complete_resocialization``
    (PW-06).

    ``employed`` when hired on or before ``on``; else ``in_education`` when enrolled
    in education on that day, else ``in_training`` when enrolled in training; else
    ``neither``.
    """
    _require(reserve, on, client_id=client_id)
    if any(h.client_id == client_id and h.on <= on for h in reserve.hires):
        return LabourResult(LabourOutcome.EMPLOYED)
    kinds = {e.kind for e in reserve.enrolments if e.client_id == client_id and e.covers(on)}
    for kind in (LabourOutcome.IN_EDUCATION, LabourOutcome.IN_TRAINING):
        if kind in kinds:
            return LabourResult(kind)
    return LabourResult(LabourOutcome.NEITHER)
