"""The register of centers (RG-04): lifecycle, decisions with who, when, why, past dates."""

from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statemachine.exceptions import TransitionNotAllowed

from resocialize.centers import Center
from resocialize.errors import RuleViolation, ValidationError
from resocialize.organizations import OwnershipForm
from resocialize.qualification import CriterionOutcome, QualificationResult
from resocialize.register import (
    EMPTY_REGISTER,
    CenterRegister,
    RegisterChange,
    RegisterEntry,
    RegisterEvent,
    RegisterState,
    apply,
    center_on,
    decide,
    diagram,
    explain,
    included_on,
    register_table,
    replay_entry,
    status_on,
    update_center,
)
from resocialize.register_chart import RegisterChart, compile_table
from resocialize.rules import Reason
from resocialize.serialization import structure, unstructure

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BY = "commission-1"
DECISIONS = [e for e in RegisterEvent if e not in (RegisterEvent.APPLY, RegisterEvent.UPDATE)]
QUALIFYING = {RegisterEvent.INCLUDE, RegisterEvent.REINSTATE, RegisterEvent.REINCLUDE}

CRITERIA = [
    ("certification.valid", "certification.expired", "a valid certification on the date"),
    ("staff.minimum", "staff.too_few", "enough staff for the places"),
    ("findings.none_serious", "findings.serious_open", "no serious unresolved finding"),
]


def center(center_id: str = "c-1", municipality: str = "north") -> Center:
    return Center(center_id, f"Center {center_id}", OwnershipForm.NON_GOVERNMENTAL, municipality)


def result(center_id: str, on: date, *passed: bool) -> QualificationResult:
    outcomes = tuple(
        CriterionOutcome(
            code,
            description,
            ok,
            Reason(code if ok else failure, f"{description}: {'met' if ok else 'not met'}"),
        )
        for (code, failure, description), ok in zip(CRITERIA, passed, strict=False)
    )
    return QualificationResult(center_id, on, outcomes)


def passing(center_id: str = "c-1", on: date | None = None) -> QualificationResult:
    return result(center_id, on or T0.date(), True, True, True)


def failing(center_id: str = "c-1", on: date | None = None) -> QualificationResult:
    return result(center_id, on or T0.date(), True, False, False)


def applied(center_id: str = "c-1", at: datetime = T0) -> CenterRegister:
    return apply(EMPTY_REGISTER, center(center_id), at=at, by=BY)


def day(n: int, hour: int = 10) -> datetime:
    """``n`` days after T0's day, at ``hour`` UTC."""
    return datetime.combine(T0.date() + timedelta(days=n), datetime.min.time(), UTC).replace(
        hour=hour
    )


def included(center_id: str = "c-1") -> CenterRegister:
    register = applied(center_id)
    return decide(
        register,
        center_id,
        "include",
        at=day(1),
        by=BY,
        why="meets the criteria",
        qualification=passing(center_id, day(1).date()),
    )


def codes(call: object) -> tuple[str, ...]:
    assert callable(call)
    with pytest.raises(RuleViolation) as refused:
        call()
    return refused.value.codes


# --- the lifecycle -------------------------------------------------------------------------------


@pytest.mark.req("RG-04")
def test_a_center_applies_and_its_entry_opens_in_applied() -> None:
    register = applied()
    entry = register.entry("c-1")
    assert entry.state is RegisterState.APPLIED
    assert entry.since == T0
    assert entry.center == center()
    assert entry.history[0].event is RegisterEvent.APPLY
    assert entry.history[0].source is None
    assert EMPTY_REGISTER.entries == {}, "applying returns a new register"


@pytest.mark.req("RG-04")
def test_inclusion_refused_when_the_center_does_not_qualify() -> None:
    register = applied()
    with pytest.raises(RuleViolation) as refused:
        decide(
            register,
            "c-1",
            RegisterEvent.INCLUDE,
            at=day(1),
            by=BY,
            why="meets the criteria",
            qualification=failing("c-1", day(1).date()),
        )
    assert refused.value.codes == ("qualification.failed", "staff.too_few", "findings.serious_open")
    summary = refused.value.reasons[0]
    assert summary.details["failed"] == "staff.minimum, findings.none_serious"
    assert register.entry("c-1").state is RegisterState.APPLIED


@pytest.mark.req("RG-04")
def test_inclusion_refused_without_a_qualification_of_the_decision_day() -> None:
    register = applied()

    def include(qualification: QualificationResult | None) -> tuple[str, ...]:
        return codes(
            lambda: decide(
                register, "c-1", "include", at=day(5), by=BY, why="ok", qualification=qualification
            )
        )

    assert include(None) == ("qualification.missing",)
    assert include(passing("c-1", day(4).date())) == ("qualification.stale",)
    assert include(passing("c-1", day(6).date())) == ("qualification.premature",)
    assert include(failing("c-1", day(3).date())) == (
        "qualification.stale",
        "qualification.failed",
        "staff.too_few",
        "findings.serious_open",
    )


@pytest.mark.req("RG-04")
def test_the_decision_day_is_the_day_the_decision_carries_in_its_own_offset() -> None:
    register = applied()
    late = datetime(2026, 3, 3, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 4 March UTC
    new = decide(
        register,
        "c-1",
        "include",
        at=late,
        by=BY,
        why="ok",
        qualification=passing("c-1", date(2026, 3, 3)),
    )
    assert new.entry("c-1").state is RegisterState.INCLUDED


@pytest.mark.req("RG-04")
def test_inclusion_refused_with_a_qualification_of_another_center() -> None:
    register = applied()
    got = codes(
        lambda: decide(
            register,
            "c-1",
            "include",
            at=day(1),
            by=BY,
            why="ok",
            qualification=passing("c-2", day(1).date()),
        )
    )
    assert got == ("qualification.wrong_center",)


@pytest.mark.req("RG-04")
def test_inclusion_refused_when_the_qualification_evaluated_no_criterion() -> None:
    register = applied()
    empty = QualificationResult("c-1", day(1).date(), ())
    assert empty.qualified, "vacuously true, which is why the register refuses it"
    got = codes(
        lambda: decide(register, "c-1", "include", at=day(1), by=BY, why="ok", qualification=empty)
    )
    assert got == ("qualification.empty",)


@pytest.mark.req("RG-04")
def test_a_refusal_lists_every_unmet_condition() -> None:
    register = included()
    got = codes(
        lambda: decide(
            register,
            "c-1",
            "reapply",
            at=day(0),
            by=BY,
            why="  ",
            qualification=passing("c-2", day(2).date()),
        )
    )
    assert got == (
        "transition.not_allowed",
        "time.before_last_decision",
        "qualification.wrong_center",
        "qualification.premature",
        "decision.why_missing",
    )


@pytest.mark.req("RG-04")
def test_every_decision_records_who_when_why() -> None:
    register = included()
    register = decide(
        register,
        "c-1",
        "suspend",
        at=day(3),
        by="commission-2",
        why="inspection found a serious violation",
        qualification=failing("c-1", day(3).date()),
    )
    entry = register.entry("c-1")
    first, inclusion, suspension = entry.history
    assert (first.by, first.at, first.why) == (BY, T0, "application for inclusion in the register")
    assert (inclusion.by, inclusion.at, inclusion.why) == (BY, day(1), "meets the criteria")
    assert inclusion.qualification == passing("c-1", day(1).date())
    assert suspension == RegisterChange(
        day(3),
        "commission-2",
        RegisterEvent.SUSPEND,
        RegisterState.INCLUDED,
        RegisterState.SUSPENDED,
        "inspection found a serious violation",
        failing("c-1", day(3).date()),
    )
    assert entry.state is RegisterState.SUSPENDED and entry.since == day(3)


@pytest.mark.req("RG-04")
@pytest.mark.parametrize(
    ("event", "start"),
    [
        ("reject", "applied"),
        ("suspend", "included"),
        ("exclude", "included"),
        ("withdraw", "included"),
        ("include", "applied"),
    ],
)
def test_every_decision_needs_a_reason_text(event: str, start: str) -> None:
    register = applied() if start == "applied" else included()
    qualification = passing("c-1", day(2).date())
    got = codes(
        lambda: decide(
            register, "c-1", event, at=day(2), by=BY, why="", qualification=qualification
        )
    )
    assert got == ("decision.why_missing",)
    done = decide(register, "c-1", event, at=day(2), by=BY, why="x", qualification=qualification)
    assert done.entry("c-1").last.why == "x"


@pytest.mark.req("RG-04")
def test_suspension_reinstatement_exclusion_and_reinclusion() -> None:
    register = included()
    register = decide(register, "c-1", "suspend", at=day(2), by=BY, why="open finding")
    assert codes(lambda: decide(register, "c-1", "reinstate", at=day(3), by=BY, why="fixed")) == (
        "qualification.missing",
    )
    register = decide(
        register,
        "c-1",
        "reinstate",
        at=day(3),
        by=BY,
        why="finding resolved",
        qualification=passing("c-1", day(3).date()),
    )
    register = decide(register, "c-1", "exclude", at=day(4), by=BY, why="human-rights violation")
    assert codes(
        lambda: decide(
            register,
            "c-1",
            "reinclude",
            at=day(9),
            by=BY,
            why="re-certified",
            qualification=failing("c-1", day(9).date()),
        )
    ) == ("qualification.failed", "staff.too_few", "findings.serious_open")
    register = decide(
        register,
        "c-1",
        "reinclude",
        at=day(9),
        by=BY,
        why="re-certified",
        qualification=passing("c-1", day(9).date()),
    )
    entry = register.entry("c-1")
    assert [c.event.value for c in entry.history] == [
        "apply",
        "include",
        "suspend",
        "reinstate",
        "exclude",
        "reinclude",
    ]
    assert entry.state is RegisterState.INCLUDED and entry.since == day(9)


@pytest.mark.req("RG-04")
def test_a_center_applies_once_and_reapplies_after_rejection_or_withdrawal() -> None:
    register = applied()
    assert codes(lambda: apply(register, center(), at=day(1), by=BY)) == ("center.already_applied",)
    register = decide(register, "c-1", "reject", at=day(1), by=BY, why="no certification")
    assert codes(lambda: apply(register, center(), at=day(2), by=BY)) == ("center.already_applied",)
    register = decide(register, "c-1", "reapply", at=day(30), by=BY, why="certified now")
    assert register.entry("c-1").state is RegisterState.APPLIED
    register = decide(register, "c-1", "withdraw", at=day(31), by="c-1", why="closing")
    register = decide(register, "c-1", "reapply", at=day(60), by="c-1", why="reopened")
    assert register.entry("c-1").state is RegisterState.APPLIED
    assert len(register.entries) == 1, "one entry per center, for the register's whole life"


@pytest.mark.req("RG-04")
def test_decision_for_a_center_that_never_applied_is_refused() -> None:
    assert codes(lambda: decide(EMPTY_REGISTER, "c-7", "suspend", at=T0, by=BY, why="x")) == (
        "center.not_applied",
    )
    assert codes(lambda: EMPTY_REGISTER.entry("c-7")) == ("center.not_applied",)
    assert codes(lambda: update_center(EMPTY_REGISTER, center("c-7"), at=T0, by=BY, why="x")) == (
        "center.not_applied",
    )


@pytest.mark.req("RG-04")
def test_decisions_out_of_time_order_are_refused() -> None:
    register = included()
    earlier = day(1) - timedelta(minutes=1)
    assert codes(lambda: decide(register, "c-1", "suspend", at=earlier, by=BY, why="x")) == (
        "time.before_last_decision",
    )
    # a later instant that falls on an earlier day, read in its own offset
    west = (day(1) + timedelta(hours=1)).astimezone(timezone(timedelta(hours=-12)))
    assert west > day(1) and west.date() < day(1).date()
    assert codes(lambda: decide(register, "c-1", "suspend", at=west, by=BY, why="x")) == (
        "time.before_last_decision",
    )
    same = decide(register, "c-1", "suspend", at=day(1), by=BY, why="same instant is fine")
    assert same.entry("c-1").state is RegisterState.SUSPENDED
    # another center's decisions are not ordered against this one's
    other = apply(register, center("c-2"), at=T0 - timedelta(days=30), by=BY)
    assert other.entry("c-2").since == T0 - timedelta(days=30)


@pytest.mark.req("RG-04")
def test_a_refused_decision_changes_nothing() -> None:
    register = included()
    before = unstructure(register)
    with pytest.raises(RuleViolation):
        decide(register, "c-1", "reinclude", at=day(2), by=BY, why="x")
    with pytest.raises(RuleViolation):
        update_center(register, center(), at=day(0), by=BY, why="x")
    assert unstructure(register) == before


# --- the register on a past date -----------------------------------------------------------------


@pytest.mark.req("RG-04")
def test_register_state_on_a_past_date() -> None:
    register = included("c-1")  # applied on day 0, included on day 1 at 10:00
    register = apply(register, center("c-2"), at=day(1), by=BY)
    register = decide(
        register,
        "c-2",
        "include",
        at=day(2),
        by=BY,
        why="ok",
        qualification=passing("c-2", day(2).date()),
    )
    register = decide(register, "c-1", "suspend", at=day(3, hour=15), by=BY, why="finding")
    register = decide(register, "c-2", "exclude", at=day(5), by=BY, why="violation")

    assert status_on(register, "c-1", day(-1).date()) is None
    assert status_on(register, "c-1", day(0).date()) is RegisterState.APPLIED
    assert status_on(register, "c-1", day(3).date()) is RegisterState.SUSPENDED  # end of day
    assert status_on(register, "c-1", day(3, hour=12)) is RegisterState.INCLUDED  # an instant
    assert status_on(register, "c-1", day(3, hour=15)) is RegisterState.SUSPENDED
    assert status_on(register, "c-9", day(3).date()) is None

    assert included_on(register, day(0).date()) == frozenset()
    assert included_on(register, day(1).date()) == {"c-1"}
    assert included_on(register, day(2).date()) == {"c-1", "c-2"}
    assert included_on(register, day(3).date()) == {"c-2"}
    assert included_on(register, day(3, hour=12)) == {"c-1", "c-2"}
    assert included_on(register, day(5).date()) == frozenset()
    assert included_on(register, day(400).date()) == frozenset()


@pytest.mark.req("RG-04")
def test_center_data_updates_keep_every_version() -> None:
    register = included()
    moved = attrs.evolve(center(), municipality="south")
    register = update_center(register, moved, at=day(4), by="inspector-1", why="new address")
    entry = register.entry("c-1")
    assert entry.center == moved
    assert entry.state is RegisterState.INCLUDED and entry.since == day(1), "no state change"
    assert entry.last.event is RegisterEvent.UPDATE and entry.last.center == moved
    assert center_on(register, "c-1", day(3).date()) == center()
    assert center_on(register, "c-1", day(4).date()) == moved
    assert center_on(register, "c-1", day(-1).date()) is None
    assert center_on(register, "c-9", day(4).date()) is None
    assert codes(lambda: update_center(register, moved, at=day(5), by=BY, why=" ")) == (
        "decision.why_missing",
    )


# --- replay, consistency, JSON -------------------------------------------------------------------


@st.composite
def walks(draw: st.DrawFn) -> CenterRegister:
    """A register of one center after a random walk of accepted decisions and updates."""
    register = applied()
    at = T0
    for _ in range(draw(st.integers(0, 12))):
        at += timedelta(hours=draw(st.integers(0, 60)))
        if draw(st.booleans()) and draw(st.booleans()):
            data = attrs.evolve(center(), municipality=draw(st.sampled_from(["north", "south"])))
            register = update_center(register, data, at=at, by=BY, why="new data")
            continue
        state = register.entry("c-1").state
        event = draw(st.sampled_from(register_table().events_from(state)))
        register = decide(
            register,
            "c-1",
            event,
            at=at,
            by=BY,
            why="decided",
            qualification=passing("c-1", at.date()) if event in QUALIFYING else None,
        )
    return register


@pytest.mark.req("RG-04")
@given(register=walks())
def test_entry_history_replays(register: CenterRegister) -> None:
    entry = register.entry("c-1")
    assert replay_entry(entry.history) == entry
    assert replay_entry(list(entry.history)) == entry


@pytest.mark.req("RG-04")
@given(register=walks())
def test_register_round_trips_through_json(register: CenterRegister) -> None:
    assert structure(unstructure(register), CenterRegister) == register
    entry = register.entry("c-1")
    assert structure(unstructure(entry), RegisterEntry) == entry


@pytest.mark.req("RG-04")
def test_a_register_read_from_json_with_an_edited_state_is_refused() -> None:
    data = unstructure(included())
    data["entries"]["c-1"]["state"] = "suspended"
    with pytest.raises(ValidationError) as bad:
        structure(data, CenterRegister)
    assert bad.value.paths == ('$.entries["c-1"].state',)


@pytest.mark.req("RG-04")
def test_replay_refuses_an_inclusion_without_a_passing_qualification() -> None:
    history = included().entry("c-1").history
    forged = (history[0], attrs.evolve(history[1], qualification=failing("c-1", day(1).date())))
    with pytest.raises(ValidationError) as bad:
        replay_entry(forged)
    assert bad.value.paths == ("history[1].qualification",)
    assert "qualification.failed" in str(bad.value)
    data = unstructure(included())
    data["entries"]["c-1"]["history"][1]["qualification"] = None
    with pytest.raises(ValidationError) as bad:
        structure(data, CenterRegister)
    assert bad.value.paths == ('$.entries["c-1"].history[1].qualification',)


@pytest.mark.req("RG-04")
def test_replay_refuses_histories_that_do_not_follow_the_chart() -> None:
    history = included().entry("c-1").history
    opening, inclusion = history
    cases = {
        "history": [],
        "history[0]": [inclusion],
        "history[1].at": [opening, attrs.evolve(inclusion, at=T0 - timedelta(hours=1))],
        "history[1].source": [opening, attrs.evolve(inclusion, source=RegisterState.INCLUDED)],
        "history[1]": [opening, attrs.evolve(inclusion, target=RegisterState.EXCLUDED)],
        "history[1].event": [opening, opening],
        "history[1].center": [opening, attrs.evolve(inclusion, center=center())],
    }
    for path, forged in cases.items():
        with pytest.raises(ValidationError) as bad:
            replay_entry(forged)
        assert bad.value.paths == (path,), path
    with pytest.raises(ValidationError):
        replay_entry("not a history")  # type: ignore[arg-type]


@pytest.mark.req("RG-04")
def test_an_entry_whose_fields_disagree_with_its_history_is_refused() -> None:
    entry = included().entry("c-1")
    with pytest.raises(ValidationError) as bad:
        attrs.evolve(entry, state=RegisterState.EXCLUDED, since=T0)
    assert bad.value.paths == ("state", "since")
    with pytest.raises(ValidationError) as bad:
        CenterRegister({"c-2": entry})
    assert bad.value.paths == ("entries['c-2']",)


@pytest.mark.req("RG-04")
def test_registers_are_frozen_values_that_pickle() -> None:
    register = included()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        register.entries = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        register.entries["c-2"] = register.entry("c-1")  # type: ignore[index]
    assert pickle.loads(pickle.dumps(register)) == register
    assert hash(register) == hash(included())


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.req("RG-04")
def test_bad_arguments_raise_validation_error_with_every_path() -> None:
    with pytest.raises(ValidationError) as bad:
        decide(
            {},  # type: ignore[arg-type]
            "c 1",
            "promote",
            at=datetime(2026, 3, 2),
            by="",
            why=None,  # type: ignore[arg-type]
            qualification="yes",  # type: ignore[arg-type]
        )
    assert bad.value.paths == ("register", "center_id", "event", "at", "by", "why", "qualification")
    with pytest.raises(ValidationError) as bad:
        apply(EMPTY_REGISTER, "c-1", at=T0.replace(tzinfo=None), by=BY)  # type: ignore[arg-type]
    assert bad.value.paths == ("center", "at")
    with pytest.raises(ValidationError) as bad:
        update_center(EMPTY_REGISTER, center(), at=T0, by=BY, why=3)  # type: ignore[arg-type]
    assert bad.value.paths == ("why",)
    with pytest.raises(ValidationError) as bad:
        status_on(EMPTY_REGISTER, 7, "2026-03-02")  # type: ignore[arg-type]
    assert bad.value.paths == ("when", "center_id")
    with pytest.raises(ValidationError) as bad:
        included_on(EMPTY_REGISTER, datetime(2026, 3, 2))
    assert bad.value.paths == ("when",)
    with pytest.raises(ValidationError) as bad:
        RegisterEntry(1, "open", T0, None, 5)  # type: ignore[arg-type]
    assert bad.value.paths == ("center_id", "state", "center", "history")
    with pytest.raises(ValidationError) as bad:
        CenterRegister([1, 2])
    assert bad.value.paths == ("entries",)


@pytest.mark.req("RG-04")
def test_a_malformed_qualification_is_bad_input_not_a_type_error() -> None:
    register = applied()
    for bad, message in [
        (QualificationResult("c-1", "2026-03-03", ()), "on must be a date"),  # type: ignore[arg-type]
        (QualificationResult("c-1", day(1), ()), "on must be a date, not a datetime"),
        (QualificationResult("c-1", day(1).date(), [1]), "outcomes must be a tuple"),  # type: ignore[arg-type]
        (QualificationResult("c-1", day(1).date(), (1,)), "outcomes[0] must be"),  # type: ignore[arg-type]
    ]:
        with pytest.raises(ValidationError) as err:
            decide(register, "c-1", "include", at=day(1), by=BY, why="x", qualification=bad)
        assert err.value.paths == ("qualification",)
        assert message in str(err.value)
    with pytest.raises(ValidationError) as err:
        register.entry(1)  # type: ignore[arg-type]
    assert err.value.paths == ("center_id",)


@pytest.mark.req("RG-04")
def test_apply_and_update_are_not_decisions() -> None:
    register = applied()
    for event in ("apply", RegisterEvent.UPDATE):
        with pytest.raises(ValidationError) as bad:
            decide(register, "c-1", event, at=day(1), by=BY, why="x")
        assert bad.value.paths == ("event",)


@pytest.mark.req("RG-04")
@given(
    event=st.sampled_from(DECISIONS),
    start=st.sampled_from(["applied", "included"]),
    hours=st.integers(-30, 60),
    why=st.sampled_from(["", "because"]),
    qualification=st.sampled_from(["none", "pass", "fail", "other", "stale"]),
)
def test_explain_answers_as_decide_does(
    event: RegisterEvent, start: str, hours: int, why: str, qualification: str
) -> None:
    register = applied() if start == "applied" else included()
    at = day(1) + timedelta(hours=hours)
    attached = {
        "none": None,
        "pass": passing("c-1", at.date()),
        "fail": failing("c-1", at.date()),
        "other": passing("c-2", at.date()),
        "stale": passing("c-1", at.date() - timedelta(days=1)),
    }[qualification]
    answer = explain(register, "c-1", event, at=at, why=why, qualification=attached)
    if answer.allowed:
        decide(register, "c-1", event, at=at, by=BY, why=why, qualification=attached)
    else:
        with pytest.raises(RuleViolation) as refused:
            decide(register, "c-1", event, at=at, by=BY, why=why, qualification=attached)
        assert refused.value.codes == answer.codes


# --- the chart is the one definition -------------------------------------------------------------


def live_chart() -> RegisterChart:
    chart = RegisterChart()
    # the defaults of StateChart would ignore bad events and swallow guard errors
    assert chart.allow_event_without_transition is False
    assert chart.catch_errors_as_events is False
    return chart


@pytest.mark.req("RG-04")
@given(data=st.data())
def test_compiled_table_agrees_with_the_live_chart_on_every_step(data: st.DataObject) -> None:
    register = applied()
    chart = live_chart()
    at = T0
    for _ in range(data.draw(st.integers(1, 30), label="steps")):
        at += timedelta(hours=data.draw(st.integers(0, 60), label="hours"))
        state = register.entry("c-1").state
        allowed = register_table().events_from(state)
        event = data.draw(
            st.one_of(st.sampled_from(allowed), st.sampled_from(DECISIONS)), label="event"
        )
        kind = data.draw(st.sampled_from(["none", "pass", "fail", "stale", "empty"]), label="q")
        qualification = {
            "none": None,
            "pass": passing("c-1", at.date()),
            "fail": failing("c-1", at.date()),
            "stale": passing("c-1", at.date() - timedelta(days=1)),
            "empty": QualificationResult("c-1", at.date(), ()),
        }[kind]
        try:
            new = decide(
                register, "c-1", event, at=at, by=BY, why="decided", qualification=qualification
            )
            by_table = True
        except RuleViolation:
            new, by_table = register, False
        try:
            chart.send(event.value, center_id="c-1", at=at, qualification=qualification)
            by_chart = True
        except TransitionNotAllowed:
            by_chart = False
        assert by_table == by_chart, (state, event, kind)
        register = new
        assert chart.current_state_value == register.entry("c-1").state


def test_table_holds_exactly_the_charts_transitions() -> None:
    table = compile_table()
    from_chart = {
        (RegisterState(s.value), RegisterEvent(e.id), RegisterState(t.target.value))
        for s in RegisterChart.states
        for t in s.transitions
        for e in t.events
    }
    assert {(s, e, m.target) for (s, e), m in table.moves.items()} == from_chart
    assert table.initial is RegisterState.APPLIED
    assert set(table.states) == set(RegisterState)
    assert set(table.events) == set(DECISIONS)
    guarded = {event for (_, event), move in table.moves.items() if move.guard_names}
    assert guarded == QUALIFYING, "exactly the events that put a center in the register"
    assert {m.target for (_, e), m in table.moves.items() if e in QUALIFYING} == {
        RegisterState.INCLUDED
    }
    assert all(e in QUALIFYING for (s, e), m in table.moves.items() if m.target is s.INCLUDED)


def test_diagram_is_drawn_from_the_chart() -> None:
    text = diagram()
    assert text.startswith("stateDiagram-v2\n    [*] --> applied\n")
    for (source, event), move in register_table().moves.items():
        assert f"    {source.value} --> {move.target.value}: {event.value}\n" in text
    assert "include [qualified]" in diagram(guards=True)


def test_register_loads_the_chart_only_when_used() -> None:
    code = (
        "import sys, resocialize.register as r; a = 'statemachine' in sys.modules;"
        "r.register_table(); print(a, 'statemachine' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["False", "True"]
