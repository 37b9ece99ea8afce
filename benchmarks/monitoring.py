"""Benchmark: the indicators of a region (MR-02) counted from a million case histories.

    python benchmarks/monitoring.py              # 1,000,000 histories
    python benchmarks/monitoring.py --quick      # 50,000 histories (CI)
    python benchmarks/monitoring.py --cases N

Building a million ``Case`` values with ``advance()`` would take minutes, so the
histories are generated directly in the columnar form
(:class:`resocialize.indicators.Histories`): a seeded random walk of every case
at once over the pathway table compiled from the chart (guards are not
evaluated: facts do not exist here), opened over the two years before the end
of 2026, with stays at 60 centers. The constructor checks every column and that
every history follows the chart.

Timed: :func:`~resocialize.indicators.indicators` for the twelve months of
2026, the whole region (the target: under 10 s for 1,000,000 histories on one
core), and again by center. The baseline is the straightforward per-case
Python count (``engine="python"``, the path without numpy) on a sample of
``--sample`` histories, scaled per case; the two must give the same table on
the sample, which is checked.

Prints figures for people, then one JSON line for machines.
"""

from __future__ import annotations

import argparse
import array
import gc
import json
import sys
import time
from datetime import date
from typing import Any

import numpy as np

from resocialize.indicators import (
    EVENTS,
    ORIGINS,
    OUTCOMES,
    SOURCES,
    STATES,
    Histories,
    Period,
    indicators,
)
from resocialize.pathway import Event, State, pathway_table

SEED = 20260101
CENTERS = 60
FIRST_DAY = date(2025, 1, 1).toordinal()
LAST_DAY = date(2026, 12, 31).toordinal()
MAX_STEPS = 40

WEIGHTS = {
    Event.ENGAGE: 60,
    Event.START_TREATMENT: 60,
    Event.ADMIT: 60,
    Event.ENTER_RESOCIALIZATION: 15,
    Event.COMPLETE_REHABILITATION: 60,
    Event.COMPLETE_RESOCIALIZATION: 60,
    Event.ACHIEVE_REMISSION: 40,
    Event.PREPARE_RELEASE: 60,
    Event.GIVE_CONSENT: 10,
    Event.RECORD_PROGRAM: 10,
    Event.RECORD_DIAGNOSIS: 6,
    Event.RECORD_MEDICAL_HELP: 6,
    Event.REFER: 3,
    Event.TRANSFER: 4,
    Event.REFUSE: 8,
    Event.WITHDRAW_CONSENT: 3,
    Event.RELAPSE: 10,
    Event.DROP_OUT: 8,
    Event.DETAIN: 2,
    Event.MOVE_AWAY: 1,
    Event.RECORD_DEATH: 1,
}
"""How often the walk takes each event the chart allows, relative to the others."""

MEAN_DAYS = {
    State.IDENTIFIED: 5,
    State.MOTIVATION: 20,
    State.MONITORING: 60,
    State.TREATMENT: 25,
    State.SOCIAL_REHABILITATION: 60,
    State.RESOCIALIZATION: 60,
    State.PATRONAGE: 90,
    State.SUSTAINED_REMISSION: 180,
    State.RELAPSED: 20,
    State.DROPPED_OUT: 60,
    State.CONSENT_WITHDRAWN: 60,
    State.CUSTODY: 200,
    State.PRE_RELEASE: 30,
    State.MOVED_AWAY: 1,
    State.DECEASED: 1,
}
"""The mean days to the next entry in each state (geometric gaps)."""


def _array(typecode: str, values: Any) -> array.array[int]:
    dtype = {"b": np.int8, "i": np.int32, "q": np.int64}[typecode]
    out = array.array(typecode)
    out.frombytes(np.ascontiguousarray(values, dtype=dtype).tobytes())
    return out


def generate(n: int, seed: int = SEED) -> Histories:
    """``n`` chart-valid histories, walked all at once from one seed."""
    rng = np.random.default_rng(seed)
    table = pathway_table()
    n_states, n_events = len(STATES), len(EVENTS)
    target = np.full((n_states, n_events), -1, dtype=np.int64)
    weight = np.zeros((n_states, n_events))
    for (source, event), move in table.moves.items():
        s, e = STATES.index(source), EVENTS.index(event)
        target[s, e] = STATES.index(move.target)
        weight[s, e] = WEIGHTS[event]
    totals = weight.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(weight / np.where(totals > 0, totals, 1), axis=1)
    final = np.array([s in table.finals for s in STATES])
    chance = 1 / np.array([MEAN_DAYS[s] for s in STATES], dtype=float)
    admit, transfer = EVENTS.index(Event.ADMIT), EVENTS.index(Event.TRANSFER)
    labour = EVENTS.index(Event.COMPLETE_RESOCIALIZATION)

    state = np.zeros(n, dtype=np.int64)  # identified
    day = rng.integers(FIRST_DAY, LAST_DAY + 1, size=n)
    columns: list[tuple[Any, ...]] = []
    alive = np.arange(n)
    identify = EVENTS.index(Event.IDENTIFY)
    none = np.full(n, -1)
    columns.append((alive, np.full(n, identify), state.copy(), day.copy(), none, none))
    for _ in range(MAX_STEPS):
        if not len(alive):
            break
        here = state[alive]
        picks = (cumulative[here] < rng.random(len(alive))[:, None]).sum(axis=1)
        later = day[alive] + rng.geometric(chance[here]) - 1
        go = later <= LAST_DAY
        alive, here, picks, later = alive[go], here[go], picks[go], later[go]
        to = target[here, picks]
        center = np.where(
            (picks == admit) | (picks == transfer), rng.integers(0, CENTERS, len(alive)), -1
        )
        outcome = np.where(picks == labour, rng.integers(0, len(OUTCOMES), len(alive)), -1)
        columns.append((alive, picks, to, later, center, outcome))
        state[alive] = to
        day[alive] = later
        alive = alive[~final[to]]
    case, event, targets, days, centers, outcomes = (
        np.concatenate(c) for c in zip(*columns, strict=True)
    )
    order = np.argsort(case, kind="stable")
    offsets = np.concatenate(([0], np.cumsum(np.bincount(case, minlength=n))))
    return Histories(
        tuple(f"case-{i:07d}" for i in range(n)),
        _array("b", rng.integers(0, len(SOURCES), n)),
        _array("b", rng.integers(0, len(ORIGINS), n)),
        _array("b", rng.random(n) < 0.1),
        _array("q", offsets),
        _array("b", event[order]),
        _array("b", targets[order]),
        _array("i", days[order]),
        _array("i", centers[order]),
        _array("b", outcomes[order]),
        tuple(f"center-{c:02d}" for c in range(CENTERS)),
    )


def timed(histories: Histories, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    table = indicators(histories, Period.months(2026), **kwargs)
    return time.perf_counter() - start, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 histories, sample 2,000")
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args(argv)
    n = 50_000 if args.quick else args.cases
    sample = min(n, 2_000 if args.quick else args.sample)

    pathway_table()  # compile the chart once, outside the timings
    gc.disable()  # bulk values are dominated by the collector (DESIGN.md, principle 5)
    start = time.perf_counter()
    histories = generate(n)
    made_s = time.perf_counter() - start
    gc.enable()
    gc.freeze()

    seconds, table = timed(histories, engine="numpy")
    rate = n / seconds
    grouped_s, grouped = timed(histories, by=("center",), engine="numpy")
    head = histories.head(sample)
    baseline_s, expected = timed(head, engine="python")
    baseline_rate = sample / baseline_s
    agree = timed(head, engine="numpy")[1] == expected
    assert agree, "the numpy count disagrees with the per-case count on the sample"
    ratio = rate / baseline_rate

    print(f"histories generated     {n:>12,}  ({histories.entries:,} entries) in {made_s:.1f} s")
    print(f"indicators, 12 months   {seconds:>12.2f} s   {rate:>12,.0f} cases/s  (target < 10 s)")
    print(f"  by center ({len(grouped.groups)} groups) {grouped_s:>8.2f} s")
    print(f"per-case Python (base)  {baseline_rate:>12,.0f} cases/s  ({sample:,} sampled)")
    print(f"ratio                   {ratio:>12.1f} x   (numpy and Python agree on the sample)")
    identified = sum(table.count("identified", (), p) for p in table.periods)
    print(f"identified in 2026      {identified:>12,}")
    if n >= 1_000_000:
        print(f"1,000,000 histories in {seconds:.1f} s: {'under' if seconds < 10 else 'OVER'} 10 s")
    print(
        json.dumps(
            {
                "benchmark": "monitoring",
                "cases": n,
                "entries": histories.entries,
                "periods": len(table.periods),
                "seconds": round(seconds, 3),
                "cases_per_s": round(rate),
                "by_center_seconds": round(grouped_s, 3),
                "baseline_cases_per_s": round(baseline_rate),
                "baseline_sample": sample,
                "ratio": round(ratio, 1),
                "agree": agree,
                "generate_s": round(made_s, 2),
                "python": sys.version.split()[0],
                "date": date.today().isoformat(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
