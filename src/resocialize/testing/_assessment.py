"""Hypothesis strategies for assessment instruments, assessments and their parts (PL-01)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from resocialize.assessment import (
    CAPITAL_MAX,
    Assessment,
    Instrument,
    Item,
    LifeDomain,
    RecoveryCapital,
    Scale,
    StageOfChange,
    default_instrument,
)

__all__ = [
    "assessments",
    "instruments",
    "recovery_capitals",
    "scales",
    "scores_for",
    "stages_of_change",
]

_ids = st.from_regex(r"[a-z]{1,6}-[0-9]{1,4}", fullmatch=True)
_codes = st.from_regex(r"[a-z][a-z0-9_]{0,9}", fullmatch=True)
_days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
_labels = st.sampled_from(
    ["How much help is needed here?", "Rate the problem.", "Need for help (assessor's rating)"]
)


@st.composite
def scales(draw: st.DrawFn) -> Scale:
    """Valid scales: any low from -2 to 3, 2 to 11 points, cuts non-decreasing in
    ``(low, high]`` (equal cuts included), sometimes with an anchor for each score."""
    low = draw(st.integers(-2, 3))
    high = low + draw(st.integers(1, 10))
    cuts = sorted(draw(st.lists(st.integers(low + 1, high), min_size=4, max_size=4)))
    anchors: tuple[str, ...] = ()
    if draw(st.booleans()):
        anchors = tuple(f"score {score}" for score in range(low, high + 1))
    return Scale(low, high, (cuts[0], cuts[1], cuts[2], cuts[3]), anchors)


@st.composite
def instruments(draw: st.DrawFn) -> Instrument:
    """Valid instruments of 1 to 14 items with unique codes, covering any set of domains,
    some domains with several items on different scales; open or licensed."""
    codes = draw(st.lists(_codes, min_size=1, max_size=14, unique=True))
    items = tuple(
        Item(code, draw(st.sampled_from(list(LifeDomain))), draw(_labels), draw(scales()))
        for code in codes
    )
    licence = draw(st.sampled_from(["open", "licensed to the region"]))
    source = draw(st.sampled_from([None, "a test instrument with no real content"]))
    version = draw(st.sampled_from(["1", "2026.1", "3.0"]))
    return Instrument(draw(_ids), "Instrument", version, items, licence, source)


def scores_for(
    instrument: Instrument, *, critical: bool = True
) -> st.SearchStrategy[dict[str, int]]:
    """A score on its scale for every item of ``instrument``; with ``critical=False`` no
    score reaches critical need (so that potentials other than low are drawn often)."""
    return st.fixed_dictionaries(
        {
            item.code: st.integers(
                item.scale.low, item.scale.high if critical else item.scale.cuts[3] - 1
            )
            for item in instrument.items
        }
    )


def recovery_capitals() -> st.SearchStrategy[RecoveryCapital]:
    """Recovery capital, each component 0-10."""
    component = st.integers(0, CAPITAL_MAX)
    return st.builds(RecoveryCapital, component, component, component, component)


def stages_of_change() -> st.SearchStrategy[StageOfChange]:
    """Any stage of change."""
    return st.sampled_from(list(StageOfChange))


@st.composite
def assessments(
    draw: st.DrawFn, instrument: Instrument | None = None, client_id: str | None = None
) -> Assessment:
    """Valid assessments with ``instrument`` (by default the open default instrument or a
    drawn one) of ``client_id`` (by default a drawn id): every item scored on its scale
    (in half of them no item of critical need), notes on some items."""
    tool = instrument
    if tool is None:
        tool = draw(st.one_of(st.just(default_instrument()), instruments()))
    codes = [item.code for item in tool.items]
    notes = draw(
        st.dictionaries(st.sampled_from(codes), st.sampled_from(["seen twice", "from records"]))
    )
    return Assessment(
        id=draw(_ids),
        client_id=client_id if client_id is not None else draw(_ids),
        instrument=tool,
        scores=draw(scores_for(tool, critical=draw(st.booleans()))),
        assessor=draw(_ids),
        on=draw(_days),
        stage_of_change=draw(stages_of_change()),
        recovery_capital=draw(recovery_capitals()),
        notes=notes,
    )
