"""The lifecycle of a program file: reviews and revisions in any order (PL-07)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.test_reviews import START, a_file, assess

from resocialize.catalog import default_catalog
from resocialize.errors import RuleViolation
from resocialize.programs import IndividualProgram
from resocialize.reviews import GoalStatus, ProgramFile, Progress, Review, replan, review

# --- the lifecycle of a program file ----------------------------------------------------------


class ProgramFileLifecycle(RuleBasedStateMachine):
    """Reviews and revisions in any order: earlier versions are never lost or changed, a
    refusal changes nothing, and goals never go back to "not started"."""

    @initialize()
    def open(self) -> None:
        self.file = a_file()
        self.versions: list[IndividualProgram] = [self.file.current]
        self.day = START
        self.started: set[str] = set()

    @rule(
        weeks=st.integers(-4, 16),
        statuses=st.lists(st.sampled_from(list(GoalStatus)), max_size=6),
        stale=st.booleans(),
    )
    def review_goals(self, weeks: int, statuses: list[GoalStatus], stale: bool) -> None:
        goals = [g.code for g in self.file.current.goals]
        progress = tuple(
            Progress(
                code,
                status,
                evidence="notes" if status in {GoalStatus.ACHIEVED, GoalStatus.DROPPED} else None,
            )
            for code, status in zip(goals, statuses, strict=False)
        )
        on = self.day + timedelta(weeks=weeks)
        version = self.file.current.version - (1 if stale and self.file.current.version > 1 else 0)
        before = self.file
        try:
            self.file = review(self.file, Review(on, "cw-1", version, progress))
        except RuleViolation as refused:
            assert refused.reasons
            assert self.file == before
            expected = (
                on < self.day
                or version != before.current.version
                or any(
                    p.status is GoalStatus.NOT_STARTED and p.goal in self.started for p in progress
                )
                or on < before.current.made_on
            )
            assert expected
            return
        self.day = on
        self.started |= {p.goal for p in progress if p.status is not GoalStatus.NOT_STARTED}

    @rule(weeks=st.integers(-2, 20), work=st.integers(0, 4), housing=st.integers(0, 4))
    def revise_program(self, weeks: int, work: int, housing: int) -> None:
        on = self.day + timedelta(weeks=weeks)
        before = self.file
        if on < self.file.current.start:
            with pytest.raises(RuleViolation):
                replan(
                    self.file, assess(on=on, work=work, housing=housing), default_catalog(), on=on
                )
            assert self.file == before
            return
        self.file = replan(
            self.file,
            assess(on=on, ident=f"as-{len(self.versions) + 1}", work=work, housing=housing),
            default_catalog(),
            on=on,
        )
        self.versions.append(self.file.current)
        self.day = max(self.day, on)

    @invariant()
    def earlier_versions_are_kept(self) -> None:
        assert self.file.versions == tuple(self.versions)
        assert [p.version for p in self.file.versions] == list(range(1, len(self.versions) + 1))

    @invariant()
    def started_goals_never_go_back(self) -> None:
        for code in self.started:
            assert self.file.status_of(code) is not GoalStatus.NOT_STARTED

    @invariant()
    def the_file_is_a_valid_value(self) -> None:
        assert ProgramFile(self.file.versions, self.file.reviews) == self.file


TestProgramFileLifecycle = ProgramFileLifecycle.TestCase
TestProgramFileLifecycle = pytest.mark.req("PL-07")(TestProgramFileLifecycle)
