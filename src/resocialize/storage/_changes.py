"""What every store checks of a command's changes, and of its stored state against its
journal: one set of rules for :class:`~resocialize.storage.SQLiteStore` and
:class:`~resocialize.storage.PostgresStore`, so that both refuse and report alike."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from resocialize._checks import count_problem, instant_problem, kind_of
from resocialize.errors import FieldProblem, RuleViolation, ValidationError
from resocialize.journal import JournalEntry, Tampering, next_entry
from resocialize.rules import Reason

__all__ = [
    "Change",
    "Stored",
    "chain",
    "checked_changes",
    "conflict",
    "state_findings",
    "to_json",
]


@attrs.frozen
class Change:
    """One aggregate's change in a command: its new document, the journal payload, and the
    version the command read it at (0 for a new aggregate)."""

    aggregate: str
    aggregate_id: str
    expected_version: int
    document: Mapping[str, Any]
    payload: Mapping[str, Any]


@attrs.frozen
class Stored:
    """An aggregate as stored: its version and its current document."""

    version: int
    document: Mapping[str, Any]


def to_json(value: object, path: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValidationError.at(path, f"must be plain JSON data: {err}") from None


def checked_changes(changes: object, at: object) -> list[tuple[str, str]]:
    """The JSON texts (document, payload) of every change, or a ValidationError naming
    every bad argument (the same checks as :meth:`SQLiteStore.commit`)."""
    problems: list[FieldProblem] = []
    if not isinstance(changes, Sequence) or not changes:
        problems.append(FieldProblem("changes", "must be a non-empty list of changes"))
        changes = ()
    texts: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for i, change in enumerate(changes):
        if not isinstance(change, Change):
            problems.append(
                FieldProblem(f"changes[{i}]", f"must be a Change, not {kind_of(change)}")
            )
            continue
        if (change.aggregate, change.aggregate_id) in seen:
            problems.append(FieldProblem(f"changes[{i}]", "changes an aggregate twice"))
        seen.add((change.aggregate, change.aggregate_id))
        problem = count_problem(change.expected_version)
        if problem is not None:
            problems.append(FieldProblem(f"changes[{i}].expected_version", problem))
        try:
            texts.append(
                (
                    to_json(change.document, f"changes[{i}].document"),
                    to_json(change.payload, f"changes[{i}].payload"),
                )
            )
        except ValidationError as err:
            problems.extend(err.problems)
    problem = instant_problem(at)
    if problem is not None:
        problems.append(FieldProblem("at", problem))
    if problems:
        raise ValidationError(problems)
    return texts


def conflict(change: Change, version: int) -> Reason:
    return Reason(
        "store.version_conflict",
        f"{change.aggregate} {change.aggregate_id} is at version {version},"
        f" not {change.expected_version}: it was changed since it was read",
        {
            "aggregate": change.aggregate,
            "aggregate_id": change.aggregate_id,
            "expected": change.expected_version,
            "actual": version,
        },
    )


def chain(
    changes: Sequence[Change],
    current: Sequence[int],
    texts: Sequence[tuple[str, str]],
    last: JournalEntry | None,
    *,
    at: datetime,
    actor: str,
    command: str,
    key: bytes | None,
) -> list[tuple[Change, JournalEntry, str, str]]:
    """The journal entries of a command's changes, chained to ``last``: each change with its
    entry, its document's text and its payload's text, for the store to write. Refused with
    ``store.version_conflict`` for every change whose expected version is not ``current``."""
    conflicts = [
        conflict(change, version)
        for change, version in zip(changes, current, strict=True)
        if version != change.expected_version
    ]
    if conflicts:
        raise RuleViolation(conflicts)
    chained: list[tuple[Change, JournalEntry, str, str]] = []
    for change, version, (document, payload) in zip(changes, current, texts, strict=True):
        last = next_entry(
            last,
            current_version=version,
            at=at,
            actor=actor,
            command=command,
            aggregate=change.aggregate,
            aggregate_id=change.aggregate_id,
            payload=json.loads(payload),
            key=key,
        )
        chained.append((change, last, document, payload))
    return chained


def state_findings(
    entries: Sequence[JournalEntry], stored: Mapping[tuple[str, str], int]
) -> list[Tampering]:
    """Every aggregate whose stored version is not its last journal entry's, and every
    journaled aggregate that is not stored (as :meth:`SQLiteStore.verify` reports them)."""
    found: list[Tampering] = []
    last: dict[tuple[str, str], tuple[int, int]] = {}
    for entry in entries:
        last[entry.aggregate, entry.aggregate_id] = (entry.version, entry.sequence)
    newest = max((sequence for _, sequence in last.values()), default=0)
    for (kind, ident), version in sorted(stored.items()):
        journaled = last.get((kind, ident))
        if journaled is None or journaled[0] != version:
            found.append(
                Tampering(
                    journaled[1] if journaled else max(1, newest),
                    "store.state_mismatch",
                    f"{kind} {ident} is stored at version {version}, but the journal"
                    f" says {journaled[0] if journaled else 'nothing of it'}",
                )
            )
    for kind, ident in sorted(set(last) - set(stored)):
        found.append(
            Tampering(
                last[kind, ident][1],
                "store.state_missing",
                f"{kind} {ident} is in the journal but not among the stored aggregates",
            )
        )
    return found
