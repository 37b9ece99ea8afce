"""JSON documents (IX-01): every value round-trips; bad input is refused with its path."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resocialize.access import Actor, CourtEvent, default_policy, view
from resocialize.assessment import PotentialRules, rehabilitation_potential
from resocialize.assessment import findings as findings_of
from resocialize.errors import ValidationError
from resocialize.exports import AttributesOf
from resocialize.followups import follow_up_rates, follow_ups_on, schedule
from resocialize.labour import match
from resocialize.money import Money
from resocialize.organizations import Organization, OwnershipForm, Role
from resocialize.pathway import (
    DEFAULT_RULES,
    Case,
    CourtNotice,
    Event,
    HistoryEntry,
    NoticeKind,
    State,
    Step,
    identify,
)
from resocialize.people import ClientId, Identity, IdentityDocument, IdentityReport
from resocialize.records import (
    RECORD_TAGS,
    MedicalHelp,
    MedicalHelpKind,
    Origin,
    Placement,
    Referral,
    ReferralSource,
)
from resocialize.serialization import (
    DOCUMENT_TYPES,
    IDENTIFYING_TYPES,
    SCHEMA,
    document_type,
    from_document,
    from_json,
    make_converter,
    structure,
    to_document,
    to_json,
    unstructure,
)
from resocialize.testing import strategies as rs
from resocialize.testing._access import read_rules as access_read_rules
from resocialize.testing._access import rules as access_rules

AGENCY_ANALYST = Actor("agency-1", Role.AGENCY, "analyst-1")

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# --- strategies of every document type ------------------------------------------------------

_ids = st.from_regex(r"[a-z]{1,6}-[0-9]{1,4}", fullmatch=True)

court_notices = st.builds(
    CourtNotice,
    court_id=_ids,
    order_reference=_ids,
    case_id=_ids,
    client_id=_ids,
    kind=st.sampled_from(NoticeKind),
    event=rs.events(),
    at=rs.aware_datetimes(),
)


def _steps(case: Case) -> st.SearchStrategy[Step]:
    notices = st.lists(court_notices, max_size=2).map(tuple)
    return notices.map(lambda n: Step(case, case.history[-1], n))


STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "case": rs.cases(max_events=12),
    "history_entry": rs.cases(max_events=8).flatmap(lambda c: st.sampled_from(c.history)),
    "step": rs.cases(max_events=8).flatmap(_steps),
    "court_notice": court_notices,
    "pathway_rules": rs.pathway_rules(),
    "facts": rs.facts(),
    "certificate_standing": rs.certificate_standings(),
    "contract_standing": rs.contract_standings(),
    "center_standing": rs.center_standings(),
    "opening": rs.openings(),
    "referral": rs.referrals(),
    "court_order": rs.court_orders(),
    "program_record": rs.program_records(),
    "diagnosis_record": rs.diagnosis_records(),
    "medical_help": rs.medical_help(),
    "placement": rs.placements(),
    "labour_result": rs.labour_results(),
    "reason": rs.reasons(),
    "decision": rs.decisions(),
    "money": rs.money(),
    "organization": rs.organizations(),
    "partners": rs.partners(),
    "identity": rs.identities(),
    "identity_report": rs.identity_reports(),
    "identity_document": rs.identity_documents(),
    "co_dependent": rs.co_dependents(),
    "center": rs.centers(),
    "program": rs.programs(),
    "certification": rs.certifications(),
    "inspection": rs.inspections(),
    "licence": rs.licences(),
    "qualification_result": rs.qualification_results(),
    "criterion_outcome": rs.criterion_outcomes(),
    "center_register": rs.center_registers(),
    "register_entry": rs.center_registers(max_centers=1)
    .filter(lambda r: bool(r.entries))
    .map(lambda r: next(iter(r.entries.values()))),
    "client_register": rs.client_registers(),
    "client_record": rs.client_registers().map(lambda r: r.clients[sorted(r.clients)[0]]),
    "client_history_entry": rs.client_registers().map(
        lambda r: r.clients[sorted(r.clients)[0]].history[-1]
    ),
    "register_change": rs.center_registers(max_centers=1)
    .filter(lambda r: bool(r.entries))
    .map(lambda r: next(iter(r.entries.values())).history[-1]),
    "certificate": rs.certificates(),
    "certificate_change": rs.certificate_changes(),
    "certificate_book": rs.certificate_books(),
    "client_standing": rs.client_standings(),
    "social_contract": rs.social_contracts(),
    "party": rs.parties(),
    "signature": rs.signatures(),
    "termination": rs.terminations(),
    "tariff": rs.tariffs(),
    "tranche": rs.tranches(),
    "tranche_schedule": rs.tranche_schedules(),
    "per_diem_schedule": rs.per_diem_schedules(),
    "dropout_rule": rs.dropout_rules(),
    "milestone_reached": rs.milestones_reached(),
    "ledger": rs.ledgers(),
    "transaction": rs.transactions(),
    "posting": rs.postings(),
    "account": rs.accounts(),
    "funding_source": rs.funding_sources(),
    "report_row": rs.report_rows(),
    "claim": rs.claims(),
    "payment": rs.payments(),
    "funding": rs.fundings(),
    "cost_effectiveness": rs.cost_effectiveness_rows(),
    "complaint": rs.complaints(),
    "audit": rs.audits(),
    "audit_finding": rs.audit_findings(),
    "quality_summary": rs.quality_summaries(),
    "quality_thresholds": rs.quality_thresholds(),
    "assessment": rs.assessments(),
    "instrument": rs.instruments(),
    "instrument_item": rs.instruments().map(lambda i: i.items[0]),
    "scale": rs.scales(),
    "recovery_capital": rs.recovery_capitals(),
    "domain_finding": rs.assessments().map(findings_of).filter(bool).map(lambda found: found[0]),
    "rehabilitation_potential": rs.assessments().map(rehabilitation_potential),
    "potential_rules": st.just(PotentialRules()),
    "catalog": rs.catalogs(max_size=6),
    "intervention": rs.interventions(),
    "template": rs.templates(),
    "template_goal": rs.templates().filter(lambda t: bool(t.goals)).map(lambda t: t.goals[0]),
    "individual_program": rs.individual_programs(),
    "program_goal": rs.individual_programs().map(lambda p: p.goals[-1]),
    "program_activity": rs.individual_programs()
    .filter(lambda p: bool(p.activities))
    .map(lambda p: p.activities[0]),
    "phase_span": rs.individual_programs().map(lambda p: p.phases[0]),
    "program_milestone": rs.individual_programs().map(lambda p: p.milestones[-1]),
    "situation": rs.situations(("support_groups", "job_search"), date(2026, 3, 16)),
    "program_file": rs.program_files(),
    "review": rs.program_files().filter(lambda f: bool(f.reviews)).map(lambda f: f.reviews[0]),
    "goal_progress": rs.program_files()
    .map(lambda f: tuple(f.progress().values()))
    .filter(bool)
    .map(lambda p: p[0]),
    "labour_profile": rs.labour_profiles(),
    "vacancy": rs.vacancies(),
    "job_quota": rs.job_quotas(),
    "employer_incentive": rs.employer_incentives(),
    "hire": rs.vacancy_reserves().filter(lambda r: bool(r.hires)).map(lambda r: r.hires[0]),
    "enrolment": rs.enrolments(),
    "vacancy_reserve": rs.vacancy_reserves(),
    "vacancy_match": st.tuples(rs.labour_profiles(), rs.vacancy_reserves())
    .map(lambda pr: match(pr[0], pr[1], date(2026, 6, 1)))
    .filter(bool)
    .map(lambda found: found[0]),
    "follow_up_rules": rs.follow_up_rules(),
    "follow_up_due": rs.cases().map(schedule).filter(bool).map(lambda dues: dues[-1]),
    "follow_up_outcome": rs.follow_up_outcomes(),
    "follow_up_record": rs.follow_up_records(),
    "follow_up_item": rs.cases()
    .map(lambda c: follow_ups_on(c, (), c.history[-1].at.date()))
    .filter(bool)
    .map(lambda items: items[0]),
    "follow_up_rate": rs.case_lists()
    .map(lambda cs: follow_up_rates(cs, (), date(2100, 1, 1)))
    .map(lambda rates: rates[-1]),
    "period": rs.periods(),
    "case_attributes": st.builds(AttributesOf, rs.case_ids(), rs.case_attributes()),
    "attributes": rs.case_attributes(),
    "indicator_row": rs.indicator_tables().filter(lambda t: bool(t.rows)).map(lambda t: t.rows[-1]),
    "indicator_table": rs.indicator_tables(),
    "spending_row": rs.spending_tables().filter(lambda t: bool(t.rows)).map(lambda t: t.rows[0]),
    "spending_table": rs.spending_tables(),
    "count_table": rs.count_tables(),
    "suppressed_table": rs.suppressed_tables(),
    "disclosure_policy": rs.disclosure_policies(),
    "actor": rs.actors(),
    "access_rule": access_rules(),
    "read_rule": access_read_rules(),
    "access_policy": rs.policies(),
    "access_target": rs.targets(),
    "case_view": rs.cases().map(lambda c: view(default_policy(), AGENCY_ANALYST, c)),
    "court_event": st.builds(
        CourtEvent,
        st.sampled_from(list(NoticeKind)),
        st.sampled_from([Event.REFUSE, Event.DROP_OUT, Event.COMPLETE_REHABILITATION]),
        rs.aware_datetimes(),
    ),
}

TAGS = sorted(DOCUMENT_TYPES)
FEW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def values() -> st.SearchStrategy[Any]:
    """A value of any document type."""
    return st.sampled_from(TAGS).flatmap(lambda tag: STRATEGIES[tag])


def test_every_document_type_has_a_strategy() -> None:
    assert set(STRATEGIES) == set(DOCUMENT_TYPES)
    for tag, cl in DOCUMENT_TYPES.items():
        assert document_type(cl) == tag


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.req("IX-01")
@pytest.mark.parametrize("tag", TAGS)
@FEW
@given(data=st.data())
def test_every_value_round_trips_through_json(tag: str, data: st.DataObject) -> None:
    value = data.draw(STRATEGIES[tag])
    text = to_json(value, include_identifying=True)
    back = from_json(text, expected=DOCUMENT_TYPES[tag])
    assert back == value
    assert type(back) is type(value)
    assert to_json(back, include_identifying=True) == text  # stable output
    assert from_document(json.loads(text)) == value


@pytest.mark.req("IX-01")
@settings(max_examples=30, deadline=None)
@given(rs.cases())
def test_cases_round_trip_and_replay(case: Case) -> None:
    document = to_document(case)
    assert document["schema"] == SCHEMA
    assert document["type"] == "case"
    assert from_document(document, Case) == case
    assert structure(unstructure(case), Case) == case


@pytest.mark.req("IX-01")
def test_documents_carry_the_schema_version() -> None:
    text = to_json(Money.of("12.50", "RUB"))
    assert json.loads(text) == {
        "schema": "resocialize/1",
        "type": "money",
        "data": {"amount": "12.50", "currency": "RUB"},
    }


@pytest.mark.req("IX-01")
@FEW
@given(rs.amounts(places=4))
def test_decimal_amounts_are_exact_strings(amount: Decimal) -> None:
    money = Money(amount, "EUR")
    data = to_document(money)["data"]
    assert data["amount"] == str(amount)
    back = from_json(to_json(money), Money)
    assert str(back.amount) == str(amount)  # the scale is kept, not only the value


def test_frozensets_are_written_sorted() -> None:
    roles = [Role.REHABILITATION_CENTER, Role.NGO, Role.EMPLOYER]
    center = Organization("c-1", "Center", roles, ownership=OwnershipForm.PRIVATE)
    document = to_document(center)
    assert document["data"]["roles"] == ["employer", "ngo", "rehabilitation_center"]
    assert from_document(document) == center


def test_enums_are_written_as_plain_values() -> None:
    data = to_document(_case())["data"]
    assert type(data["state"]) is str
    assert data["state"] == "identified"
    assert type(data["history"][0]["event"]) is str


def test_medical_help_kind_is_written_as_help_kind() -> None:
    # "kind" is the tag of the record union, so MedicalHelp.kind needs another key
    help_ = MedicalHelp(MedicalHelpKind.DETOXIFICATION, date(2026, 3, 2))
    data = to_document(help_)["data"]
    assert data == {"help_kind": "detoxification", "on": "2026-03-02", "provider_id": None}
    entry = HistoryEntry(T0, "o", Event.RECORD_MEDICAL_HELP, State.TREATMENT, State.TREATMENT)
    entry = attrs.evolve(entry, record=help_)
    record = to_document(entry)["data"]["record"]
    assert record["kind"] == "medical_help"
    assert record["help_kind"] == "detoxification"
    assert from_document(to_document(entry)) == entry
    with pytest.raises(ValidationError) as info:
        structure({"help_kind": "x", "on": "2026-03-02"}, MedicalHelp)
    assert info.value.paths == ("$.help_kind",)


def test_converter_is_new_and_strict() -> None:
    converter = make_converter()
    assert converter is not cattrs.global_converter
    assert converter is not make_converter()
    assert converter.forbid_extra_keys


def test_import_resocialize_does_not_load_serialization() -> None:
    code = (
        "import sys, resocialize; "
        "assert 'resocialize.serialization' not in sys.modules, 'serialization loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- rules of reading ---------------------------------------------------------------------------


def _case() -> Case:
    return identify(
        "case-1",
        "cl-7f3k",
        referral=Referral(ReferralSource.COURT, date(2026, 3, 1), "dept-north"),
        origin=Origin.COMMUNITY,
        at=T0,
        by="officer-12",
    )


def _refused(text_or_doc: str | dict[str, Any], expected: type | None = None) -> ValidationError:
    read = from_json if isinstance(text_or_doc, str) else from_document
    with pytest.raises(ValidationError) as info:
        read(text_or_doc, expected)
    return info.value


def test_float_amount_refused_in_document() -> None:
    document = to_document(Money.of("12.50", "RUB"))
    document["data"]["amount"] = 12.5
    err = _refused(json.dumps(document))
    assert err.paths == ("$.data.amount",)
    assert "float" in err.problems[0].message


@pytest.mark.parametrize(
    "amount", ["NaN", "Infinity", "-inf", "abc", "1_000", " 1", "", "0x10", 12]
)
def test_non_numeric_amount_refused(amount: object) -> None:
    document = {"schema": SCHEMA, "type": "money", "data": {"amount": amount, "currency": "RUB"}}
    assert _refused(document).paths == ("$.data.amount",)


def test_nan_and_infinity_are_not_json() -> None:
    for constant in ("NaN", "Infinity", "-Infinity", "1e999"):
        text = '{"schema": "resocialize/1", "type": "money", "data": ' + constant + "}"
        assert _refused(text).paths == ("$",)


def test_naive_datetime_refused() -> None:
    document = to_document(_case())
    document["data"]["history"][0]["at"] = "2026-03-02T09:00:00"
    err = _refused(document, Case)
    assert err.paths == ("$.data.history[0].at",)
    assert "timezone-aware" in err.problems[0].message
    # and a naive datetime is never written
    naive = HistoryEntry(
        T0.replace(tzinfo=None), "o", Event.ENGAGE, State.IDENTIFIED, State.MOTIVATION
    )
    with pytest.raises(ValidationError) as info:
        to_json(naive)
    assert "naive" in str(info.value)


def test_unknown_field_refused_with_path() -> None:
    document = to_document(_case())
    document["data"]["referrals"][0]["colour"] = "red"
    document["data"]["history"][0]["record"]["not a name"] = 1
    document["extra"] = True
    err = _refused(document)
    assert set(err.paths) == {
        "$.extra",
    }
    del document["extra"]
    err = _refused(document)
    assert set(err.paths) == {
        "$.data.referrals[0].colour",
        '$.data.history[0].record["not a name"]',
    }
    assert {p.message for p in err.problems} == {"unknown field"}


def test_missing_field_refused_with_path() -> None:
    document = to_document(_case())
    del document["data"]["history"][0]["by"]
    assert _refused(document).paths == ("$.data.history[0].by",)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("remission_months", "12"),
        ("remission_months", 12.0),
        ("remission_months", True),
        ("minors_in_state_centers_only", 1),
        ("minors_in_state_centers_only", "true"),
        ("minors_in_state_centers_only", None),
    ],
)
def test_primitives_are_not_coerced(field: str, value: object) -> None:
    document = to_document(DEFAULT_RULES)
    document["data"][field] = value
    assert _refused(document).paths == (f"$.data.{field}",)


@pytest.mark.parametrize("value", [1, 1.5, True, None, ["a"], {"a": 1}])
def test_string_fields_take_only_strings(value: object) -> None:
    data = {"source": "court", "on": "2026-03-01", "department": value}
    with pytest.raises(ValidationError) as info:
        structure(data, Referral)
    assert info.value.paths == ("$.department",)


def test_record_tags_are_stable() -> None:
    placement = Placement("center-1", "cert-1", "contract-1")
    entry = HistoryEntry(
        T0, "o", Event.ADMIT, State.TREATMENT, State.SOCIAL_REHABILITATION, None, placement
    )
    text = to_json(entry)
    assert '"kind": "placement"' in text
    assert "Placement" not in text
    assert from_json(text, HistoryEntry) == entry


@FEW
@given(rs.records())
def test_every_record_kind_is_tagged_from_record_tags(record: Any) -> None:
    entry = HistoryEntry(T0, "o", Event.REFER, State.TREATMENT, State.TREATMENT, None, record)
    data = unstructure(entry)
    assert data["record"]["kind"] == RECORD_TAGS[type(record)]
    assert structure(data, HistoryEntry) == entry


def test_unknown_record_kind_refused() -> None:
    document = to_document(_case())
    document["data"]["history"][0]["record"]["kind"] = "Opening"
    err = _refused(document)
    assert err.paths == ("$.data.history[0].record.kind",)


def test_newer_schema_version_refused() -> None:
    document = to_document(_case())
    document["schema"] = "resocialize/2"
    err = _refused(document)
    assert err.paths == ("$.schema",)
    assert err.problems[0].message == (
        "document schema resocialize/2 is newer than this library (resocialize/1)"
    )


@pytest.mark.parametrize("schema", ["resocialize/0", "resocialize/01", "other/1", "", 1, None])
def test_unknown_schema_refused(schema: object) -> None:
    document = to_document(_case())
    document["schema"] = schema
    assert _refused(document).paths == ("$.schema",)


def test_unknown_type_and_wrong_expected_type_refused() -> None:
    document = to_document(_case())
    assert _refused(document, Referral).paths == ("$.type",)
    document["type"] = "CaseV2"
    assert _refused(document).paths == ("$.type",)
    del document["type"]
    assert _refused(document).paths == ("$.type",)


def test_expected_must_be_a_document_type() -> None:
    with pytest.raises(ValidationError) as info:
        from_document(to_document(_case()), int)
    assert info.value.paths == ("expected",)


def test_duplicate_keys_refused() -> None:
    text = '{"schema": "resocialize/1", "schema": "resocialize/1", "type": "money", "data": {}}'
    assert _refused(text).paths == ("$",)


def test_non_text_refused() -> None:
    with pytest.raises(ValidationError):
        from_json(12)  # type: ignore[call-overload]
    with pytest.raises(ValidationError):
        from_json(b"\xff\xfe\x00")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("state", "motivation"),
        ("since", "2026-03-03T09:00:00+00:00"),
        ("relapse_count", 2),
        ("client_id", "cl-other"),
        ("minor", True),
        ("referrals", []),
    ],
)
def test_case_with_field_edited_apart_from_history_refused(field: str, value: object) -> None:
    document = to_document(_case())
    document["data"][field] = value
    err = _refused(document, Case)
    assert "$.data" in err.paths
    assert f"$.data.{field}" in err.paths
    assert "disagree" in err.problems[0].message


@settings(max_examples=25, deadline=None)
@given(rs.cases(), st.data())
def test_case_with_state_edited_is_refused(case: Case, data: st.DataObject) -> None:
    other = data.draw(st.sampled_from([s for s in State if s is not case.state]))
    document = to_document(case)
    document["data"]["state"] = other.value
    err = _refused(json.dumps(document), Case)
    assert err.paths[0] == "$.data"


def test_case_with_broken_history_refused() -> None:
    document = to_document(_case())
    entry = dict(document["data"]["history"][0], event="engage")
    document["data"]["history"].append(entry)
    err = _refused(document)
    assert all(p.startswith("$.data.history[1]") for p in err.paths)


# --- identifying data (SE-04) -------------------------------------------------------------------

PERSON = Identity(
    ClientId("cl-1"),
    "Фёдорова",
    "Анна Сергеевна",
    date(2008, 3, 1),
    documents=[IdentityDocument("passport", "45 01 123456")],
)


@pytest.mark.req("SE-04")
def test_identity_not_exported_without_explicit_request() -> None:
    report = IdentityReport("Horvat", "Ivan", date(1990, 1, 2))
    for value in (PERSON, report, PERSON.documents[0]):
        for write in (to_json, to_document, unstructure):
            with pytest.raises(ValidationError) as info:
                write(value)
            assert "include_identifying=True" in str(info.value)
            assert "Фёдорова" not in str(info.value)
            assert "123456" not in str(info.value)
    text = to_json(PERSON, include_identifying=True)
    assert "Фёдорова" in text  # written as it is, not escaped
    assert from_json(text, Identity) == PERSON  # reading needs no flag
    assert {Identity, IdentityReport, IdentityDocument} == IDENTIFYING_TYPES


# --- fuzz ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["2026-03-02", "2026-03-02T09:00:00+03:00", "12.50", "RUB", "court"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["kind", "id", "at", "amount", "history", "state"])
            | st.text(max_size=6),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


def _only_validation_errors(call: Any) -> None:
    try:
        call()
    except ValidationError as err:
        paths = err.paths
    else:
        return
    assert paths
    for path in paths:
        assert path == "expected" or path.startswith("$"), path


@settings(max_examples=150, deadline=None)
@given(json_values, st.sampled_from([None, *DOCUMENT_TYPES.values()]))
def test_arbitrary_json_raises_only_validation_errors(value: Any, expected: Any) -> None:
    _only_validation_errors(lambda: from_json(json.dumps(value), Case))
    _only_validation_errors(lambda: from_document(value, expected))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TAGS), json_values)
def test_arbitrary_data_of_every_type_raises_only_validation_errors(tag: str, data: Any) -> None:
    document = {"schema": SCHEMA, "type": tag, "data": data}
    _only_validation_errors(lambda: from_json(json.dumps(document)))
    _only_validation_errors(lambda: structure(data, DOCUMENT_TYPES[tag]))


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=40) | st.text(max_size=40))
def test_arbitrary_text_raises_only_validation_errors(text: str | bytes) -> None:
    _only_validation_errors(lambda: from_json(text))


def test_deep_nesting_raises_only_validation_errors() -> None:
    _only_validation_errors(lambda: from_json("[" * 100_000 + "]" * 100_000))
    deep: Any = []
    for _ in range(5_000):
        deep = [deep]
    _only_validation_errors(lambda: from_document({"schema": SCHEMA, "type": "case", "data": deep}))


# --- mutations of valid documents ---------------------------------------------------------------

RENAMED = {(MedicalHelp, "kind"): "help_kind"}
"""JSON keys that are not the attribute's name (see serialization's module docs)."""


@attrs.frozen
class Spot:
    """A place in a value's document: the keys to it, the value there, and whether it must be."""

    parts: tuple[str | int, ...]
    value: object
    required: bool


def spots(
    value: object, parts: tuple[str | int, ...] = (), required: bool = True, tagged: bool = False
) -> Iterator[Spot]:
    """Every place in the document of ``value``; ``tagged`` for a record in a history entry."""
    yield Spot(parts, value, required)
    if isinstance(value, Money):
        yield Spot((*parts, "amount"), value.amount, True)
        yield Spot((*parts, "currency"), value.currency, True)
    elif attrs.has(type(value)):
        if tagged:
            yield Spot((*parts, "kind"), RECORD_TAGS[type(value)], True)
        for field in attrs.fields(type(value)):
            if not field.init:
                continue  # derived state (a ledger's balances) is not in the document
            key = RENAMED.get((type(value), field.name), field.name)
            yield from spots(
                getattr(value, field.name),
                (*parts, key),
                field.default is attrs.NOTHING,
                tagged=isinstance(value, HistoryEntry) and field.name == "record",
            )
    elif isinstance(value, tuple | frozenset):
        for index, item in enumerate(value):
            yield from spots(item, (*parts, index))
    # mappings (details of a reason) are free-form: any key and scalar may be there


def path_of(parts: tuple[str | int, ...]) -> str:
    path = "$.data"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _parent(document: dict[str, Any], parts: tuple[str | int, ...]) -> Any:
    node: Any = document["data"]
    for part in parts[:-1]:
        node = node[part]
    return node


def _get(document: dict[str, Any], parts: tuple[str | int, ...]) -> Any:
    return _parent(document, parts)[parts[-1]] if parts else document["data"]


def _set(document: dict[str, Any], parts: tuple[str | int, ...], value: object) -> None:
    if parts:
        _parent(document, parts)[parts[-1]] = value
    else:
        document["data"] = value


def _other_json_types(current: object) -> list[object]:
    """Values of JSON types that no field whose value is ``current`` accepts."""
    if current is None:
        return [1.5, True, []]
    if isinstance(current, bool):
        return [1, "true", 1.5, [], {}]
    if isinstance(current, int):
        return ["1", True, 1.5, [], {}]
    if isinstance(current, str):
        return [1, True, 1.5, [], {}]
    if isinstance(current, list):
        return ["x", 1, {}]
    return ["x", 1, []]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[dict[str, Any], str, str]:
    """A valid document mutated in one place: the document, the path, what was done."""
    value = draw(values())
    document = to_document(value, include_identifying=True)
    places = list(spots(value))
    choices = ["replace", "unknown", "delete", "naive", "float"]
    how = draw(st.sampled_from(choices))
    if how == "delete":
        places = [s for s in places if s.required and s.parts and isinstance(s.parts[-1], str)]
    elif how == "unknown":
        places = [s for s in places if isinstance(s.value, Money) or attrs.has(type(s.value))]
    elif how == "naive":
        places = [s for s in places if isinstance(s.value, datetime)]
    elif how == "float":
        places = [
            s
            for s in places
            if isinstance(s.value, Money | Decimal)
            or (type(s.value) is int and not isinstance(s.value, bool))
        ]
    if not places:
        how, places = "replace", list(spots(value))
    spot = draw(st.sampled_from(places))
    parts = spot.parts
    if how == "delete":
        del _parent(document, parts)[parts[-1]]
    elif how == "unknown":
        parts = (*parts, "zz_unknown")
        _set(document, parts, draw(st.none() | st.integers() | st.text(max_size=5)))
    elif how == "naive":
        assert isinstance(spot.value, datetime)
        _set(document, parts, spot.value.replace(tzinfo=None).isoformat())
    elif how == "float":
        if isinstance(spot.value, Money):
            parts = (*parts, "amount")
            _set(document, parts, float(spot.value.amount))
        else:
            _set(document, parts, float(_get(document, parts)))
    else:
        replacement = draw(st.sampled_from(_other_json_types(_get(document, parts))))
        _set(document, parts, replacement)
    return document, path_of(parts), how


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_documents_are_refused_at_the_mutated_path(
    mutation: tuple[dict[str, Any], str, str],
) -> None:
    document, path, how = mutation
    with pytest.raises(ValidationError) as info:
        from_json(json.dumps(document), DOCUMENT_TYPES[document["type"]])
    paths = info.value.paths
    assert any(p == path or p.startswith((path + ".", path + "[")) for p in paths), (how, paths)


@pytest.mark.req("SE-04")
def test_errors_do_not_repeat_identifying_data() -> None:
    document = to_document(PERSON, include_identifying=True)
    document["data"]["birth_date"] = "2008-3-01"
    document["data"]["documents"][0]["number"] = 4501123456
    err = _refused(document)
    assert set(err.paths) == {"$.data.birth_date", "$.data.documents[0].number"}
    assert "2008" not in str(err)
    assert "4501123456" not in str(err)
