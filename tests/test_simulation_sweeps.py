"""Sweeps: probabilistic sensitivity analysis, reproducible on any executor and chunking (SM-04)."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resocialize.errors import ValidationError
from resocialize.pathway import State
from resocialize.simulation import default_scenario
from resocialize.simulation.sweeps import (
    METRICS,
    Beta,
    Dirichlet,
    Gamma,
    Normal,
    Triangular,
    Uncertain,
    Uniform,
    apply,
    default_uncertainty,
    sweep,
)

pytestmark = pytest.mark.req("SM-04")

SAMPLES = 12


def small() -> tuple[Uncertain, ...]:
    return (
        Uncertain("transitions.social_rehabilitation[1].resocialization", Beta(16, 84)),
        Uncertain("state_costs[0].monthly", Gamma(100, 300)),
        Uncertain("capacity.social_rehabilitation", Uniform(200, 400)),
        Uncertain("intake.scale", Triangular(0.8, 1.0, 1.3)),
        Uncertain("mortality_per_100_person_years", Normal(2.35, 0.3)),
    )


def same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


def test_a_sweep_draws_every_parameter_and_keeps_every_figure() -> None:
    done = sweep(default_scenario(), small(), samples=SAMPLES, seed=7, chunk_size=5)
    assert set(done.metrics) == set(METRICS)
    assert all(v.shape == (SAMPLES,) for v in done.metrics.values())
    costs = done.parameters["state_costs[0].monthly"]
    assert costs.min() > 0 and len(set(costs.tolist())) == SAMPLES
    low, high = done.interval("total_cost")
    assert low <= done.mean("total_cost") <= high
    assert len(done.table()) == SAMPLES


def test_the_same_seed_gives_the_same_sweep_whatever_the_chunking_and_executor() -> None:
    scenario, uncertain = default_scenario(), small()
    serial = sweep(scenario, uncertain, samples=SAMPLES, seed=11, chunk_size=SAMPLES)
    chunked = sweep(scenario, uncertain, samples=SAMPLES, seed=11, chunk_size=1)
    automatic = sweep(scenario, uncertain, samples=SAMPLES, seed=11)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = sweep(scenario, uncertain, samples=SAMPLES, seed=11, executor=pool, chunk_size=5)
    for other in (chunked, automatic, threaded):
        assert same(serial.metrics, other.metrics)
        assert same(serial.parameters, other.parameters)
    different = sweep(scenario, uncertain, samples=SAMPLES, seed=12, chunk_size=SAMPLES)
    assert not same(serial.parameters, different.parameters)


@pytest.mark.req("SM-04")
def test_an_executor_given_does_the_work_even_of_a_sweep_of_one_batch() -> None:
    submitted: list[object] = []

    class Counting(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            submitted.append(fn)
            return super().submit(fn, *args, **kwargs)

    scenario, uncertain = default_scenario(), small()
    with Counting(max_workers=1) as pool:
        spread = sweep(scenario, uncertain, samples=SAMPLES, seed=5, executor=pool)
    assert submitted, "the executor was given no work"
    local = sweep(scenario, uncertain, samples=SAMPLES, seed=5)
    assert same(spread.metrics, local.metrics) and same(spread.parameters, local.parameters)


def test_the_same_seed_gives_the_same_sweep_on_a_dask_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    scenario, uncertain = default_scenario(), small()
    serial = sweep(scenario, uncertain, samples=6, seed=3, chunk_size=6)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = sweep(
            scenario, uncertain, samples=6, seed=3, executor=client.get_executor(), chunk_size=2
        )
    assert same(serial.metrics, on_dask.metrics)
    assert same(serial.parameters, on_dask.parameters)


def test_progress_is_reported_until_every_sample_is_done() -> None:
    seen: list[tuple[int, int]] = []
    sweep(
        default_scenario(),
        small(),
        samples=5,
        seed=1,
        chunk_size=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@settings(max_examples=20, deadline=None)
@given(p=st.floats(0.0, 0.2))
def test_varying_a_move_out_keeps_the_row_summing_to_one(p: float) -> None:
    path = "transitions.social_rehabilitation[1].resocialization"
    changed = apply(default_scenario(), {path: p})
    row = changed.transitions[State.SOCIAL_REHABILITATION][1].to
    assert row[State.RESOCIALIZATION] == p
    assert math.isclose(sum(row.values()), 1.0, abs_tol=1e-9)


def test_bad_parameters_are_refused_with_their_path() -> None:
    scenario = default_scenario()
    for path, value in [
        ("transitions.social_rehabilitation[1].social_rehabilitation", 0.5),
        ("transitions.social_rehabilitation[9].resocialization", 0.1),
        ("transitions.identified[0].sustained_remission", 0.1),
        ("transitions.social_rehabilitation[1].resocialization", 0.99),
        ("state_costs[7].monthly", 10.0),
        ("speed_of_light", 1.0),
    ]:
        with pytest.raises(ValidationError) as bad:
            apply(scenario, {path: value})
        assert bad.value.paths[0].startswith(path.split("[")[0].split(".")[0]) or path in str(
            bad.value
        )
    with pytest.raises(ValidationError) as bad:
        sweep(scenario, ["x"], samples=0, seed=-1, engine="agent")  # type: ignore[list-item]
    assert set(bad.value.paths) == {"samples", "seed", "engine", "uncertain[0]"}


def test_the_default_uncertainty_covers_every_move_out_and_every_cost() -> None:
    scenario = default_scenario()
    uncertain = default_uncertainty(scenario)
    paths = {u.path for u in uncertain}
    assert "transitions.patronage[1]" in paths
    assert "state_costs[0].monthly" in paths
    rows = sum(len(bands) for bands in scenario.transitions.values())
    assert len([p for p in paths if p.startswith("transitions.")]) == rows  # each has 2+ moves
    for seed in range(20):
        rng = np.random.default_rng(seed)
        apply(scenario, {u.path: u.distribution.draw(rng) for u in uncertain})


def test_a_whole_row_drawn_from_a_dirichlet_sums_to_one() -> None:
    scenario = default_scenario()
    row = {State.PATRONAGE: 5.5, State.SUSTAINED_REMISSION: 90.0, State.RELAPSED: 4.5}
    uncertain = (Uncertain("transitions.patronage[1]", Dirichlet(row)),)
    done = sweep(scenario, uncertain, samples=4, seed=5, chunk_size=4)
    drawn = sum(done.parameters[f"transitions.patronage[1].{t.value}"] for t in row)
    assert np.allclose(drawn, 1.0)


def test_many_samples_are_the_same_bit_for_bit_in_any_chunks() -> None:
    scenario, uncertain = default_scenario(), default_uncertainty(default_scenario())
    one = sweep(scenario, uncertain, samples=300, seed=9, chunk_size=300)
    for chunk_size in (1, 100, 256):
        other = sweep(scenario, uncertain, samples=300, seed=9, chunk_size=chunk_size)
        assert same(one.metrics, other.metrics)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = sweep(scenario, uncertain, samples=300, seed=9, executor=pool)
    assert same(one.metrics, threaded.metrics)


def test_bad_values_and_parameter_lists_are_validation_errors() -> None:
    scenario = default_scenario()
    for values in (None, {"capacity.social_rehabilitation": "many"}, {"discount_rate": {}}):
        with pytest.raises(ValidationError):
            apply(scenario, values)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as bad:
        sweep(scenario, None, samples=2, seed=1)  # type: ignore[arg-type]
    assert bad.value.paths == ("uncertain",)
