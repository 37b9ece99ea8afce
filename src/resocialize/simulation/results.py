"""What an engine returns: occupancy, flows, waiting lists and money, as arrays and tables (SM-03).

Both engines return :class:`Results`. The arrays are indexed by month ``t`` (0 is
the scenario's first month) and by the model's states (the pathway's states,
then the waiting states):

- ``occupancy``: ``(T, S)`` people in each state at the end of month ``t``;
- ``flows``: ``(T, S, S)`` people who moved from one state to another during month
  ``t`` (staying put is not a flow; admissions from a waiting list are);
- ``entered``: ``(T,)`` people newly identified in month ``t``;
- ``costs``: ``(T, F)`` what month ``t`` cost each funding source, undiscounted,
  certificates included; ``discounted`` the same, discounted to the first month;
- ``paid``, ``committed``, ``released``: ``(T, F)`` the certificates' payments,
  the face values committed at issue, and the unused commitments released when
  certificates end, each month and funding source (zero without a certificate).

The derived figures read like the questions an analyst asks: :meth:`Results.remissions`,
:meth:`Results.deaths`, :meth:`Results.completed_courses`, :meth:`Results.waiting`,
:meth:`Results.waiting_for_funding`, :meth:`Results.certificates`,
:meth:`Results.budget` (by source and year, next to the scenario's budget),
:meth:`Results.cost_per_remission`, :meth:`Results.cost_per_completed_course`, and
:meth:`Results.summary`. :meth:`Results.table` gives any of them as tidy rows
(a pandas ``DataFrame`` when pandas is installed and asked for).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, cast

import attrs

from resocialize.money import Money, minor_units
from resocialize.pathway import State

from .model import FUNDING_PREFIX, WAITING_PREFIX, Model, numpy

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["TABLES", "Results"]

TABLES = ("occupancy", "flows", "waiting", "budget", "summary")
"""The names :meth:`Results.table` knows."""


def money(amount: float, currency: str) -> Money:
    """A float amount of an expectation as Money, rounded half-even to the minor unit."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return Money(Decimal(repr(float(amount))).quantize(exponent, ROUND_HALF_EVEN), currency)


@attrs.frozen(eq=False)
class Results:
    """One run of an engine; see the module documentation."""

    model: Model
    engine: str
    occupancy: NDArray[np.float64]
    flows: NDArray[np.float64]
    entered: NDArray[np.float64]
    costs: NDArray[np.float64]
    discounted: NDArray[np.float64]
    seed: int | None = None
    paid: Any = None
    committed: Any = None
    released: Any = None

    def __attrs_post_init__(self) -> None:
        for name in ("paid", "committed", "released"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, numpy().zeros_like(self.costs))

    @property
    def states(self) -> tuple[str, ...]:
        """The names of the states the arrays are indexed by."""
        return self.model.states

    @property
    def currency(self) -> str:
        return self.model.scenario.currency

    def _into(self, state: State) -> NDArray[np.float64]:
        j = self.model.index(state)
        return cast("NDArray[np.float64]", self.flows[:, :, j].sum(axis=1) - self.flows[:, j, j])

    def remissions(self) -> NDArray[np.float64]:
        """``(T,)`` people reaching sustained remission each month."""
        return self._into(State.SUSTAINED_REMISSION)

    def deaths(self) -> NDArray[np.float64]:
        """``(T,)`` deaths each month."""
        return self._into(State.DECEASED)

    def completed_courses(self) -> NDArray[np.float64]:
        """``(T,)`` people completing stage III (into stage IV from stage III) each month."""
        i = self.model.index(State.SOCIAL_REHABILITATION)
        j = self.model.index(State.RESOCIALIZATION)
        return self.flows[:, i, j]

    def _listed(self, prefix: str) -> NDArray[np.float64]:
        columns = [k for k, name in enumerate(self.states) if name.startswith(prefix)]
        if not columns:
            return cast("NDArray[np.float64]", numpy().zeros(self.occupancy.shape[0]))
        return cast("NDArray[np.float64]", self.occupancy[:, columns].sum(axis=1))

    def waiting(self) -> NDArray[np.float64]:
        """``(T,)`` people on all waiting lists for a place at the end of each month."""
        return self._listed(WAITING_PREFIX)

    def waiting_for_funding(self) -> NDArray[np.float64]:
        """``(T,)`` people waiting for a certificate the year's budget cannot cover yet,
        at the end of each month."""
        return self._listed(FUNDING_PREFIX)

    def certificates(self) -> NDArray[np.float64]:
        """``(T,)`` certificates issued each month (admissions to the certificate's state)."""
        model = self.model
        if model.certificate_state < 0 or model.face <= 0:
            return cast("NDArray[np.float64]", numpy().zeros(self.occupancy.shape[0]))
        return cast("NDArray[np.float64]", self.committed.sum(axis=1) / model.face)

    def total_cost(self, *, discounted: bool = False) -> Money:
        """Everything the horizon cost, all sources together."""
        values = self.discounted if discounted else self.costs
        return money(float(values.sum()), self.currency)

    def cost_per_remission(self, *, discounted: bool = False) -> Money | None:
        """Total cost divided by the remissions reached; ``None`` when there were none."""
        reached = float(self.remissions().sum())
        values = self.discounted if discounted else self.costs
        return money(float(values.sum()) / reached, self.currency) if reached > 0 else None

    def cost_per_completed_course(self, *, discounted: bool = False) -> Money | None:
        """Total cost divided by the courses completed; ``None`` when there were none."""
        done = float(self.completed_courses().sum())
        values = self.discounted if discounted else self.costs
        return money(float(values.sum()) / done, self.currency) if done > 0 else None

    def budget(self) -> tuple[dict[str, Any], ...]:
        """Rows by funding source and year of the scenario (named by the calendar year it
        starts in): the ``budget`` (``None`` when the source has none), the face values
        ``committed`` to certificates issued that year, what certificates were ``paid``
        and what was ``released`` that year, everything ``spent`` (certificates and
        other costs), and what is ``left``: the budget less the commitments when the
        scenario has a certificate, less the spending otherwise."""
        scenario = self.model.scenario
        rows = []
        for f, funder in enumerate(self.model.funders):
            for year in range(scenario.years):
                first, last = 12 * year, min(12 * year + 12, self.costs.shape[0])
                calendar = scenario.start.year + year  # the year of the scenario starts in

                def total(values: Any, f: int = f, first: int = first, last: int = last) -> Money:
                    return money(float(values[first:last, f].sum()), self.currency)

                spent, committed = total(self.costs), total(self.committed)
                planned = None
                if funder in scenario.budget:
                    planned = scenario.budget[funder].get(calendar, Money.zero(self.currency))
                used = committed if scenario.certificate is not None else spent
                rows.append(
                    {
                        "source": funder,
                        "year": calendar,
                        "budget": planned,
                        "committed": committed,
                        "paid": total(self.paid),
                        "released": total(self.released),
                        "spent": spent,
                        "left": None if planned is None else planned - used,
                    }
                )
        return tuple(rows)

    def summary(self) -> dict[str, Any]:
        """The figures of the run in one mapping, for a table or a report."""
        return {
            "engine": self.engine,
            "months": int(self.occupancy.shape[0]),
            "identified": float(self.entered.sum()),
            "completed_courses": float(self.completed_courses().sum()),
            "remissions": float(self.remissions().sum()),
            "in_remission_at_end": float(
                self.occupancy[-1, self.model.index(State.SUSTAINED_REMISSION)]
            ),
            "deaths": float(self.deaths().sum()),
            "waiting_at_end": float(self.waiting()[-1]),
            "waiting_peak": float(self.waiting().max()),
            "waiting_for_funding_peak": float(self.waiting_for_funding().max()),
            "certificates": float(self.certificates().sum()),
            "certificates_paid": money(float(self.paid.sum()), self.currency),
            "total_cost": self.total_cost(),
            "total_cost_discounted": self.total_cost(discounted=True),
            "cost_per_completed_course": self.cost_per_completed_course(),
            "cost_per_remission": self.cost_per_remission(),
        }

    def table(self, name: str, *, pandas: bool = False) -> Any:
        """Tidy rows of ``name`` (one of :data:`TABLES`): a tuple of dicts, or a pandas
        ``DataFrame`` with ``pandas=True`` (pandas must be installed)."""
        if name not in TABLES:
            from resocialize.errors import ValidationError

            raise ValidationError.at("name", f"must be one of {', '.join(TABLES)}, not {name!r}")
        rows: tuple[dict[str, Any], ...]
        if name == "occupancy":
            rows = tuple(
                {"month": t, "state": state, "people": float(self.occupancy[t, k])}
                for t in range(self.occupancy.shape[0])
                for k, state in enumerate(self.states)
            )
        elif name == "flows":
            np = numpy()
            rows = tuple(
                {
                    "month": int(t),
                    "from": self.states[int(i)],
                    "to": self.states[int(j)],
                    "people": float(self.flows[t, i, j]),
                }
                for t, i, j in zip(*np.nonzero(self.flows), strict=True)
                if i != j
            )
        elif name == "waiting":
            rows = tuple(
                {"month": t, "waiting": float(w), "waiting_for_funding": float(f)}
                for t, (w, f) in enumerate(
                    zip(self.waiting(), self.waiting_for_funding(), strict=True)
                )
            )
        elif name == "budget":
            rows = self.budget()
        else:
            rows = ({"figure": k, "value": v} for k, v in self.summary().items())  # type: ignore[assignment]
            rows = tuple(rows)
        if not pandas:
            return rows
        import importlib

        return importlib.import_module("pandas").DataFrame(list(rows))
