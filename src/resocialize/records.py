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

from ._checks import day, member_of, optional_text, text

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
class Referral:
    """Who identified the client, when, and which department of the agency took it up (PW-01)."""

    source: ReferralSource = attrs.field(validator=member_of(ReferralSource))
    on: date = attrs.field(validator=day)
    department: str = attrs.field(validator=text)
    """The responsible department of the agency (a municipal department, usually)."""
    referred_by: str | None = attrs.field(default=None, validator=optional_text)
    """The referring organization's id, where known."""
    note: str | None = attrs.field(default=None, validator=optional_text)


@attrs.frozen(weakref_slot=False)
class CourtOrder:
    """A court's order of treatment and rehabilitation; the court is told of refusal,
    dropout and completion (PW-11)."""

    court_id: str = attrs.field(validator=text)
    reference: str = attrs.field(validator=text)
    issued_on: date = attrs.field(validator=day)
    measure: CourtMeasure = attrs.field(validator=member_of(CourtMeasure))


@attrs.frozen(weakref_slot=False)
class Opening:
    """The record that opens a case: who the client is (pseudonymously) and how they came."""

    case_id: str = attrs.field(validator=text)
    client_id: str = attrs.field(validator=text)
    origin: Origin = attrs.field(validator=member_of(Origin))
    referral: Referral = attrs.field(validator=attrs.validators.instance_of(Referral))
    minor: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    court_order: CourtOrder | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(CourtOrder))
    )


@attrs.frozen(weakref_slot=False)
class ProgramRecord:
    """An individual program was recorded for the case (PW-04: only with consent)."""

    program_id: str = attrs.field(validator=text)


@attrs.frozen(weakref_slot=False)
class DiagnosisRecord:
    """A socio-psychological diagnosis (assessment) was recorded (PW-03)."""

    assessment_id: str = attrs.field(validator=text)


@attrs.frozen(weakref_slot=False)
class MedicalHelp:
    """Medical help given at stage II (PW-03): what, when, by whom."""

    kind: MedicalHelpKind = attrs.field(validator=member_of(MedicalHelpKind))
    on: date = attrs.field(validator=day)
    provider_id: str | None = attrs.field(default=None, validator=optional_text)


@attrs.frozen(weakref_slot=False)
class Placement:
    """The client was admitted to a center with a certificate and a social contract (PW-05)."""

    center_id: str = attrs.field(validator=text)
    certificate_id: str = attrs.field(validator=text)
    contract_id: str = attrs.field(validator=text)


@attrs.frozen(weakref_slot=False)
class LabourResult:
    """The outcome of stage IV (PW-06)."""

    outcome: LabourOutcome = attrs.field(validator=member_of(LabourOutcome))


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
