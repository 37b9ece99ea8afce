"""The printed program: Markdown and HTML, labels replaceable by key, no identifying data."""

from __future__ import annotations

import html
from datetime import date

import pytest
from hypothesis import given
from tests.test_planning import plan

from resocialize.errors import ValidationError
from resocialize.program_text import LABELS, label_keys, program_html, program_markdown
from resocialize.programs import IndividualProgram
from resocialize.testing.strategies import individual_programs


@pytest.mark.req("PL-04")
def test_markdown_lists_every_goal_activity_and_milestone() -> None:
    program = plan()
    text = program_markdown(program)
    for goal in program.goals:
        assert goal.statement in text
    for activity in program.activities:
        assert activity.name in text
    assert text.count("\n| ") >= len(program.goals) + len(program.activities) + len(
        program.milestones
    )
    assert program.client_id in text


def test_labels_replace_fixed_words_and_names_by_key() -> None:
    program = plan()
    labels = {
        "program.title": "Индивидуальная программа реабилитации",
        "section.goals": "Цели",
        "intervention.support_groups": "Группы взаимопомощи",
        "goal.relapse_prevention": "Профилактика срыва",
    }
    text = program_markdown(program, labels=labels)
    assert text.startswith("# Индивидуальная программа реабилитации\n")
    assert "## Цели" in text
    assert "Группы взаимопомощи" in text
    assert "Профилактика срыва" in text
    assert "Support groups" not in text


def test_every_label_key_the_page_uses_is_listed() -> None:
    assert {
        "program.title",
        "section.goals",
        "phase.pre_release",
        "milestone.admission",
    } <= label_keys()
    assert set(LABELS) == label_keys()


@given(individual_programs())
def test_html_is_escaped_and_complete(program: IndividualProgram) -> None:
    page = program_html(program, labels={"section.goals": "<b>Goals & aims</b>"}, lang="hr")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="hr">' in page
    assert "&lt;b&gt;Goals &amp; aims&lt;/b&gt;" in page
    assert "<b>" not in page
    for goal in program.goals:
        assert html.escape(goal.statement) in page
    assert page.count("<tr>") == 3 + len(program.goals) + len(program.activities) + len(
        program.milestones
    )


def test_bad_arguments_are_validation_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        program_markdown("a program")  # type: ignore[arg-type]
    assert caught.value.paths == ("program",)
    with pytest.raises(ValidationError) as caught:
        program_html(plan(), labels={"program.title": 3})  # type: ignore[dict-item]
    assert caught.value.paths == ("labels",)
    with pytest.raises(ValidationError) as caught:
        program_html(plan(), lang='en" onload="x')
    assert caught.value.paths == ("lang",)


def test_prison_page_names_the_release_date() -> None:
    from resocialize.planning import Situation
    from resocialize.records import Origin

    program = plan(Origin.PRISON, situation=Situation(release_on=date(2026, 5, 25)))
    assert "**Release from custody**: 2026-05-25" in program_markdown(program)


@pytest.mark.req("IX-03")
def test_reasons_and_dates_are_written_by_the_functions_given() -> None:
    program = plan()
    marks = {"reason": 0}

    def reason_text(reason: object) -> str:
        marks["reason"] += 1
        return "WHY"

    page = program_markdown(program, reason_text=reason_text, date_text=lambda d: f"D{d.day}")
    assert marks["reason"] >= len(program.goals)
    assert page.count("| WHY |") == len(program.goals)
    assert program.start.isoformat() not in page and f"D{program.start.day}" in page
    page_html = program_html(program, reason_text=reason_text, date_text=lambda d: "DAY")
    assert "<td>WHY</td>" in page_html and program.start.isoformat() not in page_html
    with pytest.raises(ValidationError) as refused:
        program_markdown(program, reason_text="why", date_text=3)  # type: ignore[arg-type]
    assert set(refused.value.paths) == {"reason_text", "date_text"}
