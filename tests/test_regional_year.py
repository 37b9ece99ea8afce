"""The year of the example region (issue 8): each story happened as told, through the
RegionalSystem, and the example script prints the same story."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import attrs
import pytest

from resocialize.access import Actor
from resocialize.certificates import CertificateState
from resocialize.errors import ValidationError
from resocialize.funding import payments_of
from resocialize.ledger import paid, released, report
from resocialize.ledger import verify as verify_ledger
from resocialize.money import Money
from resocialize.organizations import Role
from resocialize.pathway import Case, Event, NoticeKind, State
from resocialize.records import Origin, Placement, ReferralSource
from resocialize.regional_year import (
    FAILING_CENTER,
    ORDINARY_CLIENTS,
    STORE_FILE,
    STORIES,
    SUSPENDED_CENTER,
    ClientPlan,
    Outcome,
    run,
)
from resocialize.register import RegisterEvent, RegisterState
from resocialize.storage import SQLiteStore
from resocialize.system import RegionalSystem
from resocialize.tariffs import Milestone

ROOT = Path(__file__).resolve().parents[1]


@attrs.frozen
class Year:
    lines: tuple[str, ...]
    region: RegionalSystem

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def case(self, story: str) -> Case:
        return self.region.cases()[STORIES[story]]

    def payments(self, story: str) -> dict[Milestone, tuple[str, Money]]:
        certificate = f"cert-{STORIES[story].removeprefix('case-')}"
        return {
            p.milestone: (p.center_id, p.amount)
            for p in payments_of(self.region.funding(), certificate)
        }

    def certificate_state(self, story: str) -> CertificateState:
        certificate = f"cert-{STORIES[story].removeprefix('case-')}"
        return self.region.funding().book.certificate(certificate).state


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Year]:
    """The example run once, its store kept and opened again for reading."""
    directory = tmp_path_factory.mktemp("year")
    lines = tuple(run(directory=directory))
    with SQLiteStore(directory / STORE_FILE) as store:
        yield Year(lines, RegionalSystem(store))


def rub(amount: int) -> Money:
    return Money.of(amount, "RUB")


def events(case: Case) -> list[Event]:
    return [entry.event for entry in case.history]


@pytest.mark.req("PW-05")
@pytest.mark.req("PW-07")
@pytest.mark.req("PW-11")
@pytest.mark.req("CF-05")
def test_the_court_referred_client_reaches_remission_and_the_center_is_paid_each_tranche(
    year: Year,
) -> None:
    case = year.case("a")
    assert case.state is State.SUSTAINED_REMISSION
    reached = {entry.target for entry in case.history}
    assert {
        State.MOTIVATION,
        State.TREATMENT,
        State.SOCIAL_REHABILITATION,
        State.RESOCIALIZATION,
        State.PATRONAGE,
    } <= reached
    assert year.payments("a") == {
        Milestone.ADMISSION: ("ngo-svet", rub(54_000)),
        Milestone.STAGE_III_COMPLETED: ("ngo-svet", rub(72_000)),
        Milestone.NO_RELAPSE: ("ngo-svet", rub(54_000)),
    }
    assert year.certificate_state("a") is CertificateState.SETTLED
    court = Actor("court-novgorod", Role.COURT, "judge-1")
    kinds = [n.kind for n in year.region.court_notices(court) if n.case_id == STORIES["a"]]
    assert kinds == [NoticeKind.COMPLETION, NoticeKind.REMISSION]
    assert year.region.store.load("notices", STORIES["a"]) is not None
    assert "notify_court: remission to court-novgorod (order 1-118/2026)" in year.text


@pytest.mark.req("PW-05")
@pytest.mark.req("PW-13")
@pytest.mark.req("SE-01")
def test_the_refusals_on_the_way_are_printed_with_their_reasons(year: Year) -> None:
    assert "ngo-svet: admit before placement refused, every reason given:" in year.text
    assert "[certificate.not_placed]" in year.text
    assert "[contract.missing]" in year.text
    assert "priv-novy-den: a claim by another center refused" in year.text
    assert "[access.not_own_center]" in year.text


@pytest.mark.req("PW-02")
def test_the_client_who_refused_is_monitored_then_reengages(year: Year) -> None:
    case = year.case("b")
    states = [entry.target for entry in case.history]
    refused = states.index(State.MONITORING)
    assert states[refused + 1] is State.MOTIVATION
    assert case.state is State.PATRONAGE
    assert year.certificate_state("b") is CertificateState.SETTLED


@pytest.mark.req("PW-08")
@pytest.mark.req("PW-14")
def test_the_relapse_goes_back_to_treatment_and_the_outpatient_goes_on_to_stage_iv(
    year: Year,
) -> None:
    case = year.case("c")
    assert case.origin is Origin.OUTPATIENT
    assert case.relapse_count == 1
    after = events(case)[events(case).index(Event.RELAPSE) :]
    assert after[:2] == [Event.RELAPSE, Event.START_TREATMENT]
    assert Event.ENTER_RESOCIALIZATION in after
    assert case.state is State.PATRONAGE
    ledger = year.region.funding().ledger
    assert paid(ledger, "cert-relapse") == rub(126_000)
    assert sum(released(ledger, "cert-relapse").values(), rub(0)) == rub(54_000)


@pytest.mark.req("CF-05")
@pytest.mark.req("CF-06")
def test_the_dropout_is_paid_pro_rata_and_the_rest_returns(year: Year) -> None:
    case = year.case("d")
    assert case.state is State.DROPPED_OUT
    # 75 of 180 days served: 75,000 earned, under the half-face cap; 54,000 paid before
    assert year.payments("d") == {
        Milestone.ADMISSION: ("gos-novgorod", rub(54_000)),
        Milestone.DROPOUT: ("gos-novgorod", rub(21_000)),
    }
    assert year.certificate_state("d") is CertificateState.SETTLED
    ledger = year.region.funding().ledger
    assert released(ledger, "cert-dropout") == {"federal": rub(35_000), "regional": rub(70_000)}


@pytest.mark.req("PW-09")
@pytest.mark.req("PW-14")
def test_the_client_leaving_prison_is_admitted_from_pre_release_work(year: Year) -> None:
    case = year.case("e")
    assert case.origin is Origin.PRISON
    assert case.referrals[0].source is ReferralSource.PRISON_PROBATION
    states = [entry.target for entry in case.history]
    assert states.index(State.CUSTODY) < states.index(State.PRE_RELEASE)
    admission = next(entry for entry in case.history if entry.event is Event.ADMIT)
    assert admission.source is State.PRE_RELEASE
    assert case.state is State.PATRONAGE


@pytest.mark.req("CF-03")
@pytest.mark.req("RG-04")
@pytest.mark.req("RG-05")
def test_the_client_of_the_suspended_center_moves_with_the_remaining_value(year: Year) -> None:
    entry = year.region.centers().entry(SUSPENDED_CENTER)
    assert entry.state is RegisterState.SUSPENDED
    assert entry.last.event is RegisterEvent.SUSPEND
    assert entry.center.inspections[-1].findings[0].area.value == "human_rights"
    case = year.case("f")
    transfer = next(e for e in case.history if e.event is Event.TRANSFER)
    assert isinstance(transfer.record, Placement) and transfer.record.center_id == "ngo-put"
    assert "moved to ngo-put carrying 126,000.00 RUB of 180,000.00 RUB" in year.text
    assert "[choice.not_offered]" in year.text
    assert year.payments("f") == {
        Milestone.ADMISSION: (SUSPENDED_CENTER, rub(54_000)),
        Milestone.STAGE_III_COMPLETED: ("ngo-put", rub(72_000)),
        Milestone.NO_RELAPSE: ("ngo-put", rub(54_000)),
    }


@pytest.mark.req("RG-03")
@pytest.mark.req("RG-05")
def test_the_center_with_an_unresolved_human_rights_finding_is_refused_and_rejected(
    year: Year,
) -> None:
    entry = year.region.centers().entry(FAILING_CENTER)
    assert entry.state is RegisterState.REJECTED
    assert "agency: include rel-pokrov (religious) refused, every reason given:" in year.text
    assert "[qualification.failed]" in year.text
    assert "[findings.unresolved]" in year.text
    included = [e for e in year.region.centers().entries.values() if e.state.value == "included"]
    assert len(included) == 10
    assert {e.center.ownership.value for e in included} == {
        "state",
        "municipal",
        "non_governmental",
        "religious",
        "private",
    }


@pytest.mark.req("CF-07")
def test_the_ledger_has_both_sources_and_money_is_conserved(year: Year) -> None:
    ledger = year.region.funding().ledger
    rows = report(ledger, by=("source", "year"))
    assert [(r.source, r.year, r.appropriated) for r in rows] == [
        ("federal", 2026, rub(2_700_000)),
        ("regional", 2026, rub(5_400_000)),
    ]
    for row in rows:
        assert row.appropriated == row.available + row.committed + row.paid
        assert row.paid.is_positive and row.released.is_positive
    assert verify_ledger(ledger).allowed


@pytest.mark.req("PW-01")
def test_clients_come_from_every_referral_source(year: Year) -> None:
    cases = year.region.cases().values()
    assert {case.referrals[0].source for case in cases} == set(ReferralSource)
    assert len(cases) == len(ORDINARY_CLIENTS) + len(STORIES)
    states = {case.state for case in cases}
    assert {State.DROPPED_OUT, State.MONITORING, State.MOVED_AWAY, State.PATRONAGE} <= states


@pytest.mark.req("SE-01")
def test_every_command_is_made_by_the_role_that_runs_it(year: Year) -> None:
    roles = {
        "issue_certificate": "agency",
        "pay_claim": "agency",
        "settle_certificate": "agency",
        "include_center": "agency",
        "appropriate_funds": "agency",
        "admit": "rehabilitation_center",
        "apply_center": "rehabilitation_center",
        "claim_payment": "rehabilitation_center",
        "record_medical_help": "health",
        "detain": "prison_probation",
        "prepare_release": "prison_probation",
    }
    seen = set()
    for entry in year.region.store.entries():
        if entry.command in roles:
            assert entry.actor.endswith(f"({roles[entry.command]})"), entry
            seen.add(entry.command)
    assert seen == set(roles)


@pytest.mark.req("SE-03")
@pytest.mark.req("PW-12")
def test_the_journal_verifies_and_replays_to_the_live_state(year: Year) -> None:
    region = year.region
    assert region.verify() == ()
    assert region.rebuild() == region.cases()
    assert region.rebuild_funding() == region.funding()
    assert region.rebuild_centers() == region.centers()
    assert region.rebuild_clients() == region.clients()
    assert year.lines[-2].endswith("verify() finds no tampering: True")
    assert year.lines[-1] == "  state rebuilt from the journal equals the live one: True"


def test_the_journal_never_goes_back_in_time(year: Year) -> None:
    times = [entry.at for entry in year.region.store.entries()]
    assert times == sorted(times)


def test_a_client_plan_reports_every_bad_field() -> None:
    with pytest.raises(ValidationError) as bad:
        ClientPlan("c 1", "court", "", date(2026, 1, 1), "lost", "")  # type: ignore[arg-type]
    assert set(bad.value.paths) == {"key", "source", "municipality", "outcome", "center_id"}
    assert {plan.outcome for plan in ORDINARY_CLIENTS} == set(Outcome)


def test_the_example_script_prints_the_same_story(year: Year, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "regional_year.py"), str(tmp_path / "kept")],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert done.stdout.splitlines() == list(year.lines)
    assert (tmp_path / "kept" / STORE_FILE).exists()
