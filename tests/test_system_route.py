"""The regional system's whole route: the register of centers, funds, consent and the client
register, certificates, choice, the social contract, admission, claims and payments,
follow-ups and the court (SE-01 to SE-04, issue 7)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from _region import qualifying_center, social_contract
from resocialize import funding as funds
from resocialize._region import FundingIndex
from resocialize.access import Actor, Permission
from resocialize.centers import (
    Center,
    Finding,
    FindingArea,
    Inspection,
    Severity,
)
from resocialize.certificates import Course
from resocialize.choice import Needs
from resocialize.contracts import SocialContract, TerminationGround
from resocialize.errors import PermissionDenied, RuleViolation
from resocialize.exports import read_export
from resocialize.facts import Facts
from resocialize.followups import FollowUpOutcome, FollowUpRecord
from resocialize.journal import journal_from_json_lines, verify
from resocialize.labour import EducationLevel, LabourProfile, Vacancy
from resocialize.ledger import FundingSource, SourceKind, available, paid
from resocialize.money import Money
from resocialize.organizations import Role
from resocialize.pathway import Event, NoticeKind, Stage, State
from resocialize.people import Identity, IdentityReport
from resocialize.records import (
    CourtMeasure,
    CourtOrder,
    LabourOutcome,
    LabourResult,
    Origin,
    Referral,
    ReferralSource,
)
from resocialize.redemption import Claim
from resocialize.register import RegisterEvent, RegisterState
from resocialize.storage import SQLiteStore, open_store
from resocialize.system import RegionalSystem
from resocialize.tariffs import Milestone, default_tariffs
from test_storage_postgres import fresh_database

T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
AGENCY = Actor("agency-1", Role.AGENCY, "officer-2")
DEPARTMENT = Actor("dept-1", Role.MUNICIPAL_DEPARTMENT, "worker-7")
HEALTH = Actor("health-1", Role.HEALTH, "doctor-4")
COURT = Actor("court-1", Role.COURT, "judge-3")
OTHER_COURT = Actor("court-9", Role.COURT, "judge-9")
POLICE = Actor("police-1", Role.LAW_ENFORCEMENT, "officer-6")
SVET = Actor("svet", Role.REHABILITATION_CENTER, "manager-5")
PUT = Actor("put", Role.REHABILITATION_CENTER, "manager-8")
SECRET = b"region-linkage-secret-0123456789"
ORDER = CourtOrder("court-1", "1-118/2026", T0.date(), CourtMeasure.ALTERNATIVE_TO_PUNISHMENT)
NEEDS = Needs(Stage.SOCIAL_REHABILITATION, 30, "North")
REGIONAL = FundingSource("regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET)


def rub(amount: int) -> Money:
    return Money.of(amount, "RUB")


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def center(center_id: str) -> Center:
    return qualifying_center(center_id)


@pytest.fixture(params=["sqlite", "postgres"])
def region(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RegionalSystem]:
    """The region on each store: an SQLite file, and a fresh PostgreSQL database (skipped
    with its reason when no server is given, outside CI)."""
    if request.param == "sqlite":
        with SQLiteStore(tmp_path / "region.sqlite") as store:
            yield RegionalSystem(store, linkage_secret=SECRET)
        return
    with fresh_database() as url, open_store(url) as store:
        yield RegionalSystem(store, linkage_secret=SECRET)


def snapshot(region: RegionalSystem) -> list[Any]:
    """Everything the store holds: the journal and every stored aggregate of every kind."""
    kinds = (
        "case",
        "center",
        "contract",
        "claim",
        "funding",
        "clients",
        "follow_up",
        "notices",
        "identity",
        "exports",
    )
    return [list(region.store.entries())] + [list(region.store.aggregates(k)) for k in kinds]


def register_centers(region: RegionalSystem) -> None:
    for actor in (SVET, PUT):
        region.apply_center(actor, center(actor.organization_id), at=at(-10))
    for cid in ("svet", "put"):
        region.decide_center(AGENCY, cid, RegisterEvent.INCLUDE, at=at(-9), why="qualified")


def fund(region: RegionalSystem) -> None:
    region.appropriate_funds(AGENCY, REGIONAL, 2026, rub(1_000_000), at=at(-8), reference="law-26")


def client_in_treatment(region: RegionalSystem) -> str:
    """A court-referred client reported, motivated, treated, consenting and enrolled."""
    referral = Referral(ReferralSource.COURT, T0.date(), "dept-1", "court-1")
    reported = region.report_client(
        COURT, IdentityReport("Petrov", "Ivan", date(1990, 5, 1)), referral, at=T0
    )
    region.identify(
        COURT,
        at=T0,
        case_id="case-1",
        client_id=reported.client_id,
        referral=referral,
        origin=Origin.COMMUNITY,
        court_order=ORDER,
    )
    region.advance(AGENCY, "case-1", Event.ENGAGE, at=at(1))
    region.advance(HEALTH, "case-1", Event.START_TREATMENT, at=at(2))
    region.record_consent(DEPARTMENT, "case-1", at=at(3))
    region.enrol(DEPARTMENT, "case-1", consent_at=at(3), at=at(3))
    region.advance(
        AGENCY, "case-1", Event.RECORD_PROGRAM, at=at(4), facts=Facts(program_id="irp-1")
    )
    return reported.client_id


def contract_of(client_id: str, center_id: str = "svet") -> SocialContract:
    return social_contract(
        client_id,
        center_id,
        certificate_id="cert-1",
        contract_id=f"contract-{center_id}",
        on=at(5).date(),
    )


def issue(region: RegionalSystem, actor: Actor) -> None:
    """``actor`` issues case-1's client a 180,000 RUB certificate on the Rostov tariff."""
    region.issue_certificate(
        actor,
        "cert-1",
        case_id="case-1",
        course=Course.SOCIAL_REHABILITATION,
        face_value=rub(180_000),
        split={"regional": rub(180_000)},
        valid_from=at(5).date(),
        valid_until=at(300).date(),
        tariff=default_tariffs()["rostov_certificate"],
        at=at(5),
    )


def certified_and_placed(region: RegionalSystem, client_id: str) -> None:
    issue(region, AGENCY)
    region.propose_contract(DEPARTMENT, contract_of(client_id), case_id="case-1", at=at(5))
    region.sign_contract(DEPARTMENT, "contract-svet", "dept-1", at=at(5))
    region.sign_contract(DEPARTMENT, "contract-svet", client_id, at=at(5))
    region.sign_contract(SVET, "contract-svet", "svet", at=at(5))
    region.place(
        DEPARTMENT,
        "cert-1",
        case_id="case-1",
        needs=NEEDS,
        center_id="svet",
        program_id="p-iii",
        contract_id="contract-svet",
        at=at(6),
    )


@pytest.mark.req("SE-01")
@pytest.mark.req("PW-05")
@pytest.mark.req("CF-05")
def test_a_court_referred_client_is_funded_admitted_and_the_center_paid(
    region: RegionalSystem,
) -> None:
    register_centers(region)
    fund(region)
    client_id = client_in_treatment(region)
    assert region.clients().clients[client_id].enrolled
    certified_and_placed(region, client_id)
    step = region.admit(SVET, "case-1", center_id="svet", program_id="p-iii", at=at(7))
    assert step.case.state is State.SOCIAL_REHABILITATION
    assert region.funding().book.certificate("cert-1").state.value == "in_service"
    claim = Claim("claim-1", "cert-1", "svet", client_id, Milestone.ADMISSION, None, at(7).date())
    region.claim_payment(SVET, claim, case_id="case-1", at=at(8))
    payment = region.pay_claim(AGENCY, "claim-1", at=at(9))
    assert payment.amount > rub(0)
    assert paid(region.funding().ledger, "cert-1") == payment.amount
    assert available(region.funding().ledger, "regional", 2026) == rub(1_000_000 - 180_000)
    assert region.verify() == ()
    assert region.rebuild() == region.cases()
    assert region.rebuild_funding() == region.funding()
    assert region.rebuild_clients() == region.clients()
    assert region.rebuild_centers() == region.centers()


@pytest.mark.req("CF-05")
@pytest.mark.req("SE-03")
def test_a_claim_is_paid_once_and_a_second_payment_changes_nothing(
    region: RegionalSystem,
) -> None:
    register_centers(region)
    fund(region)
    client_id = client_in_treatment(region)
    certified_and_placed(region, client_id)
    region.admit(SVET, "case-1", center_id="svet", program_id="p-iii", at=at(7))
    claim = Claim("claim-1", "cert-1", "svet", client_id, Milestone.ADMISSION, None, at(7).date())
    region.claim_payment(SVET, claim, case_id="case-1", at=at(8))
    region.pay_claim(AGENCY, "claim-1", at=at(9))
    before = snapshot(region)
    with pytest.raises(RuleViolation) as refused:
        region.pay_claim(AGENCY, "claim-1", at=at(10))
    assert refused.value.codes == ("claim.already_paid",)
    again = attrs.evolve(claim, id="claim-2")
    region.claim_payment(SVET, again, case_id="case-1", at=at(10))
    with pytest.raises(RuleViolation):
        region.pay_claim(AGENCY, "claim-2", at=at(11))
    assert snapshot(region)[0][: len(before[0])] == before[0]
    assert paid(region.funding().ledger, "cert-1") == paid(
        region.rebuild_funding().ledger,  # type: ignore[union-attr]
        "cert-1",
    )


@pytest.mark.req("SE-01")
def test_only_the_center_the_certificate_is_placed_with_may_claim(
    region: RegionalSystem,
) -> None:
    register_centers(region)
    fund(region)
    client_id = client_in_treatment(region)
    certified_and_placed(region, client_id)
    claim = Claim("claim-1", "cert-1", "put", client_id, Milestone.ADMISSION, None, at(7).date())
    before = snapshot(region)
    with pytest.raises(PermissionDenied):
        region.claim_payment(PUT, claim, case_id="case-1", at=at(8))
    with pytest.raises(PermissionDenied):
        region.pay_claim(SVET, "claim-1", at=at(8))
    assert snapshot(region) == before


@pytest.mark.req("SE-01")
def test_only_the_agency_issues_certificates_and_decides_on_centers(
    region: RegionalSystem,
) -> None:
    register_centers(region)
    fund(region)
    client_in_treatment(region)
    before = snapshot(region)
    for actor in (DEPARTMENT, SVET, POLICE, COURT):
        with pytest.raises(PermissionDenied):
            issue(region, actor)
        with pytest.raises(PermissionDenied):
            region.decide_center(actor, "put", RegisterEvent.SUSPEND, at=at(5), why="inspection")
    with pytest.raises(PermissionDenied):
        region.apply_center(SVET, center("put"), at=at(5))
    assert snapshot(region) == before


@pytest.mark.req("RG-05")
@pytest.mark.req("PW-05")
def test_a_suspended_center_is_not_offered_and_cannot_admit(region: RegionalSystem) -> None:
    register_centers(region)
    fund(region)
    client_id = client_in_treatment(region)
    certified_and_placed(region, client_id)
    entry = region.decide_center(
        AGENCY, "svet", RegisterEvent.SUSPEND, at=at(6), why="licence lapsed"
    )
    assert entry.state is RegisterState.SUSPENDED
    offered = region.offer_choices(DEPARTMENT, "case-1", NEEDS, on=at(7).date())
    assert [o.center_id for o in offered.options] == ["put"]
    before = snapshot(region)
    with pytest.raises(RuleViolation) as refused:
        region.admit(SVET, "case-1", center_id="svet", program_id="p-iii", at=at(7))
    assert set(refused.value.codes) == {"center.not_in_register", "center.not_qualified"}
    assert snapshot(region) == before


@pytest.mark.req("RG-03")
def test_inclusion_is_refused_for_a_center_with_a_human_rights_finding(
    region: RegionalSystem,
) -> None:
    abused = attrs.evolve(
        center("svet"),
        inspections=(
            Inspection(
                "insp-1",
                at(-20).date(),
                "prosecutor-1",
                [Finding("hr-1", FindingArea.HUMAN_RIGHTS, Severity.SERIOUS, "held by force")],
            ),
        ),
    )
    region.apply_center(SVET, abused, at=at(-10))
    before = snapshot(region)
    with pytest.raises(RuleViolation) as refused:
        region.decide_center(AGENCY, "svet", RegisterEvent.INCLUDE, at=at(-9), why="apply")
    assert set(refused.value.codes) == {"qualification.failed", "findings.unresolved"}
    assert snapshot(region) == before


@pytest.mark.req("PW-04")
@pytest.mark.req("PW-11")
@pytest.mark.req("SE-02")
def test_withdrawn_consent_leaves_the_register_and_the_court_is_notified(
    region: RegionalSystem,
) -> None:
    client_id = client_in_treatment(region)
    step = region.withdraw_consent(AGENCY, "case-1", at=at(5), reason="the client declined")
    assert [n.kind for n in step.notices] == [NoticeKind.REFUSAL]
    assert not region.clients().clients[client_id].enrolled
    sent = region.notify_court(AGENCY, "case-1", at=at(6))
    assert [n.kind for n in sent] == [NoticeKind.REFUSAL]
    assert region.notify_court(AGENCY, "case-1", at=at(7)) == ()
    assert [n.case_id for n in region.court_notices(COURT)] == ["case-1"]
    assert region.court_notices(OTHER_COURT) == ()
    with pytest.raises(PermissionDenied):
        region.court_notices(POLICE)
    assert region.rebuild_clients() == region.clients()


@pytest.mark.req("PW-04")
def test_enrolment_is_refused_without_consent(region: RegionalSystem) -> None:
    referral = Referral(ReferralSource.SOCIAL_SERVICE, T0.date(), "dept-1")
    reported = region.report_client(
        AGENCY, IdentityReport("Ivanova", "Olga", date(1985, 2, 3)), referral, at=T0
    )
    region.identify(
        AGENCY,
        at=T0,
        case_id="case-2",
        client_id=reported.client_id,
        referral=referral,
        origin=Origin.COMMUNITY,
    )
    before = snapshot(region)
    with pytest.raises(RuleViolation) as refused:
        region.enrol(AGENCY, "case-2", consent_at=None, at=at(1))
    assert "consent.missing" in refused.value.codes
    assert snapshot(region) == before


@pytest.mark.req("RG-07")
def test_a_second_report_of_the_same_person_links_to_the_same_client(
    region: RegionalSystem,
) -> None:
    person = IdentityReport("Petrov", "Ivan", date(1990, 5, 1))
    first = region.report_client(
        POLICE, person, Referral(ReferralSource.LAW_ENFORCEMENT, T0.date(), "dept-1"), at=T0
    )
    second = region.report_client(
        HEALTH,
        person,
        Referral(ReferralSource.MEDICAL_SCREENING, T0.date(), "dept-1"),
        at=at(1),
    )
    assert second.client_id == first.client_id and not second.new
    journal = "".join(str(e.payload) for e in region.store.entries())
    assert "Petrov" not in journal and "Ivan'" not in journal


@pytest.mark.req("MR-01")
def test_a_follow_up_is_recorded_once(region: RegionalSystem) -> None:
    client_in_treatment(region)
    record = FollowUpRecord("case-1", "discharge", at(30).date(), "dept-1", FollowUpOutcome())
    region.record_follow_up(DEPARTMENT, record, at=at(30))
    with pytest.raises(RuleViolation) as refused:
        region.record_follow_up(DEPARTMENT, record, at=at(31))
    assert refused.value.codes == ("follow_up.recorded",)
    assert region.follow_ups() == (record,)
    with pytest.raises(PermissionDenied):
        region.record_follow_up(POLICE, attrs.evolve(record, key="6m"), at=at(31))


@pytest.mark.req("SE-04")
def test_an_export_is_pseudonymous_unless_a_permitted_person_asks(
    region: RegionalSystem, tmp_path: Path
) -> None:
    register_centers(region)
    fund(region)
    client_id = client_in_treatment(region)
    certified_and_placed(region, client_id)
    region.record_identity(
        DEPARTMENT, "case-1", Identity(client_id, "Petrov", "Ivan", date(1990, 5, 1)), at=at(7)
    )
    written = region.export(AGENCY, tmp_path / "plain", at=at(8))
    assert set(written) == {"region.jsonl", "journal.jsonl"}
    texts = "".join(path.read_text() for path in (tmp_path / "plain").iterdir())
    assert "Petrov" not in texts and "1990-05-01" not in texts
    exported = read_export(tmp_path / "plain" / "region.jsonl")
    assert [case.id for case in exported.cases] == ["case-1"]
    assert {entry.center.id for entry in exported.centers} == {"svet", "put"}
    assert [record.keys for record in exported.clients] == [frozenset()]
    assert exported.book is not None and exported.ledger is not None
    journal = journal_from_json_lines((tmp_path / "plain" / "journal.jsonl").read_text())
    assert verify(journal) == ()

    before = snapshot(region)
    with pytest.raises(PermissionDenied):
        region.export(AGENCY, tmp_path / "refused", at=at(9), identifying=True)
    assert not (tmp_path / "refused").exists() and snapshot(region) == before

    holder = Actor("agency-1", Role.AGENCY, "officer-9", {Permission.IDENTIFYING_DATA})
    written = region.export(holder, tmp_path / "full", at=at(9), identifying=True)
    assert written["identities.jsonl"] == 1
    assert "Petrov" in (tmp_path / "full" / "identities.jsonl").read_text()
    last = region.store.last_entry()
    assert last is not None and last.command == "export_identifying"
    assert last.payload["identifying"] is True
    assert "Petrov" not in "".join(str(e.payload) for e in region.store.entries())


@pytest.mark.req("SE-04")
def test_identity_of_another_client_is_refused(region: RegionalSystem) -> None:
    client_in_treatment(region)
    before = snapshot(region)
    with pytest.raises(RuleViolation) as refused:
        region.record_identity(
            DEPARTMENT,
            "case-1",
            Identity("cl-other", "Sidorov", "Petr", date(1980, 1, 1)),
            at=at(7),
        )
    assert refused.value.codes == ("identity.other_client",)
    assert snapshot(region) == before


@pytest.mark.req("RG-04")
@pytest.mark.req("RG-05")
def test_an_inspection_finding_abuse_disqualifies_the_center_from_the_next_choice(
    region: RegionalSystem,
) -> None:
    register_centers(region)
    fund(region)
    client_in_treatment(region)
    abused = attrs.evolve(
        center("svet"),
        inspections=(
            Inspection(
                "insp-1",
                at(5).date(),
                "prosecutor-1",
                [Finding("hr-1", FindingArea.HUMAN_RIGHTS, Severity.SERIOUS, "held by force")],
            ),
        ),
    )
    with pytest.raises(PermissionDenied):
        region.update_center(PUT, abused, at=at(5), why="inspection")
    entry = region.update_center(AGENCY, abused, at=at(5), why="inspection by the prosecutor")
    assert entry.center.inspections and entry.version == 3
    offered = region.offer_choices(DEPARTMENT, "case-1", NEEDS, on=at(6).date())
    assert [o.center_id for o in offered.options] == ["put"]
    assert region.rebuild_centers() == region.centers()


def admitted(region: RegionalSystem) -> str:
    register_centers(region)
    fund(region)
    client_id = client_in_treatment(region)
    certified_and_placed(region, client_id)
    region.admit(SVET, "case-1", center_id="svet", program_id="p-iii", at=at(7))
    return client_id


@pytest.mark.req("PW-08")
@pytest.mark.req("PW-05")
def test_a_client_back_in_treatment_after_a_relapse_is_admitted_again(
    region: RegionalSystem,
) -> None:
    admitted(region)
    region.advance(SVET, "case-1", Event.RELAPSE, at=at(20), reason="used again")
    region.advance(HEALTH, "case-1", Event.START_TREATMENT, at=at(21))
    step = region.admit(SVET, "case-1", center_id="svet", program_id="p-iii", at=at(30))
    assert step.entry.event is Event.ADMIT
    assert step.case.state is State.SOCIAL_REHABILITATION and step.case.relapse_count == 1
    assert region.funding().book.certificate("cert-1").state.value == "in_service"
    assert region.rebuild_funding() == region.funding()


@pytest.mark.req("CF-03")
@pytest.mark.req("RG-05")
def test_a_client_of_a_suspended_center_moves_with_the_remaining_value(
    region: RegionalSystem,
) -> None:
    client_id = admitted(region)
    claim = Claim("claim-1", "cert-1", "svet", client_id, Milestone.ADMISSION, None, at(7).date())
    region.claim_payment(SVET, claim, case_id="case-1", at=at(8))
    first = region.pay_claim(AGENCY, "claim-1", at=at(8))
    region.decide_center(AGENCY, "svet", RegisterEvent.SUSPEND, at=at(9), why="licence lapsed")
    region.terminate_contract(
        AGENCY,
        "contract-svet",
        ground=TerminationGround.CENTER_LOST_QUALIFICATION,
        why="the center was suspended",
        at=at(9),
    )
    moved = contract_of(client_id, "put")
    region.propose_contract(DEPARTMENT, moved, case_id="case-1", at=at(10))
    for who, party in ((DEPARTMENT, "dept-1"), (DEPARTMENT, client_id), (PUT, "put")):
        region.sign_contract(who, "contract-put", party, at=at(10))
    region.place(
        DEPARTMENT,
        "cert-1",
        case_id="case-1",
        needs=NEEDS,
        center_id="put",
        program_id="p-iii",
        contract_id="contract-put",
        at=at(10),
    )
    step = region.admit(PUT, "case-1", center_id="put", program_id="p-iii", at=at(11))
    assert step.entry.event is Event.TRANSFER and step.case.center_id == "put"
    funding = region.funding()
    assert funding.book.certificate("cert-1").state.value == "in_service"
    assert funds.remaining(funding, "cert-1") == rub(180_000) - first.amount
    settled = region.settle_certificate(AGENCY, "cert-1", at=at(200))
    assert settled.book.certificate("cert-1").state.value == "settled"
    assert region.rebuild_funding() == region.funding()


@pytest.mark.req("SE-01")
def test_only_the_parties_terminate_a_contract_and_only_once(region: RegionalSystem) -> None:
    client_id = client_in_treatment(region)
    region.propose_contract(DEPARTMENT, contract_of(client_id), case_id="case-1", at=at(5))
    for who, party in ((DEPARTMENT, "dept-1"), (DEPARTMENT, client_id), (SVET, "svet")):
        region.sign_contract(who, "contract-svet", party, at=at(5))
    before = snapshot(region)
    with pytest.raises(PermissionDenied):
        region.terminate_contract(
            PUT, "contract-svet", ground=TerminationGround.BREACH, why="no", at=at(6)
        )
    assert snapshot(region) == before
    ended = region.terminate_contract(
        SVET, "contract-svet", ground=TerminationGround.CLIENT_LEFT, why="left", at=at(6)
    )
    assert ended.terminated_on == at(6).date()
    before = snapshot(region)
    with pytest.raises(RuleViolation) as refused:
        region.terminate_contract(
            AGENCY, "contract-svet", ground=TerminationGround.BREACH, why="again", at=at(7)
        )
    assert refused.value.codes == ("contract.terminated",)
    assert snapshot(region) == before


EMPLOYMENT = Actor("employment-1", Role.EMPLOYMENT_SERVICE, "adviser-3")


@pytest.mark.req("PL-08")
@pytest.mark.req("PW-06")
def test_a_hire_from_the_reserve_is_the_outcome_of_stage_iv(region: RegionalSystem) -> None:
    client_id = admitted(region)
    region.advance(SVET, "case-1", Event.COMPLETE_REHABILITATION, at=at(190))
    vacancy = Vacancy("v-1", "employer-1", "Carpenter", "North", 2, at(100).date(), reserved=True)
    with pytest.raises(PermissionDenied):
        region.add_to_reserve(SVET, vacancy, at=at(191))
    region.add_to_reserve(EMPLOYMENT, vacancy, at=at(191))
    profile = LabourProfile(client_id, "North", frozenset(), EducationLevel.SECONDARY)
    matches = region.match_vacancies(EMPLOYMENT, "case-1", profile, on=at(192).date())
    assert [(m.vacancy_id, m.fits) for m in matches] == [("v-1", True)]
    region.record_hire(EMPLOYMENT, "case-1", profile, "v-1", at=at(192))
    step = region.advance(AGENCY, "case-1", Event.COMPLETE_RESOCIALIZATION, at=at(250))
    assert step.case.state is State.PATRONAGE
    assert step.entry.record == LabourResult(LabourOutcome.EMPLOYED)
    assert region.rebuild_reserve() == region.reserve()
    with pytest.raises(RuleViolation) as refused:
        region.record_hire(
            EMPLOYMENT, "case-1", attrs.evolve(profile, client_id="cl-x"), "v-1", at=at(251)
        )
    assert refused.value.codes == ("profile.other_client",)


@pytest.mark.req("PW-04")
@pytest.mark.req("RG-07")
@pytest.mark.req("SE-04")
def test_a_purged_client_can_no_longer_be_linked_and_the_journal_never_held_the_keys(
    region: RegionalSystem,
) -> None:
    client_id = client_in_treatment(region)
    region.record_identity(
        DEPARTMENT, "case-1", Identity(client_id, "Petrov", "Ivan", date(1990, 5, 1)), at=at(4)
    )
    region.withdraw_consent(AGENCY, "case-1", at=at(5), reason="the client declined")
    assert region.purge_clients(AGENCY, at=at(6)) == frozenset()  # retention not over
    later = at(366 * 6)
    with pytest.raises(PermissionDenied):
        region.purge_clients(DEPARTMENT, at=later)
    assert region.purge_clients(AGENCY, at=later) == {client_id}
    purged = region.clients().clients[client_id]
    assert purged.status.value == "purged" and purged.keys == frozenset()
    assert region.store.load("identity", client_id).document == {}  # type: ignore[union-attr]
    assert region.rebuild_clients() == region.clients()
    again = region.report_client(
        POLICE,
        IdentityReport("Petrov", "Ivan", date(1990, 5, 1)),
        Referral(ReferralSource.LAW_ENFORCEMENT, later.date(), "dept-1"),
        at=later,
    )
    assert again.new and again.client_id != client_id
    keys = region.clients().clients[again.client_id].keys
    journal = "".join(str(entry.payload) for entry in region.store.entries())
    assert keys and not any(key in journal for key in keys)
    assert region.verify() == ()


@pytest.mark.req("SE-03")
def test_two_systems_on_one_store_see_each_others_placements(region: RegionalSystem) -> None:
    register_centers(region)
    fund(region)
    client_id = client_in_treatment(region)
    other = RegionalSystem(region.store, linkage_secret=SECRET)
    assert other.offer_choices(DEPARTMENT, "case-1", NEEDS, on=at(5).date()).options
    certified_and_placed(region, client_id)  # written by the first system
    other.admit(SVET, "case-1", center_id="svet", program_id="p-iii", at=at(7))
    for system in (region, other):
        kept, scanned = system._index(), FundingIndex.of(system.funding())
        assert kept.place == scanned.place == {"cert-1": ("svet", "p-iii")}
        assert kept.by_client == {client_id: {"cert-1"}}
    assert region.case(AGENCY, "case-1").state is State.SOCIAL_REHABILITATION
