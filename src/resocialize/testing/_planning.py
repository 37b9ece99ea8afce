"""Hypothesis strategies for program planning: situations, templates and planned programs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import attrs
from hypothesis import strategies as st

from resocialize.assessment import Assessment
from resocialize.catalog import Catalog, ServiceDomain, default_catalog
from resocialize.planning import Situation, plan_program
from resocialize.programs import IndividualProgram
from resocialize.records import Origin
from resocialize.reviews import GoalStatus, ProgramFile, Progress, Review, open_file, replan, review
from resocialize.templates import Phase, Template, TemplateGoal, default_templates

from ._assessment import assessments

__all__ = [
    "individual_programs",
    "planned_programs",
    "program_files",
    "situations",
    "templates",
    "templates_for",
]

_ids = st.from_regex(r"[a-z]{1,6}-[0-9]{1,4}", fullmatch=True)


@st.composite
def situations(draw: st.DrawFn, codes: Sequence[str] = (), start: date | None = None) -> Situation:
    """Situations: a release date around ``start`` (sometimes before it), co-dependents, and
    some of ``codes`` unavailable to the client."""
    release = None
    if start is not None and draw(st.booleans()):
        release = start + timedelta(days=draw(st.integers(-30, 400)))
    return Situation(
        release_on=release,
        co_dependents=tuple(draw(st.lists(_ids, max_size=3, unique=True))),
        unavailable=draw(st.frozensets(st.sampled_from(sorted(codes)))) if codes else frozenset(),
        minor=draw(st.booleans()),
    )


@st.composite
def templates_for(draw: st.DrawFn, catalog: Catalog, origin: Origin) -> Template:
    """Templates for ``origin`` whose goals and timing use interventions of ``catalog``."""
    codes = list(catalog.codes)
    goals = []
    if codes:
        for n in range(draw(st.integers(0, 3))):
            goals.append(
                TemplateGoal(
                    code=f"route_goal_{n}",
                    domain=draw(st.sampled_from(list(ServiceDomain))),
                    statement="A goal of the route",
                    interventions=tuple(
                        draw(st.lists(st.sampled_from(codes), min_size=1, max_size=4, unique=True))
                    ),
                    reason="the route asks for it",
                )
            )
    phases = list(Phase) if origin is Origin.PRISON else list(Phase)[1:]
    phase_of = (
        draw(st.dictionaries(st.sampled_from(codes), st.sampled_from(phases), max_size=3))
        if codes
        else {}
    )
    return Template(
        code=origin.value,
        origin=origin,
        name=f"Route {origin.value}",
        rehabilitation_weeks=draw(st.integers(1, 52)),
        resocialization_weeks=draw(st.integers(1, 52)),
        patronage_weeks=draw(st.integers(1, 78)),
        pre_release_weeks=draw(st.integers(0, 26)) if origin is Origin.PRISON else 0,
        goals=tuple(goals),
        phase_of=phase_of,
        per_goal={
            "low": draw(st.integers(0, 1)),
            "moderate": draw(st.integers(0, 2)),
            "high": draw(st.integers(1, 3)),
            "critical": draw(st.integers(1, 4)),
        },
    )


@st.composite
def planned_programs(
    draw: st.DrawFn, catalog: Catalog | None = None
) -> tuple[IndividualProgram, Assessment, Catalog, Situation]:
    """A program planned from a drawn assessment, origin, start and situation, with the
    inputs it was planned from. With ``catalog`` (for instance a drawn one) the template is
    drawn for it; otherwise the default catalog and templates are used."""
    chosen = default_catalog() if catalog is None else catalog
    assessment = draw(assessments())
    origin = draw(st.sampled_from(list(Origin)))
    start = assessment.on + timedelta(days=draw(st.integers(0, 60)))
    situation = draw(situations(chosen.codes, start))
    template = None if catalog is None else draw(templates_for(chosen, origin))
    program = plan_program(
        assessment.client_id,
        assessment,
        chosen,
        origin=origin,
        start=start,
        situation=situation,
        template=template,
    )
    return program, assessment, chosen, situation


def individual_programs() -> st.SearchStrategy[IndividualProgram]:
    """Programs planned with the default catalog and templates from drawn assessments."""
    return planned_programs().map(lambda drawn: drawn[0])


def templates() -> st.SearchStrategy[Template]:
    """Templates of any origin over the default catalog: the defaults or drawn ones."""
    catalog = default_catalog()
    return st.sampled_from(list(Origin)).flatmap(
        lambda origin: st.one_of(
            st.just(default_templates()[origin]), templates_for(catalog, origin)
        )
    )


@st.composite
def program_files(draw: st.DrawFn) -> ProgramFile:
    """Program files: a planned program, reviewed with progress on some of its goals, and
    sometimes revised from a new assessment."""
    program, assessment, catalog, situation = draw(planned_programs())
    file = open_file(program)
    day = program.made_on
    for _ in range(draw(st.integers(0, 2))):
        day = day + timedelta(weeks=draw(st.integers(0, 20)))
        goals = draw(st.lists(st.sampled_from([g.code for g in file.current.goals]), unique=True))
        progress = []
        for code in goals:
            before = file.status_of(code)
            choices = [
                s
                for s in GoalStatus
                if before is GoalStatus.NOT_STARTED or s is not GoalStatus.NOT_STARTED
            ]
            status = draw(st.sampled_from(choices))
            evidence = (
                "session notes" if status in {GoalStatus.ACHIEVED, GoalStatus.DROPPED} else None
            )
            progress.append(Progress(code, status, evidence=evidence))
        file = review(file, Review(day, "cw-1", file.current.version, tuple(progress)))
    if draw(st.booleans()):
        day = max(day, program.start) + timedelta(weeks=draw(st.integers(0, 20)))
        again = attrs.evolve(assessment, id=f"{assessment.id}-2", on=day)
        file = replan(file, again, catalog, on=day, situation=situation)
    return file
