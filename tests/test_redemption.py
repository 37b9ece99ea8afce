"""Redemption of certificates: claims for tranches, refused with every reason (CF-04..CF-06)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _builders import BY, CENTER, CLIENT, T0, admission, in_treatment, run
from resocialize.certificates import (
    EMPTY_BOOK,
    Certificate,
    ClientStanding,
    Course,
    decide,
    issue,
)
from resocialize.contracts import (
    Party,
    PartyRole,
    SocialContract,
    TerminationGround,
    sign,
    terminate,
)
from resocialize.errors import RuleViolation, ValidationError
from resocialize.facts import CenterStanding
from resocialize.ledger import (
    FundingSource,
    Ledger,
    SourceKind,
    appropriate,
    commit,
    open_ledger,
    paid,
    pay,
)
from resocialize.money import Money
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Case, Event
from resocialize.redemption import Claim, Payment, Redeemed, check_claim, redeem
from resocialize.tariffs import Milestone, Tariff, default_tariffs

CERT = "cert-1"
VALID_UNTIL = date(2026, 12, 31)
FACE = Money.of(180_000, "RUB")


def rub(amount: int | str) -> Money:
    return Money.of(amount, "RUB")


def rostov() -> Tariff:
    return default_tariffs()["rostov_certificate"]


def signed_contract(center: str = CENTER) -> SocialContract:
    contract = SocialContract(
        "contract-1",
        CLIENT,
        center,
        CERT,
        (
            Party(PartyRole.PATRONAGE_BODY, "patronage-1", ("follow the client up",)),
            Party(PartyRole.CLIENT, CLIENT, ("stay sober",)),
            Party(PartyRole.CENTER, center, ("deliver the program",)),
        ),
        (),
        T0.date(),
    )
    for party in ("patronage-1", CLIENT, center):
        contract = sign(contract, party, on=T0.date())
    return contract


def in_service(contract: SocialContract) -> Certificate:
    book = issue(
        EMPTY_BOOK,
        CERT,
        ClientStanding(CLIENT, enrolled=True, referred=True),
        course=Course.SOCIAL_REHABILITATION,
        face_value=FACE,
        split={"regional": rub(120_000), "federal": rub(60_000)},
        valid_from=T0.date(),
        valid_until=VALID_UNTIL,
        issuer_id="agency-1",
        at=T0,
        by=BY,
    )
    book = decide(
        book, CERT, "place", at=T0 + timedelta(days=1), by=BY, center_id=CENTER, contract=contract
    )
    book = decide(book, CERT, "start_service", at=T0 + timedelta(days=5), by=BY)
    return book.certificate(CERT)


def funded() -> Ledger:
    books = open_ledger(
        [
            FundingSource("regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET),
            FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY),
        ],
        currency="RUB",
    )
    books = appropriate(books, "regional", 2026, rub(700_000), at=T0, by="fin-1", reference="l-1")
    books = appropriate(books, "federal", 2026, rub(300_000), at=T0, by="fin-1", reference="s-1")
    return commit(
        books,
        CERT,
        {"regional": rub(120_000), "federal": rub(60_000)},
        year=2026,
        at=T0,
        by="agency-1",
    )


def admitted() -> Case:
    return run(in_treatment(), Event.ADMIT, facts=admission())


def standing_of(
    center: str = CENTER, *, in_register: bool = True, qualified: bool = True
) -> CenterStanding:
    return CenterStanding(center, in_register, qualified, True, 3, OwnershipForm.NON_GOVERNMENTAL)


def admission_claim(case: Case, **changes: object) -> Claim:
    claim = Claim(
        "claim-1", CERT, CENTER, CLIENT, Milestone.ADMISSION, None, case.history[-1].at.date()
    )
    return attrs.evolve(claim, **changes)


def redeem_claim(
    books: Ledger,
    claim: Claim,
    case: Case,
    *,
    certificate: Certificate | None = None,
    contract: SocialContract | None = None,
    center: CenterStanding | None = None,
    paid_claims: tuple[Payment, ...] = (),
    at: datetime | None = None,
) -> Redeemed:
    contract = contract or signed_contract()
    return redeem(
        books,
        claim,
        certificate=certificate or in_service(signed_contract()),
        contract=contract,
        center=center or standing_of(claim.center_id),
        case=case,
        tariff=rostov(),
        paid_claims=paid_claims,
        at=at or datetime.combine(claim.service_date, T0.timetz()) + timedelta(days=1),
        by="agency-1",
    )


def refused_codes(books: Ledger, claim: Claim, case: Case, **kwargs: object) -> set[str]:
    with pytest.raises(RuleViolation) as refused:
        redeem_claim(books, claim, case, **kwargs)  # type: ignore[arg-type]
    return set(refused.value.codes)


@pytest.mark.req("CF-05")
def test_admission_then_stage_iii_tranches_are_paid_to_the_contracted_center() -> None:
    case = admitted()
    first = redeem_claim(funded(), admission_claim(case), case)
    assert first.payment.amount == rub(54_000)
    assert paid(first.ledger, CERT) == rub(54_000)
    case = run(case, Event.COMPLETE_REHABILITATION, days=90)
    claim = Claim(
        "claim-2",
        CERT,
        CENTER,
        CLIENT,
        Milestone.STAGE_III_COMPLETED,
        None,
        case.history[-1].at.date(),
    )
    second = redeem_claim(first.ledger, claim, case, paid_claims=(first.payment,))
    assert second.payment == Payment(
        "claim-2",
        CERT,
        CENTER,
        Milestone.STAGE_III_COMPLETED,
        None,
        rub(72_000),
        claim.service_date + timedelta(days=1),
    )
    assert paid(second.ledger, CERT) == rub(126_000)


@pytest.mark.req("CF-06")
def test_paying_one_milestone_twice_is_refused() -> None:
    case = admitted()
    books = funded()
    first = redeem_claim(books, admission_claim(case), case)
    again = admission_claim(case, id="claim-9")
    codes = refused_codes(first.ledger, again, case, paid_claims=(first.payment,))
    assert codes == {"claim.already_paid"}


@pytest.mark.req("CF-06")
def test_claim_above_the_tranche_or_the_remaining_balance_is_refused() -> None:
    case = admitted()
    books = pay(funded(), CERT, CENTER, rub(170_000), at=T0, by="agency-1", reference="old-1")
    codes = refused_codes(books, admission_claim(case, amount=rub(60_000)), case)
    assert codes == {"claim.above_tranche", "claim.above_balance"}
    assert refused_codes(books, admission_claim(case), case) == {"claim.above_balance"}


@pytest.mark.req("CF-06")
def test_claim_for_a_service_after_expiry_is_refused() -> None:
    case = admitted()
    claim = admission_claim(case, service_date=VALID_UNTIL + timedelta(days=1))
    assert refused_codes(funded(), claim, case) == {"certificate.expired"}


@pytest.mark.req("CF-04")
def test_claim_by_a_center_that_is_not_contracted_is_refused() -> None:
    case = admitted()
    claim = admission_claim(case, center_id="center-2")
    codes = refused_codes(funded(), claim, case)
    assert codes == {"claim.not_contracted_center", "milestone.not_reached"}


@pytest.mark.req("CF-06")
def test_claim_by_a_suspended_or_unqualified_center_is_refused() -> None:
    case = admitted()
    center = standing_of(in_register=False, qualified=False)
    codes = refused_codes(funded(), admission_claim(case), case, center=center)
    assert codes == {"center.not_in_register", "center.not_qualified"}


@pytest.mark.req("CF-06")
def test_claim_for_a_milestone_that_did_not_happen_is_refused() -> None:
    case = admitted()
    claim = admission_claim(case, milestone=Milestone.STAGE_III_COMPLETED)
    assert refused_codes(funded(), claim, case) == {"milestone.not_reached"}


@pytest.mark.req("CF-04")
def test_claim_for_another_clients_certificate_is_refused() -> None:
    case = admitted()
    claim = admission_claim(case, client_id="cl-other")
    assert refused_codes(funded(), claim, case) == {"claim.other_client"}


@pytest.mark.req("CF-06")
def test_claim_on_a_cancelled_certificate_or_terminated_contract_is_refused() -> None:
    case = admitted()
    contract = signed_contract()
    book = issue(
        EMPTY_BOOK,
        CERT,
        ClientStanding(CLIENT, enrolled=True, referred=True),
        course=Course.SOCIAL_REHABILITATION,
        face_value=FACE,
        split={"regional": rub(120_000), "federal": rub(60_000)},
        valid_from=T0.date(),
        valid_until=VALID_UNTIL,
        issuer_id="agency-1",
        at=T0,
        by=BY,
    )
    book = decide(
        book, CERT, "place", at=T0 + timedelta(days=1), by=BY, center_id=CENTER, contract=contract
    )
    book = decide(book, CERT, "cancel", at=T0 + timedelta(days=30), by=BY, why="moved away")
    ended = terminate(
        contract, on=T0.date(), ground=TerminationGround.CLIENT_LEFT, why="the client left"
    )
    codes = refused_codes(
        funded(), admission_claim(case), case, certificate=book.certificate(CERT), contract=ended
    )
    assert codes == {"certificate.not_active", "contract.not_signed"}


@pytest.mark.req("CF-06")
def test_bad_input_reports_every_field() -> None:
    case = admitted()
    with pytest.raises(ValidationError) as bad:
        check_claim(
            admission_claim(case),
            certificate="cert-1",  # type: ignore[arg-type]
            contract=signed_contract(),
            center=standing_of("center-2"),
            case=case,
            tariff=default_tariffs()["moscow_per_diem"],
            paid_claims=(),
            paid_so_far=rub(0),
            on=T0,  # type: ignore[arg-type]
        )
    assert set(bad.value.paths) >= {"certificate", "center", "tariff", "on"}
    with pytest.raises(ValidationError) as bad:
        Claim("c 1", CERT, CENTER, CLIENT, Milestone.ADMISSION, 6, date(2026, 3, 7), rub(0))
    assert set(bad.value.paths) == {"id", "amount"}


BROKEN = (
    "claim.other_client",
    "certificate.expired",
    "claim.not_contracted_center",
    "center.not_in_register",
    "center.not_qualified",
    "contract.not_signed",
    "milestone.not_reached",
    "claim.already_paid",
    "claim.above_tranche",
    "claim.above_balance",
)


@pytest.mark.req("CF-06")
@given(st.sets(st.sampled_from(BROKEN)))
def test_every_broken_condition_is_named_and_the_ledger_is_unchanged(broken: set[str]) -> None:
    case = admitted()
    claim = admission_claim(case)
    contract = signed_contract()
    books = funded()
    center = CENTER
    paid_claims: tuple[Payment, ...] = ()
    expected = set(broken)
    if "claim.other_client" in broken:
        claim = attrs.evolve(claim, client_id="cl-other")
    if "certificate.expired" in broken:
        claim = attrs.evolve(claim, service_date=VALID_UNTIL + timedelta(days=1))
    if "claim.not_contracted_center" in broken:
        center = "center-2"
        claim = attrs.evolve(claim, center_id=center)
        expected.add("milestone.not_reached")
    if "contract.not_signed" in broken:
        contract = terminate(
            contract, on=T0.date(), ground=TerminationGround.BREACH, why="breach of contract"
        )
    if "milestone.not_reached" in broken:
        claim = attrs.evolve(claim, milestone=Milestone.STAGE_III_COMPLETED)
    if "claim.already_paid" in broken:
        paid_claims = (Payment("old", CERT, CENTER, claim.milestone, None, rub(1), T0.date()),)
    if "claim.above_tranche" in broken:
        claim = attrs.evolve(claim, amount=rub(100_000))
    if "claim.above_balance" in broken:
        books = pay(books, CERT, CENTER, rub(179_999), at=T0, by="agency-1", reference="old-1")
    if not broken:
        assert redeem_claim(books, claim, case).payment.amount == rub(54_000)
        return
    at = datetime(2027, 6, 1, 9, 0, tzinfo=T0.tzinfo)
    codes = refused_codes(
        books,
        claim,
        case,
        contract=contract,
        center=standing_of(
            center,
            in_register="center.not_in_register" not in broken,
            qualified="center.not_qualified" not in broken,
        ),
        paid_claims=paid_claims,
        at=at,
    )
    assert codes == expected
    assert paid(books, CERT) == (rub(179_999) if "claim.above_balance" in broken else rub(0))
