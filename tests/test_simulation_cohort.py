"""The cohort engine: conservation, the chart, capacity, time in state, costs (SM-02, SM-03)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.money import Money
from resocialize.pathway import State
from resocialize.records import ReferralSource
from resocialize.simulation import (
    LIVING_STATES,
    Band,
    Certificate,
    Scenario,
    StateCost,
    TransitionCost,
    default_scenario,
    legal_moves,
)
from resocialize.simulation.cohort import FIGURES, cohort_figures, run_cohort, run_cohort_many
from resocialize.simulation.model import Model, compile_model
from resocialize.simulation.results import Results
from resocialize.tariffs import default_tariffs


def rub(amount: int | str) -> Money:
    return Money.of(amount, "RUB")


def scenario(**changes: Any) -> Scenario:
    """A small scenario: 120 people a year identified by courts, who stay identified."""
    base = Scenario(
        name="test",
        description="a test",
        start=dt.date(2027, 1, 1),
        horizon_months=12,
        currency="RUB",
        intake={ReferralSource.COURT: (120,)},
        transitions={State.IDENTIFIED: (Band(0, {State.IDENTIFIED: 1.0}),)},
        funding={"regional": Decimal("1")},
    )
    return attrs.evolve(base, **changes)


def conserved(results: Results) -> None:
    total = results.occupancy.sum(axis=1)
    before = np.concatenate([[0.0], total[:-1]])
    np.testing.assert_allclose(total, before + results.entered, rtol=1e-6, atol=1e-9)


def within_chart(results: Results) -> None:
    moved = results.flows > 1e-12
    assert not (moved & ~results.model.legal[None, :, :]).any()


def within_capacity(results: Results) -> None:
    for c, places in enumerate(results.model.capacity):
        if np.isfinite(places):
            assert (results.occupancy[:, c] <= places + 1e-9).all()


# --- random scenarios ---------------------------------------------------------------------------


def _targets(source: State) -> list[State]:
    return sorted((t for s, t in legal_moves() if s is source), key=list(State).index)


@st.composite
def bands(draw: st.DrawFn, source: State) -> tuple[Band, ...]:
    targets = _targets(source)
    starts = [0, *sorted(draw(st.sets(st.integers(1, 6), max_size=2)))]
    out = []
    for start in starts:
        chosen = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=4, unique=True))
        weights = [draw(st.floats(0.05, 1.0)) for _ in chosen]
        total = sum(weights)
        out.append(Band(start, {t: w / total for t, w in zip(chosen, weights, strict=True)}))
    return tuple(out)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    sources = draw(st.lists(st.sampled_from(LIVING_STATES), min_size=1, max_size=6, unique=True))
    if State.IDENTIFIED not in sources:
        sources.append(State.IDENTIFIED)
    certificate = draw(
        st.sampled_from(
            [
                None,
                Certificate(default_tariffs()["moscow_per_diem"]),
                Certificate(default_tariffs()["rostov_certificate"], planned_days=120),
            ]
        )
    )
    course = {State.RESOCIALIZATION, State.PATRONAGE, State.SUSTAINED_REMISSION}
    cappable = [s for s in LIVING_STATES if certificate is None or s not in course]
    capped = draw(st.lists(st.sampled_from(cappable), max_size=2, unique=True))
    costed = draw(st.lists(st.sampled_from(LIVING_STATES), max_size=3, unique=True))
    budget = {}
    if certificate is not None and draw(st.booleans()):
        budget = {"regional": {2027 + y: rub(draw(st.integers(0, 20)) * 63_000) for y in range(3)}}
    return scenario(
        horizon_months=draw(st.integers(1, 30)),
        intake={
            ReferralSource.COURT: tuple(draw(st.lists(st.integers(0, 600), min_size=1, max_size=3)))
        },
        transitions={s: draw(bands(s)) for s in sources},
        mortality_per_100_person_years=draw(st.sampled_from([0.0, 2.35, 20.0])),
        capacity={c: draw(st.integers(0, 40)) for c in capped},
        state_costs=tuple(
            StateCost(s, rub(draw(st.integers(0, 5000))), draw(st.none() | st.integers(1, 8)))
            for s in costed
        ),
        funding={"regional": Decimal("0.7"), "federal": Decimal("0.3")},
        discount_rate=draw(st.sampled_from([0.0, 0.035])),
        certificate=certificate,
        budget=budget,
    )


# --- the default scenario -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def default() -> Results:
    return run_cohort(default_scenario())


@pytest.mark.req("SM-02")
def test_the_default_scenario_conserves_people_within_the_chart_and_capacity(
    default: Results,
) -> None:
    assert default.engine == "cohort" and default.seed is None
    n = len(default.states)
    assert default.occupancy.shape == (84, n) and default.flows.shape == (84, n, n)
    conserved(default)
    within_chart(default)
    within_capacity(default)
    assert (np.diagonal(default.flows, axis1=1, axis2=2) == 0).all()
    np.testing.assert_array_equal(default.entered, default.model.entries)


@pytest.mark.req("SM-02")
def test_a_scenario_or_its_model_give_the_same_run() -> None:
    model = compile_model(default_scenario())
    np.testing.assert_array_equal(run_cohort(model).occupancy, run_cohort(model).occupancy)
    np.testing.assert_allclose(
        run_cohort(default_scenario()).costs, run_cohort(model).costs, rtol=1e-12
    )


@pytest.mark.req("SM-03")
def test_the_default_summary_is_sane(default: Results) -> None:
    summary = default.summary()
    assert summary["engine"] == "cohort"
    assert summary["remissions"] > 0 and summary["completed_courses"] > 0
    assert summary["deaths"] > 0 and summary["waiting_peak"] > 0
    per_remission = default.cost_per_remission()
    assert per_remission is not None and per_remission > rub(0)
    assert default.total_cost(discounted=True) < default.total_cost()
    assert len(default.budget()) == 2 * 7


# --- random scenarios ---------------------------------------------------------------------------


@pytest.mark.req("SM-02")
@given(scenarios())
def test_random_scenarios_conserve_people_within_the_chart_and_capacity(
    random: Scenario,
) -> None:
    results = run_cohort(random)
    conserved(results)
    within_chart(results)
    within_capacity(results)
    assert (results.flows >= 0).all() and (results.occupancy >= -1e-12).all()
    np.testing.assert_allclose(
        results.costs.sum(axis=1) * 0.3, results.costs[:, 1], rtol=1e-12, atol=1e-9
    )


# --- capacity ------------------------------------------------------------------------------------


@pytest.mark.req("SM-02")
def test_demand_beyond_capacity_waits_and_the_waiting_come_first() -> None:
    moves = {State.IDENTIFIED: (Band(0, {State.MOTIVATION: 1.0}),)}
    results = run_cohort(
        scenario(transitions=moves, capacity={State.MOTIVATION: 3}, horizon_months=6)
    )
    model = results.model
    m, w, i = model.index(State.MOTIVATION), model.index("waiting:motivation"), model.initial
    # 10 a month are identified; motivation keeps everyone (no row): 3 places in all.
    np.testing.assert_allclose(results.occupancy[:, m], [0, 3, 3, 3, 3, 3])
    np.testing.assert_allclose(results.occupancy[:, w], [0, 7, 17, 27, 37, 47])
    np.testing.assert_allclose(results.flows[1, i, m], 3)
    np.testing.assert_allclose(results.flows[1, i, w], 7)
    np.testing.assert_allclose(results.waiting(), results.occupancy[:, w])
    within_capacity(results)
    conserved(results)


@pytest.mark.req("SM-02")
def test_places_freed_go_to_the_waiting_before_new_demand() -> None:
    moves = {
        State.IDENTIFIED: (Band(0, {State.MOTIVATION: 1.0}),),
        State.MOTIVATION: (Band(0, {State.TREATMENT: 1.0}),),
    }
    results = run_cohort(
        scenario(transitions=moves, capacity={State.MOTIVATION: 5}, horizon_months=4)
    )
    model = results.model
    m, w, i = model.index(State.MOTIVATION), model.index("waiting:motivation"), model.initial
    # month 1: 10 ask, 5 admitted, 5 wait; month 2: the 5 leave, the 5 waiting take the
    # places, the 10 new all wait.
    np.testing.assert_allclose(results.flows[2, w, m], 5)
    np.testing.assert_allclose(results.flows[2, i, m], 0)
    np.testing.assert_allclose(results.flows[2, i, w], 10)
    np.testing.assert_allclose(results.occupancy[2, [m, w]], [5, 10])


@pytest.mark.req("SM-02")
def test_the_waiting_die_at_the_mortality_rate() -> None:
    moves = {State.IDENTIFIED: (Band(0, {State.MOTIVATION: 1.0}),)}
    results = run_cohort(
        scenario(
            transitions=moves,
            capacity={State.MOTIVATION: 0},
            mortality_per_100_person_years=12.0,
            horizon_months=3,
        )
    )
    model = results.model
    w, dead = model.index("waiting:motivation"), model.index(State.DECEASED)
    death = 1 - np.exp(-12.0 / 1200)
    assert results.flows[2, w, dead] == pytest.approx(results.occupancy[1, w] * death)
    assert results.occupancy[:, model.index(State.MOTIVATION)].max() == 0


@pytest.mark.req("SM-02")
def test_a_capped_initial_state_makes_the_newly_identified_wait() -> None:
    results = run_cohort(scenario(capacity={State.IDENTIFIED: 25}, horizon_months=5))
    model = results.model
    np.testing.assert_allclose(results.occupancy[:, model.initial], [10, 20, 25, 25, 25])
    np.testing.assert_allclose(
        results.occupancy[:, model.index("waiting:identified")], [0, 0, 5, 15, 25]
    )
    conserved(results)


# --- time in state -------------------------------------------------------------------------------


@pytest.mark.req("SM-02")
def test_nobody_leaves_before_month_three_of_a_stay() -> None:
    moves = {
        State.IDENTIFIED: (
            Band(0, {State.IDENTIFIED: 1.0}),
            Band(3, {State.IDENTIFIED: 0.5, State.MOTIVATION: 0.5}),
        )
    }
    results = run_cohort(scenario(transitions=moves, horizon_months=12))
    i, m = results.model.initial, results.model.index(State.MOTIVATION)
    # Identified in month 0 (at its end): months 1, 2, 3 in the state, the first move in 4.
    assert (results.flows[:4, i, m] == 0).all()
    entered = results.entered
    assert results.flows[4, i, m] == pytest.approx(0.5 * entered[0])
    assert results.flows[5, i, m] == pytest.approx(0.5 * (0.5 * entered[0] + entered[1]))
    conserved(results)


# --- costs ---------------------------------------------------------------------------------------


@pytest.mark.req("SM-02")
def test_a_state_cost_is_people_times_months_times_cost() -> None:
    results = run_cohort(scenario(state_costs=(StateCost(State.IDENTIFIED, rub(100)),)))
    # 10 people a month, each paying from the month after they are identified.
    person_months = results.occupancy[:-1].sum()
    assert person_months == pytest.approx(10 * sum(range(12)))
    assert results.costs.sum() == pytest.approx(100 * person_months, rel=1e-12)
    assert results.total_cost() == rub(66_000)
    np.testing.assert_array_equal(results.discounted, results.costs)  # rate 0


@pytest.mark.req("SM-02")
def test_a_limited_state_cost_stops_after_its_months() -> None:
    results = run_cohort(
        scenario(
            intake={ReferralSource.COURT: (12,)},
            state_costs=(StateCost(State.IDENTIFIED, rub(100), months=2),),
        )
    )
    # 1 person a month; each pays months 1 and 2 of the stay only.
    expected = [100 * min(t, 2) for t in range(12)]
    np.testing.assert_allclose(results.costs[:, 0], expected, rtol=1e-12)


@pytest.mark.req("SM-02")
def test_one_off_costs_are_paid_on_the_moves_made_and_on_admission() -> None:
    moves = {
        State.IDENTIFIED: (Band(0, {State.MOTIVATION: 1.0}),),
        State.MOTIVATION: (Band(0, {State.TREATMENT: 1.0}),),
    }
    results = run_cohort(
        scenario(
            transitions=moves,
            capacity={State.MOTIVATION: 5},
            horizon_months=4,
            transition_costs=(TransitionCost(State.IDENTIFIED, State.MOTIVATION, rub(10)),),
        )
    )
    model = results.model
    m, w, i = model.index(State.MOTIVATION), model.index("waiting:motivation"), model.initial
    admitted = results.flows[:, i, m] + results.flows[:, w, m]
    np.testing.assert_allclose(results.costs[:, 0], 10 * admitted, rtol=1e-12)
    assert results.flows[2, w, m] > 0


@pytest.mark.req("SM-02")
def test_funding_shares_split_the_costs_and_discounting_applies() -> None:
    results = run_cohort(
        scenario(
            state_costs=(StateCost(State.IDENTIFIED, rub(100)),),
            funding={"regional": Decimal("0.7"), "federal": Decimal("0.3")},
            discount_rate=0.05,
            horizon_months=24,
        )
    )
    total = results.costs.sum(axis=1)
    np.testing.assert_allclose(results.costs[:, 0], 0.7 * total, rtol=1e-12)
    np.testing.assert_allclose(results.costs[:, 1], 0.3 * total, rtol=1e-12)
    factor = 1.05 ** (-np.arange(24) / 12)
    np.testing.assert_allclose(results.discounted, results.costs * factor[:, None], rtol=1e-12)
    assert total.sum() == pytest.approx(100 * results.occupancy[:-1].sum(), rel=1e-12)


# --- batches -------------------------------------------------------------------------------------


def _perturbed(model: Model, seed: int) -> Model:
    rng = np.random.default_rng(seed)
    probs = model.P * rng.uniform(0.5, 1.5, size=model.P.shape)
    probs /= probs.sum(axis=2, keepdims=True)
    return attrs.evolve(model, P=probs)


@pytest.mark.req("SM-02")
def test_a_batch_gives_the_numbers_of_single_runs() -> None:
    base = default_scenario()
    patronage = base.transitions[State.PATRONAGE][:1]
    models = [
        compile_model(base),
        compile_model(attrs.evolve(base, capacity={State.SOCIAL_REHABILITATION: 80})),
        compile_model(attrs.evolve(base, mortality_per_100_person_years=9.0, discount_rate=0.1)),
        compile_model(  # a shorter tunnel
            attrs.evolve(
                base,
                transitions={**base.transitions, State.PATRONAGE: patronage},
                state_costs=(),
                funding={"regional": Decimal("0.5"), "federal": Decimal("0.5")},
            )
        ),
        _perturbed(compile_model(base), 1),
        _perturbed(compile_model(base), 2),
    ]
    assert len({m.tunnel for m in models}) == 2
    batch = run_cohort_many(models)
    assert len(batch) == len(models)
    for k, model in enumerate(models):
        alone, together = run_cohort(model), batch.results(k)
        for name in ("occupancy", "flows", "entered", "costs", "discounted"):
            np.testing.assert_allclose(
                getattr(together, name), getattr(alone, name), rtol=1e-10, atol=1e-8
            )
        conserved(together)
        within_capacity(together)
    remission = models[0].index(State.SUSTAINED_REMISSION)
    np.testing.assert_allclose(
        batch.into(remission)[0], run_cohort(models[0]).remissions(), rtol=1e-10
    )
    np.testing.assert_allclose(
        batch.total_costs(), [float(batch.costs[k].sum()) for k in range(len(models))]
    )


@pytest.mark.req("SM-02")
def test_a_batch_refuses_models_of_different_shapes() -> None:
    from resocialize.errors import ValidationError

    one = compile_model(default_scenario())
    other = compile_model(attrs.evolve(default_scenario(), capacity={}))
    with pytest.raises(ValidationError):
        run_cohort_many([one, other])
    with pytest.raises(ValidationError):
        run_cohort_many([])
    for call, paths in (
        (lambda: run_cohort_many([one, "x"]), ("models[1]",)),  # type: ignore[list-item]
        (lambda: cohort_figures(None), ("models",)),  # type: ignore[arg-type]
        (lambda: run_cohort("scenario"), ("scenario",)),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationError) as bad:
            call()
        assert bad.value.paths == paths


@pytest.mark.req("SM-04")
@given(scenarios())
def test_the_figures_a_sweep_keeps_are_those_of_single_runs(random: Scenario) -> None:
    model = compile_model(random)
    found = cohort_figures([model, model])
    summary = run_cohort(model).summary()
    for name in FIGURES:
        value = summary[name]
        expected = np.nan if value is None else float(getattr(value, "amount", value))
        tolerance = 0.006 if name.startswith(("total", "cost")) else 1e-9  # money is rounded
        np.testing.assert_allclose(found[name], expected, rtol=1e-9, atol=tolerance)


@pytest.mark.req("SM-02")
@given(scenarios())
def test_the_compiled_pattern_holds_every_move_and_every_change_of_row(random: Scenario) -> None:
    model = compile_model(random)
    moved, change = model.pattern
    actual = model.P > 0
    n = len(model.internal)
    actual[np.arange(n), :, np.arange(n)] = False
    assert (moved | ~actual).all(), np.argwhere(actual & ~moved)[:5]
    changes = (model.P[:, 1:] != model.P[:, :-1]).any(axis=2)
    assert (change[:, 1:] | ~changes).all(), np.argwhere(changes & ~change[:, 1:])[:5]
