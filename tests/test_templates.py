"""Program templates by origin: data, read from TOML or JSON with a path for every problem."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import given

from resocialize.catalog import default_catalog
from resocialize.errors import ValidationError
from resocialize.records import Origin
from resocialize.templates import (
    Phase,
    Template,
    default_templates,
    load_templates,
    templates_from_json,
    templates_from_toml,
    templates_to_json,
)
from resocialize.testing.strategies import templates


@pytest.mark.req("PL-05")
def test_every_origin_has_a_default_template_using_catalog_interventions() -> None:
    defaults = default_templates()
    assert set(defaults) == set(Origin)
    catalog = default_catalog()
    for template in defaults.values():
        assert all(code in catalog for code in template.interventions())
        assert all(code in catalog for code in template.phase_of)


@pytest.mark.req("PL-05")
def test_only_the_prison_route_works_before_release() -> None:
    defaults = default_templates()
    assert defaults[Origin.PRISON].pre_release_weeks > 0
    assert all(t.pre_release_weeks == 0 for o, t in defaults.items() if o is not Origin.PRISON)
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(defaults[Origin.OUTPATIENT], pre_release_weeks=4)
    assert caught.value.paths == ("pre_release_weeks",)


@pytest.mark.req("PL-05")
@given(templates())
def test_templates_round_trip_through_json(template: Template) -> None:
    text = templates_to_json({template.origin: template})
    assert templates_from_json(text) == {template.origin: template}


def test_defaults_round_trip_through_json_and_files(tmp_path: Path) -> None:
    text = templates_to_json(default_templates())
    assert templates_from_json(text) == default_templates()
    (tmp_path / "routes.json").write_text(text, encoding="utf-8")
    assert load_templates(tmp_path / "routes.json") == default_templates()


def test_every_problem_of_a_document_is_reported_with_its_path() -> None:
    text = """
[[templates]]
code = "prison"
origin = "prison"
name = "Leaving prison"
rehabilitation_weeks = 0
resocialization_weeks = 26
patronage_weeks = 52
colour = "blue"

[[templates.goals]]
code = "rights"
domain = "rights"
statement = "Know one's rights"
interventions = []
reason = "seed 003"

[templates.phase_of]
rights_information = "in_prison"

[[templates]]
code = "prison-2"
origin = "prison"
name = "Leaving prison again"
rehabilitation_weeks = 26
resocialization_weeks = 26
patronage_weeks = 52
per_goal = { high = 11, huge = 1 }
"""
    with pytest.raises(ValidationError) as caught:
        templates_from_toml(text)
    assert caught.value.paths == (
        "templates[0].colour",
        "templates[0].goals[0].domain",
        "templates[0].goals[0].interventions",
        "templates[0].phase_of.rights_information",
        "templates[0].rehabilitation_weeks",
        "templates[1].per_goal.high",
        "templates[1].per_goal.huge",
    )


def test_a_route_given_twice_is_refused() -> None:
    one = templates_to_json({Origin.PRISON: default_templates()[Origin.PRISON]})
    import json

    data = json.loads(one)
    data["templates"] *= 2
    with pytest.raises(ValidationError) as caught:
        templates_from_json(json.dumps(data))
    assert caught.value.paths == ("templates[1].origin",)


def test_not_a_document_is_a_validation_error() -> None:
    for bad in ("not toml = = =", "[1, 2]"):
        with pytest.raises(ValidationError):
            templates_from_toml(bad)
    with pytest.raises(ValidationError):
        templates_from_json("{")
    with pytest.raises(ValidationError) as caught:
        load_templates(42)  # type: ignore[arg-type]
    assert caught.value.paths == ("source",)
    assert (
        default_templates()[Origin.OUTPATIENT].phase_of["job_search"] is Phase.SOCIAL_REHABILITATION
    )
