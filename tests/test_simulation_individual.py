"""The individual engine: seeded, whole people, the chart, capacity, time in state (SM-02)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import attrs
import pytest

from resocialize.errors import ValidationError
from resocialize.pathway import State
from resocialize.simulation import default_scenario, scenario_from_toml
from resocialize.simulation.individual import run_individual, simulate_people
from resocialize.simulation.model import compile_model

np = pytest.importorskip("numpy")

pytestmark = pytest.mark.req("SM-02")

BANDS = """
name = "bands"
description = "leaving identified is only possible from month 3 in it, and then certain"
start = 2027-01-01
horizon_months = 24
currency = "RUB"
[intake]
court = [120]
[[transitions.identified]]
from_month = 0
identified = 1.0
[[transitions.identified]]
from_month = 3
motivation = 1.0
[[state_costs]]
state = "identified"
monthly = "100.00"
months = 2
[[transition_costs]]
source = "identified"
target = "motivation"
amount = "50.00"
[funding]
regional = "0.70"
federal = "0.30"
"""


@pytest.fixture(scope="module")
def model() -> Any:
    return compile_model(default_scenario())


def whole(values: Any) -> bool:
    return bool(np.allclose(values, np.round(values), rtol=0, atol=1e-6))


def test_the_same_seed_gives_the_same_results_and_another_seed_others(model: Any) -> None:
    one, again, other = (run_individual(model, seed=s, scale=0.5) for s in (11, 11, 12))
    assert one.engine == "individual" and one.seed == 11
    for name in ("occupancy", "flows", "entered", "costs", "discounted"):
        assert np.array_equal(getattr(one, name), getattr(again, name)), name
    assert not np.array_equal(one.occupancy, other.occupancy)
    assert np.array_equal(one.entered, other.entered)  # entries spend no randomness


def test_following_everyone_draws_the_same_as_running_the_results(model: Any) -> None:
    alone = run_individual(model, seed=21, scale=0.5)
    results, people = simulate_people(model, seed=21, scale=0.5)
    for name in ("occupancy", "flows", "entered", "costs", "paid", "committed", "released"):
        assert np.array_equal(getattr(alone, name), getattr(results, name)), name
    assert people.state.size == round(float(results.entered.sum()) * 0.5)


def test_people_are_whole_and_conserved_every_month(model: Any) -> None:
    scale = 0.5
    results = run_individual(model, seed=1, scale=scale)
    occupancy, flows, entered = (
        x * scale for x in (results.occupancy, results.flows, results.entered)
    )
    assert whole(occupancy) and whole(flows) and whole(entered)
    assert np.allclose(occupancy.sum(axis=1), np.cumsum(entered))
    # carrying the fraction: never more than half a person from the expected entries
    assert np.abs(np.cumsum(entered) - np.cumsum(model.entries * scale)).max() <= 0.5 + 1e-9
    before = np.vstack([np.zeros(occupancy.shape[1]), occupancy[:-1]])
    after = before + flows.sum(axis=1) - flows.sum(axis=2)
    after[:, model.initial] += entered
    assert np.allclose(after, occupancy)
    assert (occupancy >= 0).all()


def test_flows_follow_the_chart_and_staying_is_not_a_flow(model: Any) -> None:
    results = run_individual(model, seed=2, scale=1.0)
    moved = results.flows.sum(axis=0) > 0
    assert not (moved & ~model.legal).any(), np.argwhere(moved & ~model.legal)
    assert (np.einsum("tss->ts", results.flows) == 0).all()
    assert moved.sum() > 30  # the run did go everywhere the chart lets it


def _capped(places: int, state: State = State.SOCIAL_REHABILITATION) -> Any:
    return compile_model(attrs.evolve(default_scenario(), capacity={state: places}))


@pytest.mark.parametrize("state", [State.SOCIAL_REHABILITATION, State.IDENTIFIED])
def test_capacity_is_never_exceeded_and_nobody_is_lost(state: State) -> None:
    model = _capped(40, state)
    c = model.index(state)
    w = int(model.waiting_of[c])
    results = run_individual(model, seed=3)
    assert results.occupancy[:, c].max() == 40
    assert results.occupancy[:, w].max() > 0
    assert np.allclose(results.occupancy.sum(axis=1), np.cumsum(results.entered))


def test_the_waiting_are_admitted_before_new_demand() -> None:
    model = _capped(40)
    c = model.index(State.SOCIAL_REHABILITATION)
    w = int(model.waiting_of[c])
    results = run_individual(model, seed=4)
    flows = results.flows
    refused = flows[:, :, w].sum(axis=1)  # moves into the waiting state
    direct = flows[:, :, c].sum(axis=1) - flows[:, w, c]  # admissions not from the list
    remained = results.occupancy[:, w] - refused  # the waiting who went on waiting
    assert refused.sum() > 0 and flows[:, w, c].sum() > 0
    assert (results.occupancy[refused > 0, c] == 40).all()  # refusals only when full
    assert (direct[remained > 0] == 0).all()  # nobody jumps the queue


def _run_of(states: list[int], since: list[int], due: list[int], occupied: list[int]) -> Any:
    """The parts of a run the admission rule reads."""
    return SimpleNamespace(
        np=np,
        rng=None,
        route=np.array(states, dtype=np.int32) << 16,
        since=np.array(since, dtype=np.int16),
        due=np.array(due, dtype=np.int16),
        occupied=np.array(occupied),
    )


def _line(state: int, people: list[int], began: list[int]) -> Any:
    from resocialize.simulation.individual import _Line

    return _Line(state, np.array(people, dtype=np.int64), np.array(began, dtype=np.int16))


def test_the_longest_waiting_are_admitted_first_then_new_demand_at_random() -> None:
    from resocialize.simulation.individual import _NONE, _Gate

    # state 0 has 3 places, all free; people 0-4 wait for it (state 1) in this order, person
    # 2's death is due this month (t = 10); people 5 and 6 (in state 2) drew a move into it.
    t = 10
    states, since = [1, 1, 1, 1, 1, 2, 2], [2, 2, 5, 7, 9, 0, 0]
    due = [_NONE, _NONE, t, _NONE, _NONE, t, t]
    chosen = set()
    for seed in range(20):
        run = _run_of(states, since, due, [0, 5, 2])
        run.rng = np.random.default_rng(seed)
        gate = _Gate(0, 3.0, _line(1, [0, 1, 2, 3, 4], since[:5]), None, initial=False)
        movers = (np.array([5, 6]), np.array([0, 0], np.int32))
        entrants = (np.zeros(0, np.int64), np.zeros(0, np.int32))
        flows = np.zeros((3, 3))
        flows[2, 0] = 2  # the moves drawn
        admitted, moves = gate.admit(run, t, movers, entrants, None, flows)
        assert admitted == 3
        ((people, was, now),) = moves
        assert people.tolist() == [0, 1, 3] and (was, now) == (1, 0)  # the longest waiting
        assert movers[1].tolist() == [1, 1]  # no place left: the movers wait, at the end
        assert flows[2].tolist() == [0, 2, 0]
        assert gate.queue is not None and gate.queue.people[:1].tolist() == [4]
        assert sorted(gate.queue.people[1:].tolist()) == [5, 6]
        assert (gate.queue.began[1:] == t + 1).all()
        chosen.add(int(gate.queue.people[1]))
    assert chosen == {5, 6}  # new demand is refused in random order


def test_the_waiting_for_funding_come_first_and_places_without_money_wait_for_it() -> None:
    from resocialize.simulation.individual import _NONE, _Gate

    # 4 places; person 0 waits for funding (state 2), people 1 and 2 for a place (state 1);
    # people 3, 4, 5 (state 3) drew a move into state 0; the budget covers 2 certificates.
    t = 0
    run = _run_of([2, 1, 1, 3, 3, 3], [0, 0, 0, 0, 0, 0], [_NONE] * 3 + [t] * 3, [0, 2, 1, 3])
    run.rng = np.random.default_rng(1)
    gate = _Gate(0, 4.0, _line(1, [1, 2], [0, 0]), _line(2, [0], [0]), initial=False)
    dst = np.array([0, 0, 0], np.int32)
    flows = np.zeros((4, 4))
    flows[3, 0] = 3
    admitted, moves = gate.admit(
        run,
        t,
        (np.array([3, 4, 5]), dst),
        (np.zeros(0, np.int64), np.zeros(0, np.int32)),
        fundable=2,
        flows=flows,
    )
    assert admitted == 2
    assert [(p.tolist(), was, now) for p, was, now in moves] == [
        ([0], 2, 0),  # from the funding list first
        ([1], 1, 0),  # then the longest waiting for a place
        ([2], 1, 2),  # a place but no money: now waits for funding
    ]
    assert sorted(dst.tolist()) == [1, 1, 2]  # one more has a place but no money; two wait
    assert flows[3].tolist() == [0, 2, 1, 0]
    assert gate.funding is not None and gate.funding.people[0] == 2
    assert gate.queue is not None and gate.queue.people.size == 2


def test_everyone_followed_is_accounted_for() -> None:
    model = _capped(40)
    results, people = simulate_people(model, seed=5)
    counts = np.bincount(people.state, minlength=len(model.states))
    assert np.array_equal(counts, results.occupancy[-1])
    assert people.relapses.sum() == results.flows[:, :, model.index(State.RELAPSED)].sum()
    assert np.array_equal(np.bincount(people.entry, minlength=84), results.entered)
    assert (people.since > people.entry).all() and (people.since <= 84).all()


def test_time_in_state_bands_and_costs_at_the_start_of_the_month() -> None:
    model = compile_model(scenario_from_toml(BANDS))
    i, m = model.index(State.IDENTIFIED), model.index(State.MOTIVATION)
    results = run_individual(model, seed=6)
    entered = results.entered
    assert (entered == 10).all()
    left = results.flows[:, i, m]
    assert (left[:4] == 0).all()  # added after the moves of month t, first move in t + 1
    assert np.array_equal(left[4:], entered[:-4])  # and leave at their 4th month, m == 3
    assert results.flows.sum() == left.sum()
    expected = 100.0 * (np.r_[0, entered[:-1]] + np.r_[0, 0, entered[:-2]]) + 50.0 * left
    assert np.allclose(results.costs, expected[:, None] * np.array([0.7, 0.3]))
    assert np.allclose(results.discounted, results.costs * model.discount[:, None])
    assert model.funders == ("regional", "federal")


def test_scale_multiplies_the_region_and_results_read_per_region(model: Any) -> None:
    results = run_individual(model, seed=7, scale=4.0)
    assert np.isclose(results.entered.sum(), model.entries.sum(), atol=0.25)
    with pytest.raises(ValidationError):
        run_individual(model, seed=7, scale=0)
    with pytest.raises(ValidationError) as bad:
        run_individual(None, seed=-1, scale=True)  # type: ignore[arg-type]
    assert bad.value.paths == ("scenario", "seed", "scale")
    assert run_individual(model, seed=np.int64(7), scale=0.1).seed == 7


def test_agrees_with_the_cohort_engine_in_expectation(model: Any) -> None:
    """Four seeds at scale 20 (about a million people in all) against the cohort trace.

    Tolerances: every month's occupancy of every pathway state within 5 standard
    deviations of a Poisson count (``sqrt(E)`` people at the simulated size); the
    occupancy averaged over the horizon within 3% on every state with more than 100
    people on average (the waiting list included); remissions, deaths and completed
    courses within 3%. Waiting lists are left out of the monthly check: they are a
    difference of large numbers (demand less places), noisier than a Poisson count."""
    cohort = pytest.importorskip("resocialize.simulation.cohort")
    expected = cohort.run_cohort(model)
    scale, seeds = 20.0, range(4)
    runs = [run_individual(model, seed=s, scale=scale) for s in seeds]
    mean = np.mean([r.occupancy for r in runs], axis=0)
    size = scale * len(runs)
    pathway = [k for k, name in enumerate(model.states) if not name.startswith("waiting")]
    sd = np.sqrt((expected.occupancy[:, pathway] + 1.0 / size) / size)
    z = np.abs(mean[:, pathway] - expected.occupancy[:, pathway]) / sd
    assert z.max() < 5.0, z.max()
    average, target = mean.mean(axis=0), expected.occupancy.mean(axis=0)
    large = target > 100
    assert large.sum() >= 10
    assert (np.abs(average - target)[large] / target[large]).max() < 0.03
    for figure in ("remissions", "deaths", "completed_courses"):
        got = np.mean([getattr(r, figure)().sum() for r in runs])
        want = getattr(expected, figure)().sum()
        assert abs(got / want - 1.0) < 0.03, (figure, got, want)
    costs = np.mean([r.costs.sum() for r in runs])
    assert abs(costs / expected.costs.sum() - 1.0) < 0.03
