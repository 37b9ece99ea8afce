"""Benchmark: individual programs for 100,000 assessed clients, against planning from scratch.

    python benchmarks/planning.py              # 100,000 clients
    python benchmarks/planning.py --quick      # 10,000 clients
    python benchmarks/planning.py --clients N

Builds N assessments with the default instrument (scores drawn from a seeded
``random.Random``, ``--seed``, so that needs run from none to critical in every domain),
origins in the proportions of the seeds' routes (community, therapeutic community,
outpatient, prison with a release date), co-dependents for a third, and times
``plan_program`` for all of them with the default catalog and templates (best of 3, wall
and CPU time, the garbage collector frozen around the run as DESIGN.md advises).

The baseline, in the same run, is the same planner with its catalog index dropped before
every program: what planning costs when the catalog is read anew for each client (the
candidates for each need, the prerequisite order), as a planner that keeps no derived data
would. It runs on a tenth of the clients and is scaled. Both must give the same programs.

Prints figures for people, then one JSON line for machines.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from datetime import date, timedelta

from resocialize import planning
from resocialize.assessment import (
    Assessment,
    RecoveryCapital,
    StageOfChange,
    default_instrument,
)
from resocialize.catalog import default_catalog
from resocialize.planning import Situation, plan_program
from resocialize.programs import IndividualProgram
from resocialize.records import Origin

START = date(2026, 3, 16)
ORIGINS = (
    [Origin.COMMUNITY] * 5
    + [Origin.THERAPEUTIC_COMMUNITY, Origin.OUTPATIENT] * 2
    + [Origin.PRISON] * 2
)
SCORES = [0, 1, 1, 2, 2, 3, 4]

Client = tuple[str, Assessment, Origin, Situation]


def clients(n: int, seed: int) -> list[Client]:
    rng = random.Random(seed)
    tool = default_instrument()
    made: list[Client] = []
    for i in range(n):
        client = f"cl-{i:07d}"
        scores = {item.code: rng.choice(SCORES) for item in tool.items}
        assessment = Assessment(
            f"as-{i:07d}",
            client,
            tool,
            scores,
            assessor=f"psy-{rng.randrange(40)}",
            on=START - timedelta(days=rng.randrange(1, 30)),
            stage_of_change=rng.choice(list(StageOfChange)),
            recovery_capital=RecoveryCapital(*(rng.randrange(11) for _ in range(4))),
        )
        origin = rng.choice(ORIGINS)
        situation = Situation(
            release_on=START + timedelta(days=rng.randrange(14, 120))
            if origin is Origin.PRISON
            else None,
            co_dependents=(f"cd-{i}",) if rng.random() < 1 / 3 else (),
        )
        made.append((client, assessment, origin, situation))
    return made


def plan_all(batch: list[Client], *, cold: bool) -> list[IndividualProgram]:
    catalog = default_catalog()
    out = []
    for client, assessment, origin, situation in batch:
        if cold:
            planning._INDEXES.clear()
        out.append(
            plan_program(
                client, assessment, catalog, origin=origin, start=START, situation=situation
            )
        )
    return out


def timed(
    batch: list[Client], *, cold: bool, repeat: int
) -> tuple[float, float, list[IndividualProgram]]:
    best_wall = best_cpu = float("inf")
    result: list[IndividualProgram] = []
    for _ in range(repeat):
        gc.collect()
        gc.freeze()
        wall, cpu = time.perf_counter(), time.process_time()
        result = plan_all(batch, cold=cold)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        gc.unfreeze()
    return best_wall, best_cpu, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 clients")
    parser.add_argument("--clients", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args(argv)
    n = args.clients or (10_000 if args.quick else 100_000)

    built = time.perf_counter()
    batch = clients(n, args.seed)
    build_s = time.perf_counter() - built

    wall, cpu, programs = timed(batch, cold=False, repeat=3)
    sample = batch[: max(1, n // 10)]
    cold_wall, _, cold_programs = timed(sample, cold=True, repeat=1)
    baseline_s = cold_wall * n / len(sample)
    identical = cold_programs == programs[: len(sample)]

    per_s = n / wall
    ratio = baseline_s / wall
    activities = sum(len(p.activities) for p in programs)
    gaps = sum(len(p.gaps) for p in programs)
    print(f"clients assessed       {n:>12,}  (built in {build_s:.1f} s)")
    print(f"plan_program()         {wall:>12.3f} s  (best of 3)")
    print(f"plan_program() CPU     {cpu:>12.3f} s  (best of 3; steadier when shared)")
    print(f"programs per second    {per_s:>12,.0f}")
    print(f"activities planned     {activities:>12,}  ({activities / n:.1f} a program)")
    print(f"gaps reported          {gaps:>12,}")
    print(f"from scratch (scaled)  {baseline_s:>12.3f} s  (catalog read anew per client)")
    print(f"ratio                  {ratio:>12,.1f} x")
    print(f"identical programs     {identical!s:>12}")
    print(
        json.dumps(
            {
                "benchmark": "planning",
                "clients": n,
                "plan_s": round(wall, 3),
                "plan_cpu_s": round(cpu, 3),
                "programs_per_s": round(per_s),
                "baseline_s": round(baseline_s, 3),
                "ratio": round(ratio, 2),
                "activities": activities,
                "gaps": gaps,
                "identical": identical,
                "seed": args.seed,
                "python": sys.version.split()[0],
                "date": date.today().isoformat(),
            }
        )
    )
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
