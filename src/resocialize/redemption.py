"""Redemption: a center claims a tranche of a certificate for a milestone (CF-04, CF-05, CF-06).

A :class:`Claim` asks for the tranche a tariff pays when the client reaches a
pathway milestone, or, under a per-diem tariff, for the days served
(:attr:`~resocialize.tariffs.Milestone.DAYS_SERVED`), or, when the client dropped
out, for the partial payment of the tariff's dropout rule
(:attr:`~resocialize.tariffs.Milestone.DROPOUT`):

- *a tranche* (``admission`` ... ``sustained_remission``) is paid once per
  certificate, by a tranche tariff only;
- *days served* are paid by a per-diem tariff only: the days the client spent in
  stages III-IV with the claiming center (:func:`~resocialize.tariffs.days_served`)
  after the last day a per-diem payment on the certificate covers (its
  :attr:`Payment.through`), up to the claim's service date. What is due is the
  per-diem amount for all the days paid so far and these (capped by the schedule
  and the face value) less the per-diem payments made so far; the
  :class:`Payment` records the days and the last day paid;
- *a dropout* is paid once per certificate, under either kind of tariff, when the
  client dropped out (``drop_out``) while placed with the claiming center by the
  service date: :func:`~resocialize.tariffs.dropout_amount` for the days served
  with the center of the course's ``planned_days``, given what the certificate
  paid so far.

:func:`check_claim` checks it against the certificate, the
social contract, the center's standing in the register on the service date
(a :class:`~resocialize.facts.CenterStanding` the caller computes for that
day), the case's pathway history (the milestone must have happened with this
center by the service date), the claims already paid and the balance of the
certificate. It answers with a :class:`~resocialize.rules.Decision` naming
*every* unmet condition:

- ``claim.other_client``: the claim or the case is of another client than the
  certificate's (a certificate is never transferred, CF-04);
  ``claim.other_certificate``: the claim names another certificate;
- ``certificate.not_active``: the certificate is not placed or in service;
  ``certificate.expired`` / ``certificate.not_yet_valid``: the service date is
  after (before) the validity window;
- ``claim.not_contracted_center``: the claiming center is not the one the
  certificate was placed with by the service date, or not the contract's center;
  ``contract.other_client``, ``contract.other_certificate``: the contract is not
  this client's or this certificate's; ``contract.not_signed``: not signed by
  every party, or terminated, on the service date;
- ``center.not_in_register``, ``center.not_qualified`` on the service date;
- ``milestone.not_reached``: the milestone did not happen for this center by
  the service date (for days served: no day served with the center in the
  window; for a dropout: the client did not drop out while with the center);
  ``tariff.milestone_not_paid``: the tariff pays nothing there (a tranche tariff
  pays no days served, a per-diem tariff nothing but days served and dropout);
  ``tariff.no_dropout_rule``: a dropout claim under a tariff without a dropout rule;
- ``claim.already_paid``: the milestone was paid on this certificate before
  (for days served: the days through the service date are paid);
- ``claim.nothing_due``: the tariff owes nothing for the claim (the per-diem cap
  is paid, or the dropout rule pays nothing more);
- ``claim.above_tranche``: more than the tranche (or than what is due for the
  days served or the dropout); ``claim.above_balance``: more than the face value
  less what was paid so far;
- ``claim.service_in_future``: the service date is after the day of the check.

:func:`redeem` checks, then pays through the ledger
(:func:`~resocialize.ledger.pay`) and returns the new ledger with the
:class:`Payment`. A refused claim raises
:class:`~resocialize.errors.RuleViolation` with every reason and changes
nothing; malformed input raises :class:`~resocialize.errors.ValidationError`
with the path of every bad field.

>>> from datetime import date
>>> from resocialize.money import Money
>>> claim = Claim("claim-1", "cert-1", "center-1", "client-1", Milestone.ADMISSION, None,
...               date(2026, 3, 7))
>>> claim.milestone.value, claim.amount is None
('admission', True)
>>> Claim("claim-2", "cert-1", "center-1", "client-1", Milestone.NO_RELAPSE, None,
...       date(2026, 3, 7), Money.of(-1, "RUB"))
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: amount: must be above zero, not -1
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import attrs

from ._checks import (
    Checked,
    Problems,
    checked,
    date_problem,
    id_problem,
    instance_problem,
    instant_problem,
    member_problem,
    optional,
)
from .certificates import Certificate, CertificateState, standing
from .contracts import SocialContract, contract_standing
from .errors import RuleViolation
from .facts import CenterStanding
from .ledger import Ledger, paid, pay
from .money import Money
from .pathway import Case
from .rules import ALLOWED, Decision, all_of, check, refuse
from .tariffs import (
    MAX_DAYS,
    MAX_MONTHS,
    Milestone,
    PerDiemSchedule,
    Tariff,
    amount_due,
    days_served,
    dropout_amount,
    milestones_reached,
)

__all__ = ["Claim", "Payment", "Redeemed", "check_claim", "redeem"]

_PAYABLE_STATES = frozenset({CertificateState.PLACED, CertificateState.IN_SERVICE})
_COUNTS_DAYS = frozenset({Milestone.DAYS_SERVED, Milestone.DROPOUT})


def _months_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of months, not {type(value).__name__}"
    if not 1 <= value <= MAX_MONTHS:
        return f"must be from 1 to {MAX_MONTHS}, not {value}"
    return None


def _positive_money_problem(value: object) -> str | None:
    if not isinstance(value, Money):
        return f"must be Money, not {type(value).__name__}"
    if not value.is_positive:
        return f"must be above zero, not {value.amount}"
    if value.rounded() != value:
        return f"must be in whole minor units, not {value}"
    return None


_MOST_DAYS = 10**9
"""The most days a payment may count (as :meth:`PerDiemSchedule.amount_for_days` takes)."""


def _days_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of days, not {type(value).__name__}"
    if not 0 <= value <= _MOST_DAYS:
        return f"must be from 0 to {_MOST_DAYS}, not {value}"
    return None


def _planned_days_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of days, not {type(value).__name__}"
    if not 1 <= value <= MAX_DAYS:
        return f"must be from 1 to {MAX_DAYS}, not {value}"
    return None


def _check_milestone_months(milestone: Milestone, months: int | None, problems: Problems) -> None:
    if milestone is Milestone.NO_RELAPSE and months is None:
        problems.add("months", "is required for no_relapse: the months without relapse")
    if milestone is not Milestone.NO_RELAPSE and months is not None:
        problems.add("months", f"is only for no_relapse, not for {milestone.value}")


@attrs.frozen
class Claim(Checked):
    """A center's claim for the tranche of ``milestone`` on a certificate, for the days
    served up to ``service_date`` (``days_served``) or for a dropout (``dropout``).

    ``months`` names the ``no_relapse`` tranche, and only it; ``amount`` ``None``
    claims what the tariff pays (the tranche, or what is due).
    """

    id: str = attrs.field(metadata=checked(id_problem))
    certificate_id: str = attrs.field(metadata=checked(id_problem))
    center_id: str = attrs.field(metadata=checked(id_problem))
    client_id: str = attrs.field(metadata=checked(id_problem))
    milestone: Milestone = attrs.field(metadata=checked(member_problem(Milestone)))
    months: int | None = attrs.field(metadata=checked(optional(_months_problem)))
    service_date: date = attrs.field(metadata=checked(date_problem))
    amount: Money | None = attrs.field(
        default=None, metadata=checked(optional(_positive_money_problem))
    )

    def _more_problems(self, problems: Problems) -> None:
        _check_milestone_months(self.milestone, self.months, problems)


@attrs.frozen
class Payment(Checked):
    """A paid claim: what was paid to which center for which milestone, and when.

    ``days`` is the number of days paid for: the new days of a ``days_served``
    payment (required), the days served counted for a ``dropout`` payment;
    ``through`` is the last day a ``days_served`` payment covers (required, the
    claim's service date). Neither is for a tranche.

    >>> Payment("claim-1", "cert-1", "center-1", Milestone.DAYS_SERVED, None,
    ...         Money.of(3000, "RUB"), date(2026, 4, 1), days=3)
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: through: is required for days_served:
    the last day the payment covers
    """

    claim_id: str = attrs.field(metadata=checked(id_problem))
    certificate_id: str = attrs.field(metadata=checked(id_problem))
    center_id: str = attrs.field(metadata=checked(id_problem))
    milestone: Milestone = attrs.field(metadata=checked(member_problem(Milestone)))
    months: int | None = attrs.field(metadata=checked(optional(_months_problem)))
    amount: Money = attrs.field(metadata=checked(_positive_money_problem))
    paid_on: date = attrs.field(metadata=checked(date_problem))
    days: int | None = attrs.field(default=None, metadata=checked(optional(_days_problem)))
    through: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))

    def _more_problems(self, problems: Problems) -> None:
        milestone = self.milestone.value
        if self.milestone is Milestone.DAYS_SERVED:
            if self.days is None:
                problems.add("days", "is required for days_served: the days paid for")
            if self.through is None:
                problems.add(
                    "through", "is required for days_served: the last day the payment covers"
                )
            return
        if self.days is not None and self.milestone is not Milestone.DROPOUT:
            problems.add("days", f"is only for days_served and dropout, not for {milestone}")
        if self.through is not None:
            problems.add("through", f"is only for days_served, not for {milestone}")


@attrs.frozen
class Redeemed:
    """The result of :func:`redeem`: the new ledger and the payment booked in it."""

    ledger: Ledger
    payment: Payment


def _input_problems(
    claim: object,
    certificate: object,
    contract: object,
    center: object,
    case: object,
    tariff: object,
    paid_claims: object,
    on: object,
    planned_days: object,
) -> Problems:
    problems = Problems()
    problems.check("claim", instance_problem(Claim)(claim))
    problems.check("certificate", instance_problem(Certificate)(certificate))
    problems.check("contract", instance_problem(SocialContract)(contract))
    problems.check("center", instance_problem(CenterStanding)(center))
    problems.check("case", instance_problem(Case)(case))
    problems.check("tariff", instance_problem(Tariff)(tariff))
    problems.check("on", date_problem(on))
    problems.check("planned_days", optional(_planned_days_problem)(planned_days))
    if isinstance(claim, Claim) and claim.milestone is Milestone.DROPOUT and planned_days is None:
        problems.add(
            "planned_days",
            "is required for a dropout claim: the planned length of the course in days",
        )
    if isinstance(paid_claims, str | bytes) or not isinstance(paid_claims, Iterable):
        problems.add("paid_claims", "must be an iterable of Payment")
    if (
        isinstance(claim, Claim)
        and isinstance(center, CenterStanding)
        and center.center_id != claim.center_id
    ):
        problems.add("center", f"is the standing of {center.center_id}, not of {claim.center_id}")
    if isinstance(claim, Claim) and isinstance(certificate, Certificate):
        currency = certificate.face_value.currency
        if claim.amount is not None and claim.amount.currency != currency:
            problems.add("claim.amount", f"is in {claim.amount.currency}, not in {currency}")
        if isinstance(tariff, Tariff) and tariff.currency != currency:
            problems.add("tariff", f"pays in {tariff.currency}, the certificate is in {currency}")
    return problems


def _identity(claim: Claim, certificate: Certificate, case: Case) -> Decision:
    owner = certificate.client_id
    return all_of(
        check(
            claim.client_id == owner and case.client_id == owner,
            "claim.other_client",
            f"the certificate {certificate.id} is earmarked for {owner}, not for "
            f"{claim.client_id if claim.client_id != owner else case.client_id}",
            certificate_id=certificate.id,
            client_id=owner,
        ),
        check(
            claim.certificate_id == certificate.id,
            "claim.other_certificate",
            f"the claim is on {claim.certificate_id}, not on {certificate.id}",
            certificate_id=claim.certificate_id,
        ),
    )


def _certificate(claim: Claim, certificate: Certificate) -> Decision:
    day = claim.service_date
    return all_of(
        check(
            certificate.state in _PAYABLE_STATES,
            "certificate.not_active",
            f"the certificate {certificate.id} is {certificate.state.value}, "
            "not placed or in service",
            state=certificate.state.value,
        ),
        check(
            day <= certificate.valid_until,
            "certificate.expired",
            f"the service on {day.isoformat()} is after the certificate's validity "
            f"(until {certificate.valid_until.isoformat()})",
            valid_until=certificate.valid_until.isoformat(),
        ),
        check(
            day >= certificate.valid_from,
            "certificate.not_yet_valid",
            f"the service on {day.isoformat()} is before the certificate's validity "
            f"(from {certificate.valid_from.isoformat()})",
            valid_from=certificate.valid_from.isoformat(),
        ),
    )


def _contract(claim: Claim, certificate: Certificate, contract: SocialContract) -> Decision:
    day = claim.service_date
    placed_with = standing(certificate, on=day).center_id
    return all_of(
        check(
            claim.center_id == placed_with and claim.center_id == contract.center_id,
            "claim.not_contracted_center",
            f"{claim.center_id} is not the contracted center (certificate placed with "
            f"{placed_with}, contract with {contract.center_id})",
            center_id=claim.center_id,
            placed_with=placed_with,
            contract_center=contract.center_id,
        ),
        check(
            contract.client_id == certificate.client_id,
            "contract.other_client",
            f"the contract {contract.id} binds {contract.client_id}, not {certificate.client_id}",
            contract_id=contract.id,
        ),
        check(
            contract.certificate_id in (None, certificate.id)
            and certificate.contract_id in (None, contract.id),
            "contract.other_certificate",
            f"the contract {contract.id} is not the contract of certificate {certificate.id}",
            contract_id=contract.id,
        ),
        check(
            contract_standing(contract, on=day).signed,
            "contract.not_signed",
            f"the contract {contract.id} is not signed by every party or is terminated "
            f"on {day.isoformat()}",
            contract_id=contract.id,
        ),
    )


def _center(claim: Claim, center: CenterStanding) -> Decision:
    day = claim.service_date.isoformat()
    return all_of(
        check(
            center.in_register,
            "center.not_in_register",
            f"{center.center_id} is not in the register (or is suspended) on {day}",
            center_id=center.center_id,
        ),
        check(
            center.qualified,
            "center.not_qualified",
            f"{center.center_id} is not qualified on {day}",
            center_id=center.center_id,
        ),
    )


def _label(claim: Claim) -> str:
    return claim.milestone.value if claim.months is None else f"no_relapse ({claim.months})"


def _milestone(claim: Claim, case: Case, tariff: Tariff) -> Decision:
    months = tariff.no_relapse_months
    if claim.months is not None:
        months = tuple(sorted({*months, claim.months}))
    reached = milestones_reached(
        case, claim.center_id, as_of=claim.service_date, no_relapse_months=months
    )
    key = (claim.milestone, claim.months)
    return check(
        any(r.key == key for r in reached),
        "milestone.not_reached",
        f"{_label(claim)} did not happen with {claim.center_id} by "
        f"{claim.service_date.isoformat()}",
        milestone=claim.milestone.value,
        months=claim.months,
    )


@attrs.frozen
class _Assessed:
    """What a claim's own rules say: the decision, the amount to pay, and for days served
    or a dropout the days paid for and the last day covered."""

    decision: Decision
    amount: Money | None
    days: int | None = None
    through: date | None = None


def _above_due(amount: Money | None, due: Money | None, what: str) -> Decision:
    if amount is None or due is None or not due.is_positive:
        return ALLOWED
    return check(
        amount <= due,
        "claim.above_tranche",
        f"{amount} is above the {due} due {what}",
        amount=str(amount.amount),
        due=str(due.amount),
    )


def _tranche_claim(
    claim: Claim, certificate: Certificate, case: Case, tariff: Tariff, paid_claims: list[Payment]
) -> _Assessed:
    """A claim for a tranche (``admission`` ... ``sustained_remission``)."""
    key = (claim.milestone, claim.months)
    tranche: Money | None = None
    tariff_decision = ALLOWED
    if isinstance(tariff.schedule, PerDiemSchedule):
        tariff_decision = refuse(
            "tariff.milestone_not_paid",
            f"tariff {tariff.code} pays per day served, nothing at {_label(claim)}; "
            "claim days_served or dropout",
            tariff=tariff.code,
            milestone=claim.milestone.value,
            months=claim.months,
        )
    else:
        try:
            tranche = amount_due(
                tariff, certificate.face_value, claim.milestone, months=claim.months
            )
        except RuleViolation as refused:
            tariff_decision = Decision(refused.reasons)
    amount = claim.amount if claim.amount is not None else tranche
    already = [
        p
        for p in paid_claims
        if p.certificate_id == certificate.id and (p.milestone, p.months) == key
    ]
    above = ALLOWED
    if amount is not None:
        above = check(
            tranche is None or amount <= tranche,
            "claim.above_tranche",
            f"{amount} is above the tranche of {tranche}",
            amount=str(amount.amount),
        )
    decision = all_of(
        _milestone(claim, case, tariff),
        tariff_decision,
        check(
            not already,
            "claim.already_paid",
            f"{claim.milestone.value} is already paid on {certificate.id}"
            + (f" (claim {already[0].claim_id})" if already else ""),
            certificate_id=certificate.id,
            milestone=claim.milestone.value,
        ),
        above,
    )
    return _Assessed(decision, amount)


def _days_claim(
    claim: Claim, certificate: Certificate, case: Case, tariff: Tariff, paid_claims: list[Payment]
) -> _Assessed:
    """A per-diem claim for the days served since the last day paid."""
    face = certificate.face_value
    earlier = [
        p
        for p in paid_claims
        if p.certificate_id == certificate.id and p.milestone is Milestone.DAYS_SERVED
    ]
    covered = [p.through for p in earlier if p.through is not None]
    after = max(covered) if covered else None
    day = claim.service_date
    paid_through = after is not None and day <= after
    days = 0 if paid_through else days_served(case, claim.center_id, after=after, through=day)
    due: Money | None = None
    tariff_decision = ALLOWED
    schedule = tariff.schedule
    if isinstance(schedule, PerDiemSchedule):
        total_days = min(sum(p.days or 0 for p in earlier) + days, _MOST_DAYS)
        earned = min(schedule.amount_for_days(total_days), face)
        paid_days = sum((p.amount for p in earlier), Money.zero(face.currency))
        due = earned - paid_days if earned > paid_days else Money.zero(face.currency)
    else:
        tariff_decision = refuse(
            "tariff.milestone_not_paid",
            f"tariff {tariff.code} pays in tranches, not per day served",
            tariff=tariff.code,
            milestone=claim.milestone.value,
            months=None,
        )
    window = f"by {day.isoformat()}"
    if after is not None:
        window = f"since {after.isoformat()} (paid through it) by {day.isoformat()}"
    amount = claim.amount if claim.amount is not None else due
    decision = all_of(
        check(
            paid_through or days > 0,
            "milestone.not_reached",
            f"no day served with {claim.center_id} {window}",
            milestone=claim.milestone.value,
            after=after.isoformat() if after is not None else None,
        ),
        tariff_decision,
        check(
            not paid_through,
            "claim.already_paid",
            f"the days through {after.isoformat() if after else day.isoformat()} are "
            f"already paid on {certificate.id}",
            certificate_id=certificate.id,
            milestone=claim.milestone.value,
            through=after.isoformat() if after is not None else None,
        ),
        check(
            due is None or days == 0 or due.is_positive,
            "claim.nothing_due",
            f"nothing is due for {days} more days on {certificate.id}: the per-diem "
            f"amount (capped by the tariff and the face value {face}) is paid",
            certificate_id=certificate.id,
            days=days,
        ),
        _above_due(amount, due, f"for {days} days served through {day.isoformat()}"),
    )
    return _Assessed(decision, amount, days, day)


def _dropout_claim(
    claim: Claim,
    certificate: Certificate,
    case: Case,
    tariff: Tariff,
    paid_claims: list[Payment],
    paid_so_far: Money,
    planned_days: int,
) -> _Assessed:
    """A claim for the partial payment of the dropout rule."""
    face = certificate.face_value
    day = claim.service_date
    reached = any(
        r.milestone is Milestone.DROPOUT
        for r in milestones_reached(case, claim.center_id, as_of=day, no_relapse_months=())
    )
    served = days_served(case, claim.center_id, after=None, through=day)
    rule = tariff.dropout
    due: Money | None = None
    if reached and rule is not None:
        zero = Money.zero(face.currency)
        so_far = zero if paid_so_far < zero else face if paid_so_far > face else paid_so_far
        due = dropout_amount(
            tariff, face, days_served=served, planned_days=planned_days, paid_so_far=so_far
        )
    already = [
        p
        for p in paid_claims
        if p.certificate_id == certificate.id and p.milestone is Milestone.DROPOUT
    ]
    amount = claim.amount if claim.amount is not None else due
    decision = all_of(
        check(
            reached,
            "milestone.not_reached",
            f"the client did not drop out while with {claim.center_id} by {day.isoformat()}",
            milestone=claim.milestone.value,
            months=None,
        ),
        check(
            rule is not None,
            "tariff.no_dropout_rule",
            f"tariff {tariff.code} has no dropout rule: it pays nothing on dropout",
            tariff=tariff.code,
        ),
        check(
            not already,
            "claim.already_paid",
            f"the dropout is already paid on {certificate.id}"
            + (f" (claim {already[0].claim_id})" if already else ""),
            certificate_id=certificate.id,
            milestone=claim.milestone.value,
        ),
        check(
            due is None or due.is_positive,
            "claim.nothing_due",
            f"nothing is due on dropout after {served} of {planned_days} planned days "
            f"(paid so far {paid_so_far})",
            certificate_id=certificate.id,
            days=served,
        ),
        _above_due(amount, due, f"on dropout after {served} of {planned_days} planned days"),
    )
    return _Assessed(decision, amount, served)


def _assess(
    claim: Claim,
    certificate: Certificate,
    contract: SocialContract,
    center: CenterStanding,
    case: Case,
    tariff: Tariff,
    paid_claims: list[Payment],
    paid_so_far: Money,
    on: date,
    planned_days: int | None,
) -> _Assessed:
    if claim.milestone is Milestone.DAYS_SERVED:
        own = _days_claim(claim, certificate, case, tariff, paid_claims)
    elif claim.milestone is Milestone.DROPOUT:
        assert planned_days is not None  # checked with the input
        own = _dropout_claim(
            claim, certificate, case, tariff, paid_claims, paid_so_far, planned_days
        )
    else:
        own = _tranche_claim(claim, certificate, case, tariff, paid_claims)
    amount = own.amount
    balance = certificate.face_value - paid_so_far
    money = ALLOWED
    if amount is not None:
        money = check(
            amount <= balance,
            "claim.above_balance",
            f"{amount} is above the remaining balance of {balance} "
            f"(face value {certificate.face_value}, paid {paid_so_far})",
            amount=str(amount.amount),
            balance=str(balance.amount),
        )
    decision = all_of(
        _identity(claim, certificate, case),
        _certificate(claim, certificate),
        _contract(claim, certificate, contract),
        _center(claim, center),
        own.decision,
        money,
        check(
            claim.service_date <= on,
            "claim.service_in_future",
            f"the service date {claim.service_date.isoformat()} is after {on.isoformat()}",
        ),
    )
    return attrs.evolve(own, decision=decision)


def _checked(
    claim: Claim,
    *,
    certificate: Certificate,
    contract: SocialContract,
    center: CenterStanding,
    case: Case,
    tariff: Tariff,
    paid_claims: Iterable[Payment],
    paid_so_far: Money,
    on: date,
    planned_days: int | None = None,
) -> _Assessed:
    """Check the input, then assess the claim (once, for both check_claim and redeem)."""
    problems = _input_problems(
        claim, certificate, contract, center, case, tariff, paid_claims, on, planned_days
    )
    if isinstance(certificate, Certificate):
        currency = certificate.face_value.currency
        if not isinstance(paid_so_far, Money) or paid_so_far.currency != currency:
            problems.add("paid_so_far", f"must be Money in {currency}")
        elif (
            isinstance(claim, Claim)
            and claim.milestone is Milestone.DROPOUT
            and paid_so_far.rounded() != paid_so_far
        ):
            problems.add("paid_so_far", f"must be in whole minor units, not {paid_so_far}")
    items = list(paid_claims) if isinstance(paid_claims, Iterable) else []
    for i, item in enumerate(items):
        problems.check(f"paid_claims[{i}]", instance_problem(Payment)(item))
        if (
            isinstance(item, Payment)
            and isinstance(certificate, Certificate)
            and item.certificate_id == certificate.id
            and item.amount.currency != certificate.face_value.currency
        ):
            problems.add(
                f"paid_claims[{i}].amount",
                f"is in {item.amount.currency}, the certificate in "
                f"{certificate.face_value.currency}",
            )
    problems.raise_if_any()
    return _assess(
        claim, certificate, contract, center, case, tariff, items, paid_so_far, on, planned_days
    )


def check_claim(
    claim: Claim,
    *,
    certificate: Certificate,
    contract: SocialContract,
    center: CenterStanding,
    case: Case,
    tariff: Tariff,
    paid_claims: Iterable[Payment],
    paid_so_far: Money,
    on: date,
    planned_days: int | None = None,
) -> Decision:
    """Whether ``claim`` may be paid on ``on``: every unmet condition as a reason (CF-06).

    ``center`` is the center's standing on the service date; ``paid_claims`` the
    payments made so far (any certificate); ``paid_so_far`` what the certificate paid;
    ``planned_days`` the planned length of the course in days (the chosen program's
    duration), required for a dropout claim.
    """
    return _checked(
        claim,
        certificate=certificate,
        contract=contract,
        center=center,
        case=case,
        tariff=tariff,
        paid_claims=paid_claims,
        paid_so_far=paid_so_far,
        on=on,
        planned_days=planned_days,
    ).decision


def redeem(
    ledger: Ledger,
    claim: Claim,
    *,
    certificate: Certificate,
    contract: SocialContract,
    center: CenterStanding,
    case: Case,
    tariff: Tariff,
    paid_claims: Iterable[Payment],
    at: datetime,
    by: str,
    planned_days: int | None = None,
) -> Redeemed:
    """Check ``claim`` on ``at``'s date and pay it through the ledger (CF-05, CF-06).

    What was paid so far is read from the ledger; ``planned_days`` is the planned
    length of the course in days, required for a dropout claim. A refusal raises
    :class:`~resocialize.errors.RuleViolation` with every reason and changes nothing.
    """
    problems = Problems()
    problems.check("ledger", instance_problem(Ledger)(ledger))
    problems.check("at", instant_problem(at))
    problems.check("by", id_problem(by))
    problems.check("certificate", instance_problem(Certificate)(certificate))
    problems.raise_if_any()
    on = at.date()
    items = list(paid_claims) if isinstance(paid_claims, Iterable) else paid_claims
    so_far = paid(ledger, certificate.id)
    assessed = _checked(
        claim,
        certificate=certificate,
        contract=contract,
        center=center,
        case=case,
        tariff=tariff,
        paid_claims=items,
        paid_so_far=so_far,
        on=on,
        planned_days=planned_days,
    )
    assessed.decision.raise_if_refused()
    amount = assessed.amount
    assert amount is not None
    why = f"redemption of {claim.milestone.value}"
    if claim.milestone is Milestone.DAYS_SERVED and assessed.through is not None:
        why += f" ({assessed.days} days through {assessed.through.isoformat()})"
    booked = pay(
        ledger,
        certificate.id,
        claim.center_id,
        amount,
        at=at,
        by=by,
        reference=claim.id,
        why=why,
    )
    days = assessed.days if claim.milestone in _COUNTS_DAYS else None
    through = assessed.through if claim.milestone is Milestone.DAYS_SERVED else None
    payment = Payment(
        claim.id,
        certificate.id,
        claim.center_id,
        claim.milestone,
        claim.months,
        amount,
        on,
        days,
        through,
    )
    return Redeemed(booked, payment)
