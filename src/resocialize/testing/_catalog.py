"""Hypothesis strategies for interventions and catalogs, valid by construction."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from resocialize.assessment import LifeDomain, Need
from resocialize.catalog import PROGRAM_STAGES, Catalog, Intervention, Provider, ServiceDomain
from resocialize.records import Origin

__all__ = ["catalogs", "intervention_codes", "interventions"]

_codes = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
_names = st.sampled_from(["Labour therapy", "Support group", "Медиация", "Škola", "Art"])


def intervention_codes() -> st.SearchStrategy[str]:
    """Snake-case codes like ``art_therapy``."""
    return _codes


@st.composite
def interventions(
    draw: st.DrawFn, code: str | None = None, prerequisites_from: Sequence[str] = ()
) -> Intervention:
    """Valid interventions; ``code`` fixes the code, and prerequisites are drawn from
    ``prerequisites_from`` (never the intervention's own code)."""
    chosen = draw(_codes) if code is None else code
    others = sorted(set(prerequisites_from) - {chosen})
    pre_release = draw(st.booleans())
    origins = draw(st.frozensets(st.sampled_from(list(Origin))))
    if pre_release and origins:
        origins |= {Origin.PRISON}
    return Intervention(
        code=chosen,
        name=draw(_names),
        domain=draw(st.sampled_from(list(ServiceDomain))),
        addresses=draw(st.frozensets(st.sampled_from(list(LifeDomain)))),
        stages=draw(st.frozensets(st.sampled_from(sorted(PROGRAM_STAGES)), min_size=1)),
        weeks=draw(st.integers(1, 104)),
        per_week=draw(st.integers(1, 7)),
        providers=draw(st.frozensets(st.sampled_from(list(Provider)), min_size=1)),
        prerequisites=draw(st.frozensets(st.sampled_from(others))) if others else frozenset(),
        co_dependents=draw(st.booleans()),
        origins=origins,
        minimum_need=draw(st.sampled_from(list(Need))),
        pre_release=pre_release,
        description=draw(st.sampled_from(["", "a short description"])),
    )


@st.composite
def catalogs(draw: st.DrawFn, max_size: int = 12) -> Catalog:
    """Valid catalogs: unique codes, and each intervention's prerequisites chosen among the
    interventions before it, so that no cycle can form."""
    codes = draw(st.lists(_codes, max_size=max_size, unique=True))
    items = [
        draw(interventions(code=code, prerequisites_from=codes[:i])) for i, code in enumerate(codes)
    ]
    version = draw(st.sampled_from(["1", "2026.1", "north-2"]))
    return Catalog(version, tuple(items))
