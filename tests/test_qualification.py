"""Qualification of centers against a region's criteria (RG-02, RG-03, RG-05, RG-06)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.centers import (
    SERVICE_STAGES,
    Center,
    Certification,
    CertificationChange,
    ChangeKind,
    Finding,
    FindingArea,
    Inspection,
    Licence,
    LicenceKind,
    Program,
    Qualification,
    Scheme,
    Setting,
    Severity,
    StaffCount,
)
from resocialize.effectiveness import Effectiveness
from resocialize.errors import ValidationError
from resocialize.money import Money
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Stage
from resocialize.qualification import (
    DEFAULT_KINDS,
    CriteriaSet,
    Criterion,
    CriterionKind,
    Param,
    QualificationContext,
    QualificationResult,
    Verdict,
    check_criteria,
    criteria_from_json,
    criteria_from_toml,
    criteria_to_json,
    default_criteria,
    load_criteria,
    qualify,
    qualify_many,
)

ON = date(2026, 6, 1)
III, IV, V = Stage.SOCIAL_REHABILITATION, Stage.RESOCIALIZATION, Stage.PATRONAGE


def program(
    id: str = "p-1",
    stage: Stage = III,
    days: int = 180,
    places: int = 20,
    setting: Setting = Setting.RESIDENTIAL,
    minimum_age: int = 18,
    medical: bool = False,
) -> Program:
    return Program(
        id, stage, days, Money.of(90000, "RUB"), places, setting, minimum_age, medical=medical
    )


def certification(
    id: str = "cert-7",
    issued: date = date(2025, 1, 10),
    until: date = date(2028, 1, 9),
    scope: frozenset[Stage] = SERVICE_STAGES,
    changes: tuple[CertificationChange, ...] = (),
) -> Certification:
    return Certification(id, "cert-body-1", Scheme.VOLUNTARY_SCHEME, issued, until, scope, changes)


def finding(
    code: str = "hr-1",
    area: FindingArea = FindingArea.HUMAN_RIGHTS,
    severity: Severity = Severity.SERIOUS,
    deadline: date | None = date(2026, 5, 1),
    resolved_on: date | None = None,
) -> Finding:
    return Finding(code, area, severity, "clients kept from leaving", deadline, resolved_on)


def inspected(*findings: Finding, on: date = date(2026, 4, 1)) -> Inspection:
    return Inspection("insp-1", on, "inspectorate-1", findings)


def good_center(**changes: Any) -> Center:
    """A center that meets every default criterion on ON."""
    center = Center(
        "center-1",
        "Hope Farm",
        OwnershipForm.NON_GOVERNMENTAL,
        "Borovichi",
        programs=(program(),),
        staff=(
            StaffCount(Qualification.PSYCHOLOGIST, 2),
            StaffCount(Qualification.SPECIALIST_IN_SOCIAL_WORK, 1),
        ),
        certifications=(certification(),),
    )
    return attrs.evolve(center, **changes)


def criterion(kind: str, /, **params: Any) -> CriteriaSet:
    return CriteriaSet("test", "1", (Criterion("rule.under_test", kind, f"a {kind} rule", params),))


def outcome(
    center: Center,
    kind: str,
    /,
    on: date = ON,
    effectiveness: Effectiveness | None = None,
    **params: Any,
) -> tuple[bool, str, str]:
    result = qualify(center, criterion(kind, **params), on=on, effectiveness=effectiveness)
    (only,) = result.outcomes
    return only.passed, only.reason.code, only.reason.message


# --- the result -----------------------------------------------------------------------------------


@pytest.mark.req("RG-02")
def test_every_criterion_has_an_outcome_with_a_reason_passed_ones_too() -> None:
    rules = default_criteria()
    result = qualify(good_center(), rules, on=ON)
    assert result.qualified
    assert [o.code for o in result.outcomes] == [c.code for c in rules.criteria]
    for o, c in zip(result.outcomes, rules.criteria, strict=True):
        assert o.description == c.description
        assert o.reason.message
        assert o.reason.details["criterion"] == c.code
    assert result.decision.allowed


@pytest.mark.req("RG-02")
def test_a_failing_center_is_refused_with_the_reason_of_every_failed_criterion() -> None:
    center = good_center(
        certifications=(), inspections=(inspected(finding()),), staff=(), programs=(program(),)
    )
    result = qualify(center, default_criteria(), on=ON)
    assert not result.qualified
    assert [o.code for o in result.failed] == [
        "certification.valid",
        "findings.human_rights",
        "findings.overdue",
        "staff.psychologists",
        "staff.social_work",
    ]
    assert result.decision.codes == (
        "certification.invalid",
        "findings.unresolved",
        "findings.overdue",
        "staff.insufficient",
        "staff.insufficient",
    )


# --- certification (RG-03) ------------------------------------------------------------------------


@pytest.mark.req("RG-03")
def test_a_valid_certification_passes_and_says_until_when() -> None:
    passed, code, message = outcome(good_center(), "certification_valid")
    assert (passed, code) == (True, "certification.valid")
    assert message == "certification cert-7 valid until 2028-01-09 for stage III"


@pytest.mark.req("RG-03")
@pytest.mark.parametrize(
    ("cert", "status"),
    [
        (certification(until=date(2026, 5, 31)), "expired"),
        (certification(issued=date(2026, 7, 1)), "not_yet_valid"),
        (
            certification(
                changes=(CertificationChange(date(2026, 3, 1), ChangeKind.SUSPENDED, "audit", "b"),)
            ),
            "suspended",
        ),
        (
            certification(
                changes=(CertificationChange(date(2026, 3, 1), ChangeKind.REVOKED, "fraud", "b"),)
            ),
            "revoked",
        ),
        (certification(scope=frozenset({IV, V})), "none"),
    ],
)
def test_a_certification_that_is_not_valid_on_the_date_disqualifies(
    cert: Certification, status: str
) -> None:
    result = qualify(good_center(certifications=(cert,)), criterion("certification_valid"), on=ON)
    (only,) = result.outcomes
    assert not only.passed
    assert only.reason.code == "certification.invalid"
    assert only.reason.details["status_III"] == status


@pytest.mark.req("RG-03")
def test_a_reinstated_certification_is_valid_again() -> None:
    changes = (
        CertificationChange(date(2026, 3, 1), ChangeKind.SUSPENDED, "audit", "b"),
        CertificationChange(date(2026, 5, 1), ChangeKind.REINSTATED, "fixed", "b"),
    )
    passed, _, _ = outcome(
        good_center(certifications=(certification(changes=changes),)), "certification_valid"
    )
    assert passed


@pytest.mark.req("RG-03")
def test_every_stage_the_center_runs_needs_its_certification() -> None:
    center = good_center(
        programs=(program(), program("p-2", IV)),
        certifications=(certification(scope=frozenset({III})),),
    )
    passed, _, message = outcome(center, "certification_valid")
    assert not passed
    assert message == "no valid certification on 2026-06-01: stage IV (none held)"
    assert outcome(center, "certification_valid", stages=["III"])[0]


@pytest.mark.req("RG-03")
def test_a_center_without_programs_of_the_stages_needs_no_certification() -> None:
    passed, code, _ = outcome(good_center(programs=(), certifications=()), "certification_valid")
    assert (passed, code) == (True, "certification.not_required")


# --- licences -------------------------------------------------------------------------------------


@pytest.mark.req("RG-02")
def test_a_medical_program_without_a_medical_licence_disqualifies() -> None:
    center = good_center(programs=(program(medical=True),))
    passed, code, message = outcome(center, "licence_where_required")
    assert (passed, code) == (False, "licence.missing")
    assert "no medical licence is in force on 2026-06-01 for p-1" in message


@pytest.mark.req("RG-02")
def test_a_medical_licence_in_force_passes_and_a_revoked_one_does_not() -> None:
    licence = Licence(LicenceKind.MEDICAL, "LO-53-01", "health-1", date(2024, 1, 1))
    center = good_center(programs=(program(medical=True),), licences=(licence,))
    assert outcome(center, "licence_where_required")[:2] == (True, "licence.in_force")
    revoked = attrs.evolve(licence, revoked_on=date(2026, 5, 1))
    assert not outcome(attrs.evolve(center, licences=(revoked,)), "licence_where_required")[0]


@pytest.mark.req("RG-02")
def test_no_licence_is_needed_without_a_program_that_needs_one() -> None:
    assert outcome(good_center(), "licence_where_required")[:2] == (True, "licence.not_required")
    minors = good_center(programs=(program(minimum_age=14),))
    assert not outcome(
        minors, "licence_where_required", kind="educational", applies_to="minors_programs"
    )[0]


# --- staff ----------------------------------------------------------------------------------------


def staffed(psychologists: int, *programs: Program) -> Center:
    return good_center(
        programs=programs, staff=(StaffCount(Qualification.PSYCHOLOGIST, psychologists),)
    )


PSYCHOLOGISTS = {"qualification": "psychologist", "per_places": 15, "min": 1}


@pytest.mark.req("RG-02")
def test_one_psychologist_per_15_places_rounds_up() -> None:
    forty = (program(places=25), program("p-2", IV, places=15, setting=Setting.DAY))
    assert not outcome(staffed(2, *forty), "staff_per_places", **PSYCHOLOGISTS)[0]
    passed, code, message = outcome(staffed(3, *forty), "staff_per_places", **PSYCHOLOGISTS)
    assert (passed, code) == (True, "staff.sufficient")
    assert message == (
        "3 psychologist staff for 40 residential and day places "
        "(needed 3: 1 per 15 places, at least 1)"
    )


@pytest.mark.req("RG-02")
def test_the_absolute_minimum_holds_however_few_the_places() -> None:
    assert not outcome(staffed(0, program(places=2)), "staff_per_places", **PSYCHOLOGISTS)[0]
    assert outcome(staffed(1, program(places=2)), "staff_per_places", **PSYCHOLOGISTS)[0]


@pytest.mark.req("RG-02")
def test_outpatient_places_count_only_when_the_region_says_so() -> None:
    outpatient = program(places=60, setting=Setting.OUTPATIENT)
    assert outcome(staffed(1, outpatient), "staff_per_places", **PSYCHOLOGISTS)[0]
    every = {**PSYCHOLOGISTS, "settings": ["residential", "day", "outpatient"]}
    assert not outcome(staffed(1, outpatient), "staff_per_places", **every)[0]


# --- program length -------------------------------------------------------------------------------


@pytest.mark.req("RG-02")
@pytest.mark.parametrize(("days", "passed"), [(29, False), (30, True), (365, True), (366, False)])
def test_stage_iii_programs_last_30_to_365_days(days: int, passed: bool) -> None:
    center = good_center(programs=(program(days=days), program("p-4", IV, days=5)))
    assert outcome(center, "program_length", stage="III", min_days=30, max_days=365)[0] is passed


@pytest.mark.req("RG-02")
def test_a_center_without_a_program_of_the_stage_passes_program_length() -> None:
    result = outcome(good_center(), "program_length", stage="V", min_days=90)
    assert result[:2] == (True, "program_length.no_program")


def test_program_length_bounds_must_make_sense() -> None:
    with pytest.raises(ValidationError) as caught:
        check_criteria(criterion("program_length", stage="III", min_days=60, max_days=30))
    assert caught.value.paths == ("criteria[0].params.max_days",)
    with pytest.raises(ValidationError) as caught:
        check_criteria(criterion("program_length", stage="III"))
    assert caught.value.paths == ("criteria[0].params.max_days",)


# --- findings of state control (RG-05) ------------------------------------------------------------


@pytest.mark.req("RG-05")
def test_serious_unresolved_human_rights_finding_disqualifies() -> None:
    center = good_center(inspections=(inspected(finding()),))
    passed, code, message = outcome(center, "no_serious_unresolved_finding")
    assert (passed, code) == (False, "findings.unresolved")
    assert message == (
        "unresolved serious human_rights finding hr-1 (inspection insp-1 of 2026-04-01): "
        "clients kept from leaving"
    )
    assert not qualify(center, default_criteria(), on=ON).qualified


@pytest.mark.req("RG-05")
def test_a_serious_human_rights_finding_disqualifies_even_before_its_deadline() -> None:
    center = good_center(inspections=(inspected(finding(deadline=date(2026, 12, 1))),))
    assert not outcome(center, "no_serious_unresolved_finding")[0]


@pytest.mark.req("RG-05")
def test_a_resolved_human_rights_finding_no_longer_disqualifies() -> None:
    center = good_center(inspections=(inspected(finding(resolved_on=date(2026, 5, 20))),))
    assert outcome(center, "no_serious_unresolved_finding")[:2] == (
        True,
        "findings.none_unresolved",
    )
    # but on a date before it was resolved, it did
    assert not outcome(center, "no_serious_unresolved_finding", on=date(2026, 5, 19))[0]


@pytest.mark.req("RG-05")
def test_a_finding_is_known_only_from_the_inspection_on() -> None:
    center = good_center(inspections=(inspected(finding(deadline=None), on=date(2026, 7, 1)),))
    assert outcome(center, "no_serious_unresolved_finding")[0]


@pytest.mark.req("RG-05")
@pytest.mark.parametrize(
    ("area", "severity"),
    [
        (FindingArea.HUMAN_RIGHTS, Severity.MODERATE),
        (FindingArea.SANITARY, Severity.SERIOUS),
    ],
)
def test_only_serious_human_rights_findings_disqualify_by_default(
    area: FindingArea, severity: Severity
) -> None:
    center = good_center(inspections=(inspected(finding(area=area, severity=severity)),))
    assert outcome(center, "no_serious_unresolved_finding")[0]
    assert not outcome(
        center, "no_serious_unresolved_finding", areas=[area.value], severity="minor"
    )[0]


@pytest.mark.req("RG-05")
def test_a_finding_past_its_deadline_disqualifies_and_one_before_it_does_not() -> None:
    late = good_center(inspections=(inspected(finding(area=FindingArea.SAFETY)),))
    passed, code, message = outcome(late, "no_overdue_findings")
    assert (passed, code) == (False, "findings.overdue")
    assert "finding hr-1 (safety, serious) was due 2026-05-01" in message
    assert outcome(late, "no_overdue_findings", on=date(2026, 5, 1))[0]
    minor = good_center(inspections=(inspected(finding(severity=Severity.MINOR)),))
    assert outcome(minor, "no_overdue_findings", severity="moderate")[0]
    assert not outcome(minor, "no_overdue_findings")[0]


# --- effectiveness (RG-06) ------------------------------------------------------------------------


def measured(**counts: int) -> Effectiveness:
    return Effectiveness("center-1", date(2025, 1, 1), date(2025, 12, 31), ON, **counts)


COMPLETION = {"measure": "completion_rate", "minimum": "0.30", "min_graduates": 20}


@pytest.mark.req("RG-06")
def test_completion_below_the_minimum_disqualifies_once_enough_are_counted() -> None:
    poor = measured(admissions=40, completions=10, dropouts=30)
    passed, code, message = outcome(
        good_center(), "effectiveness_threshold", effectiveness=poor, **COMPLETION
    )
    assert (passed, code) == (False, "effectiveness.below_minimum")
    assert message == "completion_rate 25.0% (1/4) over 40 admissions; the minimum is 0.30"
    good = measured(admissions=40, completions=12)
    assert outcome(good_center(), "effectiveness_threshold", effectiveness=good, **COMPLETION)[0]


@pytest.mark.req("RG-06")
def test_the_threshold_waits_for_enough_graduates() -> None:
    few = measured(admissions=30, completions=12, remission_6m_cohort=12, remission_12m_cohort=12)
    passed, code, message = outcome(
        good_center(),
        "effectiveness_threshold",
        effectiveness=few,
        measure="remission_12m_rate",
        minimum="0.5",
        min_graduates=20,
    )
    assert (passed, code) == (True, "effectiveness.too_few_graduates")
    assert "not enough graduates yet (12 < 20)" in message


@pytest.mark.req("RG-06")
def test_without_a_measured_effectiveness_a_center_has_no_graduates_yet() -> None:
    passed, _, message = outcome(good_center(), "effectiveness_threshold", **COMPLETION)
    assert passed
    assert message.startswith("no effectiveness measured: not enough admissions yet (0 < 20)")


def test_an_effectiveness_measured_for_another_center_is_refused() -> None:
    other = attrs.evolve(measured(), center_id="center-2")
    with pytest.raises(ValidationError) as caught:
        qualify(good_center(), default_criteria(), on=ON, effectiveness=other)
    assert caught.value.paths == ("effectiveness",)


# --- places and ownership -------------------------------------------------------------------------


@pytest.mark.req("RG-02")
def test_a_center_needs_a_minimum_of_places() -> None:
    assert not outcome(good_center(programs=(program(places=0),)), "minimum_places", places=1)[0]
    assert outcome(good_center(), "minimum_places", places=20, stage="III")[0]
    assert not outcome(good_center(), "minimum_places", places=1, stage="IV")[0]


@pytest.mark.req("RG-02")
def test_programs_for_minors_are_run_by_state_centers_only() -> None:
    minors = good_center(programs=(program(minimum_age=14),), ownership=OwnershipForm.RELIGIOUS)
    rule = {"forms": ["state"], "applies_to": "minors_programs"}
    passed, code, message = outcome(minors, "ownership_in", **rule)
    assert (passed, code) == (False, "ownership.not_allowed")
    assert "are run only by centers of state ownership; this center is religious" in message
    state = attrs.evolve(minors, ownership=OwnershipForm.STATE)
    assert outcome(state, "ownership_in", **rule)[:2] == (True, "ownership.allowed")
    adults = attrs.evolve(minors, programs=(program(),))
    assert outcome(adults, "ownership_in", **rule)[:2] == (True, "ownership.not_applicable")


# --- a region's own kind --------------------------------------------------------------------------


def uses(center: Center, on: date, params: Mapping[str, Any], ctx: QualificationContext) -> Verdict:
    technology = params["technology"]
    if any(technology in p.technologies for p in center.programs):
        return Verdict.met("technology.used", f"a program uses {technology}")
    return Verdict.unmet("technology.unused", f"no program uses {technology}")


USES = CriterionKind(uses, {"technology": Param.text()}, "a program uses a technology")


@pytest.mark.req("RG-02")
def test_a_region_adds_a_kind_of_its_own_by_passing_it() -> None:
    rules = CriteriaSet(
        "north",
        "1",
        (
            *default_criteria().criteria,
            Criterion("technology.art", "uses", "art therapy", {"technology": "art_therapy"}),
        ),
    )
    kinds = DEFAULT_KINDS | {"uses": USES}
    result = qualify(good_center(), rules, on=ON, kinds=kinds)
    assert result.failed[0].reason.code == "technology.unused"
    art = good_center(programs=(attrs.evolve(program(), technologies={"art_therapy"}),))
    assert qualify(art, rules, on=ON, kinds=kinds).qualified
    assert "uses" not in DEFAULT_KINDS
    with pytest.raises(ValidationError) as caught:
        qualify(good_center(), rules, on=ON)
    assert caught.value.paths == ("criteria[13].kind",)


def test_a_kind_that_does_not_answer_with_a_verdict_is_named() -> None:
    broken = CriterionKind(lambda *args: True, {}, "broken")  # type: ignore[arg-type,return-value]
    with pytest.raises(ValidationError) as caught:
        qualify(good_center(), criterion("broken"), on=ON, kinds={"broken": broken})
    assert caught.value.paths == ("kinds.broken",)


def test_a_kind_checks_its_own_shape() -> None:
    with pytest.raises(ValidationError) as caught:
        CriterionKind("not a function", {"x": 1}, "")  # type: ignore[arg-type,dict-item]
    assert caught.value.paths == ("evaluate", "params", "description")


# --- bad criteria ---------------------------------------------------------------------------------

BAD = """
region = "north"
version = "2026.1"

[[criteria]]
code = "certification.valid"
kind = "certification_valid"
description = "valid certification"

[[criteria]]
code = "rights.no_torture"
kind = "no_torture"
description = "no torture"

[[criteria]]
code = "staff.psychologists"
kind = "staff_per_places"
description = "one psychologist per 15 places"
params = { qualification = "psychologist" }

[[criteria]]
code = "staff.social_work"
kind = "staff_per_places"
description = "one specialist per 20 places"
params = { qualification = "social_worker", per_places = "20", colour = "red" }

[[criteria]]
code = "certification.valid"
kind = "minimum_places"
description = "places"
params = { places = 1.5 }
"""


@pytest.mark.req("RG-02")
def test_a_bad_criteria_file_is_refused_with_every_problem_and_its_path() -> None:
    with pytest.raises(ValidationError) as caught:
        criteria_from_toml(BAD)
    assert caught.value.paths == (
        "criteria[1].kind",
        "criteria[2].params.per_places",
        "criteria[3].params.per_places",
        "criteria[3].params.colour",
        "criteria[4].params.places",
        "criteria[4].code",
    )
    messages = {p.path: p.message for p in caught.value.problems}
    assert messages["criteria[1].kind"].startswith("unknown kind 'no_torture'; known: ")
    assert messages["criteria[2].params.per_places"] == "missing parameter (integer >= 1)"
    assert messages["criteria[3].params.per_places"] == (
        "must be an integer, not a string (integer >= 1)"
    )
    assert messages["criteria[3].params.colour"].startswith("unknown parameter")
    assert "float" in messages["criteria[4].params.places"]
    assert "duplicate code 'certification.valid'" in messages["criteria[4].code"]


@pytest.mark.req("RG-02")
@pytest.mark.parametrize(
    ("document", "paths"),
    [
        ({"region": "n", "version": "1"}, ["criteria"]),
        ({"region": "n", "version": 1, "criteria": [], "extra": 1}, ["extra", "version"]),
        ({"region": "n", "version": "1", "criteria": {}}, ["criteria"]),
        ({"region": "n", "version": "1", "criteria": [5]}, ["criteria[0]"]),
        (
            {"region": "n", "version": "1", "criteria": [{"code": "Bad", "kynd": "x"}]},
            ["criteria[0].kynd", "criteria[0].code", "criteria[0].kind", "criteria[0].description"],
        ),
        (
            {
                "region": "n",
                "version": "1",
                "criteria": [
                    {"code": "a.b", "kind": "staff_per_places", "description": "d", "params": []}
                ],
            },
            ["criteria[0].params"],
        ),
        (
            {
                "region": "n",
                "version": "1",
                "criteria": [
                    {
                        "code": "a.b",
                        "kind": "ownership_in",
                        "description": "d",
                        "params": {"forms": ["state", "royal", {}]},
                    }
                ],
            },
            ["criteria[0].params.forms[2]"],
        ),
        (
            {
                "region": "n",
                "version": "1",
                "criteria": [
                    {
                        "code": "a.b",
                        "kind": "ownership_in",
                        "description": "d",
                        "params": {"forms": ["state", "royal"], "applies_to": "everyone"},
                    }
                ],
            },
            ["criteria[0].params.forms", "criteria[0].params.applies_to"],
        ),
        ([], ["$"]),
    ],
)
def test_a_bad_json_document_names_every_bad_field(document: object, paths: list[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        criteria_from_json(json.dumps(document))
    assert list(caught.value.paths) == paths


@pytest.mark.parametrize("text", ["region = ", "[[criteria]\n", 'region = "a"\nregion = "b"'])
def test_text_that_is_not_toml_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        criteria_from_toml(text)
    assert caught.value.paths == ("$",)


@pytest.mark.parametrize("text", ["{", b"\xff", "[" * 100000])
def test_text_that_is_not_json_is_refused(text: str | bytes) -> None:
    with pytest.raises(ValidationError) as caught:
        criteria_from_json(text)
    assert caught.value.paths == ("$",)


def test_dates_and_tables_are_not_parameter_values() -> None:
    text = """
region = "n"
version = "1"
[[criteria]]
code = "a.b"
kind = "minimum_places"
description = "d"
params = { places = 2026-01-01, stage = { x = 1 } }
"""
    with pytest.raises(ValidationError) as caught:
        criteria_from_toml(text)
    assert caught.value.paths == ("criteria[0].params.places", "criteria[0].params.stage")


def test_a_criterion_checks_its_own_shape() -> None:
    with pytest.raises(ValidationError) as caught:
        Criterion("Bad Code", "Kind!", "", {"x": 1.0, "y": [1, [2]]})  # type: ignore[dict-item]
    assert caught.value.paths == (
        "code",
        "kind",
        "description",
        "params.x",
        "params.y[1]",
    )


def test_criteria_sets_refuse_duplicate_codes() -> None:
    one = Criterion("a.b", "minimum_places", "d", {"places": 1})
    with pytest.raises(ValidationError) as caught:
        CriteriaSet("n", "1", (one, one))
    assert caught.value.paths == ("criteria[1].code",)
    with pytest.raises(ValidationError) as caught:
        qualify(good_center(), [one, one], on=ON)
    assert caught.value.paths == ("criteria[1].code",)


def test_bad_arguments_to_qualify_are_all_named() -> None:
    with pytest.raises(ValidationError) as caught:
        qualify("center-1", "rules", on="2026-06-01")  # type: ignore[arg-type]
    assert caught.value.paths == ("center", "on", "criteria")
    with pytest.raises(ValidationError) as caught:
        qualify_many([good_center(), good_center(), 3], default_criteria(), on=ON)  # type: ignore[list-item]
    assert caught.value.paths == ("centers[1].id", "centers[2]")


# --- loading --------------------------------------------------------------------------------------


@pytest.mark.req("RG-02")
def test_the_default_criteria_ship_with_the_package_and_fit_their_kinds() -> None:
    rules = default_criteria()
    check_criteria(rules)
    assert rules.region == "default"
    assert {c.kind for c in rules.criteria} == set(DEFAULT_KINDS)
    assert rules.get("program_length.stage_iii") == Criterion(
        "program_length.stage_iii",
        "program_length",
        "stage III programs last 30 to 365 days",
        {"stage": "III", "min_days": 30, "max_days": 365},
    )
    assert rules.get("no.such") is None


@pytest.mark.req("RG-02")
def test_criteria_round_trip_through_json() -> None:
    rules = default_criteria()
    assert criteria_from_json(criteria_to_json(rules)) == rules


@pytest.mark.req("RG-02")
def test_a_region_changes_a_figure_without_code(tmp_path: Path) -> None:
    text = """
region = "north"
version = "2026.1"

[[criteria]]
code = "staff.psychologists"
kind = "staff_per_places"
description = "one psychologist per 10 places"
params = { qualification = "psychologist", per_places = 10, min = 1 }
"""
    (tmp_path / "north.toml").write_text(text, encoding="utf-8")
    rules = load_criteria(tmp_path / "north.toml")
    assert rules == criteria_from_toml(text) == load_criteria(text)
    (tmp_path / "north.json").write_text(criteria_to_json(rules), encoding="utf-8")
    assert load_criteria(tmp_path / "north.json") == rules
    assert load_criteria(criteria_to_json(rules).encode(), format="json") == rules
    staff = (
        StaffCount(Qualification.PSYCHOLOGIST, 2),
        StaffCount(Qualification.SPECIALIST_IN_SOCIAL_WORK, 2),
    )
    center = good_center(programs=(program(places=25),), staff=staff)
    assert qualify(center, default_criteria(), on=ON).qualified
    assert not qualify(center, rules, on=ON).qualified


def test_load_criteria_refuses_what_is_neither_path_nor_text() -> None:
    with pytest.raises(ValidationError) as caught:
        load_criteria(42)  # type: ignore[arg-type]
    assert caught.value.paths == ("source",)
    with pytest.raises(ValidationError) as caught:
        load_criteria("x", format="yaml")  # type: ignore[arg-type]
    assert caught.value.paths == ("format",)


# --- many centers ---------------------------------------------------------------------------------


@pytest.mark.req("RG-06")
def test_qualify_many_reads_each_centers_effectiveness() -> None:
    poor = attrs.evolve(measured(admissions=40, completions=4), center_id="center-2")
    centers = [good_center(), good_center(id="center-2")]
    results = qualify_many(
        centers, default_criteria(), on=ON, effectiveness_by_center={"center-2": poor}
    )
    assert list(results) == ["center-1", "center-2"]
    assert results["center-1"].qualified
    assert [o.code for o in results["center-2"].failed] == ["effectiveness.completion"]
    assert results["center-2"] == qualify(centers[1], default_criteria(), on=ON, effectiveness=poor)


def test_qualify_many_refuses_effectiveness_filed_under_another_center() -> None:
    with pytest.raises(ValidationError) as caught:
        qualify_many(
            [good_center()],
            default_criteria(),
            on=ON,
            effectiveness_by_center={"center-9": measured(), "center-1": 3},  # type: ignore[dict-item]
        )
    assert caught.value.paths == (
        "effectiveness_by_center.center-9",
        "effectiveness_by_center.center-1",
    )


# --- properties -----------------------------------------------------------------------------------

DAYS = st.dates(date(2024, 1, 1), date(2028, 12, 31))


@st.composite
def findings(draw: st.DrawFn, inspected_on: date) -> Finding:
    deadline = draw(st.none() | st.dates(inspected_on, date(2028, 12, 31)))
    resolved = draw(st.none() | st.dates(inspected_on, date(2028, 12, 31)))
    return Finding(
        draw(st.sampled_from(["f-1", "f-2", "f-3"])),
        draw(st.sampled_from(FindingArea)),
        draw(st.sampled_from(Severity)),
        "a finding",
        deadline,
        resolved,
    )


@st.composite
def inspections(draw: st.DrawFn) -> Inspection:
    on = draw(DAYS)
    return Inspection("insp", on, "body", draw(st.lists(findings(on), max_size=3)))


@st.composite
def certifications(draw: st.DrawFn) -> Certification:
    issued = draw(DAYS)
    until = issued + timedelta(days=draw(st.integers(0, 1500)))
    changes = []
    day = issued
    for kind in draw(st.lists(st.sampled_from(ChangeKind), max_size=2)):
        day += timedelta(days=draw(st.integers(0, 400)))
        changes.append(CertificationChange(day, kind, "why", "body"))
    scope = draw(st.frozensets(st.sampled_from(sorted(SERVICE_STAGES)), min_size=1))
    return Certification(
        draw(st.sampled_from(["c-1", "c-2"])),
        "body",
        Scheme.CERTIFICATION_BODY,
        issued,
        until,
        scope,
        tuple(changes),
    )


@st.composite
def programs(draw: st.DrawFn, id: str) -> Program:
    return program(
        id,
        draw(st.sampled_from(sorted(SERVICE_STAGES))),
        draw(st.integers(1, 800)),
        draw(st.integers(0, 60)),
        draw(st.sampled_from(Setting)),
        draw(st.sampled_from([14, 16, 18, 21])),
        draw(st.booleans()),
    )


@st.composite
def centers(draw: st.DrawFn) -> Center:
    count = draw(st.integers(0, 3))
    staff = draw(st.dictionaries(st.sampled_from(Qualification), st.integers(0, 6), max_size=4))
    licences = draw(
        st.lists(
            st.builds(
                Licence,
                st.sampled_from(LicenceKind),
                st.just("L-1"),
                st.just("health"),
                st.dates(date(2024, 1, 1), date(2026, 1, 1)),
                st.none() | st.dates(date(2026, 1, 1), date(2028, 1, 1)),
                st.none() | DAYS,
            ),
            max_size=2,
        )
    )
    return Center(
        draw(st.sampled_from(["center-1", "center-2"])),
        "A center",
        draw(st.sampled_from(OwnershipForm)),
        "Town",
        programs=tuple(draw(programs(f"p-{i}")) for i in range(count)),
        staff=tuple(StaffCount(q, n) for q, n in staff.items()),
        licences=tuple(licences),
        certifications=tuple(draw(st.lists(certifications(), max_size=2))),
        inspections=tuple(draw(st.lists(inspections(), max_size=2))),
    )


EFFECTIVENESS = st.builds(
    lambda a, c: measured(admissions=a + c, completions=c),
    st.integers(0, 60),
    st.integers(0, 60),
)


def failed(result: QualificationResult) -> set[str]:
    return {o.code for o in result.failed}


def without_finding(center: Center, which: int, resolve_on: date | None) -> Center:
    """The center with its ``which``-th finding (counted over all inspections) removed, or
    resolved on ``resolve_on``."""
    inspections = []
    seen = 0
    for inspection in center.inspections:
        kept = []
        for f in inspection.findings:
            if seen == which:
                if resolve_on is not None:
                    day = max(resolve_on, inspection.on)
                    if f.resolved_on is None or f.resolved_on > day:
                        f = attrs.evolve(f, resolved_on=day)
                    kept.append(f)
            else:
                kept.append(f)
            seen += 1
        inspections.append(attrs.evolve(inspection, findings=tuple(kept)))
    return attrs.evolve(center, inspections=tuple(inspections))


@pytest.mark.req("RG-05")
@given(center=centers(), on=DAYS, which=st.integers(0, 5), resolve=st.booleans(), data=st.data())
def test_resolving_or_removing_a_finding_never_disqualifies(
    center: Center, on: date, which: int, resolve: bool, data: st.DataObject
) -> None:
    resolve_on = data.draw(st.dates(date(2024, 1, 1), on)) if resolve else None
    rules = default_criteria()
    before = qualify(center, rules, on=on)
    after = qualify(without_finding(center, which, resolve_on), rules, on=on)
    assert failed(after) <= failed(before)
    assert after.qualified or not before.qualified


@pytest.mark.req("RG-03")
@given(center=centers(), later=st.integers(1, 2000))
def test_expiry_never_qualifies_a_center_that_needs_certification(
    center: Center, later: int
) -> None:
    last = max((c.valid_until for c in center.certifications), default=date(2024, 1, 1))
    on = last + timedelta(days=later)
    result = qualify(center, default_criteria(), on=on)
    outcome = next(o for o in result.outcomes if o.code == "certification.valid")
    if center.programs:
        assert not outcome.passed
        assert not result.qualified
    else:
        assert outcome.passed


@pytest.mark.req("RG-02")
@given(
    center=centers(),
    on=DAYS,
    qualification=st.sampled_from(Qualification),
    more=st.integers(1, 10),
)
def test_adding_staff_never_disqualifies_on_staff_criteria(
    center: Center, on: date, qualification: Qualification, more: int
) -> None:
    staff = {s.qualification: s.count for s in center.staff}
    staff[qualification] = staff.get(qualification, 0) + more
    richer = attrs.evolve(center, staff=tuple(StaffCount(q, n) for q, n in staff.items()))
    rules = default_criteria()
    assert failed(qualify(richer, rules, on=on)) <= failed(qualify(center, rules, on=on))


@pytest.mark.req("RG-02")
@given(
    many=st.lists(centers(), max_size=3).map(
        lambda cs: [attrs.evolve(c, id=f"center-{i}") for i, c in enumerate(cs, 1)]
    ),
    on=DAYS,
    measure=EFFECTIVENESS,
)
def test_qualification_is_deterministic_and_many_is_one_at_a_time(
    many: list[Center], on: date, measure: Effectiveness
) -> None:
    rules = default_criteria()
    by_center = {"center-1": measure}
    results = qualify_many(many, rules, on=on, effectiveness_by_center=by_center)
    assert results == qualify_many(many, rules, on=on, effectiveness_by_center=by_center)
    for center in many:
        one = qualify(center, rules, on=on, effectiveness=by_center.get(center.id))
        assert results[center.id] == one
        assert [o.code for o in one.outcomes] == list(rules.codes)
        assert one.qualified == (not one.failed) == one.decision.allowed


@pytest.mark.req("RG-02")
def test_a_file_name_given_as_text_is_refused_with_a_hint_to_pass_a_path() -> None:
    with pytest.raises(ValidationError) as refused:
        load_criteria("/srv/region/criteria.toml")
    assert "source" in refused.value.paths
    assert "pathlib.Path" in str(refused.value)
