"""FHIR R4 export (IX-02): every exported resource validates, codes stay in their value
sets, identifying data leaves only when asked for, and the pathway's history reads back."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

pytest.importorskip("fhir.resources", reason="the FHIR tests need the fhir extra (fhir.resources)")

from hypothesis import given
from hypothesis import strategies as st

from resocialize.centers import Center, Program
from resocialize.clients import (
    ClientRecord,
    ClientRegister,
    ClientStatus,
    client,
    enrol,
    report,
    withdraw_consent,
)
from resocialize.contracts import (
    Party,
    PartyRole,
    SocialContract,
    TerminationGround,
    sign,
    terminate,
)
from resocialize.errors import RuleViolation, ValidationError
from resocialize.interop import fhir
from resocialize.money import Money
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Case, Event, Stage, State, advance, identify
from resocialize.people import ClientId, Identity, IdentityDocument, IdentityReport
from resocialize.records import Origin, Referral, ReferralSource
from resocialize.testing import strategies as rs

pytestmark = pytest.mark.req("IX-02")

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Required bindings of FHIR R4 (4.0.1) for the elements the export writes, as the
# specification lists them; the test fails when an exported code is outside.
SPEC_BINDINGS: dict[str, dict[str, set[str]]] = {
    "Bundle": {
        "type": {
            "document",
            "message",
            "transaction",
            "transaction-response",
            "batch",
            "batch-response",
            "history",
            "searchset",
            "collection",
        }
    },
    "CarePlan": {
        "status": {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error"}
        | {"unknown"},
        "intent": {"proposal", "plan", "order", "option"},
        "activity.detail.kind": {
            "Appointment",
            "CommunicationRequest",
            "DeviceRequest",
            "MedicationRequest",
            "NutritionOrder",
            "Task",
            "ServiceRequest",
            "VisionPrescription",
        },
        "activity.detail.status": {
            "not-started",
            "scheduled",
            "in-progress",
            "on-hold",
            "completed",
            "cancelled",
            "stopped",
            "unknown",
            "entered-in-error",
        },
        "activity.detail.scheduledTiming.repeat.periodUnit": {"s", "min", "h", "d", "wk", "mo"}
        | {"a"},
    },
    "Goal": {
        "lifecycleStatus": {
            "proposed",
            "planned",
            "accepted",
            "active",
            "on-hold",
            "completed",
            "cancelled",
            "entered-in-error",
            "rejected",
        }
    },
    "EpisodeOfCare": {
        "status": {"planned", "waitlist", "active", "onhold", "finished", "cancelled"}
        | {"entered-in-error"},
        "statusHistory.status": {"planned", "waitlist", "active", "onhold", "finished"}
        | {"cancelled", "entered-in-error"},
    },
    "ServiceRequest": {
        "status": {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error"}
        | {"unknown"},
        "intent": {
            "proposal",
            "plan",
            "directive",
            "order",
            "original-order",
            "reflex-order",
            "filler-order",
            "instance-order",
            "option",
        },
    },
    "Consent": {
        "status": {"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"},
        "provision.type": {"deny", "permit"},
    },
    "Contract": {
        "status": {
            "amended",
            "appended",
            "cancelled",
            "disputed",
            "entered-in-error",
            "executable",
            "executed",
            "negotiable",
            "offered",
            "policy",
            "rejected",
            "renewed",
            "revoked",
            "resolved",
            "terminated",
        }
    },
    "Patient": {"gender": {"male", "female", "other", "unknown"}},
}


# --- helpers ---------------------------------------------------------------------------------


def values_at(value: object, parts: list[str]) -> Iterator[object]:
    """Every value at a dotted element path, through lists."""
    if isinstance(value, list):
        for item in value:
            yield from values_at(item, parts)
    elif not parts:
        yield value
    elif isinstance(value, Mapping) and parts[0] in value:
        yield from values_at(value[parts[0]], parts[1:])


def resources_in(resource: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The resource and every resource inside it (bundle entries, contained)."""
    yield resource
    for entry in resource.get("entry", []):
        yield from resources_in(entry["resource"])
    for item in resource.get("contained", []):
        yield from resources_in(item)


def assert_codes_in_value_sets(resource: Mapping[str, Any]) -> None:
    for item in resources_in(resource):
        for element, allowed in SPEC_BINDINGS.get(item["resourceType"], {}).items():
            for code in values_at(item, element.split(".")):
                assert code in allowed, f"{item['resourceType']}.{element} = {code!r}"


def check(resource: Mapping[str, Any]) -> None:
    """Valid for fhir.resources, in the value sets, and JSON as dumps writes it."""
    fhir.validate(resource)
    assert_codes_in_value_sets(resource)
    assert json.loads(fhir.dumps(resource), parse_float=Decimal) == resource


def strings_in(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def a_case(source: ReferralSource = ReferralSource.SOCIAL_SERVICE, note: str | None = None) -> Case:
    referral = Referral(source, date(2026, 3, 1), "dept-north", referred_by="org-7", note=note)
    return identify(
        "case-1", "cl-7f3k", referral=referral, origin=Origin.COMMUNITY, at=AT, by="o-1"
    )


def a_center() -> Center:
    return Center(
        "c-1",
        "Novi put",
        OwnershipForm.NON_GOVERNMENTAL,
        "Split",
        programs=(
            Program("p-3", Stage.SOCIAL_REHABILITATION, 180, Money.of("180000.50", "RUB"), 9),
        ),
    )


def a_contract(signed: bool = True) -> SocialContract:
    contract = SocialContract(
        "sc-1",
        "cl-7f3k",
        "c-1",
        "cert-1",
        (
            Party(PartyRole.PATRONAGE_BODY, "dept-north", ("follow the client up",)),
            Party(PartyRole.CLIENT, "cl-7f3k", ("stay sober", "follow the program")),
            Party(PartyRole.CENTER, "c-1", ("deliver the program",)),
            Party(PartyRole.CO_DEPENDENT, "cl-7f3k.kin-0"),
        ),
        (),
        date(2026, 3, 2),
    )
    parties = [p.party_id for p in contract.parties]
    for n, party in enumerate(parties if signed else parties[:2]):
        contract = sign(contract, party, on=date(2026, 3, 3) + timedelta(days=n))
    return contract


SECRET = b"kept-outside-the-database-0123456789"


def enrolled_record(withdrawn: bool = False) -> ClientRecord:
    import random

    reported = report(
        ClientRegister(),
        IdentityReport("Horvat", "Ana", date(1990, 1, 2)),
        Referral(ReferralSource.SOCIAL_SERVICE, date(2026, 3, 1), "dept-north"),
        secret=SECRET,
        at=AT,
        by="agency/officer-1",
        rng=random.Random(1),
    )
    register = enrol(reported.register, reported.client_id, consent_at=AT, at=AT, by="a-1")
    if withdrawn:
        register = withdraw_consent(
            register, reported.client_id, at=AT + timedelta(days=30), by="a-1"
        )
    return client(register, reported.client_id)


# --- every export validates --------------------------------------------------------------------


@given(rs.individual_programs())
def test_care_plan_and_goals_validate_for_any_planned_program(program):
    plan = fhir.care_plan(program)
    goals = fhir.goals(program)
    for resource in (plan, *goals, fhir.bundle([plan, *goals])):
        check(resource)
    ids = {f"Goal/{goal['id']}" for goal in goals}
    assert {ref["reference"] for ref in plan.get("goal", [])} == ids
    for activity in plan.get("activity", []):
        assert {ref["reference"] for ref in activity["detail"].get("goal", [])} <= ids


@given(rs.individual_programs())
def test_care_plan_activities_keep_the_planned_weeks_and_frequency(program):
    plan = fhir.care_plan(program)
    exported = [a["detail"] for a in plan.get("activity", [])]
    assert len(exported) == len(program.activities)
    for detail, activity in zip(exported, program.activities, strict=True):
        repeat = detail["scheduledTiming"]["repeat"]
        assert detail["code"]["coding"][0]["code"] == activity.intervention
        assert repeat["frequency"] == activity.per_week
        assert (repeat["period"], repeat["periodUnit"]) == (1, "wk")
        start = date.fromisoformat(repeat["boundsPeriod"]["start"])
        end = date.fromisoformat(repeat["boundsPeriod"]["end"])
        assert start == program.date_of(activity.start_week)
        assert (end - start).days + 1 == 7 * activity.weeks


@given(rs.cases())
def test_episode_of_care_and_service_requests_validate_for_any_case(case):
    episode = fhir.episode_of_care(case)
    requests = fhir.service_requests(case)
    assert len(requests) == len(set(case.referrals))
    for referral in case.referrals:
        assert fhir.service_request(referral, case) in requests
    for resource in (episode, *requests):
        check(resource)
    assert [ref["reference"] for ref in episode["referralRequest"]] == [
        f"ServiceRequest/{r['id']}" for r in requests
    ]


@given(rs.referrals(), rs.origins(), st.none() | rs.court_orders(), st.booleans())
def test_service_request_validates_for_any_referral(referral, origin, order, minor):
    case = identify(
        "case-1",
        "cl-7f3k",
        referral=referral,
        origin=origin,
        at=datetime.combine(referral.on, datetime.min.time(), UTC) + timedelta(hours=9),
        by="o-1",
        minor=minor,
        court_order=order,
    )
    request = fhir.service_request(referral, case)
    check(request)
    assert request["authoredOn"] == referral.on.isoformat()
    assert request["category"][1]["coding"][0]["code"] == referral.source.value
    assert request["performer"][0]["reference"] == f"Organization/{referral.department}"
    court = referral.source is ReferralSource.COURT and order is not None
    assert ("reasonCode" in request) == court
    if referral.note is not None:
        assert referral.note not in strings_in(request)


@given(rs.client_registers())
def test_consent_validates_for_every_client_who_gave_consent(register):
    for record in register.clients.values():
        if record.status is ClientStatus.MERGED or record.consent_at is None:
            with pytest.raises(RuleViolation) as refused:
                fhir.consent(record)
            assert refused.value.codes[0] in {"client.merged", "consent.missing"}
            continue
        resource = fhir.consent(record)
        check(resource)
        assert resource["status"] == ("active" if record.enrolled else "inactive")
        assert resource["dateTime"] == record.consent_at.isoformat()


@given(rs.centers())
def test_organization_and_healthcare_services_validate_for_any_center(center):
    org = fhir.organization(center)
    services = [fhir.healthcare_service(center, program) for program in center.programs]
    for resource in (org, *services):
        check(resource)
    assert org["type"][1]["coding"][0]["code"] == center.ownership.value
    for service in services:
        assert service["providedBy"]["reference"] == f"Organization/{org['id']}"


@given(rs.social_contracts())
def test_contract_validates_with_a_term_for_every_party_and_a_signer_per_signature(sc):
    resource = fhir.contract(sc)
    check(resource)
    assert len(resource["term"]) == len(sc.parties)
    assert len(resource.get("signer", [])) == len(sc.signatures)
    expected = (
        fhir.CONTRACT_STATUS[sc.termination.ground.value]
        if sc.termination is not None
        else ("executed" if sc.signed else "executable")
    )
    assert resource["status"] == expected


@given(rs.identities(), st.booleans())
def test_patient_validates_identifying_or_not(identity, identifying):
    check(fhir.patient(identity.client_id, identity, identifying=identifying))


@given(rs.cases(), rs.centers(), rs.social_contracts(), rs.individual_programs())
def test_a_bundle_of_everything_validates(case, center, sc, program):
    resources = [
        fhir.patient(case.client_id),
        fhir.episode_of_care(case),
        *fhir.service_requests(case),
        fhir.organization(center),
        *(fhir.healthcare_service(center, p) for p in center.programs),
        fhir.contract(sc),
        fhir.care_plan(program),
        *fhir.goals(program),
    ]
    result = fhir.bundle(resources)
    check(result)
    urls = [entry["fullUrl"] for entry in result["entry"]]
    assert len(urls) == len(set(urls)) == len(resources)


# --- value sets ------------------------------------------------------------------------------


def test_the_module_binding_table_matches_the_specification():
    for kind, elements in SPEC_BINDINGS.items():
        for element, codes in elements.items():
            assert fhir.REQUIRED_BINDINGS[kind][element] == codes, f"{kind}.{element}"


def test_every_pathway_state_has_an_episode_status_in_the_value_set():
    assert set(fhir.EPISODE_STATUS) == set(State)
    assert set(fhir.EPISODE_STATUS.values()) <= SPEC_BINDINGS["EpisodeOfCare"]["status"]
    assert set(fhir.CONTRACT_STATUS.values()) <= SPEC_BINDINGS["Contract"]["status"]


def test_validate_refuses_a_code_outside_a_required_value_set_with_its_path():
    episode = fhir.episode_of_care(a_case())
    bad = {**episode, "status": "open"}
    with pytest.raises(ValidationError) as refused:
        fhir.validate(bad)
    assert refused.value.paths == ("status",)
    with pytest.raises(ValidationError) as nested:
        fhir.validate(fhir.bundle([fhir.patient("cl-7f3k"), bad]))
    assert nested.value.paths == ("entry[1].resource.status",)


def test_validate_reports_every_bad_field_with_its_path():
    with pytest.raises(ValidationError) as refused:
        fhir.validate(
            {"resourceType": "Consent", "status": "given", "scope": {"text": "x"}, "bogus": 1}
        )
    assert set(refused.value.paths) == {"category", "bogus", "status"}


@pytest.mark.parametrize(
    ("resource", "path"),
    [
        ({"resourceType": "Nonsense"}, "resourceType"),
        ({"status": "active"}, "resourceType"),
        (["not", "a", "resource"], "$"),
        (
            {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"a": 1}}]},
            "entry[0].resource",
        ),
    ],
)
def test_validate_refuses_what_is_no_resource(resource, path):
    with pytest.raises(ValidationError) as refused:
        fhir.validate(resource)
    assert refused.value.paths[0].startswith(path)


# --- identifying data --------------------------------------------------------------------------


@given(rs.client_ids().flatmap(lambda cid: st.tuples(rs.identities(cid), rs.cases(client_id=cid))))
def test_no_identity_leaves_in_any_export_but_an_identifying_patient(drawn):
    # Contracts, programs and centers take no Identity at all; the case's referral notes
    # and reasons are free text that could hold one, and are never exported.
    identity, case = drawn
    exports = [
        fhir.patient(identity.client_id, identity),
        fhir.patient(identity.client_id, None, identifying=True),
        fhir.episode_of_care(case),
        *fhir.service_requests(case),
    ]
    secrets = {identity.family_name, identity.given_names, *identity.given_names.split()}
    secrets |= {doc.number for doc in identity.documents}
    if identity.address is not None:
        secrets.add(identity.address)
    for resource in exports:
        assert secrets.isdisjoint(strings_in(resource))
        assert not {"name", "birthDate", "gender", "address"} & set(resource)
    shown = fhir.patient(identity.client_id, identity, identifying=True)
    assert identity.family_name in strings_in(shown)
    assert shown["birthDate"] == identity.birth_date.isoformat()


def test_names_in_free_text_never_leave():
    name, number = "Quolmbrik", "XQ-4417-93"
    identity = Identity(
        ClientId("cl-7f3k"),
        name,
        "Zephyrine",
        date(1977, 7, 7),
        documents=(IdentityDocument("passport", number),),
        address="Ulica Zephyrine 7",
    )
    case = a_case(note=f"{name} told the officer")
    case = advance(case, Event.ENGAGE, at=AT + timedelta(days=1), by="o-1", reason=name).case
    resources = [
        fhir.patient("cl-7f3k", identity),
        fhir.episode_of_care(case),
        fhir.service_request(case.referrals[0], case),
        fhir.contract(
            terminate(a_contract(), on=date(2026, 6, 1), ground=TerminationGround.BREACH, why=name)
        ),
    ]
    text = fhir.dumps(fhir.bundle(resources))
    for secret in (name, "Zephyrine", number, "1977-07-07"):
        assert secret not in text
    identifying = fhir.dumps(fhir.patient("cl-7f3k", identity, identifying=True))
    for secret in (name, "Zephyrine", number, "1977-07-07", "Ulica Zephyrine 7"):
        assert secret in identifying


def test_patient_refuses_the_identity_of_another_client_and_bad_ids():
    identity = Identity(ClientId("cl-other"), "Horvat", "Ana", date(1990, 1, 2))
    with pytest.raises(ValidationError) as refused:
        fhir.patient("cl bad", identity, identifying="yes")  # type: ignore[arg-type]
    assert set(refused.value.paths) == {"client_id", "identifying", "identity"}


# --- the pathway reads back ----------------------------------------------------------------


@given(rs.cases())
def test_status_history_has_one_contiguous_period_per_state_change_in_order(case):
    episode = fhir.episode_of_care(case)
    history = episode["statusHistory"]
    states = [case.history[0].target]
    for entry in case.history[1:]:
        if entry.target is not states[-1]:
            states.append(entry.target)
    assert len(history) == len(states)
    exported_states = [h["extension"][0]["valueCoding"]["code"] for h in history]
    assert exported_states == [s.value for s in states]
    assert [h["status"] for h in history] == [fhir.EPISODE_STATUS[s] for s in states]
    starts = [datetime.fromisoformat(h["period"]["start"]) for h in history]
    assert starts == sorted(starts)
    assert starts[0] == case.history[0].at
    for before, after in itertools.pairwise(history):
        assert before["period"]["end"] == after["period"]["start"]
    assert "end" not in history[-1]["period"]
    assert datetime.fromisoformat(history[-1]["period"]["start"]) == case.since
    assert episode["status"] == history[-1]["status"] == fhir.EPISODE_STATUS[case.state]
    assert ("end" in episode["period"]) == case.closed


def test_episode_of_care_names_the_department_the_center_and_the_referrals():
    case = a_case(ReferralSource.COURT)
    case = advance(case, Event.ENGAGE, at=AT + timedelta(days=1), by="o-1").case
    episode = fhir.episode_of_care(case)
    assert episode["managingOrganization"] == {"reference": "Organization/dept-north"}
    assert episode["patient"] == {"reference": "Patient/cl-7f3k"}
    assert [h["status"] for h in episode["statusHistory"]] == ["planned", "active"]
    request = fhir.service_request(case.referrals[0], case)
    assert request["requester"] == {"reference": "Organization/org-7"}
    assert request["status"] == "active"
    closed = advance(case, Event.MOVE_AWAY, at=AT + timedelta(days=9), by="o-1").case
    assert fhir.episode_of_care(closed)["status"] == "finished"
    assert fhir.service_request(closed.referrals[0], closed)["status"] == "completed"


def test_a_case_built_by_hand_with_bad_fields_is_refused_with_every_path():
    case = attrs.evolve(a_case(), state="open", referrals=[1], since=datetime(2026, 1, 1))
    with pytest.raises(ValidationError) as refused:
        fhir.episode_of_care(case)
    assert set(refused.value.paths) == {"case.state", "case.referrals", "case.since"}
    empty = attrs.evolve(a_case(), history=())
    with pytest.raises(ValidationError) as refused:
        fhir.service_requests(empty)
    assert refused.value.paths == ("case.history",)


def test_a_referral_of_another_case_is_refused():
    other = Referral(ReferralSource.FAMILY, date(2026, 1, 1), "dept-south")
    with pytest.raises(ValidationError) as refused:
        fhir.service_request(other, a_case())
    assert refused.value.paths == ("referral",)


# --- consent, centers, contracts ---------------------------------------------------------------


def test_consent_is_active_while_enrolled_and_inactive_with_its_end_after_withdrawal():
    active = fhir.consent(enrolled_record())
    assert active["status"] == "active"
    assert active["provision"] == {"type": "permit", "period": {"start": AT.isoformat()}}
    withdrawn = fhir.consent(enrolled_record(withdrawn=True))
    assert withdrawn["status"] == "inactive"
    assert withdrawn["provision"]["period"] == {
        "start": AT.isoformat(),
        "end": (AT + timedelta(days=30)).isoformat(),
    }
    check(withdrawn)


def test_a_client_without_consent_has_no_consent_to_export():
    import random

    reported = report(
        ClientRegister(),
        IdentityReport("Horvat", "Ana", date(1990, 1, 2)),
        Referral(ReferralSource.SOCIAL_SERVICE, date(2026, 3, 1), "dept-north"),
        secret=SECRET,
        at=AT,
        by="a-1",
        rng=random.Random(1),
    )
    with pytest.raises(RuleViolation) as refused:
        fhir.consent(client(reported.register, reported.client_id))
    assert refused.value.codes == ("consent.missing",)


@given(rs.ownership_forms())
def test_organization_type_follows_the_form_of_ownership(form):
    center = Center("c-9", "Center", form, "Zagreb")
    types = fhir.organization(center)["type"]
    assert types[0]["coding"][0]["code"] == "prov"
    assert types[1]["coding"][0] == {
        "system": fhir.code_system("ownership-form"),
        "code": form.value,
    }


def test_a_program_of_another_center_is_refused():
    program = Program("p-x", Stage.PATRONAGE, 30, Money.of(1, "RUB"), 1)
    with pytest.raises(ValidationError) as refused:
        fhir.healthcare_service(a_center(), program)
    assert refused.value.paths == ("program",)


def test_contract_lists_every_party_and_signer_with_the_day_signed():
    unsigned = fhir.contract(a_contract(signed=False))
    assert unsigned["status"] == "executable"
    assert len(unsigned["term"]) == 4 and len(unsigned["signer"]) == 2
    signed = fhir.contract(a_contract())
    assert signed["status"] == "executed"
    parties = [t["offer"]["party"][0]["reference"][0]["reference"] for t in signed["term"]]
    assert parties == [
        "Organization/dept-north",
        "Patient/cl-7f3k",
        "Organization/c-1",
        "RelatedPerson/cl-7f3k.kin-0",
    ]
    assert [s["signature"][0]["when"] for s in signed["signer"]] == [
        "2026-03-03T00:00:00Z",
        "2026-03-04T00:00:00Z",
        "2026-03-05T00:00:00Z",
        "2026-03-06T00:00:00Z",
    ]
    assert signed["applies"] == {"start": "2026-03-06"}
    ended = fhir.contract(
        terminate(a_contract(), on=date(2026, 9, 1), ground=TerminationGround.COMPLETED, why="ok")
    )
    assert ended["status"] == "terminated"
    assert ended["applies"] == {"start": "2026-03-06", "end": "2026-09-01"}


# --- money, JSON, bundles, purity -------------------------------------------------------------


@given(rs.centers())
def test_program_prices_come_back_exactly_from_the_json(center):
    for program in center.programs:
        text = fhir.dumps(fhir.healthcare_service(center, program))
        price = json.loads(text, parse_float=Decimal)["extension"][0]["valueMoney"]
        assert price["value"] == program.price.amount
        assert price["currency"] == program.price.currency
        assert str(program.price.amount) in text


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**12))
    | st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from([None, 2]),
)
def test_dumps_writes_decimals_as_exact_json_numbers(amount, indent):
    resource = {"valueMoney": {"value": amount, "currency": "RUB"}, "list": [amount, True, None]}
    text = fhir.dumps(resource, indent=indent)
    loaded = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    assert loaded["valueMoney"]["value"].as_tuple() == amount.as_tuple() or (
        loaded["valueMoney"]["value"] == amount
    )
    assert json.loads(text, parse_float=Decimal)["valueMoney"]["value"] == amount
    assert json.loads(text)["list"][1:] == [True, None]


def test_dumps_writes_an_amount_with_its_cents():
    text = fhir.dumps({"value": Decimal("180000.50")})
    assert text == '{"value": 180000.50}'
    assert json.loads(text, parse_float=Decimal) == {"value": Decimal("180000.50")}


@pytest.mark.parametrize(
    ("resource", "path"),
    [
        ({"a": [1, 0.5]}, "$.a[1]"),
        ({"a": {"b": Decimal("NaN")}}, "$.a.b"),
        ({"a": date(2026, 1, 1)}, "$.a"),
        ({"a": {1: "x"}}, "$.a.1"),
    ],
)
def test_dumps_refuses_what_is_not_exact_json_with_its_path(resource, path):
    with pytest.raises(ValidationError) as refused:
        fhir.dumps(resource)
    assert refused.value.paths == (path,)


def test_bundle_refuses_a_resource_given_twice_and_what_is_no_resource():
    patient = fhir.patient("cl-7f3k")
    with pytest.raises(ValidationError) as refused:
        fhir.bundle([patient, {"id": "x"}, patient])
    assert refused.value.paths == ("resources[1]", "resources[2]")


@given(rs.cases(), rs.individual_programs())
def test_exports_are_pure_and_deterministic(case, program):
    assert fhir.episode_of_care(case) == fhir.episode_of_care(case)
    assert fhir.dumps(fhir.care_plan(program)) == fhir.dumps(fhir.care_plan(program))


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda: fhir.care_plan("program"), "program"),
        (lambda: fhir.goals(None), "program"),
        (lambda: fhir.episode_of_care({"id": "case-1"}), "case"),
        (lambda: fhir.consent("cl-1"), "record"),
        (lambda: fhir.organization(object()), "center"),
        (lambda: fhir.contract(None), "social_contract"),
        (lambda: fhir.bundle("resources"), "resources"),
        (lambda: fhir.dumps([]), "resource"),
    ],
)
def test_bad_arguments_are_refused_with_their_path(call, path):
    with pytest.raises(ValidationError) as refused:
        call()
    assert refused.value.paths == (path,)


def test_ids_outside_fhir_syntax_are_replaced_stably_and_kept_as_identifiers():
    assert fhir.fhir_id("case_1") == fhir.fhir_id("case_1") != fhir.fhir_id("case-1")
    assert fhir.fhir_id("case_1").startswith("case-1-")
    assert len(fhir.fhir_id("x" * 64 + "_")) <= 64
    center = Center("c_1", "Center", OwnershipForm.STATE, "Zagreb")
    org = fhir.organization(center)
    assert org["id"] == fhir.fhir_id("c_1")
    assert org["identifier"][0]["value"] == "c_1"
    check(org)


def test_exporting_needs_no_extra_and_validate_says_how_to_get_it(monkeypatch):
    code = (
        "import sys; import resocialize.interop.fhir as f; "
        "f.dumps(f.patient('cl-1')); "
        "assert not any(m.startswith('fhir.') for m in sys.modules), 'imported fhir.resources'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    monkeypatch.setitem(sys.modules, "fhir.resources.R4B", None)
    with pytest.raises(ImportError, match=r"pip install resocialize\[fhir\]"):
        fhir.validate(fhir.patient("cl-1"))
