"""Who may run which command, and who may read what of a case: the access policy (SE-01, SE-02).

Many organizations share one regional system, and each may do and see only what its
role needs: only the agency issues certificates, only the contracted center claims
payment, a court sees what concerns its own order, and a police officer never reads a
client's treatment notes. The policy is data (:data:`DEFAULT_POLICY_FILE`, read by
:func:`default_policy`), a region may load its own (:func:`load_policy`), and it says

- for every :class:`Command`, which roles may run it, each on a :class:`Condition`
  (a :class:`Rule`): the center must be the one the certificate and contract name,
  the court the one whose order the case carries, and so on;
- for every role, which parts of a case (each a :class:`Field`) it may read, again
  on a condition (a :class:`ReadRule`).

An :class:`Actor` (an organization with its role, and the person acting) asks
:func:`may_run`, which answers with a :class:`~resocialize.rules.Decision` naming
every unmet condition, or :func:`require`, which raises
:class:`~resocialize.errors.PermissionDenied` with the same reasons. A condition reads
the :class:`Target` of the command: the facade fills it with the case's court, the
centers the certificate and contract name, the organizations that referred the client.

>>> from resocialize.organizations import Role
>>> policy = default_policy()
>>> police = Actor("police-3", Role.LAW_ENFORCEMENT, "officer-12")
>>> may_run(policy, police, Command.ISSUE_CERTIFICATE).codes
('access.role_not_permitted',)
>>> other_center = Actor("center-2", Role.REHABILITATION_CENTER, "accountant-4")
>>> contracted = Target(certificate_center_id="center-1", contract_center_id="center-1")
>>> refused = may_run(policy, other_center, Command.CLAIM_PAYMENT, target=contracted)
>>> print(refused.reasons[0].message)
center-2 is not the center the target names (center-1)

:func:`view` gives what an actor may read of a case: a :class:`CaseView` holding only
the permitted parts, the others empty and listed in :attr:`CaseView.withheld`:

>>> from datetime import date, datetime, timezone
>>> from resocialize.pathway import identify
>>> from resocialize.records import Origin, Referral, ReferralSource
>>> case = identify(
...     "case-1", "cl-7f3k",
...     referral=Referral(ReferralSource.LAW_ENFORCEMENT, date(2026, 3, 1), "dept-north",
...                       referred_by="police-3"),
...     origin=Origin.COMMUNITY, at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc),
...     by="officer-12",
... )
>>> seen = view(policy, police, case)
>>> seen.client_id, seen.state
('cl-7f3k', None)
>>> [field.value for field in seen.withheld]  # doctest: +NORMALIZE_WHITESPACE
['pathway_state', 'history', 'consent', 'health', 'program', 'labour', 'certificate',
 'contract', 'follow_ups', 'identity']

Decisions worth knowing:

- **Lines are alternatives.** A role may hold several lines for one command (a clinic
  reads the cases it referred *or* treated); the command is allowed when any line's
  condition holds, and refused with the reasons of every line otherwise. A condition
  that needs a target is unmet when no target is given: the policy fails closed.
- **Reading a case is a command** (:attr:`Command.READ_CASE`): :func:`view` first
  requires it (a court reads only cases with its order, a center only its own
  clients'), then gives each :class:`Field` the role may read. The parts of a case
  that the view derives from the case itself (its court, center, referrers,
  department, medical providers) are taken from the case: what a target given to
  :func:`view` states of them must agree with the case, and it may add only the
  centers of a certificate and a contract.
- **History follows the fields.** A history entry is shown only when its event
  belongs to a readable field (a medical help entry is health), and its record only
  when every field the record touches is readable. Free text (the reasons of history
  entries, the notes of referrals) may say anything, so it is shown only to roles
  that read both health and program.
- **Identifying data needs a separate permission.** :class:`Permission` grants are held
  by the person acting (:attr:`Actor.permissions`); by default the identity of a
  client and identifying exports need :attr:`Permission.IDENTIFYING_DATA` on top of
  the role (:attr:`Condition.IDENTIFYING_PERMISSION`).
- **The default policy** (``resocialize/data/access.toml``) says why each line is there.
  State control over centers has no role of its own in :class:`~resocialize.organizations.Role`;
  the agency, which controls quality, runs inspections.
"""

from __future__ import annotations

import enum
import functools
import json
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from importlib import resources
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from . import _documents
from ._checks import (
    Checked,
    Problems,
    checked,
    id_problem,
    instance_problem,
    kind_of,
    member_problem,
    optional,
    text_problem,
)
from .assessment import Assessment
from .catalog import ServiceDomain
from .certificates import Certificate, CertificateEvent
from .contracts import SocialContract
from .errors import FieldProblem, PermissionDenied, ValidationError
from .followups import FollowUpRecord
from .labour import Match
from .organizations import Role
from .pathway import STAGE_OF, Case, Event, HistoryEntry, NoticeKind, Stage, State
from .people import Identity
from .programs import Goal, IndividualProgram
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
from .register import RegisterEvent
from .rules import ALLOWED, Decision, Reason

__all__ = [
    "CERTIFICATE_COMMANDS",
    "COURT_EVENT_KINDS",
    "DEFAULT_POLICY_FILE",
    "EVENT_COMMANDS",
    "LABOUR_DOMAINS",
    "REGISTER_COMMANDS",
    "VIEW_PARTS",
    "Actor",
    "CaseView",
    "Command",
    "Condition",
    "CourtEvent",
    "Field",
    "Permission",
    "Policy",
    "ReadRule",
    "Rule",
    "Target",
    "default_policy",
    "load_policy",
    "may_read",
    "may_run",
    "policy_from_json",
    "policy_from_toml",
    "policy_to_json",
    "readable_fields",
    "require",
    "target_of",
    "view",
]

DEFAULT_POLICY_FILE: Final = "data/access.toml"
"""Where the default policy lies inside the package."""


class Command(enum.StrEnum):
    """Every command of the regional system. Values are stable: policies and journals
    name them."""

    IDENTIFY = "identify"
    """Report a person identified as a client and open a case (stage I)."""
    REFER = "refer"
    """Add a referral to an open case."""
    ENGAGE = "engage"
    """Record that low-threshold motivation work has begun."""
    RECORD_REFUSAL = "record_refusal"
    """Record that the client refused help (monitoring and patronage follow)."""
    START_TREATMENT = "start_treatment"
    """Move the case into treatment (stage II)."""
    RECORD_CONSENT = "record_consent"
    """Record the client's informed consent."""
    WITHDRAW_CONSENT = "withdraw_consent"
    """Record that the client withdrew consent."""
    ENROL = "enrol"
    """Enrol a client in the client register."""
    PURGE_CLIENTS = "purge_clients"
    """Erase the records of withdrawn clients past their retention."""
    RECORD_MEDICAL_HELP = "record_medical_help"
    """Record medical help given (consultation, diagnostics, detoxification, comorbidity)."""
    RECORD_DIAGNOSIS = "record_diagnosis"
    """Record a socio-psychological diagnosis (an assessment)."""
    RECORD_PROGRAM = "record_program"
    """Record the individual program."""
    REVIEW_PROGRAM = "review_program"
    """Review or revise the individual program."""
    APPLY_CENTER = "apply_center"
    """A center applies (or reapplies) for the register of centers."""
    UPDATE_CENTER = "update_center"
    """A center records new data about itself in the register."""
    WITHDRAW_CENTER = "withdraw_center"
    """A center leaves the register of its own accord."""
    INCLUDE_CENTER = "include_center"
    """Include (or re-include) a center in the register."""
    REJECT_CENTER = "reject_center"
    """Refuse a center's application."""
    SUSPEND_CENTER = "suspend_center"
    """Suspend a center from the register."""
    REINSTATE_CENTER = "reinstate_center"
    """Reinstate a suspended center."""
    EXCLUDE_CENTER = "exclude_center"
    """Exclude a center from the register."""
    INSPECT_CENTER = "inspect_center"
    """Record an inspection of state control and its findings."""
    APPROPRIATE_FUNDS = "appropriate_funds"
    """Appropriate money of a funding source for certificates."""
    ISSUE_CERTIFICATE = "issue_certificate"
    """Issue a certificate for rehabilitation."""
    OFFER_CHOICES = "offer_choices"
    """Offer the client the centers to choose from."""
    PLACE = "place"
    """Place a certificate with the chosen center."""
    SIGN_CONTRACT = "sign_contract"
    """Sign the social contract (each party signs for itself)."""
    TERMINATE_CONTRACT = "terminate_contract"
    """Terminate the social contract."""
    ADMIT = "admit"
    """Admit the client to the center (stage III); the certificate enters service."""
    TRANSFER = "transfer"
    """Move the client and the certificate to another center."""
    RECORD_MILESTONE = "record_milestone"
    """Record a milestone of the route: stage III completed, stage IV entered or completed,
    sustained remission."""
    RECORD_RELAPSE = "record_relapse"
    """Record a relapse."""
    RECORD_DROPOUT = "record_dropout"
    """Record that the client dropped out."""
    DETAIN = "detain"
    """Record that the client was taken into custody."""
    PREPARE_RELEASE = "prepare_release"
    """Start work before release from custody."""
    MOVE_AWAY = "move_away"
    """Close the case: the client moved away."""
    RECORD_DEATH = "record_death"
    """Close the case: the client died."""
    CLAIM_PAYMENT = "claim_payment"
    """Claim payment of a tranche, days served or a dropout on a certificate."""
    PAY_CLAIM = "pay_claim"
    """Pay a center's claim."""
    SETTLE_CERTIFICATE = "settle_certificate"
    """Settle a certificate."""
    EXPIRE_CERTIFICATE = "expire_certificate"
    """Record that a certificate expired unused."""
    CANCEL_CERTIFICATE = "cancel_certificate"
    """Cancel a certificate."""
    REVOKE_CERTIFICATE = "revoke_certificate"
    """Revoke a certificate."""
    RECORD_FOLLOW_UP = "record_follow_up"
    """Record a follow-up after the course."""
    NOTIFY_COURT = "notify_court"
    """Send a court the notices about a client it ordered to treatment."""
    RECEIVE_NOTICES = "receive_notices"
    """Receive the notices about the clients a court ordered to treatment."""
    ADD_VACANCY = "add_vacancy"
    """Add a vacancy, quota or incentive to the reserve of the employment service."""
    RECORD_LABOUR_OUTCOME = "record_labour_outcome"
    """Record a hire or an enrolment in education or training."""
    EXPORT = "export"
    """Export registers and journals with pseudonymous ids."""
    EXPORT_IDENTIFYING = "export_identifying"
    """Export with identifying data."""
    READ_CASE = "read_case"
    """Read a case (which parts, the read rules say: see :func:`view`)."""


class Condition(enum.StrEnum):
    """What must hold between the actor and the target of a command for a line of the
    policy to allow it."""

    ANY = "any"
    """No condition: the role suffices."""
    OWN_CENTER = "own_center"
    """The actor is the center the target names: the case's center and the centers its
    certificate and contract name (every one given, and at least one)."""
    OWN_ORDER = "own_order"
    """The actor is the court whose order the case carries."""
    OWN_REFERRAL = "own_referral"
    """The actor is among the organizations that referred the client."""
    OWN_DEPARTMENT = "own_department"
    """The actor is a department responsible for the case (named by its referrals)."""
    OWN_PATIENT = "own_patient"
    """The actor gave the client medical help recorded on the case."""
    IDENTIFYING_PERMISSION = "identifying_permission"
    """The person acting holds :attr:`Permission.IDENTIFYING_DATA`."""


class Permission(enum.StrEnum):
    """A permission granted to a person on top of the role of their organization."""

    IDENTIFYING_DATA = "identifying_data"
    """May read and export identifying data (names, birth dates, documents)."""


class Field(enum.StrEnum):
    """A part of a case that a role may or may not read (see :data:`VIEW_PARTS`)."""

    IDENTIFICATION = "identification"
    """The pseudonymous client id, origin, minority and when the case opened."""
    REFERRAL = "referral"
    """Who identified and referred the client, when, and the responsible department."""
    COURT_STATUS = "court_status"
    """The court order, the stage reached, and refusal, dropout, completion, remission."""
    PATHWAY_STATE = "pathway_state"
    """The state and stage of the case, since when, the center, the relapses counted."""
    HISTORY = "history"
    """The recorded events (each also needs the field it belongs to)."""
    CONSENT = "consent"
    """Whether and since when informed consent is given."""
    HEALTH = "health"
    """Medical help, diagnosis and assessment."""
    PROGRAM = "program"
    """The individual program: goals and activities."""
    LABOUR = "labour"
    """Labour and education goals, the vacancies matched, the outcome of stage IV."""
    CERTIFICATE = "certificate"
    """The certificate: face value, funding split, state."""
    CONTRACT = "contract"
    """The social contract: parties, obligations, signatures."""
    FOLLOW_UPS = "follow_ups"
    """Follow-ups after the course and what they found."""
    IDENTITY = "identity"
    """Identifying data: names, birth date, documents, address."""


VIEW_PARTS: Final[Mapping[Field, tuple[str, ...]]] = MappingProxyType(
    {
        Field.IDENTIFICATION: ("client_id", "origin", "minor", "opened_at"),
        Field.REFERRAL: ("referrals",),
        Field.COURT_STATUS: ("court_order", "stage_reached", "court_events"),
        Field.PATHWAY_STATE: ("state", "since", "stage", "center_id", "relapse_count"),
        Field.HISTORY: ("history",),
        Field.CONSENT: ("consent_since",),
        Field.HEALTH: ("medical_help", "assessment_id", "assessment"),
        Field.PROGRAM: ("program_id", "program"),
        Field.LABOUR: ("labour_outcome", "labour_goals", "vacancies"),
        Field.CERTIFICATE: ("certificate_id", "certificate"),
        Field.CONTRACT: ("contract_id", "contract"),
        Field.FOLLOW_UPS: ("follow_ups",),
        Field.IDENTITY: ("identity",),
    }
)
"""The attributes of :class:`CaseView` each field holds; a withheld field's are empty."""

LABOUR_DOMAINS: Final = frozenset({ServiceDomain.LABOUR, ServiceDomain.EDUCATION})
"""The program domains whose goals :attr:`Field.LABOUR` shows (work, schooling, training)."""

COURT_EVENT_KINDS: Final[Mapping[Event, NoticeKind]] = MappingProxyType(
    {
        Event.REFUSE: NoticeKind.REFUSAL,
        Event.WITHDRAW_CONSENT: NoticeKind.REFUSAL,
        Event.DROP_OUT: NoticeKind.DROPOUT,
        Event.COMPLETE_REHABILITATION: NoticeKind.COMPLETION,
        Event.ACHIEVE_REMISSION: NoticeKind.REMISSION,
    }
)
"""The events of court-relevant status, as the pathway notifies a court of them (PW-11)."""

EVENT_COMMANDS: Final[Mapping[Event, Command]] = MappingProxyType(
    {
        Event.IDENTIFY: Command.IDENTIFY,
        Event.ENGAGE: Command.ENGAGE,
        Event.REFUSE: Command.RECORD_REFUSAL,
        Event.START_TREATMENT: Command.START_TREATMENT,
        Event.GIVE_CONSENT: Command.RECORD_CONSENT,
        Event.WITHDRAW_CONSENT: Command.WITHDRAW_CONSENT,
        Event.RECORD_PROGRAM: Command.RECORD_PROGRAM,
        Event.RECORD_DIAGNOSIS: Command.RECORD_DIAGNOSIS,
        Event.RECORD_MEDICAL_HELP: Command.RECORD_MEDICAL_HELP,
        Event.REFER: Command.REFER,
        Event.ADMIT: Command.ADMIT,
        Event.TRANSFER: Command.TRANSFER,
        Event.ENTER_RESOCIALIZATION: Command.RECORD_MILESTONE,
        Event.COMPLETE_REHABILITATION: Command.RECORD_MILESTONE,
        Event.COMPLETE_RESOCIALIZATION: Command.RECORD_MILESTONE,
        Event.ACHIEVE_REMISSION: Command.RECORD_MILESTONE,
        Event.RELAPSE: Command.RECORD_RELAPSE,
        Event.DROP_OUT: Command.RECORD_DROPOUT,
        Event.DETAIN: Command.DETAIN,
        Event.PREPARE_RELEASE: Command.PREPARE_RELEASE,
        Event.MOVE_AWAY: Command.MOVE_AWAY,
        Event.RECORD_DEATH: Command.RECORD_DEATH,
    }
)
"""The command that records each pathway event."""

CERTIFICATE_COMMANDS: Final[Mapping[CertificateEvent, Command]] = MappingProxyType(
    {
        CertificateEvent.ISSUE: Command.ISSUE_CERTIFICATE,
        CertificateEvent.PLACE: Command.PLACE,
        CertificateEvent.START_SERVICE: Command.ADMIT,
        CertificateEvent.CHANGE_CENTER: Command.TRANSFER,
        CertificateEvent.SETTLE: Command.SETTLE_CERTIFICATE,
        CertificateEvent.EXPIRE: Command.EXPIRE_CERTIFICATE,
        CertificateEvent.CANCEL: Command.CANCEL_CERTIFICATE,
        CertificateEvent.REVOKE: Command.REVOKE_CERTIFICATE,
    }
)
"""The command that brings about each certificate event."""

REGISTER_COMMANDS: Final[Mapping[RegisterEvent, Command]] = MappingProxyType(
    {
        RegisterEvent.APPLY: Command.APPLY_CENTER,
        RegisterEvent.REAPPLY: Command.APPLY_CENTER,
        RegisterEvent.UPDATE: Command.UPDATE_CENTER,
        RegisterEvent.WITHDRAW: Command.WITHDRAW_CENTER,
        RegisterEvent.INCLUDE: Command.INCLUDE_CENTER,
        RegisterEvent.REINCLUDE: Command.INCLUDE_CENTER,
        RegisterEvent.REJECT: Command.REJECT_CENTER,
        RegisterEvent.SUSPEND: Command.SUSPEND_CENTER,
        RegisterEvent.REINSTATE: Command.REINSTATE_CENTER,
        RegisterEvent.EXCLUDE: Command.EXCLUDE_CENTER,
    }
)
"""The command that brings about each event of the register of centers."""


# --- field checks ----------------------------------------------------------------------------


def _member_of(value: object, kind: type[enum.StrEnum]) -> object:
    """A known value string becomes its member; anything else is left for the check."""
    if isinstance(value, str) and not isinstance(value, kind):
        try:
            return kind(value)
        except ValueError:
            return value
    return value


def _to_role(value: object) -> object:
    return _member_of(value, Role)


def _to_command(value: object) -> object:
    return _member_of(value, Command)


def _to_condition(value: object) -> object:
    return _member_of(value, Condition)


def _to_field(value: object) -> object:
    return _member_of(value, Field)


def _to_set(value: object) -> object:
    """Any collection but text becomes a frozenset; anything else is left for the check."""
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(value)
    return value


def _to_permissions(value: object) -> object:
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(_member_of(v, Permission) for v in value)
    return value


def _items_problem(
    kind: type, each: Callable[[object], str | None] | None = None
) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, frozenset):
            return f"must be a set of {kind.__name__}, not {type(value).__name__}"
        bad = sorted(repr(v)[:40] for v in value if not isinstance(v, kind))
        if bad:
            return f"{', '.join(bad)} are not {kind.__name__} values"
        if each is not None:
            for item in sorted(value, key=str):
                problem = each(item)
                if problem is not None:
                    return f"{item!r:.40}: {problem}"
        return None

    return check


def _members_problem(kind: type[enum.Enum]) -> Callable[[object], str | None]:
    choices = ", ".join(str(m.value) for m in kind)

    def check(value: object) -> str | None:
        if not isinstance(value, frozenset):
            return f"must be a set of {kind.__name__}, not {type(value).__name__}"
        bad = sorted(repr(v)[:40] for v in value if not isinstance(v, kind))
        return f"{', '.join(bad)} must be among {choices}" if bad else None

    return check


# --- values ----------------------------------------------------------------------------------


@attrs.frozen
class Actor(Checked):
    """Who acts: an organization (by id) in one of its roles, and the person (staff id).

    ``permissions`` are granted to the person on top of the role, such as access to
    identifying data. Strings of known values are read as their members:

    >>> Actor("agency", "agency", "analyst-1").role
    <Role.AGENCY: 'agency'>
    >>> Actor("court 1", "judge", "")
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: organization_id: must not contain
    whitespace; role: must be one of agency, ... religious_organization, not 'judge';
    person_id: must not be empty
    """

    organization_id: str = attrs.field(metadata=checked(id_problem))
    role: Role = attrs.field(converter=_to_role, metadata=checked(member_problem(Role)))
    person_id: str = attrs.field(metadata=checked(id_problem))
    permissions: frozenset[Permission] = attrs.field(
        default=frozenset(),
        converter=_to_permissions,
        metadata=checked(_members_problem(Permission)),
    )

    def __str__(self) -> str:
        return f"{self.person_id} of {self.organization_id} ({self.role.value})"


@attrs.frozen
class Rule(Checked):
    """One line of the policy: ``role`` may run ``command`` when ``condition`` holds.

    >>> Rule(Command.CLAIM_PAYMENT, Role.REHABILITATION_CENTER, Condition.OWN_CENTER)
    Rule(command=<Command.CLAIM_PAYMENT: 'claim_payment'>, \
role=<Role.REHABILITATION_CENTER: 'rehabilitation_center'>, \
condition=<Condition.OWN_CENTER: 'own_center'>)
    """

    command: Command = attrs.field(converter=_to_command, metadata=checked(member_problem(Command)))
    role: Role = attrs.field(converter=_to_role, metadata=checked(member_problem(Role)))
    condition: Condition = attrs.field(
        default=Condition.ANY,
        converter=_to_condition,
        metadata=checked(member_problem(Condition)),
    )


@attrs.frozen
class ReadRule(Checked):
    """One line of the read policy: ``role`` may read ``field`` of a case when
    ``condition`` holds (and the role may read the case at all, :attr:`Command.READ_CASE`)."""

    field: Field = attrs.field(converter=_to_field, metadata=checked(member_problem(Field)))
    role: Role = attrs.field(converter=_to_role, metadata=checked(member_problem(Role)))
    condition: Condition = attrs.field(
        default=Condition.ANY,
        converter=_to_condition,
        metadata=checked(member_problem(Condition)),
    )


_Index = Mapping[tuple[Any, Role], tuple[Condition, ...]]
_CONDITION_ORDER: Final = {c: i for i, c in enumerate(Condition)}


def _index(lines: Iterable[Rule] | Iterable[ReadRule]) -> _Index:
    found: dict[tuple[Any, Role], set[Condition]] = {}
    for line in lines:
        what = line.command if isinstance(line, Rule) else line.field
        found.setdefault((what, line.role), set()).add(line.condition)
    return MappingProxyType(
        {
            key: tuple(sorted(conds, key=_CONDITION_ORDER.__getitem__))
            for key, conds in found.items()
        }
    )


@attrs.frozen
class Policy(Checked):
    """The whole access policy: the command rules and the read rules.

    Both are sets: the order of lines does not matter, and two policies with the same
    lines are equal. Build one from a document with :func:`policy_from_toml` or
    :func:`load_policy`; :func:`default_policy` is the one shipped with the package.

    >>> policy = Policy([Rule(Command.ISSUE_CERTIFICATE, Role.AGENCY)],
    ...                 [ReadRule(Field.HEALTH, Role.HEALTH)])
    >>> policy.conditions_for(Command.ISSUE_CERTIFICATE, Role.AGENCY)
    (<Condition.ANY: 'any'>,)
    >>> sorted(policy.roles_for(Command.ISSUE_CERTIFICATE))
    [<Role.AGENCY: 'agency'>]
    """

    rules: frozenset[Rule] = attrs.field(
        default=frozenset(), converter=_to_set, metadata=checked(_items_problem(Rule))
    )
    reads: frozenset[ReadRule] = attrs.field(
        default=frozenset(), converter=_to_set, metadata=checked(_items_problem(ReadRule))
    )
    _commands: _Index = attrs.field(init=False, eq=False, hash=False, repr=False)
    _fields: _Index = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        object.__setattr__(self, "_commands", _index(self.rules))
        object.__setattr__(self, "_fields", _index(self.reads))

    def __reduce__(self) -> tuple[type[Policy], tuple[frozenset[Rule], frozenset[ReadRule]]]:
        return (type(self), (self.rules, self.reads))

    def conditions_for(self, command: Command, role: Role) -> tuple[Condition, ...]:
        """The conditions on which ``role`` may run ``command``; empty when it may not."""
        return self._commands.get((command, role), ())

    def read_conditions(self, field: Field, role: Role) -> tuple[Condition, ...]:
        """The conditions on which ``role`` may read ``field``; empty when it may not."""
        return self._fields.get((field, role), ())

    def roles_for(self, command: Command) -> frozenset[Role]:
        """The roles that may run ``command`` on some condition."""
        return frozenset(rule.role for rule in self.rules if rule.command is command)

    def fields_for(self, role: Role) -> frozenset[Field]:
        """The fields ``role`` may read on some condition."""
        return frozenset(read.field for read in self.reads if read.role is role)


def _texts_problem(value: object) -> str | None:
    if not isinstance(value, frozenset):
        return f"must be a set of ids, not {type(value).__name__}"
    for item in sorted(value, key=repr):
        problem = text_problem(item)
        if problem is not None:
            return f"{item!r:.40}: {problem}"
    return None


@attrs.frozen
class Target(Checked):
    """What the conditions of a command read about its target. Every part is optional;
    a condition that needs a part the target lacks is unmet.

    :func:`target_of` fills it from a case (and its certificate and contract).
    """

    case_id: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    court_id: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    """The court whose order the case carries."""
    center_id: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    """The center the client is with, or the center a register command concerns."""
    certificate_center_id: str | None = attrs.field(
        default=None, metadata=checked(optional(text_problem))
    )
    """The center the certificate is placed with."""
    contract_center_id: str | None = attrs.field(
        default=None, metadata=checked(optional(text_problem))
    )
    """The center the social contract binds."""
    referrers: frozenset[str] = attrs.field(
        default=frozenset(), converter=_to_set, metadata=checked(_texts_problem)
    )
    """The organizations that referred the client."""
    departments: frozenset[str] = attrs.field(
        default=frozenset(), converter=_to_set, metadata=checked(_texts_problem)
    )
    """The departments responsible for the case."""
    providers: frozenset[str] = attrs.field(
        default=frozenset(), converter=_to_set, metadata=checked(_texts_problem)
    )
    """The health providers that gave the client medical help."""

    @property
    def center_ids(self) -> tuple[str, ...]:
        """Every center the target names, each once, in order: the case's, the
        certificate's, the contract's."""
        named = (self.center_id, self.certificate_center_id, self.contract_center_id)
        return tuple(dict.fromkeys(c for c in named if c is not None))


_CASE_PARTS: Final = ("case_id", "court_id", "center_id", "referrers", "departments", "providers")
"""The parts of a target that :func:`target_of` derives from the case itself."""


def target_of(
    case: Case,
    *,
    certificate: Certificate | None = None,
    contract: SocialContract | None = None,
) -> Target:
    """The target a command on ``case`` has: the case's court, center, referrers,
    departments and medical providers, and the centers of its certificate and contract.

    >>> from datetime import date, datetime, timezone
    >>> from resocialize.pathway import identify
    >>> from resocialize.records import CourtMeasure, CourtOrder, Origin, Referral, ReferralSource
    >>> case = identify(
    ...     "case-1", "cl-7f3k",
    ...     referral=Referral(ReferralSource.COURT, date(2026, 3, 1), "dept-north",
    ...                       referred_by="court-2"),
    ...     origin=Origin.COMMUNITY, at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc),
    ...     by="clerk-1",
    ...     court_order=CourtOrder("court-2", "2-7/2026", date(2026, 2, 20),
    ...                            CourtMeasure.ALTERNATIVE_TO_PUNISHMENT),
    ... )
    >>> target = target_of(case)
    >>> target.court_id, sorted(target.referrers), sorted(target.departments), target.center_ids
    ('court-2', ['court-2'], ['dept-north'], ())
    """
    problems = Problems()
    problems.check("case", instance_problem(Case)(case))
    problems.check("certificate", optional(instance_problem(Certificate))(certificate))
    problems.check("contract", optional(instance_problem(SocialContract))(contract))
    problems.raise_if_any()
    return _target_of(case, certificate, contract)


def _target_of(
    case: Case, certificate: Certificate | None, contract: SocialContract | None
) -> Target:
    return Target(
        case_id=case.id,
        court_id=None if case.court_order is None else case.court_order.court_id,
        center_id=case.center_id,
        certificate_center_id=None if certificate is None else certificate.center_id,
        contract_center_id=None if contract is None else contract.center_id,
        referrers=frozenset(r.referred_by for r in case.referrals if r.referred_by is not None),
        departments=frozenset(r.department for r in case.referrals),
        providers=frozenset(
            help.provider_id for help in case.medical_help if help.provider_id is not None
        ),
    )


# --- deciding --------------------------------------------------------------------------------


def _unmet(
    condition: Condition, actor: Actor, target: Target | None, subject: str
) -> Reason | None:
    """Why ``condition`` does not hold for ``actor`` on ``target``, or ``None``."""
    if condition is Condition.ANY:
        return None
    org = actor.organization_id
    details: dict[str, str | int | bool | None] = {
        "condition": condition.value,
        "organization": org,
        "subject": subject,
    }
    if condition is Condition.IDENTIFYING_PERMISSION:
        if Permission.IDENTIFYING_DATA in actor.permissions:
            return None
        return Reason(
            "access.no_identifying_permission",
            f"{actor.person_id} of {org} holds no permission to identifying data",
            {**details, "person": actor.person_id},
        )
    if target is None:
        return Reason(
            "access.no_target",
            f"{condition.value} needs the target of the command, and none was given",
            details,
        )
    if condition is Condition.OWN_CENTER:
        named = target.center_ids
        if not named:
            return Reason("access.not_own_center", "the target names no center", details)
        if all(center == org for center in named):
            return None
        return Reason(
            "access.not_own_center",
            f"{org} is not the center the target names ({', '.join(named)})",
            {**details, "centers": ", ".join(named)},
        )
    if condition is Condition.OWN_ORDER:
        if target.court_id is None:
            return Reason("access.not_own_order", "the case carries no court order", details)
        if target.court_id == org:
            return None
        return Reason(
            "access.not_own_order",
            f"{org} is not the court whose order the case carries",
            details,
        )
    if condition is Condition.OWN_REFERRAL:
        if org in target.referrers:
            return None
        return Reason("access.not_own_referral", f"{org} did not refer the client", details)
    if condition is Condition.OWN_DEPARTMENT:
        if org in target.departments:
            return None
        return Reason(
            "access.not_own_department",
            f"{org} is not a department responsible for the case",
            details,
        )
    assert condition is Condition.OWN_PATIENT
    if org in target.providers:
        return None
    return Reason(
        "access.not_own_patient", f"{org} gave the client no medical help on record", details
    )


def _decide(
    conditions: tuple[Condition, ...],
    actor: Actor,
    target: Target | None,
    subject: str,
    refused: Callable[[], Reason],
) -> Decision:
    if not conditions:
        return Decision((refused(),))
    reasons: list[Reason] = []
    for condition in conditions:
        reason = _unmet(condition, actor, target, subject)
        if reason is None:
            return ALLOWED
        reasons.append(reason)
    return Decision(tuple(reasons))


def _member(value: object, kind: type[enum.StrEnum], path: str, problems: Problems) -> Any:
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    choices = ", ".join(m.value for m in kind)
    problems.add(path, f"must be one of {choices}, not {value!r:.40}")
    return None


def _arguments(policy: object, actor: object, target: object, problems: Problems) -> None:
    problems.check("policy", instance_problem(Policy)(policy))
    problems.check("actor", instance_problem(Actor)(actor))
    problems.check("target", optional(instance_problem(Target))(target))


def _run_decision(
    policy: Policy, actor: Actor, command: Command, target: Target | None
) -> Decision:
    def refused() -> Reason:
        roles = sorted(role.value for role in policy.roles_for(command))
        return Reason(
            "access.role_not_permitted",
            f"the {actor.role.value} role may not run {command.value}; "
            + (f"roles that may: {', '.join(roles)}" if roles else "no role may"),
            {"role": actor.role.value, "command": command.value, "roles": ", ".join(roles)},
        )

    conditions = policy.conditions_for(command, actor.role)
    return _decide(conditions, actor, target, command.value, refused)


def _read_decision(policy: Policy, actor: Actor, field: Field, target: Target | None) -> Decision:
    def refused() -> Reason:
        return Reason(
            "access.field_not_permitted",
            f"the {actor.role.value} role may not read {field.value}",
            {"role": actor.role.value, "field": field.value},
        )

    conditions = policy.read_conditions(field, actor.role)
    return _decide(conditions, actor, target, field.value, refused)


def may_run(
    policy: Policy, actor: Actor, command: Command | str, *, target: Target | None = None
) -> Decision:
    """May ``actor`` run ``command`` on ``target``? Refused with a reason for every line
    of the policy that does not allow it (``access.role_not_permitted`` when the role has
    none).

    >>> from resocialize.organizations import Role
    >>> agency = Actor("agency", Role.AGENCY, "officer-1")
    >>> may_run(default_policy(), agency, "issue_certificate").allowed
    True
    >>> may_run(default_policy(), agency, Command.EXPORT_IDENTIFYING).codes
    ('access.no_identifying_permission',)
    """
    problems = Problems()
    _arguments(policy, actor, target, problems)
    checked_command = _member(command, Command, "command", problems)
    problems.raise_if_any()
    return _run_decision(policy, actor, checked_command, target)


def require(
    policy: Policy, actor: Actor, command: Command | str, *, target: Target | None = None
) -> None:
    """Nothing when ``actor`` may run ``command`` on ``target``; otherwise raise
    :class:`~resocialize.errors.PermissionDenied` carrying every reason.

    >>> from resocialize.organizations import Role
    >>> require(default_policy(), Actor("court-1", Role.COURT, "judge-2"), Command.PAY_CLAIM)
    Traceback (most recent call last):
    ...
    resocialize.errors.PermissionDenied: judge-2 of court-1 (court) may not pay_claim: the court
    role may not run pay_claim; roles that may: agency [access.role_not_permitted]
    """
    decision = may_run(policy, actor, command, target=target)
    if not decision.allowed:
        raise PermissionDenied(str(actor), Command(command).value, decision.reasons)


def may_read(
    policy: Policy, actor: Actor, field: Field | str, *, target: Target | None = None
) -> Decision:
    """May ``actor`` read ``field`` of the case ``target`` describes? Like :func:`may_run`
    for the read rules (``access.field_not_permitted`` when the role has no line). It does
    not ask whether the actor may read the case at all: :func:`view` asks both.
    """
    problems = Problems()
    _arguments(policy, actor, target, problems)
    checked_field = _member(field, Field, "field", problems)
    problems.raise_if_any()
    return _read_decision(policy, actor, checked_field, target)


def readable_fields(
    policy: Policy, actor: Actor, *, target: Target | None = None
) -> frozenset[Field]:
    """The fields ``actor`` may read of the case ``target`` describes (see :func:`may_read`)."""
    problems = Problems()
    _arguments(policy, actor, target, problems)
    problems.raise_if_any()
    return frozenset(f for f in Field if _read_decision(policy, actor, f, target).allowed)


# --- views -----------------------------------------------------------------------------------


@attrs.frozen
class CourtEvent:
    """A court-relevant event of a case: refusal, dropout, completion or remission."""

    kind: NoticeKind
    event: Event
    at: datetime


@attrs.frozen(kw_only=True)
class CaseView:
    """What an actor may read of one case; made by :func:`view`, which validates.

    Each :class:`Field` holds the attributes :data:`VIEW_PARTS` lists. A withheld field's
    attributes are ``None`` or empty, and the field is in :attr:`withheld`; a shown
    attribute may be empty because the case has nothing there (no court order, no
    medical help). ``case_id`` is always given: the actor asked for it.
    """

    case_id: str
    client_id: str | None = None
    origin: Origin | None = None
    minor: bool | None = None
    opened_at: datetime | None = None
    referrals: tuple[Referral, ...] = ()
    court_order: CourtOrder | None = None
    stage_reached: Stage | None = None
    """The furthest stage the case has reached."""
    court_events: tuple[CourtEvent, ...] = ()
    state: State | None = None
    since: datetime | None = None
    stage: Stage | None = None
    center_id: str | None = None
    relapse_count: int | None = None
    history: tuple[HistoryEntry, ...] = ()
    consent_since: datetime | None = None
    medical_help: tuple[MedicalHelp, ...] = ()
    assessment_id: str | None = None
    assessment: Assessment | None = None
    program_id: str | None = None
    program: IndividualProgram | None = None
    labour_outcome: LabourOutcome | None = None
    labour_goals: tuple[Goal, ...] = ()
    """The program's goals in the domains of :data:`LABOUR_DOMAINS`."""
    vacancies: tuple[Match, ...] = ()
    """How the open vacancies suit the client (:func:`resocialize.labour.match`)."""
    certificate_id: str | None = None
    certificate: Certificate | None = None
    contract_id: str | None = None
    contract: SocialContract | None = None
    follow_ups: tuple[FollowUpRecord, ...] = ()
    identity: Identity | None = None
    withheld: tuple[Field, ...] = ()
    """The fields the actor may not read, in the order of :class:`Field`."""

    @property
    def shown(self) -> tuple[Field, ...]:
        """The fields the actor may read, in the order of :class:`Field`."""
        return tuple(f for f in Field if f not in self.withheld)


_EVENT_FIELD: Final[Mapping[Event, Field]] = MappingProxyType(
    {
        **dict.fromkeys(Event, Field.PATHWAY_STATE),
        Event.IDENTIFY: Field.IDENTIFICATION,
        Event.REFER: Field.REFERRAL,
        Event.GIVE_CONSENT: Field.CONSENT,
        Event.WITHDRAW_CONSENT: Field.CONSENT,
        Event.RECORD_PROGRAM: Field.PROGRAM,
        Event.RECORD_DIAGNOSIS: Field.HEALTH,
        Event.RECORD_MEDICAL_HELP: Field.HEALTH,
    }
)
"""The field a history entry of each event belongs to."""


def _record_fields(record: Record) -> frozenset[Field]:
    """The fields whose content ``record`` carries."""
    if isinstance(record, Opening):
        fields = {Field.IDENTIFICATION, Field.REFERRAL}
        if record.court_order is not None:
            fields.add(Field.COURT_STATUS)
        return frozenset(fields)
    if isinstance(record, Referral):
        return frozenset({Field.REFERRAL})
    if isinstance(record, ProgramRecord):
        return frozenset({Field.PROGRAM})
    if isinstance(record, DiagnosisRecord | MedicalHelp):
        return frozenset({Field.HEALTH})
    if isinstance(record, Placement):
        return frozenset({Field.PATHWAY_STATE, Field.CERTIFICATE, Field.CONTRACT})
    assert isinstance(record, LabourResult)
    return frozenset({Field.LABOUR})


def _quiet_referral(referral: Referral) -> Referral:
    return referral if referral.note is None else attrs.evolve(referral, note=None)


def _quiet(record: Record) -> Record:
    """The record without free text."""
    if isinstance(record, Referral):
        return _quiet_referral(record)
    if isinstance(record, Opening) and record.referral.note is not None:
        return attrs.evolve(record, referral=_quiet_referral(record.referral))
    return record


def _history(case: Case, shown: frozenset[Field], free_text: bool) -> tuple[HistoryEntry, ...]:
    entries: list[HistoryEntry] = []
    for entry in case.history:
        if _EVENT_FIELD[entry.event] not in shown:
            continue
        record = entry.record
        if record is not None:
            if not _record_fields(record) <= shown:
                record = None
            elif not free_text:
                record = _quiet(record)
        reason = entry.reason if free_text else None
        if record is not entry.record or reason is not entry.reason:
            entry = HistoryEntry(
                entry.at, entry.by, entry.event, entry.source, entry.target, reason, record
            )
        entries.append(entry)
    return tuple(entries)


def _court_events(case: Case) -> tuple[CourtEvent, ...]:
    return tuple(
        CourtEvent(COURT_EVENT_KINDS[e.event], e.event, e.at)
        for e in case.history
        if e.event in COURT_EVENT_KINDS
    )


def _stage_reached(case: Case) -> Stage | None:
    stages = [s for e in case.history if (s := STAGE_OF[e.target]) is not None]
    return max(stages, default=None)


def _parts_problems(
    case: Case,
    problems: Problems,
    identity: object,
    assessment: object,
    program: object,
    certificate: object,
    contract: object,
) -> None:
    """Every part given must be a value of its kind and belong to the case's client."""
    parts: tuple[tuple[str, object, type], ...] = (
        ("identity", identity, Identity),
        ("assessment", assessment, Assessment),
        ("program", program, IndividualProgram),
        ("certificate", certificate, Certificate),
        ("contract", contract, SocialContract),
    )
    for name, value, kind in parts:
        if value is None:
            continue
        if not isinstance(value, kind):
            problems.add(name, f"must be a {kind.__name__} or None, not {type(value).__name__}")
        elif getattr(value, "client_id", None) != case.client_id:
            problems.add(f"{name}.client_id", "is not the client of the case")


def _sequence(
    value: object, kind: type, name: str, problems: Problems, case_id: str | None = None
) -> tuple[Any, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        problems.add(name, f"must be a sequence of {kind.__name__}, not {kind_of(value)}")
        return ()
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, kind):
            problems.add(f"{name}[{i}]", f"must be a {kind.__name__}, not {type(item).__name__}")
        elif case_id is not None and getattr(item, "case_id", None) != case_id:
            problems.add(f"{name}[{i}].case_id", "is not the case viewed")
    return items


def _effective_target(
    case: Case,
    target: Target | None,
    certificate: Certificate | None,
    contract: SocialContract | None,
    problems: Problems,
) -> Target:
    derived = _target_of(case, certificate, contract)
    if target is None:
        return derived
    for name in _CASE_PARTS:
        given = getattr(target, name)
        if given is not None and given != frozenset() and given != getattr(derived, name):
            problems.add(f"target.{name}", "does not match the case viewed")
    centers: dict[str, str | None] = {}
    for name in ("certificate_center_id", "contract_center_id"):
        given, known = getattr(target, name), getattr(derived, name)
        if given is not None and known is not None and given != known:
            problems.add(f"target.{name}", f"does not match the {name.split('_')[0]} given")
        centers[name] = known if known is not None else given
    return attrs.evolve(derived, **centers)


def view(
    policy: Policy,
    actor: Actor,
    case: Case,
    *,
    target: Target | None = None,
    identity: Identity | None = None,
    assessment: Assessment | None = None,
    program: IndividualProgram | None = None,
    certificate: Certificate | None = None,
    contract: SocialContract | None = None,
    follow_ups: Iterable[FollowUpRecord] = (),
    vacancies: Iterable[Match] = (),
) -> CaseView:
    """What ``actor`` may read of ``case``, and of the parts given with it.

    The actor must be allowed :attr:`Command.READ_CASE` on the case (else
    :class:`~resocialize.errors.PermissionDenied` with every reason); each
    :class:`Field` it may then read is filled from the case and the parts given (the
    client's identity, assessment, program, certificate, contract, follow-up records
    and vacancy matches), and every other field is withheld. Parts must belong to the
    case's client (follow-ups to the case), and ``target`` must agree with the case (see
    the module documentation); otherwise :class:`~resocialize.errors.ValidationError`.
    """
    problems = Problems()
    _arguments(policy, actor, target, problems)
    problems.check("case", instance_problem(Case)(case))
    problems.raise_if_any()
    _parts_problems(case, problems, identity, assessment, program, certificate, contract)
    records = _sequence(follow_ups, FollowUpRecord, "follow_ups", problems, case.id)
    matches = _sequence(vacancies, Match, "vacancies", problems)
    effective = _effective_target(
        case,
        target,
        certificate if isinstance(certificate, Certificate) else None,
        contract if isinstance(contract, SocialContract) else None,
        problems,
    )
    problems.raise_if_any()
    require(policy, actor, Command.READ_CASE, target=effective)
    shown = frozenset(f for f in Field if _read_decision(policy, actor, f, effective).allowed)
    free_text = Field.HEALTH in shown and Field.PROGRAM in shown
    parts: dict[str, object] = {"case_id": case.id}
    if Field.IDENTIFICATION in shown:
        parts.update(
            client_id=case.client_id,
            origin=case.origin,
            minor=case.minor,
            opened_at=case.history[0].at if case.history else None,
        )
    if Field.REFERRAL in shown:
        referrals = case.referrals
        parts["referrals"] = referrals if free_text else tuple(map(_quiet_referral, referrals))
    if Field.COURT_STATUS in shown:
        parts.update(
            court_order=case.court_order,
            stage_reached=_stage_reached(case),
            court_events=_court_events(case),
        )
    if Field.PATHWAY_STATE in shown:
        parts.update(
            state=case.state,
            since=case.since,
            stage=case.stage,
            center_id=case.center_id,
            relapse_count=case.relapse_count,
        )
    if Field.HISTORY in shown:
        parts["history"] = _history(case, shown, free_text)
    if Field.CONSENT in shown:
        parts["consent_since"] = case.consent_since
    if Field.HEALTH in shown:
        parts.update(
            medical_help=case.medical_help, assessment_id=case.assessment_id, assessment=assessment
        )
    if Field.PROGRAM in shown:
        parts.update(program_id=case.program_id, program=program)
    if Field.LABOUR in shown:
        goals = () if program is None else program.goals
        parts.update(
            labour_outcome=case.labour_outcome,
            labour_goals=tuple(g for g in goals if g.domain in LABOUR_DOMAINS),
            vacancies=matches,
        )
    if Field.CERTIFICATE in shown:
        parts.update(certificate_id=case.certificate_id, certificate=certificate)
    if Field.CONTRACT in shown:
        parts.update(contract_id=case.contract_id, contract=contract)
    if Field.FOLLOW_UPS in shown:
        parts["follow_ups"] = records
    if Field.IDENTITY in shown:
        parts["identity"] = identity
    parts["withheld"] = tuple(f for f in Field if f not in shown)
    return CaseView(**parts)  # type: ignore[arg-type]


# --- documents -------------------------------------------------------------------------------


class _Reader:
    """Reads one policy document, collecting every problem with its path."""

    def __init__(self, toml: bool) -> None:
        self.toml = toml
        self.problems: list[FieldProblem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(FieldProblem(path, message))

    def table(self, raw: object, path: str, what: str) -> Mapping[str, object] | None:
        if isinstance(raw, Mapping):
            return raw
        word = "table" if self.toml else "object"
        self.add(path, f"must be a {word} of {what}, not {kind_of(raw, toml=self.toml)}")
        return None

    def member(self, key: str, kind: type[enum.StrEnum], path: str, what: str) -> Any:
        try:
            return kind(key)
        except ValueError:
            known = ", ".join(m.value for m in kind)
            self.add(path, f"unknown {what} {key!r:.40}; known: {known}")
            return None

    def conditions(self, raw: object, path: str) -> list[Condition]:
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple):
            self.add(
                path,
                "must be a condition or an array of conditions, "
                f"not {kind_of(raw, toml=self.toml)}",
            )
            return []
        if not items:
            self.add(path, "must name at least one condition (leave the role out instead)")
            return []
        found: list[Condition] = []
        for i, item in enumerate(items):
            where = path if isinstance(raw, str) else f"{path}[{i}]"
            if not isinstance(item, str):
                self.add(where, f"must be a condition, not {kind_of(item, toml=self.toml)}")
                continue
            condition = self.member(item, Condition, where, "condition")
            if condition is None:
                continue
            if condition in found:
                self.add(where, f"repeats the condition {condition.value!r}")
                continue
            found.append(condition)
        return found

    def document(self, data: object) -> Policy:
        top = self.table(data, "$", "commands and reads")
        if top is None:
            raise ValidationError(self.problems)
        for key in top:
            if key not in ("commands", "reads"):
                self.add(str(key), "unknown field; known: commands, reads")
        for key in ("commands", "reads"):
            if key not in top:
                self.add(key, "missing")
        rules: list[Rule] = []
        reads: list[ReadRule] = []
        commands = self.table(top.get("commands", {}), "commands", "commands")
        for name, roles in (commands or {}).items():
            path = f"commands.{name}"
            command = self.member(str(name), Command, path, "command")
            for role, condition in self.lines(roles, path, "roles"):
                if command is not None:
                    rules.append(Rule(command, role, condition))
        by_role = self.table(top.get("reads", {}), "reads", "roles")
        for name, fields in (by_role or {}).items():
            path = f"reads.{name}"
            role = self.member(str(name), Role, path, "role")
            table = self.table(fields, path, "fields")
            for field_name, raw in (table or {}).items():
                where = f"{path}.{field_name}"
                field = self.member(str(field_name), Field, where, "field")
                for condition in self.conditions(raw, where):
                    if role is not None and field is not None:
                        reads.append(ReadRule(field, role, condition))
        if self.problems:
            raise ValidationError(self.problems)
        return Policy(frozenset(rules), frozenset(reads))

    def lines(self, raw: object, path: str, what: str) -> list[tuple[Role, Condition]]:
        table = self.table(raw, path, what)
        found: list[tuple[Role, Condition]] = []
        for name, conditions in (table or {}).items():
            where = f"{path}.{name}"
            role = self.member(str(name), Role, where, "role")
            for condition in self.conditions(conditions, where):
                if role is not None:
                    found.append((role, condition))
        return found


def policy_from_toml(text: str) -> Policy:
    """Read a policy from TOML text: a ``[commands.<command>]`` table for each command,
    mapping each role that may run it to its condition (or an array of alternative
    conditions), and a ``[reads.<role>]`` table for each role, mapping each field it may
    read to its condition(s). Every problem is reported at once with its path:

    >>> policy_from_toml('''
    ... [commands.issue_certificate]
    ... agency = "any"
    ... judge = "any"
    ... [commands.claim_payment]
    ... rehabilitation_center = ["own_center", "own_centre"]
    ... [reads.court]
    ... court_status = []
    ... ''')
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input:
    commands.issue_certificate.judge: unknown role 'judge'; known: agency, ...;
    commands.claim_payment.rehabilitation_center[1]: unknown condition 'own_centre'; known: ...;
    reads.court.court_status: must name at least one condition (leave the role out instead)
    """
    data = _documents.toml_data(text)
    return _Reader(toml=True).document(data)


def policy_from_json(text: str | bytes) -> Policy:
    """Read a policy from JSON of the same shape as the TOML:
    ``{"commands": {"issue_certificate": {"agency": "any"}}, "reads": {"court": {...}}}``.

    >>> policy_from_json(policy_to_json(default_policy())) == default_policy()
    True
    """
    data = _documents.json_data(text)
    return _Reader(toml=False).document(data)


def load_policy(
    source: str | bytes | os.PathLike[str], *, format: Literal["toml", "json"] | None = None
) -> Policy:
    """Read a policy from a file (a path-like value) or from text (``str`` or ``bytes``).

    ``format`` defaults to the file's suffix (``.json`` is JSON, anything else TOML) and to
    TOML for text. A file that cannot be read raises :class:`OSError`.
    """
    return _documents.load(source, format, from_toml=policy_from_toml, from_json=policy_from_json)


@functools.cache
def default_policy() -> Policy:
    """The policy shipped with the package (``resocialize/data/access.toml``), each line
    with its reason in a comment.

    >>> from resocialize.organizations import Role
    >>> sorted(r.value for r in default_policy().roles_for(Command.ISSUE_CERTIFICATE))
    ['agency']
    """
    text = resources.files("resocialize").joinpath(DEFAULT_POLICY_FILE).read_text("utf-8")
    return policy_from_toml(text)


def _conditions_plain(conditions: tuple[Condition, ...]) -> str | list[str]:
    if len(conditions) == 1:
        return conditions[0].value
    return [c.value for c in conditions]


def policy_to_json(policy: Policy, *, indent: int | None = 2) -> str:
    """The policy as JSON that :func:`policy_from_json` reads back to an equal value,
    commands, roles, fields and conditions in the order of their enums."""
    if not isinstance(policy, Policy):
        raise ValidationError.at("policy", f"must be a Policy, not {type(policy).__name__}")
    commands: dict[str, dict[str, str | list[str]]] = {}
    for command in Command:
        roles = {
            role.value: _conditions_plain(conds)
            for role in Role
            if (conds := policy.conditions_for(command, role))
        }
        if roles:
            commands[command.value] = roles
    reads: dict[str, dict[str, str | list[str]]] = {}
    for role in Role:
        fields = {
            field.value: _conditions_plain(conds)
            for field in Field
            if (conds := policy.read_conditions(field, role))
        }
        if fields:
            reads[role.value] = fields
    return json.dumps({"commands": commands, "reads": reads}, indent=indent, ensure_ascii=False)
