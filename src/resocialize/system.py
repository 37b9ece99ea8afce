"""The regional system: the one object an embedding application talks to (SE-01 to SE-03, PW-12).

A :class:`RegionalSystem` joins the access policy (:mod:`resocialize.access`), the pure
pathway (:mod:`resocialize.pathway`) and a store with its journal
(:class:`~resocialize.storage.Store`: SQLite or PostgreSQL). Every command takes the acting
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

import json
import os
import random
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, NoReturn

import attrs

from . import clients as client_register
from . import contracts, labour, pathway, register, registry
from . import funding as funds
from ._checks import (
    Problems,
    date_problem,
    id_problem,
    instance_problem,
    instant_problem,
    kind_of,
    member_problem,
    optional,
    text_problem,
)
from ._region import (
    CENTER,
    CLAIM,
    CLIENTS,
    CONTRACT,
    EXPORTS,
    FOLLOW_UP,
    FUNDING,
    IDENTITY,
    KEPT_IN_JOURNAL,
    LABOUR,
    LINKAGE,
    NOTICES,
    REGION,
    FundingIndex,
    apply_funding,
    apply_labour,
    fold_clients,
    fold_funding,
    fold_labour,
    funding_payload,
    labour_payload,
    records_payload,
    touched,
)
from .access import (
    EVENT_COMMANDS,
    REGISTER_COMMANDS,
    Actor,
    CaseView,
    Command,
    Policy,
    Target,
    default_policy,
    may_run,
    require,
    target_of,
    view,
)
from .centers import Center
from .certificates import CertificateState, ClientStanding, Course
from .choice import ChoiceList, Needs, choose
from .clients import ClientRecord, ClientRegister
from .contracts import PartyRole, SocialContract, TerminationGround
from .errors import PermissionDenied, RuleViolation, ValidationError
from .exports import RegionExport, write_export
from .facts import NO_FACTS, Facts
from .followups import FollowUpRecord
from .funding import Funding
from .journal import CASE, Tampering, case_payload, entries_to_json_lines, replay_cases
from .labour import (
    EmployerIncentive,
    Enrolment,
    JobQuota,
    LabourProfile,
    Match,
    Vacancy,
    VacancyReserve,
)
from .ledger import FundingSource
from .money import Money
from .organizations import Role
from .pathway import DEFAULT_RULES, Case, CourtNotice, Event, HistoryEntry, PathwayRules, Step
from .people import ClientId, Identity, IdentityReport, LinkageKey
from .people import client_id as as_client_id
from .qualification import CriteriaSet, default_criteria, qualify
from .records import CourtOrder, Origin, Referral
from .redemption import Claim, Payment
from .register import CenterRegister, RegisterEntry, RegisterEvent
from .rules import Decision, Detail, Reason, all_of, check, refuse
from .serialization import from_document, structure, to_document, unstructure
from .storage import Change, Store
from .tariffs import Tariff

__all__ = ["PLACEMENT_EVENTS", "RegionalSystem"]

PROFILE_OF_ANOTHER: Final = "profile.other_client"
ENROLMENT_OF_ANOTHER: Final = "enrolment.other_client"
IDENTITY_OF_ANOTHER: Final = "identity.other_client"
CONTRACT_OF_ANOTHER: Final = "contract.other_client"
CLAIM_OF_ANOTHER: Final = "claim.other_client"

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


def _year_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        return f"must be a year, not {kind_of(value)} {value!r:.40}"
    return None


def _split_problem(value: object) -> str | None:
    if not isinstance(value, Mapping) or not value:
        return f"must map funding source ids to Money, not {kind_of(value)}"
    for key, amount in value.items():
        if not isinstance(key, str) or not isinstance(amount, Money):
            return f"must map funding source ids to Money, not {key!r:.40}: {kind_of(amount)}"
    return None


def _of_the_case(case: Case, client_id: str, code: str) -> Decision:
    """Allowed when a value given with the case (a contract, a claim, an identity, a
    labour profile...) is of the case's client; else refused with ``code``."""
    what = code.split(".")[0]
    return check(
        client_id == case.client_id,
        code,
        f"the {what} is of client {client_id}, the case of {case.client_id}",
        given_client=client_id,
        case_client=case.client_id,
    )


def _refused(code: str, message: str, **details: Detail) -> NoReturn:
    """Refuse the command for one reason (a :class:`~resocialize.errors.RuleViolation`)."""
    raise RuleViolation(refuse(code, message, **details).reasons)


def _role_may(policy: Policy, actor: Actor, command: Command) -> None:
    """Refuse an actor whose role may not run ``command`` on anything, before anything is
    looked up: such an actor learns nothing about which ids exist."""
    decision = may_run(policy, actor, command, target=Target())
    refusals = [r for r in decision.reasons if r.code == "access.role_not_permitted"]
    if refusals:
        raise PermissionDenied(str(actor), command.value, refusals)


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
        store: Store,
        *,
        policy: Policy | None = None,
        rules: PathwayRules = DEFAULT_RULES,
        criteria: CriteriaSet | None = None,
        linkage_secret: bytes | None = None,
    ) -> None:
        problems = Problems()
        if not isinstance(store, Store):
            problems.add(
                "store", f"must be a store (SQLiteStore, PostgresStore), not {kind_of(store)}"
            )
        if policy is not None:
            problems.check("policy", instance_problem(Policy)(policy))
        problems.check("rules", instance_problem(PathwayRules)(rules))
        if criteria is not None:
            problems.check("criteria", instance_problem(CriteriaSet)(criteria))
        if linkage_secret is not None and (
            not isinstance(linkage_secret, bytes) or len(linkage_secret) < 16
        ):
            problems.add("linkage_secret", "must be bytes, at least 16 of them")
        problems.raise_if_any()
        self.store = store
        self.policy = default_policy() if policy is None else policy
        self.rules = rules
        self.criteria = default_criteria() if criteria is None else criteria
        self.linkage_secret = linkage_secret
        self._folds: dict[str, tuple[int, int, Any]] = {}
        self._centers: tuple[int, CenterRegister | None] = (0, None)
        self._funding_index: tuple[int, FundingIndex, int] | None = None

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
        """Every sign of tampering in the store (:meth:`~resocialize.storage.Store.verify`);
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
            _refused("system.case_exists", f"a case {case_id} exists already", case_id=case_id)
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
        command = EVENT_COMMANDS[checked_event]
        case, version = self._loaded(case_id, actor, command)
        target = (
            _placement_target(case, facts) if checked_event in PLACEMENT_EVENTS else target_of(case)
        )
        require(self.policy, actor, command, target=target)
        if checked_event is Event.COMPLETE_RESOCIALIZATION and facts.labour_outcome is None:
            # the outcome of stage IV is what the reserve records: a hire, an enrolment
            outcome = labour.outcome_on(self.reserve(), case.client_id, at.date())
            facts = attrs.evolve(facts, labour_outcome=outcome.outcome)
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

    # --- the region-wide parts kept in the journal ----------------------------------------

    def _folded(
        self, aggregate: str, fold: Callable[[Any, Mapping[str, Any]], Any]
    ) -> tuple[Any, int]:
        """The current value of a region-wide aggregate and its version: the cached value
        brought up to date with the journal entries written since it was cached."""
        version, sequence, value = self._folds.get(aggregate, (0, 0, None))
        for entry in self.store.entries(after=sequence, aggregates=(aggregate,)):
            sequence = entry.sequence
            if entry.aggregate == aggregate:
                value = fold(value, entry.payload)
                version = entry.version
        self._folds[aggregate] = (version, sequence, value)
        return value, version

    def _funding(self) -> tuple[Funding, int]:
        value, version = self._folded(FUNDING, fold_funding)
        if value is None:
            _refused(
                "system.no_funding",
                "no funds are appropriated yet: appropriate_funds opens the books",
            )
        return value, version

    def _clients(self) -> tuple[ClientRegister, int]:
        value, version = self._folded(CLIENTS, self._fold_clients)
        return (ClientRegister() if value is None else value), version

    def _fold_clients(
        self, register: ClientRegister | None, payload: Mapping[str, Any]
    ) -> ClientRegister:
        return fold_clients(register, payload, self._linkage_keys)

    def _linkage_keys(self, client_id: str) -> frozenset[LinkageKey]:
        """The linkage keys of a client, from their own stored aggregate."""
        stored = self.store.load(LINKAGE, client_id)
        if stored is None:
            return frozenset()
        return frozenset(LinkageKey(key) for key in stored.document["keys"])

    def _client_changes(self, records: Sequence[ClientRecord], version: int) -> list[Change]:
        """The changes of a command on the client register: the records (without keys) in
        the journal, and each record's keys in its own stored aggregate when they changed."""
        changes = [
            Change(CLIENTS, REGION, version, dict(KEPT_IN_JOURNAL), records_payload(tuple(records)))
        ]
        for record in records:
            stored = self.store.load(LINKAGE, record.id)
            kept = frozenset() if stored is None else frozenset(stored.document["keys"])
            if kept != record.keys:
                changes.append(
                    Change(
                        LINKAGE,
                        record.id,
                        0 if stored is None else stored.version,
                        {"keys": sorted(record.keys)},
                        {"linkage": "keyed hashes kept apart, never journaled"},
                    )
                )
        return changes

    def funding(self) -> Funding:
        """The region's certificates and their money as they stand now (replayed from the
        journal; see :mod:`resocialize._region`)."""
        return self._funding()[0]

    def clients(self) -> ClientRegister:
        """The client register as it stands now (pseudonymous records only)."""
        return self._clients()[0]

    def centers(self) -> CenterRegister:
        """The register of centers as it stands now. The entries read before are kept; only
        those the journal says changed since are read again."""
        sequence, register_now = self._centers
        changed: set[str] = set()
        for entry in self.store.entries(after=sequence, aggregates=(CENTER,)):
            sequence = entry.sequence
            if entry.aggregate == CENTER:
                changed.add(entry.aggregate_id)
        if changed or register_now is None:
            entries = dict(register_now.entries) if register_now is not None else {}
            for center_id in changed:
                stored = self.store.load(CENTER, center_id)
                if stored is not None:
                    entries[center_id] = from_document(stored.document, RegisterEntry)
            register_now = CenterRegister(entries)
        self._centers = (sequence, register_now)
        return register_now

    def rebuild_funding(self) -> Funding | None:
        """The funding rebuilt from the journal alone, by a fresh replay of every operation;
        equal to :meth:`funding` unless the store was tampered with."""
        value: Funding | None = None
        for entry in self.store.entries(aggregates=(FUNDING,)):
            if entry.aggregate == FUNDING:
                value = fold_funding(value, entry.payload)
        return value

    def rebuild_clients(self) -> ClientRegister:
        """The client register rebuilt from the journal alone."""
        value: ClientRegister | None = None
        for entry in self.store.entries(aggregates=(CLIENTS,)):
            value = self._fold_clients(value, entry.payload)
        return ClientRegister() if value is None else value

    def rebuild_centers(self) -> CenterRegister:
        """The register of centers rebuilt from the journal alone (each entry from its
        history of changes, the chart's rules checked again)."""
        histories: dict[str, list[register.RegisterChange]] = {}
        for entry in self.store.entries(aggregates=(CENTER,)):
            if entry.aggregate == CENTER:
                change = structure(entry.payload["change"], register.RegisterChange)
                histories.setdefault(entry.aggregate_id, []).append(change)
        return CenterRegister(
            {cid: register.replay_entry(history) for cid, history in histories.items()}
        )

    def _write(self, actor: Actor, command: Command, at: datetime, changes: list[Change]) -> None:
        """Commit ``changes`` in one transaction and bring the caches of the region-wide
        aggregates forward to what was written (nothing is cached before the commit)."""
        self.store.commit(changes, at=at, actor=_journal_actor(actor), command=command.value)

    def _write_folded(
        self,
        actor: Actor,
        command: Command,
        at: datetime,
        changes: list[Change],
        folded: Mapping[str, Any],
    ) -> None:
        entries = self.store.commit(
            changes, at=at, actor=_journal_actor(actor), command=command.value
        )
        for entry in entries:
            if entry.aggregate in folded:
                previous = self._folds.get(entry.aggregate, (0, 0, None))
                if previous[0] == entry.version - 1:
                    self._folds[entry.aggregate] = (
                        entry.version,
                        entry.sequence,
                        folded[entry.aggregate],
                    )

    def _funding_change(
        self, version: int, operation: str, arguments: Mapping[str, object]
    ) -> Change:
        return Change(
            FUNDING, REGION, version, dict(KEPT_IN_JOURNAL), funding_payload(operation, arguments)
        )

    def _loaded(
        self, case_id: str, actor: Actor | None = None, command: Command | None = None
    ) -> tuple[Case, int]:
        """The case and its version; an actor whose role may not run ``command`` at all is
        refused before the case is looked up."""
        if actor is not None and command is not None:
            _role_may(self.policy, actor, command)
        loaded = self._load(case_id)
        if loaded is None:
            raise _unknown(case_id)
        return loaded

    def _case_change(self, case: Case, entry: HistoryEntry, version: int) -> Change:
        return Change(CASE, case.id, version, to_document(case), case_payload(entry))

    # --- stage II: consent and the client register -----------------------------------------

    def report_client(
        self,
        actor: Actor,
        report: IdentityReport,
        referral: Referral,
        *,
        at: datetime,
        reason: str | None = None,
    ) -> client_register.Reported:
        """Report a person to the client register (RG-07): the report is reduced to keyed
        hashes under the system's ``linkage_secret`` and linked to the client it is; the
        identifying data is never stored or journaled. Returns the client's pseudonymous id
        in :attr:`~resocialize.clients.Reported.client_id` (a new one, drawn from the
        journal's head, for a person not known yet)."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("report", instance_problem(IdentityReport)(report))
        problems.check("referral", instance_problem(Referral)(referral))
        problems.check("at", instant_problem(at))
        problems.check("reason", optional(text_problem)(reason))
        if self.linkage_secret is None:
            problems.add("linkage_secret", "the system needs a linkage secret to link reports")
        problems.raise_if_any()
        assert self.linkage_secret is not None
        require(self.policy, actor, Command.IDENTIFY, target=Target())
        clients, version = self._clients()
        last = self.store.last_entry()
        rng = random.Random(f"{last.digest if last else 'empty'}/{at.isoformat()}")
        reported = client_register.report(
            clients,
            report,
            referral,
            secret=self.linkage_secret,
            at=at,
            by=_by(actor),
            rng=rng,
            reason=reason,
        )
        changed = (reported.client_id, *reported.merged_with)
        records = tuple(reported.register.clients[cid] for cid in changed)
        self._write_folded(
            actor,
            Command.IDENTIFY,
            at,
            self._client_changes(records, version),
            {CLIENTS: reported.register},
        )
        return reported

    def record_consent(
        self, actor: Actor, case_id: str, *, at: datetime, reason: str | None = None
    ) -> Step:
        """Record the client's informed consent on the case (PW-04): the pathway's
        ``give_consent``."""
        return self.advance(actor, case_id, Event.GIVE_CONSENT, at=at, reason=reason)

    def enrol(
        self,
        actor: Actor,
        case_id: str,
        *,
        consent_at: datetime | None,
        at: datetime,
        reason: str | None = None,
    ) -> ClientRegister:
        """Enrol the client of case ``case_id`` in the client register on informed consent
        given at ``consent_at`` (PW-04, RG-07); refused without consent
        (``consent.missing``) and with every other reason of
        :func:`~resocialize.clients.enrol`."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        problems.check("consent_at", optional(instant_problem)(consent_at))
        problems.check("at", instant_problem(at))
        problems.check("reason", optional(text_problem)(reason))
        problems.raise_if_any()
        case, _ = self._loaded(case_id, actor, Command.ENROL)
        require(self.policy, actor, Command.ENROL, target=target_of(case))
        clients, version = self._clients()
        enrolled = client_register.enrol(
            clients,
            as_client_id(case.client_id),
            consent_at=consent_at,
            at=at,
            by=_by(actor),
            reason=reason,
        )
        record = enrolled.clients[as_client_id(case.client_id)]
        self._write_folded(
            actor, Command.ENROL, at, self._client_changes((record,), version), {CLIENTS: enrolled}
        )
        return enrolled

    def withdraw_consent(
        self, actor: Actor, case_id: str, *, at: datetime, reason: str | None = None
    ) -> Step:
        """Record that the client withdrew consent (PW-04): on the case (the court that
        ordered treatment is told) and, when the client is enrolled, in the client register,
        both in one transaction."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        problems.check("at", instant_problem(at))
        problems.check("reason", optional(instance_problem(str))(reason))
        problems.raise_if_any()
        case, case_version = self._loaded(case_id, actor, Command.WITHDRAW_CONSENT)
        require(self.policy, actor, Command.WITHDRAW_CONSENT, target=target_of(case))
        step = pathway.advance(
            case,
            Event.WITHDRAW_CONSENT,
            at=at,
            by=_by(actor),
            reason=reason,
            rules=self.rules,
        )
        changes = [self._case_change(step.case, step.entry, case_version)]
        folded: dict[str, Any] = {}
        clients, version = self._clients()
        record = clients.clients.get(as_client_id(case.client_id))
        if record is not None and record.enrolled:
            withdrawn = client_register.withdraw_consent(
                clients, record.id, at=at, by=_by(actor), reason=reason
            )
            changes += self._client_changes((withdrawn.clients[record.id],), version)
            folded[CLIENTS] = withdrawn
        self._write_folded(actor, Command.WITHDRAW_CONSENT, at, changes, folded)
        return step

    def purge_clients(
        self, actor: Actor, *, at: datetime, reason: str | None = None
    ) -> frozenset[ClientId]:
        """Erase what could re-identify the withdrawn clients whose retention has passed by
        ``at`` (PW-04, RG-07; :func:`~resocialize.clients.purge`): their linkage keys, which
        the journal never held, and the identifying data recorded for them
        (:meth:`record_identity`), in one transaction. Returns the ids purged (none when
        nobody is due). The agency purges."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("at", instant_problem(at))
        problems.check("reason", optional(text_problem)(reason))
        problems.raise_if_any()
        require(self.policy, actor, Command.PURGE_CLIENTS, target=Target())
        clients, version = self._clients()
        purged = client_register.purge(clients, at=at, by=_by(actor), reason=reason)
        if not purged.client_ids:
            return purged.client_ids
        records = tuple(purged.register.clients[cid] for cid in sorted(purged.client_ids))
        changes = self._client_changes(records, version)
        for client_id in sorted(purged.client_ids):
            stored = self.store.load(IDENTITY, client_id)
            if stored is not None and stored.document:
                changes.append(
                    Change(IDENTITY, client_id, stored.version, {}, {"identity": "erased"})
                )
        self._write_folded(actor, Command.PURGE_CLIENTS, at, changes, {CLIENTS: purged.register})
        return purged.client_ids

    # --- the register of centers -------------------------------------------------------------

    def _center_change(self, entry: RegisterEntry, version: int) -> Change:
        return Change(
            CENTER,
            entry.center.id,
            version,
            to_document(entry),
            {"change": unstructure(entry.last)},
        )

    def apply_center(
        self, actor: Actor, center: Center, *, at: datetime, why: str | None = None
    ) -> RegisterEntry:
        """A center applies for the register (RG-02); only the center itself may."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("center", instance_problem(Center)(center))
        problems.check("at", instant_problem(at))
        problems.check("why", optional(text_problem)(why))
        problems.raise_if_any()
        require(self.policy, actor, Command.APPLY_CENTER, target=Target(center_id=center.id))
        stored = self.store.load(CENTER, center.id)
        current = self.centers()
        if stored is None:
            changed = register.apply(
                current, center, at=at, by=_by(actor), **({"why": why} if why else {})
            )
        else:
            changed = register.decide(
                current,
                center.id,
                RegisterEvent.REAPPLY,
                at=at,
                by=_by(actor),
                why=why or register.DEFAULT_APPLICATION_WHY,
            )
        entry = changed.entry(center.id)
        self._write(
            actor,
            Command.APPLY_CENTER,
            at,
            [self._center_change(entry, 0 if stored is None else stored.version)],
        )
        return entry

    def update_center(
        self, actor: Actor, center: Center, *, at: datetime, why: str
    ) -> RegisterEntry:
        """Record new data of a center in the register (RG-04): the center itself records
        its own (``update_center``); the agency records what state control found
        (``inspect_center``: an inspection with its findings, a certification withdrawn).
        The entry's history keeps every version; qualification is judged on the data of
        the day."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("center", instance_problem(Center)(center))
        problems.check("at", instant_problem(at))
        problems.check("why", text_problem(why))
        problems.raise_if_any()
        command = Command.INSPECT_CENTER if actor.role is Role.AGENCY else Command.UPDATE_CENTER
        _role_may(self.policy, actor, command)
        stored = self.store.load(CENTER, center.id)
        if stored is None:
            _refused(
                "system.unknown_center", f"no center {center.id} has applied", center_id=center.id
            )
        require(self.policy, actor, command, target=Target(center_id=center.id))
        changed = register.update_center(self.centers(), center, at=at, by=_by(actor), why=why)
        entry = changed.entry(center.id)
        self._write(actor, command, at, [self._center_change(entry, stored.version)])
        return entry

    def decide_center(
        self,
        actor: Actor,
        center_id: str,
        event: RegisterEvent | str,
        *,
        at: datetime,
        why: str,
    ) -> RegisterEntry:
        """Record the agency's decision on a center's entry (RG-02 to RG-05): include,
        reject, suspend, reinstate, exclude, reinclude. Inclusion and reinstatement are
        decided on the center's qualification that day against the system's criteria,
        which is recorded with the decision; a failing one is refused with its reasons."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("center_id", id_problem(center_id))
        problems.check("event", member_problem(RegisterEvent)(event))
        problems.check("at", instant_problem(at))
        problems.check("why", text_problem(why))
        problems.raise_if_any()
        decided = RegisterEvent(event)
        if decided in (RegisterEvent.APPLY, RegisterEvent.REAPPLY, RegisterEvent.UPDATE):
            raise ValidationError.at("event", f"{decided.value} is the center's own command")
        _role_may(self.policy, actor, REGISTER_COMMANDS[decided])
        stored = self.store.load(CENTER, center_id)
        if stored is None:
            _refused(
                "system.unknown_center", f"no center {center_id} has applied", center_id=center_id
            )
        require(self.policy, actor, REGISTER_COMMANDS[decided], target=Target(center_id=center_id))
        current = self.centers()
        qualification = None
        if decided in (RegisterEvent.INCLUDE, RegisterEvent.REINSTATE, RegisterEvent.REINCLUDE):
            qualification = qualify(current.entry(center_id).center, self.criteria, on=at.date())
        changed = register.decide(
            current,
            center_id,
            decided,
            at=at,
            by=_by(actor),
            why=why,
            qualification=qualification,
        )
        entry = changed.entry(center_id)
        self._write(
            actor, REGISTER_COMMANDS[decided], at, [self._center_change(entry, stored.version)]
        )
        return entry

    # --- funds and certificates --------------------------------------------------------------

    def _run_funding(
        self,
        actor: Actor,
        command: Command,
        at: datetime,
        operation: str,
        arguments: Mapping[str, object],
        *,
        funding: Funding | None,
        version: int,
        more: Sequence[Change] = (),
    ) -> Funding:
        """Apply a funding operation (refused with every reason, changing nothing) and commit
        it with ``more`` changes in one transaction."""
        changed = apply_funding(funding, operation, arguments)
        changes = [self._funding_change(version, operation, arguments), *more]
        self._write_folded(actor, command, at, changes, {FUNDING: changed})
        return changed

    def appropriate_funds(
        self,
        actor: Actor,
        source: FundingSource,
        year: int,
        amount: Money,
        *,
        at: datetime,
        reference: str,
    ) -> Funding:
        """Appropriate ``amount`` of ``source`` for ``year`` (CF-04). The first appropriation
        opens the region's books in its currency; a source not known yet is added."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("source", instance_problem(FundingSource)(source))
        problems.check("year", _year_problem(year))
        problems.check("amount", instance_problem(Money)(amount))
        problems.check("at", instant_problem(at))
        problems.check("reference", id_problem(reference))
        problems.raise_if_any()
        require(self.policy, actor, Command.APPROPRIATE_FUNDS, target=Target())
        current, version = self._folded(FUNDING, fold_funding)
        arguments = {
            "source": source,
            "year": year,
            "amount": amount,
            "reference": reference,
            "at": at,
            "by": _by(actor),
        }
        return self._run_funding(
            actor,
            Command.APPROPRIATE_FUNDS,
            at,
            "appropriate",
            arguments,
            funding=current,
            version=version,
        )

    def issue_certificate(
        self,
        actor: Actor,
        certificate_id: str,
        *,
        case_id: str,
        course: Course,
        face_value: Money,
        split: Mapping[str, Money],
        valid_from: date,
        valid_until: date,
        tariff: Tariff,
        at: datetime,
        year: int | None = None,
    ) -> Funding:
        """Issue a certificate to the client of case ``case_id`` and commit its split in the
        ledger (CF-01, CF-04, CF-07); only the agency issues. The client's standing is read
        from the system: enrolled in the client register, and referred on the case."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("certificate_id", id_problem(certificate_id))
        problems.check("case_id", id_problem(case_id))
        problems.check("course", member_problem(Course)(course))
        problems.check("face_value", instance_problem(Money)(face_value))
        problems.check("split", _split_problem(split))
        problems.check("valid_from", date_problem(valid_from))
        problems.check("valid_until", date_problem(valid_until))
        problems.check("tariff", instance_problem(Tariff)(tariff))
        problems.check("at", instant_problem(at))
        problems.check("year", optional(_year_problem)(year))
        problems.raise_if_any()
        case, _ = self._loaded(case_id, actor, Command.ISSUE_CERTIFICATE)
        require(self.policy, actor, Command.ISSUE_CERTIFICATE, target=target_of(case))
        clients, _ = self._clients()
        record = clients.clients.get(as_client_id(case.client_id))
        standing = ClientStanding(
            case.client_id, record is not None and record.enrolled, bool(case.referrals)
        )
        funding, version = self._funding()
        return self._run_funding(
            actor,
            Command.ISSUE_CERTIFICATE,
            at,
            "issue",
            {
                "certificate_id": certificate_id,
                "client": standing,
                "course": course,
                "face_value": face_value,
                "split": split,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "issuer_id": actor.organization_id,
                "tariff": tariff,
                "year": year,
                "at": at,
                "by": _by(actor),
            },
            funding=funding,
            version=version,
        )

    def offer_choices(self, actor: Actor, case_id: str, needs: Needs, *, on: date) -> ChoiceList:
        """The programs the client of case ``case_id`` may choose from on ``on`` (RG-08,
        CF-02): centers included in the register and qualified that day against the
        system's criteria, with a free place (places taken are the certificates in service
        with each center's program). Reads only."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        problems.check("needs", instance_problem(Needs)(needs))
        problems.check("on", date_problem(on))
        problems.raise_if_any()
        case, _ = self._loaded(case_id, actor, Command.OFFER_CHOICES)
        require(self.policy, actor, Command.OFFER_CHOICES, target=target_of(case))
        return registry.choices_on(
            self.centers(), needs, on=on, criteria=self.criteria, occupied=self._occupied()
        )

    def _index(self) -> FundingIndex:
        """The index of the funding as it stands now: built once, then brought up to date
        with the certificates each new funding entry touched."""
        funding, version = self._funding()
        cached = self._funding_index
        if cached is None or cached[0] > version:
            index, sequence = FundingIndex.of(funding), self._folds[FUNDING][1]
        else:
            index, sequence = cached[1], cached[2]
            for entry in self.store.entries(after=sequence, aggregates=(FUNDING,)):
                if entry.version > version:
                    break
                sequence = entry.sequence
                certificate_id = touched(entry.payload)
                if certificate_id is not None:
                    index.touch(funding, certificate_id)
        self._funding_index = (version, index, sequence)
        return index

    def _occupied(self) -> Mapping[tuple[str, str], int]:
        """Places taken per (center, program): certificates in service, by their last choice."""
        value, _ = self._folded(FUNDING, fold_funding)
        if value is None:
            return {}
        return MappingProxyType(dict(self._index().occupied))

    def _contract(self, contract_id: str) -> tuple[SocialContract, str, int]:
        """The social contract ``contract_id``, the case it was made on, and its version."""
        stored = self.store.load(CONTRACT, contract_id)
        if stored is None:
            _refused(
                "system.unknown_contract",
                f"there is no social contract {contract_id}",
                contract_id=contract_id,
            )
        contract = structure(stored.document["contract"], SocialContract)
        return contract, str(stored.document["case_id"]), stored.version

    def _contract_change(self, contract: SocialContract, case_id: str, version: int) -> Change:
        document = {"contract": unstructure(contract), "case_id": case_id}
        return Change(CONTRACT, contract.id, version, document, document)

    def propose_contract(
        self, actor: Actor, contract: SocialContract, *, case_id: str, at: datetime
    ) -> SocialContract:
        """Record a social contract of the client of ``case_id`` with a center, to be signed
        by each party (CF-02); case management drafts it."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("contract", instance_problem(SocialContract)(contract))
        problems.check("case_id", id_problem(case_id))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        case, _ = self._loaded(case_id, actor, Command.SIGN_CONTRACT)
        require(
            self.policy,
            actor,
            Command.SIGN_CONTRACT,
            target=attrs.evolve(target_of(case), contract_center_id=contract.center_id),
        )
        all_of(
            _of_the_case(case, contract.client_id, CONTRACT_OF_ANOTHER),
            check(
                self.store.load(CONTRACT, contract.id) is None,
                "system.contract_exists",
                f"a social contract {contract.id} exists already",
                contract_id=contract.id,
            ),
        ).raise_if_refused()
        self._write(actor, Command.SIGN_CONTRACT, at, [self._contract_change(contract, case_id, 0)])
        return contract

    def sign_contract(
        self, actor: Actor, contract_id: str, party_id: str, *, at: datetime
    ) -> SocialContract:
        """Record a party's signature on the social contract (CF-02). A center signs for
        itself; case management signs for the patronage body and records the signatures of
        the client and co-dependents, given in its presence."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("contract_id", id_problem(contract_id))
        problems.check("party_id", id_problem(party_id))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        _role_may(self.policy, actor, Command.SIGN_CONTRACT)
        contract, case_id, version = self._contract(contract_id)
        party = next((p for p in contract.parties if p.party_id == party_id), None)
        target = attrs.evolve(
            target_of(self._loaded(case_id)[0]),
            center_id=contract.center_id if party and party.role is PartyRole.CENTER else None,
            contract_center_id=contract.center_id,
        )
        require(self.policy, actor, Command.SIGN_CONTRACT, target=target)
        if (
            party is not None
            and party.role is PartyRole.CENTER
            and actor.organization_id != party_id
        ):
            _refused(
                "contract.signs_for_another",
                f"{actor.organization_id} may not sign for the center {party_id}",
                party_id=party_id,
            )
        signed = contracts.sign(contract, party_id, on=at.date())
        self._write(
            actor, Command.SIGN_CONTRACT, at, [self._contract_change(signed, case_id, version)]
        )
        return signed

    def terminate_contract(
        self,
        actor: Actor,
        contract_id: str,
        *,
        ground: TerminationGround,
        why: str,
        at: datetime,
    ) -> SocialContract:
        """End a signed social contract for ``ground``, saying why (CF-02): the agency, or
        the center it binds. A client moved to another center is placed under a new one."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("contract_id", id_problem(contract_id))
        problems.check("ground", member_problem(TerminationGround)(ground))
        problems.check("why", text_problem(why))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        _role_may(self.policy, actor, Command.TERMINATE_CONTRACT)
        contract, case_id, version = self._contract(contract_id)
        target = attrs.evolve(
            target_of(self._loaded(case_id)[0]),
            center_id=contract.center_id,
            contract_center_id=contract.center_id,
        )
        require(self.policy, actor, Command.TERMINATE_CONTRACT, target=target)
        ended = contracts.terminate(
            contract, on=at.date(), ground=TerminationGround(ground), why=why
        )
        self._write(
            actor, Command.TERMINATE_CONTRACT, at, [self._contract_change(ended, case_id, version)]
        )
        return ended

    def place(
        self,
        actor: Actor,
        certificate_id: str,
        *,
        case_id: str,
        needs: Needs,
        center_id: str,
        program_id: str,
        contract_id: str,
        at: datetime,
    ) -> Funding:
        """Place the certificate with the program the client chose from the day's choice
        list (CF-02, CF-03, RG-08), under the signed social contract ``contract_id``. The
        choice is made here, from :meth:`offer_choices` of the day, so a center not in the
        register or not qualified that day cannot be chosen. A certificate already placed
        moves to the new center with what it has not paid."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("certificate_id", id_problem(certificate_id))
        problems.check("case_id", id_problem(case_id))
        problems.check("needs", instance_problem(Needs)(needs))
        problems.check("center_id", id_problem(center_id))
        problems.check("program_id", id_problem(program_id))
        problems.check("contract_id", id_problem(contract_id))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        choice_list = self.offer_choices(actor, case_id, needs, on=at.date())
        require(self.policy, actor, Command.PLACE, target=target_of(self._loaded(case_id)[0]))
        contract, _, _ = self._contract(contract_id)
        choice = choose(choice_list, center_id, program_id)
        funding, version = self._funding()
        moved = bool(funding.choices.get(certificate_id))
        arguments: dict[str, object] = {
            "certificate_id": certificate_id,
            "choice": choice,
            "contract": contract,
            "at": at,
            "by": _by(actor),
        }
        if moved:
            arguments["why"] = None
        return self._run_funding(
            actor,
            Command.PLACE,
            at,
            "change_center" if moved else "place",
            arguments,
            funding=funding,
            version=version,
        )

    def admit(
        self,
        actor: Actor,
        case_id: str,
        *,
        center_id: str,
        program_id: str,
        at: datetime,
        reason: str | None = None,
    ) -> Step:
        """Admit the client of case ``case_id`` to the center (stage III, PW-05) and put its
        certificate in service, in one transaction. The admission's facts are read from the
        system, not taken from the caller: the client's certificate and social contract as
        they stand (:func:`~resocialize.funding.standings`) and the center's standing in the
        register that day. A transfer (the client already with a center) is recorded the
        same way."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        problems.check("center_id", id_problem(center_id))
        problems.check("program_id", id_problem(program_id))
        problems.check("at", instant_problem(at))
        problems.check("reason", optional(text_problem)(reason))
        problems.raise_if_any()
        case, case_version = self._loaded(case_id, actor, Command.ADMIT)
        funding, funding_version = self._funding()
        certificate, contract = funds.standings(
            funding,
            case.client_id,
            on=at.date(),
            among=self._index().by_client.get(case.client_id, ()),
        )
        center = registry.standing_on(
            self.centers(),
            center_id,
            program_id,
            on=at.date(),
            criteria=self.criteria,
            occupied=self._occupied(),
        )
        facts = Facts(certificate=certificate, contract=contract, center=center)
        # a client with a center moves (transfer); one back from treatment or motivation
        # after a relapse is admitted again
        moves = pathway.pathway_table().events_from(case.state)
        event = Event.TRANSFER if Event.TRANSFER in moves else Event.ADMIT
        command = EVENT_COMMANDS[event]
        require(self.policy, actor, command, target=_placement_target(case, facts))
        step = pathway.advance(
            case, event, at=at, by=_by(actor), facts=facts, reason=reason, rules=self.rules
        )
        more = [self._case_change(step.case, step.entry, case_version)]
        placed = (
            certificate is not None
            and funding.book.certificate(certificate.certificate_id).state
            is CertificateState.PLACED
        )
        if certificate is not None and placed:
            self._run_funding(
                actor,
                command,
                at,
                "start_service",
                {"certificate_id": certificate.certificate_id, "at": at, "by": _by(actor)},
                funding=funding,
                version=funding_version,
                more=more,
            )
        else:
            self._write(actor, command, at, more)
        return step

    def claim_payment(self, actor: Actor, claim: Claim, *, case_id: str, at: datetime) -> Claim:
        """A center claims payment on a certificate (CF-05): the claim is recorded for the
        agency to check and pay. Only the center the certificate is placed with claims."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("claim", instance_problem(Claim)(claim))
        problems.check("case_id", id_problem(case_id))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        case, _ = self._loaded(case_id, actor, Command.CLAIM_PAYMENT)
        funding, _ = self._funding()
        certificate = funds.certificate_of(funding, claim.certificate_id)
        target = attrs.evolve(
            target_of(case),
            center_id=claim.center_id,
            certificate_center_id=certificate.center_id,
        )
        require(self.policy, actor, Command.CLAIM_PAYMENT, target=target)
        all_of(
            _of_the_case(case, claim.client_id, CLAIM_OF_ANOTHER),
            check(
                self.store.load(CLAIM, claim.id) is None,
                "system.claim_exists",
                f"a claim {claim.id} was made already",
                claim_id=claim.id,
            ),
        ).raise_if_refused()
        document = {"claim": unstructure(claim), "case_id": case_id, "status": "submitted"}
        self._write(
            actor, Command.CLAIM_PAYMENT, at, [Change(CLAIM, claim.id, 0, document, document)]
        )
        return claim

    def pay_claim(self, actor: Actor, claim_id: str, *, at: datetime) -> Payment:
        """Check a submitted claim and pay it through the ledger (CF-05, CF-06): against the
        certificate, the contract, the center's standing in the register on the service
        date and the client's case. Refused with every reason, and nothing changes: the
        claim stays submitted. A claim is paid at most once."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("claim_id", id_problem(claim_id))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        _role_may(self.policy, actor, Command.PAY_CLAIM)
        stored = self.store.load(CLAIM, claim_id)
        if stored is None:
            _refused("system.unknown_claim", f"there is no claim {claim_id}", claim_id=claim_id)
        claim = structure(stored.document["claim"], Claim)
        case, _ = self._loaded(str(stored.document["case_id"]))
        require(self.policy, actor, Command.PAY_CLAIM, target=target_of(case))
        if stored.document.get("status") == "paid":
            _refused("claim.already_paid", f"claim {claim_id} was paid already", claim_id=claim_id)
        funding, version = self._funding()
        chosen = funding.choices.get(claim.certificate_id, ())
        program_id = next(
            (c.chosen.program_id for c in reversed(chosen) if c.center_id == claim.center_id),
            chosen[-1].chosen.program_id if chosen else "-",
        )
        center = registry.standing_on(
            self.centers(),
            claim.center_id,
            program_id,
            on=claim.service_date,
            criteria=self.criteria,
        )
        paid_document = {**stored.document, "status": "paid"}
        changed = self._run_funding(
            actor,
            Command.PAY_CLAIM,
            at,
            "redeem",
            {"claim": claim, "case": case, "center": center, "at": at, "by": _by(actor)},
            funding=funding,
            version=version,
            more=[Change(CLAIM, claim_id, stored.version, paid_document, {"status": "paid"})],
        )
        return funds.payments_of(changed, claim.certificate_id)[-1]

    def _end_certificate(
        self,
        actor: Actor,
        command: Command,
        operation: str,
        certificate_id: str,
        at: datetime,
        why: str | None,
    ) -> Funding:
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("certificate_id", id_problem(certificate_id))
        problems.check("at", instant_problem(at))
        if operation in ("cancel", "revoke"):
            problems.check("why", text_problem(why))
        else:
            problems.check("why", optional(text_problem)(why))
        problems.raise_if_any()
        require(self.policy, actor, command, target=Target())
        funding, version = self._funding()
        arguments: dict[str, object] = {
            "certificate_id": certificate_id,
            "at": at,
            "by": _by(actor),
        }
        if operation != "expire":
            arguments["why"] = why if why is not None else "course completed and paid"
        return self._run_funding(
            actor, command, at, operation, arguments, funding=funding, version=version
        )

    def settle_certificate(
        self, actor: Actor, certificate_id: str, *, at: datetime, why: str | None = None
    ) -> Funding:
        """Settle a certificate whose course is over; what it did not pay returns to its
        sources (CF-06)."""
        return self._end_certificate(
            actor, Command.SETTLE_CERTIFICATE, "settle", certificate_id, at, why
        )

    def cancel_certificate(
        self, actor: Actor, certificate_id: str, *, at: datetime, why: str
    ) -> Funding:
        """Cancel a certificate not yet in service, saying why; its money returns (CF-06)."""
        return self._end_certificate(
            actor, Command.CANCEL_CERTIFICATE, "cancel", certificate_id, at, why
        )

    def expire_certificate(self, actor: Actor, certificate_id: str, *, at: datetime) -> Funding:
        """Expire a certificate unused after its validity; its money returns (CF-06)."""
        return self._end_certificate(
            actor, Command.EXPIRE_CERTIFICATE, "expire", certificate_id, at, None
        )

    def revoke_certificate(
        self, actor: Actor, certificate_id: str, *, at: datetime, why: str
    ) -> Funding:
        """Revoke a certificate (misuse), saying why; its unused money returns."""
        return self._end_certificate(
            actor, Command.REVOKE_CERTIFICATE, "revoke", certificate_id, at, why
        )

    # --- stage IV: the employment service's reserve ------------------------------------------

    def reserve(self) -> VacancyReserve:
        """The employment service's reserve of vacancies, quotas, incentives, hires and
        enrolments as it stands now (kept in the journal, like the funding)."""
        value, _ = self._folded(LABOUR, fold_labour)
        return VacancyReserve() if value is None else value

    def rebuild_reserve(self) -> VacancyReserve:
        """The reserve rebuilt from the journal alone; equal to :meth:`reserve`."""
        value: VacancyReserve | None = None
        for entry in self.store.entries(aggregates=(LABOUR,)):
            value = fold_labour(value, entry.payload)
        return VacancyReserve() if value is None else value

    def _run_labour(
        self,
        actor: Actor,
        command: Command,
        at: datetime,
        operation: str,
        arguments: dict[str, Any],
    ) -> VacancyReserve:
        current, version = self._folded(LABOUR, fold_labour)
        changed = apply_labour(current, operation, arguments)
        change = Change(
            LABOUR, REGION, version, dict(KEPT_IN_JOURNAL), labour_payload(operation, arguments)
        )
        self._write_folded(actor, command, at, [change], {LABOUR: changed})
        return changed

    def add_to_reserve(
        self, actor: Actor, item: Vacancy | JobQuota | EmployerIncentive, *, at: datetime
    ) -> VacancyReserve:
        """Post a vacancy, a job quota or an employer incentive to the reserve (PL-08); the
        employment service keeps it."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        if not isinstance(item, Vacancy | JobQuota | EmployerIncentive):
            problems.add(
                "item", f"must be a Vacancy, JobQuota or EmployerIncentive, not {kind_of(item)}"
            )
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        require(self.policy, actor, Command.ADD_VACANCY, target=Target())
        arguments: dict[str, Any]
        if isinstance(item, Vacancy):
            operation, arguments = "add_vacancy", {"vacancy": item}
        elif isinstance(item, JobQuota):
            operation, arguments = "add_quota", {"quota": item}
        else:
            operation, arguments = "add_incentive", {"incentive": item}
        return self._run_labour(actor, Command.ADD_VACANCY, at, operation, dict(arguments))

    def match_vacancies(
        self, actor: Actor, case_id: str, profile: LabourProfile, *, on: date
    ) -> tuple[Match, ...]:
        """How every vacancy open on ``on`` suits the client of case ``case_id`` (PL-08),
        fitting ones first, the rest with every unmet condition. Reads only."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        problems.check("profile", instance_problem(LabourProfile)(profile))
        problems.check("on", date_problem(on))
        problems.raise_if_any()
        case, _ = self._loaded(case_id, actor, Command.RECORD_LABOUR_OUTCOME)
        require(self.policy, actor, Command.RECORD_LABOUR_OUTCOME, target=target_of(case))
        _of_the_case(case, profile.client_id, PROFILE_OF_ANOTHER).raise_if_refused()
        return labour.match(profile, self.reserve(), on)

    def record_hire(
        self,
        actor: Actor,
        case_id: str,
        profile: LabourProfile,
        vacancy_id: str,
        *,
        at: datetime,
    ) -> VacancyReserve:
        """Record that the client of case ``case_id`` was hired into a vacancy of the
        reserve on ``at``'s day (PL-08, PW-06); refused with every unmet condition of the
        match. The hire is what ``complete_resocialization`` then reads as the outcome."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        problems.check("profile", instance_problem(LabourProfile)(profile))
        problems.check("vacancy_id", id_problem(vacancy_id))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        case, _ = self._loaded(case_id, actor, Command.RECORD_LABOUR_OUTCOME)
        require(self.policy, actor, Command.RECORD_LABOUR_OUTCOME, target=target_of(case))
        _of_the_case(case, profile.client_id, PROFILE_OF_ANOTHER).raise_if_refused()
        arguments = {"profile": profile, "vacancy_id": vacancy_id, "on": at.date()}
        return self._run_labour(actor, Command.RECORD_LABOUR_OUTCOME, at, "hire", arguments)

    def record_enrolment(
        self, actor: Actor, case_id: str, enrolment: Enrolment, *, at: datetime
    ) -> VacancyReserve:
        """Record that the client of case ``case_id`` enrolled in education or training
        (PW-06); refused when it overlaps an enrolment of the same kind with the same
        provider."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        problems.check("enrolment", instance_problem(Enrolment)(enrolment))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        case, _ = self._loaded(case_id, actor, Command.RECORD_LABOUR_OUTCOME)
        require(self.policy, actor, Command.RECORD_LABOUR_OUTCOME, target=target_of(case))
        _of_the_case(case, enrolment.client_id, ENROLMENT_OF_ANOTHER).raise_if_refused()
        return self._run_labour(
            actor, Command.RECORD_LABOUR_OUTCOME, at, "enrol", {"enrolment": enrolment}
        )

    # --- after the course: follow-ups and the court ----------------------------------------

    def record_follow_up(
        self, actor: Actor, record: FollowUpRecord, *, at: datetime
    ) -> FollowUpRecord:
        """Record a follow-up of a client after the course (MR-01); one record per point of
        the schedule (its ``key``)."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("record", instance_problem(FollowUpRecord)(record))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        case, _ = self._loaded(record.case_id, actor, Command.RECORD_FOLLOW_UP)
        require(self.policy, actor, Command.RECORD_FOLLOW_UP, target=target_of(case))
        key = f"{record.case_id}/{record.key}"
        if self.store.load(FOLLOW_UP, key) is not None:
            _refused(
                "follow_up.recorded",
                f"the follow-up {record.key} of case {record.case_id} is recorded already",
                case_id=record.case_id,
                key=record.key,
            )
        document = to_document(record)
        self._write(
            actor, Command.RECORD_FOLLOW_UP, at, [Change(FOLLOW_UP, key, 0, document, document)]
        )
        return record

    def follow_ups(self) -> tuple[FollowUpRecord, ...]:
        """Every follow-up recorded, by case and point."""
        return tuple(
            from_document(stored.document, FollowUpRecord)
            for _, stored in self.store.aggregates(FOLLOW_UP)
        )

    def notify_court(self, actor: Actor, case_id: str, *, at: datetime) -> tuple[CourtNotice, ...]:
        """Send the court that ordered the client's treatment the notices of the case not
        sent yet (PW-11: refusal, dropout, completion, remission), and record that they were
        sent. Returns the notices sent now (none when all were sent)."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        case, _ = self._loaded(case_id, actor, Command.NOTIFY_COURT)
        require(self.policy, actor, Command.NOTIFY_COURT, target=target_of(case))
        stored = self.store.load(NOTICES, case_id)
        sent = 0 if stored is None else int(stored.document["sent"])
        notices = pathway.court_notices(case)
        new = notices[sent:]
        if not new:
            return ()
        document = {"sent": len(notices)}
        payload = {"notices": [unstructure(n) for n in new]}
        self._write(
            actor,
            Command.NOTIFY_COURT,
            at,
            [Change(NOTICES, case_id, 0 if stored is None else stored.version, document, payload)],
        )
        return new

    def court_notices(self, actor: Actor) -> tuple[CourtNotice, ...]:
        """Every notice about the clients the acting court ordered to treatment (PW-11); a
        court reads only its own orders."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.raise_if_any()
        _role_may(self.policy, actor, Command.RECEIVE_NOTICES)
        found: list[CourtNotice] = []
        for case in self.cases().values():
            if case.court_order is None or case.court_order.court_id != actor.organization_id:
                continue
            require(self.policy, actor, Command.RECEIVE_NOTICES, target=target_of(case))
            found.extend(pathway.court_notices(case))
        return tuple(found)

    # --- identifying data and exports (SE-04) ---------------------------------------------

    def record_identity(
        self, actor: Actor, case_id: str, identity: Identity, *, at: datetime
    ) -> None:
        """Keep the identifying data of the client of case ``case_id``, apart from everything
        else (SE-04): in its own stored aggregate, never in the journal (whose entry says
        only that it was recorded), and never in a view or an export unless a role allowed
        to asks for it (:meth:`export` with ``identifying=True``)."""
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        problems.check("case_id", id_problem(case_id))
        problems.check("identity", instance_problem(Identity)(identity))
        problems.check("at", instant_problem(at))
        problems.raise_if_any()
        case, _ = self._loaded(case_id, actor, Command.ENROL)
        require(self.policy, actor, Command.ENROL, target=target_of(case))
        _of_the_case(case, identity.client_id, IDENTITY_OF_ANOTHER).raise_if_refused()
        stored = self.store.load(IDENTITY, case.client_id)
        document = to_document(identity, include_identifying=True)
        payload = {"identity": "recorded; the identifying data is kept out of the journal"}
        version = 0 if stored is None else stored.version
        self._write(
            actor, Command.ENROL, at, [Change(IDENTITY, case.client_id, version, document, payload)]
        )

    def _export_files(self, folder: Path, identifying: bool) -> dict[str, int]:
        """Write the export's files into ``folder``; the number of lines of each."""
        value, _ = self._folded(FUNDING, fold_funding)
        funding = value if isinstance(value, Funding) else None
        contracts = tuple(
            structure(stored.document["contract"], SocialContract)
            for _, stored in self.store.aggregates(CONTRACT)
        )
        region = RegionExport(
            tuple(self.cases().values()),
            self.follow_ups(),
            {},
            None if funding is None else funding.ledger,
            None if funding is None else funding.book,
            tuple(self.centers().entries.values()),
            tuple(self.clients().clients.values()),
            contracts,
        )
        written = {"region.jsonl": write_export(region, folder / "region.jsonl")}
        written["journal.jsonl"] = _write_lines(
            folder / "journal.jsonl", entries_to_json_lines(self.store.entries())
        )
        if identifying:
            written["identities.jsonl"] = _write_lines(
                folder / "identities.jsonl",
                (
                    json.dumps(stored.document, ensure_ascii=False, sort_keys=True)
                    for _, stored in self.store.aggregates(IDENTITY)
                    if stored.document  # an erased identity leaves nothing to export
                ),
            )
        return written

    def export(
        self,
        actor: Actor,
        directory: str | os.PathLike[str],
        *,
        at: datetime,
        identifying: bool = False,
    ) -> Mapping[str, int]:
        """Export the registers and the journal to JSON lines in ``directory`` (SE-04) and
        return the number of lines of each file written:

        - ``region.jsonl``: a :class:`~resocialize.exports.RegionExport` (cases, follow-ups,
          the ledger and the certificate book, the register of centers, the client register
          without linkage keys, the social contracts), which ``resocialize report`` reads;
        - ``journal.jsonl``: the journal
          (:func:`~resocialize.journal.entries_to_json_lines`), which
          :func:`~resocialize.journal.verify` checks;
        - ``identities.jsonl``, only with ``identifying=True``: the identifying data
          recorded, for a person holding the identifying-data permission
          (``export_identifying``).

        Everything else carries pseudonymous ids only. The export itself is journaled
        (who, when, whether identifying data left), so that it can be audited.
        """
        problems = Problems()
        problems.check("actor", instance_problem(Actor)(actor))
        if not isinstance(directory, str | os.PathLike):
            problems.add("directory", f"must be a path, not {kind_of(directory)}")
        problems.check("at", instant_problem(at))
        if not isinstance(identifying, bool):
            problems.add("identifying", f"must be True or False, not {kind_of(identifying)}")
        problems.raise_if_any()
        require(self.policy, actor, Command.EXPORT, target=Target())
        command = Command.EXPORT
        if identifying:
            require(self.policy, actor, Command.EXPORT_IDENTIFYING, target=Target())
            command = Command.EXPORT_IDENTIFYING
        folder = Path(directory)
        if folder.exists() and not folder.is_dir():
            raise ValidationError.at("directory", f"is a file, not a folder: {folder}")
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            # written beside the folder first, moved into it once the export is journaled:
            # a refused export leaves no file behind
            partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        except OSError as err:
            raise ValidationError.at("directory", f"cannot be written: {err}") from None
        try:
            written = self._export_files(partial, identifying)
            stored = self.store.load(EXPORTS, REGION)
            document = {"exports": 1 if stored is None else int(stored.document["exports"]) + 1}
            payload = {"identifying": identifying, "files": dict(written)}
            version = 0 if stored is None else stored.version
            self._write(actor, command, at, [Change(EXPORTS, REGION, version, document, payload)])
            folder.mkdir(exist_ok=True)
            for name in written:
                os.replace(partial / name, folder / name)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return MappingProxyType(written)

    def _commit(
        self, actor: Actor, command: Command, case: Case, entry: HistoryEntry, version: int
    ) -> None:
        change = Change(CASE, case.id, version, to_document(case), case_payload(entry))
        self.store.commit([change], at=entry.at, actor=_journal_actor(actor), command=command.value)


def _write_lines(path: Path, lines: Iterable[str]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line)
            handle.write("\n")
            count += 1
    return count


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
