"""The store on PostgreSQL: the same tables, journal and rules as the SQLite store, for a
region whose system runs on a database server.

:class:`PostgresStore` has the interface and the semantics of
:class:`~resocialize.storage.sqlite.SQLiteStore` (see :class:`resocialize.storage.Store`):
the same tables (``meta``, ``journal``, ``aggregates``; documents and payloads are TEXT
holding the same canonical JSON, ``at`` the same ISO text), the same schema version and
migration mechanism, the same errors. A journal written by one store verifies, entry for
entry and digest for digest, in the other.

It is written with SQLAlchemy Core and the psycopg 3 driver, both imported only when a
store is made (``pip install resocialize[sql]``). The URL is ``postgresql://...`` or
``postgresql+psycopg://...``; the tables live in the connection's current schema (set
another one with ``?options=-csearch_path%3Dregion`` in the URL).

**One transaction per command.** :meth:`PostgresStore.commit` locks the store's schema
version row (``SELECT ... FOR UPDATE``) first: writers, in any number of processes on any
number of machines, take turns, each reads the current versions and the journal's last
entry after the one before it committed, so the chain never forks. Then it checks every
version (**optimistic concurrency**, ``store.version_conflict``), chains the entries and
writes both tables, or writes nothing. A writer waits at most ``timeout`` seconds for the
others (then :class:`~resocialize.storage.sqlite.StoreError`). A command that returned is
committed by the server; a writer killed in the middle leaves nothing behind.

**Creating the tables** is done under a transaction-scoped advisory lock, so several
processes may open a new, empty database at once. :meth:`PostgresStore.verify` reads the
journal and the stored versions in one snapshot (``REPEATABLE READ``), so writers running
meanwhile cause no false alarm.

Nothing is imported nor connected before the URL is checked:

>>> from resocialize.storage import PostgresStore
>>> PostgresStore("mysql://region@db/region", timeout=0)
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: url: must be a postgresql:// or
postgresql+psycopg:// URL, not 'mysql://region@db/region'; timeout: must be a positive
number of seconds
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

from resocialize._checks import Problems, kind_of
from resocialize.errors import ValidationError
from resocialize.journal import JournalEntry, Tampering, verify

from ._changes import chain, checked_changes, state_findings
from .sqlite import SCHEMA_VERSION, Change, Stored, StoreError, _entry, _kinds

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

__all__ = ["PostgresStore"]

_APPLICATION: Final = "resocialize"

_SCHEMES: Final = ("postgresql://", "postgresql+psycopg://")

_SCHEMA_LOCK: Final = zlib.crc32(b"resocialize.storage.schema")
"""The advisory lock key held while the tables are created or migrated (a 32-bit number,
the same in every process and every version of the library)."""

_PAGE: Final = 1000
"""Rows read at a time by the iterators, each page in its own short read."""

_MIGRATIONS: Final[Mapping[int, Sequence[str]]] = {}
"""The statements that take a store from the version of its key to the next one, like
:data:`resocialize.storage.sqlite._MIGRATIONS` but in PostgreSQL's SQL. Version 1 is the
first: there is nothing to migrate yet, and a store of a later version is refused."""

_JOURNAL_COLUMNS: Final = (
    "sequence",
    "at",
    "actor",
    "command",
    "aggregate",
    "aggregate_id",
    "version",
    "payload",
    "previous",
    "digest",
)


def _sqlalchemy() -> Any:
    """The sqlalchemy module, imported now, or a StoreError saying what to install."""
    try:
        import psycopg  # noqa: F401
        import sqlalchemy
    except ImportError as err:
        raise StoreError(
            f"PostgresStore needs SQLAlchemy and psycopg 3 ({err}): pip install resocialize[sql]"
        ) from None
    return sqlalchemy


class _Tables:
    """The store's tables as SQLAlchemy Core objects (made once, when first needed)."""

    made: _Tables | None = None

    def __init__(self, sa: Any) -> None:
        self.metadata = sa.MetaData()
        self.meta = sa.Table(
            "meta",
            self.metadata,
            sa.Column("key", sa.Text, primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        )
        self.journal = sa.Table(
            "journal",
            self.metadata,
            sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("at", sa.Text, nullable=False),
            sa.Column("actor", sa.Text, nullable=False),
            sa.Column("command", sa.Text, nullable=False),
            sa.Column("aggregate", sa.Text, nullable=False),
            sa.Column("aggregate_id", sa.Text, nullable=False),
            sa.Column("version", sa.BigInteger, nullable=False),
            sa.Column("payload", sa.Text, nullable=False),
            sa.Column("previous", sa.Text, nullable=False),
            sa.Column("digest", sa.Text, nullable=False, unique=True),
            sa.Index("journal_aggregate", "aggregate", "aggregate_id", "version"),
        )
        self.aggregates = sa.Table(
            "aggregates",
            self.metadata,
            sa.Column("aggregate", sa.Text, primary_key=True),
            sa.Column("aggregate_id", sa.Text, primary_key=True),
            sa.Column("version", sa.BigInteger, nullable=False),
            sa.Column("document", sa.Text, nullable=False),
        )

    @classmethod
    def get(cls, sa: Any) -> _Tables:
        if cls.made is None:
            cls.made = cls(sa)
        return cls.made


def _url_problem(url: object) -> str | None:
    if not isinstance(url, str):
        return f"must be a postgresql:// URL, not {kind_of(url)}"
    if not url.startswith(_SCHEMES):
        return f"must be a postgresql:// or postgresql+psycopg:// URL, not {url!r}"
    return None


class PostgresStore:
    """A region's store in a PostgreSQL database; see the module's documentation.

    ``url`` is a ``postgresql://`` or ``postgresql+psycopg://`` URL (the former is read as
    the latter). ``key`` makes the journal keyed (HMAC-SHA256): keep it apart from the
    database. ``timeout`` is how long to wait, in seconds, for the server to answer and for
    other writers to finish. Use the store in a ``with`` block, or call :meth:`close`.
    Unreachable servers and timeouts raise :class:`~resocialize.storage.sqlite.StoreError`.
    """

    def __init__(self, url: str, *, key: bytes | None = None, timeout: float = 30.0) -> None:
        problems = Problems()
        problems.check("url", _url_problem(url))
        if key is not None and (not isinstance(key, bytes) or len(key) < 16):
            problems.add("key", "must be bytes, at least 16 of them")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            problems.add("timeout", "must be a positive number of seconds")
        problems.raise_if_any()
        sa = _sqlalchemy()
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        try:
            parsed = sa.engine.make_url(url)
        except sa.exc.ArgumentError as err:
            raise ValidationError.at("url", f"is not a readable URL: {err}") from None
        self.url: str = parsed.render_as_string(hide_password=True)
        """The database's URL, password hidden."""
        self.key = key
        self._sa = sa
        self._tables = _Tables.get(sa)
        options = " ".join(
            part
            for part in (
                parsed.query.get("options"),
                f"-c lock_timeout={math.ceil(timeout * 1000)}",
            )
            if isinstance(part, str)
        )
        self._engine: Engine = sa.create_engine(
            parsed,
            connect_args={"connect_timeout": max(1, math.ceil(timeout)), "options": options},
            pool_size=2,
            max_overflow=8,
        )
        try:
            with self._unavailable():
                self._open_schema()
        except BaseException:
            self._engine.dispose()
            raise

    # --- errors ---------------------------------------------------------------------------

    def _unavailable(self) -> _Unavailable:
        return _Unavailable(self._sa, self.url)

    # --- schema ---------------------------------------------------------------------------

    def _open_schema(self) -> None:
        sa, tables = self._sa, self._tables
        with self._engine.begin() as db:
            present = set(sa.inspect(db).get_table_names())
            if "meta" not in present:
                # several processes may open a new database at once: one creates the tables
                db.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
                present = set(sa.inspect(db).get_table_names())
                if not present:
                    tables.metadata.create_all(db)
                    db.execute(
                        sa.insert(tables.meta),
                        [
                            {"key": "application", "value": _APPLICATION},
                            {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                        ],
                    )
                    return
            if "meta" not in present:
                raise StoreError(f"{self.url} is not a resocialize store (it has no meta table)")
            version = self._read_meta(db)
            if version == SCHEMA_VERSION:
                return
        self._migrate()

    def _read_meta(self, db: Connection) -> int:
        sa, meta = self._sa, self._tables.meta
        values = dict(db.execute(sa.select(meta.c.key, meta.c.value)).all())
        if values.get("application") != _APPLICATION:
            raise StoreError(f"{self.url} is not a resocialize store")
        try:
            version = int(values.get("schema_version", ""))
        except ValueError:
            raise StoreError(f"{self.url} has no readable schema version") from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.url} was written by a newer resocialize (schema {version}); this"
                f" version reads schema {SCHEMA_VERSION} and older: upgrade the library"
            )
        return version

    def _migrate(self) -> None:
        sa, meta = self._sa, self._tables.meta
        with self._engine.begin() as db:
            db.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            version = self._read_meta(db)  # another process may have migrated it meanwhile
            while version < SCHEMA_VERSION:
                statements = _MIGRATIONS.get(version)
                if statements is None:
                    raise StoreError(
                        f"{self.url} has schema {version}, which this version cannot migrate"
                    )
                for statement in statements:
                    db.execute(sa.text(statement))
                version += 1
                db.execute(
                    sa.update(meta).where(meta.c.key == "schema_version").values(value=str(version))
                )

    @property
    def schema_version(self) -> int:
        """The schema version of the open store."""
        meta = self._tables.meta
        with self._unavailable(), self._engine.connect() as db:
            value = db.execute(
                self._sa.select(meta.c.value).where(meta.c.key == "schema_version")
            ).scalar_one()
        return int(value)

    # --- reading --------------------------------------------------------------------------

    def load(self, aggregate: str, aggregate_id: str) -> Stored | None:
        """The current version and document of an aggregate, or ``None`` if there is none."""
        table = self._tables.aggregates
        with self._unavailable(), self._engine.connect() as db:
            row = db.execute(
                self._sa.select(table.c.version, table.c.document).where(
                    table.c.aggregate == aggregate, table.c.aggregate_id == aggregate_id
                )
            ).first()
        return None if row is None else Stored(row[0], json.loads(row[1]))

    def aggregates(self, aggregate: str) -> Iterator[tuple[str, Stored]]:
        """Every aggregate of a kind, by id (read a page at a time)."""
        sa, table = self._sa, self._tables.aggregates
        after: str | None = None
        while True:
            query = sa.select(table.c.aggregate_id, table.c.version, table.c.document).where(
                table.c.aggregate == aggregate
            )
            if after is not None:
                query = query.where(table.c.aggregate_id.collate("C") > after)
            query = query.order_by(table.c.aggregate_id.collate("C")).limit(_PAGE)
            with self._unavailable(), self._engine.connect() as db:
                rows = db.execute(query).all()
            for aggregate_id, version, document in rows:
                yield aggregate_id, Stored(version, json.loads(document))
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def entries(
        self, *, after: int = 0, aggregates: Collection[str] | None = None
    ) -> Iterator[JournalEntry]:
        """The journal's entries after sequence number ``after``, in order (read a page at
        a time); only those of the kinds in ``aggregates`` when it is given."""
        kinds = _kinds(aggregates)
        journal = self._tables.journal
        columns = [journal.c[name] for name in _JOURNAL_COLUMNS]
        while True:
            query = self._sa.select(*columns).where(journal.c.sequence > after)
            if kinds is not None:
                query = query.where(journal.c.aggregate.in_(kinds))
            query = query.order_by(journal.c.sequence).limit(_PAGE)
            with self._unavailable(), self._engine.connect() as db:
                rows = db.execute(query).all()
            for row in rows:
                yield _entry(tuple(row))
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def last_entry(self) -> JournalEntry | None:
        """The newest journal entry, or ``None`` for an empty journal."""
        with self._unavailable(), self._engine.connect() as db:
            return self._last_entry(db)

    def _last_entry(self, db: Connection) -> JournalEntry | None:
        journal = self._tables.journal
        row = db.execute(
            self._sa.select(*(journal.c[name] for name in _JOURNAL_COLUMNS))
            .order_by(journal.c.sequence.desc())
            .limit(1)
        ).first()
        return None if row is None else _entry(tuple(row))

    def verify(self, *, head: str | None = None) -> tuple[Tampering, ...]:
        """Every sign of tampering: the journal's chain (:func:`resocialize.journal.verify`),
        and any aggregate whose stored version is not its last journal entry's; both read
        in one snapshot."""
        sa, journal, table = self._sa, self._tables.journal, self._tables.aggregates
        with (
            self._unavailable(),
            self._engine.connect().execution_options(isolation_level="REPEATABLE READ") as db,
            db.begin(),
        ):
            entries = [
                _entry(tuple(row))
                for row in db.execute(
                    sa.select(*(journal.c[name] for name in _JOURNAL_COLUMNS)).order_by(
                        journal.c.sequence
                    )
                )
            ]
            stored = {
                (kind, ident): version
                for kind, ident, version in db.execute(
                    sa.select(table.c.aggregate, table.c.aggregate_id, table.c.version)
                )
            }
        found = list(verify(entries, head=head, key=self.key))
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
        with self._unavailable(), self._engine.begin() as db:
            return self._write(db, changes, texts, at=at, actor=actor, command=command)

    def _write(
        self,
        db: Connection,
        changes: Sequence[Change],
        texts: Sequence[tuple[str, str]],
        *,
        at: datetime,
        actor: str,
        command: str,
    ) -> tuple[JournalEntry, ...]:
        sa, tables = self._sa, self._tables
        meta, table = tables.meta, tables.aggregates
        # writers take turns on the schema version's row: the chain never forks, and a store
        # migrated by a newer library since it was opened is not written to
        locked = db.execute(
            sa.select(meta.c.value).where(meta.c.key == "schema_version").with_for_update()
        ).scalar_one_or_none()
        if locked != str(SCHEMA_VERSION):
            raise StoreError(
                f"{self.url} is now at schema {locked}, not {SCHEMA_VERSION}: reopen it"
            )
        keys = [(change.aggregate, change.aggregate_id) for change in changes]
        versions: dict[tuple[str, str], int] = {
            (kind, ident): version
            for kind, ident, version in db.execute(
                sa.select(table.c.aggregate, table.c.aggregate_id, table.c.version).where(
                    sa.tuple_(table.c.aggregate, table.c.aggregate_id).in_(keys)
                )
            )
        }
        current = [versions.get(key, 0) for key in keys]
        written: list[JournalEntry] = []
        rows: list[dict[str, Any]] = []
        states: list[dict[str, Any]] = []
        chained = chain(
            changes,
            current,
            texts,
            self._last_entry(db),
            at=at,
            actor=actor,
            command=command,
            key=self.key,
        )
        for change, entry, document, payload in chained:
            rows.append(
                {
                    "sequence": entry.sequence,
                    "at": entry.at.isoformat(),
                    "actor": entry.actor,
                    "command": entry.command,
                    "aggregate": entry.aggregate,
                    "aggregate_id": entry.aggregate_id,
                    "version": entry.version,
                    "payload": payload,
                    "previous": entry.previous,
                    "digest": entry.digest,
                }
            )
            states.append(
                {
                    "aggregate": change.aggregate,
                    "aggregate_id": change.aggregate_id,
                    "version": entry.version,
                    "document": document,
                }
            )
            written.append(entry)
        from sqlalchemy.dialects.postgresql import insert

        db.execute(sa.insert(tables.journal), rows)
        upsert = insert(table)
        db.execute(
            upsert.on_conflict_do_update(
                index_elements=[table.c.aggregate, table.c.aggregate_id],
                set_={"version": upsert.excluded.version, "document": upsert.excluded.document},
            ),
            states,
        )
        return tuple(written)

    # --- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections (the store cannot be used afterwards)."""
        self._engine.dispose()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class _Unavailable:
    """Turns the database's errors (no server, a lost connection, a lock waited for longer
    than the timeout, a missing schema or privilege) into a :class:`StoreError` naming
    the database."""

    def __init__(self, sa: Any, url: str) -> None:
        self._error: type[BaseException] = sa.exc.DBAPIError
        self._url = url

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is not None and isinstance(error, self._error):
            cause = getattr(error, "orig", None) or error
            text = " ".join(str(cause).split())
            raise StoreError(f"the PostgreSQL store at {self._url} failed: {text}") from error
