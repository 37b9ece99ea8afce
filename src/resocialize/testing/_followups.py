"""Hypothesis strategies for follow-ups: rules, outcomes, records (MR-01).

Records drawn by :func:`follow_up_records_for` are valid for their case by
construction: each follows up a follow-up the case's history scheduled, once,
dated from its anchor to the day it was dropped or missed (or some weeks past
its grace when it never was).
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from hypothesis import strategies as st

from resocialize.followups import (
    DEFAULT_FOLLOW_UP_RULES,
    Change,
    FollowUpOutcome,
    FollowUpPoint,
    FollowUpRecord,
    FollowUpRules,
    HousingStatus,
    LegalStatus,
    UseStatus,
    _plan,
)
from resocialize.pathway import Case
from resocialize.records import LabourOutcome

__all__ = [
    "follow_up_outcomes",
    "follow_up_points",
    "follow_up_records",
    "follow_up_records_for",
    "follow_up_rules",
]

_WORKERS = st.from_regex(r"worker-[0-9]{1,3}", fullmatch=True)
_LATE_DAYS = 60
"""How many days past the grace a record of a follow-up never dropped may be dated."""


def follow_up_points() -> st.SearchStrategy[FollowUpPoint]:
    """The points of the pathway a follow-up is asked at."""
    return st.sampled_from(list(FollowUpPoint))


def _increasing(low: int, high: int, max_size: int) -> st.SearchStrategy[tuple[int, ...]]:
    return st.sets(st.integers(low, high), max_size=max_size).map(lambda s: tuple(sorted(s)))


def follow_up_rules() -> st.SearchStrategy[FollowUpRules]:
    """Schedules: up to 4 follow-ups 1-36 months after discharge, up to 6 of 1-400 days
    in patronage, 0-60 days of grace, a target above 0 and up to 1."""
    return st.builds(
        FollowUpRules,
        after_discharge_months=_increasing(1, 36, 4),
        patronage_days=_increasing(1, 400, 6),
        grace_days=st.integers(0, 60),
        target=st.integers(1, 100).flatmap(
            lambda d: st.integers(1, d).map(lambda n: Fraction(n, d))
        ),
    )


def follow_up_outcomes() -> st.SearchStrategy[FollowUpOutcome]:
    """What a follow-up found, every domain drawn (unknown included)."""
    return st.builds(
        FollowUpOutcome,
        use=st.sampled_from(list(UseStatus)),
        housing=st.sampled_from(list(HousingStatus)),
        activity=st.one_of(st.none(), st.sampled_from(list(LabourOutcome))),
        legal=st.sampled_from(list(LegalStatus)),
        family=st.sampled_from(list(Change)),
        health=st.sampled_from(list(Change)),
    )


def follow_up_records() -> st.SearchStrategy[FollowUpRecord]:
    """Well-formed records of any case and key (not tied to a history)."""
    keys = st.one_of(
        st.builds("admission:{}".format, st.integers(1, 9)),
        st.builds("discharge:{}".format, st.integers(1, 9)),
        st.builds("after_discharge:{}:{}m".format, st.integers(1, 9), st.integers(1, 36)),
        st.builds("patronage:{}:{}d".format, st.integers(1, 9), st.integers(1, 400)),
    )
    return st.builds(
        FollowUpRecord,
        case_id=st.from_regex(r"case-[0-9a-z]{1,8}", fullmatch=True),
        key=keys,
        done_on=st.dates(date(2000, 1, 1), date(2100, 12, 31)),
        by=_WORKERS,
        outcome=follow_up_outcomes(),
    )


@st.composite
def _records_for(draw: st.DrawFn, case: Case, rules: FollowUpRules) -> tuple[FollowUpRecord, ...]:
    plan = _plan(case, rules, None, whole=True, path="case")
    records = []
    for n, due in enumerate(plan.dues):
        if not draw(st.booleans()):
            continue
        stop = plan.stops.get(n)
        if stop is not None:
            last = stop[1]
        else:
            last = due.due + timedelta(days=rules.grace_days + _LATE_DAYS)
        days = draw(st.integers(0, (last - due.anchor).days))
        records.append(
            FollowUpRecord(
                case.id,
                due.key,
                due.anchor + timedelta(days=days),
                draw(_WORKERS),
                draw(follow_up_outcomes()),
            )
        )
    return tuple(draw(st.permutations(records)))


def follow_up_records_for(
    case: Case, rules: FollowUpRules = DEFAULT_FOLLOW_UP_RULES
) -> st.SearchStrategy[tuple[FollowUpRecord, ...]]:
    """Valid records of some of ``case``'s follow-ups under ``rules``, in any order: each
    key at most once, dated from its anchor to the day it was dropped or missed (or up to
    60 days past its grace)."""
    return _records_for(case, rules)
