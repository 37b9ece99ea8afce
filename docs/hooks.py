"""MkDocs hook: draw the pathway diagram from the chart at build time, never by hand."""

from __future__ import annotations

from typing import Any

MARKER = "<!-- pathway-diagram -->"
MARKER_GUARDS = "<!-- pathway-guards -->"


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
