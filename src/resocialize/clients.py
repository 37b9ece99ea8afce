"""The client register: pseudonymous clients, reports linked by keyed hashes, consent (RG-07).

The agency keeps a register of clients (seed 001). For each client it holds the
pseudonymous :data:`~resocialize.people.ClientId`, the set of linkage keys
(keyed hashes, see :func:`~resocialize.people.linkage_keys`), the referrals
that reported the person (source, date, department), the consent state (given
at, withdrawn at), the time of enrolment, and the history of what happened
(when, who, what, why).

**Identifying data is not stored here.** Names, birth dates and document
numbers never enter the register, not even hashed without a key: a report is
reduced to its linkage keys on the way in. An application keeps each
:class:`~resocialize.people.Identity` apart (DESIGN principle 7, SE-04), under
the client id that :func:`report` returns; it joins the identities of merged
clients (:attr:`Reported.merged_with`) and deletes those of purged ones
(:attr:`Purged.client_ids`). Referral notes and reasons are stored as given:
keep names out of them.

>>> import random
>>> from datetime import date, datetime, timezone
>>> from resocialize.people import IdentityReport
>>> from resocialize.records import Referral, ReferralSource
>>> secret, rng = b"kept-outside-the-database-0123456789", random.Random(7)
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
>>> police = report(
...     ClientRegister(), IdentityReport("ČAČIĆ", "Ivan", date(1990, 5, 17)),
...     Referral(ReferralSource.LAW_ENFORCEMENT, date(2026, 3, 1), "dept-north"),
...     secret=secret, at=at, by="agency/officer-1", rng=rng,
... )
>>> social = report(
...     police.register, IdentityReport("Cacic", "ivan", date(1990, 5, 17)),
...     Referral(ReferralSource.SOCIAL_SERVICE, date(2026, 3, 2), "dept-north"),
...     secret=secret, at=at, by="agency/officer-1", rng=rng,
... )
>>> social.client_id == police.client_id, social.new
(True, False)
>>> record = client(social.register, social.client_id)
>>> record.status.value, [r.source.value for r in record.referrals]
('reported', ['law_enforcement', 'social_service'])
>>> enrol(social.register, record.id, consent_at=None, at=at, by="agency/officer-1")
Traceback (most recent call last):
...
resocialize.errors.RuleViolation: refused: enrolment needs informed consent [consent.missing]
>>> register = enrol(social.register, record.id, consent_at=at, at=at, by="agency/officer-1")
>>> enrolled_on(register, date(2026, 3, 2)) == {record.id}
True

Rules this module keeps:

- **Linkage** (RG-07). A report whose keys share a key with a client is that
  client: the referral is added and the union of keys kept. A report sharing no
  key makes a new client, ``reported`` (known, not enrolled). A report whose
  keys meet *several* clients is evidence they are one person: they are merged
  into the oldest (first reported; the id breaks ties). The merged records stay
  in the register as ``merged`` stubs whose ``merged_into`` names the survivor,
  so ids handed out earlier still :func:`resolve`; keys and referrals move to
  the survivor, each history stays where it was and both sides record the
  merge. Consent follows the person's latest word: the merged client is
  enrolled when one of the records was enrolled on a consent given after every
  withdrawal on any of them, withdrawn when some record withdrew, else reported.
- **Enrolment** (PW-04, RG-07) only with informed consent given no later than
  the enrolment, not twice, and after a withdrawal only on consent given again
  after it. Merged and purged records are not enrolled.
- **Withdrawal of consent** (PW-04), handled as data-protection law expects:
  consent is the ground of enrolment, and only of enrolment (a person is known
  to the register from the first report, before any consent, as in stage I).
  So withdrawal takes the client off the active register at once (``withdrawn``;
  :func:`enrolled_on` no longer lists them, and the application stops the
  processing that rests on consent: program, certificate). The record and its
  history are kept for the retention the law requires: ``retention_until`` is
  the withdrawal date plus the register's ``retention_years``. Further reports
  of the person are still recognized and added to the same record, so the
  person is never entered twice, but they never enrol anyone again: that needs
  consent given after the withdrawal (which also clears ``retention_until``).
- **Purge**. Once retention has passed, :func:`purge` erases what could
  re-identify a withdrawn client: the linkage keys (a later report of the
  person makes a new client), referral notes and the free-text reasons of the
  history. What remains is pseudonymous and statistics-only: dates, sources,
  departments, events, statuses.
- Every refusal raises :class:`~resocialize.errors.RuleViolation` with a
  reason for every unmet condition and changes nothing; bad arguments raise
  :class:`~resocialize.errors.ValidationError` with the path of each. An
  unknown client id is a refusal (``client.unknown``); a malformed one is bad
  input (path ``client_id``).

Speed: a region receives some 150,000 reports a year (seed 001). The register
is a frozen value, but it does not copy itself on every change: the clients
and the key index live in a persistent hash trie (4,096 small leaves under two
levels of 64), so a change copies a few small nodes and shares the rest.
Matching a report is a lookup per key, never a scan. :func:`report_many`
records a batch in one pass, copying each touched node once.
"""

from __future__ import annotations

import enum
import operator
import random
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, Final, Generic, TypeVar

import attrs

from ._checks import Problems, date_problem, id_problem, instant_problem, text_problem
from .errors import RuleViolation, ValidationError
from .people import (
    MIN_SECRET_BYTES,
    ClientId,
    IdentityReport,
    LinkageKey,
    linkage_keys,
    new_client_id,
)
from .records import Referral
from .rules import Detail, Reason

__all__ = [
    "DEFAULT_RETENTION_YEARS",
    "ClientEvent",
    "ClientHistoryEntry",
    "ClientRecord",
    "ClientRegister",
    "ClientStatus",
    "Linkage",
    "Purged",
    "Reported",
    "ReportedMany",
    "client",
    "enrol",
    "enrolled_on",
    "find",
    "purge",
    "report",
    "report_many",
    "resolve",
    "withdraw_consent",
]

DEFAULT_RETENTION_YEARS: Final = 5
"""Years a withdrawn client's record keeps its linkage keys. A placeholder: set the
figure the region's law requires in :attr:`ClientRegister.retention_years`."""

_MAX_RETENTION_YEARS: Final = 100


class ClientStatus(enum.StrEnum):
    """Where a client stands in the register. Values are stable: they are stored."""

    REPORTED = "reported"
    """Known from one or more referrals; not enrolled (no consent recorded)."""
    ENROLLED = "enrolled"
    """Entered into the register with informed consent (PW-04)."""
    WITHDRAWN = "withdrawn"
    """Consent withdrawn: off the active register, record kept for the retention period."""
    MERGED = "merged"
    """Found to be the same person as another client; ``merged_into`` names it."""
    PURGED = "purged"
    """Withdrawn and past retention: linkage keys and free text erased, statistics kept."""


class ClientEvent(enum.StrEnum):
    """What a history entry of the client register records."""

    REPORTED = "reported"
    ENROLLED = "enrolled"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    MERGED = "merged"
    """Other records were found to be this person and merged in (``clients`` names them)."""
    MERGED_INTO = "merged_into"
    """This record was merged into another (``clients`` names the survivor)."""
    PURGED = "purged"


@attrs.frozen(weakref_slot=False)
class ClientHistoryEntry:
    """One thing that happened to a client's record: when, who, what, why, and the status after."""

    at: datetime
    by: str
    """The acting person or organization (an id, never a name)."""
    event: ClientEvent
    status: ClientStatus
    """The client's status after the event."""
    reason: str | None = None
    referral: Referral | None = None
    """The referral of a ``reported`` entry."""
    consent_at: datetime | None = None
    """When the consent of an ``enrolled`` entry was given."""
    clients: tuple[ClientId, ...] = ()
    """The other records of a merge: absorbed ids (``merged``) or the survivor (``merged_into``)."""


@attrs.frozen(weakref_slot=False)
class ClientRecord:
    """What the register keeps about one client: pseudonymous, never identifying.

    Made by :func:`report` and changed by the other operations of this module;
    read it with :func:`client`.
    """

    id: ClientId
    status: ClientStatus
    keys: frozenset[LinkageKey]
    """Keyed hashes of the reported names, birth date and documents (never the data itself)."""
    referrals: tuple[Referral, ...]
    consent_at: datetime | None = None
    """When the consent of the last enrolment was given."""
    enrolled_at: datetime | None = None
    """When the client was last enrolled."""
    withdrawn_at: datetime | None = None
    """When consent was last withdrawn."""
    retention_until: date | None = None
    """While withdrawn: from this date :func:`purge` erases the linkage keys."""
    merged_into: ClientId | None = None
    history: tuple[ClientHistoryEntry, ...] = ()

    @property
    def first_reported_at(self) -> datetime:
        """When the record was made (its first history entry); the older record survives a merge."""
        return self.history[0].at

    @property
    def enrolled(self) -> bool:
        """True while enrolled with active consent."""
        return self.status is ClientStatus.ENROLLED


_RECORD_FIELDS: Final = tuple(a.name for a in attrs.fields(ClientRecord))
_RECORD_INDEX: Final = {name: i for i, name in enumerate(_RECORD_FIELDS)}
_record_values = operator.attrgetter(*_RECORD_FIELDS)


def _with(record: ClientRecord, **changes: Any) -> ClientRecord:
    """``record`` with ``changes`` (faster than ``attrs.evolve``; values are not re-checked)."""
    values = list(_record_values(record))
    for name, value in changes.items():
        values[_RECORD_INDEX[name]] = value
    return ClientRecord(*values)


# ---------------------------------------------------------------- the persistent trie

_V = TypeVar("_V")
_FAN: Final = 64
_SHIFT: Final = 6
_LOW: Final = _FAN - 1
_SLOTS: Final = _FAN * _FAN


def _slot(key: str) -> int:
    """The leaf of ``key``: a CRC-32, so placement and iteration order repeat across runs."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) & (_SLOTS - 1)


_EMPTY_LEAF: Final[dict[str, Any]] = {}
_EMPTY_MID: Final[tuple[dict[str, Any], ...]] = (_EMPTY_LEAF,) * _FAN
"""The shared empty nodes: iteration skips them, so a small register iterates quickly."""


class _Trie(Generic[_V]):
    """A frozen map from strings, as 64 x 64 leaf dicts; changes copy only the touched nodes.

    Leaves are dicts that are never changed once the trie holding them is made;
    :class:`_Editor` copies a leaf before its first write.
    """

    __slots__ = ("_size", "_top")

    def __init__(self, top: tuple[tuple[dict[str, _V], ...], ...], size: int) -> None:
        self._top = top
        self._size = size

    @classmethod
    def empty(cls) -> _Trie[_V]:
        return cls((_EMPTY_MID,) * _FAN, 0)

    def get(self, key: str) -> _V | None:
        slot = _slot(key)
        return self._top[slot >> _SHIFT][slot & _LOW].get(key)

    def __len__(self) -> int:
        return self._size

    def _leaves(self) -> Iterator[dict[str, _V]]:
        if not self._size:
            return
        for mid in self._top:
            if mid is not _EMPTY_MID:
                for leaf in mid:
                    if leaf:
                        yield leaf

    def __iter__(self) -> Iterator[str]:
        for leaf in self._leaves():
            yield from leaf

    def values(self) -> Iterator[_V]:
        for leaf in self._leaves():
            yield from leaf.values()


class _Editor(Generic[_V]):
    """Changes to a :class:`_Trie`, made in place on copied leaves, frozen by :meth:`done`."""

    __slots__ = ("_base", "_leaves", "_size")

    def __init__(self, base: _Trie[_V]) -> None:
        self._base = base
        self._leaves: dict[int, dict[str, _V]] = {}
        self._size = len(base)

    def get(self, key: str) -> _V | None:
        slot = _slot(key)
        leaf = self._leaves.get(slot)
        if leaf is None:
            leaf = self._base._top[slot >> _SHIFT][slot & _LOW]
        return leaf.get(key)

    def _own(self, slot: int) -> dict[str, _V]:
        leaf = self._leaves.get(slot)
        if leaf is None:
            leaf = self._leaves[slot] = dict(self._base._top[slot >> _SHIFT][slot & _LOW])
        return leaf

    def put(self, key: str, value: _V) -> None:
        leaf = self._own(_slot(key))
        if key not in leaf:
            self._size += 1
        leaf[key] = value

    def drop(self, key: str) -> None:
        leaf = self._own(_slot(key))
        if key in leaf:
            del leaf[key]
            self._size -= 1

    def done(self) -> _Trie[_V]:
        if not self._leaves:
            return self._base
        top = list(self._base._top)
        mids: dict[int, list[dict[str, _V]]] = {}
        for slot, leaf in self._leaves.items():
            high = slot >> _SHIFT
            mid = mids.get(high)
            if mid is None:
                mid = mids[high] = list(top[high])
            mid[slot & _LOW] = leaf
        for high, mid in mids.items():
            top[high] = tuple(mid)
        self._leaves = {}  # the leaves now belong to the frozen trie
        return _Trie(tuple(top), self._size)


class _Clients(Mapping[ClientId, ClientRecord]):
    """The register's clients by id, with the index of linkage keys to the client holding each."""

    __slots__ = ("_owners", "_records")

    def __init__(self, records: _Trie[ClientRecord], owners: _Trie[ClientId]) -> None:
        self._records = records
        self._owners = owners

    def __getitem__(self, key: ClientId) -> ClientRecord:
        record = self._records.get(key) if isinstance(key, str) else None
        if record is None:
            raise KeyError(key)
        return record

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._records.get(key) is not None

    def __iter__(self) -> Iterator[ClientId]:
        return iter(self._records)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._records)

    def values(self) -> Iterator[ClientRecord]:  # type: ignore[override]
        return self._records.values()

    def owner(self, key: str) -> ClientId | None:
        """The client holding linkage key ``key``, if any."""
        return self._owners.get(key)

    def owners(self) -> dict[str, ClientId]:
        """The whole key index, as a plain dict (for checks and tests)."""
        return {key: owner for key in self._owners if (owner := self._owners.get(key))}

    def __repr__(self) -> str:
        count = len(self)
        return f"<{count} client{'' if count == 1 else 's'}>"

    def __reduce__(
        self,
    ) -> tuple[Callable[[object], _Clients], tuple[dict[ClientId, ClientRecord]]]:
        return (_clients_from, (dict(self),))


_NO_CLIENTS: Final[_Clients] = _Clients(_Trie.empty(), _Trie.empty())


def _clients_from(value: object) -> _Clients:
    """``value`` (a mapping of ids to records) checked and indexed."""
    if isinstance(value, _Clients):
        return value
    problems = Problems()
    if value is None:
        return _NO_CLIENTS
    if not isinstance(value, Mapping):
        raise ValidationError.at(
            "clients", f"must be a mapping of client ids to records, not {type(value).__name__}"
        )
    records: _Editor[ClientRecord] = _Editor(_Trie.empty())
    owners: _Editor[ClientId] = _Editor(_Trie.empty())
    for cid, record in value.items():
        path = f'clients["{cid}"]'
        if (msg := id_problem(cid)) is not None:
            problems.add(path, f"key {msg}")
            continue
        if not isinstance(record, ClientRecord):
            problems.add(path, f"must be a ClientRecord, not {type(record).__name__}")
            continue
        if not isinstance(record.status, ClientStatus):
            problems.add(f"{path}.status", f"must be a ClientStatus, not {record.status!r}")
            continue
        if not isinstance(record.keys, frozenset) or not all(
            isinstance(k, str) for k in record.keys
        ):
            problems.add(f"{path}.keys", "must be a frozenset of linkage keys")
            continue
        if record.id != cid:
            problems.add(f"{path}.id", f"is {record.id!r}, not the key it is stored under")
        if not record.history:
            problems.add(f"{path}.history", "is empty; a record starts with its first report")
        holds_keys = record.status not in (ClientStatus.MERGED, ClientStatus.PURGED)
        if record.keys and not holds_keys:
            problems.add(f"{path}.keys", f"must be empty for a {record.status.value} client")
        if (record.status is ClientStatus.MERGED) != (record.merged_into is not None):
            problems.add(f"{path}.merged_into", "is set exactly when the status is merged")
        for key in record.keys:
            other = owners.get(key)
            if other is not None:
                problems.add(f"{path}.keys", f"shares a linkage key with client {other!r}")
                break
            owners.put(key, ClientId(cid))
        records.put(cid, record)
    built = _Clients(records.done(), owners.done())
    for cid in _broken_chains(built):
        problems.add(
            f'clients["{cid}"].merged_into',
            "does not lead to a client in the register (unknown id or a cycle)",
        )
    problems.raise_if_any()
    return built


def _broken_chains(clients: _Clients) -> list[ClientId]:
    """The merged records whose ``merged_into`` chain does not end at a live record."""
    good: set[str] = {r.id for r in clients.values() if r.merged_into is None}
    bad: set[str] = set()
    found: list[ClientId] = []
    for record in clients.values():
        walked: list[str] = []
        cid: str | None = record.id
        while cid is not None and cid not in good and cid not in bad and cid not in walked:
            walked.append(cid)
            step = clients._records.get(cid)
            cid = None if step is None else step.merged_into
        (good if cid is not None and cid in good else bad).update(walked)
        if record.id in bad:
            found.append(record.id)
    return found


def _follow(clients: _Clients, cid: ClientId) -> ClientId | None:
    """The client ``cid`` was merged into, followed to the end; None for a broken chain."""
    for _ in range(len(clients) + 1):
        record = clients._records.get(cid)
        if record is None:
            return None
        if record.merged_into is None:
            return cid
        cid = record.merged_into
    return None


def _years_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of years, not {type(value).__name__}"
    if not 1 <= value <= _MAX_RETENTION_YEARS:
        return f"must be between 1 and {_MAX_RETENTION_YEARS} years, not {value}"
    return None


@attrs.frozen(init=False, weakref_slot=False)
class ClientRegister:
    """The client register: every client by pseudonymous id, and the regional settings.

    An empty register is ``ClientRegister()``; operations return new registers
    and share what did not change. ``clients`` reads like a mapping of ids to
    :class:`ClientRecord` (in no meaningful order); building a register from a
    mapping checks that no linkage key belongs to two clients and that merged
    records lead to a client.

    >>> ClientRegister()
    ClientRegister(clients=<0 clients>, retention_years=5)
    >>> ClientRegister(retention_years=0)
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: retention_years: must be between 1 and 100...
    """

    clients: Mapping[ClientId, ClientRecord] = attrs.field(hash=False)
    retention_years: int = DEFAULT_RETENTION_YEARS
    """Years a withdrawn client's linkage keys are kept before :func:`purge` erases them."""

    def __init__(
        self,
        clients: Mapping[ClientId, ClientRecord] | None = None,
        retention_years: int = DEFAULT_RETENTION_YEARS,
    ) -> None:
        problems = Problems()
        problems.check("retention_years", _years_problem(retention_years))
        built = _NO_CLIENTS
        try:
            built = _clients_from(clients)
        except ValidationError as err:
            problems.items.extend(err.problems)
        problems.raise_if_any()
        self.__attrs_init__(built, retention_years)


def _register(clients: _Clients, years: int) -> ClientRegister:
    register = object.__new__(ClientRegister)
    register.__attrs_init__(clients, years)
    return register


def _clients(register: ClientRegister) -> _Clients:
    clients = register.clients
    assert isinstance(clients, _Clients)  # ClientRegister.__init__ makes sure of it
    return clients


class _Edit:
    """A register being changed: the records and the key index, edited together."""

    __slots__ = ("owners", "records", "years")

    def __init__(self, register: ClientRegister) -> None:
        clients = _clients(register)
        self.records: _Editor[ClientRecord] = _Editor(clients._records)
        self.owners: _Editor[ClientId] = _Editor(clients._owners)
        self.years = register.retention_years

    def record(self, cid: ClientId) -> ClientRecord | None:
        return self.records.get(cid)

    def done(self) -> ClientRegister:
        return _register(_Clients(self.records.done(), self.owners.done()), self.years)


# ---------------------------------------------------------------- results


@attrs.frozen(weakref_slot=False)
class Linkage:
    """What became of one report: the client it was linked to, and any merge it caused."""

    client_id: ClientId
    new: bool
    """True when the report made a new client."""
    merged_with: tuple[ClientId, ...] = ()
    """The clients found to be the same person and merged into ``client_id`` (their
    records remain as ``merged`` stubs; the application joins their identities)."""


@attrs.frozen(weakref_slot=False)
class Reported:
    """What :func:`report` returns: the new register and what became of the report."""

    register: ClientRegister
    client_id: ClientId
    new: bool
    merged_with: tuple[ClientId, ...] = ()


@attrs.frozen(weakref_slot=False)
class ReportedMany:
    """What :func:`report_many` returns: the new register and one linkage per report, in order.

    A linkage names the client as of its report; a later report of the batch may
    merge that client into another (:func:`resolve` gives the client now).
    """

    register: ClientRegister
    linkages: tuple[Linkage, ...]


@attrs.frozen(weakref_slot=False)
class Purged:
    """What :func:`purge` returns: the new register and the clients purged now.

    The application deletes the identities it keeps apart for these ids.
    """

    register: ClientRegister
    client_ids: frozenset[ClientId]


# ---------------------------------------------------------------- input checks


def _register_problem(value: object) -> str | None:
    if isinstance(value, ClientRegister):
        return None
    return f"must be a ClientRegister, not {type(value).__name__}"


def _secret_problem(value: object) -> str | None:
    if not isinstance(value, bytes):
        return f"must be bytes, not {type(value).__name__}"
    if len(value) < MIN_SECRET_BYTES:
        return f"must be at least {MIN_SECRET_BYTES} bytes (not {len(value)})"
    return None


def _reason_problem(value: object) -> str | None:
    return None if value is None or isinstance(value, str) else "must be a string or None"


def _common(problems: Problems, register: object, at: object, by: object, reason: object) -> None:
    problems.check("register", _register_problem(register))
    problems.check("at", instant_problem(at))
    problems.check("by", text_problem(by))
    problems.check("reason", _reason_problem(reason))


def _report_item_problems(
    problems: Problems, path: str, item: object, referral: object, at: object
) -> None:
    """Problems of one report and its referral; ``path`` is "" for :func:`report`'s arguments."""
    report_path = f"{path}[0]" if path else "report"
    referral_path = f"{path}[1]" if path else "referral"
    if not isinstance(item, IdentityReport):
        problems.add(report_path, f"must be an IdentityReport, not {type(item).__name__}")
    if not isinstance(referral, Referral):
        problems.add(referral_path, f"must be a Referral, not {type(referral).__name__}")
    elif isinstance(at, datetime) and instant_problem(at) is None and referral.on > at.date():
        problems.add(f"{referral_path}.on", "is after the time the report is recorded")


# ---------------------------------------------------------------- refusals


def _reason(code: str, message: str, **details: Detail) -> Reason:
    return Reason(code, message, details)


def _not_before_last(record: ClientRecord, at: datetime) -> Reason | None:
    last = record.history[-1].at
    if at >= last:
        return None
    return _reason(
        "time.before_last_event",
        f"{at.isoformat()} is before the last recorded event of client {record.id} "
        f"({last.isoformat()})",
        client_id=record.id,
        at=at.isoformat(),
        last=last.isoformat(),
    )


def _unknown(cid: str) -> Reason:
    return _reason("client.unknown", f"no client {cid} in the register", client_id=cid)


def _closed(record: ClientRecord) -> Reason | None:
    """A refusal for a record that takes no consent events: merged or purged."""
    if record.status is ClientStatus.MERGED:
        return _reason(
            "client.merged",
            f"client {record.id} was merged into {record.merged_into}; use that id",
            client_id=record.id,
            merged_into=record.merged_into,
        )
    if record.status is ClientStatus.PURGED:
        return _reason(
            "client.purged",
            f"client {record.id} was purged after retention; report the person anew",
            client_id=record.id,
        )
    return None


# ---------------------------------------------------------------- reporting


def _new_id(edit: _Edit, rng: random.Random) -> ClientId:
    while True:  # 100 random bits: a repeat means a reused seed, so draw again
        cid = new_client_id(rng)
        if edit.record(cid) is None:
            return cid


def _retention(withdrawn: datetime, years: int) -> date:
    day = withdrawn.date()
    if day.year + years > date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: keep the full years, to 1 March
        return date(day.year + years, 3, 1)


def _consent_after_merge(records: list[ClientRecord], years: int) -> dict[str, Any]:
    """The consent state of merged records: the person's latest word wins."""
    withdrawals = [r.withdrawn_at for r in records if r.withdrawn_at is not None]
    last_withdrawal = max(withdrawals) if withdrawals else None
    active = [
        r
        for r in records
        if r.status is ClientStatus.ENROLLED
        and r.consent_at is not None
        and (last_withdrawal is None or r.consent_at > last_withdrawal)
    ]
    if active:
        chosen = max(active, key=lambda r: r.consent_at or r.first_reported_at)
        return {
            "status": ClientStatus.ENROLLED,
            "consent_at": chosen.consent_at,
            "enrolled_at": chosen.enrolled_at,
            "withdrawn_at": last_withdrawal,
            "retention_until": None,
        }
    if last_withdrawal is not None:
        consents = [r.consent_at for r in records if r.consent_at is not None]
        enrolments = [r.enrolled_at for r in records if r.enrolled_at is not None]
        return {
            "status": ClientStatus.WITHDRAWN,
            "consent_at": max(consents) if consents else None,
            "enrolled_at": max(enrolments) if enrolments else None,
            "withdrawn_at": last_withdrawal,
            "retention_until": _retention(last_withdrawal, years),
        }
    return {
        "status": ClientStatus.REPORTED,
        "consent_at": None,
        "enrolled_at": None,
        "withdrawn_at": None,
        "retention_until": None,
    }


def _report_one(
    edit: _Edit,
    keys: frozenset[LinkageKey],
    referral: Referral,
    at: datetime,
    by: str,
    reason: str | None,
    rng: random.Random,
) -> Linkage | list[Reason]:
    """Record one report in ``edit``; or, changing nothing, the reasons it is refused."""
    owner_ids = {owner for key in keys if (owner := edit.owners.get(key)) is not None}
    if not owner_ids:
        cid = _new_id(edit, rng)
        entry = ClientHistoryEntry(
            at, by, ClientEvent.REPORTED, ClientStatus.REPORTED, reason, referral
        )
        edit.records.put(
            cid, ClientRecord(cid, ClientStatus.REPORTED, keys, (referral,), history=(entry,))
        )
        for key in keys:
            edit.owners.put(key, cid)
        return Linkage(cid, new=True)

    records = sorted(
        (r for o in owner_ids if (r := edit.record(o)) is not None),
        key=lambda r: (r.first_reported_at, r.id),
    )
    late = [why for r in records if (why := _not_before_last(r, at)) is not None]
    if late:
        return late
    survivor, absorbed = records[0], records[1:]
    if not absorbed:
        entry = ClientHistoryEntry(at, by, ClientEvent.REPORTED, survivor.status, reason, referral)
        added = keys - survivor.keys
        edit.records.put(
            survivor.id,
            _with(
                survivor,
                keys=survivor.keys | added if added else survivor.keys,
                referrals=(*survivor.referrals, referral),
                history=(*survivor.history, entry),
            ),
        )
        for key in added:
            edit.owners.put(key, survivor.id)
        return Linkage(survivor.id, new=False)

    # the report links several clients: they are one person
    consent = _consent_after_merge(records, edit.years)
    status: ClientStatus = consent["status"]
    absorbed_ids = tuple(r.id for r in absorbed)
    all_keys = frozenset(keys).union(*(r.keys for r in records))
    merged = ClientHistoryEntry(at, by, ClientEvent.MERGED, status, reason, clients=absorbed_ids)
    reported = ClientHistoryEntry(at, by, ClientEvent.REPORTED, status, reason, referral)
    edit.records.put(
        survivor.id,
        _with(
            survivor,
            keys=all_keys,
            referrals=(*(ref for r in records for ref in r.referrals), referral),
            history=(*survivor.history, merged, reported),
            **consent,
        ),
    )
    for record in absorbed:
        stub = ClientHistoryEntry(
            at, by, ClientEvent.MERGED_INTO, ClientStatus.MERGED, reason, clients=(survivor.id,)
        )
        edit.records.put(
            record.id,
            _with(
                record,
                status=ClientStatus.MERGED,
                keys=frozenset(),
                referrals=(),
                merged_into=survivor.id,
                history=(*record.history, stub),
            ),
        )
    for key in all_keys - survivor.keys:
        edit.owners.put(key, survivor.id)
    return Linkage(survivor.id, new=False, merged_with=absorbed_ids)


def report(
    register: ClientRegister,
    report: IdentityReport,
    referral: Referral,
    *,
    secret: bytes,
    at: datetime,
    by: str,
    rng: random.Random,
    reason: str | None = None,
) -> Reported:
    """Record that a source reported a person (RG-07); link the report to the client it is.

    The report is reduced to its :func:`~resocialize.people.linkage_keys` under
    ``secret``; nothing else of it is kept. If a key is held by a client, the
    report is that client's: the referral is added and the keys joined. If no
    key is held, a new client is made in status ``reported`` under an id drawn
    from ``rng``. If the keys are held by several clients, they are merged into
    the oldest (see the module's rules) and :attr:`Reported.merged_with` names
    the others.

    Refused (:class:`~resocialize.errors.RuleViolation`, ``time.before_last_event``)
    when ``at`` is before the last recorded event of a client the report links to.
    Bad arguments raise :class:`~resocialize.errors.ValidationError`, among them a
    referral dated after ``at``.
    """
    problems = Problems()
    _common(problems, register, at, by, reason)
    _report_item_problems(problems, "", report, referral, at)
    problems.check("secret", _secret_problem(secret))
    if not isinstance(rng, random.Random):
        problems.add("rng", f"must be a random.Random, not {type(rng).__name__}")
    problems.raise_if_any()
    edit = _Edit(register)
    outcome = _report_one(edit, linkage_keys(report, secret), referral, at, by, reason, rng)
    if isinstance(outcome, list):
        raise RuleViolation(outcome)
    return Reported(edit.done(), outcome.client_id, outcome.new, outcome.merged_with)


def report_many(
    register: ClientRegister,
    reports: Iterable[tuple[IdentityReport, Referral]],
    *,
    secret: bytes,
    at: datetime,
    by: str,
    rng: random.Random,
    reason: str | None = None,
) -> ReportedMany:
    """Record a batch of reports, in order, in one pass: as :func:`report` one after another.

    All are recorded at ``at`` by ``by`` (a batch import). All or nothing: when
    any report is refused, :class:`~resocialize.errors.RuleViolation` lists the
    reasons of every refused report (each with its ``index`` in the details) and
    the register is unchanged.
    """
    problems = Problems()
    _common(problems, register, at, by, reason)
    problems.check("secret", _secret_problem(secret))
    if not isinstance(rng, random.Random):
        problems.add("rng", f"must be a random.Random, not {type(rng).__name__}")
    items: list[tuple[IdentityReport, Referral]] = []
    if isinstance(reports, str | bytes) or not isinstance(reports, Iterable):
        problems.add(
            "reports", f"must be pairs of IdentityReport and Referral, not {type(reports).__name__}"
        )
    else:
        for index, item in enumerate(reports):
            path = f"reports[{index}]"
            if not isinstance(item, tuple) or len(item) != 2:
                problems.add(path, "must be a pair (IdentityReport, Referral)")
                continue
            _report_item_problems(problems, path, item[0], item[1], at)
            items.append(item)
    problems.raise_if_any()
    edit = _Edit(register)
    linkages: list[Linkage] = []
    refused: list[Reason] = []
    for index, (person, referral) in enumerate(items):
        keys = linkage_keys(person, secret)
        outcome = _report_one(edit, keys, referral, at, by, reason, rng)
        if isinstance(outcome, list):
            refused.extend(
                Reason(r.code, r.message, {**r.details, "index": index}) for r in outcome
            )
        else:
            linkages.append(outcome)
    if refused:
        raise RuleViolation(refused)
    return ReportedMany(edit.done(), tuple(linkages))


# ---------------------------------------------------------------- consent


def _lookup(problems: Problems, register: object, client_id: object) -> ClientRecord | str | None:
    """The record of ``client_id``; the id itself when unknown; None when the input is bad."""
    problems.check("client_id", id_problem(client_id))
    if problems.items or not isinstance(register, ClientRegister):
        return None
    assert isinstance(client_id, str)
    record = _clients(register)._records.get(client_id)
    return client_id if record is None else record


def enrol(
    register: ClientRegister,
    client_id: ClientId,
    *,
    consent_at: datetime | None,
    at: datetime,
    by: str,
    reason: str | None = None,
) -> ClientRegister:
    """Enter a reported (or withdrawn) client into the register on informed consent (PW-04, RG-07).

    ``consent_at`` is when the client gave informed consent; ``None`` when they
    have not. Refused, with a reason for each unmet condition, when consent is
    missing (``consent.missing``), given after ``at`` (``consent.after_enrolment``),
    not given again after a withdrawal (``consent.not_renewed``), when the client
    is already enrolled (``client.already_enrolled``), merged (``client.merged``),
    purged (``client.purged``) or unknown (``client.unknown``), or when ``at`` is
    before the client's last event (``time.before_last_event``).
    """
    problems = Problems()
    _common(problems, register, at, by, reason)
    if consent_at is not None:
        problems.check("consent_at", instant_problem(consent_at))
    found = _lookup(problems, register, client_id)
    problems.raise_if_any()
    reasons: list[Reason] = []
    if isinstance(found, str):
        reasons.append(_unknown(found))
    if consent_at is None:
        reasons.append(_reason("consent.missing", "enrolment needs informed consent"))
    elif consent_at > at:
        reasons.append(
            _reason(
                "consent.after_enrolment",
                "informed consent must be given before the client is entered into the register",
                consent_at=consent_at.isoformat(),
                at=at.isoformat(),
            )
        )
    record = found if isinstance(found, ClientRecord) else None
    if record is not None:
        closed = _closed(record)
        if closed is not None:
            reasons.append(closed)
        if record.status is ClientStatus.ENROLLED:
            reasons.append(
                _reason(
                    "client.already_enrolled",
                    f"client {record.id} is already enrolled",
                    client_id=record.id,
                )
            )
        withdrawn = record.withdrawn_at
        if (
            record.status is ClientStatus.WITHDRAWN
            and withdrawn is not None
            and consent_at is not None
            and consent_at <= withdrawn
        ):
            reasons.append(
                _reason(
                    "consent.not_renewed",
                    f"client {record.id} withdrew consent on {withdrawn.isoformat()}; "
                    "enrolment needs consent given again after that",
                    client_id=record.id,
                    withdrawn_at=withdrawn.isoformat(),
                )
            )
        if (late := _not_before_last(record, at)) is not None:
            reasons.append(late)
    if reasons:
        raise RuleViolation(reasons)
    assert record is not None and consent_at is not None
    entry = ClientHistoryEntry(
        at, by, ClientEvent.ENROLLED, ClientStatus.ENROLLED, reason, consent_at=consent_at
    )
    edit = _Edit(register)
    edit.records.put(
        record.id,
        _with(
            record,
            status=ClientStatus.ENROLLED,
            consent_at=consent_at,
            enrolled_at=at,
            retention_until=None,
            history=(*record.history, entry),
        ),
    )
    return edit.done()


def withdraw_consent(
    register: ClientRegister,
    client_id: ClientId,
    *,
    at: datetime,
    by: str,
    reason: str | None = None,
) -> ClientRegister:
    """Record that an enrolled client withdrew consent (PW-04): off the active register.

    The record and its history are kept; ``retention_until`` is set to the
    withdrawal date plus the register's ``retention_years``, after which
    :func:`purge` erases the linkage keys. Further reports of the person are
    still linked to this record; enrolling again needs new consent. The person
    need not give a reason; ``reason`` records one if they did.

    Refused unless the client is enrolled (``client.not_enrolled``,
    ``consent.already_withdrawn``, ``client.merged``, ``client.purged``,
    ``client.unknown``) or when ``at`` is before the client's last event.
    """
    problems = Problems()
    _common(problems, register, at, by, reason)
    found = _lookup(problems, register, client_id)
    problems.raise_if_any()
    if isinstance(found, str):
        raise RuleViolation([_unknown(found)])
    assert found is not None
    record = found
    reasons: list[Reason] = []
    closed = _closed(record)
    if closed is not None:
        reasons.append(closed)
    elif record.status is ClientStatus.WITHDRAWN:
        reasons.append(
            _reason(
                "consent.already_withdrawn",
                f"client {record.id} already withdrew consent",
                client_id=record.id,
            )
        )
    elif record.status is ClientStatus.REPORTED:
        reasons.append(
            _reason(
                "client.not_enrolled",
                f"client {record.id} is not enrolled; there is no consent to withdraw",
                client_id=record.id,
            )
        )
    if (late := _not_before_last(record, at)) is not None:
        reasons.append(late)
    if reasons:
        raise RuleViolation(reasons)
    entry = ClientHistoryEntry(
        at, by, ClientEvent.CONSENT_WITHDRAWN, ClientStatus.WITHDRAWN, reason
    )
    edit = _Edit(register)
    edit.records.put(
        record.id,
        _with(
            record,
            status=ClientStatus.WITHDRAWN,
            withdrawn_at=at,
            retention_until=_retention(at, register.retention_years),
            history=(*record.history, entry),
        ),
    )
    return edit.done()


# ---------------------------------------------------------------- purge


def _redacted(entry: ClientHistoryEntry) -> ClientHistoryEntry:
    referral = entry.referral
    if entry.reason is None and (referral is None or referral.note is None):
        return entry
    return attrs.evolve(
        entry,
        reason=None,
        referral=None if referral is None else attrs.evolve(referral, note=None),
    )


def purge(register: ClientRegister, *, at: datetime, by: str, reason: str | None = None) -> Purged:
    """Erase what could re-identify withdrawn clients whose retention has passed by ``at``.

    A withdrawn client is due when ``retention_until`` is on or before the date
    of ``at`` and nothing was recorded for them after ``at``. Their linkage keys,
    referral notes and history reasons are erased and the status becomes
    ``purged``; dates, sources, departments and events are kept for statistics.
    A later report of the person makes a new client. The result names the purged
    ids so that the application deletes the identities it keeps apart.
    """
    problems = Problems()
    _common(problems, register, at, by, reason)
    problems.raise_if_any()
    today = at.date()
    edit = _Edit(register)
    purged: set[ClientId] = set()
    for record in _clients(register).values():
        until = record.retention_until
        if (
            record.status is not ClientStatus.WITHDRAWN
            or until is None
            or until > today
            or record.history[-1].at > at
        ):
            continue
        entry = ClientHistoryEntry(at, by, ClientEvent.PURGED, ClientStatus.PURGED, reason)
        edit.records.put(
            record.id,
            _with(
                record,
                status=ClientStatus.PURGED,
                keys=frozenset(),
                referrals=tuple(
                    r if r.note is None else attrs.evolve(r, note=None) for r in record.referrals
                ),
                history=(*map(_redacted, record.history), entry),
            ),
        )
        for key in record.keys:
            edit.owners.drop(key)
        purged.add(record.id)
    return Purged(edit.done() if purged else register, frozenset(purged))


# ---------------------------------------------------------------- queries


def find(register: ClientRegister, report: IdentityReport, *, secret: bytes) -> ClientId | None:
    """The client a report would be linked to, or None: the oldest when it links several."""
    problems = Problems()
    problems.check("register", _register_problem(register))
    if not isinstance(report, IdentityReport):
        problems.add("report", f"must be an IdentityReport, not {type(report).__name__}")
    problems.check("secret", _secret_problem(secret))
    problems.raise_if_any()
    clients = _clients(register)
    owners = {o for key in linkage_keys(report, secret) if (o := clients.owner(key)) is not None}
    if not owners:
        return None
    return min((clients[o] for o in owners), key=lambda r: (r.first_reported_at, r.id)).id


def client(register: ClientRegister, client_id: ClientId) -> ClientRecord:
    """The record of ``client_id`` as stored (a ``merged`` stub too; see :func:`resolve`).

    An unknown id is refused (``client.unknown``); a malformed one is bad input.
    """
    problems = Problems()
    problems.check("register", _register_problem(register))
    found = _lookup(problems, register, client_id)
    problems.raise_if_any()
    if isinstance(found, str):
        raise RuleViolation([_unknown(found)])
    assert found is not None
    return found


def resolve(register: ClientRegister, client_id: ClientId) -> ClientId:
    """The id under which the person of ``client_id`` is kept now: merges are followed.

    Ids handed out before a merge (to cases, certificates) stay valid this way.
    """
    record = client(register, client_id)
    end = _follow(_clients(register), record.id)
    assert end is not None  # the register's constructor refuses broken chains
    return end


def enrolled_on(register: ClientRegister, day: date) -> frozenset[ClientId]:
    """The clients enrolled at the end of ``day``, from the histories (dates as recorded).

    A client counts when the last event recorded on or before ``day`` left them
    enrolled; past days are answered as the register stood then.
    """
    problems = Problems()
    problems.check("register", _register_problem(register))
    problems.check("day", date_problem(day))
    problems.raise_if_any()
    found: set[ClientId] = set()
    for record in _clients(register).values():
        status: ClientStatus | None = None
        for entry in record.history:
            if entry.at.date() <= day:
                status = entry.status
        if status is ClientStatus.ENROLLED:
            found.add(record.id)
    return frozenset(found)
