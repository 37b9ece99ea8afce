"""Plots of a report (needs matplotlib: ``pip install "resocialize[plot]"``).

The stage funnel, occupancy over time, outcomes by group and the follow-up rate against
its target, drawn from the report's *published* tables: a withheld count is left out of a
plot as it is left out of a table. Each function returns a new figure; :func:`plot_report`
writes them to PNG files. The figures use matplotlib's non-interactive Agg backend when no
other backend is chosen, so they work on a server without a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .reports import Report, ReportTable

__all__ = ["follow_up_rate", "funnel", "occupancy", "outcomes", "plot_report"]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError('report plots need matplotlib: pip install "resocialize[plot]"') from None
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _number(cell: object) -> float:
    """A published value as a number for drawing; withheld values draw as nothing (0)."""
    if isinstance(cell, int):
        return float(cell)
    if isinstance(cell, str):
        try:
            return float(cell)
        except ValueError:
            return 0.0
    return 0.0


def _withheld(table: ReportTable) -> str:
    return " (cells under k withheld)" if table.suppressed else ""


def funnel(report: Report) -> Any:
    """The cohort identified in the span, by group: how many reached each stage."""
    plt = _pyplot()
    table = report.table("funnel")
    stages = [c for c in table.columns if c.startswith("cohort.")]
    figure, axes = plt.subplots(figsize=(9, 5))
    width = 0.8 / max(1, len(table.rows))
    for n, row in enumerate(table.rows):
        values = [_number(row[table.columns.index(s)]) for s in stages]
        axes.bar([i + n * width for i in range(len(stages))], values, width, label=str(row[0]))
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(stages))])
    axes.set_xticklabels([s.removeprefix("cohort.").replace("_", " ").upper() for s in stages])
    axes.set_ylabel("people")
    axes.set_title("Stage funnel of the cohort" + _withheld(table))
    if len(table.rows) <= 12:
        axes.legend(fontsize="small")
    figure.tight_layout()
    return figure


def occupancy(report: Report) -> Any:
    """Cases in each state at the end of each period, stacked."""
    plt = _pyplot()
    table = report.table("occupancy")
    rows = [row for row in table.rows if row[0] != "total"]
    states = [c for c in table.columns[1:] if c != "total"]
    shown = [
        s
        for s in states
        if s not in ("deceased", "moved_away")
        and any(_number(row[table.columns.index(s)]) for row in rows)
    ]
    figure, axes = plt.subplots(figsize=(10, 5))
    if shown:
        axes.stackplot(
            range(len(rows)),
            [[_number(row[table.columns.index(s)]) for row in rows] for s in shown],
            labels=[s.replace("_", " ") for s in shown],
            colors=[plt.get_cmap("tab20").colors[i % 20] for i in range(len(shown))],
        )
        axes.legend(loc="upper left", fontsize="small", ncol=2)
    axes.set_xticks(range(len(rows)))
    axes.set_xticklabels([str(row[0]) for row in rows], rotation=45, ha="right")
    axes.set_ylabel("cases")
    axes.set_title("Occupancy at the end of each period" + _withheld(table))
    figure.tight_layout()
    return figure


def outcomes(report: Report) -> Any:
    """Completions, dropouts, relapses and remissions by group."""
    plt = _pyplot()
    table = report.table("outcomes")
    kinds = ["completed.stage_iii", "dropouts", "relapses", "sustained_remissions"]
    figure, axes = plt.subplots(figsize=(10, 5))
    width = 0.8 / len(kinds)
    for n, kind in enumerate(kinds):
        values = [_number(row[table.columns.index(kind)]) for row in table.rows]
        axes.bar([i + n * width for i in range(len(table.rows))], values, width, label=kind)
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(table.rows))])
    axes.set_xticklabels([str(row[0]) for row in table.rows], rotation=45, ha="right")
    axes.set_ylabel("people")
    axes.set_title("Outcomes by group" + _withheld(table))
    axes.legend(fontsize="small")
    figure.tight_layout()
    return figure


def follow_up_rate(report: Report) -> Any:
    """The follow-up rate per center and for the region, against the target."""
    plt = _pyplot()
    table = report.table("follow_ups")
    figure, axes = plt.subplots(figsize=(9, 5))
    labels = [str(row[0]) for row in table.rows]
    rates = [_number(row[table.columns.index("rate")]) for row in table.rows]
    axes.bar(range(len(labels)), rates)
    if table.rows:
        target = _number(table.rows[0][table.columns.index("target")])
        axes.axhline(target, linestyle="--", color="black", label=f"target {target:.0%}")
        axes.legend()
    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels(labels, rotation=45, ha="right")
    axes.set_ylim(0, 1)
    axes.set_ylabel("share of due follow-ups done")
    axes.set_title("Follow-up rate" + _withheld(table))
    figure.tight_layout()
    return figure


def plot_report(report: Report, folder: Path) -> list[Path]:
    """Draw every plot the report's tables allow and write them to ``folder`` as PNG."""
    plt = _pyplot()
    drawn = [("funnel", funnel), ("occupancy", occupancy), ("outcomes", outcomes)]
    if "follow_ups" in report.names:
        drawn.append(("follow_up_rate", follow_up_rate))
    written = []
    for name, draw in drawn:
        figure = draw(report)
        path = folder / f"{name}.png"
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written
