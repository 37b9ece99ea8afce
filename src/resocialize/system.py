"""The regional system: the one object an embedding application talks to (SE-01 to SE-03, PW-12).

A :class:`RegionalSystem` joins the access policy (:mod:`resocialize.access`), the pure
pathway (:mod:`resocialize.pathway`) and a store with its journal
(:class:`~resocialize.storage.SQLiteStore`). Every command takes the acting
:class:`~resocialize.access.Actor` and the time, and

1. checks its arguments (:class:`~resocialize.errors.ValidationError` with the path of
   each bad one);
2. loads the case and the version it is stored at (an unknown case id is refused with
   ``system.unknown_case``);
3. checks that the actor may run the command on the case
   (:class:`~resocialize.errors.PermissionDenied` with every reason);
4. applies the pure core function (a refusal is a
   :class:`~resocialize.errors.RuleViolation` naming every unmet condition);
5. commits one change in one transaction: the case's new document and the journal
   entry of the event, made against the version read in step 2. A writer that changed
   the case in between makes the commit fail with ``store.version_conflict``.

A refused command changes nothing anywhere: steps 1 to 4 only read, and step 5 writes
everything or nothing.

>>> import tempfile, pathlib
>>> from datetime import date, datetime, timezone
>>> from resocialize.access import Actor
>>> from resocialize.organizations import Role
>>> from resocialize.pathway import Event
>>> from resocialize.records import Origin, Referral, ReferralSource
>>> from resocialize.storage import SQLiteStore
>>> store = SQLiteStore(pathlib.Path(tempfile.mkdtemp()) / "region.sqlite")
>>> region = RegionalSystem(store)
>>> agency = Actor("agency-1", Role.AGENCY, "officer-2")
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
>>> case = region.identify(
...     agency, at=at, case_id="case-1", client_id="cl-7f3k", origin=Origin.COMMUNITY,
...     referral=Referral(ReferralSource.SOCIAL_SERVICE, date(2026, 3, 1), "dept-north"),
... )
>>> region.advance(agency, "case-1", Event.ENGAGE, at=at).case.state
<State.MOTIVATION: 'motivation'>
>>> police = Actor("police-3", Role.LAW_ENFORCEMENT, "officer-5")
>>> region.advance(police, "case-1", Event.START_TREATMENT, at=at)
Traceback (most recent call last):
...
resocialize.errors.PermissionDenied: officer-5 of police-3 (law_enforcement) may not
start_treatment: the law_enforcement role may not run start_treatment; roles that may:
agency, health, municipal_department [access.role_not_permitted]
>>> [entry.actor for entry in store.entries()]
['agency-1/officer-2 (agency)', 'agency-1/officer-2 (agency)']
>>> region.rebuild() == region.cases(), region.verify()
(True, ())
>>> store.close()

Decisions worth knowing:

- **Who did it.** The case history records ``by`` as ``organization_id/person_id``; the
  journal entry's actor adds the role: ``organization_id/person_id (role)``. The journal's
  command is the :class:`~resocialize.access.Command` that records the event
  (:data:`~resocialize.access.EVENT_COMMANDS`); the payload is the history entry.
- **The target of admission and transfer.** Before admission a case names no center, so
  for ``admit`` and ``transfer`` the target of the permission check takes its centers
  from the facts: the center admitting, the center the certificate is placed with and
  the center the social contract binds. A center may admit only when all three are
  itself. For every other event the target is :func:`~resocialize.access.target_of` the
  case.
- **Permission before existence on identify.** A duplicate case id is refused
  (``system.case_exists``) only after the actor is allowed to identify; an actor who may
  not identify learns nothing about which case ids exist.
- **Time.** The journal is one chain for the whole region, so a command dated before the
  journal's last entry is refused (``journal.before_last_entry``) even on another case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final

import attrs

from . import pathway
from ._checks import Problems, id_problem, instance_problem, instant_problem, kind_of, optional
from .access import (
    EVENT_COMMANDS,
    Actor,
    CaseView,
    Command,
    Policy,
    Target,
    default_policy,
    require,
    target_of,
    view,
)
from .errors import RuleViolation, ValidationError
from .facts import NO_FACTS, Facts
from .journal import CASE, Tampering, case_payload, replay_cases
from .pathway import DEFAULT_RULES, Case, Event, HistoryEntry, PathwayRules, Step
from .records import CourtOrder, Origin, Referral
from .rules import Reason
from .serialization import from_document, to_document
from .storage import Change, SQLiteStore

__all__ = ["PLACEMENT_EVENTS", "RegionalSystem"]

PLACEMENT_EVENTS: Final = frozenset({Event.ADMIT, Event.TRANSFER})
"""The events whose permission target takes its centers from the facts (see the module)."""


def _by(actor: Actor) -> str:
    """The ``by`` of a history entry: the organization and the person acting."""
    return f"{actor.organization_id}/{actor.person_id}"


def _journal_actor(actor: Actor) -> str:
    """The actor of a journal entry: organization, person and role."""
    return f"{_by(actor)} ({actor.role.value})"


def _unknown(case_id: str) -> RuleViolation:
    return RuleViolation(
        [Reason("system.unknown_case", f"there is no case {case_id}", {"case_id": case_id})]
    )


def _placement_target(case: Case, facts: Facts) -> Target:
    """The target of admission or transfer: the centers named by the facts."""
    base = target_of(case)
    center = facts.center.center_id if facts.center is not None else None
    certificate = facts.certificate.center_id if facts.certificate is not None else None
    contract = facts.contract.center_id if facts.contract is not None else None
    return attrs.evolve(
        base,
        center_id=center,
        certificate_center_id=certificate,
        contract_center_id=contract,
    )


class RegionalSystem:
    """A region's system: commands run by actors, checked by the policy, applied by the
    pure core and committed to ``store`` with their journal entries (see the module).

    ``policy`` says who may run which command and read what
    (:func:`~resocialize.access.default_policy` unless given); ``rules`` are the region's
    settings of the pathway.
    """

    def __init__(
        self,
        store: SQLiteStore,
        *,
        policy: Policy | None = None,
        rules: PathwayRules = DEFAULT_RULES,
    ) -> None:
        problems = Problems()
        problems.check("store", instance_problem(SQLiteStore)(store))
        if policy is not None:
            problems.check("policy", instance_problem(Policy)(policy))
        problems.check("rules", instance_problem(PathwayRules)(rules))
        problems.raise_if_any()
        self.store = store
        self.policy = default_policy() if policy is None else policy
        self.rules = rules

    # --- reading ------------------------------------------------------------------------

    def _load(self, case_id: str) -> tuple[Case, int] | None:
        stored = self.store.load(CASE, case_id)
        if stored is None:
            return None
        return from_document(stored.document, Case), stored.version

    def cases(self) -> Mapping[str, Case]:
        """Every case as stored now, by id."""
        return MappingProxyType(
            {
                case_id: from_document(stored.document, Case)
                for case_id, stored in self.store.aggregates(CASE)
            }
        )

    def rebuild(self) -> Mapping[str, Case]:
        """Every case rebuilt from the journal alone (:func:`~resocialize.journal.replay_cases`);
        equal to :meth:`cases` unless the store was tampered with."""
        return replay_cases(list(self.store.entries()))

    def verify(self) -> tuple[Tampering, ...]:
        """Every sign of tampering in the store (:meth:`~resocialize.storage.SQLiteStore.verify`);
        empty for a sound store."""
        return self.store.verify()

    def case(self, actor: Actor, case_id: str) -> CaseView:
        """What ``actor`` may read of the case ``case_id`` (:func:`~resocialize.access.view`,
        which refuses with :class:`~resocialize.errors.PermissionDenied` an actor who may not
        read the case). An unknown id is refused with ``system.unknown_case``."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        problems.raise_if_any()
        loaded = self._load(case_id)
        if loaded is None:
            raise _unknown(case_id)
        return view(self.policy, actor, loaded[0])

    # --- commands -----------------------------------------------------------------------

    def identify(
        self,
        actor: Actor,
        *,
        at: datetime,
        case_id: str,
        client_id: str,
        referral: Referral,
        origin: Origin,
        minor: bool = False,
        court_order: CourtOrder | None = None,
        reason: str | None = None,
    ) -> Case:
        """Open a case for a client identified by ``referral`` (PW-01) and store it.

        Refused with :class:`~resocialize.errors.PermissionDenied` when the actor may not
        identify, and with ``system.case_exists`` when the case id is taken; bad arguments
        raise :class:`~resocialize.errors.ValidationError` with paths.
        """
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        try:
            case = pathway.identify(
                case_id,
                client_id,
                referral=referral,
                origin=origin,
                at=at,
                by=_by(actor) if isinstance(actor, Actor) else "-",
                minor=minor,
                court_order=court_order,
                reason=reason,
            )
        except ValidationError as err:
            known = {problem.path for problem in problems.items}
            problems.items.extend(p for p in err.problems if p.path not in known)
        problems.raise_if_any()
        require(self.policy, actor, Command.IDENTIFY, target=target_of(case))
        if self.store.load(CASE, case_id) is not None:
            raise RuleViolation(
                [
                    Reason(
                        "system.case_exists",
                        f"a case {case_id} exists already",
                        {"case_id": case_id},
                    )
                ]
            )
        self._commit(actor, Command.IDENTIFY, case, case.history[-1], 0)
        return case

    def advance(
        self,
        actor: Actor,
        case_id: str,
        event: Event | str,
        *,
        at: datetime,
        facts: Facts = NO_FACTS,
        reason: str | None = None,
    ) -> Step:
        """Record ``event`` on the case ``case_id`` at ``at`` (:func:`~resocialize.pathway.advance`)
        and store it; the returned step holds the notices for a court that ordered
        treatment (PW-11).

        Refused with ``system.unknown_case`` for an unknown case, with
        :class:`~resocialize.errors.PermissionDenied` when the actor may not run the
        event's command on the case, with :class:`~resocialize.errors.RuleViolation` naming
        every unmet condition when the pathway refuses (PW-13), and with
        ``store.version_conflict`` when another writer changed the case since it was read.
        """
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        checked_event = _event(event, problems)
        problems.check("at", instant_problem(at))
        problems.check("facts", instance_problem(Facts)(facts))
        problems.check("reason", optional(instance_problem(str))(reason))
        problems.raise_if_any()
        assert checked_event is not None
        loaded = self._load(case_id)
        if loaded is None:
            raise _unknown(case_id)
        case, version = loaded
        command = EVENT_COMMANDS[checked_event]
        target = (
            _placement_target(case, facts) if checked_event in PLACEMENT_EVENTS else target_of(case)
        )
        require(self.policy, actor, command, target=target)
        step = pathway.advance(
            case,
            checked_event,
            at=at,
            by=_by(actor),
            facts=facts,
            reason=reason,
            rules=self.rules,
        )
        self._commit(actor, command, step.case, step.entry, version)
        return step

    def _commit(
        self, actor: Actor, command: Command, case: Case, entry: HistoryEntry, version: int
    ) -> None:
        change = Change(CASE, case.id, version, to_document(case), case_payload(entry))
        self.store.commit([change], at=entry.at, actor=_journal_actor(actor), command=command.value)


def _event(event: object, problems: Problems) -> Event | None:
    """The chart event ``event`` names (not ``identify``, which has its own command)."""
    if isinstance(event, Event) and event is not Event.IDENTIFY:
        return event
    if isinstance(event, str) and event != Event.IDENTIFY.value:
        try:
            return Event(event)
        except ValueError:
            pass
    names = ", ".join(e.value for e in Event if e is not Event.IDENTIFY)
    problems.add("event", f"must be one of {names}, not {kind_of(event)} {event!r:.40}")
    return None
