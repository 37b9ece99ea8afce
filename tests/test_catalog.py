"""The intervention catalog: the technologies and services of a program, as data (PL-02, PL-03,
PL-06)."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.assessment import LifeDomain, Need
from resocialize.catalog import (
    PROGRAM_STAGES,
    Catalog,
    Intervention,
    Provider,
    ServiceDomain,
    catalog_from_json,
    catalog_from_toml,
    catalog_to_json,
    default_catalog,
    load_catalog,
)
from resocialize.errors import ValidationError
from resocialize.pathway import Stage
from resocialize.records import Origin
from resocialize.testing._catalog import catalogs, interventions

PL03_CODES = (
    "motivation_building",
    "mediation",
    "confrontational_techniques",
    "modular_resocialization",
    "art_therapy",
    "music_therapy",
    "bibliotherapy",
    "theatre_therapy",
    "labour_therapy",
    "volunteering",
    "support_groups",
    "family_counselling",
    "co_dependent_motivation",
    "social_skills_training",
    "vocational_guidance",
    "vocational_training",
    "retraining",
    "schooling",
    "higher_education_access",
    "job_search",
    "job_placement",
    "supported_employment",
    "halfway_house",
    "agricultural_community",
    "graduate_cooperative",
    "money_management",
    "sport_and_culture",
    "document_restoration",
    "rights_information",
    "legal_assistance",
    "housing_assistance",
    "pre_release_contact",
    "post_penal_support",
    "relapse_prevention",
    "learning_to_rest",
    "daily_work_activities",
    "comorbidity_treatment",
    "outpatient_counselling",
)

ONE = """
version = "t-1"
[[interventions]]
code = "guidance"
name = "Guidance"
domain = "education"
addresses = ["work"]
stages = ["III"]
weeks = 4
per_week = 1
providers = ["employment_service"]
"""


def item(code: str, *prerequisites: str, **changes: object) -> Intervention:
    values: dict[str, object] = {
        "code": code,
        "name": code.replace("_", " ").title(),
        "domain": ServiceDomain.LABOUR,
        "addresses": frozenset({LifeDomain.WORK}),
        "stages": frozenset({Stage.RESOCIALIZATION}),
        "weeks": 4,
        "per_week": 1,
        "providers": frozenset({Provider.CENTER}),
        "prerequisites": frozenset(prerequisites),
    }
    values.update(changes)
    return Intervention(**values)  # type: ignore[arg-type]


def toml_of(catalog: Catalog) -> str:
    """The catalog as TOML, written by hand from its JSON (JSON strings, integers, booleans
    and arrays of strings are TOML too)."""
    data = json.loads(catalog_to_json(catalog))
    lines = [f"version = {json.dumps(data['version'])}"]
    if not data["interventions"]:
        lines.append("interventions = []")
    for entry in data["interventions"]:
        lines.append("[[interventions]]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in entry.items())
    return "\n".join(lines) + "\n"


def problems_of(err: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {p.path: p.message for p in err.value.problems}


# --- the default catalog -----------------------------------------------------------------------


@pytest.mark.req("PL-03")
def test_default_catalog_holds_every_technology_and_service() -> None:
    catalog = default_catalog()
    missing = [code for code in PL03_CODES if code not in catalog]
    assert not missing
    assert len(set(catalog.codes)) == len(catalog.codes)


@pytest.mark.req("PL-03")
def test_center_programs_refer_to_catalog_codes() -> None:
    for code in ("labour_therapy", "art_therapy", "support_groups", "mediation"):
        assert code in default_catalog()


@pytest.mark.req("PL-03")
def test_every_default_entry_cites_its_seed() -> None:
    text = resources.files("resocialize").joinpath("data/catalog.toml").read_text("utf-8")
    blocks = text.split("[[interventions]]")[1:]
    comments = text.split("[[interventions]]")[:-1]
    assert len(blocks) == len(default_catalog().codes)
    for comment, block in zip(comments, blocks, strict=True):
        code = re.search(r'code = "(\w+)"', block)
        assert code is not None
        last = comment.rstrip().rsplit("\n\n", 1)[-1]
        assert re.search(r"seed 00[0-4]", last), f"{code.group(1)} cites no seed"


@pytest.mark.req("PL-03")
def test_default_prerequisites_are_as_the_domain_orders_them() -> None:
    catalog = default_catalog()
    assert catalog.get("job_placement").prerequisites == {
        "document_restoration",
        "vocational_guidance",
    }
    assert catalog.get("supported_employment").prerequisites == {"job_placement"}
    assert catalog.get("vocational_training").prerequisites == {"vocational_guidance"}
    assert catalog.get("retraining").prerequisites == {"vocational_guidance"}


@pytest.mark.req("PL-03")
def test_a_prerequisite_can_run_no_later_than_what_needs_it() -> None:
    catalog = default_catalog()
    for intervention in catalog.interventions:
        for code in intervention.prerequisites:
            assert min(catalog.get(code).stages) <= max(intervention.stages), intervention.code


@pytest.mark.req("PL-03")
def test_default_entries_follow_the_seeds() -> None:
    catalog = default_catalog()
    assert catalog.get("support_groups").stages == {
        Stage.SOCIAL_REHABILITATION,
        Stage.RESOCIALIZATION,
        Stage.PATRONAGE,
    }
    for code in ("rights_information", "pre_release_contact"):
        assert catalog.get(code).pre_release
        assert catalog.get(code).origins == {Origin.PRISON}
    assert catalog.get("post_penal_support").origins == {Origin.PRISON}
    assert catalog.get("daily_work_activities").origins == {Origin.OUTPATIENT}
    assert catalog.get("comorbidity_treatment").domain is ServiceDomain.HEALTH
    assert catalog.get("relapse_prevention").domain is ServiceDomain.RELAPSE_PREVENTION
    assert Provider.EMPLOYMENT_SERVICE in catalog.get("job_placement").providers
    assert "hungry, angry, lonely, tired" in catalog.get("relapse_prevention").name


@pytest.mark.req("PL-03")
def test_stage_three_courses_last_about_six_months_at_most() -> None:
    for intervention in default_catalog().interventions:
        if intervention.stages == {Stage.SOCIAL_REHABILITATION}:
            assert intervention.weeks <= 30, intervention.code
    assert 20 <= default_catalog().get("labour_therapy").weeks <= 30


@pytest.mark.req("PL-03")
def test_pre_release_interventions_are_for_prisoners_only() -> None:
    for intervention in default_catalog().interventions:
        if intervention.pre_release:
            assert intervention.origins == {Origin.PRISON}
            assert intervention.for_origin(Origin.PRISON)
            assert not intervention.for_origin(Origin.COMMUNITY)


@pytest.mark.req("PL-02")
def test_every_program_domain_and_life_domain_has_interventions() -> None:
    catalog = default_catalog()
    for domain in ServiceDomain:
        assert catalog.in_domain(domain), domain
    for need in LifeDomain:
        assert catalog.addressing(need), need


@pytest.mark.req("PL-02")
def test_addressing_keeps_catalog_order() -> None:
    catalog = default_catalog()
    found = catalog.addressing(LifeDomain.WORK)
    positions = [catalog.codes.index(i.code) for i in found]
    assert positions == sorted(positions)
    assert all(LifeDomain.WORK in i.addresses for i in found)
    with pytest.raises(ValidationError) as err:
        catalog.addressing("work")  # type: ignore[arg-type]
    assert err.value.paths == ("need",)


# --- co-dependents -------------------------------------------------------------------------------


@pytest.mark.req("PL-06")
def test_co_dependents_take_part_in_counselling_mediation_and_motivation() -> None:
    catalog = default_catalog()
    with_family = {i.code for i in catalog.interventions if i.co_dependents}
    assert {
        "family_counselling",
        "mediation",
        "motivation_building",
        "co_dependent_motivation",
    } <= with_family
    for code in with_family:
        assert catalog.get(code).addresses & {
            LifeDomain.FAMILY,
            LifeDomain.MOTIVATION,
            LifeDomain.RELATIONSHIPS,
        }


@pytest.mark.req("PL-06")
def test_co_dependents_flag_survives_files() -> None:
    text = ONE + "co_dependents = true\n"
    assert catalog_from_toml(text).get("guidance").co_dependents
    with pytest.raises(ValidationError) as err:
        catalog_from_toml(ONE + 'co_dependents = "yes"\n')
    assert err.value.paths == ("interventions[0].co_dependents",)


# --- values --------------------------------------------------------------------------------------


@pytest.mark.req("PL-03")
def test_intervention_reports_every_bad_field_at_once() -> None:
    with pytest.raises(ValidationError) as err:
        Intervention(
            "Bad Code",
            " ",
            "labour",  # type: ignore[arg-type]
            {"work"},  # type: ignore[arg-type]
            set(),  # type: ignore[arg-type]
            weeks=0,
            per_week=8,
            providers={Provider.CENTER},  # type: ignore[arg-type]
            minimum_need=2,  # type: ignore[arg-type]
        )
    assert set(err.value.paths) == {
        "code",
        "name",
        "domain",
        "addresses",
        "stages",
        "weeks",
        "per_week",
        "minimum_need",
    }


@pytest.mark.req("PL-03")
def test_unhashable_items_are_validation_errors() -> None:
    with pytest.raises(ValidationError) as err:
        item("a", prerequisites=[["b"]], providers=[{}])
    assert err.value.paths == ("providers", "prerequisites")


@pytest.mark.req("PL-03")
def test_intervention_must_not_require_itself() -> None:
    with pytest.raises(ValidationError) as err:
        item("a", "a")
    assert err.value.paths == ("prerequisites",)


@pytest.mark.req("PL-03")
def test_stage_one_is_no_program_stage() -> None:
    with pytest.raises(ValidationError) as err:
        item("a", stages=frozenset({Stage.IDENTIFICATION, Stage.TREATMENT}))
    assert err.value.paths == ("stages",)


@pytest.mark.req("PL-03")
def test_pre_release_needs_prison_among_the_origins() -> None:
    with pytest.raises(ValidationError) as err:
        item("a", pre_release=True, origins=frozenset({Origin.COMMUNITY}))
    assert err.value.paths == ("origins",)
    assert item("a", pre_release=True).for_origin(Origin.COMMUNITY)


@pytest.mark.req("PL-03")
def test_catalog_refuses_duplicates_unknown_prerequisites_and_cycles_at_once() -> None:
    with pytest.raises(ValidationError) as err:
        Catalog("1", (item("a", "b"), item("b", "c"), item("c", "a"), item("a"), item("d", "x")))
    assert problems_of(err) == {
        "interventions[3].code": "duplicate code 'a'; first at interventions[0]",
        "interventions[4].prerequisites": "unknown intervention 'x'",
        "interventions[0].prerequisites": "prerequisite cycle: a -> b -> c -> a",
    }


@pytest.mark.req("PL-03")
def test_get_names_the_catalog_and_close_codes() -> None:
    catalog = Catalog("v7", (item("labour_therapy"), item("mediation")))
    assert catalog.get("mediation").code == "mediation"
    with pytest.raises(ValidationError) as err:
        catalog.get("labor_therapy")
    assert problems_of(err) == {
        "code": "unknown intervention 'labor_therapy' in catalog v7; did you mean 'labour_therapy'?"
    }
    with pytest.raises(ValidationError) as err:
        catalog.get(3)  # type: ignore[arg-type]
    assert err.value.paths == ("code",)
    assert 3 not in catalog
    assert "mediation" in catalog


@pytest.mark.req("PL-03")
def test_order_puts_prerequisites_first_and_ties_by_code() -> None:
    catalog = Catalog("1", (item("z", "m"), item("m"), item("b"), item("a", "z")))
    assert catalog.order() == ("b", "m", "z", "a")


@pytest.mark.req("PL-03")
def test_extended_adds_and_replaces_in_place() -> None:
    catalog = Catalog("1", (item("a"), item("b", "a")))
    bigger = catalog.extended(item("c", "b"), item("a", weeks=9))
    assert bigger.codes == ("a", "b", "c")
    assert bigger.get("a").weeks == 9
    assert catalog.codes == ("a", "b")


@pytest.mark.req("PL-03")
def test_extended_is_checked_again() -> None:
    catalog = Catalog("1", (item("a"), item("b", "a")))
    with pytest.raises(ValidationError) as err:
        catalog.extended(item("c", "nothing"), item("a", "b"))
    assert problems_of(err) == {
        "interventions[2].prerequisites": "unknown intervention 'nothing'",
        "interventions[0].prerequisites": "prerequisite cycle: a -> b -> a",
    }
    with pytest.raises(ValidationError) as err:
        catalog.extended("c")  # type: ignore[arg-type]
    assert err.value.paths == ("interventions[0]",)


@pytest.mark.req("PL-03")
def test_without_refuses_while_still_required() -> None:
    catalog = Catalog("1", (item("a"), item("b", "a"), item("c")))
    assert catalog.without("c").codes == ("a", "b")
    assert catalog.without("a", "b").codes == ("c",)
    with pytest.raises(ValidationError) as err:
        catalog.without("a", "nope", 5)  # type: ignore[arg-type]
    assert problems_of(err) == {
        "codes[0]": "'a' is still required by b",
        "codes[1]": "unknown intervention 'nope'",
        "codes[2]": "must be a string, not an integer",
    }


# --- files ---------------------------------------------------------------------------------------


@pytest.mark.req("PL-03")
def test_a_small_catalog_loads_from_toml_and_json() -> None:
    catalog = catalog_from_toml(ONE)
    assert catalog.version == "t-1"
    guidance = catalog.get("guidance")
    assert guidance.stages == {Stage.SOCIAL_REHABILITATION}
    assert guidance.minimum_need is Need.MODERATE
    assert catalog_from_json(catalog_to_json(catalog)) == catalog
    assert load_catalog(ONE) == catalog
    assert load_catalog(catalog_to_json(catalog).encode(), format="json") == catalog


@pytest.mark.req("PL-03")
def test_minimum_need_is_read_by_name_or_value() -> None:
    assert catalog_from_toml(ONE + 'minimum_need = "high"\n').get("guidance").minimum_need == (
        Need.HIGH
    )
    assert catalog_from_toml(ONE + "minimum_need = 1\n").get("guidance").minimum_need == Need.LOW
    with pytest.raises(ValidationError) as err:
        catalog_from_toml(ONE + 'minimum_need = "severe"\n')
    assert err.value.paths == ("interventions[0].minimum_need",)


@pytest.mark.req("PL-03")
def test_unknown_keys_are_refused_with_their_path() -> None:
    with pytest.raises(ValidationError) as err:
        catalog_from_toml('region = "x"\n' + ONE + 'colour = "red"\n')
    assert set(err.value.paths) == {"region", "interventions[0].colour"}


@pytest.mark.req("PL-03")
@pytest.mark.parametrize("stage", ["3", '"I"', '"VI"', '"iii"', "true", '"3"'])
def test_stages_are_written_as_roman_numerals_two_to_five(stage: str) -> None:
    with pytest.raises(ValidationError) as err:
        catalog_from_toml(ONE.replace('stages = ["III"]', f'stages = ["IV", {stage}]'))
    assert err.value.paths == ("interventions[0].stages[1]",)
    assert "II, III, IV or V" in err.value.problems[0].message


@pytest.mark.req("PL-03")
def test_every_problem_of_a_file_is_reported_with_its_path() -> None:
    text = """
version = ""
[[interventions]]
code = "a"
name = "A"
domain = "sports"
addresses = ["work", "work"]
stages = []
weeks = 2.5
per_week = 1
providers = ["center"]
prerequisites = ["b", "missing"]

[[interventions]]
code = "b"
name = "B"
domain = "labour"
addresses = []
stages = ["IV"]
weeks = 4
per_week = 1
providers = []
prerequisites = ["a"]

[[interventions]]
code = "b"
name = "B again"
stages = ["IV"]
weeks = 4
per_week = 1
providers = ["ngo"]

[[interventions]]
"just a string"
"""
    with pytest.raises(ValidationError) as err:
        catalog_from_toml(text.replace('\n"just a string"', ""))
    found = problems_of(err)
    assert set(found) == {
        "version",
        "interventions[0].domain",
        "interventions[0].addresses[1]",
        "interventions[0].stages",
        "interventions[0].weeks",
        "interventions[0].prerequisites",
        "interventions[1].providers",
        "interventions[2].domain",
        "interventions[2].addresses",
        "interventions[3].code",
        "interventions[3].name",
        "interventions[3].domain",
        "interventions[3].addresses",
        "interventions[3].stages",
        "interventions[3].weeks",
        "interventions[3].per_week",
        "interventions[3].providers",
        "interventions[2].code",
    }
    assert found["interventions[2].code"] == "duplicate code 'b'; first at interventions[1]"
    assert [
        p.message for p in err.value.problems if p.path == "interventions[0].prerequisites"
    ] == [
        "unknown intervention 'missing'",
        "prerequisite cycle: a -> b -> a",
    ]


@pytest.mark.req("PL-03")
def test_a_prerequisite_cycle_in_a_custom_file_is_named_as_a_cycle() -> None:
    text = (
        ONE
        + 'prerequisites = ["placement"]\n'
        + ONE.split("\n", 2)[2]
        .replace('"guidance"', '"placement"')
        .replace('"Guidance"', '"Placement"')
        + 'prerequisites = ["guidance"]\n'
    )
    with pytest.raises(ValidationError) as err:
        catalog_from_toml(text)
    assert problems_of(err) == {
        "interventions[0].prerequisites": "prerequisite cycle: guidance -> placement -> guidance"
    }


@pytest.mark.req("PL-03")
def test_bad_documents_are_validation_errors() -> None:
    for text, path in [
        ("version = ", "$"),
        ('version = "1"', "interventions"),
        ('version = "1"\ninterventions = 3', "interventions"),
        ('version = "1"\ninterventions = [1]', "interventions[0]"),
    ]:
        with pytest.raises(ValidationError) as err:
            catalog_from_toml(text)
        assert path in err.value.paths, text
    for data in ["[", "[]", '{"version": "1", "interventions": {}}', b"\xff"]:
        with pytest.raises(ValidationError):
            catalog_from_json(data)
    with pytest.raises(ValidationError):
        catalog_from_toml(b"version")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        catalog_from_json(3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        load_catalog(3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        load_catalog(ONE, format="yaml")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        load_catalog(b"\xff")
    with pytest.raises(ValidationError):
        catalog_to_json("catalog")  # type: ignore[arg-type]


@pytest.mark.req("PL-03")
def test_load_catalog_reads_files_by_suffix(tmp_path: Path) -> None:
    catalog = default_catalog()
    as_json = tmp_path / "catalog.json"
    as_json.write_text(catalog_to_json(catalog), encoding="utf-8")
    as_toml = tmp_path / "catalog.toml"
    as_toml.write_text(toml_of(catalog), encoding="utf-8")
    assert load_catalog(as_json) == catalog
    assert load_catalog(as_toml) == catalog


@pytest.mark.req("PL-03")
def test_default_catalog_round_trips_through_json() -> None:
    catalog = default_catalog()
    assert catalog_from_json(catalog_to_json(catalog)) == catalog
    assert catalog_from_json(catalog_to_json(catalog, indent=None)) == catalog


# --- properties ----------------------------------------------------------------------------------


@pytest.mark.req("PL-03")
@given(catalogs())
def test_order_puts_every_prerequisite_before_its_dependents(catalog: Catalog) -> None:
    order = catalog.order()
    assert sorted(order) == sorted(catalog.codes)
    place = {code: n for n, code in enumerate(order)}
    for intervention in catalog.interventions:
        for need in intervention.prerequisites:
            assert place[need] < place[intervention.code]


@pytest.mark.req("PL-03")
@given(catalogs())
def test_generated_catalogs_load_from_toml_and_json(catalog: Catalog) -> None:
    assert catalog_from_json(catalog_to_json(catalog)) == catalog
    assert catalog_from_toml(toml_of(catalog)) == catalog


@pytest.mark.req("PL-03")
@given(catalogs(), st.data())
def test_an_edge_closing_a_cycle_is_refused(catalog: Catalog, data: st.DataObject) -> None:
    # codes longer than any generated one, so that they are new
    extra = (
        [data.draw(interventions(code=f"extra_intervention_{n}")) for n in range(2)]
        if len(catalog.codes) < 2
        else []
    )
    base = catalog.extended(*(attrs.evolve(i, prerequisites=frozenset()) for i in extra))
    codes = base.codes
    first = data.draw(st.integers(0, len(codes) - 2))
    second = data.draw(st.integers(first + 1, len(codes) - 1))
    earlier, later = base.get(codes[first]), base.get(codes[second])
    chained = base.extended(attrs.evolve(later, prerequisites=later.prerequisites | {earlier.code}))
    closing = attrs.evolve(earlier, prerequisites=earlier.prerequisites | {later.code})
    with pytest.raises(ValidationError) as err:
        chained.extended(closing)
    messages = [p.message for p in err.value.problems]
    assert len(messages) == 1
    assert messages[0].startswith("prerequisite cycle: ")
    cycle = messages[0].removeprefix("prerequisite cycle: ").split(" -> ")
    assert cycle[0] == cycle[-1]
    assert {earlier.code, later.code} <= set(cycle)


@pytest.mark.req("PL-03")
@given(catalogs(), st.data())
def test_without_a_leaf_keeps_the_rest(catalog: Catalog, data: st.DataObject) -> None:
    needed = {code for i in catalog.interventions for code in i.prerequisites}
    leaves = [code for code in catalog.codes if code not in needed]
    chosen = data.draw(st.lists(st.sampled_from(leaves), unique=True)) if leaves else []
    smaller = catalog.without(*chosen)
    assert smaller.codes == tuple(c for c in catalog.codes if c not in chosen)


@pytest.mark.req("PL-03")
@given(interventions())
def test_generated_interventions_are_program_interventions(intervention: Intervention) -> None:
    assert intervention.stages <= PROGRAM_STAGES
    assert intervention.providers
    assert intervention.code not in intervention.prerequisites
