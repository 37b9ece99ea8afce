"""Certificates for rehabilitation: issue, placement, service, settlement (CF-01, CF-04).

A :class:`Certificate` (a voucher) earmarks money for the rehabilitation of one
client: a course, a face value split by funding source, a validity window and
the issuing body. It is issued only to a client enrolled in the client register
with consent and referred, and a client holds at most one active certificate per
course. It is never transferred: no operation changes its ``client_id``. A
:class:`CertificateBook` holds every certificate by id.

The lifecycle is defined once, as a python-statemachine chart
(:class:`~resocialize.certificate_chart.CertificateChart`); :func:`decide`
looks the event up in the table compiled from it. A refusal raises
:class:`~resocialize.errors.RuleViolation` with a reason for every unmet
condition and changes nothing; bad arguments raise
:class:`~resocialize.errors.ValidationError` with the path of every bad field.

>>> from datetime import date, datetime, timezone
>>> from resocialize.money import Money
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
>>> client = ClientStanding("client-1", enrolled=True, referred=True)
>>> book = issue(EMPTY_BOOK, "cert-1", client, course=Course.SOCIAL_REHABILITATION,
...              face_value=Money.of(180_000, "RUB"),
...              split={"regional": Money.of(120_000, "RUB"), "federal": Money.of(60_000, "RUB")},
...              valid_from=date(2026, 3, 2), valid_until=date(2026, 12, 31),
...              issuer_id="agency-1", at=at, by="officer-1")
>>> book.certificate("cert-1").state
<CertificateState.ISSUED: 'issued'>
>>> from resocialize.errors import RuleViolation
>>> try:
...     decide(book, "cert-1", "place", at=at, by="officer-1", center_id="c-1")
... except RuleViolation as refused:
...     print(refused.codes)
('contract.missing',)

Decisions worth knowing:

- **The client's standing is passed in** as a :class:`ClientStanding` (enrolled
  with consent, referred), not a whole client record: the client register's
  record is turned into one by :func:`client_standing`.
- **One active certificate per client and course.** A certificate is active
  until it reaches a final state (settled, expired, cancelled, revoked). A
  certificate for both courses conflicts with either.
- **Placement needs a signed contract** (CF-02) of this client and this center,
  signed by every party by the day of the decision and not terminated, not
  bound to another certificate. ``change_center`` needs the same for the new
  center; the certificate, its face value and its split stay the same (the
  remaining value is carried).
- **Validity.** ``place``, ``start_service`` and ``change_center`` happen within
  the validity window; ``expire`` only on a day after ``valid_until``.
- **Cancel and revoke say why**; every change is recorded with who, when, the
  event, the states and why.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import attrs

from ._checks import (
    Checked,
    Problems,
    bool_problem,
    checked,
    date_problem,
    id_problem,
    instance_problem,
    instant_problem,
    member_problem,
    optional,
    text_problem,
    unchecked,
)
from .clients import ClientRecord
from .contracts import SocialContract, contract_standing
from .errors import FieldProblem, RuleViolation, ValidationError
from .facts import CertificateStanding
from .money import Money
from .rules import Reason

if TYPE_CHECKING:
    from .certificate_chart import CertificateTable

__all__ = [
    "CERTIFICATE_GUARDS",
    "EMPTY_BOOK",
    "FINAL_STATES",
    "Certificate",
    "CertificateBook",
    "CertificateChange",
    "CertificateEvent",
    "CertificateGuard",
    "CertificateState",
    "ClientStanding",
    "Course",
    "Request",
    "certificate_table",
    "client_standing",
    "decide",
    "issue",
    "standing",
]


class Course(enum.StrEnum):
    """What the certificate pays for. Values are stable: they are stored."""

    SOCIAL_REHABILITATION = "social_rehabilitation"
    RESOCIALIZATION = "resocialization"
    BOTH = "both"


class CertificateState(enum.StrEnum):
    """Where a certificate stands. Values are stable: they are stored."""

    ISSUED = "issued"
    PLACED = "placed"
    """A center is chosen and the social contract with it signed."""
    IN_SERVICE = "in_service"
    """The client is admitted to the center."""
    SETTLED = "settled"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REVOKED = "revoked"


FINAL_STATES: Final = frozenset(
    {
        CertificateState.SETTLED,
        CertificateState.EXPIRED,
        CertificateState.CANCELLED,
        CertificateState.REVOKED,
    }
)
"""The states no event leaves; a certificate in one is no longer active."""


class CertificateEvent(enum.StrEnum):
    """What can happen to a certificate. ``ISSUE`` opens it (:func:`issue`); the rest are
    chart events for :func:`decide`."""

    ISSUE = "issue"
    PLACE = "place"
    START_SERVICE = "start_service"
    CHANGE_CENTER = "change_center"
    SETTLE = "settle"
    EXPIRE = "expire"
    CANCEL = "cancel"
    REVOKE = "revoke"


_EVENTS: Final[Mapping[str, CertificateEvent]] = {e.value: e for e in CertificateEvent}
_TAKES_CENTER: Final = frozenset({CertificateEvent.PLACE, CertificateEvent.CHANGE_CENTER})


# --- values --------------------------------------------------------------------------------------


@attrs.frozen
class ClientStanding(Checked):
    """What issuing needs to know of the client: enrolled in the client register with
    consent, and referred (CF-01)."""

    client_id: str = attrs.field(metadata=checked(id_problem))
    enrolled: bool = attrs.field(metadata=checked(bool_problem))
    referred: bool = attrs.field(metadata=checked(bool_problem))


def client_standing(record: ClientRecord) -> ClientStanding:
    """The standing of a client-register record: enrolled (with consent) and referred."""
    if not isinstance(record, ClientRecord):
        raise ValidationError.at("record", f"must be a ClientRecord, not {type(record).__name__}")
    return ClientStanding(record.id, record.enrolled, bool(record.referrals))


@attrs.frozen
class CertificateChange(Checked):
    """One recorded change: who, when, which event, from which state to which, why, and
    the center and contract a placement or change of center records."""

    at: datetime = attrs.field(metadata=checked(instant_problem))
    by: str = attrs.field(metadata=checked(id_problem))
    event: CertificateEvent = attrs.field(metadata=checked(member_problem(CertificateEvent)))
    source: CertificateState | None = attrs.field(
        metadata=checked(optional(member_problem(CertificateState)))
    )
    target: CertificateState = attrs.field(metadata=checked(member_problem(CertificateState)))
    why: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    center_id: str | None = attrs.field(default=None, metadata=checked(optional(id_problem)))
    contract_id: str | None = attrs.field(default=None, metadata=checked(optional(id_problem)))


def _frozen_mapping(value: object) -> object:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _tuple(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def _split_problem(value: object) -> str | None:
    if not isinstance(value, Mapping) or not value:
        return "must be a non-empty mapping of source id to Money"
    for key, money in value.items():
        problem = id_problem(key)
        if problem is not None:
            return f"source id {key!r} {problem}"
        if not isinstance(money, Money) or not money.is_positive:
            return f"[{key!r}] must be positive Money"
    return None


def _history_problem(value: object) -> str | None:
    if not isinstance(value, tuple) or not value:
        return "must be a non-empty tuple of CertificateChange"
    for i, item in enumerate(value):
        if not isinstance(item, CertificateChange):
            return f"item {i} must be a CertificateChange, not {type(item).__name__}"
    return None


def _face_problem(value: object) -> str | None:
    if not isinstance(value, Money) or not value.is_positive:
        return "must be positive Money"
    return None


@attrs.frozen
class Certificate(Checked):
    """A certificate for rehabilitation of one client (CF-01, CF-04).

    Built by :func:`issue` and :func:`decide`. Constructing one directly checks
    that the split sums exactly to the face value in its currency, that the
    validity window is in order, and that the state, center and contract agree
    with the history.
    """

    id: str = attrs.field(metadata=checked(id_problem))
    client_id: str = attrs.field(metadata=checked(id_problem))
    course: Course = attrs.field(metadata=checked(member_problem(Course)))
    face_value: Money = attrs.field(metadata=checked(_face_problem))
    split: Mapping[str, Money] = attrs.field(
        converter=_frozen_mapping,
        metadata=checked(_split_problem),
        hash=False,
        repr=lambda split: repr(dict(split)),
    )
    """The face value by funding source id; sums exactly to ``face_value``."""
    valid_from: date = attrs.field(metadata=checked(date_problem))
    valid_until: date = attrs.field(metadata=checked(date_problem))
    issuer_id: str = attrs.field(metadata=checked(id_problem))
    state: CertificateState = attrs.field(metadata=checked(member_problem(CertificateState)))
    center_id: str | None = attrs.field(metadata=checked(optional(id_problem)))
    contract_id: str | None = attrs.field(metadata=checked(optional(id_problem)))
    history: tuple[CertificateChange, ...] = attrs.field(
        converter=_tuple, metadata=checked(_history_problem)
    )

    def _more_problems(self, problems: Problems) -> None:
        for reason in _split_reasons(self.face_value, self.split):
            problems.add("split", reason.message)
        if self.valid_until < self.valid_from:
            problems.add("valid_until", "must not be before valid_from")
        first = self.history[0]
        if first.event is not CertificateEvent.ISSUE or first.source is not None:
            problems.add("history[0]", "must be the issue of the certificate")
        center = contract = None
        for i, (before, after) in enumerate(zip(self.history, self.history[1:], strict=False)):
            if after.source is not before.target or after.at < before.at:
                problems.add(f"history[{i + 1}]", "does not follow the change before it")
        for change in self.history:
            if change.center_id is not None:
                center, contract = change.center_id, change.contract_id
        if (self.state, self.center_id, self.contract_id) != (
            self.history[-1].target,
            center,
            contract,
        ):
            problems.add("state", "state, center_id and contract_id disagree with the history")

    def __reduce__(self) -> tuple[type[Certificate], tuple[object, ...]]:
        # the read-only split cannot be pickled itself; rebuild it on load
        values = attrs.astuple(self, recurse=False)
        return (type(self), tuple(dict(v) if isinstance(v, Mapping) else v for v in values))

    @property
    def active(self) -> bool:
        """True until the certificate reaches a final state."""
        return self.state not in FINAL_STATES

    @property
    def last(self) -> CertificateChange:
        """The latest recorded change."""
        return self.history[-1]


def _certificates_problem(value: object) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a mapping of id to Certificate, not {type(value).__name__}"
    for key, item in value.items():
        if not isinstance(item, Certificate) or item.id != key:
            return f"[{key!r}] must be the Certificate with that id"
    return None


@attrs.frozen
class CertificateBook(Checked):
    """Every certificate, keyed by id. A frozen value: operations return a new book."""

    certificates: Mapping[str, Certificate] = attrs.field(
        factory=dict,
        converter=_frozen_mapping,
        metadata=checked(_certificates_problem),
        hash=False,
        repr=lambda c: f"<{len(c)} certificates>",
    )

    def certificate(self, certificate_id: str) -> Certificate:
        """The certificate ``certificate_id``; refused with ``certificate.unknown``."""
        problem = id_problem(certificate_id)
        if problem is not None:
            raise ValidationError.at("certificate_id", problem)
        found = self.certificates.get(certificate_id)
        if found is None:
            raise RuleViolation([_unknown(certificate_id)])
        return found

    def __reduce__(self) -> tuple[type[CertificateBook], tuple[dict[str, Certificate]]]:
        return (type(self), (dict(self.certificates),))


def _with(book: CertificateBook, certificate: Certificate) -> CertificateBook:
    """The book with one checked certificate added or replaced, the rest not re-checked."""
    changed = MappingProxyType({**book.certificates, certificate.id: certificate})
    return unchecked(CertificateBook, certificates=changed)


EMPTY_BOOK: Final = CertificateBook()
"""The book before any certificate is issued."""


# --- guards --------------------------------------------------------------------------------------


@attrs.frozen
class Request:
    """What a decision brings besides the event: when, why, and for a placement the center
    and the signed contract."""

    at: datetime
    why: str | None = None
    center_id: str | None = None
    contract: SocialContract | None = None


CertificateGuard = Callable[[Certificate, Request], tuple[Reason, ...]]
"""A guard: ``(certificate, request) -> reasons``; no reason when the condition holds."""


def contracted(certificate: Certificate, request: Request) -> tuple[Reason, ...]:
    """A social contract of this client and this center, signed by every party by the day
    of the decision and not terminated, not bound to another certificate (CF-02)."""
    contract, center_id, day = request.contract, request.center_id, request.at.date()
    reasons: list[Reason] = []
    if center_id is None:
        reasons.append(Reason("center.missing", "a placement names the chosen center"))
    if contract is None:
        return (*reasons, Reason("contract.missing", "a placement needs a signed social contract"))
    if contract.client_id != certificate.client_id:
        reasons.append(
            Reason(
                "contract.wrong_client",
                f"the contract {contract.id} binds {contract.client_id}, "
                f"not {certificate.client_id}",
                {"contract_id": contract.id, "client_id": contract.client_id},
            )
        )
    if center_id is not None and contract.center_id != center_id:
        reasons.append(
            Reason(
                "contract.wrong_center",
                f"the contract {contract.id} binds {contract.center_id}, not {center_id}",
                {"contract_id": contract.id, "center_id": contract.center_id},
            )
        )
    if contract.certificate_id not in (None, certificate.id):
        reasons.append(
            Reason(
                "contract.wrong_certificate",
                f"the contract {contract.id} serves {contract.certificate_id}",
                {"contract_id": contract.id},
            )
        )
    if not contract_standing(contract, on=day).signed:
        reasons.append(
            Reason(
                "contract.not_signed",
                f"the contract {contract.id} is not signed by every party and in force "
                f"on {day.isoformat()}",
                {"contract_id": contract.id, "day": day.isoformat()},
            )
        )
    return tuple(reasons)


def valid(certificate: Certificate, request: Request) -> tuple[Reason, ...]:
    """The day of the decision is within the certificate's validity window."""
    day = request.at.date()
    if certificate.valid_from <= day <= certificate.valid_until:
        return ()
    return (
        Reason(
            "certificate.not_valid",
            f"{day.isoformat()} is outside the validity of {certificate.id} "
            f"({certificate.valid_from.isoformat()} to {certificate.valid_until.isoformat()})",
            {"day": day.isoformat()},
        ),
    )


def new_center(certificate: Certificate, request: Request) -> tuple[Reason, ...]:
    """A change of center names another center than the current one."""
    if request.center_id is None or request.center_id != certificate.center_id:
        return ()
    return (Reason("center.unchanged", f"{certificate.id} is already with {request.center_id}"),)


def lapsed(certificate: Certificate, request: Request) -> tuple[Reason, ...]:
    """Expiry only on a day after ``valid_until``."""
    day = request.at.date()
    if day > certificate.valid_until:
        return ()
    return (
        Reason(
            "certificate.still_valid",
            f"{certificate.id} is valid until {certificate.valid_until.isoformat()}",
            {"day": day.isoformat()},
        ),
    )


def explained(certificate: Certificate, request: Request) -> tuple[Reason, ...]:
    """Cancelling or revoking says why."""
    if request.why is not None and request.why.strip():
        return ()
    return (Reason("decision.why_missing", "this decision must say why; the reason is blank"),)


CERTIFICATE_GUARDS: Final[Mapping[str, CertificateGuard]] = MappingProxyType(
    {
        "contracted": contracted,
        "valid": valid,
        "new_center": new_center,
        "lapsed": lapsed,
        "explained": explained,
    }
)
"""The guards the certificate chart names on its transitions, by name."""


@functools.cache
def certificate_table() -> CertificateTable:
    """The transition table compiled from the certificate chart, once per process."""
    from .certificate_chart import compile_table

    return compile_table()


# --- issue ---------------------------------------------------------------------------------------


def _unknown(certificate_id: str) -> Reason:
    return Reason(
        "certificate.unknown",
        f"there is no certificate {certificate_id}",
        {"certificate_id": certificate_id},
    )


def _split_reasons(face_value: Money, split: Mapping[str, Money]) -> list[Reason]:
    currencies = {m.currency for m in split.values()}
    if currencies != {face_value.currency}:
        return [
            Reason(
                "split.wrong_currency",
                f"the split must be in {face_value.currency} only",
                {"currency": face_value.currency},
            )
        ]
    total = sum(split.values(), Money.zero(face_value.currency))
    if total == face_value:
        return []
    return [
        Reason(
            "split.not_face_value",
            f"the split sums to {total}, not to the face value {face_value}",
            {"total": str(total), "face_value": str(face_value)},
        )
    ]


def _conflicts(a: Course, b: Course) -> bool:
    return a is b or Course.BOTH in (a, b)


def issue(
    book: CertificateBook,
    certificate_id: str,
    client: ClientStanding,
    *,
    course: Course,
    face_value: Money,
    split: Mapping[str, Money],
    valid_from: date,
    valid_until: date,
    issuer_id: str,
    at: datetime,
    by: str,
) -> CertificateBook:
    """Issue a certificate to ``client``; return the new book (CF-01).

    Refused with every reason that applies: ``certificate.id_taken``,
    ``client.not_enrolled``, ``client.not_referred``, ``certificate.active_exists``
    (an active certificate of this client for a conflicting course),
    ``split.wrong_currency`` or ``split.not_face_value``, ``validity.reversed``.
    """
    problems = Problems()
    problems.check("book", instance_problem(CertificateBook)(book))
    problems.check("certificate_id", id_problem(certificate_id))
    problems.check("client", instance_problem(ClientStanding)(client))
    problems.check("course", member_problem(Course)(course))
    problems.check("face_value", _face_problem(face_value))
    problems.check("split", _split_problem(split))
    problems.check("valid_from", date_problem(valid_from))
    problems.check("valid_until", date_problem(valid_until))
    problems.check("issuer_id", id_problem(issuer_id))
    problems.check("at", instant_problem(at))
    problems.check("by", id_problem(by))
    problems.raise_if_any()
    reasons: list[Reason] = []
    if certificate_id in book.certificates:
        reasons.append(
            Reason(
                "certificate.id_taken",
                f"{certificate_id} is already issued",
                {"id": certificate_id},
            )
        )
    who = client.client_id
    if not client.enrolled:
        reasons.append(
            Reason(
                "client.not_enrolled",
                f"{who} is not enrolled in the client register with consent",
                {"client_id": who},
            )
        )
    if not client.referred:
        reasons.append(Reason("client.not_referred", f"{who} has no referral", {"client_id": who}))
    for other in book.certificates.values():
        if other.client_id == who and other.active and _conflicts(other.course, course):
            reasons.append(
                Reason(
                    "certificate.active_exists",
                    f"{who} already holds the active certificate {other.id} ({other.course.value})",
                    {"client_id": who, "certificate_id": other.id},
                )
            )
    reasons.extend(_split_reasons(face_value, split))
    if valid_until < valid_from:
        reasons.append(
            Reason(
                "validity.reversed",
                f"valid_until {valid_until.isoformat()} is before valid_from "
                f"{valid_from.isoformat()}",
            )
        )
    if reasons:
        raise RuleViolation(reasons)
    change = CertificateChange(at, by, CertificateEvent.ISSUE, None, CertificateState.ISSUED)
    certificate = Certificate(
        certificate_id,
        who,
        course,
        face_value,
        split,
        valid_from,
        valid_until,
        issuer_id,
        CertificateState.ISSUED,
        None,
        None,
        (change,),
    )
    return _with(book, certificate)


# --- decisions -----------------------------------------------------------------------------------


def _decision_problems(
    book: object,
    certificate_id: object,
    event: object,
    at: object,
    by: object,
    why: object,
    center_id: object,
    contract: object,
) -> tuple[list[FieldProblem], CertificateEvent | None]:
    problems = Problems()
    problems.check("book", instance_problem(CertificateBook)(book))
    problems.check("certificate_id", id_problem(certificate_id))
    checked_event = _EVENTS.get(event) if isinstance(event, str) else None
    if checked_event is None or checked_event is CertificateEvent.ISSUE:
        decisions = ", ".join(e.value for e in CertificateEvent if e is not CertificateEvent.ISSUE)
        problems.add("event", f"must be one of {decisions}, not {event!r}")
        checked_event = None
    problems.check("at", instant_problem(at))
    problems.check("by", id_problem(by))
    if why is not None and not isinstance(why, str):
        problems.add("why", f"must be a string, not {type(why).__name__}")
    problems.check("center_id", optional(id_problem)(center_id))
    problems.check("contract", optional(instance_problem(SocialContract))(contract))
    if checked_event is not None and checked_event not in _TAKES_CENTER:
        if center_id is not None:
            problems.add("center_id", f"{checked_event.value} takes no center")
        if contract is not None:
            problems.add("contract", f"{checked_event.value} takes no contract")
    return problems.items, checked_event


def decide(
    book: CertificateBook,
    certificate_id: str,
    event: CertificateEvent | str,
    *,
    at: datetime,
    by: str,
    why: str | None = None,
    center_id: str | None = None,
    contract: SocialContract | None = None,
) -> CertificateBook:
    """Record ``event`` on the certificate; return the new book (CF-01, CF-04).

    The event must be allowed from the certificate's state by the chart, its guards
    must hold, and ``at`` must not be before the last change. Otherwise
    :class:`~resocialize.errors.RuleViolation` lists every unmet condition and
    nothing changes. Only ``place`` and ``change_center`` take a center and a
    contract. The client, face value and split never change.
    """
    problems, checked_event = _decision_problems(
        book, certificate_id, event, at, by, why, center_id, contract
    )
    if problems or checked_event is None:
        raise ValidationError(problems)
    certificate = book.certificates.get(certificate_id)
    if certificate is None:
        raise RuleViolation([_unknown(certificate_id)])
    request = Request(at, why, center_id, contract)
    move = certificate_table().moves.get((certificate.state, checked_event))
    reasons: list[Reason] = []
    if move is None:
        reasons.append(
            Reason(
                "transition.not_allowed",
                f"{checked_event.value} cannot happen to a certificate that is "
                f"{certificate.state.value}",
                {"state": certificate.state.value, "event": checked_event.value},
            )
        )
    else:
        for guard in move.guards:
            reasons.extend(guard(certificate, request))
    if at < certificate.last.at:
        reasons.append(
            Reason(
                "time.before_last_decision",
                f"{at.isoformat()} is before the certificate's last change "
                f"({certificate.last.at.isoformat()})",
            )
        )
    if reasons:
        raise RuleViolation(reasons)
    assert move is not None
    contract_id = contract.id if contract is not None else None
    change = CertificateChange(
        at,
        by,
        checked_event,
        certificate.state,
        move.target,
        why if why is not None and why.strip() else None,
        center_id,
        contract_id,
    )
    placed = checked_event in _TAKES_CENTER
    new = attrs.evolve(
        certificate,
        state=move.target,
        center_id=center_id if placed else certificate.center_id,
        contract_id=contract_id if placed else certificate.contract_id,
        history=(*certificate.history, change),
    )
    return _with(book, new)


def standing(certificate: Certificate, *, on: date) -> CertificateStanding:
    """The certificate as it stands at the end of the day ``on``, for the pathway (PW-05).

    ``center_id`` is the center it was placed with by then; ``active`` is false
    before the issue and once a final state is reached.
    """
    problems = Problems()
    problems.check("certificate", instance_problem(Certificate)(certificate))
    problems.check("on", date_problem(on))
    problems.raise_if_any()
    state: CertificateState | None = None
    center_id: str | None = None
    for change in certificate.history:
        if change.at.date() > on:
            break
        state = change.target
        if change.center_id is not None:
            center_id = change.center_id
    return CertificateStanding(
        certificate.id,
        certificate.client_id,
        certificate.valid_from,
        certificate.valid_until,
        center_id,
        state is not None and state not in FINAL_STATES,
    )
