"""Certificates in a scenario: a face value and a tariff, paid by both engines (SM-01, SM-02)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resocialize.errors import ValidationError
from resocialize.money import Money
from resocialize.pathway import State
from resocialize.simulation import Certificate, Scenario, default_scenario, scenario_from_toml
from resocialize.simulation.certificate import days_after
from resocialize.simulation.cohort import run_cohort
from resocialize.simulation.individual import run_individual, simulate_people
from resocialize.simulation.model import compile_model
from resocialize.simulation.results import Results
from resocialize.tariffs import (
    DropoutRule,
    Milestone,
    PerDiemSchedule,
    Tariff,
    Tranche,
    TrancheSchedule,
    default_tariffs,
)


def rub(amount: int | str) -> Money:
    return Money.of(amount, "RUB")


HEADER = """
name = "chain"
description = "everyone on one path through the stages, one person a month"
start = 2027-01-01
horizon_months = 30
currency = "RUB"
[intake]
court = [12]
[funding]
regional = "0.75"
federal = "0.25"
"""

MOTIVATION_TO_TREATMENT = """
[[transitions.identified]]
from_month = 0
motivation = 1.0
[[transitions.motivation]]
from_month = 0
treatment = 1.0
[[transitions.treatment]]
from_month = 0
social_rehabilitation = 1.0
"""


def chain(stage_iii: str, stage_iv: str, rest: str = "", certificate: str = "") -> Scenario:
    """Identified in month e, admitted to stage III at the end of month e + 3; then the rows
    given for stages III and IV (and the rest)."""
    return scenario_from_toml(
        HEADER + MOTIVATION_TO_TREATMENT + stage_iii + stage_iv + rest + certificate
    )


FOUR_MONTHS_IN_III = """
[[transitions.social_rehabilitation]]
from_month = 0
social_rehabilitation = 1.0
[[transitions.social_rehabilitation]]
from_month = 3
resocialization = 1.0
"""
THREE_MONTHS_IN_IV = """
[[transitions.resocialization]]
from_month = 0
resocialization = 1.0
[[transitions.resocialization]]
from_month = 2
patronage = 1.0
"""
MOSCOW = """
[certificate]
tariff = "moscow_per_diem"
"""
ROSTOV = """
[certificate]
tariff = "rostov_certificate"
planned_days = 180
"""


def per_person(results: Results, profile: dict[int, float], name: str = "paid") -> None:
    """The month-by-month total of ``name`` is one person a month, each following ``profile``
    (months after their entry: amount)."""
    months = results.occupancy.shape[0]
    expected = np.zeros(months)
    for entry in range(months):
        for later, amount in profile.items():
            if entry + later < months:
                expected[entry + later] += amount
    got = getattr(results, name).sum(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-6)


def both(scenario: Scenario) -> tuple[Results, Results]:
    """The cohort run and an individual run (the same whole people: every path is certain)."""
    return run_cohort(scenario), run_individual(scenario, seed=1)


# --- reading and checking -------------------------------------------------------------------------


DROPOUT_AFTER_A_MONTH = """
[[transitions.social_rehabilitation]]
from_month = 0
social_rehabilitation = 1.0
[[transitions.social_rehabilitation]]
from_month = 1
dropped_out = 1.0
"""
"""Stage III for one month, then everyone drops out."""


@pytest.mark.req("SM-01")
def test_a_certificate_reads_from_toml_by_tariff_code_or_in_full() -> None:
    base = HEADER + MOTIVATION_TO_TREATMENT
    rostov = scenario_from_toml(base + ROSTOV).certificate
    assert rostov is not None and rostov.tariff == default_tariffs()["rostov_certificate"]
    assert rostov.face == rub("180000.00") and rostov.course_days == 180
    inline = scenario_from_toml(
        base
        + """
[certificate]
face_value = "150000.00"
[certificate.tariff]
code = "daily"
description = "2,000 RUB a day, at most 100 days"
currency = "RUB"
schedule = { kind = "per_diem", rate = "2000.00", max_days = 100 }
"""
    ).certificate
    assert inline is not None and inline.per_diem
    assert inline.face == rub("150000.00") and inline.course_days == 100
    assert [str(inline.per_diem_paid(n)) for n in (1, 3, 4)] == [
        "60000.00 RUB",
        "150000.00 RUB",  # 182 days would be 182,000: capped by the face value
        "150000.00 RUB",
    ]


@pytest.mark.req("SM-01")
def test_bad_certificates_are_refused_with_the_path_of_every_problem() -> None:
    def paths(text: str) -> set[str]:
        with pytest.raises(ValidationError) as bad:
            scenario_from_toml(HEADER + MOTIVATION_TO_TREATMENT + text)
        return set(bad.value.paths)

    assert paths('[certificate]\ntariff = "nowhere"\ncolour = "red"\n') == {
        "certificate.tariff",
        "certificate.colour",
    }
    assert paths('[certificate]\ntariff = "rostov_certificate"\n') == {"certificate.planned_days"}
    assert paths(
        '[certificate]\ntariff = "moscow_per_diem"\nface_value = 180000.0\nplanned_days = 0\n'
    ) == {"certificate.face_value"}
    assert paths(
        """
[certificate]
planned_days = 0
[certificate.tariff]
code = "daily"
description = "a day"
currency = "RUB"
schedule = { kind = "per_diem", rate = 1000.5 }
"""
    ) == {"certificate.tariff.schedule.rate", "certificate.planned_days"}
    assert paths('[certificate]\ntariff = "access_to_recovery_rate"\n') == {
        "certificate.tariff.currency"
    }
    assert paths(MOSCOW + "[capacity]\nresocialization = 10\nsocial_rehabilitation = 10\n") == {
        "capacity.resocialization"
    }
    with pytest.raises(ValidationError) as bad:
        Certificate(default_tariffs()["rostov_certificate"], face_value=Money.of("10.001", "RUB"))
    assert bad.value.paths == ("face_value",)


# --- per diem -------------------------------------------------------------------------------------


@pytest.mark.req("SM-01")
@pytest.mark.req("SM-02")
def test_a_per_diem_certificate_pays_the_days_served_in_stages_iii_and_iv_up_to_its_face() -> None:
    scenario = chain(FOUR_MONTHS_IN_III, THREE_MONTHS_IN_IV, certificate=MOSCOW)
    # admitted at the end of month e + 3; in stage III months e + 4 .. e + 7, in stage IV
    # from e + 8: 30, 60, 91, 121, 152, 182 days served at the start of months e + 4 ..
    # e + 9, paid up to 180 days; nothing is left to release.
    days = [days_after(n) for n in range(7)]
    profile = {4 + n: 1000.0 * (min(days[n + 1], 180) - min(days[n], 180)) for n in range(6)}
    assert sum(profile.values()) == 180_000
    for results in both(scenario):
        per_person(results, profile)
        per_person(results, {3: 180_000.0}, "committed")
        per_person(results, {}, "released")
        np.testing.assert_allclose(results.paid[:, 0], 0.75 * results.paid.sum(axis=1))
        assert np.allclose(results.costs, results.paid)  # no other costs here


@pytest.mark.req("SM-01")
@pytest.mark.req("SM-02")
def test_a_dropout_ends_a_per_diem_certificate_and_releases_what_is_left() -> None:
    scenario = chain(DROPOUT_AFTER_A_MONTH, "", certificate=MOSCOW)
    for results in both(scenario):
        # two months served (60 days, paid as they accrue); the dropout rule pays the days
        # served less what was paid: nothing more; 120,000 is released on dropping out.
        per_person(results, {4: 30_000.0, 5: 30_000.0})
        per_person(results, {5: 120_000.0}, "released")


# --- tranches -------------------------------------------------------------------------------------


@pytest.mark.req("SM-01")
@pytest.mark.req("SM-02")
def test_tranches_are_paid_on_the_milestones_and_after_six_months_without_relapse() -> None:
    scenario = chain(FOUR_MONTHS_IN_III, THREE_MONTHS_IN_IV, certificate=ROSTOV)
    # 30% on admission (month e + 3), 40% on completing stage III (e + 7), 30% at the start
    # of the month after 6 months in stages IV-V: stage IV began with month e + 8, so e + 14.
    for results in both(scenario):
        per_person(results, {3: 54_000.0, 7: 72_000.0, 14: 54_000.0})
        per_person(results, {}, "released")


@pytest.mark.req("SM-01")
@pytest.mark.req("SM-02")
def test_a_relapse_before_the_results_tranche_releases_it() -> None:
    patronage = """
[[transitions.patronage]]
from_month = 0
patronage = 1.0
[[transitions.patronage]]
from_month = 1
relapsed = 1.0
"""
    scenario = chain(FOUR_MONTHS_IN_III, THREE_MONTHS_IN_IV, patronage, certificate=ROSTOV)
    # stage V from month e + 11, a relapse in e + 12 (5 months in stages IV-V): the last
    # 30% is never earned and is released.
    for results in both(scenario):
        per_person(results, {3: 54_000.0, 7: 72_000.0})
        per_person(results, {12: 54_000.0}, "released")


@pytest.mark.req("SM-01")
@pytest.mark.req("SM-02")
def test_a_dropout_pays_the_dropout_rule_of_a_tranche_tariff() -> None:
    scenario = chain(DROPOUT_AFTER_A_MONTH, "", certificate=ROSTOV)
    # two months served: 60 of 180 days earn 60,000 (at most half the face value); 54,000
    # was paid on admission, so the dropout pays 6,000 and 120,000 is released.
    for results in both(scenario):
        per_person(results, {3: 54_000.0, 5: 6_000.0})
        per_person(results, {5: 120_000.0}, "released")


# --- the two engines ------------------------------------------------------------------------------


def rostov_variant() -> Scenario:
    return attrs.evolve(
        default_scenario(),
        certificate=Certificate(default_tariffs()["rostov_certificate"], planned_days=180),
    )


@pytest.mark.req("SM-02")
@pytest.mark.parametrize("scenario", [default_scenario, rostov_variant], ids=["moscow", "rostov"])
def test_the_engines_agree_on_certificate_spending_in_expectation(scenario: Any) -> None:
    """Three seeds at scale 20 (about 750,000 people in all) against the cohort trace: the
    certificates paid, committed and released over the horizon within 1.5%, and paid in
    each year within 3%."""
    model = compile_model(scenario())
    expected = run_cohort(model)
    runs = [run_individual(model, seed=s, scale=20.0) for s in range(3)]
    for name in ("paid", "committed", "released"):
        got = np.mean([getattr(r, name).sum() for r in runs])
        want = getattr(expected, name).sum()
        assert want > 0 and abs(got / want - 1.0) < 0.015, (name, got, want)
    yearly = np.mean([r.paid.sum(axis=1).reshape(7, 12).sum(axis=1) for r in runs], axis=0)
    want = expected.paid.sum(axis=1).reshape(7, 12).sum(axis=1)
    assert (np.abs(yearly / want - 1.0) < 0.03).all(), yearly / want


# --- never above the face value -------------------------------------------------------------------


@st.composite
def tariffs(draw: st.DrawFn) -> Tariff:
    """Per-diem or tranche tariffs in RUB, with or without a dropout rule."""
    dropout = draw(
        st.none()
        | st.builds(
            DropoutRule,
            cap_share=st.integers(0, 100).map(lambda n: Decimal(n) / 100),
            min_days=st.integers(0, 90),
        )
    )
    if draw(st.booleans()):
        rate = Money.of(draw(st.integers(100, 3000)), "RUB")
        max_days = draw(st.none() | st.integers(20, 400))
        cap = None if max_days is not None else Money.of(draw(st.integers(1, 400)) * 1000, "RUB")
        schedule: Any = PerDiemSchedule(rate, max_days=max_days, cap=cap)
        face = None
    else:
        keys = draw(
            st.lists(
                st.sampled_from(
                    [
                        (Milestone.ADMISSION, None),
                        (Milestone.STAGE_III_COMPLETED, None),
                        (Milestone.STAGE_IV_COMPLETED, None),
                        (Milestone.SUSTAINED_REMISSION, None),
                        (Milestone.NO_RELAPSE, 3),
                        (Milestone.NO_RELAPSE, 6),
                        (Milestone.NO_RELAPSE, 12),
                    ]
                ),
                min_size=1,
                max_size=5,
                unique=True,
            )
        )
        weights = [draw(st.integers(1, 10)) for _ in keys]
        shares = [Decimal(w) / sum(weights) for w in weights]
        shares[-1] = 1 - sum(shares[:-1], Decimal(0))  # exactly 1
        schedule = TrancheSchedule(
            [Tranche(m, share, months) for (m, months), share in zip(keys, shares, strict=True)]
        )
        face = Money.of(draw(st.integers(10, 400)) * 1000, "RUB")
    return Tariff("drawn", "a drawn tariff", "RUB", schedule, dropout, face)


@pytest.mark.req("SM-01")
@pytest.mark.req("SM-02")
@settings(max_examples=25, deadline=None)
@given(tariff=tariffs(), planned=st.integers(30, 400), seed=st.integers(0, 2**32))
def test_no_certificate_is_ever_paid_above_its_face_value(
    tariff: Tariff, planned: int, seed: int
) -> None:
    certificate = Certificate(tariff, planned_days=planned)
    scenario = attrs.evolve(default_scenario(), certificate=certificate, budget={})
    face = float(certificate.face.amount)
    results, people = simulate_people(scenario, seed=seed, scale=0.5)
    assert results.certificates().sum() > 0
    assert (people.most_paid <= face * (1 + 1e-12)).all(), people.most_paid.max()
    for run in (results, run_cohort(scenario)):
        paid, released = run.paid.sum(), run.released.sum()
        assert paid + released <= run.committed.sum() * (1 + 1e-9)
    assert attrs.evolve(scenario, capacity={}).problems() == []


@pytest.mark.req("SM-02")
def test_certificate_copies_are_counted_in_their_state() -> None:
    model = compile_model(rostov_variant())
    copies = [name for name in model.internal if "~" in name]
    assert copies and len(model.states) == 17
    for name in copies:
        assert model.states[model.shown[model.internal.index(name)]] == name.split("~")[0]
    assert State.PATRONAGE.value in {name.split("~")[0] for name in copies}
