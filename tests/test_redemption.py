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
from resocialize.tariffs import Milestone, PerDiemSchedule, Tariff, default_tariffs

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
    tariff: Tariff | None = None,
    planned_days: int | None = None,
) -> Redeemed:
    contract = contract or signed_contract()
    return redeem(
        books,
        claim,
        certificate=certificate or in_service(signed_contract()),
        contract=contract,
        center=center or standing_of(claim.center_id),
        case=case,
        tariff=tariff or rostov(),
        paid_claims=paid_claims,
        at=at or datetime.combine(claim.service_date, T0.timetz()) + timedelta(days=1),
        by="agency-1",
        planned_days=planned_days,
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
            tariff="moscow_per_diem",  # type: ignore[arg-type]
            paid_claims=(),
            paid_so_far=rub(0),
            on=T0,  # type: ignore[arg-type]
            planned_days=0,
        )
    assert set(bad.value.paths) >= {"certificate", "center", "tariff", "on", "planned_days"}
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


# --- per-diem claims and dropout claims (CF-05) -----------------------------------------------


def moscow() -> Tariff:
    return default_tariffs()["moscow_per_diem"]


def admitted_on(case: Case) -> date:
    return next(e.at.date() for e in case.history if e.event is Event.ADMIT)


def days_claim(case: Case, through: date, claim_id: str = "claim-d1", **changes: object) -> Claim:
    claim = Claim(claim_id, CERT, CENTER, CLIENT, Milestone.DAYS_SERVED, None, through)
    return attrs.evolve(claim, **changes)


def dropout_claim(case: Case, claim_id: str = "claim-x1", **changes: object) -> Claim:
    claim = Claim(
        claim_id, CERT, CENTER, CLIENT, Milestone.DROPOUT, None, case.history[-1].at.date()
    )
    return attrs.evolve(claim, **changes)


@pytest.mark.req("CF-05")
def test_per_diem_claims_pay_the_rate_times_the_days_served_since_the_last_claim() -> None:
    case = admitted()
    day_one = admitted_on(case)
    first = redeem_claim(
        funded(), days_claim(case, day_one + timedelta(days=29)), case, tariff=moscow()
    )
    assert first.payment.amount == rub(30_000)  # 30 days from admission at 1,000 RUB
    assert (first.payment.days, first.payment.through) == (30, day_one + timedelta(days=29))
    second_day = day_one + timedelta(days=49)
    second = redeem_claim(
        first.ledger,
        days_claim(case, second_day, "claim-d2"),
        case,
        tariff=moscow(),
        paid_claims=(first.payment,),
    )
    assert second.payment == Payment(
        "claim-d2",
        CERT,
        CENTER,
        Milestone.DAYS_SERVED,
        None,
        rub(20_000),
        second_day + timedelta(days=1),
        days=20,
        through=second_day,
    )
    assert paid(second.ledger, CERT) == rub(50_000)


@pytest.mark.req("CF-06")
def test_per_diem_claim_for_days_already_paid_is_refused() -> None:
    case = admitted()
    through = admitted_on(case) + timedelta(days=29)
    first = redeem_claim(funded(), days_claim(case, through), case, tariff=moscow())
    for day in (through, through - timedelta(days=10)):
        again = days_claim(case, day, "claim-d2")
        codes = refused_codes(
            first.ledger, again, case, tariff=moscow(), paid_claims=(first.payment,)
        )
        assert codes == {"claim.already_paid"}
    assert paid(first.ledger, CERT) == rub(30_000)


@pytest.mark.req("CF-06")
def test_per_diem_claim_without_a_day_served_since_the_last_one_is_refused() -> None:
    case = run(admitted(), Event.DROP_OUT, days=10)
    dropped = case.history[-1].at.date()
    first = redeem_claim(funded(), days_claim(case, dropped), case, tariff=moscow())
    assert first.payment.amount == rub(10_000)
    later = days_claim(case, dropped + timedelta(days=5), "claim-d2")
    codes = refused_codes(first.ledger, later, case, tariff=moscow(), paid_claims=(first.payment,))
    assert codes == {"milestone.not_reached"}
    before = days_claim(case, admitted_on(case) - timedelta(days=1))
    assert refused_codes(funded(), before, case, tariff=moscow()) == {"milestone.not_reached"}


@pytest.mark.req("CF-06")
def test_per_diem_claim_above_what_is_due_is_refused() -> None:
    case = admitted()
    claim = days_claim(case, admitted_on(case) + timedelta(days=9), amount=rub(10_001))
    assert refused_codes(funded(), claim, case, tariff=moscow()) == {"claim.above_tranche"}
    paid_less = redeem_claim(
        funded(), attrs.evolve(claim, amount=rub(4_000)), case, tariff=moscow()
    )
    assert paid_less.payment.amount == rub(4_000)
    assert paid_less.payment.days == 10


@pytest.mark.req("CF-05")
def test_tariffs_pay_only_their_kind_of_claim() -> None:
    case = admitted()
    claim = days_claim(case, admitted_on(case) + timedelta(days=9))
    assert refused_codes(funded(), claim, case) == {"tariff.milestone_not_paid"}  # tranches
    admission_ = admission_claim(case)
    assert refused_codes(funded(), admission_, case, tariff=moscow()) == {
        "tariff.milestone_not_paid"
    }


def attempt(books: Ledger, claim: Claim, case: Case, **kwargs: object) -> Redeemed | set[str]:
    """The claim redeemed, or the codes of its refusal."""
    try:
        return redeem_claim(books, claim, case, **kwargs)  # type: ignore[arg-type]
    except RuleViolation as refused:
        return set(refused.codes)


@pytest.mark.req("CF-05")
@given(
    rate=st.integers(1, 5_000),
    max_days=st.none() | st.integers(1, 300),
    cap=st.none() | st.integers(1, 250_000),
    offsets=st.lists(st.integers(-3, 290), min_size=1, max_size=6, unique=True).map(sorted),
)
def test_per_diem_claims_never_exceed_the_day_limit_the_cap_or_the_face_value(
    rate: int, max_days: int | None, cap: int | None, offsets: list[int]
) -> None:
    if max_days is None and cap is None:
        max_days = 180
    schedule = PerDiemSchedule(rub(rate), max_days, None if cap is None else rub(cap))
    tariff = attrs.evolve(moscow(), schedule=schedule)
    case = admitted()
    day_one = admitted_on(case)
    books = funded()
    payments: tuple[Payment, ...] = ()
    for n, offset in enumerate(offsets):
        through = day_one + timedelta(days=offset)
        claim = days_claim(case, through, f"claim-d{n}")
        served = max(0, offset + 1)
        earned = min(schedule.amount_for_days(served), FACE)
        before = paid(books, CERT)
        done = attempt(books, claim, case, tariff=tariff, paid_claims=payments)
        if isinstance(done, set):
            assert done <= {"milestone.not_reached", "claim.nothing_due"}
            assert before == earned or served == 0
            continue
        books, payments = done.ledger, (*payments, done.payment)
        assert done.payment.amount == earned - before
        assert paid(books, CERT) == earned
        assert sum(p.days or 0 for p in payments) == served
    total = paid(books, CERT)
    assert total <= FACE
    assert max_days is None or total <= rub(rate) * max_days
    assert cap is None or total <= rub(cap)


@pytest.mark.req("CF-05")
def test_dropout_claim_pays_pro_rata_by_days_served_and_only_once() -> None:
    case = admitted()
    first = redeem_claim(funded(), admission_claim(case), case)  # 54,000 of 180,000
    case = run(case, Event.DROP_OUT, days=60)
    claim = dropout_claim(case)
    done = redeem_claim(first.ledger, claim, case, paid_claims=(first.payment,), planned_days=180)
    # 60 of 180 days earn 60,000 of 180,000; 54,000 is paid already
    assert done.payment.amount == rub(6_000)
    assert (done.payment.milestone, done.payment.days, done.payment.through) == (
        Milestone.DROPOUT,
        60,
        None,
    )
    again = dropout_claim(case, "claim-x2")
    codes = refused_codes(
        done.ledger, again, case, paid_claims=(first.payment, done.payment), planned_days=180
    )
    assert codes == {"claim.already_paid", "claim.nothing_due"}
    assert paid(done.ledger, CERT) == rub(60_000)


@pytest.mark.req("CF-05")
def test_dropout_claim_under_a_per_diem_tariff_pays_the_days_served() -> None:
    case = run(admitted(), Event.DROP_OUT, days=45)
    done = redeem_claim(funded(), dropout_claim(case), case, tariff=moscow(), planned_days=180)
    assert (done.payment.amount, done.payment.days) == (rub(45_000), 45)


@pytest.mark.req("CF-06")
def test_dropout_claim_when_the_client_did_not_drop_out_is_refused() -> None:
    case = run(admitted(), Event.COMPLETE_REHABILITATION, days=60)
    codes = refused_codes(funded(), dropout_claim(case), case, planned_days=180)
    assert codes == {"milestone.not_reached"}
    dropped = run(admitted(), Event.DROP_OUT, days=60)
    other = dropout_claim(dropped, center_id="center-2")
    codes = refused_codes(funded(), other, dropped, planned_days=180)
    assert codes == {"claim.not_contracted_center", "milestone.not_reached"}


@pytest.mark.req("CF-06")
def test_dropout_claim_is_refused_without_a_dropout_rule_or_anything_due() -> None:
    case = run(admitted(), Event.DROP_OUT, days=60)
    no_rule = attrs.evolve(rostov(), dropout=None)
    codes = refused_codes(funded(), dropout_claim(case), case, tariff=no_rule, planned_days=180)
    assert codes == {"tariff.no_dropout_rule"}
    books = pay(funded(), CERT, CENTER, rub(90_000), at=T0, by="agency-1", reference="old-1")
    codes = refused_codes(books, dropout_claim(case), case, planned_days=180)
    assert codes == {"claim.nothing_due"}  # the cap of half the face value is paid


@pytest.mark.req("CF-06")
def test_dropout_claim_needs_the_planned_days() -> None:
    case = run(admitted(), Event.DROP_OUT, days=60)
    with pytest.raises(ValidationError) as bad:
        redeem_claim(funded(), dropout_claim(case), case)
    assert bad.value.paths == ("planned_days",)
    with pytest.raises(ValidationError) as bad:
        dropout_claim(case, months=6)
    assert bad.value.paths == ("months",)


@pytest.mark.req("CF-05")
def test_payments_carry_days_and_the_last_day_only_where_they_belong() -> None:
    day = date(2026, 4, 1)
    with pytest.raises(ValidationError) as bad:
        Payment("c-1", CERT, CENTER, Milestone.DAYS_SERVED, None, rub(1), day)
    assert bad.value.paths == ("days", "through")
    with pytest.raises(ValidationError) as bad:
        Payment("c-1", CERT, CENTER, Milestone.ADMISSION, None, rub(1), day, days=-1, through=day)
    assert bad.value.paths == ("days",)
    with pytest.raises(ValidationError) as bad:
        Payment("c-1", CERT, CENTER, Milestone.DROPOUT, None, rub(1), day, days=3, through=day)
    assert bad.value.paths == ("through",)
