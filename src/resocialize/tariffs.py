"""Tariffs: how a certificate's face value is paid to a center, as data (CF-05).

A :class:`Tariff` says when and how much of a certificate is paid. Its
``schedule`` is either

- a :class:`TrancheSchedule`: shares of the face value, each paid when the
  client reaches a pathway :class:`Milestone` (admission, stage III completed,
  stage IV completed, a period without relapse, sustained remission), the shares
  summing to exactly 1; or
- a :class:`PerDiemSchedule`: a rate per day served, capped by a number of days
  and/or an amount; the center claims the days served (:attr:`Milestone.DAYS_SERVED`,
  counted by :func:`days_served`) as they accrue.

Its ``dropout`` rule (:class:`DropoutRule`) says what is paid when the client
drops out. Amounts are exact: tranche amounts are split with
:meth:`~resocialize.money.Money.allocate` and always sum to the face value.

>>> from resocialize.tariffs import default_tariffs, schedule_amounts, amount_due, Milestone
>>> rostov = default_tariffs()["rostov_certificate"]
>>> print(rostov.face_value)
180000.00 RUB
>>> [(t.milestone.value, t.months, str(m)) for t, m in schedule_amounts(rostov, rostov.face_value)]
[('admission', None, '54000.00 RUB'), ('stage_iii_completed', None, '72000.00 RUB'),
 ('no_relapse', 6, '54000.00 RUB')]
>>> moscow = default_tariffs()["moscow_per_diem"]
>>> face = Money.of("180000.00", "RUB")
>>> print(amount_due(moscow, face, Milestone.STAGE_III_COMPLETED, days_served=200))
180000.00 RUB

A milestone the tariff does not pay is refused with a reason:

>>> amount_due(rostov, rostov.face_value, Milestone.SUSTAINED_REMISSION)
Traceback (most recent call last):
...
resocialize.errors.RuleViolation: refused: tariff rostov_certificate pays nothing at
sustained_remission; it pays at: admission, stage_iii_completed, no_relapse (6 months)
[tariff.milestone_not_paid]

**The dropout rule.** When a client drops out, :func:`dropout_amount` pays the
part of the course served, pro rata, less what was paid already:

- *earned* is the face value times ``min(days_served, planned_days) / planned_days``
  for a tranche schedule, or the per-diem amount for ``min(days_served,
  planned_days)`` days for a per-diem schedule, rounded down to the minor unit;
- the total paid for the course (tranches so far plus the dropout payment) may
  reach at most ``min(earned, cap_share x face value, face value)``;
- the dropout payment is that limit less ``paid_so_far``, and never negative:
  money already paid is not clawed back here;
- before ``min_days`` days served nothing is paid; a tariff without a dropout
  rule pays nothing on dropout.

So it is monotone in the days served and never takes the total above the cap
or the face value.

**Milestones from the pathway.** :func:`milestones_reached` reads a case's
history and says which milestones a center reached, with the date of each;
:func:`days_served` counts the days the client spent in stages III-IV with a
center in a window of dates.

**Files.** :func:`tariffs_from_toml` and :func:`tariffs_from_json` read tariffs,
reporting every problem with its path (``tariffs[1].schedule.tranches[2].share``)
and loading nothing when any is bad; :func:`default_tariffs` reads the examples
shipped in ``resocialize/data/tariffs.toml``.
"""

from __future__ import annotations

import enum
import functools
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from importlib import resources
from types import MappingProxyType
from typing import ClassVar, Final

import attrs

from . import _documents
from ._checks import (
    Checked,
    Problems,
    checked,
    date_problem,
    instance_problem,
    kind_of,
    member_problem,
    optional,
    text_problem,
)
from .errors import RuleViolation, ValidationError
from .guards import add_months
from .money import Money, minor_units
from .pathway import Case, Event, State
from .records import Placement
from .rules import Reason

__all__ = [
    "MAX_DAYS",
    "MAX_MONTHS",
    "MILESTONE_EVENTS",
    "DropoutRule",
    "Milestone",
    "MilestoneReached",
    "PerDiemSchedule",
    "Schedule",
    "Tariff",
    "Tranche",
    "TrancheSchedule",
    "amount_due",
    "days_served",
    "default_tariffs",
    "dropout_amount",
    "milestones_reached",
    "schedule_amounts",
    "tariffs_from_json",
    "tariffs_from_toml",
    "tariffs_to_json",
]

MAX_MONTHS: Final = 120
"""The longest period without relapse a tranche may wait for, in months."""

MAX_DAYS: Final = 3650
"""The most days a per-diem cap, a planned course or a dropout threshold may count."""

_CODE: Final = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_CURRENCY: Final = re.compile(r"^[A-Z]{3}$")


class Milestone(enum.StrEnum):
    """A pathway event a payment can be tied to."""

    ADMISSION = "admission"
    """Admitted to the center at stage III (``admit``, or ``transfer`` into the center)."""
    STAGE_III_COMPLETED = "stage_iii_completed"
    """Social rehabilitation completed (``complete_rehabilitation``)."""
    STAGE_IV_COMPLETED = "stage_iv_completed"
    """Resocialization completed (``complete_resocialization``)."""
    NO_RELAPSE = "no_relapse"
    """A number of months in stages IV/V without relapse: payment for results."""
    SUSTAINED_REMISSION = "sustained_remission"
    """Sustained remission reached (``achieve_remission``)."""
    DAYS_SERVED = "days_served"
    """A per-diem claim: the days served with the center since the last per-diem payment
    on the certificate (:func:`days_served`); never a tranche, never "reached"."""
    DROPOUT = "dropout"
    """The client dropped out (``drop_out``) while with the center: the partial payment
    of the tariff's :class:`DropoutRule`; never a tranche."""


_NOT_TRANCHES: Final = frozenset({Milestone.DAYS_SERVED, Milestone.DROPOUT})
"""Milestones paid by the day or by the dropout rule, never by a tranche."""


MILESTONE_EVENTS: Final[Mapping[Milestone, tuple[Event, ...]]] = MappingProxyType(
    {
        Milestone.ADMISSION: (Event.ADMIT, Event.TRANSFER),
        Milestone.STAGE_III_COMPLETED: (Event.COMPLETE_REHABILITATION,),
        Milestone.STAGE_IV_COMPLETED: (Event.COMPLETE_RESOCIALIZATION,),
        Milestone.NO_RELAPSE: (),
        Milestone.SUSTAINED_REMISSION: (Event.ACHIEVE_REMISSION,),
        Milestone.DAYS_SERVED: (),
        Milestone.DROPOUT: (Event.DROP_OUT,),
    }
)
"""The history events that reach each milestone; ``no_relapse`` is reached by time passing,
``days_served`` is never reached (days are counted by :func:`days_served`)."""

_OF_EVENT: Final[Mapping[Event, Milestone]] = {
    event: milestone for milestone, events in MILESTONE_EVENTS.items() for event in events
}


# --- field checks ----------------------------------------------------------------------------


def _int_problem(low: int, high: int) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, not {kind_of(value)}"
        if not low <= value <= high:
            return f"must be from {low} to {high}, not {value}"
        return None

    return check


def _share_problem(*, zero: bool) -> Callable[[object], str | None]:
    low = "0" if zero else "above 0"

    def check(value: object) -> str | None:
        if not isinstance(value, Decimal):
            hint = f"; use Decimal({str(value)!r})" if isinstance(value, float) else ""
            return f"must be a Decimal fraction, not {type(value).__name__}{hint}"
        if not value.is_finite() or value > 1 or value < 0 or (not zero and value == 0):
            return f"must be a fraction from {low} to 1, not {value}"
        return None

    return check


def _amount_problem(value: object) -> str | None:
    """Why ``value`` is not a positive amount of Money in whole minor units."""
    if not isinstance(value, Money):
        return f"must be Money, not {type(value).__name__}"
    if not value.is_positive:
        return f"must be above zero, not {value.amount}"
    if value.rounded() != value:
        return (
            f"must be in whole minor units ({minor_units(value.currency)} decimal places "
            f"for {value.currency}), not {value}"
        )
    return None


def _code_problem(value: object) -> str | None:
    if isinstance(value, str) and _CODE.match(value):
        return None
    return f"must be dotted lower-case words like 'moscow_per_diem', not {value!r}"


def _currency_problem(value: object) -> str | None:
    if isinstance(value, str) and _CURRENCY.match(value):
        return None
    return f"must be an ISO 4217 code of 3 upper-case letters like 'RUB', not {value!r}"


def _as_tuple(value: object) -> object:
    """Lists become tuples; anything else is left for the check to report."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _units(money: Money) -> int:
    """The amount in minor units (exact for amounts in whole minor units)."""
    return int(money.amount.scaleb(minor_units(money.currency)))


def _money(units: int, currency: str) -> Money:
    return Money(Decimal(units).scaleb(-minor_units(currency)), currency)


# --- values ----------------------------------------------------------------------------------


@attrs.frozen
class Tranche(Checked):
    """A share of the face value paid when a milestone is reached.

    ``months`` is the period without relapse for :attr:`Milestone.NO_RELAPSE`, and
    only for it.

    >>> Tranche(Milestone.NO_RELAPSE, Decimal("0.3"), months=6).key
    (<Milestone.NO_RELAPSE: 'no_relapse'>, 6)
    >>> Tranche(Milestone.NO_RELAPSE, Decimal("1.3"))
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: share: must be a fraction from above 0
    to 1, not 1.3
    """

    milestone: Milestone = attrs.field(metadata=checked(member_problem(Milestone)))
    share: Decimal = attrs.field(metadata=checked(_share_problem(zero=False)))
    months: int | None = attrs.field(
        default=None, metadata=checked(optional(_int_problem(1, MAX_MONTHS)))
    )

    def _more_problems(self, problems: Problems) -> None:
        if self.milestone is Milestone.NO_RELAPSE and self.months is None:
            problems.add("months", "is required for no_relapse: the months without relapse")
        if self.milestone is not Milestone.NO_RELAPSE and self.months is not None:
            problems.add("months", f"is only for no_relapse, not for {self.milestone.value}")

    @property
    def key(self) -> tuple[Milestone, int | None]:
        """What the tranche pays for: the milestone and, for ``no_relapse``, the months."""
        return (self.milestone, self.months)

    def __str__(self) -> str:
        return _label(self.milestone, self.months)


def _label(milestone: Milestone, months: int | None) -> str:
    return milestone.value if months is None else f"{milestone.value} ({months} months)"


def _tranches_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return f"must be a sequence of Tranche, not {type(value).__name__}"
    if not value:
        return "must not be empty"
    return None


@attrs.frozen
class TrancheSchedule(Checked):
    """Tranches of the face value, tied to milestones; the shares sum to exactly 1.

    ``days_served`` and ``dropout`` are never tranches.

    >>> TrancheSchedule([Tranche(Milestone.ADMISSION, Decimal("0.3")),
    ...                  Tranche(Milestone.STAGE_III_COMPLETED, Decimal("0.6"))])
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: tranches: the shares sum to 0.9, not 1
    """

    kind: ClassVar[str] = "tranches"
    tranches: tuple[Tranche, ...] = attrs.field(
        converter=_as_tuple,
        metadata=checked(_tranches_problem),
    )

    def _more_problems(self, problems: Problems) -> None:
        first: dict[tuple[Milestone, int | None], int] = {}
        for i, tranche in enumerate(self.tranches):
            if not isinstance(tranche, Tranche):
                problems.add(f"tranches[{i}]", f"must be a Tranche, not {type(tranche).__name__}")
            elif tranche.milestone in _NOT_TRANCHES:
                problems.add(
                    f"tranches[{i}].milestone",
                    f"{tranche.milestone.value} is not paid in tranches: days served are paid "
                    "by a per_diem schedule, a dropout by the tariff's dropout rule",
                )
            elif tranche.key in first:
                problems.add(
                    f"tranches[{i}]",
                    f"pays {tranche} again; it is paid at tranches[{first[tranche.key]}]",
                )
            else:
                first[tranche.key] = i
        if problems.items:
            return
        total = sum((t.share for t in self.tranches), Decimal(0))
        if total != 1:
            problems.add("tranches", f"the shares sum to {total}, not 1")

    @property
    def no_relapse_months(self) -> tuple[int, ...]:
        """The periods without relapse the tranches wait for, shortest first."""
        return tuple(sorted(t.months for t in self.tranches if t.months is not None))


def _cap_days_problem(value: object) -> str | None:
    return None if value is None else _int_problem(1, MAX_DAYS)(value)


@attrs.frozen
class PerDiemSchedule(Checked):
    """A rate per day served, capped by ``max_days`` and/or an amount ``cap``.

    >>> daily = PerDiemSchedule(Money.of("1000.00", "RUB"), max_days=180)
    >>> print(daily.amount_for_days(30), daily.amount_for_days(400))
    30000.00 RUB 180000.00 RUB
    """

    kind: ClassVar[str] = "per_diem"
    rate: Money = attrs.field(metadata=checked(_amount_problem))
    max_days: int | None = attrs.field(default=None, metadata=checked(_cap_days_problem))
    cap: Money | None = attrs.field(default=None, metadata=checked(optional(_amount_problem)))

    def _more_problems(self, problems: Problems) -> None:
        if self.max_days is None and self.cap is None:
            problems.add("max_days", "a per-diem schedule needs max_days, a cap or both")
        if self.cap is not None and self.cap.currency != self.rate.currency:
            problems.add("cap", f"is in {self.cap.currency}, the rate in {self.rate.currency}")

    def amount_for_days(self, days: int) -> Money:
        """The rate times ``days`` (at most ``max_days``), at most ``cap``."""
        problem = _int_problem(0, 10**9)(days)
        if problem is not None:
            raise ValidationError.at("days", problem)
        counted = days if self.max_days is None else min(days, self.max_days)
        amount = self.rate * counted
        if self.cap is not None and amount > self.cap:
            return self.cap
        return amount


Schedule = TrancheSchedule | PerDiemSchedule
"""A tariff's payment schedule."""


def _schedule_problem(value: object) -> str | None:
    if isinstance(value, TrancheSchedule | PerDiemSchedule):
        return None
    return f"must be a TrancheSchedule or a PerDiemSchedule, not {type(value).__name__}"


@attrs.frozen
class DropoutRule(Checked):
    """What is paid when the client drops out: pro rata by days served, capped.

    ``cap_share`` is the most of the face value the course may cost in all when the
    client drops out; nothing is paid before ``min_days`` days served. See the module
    documentation for the rule.
    """

    cap_share: Decimal = attrs.field(metadata=checked(_share_problem(zero=True)))
    min_days: int = attrs.field(default=0, metadata=checked(_int_problem(0, MAX_DAYS)))


@attrs.frozen
class Tariff(Checked):
    """A payment scheme: code, description, currency, schedule and dropout rule.

    ``face_value`` is the standard face value of a certificate under this tariff,
    where the program sets one; the certificate's own face value is what is paid.
    """

    code: str = attrs.field(metadata=checked(_code_problem))
    description: str = attrs.field(metadata=checked(text_problem))
    currency: str = attrs.field(metadata=checked(_currency_problem))
    schedule: Schedule = attrs.field(metadata=checked(_schedule_problem))
    dropout: DropoutRule | None = attrs.field(
        default=None, metadata=checked(optional(instance_problem(DropoutRule)))
    )
    face_value: Money | None = attrs.field(
        default=None, metadata=checked(optional(_amount_problem))
    )

    def _more_problems(self, problems: Problems) -> None:
        schedule = self.schedule
        if isinstance(schedule, PerDiemSchedule) and schedule.rate.currency != self.currency:
            problems.add(
                "schedule.rate", f"is in {schedule.rate.currency}, the tariff in {self.currency}"
            )
        if self.face_value is not None and self.face_value.currency != self.currency:
            problems.add(
                "face_value", f"is in {self.face_value.currency}, the tariff in {self.currency}"
            )

    @property
    def no_relapse_months(self) -> tuple[int, ...]:
        """The periods without relapse this tariff pays for (for :func:`milestones_reached`)."""
        if isinstance(self.schedule, TrancheSchedule):
            return self.schedule.no_relapse_months
        return ()


# --- amounts ---------------------------------------------------------------------------------


def _face_problems(tariff: object, face_value: object, problems: Problems) -> None:
    problems.check("tariff", instance_problem(Tariff)(tariff))
    problem = _amount_problem(face_value)
    if (
        problem is None
        and isinstance(tariff, Tariff)
        and isinstance(face_value, Money)
        and face_value.currency != tariff.currency
    ):
        problem = f"is in {face_value.currency}, the tariff {tariff.code} in {tariff.currency}"
    problems.check("face_value", problem)


def schedule_amounts(tariff: Tariff, face_value: Money) -> tuple[tuple[Tranche, Money], ...]:
    """Every tranche of a tranche tariff with its amount; the amounts sum to ``face_value``.

    A per-diem tariff has no tranches, and is refused with
    :class:`~resocialize.errors.ValidationError`.
    """
    problems = Problems()
    _face_problems(tariff, face_value, problems)
    if isinstance(tariff, Tariff) and not isinstance(tariff.schedule, TrancheSchedule):
        problems.add("tariff", f"{tariff.code} pays per day, not in tranches; use amount_due")
    problems.raise_if_any()
    assert isinstance(tariff.schedule, TrancheSchedule)
    tranches = tariff.schedule.tranches
    return tuple(zip(tranches, face_value.allocate([t.share for t in tranches]), strict=True))


def _milestone(value: object) -> Milestone | None:
    if isinstance(value, Milestone):
        return value
    if isinstance(value, str):
        try:
            return Milestone(value)
        except ValueError:
            return None
    return None


def amount_due(
    tariff: Tariff,
    face_value: Money,
    milestone: Milestone | str,
    *,
    months: int | None = None,
    days_served: int | None = None,
) -> Money:
    """What the tariff pays for ``milestone`` on a certificate of ``face_value``.

    For a tranche tariff: the amount of the milestone's tranche (``months`` names the
    ``no_relapse`` tranche). A milestone the tariff does not pay is refused with
    :class:`~resocialize.errors.RuleViolation` (``tariff.milestone_not_paid``).

    For a per-diem tariff: the total earned by ``days_served`` days, cumulative and
    capped by the schedule and the face value, whatever the milestone it is billed at
    (a center claims it as ``days_served``); the payer pays it less what was paid
    already. A tranche tariff pays nothing at ``days_served``.

    >>> from resocialize.tariffs import default_tariffs
    >>> rostov = default_tariffs()["rostov_certificate"]
    >>> print(amount_due(rostov, Money.of(100_000, "RUB"), "no_relapse", months=6))
    30000.00 RUB
    """
    problems = Problems()
    _face_problems(tariff, face_value, problems)
    checked_milestone = _milestone(milestone)
    if checked_milestone is None:
        known = ", ".join(m.value for m in Milestone)
        problems.add("milestone", f"must be one of {known}, not {milestone!r}")
    problems.check("months", optional(_int_problem(1, MAX_MONTHS))(months))
    problems.check("days_served", optional(_int_problem(0, 10**9))(days_served))
    if months is not None and checked_milestone not in (None, Milestone.NO_RELAPSE):
        problems.add("months", "is only for no_relapse")
    if isinstance(tariff, Tariff):
        if isinstance(tariff.schedule, PerDiemSchedule) and days_served is None:
            problems.add("days_served", f"is required: {tariff.code} pays per day served")
        if (
            isinstance(tariff.schedule, TrancheSchedule)
            and checked_milestone is Milestone.NO_RELAPSE
            and months is None
        ):
            problems.add("months", "is required for no_relapse: which period without relapse")
    problems.raise_if_any()
    assert checked_milestone is not None
    schedule = tariff.schedule
    if isinstance(schedule, PerDiemSchedule):
        assert days_served is not None
        earned = schedule.amount_for_days(days_served)
        return face_value if earned > face_value else earned
    key = (checked_milestone, months)
    for tranche, amount in schedule_amounts(tariff, face_value):
        if tranche.key == key:
            return amount
    paid = ", ".join(str(t) for t in schedule.tranches)
    raise RuleViolation(
        [
            Reason(
                "tariff.milestone_not_paid",
                f"tariff {tariff.code} pays nothing at {_label(*key)}; it pays at: {paid}",
                {"tariff": tariff.code, "milestone": checked_milestone.value, "months": months},
            )
        ]
    )


def dropout_amount(
    tariff: Tariff, face_value: Money, *, days_served: int, planned_days: int, paid_so_far: Money
) -> Money:
    """What is paid when the client drops out after ``days_served`` of ``planned_days``.

    Pro rata by days served, so that the total paid for the course (``paid_so_far``
    plus this) stays within the dropout rule's cap and the face value; never negative.
    See the module documentation for the rule.

    >>> from resocialize.tariffs import default_tariffs
    >>> rostov = default_tariffs()["rostov_certificate"]
    >>> face = rostov.face_value
    >>> print(dropout_amount(rostov, face, days_served=60, planned_days=180,
    ...                      paid_so_far=Money.of(54_000, "RUB")))
    6000.00 RUB
    >>> print(dropout_amount(rostov, face, days_served=170, planned_days=180,
    ...                      paid_so_far=Money.of(54_000, "RUB")))
    36000.00 RUB
    """
    problems = Problems()
    _face_problems(tariff, face_value, problems)
    problems.check("days_served", _int_problem(0, 10**9)(days_served))
    problems.check("planned_days", _int_problem(1, MAX_DAYS)(planned_days))
    paid_problem = None
    if not isinstance(paid_so_far, Money):
        paid_problem = f"must be Money, not {type(paid_so_far).__name__}"
    elif paid_so_far.is_negative:
        paid_problem = f"must not be negative, not {paid_so_far}"
    elif paid_so_far.rounded() != paid_so_far:
        paid_problem = f"must be in whole minor units, not {paid_so_far}"
    elif isinstance(face_value, Money) and paid_so_far.currency != face_value.currency:
        paid_problem = f"is in {paid_so_far.currency}, the face value in {face_value.currency}"
    elif isinstance(face_value, Money) and paid_so_far > face_value:
        paid_problem = f"{paid_so_far} is above the face value {face_value}"
    problems.check("paid_so_far", paid_problem)
    problems.raise_if_any()
    currency = face_value.currency
    rule = tariff.dropout
    if rule is None or days_served < rule.min_days:
        return _money(0, currency)
    days = min(days_served, planned_days)
    face = _units(face_value)
    schedule = tariff.schedule
    if isinstance(schedule, PerDiemSchedule):
        earned = _units(schedule.amount_for_days(days))
    else:
        earned = face * days // planned_days
    ceiling = int(Fraction(face) * Fraction(rule.cap_share))  # floor: both are >= 0
    allowed = min(earned, ceiling, face)
    return _money(max(0, allowed - _units(paid_so_far)), currency)


# --- milestones from the pathway -------------------------------------------------------------


@attrs.frozen
class MilestoneReached:
    """A milestone a center reached on a case, and the date it was reached.

    ``months`` is the period without relapse, for ``no_relapse`` only.
    """

    milestone: Milestone
    on: date
    months: int | None = None

    @property
    def key(self) -> tuple[Milestone, int | None]:
        """What was reached, as :attr:`Tranche.key` says what a tranche pays for."""
        return (self.milestone, self.months)


_IN_SERVICE: Final = frozenset(
    {State.SOCIAL_REHABILITATION, State.RESOCIALIZATION, State.PATRONAGE, State.SUSTAINED_REMISSION}
)
_STAGES_IV_V: Final = frozenset({State.RESOCIALIZATION, State.PATRONAGE, State.SUSTAINED_REMISSION})


def _months_problems(value: object, problems: Problems) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        problems.add("no_relapse_months", f"must be a sequence of whole months, not {value!r}")
        return ()
    items = tuple(value)
    for i, item in enumerate(items):
        problems.check(f"no_relapse_months[{i}]", _int_problem(1, MAX_MONTHS)(item))
    return tuple(sorted(set(items))) if not problems.items else ()


def milestones_reached(
    case: Case,
    center_id: str,
    *,
    as_of: date,
    no_relapse_months: Iterable[int] = (6,),
) -> tuple[MilestoneReached, ...]:
    """The milestones ``center_id`` reached on ``case`` by ``as_of``, in date order.

    The center is in charge of the client from an ``admit`` or ``transfer`` into it
    until the client is transferred elsewhere or leaves stages III-V (relapse,
    dropout, consent withdrawn, custody, moved away, death). It reaches:

    - ``admission`` on each admission or transfer into it;
    - ``stage_iii_completed``, ``stage_iv_completed`` and ``sustained_remission`` on
      those events while it is in charge;
    - ``no_relapse`` for each of ``no_relapse_months`` (pass
      :attr:`Tariff.no_relapse_months`): that many months after the client entered
      stage IV while placed with it, if the client stayed in stages IV/V all that
      time (leaving them on the due date, by relapse or otherwise, does not count).

    The date is the calendar date of the history entry, in the entry's own timezone.
    """
    problems = Problems()
    problems.check("case", instance_problem(Case)(case))
    problems.check("center_id", text_problem(center_id))
    problems.check("as_of", date_problem(as_of))
    months = _months_problems(no_relapse_months, problems)
    problems.raise_if_any()
    found: list[MilestoneReached] = []
    placed: str | None = None
    run: tuple[date, str | None] | None = None

    def close(start: date, center: str | None, end: date | None) -> None:
        if center != center_id:
            return
        for period in months:
            due = add_months(start, period)
            if due <= as_of and (end is None or due < end):
                found.append(MilestoneReached(Milestone.NO_RELAPSE, due, period))

    for entry in case.history:
        day = entry.at.date()
        if entry.event in (Event.ADMIT, Event.TRANSFER) and isinstance(entry.record, Placement):
            placed = entry.record.center_id
        milestone = _OF_EVENT.get(entry.event)
        if milestone is not None and placed == center_id and day <= as_of:
            found.append(MilestoneReached(milestone, day))
        was_in, now_in = entry.source in _STAGES_IV_V, entry.target in _STAGES_IV_V
        if now_in and not was_in:
            run = (day, placed)
        elif was_in and not now_in and run is not None:
            close(*run, day)
            run = None
        if entry.target not in _IN_SERVICE:
            placed = None
    if run is not None:
        close(*run, None)
    found.sort(key=lambda reached: reached.on)
    return tuple(found)


_STAGES_III_IV: Final = frozenset({State.SOCIAL_REHABILITATION, State.RESOCIALIZATION})


def _stays(case: Case, center_id: str) -> list[tuple[int, int | None]]:
    """The stays in stages III-IV placed with ``center_id``, as day ordinals: the first day
    and the day left (not counted), ``None`` for a stay still open."""
    stays: list[tuple[int, int | None]] = []
    placed: str | None = None
    start: int | None = None
    for entry in case.history:
        day = entry.at.date().toordinal()
        if entry.event in (Event.ADMIT, Event.TRANSFER) and isinstance(entry.record, Placement):
            placed = entry.record.center_id
        if entry.target not in _IN_SERVICE:
            placed = None
        counted = entry.target in _STAGES_III_IV and placed == center_id
        if counted and start is None:
            start = day
        elif not counted and start is not None:
            stays.append((start, day))
            start = None
    if start is not None:
        stays.append((start, None))
    return stays


def days_served(case: Case, center_id: str, *, after: date | None, through: date) -> int:
    """The days the client spent in stages III-IV placed with ``center_id``, counting the
    days after ``after`` (every day before when it is ``None``) up to ``through``.

    A day counts when the client was in social rehabilitation or resocialization
    (stages III, IV) with the center placed by the last ``admit`` or ``transfer``
    (as :func:`milestones_reached` tracks it). A stay entered on day *a* and left on
    day *b* counts the days *a* to *b* - 1 (a transfer's day is the new center's);
    a stay still open counts through ``through``. Days are the calendar dates of the
    history entries, in their own timezones; a day is never counted twice. A window
    with ``after`` on or after ``through`` is empty.

    >>> from datetime import datetime, timezone
    >>> from resocialize.pathway import HistoryEntry
    >>> from resocialize.records import Origin
    >>> def at(day):
    ...     return datetime(2026, 3, day, 9, 0, tzinfo=timezone.utc)
    >>> history = (
    ...     HistoryEntry(at(2), "agency-1", Event.ADMIT, State.TREATMENT,
    ...                  State.SOCIAL_REHABILITATION, record=Placement("c-1", "cert-1", "sc-1")),
    ...     HistoryEntry(at(12), "c-1", Event.DROP_OUT, State.SOCIAL_REHABILITATION,
    ...                  State.DROPPED_OUT),
    ... )
    >>> case = Case("case-1", "cl-1", State.DROPPED_OUT, at(12), Origin.COMMUNITY, (),
    ...             history=history)
    >>> days_served(case, "c-1", after=None, through=date(2026, 3, 31))  # 2 to 11 March
    10
    >>> days_served(case, "c-1", after=date(2026, 3, 6), through=date(2026, 3, 9))
    3
    """
    problems = Problems()
    problems.check("case", instance_problem(Case)(case))
    problems.check("center_id", text_problem(center_id))
    problems.check("after", optional(date_problem)(after))
    problems.check("through", date_problem(through))
    problems.raise_if_any()
    last = through.toordinal()
    first = 1 if after is None else after.toordinal() + 1  # the first day counted
    spans = sorted(
        (max(start, first), min(last + 1 if end is None else end, last + 1))
        for start, end in _stays(case, center_id)
    )
    total = 0
    reached = first  # the first day not yet counted
    for start, end in spans:
        start = max(start, reached)
        if end > start:
            total += end - start
            reached = end
    return total


# --- reading files ---------------------------------------------------------------------------

_TOP: Final = ("tariffs",)
_TARIFF: Final = ("code", "description", "currency", "face_value", "schedule", "dropout")
_TARIFF_REQUIRED: Final = ("code", "description", "currency", "schedule")
_SCHEDULES: Final = {
    "tranches": (("kind", "tranches"), ("kind", "tranches")),
    "per_diem": (("kind", "rate", "max_days", "cap"), ("kind", "rate")),
}
_TRANCHE: Final = (("milestone", "share", "months"), ("milestone", "share"))
_DROPOUT: Final = (("cap_share", "min_days"), ("cap_share",))
# The currency nested amounts are read in when the tariff's own currency is bad (that is
# reported at the tariff), so that their other checks still run: ISO 4217 "no currency".
_NO_CURRENCY: Final = "XXX"


class _Reader(_documents.Reader):
    """Reads one document, collecting every problem with its path."""

    def decimal(self, raw: object, path: str) -> Decimal | _documents.Bad:
        if isinstance(raw, float):
            self.add(
                path, f"must not be a float: write a decimal number as a string, such as '{raw!r}'"
            )
            return _documents.BAD
        if isinstance(raw, int) and not isinstance(raw, bool):
            return Decimal(raw)
        if isinstance(raw, str):
            try:
                number = Decimal(raw.strip().replace("_", ""))
            except InvalidOperation:
                number = Decimal("NaN")
            if number.is_finite():
                return number
            self.add(path, f"must be a decimal number such as '0.30', not {raw!r}")
            return _documents.BAD
        self.add(path, f"must be a decimal number written as a string, not {self.kind(raw)}")
        return _documents.BAD

    def money(self, raw: object, path: str, currency: str) -> Money | _documents.Bad:
        number = self.decimal(raw, path)
        return _documents.BAD if isinstance(number, _documents.Bad) else Money(number, currency)

    def integer(self, raw: object, path: str) -> int | _documents.Bad:
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.add(path, f"must be a whole number, not {self.kind(raw)}")
            return _documents.BAD
        return raw

    def milestone(self, raw: object, path: str) -> Milestone | _documents.Bad:
        found = _milestone(raw)
        if found is None:
            known = ", ".join(m.value for m in Milestone)
            self.add(path, f"unknown milestone {raw!r}; known: {known}")
            return _documents.BAD
        return found

    # -- the document -------------------------------------------------------------------

    def document(self, data: object) -> Mapping[str, Tariff]:
        top = self.table(data, "$", _TOP, _TOP)
        tariffs: dict[str, Tariff] = {}
        if top is None or "tariffs" not in top:
            raise ValidationError(self.problems)
        raw = top["tariffs"]
        if not isinstance(raw, list | tuple) or not raw:
            word = "an array of tables" if self.toml else "a non-empty array of objects"
            self.add("tariffs", f"must be {word}, not {self.kind(raw)}")
            raise ValidationError(self.problems)
        first: dict[str, int] = {}
        for i, item in enumerate(raw):
            path = f"tariffs[{i}]"
            tariff = self.tariff(item, path)
            code = item.get("code") if isinstance(item, Mapping) else None
            if isinstance(code, str):
                if code in first:
                    self.add(
                        f"{path}.code", f"duplicate code {code!r}; first at tariffs[{first[code]}]"
                    )
                else:
                    first[code] = i
            if isinstance(tariff, Tariff):
                tariffs.setdefault(tariff.code, tariff)
        if self.problems:
            raise ValidationError(self.problems)
        return MappingProxyType(tariffs)

    def tariff(self, raw: object, path: str) -> Tariff | _documents.Bad:
        table = self.table(raw, path, _TARIFF, _TARIFF_REQUIRED)
        if table is None:
            return _documents.BAD
        currency = table.get("currency")
        nested = currency if _currency_problem(currency) is None else _NO_CURRENCY
        assert isinstance(nested, str)
        face: object = None
        if "face_value" in table:
            face = self.money(table["face_value"], f"{path}.face_value", nested)
        schedule: object = _documents.BAD
        if "schedule" in table:
            schedule = self.schedule(table["schedule"], f"{path}.schedule", nested)
        dropout: object = None
        if "dropout" in table:
            dropout = self.dropout(table["dropout"], f"{path}.dropout")
        values = {
            "code": table.get("code", _documents.BAD),
            "description": table.get("description", _documents.BAD),
            "currency": table.get("currency", _documents.BAD),
            "schedule": schedule,
            "dropout": dropout,
            "face_value": face,
        }
        return self.build(Tariff, path, **values)  # type: ignore[no-any-return]

    def schedule(self, raw: object, path: str, currency: str) -> object:
        if not isinstance(raw, Mapping):
            self.table(raw, path, ("kind",), ())
            return _documents.BAD
        kind = raw.get("kind")
        if kind not in _SCHEDULES:
            if "kind" not in raw:
                self.add(f"{path}.kind", "missing: tranches or per_diem")
            else:
                self.add(f"{path}.kind", f"must be tranches or per_diem, not {kind!r}")
            return _documents.BAD
        fields, required = _SCHEDULES[kind]
        table = self.table(raw, path, fields, required)
        if table is None:  # pragma: no cover - checked above
            return _documents.BAD
        if kind == "per_diem":
            values: dict[str, object] = {
                "rate": self.money(table["rate"], f"{path}.rate", currency)
                if "rate" in table
                else _documents.BAD,
                "max_days": self.integer(table["max_days"], f"{path}.max_days")
                if "max_days" in table
                else None,
                "cap": self.money(table["cap"], f"{path}.cap", currency)
                if "cap" in table
                else None,
            }
            return self.build(PerDiemSchedule, path, **values)
        items = table.get("tranches")
        if "tranches" not in table:
            return _documents.BAD
        if not isinstance(items, list | tuple):
            self.add(f"{path}.tranches", f"must be an array of tables, not {self.kind(items)}")
            return _documents.BAD
        tranches = [self.tranche(item, f"{path}.tranches[{j}]") for j, item in enumerate(items)]
        if any(isinstance(t, _documents.Bad) for t in tranches):
            return _documents.BAD
        return self.build(TrancheSchedule, path, tranches=tranches)

    def tranche(self, raw: object, path: str) -> object:
        table = self.table(raw, path, *_TRANCHE)
        if table is None:
            return _documents.BAD
        values: dict[str, object] = {
            "milestone": self.milestone(table["milestone"], f"{path}.milestone")
            if "milestone" in table
            else _documents.BAD,
            "share": self.decimal(table["share"], f"{path}.share")
            if "share" in table
            else _documents.BAD,
            "months": self.integer(table["months"], f"{path}.months")
            if "months" in table
            else None,
        }
        return self.build(Tranche, path, **values)

    def dropout(self, raw: object, path: str) -> object:
        table = self.table(raw, path, *_DROPOUT)
        if table is None:
            return _documents.BAD
        values: dict[str, object] = {
            "cap_share": self.decimal(table["cap_share"], f"{path}.cap_share")
            if "cap_share" in table
            else _documents.BAD,
        }
        if "min_days" in table:
            values["min_days"] = self.integer(table["min_days"], f"{path}.min_days")
        return self.build(DropoutRule, path, **values)


def _text_of(value: object, what: str) -> None:
    if not isinstance(value, str | bytes):
        raise ValidationError.at("$", f"must be {what} text, not {kind_of(value)}")


def tariffs_from_toml(text: str) -> Mapping[str, Tariff]:
    """Read tariffs from TOML text: ``[[tariffs]]`` tables, by code in the file's order.

    Amounts and shares are decimal strings (``"1000.00"``, ``"0.30"``) in the tariff's
    currency; floats are refused. Every problem is reported at once with its path, and
    nothing is loaded when any is bad:

    >>> tariffs_from_toml('''
    ... [[tariffs]]
    ... code = "north"
    ... description = "halves"
    ... currency = "RUB"
    ... schedule = { kind = "tranches", tranches = [
    ...     { milestone = "admission", share = "0.5" },
    ...     { milestone = "graduation", share = "0.5" },
    ...     { milestone = "no_relapse", share = 0.25, months = 6 },
    ... ] }
    ... dropout = { cap_share = "0.5", colour = "red" }
    ... ''')
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input:
    tariffs[0].schedule.tranches[1].milestone: unknown milestone 'graduation'; known: ...;
    tariffs[0].schedule.tranches[2].share: must not be a float: write a decimal number as
    a string, such as '0.25';
    tariffs[0].dropout.colour: unknown field; known: cap_share, min_days
    """
    if not isinstance(text, str):
        raise ValidationError.at("$", f"must be TOML text, not {kind_of(text, toml=True)}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValidationError.at("$", f"is not valid TOML: {err}") from None
    return _Reader(toml=True).document(data)


def tariffs_from_json(text: str | bytes) -> Mapping[str, Tariff]:
    """Read tariffs from JSON of the same shape as the TOML:
    ``{"tariffs": [{"code": ..., "schedule": {"kind": ...}, ...}]}``.

    >>> tariffs_from_json(tariffs_to_json(default_tariffs())) == default_tariffs()
    True
    """
    _text_of(text, "JSON")
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ValidationError.at("$", f"is not valid JSON: {err}") from None
    return _Reader(toml=False).document(data)


@functools.cache
def default_tariffs() -> Mapping[str, Tariff]:
    """The example tariffs shipped with the package (``resocialize/data/tariffs.toml``).

    >>> list(default_tariffs())
    ['moscow_per_diem', 'rostov_certificate', 'access_to_recovery_rate']
    """
    text = resources.files("resocialize").joinpath("data/tariffs.toml").read_text("utf-8")
    return tariffs_from_toml(text)


def _plain(tariff: Tariff) -> dict[str, object]:
    schedule = tariff.schedule
    plain: dict[str, object]
    if isinstance(schedule, TrancheSchedule):
        tranches: list[dict[str, object]] = []
        for t in schedule.tranches:
            item: dict[str, object] = {"milestone": t.milestone.value, "share": str(t.share)}
            if t.months is not None:
                item["months"] = t.months
            tranches.append(item)
        plain = {"kind": schedule.kind, "tranches": tranches}
    else:
        plain = {"kind": schedule.kind, "rate": str(schedule.rate.amount)}
        if schedule.max_days is not None:
            plain["max_days"] = schedule.max_days
        if schedule.cap is not None:
            plain["cap"] = str(schedule.cap.amount)
    data: dict[str, object] = {
        "code": tariff.code,
        "description": tariff.description,
        "currency": tariff.currency,
    }
    if tariff.face_value is not None:
        data["face_value"] = str(tariff.face_value.amount)
    data["schedule"] = plain
    if tariff.dropout is not None:
        data["dropout"] = {
            "cap_share": str(tariff.dropout.cap_share),
            "min_days": tariff.dropout.min_days,
        }
    return data


def tariffs_to_json(
    tariffs: Iterable[Tariff] | Mapping[str, Tariff], *, indent: int | None = 2
) -> str:
    """The tariffs as JSON that :func:`tariffs_from_json` reads back to equal values;
    a region may start its own file from the defaults this way."""
    if isinstance(tariffs, str | bytes) or not isinstance(tariffs, Iterable):
        raise ValidationError.at("tariffs", f"must be tariffs, not {kind_of(tariffs)}")
    items = tuple(tariffs.values() if isinstance(tariffs, Mapping) else tariffs)
    for i, tariff in enumerate(items):
        if not isinstance(tariff, Tariff):
            raise ValidationError.at(f"tariffs[{i}]", f"must be a Tariff, not {kind_of(tariff)}")
    return json.dumps({"tariffs": [_plain(t) for t in items]}, indent=indent, ensure_ascii=False)
