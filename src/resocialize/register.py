"""The register of centers: application, inclusion, suspension, exclusion, re-inclusion (RG-04).

The agency keeps a register of the rehabilitation centers that qualify against
the region's criteria (seed 001). Each center that applies gets one
:class:`RegisterEntry`: its lifecycle state, the center's data as last recorded,
and the history of every decision, each with who took it, when, why, and the
:class:`~resocialize.qualification.QualificationResult` it rests on. A
:class:`CenterRegister` is the frozen value holding every entry.

The lifecycle is defined once, as a python-statemachine chart
(:class:`~resocialize.register_chart.RegisterChart`); :func:`decide` looks the
event up in the table compiled from it (DESIGN.md, principles 4 and 5). A
refusal raises :class:`~resocialize.errors.RuleViolation` with a reason for
every unmet condition and changes nothing; bad arguments raise
:class:`~resocialize.errors.ValidationError` with the path of every bad field.

>>> from datetime import date, datetime, timezone
>>> from resocialize.centers import Center
>>> from resocialize.organizations import OwnershipForm
>>> from resocialize.qualification import CriterionOutcome, QualificationResult
>>> from resocialize.rules import Reason
>>> from resocialize.register import (
...     EMPTY_REGISTER, RegisterEvent, apply, decide, included_on, status_on,
... )
>>> center = Center("c-1", "Harbour House", OwnershipForm.NON_GOVERNMENTAL, "north")
>>> at = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
>>> register = apply(EMPTY_REGISTER, center, at=at, by="agency-1")
>>> expired = QualificationResult("c-1", date(2026, 3, 9), (
...     CriterionOutcome("certification.valid", "valid certification", False,
...                      Reason("certification.expired", "the certification expired")),
... ))
>>> from resocialize.errors import RuleViolation
>>> try:
...     decide(register, "c-1", RegisterEvent.INCLUDE,
...            at=datetime(2026, 3, 9, tzinfo=timezone.utc),
...            by="commission-1", why="meets the criteria", qualification=expired)
... except RuleViolation as refused:
...     for reason in refused.reasons:
...         print(reason.code, "-", reason.message)
qualification.failed - c-1 does not qualify on 2026-03-09: 1 of 1 criteria failed
certification.expired - the certification expired
>>> passed = QualificationResult("c-1", date(2026, 3, 9), (
...     CriterionOutcome("certification.valid", "valid certification", True,
...                      Reason("certification.valid", "certified until 2028-01-09")),
... ))
>>> register = decide(register, "c-1", RegisterEvent.INCLUDE,
...                   at=datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc),
...                   by="commission-1", why="meets the criteria", qualification=passed)
>>> status_on(register, "c-1", date(2026, 3, 8)), status_on(register, "c-1", date(2026, 3, 9))
(<RegisterState.APPLIED: 'applied'>, <RegisterState.INCLUDED: 'included'>)
>>> sorted(included_on(register, date(2026, 3, 9)))
['c-1']

Decisions worth knowing:

- **One entry per center, for the register's whole life.** Nothing in the chart
  is final: a rejected center, or one that withdrew, may ``reapply`` and its
  entry goes back to ``applied``; an excluded center comes back by
  ``reinclude``. So a center's story stays in one history, and its state on a
  past date is one look-up.
- **Every decision says why.** ``why`` is required (non-blank) for every
  decision, not only for refusals; a blank one is refused with
  ``decision.why_missing``.
- **Inclusion rests on a qualification of that day.** ``include``,
  ``reinstate`` and ``reinclude`` need a
  :class:`~resocialize.qualification.QualificationResult` for this center,
  dated on the decision's day (``at.date()``, in the offset ``at`` carries),
  with at least one criterion and every criterion passed. Otherwise the refusal
  lists ``qualification.missing``, ``qualification.stale``,
  ``qualification.empty`` or ``qualification.failed`` followed by the reason of
  every failed criterion. Any decision may carry a qualification (a suspension
  may rest on a failed one), which must concern this center
  (``qualification.wrong_center``) and not be dated after the decision
  (``qualification.premature``).
- **Center data.** :func:`update_center` records a center's new data (an
  inspection, a certification) as a change in the entry's history without
  changing its state: the entry keeps every version of the center, and
  :func:`center_on` gives the data as recorded on a past date. An update is not
  a decision: it neither suspends nor re-qualifies the center by itself.
- **Time.** A decision must not be dated before the entry's last one, neither
  as an instant nor by its day (``time.before_last_decision``). A *date* asked
  about means the end of that day: every change dated that day counts. An
  *instant* counts the changes made at or before it.
- **Consistency.** A :class:`RegisterEntry` checks on construction that its
  fields agree with its history and that the history follows the chart and
  its guards (the qualifications are recorded, so they are checked again): an
  entry read from JSON with an edited state, or an inclusion without a passing
  qualification, is refused with the path of the bad change.
"""

from __future__ import annotations

import enum
import functools
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from operator import attrgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import attrs

from ._checks import (
    Checked,
    Problems,
    checked,
    date_problem,
    id_problem,
    instance_problem,
    instant_problem,
    member_problem,
    optional,
    text_problem,
)
from .centers import Center
from .errors import FieldProblem, RuleViolation, ValidationError
from .qualification import CriterionOutcome, QualificationResult
from .rules import Decision, Reason

if TYPE_CHECKING:
    from .register_chart import RegisterTable

__all__ = [
    "DEFAULT_APPLICATION_WHY",
    "EMPTY_REGISTER",
    "REGISTER_GUARDS",
    "CenterRegister",
    "RegisterChange",
    "RegisterEntry",
    "RegisterEvent",
    "RegisterGuard",
    "RegisterState",
    "apply",
    "center_on",
    "decide",
    "diagram",
    "explain",
    "included_on",
    "register_table",
    "replay_entry",
    "status_on",
    "update_center",
]


class RegisterState(enum.StrEnum):
    """Where a center's entry stands. Values are stable: they are stored and exported."""

    APPLIED = "applied"
    """The center applied for inclusion; no decision yet."""
    INCLUDED = "included"
    """In the register: clients may choose the center, certificates may pay it."""
    SUSPENDED = "suspended"
    """Temporarily out of the register, pending remedy; reinstated or excluded later."""
    EXCLUDED = "excluded"
    """Removed from the register by decision; may be re-included once it qualifies."""
    REJECTED = "rejected"
    """The application was refused; the center may reapply."""
    WITHDRAWN = "withdrawn"
    """The center left the register (or its application) on its own; it may reapply."""


class RegisterEvent(enum.StrEnum):
    """What can happen to an entry. ``APPLY`` opens it and ``UPDATE`` records new center
    data (see :func:`apply`, :func:`update_center`); the rest are chart events for
    :func:`decide`."""

    APPLY = "apply"
    INCLUDE = "include"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    EXCLUDE = "exclude"
    REINCLUDE = "reinclude"
    WITHDRAW = "withdraw"
    REAPPLY = "reapply"
    UPDATE = "update"


_NOT_DECISIONS: Final = {
    RegisterEvent.APPLY: "an entry is opened by apply(), not decide()",
    RegisterEvent.UPDATE: "center data is recorded by update_center(), not decide()",
}

_EVENTS: Final[Mapping[str, RegisterEvent]] = {e.value: e for e in RegisterEvent}

DEFAULT_APPLICATION_WHY: Final = "application for inclusion in the register"
"""The ``why`` recorded by :func:`apply` when none is given."""


# --- values ------------------------------------------------------------------------------------


def _qualification_problem(value: object) -> str | None:
    """Why ``value`` is not a well-formed QualificationResult (its class does not check)."""
    if not isinstance(value, QualificationResult):
        return f"must be a QualificationResult, not {type(value).__name__}"
    problem = id_problem(value.center_id)
    if problem is not None:
        return f"center_id {problem}"
    problem = date_problem(value.on)
    if problem is not None:
        return f"on {problem}"
    if not isinstance(value.outcomes, tuple):
        return f"outcomes must be a tuple, not {type(value.outcomes).__name__}"
    for i, outcome in enumerate(value.outcomes):
        if (
            not isinstance(outcome, CriterionOutcome)
            or not isinstance(outcome.code, str)
            or not isinstance(outcome.passed, bool)
            or not isinstance(outcome.reason, Reason)
        ):
            return (
                f"outcomes[{i}] must be a CriterionOutcome with a code, a boolean passed "
                "and a Reason"
            )
    return None


@attrs.frozen(weakref_slot=False)
class RegisterChange(Checked):
    """One recorded change of an entry: who, when, which event, from which state to
    which, why, and the qualification or center data it carries (RG-04).

    ``APPLY`` and ``UPDATE`` changes carry the center's data in ``center``; the
    decisions carry ``None`` there. ``qualification`` is the result a decision
    rests on, required for ``include``, ``reinstate`` and ``reinclude``.
    """

    at: datetime = attrs.field(metadata=checked(instant_problem))
    by: str = attrs.field(metadata=checked(id_problem))
    """The deciding official or body (an id, never a name)."""
    event: RegisterEvent = attrs.field(metadata=checked(member_problem(RegisterEvent)))
    source: RegisterState | None = attrs.field(
        metadata=checked(optional(member_problem(RegisterState)))
    )
    """``None`` for the change that opens the entry."""
    target: RegisterState = attrs.field(metadata=checked(member_problem(RegisterState)))
    why: str = attrs.field(metadata=checked(text_problem))
    qualification: QualificationResult | None = attrs.field(
        default=None, metadata=checked(optional(_qualification_problem))
    )
    center: Center | None = attrs.field(
        default=None, metadata=checked(optional(instance_problem(Center)))
    )


def _changes(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def _history_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return f"must be a tuple of RegisterChange, not {type(value).__name__}"
    if not value:
        return "must not be empty; an entry opens with an apply change"
    for i, item in enumerate(value):
        if not isinstance(item, RegisterChange):
            return f"item {i} must be a RegisterChange, not {type(item).__name__}"
    return None


@attrs.frozen(weakref_slot=False)
class RegisterEntry(Checked):
    """One center's entry in the register: its state, since when, the center's data as
    last recorded, and the history every other field is derived from.

    Built by :func:`apply`, :func:`decide`, :func:`update_center` and
    :func:`replay_entry`. Constructing one directly (or reading one from JSON)
    checks that the history follows the chart and its guards and that the fields
    agree with it; otherwise :class:`~resocialize.errors.ValidationError` names
    the bad change or field.
    """

    center_id: str = attrs.field(metadata=checked(id_problem))
    state: RegisterState = attrs.field(metadata=checked(member_problem(RegisterState)))
    since: datetime = attrs.field(metadata=checked(instant_problem))
    """When the entry entered its current state."""
    center: Center = attrs.field(metadata=checked(instance_problem(Center)))
    """The center's data as last recorded (by ``apply`` or ``update``)."""
    history: tuple[RegisterChange, ...] = attrs.field(
        converter=_changes, metadata=checked(_history_problem)
    )

    def _more_problems(self, problems: Problems) -> None:
        try:
            center_id, state, since, center = _fold(self.history)
        except ValidationError as err:
            problems.items.extend(err.problems)
            return
        for name, value in (
            ("center_id", center_id),
            ("state", state),
            ("since", since),
            ("center", center),
        ):
            if getattr(self, name) != value:
                problems.add(name, "disagrees with the history")

    @property
    def version(self) -> int:
        """How many changes are recorded; grows by one with every accepted change."""
        return len(self.history)

    @property
    def last(self) -> RegisterChange:
        """The latest recorded change."""
        return self.history[-1]


def _entries(value: object) -> object:
    if isinstance(value, Mapping):
        return MappingProxyType(dict(value))
    return value


def _entries_problem(value: object) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a mapping of center id to RegisterEntry, not {type(value).__name__}"
    return None


@attrs.frozen(weakref_slot=False)
class CenterRegister(Checked):
    """The register of centers: every center's entry, keyed by center id (RG-04).

    A frozen value: :func:`apply`, :func:`decide` and :func:`update_center`
    return a new register and leave this one as it was.
    """

    entries: Mapping[str, RegisterEntry] = attrs.field(
        factory=dict,
        converter=_entries,
        metadata=checked(_entries_problem),
        hash=False,
        repr=lambda entries: f"<{len(entries)} entries>",
    )

    def _more_problems(self, problems: Problems) -> None:
        for key, entry in self.entries.items():
            if type(entry) is RegisterEntry and entry.center_id == key:
                continue  # the common case, kept cheap: a register may hold thousands
            path = f"entries[{key!r}]"
            if not isinstance(entry, RegisterEntry):
                problems.add(path, f"must be a RegisterEntry, not {type(entry).__name__}")
            elif entry.center_id != key:
                problems.add(path, f"holds the entry of {entry.center_id!r}, not of {key!r}")

    def entry(self, center_id: str) -> RegisterEntry:
        """The entry of ``center_id``; refused with ``center.not_applied`` when there is none."""
        if not isinstance(center_id, str):
            raise ValidationError.at(
                "center_id", f"must be a string, not {type(center_id).__name__}"
            )
        found = self.entries.get(center_id)
        if found is None:
            raise RuleViolation([_not_applied(center_id)])
        return found

    def __reduce__(self) -> tuple[type[CenterRegister], tuple[dict[str, RegisterEntry]]]:
        # the read-only mapping cannot be pickled itself; rebuild it on load
        return (type(self), (dict(self.entries),))


EMPTY_REGISTER: Final = CenterRegister()
"""The register before any center applied."""


# --- guards --------------------------------------------------------------------------------------

RegisterGuard = Callable[[str, datetime, "QualificationResult | None"], tuple[Reason, ...]]
"""A guard: ``(center_id, at, qualification) -> reasons``; no reason when the condition holds."""


def qualified(
    center_id: str, at: datetime, qualification: QualificationResult | None
) -> tuple[Reason, ...]:
    """The center qualifies on the day of the decision: a result of that day, with at least
    one criterion, every one passed (RG-02, RG-04). That the result concerns this center is
    checked for every decision."""
    day = at.date()
    if qualification is None:
        return (
            Reason(
                "qualification.missing",
                f"{center_id} needs a qualification result of {day.isoformat()} for this decision",
                {"center_id": center_id, "day": day.isoformat()},
            ),
        )
    reasons: list[Reason] = []
    if qualification.on < day:
        reasons.append(
            Reason(
                "qualification.stale",
                f"the qualification of {qualification.on.isoformat()} is not of the "
                f"decision's day, {day.isoformat()}",
                {"on": qualification.on.isoformat(), "day": day.isoformat()},
            )
        )
    if not qualification.outcomes:
        reasons.append(
            Reason(
                "qualification.empty",
                "the qualification evaluated no criterion, so it shows nothing",
                {"center_id": qualification.center_id},
            )
        )
    failed = qualification.failed
    if failed:
        reasons.append(
            Reason(
                "qualification.failed",
                f"{qualification.center_id} does not qualify on {qualification.on.isoformat()}: "
                f"{len(failed)} of {len(qualification.outcomes)} criteria failed",
                {
                    "center_id": qualification.center_id,
                    "on": qualification.on.isoformat(),
                    "failed": ", ".join(o.code for o in failed),
                },
            )
        )
        reasons.extend(o.reason for o in failed)
    return tuple(reasons)


REGISTER_GUARDS: Final[Mapping[str, RegisterGuard]] = MappingProxyType({"qualified": qualified})
"""The guards the register chart names on its transitions, by name."""


# --- the compiled table --------------------------------------------------------------------------


@functools.cache
def register_table() -> RegisterTable:
    """The transition table compiled from the register chart, once per process."""
    from .register_chart import compile_table

    return compile_table()


# --- refusals ------------------------------------------------------------------------------------


def _not_applied(center_id: object) -> Reason:
    return Reason(
        "center.not_applied",
        f"{center_id!r} has not applied to the register",
        {"center_id": center_id if isinstance(center_id, str) else repr(center_id)},
    )


def _time_reasons(last: datetime, at: datetime) -> list[Reason]:
    if at < last:
        message = f"{at.isoformat()} is before the entry's last change ({last.isoformat()})"
    elif at.date() < last.date():
        message = (
            f"{at.isoformat()} falls on a day before the day of the entry's last change "
            f"({last.isoformat()})"
        )
    else:
        return []
    return [
        Reason(
            "time.before_last_decision",
            message,
            {"at": at.isoformat(), "last": last.isoformat()},
        )
    ]


def _attached_reasons(
    center_id: str, at: datetime, qualification: QualificationResult | None
) -> list[Reason]:
    """A qualification attached to any decision concerns this center and is not from later."""
    if qualification is None:
        return []
    reasons: list[Reason] = []
    if qualification.center_id != center_id:
        reasons.append(
            Reason(
                "qualification.wrong_center",
                f"the qualification is of {qualification.center_id}, not of {center_id}",
                {"center_id": center_id, "qualification_center_id": qualification.center_id},
            )
        )
    if qualification.on > at.date():
        reasons.append(
            Reason(
                "qualification.premature",
                f"the qualification of {qualification.on.isoformat()} is dated after the "
                f"decision ({at.date().isoformat()})",
                {"on": qualification.on.isoformat(), "day": at.date().isoformat()},
            )
        )
    return reasons


def _why_reasons(why: str) -> list[Reason]:
    if why.strip():
        return []
    return [Reason("decision.why_missing", "every decision must say why; the reason is blank")]


def _move_reasons(
    center_id: str,
    state: RegisterState,
    event: RegisterEvent,
    at: datetime,
    qualification: QualificationResult | None,
) -> list[Reason]:
    move = register_table().moves.get((state, event))
    if move is None:
        return [
            Reason(
                "transition.not_allowed",
                f"{event.value} cannot happen to an entry that is {state.value}",
                {"state": state.value, "event": event.value},
            )
        ]
    reasons: list[Reason] = []
    for guard in move.guards:
        reasons.extend(guard(center_id, at, qualification))
    return reasons


def _refusals(
    register: CenterRegister,
    center_id: str,
    event: RegisterEvent,
    at: datetime,
    why: str,
    qualification: QualificationResult | None,
) -> list[Reason]:
    entry = register.entries.get(center_id)
    reasons: list[Reason] = [] if entry is not None else [_not_applied(center_id)]
    if entry is not None:
        reasons.extend(_move_reasons(center_id, entry.state, event, at, qualification))
        reasons.extend(_time_reasons(entry.last.at, at))
    reasons.extend(_attached_reasons(center_id, at, qualification))
    reasons.extend(_why_reasons(why))
    return reasons


# --- replay --------------------------------------------------------------------------------------


def _fold(
    history: Sequence[RegisterChange], path: str = "history"
) -> tuple[str, RegisterState, datetime, Center]:
    """Follow a history from its opening; return center id, state, since and center.

    Every change must follow the chart from the state reached so far and meet the
    guards on what it recorded; otherwise ValidationError names the first bad change.
    """
    first = history[0]
    start = f"{path}[0]"
    if (
        first.event is not RegisterEvent.APPLY
        or first.source is not None
        or first.target is not RegisterState.APPLIED
        or first.center is None
        or first.qualification is not None
    ):
        raise ValidationError.at(
            start, "an entry opens with an apply change to applied, carrying the center"
        )
    center_id = first.center.id
    state, since, center, last = RegisterState.APPLIED, first.at, first.center, first.at
    for i in range(1, len(history)):
        change = history[i]
        where = f"{path}[{i}]"
        reasons = _time_reasons(last, change.at)
        if reasons:
            raise ValidationError.at(f"{where}.at", reasons[0].message)
        if change.event is RegisterEvent.APPLY:
            raise ValidationError.at(f"{where}.event", "apply opens an entry, only once")
        if change.source is not state:
            raise ValidationError.at(
                f"{where}.source", f"must be {state.value}, the state reached so far"
            )
        if change.event is RegisterEvent.UPDATE:
            if change.target is not state:
                raise ValidationError.at(f"{where}.target", "an update does not change the state")
            if change.center is None or change.center.id != center_id:
                raise ValidationError.at(
                    f"{where}.center", f"an update carries the data of center {center_id}"
                )
            if change.qualification is not None:
                raise ValidationError.at(f"{where}.qualification", "an update carries none")
            center = change.center
        else:
            if change.center is not None:
                raise ValidationError.at(f"{where}.center", "only apply and update carry one")
            move = register_table().moves.get((state, change.event))
            if move is None or move.target is not change.target:
                raise ValidationError.at(
                    where,
                    f"{change.event.value} from {state.value} to {change.target.value} does "
                    "not follow the register chart",
                )
            reasons = _move_reasons(center_id, state, change.event, change.at, change.qualification)
            reasons.extend(_attached_reasons(center_id, change.at, change.qualification))
            if reasons:
                raise ValidationError.at(
                    f"{where}.qualification",
                    "; ".join(f"{r.message} [{r.code}]" for r in reasons),
                )
            if change.target is not state:
                state, since = change.target, change.at
        last = change.at
    return center_id, state, since, center


def replay_entry(history: Sequence[RegisterChange]) -> RegisterEntry:
    """Rebuild an entry from its history alone (RG-04).

    The qualifications a decision rested on are recorded in the history, so the
    guards are checked again; every change must follow the chart, and times must
    not go backwards. Otherwise :class:`~resocialize.errors.ValidationError` names
    the first bad change.
    """
    if isinstance(history, str | bytes) or not isinstance(history, Sequence):
        raise ValidationError.at("history", "must be a sequence of RegisterChange")
    changes = tuple(history)
    problem = _history_problem(changes)
    if problem is not None:
        raise ValidationError.at("history", problem)
    center_id, state, since, center = _fold(changes)
    return RegisterEntry(center_id, state, since, center, changes)


# --- input checks --------------------------------------------------------------------------------


def _check(problems: list[FieldProblem], path: str, problem: str | None) -> None:
    if problem is not None:
        problems.append(FieldProblem(path, problem))


def _event(event: object, problems: list[FieldProblem]) -> RegisterEvent | None:
    checked_event: RegisterEvent | None = None
    if isinstance(event, RegisterEvent):
        checked_event = event
    elif isinstance(event, str):
        checked_event = _EVENTS.get(event)
    if checked_event is None:
        names = ", ".join(e.value for e in RegisterEvent if e not in _NOT_DECISIONS)
        problems.append(FieldProblem("event", f"unknown event {event!r}; known: {names}"))
        return None
    refused = _NOT_DECISIONS.get(checked_event)
    if refused is not None:
        problems.append(FieldProblem("event", refused))
        return None
    return checked_event


def _decision_problems(
    register: object,
    center_id: object,
    event: object,
    at: object,
    by: object,
    why: object,
    qualification: object,
) -> tuple[list[FieldProblem], RegisterEvent | None]:
    problems: list[FieldProblem] = []
    _check(problems, "register", instance_problem(CenterRegister)(register))
    _check(problems, "center_id", id_problem(center_id))
    checked_event = _event(event, problems)
    _check(problems, "at", instant_problem(at))
    _check(problems, "by", id_problem(by))
    if not isinstance(why, str):
        problems.append(FieldProblem("why", f"must be a string, not {type(why).__name__}"))
    _check(problems, "qualification", optional(_qualification_problem)(qualification))
    return problems, checked_event


def _center_problems(
    register: object, center: object, at: object, by: object, why: object
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    _check(problems, "register", instance_problem(CenterRegister)(register))
    _check(problems, "center", instance_problem(Center)(center))
    _check(problems, "at", instant_problem(at))
    _check(problems, "by", id_problem(by))
    if not isinstance(why, str):
        problems.append(FieldProblem("why", f"must be a string, not {type(why).__name__}"))
    return problems


def _with(register: CenterRegister, entry: RegisterEntry) -> CenterRegister:
    entries = dict(register.entries)
    entries[entry.center_id] = entry
    return CenterRegister(entries)


# --- the public operations -----------------------------------------------------------------------


def apply(
    register: CenterRegister,
    center: Center,
    *,
    at: datetime,
    by: str,
    why: str = DEFAULT_APPLICATION_WHY,
) -> CenterRegister:
    """Open the entry of ``center``, which applies for inclusion; return the new register.

    A center applies once: an entry that exists is refused with
    ``center.already_applied`` (a rejected or withdrawn center uses the
    ``reapply`` event instead). Bad arguments raise
    :class:`~resocialize.errors.ValidationError`.
    """
    problems = _center_problems(register, center, at, by, why)
    if problems:
        raise ValidationError(problems)
    reasons = _why_reasons(why)
    existing = register.entries.get(center.id)
    if existing is not None:
        reasons.insert(
            0,
            Reason(
                "center.already_applied",
                f"{center.id} is already in the register ({existing.state.value}); a rejected "
                "or withdrawn center reapplies with the reapply event",
                {"center_id": center.id, "state": existing.state.value},
            ),
        )
    if reasons:
        raise RuleViolation(reasons)
    change = RegisterChange(
        at, by, RegisterEvent.APPLY, None, RegisterState.APPLIED, why, None, center
    )
    return _with(register, RegisterEntry(center.id, RegisterState.APPLIED, at, center, (change,)))


def decide(
    register: CenterRegister,
    center_id: str,
    event: RegisterEvent | str,
    *,
    at: datetime,
    by: str,
    why: str,
    qualification: QualificationResult | None = None,
) -> CenterRegister:
    """Record the decision ``event`` on the entry of ``center_id``; return the new register.

    The event must be allowed from the entry's state by the chart, its guards must
    hold (``include``, ``reinstate`` and ``reinclude`` need a passing qualification
    of the decision's day), ``why`` must not be blank, an attached qualification
    must concern this center and not be dated after the decision, and ``at`` must
    not be before the entry's last change. Otherwise
    :class:`~resocialize.errors.RuleViolation` lists every unmet condition and
    nothing changes. Bad arguments raise :class:`~resocialize.errors.ValidationError`.
    """
    problems, checked_event = _decision_problems(
        register, center_id, event, at, by, why, qualification
    )
    if problems or checked_event is None:
        raise ValidationError(problems)
    reasons = _refusals(register, center_id, checked_event, at, why, qualification)
    if reasons:
        raise RuleViolation(reasons)
    entry = register.entries[center_id]
    target = register_table().moves[(entry.state, checked_event)].target
    change = RegisterChange(at, by, checked_event, entry.state, target, why, qualification)
    since = at if target is not entry.state else entry.since
    new = RegisterEntry(center_id, target, since, entry.center, (*entry.history, change))
    return _with(register, new)


def update_center(
    register: CenterRegister,
    center: Center,
    *,
    at: datetime,
    by: str,
    why: str,
) -> CenterRegister:
    """Record new data of a center in the register (a new inspection, certification,
    program); the entry's state does not change. Return the new register.

    The entry keeps every version of the center in its history (see
    :func:`center_on`). Refused with ``center.not_applied`` for a center without an
    entry, ``decision.why_missing`` for a blank ``why``, and
    ``time.before_last_decision`` for a change dated before the entry's last one.
    """
    problems = _center_problems(register, center, at, by, why)
    if problems:
        raise ValidationError(problems)
    entry = register.entries.get(center.id)
    reasons = [_not_applied(center.id)] if entry is None else _time_reasons(entry.last.at, at)
    reasons.extend(_why_reasons(why))
    if reasons:
        raise RuleViolation(reasons)
    assert entry is not None
    change = RegisterChange(
        at, by, RegisterEvent.UPDATE, entry.state, entry.state, why, None, center
    )
    new = RegisterEntry(center.id, entry.state, entry.since, center, (*entry.history, change))
    return _with(register, new)


def explain(
    register: CenterRegister,
    center_id: str,
    event: RegisterEvent | str,
    *,
    at: datetime,
    why: str,
    qualification: QualificationResult | None = None,
) -> Decision:
    """Would :func:`decide` accept this decision? The answer lists every unmet condition.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 3, 2, tzinfo=timezone.utc)
    >>> explain(EMPTY_REGISTER, "c-9", "suspend", at=at, why=" ").codes
    ('center.not_applied', 'decision.why_missing')
    """
    problems, checked_event = _decision_problems(
        register, center_id, event, at, "-", why, qualification
    )
    if problems or checked_event is None:
        raise ValidationError(problems)
    return Decision(tuple(_refusals(register, center_id, checked_event, at, why, qualification)))


# --- the register on a past date -----------------------------------------------------------------

_AT: Final = attrgetter("at")


def _day_of(change: RegisterChange) -> date:
    return change.at.date()


def _upto(entry: RegisterEntry, when: date | datetime) -> int:
    """How many of the entry's changes were made by ``when`` (an instant, or the end of a day)."""
    if isinstance(when, datetime):
        return bisect_right(entry.history, when, key=_AT)
    return bisect_right(entry.history, when, key=_day_of)


def _when_problems(register: object, when: object) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    _check(problems, "register", instance_problem(CenterRegister)(register))
    if isinstance(when, datetime):
        _check(problems, "when", instant_problem(when))
    elif not isinstance(when, date):
        problems.append(
            FieldProblem("when", f"must be a date or an aware datetime, not {type(when).__name__}")
        )
    return problems


def _lookup(register: object, center_id: object, when: object) -> RegisterEntry | None:
    problems = _when_problems(register, when)
    _check(problems, "center_id", id_problem(center_id))
    if problems:
        raise ValidationError(problems)
    assert isinstance(register, CenterRegister) and isinstance(center_id, str)
    return register.entries.get(center_id)


def status_on(
    register: CenterRegister, center_id: str, when: date | datetime
) -> RegisterState | None:
    """The state of ``center_id``'s entry on a past date (after every change of that day)
    or at an instant; ``None`` when the center had not applied by then (RG-04).

    >>> status_on(EMPTY_REGISTER, "c-1", date(2026, 1, 1)) is None
    True
    """
    entry = _lookup(register, center_id, when)
    if entry is None:
        return None
    count = _upto(entry, when)
    return entry.history[count - 1].target if count else None


def center_on(register: CenterRegister, center_id: str, when: date | datetime) -> Center | None:
    """The center's data as recorded in the register on a past date or at an instant;
    ``None`` when the center had not applied by then."""
    entry = _lookup(register, center_id, when)
    if entry is None:
        return None
    for change in reversed(entry.history[: _upto(entry, when)]):
        if change.center is not None:
            return change.center
    return None


def included_on(register: CenterRegister, when: date | datetime) -> frozenset[str]:
    """The ids of the centers included in the register on a past date (after every change
    of that day) or at an instant (RG-04)."""
    problems = _when_problems(register, when)
    if problems:
        raise ValidationError(problems)
    included = RegisterState.INCLUDED
    found: list[str] = []
    for center_id, entry in register.entries.items():
        count = _upto(entry, when)
        if count and entry.history[count - 1].target is included:
            found.append(center_id)
    return frozenset(found)


def diagram(*, guards: bool = False) -> str:
    """The entry lifecycle as a Mermaid state diagram, drawn from the compiled chart.

    >>> print(diagram().splitlines()[1])
        [*] --> applied
    """
    table = register_table()
    lines = ["stateDiagram-v2", f"    [*] --> {table.initial.value}"]
    for (source, event), move in table.moves.items():
        label = event.value
        if guards and move.guard_names:
            label += " [" + ", ".join(move.guard_names) + "]"
        lines.append(f"    {source.value} --> {move.target.value}: {label}")
    return "\n".join(lines) + "\n"
