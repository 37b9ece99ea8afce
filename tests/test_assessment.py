"""Diagnostic assessment across life domains and the rehabilitation potential (PL-01)."""

from __future__ import annotations

import json
import pickle
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.assessment import (
    DEFAULT_POTENTIAL_RULES,
    Assessment,
    Instrument,
    Item,
    LifeDomain,
    Need,
    PotentialLevel,
    PotentialRules,
    RecoveryCapital,
    Scale,
    StageOfChange,
    critical_domains,
    default_instrument,
    domain_needs,
    findings,
    instrument_from_json,
    instrument_from_toml,
    instrument_to_json,
    load_instrument,
    rehabilitation_potential,
)
from resocialize.errors import ValidationError
from resocialize.testing._assessment import (
    assessments,
    instruments,
    recovery_capitals,
    scales,
    stages_of_change,
)

pytestmark = pytest.mark.req("PL-01")

DAY = date(2026, 3, 2)
SEVERITY = Scale(0, 4, (1, 2, 3, 4))
RANK = {PotentialLevel.LOW: 0, PotentialLevel.MODERATE: 1, PotentialLevel.HIGH: 2}
STRONG = RecoveryCapital(6, 5, 4, 5)


def assess(
    changed: dict[str, int] | None = None,
    *,
    stage: StageOfChange = StageOfChange.ACTION,
    capital: RecoveryCapital = STRONG,
    instrument: Instrument | None = None,
    **changes: Any,
) -> Assessment:
    tool = instrument or default_instrument()
    values: dict[str, Any] = {
        "id": "as-1",
        "client_id": "cl-7",
        "instrument": tool,
        "scores": {item.code: 1 for item in tool.items} | (changed or {}),
        "assessor": "psy-2",
        "on": DAY,
        "stage_of_change": stage,
        "recovery_capital": capital,
    }
    values.update(changes)
    return Assessment(**values)


def problems_of(err: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {p.path: p.message for p in err.value.problems}


def caps(potential: Any) -> list[PotentialLevel]:
    return [PotentialLevel(r.details["cap"]) for r in potential.reasons if "cap" in r.details]


def with_score(assessment: Assessment, code: str, score: int) -> Assessment:
    return attrs.evolve(assessment, scores={**assessment.scores, code: score})


# --- the default instrument ----------------------------------------------------------------------


def test_default_instrument_rates_every_domain_once_on_the_severity_scale() -> None:
    tool = default_instrument()
    assert [item.domain for item in tool.items] == list(LifeDomain)
    assert all(item.scale.low == 0 and item.scale.high == 4 for item in tool.items)
    assert all(item.scale.cuts == (1, 2, 3, 4) for item in tool.items)
    assert all(item.label.endswith("?") for item in tool.items)
    assert tool.licence == "open"
    assert tool.source is not None and "not validated" in tool.source
    assert "Addiction Severity Index" in tool.source and "ASAM" in tool.source
    assert [SEVERITY.need_of(s) for s in range(5)] == list(Need)


# --- the assessment refuses bad scores -----------------------------------------------------------


@pytest.mark.parametrize("score", [-1, 5, 99])
def test_score_outside_its_item_scale_is_refused_with_path_and_scale(score: int) -> None:
    with pytest.raises(ValidationError) as err:
        assess({"family": score})
    assert problems_of(err) == {"scores.family": f"{score} is outside the scale 0-4 of item family"}


def test_score_for_an_item_the_instrument_lacks_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        assess({"sleep": 2})
    assert err.value.paths == ("scores.sleep",)
    assert "'resocialize-domains' has no item 'sleep'" in err.value.problems[0].message


def test_item_not_scored_is_refused() -> None:
    scores = {item.code: 0 for item in default_instrument().items if item.code != "money"}
    with pytest.raises(ValidationError) as err:
        assess(scores=scores)
    assert problems_of(err) == {"scores.money": "not scored"}


@pytest.mark.parametrize("score", [True, 2.0, "2", None])
def test_a_score_is_a_whole_number_and_true_is_not_one(score: object) -> None:
    with pytest.raises(ValidationError) as err:
        assess({"work": score})  # type: ignore[dict-item]
    assert err.value.paths == ("scores.work",)
    assert "whole number on the scale 0-4" in err.value.problems[0].message


def test_note_for_an_unknown_item_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        assess(notes={"work": "wants to retrain", "sleep": "poor", "money": " "})
    assert err.value.paths == ("notes.sleep", "notes.money")


def test_every_problem_of_an_assessment_is_reported_at_once() -> None:
    scores = {item.code: 1 for item in default_instrument().items}
    del scores["health"]
    scores |= {"work": 7, "sleep": 1, "family": False}
    with pytest.raises(ValidationError) as err:
        assess(
            None,
            scores=scores,
            client_id="",
            on="2026-03-02",
            stage_of_change="ready",
            notes={"nothing": "x"},
        )
    assert set(err.value.paths) == {
        "client_id",
        "on",
        "stage_of_change",
        "scores.health",
        "scores.family",
        "scores.work",
        "scores.sleep",
        "notes.nothing",
    }


def test_assessment_refuses_wrong_types_without_a_bare_error() -> None:
    with pytest.raises(ValidationError) as err:
        Assessment(
            "as-1",
            "cl-7",
            "default",  # type: ignore[arg-type]
            [1, 2],  # type: ignore[arg-type]
            "psy-2",
            DAY,
            StageOfChange.ACTION,
            (1, 2, 3, 4),  # type: ignore[arg-type]
            notes="none",  # type: ignore[arg-type]
        )
    assert err.value.paths == ("instrument", "scores", "recovery_capital", "notes")


def test_assessment_keeps_scores_read_only_and_compares_hashes_and_pickles() -> None:
    a = assess({"work": 3}, notes={"work": "no work for two years"})
    b = assess({"work": 3}, notes={"work": "no work for two years"})
    assert a == b and hash(a) == hash(b)
    assert a != assess({"work": 2})
    with pytest.raises(TypeError):
        a.scores["work"] = 0  # type: ignore[index]
    domain_needs(a)  # the cached profile is not part of the value
    assert pickle.loads(pickle.dumps(a)) == a


# --- instruments and scales ----------------------------------------------------------------------


def test_instrument_refuses_duplicate_item_codes_at_the_duplicate() -> None:
    item = Item("work", LifeDomain.WORK, "Work?", SEVERITY)
    with pytest.raises(ValidationError) as err:
        Instrument(
            "tool", "Tool", "1", (item, item, Item("x", LifeDomain.MONEY, "M?", SEVERITY), item)
        )
    assert err.value.paths == ("items[1].code", "items[3].code")


def test_instrument_needs_items() -> None:
    with pytest.raises(ValidationError) as err:
        Instrument("tool", "Tool", "1", ())
    assert problems_of(err) == {"items": "must hold at least one item"}


def test_unknown_item_is_refused_naming_the_instrument() -> None:
    with pytest.raises(ValidationError) as err:
        default_instrument().item("sleep")
    assert err.value.paths == ("code",)
    assert "instrument 'resocialize-domains' has no item 'sleep'" in str(err.value)
    with pytest.raises(ValidationError):
        default_instrument().item(["work"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("low", "high", "cuts", "path"),
    [
        (0, 4, (1, 2, 3, 5), "cuts[3]"),
        (0, 4, (0, 2, 3, 4), "cuts[0]"),
        (0, 4, (1, 3, 2, 4), "cuts[2]"),
        (4, 4, (4, 4, 4, 4), "high"),
        (0, 4, (1, 2, 3), "cuts"),
        (0, 4.0, (1, 2, 3, 4), "high"),
        (True, 4, (1, 2, 3, 4), "low"),
    ],
)
def test_scale_refuses_cuts_that_do_not_state_a_scale(
    low: int, high: int, cuts: tuple[int, int, int, int], path: str
) -> None:
    with pytest.raises(ValidationError) as err:
        Scale(low, high, cuts)
    assert path in err.value.paths


def test_scale_anchors_describe_every_score() -> None:
    assert Scale(0, 2, (1, 1, 2, 2), ("none", "some", "much")).need_of(1) is Need.MODERATE
    with pytest.raises(ValidationError) as err:
        Scale(0, 4, (1, 2, 3, 4), ("none", "some"))
    assert err.value.paths == ("anchors",)


@given(scales(), st.data())
def test_need_of_counts_the_cuts_reached(scale: Scale, data: st.DataObject) -> None:
    score = data.draw(st.integers(scale.low, scale.high))
    assert scale.need_of(score) == Need(sum(cut <= score for cut in scale.cuts))
    with pytest.raises(ValidationError):
        scale.need_of(scale.high + 1)


# --- needs and findings --------------------------------------------------------------------------

TWO_ITEMS = Instrument(
    "two",
    "Two work items",
    "1",
    (
        Item("skills", LifeDomain.WORK, "Work skills?", SEVERITY),
        Item("history", LifeDomain.WORK, "Work history?", Scale(1, 10, (3, 5, 8, 10))),
        Item("debts", LifeDomain.MONEY, "Debts?", SEVERITY),
    ),
)


def test_domain_need_is_the_highest_item_need_never_an_average() -> None:
    a = assess({"skills": 0, "history": 9, "debts": 0}, instrument=TWO_ITEMS)
    assert dict(domain_needs(a)) == {LifeDomain.WORK: Need.HIGH, LifeDomain.MONEY: Need.NONE}
    (found,) = findings(a)
    assert found.code == "finding.work"
    assert found.items == ("history",)
    assert found.message == "work: high need (item history scored 9 of 1-10)"


def test_findings_name_every_item_of_the_highest_need_in_canonical_order() -> None:
    a = assess({"skills": 3, "history": 8, "debts": 1}, instrument=TWO_ITEMS)
    assert [(f.domain, f.need, f.items) for f in findings(a)] == [
        (LifeDomain.WORK, Need.HIGH, ("skills", "history")),
        (LifeDomain.MONEY, Need.LOW, ("debts",)),
    ]
    assert findings(a)[0].message == (
        "work: high need (item skills scored 3 of 0-4; item history scored 8 of 1-10)"
    )
    assert critical_domains(a) == ()


@given(assessments())
def test_domain_need_equals_the_maximum_of_its_items_needs(assessment: Assessment) -> None:
    needs = domain_needs(assessment)
    tool = assessment.instrument
    assert list(needs) == [d for d in LifeDomain if d in tool.domains]
    for domain, need in needs.items():
        items = tool.items_in(domain)
        assert need == max(item.scale.need_of(assessment.scores[item.code]) for item in items)
    assert [f.domain for f in findings(assessment)] == [d for d, n in needs.items() if n]
    assert critical_domains(assessment) == tuple(d for d, n in needs.items() if n is Need.CRITICAL)


# --- the rehabilitation potential ----------------------------------------------------------------


@given(assessments(), st.data())
def test_a_single_critical_domain_gives_low_whatever_the_other_scores(
    assessment: Assessment, data: st.DataObject
) -> None:
    item = data.draw(st.sampled_from(assessment.instrument.items))
    score = data.draw(st.integers(item.scale.cuts[3], item.scale.high))
    critical = with_score(assessment, item.code, score)
    potential = rehabilitation_potential(critical)
    assert potential.level is PotentialLevel.LOW
    assert item.domain in potential.critical
    reasons = [r for r in potential.reasons if r.code == "potential.critical_domain"]
    assert [r.details["domain"] for r in reasons] == [d.value for d in potential.critical]
    mine = next(r for r in reasons if r.details["domain"] == item.domain.value)
    assert item.code in str(mine.details["items"]).split(", ")


@given(assessments(), st.data())
def test_raising_any_one_score_never_raises_the_level(
    assessment: Assessment, data: st.DataObject
) -> None:
    item = data.draw(st.sampled_from(assessment.instrument.items))
    score = data.draw(st.integers(assessment.scores[item.code], item.scale.high))
    before = rehabilitation_potential(assessment).level
    after = rehabilitation_potential(with_score(assessment, item.code, score)).level
    assert RANK[after] <= RANK[before]


@given(assessments())
def test_level_is_high_only_when_no_reason_caps_it(assessment: Assessment) -> None:
    potential = rehabilitation_potential(assessment)
    found = caps(potential)
    assert potential.reasons
    if found:
        assert potential.level is min(found, key=RANK.__getitem__)
    else:
        assert potential.level is PotentialLevel.HIGH
        assert [r.code for r in potential.reasons] == [
            "potential.ready",
            "potential.capital",
            "potential.needs_manageable",
        ]
    assert all(r.code.startswith("potential.") for r in potential.reasons)


@given(assessments())
def test_driver_is_the_first_domain_of_the_highest_need(assessment: Assessment) -> None:
    potential = rehabilitation_potential(assessment)
    needs = domain_needs(assessment)
    worst = max(needs.values())
    if worst is Need.NONE:
        assert potential.driver is None
    else:
        assert potential.driver == next(d for d, n in needs.items() if n is worst)
    assert potential.critical == critical_domains(assessment)


def test_precontemplation_gives_low_even_with_no_need() -> None:
    potential = rehabilitation_potential(assess(stage=StageOfChange.PRECONTEMPLATION))
    assert potential.level is PotentialLevel.LOW
    assert [r.code for r in potential.reasons] == ["potential.not_ready"]


def test_contemplation_caps_at_moderate() -> None:
    potential = rehabilitation_potential(assess(stage=StageOfChange.CONTEMPLATION))
    assert potential.level is PotentialLevel.MODERATE
    assert [r.code for r in potential.reasons] == ["potential.contemplating"]


def test_many_high_need_domains_cap_at_moderate() -> None:
    a = assess({"housing": 3, "work": 3, "family": 3})
    potential = rehabilitation_potential(a)
    assert potential.level is PotentialLevel.MODERATE
    (reason,) = potential.reasons
    assert reason.code == "potential.many_high_needs"
    assert reason.details["domains"] == "family, housing, work"
    assert potential.driver is LifeDomain.FAMILY
    fewer = rehabilitation_potential(a, rules=PotentialRules(high_needs_for_moderate=4))
    assert fewer.level is PotentialLevel.HIGH


@pytest.mark.parametrize(
    ("capital", "level", "code"),
    [
        (RecoveryCapital(4, 4, 3, 3), PotentialLevel.MODERATE, "potential.weak_capital"),
        (RecoveryCapital(2, 2, 2, 1), PotentialLevel.LOW, "potential.very_weak_capital"),
        (RecoveryCapital(0, 0, 0, 0), PotentialLevel.LOW, "potential.very_weak_capital"),
    ],
)
def test_weak_recovery_capital_caps_the_level(
    capital: RecoveryCapital, level: PotentialLevel, code: str
) -> None:
    potential = rehabilitation_potential(assess(capital=capital))
    assert potential.level is level
    assert [r.code for r in potential.reasons] == [code]


def test_every_capping_rule_is_reported_not_only_the_lowest() -> None:
    a = assess(
        {"health": 4, "legal": 4, "work": 3},
        stage=StageOfChange.CONTEMPLATION,
        capital=RecoveryCapital(3, 3, 3, 3),
    )
    potential = rehabilitation_potential(a)
    assert potential.level is PotentialLevel.LOW
    assert [r.code for r in potential.reasons] == [
        "potential.critical_domain",
        "potential.critical_domain",
        "potential.contemplating",
        "potential.many_high_needs",
        "potential.weak_capital",
    ]
    assert potential.critical == (LifeDomain.HEALTH, LifeDomain.LEGAL)
    assert potential.driver is LifeDomain.HEALTH


def test_no_need_anywhere_has_no_driver() -> None:
    tool = default_instrument()
    a = assess({item.code: 0 for item in tool.items})
    assert findings(a) == ()
    assert rehabilitation_potential(a).driver is None


@pytest.mark.parametrize(
    "function", [domain_needs, findings, critical_domains, rehabilitation_potential]
)
def test_functions_refuse_what_is_not_an_assessment(function: Any) -> None:
    with pytest.raises(ValidationError) as err:
        function({"scores": {}})
    assert err.value.paths == ("assessment",)


def test_potential_refuses_rules_that_are_not_rules() -> None:
    with pytest.raises(ValidationError) as err:
        rehabilitation_potential(assess(), rules={"capital_for_low": 3})  # type: ignore[arg-type]
    assert err.value.paths == ("rules",)


def test_potential_rules_are_checked_all_at_once() -> None:
    assert PotentialRules(3, 15, 8) == DEFAULT_POTENTIAL_RULES
    with pytest.raises(ValidationError) as err:
        PotentialRules(0, 41, -1)
    assert err.value.paths == ("high_needs_for_moderate", "capital_for_moderate", "capital_for_low")
    with pytest.raises(ValidationError) as err:
        PotentialRules(capital_for_moderate=10, capital_for_low=12)
    assert err.value.paths == ("capital_for_low",)


@given(recovery_capitals(), stages_of_change())
def test_recovery_capital_and_stage_alone_decide_when_needs_are_low(
    capital: RecoveryCapital, stage: StageOfChange
) -> None:
    level = rehabilitation_potential(assess(stage=stage, capital=capital)).level
    by_stage = {
        StageOfChange.PRECONTEMPLATION: PotentialLevel.LOW,
        StageOfChange.CONTEMPLATION: PotentialLevel.MODERATE,
    }.get(stage, PotentialLevel.HIGH)
    by_capital = (
        PotentialLevel.LOW
        if capital.total < 8
        else PotentialLevel.MODERATE
        if capital.total < 15
        else PotentialLevel.HIGH
    )
    assert level is min(by_stage, by_capital, key=RANK.__getitem__)


# --- a licensed instrument plugged in from a file ------------------------------------------------

LICENSED = """
# Six ASAM-like dimensions: the region's licensed copy would hold the real content;
# this test fixture holds none.
code = "region-six-dimensions"
name = "Six dimensions (region's licensed copy)"
version = "2026.1"
licence = "licensed to the region of the test; not redistributed"
source = "the region's licensed copy (placeholder text in this test)"

[scales.risk]
low = 0
high = 4
cuts = [1, 2, 3, 4]

[[items]]
code = "d1"
domain = "health"
label = "Dimension 1 (placeholder)"
scale = "risk"

[[items]]
code = "d2"
domain = "health"
label = "Dimension 2 (placeholder)"
scale = "risk"

[[items]]
code = "d3"
domain = "health"
label = "Dimension 3 (placeholder)"
scale = "risk"

[[items]]
code = "d4"
domain = "motivation"
label = "Dimension 4 (placeholder)"
scale = "risk"

[[items]]
code = "d5"
domain = "leisure"
label = "Dimension 5 (placeholder)"
scale = { low = 0, high = 8, cuts = [2, 4, 6, 8] }

[[items]]
code = "d6"
domain = "housing"
label = "Dimension 6 (placeholder)"
scale = "risk"
"""


def test_a_licensed_instrument_plugged_in_from_toml_works_end_to_end() -> None:
    tool = load_instrument(LICENSED)
    assert tool.licence.startswith("licensed")
    assert tool.domains == {
        LifeDomain.HEALTH,
        LifeDomain.MOTIVATION,
        LifeDomain.LEISURE,
        LifeDomain.HOUSING,
    }
    scores = {"d1": 0, "d2": 3, "d3": 1, "d4": 1, "d5": 5, "d6": 2}
    a = assess(scores, instrument=tool, stage=StageOfChange.PREPARATION)
    assert dict(domain_needs(a)) == {
        LifeDomain.HEALTH: Need.HIGH,
        LifeDomain.MOTIVATION: Need.LOW,
        LifeDomain.LEISURE: Need.MODERATE,
        LifeDomain.HOUSING: Need.MODERATE,
    }
    assert findings(a)[0].message == "health: high need (item d2 scored 3 of 0-4)"
    assert findings(a)[2].message == "leisure: moderate need (item d5 scored 5 of 0-8)"
    potential = rehabilitation_potential(a)
    assert potential.level is PotentialLevel.HIGH
    assert potential.driver is LifeDomain.HEALTH
    critical = rehabilitation_potential(with_score(a, "d6", 4))
    assert critical.level is PotentialLevel.LOW
    assert critical.reasons[0].details == {"domain": "housing", "items": "d6", "cap": "low"}
    assert instrument_from_json(instrument_to_json(tool)) == tool


def test_load_instrument_reads_files_by_suffix(tmp_path: Path) -> None:
    toml_file = tmp_path / "six.toml"
    toml_file.write_text(LICENSED, encoding="utf-8")
    json_file = tmp_path / "six.json"
    json_file.write_text(instrument_to_json(load_instrument(toml_file)), encoding="utf-8")
    assert load_instrument(json_file) == load_instrument(toml_file)
    assert load_instrument(json_file.read_bytes(), format="json") == load_instrument(toml_file)
    with pytest.raises(ValidationError) as err:
        load_instrument(LICENSED, format="yaml")  # type: ignore[arg-type]
    assert err.value.paths == ("format",)
    with pytest.raises(ValidationError) as err:
        load_instrument(42)  # type: ignore[arg-type]
    assert err.value.paths == ("source",)
    with pytest.raises(ValidationError) as err:
        load_instrument(b"\xff\xfe")
    assert err.value.paths == ("$",)


HEAD = 'code = "t"\nname = "T"\nversion = "1"\n'
ITEM = '[[items]]\ncode = "a"\ndomain = "work"\nlabel = "Work?"\n'


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("code = ", {"$"}),
        ('name = "T"\n' + ITEM + 'scale = "s"\n', {"code", "version", "items[0].scale"}),
        (HEAD + 'colour = "red"\nitems = []\n', {"colour", "items"}),
        (HEAD + "items = 3\n", {"items"}),
        (HEAD + "scales = 1\n" + ITEM + 'scale = "s"\n', {"scales", "items[0].scale"}),
        (
            HEAD + ITEM + "scale = { low = 0, high = 4, cuts = [1, 2, 3, 4.5], hue = 1 }\n",
            {"items[0].scale.hue", "items[0].scale.cuts"},
        ),
        (
            HEAD + ITEM + 'scale = { low = "0", cuts = 4 }\n',
            {"items[0].scale.high", "items[0].scale.cuts", "items[0].scale.low"},
        ),
        (
            HEAD
            + "[scales.s]\nlow = 0\nhigh = 4\ncuts = [1, 2, 3, 4]\nanchors = ['a']\n"
            + ITEM
            + 'scale = "s"\n',
            {"scales.s.anchors", "items[0].scale"},
        ),
        (
            HEAD + ITEM.replace('"work"', '"sleep"') + 'scale = "s"\nextra = 1\n',
            {"items[0].domain", "items[0].scale", "items[0].extra"},
        ),
        (
            HEAD + ITEM + 'scale = "s"\n' + ITEM.replace('"Work?"', '""') + 'scale = "s"\n'
            "[scales.s]\nlow = 0\nhigh = 4\ncuts = [1, 2, 3, 4]\n",
            {"items[1].code", "items[1].label"},
        ),
        (
            HEAD + "items = [1, { code = 'b' }]\n",
            {"items[0]", "items[1].domain", "items[1].label", "items[1].scale"},
        ),
    ],
)
def test_toml_loader_refuses_bad_documents_with_every_path(
    document: str, expected: set[str]
) -> None:
    with pytest.raises(ValidationError) as err:
        instrument_from_toml(document)
    assert set(err.value.paths) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", {"$"}),
        ("[]", {"$"}),
        (b"\xff", {"$"}),
        (
            '{"code": "t", "name": "T", "version": 1, "items": [{}]}',
            {"version", "items[0].code", "items[0].domain", "items[0].label", "items[0].scale"},
        ),
        (
            '{"code": "t", "name": "T", "version": "1", "source": "", "licence": 3, "items": '
            '[{"code": "a", "domain": "work", "label": "W", "scale": '
            '{"low": 0, "high": 2, "cuts": [1, 1, 2, 2.0]}}]}',
            {"source", "licence", "items[0].scale.cuts"},
        ),
    ],
)
def test_json_loader_refuses_bad_documents_with_every_path(
    text: str | bytes, expected: set[str]
) -> None:
    with pytest.raises(ValidationError) as err:
        instrument_from_json(text)
    assert set(err.value.paths) == expected


def test_loaders_refuse_what_is_not_text() -> None:
    with pytest.raises(ValidationError):
        instrument_from_toml(b"code = 1")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        instrument_from_json({"code": "t"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as err:
        instrument_to_json("default")  # type: ignore[arg-type]
    assert err.value.paths == ("instrument",)


@given(instruments())
def test_instruments_round_trip_through_json(instrument: Instrument) -> None:
    text = instrument_to_json(instrument)
    assert instrument_from_json(text) == instrument
    assert instrument_from_json(text.encode()) == instrument
    assert json.loads(text)["items"][0]["code"] == instrument.items[0].code


def test_default_instrument_round_trips_through_json() -> None:
    tool = default_instrument()
    assert instrument_from_json(instrument_to_json(tool, indent=None)) == tool


@given(assessments())
def test_assessments_and_potentials_round_trip_through_the_generic_converter(
    assessment: Assessment,
) -> None:
    from resocialize.serialization import structure, unstructure

    data = json.loads(json.dumps(unstructure(assessment)))
    assert structure(data, Assessment) == assessment
    potential = rehabilitation_potential(assessment)
    assert structure(unstructure(potential), type(potential)) == potential
    for finding in findings(assessment):
        assert structure(unstructure(finding), type(finding)) == finding
