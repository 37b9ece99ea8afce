"""The pathway's rules, one requirement (PW-01 ... PW-14) at a time."""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _builders import BY, CENTER, CLIENT, T0, admission, in_treatment, opened, run
from resocialize.errors import RuleViolation, ValidationError
from resocialize.facts import Facts
from resocialize.guards import add_months
from resocialize.organizations import OwnershipForm
from resocialize.pathway import (
    Case,
    Event,
    NoticeKind,
    PathwayRules,
    Stage,
    State,
    advance,
    allowed_events,
    explain,
    identify,
    pathway_table,
    replay,
)
from resocialize.records import (
    DiagnosisRecord,
    LabourOutcome,
    MedicalHelp,
    MedicalHelpKind,
    Opening,
    Origin,
    Referral,
    ReferralSource,
)


def refusal(case: Case, event: Event, facts: Facts | None = None, days: int = 1) -> RuleViolation:
    at = case.history[-1].at + timedelta(days=days)
    with pytest.raises(RuleViolation) as caught:
        advance(case, event, at=at, by=BY, facts=facts or Facts())
    return caught.value


def admitted(**kwargs: object) -> Case:
    return run(in_treatment(**kwargs), Event.ADMIT, facts=admission())


# --- PW-01 identification -----------------------------------------------------------------


@pytest.mark.req("PW-01")
@pytest.mark.parametrize("source", list(ReferralSource))
def test_identification_records_source_date_and_department(source: ReferralSource) -> None:
    case = opened(source=source)
    assert case.state is State.IDENTIFIED
    assert case.stage is Stage.IDENTIFICATION
    (referral,) = case.referrals
    assert (referral.source, referral.on, referral.department) == (source, T0.date(), "dept-1")
    assert case.history[0].event is Event.IDENTIFY and case.history[0].by == BY


@pytest.mark.req("PW-01")
def test_a_second_source_reporting_the_client_adds_a_referral() -> None:
    police = Referral(ReferralSource.LAW_ENFORCEMENT, T0.date(), "dept-1", "police-3")
    case = run(opened(), Event.ENGAGE, Event.REFER, facts=Facts(referral=police))
    assert [r.source for r in case.referrals] == [ReferralSource.SOCIAL_SERVICE, police.source]
    assert case.state is State.MOTIVATION


@pytest.mark.req("PW-01")
def test_identification_refuses_bad_arguments_listing_every_field() -> None:
    with pytest.raises(ValidationError) as caught:
        identify("", "cl-1", referral="police", origin="x", at=T0.replace(tzinfo=None), by="")  # type: ignore[arg-type]
    assert set(caught.value.paths) == {"case_id", "referral", "origin", "at", "by"}


@pytest.mark.req("PW-01")
def test_referral_dated_after_identification_refused() -> None:
    late = Referral(ReferralSource.SELF, T0.date() + timedelta(days=1), "dept-1")
    with pytest.raises(ValidationError) as caught:
        identify("c", "cl", referral=late, origin=Origin.COMMUNITY, at=T0, by=BY)
    assert caught.value.paths == ("referral.on",)


# --- PW-02 motivation before treatment; refusal and re-engagement ---------------------------


@pytest.mark.req("PW-02")
def test_treatment_refused_before_motivation_work() -> None:
    assert refusal(opened(), Event.START_TREATMENT).codes == ("transition.not_allowed",)


@pytest.mark.req("PW-02")
def test_refusal_leads_to_monitoring_and_the_client_may_re_engage() -> None:
    case = run(opened(), Event.ENGAGE, Event.REFUSE)
    assert case.state is State.MONITORING
    case = run(case, Event.ENGAGE, Event.START_TREATMENT)
    assert case.state is State.TREATMENT
    assert [e.event for e in case.history][1:] == [
        Event.ENGAGE,
        Event.REFUSE,
        Event.ENGAGE,
        Event.START_TREATMENT,
    ]


# --- PW-03 medical help and diagnosis at stage II ------------------------------------------


@pytest.mark.req("PW-03")
def test_stage_ii_records_medical_help_and_diagnosis() -> None:
    detox = MedicalHelp(MedicalHelpKind.DETOXIFICATION, T0.date(), "narcology-1")
    case = run(opened(), Event.ENGAGE, Event.START_TREATMENT)
    case = run(case, Event.RECORD_MEDICAL_HELP, facts=Facts(medical_help=detox))
    case = run(case, Event.RECORD_DIAGNOSIS, facts=Facts(assessment_id="assess-1"))
    assert case.medical_help == (detox,)
    assert case.assessment_id == "assess-1"
    assert case.history[-1].record == DiagnosisRecord("assess-1")
    assert case.state is State.TREATMENT


@pytest.mark.req("PW-03")
def test_recording_medical_help_without_saying_what_is_refused() -> None:
    case = run(opened(), Event.ENGAGE, Event.START_TREATMENT)
    assert refusal(case, Event.RECORD_MEDICAL_HELP).codes == ("facts.missing",)


# --- PW-04 consent first; withdrawal ------------------------------------------------------


@pytest.mark.req("PW-04")
def test_program_refused_without_informed_consent() -> None:
    case = run(opened(), Event.ENGAGE, Event.START_TREATMENT)
    assert refusal(case, Event.RECORD_PROGRAM, Facts(program_id="irp-1")).codes == (
        "consent.missing",
    )


@pytest.mark.req("PW-04")
def test_consent_given_twice_is_refused() -> None:
    case = run(opened(), Event.ENGAGE, Event.GIVE_CONSENT)
    assert refusal(case, Event.GIVE_CONSENT).codes == ("consent.already_given",)


@pytest.mark.req("PW-04")
def test_withdrawing_consent_leaves_the_route_and_keeps_history() -> None:
    case = admitted()
    before = case.history
    case = run(case, Event.WITHDRAW_CONSENT)
    assert case.state is State.CONSENT_WITHDRAWN
    assert case.consent_since is None
    assert case.history[: len(before)] == before
    assert refusal(case, Event.ADMIT, admission()).codes == ("transition.not_allowed",)
    again = run(case, Event.ENGAGE, Event.START_TREATMENT)
    assert refusal(again, Event.ADMIT, admission()).codes == ("consent.missing",)


# --- PW-05 admission to stage III -----------------------------------------------------------


@pytest.mark.req("PW-05")
def test_admission_with_every_condition_met_places_the_client() -> None:
    case = admitted()
    assert case.state is State.SOCIAL_REHABILITATION
    assert (case.center_id, case.certificate_id, case.contract_id) == (
        CENTER,
        "cert-1",
        "contract-1",
    )


_BROKEN = {
    "certificate.other_client": {"client": "cl-someone-else"},
    "certificate.inactive": {"active": False},
    "certificate.not_yet_valid": {"valid_from": date(2026, 6, 1)},
    "certificate.expired": {"valid_until": date(2026, 3, 1)},
    "certificate.not_placed": {"placed_with": None},
    "certificate.placed_elsewhere": {"placed_with": "center-2"},
    "contract.other_client": {"contract_client": "cl-someone-else"},
    "contract.other_center": {"contract_center": "center-2"},
    "contract.unsigned": {"signed": False},
    "center.not_in_register": {"in_register": False},
    "center.not_qualified": {"qualified": False},
    "center.no_stage_iii_program": {"stage_iii": False},
    "center.no_free_place": {"places": 0},
}


@pytest.mark.req("PW-05")
@pytest.mark.parametrize("code", sorted(_BROKEN))
def test_admission_refused_for_each_unmet_condition(code: str) -> None:
    case = in_treatment()
    assert refusal(case, Event.ADMIT, admission(**_BROKEN[code])).codes == (code,)  # type: ignore[arg-type]


@pytest.mark.req("PW-05")
def test_admission_refused_without_program_certificate_contract_or_center() -> None:
    case = run(opened(), Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT)
    assert refusal(case, Event.ADMIT).codes == (
        "program.missing",
        "certificate.missing",
        "contract.missing",
        "center.missing",
    )


@pytest.mark.req("PW-05")
@pytest.mark.req("PW-13")
@given(
    broken=st.sets(st.sampled_from(sorted(_BROKEN)), min_size=1).filter(
        # a certificate cannot be both not yet valid and expired
        lambda codes: not {"certificate.not_yet_valid", "certificate.expired"} <= codes
    )
)
def test_admission_reports_every_unmet_condition_and_changes_nothing(broken: set[str]) -> None:
    args: dict[str, object] = {}
    for code in sorted(broken):
        args.update(_BROKEN[code])
    case = in_treatment()
    facts = admission(**args)  # type: ignore[arg-type]
    violation = refusal(case, Event.ADMIT, facts)
    # breaking one field can also break another condition (a certificate placed with
    # center-2 differs from the center): expect exactly the conditions left unmet,
    # computed here independently of the guards
    assert set(violation.codes) == _unmet(facts)
    assert len(violation.codes) == len(set(violation.codes))
    assert case.state is State.TREATMENT and case.version == in_treatment().version


def _unmet(facts: Facts) -> set[str]:
    cert, contract, center = facts.certificate, facts.contract, facts.center
    assert cert and contract and center
    day = (in_treatment().history[-1].at + timedelta(days=1)).date()
    found = {
        "certificate.other_client": cert.client_id != CLIENT,
        "certificate.inactive": not cert.active,
        "certificate.not_yet_valid": day < cert.valid_from,
        "certificate.expired": day > cert.valid_until,
        "certificate.not_placed": cert.center_id is None,
        "certificate.placed_elsewhere": cert.center_id not in (None, center.center_id),
        "contract.other_client": contract.client_id != CLIENT,
        "contract.other_center": contract.center_id != center.center_id,
        "contract.unsigned": not contract.signed,
        "center.not_in_register": not center.in_register,
        "center.not_qualified": not center.qualified,
        "center.no_stage_iii_program": not center.runs_stage_iii_program,
        "center.no_free_place": center.free_places < 1,
    }
    return {code for code, unmet in found.items() if unmet}


@pytest.mark.req("PW-05")
def test_transfer_to_another_center_keeps_stage_iii_and_records_the_new_placement() -> None:
    case = admitted()
    moved = run(
        case,
        Event.TRANSFER,
        facts=admission(center="center-2", placed_with="center-2", contract_center="center-2"),
    )
    assert moved.state is State.SOCIAL_REHABILITATION and moved.center_id == "center-2"
    assert refusal(case, Event.TRANSFER, admission()).codes == ("transfer.same_center",)


# --- PW-06 resocialization outcome --------------------------------------------------------


@pytest.mark.req("PW-06")
def test_completing_resocialization_records_the_labour_outcome() -> None:
    case = run(admitted(), Event.COMPLETE_REHABILITATION)
    assert case.stage is Stage.RESOCIALIZATION
    assert refusal(case, Event.COMPLETE_RESOCIALIZATION).codes == ("facts.missing",)
    done = run(
        case, Event.COMPLETE_RESOCIALIZATION, facts=Facts(labour_outcome=LabourOutcome.IN_TRAINING)
    )
    assert done.state is State.PATRONAGE and done.labour_outcome is LabourOutcome.IN_TRAINING


# --- PW-07 patronage ends in sustained remission after the configured time -----------------


def in_patronage() -> Case:
    case = run(admitted(), Event.COMPLETE_REHABILITATION)
    return run(
        case, Event.COMPLETE_RESOCIALIZATION, facts=Facts(labour_outcome=LabourOutcome.EMPLOYED)
    )


@pytest.mark.req("PW-07")
def test_remission_refused_before_twelve_months_in_patronage() -> None:
    case = in_patronage()
    violation = refusal(case, Event.ACHIEVE_REMISSION, days=364)
    assert violation.codes == ("remission.too_early",)
    assert violation.reasons[0].details["due"] == add_months(case.since.date(), 12).isoformat()


@pytest.mark.req("PW-07")
def test_remission_reached_after_twelve_months_in_patronage() -> None:
    case = in_patronage()
    due = add_months(case.since.date(), 12)
    at = case.since + timedelta(days=(due - case.since.date()).days)
    done = advance(case, Event.ACHIEVE_REMISSION, at=at, by=BY).case
    assert done.state is State.SUSTAINED_REMISSION


@pytest.mark.req("PW-07")
@given(months=st.integers(1, 36), extra_days=st.integers(-40, 40))
def test_remission_period_is_configurable(months: int, extra_days: int) -> None:
    case = in_patronage()
    rules = PathwayRules(remission_months=months)
    due = add_months(case.since.date(), months)
    at = case.since + timedelta(days=(due - case.since.date()).days + extra_days)
    decision = explain(case, Event.ACHIEVE_REMISSION, at=at, rules=rules)
    assert decision.allowed == (extra_days >= 0)


# --- PW-08 relapse ---------------------------------------------------------------------------


@pytest.mark.req("PW-08")
@pytest.mark.parametrize("back_to", [Event.START_TREATMENT, Event.ENGAGE])
def test_relapse_goes_back_to_treatment_or_motivation_and_is_counted(back_to: Event) -> None:
    case = run(admitted(), Event.RELAPSE, back_to)
    assert case.state is (State.TREATMENT if back_to is Event.START_TREATMENT else State.MOTIVATION)
    assert case.relapse_count == 1
    if case.state is State.MOTIVATION:
        case = run(case, Event.START_TREATMENT)
    case = run(case, Event.ADMIT, Event.RELAPSE, facts=admission())
    assert case.relapse_count == 2
    assert [e.event for e in case.history].count(Event.RELAPSE) == 2


@pytest.mark.req("PW-08")
def test_relapse_after_sustained_remission_is_counted_on_the_same_case() -> None:
    case = in_patronage()
    case = run(case, Event.ACHIEVE_REMISSION, days=400)
    case = run(case, Event.RELAPSE)
    assert case.state is State.RELAPSED and case.relapse_count == 1


# --- PW-09 dropout, death, moving away, custody -------------------------------------------


@pytest.mark.req("PW-09")
def test_custody_leads_through_pre_release_to_the_post_penal_route() -> None:
    case = run(admitted(), Event.DETAIN)
    assert case.state is State.CUSTODY
    assert refusal(case, Event.ADMIT, admission()).codes == ("transition.not_allowed",)
    case = run(case, Event.PREPARE_RELEASE)
    assert case.state is State.PRE_RELEASE
    assert run(case, Event.ADMIT, facts=admission()).state is State.SOCIAL_REHABILITATION
    assert run(case, Event.ENTER_RESOCIALIZATION).state is State.RESOCIALIZATION


@pytest.mark.req("PW-09")
@pytest.mark.parametrize("event", [Event.MOVE_AWAY, Event.RECORD_DEATH])
def test_final_states_accept_no_event(event: Event) -> None:
    case = run(admitted(), event)
    assert case.closed
    at = case.history[-1].at + timedelta(days=1)
    assert allowed_events(case, admission(), at=at) == ()
    for other in Event:
        if other is Event.IDENTIFY:
            continue
        assert not explain(case, other, at=at, facts=admission()).allowed
    assert refusal(case, Event.ENGAGE).codes == ("case.closed",)


@pytest.mark.req("PW-09")
def test_dropout_is_a_state_of_its_own_from_which_the_client_may_re_engage() -> None:
    case = run(admitted(), Event.DROP_OUT)
    assert case.state is State.DROPPED_OUT and case.stage is None
    assert run(case, Event.ENGAGE).state is State.MOTIVATION


# --- PW-10 minors -----------------------------------------------------------------------------


@pytest.mark.req("PW-10")
def test_minor_refused_admission_to_a_non_state_center() -> None:
    case = in_treatment(minor=True)
    assert refusal(case, Event.ADMIT, admission()).codes == ("minor.state_center_required",)
    state_center = admission(ownership=OwnershipForm.STATE)
    assert run(case, Event.ADMIT, facts=state_center).state is State.SOCIAL_REHABILITATION


@pytest.mark.req("PW-10")
def test_a_region_may_let_minors_into_other_centers() -> None:
    case = in_treatment(minor=True)
    rules = PathwayRules(minors_in_state_centers_only=False)
    at = case.history[-1].at + timedelta(days=1)
    assert advance(case, Event.ADMIT, at=at, by=BY, facts=admission(), rules=rules).case.minor


# --- PW-11 court notices -------------------------------------------------------------------


@pytest.mark.req("PW-11")
@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ((Event.ENGAGE, Event.REFUSE), NoticeKind.REFUSAL),
        ((Event.ENGAGE, Event.START_TREATMENT, Event.DROP_OUT), NoticeKind.DROPOUT),
    ],
)
def test_court_is_told_of_refusal_and_dropout(path: tuple[Event, ...], kind: NoticeKind) -> None:
    case = run(opened(court=True), *path[:-1])
    at = case.history[-1].at + timedelta(days=1)
    step = advance(case, path[-1], at=at, by=BY)
    (notice,) = step.notices
    assert (notice.kind, notice.court_id, notice.case_id, notice.at) == (
        kind,
        "court-1",
        "case-1",
        at,
    )


@pytest.mark.req("PW-11")
def test_court_is_told_of_completion_and_nobody_is_told_without_an_order() -> None:
    for court in (True, False):
        case = admitted(court=court)
        at = case.history[-1].at + timedelta(days=1)
        notices = advance(case, Event.COMPLETE_REHABILITATION, at=at, by=BY).notices
        assert [n.kind for n in notices] == ([NoticeKind.COMPLETION] if court else [])


# --- PW-12 history ----------------------------------------------------------------------------


@pytest.mark.req("PW-12")
def test_every_transition_is_recorded_with_time_actor_event_and_reason() -> None:
    case = in_treatment()
    at = case.history[-1].at + timedelta(hours=3)
    step = advance(
        case, Event.ADMIT, at=at, by="agency/officer-9", facts=admission(), reason="chosen"
    )
    entry = step.case.history[-1]
    assert entry == step.entry
    assert (entry.at, entry.by, entry.event, entry.source, entry.target, entry.reason) == (
        at,
        "agency/officer-9",
        Event.ADMIT,
        State.TREATMENT,
        State.SOCIAL_REHABILITATION,
        "chosen",
    )
    assert replay(step.case.history) == step.case


@pytest.mark.req("PW-12")
def test_replay_refuses_a_history_that_does_not_follow_the_chart() -> None:
    case = admitted()
    entries = list(case.history)
    entries.pop(2)  # remove start_treatment: treatment was never entered
    with pytest.raises(ValidationError) as caught:
        replay(entries)
    assert caught.value.paths == ("history[2]",)


@pytest.mark.req("PW-12")
def test_events_out_of_time_order_are_refused() -> None:
    case = in_treatment()
    before = case.history[-1].at - timedelta(seconds=1)
    with pytest.raises(RuleViolation) as caught:
        advance(case, Event.ADMIT, at=before, by=BY, facts=admission(valid_from=date(2020, 1, 1)))
    assert caught.value.codes == ("time.before_last_event",)


# --- PW-13 refusals --------------------------------------------------------------------------


@pytest.mark.req("PW-13")
def test_refused_transition_changes_nothing_and_lists_every_reason() -> None:
    case = run(opened(), Event.ENGAGE, Event.START_TREATMENT)
    snapshot = (case.state, case.history, case.consent_since)
    at = case.history[0].at - timedelta(days=1)
    with pytest.raises(RuleViolation) as caught:
        advance(case, Event.ADMIT, at=at, by=BY)
    assert caught.value.codes == (
        "time.before_last_event",
        "consent.missing",
        "program.missing",
        "certificate.missing",
        "contract.missing",
        "center.missing",
    )
    assert (case.state, case.history, case.consent_since) == snapshot


@pytest.mark.req("PW-13")
def test_unknown_event_and_naive_time_are_invalid_input() -> None:
    case = opened()
    with pytest.raises(ValidationError) as caught:
        advance(case, "teleport", at=T0, by=BY)
    assert caught.value.paths == ("event",)
    with pytest.raises(ValidationError) as naive:
        advance(case, Event.ENGAGE, at=T0.replace(tzinfo=None), by="")
    assert set(naive.value.paths) == {"at", "by"}


@pytest.mark.req("PW-13")
def test_explain_says_why_and_allowed_events_agree() -> None:
    case = in_treatment()
    at = case.history[-1].at + timedelta(days=1)
    facts = admission(places=0)
    assert explain(case, "admit", at=at, facts=facts).codes == ("center.no_free_place",)
    assert Event.ADMIT not in allowed_events(case, facts, at=at)
    assert Event.ADMIT in allowed_events(case, admission(), at=at)


# --- PW-14 origin ---------------------------------------------------------------------------


@pytest.mark.req("PW-14")
@pytest.mark.parametrize("origin", [Origin.THERAPEUTIC_COMMUNITY, Origin.OUTPATIENT, Origin.PRISON])
def test_graduates_outpatients_and_prisoners_enter_resocialization_directly(origin: Origin) -> None:
    case = run(in_treatment(origin=origin), Event.ENTER_RESOCIALIZATION)
    assert case.state is State.RESOCIALIZATION


@pytest.mark.req("PW-14")
def test_a_client_from_the_community_goes_through_stage_iii_first() -> None:
    violation = refusal(in_treatment(origin=Origin.COMMUNITY), Event.ENTER_RESOCIALIZATION)
    assert violation.codes == ("origin.stage_iii_required",)


def test_every_state_is_reachable_from_identification() -> None:
    table = pathway_table()
    seen, frontier = {table.initial}, [table.initial]
    while frontier:
        state = frontier.pop()
        for (source, _event), move in table.moves.items():
            if source is state and move.target not in seen:
                seen.add(move.target)
                frontier.append(move.target)
    assert seen == set(State)


def test_client_is_never_named_in_a_case() -> None:
    case = admitted()
    assert case.client_id == CLIENT
    assert "name" not in {a for a in dir(case) if not a.startswith("_")}


@pytest.mark.req("PW-13")
def test_a_record_with_several_bad_fields_reports_every_one() -> None:
    with pytest.raises(ValidationError) as caught:
        Referral("x", "2026-01-01", "")  # type: ignore[arg-type]
    assert caught.value.paths == ("source", "on", "department")


@pytest.mark.req("PW-07")
def test_remission_due_date_is_counted_in_the_offset_patronage_began_in() -> None:
    from datetime import datetime, timezone

    case = in_patronage()
    began = case.since
    due = add_months(began.date(), 12)
    # an instant that is already the due day in Moscow but still the day before in `since`'s offset
    moscow = timezone(timedelta(hours=3))
    start_of_due_day = datetime.combine(due, datetime.min.time(), tzinfo=began.tzinfo)
    early = (start_of_due_day - timedelta(hours=1)).astimezone(moscow)
    assert early.date() == due
    assert explain(case, Event.ACHIEVE_REMISSION, at=early).codes == ("remission.too_early",)
    assert explain(case, Event.ACHIEVE_REMISSION, at=start_of_due_day).allowed


@pytest.mark.req("PW-12")
def test_replay_refuses_an_opening_whose_referral_postdates_identification() -> None:
    case = opened()
    entry = case.history[0]
    assert isinstance(entry.record, Opening)
    late = attrs.evolve(
        entry.record,
        referral=attrs.evolve(entry.record.referral, on=entry.at.date() + timedelta(days=1)),
    )
    with pytest.raises(ValidationError) as caught:
        replay([attrs.evolve(entry, record=late)])
    assert caught.value.paths == ("history[0].record.referral.on",)
