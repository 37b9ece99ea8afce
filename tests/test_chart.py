"""The compiled table and the python-statemachine chart are one definition (DESIGN.md, 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from statemachine.exceptions import TransitionNotAllowed

from _builders import BY, any_facts, opened
from resocialize.chart import PathwayChart, compile_table
from resocialize.errors import RuleViolation, ValidationError
from resocialize.guards import GUARDS
from resocialize.pathway import (
    DEFAULT_RULES,
    Case,
    Event,
    State,
    advance,
    allowed_events,
    diagram,
    pathway_table,
)
from resocialize.records import Origin

CHART_EVENTS = [e for e in Event if e is not Event.IDENTIFY]


def live_chart() -> PathwayChart:
    chart = PathwayChart()
    # the defaults of StateChart would ignore bad events and swallow guard errors
    assert chart.allow_event_without_transition is False
    assert chart.catch_errors_as_events is False
    return chart


@pytest.mark.req("PW-13")
@given(data=st.data())
def test_compiled_table_agrees_with_the_live_chart_on_every_step(data: st.DataObject) -> None:
    case: Case = opened(
        origin=data.draw(st.sampled_from(list(Origin))),
        minor=data.draw(st.booleans()),
        court=data.draw(st.booleans()),
    )
    chart = live_chart()
    at = case.since
    for _ in range(data.draw(st.integers(1, 40), label="steps")):
        at = at + timedelta(days=data.draw(st.integers(0, 400), label="days"))
        facts = data.draw(any_facts(), label="facts")
        possible = allowed_events(case, facts, at=at)
        pool = st.sampled_from([*CHART_EVENTS, "no_such_event"])
        event = data.draw(
            st.one_of(st.sampled_from(possible), pool) if possible else pool, label="event"
        )
        try:
            new = advance(case, event, at=at, by=BY, facts=facts).case
            by_table = True
        except (RuleViolation, ValidationError):
            new, by_table = case, False
        try:
            chart.send(str(event), case=case, facts=facts, at=at, rules=DEFAULT_RULES)
            by_chart = True
        except TransitionNotAllowed:
            by_chart = False
        assert by_table == by_chart, (case.state, event)
        case = new
        assert chart.current_state_value == case.state


def test_table_holds_exactly_the_charts_transitions() -> None:
    table = compile_table()
    from_chart = {
        (State(s.value), Event(e.id), State(t.target.value))
        for s in PathwayChart.states
        for t in s.transitions
        for e in t.events
    }
    assert {(s, e, m.target) for (s, e), m in table.moves.items()} == from_chart
    assert table.initial is State.IDENTIFIED
    assert table.finals == {State.MOVED_AWAY, State.DECEASED}
    assert set(table.states) == set(State)
    assert set(table.events) == set(CHART_EVENTS)


def test_final_states_have_no_transitions_and_every_guard_is_used() -> None:
    table = pathway_table()
    assert not [key for key in table.moves if key[0] in table.finals]
    used = {name for move in table.moves.values() for name in move.guard_names}
    assert used == set(GUARDS)


def test_diagram_is_drawn_from_the_chart() -> None:
    text = diagram()
    assert text.startswith("stateDiagram-v2\n    [*] --> identified\n")
    for (source, event), move in pathway_table().moves.items():
        if move.target is not source and event not in (Event.MOVE_AWAY, Event.RECORD_DEATH):
            assert f"{source.value} --> {move.target.value}: " in text
            assert event.value in text
    assert "center_admits" in diagram(guards=True)
