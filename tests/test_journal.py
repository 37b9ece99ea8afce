"""The journal: a hash chain of every domain event, tamper-evident (SE-03), and the cases
replayed from it equal the live ones (PW-12)."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from resocialize.errors import RuleViolation, ValidationError
from resocialize.journal import (
    CASE,
    GENESIS,
    Journal,
    JournalEntry,
    Tampering,
    append,
    append_case_entry,
    canonical,
    case_payload,
    digest_of,
    entries_to_json_lines,
    journal_from_json_lines,
    next_entry,
    replay_cases,
    verify,
)
from resocialize.testing._journal import (
    actors,
    case_journals,
    journal_entries,
    journal_keys,
    journals,
    payloads,
)
from resocialize.testing.strategies import cases

SE03 = pytest.mark.req("SE-03")
PW12 = pytest.mark.req("PW-12")

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACTOR = "agency-1/officer-12 (case_manager)"

keys = st.one_of(st.none(), journal_keys())


@st.composite
def keyed_journals(draw: st.DrawFn, min_entries: int = 0, max_entries: int = 12) -> Journal:
    """Journals, keyed half of the time."""
    return draw(journals(max_entries, min_entries=min_entries, key=draw(keys)))


def codes(findings: tuple[Tampering, ...]) -> list[tuple[int, str]]:
    return [(f.sequence, f.code) for f in findings]


def _flip(digest: str) -> str:
    return format((int(digest[0], 16) + 1) % 16, "x") + digest[1:]


def edit(entry: JournalEntry, field: str, amount: int) -> JournalEntry:
    """``entry`` with ``field`` changed to another valid value (``amount`` >= 1)."""
    changes: dict[str, Any] = {
        "sequence": entry.sequence + amount
        if amount % 2 or entry.sequence <= amount
        else entry.sequence - amount,
        "at": entry.at + timedelta(seconds=amount * (1 if amount % 2 else -1)),
        "actor": entry.actor + "x",
        "command": entry.command + "x",
        "aggregate": entry.aggregate + "x",
        "aggregate_id": entry.aggregate_id + "x",
        "version": entry.version + amount
        if amount % 2 or entry.version <= amount
        else entry.version - amount,
        "payload": {**entry.payload, "".join(entry.payload) + "!": amount},
        "previous": _flip(entry.previous),
        "digest": _flip(entry.digest),
    }
    edited = attrs.evolve(entry, **{field: changes[field]})
    assert edited != entry
    return edited


FIELDS = [field.name for field in attrs.fields(JournalEntry)]


# --- appending -----------------------------------------------------------------------------


@SE03
@given(keyed_journals())
def test_appended_entries_chain_each_to_the_one_before(journal: Journal) -> None:
    previous = GENESIS
    versions: dict[tuple[str, str], int] = {}
    for number, entry in enumerate(journal.entries, start=1):
        assert entry.sequence == number
        assert entry.previous == previous
        assert entry.digest == digest_of(entry, key=journal.key)
        key = (entry.aggregate, entry.aggregate_id)
        versions[key] = versions.get(key, 0) + 1
        assert entry.version == versions[key]
        previous = entry.digest
    assert journal.head == previous
    for (aggregate, aggregate_id), version in versions.items():
        assert journal.version_of(aggregate, aggregate_id) == version
    assert journal.version_of("case", "never-seen") == 0


@SE03
@given(keyed_journals())
def test_verify_finds_nothing_in_an_intact_journal(journal: Journal) -> None:
    assert verify(journal) == ()
    assert verify(journal.entries, head=journal.head, key=journal.key) == ()


@SE03
@given(journal_entries(), st.sampled_from([UTC, timezone(timedelta(hours=3))]))
def test_the_same_instant_in_another_offset_hashes_the_same(
    entry: JournalEntry, zone: timezone
) -> None:
    moved = attrs.evolve(entry, at=entry.at.astimezone(zone))
    assert moved == entry
    assert canonical(moved) == canonical(entry)
    assert verify([moved], head=entry.digest) == verify([entry], head=entry.digest)


@SE03
def test_a_keyed_digest_is_not_the_plain_one() -> None:
    journal = append(
        Journal(key=b"k" * 32),
        at=T0,
        actor=ACTOR,
        command="issue",
        aggregate="certificate",
        aggregate_id="cert-1",
        payload={"value": "10.00"},
    )
    entry = journal.entries[0]
    assert entry.digest == digest_of(entry, key=b"k" * 32) != digest_of(entry)
    assert "kkkk" not in repr(journal)
    assert codes(verify(journal.entries)) == [(1, "journal.edited")]


# --- refusals change nothing ----------------------------------------------------------------


@SE03
@given(keyed_journals(min_entries=1), st.data())
def test_a_stale_expected_version_is_refused_and_changes_nothing(
    journal: Journal, data: st.DataObject
) -> None:
    entry = data.draw(st.sampled_from(journal.entries))
    current = journal.version_of(entry.aggregate, entry.aggregate_id)
    stale = data.draw(st.integers(0, 2 * current + 2).map(lambda n: n if n < current else n + 1))
    before = (journal.entries, journal.head)
    with pytest.raises(RuleViolation) as refused:
        append(
            journal,
            at=journal.entries[-1].at,
            actor=ACTOR,
            command="admit",
            aggregate=entry.aggregate,
            aggregate_id=entry.aggregate_id,
            payload={},
            expected_version=stale,
        )
    assert refused.value.codes == ("journal.version_conflict",)
    details = refused.value.reasons[0].details
    assert (details["expected"], details["actual"]) == (stale, current)
    assert (journal.entries, journal.head) == before
    assert verify(journal) == ()


@SE03
@given(keyed_journals(min_entries=1), st.integers(1, 10**6))
def test_an_entry_before_the_last_one_is_refused_with_every_reason(
    journal: Journal, seconds: int
) -> None:
    last = journal.entries[-1]
    with pytest.raises(RuleViolation) as refused:
        append(
            journal,
            at=last.at - timedelta(seconds=seconds),
            actor=ACTOR,
            command="admit",
            aggregate=last.aggregate,
            aggregate_id=last.aggregate_id,
            payload={},
            expected_version=last.version - 1,
        )
    assert refused.value.codes == ("journal.before_last_entry", "journal.version_conflict")
    assert journal.last == last


# --- tampering is found, and named ----------------------------------------------------------


@SE03
@given(
    keyed_journals(min_entries=1),
    st.data(),
    st.sampled_from(FIELDS),
    st.integers(1, 50),
    st.booleans(),
)
def test_editing_any_field_of_any_entry_is_found_at_that_entry(
    journal: Journal, data: st.DataObject, field: str, amount: int, with_head: bool
) -> None:
    index = data.draw(st.integers(0, len(journal.entries) - 1), label="index")
    entries = list(journal.entries)
    entries[index] = edit(entries[index], field, amount)
    findings = verify(entries, head=journal.head if with_head else None, key=journal.key)
    note(repr(findings))
    assert findings
    assert {f.sequence for f in findings} == {index + 1}
    assert {f.code for f in findings} <= {"journal.edited", "journal.bad_digest"}
    if field != "digest":
        assert [f.code for f in findings] == ["journal.edited"]
    elif with_head or index < len(entries) - 1:
        assert [f.code for f in findings] == ["journal.bad_digest"]


@SE03
@given(keyed_journals(min_entries=2), st.data())
def test_every_edited_entry_is_found(journal: Journal, data: st.DataObject) -> None:
    count = len(journal.entries)
    indexes = data.draw(
        st.lists(st.integers(0, count - 1), min_size=2, max_size=count, unique=True),
        label="indexes",
    )
    entries = list(journal.entries)
    for index in indexes:
        field = data.draw(st.sampled_from(FIELDS), label=f"field {index}")
        entries[index] = edit(entries[index], field, data.draw(st.integers(1, 50)))
    findings = verify(entries, head=journal.head, key=journal.key)
    note(repr(findings))
    assert {f.sequence for f in findings} == {i + 1 for i in indexes}


@SE03
@given(keyed_journals(min_entries=1), st.data(), st.booleans())
def test_deleting_any_entry_is_found(
    journal: Journal, data: st.DataObject, with_head: bool
) -> None:
    count = len(journal.entries)
    index = data.draw(st.integers(0, count - 1), label="index")
    entries = [e for i, e in enumerate(journal.entries) if i != index]
    findings = verify(entries, head=journal.head if with_head else None, key=journal.key)
    if index < count - 1:
        assert codes(findings) == [(index + 1, "journal.removed")]
        assert findings[0].position is None
    elif with_head:
        assert codes(findings) == [(count, "journal.truncated")]
    else:
        assert findings == ()  # the last entry gone: seen only against a head kept elsewhere


@SE03
@given(keyed_journals(min_entries=1), st.data())
def test_truncating_the_tail_is_found_against_the_head(
    journal: Journal, data: st.DataObject
) -> None:
    count = len(journal.entries)
    kept = data.draw(st.integers(0, count - 1), label="kept")
    entries = journal.entries[:kept]
    assert codes(verify(entries, head=journal.head, key=journal.key)) == [
        (kept + 1, "journal.truncated")
    ]
    assert verify(entries, key=journal.key) == ()


@SE03
@given(keyed_journals(min_entries=2), st.data(), st.booleans())
def test_swapping_any_two_entries_names_both(
    journal: Journal, data: st.DataObject, with_head: bool
) -> None:
    count = len(journal.entries)
    first = data.draw(st.integers(0, count - 2), label="first")
    second = data.draw(st.integers(first + 1, count - 1), label="second")
    entries = list(journal.entries)
    entries[first], entries[second] = entries[second], entries[first]
    findings = verify(entries, head=journal.head if with_head else None, key=journal.key)
    assert codes(findings) == [(first + 1, "journal.reordered"), (second + 1, "journal.reordered")]
    assert [f.position for f in findings] == [second, first]


@st.composite
def forgeries(draw: st.DrawFn, journal: Journal) -> tuple[int, JournalEntry]:
    """Where a forged entry goes, and the entry: digested as the attacker can (plain
    SHA-256; a keyed journal's key is not theirs), numbered and chained plausibly or not."""
    count = len(journal.entries)
    position = draw(st.integers(0, count), label="position")
    plausible = draw(st.booleans(), label="plausible")
    sequence = position + 1 if plausible else draw(st.integers(1, count + 1), label="sequence")
    previous = (
        journal.entries[sequence - 2].digest
        if sequence > 1 and draw(st.booleans())
        else draw(st.sampled_from([GENESIS, "f" * 64]))
    )
    forged = attrs.evolve(
        draw(journal_entries()), sequence=sequence, previous=previous, digest=GENESIS
    )
    return position, attrs.evolve(forged, digest=digest_of(forged))


@SE03
@given(keyed_journals(min_entries=1), st.data())
def test_inserting_a_forged_entry_is_found(journal: Journal, data: st.DataObject) -> None:
    position, forged = data.draw(forgeries(journal), label="forgery")
    entries = list(journal.entries)
    entries.insert(position, forged)
    findings = verify(entries, head=journal.head, key=journal.key)
    assert codes(findings) == [(forged.sequence, "journal.inserted")]
    assert findings[0].position == position


@SE03
@given(journals(8, min_entries=1), st.data())
def test_a_rewritten_tail_passes_a_plain_chain_but_not_its_head_nor_a_key(
    journal: Journal, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(journal.entries) - 1), label="start")

    def rewrite(entries: tuple[JournalEntry, ...]) -> list[JournalEntry]:
        out = list(entries[:start])
        previous = out[-1].digest if out else GENESIS
        for i, entry in enumerate(entries[start:]):
            draft = attrs.evolve(
                entry, actor=entry.actor + "x" if i == 0 else entry.actor, previous=previous
            )
            out.append(attrs.evolve(draft, digest=digest_of(draft)))
            previous = out[-1].digest
        return out

    rewritten = rewrite(journal.entries)
    assert verify(rewritten) == ()  # consistent: a plain chain alone cannot tell
    assert verify(rewritten, head=journal.head)
    key = data.draw(journal_keys(), label="key")
    keyed = Journal(key=key)
    for entry in journal.entries:
        keyed = append(
            keyed,
            at=entry.at,
            actor=entry.actor,
            command=entry.command,
            aggregate=entry.aggregate,
            aggregate_id=entry.aggregate_id,
            payload=entry.payload,
        )
    findings = verify(rewrite(keyed.entries), key=key)
    assert min(f.sequence for f in findings) == start + 1
    assert {f.code for f in findings} == {"journal.edited"}


@SE03
def test_findings_say_why_in_words_and_as_reasons() -> None:
    journal = Journal()
    for n in range(4):
        journal = append(
            journal,
            at=T0,
            actor=ACTOR,
            command="issue",
            aggregate="certificate",
            aggregate_id=f"cert-{n}",
            payload={},
        )
    entries = list(journal.entries)
    del entries[1]
    entries[2] = attrs.evolve(entries[2], actor="someone-else")
    findings = verify(entries)
    assert codes(findings) == [(2, "journal.removed"), (4, "journal.edited")]
    assert "entry 2 is missing" in findings[0].message
    assert findings[1].reason.code == "journal.edited"
    assert findings[1].reason.details == {"sequence": 4, "position": 2}


# --- replaying cases ------------------------------------------------------------------------


@PW12
@SE03
@given(case_journals())
def test_cases_replayed_from_the_journal_equal_the_live_cases(
    made: tuple[Journal, tuple[Any, ...]],
) -> None:
    journal, live = made
    assert verify(journal) == ()
    assert dict(replay_cases(journal)) == {case.id: case for case in live}
    for case in live:
        assert journal.version_of(CASE, case.id) == case.version


@PW12
@given(cases(8), st.data())
def test_a_case_snapshot_in_the_journal_is_followed_by_its_later_events(
    case: Any, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(1, len(case.history)), label="cut")
    from resocialize.pathway import replay

    snapshot = replay(case.history[:cut])
    journal = append(
        Journal(),
        at=snapshot.history[-1].at,
        actor=ACTOR,
        command="import_case",
        aggregate=CASE,
        aggregate_id=case.id,
        payload=case_payload(snapshot),
    )
    for entry in case.history[cut:]:
        journal = append_case_entry(journal, case.id, entry, actor=ACTOR)
    assert replay_cases(journal) == {case.id: case}


@PW12
def test_a_case_entry_that_is_no_case_event_is_refused_with_its_path() -> None:
    journal = append(
        Journal(),
        at=T0,
        actor=ACTOR,
        command="admit",
        aggregate=CASE,
        aggregate_id="case-1",
        payload={"schema": "resocialize/1", "type": "money", "data": {}},
    )
    journal = append(
        journal,
        at=T0,
        actor=ACTOR,
        command="admit",
        aggregate=CASE,
        aggregate_id="case-2",
        payload={"schema": "resocialize/1", "type": "history_entry", "data": {"at": 1}},
    )
    with pytest.raises(ValidationError) as refused:
        replay_cases(journal)
    assert refused.value.paths[0] == "entries[0].payload.type"
    assert all(path.startswith("entries[1].payload.data") for path in refused.value.paths[1:])


@PW12
@given(cases(6))
def test_a_history_that_does_not_replay_names_the_journal_entry(case: Any) -> None:
    journal = Journal()
    for entry in reversed(case.history):  # the opening entry last: no case opens first
        journal = append_case_entry(journal, case.id, entry, actor=ACTOR, at=case.history[-1].at)
    if len(case.history) == 1:
        assert replay_cases(journal) == {case.id: case}
        return
    with pytest.raises(ValidationError) as refused:
        replay_cases(journal)
    assert refused.value.paths[0].startswith("entries[0].payload")


# --- JSON lines -------------------------------------------------------------------------------


@SE03
@given(keyed_journals())
def test_json_lines_round_trip(journal: Journal) -> None:
    lines = list(entries_to_json_lines(journal))
    assert all("\n" not in line for line in lines)
    read = journal_from_json_lines(lines, key=journal.key)
    assert read == journal
    assert [e.at.utcoffset() for e in read.entries] == [e.at.utcoffset() for e in journal.entries]
    assert verify(read) == ()
    assert journal_from_json_lines("\n".join(lines) + "\n\n", key=journal.key) == journal


@SE03
@given(keyed_journals(min_entries=1), st.data())
def test_a_tampered_file_is_read_and_verify_says_where(
    journal: Journal, data: st.DataObject
) -> None:
    lines = list(entries_to_json_lines(journal))
    index = data.draw(st.integers(0, len(lines) - 1), label="index")
    document = json.loads(lines[index])
    document["data"]["actor"] = "intruder"
    lines[index] = json.dumps(document)
    read = journal_from_json_lines(lines, key=journal.key)
    assert codes(verify(read, head=journal.head)) == [(index + 1, "journal.edited")]


@SE03
def test_bad_lines_are_reported_each_with_its_number_and_paths() -> None:
    good = next(entries_to_json_lines(_one_entry()))
    document = json.loads(good)
    document["data"]["at"] = "2026-03-02T09:00:00"
    document["data"]["sequence"] = True
    document["data"]["extra"] = 1
    document["data"]["payload"] = {"amount": 12.5}
    with pytest.raises(ValidationError) as refused:
        journal_from_json_lines([good, json.dumps(document), "not json", "", "[]"])
    paths = refused.value.paths
    assert "line 2: $.data.extra" in paths
    assert "line 2: $.data.sequence" in paths
    assert "line 2: $.data.at" in paths
    assert "line 3: $" in paths
    assert "line 5: $" in paths
    assert not any(p.startswith(("line 1", "line 4")) for p in paths)


@SE03
def test_a_float_in_a_line_is_refused_at_its_path() -> None:
    document = json.loads(next(entries_to_json_lines(_one_entry())))
    document["data"]["payload"] = {"amount": 12.5}
    with pytest.raises(ValidationError) as refused:
        journal_from_json_lines([json.dumps(document)])
    assert refused.value.paths == ("line 1: $.data.payload.amount",)


# --- bad input ------------------------------------------------------------------------------


def _one_entry() -> Journal:
    return append(
        Journal(),
        at=T0,
        actor=ACTOR,
        command="issue",
        aggregate="certificate",
        aggregate_id="cert-1",
        payload={"value": "10.00", "tranches": [1, 2]},
    )


@SE03
def test_a_bad_entry_reports_every_bad_field_with_its_path() -> None:
    with pytest.raises(ValidationError) as refused:
        JournalEntry(
            -1,
            datetime(2026, 3, 2, 9, 0),
            "",
            "has space",
            "case",
            "case-1",
            0,
            {"amount": 12.5, "nested": [{"ok": 1}, {"bad": object()}], 3: "x"},
            "abc",
            "0" * 64,
        )
    assert set(refused.value.paths) == {
        "sequence",
        "at",
        "actor",
        "command",
        "version",
        "payload.amount",
        "payload.nested[1].bad",
        "payload",
        "previous",
    }


@SE03
@given(
    payloads(),
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3),
    st.sampled_from([1.5, float("nan"), 2**64, {1, 2}, b"bytes", T0]),
)
def test_a_payload_that_is_not_plain_json_is_refused_where_it_is_bad(
    payload: dict[str, Any], path: list[str], bad: object
) -> None:
    nested: dict[str, Any] = {}
    inner = nested
    for name in path[:-1]:
        inner[name] = {}
        inner = inner[name]
    inner[path[-1]] = bad
    with pytest.raises(ValidationError) as refused:
        append(
            Journal(),
            at=T0,
            actor=ACTOR,
            command="issue",
            aggregate="certificate",
            aggregate_id="cert-1",
            payload={**payload, "zz": nested},
        )
    assert refused.value.paths == ("payload.zz." + ".".join(path),)


@SE03
def test_bad_arguments_to_append_are_reported_together() -> None:
    with pytest.raises(ValidationError) as refused:
        append(
            Journal(),
            at=datetime(2026, 3, 2),
            actor=ACTOR,
            command="issue",
            aggregate="certificate",
            aggregate_id="",
            payload=[1, 2],  # type: ignore[arg-type]
            expected_version=-1,
        )
    assert set(refused.value.paths) == {"expected_version", "at", "aggregate_id", "payload"}
    with pytest.raises(ValidationError) as refused:
        append(
            "journal", at=T0, actor=ACTOR, command="x", aggregate="x", aggregate_id="x", payload={}
        )  # type: ignore[arg-type]
    assert refused.value.paths == ("journal",)


@SE03
def test_bad_arguments_elsewhere_are_validation_errors() -> None:
    journal = _one_entry()
    with pytest.raises(ValidationError, match="head"):
        verify(journal, head="nope")
    with pytest.raises(ValidationError, match="key"):
        verify(journal, key=b"short")
    with pytest.raises(ValidationError) as refused:
        verify([journal.entries[0], "entry"])  # type: ignore[list-item]
    assert refused.value.paths == ("entries[1]",)
    with pytest.raises(ValidationError):
        verify(42)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        journal.version_of("case", {"unhashable": 1})  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Journal(entries=(1,))  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Journal(key="secret")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        journal_from_json_lines(42)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        canonical("entry")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        case_payload("entry")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        next_entry(
            "last",  # type: ignore[arg-type]
            current_version=-1,
            at=T0,
            actor=ACTOR,
            command="x",
            aggregate="x",
            aggregate_id="x",
            payload={},
        )


# --- values -------------------------------------------------------------------------------


@SE03
@given(journal_entries(key=b"0123456789abcdef"))
def test_entries_are_frozen_hashable_and_pickle(entry: JournalEntry) -> None:
    with pytest.raises(TypeError):
        entry.payload["new"] = 1  # type: ignore[index]
    assert hash(entry) == hash(attrs.evolve(entry))
    assert pickle.loads(pickle.dumps(entry)) == entry
    journal = Journal((entry,))
    assert pickle.loads(pickle.dumps(journal)) == journal


# --- a stateful test ------------------------------------------------------------------------


class JournalMachine(RuleBasedStateMachine):
    """Commands on several aggregates, with expected versions, some stale: the journal
    stays intact and every aggregate's version counts its entries."""

    aggregates = Bundle("aggregates")

    def __init__(self) -> None:
        super().__init__()
        self.journal = Journal()
        self.counts: dict[tuple[str, str], int] = {}
        self.clock = T0

    @initialize(key=keys)
    def open(self, key: bytes | None) -> None:
        self.journal = Journal(key=key)

    @rule(
        target=aggregates,
        kind=st.sampled_from(["case", "certificate", "center", "contract"]),
        number=st.integers(0, 5),
    )
    def name_aggregate(self, kind: str, number: int) -> tuple[str, str]:
        return (kind, f"{kind}-{number}")

    @rule(
        aggregate=aggregates,
        actor=actors(),
        payload=payloads(),
        minutes=st.integers(0, 600),
        give_version=st.booleans(),
    )
    def command(
        self,
        aggregate: tuple[str, str],
        actor: str,
        payload: dict[str, Any],
        minutes: int,
        give_version: bool,
    ) -> None:
        self.clock += timedelta(minutes=minutes)
        current = self.counts.get(aggregate, 0)
        self.journal = append(
            self.journal,
            at=self.clock,
            actor=actor,
            command="run",
            aggregate=aggregate[0],
            aggregate_id=aggregate[1],
            payload=payload,
            expected_version=current if give_version else None,
        )
        self.counts[aggregate] = current + 1
        assert self.journal.last is not None
        assert self.journal.last.version == current + 1

    @rule(aggregate=aggregates, behind=st.integers(1, 3))
    def stale_command(self, aggregate: tuple[str, str], behind: int) -> None:
        before = self.journal
        current = self.counts.get(aggregate, 0)
        with pytest.raises(RuleViolation) as refused:
            append(
                self.journal,
                at=self.clock,
                actor=ACTOR,
                command="run",
                aggregate=aggregate[0],
                aggregate_id=aggregate[1],
                payload={},
                expected_version=current + behind if current < behind else current - behind,
            )
        assert refused.value.codes == ("journal.version_conflict",)
        assert self.journal is before

    @precondition(lambda self: self.journal.entries)
    @rule()
    def round_trip(self) -> None:
        lines = list(entries_to_json_lines(self.journal))
        assert journal_from_json_lines(lines, key=self.journal.key) == self.journal

    @invariant()
    def intact(self) -> None:
        assert verify(self.journal, head=self.journal.head) == ()

    @invariant()
    def versions_count_up(self) -> None:
        for (kind, name), count in self.counts.items():
            assert self.journal.version_of(kind, name) == count
        assert [e.sequence for e in self.journal.entries] == list(
            range(1, len(self.journal.entries) + 1)
        )


JournalMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
test_journal_lifecycle = pytest.mark.req("SE-03")(JournalMachine.TestCase)
