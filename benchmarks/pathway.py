"""Benchmark: one event applied to each of many stored cases, table versus live chart.

    python benchmarks/pathway.py              # 1,000,000 cases
    python benchmarks/pathway.py --quick      # 100,000 cases
    python benchmarks/pathway.py --cases N

Builds N cases as frozen values (the way a store holds them: state is data),
measures the memory they take, then applies one event to each through
``advance()`` (half ``start_treatment``, half the guarded ``give_consent``).
The peer does the same events the per-instance way: restore a
python-statemachine chart instance per case from its stored state and send the
event. The peer is measured on a sample (``--peer-sample``, default 20,000)
because at about a millisecond per case a million would take many minutes; the
rate is per event either way. The peer's count is generous to it: it only
restores and sends, while ``advance()`` also builds the new case with its history.

Prints figures for people, then one JSON line for machines. Targets (issue 2):
``advance()`` at least 50x the per-instance way; 1,000,000 cases under 1 GiB.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta

from resocialize.chart import PathwayChart
from resocialize.facts import NO_FACTS
from resocialize.pathway import DEFAULT_RULES, Case, Event, advance, identify, pathway_table
from resocialize.records import Origin, Referral, ReferralSource

T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
SOURCES = list(ReferralSource)
ORIGINS = list(Origin)
EVENTS = (Event.START_TREATMENT, Event.GIVE_CONSENT)


def rss_bytes() -> int:
    """Resident memory of this process (Linux /proc; falls back to peak RSS)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def import_ms() -> float:
    """Time of ``import resocialize`` in a fresh interpreter (-X importtime), best of 3."""
    import subprocess

    best = float("inf")
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import resocialize"],
            capture_output=True,
            text=True,
            check=True,
        )
        for line in done.stderr.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] == "resocialize":
                best = min(best, int(parts[1]) / 1000)
    return best


def build(n: int) -> list[Case]:
    """n cases in motivation: identified by a referral, then engaged (two history entries)."""
    cases: list[Case] = []
    append = cases.append
    for i in range(n):
        at = T0 + timedelta(minutes=i % 500_000)
        referral = Referral(SOURCES[i % len(SOURCES)], at.date(), f"dept-{i % 40}")
        case = identify(
            f"case-{i:07d}",
            f"cl-{i:016x}",
            referral=referral,
            origin=ORIGINS[i % len(ORIGINS)],
            at=at,
            by="agency/officer-1",
        )
        append(advance(case, Event.ENGAGE, at=at, by="agency/officer-1").case)
    return cases


def run_advance(cases: list[Case]) -> tuple[float, list[Case]]:
    later = T0 + timedelta(days=400)
    out: list[Case] = []
    append = out.append
    start = time.perf_counter()
    for i, case in enumerate(cases):
        append(advance(case, EVENTS[i & 1], at=later, by="agency/officer-2").case)
    return time.perf_counter() - start, out


def run_peer(cases: list[Case]) -> float:
    later = T0 + timedelta(days=400)
    start = time.perf_counter()
    for i, case in enumerate(cases):
        chart = PathwayChart(start_value=case.state)
        chart.send(EVENTS[i & 1].value, case=case, facts=NO_FACTS, at=later, rules=DEFAULT_RULES)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 cases, 2,000 peer events")
    parser.add_argument("--peer-sample", type=int, default=20_000)
    args = parser.parse_args(argv)
    n = 100_000 if args.quick else args.cases
    sample = min(n, 2_000 if args.quick else args.peer_sample)

    pathway_table()  # compile the chart once, outside the timings
    gc.collect()
    before = rss_bytes()
    gc.disable()  # bulk loads are dominated by the collector (DESIGN.md, principle 5)
    t = time.perf_counter()
    cases = build(n)
    build_s = time.perf_counter() - t
    gc.freeze()
    gc.enable()
    held = rss_bytes() - before
    per_case = held / n

    seconds, advanced = run_advance(cases)
    assert all(c.version == 3 for c in advanced[:1000])
    del advanced
    rate = n / seconds

    peer_seconds = run_peer(cases[:sample])
    peer_rate = sample / peer_seconds
    ratio = rate / peer_rate

    print(f"cases built            {n:>12,}  in {build_s:.1f} s")
    print(f"memory held            {held / 2**20:>12,.0f} MiB  ({per_case:,.0f} bytes per case)")
    print(f"advance()              {rate:>12,.0f} events/s  ({n:,} events)")
    print(f"chart instance (peer)  {peer_rate:>12,.0f} events/s  ({sample:,} events)")
    print(f"ratio                  {ratio:>12,.1f} x   (target >= 50 x)")
    imported = import_ms()
    print(f"import resocialize     {imported:>12,.0f} ms  (target < 200 ms; best of 3)")
    if n >= 1_000_000:
        verdict = "under" if held < 2**30 else "OVER"
        print(f"1,000,000 cases held in {held / 2**20:,.0f} MiB: {verdict} 1 GiB")
    print(
        json.dumps(
            {
                "benchmark": "pathway",
                "cases": n,
                "events_per_s": round(rate),
                "peer_events_per_s": round(peer_rate),
                "peer_sample": sample,
                "ratio": round(ratio, 1),
                "memory_bytes": held,
                "bytes_per_case": round(per_case),
                "import_ms": round(imported, 1),
                "build_s": round(build_s, 2),
                "python": sys.version.split()[0],
                "date": date.today().isoformat(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
