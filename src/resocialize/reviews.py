"""Reviews of the individual program: progress per goal, and revisions kept as versions (PL-07).

A :class:`ProgramFile` holds every version of one client's program and every review of it.
A :class:`Review` records, for goals of the current version, where each stands (not
started, in progress, achieved, dropped) with the evidence for achieving or dropping it.
:func:`revise` adds a new version (for instance from :func:`replan` after a new
assessment); the earlier versions stay readable, and a goal's status is read across them by
its code. :func:`reviews_due` says when a review is due and why: on schedule, and always
after a relapse, a custody or a change of center recorded in the case's history.

Refusals change nothing and give every reason. The docs page "Planning an individual
program" walks through a review after a relapse and a revision.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Final

import attrs

from ._checks import (
    Checked,
    Problems,
    checked,
    date_problem,
    id_problem,
    member_problem,
    optional,
    text_problem,
)
from .assessment import Assessment, PotentialRules
from .catalog import Catalog
from .errors import RuleViolation, ValidationError
from .pathway import DEFAULT_RULES, Case, Event, PathwayRules
from .planning import NO_SITUATION, Situation, plan_program
from .programs import IndividualProgram
from .rules import Reason
from .templates import Template

__all__ = [
    "GoalStatus",
    "ProgramFile",
    "Progress",
    "Review",
    "ReviewTrigger",
    "open_file",
    "replan",
    "review",
    "reviews_due",
    "revise",
]


class GoalStatus(enum.StrEnum):
    """Where a goal stands at a review."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class ReviewTrigger(enum.StrEnum):
    """Why a review took place."""

    SCHEDULED = "scheduled"
    RELAPSE = "relapse"
    CUSTODY = "custody"
    CENTER_CHANGE = "center_change"
    CLIENT_REQUEST = "client_request"
    STAGE_COMPLETED = "stage_completed"


_TRIGGER_OF_EVENT: Final[Mapping[Event, ReviewTrigger]] = MappingProxyType(
    {
        Event.RELAPSE: ReviewTrigger.RELAPSE,
        Event.DETAIN: ReviewTrigger.CUSTODY,
        Event.TRANSFER: ReviewTrigger.CENTER_CHANGE,
        Event.COMPLETE_REHABILITATION: ReviewTrigger.STAGE_COMPLETED,
        Event.COMPLETE_RESOCIALIZATION: ReviewTrigger.STAGE_COMPLETED,
    }
)
"""The pathway events after which the program is reviewed."""

_CLOSED: Final = frozenset({GoalStatus.ACHIEVED, GoalStatus.DROPPED})


@attrs.frozen
class Progress(Checked):
    """Where one goal stands, and the evidence for it (required to achieve or drop a goal)."""

    goal: str = attrs.field(metadata=checked(id_problem))
    status: GoalStatus = attrs.field(metadata=checked(member_problem(GoalStatus)))
    evidence: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    note: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))

    def _more_problems(self, problems: Problems) -> None:
        if self.status in _CLOSED and self.evidence is None:
            problems.add("evidence", f"is required when a goal is {self.status.value}")


def _progress_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return "must be a tuple of Progress"
    seen: set[str] = set()
    for i, item in enumerate(value):
        if not isinstance(item, Progress):
            return f"item {i} must be a Progress, not {type(item).__name__}"
        if item.goal in seen:
            return f"item {i}: goal {item.goal!r} is reported twice"
        seen.add(item.goal)
    return None


def _as_tuple(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def _positive_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return "must be a positive whole number"
    return None


@attrs.frozen
class Review(Checked):
    """A review of one version of the program: who, when, why, and each goal's progress."""

    on: date = attrs.field(metadata=checked(date_problem))
    by: str = attrs.field(metadata=checked(id_problem))
    """The reviewing case worker (an id)."""
    version: int = attrs.field(metadata=checked(_positive_problem))
    """The version of the program reviewed."""
    progress: tuple[Progress, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_progress_problem)
    )
    trigger: ReviewTrigger = attrs.field(
        default=ReviewTrigger.SCHEDULED, metadata=checked(member_problem(ReviewTrigger))
    )
    note: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))


def _versions_problem(value: object) -> str | None:
    if not isinstance(value, tuple) or not value:
        return "must be a non-empty tuple of programs"
    for i, item in enumerate(value):
        if not isinstance(item, IndividualProgram):
            return f"item {i} must be an IndividualProgram, not {type(item).__name__}"
    return None


def _reviews_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return "must be a tuple of reviews"
    for i, item in enumerate(value):
        if not isinstance(item, Review):
            return f"item {i} must be a Review, not {type(item).__name__}"
    return None


@attrs.frozen
class ProgramFile(Checked):
    """Every version of one client's program and every review, oldest first."""

    versions: tuple[IndividualProgram, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_versions_problem)
    )
    reviews: tuple[Review, ...] = attrs.field(
        default=(), converter=_as_tuple, metadata=checked(_reviews_problem)
    )

    def _more_problems(self, problems: Problems) -> None:
        first = self.versions[0]
        for i, program in enumerate(self.versions):
            if program.version != i + 1:
                problems.add(f"versions[{i}].version", f"must be {i + 1}, not {program.version}")
            if (program.id, program.client_id) != (first.id, first.client_id):
                problems.add(f"versions[{i}]", "is another program or another client's")
            if i and program.start < self.versions[i - 1].start:
                problems.add(f"versions[{i}].start", "must not be before the previous version's")
        last: date | None = None
        for i, item in enumerate(self.reviews):
            if item.version > len(self.versions):
                problems.add(f"reviews[{i}].version", f"there is no version {item.version}")
            if last is not None and item.on < last:
                problems.add(f"reviews[{i}].on", "reviews must be in date order")
            last = item.on

    @property
    def current(self) -> IndividualProgram:
        """The newest version."""
        return self.versions[-1]

    def version(self, number: int) -> IndividualProgram:
        """A version by its number; :class:`~resocialize.errors.ValidationError` if none."""
        if (
            isinstance(number, bool)
            or not isinstance(number, int)
            or not (1 <= number <= len(self.versions))
        ):
            raise ValidationError.at(
                "number", f"must be a version of program {self.current.id}: 1-{len(self.versions)}"
            )
        return self.versions[number - 1]

    def progress(self) -> Mapping[str, Progress]:
        """The latest progress recorded for each goal, by goal code, across versions."""
        latest: dict[str, Progress] = {}
        for item in self.reviews:
            for entry in item.progress:
                latest[entry.goal] = entry
        return MappingProxyType(latest)

    def status_of(self, goal: str) -> GoalStatus:
        """Where a goal stands: its latest recorded status, or not started."""
        entry = self.progress().get(goal)
        return GoalStatus.NOT_STARTED if entry is None else entry.status

    @property
    def last_reviewed(self) -> date | None:
        """The day of the latest review, if any."""
        return self.reviews[-1].on if self.reviews else None


def open_file(program: IndividualProgram) -> ProgramFile:
    """A new file holding the first version of a program."""
    if not isinstance(program, IndividualProgram):
        raise ValidationError.at(
            "program", f"must be an IndividualProgram, not {type(program).__name__}"
        )
    if program.version != 1:
        raise ValidationError.at("program.version", "a new file starts with version 1")
    return ProgramFile((program,))


def _check_file(file: object) -> ProgramFile:
    if not isinstance(file, ProgramFile):
        raise ValidationError.at("file", f"must be a ProgramFile, not {type(file).__name__}")
    return file


def review(file: ProgramFile, reviewed: Review) -> ProgramFile:
    """The file with a review recorded (PL-07).

    Refused with every reason, changing nothing: a review of a version that is not the
    current one, dated before the current version was made or before the latest review,
    reporting a goal the current version does not have, or putting back to "not started"
    a goal that was already under way or closed.
    """
    file = _check_file(file)
    if not isinstance(reviewed, Review):
        raise ValidationError.at("review", f"must be a Review, not {type(reviewed).__name__}")
    current = file.current
    reasons: list[Reason] = []
    if reviewed.version != current.version:
        reasons.append(
            Reason(
                "review.not_current",
                f"version {reviewed.version} is not the current version {current.version}",
                {"version": reviewed.version},
            )
        )
    if reviewed.on < current.made_on:
        reasons.append(
            Reason(
                "review.before_program",
                f"the review of {reviewed.on} is before version {current.version} was made"
                f" on {current.made_on}",
            )
        )
    last = file.last_reviewed
    if last is not None and reviewed.on < last:
        reasons.append(
            Reason(
                "review.out_of_order",
                f"the review of {reviewed.on} is before the latest review of {last}",
            )
        )
    codes = {goal.code for goal in current.goals}
    before = file.progress()
    for entry in reviewed.progress:
        if entry.goal not in codes:
            reasons.append(
                Reason(
                    "review.unknown_goal",
                    f"version {current.version} has no goal {entry.goal!r}",
                    {"goal": entry.goal},
                )
            )
            continue
        previous = before.get(entry.goal)
        if (
            previous is not None
            and previous.status is not GoalStatus.NOT_STARTED
            and entry.status is GoalStatus.NOT_STARTED
        ):
            reasons.append(
                Reason(
                    "review.goal_regressed",
                    f"goal {entry.goal!r} was {previous.status.value} and cannot be"
                    " not started again",
                    {"goal": entry.goal},
                )
            )
    if reasons:
        raise RuleViolation(reasons)
    return ProgramFile(file.versions, (*file.reviews, reviewed))


def revise(file: ProgramFile, program: IndividualProgram) -> ProgramFile:
    """The file with a new version of the program; every earlier version stays (PL-07).

    Refused with every reason: another program or client, a version number that does not
    follow the current one, or a start before the current version's.
    """
    file = _check_file(file)
    if not isinstance(program, IndividualProgram):
        raise ValidationError.at(
            "program", f"must be an IndividualProgram, not {type(program).__name__}"
        )
    current = file.current
    reasons: list[Reason] = []
    if (program.id, program.client_id) != (current.id, current.client_id):
        reasons.append(
            Reason("revision.other_program", "the revision is of another program or client")
        )
    if program.version != current.version + 1:
        reasons.append(
            Reason(
                "revision.version",
                f"the revision must be version {current.version + 1}, not {program.version}",
            )
        )
    if program.start < current.start:
        reasons.append(
            Reason(
                "revision.before_current",
                f"the revision starts on {program.start}, before version {current.version}"
                f" started on {current.start}",
            )
        )
    if reasons:
        raise RuleViolation(reasons)
    return ProgramFile((*file.versions, program), file.reviews)


def replan(
    file: ProgramFile,
    assessment: Assessment,
    catalog: Catalog,
    *,
    on: date,
    situation: Situation = NO_SITUATION,
    template: Template | None = None,
    rules: PathwayRules = DEFAULT_RULES,
    potential_rules: PotentialRules | None = None,
) -> ProgramFile:
    """A new version planned from a new assessment, starting on ``on`` (PL-07).

    Goals already achieved are not planned again: the new version keeps a goal of the same
    code only if the new assessment still finds the need. The earlier versions stay.
    """
    file = _check_file(file)
    current = file.current
    program = plan_program(
        current.client_id,
        assessment,
        catalog,
        origin=current.origin,
        start=on,
        situation=situation,
        template=template,
        program_id=current.id,
        version=current.version + 1,
        rules=rules,
        potential_rules=potential_rules,
    )
    achieved = {
        code for code, entry in file.progress().items() if entry.status is GoalStatus.ACHIEVED
    }
    if achieved & {g.code for g in program.goals if g.life_domain is None}:
        goals = tuple(g for g in program.goals if g.code not in achieved or g.life_domain)
        kept = {g.code for g in goals}
        activities = tuple(
            attrs.evolve(a, goals=tuple(c for c in a.goals if c in kept))
            for a in program.activities
            if any(c in kept for c in a.goals)
        )
        program = attrs.evolve(program, goals=goals, activities=activities)
    return revise(file, program)


def reviews_due(
    file: ProgramFile, on: date, *, case: Case | None = None, every_weeks: int = 12
) -> tuple[Reason, ...]:
    """Why a review is due on ``on``, if it is: every reason, or none.

    A review is due ``every_weeks`` after the current version was made or last reviewed,
    and at once after a relapse, a custody, a change of center or a completed stage recorded
    in the case's history since then (a relapse always triggers a review).
    """
    file = _check_file(file)
    problems = Problems()
    problems.check("on", date_problem(on))
    if case is not None and not isinstance(case, Case):
        problems.add("case", f"must be a Case, not {type(case).__name__}")
    if isinstance(every_weeks, bool) or not isinstance(every_weeks, int) or every_weeks < 1:
        problems.add("every_weeks", "must be a positive whole number of weeks")
    problems.raise_if_any()
    current = file.current
    since = max(current.made_on, file.last_reviewed or current.made_on)
    reasons: list[Reason] = []
    due = since + timedelta(weeks=every_weeks)
    if on >= due:
        reasons.append(
            Reason(
                "review.scheduled",
                f"the program was last made or reviewed on {since}: a review was due on {due}",
                {"due": due.isoformat()},
            )
        )
    if case is not None:
        for entry in case.history:
            trigger = _TRIGGER_OF_EVENT.get(entry.event)
            day = _day(entry.at)
            if trigger is None or not since < day <= on:
                continue
            reasons.append(
                Reason(
                    f"review.{trigger.value}",
                    f"{entry.event.value.replace('_', ' ')} on {day} triggers a review",
                    {"event": entry.event.value, "on": day.isoformat()},
                )
            )
    return tuple(reasons)


def _day(at: datetime) -> date:
    return at.date()
