"""FHIR export (IX-02): programs, pathway, referrals, consent, centers and contracts.

Each function turns one of the library's values into a FHIR resource, as a plain
JSON-ready ``dict`` (str, int, bool, list, dict; dates and times as ISO strings).
The one exception is money: ``Money.value`` stays a :class:`~decimal.Decimal`, never
a float, and :func:`dumps` writes it as an exact JSON number.

**FHIR version: R4.** The resources follow FHIR R4 (4.0.1), which is what most
health systems, national profiles and integration engines take today; R5 changed
exactly the resources this module writes (CarePlan activities lost ``detail``,
Consent was redesigned, EpisodeOfCare's referral became ``reason``), and few
systems read it yet. :func:`validate` checks resources against the models of
``fhir.resources.R4B`` (FHIR 4.3.0): for every resource written here R4B has the
same elements, cardinalities and bindings as R4.

**References are pseudonymous.** A client is ``Patient/<client id>`` everywhere;
names, birth dates and documents appear only in :func:`patient` with
``identifying=True`` and an :class:`~resocialize.people.Identity`. Free texts that
might carry names (referral notes, reasons of history entries, why a contract
ended) are never exported.

**Ids.** A library id that is a valid FHIR id (``[A-Za-z0-9.-]{1,64}``) is used as
it is; any other is replaced by its characters outside that set turned into
``-``, followed by ``-`` and 16 hex digits of its SHA-256, so it stays unique. The
library id itself is always kept in an ``identifier`` (systems under
:data:`IDENTIFIER_BASE`), and a reference to a resource this module does not write
(a department, a referring organization, a co-dependent) carries the library id in
``Reference.identifier`` when it had to be changed.

**Code systems.** Standard systems where one fits (HL7 terminology, LOINC, SNOMED
CT, ISO 4217 through ``Money``); for the domain's own codes, the library's code
systems at ``https://resocialize.example/fhir/CodeSystem/<name>`` with the enum
values as codes (:data:`CODE_SYSTEMS` lists them). Data without a fixed set of
values the export needs (program price, places, duration, pathway state, center)
goes in extensions at ``https://resocialize.example/fhir/StructureDefinition/<name>``.

**Goals** are separate Goal resources (not contained): reviews track progress per
goal, so goals have an identity of their own. Send ``bundle([care_plan(p), *goals(p)])``.

**EpisodeOfCare status** from the pathway state (:data:`EPISODE_STATUS`):

| pathway state | status |
|---|---|
| identified | planned |
| motivation, treatment, social_rehabilitation, resocialization, patronage, \
sustained_remission, relapsed, pre_release | active |
| monitoring, dropped_out, consent_withdrawn, custody | onhold |
| moved_away, deceased | finished |

Sustained remission and relapse keep the episode active: remission is not a cure
and a relapse is counted on the same case (PW-07, PW-08). A refusal, a dropout, a
withdrawal of consent and custody put it on hold: the case may re-engage.
``statusHistory`` has one period per change of pathway state, in order and
contiguous (each ends when the next starts; the last is open unless the case is
closed), each with the pathway state in an extension.

>>> from datetime import date, datetime, timezone
>>> from decimal import Decimal
>>> import json
>>> from resocialize.centers import Center, Program
>>> from resocialize.money import Money
>>> from resocialize.organizations import OwnershipForm
>>> from resocialize.pathway import Event, Stage, advance, identify
>>> from resocialize.records import Origin, Referral, ReferralSource
>>> center = Center("c-1", "Novi put", OwnershipForm.RELIGIOUS, "Split", programs=(
...     Program("p-3", Stage.SOCIAL_REHABILITATION, 180, Money.of("180000.50", "RUB"), 12),))
>>> org = organization(center)
>>> org["resourceType"], org["id"], [t["coding"][0]["code"] for t in org["type"]]
('Organization', 'c-1', ['prov', 'religious'])
>>> service = healthcare_service(center, center.programs[0])
>>> service["extension"][0]["valueMoney"]
{'value': Decimal('180000.50'), 'currency': 'RUB'}
>>> text = dumps(service)
>>> '"value": 180000.50' in text
True
>>> json.loads(text, parse_float=Decimal)["extension"][0]["valueMoney"]["value"]
Decimal('180000.50')
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
>>> case = identify("case-1", "cl-7f3k", referral=Referral(
...     ReferralSource.COURT, date(2026, 3, 1), "dept-north"),
...     origin=Origin.COMMUNITY, at=at, by="officer-12")
>>> case = advance(case, Event.ENGAGE, at=at.replace(day=5), by="officer-12").case
>>> episode = episode_of_care(case)
>>> episode["status"], [h["status"] for h in episode["statusHistory"]]
('active', ['planned', 'active'])
>>> episode["patient"], episode["referralRequest"]
({'reference': 'Patient/cl-7f3k'}, [{'reference': 'ServiceRequest/case-1-referral-1'}])
>>> patient("cl-7f3k")["identifier"][0]["value"]
'cl-7f3k'
>>> bundle([org, service])["type"]
'collection'
>>> validate(episode)
>>> validate({"resourceType": "EpisodeOfCare", "status": "open"})
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: patient: Field required; status: ...

:func:`care_plan` and :func:`goals`, :func:`consent`, :func:`contract` and
:func:`service_request` are shown in their own docstrings and in the how-to page
"FHIR export".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from resocialize._checks import (
    Problems,
    bool_problem,
    id_problem,
    instance_problem,
    instant_problem,
    member_problem,
    optional,
)
from resocialize.centers import Center, Licence, Program
from resocialize.clients import ClientRecord, ClientStatus
from resocialize.contracts import PartyRole, SocialContract, TerminationGround
from resocialize.errors import FieldProblem, RuleViolation, ValidationError
from resocialize.pathway import Case, HistoryEntry, Stage, State
from resocialize.people import Identity, Sex
from resocialize.programs import Activity, Goal, IndividualProgram
from resocialize.records import CourtOrder, Origin, Referral, ReferralSource
from resocialize.rules import Reason

__all__ = [
    "BASE",
    "CODE_SYSTEMS",
    "CONTRACT_STATUS",
    "EPISODE_STATUS",
    "EXTENSION_BASE",
    "FHIR_VERSION",
    "IDENTIFIER_BASE",
    "REQUIRED_BINDINGS",
    "Resource",
    "bundle",
    "care_plan",
    "code_system",
    "consent",
    "contract",
    "dumps",
    "episode_of_care",
    "fhir_id",
    "goals",
    "healthcare_service",
    "organization",
    "patient",
    "service_request",
    "service_requests",
    "validate",
]

Resource = dict[str, Any]
"""A FHIR resource as a JSON-ready dict (``Money.value`` as a ``Decimal``)."""

FHIR_VERSION: Final = "4.0.1"
"""The FHIR version the resources follow (R4); validated with the R4B models."""

BASE: Final = "https://resocialize.example/fhir"
"""The base of the library's own FHIR URIs, and of ``fullUrl`` in bundles."""

CODE_SYSTEM_BASE: Final = f"{BASE}/CodeSystem/"
IDENTIFIER_BASE: Final = f"{BASE}/identifier/"
"""Identifier systems: ``client``, ``case``, ``program``, ``goal``, ``referral``,
``consent``, ``organization``, ``center-program``, ``licence``, ``contract``,
``certificate``."""
EXTENSION_BASE: Final = f"{BASE}/StructureDefinition/"
"""Extensions: ``pathway-state`` (valueCoding), ``center`` (valueReference),
``phase`` and ``provider`` (valueCoding), ``need`` (valueCoding), ``price``
(valueMoney), ``places`` (valueUnsignedInt), ``duration`` (valueDuration, days),
``medical`` (valueBoolean), ``certificate`` (valueIdentifier), ``termination-ground``
(valueCoding)."""

CODE_SYSTEMS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "pathway-state": "pathway states (resocialize.pathway.State values)",
        "stage": "the five stages, 1-5 (resocialize.pathway.Stage values; display I-V)",
        "origin": "where the client comes from (resocialize.records.Origin)",
        "referral-source": "who identified the client (resocialize.records.ReferralSource)",
        "court-measure": "what a court ordered (resocialize.records.CourtMeasure)",
        "program-template": "the route template a program was planned from (its id)",
        "service-domain": "domains of a program's goals (resocialize.catalog.ServiceDomain)",
        "life-domain": "assessed life domains (resocialize.assessment.LifeDomain)",
        "need": "assessed need, 0-4 (resocialize.assessment.Need values; display its name)",
        "goal": "a program's goal codes",
        "intervention": "intervention codes of the catalog (resocialize.catalog)",
        "provider": "who delivers an intervention (resocialize.catalog.Provider)",
        "phase": "phases of a program (resocialize.templates.Phase)",
        "reason": "codes of the reasons behind goals and activities (resocialize.rules.Reason)",
        "ownership-form": "form of ownership (resocialize.organizations.OwnershipForm)",
        "setting": "how a program is delivered (resocialize.centers.Setting)",
        "eligibility": "eligibility rules of a center's program: minimum-age",
        "licence-kind": "licences (resocialize.centers.LicenceKind)",
        "contract-party-role": "roles in a social contract (resocialize.contracts.PartyRole)",
        "termination-ground": "why a contract ended (resocialize.contracts.TerminationGround)",
    }
)
"""The library's own code systems, by name: ``code_system(name)`` is the URI."""

EPISODE_STATUS: Final[Mapping[State, str]] = MappingProxyType(
    {
        State.IDENTIFIED: "planned",
        State.MOTIVATION: "active",
        State.MONITORING: "onhold",
        State.TREATMENT: "active",
        State.SOCIAL_REHABILITATION: "active",
        State.RESOCIALIZATION: "active",
        State.PATRONAGE: "active",
        State.SUSTAINED_REMISSION: "active",
        State.RELAPSED: "active",
        State.DROPPED_OUT: "onhold",
        State.CONSENT_WITHDRAWN: "onhold",
        State.CUSTODY: "onhold",
        State.PRE_RELEASE: "active",
        State.MOVED_AWAY: "finished",
        State.DECEASED: "finished",
    }
)
"""The EpisodeOfCare status of each pathway state (see the module's table)."""

CONTRACT_STATUS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "unsigned": "executable",
        "signed": "executed",
        TerminationGround.COMPLETED.value: "terminated",
        TerminationGround.CLIENT_LEFT.value: "cancelled",
        TerminationGround.BREACH.value: "cancelled",
        TerminationGround.CENTER_LOST_QUALIFICATION.value: "cancelled",
    }
)
"""Contract status: ``executable`` while a party has not signed, ``executed`` once every
party signed, ``terminated`` when completed, ``cancelled`` when ended on any other
ground (FHIR: "terminated due to failure ... to fulfil one or more contract provisions")."""

REQUIRED_BINDINGS: Final[Mapping[str, Mapping[str, frozenset[str]]]] = MappingProxyType(
    {
        "Bundle": {
            "type": frozenset(
                [
                    "document",
                    "message",
                    "transaction",
                    "transaction-response",
                    "batch",
                    "batch-response",
                    "history",
                    "searchset",
                    "collection",
                ]
            ),
        },
        "CarePlan": {
            "status": frozenset(
                [
                    "draft",
                    "active",
                    "on-hold",
                    "revoked",
                    "completed",
                    "entered-in-error",
                    "unknown",
                ]
            ),
            "intent": frozenset(["proposal", "plan", "order", "option"]),
            "activity.detail.kind": frozenset(
                [
                    "Appointment",
                    "CommunicationRequest",
                    "DeviceRequest",
                    "MedicationRequest",
                    "NutritionOrder",
                    "Task",
                    "ServiceRequest",
                    "VisionPrescription",
                ]
            ),
            "activity.detail.status": frozenset(
                [
                    "not-started",
                    "scheduled",
                    "in-progress",
                    "on-hold",
                    "completed",
                    "cancelled",
                    "stopped",
                    "unknown",
                    "entered-in-error",
                ]
            ),
            "activity.detail.scheduledTiming.repeat.periodUnit": frozenset(
                ["s", "min", "h", "d", "wk", "mo", "a"]
            ),
        },
        "Goal": {
            "lifecycleStatus": frozenset(
                [
                    "proposed",
                    "planned",
                    "accepted",
                    "active",
                    "on-hold",
                    "completed",
                    "cancelled",
                    "entered-in-error",
                    "rejected",
                ]
            ),
        },
        "EpisodeOfCare": {
            "status": frozenset(
                [
                    "planned",
                    "waitlist",
                    "active",
                    "onhold",
                    "finished",
                    "cancelled",
                    "entered-in-error",
                ]
            ),
            "statusHistory.status": frozenset(
                [
                    "planned",
                    "waitlist",
                    "active",
                    "onhold",
                    "finished",
                    "cancelled",
                    "entered-in-error",
                ]
            ),
        },
        "ServiceRequest": {
            "status": frozenset(
                [
                    "draft",
                    "active",
                    "on-hold",
                    "revoked",
                    "completed",
                    "entered-in-error",
                    "unknown",
                ]
            ),
            "intent": frozenset(
                [
                    "proposal",
                    "plan",
                    "directive",
                    "order",
                    "original-order",
                    "reflex-order",
                    "filler-order",
                    "instance-order",
                    "option",
                ]
            ),
            "priority": frozenset(["routine", "urgent", "asap", "stat"]),
        },
        "Consent": {
            "status": frozenset(
                ["draft", "proposed", "active", "rejected", "inactive", "entered-in-error"]
            ),
            "provision.type": frozenset(["deny", "permit"]),
        },
        "Contract": {
            "status": frozenset(
                [
                    "amended",
                    "appended",
                    "cancelled",
                    "disputed",
                    "entered-in-error",
                    "executable",
                    "executed",
                    "negotiable",
                    "offered",
                    "policy",
                    "rejected",
                    "renewed",
                    "revoked",
                    "resolved",
                    "terminated",
                ]
            ),
        },
        "Patient": {
            "gender": frozenset(["male", "female", "other", "unknown"]),
            "name.use": frozenset(
                ["usual", "official", "temp", "nickname", "anonymous", "old", "maiden"]
            ),
        },
        "Organization": {},
        "HealthcareService": {},
    }
)
"""Required value-set bindings (FHIR R4) of the elements this module writes, which
``fhir.resources`` does not enforce: resource type, then element path (through lists),
then the allowed codes. :func:`validate` checks them."""

_FHIR_ID: Final = re.compile(r"[A-Za-z0-9.\-]{1,64}")
_NOT_ID_CHAR: Final = re.compile(r"[^A-Za-z0-9.\-]")
_BAD_SPACE: Final = re.compile(r"[^\S \r\n\t]")

_HL7: Final = "http://terminology.hl7.org/CodeSystem/"
_PSEUDONYMIZED: Final = {
    "system": f"{_HL7}v3-ObservationValue",
    "code": "PSEUDED",
    "display": "pseudonymized",
}
_RESTRICTED: Final = {
    "system": f"{_HL7}v3-Confidentiality",
    "code": "R",
    "display": "restricted",
}
_REFERRAL_CATEGORY: Final = {
    "system": "http://snomed.info/sct",
    "code": "3457005",
    "display": "Patient referral",
}
_CONSENT_SCOPE: Final = {
    "system": f"{_HL7}consentscope",
    "code": "treatment",
    "display": "Treatment",
}
_CONSENT_CATEGORY: Final = {
    "system": "http://loinc.org",
    "code": "59284-0",
    "display": "Patient Consent",
}
_OPT_IN: Final = {"system": f"{_HL7}v3-ActCode", "code": "OPTIN", "display": "opt-in"}
_PROVIDER_TYPE: Final = {
    "system": f"{_HL7}organization-type",
    "code": "prov",
    "display": "Healthcare Provider",
}
_SIGNATURE_TYPE: Final = {
    "system": "urn:iso-astm:E1762-95:2013",
    "code": "1.2.840.10065.1.12.1.7",
    "display": "Consent Signature",
}
_GOAL_PRIORITY: Final = f"{_HL7}goal-priority"
_PARTY_RESOURCE: Final = {
    PartyRole.PATRONAGE_BODY: "Organization",
    PartyRole.CLIENT: "Patient",
    PartyRole.CENTER: "Organization",
    PartyRole.CO_DEPENDENT: "RelatedPerson",
}
_STAGE_NAMES: Final = {
    Stage.IDENTIFICATION: "Identification and primary motivation",
    Stage.TREATMENT: "Treatment and intervention",
    Stage.SOCIAL_REHABILITATION: "Social rehabilitation",
    Stage.RESOCIALIZATION: "Resocialization and labour reintegration",
    Stage.PATRONAGE: "Post-rehabilitation patronage",
}


# --- small builders ------------------------------------------------------------------------


def code_system(name: str) -> str:
    """The URI of one of the library's code systems (a name of :data:`CODE_SYSTEMS`).

    >>> code_system("pathway-state")
    'https://resocialize.example/fhir/CodeSystem/pathway-state'
    """
    if name not in CODE_SYSTEMS:
        raise ValidationError.at("name", f"is not one of the library's code systems: {name!r}")
    return CODE_SYSTEM_BASE + name


def fhir_id(value: str) -> str:
    """A FHIR id for a library id: the id itself when FHIR allows it, else a stable
    replacement (characters outside ``[A-Za-z0-9.-]`` as ``-``, then 16 hex digits of
    the id's SHA-256).

    >>> fhir_id("case-1")
    'case-1'
    >>> fhir_id("program_7")
    'program-7-5f8a1d7b8cd70adc'
    """
    if not isinstance(value, str) or not value:
        raise ValidationError.at("value", "must be a non-empty string")
    if _FHIR_ID.fullmatch(value):
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{_NOT_ID_CHAR.sub('-', value)[:47]}-{digest}"


def _text(value: str) -> str:
    """A FHIR string: whitespace other than space, tab and line breaks becomes a space."""
    return _BAD_SPACE.sub(" ", value)


def _coding(system: str, code: str, display: str | None = None) -> Resource:
    coding: Resource = {"system": code_system(system), "code": code}
    if display:
        coding["display"] = _text(display)
    return coding


def _concept(system: str, code: str, display: str | None = None) -> Resource:
    return {"coding": [_coding(system, code, display)]}


def _identifier(kind: str, value: str) -> Resource:
    return {"system": IDENTIFIER_BASE + kind, "value": _text(value)}


def _reference(resource_type: str, library_id: str, kind: str | None = None) -> Resource:
    """A reference by FHIR id; with the library id as identifier when it had to change."""
    target = fhir_id(library_id)
    reference: Resource = {"reference": f"{resource_type}/{target}"}
    if target != library_id and kind is not None:
        reference["identifier"] = _identifier(kind, library_id)
    return reference


def _extension(name: str, **value: Any) -> Resource:
    return {"url": EXTENSION_BASE + name, **value}


def _datetime(value: datetime) -> str:
    """An aware datetime as a FHIR dateTime (offsets in whole minutes; else in UTC)."""
    offset = value.utcoffset()
    if offset is not None and (offset.seconds % 60 or offset.microseconds):
        value = value.astimezone(UTC)
    return value.isoformat()


def _day_instant(day: date) -> str:
    """A FHIR instant for a day known only by its date: midnight UTC of that day."""
    return f"{day.isoformat()}T00:00:00Z"


def _reason_concept(reason: Reason) -> Resource:
    return {"coding": [_coding("reason", reason.code)], "text": _text(reason.message)}


def _patient_reference(patient: object, client_id: str, path: str = "patient") -> Resource:
    """The Patient reference: by the pseudonymous client id, or the one given."""
    if patient is None:
        return _reference("Patient", client_id, "client")
    if isinstance(patient, str):
        if not patient.startswith("Patient/") or not _FHIR_ID.fullmatch(patient[8:]):
            raise ValidationError.at(path, "must be a reference like 'Patient/<id>'")
        return {"reference": patient}
    if isinstance(patient, Mapping):
        pid = patient.get("id")
        if patient.get("resourceType") != "Patient" or not isinstance(pid, str):
            raise ValidationError.at(path, "must be a Patient resource with an id")
        return {"reference": f"Patient/{pid}"}
    raise ValidationError.at(
        path, f"must be a Patient resource, a 'Patient/<id>' reference or None, not {patient!r}"
    )


def _check(path: str, value: object, kind: type) -> None:
    problem = instance_problem(kind)(value)
    if problem is not None:
        raise ValidationError.at(path, problem)


# --- Patient -------------------------------------------------------------------------------


def patient(
    client_id: str, identity: Identity | None = None, *, identifying: bool = False
) -> Resource:
    """The client as a Patient: only the pseudonymous client id, unless asked otherwise.

    Names, birth date, sex, documents and address are written only when
    ``identifying=True`` **and** an :class:`~resocialize.people.Identity` of this client
    is given (SE-04); the resource is then labelled restricted (``R``), and otherwise
    pseudonymized (``PSEUDED``).

    >>> from datetime import date
    >>> from resocialize.people import ClientId, Identity
    >>> person = Identity(ClientId("cl-1"), "Horvat", "Ana Marija", date(1990, 1, 2))
    >>> sorted(patient("cl-1", person))
    ['id', 'identifier', 'meta', 'resourceType']
    >>> patient("cl-1", person, identifying=True)["name"]
    [{'use': 'official', 'family': 'Horvat', 'given': ['Ana', 'Marija']}]
    """
    problems = Problems()
    problems.check("client_id", id_problem(client_id))
    problems.check("identifying", bool_problem(identifying))
    if identity is not None:
        if not isinstance(identity, Identity):
            problems.add("identity", f"must be an Identity or None, not {type(identity).__name__}")
        elif identity.client_id != client_id:
            problems.add("identity", "is the identity of another client")
    problems.raise_if_any()
    resource: Resource = {
        "resourceType": "Patient",
        "id": fhir_id(client_id),
        "meta": {"security": [dict(_PSEUDONYMIZED)]},
        "identifier": [_identifier("client", client_id)],
    }
    if not identifying or identity is None:
        return resource
    resource["meta"] = {"security": [dict(_RESTRICTED)]}
    resource["identifier"] += [_document(doc) for doc in identity.documents]
    resource["name"] = [
        {
            "use": "official",
            "family": _text(identity.family_name),
            "given": identity.given_names.split() or [_text(identity.given_names)],
        }
    ]
    if identity.sex is not Sex.UNRECORDED:
        resource["gender"] = identity.sex.value
    resource["birthDate"] = identity.birth_date.isoformat()
    if identity.address is not None:
        resource["address"] = [{"text": _text(identity.address)}]
    return resource


def _document(document: Any) -> Resource:
    identifier: Resource = {"type": {"text": _text(document.kind)}, "value": _text(document.number)}
    if document.issuer is not None:
        identifier["assigner"] = {"display": _text(document.issuer)}
    return identifier


# --- CarePlan and Goals --------------------------------------------------------------------


def _plan_id(program: IndividualProgram, version: int | None = None) -> str:
    return fhir_id(f"{program.id}-v{program.version if version is None else version}")


def _goal_ids(program: IndividualProgram) -> dict[str, str]:
    return {
        goal.code: fhir_id(f"{program.id}-v{program.version}-goal-{i + 1}")
        for i, goal in enumerate(program.goals)
    }


def _check_program(program: object) -> IndividualProgram:
    _check("program", program, IndividualProgram)
    assert isinstance(program, IndividualProgram)
    return program


def _priority(goal: Goal) -> Resource:
    level = goal.need.value
    code = "high-priority" if level >= 3 else "medium-priority" if level == 2 else "low-priority"
    display = {"high-priority": "High Priority", "medium-priority": "Medium Priority"}
    return {
        "coding": [
            {"system": _GOAL_PRIORITY, "code": code, "display": display.get(code, "Low Priority")}
        ]
    }


def goals(
    program: IndividualProgram, *, patient: str | Mapping[str, Any] | None = None
) -> list[Resource]:
    """The program's goals as Goal resources, in the program's order.

    Each goal is ``active``, with its domain (and assessed life domain) as category,
    its need as priority (critical and high: high; moderate: medium; low, none: low)
    and as the ``need`` extension, and what it rests on as notes. ``patient`` is as
    for :func:`care_plan`.
    """
    program = _check_program(program)
    subject = _patient_reference(patient, program.client_id)
    ids = _goal_ids(program)
    return [_goal(program, goal, ids[goal.code], subject) for goal in program.goals]


def _goal(program: IndividualProgram, goal: Goal, goal_id: str, subject: Resource) -> Resource:
    category = [_concept("service-domain", goal.domain.value)]
    if goal.life_domain is not None:
        category.append(_concept("life-domain", goal.life_domain.value))
    return {
        "resourceType": "Goal",
        "id": goal_id,
        "extension": [
            _extension(
                "need", valueCoding=_coding("need", str(goal.need.value), goal.need.name.lower())
            )
        ],
        "identifier": [_identifier("goal", f"{program.id}/v{program.version}/{goal.code}")],
        "lifecycleStatus": "active",
        "category": category,
        "priority": _priority(goal),
        "description": {
            "coding": [_coding("goal", goal.code)],
            "text": _text(goal.statement),
        },
        "subject": dict(subject),
        "startDate": program.start.isoformat(),
        "note": [{"text": _text(f"{r.message} [{r.code}]")} for r in goal.basis],
    }


def care_plan(
    program: IndividualProgram, *, patient: str | Mapping[str, Any] | None = None
) -> Resource:
    """The individual program as a CarePlan (status ``active``, intent ``plan``).

    ``patient`` names the Patient: by default ``Patient/<client id>``; a
    ``"Patient/<id>"`` reference or a Patient resource (from :func:`patient`) may be
    given instead. The goals are separate Goal resources (:func:`goals`) referenced as
    ``Goal/<id>``. Each activity is ``activity.detail`` (R4): the catalog's
    intervention as code, ``scheduled``, with ``scheduledTiming.repeat`` bounded by the
    activity's weeks (``boundsPeriod``, last day included) at ``frequency`` sessions a
    ``period`` of 1 week, its goals, its reasons, co-dependents as RelatedPerson
    performers, and the phase and providers as extensions. A later version
    ``replaces`` the one before; gaps the planner left are notes.

    >>> from datetime import date
    >>> from resocialize.assessment import Need, PotentialLevel
    >>> from resocialize.catalog import Provider, ServiceDomain
    >>> from resocialize.programs import Activity, Goal, IndividualProgram, PhaseSpan
    >>> from resocialize.records import Origin
    >>> from resocialize.rules import Reason
    >>> from resocialize.templates import Phase
    >>> why = (Reason("finding.employment", "employment: high need"),)
    >>> program = IndividualProgram(
    ...     "prog-1", "cl-7f3k", 2, Origin.COMMUNITY, "community", date(2026, 4, 6), "as-1",
    ...     PotentialLevel.MODERATE, (), (PhaseSpan(Phase.SOCIAL_REHABILITATION, 0, 12),),
    ...     (Goal("work", ServiceDomain.LABOUR, "Find and keep work", Need.HIGH, why),),
    ...     (Activity("labour_therapy", ("work",), Phase.SOCIAL_REHABILITATION, 2, 8, 3,
    ...               {Provider.CENTER}, why, name="Labour therapy"),),
    ...     (), "2026.1", date(2026, 4, 1))
    >>> plan = care_plan(program)
    >>> plan["id"], plan["status"], plan["intent"], plan["subject"]
    ('prog-1-v2', 'active', 'plan', {'reference': 'Patient/cl-7f3k'})
    >>> plan["replaces"]
    [{'reference': 'CarePlan/prog-1-v1'}]
    >>> plan["goal"], [goal["id"] for goal in goals(program)]
    ([{'reference': 'Goal/prog-1-v2-goal-1'}], ['prog-1-v2-goal-1'])
    >>> repeat = plan["activity"][0]["detail"]["scheduledTiming"]["repeat"]
    >>> repeat["boundsPeriod"], repeat["frequency"], repeat["period"], repeat["periodUnit"]
    ({'start': '2026-04-20', 'end': '2026-06-14'}, 3, 1, 'wk')
    """
    program = _check_program(program)
    subject = _patient_reference(patient, program.client_id)
    ids = _goal_ids(program)
    plan: Resource = {
        "resourceType": "CarePlan",
        "id": _plan_id(program),
        "identifier": [_identifier("program", f"{program.id}/v{program.version}")],
    }
    if program.version > 1:
        plan["replaces"] = [{"reference": f"CarePlan/{_plan_id(program, program.version - 1)}"}]
    plan.update(
        {
            "status": "active",
            "intent": "plan",
            "category": [
                _concept("origin", program.origin.value),
                _concept("program-template", program.template),
            ],
            "title": "Individual rehabilitation program",
            "subject": subject,
            "period": {
                "start": program.start.isoformat(),
                "end": (program.date_of(program.end_week) - timedelta(days=1)).isoformat(),
            },
            "created": program.made_on.isoformat(),
        }
    )
    if program.goals:
        plan["goal"] = [{"reference": f"Goal/{ids[g.code]}"} for g in program.goals]
    if program.activities:
        plan["activity"] = [_activity(program, a, ids) for a in program.activities]
    if program.gaps:
        plan["note"] = [{"text": _text(f"{r.message} [{r.code}]")} for r in program.gaps]
    return plan


def _activity(program: IndividualProgram, activity: Activity, ids: Mapping[str, str]) -> Resource:
    extensions = [_extension("phase", valueCoding=_coding("phase", activity.phase.value))]
    extensions += [
        _extension("provider", valueCoding=_coding("provider", p.value))
        for p in sorted(activity.providers)
    ]
    code: Resource = {"coding": [_coding("intervention", activity.intervention, activity.name)]}
    if activity.name:
        code["text"] = _text(activity.name)
    detail: Resource = {
        "extension": extensions,
        "kind": "ServiceRequest",
        "code": code,
        "reasonCode": [_reason_concept(r) for r in activity.reasons],
        "goal": [{"reference": f"Goal/{ids[c]}"} for c in activity.goals if c in ids],
        "status": "scheduled",
        "scheduledTiming": {
            "repeat": {
                "boundsPeriod": {
                    "start": program.date_of(activity.start_week).isoformat(),
                    "end": (program.date_of(activity.end_week) - timedelta(days=1)).isoformat(),
                },
                "frequency": activity.per_week,
                "period": 1,
                "periodUnit": "wk",
            }
        },
    }
    if not detail["goal"]:
        del detail["goal"]
    if activity.co_dependents:
        detail["performer"] = [
            _reference("RelatedPerson", cd, "co-dependent") for cd in activity.co_dependents
        ]
    if activity.name:
        detail["description"] = _text(activity.name)
    return {"detail": detail}


# --- EpisodeOfCare and ServiceRequest ------------------------------------------------------


def _check_case(case: object) -> Case:
    """The case, checked field by field: cases built by hand skip the pathway's checks."""
    _check("case", case, Case)
    assert isinstance(case, Case)
    problems = Problems()
    problems.check("case.id", id_problem(case.id))
    problems.check("case.client_id", id_problem(case.client_id))
    problems.check("case.state", member_problem(State)(case.state))
    problems.check("case.origin", member_problem(Origin)(case.origin))
    problems.check("case.since", instant_problem(case.since))
    problems.check("case.center_id", optional(id_problem)(case.center_id))
    problems.check("case.court_order", optional(instance_problem(CourtOrder))(case.court_order))
    if not isinstance(case.referrals, tuple):
        problems.add("case.referrals", "must be a tuple of referrals")
    else:
        for i, referral in enumerate(case.referrals):
            problems.check(f"case.referrals[{i}]", instance_problem(Referral)(referral))
    if not isinstance(case.history, tuple) or not case.history:
        problems.add("case.history", "must not be empty: build cases with identify and advance")
    else:
        for i, entry in enumerate(case.history):
            if not isinstance(entry, HistoryEntry):
                problems.add(f"case.history[{i}]", "must be a history entry")
                continue
            problems.check(f"case.history[{i}].at", instant_problem(entry.at))
            problems.check(f"case.history[{i}].target", member_problem(State)(entry.target))
    problems.raise_if_any()
    return case


def _state_periods(case: Case) -> list[tuple[State, datetime, datetime | None]]:
    """One (state, start, end) per change of pathway state, in order and contiguous."""
    periods: list[tuple[State, datetime, datetime | None]] = []
    for entry in case.history:
        if periods and periods[-1][0] is entry.target:
            continue
        if periods:
            state, start, _ = periods[-1]
            periods[-1] = (state, start, entry.at)
        periods.append((entry.target, entry.at, None))
    return periods


def _state_extension(state: State) -> Resource:
    return _extension("pathway-state", valueCoding=_coding("pathway-state", state.value))


def episode_of_care(case: Case) -> Resource:
    """The case as an EpisodeOfCare: status and statusHistory from the pathway.

    ``status`` maps the current state by :data:`EPISODE_STATUS`; ``statusHistory`` has
    one period per change of pathway state (entries that keep the state, such as a
    further referral, add none), in order and contiguous. The managing organization is
    the department of the agency that took up the first referral; ``referralRequest``
    names the ServiceRequest of every distinct referral (:func:`service_requests`); the origin
    is the type; the center of the last admission is the ``center`` extension. The
    episode's period ends when the case is closed (moved away, deceased).
    """
    case = _check_case(case)
    periods = _state_periods(case)
    history = []
    for state, start, end in periods:
        period = {"start": _datetime(start)}
        if end is not None:
            period["end"] = _datetime(end)
        history.append(
            {
                "extension": [_state_extension(state)],
                "status": EPISODE_STATUS[state],
                "period": period,
            }
        )
    extensions = [_state_extension(case.state)]
    if case.center_id is not None:
        extensions.append(
            _extension(
                "center", valueReference=_reference("Organization", case.center_id, "organization")
            )
        )
    episode: Resource = {
        "resourceType": "EpisodeOfCare",
        "id": fhir_id(case.id),
        "extension": extensions,
        "identifier": [_identifier("case", case.id)],
        "status": EPISODE_STATUS[case.state],
        "statusHistory": history,
        "type": [_concept("origin", case.origin.value)],
        "patient": _reference("Patient", case.client_id, "client"),
    }
    if case.referrals:
        episode["managingOrganization"] = _reference(
            "Organization", case.referrals[0].department, "organization"
        )
    period = {"start": _datetime(case.history[0].at)}
    if case.closed:
        period["end"] = _datetime(case.since)
    episode["period"] = period
    if case.referrals:
        episode["referralRequest"] = [
            {"reference": f"ServiceRequest/{_referral_id(case, i)}"} for i in _distinct(case)
        ]
    return episode


def _referral_id(case: Case, index: int) -> str:
    return fhir_id(f"{case.id}-referral-{index + 1}")


def _distinct(case: Case) -> list[int]:
    """The position of each distinct referral of the case (equal referrals are one)."""
    return [i for i, referral in enumerate(case.referrals) if case.referrals.index(referral) == i]


def service_requests(case: Case) -> list[Resource]:
    """Every referral of the case as a ServiceRequest (:func:`service_request`), in order;
    equal referrals (same source, day, department, referrer and note) are one request."""
    case = _check_case(case)
    return [service_request(case.referrals[i], case) for i in _distinct(case)]


def service_request(referral: Referral, case: Case) -> Resource:
    """A referral of the case as a ServiceRequest (intent ``order``).

    The request is for stage I (identification and individual work by the agency's
    department, the performer). ``status`` is ``active`` while the case is open and
    ``completed`` once it is closed. The referral source is a category beside SNOMED
    CT's "Patient referral"; the referring organization, where known, is the requester
    (the patient for a self-referral); a court's measure is the reason. The referral's
    free-text note is never exported. The referral must be one of the case's; its id
    is ``<case id>-referral-<n>``, n counting from 1 the case's referrals up to the
    first one equal to it.

    >>> from datetime import date, datetime, timezone
    >>> from resocialize.pathway import identify
    >>> from resocialize.records import Origin, Referral, ReferralSource
    >>> referral = Referral(ReferralSource.SELF, date(2026, 3, 1), "dept-north", note="Ana")
    >>> case = identify("case-1", "cl-7f3k", referral=referral, origin=Origin.COMMUNITY,
    ...                 at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc), by="officer-12")
    >>> request = service_request(referral, case)
    >>> request["id"], request["status"], request["requester"], "Ana" in str(request)
    ('case-1-referral-1', 'active', {'reference': 'Patient/cl-7f3k'}, False)
    """
    case = _check_case(case)
    _check("referral", referral, Referral)
    if referral not in case.referrals:
        raise ValidationError.at("referral", f"is not a referral of case {case.id}")
    index = case.referrals.index(referral)
    request: Resource = {
        "resourceType": "ServiceRequest",
        "id": _referral_id(case, index),
        "identifier": [_identifier("referral", f"{case.id}/{index + 1}")],
        "status": "completed" if case.closed else "active",
        "intent": "order",
        "category": [
            {"coding": [dict(_REFERRAL_CATEGORY)]},
            _concept("referral-source", referral.source.value),
        ],
        "code": _concept(
            "stage", str(Stage.IDENTIFICATION.value), _STAGE_NAMES[Stage.IDENTIFICATION]
        ),
        "subject": _reference("Patient", case.client_id, "client"),
        "authoredOn": referral.on.isoformat(),
    }
    if referral.referred_by is not None:
        request["requester"] = _reference("Organization", referral.referred_by, "organization")
    elif referral.source is ReferralSource.SELF:
        request["requester"] = _reference("Patient", case.client_id, "client")
    request["performer"] = [_reference("Organization", referral.department, "organization")]
    if referral.source is ReferralSource.COURT and case.court_order is not None:
        request["reasonCode"] = [_concept("court-measure", case.court_order.measure.value)]
    return request


# --- Consent -------------------------------------------------------------------------------


def consent(record: ClientRecord) -> Resource:
    """The client's informed consent (PW-04, RG-07) as a Consent.

    ``active`` while the client is enrolled, else ``inactive`` (withdrawn, purged, or
    reported again without a new enrolment). ``dateTime`` is when the consent was
    given; the permit provision's period starts then and ends at its withdrawal. The
    scope is treatment (consent to take part in rehabilitation), the category LOINC
    59284-0, the rule opt-in. A client who never gave consent has none to export
    (``consent.missing``); a merged record's consent is on the client it was merged
    into (``client.merged``): both refuse with :class:`~resocialize.errors.RuleViolation`.

    >>> import random
    >>> from datetime import date, datetime, timedelta, timezone
    >>> from resocialize.clients import ClientRegister, client, enrol, report, withdraw_consent
    >>> from resocialize.people import IdentityReport
    >>> from resocialize.records import Referral, ReferralSource
    >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    >>> reported = report(
    ...     ClientRegister(), IdentityReport("Horvat", "Ana", date(1990, 1, 2)),
    ...     Referral(ReferralSource.SELF, date(2026, 3, 1), "dept-north"),
    ...     secret=bytes(range(32)), at=at, by="agency-1", rng=random.Random(7))
    >>> cid = reported.client_id
    >>> consent(client(reported.register, cid))
    Traceback (most recent call last):
    ...
    resocialize.errors.RuleViolation: refused: client ... has not given informed consent ...
    >>> register = enrol(reported.register, cid, consent_at=at, at=at, by="agency-1")
    >>> given = consent(client(register, cid))
    >>> given["status"], given["dateTime"], given["provision"]["period"]
    ('active', '2026-03-02T09:00:00+00:00', {'start': '2026-03-02T09:00:00+00:00'})
    >>> register = withdraw_consent(register, cid, at=at + timedelta(days=40), by="agency-1")
    >>> consent(client(register, cid))["status"]
    'inactive'
    """
    _check("record", record, ClientRecord)
    problems = Problems()
    problems.check("record.id", id_problem(record.id))
    problems.check("record.status", member_problem(ClientStatus)(record.status))
    for name in ("consent_at", "withdrawn_at"):
        value = getattr(record, name)
        if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
            problems.add(f"record.{name}", "must be a timezone-aware datetime")
    problems.raise_if_any()
    if record.status is ClientStatus.MERGED:
        raise RuleViolation(
            [
                Reason(
                    "client.merged",
                    f"client {record.id} was merged into {record.merged_into}: export that one",
                    {"client_id": record.id, "merged_into": record.merged_into},
                )
            ]
        )
    given = record.consent_at
    if given is None:
        raise RuleViolation(
            [
                Reason(
                    "consent.missing",
                    f"client {record.id} has not given informed consent",
                    {"client_id": record.id},
                )
            ]
        )
    active = record.status is ClientStatus.ENROLLED
    period = {"start": _datetime(given)}
    withdrawn = record.withdrawn_at
    if not active and withdrawn is not None and withdrawn >= given:
        period["end"] = _datetime(withdrawn)
    return {
        "resourceType": "Consent",
        "id": fhir_id(f"{record.id}-consent"),
        "identifier": [_identifier("consent", record.id)],
        "status": "active" if active else "inactive",
        "scope": {"coding": [dict(_CONSENT_SCOPE)]},
        "category": [{"coding": [dict(_CONSENT_CATEGORY)]}],
        "patient": _reference("Patient", record.id, "client"),
        "dateTime": _datetime(given),
        "policyRule": {"coding": [dict(_OPT_IN)]},
        "provision": {"type": "permit", "period": period},
    }


# --- Organization and HealthcareService ----------------------------------------------------


def organization(center: Center) -> Resource:
    """A center as an Organization: type HL7 ``prov`` (healthcare provider) and its form
    of ownership; the name, the municipality as city, the address as text, and each
    licence as an identifier (its kind as type, valid period, issuer as assigner;
    ``use`` old once revoked)."""
    _check("center", center, Center)
    address: Resource = {"city": _text(center.municipality)}
    if center.address is not None:
        address = {"text": _text(center.address), **address}
    return {
        "resourceType": "Organization",
        "id": fhir_id(center.id),
        "identifier": [
            _identifier("organization", center.id),
            *(_licence(licence) for licence in center.licences),
        ],
        "type": [
            {"coding": [dict(_PROVIDER_TYPE)]},
            _concept("ownership-form", center.ownership.value),
        ],
        "name": _text(center.name),
        "address": [address],
    }


def _licence(licence: Licence) -> Resource:
    ends = [d for d in (licence.valid_until,) if d is not None]
    if licence.revoked_on is not None:
        ends.append(licence.revoked_on - timedelta(days=1))
    period: Resource = {"start": licence.valid_from.isoformat()}
    if ends:
        period["end"] = max(licence.valid_from, min(ends)).isoformat()
    identifier: Resource = {
        "use": "old" if licence.revoked_on is not None else "official",
        "type": _concept("licence-kind", licence.kind.value),
        "system": IDENTIFIER_BASE + "licence",
        "value": _text(licence.number),
        "period": period,
        "assigner": _reference("Organization", licence.issuer_id, "organization"),
    }
    return identifier


def healthcare_service(center: Center, program: Program) -> Resource:
    """A program of the center as a HealthcareService provided by the center's Organization.

    The stage is the category, the catalog technologies are the types, the setting a
    characteristic, the minimum age an eligibility; price (``valueMoney``, a
    ``Decimal``), places, duration in days and whether it gives medical services are
    extensions. The program must be one of the center's.
    """
    _check("center", center, Center)
    _check("program", program, Program)
    if program not in center.programs:
        raise ValidationError.at("program", f"is not a program of center {center.id}")
    service: Resource = {
        "resourceType": "HealthcareService",
        "id": fhir_id(f"{center.id}-{program.id}"),
        "extension": [
            _extension(
                "price",
                valueMoney={"value": program.price.amount, "currency": program.price.currency},
            ),
            _extension("places", valueUnsignedInt=program.places),
            _extension(
                "duration",
                valueDuration={
                    "value": program.duration_days,
                    "unit": "d",
                    "system": "http://unitsofmeasure.org",
                    "code": "d",
                },
            ),
            _extension("medical", valueBoolean=program.medical),
        ],
        "identifier": [_identifier("center-program", f"{center.id}/{program.id}")],
        "providedBy": _reference("Organization", center.id, "organization"),
        "category": [
            _concept("stage", str(program.stage.value), _STAGE_NAMES[program.stage]),
        ],
    }
    if program.technologies:
        service["type"] = [_concept("intervention", t) for t in sorted(program.technologies)]
    service["name"] = _text(
        f"{center.name}: stage {program.stage.roman}, {_STAGE_NAMES[program.stage].lower()}"
    )
    service["characteristic"] = [_concept("setting", program.setting.value)]
    service["eligibility"] = [
        {
            "code": _concept("eligibility", "minimum-age"),
            "comment": f"From {program.minimum_age} years of age",
        }
    ]
    return service


# --- Contract ------------------------------------------------------------------------------


def contract(social_contract: SocialContract) -> Resource:
    """The social contract (CF-02) as a Contract with every party.

    Each party is a term whose offer names the party with its role (the client as
    ``Patient/<client id>``, co-dependents as RelatedPerson, the patronage body and
    the center as Organization) and whose sub-terms are its obligations. Each party
    that signed is a signer with its signature; FHIR's ``Signature.when`` is an
    instant, so the day of signing is written as midnight UTC. The status follows
    :data:`CONTRACT_STATUS`; ``applies`` runs from the last signature to the
    termination; the certificate and the termination ground are extensions (the
    free-text why is not exported).

    >>> from datetime import date
    >>> from resocialize.contracts import Party, PartyRole, SocialContract, sign
    >>> sc = SocialContract("sc-1", "cl-1", "c-1", None, (
    ...     Party(PartyRole.PATRONAGE_BODY, "dept-north", ("follow the client up",)),
    ...     Party(PartyRole.CLIENT, "cl-1", ("stay sober",)),
    ...     Party(PartyRole.CENTER, "c-1")), (), date(2026, 3, 2))
    >>> contract(sc)["status"]
    'executable'
    >>> for party in ("dept-north", "cl-1", "c-1"):
    ...     sc = sign(sc, party, on=date(2026, 3, 3))
    >>> exported = contract(sc)
    >>> exported["status"], len(exported["signer"]), exported["applies"]
    ('executed', 3, {'start': '2026-03-03'})
    """
    _check("social_contract", social_contract, SocialContract)
    sc = social_contract
    signed = {s.party_id: s.signed_on for s in sc.signatures}
    if sc.termination is not None:
        status = CONTRACT_STATUS[sc.termination.ground.value]
    else:
        status = CONTRACT_STATUS["signed" if sc.signed else "unsigned"]
    extensions: list[Resource] = []
    if sc.certificate_id is not None:
        extensions.append(
            _extension("certificate", valueIdentifier=_identifier("certificate", sc.certificate_id))
        )
    if sc.termination is not None:
        extensions.append(
            _extension(
                "termination-ground",
                valueCoding=_coding("termination-ground", sc.termination.ground.value),
            )
        )
    resource: Resource = {"resourceType": "Contract", "id": fhir_id(sc.id)}
    if extensions:
        resource["extension"] = extensions
    resource["identifier"] = [_identifier("contract", sc.id)]
    resource["status"] = status
    resource["issued"] = sc.concluded_on.isoformat()
    signed_on = sc.signed_on
    if signed_on is not None or sc.terminated_on is not None:
        applies: Resource = {}
        if signed_on is not None:
            applies["start"] = signed_on.isoformat()
        if sc.terminated_on is not None:
            applies["end"] = sc.terminated_on.isoformat()
        resource["applies"] = applies
    resource["subject"] = [_reference("Patient", sc.client_id, "client")]
    resource["title"] = "Social contract"
    terms = []
    signers = []
    for party in sc.parties:
        who = _party_reference(party.role, party.party_id)
        role = _concept("contract-party-role", party.role.value)
        term: Resource = {"offer": {"party": [{"reference": [who], "role": role}]}}
        if party.obligations:
            term["group"] = [{"offer": {"text": _text(o)}} for o in party.obligations]
        terms.append(term)
        day = signed.get(party.party_id)
        if day is not None:
            signers.append(
                {
                    "type": _coding("contract-party-role", party.role.value),
                    "party": dict(who),
                    "signature": [
                        {
                            "type": [dict(_SIGNATURE_TYPE)],
                            "when": _day_instant(day),
                            "who": dict(who),
                        }
                    ],
                }
            )
    if signers:
        resource["signer"] = signers
    resource["term"] = terms
    return resource


def _party_reference(role: PartyRole, party_id: str) -> Resource:
    kind = {"Patient": "client", "RelatedPerson": "co-dependent"}.get(
        _PARTY_RESOURCE[role], "organization"
    )
    return _reference(_PARTY_RESOURCE[role], party_id, kind)


# --- Bundle, dumps, validate ---------------------------------------------------------------


def bundle(resources: Iterable[Mapping[str, Any]], *, base: str = BASE) -> Resource:
    """A ``collection`` Bundle of the resources, in order.

    Each resource with an id gets ``fullUrl`` ``<base>/<type>/<id>``, so the relative
    references between them (``Patient/cl-1``) resolve inside the bundle. A resource
    given twice (same type and id) is refused with its path.
    """
    if isinstance(resources, str | bytes | Mapping) or not isinstance(resources, Iterable):
        raise ValidationError.at("resources", "must be an iterable of resources")
    if not isinstance(base, str) or not base.startswith(("http://", "https://", "urn:")):
        raise ValidationError.at("base", "must be an absolute URL")
    problems = Problems()
    entries: list[Resource] = []
    seen: dict[str, int] = {}
    for i, resource in enumerate(resources):
        path = f"resources[{i}]"
        kind = resource.get("resourceType") if isinstance(resource, Mapping) else None
        if not isinstance(kind, str) or not kind:
            problems.add(path, "must be a resource: a mapping with a resourceType")
            continue
        entry: Resource = {}
        rid = resource.get("id")
        if rid is not None:
            if not isinstance(rid, str) or not _FHIR_ID.fullmatch(rid):
                problems.add(f"{path}.id", "must be a FHIR id")
                continue
            full = f"{base.rstrip('/')}/{kind}/{rid}"
            if full in seen:
                problems.add(path, f"repeats resources[{seen[full]}] ({kind}/{rid})")
                continue
            seen[full] = i
            entry["fullUrl"] = full
        entry["resource"] = dict(resource)
        entries.append(entry)
    problems.raise_if_any()
    result: Resource = {"resourceType": "Bundle", "type": "collection"}
    if entries:
        result["entry"] = entries
    return result


def dumps(resource: Mapping[str, Any], *, indent: int | None = None) -> str:
    """The resource as JSON text; a ``Decimal`` is written as an exact JSON number.

    ``Decimal('180000.50')`` becomes ``180000.50`` (not a string, not a float), so
    ``json.loads(text, parse_float=Decimal)`` gives the amount back exactly. A float,
    a non-finite decimal or any value that is not JSON is refused with its path.

    >>> from decimal import Decimal
    >>> dumps({"valueMoney": {"value": Decimal("180000.50"), "currency": "RUB"}})
    '{"valueMoney": {"value": 180000.50, "currency": "RUB"}}'
    """
    if not isinstance(resource, Mapping):
        raise ValidationError.at("resource", "must be a mapping")
    if indent is not None and (isinstance(indent, bool) or not isinstance(indent, int)):
        raise ValidationError.at("indent", "must be a whole number or None")
    return "".join(_encode(resource, "$", indent, 0))


def _encode(value: object, path: str, indent: int | None, level: int) -> Iterator[str]:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError.at(path, f"must be a finite number, not {value}")
        yield str(value)
    elif isinstance(value, float):
        raise ValidationError.at(path, "must not be a float: use Decimal for exact amounts")
    elif value is None or isinstance(value, str | int | bool):
        yield json.dumps(value, ensure_ascii=False)
    elif isinstance(value, Mapping | list | tuple):
        yield from _encode_container(value, path, indent, level)
    else:
        raise ValidationError.at(path, f"cannot be written as JSON: {type(value).__name__}")


def _encode_container(
    value: Mapping[Any, Any] | Sequence[Any], path: str, indent: int | None, level: int
) -> Iterator[str]:
    is_map = isinstance(value, Mapping)
    opening, closing = ("{", "}") if is_map else ("[", "]")
    if not value:
        yield opening + closing
        return
    if indent is None:
        newline, inner, outer, item_sep = "", "", "", ", "
    else:
        newline = "\n"
        inner = " " * (indent * (level + 1))
        outer = " " * (indent * level)
        item_sep = ","
    yield opening
    if is_map:
        assert isinstance(value, Mapping)
        items: Iterable[tuple[str, object, str]] = (
            (key, item, f"{path}.{key}") for key, item in value.items()
        )
    else:
        items = (("", item, f"{path}[{i}]") for i, item in enumerate(value))
    for n, (key, item, where) in enumerate(items):
        if n:
            yield item_sep
        yield newline + inner
        if is_map:
            if not isinstance(key, str):
                raise ValidationError.at(where, "keys must be strings")
            yield json.dumps(key, ensure_ascii=False) + ": "
        yield from _encode(item, where, indent, level + 1)
    yield newline + outer + closing


def validate(resource: Mapping[str, Any]) -> None:
    """Check a resource against the FHIR R4 models of ``fhir.resources`` and the required
    bindings of :data:`REQUIRED_BINDINGS`; every problem is reported at once, with its
    path, in one :class:`~resocialize.errors.ValidationError`.

    Needs the ``fhir`` extra (``pip install resocialize[fhir]``); without it raises
    :class:`ImportError` saying so. Exporting needs no extra.
    """
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError as error:  # pragma: no cover - the extra is installed in development
        raise ImportError(
            "validating FHIR resources needs fhir.resources: pip install resocialize[fhir]"
        ) from error
    if not isinstance(resource, Mapping):
        raise ValidationError.at(
            "$", f"must be a resource (a mapping), not {type(resource).__name__}"
        )
    kind = resource.get("resourceType")
    if not isinstance(kind, str):
        raise ValidationError.at("resourceType", "must name a FHIR resource type")
    try:
        model = get_fhir_model_class(kind)
    except Exception:
        raise ValidationError.at(
            "resourceType", f"is not a FHIR R4 resource type: {kind!r}"
        ) from None
    problems = Problems()
    try:
        model.model_validate(dict(resource))
    except Exception as error:
        problems.items.extend(_model_problems(error))
    _binding_problems(resource, "", problems)
    problems.raise_if_any()


def _model_problems(error: Exception) -> list[FieldProblem]:
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return [FieldProblem("$", f"is not a valid FHIR resource: {error!r}")]
    found = []
    for item in errors():
        path = _path(item.get("loc", ()))
        message = str(item.get("msg", "is not valid"))
        found.append(FieldProblem(path, message))
    return found or [FieldProblem("$", "is not a valid FHIR resource")]


def _path(loc: Sequence[object]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path or "$"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _values_at(value: object, parts: Sequence[str], path: str) -> Iterator[tuple[str, object]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _values_at(item, parts, f"{path}[{i}]")
        return
    if not parts:
        yield path, value
        return
    if isinstance(value, Mapping) and parts[0] in value:
        yield from _values_at(value[parts[0]], parts[1:], _join(path, parts[0]))


def _binding_problems(resource: Mapping[str, Any], path: str, problems: Problems) -> None:
    kind = resource.get("resourceType")
    for element, allowed in REQUIRED_BINDINGS.get(str(kind), {}).items():
        for where, code in _values_at(resource, element.split("."), path):
            if not isinstance(code, str) or code not in allowed:
                problems.add(
                    where,
                    f"must be a code of the required value set ({', '.join(sorted(allowed))}),"
                    f" not {code!r}",
                )
    contained = resource.get("contained")
    if isinstance(contained, list):
        for i, item in enumerate(contained):
            if isinstance(item, Mapping):
                _binding_problems(item, f"{_join(path, 'contained')}[{i}]", problems)
    entries = resource.get("entry") if kind == "Bundle" else None
    if isinstance(entries, list):
        for i, entry in enumerate(entries):
            inner = entry.get("resource") if isinstance(entry, Mapping) else None
            if isinstance(inner, Mapping):
                _binding_problems(inner, f"{_join(path, 'entry')}[{i}].resource", problems)
