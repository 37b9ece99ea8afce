"""The individual program: goals, activities scheduled week by week, milestones (PL-02, PL-04).

An :class:`IndividualProgram` is what :func:`resocialize.planning.plan_program` makes from
an assessment, the catalog and a template: goals per domain, each traceable to the
assessment finding or the route that asked for it; activities, each with the reasons it was
chosen, placed in a phase (work before release, stages III, IV, V) at a week from the
program's start; and the pathway milestones the certificate's tranches refer to, with the
week and date each is due. Programs are versioned: a review that revises the program makes
a new version and keeps the earlier ones (:mod:`resocialize.reviews`).

Values built by the planner skip re-validation; values built by hand or read from JSON are
checked, every bad field reported with its path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Final

import attrs

from ._checks import (
    Checked,
    Problems,
    checked,
    count_problem,
    date_problem,
    id_problem,
    member_problem,
    optional,
    text_problem,
)
from .assessment import LifeDomain, Need, PotentialLevel
from .catalog import Provider, ServiceDomain
from .errors import ValidationError
from .records import Origin
from .rules import Reason
from .tariffs import Milestone
from .templates import Phase

__all__ = [
    "Activity",
    "Goal",
    "IndividualProgram",
    "PhaseSpan",
    "ProgramMilestone",
]

_PHASE_ORDER: Final = {phase: i for i, phase in enumerate(Phase)}


def _as_tuple(value: object) -> object:
    if isinstance(value, list):
        return tuple(value)
    return value


def _as_frozenset(value: object) -> object:
    if isinstance(value, list | tuple | set):
        return frozenset(value)
    return value


def _tuple_of(kind: type, *, non_empty: bool = False) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, tuple):
            return f"must be a tuple of {kind.__name__}"
        if non_empty and not value:
            return "must not be empty"
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                return f"item {i} must be a {kind.__name__}, not {type(item).__name__}"
        return None

    return check


def _ids_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return "must be a tuple of ids"
    for i, item in enumerate(value):
        problem = id_problem(item)
        if problem is not None:
            return f"item {i}: {problem}"
    return None


def _non_empty_ids_problem(value: object) -> str | None:
    if isinstance(value, tuple) and not value:
        return "must not be empty"
    return _ids_problem(value)


def _providers_problem(value: object) -> str | None:
    if not isinstance(value, frozenset) or not value:
        return "must be a non-empty set of providers"
    bad = [p for p in value if not isinstance(p, Provider)]
    return f"{bad!r} are not providers" if bad else None


def _string_problem(value: object) -> str | None:
    return None if isinstance(value, str) else f"must be a string, not {type(value).__name__}"


def _weeks_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return "must be a positive whole number of weeks"
    return None


def _per_week_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7:
        return "must be a whole number of sessions a week, 1-7"
    return None


def _version_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return "must be a positive whole number"
    return None


@attrs.frozen
class PhaseSpan(Checked):
    """One phase of the program: from which week, for how many weeks."""

    phase: Phase = attrs.field(metadata=checked(member_problem(Phase)))
    start_week: int = attrs.field(metadata=checked(count_problem))
    weeks: int = attrs.field(metadata=checked(_weeks_problem))

    @property
    def end_week(self) -> int:
        """The first week after the phase."""
        return self.start_week + self.weeks


@attrs.frozen
class Goal(Checked):
    """A goal of the program in one domain, and what it rests on.

    ``basis`` holds the reasons the goal is in the program: the assessment finding
    (code ``finding.<domain>``), the route's template (``template.<route>.<goal>``), or
    both.
    """

    code: str = attrs.field(metadata=checked(id_problem))
    domain: ServiceDomain = attrs.field(metadata=checked(member_problem(ServiceDomain)))
    statement: str = attrs.field(metadata=checked(text_problem))
    need: Need = attrs.field(metadata=checked(member_problem(Need)))
    """How pressing the goal is: the assessed need, or moderate for a route's goal."""
    basis: tuple[Reason, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_tuple_of(Reason, non_empty=True))
    )
    life_domain: LifeDomain | None = attrs.field(
        default=None, metadata=checked(optional(member_problem(LifeDomain)))
    )
    """The assessed life domain the goal answers, if it answers one."""


@attrs.frozen
class Activity(Checked):
    """One intervention of the catalog, planned for goals, in a phase, week by week.

    ``reasons`` says why it was chosen (the need it meets, the route that asks for it, the
    activity it prepares, the co-dependents who take part); never empty.
    """

    intervention: str = attrs.field(metadata=checked(id_problem))
    goals: tuple[str, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_non_empty_ids_problem)
    )
    phase: Phase = attrs.field(metadata=checked(member_problem(Phase)))
    start_week: int = attrs.field(metadata=checked(count_problem))
    """Weeks from the start of the program (week 0 is the first)."""
    weeks: int = attrs.field(metadata=checked(_weeks_problem))
    per_week: int = attrs.field(metadata=checked(_per_week_problem))
    providers: frozenset[Provider] = attrs.field(
        converter=_as_frozenset, metadata=checked(_providers_problem)
    )
    reasons: tuple[Reason, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_tuple_of(Reason, non_empty=True))
    )
    co_dependents: tuple[str, ...] = attrs.field(
        default=(), converter=_as_tuple, metadata=checked(_ids_problem)
    )
    """The co-dependents who take part (PL-06), by id."""
    name: str = attrs.field(default="", metadata=checked(_string_problem))
    """The catalog's name of the intervention, for printing."""

    @property
    def end_week(self) -> int:
        """The first week after the activity."""
        return self.start_week + self.weeks

    def runs_in(self, week: int) -> bool:
        """True when the activity runs in ``week``."""
        return self.start_week <= week < self.end_week


@attrs.frozen
class ProgramMilestone(Checked):
    """A pathway milestone the program plans, when it is due: what tranches refer to."""

    milestone: Milestone = attrs.field(metadata=checked(member_problem(Milestone)))
    week: int = attrs.field(metadata=checked(count_problem))
    due: date = attrs.field(metadata=checked(date_problem))
    months: int | None = attrs.field(default=None, metadata=checked(optional(count_problem)))
    """For ``no_relapse``: the months without relapse."""


@attrs.frozen
class IndividualProgram(Checked):
    """One version of a client's individual program (PL-02, PL-04).

    The program's weeks count from ``start`` (week 0). ``gaps`` lists what the planner
    could not plan and why (no intervention in the catalog meets a need, a prerequisite
    could not be placed, the release date has passed): the case worker sees them.
    """

    id: str = attrs.field(metadata=checked(id_problem))
    client_id: str = attrs.field(metadata=checked(id_problem))
    version: int = attrs.field(metadata=checked(_version_problem))
    origin: Origin = attrs.field(metadata=checked(member_problem(Origin)))
    template: str = attrs.field(metadata=checked(id_problem))
    start: date = attrs.field(metadata=checked(date_problem))
    assessment_id: str = attrs.field(metadata=checked(id_problem))
    potential: PotentialLevel = attrs.field(metadata=checked(member_problem(PotentialLevel)))
    potential_reasons: tuple[Reason, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_tuple_of(Reason))
    )
    phases: tuple[PhaseSpan, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_tuple_of(PhaseSpan, non_empty=True))
    )
    goals: tuple[Goal, ...] = attrs.field(converter=_as_tuple, metadata=checked(_tuple_of(Goal)))
    activities: tuple[Activity, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_tuple_of(Activity))
    )
    milestones: tuple[ProgramMilestone, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_tuple_of(ProgramMilestone))
    )
    catalog_version: str = attrs.field(metadata=checked(text_problem))
    made_on: date = attrs.field(metadata=checked(date_problem))
    gaps: tuple[Reason, ...] = attrs.field(
        default=(), converter=_as_tuple, metadata=checked(_tuple_of(Reason))
    )
    co_dependents: tuple[str, ...] = attrs.field(
        default=(), converter=_as_tuple, metadata=checked(_ids_problem)
    )
    release_on: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))
    """The day of release from custody, for the prison route."""

    def _more_problems(self, problems: Problems) -> None:
        _phase_problems(self.phases, problems)
        codes: set[str] = set()
        for i, goal in enumerate(self.goals):
            if goal.code in codes:
                problems.add(f"goals[{i}].code", f"{goal.code!r} is used by another goal")
            codes.add(goal.code)
        spans = {span.phase: span for span in self.phases}
        seen: set[str] = set()
        for i, activity in enumerate(self.activities):
            path = f"activities[{i}]"
            if activity.intervention in seen:
                problems.add(f"{path}.intervention", f"{activity.intervention!r} is planned twice")
            seen.add(activity.intervention)
            for code in activity.goals:
                if code not in codes:
                    problems.add(f"{path}.goals", f"no goal {code!r} in the program")
            span = spans.get(activity.phase)
            if span is None:
                problems.add(f"{path}.phase", f"the program has no {activity.phase.value} phase")
            elif not span.start_week <= activity.start_week < span.end_week:
                problems.add(
                    f"{path}.start_week",
                    f"week {activity.start_week} is outside the {activity.phase.value} phase"
                    f" (weeks {span.start_week}-{span.end_week - 1})",
                )
        for i, milestone in enumerate(self.milestones):
            if milestone.due != self.date_of(milestone.week):
                problems.add(f"milestones[{i}].due", "does not fall in its week")
        if self.made_on > self.start:
            problems.add("made_on", "must not be after the program's start")

    # --- reading the program ----------------------------------------------------------------

    @property
    def end_week(self) -> int:
        """The first week after the program: the end of its last phase or activity."""
        last = max(span.end_week for span in self.phases)
        return max([last, *(a.end_week for a in self.activities)])

    def goal(self, code: str) -> Goal:
        """The goal with this code; :class:`~resocialize.errors.ValidationError` if none."""
        for goal in self.goals:
            if goal.code == code:
                return goal
        raise ValidationError.at("code", f"no goal {code!r} in program {self.id} v{self.version}")

    def activity(self, intervention: str) -> Activity:
        """The activity of this intervention; :class:`~resocialize.errors.ValidationError`
        if the program has none."""
        for activity in self.activities:
            if activity.intervention == intervention:
                return activity
        raise ValidationError.at(
            "intervention", f"no activity {intervention!r} in program {self.id} v{self.version}"
        )

    def activities_for(self, goal: str) -> tuple[Activity, ...]:
        """The activities that serve a goal."""
        return tuple(a for a in self.activities if goal in a.goals)

    def phase(self, phase: Phase) -> PhaseSpan | None:
        """The span of a phase, or ``None`` when the program has none."""
        for span in self.phases:
            if span.phase is phase:
                return span
        return None

    def date_of(self, week: int) -> date:
        """The first day of a week of the program."""
        return self.start + timedelta(weeks=week)

    def week_of(self, day: date) -> int:
        """The week of the program a day falls in (negative before the start)."""
        return (day - self.start).days // 7

    def in_week(self, week: int) -> tuple[Activity, ...]:
        """The activities that run in a week."""
        return tuple(a for a in self.activities if a.runs_in(week))

    def milestone(self, milestone: Milestone, months: int | None = None) -> ProgramMilestone | None:
        """When a pathway milestone is due, if the program plans it."""
        for item in self.milestones:
            if item.milestone is milestone and item.months == months:
                return item
        return None


def _phase_problems(phases: Iterable[PhaseSpan], problems: Problems) -> None:
    previous: PhaseSpan | None = None
    for i, span in enumerate(phases):
        if previous is not None:
            if _PHASE_ORDER[span.phase] <= _PHASE_ORDER[previous.phase]:
                problems.add(f"phases[{i}].phase", "phases must follow the pathway's order")
            if span.start_week != previous.end_week:
                problems.add(
                    f"phases[{i}].start_week",
                    f"must follow the previous phase at week {previous.end_week}",
                )
        elif span.start_week != 0:
            problems.add(f"phases[{i}].start_week", "the first phase starts at week 0")
        previous = span
