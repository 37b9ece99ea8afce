"""Benchmark: the individual engine on a million people, against a per-person Python loop
and against Mesa; the cohort engine on a sweep's samples.

    python benchmarks/simulation.py              # 1,000,000 people x 84 months
    python benchmarks/simulation.py --quick      # 50,000 people (what CI runs)
    python benchmarks/simulation.py --people N --loop-people M --mesa-people P
                                    --samples K --repeat R --seed S

The default scenario (84 months, about 1,765 people identified a year) is run by
:func:`~resocialize.simulation.individual.run_individual` with ``scale`` chosen so
that about ``N`` people are identified over the horizon (``scale = N / 12,355``;
capacities and budgets are scaled alike). The figure is **person-months per
second**: a person-month is one person present at the start of a month
(``sum over t of the people present at the start of month t``), whether or not
anything happens to them that month; the engine only works on the people who move
(it draws when each stay ends), which is how it is fast.

The baseline is the same model (the same arrays of the compiled model: moves,
time in state, certificate payments and releases, the capacity and budget rule,
the costs) simulated the straightforward way: a Python loop over months and,
inside, over people, one ``random.random()`` and one ``bisect`` on a row of
cumulative probabilities per person-month. It runs on a subsample
(``--loop-people``, 20,000 by default, 5,000 with ``--quick``) and its rate is
compared with the engine's. **Mesa** (``mesa.Model``, ``mesa.Agent``,
``AgentSet``; Mesa 3) runs the same model as an agent-based model, each person an
agent, at ``--mesa-people`` (10,000 by default, 2,000 with ``--quick``); Mesa is
imported only here and only if installed (it is not a dependency of the library):
without it the comparison is skipped, saying why, and the JSON line carries
``null``. The runs' remissions, costs and certificate spending per region are
printed side by side as a check that they simulate the same thing.

The cohort engine runs ``--samples`` (10,000; 1,000 with ``--quick``) parameter
samples drawn as a sweep draws them (:func:`~resocialize.simulation.sweeps.default_uncertainty`),
in batches of :data:`~resocialize.simulation.sweeps.BLOCK` as a sweep runs them
(:func:`~resocialize.simulation.cohort.cohort_figures`): the time is the engine's,
the samples being compiled beforehand (that time is printed too); one
``run_cohort`` at a time is estimated from 200 samples for comparison.

Every timed run is repeated ``--repeat`` times (3) and the best is kept, for each
side: the machine is shared and noisy. Prints figures for people, then one JSON line
for machines.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import random
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np

from resocialize.simulation import default_scenario
from resocialize.simulation.cohort import cohort_figures, run_cohort
from resocialize.simulation.individual import run_individual
from resocialize.simulation.model import Model, compile_model
from resocialize.simulation.sweeps import BLOCK, apply, default_uncertainty


def person_months(occupancy: Any, scale: float) -> int:
    """People present at the start of every month: the end of the month before."""
    return round(float(occupancy[:-1].sum()) * scale)


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest of ``repeat`` timed runs, and the last run's result."""
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def run_loop(model: Model, scale: float, seed: int) -> dict[str, float]:
    """The baseline: every person in a Python loop, every month (see the module docs)."""
    rand = random.Random(seed)
    n_states, tunnel, horizon = len(model.internal), model.tunnel, model.months
    cumulative = [
        [[float(x) for x in np.cumsum(model.P[s, m])] for m in range(tunnel)]
        for s in range(n_states)
    ]
    for s in range(n_states):  # never pick a state after the row's last non-zero one
        for m in range(tunnel):
            last = max(j for j in range(n_states) if model.P[s, m, j] > 0)
            cumulative[s][m][last:] = [float("inf")] * (n_states - last)
    state_cost = model.state_cost.tolist()
    certificate_cost = model.certificate_cost.tolist()
    move_pay = model.certificate_move.tolist()
    release = model.release.tolist()
    move_cost = model.transition_cost.tolist()
    issue, face, admission = model.certificate_state, model.face, model.admission_pay
    face_share = [model.face * share for share in model.funding]
    budget = model.budget * scale if model.bounded else None
    gates = []
    for c in range(len(model.states)):
        w = int(model.waiting_of[c])
        f = model.funding_queue if c == issue and model.bounded else -1
        if w >= 0 or f >= 0:
            places = model.capacity[c]
            seats = int(np.floor(places * scale + 0.5)) if np.isfinite(places) else 10**12
            gates.append((c, w, f, seats))
    expected = np.floor(np.cumsum(model.entries * scale) + 0.5).astype(int)
    entering = np.diff(expected, prepend=0).tolist()
    shown = model.shown.tolist()
    remission = model.index("sustained_remission")
    states: list[int] = []
    since: list[int] = []
    cost = paid = committed = released = 0.0
    months = remissions = 0
    remaining: list[float] = []
    for t in range(horizon):
        if budget is not None and t % 12 == 0:
            remaining = budget[t // 12].tolist()
        present = [0] * n_states
        for s in states:
            present[s] += 1
        new = []
        for i, s in enumerate(states):
            m = min(t - since[i], tunnel - 1)
            cost += state_cost[s][m] + certificate_cost[s][m]
            paid += certificate_cost[s][m]
            d = bisect.bisect_right(cumulative[s][m], rand.random())
            if d != s:
                cost += move_pay[s][m][d]
                paid += move_pay[s][m][d]
                released += release[s][m][d]
            new.append(d)
        months += len(states)
        for c, w, f, places in gates:
            leaving = sum(1 for i, s in enumerate(states) if s == c and new[i] != c)
            free = max(places - (present[c] - leaving), 0)
            lines = []
            for queue_state in (f, w):  # the waiting for funding first, then for a place
                queue = [i for i, s in enumerate(states) if s == queue_state and new[i] == s]
                rand.shuffle(queue)
                queue.sort(key=lambda i: since[i])  # the longest waiting first, ties at random
                lines += queue
            demand = [i for i, s in enumerate(states) if s not in (c, w, f) and new[i] == c]
            rand.shuffle(demand)
            candidates = lines + demand
            seats = min(free, len(candidates))
            admit = seats
            if f >= 0:
                fundable = min(
                    math.floor(left / share + 1e-9)
                    for left, share in zip(remaining, face_share, strict=True)
                    if math.isfinite(left)
                )
                admit = min(seats, max(fundable, 0))
                remaining = [
                    left - admit * share for left, share in zip(remaining, face_share, strict=True)
                ]
            for k, i in enumerate(candidates):
                if k < admit:
                    new[i] = c
                elif k < seats:
                    new[i] = f  # a place, but no money this year
                elif new[i] == c:
                    new[i] = w
        for i, s in enumerate(states):
            d = new[i]
            if d != s:
                cost += move_cost[s][d]
                if d == issue:
                    committed += face
                    paid += admission
                    cost += admission
                remissions += shown[d] == remission and shown[s] != remission
                states[i] = d
                since[i] = t + 1
        for _ in range(entering[t]):
            states.append(model.initial)
            since.append(t + 1)
    return {
        "person_months": months,
        "remissions": remissions / scale,
        "cost": cost / scale,
        "paid": paid / scale,
        "committed": committed / scale,
        "released": released / scale,
    }


class _Tables:
    """The compiled model as Python lists, for the loop and for Mesa."""

    def __init__(self, model: Model, scale: float) -> None:
        n_states, tunnel = len(model.internal), model.tunnel
        self.cumulative = [
            [[float(x) for x in np.cumsum(model.P[s, m])] for m in range(tunnel)]
            for s in range(n_states)
        ]
        for s in range(n_states):  # never pick a state after the row's last non-zero one
            for m in range(tunnel):
                last = max(j for j in range(n_states) if model.P[s, m, j] > 0)
                self.cumulative[s][m][last:] = [float("inf")] * (n_states - last)
        self.tunnel = tunnel
        self.state_cost = model.state_cost.tolist()
        self.certificate_cost = model.certificate_cost.tolist()
        self.move_pay = model.certificate_move.tolist()
        self.release = model.release.tolist()
        self.move_cost = model.transition_cost.tolist()
        self.issue, self.face, self.admission = (
            model.certificate_state,
            model.face,
            model.admission_pay,
        )
        self.face_share = [model.face * share for share in model.funding]
        self.budget = model.budget * scale if model.bounded else None
        self.gates = []
        for c in range(len(model.states)):
            w = int(model.waiting_of[c])
            f = model.funding_queue if c == self.issue and model.bounded else -1
            if w >= 0 or f >= 0:
                places = model.capacity[c]
                seats = int(np.floor(places * scale + 0.5)) if np.isfinite(places) else 10**12
                self.gates.append((c, w, f, seats))
        expected = np.floor(np.cumsum(model.entries * scale) + 0.5).astype(int)
        self.entering = np.diff(expected, prepend=0).tolist()
        self.shown = model.shown.tolist()
        self.remission = model.index("sustained_remission")
        self.initial = model.initial

    def fundable(self, remaining: list[float]) -> int:
        return min(
            math.floor(left / share + 1e-9)
            for left, share in zip(remaining, self.face_share, strict=True)
            if math.isfinite(left)
        )


def run_mesa(model: Model, scale: float, seed: int) -> dict[str, float]:
    """The same model as a Mesa 3 agent-based model: every person an agent that draws its
    move each month; the region (the ``mesa.Model``) applies the admission rule over its
    ``AgentSet`` and adds the newly identified. Needs ``mesa`` (imported here only)."""
    import mesa

    tables = _Tables(model, scale)

    class Person(mesa.Agent):  # type: ignore[misc]
        def __init__(self, region: Any, state: int, since: int) -> None:
            super().__init__(region)
            self.state, self.since, self.next = state, since, state

        def draw(self) -> None:
            """Pay the month and draw the move."""
            region = self.model
            m = min(region.month - self.since, tables.tunnel - 1)
            s = self.state
            region.cost += tables.state_cost[s][m] + tables.certificate_cost[s][m]
            region.paid += tables.certificate_cost[s][m]
            d = bisect.bisect_right(tables.cumulative[s][m], region.random.random())
            if d != s:
                region.cost += tables.move_pay[s][m][d]
                region.paid += tables.move_pay[s][m][d]
                region.released += tables.release[s][m][d]
            self.next = d

        def move(self) -> None:
            """Make the move decided for the month."""
            region, s, d = self.model, self.state, self.next
            if d != s:
                region.cost += tables.move_cost[s][d]
                if d == tables.issue:
                    region.committed += tables.face
                    region.paid += tables.admission
                    region.cost += tables.admission
                remission = tables.remission
                region.remissions += tables.shown[d] == remission and tables.shown[s] != remission
                self.state, self.since = d, region.month + 1

    class Region(mesa.Model):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(seed=seed)
            self.month = 0
            self.cost = self.paid = self.committed = self.released = 0.0
            self.remissions = 0
            self.person_months = 0
            self.remaining: list[float] = []

        def step(self) -> None:
            t = self.month
            if tables.budget is not None and t % 12 == 0:
                self.remaining = tables.budget[t // 12].tolist()
            present = {}
            for person in self.agents:
                present[person.state] = present.get(person.state, 0) + 1
            self.person_months += len(self.agents)
            self.agents.do("draw")
            for c, w, f, places in tables.gates:
                leaving = len(self.agents.select(lambda a, c=c: a.state == c and a.next != c))
                free = max(places - (present.get(c, 0) - leaving), 0)
                lines: list[Any] = []
                for queue_state in (f, w):  # the waiting for funding first, then for a place
                    queue = self.agents.select(
                        lambda a, q=queue_state: a.state == q and a.next == q
                    ).shuffle()
                    lines += sorted(queue, key=lambda a: a.since)  # longest first, ties at random
                demand = list(
                    self.agents.select(
                        lambda a, c=c, w=w, f=f: a.state not in (c, w, f) and a.next == c
                    ).shuffle()
                )
                candidates = lines + demand
                seats = min(free, len(candidates))
                admit = seats
                if f >= 0:
                    admit = min(seats, max(tables.fundable(self.remaining), 0))
                    self.remaining = [
                        left - admit * share
                        for left, share in zip(self.remaining, tables.face_share, strict=True)
                    ]
                for k, person in enumerate(candidates):
                    if k < admit:
                        person.next = c
                    elif k < seats:
                        person.next = f  # a place, but no money this year
                    elif person.next == c:
                        person.next = w
            self.agents.do("move")
            for _ in range(tables.entering[t]):
                Person(self, tables.initial, t + 1)
            self.month += 1

    region = Region()
    for _ in range(model.months):
        region.step()
    return {
        "person_months": region.person_months,
        "remissions": region.remissions / scale,
        "cost": region.cost / scale,
        "paid": region.paid / scale,
        "committed": region.committed / scale,
        "released": region.released / scale,
    }


def sampled_models(samples: int, seed: int) -> list[Model]:
    """``samples`` models of the default scenario's uncertainty, drawn as a sweep draws
    them (sample ``i`` from ``SeedSequence(seed, spawn_key=(i,))``)."""
    scenario = default_scenario()
    uncertain = default_uncertainty(scenario)
    models = []
    for i in range(samples):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
        values = {u.path: u.distribution.draw(rng) for u in uncertain}
        models.append(compile_model(apply(scenario, values)))
    return models


def cohort_sweep(models: list[Model]) -> None:
    """The samples' figures, batched as a sweep batches them."""
    for k in range(0, len(models), BLOCK):
        cohort_figures(models[k : k + BLOCK])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--loop-people", type=int, default=20_000)
    parser.add_argument("--mesa-people", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=10_000, help="cohort sweep samples")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="50,000 people, loop on 5,000, Mesa on 2,000, 1,000 samples",
    )
    args = parser.parse_args(argv)
    people, loop_people, mesa_people, samples = (
        (50_000, 5_000, 2_000, 1_000)
        if args.quick
        else (args.people, args.loop_people, args.mesa_people, args.samples)
    )
    repeat = max(1, args.repeat)

    model = compile_model(default_scenario())
    per_region = float(model.entries.sum())
    scale = people / per_region
    run_individual(model, seed=args.seed, scale=0.1)  # warm up: imports, first calls
    seconds, results = best_of(repeat, lambda: run_individual(model, seed=args.seed, scale=scale))
    months = person_months(results.occupancy, scale)
    rate = months / seconds
    absorbing = [model.index("deceased"), model.index("moved_away")]
    idle = person_months(results.occupancy[:, absorbing], scale)

    loop_scale = loop_people / per_region
    loop_seconds, loop = best_of(repeat, lambda: run_loop(model, loop_scale, args.seed))
    loop_rate = loop["person_months"] / loop_seconds
    ratio = rate / loop_rate

    mesa_version: str | None = None
    mesa_rate: float | None = None
    mesa_seconds: float | None = None
    mesa: dict[str, float] | None = None
    skipped: str | None = None
    try:
        import mesa as mesa_module

        mesa_version = str(mesa_module.__version__)
    except ImportError as error:
        skipped = f"Mesa is not installed ({error}); pip install mesa to compare"
    if mesa_version is not None:
        mesa_scale = mesa_people / per_region
        mesa_seconds, mesa = best_of(repeat, lambda: run_mesa(model, mesa_scale, args.seed))
        mesa_rate = mesa["person_months"] / mesa_seconds

    compile_start = time.perf_counter()
    models = sampled_models(samples, args.seed)
    compile_seconds = time.perf_counter() - compile_start
    cohort_figures(models[: min(samples, BLOCK)])  # warm up
    sweep_s, _ = best_of(repeat, lambda: cohort_sweep(models))
    subset = min(samples, 200)
    single_s, _ = best_of(1, lambda: [run_cohort(one) for one in models[:subset]])
    single_s *= samples / subset
    cohort_ratio = single_s / sweep_s

    def per(results_: Any, name: str) -> float:
        return float(getattr(results_, name).sum())

    remissions = float(results.remissions().sum())
    entered = round(float(results.entered.sum()) * scale)
    print(f"people identified      {entered:>14,}  (scale {scale:.2f}, {model.months} months)")
    print(f"person-months          {months:>14,}  ({idle / months:.0%} in absorbing states)")
    print(f"individual engine      {rate:>14,.0f} person-months/s  "
          f"({seconds:.3f} s, best of {repeat})")  # fmt: skip
    print(f"per-person Python loop {loop_rate:>14,.0f} person-months/s  "
          f"({loop_seconds:.2f} s for {loop['person_months']:,} person-months, "
          f"{loop_people:,} people, best of {repeat})")  # fmt: skip
    print(f"ratio to the loop      {ratio:>14,.1f} x")
    if mesa is not None and mesa_rate is not None and mesa_seconds is not None:
        print(f"Mesa {mesa_version:<17} {mesa_rate:>14,.0f} person-months/s  "
              f"({mesa_seconds:.2f} s for {mesa['person_months']:,} person-months, "
              f"{mesa_people:,} people, best of {repeat})")  # fmt: skip
        print(f"ratio to Mesa          {rate / mesa_rate:>14,.1f} x")
    else:
        print(f"Mesa comparison        skipped: {skipped}")
    print(f"remissions per region  {remissions:>14,.1f}  (loop {loop['remissions']:,.1f}"
          + (f", Mesa {mesa['remissions']:,.1f})" if mesa else ")"))  # fmt: skip
    for name, label in (("costs", "cost"), ("paid", "certificates paid")):
        mesa_part = f", Mesa {mesa[name if name != 'costs' else 'cost']:,.0f})" if mesa else ")"
        print(f"{label + ' per region':<22} {per(results, name):>14,.0f}  "
              f"(loop {loop[name if name != 'costs' else 'cost']:,.0f}{mesa_part}")  # fmt: skip
    print(f"cohort sweep           {samples:>14,} samples x {model.months} months in "
          f"{sweep_s:.3f} s (batches of {BLOCK}, best of {repeat}; compiling the samples: "
          f"{compile_seconds:.2f} s; one run_cohort at a time: {single_s:.2f} s, "
          f"{cohort_ratio:.1f} x)")  # fmt: skip
    print(
        json.dumps(
            {
                "benchmark": "simulation",
                "people": entered,
                "months": model.months,
                "person_months": months,
                "repeat": repeat,
                "seconds": round(seconds, 4),
                "person_months_per_s": round(rate),
                "loop_people": loop_people,
                "loop_person_months_per_s": round(loop_rate),
                "ratio": round(ratio, 1),
                "mesa": mesa_version,
                "mesa_people": mesa_people if mesa_rate is not None else None,
                "mesa_person_months_per_s": round(mesa_rate) if mesa_rate else None,
                "mesa_ratio": round(rate / mesa_rate, 1) if mesa_rate else None,
                "mesa_skipped": skipped,
                "remissions": round(remissions, 1),
                "loop_remissions": round(loop["remissions"], 1),
                "mesa_remissions": round(mesa["remissions"], 1) if mesa else None,
                "cohort_samples": samples,
                "cohort_sweep_s": round(sweep_s, 3),
                "cohort_compile_s": round(compile_seconds, 3),
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
