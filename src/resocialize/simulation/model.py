"""A scenario compiled to arrays: what both engines run (needs numpy).

:func:`compile_model` turns a :class:`~resocialize.simulation.scenario.Scenario`
into a :class:`Model`. Its states come in two layers:

- the **reported** states ``states`` (``R`` of them), which results are given in:
  the pathway's states in :class:`~resocialize.pathway.State` order, then one
  *waiting* state for each state with a capacity (``"waiting:social_rehabilitation"``),
  then, when the scenario has a certificate and a budget, the waiting list for
  funding (``"waiting_for_funding:social_rehabilitation"``);
- the **internal** states ``internal`` (``S >= R``), the reported ones first (with
  the same indices), then the *certificate copies* of the states a certificate
  runs in beyond stage III: a copy is a tunnel state that remembers what the
  certificate still needs to know (the months served in stages III-IV, the months
  since stage IV began), so that both engines pay it exactly without a state per
  month (:mod:`~resocialize.simulation.certificate` says how a tariff is paid).
  Copies that can never be told apart are merged, and a copy with nothing left to
  pay or release is the plain state. ``shown`` maps every internal state to the
  reported one it is counted in.

The arrays, on internal states (``S``) unless said otherwise:

- ``tunnel``: ``M``, the months in state that are told apart: month ``m`` of a stay
  is ``min(m, M - 1)``; ``M`` is large enough that every band, cost and
  certificate amount is exact;
- ``P``: ``(S, M, S)``, the monthly probability to move from state ``s`` after
  ``m`` months in it to state ``t`` (mortality applied; rows sum to 1; the
  absorbing states stay put). A waiting state's row says what happens to a person
  who waits: they die at the mortality rate, give up waiting at the scenario's rate
  (``leave_waiting_per_month``, to ``dropped_out``) and otherwise go on waiting;
  admission is decided by the engine (see below);
- ``legal``: ``(R, R)`` booleans, the moves the engines may make, as reported: the
  chart's, staying put, and the moves to, from and between the waiting lists;
- ``capacity``: ``(S,)`` places (``inf`` when unlimited); ``waiting_for``: ``(S,)``
  the capped state a waiting state waits for (``-1`` otherwise); ``waiting_of``:
  ``(S,)`` a capped state's waiting state (``-1`` otherwise); ``funding_queue``:
  the waiting list for funding (``-1`` when there is none);
- ``state_cost``: ``(S, M)`` cost per person-month in ``s`` in month ``m`` of the
  stay, and ``transition_cost``: ``(S, S)`` one-off cost per move made, the
  scenario's costs other than the certificate;
- the certificate (all zero without one): ``certificate_state``, the state it is
  issued on admission to (``-1`` without one); ``face``, the face value committed
  at issue; ``admission_pay``, the tranche paid on admission;
  ``certificate_cost``: ``(S, M)`` paid at the start of month ``m`` of a stay
  (days served, a tranche for months without relapse); ``certificate_move``:
  ``(S, M, S)`` paid on a move drawn in month ``m`` of a stay (a tranche on a
  milestone, a dropout payment); ``release``: ``(S, M, S)`` the part of the face
  value released on that move, when the certificate ends with it; ``leave_pay``
  and ``leave_release``: ``(S, M)`` their expectations over the moves drawn from
  ``(s, m)`` (what the cohort engine counts);
- ``budget``: ``(Y, F)`` the money for certificates of each year of the horizon and
  funding source (``inf`` for a source without a budget);
- :attr:`~Model.pattern`: the moves ``P`` can make, ``(S, M, S)`` booleans, and the
  months a row of ``P`` may change in, ``(S, M)`` booleans (a superset: from the
  scenario's bands, mortality and certificate course when compiled, shared by every
  scenario with the same structure so that a batch of samples reads it once; read
  from ``P`` itself for a model whose arrays were changed by hand);
- ``entries``: ``(T,)`` people identified each month (entering ``initial``);
  ``entries_by_source``: ``(R', T)`` by referral source (``sources``);
- ``funding``: ``(F,)`` shares of the funding sources (``funders``);
  ``discount``: ``(T,)`` the discount factor of each month.

**Admission, the rule both engines follow.** Within a month, every person draws
their move from ``P``. A state is *gated* when it has a capacity, or when it is
the certificate's state and the scenario has a budget. For a gated state ``c``,
the candidates are, in order: the people waiting for funding for ``c``, the people
waiting for a place in ``c`` (both: those still waiting after the month's draws),
then the new demand (the people who drew a move into ``c`` from another state,
and the newly identified when ``c`` is the initial state). The places free are
the capacity less the people of ``c`` who stay (unlimited without a capacity); the
certificates the year's budget can still cover are, over the sources with a
budget, the least of the money left divided by the source's share of a face
value. The first candidates, as many as both allow, are admitted (within a
group: pro rata in the cohort engine; the longest waiting first, then the new
demand in random order, in the individual engine); the next ones, as many as
places remain, wait for funding; the others wait for a place (people already
waiting for funding stay on that list). So occupancy never exceeds capacity, the
certificates committed in a year never exceed its budget, and nobody is lost.

Amounts are ``float`` here (expected values of fractional people); results turn
them into :class:`~resocialize.money.Money` rounded to the minor unit.

>>> from resocialize.simulation import default_scenario
>>> model = compile_model(default_scenario())
>>> model.states[model.certificate_state], model.face
('social_rehabilitation', 180000.0)
>>> sorted({model.internal[s] for s in range(len(model.internal))} - set(model.states))[:2]
['resocialization~1', 'resocialization~2']
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import attrs

from resocialize.money import Money
from resocialize.pathway import State
from resocialize.records import ReferralSource
from resocialize.tariffs import Milestone

from .certificate import Certificate
from .scenario import CERTIFICATE_STATE, LIVING_STATES, Scenario

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["FUNDING_PREFIX", "WAITING_PREFIX", "Model", "compile_model", "numpy"]

WAITING_PREFIX = "waiting:"
"""The names of the waiting lists for a place start with this."""

FUNDING_PREFIX = "waiting_for_funding:"
"""The name of the waiting list for funding starts with this."""

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
    internal: tuple[str, ...] = ()
    shown: Any = None
    funding_queue: int = -1
    certificate_state: int = -1
    face: float = 0.0
    admission_pay: float = 0.0
    certificate_cost: Any = None
    certificate_move: Any = None
    release: Any = None
    budget: Any = None
    _derived: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False)

    @property
    def months(self) -> int:
        """The horizon, in months."""
        return int(self.entries.shape[0])

    def index(self, state: State | str) -> int:
        """The index of a reported state (or of ``"waiting:STATE"``) in :attr:`states`;
        internal states keep the same index."""
        name = state.value if isinstance(state, State) else state
        return self.states.index(name)

    def _leaving(self, name: str, amounts: Any) -> NDArray[np.float64]:
        if name not in self._derived:
            np = numpy()
            leaving = np.zeros(self.P.shape[:2])
            rows = self.certificate_rows
            if rows.size:  # only the certificate's states have amounts on their moves
                leaving[rows] = (self.P[rows] * amounts[rows]).sum(axis=2)
            self._derived[name] = leaving
        return self._derived[name]  # type: ignore[no-any-return]

    @property
    def certificate_rows(self) -> NDArray[np.int64]:
        """The internal states a certificate pays or releases in (stage III and copies)."""
        if "rows" not in self._derived:
            np = numpy()
            if self.certificate_state < 0:
                self._derived["rows"] = np.zeros(0, dtype=np.int64)
            else:
                copies = np.arange(len(self.states), len(self.internal))
                self._derived["rows"] = np.concatenate([[self.certificate_state], copies])
        return self._derived["rows"]  # type: ignore[no-any-return]

    @property
    def leave_pay(self) -> NDArray[np.float64]:
        """``(S, M)`` the certificate payments expected on the moves drawn from ``(s, m)``."""
        return self._leaving("leave_pay", self.certificate_move)

    @property
    def leave_release(self) -> NDArray[np.float64]:
        """``(S, M)`` the releases expected on the moves drawn from ``(s, m)``."""
        return self._leaving("leave_release", self.release)

    @property
    def pattern(self) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """The moves ``P`` can make and the months its rows may change in (see above)."""
        if "pattern" not in self._derived:
            np = numpy()
            moved = self.P > 0
            n = moved.shape[0]
            moved[np.arange(n), :, np.arange(n)] = False
            change = np.zeros(self.P.shape[:2], dtype=bool)
            change[:, 1:] = (self.P[:, 1:] != self.P[:, :-1]).any(axis=2)
            self._derived["pattern"] = (moved, change)
        return self._derived["pattern"]  # type: ignore[no-any-return]

    @property
    def bounded(self) -> bool:
        """True when a budget limits the certificates issued (a waiting list for funding)."""
        return self.funding_queue >= 0


# --- the certificate's course --------------------------------------------------------------


@attrs.frozen
class _Month:
    """What a certificate does in one month of a stay (amounts exact)."""

    pay: Money  # paid at the start of the month
    dropout: Money  # paid on a move to dropped_out
    left: Money  # face value less everything paid: released when the certificate ends
    tranche: Money  # paid on the forward move along the course
    successor: int  # where the forward move goes (an internal index)
    forward_release: Money  # released on the forward move, when it ends the certificate


_TRANCHE_ROUTE = {
    State.SOCIAL_REHABILITATION: State.RESOCIALIZATION,
    State.RESOCIALIZATION: State.PATRONAGE,
    State.PATRONAGE: State.SUSTAINED_REMISSION,
}
_FORWARD_MILESTONE = {
    State.RESOCIALIZATION: Milestone.STAGE_III_COMPLETED,
    State.PATRONAGE: Milestone.STAGE_IV_COMPLETED,
    State.SUSTAINED_REMISSION: Milestone.SUSTAINED_REMISSION,
}
_SERVING = (State.SOCIAL_REHABILITATION, State.RESOCIALIZATION)  # days served count here
_RUNNING = (State.RESOCIALIZATION, State.PATRONAGE, State.SUSTAINED_REMISSION)  # no relapse


class _Course:
    """The certificate copies of the course's states, built from the end of the course
    backwards so that copies with the same future are merged."""

    def __init__(self, certificate: Certificate, tunnel: int, index: dict[State, int]) -> None:
        self.certificate = certificate
        self.face = certificate.face
        self.zero = Money.zero(self.face.currency)
        self.per_diem = certificate.per_diem
        self.tranches = certificate.tranches()
        self.no_relapse = {
            months: amount
            for (milestone, months), amount in self.tranches.items()
            if milestone is Milestone.NO_RELAPSE and months is not None
        }
        self.last = max(self.no_relapse, default=0)  # N: the longest period without relapse
        self.served = max(certificate.per_diem_months(), certificate.planned_months())
        self.tunnel = max(tunnel, self.served + 2, self.last + 2 if self.last else 0)
        self.route = (
            {State.SOCIAL_REHABILITATION: State.RESOCIALIZATION}
            if self.per_diem
            else _TRANCHE_ROUTE
        )
        self.index = index
        self.next = len(index)  # set by the caller to the first free internal index
        self.copies: list[tuple[State, tuple[_Month, ...]]] = []
        self.names: list[str] = []
        self._memo: dict[tuple[State, int, int], int] = {}
        self.start_months: tuple[_Month, ...] = ()
        self._by_sign: dict[tuple[State, tuple[_Month, ...]], int] = {}

    def start(self, first_free: int) -> tuple[_Month, ...]:
        """The months of stage III (the certificate's own state), building every copy."""
        self.next = first_free
        self.start_months = self._months(State.SOCIAL_REHABILITATION, 0, 0)
        return self.start_months

    def _paid_at_entry(self, state: State, served: int, since_iv: int) -> Money:
        if self.per_diem:
            return self.certificate.per_diem_paid(served)
        paid = self.tranches.get((Milestone.ADMISSION, None), self.zero)
        for later, milestone in _FORWARD_MILESTONE.items():
            if _order(state) >= _order(later):
                paid = paid + self.tranches.get((milestone, None), self.zero)
        for months, amount in self.no_relapse.items():
            if months < since_iv:
                paid = paid + amount
        return paid

    def _months(self, state: State, served: int, since_iv: int) -> tuple[_Month, ...]:
        paid = self._paid_at_entry(state, served, since_iv)
        serving = state in _SERVING
        forward = self.route.get(state)
        months = []
        for m in range(self.tunnel):
            before = min(served + m, self.served) if serving else served
            after = min(before + 1, self.served) if serving else before
            pay = self.zero
            if self.per_diem and serving:
                pay = self.certificate.per_diem_paid(after) - self.certificate.per_diem_paid(before)
            elif state in _RUNNING:
                pay = self.no_relapse.get(since_iv + m, self.zero)
            paid = paid + pay
            dropout = self.certificate.dropout_paid(after, paid)
            left = self.face - paid
            tranche, successor, released = self.zero, -1, self.zero
            if forward is not None:
                if not self.per_diem:
                    tranche = self.tranches.get((_FORWARD_MILESTONE[forward], None), self.zero)
                running = 0 if forward is State.RESOCIALIZATION or not self.last else 1
                next_iv = min(since_iv + m + 1, self.last + 1) * running
                successor = self._copy(forward, after, next_iv)
                if successor == self.index[forward]:
                    released = left - tranche
            months.append(_Month(pay, dropout, left, tranche, successor, released))
        return tuple(months)

    def _copy(self, state: State, served: int, since_iv: int) -> int:
        """The internal index of the copy of ``state`` entered with this history."""
        key = (state, served, since_iv)
        if key in self._memo:
            return self._memo[key]
        months = self._months(state, served, since_iv)
        plain = self.index[state]
        forward = self.route.get(state)
        nothing = all(
            not (month.pay.amount or month.dropout.amount or month.left.amount)
            and not month.tranche.amount
            and (forward is None or month.successor == self.index[forward])
            for month in months
        )
        if nothing:
            found = plain
        elif (state, months) in self._by_sign:
            found = self._by_sign[state, months]
        else:
            found = self.next
            self.next += 1
            self._by_sign[state, months] = found
            self.copies.append((state, months))
            self.names.append(f"{state.value}~{len(self.copies)}")
        self._memo[key] = found
        return found


@functools.lru_cache(maxsize=64)
def _course(
    certificate: Certificate, tunnel: int, first_free: int
) -> tuple[_Course, tuple[_Month, ...]]:
    """The course of ``certificate`` and the months of stage III (cached: the samples of a
    sweep share their certificate)."""
    course = _Course(certificate, tunnel, {s: i for i, s in enumerate(State)})
    return course, course.start(first_free)


@functools.lru_cache(maxsize=256)
def _amounts(months: tuple[_Month, ...]) -> Any:
    """The months' amounts as arrays: pay, dropout, left, tranche, forward release, successor."""
    np = numpy()
    return np.array(
        [
            [
                float(m.pay.amount),
                float(m.dropout.amount),
                float(m.left.amount),
                float(m.tranche.amount),
                float(m.forward_release.amount),
                m.successor,
            ]
            for m in months
        ]
    ).T


def _order(state: State) -> int:
    return list(_TRANCHE_ROUTE).index(state) if state in _TRANCHE_ROUTE else 3


# --- compiling -------------------------------------------------------------------------------


def _tunnel(scenario: Scenario) -> int:
    last = 0
    for bands in scenario.transitions.values():
        last = max(last, *(band.from_month for band in bands))
    for cost in scenario.state_costs:
        if cost.months is not None:
            last = max(last, cost.months)
    return last + 1


def _pathway_rows(scenario: Scenario, n: int, tunnel: int) -> Any:
    """``P`` for the pathway's states (mortality applied); the other rows are left empty."""
    np = numpy()
    index = {s: i for i, s in enumerate(State)}
    dead = index[State.DECEASED]
    death = 1.0 - math.exp(-scenario.mortality_per_100_person_years / 1200.0)
    P = np.zeros((n, tunnel, n))  # noqa: N806 - the transition matrix, as in the literature
    for state in State:
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
    return P, death


def _structure_key(scenario: Scenario, tunnel: int, n: int) -> tuple[Any, ...]:
    """What the pattern of moves depends on: the states and the moves each band lists."""
    bands = tuple(
        (state, tuple((b.from_month, tuple(sorted(b.to, key=list(State).index))) for b in rows))
        for state, rows in sorted(
            scenario.transitions.items(), key=lambda x: list(State).index(x[0])
        )
    )
    return (
        n,
        tunnel,
        bands,
        scenario.mortality_per_100_person_years > 0,
        scenario.leave_waiting_per_month > 0,
    )


@functools.lru_cache(maxsize=64)
def _pattern(
    key: tuple[Any, ...], course: _Course | None, fixed: tuple[int, ...], lists: tuple[int, ...]
) -> tuple[Any, Any]:
    """The moves ``P`` can make and the months its rows may change in (see :class:`Model`)."""
    np = numpy()
    n, tunnel, bands, mortal, leaving = key
    dead, dropped, funding_queue = fixed
    index = {s: i for i, s in enumerate(State)}
    moved = np.zeros((n, tunnel, n), dtype=bool)
    change = np.zeros((n, tunnel), dtype=bool)
    for state, rows in bands:
        i = index[state]
        if state in _ABSORBING:
            continue
        for k, (start, targets) in enumerate(rows):
            end = rows[k + 1][0] if k + 1 < len(rows) else tunnel
            for target in targets:
                moved[i, start : min(end, tunnel), index[target]] = True
            if k and start < tunnel:
                change[i, start] = True
    if mortal:
        for state in LIVING_STATES:
            moved[index[state], :, dead] = True
    for w in lists + ((funding_queue,) if funding_queue >= 0 else ()):
        moved[w, :, dead] = mortal
        moved[w, :, dropped] = leaving
    if course is not None:
        first_copy = n - len(course.copies)
        steps = [(index[CERTIFICATE_STATE], CERTIFICATE_STATE, course.start_months)]
        steps += [(first_copy + k, st, m) for k, (st, m) in enumerate(course.copies)]
        for s, state, months in steps:
            plain = index[state]
            if s != plain:  # a copy: the plain state's row, staying in the copy
                moved[s], change[s] = moved[plain], change[plain]
                moved[s, :, plain] = False
            forward = course.route.get(state)
            if forward is None:
                continue
            target = index[forward]
            successors = [month.successor for month in months]
            for m, successor in enumerate(successors):
                if successor != target and moved[s, m, target]:
                    moved[s, m, target] = False
                    moved[s, m, successor] = True
                if m and successor != successors[m - 1]:
                    change[s, m] = True
    for s in range(n):
        moved[s, :, s] = False
    moved.flags.writeable = change.flags.writeable = False
    return moved, change


# The parts samples of one scenario usually share are built once and shared (read-only), so
# that a batch of samples can tell them unchanged by identity.


def _frozen(array: Any) -> Any:
    array.flags.writeable = False
    return array


@functools.lru_cache(maxsize=256)
def _intake(intake: tuple[tuple[ReferralSource, tuple[int, ...]], ...], months: int) -> Any:
    np = numpy()
    years = -(-months // 12)
    by_source = np.zeros((len(intake), months))
    for r, (_, figures) in enumerate(intake):
        for year in range(years):
            first, last = 12 * year, min(12 * year + 12, months)
            by_source[r, first:last] = (
                figures[min(year, len(figures) - 1)] if figures else 0
            ) / 12.0
    return _frozen(by_source), _frozen(by_source.sum(axis=0))


@functools.lru_cache(maxsize=256)
def _shared(values: tuple[float, ...]) -> Any:
    return _frozen(numpy().array(values))


@functools.lru_cache(maxsize=256)
def _discount(rate: float, months: int) -> Any:
    np = numpy()
    return _frozen((1.0 + rate) ** (-np.arange(months) / 12.0))


@functools.lru_cache(maxsize=256)
def _budget(
    budget: tuple[tuple[str, tuple[tuple[int, Money], ...]], ...],
    funders: tuple[str, ...],
    start_year: int,
    years: int,
) -> Any:
    np = numpy()
    given = {funder: dict(items) for funder, items in budget}
    table = np.full((years, len(funders)), np.inf)
    for k, funder in enumerate(funders):
        if funder in given:
            for year in range(years):
                amount = given[funder].get(start_year + year)
                table[year, k] = 0.0 if amount is None else float(amount.amount)
    return _frozen(table)


def compile_model(scenario: Scenario) -> Model:
    """The arrays of ``scenario`` (see the module documentation)."""
    if not isinstance(scenario, Scenario):
        from resocialize.errors import ValidationError

        raise ValidationError.at("scenario", f"must be a Scenario, not {type(scenario).__name__}")
    np = numpy()
    pathway = list(State)
    index = {s: i for i, s in enumerate(pathway)}
    capped = [s for s in pathway if s in scenario.capacity]
    certificate = scenario.certificate
    bounded = certificate is not None and bool(scenario.budget)
    reported = [s.value for s in pathway] + [f"{WAITING_PREFIX}{s.value}" for s in capped]
    if bounded:
        reported.append(f"{FUNDING_PREFIX}{CERTIFICATE_STATE.value}")
    n_reported = len(reported)
    tunnel = _tunnel(scenario)
    course = None
    stage_iii: tuple[_Month, ...] = ()
    if certificate is not None:
        course, stage_iii = _course(certificate, tunnel, n_reported)
        tunnel = course.tunnel
    copies = course.copies if course is not None else []
    names = tuple(reported) + (tuple(course.names) if course is not None else ())
    n = len(names)
    dead, dropped = index[State.DECEASED], index[State.DROPPED_OUT]

    P, death = _pathway_rows(scenario, n, tunnel)  # noqa: N806
    leave = scenario.leave_waiting_per_month
    waiting_for = np.full(n, -1, dtype=np.int64)
    waiting_of = np.full(n, -1, dtype=np.int64)
    queues = [(len(pathway) + k, index[state]) for k, state in enumerate(capped)]
    places = [float("inf")] * n
    for w, i in queues:
        waiting_for[w], waiting_of[i] = i, w
        places[i] = float(scenario.capacity[pathway[i]])
    capacity = _shared(tuple(places))
    funding_queue = n_reported - 1 if bounded else -1
    for w in [w for w, _ in queues] + ([funding_queue] if bounded else []):
        P[w, :, w] = (1.0 - death) * (1.0 - leave)
        P[w, :, dropped] = (1.0 - death) * leave
        P[w, :, dead] = death

    legal = np.zeros((n_reported, n_reported), dtype=bool)
    from .scenario import legal_moves

    for move_from, move_to in legal_moves():
        legal[index[move_from], index[move_to]] = True
    for w, i in queues:
        legal[w, w] = legal[w, dead] = legal[w, i] = True
        legal[w, dropped] = True  # giving up waiting
        legal[:, w] = legal[:, i]  # who may enter the state may wait for it
        legal[i, w] = False
    if bounded:
        f, c = funding_queue, index[CERTIFICATE_STATE]
        legal[f, f] = legal[f, dead] = legal[f, c] = legal[f, dropped] = True
        legal[:, f] = legal[:, c]  # who may enter the state may wait for its funding
        legal[c, f] = legal[f, f] = False
        legal[f, f] = True

    state_cost = np.zeros((n, tunnel))
    for cost in scenario.state_costs:
        months = tunnel if cost.months is None else cost.months
        state_cost[index[cost.state], :months] += float(cost.monthly.amount)
    transition_cost = np.zeros((n, n))
    for one_off in scenario.transition_costs:
        i, j = index[one_off.source], index[one_off.target]
        transition_cost[i, j] += float(one_off.amount.amount)
        for w in (waiting_of[j], funding_queue if pathway[j] is CERTIFICATE_STATE else -1):
            if w >= 0:  # paid on admission, whether at once or from a waiting list
                transition_cost[w, j] += float(one_off.amount.amount)

    shown = np.arange(n, dtype=np.int64)
    certificate_cost = np.zeros((n, tunnel))
    certificate_move = np.zeros((n, tunnel, n))
    release = np.zeros((n, tunnel, n))
    rows: list[tuple[int, State, tuple[_Month, ...]]] = []
    if course is not None:
        rows.append((index[CERTIFICATE_STATE], CERTIFICATE_STATE, stage_iii))
        rows += [(n_reported + k, state, steps) for k, (state, steps) in enumerate(copies)]
    for s, state, steps in rows:
        plain = index[state]
        shown[s] = plain
        if s != plain:  # the plain state's row, staying in the copy
            P[s] = P[plain]
            P[s, :, s], P[s, :, plain] = P[plain, :, plain], 0.0
        amounts = _amounts(steps)
        certificate_cost[s] = amounts[0]
        release[s] = amounts[2][:, None]
        release[s, :, s] = 0.0
        release[s, :, dropped] = amounts[2] - amounts[1]
        certificate_move[s, :, dropped] = amounts[1]
        assert course is not None
        forward = course.route.get(state)
        if forward is not None:
            m_all = np.arange(tunnel)
            target, successor = index[forward], amounts[5].astype(np.int64)
            moved = successor != target
            P[s, m_all[moved], successor[moved]] += P[s, m_all[moved], target]
            P[s, m_all[moved], target] = 0.0
            certificate_move[s, m_all, successor] = amounts[3]
            release[s, m_all, successor] = amounts[4]

    months_total = scenario.horizon_months
    sources = tuple(scenario.intake)
    by_source, entries = _intake(tuple(scenario.intake.items()), months_total)
    funders = tuple(scenario.funding)
    funding = _shared(tuple(float(scenario.funding[f]) for f in funders))
    discount = _discount(scenario.discount_rate, months_total)
    budget = _budget(
        tuple(
            (f, tuple(sorted(scenario.budget[f].items()))) for f in funders if f in scenario.budget
        ),
        funders,
        scenario.start.year,
        scenario.years,
    )
    pattern = _pattern(
        _structure_key(scenario, tunnel, len(names)),
        course,
        tuple(int(x) for x in (dead, dropped, funding_queue)),
        tuple(w for w, _ in queues),
    )
    face = float(certificate.face.amount) if certificate is not None else 0.0
    admission = 0.0
    if course is not None:
        admission = float(course.tranches.get((Milestone.ADMISSION, None), course.zero).amount)
    model = Model(
        scenario=scenario,
        states=tuple(reported),
        tunnel=tunnel,
        P=P,
        legal=legal,
        capacity=capacity,
        waiting_for=waiting_for,
        waiting_of=waiting_of,
        state_cost=state_cost,
        transition_cost=transition_cost,
        entries=entries,
        entries_by_source=by_source,
        sources=sources,
        funding=funding,
        funders=funders,
        discount=discount,
        initial=index[State.IDENTIFIED],
        internal=names,
        shown=shown,
        funding_queue=funding_queue,
        certificate_state=index[CERTIFICATE_STATE] if certificate is not None else -1,
        face=face,
        admission_pay=admission,
        certificate_cost=certificate_cost,
        certificate_move=certificate_move,
        release=release,
        budget=budget,
    )
    model._derived["pattern"] = pattern  # the same object for every sample of a sweep
    return model
