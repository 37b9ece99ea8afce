"""A scenario compiled to arrays: what both engines run (needs numpy).

:func:`compile_model` turns a :class:`~resocialize.simulation.scenario.Scenario`
into a :class:`Model`:

- ``states``: the pathway's states in :class:`~resocialize.pathway.State` order,
  then one *waiting* state for each state with a capacity
  (``"waiting:social_rehabilitation"``); ``S`` of them in all;
- ``tunnel``: ``M``, the months in state that are told apart: month ``m`` of a stay
  is ``min(m, M - 1)``; ``M`` is one more than the last month any band starts or
  any cost stops at, so that every band and cost is exact;
- ``P``: ``(S, M, S)``, the monthly probability to move from state ``s`` after
  ``m`` months in it to state ``t`` (mortality applied; rows sum to 1; the
  absorbing states stay put). A waiting state's row says what happens to a
  person who waits: they die at the mortality rate, give up waiting at the
  scenario's rate and otherwise go on waiting
  (admission from the waiting list is decided by the engine: see below), or give
  up waiting (``leave_waiting_per_month``, to ``dropped_out``);
- ``legal``: ``(S, S)`` booleans, the moves the engines may make: the chart's,
  staying put, and a capped state's moves to and from its waiting state;
- ``capacity``: ``(S,)`` places (``inf`` when unlimited); ``waiting_for``:
  ``(S,)`` the capped state a waiting state waits for (``-1`` otherwise);
  ``waiting_of``: ``(S,)`` a capped state's waiting state (``-1`` otherwise);
- ``state_cost``: ``(S, M)`` cost per person-month spent in ``s`` in month ``m`` of
  the stay; ``transition_cost``: ``(S, S)`` one-off cost per move;
- ``entries``: ``(T,)`` people identified each month (entering ``initial``);
  ``entries_by_source``: ``(R, T)`` by referral source (``sources``);
- ``funding``: ``(F,)`` shares of the funding sources (``funders``);
  ``discount``: ``(T,)`` the discount factor of each month.

**Capacity, the rule both engines follow.** Within a month, every person draws
their move from ``P``. People who would enter a capped state (from any other
state) and the people already waiting for it compete for the places free at the
start of the month (capacity less those in the state who stay). The waiting are
admitted first, in order of waiting (the cohort engine: pro rata); then the new
demand, pro rata (the individual engine: in random order); whoever does not get
a place goes to (or stays in) the waiting state. So occupancy never exceeds
capacity, and nobody is lost.

Amounts are ``float`` here (expected values of fractional people); results turn
them into :class:`~resocialize.money.Money` rounded to the minor unit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import attrs

from resocialize.pathway import State
from resocialize.records import ReferralSource

from .scenario import LIVING_STATES, Scenario

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["Model", "compile_model", "numpy"]

_ABSORBING = (State.DECEASED, State.MOVED_AWAY)


def numpy() -> Any:
    """numpy, or an error that says how to install it."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - exercised without the extra only
        from resocialize.errors import ResocializeError

        raise ResocializeError(
            'the simulation engines need numpy: pip install "resocialize[sim]"'
        ) from None
    return np


@attrs.frozen(eq=False)
class Model:
    """A scenario as arrays; see the module documentation."""

    scenario: Scenario
    states: tuple[str, ...]
    tunnel: int
    P: NDArray[np.float64]
    legal: NDArray[np.bool_]
    capacity: NDArray[np.float64]
    waiting_for: NDArray[np.int64]
    waiting_of: NDArray[np.int64]
    state_cost: NDArray[np.float64]
    transition_cost: NDArray[np.float64]
    entries: NDArray[np.float64]
    entries_by_source: NDArray[np.float64]
    sources: tuple[ReferralSource, ...]
    funding: NDArray[np.float64]
    funders: tuple[str, ...]
    discount: NDArray[np.float64]
    initial: int

    @property
    def months(self) -> int:
        """The horizon, in months."""
        return int(self.entries.shape[0])

    def index(self, state: State | str) -> int:
        """The index of a state (or of ``"waiting:STATE"``) in :attr:`states`."""
        name = state.value if isinstance(state, State) else state
        return self.states.index(name)


def _tunnel(scenario: Scenario) -> int:
    last = 0
    for bands in scenario.transitions.values():
        last = max(last, *(band.from_month for band in bands))
    for cost in scenario.state_costs:
        if cost.months is not None:
            last = max(last, cost.months)
    return last + 1


def compile_model(scenario: Scenario) -> Model:
    """The arrays of ``scenario`` (see the module documentation)."""
    np = numpy()
    pathway = list(State)
    capped = [s for s in pathway if s in scenario.capacity]
    states = tuple(s.value for s in pathway) + tuple(f"waiting:{s.value}" for s in capped)
    n, tunnel = len(states), _tunnel(scenario)
    index = {s: i for i, s in enumerate(pathway)}
    dead = index[State.DECEASED]
    death = 1.0 - math.exp(-scenario.mortality_per_100_person_years / 1200.0)

    P = np.zeros((n, tunnel, n))  # noqa: N806 - the transition matrix, as in the literature
    for state in pathway:
        i = index[state]
        if state in _ABSORBING:
            P[i, :, i] = 1.0
            continue
        bands = scenario.transitions.get(state, ())
        if not bands:
            P[i, :, i] = 1.0
        for k, band in enumerate(bands):
            end = bands[k + 1].from_month if k + 1 < len(bands) else tunnel
            row = np.zeros(n)
            for target, p in band.to.items():
                row[index[target]] += p
            P[i, band.from_month : min(end, tunnel), :] = row
        if state in LIVING_STATES:
            P[i] *= 1.0 - death
            P[i, :, dead] += death
    waiting_for = np.full(n, -1, dtype=np.int64)
    waiting_of = np.full(n, -1, dtype=np.int64)
    capacity = np.full(n, np.inf)
    for k, state in enumerate(capped):
        w, i = len(pathway) + k, index[state]
        waiting_for[w], waiting_of[i] = i, w
        capacity[i] = float(scenario.capacity[state])
        leave = scenario.leave_waiting_per_month
        P[w, :, w] = (1.0 - death) * (1.0 - leave)
        P[w, :, index[State.DROPPED_OUT]] = (1.0 - death) * leave
        P[w, :, dead] = death

    legal = np.zeros((n, n), dtype=bool)
    from .scenario import legal_moves

    for move_from, move_to in legal_moves():
        legal[index[move_from], index[move_to]] = True
    for k, state in enumerate(capped):
        w, i = len(pathway) + k, index[state]
        legal[w, w] = legal[w, dead] = legal[w, i] = True
        legal[w, index[State.DROPPED_OUT]] = True  # giving up waiting
        legal[:, w] = legal[:, i]  # who may enter the state may wait for it
        legal[i, w] = False

    state_cost = np.zeros((n, tunnel))
    for cost in scenario.state_costs:
        months = tunnel if cost.months is None else cost.months
        state_cost[index[cost.state], :months] += float(cost.monthly.amount)
    transition_cost = np.zeros((n, n))
    for one_off in scenario.transition_costs:
        i, j = index[one_off.source], index[one_off.target]
        transition_cost[i, j] += float(one_off.amount.amount)
        if waiting_of[j] >= 0:  # paid on admission, whether at once or from the waiting list
            transition_cost[waiting_of[j], j] += float(one_off.amount.amount)

    months = scenario.horizon_months
    sources = tuple(scenario.intake)
    by_source = np.zeros((len(sources), months))
    for r, referral in enumerate(sources):
        for year in range(scenario.years):
            first, last = 12 * year, min(12 * year + 12, months)
            by_source[r, first:last] = scenario.intake_in(referral, year) / 12.0
    funders = tuple(scenario.funding)
    funding = np.array([float(scenario.funding[f]) for f in funders])
    discount = (1.0 + scenario.discount_rate) ** (-np.arange(months) / 12.0)
    return Model(
        scenario=scenario,
        states=states,
        tunnel=tunnel,
        P=P,
        legal=legal,
        capacity=capacity,
        waiting_for=waiting_for,
        waiting_of=waiting_of,
        state_cost=state_cost,
        transition_cost=transition_cost,
        entries=by_source.sum(axis=0),
        entries_by_source=by_source,
        sources=sources,
        funding=funding,
        funders=funders,
        discount=discount,
        initial=index[State.IDENTIFIED],
    )
