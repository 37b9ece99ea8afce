"""The register, qualification, choice and the pathway, joined as a case worker meets them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from _builders import BY, CLIENT, in_treatment
from resocialize.errors import RuleViolation
from resocialize.facts import CertificateStanding, ContractStanding, Facts
from resocialize.money import Money
from resocialize.pathway import Event, Stage, State, advance
from resocialize.registry import (
    EMPTY_REGISTER,
    Center,
    CenterRegister,
    Certification,
    Finding,
    FindingArea,
    Inspection,
    Needs,
    OwnershipForm,
    Program,
    Qualification,
    RegisterEvent,
    Scheme,
    Severity,
    StaffCount,
    apply,
    choices_on,
    decide,
    default_criteria,
    qualified_on,
    qualify,
    standing_on,
    update_center,
)

APPLIED = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
INCLUDED = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
INSPECTED = datetime(2026, 2, 20, 10, 0, tzinfo=UTC)
DAY = date(2026, 3, 10)


def center(center_id: str, ownership: OwnershipForm = OwnershipForm.NON_GOVERNMENTAL) -> Center:
    return Center(
        center_id,
        f"Center {center_id}",
        ownership,
        "North",
        programs=[Program("p-iii", Stage.SOCIAL_REHABILITATION, 180, Money.of(180_000, "RUB"), 10)],
        staff=[
            StaffCount(Qualification.PSYCHOLOGIST, 1),
            StaffCount(Qualification.SPECIALIST_IN_SOCIAL_WORK, 1),
        ],
        certifications=[
            Certification(
                "cert-" + center_id,
                "body-1",
                Scheme.VOLUNTARY_SCHEME,
                date(2025, 1, 1),
                date(2028, 1, 1),
            )
        ],
    )


def abuse(on: date) -> Inspection:
    return Inspection(
        "insp-1",
        on,
        "prosecutor-1",
        [
            Finding(
                "hr-1",
                FindingArea.HUMAN_RIGHTS,
                Severity.SERIOUS,
                "clients held against their will",
            )
        ],
    )


def region() -> CenterRegister:
    register = EMPTY_REGISTER
    for cid in ("svet", "nadezhda", "put"):
        register = apply(register, center(cid), at=APPLIED, by="agency-1")
    for cid in ("svet", "nadezhda"):
        result = qualify(center(cid), default_criteria(), on=INCLUDED.date())
        register = decide(
            register,
            cid,
            RegisterEvent.INCLUDE,
            at=INCLUDED,
            by="agency-1",
            why="qualified",
            qualification=result,
        )
    # state control finds a serious human-rights violation at nadezhda after inclusion
    inspected = attrs.evolve(center("nadezhda"), inspections=(abuse(INSPECTED.date()),))
    return update_center(register, inspected, at=INSPECTED, by="inspectorate-1", why="inspection")


@pytest.mark.req("RG-08")
@pytest.mark.req("RG-05")
def test_choices_come_from_the_register_qualified_on_the_day() -> None:
    register = region()
    choices = choices_on(register, Needs(Stage.SOCIAL_REHABILITATION, 30, "North"), on=DAY)
    assert [o.center_id for o in choices.options] == ["svet"]
    assert not choices.enough and choices.notice is not None
    excluded = {e.center_id: [r.code for r in e.reasons] for e in choices.excluded}
    assert set(excluded) == {"nadezhda", "put"}
    results = qualified_on(register, DAY)
    assert not results["nadezhda"].qualified
    assert [o.code for o in results["nadezhda"].failed] == ["findings.human_rights"]


@pytest.mark.req("PW-05")
def test_admission_reads_the_real_register_and_refuses_a_center_that_lost_qualification() -> None:
    register = region()
    case = in_treatment()
    at = case.history[-1].at + timedelta(days=1)

    def facts_for(cid: str) -> Facts:
        return Facts(
            certificate=CertificateStanding(
                "cert-1", CLIENT, date(2026, 1, 1), date(2027, 1, 1), cid
            ),
            contract=ContractStanding("contract-1", CLIENT, cid, signed=True),
            center=standing_on(register, cid, "p-iii", on=at.date()),
        )

    with pytest.raises(RuleViolation) as refused:
        advance(case, Event.ADMIT, at=at, by=BY, facts=facts_for("nadezhda"))
    assert refused.value.codes == ("center.not_qualified",)
    with pytest.raises(RuleViolation) as not_included:
        advance(case, Event.ADMIT, at=at, by=BY, facts=facts_for("put"))
    assert not_included.value.codes == ("center.not_in_register", "center.not_qualified")
    admitted = advance(case, Event.ADMIT, at=at, by=BY, facts=facts_for("svet")).case
    assert admitted.state is State.SOCIAL_REHABILITATION and admitted.center_id == "svet"
