"""The access policy: who may run which command, and what each role reads of a case
(SE-01, SE-02)."""

from __future__ import annotations

import pickle
import tomllib
from collections.abc import Iterator
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import attrs
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from _builders import BY, T0, admission
from resocialize._checks import id_problem
from resocialize.access import (
    CERTIFICATE_COMMANDS,
    COURT_EVENT_KINDS,
    EVENT_COMMANDS,
    LABOUR_DOMAINS,
    REGISTER_COMMANDS,
    VIEW_PARTS,
    Actor,
    CaseView,
    Command,
    Condition,
    CourtEvent,
    Field,
    Permission,
    Policy,
    ReadRule,
    Rule,
    Target,
    default_policy,
    load_policy,
    may_read,
    may_run,
    policy_from_json,
    policy_from_toml,
    policy_to_json,
    readable_fields,
    require,
    target_of,
    view,
)
from resocialize.assessment import Assessment, RecoveryCapital, StageOfChange, default_instrument
from resocialize.catalog import ServiceDomain, default_catalog
from resocialize.certificates import (
    EMPTY_BOOK,
    Certificate,
    CertificateEvent,
    ClientStanding,
    Course,
    issue,
)
from resocialize.contracts import Party, PartyRole, SocialContract
from resocialize.errors import PermissionDenied, ValidationError
from resocialize.facts import Facts
from resocialize.followups import FollowUpOutcome, FollowUpRecord
from resocialize.labour import Match
from resocialize.money import Money
from resocialize.organizations import Role
from resocialize.pathway import _NOTICES, Case, Event, advance, identify, replay
from resocialize.people import ClientId, Identity
from resocialize.planning import plan_program
from resocialize.programs import Goal, IndividualProgram
from resocialize.records import (
    CourtMeasure,
    CourtOrder,
    DiagnosisRecord,
    MedicalHelp,
    MedicalHelpKind,
    Opening,
    Origin,
    Placement,
    ProgramRecord,
    Referral,
    ReferralSource,
)
from resocialize.register import RegisterEvent
from resocialize.rules import Reason
from resocialize.testing._access import actors, policies, targets
from resocialize.testing._assessment import assessments
from resocialize.testing._planning import planned_programs
from resocialize.testing.strategies import cases

# --- the policy table, read from the TOML without the code under test ------------------------

_DOCUMENT = tomllib.loads(
    resources.files("resocialize").joinpath("data/access.toml").read_text("utf-8")
)


def _conditions(value: str | list[str]) -> frozenset[str]:
    return frozenset([value] if isinstance(value, str) else value)


COMMAND_TABLE: dict[tuple[str, str], frozenset[str]] = {
    (command, role): _conditions(value)
    for command, roles in _DOCUMENT["commands"].items()
    for role, value in roles.items()
}
"""(command, role) -> the conditions of its lines, as the file says."""

READ_TABLE: dict[tuple[str, str], frozenset[str]] = {
    (role, field): _conditions(value)
    for role, fields in _DOCUMENT["reads"].items()
    for field, value in fields.items()
}
"""(role, field) -> the conditions of its lines, as the file says."""

ORG = "org-1"
"""The organization that is everything to the case of :func:`rich_case`."""
CLIENT = "cl-rich01"
EVERYTHING = Target(
    case_id="case-1",
    court_id=ORG,
    center_id=ORG,
    certificate_center_id=ORG,
    contract_center_id=ORG,
    referrers=frozenset({ORG}),
    departments=frozenset({ORG}),
    providers=frozenset({ORG}),
)
"""A target on which every condition holds for an actor of :data:`ORG` with the permission."""
NOTHING = Target(
    case_id="case-1",
    court_id="court-9",
    center_id="center-9",
    certificate_center_id="center-9",
    contract_center_id="center-9",
    referrers=frozenset({"police-9"}),
    departments=frozenset({"dept-9"}),
    providers=frozenset({"clinic-9"}),
)
"""A target on which no condition but ``any`` holds for an actor of :data:`ORG`."""
ONLY: dict[Condition, Target] = {
    Condition.ANY: NOTHING,
    Condition.OWN_CENTER: attrs.evolve(
        NOTHING, center_id=ORG, certificate_center_id=ORG, contract_center_id=ORG
    ),
    Condition.OWN_ORDER: attrs.evolve(NOTHING, court_id=ORG),
    Condition.OWN_REFERRAL: attrs.evolve(NOTHING, referrers=frozenset({ORG, "police-9"})),
    Condition.OWN_DEPARTMENT: attrs.evolve(NOTHING, departments=frozenset({ORG})),
    Condition.OWN_PATIENT: attrs.evolve(NOTHING, providers=frozenset({ORG, "clinic-9"})),
    Condition.IDENTIFYING_PERMISSION: NOTHING,
}
"""For each condition, a target on which that condition alone holds (with :func:`actor_for`)."""


def actor_for(role: Role, condition: Condition | None = None) -> Actor:
    """An actor of :data:`ORG`; with the permission when ``condition`` is ``None`` (every
    condition) or the identifying-data permission."""
    granted = condition in (None, Condition.IDENTIFYING_PERMISSION)
    permissions = {Permission.IDENTIFYING_DATA} if granted else set()
    return Actor(ORG, role, "person-1", permissions)


def rich_case(*, note: str | None = "met at the station", order: str | None = ORG) -> Case:
    """A case with something in every field: a court order, a referral with a note,
    medical help, consent, a diagnosis, a program, and admission to a center, all by or
    with :data:`ORG`."""
    court_order = None
    if order is not None:
        court_order = CourtOrder(
            order, "1-1/2026", date(2026, 2, 1), CourtMeasure.ADDITIONAL_MEASURE
        )
    case = identify(
        "case-1",
        CLIENT,
        referral=Referral(ReferralSource.LAW_ENFORCEMENT, T0.date(), ORG, ORG, note),
        origin=Origin.COMMUNITY,
        at=T0,
        by=BY,
        court_order=court_order,
        reason="reported by a patrol",
    )
    steps = [
        (Event.ENGAGE, Facts()),
        (Event.START_TREATMENT, Facts()),
        (
            Event.RECORD_MEDICAL_HELP,
            Facts(medical_help=MedicalHelp(MedicalHelpKind.DETOXIFICATION, T0.date(), ORG)),
        ),
        (Event.GIVE_CONSENT, Facts()),
        (Event.RECORD_DIAGNOSIS, Facts(assessment_id="assess-1")),
        (Event.RECORD_PROGRAM, Facts(program_id="irp-1")),
        (
            Event.ADMIT,
            admission(
                client=CLIENT,
                center=ORG,
                placed_with=ORG,
                contract_client=CLIENT,
                contract_center=ORG,
            ),
        ),
    ]
    for i, (step, facts) in enumerate(steps, start=1):
        at = T0 + timedelta(days=i)
        case = advance(case, step, at=at, by=BY, facts=facts, reason=f"step {i}").case
    return case


def certificate() -> Certificate:
    at = T0 + timedelta(days=6)
    book = issue(
        EMPTY_BOOK,
        "cert-1",
        ClientStanding(CLIENT, enrolled=True, referred=True),
        course=Course.SOCIAL_REHABILITATION,
        face_value=Money.of(180_000, "RUB"),
        split={"regional": Money.of(180_000, "RUB")},
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 1, 1),
        issuer_id="agency",
        at=at,
        by=BY,
    )
    return book.certificate("cert-1")


def contract() -> SocialContract:
    parties = (
        Party(PartyRole.PATRONAGE_BODY, "agency", ("follow the client up",)),
        Party(PartyRole.CLIENT, CLIENT, ("follow the program",)),
        Party(PartyRole.CENTER, ORG, ("deliver the program",)),
    )
    return SocialContract("contract-1", CLIENT, ORG, "cert-1", parties, (), date(2026, 3, 5))


def parts() -> dict[str, object]:
    """Every part :func:`view` takes but the assessment and program, for :func:`rich_case`."""
    return {
        "identity": Identity(ClientId(CLIENT), "Horvat", "Ana", date(1990, 5, 17)),
        "certificate": certificate(),
        "contract": contract(),
        "follow_ups": (
            FollowUpRecord("case-1", "discharge", date(2026, 9, 1), "agency", FollowUpOutcome()),
        ),
        "vacancies": (Match("v-1", True, 3, ()),),
    }


FILLED: dict[Field, str] = {
    Field.IDENTIFICATION: "client_id",
    Field.REFERRAL: "referrals",
    Field.COURT_STATUS: "court_order",
    Field.PATHWAY_STATE: "state",
    Field.HISTORY: "history",
    Field.CONSENT: "consent_since",
    Field.HEALTH: "medical_help",
    Field.PROGRAM: "program_id",
    Field.LABOUR: "vacancies",
    Field.CERTIFICATE: "certificate",
    Field.CONTRACT: "contract",
    Field.FOLLOW_UPS: "follow_ups",
    Field.IDENTITY: "identity",
}
"""An attribute of each field that the view of :func:`rich_case` with :func:`parts` fills."""


def empty(value: object) -> bool:
    return value is None or value == ()


def assert_withheld_empty(seen: CaseView) -> None:
    for field in seen.withheld:
        for name in VIEW_PARTS[field]:
            assert empty(getattr(seen, name)), (field, name)


# --- SE-01: every command x role pair ---------------------------------------------------------


@pytest.mark.req("SE-01")
def test_the_policy_file_names_every_command_and_only_known_names() -> None:
    assert set(_DOCUMENT) == {"commands", "reads"}
    assert set(_DOCUMENT["commands"]) == {c.value for c in Command}
    assert {role for _, role in COMMAND_TABLE} <= {r.value for r in Role}
    assert {role for role, _ in READ_TABLE} <= {r.value for r in Role}
    assert {field for _, field in READ_TABLE} <= {f.value for f in Field}
    known = {c.value for c in Condition}
    assert all(conds <= known for conds in (*COMMAND_TABLE.values(), *READ_TABLE.values()))


@pytest.mark.req("SE-01")
def test_every_command_and_role_is_allowed_exactly_as_the_policy_table_says() -> None:
    policy = default_policy()
    for command in Command:
        for role in Role:
            conds = COMMAND_TABLE.get((command.value, role.value), frozenset())
            # every condition met: allowed exactly when the table has a line
            decision = may_run(policy, actor_for(role), command, target=EVERYTHING)
            assert decision.allowed == bool(conds), (command, role)
            # one condition met at a time: allowed when the table has that line or "any"
            for condition, target in ONLY.items():
                decision = may_run(policy, actor_for(role, condition), command, target=target)
                expected = bool(conds & {condition.value, Condition.ANY.value})
                assert decision.allowed == expected, (command, role, condition)
                if not expected:
                    assert decision.reasons, (command, role, condition)
                    if not conds:
                        assert decision.codes == ("access.role_not_permitted",)
                    else:  # one reason for every line that does not allow it
                        assert len(decision.reasons) == len(conds)


@pytest.mark.req("SE-01")
def test_every_field_and_role_is_allowed_exactly_as_the_read_table_says() -> None:
    policy = default_policy()
    for field in Field:
        for role in Role:
            conds = READ_TABLE.get((role.value, field.value), frozenset())
            assert may_read(policy, actor_for(role), field, target=EVERYTHING).allowed == bool(
                conds
            )
            for condition, target in ONLY.items():
                decision = may_read(policy, actor_for(role, condition), field, target=target)
                expected = bool(conds & {condition.value, Condition.ANY.value})
                assert decision.allowed == expected, (field, role, condition)
                if not conds:
                    assert decision.codes == ("access.field_not_permitted",)


@pytest.mark.req("SE-01")
@pytest.mark.parametrize(
    "command",
    [
        Command.ISSUE_CERTIFICATE,
        Command.SETTLE_CERTIFICATE,
        Command.CANCEL_CERTIFICATE,
        Command.PAY_CLAIM,
        Command.INCLUDE_CENTER,
        Command.SUSPEND_CENTER,
        Command.EXCLUDE_CENTER,
        Command.INSPECT_CENTER,
        Command.EXPORT,
        Command.EXPORT_IDENTIFYING,
    ],
)
def test_only_the_agency_issues_settles_cancels_pays_decides_the_register_and_exports(
    command: Command,
) -> None:
    assert default_policy().roles_for(command) == {Role.AGENCY}


@pytest.mark.req("SE-01")
def test_partners_that_identify_clients_may_identify_and_refer() -> None:
    policy = default_policy()
    sources = {
        Role.LAW_ENFORCEMENT,
        Role.COURT,
        Role.SOCIAL_SERVICE,
        Role.HEALTH,
        Role.NGO,
        Role.AGENCY,
    }
    for command in (Command.IDENTIFY, Command.REFER):
        assert sources <= policy.roles_for(command)
        assert Role.EMPLOYER not in policy.roles_for(command)


@pytest.mark.req("SE-01")
def test_centers_admit_and_record_the_course_only_for_their_own_clients() -> None:
    policy = default_policy()
    own = Actor("center-1", Role.REHABILITATION_CENTER, "nurse-1")
    other = Actor("center-2", Role.REHABILITATION_CENTER, "nurse-2")
    target = Target(center_id="center-1", certificate_center_id="center-1")
    for command in (
        Command.ADMIT,
        Command.RECORD_MILESTONE,
        Command.RECORD_RELAPSE,
        Command.RECORD_DROPOUT,
    ):
        assert may_run(policy, own, command, target=target).allowed
        assert may_run(policy, other, command, target=target).codes == ("access.not_own_center",)


@pytest.mark.req("SE-01")
def test_a_center_that_is_not_contracted_cannot_claim_payment() -> None:
    policy = default_policy()
    target = Target(certificate_center_id="center-1", contract_center_id="center-1")
    stranger = Actor("center-2", Role.REHABILITATION_CENTER, "accountant-2")
    decision = may_run(policy, stranger, Command.CLAIM_PAYMENT, target=target)
    assert decision.codes == ("access.not_own_center",)
    assert decision.reasons[0].details["centers"] == "center-1"
    with pytest.raises(PermissionDenied) as refused:
        require(policy, stranger, Command.CLAIM_PAYMENT, target=target)
    assert refused.value.reasons == decision.reasons
    assert refused.value.action == "claim_payment"
    assert "center-2" in str(refused.value)
    contracted = Actor("center-1", Role.REHABILITATION_CENTER, "accountant-1")
    assert require(policy, contracted, Command.CLAIM_PAYMENT, target=target) is None


@pytest.mark.req("SE-01")
def test_a_center_named_by_the_certificate_but_not_by_the_contract_cannot_claim() -> None:
    target = Target(certificate_center_id="center-2", contract_center_id="center-1")
    actor = Actor("center-2", Role.REHABILITATION_CENTER, "accountant-2")
    assert may_run(default_policy(), actor, Command.CLAIM_PAYMENT, target=target).codes == (
        "access.not_own_center",
    )


@pytest.mark.req("SE-01")
def test_a_condition_without_a_target_is_refused_with_its_reason() -> None:
    actor = Actor("center-1", Role.REHABILITATION_CENTER, "accountant-1")
    decision = may_run(default_policy(), actor, Command.CLAIM_PAYMENT)
    assert decision.codes == ("access.no_target",)
    assert may_run(default_policy(), actor, Command.CLAIM_PAYMENT, target=Target()).codes == (
        "access.not_own_center",
    )


@pytest.mark.req("SE-01")
def test_an_identifying_export_needs_the_separate_permission() -> None:
    policy = default_policy()
    analyst = Actor("agency", Role.AGENCY, "analyst-1")
    assert may_run(policy, analyst, Command.EXPORT).allowed
    assert may_run(policy, analyst, Command.EXPORT_IDENTIFYING).codes == (
        "access.no_identifying_permission",
    )
    granted = attrs.evolve(analyst, permissions=frozenset({Permission.IDENTIFYING_DATA}))
    assert may_run(policy, granted, Command.EXPORT_IDENTIFYING).allowed
    court = Actor("court-1", Role.COURT, "judge-1", ["identifying_data"])
    assert may_run(policy, court, Command.EXPORT_IDENTIFYING).codes == (
        "access.role_not_permitted",
    )


@pytest.mark.req("SE-01")
def test_a_refusal_carries_a_reason_for_every_line_of_the_role() -> None:
    clinic = Actor("clinic-1", Role.HEALTH, "doctor-1")
    decision = may_run(default_policy(), clinic, Command.READ_CASE, target=NOTHING)
    assert decision.codes == ("access.not_own_referral", "access.not_own_patient")
    for reason in decision.reasons:
        assert reason.details["organization"] == "clinic-1"
        assert reason.details["subject"] == "read_case"
    refused = may_run(default_policy(), clinic, Command.PAY_CLAIM)
    assert refused.reasons == (
        Reason(
            "access.role_not_permitted",
            "the health role may not run pay_claim; roles that may: agency",
            {"role": "health", "command": "pay_claim", "roles": "agency"},
        ),
    )


@pytest.mark.req("SE-01")
@given(policy=policies(), actor=actors(), target=st.one_of(st.none(), targets()), data=st.data())
def test_a_command_is_allowed_exactly_when_a_line_of_the_role_holds(
    policy: Policy, actor: Actor, target: Target | None, data: st.DataObject
) -> None:
    command = data.draw(st.sampled_from(list(Command)))
    lines = [r for r in policy.rules if r.command is command and r.role is actor.role]
    decision = may_run(policy, actor, command, target=target)
    holds = [line for line in lines if _holds(line.condition, actor, target)]
    assert decision.allowed == bool(holds)
    if not decision.allowed:
        assert len(decision.reasons) == max(1, len(lines))
        with pytest.raises(PermissionDenied) as refused:
            require(policy, actor, command, target=target)
        assert refused.value.reasons == decision.reasons


def _holds(condition: Condition, actor: Actor, target: Target | None) -> bool:
    """The conditions, written out again for the property."""
    org = actor.organization_id
    if condition is Condition.ANY:
        return True
    if condition is Condition.IDENTIFYING_PERMISSION:
        return Permission.IDENTIFYING_DATA in actor.permissions
    if target is None:
        return False
    centers = [
        c
        for c in (target.center_id, target.certificate_center_id, target.contract_center_id)
        if c is not None
    ]
    return {
        Condition.OWN_CENTER: bool(centers) and all(c == org for c in centers),
        Condition.OWN_ORDER: target.court_id == org,
        Condition.OWN_REFERRAL: org in target.referrers,
        Condition.OWN_DEPARTMENT: org in target.departments,
        Condition.OWN_PATIENT: org in target.providers,
    }[condition]


@pytest.mark.req("SE-01")
def test_every_event_of_the_pathway_certificates_and_register_has_a_command() -> None:
    assert set(EVENT_COMMANDS) == set(Event)
    assert set(CERTIFICATE_COMMANDS) == set(CertificateEvent)
    assert set(REGISTER_COMMANDS) == set(RegisterEvent)
    assert CERTIFICATE_COMMANDS[CertificateEvent.ISSUE] is Command.ISSUE_CERTIFICATE


# --- SE-02: every field x role pair of the views -----------------------------------------------


@pytest.mark.req("SE-02")
def test_every_role_reads_of_a_case_exactly_the_fields_the_read_table_gives_it() -> None:
    policy = default_policy()
    case = rich_case()
    given_parts = parts()
    for role in Role:
        actor = actor_for(role)
        if (Command.READ_CASE.value, role.value) not in COMMAND_TABLE:
            with pytest.raises(PermissionDenied) as refused:
                view(policy, actor, case, **given_parts)  # type: ignore[arg-type]
            assert refused.value.reasons[0].code == "access.role_not_permitted"
            continue
        seen = view(policy, actor, case, **given_parts)  # type: ignore[arg-type]
        assert seen.case_id == "case-1"
        for field in Field:
            readable = (role.value, field.value) in READ_TABLE
            assert (field in seen.shown) == readable, (role, field)
            assert (field in seen.withheld) == (not readable), (role, field)
            assert empty(getattr(seen, FILLED[field])) == (not readable), (role, field)
        assert_withheld_empty(seen)


@pytest.mark.req("SE-02")
def test_the_agency_reads_all_but_identity_without_the_permission() -> None:
    policy = default_policy()
    officer = Actor("agency", Role.AGENCY, "officer-1")
    seen = view(policy, officer, rich_case(), **parts())  # type: ignore[arg-type]
    assert seen.withheld == (Field.IDENTITY,)
    assert seen.identity is None
    granted = attrs.evolve(officer, permissions=frozenset({Permission.IDENTIFYING_DATA}))
    assert view(policy, granted, rich_case(), **parts()).identity is not None  # type: ignore[arg-type]


@pytest.mark.req("SE-02")
@given(case=cases(max_events=20), elsewhere=st.booleans(), data=st.data())
def test_law_enforcement_never_sees_health_or_program_on_any_case(
    case: Case, elsewhere: bool, data: st.DataObject
) -> None:
    if not elsewhere:  # the police identified the client (they referred the case)
        case = _referred_by(case, "police-1")
    referrers = sorted(target_of(case).referrers)
    organization = data.draw(st.sampled_from(["police-1", "police-9"]))
    officer = data.draw(actors(Role.LAW_ENFORCEMENT, organization_id=organization))
    assessment = data.draw(assessments(client_id=case.client_id))
    program = attrs.evolve(data.draw(planned_programs())[0], client_id=case.client_id)
    if organization not in referrers:
        with pytest.raises(PermissionDenied) as refused:
            view(default_policy(), officer, case, assessment=assessment, program=program)
        assert refused.value.reasons[0].code == "access.not_own_referral"
        event("law enforcement: refused")
        return
    event("law enforcement: viewed")
    seen = view(default_policy(), officer, case, assessment=assessment, program=program)
    assert {Field.HEALTH, Field.PROGRAM} <= set(seen.withheld)
    assert seen.shown == (Field.IDENTIFICATION, Field.REFERRAL, Field.COURT_STATUS)
    assert_withheld_empty(seen)
    secret = (MedicalHelp, DiagnosisRecord, ProgramRecord, Assessment, IndividualProgram, Goal)
    assert not [value for value in _inside(seen) if isinstance(value, secret)]


def _referred_by(case: Case, organization: str) -> Case:
    """The same case, its first referral made by ``organization``."""
    first = case.history[0]
    assert isinstance(first.record, Opening)
    referral = attrs.evolve(first.record.referral, referred_by=organization)
    opening = attrs.evolve(first.record, referral=referral)
    return replay((attrs.evolve(first, record=opening), *case.history[1:]))


def _inside(value: object) -> Iterator[object]:
    """Every value nested in ``value``: attributes, items, keys and values."""
    yield value
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from _inside(getattr(value, field.name))
    elif isinstance(value, tuple | list | frozenset | set):
        for item in value:
            yield from _inside(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _inside(key)
            yield from _inside(item)


@pytest.mark.req("SE-02")
@given(policy=policies(), case=cases(max_events=15), data=st.data())
def test_a_view_shows_exactly_the_fields_the_policy_lets_the_actor_read(
    policy: Policy, case: Case, data: st.DataObject
) -> None:
    target = target_of(case)
    # often a role that may read cases, and an organization the case names
    readers = sorted(policy.roles_for(Command.READ_CASE)) or list(Role)
    role = data.draw(st.one_of(st.sampled_from(readers), st.sampled_from(list(Role))))
    named = [target.court_id, *target.center_ids, *target.referrers, *target.departments]
    named += sorted(target.providers)
    organizations = [o for o in named if o is not None and id_problem(o) is None]
    organization = data.draw(st.sampled_from([*organizations, "agency"]))
    actor = data.draw(actors(role, organization_id=organization))
    reading = may_run(policy, actor, Command.READ_CASE, target=target)
    if not reading.allowed:
        with pytest.raises(PermissionDenied) as refused:
            view(policy, actor, case)
        assert refused.value.reasons == reading.reasons
        event("view: refused")
        return
    seen = view(policy, actor, case)
    event("view: made" + (", with history" if seen.history else ""))
    readable = readable_fields(policy, actor, target=target)
    assert set(seen.shown) == readable
    for field in Field:
        assert may_read(policy, actor, field, target=target).allowed == (field in readable)
    assert_withheld_empty(seen)
    free_text = {Field.HEALTH, Field.PROGRAM} <= readable
    for entry in seen.history:
        if entry.record is not None:
            assert not isinstance(entry.record, MedicalHelp | DiagnosisRecord) or (
                Field.HEALTH in readable
            )
            assert not isinstance(entry.record, ProgramRecord) or Field.PROGRAM in readable
        assert entry.reason is None or free_text
    if Field.HISTORY in readable and readable == set(Field):
        assert seen.history == case.history


@pytest.mark.req("SE-02")
def test_a_court_sees_only_cases_with_its_order() -> None:
    policy = default_policy()
    court = Actor(ORG, Role.COURT, "judge-1")
    seen = view(policy, court, rich_case())
    assert seen.shown == (Field.IDENTIFICATION, Field.COURT_STATUS)
    assert seen.court_order is not None and seen.court_order.court_id == ORG
    other = Actor("court-2", Role.COURT, "judge-2")
    with pytest.raises(PermissionDenied) as refused:
        view(policy, other, rich_case())
    assert refused.value.reasons[0].code == "access.not_own_order"
    with pytest.raises(PermissionDenied) as no_order:
        view(policy, court, rich_case(order=None))
    assert no_order.value.reasons[0].message == "the case carries no court order"


@pytest.mark.req("SE-02")
def test_a_court_reads_the_stage_reached_and_the_events_it_is_told_of() -> None:
    case = rich_case()
    at = case.history[-1].at + timedelta(days=30)
    case = advance(case, Event.DROP_OUT, at=at, by=BY).case
    seen = view(default_policy(), Actor(ORG, Role.COURT, "judge-1"), case)
    assert seen.stage_reached is not None and seen.stage_reached.roman == "III"
    assert seen.court_events == (CourtEvent(COURT_EVENT_KINDS[Event.DROP_OUT], Event.DROP_OUT, at),)
    assert seen.state is None and seen.history == ()


@pytest.mark.req("SE-02")
def test_court_events_are_the_events_the_pathway_notifies_a_court_of() -> None:
    assert dict(COURT_EVENT_KINDS) == dict(_NOTICES)


@pytest.mark.req("SE-02")
@given(case=cases(max_events=20))
def test_court_status_lists_every_court_relevant_event_of_the_history(case: Case) -> None:
    agency = Actor("agency", Role.AGENCY, "officer-1")
    seen = view(default_policy(), agency, case)
    assert [(e.event, e.at) for e in seen.court_events] == [
        (e.event, e.at) for e in case.history if e.event in COURT_EVENT_KINDS
    ]
    assert seen.stage_reached is not None


@pytest.mark.req("SE-02")
def test_employment_service_reads_labour_goals_and_vacancies_only() -> None:
    program: IndividualProgram = _program_with_labour_goals()
    service = Actor("employment-1", Role.EMPLOYMENT_SERVICE, "adviser-1")
    matches = (Match("v-1", True, 3, ()),)
    seen = view(default_policy(), service, rich_case(), program=program, vacancies=matches)
    assert seen.shown == (Field.IDENTIFICATION, Field.LABOUR)
    assert seen.vacancies == matches
    assert {g.domain for g in seen.labour_goals} == {ServiceDomain.LABOUR, ServiceDomain.EDUCATION}
    assert {g.domain for g in seen.labour_goals} <= LABOUR_DOMAINS
    assert seen.labour_goals == tuple(g for g in program.goals if g.domain in LABOUR_DOMAINS)
    assert seen.program is None and seen.medical_help == ()


def _program_with_labour_goals() -> IndividualProgram:
    """A program of the prison route planned from an assessment with high needs."""
    tool = default_instrument()
    assessment = Assessment(
        "assess-1",
        CLIENT,
        tool,
        {item.code: 3 for item in tool.items},
        "psychologist-1",
        date(2026, 3, 3),
        StageOfChange.PREPARATION,
        RecoveryCapital(5, 5, 5, 5),
    )
    return plan_program(
        CLIENT, assessment, default_catalog(), origin=Origin.PRISON, start=date(2026, 3, 10)
    )


@pytest.mark.req("SE-02")
def test_a_center_reads_its_own_clients_case_and_not_anothers() -> None:
    policy = default_policy()
    own = Actor(ORG, Role.REHABILITATION_CENTER, "psychologist-1")
    seen = view(policy, own, rich_case(), **parts())  # type: ignore[arg-type]
    assert Field.HEALTH in seen.shown and Field.REFERRAL in seen.withheld
    assert Event.REFER not in {e.event for e in seen.history}
    opening = seen.history[0].record
    assert opening is None  # it carries the referral and the court order
    other = Actor("center-2", Role.REHABILITATION_CENTER, "psychologist-2")
    with pytest.raises(PermissionDenied) as refused:
        view(policy, other, rich_case())
    assert refused.value.reasons[0].code == "access.not_own_center"


@pytest.mark.req("SE-02")
def test_history_shows_only_the_entries_and_records_of_readable_fields_and_no_free_text() -> None:
    policy = Policy(
        [Rule(Command.READ_CASE, Role.NGO, Condition.OWN_REFERRAL)],
        [
            ReadRule(Field.HISTORY, Role.NGO),
            ReadRule(Field.REFERRAL, Role.NGO),
            ReadRule(Field.IDENTIFICATION, Role.NGO),
            ReadRule(Field.PATHWAY_STATE, Role.NGO),
        ],
    )
    case = rich_case()
    seen = view(policy, Actor(ORG, Role.NGO, "worker-1"), case)
    events = [e.event for e in seen.history]
    assert events == [
        e.event
        for e in case.history
        if e.event
        not in {
            Event.RECORD_MEDICAL_HELP,
            Event.RECORD_DIAGNOSIS,
            Event.RECORD_PROGRAM,
            Event.GIVE_CONSENT,
        }
    ]
    assert all(e.reason is None for e in seen.history)
    assert seen.history[0].record is None  # the opening carries the court order
    admitted = seen.history[-1]
    assert admitted.event is Event.ADMIT and admitted.record is None  # certificate, contract
    assert [r.note for r in seen.referrals] == [None]
    # with court status readable too, the opening is shown, still without the note
    wider = Policy(policy.rules, policy.reads | {ReadRule(Field.COURT_STATUS, Role.NGO)})
    opening = view(wider, Actor(ORG, Role.NGO, "worker-1"), case).history[0].record
    assert isinstance(opening, Opening) and opening.referral.note is None
    # a role reading health and program reads the free text as written
    agency = view(default_policy(), Actor("agency", Role.AGENCY, "officer-1"), case)
    assert agency.history == case.history and agency.referrals == case.referrals
    assert isinstance(agency.history[-1].record, Placement)


@pytest.mark.req("SE-02")
def test_a_view_refuses_parts_of_another_client_and_a_target_of_another_case() -> None:
    agency = Actor("agency", Role.AGENCY, "officer-1")
    stranger = Identity(ClientId("cl-other"), "Horvat", "Ana", date(1990, 5, 17))
    record = FollowUpRecord("case-2", "discharge", date(2026, 9, 1), "agency", FollowUpOutcome())
    with pytest.raises(ValidationError) as bad:
        view(
            default_policy(),
            agency,
            rich_case(),
            identity=stranger,
            follow_ups=[record, "note"],  # type: ignore[list-item]
            target=Target(court_id="court-9", certificate_center_id="center-9"),
            certificate=certificate(),
        )
    assert bad.value.paths == (
        "identity.client_id",
        "follow_ups[0].case_id",
        "follow_ups[1]",
        "target.court_id",
    )
    with pytest.raises(ValidationError) as worse:
        view("policy", None, "case")  # type: ignore[arg-type]
    assert worse.value.paths == ("policy", "actor", "case")


@pytest.mark.req("SE-02")
def test_a_target_given_to_a_view_adds_the_centers_of_certificate_and_contract() -> None:
    case = identify(
        "case-2",
        CLIENT,
        referral=Referral(ReferralSource.SELF, T0.date(), "dept-1"),
        origin=Origin.COMMUNITY,
        at=T0,
        by=BY,
    )
    center = Actor("center-1", Role.REHABILITATION_CENTER, "nurse-1")
    with pytest.raises(PermissionDenied):
        view(default_policy(), center, case)
    target = Target(certificate_center_id="center-1", contract_center_id="center-1")
    seen = view(default_policy(), center, case, target=target)
    assert seen.state is not None


# --- values and documents --------------------------------------------------------------------


@pytest.mark.req("SE-01")
def test_bad_actors_rules_and_arguments_report_every_bad_field() -> None:
    with pytest.raises(ValidationError) as bad:
        Actor("org 1", "judge", "", ["everything"])  # type: ignore[arg-type, list-item]
    assert bad.value.paths == ("organization_id", "role", "person_id", "permissions")
    with pytest.raises(ValidationError) as rule:
        Rule("fly", "judge", "sometimes")  # type: ignore[arg-type]
    assert rule.value.paths == ("command", "role", "condition")
    with pytest.raises(ValidationError) as call:
        may_run("policy", "actor", "fly", target="t")  # type: ignore[arg-type]
    assert call.value.paths == ("policy", "actor", "target", "command")
    with pytest.raises(ValidationError) as read:
        may_read(default_policy(), Actor("a", Role.AGENCY, "p"), "diary")
    assert read.value.paths == ("field",)
    with pytest.raises(ValidationError) as policy:
        Policy([Rule(Command.EXPORT, Role.AGENCY), "agency may"])  # type: ignore[list-item]
    assert policy.value.paths == ("rules",)
    with pytest.raises(ValidationError) as target:
        Target(court_id="", referrers=["ok", ""])
    assert target.value.paths == ("court_id", "referrers")


@pytest.mark.req("SE-01")
def test_a_policy_document_with_problems_is_refused_with_every_path() -> None:
    text = """
    colour = "red"
    [commands.issue_certificate]
    agency = "any"
    judge = "any"
    [commands.fly]
    agency = "any"
    [commands.claim_payment]
    rehabilitation_center = ["own_center", 3, "own_center"]
    [commands.export]
    agency = "sometimes"
    [reads.court]
    court_status = []
    diary = "any"
    [reads.wizard]
    health = "any"
    [reads.ngo]
    referral = { when = "always" }
    """
    with pytest.raises(ValidationError) as bad:
        policy_from_toml(text)
    assert bad.value.paths == (
        "colour",
        "commands.issue_certificate.judge",
        "commands.fly",
        "commands.claim_payment.rehabilitation_center[1]",
        "commands.claim_payment.rehabilitation_center[2]",
        "commands.export.agency",
        "reads.court.court_status",
        "reads.court.diary",
        "reads.wizard",
        "reads.ngo.referral",
    )


@pytest.mark.req("SE-01")
@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("", "commands"),
        ("commands = 3\nreads = {}", "commands"),
        ("commands = {}\nreads = []", "reads"),
        ("commands = {}\nreads = {}\n[commands.export]\n", "$"),
        ("[commands]\nexport = 'agency'\n[reads]", "commands.export"),
    ],
)
def test_a_malformed_policy_document_is_refused_at_its_path(text: str, path: str) -> None:
    with pytest.raises(ValidationError) as bad:
        policy_from_toml(text)
    assert bad.value.paths[0] == path


@pytest.mark.req("SE-01")
def test_policy_documents_that_are_not_text_or_not_parsable_are_refused() -> None:
    for call, value in (
        (policy_from_toml, 3),
        (policy_from_toml, "[commands"),
        (policy_from_json, "{"),
        (policy_from_json, "[]"),
        (policy_from_json, None),
    ):
        with pytest.raises(ValidationError) as bad:
            call(value)  # type: ignore[operator]
        assert bad.value.paths == ("$",)
    with pytest.raises(ValidationError):
        policy_to_json("policy")  # type: ignore[arg-type]


@pytest.mark.req("SE-01")
def test_the_default_policy_round_trips_through_json_and_files(tmp_path: Path) -> None:
    policy = default_policy()
    text = policy_to_json(policy)
    assert policy_from_json(text) == policy
    assert policy_from_json(text.encode()) == policy
    json_file = tmp_path / "access.json"
    json_file.write_text(text, encoding="utf-8")
    assert load_policy(json_file) == policy
    toml_file = tmp_path / "access.toml"
    toml_file.write_text(
        resources.files("resocialize").joinpath("data/access.toml").read_text("utf-8"),
        encoding="utf-8",
    )
    assert load_policy(toml_file) == policy
    assert load_policy(text, format="json") == policy
    assert pickle.loads(pickle.dumps(policy)) == policy
    assert pickle.loads(pickle.dumps(policy)).conditions_for(Command.READ_CASE, Role.HEALTH) == (
        Condition.OWN_REFERRAL,
        Condition.OWN_PATIENT,
    )


@pytest.mark.req("SE-01")
@given(policy=policies())
def test_any_policy_round_trips_through_json(policy: Policy) -> None:
    assert policy_from_json(policy_to_json(policy)) == policy
    assert policy_from_json(policy_to_json(policy, indent=None)) == policy
