"""A guided walk of one client along the pathway, on embedded example data.

``resocialize demo --walk`` prints it. It is also the first example of the README: a
court-referred client identified by the police, motivated, treated, refused
admission while the paperwork is missing (with every reason), admitted to a
chosen center, through resocialization and patronage into sustained remission,
with the court told of completion and remission, and the history replayed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

from .errors import RuleViolation
from .facts import CenterStanding, CertificateStanding, ContractStanding, Facts
from .organizations import OwnershipForm
from .pathway import Case, Event, Step, advance, identify, replay
from .records import (
    CourtMeasure,
    CourtOrder,
    LabourOutcome,
    MedicalHelp,
    MedicalHelpKind,
    Origin,
    Referral,
    ReferralSource,
)

__all__ = ["walk"]

_MSK = timezone(timedelta(hours=3), "MSK")


def walk(start: datetime | None = None) -> Iterator[str]:
    """Lines of the story of one client's pathway, from identification to remission."""
    at = start or datetime(2026, 1, 12, 10, 0, tzinfo=_MSK)
    officer = "agency/dept-central/officer-4"
    order = CourtOrder(
        "court-district-2", "1-118/2026", date(2026, 1, 9), CourtMeasure.ALTERNATIVE_TO_PUNISHMENT
    )
    case = identify(
        "case-2026-0001",
        "cl-q3m8x2c7",
        referral=Referral(
            ReferralSource.COURT, date(2026, 1, 9), "dept-central", "court-district-2"
        ),
        origin=Origin.COMMUNITY,
        at=at,
        by=officer,
        court_order=order,
    )
    yield f"{_day(case.since)}  identified by a court order ({order.measure.value}), stage I"

    def step(event: Event, days: int, facts: Facts | None = None, note: str = "") -> Step:
        nonlocal case, at
        at = at + timedelta(days=days)
        done = advance(case, event, at=at, by=officer, facts=facts or Facts(), reason=note or None)
        case = done.case
        where = f"{case.state.value}" + (f" (stage {case.stage.roman})" if case.stage else "")
        yield_line = f"{_day(at)}  {event.value:<24} -> {where}"
        lines.append(yield_line + (f"  # {note}" if note else ""))
        lines.extend(
            f"            notice to {n.court_id}: {n.kind.value} (order {n.order_reference})"
            for n in done.notices
        )
        return done

    lines: list[str] = []
    step(Event.ENGAGE, 3, note="low-threshold motivation work")
    step(Event.START_TREATMENT, 14)
    step(
        Event.RECORD_MEDICAL_HELP,
        2,
        Facts(
            medical_help=MedicalHelp(
                MedicalHelpKind.DETOXIFICATION, (at + timedelta(days=2)).date()
            )
        ),
    )
    step(Event.GIVE_CONSENT, 5, note="informed consent")
    step(Event.RECORD_PROGRAM, 2, Facts(program_id="irp-2026-0001"), note="individual program")
    yield from lines
    lines.clear()

    center = CenterStanding("center-svet", True, True, True, 4, OwnershipForm.NON_GOVERNMENTAL)
    certificate = CertificateStanding(
        "cert-2026-0042", case.client_id, date(2026, 2, 1), date(2026, 8, 1)
    )
    try:
        advance(
            case,
            Event.ADMIT,
            at=at + timedelta(days=1),
            by=officer,
            facts=Facts(center=center, certificate=certificate),
        )
    except RuleViolation as refusal:
        yield f"{_day(at + timedelta(days=1))}  admit refused, every reason given:"
        yield from (f"            - {r.message} [{r.code}]" for r in refusal.reasons)

    placed = Facts(
        certificate=CertificateStanding(
            "cert-2026-0042", case.client_id, date(2026, 2, 1), date(2026, 8, 1), "center-svet"
        ),
        contract=ContractStanding("contract-2026-0042", case.client_id, "center-svet", signed=True),
        center=center,
    )
    step(Event.ADMIT, 8, placed, note="the client chose center-svet")
    step(Event.COMPLETE_REHABILITATION, 180)
    step(Event.COMPLETE_RESOCIALIZATION, 120, Facts(labour_outcome=LabourOutcome.EMPLOYED))
    step(Event.ACHIEVE_REMISSION, 366, note="12 months in patronage without relapse")
    yield from lines
    rebuilt: Case = replay(case.history)
    yield ""
    yield f"{case.version} events recorded; replayed history equals the case: {rebuilt == case}"


def _day(at: datetime) -> str:
    return at.date().isoformat()
