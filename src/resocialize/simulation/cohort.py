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
   month ``t - 1``) pays ``state_cost[s, m]`` and ``certificate_cost[s, m]`` for the
   month, those who die or leave during it included, those identified during it not;
2. **moves**: the people in ``(s, m)`` move to ``t2`` in the proportion
   ``P[s, m, t2]``; those who stay go on to ``(s, m + 1)`` (kept at ``M - 1``); a move
   to another state enters it at ``m = 0``;
3. **certificate amounts of the moves**: every move drawn out of ``(s, m)`` pays
   ``certificate_move[s, m, t2]`` and releases ``release[s, m, t2]``;
4. **admission** (the rule of :mod:`~.model`), for each gated state ``c`` (a
   capacity, or the certificate's state under a budget), with its waiting list
   for a place ``w`` and for funding ``f``: ``free = capacity[c] -`` (the people of
   ``c`` who stay), never below 0; the certificates the year's budget still
   covers, ``fundable``. The candidates still waiting after their draws (the
   people waiting for funding, then those waiting for a place, each pro rata over
   their months of waiting) and then the new demand (the moves into ``c`` from
   every other state, and, when ``c`` is the initial state, the people identified
   this month, pro rata) are admitted up to ``min(free, fundable)``; the next, up
   to ``free``, wait for funding; the rest wait for a place. Flows record the
   admissions ``w -> c`` and ``f -> c``, the moves ``w -> f``, and the diversions
   ``s -> w`` and ``s -> f`` in place of ``s -> c``, so occupancy of ``c`` never
   exceeds its capacity, a year's certificates never exceed its budget, and
   nobody is lost;
5. **one-off costs** ``transition_cost[s, t2]`` on every flow actually made (an
   admission from a waiting list pays ``transition_cost[w, c]``, a diversion to a
   waiting list pays nothing until admission); every admission to the
   certificate's state commits ``face`` and pays ``admission_pay``;
6. **entries**: the people identified in month ``t`` (``model.entries[t]``) are
   added to the initial state at ``m = 0`` *after* the month's moves: they count in
   the occupancy at the end of month ``t`` and take their first move (and pay their
   first month) in month ``t + 1``.

The month's cost (``1 + 3 + 5``) is split between the funding sources by
``model.funding`` (``costs[t, f]``) and discounted by ``model.discount[t]``
(``discounted[t, f]``); so are the certificates' payments (``paid``), commitments
(``committed``) and releases (``released``). ``occupancy[t]`` is the end of month
``t``, summed over the months in state and over a state's certificate copies;
``flows[t]`` is ``R x R`` with a zero diagonal; ``entered[t]`` is
``model.entries[t]``. People are conserved: the occupancy of month ``t`` sums to that
of month ``t - 1`` plus ``entered[t]``.

**How it is fast.** Months in state that no figure tells apart are merged (a state
whose row and costs do not change with ``m`` is a single compartment), states the
initial state cannot reach are left out (the default scenario's ``22 x 13``
compartments become 46), and moves out of months with the same row are summed
before they are multiplied. Only the loop over months is Python; each step is a
handful of numpy operations on ``(compartments, K)`` arrays, so that a batch of many
samples costs little more per month than one. Where the moves can go and when rows
change is read from the models' compiled pattern, shared by every sample of one
scenario. :func:`cohort_figures` keeps only the figures a sweep needs: it follows
the moves as drawn and never forms the table of flows between states.

>>> from resocialize.simulation import default_scenario
>>> results = run_cohort(default_scenario())
>>> results.engine, results.occupancy.shape
('cohort', (84, 17))
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

_CHUNK = 256
"""Models stacked at a time while the batch's structure and numbers are read."""

FIGURES = (
    "identified",
    "completed_courses",
    "remissions",
    "deaths",
    "waiting_peak",
    "total_cost",
    "total_cost_discounted",
    "cost_per_completed_course",
    "cost_per_remission",
)
"""The figures :func:`cohort_figures` gives for every sample (costs as floats)."""


def run_cohort(scenario: Scenario | Model) -> Results:
    """One expected-value run of ``scenario`` (see the module documentation)."""
    model = scenario if isinstance(scenario, Model) else compile_model(scenario)
    return run_cohort_many([model]).results(0)


def _models(models: Sequence[Model]) -> list[Model]:
    from resocialize.errors import FieldProblem, ValidationError

    if isinstance(models, str | bytes) or not isinstance(models, Sequence | list | tuple):
        raise ValidationError.at("models", f"must be a sequence of models, not {models!r}")
    items = list(models)
    if not items:
        raise ValidationError.at("models", "must hold at least one model")
    bad = [
        FieldProblem(f"models[{k}]", f"must be a compiled Model, not {type(m).__name__}")
        for k, m in enumerate(items)
        if not isinstance(m, Model)
    ]
    if bad:
        raise ValidationError(bad)
    return items


def run_cohort_many(models: Sequence[Model]) -> CohortBatch:
    """Run ``K`` models at once: the same numbers as ``K`` :func:`run_cohort` calls.

    The models must share their states (the same capped states, certificate copies
    and waiting lists), horizon, funding sources and initial state, as the samples
    of one scenario do; their probabilities, costs, capacities, intake, shares,
    certificate amounts, budgets and discount may all differ, and so may their
    tunnels. Memory grows as ``K x T x`` (the moves used): about 70 MB per thousand
    samples of the default scenario; :func:`cohort_figures` keeps only the figures
    of a sweep, in little memory.
    """
    np = numpy()
    items = _models(models)
    plan = _plan(items)
    tally = _run(plan, np)
    shares = plan.funding[:, None, :]
    costs = tally.money[0].T[:, :, None] * shares
    occupancy = tally.occupancy.transpose(2, 0, 1) @ plan.fold_states
    pair_flows = tally.flows.transpose(2, 0, 1) @ plan.fold
    return CohortBatch(
        models=tuple(items),
        pairs=plan.shown_pairs,
        occupancy=occupancy,
        pair_flows=pair_flows,
        entered=np.ascontiguousarray(plan.entries.T),
        costs=costs,
        discounted=costs * plan.discount[:, :, None],
        paid=tally.money[1].T[:, :, None] * shares,
        committed=tally.money[2].T[:, :, None] * shares,
        released=tally.money[3].T[:, :, None] * shares,
    )


def cohort_figures(models: Sequence[Model]) -> dict[str, NDArray[np.float64]]:
    """The :data:`FIGURES` of ``K`` models run at once, each a ``(K,)`` array: what a
    sweep keeps of every sample, without the month-by-month tables (``nan`` for a cost
    per course or remission when there were none). The same numbers as
    :meth:`~.results.Results.summary` of :func:`run_cohort`, before the rounding of
    money to the minor unit."""
    np = numpy()
    plan = _plan(_models(models))
    spent, moves, waiting = _run_figures(plan, np)
    completed, remissions, deaths = moves.sum(axis=0)
    total = spent.T  # (K, T)
    cost = total.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_course = np.where(completed > 0, cost / completed, np.nan)
        per_remission = np.where(remissions > 0, cost / remissions, np.nan)
    return {
        "identified": plan.entries.sum(axis=0),
        "completed_courses": completed,
        "remissions": remissions,
        "deaths": deaths,
        "waiting_peak": waiting.max(axis=0),
        "total_cost": cost,
        "total_cost_discounted": (total * plan.discount).sum(axis=1),
        "cost_per_completed_course": per_course,
        "cost_per_remission": per_remission,
    }


@attrs.frozen(eq=False)
class CohortBatch:
    """``K`` cohort runs, sample ``k`` on the *first* axis of each array.

    ``occupancy``: ``(K, T, R)``; ``pair_flows``: ``(K, T, L)`` the flows of the
    ``L`` moves in ``pairs`` (``(L, 2)`` source and target indices of reported
    states; every other flow is 0); ``entered``: ``(K, T)``; ``costs``,
    ``discounted`` and the certificates' ``paid``, ``committed`` and ``released``:
    ``(K, T, F)``.
    """

    models: tuple[Model, ...]
    pairs: NDArray[np.int64]
    occupancy: NDArray[np.float64]
    pair_flows: NDArray[np.float64]
    entered: NDArray[np.float64]
    costs: NDArray[np.float64]
    discounted: NDArray[np.float64]
    paid: NDArray[np.float64]
    committed: NDArray[np.float64]
    released: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.models)

    def flows(self, k: int) -> NDArray[np.float64]:
        """``(T, R, R)`` the flows of sample ``k``, as :attr:`Results.flows`."""
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
            paid=self.paid[k],
            committed=self.committed[k],
            released=self.released[k],
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
class _Gate:
    """What the admission rule needs of one gated state, as indices."""

    state: int
    own: slice  # the compartments of the state
    queue: slice | None  # the compartments of its waiting list for a place
    funds: slice | None  # the compartments of its waiting list for funding
    from_queue: int  # the pair (waiting, state), or -1
    from_funds: int  # the pair (funding, state), or -1
    queue_to_funds: int  # the pair (waiting, funding), or -1
    demand: Any  # the pairs (s, state), s neither the state nor a waiting list of it
    diversion: Any  # the pairs (s, waiting), in the order of ``demand``
    to_funds: Any  # the pairs (s, funding), in the order of ``demand``
    places: Any  # (K,) capacity, inf when unlimited
    initial: bool  # the newly identified ask for it too


@attrs.frozen(eq=False)
class _Plan:
    """The batch as compartments (a state and a range of months in it) and moves.

    Only the states the initial state can reach hold compartments; the compartments of
    a state are consecutive, months 0 .. M_s - 1, the last standing for all later. The
    moves drawn (*edges*: a run of months with the same row, and a target) are in order
    of target, then source; so are the pairs of states they make."""

    months: int
    pairs: Any  # (L, 2) internal source, target, in order of target then source
    shown_pairs: Any  # (L', 2) the reported pairs the flows are given in
    fold: Any  # (L, L') 1 where an internal pair is counted in a reported one
    fold_states: Any  # (S', R) 1 where a live state is counted in a reported one
    state_starts: Any  # (S',) the first compartment of each live state
    first: Any  # (S,) first compartment of each state (-1: none)
    last_live: Any  # (S',) the last compartment of each live state
    shift_from: Any  # compartments that age into the next one
    group_starts: Any  # (G,) the first compartment of each run of months with the same row
    edge_group: Any  # (E,) the run a move leaves from
    pair_starts: Any  # (L'',) the first edge of each pair with edges
    pairs_moved: Any  # (L'',) those pairs (the others come from admission)
    pair_targets: Any  # the first pair into each target, and the target's first compartment
    edge_targets: Any  # the first edge into each target, and the target's first compartment
    gate_targets: Any  # (len(gates),) the row of each gated state in the edges' targets
    stay: Any  # (N, K) probability to stay, by compartment
    moves: Any  # (E, K) probability of each move
    weights: Any  # (3, N, K) by compartment: other cost, certificate paid, released
    pair_weights: Any  # (3, L, K) by pair: one-off cost, admission tranche, commitment
    edge_cost: Any  # (E, K) the one-off cost of each move (made as drawn unless gated)
    edge_figures: Any  # (E, 3) 1 where a move completes a course, reaches remission, dies
    gate_cost: Any  # (len(gates), 2, K) one-off cost of admission from each waiting list
    demand_cost: Any  # (slice, (e, K)) for each gate: the edges into it and their cost
    gate_remission: Any  # (len(gates),) 1 when admission to the gated state is a remission
    figure_pairs: Any  # (L, 3) 1 where a pair completes a course, reaches remission, dies
    waiting: Any  # the compartments of the waiting lists for a place
    entries: Any  # (T, K)
    funding: Any  # (K, F)
    discount: Any  # (K, T)
    budget: Any  # (K, Y, F), or None when no budget binds
    face_share: Any  # (F, K) each source's part of a face value
    gates: tuple[_Gate, ...]
    certificate_gate: int  # the index in gates of the certificate's state, or -1
    entry_to: int  # the compartment of the newly identified


def _check_batch(models: list[Model]) -> None:
    from resocialize.errors import ValidationError

    head = models[0]
    for k, model in enumerate(models[1:], start=1):
        if (
            model.states != head.states
            or model.internal != head.internal
            or model.months != head.months
            or model.funders != head.funders
            or model.initial != head.initial
        ):
            raise ValidationError.at(
                f"models[{k}]",
                "must share the states, horizon, funding sources and initial state of models[0]",
            )


def _stacked(models: list[Model], name: str, axis: int = 0) -> Any:
    """The models' ``name`` arrays stacked on ``axis``; one array shared by every model
    (the samples of one scenario share what they do not vary) is broadcast, not copied."""
    np = numpy()
    first = getattr(models[0], name)
    if all(getattr(m, name) is first for m in models):
        view = np.expand_dims(first, axis)
        shape = list(view.shape)
        shape[axis] = len(models)
        return np.broadcast_to(view, tuple(shape))
    return np.stack([getattr(m, name) for m in models], axis=axis)


def _padded(array: Any, tunnel: int) -> Any:
    """``array`` (tunnel on axis 1) extended to ``tunnel`` by repeating its last month."""
    short = tunnel - array.shape[1]
    if short == 0:
        return array
    tail = numpy().repeat(array[:, -1:], short, axis=1)
    return numpy().concatenate([array, tail], axis=1)


@attrs.frozen(eq=False)
class _Chunk:
    """The costs of a run of models, stacked (sample first)."""

    state_cost: Any  # (k, S, M)
    paid: Any  # (k, S, M): certificate paid in a month of a stay, and on the moves drawn
    released: Any  # (k, S, M): released on the moves drawn


def _chunks(models: list[Model], tunnel: int, np: Any) -> Any:
    for start in range(0, len(models), _CHUNK):
        chunk = models[start : start + _CHUNK]

        def stacked(name: str, chunk: list[Model] = chunk) -> Any:
            return np.stack([_padded(getattr(m, name), tunnel) for m in chunk])

        yield _Chunk(
            state_cost=stacked("state_cost"),
            paid=stacked("certificate_cost") + stacked("leave_pay"),
            released=stacked("leave_release"),
        )


def _structure(
    models: list[Model], chunks: Any, n: int, tunnel: int, np: Any
) -> tuple[Any, Any, Any]:
    """Which months in state differ from the month before (in any sample) by their costs or
    row, which by their row, and which moves any sample makes from each (state, month):
    the rows and moves from the models' patterns (shared by samples of one scenario), the
    costs from the samples."""
    differs = np.zeros((n, tunnel), dtype=bool)
    row_differs = np.zeros((n, tunnel), dtype=bool)
    moved = np.zeros((n, tunnel, n), dtype=bool)
    for pattern_moved, pattern_change in {id(m.pattern): m.pattern for m in models}.values():
        moved |= _padded(pattern_moved, tunnel)
        row_differs[:, : pattern_change.shape[1]] |= pattern_change
    for chunk in chunks:
        for cost in (chunk.state_cost, chunk.paid, chunk.released):
            differs[:, 1:] |= (cost[:, :, 1:] != cost[:, :, :-1]).any(axis=0)
    differs |= row_differs
    return differs, row_differs, moved


def _reachable(head: Model, moved: Any, gated: list[int], np: Any) -> Any:
    """The states the initial state can reach (the others never hold anyone); a gated
    state's waiting lists are reached with it."""
    step = moved.any(axis=1)
    lists = {c: _lists(head, c) for c in gated}
    live = np.zeros(len(step), dtype=bool)
    live[head.initial] = True
    while True:
        grown = live | step[live].any(axis=0)
        for c, waiting in lists.items():
            if grown[c]:
                grown[waiting] = True
        if (grown == live).all():
            return live
        live = grown


def _lists(head: Model, c: int) -> list[int]:
    """The waiting lists of gated state ``c``: for a place, then for funding."""
    lists = [int(head.waiting_of[c])] if head.waiting_of[c] >= 0 else []
    if c == head.certificate_state and head.bounded:
        lists.append(head.funding_queue)
    return lists


def _starts(keys: Any, np: Any) -> tuple[Any, Any]:
    """The distinct values of sorted ``keys`` and where each begins."""
    values, starts = np.unique(keys, return_index=True)
    return values, starts


def _plan(models: list[Model]) -> _Plan:
    np = numpy()
    _check_batch(models)
    head = models[0]
    n, tunnel, k_count = len(head.internal), max(m.tunnel for m in models), len(models)
    shown = head.shown
    chunks: Any = list(_chunks(models, tunnel, np)) if k_count <= 2 * _CHUNK else None
    differs, row_differs, moved = _structure(
        models, chunks if chunks is not None else _chunks(models, tunnel, np), n, tunnel, np
    )
    c_state = head.certificate_state
    gated = [c for c in range(n) if head.waiting_of[c] >= 0]
    if head.bounded and c_state not in gated:
        gated.append(c_state)
    live = _reachable(head, moved, gated, np)
    moved &= live[:, None, None]
    gated = [c for c in gated if live[c]]

    # Compartments of the live states.
    sizes = np.array(
        [int(np.flatnonzero(differs[s]).max(initial=0)) + 1 if live[s] else 0 for s in range(n)]
    )
    first = np.where(live, np.concatenate([[0], np.cumsum(sizes)[:-1]]), -1).astype(np.int64)
    live_states = np.flatnonzero(live)
    n_comp = int(sizes.sum())
    comp_state = np.repeat(np.arange(n), sizes)
    comp_month = np.arange(n_comp) - first[comp_state]
    last = first + sizes - 1
    shift_from = np.flatnonzero(comp_month < (last - first)[comp_state])
    # Runs of compartments with the same row: their moves are summed before multiplying.
    starts = row_differs[comp_state, comp_month] | (comp_month == 0)
    group_starts = np.flatnonzero(starts)
    group_state = comp_state[group_starts]
    group_month = comp_month[group_starts]

    # The moves: (run, target) with a probability in some sample, and the pairs they make,
    # in order of target, then source.
    found = [
        (int(t), int(group_state[g]), g)
        for g in range(len(group_starts))
        for t in np.flatnonzero(moved[group_state[g], group_month[g]])
    ]
    pair_set = {(s, t) for t, s, _ in found}
    for c in gated:
        lists = _lists(head, c)
        for w in lists:
            pair_set.add((w, c))
            for s, t in list(pair_set):
                if t == c and s not in lists:
                    pair_set.add((s, w))
        if len(lists) == 2:
            pair_set.add((lists[0], lists[1]))  # from waiting for a place to waiting for funds
    pairs = np.array(sorted(pair_set, key=lambda p: (p[1], p[0])), dtype=np.int64).reshape(-1, 2)
    pair_index = {(int(s), int(t)): i for i, (s, t) in enumerate(pairs)}
    found.sort()
    edge_target = np.array([e[0] for e in found], dtype=np.int64)
    edge_group = np.array([e[2] for e in found], dtype=np.int64)
    edge_pair = np.array([pair_index[e[1], e[0]] for e in found], dtype=np.int64)
    pairs_moved, pair_starts = _starts(edge_pair, np)
    targets, pair_target_starts = _starts(pairs[:, 1], np)
    moved_targets, edge_target_starts = _starts(edge_target, np)
    folded = shown[pairs]
    shown_pairs, pair_to_shown = np.unique(folded, axis=0, return_inverse=True)
    fold = np.zeros((len(pairs), len(shown_pairs)))
    fold[np.arange(len(pairs)), pair_to_shown.ravel()] = 1.0
    reported = len(head.states)
    fold_states = np.zeros((len(live_states), reported))
    fold_states[np.arange(len(live_states)), shown[live_states]] = 1.0
    figure_pairs = _figure_pairs(head, folded, np)
    edge_figures = _figure_pairs(
        head, shown[np.stack([group_state[edge_group], edge_target], 1)], np
    )
    waiting = np.concatenate(
        [
            np.arange(first[s], first[s] + sizes[s])
            for s in range(reported)
            if live[s] and head.states[s].startswith("waiting:")
        ]
        or [np.zeros(0, dtype=np.int64)]
    )

    # The samples' numbers, sample on the last axis.
    m_of = np.minimum(comp_month, tunnel - 1)
    e_state, e_month = group_state[edge_group], group_month[edge_group]
    wanted = np.concatenate(  # where the stays, then the moves, are in P
        [
            (comp_state * tunnel + m_of) * n + comp_state,
            (e_state * tunnel + e_month) * n + edge_target,
        ]
    )
    picked = np.stack([np.take(_padded(m.P, tunnel), wanted) for m in models])
    stay, moves = picked[:, :n_comp], picked[:, n_comp:]
    weights = []
    for chunk in chunks if chunks is not None else _chunks(models, tunnel, np):
        weights.append(
            np.stack(
                [
                    chunk.state_cost[:, comp_state, m_of],
                    chunk.paid[:, comp_state, m_of],
                    chunk.released[:, comp_state, m_of],
                ]
            )
        )
    into_certificate = (pairs[:, 1] == c_state) & (pairs[:, 0] != c_state) & (c_state >= 0)
    one_off = np.stack([m.transition_cost for m in models])  # (K, S, S)
    pair_weights = np.stack(
        [
            one_off[:, pairs[:, 0], pairs[:, 1]].T,
            into_certificate[:, None] * np.array([m.admission_pay for m in models]),
            into_certificate[:, None] * np.array([m.face for m in models]),
        ]
    )
    funding = _stacked(models, "funding").reshape(k_count, -1)
    admission = np.array([m.admission_pay for m in models])
    gates = []
    gate_cost = np.zeros((len(gated), 2, k_count))
    for g, c in enumerate(gated):
        w = int(head.waiting_of[c])
        f = head.funding_queue if c == c_state and head.bounded else -1
        demand = [i for i, (s, t) in enumerate(pairs) if t == c and s not in (c, w, f)]
        gates.append(
            _Gate(
                state=c,
                own=slice(int(first[c]), int(last[c]) + 1),
                queue=slice(int(first[w]), int(last[w]) + 1) if w >= 0 else None,
                funds=slice(int(first[f]), int(last[f]) + 1) if f >= 0 else None,
                from_queue=pair_index[w, c] if w >= 0 else -1,
                from_funds=pair_index[f, c] if f >= 0 else -1,
                queue_to_funds=pair_index[w, f] if w >= 0 and f >= 0 else -1,
                demand=np.array(demand, dtype=np.int64),
                diversion=np.array(
                    [pair_index[int(pairs[i, 0]), w] for i in demand] if w >= 0 else [], np.int64
                ),
                to_funds=np.array(
                    [pair_index[int(pairs[i, 0]), f] for i in demand] if f >= 0 else [], np.int64
                ),
                places=_stacked(models, "capacity")[:, c],
                initial=c == head.initial,
            )
        )
        for k, source in enumerate((w, f)):
            if source >= 0:
                gate_cost[g, k] = one_off[:, source, c] + (c == c_state) * admission
    bounded = head.bounded
    edge_cost = one_off[:, group_state[edge_group], edge_target].T
    edge_cost[edge_target == c_state] += admission  # the tranche on admission
    gated_rows = np.searchsorted(moved_targets, gated)
    bounds = np.concatenate([edge_target_starts, [len(found)]])
    demand_cost = []
    for c, row in zip(gated, gated_rows, strict=True):
        if row < len(moved_targets) and moved_targets[row] == c:  # paid at admission instead
            part = slice(int(bounds[row]), int(bounds[row + 1]))
            demand_cost.append((part, edge_cost[part].copy()))
            edge_cost[part] = 0.0
    remission = head.index("sustained_remission")
    return _Plan(
        months=head.months,
        pairs=pairs,
        shown_pairs=shown_pairs,
        fold=fold,
        fold_states=fold_states,
        state_starts=first[live_states],
        first=first,
        last_live=last[live_states],
        shift_from=shift_from,
        group_starts=group_starts,
        edge_group=edge_group,
        pair_starts=pair_starts,
        pairs_moved=pairs_moved,
        pair_targets=(pair_target_starts, first[targets]),
        edge_targets=(edge_target_starts, first[moved_targets], moved_targets),
        gate_targets=gated_rows,
        stay=np.ascontiguousarray(stay.T),
        moves=np.ascontiguousarray(moves.T).reshape(len(found), k_count),
        weights=np.ascontiguousarray(np.concatenate(weights, axis=1).transpose(0, 2, 1)),
        pair_weights=pair_weights,
        edge_cost=np.ascontiguousarray(edge_cost),
        edge_figures=edge_figures,
        gate_cost=gate_cost,
        demand_cost=tuple(demand_cost),
        gate_remission=np.array([float(shown[c] == remission) for c in gated]),
        figure_pairs=figure_pairs,
        waiting=waiting,
        entries=_stacked(models, "entries", axis=1),
        funding=funding,
        discount=_stacked(models, "discount"),
        budget=_stacked(models, "budget") if bounded else None,
        face_share=np.ascontiguousarray((funding * np.array([m.face for m in models])[:, None]).T),
        gates=tuple(gates),
        certificate_gate=gated.index(c_state) if bounded and c_state in gated else -1,
        entry_to=int(first[head.initial]),
    )


def _figure_pairs(head: Model, folded: Any, np: Any) -> Any:
    """``(L, 3)``: 1 where a pair (as reported) completes stage III, reaches sustained
    remission, or is a death."""
    from resocialize.pathway import State

    index = head.index
    source, target = folded[:, 0], folded[:, 1]
    remission, dead = index(State.SUSTAINED_REMISSION), index(State.DECEASED)
    return np.stack(
        [
            (source == index(State.SOCIAL_REHABILITATION))
            & (target == index(State.RESOCIALIZATION)),
            (target == remission) & (source != remission),
            (target == dead) & (source != dead),
        ],
        axis=1,
    ).astype(np.float64)


# --- the run -------------------------------------------------------------------------------------


def _overlap(low: Any, high: Any, start: Any, end: Any, np: Any) -> Any:
    """How much of ``[low, high)`` lies in ``[start, end)``, elementwise."""
    return np.maximum(np.minimum(high, end) - np.maximum(low, start), 0.0)


def _allocate(gate: _Gate, stay: Any, g3: Any, fundable: Any, np: Any) -> tuple[Any, ...]:
    """The admission rule's numbers for ``gate``, each ``(K,)``: admitted from the funding
    list, from the place list and from the new demand ``g3``; moved from the place list
    and from the new demand to the funding list; the new demand left waiting for a place.
    The waiting lists in ``stay`` lose those who leave them."""
    zero = np.zeros(stay.shape[1])
    free = np.maximum(gate.places - stay[gate.own].sum(axis=0), 0.0)
    g1 = stay[gate.funds].sum(axis=0) if gate.funds is not None else zero
    g2 = stay[gate.queue].sum(axis=0) if gate.queue is not None else zero
    total = g1 + g2 + g3
    seats = np.minimum(free, total)
    admit = seats if fundable is None else np.minimum(seats, np.maximum(fundable, 0.0))
    a1 = np.minimum(admit, g1)
    a2 = np.clip(admit - g1, 0.0, g2)
    a3 = np.clip(admit - g1 - g2, 0.0, g3)
    x2 = zero if fundable is None else _overlap(g1, g1 + g2, admit, seats, np)
    x3 = zero if fundable is None else _overlap(g1 + g2, total, admit, seats, np)
    if gate.funds is not None:
        stay[gate.funds] *= (g1 - a1) / np.where(g1 > 0, g1, 1.0)
    if gate.queue is not None:
        stay[gate.queue] *= np.maximum(g2 - a2 - x2, 0.0) / np.where(g2 > 0, g2, 1.0)
    return a1, a2, a3, x2, x3, np.maximum(g3 - a3 - x3, 0.0)


def _admit(gate: _Gate, stay: Any, flows: Any, entries: Any, fundable: Any, np: Any) -> Any:
    """Apply the admission rule to gated state ``gate`` (see the module documentation):
    changes ``stay`` (the waiting lists) and ``flows`` in place; returns the entries
    admitted, those who wait, and the people admitted in all."""
    demand = flows[gate.demand]
    g3 = demand.sum(axis=0)
    if gate.initial:
        g3 = g3 + entries
    a1, a2, a3, x2, x3, rest = _allocate(gate, stay, g3, fundable, np)
    if gate.funds is not None:
        flows[gate.from_funds] = a1
    if gate.queue is not None:
        flows[gate.from_queue] = a2
        if gate.queue_to_funds >= 0:
            flows[gate.queue_to_funds] = x2
    per = 1.0 / np.where(g3 > 0, g3, 1.0)
    flows[gate.demand] = demand * (a3 * per)
    if gate.funds is not None:
        flows[gate.to_funds] += demand * (x3 * per)
    if gate.queue is not None:
        flows[gate.diversion] += demand * (rest * per)
    admitted = a1 + a2 + a3
    if not gate.initial:
        return entries, None, admitted
    return entries * (a3 * per), entries * (rest * per), admitted


def _fundable(plan: _Plan, remaining: Any, np: Any) -> Any:
    """``(K,)`` the certificates the year's money left (``(F, K)``) still covers, in every
    sample (a source without a budget has ``inf`` left; every share is above 0)."""
    return (remaining / plan.face_share).min(axis=0)


def _segments(starts: Any, size: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of the consecutive segments beginning at ``starts``."""
    if not len(starts):
        return []
    ends = [*(int(x) for x in starts[1:]), size]
    return [(j, int(a), int(b)) for j, (a, b) in enumerate(zip(starts, ends, strict=True))]


def _sums(values: Any, segments: list[tuple[int, int, int]], out: Any, np: Any) -> Any:
    """The sums of ``values`` over consecutive segments of rows, into ``out`` (faster than
    ``np.add.reduceat`` on rows; the same numbers, added in the same order)."""
    for j, a, b in segments:
        if b - a == 1:
            out[j] = values[a]
        else:
            np.add.reduce(values[a:b], axis=0, out=out[j])
    return out


@attrs.define
class _Tally:
    """What a run keeps: money ``(4, T, K)`` (all costs, certificates paid, committed,
    released), the occupancy of the live states ``(T, S', K)`` and the flows ``(T, L, K)``."""

    money: Any
    occupancy: Any
    flows: Any


def _run(plan: _Plan, np: Any) -> _Tally:
    """Every month's numbers, in full (for :class:`CohortBatch`)."""
    months, k_count = plan.months, plan.stay.shape[1]
    n_comp, n_pairs = plan.stay.shape[0], len(plan.pairs)
    tally = _Tally(
        money=np.zeros((4, months, k_count)),
        occupancy=np.zeros((months, len(plan.state_starts), k_count)),
        flows=np.zeros((months, n_pairs, k_count)),
    )
    occ = np.zeros((n_comp, k_count))
    shift_from, last = plan.shift_from, plan.last_live
    shift_to = shift_from + 1
    initial_gated = [g for g in plan.gates if g.initial]
    has_moves = len(plan.edge_group) > 0
    pair_starts, pair_to = plan.pair_targets
    remaining = None
    for t in range(months):
        if plan.budget is not None and t % 12 == 0:
            remaining = plan.budget[:, t // 12, :].T.copy()  # (F, K)
        entries = plan.entries[t]
        by_state = np.einsum("nk,wnk->wk", occ, plan.weights)  # cost, paid, released
        stay = occ * plan.stay
        flows = tally.flows[t]
        if has_moves:
            runs = np.add.reduceat(occ, plan.group_starts, axis=0)
            edge_flows = runs[plan.edge_group] * plan.moves
            flows[plan.pairs_moved] = np.add.reduceat(edge_flows, plan.pair_starts, axis=0)
        entries_waiting = None
        for g, gate in enumerate(plan.gates):
            fundable = None
            if g == plan.certificate_gate and remaining is not None:
                fundable = _fundable(plan, remaining, np)
            entries, waiting, admitted = _admit(gate, stay, flows, entries, fundable, np)
            if fundable is not None:
                remaining = remaining - admitted * plan.face_share
            if waiting is not None:
                entries_waiting = waiting
        occ = np.zeros((n_comp, k_count))
        occ[shift_to] = stay[shift_from]
        occ[last] += stay[last]
        if n_pairs:
            occ[pair_to] += np.add.reduceat(flows, pair_starts, axis=0)
        occ[plan.entry_to] += entries
        if entries_waiting is not None:
            queue = initial_gated[0].queue
            assert queue is not None
            occ[queue.start] += entries_waiting
        by_pair = np.einsum("lk,wlk->wk", flows, plan.pair_weights)  # one-off, paid, committed
        paid = by_state[1] + by_pair[1]
        tally.money[:, t] = (by_state[0] + by_pair[0] + paid, paid, by_pair[2], by_state[2])
        tally.occupancy[t] = np.add.reduceat(occ, plan.state_starts, axis=0)
    return tally


def _run_figures(plan: _Plan, np: Any) -> tuple[Any, Any, Any]:
    """Only what a sweep keeps: the cost ``(T, K)``, the figures' moves ``(T, 3, K)``
    (courses completed, remissions, deaths) and the waiting for a place ``(T, K)``;
    moves are followed as drawn, the pairs of states never formed."""
    months, k_count = plan.months, plan.stay.shape[1]
    n_comp = plan.stay.shape[0]
    cost = np.zeros((months, k_count))
    figures = np.zeros((months, 3, k_count))
    waiting = np.zeros((months, k_count))
    occ = np.zeros((n_comp, k_count))
    spend = plan.weights[0] + plan.weights[1]
    costly = np.flatnonzero(spend.any(axis=1))  # the compartments that cost anything
    spend = np.ascontiguousarray(spend[costly])
    shift_from, last = plan.shift_from, plan.last_live
    shift_to = shift_from + 1
    has_moves = len(plan.edge_group) > 0
    edge_starts, edge_to, _ = plan.edge_targets
    bounds = np.concatenate([edge_starts, [len(plan.edge_group)]])
    run_segments = _segments(plan.group_starts, n_comp)
    target_segments = _segments(edge_starts, len(plan.edge_group))
    runs = np.empty((len(plan.group_starts), k_count))
    into = np.empty((len(edge_starts), k_count))
    edge_figures = plan.edge_figures.copy()  # (E, 3)
    gated = []
    for g, gate in enumerate(plan.gates):
        row = int(plan.gate_targets[g])
        drawn = row < len(edge_starts) and plan.edge_targets[2][row] == gate.state
        part = slice(int(bounds[row]), int(bounds[row + 1])) if drawn else slice(0, 0)
        gated.append((gate, row if drawn else -1, part, edge_figures[part].T.copy()))
        edge_figures[part] = 0.0  # counted at admission, for those admitted
    # a figure is the sum of whole targets' inflows, and of a few moves besides
    whole = [
        [r for r in range(len(edge_starts)) if edge_figures[bounds[r] : bounds[r + 1], f].all()]
        for f in range(3)
    ]
    some = [
        np.array(
            [
                e
                for r in range(len(edge_starts))
                if r not in whole[f]
                for e in range(bounds[r], bounds[r + 1])
                if edge_figures[e, f]
            ],
            dtype=np.int64,
        )
        for f in range(3)
    ]
    edge_cost = plan.edge_cost
    priced = np.flatnonzero(edge_cost.any(axis=1))  # the moves that cost anything
    edge_cost = np.ascontiguousarray(edge_cost[priced])
    full_cost = _edge_costs(plan)
    remaining = None
    for t in range(months):
        if plan.budget is not None and t % 12 == 0:
            remaining = plan.budget[:, t // 12, :].T.copy()  # (F, K)
        entries = plan.entries[t]
        spent = np.einsum("nk,nk->k", occ[costly], spend)
        stay = occ * plan.stay
        extra = []
        if has_moves:
            edge_flows = _sums(occ, run_segments, runs, np)[plan.edge_group] * plan.moves
            if priced.size:
                spent += np.einsum("ek,ek->k", edge_flows[priced], edge_cost)
            _sums(edge_flows, target_segments, into, np)
            for f in range(3):
                if whole[f]:
                    figures[t, f] = into[whole[f]].sum(axis=0)
                if some[f].size:
                    figures[t, f] += edge_flows[some[f]].sum(axis=0)
        for g, (gate, row, part, part_figures) in enumerate(gated):
            demand = into[row] if row >= 0 else np.zeros(k_count)
            g3 = demand + entries if gate.initial else demand
            fundable = None
            if g == plan.certificate_gate and remaining is not None:
                fundable = _fundable(plan, remaining, np)
            a1, a2, a3, x2, x3, rest = _allocate(gate, stay, g3, fundable, np)
            if fundable is not None:
                remaining = remaining - (a1 + a2 + a3) * plan.face_share
            share = a3 / np.where(g3 > 0, g3, 1.0)
            if row >= 0:
                into[row] = a1 + a2 + demand * share
                flows = edge_flows[part]
                spent += share * np.einsum("ek,ek->k", flows, full_cost[part])
                if part_figures.any():
                    figures[t] += share * np.einsum("we,ek->wk", part_figures, flows)
            else:
                extra.append((int(plan.first[gate.state]), a1 + a2))
            spent += a1 * plan.gate_cost[g, 1] + a2 * plan.gate_cost[g, 0]
            figures[t, 1] += (a1 + a2) * plan.gate_remission[g]
            if gate.funds is not None:
                extra.append((gate.funds.start, x2 + x3))
            if gate.queue is not None:  # the new demand (and entrants) left waiting
                extra.append((gate.queue.start, rest))
            if gate.initial:
                entries = entries * share
        occ = np.zeros((n_comp, k_count))
        occ[shift_to] = stay[shift_from]
        occ[last] += stay[last]
        if has_moves:
            occ[edge_to] += into
        for compartment, people in extra:
            occ[compartment] += people
        occ[plan.entry_to] += entries
        cost[t] = spent
        if plan.waiting.size:
            waiting[t] = occ[plan.waiting].sum(axis=0)
    return cost, figures, waiting


def _edge_costs(plan: _Plan) -> Any:
    """``(E, K)`` the one-off cost of each move as drawn, admission tranche included (the
    plan's ``edge_cost`` leaves out the moves into gated states: they pay on admission)."""
    full = plan.edge_cost.copy()
    for part, cost in plan.demand_cost:
        full[part] = cost
    return full
