"""Redemption: a center claims a tranche of a certificate for a milestone (CF-04, CF-05, CF-06).

A :class:`Claim` asks for the tranche a tariff pays when the client reaches a
pathway milestone. :func:`check_claim` checks it against the certificate, the
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
  the service date; ``tariff.milestone_not_paid``: the tariff pays nothing there;
- ``claim.already_paid``: the milestone was paid on this certificate before;
- ``claim.above_tranche``: more than the tranche; ``claim.above_balance``: more
  than the face value less what was paid so far;
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
from .rules import ALLOWED, Decision, all_of, check
from .tariffs import (
    MAX_MONTHS,
    Milestone,
    Tariff,
    TrancheSchedule,
    amount_due,
    milestones_reached,
)

__all__ = ["Claim", "Payment", "Redeemed", "check_claim", "redeem"]

_PAYABLE_STATES = frozenset({CertificateState.PLACED, CertificateState.IN_SERVICE})


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


def _check_milestone_months(milestone: Milestone, months: int | None, problems: Problems) -> None:
    if milestone is Milestone.NO_RELAPSE and months is None:
        problems.add("months", "is required for no_relapse: the months without relapse")
    if milestone is not Milestone.NO_RELAPSE and months is not None:
        problems.add("months", f"is only for no_relapse, not for {milestone.value}")


@attrs.frozen
class Claim(Checked):
    """A center's claim for the tranche of ``milestone`` on a certificate.

    ``months`` names the ``no_relapse`` tranche, and only it; ``amount`` ``None``
    claims the tariff's amount for the tranche.
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
    """A paid claim: what was paid to which center for which milestone, and when."""

    claim_id: str = attrs.field(metadata=checked(id_problem))
    certificate_id: str = attrs.field(metadata=checked(id_problem))
    center_id: str = attrs.field(metadata=checked(id_problem))
    milestone: Milestone = attrs.field(metadata=checked(member_problem(Milestone)))
    months: int | None = attrs.field(metadata=checked(optional(_months_problem)))
    amount: Money = attrs.field(metadata=checked(_positive_money_problem))
    paid_on: date = attrs.field(metadata=checked(date_problem))


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
) -> Problems:
    problems = Problems()
    problems.check("claim", instance_problem(Claim)(claim))
    problems.check("certificate", instance_problem(Certificate)(certificate))
    problems.check("contract", instance_problem(SocialContract)(contract))
    problems.check("center", instance_problem(CenterStanding)(center))
    problems.check("case", instance_problem(Case)(case))
    problems.check("tariff", instance_problem(Tariff)(tariff))
    problems.check("on", date_problem(on))
    if isinstance(tariff, Tariff) and not isinstance(tariff.schedule, TrancheSchedule):
        problems.add("tariff", f"{tariff.code} pays per day, not in tranches")
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


def _milestone(claim: Claim, case: Case, tariff: Tariff) -> Decision:
    assert isinstance(tariff.schedule, TrancheSchedule)
    months = tariff.schedule.no_relapse_months
    if claim.months is not None:
        months = tuple(sorted({*months, claim.months}))
    reached = milestones_reached(
        case, claim.center_id, as_of=claim.service_date, no_relapse_months=months
    )
    key = (claim.milestone, claim.months)
    label = claim.milestone.value if claim.months is None else f"no_relapse ({claim.months})"
    return check(
        any(r.key == key for r in reached),
        "milestone.not_reached",
        f"{label} did not happen with {claim.center_id} by {claim.service_date.isoformat()}",
        milestone=claim.milestone.value,
        months=claim.months,
    )


def _assess(
    claim: Claim,
    certificate: Certificate,
    contract: SocialContract,
    center: CenterStanding,
    case: Case,
    tariff: Tariff,
    paid_claims: Iterable[Payment],
    paid_so_far: Money,
    on: date,
) -> tuple[Decision, Money | None]:
    key = (claim.milestone, claim.months)
    tranche: Money | None = None
    tariff_decision = ALLOWED
    try:
        tranche = amount_due(tariff, certificate.face_value, claim.milestone, months=claim.months)
    except RuleViolation as refused:
        tariff_decision = Decision(refused.reasons)
    amount = claim.amount if claim.amount is not None else tranche
    balance = certificate.face_value - paid_so_far
    money = ALLOWED
    if amount is not None:
        money = all_of(
            check(
                tranche is None or amount <= tranche,
                "claim.above_tranche",
                f"{amount} is above the tranche of {tranche}",
                amount=str(amount.amount),
            ),
            check(
                amount <= balance,
                "claim.above_balance",
                f"{amount} is above the remaining balance of {balance} "
                f"(face value {certificate.face_value}, paid {paid_so_far})",
                amount=str(amount.amount),
                balance=str(balance.amount),
            ),
        )
    already = [
        p
        for p in paid_claims
        if p.certificate_id == certificate.id and (p.milestone, p.months) == key
    ]
    decision = all_of(
        _identity(claim, certificate, case),
        _certificate(claim, certificate),
        _contract(claim, certificate, contract),
        _center(claim, center),
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
        money,
        check(
            claim.service_date <= on,
            "claim.service_in_future",
            f"the service date {claim.service_date.isoformat()} is after {on.isoformat()}",
        ),
    )
    return decision, amount


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
) -> Decision:
    """Whether ``claim`` may be paid on ``on``: every unmet condition as a reason (CF-06).

    ``center`` is the center's standing on the service date; ``paid_claims`` the
    payments made so far (any certificate); ``paid_so_far`` what the certificate paid.
    """
    problems = _input_problems(claim, certificate, contract, center, case, tariff, paid_claims, on)
    if isinstance(certificate, Certificate):
        currency = certificate.face_value.currency
        if not isinstance(paid_so_far, Money) or paid_so_far.currency != currency:
            problems.add("paid_so_far", f"must be Money in {currency}")
    items = list(paid_claims) if isinstance(paid_claims, Iterable) else []
    for i, item in enumerate(items):
        problems.check(f"paid_claims[{i}]", instance_problem(Payment)(item))
    problems.raise_if_any()
    decision, _ = _assess(
        claim, certificate, contract, center, case, tariff, items, paid_so_far, on
    )
    return decision


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
) -> Redeemed:
    """Check ``claim`` on ``at``'s date and pay it through the ledger (CF-05, CF-06).

    What was paid so far is read from the ledger. A refusal raises
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
    decision = check_claim(
        claim,
        certificate=certificate,
        contract=contract,
        center=center,
        case=case,
        tariff=tariff,
        paid_claims=items,
        paid_so_far=so_far,
        on=on,
    )
    decision.raise_if_refused()
    _, amount = _assess(
        claim,
        certificate,
        contract,
        center,
        case,
        tariff,
        items,
        so_far,
        on,
    )
    assert amount is not None
    booked = pay(
        ledger,
        certificate.id,
        claim.center_id,
        amount,
        at=at,
        by=by,
        reference=claim.id,
        why=f"redemption of {claim.milestone.value}",
    )
    payment = Payment(
        claim.id,
        certificate.id,
        claim.center_id,
        claim.milestone,
        claim.months,
        amount,
        on,
    )
    return Redeemed(booked, payment)
