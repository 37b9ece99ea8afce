"""``resocialize simulate``: run a scenario, print a summary, write tables and plots.

    resocialize simulate [SCENARIO.toml] [--engine cohort|individual] [--samples N]
                         [--seed S] [--out DIR]

Without a scenario file it runs the default scenario. It prints the summary of
one run; with ``--samples N`` it also runs a probabilistic sensitivity analysis
(:func:`~resocialize.simulation.sweeps.default_uncertainty`) and prints the mean
and 95% interval of each figure, with a progress bar on the terminal. It writes
``summary.csv``, ``occupancy.csv``, ``flows.csv``, ``waiting.csv``,
``budget.csv`` (and ``sweep.csv``) to ``--out`` (default
``resocialize-simulation``), and the plots as PNG when matplotlib is installed.
A bad scenario file is refused with the path and reason of each problem, and
exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from resocialize.errors import ResocializeError, ValidationError
from resocialize.money import Money

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Add the ``simulate`` command to the ``resocialize`` parser's subcommands."""
    simulate = commands.add_parser(
        "simulate",
        help="run a scenario (the default one when none is given): costs, remissions, waiting",
        description=(__doc__ or "").split("\n\n")[0],
    )
    simulate.add_argument("scenario", nargs="?", help="a scenario TOML file")
    simulate.add_argument("--engine", choices=("cohort", "individual"), default="cohort")
    simulate.add_argument(
        "--samples", type=int, default=0, help="probabilistic sensitivity analysis samples"
    )
    simulate.add_argument("--seed", type=int, default=2027, help="the seed of every random draw")
    simulate.add_argument(
        "--out", default="resocialize-simulation", help="folder for the tables and plots"
    )


def _text(value: object) -> str:
    if isinstance(value, Money):
        return f"{value.amount:,.2f} {value.currency}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return "-" if value is None else str(value)


def _plain(value: object) -> object:
    if isinstance(value, Money):
        return str(value.amount)
    return "" if value is None else value


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        if not rows:
            return
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _plain(v) for k, v in row.items()})


class _Bar:
    """A progress bar on stderr, only when it is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.shown:
            return
        width = 40
        filled = width * done // max(total, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} samples")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``resocialize simulate`` with parsed arguments; return the exit status."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    from .scenario import default_scenario, scenario_from_toml

    try:
        if args.scenario:
            path = Path(args.scenario)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as error:
                err.write(f"resocialize simulate: cannot read {path}: {error.strerror}\n")
                return 2
            scenario = scenario_from_toml(text)
        else:
            scenario = default_scenario()
    except ValidationError as error:
        err.write(f"resocialize simulate: {args.scenario} is not a valid scenario:\n")
        for problem in error.problems:
            err.write(f"  {problem.path}: {problem.message}\n")
        return 2
    if args.samples < 0:
        err.write("resocialize simulate: --samples must be 0 or more\n")
        return 2
    try:
        return _simulate(scenario, args, out, err)
    except ResocializeError as error:
        err.write(f"resocialize simulate: {error}\n")
        return 2


def _simulate(scenario: Any, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .cohort import run_cohort
    from .individual import run_individual

    if args.engine == "cohort":
        results = run_cohort(scenario)
    else:
        results = run_individual(scenario, seed=args.seed)
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    out.write(f"scenario {scenario.name}: {scenario.description}\n")
    out.write(
        f"{scenario.horizon_months} months from {scenario.start.isoformat()}, "
        f"{args.engine} engine\n\n"
    )
    summary = results.summary()
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        out.write(f"{key.replace('_', ' '):<{width}}  {_text(value)}\n")
    out.write("\nspending by source and year (certificates committed at issue)\n")
    for row in results.budget():
        out.write(
            f"  {row['source']:<10} {row['year']}  spent {_text(row['spent']):>22}"
            f"  committed {_text(row['committed']):>22}  budget {_text(row['budget']):>22}\n"
        )
    for name in ("occupancy", "flows", "waiting", "budget", "summary"):
        _write(folder / f"{name}.csv", results.table(name))
    if args.samples:
        from .sweeps import METRICS, default_uncertainty, sweep

        done = sweep(
            scenario,
            default_uncertainty(scenario),
            samples=args.samples,
            seed=args.seed,
            engine=args.engine,
            progress=_Bar(err),
        )
        out.write(f"\nuncertainty: {args.samples} samples (mean, 95% interval)\n")
        for metric in METRICS:
            low, high = done.interval(metric)
            out.write(
                f"  {metric.replace('_', ' '):<{width}}  {done.mean(metric):>16,.1f}"
                f"  [{low:,.1f} .. {high:,.1f}]\n"
            )
        _write(folder / "sweep.csv", done.table())
    try:
        from .plots import save_all

        written = save_all(results, folder)
        out.write(f"\ntables and {len(written)} plots written to {folder}\n")
    except ResocializeError as missing:
        out.write(f"\ntables written to {folder} (no plots: {missing})\n")
    return 0
