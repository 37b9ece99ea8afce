"""Funding: certificates, contracts, choice, redemption and the ledger in step (CF-01..07)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _funding import (
    BY,
    T0,
    admit,
    budget,
    case_in_treatment,
    choice_of,
    contract,
    issued,
    moscow,
    rub,
    standing_of,
)
from resocialize.certificates import CertificateState, ClientStanding, Course
from resocialize.errors import RuleViolation, ValidationError
from resocialize.funding import (
    Funding,
    cancel,
    certificate_of,
    change_center,
    expire,
    issue,
    open_funding,
    payments_of,
    place,
    redeem,
    remaining,
    revoke,
    settle,
    standings,
    start_service,
    verify,
)
from resocialize.ledger import available, committed, paid, released, report
from resocialize.money import Money
from resocialize.pathway import Case, Event, State, advance
from resocialize.redemption import Claim
from resocialize.tariffs import Milestone

DAY = timedelta(days=1)


def placed(funds: Funding | None = None, center_id: str = "center-a", at: datetime = T0) -> Funding:
    funds = funds if funds is not None else issued(at=at)
    day = (at + DAY).date()
    return place(
        funds,
        "cert-1",
        choice_of(center_id, day),
        contract("client-1", center_id, day),
        at=at + DAY,
        by=BY,
    )


def in_service_with_case(center_id: str = "center-a") -> tuple[Funding, Case, datetime]:
    funds = placed(center_id=center_id)
    at = T0 + 2 * DAY
    funds = start_service(funds, "cert-1", at=at, by=BY)
    case = admit(funds, case_in_treatment("client-1"), center_id, at)
    return funds, case, at


def claim(
    milestone: Milestone,
    on: date,
    *,
    claim_id: str = "claim-1",
    center_id: str = "center-a",
    client_id: str = "client-1",
    months: int | None = None,
    amount: Money | None = None,
) -> Claim:
    return Claim(claim_id, "cert-1", center_id, client_id, milestone, months, on, amount)


ENROLLED = ClientStanding("client-1", enrolled=True, referred=True)


def issue_one(
    funds: Funding | None = None,
    *,
    certificate_id: str = "cert-1",
    client: ClientStanding = ENROLLED,
    course: Course = Course.SOCIAL_REHABILITATION,
    face_value: object = None,
    split: object = None,
) -> Funding:
    """Issue a per-diem certificate valid for 90 days; face value and split as given."""
    return issue(
        funds if funds is not None else open_funding(budget()),
        certificate_id,
        client,
        course=course,
        face_value=face_value if face_value is not None else rub(90_000),  # type: ignore[arg-type]
        split=split if split is not None else {"regional": rub(90_000)},  # type: ignore[arg-type]
        valid_from=T0.date(),
        valid_until=T0.date() + DAY * 90,
        issuer_id="agency-1",
        tariff=moscow(),
        at=T0,
        by=BY,
    )


def codes(call: object) -> set[str]:
    assert callable(call)
    with pytest.raises(RuleViolation) as refused:
        call()
    return set(refused.value.codes)


@pytest.mark.req("CF-04")
@pytest.mark.req("CF-07")
def test_issue_commits_the_split_in_the_ledger() -> None:
    funds = issued()
    assert committed(funds.ledger, "cert-1") == {"regional": rub(120_000), "federal": rub(60_000)}
    assert available(funds.ledger, "regional", 2026) == rub(1_880_000)
    assert certificate_of(funds, "cert-1").state is CertificateState.ISSUED
    assert verify(funds).allowed


def test_issue_refused_names_the_reasons_of_certificate_and_budget() -> None:
    poor = open_funding(budget(regional=10_000, federal=10_000))
    funds = issued(poor, face=15_000)
    with pytest.raises(RuleViolation) as refused:
        issue_one(
            funds,
            certificate_id="cert-2",
            client=ClientStanding("client-1", enrolled=False, referred=True),
            course=Course.BOTH,
            split={"regional": rub(60_000), "federal": rub(30_000)},
        )
    assert set(refused.value.codes) == {
        "client.not_enrolled",
        "certificate.active_exists",
        "ledger.insufficient_funds",
    }


@pytest.mark.req("PW-04")
@pytest.mark.req("CF-01")
def test_no_certificate_before_consent_and_register_entry() -> None:
    with pytest.raises(RuleViolation) as refused:
        issue_one(client=ClientStanding("client-1", enrolled=False, referred=False))
    assert set(refused.value.codes) == {"client.not_enrolled", "client.not_referred"}


@pytest.mark.req("CF-03")
def test_placement_records_the_choice_and_the_options_offered() -> None:
    funds = placed()
    certificate = certificate_of(funds, "cert-1")
    assert (certificate.state, certificate.center_id) == (CertificateState.PLACED, "center-a")
    (choice,) = funds.choices["cert-1"]
    assert choice.center_id == "center-a"
    assert {o.center_id for o in choice.offered} == {"center-a", "center-b", "center-c"}


@pytest.mark.req("CF-02")
@pytest.mark.req("CF-03")
def test_placement_refused_without_a_choice_of_the_day_and_a_signed_contract_with_it() -> None:
    funds = issued()
    day = (T0 + DAY).date()
    refused = codes(
        lambda: place(
            funds,
            "cert-1",
            choice_of("center-b", day - DAY),
            contract("client-1", "center-a", day, signed=False),
            at=T0 + DAY,
            by=BY,
        )
    )
    assert refused == {
        "choice.not_of_the_day",
        "choice.other_center",
        "contract.wrong_center",
        "contract.not_signed",
    }


@pytest.mark.req("CF-03")
def test_a_center_not_qualified_that_day_cannot_be_chosen() -> None:
    day = (T0 + DAY).date()
    with pytest.raises(RuleViolation) as refused:
        choice_of("center-b", day, qualified=frozenset({"center-a", "center-c"}))
    assert "center.not_qualified" in refused.value.codes


@pytest.mark.req("CF-05")
@pytest.mark.req("CF-06")
def test_issue_to_settlement_pays_the_tranches_and_returns_the_rest() -> None:
    funds, case, at = in_service_with_case()
    funds = redeem(
        funds,
        claim(Milestone.ADMISSION, at.date()),
        case=case,
        center=standing_of("center-a"),
        at=at,
        by=BY,
    )
    assert paid(funds.ledger, "cert-1") == rub(54_000)
    at += 90 * DAY
    case = advance(case, Event.COMPLETE_REHABILITATION, at=at, by=BY).case
    funds = redeem(
        funds,
        claim(Milestone.STAGE_III_COMPLETED, at.date(), claim_id="claim-2"),
        case=case,
        center=standing_of("center-a"),
        at=at,
        by=BY,
    )
    funds = settle(funds, "cert-1", at=at + DAY, by=BY, why="client left before stage IV")
    assert paid(funds.ledger, "cert-1") == rub(126_000)
    assert sum(released(funds.ledger, "cert-1").values(), rub(0)) == rub(54_000)
    assert [p.milestone for p in payments_of(funds, "cert-1")] == [
        Milestone.ADMISSION,
        Milestone.STAGE_III_COMPLETED,
    ]
    assert verify(funds).allowed


@pytest.mark.req("CF-06")
def test_a_double_claim_is_refused_and_changes_nothing() -> None:
    funds, case, at = in_service_with_case()
    first = claim(Milestone.ADMISSION, at.date())
    funds = redeem(funds, first, case=case, center=standing_of("center-a"), at=at, by=BY)
    again = attrs.evolve(first, id="claim-2")
    before = report(funds.ledger, by=("source", "certificate"))
    assert codes(
        lambda: redeem(funds, again, case=case, center=standing_of("center-a"), at=at, by=BY)
    ) == {"claim.already_paid"}
    assert report(funds.ledger, by=("source", "certificate")) == before
    assert len(payments_of(funds, "cert-1")) == 1


@pytest.mark.req("CF-04")
@pytest.mark.req("CF-06")
def test_a_claim_for_another_clients_certificate_is_refused() -> None:
    funds, case, at = in_service_with_case()
    stranger = claim(Milestone.ADMISSION, at.date(), client_id="client-2")
    assert "claim.other_client" in codes(
        lambda: redeem(funds, stranger, case=case, center=standing_of("center-a"), at=at, by=BY)
    )


@pytest.mark.req("CF-06")
def test_a_claim_on_a_certificate_never_placed_is_refused_with_reasons() -> None:
    funds = issued()
    case = case_in_treatment("client-1")
    assert codes(
        lambda: redeem(
            funds,
            claim(Milestone.ADMISSION, T0.date()),
            case=case,
            center=standing_of("center-a"),
            at=T0,
            by=BY,
        )
    ) == {"certificate.not_active", "claim.not_contracted_center"}


@pytest.mark.req("CF-03")
def test_a_change_of_center_carries_the_remaining_value() -> None:
    funds, case, at = in_service_with_case()
    funds = redeem(
        funds,
        claim(Milestone.ADMISSION, at.date()),
        case=case,
        center=standing_of("center-a"),
        at=at,
        by=BY,
    )
    left = remaining(funds, "cert-1")
    assert left == rub(126_000)
    at += 10 * DAY
    funds = change_center(
        funds,
        "cert-1",
        choice_of("center-b", at.date()),
        contract("client-1", "center-b", at.date()),
        at=at,
        by=BY,
        why="the client asked to be nearer home",
    )
    assert remaining(funds, "cert-1") == left
    assert sum(committed(funds.ledger, "cert-1").values(), rub(0)) == left
    # the former center can no longer be paid for later services; the new one can
    certificate, contract_now = standings(funds, "client-1", on=at.date())
    assert certificate is not None and certificate.center_id == "center-b"
    assert contract_now is not None and contract_now.center_id == "center-b"
    assert verify(funds).allowed


@pytest.mark.req("CF-06")
@pytest.mark.req("CF-07")
@pytest.mark.parametrize("end", ["expire", "cancel", "revoke"])
def test_an_ended_certificate_releases_its_unused_money_to_its_sources(end: str) -> None:
    funds = placed()
    before = available(funds.ledger, "regional", 2026), available(funds.ledger, "federal", 2026)
    if end == "expire":
        funds = expire(funds, "cert-1", at=T0 + 301 * DAY, by=BY)
    elif end == "cancel":
        funds = cancel(funds, "cert-1", at=T0 + 2 * DAY, by=BY, why="the client declined")
    else:
        funds = revoke(funds, "cert-1", at=T0 + 2 * DAY, by=BY, why="false documents")
    after = available(funds.ledger, "regional", 2026), available(funds.ledger, "federal", 2026)
    assert after == (before[0] + rub(120_000), before[1] + rub(60_000))
    assert not certificate_of(funds, "cert-1").active
    assert verify(funds).allowed


@pytest.mark.req("CF-06")
def test_expiry_before_the_end_of_validity_is_refused_and_keeps_the_money() -> None:
    funds = placed()
    assert codes(lambda: expire(funds, "cert-1", at=T0 + 2 * DAY, by=BY)) == {
        "certificate.still_valid"
    }
    assert sum(committed(funds.ledger, "cert-1").values(), rub(0)) == rub(180_000)


def test_operations_out_of_time_order_are_refused() -> None:
    funds = placed()
    assert codes(lambda: cancel(funds, "cert-1", at=T0 - DAY, by=BY, why="typo")) == {
        "time.before_last_decision",
        "ledger.out_of_order",
    }


@pytest.mark.req("PW-05")
def test_admission_reads_the_certificate_and_contract_from_funding() -> None:
    funds = issued()
    case = case_in_treatment("client-1")
    with pytest.raises(RuleViolation) as refused:
        admit(funds, case, "center-a", T0 + DAY)
    assert set(refused.value.codes) == {"certificate.not_placed", "contract.missing"}
    funds = placed(funds)
    admitted = admit(funds, case, "center-a", T0 + 2 * DAY)
    assert admitted.state is State.SOCIAL_REHABILITATION


# --- bad input -----------------------------------------------------------------------------------


def test_amounts_as_floats_are_refused() -> None:
    with pytest.raises(ValidationError):
        Money(180000.0, "RUB")  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as bad:
        issue_one(face_value=180000.0, split={"regional": 180000.0})
    assert {"face_value", "split"} <= set(bad.value.paths)


@given(face=st.integers(-1_000_000, 0))
def test_zero_or_negative_face_values_are_refused(face: int) -> None:
    with pytest.raises(ValidationError) as bad:
        issued(face=face)
    assert "face_value" in bad.value.paths


def test_mixed_currencies_are_refused() -> None:
    with pytest.raises(ValidationError) as bad:  # an EUR certificate on a RUB tariff
        issue_one(face_value=Money.of(3000, "EUR"), split={"regional": Money.of(3000, "EUR")})
    assert bad.value.paths == ("tariff",)
    with pytest.raises(ValidationError) as bad:  # a split in another currency than the ledger's
        issue_one(split={"regional": Money.of(90_000, "EUR")})
    assert "split" in bad.value.paths[0]


def test_dates_out_of_order_are_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        issued(valid_days=-5)
    assert "validity.reversed" in refused.value.codes


def test_bad_arguments_name_every_path() -> None:
    funds = issued()
    with pytest.raises(ValidationError) as bad:
        place(
            funds,
            "",
            "center-a",  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            at=datetime(2026, 1, 1),
            by=BY,
        )
    assert set(bad.value.paths) == {"certificate_id", "choice", "contract", "at"}
    with pytest.raises(ValidationError) as bad:
        redeem(funds, "claim", case=None, center=None, at=T0, by="")  # type: ignore[arg-type]
    assert set(bad.value.paths) >= {"claim", "by"}


def test_funding_is_a_frozen_value() -> None:
    funds = issued()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        funds.ledger = budget()  # type: ignore[misc]
    with pytest.raises(TypeError):
        funds.tariffs["cert-2"] = moscow()  # type: ignore[index]
    assert remaining(funds, "cert-1") == rub(180_000)
