"""Benchmark: allocate a year's national-scale intake, against a nested-loop allocation.

    python benchmarks/registry.py              # 150,000 clients
    python benchmarks/registry.py --quick      # 15,000 clients
    python benchmarks/registry.py --clients N

Allocation part. Builds 2,000 centers (``--centers``) with 1-3 programs each (5-40
places) and N requests, each with 1-5 ranked (center, program) choices drawn by
program popularity (a few choices name a program that is not in the intake),
referred on days spread over a year; all from a seeded ``random.Random``
(``--seed``). Times ``allocate()`` (best of 3, wall and CPU time) and, in the same run, the
straightforward way: take clients in the same order and, for each choice, scan
the list of programs for it and check its remaining places. Checks that both give
the same placements and the same waiting list. Prints figures for people, then
one JSON line for machines. Target (issue 3): 150,000 clients under 2 s on one core.

Qualification part. Builds 10,000 centers (``--qualify``) with staff, certifications
(some suspended or expired), licences and inspections (some with serious unresolved
human-rights findings) and times ``qualify_many()`` against the default criteria,
best of 3.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from datetime import date, timedelta
from itertools import accumulate

from resocialize.centers import (
    Center,
    Certification,
    CertificationChange,
    ChangeKind,
    Finding,
    FindingArea,
    Inspection,
    Program,
    Qualification,
    Scheme,
    Severity,
    StaffCount,
)
from resocialize.choice import Allocation, Request, allocate
from resocialize.money import Money
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Stage
from resocialize.qualification import default_criteria, qualify_many

YEAR_START = date(2026, 1, 1)
OWNERSHIP = list(OwnershipForm)
MUNICIPALITIES = [f"m-{i:02d}" for i in range(60)]
STAGES = [Stage.SOCIAL_REHABILITATION] * 3 + [Stage.RESOCIALIZATION, Stage.PATRONAGE]

Pair = tuple[str, str]


def build_centers(rng: random.Random, n: int) -> list[Center]:
    """n centers with 1-3 programs each, 5-40 places a program."""
    centers = []
    for i in range(n):
        programs = tuple(
            Program(
                f"p-{k}",
                rng.choice(STAGES),
                rng.choice((90, 180, 365)),
                Money.of(rng.randrange(30_000, 300_000, 1_000), "RUB"),
                rng.randint(5, 40),
                minimum_age=rng.choice((14, 16, 18, 18, 18)),
            )
            for k in range(rng.randint(1, 3))
        )
        centers.append(
            Center(
                f"c-{i:04d}",
                f"Center {i}",
                rng.choice(OWNERSHIP),
                rng.choice(MUNICIPALITIES),
                programs=programs,
            )
        )
    return centers


def build_requests(rng: random.Random, pairs: list[Pair], n: int) -> list[Request]:
    """n requests in no particular order: 1-5 distinct choices each, popular programs
    chosen more often; about 1 choice in 200 names a program not in the intake."""
    cum = list(accumulate(rng.paretovariate(1.2) for _ in pairs))
    requests = []
    for i in rng.sample(range(n), n):
        wanted = rng.choices(pairs, cum_weights=cum, k=rng.randint(1, 5))
        if rng.random() < 0.005:
            wanted.append(("c-gone", "p-0"))
        choices = tuple(dict.fromkeys(wanted))
        referred = YEAR_START + timedelta(days=rng.randrange(365))
        requests.append(Request(f"cl-{i:07d}", referred, choices))
    return requests


class Row:
    """One program in the baseline's list: its ids and the places it has left."""

    __slots__ = ("center", "left", "program")

    def __init__(self, center: str, program: str, left: int) -> None:
        self.center, self.program, self.left = center, program, left


def nested_loop(
    requests: list[Request], capacity: dict[Pair, int]
) -> tuple[dict[str, tuple[str, str, int]], list[str]]:
    """The straightforward allocation: same order, a scan of the program list per choice."""
    programs = [Row(center, program, places) for (center, program), places in capacity.items()]
    placed: dict[str, tuple[str, str, int]] = {}
    waiting: list[str] = []
    for req in sorted(requests, key=lambda r: (r.referred_on, r.client_id)):
        got = False
        for rank, (center, program) in enumerate(req.choices, 1):
            for row in programs:
                if row.center == center and row.program == program:
                    if row.left > 0:
                        row.left -= 1
                        placed[req.client_id] = (center, program, rank)
                        got = True
                    break
            if got:
                break
        if not got:
            waiting.append(req.client_id)
    return placed, waiting


def same_result(
    result: Allocation, placed: dict[str, tuple[str, str, int]], waiting: list[str]
) -> bool:
    ours = {a.client_id: (a.center_id, a.program_id, a.rank) for a in result.placements}
    return ours == placed and [w.client_id for w in result.waiting] == waiting


def qualifiable(rng: random.Random, centers: list[Center]) -> list[Center]:
    """The same centers with what the criteria read: staff, certifications, inspections."""
    out = []
    for i, center in enumerate(centers):
        places = center.places()
        staff = (
            StaffCount(Qualification.PSYCHOLOGIST, max(1, -(-places // 15)) - (i % 17 == 0)),
            StaffCount(Qualification.SPECIALIST_IN_SOCIAL_WORK, max(1, -(-places // 20))),
        )
        issued = YEAR_START - timedelta(days=rng.randrange(30, 1000))
        changes = ()
        if i % 23 == 0:
            changes = (
                CertificationChange(
                    issued + timedelta(days=10), ChangeKind.SUSPENDED, "audit", "body-1"
                ),
            )
        cert = Certification(
            f"cert-{i}",
            "body-1",
            Scheme.VOLUNTARY_SCHEME,
            issued,
            issued + timedelta(days=1095),
            changes=changes,
        )
        findings = ()
        if i % 31 == 0:
            findings = (Finding("hr-1", FindingArea.HUMAN_RIGHTS, Severity.SERIOUS, "restraint"),)
        inspection = Inspection(
            f"insp-{i}", YEAR_START - timedelta(days=60), "inspectorate-1", findings
        )
        out.append(
            Center(
                center.id,
                center.name,
                center.ownership,
                center.municipality,
                programs=center.programs,
                staff=staff,
                certifications=(cert,),
                inspections=(inspection,),
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=150_000)
    parser.add_argument("--centers", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="15,000 clients")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--qualify", type=int, default=10_000, help="centers to qualify")
    args = parser.parse_args(argv)
    n = 15_000 if args.quick else args.clients

    rng = random.Random(args.seed)
    t = time.perf_counter()
    centers = build_centers(rng, args.centers)
    capacity = {(c.id, p.id): p.places for c in centers for p in c.programs}
    requests = build_requests(rng, list(capacity), n)
    build_s = time.perf_counter() - t
    gc.collect()
    gc.freeze()  # the generated input is long-lived: keep the collector off it

    times, cpu_times = [], []
    for _ in range(3):
        t, cpu = time.perf_counter(), time.process_time()
        result = allocate(requests, capacity)
        times.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - cpu)
    allocate_s, allocate_cpu_s = min(times), min(cpu_times)

    t = time.perf_counter()
    placed, waiting = nested_loop(requests, capacity)
    baseline_s = time.perf_counter() - t
    identical = same_result(result, placed, waiting)
    ratio = baseline_s / allocate_s
    choices = sum(len(r.choices) for r in requests)

    to_qualify = qualifiable(rng, build_centers(rng, 1_000 if args.quick else args.qualify))
    criteria = default_criteria()
    qualify_times = []
    for _ in range(3):
        t = time.perf_counter()
        results = qualify_many(to_qualify, criteria, on=YEAR_START)
        qualify_times.append(time.perf_counter() - t)
    qualify_s = min(qualify_times)
    qualified = sum(r.qualified for r in results.values())

    print(f"centers / programs     {len(centers):>12,} / {len(capacity):,}")
    print(f"places                 {sum(capacity.values()):>12,}")
    print(f"clients / choices      {n:>12,} / {choices:,}  (built in {build_s:.1f} s)")
    print(f"placed / waiting       {len(result.placements):>12,} / {len(result.waiting):,}")
    print(f"allocate()             {allocate_s:>12.3f} s  (best of 3; target < 2 s)")
    print(f"allocate() CPU time    {allocate_cpu_s:>12.3f} s  (best of 3; steadier when shared)")
    print(f"nested loop (baseline) {baseline_s:>12.3f} s")
    print(f"ratio                  {ratio:>12,.1f} x")
    print(f"identical results      {identical!s:>12}")
    print(
        f"qualify_many()         {qualify_s:>12.3f} s  ({len(to_qualify):,} centers, "
        f"{len(criteria.criteria)} criteria; {qualified:,} qualify; best of 3)"
    )
    print(
        json.dumps(
            {
                "benchmark": "registry",
                "clients": n,
                "centers": len(centers),
                "programs": len(capacity),
                "choices": choices,
                "placed": len(result.placements),
                "waiting": len(result.waiting),
                "allocate_s": round(allocate_s, 3),
                "allocate_cpu_s": round(allocate_cpu_s, 3),
                "baseline_s": round(baseline_s, 3),
                "ratio": round(ratio, 1),
                "identical": identical,
                "qualify_centers": len(to_qualify),
                "qualify_s": round(qualify_s, 3),
                "qualified": qualified,
                "seed": args.seed,
                "python": sys.version.split()[0],
                "date": date.today().isoformat(),
            }
        )
    )
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
