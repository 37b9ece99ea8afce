"""``resocialize report``: indicators and reports of the regional segment from an export.

    resocialize report EXPORT.jsonl [--year YEAR | --from DATE --to DATE]
                       [--every month|quarter|year] [--as-of DATE] [--by DIMENSION ...]
                       [--role ROLE] [--k K] [--out DIR] [--no-plots]

It reads a region's export (JSON lines, :mod:`resocialize.exports`), builds the report
(:func:`resocialize.reports.build_report`) for the periods asked (by default the months of
the year of the latest entry), published for ``--role`` (by default the anti-drug
commission, which sees cells under k suppressed; the agency sees them all), prints the
region's figures and writes every table as CSV and JSON, and the plots as PNG when
matplotlib is installed, to ``--out`` (default ``resocialize-report``). A progress bar
shows on the terminal while a large export is read. A bad export is refused with the line
and path of each problem, and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from typing import Any, TextIO

from .errors import ResocializeError, ValidationError

__all__ = ["add_parser", "run"]

_SHOWN_PROBLEMS = 20


def add_parser(commands: Any) -> None:
    """Add the ``report`` command to the ``resocialize`` parser's subcommands."""
    from .indicators import DIMENSIONS
    from .organizations import Role

    report = commands.add_parser(
        "report",
        help="indicators and reports of the regional segment from an export (JSON lines)",
        description=(__doc__ or "").split("\n\n")[0],
    )
    report.add_argument("export", help="a region's export: JSON lines of cases, follow-ups, ...")
    report.add_argument("--year", type=int, help="the calendar year to report")
    report.add_argument("--from", dest="start", type=date.fromisoformat, help="first day")
    report.add_argument("--to", dest="end", type=date.fromisoformat, help="last day")
    report.add_argument(
        "--every", choices=("month", "quarter", "year"), default="month", help="period length"
    )
    report.add_argument("--as-of", type=date.fromisoformat, help="as known on this day")
    report.add_argument(
        "--by", nargs="*", choices=DIMENSIONS, default=["center"], help="groups of the tables"
    )
    report.add_argument(
        "--role",
        choices=[r.value for r in Role],
        default=Role.ANTI_DRUG_COMMISSION.value,
        help="the role the report is published for",
    )
    report.add_argument("--k", type=int, default=5, help="suppress counts under k")
    report.add_argument("--out", default="resocialize-report", help="folder for tables and plots")
    report.add_argument("--no-plots", action="store_true", help="write the tables only")


class _Bar:
    """A progress bar of the lines read, on stderr, only when it is a terminal."""

    def __init__(self, stream: TextIO, path: str) -> None:
        self.stream = stream
        self.shown = stream.isatty()
        self.total = _lines_in(path) if self.shown else 0

    def __call__(self, lines: int) -> None:
        if not self.shown:
            return
        if self.total:
            done = min(1.0, lines / self.total)
            filled = int(done * 30)
            self.stream.write(
                f"\rreading the export [{'#' * filled}{'-' * (30 - filled)}]"
                f" {done:4.0%} {lines:,}/{self.total:,} lines"
            )
        else:
            self.stream.write(f"\rreading the export: {lines:,} lines")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")


def _lines_in(path: str) -> int:
    """The lines of a file, counted fast (0 when it cannot be read: the reader says why)."""
    try:
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return 0


def _periods(args: argparse.Namespace, latest: date | None) -> Any:
    from .indicators import Period

    if args.year is not None and (args.start or args.end):
        raise ValidationError.at("--year", "give a year or --from and --to, not both")
    if args.start or args.end:
        if not (args.start and args.end):
            raise ValidationError.at("--from", "--from and --to go together")
        start, end = args.start, args.end
    else:
        year = args.year if args.year is not None else (latest or date.today()).year
        start, end = date(year, 1, 1), date(year, 12, 31)
    periods = []
    day = start
    while day <= end:
        if args.every == "year":
            last = date(day.year, 12, 31)
        elif args.every == "quarter":
            quarter_end = ((day.month - 1) // 3 + 1) * 3
            last = Period.month(day.year, quarter_end).end
        else:
            last = Period.month(day.year, day.month).end
        last = min(last, end)
        periods.append(Period(day, last))
        day = last + timedelta(days=1)
    return periods


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``resocialize report`` with parsed arguments; return the exit status (printing
    to ``out`` and ``err``, by default standard output and standard error)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    from .disclosure import DisclosurePolicy
    from .exports import read_export
    from .organizations import Role
    from .reports import build_report, write_report

    count = _Bar(err, args.export)
    try:
        export = read_export(args.export, progress=count)
    except OSError as exc:
        count.close()
        err.write(f"resocialize report: cannot read {args.export}: {exc.strerror or exc}\n")
        return 2
    except ValidationError as exc:
        count.close()
        err.write(f"resocialize report: {args.export} is not a valid export:\n")
        for problem in exc.problems[:_SHOWN_PROBLEMS]:
            err.write(f"  {problem}\n")
        if len(exc.problems) > _SHOWN_PROBLEMS:
            err.write(f"  ... and {len(exc.problems) - _SHOWN_PROBLEMS} more\n")
        return 2
    count.close()
    latest = max((case.history[-1].at.date() for case in export.cases), default=None)
    try:
        periods = _periods(args, latest)
        report = build_report(
            export.cases,
            periods,
            as_of=args.as_of,
            by=tuple(args.by),
            attributes=export.attributes,
            records=export.records if export.records else None,
            ledger=export.ledger,
            book=export.book if export.ledger is not None else None,
            role=Role(args.role),
            policy=DisclosurePolicy(k=args.k),
        )
        written = write_report(report, args.out, plots=not args.no_plots)
    except ResocializeError as exc:
        err.write(f"resocialize report: {exc}\n")
        return 2
    _summary(report, len(export.cases), out)
    pngs = sum(1 for p in written if p.suffix == ".png")
    out.write(f"\nwrote {len(written) - pngs} table files and {pngs} plots to {args.out}\n")
    return 0


def _summary(report: Any, cases: int, out: TextIO) -> None:
    first, last = report.periods[0], report.periods[-1]
    out.write(f"{report.title}\n")
    out.write(
        f"{cases:,} cases, {first.start} to {last.end}, as of {report.as_of};"
        f" published for {report.role.value} (k = {report.k})\n\n"
    )
    events = report.table("events")
    totals = {}
    for column in events.columns[1:]:
        values = events.column(column)
        known = [v for v in values if isinstance(v, int)]
        totals[column] = (
            str(sum(known)) + ("+" if len(known) < len(values) else "") if known else "-"
        )
    width = max(len(c) for c in totals)
    for column, total in totals.items():
        out.write(f"  {column.replace('.', ' ').replace('_', ' '):<{width}}  {total:>8}\n")
    withheld = [t.name for t in report.tables if t.suppressed]
    if withheld:
        out.write(f"\nsmall counts withheld in: {', '.join(withheld)} (see each table's notes)\n")
