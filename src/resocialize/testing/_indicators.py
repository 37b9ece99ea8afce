"""Hypothesis strategies and a seeded region for indicators (MR-02) and spending (MR-03).

Every value is valid by construction: case lists get distinct ids by rewriting
the opening record and replaying the history (no filtering), periods end on or
after they start, and tables are counted by :func:`~resocialize.indicators.indicators`
itself. :func:`region_year` walks a region's cases through a year with
:func:`~resocialize.pathway.advance` from one seed, for fixtures checked against
counts made by other means.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

import attrs
from hypothesis import strategies as st

from resocialize.indicators import (
    DIMENSIONS,
    CaseAttributes,
    IndicatorTable,
    Period,
    indicators,
)
from resocialize.pathway import Case, PathwayRules, advance, allowed_events, identify, replay
from resocialize.people import Sex
from resocialize.records import Opening, Origin, Referral, ReferralSource
from resocialize.spending import SpendingTable, spending

from ._pathway import base32, facts_from, seeded_facts_choices, weighted_events

__all__ = [
    "REGION_ZONE",
    "case_attributes",
    "case_lists",
    "cases_with_periods",
    "indicator_tables",
    "periods",
    "region_year",
    "spending_tables",
]

_FIRST = date(2000, 1, 1)
_LAST = date(2099, 12, 31)
_MUNICIPALITIES = ("mun-north", "mun-south", "mun-east", "mun-west")
_AGE_GROUPS = ("14-17", "18-24", "25-34", "35-49", "50+")

REGION_ZONE = timezone(timedelta(hours=3))
"""The one offset of :func:`region_year`'s entries, so their dates never go backwards."""


def periods(min_value: date = _FIRST, max_value: date = _LAST) -> st.SearchStrategy[Period]:
    """Periods within ``[min_value, max_value]``: a day to a few years long."""

    @st.composite
    def build(draw: st.DrawFn) -> Period:
        start = draw(st.dates(min_value, max_value))
        length = draw(st.integers(0, 3 * 366))
        return Period(start, min(max_value, start + timedelta(days=length)))

    return build()


def case_attributes() -> st.SearchStrategy[CaseAttributes]:
    """Attributes of a case: municipality, age group and sex, each sometimes unrecorded."""
    return st.builds(
        CaseAttributes,
        municipality=st.one_of(st.none(), st.sampled_from(_MUNICIPALITIES)),
        age_group=st.one_of(st.none(), st.sampled_from(_AGE_GROUPS)),
        sex=st.sampled_from(list(Sex)),
    )


def _renamed(case: Case, case_id: str) -> Case:
    """The same history under another case id: the opening record rewritten, replayed."""
    opening = case.history[0].record
    assert isinstance(opening, Opening)
    first = attrs.evolve(case.history[0], record=attrs.evolve(opening, case_id=case_id))
    return replay((first, *case.history[1:]))


def case_lists(max_cases: int = 6, max_events: int = 30) -> st.SearchStrategy[list[Case]]:
    """Lists of valid cases (random walks) with distinct ids ``case-0``, ``case-1`` ..."""
    from .strategies import cases

    return st.lists(cases(max_events), max_size=max_cases).map(
        lambda found: [_renamed(case, f"case-{i}") for i, case in enumerate(found)]
    )


@st.composite
def cases_with_periods(
    draw: st.DrawFn, max_cases: int = 6, max_periods: int = 3
) -> tuple[list[Case], tuple[Period, ...]]:
    """Cases and a run of periods placed around the day of one of their entries (so that
    the periods see the histories move), or anywhere when there is no case.

    Each period starts after the one before; most follow it without a gap, some leave
    a gap or overlap it."""
    found = draw(case_lists(max_cases))
    entries = [entry for case in found for entry in case.history]
    if entries:
        pivot = draw(st.sampled_from(entries)).at.date()
        start = pivot - timedelta(days=draw(st.integers(0, 400)))
    else:
        start = draw(st.dates(_FIRST, date(2090, 1, 1)))
    runs: list[Period] = []
    for _ in range(draw(st.integers(1, max_periods))):
        length = draw(st.integers(0, 500))
        runs.append(Period(start, start + timedelta(days=length)))
        gap = draw(st.sampled_from([0, 0, 0, 1, 30, -1, -length]))
        start = start + timedelta(days=max(1, length + 1 + gap))
    return found, tuple(runs)


@st.composite
def indicator_tables(draw: st.DrawFn) -> IndicatorTable:
    """Tables counted from random cases, periods and one grouping dimension (or none)."""
    found, runs = draw(cases_with_periods(max_cases=4, max_periods=2))
    by = draw(st.sampled_from([(), *((d,) for d in DIMENSIONS)]))
    attributes = {case.id: draw(case_attributes()) for case in found}
    return indicators(found, runs, by=by, attributes=attributes)


@st.composite
def spending_tables(draw: st.DrawFn) -> SpendingTable:
    """Spending tables read from funding built by issuing and placing certificates (no case
    histories: nothing completed), on a day some time after the first issue."""
    from ._funding import fundings

    funds = draw(fundings())
    as_of = draw(st.dates(date(2025, 12, 1), date(2027, 12, 31)))
    return spending(funds.ledger, funds.book, [], as_of=as_of)


# --- a seeded region ---------------------------------------------------------------------

_SOURCES = tuple(ReferralSource)
_ORIGINS = tuple(Origin)
_SEXES = (Sex.FEMALE, Sex.MALE, Sex.UNRECORDED)
_REGION_RULES = PathwayRules(remission_months=3)
_CENTERS = 5


def _gap(rng: random.Random, case: Case) -> timedelta:
    """Time to the next event: days in stages I and II, weeks to months later on."""
    stage = case.stage
    longest = 20 if stage is None or stage <= 2 else 90
    return timedelta(days=rng.randint(0, longest), minutes=rng.randint(0, 600))


def region_year(
    seed: int, cases: int = 300, year: int = 2026
) -> tuple[tuple[Case, ...], Mapping[str, CaseAttributes]]:
    """A region's cases, opened from the start of the year before ``year`` to its end and
    walked with :func:`~resocialize.pathway.advance` to the end of ``year``, with their
    attributes; the same for the same arguments.

    Each step takes an allowed event (forward ones more often) on facts made from the
    seed, admissions among five centers always satisfied; every entry is in
    :data:`REGION_ZONE`. Sustained remission comes after 3 months in patronage.
    """
    rng = random.Random(seed)
    first = datetime(year - 1, 1, 1, tzinfo=REGION_ZONE)
    last = datetime(year, 12, 31, 23, 59, tzinfo=REGION_ZONE)
    span = int((last - first).total_seconds() // 60)
    out: list[Case] = []
    attributes: dict[str, CaseAttributes] = {}
    for i in range(cases):
        at = first + timedelta(minutes=rng.randrange(span))
        case = identify(
            f"case-{i:05d}",
            f"cl-{base32(rng.getrandbits(40), 8)}",
            referral=Referral(rng.choice(_SOURCES), at.date(), f"dept-{rng.randrange(3)}"),
            origin=rng.choice(_ORIGINS),
            at=at,
            by="officer-1",
            minor=rng.randrange(6) == 0,
        )
        for _ in range(60):
            at = case.history[-1].at + _gap(rng, case)
            if at > last or case.closed:
                break
            choices = seeded_facts_choices(1 + rng.getrandbits(31))._replace(
                mismatch=0, center=rng.randrange(_CENTERS)
            )
            facts = facts_from(choices, case, at, _REGION_RULES)
            allowed = allowed_events(case, facts, at=at, rules=_REGION_RULES)
            if not allowed:
                continue
            event = rng.choice(weighted_events(case, allowed))
            case = advance(
                case, event, at=at, by="officer-1", facts=facts, rules=_REGION_RULES
            ).case
        out.append(case)
        if rng.randrange(5):
            attributes[case.id] = CaseAttributes(
                rng.choice(_MUNICIPALITIES),
                rng.choice((*_AGE_GROUPS, None)),
                rng.choice(_SEXES),
            )
    return tuple(out), attributes
