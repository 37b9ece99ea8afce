"""resocialize: the public systems that bring people with addictions back into society.

The public API, in one namespace. The pathway chart (python-statemachine) and the
JSON layer (cattrs) load on first use, so importing the package stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import FieldProblem, PermissionDenied, ResocializeError, RuleViolation, ValidationError
from .facts import NO_FACTS, CenterStanding, CertificateStanding, ContractStanding, Facts
from .money import CurrencyMismatch, Money
from .organizations import Organization, OwnershipForm, Partners, Role
from .pathway import (
    DEFAULT_RULES,
    STAGE_OF,
    Case,
    CourtNotice,
    Event,
    HistoryEntry,
    NoticeKind,
    PathwayRules,
    Stage,
    State,
    Step,
    advance,
    allowed_events,
    diagram,
    explain,
    identify,
    pathway_table,
    replay,
)
from .people import (
    ClientId,
    CoDependent,
    Identity,
    IdentityDocument,
    IdentityReport,
    LinkageKey,
    linkage_keys,
    new_client_id,
    same_person,
)
from .records import (
    CourtMeasure,
    CourtOrder,
    DiagnosisRecord,
    LabourOutcome,
    LabourResult,
    MedicalHelp,
    MedicalHelpKind,
    Opening,
    Origin,
    Placement,
    ProgramRecord,
    Record,
    Referral,
    ReferralSource,
)
from .rules import ALLOWED, Decision, Reason, all_of, check, refuse

if TYPE_CHECKING:
    from .serialization import from_document, from_json, to_document, to_json

__all__ = [
    "ALLOWED",
    "DEFAULT_RULES",
    "NO_FACTS",
    "STAGE_OF",
    "Case",
    "CenterStanding",
    "CertificateStanding",
    "ClientId",
    "CoDependent",
    "ContractStanding",
    "CourtMeasure",
    "CourtNotice",
    "CourtOrder",
    "CurrencyMismatch",
    "Decision",
    "DiagnosisRecord",
    "Event",
    "Facts",
    "FieldProblem",
    "HistoryEntry",
    "Identity",
    "IdentityDocument",
    "IdentityReport",
    "LabourOutcome",
    "LabourResult",
    "LinkageKey",
    "MedicalHelp",
    "MedicalHelpKind",
    "Money",
    "NoticeKind",
    "Opening",
    "Organization",
    "Origin",
    "OwnershipForm",
    "Partners",
    "PathwayRules",
    "PermissionDenied",
    "Placement",
    "ProgramRecord",
    "Reason",
    "Record",
    "Referral",
    "ReferralSource",
    "ResocializeError",
    "Role",
    "RuleViolation",
    "Stage",
    "State",
    "Step",
    "ValidationError",
    "__version__",
    "advance",
    "all_of",
    "allowed_events",
    "check",
    "diagram",
    "explain",
    "from_document",
    "from_json",
    "identify",
    "linkage_keys",
    "new_client_id",
    "pathway_table",
    "refuse",
    "replay",
    "same_person",
    "to_document",
    "to_json",
]

_LAZY = {
    "to_json": "serialization",
    "from_json": "serialization",
    "to_document": "serialization",
    "from_document": "serialization",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'resocialize' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
