"""The stage pathway: states, events, the case value, ``advance``, ``replay``.

A :class:`Case` is a frozen value: one client's episode on the pathway, with its
state and the history of everything recorded. Nothing here keeps a live state
machine per case (DESIGN.md, principle 5). :func:`advance` looks the event up in
a table compiled once from :class:`~resocialize.chart.PathwayChart`, evaluates
the transition's guards, and returns a new case; a refusal raises
:class:`~resocialize.errors.RuleViolation` with a reason for every unmet
condition and leaves the case as it was.

>>> from datetime import date, datetime, timezone
>>> from resocialize.pathway import identify, advance, Event, State
>>> from resocialize.records import Referral, ReferralSource, Origin
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
>>> case = identify(
...     "case-1", "cl-7f3k",
...     referral=Referral(ReferralSource.SOCIAL_SERVICE, date(2026, 3, 1), "dept-north"),
...     origin=Origin.COMMUNITY, at=at, by="officer-12",
... )
>>> case.state
<State.IDENTIFIED: 'identified'>
>>> case = advance(case, Event.ENGAGE, at=at, by="officer-12").case
>>> case.state
<State.MOTIVATION: 'motivation'>
"""

from __future__ import annotations

import enum
import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from ._checks import instant_problem, text_problem
from .errors import FieldProblem, RuleViolation, ValidationError
from .facts import NO_FACTS, Facts
from .records import (
    CourtOrder,
    DiagnosisRecord,
    LabourOutcome,
    LabourResult,
    MedicalHelp,
    Opening,
    Origin,
    Placement,
    ProgramRecord,
    Record,
    Referral,
)
from .rules import Decision, Reason

if TYPE_CHECKING:
    from .chart import Table

__all__ = [
    "DEFAULT_RULES",
    "STAGE_OF",
    "Case",
    "CourtNotice",
    "Event",
    "HistoryEntry",
    "NoticeKind",
    "PathwayRules",
    "Stage",
    "State",
    "Step",
    "advance",
    "allowed_events",
    "court_notices",
    "diagram",
    "explain",
    "identify",
    "pathway_table",
    "replay",
]


class Stage(enum.IntEnum):
    """The five stages of seed 001 (Kolupaev et al. 2014)."""

    IDENTIFICATION = 1
    """Stage I: identification and primary (low-threshold) motivation."""
    TREATMENT = 2
    """Stage II: treatment and intervention; consent, program, register entry, certificate."""
    SOCIAL_REHABILITATION = 3
    """Stage III: social rehabilitation in a center from the register, chosen by the client."""
    RESOCIALIZATION = 4
    """Stage IV: resocialization and labour reintegration."""
    PATRONAGE = 5
    """Stage V: post-rehabilitation patronage."""

    @property
    def roman(self) -> str:
        """The stage's number as the seeds write it: I to V."""
        return ("I", "II", "III", "IV", "V")[self.value - 1]


class State(enum.StrEnum):
    """Where a case stands. Values are stable: they are stored and exported."""

    IDENTIFIED = "identified"
    MOTIVATION = "motivation"
    MONITORING = "monitoring"
    """Refused; kept under monitoring and social patronage with further motivation (PW-02)."""
    TREATMENT = "treatment"
    SOCIAL_REHABILITATION = "social_rehabilitation"
    RESOCIALIZATION = "resocialization"
    PATRONAGE = "patronage"
    SUSTAINED_REMISSION = "sustained_remission"
    """Reached after the configured time in patronage without relapse (PW-07). Not final:
    remission is not a cure, and a later relapse is counted on the same case (PW-08)."""
    RELAPSED = "relapsed"
    DROPPED_OUT = "dropped_out"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    """Off the active route after withdrawing consent; the history is kept (PW-04)."""
    CUSTODY = "custody"
    PRE_RELEASE = "pre_release"
    """Work before release from custody: rights, post-penal route (PW-09, seed 003)."""
    MOVED_AWAY = "moved_away"
    DECEASED = "deceased"


STAGE_OF: Final[Mapping[State, Stage | None]] = {
    State.IDENTIFIED: Stage.IDENTIFICATION,
    State.MOTIVATION: Stage.IDENTIFICATION,
    State.MONITORING: Stage.IDENTIFICATION,
    State.TREATMENT: Stage.TREATMENT,
    State.SOCIAL_REHABILITATION: Stage.SOCIAL_REHABILITATION,
    State.RESOCIALIZATION: Stage.RESOCIALIZATION,
    State.PATRONAGE: Stage.PATRONAGE,
    State.SUSTAINED_REMISSION: Stage.PATRONAGE,
    State.RELAPSED: None,
    State.DROPPED_OUT: None,
    State.CONSENT_WITHDRAWN: None,
    State.CUSTODY: None,
    State.PRE_RELEASE: None,
    State.MOVED_AWAY: None,
    State.DECEASED: None,
}
"""The stage each state belongs to; ``None`` for the states beside the road."""


class Event(enum.StrEnum):
    """What can happen to a case. ``IDENTIFY`` opens it; the rest are chart events."""

    IDENTIFY = "identify"
    ENGAGE = "engage"
    REFUSE = "refuse"
    START_TREATMENT = "start_treatment"
    GIVE_CONSENT = "give_consent"
    WITHDRAW_CONSENT = "withdraw_consent"
    RECORD_PROGRAM = "record_program"
    RECORD_DIAGNOSIS = "record_diagnosis"
    RECORD_MEDICAL_HELP = "record_medical_help"
    REFER = "refer"
    ADMIT = "admit"
    TRANSFER = "transfer"
    ENTER_RESOCIALIZATION = "enter_resocialization"
    COMPLETE_REHABILITATION = "complete_rehabilitation"
    COMPLETE_RESOCIALIZATION = "complete_resocialization"
    ACHIEVE_REMISSION = "achieve_remission"
    RELAPSE = "relapse"
    DROP_OUT = "drop_out"
    DETAIN = "detain"
    PREPARE_RELEASE = "prepare_release"
    MOVE_AWAY = "move_away"
    RECORD_DEATH = "record_death"


@attrs.frozen(weakref_slot=False)
class PathwayRules:
    """A region's settings of the pathway rules."""

    remission_months: int = attrs.field(default=12)
    """Months in patronage without relapse before sustained remission (PW-07; DSM-5 uses 12)."""
    minors_in_state_centers_only: bool = attrs.field(default=True)
    """Minors are admitted only to state centers (PW-10)."""

    @remission_months.validator
    def _months(self, attribute: attrs.Attribute[int], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 120:
            raise ValidationError.at("remission_months", "must be a whole number of months, 1-120")

    @minors_in_state_centers_only.validator
    def _minors(self, attribute: attrs.Attribute[bool], value: object) -> None:
        if not isinstance(value, bool):
            raise ValidationError.at("minors_in_state_centers_only", "must be a boolean")


DEFAULT_RULES: Final = PathwayRules()


@attrs.frozen(weakref_slot=False)
class HistoryEntry:
    """One recorded event: when, who, which event, from which state to which, why (PW-12)."""

    at: datetime
    by: str
    """The acting person or organization (an id, never a name)."""
    event: Event
    source: State | None
    """``None`` for the entry that opens the case."""
    target: State
    reason: str | None = None
    record: Record | None = None


@attrs.frozen(weakref_slot=False)
class Case:
    """One client's episode on the pathway. Build it with :func:`identify`.

    Every field but ``history`` is derived from ``history``: :func:`replay`
    rebuilds the same value from the history alone.

    The constructor does not validate: cases are made by :func:`identify`,
    :func:`advance` and :func:`replay`, which do, and reading JSON replays the
    history and refuses a case whose fields disagree with it. Building a case by
    hand skips those checks; use ``replay(history)`` to build one from stored
    entries.
    """

    id: str
    client_id: str
    """The client's pseudonymous id (never a name or document number)."""
    state: State
    since: datetime
    """When the case entered its current state."""
    origin: Origin
    referrals: tuple[Referral, ...]
    minor: bool = False
    court_order: CourtOrder | None = None
    consent_since: datetime | None = None
    """When the active informed consent was given; ``None`` without active consent."""
    program_id: str | None = None
    assessment_id: str | None = None
    medical_help: tuple[MedicalHelp, ...] = ()
    center_id: str | None = None
    certificate_id: str | None = None
    contract_id: str | None = None
    labour_outcome: LabourOutcome | None = None
    relapse_count: int = 0
    history: tuple[HistoryEntry, ...] = ()

    @property
    def stage(self) -> Stage | None:
        """The stage of the current state, or ``None`` beside the road."""
        return STAGE_OF[self.state]

    @property
    def version(self) -> int:
        """How many events are recorded; grows by one with every accepted event."""
        return len(self.history)

    @property
    def closed(self) -> bool:
        """True in a final state (moved away, deceased): no event is accepted any more."""
        return self.state in (State.MOVED_AWAY, State.DECEASED)

    @property
    def court_ordered(self) -> bool:
        """True when a court ordered treatment and rehabilitation (PW-11)."""
        return self.court_order is not None


class NoticeKind(enum.StrEnum):
    """What a court is told about a client it referred (PW-11)."""

    REFUSAL = "refusal"
    DROPOUT = "dropout"
    COMPLETION = "completion"
    REMISSION = "remission"


@attrs.frozen(weakref_slot=False)
class CourtNotice:
    """A notification for the court that ordered the client's treatment (PW-11)."""

    court_id: str
    order_reference: str
    case_id: str
    client_id: str
    kind: NoticeKind
    event: Event
    at: datetime


@attrs.frozen(weakref_slot=False)
class Step:
    """What :func:`advance` returns: the new case, the recorded entry, and notices to send."""

    case: Case
    entry: HistoryEntry
    notices: tuple[CourtNotice, ...] = ()


# --- the compiled table -------------------------------------------------------------------


@functools.cache
def pathway_table() -> Table:
    """The transition table compiled from the chart, once per process."""
    from .chart import compile_table

    return compile_table()


# --- effects of events on the case ---------------------------------------------------------

_FIELDS: Final = tuple(a.name for a in attrs.fields(Case))
_INDEX: Final = {name: i for i, name in enumerate(_FIELDS)}
_values = operator.attrgetter(*_FIELDS)


def _evolve(case: Case, changes: Mapping[str, Any]) -> Case:
    values = list(_values(case))
    for name, value in changes.items():
        values[_INDEX[name]] = value
    return Case(*values)


_R = TypeVar("_R")

Effect = Callable[[Case, HistoryEntry], Mapping[str, Any]]

_EFFECTS: Final[Mapping[Event, Effect]] = {
    Event.GIVE_CONSENT: lambda case, e: {"consent_since": e.at},
    Event.WITHDRAW_CONSENT: lambda case, e: {"consent_since": None},
    Event.RECORD_PROGRAM: lambda case, e: {"program_id": _rec(e, ProgramRecord).program_id},
    Event.RECORD_DIAGNOSIS: lambda case, e: {
        "assessment_id": _rec(e, DiagnosisRecord).assessment_id
    },
    Event.RECORD_MEDICAL_HELP: lambda case, e: {
        "medical_help": (*case.medical_help, _rec(e, MedicalHelp))
    },
    Event.REFER: lambda case, e: {"referrals": (*case.referrals, _rec(e, Referral))},
    Event.ADMIT: lambda case, e: _placed(_rec(e, Placement)),
    Event.TRANSFER: lambda case, e: _placed(_rec(e, Placement)),
    Event.COMPLETE_RESOCIALIZATION: lambda case, e: {
        "labour_outcome": _rec(e, LabourResult).outcome
    },
    Event.RELAPSE: lambda case, e: {"relapse_count": case.relapse_count + 1},
}
"""What each event changes on the case besides its state; the rest change only the state."""


def _rec(entry: HistoryEntry, kind: type[_R]) -> _R:
    record = entry.record
    if not isinstance(record, kind):
        raise ValidationError.at(
            "record", f"event {entry.event.value} records a {kind.__name__}, not {record!r}"
        )
    return record


def _placed(placement: Placement) -> Mapping[str, Any]:
    return {
        "center_id": placement.center_id,
        "certificate_id": placement.certificate_id,
        "contract_id": placement.contract_id,
    }


def _placement(facts: Facts) -> Placement:
    center, certificate, contract = facts.center, facts.certificate, facts.contract
    if center is None or certificate is None or contract is None:  # the guards refuse this
        raise ValidationError.at("facts", "admission needs a center, certificate and contract")
    return Placement(center.center_id, certificate.certificate_id, contract.contract_id)


_RECORDS: Final[Mapping[Event, Callable[[Facts], Record | None]]] = {
    Event.RECORD_PROGRAM: lambda f: ProgramRecord(f.program_id) if f.program_id else None,
    Event.RECORD_DIAGNOSIS: lambda f: DiagnosisRecord(f.assessment_id) if f.assessment_id else None,
    Event.RECORD_MEDICAL_HELP: lambda f: f.medical_help,
    Event.REFER: lambda f: f.referral,
    Event.ADMIT: _placement,
    Event.TRANSFER: _placement,
    Event.COMPLETE_RESOCIALIZATION: lambda f: (
        LabourResult(f.labour_outcome) if f.labour_outcome else None
    ),
}
"""What each event takes from the facts into the history, so replay needs no facts."""

_NOTICES: Final[Mapping[Event, NoticeKind]] = {
    Event.REFUSE: NoticeKind.REFUSAL,
    Event.WITHDRAW_CONSENT: NoticeKind.REFUSAL,
    Event.DROP_OUT: NoticeKind.DROPOUT,
    Event.COMPLETE_REHABILITATION: NoticeKind.COMPLETION,
    Event.ACHIEVE_REMISSION: NoticeKind.REMISSION,
}
"""The events a court that ordered treatment is told about (PW-11)."""


def _apply(case: Case, entry: HistoryEntry) -> Case:
    effect = _EFFECTS.get(entry.event)
    changes: dict[str, Any] = dict(effect(case, entry)) if effect else {}
    if entry.target is not case.state:
        changes["state"] = entry.target
        changes["since"] = entry.at
    changes["history"] = (*case.history, entry)
    return _evolve(case, changes)


# --- input checks ----------------------------------------------------------------------------


def _aware(at: object, path: str, problems: list[FieldProblem]) -> None:
    message = instant_problem(at)
    if message is not None:
        problems.append(FieldProblem(path, message))


def _text(value: object, path: str, problems: list[FieldProblem]) -> None:
    message = text_problem(value)
    if message is not None:
        problems.append(FieldProblem(path, message))


def _event(event: object, problems: list[FieldProblem]) -> Event | None:
    if isinstance(event, Event):
        return event
    if isinstance(event, str):
        try:
            return Event(event)
        except ValueError:
            pass
    names = ", ".join(e.value for e in Event if e is not Event.IDENTIFY)
    problems.append(FieldProblem("event", f"unknown event {event!r}; known: {names}"))
    return None


def _call_problems(
    case: object, at: object, by: object, facts: object, reason: object, rules: object
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not isinstance(case, Case):
        problems.append(FieldProblem("case", f"must be a Case, not {type(case).__name__}"))
    _aware(at, "at", problems)
    _text(by, "by", problems)
    if not isinstance(facts, Facts):
        problems.append(FieldProblem("facts", f"must be Facts, not {type(facts).__name__}"))
    if reason is not None and not isinstance(reason, str):
        problems.append(FieldProblem("reason", "must be a string or None"))
    if not isinstance(rules, PathwayRules):
        problems.append(FieldProblem("rules", f"must be PathwayRules, not {type(rules).__name__}"))
    return problems


# --- the public operations -------------------------------------------------------------------


def identify(
    case_id: str,
    client_id: str,
    *,
    referral: Referral,
    origin: Origin,
    at: datetime,
    by: str,
    minor: bool = False,
    court_order: CourtOrder | None = None,
    reason: str | None = None,
) -> Case:
    """Open a case at stage I for a client identified by a referral (PW-01).

    Raises :class:`~resocialize.errors.ValidationError` listing every bad argument.
    """
    problems: list[FieldProblem] = []
    _text(case_id, "case_id", problems)
    _text(client_id, "client_id", problems)
    if not isinstance(referral, Referral):
        problems.append(FieldProblem("referral", "must be a Referral"))
    if not isinstance(origin, Origin):
        problems.append(FieldProblem("origin", f"must be an Origin, not {origin!r}"))
    _aware(at, "at", problems)
    _text(by, "by", problems)
    if not isinstance(minor, bool):
        problems.append(FieldProblem("minor", "must be a boolean"))
    if court_order is not None and not isinstance(court_order, CourtOrder):
        problems.append(FieldProblem("court_order", "must be a CourtOrder or None"))
    if reason is not None and not isinstance(reason, str):
        problems.append(FieldProblem("reason", "must be a string or None"))
    if not problems and referral.on > at.date():
        problems.append(FieldProblem("referral.on", "is after the time of identification"))
    if problems:
        raise ValidationError(problems)
    opening = Opening(case_id, client_id, origin, referral, minor, court_order)
    entry = HistoryEntry(at, by, Event.IDENTIFY, None, State.IDENTIFIED, reason, opening)
    return _open(entry, opening)


def _open(entry: HistoryEntry, opening: Opening) -> Case:
    return Case(
        id=opening.case_id,
        client_id=opening.client_id,
        state=State.IDENTIFIED,
        since=entry.at,
        origin=opening.origin,
        referrals=(opening.referral,),
        minor=opening.minor,
        court_order=opening.court_order,
        history=(entry,),
    )


def _refusals(
    case: Case, event: Event, at: datetime, facts: Facts, rules: PathwayRules
) -> list[Reason]:
    reasons: list[Reason] = []
    move = pathway_table().moves.get((case.state, event))
    if move is None:
        if case.closed:
            reasons.append(
                Reason(
                    "case.closed",
                    f"the case is closed ({case.state.value}); no event is accepted",
                    {"state": case.state.value, "event": event.value},
                )
            )
        else:
            reasons.append(
                Reason(
                    "transition.not_allowed",
                    f"{event.value} cannot happen in state {case.state.value}",
                    {"state": case.state.value, "event": event.value},
                )
            )
    last = case.history[-1].at if case.history else None
    if last is not None and at < last:
        reasons.append(
            Reason(
                "time.before_last_event",
                f"{at.isoformat()} is before the last recorded event ({last.isoformat()})",
                {"at": at.isoformat(), "last": last.isoformat()},
            )
        )
    if move is not None:
        for guard in move.guards:
            reasons.extend(guard(case, facts, at, rules))
    return reasons


def advance(
    case: Case,
    event: Event | str,
    *,
    at: datetime,
    by: str,
    facts: Facts = NO_FACTS,
    reason: str | None = None,
    rules: PathwayRules = DEFAULT_RULES,
) -> Step:
    """Apply ``event`` to ``case`` at ``at``, done by ``by``; return the new case.

    The event must be allowed from the case's state by the chart, every guard of
    the transition must hold on ``facts`` and the case, and ``at`` must not be
    before the last recorded event. Otherwise
    :class:`~resocialize.errors.RuleViolation` is raised with a reason for every
    unmet condition (PW-13), and nothing changes: ``case`` is a frozen value.
    Bad arguments raise :class:`~resocialize.errors.ValidationError`.

    For a court-ordered client, refusal, dropout, completion and remission
    produce a :class:`CourtNotice` in the returned :class:`Step` (PW-11).
    """
    if (
        type(case) is not Case
        or type(at) is not datetime
        or at.tzinfo is None
        or type(by) is not str
        or not by
        or type(facts) is not Facts
        or type(rules) is not PathwayRules
        or (reason is not None and type(reason) is not str)
    ):
        problems = _call_problems(case, at, by, facts, reason, rules)
        if problems:
            raise ValidationError(problems)
    if type(event) is not Event:
        problems = []
        checked = _event(event, problems)
        if checked is None:
            raise ValidationError(problems)
        event = checked
    move = pathway_table().moves.get((case.state, event))
    history = case.history
    if move is None or (history and at < history[-1].at):
        raise RuleViolation(_refusals(case, event, at, facts, rules))
    for guard in move.guards:
        if guard(case, facts, at, rules):
            raise RuleViolation(_refusals(case, event, at, facts, rules))
    build = _RECORDS.get(event)
    entry = HistoryEntry(
        at, by, event, case.state, move.target, reason, build(facts) if build else None
    )
    new = _apply(case, entry)
    kind = _NOTICES.get(event)
    if kind is None or case.court_order is None:
        return Step(new, entry)
    order = case.court_order
    notice = CourtNotice(order.court_id, order.reference, case.id, case.client_id, kind, event, at)
    return Step(new, entry, (notice,))


def court_notices(case: Case) -> tuple[CourtNotice, ...]:
    """Every notice the court that ordered the client's treatment is owed, read from the
    case's history in order (PW-11): one for each refusal, withdrawal of consent, dropout,
    completion of rehabilitation and remission. None for a case without a court order.

    These are the notices :func:`advance` returns one by one; a system that sends them
    later (:meth:`resocialize.system.RegionalSystem.notify_court`) reads them here.
    """
    if not isinstance(case, Case):
        raise ValidationError.at("case", f"must be a Case, not {type(case).__name__}")
    order = case.court_order
    if order is None:
        return ()
    return tuple(
        CourtNotice(
            order.court_id, order.reference, case.id, case.client_id, kind, entry.event, entry.at
        )
        for entry in case.history
        if (kind := _NOTICES.get(entry.event)) is not None
    )


def explain(
    case: Case,
    event: Event | str,
    *,
    at: datetime,
    facts: Facts = NO_FACTS,
    rules: PathwayRules = DEFAULT_RULES,
) -> Decision:
    """Would ``event`` be accepted now? The decision lists every unmet condition."""
    problems = _call_problems(case, at, "-", facts, None, rules)
    checked = _event(event, problems)
    if problems or checked is None:
        raise ValidationError(problems)
    return Decision(tuple(_refusals(case, checked, at, facts, rules)))


def allowed_events(
    case: Case,
    facts: Facts = NO_FACTS,
    *,
    at: datetime,
    rules: PathwayRules = DEFAULT_RULES,
) -> tuple[Event, ...]:
    """The events that would be accepted now, guards evaluated on ``facts``, in chart order."""
    problems = _call_problems(case, at, "-", facts, None, rules)
    if problems:
        raise ValidationError(problems)
    table = pathway_table()
    return tuple(
        event
        for event in table.events_from(case.state)
        if not _refusals(case, event, at, facts, rules)
    )


def replay(history: Sequence[HistoryEntry]) -> Case:
    """Rebuild a case from its history alone (PW-12).

    Guards are not evaluated again (the facts they read belong to their time), but
    every entry must follow the chart: its source must be the state reached so far,
    its target the one the chart gives for its event, its record the kind the event
    records, and times must not go backwards. Otherwise
    :class:`~resocialize.errors.ValidationError` names the first bad entry.
    """
    if isinstance(history, str | bytes) or not isinstance(history, Sequence):
        raise ValidationError.at("history", "must be a sequence of HistoryEntry")
    if not history:
        raise ValidationError.at("history", "is empty; a case opens with an identify entry")
    table = pathway_table()
    case: Case | None = None
    for i, entry in enumerate(history):
        path = f"history[{i}]"
        if not isinstance(entry, HistoryEntry):
            raise ValidationError.at(path, "must be a HistoryEntry")
        problems: list[FieldProblem] = []
        _aware(entry.at, f"{path}.at", problems)
        _text(entry.by, f"{path}.by", problems)
        if problems:
            raise ValidationError(problems)
        if case is None:
            if (
                entry.event is not Event.IDENTIFY
                or entry.source is not None
                or entry.target is not table.initial
                or not isinstance(entry.record, Opening)
            ):
                raise ValidationError.at(
                    path, "a history starts with an identify entry carrying an Opening record"
                )
            if entry.record.referral.on > entry.at.date():
                raise ValidationError.at(
                    f"{path}.record.referral.on", "is after the time of identification"
                )
            case = _open(entry, entry.record)
            continue
        move = table.moves.get((case.state, entry.event))
        if entry.source is not case.state or move is None or move.target is not entry.target:
            raise ValidationError.at(
                path,
                f"{entry.event} from {entry.source} to {entry.target} does not follow "
                f"the chart from {case.state.value}",
            )
        if entry.at < case.history[-1].at:
            raise ValidationError.at(f"{path}.at", "is before the previous entry")
        build = _RECORDS.get(entry.event)
        if (build is None) != (entry.record is None):
            raise ValidationError.at(f"{path}.record", f"does not fit event {entry.event.value}")
        try:
            case = _apply(case, entry)
        except ValidationError as err:
            raise err.under(path) from None
    assert case is not None
    return case


def diagram(*, guards: bool = False) -> str:
    """The pathway as a Mermaid state diagram, drawn from the compiled chart.

    Events that only record something (the state stays) are left out; so are the
    exits every open state has (moving away, death), which are drawn once as notes.
    """
    table = pathway_table()
    everywhere = {Event.MOVE_AWAY, Event.RECORD_DEATH}
    lines = ["stateDiagram-v2", f"    [*] --> {table.initial.value}"]
    edges: dict[tuple[State, State], list[str]] = {}
    for (source, event), move in table.moves.items():
        if move.target is source or event in everywhere:
            continue
        label = event.value
        if guards and move.guard_names:
            label += " [" + ", ".join(move.guard_names) + "]"
        edges.setdefault((source, move.target), []).append(label)
    for (source, target), labels in edges.items():
        lines.append(f"    {source.value} --> {target.value}: {' / '.join(labels)}")
    for final in sorted(table.finals):
        lines.append(f"    {final.value} --> [*]")
    lines.append(
        "    note right of deceased: move_away and record_death"
        "\\nare possible from every open state"
    )
    return "\n".join(lines) + "\n"
