"""The register chart: the one definition of a register entry's lifecycle (RG-04).

:class:`RegisterChart` is a python-statemachine ``StateChart``, as the pathway
chart is (DESIGN.md, principle 4). :func:`compile_table` reads its states,
events, transitions and guard names into the plain :class:`RegisterTable` that
:func:`resocialize.register.decide` uses; a property test drives random events
through both and checks they agree. Nothing keeps a live chart per entry
(principle 5).

No state is final: python-statemachine forbids transitions out of a final
state, and a rejected or withdrawn center may reapply, an excluded one be
re-included, on the same entry.

This module imports python-statemachine; :mod:`resocialize.register` imports it
only on first use, so ``import resocialize`` stays light. Reading transitions
and conditions of a chart class uses attributes of python-statemachine that are
not a documented API; the version range is pinned and the agreement test guards it.

>>> table = compile_table()
>>> table.moves[(RegisterState.APPLIED, RegisterEvent.INCLUDE)].guard_names
('qualified',)
>>> [e.value for e in table.events_from(RegisterState.SUSPENDED)]
['reinstate', 'exclude', 'withdraw']
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
from statemachine import State as ChartState
from statemachine import StateChart

from ._charts import read_chart
from .register import REGISTER_GUARDS, RegisterEvent, RegisterGuard, RegisterState

if TYPE_CHECKING:
    from .qualification import QualificationResult

__all__ = ["RegisterChart", "RegisterMove", "RegisterTable", "compile_table"]


def _condition(name: str) -> Any:
    guard = REGISTER_GUARDS[name]

    def condition(
        self: Any, center_id: str, at: datetime, qualification: QualificationResult | None
    ) -> bool:
        return not guard(center_id, at, qualification)

    condition.__name__ = name
    condition.__doc__ = guard.__doc__
    return condition


# The chart's condition methods, one per guard, each evaluating the same pure guard.
_Conditions = type("_Conditions", (), {name: _condition(name) for name in REGISTER_GUARDS})


class RegisterChart(StateChart[Any], _Conditions):  # type: ignore[misc,valid-type]
    """Application, inclusion, suspension, exclusion, re-inclusion of a center (RG-04).

    Refusals must surface: unknown or impossible events raise instead of being
    ignored, and guard errors propagate instead of becoming events. Send an event
    with ``center_id``, ``at`` and ``qualification``.
    """

    allow_event_without_transition = False
    catch_errors_as_events = False

    applied = ChartState(initial=True, value=RegisterState.APPLIED)
    included = ChartState(value=RegisterState.INCLUDED)
    suspended = ChartState(value=RegisterState.SUSPENDED)
    excluded = ChartState(value=RegisterState.EXCLUDED)
    rejected = ChartState(value=RegisterState.REJECTED)
    withdrawn = ChartState(value=RegisterState.WITHDRAWN)

    include = applied.to(included, cond="qualified")
    reject = applied.to(rejected)
    suspend = included.to(suspended)
    reinstate = suspended.to(included, cond="qualified")
    exclude = excluded.from_(included, suspended)
    reinclude = excluded.to(included, cond="qualified")
    withdraw = withdrawn.from_(applied, included, suspended)
    reapply = applied.from_(rejected, withdrawn)


@attrs.frozen
class RegisterMove:
    """One row of the compiled table: where an event leads from a state, under which guards."""

    target: RegisterState
    guard_names: tuple[str, ...]
    guards: tuple[RegisterGuard, ...] = attrs.field(eq=False, repr=False)


@attrs.frozen
class RegisterTable:
    """The register lifecycle compiled from the chart: plain data for the hot path."""

    moves: Mapping[tuple[RegisterState, RegisterEvent], RegisterMove]
    initial: RegisterState
    states: tuple[RegisterState, ...]
    events: tuple[RegisterEvent, ...]

    def events_from(self, state: RegisterState) -> tuple[RegisterEvent, ...]:
        """The events defined from ``state`` (guards not evaluated), in chart order."""
        return tuple(event for (source, event) in self.moves if source is state)


def compile_table(chart: type[StateChart[Any]] = RegisterChart) -> RegisterTable:
    """Read the chart's states, events, transitions and guard names into a table."""
    reading = read_chart(chart, RegisterState, RegisterEvent, REGISTER_GUARDS)
    if reading.finals:
        raise ValueError("the register chart has no final state: every entry may come back")
    return RegisterTable(
        moves={
            key: RegisterMove(target, names, tuple(REGISTER_GUARDS[name] for name in names))
            for key, (target, names) in reading.moves.items()
        },
        initial=reading.initial,
        states=reading.states,
        events=reading.events,
    )
