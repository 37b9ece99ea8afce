"""The cohort engine: an expected-value Markov trace with time in state (SM-02).

:func:`run_cohort` runs one scenario (or a compiled :class:`~.model.Model`) and
returns :class:`~.results.Results` with ``engine="cohort"`` and no seed: the
figures are expectations, fractions of people included. :func:`run_cohort_many`
runs ``K`` models at once (the parameter samples of a sweep) and returns a
:class:`CohortBatch`, the sample on the first axis of each array; its
:meth:`CohortBatch.results` gives the very numbers ``K`` single runs give.

**What happens in month** ``t`` (0 is the scenario's first month), the people of a
state ``s`` being told apart by the months ``m`` already spent in it (``m`` from 0
to ``M - 1``, the last meaning ``M - 1`` or more; ``M`` is ``model.tunnel``):

1. **costs of the month**: everyone present at the *start* of the month (the end of
   month ``t - 1``) pays ``state_cost[s, m]`` for the month, those who die or leave
   during it included, those identified during it not;
2. **moves**: the people in ``(s, m)`` move to ``t2`` in the proportion
   ``P[s, m, t2]``; those who stay go on to ``(s, m + 1)`` (kept at ``M - 1``); a move
   to another state enters it at ``m = 0``;
3. **capacity** (the rule of :mod:`~.model`), for each capped state ``c`` with its
   waiting state ``w``: ``free = capacity[c] -`` (the people of ``c`` who stay),
   never below 0. The people waiting for ``c`` who are still alive (their row:
   death at the mortality rate, else they keep waiting) are admitted first, up to
   ``free``, pro rata over their months of waiting; then the new demand for ``c``
   (the moves into ``c`` from every state but ``c`` and ``w``, and, when ``c`` is the
   initial state, the people identified this month) is admitted pro rata to the
   places left. Whoever is not admitted moves to ``w`` instead (at ``m = 0``); the
   waiting who are not admitted go on waiting (``m + 1``). Flows record the
   admissions ``w -> c`` and the diversions ``s -> w`` in place of ``s -> c``, so
   occupancy of ``c`` never exceeds its capacity and nobody is lost;
4. **one-off costs** ``transition_cost[s, t2]`` on every flow actually made (an
   admission from the waiting list pays ``transition_cost[w, c]``, a diversion to
   the waiting list pays nothing until admission);
5. **entries**: the people identified in month ``t`` (``model.entries[t]``) are
   added to the initial state at ``m = 0`` *after* the month's moves: they count in
   the occupancy at the end of month ``t`` and take their first move (and pay their
   first month) in month ``t + 1``.

The month's cost (``1 + 4``) is split between the funding sources by
``model.funding`` (``costs[t, f]``) and discounted by ``model.discount[t]``
(``discounted[t, f]``). ``occupancy[t]`` is the end of month ``t``, summed over the
months in state; ``flows[t]`` is ``S x S`` with a zero diagonal; ``entered[t]`` is
``model.entries[t]``. People are conserved: the occupancy of month ``t`` sums to that
of month ``t - 1`` plus ``entered[t]``.

**How it is fast.** Months in state that no figure tells apart are merged (a state
whose row and cost do not change with ``m`` is a single compartment; the default
scenario's ``16 x 13`` compartments become 40), and moves out of months with the
same row are summed before they are multiplied. Only the loop over months is
Python; each step is a handful of numpy operations on ``(compartments, K)``
arrays, so that a batch of many samples costs little more per month than one.

>>> from resocialize.simulation import default_scenario
>>> results = run_cohort(default_scenario())
>>> results.engine, results.occupancy.shape
('cohort', (84, 16))
>>> bool(results.remissions().sum() > 0)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .model import Model, compile_model, numpy
from .results import Results
from .scenario import Scenario

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["CohortBatch", "run_cohort", "run_cohort_many"]

_CHUNK = 512
"""Models stacked at a time while the batch's structure is read."""


def run_cohort(scenario: Scenario | Model) -> Results:
    """One expected-value run of ``scenario`` (see the module documentation)."""
    model = scenario if isinstance(scenario, Model) else compile_model(scenario)
    return run_cohort_many([model]).results(0)


def run_cohort_many(models: Sequence[Model]) -> CohortBatch:
    """Run ``K`` models at once: the same numbers as ``K`` :func:`run_cohort` calls.

    The models must share their states (the same capped states), horizon, funding
    sources and initial state, as the samples of one scenario do; their
    probabilities, costs, capacities, intake, shares and discount may all differ,
    and so may their tunnels. Memory grows as ``K x T x`` (the legal moves used):
    about 55 MB per thousand samples of the default scenario.
    """
    np = numpy()
    models = list(models)
    if not models:
        from resocialize.errors import ValidationError

        raise ValidationError.at("models", "must hold at least one model")
    plan = _plan(models)
    occupancy, pair_flows, entered, costs, discounted = _run(plan, np)
    return CohortBatch(
        models=tuple(models),
        pairs=plan.pairs,
        occupancy=occupancy,
        pair_flows=pair_flows,
        entered=entered,
        costs=costs,
        discounted=discounted,
    )


@attrs.frozen(eq=False)
class CohortBatch:
    """``K`` cohort runs, sample ``k`` on the *first* axis of each array.

    ``occupancy``: ``(K, T, S)``; ``pair_flows``: ``(K, T, L)`` the flows of the
    ``L`` moves in ``pairs`` (``(L, 2)`` source and target indices; every other
    flow is 0); ``entered``: ``(K, T)``; ``costs`` and ``discounted``: ``(K, T, F)``.
    """

    models: tuple[Model, ...]
    pairs: NDArray[np.int64]
    occupancy: NDArray[np.float64]
    pair_flows: NDArray[np.float64]
    entered: NDArray[np.float64]
    costs: NDArray[np.float64]
    discounted: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.models)

    def flows(self, k: int) -> NDArray[np.float64]:
        """``(T, S, S)`` the flows of sample ``k``, as :attr:`Results.flows`."""
        months, n = self.occupancy.shape[1], self.occupancy.shape[2]
        flows: NDArray[np.float64] = numpy().zeros((months, n, n))
        flows[:, self.pairs[:, 0], self.pairs[:, 1]] = self.pair_flows[k]
        return flows

    def results(self, k: int) -> Results:
        """Sample ``k`` as the :class:`~.results.Results` of a single run."""
        return Results(
            self.models[k],
            "cohort",
            self.occupancy[k],
            self.flows(k),
            self.entered[k],
            self.costs[k],
            self.discounted[k],
        )

    def into(self, state: int) -> NDArray[np.float64]:
        """``(K, T)`` the people moving into state index ``state`` each month."""
        columns = numpy().flatnonzero(self.pairs[:, 1] == state)
        into: NDArray[np.float64] = self.pair_flows[:, :, columns].sum(axis=2)
        return into

    def total_costs(self, *, discounted: bool = False) -> NDArray[np.float64]:
        """``(K,)`` what the horizon cost each sample, all sources together."""
        total: NDArray[np.float64] = (self.discounted if discounted else self.costs).sum(
            axis=(1, 2)
        )
        return total


# --- the plan: the batch's compartments and moves ----------------------------------------------


@attrs.frozen(eq=False)
class _Capped:
    """What the capacity rule needs of one capped state, as indices."""

    state: int
    waiting: int
    own: slice  # the compartments of the state
    queue: slice  # the compartments of its waiting state
    admission: int  # the pair (waiting, state)
    demand: Any  # the pairs (s, state), s neither the state nor its waiting state
    diversion: Any  # the pairs (s, waiting), in the order of ``demand``
    places: Any  # (K,) capacity


@attrs.frozen(eq=False)
class _Plan:
    """The batch as compartments (a state and a range of months in it) and moves."""

    models: tuple[Model, ...]
    months: int
    states: int
    pairs: Any  # (L, 2) source, target
    first: Any  # (S,) first compartment of each state
    last: Any  # (S,) last compartment of each state (months M_s - 1 and more)
    shift_from: Any  # compartments that age into the next one
    runs: Any  # (G, N) 1 where a compartment is in a run of months with the same row
    edge_group: Any  # (E,) the run a move leaves from
    edge_levels: tuple[tuple[Any, Any], ...]  # (pair rows, edges): the k-th move of each pair
    pairs_moved: Any  # (L',) the pairs with moves in P (the others come from capacity)
    by_state: Any  # (S, N) 1 where a compartment is of the state
    into: Any  # (S, L) 1 where a pair enters the state
    stay: Any  # (N, K) probability to stay, by compartment
    moves: Any  # (E, K) probability of each move
    state_cost: Any  # (N, K)
    transition_cost: Any  # (L, K)
    entries: Any  # (T, K)
    funding: Any  # (K, F)
    discount: Any  # (K, T)
    capped: tuple[_Capped, ...]
    initial: int


def _check_batch(models: list[Model]) -> None:
    from resocialize.errors import ValidationError

    head = models[0]
    for k, model in enumerate(models[1:], start=1):
        if (
            model.states != head.states
            or model.months != head.months
            or model.funders != head.funders
            or model.initial != head.initial
        ):
            raise ValidationError.at(
                f"models[{k}]",
                "must share the states, horizon, funding sources and initial state of models[0]",
            )


def _padded(array: NDArray[np.float64], tunnel: int) -> NDArray[np.float64]:
    """``array`` (tunnel on axis 1) extended to ``tunnel`` by repeating its last month."""
    short = tunnel - array.shape[1]
    if short == 0:
        return array
    tail = numpy().repeat(array[:, -1:], short, axis=1)
    longer: NDArray[np.float64] = numpy().concatenate([array, tail], axis=1)
    return longer


def _plan(models: list[Model]) -> _Plan:
    np = numpy()
    _check_batch(models)
    head = models[0]
    n, tunnel, k_count = len(head.states), max(m.tunnel for m in models), len(models)

    # Which months in state differ from the month before (in any sample), and which
    # moves any sample makes from each (state, month).
    differs = np.zeros((n, tunnel), dtype=bool)  # differs[s, m]: row or cost of m != m - 1
    row_differs = np.zeros((n, tunnel), dtype=bool)
    moved = np.zeros((n, tunnel, n), dtype=bool)
    for start in range(0, k_count, _CHUNK):
        chunk = models[start : start + _CHUNK]
        probs = np.stack([_padded(m.P, tunnel) for m in chunk])
        cost = np.stack([_padded(m.state_cost, tunnel) for m in chunk])
        rows = (probs[:, :, 1:, :] != probs[:, :, :-1, :]).any(axis=(0, 3))
        row_differs[:, 1:] |= rows
        differs[:, 1:] |= rows | (cost[:, :, 1:] != cost[:, :, :-1]).any(axis=0)
        moved |= (probs > 0).any(axis=0)
    for s in range(n):
        moved[s, :, s] = False

    # Compartments: state s keeps months 0 .. M_s - 1, the last standing for all later.
    sizes = [int(np.flatnonzero(differs[s]).max(initial=0)) + 1 for s in range(n)]
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    last = first + np.asarray(sizes) - 1
    comp_state = np.repeat(np.arange(n), sizes)
    comp_month = np.arange(int(sum(sizes))) - first[comp_state]
    shift_from = np.flatnonzero(comp_month < (last - first)[comp_state])
    # Runs of compartments with the same row: their moves are summed before multiplying.
    starts = row_differs[comp_state, comp_month] | (comp_month == 0)
    group_starts = np.flatnonzero(starts)
    group_state = comp_state[group_starts]
    group_month = comp_month[group_starts]

    # The moves: (run, target) with a probability in some sample, and the pairs they make.
    capped_states = [c for c in range(n) if head.waiting_of[c] >= 0]
    pair_set = {
        (int(group_state[g]), int(t))
        for g in range(len(group_starts))
        for t in np.flatnonzero(moved[group_state[g], group_month[g]])
    }
    for c in capped_states:
        w = int(head.waiting_of[c])
        pair_set.add((w, c))
        for s, t in list(pair_set):
            if t == c and s != w:
                pair_set.add((s, w))
    pairs = np.array(sorted(pair_set), dtype=np.int64).reshape(-1, 2)
    pair_index = {(int(s), int(t)): i for i, (s, t) in enumerate(pairs)}
    edges = sorted(
        (pair_index[int(group_state[g]), int(t)], g, int(t))
        for g in range(len(group_starts))
        for t in np.flatnonzero(moved[group_state[g], group_month[g]])
    )
    edge_pair = np.array([e[0] for e in edges], dtype=np.int64)
    edge_group = np.array([e[1] for e in edges], dtype=np.int64)
    edge_target = np.array([e[2] for e in edges], dtype=np.int64)
    pairs_moved, edge_pair_row = np.unique(edge_pair, return_inverse=True)
    rank = np.arange(len(edges)) - np.searchsorted(edge_pair_row, edge_pair_row)
    edge_levels = tuple(
        (edge_pair_row[rank == r], np.flatnonzero(rank == r))
        for r in range(int(rank.max(initial=-1)) + 1)
    )
    n_comp = int(sum(sizes))
    runs = np.zeros((len(group_starts), n_comp))
    runs[np.cumsum(starts) - 1, np.arange(n_comp)] = 1.0
    by_state = np.zeros((n, n_comp))
    by_state[comp_state, np.arange(n_comp)] = 1.0
    into = np.zeros((n, len(pairs)))
    into[pairs[:, 1], np.arange(len(pairs))] = 1.0

    # The samples' numbers, sample on the last axis.
    m_of = np.minimum(comp_month, tunnel - 1)
    stay, moves, state_cost = [], [], []
    for model in models:
        probs = _padded(model.P, tunnel)
        stay.append(probs[comp_state, m_of, comp_state])
        moves.append(probs[group_state[edge_group], group_month[edge_group], edge_target])
        state_cost.append(_padded(model.state_cost, tunnel)[comp_state, m_of])
    transition_cost = np.stack([m.transition_cost[pairs[:, 0], pairs[:, 1]] for m in models])
    capped = []
    for c in capped_states:
        w = int(head.waiting_of[c])
        demand = [i for i, (s, t) in enumerate(pairs) if t == c and s not in (c, w)]
        capped.append(
            _Capped(
                state=c,
                waiting=w,
                own=slice(int(first[c]), int(last[c]) + 1),
                queue=slice(int(first[w]), int(last[w]) + 1),
                admission=pair_index[w, c],
                demand=np.array(demand, dtype=np.int64),
                diversion=np.array([pair_index[int(pairs[i, 0]), w] for i in demand], np.int64),
                places=np.array([m.capacity[c] for m in models]),
            )
        )
    return _Plan(
        models=tuple(models),
        months=head.months,
        states=n,
        pairs=pairs,
        first=first,
        last=last,
        shift_from=shift_from,
        runs=runs,
        edge_group=edge_group,
        edge_levels=edge_levels,
        pairs_moved=pairs_moved,
        by_state=by_state,
        into=into,
        stay=np.stack(stay, axis=1),
        moves=np.stack(moves, axis=1).reshape(len(edges), k_count),
        state_cost=np.stack(state_cost, axis=1),
        transition_cost=np.ascontiguousarray(transition_cost.T).reshape(len(pairs), k_count),
        entries=np.stack([m.entries for m in models], axis=1),
        funding=np.stack([m.funding for m in models]).reshape(k_count, -1),
        discount=np.stack([m.discount for m in models]),
        capped=tuple(capped),
        initial=head.initial,
    )


# --- the run -------------------------------------------------------------------------------------


def _run(plan: _Plan, np: Any) -> tuple[Any, Any, Any, Any, Any]:
    months, k_count = plan.months, plan.stay.shape[1]
    n_comp, n_pairs = plan.stay.shape[0], len(plan.pairs)
    occupancy = np.zeros((months, plan.states, k_count))
    pair_flows = np.zeros((months, n_pairs, k_count))
    total = np.zeros((months, k_count))
    occ = np.zeros((n_comp, k_count))
    first, last, shift_from = plan.first, plan.last, plan.shift_from
    shift_to = shift_from + 1
    initial_capped = [c for c in plan.capped if c.state == plan.initial]
    entry_to = first[plan.initial]
    has_moves = len(plan.edge_group) > 0

    def weighted(a: Any, b: Any) -> Any:  # sum over axis 0 of a * b; einsum pays off for big K
        return np.einsum("nk,nk->k", a, b) if k_count > 64 else (a * b).sum(axis=0)

    for t in range(months):
        entries = plan.entries[t]
        cost = weighted(occ, plan.state_cost)
        stay = occ * plan.stay
        flows = pair_flows[t]
        if has_moves:
            edge_flows = (plan.runs @ occ)[plan.edge_group] * plan.moves
            moved = edge_flows[plan.edge_levels[0][1]]
            for rows, edges in plan.edge_levels[1:]:
                moved[rows] += edge_flows[edges]
            flows[plan.pairs_moved] = moved
        entries_waiting = None
        for capped in plan.capped:
            free = np.maximum(capped.places - stay[capped.own].sum(axis=0), 0.0)
            queue = stay[capped.queue]
            waiting = queue.sum(axis=0)
            admitted = np.minimum(free, waiting)
            queue *= (waiting - admitted) / np.where(waiting > 0, waiting, 1.0)
            flows[capped.admission] = admitted
            left = free - admitted
            demand = flows[capped.demand]
            wanted = demand.sum(axis=0)
            if capped.state == plan.initial:
                wanted = wanted + entries
            share = np.where(wanted > left, left / np.where(wanted > 0, wanted, 1.0), 1.0)
            flows[capped.demand] = demand * share
            flows[capped.diversion] += demand * (1.0 - share)
            if capped.state == plan.initial:
                entries_waiting = entries * (1.0 - share)
                entries = entries * share
        occ = np.zeros((n_comp, k_count))
        occ[shift_to] = stay[shift_from]
        occ[last] += stay[last]
        occ[first] += plan.into @ flows
        occ[entry_to] += entries
        if entries_waiting is not None:
            occ[first[initial_capped[0].waiting]] += entries_waiting
        total[t] = cost + weighted(flows, plan.transition_cost)
        occupancy[t] = plan.by_state @ occ
    costs = total.T[:, :, None] * plan.funding[:, None, :]
    return (
        occupancy.transpose(2, 0, 1),
        pair_flows.transpose(2, 0, 1),
        np.ascontiguousarray(plan.entries.T),
        costs,
        costs * plan.discount[:, :, None],
    )
