"""The embedded SQLite store: one transaction per command, optimistic concurrency, schema
versions, tamper evidence, many writers and killed writers (SE-03, issue 7)."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from resocialize.errors import RuleViolation, ValidationError
from resocialize.storage import SCHEMA_VERSION, Change, SQLiteStore, StoreError, open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STRESS_SECONDS = float(os.environ.get("RESOCIALIZE_STRESS_SECONDS", "30"))
KILLS = int(os.environ.get("RESOCIALIZE_KILLS", "100"))


def issue(cert: str, face: int = 10) -> Change:
    return Change("certificate", cert, 0, {"balance": face, "paid": []}, {"event": "issued"})


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with SQLiteStore(tmp_path / "region.sqlite") as opened:
        yield opened


def test_a_new_store_has_the_current_schema_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "region.sqlite"
    with SQLiteStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        store.commit([issue("cert-1")], at=T0, actor="agency-1/o-1", command="issue")
    with SQLiteStore(path) as again:
        stored = again.load("certificate", "cert-1")
        assert stored is not None and stored.version == 1
        assert [e.sequence for e in again.entries()] == [1]


@pytest.mark.req("SE-03")
def test_the_journal_is_read_after_a_sequence_and_of_the_kinds_asked(store: SQLiteStore) -> None:
    store.commit(
        [issue("cert-1"), Change("case", "case-1", 0, {"state": "treatment"}, {"event": "x"})],
        at=T0,
        actor="agency-1/o-1",
        command="issue",
    )
    store.commit([issue("cert-2")], at=T0, actor="agency-1/o-1", command="issue")
    assert [e.sequence for e in store.entries(aggregates=("certificate",))] == [1, 3]
    assert [e.sequence for e in store.entries(after=1, aggregates={"case", "center"})] == [2]
    assert [e.sequence for e in store.entries(after=2)] == [3]
    with pytest.raises(ValidationError) as refused:
        list(store.entries(aggregates="certificate"))  # type: ignore[arg-type]
    assert refused.value.paths == ("aggregates",)


@pytest.mark.req("SE-03")
def test_one_command_is_one_transaction_chained_in_the_journal(store: SQLiteStore) -> None:
    entries = store.commit(
        [issue("cert-1"), Change("case", "case-1", 0, {"state": "treatment"}, {"event": "x"})],
        at=T0,
        actor="agency-1/o-1",
        command="issue",
    )
    assert [e.sequence for e in entries] == [1, 2]
    assert entries[1].previous == entries[0].digest
    assert store.verify() == ()
    assert [i for i, _ in store.aggregates("certificate")] == ["cert-1"]


def test_a_version_conflict_refuses_every_change_and_writes_nothing(store: SQLiteStore) -> None:
    store.commit([issue("cert-1"), issue("cert-2")], at=T0, actor="a/b", command="issue")
    before = (list(store.entries()), store.load("certificate", "cert-1"))
    stale = [
        Change("certificate", "cert-1", 0, {"balance": 9}, {"event": "paid"}),
        Change("certificate", "cert-2", 1, {"balance": 9}, {"event": "paid"}),
        Change("certificate", "cert-3", 2, {"balance": 9}, {"event": "paid"}),
    ]
    with pytest.raises(RuleViolation) as caught:
        store.commit(stale, at=T0, actor="a/b", command="pay")
    assert caught.value.codes == ("store.version_conflict", "store.version_conflict")
    assert (list(store.entries()), store.load("certificate", "cert-1")) == before
    assert store.load("certificate", "cert-2") is not None
    assert store.load("certificate", "cert-2").version == 1  # type: ignore[union-attr]


def test_a_command_dated_before_the_last_entry_is_refused(store: SQLiteStore) -> None:
    store.commit([issue("cert-1")], at=T0, actor="a/b", command="issue")
    with pytest.raises(RuleViolation) as caught:
        store.commit([issue("cert-2")], at=T0 - timedelta(seconds=1), actor="a/b", command="x")
    assert caught.value.codes == ("journal.before_last_entry",)
    assert store.load("certificate", "cert-2") is None


def test_bad_arguments_are_validation_errors_with_paths(store: SQLiteStore) -> None:
    with pytest.raises(ValidationError) as caught:
        store.commit(
            [issue("cert-1"), issue("cert-1"), "change", Change("c", "d", -1, {"x": 1.5j}, {})],  # type: ignore[list-item]
            at=datetime(2026, 3, 2),
            actor="a/b",
            command="issue",
        )
    assert caught.value.paths == (
        "changes[1]",
        "changes[2]",
        "changes[3].expected_version",
        "changes[3].document",
        "at",
    )
    with pytest.raises(ValidationError) as caught:
        SQLiteStore(42, key=b"short", timeout=0)  # type: ignore[arg-type]
    assert caught.value.paths == ("path", "key", "timeout")


def test_a_store_of_a_newer_schema_is_refused_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "region.sqlite"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    with pytest.raises(StoreError, match="newer resocialize"):
        SQLiteStore(path)


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(StoreError, match="not a resocialize store"):
        SQLiteStore(path)


@pytest.mark.req("SE-03")
def test_tampering_with_the_file_is_found(tmp_path: Path) -> None:
    path = tmp_path / "region.sqlite"
    with SQLiteStore(path) as store:
        for n in range(5):
            store.commit([issue(f"cert-{n}")], at=T0, actor="a/b", command="issue")
    with sqlite3.connect(path) as raw:
        raw.execute('UPDATE journal SET payload = \'{"event": "forged"}\' WHERE sequence = 2')
        raw.execute("DELETE FROM journal WHERE sequence = 4")
        raw.execute("UPDATE aggregates SET version = 7 WHERE aggregate_id = 'cert-0'")
        raw.execute("DELETE FROM aggregates WHERE aggregate_id = 'cert-1'")
    with SQLiteStore(path) as store:
        found = store.verify()
    codes = {(t.sequence, t.code) for t in found}
    assert (2, "journal.edited") in codes
    assert (4, "journal.removed") in codes
    assert (1, "store.state_mismatch") in codes  # cert-0, journaled at 1, stored at version 7
    assert (5, "store.state_mismatch") in codes  # cert-3 lost its journal entry
    assert (2, "store.state_missing") in codes  # cert-1 lost its stored state


def test_a_keyed_store_is_verified_with_its_key(tmp_path: Path) -> None:
    path = tmp_path / "region.sqlite"
    key = b"k" * 32
    with SQLiteStore(path, key=key) as store:
        store.commit([issue("cert-1")], at=T0, actor="a/b", command="issue")
        assert store.verify() == ()
    with SQLiteStore(path, key=b"x" * 32) as wrong:
        assert wrong.verify() != ()


class StoreMachine(RuleBasedStateMachine):
    """Commits with fresh and stale versions: the store always equals a plain model."""

    @initialize()
    def open(self) -> None:
        import tempfile

        self.folder = tempfile.mkdtemp()
        self.store = SQLiteStore(Path(self.folder) / "s.sqlite")
        self.model: dict[str, tuple[int, int]] = {}
        self.at = T0
        self.entries = 0

    @rule(
        ids=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=3, unique=True),
        stale=st.booleans(),
        value=st.integers(0, 99),
    )
    def commit(self, ids: list[str], stale: bool, value: int) -> None:
        changes = []
        for ident in ids:
            version = self.model.get(ident, (0, 0))[0]
            expected = version + 1 if stale and ident == ids[0] else version
            changes.append(Change("thing", ident, expected, {"value": value}, {"set": value}))
        self.at += timedelta(minutes=1)
        if stale:
            with pytest.raises(RuleViolation):
                self.store.commit(changes, at=self.at, actor="a/b", command="set")
            return
        self.store.commit(changes, at=self.at, actor="a/b", command="set")
        for ident in ids:
            self.model[ident] = (self.model.get(ident, (0, 0))[0] + 1, value)
        self.entries += len(ids)

    @invariant()
    def equals_the_model(self) -> None:
        for ident, (version, value) in self.model.items():
            stored = self.store.load("thing", ident)
            assert stored is not None and stored.version == version
            assert stored.document == {"value": value}
        assert len(list(self.store.entries())) == self.entries
        assert self.store.verify() == ()

    def teardown(self) -> None:
        self.store.close()


TestStoreMachine = pytest.mark.req("SE-03")(StoreMachine.TestCase)
TestStoreMachine.settings = settings(max_examples=25, stateful_step_count=15, deadline=None)


# --- many writers (shared with the PostgreSQL tests, which pass a server's URL) ---------------

CERTIFICATES = 20
FACE = 10
MILESTONES = 15


def _writer(location: str, worker: int, seconds: float, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Redeem random milestones of random certificates until the time is up; report every
    acknowledged payment."""
    rng = random.Random(worker)
    paid: list[tuple[str, int, int]] = []
    conflicts = refusals = 0
    deadline = time.monotonic() + seconds
    with open_store(location, timeout=60) as store:
        while time.monotonic() < deadline:
            cert = f"cert-{rng.randrange(CERTIFICATES)}"
            milestone = rng.randrange(MILESTONES)
            stored = store.load("certificate", cert)
            assert stored is not None
            balance, done = stored.document["balance"], list(stored.document["paid"])
            if milestone in done or balance < 1:
                refusals += 1  # paying twice or above the value is refused before writing
                continue
            change = Change(
                "certificate",
                cert,
                stored.version,
                {"balance": balance - 1, "paid": [*done, milestone]},
                {"event": "paid", "milestone": milestone, "worker": worker},
            )
            try:
                entries = store.commit(
                    [change], at=datetime.now(UTC), actor=f"center-{worker}/clerk", command="pay"
                )
            except RuleViolation:
                conflicts += 1
                continue
            paid.append((cert, milestone, entries[0].sequence))
    results.put((worker, paid, conflicts, refusals))


def eight_writers(location: str) -> None:
    """Eight processes pay random milestones of shared certificates for
    ``RESOCIALIZE_STRESS_SECONDS``: no certificate is paid twice or above its value, and the
    journal holds exactly the acknowledged payments."""
    with open_store(location) as store:
        store.commit(
            [issue(f"cert-{n}", FACE) for n in range(CERTIFICATES)],
            at=datetime.now(UTC),
            actor="agency-1/o-1",
            command="issue",
        )
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    workers = [
        context.Process(target=_writer, args=(location, w, STRESS_SECONDS, results))
        for w in range(8)
    ]
    for process in workers:
        process.start()
    reports = [results.get(timeout=STRESS_SECONDS + 120) for _ in workers]
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    acknowledged = [p for _, paid, _, _ in reports for p in paid]
    assert acknowledged, "no payment went through"
    assert sum(c for _, _, c, _ in reports) > 0, "the writers never met: no conflict to check"
    with open_store(location) as store:
        assert store.verify() == ()
        journal = [e for e in store.entries() if e.command == "pay"]
        # no lost update and nothing extra: the journal holds exactly the acknowledged payments
        assert sorted(
            (e.aggregate_id, e.payload["milestone"], e.sequence) for e in journal
        ) == sorted(acknowledged)
        for cert, stored in store.aggregates("certificate"):
            paid = stored.document["paid"]
            assert len(paid) == len(set(paid)), f"{cert} paid twice"
            assert stored.document["balance"] == FACE - len(paid) >= 0
            assert stored.version == 1 + len(paid)


@pytest.mark.req("SE-03")
def test_eight_writers_never_pay_twice_nor_above_the_value_nor_lose_an_update(
    tmp_path: Path,
) -> None:
    eight_writers(str(tmp_path / "region.sqlite"))


# --- killed writers ---------------------------------------------------------------------------

_KILLED_WRITER = """
import sys
from datetime import UTC, datetime
from resocialize.storage import Change, open_store
store = open_store(sys.argv[1], timeout=60)
n = int(sys.argv[2])
while True:
    last = store.last_entry()
    version = 0 if last is None else store.load("counter", "c").version
    change = Change("counter", "c", version, {"n": version + 1}, {"run": n})
    entry = store.commit([change], at=datetime.now(UTC), actor="a/b", command="count")[0]
    print(entry.sequence, flush=True)
"""


def killed_writers(location: str, kills: int) -> None:
    """A writer killed with SIGKILL at random points ``kills`` times: the store always opens,
    verifies, and holds every acknowledged command."""
    rng = random.Random(7)
    acknowledged: list[int] = []
    for run in range(kills):
        writer = subprocess.Popen(
            [sys.executable, "-c", _KILLED_WRITER, location, str(run)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        first = writer.stdout.readline()  # the writer is up and has committed once
        if first:
            acknowledged.append(int(first))
        time.sleep(rng.uniform(0.0, 0.05))
        writer.send_signal(signal.SIGKILL)
        rest, _ = writer.communicate(timeout=60)
        acknowledged.extend(int(line) for line in rest.split())
        with open_store(location) as store:
            assert store.verify() == ()
            present = {e.sequence for e in store.entries()}
            assert set(acknowledged) <= present
            counter = store.load("counter", "c")
            assert counter is not None and counter.document == {"n": len(present)}
    assert len(acknowledged) >= kills


@pytest.mark.req("SE-03")
def test_a_killed_writer_leaves_a_store_that_opens_verifies_and_keeps_every_acknowledged_command(
    tmp_path: Path,
) -> None:
    killed_writers(str(tmp_path / "region.sqlite"), KILLS)
