"""Persistence of the regional system: the journal and the current state of every aggregate.

Two stores with one interface, :class:`Store`:

- :class:`~resocialize.storage.sqlite.SQLiteStore`, the embedded default: one SQLite file
  (standard library), WAL, one transaction per command;
- :class:`~resocialize.storage.postgres.PostgresStore`, the same tables and rules on a
  PostgreSQL server, through SQLAlchemy Core and psycopg 3 (``pip install
  resocialize[sql]``; neither is imported until such a store is made).

Both keep optimistic concurrency with a version per aggregate and a schema version that is
migrated or refused, and write journals that verify the same way. :func:`open_store` picks
the store from a location, so an application can take it from its configuration:

>>> import tempfile, pathlib
>>> from resocialize.storage import SQLiteStore, open_store
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with open_store(f"sqlite:///{folder}/region.sqlite") as store:
...     isinstance(store, SQLiteStore), store.schema_version
(True, 1)
>>> open_store("mysql://region@db/region")
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: location: must be a file path,
a sqlite:/// URL or a postgresql:// URL, not 'mysql://region@db/region'
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from resocialize._checks import kind_of
from resocialize.errors import ValidationError
from resocialize.journal import JournalEntry, Tampering

from .postgres import PostgresStore
from .sqlite import SCHEMA_VERSION, Change, SQLiteStore, Stored, StoreError

__all__ = [
    "SCHEMA_VERSION",
    "Change",
    "PostgresStore",
    "SQLiteStore",
    "Store",
    "StoreError",
    "Stored",
    "open_store",
]

_POSTGRES = ("postgresql://", "postgresql+psycopg://")
_SQLITE = "sqlite:///"


@runtime_checkable
class Store(Protocol):
    """What the regional system needs of a store; both :class:`SQLiteStore` and
    :class:`PostgresStore` are one.

    - :attr:`schema_version`: the version of the store's tables (always
      :data:`SCHEMA_VERSION` once opened: an older store is migrated when opened, a newer
      one or something that is not a store is refused with :class:`StoreError`).
    - :meth:`load` an aggregate's :class:`Stored` version and document; :meth:`aggregates`
      of one kind, by id; :meth:`entries` of the journal after a sequence number and its
      :meth:`last_entry`.
    - :meth:`commit` a command's :class:`Change` list in one transaction with its journal
      entries; a stale ``expected_version`` is refused with
      :class:`~resocialize.errors.RuleViolation` (``store.version_conflict``, every
      conflict) and nothing is written.
    - :meth:`verify` the journal's chain and that the stored versions match it.
    - :meth:`close`, or use the store as a context manager.
    """

    @property
    def key(self) -> bytes | None:
        """The journal's HMAC key, or ``None`` for a plain SHA-256 chain."""

    @property
    def schema_version(self) -> int:
        """The schema version of the open store."""

    def load(self, aggregate: str, aggregate_id: str) -> Stored | None:
        """The current version and document of an aggregate, or ``None``."""

    def aggregates(self, aggregate: str) -> Iterator[tuple[str, Stored]]:
        """Every aggregate of a kind, by id."""

    def entries(
        self, *, after: int = 0, aggregates: Collection[str] | None = None
    ) -> Iterator[JournalEntry]:
        """The journal's entries after sequence number ``after``, in order; only those of
        the kinds in ``aggregates`` when it is given."""

    def last_entry(self) -> JournalEntry | None:
        """The newest journal entry, or ``None`` for an empty journal."""

    def verify(self, *, head: str | None = None) -> tuple[Tampering, ...]:
        """Every sign of tampering in the journal and the stored versions."""

    def commit(
        self, changes: Sequence[Change], *, at: datetime, actor: str, command: str
    ) -> tuple[JournalEntry, ...]:
        """Apply a command's changes in one transaction and journal them."""

    def close(self) -> None:
        """Release the file or the connections."""

    def __enter__(self) -> Store:
        """The store itself."""

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Close the store."""


def open_store(
    location: str | os.PathLike[str], *, key: bytes | None = None, timeout: float = 30.0
) -> Store:
    """The store at ``location``: a file path or ``sqlite:///path`` (SQLAlchemy's form:
    ``sqlite:///region.sqlite`` is relative, ``sqlite:////srv/region.sqlite`` absolute)
    opens a :class:`SQLiteStore`; a ``postgresql://`` or ``postgresql+psycopg://`` URL a
    :class:`PostgresStore`. Anything else is a :class:`~resocialize.errors.ValidationError`
    at ``location``; ``key`` is the journal's key for either, and ``timeout`` how many
    seconds a writer waits for another's lock."""
    if isinstance(location, os.PathLike):
        return SQLiteStore(location, key=key, timeout=timeout)
    if not isinstance(location, str):
        raise ValidationError.at(
            "location", f"must be a file path or a store URL, not {kind_of(location)}"
        )
    if not location.strip():
        raise ValidationError.at("location", "must be a file path or a store URL, not empty")
    if location.startswith(_POSTGRES):
        return PostgresStore(location, key=key, timeout=timeout)
    if location.startswith(_SQLITE) and len(location) > len(_SQLITE):
        return SQLiteStore(location.removeprefix(_SQLITE), key=key, timeout=timeout)
    if "://" in location or location.startswith("sqlite:"):
        raise ValidationError.at(
            "location",
            f"must be a file path, a sqlite:/// URL or a postgresql:// URL, not {location!r}",
        )
    return SQLiteStore(location, key=key, timeout=timeout)


if TYPE_CHECKING:

    def _both_are_stores(sqlite: SQLiteStore, postgres: PostgresStore) -> tuple[Store, Store]:
        """mypy checks that both stores have the protocol's interface."""
        return sqlite, postgres
