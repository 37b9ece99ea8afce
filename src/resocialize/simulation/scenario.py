"""Scenarios: what a region expects, as data the engines run (SM-01, SM-05).

A :class:`Scenario` states, month by month over a horizon:

- **intake**: the people newly identified each year, by referral source; they enter
  the pathway in its initial state (``identified``), spread evenly over the year's
  months; a shorter list than the horizon's years repeats its last figure;
- **transitions**: for each state, the monthly probabilities of moving to each
  state, the state itself included (staying), in :class:`Band` values by months
  already spent in the state, so that the chance of leaving may depend on time in
  state without a state per month (heemod #361). Every row sums to 1; a move the
  pathway chart forbids is refused, naming the pair;
- **mortality**: deaths per 100 person-years, applied on top of every living
  state's row (``p = 1 - exp(-rate / 1200)`` a month to ``deceased``, the rest of
  the row scaled by ``1 - p``);
- **capacity**: places by state (e.g. the places of the region's centers in stage
  III); demand beyond the free places waits, and the waiting are admitted first
  when places free up; each month ``leave_waiting_per_month`` of the people
  waiting give up and leave the list (to ``dropped_out``);
- **certificate**: the certificate issued on every admission to stage III, as a
  face value and a :class:`~resocialize.tariffs.Tariff` (tranches tied to
  pathway milestones, or a rate per day served with a cap, and a dropout rule);
  see :mod:`~resocialize.simulation.certificate` for how the engines pay it;
- **costs**: other costs per person-month in a state, optionally only for the
  first ``months`` months in it (hesim #64), and one-off costs on a move (hesim
  #9); every cost, certificates included, is split between funding sources by
  their ``funding`` shares;
- **budget** by source and year: the money for certificates. A certificate
  commits its face value at issue, split by the funding shares; when a source's
  budget for the year cannot cover another certificate, the person waits for the
  next year's money (``waiting_for_funding:social_rehabilitation``). A source
  without a budget is unbounded, and so is a scenario without one; a source with a
  budget has nothing in the years it does not list. An annual **discount rate**;
- **sources**: where each figure comes from, by parameter path (SM-05).

Probabilities and rates are ``float`` (they are estimates, not money); costs
and budgets are :class:`~resocialize.money.Money`. :func:`scenario_from_toml`
reads a scenario and reports every problem with its path;
:func:`default_scenario` is the example the library ships
(``resocialize/data/scenario.toml``), every figure with its source.

>>> scenario = default_scenario()
>>> scenario.horizon_months, scenario.currency
(84, 'RUB')
>>> sorted(scenario.funding)
['federal', 'regional']
>>> scenario.transitions[State.SOCIAL_REHABILITATION][1].to[State.RESOCIALIZATION]
0.16
>>> from resocialize.errors import ValidationError
>>> try:
...     scenario_from_toml('''
... name = "bad"
... description = "a move the chart forbids"
... start = 2027-01-01
... horizon_months = 12
... currency = "RUB"
... [intake]
... court = [100]
... [[transitions.identified]]
... from_month = 0
... identified = 0.5
... sustained_remission = 0.5
... ''')
... except ValidationError as error:
...     print(error.problems[0].path)
...     print(error.problems[0].message)
transitions.identified[0].sustained_remission
the pathway chart has no move from identified to sustained_remission
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

import attrs

from resocialize._checks import Problems
from resocialize.errors import ValidationError
from resocialize.money import Money
from resocialize.pathway import State, pathway_table
from resocialize.records import ReferralSource
from resocialize.tariffs import Tariff, default_tariffs

from .certificate import Certificate, _days_problem

__all__ = [
    "CERTIFICATE_STATE",
    "LIVING_STATES",
    "TOLERANCE",
    "Band",
    "Certificate",
    "Scenario",
    "StateCost",
    "TransitionCost",
    "default_scenario",
    "legal_moves",
    "scenario_from_toml",
]

TOLERANCE: Final = 1e-9
"""How far from 1 a row of probabilities may sum."""

MAX_HORIZON: Final = 1200
"""The longest horizon, in months (a hundred years)."""

LIVING_STATES: Final = tuple(s for s in State if s not in (State.DECEASED, State.MOVED_AWAY))
"""The states a person can be in and die from."""

CERTIFICATE_STATE: Final = State.SOCIAL_REHABILITATION
"""The state a certificate is issued on admission to (stage III)."""

_PER_DIEM_STATES: Final = (State.RESOCIALIZATION,)
_TRANCHE_STATES: Final = (State.RESOCIALIZATION, State.PATRONAGE, State.SUSTAINED_REMISSION)


@cache
def legal_moves() -> frozenset[tuple[State, State]]:
    """Every (source, target) the pathway chart allows by some event, and staying put."""
    table = pathway_table()
    moves = {(source, move.target) for (source, _), move in table.moves.items()}
    return frozenset(moves | {(s, s) for s in State})


def _frozen(value: Any) -> Any:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


@attrs.frozen
class Band:
    """The monthly probabilities of moving from a state once ``from_month`` months or
    more were spent in it (until the next band starts); ``to`` includes the state
    itself."""

    from_month: int
    to: Mapping[State, float] = attrs.field(converter=_frozen)

    def __reduce__(self) -> tuple[type[Band], tuple[int, dict[State, float]]]:
        return (type(self), (self.from_month, dict(self.to)))


@attrs.frozen
class StateCost:
    """A cost per person-month in ``state``, for the first ``months`` months in it (all
    months when ``None``)."""

    state: State
    monthly: Money
    months: int | None = None


@attrs.frozen
class TransitionCost:
    """A one-off cost each time a person moves from ``source`` to ``target``."""

    source: State
    target: State
    amount: Money


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def _frozen_budget(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    return _frozen({k: _frozen(v) for k, v in value.items()})


@attrs.frozen
class Scenario:
    """A region's scenario: see the module documentation. Build it with
    :func:`scenario_from_toml`, :func:`default_scenario` or :func:`attrs.evolve` of one;
    :meth:`problems` (called on construction) reports every problem with its path."""

    name: str
    description: str
    start: dt.date
    horizon_months: int
    currency: str
    intake: Mapping[ReferralSource, tuple[int, ...]] = attrs.field(converter=_frozen)
    transitions: Mapping[State, tuple[Band, ...]] = attrs.field(converter=_frozen)
    mortality_per_100_person_years: float = 0.0
    capacity: Mapping[State, int] = attrs.field(factory=dict, converter=_frozen)
    leave_waiting_per_month: float = 0.0
    state_costs: tuple[StateCost, ...] = attrs.field(default=(), converter=_tuple)
    transition_costs: tuple[TransitionCost, ...] = attrs.field(default=(), converter=_tuple)
    certificate: Certificate | None = None
    funding: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_frozen)
    budget: Mapping[str, Mapping[int, Money]] = attrs.field(
        factory=dict,
        converter=_frozen_budget,
    )
    discount_rate: float = 0.0
    sources: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen)

    def __attrs_post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValidationError(problems)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # read-only mappings cannot be pickled themselves: rebuild them on load
        return (type(self), tuple(_plain(v) for v in attrs.astuple(self, recurse=False)))

    @property
    def years(self) -> int:
        """How many (started) years the horizon spans."""
        return -(-self.horizon_months // 12)

    def intake_in(self, source: ReferralSource, year: int) -> int:
        """People from ``source`` identified in the scenario's year ``year`` (0-based)."""
        figures = self.intake.get(source, ())
        if not figures:
            return 0
        return figures[min(year, len(figures) - 1)]

    def problems(self) -> list[Any]:
        """Every problem of the scenario, each with its path (empty when it is sound)."""
        problems = Problems()
        _check_scenario(self, problems)
        return problems.items


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


# --- checks ------------------------------------------------------------------------------------


def _probability_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a probability (a number from 0 to 1), not {type(value).__name__}"
    if not math.isfinite(value) or not 0 <= value <= 1:
        return f"must be from 0 to 1, not {value}"
    return None


def _count_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return f"must be a whole number of people, zero or more, not {value!r}"
    return None


def _money_problem(value: object, currency: str) -> str | None:
    if not isinstance(value, Money):
        return f"must be Money, not {type(value).__name__}"
    if value.currency != currency:
        return f"is in {value.currency}, the scenario in {currency}"
    if value.is_negative:
        return f"must not be negative, not {value}"
    return None


_MAPPINGS: Final = ("intake", "transitions", "capacity", "funding", "budget", "sources")


def _check_scenario(s: Scenario, problems: Problems) -> None:
    for name in _MAPPINGS:
        if not isinstance(getattr(s, name), Mapping):
            problems.add(name, f"must be a mapping, not {type(getattr(s, name)).__name__}")
    for name in ("state_costs", "transition_costs"):
        if not isinstance(getattr(s, name), tuple):
            problems.add(name, f"must be a list, not {type(getattr(s, name)).__name__}")
    if problems.items:
        return
    if not isinstance(s.name, str) or not s.name.strip():
        problems.add("name", "must be a non-blank string")
    if not isinstance(s.description, str):
        problems.add("description", "must be a string")
    if not isinstance(s.start, dt.date) or isinstance(s.start, dt.datetime):
        problems.add("start", f"must be a date, not {type(s.start).__name__}")
    if (
        isinstance(s.horizon_months, bool)
        or not isinstance(s.horizon_months, int)
        or not 1 <= s.horizon_months <= MAX_HORIZON
    ):
        problems.add("horizon_months", f"must be a whole number from 1 to {MAX_HORIZON}")
    if not isinstance(s.currency, str) or len(s.currency) != 3 or not s.currency.isupper():
        problems.add("currency", "must be an ISO 4217 code such as RUB")
    _check_intake(s, problems)
    _check_transitions(s, problems)
    leave = s.leave_waiting_per_month
    problems.check("leave_waiting_per_month", _probability_problem(leave))
    rate = s.mortality_per_100_person_years
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 100:
        problems.add("mortality_per_100_person_years", f"must be from 0 to 100, not {rate!r}")
    for state, places in s.capacity.items():
        path = f"capacity.{getattr(state, 'value', state)}"
        if not isinstance(state, State) or state not in LIVING_STATES:
            problems.add(path, "must be a living state of the pathway")
        problems.check(path, _count_problem(places))
    for i, cost in enumerate(s.state_costs):
        path = f"state_costs[{i}]"
        if not isinstance(cost, StateCost):
            problems.add(path, f"must be a StateCost, not {type(cost).__name__}")
            continue
        if not isinstance(cost.state, State):
            problems.add(f"{path}.state", "must be a state of the pathway")
        problems.check(f"{path}.monthly", _money_problem(cost.monthly, s.currency))
        if cost.months is not None and (
            isinstance(cost.months, bool) or not isinstance(cost.months, int) or cost.months < 1
        ):
            problems.add(f"{path}.months", "must be a whole number of months, 1 or more")
    for i, one_off in enumerate(s.transition_costs):
        path = f"transition_costs[{i}]"
        if not isinstance(one_off, TransitionCost):
            problems.add(path, f"must be a TransitionCost, not {type(one_off).__name__}")
            continue
        move = (one_off.source, one_off.target)
        if move not in legal_moves() or one_off.source is one_off.target:
            names = [getattr(state, "value", state) for state in move]
            problems.add(path, f"the pathway chart has no move from {names[0]} to {names[1]}")
        problems.check(f"{path}.amount", _money_problem(one_off.amount, s.currency))
    _check_certificate(s, problems)
    _check_funding(s, problems)
    rate = s.discount_rate
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
        problems.add("discount_rate", f"must be an annual rate from 0 to 1, not {rate!r}")
    for key, text in s.sources.items():
        if not isinstance(key, str) or not isinstance(text, str) or not text.strip():
            problems.add(f"sources.{key}", "must cite a source in words")


def _check_intake(s: Scenario, problems: Problems) -> None:
    if not s.intake:
        problems.add("intake", "must name at least one referral source")
    for source, figures in s.intake.items():
        path = f"intake.{getattr(source, 'value', source)}"
        if not isinstance(source, ReferralSource):
            known = ", ".join(r.value for r in ReferralSource)
            problems.add(path, f"is not a referral source; one of {known}")
        if not isinstance(figures, tuple) or not figures:
            problems.add(path, "must be a non-empty list of people per year")
            continue
        for i, figure in enumerate(figures):
            problems.check(f"{path}[{i}]", _count_problem(figure))


def _check_transitions(s: Scenario, problems: Problems) -> None:
    legal = legal_moves()
    for source, bands in s.transitions.items():
        path = f"transitions.{getattr(source, 'value', source)}"
        if not isinstance(source, State) or source not in LIVING_STATES:
            problems.add(path, "must be a living state of the pathway")
            continue
        if not isinstance(bands, tuple) or not bands:
            problems.add(path, "must be a non-empty list of bands")
            continue
        last = -1
        for i, band in enumerate(bands):
            where = f"{path}[{i}]"
            if not isinstance(band, Band):
                problems.add(where, f"must be a Band, not {type(band).__name__}")
                continue
            if isinstance(band.from_month, bool) or not isinstance(band.from_month, int):
                problems.add(f"{where}.from_month", "must be a whole number of months")
            elif i == 0 and band.from_month != 0:
                problems.add(f"{where}.from_month", "the first band starts at month 0")
            elif band.from_month <= last:
                problems.add(f"{where}.from_month", "must be after the band before it")
            else:
                last = band.from_month
            total = 0.0
            for target, p in band.to.items():
                name = getattr(target, "value", target)
                problem = _probability_problem(p)
                if problem is not None:
                    problems.add(f"{where}.{name}", problem)
                    continue
                if not isinstance(target, State):
                    problems.add(f"{where}.{name}", "is not a state of the pathway")
                    continue
                if (source, target) not in legal and p > 0:
                    problems.add(
                        f"{where}.{name}",
                        f"the pathway chart has no move from {source.value} to {target.value}",
                    )
                total += p
            if abs(total - 1.0) > TOLERANCE:
                problems.add(where, f"the probabilities sum to {total:.12g}, not 1")


def _check_certificate(s: Scenario, problems: Problems) -> None:
    certificate = s.certificate
    if certificate is None:
        return
    if not isinstance(certificate, Certificate):
        problems.add("certificate", f"must be a Certificate, not {type(certificate).__name__}")
        return
    if certificate.tariff.currency != s.currency:
        problems.add(
            "certificate.tariff.currency",
            f"is {certificate.tariff.currency}, the scenario's currency {s.currency}",
        )
    paid_in = _PER_DIEM_STATES if certificate.per_diem else _TRANCHE_STATES
    for state in s.capacity:
        if state in paid_in:
            problems.add(
                f"capacity.{getattr(state, 'value', state)}",
                "the certificate pays in this state: a capacity can cap social_rehabilitation "
                "and the states outside the certificate's course "
                f"({', '.join(p.value for p in paid_in)})",
            )


def _check_funding(s: Scenario, problems: Problems) -> None:
    if not s.funding:
        problems.add("funding", "must give the share of at least one funding source")
        return
    total = Decimal(0)
    for source, share in s.funding.items():
        if not isinstance(share, Decimal) or not share.is_finite() or not 0 < share <= 1:
            problems.add(
                f"funding.{source}", f"must be a share above 0 and at most 1, not {share!r}"
            )
            continue
        total += share
    if total != 1 and not problems.items:
        problems.add("funding", f"the shares sum to {total}, not 1")
    for source, years in s.budget.items():
        if source not in s.funding:
            problems.add(f"budget.{source}", "is not a funding source of the scenario")
        if not isinstance(years, Mapping):
            problems.add(f"budget.{source}", "must map years to amounts of money")
            continue
        for year, money in years.items():
            if isinstance(year, bool) or not isinstance(year, int):
                problems.add(f"budget.{source}.{year}", "must be a year")
            problems.check(f"budget.{source}.{year}", _money_problem(money, s.currency))


# --- reading TOML ------------------------------------------------------------------------------

_KEYS: Final = frozenset(
    {
        "name",
        "description",
        "start",
        "horizon_months",
        "currency",
        "intake",
        "transitions",
        "mortality_per_100_person_years",
        "capacity",
        "leave_waiting_per_month",
        "state_costs",
        "transition_costs",
        "certificate",
        "funding",
        "budget",
        "discount_rate",
        "sources",
    }
)
_CERTIFICATE_KEYS: Final = ("tariff", "face_value", "planned_days")


def _state(raw: object, path: str, problems: Problems) -> State | None:
    try:
        return State(str(raw)) if isinstance(raw, str) else State(raw)  # type: ignore[arg-type]
    except ValueError:
        known = ", ".join(s.value for s in State)
        problems.add(path, f"is not a state of the pathway; one of {known}")
        return None


def _decimal(raw: object, path: str, problems: Problems) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        problems.add(path, f'must be a decimal written as a string such as "0.70", not {raw!r}')
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        problems.add(path, f"must be a decimal number, not {raw!r}")
        return None
    return value


def _money(raw: object, path: str, currency: str, problems: Problems) -> Money | None:
    amount = _decimal(raw, path, problems)
    if amount is None:
        return None
    try:
        return Money(amount, currency)
    except ValidationError as error:
        for problem in error.problems:
            problems.add(path, problem.message)
        return None


def _table(raw: object, path: str, problems: Problems) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.add(path, f"must be a table, not {type(raw).__name__}")
        return {}
    return raw


def _parse(data: dict[str, Any], problems: Problems) -> dict[str, Any]:
    for key in data:
        if key not in _KEYS:
            problems.add(key, "is not a scenario parameter")
    for key in ("name", "description", "start", "horizon_months", "currency", "intake"):
        if key not in data:
            problems.add(key, "is required")
    given = data.get("currency")
    currency: str = given if isinstance(given, str) else "XXX"
    values: dict[str, Any] = {
        k: data.get(k) for k in ("name", "description", "start", "horizon_months", "currency")
    }
    intake: dict[Any, tuple[int, ...]] = {}
    for name, figures in _table(data.get("intake", {}), "intake", problems).items():
        try:
            source: Any = ReferralSource(name)
        except ValueError:
            source = name
        intake[source] = tuple(figures) if isinstance(figures, list) else figures
    values["intake"] = intake
    transitions: dict[Any, tuple[Band, ...]] = {}
    for name, rows in _table(data.get("transitions", {}), "transitions", problems).items():
        state = _state(name, f"transitions.{name}", problems)
        if state is None:
            continue
        if not isinstance(rows, list):
            problems.add(f"transitions.{name}", "must be a list of bands ([[transitions.STATE]])")
            continue
        bands = []
        for i, row in enumerate(rows):
            row = _table(row, f"transitions.{name}[{i}]", problems)
            to: dict[Any, Any] = {}
            for target, p in row.items():
                if target == "from_month":
                    continue
                try:
                    to[State(target)] = p
                except ValueError:
                    problems.add(
                        f"transitions.{name}[{i}].{target}", "is not a state of the pathway"
                    )
            bands.append(Band(row.get("from_month", 0), to))
        transitions[state] = tuple(bands)
    values["transitions"] = transitions
    for key in ("mortality_per_100_person_years", "discount_rate", "leave_waiting_per_month"):
        if key in data:
            values[key] = data[key]
    capacity = {}
    for name, places in _table(data.get("capacity", {}), "capacity", problems).items():
        state = _state(name, f"capacity.{name}", problems)
        if state is not None:
            capacity[state] = places
    values["capacity"] = capacity
    state_costs = []
    for i, raw in enumerate(data.get("state_costs", [])):
        row = _table(raw, f"state_costs[{i}]", problems)
        state = _state(row.get("state"), f"state_costs[{i}].state", problems)
        monthly = _money(row.get("monthly"), f"state_costs[{i}].monthly", currency, problems)
        if state is not None and monthly is not None:
            state_costs.append(StateCost(state, monthly, row.get("months")))
    values["state_costs"] = tuple(state_costs)
    transition_costs = []
    for i, raw in enumerate(data.get("transition_costs", [])):
        row = _table(raw, f"transition_costs[{i}]", problems)
        source_state = _state(row.get("source"), f"transition_costs[{i}].source", problems)
        target_state = _state(row.get("target"), f"transition_costs[{i}].target", problems)
        amount = _money(row.get("amount"), f"transition_costs[{i}].amount", currency, problems)
        if source_state is not None and target_state is not None and amount is not None:
            transition_costs.append(TransitionCost(source_state, target_state, amount))
    values["transition_costs"] = tuple(transition_costs)
    if "certificate" in data:
        values["certificate"] = _certificate(data["certificate"], currency, problems)
    funding = {}
    for name, raw in _table(data.get("funding", {}), "funding", problems).items():
        share = _decimal(raw, f"funding.{name}", problems)
        if share is not None:
            funding[name] = share
    values["funding"] = funding
    budget: dict[str, dict[int, Money]] = {}
    for name, years in _table(data.get("budget", {}), "budget", problems).items():
        for year, raw in _table(years, f"budget.{name}", problems).items():
            if not str(year).isdigit():
                problems.add(f"budget.{name}.{year}", "must be a year")
                continue
            money = _money(raw, f"budget.{name}.{year}", currency, problems)
            if money is not None:
                budget.setdefault(name, {})[int(year)] = money
    values["budget"] = budget
    values["sources"] = _table(data.get("sources", {}), "sources", problems)
    return values


def _tariff(raw: object, problems: Problems) -> Tariff | None:
    if isinstance(raw, str):
        shipped = default_tariffs()
        if raw in shipped:
            return shipped[raw]
        known = ", ".join(shipped)
        problems.add("certificate.tariff", f"is not a tariff shipped with the library ({known})")
        return None
    # a tariff table reads as one [[tariffs]] entry of a tariffs file, paths and all
    from resocialize.tariffs import _Reader

    reader = _Reader(toml=True)
    tariff = reader.tariff(raw, "certificate.tariff")
    for problem in reader.problems:
        problems.add(problem.path, problem.message)
    return tariff if isinstance(tariff, Tariff) else None


def _certificate(raw: object, currency: str, problems: Problems) -> Any:
    row = _table(raw, "certificate", problems)
    if not row:
        return None
    for key in row:
        if key not in _CERTIFICATE_KEYS:
            problems.add(
                f"certificate.{key}",
                f"is not a certificate parameter; known: {', '.join(_CERTIFICATE_KEYS)}",
            )
    if "tariff" not in row:
        problems.add(
            "certificate.tariff",
            "is required: the code of a tariff shipped with the library, or a tariff table",
        )
        return None
    tariff = _tariff(row["tariff"], problems)
    face = None
    if "face_value" in row:
        face = _money(row["face_value"], "certificate.face_value", currency, problems)
        if face is None:
            return None
    if tariff is None:  # the certificate cannot be built: check what can be checked alone
        if "planned_days" in row:
            problems.check("certificate.planned_days", _days_problem(row["planned_days"]))
        return None
    try:
        return Certificate(tariff, face, row.get("planned_days"))
    except ValidationError as error:
        for problem in error.under("certificate").problems:
            problems.add(problem.path, problem.message)
        return None


def scenario_from_toml(text: str) -> Scenario:
    """Read a scenario from TOML; every problem is reported with its path, at once.

    Shares and amounts of money are decimal strings (``"0.70"``, ``"30000.00"``);
    probabilities and rates are numbers. A TOML syntax error is reported at ``$``.
    """
    if not isinstance(text, str):
        raise ValidationError.at("text", f"must be TOML text, not {type(text).__name__}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValidationError.at("$", f"is not valid TOML: {error}") from None
    problems = Problems()
    values = _parse(data, problems)
    try:
        scenario = Scenario(**values)
    except ValidationError as error:  # report the checks' problems with the reader's
        seen = {p.path for p in problems.items}
        for problem in error.problems:
            if problem.path not in seen:
                problems.add(problem.path, problem.message)
    except (TypeError, AttributeError) as error:  # a value of a kind the checks cannot read
        problems.add("$", f"is not a scenario: {error}")
    problems.raise_if_any()
    return scenario


@cache
def default_scenario() -> Scenario:
    """The example scenario the library ships, every figure with its source (SM-05)."""
    text = resources.files("resocialize").joinpath("data/scenario.toml").read_text("utf-8")
    return scenario_from_toml(text)
