"""Follow-ups per client: the schedule, what was recorded, what is overdue, the rate (MR-01).

Outcome interviews follow every client through the pathway, as the US Access to
Recovery program asked of its grantees (at intake, at discharge and months
later, with at least 80% of them done). The schedule is **derived from the
case history alone**, so it is the same for any past date; it is data
(:class:`FollowUpRules`), so a region can choose its own variable schedule in
patronage (say 15, 30, 60 and 90 days), which a fixed overdue-event list cannot
express.

**The points** (:class:`FollowUpPoint`), read from the entries of the history,
each on the date of its entry in its own UTC offset:

- **admission**: every ``admit`` or ``transfer`` opens a *stay* at the center its
  :class:`~resocialize.records.Placement` names; a follow-up is due that day.
  Stays are numbered from 1 in the case: ``admission:2`` is the second stay.
- **discharge**: the stay ends by leaving stage III with ``complete_rehabilitation``,
  ``drop_out``, ``relapse`` or ``detain`` (custody); a follow-up is due that day.
  A ``transfer`` is not a discharge (the client stays in stage III, and the new
  center's admission follow-up covers the move), and a stay ended by death,
  moving away or withdrawn consent has no discharge follow-up (see below). The
  key carries the number of the stay that ended: ``discharge:2``.
- **after discharge**: each discharge asks for follow-ups
  :attr:`~FollowUpRules.after_discharge_months` later (6 and 12 by default,
  clipped to the month's end): ``after_discharge:2:6m``. They stand whatever
  happens next (a relapse, a new stay), because that is what they measure.
- **patronage**: every ``complete_resocialization`` opens a patronage episode
  (stage V), numbered from 1; follow-ups are due
  :attr:`~FollowUpRules.patronage_days` days later (15, 30, 60 and 90 by
  default): ``patronage:1:30d``. Leaving stage V (``relapse``, ``drop_out``,
  ``detain``) drops the episode's follow-ups that would fall due after that day.

Admission, discharge and after-discharge follow-ups belong to the stay and carry
its center; patronage follow-ups belong to no stay (social services and the
agency keep patronage) and carry no center.

**Closing.** A client who dies (``record_death``), moves away (``move_away``) or
withdraws informed consent (``withdraw_consent``) has no follow-up due after
that day: those are dropped from the schedule. The ones due on or before it
that were not done by then can no longer be done: they are **missed**, not
overdue, so the overdue list a worker acts on holds only follow-ups that still
can be done. A client who gives consent again starts afresh: later events
schedule new follow-ups.

**Status on a date** (:func:`follow_ups_on`; the history is read up to the
first entry dated after that date, as :func:`schedule` reads it ``as_of``):

- :attr:`~FollowUpStatus.DONE`: a record for the key is dated on or before the date;
- :attr:`~FollowUpStatus.UPCOMING`: not done, due after the date;
- :attr:`~FollowUpStatus.MISSED`: not done, and the client died, moved away or
  withdrew consent on or before the date (see Closing);
- :attr:`~FollowUpStatus.DUE`: not done, due on or before the date, within the
  :attr:`~FollowUpRules.grace_days` after the due day;
- :attr:`~FollowUpStatus.OVERDUE`: not done, the grace has passed.

A record is a data error (:class:`~resocialize.errors.ValidationError`, with its
path) when its key is not one the history ever scheduled for its case, when it
is dated before the follow-up's anchor (the day of the event it counts from), or
after the day the follow-up was dropped or missed, or when a key is recorded
twice. A record dated before the due day counts as done: the library does not
judge early interviews. A follow-up done before a later event dropped it is
still listed, as done.

**The rate** (:func:`follow_up_rates`) counts the follow-ups whose grace has
passed by the date (``due + grace_days < on``): done / (done + overdue +
missed), where a missed follow-up counts only if its grace had passed before
the client died, moved away or withdrew consent (as Access to Recovery leaves
deceased clients out of its follow-up rate). Per center (the center of the stay
the follow-up belongs to; follow-ups with no center count for the region only)
and for the region, each against :attr:`~FollowUpRules.target` (80% by default).

>>> from datetime import date, datetime, timedelta, timezone
>>> from resocialize.facts import CenterStanding, CertificateStanding, ContractStanding, Facts
>>> from resocialize.organizations import OwnershipForm
>>> from resocialize.pathway import Event, advance, identify
>>> from resocialize.records import LabourOutcome, Origin, Referral, ReferralSource
>>> from resocialize.followups import (
...     FollowUpOutcome, FollowUpRecord, UseStatus, follow_up_rates, follow_ups_on, schedule)
>>> at = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)
>>> case = identify("case-1", "cl-1", origin=Origin.COMMUNITY, at=at, by="officer-1",
...                 referral=Referral(ReferralSource.SELF, at.date(), "dept-1"))
>>> for event in (Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT):
...     case = advance(case, event, at=at, by="officer-1").case
>>> case = advance(case, Event.RECORD_PROGRAM, at=at, by="officer-1",
...                facts=Facts(program_id="irp-1")).case
>>> case = advance(case, Event.ADMIT, at=at, by="officer-1", facts=Facts(
...     certificate=CertificateStanding("cert-1", "cl-1", date(2026, 1, 1),
...                                     date(2027, 1, 1), "center-1"),
...     contract=ContractStanding("contract-1", "cl-1", "center-1", True),
...     center=CenterStanding("center-1", True, True, True, 5, OwnershipForm.STATE))).case
>>> case = advance(case, Event.COMPLETE_REHABILITATION, at=at + timedelta(days=120),
...                by="center-1").case
>>> case = advance(case, Event.COMPLETE_RESOCIALIZATION, at=at + timedelta(days=200),
...                by="officer-1", facts=Facts(labour_outcome=LabourOutcome.EMPLOYED)).case
>>> for f in schedule(case):
...     print(f.due, f.key, f.center_id)
2026-02-02 admission:1 center-1
2026-06-02 discharge:1 center-1
2026-09-05 patronage:1:15d None
2026-09-20 patronage:1:30d None
2026-10-20 patronage:1:60d None
2026-11-19 patronage:1:90d None
2026-12-02 after_discharge:1:6m center-1
2027-06-02 after_discharge:1:12m center-1
>>> done = [
...     FollowUpRecord("case-1", "admission:1", date(2026, 2, 3), "worker-1",
...                    FollowUpOutcome(use=UseStatus.REDUCED)),
...     FollowUpRecord("case-1", "patronage:1:15d", date(2026, 9, 7), "worker-2",
...                    FollowUpOutcome(use=UseStatus.ABSTINENT, activity=LabourOutcome.EMPLOYED)),
... ]
>>> for item in follow_ups_on(case, done, date(2026, 9, 25)):
...     print(item.due.key, item.status.value)
admission:1 done
discharge:1 overdue
patronage:1:15d done
patronage:1:30d due
patronage:1:60d upcoming
patronage:1:90d upcoming
after_discharge:1:6m upcoming
after_discharge:1:12m upcoming
>>> for rate in follow_up_rates([case], done, date(2026, 9, 25)):
...     print(rate.group, rate.done, rate.due, rate.rate, rate.meets_target)
center-1 1 2 1/2 False
region 2 3 2/3 False
"""

from __future__ import annotations

import bisect
import enum
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from fractions import Fraction
from typing import Final, Literal, NamedTuple

import attrs

from ._checks import (
    Checked,
    checked,
    date_problem,
    instance_problem,
    kind_of,
    member_problem,
    optional,
    text_problem,
)
from .errors import FieldProblem, ValidationError
from .guards import add_months
from .pathway import Case, Event
from .records import LabourOutcome, Placement

__all__ = [
    "DEFAULT_FOLLOW_UP_RULES",
    "MAX_GRACE_DAYS",
    "MAX_MONTHS",
    "MAX_PATRONAGE_DAYS",
    "REGION",
    "Change",
    "FollowUpDue",
    "FollowUpItem",
    "FollowUpOutcome",
    "FollowUpPoint",
    "FollowUpRate",
    "FollowUpRecord",
    "FollowUpRules",
    "FollowUpStatus",
    "HousingStatus",
    "LegalStatus",
    "UseStatus",
    "follow_up_rates",
    "follow_ups_on",
    "overdue",
    "schedule",
]

MAX_MONTHS: Final = 120
"""The latest follow-up after discharge a schedule may ask for, in months."""

MAX_PATRONAGE_DAYS: Final = 3650
"""The latest follow-up in patronage a schedule may ask for, in days after entering it."""

MAX_GRACE_DAYS: Final = 365
"""The longest grace after a follow-up's due day, in days."""

REGION: Final = "region"
"""The group of the region's row among :func:`follow_up_rates`."""


class FollowUpPoint(enum.StrEnum):
    """When in the pathway a follow-up is asked for."""

    ADMISSION = "admission"
    """On admission to a center (``admit``, or ``transfer`` into it): the intake interview."""
    DISCHARGE = "discharge"
    """On leaving stage III (completion, dropout, relapse or custody)."""
    AFTER_DISCHARGE = "after_discharge"
    """Months after a discharge (6 and 12 by default)."""
    PATRONAGE = "patronage"
    """Days after entering patronage, stage V (15, 30, 60 and 90 by default)."""


class FollowUpStatus(enum.StrEnum):
    """Where a follow-up stands on a date."""

    UPCOMING = "upcoming"
    """Not done; its due day is after the date."""
    DUE = "due"
    """Not done; due on or before the date, still within the grace."""
    DONE = "done"
    """Recorded on or before the date."""
    OVERDUE = "overdue"
    """Not done and the grace has passed: on the list a worker acts on."""
    MISSED = "missed"
    """Not done and no longer possible: the client died, moved away or withdrew consent."""


class UseStatus(enum.StrEnum):
    """Substance use since the last contact."""

    ABSTINENT = "abstinent"
    REDUCED = "reduced"
    USING = "using"
    UNKNOWN = "unknown"


class HousingStatus(enum.StrEnum):
    """Where the client lives."""

    STABLE = "stable"
    UNSTABLE = "unstable"
    HOMELESS = "homeless"
    UNKNOWN = "unknown"


class LegalStatus(enum.StrEnum):
    """Offences since the last contact."""

    NO_NEW_OFFENCE = "no_new_offence"
    NEW_OFFENCE = "new_offence"
    UNKNOWN = "unknown"


class Change(enum.StrEnum):
    """How a life domain (family, health) changed since the last contact."""

    IMPROVED = "improved"
    SAME = "same"
    WORSE = "worse"
    UNKNOWN = "unknown"


# --- checks -----------------------------------------------------------------------------------


def _numbers_problem(unit: str, high: int) -> Callable[[object], str | None]:
    """A check of a tuple of whole numbers from 1 to ``high``, strictly increasing."""

    def check(value: object) -> str | None:
        if not isinstance(value, tuple):
            return f"must be a tuple of whole numbers of {unit}, not {kind_of(value)}"
        for number in value:
            if isinstance(number, bool) or not isinstance(number, int):
                return f"must hold whole numbers of {unit}, not {kind_of(number)}"
            if not 1 <= number <= high:
                return f"must hold numbers of {unit} from 1 to {high}, not {number}"
        if any(a >= b for a, b in itertools.pairwise(value)):
            return f"must be in increasing order without repeats, not {value}"
        return None

    return check


def _grace_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of days, not {kind_of(value)}"
    if not 0 <= value <= MAX_GRACE_DAYS:
        return f"must be from 0 to {MAX_GRACE_DAYS} days, not {value}"
    return None


def _target_problem(value: object) -> str | None:
    if not isinstance(value, Fraction):
        hint = f"; use Fraction({str(value)!r})" if isinstance(value, float | str) else ""
        return f"must be a Fraction, not {type(value).__name__}{hint}"
    if not 0 < value <= 1:
        return f"must be above 0 and at most 1, not {value}"
    return None


@attrs.frozen
class FollowUpRules(Checked):
    """A region's follow-up schedule, as data.

    The defaults follow Access to Recovery (a follow-up at intake, at discharge and
    6 months later, with 80% of them done) with a 12-month follow-up added, and a
    variable schedule in patronage.
    """

    after_discharge_months: tuple[int, ...] = attrs.field(
        default=(6, 12), metadata=checked(_numbers_problem("months", MAX_MONTHS))
    )
    """Follow-ups this many months after each discharge, in increasing order."""
    patronage_days: tuple[int, ...] = attrs.field(
        default=(15, 30, 60, 90), metadata=checked(_numbers_problem("days", MAX_PATRONAGE_DAYS))
    )
    """Follow-ups this many days after entering patronage (stage V), in increasing order."""
    grace_days: int = attrs.field(default=14, metadata=checked(_grace_problem))
    """A follow-up is due on its day and overdue once this many days after it have passed."""
    target: Fraction = attrs.field(default=Fraction(4, 5), metadata=checked(_target_problem))
    """The follow-up rate to reach (80% by default)."""


DEFAULT_FOLLOW_UP_RULES: Final = FollowUpRules()
"""The default schedule: 6 and 12 months after discharge; 15, 30, 60 and 90 days in
patronage; 14 days of grace; a target of 80%."""


@attrs.frozen
class FollowUpDue:
    """One follow-up the schedule asks for.

    ``key`` names it within the case, stably: ``admission:1``, ``discharge:1``,
    ``after_discharge:1:6m``, ``patronage:1:30d`` (the number counts the case's
    stays at centers, or its patronage episodes). ``anchor`` is the day of the event
    it is counted from; ``due`` is never before it.
    """

    case_id: str
    client_id: str
    center_id: str | None
    """The center of the stay the follow-up belongs to; ``None`` in patronage."""
    point: FollowUpPoint
    key: str
    due: date
    anchor: date


@attrs.frozen
class FollowUpOutcome(Checked):
    """What a follow-up found, domain by domain (in the manner of treatment outcome
    profiles); every domain is unknown unless told."""

    use: UseStatus = attrs.field(
        default=UseStatus.UNKNOWN, metadata=checked(member_problem(UseStatus))
    )
    housing: HousingStatus = attrs.field(
        default=HousingStatus.UNKNOWN, metadata=checked(member_problem(HousingStatus))
    )
    activity: LabourOutcome | None = attrs.field(
        default=None, metadata=checked(optional(member_problem(LabourOutcome)))
    )
    """Work or education; ``None`` when unknown."""
    legal: LegalStatus = attrs.field(
        default=LegalStatus.UNKNOWN, metadata=checked(member_problem(LegalStatus))
    )
    family: Change = attrs.field(default=Change.UNKNOWN, metadata=checked(member_problem(Change)))
    health: Change = attrs.field(default=Change.UNKNOWN, metadata=checked(member_problem(Change)))


@attrs.frozen
class FollowUpRecord(Checked):
    """A follow-up done: for which case and key, on which day, by whom, what it found."""

    case_id: str = attrs.field(metadata=checked(text_problem))
    key: str = attrs.field(metadata=checked(text_problem))
    """The :attr:`FollowUpDue.key` of the follow-up done."""
    done_on: date = attrs.field(metadata=checked(date_problem))
    by: str = attrs.field(metadata=checked(text_problem))
    """The worker or organization that did it (an id, never a name)."""
    outcome: FollowUpOutcome = attrs.field(metadata=checked(instance_problem(FollowUpOutcome)))


@attrs.frozen
class FollowUpItem:
    """A follow-up and where it stands on a date; ``record`` is the record that did it,
    when it is done."""

    due: FollowUpDue
    status: FollowUpStatus
    record: FollowUpRecord | None = None
    closed_on: date | None = None
    """For a missed follow-up: the day the client died, moved away or withdrew consent."""


@attrs.frozen
class FollowUpRate:
    """The follow-up rate of a center (``group`` is its id) or of the region
    (``group`` is :data:`REGION`), among the follow-ups whose grace has passed."""

    group: str
    done: int
    """Done, with the grace passed."""
    overdue: int
    """Not done, the grace passed, still possible."""
    missed: int
    """Not done and no longer possible, with the grace passed before the client died,
    moved away or withdrew consent."""
    target: Fraction

    @property
    def due(self) -> int:
        """The follow-ups counted: done, overdue and missed."""
        return self.done + self.overdue + self.missed

    @property
    def rate(self) -> Fraction | None:
        """Done / counted; ``None`` when nothing is counted."""
        return Fraction(self.done, self.due) if self.due else None

    @property
    def meets_target(self) -> bool | None:
        """Whether the rate reaches the target; ``None`` when there is no rate."""
        rate = self.rate
        return None if rate is None else rate >= self.target


# --- the one pass over a history ------------------------------------------------------------


class _Plan(NamedTuple):
    """Every follow-up a history makes, in the order made: ``dues[n]`` made by entry
    ``made[n]``; ``stops[n]`` is ``(entry, day, closed)`` for one that a later entry
    dropped (due after that day) or closed (``closed``: due on or before it);
    ``read`` entries are known on the day asked for."""

    dues: list[FollowUpDue]
    made: list[int]
    stops: dict[int, tuple[int, date, bool]]
    read: int


_ADMIT, _DISCHARGE, _PATRONAGE, _CLOSE = range(4)
_ROLE: Final[Mapping[Event, int]] = {
    Event.ADMIT: _ADMIT,
    Event.TRANSFER: _ADMIT,
    Event.COMPLETE_REHABILITATION: _DISCHARGE,
    Event.DROP_OUT: _DISCHARGE,
    Event.RELAPSE: _DISCHARGE,
    Event.DETAIN: _DISCHARGE,
    Event.COMPLETE_RESOCIALIZATION: _PATRONAGE,
    Event.WITHDRAW_CONSENT: _CLOSE,
    Event.MOVE_AWAY: _CLOSE,
    Event.RECORD_DEATH: _CLOSE,
}
"""The events that schedule or stop follow-ups; every other event is skipped. The
discharge events also end a patronage episode."""

_ADMISSION, _DISCHARGE_POINT, _AFTER, _IN_PATRONAGE = (
    FollowUpPoint.ADMISSION,
    FollowUpPoint.DISCHARGE,
    FollowUpPoint.AFTER_DISCHARGE,
    FollowUpPoint.PATRONAGE,
)


def _plan(case: Case, rules: FollowUpRules, as_of: date | None, *, whole: bool, path: str) -> _Plan:
    """Every follow-up the history makes, in one pass, and how many entries are read as
    of ``as_of`` (up to the first entry dated after it). With ``whole`` the rest of the
    history is read too, so that later stops are known; without it the pass stops there."""
    history = case.history
    count = len(history)
    read = count
    dues: list[FollowUpDue] = []
    made: list[int] = []
    stops: dict[int, tuple[int, date, bool]] = {}
    open_from = 0  # the follow-ups from here on are not closed
    episode = range(0)  # the open patronage episode's follow-ups
    center: str | None = None  # the open stay's center
    stays = episodes = 0
    case_id, client_id = case.id, case.client_id
    months, days = rules.after_discharge_months, rules.patronage_days
    role_of = _ROLE.get
    for i, entry in enumerate(history):
        if as_of is not None and read == count and entry.at.date() > as_of:
            read = i
            if not whole:
                break
        role = role_of(entry.event)
        if role is None:
            continue
        day = entry.at.date()
        if role == _ADMIT:
            record = entry.record
            if type(record) is not Placement:
                raise ValidationError.at(
                    f"{path}.history[{i}].record",
                    f"event {entry.event.value} must record a Placement, not {record!r}",
                )
            stays += 1
            center = record.center_id
            dues.append(
                FollowUpDue(case_id, client_id, center, _ADMISSION, f"admission:{stays}", day, day)
            )
            made.append(i)
        elif role == _DISCHARGE:
            if center is not None:
                dues.append(
                    FollowUpDue(
                        case_id, client_id, center, _DISCHARGE_POINT, f"discharge:{stays}", day, day
                    )
                )
                made.append(i)
                try:
                    for n in months:
                        key = f"after_discharge:{stays}:{n}m"
                        due = add_months(day, n)
                        dues.append(FollowUpDue(case_id, client_id, center, _AFTER, key, due, day))
                        made.append(i)
                except ValueError:
                    raise _too_late(path, i) from None
                center = None
            for n in episode:
                if dues[n].due > day and n not in stops:
                    stops[n] = (i, day, False)
            episode = range(0)
        elif role == _PATRONAGE:
            episodes += 1
            first = len(dues)
            try:
                for n in days:
                    key = f"patronage:{episodes}:{n}d"
                    due = day + timedelta(days=n)
                    dues.append(FollowUpDue(case_id, client_id, None, _IN_PATRONAGE, key, due, day))
                    made.append(i)
            except OverflowError:
                raise _too_late(path, i) from None
            episode = range(first, len(dues))
        else:  # closing: death, moving away, consent withdrawn
            for n in range(open_from, len(dues)):
                if n not in stops:
                    stops[n] = (i, day, dues[n].due <= day)
            open_from = len(dues)
            episode = range(0)
            center = None
    return _Plan(dues, made, stops, read)


def _too_late(path: str, i: int) -> ValidationError:
    return ValidationError.at(
        f"{path}.history[{i}].at", "is too late for its follow-ups to fall due by 9999-12-31"
    )


_by_due = operator.attrgetter("due")


# --- argument checks ------------------------------------------------------------------------


def _check_case(case: object, path: str, problems: list[FieldProblem]) -> None:
    if type(case) is not Case:
        problems.append(FieldProblem(path, f"must be a Case, not {type(case).__name__}"))


def _check_rules(rules: object, problems: list[FieldProblem]) -> None:
    if type(rules) is not FollowUpRules:
        problems.append(FieldProblem("rules", f"must be FollowUpRules, not {type(rules).__name__}"))


def _check_date(value: object, path: str, problems: list[FieldProblem]) -> None:
    message = date_problem(value)
    if message is not None:
        problems.append(FieldProblem(path, message))


def _listed(value: object, path: str, kind: str, problems: list[FieldProblem]) -> list[object]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        problems.append(FieldProblem(path, f"must be an iterable of {kind}, not {kind_of(value)}"))
        return []
    return list(value)


# --- the public operations ------------------------------------------------------------------


def schedule(
    case: Case, rules: FollowUpRules = DEFAULT_FOLLOW_UP_RULES, *, as_of: date | None = None
) -> tuple[FollowUpDue, ...]:
    """The follow-ups ``case``'s history asks for, by due day (then in the order the
    history made them), in one pass over the history.

    With ``as_of``, the history is read up to the first entry dated after it (entries
    are dated in their own UTC offset): the schedule is the one known on that day,
    exactly the schedule of the case replayed from those entries. Follow-ups dropped
    by the entries read (see the module's notes) are left out.

    Raises :class:`~resocialize.errors.ValidationError` listing every bad argument,
    and for an admission whose entry records no :class:`~resocialize.records.Placement`.
    """
    problems: list[FieldProblem] = []
    _check_case(case, "case", problems)
    _check_rules(rules, problems)
    if as_of is not None:
        _check_date(as_of, "as_of", problems)
    if problems:
        raise ValidationError(problems)
    plan = _plan(case, rules, as_of, whole=False, path="case")
    dues, stops = plan.dues, plan.stops
    if stops:
        dues = [due for n, due in enumerate(dues) if n not in stops or stops[n][2]]
    dues.sort(key=_by_due)
    return tuple(dues)


def _records_problems(
    plan: _Plan, records: list[tuple[str, FollowUpRecord]], case_id: str
) -> tuple[dict[str, FollowUpRecord], list[FieldProblem]]:
    """The records by key, and why any of them does not record a follow-up of the case."""
    by_key: dict[str, FollowUpRecord] = {}
    where: dict[str, str] = {}
    problems: list[FieldProblem] = []
    known = {due.key: n for n, due in enumerate(plan.dues)}
    for path, record in records:
        n = known.get(record.key)
        if n is None:
            problems.append(
                FieldProblem(
                    f"{path}.key",
                    f"case {case_id} has no follow-up {record.key!r}; a record must follow up "
                    "something its history scheduled",
                )
            )
            continue
        if record.key in by_key:
            problems.append(
                FieldProblem(f"{path}.key", f"is recorded already by {where[record.key]}")
            )
            continue
        anchor = plan.dues[n].anchor
        stop = plan.stops.get(n)
        if record.done_on < anchor:
            problems.append(
                FieldProblem(
                    f"{path}.done_on",
                    f"{record.done_on} is before {anchor}, the day follow-up "
                    f"{record.key} counts from",
                )
            )
        elif stop is not None and record.done_on > stop[1]:
            why = "missed" if stop[2] else "dropped"
            problems.append(
                FieldProblem(
                    f"{path}.done_on",
                    f"{record.done_on} is after {stop[1]}, when follow-up {record.key} was {why}",
                )
            )
        by_key[record.key] = record
        where[record.key] = path
    return by_key, problems


def _items(
    case: Case,
    records: list[tuple[str, FollowUpRecord]],
    on: date,
    rules: FollowUpRules,
    path: str,
    problems: list[FieldProblem],
) -> list[FollowUpItem]:
    """The case's follow-ups and their status on ``on``; bad records go to ``problems``."""
    plan = _plan(case, rules, on, whole=True, path=path)
    by_key: Mapping[str, FollowUpRecord] = {}
    if records:
        by_key, bad = _records_problems(plan, records, case.id)
        if bad:
            problems.extend(bad)
            return []
    grace = timedelta(days=rules.grace_days)
    items: list[FollowUpItem] = []
    dues, stops, read = plan.dues, plan.stops, plan.read
    known = dues[: bisect.bisect_left(plan.made, read)]  # made by the entries read
    for n in sorted(range(len(known)), key=lambda n: known[n].due):
        due = known[n]
        record = by_key.get(due.key)
        if record is not None and record.done_on > on:
            record = None
        stop = stops.get(n)
        if stop is not None and stop[0] >= read:
            stop = None  # stopped by an entry not read yet
        if record is not None:
            items.append(FollowUpItem(due, FollowUpStatus.DONE, record))
        elif stop is not None and not stop[2]:
            continue  # dropped before it was done
        elif due.due > on:
            items.append(FollowUpItem(due, FollowUpStatus.UPCOMING))
        elif stop is not None:
            items.append(FollowUpItem(due, FollowUpStatus.MISSED, None, stop[1]))
        elif on <= due.due + grace:
            items.append(FollowUpItem(due, FollowUpStatus.DUE))
        else:
            items.append(FollowUpItem(due, FollowUpStatus.OVERDUE))
    return items


def _check_records(
    records: list[object], problems: list[FieldProblem]
) -> list[tuple[str, FollowUpRecord]]:
    checked_records: list[tuple[str, FollowUpRecord]] = []
    for i, record in enumerate(records):
        path = f"records[{i}]"
        if type(record) is not FollowUpRecord:
            problems.append(
                FieldProblem(path, f"must be a FollowUpRecord, not {type(record).__name__}")
            )
        else:
            checked_records.append((path, record))
    return checked_records


def follow_ups_on(
    case: Case,
    records: Iterable[FollowUpRecord],
    on: date,
    rules: FollowUpRules = DEFAULT_FOLLOW_UP_RULES,
) -> tuple[FollowUpItem, ...]:
    """Every follow-up of ``case`` known on ``on``, by due day, with its status that day
    (see the module's notes): the schedule as of ``on``, and any follow-up done before
    a later event dropped it.

    ``records`` are the follow-ups recorded for the case; records dated after ``on``
    are not done yet on ``on``. A record of a follow-up the history never scheduled,
    one dated before its anchor or after it was dropped or missed, a second record
    of a key, or a record of another case is refused: a
    :class:`~resocialize.errors.ValidationError` names each with its path
    (``records[2].key``), along with every other bad argument.
    """
    problems: list[FieldProblem] = []
    _check_case(case, "case", problems)
    given = _listed(records, "records", "FollowUpRecord", problems)
    _check_date(on, "on", problems)
    _check_rules(rules, problems)
    checked_records = _check_records(given, problems)
    if problems:
        raise ValidationError(problems)
    own: list[tuple[str, FollowUpRecord]] = []
    for path, record in checked_records:
        if record.case_id != case.id:
            problems.append(
                FieldProblem(
                    f"{path}.case_id", f"is {record.case_id!r}, not the case's id {case.id!r}"
                )
            )
        else:
            own.append((path, record))
    items = _items(case, own, on, rules, "case", problems)
    if problems:
        raise ValidationError(problems)
    return tuple(items)


def _all_items(
    cases: Iterable[Case],
    records: Iterable[FollowUpRecord],
    on: date,
    rules: FollowUpRules,
    problems: list[FieldProblem],
) -> Iterator[list[FollowUpItem]]:
    """The items of each case, case after case; every problem (``problems`` and those
    found here) raised at once, at the start or once every case is read."""
    given_cases = _listed(cases, "cases", "Case", problems)
    given = _listed(records, "records", "FollowUpRecord", problems)
    _check_date(on, "on", problems)
    _check_rules(rules, problems)
    checked_records = _check_records(given, problems)
    seen: dict[str, int] = {}
    for i, case in enumerate(given_cases):
        if type(case) is not Case:
            problems.append(
                FieldProblem(f"cases[{i}]", f"must be a Case, not {type(case).__name__}")
            )
        elif case.id in seen:
            problems.append(
                FieldProblem(f"cases[{i}].id", f"repeats cases[{seen[case.id]}].id {case.id!r}")
            )
        else:
            seen[case.id] = i
    if problems:
        raise ValidationError(problems)
    of_case: dict[str, list[tuple[str, FollowUpRecord]]] = {}
    for path, record in checked_records:
        if record.case_id not in seen:
            problems.append(
                FieldProblem(f"{path}.case_id", f"no case {record.case_id!r} is among the cases")
            )
        else:
            of_case.setdefault(record.case_id, []).append((path, record))
    for i, case in enumerate(given_cases):
        assert type(case) is Case
        try:
            yield _items(case, of_case.get(case.id, []), on, rules, f"cases[{i}]", problems)
        except ValidationError as err:
            problems.extend(err.problems)
    if problems:
        raise ValidationError(problems)


def _overdue_order(item: FollowUpItem) -> tuple[date, str]:
    return item.due.due, item.due.case_id


def overdue(
    cases: Iterable[Case],
    records: Iterable[FollowUpRecord],
    on: date,
    rules: FollowUpRules = DEFAULT_FOLLOW_UP_RULES,
) -> tuple[FollowUpItem, ...]:
    """The overdue follow-ups of every case on ``on``: the list a worker acts on, the
    longest overdue first (by due day, then case id, then the case's own order).

    ``records`` may hold records of any of the cases; each is checked as
    :func:`follow_ups_on` checks it, and a record of no case given is refused too, as is
    a case id given twice. Every problem is raised at once in one
    :class:`~resocialize.errors.ValidationError` (``records[4].key``, ``cases[2].id``).
    """
    late = [
        item
        for items in _all_items(cases, records, on, rules, [])
        for item in items
        if item.status is FollowUpStatus.OVERDUE
    ]
    late.sort(key=_overdue_order)
    return tuple(late)


def follow_up_rates(
    cases: Iterable[Case],
    records: Iterable[FollowUpRecord],
    on: date,
    *,
    by: Literal["center", "region"] = "center",
    rules: FollowUpRules = DEFAULT_FOLLOW_UP_RULES,
) -> tuple[FollowUpRate, ...]:
    """The follow-up rate on ``on``, among the follow-ups whose grace has passed by then
    (``due + grace_days < on``), against ``rules.target``.

    With ``by="center"``: a row for every center with a follow-up known on ``on`` (the
    center of the stay it belongs to), sorted by id, then the region's row
    (:data:`REGION`), which counts every follow-up, those with no center (patronage)
    included. With ``by="region"``: the region's row only. Done follow-ups count as
    done, overdue ones as not done; missed ones count as not done only when their
    grace had passed before the client died, moved away or withdrew consent.
    Records and cases are checked as :func:`overdue` checks them.
    """
    problems: list[FieldProblem] = []
    if by not in ("center", "region"):
        problems.append(FieldProblem("by", f"must be 'center' or 'region', not {by!r}"))
    each = _all_items(cases, records, on, rules, problems)  # checks rules before any item
    grace = timedelta(days=rules.grace_days if type(rules) is FollowUpRules else 0)
    region = [0, 0, 0]
    centers: dict[str, list[int]] = {}
    for item in itertools.chain.from_iterable(each):
        center = item.due.center_id if by == "center" else None
        row = None
        if center is not None:
            row = centers.get(center)
            if row is None:
                row = centers[center] = [0, 0, 0]
        end = item.due.due + grace
        if end >= on:
            continue  # the grace has not passed
        status = item.status
        if status is FollowUpStatus.DONE:
            slot = 0
        elif status is FollowUpStatus.OVERDUE:
            slot = 1
        else:  # missed: counted when the grace had passed before the case closed
            assert status is FollowUpStatus.MISSED and item.closed_on is not None
            if item.closed_on <= end:
                continue
            slot = 2
        region[slot] += 1
        if row is not None:
            row[slot] += 1
    target = rules.target
    rows = [_rate(center, centers[center], target) for center in sorted(centers)]
    rows.append(_rate(REGION, region, target))
    return tuple(rows)


def _rate(group: str, counts: list[int], target: Fraction) -> FollowUpRate:
    done, overdue_, missed = counts
    return FollowUpRate(group, done, overdue_, missed, target)
