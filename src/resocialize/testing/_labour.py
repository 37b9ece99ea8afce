"""Hypothesis strategies for labour reintegration: client profiles, vacancies, quotas,
incentives, enrolments and whole vacancy reserves, valid by construction.

Values draw from small pools of skills, municipalities, employers and clients, so
that profiles and vacancies often meet, and dates from 2026 and 2027:

>>> from hypothesis import find
>>> from resocialize.testing._labour import labour_profiles
>>> find(labour_profiles(), lambda p: p.relocate).client_id
'client-0'
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, TypeVar

from hypothesis import strategies as st

from resocialize.labour import (
    ENROLMENT_KINDS,
    EducationLevel,
    EmployerIncentive,
    Enrolment,
    Hire,
    IncentiveKind,
    JobFeature,
    JobQuota,
    LabourProfile,
    Vacancy,
    VacancyReserve,
)
from resocialize.money import Money

__all__ = [
    "CLIENTS",
    "EMPLOYERS",
    "FIRST_DAY",
    "LAST_DAY",
    "MUNICIPALITIES",
    "SKILLS",
    "employer_incentives",
    "enrolments",
    "job_quotas",
    "labour_days",
    "labour_profiles",
    "vacancies",
    "vacancy_reserves",
]

SKILLS: Final = ("baking", "carpentry", "cleaning", "computing", "cooking", "welding")
"""The skills and courses drawn."""

FIELDS: Final = ("construction", "food", "services", "transport")
"""The lines of work drawn for vacancies and interests."""

MUNICIPALITIES: Final = ("North", "South", "Lake")
"""The municipalities drawn."""

EMPLOYERS: Final = ("bakery-1", "sawmill-1", "taxi-1", "farm-1")
"""The employers drawn."""

CLIENTS: Final = tuple(f"client-{i}" for i in range(6))
"""The client ids drawn."""

FIRST_DAY: Final = date(2026, 1, 1)
"""The first day drawn."""

LAST_DAY: Final = date(2027, 12, 31)
"""The last day drawn."""

_VACANCY_IDS: Final = tuple(f"v-{i}" for i in range(12))
_YEARS: Final = (2026, 2027)

T = TypeVar("T")


def labour_days() -> st.SearchStrategy[date]:
    """Days of 2026 and 2027."""
    return st.dates(FIRST_DAY, LAST_DAY)


def _subsets(pool: Sequence[T], most: int) -> st.SearchStrategy[frozenset[T]]:
    return st.frozensets(st.sampled_from(pool), max_size=most)


def labour_profiles(clients: tuple[str, ...] = CLIENTS) -> st.SearchStrategy[LabourProfile]:
    """Profiles of clients drawn from ``clients``, with skills, training, restrictions
    and interests from the small pools."""
    return st.builds(
        LabourProfile,
        client_id=st.sampled_from(clients),
        municipality=st.sampled_from(MUNICIPALITIES),
        skills=_subsets(SKILLS, 4),
        education=st.sampled_from(list(EducationLevel)),
        training=_subsets(SKILLS, 2),
        excluded=_subsets(list(JobFeature), 3),
        relocate=st.booleans(),
        interests=_subsets(FIELDS, 2),
    )


@st.composite
def vacancies(
    draw: st.DrawFn,
    id: str | None = None,
    quota: JobQuota | None = None,
) -> Vacancy:
    """A vacancy open from a day of 2026-2027, for good or up to a year.

    With ``quota`` it is of the quota's employer, counts against it and opens in
    its year.
    """
    if quota is None:
        employer = draw(st.sampled_from(EMPLOYERS))
        open_from = draw(labour_days())
    else:
        employer = quota.employer_id
        open_from = draw(st.dates(date(quota.year, 1, 1), date(quota.year, 12, 31)))
    length = draw(st.one_of(st.none(), st.integers(0, 365)))
    return Vacancy(
        id=draw(st.sampled_from(_VACANCY_IDS)) if id is None else id,
        employer_id=employer,
        title="Job",
        municipality=draw(st.sampled_from(MUNICIPALITIES)),
        places=draw(st.integers(1, 3)),
        open_from=open_from,
        open_until=None if length is None else open_from + timedelta(days=length),
        skills=draw(_subsets(SKILLS, 3)),
        education=draw(st.sampled_from(list(EducationLevel))),
        features=draw(_subsets(list(JobFeature), 2)),
        reserved=draw(st.booleans()),
        quota_id=None if quota is None else quota.id,
        trains=draw(st.booleans()),
        field=draw(st.one_of(st.none(), st.sampled_from(FIELDS))),
    )


def job_quotas(id: str = "q-0") -> st.SearchStrategy[JobQuota]:
    """A job quota of 1 to 3 places for 2026 or 2027."""
    return st.builds(
        JobQuota,
        id=st.just(id),
        employer_id=st.sampled_from(EMPLOYERS),
        held_by=st.just("employment-1"),
        year=st.sampled_from(_YEARS),
        places=st.integers(1, 3),
    )


@st.composite
def employer_incentives(draw: st.DrawFn, id: str = "i-0") -> EmployerIncentive:
    """An incentive for one employer or any, paid once or monthly, sometimes for a period."""
    start = draw(st.one_of(st.none(), labour_days()))
    length = draw(st.one_of(st.none(), st.integers(0, 365)))
    return EmployerIncentive(
        id=id,
        employer_id=draw(st.one_of(st.none(), st.sampled_from(EMPLOYERS))),
        kind=draw(st.sampled_from(list(IncentiveKind))),
        amount=Money(Decimal(draw(st.integers(1, 5_000_000))).scaleb(-2), "RUB"),
        months=draw(st.integers(1, 12)),
        source=draw(st.sampled_from(["regional", "federal", "municipal"])),
        valid_from=start,
        valid_until=None if start is None or length is None else start + timedelta(days=length),
    )


@st.composite
def enrolments(draw: st.DrawFn, clients: tuple[str, ...] = CLIENTS) -> Enrolment:
    """An enrolment in education or training, open-ended or up to two years."""
    start = draw(labour_days())
    length = draw(st.one_of(st.none(), st.integers(0, 730)))
    return Enrolment(
        client_id=draw(st.sampled_from(clients)),
        kind=draw(st.sampled_from(sorted(ENROLMENT_KINDS))),
        provider_id=draw(st.sampled_from(["college-1", "school-1", "courses-1"])),
        start=start,
        end=None if length is None else start + timedelta(days=length),
    )


def _hire_days(vacancy: Vacancy, quota: JobQuota | None) -> st.SearchStrategy[date]:
    last = vacancy.open_until or LAST_DAY
    if quota is not None:
        last = min(last, date(quota.year, 12, 31))
    return st.dates(vacancy.open_from, max(vacancy.open_from, last))


@st.composite
def vacancy_reserves(draw: st.DrawFn, clients: tuple[str, ...] = CLIENTS) -> VacancyReserve:
    """A consistent book: up to 3 quotas, 6 vacancies (some against the quotas), hires
    within the places of each vacancy and quota, on days the vacancy is open (and in its
    quota's year), incentives, and enrolments that do not overlap."""
    quota_count = draw(st.integers(0, 3))
    quotas = [draw(job_quotas(f"q-{i}")) for i in range(quota_count)]
    ids = draw(st.lists(st.sampled_from(_VACANCY_IDS), unique=True, max_size=6))
    posted: list[tuple[Vacancy, JobQuota | None]] = []
    for vacancy_id in ids:
        quota = draw(st.one_of(st.none(), st.sampled_from(quotas))) if quotas else None
        posted.append((draw(vacancies(id=vacancy_id, quota=quota)), quota))
    left = {q.id: q.places for q in quotas}
    hires: list[Hire] = []
    for vacancy, quota in posted:
        most = vacancy.places if quota is None else min(vacancy.places, left[quota.id])
        hired = draw(st.lists(st.sampled_from(clients), unique=True, max_size=most))
        if quota is not None:
            left[quota.id] -= len(hired)
        hires += [Hire(c, vacancy.id, draw(_hire_days(vacancy, quota))) for c in hired]
    incentive_count = draw(st.integers(0, 3))
    return VacancyReserve(
        vacancies=tuple(v for v, _ in posted),
        quotas=tuple(quotas),
        incentives=tuple(draw(employer_incentives(f"i-{i}")) for i in range(incentive_count)),
        hires=tuple(draw(st.permutations(hires))),
        enrolments=tuple(
            draw(
                st.lists(
                    enrolments(clients),
                    max_size=3,
                    unique_by=lambda e: (e.client_id, e.kind, e.provider_id),
                )
            )
        ),
    )
