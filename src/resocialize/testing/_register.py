"""Hypothesis strategies for qualification results and the register of centers."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from resocialize.clients import ClientRegister, enrol, report, withdraw_consent
from resocialize.errors import RuleViolation
from resocialize.qualification import CriterionOutcome, QualificationResult
from resocialize.register import EMPTY_REGISTER, CenterRegister, RegisterEvent, apply, decide
from resocialize.rules import Reason

from ._centers import center_ids, centers
from ._people import identity_reports, linkage_secrets
from .strategies import referrals

__all__ = [
    "center_registers",
    "client_registers",
    "criterion_outcomes",
    "qualification_results",
]

_DECISIONS = [e for e in RegisterEvent if e not in (RegisterEvent.APPLY, RegisterEvent.UPDATE)]


def criterion_outcomes(passed: bool | None = None) -> st.SearchStrategy[CriterionOutcome]:
    """Outcomes of one criterion, passed or failed (or either)."""
    flags = st.booleans() if passed is None else st.just(passed)
    return st.builds(
        lambda code, ok: CriterionOutcome(
            code,
            f"criterion {code}",
            ok,
            Reason(f"criterion.{'met' if ok else 'unmet'}", f"{code} {'met' if ok else 'unmet'}"),
        ),
        st.sampled_from(["certification.valid", "staff.psychologists", "findings.human_rights"]),
        flags,
    )


def qualification_results(
    center_id: str | None = None, on: date | None = None, qualified: bool | None = None
) -> st.SearchStrategy[QualificationResult]:
    """Qualification results; ``qualified=True`` gives results where every criterion passed."""
    outcomes = st.lists(
        criterion_outcomes(True if qualified else None),
        min_size=1,
        max_size=3,
        unique_by=lambda o: o.code,
    )
    if qualified is False:
        outcomes = (
            st.tuples(criterion_outcomes(False), outcomes)
            .map(lambda p: [p[0], *p[1]])
            .map(lambda items: list({o.code: o for o in items}.values()))
            .filter(lambda items: not all(o.passed for o in items))
        )
    return st.builds(
        QualificationResult,
        st.just(center_id) if center_id else center_ids(),
        st.just(on) if on else st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 1, 1)),
        outcomes.map(tuple),
    )


@st.composite
def center_registers(
    draw: st.DrawFn, max_centers: int = 3, max_decisions: int = 8
) -> CenterRegister:
    """Registers built by applications and random decisions along the register's chart.

    Decisions that the chart refuses are skipped, so every register is valid by construction.
    """
    register = EMPTY_REGISTER
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for center in draw(st.lists(centers(), max_size=max_centers, unique_by=lambda c: c.id)):
        register = apply(register, center, at=at, by="agency-1")
    for _ in range(draw(st.integers(0, max_decisions))):
        if not register.entries:
            break
        center_id = draw(st.sampled_from(sorted(register.entries)))
        at += timedelta(days=draw(st.integers(0, 90)))
        event = draw(st.sampled_from(_DECISIONS))
        result = draw(qualification_results(center_id, at.date(), qualified=draw(st.booleans())))
        try:
            register = decide(
                register,
                center_id,
                event,
                at=at,
                by="agency-1",
                why="decision",
                qualification=result,
            )
        except RuleViolation:
            continue
    return register


@st.composite
def client_registers(draw: st.DrawFn, max_reports: int = 4) -> ClientRegister:
    """Client registers built by reports (some of the same person), enrolments and withdrawals."""
    secret = draw(linkage_secrets())
    rng = random.Random(draw(st.integers(0, 2**32)))
    register = ClientRegister()
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    people = draw(st.lists(identity_reports(), min_size=1, max_size=max_reports))
    for person in people:
        at += timedelta(days=draw(st.integers(0, 30)))
        referral = draw(referrals(on=at.date()))
        register = report(
            register, person, referral, secret=secret, at=at, by="police-1", rng=rng
        ).register
    for client_id in sorted(register.clients):
        at += timedelta(days=1)
        step = draw(st.sampled_from(["keep", "enrol", "enrol_and_withdraw"]))
        if step == "keep":
            continue
        try:
            register = enrol(register, client_id, consent_at=at, at=at, by="agency-1")
            if step == "enrol_and_withdraw":
                register = withdraw_consent(register, client_id, at=at, by="agency-1")
        except RuleViolation:
            continue
    return register
