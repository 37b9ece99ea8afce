"""Indicators of the regional segment, counted from case histories (MR-02).

The agency shows, period by period, how many people it reached and what became
of them. :func:`indicators` counts that from the histories of the cases (never
from counters kept by hand), so any past figure can be counted again: entries
after ``as_of`` are not read.

**Days.** An entry's day is its date in its own UTC offset, raised to the latest
day of the entries before it (so days never go backwards in a history, even
where offsets differ). The entries after ``as_of`` are the ones whose day is
later than ``as_of``; a period ``[start, end]`` holds the entries whose day lies
in it, and on ``as_of`` before ``end`` the period is counted as known on
``as_of``.

**Groups.** ``by`` names some of :data:`DIMENSIONS`; ``()`` counts the whole
region. ``source`` is the source of the case's first referral, ``origin`` and
``minor`` (``minor`` or ``adult``) are the case's own, ``municipality``,
``age_group`` and ``sex`` come from ``attributes`` (a mapping of case id to
:class:`CaseAttributes`; what is missing is :data:`UNRECORDED`). ``center`` is
the center of the case's latest stay at the time (the admission or transfer
that placed it), :data:`NO_CENTER` before its first stay: an entry counts for
the group the case is in after it, a case leaving a stage for the group it was
in before. The groups of a table are those some case was in up to ``as_of``.

**What is counted** per period and group (:data:`INDICATORS` in order; every
count is an ``int``, every rate a :class:`~fractions.Fraction`, every duration
a number of days as a ``Fraction``; ``None`` where there is nothing to divide
or no stay to measure):

- entries of the period: ``identified`` (and ``identified.<source>``),
  ``motivated`` (engage), ``refused``, ``completed.stage_iii``,
  ``completed.stage_iv``, ``dropouts``, ``relapses``, ``sustained_remissions``,
  ``deaths``, ``consent_withdrawals``, ``detentions``, ``moves_away``, and the
  labour outcome recorded when stage IV is completed (``labour.employed`` ...);
  a case with two such entries in the period counts twice;
- the stock and flows of each stage I-V (``stage_iii.entered`` ...): the cases
  in it at the start of the period (after every entry of the days before), the
  entries into it and out of it in the period, the cases in it at the end; and,
  for stage III, the transfers between centers. Exactly, per stage, group and
  period: ``in_at_start + entered + transferred_in = left + transferred_out +
  in_at_end`` (transfers cancel except by center, and exist in stage III only);
- the cases in each state at the end of the period (``state.<state>``);
- the cohort of the cases identified in the period, in the group they are in on
  ``as_of``: ``cohort.stage_<n>`` counts those that reached stage n or a later
  stage by ``as_of`` (a client who went from treatment straight to stage IV, as
  some origins may, has passed stage III's place), so the funnel never
  increases, and ``conversion.<stage>.<next stage>`` is its ratio between
  consecutive stages;
- time in each stage, over the spells in the stage that *ended* in the period
  (a spell runs from the entry into the stage to the entry out of it; transfers
  do not end it): ``stage_iii.spells_ended`` and the quartiles of their days
  ``stage_iii.days.q1``, ``.median`` and ``.q3``, interpolated linearly between
  the ordered spells (as numpy's default percentile does), so exact quarters of
  a day.

The histories are read in a columnar form, :class:`Histories` (made from cases
by :meth:`Histories.from_cases`); the count runs in pure Python, or vectorized
with numpy when it is installed (the ``sim`` extra) and the input is large;
both give the same table.

>>> from datetime import date, datetime, timedelta, timezone
>>> from resocialize.pathway import Event, advance, identify
>>> from resocialize.records import Origin, Referral, ReferralSource
>>> at = datetime(2026, 1, 12, 9, 0, tzinfo=timezone.utc)
>>> def opened(case_id, source, on=at):
...     return identify(case_id, "cl-" + case_id, origin=Origin.COMMUNITY, at=on,
...                     by="officer-1", referral=Referral(source, on.date(), "dept-1"))
>>> engaged = advance(opened("a", ReferralSource.COURT), Event.ENGAGE,
...                   at=at + timedelta(days=40), by="officer-1").case
>>> treated = advance(engaged, Event.START_TREATMENT, at=at + timedelta(days=50),
...                   by="officer-1").case
>>> refused = advance(opened("b", ReferralSource.FAMILY), Event.REFUSE,
...                   at=at + timedelta(days=3), by="officer-1").case
>>> table = indicators([treated, refused], Period.quarter(2026, 1))
>>> table.count("identified"), table.count("identified.court"), table.count("refused")
(2, 1, 1)
>>> [table.count(f"stage_i.{flow}") for flow in ("in_at_start", "entered", "left", "in_at_end")]
[0, 2, 1, 1]
>>> table.count("cohort.stage_ii"), table.rate("conversion.stage_i.stage_ii")
(1, Fraction(1, 2))
>>> table.days("stage_i.days.median")
Fraction(50, 1)
>>> by_source = indicators([treated, refused], Period.quarter(2026, 1), by=("source",))
>>> by_source.groups
(('court',), ('family',))
>>> by_source.count("stage_i.in_at_end", ("family",))
1
"""

from __future__ import annotations

import array
import bisect
import calendar
import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._checks import (
    Checked,
    Problems,
    checked,
    date_problem,
    id_problem,
    instance_problem,
    member_problem,
    optional,
    text_problem,
    unchecked,
)
from .errors import FieldProblem, ResocializeError, ValidationError
from .pathway import STAGE_OF, Case, Event, Stage, State, pathway_table
from .people import Sex
from .records import LabourOutcome, LabourResult, Origin, Placement, ReferralSource

if TYPE_CHECKING:
    from types import ModuleType

    from .disclosure import CountTable

__all__ = [
    "DIMENSIONS",
    "ENGINES",
    "EVENTS",
    "INDICATORS",
    "NO_CENTER",
    "ORIGINS",
    "OUTCOMES",
    "SOURCES",
    "STATES",
    "UNRECORDED",
    "CaseAttributes",
    "Histories",
    "IndicatorRow",
    "IndicatorTable",
    "Measure",
    "Period",
    "indicators",
]

DIMENSIONS: Final = ("source", "center", "origin", "minor", "municipality", "age_group", "sex")
"""What :func:`indicators` can group by; ``by=()`` counts the whole region."""

ENGINES: Final = ("auto", "python", "numpy")
"""How :func:`indicators` counts: ``auto`` takes numpy for large input when it is installed."""

NO_CENTER: Final = "none"
"""The ``center`` of a case before its first stay at a center."""

UNRECORDED: Final = Sex.UNRECORDED.value
"""The value of an attribute the caller did not record for a case."""

EVENTS: Final = tuple(Event)
"""The code of an event in :class:`Histories` is its index here."""
STATES: Final = tuple(State)
"""The code of a state in :class:`Histories` is its index here."""
SOURCES: Final = tuple(ReferralSource)
"""The code of a referral source in :class:`Histories` is its index here."""
ORIGINS: Final = tuple(Origin)
"""The code of an origin in :class:`Histories` is its index here."""
OUTCOMES: Final = tuple(LabourOutcome)
"""The code of a labour outcome in :class:`Histories` is its index here."""

_AUTO_NUMPY: Final = 20_000
"""``engine="auto"`` counts with numpy from this many history entries on."""

_EVENT_CODE: Final = {event: i for i, event in enumerate(EVENTS)}
_STATE_CODE: Final = {state: i for i, state in enumerate(STATES)}
_SOURCE_CODE: Final = {source: i for i, source in enumerate(SOURCES)}
_ORIGIN_CODE: Final = {origin: i for i, origin in enumerate(ORIGINS)}
_OUTCOME_CODE: Final = {outcome: i for i, outcome in enumerate(OUTCOMES)}
_STAGE_CODE: Final = tuple(0 if STAGE_OF[s] is None else int(STAGE_OF[s] or 0) for s in STATES)
"""The stage (1-5) of each state code, 0 beside the road."""

_IDENTIFY: Final = _EVENT_CODE[Event.IDENTIFY]
_ADMIT: Final = _EVENT_CODE[Event.ADMIT]
_TRANSFER: Final = _EVENT_CODE[Event.TRANSFER]
_LABOUR: Final = _EVENT_CODE[Event.COMPLETE_RESOCIALIZATION]
_STAGES: Final = tuple(Stage)
_III: Final = int(Stage.SOCIAL_REHABILITATION)


def _stage_name(stage: Stage) -> str:
    return "stage_" + stage.roman.lower()


_EVENT_COUNTS: Final[Mapping[Event, str]] = {
    Event.IDENTIFY: "identified",
    Event.ENGAGE: "motivated",
    Event.REFUSE: "refused",
    Event.COMPLETE_REHABILITATION: "completed.stage_iii",
    Event.COMPLETE_RESOCIALIZATION: "completed.stage_iv",
    Event.DROP_OUT: "dropouts",
    Event.RELAPSE: "relapses",
    Event.ACHIEVE_REMISSION: "sustained_remissions",
    Event.RECORD_DEATH: "deaths",
    Event.WITHDRAW_CONSENT: "consent_withdrawals",
    Event.DETAIN: "detentions",
    Event.MOVE_AWAY: "moves_away",
}
"""The events counted as they are, and the indicator each one counts."""

_COUNTED: Final = tuple(_EVENT_COUNTS.get(event) for event in EVENTS)
"""The indicator each event code counts, or ``None``."""


class Measure(enum.StrEnum):
    """What kind of value an indicator is."""

    COUNT = "count"
    """People or entries: an ``int``."""
    RATE = "rate"
    """A share: a :class:`~fractions.Fraction` from 0 to 1, ``None`` with nothing to divide."""
    DAYS = "days"
    """A duration in days: a :class:`~fractions.Fraction`, ``None`` with no spell to measure."""


def _indicator_list() -> tuple[tuple[str, Measure], ...]:
    count, rate, days = Measure.COUNT, Measure.RATE, Measure.DAYS
    out: list[tuple[str, Measure]] = [("identified", count)]
    out += [(f"identified.{source.value}", count) for source in ReferralSource]
    out += [("motivated", count), ("refused", count)]
    for stage in Stage:
        name = _stage_name(stage)
        out += [(f"{name}.in_at_start", count), (f"{name}.entered", count)]
        if stage is Stage.SOCIAL_REHABILITATION:
            out += [(f"{name}.transferred_in", count), (f"{name}.transferred_out", count)]
        out += [(f"{name}.left", count), (f"{name}.in_at_end", count)]
    out += [(f"state.{state.value}", count) for state in State]
    out += [
        (name, count)
        for name in _EVENT_COUNTS.values()
        if name not in ("identified", "motivated", "refused")
    ]
    out += [(f"labour.{outcome.value}", count) for outcome in LabourOutcome]
    out += [(f"cohort.{_stage_name(stage)}", count) for stage in Stage]
    out += [
        (f"conversion.{_stage_name(a)}.{_stage_name(b)}", rate)
        for a, b in itertools.pairwise(_STAGES)
    ]
    for stage in Stage:
        name = _stage_name(stage)
        out += [(f"{name}.spells_ended", count)]
        out += [(f"{name}.days.{q}", days) for q in ("q1", "median", "q3")]
    return tuple(out)


INDICATORS: Final[Mapping[str, Measure]] = dict(_indicator_list())
"""Every indicator of a table, in the order of its rows, and what kind of value it is."""


# --- small values -------------------------------------------------------------------------


@attrs.frozen
class Period(Checked):
    """The days from ``start`` to ``end``, both included.

    >>> Period.month(2026, 2)
    Period(start=datetime.date(2026, 2, 1), end=datetime.date(2026, 2, 28))
    >>> Period.quarter(2026, 2).label
    '2026-04-01/2026-06-30'
    """

    start: date = attrs.field(metadata=checked(date_problem))
    end: date = attrs.field(metadata=checked(date_problem))

    def _more_problems(self, problems: Problems) -> None:
        if self.end < self.start:
            problems.add("end", f"{self.end} is before start {self.start}")

    @property
    def label(self) -> str:
        """The period as an ISO 8601 interval of dates: ``2026-01-01/2026-03-31``."""
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """The calendar month ``month`` (1-12) of ``year``."""
        problems = _whole(("year", year, 1, 9999), ("month", month, 1, 12))
        if problems:
            raise ValidationError(problems)
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """The calendar quarter ``quarter`` (1-4) of ``year``."""
        problems = _whole(("year", year, 1, 9999), ("quarter", quarter, 1, 4))
        if problems:
            raise ValidationError(problems)
        last = 3 * quarter
        return cls(date(year, last - 2, 1), date(year, last, calendar.monthrange(year, last)[1]))

    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year ``year``."""
        problems = _whole(("year", year, 1, 9999))
        if problems:
            raise ValidationError(problems)
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def months(cls, year: int) -> tuple[Period, ...]:
        """The twelve months of ``year``, in order."""
        problems = _whole(("year", year, 1, 9999))
        if problems:
            raise ValidationError(problems)
        return tuple(cls.month(year, month) for month in range(1, 13))


def _whole(*items: tuple[str, object, int, int]) -> list[FieldProblem]:
    return [
        FieldProblem(name, f"must be a whole number from {low} to {high}, not {value!r}")
        for name, value, low, high in items
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
    ]


@attrs.frozen
class CaseAttributes(Checked):
    """What the caller knows of a case that the case does not carry, for grouping.

    Kept apart from the case (privacy by construction): a municipality id, an age
    group label (``"18-24"``, the caller's own bands) and sex as recorded.

    >>> CaseAttributes("mun-north", "18-24", Sex.FEMALE).sex.value
    'female'
    """

    municipality: str | None = attrs.field(default=None, metadata=checked(optional(id_problem)))
    age_group: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    sex: Sex = attrs.field(default=Sex.UNRECORDED, metadata=checked(member_problem(Sex)))

    def label(self, dimension: str) -> str:
        """The group label of this case in ``dimension`` (one of the attribute dimensions)."""
        if dimension == "municipality":
            return self.municipality or UNRECORDED
        if dimension == "age_group":
            return self.age_group or UNRECORDED
        if dimension == "sex":
            return self.sex.value
        raise ValidationError.at(
            "dimension", f"must be municipality, age_group or sex, not {dimension!r}"
        )


_NO_ATTRIBUTES: Final = CaseAttributes()


# --- the columnar form ----------------------------------------------------------------------


def _array_problem(typecode: str) -> Any:
    def check(value: object) -> str | None:
        if not isinstance(value, array.array) or value.typecode != typecode:
            return f"must be an array.array of typecode {typecode!r}"
        return None

    return check


def _ids_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return f"must be a tuple of ids, not {type(value).__name__}"
    for i, item in enumerate(value):
        message = id_problem(item)
        if message is not None:
            return f"[{i}] {message}"
    if len(set(value)) != len(value):
        return "must not repeat an id"
    return None


@attrs.frozen(eq=True)
class Histories(Checked):
    """Case histories in columns: what indicators read, and nothing else.

    Per case ``k``: ``case_ids[k]``, the codes of its first referral's source, its
    origin and ``minors[k]`` (1 for a minor), and its entries at positions
    ``offsets[k]`` to ``offsets[k + 1]``. Per entry: the codes of its event and
    target state, its ``days`` (a proleptic ordinal, ``date.toordinal()``; the
    date raised to the latest day before it, see the module's docstring), the
    code of the center an admission or transfer placed the case with (an index
    into ``center_ids``, -1 for other events), and the code of the labour outcome
    a completion of stage IV recorded (-1 for other events). Codes are indexes
    into :data:`EVENTS`, :data:`STATES`, :data:`SOURCES`, :data:`ORIGINS` and
    :data:`OUTCOMES`.

    A few bytes per entry instead of a few hundred: a million histories fit in
    memory and count in seconds. Build it with :meth:`from_cases`, or directly
    (a generator, a store's export); the constructor checks every column and
    that every history opens with ``identify``, follows the pathway chart, and
    never goes back in days (with numpy when it is installed), and reports the
    first bad positions of each column.
    """

    case_ids: tuple[str, ...] = attrs.field(metadata=checked(_ids_problem))
    sources: array.array[int] = attrs.field(metadata=checked(_array_problem("b")))
    origins: array.array[int] = attrs.field(metadata=checked(_array_problem("b")))
    minors: array.array[int] = attrs.field(metadata=checked(_array_problem("b")))
    offsets: array.array[int] = attrs.field(metadata=checked(_array_problem("q")))
    events: array.array[int] = attrs.field(metadata=checked(_array_problem("b")))
    targets: array.array[int] = attrs.field(metadata=checked(_array_problem("b")))
    days: array.array[int] = attrs.field(metadata=checked(_array_problem("i")))
    centers: array.array[int] = attrs.field(metadata=checked(_array_problem("i")))
    outcomes: array.array[int] = attrs.field(metadata=checked(_array_problem("b")))
    center_ids: tuple[str, ...] = attrs.field(default=(), metadata=checked(_ids_problem))

    def _more_problems(self, problems: Problems) -> None:
        n = len(self.case_ids)
        for name in ("sources", "origins", "minors"):
            if len(getattr(self, name)) != n:
                problems.add(
                    name, f"must hold one code per case ({n}), not {len(getattr(self, name))}"
                )
        if len(self.offsets) != n + 1:
            problems.add("offsets", f"must hold {n + 1} positions, one more than the cases")
        total = len(self.events)
        for name in ("targets", "days", "centers", "outcomes"):
            if len(getattr(self, name)) != total:
                problems.add(name, f"must hold one value per entry ({total})")
        if problems.items:
            return
        if self.offsets[0] != 0 or self.offsets[n] != total:
            problems.add("offsets", f"must run from 0 to the {total} entries")
            return
        try:
            np = _numpy()
        except ResocializeError:
            np = None
        found = _problems_numpy(self, np) if np is not None else _problems_python(self)
        for path, message in found:
            problems.add(path, message)

    def __len__(self) -> int:
        return len(self.case_ids)

    @property
    def entries(self) -> int:
        """How many history entries the columns hold."""
        return len(self.events)

    @classmethod
    def from_cases(cls, cases: Iterable[Case]) -> Histories:
        """The histories of ``cases`` in columns.

        Raises :class:`~resocialize.errors.ValidationError` listing every item that
        is not a :class:`~resocialize.pathway.Case`, every case id given twice, and
        every admission, transfer or completion of stage IV that does not record
        what it should.
        """
        if isinstance(cases, str | bytes | Mapping) or not isinstance(cases, Iterable):
            raise ValidationError.at("cases", "must be an iterable of Case")
        problems: list[FieldProblem] = []
        ids: list[str] = []
        seen: dict[str, int] = {}
        sources, origins, minors = array.array("b"), array.array("b"), array.array("b")
        offsets = array.array("q", [0])
        events, targets, outcomes = array.array("b"), array.array("b"), array.array("b")
        days, centers = array.array("i"), array.array("i")
        center_code: dict[str, int] = {}
        event_code, state_code = _EVENT_CODE, _STATE_CODE
        for i, case in enumerate(cases):
            path = f"cases[{i}]"
            if type(case) is not Case:
                problems.append(FieldProblem(path, f"must be a Case, not {type(case).__name__}"))
                continue
            if case.id in seen:
                problems.append(
                    FieldProblem(f"{path}.id", f"repeats the id of cases[{seen[case.id]}]")
                )
                continue
            history = case.history
            if not history or history[0].event is not Event.IDENTIFY or not case.referrals:
                problems.append(
                    FieldProblem(f"{path}.history", "must open with identify and a referral")
                )
                continue
            seen[case.id] = i
            ids.append(case.id)
            sources.append(_SOURCE_CODE[case.referrals[0].source])
            origins.append(_ORIGIN_CODE[case.origin])
            minors.append(1 if case.minor else 0)
            latest = 0
            for j, entry in enumerate(history):
                event = entry.event
                day = entry.at.date().toordinal()
                latest = day if day > latest else latest
                center = outcome = -1
                if event is Event.ADMIT or event is Event.TRANSFER:
                    record = entry.record
                    if type(record) is not Placement:
                        problems.append(
                            FieldProblem(
                                f"{path}.history[{j}].record",
                                f"event {event.value} must record a Placement, not {record!r}",
                            )
                        )
                    else:
                        center = center_code.setdefault(record.center_id, len(center_code))
                elif event is Event.COMPLETE_RESOCIALIZATION:
                    record = entry.record
                    if type(record) is not LabourResult:
                        problems.append(
                            FieldProblem(
                                f"{path}.history[{j}].record",
                                f"event {event.value} must record a LabourResult, not {record!r}",
                            )
                        )
                    else:
                        outcome = _OUTCOME_CODE[record.outcome]
                events.append(event_code[event])
                targets.append(state_code[entry.target])
                days.append(latest)
                centers.append(center)
                outcomes.append(outcome)
            offsets.append(len(events))
        if problems:
            raise ValidationError(problems)
        return cls(
            tuple(ids),
            sources,
            origins,
            minors,
            offsets,
            events,
            targets,
            days,
            centers,
            outcomes,
            tuple(center_code),
        )

    def head(self, cases: int) -> Histories:
        """The first ``cases`` histories (all of them when there are fewer)."""
        if isinstance(cases, bool) or not isinstance(cases, int) or cases < 0:
            raise ValidationError.at("cases", f"must be a non-negative integer, not {cases!r}")
        n = min(cases, len(self.case_ids))
        stop = self.offsets[n]
        return unchecked(
            Histories,
            case_ids=self.case_ids[:n],
            sources=self.sources[:n],
            origins=self.origins[:n],
            minors=self.minors[:n],
            offsets=self.offsets[: n + 1],
            events=self.events[:stop],
            targets=self.targets[:stop],
            days=self.days[:stop],
            centers=self.centers[:stop],
            outcomes=self.outcomes[:stop],
            center_ids=self.center_ids,
        )


_MAX_REPORTED: Final = 5
"""Bad positions reported per check of :class:`Histories`."""


def _move_targets() -> list[list[int]]:
    """``[state][event]``: the target code the chart gives, or -1 where it gives none."""
    table = pathway_table()
    out = [[-1] * len(EVENTS) for _ in STATES]
    for (source, event), move in table.moves.items():
        out[_STATE_CODE[source]][_EVENT_CODE[event]] = _STATE_CODE[move.target]
    return out


_CHECKS: Final = (
    ("sources", "is not a referral source code"),
    ("origins", "is not an origin code"),
    ("minors", "must be 0 or 1"),
    ("offsets", "must leave at least one entry to every case"),
    ("events", "is not an event code"),
    ("targets", "is not a state code"),
    ("events", "identify opens a history and nothing else does"),
    ("targets", "does not follow the pathway chart from the state before"),
    ("days", "is before the day of the entry before"),
    ("days", "is not a day"),
    ("centers", "must name a center of center_ids exactly for admit and transfer"),
    ("outcomes", "must be an outcome code exactly for complete_resocialization"),
)
"""Each check of :class:`Histories` columns: the column it reports and its message."""


def _problems_python(h: Histories) -> list[tuple[str, str]]:
    bad: list[list[int]] = [[] for _ in _CHECKS]

    def flag(check: int, position: int) -> None:
        if len(bad[check]) < _MAX_REPORTED:
            bad[check].append(position)

    n_codes = (len(SOURCES), len(ORIGINS), 2)
    for check, column in enumerate((h.sources, h.origins, h.minors)):
        for k, code in enumerate(column):
            if not 0 <= code < n_codes[check]:
                flag(check, k)
    moves = _move_targets()
    n_centers, n_events, n_states = len(h.center_ids), len(EVENTS), len(STATES)
    offsets, events, targets, days = h.offsets, h.events, h.targets, h.days
    centers, outcomes = h.centers, h.outcomes
    for k in range(len(h.case_ids)):
        lo, hi = offsets[k], offsets[k + 1]
        if hi <= lo:
            flag(3, k + 1)
            continue
        for j in range(lo, hi):
            event, target = events[j], targets[j]
            if not 0 <= event < n_events:
                flag(4, j)
                continue
            if not 0 <= target < n_states:
                flag(5, j)
                continue
            if (event == _IDENTIFY) != (j == lo):
                flag(6, j)
            elif j > lo and moves[targets[j - 1]][event] != target:
                flag(7, j)
            if j > lo and days[j] < days[j - 1]:
                flag(8, j)
            if not 1 <= days[j] <= _LAST_ORDINAL:
                flag(9, j)
            if (0 <= centers[j] < n_centers) != (event in (_ADMIT, _TRANSFER)):
                flag(10, j)
            if (0 <= outcomes[j] < len(OUTCOMES)) != (event == _LABOUR):
                flag(11, j)
    return [
        (f"{_CHECKS[check][0]}[{position}]", _CHECKS[check][1])
        for check, positions in enumerate(bad)
        for position in positions
    ]


_LAST_ORDINAL: Final = date.max.toordinal()


def _problems_numpy(h: Histories, np: ModuleType) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def report(check: int, mask: Any) -> None:
        for position in np.flatnonzero(mask)[:_MAX_REPORTED]:
            found.append((f"{_CHECKS[check][0]}[{int(position)}]", _CHECKS[check][1]))

    sources = np.frombuffer(h.sources, dtype=np.int8)
    origins = np.frombuffer(h.origins, dtype=np.int8)
    minors = np.frombuffer(h.minors, dtype=np.int8)
    report(0, (sources < 0) | (sources >= len(SOURCES)))
    report(1, (origins < 0) | (origins >= len(ORIGINS)))
    report(2, (minors < 0) | (minors > 1))
    offsets = np.frombuffer(h.offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    report(3, np.concatenate(([False], lengths <= 0)))
    if found:
        return found
    events = np.frombuffer(h.events, dtype=np.int8).astype(np.intp)
    targets = np.frombuffer(h.targets, dtype=np.int8).astype(np.intp)
    bad_event = (events < 0) | (events >= len(EVENTS))
    bad_target = (targets < 0) | (targets >= len(STATES))
    report(4, bad_event)
    report(5, bad_target & ~bad_event)
    if found or not len(events):
        return found
    first = np.zeros(len(events), dtype=bool)
    first[offsets[:-1]] = True
    report(6, (events == _IDENTIFY) != first)
    moves = np.array(_move_targets(), dtype=np.intp)
    later = ~first
    later[0] = False
    previous = np.roll(targets, 1)
    report(7, later & (events != _IDENTIFY) & (moves[previous, events] != targets))
    days = np.frombuffer(h.days, dtype=np.int32)
    report(8, later & (days < np.roll(days, 1)))
    report(9, (days < 1) | (days > _LAST_ORDINAL))
    centers = np.frombuffer(h.centers, dtype=np.int32)
    placing = (events == _ADMIT) | (events == _TRANSFER)
    report(10, ((centers >= 0) & (centers < len(h.center_ids))) != placing)
    outcomes = np.frombuffer(h.outcomes, dtype=np.int8)
    report(11, ((outcomes >= 0) & (outcomes < len(OUTCOMES))) != (events == _LABOUR))
    return found


def _numpy() -> ModuleType:
    """numpy, or an error that says how to install it."""
    try:
        import numpy
    except ImportError:  # pragma: no cover - exercised without the extra only
        raise ResocializeError(
            'counting with numpy needs numpy: pip install "resocialize[sim]"'
        ) from None
    return numpy


# --- groups -------------------------------------------------------------------------------


class _Grouping:
    """The groups of ``by`` as integer codes: a code per case for the dimensions a case
    keeps (mixed radix, the last dimension fastest), times the centers plus one when
    grouping by center (0 for no center, else the center code plus one)."""

    __slots__ = ("by", "center_ids", "fixed", "width")

    def __init__(
        self, h: Histories, by: tuple[str, ...], attributes: Mapping[str, CaseAttributes]
    ) -> None:
        self.by = by
        self.center_ids = h.center_ids
        self.width = len(h.center_ids) + 1 if "center" in by else 1
        self.fixed: list[tuple[str, tuple[str, ...], array.array[int]]] = []
        for dimension in by:
            if dimension == "source":
                self.fixed.append((dimension, tuple(s.value for s in SOURCES), h.sources))
            elif dimension == "origin":
                self.fixed.append((dimension, tuple(o.value for o in ORIGINS), h.origins))
            elif dimension == "minor":
                self.fixed.append((dimension, ("adult", "minor"), h.minors))
            elif dimension != "center":
                found = [attributes.get(case_id, _NO_ATTRIBUTES) for case_id in h.case_ids]
                labels = [a.label(dimension) for a in found]
                names = tuple(sorted(set(labels)))
                code = {name: i for i, name in enumerate(names)}
                self.fixed.append(
                    (dimension, names, array.array("i", map(code.__getitem__, labels)))
                )

    def case_codes_python(self) -> list[int] | None:
        """The code of each case, or ``None`` when every case has code 0."""
        if not self.fixed:
            return None
        codes: list[int] = [0] * len(self.fixed[0][2])
        for _, names, column in self.fixed:
            radix = len(names)
            codes = [code * radix + digit for code, digit in zip(codes, column, strict=True)]
        return codes

    def case_codes_numpy(self, np: ModuleType, n: int) -> Any:
        codes = np.zeros(n, dtype=np.int64)
        for _, names, column in self.fixed:
            digits = np.frombuffer(column, dtype=np.int8 if column.typecode == "b" else np.int32)
            codes = codes * len(names) + digits
        return codes

    @property
    def size(self) -> int:
        """How many codes there are."""
        size = self.width
        for _, names, _ in self.fixed:
            size *= len(names)
        return size

    def labels(self, code: int) -> tuple[str, ...]:
        """The group of ``code``: a label per dimension of ``by``."""
        fixed, center = divmod(code, self.width)
        digits: dict[str, str] = {}
        for dimension, names, _ in reversed(self.fixed):
            fixed, digit = divmod(fixed, len(names))
            digits[dimension] = names[digit]
        if "center" in self.by:
            digits["center"] = NO_CENTER if center == 0 else self.center_ids[center - 1]
        return tuple(digits[d] for d in self.by)


# --- counting -------------------------------------------------------------------------------

_Counts = dict[tuple[int, str], int]
"""Per period: (group code, indicator) -> count; zeros left out."""
_Days = dict[tuple[int, int], tuple[int, Fraction, Fraction, Fraction]]
"""Per period: (group code, stage) -> spells ended, and the quartiles of their days."""

_Tally = list[tuple[int, int, int, int]]
"""Counted entries of the numpy path: (interval, group code, code of what, how many)."""

_STAGE_NAMES: Final = ("", *(_stage_name(stage) for stage in Stage))
_STATE_NAMES: Final = tuple(f"state.{state.value}" for state in STATES)
_SOURCE_NAMES: Final = tuple(f"identified.{source.value}" for source in SOURCES)
_OUTCOME_NAMES: Final = tuple(f"labour.{outcome.value}" for outcome in OUTCOMES)
_QUARTERS: Final = (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4))


def _quartiles(values: Any, lo: int, n: int) -> tuple[Fraction, Fraction, Fraction]:
    """The quartiles of ``values[lo:lo + n]`` (sorted), interpolated linearly."""
    out: list[Fraction] = []
    for p in _QUARTERS:
        h = (n - 1) * p
        below = int(h)
        value = Fraction(int(values[lo + below]))
        if h != below:
            value += (h - below) * (int(values[lo + below + 1]) - int(values[lo + below]))
        out.append(value)
    return out[0], out[1], out[2]


def _add(counts: _Counts, key: tuple[int, str], n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


def _count_python(
    h: Histories, grouping: _Grouping, spans: Sequence[tuple[int, int]], as_of: int
) -> tuple[set[int], list[tuple[_Counts, _Days]]]:
    """Count case by case: the reference, and the path without numpy."""
    case_codes = grouping.case_codes_python()
    width = grouping.width
    by_center = width > 1
    offsets, events, targets, days = h.offsets, h.events, h.targets, h.days
    centers, outcomes = h.centers, h.outcomes
    sources = h.sources
    stage_of = _STAGE_CODE
    counted = _COUNTED
    groups: set[int] = set()
    results: list[tuple[_Counts, dict[tuple[int, int], list[int]]]] = [({}, {}) for _ in spans]
    for k in range(len(h.case_ids)):
        lo, hi = offsets[k], offsets[k + 1]
        n = bisect.bisect_right(days, as_of, lo, hi) - lo
        if n == 0:
            continue
        base = (case_codes[k] if case_codes is not None else 0) * width
        # the state, stage and group after each entry read, and when its stage was entered
        group_after: list[int] = []
        stage_after: list[int] = []
        entered_on: list[int] = []
        center = -1
        since = days[lo]
        previous = 0
        for j in range(lo, lo + n):
            if by_center and centers[j] >= 0:
                center = centers[j]
            stage = stage_of[targets[j]]
            if stage != previous or j == lo:
                since = days[j]
            previous = stage
            group_after.append(base + center + 1)
            stage_after.append(stage)
            entered_on.append(since)
        groups.update(group_after)
        last_group = group_after[-1]
        top = max(stage_after)
        for (start, end), (counts, spells) in zip(spans, results, strict=True):
            i0 = bisect.bisect_left(days, start, lo, lo + n) - lo
            i1 = bisect.bisect_right(days, min(end, as_of), lo, lo + n) - lo
            if i0 > 0 and stage_after[i0 - 1]:
                _add(
                    counts,
                    (group_after[i0 - 1], f"{_STAGE_NAMES[stage_after[i0 - 1]]}.in_at_start"),
                )
            if i1 > 0:
                g = group_after[i1 - 1]
                if stage_after[i1 - 1]:
                    _add(counts, (g, f"{_STAGE_NAMES[stage_after[i1 - 1]]}.in_at_end"))
                _add(counts, (g, _STATE_NAMES[targets[lo + i1 - 1]]))
            if i0 == 0 and i1 > 0:  # identified in the period: the cohort
                for stage in range(1, top + 1):
                    _add(counts, (last_group, f"cohort.{_STAGE_NAMES[stage]}"))
            for i in range(i0, i1):
                j = lo + i
                event = events[j]
                g = group_after[i]
                name = counted[event]
                if name is not None:
                    _add(counts, (g, name))
                if event == _IDENTIFY:
                    _add(counts, (g, _SOURCE_NAMES[sources[k]]))
                elif event == _LABOUR:
                    _add(counts, (g, _OUTCOME_NAMES[outcomes[j]]))
                before = stage_after[i - 1] if i else 0
                after = stage_after[i]
                g_before = group_after[i - 1] if i else g
                if before != after:
                    if before:
                        _add(counts, (g_before, f"{_STAGE_NAMES[before]}.left"))
                        spells.setdefault((g_before, before), []).append(
                            days[j] - entered_on[i - 1]
                        )
                    if after:
                        _add(counts, (g, f"{_STAGE_NAMES[after]}.entered"))
                elif event == _TRANSFER:
                    _add(counts, (g_before, "stage_iii.transferred_out"))
                    _add(counts, (g, "stage_iii.transferred_in"))
    out: list[tuple[_Counts, _Days]] = []
    for counts, spells in results:
        measured: _Days = {}
        for key, values in spells.items():
            values.sort()
            measured[key] = (len(values), *_quartiles(values, 0, len(values)))
        out.append((counts, measured))
    return groups, out


def _count_numpy(
    h: Histories, grouping: _Grouping, spans: Sequence[tuple[int, int]], as_of: int
) -> tuple[set[int], list[tuple[_Counts, _Days]]]:
    """The same counts, vectorized over every entry at once.

    The days are cut into intervals at the first day of every period and the day
    after its end (or after ``as_of``); a table of days gives each entry its
    interval (the entries after ``as_of`` one left out), and each kind of count
    is one tally of (interval, group, what) over the entries. A period adds up
    its intervals; its stocks add up the flows of every interval before it.
    """
    np = _numpy()
    results: list[tuple[_Counts, _Days]] = [({}, {}) for _ in spans]
    total = len(h.events)
    if total == 0:
        return set(), results
    offsets = np.frombuffer(h.offsets, dtype=np.int64)
    starts = offsets[:-1]
    events = np.frombuffer(h.events, dtype=np.int8)
    targets = np.frombuffer(h.targets, dtype=np.int8)
    days = np.frombuffer(h.days, dtype=np.int32)
    size = grouping.size

    # the intervals, and which periods each one counts for
    edges = sorted({start for start, _ in spans} | {min(end, as_of) + 1 for _, end in spans})
    discard = len(edges) + 1
    n_int = discard + 1
    first_of = [bisect.bisect_right(edges, start) for start, _ in spans]
    after_of = [
        max(a, bisect.bisect_right(edges, min(end, as_of) + 1))
        for a, (_, end) in zip(first_of, spans, strict=True)
    ]
    inside: list[list[int]] = [[] for _ in range(n_int)]
    before_start: list[list[int]] = [[] for _ in range(n_int)]
    before_end: list[list[int]] = [[] for _ in range(n_int)]
    for p, (a, b) in enumerate(zip(first_of, after_of, strict=True)):
        for i in range(discard):
            if a <= i < b:
                inside[i].append(p)
            if i < a:
                before_start[i].append(p)
            if i < b:
                before_end[i].append(p)
    low = min(int(days.min()), edges[0])
    high = max(int(days.max()), edges[-1])
    lookup = np.searchsorted(
        np.array(edges, dtype=np.int64), np.arange(low, high + 1), side="right"
    ).astype(np.int32)
    lookup[max(0, as_of + 1 - low) :] = discard
    interval = lookup[days - low]
    base = interval.astype(np.int64) * size

    # per entry: the stage and group before and after it
    first = np.zeros(total, dtype=bool)
    first[starts] = True
    stage_after = np.array(_STAGE_CODE, dtype=np.int8)[targets]
    stage_before = np.empty_like(stage_after)
    stage_before[0] = 0
    stage_before[1:] = stage_after[:-1]
    stage_before[first] = 0
    if grouping.fixed:
        case_of = np.repeat(np.arange(len(h.case_ids), dtype=np.int64), np.diff(offsets))
        group_after = grouping.case_codes_numpy(np, len(h.case_ids))[case_of] * grouping.width
    else:
        group_after = np.zeros(total, dtype=np.int64)
    if grouping.width > 1:
        centers = np.frombuffer(h.centers, dtype=np.int32)
        mark = np.where((centers >= 0) | first, np.arange(total), 0)
        group_after += centers[np.maximum.accumulate(mark)] + 1
    group_before = np.empty_like(group_after)
    group_before[0] = group_after[0]
    group_before[1:] = group_after[:-1]
    changed = stage_before != stage_after

    def tally(bases: Any, groups: Any, codes: Any, width: int) -> _Tally:
        """(interval, group, code, how many) of the entries given, the discarded left out."""
        keys = (bases + groups) * width + codes
        if n_int * size * width <= 1 << 24:
            bins = np.bincount(keys, minlength=n_int * size * width)
            found = np.flatnonzero(bins)
            values = bins[found]
        else:
            found, values = np.unique(keys, return_counts=True)
        out: _Tally = []
        for key, value in zip(found.tolist(), values.tolist(), strict=True):
            rest, code = divmod(key, width)
            i, group = divmod(rest, size)
            if i != discard:
                out.append((i, group, code, value))
        return out

    def at(where: Any, groups: Any, codes: Any, width: int) -> _Tally:
        """:func:`tally` of the entries at the positions ``where``."""
        return tally(base[where], groups[where], codes[where], width)

    def count(rows: _Tally, names: Sequence[str | None]) -> None:
        for i, group, code, value in rows:
            name = names[code]
            if name is not None:
                for p in inside[i]:
                    _add(results[p][0], (group, name), value)

    def stock(rows: _Tally, names: Sequence[str], sign: int) -> None:
        """Flows into (``sign`` 1) or out of (-1) the stocks of the periods after them."""
        for i, group, code, value in rows:
            if names[code]:
                for p in before_start[i]:
                    _add(results[p][0], (group, f"{names[code]}.in_at_start"), sign * value)
                for p in before_end[i]:
                    _add(results[p][0], (group, f"{names[code]}.in_at_end"), sign * value)

    stages = _STAGE_NAMES
    count(tally(base, group_after, events, len(EVENTS)), _COUNTED)
    sources = np.frombuffer(h.sources, dtype=np.int8)
    count(tally(base[starts], group_after[starts], sources, len(SOURCES)), _SOURCE_NAMES)
    outcomes = np.frombuffer(h.outcomes, dtype=np.int8)
    labour = np.flatnonzero(events == _LABOUR)
    count(at(labour, group_after, outcomes, len(OUTCOMES)), _OUTCOME_NAMES)
    entering = np.flatnonzero(changed & (stage_after > 0))
    rows = at(entering, group_after, stage_after, 6)
    count(rows, [None, *(f"{s}.entered" for s in stages[1:])])
    stock(rows, stages, 1)
    leaving = np.flatnonzero(changed & (stage_before > 0))
    rows = at(leaving, group_before, stage_before, 6)
    count(rows, [None, *(f"{s}.left" for s in stages[1:])])
    stock(rows, stages, -1)
    moving = np.flatnonzero((events == _TRANSFER) & ~changed)
    nothing = np.zeros(total, dtype=np.int8)
    rows = at(moving, group_after, nothing, 1)
    count(rows, ["stage_iii.transferred_in"])
    stock(rows, ["stage_iii"], 1)
    rows = at(moving, group_before, nothing, 1)
    count(rows, ["stage_iii.transferred_out"])
    stock(rows, ["stage_iii"], -1)

    # the states at the end of each period: every change of state or group moves a case
    target_before = np.empty_like(targets)
    target_before[0] = targets[0]
    target_before[1:] = targets[:-1]
    moved = first | (targets != target_before) | (group_after != group_before)
    arrivals = at(np.flatnonzero(moved), group_after, targets, len(STATES))
    departures = at(np.flatnonzero(moved & ~first), group_before, target_before, len(STATES))
    for rows, sign in ((arrivals, 1), (departures, -1)):
        for i, group, code, value in rows:
            for p in before_end[i]:
                _add(results[p][0], (group, _STATE_NAMES[code]), sign * value)
    groups = {group for _, group, _, _ in arrivals}

    # the cohort: cases identified in a period, in their group and at their top stage on as_of
    read = interval != discard
    n_read = np.add.reduceat(read.view(np.int8), starts, dtype=np.int32)
    top = np.maximum.reduceat(np.where(read, stage_after, 0), starts)
    last = starts + np.maximum(n_read, 1) - 1
    for i, group, reached, value in tally(base[starts], group_after[last], top, 6):
        for p in inside[i]:
            for stage in range(1, reached + 1):
                _add(results[p][0], (group, f"cohort.{stages[stage]}"), value)

    # time in stage: the spells that ended in each period, sorted by group, stage and days
    useful = np.zeros(n_int, dtype=bool)
    useful[[i for i in range(n_int) if inside[i]]] = True
    ends = leaving[useful[interval[leaving]]]
    if not len(ends):
        return groups, results
    mark = np.where(changed | first, np.arange(total), 0)
    entered_on = days[np.maximum.accumulate(mark)]
    lengths = (days[ends] - entered_on[ends - 1]).astype(np.int64)
    keys = group_before[ends] * 6 + stage_before[ends]
    spans_of = interval[ends].astype(np.int64)
    longest = int(lengths.max()) + 1
    if n_int * size * 6 * longest < 1 << 62:
        order = np.argsort((spans_of * (size * 6) + keys) * longest + lengths, kind="stable")
    else:
        order = np.lexsort((lengths, keys, spans_of))
    lengths, keys, spans_of = lengths[order], keys[order], spans_of[order]
    for p, (a, b) in enumerate(zip(first_of, after_of, strict=True)):
        lo, hi = np.searchsorted(spans_of, [a, b], side="left").tolist()
        if lo == hi:
            continue
        part_keys, part_lengths = keys[lo:hi], lengths[lo:hi]
        if b - a > 1:  # several intervals: sort the period's spells again
            again = np.lexsort((part_lengths, part_keys))
            part_keys, part_lengths = part_keys[again], part_lengths[again]
        runs = np.flatnonzero(np.concatenate(([True], part_keys[1:] != part_keys[:-1])))
        bounds = [*runs.tolist(), len(part_keys)]
        for start, stop in itertools.pairwise(bounds):
            group, stage = divmod(int(part_keys[start]), 6)
            results[p][1][(group, stage)] = (
                stop - start,
                *_quartiles(part_lengths, start, stop - start),
            )
    return groups, results


# --- the table ----------------------------------------------------------------------------


def _value_problem(measure: Measure, value: object) -> str | None:
    if measure is Measure.COUNT:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return "a count must be a non-negative integer"
        return None
    if value is None:
        return None
    if not isinstance(value, Fraction) or value < 0:
        return f"a {measure.value} must be a non-negative Fraction or None"
    if measure is Measure.RATE and value > 1:
        return "a rate must not be above 1"
    return None


def _group_problem(value: object) -> str | None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        return "must be a tuple of labels"
    return None


@attrs.frozen
class IndicatorRow(Checked):
    """One tidy row of an :class:`IndicatorTable`: a period, a group, an indicator, its value.

    ``group`` holds a label per dimension of the table's ``by`` (``()`` for the
    region). ``value`` is an ``int`` for a count, a :class:`~fractions.Fraction`
    (or ``None``) for a rate or a number of days, as ``measure`` says.
    """

    period: Period = attrs.field(metadata=checked(instance_problem(Period)))
    group: tuple[str, ...] = attrs.field(metadata=checked(_group_problem))
    indicator: str = attrs.field(metadata=checked(text_problem))
    measure: Measure = attrs.field(metadata=checked(member_problem(Measure)))
    value: int | Fraction | None = attrs.field()

    def _more_problems(self, problems: Problems) -> None:
        problems.check("value", _value_problem(self.measure, self.value))


def _by_problem(value: object) -> str | None:
    choices = ", ".join(DIMENSIONS)
    if not isinstance(value, tuple) or any(item not in DIMENSIONS for item in value):
        return f"must be a tuple of some of {choices}"
    if len(set(value)) != len(value):
        return "must not name a dimension twice"
    return None


def _periods_problem(value: object) -> str | None:
    if not isinstance(value, tuple) or not value:
        return "must be a non-empty tuple of Period"
    if not all(isinstance(p, Period) for p in value):
        return "must hold Period values only"
    if len(set(value)) != len(value):
        return "must not repeat a period"
    return None


def _rows_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return f"must be a tuple of IndicatorRow, not {type(value).__name__}"
    for i, row in enumerate(value):
        if type(row) is not IndicatorRow:
            return f"[{i}] must be an IndicatorRow, not {type(row).__name__}"
    return None


_Key = tuple[Period, tuple[str, ...], str]


@attrs.frozen
class IndicatorTable(Checked):
    """Indicators per period and group, in tidy :class:`IndicatorRow` rows.

    Rows run period by period, group by group (sorted by label), and
    :data:`INDICATORS` in order within a group. Read one value with
    :meth:`count`, :meth:`rate`, :meth:`days` or :meth:`value`; a column of every
    group with :meth:`column`; plain records for CSV, JSON or pandas with
    :meth:`records`; a two-way table of counts (groups by indicators) with
    :meth:`crosstab`, or as the :class:`~resocialize.disclosure.CountTable` a
    published, suppressed table starts from with :meth:`count_table`.
    """

    by: tuple[str, ...] = attrs.field(metadata=checked(_by_problem))
    periods: tuple[Period, ...] = attrs.field(metadata=checked(_periods_problem))
    as_of: date = attrs.field(metadata=checked(date_problem))
    rows: tuple[IndicatorRow, ...] = attrs.field(metadata=checked(_rows_problem))
    _index: dict[_Key, IndicatorRow] = attrs.field(
        init=False, factory=dict, eq=False, repr=False, hash=False
    )

    def _more_problems(self, problems: Problems) -> None:
        periods = set(self.periods)
        index = self._index
        for i, row in enumerate(self.rows):
            if row.period not in periods:
                problems.add(f"rows[{i}].period", "is not one of the table's periods")
            if len(row.group) != len(self.by):
                problems.add(f"rows[{i}].group", f"must hold {len(self.by)} labels")
            if INDICATORS.get(row.indicator) is not row.measure:
                problems.add(f"rows[{i}].indicator", f"is not an indicator of {row.measure}")
            key = (row.period, row.group, row.indicator)
            if key in index:
                problems.add(f"rows[{i}]", "repeats a period, group and indicator")
            index[key] = row

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The groups of the rows, in row order."""
        return tuple(dict.fromkeys(row.group for row in self.rows))

    @property
    def indicators(self) -> tuple[str, ...]:
        """The indicators of the rows, in row order."""
        return tuple(dict.fromkeys(row.indicator for row in self.rows))

    def _row(
        self, indicator: str, group: Sequence[str] | str, period: Period | None
    ) -> IndicatorRow:
        problems: list[FieldProblem] = []
        if indicator not in INDICATORS:
            problems.append(FieldProblem("indicator", f"is not an indicator: {indicator!r}"))
        labels = (group,) if isinstance(group, str) else group
        if not isinstance(labels, Sequence) or not all(isinstance(v, str) for v in labels):
            problems.append(FieldProblem("group", "must be a label or a sequence of labels"))
            labels = ()
        if period is None:
            if len(self.periods) > 1:
                problems.append(
                    FieldProblem("period", f"must be given: the table has {len(self.periods)}")
                )
            period = self.periods[0]
        elif period not in self.periods:
            problems.append(FieldProblem("period", f"is not a period of the table: {period!r}"))
        if problems:
            raise ValidationError(problems)
        row = self._index.get((period, tuple(labels), indicator))
        if row is None:
            raise ValidationError.at("group", f"is not a group of the table: {tuple(labels)!r}")
        return row

    def value(
        self, indicator: str, group: Sequence[str] | str = (), period: Period | None = None
    ) -> int | Fraction | None:
        """The value of ``indicator`` for ``group`` (a label per dimension of ``by``, or
        one label) in ``period`` (may be left out when the table has one period)."""
        return self._row(indicator, group, period).value

    def count(
        self, indicator: str, group: Sequence[str] | str = (), period: Period | None = None
    ) -> int:
        """A count, as :meth:`value`; raises ValidationError for an indicator that is not one."""
        row = self._row(indicator, group, period)
        if row.measure is not Measure.COUNT or not isinstance(row.value, int):
            raise ValidationError.at("indicator", f"{indicator!r} is a {row.measure}, not a count")
        return row.value

    def rate(
        self, indicator: str, group: Sequence[str] | str = (), period: Period | None = None
    ) -> Fraction | None:
        """A rate, as :meth:`value`; raises ValidationError for an indicator that is not one."""
        row = self._row(indicator, group, period)
        if row.measure is not Measure.RATE or isinstance(row.value, int):
            raise ValidationError.at("indicator", f"{indicator!r} is a {row.measure}, not a rate")
        return row.value

    def days(
        self, indicator: str, group: Sequence[str] | str = (), period: Period | None = None
    ) -> Fraction | None:
        """A number of days, as :meth:`value`; raises ValidationError for any other indicator."""
        row = self._row(indicator, group, period)
        if row.measure is not Measure.DAYS or isinstance(row.value, int):
            raise ValidationError.at("indicator", f"{indicator!r} is a {row.measure}, not days")
        return row.value

    def column(
        self, indicator: str, period: Period | None = None
    ) -> Mapping[tuple[str, ...], int | Fraction | None]:
        """The value of ``indicator`` in ``period`` for every group, in row order."""
        return {group: self.value(indicator, group, period) for group in self.groups}

    def records(self) -> tuple[dict[str, object], ...]:
        """Plain records, one per row: ``start``, ``end``, a key per dimension of ``by``,
        ``indicator``, ``measure`` and ``value`` (for ``csv.DictWriter``, JSON with a
        Fraction written as text, or ``pandas.DataFrame``)."""
        out = []
        for row in self.rows:
            record: dict[str, object] = {"start": row.period.start, "end": row.period.end}
            record.update(zip(self.by, row.group, strict=True))
            record.update(indicator=row.indicator, measure=row.measure.value, value=row.value)
            out.append(record)
        return tuple(out)

    def crosstab(
        self, indicators: Sequence[str], period: Period | None = None
    ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[int, ...], ...]]:
        """Row labels (one per group, its labels joined by ``" / "``; ``region`` for the
        region), column labels (``indicators``) and the counts: a two-way table of
        counts such as :class:`resocialize.disclosure.CountTable` holds."""
        if isinstance(indicators, str) or not isinstance(indicators, Sequence):
            raise ValidationError.at("indicators", "must be a sequence of count indicators")
        rows = tuple(" / ".join(group) or "region" for group in self.groups)
        cells = tuple(
            tuple(self.count(indicator, group, period) for indicator in indicators)
            for group in self.groups
        )
        return rows, tuple(indicators), cells

    def count_table(
        self, indicators: Sequence[str], period: Period | None = None, *, title: str | None = None
    ) -> CountTable:
        """The :meth:`crosstab` of ``indicators`` in ``period`` as a
        :class:`~resocialize.disclosure.CountTable`, ready for small-cell suppression.

        Its margins add the columns up: choose indicators that count apart (the labour
        outcomes, the states) or a single one. ``title`` defaults to the indicators and
        the period.
        """
        from .disclosure import CountTable

        rows, columns, cells = self.crosstab(indicators, period)
        chosen = self.periods[0] if period is None else period
        if title is None:
            title = f"{', '.join(columns)}, {chosen.label}"
        return CountTable(title, rows, columns, cells)


# --- the entry point ------------------------------------------------------------------------


def _argument_problems(
    cases: object,
    periods: object,
    by: object,
    attributes: object,
    as_of: object,
    engine: object,
) -> tuple[list[FieldProblem], tuple[Period, ...], tuple[str, ...]]:
    problems: list[FieldProblem] = []
    if not isinstance(cases, Histories) and (
        isinstance(cases, str | bytes | Mapping) or not isinstance(cases, Iterable)
    ):
        problems.append(FieldProblem("cases", "must be Histories or an iterable of Case"))
    listed: tuple[Period, ...] = ()
    if isinstance(periods, Period):
        listed = (periods,)
    elif isinstance(periods, Sequence) and not isinstance(periods, str | bytes) and periods:
        listed = tuple(periods)
        for i, period in enumerate(listed):
            if not isinstance(period, Period):
                problems.append(
                    FieldProblem(f"periods[{i}]", f"must be a Period, not {type(period).__name__}")
                )
        if len({p for p in listed if isinstance(p, Period)}) != len(listed):
            problems.append(FieldProblem("periods", "must not repeat a period"))
    else:
        problems.append(FieldProblem("periods", "must be a Period or a non-empty sequence of them"))
    grouped: tuple[str, ...] = ()
    if isinstance(by, str) or not isinstance(by, Sequence):
        problems.append(
            FieldProblem("by", f"must be a sequence of some of {', '.join(DIMENSIONS)}")
        )
    else:
        grouped = tuple(by)
        for i, item in enumerate(grouped):
            if item not in DIMENSIONS:
                problems.append(
                    FieldProblem(
                        f"by[{i}]", f"must be one of {', '.join(DIMENSIONS)}, not {item!r}"
                    )
                )
            elif item in grouped[:i]:
                problems.append(FieldProblem(f"by[{i}]", f"{item!r} is listed twice"))
    if attributes is not None:
        if not isinstance(attributes, Mapping):
            problems.append(
                FieldProblem("attributes", "must be a mapping of case id to CaseAttributes")
            )
        else:
            for key, item in attributes.items():
                if not isinstance(key, str):
                    problems.append(
                        FieldProblem("attributes", f"has a key that is not a case id: {key!r}")
                    )
                elif not isinstance(item, CaseAttributes):
                    problems.append(
                        FieldProblem(
                            f"attributes[{key!r}]",
                            f"must be CaseAttributes, not {type(item).__name__}",
                        )
                    )
    if as_of is not None:
        message = date_problem(as_of)
        if message is not None:
            problems.append(FieldProblem("as_of", message))
    if engine not in ENGINES:
        problems.append(
            FieldProblem("engine", f"must be one of {', '.join(ENGINES)}, not {engine!r}")
        )
    return problems, listed, grouped


def indicators(
    cases: Iterable[Case] | Histories,
    periods: Period | Sequence[Period],
    *,
    by: Sequence[str] = (),
    attributes: Mapping[str, CaseAttributes] | None = None,
    as_of: date | None = None,
    engine: str = "auto",
) -> IndicatorTable:
    """The indicators of ``cases`` for each of ``periods``, grouped by the dimensions of ``by``.

    ``cases`` are :class:`~resocialize.pathway.Case` values or their
    :class:`Histories`; entries after ``as_of`` (default: the end of the latest
    period) are not read. ``attributes`` gives the municipality, age group and sex
    of the cases that have them recorded (by case id; ids of other cases are
    ignored). ``engine`` picks the pure-Python count, the numpy one, or (``auto``)
    numpy for large input when it is installed: the table is the same. See the
    module's docstring for what is counted.

    Raises :class:`~resocialize.errors.ValidationError` listing every bad argument
    (and every bad case, as :meth:`Histories.from_cases` does).
    """
    problems, listed, grouped = _argument_problems(cases, periods, by, attributes, as_of, engine)
    if problems:
        raise ValidationError(problems)
    histories = cases if isinstance(cases, Histories) else Histories.from_cases(cases)
    day = max(p.end for p in listed) if as_of is None else as_of
    grouping = _Grouping(histories, grouped, attributes or {})
    spans = [(p.start.toordinal(), p.end.toordinal()) for p in listed]
    use_numpy = engine == "numpy"
    if engine == "auto" and histories.entries >= _AUTO_NUMPY:
        try:
            _numpy()
            use_numpy = True
        except ResocializeError:  # pragma: no cover - without the extra only
            use_numpy = False
    count = _count_numpy if use_numpy else _count_python
    codes, results = count(histories, grouping, spans, day.toordinal())
    if not grouped:
        codes = {0}
    labelled = sorted((grouping.labels(code), code) for code in codes)
    rows: list[IndicatorRow] = []
    items = tuple(INDICATORS.items())
    for period, (counts, measured) in zip(listed, results, strict=True):
        for labels, code in labelled:
            for name, measure in items:
                value: int | Fraction | None
                if measure is Measure.COUNT:
                    if name.endswith(".spells_ended"):
                        stage = _STAGE_NAMES.index(name.split(".")[0])
                        value = measured[(code, stage)][0] if (code, stage) in measured else 0
                    else:
                        value = counts.get((code, name), 0)
                elif measure is Measure.RATE:
                    _, low, high = name.split(".")
                    whole = counts.get((code, f"cohort.{low}"), 0)
                    part = counts.get((code, f"cohort.{high}"), 0)
                    value = Fraction(part, whole) if whole else None
                else:
                    stage_name, _, quartile = name.split(".")
                    found = measured.get((code, _STAGE_NAMES.index(stage_name)))
                    value = (
                        None if found is None else found[1 + ("q1", "median", "q3").index(quartile)]
                    )
                rows.append(
                    unchecked(
                        IndicatorRow,
                        period=period,
                        group=labels,
                        indicator=name,
                        measure=measure,
                        value=value,
                    )
                )
    return IndicatorTable(grouped, listed, day, tuple(rows))
