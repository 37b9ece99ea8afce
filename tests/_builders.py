"""Small builders of cases and facts for the pathway tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
from hypothesis import strategies as st

from resocialize.facts import CenterStanding, CertificateStanding, ContractStanding, Facts
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Case, Event, advance, identify
from resocialize.records import CourtMeasure, CourtOrder, Origin, Referral, ReferralSource

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BY = "agency/officer-1"
CLIENT = "cl-test0001"
CENTER = "center-1"
ORDER = CourtOrder("court-1", "1-1/2026", date(2026, 2, 1), CourtMeasure.ADDITIONAL_MEASURE)


def opened(
    *,
    origin: Origin = Origin.COMMUNITY,
    minor: bool = False,
    court: bool = False,
    source: ReferralSource = ReferralSource.SOCIAL_SERVICE,
) -> Case:
    return identify(
        "case-1",
        CLIENT,
        referral=Referral(source, T0.date(), "dept-1"),
        origin=origin,
        at=T0,
        by=BY,
        minor=minor,
        court_order=ORDER if court else None,
    )


def run(case: Case, *events: Event, facts: Facts | None = None, days: int = 1) -> Case:
    """Apply events one after another, each ``days`` after the last recorded one."""
    for event in events:
        at = case.history[-1].at + timedelta(days=days)
        case = advance(case, event, at=at, by=BY, facts=facts or Facts()).case
    return case


def in_treatment(**kwargs: object) -> Case:
    """A case in treatment with consent and an individual program."""
    case = run(opened(**kwargs), Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT)  # type: ignore[arg-type]
    return run(case, Event.RECORD_PROGRAM, facts=Facts(program_id="irp-1"))


def admission(
    *,
    client: str = CLIENT,
    center: str = CENTER,
    placed_with: str | None = CENTER,
    valid_from: date = date(2026, 1, 1),
    valid_until: date = date(2027, 1, 1),
    active: bool = True,
    contract_client: str = CLIENT,
    contract_center: str = CENTER,
    signed: bool = True,
    in_register: bool = True,
    qualified: bool = True,
    stage_iii: bool = True,
    places: int = 3,
    ownership: OwnershipForm = OwnershipForm.NON_GOVERNMENTAL,
) -> Facts:
    """Facts for admission to stage III; every one of them satisfied by default."""
    return Facts(
        certificate=CertificateStanding(
            "cert-1", client, valid_from, valid_until, placed_with, active
        ),
        contract=ContractStanding("contract-1", contract_client, contract_center, signed),
        center=CenterStanding(center, in_register, qualified, stage_iii, places, ownership),
    )


def any_facts() -> st.SearchStrategy[Facts]:
    """Facts that meet or break every guard's conditions, each independently."""
    from resocialize.records import LabourOutcome, MedicalHelp, MedicalHelpKind

    admissions = st.builds(
        admission,
        client=st.sampled_from([CLIENT, "cl-other"]),
        center=st.sampled_from([CENTER, "center-2"]),
        placed_with=st.sampled_from([CENTER, "center-2", None]),
        valid_from=st.sampled_from([date(2020, 1, 1), date(2030, 1, 1)]),
        valid_until=st.sampled_from([date(2030, 12, 31), date(2040, 1, 1)]),
        active=st.booleans(),
        contract_client=st.sampled_from([CLIENT, "cl-other"]),
        contract_center=st.sampled_from([CENTER, "center-2"]),
        signed=st.booleans(),
        in_register=st.booleans(),
        qualified=st.booleans(),
        stage_iii=st.booleans(),
        places=st.integers(0, 2),
        ownership=st.sampled_from(list(OwnershipForm)),
    )
    referral = Referral(ReferralSource.FAMILY, date(2020, 1, 1), "dept-2")
    return st.builds(
        lambda base, *extra: attrs.evolve(
            base,
            referral=extra[0],
            program_id=extra[1],
            assessment_id=extra[2],
            medical_help=extra[3],
            labour_outcome=extra[4],
        ),
        st.one_of(st.just(Facts()), admissions),
        st.sampled_from([None, referral]),
        st.sampled_from([None, "irp-2"]),
        st.sampled_from([None, "assess-2"]),
        st.sampled_from([None, MedicalHelp(MedicalHelpKind.DIAGNOSTICS, date(2020, 1, 1))]),
        st.sampled_from([None, *LabourOutcome]),
    )
