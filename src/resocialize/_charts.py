"""Reading a python-statemachine chart class into plain data, for the compiled tables.

The pathway and the register of centers are each defined once as a chart; their
hot paths use a table read from it. This module does the reading for both. It
uses attributes of python-statemachine (transitions, their ``cond`` specs) that
are not a documented API: the dependency is pinned and each table has a property
test against a live chart.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Generic, TypeVar

import attrs
from statemachine import StateChart

S = TypeVar("S")
E = TypeVar("E")


@attrs.frozen
class ChartReading(Generic[S, E]):
    """A chart's transitions as data: ``moves[(state, event)] = (target, guard names)``."""

    moves: dict[tuple[S, E], tuple[S, tuple[str, ...]]]
    initial: S
    finals: frozenset[S]
    states: tuple[S, ...]
    events: tuple[E, ...]


def read_chart(
    chart: type[StateChart[Any]],
    state: Callable[[Any], S],
    event: Callable[[str], E],
    guard_names: Collection[str],
) -> ChartReading[S, E]:
    """Read ``chart``: every (state, event) pair, its target and its guards' names.

    Refuses what a table cannot hold: a condition that is not one of ``guard_names``
    (or an ``unless``), a transition without target, two transitions for one event
    from one state.
    """
    moves: dict[tuple[S, E], tuple[S, tuple[str, ...]]] = {}
    events: dict[E, None] = {}
    for chart_state in chart.states:
        source = state(chart_state.value)
        for transition in chart_state.transitions:
            names: list[str] = []
            for spec in transition.cond:
                if spec.is_convention:
                    continue
                if spec.expected_value is not True or spec.attr_name not in guard_names:
                    raise ValueError(f"unsupported condition {spec} on {transition}")
                names.append(spec.attr_name)
            target = transition.target
            if target is None:
                raise ValueError(f"targetless transition {transition}")
            for chart_event in transition.events:
                key = (source, event(chart_event.id))
                if key in moves:
                    raise ValueError(f"two transitions for {key[1]} from {source}")
                events[key[1]] = None
                moves[key] = (state(target.value), tuple(names))
    initial = chart.initial_state
    if initial is None:
        raise ValueError("the chart has no initial state")
    return ChartReading(
        moves=moves,
        initial=state(initial.value),
        finals=frozenset(state(s.value) for s in chart.final_states),
        states=tuple(state(s.value) for s in chart.states),
        events=tuple(events),
    )
