"""The ``resocialize`` command.

``resocialize simulate`` runs a scenario (the default one when none is given) and
writes its tables and plots; ``resocialize report`` builds the indicators and reports of
the regional segment from an export; ``resocialize demo`` runs a year of an example region
through the regional system (:mod:`resocialize.regional_year`), and ``resocialize demo
--walk`` walks one client along the pure pathway; ``resocialize diagram`` prints the pathway
as Mermaid; ``resocialize --version``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._version import __version__

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resocialize",
        description="Rehabilitation and resocialization of people with addictions: "
        "the stage pathway, registers, programs and certificate funding.",
    )
    parser.add_argument("--version", action="version", version=f"resocialize {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    from .simulation.command import add_parser

    add_parser(commands)
    from .report_command import add_parser as add_report

    add_report(commands)
    demo = commands.add_parser(
        "demo", help="run a year of an example region through the regional system"
    )
    demo.add_argument(
        "--walk",
        action="store_true",
        help="walk one client along the pure pathway instead (no store)",
    )
    diagram = commands.add_parser("diagram", help="print the pathway as a Mermaid state diagram")
    diagram.add_argument(
        "--guards", action="store_true", help="label transitions with the names of their guards"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "diagram":
        from .pathway import diagram

        sys.stdout.write(diagram(guards=args.guards))
        return 0
    if args.command == "simulate":
        from .simulation.command import run

        return run(args)
    if args.command == "report":
        from .report_command import run as report

        return report(args)
    if args.command == "demo":
        if args.walk:
            from .tour import walk

            lines = walk()
        else:
            from .regional_year import run as year

            lines = year()
        for line in lines:
            print(line)
        return 0
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
