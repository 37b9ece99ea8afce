"""Uncertainty: probabilistic sensitivity analysis on any executor, reproducible (SM-04).

An :class:`Uncertain` names a parameter of a scenario by its path and gives the
distribution it is drawn from:

- ``transitions.STATE[BAND]``: a whole row of monthly probabilities, drawn from a
  :class:`Dirichlet` (so it sums to 1);
- ``transitions.STATE[BAND].TARGET``: one monthly probability; the probability of
  staying in ``STATE`` takes up the difference, so the row still sums to 1 (a draw
  that would leave less than nothing to stay is refused: choose a tighter
  distribution, or a Dirichlet over the row);
- ``state_costs[I].monthly``, ``transition_costs[I].amount``,
  ``certificate.face_value``: an amount of money (rounded to the minor unit);
- ``capacity.STATE``: places (rounded to whole places);
- ``intake.scale``: a factor on every intake figure (rounded to whole people);
- ``mortality_per_100_person_years``, ``discount_rate``, ``leave_waiting_per_month``.

:func:`sweep` draws ``samples`` scenarios and runs an engine on each. Sample ``i``
draws from its own random stream, ``SeedSequence(seed, spawn_key=(i,))``, so the
results depend only on ``seed``: not on the executor, the number of workers or
the chunking. Work goes to any :class:`concurrent.futures.Executor` (serial in
this process when none is given; threads; processes; a Dask cluster through
``distributed.Client.get_executor()``) in chunks of samples sized so that a task
runs for about a second (``chunk_size`` overrides; the cohort engine runs its
samples in batches of :data:`BLOCK` and rounds a chunk down to whole batches).
``progress(done, total)`` is called as chunks finish.

:func:`default_uncertainty` gives illustrative distributions for a scenario:
a Dirichlet distribution with an effective sample size of 100 around every row of
monthly probabilities, and Gamma distributions with a 10% coefficient of
variation around every cost.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from decimal import ROUND_HALF_EVEN, Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import attrs

from resocialize.errors import FieldProblem, ValidationError
from resocialize.money import Money, minor_units
from resocialize.pathway import State

from .model import numpy
from .scenario import Band, Scenario

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "METRICS",
    "Beta",
    "Dirichlet",
    "Distribution",
    "Gamma",
    "Normal",
    "Sweep",
    "Triangular",
    "Uncertain",
    "Uniform",
    "apply",
    "default_uncertainty",
    "sweep",
]

METRICS: Final = (
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
"""The figures :func:`sweep` keeps of every sample (costs as floats in the currency)."""

TARGET_TASK_SECONDS: Final = 1.0
"""How long a chunk of samples should run, when the chunk size is not given."""

BLOCK: Final = 1024
"""The cohort engine runs samples in batches of this many consecutive ones (the last
block may be smaller). Blocks are never split between chunks, so every sample is
always computed in the same batch, bit for bit, whatever the chunk size or executor."""


@attrs.frozen
class Beta:
    """Beta(alpha, beta): for probabilities."""

    alpha: float
    beta: float

    def draw(self, rng: Any) -> float:
        return float(rng.beta(self.alpha, self.beta))


@attrs.frozen
class Gamma:
    """Gamma(shape, scale): for costs and rates (mean ``shape * scale``)."""

    shape: float
    scale: float

    def draw(self, rng: Any) -> float:
        return float(rng.gamma(self.shape, self.scale))


@attrs.frozen
class Uniform:
    """Uniform on ``[low, high]``."""

    low: float
    high: float

    def draw(self, rng: Any) -> float:
        return float(rng.uniform(self.low, self.high))


@attrs.frozen
class Normal:
    """Normal(mean, sd), truncated at zero (parameters here are never negative)."""

    mean: float
    sd: float

    def draw(self, rng: Any) -> float:
        return max(0.0, float(rng.normal(self.mean, self.sd)))


@attrs.frozen
class Triangular:
    """Triangular(low, mode, high)."""

    low: float
    mode: float
    high: float

    def draw(self, rng: Any) -> float:
        return float(rng.triangular(self.low, self.mode, self.high))


def _read_only(value: Mapping[State, float]) -> Mapping[State, float]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Dirichlet:
    """Dirichlet over a whole row of moves (``weights`` by target state, the state itself
    included): a draw is a row of probabilities that sums to 1."""

    weights: Mapping[State, float] = attrs.field(converter=_read_only)

    def draw(self, rng: Any) -> dict[State, float]:
        targets = list(self.weights)
        values = rng.dirichlet([self.weights[t] for t in targets])
        return {t: float(v) for t, v in zip(targets, values, strict=True)}


Distribution = Beta | Gamma | Uniform | Normal | Triangular | Dirichlet
"""The distributions a parameter may be drawn from."""


@attrs.frozen
class Uncertain:
    """A parameter of a scenario, by path, and the distribution it is drawn from."""

    path: str
    distribution: Distribution


# --- applying a draw -------------------------------------------------------------------------


def _money(value: float, currency: str) -> Money:
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return Money(Decimal(repr(value)).quantize(exponent, ROUND_HALF_EVEN), currency)


def _index(part: str, path: str) -> tuple[str, int]:
    name, _, rest = part.partition("[")
    if not rest.endswith("]") or not rest[:-1].isdigit():
        raise ValidationError.at(path, f"{part!r} must be NAME[INDEX]")
    return name, int(rest[:-1])


def apply(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """``scenario`` with the parameters at ``values``' paths set to its values.

    Bad paths and values that break the scenario's rules raise
    :class:`~resocialize.errors.ValidationError`.
    """
    if not isinstance(scenario, Scenario):
        raise ValidationError.at("scenario", f"must be a Scenario, not {type(scenario).__name__}")
    if not isinstance(values, Mapping):
        raise ValidationError.at("values", f"must map parameter paths to values, not {values!r}")
    bad = [
        FieldProblem(str(path), f"must be a number, not {type(value).__name__}")
        for path, value in values.items()
        if not (isinstance(value, Mapping) and str(path).startswith("transitions."))
        and (isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value))
    ]
    if bad:
        raise ValidationError(bad)
    changes: dict[str, Any] = {}
    transitions = dict(scenario.transitions)
    state_costs = list(scenario.state_costs)
    transition_costs = list(scenario.transition_costs)
    capacity = dict(scenario.capacity)
    for path, value in values.items():
        head, _, tail = path.partition(".")
        try:
            if head == "transitions" and isinstance(value, Mapping):
                state_name, band_index = _index(tail, path)
                state = State(state_name)
                bands = list(transitions[state])
                bands[band_index] = Band(bands[band_index].from_month, value)
                transitions[state] = tuple(bands)
            elif head == "transitions":
                state_part, _, target_name = tail.partition(".")
                state_name, band_index = _index(state_part, path)
                state, target = State(state_name), State(target_name)
                if target is state:
                    raise ValidationError.at(
                        path, "vary the moves out of a state; staying takes up the difference"
                    )
                bands = list(transitions[state])
                band = bands[band_index]
                row = dict(band.to)
                row[target] = value
                rest = 1.0 - sum(p for t, p in row.items() if t is not state)
                if rest < -1e-12:
                    raise ValidationError.at(path, f"{value} leaves no probability to stay")
                row[state] = max(0.0, rest)
                bands[band_index] = Band(band.from_month, row)
                transitions[state] = tuple(bands)
            elif head.startswith(("state_costs[", "transition_costs[")):
                name, i = _index(head, path)
                amount = _money(value, scenario.currency)
                if name == "state_costs" and tail == "monthly":
                    state_costs[i] = attrs.evolve(state_costs[i], monthly=amount)
                elif name == "transition_costs" and tail == "amount":
                    transition_costs[i] = attrs.evolve(transition_costs[i], amount=amount)
                else:
                    raise ValidationError.at(path, "is not a parameter a sweep can vary")
            elif path == "certificate.face_value":
                if scenario.certificate is None:
                    raise ValidationError.at(path, "the scenario has no certificate")
                face = _money(value, scenario.currency)
                try:
                    changes["certificate"] = attrs.evolve(scenario.certificate, face_value=face)
                except ValidationError as error:
                    raise error.under("certificate") from None
            elif head == "capacity":
                capacity[State(tail)] = round(value)
            elif path == "intake.scale":
                changes["intake"] = {
                    source: tuple(round(n * value) for n in figures)
                    for source, figures in scenario.intake.items()
                }
            elif path in (
                "mortality_per_100_person_years",
                "discount_rate",
                "leave_waiting_per_month",
            ):
                changes[path] = value
            else:
                raise ValidationError.at(path, "is not a parameter a sweep can vary")
        except (KeyError, IndexError, ValueError) as error:
            if isinstance(error, ValidationError):
                raise
            raise ValidationError.at(path, f"names no parameter of the scenario: {error}") from None
    changes.update(
        transitions=transitions,
        state_costs=tuple(state_costs),
        transition_costs=tuple(transition_costs),
        capacity=capacity,
    )
    return attrs.evolve(scenario, **changes)


def default_uncertainty(scenario: Scenario, *, effective: float = 100.0) -> tuple[Uncertain, ...]:
    """Illustrative distributions around a scenario's figures (see the module documentation)."""
    found: list[Uncertain] = []
    for state, bands in scenario.transitions.items():
        for k, band in enumerate(bands):
            weights = {target: p * effective for target, p in band.to.items() if p > 0}
            if len(weights) > 1:
                found.append(Uncertain(f"transitions.{state.value}[{k}]", Dirichlet(weights)))
    for i, cost in enumerate(scenario.state_costs):
        mean = float(cost.monthly.amount)
        if mean > 0:
            found.append(Uncertain(f"state_costs[{i}].monthly", Gamma(100.0, mean / 100.0)))
    for i, one_off in enumerate(scenario.transition_costs):
        mean = float(one_off.amount.amount)
        if mean > 0:
            found.append(Uncertain(f"transition_costs[{i}].amount", Gamma(100.0, mean / 100.0)))
    return tuple(found)


# --- running ---------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class Sweep:
    """The figures of every sample (:data:`METRICS`) and the values drawn for every
    parameter, as arrays indexed by sample."""

    samples: int
    seed: int
    engine: str
    parameters: dict[str, NDArray[np.float64]]
    metrics: dict[str, NDArray[np.float64]]

    def mean(self, metric: str) -> float:
        """The mean of a figure over the samples (``nan`` ones left out)."""
        return float(numpy().nanmean(self.metrics[metric]))

    def interval(self, metric: str, level: float = 0.95) -> tuple[float, float]:
        """The central ``level`` interval of a figure over the samples."""
        low, high = (1 - level) / 2, 1 - (1 - level) / 2
        values = self.metrics[metric]
        q = numpy().nanquantile(values, [low, high])
        return float(q[0]), float(q[1])

    def table(self) -> tuple[dict[str, float], ...]:
        """One row per sample: its parameters and its figures."""
        columns = {**self.parameters, **self.metrics}
        return tuple(
            {"sample": float(i), **{k: float(v[i]) for k, v in columns.items()}}
            for i in range(self.samples)
        )


def _figures(results: Any) -> list[float]:
    summary = results.summary()
    row = []
    for name in METRICS:
        value = summary[name]
        if isinstance(value, Money):
            row.append(float(value.amount))
        elif value is None:
            row.append(math.nan)
        else:
            row.append(float(value))
    return row


def _columns(uncertain: Sequence[Uncertain]) -> list[str]:
    """The parameter columns of a sweep: a row drawn whole gives one column per target."""
    columns = []
    for u in uncertain:
        if isinstance(u.distribution, Dirichlet):
            columns += [f"{u.path}.{target.value}" for target in u.distribution.weights]
        else:
            columns.append(u.path)
    return columns


def _flat(values: Mapping[str, Any], uncertain: Sequence[Uncertain]) -> list[float]:
    row: list[float] = []
    for u in uncertain:
        value = values[u.path]
        if isinstance(u.distribution, Dirichlet):
            row += [value[target] for target in u.distribution.weights]
        else:
            row.append(value)
    return row


def _run_chunk(
    scenario: Scenario,
    uncertain: tuple[Uncertain, ...],
    seed: int,
    engine: str,
    blocks: Sequence[Sequence[int]],
) -> tuple[list[int], list[list[float]], list[list[float]]]:
    """Draw and run the samples of ``blocks`` (the task an executor runs)."""
    indices = [i for block in blocks for i in block]
    np = numpy()
    from .cohort import cohort_figures
    from .individual import run_individual
    from .model import compile_model

    drawn, figures, models, seeds = [], [], [], []
    for i in indices:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
        values = {u.path: u.distribution.draw(rng) for u in uncertain}
        models.append(compile_model(apply(scenario, values)))
        seeds.append(int(rng.integers(2**63)))
        drawn.append(_flat(values, uncertain))
    if engine == "cohort":  # a batched run per block: always the same samples together
        start = 0
        for block in blocks:
            found = cohort_figures(models[start : start + len(block)])
            figures += np.stack([found[name] for name in METRICS], axis=1).tolist()
            start += len(block)
    else:
        figures = [_figures(run_individual(m, seed=s)) for m, s in zip(models, seeds, strict=True)]
    return list(indices), drawn, figures


def sweep(
    scenario: Scenario,
    uncertain: Sequence[Uncertain],
    *,
    samples: int,
    seed: int,
    engine: str = "cohort",
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Sweep:
    """Probabilistic sensitivity analysis: ``samples`` draws of the ``uncertain``
    parameters, each run with ``engine`` (see the module documentation)."""
    problems = []
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        problems.append(("samples", "must be a whole number, 1 or more"))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(("seed", "must be a whole number, 0 or more"))
    if engine not in ("cohort", "individual"):
        problems.append(("engine", f"must be cohort or individual, not {engine!r}"))
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        problems.append(("chunk_size", "must be a whole number, 1 or more"))
    items = (
        tuple(uncertain)
        if isinstance(uncertain, Sequence | tuple | list) and not isinstance(uncertain, str)
        else None
    )
    if items is None:
        problems.append(("uncertain", "must be a sequence of Uncertain parameters"))
        items = ()
    for k, item in enumerate(items):
        if not isinstance(item, Uncertain):
            problems.append((f"uncertain[{k}]", f"must be Uncertain, not {type(item).__name__}"))
    if problems:
        raise ValidationError(FieldProblem(path, message) for path, message in problems)
    np = numpy()
    apply(scenario, {})  # the scenario is sound
    unit = BLOCK if engine == "cohort" else 1
    blocks = [list(range(k, min(k + unit, samples))) for k in range(0, samples, unit)]
    done: list[tuple[list[int], list[list[float]], list[list[float]]]] = []
    if chunk_size is None:
        # the first block is timed to size the chunks; it runs where the others will, so
        # that an executor does the work even of a sweep of one block
        started = time.perf_counter()
        if executor is None:
            done.append(_run_chunk(scenario, items, seed, engine, blocks[:1]))
        else:
            done.append(
                executor.submit(_run_chunk, scenario, items, seed, engine, blocks[:1]).result()
            )
        one = max(time.perf_counter() - started, 1e-6)
        per_chunk = max(1, math.ceil(TARGET_TASK_SECONDS / one))
        blocks = blocks[1:]
    else:
        per_chunk = max(1, chunk_size // unit)
    chunks = [blocks[k : k + per_chunk] for k in range(0, len(blocks), per_chunk)]
    finished = sum(len(c[0]) for c in done)
    if progress is not None:
        progress(finished, samples)
    if executor is None:
        for chunk in chunks:
            done.append(_run_chunk(scenario, items, seed, engine, chunk))
            finished += len(done[-1][0])
            if progress is not None:
                progress(finished, samples)
    else:
        from concurrent.futures import as_completed

        futures = [executor.submit(_run_chunk, scenario, items, seed, engine, c) for c in chunks]
        for future in as_completed(futures):
            result = future.result()
            done.append(result)
            finished += len(result[0])
            if progress is not None:
                progress(finished, samples)
    columns = _columns(items)
    drawn = np.full((samples, len(columns)), np.nan)
    figures = np.full((samples, len(METRICS)), np.nan)
    for indices, values, rows in done:
        for i, value_row, figure_row in zip(indices, values, rows, strict=True):
            drawn[i] = value_row
            figures[i] = figure_row
    return Sweep(
        samples=samples,
        seed=seed,
        engine=engine,
        parameters={name: drawn[:, k] for k, name in enumerate(columns)},
        metrics={name: figures[:, k] for k, name in enumerate(METRICS)},
    )
