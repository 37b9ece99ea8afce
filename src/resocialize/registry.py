"""The registers of the regional system, in one place (RG-01 to RG-09).

The agency keeps two registers (seed 001): the register of qualified centers of
every form of ownership, and the register of clients. Each idea lives in its own
module; this one gathers their public names and joins them where a case worker
needs them together:

- :mod:`resocialize.centers`: centers, programs, staff, licences, certifications,
  inspections (RG-01, RG-03, RG-05);
- :mod:`resocialize.qualification`: criteria as data and :func:`qualify` (RG-02, RG-06);
- :mod:`resocialize.effectiveness`: completion, retention, remission per center (RG-06);
- :mod:`resocialize.register`: the register's lifecycle and its state on any date (RG-04);
- :mod:`resocialize.clients`: the client register, enrolment with consent, linkage (RG-07);
- :mod:`resocialize.choice`: the centers a client may choose from, and allocation (RG-08);
- :mod:`resocialize.organizations`: the partners of the regional system (RG-09).

:func:`choices_on` answers "which centers may this client choose from today?" from
the register itself: included on the date, qualified against the region's criteria
on the date, running a suitable program with a free place. :func:`standing_on` gives
the :class:`~resocialize.facts.CenterStanding` the pathway's admission guard reads
(PW-05), computed from the same register.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Final

from .centers import (
    Center,
    CertificateStatus,
    Certification,
    CertificationChange,
    ChangeKind,
    Finding,
    FindingArea,
    Inspection,
    Licence,
    LicenceKind,
    Program,
    Qualification,
    Scheme,
    Setting,
    Severity,
    StaffCount,
)
from .choice import (
    Allocated,
    Allocation,
    Choice,
    ChoiceList,
    Excluded,
    Needs,
    Option,
    Request,
    Waiting,
    allocate,
    choices_for,
    choose,
    standing_for,
)
from .clients import (
    ClientRecord,
    ClientRegister,
    ClientStatus,
    enrol,
    enrolled_on,
    find,
    purge,
    report,
    report_many,
    resolve,
    withdraw_consent,
)
from .effectiveness import Effectiveness, effectiveness, effectiveness_by_center
from .errors import ValidationError
from .facts import CenterStanding
from .organizations import Organization, OwnershipForm, Partners, Role
from .qualification import (
    CriteriaSet,
    Criterion,
    CriterionOutcome,
    QualificationResult,
    criteria_from_json,
    criteria_from_toml,
    default_criteria,
    load_criteria,
    qualify,
    qualify_many,
)
from .register import (
    EMPTY_REGISTER,
    CenterRegister,
    RegisterChange,
    RegisterEntry,
    RegisterEvent,
    RegisterState,
    apply,
    center_on,
    decide,
    included_on,
    status_on,
    update_center,
)

__all__ = [
    "EMPTY_REGISTER",
    "Allocated",
    "Allocation",
    "Center",
    "CenterRegister",
    "CenterStanding",
    "CertificateStatus",
    "Certification",
    "CertificationChange",
    "ChangeKind",
    "Choice",
    "ChoiceList",
    "ClientRecord",
    "ClientRegister",
    "ClientStatus",
    "CriteriaSet",
    "Criterion",
    "CriterionOutcome",
    "Effectiveness",
    "Excluded",
    "Finding",
    "FindingArea",
    "Inspection",
    "Licence",
    "LicenceKind",
    "Needs",
    "Option",
    "Organization",
    "OwnershipForm",
    "Partners",
    "Program",
    "Qualification",
    "QualificationResult",
    "RegisterChange",
    "RegisterEntry",
    "RegisterEvent",
    "RegisterState",
    "Request",
    "Role",
    "Scheme",
    "Setting",
    "Severity",
    "StaffCount",
    "Waiting",
    "allocate",
    "apply",
    "center_on",
    "centers_on",
    "choices_for",
    "choices_on",
    "choose",
    "criteria_from_json",
    "criteria_from_toml",
    "decide",
    "default_criteria",
    "effectiveness",
    "effectiveness_by_center",
    "enrol",
    "enrolled_on",
    "find",
    "included_on",
    "load_criteria",
    "purge",
    "qualified_on",
    "qualify",
    "qualify_many",
    "report",
    "report_many",
    "resolve",
    "standing_for",
    "standing_on",
    "status_on",
    "update_center",
    "withdraw_consent",
]

_NOTHING: Final[Mapping[tuple[str, str], int]] = MappingProxyType({})


def centers_on(register: CenterRegister, on: date) -> tuple[Center, ...]:
    """Every center that had applied by ``on``, with its data as recorded on that day."""
    found = (center_on(register, center_id, on) for center_id in sorted(register.entries))
    return tuple(center for center in found if center is not None)


def qualified_on(
    register: CenterRegister,
    on: date,
    *,
    criteria: CriteriaSet | None = None,
    effectiveness_by_center: Mapping[str, Effectiveness] | None = None,
) -> Mapping[str, QualificationResult]:
    """The qualification of every center included on ``on``, against ``criteria``
    (the region's, or :func:`default_criteria`), with their data of that day."""
    included = included_on(register, on)
    centers = [c for c in centers_on(register, on) if c.id in included]
    return qualify_many(
        centers,
        criteria if criteria is not None else default_criteria(),
        on=on,
        effectiveness_by_center=effectiveness_by_center,
    )


def choices_on(
    register: CenterRegister,
    needs: Needs,
    *,
    on: date,
    criteria: CriteriaSet | None = None,
    occupied: Mapping[tuple[str, str], int] = _NOTHING,
    effectiveness_by_center: Mapping[str, Effectiveness] | None = None,
) -> ChoiceList:
    """The programs a client may choose from on ``on``, read from the register (RG-08).

    A center is offered when it is included in the register on the date, qualifies on
    the date against ``criteria`` and runs a suitable program with a free place
    (``occupied`` counts the places taken per (center id, program id)). The list never
    chooses for the client; see :func:`~resocialize.choice.choices_for`.
    """
    results = qualified_on(
        register, on, criteria=criteria, effectiveness_by_center=effectiveness_by_center
    )
    return choices_for(
        needs,
        centers_on(register, on),
        on=on,
        registered=included_on(register, on),
        qualified=frozenset(cid for cid, result in results.items() if result.qualified),
        occupied=occupied,
    )


def standing_on(
    register: CenterRegister,
    center_id: str,
    program_id: str,
    *,
    on: date,
    criteria: CriteriaSet | None = None,
    occupied: Mapping[tuple[str, str], int] = _NOTHING,
    effectiveness_by_center: Mapping[str, Effectiveness] | None = None,
) -> CenterStanding:
    """How a center stands on ``on`` for admission to one of its programs (PW-05).

    This is what :func:`resocialize.pathway.advance` reads, in
    :class:`~resocialize.facts.Facts`, to admit a client to stage III.
    """
    center = center_on(register, center_id, on)
    if center is None:
        raise ValidationError.at(
            "center_id", f"center {center_id!r} had not applied to the register by {on}"
        )
    registered = included_on(register, on)
    measured = (effectiveness_by_center or {}).get(center_id)
    qualified = (
        center_id in registered
        and qualify(
            center,
            criteria if criteria is not None else default_criteria(),
            on=on,
            effectiveness=measured,
        ).qualified
    )
    return standing_for(
        center,
        program_id,
        on=on,
        registered=registered,
        qualified=frozenset({center_id}) if qualified else frozenset(),
        occupied=occupied,
    )
