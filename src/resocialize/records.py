"""What a case's history records: referrals, court orders, placements and outcomes.

These are the payloads of pathway events. Each is a small frozen value that the
history keeps, so that :func:`resocialize.pathway.replay` can rebuild a case
from its history alone. :data:`Record` is the tagged union of them all (the
JSON tag of each is in :data:`RECORD_TAGS`, stable across versions).
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Final

import attrs

from ._checks import (
    Checked,
    bool_problem,
    checked,
    date_problem,
    instance_problem,
    member_problem,
    optional,
    text_problem,
)

__all__ = [
    "RECORD_TAGS",
    "CourtMeasure",
    "CourtOrder",
    "DiagnosisRecord",
    "LabourOutcome",
    "LabourResult",
    "MedicalHelp",
    "MedicalHelpKind",
    "Opening",
    "Origin",
    "Placement",
    "ProgramRecord",
    "Record",
    "Referral",
    "ReferralSource",
]


class ReferralSource(enum.StrEnum):
    """Who identified the client at stage I (PW-01, seed 001)."""

    SOCIAL_SERVICE = "social_service"
    """A district social service, in its daily work."""
    MEDICAL_SCREENING = "medical_screening"
    """A preventive medical examination with a biological-fluid test (schools included)."""
    LAW_ENFORCEMENT = "law_enforcement"
    """Police, road safety and the penal system."""
    DRUG_TREATMENT_SERVICE = "drug_treatment_service"
    """The drug treatment (narcology) service."""
    LOW_THRESHOLD_NGO = "low_threshold_ngo"
    """An NGO working where users gather (low-threshold center)."""
    COURT = "court"
    """A court ordering treatment and rehabilitation (additional measure or alternative)."""
    PRISON_PROBATION = "prison_probation"
    """A prison or probation service."""
    FAMILY = "family"
    """Family members or other close people (co-dependents)."""
    SELF = "self"
    """The client came on their own."""


class Origin(enum.StrEnum):
    """Where the client comes from; the route differs by origin (PW-14, seed 003)."""

    COMMUNITY = "community"
    """Identified in the community, with no completed treatment behind them."""
    THERAPEUTIC_COMMUNITY = "therapeutic_community"
    """A graduate of a therapeutic community: needs continuity of work and social competences."""
    OUTPATIENT = "outpatient"
    """Treated as an outpatient: needs daily work activities, retraining and job search."""
    PRISON = "prison"
    """Released from prison: work starts before release; rights and post-penal support."""


class CourtMeasure(enum.StrEnum):
    """What a court ordered (seed 001)."""

    ADDITIONAL_MEASURE = "additional_measure"
    ALTERNATIVE_TO_PUNISHMENT = "alternative_to_punishment"


class MedicalHelpKind(enum.StrEnum):
    """Medical help at stage II (PW-03)."""

    CONSULTATION = "consultation"
    DIAGNOSTICS = "diagnostics"
    DETOXIFICATION = "detoxification"
    COMORBIDITY = "comorbidity"


class LabourOutcome(enum.StrEnum):
    """The outcome recorded when stage IV is completed (PW-06)."""

    EMPLOYED = "employed"
    IN_EDUCATION = "in_education"
    IN_TRAINING = "in_training"
    NEITHER = "neither"


@attrs.frozen(weakref_slot=False)
class Referral(Checked):
    """Who identified the client, when, and which department of the agency took it up (PW-01)."""

    source: ReferralSource = attrs.field(metadata=checked(member_problem(ReferralSource)))
    on: date = attrs.field(metadata=checked(date_problem))
    department: str = attrs.field(metadata=checked(text_problem))
    """The responsible department of the agency (a municipal department, usually)."""
    referred_by: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    """The referring organization's id, where known."""
    note: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))


@attrs.frozen(weakref_slot=False)
class CourtOrder(Checked):
    """A court's order of treatment and rehabilitation; the court is told of refusal,
    dropout and completion (PW-11)."""

    court_id: str = attrs.field(metadata=checked(text_problem))
    reference: str = attrs.field(metadata=checked(text_problem))
    issued_on: date = attrs.field(metadata=checked(date_problem))
    measure: CourtMeasure = attrs.field(metadata=checked(member_problem(CourtMeasure)))


@attrs.frozen(weakref_slot=False)
class Opening(Checked):
    """The record that opens a case: who the client is (pseudonymously) and how they came."""

    case_id: str = attrs.field(metadata=checked(text_problem))
    client_id: str = attrs.field(metadata=checked(text_problem))
    origin: Origin = attrs.field(metadata=checked(member_problem(Origin)))
    referral: Referral = attrs.field(metadata=checked(instance_problem(Referral)))
    minor: bool = attrs.field(default=False, metadata=checked(bool_problem))
    court_order: CourtOrder | None = attrs.field(
        default=None, metadata=checked(optional(instance_problem(CourtOrder)))
    )


@attrs.frozen(weakref_slot=False)
class ProgramRecord(Checked):
    """An individual program was recorded for the case (PW-04: only with consent)."""

    program_id: str = attrs.field(metadata=checked(text_problem))


@attrs.frozen(weakref_slot=False)
class DiagnosisRecord(Checked):
    """A socio-psychological diagnosis (assessment) was recorded (PW-03)."""

    assessment_id: str = attrs.field(metadata=checked(text_problem))


@attrs.frozen(weakref_slot=False)
class MedicalHelp(Checked):
    """Medical help given at stage II (PW-03): what, when, by whom."""

    kind: MedicalHelpKind = attrs.field(metadata=checked(member_problem(MedicalHelpKind)))
    on: date = attrs.field(metadata=checked(date_problem))
    provider_id: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))


@attrs.frozen(weakref_slot=False)
class Placement(Checked):
    """The client was admitted to a center with a certificate and a social contract (PW-05)."""

    center_id: str = attrs.field(metadata=checked(text_problem))
    certificate_id: str = attrs.field(metadata=checked(text_problem))
    contract_id: str = attrs.field(metadata=checked(text_problem))


@attrs.frozen(weakref_slot=False)
class LabourResult(Checked):
    """The outcome of stage IV (PW-06)."""

    outcome: LabourOutcome = attrs.field(metadata=checked(member_problem(LabourOutcome)))


Record = (
    Opening | Referral | ProgramRecord | DiagnosisRecord | MedicalHelp | Placement | LabourResult
)
"""Every payload a history entry may carry."""

RECORD_TAGS: Final[dict[type[object], str]] = {
    Opening: "opening",
    Referral: "referral",
    ProgramRecord: "program",
    DiagnosisRecord: "diagnosis",
    MedicalHelp: "medical_help",
    Placement: "placement",
    LabourResult: "labour_result",
}
"""Stable JSON tags of the record kinds (never class names, so classes may be renamed)."""
