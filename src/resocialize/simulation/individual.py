"""The individual engine: a seeded microsimulation of every person (SM-02).

:func:`run_individual` follows each person through the model's states month by
month, with numpy arrays of one entry per person (the hot loop is over months
only; a handful of steps per capped state), and returns the same
:class:`~resocialize.simulation.results.Results` as the cohort engine, counted in
whole people instead of expectations.

**People.** Every person has a state, the month their current stay began (so that
months in state is ``t - since``, looked up as ``min(t - since, M - 1)`` with
``M = model.tunnel``, and the order of waiting is exact however long the wait),
the month they entered, and how many times they relapsed (see :class:`People`).

**Entries.** Month ``t`` expects ``model.entries[t] * scale`` people. They are made
whole deterministically, carrying the fractional remainder: the people entered by
the end of month ``t`` are the expected entries up to ``t``, rounded to the nearest
whole person (``floor(x + 0.5)``), so the count is never more than half a person
from its expectation and spends no randomness. People entering in month ``t``
are added in the initial state **after** the month's moves, with 0 months in
state: their first move is drawn in month ``t + 1``, and they count in the
occupancy at the end of month ``t`` (the cohort engine follows the same
convention).

**A month** ``t``, for the people present at its start:

1. **Costs** are counted at the start of the month: ``state_cost[s, m]`` for every
   person in state ``s`` with ``m`` months in it (capped at ``M - 1``).
2. **Moves.** Every person draws one uniform number ``u`` of 32 bits and moves to
   the first state ``t`` whose cumulative probability ``cumsum(P[s, m])[t]``
   exceeds ``u``: the inverse CDF, exact up to the 2**-32 resolution of ``u``. To
   do it in one lookup, a *guide table* built once per run splits each row's
   ``[0, 1)`` into 1,024 cells: a cell that no threshold crosses holds its outcome
   (the next row of a stay, or the state moved to), and only the draws falling in
   a cell a threshold crosses (under 1% of them) are compared with the row's
   thresholds. Absorbing states stay put.
3. **Capacity**, the rule of :mod:`~resocialize.simulation.model`: for each capped
   state ``c`` with waiting state ``w``, the free places are the capacity less
   the people in ``c`` who drew to stay in it. The people in ``w`` who drew to
   go on waiting (not to die) are admitted first, the longest waiting first (ties
   in random order); then the people who drew a move into ``c`` from another
   state, in random order, while places remain. The waiting who are not admitted
   stay in ``w``; the others who are not admitted move to ``w`` instead of ``c``.
4. **Flows and one-off costs**: every move made (after capacity) counts in
   ``flows[t, s, u]`` and costs ``transition_cost[s, u]``; an admission from the
   waiting list is a move ``w -> c``. Staying put is not a flow (the diagonal of
   ``flows`` is zero). Whoever moves has 0 months in the new state at the start of
   month ``t + 1``; whoever stays has one more.
5. **Entries** of month ``t`` are added (above).

Each month's cost is split by ``model.funding`` into ``costs[t, f]`` and discounted
by ``model.discount[t]``.

**Scale.** ``scale`` multiplies the scenario: entries are ``scale`` times the
expected entries and every capacity is ``scale`` times the places (rounded to the
nearest whole place), so a run with ``scale=100`` is the region a hundred times
over. Occupancy, flows, entries and costs are then **divided by** ``scale``, so that
they read per region and compare directly with the cohort engine's expectations
(with ``scale=1`` they are whole people). A larger ``scale`` brings the
individual engine closer to the cohort engine (its relative noise falls as
``1 / sqrt(scale)``), except where capacity binds: there whole places and
waiting-time order make the two rules differ slightly by design.

**Randomness.** Everything random is drawn from ``numpy.random.default_rng(seed)``
(its bit generator's raw 64-bit words, two draws a word, and the generator's
permutations for the order of admissions), in a fixed order: the same ``seed``
and ``scale`` give identical results, other seeds other draws.

**How it is fast.** Only the loop over months is Python; each month is a dozen
numpy passes over the people present (``int32`` rows, the move as one table
lookup, the movers found once and handled as a short list). People who reached
an absorbing state with no cost (deceased, moved away) are set aside whenever
they make up a sixteenth of the arrays: they would only stay put. About 37
million person-months a second on one core of the machine it was written on
(``python benchmarks/simulation.py``).

>>> from resocialize.simulation import default_scenario
>>> results = run_individual(default_scenario(), seed=7)
>>> results.engine, results.seed, results.occupancy.shape
('individual', 7, (84, 16))
>>> int(results.entered.sum()), int(results.occupancy[-1].sum())
(12355, 12355)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from .model import Model, compile_model, numpy
from .results import Results
from .scenario import Scenario

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["People", "run_individual", "simulate_people"]


@attrs.frozen(eq=False)
class People:
    """Everyone a run followed, at the end of its horizon, one entry per person in the
    order they entered: ``state`` (an index into ``model.states``), ``since`` (the
    month their current stay began: ``model.months - since`` months in it at the
    end), ``entry`` (the month they were identified) and ``relapses`` (moves into
    ``relapsed``)."""

    state: NDArray[np.int64]
    since: NDArray[np.int64]
    entry: NDArray[np.int64]
    relapses: NDArray[np.int64]


def run_individual(scenario: Scenario | Model, *, seed: int, scale: float = 1.0) -> Results:
    """Simulate every person of ``scenario`` (see the module documentation): results
    per region (divided by ``scale``), drawn from ``numpy.random.default_rng(seed)``."""
    return simulate_people(scenario, seed=seed, scale=scale)[0]


_BITS = 10
"""log2 of the cells of a row's guide table (1,024 cells)."""


def _guide(model: Model) -> tuple[Any, Any, Any]:
    """The guide table of the moves, the exact thresholds and the next rows.

    A person's *row* is ``q = s * M + m`` (``m`` capped at ``M - 1``), kept shifted as
    ``q << _BITS``. The cumulative thresholds of row ``q`` are ``C[q] = cumsum(P[s, m])``
    (``inf`` from its last non-zero column on, so that rounding never picks a
    zero-probability state). A uniform ``u`` (a multiple of 2**-32) moves the person
    to the first ``t`` with ``u < C[q, t]``: the inverse CDF. The top ``_BITS`` bits of
    ``u`` pick the cell ``k`` (``k / G <= u < (k + 1) / G``) and the table gives at once:

    - ``(s * M + min(m + 1, M - 1)) << _BITS``, the next row, when every ``u`` of the
      cell stays in ``s``;
    - ``-(t + 1)`` when every ``u`` of the cell moves to ``t != s``;
    - ``-(S + 1)`` when a threshold falls inside the cell (at most one cell per
      threshold: under 1% of the draws in the default scenario); those draws are
      resolved by comparing ``u`` with ``C[q]``.
    """
    np = numpy()
    ns, tunnel = len(model.states), model.tunnel
    cells = 1 << _BITS
    thresholds = np.cumsum(model.P.reshape(ns * tunnel, ns), axis=1)
    for q in range(ns * tunnel):
        last = int(np.flatnonzero(model.P.reshape(ns * tunnel, ns)[q] > 0).max())
        thresholds[q, last:] = np.inf
    edges = np.arange(cells + 1) / cells
    lower = np.empty((ns * tunnel, cells), dtype=np.int64)
    upper = np.empty((ns * tunnel, cells), dtype=np.int64)
    for q in range(ns * tunnel):
        # the move at u = k / G, and the move just below u = (k + 1) / G
        lower[q] = np.searchsorted(thresholds[q], edges[:-1], side="right")
        upper[q] = np.searchsorted(thresholds[q], edges[1:], side="left")
    state = np.arange(ns * tunnel) // tunnel
    month = np.arange(ns * tunnel) % tunnel
    following = (state * tunnel + np.minimum(month + 1, tunnel - 1)) << _BITS
    table = np.where(lower == state[:, None], following[:, None], -(lower + 1))
    table[lower != upper] = -(ns + 1)
    return table.astype(np.int32).ravel(), thresholds, following


def _admit(
    np: Any,
    rng: Any,
    tunnel: int,
    drawn: Any,
    since: Any,
    movers: Any,
    src: Any,
    dst: Any,
    into: Any,
    c: int,
    w: int,
    free: int,
    queued: int,
) -> tuple[Any, Any, Any]:
    """Apply the capacity of state ``c`` (waiting state ``w``, ``free`` places) to the
    month's draws: the waiting who drew to go on waiting first, the longest waiting
    first (ties in random order); then the movers into ``c`` and the entrants into
    ``c`` (``into``, changed in place), in random order. Refused movers and entrants
    go to ``w``; admissions are added to the movers as moves ``w -> c``."""
    admitted = movers[:0]
    if queued:
        span = (tunnel << _BITS) - 1  # the rows of w: [w * M << _BITS, (w + 1) * M << _BITS)
        shifted = np.subtract(drawn, (w * tunnel) << _BITS, dtype=np.int32)
        admitted = np.flatnonzero(shifted.view(np.uint32) <= span)
        if admitted.size > free:
            began = since[admitted]
            first = int(began.min())
            counts = np.cumsum(np.bincount(began - first))
            cut = first + int(np.searchsorted(counts, free, side="left"))
            ahead = admitted[began < cut]
            tied = admitted[began == cut]
            admitted = np.concatenate(
                (ahead, tied[rng.permutation(tied.size)[: free - ahead.size]])
            )
        free -= admitted.size
    demand = np.flatnonzero(dst == c)
    entrants = np.flatnonzero(into == c)
    wanted = demand.size + entrants.size
    if wanted > free:
        refused = rng.permutation(wanted)[free:]
        dst[demand[refused[refused < demand.size]]] = w
        into[entrants[refused[refused >= demand.size] - demand.size]] = w
    if admitted.size:
        movers = np.concatenate((movers, admitted))
        src = np.concatenate((src, np.full(admitted.size, w, dtype=np.int64)))
        dst = np.concatenate((dst, np.full(admitted.size, c, dtype=np.int64)))
    return movers, src, dst


def _whole(expected: NDArray[np.float64]) -> Any:
    """Whole people per month, carrying the fraction: rounded cumulative sums, differenced."""
    np = numpy()
    totals = np.floor(np.cumsum(expected) + 0.5).astype(np.int64)
    return np.diff(totals, prepend=0)


def simulate_people(
    scenario: Scenario | Model, *, seed: int, scale: float = 1.0
) -> tuple[Results, People]:
    """:func:`run_individual`, and everyone it followed (:class:`People`)."""
    np = numpy()
    model = scenario if isinstance(scenario, Model) else compile_model(scenario)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 < scale < 1e12:
        from resocialize.errors import ValidationError

        raise ValidationError.at("scale", f"must be a positive number, not {scale!r}")
    rng = np.random.default_rng(seed)
    bits = rng.bit_generator
    ns, tunnel, horizon = len(model.states), model.tunnel, model.months
    table, thresholds, following = _guide(model)
    straddle = -(ns + 1)
    cost_rows = model.state_cost.ravel()
    move_cost = model.transition_cost.ravel()
    entering = _whole(model.entries * scale)
    total = int(entering.sum())
    relapsed = model.states.index("relapsed")
    initial = model.initial
    capped = [
        (c, int(model.waiting_of[c]), int(np.floor(model.capacity[c] * scale + 0.5)))
        for c in range(ns)
        if model.waiting_of[c] >= 0
    ]

    final = np.zeros(total, dtype=np.int64)  # rows << _BITS of the people set aside
    state_since, state_entry, state_relapses = (np.zeros(total, dtype=np.int64) for _ in "abc")
    person = np.arange(total, dtype=np.int64)  # who is where in the arrays below
    row_of = np.zeros(total, dtype=np.int32)  # row << _BITS
    drawn = np.empty(total, dtype=np.int32)  # next month's rows: the two are swapped
    since = np.zeros(total, dtype=np.int64)
    entry = np.zeros(total, dtype=np.int64)
    relapses = np.zeros(total, dtype=np.int64)
    cell = np.empty(total, dtype=np.int64)
    high = np.empty(total, dtype=np.uint32)

    occupancy = np.zeros((horizon, ns))
    flows = np.zeros((horizon, ns, ns))
    spent = np.zeros(horizon)
    occupied = np.zeros(ns, dtype=np.int64)  # people in each state now
    n = 0
    entered = 0
    idle = np.zeros(ns, dtype=bool)  # absorbing states: nobody leaves, nothing is paid
    for i in range(ns):
        idle[i] = (
            bool((model.P[i, :, i] == 1.0).all())
            and not model.state_cost[i].any()
            and model.waiting_for[i] < 0
            and model.waiting_of[i] < 0
        )
    set_aside = 0
    for t in range(horizon):
        rows, idx, v, top = row_of[:n], cell[:n], drawn[:n], high[:n]
        # 1. costs at the start of the month, by row
        np.right_shift(rows, _BITS, out=idx)
        spent[t] = float(np.bincount(idx, minlength=ns * tunnel) @ cost_rows)
        # 2. moves: one 32-bit draw each; its top bits pick the cell of the guide table
        raw = bits.random_raw((n + 1) // 2).view(np.uint32)[:n]
        np.right_shift(raw, 32 - _BITS, out=top)
        np.bitwise_or(rows, top, out=idx)
        np.take(table, idx, out=v)
        movers = np.flatnonzero(v < 0)
        code = v[movers].astype(np.int64)
        src = (rows[movers] >> _BITS) // tunnel
        odd = np.flatnonzero(code == straddle)
        if odd.size:  # a threshold inside the cell: compare u with the thresholds
            who = movers[odd]
            q = rows[who] >> _BITS
            u = raw[who] * 2.0**-32
            goes = (thresholds[q] <= u[:, None]).sum(axis=1)
            stays = goes == src[odd]
            v[who[stays]] = following[q[stays]]
            code[odd] = -(goes + 1)
            keep = np.ones(movers.size, dtype=bool)
            keep[odd[stays]] = False
            movers, code, src = movers[keep], code[keep], src[keep]
        dst = -code - 1
        # 3. capacity; the month's entrants compete when the initial state is capped
        into = np.full(int(entering[t]), initial, dtype=np.int64)
        for c, w, places in capped:
            movers, src, dst = _admit(
                np, rng, tunnel, v, since[:n], movers, src, dst, into, c, w,
                max(places - int(occupied[c]) + int(np.count_nonzero(src == c)), 0),
                int(occupied[w]),
            )  # fmt: skip
        # 4. flows, one-off costs, the new rows (the next month of a stay; month 0 of a move)
        month = np.bincount(src * ns + dst, minlength=ns * ns).reshape(ns, ns)
        spent[t] += float(month.ravel() @ move_cost)
        v[movers] = (dst * tunnel) << _BITS
        row_of, drawn = drawn, row_of
        since[movers] = t + 1
        relapses[movers[dst == relapsed]] += 1
        flows[t] = month
        occupied += month.sum(axis=0) - month.sum(axis=1)
        # 5. entries, after the moves
        k = into.size
        if k:
            row_of[n : n + k] = (into * tunnel) << _BITS
            since[n : n + k] = t + 1
            entry[n : n + k] = t
            person[n : n + k] = np.arange(entered, entered + k)
            n += k
            entered += k
            occupied += np.bincount(into, minlength=ns)
        occupancy[t] = occupied
        # people in absorbing states are set aside once they are a sixteenth of the arrays
        if int(occupied[idle].sum()) - set_aside > n // 16:
            gone = idle[(row_of[:n] >> _BITS) // tunnel]
            out, stay = np.flatnonzero(gone), np.flatnonzero(~gone)
            final[person[out]] = row_of[out]
            state_since[person[out]] = since[out]
            state_entry[person[out]] = entry[out]
            state_relapses[person[out]] = relapses[out]
            for column in (row_of, since, entry, relapses, person):
                column[: stay.size] = column[stay]
            set_aside += out.size
            n = stay.size
    costs = spent[:, None] * model.funding[None, :] / scale
    results = Results(
        model,
        "individual",
        occupancy / scale,
        flows / scale,
        entering.astype(np.float64) / scale,
        costs,
        costs * model.discount[:, None],
        seed=seed,
    )
    here = person[:n]
    final[here], state_since[here] = row_of[:n], since[:n]
    state_entry[here], state_relapses[here] = entry[:n], relapses[:n]
    return results, People((final >> _BITS) // tunnel, state_since, state_entry, state_relapses)
