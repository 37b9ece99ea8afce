"""MkDocs hooks.

- Draw the pathway diagram and guard table from the chart at build time, never by hand.
- Fence doctest blocks (``>>>`` lines and their output) as ``pycon`` code wherever they
  stand, docstrings included, so their output is shown as code and not read as Markdown.
"""

from __future__ import annotations

from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

MARKER = "<!-- pathway-diagram -->"
MARKER_GUARDS = "<!-- pathway-guards -->"


class _DoctestFences(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fenced = False  # inside a fence written by the author
        block = False  # inside a doctest block we are fencing
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("```"):
                fenced = not fenced
            if not fenced and not block and stripped.startswith(">>>"):
                out.append("```pycon")
                block = True
            elif block and not stripped:
                out.append("```")
                block = False
            out.append(line)
        if block:
            out.append("```")
        return out


class DoctestFences(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.register(_DoctestFences(md), "doctest_fences", 40)


@event_priority(100)  # before mkdocstrings reads the extensions
def on_config(config: Any) -> Any:
    config.markdown_extensions.append(DoctestFences())
    return config


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    if MARKER not in markdown and MARKER_GUARDS not in markdown:
        return markdown
    from resocialize.pathway import diagram, pathway_table

    markdown = markdown.replace(MARKER, "```mermaid\n" + diagram() + "```")
    rows = ["| from | event | to | guards |", "|---|---|---|---|"]
    for (source, event), move in pathway_table().moves.items():
        guards = ", ".join(f"`{name}`" for name in move.guard_names) or "none"
        rows.append(f"| {source.value} | `{event.value}` | {move.target.value} | {guards} |")
    return markdown.replace(MARKER_GUARDS, "\n".join(rows))


def on_post_build(config: Any) -> None:
    """Draw the report plots of the "Indicators and reports" page from the example region.

    They are drawn from the code at every build, never kept by hand; without matplotlib or
    the test extra the page shows no pictures and the build goes on.
    """
    from pathlib import Path

    try:
        from resocialize.indicators import Period
        from resocialize.report_plots import funnel, occupancy, outcomes
        from resocialize.reports import build_report
        from resocialize.testing._indicators import region_year
    except ImportError:
        return
    import matplotlib.pyplot as plt

    cases, attributes = region_year(11, cases=300, year=2026)
    report = build_report(cases, Period.months(2026), attributes=attributes)
    folder = Path(config["site_dir"]) / "img"
    folder.mkdir(parents=True, exist_ok=True)
    for name, draw in (("funnel", funnel), ("occupancy", occupancy), ("outcomes", outcomes)):
        figure = draw(report)
        figure.savefig(folder / f"report-{name}.png", dpi=90)
        plt.close(figure)
