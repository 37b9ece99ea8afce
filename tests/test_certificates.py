"""Certificates (CF-01, CF-04): issue, lifecycle by the chart, placement with a contract."""

from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from statemachine.exceptions import TransitionNotAllowed

from resocialize.certificate_chart import CertificateChart, compile_table
from resocialize.certificates import (
    EMPTY_BOOK,
    FINAL_STATES,
    Certificate,
    CertificateBook,
    CertificateEvent,
    CertificateState,
    ClientStanding,
    Course,
    Request,
    certificate_table,
    decide,
    issue,
    standing,
)
from resocialize.contracts import Party, PartyRole, SocialContract, sign
from resocialize.errors import RuleViolation, ValidationError
from resocialize.money import Money

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BY = "officer-1"
FROM, UNTIL = date(2026, 3, 1), date(2026, 6, 30)
CLIENT = ClientStanding("client-1", enrolled=True, referred=True)
DECISIONS = [e for e in CertificateEvent if e is not CertificateEvent.ISSUE]


def rub(amount: int) -> Money:
    return Money.of(amount, "RUB")


def contract(center: str = "c-1", client: str = "client-1", on: date = FROM) -> SocialContract:
    draft = SocialContract(
        f"sc-{center}",
        client,
        center,
        None,
        (
            Party(PartyRole.PATRONAGE_BODY, "patronage-1"),
            Party(PartyRole.CLIENT, client),
            Party(PartyRole.CENTER, center),
        ),
        (),
        on,
    )
    for party in draft.parties:
        draft = sign(draft, party.party_id, on=on)
    return draft


def issued(
    book: CertificateBook = EMPTY_BOOK,
    certificate_id: str = "cert-1",
    client: ClientStanding = CLIENT,
    course: Course = Course.SOCIAL_REHABILITATION,
) -> CertificateBook:
    return issue(
        book,
        certificate_id,
        client,
        course=course,
        face_value=rub(180_000),
        split={"regional": rub(120_000), "federal": rub(60_000)},
        valid_from=FROM,
        valid_until=UNTIL,
        issuer_id="agency-1",
        at=T0,
        by=BY,
    )


def placed(center: str = "c-1") -> CertificateBook:
    return decide(
        issued(), "cert-1", "place", at=T0, by=BY, center_id=center, contract=contract(center)
    )


def codes(call: object) -> tuple[str, ...]:
    assert callable(call)
    with pytest.raises(RuleViolation) as refused:
        call()
    return refused.value.codes


# --- issue ---------------------------------------------------------------------------------------


@pytest.mark.req("CF-01")
def test_a_certificate_is_issued_to_one_client_for_a_course() -> None:
    certificate = issued().certificate("cert-1")
    assert certificate.client_id == "client-1"
    assert certificate.state is CertificateState.ISSUED
    assert certificate.face_value == rub(180_000)
    assert certificate.history[0].event is CertificateEvent.ISSUE
    assert EMPTY_BOOK.certificates == {}


@pytest.mark.req("CF-01")
def test_issue_is_refused_with_every_reason() -> None:
    book = issued()
    got = codes(
        lambda: issue(
            book,
            "cert-1",
            ClientStanding("client-1", enrolled=False, referred=False),
            course=Course.BOTH,
            face_value=rub(100),
            split={"regional": rub(60)},
            valid_from=UNTIL,
            valid_until=FROM,
            issuer_id="agency-1",
            at=T0,
            by=BY,
        )
    )
    assert got == (
        "certificate.id_taken",
        "client.not_enrolled",
        "client.not_referred",
        "certificate.active_exists",
        "split.not_face_value",
        "validity.reversed",
    )
    assert book == issued()


@pytest.mark.req("CF-01")
@pytest.mark.parametrize(
    ("first", "second", "refused"),
    [
        (Course.SOCIAL_REHABILITATION, Course.SOCIAL_REHABILITATION, True),
        (Course.SOCIAL_REHABILITATION, Course.RESOCIALIZATION, False),
        (Course.BOTH, Course.RESOCIALIZATION, True),
        (Course.RESOCIALIZATION, Course.BOTH, True),
    ],
)
def test_at_most_one_active_certificate_per_client_and_course(
    first: Course, second: Course, refused: bool
) -> None:
    book = issued(course=first)
    if refused:
        assert codes(lambda: issued(book, "cert-2", course=second)) == (
            "certificate.active_exists",
        )
    else:
        assert "cert-2" in issued(book, "cert-2", course=second).certificates


@pytest.mark.req("CF-01")
def test_a_new_certificate_may_be_issued_once_the_old_one_is_final() -> None:
    book = decide(issued(), "cert-1", "cancel", at=T0, by=BY, why="client moved away")
    assert issued(book, "cert-2").certificate("cert-2").active


@pytest.mark.req("CF-01")
def test_bad_input_is_a_validation_error_with_every_path() -> None:
    with pytest.raises(ValidationError) as bad:
        issue(
            EMPTY_BOOK,
            "cert 1",
            CLIENT,
            course="weekly",  # type: ignore[arg-type]
            face_value=rub(0),
            split={"regional": 100.0},  # type: ignore[dict-item]
            valid_from=T0,
            valid_until=UNTIL,
            issuer_id="agency-1",
            at=datetime(2026, 3, 2),  # naive on purpose
            by=BY,
        )
    assert bad.value.paths == (
        "certificate_id",
        "course",
        "face_value",
        "split",
        "valid_from",
        "at",
    )


# --- lifecycle -----------------------------------------------------------------------------------


@pytest.mark.req("CF-02")
def test_placement_needs_a_signed_contract_of_this_client_and_center() -> None:
    book = issued()

    def place(center: str | None, given: SocialContract | None) -> tuple[str, ...]:
        return codes(
            lambda: decide(book, "cert-1", "place", at=T0, by=BY, center_id=center, contract=given)
        )

    assert place("c-1", None) == ("contract.missing",)
    assert place(None, contract("c-1")) == ("center.missing",)
    assert place("c-1", contract("c-2")) == ("contract.wrong_center",)
    assert place("c-1", contract("c-1", client="client-2")) == ("contract.wrong_client",)
    assert place("c-1", contract("c-1", on=date(2026, 3, 3))) == ("contract.not_signed",)
    new = placed("c-1").certificate("cert-1")
    assert (new.state, new.center_id, new.contract_id) == (CertificateState.PLACED, "c-1", "sc-c-1")


@pytest.mark.req("CF-04")
def test_a_change_of_center_keeps_the_certificate_and_its_value() -> None:
    book = decide(placed("c-1"), "cert-1", "start_service", at=T0, by=BY)
    assert codes(
        lambda: decide(
            book, "cert-1", "change_center", at=T0, by=BY, center_id="c-1", contract=contract()
        )
    ) == ("center.unchanged",)
    book = decide(
        book, "cert-1", "change_center", at=T0, by=BY, center_id="c-2", contract=contract("c-2")
    )
    before, after = issued().certificate("cert-1"), book.certificate("cert-1")
    assert after.state is CertificateState.PLACED
    assert (after.center_id, after.contract_id) == ("c-2", "sc-c-2")
    assert (after.id, after.client_id, after.face_value, after.split) == (
        before.id,
        before.client_id,
        before.face_value,
        before.split,
    )


@pytest.mark.req("CF-01")
def test_expiry_only_after_valid_until() -> None:
    book = issued()
    last_day = datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert codes(lambda: decide(book, "cert-1", "expire", at=last_day, by=BY)) == (
        "certificate.still_valid",
    )
    book = decide(book, "cert-1", "expire", at=last_day + timedelta(hours=2), by=BY)
    assert book.certificate("cert-1").state is CertificateState.EXPIRED
    assert not standing(book.certificate("cert-1"), on=date(2026, 7, 1)).active
    assert standing(book.certificate("cert-1"), on=date(2026, 6, 30)).active


@pytest.mark.req("CF-01")
def test_placement_outside_the_validity_is_refused() -> None:
    late = datetime(2026, 7, 2, tzinfo=UTC)
    got = codes(
        lambda: decide(
            issued(),
            "cert-1",
            "place",
            at=late,
            by=BY,
            center_id="c-1",
            contract=contract(),
        )
    )
    assert got == ("certificate.not_valid",)


@pytest.mark.req("CF-01")
def test_cancel_and_revoke_need_a_reason() -> None:
    book = issued()
    for event in ("cancel", "revoke"):
        assert codes(lambda e=event: decide(book, "cert-1", e, at=T0, by=BY)) == (
            "decision.why_missing",
        )


@pytest.mark.req("CF-01")
@pytest.mark.parametrize("final", sorted(FINAL_STATES))
@pytest.mark.parametrize("event", DECISIONS)
def test_final_states_accept_no_event(final: CertificateState, event: CertificateEvent) -> None:
    book = decide(issued(), "cert-1", "place", at=T0, by=BY, center_id="c-1", contract=contract())
    book = decide(book, "cert-1", "start_service", at=T0, by=BY)
    ending = {
        CertificateState.SETTLED: ("settle", None, T0),
        CertificateState.EXPIRED: ("expire", None, datetime(2026, 7, 1, tzinfo=UTC)),
        CertificateState.CANCELLED: ("cancel", "left", T0),
        CertificateState.REVOKED: ("revoke", "fraud", T0),
    }[final]
    if final is CertificateState.CANCELLED:
        book = issued()
    book = decide(book, "cert-1", ending[0], at=ending[2], by=BY, why=ending[1])
    later = datetime(2026, 8, 1, tzinfo=UTC)
    kwargs = (
        {"center_id": "c-2", "contract": contract("c-2")}
        if event in ("place", "change_center")
        else {}
    )
    got = codes(lambda: decide(book, "cert-1", event, at=later, by=BY, why="any", **kwargs))  # type: ignore[arg-type]
    assert got[0] == "transition.not_allowed"


@pytest.mark.req("CF-04")
def test_the_pathway_reads_the_certificate_standing() -> None:
    got = standing(placed().certificate("cert-1"), on=T0.date())
    assert (got.certificate_id, got.client_id, got.center_id, got.active) == (
        "cert-1",
        "client-1",
        "c-1",
        True,
    )
    assert not standing(placed().certificate("cert-1"), on=date(2026, 3, 1)).active


@pytest.mark.req("CF-04")
def test_a_certificate_with_an_edited_client_or_split_is_refused() -> None:
    certificate = issued().certificate("cert-1")
    with pytest.raises(ValidationError) as bad:
        Certificate(
            certificate.id,
            certificate.client_id,
            certificate.course,
            certificate.face_value,
            {"regional": rub(1)},
            certificate.valid_from,
            certificate.valid_until,
            certificate.issuer_id,
            CertificateState.SETTLED,
            None,
            None,
            certificate.history,
        )
    assert bad.value.paths == ("split", "state")


def test_books_are_frozen_values_that_pickle() -> None:
    book = placed()
    assert pickle.loads(pickle.dumps(book)) == book
    with pytest.raises(AttributeError):
        book.certificate("cert-1").client_id = "client-2"  # type: ignore[misc]


# --- the chart is the one definition, and refusals change nothing --------------------------------


def live_chart() -> CertificateChart:
    chart = CertificateChart()
    assert chart.allow_event_without_transition is False
    assert chart.catch_errors_as_events is False
    return chart


@pytest.mark.req("CF-01")
@pytest.mark.req("CF-04")
@given(data=st.data())
def test_compiled_table_agrees_with_the_live_chart_and_refusals_change_nothing(
    data: st.DataObject,
) -> None:
    book = issued()
    chart = live_chart()
    at = T0
    for _ in range(data.draw(st.integers(1, 12), label="steps")):
        at += timedelta(days=data.draw(st.integers(0, 60), label="days"))
        certificate = book.certificate("cert-1")
        allowed = certificate_table().events_from(certificate.state)
        options = st.sampled_from(allowed) if allowed else st.sampled_from(DECISIONS)
        event = data.draw(st.one_of(options, st.sampled_from(DECISIONS)), label="event")
        why = data.draw(st.sampled_from([None, " ", "decided"]), label="why")
        center = contract_given = None
        if event in (CertificateEvent.PLACE, CertificateEvent.CHANGE_CENTER):
            center = data.draw(st.sampled_from(["c-1", "c-2"]), label="center")
            kind = data.draw(st.sampled_from(["good", "none", "other", "late"]), label="contract")
            contract_given = {
                "good": contract(center),
                "none": None,
                "other": contract("c-3"),
                "late": contract(center, on=at.date() + timedelta(days=1)),
            }[kind]
        try:
            new = decide(
                book,
                "cert-1",
                event,
                at=at,
                by=BY,
                why=why,
                center_id=center,
                contract=contract_given,
            )
            by_table = True
        except RuleViolation:
            new, by_table = book, False
        request = Request(at, why, center, contract_given)
        try:
            chart.send(event.value, certificate=certificate, request=request)
            by_chart = True
        except TransitionNotAllowed:
            by_chart = False
        assert by_table == by_chart, (certificate.state, event)
        if not by_table:
            assert book.certificate("cert-1") is certificate, "a refusal changes nothing"
        book = new
        after = book.certificate("cert-1")
        assert chart.current_state_value == after.state
        assert after.client_id == "client-1", "a certificate is never transferred"
        assert after.face_value == rub(180_000)


def test_table_holds_exactly_the_charts_transitions() -> None:
    table = compile_table()
    from_chart = {
        (CertificateState(s.value), CertificateEvent(e.id), CertificateState(t.target.value))
        for s in CertificateChart.states
        for t in s.transitions
        for e in t.events
    }
    assert {(s, e, m.target) for (s, e), m in table.moves.items()} == from_chart
    assert table.initial is CertificateState.ISSUED
    assert table.finals == FINAL_STATES
    assert set(table.events) == set(DECISIONS)
    assert not any(s in FINAL_STATES for (s, _) in table.moves)


def test_certificates_load_the_chart_only_when_used() -> None:
    code = (
        "import sys, resocialize.certificates as c; a = 'statemachine' in sys.modules;"
        "c.certificate_table(); print(a, 'statemachine' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["False", "True"]
