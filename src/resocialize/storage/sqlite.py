"""The embedded store: one SQLite file, the journal and the current state of every aggregate.

SQLite ships with Python, so a region starts with a file and nothing to install
(``SQLiteStore("region.sqlite")``). The store keeps:

- ``journal``: the append-only, hash-chained entries of :mod:`resocialize.journal`, one
  row an entry, the digest unique;
- ``aggregates``: the current document of every aggregate (a case, a certificate, a
  center ...) with its version, the version of its last journal entry;
- ``meta``: the schema version, so that a store written by another version of the library
  is migrated or refused, never misread.

**One transaction per command.** :meth:`SQLiteStore.commit` takes the command's changes
(each an aggregate's new document, the journal payload, and the version the command read
it at), and in one ``BEGIN IMMEDIATE`` transaction checks every version, chains the
journal entries to the last one and writes both tables, or writes nothing. Writers are
serialized by SQLite's write lock (other processes wait up to ``timeout`` seconds);
**optimistic concurrency** does the rest: a change made against a version another writer
has moved on from is refused with ``store.version_conflict`` (every conflict at once), so
two writers never both succeed on the same certificate or case. The caller reads again and
retries, or gives up.

**Durability.** The file is in WAL mode with ``synchronous=FULL``: a command that returned
is on disk, whatever happens to the process afterwards. :meth:`SQLiteStore.verify` checks
the journal's chain and that every aggregate's version is the one its last journal entry
gave it.

>>> import tempfile, pathlib
>>> from datetime import datetime, timezone
>>> from resocialize.storage import Change, SQLiteStore
>>> store = SQLiteStore(pathlib.Path(tempfile.mkdtemp()) / "region.sqlite")
>>> at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
>>> issued = Change("certificate", "cert-1", 0, {"balance": "180000"}, {"event": "issued"})
>>> entries = store.commit([issued], at=at, actor="agency-1/officer-2", command="issue")
>>> entries[0].sequence, entries[0].version, store.load("certificate", "cert-1")
(1, 1, Stored(version=1, document={'balance': '180000'}))

A second writer that read the certificate before the first one wrote is refused:

>>> stale = Change("certificate", "cert-1", 0, {"balance": "0"}, {"event": "paid"})
>>> store.commit([stale], at=at, actor="center-1/clerk-1", command="pay_claim")
Traceback (most recent call last):
...
resocialize.errors.RuleViolation: refused: certificate cert-1 is at version 1, not 0:
it was changed since it was read [store.version_conflict]
>>> store.verify()
()
>>> store.close()
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from resocialize._checks import Problems, kind_of
from resocialize.errors import ResocializeError, ValidationError
from resocialize.journal import JournalEntry, Tampering, stored_entry, verify

from ._changes import Change, Stored, chain, checked_changes, state_findings

__all__ = ["SCHEMA_VERSION", "Change", "SQLiteStore", "StoreError", "Stored"]

SCHEMA_VERSION: Final = 1
"""The version of the tables this library writes and reads."""

_APPLICATION: Final = "resocialize"

_SCHEMA: Final = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE journal (
    sequence INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    command TEXT NOT NULL,
    aggregate TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    previous TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE
);
CREATE INDEX journal_aggregate ON journal (aggregate, aggregate_id, version);
CREATE TABLE aggregates (
    aggregate TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (aggregate, aggregate_id)
);
"""

_MIGRATIONS: Final[Mapping[int, str]] = {}
"""SQL that takes a store from the version of its key to the next one. Version 1 is the
first: there is nothing to migrate yet, and a store of a later version is refused."""


class StoreError(ResocializeError):
    """The store cannot be used: not a store of this library, or written by a newer one."""


class SQLiteStore:
    """A region's store in one SQLite file; see the module's documentation.

    ``key`` makes the journal keyed (HMAC-SHA256): keep it apart from the file, and an
    attacker who can write the file still cannot forge the chain. Use the store in a
    ``with`` block, or call :meth:`close`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        key: bytes | None = None,
        timeout: float = 30.0,
    ) -> None:
        problems = Problems()
        if not isinstance(path, str | os.PathLike):
            problems.add("path", f"must be a path, not {kind_of(path)}")
        if key is not None and (not isinstance(key, bytes) or len(key) < 16):
            problems.add("key", "must be bytes, at least 16 of them")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            problems.add("timeout", "must be a positive number of seconds")
        problems.raise_if_any()
        self.path = Path(path)
        self.key = key
        self._db = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._open_schema()
        except BaseException:
            self._db.close()
            raise

    # --- schema ---------------------------------------------------------------------------

    def _open_schema(self) -> None:
        tables = {
            row[0]
            for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if not tables:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("application", _APPLICATION), ("schema_version", str(SCHEMA_VERSION))],
                )
                self._db.execute("COMMIT")
            except sqlite3.OperationalError:
                self._db.execute("ROLLBACK")
                # another process created it first: read what it made
                return self._open_schema()
            return None
        if "meta" not in tables:
            raise StoreError(f"{self.path} is not a resocialize store (it has no meta table)")
        meta = dict(self._db.execute("SELECT key, value FROM meta"))
        if meta.get("application") != _APPLICATION:
            raise StoreError(f"{self.path} is not a resocialize store")
        try:
            version = int(meta.get("schema_version", ""))
        except ValueError:
            raise StoreError(f"{self.path} has no readable schema version") from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer resocialize (schema {version}); this"
                f" version reads schema {SCHEMA_VERSION} and older: upgrade the library"
            )
        while version < SCHEMA_VERSION:
            script = _MIGRATIONS.get(version)
            if script is None:
                raise StoreError(
                    f"{self.path} has schema {version}, which this version cannot migrate"
                )
            self._db.execute("BEGIN IMMEDIATE")
            for statement in script.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            version += 1
            self._db.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),)
            )
            self._db.execute("COMMIT")
        return None

    @property
    def schema_version(self) -> int:
        """The schema version of the open store."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    # --- reading --------------------------------------------------------------------------

    def load(self, aggregate: str, aggregate_id: str) -> Stored | None:
        """The current version and document of an aggregate, or ``None`` if there is none."""
        row = self._db.execute(
            "SELECT version, document FROM aggregates WHERE aggregate = ? AND aggregate_id = ?",
            (aggregate, aggregate_id),
        ).fetchone()
        return None if row is None else Stored(row[0], json.loads(row[1]))

    def aggregates(self, aggregate: str) -> Iterator[tuple[str, Stored]]:
        """Every aggregate of a kind, by id."""
        for aggregate_id, version, document in self._db.execute(
            "SELECT aggregate_id, version, document FROM aggregates WHERE aggregate = ?"
            " ORDER BY aggregate_id",
            (aggregate,),
        ):
            yield aggregate_id, Stored(version, json.loads(document))

    def entries(
        self, *, after: int = 0, aggregates: Collection[str] | None = None
    ) -> Iterator[JournalEntry]:
        """The journal's entries after sequence number ``after``, in order; only those of
        the kinds in ``aggregates`` when it is given."""
        kinds = _kinds(aggregates)
        where = "sequence > ?"
        if kinds is not None:
            where += f" AND aggregate IN ({', '.join('?' * len(kinds))})"
        for row in self._db.execute(
            "SELECT sequence, at, actor, command, aggregate, aggregate_id, version, payload,"
            f" previous, digest FROM journal WHERE {where} ORDER BY sequence",
            (after, *(kinds or ())),
        ):
            yield _entry(row)

    def last_entry(self) -> JournalEntry | None:
        """The newest journal entry, or ``None`` for an empty journal."""
        row = self._db.execute(
            "SELECT sequence, at, actor, command, aggregate, aggregate_id, version, payload,"
            " previous, digest FROM journal ORDER BY sequence DESC LIMIT 1"
        ).fetchone()
        return None if row is None else _entry(row)

    def _head(self) -> JournalEntry | None:
        """The newest entry without its payload: all a new entry chains to."""
        row = self._db.execute(
            "SELECT sequence, at, actor, command, aggregate, aggregate_id, version, '{}',"
            " previous, digest FROM journal ORDER BY sequence DESC LIMIT 1"
        ).fetchone()
        return None if row is None else _entry(row)

    def verify(self, *, head: str | None = None) -> tuple[Tampering, ...]:
        """Every sign of tampering: the journal's chain (:func:`resocialize.journal.verify`),
        and any aggregate whose stored version is not its last journal entry's."""
        entries = list(self.entries())
        found = list(verify(entries, head=head, key=self.key))
        stored = {
            (kind, ident): version
            for kind, ident, version in self._db.execute(
                "SELECT aggregate, aggregate_id, version FROM aggregates"
            )
        }
        found.extend(state_findings(entries, stored))
        return tuple(found)

    # --- writing --------------------------------------------------------------------------

    def commit(
        self, changes: Sequence[Change], *, at: datetime, actor: str, command: str
    ) -> tuple[JournalEntry, ...]:
        """Apply a command's changes in one transaction and journal them; return the entries.

        Refused with :class:`~resocialize.errors.RuleViolation`, writing nothing, when any
        change's ``expected_version`` is not the stored one (``store.version_conflict``) or
        ``at`` is before the journal's last entry. Bad arguments raise
        :class:`~resocialize.errors.ValidationError` with paths.
        """
        texts = checked_changes(changes, at)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            entries = self._write(changes, texts, at=at, actor=actor, command=command)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return entries

    def _write(
        self,
        changes: Sequence[Change],
        texts: Sequence[tuple[str, str]],
        *,
        at: datetime,
        actor: str,
        command: str,
    ) -> tuple[JournalEntry, ...]:
        current: list[int] = []
        for change in changes:
            row = self._db.execute(
                "SELECT version FROM aggregates WHERE aggregate = ? AND aggregate_id = ?",
                (change.aggregate, change.aggregate_id),
            ).fetchone()
            current.append(0 if row is None else row[0])
        written: list[JournalEntry] = []
        chained = chain(
            changes, current, texts, self._head(), at=at, actor=actor, command=command, key=self.key
        )
        for change, entry, document, payload in chained:
            self._db.execute(
                "INSERT INTO journal (sequence, at, actor, command, aggregate, aggregate_id,"
                " version, payload, previous, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.sequence,
                    entry.at.isoformat(),
                    entry.actor,
                    entry.command,
                    entry.aggregate,
                    entry.aggregate_id,
                    entry.version,
                    payload,
                    entry.previous,
                    entry.digest,
                ),
            )
            self._db.execute(
                "INSERT INTO aggregates (aggregate, aggregate_id, version, document)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (aggregate, aggregate_id)"
                " DO UPDATE SET version = excluded.version, document = excluded.document",
                (change.aggregate, change.aggregate_id, entry.version, document),
            )
            written.append(entry)
        return tuple(written)

    # --- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file (the store cannot be used afterwards)."""
        self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _kinds(aggregates: object) -> tuple[str, ...] | None:
    """The aggregate kinds an ``entries`` call asks for (``None``: every kind)."""
    if aggregates is None:
        return None
    if isinstance(aggregates, str) or not isinstance(aggregates, Collection):
        raise ValidationError.at(
            "aggregates", f"must be a collection of kinds, not {kind_of(aggregates)}"
        )
    kinds = tuple(sorted(set(aggregates)))
    if not all(isinstance(kind, str) for kind in kinds):
        raise ValidationError.at("aggregates", "must hold the names of aggregate kinds")
    return kinds


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    """An entry read from a row, without checking its shape again (see
    :func:`~resocialize.journal.stored_entry`)."""
    sequence, at, actor, command, aggregate, aggregate_id, version, payload, previous, digest = row
    return stored_entry(
        sequence,
        datetime.fromisoformat(at),
        actor,
        command,
        aggregate,
        aggregate_id,
        version,
        json.loads(payload),
        previous,
        digest,
    )
