"""Tariffs, tranches and milestones (CF-05)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _builders import BY, admission, in_treatment, run
from resocialize.errors import RuleViolation, ValidationError
from resocialize.facts import Facts
from resocialize.guards import add_months
from resocialize.money import Money, minor_units, sum_money
from resocialize.pathway import Case, Event, State, advance
from resocialize.records import LabourOutcome, Placement
from resocialize.tariffs import (
    MILESTONE_EVENTS,
    DropoutRule,
    Milestone,
    MilestoneReached,
    PerDiemSchedule,
    Tariff,
    Tranche,
    TrancheSchedule,
    amount_due,
    days_served,
    default_tariffs,
    dropout_amount,
    milestones_reached,
    schedule_amounts,
    tariffs_from_json,
    tariffs_to_json,
)

pytestmark = pytest.mark.req("CF-05")

CURRENCIES = ["RUB", "JPY", "KWD", "USD"]


def rub(amount: int | str) -> Money:
    return Money.of(amount, "RUB")


def tranche_tariff(shares: list[Decimal], currency: str = "RUB", cap: str = "0.5") -> Tariff:
    milestones = [Milestone.ADMISSION, Milestone.STAGE_III_COMPLETED, Milestone.STAGE_IV_COMPLETED]
    tranches = [Tranche(m, s) for m, s in zip(milestones, shares, strict=False)]
    tranches += [
        Tranche(Milestone.NO_RELAPSE, s, months=i + 1)
        for i, s in enumerate(shares[len(milestones) :])
    ]
    return Tariff(
        "test", "test tariff", currency, TrancheSchedule(tranches), DropoutRule(Decimal(cap))
    )


@st.composite
def face_values(draw: st.DrawFn, currency: str) -> Money:
    units = draw(st.integers(1, 10**12))
    return Money(Decimal(units).scaleb(-minor_units(currency)), currency)


@st.composite
def share_lists(draw: st.DrawFn) -> list[Decimal]:
    """Decimal fractions with up to 4 places, all above 0, summing to exactly 1."""
    places = draw(st.integers(0, 4))
    whole = 10**places
    count = draw(st.integers(1, min(8, whole)))
    cuts: list[int] = []
    if count > 1:
        cuts = sorted(
            draw(st.sets(st.integers(1, whole - 1), min_size=count - 1, max_size=count - 1))
        )
    bounds = [0, *cuts, whole]
    return [Decimal(b - a).scaleb(-places) for a, b in itertools.pairwise(bounds)]


# --- the default tariffs ---------------------------------------------------------------------


def test_default_moscow_tariff_pays_1000_rub_a_day_up_to_180_days() -> None:
    moscow = default_tariffs()["moscow_per_diem"]
    face = rub("180000.00")
    assert isinstance(moscow.schedule, PerDiemSchedule)
    assert moscow.schedule.rate == rub(1000)
    assert amount_due(moscow, face, Milestone.ADMISSION, days_served=1) == rub(1000)
    assert amount_due(moscow, face, Milestone.STAGE_III_COMPLETED, days_served=30) == rub(30_000)
    assert amount_due(moscow, face, Milestone.STAGE_III_COMPLETED, days_served=180) == rub(180_000)
    assert amount_due(moscow, face, Milestone.STAGE_III_COMPLETED, days_served=365) == rub(180_000)


def test_per_diem_never_pays_above_the_certificates_face_value() -> None:
    moscow = default_tariffs()["moscow_per_diem"]
    assert amount_due(moscow, rub(90_000), "admission", days_served=180) == rub(90_000)


def test_default_rostov_tariff_pays_54000_72000_54000_of_180000_rub() -> None:
    rostov = default_tariffs()["rostov_certificate"]
    assert rostov.face_value == rub(180_000)
    amounts = schedule_amounts(rostov, rostov.face_value)
    assert [(t.milestone, t.months, m) for t, m in amounts] == [
        (Milestone.ADMISSION, None, rub(54_000)),
        (Milestone.STAGE_III_COMPLETED, None, rub(72_000)),
        (Milestone.NO_RELAPSE, 6, rub(54_000)),
    ]
    assert amount_due(rostov, rostov.face_value, Milestone.NO_RELAPSE, months=6) == rub(54_000)
    assert rostov.no_relapse_months == (6,)


def test_default_access_to_recovery_tariff_is_capped_by_amount() -> None:
    atr = default_tariffs()["access_to_recovery_rate"]
    face = Money.of(5000, "USD")
    assert amount_due(atr, face, "admission", days_served=10) == Money.of(500, "USD")
    assert amount_due(atr, face, "admission", days_served=80) == Money.of(3000, "USD")


def test_default_tariffs_read_back_from_json_unchanged() -> None:
    assert tariffs_from_json(tariffs_to_json(default_tariffs())) == default_tariffs()


# --- tranches --------------------------------------------------------------------------------


@given(data=st.data(), shares=share_lists(), currency=st.sampled_from(CURRENCIES))
def test_tranche_amounts_always_sum_exactly_to_the_face_value(
    data: st.DataObject, shares: list[Decimal], currency: str
) -> None:
    tariff = tranche_tariff(shares, currency)
    face = data.draw(face_values(currency))
    amounts = [money for _, money in schedule_amounts(tariff, face)]
    assert sum_money(amounts, currency) == face
    assert all(not money.is_negative and money.rounded() == money for money in amounts)
    for (tranche, money), share in zip(schedule_amounts(tariff, face), shares, strict=True):
        assert tranche.share == share
        assert abs(money.amount - face.amount * share) < Decimal(1).scaleb(-minor_units(currency))
        due = amount_due(tariff, face, tranche.milestone, months=tranche.months)
        assert due == money


def test_tranche_shares_not_summing_to_one_are_refused_naming_the_sum() -> None:
    with pytest.raises(ValidationError) as caught:
        TrancheSchedule(
            [
                Tranche(Milestone.ADMISSION, Decimal("0.3")),
                Tranche(Milestone.STAGE_III_COMPLETED, Decimal("0.6")),
            ]
        )
    assert caught.value.paths == ("tranches",)
    assert "sum to 0.9, not 1" in str(caught.value)


def test_tranche_paying_one_milestone_twice_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        TrancheSchedule(
            [
                Tranche(Milestone.NO_RELAPSE, Decimal("0.5"), months=6),
                Tranche(Milestone.NO_RELAPSE, Decimal("0.5"), months=6),
            ]
        )
    assert caught.value.paths == ("tranches[1]",)


def test_tranche_share_refused_as_float_zero_or_above_one_and_months_only_for_no_relapse() -> None:
    with pytest.raises(ValidationError) as caught:
        Tranche(Milestone.ADMISSION, 0.3)  # type: ignore[arg-type]
    assert "Decimal('0.3')" in str(caught.value)
    for share in ("0", "1.01", "-0.2"):
        with pytest.raises(ValidationError, match="share"):
            Tranche(Milestone.ADMISSION, Decimal(share))
    with pytest.raises(ValidationError, match="months: is required"):
        Tranche(Milestone.NO_RELAPSE, Decimal("1"))
    with pytest.raises(ValidationError, match="months: is only for no_relapse"):
        Tranche(Milestone.ADMISSION, Decimal("1"), months=6)


def test_amount_due_refused_for_a_milestone_the_tariff_does_not_pay() -> None:
    rostov = default_tariffs()["rostov_certificate"]
    for milestone, months in ((Milestone.STAGE_IV_COMPLETED, None), (Milestone.NO_RELAPSE, 12)):
        with pytest.raises(RuleViolation) as caught:
            amount_due(rostov, rub(180_000), milestone, months=months)
        assert caught.value.codes == ("tariff.milestone_not_paid",)


def test_amount_due_bad_input_reports_every_field() -> None:
    rostov = default_tariffs()["rostov_certificate"]
    with pytest.raises(ValidationError) as caught:
        amount_due("rostov", Decimal(5), "graduation", months=0, days_served=-1)  # type: ignore[arg-type]
    assert set(caught.value.paths) == {"tariff", "face_value", "milestone", "months", "days_served"}
    with pytest.raises(ValidationError) as caught:
        amount_due(rostov, Money.of(100, "EUR"), Milestone.NO_RELAPSE)
    assert caught.value.paths == ("face_value", "months")
    with pytest.raises(ValidationError) as caught:
        amount_due(rostov, rub("100.005"), Milestone.ADMISSION, months=6)
    assert caught.value.paths == ("face_value", "months")
    with pytest.raises(ValidationError) as caught:
        amount_due(default_tariffs()["moscow_per_diem"], rub(0), Milestone.ADMISSION)
    assert caught.value.paths == ("face_value", "days_served")


def test_schedule_amounts_refused_for_a_per_diem_tariff() -> None:
    with pytest.raises(ValidationError) as caught:
        schedule_amounts(default_tariffs()["moscow_per_diem"], rub(1000))
    assert caught.value.paths == ("tariff",)


# --- per diem --------------------------------------------------------------------------------


@given(
    currency=st.sampled_from(CURRENCIES),
    rate=st.integers(1, 10**7),
    max_days=st.none() | st.integers(1, 3650),
    cap=st.none() | st.integers(1, 10**10),
    days=st.integers(0, 5000),
)
def test_per_diem_never_exceeds_its_caps(
    currency: str, rate: int, max_days: int | None, cap: int | None, days: int
) -> None:
    places = minor_units(currency)

    def money(units: int) -> Money:
        return Money(Decimal(units).scaleb(-places), currency)

    if max_days is None and cap is None:
        with pytest.raises(ValidationError, match="max_days"):
            PerDiemSchedule(money(rate))
        return
    schedule = PerDiemSchedule(money(rate), max_days, None if cap is None else money(cap))
    amount = schedule.amount_for_days(days)
    assert not amount.is_negative
    assert amount <= money(rate) * days
    if max_days is not None:
        assert amount <= money(rate) * max_days
    if cap is not None:
        assert amount <= money(cap)
    counted = days if max_days is None else min(days, max_days)
    assert amount == min(money(rate) * counted, money(cap if cap is not None else rate * counted))


def test_per_diem_refuses_negative_rates_fractions_of_minor_units_and_other_currencies() -> None:
    with pytest.raises(ValidationError) as caught:
        PerDiemSchedule(rub(-1000), max_days=0, cap=Money.of("10.001", "EUR"))
    assert caught.value.paths == ("rate", "max_days", "cap")
    with pytest.raises(ValidationError) as caught:
        PerDiemSchedule(rub(1000), cap=Money.of(10, "EUR"))
    assert caught.value.paths == ("cap",)
    with pytest.raises(ValidationError) as caught:
        Tariff("x", "x", "USD", PerDiemSchedule(rub(1000), 10), face_value=rub(10))
    assert caught.value.paths == ("schedule.rate", "face_value")


# --- dropout ---------------------------------------------------------------------------------


def test_dropout_pays_days_served_pro_rata_capped_less_what_was_paid() -> None:
    rostov = default_tariffs()["rostov_certificate"]
    face = rub(180_000)

    def paid_on_dropout(days: int, paid: int) -> Money:
        return dropout_amount(
            rostov, face, days_served=days, planned_days=180, paid_so_far=rub(paid)
        )

    assert paid_on_dropout(60, 54_000) == rub(6_000)  # 60/180 of 180,000 is 60,000
    assert paid_on_dropout(30, 54_000) == rub(0)  # already paid more than earned: no clawback
    assert paid_on_dropout(170, 54_000) == rub(36_000)  # capped at half: 90,000 in all
    assert paid_on_dropout(170, 126_000) == rub(0)
    moscow = default_tariffs()["moscow_per_diem"]
    assert dropout_amount(
        moscow, face, days_served=45, planned_days=180, paid_so_far=rub(30_000)
    ) == rub(15_000)


def test_dropout_pays_nothing_without_a_rule_or_before_the_minimum_days() -> None:
    tariff = Tariff(
        "none",
        "no dropout payment",
        "RUB",
        TrancheSchedule([Tranche(Milestone.ADMISSION, Decimal(1))]),
    )
    assert dropout_amount(
        tariff, rub(1000), days_served=10, planned_days=10, paid_so_far=rub(0)
    ).is_zero
    waiting = Tariff(
        "wait", "pays from day 14", "RUB", tariff.schedule, DropoutRule(Decimal(1), min_days=14)
    )
    assert dropout_amount(
        waiting, rub(1400), days_served=13, planned_days=140, paid_so_far=rub(0)
    ).is_zero
    assert dropout_amount(
        waiting, rub(1400), days_served=14, planned_days=140, paid_so_far=rub(0)
    ) == rub(140)


def test_dropout_bad_input_reports_every_field() -> None:
    rostov = default_tariffs()["rostov_certificate"]
    with pytest.raises(ValidationError) as caught:
        dropout_amount(
            rostov,
            rub(1000),
            days_served=-1,
            planned_days=0,
            paid_so_far=rub(2000),
        )
    assert caught.value.paths == ("days_served", "planned_days", "paid_so_far")
    with pytest.raises(ValidationError) as caught:
        dropout_amount(
            rostov,
            rub(1000),
            days_served=1,
            planned_days=1,
            paid_so_far=Money.of(1, "EUR"),
        )
    assert caught.value.paths == ("paid_so_far",)


@given(
    data=st.data(),
    per_diem=st.booleans(),
    currency=st.sampled_from(CURRENCIES),
    cap_share=st.integers(0, 100).map(lambda n: Decimal(n).scaleb(-2)),
    min_days=st.integers(0, 30),
    planned=st.integers(1, 400),
    days=st.lists(st.integers(0, 500), min_size=2, max_size=2).map(sorted),
)
def test_dropout_never_exceeds_its_cap_nor_the_face_value_and_grows_with_days_served(
    data: st.DataObject,
    per_diem: bool,
    currency: str,
    cap_share: Decimal,
    min_days: int,
    planned: int,
    days: list[int],
) -> None:
    face = data.draw(face_values(currency))
    rule = DropoutRule(cap_share, min_days)
    if per_diem:
        rate = data.draw(st.integers(1, 10**9))
        schedule: TrancheSchedule | PerDiemSchedule = PerDiemSchedule(
            Money(Decimal(rate).scaleb(-minor_units(currency)), currency), max_days=planned
        )
    else:
        schedule = TrancheSchedule([Tranche(Milestone.ADMISSION, Decimal(1))])
    tariff = Tariff("t", "t", currency, schedule, rule)
    paid_units = data.draw(st.integers(0, int(face.amount.scaleb(minor_units(currency)))))
    paid = Money(Decimal(paid_units).scaleb(-minor_units(currency)), currency)
    fewer, more = (
        dropout_amount(tariff, face, days_served=d, planned_days=planned, paid_so_far=paid)
        for d in days
    )
    for amount in (fewer, more):
        assert not amount.is_negative
        assert amount.rounded() == amount
        assert amount + paid <= face or amount.is_zero
        assert amount.is_zero or amount + paid <= face * cap_share
    assert fewer <= more
    if not per_diem:
        exact = face * min(days[0], planned) / planned
        assert fewer.is_zero or fewer + paid <= exact


# --- milestones from the pathway -------------------------------------------------------------

C1, C2 = "center-1", "center-2"


def placed(center: str) -> Facts:
    return admission(center=center, placed_with=center, contract_center=center)


def test_milestones_of_a_full_course_in_one_center_in_date_order() -> None:
    case = run(in_treatment(), Event.ADMIT, facts=placed(C1))
    case = run(case, Event.COMPLETE_REHABILITATION, days=90)
    case = run(
        case, Event.COMPLETE_RESOCIALIZATION, facts=Facts(labour_outcome=LabourOutcome.EMPLOYED)
    )
    case = run(case, Event.ACHIEVE_REMISSION, days=400)
    admitted, rehabilitated, resocialized, remission = (e.at.date() for e in case.history[-4:])
    reached = milestones_reached(case, C1, as_of=date(2030, 1, 1), no_relapse_months=(6, 12))
    assert reached == (
        MilestoneReached(Milestone.ADMISSION, admitted),
        MilestoneReached(Milestone.STAGE_III_COMPLETED, rehabilitated),
        MilestoneReached(Milestone.STAGE_IV_COMPLETED, resocialized),
        MilestoneReached(Milestone.NO_RELAPSE, add_months(rehabilitated, 6), 6),
        MilestoneReached(Milestone.NO_RELAPSE, add_months(rehabilitated, 12), 12),
        MilestoneReached(Milestone.SUSTAINED_REMISSION, remission),
    )
    assert milestones_reached(case, C2, as_of=date(2030, 1, 1)) == ()
    early = milestones_reached(case, C1, as_of=add_months(rehabilitated, 6) - timedelta(days=1))
    assert [r.milestone for r in early] == [
        Milestone.ADMISSION,
        Milestone.STAGE_III_COMPLETED,
        Milestone.STAGE_IV_COMPLETED,
    ]


def test_milestones_after_a_transfer_belong_to_the_new_center() -> None:
    case = run(in_treatment(), Event.ADMIT, facts=placed(C1))
    case = run(case, Event.TRANSFER, facts=placed(C2))
    case = run(case, Event.COMPLETE_REHABILITATION, days=60)
    as_of = date(2030, 1, 1)
    assert [r.milestone for r in milestones_reached(case, C1, as_of=as_of)] == [Milestone.ADMISSION]
    assert [r.milestone for r in milestones_reached(case, C2, as_of=as_of)] == [
        Milestone.ADMISSION,
        Milestone.STAGE_III_COMPLETED,
        Milestone.NO_RELAPSE,
    ]


def test_no_relapse_milestone_not_reached_when_the_client_relapses_first() -> None:
    case = run(in_treatment(), Event.ADMIT, facts=placed(C1))
    case = run(case, Event.COMPLETE_REHABILITATION, days=60)
    case = run(case, Event.RELAPSE, days=150)
    reached = milestones_reached(case, C1, as_of=date(2030, 1, 1))
    assert Milestone.NO_RELAPSE not in [r.milestone for r in reached]


def test_milestones_reached_bad_input_reports_every_field() -> None:
    with pytest.raises(ValidationError) as caught:
        milestones_reached(
            "case",  # type: ignore[arg-type]
            "",
            as_of="2026-01-01",  # type: ignore[arg-type]
            no_relapse_months=(6, 0),
        )
    assert caught.value.paths == ("case", "center_id", "as_of", "no_relapse_months[1]")


_STEPS = [
    Event.ADMIT,
    Event.TRANSFER,
    Event.COMPLETE_REHABILITATION,
    Event.COMPLETE_RESOCIALIZATION,
    Event.ACHIEVE_REMISSION,
    Event.RELAPSE,
    Event.DROP_OUT,
    Event.START_TREATMENT,
    Event.GIVE_CONSENT,
    Event.ENTER_RESOCIALIZATION,
    Event.DETAIN,
]


def _facts(event: Event, center: str) -> Facts:
    if event in (Event.ADMIT, Event.TRANSFER):
        return placed(center)
    if event is Event.COMPLETE_RESOCIALIZATION:
        return Facts(labour_outcome=LabourOutcome.IN_TRAINING)
    return Facts()


_FORWARD = {
    State.TREATMENT: [Event.ADMIT, Event.ADMIT, Event.ENTER_RESOCIALIZATION],
    State.SOCIAL_REHABILITATION: [Event.COMPLETE_REHABILITATION, Event.TRANSFER],
    State.RESOCIALIZATION: [Event.COMPLETE_RESOCIALIZATION],
    State.PATRONAGE: [Event.ACHIEVE_REMISSION],
    State.RELAPSED: [Event.START_TREATMENT],
}


@st.composite
def walks(draw: st.DrawFn) -> Case:
    """A case moved at random through stages III-V across two centers, mostly forward."""
    case = in_treatment()
    for _ in range(draw(st.integers(0, 20))):
        forward = _FORWARD.get(case.state)
        if forward and draw(st.integers(0, 3)):
            event = draw(st.sampled_from(forward))
        else:
            event = draw(st.sampled_from(_STEPS))
        center = draw(st.sampled_from([C1, C2]))
        gap = draw(st.integers(0, 450 if event is Event.ACHIEVE_REMISSION else 200))
        at = case.history[-1].at + timedelta(days=gap)
        try:
            case = advance(case, event, at=at, by=BY, facts=_facts(event, center)).case
        except RuleViolation:
            continue
    return case


_SERVICE = {State.SOCIAL_REHABILITATION, State.RESOCIALIZATION, State.PATRONAGE}
_SERVICE |= {State.SUSTAINED_REMISSION}
_IV_V = _SERVICE - {State.SOCIAL_REHABILITATION}


def _in_charge(case: Case, index: int) -> str | None:
    """Who was in charge just before (or, for a placement, at) entry ``index``."""
    for j in range(index, -1, -1):
        entry = case.history[j]
        if entry.event in (Event.ADMIT, Event.TRANSFER):
            assert isinstance(entry.record, Placement)
            left = any(e.target not in _SERVICE for e in case.history[j:index])
            return None if left else entry.record.center_id
    return None


@given(
    case=walks(),
    center=st.sampled_from([C1, C2, "center-3"]),
    as_of=st.dates(date(2026, 1, 1), date(2034, 1, 1)),
    months=st.sets(st.integers(1, 24), max_size=3),
)
def test_milestones_reached_come_from_the_history_in_date_order_for_that_center_only(
    case: Case, center: str, as_of: date, months: set[int]
) -> None:
    reached = milestones_reached(case, center, as_of=as_of, no_relapse_months=months)
    dates = [r.on for r in reached]
    assert dates == sorted(dates)
    assert all(day <= as_of for day in dates)
    expected = [
        (m, e.at.date())
        for i, e in enumerate(case.history)
        for m, events in MILESTONE_EVENTS.items()
        if e.event in events and e.at.date() <= as_of and _in_charge(case, i) == center
    ]
    assert [(r.milestone, r.on) for r in reached if r.months is None] == expected
    for result in reached:
        if result.milestone is not Milestone.NO_RELAPSE:
            continue
        assert result.months in months
        starts = [
            (i, e)
            for i, e in enumerate(case.history)
            if e.source not in _IV_V
            and e.target in _IV_V
            and add_months(e.at.date(), result.months) == result.on
            and _in_charge(case, i) == center
        ]
        assert starts, "no entry into stage IV that period starts from"
        i, _ = starts[-1]
        assert all(e.target in _IV_V for e in case.history[i + 1 :] if e.at.date() <= result.on), (
            "the client left stages IV/V during the period"
        )
    if center == "center-3":
        assert reached == ()


@pytest.mark.req("CF-05")
def test_dropout_is_reached_when_the_client_drops_out_while_the_center_is_in_charge() -> None:
    case = run(in_treatment(), Event.ADMIT, facts=placed(C1))
    case = run(case, Event.DROP_OUT, days=40)
    dropped = case.history[-1].at.date()
    reached = milestones_reached(case, C1, as_of=date(2030, 1, 1))
    assert [(r.milestone, r.on) for r in reached][-1] == (Milestone.DROPOUT, dropped)
    assert milestones_reached(case, C2, as_of=date(2030, 1, 1)) == ()
    assert Milestone.DROPOUT not in [
        r.milestone for r in milestones_reached(case, C1, as_of=dropped - timedelta(days=1))
    ]
    from_treatment = run(in_treatment(), Event.DROP_OUT)
    assert milestones_reached(from_treatment, C1, as_of=date(2030, 1, 1)) == ()


@pytest.mark.req("CF-05")
@given(
    case=walks(),
    center=st.sampled_from([C1, C2]),
    as_of=st.dates(date(2026, 1, 1), date(2034, 1, 1)),
)
def test_days_served_is_never_a_milestone_reached(case: Case, center: str, as_of: date) -> None:
    reached = milestones_reached(case, center, as_of=as_of)
    assert Milestone.DAYS_SERVED not in [r.milestone for r in reached]


@pytest.mark.req("CF-05")
@pytest.mark.parametrize("milestone", [Milestone.DAYS_SERVED, Milestone.DROPOUT])
def test_days_served_and_dropout_are_never_tranches(milestone: Milestone) -> None:
    with pytest.raises(ValidationError) as caught:
        TrancheSchedule(
            [Tranche(Milestone.ADMISSION, Decimal("0.5")), Tranche(milestone, Decimal("0.5"))]
        )
    assert caught.value.paths == ("tranches[1].milestone",)
    text = f"""{{"tariffs": [{{"code": "a", "description": "a", "currency": "RUB",
      "schedule": {{"kind": "tranches", "tranches": [
        {{"milestone": "admission", "share": "0.5"}},
        {{"milestone": "{milestone.value}", "share": "0.5"}}]}}}}]}}"""
    with pytest.raises(ValidationError) as caught:
        tariffs_from_json(text)
    assert caught.value.paths == ("tariffs[0].schedule.tranches[1].milestone",)


@pytest.mark.req("CF-05")
def test_days_served_are_paid_per_diem_and_never_as_a_tranche() -> None:
    moscow = default_tariffs()["moscow_per_diem"]
    face = rub(180_000)
    assert amount_due(moscow, face, Milestone.DAYS_SERVED, days_served=45) == rub(45_000)
    assert amount_due(moscow, face, Milestone.DAYS_SERVED, days_served=400) == rub(180_000)
    rostov = default_tariffs()["rostov_certificate"]
    with pytest.raises(RuleViolation) as refused:
        amount_due(rostov, face, Milestone.DAYS_SERVED)
    assert refused.value.codes == ("tariff.milestone_not_paid",)


# --- days served -----------------------------------------------------------------------------


@pytest.mark.req("CF-05")
def test_days_served_count_stages_iii_iv_with_the_center_a_transfer_day_is_the_new_ones() -> None:
    case = run(in_treatment(), Event.ADMIT, facts=placed(C1))  # day 0 with C1
    case = run(case, Event.TRANSFER, facts=placed(C2), days=10)  # day 10 with C2
    case = run(case, Event.COMPLETE_REHABILITATION, days=20)  # day 30: stage IV
    case = run(
        case,
        Event.COMPLETE_RESOCIALIZATION,
        facts=Facts(labour_outcome=LabourOutcome.EMPLOYED),
        days=30,
    )  # day 60: patronage, not counted
    start = case.history[-4].at.date()
    end = start + timedelta(days=400)
    assert days_served(case, C1, after=None, through=end) == 10
    assert days_served(case, C2, after=None, through=end) == 50
    assert days_served(case, C2, after=start + timedelta(days=19), through=end) == 40
    assert days_served(case, C2, after=None, through=start + timedelta(days=14)) == 5
    assert days_served(case, "center-3", after=None, through=end) == 0
    assert days_served(case, C2, after=end, through=start) == 0  # an empty window


@pytest.mark.req("CF-05")
def test_days_served_of_a_stay_still_open_count_through_the_last_day() -> None:
    case = run(in_treatment(), Event.ADMIT, facts=placed(C1))
    admitted = case.history[-1].at.date()
    assert days_served(case, C1, after=None, through=admitted) == 1
    assert days_served(case, C1, after=None, through=admitted + timedelta(days=99)) == 100
    assert days_served(case, C1, after=None, through=admitted - timedelta(days=1)) == 0


@pytest.mark.req("CF-05")
def test_days_served_bad_input_reports_every_field() -> None:
    with pytest.raises(ValidationError) as caught:
        days_served("case", "", after="2026-01-01", through=None)  # type: ignore[arg-type]
    assert caught.value.paths == ("case", "center_id", "after", "through")


def _counted(case: Case, center: str, day: date) -> bool:
    """Whether ``day`` is a day served with ``center``: after the day's last entry the client
    is in stage III or IV, placed with it."""
    placed_with: str | None = None
    state: State | None = None
    for entry in case.history:
        if entry.at.date() > day:
            break
        if entry.event in (Event.ADMIT, Event.TRANSFER):
            assert isinstance(entry.record, Placement)
            placed_with = entry.record.center_id
        if entry.target not in _SERVICE:
            placed_with = None
        state = entry.target
    return state in (State.SOCIAL_REHABILITATION, State.RESOCIALIZATION) and placed_with == center


@pytest.mark.req("CF-05")
@given(
    case=walks(),
    center=st.sampled_from([C1, C2, "center-3"]),
    offsets=st.tuples(st.integers(-5, 3000), st.integers(0, 3000)),
)
def test_days_served_add_up_over_any_split_of_the_window(
    case: Case, center: str, offsets: tuple[int, int]
) -> None:
    opened = case.history[0].at.date()
    s = opened + timedelta(days=offsets[0])
    t = s + timedelta(days=offsets[1])
    whole = days_served(case, center, after=None, through=t)
    first = days_served(case, center, after=None, through=s)
    rest = days_served(case, center, after=s, through=t)
    assert whole == first + rest
    assert 0 <= rest <= (t - s).days
    assert 0 <= whole <= max(0, (t - opened).days + 1)
    counted = sum(_counted(case, center, s + timedelta(days=n + 1)) for n in range((t - s).days))
    assert rest == counted


# --- files -----------------------------------------------------------------------------------

BAD_TOML = """
[[tariffs]]
code = "north"
description = "tranches"
currency = "RUB"
face_value = "-100"
colour = "red"
[tariffs.schedule]
kind = "tranches"
[[tariffs.schedule.tranches]]
milestone = "admission"
share = "0.3"
[[tariffs.schedule.tranches]]
milestone = "stage_iii_completed"
share = "0.6"

[[tariffs]]
code = "south"
description = "tranches"
currency = "RUB"
[tariffs.schedule]
kind = "tranches"
[[tariffs.schedule.tranches]]
milestone = "admission"
share = "0.5"
[[tariffs.schedule.tranches]]
milestone = "graduation"
share = "0.5"
[[tariffs.schedule.tranches]]
milestone = "no_relapse"
share = 0.25
months = 6

[[tariffs]]
code = "east"
description = "per day"
currency = "RUB"
[tariffs.schedule]
kind = "per_diem"
rate = 1000.0
max_days = 180
cap = "-5"
[tariffs.dropout]
cap_share = "1.5"
"""


def test_bad_tariff_file_refused_with_the_path_of_every_problem() -> None:
    from resocialize.tariffs import tariffs_from_toml

    with pytest.raises(ValidationError) as caught:
        tariffs_from_toml(BAD_TOML)
    assert caught.value.paths == (
        "tariffs[0].colour",
        "tariffs[0].schedule.tranches",
        "tariffs[0].face_value",
        "tariffs[1].schedule.tranches[1].milestone",
        "tariffs[1].schedule.tranches[2].share",
        "tariffs[2].schedule.rate",
        "tariffs[2].schedule.cap",
        "tariffs[2].dropout.cap_share",
    )
    text = str(caught.value)
    assert "the shares sum to 0.9, not 1" in text
    assert "unknown milestone 'graduation'" in text
    assert "must not be a float" in text


def test_bad_json_tariffs_refused_with_paths_and_nothing_loaded() -> None:
    text = """{"tariffs": [
      {"code": "a", "description": "a", "currency": "RUB",
       "schedule": {"kind": "per_diem", "rate": "100.00", "max_days": 10}},
      {"code": "a", "description": "b", "currency": "RUB",
       "schedule": {"kind": "monthly"}},
      {"code": "c", "description": "c", "currency": "RUB", "schedule": {"kind": "tranches",
       "tranches": [{"milestone": "admission", "share": 1.0}]}}
    ], "version": 2}"""
    with pytest.raises(ValidationError) as caught:
        tariffs_from_json(text)
    assert caught.value.paths == (
        "version",
        "tariffs[1].schedule.kind",
        "tariffs[1].code",
        "tariffs[2].schedule.tranches[0].share",
    )


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("not json", "$"),
        ("[]", "$"),
        ('{"tariffs": []}', "tariffs"),
        ('{"tariffs": [1]}', "tariffs[0]"),
        ('{"tariffs": [{}]}', "tariffs[0].code"),
    ],
)
def test_malformed_tariff_documents_refused_with_a_path(text: str, path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        tariffs_from_json(text)
    assert caught.value.paths[0] == path
