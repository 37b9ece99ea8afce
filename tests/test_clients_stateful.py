"""A stateful test of the client register: reports, merges, enrolment, withdrawal and purge.

Three people, each reported under two spellings in different scripts (which never
link by name) and with some of two documents, so that reports of one person
make separate clients until a report that shares keys with both merges them.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from resocialize.clients import (
    ClientRegister,
    ClientStatus,
    client,
    enrol,
    enrolled_on,
    purge,
    report,
    resolve,
    withdraw_consent,
)
from resocialize.errors import RuleViolation
from resocialize.people import (
    ClientId,
    IdentityDocument,
    IdentityReport,
    LinkageKey,
    linkage_keys,
)
from resocialize.records import Referral, ReferralSource

SECRET = b"regional-linkage-secret-0001"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BY = "agency/officer-1"

PEOPLE = [
    (("Иванов", "Ivanov"), ("Алексей", "Aleksej"), date(1990, 1, 1), ("11 11 111111", "111")),
    (("Čačić", "Чачич"), ("Ivan", "Иван"), date(1991, 2, 2), ("22 22 222222", "222")),
    (("Фёдорова", "Fjodorova"), ("Анна", "Anna"), date(1992, 3, 3), ("33 33 333333", "333")),
]


def person_report(person: int, spelling: int, documents: int) -> IdentityReport:
    families, givens, born, (passport, snils) = PEOPLE[person]
    docs = []
    if documents & 1:
        docs.append(IdentityDocument("passport", passport))
    if documents & 2:
        docs.append(IdentityDocument("snils", snils))
    return IdentityReport(families[spelling], givens[spelling], born, docs)


class ClientRegisterLifecycle(RuleBasedStateMachine):
    """Report, enrol, withdraw, purge; check the register's invariants after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.register = ClientRegister(retention_years=1)
        self.clock = T0
        self.rng = random.Random(0)
        # every report made: who it was, its keys, the referral's unique referred_by
        self.reports: list[tuple[int, frozenset[LinkageKey], str]] = []
        self.histories: dict[ClientId, tuple[Any, ...]] = {}

    # ---------------------------------------------------------------- helpers

    def ids(self) -> list[ClientId]:
        return sorted(self.register.clients)

    def snapshot(self) -> tuple[Any, ...]:
        clients = self.register.clients
        return (dict(clients), clients.owners())  # type: ignore[attr-defined]

    def later(self, hours: int) -> datetime:
        return self.clock + timedelta(hours=hours)

    # ---------------------------------------------------------------- rules

    @rule(
        person=st.integers(0, len(PEOPLE) - 1),
        spelling=st.integers(0, 1),
        documents=st.sampled_from([0, 1, 2, 3, 3]),
        source=st.sampled_from(ReferralSource),
        hours=st.integers(0, 24 * 40),
    )
    def report_someone(
        self, person: int, spelling: int, documents: int, source: ReferralSource, hours: int
    ) -> None:
        at = self.later(hours)
        identity = person_report(person, spelling, documents)
        keys = linkage_keys(identity, SECRET)
        tag = f"org-{len(self.reports)}"
        holders = {self.register.clients.owner(k) for k in keys} - {None}  # type: ignore[attr-defined]
        result = report(
            self.register,
            identity,
            Referral(source, at.date(), "dept-1", referred_by=tag),
            secret=SECRET,
            at=at,
            by=BY,
            rng=self.rng,
        )
        assert result.new == (not holders)
        assert set(result.merged_with) | {result.client_id} >= holders
        assert len(result.merged_with) == max(len(holders) - 1, 0)
        for merged in result.merged_with:
            assert client(result.register, merged).merged_into == result.client_id
        assert keys <= client(result.register, result.client_id).keys
        self.register = result.register
        self.reports.append((person, keys, tag))
        self.clock = at

    @rule(data=st.data(), consent=st.sampled_from(["none", "now", "old", "future"]))
    def enrol_someone(self, data: st.DataObject, consent: str) -> None:
        ids = self.ids()
        if not ids:
            return
        cid = data.draw(st.sampled_from(ids), label="client")
        record = client(self.register, cid)
        at = self.later(data.draw(st.integers(-2, 24 * 30), label="hours"))
        consent_at = {
            "none": None,
            "now": at,
            "old": T0 - timedelta(days=1),
            "future": at + timedelta(hours=1),
        }[consent]
        before = self.snapshot()
        try:
            register = enrol(self.register, cid, consent_at=consent_at, at=at, by=BY)
        except RuleViolation as refused:
            codes = set(refused.codes)
            assert self.snapshot() == before, "a refused enrolment changes nothing"
            assert (consent_at is None) == ("consent.missing" in codes)
            assert (record.status is ClientStatus.ENROLLED) == ("client.already_enrolled" in codes)
            assert (at < record.history[-1].at) == ("time.before_last_event" in codes)
            if record.status is ClientStatus.WITHDRAWN and consent == "old":
                assert "consent.not_renewed" in codes
            return
        assert record.status in (ClientStatus.REPORTED, ClientStatus.WITHDRAWN)
        assert consent_at is not None and consent_at <= at
        assert record.withdrawn_at is None or consent_at > record.withdrawn_at
        assert client(register, cid).status is ClientStatus.ENROLLED
        self.register = register
        self.clock = max(self.clock, at)

    @rule(data=st.data())
    def withdraw_someone(self, data: st.DataObject) -> None:
        ids = self.ids()
        if not ids:
            return
        cid = data.draw(st.sampled_from(ids), label="client")
        record = client(self.register, cid)
        at = self.later(data.draw(st.integers(-2, 24 * 30), label="hours"))
        before = self.snapshot()
        try:
            register = withdraw_consent(self.register, cid, at=at, by=BY)
        except RuleViolation:
            assert self.snapshot() == before, "a refused withdrawal changes nothing"
            assert record.status is not ClientStatus.ENROLLED or at < record.history[-1].at
            return
        assert record.status is ClientStatus.ENROLLED
        after = client(register, cid)
        assert after.status is ClientStatus.WITHDRAWN and after.retention_until is not None
        self.register = register
        self.clock = max(self.clock, at)

    @rule(days=st.integers(0, 500))
    def purge_due(self, days: int) -> None:
        at = self.clock + timedelta(days=days)
        due = {
            r.id
            for r in self.register.clients.values()
            if r.status is ClientStatus.WITHDRAWN
            and r.retention_until is not None
            and r.retention_until <= at.date()
        }
        result = purge(self.register, at=at, by=BY)
        assert result.client_ids == due
        for cid in due:
            record = client(result.register, cid)
            assert record.status is ClientStatus.PURGED and not record.keys
        self.register = result.register
        self.clock = at

    # ---------------------------------------------------------------- invariants

    @invariant()
    def each_linkage_key_belongs_to_exactly_one_client(self) -> None:
        held: dict[LinkageKey, ClientId] = {}
        for record in self.register.clients.values():
            for key in record.keys:
                assert key not in held, "a key is held by two clients"
                held[key] = record.id
            if record.status in (ClientStatus.MERGED, ClientStatus.PURGED):
                assert not record.keys
        assert self.register.clients.owners() == held  # type: ignore[attr-defined]

    @invariant()
    def every_referral_is_kept_under_exactly_one_client_of_one_person(self) -> None:
        holder: dict[str, ClientId] = {}
        for record in self.register.clients.values():
            for referral in record.referrals:
                assert referral.referred_by is not None
                assert referral.referred_by not in holder, "a referral is kept twice"
                holder[referral.referred_by] = record.id
            if record.status is ClientStatus.MERGED:
                assert not record.referrals
        assert set(holder) == {tag for _, _, tag in self.reports}
        person_of: dict[ClientId, int] = {}
        for person, keys, tag in self.reports:
            cid = holder[tag]
            assert person_of.setdefault(cid, person) == person, "two people were linked"
            record = client(self.register, cid)
            if record.status is not ClientStatus.PURGED:
                assert keys <= record.keys, "a live report's keys stay with its client"

    @invariant()
    def merged_ids_resolve_to_a_live_client(self) -> None:
        for record in self.register.clients.values():
            end = client(self.register, resolve(self.register, record.id))
            assert end.status is not ClientStatus.MERGED
            assert (record.merged_into is not None) == (record.status is ClientStatus.MERGED)

    @invariant()
    def histories_only_grow(self) -> None:
        for record in self.register.clients.values():
            # purge erases free text but keeps when, who, what and the status after
            now = tuple((e.at, e.by, e.event, e.status) for e in record.history)
            before = self.histories.get(record.id, ())
            assert now[: len(before)] == before
            assert record.history[-1].status is record.status
            self.histories[record.id] = now

    @invariant()
    def consent_state_is_consistent(self) -> None:
        for record in self.register.clients.values():
            if record.status is ClientStatus.ENROLLED:
                assert record.consent_at is not None and record.enrolled_at is not None
                assert record.consent_at <= record.enrolled_at
                assert record.withdrawn_at is None or record.consent_at > record.withdrawn_at
                assert record.retention_until is None
            if record.status is ClientStatus.WITHDRAWN:
                assert record.withdrawn_at is not None and record.retention_until is not None
        enrolled = {
            r.id for r in self.register.clients.values() if r.status is ClientStatus.ENROLLED
        }
        assert enrolled_on(self.register, self.clock.date()) == enrolled


ClientRegisterLifecycle.TestCase.settings = settings(
    max_examples=60, stateful_step_count=50, deadline=None
)
test_client_register_lifecycle = pytest.mark.req("RG-07")(
    pytest.mark.req("PW-04")(ClientRegisterLifecycle.TestCase)
)
