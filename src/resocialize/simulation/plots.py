"""Plots of a run (needs matplotlib: ``pip install "resocialize[plot]"``).

Each function draws on a new figure and returns it (spending or, with a
certificate, the commitments by year and source against the budget; the waiting
lists for a place and for funding); :func:`save_all` writes the
three to PNG files. The figures use matplotlib's non-interactive Agg backend when
no other backend is chosen, so they work on a server without a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from resocialize.errors import ResocializeError

from .results import Results

__all__ = ["budget_by_year", "occupancy", "save_all", "waiting_list"]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ResocializeError('plots need matplotlib: pip install "resocialize[plot]"') from None
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def occupancy(results: Results) -> Any:
    """People in each state over the months, stacked (final states and empty ones left out)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(10, 5))
    months = range(results.occupancy.shape[0])
    shown = [
        k
        for k, name in enumerate(results.states)
        if name not in ("deceased", "moved_away") and results.occupancy[:, k].max() > 0
    ]
    colors = plt.get_cmap("tab20").colors
    axes.stackplot(
        months,
        [results.occupancy[:, k] for k in shown],
        colors=[colors[i % len(colors)] for i in range(len(shown))],
        labels=[results.states[k].replace("_", " ") for k in shown],
    )
    axes.set_xlabel("month")
    axes.set_ylabel("people")
    axes.set_title(f"Occupancy by state ({results.engine} engine)")
    axes.legend(loc="upper left", fontsize="small", ncol=2)
    figure.tight_layout()
    return figure


def budget_by_year(results: Results) -> Any:
    """Spending by year and funding source, stacked bars, next to the budget; with a
    certificate, the certificates committed that year (what the budget limits)."""
    plt = _pyplot()
    rows = results.budget()
    years = sorted({row["year"] for row in rows})
    funders = list(dict.fromkeys(row["source"] for row in rows))
    figure, axes = plt.subplots(figsize=(9, 5))
    bottom = [0.0] * len(years)
    shown = "committed" if results.model.scenario.certificate is not None else "spent"
    for funder in funders:
        spent = [
            float(next(r[shown].amount for r in rows if r["source"] == funder and r["year"] == y))
            for y in years
        ]
        axes.bar([str(y) for y in years], spent, bottom=bottom, label=f"{funder} {shown}")
        bottom = [b + s for b, s in zip(bottom, spent, strict=True)]
    planned = [
        sum(float(r["budget"].amount) for r in rows if r["year"] == y and r["budget"] is not None)
        for y in years
    ]
    if any(planned):
        axes.plot([str(y) for y in years], planned, "k--", marker="o", label="budget")
    axes.set_ylabel(results.currency)
    axes.set_title(
        "Certificates committed by year and funding source"
        if shown == "committed"
        else "Spending by year and funding source"
    )
    axes.legend(fontsize="small")
    figure.tight_layout()
    return figure


def waiting_list(results: Results) -> Any:
    """People waiting for a place, and for funding, month by month."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(9, 4))
    months = range(results.occupancy.shape[0])
    axes.plot(months, results.waiting(), label="for a place")
    if results.model.bounded:
        axes.plot(months, results.waiting_for_funding(), label="for funding")
        axes.legend(fontsize="small")
    axes.set_xlabel("month")
    axes.set_ylabel("people waiting")
    axes.set_title("Waiting lists")
    figure.tight_layout()
    return figure


def save_all(results: Results, folder: Path) -> tuple[Path, ...]:
    """Write the three plots as PNG files in ``folder``; return their paths."""
    plt = _pyplot()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (
        ("occupancy", occupancy),
        ("budget", budget_by_year),
        ("waiting", waiting_list),
    ):
        figure = draw(results)
        path = folder / f"{name}.png"
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return tuple(written)
