"""The budget binds: certificates committed at issue, people waiting for next year's money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resocialize.money import Money
from resocialize.pathway import State
from resocialize.simulation import Scenario, default_scenario, scenario_from_toml
from resocialize.simulation.cohort import run_cohort
from resocialize.simulation.individual import run_individual
from resocialize.simulation.model import FUNDING_PREFIX
from resocialize.simulation.results import Results

pytestmark = [pytest.mark.req("SM-02"), pytest.mark.req("SM-03")]

CHAIN = """
name = "chain"
description = "one person a month reaches stage III, in month e + 3, and stays there"
start = 2027-01-01
horizon_months = 36
currency = "RUB"
[intake]
court = [12]
[funding]
regional = "0.75"
federal = "0.25"
[[transitions.identified]]
from_month = 0
motivation = 1.0
[[transitions.motivation]]
from_month = 0
treatment = 1.0
[[transitions.treatment]]
from_month = 0
social_rehabilitation = 1.0
[certificate]
tariff = "moscow_per_diem"
"""


def rub(amount: int | str) -> Money:
    return Money.of(amount, "RUB")


def yearly(values: Any) -> Any:
    """``(T, F)`` monthly figures as ``(Y, F)`` yearly ones (the horizon in whole years)."""
    months, funders = values.shape
    return values.reshape(months // 12, 12, funders).sum(axis=1)


def within_budget(results: Results) -> None:
    """Committed within each year's budget; paid and released within what was committed,
    by the end of each year; for every source."""
    model = results.model
    committed = yearly(results.committed)
    scale = float(np.abs(committed).max(initial=1.0))
    assert (committed <= model.budget + 1e-9 * scale).all(), (committed, model.budget)
    drawn = np.cumsum(yearly(results.paid) + yearly(results.released), axis=0)
    assert (drawn <= np.cumsum(committed, axis=0) + 1e-9 * scale).all()
    assert (results.paid >= -1e-9).all() and (results.released >= -1e-9).all()


def conserved_within_the_chart(results: Results) -> None:
    people = results.occupancy.sum(axis=1)
    np.testing.assert_allclose(people, np.cumsum(results.entered), rtol=1e-9, atol=1e-6)
    moved = np.argwhere(results.flows.sum(axis=0) > 1e-12)
    assert all(results.model.legal[s, t] for s, t in moved), moved


@pytest.mark.parametrize("engine", ["cohort", "individual"])
def test_a_tight_budget_makes_people_wait_for_next_years_money(engine: str) -> None:
    # three certificates a year: 3 x 180,000 RUB, split 75/25
    budget = {
        "regional": {year: rub(405_000) for year in (2027, 2028, 2029)},
        "federal": {year: rub(135_000) for year in (2027, 2028, 2029)},
    }
    scenario = attrs.evolve(scenario_from_toml(CHAIN), budget=budget)
    results = run_cohort(scenario) if engine == "cohort" else run_individual(scenario, seed=2)
    model = results.model
    c, f = model.index(State.SOCIAL_REHABILITATION), model.index(FUNDING_PREFIX + c_name())
    issued = results.certificates()
    np.testing.assert_allclose(issued.reshape(3, 12).sum(axis=1), [3, 3, 3])
    np.testing.assert_allclose(issued[:6], [0, 0, 0, 1, 1, 1])  # then the year's money is gone
    waiting = results.waiting_for_funding()
    np.testing.assert_allclose(waiting[11], 6)  # months 6 to 11 asked in vain
    np.testing.assert_allclose(results.flows[12, f, c], 3)  # January: the longest waiting first
    np.testing.assert_allclose(results.flows[12, model.index(State.TREATMENT), f], 1)
    np.testing.assert_allclose(waiting[-1], 33 - 9)
    within_budget(results)
    conserved_within_the_chart(results)
    rows = {(row["source"], row["year"]): row for row in results.budget()}
    assert rows["regional", 2028]["committed"] == rub(405_000)
    assert rows["regional", 2028]["left"] == rub(0)
    assert rows["federal", 2027]["paid"] == rub(135_000)  # six months each, by December


def c_name() -> str:
    return State.SOCIAL_REHABILITATION.value


def test_without_a_budget_nothing_binds_and_nothing_else_changes() -> None:
    base = default_scenario()
    free = run_cohort(attrs.evolve(base, budget={}))
    assert not any(name.startswith(FUNDING_PREFIX) for name in free.states)
    assert not free.waiting_for_funding().any()
    plenty = {f: {y: rub(10**12) for y in range(2027, 2034)} for f in base.funding}
    ample = run_cohort(attrs.evolve(base, budget=plenty))
    shared = len(free.states)  # the funding list comes last: never used here
    assert ample.states[:shared] == free.states
    np.testing.assert_allclose(ample.occupancy[:, :shared], free.occupancy, rtol=1e-12)
    np.testing.assert_allclose(ample.costs, free.costs, rtol=1e-12)
    assert not ample.waiting_for_funding().any()
    assert [row["left"] for row in free.budget()] == [None] * 14
    free_individual = run_individual(attrs.evolve(base, budget={}), seed=3)
    ample_individual = run_individual(attrs.evolve(base, budget=plenty), seed=3)
    np.testing.assert_array_equal(ample_individual.occupancy[:, :shared], free_individual.occupancy)


def test_the_default_budget_binds_in_some_years() -> None:
    results = run_cohort(default_scenario())
    assert results.waiting_for_funding().max() > 0
    within_budget(results)
    left = [row["left"] for row in results.budget()]
    assert min(left) == rub(0) and all(x >= rub(0) for x in left)


@st.composite
def budgets(draw: st.DrawFn) -> dict[str, dict[int, Money]]:
    """Budgets for some of the default scenario's sources and years (a year left out has no
    money), from nothing to more than the demand."""
    chosen = draw(st.sets(st.sampled_from(["regional", "federal"]), min_size=1))
    return {
        source: {
            year: Money.of(draw(st.integers(0, 300)) * 500_000, "RUB")
            for year in draw(st.sets(st.integers(2027, 2033), min_size=1))
        }
        for source in sorted(chosen)
    }


@settings(max_examples=30, deadline=None)
@given(
    budget=budgets(),
    places=st.none() | st.integers(50, 800),
    shares=st.sampled_from([("0.70", "0.30"), ("0.50", "0.50"), ("1", None)]),
    seed=st.integers(0, 2**32),
)
def test_paid_within_committed_within_budget_for_every_source_and_year(
    budget: dict[str, dict[int, Money]], places: int | None, shares: Any, seed: int
) -> None:
    regional, federal = shares
    funding = {"regional": Decimal(regional)}
    if federal is not None:
        funding["federal"] = Decimal(federal)
    budget = {source: years for source, years in budget.items() if source in funding}
    capacity = {} if places is None else {State.SOCIAL_REHABILITATION: places}
    scenario: Scenario = attrs.evolve(
        default_scenario(), budget=budget, funding=funding, capacity=capacity
    )
    for scale, results in (
        (1.0, run_cohort(scenario)),
        (0.5, run_individual(scenario, seed=seed, scale=0.5)),
    ):
        within_budget(results)
        conserved_within_the_chart(results)
        model = results.model
        if budget:
            # people wait for funding only when the year's money is (all but) spent
            spent = np.cumsum(results.committed.reshape(7, 12, -1), axis=1).reshape(84, -1)
            money = np.repeat(model.budget, 12, axis=0)
            face_share = model.face * model.funding[None, :] / scale  # whole certificates
            short = (money - spent < face_share - 1e-6).any(axis=1)
            waiting = results.waiting_for_funding() > 1e-9
            arrived = np.diff(results.waiting_for_funding(), prepend=0.0) > 1e-9
            assert not (waiting & arrived & ~short).any()
