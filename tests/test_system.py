"""The regional system facade: commands run by actors with roles, checked by the policy,
committed to the store with their journal entries; refusals change nothing (SE-01 to
SE-03, PW-12, PW-13, issue 7)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _builders import CENTER, CLIENT, ORDER, T0, admission, any_facts
from resocialize.access import EVENT_COMMANDS, Actor, Field, default_policy
from resocialize.errors import PermissionDenied, ResocializeError, RuleViolation, ValidationError
from resocialize.facts import Facts
from resocialize.organizations import Role
from resocialize.pathway import Case, Event, NoticeKind, State, allowed_events
from resocialize.records import (
    LabourOutcome,
    MedicalHelp,
    MedicalHelpKind,
    Origin,
    Referral,
    ReferralSource,
)
from resocialize.storage import SQLiteStore
from resocialize.system import RegionalSystem

AGENCY = Actor("agency-1", Role.AGENCY, "officer-2")
COURT = Actor("court-1", Role.COURT, "judge-3")
HEALTH = Actor("health-1", Role.HEALTH, "doctor-4")
CENTER_STAFF = Actor(CENTER, Role.REHABILITATION_CENTER, "manager-5")
POLICE = Actor("police-1", Role.LAW_ENFORCEMENT, "officer-6")
DEPARTMENT = Actor("dept-1", Role.MUNICIPAL_DEPARTMENT, "worker-7")
OTHER_CENTER = Actor("center-2", Role.REHABILITATION_CENTER, "manager-8")
ACTORS = (AGENCY, COURT, HEALTH, CENTER_STAFF, POLICE, DEPARTMENT, OTHER_CENTER)


def referral(source: ReferralSource = ReferralSource.COURT, by: str = "court-1") -> Referral:
    return Referral(source, T0.date(), "dept-1", referred_by=by)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "region.sqlite") as opened:
        yield opened


def snapshot(store: SQLiteStore) -> tuple[list[Any], list[Any]]:
    """Everything the store holds: its journal and every stored aggregate."""
    return list(store.entries()), list(store.aggregates("case"))


def court_case(region: RegionalSystem, case_id: str = "case-1") -> Case:
    return region.identify(
        COURT,
        at=T0,
        case_id=case_id,
        client_id=CLIENT,
        referral=referral(),
        origin=Origin.COMMUNITY,
        court_order=ORDER,
    )


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def to_treatment(region: RegionalSystem, case_id: str = "case-1") -> Case:
    region.advance(AGENCY, case_id, Event.ENGAGE, at=at(1))
    region.advance(HEALTH, case_id, Event.START_TREATMENT, at=at(2))
    help_given = MedicalHelp(MedicalHelpKind.DIAGNOSTICS, at(3).date(), "health-1")
    region.advance(
        HEALTH, case_id, Event.RECORD_MEDICAL_HELP, at=at(3), facts=Facts(medical_help=help_given)
    )
    region.advance(AGENCY, case_id, Event.GIVE_CONSENT, at=at(4))
    region.advance(
        AGENCY, case_id, Event.RECORD_DIAGNOSIS, at=at(5), facts=Facts(assessment_id="a-1")
    )
    return region.advance(
        DEPARTMENT, case_id, Event.RECORD_PROGRAM, at=at(6), facts=Facts(program_id="irp-1")
    ).case


# --- the route --------------------------------------------------------------------------------


@pytest.mark.req("SE-01")
@pytest.mark.req("PW-12")
def test_court_referred_client_goes_from_identification_to_admission_with_the_right_roles(
    store: SQLiteStore,
) -> None:
    region = RegionalSystem(store)
    opened = court_case(region)
    assert opened.state is State.IDENTIFIED and opened.court_ordered
    assert opened.history[0].by == "court-1/judge-3"
    to_treatment(region)
    step = region.advance(CENTER_STAFF, "case-1", Event.ADMIT, at=at(10), facts=admission())
    assert step.case.state is State.SOCIAL_REHABILITATION
    assert step.case.center_id == CENTER and step.notices == ()
    done = region.advance(CENTER_STAFF, "case-1", Event.COMPLETE_REHABILITATION, at=at(90))
    assert [n.kind for n in done.notices] == [NoticeKind.COMPLETION]
    assert done.notices[0].court_id == "court-1"

    entries = list(store.entries())
    assert [e.command for e in entries] == [
        "identify",
        "engage",
        "start_treatment",
        "record_medical_help",
        "record_consent",
        "record_diagnosis",
        "record_program",
        "admit",
        "record_milestone",
    ]
    assert entries[0].actor == "court-1/judge-3 (court)"
    assert entries[-2].actor == f"{CENTER}/manager-5 (rehabilitation_center)"
    assert [e.version for e in entries] == list(range(1, 10))
    assert region.cases() == {"case-1": done.case}
    assert region.rebuild() == region.cases()
    assert region.verify() == ()


@pytest.mark.req("SE-01")
def test_center_not_named_by_certificate_and_contract_may_not_admit(store: SQLiteStore) -> None:
    region = RegionalSystem(store)
    court_case(region)
    to_treatment(region)
    before = snapshot(store)
    with pytest.raises(PermissionDenied) as refused:
        region.advance(OTHER_CENTER, "case-1", Event.ADMIT, at=at(10), facts=admission())
    assert [r.code for r in refused.value.reasons] == ["access.not_own_center"]
    assert snapshot(store) == before


@pytest.mark.req("SE-01")
@pytest.mark.req("PW-13")
@pytest.mark.parametrize(
    ("actor", "event", "code"),
    [
        (POLICE, Event.ENGAGE, "access.role_not_permitted"),
        (COURT, Event.START_TREATMENT, "access.role_not_permitted"),
        (CENTER_STAFF, Event.ENGAGE, "access.role_not_permitted"),
        (
            Actor("dept-9", Role.MUNICIPAL_DEPARTMENT, "w-1"),
            Event.ENGAGE,
            "access.not_own_department",
        ),
    ],
)
def test_wrong_role_is_refused_and_the_store_is_unchanged(
    store: SQLiteStore, actor: Actor, event: Event, code: str
) -> None:
    region = RegionalSystem(store)
    court_case(region)
    before = snapshot(store)
    with pytest.raises(PermissionDenied) as refused:
        region.advance(actor, "case-1", event, at=at(1))
    assert [r.code for r in refused.value.reasons] == [code]
    assert snapshot(store) == before
    assert region.cases()["case-1"].state is State.IDENTIFIED


@pytest.mark.req("PW-13")
def test_rule_refusal_names_every_unmet_condition_and_leaves_the_store_unchanged(
    store: SQLiteStore,
) -> None:
    region = RegionalSystem(store)
    court_case(region)
    region.advance(AGENCY, "case-1", Event.ENGAGE, at=at(1))
    before = snapshot(store)
    with pytest.raises(RuleViolation) as refused:
        region.advance(CENTER_STAFF, "case-1", Event.ADMIT, at=T0, facts=admission())
    assert set(refused.value.codes) >= {"transition.not_allowed", "time.before_last_event"}
    assert snapshot(store) == before


@pytest.mark.req("PW-13")
def test_unknown_case_and_duplicate_case_are_refused_without_change(store: SQLiteStore) -> None:
    region = RegionalSystem(store)
    court_case(region)
    before = snapshot(store)
    with pytest.raises(RuleViolation) as unknown:
        region.advance(AGENCY, "case-9", Event.ENGAGE, at=at(1))
    assert unknown.value.codes == ("system.unknown_case",)
    with pytest.raises(RuleViolation) as unknown_read:
        region.case(AGENCY, "case-9")
    assert unknown_read.value.codes == ("system.unknown_case",)
    with pytest.raises(RuleViolation) as exists:
        court_case(region)
    assert exists.value.codes == ("system.case_exists",)
    assert snapshot(store) == before


def test_bad_arguments_are_refused_with_every_path(store: SQLiteStore) -> None:
    region = RegionalSystem(store)
    with pytest.raises(ValidationError) as bad:
        region.advance("agency", "case 1", "fly", at="today", facts=None, reason=3)  # type: ignore[arg-type]
    assert bad.value.paths == ("actor", "case_id", "event", "at", "facts", "reason")
    with pytest.raises(ValidationError) as bad_identify:
        region.identify(
            "agency",  # type: ignore[arg-type]
            at=T0.replace(tzinfo=None),
            case_id="case 1",
            client_id="",
            referral=referral(),
            origin="town",  # type: ignore[arg-type]
        )
    assert bad_identify.value.paths == ("actor", "case_id", "client_id", "origin", "at")
    with pytest.raises(ValidationError) as bad_event:
        region.advance(AGENCY, "case-1", Event.IDENTIFY, at=T0)
    assert bad_event.value.paths == ("event",)
    with pytest.raises(ValidationError) as bad_system:
        RegionalSystem("region.sqlite", policy={}, rules=None)  # type: ignore[arg-type]
    assert bad_system.value.paths == ("store", "policy", "rules")
    assert snapshot(store) == ([], [])


# --- concurrency, the journal, views -------------------------------------------------------------


@pytest.mark.req("SE-03")
def test_stale_system_is_refused_with_a_version_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "region.sqlite"
    with SQLiteStore(path) as first_store, SQLiteStore(path) as second_store:
        first, second = RegionalSystem(first_store), RegionalSystem(second_store)
        court_case(first)
        commit = second_store.commit
        before: list[Any] = []

        def first_writes_in_between(*args: Any, **kwargs: Any) -> Any:
            # the second system has read the case; the first moves it on before it commits
            first.advance(AGENCY, "case-1", Event.ENGAGE, at=at(1))
            before.append(snapshot(first_store))
            return commit(*args, **kwargs)

        monkeypatch.setattr(second_store, "commit", first_writes_in_between)
        with pytest.raises(RuleViolation) as conflict:
            second.advance(AGENCY, "case-1", Event.REFUSE, at=at(2))
        monkeypatch.undo()
        assert conflict.value.codes == ("store.version_conflict",)
        assert snapshot(first_store) == before[0]
        assert second.cases()["case-1"].state is State.MOTIVATION
        # reading again, the second system goes on from where the first left the case
        assert second.advance(AGENCY, "case-1", Event.START_TREATMENT, at=at(2)).case.version == 3
        assert second.rebuild() == first.cases() and first.verify() == ()


@pytest.mark.req("PW-12")
@pytest.mark.req("SE-03")
def test_rebuild_equals_stored_and_live_cases_and_the_journal_verifies(store: SQLiteStore) -> None:
    region = RegionalSystem(store)
    live = {"case-1": court_case(region, "case-1"), "case-2": court_case(region, "case-2")}
    live["case-1"] = to_treatment(region, "case-1")
    live["case-2"] = region.advance(AGENCY, "case-2", Event.REFUSE, at=at(7)).case
    assert region.rebuild() == region.cases() == live
    assert region.verify() == ()


@pytest.mark.req("SE-02")
def test_law_enforcement_view_of_a_case_in_treatment_withholds_health(store: SQLiteStore) -> None:
    region = RegionalSystem(store)
    region.identify(
        POLICE,
        at=T0,
        case_id="case-1",
        client_id=CLIENT,
        referral=referral(ReferralSource.LAW_ENFORCEMENT, "police-1"),
        origin=Origin.COMMUNITY,
    )
    to_treatment(region)
    seen = region.case(POLICE, "case-1")
    assert Field.HEALTH in seen.withheld and Field.PROGRAM in seen.withheld
    assert seen.medical_help == () and seen.assessment_id is None and seen.program_id is None
    assert seen.client_id == CLIENT
    agency_view = region.case(AGENCY, "case-1")
    assert agency_view.assessment_id == "a-1" and len(agency_view.medical_help) == 1
    with pytest.raises(PermissionDenied):
        region.case(Actor("police-2", Role.LAW_ENFORCEMENT, "officer-9"), "case-1")


# --- any sequence of commands ------------------------------------------------------------------

CASE_IDS = ("case-1", "case-2", "case-3")
CHART_EVENTS = [e for e in Event if e is not Event.IDENTIFY]
ROUTE = (
    Event.ENGAGE,
    Event.START_TREATMENT,
    Event.GIVE_CONSENT,
    Event.RECORD_PROGRAM,
    Event.RECORD_MEDICAL_HELP,
    Event.ADMIT,
    Event.ENTER_RESOCIALIZATION,
    Event.COMPLETE_REHABILITATION,
    Event.COMPLETE_RESOCIALIZATION,
    Event.ACHIEVE_REMISSION,
)
"""The events that move a case along the main route, drawn more often when the case's state
accepts them, so that sequences get far along it."""
GOOD_FACTS = attrs.evolve(
    admission(valid_until=date(2040, 1, 1)),
    program_id="irp-1",
    assessment_id="a-1",
    medical_help=MedicalHelp(MedicalHelpKind.DIAGNOSTICS, T0.date(), "health-1"),
    labour_outcome=LabourOutcome.EMPLOYED,
    referral=Referral(ReferralSource.FAMILY, T0.date(), "dept-1"),
)
"""Facts that meet the guards of every event."""

POLICY = default_policy()
PERMITTED = {
    event: tuple(a for a in ACTORS if a.role in POLICY.roles_for(EVENT_COMMANDS[event]))
    for event in CHART_EVENTS
}
"""The actors whose role may run each event's command (on some condition)."""


def step_of(
    data: st.DataObject, live: Mapping[str, Case], clock: datetime
) -> tuple[Actor, str, Event, datetime, Facts]:
    """One command: an actor (mostly one whose role may run the event), a case id
    (sometimes unknown), an event (mostly one of the :data:`ROUTE` the case's state
    accepts), a time (sometimes before the last
    command) and facts (half the time meeting every guard)."""
    case_id = data.draw(st.sampled_from(("case-1", "case-1", "case-2", "case-3", "case-9")))
    case = live.get(case_id)
    acceptable = [
        e
        for e in (() if case is None else allowed_events(case, GOOD_FACTS, at=clock))
        if e in ROUTE
    ]
    events = st.sampled_from(CHART_EVENTS)
    event = data.draw(
        st.one_of(*[st.sampled_from(acceptable)] * 3, events) if acceptable else events
    )
    permitted = PERMITTED[event]
    actors = st.sampled_from(ACTORS)
    actor = data.draw(st.one_of(*[st.sampled_from(permitted)] * 3, actors) if permitted else actors)
    offset = data.draw(st.one_of(st.integers(0, 3), st.integers(-2, 90)))
    facts = data.draw(st.one_of(st.just(GOOD_FACTS), any_facts()))
    return actor, case_id, event, clock + timedelta(days=offset), facts


@pytest.mark.req("SE-01")
@pytest.mark.req("SE-03")
@pytest.mark.req("PW-12")
@pytest.mark.req("PW-13")
@settings(max_examples=40)
@given(
    court=st.lists(st.booleans(), min_size=len(CASE_IDS), max_size=len(CASE_IDS)),
    count=st.integers(10, 40),
    data=st.data(),
)
def test_any_sequence_of_commands_raises_only_library_errors_and_refusals_change_nothing(
    court: list[bool], count: int, data: st.DataObject
) -> None:
    with SQLiteStore(":memory:") as store:
        region = RegionalSystem(store)
        live: dict[str, Case] = {}
        for case_id, ordered in zip(CASE_IDS, court, strict=True):
            live[case_id] = region.identify(
                COURT if ordered else POLICE,
                at=T0,
                case_id=case_id,
                client_id=CLIENT,
                referral=referral()
                if ordered
                else referral(ReferralSource.LAW_ENFORCEMENT, "police-1"),
                origin=Origin.COMMUNITY,
                court_order=ORDER if ordered else None,
            )
        clock = T0
        for _ in range(count):
            actor, case_id, event, when, facts = step_of(data, live, clock)
            before = snapshot(store)
            try:
                step = region.advance(actor, case_id, event, at=when, facts=facts)
            except ResocializeError:
                assert snapshot(store) == before
                continue
            live[case_id] = step.case
            clock = when
            assert step.case.history[-1].by == f"{actor.organization_id}/{actor.person_id}"
        assert region.cases() == live
        assert region.rebuild() == region.cases()
        assert region.verify() == ()
