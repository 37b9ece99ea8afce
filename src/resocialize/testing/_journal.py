"""Hypothesis strategies for the journal: entries, whole journals, and journals of cases.

Every journal is built by :func:`~resocialize.journal.append` from events drawn for
a few aggregates, so it verifies by construction; :func:`case_journals` journals
the steps of cases walked along the pathway, so that they replay to the live cases.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import attrs
from hypothesis import strategies as st

from resocialize.journal import (
    GENESIS,
    MIN_KEY_BYTES,
    Journal,
    JournalEntry,
    append,
    append_case_entry,
    digest_of,
)
from resocialize.pathway import Case

from ._pathway import EARLIEST, ZONES


def _strategies() -> ModuleType:
    """The public strategies module, imported on first use: it re-exports this module's
    strategies, so importing it at the top would be circular."""
    from . import strategies

    return strategies


__all__ = [
    "AGGREGATES",
    "actors",
    "case_journals",
    "digests",
    "journal_entries",
    "journal_keys",
    "journals",
    "json_values",
    "payloads",
]

AGGREGATES = ("case", "certificate", "center", "contract", "claim")
"""The kinds of aggregates the journals here change."""

_COMMANDS = ("identify", "admit", "issue", "redeem", "sign", "include", "suspend", "pay")
_ROLES = ("case_manager", "agency", "center", "court", "police")
_KEY_TEXT = st.text(st.characters(codec="utf-8"), max_size=8)
_TEXT = st.text(st.characters(codec="utf-8"), max_size=20)
"""Text in any script; UTF-8 only, so never a lone surrogate."""


def json_values() -> st.SearchStrategy[Any]:
    """Plain JSON data a payload may hold: null, booleans, 64-bit integers, text in any
    script, arrays and objects, nested a few levels (never floats)."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        _TEXT,
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(_KEY_TEXT, inner, max_size=4)
        ),
        max_leaves=12,
    )


def payloads() -> st.SearchStrategy[dict[str, Any]]:
    """Payloads: JSON objects, sometimes shaped like a document envelope."""
    plain = st.dictionaries(_KEY_TEXT, json_values(), max_size=5)
    document = st.builds(
        lambda tag, data: {"schema": "resocialize/1", "type": tag, "data": data},
        st.sampled_from(["certificate_change", "register_change", "payment"]),
        plain,
    )
    return st.one_of(plain, document)


def digests() -> st.SearchStrategy[str]:
    """Hex SHA-256 digests (any 64 lower-case hex digits)."""
    return st.binary(min_size=32, max_size=32).map(bytes.hex)


def journal_keys() -> st.SearchStrategy[bytes]:
    """Keys of keyed journals."""
    return st.binary(min_size=MIN_KEY_BYTES, max_size=48)


def _ids(prefix: str, count: int) -> st.SearchStrategy[str]:
    return st.integers(0, count - 1).map(lambda n: f"{prefix}-{n}")


def actors() -> st.SearchStrategy[str]:
    """Actors as the regional system writes them: ``organization/person (role)``."""
    return st.builds(
        lambda org, person, role: f"{org}/{person} ({role})",
        _ids("org", 6),
        _ids("person", 20),
        st.sampled_from(_ROLES),
    )


@st.composite
def journal_entries(draw: st.DrawFn, key: bytes | None = None) -> JournalEntry:
    """Single entries with a digest that matches them (under ``key`` if given), chained to
    an arbitrary previous digest (or to none)."""
    draft = JournalEntry(
        sequence=draw(st.integers(1, 10_000)),
        at=draw(_strategies().aware_datetimes()),
        actor=draw(actors()),
        command=draw(st.sampled_from(_COMMANDS)),
        aggregate=draw(st.sampled_from(AGGREGATES)),
        aggregate_id=draw(_ids("agg", 50)),
        version=draw(st.integers(1, 1_000)),
        payload=draw(payloads()),
        previous=draw(st.one_of(st.just(GENESIS), digests())),
        digest=GENESIS,
    )
    return attrs.evolve(draft, digest=digest_of(draft, key=key))


_LAST_START = datetime(2030, 1, 1, tzinfo=UTC)
"""Journals start by then; with gaps of at most 30 days, a thousand entries end before 2100."""

_GAPS = st.one_of(
    st.just(timedelta(0)),
    st.integers(1, 3600).map(lambda s: timedelta(seconds=s)),
    st.integers(1, 30).map(lambda d: timedelta(days=d)),
)


@st.composite
def journals(
    draw: st.DrawFn,
    max_entries: int = 12,
    *,
    min_entries: int = 0,
    key: bytes | None = None,
    aggregates: Sequence[str] = AGGREGATES,
) -> Journal:
    """Journals of ``min_entries`` to ``max_entries`` entries appended for a few
    aggregates of the given kinds, with times that never go backwards (in any of the
    fixed offsets), sometimes an expected version (always the right one), keyed with
    ``key`` when given. They verify by construction."""
    count = draw(st.integers(min_entries, max_entries))
    at = draw(_strategies().aware_datetimes(EARLIEST, _LAST_START))
    journal = Journal(key=key)
    for _ in range(count):
        at = (at + draw(_GAPS)).astimezone(draw(st.sampled_from(ZONES)))
        aggregate = draw(st.sampled_from(tuple(aggregates)))
        aggregate_id = draw(_ids(aggregate, 3))
        expected = journal.version_of(aggregate, aggregate_id) if draw(st.booleans()) else None
        journal = append(
            journal,
            at=at,
            actor=draw(actors()),
            command=draw(st.sampled_from(_COMMANDS)),
            aggregate=aggregate,
            aggregate_id=aggregate_id,
            payload=draw(payloads()),
            expected_version=expected,
        )
    return journal


@st.composite
def case_journals(
    draw: st.DrawFn, max_cases: int = 3, max_events: int = 10, *, key: bytes | None = None
) -> tuple[Journal, tuple[Case, ...]]:
    """A journal of the steps of up to ``max_cases`` cases walked along the pathway (each
    :func:`~resocialize.testing.strategies.cases`), merged in the order of their times,
    each step journaled with :func:`~resocialize.journal.append_case_entry` and the
    case's version before it as the expected version; and the live cases."""
    walked = draw(
        st.lists(_strategies().cases(max_events), max_size=max_cases, unique_by=lambda c: c.id)
    )
    steps = sorted(
        ((entry.at, case.id, entry) for case in walked for entry in case.history),
        key=operator.itemgetter(0),
    )
    journal = Journal(key=key)
    versions: dict[str, int] = {}
    for _, case_id, entry in steps:
        version = versions.get(case_id, 0)
        journal = append_case_entry(
            journal, case_id, entry, actor=draw(actors()), expected_version=version
        )
        versions[case_id] = version + 1
    return journal, tuple(walked)
