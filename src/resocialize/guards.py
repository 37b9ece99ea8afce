"""The guards of the pathway: each named condition the chart puts on a transition.

A guard is a pure function ``(case, facts, at, rules) -> tuple[Reason, ...]``
returning a reason for every part of its condition that is unmet, and nothing
when the condition holds. The chart (:mod:`resocialize.chart`) names guards on
its transitions; the compiled table calls these functions; the live chart calls
them through condition methods built from :data:`GUARDS`, so both evaluate the
same rule.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Final

from .organizations import OwnershipForm
from .records import Origin
from .rules import Reason

if TYPE_CHECKING:
    from .facts import Facts
    from .pathway import Case, PathwayRules

__all__ = ["GUARDS", "Guard", "add_months"]

Guard = Callable[["Case", "Facts", datetime, "PathwayRules"], tuple[Reason, ...]]
"""The signature of a guard."""

_MET: Final[tuple[Reason, ...]] = ()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clipped to the month's end (31 Jan + 1 = 28/29 Feb).

    >>> add_months(date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    >>> add_months(date(2025, 3, 15), 12)
    datetime.date(2026, 3, 15)
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def consent_given(
    case: Case, facts: Facts, at: datetime, rules: PathwayRules
) -> tuple[Reason, ...]:
    """Informed consent is active (PW-04)."""
    if case.consent_since is not None:
        return _MET
    return (Reason("consent.missing", "informed consent is not given (or was withdrawn)"),)


def consent_absent(
    case: Case, facts: Facts, at: datetime, rules: PathwayRules
) -> tuple[Reason, ...]:
    """Consent is not already active (giving it twice is a mistake worth reporting)."""
    if case.consent_since is None:
        return _MET
    return (
        Reason(
            "consent.already_given",
            "informed consent is already given",
            {"since": case.consent_since.isoformat()},
        ),
    )


def program_recorded(
    case: Case, facts: Facts, at: datetime, rules: PathwayRules
) -> tuple[Reason, ...]:
    """An individual program is recorded on the case (PW-05)."""
    if case.program_id is not None:
        return _MET
    return (Reason("program.missing", "no individual program is recorded for the client"),)


def certificate_valid(
    case: Case, facts: Facts, at: datetime, rules: PathwayRules
) -> tuple[Reason, ...]:
    """A valid certificate of this client, placed with the center (PW-05, CF-04)."""
    cert = facts.certificate
    if cert is None:
        return (Reason("certificate.missing", "no certificate is presented"),)
    reasons: list[Reason] = []
    ident = {"certificate": cert.certificate_id}
    if cert.client_id != case.client_id:
        reasons.append(
            Reason(
                "certificate.other_client",
                "the certificate was issued to another client and cannot be transferred",
                ident,
            )
        )
    if not cert.active:
        reasons.append(Reason("certificate.inactive", "the certificate is no longer active", ident))
    day = at.date()
    if day < cert.valid_from:
        reasons.append(
            Reason(
                "certificate.not_yet_valid",
                f"the certificate is valid only from {cert.valid_from.isoformat()}",
                {**ident, "valid_from": cert.valid_from.isoformat()},
            )
        )
    if day > cert.valid_until:
        reasons.append(
            Reason(
                "certificate.expired",
                f"the certificate expired on {cert.valid_until.isoformat()}",
                {**ident, "valid_until": cert.valid_until.isoformat()},
            )
        )
    if cert.center_id is None:
        reasons.append(
            Reason("certificate.not_placed", "the certificate is not placed with a center", ident)
        )
    elif facts.center is not None and cert.center_id != facts.center.center_id:
        reasons.append(
            Reason(
                "certificate.placed_elsewhere",
                "the certificate is placed with another center",
                {**ident, "placed_with": cert.center_id, "center": facts.center.center_id},
            )
        )
    return tuple(reasons)


def contract_signed(
    case: Case, facts: Facts, at: datetime, rules: PathwayRules
) -> tuple[Reason, ...]:
    """A social contract of this client with the center, signed by every party (PW-05, CF-02)."""
    contract = facts.contract
    if contract is None:
        return (Reason("contract.missing", "no social contract is presented"),)
    reasons: list[Reason] = []
    ident = {"contract": contract.contract_id}
    if contract.client_id != case.client_id:
        reasons.append(
            Reason("contract.other_client", "the social contract binds another client", ident)
        )
    if facts.center is not None and contract.center_id != facts.center.center_id:
        reasons.append(
            Reason(
                "contract.other_center",
                "the social contract binds another center",
                {**ident, "contracted": contract.center_id, "center": facts.center.center_id},
            )
        )
    if not contract.signed:
        reasons.append(
            Reason("contract.unsigned", "the social contract is not signed by every party", ident)
        )
    return tuple(reasons)


def center_admits(
    case: Case, facts: Facts, at: datetime, rules: PathwayRules
) -> tuple[Reason, ...]:
    """The center is in the register, qualified on the date, runs a stage III program and
    has a free place (PW-05)."""
    center = facts.center
    if center is None:
        return (Reason("center.missing", "no center is chosen"),)
    reasons: list[Reason] = []
    ident = {"center": center.center_id, "on": at.date().isoformat()}
    if not center.in_register:
        reasons.append(
            Reason("center.not_in_register", "the center is not in the register of centers", ident)
        )
    if not center.qualified:
        reasons.append(
            Reason("center.not_qualified", "the center is not qualified on the date", ident)
        )
    if not center.runs_stage_iii_program:
        reasons.append(
            Reason("center.no_stage_iii_program", "the center runs no stage III program", ident)
        )
    if center.free_places < 1:
        reasons.append(Reason("center.no_free_place", "the center has no free place", ident))
    return tuple(reasons)


def minor_in_state_center(
    case: Case, facts: Facts, at: datetime, rules: PathwayRules
) -> tuple[Reason, ...]:
    """A minor is served by a state center (PW-10), unless the region's rules say otherwise."""
    center = facts.center
    if (
        not case.minor
        or not rules.minors_in_state_centers_only
        or center is None
        or center.ownership is OwnershipForm.STATE
    ):
        return _MET
    return (
        Reason(
            "minor.state_center_required",
            "a minor is served by a state center",
            {"center": center.center_id, "ownership": center.ownership.value},
        ),
    )


def center_changes(
    case: Case, facts: Facts, at: datetime, rules: PathwayRules
) -> tuple[Reason, ...]:
    """A transfer goes to another center than the current one (CF-03)."""
    center = facts.center
    if center is None or center.center_id != case.center_id:
        return _MET
    return (
        Reason(
            "transfer.same_center",
            "the client is already in this center",
            {"center": center.center_id},
        ),
    )


_DIRECT_ENTRY: Final = frozenset({Origin.THERAPEUTIC_COMMUNITY, Origin.OUTPATIENT, Origin.PRISON})


def origin_allows_direct_entry(
    case: Case, facts: Facts, at: datetime, rules: PathwayRules
) -> tuple[Reason, ...]:
    """Only therapeutic-community graduates, outpatients and people released from prison
    enter stage IV straight from treatment (PW-14); others go through stage III."""
    if case.origin in _DIRECT_ENTRY:
        return _MET
    return (
        Reason(
            "origin.stage_iii_required",
            "a client from the community goes through social rehabilitation (stage III) first",
            {"origin": case.origin.value},
        ),
    )


def remission_period_elapsed(
    case: Case, facts: Facts, at: datetime, rules: PathwayRules
) -> tuple[Reason, ...]:
    """The configured time in patronage without relapse has passed (PW-07)."""
    due = add_months(case.since.date(), rules.remission_months)
    # compare calendar days in one offset: the one patronage began in
    if at.astimezone(case.since.tzinfo).date() >= due:
        return _MET
    return (
        Reason(
            "remission.too_early",
            f"sustained remission needs {rules.remission_months} months in patronage "
            f"without relapse, reached on {due.isoformat()}",
            {"due": due.isoformat(), "months": rules.remission_months},
        ),
    )


def _supplied(field: str) -> Guard:
    def guard(case: Case, facts: Facts, at: datetime, rules: PathwayRules) -> tuple[Reason, ...]:
        if getattr(facts, field) is not None:
            return _MET
        return (Reason("facts.missing", f"the event needs facts.{field}", {"field": field}),)

    guard.__name__ = f"{field}_supplied"
    guard.__doc__ = f"The event's facts carry ``{field}``."
    return guard


GUARDS: Final[Mapping[str, Guard]] = {
    guard.__name__: guard
    for guard in (
        consent_given,
        consent_absent,
        program_recorded,
        certificate_valid,
        contract_signed,
        center_admits,
        minor_in_state_center,
        center_changes,
        origin_allows_direct_entry,
        remission_period_elapsed,
        _supplied("referral"),
        _supplied("program_id"),
        _supplied("assessment_id"),
        _supplied("medical_help"),
        _supplied("labour_outcome"),
    )
}
"""Every guard by the name the chart uses for it."""
