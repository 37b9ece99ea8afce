"""A stateful test of case lifecycles: many cases, random events, rules checked every step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from _builders import BY, T0, any_facts
from resocialize.errors import RuleViolation
from resocialize.pathway import (
    Case,
    Event,
    advance,
    allowed_events,
    identify,
    pathway_table,
    replay,
)
from resocialize.records import CourtMeasure, CourtOrder, Origin, Referral, ReferralSource

CHART_EVENTS = [e for e in Event if e is not Event.IDENTIFY]


class CaseLifecycles(RuleBasedStateMachine):
    """Open cases, send them events (often allowed ones, often not), and check the rules."""

    def __init__(self) -> None:
        super().__init__()
        self.cases: dict[str, Case] = {}
        self.clock = T0
        self.table = pathway_table()

    @rule(
        origin=st.sampled_from(list(Origin)),
        source=st.sampled_from(list(ReferralSource)),
        minor=st.booleans(),
        court=st.booleans(),
    )
    def open_case(self, origin: Origin, source: ReferralSource, minor: bool, court: bool) -> None:
        case_id = f"case-{len(self.cases)}"
        order = CourtOrder("court-1", "1/1", self.clock.date(), CourtMeasure.ADDITIONAL_MEASURE)
        self.cases[case_id] = identify(
            case_id,
            "cl-test0001",
            referral=Referral(source, self.clock.date(), "dept-1"),
            origin=origin,
            at=self.clock,
            by=BY,
            minor=minor,
            court_order=order if court else None,
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), days=st.integers(0, 400), backwards=st.booleans())
    def send_event(self, data: st.DataObject, days: int, backwards: bool) -> None:
        case_id = data.draw(st.sampled_from(sorted(self.cases)), label="case")
        case = self.cases[case_id]
        at = case.history[-1].at + (timedelta(days=-1) if backwards else timedelta(days=days))
        facts = data.draw(any_facts(), label="facts")
        possible = allowed_events(case, facts, at=at)
        pool = st.sampled_from(CHART_EVENTS)
        event = data.draw(st.one_of(st.sampled_from(possible), pool) if possible else pool)
        snapshot = (
            case.state,
            case.history,
            case.consent_since,
            case.center_id,
            case.relapse_count,
        )
        try:
            step = advance(case, event, at=at, by=BY, facts=facts)
        except RuleViolation as refused:
            assert refused.reasons, "a refusal always says why"
            # a refused event changes nothing (PW-13)
            assert snapshot == (
                case.state,
                case.history,
                case.consent_since,
                case.center_id,
                case.relapse_count,
            )
            assert self.cases[case_id] is case
            assert not backwards or "time.before_last_event" in refused.codes
            return
        assert not backwards or at == case.history[-1].at
        new = step.case
        move = self.table.moves[(case.state, event)]
        assert new.state is move.target
        assert new.history == (*case.history, step.entry)
        assert bool(step.notices) <= case.court_ordered
        self.cases[case_id] = new
        self.clock = max(self.clock, at)

    @invariant()
    def histories_replay_to_the_cases(self) -> None:
        for case in self.cases.values():
            assert replay(case.history) == case

    @invariant()
    def every_state_was_reached_through_the_chart(self) -> None:
        for case in self.cases.values():
            for entry in case.history[1:]:
                assert self.table.moves[(entry.source, entry.event)].target is entry.target  # type: ignore[index]

    @invariant()
    def closed_cases_accept_no_event(self) -> None:
        for case in self.cases.values():
            if case.closed:
                later = case.history[-1].at + timedelta(days=1)
                assert allowed_events(case, at=later) == ()


CaseLifecycles.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
test_case_lifecycles = pytest.mark.req("PW-12")(pytest.mark.req("PW-13")(CaseLifecycles.TestCase))
