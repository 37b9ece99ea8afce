"""The system benchmark runs end to end on a small region and ends with its JSON line.

The full ``--quick`` run (100 clients, two SQLite files with ``synchronous=FULL``) takes
longer than a smoke test may; this one runs the same code on 20 clients. The benchmark
itself checks that the journal verifies, that a fresh replay gives the live funding, and
that the system and the baseline end in the same state."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "system.py"


@pytest.mark.req("SE-03")
def test_the_system_benchmark_runs_and_ends_with_one_json_line() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--clients", "20", "--cohort", "10"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["benchmark"] == "system"
    assert figures["clients"] == 20 and figures["commands"] == 20 * 16
    assert set(figures["per_kind"]) == {
        "identification",
        "pathway",
        "consent",
        "placement",
        "claims",
    }
    assert figures["commands_per_s"] > 0 and figures["baseline_commands_per_s"] > 0
