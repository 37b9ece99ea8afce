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
from typing import Any, Final

import attrs

from . import funding as funds
from . import labour
from .certificates import ClientStanding, Course
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
    "apply_labour",
    "fold_clients",
    "fold_funding",
    "fold_labour",
    "funding_payload",
    "labour_payload",
    "records_payload",
]

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


def labour_payload(operation: str, arguments: Mapping[str, object]) -> dict[str, Any]:
    """The journal payload of an operation on the reserve of vacancies."""
    types = _LABOUR_OPERATIONS[operation][1]
    return {
        "operation": operation,
        "arguments": {name: unstructure(arguments[name]) for name in types},
    }


def apply_labour(
    reserve: VacancyReserve | None, operation: str, arguments: Mapping[str, Any]
) -> VacancyReserve:
    """Apply an operation to the reserve of vacancies (``None`` before the first)."""
    return _LABOUR_OPERATIONS[operation][0](reserve, **arguments)


def fold_labour(reserve: VacancyReserve | None, payload: Mapping[str, Any]) -> VacancyReserve:
    """``reserve`` after the operation a journal payload records."""
    operation = payload.get("operation")
    if operation not in _LABOUR_OPERATIONS:
        raise ValidationError.at("payload.operation", f"is no labour operation: {operation!r}")
    types = _LABOUR_OPERATIONS[str(operation)][1]
    data = payload.get("arguments", {})
    arguments = {name: structure(data.get(name), kind) for name, kind in types.items()}
    return apply_labour(reserve, str(operation), arguments)


def funding_payload(operation: str, arguments: Mapping[str, object]) -> dict[str, Any]:
    """The journal payload of a funding operation: its name and its arguments' data."""
    types = _OPERATIONS[operation][1]
    return {
        "operation": operation,
        "arguments": {name: unstructure(arguments[name]) for name in types},
    }


def apply_funding(funding: Funding | None, operation: str, arguments: Mapping[str, Any]) -> Funding:
    """Apply a funding operation to ``funding`` (``None`` before the funding is opened)."""
    apply = _OPERATIONS[operation][0]
    return apply(funding, **arguments)


def fold_funding(funding: Funding | None, payload: Mapping[str, Any]) -> Funding:
    """``funding`` after the operation a journal payload records."""
    operation = payload.get("operation")
    if operation not in _OPERATIONS:
        raise ValidationError.at("payload.operation", f"is no funding operation: {operation!r}")
    types = _OPERATIONS[str(operation)][1]
    data = payload.get("arguments", {})
    arguments = {name: structure(data.get(name), kind) for name, kind in types.items()}
    return apply_funding(funding, str(operation), arguments)


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
