"""The client register's rules: linkage of reports (RG-07), consent (PW-04), no identity (SE-04)."""

from __future__ import annotations

import json
import pickle
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from resocialize.clients import (
    DEFAULT_RETENTION_YEARS,
    ClientEvent,
    ClientRecord,
    ClientRegister,
    ClientStatus,
    Reported,
    client,
    enrol,
    enrolled_on,
    find,
    purge,
    report,
    report_many,
    resolve,
    withdraw_consent,
)
from resocialize.errors import RuleViolation, ValidationError
from resocialize.people import (
    ClientId,
    IdentityDocument,
    IdentityReport,
    linkage_keys,
    normalize_document_number,
    normalize_name,
)
from resocialize.records import Referral, ReferralSource
from resocialize.serialization import structure, unstructure
from resocialize.testing._people import identity_reports, linkage_secrets, reports_of

SECRET = b"regional-linkage-secret-0001"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BY = "agency/officer-1"

IVAN = IdentityReport("Čačić", "Ivan", date(1990, 5, 17), [IdentityDocument("oib", "12345678903")])
IVAN_AGAIN = IdentityReport("CACIC", "ivan", date(1990, 5, 17))
ANNA = IdentityReport(
    "Фёдорова", "Анна", date(1988, 3, 1), [IdentityDocument("passport", "4510 1")]
)
ANNA_LATIN = IdentityReport("Fjodorova", "Anna", date(1988, 3, 1), [IdentityDocument("snils", "9")])
ANNA_BRIDGE = IdentityReport(
    "Fyodorova",
    "Ana",
    date(1988, 3, 1),
    [IdentityDocument("passport", "4510-1"), IdentityDocument("SNILS", "9")],
)


def referral(
    source: ReferralSource = ReferralSource.SOCIAL_SERVICE,
    on: date | None = None,
    *,
    department: str = "dept-1",
    referred_by: str | None = None,
    note: str | None = None,
) -> Referral:
    return Referral(source, T0.date() if on is None else on, department, referred_by, note)


def reported(
    register: ClientRegister,
    person: IdentityReport,
    *,
    at: datetime = T0,
    source: ReferralSource = ReferralSource.SOCIAL_SERVICE,
    rng: random.Random | None = None,
    note: str | None = None,
    secret: bytes = SECRET,
) -> Reported:
    return report(
        register,
        person,
        referral(source, at.date(), note=note),
        secret=secret,
        at=at,
        by=BY,
        rng=rng or random.Random(len(register.clients)),
    )


def enrolled(
    person: IdentityReport = IVAN, *, at: datetime = T0
) -> tuple[ClientRegister, ClientId]:
    first = reported(ClientRegister(), person, at=at)
    return enrol(first.register, first.client_id, consent_at=at, at=at, by=BY), first.client_id


def withdrawn(
    *, at: datetime = T0, years: int = DEFAULT_RETENTION_YEARS
) -> tuple[ClientRegister, ClientId]:
    first = reported(ClientRegister(retention_years=years), IVAN, at=at)
    register = enrol(first.register, first.client_id, consent_at=at, at=at, by=BY)
    later = at + timedelta(days=10)
    return withdraw_consent(register, first.client_id, at=later, by=BY), first.client_id


def snapshot(register: ClientRegister) -> tuple[Any, ...]:
    """Everything a register holds, to show that a refusal changed nothing."""
    return (dict(register.clients), register.clients.owners(), register.retention_years)  # type: ignore[attr-defined]


def refused(call: Any, register: ClientRegister, *args: Any, **kwargs: Any) -> RuleViolation:
    before = snapshot(register)
    with pytest.raises(RuleViolation) as caught:
        call(register, *args, **kwargs)
    assert snapshot(register) == before, "a refused operation changes nothing"
    return caught.value


# ------------------------------------------------------------------ RG-07 reports and linkage


@pytest.mark.req("RG-07")
def test_a_report_makes_a_pseudonymous_reported_client_that_is_not_enrolled() -> None:
    result = reported(ClientRegister(), IVAN, source=ReferralSource.LAW_ENFORCEMENT)
    record = client(result.register, result.client_id)
    assert result.new and result.merged_with == ()
    assert record.id.startswith("cl-") and len(record.id) == 23
    assert record.status is ClientStatus.REPORTED and not record.enrolled
    assert record.keys == linkage_keys(IVAN, SECRET)
    assert [r.source for r in record.referrals] == [ReferralSource.LAW_ENFORCEMENT]
    assert [(e.event, e.status, e.by) for e in record.history] == [
        (ClientEvent.REPORTED, ClientStatus.REPORTED, BY)
    ]
    assert enrolled_on(result.register, T0.date()) == frozenset()


@pytest.mark.req("RG-07")
@given(first=identity_reports(), data=st.data(), secret=linkage_secrets())
def test_reports_of_the_same_person_link_into_one_client_with_both_referrals(
    first: IdentityReport, data: st.DataObject, secret: bytes
) -> None:
    second = data.draw(reports_of(first), label="second")
    police = reported(ClientRegister(), first, source=ReferralSource.LAW_ENFORCEMENT, secret=secret)
    social = reported(
        police.register,
        second,
        at=T0 + timedelta(hours=1),
        source=ReferralSource.SOCIAL_SERVICE,
        secret=secret,
    )
    assert social.client_id == police.client_id and not social.new
    assert len(social.register.clients) == 1
    record = client(social.register, social.client_id)
    assert [r.source for r in record.referrals] == [
        ReferralSource.LAW_ENFORCEMENT,
        ReferralSource.SOCIAL_SERVICE,
    ]
    assert record.keys == linkage_keys(first, secret) | linkage_keys(second, secret)
    assert find(social.register, second, secret=secret) == record.id


def _documents(person: IdentityReport) -> set[tuple[str, str]]:
    return {(normalize_name(d.kind), normalize_document_number(d.number)) for d in person.documents}


@pytest.mark.req("RG-07")
@given(a=identity_reports(), b=identity_reports())
def test_different_people_never_link(a: IdentityReport, b: IdentityReport) -> None:
    assume(a.birth_date != b.birth_date)
    assume(not _documents(a) & _documents(b))
    first = reported(ClientRegister(), a)
    second = reported(first.register, b, rng=random.Random(99))
    assert second.new and second.client_id != first.client_id
    assert len(second.register.clients) == 2
    assert find(first.register, b, secret=SECRET) is None


@pytest.mark.req("RG-07")
def test_keys_made_under_another_secret_do_not_link() -> None:
    first = reported(ClientRegister(), IVAN)
    other = reported(first.register, IVAN_AGAIN, secret=b"another-regional-secret-0002")
    assert other.new and other.client_id != first.client_id


@pytest.mark.req("RG-07")
def test_a_report_linking_two_clients_merges_them_into_the_older_keeping_every_referral() -> None:
    cyrillic = reported(ClientRegister(), ANNA, source=ReferralSource.DRUG_TREATMENT_SERVICE)
    latin = reported(
        cyrillic.register, ANNA_LATIN, at=T0 + timedelta(days=1), source=ReferralSource.COURT
    )
    assert latin.new, "no shared key yet: two clients"
    bridge = reported(
        latin.register,
        ANNA_BRIDGE,
        at=T0 + timedelta(days=2),
        source=ReferralSource.LAW_ENFORCEMENT,
        note="both documents shown",
    )
    assert bridge.client_id == cyrillic.client_id, "the older id survives"
    assert bridge.merged_with == (latin.client_id,) and not bridge.new
    survivor = client(bridge.register, cyrillic.client_id)
    assert [r.source for r in survivor.referrals] == [
        ReferralSource.DRUG_TREATMENT_SERVICE,
        ReferralSource.COURT,
        ReferralSource.LAW_ENFORCEMENT,
    ]
    assert survivor.keys == (
        linkage_keys(ANNA, SECRET)
        | linkage_keys(ANNA_LATIN, SECRET)
        | linkage_keys(ANNA_BRIDGE, SECRET)
    )
    assert [e.event for e in survivor.history] == [
        ClientEvent.REPORTED,
        ClientEvent.MERGED,
        ClientEvent.REPORTED,
    ]
    assert survivor.history[1].clients == (latin.client_id,)
    stub = client(bridge.register, latin.client_id)
    assert stub.status is ClientStatus.MERGED and stub.merged_into == cyrillic.client_id
    assert stub.keys == frozenset() and stub.referrals == ()
    assert stub.history[-1].event is ClientEvent.MERGED_INTO
    assert stub.history[-1].clients == (cyrillic.client_id,)
    assert resolve(bridge.register, latin.client_id) == cyrillic.client_id
    assert find(bridge.register, ANNA_LATIN, secret=SECRET) == cyrillic.client_id


@pytest.mark.req("RG-07")
def test_a_merged_id_takes_no_consent_event_and_says_where_the_person_is() -> None:
    latin = reported(reported(ClientRegister(), ANNA).register, ANNA_LATIN)
    bridge = reported(latin.register, ANNA_BRIDGE)
    stub = latin.client_id
    assert refused(enrol, bridge.register, stub, consent_at=T0, at=T0, by=BY).codes == (
        "client.merged",
    )
    err = refused(withdraw_consent, bridge.register, stub, at=T0, by=BY)
    assert err.codes == ("client.merged",)
    assert err.reasons[0].details["merged_into"] == bridge.client_id


T = T0 + timedelta(days=1)


@pytest.mark.req("RG-07")
@pytest.mark.req("PW-04")
@pytest.mark.parametrize(
    ("older", "younger", "status"),
    [
        ("reported", "reported", ClientStatus.REPORTED),
        ("enrolled", "reported", ClientStatus.ENROLLED),
        ("reported", "enrolled", ClientStatus.ENROLLED),
        ("withdrawn", "reported", ClientStatus.WITHDRAWN),
        # consent given under one record after a withdrawal under the other: enrolled
        ("withdrawn", "enrolled_later", ClientStatus.ENROLLED),
        # a withdrawal after the consent the other record rests on: withdrawn
        ("enrolled", "withdrawn_later", ClientStatus.WITHDRAWN),
    ],
)
def test_a_merge_follows_the_persons_latest_word_on_consent(
    older: str, younger: str, status: ClientStatus
) -> None:
    register = ClientRegister()
    ids = []
    for person, story, day in ((ANNA, older, 0), (ANNA_LATIN, younger, 1)):
        at = T0 + timedelta(days=day)
        result = reported(register, person, at=at, rng=random.Random(day))
        register, cid = result.register, result.client_id
        ids.append(cid)
        if story != "reported":
            consent = at + timedelta(days=10 if story.endswith("later") else 2)
            register = enrol(register, cid, consent_at=consent, at=consent, by=BY)
        if story.startswith("withdrawn"):
            quit_at = at + timedelta(days=20 if story.endswith("later") else 5)
            register = withdraw_consent(register, cid, at=quit_at, by=BY)
    bridge = reported(register, ANNA_BRIDGE, at=T0 + timedelta(days=30))
    survivor = client(bridge.register, ids[0])
    assert survivor.status is status
    assert survivor.history[-2].event is ClientEvent.MERGED
    assert survivor.history[-2].status is status
    assert (survivor.retention_until is not None) == (status is ClientStatus.WITHDRAWN)
    day = (T0 + timedelta(days=30)).date()
    assert enrolled_on(bridge.register, day) == (
        {ids[0]} if status is ClientStatus.ENROLLED else set()
    )


@pytest.mark.req("RG-07")
def test_client_ids_come_from_the_explicit_generator_and_never_repeat() -> None:
    one = reported(ClientRegister(), IVAN, rng=random.Random(5))
    again = reported(ClientRegister(), IVAN, rng=random.Random(5))
    assert one.client_id == again.client_id, "the same seed gives the same id"
    # a seed reused for every call must not make two clients share an id
    second = reported(one.register, ANNA, rng=random.Random(5))
    assert second.new and second.client_id != one.client_id


@pytest.mark.req("RG-07")
def test_find_names_the_client_a_report_would_link_to() -> None:
    first = reported(ClientRegister(), IVAN)
    assert find(first.register, IVAN_AGAIN, secret=SECRET) == first.client_id
    assert find(first.register, ANNA, secret=SECRET) is None
    assert find(ClientRegister(), IVAN, secret=SECRET) is None


@pytest.mark.req("RG-07")
def test_a_report_before_the_clients_last_event_is_refused_and_changes_nothing() -> None:
    first = reported(ClientRegister(), IVAN, at=T0)
    err = refused(
        report,
        first.register,
        IVAN_AGAIN,
        referral(on=T0.date() - timedelta(days=2)),
        secret=SECRET,
        at=T0 - timedelta(days=1),
        by=BY,
        rng=random.Random(1),
    )
    assert err.codes == ("time.before_last_event",)
    assert err.reasons[0].details["client_id"] == first.client_id


# ------------------------------------------------------------------ batches


def _batch(people: list[IdentityReport]) -> list[tuple[IdentityReport, Referral]]:
    sources = list(ReferralSource)
    return [(p, referral(sources[i % len(sources)])) for i, p in enumerate(people)]


@st.composite
def report_batches(draw: st.DrawFn) -> list[IdentityReport]:
    originals = draw(st.lists(identity_reports(), min_size=1, max_size=4))
    extra = draw(st.lists(st.sampled_from(originals).flatmap(reports_of), max_size=4))
    return draw(st.permutations([*originals, *extra]))


@pytest.mark.req("RG-07")
@given(people=report_batches(), seed=st.integers(0, 2**32))
def test_report_many_is_the_same_as_reporting_one_after_another(
    people: list[IdentityReport], seed: int
) -> None:
    items = _batch(people)
    batch = report_many(
        ClientRegister(), items, secret=SECRET, at=T0, by=BY, rng=random.Random(seed)
    )
    register, rng, one_by_one = ClientRegister(), random.Random(seed), []
    for person, ref in items:
        result = report(register, person, ref, secret=SECRET, at=T0, by=BY, rng=rng)
        register = result.register
        one_by_one.append((result.client_id, result.new, result.merged_with))
    assert batch.register == register
    assert [(x.client_id, x.new, x.merged_with) for x in batch.linkages] == one_by_one


@pytest.mark.req("RG-07")
def test_report_many_is_all_or_nothing_and_names_every_refused_report() -> None:
    first = reported(ClientRegister(), IVAN, at=T0)
    items = [
        (IVAN_AGAIN, referral(on=date(2026, 2, 1))),
        (ANNA, referral(on=date(2026, 2, 1))),
        (IVAN, referral(on=date(2026, 2, 1))),
    ]
    err = refused(
        report_many,
        first.register,
        items,
        secret=SECRET,
        at=T0 - timedelta(days=1),
        by=BY,
        rng=random.Random(1),
    )
    assert err.codes == ("time.before_last_event", "time.before_last_event")
    assert [r.details["index"] for r in err.reasons] == [0, 2]


# ------------------------------------------------------------------ PW-04 consent


@pytest.mark.req("PW-04")
@pytest.mark.req("RG-07")
def test_enrolment_is_refused_without_consent() -> None:
    first = reported(ClientRegister(), IVAN)
    err = refused(enrol, first.register, first.client_id, consent_at=None, at=T0, by=BY)
    assert err.codes == ("consent.missing",)


@pytest.mark.req("PW-04")
@pytest.mark.req("RG-07")
def test_enrolment_records_consent_and_time_and_makes_the_client_enrolled() -> None:
    first = reported(ClientRegister(), IVAN)
    consent = T0 + timedelta(hours=1)
    register = enrol(
        first.register, first.client_id, consent_at=consent, at=consent, by=BY, reason="signed"
    )
    record = client(register, first.client_id)
    assert record.status is ClientStatus.ENROLLED and record.enrolled
    assert (record.consent_at, record.enrolled_at) == (consent, consent)
    last = record.history[-1]
    assert (last.event, last.consent_at, last.reason) == (ClientEvent.ENROLLED, consent, "signed")
    assert enrolled_on(register, consent.date()) == {first.client_id}
    assert enrolled_on(register, consent.date() - timedelta(days=1)) == frozenset()


@pytest.mark.req("PW-04")
def test_enrolment_is_refused_when_consent_comes_after_the_register_entry() -> None:
    first = reported(ClientRegister(), IVAN)
    err = refused(
        enrol, first.register, first.client_id, consent_at=T0 + timedelta(days=1), at=T0, by=BY
    )
    assert err.codes == ("consent.after_enrolment",)


@pytest.mark.req("RG-07")
def test_enrolment_is_refused_when_already_enrolled() -> None:
    register, cid = enrolled()
    err = refused(enrol, register, cid, consent_at=T0, at=T0 + timedelta(days=1), by=BY)
    assert err.codes == ("client.already_enrolled",)


@pytest.mark.req("PW-04")
@pytest.mark.req("RG-07")
@given(consent_days=st.integers(-400, 10), withdrawal_days=st.integers(1, 400))
def test_withdrawn_clients_are_never_enrolled_without_new_consent(
    consent_days: int, withdrawal_days: int
) -> None:
    register, cid = enrolled()
    quit_at = T0 + timedelta(days=withdrawal_days)
    register = withdraw_consent(register, cid, at=quit_at, by=BY)
    consent = quit_at + timedelta(days=consent_days)
    at = max(consent, quit_at) + timedelta(hours=1)
    if consent <= quit_at:
        err = refused(enrol, register, cid, consent_at=consent, at=at, by=BY)
        assert err.codes == ("consent.not_renewed",)
    else:
        again = client(enrol(register, cid, consent_at=consent, at=at, by=BY), cid)
        assert again.status is ClientStatus.ENROLLED and again.consent_at == consent
        assert again.retention_until is None


@pytest.mark.req("PW-04")
def test_withdrawal_takes_the_client_off_the_active_register_and_keeps_the_history() -> None:
    register, cid = enrolled()
    quit_at = T0 + timedelta(days=40)
    after = withdraw_consent(register, cid, at=quit_at, by=BY, reason="moved to family")
    record = client(after, cid)
    assert record.status is ClientStatus.WITHDRAWN and not record.enrolled
    assert record.withdrawn_at == quit_at
    assert record.retention_until == date(2031, 4, 11)
    assert record.history[:-1] == client(register, cid).history
    last = record.history[-1]
    assert (last.event, last.status, last.reason) == (
        ClientEvent.CONSENT_WITHDRAWN,
        ClientStatus.WITHDRAWN,
        "moved to family",
    )
    assert enrolled_on(after, quit_at.date() - timedelta(days=1)) == {cid}
    assert enrolled_on(after, quit_at.date()) == frozenset()


@pytest.mark.req("PW-04")
@pytest.mark.req("RG-07")
def test_further_reports_of_a_withdrawn_client_link_to_the_same_record_without_enrolling() -> None:
    register, cid = withdrawn()
    later = reported(register, IVAN_AGAIN, at=T0 + timedelta(days=50))
    assert later.client_id == cid and not later.new
    record = client(later.register, cid)
    assert record.status is ClientStatus.WITHDRAWN and len(record.referrals) == 2
    assert len(later.register.clients) == 1


@pytest.mark.req("PW-04")
@pytest.mark.parametrize(
    ("story", "code"),
    [("reported", "client.not_enrolled"), ("withdrawn", "consent.already_withdrawn")],
)
def test_only_an_enrolled_client_can_withdraw_consent(story: str, code: str) -> None:
    if story == "reported":
        first = reported(ClientRegister(), IVAN)
        register, cid = first.register, first.client_id
    else:
        register, cid = withdrawn()
    err = refused(withdraw_consent, register, cid, at=T0 + timedelta(days=99), by=BY)
    assert err.codes == (code,)


@pytest.mark.req("PW-04")
@pytest.mark.req("RG-07")
def test_every_unmet_condition_of_an_enrolment_is_reported() -> None:
    register, cid = enrolled(at=T0)
    err = refused(enrol, register, cid, consent_at=None, at=T0 - timedelta(days=1), by=BY)
    assert err.codes == ("consent.missing", "client.already_enrolled", "time.before_last_event")
    err = refused(
        enrol, register, ClientId("cl-nobody"), consent_at=T0 + timedelta(days=1), at=T0, by=BY
    )
    assert err.codes == ("client.unknown", "consent.after_enrolment")


@st.composite
def attempts(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(["enrol", "withdraw"]))
    at = T0 + timedelta(days=draw(st.integers(-5, 100)))
    if kind == "withdraw":
        return kind, {"at": at}
    consent = draw(st.none() | st.integers(-5, 100).map(lambda d: T0 + timedelta(days=d)))
    return kind, {"at": at, "consent_at": consent}


@pytest.mark.req("PW-04")
@pytest.mark.req("RG-07")
@given(story=st.sampled_from(["reported", "enrolled", "withdrawn", "merged"]), attempt=attempts())
def test_refused_operations_change_nothing(story: str, attempt: tuple[str, dict[str, Any]]) -> None:
    if story == "reported":
        first = reported(ClientRegister(), IVAN)
        register, cid = first.register, first.client_id
    elif story == "enrolled":
        register, cid = enrolled()
    elif story == "withdrawn":
        register, cid = withdrawn()
    else:
        latin = reported(reported(ClientRegister(), ANNA).register, ANNA_LATIN)
        register, cid = reported(latin.register, ANNA_BRIDGE).register, latin.client_id
    kind, args = attempt
    call = enrol if kind == "enrol" else withdraw_consent
    before = snapshot(register)
    refusal: RuleViolation | None = None
    try:
        after = call(register, cid, by=BY, **args)
    except RuleViolation as err:
        refusal = err
    assert snapshot(register) == before, "the old value is untouched, refused or not"
    if refusal is not None:
        assert refusal.reasons
        return
    assert client(after, cid).history[:-1] == client(register, cid).history


# ------------------------------------------------------------------ retention and purge


@pytest.mark.req("PW-04")
def test_purge_erases_keys_and_free_text_only_after_retention() -> None:
    first = reported(ClientRegister(retention_years=2), IVAN, note="found at the station")
    register = enrol(first.register, first.client_id, consent_at=T0, at=T0, by=BY)
    register = withdraw_consent(register, first.client_id, at=T0, by=BY, reason="no reason given")
    record = client(register, first.client_id)
    assert record.retention_until == date(2028, 3, 2)
    early = purge(register, at=datetime(2028, 3, 1, 23, tzinfo=UTC), by=BY)
    assert early.client_ids == frozenset() and early.register == register
    done = purge(register, at=datetime(2028, 3, 2, 8, tzinfo=UTC), by=BY, reason="retention")
    assert done.client_ids == {first.client_id}
    gone = client(done.register, first.client_id)
    assert gone.status is ClientStatus.PURGED and gone.keys == frozenset()
    assert [r.note for r in gone.referrals] == [None]
    assert [r.source for r in gone.referrals] == [ReferralSource.SOCIAL_SERVICE]
    assert all(e.reason is None for e in gone.history[:-1])
    assert [(e.at, e.event) for e in gone.history[:-1]] == [(e.at, e.event) for e in record.history]
    assert gone.history[-1].event is ClientEvent.PURGED
    assert find(done.register, IVAN, secret=SECRET) is None
    assert enrolled_on(done.register, T0.date() - timedelta(days=1)) == frozenset()
    again = reported(done.register, IVAN, at=datetime(2028, 4, 1, tzinfo=UTC))
    assert again.new and again.client_id != first.client_id, "the person can't be recognized"
    assert refused(
        enrol,
        done.register,
        first.client_id,
        consent_at=T0,
        at=datetime(2029, 1, 1, tzinfo=UTC),
        by=BY,
    ).codes == ("client.purged",)


@pytest.mark.req("PW-04")
def test_purge_leaves_reported_enrolled_and_re_enrolled_clients_alone() -> None:
    register, cid = withdrawn(years=1)
    consent = T0 + timedelta(days=20)
    back = enrol(register, cid, consent_at=consent, at=consent, by=BY)
    other = reported(back, ANNA)
    result = purge(other.register, at=datetime(2040, 1, 1, tzinfo=UTC), by=BY)
    assert result.client_ids == frozenset()
    assert result.register == other.register


def test_retention_counts_whole_years_from_the_withdrawal() -> None:
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    register, cid = enrolled(at=leap)
    after = withdraw_consent(register, cid, at=leap, by=BY)
    assert client(after, cid).retention_until == date(2033, 3, 1)


# ------------------------------------------------------------------ queries and input


@pytest.mark.req("RG-07")
def test_enrolled_on_answers_for_past_days() -> None:
    register, cid = withdrawn()  # enrolled on T0, withdrawn 10 days later
    days = [T0.date() + timedelta(days=d) for d in (-1, 0, 9, 10, 11)]
    assert [cid in enrolled_on(register, day) for day in days] == [False, True, True, False, False]


def test_an_unknown_client_is_refused_and_a_malformed_id_is_bad_input() -> None:
    register = reported(ClientRegister(), IVAN).register
    for call in (client, resolve):
        with pytest.raises(RuleViolation) as caught:
            call(register, ClientId("cl-nobody"))
        assert caught.value.codes == ("client.unknown",)
    assert refused(withdraw_consent, register, ClientId("cl-nobody"), at=T0, by=BY).codes == (
        "client.unknown",
    )
    with pytest.raises(ValidationError) as bad:
        client(register, ClientId("cl nobody"))
    assert bad.value.paths == ("client_id",)
    with pytest.raises(ValidationError) as bad:
        enrol(register, 7, consent_at=T0, at=T0, by=BY)  # type: ignore[arg-type]
    assert bad.value.paths == ("client_id",)


def test_bad_arguments_are_reported_with_every_path() -> None:
    with pytest.raises(ValidationError) as caught:
        report(
            {},  # type: ignore[arg-type]
            "Ivan",  # type: ignore[arg-type]
            referral(on=date(2027, 1, 1)),
            secret=b"short",
            at=datetime(2026, 3, 2),
            by=" ",
            rng=7,  # type: ignore[arg-type]
        )
    assert set(caught.value.paths) == {"register", "report", "secret", "at", "by", "rng"}
    with pytest.raises(ValidationError) as caught:
        report(
            ClientRegister(),
            IVAN,
            referral(on=date(2027, 1, 1)),
            secret=SECRET,
            at=T0,
            by=BY,
            rng=random.Random(),
        )
    assert caught.value.paths == ("referral.on",)
    with pytest.raises(ValidationError) as caught:
        enrol(
            ClientRegister(),
            ClientId("cl-x"),
            consent_at=datetime(2026, 1, 1),
            at="today",  # type: ignore[arg-type]
            by=BY,
            reason=3,  # type: ignore[arg-type]
        )
    assert set(caught.value.paths) == {"consent_at", "at", "reason"}
    with pytest.raises(ValidationError) as caught:
        report_many(
            ClientRegister(),
            [(IVAN, referral()), (IVAN,), ("x", referral(on=date(2027, 1, 1)))],  # type: ignore[list-item]
            secret=SECRET,
            at=T0,
            by=BY,
            rng=random.Random(),
        )
    assert caught.value.paths == ("reports[1]", "reports[2][0]", "reports[2][1].on")
    with pytest.raises(ValidationError) as caught:
        enrolled_on(ClientRegister(), T0)  # type: ignore[arg-type]
    assert caught.value.paths == ("day",)
    with pytest.raises(ValidationError) as caught:
        find(ClientRegister(), IVAN, secret="secret")  # type: ignore[arg-type]
    assert caught.value.paths == ("secret",)
    with pytest.raises(ValidationError) as caught:
        ClientRegister(retention_years=True)  # type: ignore[arg-type]
    assert caught.value.paths == ("retention_years",)


def test_times_in_other_offsets_compare_as_instants() -> None:
    moscow = timezone(timedelta(hours=3))
    first = reported(ClientRegister(), IVAN, at=T0)
    # 11:00 in Moscow is 08:00 UTC: an hour before the report
    err = refused(
        enrol,
        first.register,
        first.client_id,
        consent_at=None,
        at=datetime(2026, 3, 2, 11, 0, tzinfo=moscow),
        by=BY,
    )
    assert err.codes == ("consent.missing", "time.before_last_event")


# ------------------------------------------------------------------ SE-04 privacy, JSON


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from _strings(getattr(value, field.name))
    elif isinstance(value, dict) or hasattr(value, "items"):
        for key, item in value.items():  # type: ignore[attr-defined]
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, tuple | frozenset | list):
        for item in value:
            yield from _strings(item)


def _dates(value: object) -> Iterator[date]:
    if isinstance(value, date):
        yield value
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from _dates(getattr(value, field.name))
    elif hasattr(value, "items"):
        for item in value.values():  # type: ignore[attr-defined]
            yield from _dates(item)
    elif isinstance(value, tuple | frozenset | list):
        for item in value:
            yield from _dates(item)


def _marked(person: IdentityReport) -> IdentityReport:
    """``person`` with names that cannot occur by chance in ids, hashes and test constants."""
    return IdentityReport(
        f"Ǉ{person.family_name}Ж", f"Ǌ{person.given_names}Щ", person.birth_date, person.documents
    )


@pytest.mark.req("SE-04")
@pytest.mark.req("RG-07")
@given(people=report_batches().map(lambda batch: [_marked(p) for p in batch]))
def test_the_register_never_stores_identifying_data(people: list[IdentityReport]) -> None:
    items = _batch(people)
    result = report_many(ClientRegister(), items, secret=SECRET, at=T0, by=BY, rng=random.Random(1))
    register = result.register
    waiting = [r.id for r in register.clients.values() if r.status is ClientStatus.REPORTED]
    consent = T0 + timedelta(hours=1)
    for cid in waiting[:2]:
        register = enrol(register, cid, consent_at=consent, at=consent, by=BY)
    stored = list(_strings(register))
    text = json.dumps(unstructure(register), ensure_ascii=False)
    assert not {p.birth_date for p in people} & set(_dates(register))
    for person in people:
        for name in (person.family_name, person.given_names):
            assert not any(name in s for s in stored)
            assert name not in text
            assert name not in repr(register)
        assert person.birth_date.isoformat() not in text
    # document numbers: ids and keys are random letters and digits, so look past them
    for record in register.clients.values():
        for random_text in (record.id, *record.keys):
            text = text.replace(random_text, "")
    for person in people:
        for document in person.documents:
            assert document.number not in text


@pytest.mark.req("RG-07")
def test_the_register_round_trips_through_json_and_pickle() -> None:
    latin = reported(reported(ClientRegister(retention_years=7), ANNA).register, ANNA_LATIN)
    bridge = reported(latin.register, ANNA_BRIDGE)
    register = enrol(bridge.register, bridge.client_id, consent_at=T0, at=T0, by=BY)
    register = withdraw_consent(register, bridge.client_id, at=T0, by=BY)
    register = reported(register, IVAN).register
    data = json.loads(json.dumps(unstructure(register)))
    back = structure(data, ClientRegister)
    assert back == register and back.retention_years == 7
    assert find(back, ANNA_LATIN, secret=SECRET) == bridge.client_id
    assert resolve(back, latin.client_id) == bridge.client_id
    assert pickle.loads(pickle.dumps(register)) == register
    assert structure(unstructure(bridge), Reported) == bridge


def test_a_register_whose_key_is_held_by_two_clients_is_refused_with_the_path() -> None:
    first = reported(ClientRegister(), IVAN)
    record = client(first.register, first.client_id)
    twin = attrs.evolve(record, id=ClientId("cl-twin"))
    with pytest.raises(ValidationError) as caught:
        ClientRegister({record.id: record, twin.id: twin})
    assert caught.value.paths == ('clients["cl-twin"].keys',)
    data = unstructure(first.register)
    data["clients"]["cl-twin"] = {**data["clients"][record.id], "id": "cl-twin"}
    data["clients"]["cl-lost"] = {
        **data["clients"][record.id],
        "id": "cl-lost",
        "keys": [],
        "status": "merged",
        "merged_into": "cl-nowhere",
    }
    with pytest.raises(ValidationError) as caught:
        structure(data, ClientRegister)
    assert set(caught.value.paths) == {
        '$.clients["cl-twin"].keys',
        '$.clients["cl-lost"].merged_into',
    }


def test_a_register_reads_like_a_mapping_of_ids_to_records() -> None:
    first = reported(ClientRegister(), IVAN)
    clients = first.register.clients
    assert list(clients) == [first.client_id] and len(clients) == 1
    assert first.client_id in clients and "cl-nobody" not in clients and 3 not in clients
    assert isinstance(clients[first.client_id], ClientRecord)
    with pytest.raises(KeyError):
        clients[ClientId("cl-nobody")]
    assert repr(first.register) == "ClientRegister(clients=<1 client>, retention_years=5)"
    assert ClientRegister(dict(clients)) == first.register
