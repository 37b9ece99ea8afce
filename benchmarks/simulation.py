"""Benchmark: the individual engine on a million people, against a per-person Python loop.

    python benchmarks/simulation.py              # 1,000,000 people x 84 months
    python benchmarks/simulation.py --quick      # 50,000 people
    python benchmarks/simulation.py --people N --loop-people M --seed S

The default scenario (84 months, about 1,765 people identified a year) is run by
:func:`~resocialize.simulation.individual.run_individual` with ``scale`` chosen so
that about ``N`` people are identified over the horizon (``scale = N / 12,355``;
capacities are scaled alike). The figure is **person-months per second**: a
person-month is one person present at the start of a month, who draws a move
and pays the month's cost (``sum over t of the people present at the start of
month t``). The people who reached an absorbing state (deceased, moved away)
count too although the engine sets them aside (that is how it saves their
work); their share is printed.

The baseline is the same model (the same arrays of the compiled model, the same
capacity rule, the same costs) simulated the straightforward way: a Python loop
over months and, inside, over people, one ``random.random()`` and one
``bisect`` on a row of cumulative probabilities per person-month. It runs on a
subsample (``--loop-people``, 20,000 by default, 5,000 with ``--quick``) and its
rate is compared with the engine's; the two runs' remissions and costs per
region are printed side by side as a check that they simulate the same thing.

No comparison with Mesa: it is not installed here and there is no network.
Prints figures for people, then one JSON line for machines.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import sys
import time
from datetime import date
from typing import Any

import numpy as np

from resocialize.simulation import default_scenario
from resocialize.simulation.cohort import run_cohort, run_cohort_many
from resocialize.simulation.individual import run_individual
from resocialize.simulation.model import Model, compile_model
from resocialize.simulation.sweeps import BLOCK


def person_months(occupancy: Any, scale: float) -> int:
    """People present at the start of every month: the end of the month before."""
    return round(float(occupancy[:-1].sum()) * scale)


def run_loop(model: Model, scale: float, seed: int) -> dict[str, float]:
    """The baseline: every person in a Python loop, every month (see the module docs)."""
    rand = random.Random(seed)
    n_states, tunnel, horizon = len(model.states), model.tunnel, model.months
    cumulative = [
        [[float(x) for x in np.cumsum(model.P[s, m])] for m in range(tunnel)]
        for s in range(n_states)
    ]
    for s in range(n_states):  # never pick a state after the row's last non-zero one
        for m in range(tunnel):
            last = max(j for j in range(n_states) if model.P[s, m, j] > 0)
            cumulative[s][m][last:] = [float("inf")] * (n_states - last)
    state_cost = model.state_cost.tolist()
    move_cost = model.transition_cost.tolist()
    capped = [
        (c, int(model.waiting_of[c]), int(np.floor(model.capacity[c] * scale + 0.5)))
        for c in range(n_states)
        if model.waiting_of[c] >= 0
    ]
    expected = np.floor(np.cumsum(model.entries * scale) + 0.5).astype(int)
    entering = np.diff(expected, prepend=0).tolist()
    states: list[int] = []
    since: list[int] = []
    remission, cost, months = model.states.index("sustained_remission"), 0.0, 0
    remissions = 0
    for t in range(horizon):
        present = [0] * n_states
        for s in states:
            present[s] += 1
        new = []
        for i, s in enumerate(states):
            m = min(t - since[i], tunnel - 1)
            cost += state_cost[s][m]
            new.append(bisect.bisect_right(cumulative[s][m], rand.random()))
        months += len(states)
        for c, w, places in capped:
            leaving = sum(1 for i, s in enumerate(states) if s == c and new[i] != c)
            free = max(places - (present[c] - leaving), 0)
            queue = [i for i, s in enumerate(states) if s == w and new[i] == w]
            rand.shuffle(queue)
            queue.sort(key=lambda i: since[i])  # the longest waiting first, ties at random
            for i in queue[:free]:
                new[i] = c
            free -= min(free, len(queue))
            demand = [i for i, s in enumerate(states) if s not in (c, w) and new[i] == c]
            rand.shuffle(demand)
            for i in demand[free:]:
                new[i] = w
        for i, s in enumerate(states):
            if new[i] != s:
                cost += move_cost[s][new[i]]
                remissions += new[i] == remission
                states[i] = new[i]
                since[i] = t + 1
        for _ in range(entering[t]):
            states.append(model.initial)
            since.append(t + 1)
    return {"person_months": months, "remissions": remissions / scale, "cost": cost / scale}


def cohort_sweep(model: Model, samples: int) -> tuple[float, float]:
    """Seconds for ``samples`` cohort runs batched as a sweep runs them, and (estimated from a
    subset of 200) one ``run_cohort`` call at a time."""
    models = [model] * samples
    start = time.perf_counter()
    for k in range(0, samples, BLOCK):
        run_cohort_many(models[k : k + BLOCK])
    batched = time.perf_counter() - start
    subset = min(samples, 200)
    start = time.perf_counter()
    for one in models[:subset]:
        run_cohort(one)
    single = (time.perf_counter() - start) * samples / subset
    return batched, single


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--loop-people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--samples", type=int, default=10_000, help="cohort sweep samples")
    parser.add_argument(
        "--quick", action="store_true", help="50,000 people, loop on 5,000, 1,000 samples"
    )
    args = parser.parse_args(argv)
    people, loop_people = (50_000, 5_000) if args.quick else (args.people, args.loop_people)
    samples = 1_000 if args.quick else args.samples

    model = compile_model(default_scenario())
    per_region = float(model.entries.sum())
    scale = people / per_region
    run_individual(model, seed=args.seed, scale=0.1)  # warm up: imports, first calls
    start = time.perf_counter()
    results = run_individual(model, seed=args.seed, scale=scale)
    seconds = time.perf_counter() - start
    months = person_months(results.occupancy, scale)
    rate = months / seconds
    absorbing = [model.index("deceased"), model.index("moved_away")]
    idle = person_months(results.occupancy[:, absorbing], scale)

    loop_scale = loop_people / per_region
    start = time.perf_counter()
    loop = run_loop(model, loop_scale, args.seed)
    loop_seconds = time.perf_counter() - start
    loop_rate = loop["person_months"] / loop_seconds
    ratio = rate / loop_rate
    remissions = float(results.remissions().sum())
    cost = float(results.costs.sum())

    sweep_s, single_s = cohort_sweep(model, samples)
    cohort_ratio = single_s / sweep_s

    entered = round(float(results.entered.sum()) * scale)
    print(f"people identified      {entered:>14,}  (scale {scale:.2f}, {model.months} months)")
    print(f"person-months          {months:>14,}  ({idle / months:.0%} in absorbing states)")
    print(f"individual engine      {rate:>14,.0f} person-months/s  ({seconds:.2f} s)")
    print(f"per-person Python loop {loop_rate:>14,.0f} person-months/s  "
          f"({loop_seconds:.2f} s for {loop['person_months']:,} person-months)")  # fmt: skip
    print(f"ratio                  {ratio:>14,.1f} x")
    print(f"remissions per region  {remissions:>14,.1f}  (loop {loop['remissions']:,.1f})")
    print(f"cost per region        {cost:>14,.0f}  (loop {loop['cost']:,.0f})")
    print(f"cohort sweep           {samples:>14,} samples x {model.months} months "
          f"in {sweep_s:.2f} s (batched by {BLOCK}; one run_cohort at a time: "
          f"{single_s:.2f} s, {cohort_ratio:.1f} x)")  # fmt: skip
    print(
        json.dumps(
            {
                "benchmark": "simulation",
                "people": entered,
                "months": model.months,
                "person_months": months,
                "seconds": round(seconds, 3),
                "person_months_per_s": round(rate),
                "loop_people": loop_people,
                "loop_person_months_per_s": round(loop_rate),
                "ratio": round(ratio, 1),
                "remissions": round(remissions, 1),
                "loop_remissions": round(loop["remissions"], 1),
                "cohort_samples": samples,
                "cohort_sweep_s": round(sweep_s, 3),
                "cohort_single_runs_s": round(single_s, 3),
                "cohort_ratio": round(cohort_ratio, 1),
                "python": sys.version.split()[0],
                "numpy": np.__version__,
                "date": date.today().isoformat(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
