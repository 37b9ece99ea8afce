"""The journal: the append-only, tamper-evident record of every domain event (SE-03, PW-12).

Every command of the regional system that changes something appends one
:class:`JournalEntry`: when, who, which command, which aggregate (the kind of
thing changed and its id), the aggregate's version after the change, and a
payload holding the serialization document of the event or new value. Entries
form a hash chain: each carries the digest of the one before it, and its own
digest covers every other field. :func:`verify` recomputes the chain and says
which entry was edited, removed, reordered or inserted; :func:`replay_cases`
rebuilds every case from the journal alone.

>>> from datetime import datetime, timezone
>>> from resocialize.journal import Journal, append, verify
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
>>> journal = append(
...     Journal(), at=at, actor="agency-1/officer-12 (case_manager)", command="issue",
...     aggregate="certificate", aggregate_id="cert-1", payload={"value": "120000.00"},
... )
>>> journal = append(
...     journal, at=at, actor="agency-1/officer-12 (case_manager)", command="suspend",
...     aggregate="certificate", aggregate_id="cert-1", payload={}, expected_version=1,
... )
>>> journal.version_of("certificate", "cert-1"), [e.sequence for e in journal.entries]
(2, [1, 2])
>>> verify(journal)
()

A stale expected version is refused (optimistic concurrency), and nothing changes:

>>> append(
...     journal, at=at, actor="agency-1/officer-7 (case_manager)", command="revoke",
...     aggregate="certificate", aggregate_id="cert-1", payload={}, expected_version=1,
... )
Traceback (most recent call last):
...
resocialize.errors.RuleViolation: refused: certificate cert-1 is at version 2, not 1: it was
changed since it was read [journal.version_conflict]

An entry edited after it was written no longer matches its digest:

>>> import attrs
>>> edited = (journal.entries[0], attrs.evolve(journal.entries[1], actor="someone-else"))
>>> [(finding.sequence, finding.code) for finding in verify(edited)]
[(2, 'journal.edited')]

Decisions worth knowing:

- **The digest.** SHA-256 over :func:`canonical`: the JSON object of every field
  but ``digest``, keys sorted, no spaces, UTF-8, ``at`` in UTC with microseconds.
  With a region's ``key`` it is HMAC-SHA256 instead: whoever can rewrite the
  stored journal can recompute plain SHA-256 digests for a whole rewritten chain,
  but not keyed ones without the key. Without a key, keep the :attr:`Journal.head`
  somewhere the writer of the store cannot change (published, or held by another
  organization) and pass it to :func:`verify`: that finds a truncated tail too.
- **Payloads** are plain JSON data: objects with string keys, arrays, strings,
  integers that fit 64 bits, booleans and null. Floats are refused: JSON floats do
  not print the same everywhere, and amounts of money are decimal strings in the
  library's documents. A payload is stored deeply read-only (objects as read-only
  mappings, arrays as tuples).
- **Reading is not verifying.** :func:`journal_from_json_lines` checks only the
  structure of each line, so that a tampered file can be read and examined with
  :func:`verify`.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._checks import (
    Checked,
    Problems,
    checked,
    id_problem,
    instant_problem,
    kind_of,
    optional,
    text_problem,
    unchecked,
)
from .errors import FieldProblem, RuleViolation, ValidationError
from .rules import Reason

if TYPE_CHECKING:
    from .pathway import Case, HistoryEntry

__all__ = [
    "CASE",
    "GENESIS",
    "Journal",
    "JournalEntry",
    "Tampering",
    "append",
    "append_case_entry",
    "canonical",
    "case_payload",
    "digest_of",
    "entries_to_json_lines",
    "journal_from_json_lines",
    "next_entry",
    "replay_cases",
    "stored_entry",
    "verify",
]

GENESIS: Final = "0" * 64
"""The ``previous`` of the first entry, and the head of an empty journal."""

CASE: Final = "case"
"""The aggregate of the pathway's cases; their payloads are read by :func:`replay_cases`."""

MIN_KEY_BYTES: Final = 16
"""The shortest key a keyed journal accepts (32 random bytes are recommended)."""

MAX_ACTOR_LENGTH: Final = 256
MAX_PAYLOAD_DEPTH: Final = 64
"""How deeply arrays and objects of a payload may nest."""

_INT_LIMIT: Final = 2**63
_HEX: Final = re.compile(r"[0-9a-f]{64}")
_ENTRY_TYPE: Final = "journal_entry"
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Payload = Mapping[str, Any]
"""Plain JSON data: see the module's notes on payloads."""


# --- checks ------------------------------------------------------------------------------------


def _encodable(value: str) -> str | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be text that can be written as UTF-8 (no lone surrogates)"
    return None


def _name_problem(value: object) -> str | None:
    problem = id_problem(value)
    if problem is None:
        assert isinstance(value, str)
        return _encodable(value)
    return problem


def _actor_problem(value: object) -> str | None:
    problem = text_problem(value)
    if problem is not None:
        return problem
    assert isinstance(value, str)
    if len(value) > MAX_ACTOR_LENGTH:
        return f"must be at most {MAX_ACTOR_LENGTH} characters, not {len(value)}"
    return _encodable(value)


def _positive_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return "must be a positive integer (1, 2, 3 ...)"
    return None


def _hex_problem(value: object) -> str | None:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        return "must be a SHA-256 digest: 64 lower-case hexadecimal digits"
    return None


def _key_problem(value: object) -> str | None:
    if not isinstance(value, bytes):
        return f"must be bytes or None, not {type(value).__name__}"
    if len(value) < MIN_KEY_BYTES:
        return f"must be at least {MIN_KEY_BYTES} bytes (32 random bytes are recommended)"
    return None


def _count_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return "must be a non-negative integer"
    return None


def _key_path(path: str, key: str) -> str:
    if _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _json_problems(value: object, path: str, depth: int, found: list[FieldProblem]) -> None:
    """Add a problem for every part of ``value`` that is not plain JSON data."""
    if depth > MAX_PAYLOAD_DEPTH:
        found.append(FieldProblem(path, f"is nested more than {MAX_PAYLOAD_DEPTH} levels deep"))
    elif value is None or isinstance(value, bool):
        pass
    elif isinstance(value, int):
        if not -_INT_LIMIT <= value < _INT_LIMIT:
            found.append(
                FieldProblem(path, "must fit 64 bits; write larger numbers as decimal strings")
            )
    elif isinstance(value, str):
        problem = _encodable(value)
        if problem is not None:
            found.append(FieldProblem(path, problem))
    elif isinstance(value, float):
        found.append(
            FieldProblem(path, "must not be a float: write numbers as integers or decimal strings")
        )
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _json_problems(item, f"{path}[{i}]", depth + 1, found)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                found.append(FieldProblem(path, f"keys must be strings, not {kind_of(key)}"))
                continue
            problem = _encodable(key)
            if problem is not None:
                found.append(FieldProblem(_key_path(path, key), f"the key {problem}"))
                continue
            _json_problems(item, _key_path(path, key), depth + 1, found)
    else:
        found.append(
            FieldProblem(
                path,
                "must be plain JSON data (an object, array, string, integer, boolean or "
                f"null), not {kind_of(value)}",
            )
        )


def _payload_problems(value: object) -> list[FieldProblem]:
    if not isinstance(value, Mapping):
        return [FieldProblem("payload", f"must be a JSON object (a mapping), not {kind_of(value)}")]
    found: list[FieldProblem] = []
    _json_problems(value, "payload", 0, found)
    return found


def _freeze(value: Any) -> Any:
    """Plain JSON data, deeply read-only; anything else is left for the checks to report."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


def _frozen_payload(value: object) -> object:
    """A sound payload made deeply read-only; anything else is left (as a plain copy, never
    a read-only one) for the entry's check to report. A read-only payload in an entry is
    therefore one this converter checked."""
    if isinstance(value, Mapping):
        if not _payload_problems(value):
            return _freeze(value)
        return dict(value)
    return value


def _thaw(value: Any) -> Any:
    """Read-only payload data as plain dicts and lists (for JSON writers and readers)."""
    if isinstance(value, Mapping):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_thaw(item) for item in value]
    return value


def _plain(value: object) -> Any:
    """``default`` of the JSON encoder: read-only mappings are written as objects."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{kind_of(value)} is not JSON data")


# --- the entry ---------------------------------------------------------------------------------


@attrs.frozen
class JournalEntry(Checked):
    """One recorded domain event, chained to the entry before it.

    ``digest`` covers every other field (:func:`canonical`); ``previous`` is the
    digest of the entry before (:data:`GENESIS` for the first). The constructor
    checks the shape of every field, never the chain: an entry read from a
    tampered store is still an entry, and :func:`verify` says what is wrong.
    ``at`` is hashed in UTC, so the same instant written with another offset (an
    equal entry) has the same digest.
    """

    sequence: int = attrs.field(metadata=checked(_positive_problem))
    """Its place in the journal: 1, 2, 3 ... without gaps."""
    at: datetime = attrs.field(metadata=checked(instant_problem))
    """When it was recorded (timezone-aware); never before the entry before it."""
    actor: str = attrs.field(metadata=checked(_actor_problem))
    """Who ran the command, e.g. ``"agency-1/officer-12 (case_manager)"``."""
    command: str = attrs.field(metadata=checked(_name_problem))
    """The command's name, e.g. ``"admit"``."""
    aggregate: str = attrs.field(metadata=checked(_name_problem))
    """The kind of thing changed: ``"case"``, ``"certificate"``, ``"center"`` ..."""
    aggregate_id: str = attrs.field(metadata=checked(_name_problem))
    """The id of the thing changed."""
    version: int = attrs.field(metadata=checked(_positive_problem))
    """The aggregate's version after this entry: 1 for its first entry."""
    payload: Payload = attrs.field(
        converter=_frozen_payload, hash=False, repr=lambda p: repr(_thaw(p))
    )
    """The event or new value: a serialization document, plain JSON data, read-only."""
    previous: str = attrs.field(metadata=checked(_hex_problem))
    """The digest of the entry before, hex SHA-256 (:data:`GENESIS` for the first)."""
    digest: str = attrs.field(metadata=checked(_hex_problem))
    """Hex SHA-256 (or HMAC-SHA256 with a key) of :func:`canonical` of this entry."""

    def __attrs_post_init__(self) -> None:
        problems = Problems()
        for field in attrs.fields(JournalEntry):
            check = field.metadata.get("check")
            if check is not None:
                problems.check(field.name, check(getattr(self, field.name)))
        if not isinstance(self.payload, MappingProxyType):  # else checked on the way in
            problems.items.extend(_payload_problems(self.payload))
        problems.raise_if_any()

    def __reduce__(self) -> tuple[type[JournalEntry], tuple[Any, ...]]:
        # the read-only payload cannot be pickled itself; rebuild it on load
        return (
            type(self),
            (
                self.sequence,
                self.at,
                self.actor,
                self.command,
                self.aggregate,
                self.aggregate_id,
                self.version,
                _thaw(self.payload),
                self.previous,
                self.digest,
            ),
        )


def stored_entry(
    sequence: int,
    at: datetime,
    actor: str,
    command: str,
    aggregate: str,
    aggregate_id: str,
    version: int,
    payload: Mapping[str, Any],
    previous: str,
    digest: str,
) -> JournalEntry:
    """An entry as a store wrote it, read back without checking its shape again.

    The store checked every entry on the way in; reading the journal back (to catch up
    with other writers, to replay) is the hot path of a running system, and a change made
    to a stored entry since is found by :func:`verify`, whose digest no longer matches.
    The payload is made read-only as in an entry built the checked way.
    """
    return unchecked(
        JournalEntry,
        sequence=sequence,
        at=at,
        actor=actor,
        command=command,
        aggregate=aggregate,
        aggregate_id=aggregate_id,
        version=version,
        payload=_freeze(payload),
        previous=previous,
        digest=digest,
    )


def canonical(entry: JournalEntry) -> bytes:
    """The bytes the digest of ``entry`` is computed over.

    The JSON object of every field but ``digest``, keys sorted by code point, no
    spaces, UTF-8, non-ASCII text as it is; ``at`` as ISO 8601 in UTC with
    microseconds (``2026-03-02T09:00:00.000000+00:00``), so that the same instant
    written with another offset hashes the same.

    >>> from datetime import datetime, timezone
    >>> entry = JournalEntry(1, datetime(2026, 3, 2, 9, tzinfo=timezone.utc), "officer-1",
    ...     "issue", "certificate", "cert-1", 1, {"value": "1.00"}, GENESIS, GENESIS)
    >>> canonical(entry)[:60]
    b'{"actor":"officer-1","aggregate":"certificate","aggregate_id'
    """
    if not isinstance(entry, JournalEntry):
        raise ValidationError.at("entry", f"must be a JournalEntry, not {kind_of(entry)}")
    fields = {
        "actor": entry.actor,
        "aggregate": entry.aggregate,
        "aggregate_id": entry.aggregate_id,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "command": entry.command,
        "payload": entry.payload,
        "previous": entry.previous,
        "sequence": entry.sequence,
        "version": entry.version,
    }
    text = json.dumps(
        fields,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_plain,
    )
    return text.encode("utf-8")


def _digest(data: bytes, key: bytes | None) -> str:
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _check_key(key: object, problems: list[FieldProblem], path: str = "key") -> None:
    if key is not None:
        problem = _key_problem(key)
        if problem is not None:
            problems.append(FieldProblem(path, problem))


def digest_of(entry: JournalEntry, *, key: bytes | None = None) -> str:
    """The digest ``entry`` should carry: hex SHA-256 of :func:`canonical`, or
    HMAC-SHA256 under ``key`` for a keyed journal."""
    problems: list[FieldProblem] = []
    _check_key(key, problems)
    if problems:
        raise ValidationError(problems)
    return _digest(canonical(entry), key)


# --- the journal -------------------------------------------------------------------------------


def _entries(value: object) -> object:
    if isinstance(value, list):
        return tuple(value)
    return value


def _entries_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return f"must be a tuple of JournalEntry, not {kind_of(value)}"
    for i, item in enumerate(value):
        if not isinstance(item, JournalEntry):
            return f"item {i} must be a JournalEntry, not {kind_of(item)}"
    return None


def _versions(entries: Iterable[JournalEntry]) -> dict[tuple[str, str], int]:
    versions: dict[tuple[str, str], int] = {}
    for entry in entries:
        versions[entry.aggregate, entry.aggregate_id] = entry.version
    return versions


@attrs.frozen
class Journal(Checked):
    """The whole chain of entries, in memory; storage adapters keep the same entries.

    Building a journal checks only that it holds entries, not the chain (see
    :func:`verify`). ``key`` makes the journal keyed: :func:`append` writes
    HMAC-SHA256 digests under it. The key is never shown nor written out, and two
    journals are equal when their entries are.
    """

    entries: tuple[JournalEntry, ...] = attrs.field(
        default=(), converter=_entries, metadata=checked(_entries_problem)
    )
    key: bytes | None = attrs.field(
        default=None, repr=False, eq=False, metadata=checked(optional(_key_problem))
    )
    _by_aggregate: dict[tuple[str, str], int] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        Checked.__attrs_post_init__(self)
        object.__setattr__(self, "_by_aggregate", _versions(self.entries))

    @property
    def head(self) -> str:
        """The digest of the last entry; :data:`GENESIS` for an empty journal."""
        return self.entries[-1].digest if self.entries else GENESIS

    @property
    def last(self) -> JournalEntry | None:
        """The last entry, or ``None`` for an empty journal."""
        return self.entries[-1] if self.entries else None

    def version_of(self, aggregate: str, aggregate_id: str) -> int:
        """The version of one aggregate: that of its last entry, 0 when it has none."""
        problems = Problems()
        problems.check("aggregate", _name_problem(aggregate))
        problems.check("aggregate_id", _name_problem(aggregate_id))
        problems.raise_if_any()
        return self._by_aggregate.get((aggregate, aggregate_id), 0)


def next_entry(
    last: JournalEntry | None,
    *,
    current_version: int,
    at: datetime,
    actor: str,
    command: str,
    aggregate: str,
    aggregate_id: str,
    payload: Payload,
    expected_version: int | None = None,
    key: bytes | None = None,
) -> JournalEntry:
    """The entry that follows ``last`` (``None`` for the first), sealed with its digest.

    For storage adapters, which read the last entry and the aggregate's
    ``current_version`` from their tables and write the entry in the same
    transaction; :func:`append` does the same in memory. Refused with
    :class:`~resocialize.errors.RuleViolation`, every reason at once, when ``at``
    is before the last entry (``journal.before_last_entry``) or when
    ``expected_version`` is given and is not ``current_version``
    (``journal.version_conflict``, optimistic concurrency: the aggregate was
    changed since the caller read it). Bad arguments raise
    :class:`~resocialize.errors.ValidationError` with the path of each.
    """
    problems: list[FieldProblem] = []
    if last is not None and not isinstance(last, JournalEntry):
        problems.append(
            FieldProblem("last", f"must be a JournalEntry or None, not {kind_of(last)}")
        )
    problem = _count_problem(current_version)
    if problem is not None:
        problems.append(FieldProblem("current_version", problem))
    if expected_version is not None:
        problem = _count_problem(expected_version)
        if problem is not None:
            problems.append(FieldProblem("expected_version", problem))
    _check_key(key, problems)
    sequence = last.sequence + 1 if isinstance(last, JournalEntry) else 1
    previous = last.digest if isinstance(last, JournalEntry) else GENESIS
    version = current_version + 1 if not problems else 1
    try:
        draft = JournalEntry(
            sequence,
            at,
            actor,
            command,
            aggregate,
            aggregate_id,
            version,
            payload,
            previous,
            GENESIS,
        )
    except ValidationError as err:
        problems.extend(err.problems)
    if problems:
        raise ValidationError(problems)
    assert last is None or isinstance(last, JournalEntry)
    reasons: list[Reason] = []
    if last is not None and draft.at < last.at:
        reasons.append(
            Reason(
                "journal.before_last_entry",
                f"{draft.at.isoformat()} is before the last entry of the journal "
                f"({last.at.isoformat()}, entry {last.sequence})",
                {"at": draft.at.isoformat(), "last": last.at.isoformat()},
            )
        )
    if expected_version is not None and expected_version != current_version:
        reasons.append(
            Reason(
                "journal.version_conflict",
                f"{aggregate} {aggregate_id} is at version {current_version}, not "
                f"{expected_version}: it was changed since it was read",
                {
                    "aggregate": aggregate,
                    "aggregate_id": aggregate_id,
                    "expected": expected_version,
                    "actual": current_version,
                },
            )
        )
    if reasons:
        raise RuleViolation(reasons)
    digest = _digest(canonical(draft), key)
    values = {field.name: getattr(draft, field.name) for field in attrs.fields(JournalEntry)}
    values["digest"] = digest
    return unchecked(JournalEntry, **values)


def append(
    journal: Journal,
    *,
    at: datetime,
    actor: str,
    command: str,
    aggregate: str,
    aggregate_id: str,
    payload: Payload,
    expected_version: int | None = None,
) -> Journal:
    """The journal with one more entry: the next sequence number, the aggregate's next
    version, chained to the head, digested with the journal's key if it has one.

    Refused with :class:`~resocialize.errors.RuleViolation` (and ``journal`` is a
    frozen value: nothing changes) when ``at`` is before the last entry or
    ``expected_version`` is stale; see :func:`next_entry`.
    """
    if not isinstance(journal, Journal):
        raise ValidationError.at("journal", f"must be a Journal, not {kind_of(journal)}")
    names = Problems()
    names.check("aggregate", _name_problem(aggregate))
    names.check("aggregate_id", _name_problem(aggregate_id))
    current = 0 if names.items else journal.version_of(aggregate, aggregate_id)
    entry = next_entry(
        journal.last,
        current_version=current,
        at=at,
        actor=actor,
        command=command,
        aggregate=aggregate,
        aggregate_id=aggregate_id,
        payload=payload,
        expected_version=expected_version,
        key=journal.key,
    )
    versions = dict(journal._by_aggregate)
    versions[aggregate, aggregate_id] = entry.version
    return unchecked(
        Journal, entries=(*journal.entries, entry), key=journal.key, _by_aggregate=versions
    )


# --- cases -------------------------------------------------------------------------------------


def case_payload(value: HistoryEntry | Case) -> dict[str, Any]:
    """The payload of a case entry: the document of one history entry (an event of the
    pathway) or of a whole case (a case brought in from elsewhere, a snapshot).

    Identifying data is never written (SE-04)."""
    from .pathway import Case, HistoryEntry
    from .serialization import to_document

    if not isinstance(value, HistoryEntry | Case):
        raise ValidationError.at("value", f"must be a HistoryEntry or a Case, not {kind_of(value)}")
    return to_document(value)


def append_case_entry(
    journal: Journal,
    case_id: str,
    entry: HistoryEntry,
    *,
    actor: str,
    at: datetime | None = None,
    command: str | None = None,
    expected_version: int | None = None,
) -> Journal:
    """Journal one accepted step of a case: aggregate :data:`CASE`, id ``case_id``, the
    payload :func:`case_payload` of ``entry``, the command the event's name and ``at``
    the event's time unless given.

    Journal every accepted step of a case this way, ``expected_version`` being the
    case's version before the step: the journal's version of the case is then
    ``case.version``, and :func:`replay_cases` rebuilds the live case.
    """
    from .pathway import HistoryEntry

    if not isinstance(entry, HistoryEntry):
        raise ValidationError.at("entry", f"must be a HistoryEntry, not {kind_of(entry)}")
    return append(
        journal,
        at=entry.at if at is None else at,
        actor=actor,
        command=entry.event.value if command is None else command,
        aggregate=CASE,
        aggregate_id=case_id,
        payload=case_payload(entry),
        expected_version=expected_version,
    )


_HISTORY_INDEX: Final = re.compile(r"history\[(\d+)\](.*)")


def replay_cases(journal: Journal | Iterable[JournalEntry]) -> Mapping[str, Case]:
    """Every case rebuilt from the journal's case entries alone (PW-12), by case id.

    An entry of aggregate :data:`CASE` holds in its payload the document of either
    one :class:`~resocialize.pathway.HistoryEntry` (one event of the case; the
    first is the ``identify`` entry opening it) or of a whole
    :class:`~resocialize.pathway.Case` (a snapshot, which replaces what was read
    so far; later events follow it). The history gathered for each case is
    replayed with :func:`~resocialize.pathway.replay`, so the chart and the order
    of times are checked again, and a case journaled through
    :func:`append_case_entry` at every step comes back equal to the live one.

    The journal is not verified here (see :func:`verify`). A payload that is not
    such a document, an opening entry for another case id, or a history that does
    not replay raises :class:`~resocialize.errors.ValidationError` with the path
    of the journal entry (``entries[4].payload.data.record``).
    """
    from .pathway import Case, HistoryEntry, replay
    from .serialization import document_type, from_document

    entries = _entry_list(journal)
    wanted = {document_type(HistoryEntry): HistoryEntry, document_type(Case): Case}
    histories: dict[str, list[HistoryEntry]] = {}
    origins: dict[str, list[int]] = {}
    problems: list[FieldProblem] = []
    for i, entry in enumerate(entries):
        if entry.aggregate != CASE:
            continue
        path = f"entries[{i}].payload"
        tag = entry.payload.get("type")
        if not isinstance(tag, str) or tag not in wanted:
            problems.append(
                FieldProblem(
                    f"{path}.type",
                    "a case entry holds a 'history_entry' or a 'case' document, "
                    f"not {json.dumps(_thaw(tag), ensure_ascii=False)[:60]}",
                )
            )
            continue
        try:
            value: HistoryEntry | Case = from_document(_thaw(entry.payload), wanted[tag])
        except ValidationError as err:
            problems.extend(err.under(path).problems)
            continue
        case_id = entry.aggregate_id
        if isinstance(value, Case):
            if value.id != case_id:
                problems.append(
                    FieldProblem(f"{path}.data.id", f"is {value.id!r}, not the entry's {case_id!r}")
                )
                continue
            histories[case_id] = list(value.history)
            origins[case_id] = [i] * len(value.history)
            continue
        opening = getattr(value.record, "case_id", None)
        if case_id not in histories and opening is not None and opening != case_id:
            problems.append(
                FieldProblem(
                    f"{path}.data.record.case_id", f"is {opening!r}, not the entry's {case_id!r}"
                )
            )
            continue
        histories.setdefault(case_id, []).append(value)
        origins.setdefault(case_id, []).append(i)
    cases: dict[str, Case] = {}
    for case_id, history in histories.items():
        try:
            cases[case_id] = replay(history)
        except ValidationError as err:
            problems.extend(_history_problem(p, origins[case_id]) for p in err.problems)
    if problems:
        raise ValidationError(problems)
    return MappingProxyType(cases)


def _history_problem(problem: FieldProblem, origins: list[int]) -> FieldProblem:
    match = _HISTORY_INDEX.fullmatch(problem.path)
    if match is None or int(match.group(1)) >= len(origins):
        return problem
    index = origins[int(match.group(1))]
    return FieldProblem(f"entries[{index}].payload.data{match.group(2)}", problem.message)


# --- verification ------------------------------------------------------------------------------


@attrs.frozen
class Tampering(Checked):
    """One finding of :func:`verify`: which entry, what happened to it, in words.

    ``code`` is one of ``journal.edited`` (the entry no longer matches its digest,
    or it was rewritten with a new digest that its successor does not record),
    ``journal.bad_digest`` (the content is intact but its digest field was
    changed), ``journal.removed`` (entries are missing: ``sequence`` is the first),
    ``journal.truncated`` (the journal ends before the head given), ``journal.reordered``
    (the entry stands out of order) and ``journal.inserted`` (an entry that is not
    part of the chain). ``position`` is the entry's index in what was verified,
    ``None`` for entries that are missing.
    """

    sequence: int = attrs.field(metadata=checked(_positive_problem))
    code: str = attrs.field(metadata=checked(text_problem))
    message: str = attrs.field(metadata=checked(text_problem))
    position: int | None = attrs.field(default=None, metadata=checked(optional(_count_problem)))

    @property
    def reason(self) -> Reason:
        """The finding as a :class:`~resocialize.rules.Reason` (for a refusal or a report)."""
        details: dict[str, int | None] = {"sequence": self.sequence, "position": self.position}
        return Reason(self.code, self.message, details)


def _entry_list(entries: object) -> list[JournalEntry]:
    if isinstance(entries, Journal):
        return list(entries.entries)
    if isinstance(entries, str | bytes | Mapping) or not isinstance(entries, Iterable):
        raise ValidationError.at(
            "entries", f"must be a Journal or an iterable of JournalEntry, not {kind_of(entries)}"
        )
    found = list(entries)
    problems = [
        FieldProblem(f"entries[{i}]", f"must be a JournalEntry, not {kind_of(item)}")
        for i, item in enumerate(found)
        if not isinstance(item, JournalEntry)
    ]
    if problems:
        raise ValidationError(problems)
    return found


def verify(
    entries: Journal | Iterable[JournalEntry],
    *,
    head: str | None = None,
    key: bytes | None = None,
) -> tuple[Tampering, ...]:
    """Every sign of tampering in ``entries``, by sequence number; ``()`` when intact.

    Each entry's digest is recomputed (under ``key`` for a keyed journal; a
    :class:`Journal` brings its own key), each entry's ``previous`` is matched
    with the digest of the entry before it in sequence, and sequence numbers are
    checked for gaps, repeats and order. Findings name the entry concerned:
    an edited entry, a changed digest, each run of missing entries, entries out
    of order (both of two swapped entries), and entries that are not part of the
    chain (a second entry with the same number, or entries after the ``head``).

    ``head`` is the digest of the last entry as kept elsewhere: without it, the
    removal of entries at the end, or entries appended by someone else, cannot
    be seen. Without a key, a consistent rewrite of the whole chain from some
    entry on is not seen either, unless ``head`` is given: keep the chain keyed,
    or its head out of the writer's reach. Verified without the key of a keyed
    journal, or with another key, every entry reads as edited.
    """
    problems: list[FieldProblem] = []
    if head is not None:
        problem = _hex_problem(head)
        if problem is not None:
            problems.append(FieldProblem("head", problem))
    _check_key(key, problems)
    if problems:
        raise ValidationError(problems)
    if key is None and isinstance(entries, Journal):
        key = entries.key
    return _Verification(_entry_list(entries), head, key).findings()


class _Verification:
    """The state of one :func:`verify`: digests, links and the sequence each entry holds."""

    def __init__(self, entries: list[JournalEntry], head: str | None, key: bytes | None) -> None:
        self.entries = entries
        self.head = head
        self.recomputed = [_digest(canonical(e), key) for e in entries]
        self.sound = [r == e.digest for r, e in zip(self.recomputed, entries, strict=True)]
        # the digests that lead to each entry: stored, and recomputed where they differ
        self.by_digest: dict[str, list[int]] = {}
        self.children: dict[str, list[int]] = {}
        for i, entry in enumerate(entries):
            for digest in self.digests(i):
                self.by_digest.setdefault(digest, []).append(i)
            self.children.setdefault(entry.previous, []).append(i)
        count = len(entries)
        self.sound_before = [0] * count
        self.sound_after: list[int | None] = [None] * count
        for i in range(1, count):
            j = i - 1
            self.sound_before[i] = entries[j].sequence if self.sound[j] else self.sound_before[j]
        for i in range(count - 2, -1, -1):
            j = i + 1
            self.sound_after[i] = entries[j].sequence if self.sound[j] else self.sound_after[j]
        self.place: list[int] = []
        for i in range(count):
            self.place.append(self.placed(i))
        self.found: dict[int, Tampering] = {}
        """Findings about entries present, by position."""
        self.missing: list[Tampering] = []

    def digests(self, i: int) -> tuple[str, ...]:
        stored, recomputed = self.entries[i].digest, self.recomputed[i]
        return (stored,) if stored == recomputed else (stored, recomputed)

    def neighbours(self, i: int) -> tuple[int, int | None]:
        """The sequence numbers of the nearest sound entries before and after position ``i``."""
        return self.sound_before[i], self.sound_after[i]

    def placed(self, i: int) -> int:
        """The sequence number entry ``i`` holds: its own when its digest matches; else the
        one its links give it (to the entry before, placed already, or to a sound entry
        after), if that fits between its sound neighbours; else its own."""
        entry = self.entries[i]
        if self.sound[i]:
            return entry.sequence
        candidates: list[int] = []
        if entry.previous == GENESIS:
            candidates.append(1)
        candidates.extend(
            (self.place[j] if j < i else self.entries[j].sequence) + 1
            for j in self.by_digest.get(entry.previous, ())
            if j != i and (j < i or self.sound[j])
        )
        candidates.extend(
            self.entries[j].sequence - 1
            for digest in self.digests(i)
            for j in self.children.get(digest, ())
            if j != i and self.sound[j] and self.entries[j].sequence > 1
        )
        candidates.append(entry.sequence)
        before, after = self.neighbours(i)
        for candidate in candidates:
            if before < candidate and (after is None or candidate < after):
                return candidate
        return entry.sequence

    def linked_from(self, i: int) -> bool:
        """Does entry ``i`` link to an entry holding the sequence number before its own?"""
        if self.place[i] == 1:
            return self.entries[i].previous == GENESIS
        return any(
            self.place[j] == self.place[i] - 1
            for j in self.by_digest.get(self.entries[i].previous, ())
            if j != i
        )

    def linked_to(self, i: int) -> bool:
        """Does an entry holding the next sequence number (or the head) link to entry ``i``?"""
        if self.head is not None and self.head in self.digests(i):
            return True
        return any(
            self.place[j] == self.place[i] + 1
            for digest in self.digests(i)
            for j in self.children.get(digest, ())
            if j != i
        )

    def findings(self) -> tuple[Tampering, ...]:
        kept = self.choose()
        kept = self.check_head(kept)
        self.check_digests(kept)
        self.check_gaps(kept)
        self.check_links(kept)
        self.check_order(kept)
        found = [*self.found.values(), *self.missing]
        return tuple(
            sorted(found, key=lambda t: (t.sequence, -1 if t.position is None else t.position))
        )

    def report(self, i: int, code: str, message: str) -> None:
        self.found[i] = Tampering(self.place[i], code, message, i)

    def choose(self) -> dict[int, int]:
        """One entry for each sequence number; the others are not part of the chain."""
        groups: dict[int, list[int]] = {}
        for i, sequence in enumerate(self.place):
            groups.setdefault(sequence, []).append(i)
        kept: dict[int, int] = {}
        for sequence, members in groups.items():
            ranked = sorted(
                members,
                key=lambda i: (self.sound[i], self.linked_to(i), self.linked_from(i), i),
            )
            kept[sequence] = ranked[-1]
            for i in ranked[:-1]:
                self.report(
                    i,
                    "journal.inserted",
                    f"entry {sequence} at position {i} is a second entry {sequence} that is "
                    f"not part of the chain: it was inserted",
                )
        return kept

    def check_head(self, kept: dict[int, int]) -> dict[int, int]:
        if self.head is None:
            return kept
        if self.head == GENESIS:
            end = 0
        else:
            ends = [s for s, i in kept.items() if self.head in self.digests(i)]
            if not ends:
                last = max(kept, default=0)
                self.missing.append(
                    Tampering(
                        last + 1,
                        "journal.truncated",
                        f"the journal does not end with the head given: entries after "
                        f"entry {last} were removed, or the last entries were rewritten",
                    )
                )
                return kept
            end = min(ends)
        for sequence in sorted(s for s in kept if s > end):
            i = kept.pop(sequence)
            self.report(
                i,
                "journal.inserted",
                f"entry {sequence} at position {i} comes after the head given "
                f"(entry {end}): it was appended by someone else",
            )
        return kept

    def check_digests(self, kept: dict[int, int]) -> None:
        for sequence, i in kept.items():
            if self.sound[i]:
                continue
            recomputed = self.recomputed[i]
            intact = self.head == recomputed or any(
                self.place[j] == sequence + 1 for j in self.children.get(recomputed, ())
            )
            if intact:
                self.report(
                    i,
                    "journal.bad_digest",
                    f"entry {sequence} at position {i} is intact but its digest was changed",
                )
            else:
                self.report(
                    i,
                    "journal.edited",
                    f"entry {sequence} at position {i} does not match its digest: "
                    "it was edited after it was written",
                )

    def check_gaps(self, kept: dict[int, int]) -> None:
        expected = 1
        for sequence in sorted(kept):
            if sequence > expected:
                count = sequence - expected
                text = (
                    f"entry {expected} is missing"
                    if count == 1
                    else f"entries {expected} to {sequence - 1} are missing ({count} entries)"
                )
                self.missing.append(Tampering(expected, "journal.removed", text + ": removed"))
            expected = sequence + 1

    def check_links(self, kept: dict[int, int]) -> None:
        for sequence, i in kept.items():
            before = kept.get(sequence - 1)
            if sequence > 1 and before is None:
                continue  # a gap, reported already
            if i in self.found or (before is not None and before in self.found):
                continue
            previous = self.entries[i].previous
            if before is None:
                if previous == GENESIS:
                    continue
                self.report(
                    i,
                    "journal.edited",
                    f"entry 1 at position {i} does not start the chain: it was rewritten "
                    "with a new digest",
                )
            elif previous not in self.digests(before):
                self.report(
                    before,
                    "journal.edited",
                    f"entry {sequence} does not record the digest of entry {sequence - 1} "
                    f"(position {before}): entry {sequence - 1} was rewritten with a new "
                    f"digest, or the link of entry {sequence} was",
                )

    def check_order(self, kept: dict[int, int]) -> None:
        positions = sorted(kept.values())
        sequences = [self.place[i] for i in positions]
        ordered = sorted(sequences)
        misplaced = [i for i, s, o in zip(positions, sequences, ordered, strict=True) if s != o]
        if not misplaced:
            return
        if len(misplaced) != 2:
            misplaced = _outside_longest_run(positions, sequences)
        for i in misplaced:
            if i not in self.found:
                self.report(
                    i,
                    "journal.reordered",
                    f"entry {self.place[i]} stands at position {i}, out of order",
                )


def _outside_longest_run(positions: Sequence[int], sequences: Sequence[int]) -> list[int]:
    """The positions outside one longest increasing run of sequence numbers: the fewest
    entries that were moved."""
    tails: list[int] = []  # the least last sequence of a run of each length
    tail_at: list[int] = []  # and where it stands
    before: list[int] = [-1] * len(sequences)
    for k, sequence in enumerate(sequences):
        length = bisect.bisect_left(tails, sequence)
        if length == len(tails):
            tails.append(sequence)
            tail_at.append(k)
        else:
            tails[length] = sequence
            tail_at[length] = k
        before[k] = tail_at[length - 1] if length else -1
    inside: set[int] = set()
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        inside.add(k)
        k = before[k]
    return [positions[k] for k in range(len(sequences)) if k not in inside]


# --- JSON lines --------------------------------------------------------------------------------


def entries_to_json_lines(journal: Journal | Iterable[JournalEntry]) -> Iterator[str]:
    """One JSON line per entry, in order, each a document
    ``{"schema": "resocialize/1", "type": "journal_entry", "data": {...}}`` with the
    entry's fields (``at`` in ISO 8601 with its offset), keys sorted, no newline.
    The key of a keyed journal is never written."""
    from .serialization import SCHEMA

    for entry in _entry_list(journal):
        data = {field.name: getattr(entry, field.name) for field in attrs.fields(JournalEntry)}
        data["at"] = entry.at.isoformat()
        document = {"schema": SCHEMA, "type": _ENTRY_TYPE, "data": data}
        yield json.dumps(
            document, sort_keys=True, ensure_ascii=False, allow_nan=False, default=_plain
        )


_FIELD_TYPES: Final[Mapping[str, type]] = MappingProxyType(
    {
        "sequence": int,
        "at": str,
        "actor": str,
        "command": str,
        "aggregate": str,
        "aggregate_id": str,
        "version": int,
        "payload": dict,
        "previous": str,
        "digest": str,
    }
)
_JSON_NAMES: Final[Mapping[type, str]] = MappingProxyType(
    {int: "an integer", str: "a string", dict: "an object"}
)


def _entry_from_document(document: object) -> JournalEntry:
    from .serialization import SCHEMA

    if not isinstance(document, dict):
        raise ValidationError.at("$", f"must be a journal entry document, not {kind_of(document)}")
    problems: list[FieldProblem] = [
        FieldProblem(_key_path("$", key), "unknown field")
        for key in document
        if key not in ("schema", "type", "data")
    ]
    if document.get("schema") != SCHEMA:
        problems.append(FieldProblem("$.schema", f"must be {SCHEMA!r}, which this library reads"))
    if document.get("type") != _ENTRY_TYPE:
        problems.append(FieldProblem("$.type", f"must be {_ENTRY_TYPE!r}"))
    data = document.get("data")
    if not isinstance(data, dict):
        problems.append(FieldProblem("$.data", f"must be an object, not {kind_of(data)}"))
        raise ValidationError(problems)
    problems.extend(
        FieldProblem(_key_path("$.data", key), "unknown field")
        for key in data
        if key not in _FIELD_TYPES
    )
    values: dict[str, Any] = {}
    for name, kind in _FIELD_TYPES.items():
        path = f"$.data.{name}"
        if name not in data:
            problems.append(FieldProblem(path, "is required"))
            continue
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, kind):
            problems.append(
                FieldProblem(path, f"must be {_JSON_NAMES[kind]}, not {kind_of(value)}")
            )
            continue
        values[name] = value
    if "at" in values:
        at = _read_instant(values["at"])
        if isinstance(at, str):
            problems.append(FieldProblem("$.data.at", at))
            del values["at"]
        else:
            values["at"] = at
    if problems:
        raise ValidationError(problems)
    try:
        return JournalEntry(**values)
    except ValidationError as err:
        raise err.under("$.data") from None


def _read_instant(text: str) -> datetime | str:
    """The instant ``text`` writes, or why it is none."""
    if len(text) > 64:
        return "is too long for a date and time"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return (
            "must be a date and time in ISO 8601 with an offset such as "
            f"'2026-03-02T09:00:00+03:00', not {text!r}"
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        return f"must be timezone-aware: {text!r} has no UTC offset"
    return moment


def journal_from_json_lines(
    lines: str | Iterable[str | bytes], *, key: bytes | None = None
) -> Journal:
    """The journal written by :func:`entries_to_json_lines`, from its lines (a text is
    split into lines; blank lines are skipped).

    Only the structure of each line is checked, strictly (no floats, no unknown or
    missing fields, datetimes with an offset), and every bad line is reported with
    its number and the path of each bad field in one
    :class:`~resocialize.errors.ValidationError`. The chain is not verified:
    call :func:`verify` on what was read. ``key`` is the key of a keyed journal.
    """
    from .serialization import json_document

    problems: list[FieldProblem] = []
    _check_key(key, problems)
    if isinstance(lines, str):
        lines = lines.split("\n")  # not splitlines: JSON text may hold U+0085 or U+2028
    if isinstance(lines, bytes | Mapping) or not isinstance(lines, Iterable):
        problems.append(
            FieldProblem("lines", f"must be text or an iterable of lines, not {kind_of(lines)}")
        )
        raise ValidationError(problems)
    entries: list[JournalEntry] = []
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, str | bytes):
            problems.append(FieldProblem(f"line {number}", f"must be text, not {kind_of(line)}"))
            continue
        if not line.strip():
            continue
        try:
            entries.append(_entry_from_document(json_document(line)))
        except ValidationError as err:
            problems.extend(
                FieldProblem(f"line {number}: {p.path}", p.message) for p in err.problems
            )
    if problems:
        raise ValidationError(problems)
    return Journal(tuple(entries), key)
