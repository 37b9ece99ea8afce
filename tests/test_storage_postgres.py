"""The store on PostgreSQL: the SQLite store's contract on a server (one transaction per
command, optimistic concurrency, schema versions, tamper evidence, many writers, killed
writers), journals identical to SQLite's, and open_store's choice of store (SE-03, issue 7).

The server comes from ``RESOCIALIZE_POSTGRES_URL`` (``.ci/run`` starts one with
``.ci/postgres``); every test gets a database of its own, dropped afterwards. Without the
variable the tests are skipped, and fail in CI (``CI=true``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize

from resocialize.errors import RuleViolation, ValidationError
from resocialize.storage import (
    SCHEMA_VERSION,
    Change,
    PostgresStore,
    SQLiteStore,
    Store,
    StoreError,
    open_store,
)
from test_storage import StoreMachine, eight_writers, killed_writers

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SERVER = os.environ.get("RESOCIALIZE_POSTGRES_URL", "")
NO_SERVER = "no PostgreSQL server: set RESOCIALIZE_POSTGRES_URL (.ci/run starts one)"
KILLS = int(os.environ.get("RESOCIALIZE_KILLS", "30"))


def issue(cert: str, face: int = 10) -> Change:
    return Change("certificate", cert, 0, {"balance": face, "paid": []}, {"event": "issued"})


def _server() -> str:
    if SERVER:
        return SERVER
    if os.environ.get("CI") == "true":
        pytest.fail(f"{NO_SERVER}: CI must test the PostgreSQL store")
    pytest.skip(NO_SERVER)


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _libpq(url: str) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards; yields its URL."""
    import psycopg
    from psycopg import sql

    server = _server()
    name = f"resocialize_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(server), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield _with_database(server, name)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def run_sql(url: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements straight on the database (as an attacker or another program would);
    the rows of the last one."""
    import psycopg

    rows: list[tuple[Any, ...]] = []
    with psycopg.connect(_libpq(url), autocommit=True) as raw:
        for statement in statements:
            cursor = raw.execute(statement)  # type: ignore[arg-type]
            rows = cursor.fetchall() if cursor.description else []
    return rows


@pytest.fixture
def database() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture
def store(database: str) -> Iterator[PostgresStore]:
    with PostgresStore(database) as opened:
        yield opened


# --- the contract -----------------------------------------------------------------------------


@pytest.mark.req("SE-03")
def test_a_new_postgres_store_has_the_current_schema_and_reopens(database: str) -> None:
    with PostgresStore(database) as store:
        assert store.schema_version == SCHEMA_VERSION
        store.commit([issue("cert-1")], at=T0, actor="agency-1/o-1", command="issue")
    tables = run_sql(
        database,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        " ORDER BY table_name",
    )
    assert [name for (name,) in tables] == ["aggregates", "journal", "meta"]
    with PostgresStore(database.replace("postgresql://", "postgresql+psycopg://")) as again:
        stored = again.load("certificate", "cert-1")
        assert stored is not None and stored.version == 1
        assert [e.sequence for e in again.entries()] == [1]
        assert again.url.startswith("postgresql+psycopg://")


@pytest.mark.req("SE-03")
def test_one_command_is_one_postgres_transaction_chained_in_the_journal(
    store: PostgresStore,
) -> None:
    entries = store.commit(
        [issue("cert-1"), Change("case", "case-1", 0, {"state": "treatment"}, {"event": "x"})],
        at=T0,
        actor="agency-1/o-1",
        command="issue",
    )
    assert [e.sequence for e in entries] == [1, 2]
    assert entries[1].previous == entries[0].digest
    assert store.last_entry() == entries[1]
    assert list(store.entries(after=1)) == [entries[1]]
    assert store.verify() == ()
    assert [i for i, _ in store.aggregates("certificate")] == ["cert-1"]
    assert store.load("case", "case-1") == store.load("case", "case-1")
    assert store.load("case", "nobody") is None


@pytest.mark.req("SE-03")
def test_the_postgres_journal_is_read_after_a_sequence_and_of_the_kinds_asked(
    store: PostgresStore,
) -> None:
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


@pytest.mark.req("SE-03")
def test_a_postgres_version_conflict_refuses_every_change_and_writes_nothing(
    store: PostgresStore,
) -> None:
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
    assert [r.details["aggregate_id"] for r in caught.value.reasons] == ["cert-1", "cert-3"]
    assert (list(store.entries()), store.load("certificate", "cert-1")) == before
    assert store.load("certificate", "cert-3") is None


def test_a_postgres_command_dated_before_the_last_entry_is_refused(store: PostgresStore) -> None:
    store.commit([issue("cert-1")], at=T0, actor="a/b", command="issue")
    with pytest.raises(RuleViolation) as caught:
        store.commit([issue("cert-2")], at=T0 - timedelta(seconds=1), actor="a/b", command="x")
    assert caught.value.codes == ("journal.before_last_entry",)
    assert store.load("certificate", "cert-2") is None


def test_bad_arguments_to_the_postgres_store_are_validation_errors_with_paths(
    store: PostgresStore,
) -> None:
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
        store.commit([issue("cert-1")], at=T0, actor="", command="not a name")
    assert caught.value.paths == ("actor", "command")
    assert list(store.entries()) == []


def test_a_postgres_store_refuses_a_bad_url_key_or_timeout_before_connecting() -> None:
    with pytest.raises(ValidationError) as caught:
        PostgresStore(42, key=b"short", timeout=0)  # type: ignore[arg-type]
    assert caught.value.paths == ("url", "key", "timeout")
    with pytest.raises(ValidationError) as caught:
        PostgresStore("sqlite:///region.sqlite")
    assert caught.value.paths == ("url",)


def test_an_unreachable_server_is_a_store_error() -> None:
    with pytest.raises(StoreError, match=r"PostgreSQL store at .*127\.0\.0\.1:1/"):
        PostgresStore("postgresql://postgres@127.0.0.1:1/region", timeout=2)


def test_without_sqlalchemy_the_store_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    with pytest.raises(StoreError, match=r"pip install resocialize\[sql\]"):
        PostgresStore("postgresql://postgres@127.0.0.1:1/region")


def test_importing_the_stores_does_not_import_sqlalchemy() -> None:
    code = "import sys, resocialize.storage; print('sqlalchemy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.req("SE-03")
def test_a_postgres_store_of_a_newer_schema_is_refused_not_misread(database: str) -> None:
    PostgresStore(database).close()
    run_sql(
        database,
        f"UPDATE meta SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'",
    )
    with pytest.raises(StoreError, match="newer resocialize"):
        PostgresStore(database)


def test_a_postgres_store_of_a_schema_without_migration_is_refused(database: str) -> None:
    PostgresStore(database).close()
    run_sql(database, "UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema 0, which this version cannot migrate"):
        PostgresStore(database)


def test_a_store_migrated_by_another_library_since_it_was_opened_is_not_written(
    store: PostgresStore, database: str
) -> None:
    run_sql(
        database,
        f"UPDATE meta SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'",
    )
    with pytest.raises(StoreError, match="reopen it"):
        store.commit([issue("cert-1")], at=T0, actor="a/b", command="issue")
    assert run_sql(database, "SELECT count(*) FROM journal") == [(0,)]


def test_a_postgres_store_lives_in_the_schema_its_url_names(database: str) -> None:
    run_sql(database, "CREATE SCHEMA region_a", "CREATE SCHEMA region_b")
    for region in ("region_a", "region_b"):
        with PostgresStore(f"{database}?options=-csearch_path%3D{region}") as store:
            store.commit([issue(f"cert-{region}")], at=T0, actor="a/b", command="issue")
            assert [i for i, _ in store.aggregates("certificate")] == [f"cert-{region}"]
    assert run_sql(
        database,
        "SELECT table_schema, count(*) FROM information_schema.tables"
        " WHERE table_schema LIKE 'region_%' GROUP BY table_schema ORDER BY table_schema",
    ) == [("region_a", 3), ("region_b", 3)]
    with pytest.raises(StoreError, match="no schema"):
        PostgresStore(f"{database}?options=-csearch_path%3Dnowhere")


def test_a_database_that_is_not_a_store_is_refused(database: str) -> None:
    run_sql(database, "CREATE TABLE people (name TEXT)")
    with pytest.raises(StoreError, match="not a resocialize store"):
        PostgresStore(database)
    run_sql(database, "CREATE TABLE meta (key TEXT, value TEXT)")
    with pytest.raises(StoreError, match="not a resocialize store"):
        PostgresStore(database)


@pytest.mark.req("SE-03")
def test_tampering_with_the_postgres_tables_is_found(database: str) -> None:
    with PostgresStore(database) as store:
        for n in range(5):
            store.commit([issue(f"cert-{n}")], at=T0, actor="a/b", command="issue")
    run_sql(
        database,
        'UPDATE journal SET payload = \'{"event": "forged"}\' WHERE sequence = 2',
        "DELETE FROM journal WHERE sequence = 4",
        "UPDATE aggregates SET version = 7 WHERE aggregate_id = 'cert-0'",
        "DELETE FROM aggregates WHERE aggregate_id = 'cert-1'",
    )
    with PostgresStore(database) as store:
        found = store.verify()
    codes = {(t.sequence, t.code) for t in found}
    assert (2, "journal.edited") in codes
    assert (4, "journal.removed") in codes
    assert (1, "store.state_mismatch") in codes  # cert-0, journaled at 1, stored at version 7
    assert (5, "store.state_mismatch") in codes  # cert-3 lost its journal entry
    assert (2, "store.state_missing") in codes  # cert-1 lost its stored state


@pytest.mark.req("SE-03")
def test_a_truncated_postgres_journal_is_found_with_the_published_head(database: str) -> None:
    with PostgresStore(database) as store:
        entries = [
            store.commit([issue(f"cert-{n}")], at=T0, actor="a/b", command="issue")[0]
            for n in range(3)
        ]
        run_sql(
            database,
            "DELETE FROM journal WHERE sequence = 3",
            "DELETE FROM aggregates WHERE aggregate_id = 'cert-2'",
        )
        assert store.verify() == ()  # the rest of the chain is sound ...
        assert store.verify(head=entries[-1].digest) != ()  # ... but not the head it had


def test_a_keyed_postgres_store_is_verified_with_its_key(database: str) -> None:
    key = b"k" * 32
    with PostgresStore(database, key=key) as store:
        store.commit([issue("cert-1")], at=T0, actor="a/b", command="issue")
        assert store.verify() == ()
    with PostgresStore(database, key=b"x" * 32) as wrong:
        assert wrong.verify() != ()


def test_a_writer_waiting_longer_than_the_timeout_gets_a_store_error(
    store: PostgresStore, database: str
) -> None:
    import psycopg

    with (
        PostgresStore(database, timeout=0.3) as impatient,
        psycopg.connect(_libpq(database)) as other,
    ):
        other.execute("SELECT value FROM meta WHERE key = 'schema_version' FOR UPDATE")
        with pytest.raises(StoreError, match="lock"):
            impatient.commit([issue("cert-1")], at=T0, actor="a/b", command="issue")
        other.rollback()
        impatient.commit([issue("cert-1")], at=T0, actor="a/b", command="issue")
    assert store.load("certificate", "cert-1") is not None


# --- the same journal as SQLite ---------------------------------------------------------------

names = st.sampled_from(["a", "b", "c", "cert-1", "Ω"])
documents = st.dictionaries(
    st.text(max_size=4),
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.text(max_size=8)
    | st.lists(st.integers(0, 9), max_size=3),
    max_size=3,
)
commands = st.lists(
    st.tuples(
        st.lists(names, min_size=1, max_size=3, unique=True),
        documents,
        st.integers(0, 10**9),
        st.sampled_from([UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-5))]),
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.req("SE-03")
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=commands, keyed=st.booleans())
def test_postgres_and_sqlite_stores_write_the_same_journal_digest_for_digest(
    tmp_path_factory: pytest.TempPathFactory,
    commands: list[tuple[list[str], dict[str, Any], int, timezone]],
    keyed: bool,
) -> None:
    key = b"r" * 32 if keyed else None
    path = tmp_path_factory.mktemp("same") / "region.sqlite"
    with (
        fresh_database() as url,
        PostgresStore(url, key=key) as postgres,
        SQLiteStore(path, key=key) as sqlite,
    ):
        at = T0
        for ids, document, microseconds, zone in commands:
            at += timedelta(microseconds=microseconds)
            for store in (postgres, sqlite):
                changes: list[Change] = []
                for ident in ids:
                    stored = store.load("thing", ident)
                    version = 0 if stored is None else stored.version
                    changes.append(Change("thing", ident, version, document, {"set": document}))
                store.commit(changes, at=at.astimezone(zone), actor="a/b", command="set")
        assert list(postgres.entries()) == list(sqlite.entries())
        assert [e.at.isoformat() for e in postgres.entries()] == [
            e.at.isoformat() for e in sqlite.entries()
        ]
        assert list(postgres.aggregates("thing")) == list(sqlite.aggregates("thing"))
        assert postgres.verify() == sqlite.verify() == ()


class PostgresStoreMachine(StoreMachine):
    """The SQLite store's model-based test, on PostgreSQL."""

    @initialize()
    def open(self) -> None:
        self.database = fresh_database()
        self.store = PostgresStore(self.database.__enter__())  # type: ignore[assignment]
        self.model: dict[str, tuple[int, int]] = {}
        self.at = T0
        self.entries = 0

    def teardown(self) -> None:
        if hasattr(self, "store"):
            self.store.close()
            self.database.__exit__(None, None, None)


TestPostgresStoreMachine = pytest.mark.req("SE-03")(PostgresStoreMachine.TestCase)
TestPostgresStoreMachine.settings = settings(max_examples=8, stateful_step_count=12, deadline=None)


# --- opening at once, many writers, killed writers --------------------------------------------


def _opener(url: str, start: Any, results: Any) -> None:
    start.wait(timeout=60)
    try:
        with PostgresStore(url) as store:
            results.put(store.schema_version)
    except Exception as err:  # reported to the test, which fails with it
        results.put(repr(err))


@pytest.mark.req("SE-03")
def test_several_processes_may_open_a_new_postgres_database_at_once(database: str) -> None:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(6)
    results = context.Queue()
    openers = [context.Process(target=_opener, args=(database, start, results)) for _ in range(6)]
    for process in openers:
        process.start()
    outcomes = [results.get(timeout=60) for _ in openers]
    for process in openers:
        process.join(timeout=30)
    assert outcomes == [SCHEMA_VERSION] * 6
    assert run_sql(database, "SELECT key, value FROM meta ORDER BY key") == [
        ("application", "resocialize"),
        ("schema_version", str(SCHEMA_VERSION)),
    ]


@pytest.mark.req("SE-03")
def test_eight_postgres_writers_never_pay_twice_nor_above_the_value_nor_lose_an_update(
    database: str,
) -> None:
    eight_writers(database)


@pytest.mark.req("SE-03")
def test_a_killed_postgres_writer_leaves_a_store_that_verifies_and_keeps_every_acknowledged_command(
    database: str,
) -> None:
    killed_writers(database, KILLS)


# --- choosing the store -----------------------------------------------------------------------


def test_a_path_or_sqlite_url_opens_a_sqlite_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for location in (
        tmp_path / "a.sqlite",
        str(tmp_path / "b.sqlite"),
        f"sqlite:///{tmp_path}/c.sqlite",
        "sqlite:///d.sqlite",
        "e.sqlite",
    ):
        with open_store(location, key=b"k" * 16) as store:
            assert isinstance(store, SQLiteStore) and isinstance(store, Store)
            assert store.key == b"k" * 16
    assert sorted(p.name for p in tmp_path.glob("*.sqlite")) == [
        f"{name}.sqlite" for name in "abcde"
    ]


@pytest.mark.req("SE-03")
def test_a_postgresql_url_opens_a_postgres_store(database: str) -> None:
    for location in (database, database.replace("postgresql://", "postgresql+psycopg://", 1)):
        with open_store(location) as store:
            assert isinstance(store, PostgresStore) and isinstance(store, Store)
            assert store.schema_version == SCHEMA_VERSION


@pytest.mark.parametrize(
    "location",
    ["mysql://region@db/region", "sqlite://", "sqlite:///", "sqlite:region", "", "  ", 42, None],
)
def test_any_other_location_is_refused_at_location(location: object) -> None:
    with pytest.raises(ValidationError) as caught:
        open_store(location)  # type: ignore[arg-type]
    assert caught.value.paths == ("location",)


def test_the_stores_are_safe_to_share_between_threads(store: PostgresStore) -> None:
    store.commit([issue(f"cert-{n}") for n in range(4)], at=T0, actor="a/b", command="issue")
    failures: list[BaseException] = []

    def pay(cert: str) -> None:
        try:
            for _ in range(5):
                stored = store.load("certificate", cert)
                assert stored is not None
                change = Change("certificate", cert, stored.version, {"n": 1}, {"event": "x"})
                store.commit([change], at=T0, actor="a/b", command="pay")
        except BaseException as err:
            failures.append(err)

    threads = [threading.Thread(target=pay, args=(f"cert-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert store.verify() == ()
    assert len(list(store.entries())) == 4 + 4 * 5
