"""The individual engine: a seeded microsimulation of every person (SM-02).

:func:`run_individual` follows each person through the model's states, with numpy
arrays of one entry per person, and returns the same
:class:`~resocialize.simulation.results.Results` as the cohort engine, counted in
whole people instead of expectations. It simulates the model the cohort engine
computes, month by month, without stepping every person every month: a person
draws, when a stay in a state begins, the month it will end in and the state they
will move to, and nothing is done for them until then.

**People.** Every person has a state (an internal state of the model: a
certificate copy remembers what the certificate still needs to know), the month
their current stay began (months in state are ``t - since``), the month of their
next move and its destination, the month they entered, how many times they
relapsed, and what their current certificate has paid (see :class:`People`).

**A stay.** A person who begins a stay in state ``s`` at the start of month ``a``
(``since = a``) moves out of it in month ``a + i`` to ``u != s`` with probability
``S(i) * P[s, min(i, M - 1), u]``, where ``S(i)`` is the probability of staying the
``i`` months before (the product of the stays ``P[s, min(j, M - 1), s]``,
``j < i``): exactly the monthly draws of the cohort engine's rule, taken at once.
One uniform number ``u`` of 32 bits picks the pair ``(i, u)`` by the inverse CDF
over the pairs in order; a *guide table* of 4,096 cells per state gives the pair at
once for every ``u`` but those falling in a cell a threshold crosses (a few in a
hundred), which are compared with the thresholds. Moves beyond the horizon are not
followed. Absorbing states never move.

**Entries.** Month ``t`` expects ``model.entries[t] * scale`` people. They are made
whole deterministically, carrying the fractional remainder: the people entered by
the end of month ``t`` are the expected entries up to ``t``, rounded to the nearest
whole person (``floor(x + 0.5)``), so the count is never more than half a person
from its expectation and spends no randomness. People entering in month ``t``
begin their stay in the initial state at the start of month ``t + 1`` (they count
in the occupancy at the end of month ``t``), as in the cohort engine.

**A month** ``t``:

1. **Moves due.** The people whose next move falls in month ``t`` leave their
   state (found by one scan of everyone's next-move month).
2. **Admission**, the rule of :mod:`~resocialize.simulation.model`: for each gated
   state ``c``, the free places are the capacity less the people in ``c`` whose
   move is not due; the certificates fundable are what the year's budget of every
   source with a budget still covers. Candidates, in order: the people waiting for
   funding, then for a place (both: whose own move, death or giving up, is not
   due; the longest waiting first, ties in random order), then the people whose
   move into ``c`` is due, in random order (and the month's entrants when ``c`` is
   the initial state). The first are admitted (a waiting person's stay ends); the
   next, while places remain, wait for funding; the others wait for a place.
3. **Flows and one-off costs**: every move made counts in ``flows[t, s, u]`` (as
   reported, a certificate copy counted as its state) and pays
   ``transition_cost[s, u]``; an admission to the certificate's state commits a face
   value and pays the admission tranche. Everyone who moved begins a new stay at
   the start of month ``t + 1`` and draws its end.
4. **Entries** of month ``t`` are added (above).

**Costs** are counted for the months people are present at the start of:
``state_cost`` and ``certificate_cost`` by the months in state. A stay is counted
when it begins, its end being known then (up to the horizon): its months, by state,
start and length, and, in a certificate's states, what its move will pay
(``certificate_move``) and release (``release``, by the state, the months in it and
the destination), and what the person's certificate has paid in all. Only the
stays on a waiting list can end early (by admission), and they cost nothing. Each
month's cost is split by ``model.funding`` into ``costs[t, f]`` and discounted by
``model.discount[t]``; so are the certificates' ``paid``, ``committed`` and
``released``.

**Scale.** ``scale`` multiplies the scenario: entries are ``scale`` times the
expected entries, every capacity is ``scale`` times the places (rounded to the
nearest whole place), and every budget ``scale`` times the money, so a run with
``scale=100`` is the region a hundred times over. Occupancy, flows, entries and
money are then **divided by** ``scale``, so that they read per region and compare
directly with the cohort engine's expectations (with ``scale=1`` they are whole
people). A larger ``scale`` brings the individual engine closer to the cohort
engine (its relative noise falls as ``1 / sqrt(scale)``), except where capacity or
the budget binds: there whole places, whole certificates and waiting-time order
make the two rules differ slightly by design.

**Randomness.** Everything random is drawn from ``numpy.random.default_rng(seed)``
(its bit generator's raw 64-bit words, two draws a word, and the generator's
permutations for the order of admissions), in a fixed order: the same ``seed``
and ``scale`` give identical results, other seeds other draws.

**How it is fast.** Only the loop over months is Python, and each month works on
the people who move in it (about one person-month in six in the default
scenario), with one scan of everyone's next-move month to find them; everything a
stay does is counted once, when it begins, in a few numpy passes over the month's
movers. About 250 million person-months a second on one core of the machine it
was written on, over a hundred times a per-person Python loop of the same model
(``python benchmarks/simulation.py``).

>>> from resocialize.simulation import default_scenario
>>> results = run_individual(default_scenario(), seed=7)
>>> results.engine, results.seed, results.occupancy.shape
('individual', 7, (84, 17))
>>> int(results.entered.sum()), int(results.occupancy[-1].sum())
(12355, 12355)
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any

import attrs

from .model import Model, compile_model, numpy
from .results import Results
from .scenario import Scenario

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["People", "run_individual", "simulate_people"]

_BITS = 12
"""log2 of the cells of a state's guide table (4,096 cells)."""

_NONE = 32767
"""The month of the next move of a person with none within the horizon."""


@attrs.frozen(eq=False)
class People:
    """Everyone a run followed, at the end of its horizon, one entry per person in the
    order they entered: ``state`` (an index into ``model.states``), ``since`` (the
    month their current stay began: ``model.months - since`` months in it at the
    end), ``entry`` (the month they were identified), ``relapses`` (moves into
    ``relapsed``) and ``most_paid`` (the most one of their certificates paid, in the
    scenario's currency; never above the face value)."""

    state: NDArray[np.integer[Any]]
    since: NDArray[np.integer[Any]]
    entry: NDArray[np.integer[Any]]
    relapses: NDArray[np.integer[Any]]
    most_paid: NDArray[np.float64]


def run_individual(scenario: Scenario | Model, *, seed: int, scale: float = 1.0) -> Results:
    """Simulate every person of ``scenario`` (see the module documentation): results
    per region (divided by ``scale``), drawn from ``numpy.random.default_rng(seed)``.
    The same draws, and so the same results, as :func:`simulate_people`, without
    keeping what only :class:`People` needs."""
    return _simulate(scenario, seed, scale, track=False)[0]


@attrs.frozen(eq=False)
class _Stays:
    """How stays end, as tables: a stay's pair (months in state ``i`` at the move,
    destination ``u``) is entry ``e`` of its state's segment, packed as ``i << 16 | u``.

    A cell of the guide table holds the pair every draw in it picks, or, when one
    threshold crosses the cell, ``-(j + 1)``: draws below ``split[j]`` (in units of
    2**-32) pick ``below[j]``, the others ``above[j]``; a cell two thresholds or more
    cross holds ``_CROSSED`` and its draws are looked up in ``keys``."""

    guide: Any  # (S * G,) int32
    split: Any  # (J,) uint32... as int64: the first draw above the threshold
    below: Any  # (J,) int32
    above: Any  # (J,) int32
    keys: Any  # (E,) float64: state + cumulative probability
    packed: Any  # (E,) int32: i << 16 | u (i = _NONE: no move within the horizon)


_CROSSED = -(2**31)
"""A guide cell crossed by two thresholds or more."""


def _stays(model: Model, horizon: int) -> _Stays:
    """The joint distribution of each state's stay: when it ends and where it goes."""
    np = numpy()
    n, tunnel = len(model.internal), model.tunnel
    P = model.P  # noqa: N806
    months = np.minimum(np.arange(horizon), tunnel - 1)
    stay = P[np.arange(n), :, np.arange(n)][:, months]  # (S, T)
    alive = np.cumprod(np.concatenate([np.ones((n, 1)), stay[:, :-1]], axis=1), axis=1)
    cells = 1 << _BITS
    guide = np.empty(n * cells, dtype=np.int32)
    keys, packed, split, below, above = [], [], [], [], []
    edges = np.arange(cells + 1) / cells
    crossings = 0
    for s in range(n):
        moves = P[s][months] * alive[s][:, None]  # (T, S)
        moves[:, s] = 0.0
        i, u = np.nonzero(moves > 0)  # in order of months, then destinations
        cdf = np.minimum(np.cumsum(moves[i, u]), 1.0)
        cdf = np.concatenate([cdf, [1.0]])  # the rest: no move within the horizon
        pairs = (np.concatenate([i, [_NONE]]) << 16) | np.concatenate([u, [s]])
        packed.append(pairs.astype(np.int32))
        keys.append(s + cdf)
        low = np.searchsorted(cdf, edges[:-1], side="right")
        high = np.searchsorted(cdf, edges[1:] - 2.0**-32, side="right")
        cell = np.where(low == high, pairs[low], _CROSSED)
        once = np.flatnonzero(high == low + 1)
        cell[once] = -(crossings + np.arange(once.size) + 1)
        crossings += once.size
        split.append(np.ceil(cdf[low[once]] * 2.0**32).astype(np.int64))
        below.append(pairs[low[once]])
        above.append(pairs[high[once]])
        guide[s * cells : (s + 1) * cells] = cell
    return _Stays(
        guide=guide,
        split=np.concatenate(split),
        below=np.concatenate(below).astype(np.int32),
        above=np.concatenate(above).astype(np.int32),
        keys=np.concatenate(keys),
        packed=np.concatenate(packed),
    )


def _whole_number(value: object) -> bool:
    """True for an integer 0 or more (numpy's included), not a bool."""
    if isinstance(value, bool):
        return False
    try:
        return operator.index(value) >= 0  # type: ignore[arg-type]
    except TypeError:
        return False


def _whole(expected: NDArray[np.float64]) -> Any:
    """Whole people per month, carrying the fraction: rounded cumulative sums, differenced."""
    np = numpy()
    totals = np.floor(np.cumsum(expected) + 0.5).astype(np.int64)
    return np.diff(totals, prepend=0)


class _Run:
    """One run's people and tallies (the arrays the month loop works on).

    Everything a stay does is known when it begins (its end and destination are drawn
    then), so it is counted then: its months for the costs (``stays`` by state, start
    and length, ``long`` for the months beyond the tunnel), and what its certificate
    pays and releases. Only the moves are counted when they are made (``flows``)."""

    def __init__(self, model: Model, seed: int, scale: float, *, track: bool = True) -> None:
        np = numpy()
        self.np = np
        self.model = model
        self.rng = np.random.default_rng(seed)
        self.bits = self.rng.bit_generator
        self.n_states, self.tunnel, self.horizon = len(model.internal), model.tunnel, model.months
        n, months, horizon = self.n_states, self.tunnel, self.horizon
        self.tables = _stays(model, horizon)
        self.entering = _whole(model.entries * scale)
        total = int(self.entering.sum())
        self.route = np.zeros(total, dtype=np.int32)  # state << 16 | the state moved to next
        self.since = np.zeros(total, dtype=np.int16)
        self.due = np.full(total, _NONE, dtype=np.int16)
        self.entry = np.zeros(total, dtype=np.int16)
        self.relapses = np.zeros(total, dtype=np.int32)
        self.paid_now = np.zeros(total, dtype=np.float64)
        self.most_paid = np.zeros(total, dtype=np.float64)
        self.n = 0
        self.occupied = np.zeros(n)  # whole people, counted in floats like the tallies
        self.occupancy = np.zeros((horizon, n))
        self.flows = np.zeros((horizon, n, n))
        self.stays = np.zeros(n * (horizon + 1) * (months + 1))  # by state, start, length
        self.long = np.zeros(n * (horizon + 2))  # stays of M months or more: a difference array
        self.move_paid = np.zeros(horizon + 1)  # certificates paid on moves, by month
        self.move_released = np.zeros(horizon + 1)
        costly = (model.state_cost != 0).any(axis=1) | (model.certificate_cost != 0).any(axis=1)
        self.paying = (
            (model.certificate_cost != 0).any(axis=1)
            | (model.certificate_move != 0).any(axis=(1, 2))
            | (model.release != 0).any(axis=(1, 2))
        )
        self.counted = costly | self.paying
        self.relapsed = model.states.index("relapsed")
        # 1: costs or a certificate to count; 2: a certificate is issued; 4: a relapse
        self.flags = self.counted.astype(np.int8)
        if model.certificate_state >= 0:
            self.flags[model.certificate_state] |= 2
        self.flags[self.relapsed] |= 4
        self.track = track  # keep what People needs: the stays' starts, relapses, payments
        if not track:
            self.flags &= 1
        self.special = self.flags != 0  # a bool table: flatnonzero is fast on bools
        # what a certificate pays over the first j + 1 months of a stay
        shape = np.minimum(np.arange(horizon), months - 1)
        self.paid_by = np.cumsum(model.certificate_cost[:, shape], axis=1)
        self.move_pay = model.certificate_move.ravel()
        self.release = model.release.ravel()

    def begin(self, people: Any, states: Any, t: int) -> None:
        """``people`` begin a stay in ``states`` at the start of month ``t + 1``: draw when it
        ends and where it goes, and count what it does."""
        np, tables = self.np, self.tables
        k = people.size
        if not k:
            return
        n, months, horizon = self.n_states, self.tunnel, self.horizon
        raw = self.bits.random_raw((k + 1) // 2).view(np.uint32)[:k]
        cell = (raw >> (32 - _BITS)).astype(np.int32)
        cell |= states << _BITS
        pick = np.take(tables.guide, cell)
        odd = np.flatnonzero(pick < 0)
        if odd.size:  # a threshold crosses the cell: compare with it
            j = -1 - pick[odd]
            crossed = np.flatnonzero(pick[odd] == _CROSSED)
            j[crossed] = 0
            draws = raw[odd]
            pick[odd] = np.where(
                draws < np.take(tables.split, j), np.take(tables.below, j), np.take(tables.above, j)
            )
            if crossed.size:  # two thresholds or more: look the draw up
                where = odd[crossed]
                key = states[where] + raw[where] * 2.0**-32
                pick[where] = tables.packed[np.searchsorted(tables.keys, key, side="right")]
        start = t + 1
        due = pick >> 16
        due += start
        np.minimum(due, _NONE, out=due)
        goes = pick & 0xFFFF
        self.route[people] = (states << 16) | goes
        if self.track:
            self.since[people] = start
        self.due[people] = due
        special = np.flatnonzero(np.take(self.special, states))
        if not special.size:
            return
        flags = self.flags[states[special]]
        issued = people[special[(flags & 2) != 0]]
        if issued.size:  # a new certificate: the last one's total counts, then it begins
            self.most_paid[issued] = np.maximum(self.most_paid[issued], self.paid_now[issued])
            self.paid_now[issued] = self.model.admission_pay
        self.relapses[people[special[(flags & 4) != 0]]] += 1
        if start >= horizon:
            return  # never present within the horizon
        counted = special[(flags & 1) != 0]
        if not counted.size:
            return
        states, due, goes, people = states[counted], due[counted], goes[counted], people[counted]
        last = np.minimum(due, horizon - 1)  # the last month present within the horizon
        length = last - start + 1
        where = (states * (horizon + 1) + start) * (months + 1) + np.minimum(length, months)
        self.stays += np.bincount(where, minlength=self.stays.size)
        longer = np.flatnonzero(length >= months)
        if longer.size:
            row = states[longer] * (horizon + 2)
            self.long += np.bincount(row + start + months - 1, minlength=self.long.size)
            self.long -= np.bincount(row + last[longer] + 1, minlength=self.long.size)
        paying = np.flatnonzero(self.paying[states])
        if not paying.size:
            return
        states, due, goes, people = states[paying], due[paying], goes[paying], people[paying]
        length = length[paying]
        moving = due < horizon
        row = states * months + np.minimum(due - start, months - 1)
        edge = np.where(moving, row * n + goes, 0)
        on_move = np.where(moving, self.move_pay[edge], 0.0)
        self.move_paid += np.bincount(np.minimum(due, horizon), on_move, minlength=horizon + 1)
        released = np.where(moving, self.release[edge], 0.0)
        self.move_released += np.bincount(np.minimum(due, horizon), released, horizon + 1)
        if self.track:
            self.paid_now[people] += self.paid_by[states, length - 1] + on_move


def simulate_people(
    scenario: Scenario | Model, *, seed: int, scale: float = 1.0
) -> tuple[Results, People]:
    """:func:`run_individual`, and everyone it followed (:class:`People`)."""
    results, people = _simulate(scenario, seed, scale, track=True)
    assert people is not None
    return results, people


def _simulate(
    scenario: Scenario | Model, seed: int, scale: float, *, track: bool
) -> tuple[Results, People | None]:
    np = numpy()
    from resocialize.errors import FieldProblem, ValidationError

    problems = []
    if not isinstance(scenario, Model | Scenario):
        problems.append(FieldProblem("scenario", f"must be a Scenario, not {scenario!r}"))
    if not _whole_number(seed):
        problems.append(FieldProblem("seed", f"must be a whole number, 0 or more, not {seed!r}"))
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 < scale < 1e12:
        problems.append(FieldProblem("scale", f"must be a positive number, not {scale!r}"))
    if problems:
        raise ValidationError(problems)
    model = scenario if isinstance(scenario, Model) else compile_model(scenario)
    run = _Run(model, seed, scale, track=track)
    n_states, horizon = run.n_states, run.horizon
    gates = _gates(model, scale)
    budget = model.budget * scale if model.bounded else None
    face_share = (model.face * model.funding).tolist()
    remaining: list[float] | None = None
    for t in range(horizon):
        if budget is not None and t % 12 == 0:
            remaining = budget[t // 12].tolist()
        n = run.n
        due = np.flatnonzero(run.due[:n] == t)
        route = np.take(run.route, due)
        dst = route & 0xFFFF
        route >>= 16
        route *= n_states
        route += dst
        flows = run.flows[t]
        flows.ravel()[:] = np.bincount(route, minlength=n_states * n_states)
        into = np.full(int(run.entering[t]), model.initial, dtype=np.int32)
        fresh = np.arange(n, n + into.size)
        movers, targets = [due], [dst]
        for gate in gates:
            fundable = None
            if gate.funding is not None and remaining is not None:
                fundable = min(
                    math.floor(left / share + 1e-9)
                    for left, share in zip(remaining, face_share, strict=True)
                    if math.isfinite(left)
                )
            admitted, moves = gate.admit(run, t, (due, dst), (fresh, into), fundable, flows)
            if gate.funding is not None and remaining is not None:
                remaining = [
                    left - admitted * share
                    for left, share in zip(remaining, face_share, strict=True)
                ]
            for people, was, now in moves:
                flows[was, now] += people.size
                movers.append(people)
                targets.append(np.full(people.size, now, dtype=np.int32))
        if len(movers) > 1:
            run.begin(np.concatenate(movers), np.concatenate(targets), t)
        else:
            run.begin(due, dst, t)
        run.occupied += flows.sum(axis=0) - flows.sum(axis=1)
        if into.size:
            run.entry[fresh] = t
            run.n = n + into.size
            run.occupied += np.bincount(into, minlength=n_states)
            run.begin(fresh, into, t)
        run.occupancy[t] = run.occupied
    return _results(model, run, seed, scale)


def _results(model: Model, run: _Run, seed: int, scale: float) -> tuple[Results, People | None]:
    np = numpy()
    n_states, months, horizon = run.n_states, run.tunnel, run.horizon
    shown = model.shown
    reported = len(model.states)
    # costs of the months people are present at the start of, from the stays
    stays = run.stays.reshape(n_states, horizon + 1, months + 1)
    present = np.cumsum(stays[:, :, ::-1], axis=2)[:, :, ::-1]  # stays longer than j, j >= 0
    per_month = model.state_cost + model.certificate_cost
    spent = np.zeros(horizon + months + 1)
    paid = np.zeros(horizon + months + 1)
    for j in range(months - 1):
        count = present[:, :, j + 1]  # (S, start): stays with more than j months
        spent[j : j + horizon + 1] += np.einsum("sa,s->a", count, per_month[:, j])
        paid[j : j + horizon + 1] += np.einsum("sa,s->a", count, model.certificate_cost[:, j])
    tail = np.cumsum(run.long.reshape(n_states, horizon + 2), axis=1)[:, : horizon + 1]
    spent[: horizon + 1] += np.einsum("sa,s->a", tail, per_month[:, months - 1])
    paid[: horizon + 1] += np.einsum("sa,s->a", tail, model.certificate_cost[:, months - 1])
    spent, paid = spent[:horizon], paid[:horizon]
    flows = run.flows
    one_off = np.einsum("tsu,su->t", flows, model.transition_cost)
    issue = model.certificate_state
    admissions = flows[:, :, issue].sum(axis=1) if issue >= 0 else np.zeros(horizon)
    moved_pay = run.move_paid[:horizon]
    paid = paid + moved_pay + admissions * model.admission_pay
    total = spent + moved_pay + admissions * model.admission_pay + one_off
    shares = model.funding[None, :] / scale
    pair = (shown[:, None] * reported + shown[None, :]).ravel()  # the reported pair of each
    order = np.argsort(pair, kind="stable")
    targets, starts = np.unique(pair[order], return_index=True)
    shown_flows = np.zeros((horizon, reported * reported))
    shown_flows[:, targets] = np.add.reduceat(flows.reshape(horizon, -1)[:, order], starts, axis=1)
    shown_flows = shown_flows.reshape(horizon, reported, reported)
    np.einsum("taa->ta", shown_flows)[:] = 0.0
    costs = total[:, None] * shares
    results = Results(
        model,
        "individual",
        _fold_states(run.occupancy, shown, reported) / scale,
        shown_flows / scale,
        run.entering.astype(np.float64) / scale,
        costs,
        costs * model.discount[:, None],
        seed=seed,
        paid=paid[:, None] * shares,
        committed=(admissions * model.face)[:, None] * shares,
        released=run.move_released[:horizon, None] * shares,
    )
    n = run.n
    if not run.track:
        return results, None
    np.maximum(run.most_paid[:n], run.paid_now[:n], out=run.most_paid[:n])  # the last ones
    people = People(
        state=shown[run.route[:n] >> 16],
        since=run.since[:n],
        entry=run.entry[:n],
        relapses=run.relapses[:n],
        most_paid=run.most_paid[:n],
    )
    return results, people


def _fold_states(values: Any, shown: Any, reported: int) -> Any:
    """``(T, S)`` by internal state as ``(T, R)`` by reported state."""
    folded = values[:, :reported].copy()
    for s in range(reported, values.shape[1]):
        folded[:, shown[s]] += values[:, s]
    return folded


@attrs.define
class _Line:
    """A waiting list: people in order of waiting, and the month each began waiting."""

    state: int
    people: Any
    began: Any

    def current(self, run: _Run, t: int) -> None:
        """Keep those whose own move (death, giving up) is not due in ``t``: the others left
        (a person leaves a list by such a move or by being taken off it)."""
        people = self.people
        if people.size:
            keep = run.due[people] != t
            self.people, self.began = people[keep], self.began[keep]

    def take(self, count: int) -> Any:
        """The first ``count`` people, taken off the list."""
        taken = self.people[:count]
        self.people, self.began = self.people[count:], self.began[count:]
        return taken

    def join(self, np: Any, people: Any, t: int) -> None:
        """``people`` begin waiting at the start of month ``t + 1``, in this order."""
        if people.size:
            self.people = np.concatenate((self.people, people))
            self.began = np.concatenate((self.began, np.full(people.size, t + 1, np.int16)))


@attrs.define
class _Gate:
    """A gated state of a run: its places, its waiting lists and the admission rule."""

    state: int
    places: float
    queue: _Line | None  # the waiting list for a place
    funding: _Line | None  # the waiting list for funding
    initial: bool

    def admit(
        self,
        run: _Run,
        t: int,
        movers: tuple[Any, Any],
        entrants: tuple[Any, Any],
        fundable: int | None,
        flows: Any,
    ) -> tuple[int, list[tuple[Any, int, int]]]:
        """Apply the admission rule (see the module documentation). ``movers`` are the
        people whose move is due and their destinations, ``entrants`` the month's newly
        identified and their state, ``flows`` the month's moves (``S x S``); destinations,
        states and the refused moves change in place. Returns how many were admitted and
        the moves of the waiting (people, from, to)."""
        np, c = run.np, self.state
        due, dst = movers
        fresh, into = entrants
        for line in (self.funding, self.queue):
            if line is not None:
                line.current(run, t)
        g1 = self.funding.people.size if self.funding is not None else 0
        g2 = self.queue.people.size if self.queue is not None else 0
        demand = np.flatnonzero(dst == c)
        asking = np.flatnonzero(into == c) if self.initial else np.zeros(0, dtype=np.int64)
        g3 = demand.size + asking.size
        total = g1 + g2 + g3
        free = total
        if np.isfinite(self.places):
            leaving = int(flows[c].sum())
            free = max(int(self.places) - int(run.occupied[c]) + leaving, 0)
        seats = min(free, total)
        admit = seats if fundable is None else min(seats, max(fundable, 0))
        moves: list[tuple[Any, int, int]] = []
        a1 = min(admit, g1)  # the waiting for funding: the first admitted, the others stay
        if a1 and self.funding is not None:
            moves.append((self.funding.take(a1), self.funding.state, c))
        a2 = min(max(admit - g1, 0), g2)  # the waiting for a place: admitted, then funding
        x2 = min(max(seats - g1, 0), g2) - a2
        if self.queue is not None:
            if a2:
                moves.append((self.queue.take(a2), self.queue.state, c))
            if x2 and self.funding is not None:
                moving = self.queue.take(x2)
                moves.append((moving, self.queue.state, self.funding.state))
                self.funding.join(np, moving, t)
        a3 = max(admit - g1 - g2, 0)  # the new demand, in random order
        x3 = max(min(seats - g1 - g2, g3) - a3, 0)
        if g3 > a3:
            ids = np.concatenate((due[demand], fresh[asking]))
            order = run.rng.permutation(g3)
            for chosen, line in (
                (order[a3 : a3 + x3], self.funding),
                (order[a3 + x3 :], self.queue),
            ):
                if not chosen.size:
                    continue
                assert line is not None  # a refusal needs a list: checked by the counts above
                mover = chosen[chosen < demand.size]
                if mover.size:  # they move to the list instead
                    dst[demand[mover]] = line.state
                    source = run.route[due[demand[mover]]] >> 16
                    source = np.bincount(source, minlength=len(flows))
                    flows[:, c] -= source
                    flows[:, line.state] += source
                into[asking[chosen[chosen >= demand.size] - demand.size]] = line.state
                line.join(np, ids[chosen], t)
        return admit, moves


def _gates(model: Model, scale: float) -> list[_Gate]:
    np = numpy()
    gates = []
    empty = np.zeros(0, dtype=np.int64)
    for c in range(len(model.states)):
        w = int(model.waiting_of[c])
        funded = c == model.certificate_state and model.bounded
        if w < 0 and not funded:
            continue
        places = model.capacity[c]
        gates.append(
            _Gate(
                state=c,
                places=float(np.floor(places * scale + 0.5)) if np.isfinite(places) else np.inf,
                queue=_Line(w, empty, empty.astype(np.int16)) if w >= 0 else None,
                funding=(
                    _Line(model.funding_queue, empty, empty.astype(np.int16)) if funded else None
                ),
                initial=c == model.initial,
            )
        )
    return gates
