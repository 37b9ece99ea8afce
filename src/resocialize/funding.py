"""Funding: the certificates of a region together with their money (CF-01 to CF-07).

The modules below this one each hold one rule set: :mod:`~resocialize.certificates`
(the lifecycle of a voucher), :mod:`~resocialize.contracts` (the social contract),
:mod:`~resocialize.choice` (the client's choice of center),
:mod:`~resocialize.tariffs` (what a milestone is worth), :mod:`~resocialize.ledger`
(the budget, by double entry) and :mod:`~resocialize.redemption` (a center's claim).
A :class:`Funding` value keeps them in step, so that an agency cannot issue a
certificate without earmarking its money, place one without a recorded choice,
or end one without returning what was not spent:

- :func:`issue` issues the certificate *and* commits its split in the ledger
  (CF-01, CF-07); a refusal names the reasons of both;
- :func:`place` records the client's :class:`~resocialize.choice.Choice` (the
  options offered and the one chosen, read from the register on the day of
  placement) and the signed social contract with the chosen center (CF-02, CF-03);
- :func:`change_center` does the same for a new center; the certificate, its
  face value and what is left of it are carried over (CF-03);
- :func:`redeem` checks and pays a center's claim, with the contract in force for
  that center and the planned length of the chosen program (CF-05, CF-06);
- :func:`settle`, :func:`expire`, :func:`cancel` and :func:`revoke` end the
  certificate and release what it did not spend back to its sources (CF-06);
- :func:`verify` checks every invariant across them: the ledger balances, no
  certificate is paid above its face value or for one milestone twice, only
  centers it was placed with are paid, ended certificates hold nothing back.

Every operation returns a new :class:`Funding`. A refusal raises
:class:`~resocialize.errors.RuleViolation` with every reason and changes
nothing; bad input raises :class:`~resocialize.errors.ValidationError`. The
ledger books in time order, so operations on one :class:`Funding` come in the
order of their ``at``.

>>> from datetime import date, datetime, timezone
>>> from resocialize.certificates import ClientStanding, Course
>>> from resocialize.ledger import FundingSource, SourceKind, appropriate, open_ledger
>>> from resocialize.money import Money
>>> from resocialize.tariffs import default_tariffs
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
>>> budget = open_ledger([FundingSource("regional", "Regional budget", SourceKind.REGIONAL_BUDGET)],
...                      currency="RUB")
>>> budget = appropriate(budget, "regional", 2026, Money.of(1_000_000, "RUB"), at=at,
...                      by="fin-1", reference="law-12")
>>> funds = issue(open_funding(budget), "cert-1", ClientStanding("client-1", True, True),
...               course=Course.SOCIAL_REHABILITATION, face_value=Money.of(180_000, "RUB"),
...               split={"regional": Money.of(180_000, "RUB")}, valid_from=date(2026, 3, 2),
...               valid_until=date(2026, 12, 31), issuer_id="agency-1",
...               tariff=default_tariffs()["rostov_certificate"], at=at, by="officer-1")
>>> print(remaining(funds, "cert-1"))
180000.00 RUB
>>> funds = cancel(funds, "cert-1", at=at, by="officer-1", why="the client moved away")
>>> from resocialize.ledger import available
>>> print(available(funds.ledger, "regional", 2026))
1000000.00 RUB
>>> verify(funds).allowed
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Final, TypeVar

import attrs

from ._checks import (
    Checked,
    Problems,
    checked,
    id_problem,
    instance_problem,
    instant_problem,
    text_problem,
    unchecked,
)
from .certificates import (
    EMPTY_BOOK,
    FINAL_STATES,
    Certificate,
    CertificateBook,
    CertificateEvent,
    ClientStanding,
    Course,
    decide,
    standing,
)
from .certificates import issue as issue_certificate
from .choice import Choice
from .contracts import SocialContract, contract_standing
from .errors import RuleViolation, ValidationError
from .facts import CenterStanding, CertificateStanding, ContractStanding
from .ledger import Ledger, commit, committed, paid, release
from .ledger import verify as verify_ledger
from .money import Money
from .pathway import Case
from .redemption import Claim, Payment
from .redemption import redeem as redeem_claim
from .rules import Decision, Reason
from .tariffs import Milestone, Tariff

__all__ = [
    "Funding",
    "cancel",
    "certificate_of",
    "change_center",
    "expire",
    "issue",
    "open_funding",
    "payments_of",
    "place",
    "redeem",
    "remaining",
    "revoke",
    "settle",
    "standings",
    "start_service",
    "verify",
]

T = TypeVar("T")

_REPEATABLE: Final = frozenset({Milestone.DAYS_SERVED})
"""Milestones a certificate may pay more than once (each time for other days)."""


def _frozen(value: object) -> object:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _mapping_of(kind: type, *, tuples: bool = False) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, Mapping):
            return f"must be a mapping, not {type(value).__name__}"
        for key, item in value.items():
            if not isinstance(key, str):
                return f"keys must be ids, not {type(key).__name__}"
            items = item if tuples and isinstance(item, tuple) else (item,)
            if tuples and not isinstance(item, tuple):
                return f"[{key!r}] must be a tuple of {kind.__name__}"
            for one in items:
                if not isinstance(one, kind):
                    return f"[{key!r}] must hold {kind.__name__}, not {type(one).__name__}"
        return None

    return check


def _mapping_field(kind: type, *, tuples: bool = False) -> Mapping[str, object]:
    return attrs.field(
        factory=dict,
        converter=_frozen,
        metadata=checked(_mapping_of(kind, tuples=tuples)),
        hash=False,
        repr=lambda m: f"<{len(m)}>",
    )


@attrs.frozen
class Funding(Checked):
    """The certificates of a region with their money: the book of certificates, the
    budget ledger, the tariff of each certificate, the social contracts, the choices
    recorded at placement and the payments made, each by certificate id (contracts by
    contract id). Build it with :func:`open_funding` and change it with the operations
    of this module; constructing one directly checks only the types.
    """

    ledger: Ledger = attrs.field(metadata=checked(instance_problem(Ledger)))
    book: CertificateBook = attrs.field(
        default=EMPTY_BOOK, metadata=checked(instance_problem(CertificateBook))
    )
    tariffs: Mapping[str, Tariff] = _mapping_field(Tariff)  # type: ignore[assignment]
    contracts: Mapping[str, SocialContract] = _mapping_field(  # type: ignore[assignment]
        SocialContract
    )
    choices: Mapping[str, tuple[Choice, ...]] = _mapping_field(  # type: ignore[assignment]
        Choice, tuples=True
    )
    payments: Mapping[str, tuple[Payment, ...]] = _mapping_field(  # type: ignore[assignment]
        Payment, tuples=True
    )

    def __reduce__(self) -> tuple[type[Funding], tuple[object, ...]]:
        values = attrs.astuple(self, recurse=False)
        return (type(self), tuple(dict(v) if isinstance(v, Mapping) else v for v in values))


def _changed(funding: Funding, **changes: object) -> Funding:
    """``funding`` with some parts replaced by checked ones, without re-checking the rest."""
    values = {f.name: getattr(funding, f.name) for f in attrs.fields(Funding)}
    for name, value in changes.items():
        values[name] = MappingProxyType(value) if isinstance(value, dict) else value
    return unchecked(Funding, **values)


def open_funding(ledger: Ledger) -> Funding:
    """Funding with no certificate yet, paid from ``ledger`` (appropriate it first)."""
    return Funding(ledger)


# --- helpers -------------------------------------------------------------------------------------


def _attempt(action: Callable[[], T]) -> tuple[T | None, list[Reason]]:
    """Run a pure action; a refusal becomes its reasons (bad input still raises)."""
    try:
        return action(), []
    except RuleViolation as refused:
        return None, list(refused.reasons)


def _common(
    problems: Problems, funding: object, certificate_id: object, at: object, by: object
) -> None:
    problems.check("funding", instance_problem(Funding)(funding))
    problems.check("certificate_id", id_problem(certificate_id))
    problems.check("at", instant_problem(at))
    problems.check("by", id_problem(by))


def _unknown(certificate_id: str) -> Reason:
    return Reason(
        "certificate.unknown",
        f"there is no certificate {certificate_id}",
        {"certificate_id": certificate_id},
    )


def certificate_of(funding: Funding, certificate_id: str) -> Certificate:
    """The certificate ``certificate_id``; refused with ``certificate.unknown``."""
    if not isinstance(funding, Funding):
        raise ValidationError.at("funding", f"must be Funding, not {type(funding).__name__}")
    return funding.book.certificate(certificate_id)


def remaining(funding: Funding, certificate_id: str) -> Money:
    """What is left of the certificate's face value: the face value less all it paid.

    A change of center carries exactly this to the new center (CF-03).
    """
    certificate = certificate_of(funding, certificate_id)
    return certificate.face_value - paid(funding.ledger, certificate_id)


def payments_of(funding: Funding, certificate_id: str) -> tuple[Payment, ...]:
    """The payments made on the certificate, in the order they were made."""
    certificate_of(funding, certificate_id)
    return funding.payments.get(certificate_id, ())


# --- issue ---------------------------------------------------------------------------------------


def issue(
    funding: Funding,
    certificate_id: str,
    client: ClientStanding,
    *,
    course: Course,
    face_value: Money,
    split: Mapping[str, Money],
    valid_from: date,
    valid_until: date,
    issuer_id: str,
    tariff: Tariff,
    at: datetime,
    by: str,
    year: int | None = None,
) -> Funding:
    """Issue a certificate and commit its split in the ledger (CF-01, CF-04, CF-07).

    The money is earmarked from each source's funds of ``year`` (default: the year
    of ``valid_from``). Refused with the reasons of both the issue
    (:func:`resocialize.certificates.issue`) and the commitment
    (:func:`resocialize.ledger.commit`: ``ledger.insufficient_funds`` and others).
    ``tariff`` says how the certificate is paid; it must be in the face value's currency.
    """
    problems = Problems()
    problems.check("funding", instance_problem(Funding)(funding))
    problems.check("tariff", instance_problem(Tariff)(tariff))
    if (
        isinstance(tariff, Tariff)
        and isinstance(face_value, Money)
        and tariff.currency != face_value.currency
    ):
        problems.add(
            "tariff", f"pays in {tariff.currency}, the face value is in {face_value.currency}"
        )
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        problems.add("year", f"must be a whole year, not {type(year).__name__}")
    problems.raise_if_any()
    book, reasons = _attempt(
        lambda: issue_certificate(
            funding.book,
            certificate_id,
            client,
            course=course,
            face_value=face_value,
            split=split,
            valid_from=valid_from,
            valid_until=valid_until,
            issuer_id=issuer_id,
            at=at,
            by=by,
        )
    )
    budget_year = year if year is not None else valid_from.year
    ledger, more = _attempt(
        lambda: commit(
            funding.ledger,
            certificate_id,
            split,
            year=budget_year,
            at=at,
            by=by,
            why=f"certificate {certificate_id} issued",
        )
    )
    taken = any(r.code == "certificate.id_taken" for r in reasons)
    reasons += [r for r in more if not (taken and r.code == "ledger.already_committed")]
    if reasons:
        raise RuleViolation(reasons)
    assert book is not None and ledger is not None
    return _changed(
        funding, book=book, ledger=ledger, tariffs={**funding.tariffs, certificate_id: tariff}
    )


# --- placement and change of center --------------------------------------------------------------


def _choice_reasons(choice: Choice, contract: SocialContract, day: date) -> list[Reason]:
    reasons: list[Reason] = []
    if choice.on != day:
        reasons.append(
            Reason(
                "choice.not_of_the_day",
                f"the choice was made from the register of {choice.on.isoformat()}; a placement "
                f"on {day.isoformat()} needs the choice list of that day",
                {"choice_on": choice.on.isoformat(), "day": day.isoformat()},
            )
        )
    if choice.center_id != contract.center_id:
        reasons.append(
            Reason(
                "choice.other_center",
                f"the client chose {choice.center_id}; the contract {contract.id} is with "
                f"{contract.center_id}",
                {"chosen": choice.center_id, "contract_center": contract.center_id},
            )
        )
    return reasons


def _move(
    funding: Funding,
    certificate_id: str,
    event: CertificateEvent,
    choice: Choice,
    contract: SocialContract,
    *,
    at: datetime,
    by: str,
    why: str | None,
) -> Funding:
    problems = Problems()
    _common(problems, funding, certificate_id, at, by)
    problems.check("choice", instance_problem(Choice)(choice))
    problems.check("contract", instance_problem(SocialContract)(contract))
    problems.raise_if_any()
    reasons = _choice_reasons(choice, contract, at.date())
    book, more = _attempt(
        lambda: decide(
            funding.book,
            certificate_id,
            event,
            at=at,
            by=by,
            why=why,
            center_id=choice.center_id,
            contract=contract,
        )
    )
    reasons += more
    if reasons:
        raise RuleViolation(reasons)
    assert book is not None
    return _changed(
        funding,
        book=book,
        contracts={**funding.contracts, contract.id: contract},
        choices={
            **funding.choices,
            certificate_id: (*funding.choices.get(certificate_id, ()), choice),
        },
    )


def place(
    funding: Funding,
    certificate_id: str,
    choice: Choice,
    contract: SocialContract,
    *,
    at: datetime,
    by: str,
) -> Funding:
    """Place the certificate with the center the client chose (CF-02, CF-03).

    ``choice`` is the client's pick from the choice list of the day of placement
    (:func:`resocialize.registry.choices_on` then :func:`resocialize.choice.choose`:
    so the center is in the register and qualified that day, with a free place);
    it is recorded with the options offered. ``contract`` is the social contract with
    the chosen center, signed by every party. Refused with every reason: a choice of
    another day (``choice.not_of_the_day``) or of another center than the contract's
    (``choice.other_center``), and each reason of
    :func:`resocialize.certificates.decide` (``contract.not_signed``,
    ``certificate.not_valid``, ``transition.not_allowed``...).
    """
    return _move(
        funding, certificate_id, CertificateEvent.PLACE, choice, contract, at=at, by=by, why=None
    )


def change_center(
    funding: Funding,
    certificate_id: str,
    choice: Choice,
    contract: SocialContract,
    *,
    at: datetime,
    by: str,
    why: str | None = None,
) -> Funding:
    """Move the certificate to another center the client chose (CF-03).

    Needs what :func:`place` needs, for the new center. The certificate keeps its
    face value and split; what it has not paid (:func:`remaining`) stays committed
    and is what the new center can be paid. Claims of the former center for
    services before the change are still checked against its own contract.
    """
    return _move(
        funding,
        certificate_id,
        CertificateEvent.CHANGE_CENTER,
        choice,
        contract,
        at=at,
        by=by,
        why=why,
    )


def start_service(funding: Funding, certificate_id: str, *, at: datetime, by: str) -> Funding:
    """Record that the client was admitted to the center: the certificate is in service."""
    problems = Problems()
    _common(problems, funding, certificate_id, at, by)
    problems.raise_if_any()
    book = decide(funding.book, certificate_id, CertificateEvent.START_SERVICE, at=at, by=by)
    return _changed(funding, book=book)


# --- the end of a certificate --------------------------------------------------------------------


def _end(
    funding: Funding,
    certificate_id: str,
    event: CertificateEvent,
    *,
    at: datetime,
    by: str,
    why: str | None,
) -> Funding:
    problems = Problems()
    _common(problems, funding, certificate_id, at, by)
    if why is not None:
        problems.check("why", text_problem(why))
    problems.raise_if_any()
    book, reasons = _attempt(
        lambda: decide(funding.book, certificate_id, event, at=at, by=by, why=why)
    )
    note = why if why is not None and why.strip() else f"certificate {event.value}"
    ledger, more = _attempt(lambda: release(funding.ledger, certificate_id, at=at, by=by, why=note))
    ended = any(r.code == "transition.not_allowed" for r in reasons)
    reasons += [r for r in more if not (ended and r.code == "ledger.already_released")]
    if reasons:
        raise RuleViolation(reasons)
    assert book is not None and ledger is not None
    return _changed(funding, book=book, ledger=ledger)


def settle(
    funding: Funding,
    certificate_id: str,
    *,
    at: datetime,
    by: str,
    why: str = "course completed and paid",
) -> Funding:
    """Settle a certificate in service: its course is over; what it did not pay returns
    to its sources."""
    return _end(funding, certificate_id, CertificateEvent.SETTLE, at=at, by=by, why=why)


def expire(funding: Funding, certificate_id: str, *, at: datetime, by: str) -> Funding:
    """Expire a certificate on a day after its validity; its unused money returns (CF-06)."""
    return _end(funding, certificate_id, CertificateEvent.EXPIRE, at=at, by=by, why=None)


def cancel(funding: Funding, certificate_id: str, *, at: datetime, by: str, why: str) -> Funding:
    """Cancel a certificate not yet in service, saying why; its money returns (CF-06)."""
    return _end(funding, certificate_id, CertificateEvent.CANCEL, at=at, by=by, why=why)


def revoke(funding: Funding, certificate_id: str, *, at: datetime, by: str, why: str) -> Funding:
    """Revoke a certificate (e.g. misuse), saying why; its unused money returns."""
    return _end(funding, certificate_id, CertificateEvent.REVOKE, at=at, by=by, why=why)


# --- redemption ----------------------------------------------------------------------------------


def _placement_with(certificate: Certificate, center_id: str) -> str | None:
    """The contract of the latest placement of the certificate with ``center_id``."""
    found: str | None = None
    for change in certificate.history:
        if change.center_id == center_id:
            found = change.contract_id
    return found


def _planned_days(funding: Funding, certificate_id: str, center_id: str) -> int | None:
    """The length of the program chosen with ``center_id`` (else with the latest center)."""
    chosen = funding.choices.get(certificate_id, ())
    for choice in reversed(chosen):
        if choice.center_id == center_id:
            return choice.chosen.duration_days
    return chosen[-1].chosen.duration_days if chosen else None


def redeem(
    funding: Funding,
    claim: Claim,
    *,
    case: Case,
    center: CenterStanding,
    at: datetime,
    by: str,
) -> Funding:
    """Check a center's claim on ``at``'s date and pay it through the ledger (CF-05, CF-06).

    The claim is checked by :func:`resocialize.redemption.redeem` against the
    certificate, the contract of the claiming center's placement (the current
    contract when the center was never placed with), ``center`` (its standing in the
    register on the service date, e.g. :func:`resocialize.registry.standing_on`),
    the client's ``case`` and the certificate's tariff; a dropout claim is paid pro
    rata to the length of the program the client chose. Refused with every reason;
    nothing changes.
    """
    problems = Problems()
    problems.check("funding", instance_problem(Funding)(funding))
    problems.check("claim", instance_problem(Claim)(claim))
    problems.check("at", instant_problem(at))
    problems.check("by", id_problem(by))
    problems.raise_if_any()
    certificate = funding.book.certificates.get(claim.certificate_id)
    if certificate is None:
        raise RuleViolation([_unknown(claim.certificate_id)])
    contract_id = _placement_with(certificate, claim.center_id) or certificate.contract_id
    if contract_id is None:
        raise RuleViolation(
            [
                Reason(
                    "certificate.not_active",
                    f"the certificate {certificate.id} is {certificate.state.value}: "
                    "never placed, so no center is contracted",
                    {"state": certificate.state.value},
                ),
                Reason(
                    "claim.not_contracted_center",
                    f"{claim.center_id} is not the contracted center of {certificate.id}",
                    {"center_id": claim.center_id},
                ),
            ]
        )
    paid_before = funding.payments.get(certificate.id, ())
    redeemed = redeem_claim(
        funding.ledger,
        claim,
        certificate=certificate,
        contract=funding.contracts[contract_id],
        center=center,
        case=case,
        tariff=funding.tariffs[certificate.id],
        paid_claims=paid_before,
        at=at,
        by=by,
        planned_days=_planned_days(funding, certificate.id, claim.center_id),
    )
    return _changed(
        funding,
        ledger=redeemed.ledger,
        payments={**funding.payments, certificate.id: (*paid_before, redeemed.payment)},
    )


# --- the pathway's view --------------------------------------------------------------------------


def standings(
    funding: Funding, client_id: str, *, on: date, among: Iterable[str] | None = None
) -> tuple[CertificateStanding | None, ContractStanding | None]:
    """The client's certificate and social contract as they stand at the end of ``on``,
    for the admission guards of the pathway (PW-05).

    The certificate is the client's latest one issued by then that is still active
    (else the latest one); the contract is the one it is placed under, if any. Put
    them in :class:`~resocialize.facts.Facts` with the center's standing. ``among``
    names the certificates to look at (an index of the client's certificates kept by the
    caller); by default every certificate of the book is looked at.
    """
    if not isinstance(funding, Funding):
        raise ValidationError.at("funding", f"must be Funding, not {type(funding).__name__}")
    problems = Problems()
    problems.check("client_id", id_problem(client_id))
    if not isinstance(on, date) or isinstance(on, datetime):
        problems.add("on", f"must be a date, not {type(on).__name__}")
    problems.raise_if_any()
    book = funding.book.certificates
    candidates = book.values() if among is None else (book[c] for c in among if c in book)
    held = [
        (certificate, standing(certificate, on=on))
        for certificate in candidates
        if certificate.client_id == client_id and certificate.history[0].at.date() <= on
    ]
    if not held:
        return None, None
    best_certificate, best = max(held, key=lambda pair: (pair[1].active, pair[0].history[0].at))
    if best.center_id is None:
        return best, None
    contract_id = _placement_with(best_certificate, best.center_id)
    contract = funding.contracts.get(contract_id) if contract_id is not None else None
    return best, (contract_standing(contract, on=on) if contract is not None else None)


# --- invariants ----------------------------------------------------------------------------------


def _certificate_reasons(funding: Funding, certificate: Certificate) -> Iterable[Reason]:
    cid = certificate.id
    details = {"certificate_id": cid}
    try:
        spent = paid(funding.ledger, cid)
        left = sum(
            committed(funding.ledger, cid).values(), Money.zero(certificate.face_value.currency)
        )
    except RuleViolation:
        yield Reason("funding.not_committed", f"{cid} has no commitment in the ledger", details)
        return
    if spent > certificate.face_value:
        yield Reason(
            "funding.above_face_value",
            f"{cid} paid {spent}, above its face value {certificate.face_value}",
            details,
        )
    payments = funding.payments.get(cid, ())
    total = sum((p.amount for p in payments), Money.zero(certificate.face_value.currency))
    if total != spent:
        yield Reason(
            "funding.payments_disagree",
            f"the payments of {cid} sum to {total}, the ledger paid {spent}",
            details,
        )
    keys = [(p.milestone, p.months) for p in payments if p.milestone not in _REPEATABLE]
    if len(keys) != len(set(keys)):
        yield Reason("funding.paid_twice", f"{cid} paid one milestone twice", details)
    placed_with = {c.center_id for c in certificate.history if c.center_id is not None}
    for payment in payments:
        if payment.center_id not in placed_with:
            yield Reason(
                "funding.paid_uncontracted",
                f"{cid} paid {payment.center_id}, a center it was never placed with",
                {**details, "center_id": payment.center_id},
            )
    if certificate.state in FINAL_STATES and left.is_positive:
        yield Reason(
            "funding.not_released",
            f"{cid} is {certificate.state.value} but still holds {left} committed",
            details,
        )
    if certificate.state not in FINAL_STATES and left + spent != certificate.face_value:
        yield Reason(
            "funding.commitment_not_face_value",
            f"{cid} holds {left} and paid {spent}, not its face value {certificate.face_value}",
            details,
        )


def verify(funding: Funding) -> Decision:
    """Check every invariant of the funding; every breach is a reason.

    The ledger's own checks (:func:`resocialize.ledger.verify`: every transaction
    balances, money is conserved), and for each certificate: it is committed; it
    paid at most its face value; its payments agree with the ledger; no milestone
    paid twice (per-day claims aside); only centers it was placed with were paid;
    an active one holds exactly its face value less what it paid, an ended one
    holds nothing.
    """
    if not isinstance(funding, Funding):
        raise ValidationError.at("funding", f"must be Funding, not {type(funding).__name__}")
    reasons = list(verify_ledger(funding.ledger).reasons)
    for certificate in funding.book.certificates.values():
        reasons.extend(_certificate_reasons(funding, certificate))
    return Decision(tuple(reasons))
