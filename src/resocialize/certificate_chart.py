"""The certificate chart: the one definition of a certificate's lifecycle (CF-01, CF-04).

:class:`CertificateChart` is a python-statemachine ``StateChart``, as the
register chart is. :func:`compile_table` reads it into the plain
:class:`CertificateTable` that :func:`resocialize.certificates.decide` uses; a
property test drives random events through both and checks they agree.

>>> table = compile_table()
>>> table.moves[(CertificateState.ISSUED, CertificateEvent.PLACE)].guard_names
('valid', 'contracted')
>>> sorted(s.value for s in table.finals)
['cancelled', 'expired', 'revoked', 'settled']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from statemachine import State as ChartState
from statemachine import StateChart

from ._charts import read_chart
from .certificates import (
    CERTIFICATE_GUARDS,
    CertificateEvent,
    CertificateGuard,
    CertificateState,
)

if TYPE_CHECKING:
    from .certificates import Certificate, Request

__all__ = ["CertificateChart", "CertificateMove", "CertificateTable", "compile_table"]


def _condition(name: str) -> Any:
    guard = CERTIFICATE_GUARDS[name]

    def condition(self: Any, certificate: Certificate, request: Request) -> bool:
        return not guard(certificate, request)

    condition.__name__ = name
    condition.__doc__ = guard.__doc__
    return condition


_Conditions = type("_Conditions", (), {name: _condition(name) for name in CERTIFICATE_GUARDS})


class CertificateChart(StateChart[Any], _Conditions):  # type: ignore[misc,valid-type]
    """Issue, placement, service, change of center, settlement, expiry, cancel, revoke.

    Send an event with ``certificate`` and ``request``.
    """

    allow_event_without_transition = False
    catch_errors_as_events = False

    issued = ChartState(initial=True, value=CertificateState.ISSUED)
    placed = ChartState(value=CertificateState.PLACED)
    in_service = ChartState(value=CertificateState.IN_SERVICE)
    settled = ChartState(final=True, value=CertificateState.SETTLED)
    expired = ChartState(final=True, value=CertificateState.EXPIRED)
    cancelled = ChartState(final=True, value=CertificateState.CANCELLED)
    revoked = ChartState(final=True, value=CertificateState.REVOKED)

    place = issued.to(placed, cond=["valid", "contracted"])
    start_service = placed.to(in_service, cond="valid")
    change_center = placed.from_(placed, in_service, cond=["valid", "contracted", "new_center"])
    settle = in_service.to(settled)
    expire = expired.from_(issued, placed, in_service, cond="lapsed")
    cancel = cancelled.from_(issued, placed, cond="explained")
    revoke = revoked.from_(issued, placed, in_service, cond="explained")


@attrs.frozen
class CertificateMove:
    """One row of the compiled table: where an event leads from a state, under which guards."""

    target: CertificateState
    guard_names: tuple[str, ...]
    guards: tuple[CertificateGuard, ...] = attrs.field(eq=False, repr=False)


@attrs.frozen
class CertificateTable:
    """The certificate lifecycle compiled from the chart: plain data for the hot path."""

    moves: Mapping[tuple[CertificateState, CertificateEvent], CertificateMove]
    initial: CertificateState
    finals: frozenset[CertificateState]
    states: tuple[CertificateState, ...]
    events: tuple[CertificateEvent, ...]

    def events_from(self, state: CertificateState) -> tuple[CertificateEvent, ...]:
        """The events defined from ``state`` (guards not evaluated), in chart order."""
        return tuple(event for (source, event) in self.moves if source is state)


def compile_table(chart: type[StateChart[Any]] = CertificateChart) -> CertificateTable:
    """Read the chart's states, events, transitions and guard names into a table."""
    reading = read_chart(chart, CertificateState, CertificateEvent, CERTIFICATE_GUARDS)
    return CertificateTable(
        moves={
            key: CertificateMove(target, names, tuple(CERTIFICATE_GUARDS[n] for n in names))
            for key, (target, names) in reading.moves.items()
        },
        initial=reading.initial,
        finals=reading.finals,
        states=reading.states,
        events=reading.events,
    )
