"""Reviews of the individual program: progress per goal, revisions kept as versions (PL-07)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests._builders import admission, in_treatment, run

from resocialize.assessment import Assessment, RecoveryCapital, StageOfChange, default_instrument
from resocialize.catalog import default_catalog
from resocialize.errors import RuleViolation, ValidationError
from resocialize.pathway import Event
from resocialize.planning import plan_program
from resocialize.programs import IndividualProgram
from resocialize.records import Origin
from resocialize.reviews import (
    GoalStatus,
    ProgramFile,
    Progress,
    Review,
    ReviewTrigger,
    open_file,
    replan,
    review,
    reviews_due,
    revise,
)

CLIENT = "cl-7f3k"
START = date(2026, 3, 16)
TOOL = default_instrument()


def assess(on: date = date(2026, 3, 2), ident: str = "as-1", **scores: int) -> Assessment:
    return Assessment(
        ident,
        CLIENT,
        TOOL,
        {item.code: 1 for item in TOOL.items} | scores,
        assessor="psy-4",
        on=on,
        stage_of_change=StageOfChange.PREPARATION,
        recovery_capital=RecoveryCapital(6, 5, 4, 5),
    )


def first_program() -> IndividualProgram:
    return plan_program(
        CLIENT,
        assess(work=3, family=2),
        default_catalog(),
        origin=Origin.COMMUNITY,
        start=START,
        program_id="irp-1",
    )


def a_file() -> ProgramFile:
    return open_file(first_program())


@pytest.mark.req("PL-07")
def test_review_records_progress_per_goal_with_evidence() -> None:
    file = a_file()
    reviewed = review(
        file,
        Review(
            START + timedelta(weeks=12),
            "cw-2",
            1,
            (
                Progress("work", GoalStatus.IN_PROGRESS, note="in vocational training"),
                Progress("family", GoalStatus.ACHIEVED, evidence="family session 4 notes"),
            ),
        ),
    )
    assert reviewed.status_of("work") is GoalStatus.IN_PROGRESS
    assert reviewed.status_of("family") is GoalStatus.ACHIEVED
    assert reviewed.status_of("relapse_prevention") is GoalStatus.NOT_STARTED
    assert file.reviews == ()


@pytest.mark.req("PL-07")
def test_achieving_or_dropping_a_goal_needs_evidence() -> None:
    with pytest.raises(ValidationError) as caught:
        Progress("work", GoalStatus.ACHIEVED)
    assert caught.value.paths == ("evidence",)


@pytest.mark.req("PL-07")
def test_a_refused_review_gives_every_reason_and_changes_nothing() -> None:
    file = review(
        a_file(),
        Review(START + timedelta(weeks=4), "cw-2", 1, (Progress("work", GoalStatus.IN_PROGRESS),)),
    )
    before = file
    with pytest.raises(RuleViolation) as caught:
        review(
            file,
            Review(
                START + timedelta(weeks=2),
                "cw-2",
                2,
                (
                    Progress("work", GoalStatus.NOT_STARTED),
                    Progress("sailing", GoalStatus.IN_PROGRESS),
                ),
            ),
        )
    assert caught.value.codes == (
        "review.not_current",
        "review.out_of_order",
        "review.goal_regressed",
        "review.unknown_goal",
    )
    assert file == before


@pytest.mark.req("PL-07")
def test_a_revision_adds_a_version_and_keeps_the_earlier_ones() -> None:
    file = a_file()
    revised = replan(
        file,
        assess(on=START + timedelta(weeks=10), ident="as-2", work=2, housing=3),
        default_catalog(),
        on=START + timedelta(weeks=10),
    )
    assert [p.version for p in revised.versions] == [1, 2]
    assert revised.version(1) == file.current
    assert revised.current.assessment_id == "as-2"
    assert "housing" in [g.code for g in revised.current.goals]
    assert "housing" not in [g.code for g in revised.version(1).goals]
    with pytest.raises(ValidationError):
        revised.version(3)


@pytest.mark.req("PL-07")
def test_a_revision_out_of_turn_is_refused() -> None:
    file = a_file()
    wrong = plan_program(
        CLIENT,
        assess(),
        default_catalog(),
        origin=Origin.COMMUNITY,
        start=START - timedelta(days=1),
        program_id="irp-1",
        version=3,
    )
    with pytest.raises(RuleViolation) as caught:
        revise(file, wrong)
    assert caught.value.codes == ("revision.version", "revision.before_current")


@pytest.mark.req("PL-07")
def test_achieved_route_goals_are_not_planned_again() -> None:
    file = review(
        a_file(),
        Review(
            START + timedelta(weeks=20),
            "cw-2",
            1,
            (Progress("relapse_prevention", GoalStatus.ACHIEVED, evidence="completed the module"),),
        ),
    )
    revised = replan(
        file,
        assess(on=START + timedelta(weeks=20), ident="as-2", work=3),
        default_catalog(),
        on=START + timedelta(weeks=20),
    )
    assert "relapse_prevention" not in [g.code for g in revised.current.goals]
    for activity in revised.current.activities:
        assert "relapse_prevention" not in activity.goals
    assert revised.status_of("relapse_prevention") is GoalStatus.ACHIEVED


@pytest.mark.req("PL-07")
@pytest.mark.req("PW-08")
def test_a_relapse_triggers_a_review() -> None:
    file = a_file()
    admitted = run(in_treatment(), Event.ADMIT, facts=admission())
    assert reviews_due(file, START + timedelta(weeks=2), case=admitted) == ()
    relapsed = run(admitted, Event.RELAPSE, days=30)
    day = relapsed.history[-1].at.date()
    assert day > file.current.made_on
    due = reviews_due(file, day + timedelta(days=1), case=relapsed)
    assert [r.code for r in due] == ["review.relapse"]
    assert due[0].details["on"] == day.isoformat()
    reviewed = review(
        file, Review(day + timedelta(days=1), "cw-2", 1, (), trigger=ReviewTrigger.RELAPSE)
    )
    assert reviews_due(reviewed, day + timedelta(days=2), case=relapsed) == ()


@pytest.mark.req("PL-07")
def test_a_review_is_due_on_schedule() -> None:
    file = a_file()
    assert reviews_due(file, START + timedelta(weeks=11)) == ()
    assert [r.code for r in reviews_due(file, START + timedelta(weeks=12))] == ["review.scheduled"]
    reviewed = review(
        file, Review(START + timedelta(weeks=12), "cw-2", 1, (), trigger=ReviewTrigger.SCHEDULED)
    )
    assert reviews_due(reviewed, START + timedelta(weeks=13)) == ()


def test_bad_arguments_to_reviews_due_are_validation_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        reviews_due(a_file(), "today", case="c", every_weeks=0)  # type: ignore[arg-type]
    assert caught.value.paths == ("on", "case", "every_weeks")
