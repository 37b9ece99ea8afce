"""Effectiveness of a center, measured from case histories (RG-06).

A center's effectiveness over a period is counted from the history of every
case: the entries with event ``admit`` or ``transfer`` carry a
:class:`~resocialize.records.Placement` naming the center. Each admission opens
a **stay** at that center; the stay ends with exactly one outcome:

- **completion**: ``complete_rehabilitation`` (the client graduates from stage III);
- **dropout**: ``drop_out`` during the stay;
- **consent withdrawn**: ``withdraw_consent`` during the stay (counted apart from dropout);
- **transfer out**: ``transfer`` to another center;
- **relapse**: ``relapse`` during the stay;
- **other exit**: custody, moving away or death during the stay;
- or none yet: the stay is **ongoing** on ``as_of``.

The counts follow a cohort: the stays whose admission falls in ``[start, end]``
(dates of the entries, in their own UTC offset), with their outcomes as recorded
up to ``as_of`` (default ``end``); entries after ``as_of`` are not read. So
every rate's numerator is a part of its denominator, and the outcomes plus the
ongoing stays add up to the admissions.

- **Completion rate**: completions / admissions (ongoing stays count in the
  denominator: measure a period whose stays have had time to end).
- **Retention at 90 days** (:data:`RETENTION_DAYS`): of the admissions at least 90
  days before ``as_of``, the share still in the program on day 90 after admission
  or already completed by then. A transfer out before day 90 is not retention.
- **Remission at 6 and 12 months**: of the center's completers whose 6 (12) months
  after completion have passed by ``as_of``, the share with no ``relapse`` recorded
  in those months. A completer who moved away or died before the months ran out,
  with no relapse before, is lost to follow-up and counted in neither part.

Rates are exact :class:`~fractions.Fraction` values, ``None`` when the
denominator is 0.

>>> from datetime import date, datetime, timedelta, timezone
>>> from resocialize.effectiveness import effectiveness
>>> from resocialize.facts import CenterStanding, CertificateStanding, ContractStanding, Facts
>>> from resocialize.organizations import OwnershipForm
>>> from resocialize.pathway import Event, advance, identify
>>> from resocialize.records import Origin, Referral, ReferralSource
>>> def admitted(case_id, at):
...     case = identify(case_id, "cl-" + case_id, origin=Origin.COMMUNITY, at=at, by="officer-1",
...                     referral=Referral(ReferralSource.SELF, at.date(), "dept-1"))
...     for event in (Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT):
...         case = advance(case, event, at=at, by="officer-1").case
...     case = advance(case, Event.RECORD_PROGRAM, at=at, by="officer-1",
...                    facts=Facts(program_id="irp-1")).case
...     facts = Facts(
...         certificate=CertificateStanding("cert-1", "cl-" + case_id, date(2026, 1, 1),
...                                         date(2027, 1, 1), "center-1"),
...         contract=ContractStanding("contract-1", "cl-" + case_id, "center-1", True),
...         center=CenterStanding("center-1", True, True, True, 5, OwnershipForm.STATE),
...     )
...     return advance(case, Event.ADMIT, at=at, by="officer-1", facts=facts).case
>>> at = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)
>>> graduate = advance(admitted("a", at), Event.COMPLETE_REHABILITATION,
...                    at=at + timedelta(days=120), by="center-1").case
>>> dropout = advance(admitted("b", at), Event.DROP_OUT,
...                   at=at + timedelta(days=30), by="center-1").case
>>> result = effectiveness("center-1", [graduate, dropout],
...                        start=date(2026, 1, 1), end=date(2026, 12, 31))
>>> result.admissions, result.completions, result.dropouts
(2, 1, 1)
>>> result.completion_rate, result.retention_rate
(Fraction(1, 2), Fraction(1, 2))
>>> result.remission_6m_rate, result.remission_12m_cohort, result.remission_12m_rate
(Fraction(1, 1), 0, None)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from fractions import Fraction
from typing import Final

import attrs

from ._checks import Checked, Problems, checked, count_problem, date_problem, text_problem
from .errors import FieldProblem, ValidationError
from .guards import add_months
from .pathway import Case, Event
from .records import Placement

__all__ = [
    "MEASURES",
    "RETENTION_DAYS",
    "Effectiveness",
    "effectiveness",
    "effectiveness_by_center",
]

RETENTION_DAYS: Final = 90
"""Retention is measured on this day after admission (an illustrative convention, common
in addiction-treatment outcome studies; not a figure of the seeds)."""

MEASURES: Final = (
    "completion_rate",
    "retention_rate",
    "remission_6m_rate",
    "remission_12m_rate",
)
"""The rates a qualification criterion may set a minimum for (RG-06)."""


_COUNT: Final = checked(count_problem)


def _rate(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


@attrs.frozen
class Effectiveness(Checked):
    """One center's effectiveness: stays admitted in ``[start, end]``, outcomes up to ``as_of``.

    Every stay admitted in the period is counted once in ``admissions`` and at most
    once among the exits (``completions`` ... ``other_exits``); the rest are
    :attr:`ongoing`.
    """

    center_id: str = attrs.field(metadata=checked(text_problem))
    start: date = attrs.field(metadata=checked(date_problem))
    end: date = attrs.field(metadata=checked(date_problem))
    as_of: date = attrs.field(metadata=checked(date_problem))
    admissions: int = attrs.field(default=0, metadata=_COUNT)
    """Stays at the center admitted (``admit`` or ``transfer`` into it) in ``[start, end]``."""
    completions: int = attrs.field(default=0, metadata=_COUNT)
    """Stays that ended with ``complete_rehabilitation``: the center's graduates."""
    dropouts: int = attrs.field(default=0, metadata=_COUNT)
    """Stays that ended with ``drop_out``."""
    consent_withdrawals: int = attrs.field(default=0, metadata=_COUNT)
    """Stays that ended with ``withdraw_consent``."""
    transfers_out: int = attrs.field(default=0, metadata=_COUNT)
    """Stays that ended with a ``transfer`` to another center."""
    relapses: int = attrs.field(default=0, metadata=_COUNT)
    """Stays that ended with ``relapse``."""
    other_exits: int = attrs.field(default=0, metadata=_COUNT)
    """Stays that ended in custody, by moving away or by death."""
    retention_cohort: int = attrs.field(default=0, metadata=_COUNT)
    """Admissions at least :data:`RETENTION_DAYS` days before ``as_of``."""
    retained: int = attrs.field(default=0, metadata=_COUNT)
    """Of the retention cohort: still in the program on day 90, or completed by then."""
    remission_6m_cohort: int = attrs.field(default=0, metadata=_COUNT)
    """Completers followed up 6 months after completion by ``as_of``."""
    remission_6m: int = attrs.field(default=0, metadata=_COUNT)
    """Of those: no relapse recorded in the 6 months."""
    remission_12m_cohort: int = attrs.field(default=0, metadata=_COUNT)
    """Completers followed up 12 months after completion by ``as_of``."""
    remission_12m: int = attrs.field(default=0, metadata=_COUNT)
    """Of those: no relapse recorded in the 12 months."""

    def _more_problems(self, problems: Problems) -> None:
        if self.end < self.start:
            problems.add("end", "must not be before start")
        if self.as_of < self.end:
            problems.add("as_of", "must not be before end")
        if self.exits > self.admissions:
            problems.add("admissions", f"must be at least the {self.exits} exits counted")
        for part, whole in (
            ("retention_cohort", "admissions"),
            ("retained", "retention_cohort"),
            ("remission_6m_cohort", "completions"),
            ("remission_6m", "remission_6m_cohort"),
            ("remission_12m_cohort", "remission_6m_cohort"),
            ("remission_12m", "remission_12m_cohort"),
        ):
            if getattr(self, part) > getattr(self, whole):
                problems.add(part, f"must not be more than {whole}")

    @property
    def exits(self) -> int:
        """Stays that ended by ``as_of``, whatever the outcome."""
        return (
            self.completions
            + self.dropouts
            + self.consent_withdrawals
            + self.transfers_out
            + self.relapses
            + self.other_exits
        )

    @property
    def ongoing(self) -> int:
        """Stays still in the program on ``as_of``."""
        return self.admissions - self.exits

    @property
    def graduates(self) -> int:
        """The center's graduates: stays completed (the same as :attr:`completions`)."""
        return self.completions

    @property
    def completion_rate(self) -> Fraction | None:
        """Completions / admissions."""
        return _rate(self.completions, self.admissions)

    @property
    def dropout_rate(self) -> Fraction | None:
        """Dropouts / admissions (consent withdrawals not included)."""
        return _rate(self.dropouts, self.admissions)

    @property
    def retention_rate(self) -> Fraction | None:
        """Retained / retention cohort: still in the program or completed on day 90."""
        return _rate(self.retained, self.retention_cohort)

    @property
    def remission_6m_rate(self) -> Fraction | None:
        """Completers with no relapse in the 6 months after completion / those followed up."""
        return _rate(self.remission_6m, self.remission_6m_cohort)

    @property
    def remission_12m_rate(self) -> Fraction | None:
        """Completers with no relapse in the 12 months after completion / those followed up."""
        return _rate(self.remission_12m, self.remission_12m_cohort)


# --- the one pass -----------------------------------------------------------------------------

# indexes into a center's list of counts, in the order of Effectiveness's count fields
_ADMISSIONS, _COMPLETIONS, _DROPOUTS, _WITHDRAWALS, _TRANSFERS, _RELAPSES, _OTHER = range(7)
_COHORT, _RETAINED, _COHORT_6, _REMISSION_6, _COHORT_12, _REMISSION_12 = range(7, 13)
_FIELDS: Final = 13

_START, _TRANSFER, _COMPLETE, _DROP, _WITHDRAW, _RELAPSE, _OTHER_EXIT, _LOST = range(8)
_ROLE: Final[Mapping[Event, int]] = {
    Event.ADMIT: _START,
    Event.TRANSFER: _TRANSFER,
    Event.COMPLETE_REHABILITATION: _COMPLETE,
    Event.DROP_OUT: _DROP,
    Event.WITHDRAW_CONSENT: _WITHDRAW,
    Event.RELAPSE: _RELAPSE,
    Event.DETAIN: _OTHER_EXIT,
    Event.MOVE_AWAY: _LOST,
    Event.RECORD_DEATH: _LOST,
}
"""The events that matter here; every other event is skipped without a look at its date."""

_EXIT_FIELD: Final[Mapping[int, int]] = {
    _TRANSFER: _TRANSFERS,
    _COMPLETE: _COMPLETIONS,
    _DROP: _DROPOUTS,
    _WITHDRAW: _WITHDRAWALS,
    _RELAPSE: _RELAPSES,
    _OTHER_EXIT: _OTHER,
    _LOST: _OTHER,
}


def _period_problems(start: object, end: object, as_of: object) -> list[FieldProblem]:
    """Every problem of the period; ``as_of`` of ``None`` stands for ``end``."""
    given = (("start", start), ("end", end)) + ((("as_of", as_of),) if as_of is not None else ())
    problems = [
        FieldProblem(name, message)
        for name, value in given
        if (message := date_problem(value)) is not None
    ]
    if not problems:
        assert isinstance(start, date) and isinstance(end, date)
        if end < start:
            problems.append(FieldProblem("end", f"{end} is before start {start}"))
        if isinstance(as_of, date) and as_of < end:
            problems.append(FieldProblem("as_of", f"{as_of} is before end {end}"))
    return problems


def _count_all(
    cases: Iterable[Case], start: date, end: date, as_of: date, only: str | None
) -> dict[str, list[int]]:
    """Count every center's stays (or only ``only``'s) in one pass over the histories."""
    if isinstance(cases, str | bytes) or not isinstance(cases, Iterable):
        raise ValidationError.at("cases", "must be an iterable of Case")
    counts: dict[str, list[int]] = {}
    problems: list[FieldProblem] = []
    role_of = _ROLE.get
    retention = timedelta(days=RETENTION_DAYS)
    for i, case in enumerate(cases):
        if type(case) is not Case:
            problems.append(
                FieldProblem(f"cases[{i}]", f"must be a Case, not {type(case).__name__}")
            )
            continue
        if case.center_id is None:
            continue  # never admitted anywhere: nothing to count
        open_stay = False
        stay: list[int] | None = None  # the counts of the open stay's center, if it is counted
        admitted_on = as_of
        followed: list[_FollowUp] = []  # counted completions whose follow-up is still open
        for entry in case.history:
            role = role_of(entry.event)
            if role is None:
                continue
            day = entry.at.date()
            if day > as_of:
                break
            if followed and role in (_RELAPSE, _LOST):
                _follow_up(followed, as_of, relapse=role == _RELAPSE, on=day)
                followed = []
            if open_stay:
                if role == _START:
                    role = _TRANSFER  # stays never overlap: an admission ends the open one
                if stay is not None:
                    stay[_EXIT_FIELD[role]] += 1
                    if admitted_on + retention <= as_of and (
                        role == _COMPLETE or day >= admitted_on + retention
                    ):
                        stay[_RETAINED] += 1
                    if role == _COMPLETE:
                        followed.append((stay, add_months(day, 6), add_months(day, 12)))
                open_stay = False
                stay = None
            if role in (_START, _TRANSFER):
                record = entry.record
                if type(record) is not Placement:
                    problems.append(
                        FieldProblem(
                            f"cases[{i}].history[{case.history.index(entry)}].record",
                            f"event {entry.event.value} must record a Placement, not {record!r}",
                        )
                    )
                    break
                open_stay = True
                admitted_on = day
                center = record.center_id
                if start <= day <= end and (only is None or center == only):
                    stay = counts.get(center)
                    if stay is None:
                        stay = counts[center] = [0] * _FIELDS
                    stay[_ADMISSIONS] += 1
                    if day + retention <= as_of:
                        stay[_COHORT] += 1
        if stay is not None and admitted_on + retention <= as_of:
            stay[_RETAINED] += 1  # still in the program on as_of, so on day 90 too
        if followed:
            _follow_up(followed, as_of, relapse=False, on=None)
    if problems:
        raise ValidationError(problems)
    return counts


_FollowUp = tuple[list[int], date, date]
"""A counted completion under follow-up: its center's counts, the 6- and 12-month due dates."""


def _follow_up(followed: list[_FollowUp], as_of: date, *, relapse: bool, on: date | None) -> None:
    """Close the follow-up of completions: at the first relapse after them (``relapse``,
    ``on``), when the client is lost to follow-up (moved away or died ``on``), or at the
    end of what is read (``on`` is None).

    A window counts only when it has run out by ``as_of``. A relapse on or before
    its end is a failure; a loss before its end leaves the completer out.
    """
    for counts, due_6, due_12 in followed:
        for due, cohort, remission in (
            (due_6, _COHORT_6, _REMISSION_6),
            (due_12, _COHORT_12, _REMISSION_12),
        ):
            if due > as_of:
                continue
            if on is not None and on <= due:
                if relapse:
                    counts[cohort] += 1
                elif on < due:
                    continue  # lost to follow-up before the window ran out
                else:
                    counts[cohort] += 1
                    counts[remission] += 1
            else:
                counts[cohort] += 1
                counts[remission] += 1


def _value(center_id: str, counts: list[int], start: date, end: date, as_of: date) -> Effectiveness:
    return Effectiveness(center_id, start, end, as_of, *counts)


def effectiveness(
    center_id: str,
    cases: Iterable[Case],
    *,
    start: date,
    end: date,
    as_of: date | None = None,
) -> Effectiveness:
    """The effectiveness of ``center_id``: stays admitted in ``[start, end]``, outcomes read up
    to ``as_of`` (default ``end``), in one pass over ``cases``.

    A center with no admission in the period gets zero counts and rates of ``None``.
    Raises :class:`~resocialize.errors.ValidationError` listing every bad argument, and
    every case that is not a :class:`~resocialize.pathway.Case` or whose admission
    records no :class:`~resocialize.records.Placement`.
    """
    problems = _period_problems(start, end, as_of)
    message = text_problem(center_id)
    if message is not None:
        problems.insert(0, FieldProblem("center_id", message))
    if problems:
        raise ValidationError(problems)
    as_of = end if as_of is None else as_of
    counts = _count_all(cases, start, end, as_of, center_id).get(center_id, [0] * _FIELDS)
    return _value(center_id, counts, start, end, as_of)


def effectiveness_by_center(
    cases: Iterable[Case], *, start: date, end: date, as_of: date | None = None
) -> Mapping[str, Effectiveness]:
    """The effectiveness of every center with an admission in ``[start, end]``, by center id
    (sorted), in one pass over ``cases``: the same values :func:`effectiveness` gives.

    A center missing from the mapping had no admission in the period.
    """
    problems = _period_problems(start, end, as_of)
    if problems:
        raise ValidationError(problems)
    as_of = end if as_of is None else as_of
    counts = _count_all(cases, start, end, as_of, None)
    return {center: _value(center, counts[center], start, end, as_of) for center in sorted(counts)}
