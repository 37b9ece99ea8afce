"""The certificate of a scenario: a face value and a tariff, as the engines pay it (SM-01).

A scenario may state the certificate it issues on every admission to stage III
(``social_rehabilitation``) the way :mod:`resocialize.tariffs` states one: a
:class:`~resocialize.tariffs.Tariff` (tranches tied to pathway milestones, or a
rate per day served with a cap, and a dropout rule) and a face value. The engines
then pay it as the tariff says, month by month:

- **per diem**: the days served in stages III-IV are paid as they accrue, a month
  of the model being :func:`days_after` whole days (``n`` months: ``n * 36525 //
  1200`` days, so 6 months are 182 days), up to the schedule's cap and never above
  the face value; the certificate ends when the person leaves stages III-IV;
- **tranches**: each tranche is paid on the move that reaches its milestone
  (admission to stage III, stage III completed, stage IV completed, sustained
  remission reached), or, for ``no_relapse`` after ``N`` months, at the start of
  the month after ``N`` months in stages IV-V (and sustained remission) without
  leaving them; the certificate ends when the person leaves that route or every
  tranche is paid;
- **dropout**: a move to ``dropped_out`` while the certificate runs pays
  :func:`resocialize.tariffs.dropout_amount` for the months served in stages
  III-IV (a month begun counts as served: the engines count a month's costs at
  its start);
- the part of the face value not paid when a certificate ends is **released**.

So no certificate is ever paid more than its face value.

>>> from resocialize.tariffs import default_tariffs
>>> moscow = Certificate(default_tariffs()["moscow_per_diem"])
>>> print(moscow.face, moscow.course_days)
180000.00 RUB 180
>>> [str(moscow.per_diem_paid(months)) for months in (1, 5, 6, 7)]
['30000.00 RUB', '152000.00 RUB', '180000.00 RUB', '180000.00 RUB']
>>> rostov = Certificate(default_tariffs()["rostov_certificate"], planned_days=180)
>>> [str(amount) for amount in rostov.tranches().values()]
['54000.00 RUB', '72000.00 RUB', '54000.00 RUB']
>>> print(rostov.dropout_paid(2, Money.of("54000.00", "RUB")))  # 60 of 180 days, less paid
6000.00 RUB
>>> Certificate(default_tariffs()["moscow_per_diem"], face_value=Money.of("-1", "RUB"))
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: face_value: must be above zero, not -1
"""

from __future__ import annotations

from typing import Final

import attrs

from resocialize._checks import (
    Checked,
    Problems,
    checked,
    count_problem,
    instance_problem,
    kind_of,
    optional,
)
from resocialize.errors import ValidationError
from resocialize.money import Money, minor_units
from resocialize.tariffs import (
    MAX_DAYS,
    Milestone,
    PerDiemSchedule,
    Tariff,
    TrancheSchedule,
    dropout_amount,
    schedule_amounts,
)

__all__ = ["Certificate", "days_after"]

_NEVER: Final = 10**9
"""More days than any course: what a per-diem schedule pays at most."""


def days_after(months: int) -> int:
    """The whole days in ``months`` months of the model (a month is 365.25 / 12 days).

    >>> [days_after(n) for n in (1, 6, 12)]
    [30, 182, 365]
    """
    problem = count_problem(months)
    if problem is not None:
        raise ValidationError.at("months", problem)
    return months * 36525 // 1200


def _money_problem(value: object) -> str | None:
    if not isinstance(value, Money):
        return f"must be Money, not {kind_of(value)}"
    if not value.is_positive:
        return f"must be above zero, not {value.amount}"
    if value.rounded() != value:
        digits = minor_units(value.currency)
        return f"must be in whole minor units ({digits} decimal places), not {value}"
    return None


def _days_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of days, not {kind_of(value)}"
    if not 1 <= value <= MAX_DAYS:
        return f"must be from 1 to {MAX_DAYS} days, not {value}"
    return None


@attrs.frozen
class Certificate(Checked):
    """The certificate issued on every admission to stage III: see the module documentation.

    ``face_value`` defaults to the tariff's own face value, or else to the most its
    per-diem schedule pays. ``planned_days``, the planned course the dropout rule
    prorates by, defaults to the per-diem schedule's ``max_days`` (or its cap in
    days); a tranche tariff with a dropout rule needs it stated.
    """

    tariff: Tariff = attrs.field(metadata=checked(instance_problem(Tariff)))
    face_value: Money | None = attrs.field(default=None, metadata=checked(optional(_money_problem)))
    planned_days: int | None = attrs.field(default=None, metadata=checked(optional(_days_problem)))

    def _more_problems(self, problems: Problems) -> None:
        tariff = self.tariff
        if self.face_value is not None and self.face_value.currency != tariff.currency:
            problems.add(
                "face_value",
                f"is in {self.face_value.currency}, the tariff {tariff.code} in {tariff.currency}",
            )
        if self.face_value is None and tariff.face_value is None and _is_tranches(tariff):
            problems.add(
                "face_value", f"is required: tariff {tariff.code} states no face value to pay"
            )
        if _is_tranches(tariff) and tariff.dropout is not None and self.planned_days is None:
            problems.add(
                "planned_days",
                f"is required: the dropout rule of {tariff.code} pays pro rata to the planned "
                "course, in days",
            )

    @property
    def face(self) -> Money:
        """The face value in effect: committed at issue, never exceeded by the payments."""
        if self.face_value is not None:
            return self.face_value
        if self.tariff.face_value is not None:
            return self.tariff.face_value
        schedule = self.tariff.schedule
        assert isinstance(schedule, PerDiemSchedule)  # checked on construction
        return schedule.amount_for_days(_NEVER)

    @property
    def per_diem(self) -> bool:
        """True when the tariff pays by the day served (in stages III-IV)."""
        return isinstance(self.tariff.schedule, PerDiemSchedule)

    @property
    def course_days(self) -> int | None:
        """The planned course in days, for the dropout rule (``None`` when not needed)."""
        if self.planned_days is not None:
            return self.planned_days
        schedule = self.tariff.schedule
        if isinstance(schedule, PerDiemSchedule):
            if schedule.max_days is not None:
                return schedule.max_days
            assert schedule.cap is not None  # a per-diem schedule has one or the other
            days = int(schedule.cap.amount // schedule.rate.amount)
            return max(1, min(days, MAX_DAYS))
        return None

    # -- what the course pays ------------------------------------------------------------

    def per_diem_paid(self, months: int) -> Money:
        """What a per-diem certificate has paid after ``months`` months served."""
        schedule = self.tariff.schedule
        if not isinstance(schedule, PerDiemSchedule):
            return Money.zero(self.tariff.currency)
        earned = schedule.amount_for_days(days_after(months))
        return earned if earned < self.face else self.face

    def per_diem_months(self) -> int:
        """Months of service after which the per-diem schedule pays nothing more, whatever
        the face value (0 for a tranche tariff)."""
        schedule = self.tariff.schedule
        if not isinstance(schedule, PerDiemSchedule):
            return 0
        most = schedule.amount_for_days(_NEVER)
        months = 0
        while schedule.amount_for_days(days_after(months)) < most:
            months += 1
        return months

    def planned_months(self) -> int:
        """Months of service after which the dropout rule counts the whole planned course
        (0 when there is no dropout rule)."""
        days = self.course_days
        if self.tariff.dropout is None or days is None:
            return 0
        months = 0
        while days_after(months) < days:
            months += 1
        return months

    def tranches(self) -> dict[tuple[Milestone, int | None], Money]:
        """The amount of each tranche, by (milestone, months); empty for a per-diem tariff."""
        if not _is_tranches(self.tariff):
            return {}
        return {t.key: amount for t, amount in schedule_amounts(self.tariff, self.face)}

    def dropout_paid(self, months_served: int, paid_so_far: Money) -> Money:
        """What a dropout after ``months_served`` months in stages III-IV pays, when
        ``paid_so_far`` was paid already (:func:`~resocialize.tariffs.dropout_amount`)."""
        days = self.course_days
        if self.tariff.dropout is None or days is None:
            return Money.zero(self.tariff.currency)
        return dropout_amount(
            self.tariff,
            self.face,
            days_served=days_after(months_served),
            planned_days=days,
            paid_so_far=paid_so_far,
        )


def _is_tranches(tariff: object) -> bool:
    return isinstance(tariff, Tariff) and isinstance(tariff.schedule, TrancheSchedule)
