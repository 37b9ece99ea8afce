"""Individual program planning: goals from needs, activities with reasons, schedule, routes."""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.assessment import (
    Assessment,
    LifeDomain,
    Need,
    RecoveryCapital,
    StageOfChange,
    default_instrument,
    domain_needs,
)
from resocialize.catalog import Catalog, catalog_from_toml, default_catalog
from resocialize.errors import RuleViolation, ValidationError
from resocialize.planning import Situation, plan_program
from resocialize.programs import IndividualProgram
from resocialize.records import Origin
from resocialize.tariffs import Milestone
from resocialize.templates import Phase, Template, TemplateGoal, default_templates
from resocialize.testing._catalog import catalogs
from resocialize.testing._planning import planned_programs

CLIENT = "cl-7f3k"
START = date(2026, 3, 16)
TOOL = default_instrument()


def assess(client: str = CLIENT, on: date = date(2026, 3, 2), **scores: int) -> Assessment:
    base = {item.code: 1 for item in TOOL.items}
    return Assessment(
        "as-1",
        client,
        TOOL,
        base | scores,
        assessor="psy-4",
        on=on,
        stage_of_change=StageOfChange.PREPARATION,
        recovery_capital=RecoveryCapital(6, 5, 4, 5),
    )


def plan(
    origin: Origin = Origin.COMMUNITY, assessment: Assessment | None = None, **kw: object
) -> IndividualProgram:
    return plan_program(
        CLIENT,
        assessment or assess(work=3, legal=2, family=3),
        default_catalog(),
        origin=origin,
        start=START,
        **kw,  # type: ignore[arg-type]
    )


# --- properties of every program --------------------------------------------------------------


def _check_properties(program: IndividualProgram, assessment: Assessment, catalog: Catalog) -> None:
    ends = {a.intervention: a.end_week for a in program.activities}
    goals = {g.code: g for g in program.goals}
    for activity in program.activities:
        intervention = catalog.get(activity.intervention)
        # durations and frequency are the catalog's
        assert activity.weeks == intervention.weeks
        assert activity.per_week == intervention.per_week
        # prerequisites are planned and finished before the activity starts
        for before in intervention.prerequisites:
            assert before in ends, (activity.intervention, before)
            assert ends[before] <= activity.start_week
        # every reason is tied to an assessment finding, the route, a prerequisite or the
        # co-dependents of a goal that rests on a finding
        assert activity.reasons
        for reason in activity.reasons:
            kind = reason.code.split(".")[0]
            assert kind in {"need", "template", "prerequisite", "co_dependents", "situation"}
            if kind == "need":
                domain = reason.code.split(".")[1]
                assert any(b.code == f"finding.{domain}" for g in goals.values() for b in g.basis)
            elif kind in {"template", "situation"}:
                assert any(reason in g.basis for g in goals.values())
            elif kind == "prerequisite":
                assert reason.details["before"] in ends
        for code in activity.goals:
            assert code in goals
        if activity.co_dependents:
            assert intervention.co_dependents
    # no critical domain is left without a goal
    for domain, need in domain_needs(assessment).items():
        if need is Need.CRITICAL:
            assert any(g.life_domain is domain for g in program.goals), domain
    # the program is a valid value: rebuilding it runs every check
    assert IndividualProgram(**attrs.asdict(program, recurse=False)) == program


@pytest.mark.req("PL-04")
@given(planned_programs())
def test_every_program_respects_prerequisites_durations_and_reasons(drawn: tuple) -> None:  # type: ignore[type-arg]
    program, assessment, catalog, _ = drawn
    _check_properties(program, assessment, catalog)


@pytest.mark.req("PL-04")
@given(catalogs().flatmap(planned_programs))
def test_programs_from_any_catalog_respect_prerequisites_and_durations(drawn: tuple) -> None:  # type: ignore[type-arg]
    program, assessment, catalog, _ = drawn
    _check_properties(program, assessment, catalog)


@pytest.mark.req("PL-04")
@given(planned_programs())
def test_generation_is_deterministic(drawn: tuple) -> None:  # type: ignore[type-arg]
    program, assessment, catalog, situation = drawn
    again = plan_program(
        program.client_id,
        assessment,
        catalog,
        origin=program.origin,
        start=program.start,
        situation=situation,
    )
    assert again == program


# --- goals from needs -------------------------------------------------------------------------


@pytest.mark.req("PL-04")
def test_goals_come_from_assessed_needs_with_the_finding_as_basis() -> None:
    program = plan(assessment=assess(work=3, legal=2))
    need_goals = [g for g in program.goals if g.life_domain is not None]
    assert [g.code for g in need_goals] == ["legal", "work"]
    assert program.goal("work").basis[0].code == "finding.work"
    assert program.goal("work").need is Need.HIGH


@pytest.mark.req("PL-04")
def test_low_needs_get_no_goal_of_their_own() -> None:
    program = plan(assessment=assess())
    assert [g.life_domain for g in program.goals if g.life_domain] == []
    assert [g.code for g in program.goals] == ["relapse_prevention"]


@pytest.mark.req("PL-01")
def test_a_critical_domain_always_gets_a_goal_even_when_the_template_plans_no_goals() -> None:
    template = attrs.evolve(
        default_templates()[Origin.COMMUNITY], per_goal={"low": 0, "moderate": 0, "high": 0}
    )
    program = plan(assessment=assess(housing=4, work=3), template=template)
    assert [g.code for g in program.goals if g.life_domain] == ["housing"]
    assert program.activities_for("housing")


@pytest.mark.req("PL-02")
def test_a_program_covers_the_domains_of_resocialization() -> None:
    program = plan(
        assessment=assess(family=3, leisure=2, work=3, education=2, legal=3, housing=2),
        situation=Situation(co_dependents=("cd-1",)),
    )
    domains = {g.domain.value for g in program.goals}
    assert {
        "socialization",
        "labour",
        "education",
        "legal",
        "housing",
        "relapse_prevention",
    } <= domains
    for goal in program.goals:
        assert program.activities_for(goal.code), goal.code


@pytest.mark.req("PL-04")
def test_activities_are_chosen_with_a_reason_naming_the_finding() -> None:
    program = plan(assessment=assess(work=3))
    reasons = [r for a in program.activities_for("work") for r in a.reasons]
    assert any(r.code == "need.work" and r.details["finding"] == "finding.work" for r in reasons)


@pytest.mark.req("PL-04")
def test_prerequisites_are_planned_before_the_activity_that_needs_them() -> None:
    program = plan(assessment=assess(work=4))
    placement = program.activity("job_placement")
    for before in default_catalog().get("job_placement").prerequisites:
        activity = program.activity(before)
        assert activity.end_week <= placement.start_week
        assert any(r.code == "prerequisite.job_placement" for r in activity.reasons)


@pytest.mark.req("PL-04")
def test_milestones_follow_the_phases_and_the_remission_months() -> None:
    program = plan()
    iii = program.phase(Phase.SOCIAL_REHABILITATION)
    v = program.phase(Phase.PATRONAGE)
    assert iii is not None and v is not None
    admission = program.milestone(Milestone.ADMISSION)
    assert admission is not None and admission.week == iii.start_week
    completed = program.milestone(Milestone.STAGE_III_COMPLETED)
    assert completed is not None and completed.week == iii.end_week
    remission = program.milestone(Milestone.SUSTAINED_REMISSION)
    assert remission is not None and remission.week == v.start_week + 52
    assert remission.due == START + timedelta(weeks=remission.week)
    assert program.milestone(Milestone.NO_RELAPSE, 6) is not None


# --- routes by origin -------------------------------------------------------------------------


@pytest.mark.req("PL-05")
@pytest.mark.req("PW-14")
def test_prison_route_starts_work_before_release() -> None:
    release = START + timedelta(weeks=10)
    program = plan(Origin.PRISON, situation=Situation(release_on=release))
    before = program.phase(Phase.PRE_RELEASE)
    assert before is not None and before.weeks == 10
    assert program.release_on == release
    for code in ("rights_information", "pre_release_contact", "document_restoration"):
        activity = program.activity(code)
        assert activity.phase is Phase.PRE_RELEASE
        assert program.date_of(activity.start_week) < release
    support = program.activity("post_penal_support")
    assert support.start_week >= before.end_week
    admission = program.milestone(Milestone.ADMISSION)
    assert admission is not None and admission.due >= release


@pytest.mark.req("PL-05")
def test_prison_route_without_a_release_date_uses_the_template_weeks() -> None:
    program = plan(Origin.PRISON)
    before = program.phase(Phase.PRE_RELEASE)
    assert (
        before is not None and before.weeks == default_templates()[Origin.PRISON].pre_release_weeks
    )


@pytest.mark.req("PL-05")
def test_release_before_the_start_is_a_gap_not_a_silent_drop() -> None:
    program = plan(Origin.PRISON, situation=Situation(release_on=START - timedelta(days=3)))
    assert program.phase(Phase.PRE_RELEASE) is None
    assert "plan.released_before_start" in [g.code for g in program.gaps]
    assert program.activity("rights_information").phase is not Phase.PRE_RELEASE


@pytest.mark.req("PL-05")
@pytest.mark.req("PW-14")
def test_outpatient_route_works_and_searches_for_a_job_from_the_first_weeks() -> None:
    outpatient = plan(Origin.OUTPATIENT)
    community = plan(Origin.COMMUNITY)
    daily = outpatient.activity("daily_work_activities")
    assert daily.phase is Phase.SOCIAL_REHABILITATION and daily.start_week == 0
    assert outpatient.activity("job_search").phase is Phase.SOCIAL_REHABILITATION
    assert outpatient.activity("retraining").phase is Phase.SOCIAL_REHABILITATION
    # a day program: a shorter stage III than the community route's
    out_iii = outpatient.phase(Phase.SOCIAL_REHABILITATION)
    com_iii = community.phase(Phase.SOCIAL_REHABILITATION)
    assert out_iii is not None and com_iii is not None and out_iii.weeks < com_iii.weeks
    assert "active_daily_life" in [g.code for g in outpatient.goals]
    assert "active_daily_life" not in [g.code for g in community.goals]


@pytest.mark.req("PL-05")
def test_therapeutic_community_graduates_keep_their_work_and_social_competences() -> None:
    program = plan(Origin.THERAPEUTIC_COMMUNITY)
    codes = [g.code for g in program.goals]
    assert "work_continuity" in codes and "social_competences" in codes
    iii = program.phase(Phase.SOCIAL_REHABILITATION)
    assert iii is not None and iii.weeks == 4
    assert program.activity("labour_therapy").start_week == 0


@pytest.mark.req("PL-05")
def test_routes_change_timing_not_only_labels() -> None:
    programs = {o: plan(o) for o in Origin}
    schedules = {
        o: tuple((a.intervention, a.start_week) for a in p.activities) for o, p in programs.items()
    }
    assert len(set(schedules.values())) == len(Origin)


# --- co-dependents ----------------------------------------------------------------------------


@pytest.mark.req("PL-06")
def test_co_dependents_take_part_when_the_family_needs_it() -> None:
    program = plan(
        assessment=assess(family=3), situation=Situation(co_dependents=("cd-mother", "cd-wife"))
    )
    counselling = program.activity("family_counselling")
    assert counselling.co_dependents == ("cd-mother", "cd-wife")
    assert "family" in counselling.goals
    with_them = [a for a in program.activities if a.co_dependents]
    assert {a.intervention for a in with_them} >= {"family_counselling", "mediation"}


@pytest.mark.req("PL-06")
def test_without_co_dependents_the_family_interventions_that_need_them_are_not_planned() -> None:
    program = plan(assessment=assess(family=3))
    assert all(not a.co_dependents for a in program.activities)
    assert "family_counselling" not in [a.intervention for a in program.activities]


@pytest.mark.req("PL-06")
def test_no_family_need_means_no_co_dependent_activities() -> None:
    program = plan(assessment=assess(work=3), situation=Situation(co_dependents=("cd-1",)))
    assert all(not a.co_dependents for a in program.activities)


# --- the client's situation -------------------------------------------------------------------


@pytest.mark.req("PL-04")
def test_an_unavailable_intervention_is_not_planned_and_the_gap_says_why() -> None:
    program = plan(Origin.OUTPATIENT, situation=Situation(unavailable=frozenset({"job_search"})))
    assert "job_search" not in [a.intervention for a in program.activities]
    gaps = [g for g in program.gaps if g.details.get("intervention") == "job_search"]
    assert gaps and gaps[0].code == "plan.unavailable"


@pytest.mark.req("PW-10")
@pytest.mark.req("PL-04")
def test_a_minor_gets_an_education_goal_whatever_the_score() -> None:
    adult = plan(assessment=assess(education=0))
    minor = plan(assessment=assess(education=0), situation=Situation(minor=True))
    assert "education" not in [g.code for g in adult.goals]
    goal = minor.goal("education")
    assert [b.code for b in goal.basis] == ["situation.minor"]
    assert minor.activities_for("education")
    assert all(
        r.code == "situation.minor" for a in minor.activities_for("education") for r in a.reasons
    )
    needy = plan(assessment=assess(education=3), situation=Situation(minor=True))
    assert [b.code for b in needy.goal("education").basis] == [
        "finding.education",
        "situation.minor",
    ]


# --- refusals and bad input -------------------------------------------------------------------


def test_assessment_of_another_client_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        plan_program("cl-other", assess(), default_catalog(), origin=Origin.COMMUNITY, start=START)
    assert caught.value.codes == ("plan.other_client",)


def test_assessment_after_the_start_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        plan(assessment=assess(on=START + timedelta(days=1)))
    assert caught.value.codes == ("plan.assessment_after_start",)


@pytest.mark.req("PL-01")
def test_assessment_with_a_score_out_of_range_is_refused_with_its_path() -> None:
    with pytest.raises(ValidationError) as caught:
        assess(work=7)
    assert caught.value.paths == ("scores.work",)


@pytest.mark.req("PL-03")
def test_unknown_catalog_item_in_a_template_is_refused_with_its_path() -> None:
    template = Template(
        code="community",
        origin=Origin.COMMUNITY,
        name="Custom",
        rehabilitation_weeks=26,
        resocialization_weeks=26,
        patronage_weeks=52,
        goals=(
            TemplateGoal(
                "custom",
                default_catalog().get("support_groups").domain,
                "A goal",
                ("support_groups", "horse_riding"),
                "the region asks for it",
            ),
        ),
        phase_of={"sailing": Phase.PATRONAGE},
    )
    with pytest.raises(ValidationError) as caught:
        plan(template=template, situation=Situation(unavailable=frozenset({"juggling"})))
    assert caught.value.paths == (
        "template.goals[0].interventions",
        "template.phase_of.sailing",
        "situation.unavailable",
    )
    assert "horse_riding" in str(caught.value)


@pytest.mark.req("PL-03")
def test_prerequisite_cycle_in_a_custom_catalog_is_refused_with_its_path() -> None:
    text = """
version = "north-1"
[[interventions]]
code = "a"
name = "A"
domain = "labour"
addresses = ["work"]
stages = [3]
weeks = 4
per_week = 1
providers = ["center"]
prerequisites = ["b"]
[[interventions]]
code = "b"
name = "B"
domain = "labour"
addresses = ["work"]
stages = [3]
weeks = 4
per_week = 1
providers = ["center"]
prerequisites = ["a"]
"""
    with pytest.raises(ValidationError) as caught:
        catalog_from_toml(text)
    assert any("cycle" in p.message for p in caught.value.problems)
    assert all(p.path.startswith("interventions[") for p in caught.value.problems)


def test_template_of_another_origin_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        plan(Origin.PRISON, template=default_templates()[Origin.OUTPATIENT])
    assert caught.value.paths == ("template.origin",)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "client": st.one_of(st.none(), st.integers(), st.just("")),
            "assessment": st.one_of(st.none(), st.text(max_size=3)),
            "catalog": st.one_of(st.none(), st.just({})),
            "origin": st.one_of(st.just("prison"), st.integers()),
            "start": st.one_of(st.none(), st.just("2026-03-16")),
            "situation": st.one_of(st.none(), st.just({})),
            "version": st.one_of(st.just(0), st.just(True), st.text(max_size=2)),
        },
    ).filter(bool)
)
def test_malformed_arguments_raise_validation_errors_with_their_paths(bad: dict) -> None:  # type: ignore[type-arg]
    arguments = {
        "client": CLIENT,
        "assessment": assess(),
        "catalog": default_catalog(),
        "origin": Origin.COMMUNITY,
        "start": START,
        "situation": Situation(),
        "version": 1,
    } | bad
    with pytest.raises(ValidationError) as caught:
        plan_program(
            arguments.pop("client"),
            arguments.pop("assessment"),
            arguments.pop("catalog"),
            **arguments,
        )
    assert set(caught.value.paths) == set(bad)


def test_bad_situation_fields_are_reported_together() -> None:
    with pytest.raises(ValidationError) as caught:
        Situation(release_on="tomorrow", co_dependents=("a", "a"), minor="no")  # type: ignore[arg-type]
    assert caught.value.paths == ("release_on", "co_dependents", "minor")


def test_a_hand_built_program_with_an_activity_outside_its_phase_is_refused() -> None:
    program = plan()
    activity = program.activities[0]
    moved = attrs.evolve(activity, phase=Phase.PATRONAGE, start_week=0)
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(program, activities=(moved, *program.activities[1:]))
    assert caught.value.paths == ("activities[0].start_week",)


def test_life_domains_all_have_a_goal_statement() -> None:
    from resocialize.planning import GOAL_OF_DOMAIN

    assert set(GOAL_OF_DOMAIN) == set(LifeDomain)
