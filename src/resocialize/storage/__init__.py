"""Persistence of the regional system: the journal and the current state of every aggregate.

The embedded default is :class:`~resocialize.storage.sqlite.SQLiteStore`, one SQLite file
(standard library): WAL, one transaction per command, optimistic concurrency with a version
per aggregate, a schema version that is migrated or refused.
"""

from __future__ import annotations

from .sqlite import SCHEMA_VERSION, Change, SQLiteStore, Stored, StoreError

__all__ = ["SCHEMA_VERSION", "Change", "SQLiteStore", "StoreError", "Stored"]
