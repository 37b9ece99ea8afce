"""The public Hypothesis strategies draw valid values, and cases reach every state."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from resocialize.facts import Facts
from resocialize.guards import GUARDS, add_months
from resocialize.organizations import OwnershipForm
from resocialize.pathway import (
    DEFAULT_RULES,
    Case,
    Event,
    HistoryEntry,
    PathwayRules,
    State,
    advance,
    allowed_events,
    identify,
    pathway_table,
    replay,
)
from resocialize.records import RECORD_TAGS, Origin, Referral, ReferralSource
from resocialize.rules import Decision
from resocialize.testing import strategies
from resocialize.testing.strategies import (
    aware_datetimes,
    cases,
    center_standings,
    certificate_standings,
    contract_standings,
    dates,
    decisions,
    events,
    facts,
    facts_for,
    histories,
    pathway_rules,
    records,
)

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
OFFSETS = {timedelta(hours=h) for h in (0, 1, 2, 3)}

walks = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Walks take a few milliseconds per step; a loaded machine must not fail on time."""

searching = settings(
    max_examples=10000, phases=[Phase.generate], database=None, derandomize=True, deadline=None
)
"""For ``find``: generate until found, no shrinking. Most searches end within a few
hundred examples; the long road of a court-ordered client through a relapse into remission
may take several thousand, and the count moves as the code grows (Hypothesis mixes the
constants of the loaded modules into what it generates)."""


def _times_of(case: Case) -> list[datetime]:
    return [entry.at for entry in case.history]


# --- cases ----------------------------------------------------------------------------------


@pytest.mark.req("PW-12")
@walks
@given(cases())
def test_every_generated_case_replays_to_itself(case: Case) -> None:
    assert replay(case.history) == case
    assert case.version == len(case.history)
    times = _times_of(case)
    assert all(t.tzinfo is not None and t.utcoffset() in OFFSETS for t in times)
    assert times == sorted(times)
    assert all(EARLIEST <= t <= LATEST for t in times)


@settings(walks, max_examples=30)
@given(histories(max_events=10))
def test_generated_histories_open_with_identify_and_replay(
    history: tuple[HistoryEntry, ...],
) -> None:
    assert history[0].event is Event.IDENTIFY
    case = replay(history)
    assert case.history == history
    assert len(history) <= 11


@settings(walks, max_examples=25)
@given(st.data())
def test_cases_obey_the_rules_they_are_walked_under(data: st.DataObject) -> None:
    rules = data.draw(pathway_rules())
    case = data.draw(cases(max_events=20, rules=rules))
    assert replay(case.history) == case
    entered: datetime | None = None
    for entry in case.history:
        if entry.event is Event.ACHIEVE_REMISSION:
            assert entered is not None
            assert entry.at.date() >= add_months(entered.date(), rules.remission_months)
        if entry.target is State.PATRONAGE and entry.source is not State.PATRONAGE:
            entered = entry.at


@settings(walks, max_examples=10)
@given(cases(max_events=5, client_id="cl-fixed"))
def test_cases_keep_a_given_client_id(case: Case) -> None:
    assert case.client_id == "cl-fixed"
    assert len(case.history) <= 6


def test_every_state_is_reached_by_some_case() -> None:
    reached: set[State] = set()

    @settings(walks, max_examples=200, database=None, derandomize=True)
    @given(cases())
    def collect(case: Case) -> None:
        reached.update(entry.target for entry in case.history)

    collect()
    assert reached == set(State)


@pytest.mark.parametrize(
    "state",
    [
        State.SOCIAL_REHABILITATION,
        State.PATRONAGE,
        State.SUSTAINED_REMISSION,
        State.RELAPSED,
        State.PRE_RELEASE,
        State.DECEASED,
    ],
)
def test_cases_reach_each_state_of_interest(state: State) -> None:
    case = find(cases(), lambda c: any(e.target is state for e in c.history), settings=searching)
    assert replay(case.history) == case


def test_cases_stop_in_states_beside_the_road() -> None:
    beside = {State.CUSTODY, State.PRE_RELEASE, State.DROPPED_OUT, State.CONSENT_WITHDRAWN}
    case = find(cases(), lambda c: c.state in beside, settings=searching)
    assert replay(case.history) == case


def test_cases_reach_remission_after_a_relapse_and_a_court_order() -> None:
    def long_road(case: Case) -> bool:
        return (
            case.court_ordered
            and case.relapse_count > 0
            and case.state is State.SUSTAINED_REMISSION
        )

    case = find(cases(), long_road, settings=searching)
    assert replay(case.history) == case


def test_case_arguments_are_checked() -> None:
    with pytest.raises(InvalidArgument):
        cases(max_events=-1)
    with pytest.raises(InvalidArgument):
        cases(rules="strict")  # type: ignore[arg-type]


# --- facts -------------------------------------------------------------------------------


def _ready_for_admission(*, minor: bool = False, origin: Origin = Origin.COMMUNITY) -> Case:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    referral = Referral(ReferralSource.SOCIAL_SERVICE, date(2026, 3, 1), "dept-north")
    case = identify(
        "case-1", "cl-7f3k", referral=referral, origin=origin, at=at, by="o-1", minor=minor
    )
    for event, extra in [
        (Event.ENGAGE, Facts()),
        (Event.START_TREATMENT, Facts()),
        (Event.GIVE_CONSENT, Facts()),
        (Event.RECORD_PROGRAM, Facts(program_id="program-1")),
    ]:
        case = advance(case, event, at=at, by="o-1", facts=extra).case
    return case


AT = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("minor", [False, True])
def test_facts_for_admission_are_sometimes_satisfying(minor: bool) -> None:
    case = _ready_for_admission(minor=minor)
    found = find(
        facts_for(case, AT),
        lambda f: Event.ADMIT in allowed_events(case, f, at=AT),
        settings=searching,
    )
    assert found.certificate is not None and found.certificate.client_id == case.client_id
    assert found.center is not None
    if minor:
        assert found.center.ownership is OwnershipForm.STATE
    step = advance(case, Event.ADMIT, at=AT, by="o-1", facts=found)
    assert step.case.state is State.SOCIAL_REHABILITATION


@pytest.mark.parametrize(
    "code",
    [
        "certificate.other_client",
        "certificate.expired",
        "certificate.not_yet_valid",
        "certificate.inactive",
        "certificate.placed_elsewhere",
        "contract.unsigned",
        "contract.other_center",
        "center.no_free_place",
        "center.not_qualified",
        "center.missing",
    ],
)
def test_facts_for_admission_are_sometimes_refused_for_each_reason(code: str) -> None:
    case = _ready_for_admission()
    move = pathway_table().moves[(case.state, Event.ADMIT)]

    def refused_for(f: Facts) -> bool:
        return any(r.code == code for g in move.guards for r in g(case, f, AT, DEFAULT_RULES))

    find(facts_for(case, AT), refused_for, settings=searching)


def test_facts_for_a_minor_are_sometimes_refused_for_a_non_state_center() -> None:
    case = _ready_for_admission(minor=True)
    guard = GUARDS["minor_in_state_center"]
    find(
        facts_for(case, AT),
        lambda f: bool(guard(case, f, AT, DEFAULT_RULES)),
        settings=searching,
    )


@settings(walks, max_examples=50)
@given(st.data())
def test_facts_for_supply_only_what_possible_events_read(data: st.DataObject) -> None:
    case = data.draw(cases(max_events=12))
    at = case.history[-1].at + timedelta(days=data.draw(st.integers(0, 400)))
    drawn = data.draw(facts_for(case, at))
    possible = set(pathway_table().events_from(case.state))
    allowed = allowed_events(case, drawn, at=at)
    assert set(allowed) <= possible
    if Event.REFER not in possible:
        assert drawn.referral is None
    if drawn.referral is not None:
        assert drawn.referral.on <= at.date()
    if not possible & {Event.ADMIT, Event.TRANSFER}:
        assert drawn.certificate is None and drawn.contract is None and drawn.center is None
    if Event.COMPLETE_RESOCIALIZATION not in possible:
        assert drawn.labour_outcome is None
    for event in allowed:
        advance(case, event, at=at, by="o-1", facts=drawn)


def test_facts_for_checks_its_arguments() -> None:
    case = _ready_for_admission()
    with pytest.raises(InvalidArgument):
        facts_for(case, datetime(2026, 4, 1))
    with pytest.raises(InvalidArgument):
        facts_for("case-1", AT)  # type: ignore[arg-type]


@given(facts())
def test_arbitrary_facts_construct(value: Facts) -> None:
    assert isinstance(value, Facts)


# --- standings --------------------------------------------------------------------------------


@given(certificate_standings(), contract_standings(), center_standings())
def test_standings_construct(cert: object, contract: object, center: object) -> None:
    assert cert is not None and contract is not None and center is not None


@given(st.data(), dates(max_value=date(2099, 1, 1)))
def test_standings_take_what_they_are_given(data: st.DataObject, day: date) -> None:
    cert = data.draw(certificate_standings("cl-1", "center-1", valid_on=day, active=True))
    assert (cert.client_id, cert.center_id, cert.active) == ("cl-1", "center-1", True)
    assert cert.valid_from <= day <= cert.valid_until
    contract = data.draw(contract_standings("cl-1", "center-1", signed=False))
    assert (contract.client_id, contract.center_id, contract.signed) == (
        "cl-1",
        "center-1",
        False,
    )
    center = data.draw(center_standings("center-1", admitting=True))
    assert center.in_register and center.qualified and center.runs_stage_iii_program
    assert center.free_places >= 1


# --- times, reasons, records, events -----------------------------------------------------------


@given(aware_datetimes())
def test_datetimes_are_aware_with_fixed_offsets_between_2000_and_2100(value: datetime) -> None:
    assert value.tzinfo is not None
    assert value.utcoffset() in OFFSETS
    assert EARLIEST <= value <= LATEST


@given(st.data())
def test_datetimes_respect_their_bounds(data: st.DataObject) -> None:
    low, high = sorted([data.draw(aware_datetimes()), data.draw(aware_datetimes())])
    value = data.draw(aware_datetimes(low, high))
    assert low <= value <= high
    assert value.utcoffset() is not None


def test_datetime_bounds_are_checked() -> None:
    with pytest.raises(InvalidArgument):
        aware_datetimes(min_value=datetime(2020, 1, 1))
    with pytest.raises(InvalidArgument):
        aware_datetimes(LATEST, EARLIEST)


@given(dates())
def test_dates_lie_between_2000_and_2100(value: date) -> None:
    assert date(2000, 1, 1) <= value <= date(2100, 1, 1)


@given(decisions())
def test_decisions_are_allowed_exactly_without_reasons(decision: Decision) -> None:
    assert decision.allowed == (not decision.reasons)
    for reason in decision.reasons:
        assert reason.message.strip()


@given(records())
def test_records_are_of_the_tagged_kinds(record: object) -> None:
    assert type(record) in RECORD_TAGS


@given(events())
def test_events_are_chart_events(event: Event) -> None:
    assert event is not Event.IDENTIFY
    assert event in pathway_table().events


@given(pathway_rules())
def test_pathway_rules_construct(rules: PathwayRules) -> None:
    assert 1 <= rules.remission_months <= 120


@pytest.mark.parametrize("name", sorted(strategies.__all__))
def test_every_public_name_makes_a_strategy(name: str) -> None:
    function = getattr(strategies, name)
    needed = [p for p in inspect.signature(function).parameters.values() if p.default is p.empty]
    if needed:  # facts_for(case, at), reports_of(identity): shown elsewhere
        return
    assert isinstance(function(), st.SearchStrategy)
