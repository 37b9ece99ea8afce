"""The region-wide parts of the regional system, kept as folds of the journal.

A case, a center's register entry or a social contract is small: the store keeps its
whole document, and its journal entry says what changed. The certificates with their
money (:class:`~resocialize.funding.Funding`) and the client register
(:class:`~resocialize.clients.ClientRegister`) are one value each for the whole region,
and they grow with it: writing the whole value at every command would cost more with
every certificate. So they are kept **in the journal**:

- a funding entry's payload is the *operation* and its arguments
  (``{"operation": "redeem", "arguments": {...}}``); the funding is every operation
  re-applied in order by the pure functions of :mod:`resocialize.funding`;
- a client register entry's payload is the *records* the command changed; the register
  is every record as last written;
- the employment service's reserve of vacancies (:class:`~resocialize.labour.VacancyReserve`)
  is kept like the funding: each entry holds the operation and its arguments.

Their row among the stored aggregates holds only their version (the document says
``{"kept_in": "journal"}``), which is what optimistic concurrency needs: two writers
that read the funding at the same version cannot both commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Final, Generic, TypeVar

import attrs

from . import funding as funds
from . import labour
from .certificates import CertificateState, ClientStanding, Course
from .choice import Choice
from .clients import ClientRecord, ClientRegister
from .contracts import SocialContract
from .errors import ValidationError
from .facts import CenterStanding
from .funding import Funding
from .labour import EmployerIncentive, Enrolment, JobQuota, LabourProfile, Vacancy, VacancyReserve
from .ledger import FundingSource, add_source, appropriate, open_ledger
from .money import Money
from .pathway import Case
from .people import LinkageKey
from .redemption import Claim
from .serialization import structure, unstructure
from .tariffs import Tariff

__all__ = [
    "CENTER",
    "CLAIM",
    "CLIENTS",
    "CONTRACT",
    "EXPORTS",
    "FOLLOW_UP",
    "FUNDING",
    "IDENTITY",
    "KEPT_IN_JOURNAL",
    "LABOUR",
    "LINKAGE",
    "NOTICES",
    "REGION",
    "FundingIndex",
    "apply_labour",
    "fold_clients",
    "fold_funding",
    "fold_labour",
    "funding_payload",
    "labour_payload",
    "records_payload",
    "touched",
]

S = TypeVar("S")

FUNDING: Final = "funding"
CLIENTS: Final = "clients"
CENTER: Final = "center"
CONTRACT: Final = "contract"
CLAIM: Final = "claim"
FOLLOW_UP: Final = "follow_up"
NOTICES: Final = "notices"
IDENTITY: Final = "identity"
LINKAGE: Final = "linkage"
"""The linkage keys of each client, kept out of the journal (see :func:`records_payload`)."""
LABOUR: Final = "labour"
EXPORTS: Final = "exports"
REGION: Final = "region"
"""The id of the region-wide aggregates (the funding, the client register)."""

KEPT_IN_JOURNAL: Final[Mapping[str, str]] = {"kept_in": "journal"}


def _appropriate(
    funding: Funding | None,
    *,
    source: FundingSource,
    year: int,
    amount: Money,
    at: datetime,
    by: str,
    reference: str,
) -> Funding:
    """Appropriate ``amount`` of ``source`` for ``year``; the first appropriation opens the
    books in its currency, and a source not known yet is added."""
    if funding is None:
        funding = funds.open_funding(open_ledger((source,), currency=amount.currency))
    ledger = funding.ledger
    if source.id not in {known.id for known in ledger.sources}:
        ledger = add_source(ledger, source)
    ledger = appropriate(ledger, source.id, year, amount, at=at, by=by, reference=reference)
    return funds._changed(funding, ledger=ledger)


_MOVE: Final = {"certificate_id": str, "choice": Choice, "contract": SocialContract}
_WHEN: Final = {"at": datetime, "by": str}

_OPERATIONS: Final[Mapping[str, tuple[Callable[..., Funding], Mapping[str, Any]]]] = {
    "appropriate": (
        _appropriate,
        {"source": FundingSource, "year": int, "amount": Money, "reference": str, **_WHEN},
    ),
    "issue": (
        funds.issue,
        {
            "certificate_id": str,
            "client": ClientStanding,
            "course": Course,
            "face_value": Money,
            "split": Mapping[str, Money],
            "valid_from": date,
            "valid_until": date,
            "issuer_id": str,
            "tariff": Tariff,
            "year": int | None,
            **_WHEN,
        },
    ),
    "place": (funds.place, {**_MOVE, **_WHEN}),
    "change_center": (funds.change_center, {**_MOVE, "why": str | None, **_WHEN}),
    "start_service": (funds.start_service, {"certificate_id": str, **_WHEN}),
    "settle": (funds.settle, {"certificate_id": str, "why": str, **_WHEN}),
    "expire": (funds.expire, {"certificate_id": str, **_WHEN}),
    "cancel": (funds.cancel, {"certificate_id": str, "why": str, **_WHEN}),
    "revoke": (funds.revoke, {"certificate_id": str, "why": str, **_WHEN}),
    "redeem": (funds.redeem, {"claim": Claim, "case": Case, "center": CenterStanding, **_WHEN}),
}


def _add_vacancy(reserve: VacancyReserve | None, *, vacancy: Vacancy) -> VacancyReserve:
    return labour.add_vacancy(reserve or VacancyReserve(), vacancy)


def _add_quota(reserve: VacancyReserve | None, *, quota: JobQuota) -> VacancyReserve:
    return labour.add_quota(reserve or VacancyReserve(), quota)


def _add_incentive(
    reserve: VacancyReserve | None, *, incentive: EmployerIncentive
) -> VacancyReserve:
    return labour.add_incentive(reserve or VacancyReserve(), incentive)


def _hire(
    reserve: VacancyReserve | None, *, profile: LabourProfile, vacancy_id: str, on: date
) -> VacancyReserve:
    return labour.hire(reserve or VacancyReserve(), profile, vacancy_id, on)


def _enrol(reserve: VacancyReserve | None, *, enrolment: Enrolment) -> VacancyReserve:
    return labour.enrol(reserve or VacancyReserve(), enrolment)


_LABOUR_OPERATIONS: Final[Mapping[str, tuple[Callable[..., VacancyReserve], Mapping[str, Any]]]] = {
    "add_vacancy": (_add_vacancy, {"vacancy": Vacancy}),
    "add_quota": (_add_quota, {"quota": JobQuota}),
    "add_incentive": (_add_incentive, {"incentive": EmployerIncentive}),
    "hire": (_hire, {"profile": LabourProfile, "vacancy_id": str, "on": date}),
    "enrol": (_enrol, {"enrolment": Enrolment}),
}


class Operations(Generic[S]):
    """The operations that change one region-wide value kept in the journal: each by name,
    with the pure function that applies it and the types of its arguments, so that an entry
    records the operation and its arguments' data and a replay applies it again."""

    def __init__(
        self, kind: str, table: Mapping[str, tuple[Callable[..., S], Mapping[str, Any]]]
    ) -> None:
        self.kind = kind
        self.table = table

    def payload(self, operation: str, arguments: Mapping[str, object]) -> dict[str, Any]:
        """The journal payload of an operation: its name and its arguments' data."""
        types = self.table[operation][1]
        return {
            "operation": operation,
            "arguments": {name: unstructure(arguments[name]) for name in types},
        }

    def apply(self, value: S | None, operation: str, arguments: Mapping[str, Any]) -> S:
        """``value`` (``None`` before the first operation) after the operation."""
        return self.table[operation][0](value, **arguments)

    def fold(self, value: S | None, payload: Mapping[str, Any]) -> S:
        """``value`` after the operation a journal payload records."""
        operation = payload.get("operation")
        if operation not in self.table:
            raise ValidationError.at(
                "payload.operation", f"is no {self.kind} operation: {operation!r}"
            )
        types = self.table[str(operation)][1]
        data = payload.get("arguments", {})
        arguments = {name: structure(data.get(name), kind) for name, kind in types.items()}
        return self.apply(value, str(operation), arguments)


FUNDING_OPERATIONS: Final = Operations("funding", _OPERATIONS)
LABOUR_OPERATIONS: Final = Operations("labour", _LABOUR_OPERATIONS)
funding_payload = FUNDING_OPERATIONS.payload
apply_funding = FUNDING_OPERATIONS.apply
fold_funding = FUNDING_OPERATIONS.fold
labour_payload = LABOUR_OPERATIONS.payload
apply_labour = LABOUR_OPERATIONS.apply
fold_labour = LABOUR_OPERATIONS.fold


class FundingIndex:
    """What the regional system looks up in the funding at every placement and admission,
    kept up to date by the certificates each operation touches instead of a scan of every
    certificate: the certificates of each client, and the places taken per (center,
    program) by certificates in service (with the program of their last choice)."""

    def __init__(self) -> None:
        self.by_client: dict[str, set[str]] = {}
        self.place: dict[str, tuple[str, str]] = {}
        self.occupied: dict[tuple[str, str], int] = {}

    @classmethod
    def of(cls, funding: Funding) -> FundingIndex:
        """The index of every certificate of ``funding``."""
        index = cls()
        for certificate_id in funding.book.certificates:
            index.touch(funding, certificate_id)
        return index

    def touch(self, funding: Funding, certificate_id: str) -> None:
        """Bring the index up to date with one certificate as ``funding`` holds it."""
        certificate = funding.book.certificates.get(certificate_id)
        if certificate is None:
            return
        self.by_client.setdefault(certificate.client_id, set()).add(certificate_id)
        before = self.place.pop(certificate_id, None)
        if before is not None:
            self.occupied[before] -= 1
        chosen = funding.choices.get(certificate_id, ())
        if certificate.state is CertificateState.IN_SERVICE and chosen:
            pair = (chosen[-1].center_id, chosen[-1].chosen.program_id)
            self.place[certificate_id] = pair
            self.occupied[pair] = self.occupied.get(pair, 0) + 1


def touched(payload: Mapping[str, Any]) -> str | None:
    """The certificate a funding entry's operation changed, if any."""
    arguments = payload.get("arguments", {})
    if "certificate_id" in arguments:
        return str(arguments["certificate_id"])
    claim = arguments.get("claim")
    if isinstance(claim, Mapping) and "certificate_id" in claim:
        return str(claim["certificate_id"])
    return None


def records_payload(records: tuple[ClientRecord, ...]) -> dict[str, Any]:
    """The journal payload of a change to the client register: the records as changed,
    without their linkage keys. The keys (keyed hashes that link a report to a person) are
    kept in a stored aggregate of their own (:data:`LINKAGE`), never in the journal, so
    that purging a client erases them for good."""
    return {"records": [unstructure(attrs.evolve(record, keys=frozenset())) for record in records]}


def fold_clients(
    register: ClientRegister | None,
    payload: Mapping[str, Any],
    keys_of: Callable[[str], frozenset[LinkageKey]],
) -> ClientRegister:
    """``register`` with the records a journal payload holds written over its own, each
    with the linkage keys ``keys_of`` gives for it."""
    records = dict(register.clients) if register is not None else {}
    for data in payload.get("records", ()):
        record = structure(data, ClientRecord)
        records[record.id] = attrs.evolve(record, keys=keys_of(record.id))
    years = register.retention_years if register is not None else None
    return ClientRegister(records) if years is None else ClientRegister(records, years)
