"""A stateful test of the register of centers: many centers, random decisions, rules checked
after every step against a model written apart from the chart (RG-04)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from resocialize.centers import Center
from resocialize.errors import RuleViolation
from resocialize.organizations import OwnershipForm
from resocialize.qualification import CriterionOutcome, QualificationResult
from resocialize.register import (
    EMPTY_REGISTER,
    CenterRegister,
    RegisterState,
    apply,
    decide,
    included_on,
    replay_entry,
    status_on,
    update_center,
)
from resocialize.rules import Reason

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BY = "commission-1"
IDS = ["c-0", "c-1", "c-2", "c-3"]
ZONES = [UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-7))]
APP, INC, SUS, EXC, REJ, WDR = (
    RegisterState.APPLIED,
    RegisterState.INCLUDED,
    RegisterState.SUSPENDED,
    RegisterState.EXCLUDED,
    RegisterState.REJECTED,
    RegisterState.WITHDRAWN,
)
# The lifecycle as RG-04 reads, written out by hand: the model the chart must match.
LIFECYCLE = {
    (APP, "include"): INC,
    (APP, "reject"): REJ,
    (INC, "suspend"): SUS,
    (SUS, "reinstate"): INC,
    (INC, "exclude"): EXC,
    (SUS, "exclude"): EXC,
    (EXC, "reinclude"): INC,
    (APP, "withdraw"): WDR,
    (INC, "withdraw"): WDR,
    (SUS, "withdraw"): WDR,
    (REJ, "reapply"): APP,
    (WDR, "reapply"): APP,
}
QUALIFYING = {"include", "reinstate", "reinclude"}
DECISIONS = sorted({event for _, event in LIFECYCLE})
KINDS = ["none", "pass", "fail", "empty", "stale", "premature", "other"]


def center(center_id: str, version: int = 0) -> Center:
    return Center(
        center_id, f"Center {center_id}", OwnershipForm.RELIGIOUS, f"district-{version % 3}"
    )


def qualification(kind: str, center_id: str, day: date) -> QualificationResult | None:
    if kind == "none":
        return None
    on = {"stale": day - timedelta(days=1), "premature": day + timedelta(days=1)}.get(kind, day)
    owner = "c-other" if kind == "other" else center_id
    passed = kind != "fail"
    outcomes = (
        ()
        if kind == "empty"
        else (
            CriterionOutcome(
                "certification.valid",
                "valid certification",
                True,
                Reason("certification.valid", "certified"),
            ),
            CriterionOutcome(
                "findings.none_serious",
                "no serious unresolved finding",
                passed,
                Reason(
                    "findings.none_serious" if passed else "findings.serious_open",
                    "no open finding" if passed else "a serious human-rights finding is open",
                ),
            ),
        )
    )
    return QualificationResult(owner, on, outcomes)


class RegisterLifecycles(RuleBasedStateMachine):
    """Apply centers, decide random events with qualifications that pass or fail, update data."""

    def __init__(self) -> None:
        super().__init__()
        self.register: CenterRegister = EMPTY_REGISTER
        self.clock = T0
        self.first_day = T0.date()
        # the model: every accepted change as (center, at, state after), and each center's last
        self.log: list[tuple[str, datetime, RegisterState]] = []
        self.state: dict[str, RegisterState] = {}
        self.last: dict[str, datetime] = {}
        self.versions: dict[str, int] = {}

    def _at(self, hours: int, zone: int) -> datetime:
        return (self.clock + timedelta(hours=hours)).astimezone(ZONES[zone])

    def _in_order(self, center_id: str, at: datetime) -> bool:
        last = self.last.get(center_id)
        return last is None or (at >= last and at.date() >= last.date())

    def _accept(self, center_id: str, at: datetime, state: RegisterState) -> None:
        self.log.append((center_id, at, state))
        self.state[center_id] = state
        self.last[center_id] = at
        self.clock = max(self.clock, at)
        self.first_day = min(self.first_day, at.date())

    @rule(
        center_id=st.sampled_from(IDS),
        hours=st.integers(-30, 72),
        zone=st.integers(0, len(ZONES) - 1),
    )
    def apply_center(self, center_id: str, hours: int, zone: int) -> None:
        at = self._at(hours, zone)
        before = self.register
        try:
            self.register = apply(before, center(center_id), at=at, by=BY)
        except RuleViolation as refused:
            assert refused.codes == ("center.already_applied",)
            assert center_id in self.state
            assert self.register is before
            return
        assert center_id not in self.state
        self.versions[center_id] = 0
        self._accept(center_id, at, APP)

    @rule(data=st.data(), zone=st.integers(0, len(ZONES) - 1))
    def decide_event(self, data: st.DataObject, zone: int) -> None:
        # mostly decisions that could pass, often ones that cannot
        known = sorted(self.state)
        ids = st.sampled_from([*IDS, "c-never"])
        center_id = data.draw(st.one_of(st.sampled_from(known), ids) if known else ids, "center")
        state = self.state.get(center_id)
        allowed = sorted(event for (source, event) in LIFECYCLE if source is state)
        events = st.sampled_from(DECISIONS)
        event = data.draw(st.one_of(st.sampled_from(allowed), events) if allowed else events)
        kind = data.draw(st.one_of(st.just("pass"), st.sampled_from(KINDS)), "qualification")
        why = data.draw(st.one_of(st.just("the commission decided"), st.sampled_from(["", " "])))
        hours = data.draw(st.one_of(st.integers(0, 72), st.integers(-30, 72)), "hours")
        at = self._at(hours, zone)
        attached = qualification(kind, center_id, at.date())
        before = self.register
        snapshot = dict(before.entries)
        target = LIFECYCLE.get((state, event)) if state is not None else None
        expected = (
            target is not None
            and bool(why.strip())
            and self._in_order(center_id, at)
            and kind not in ("other", "premature")
            and (event not in QUALIFYING or kind == "pass")
        )
        try:
            self.register = decide(
                before, center_id, event, at=at, by=BY, why=why, qualification=attached
            )
        except RuleViolation as refused:
            assert not expected, refused.codes
            # a refused decision changes nothing and says why
            assert self.register is before and dict(before.entries) == snapshot
            assert refused.reasons
            if state is None:
                assert "center.not_applied" in refused.codes
            if target is None and state is not None:
                assert "transition.not_allowed" in refused.codes
            if not why.strip():
                assert "decision.why_missing" in refused.codes
            if kind == "other":
                assert "qualification.wrong_center" in refused.codes
            return
        assert expected, (state, event, kind, why, at)
        assert target is not None
        entry = self.register.entry(center_id)
        assert entry.state is target
        assert entry.last.at == at and entry.last.by == BY and entry.last.why == why
        assert entry.last.qualification == attached
        assert entry.history[:-1] == before.entry(center_id).history
        self._accept(center_id, at, target)

    @precondition(lambda self: self.state)
    @rule(data=st.data(), hours=st.integers(-30, 72), zone=st.integers(0, len(ZONES) - 1))
    def update_data(self, data: st.DataObject, hours: int, zone: int) -> None:
        center_id = data.draw(st.sampled_from(sorted(self.state)), label="center")
        at = self._at(hours, zone)
        version = self.versions[center_id] + 1
        try:
            self.register = update_center(
                self.register, center(center_id, version), at=at, by="inspector-1", why="inspected"
            )
        except RuleViolation as refused:
            assert refused.codes == ("time.before_last_decision",)
            assert not self._in_order(center_id, at)
            return
        assert self._in_order(center_id, at)
        assert self.register.entry(center_id).center == center(center_id, version)
        self.versions[center_id] = version
        self._accept(center_id, at, self.state[center_id])

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def entry_histories_replay(self) -> None:
        for entry in self.register.entries.values():
            assert replay_entry(entry.history) == entry

    @invariant()
    def current_states_are_the_models(self) -> None:
        assert {k: e.state for k, e in self.register.entries.items()} == self.state

    def _model_days(self) -> Iterator[tuple[date, frozenset[str], dict[str, RegisterState]]]:
        """The model's register at the end of the days around every change (the state is
        constant between them), computed from the log alone."""
        by_day = sorted(self.log, key=lambda item: item[1].date())  # stable: log order kept
        around = {self.first_day - timedelta(days=1)}
        for _, at, _ in self.log:
            around.update(at.date() + timedelta(days=d) for d in (-1, 0, 1))
        states: dict[str, RegisterState] = {}
        i = 0
        for current in sorted(around):
            while i < len(by_day) and by_day[i][1].date() <= current:
                states[by_day[i][0]] = by_day[i][2]
                i += 1
            yield current, frozenset(k for k, s in states.items() if s is INC), dict(states)

    @invariant()
    def the_register_on_every_past_day_is_what_the_history_implies(self) -> None:
        for day, included, states in self._model_days():
            assert included_on(self.register, day) == included, day
            for center_id in IDS:
                assert status_on(self.register, center_id, day) == states.get(center_id)

    @invariant()
    def the_register_at_every_recorded_instant_is_what_the_history_implies(self) -> None:
        for center_id, at, _ in self.log:
            after = [s for c, t, s in self.log if c == center_id and t <= at]
            assert status_on(self.register, center_id, at) is after[-1]

    @invariant()
    def a_center_is_never_included_without_a_qualified_result_of_that_day(self) -> None:
        for entry in self.register.entries.values():
            for change in entry.history[1:]:
                if change.target is INC and change.source is not INC:
                    q = change.qualification
                    assert q is not None and q.qualified and q.outcomes
                    assert q.center_id == entry.center_id and q.on == change.at.date()

    @invariant()
    def every_change_records_who_when_why(self) -> None:
        for entry in self.register.entries.values():
            for change in entry.history:
                assert change.by and change.why.strip() and change.at.tzinfo is not None


RegisterLifecycles.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None
)
test_register_lifecycles = pytest.mark.req("RG-04")(RegisterLifecycles.TestCase)
