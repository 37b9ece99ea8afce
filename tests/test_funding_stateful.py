"""Certificates, the ledger and redemption at random, with the money invariants after each step.

Many clients and centers; certificates are issued, placed, put in service, moved to
another center, claimed against, settled, expired, cancelled and revoked in any
order, while centers lose and regain their qualification and clients move along the
pathway. After every step: the ledger balances and conserves money; no certificate
is paid above its face value or for one milestone twice; only a center the
certificate was placed with and that was qualified on the service date is ever
paid; every refusal says why and changed nothing (CF-01 to CF-07).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from _funding import (
    BY,
    CENTERS,
    T0,
    admit,
    budget,
    case_in_treatment,
    choice_of,
    contract,
    issued,
    moscow,
    rostov,
    standing_of,
)
from resocialize.certificates import FINAL_STATES, CertificateState, standing
from resocialize.errors import RuleViolation
from resocialize.funding import (
    Funding,
    cancel,
    change_center,
    expire,
    open_funding,
    payments_of,
    place,
    redeem,
    revoke,
    settle,
    start_service,
    verify,
)
from resocialize.ledger import DIMENSIONS, committed, paid, report, totals
from resocialize.money import Money
from resocialize.pathway import Case, Event, State, advance
from resocialize.redemption import Claim
from resocialize.tariffs import Milestone, PerDiemSchedule

pytestmark = [pytest.mark.req("CF-06"), pytest.mark.req("CF-07")]

CLIENTS = ("client-1", "client-2", "client-3", "client-4")
MILESTONES = (
    Milestone.ADMISSION,
    Milestone.STAGE_III_COMPLETED,
    Milestone.DAYS_SERVED,
    Milestone.DROPOUT,
)


class FundingMachine(RuleBasedStateMachine):
    """Random sequences of funding operations on a small region."""

    certificates = Bundle("certificates")

    def __init__(self) -> None:
        super().__init__()
        self.funds: Funding = open_funding(budget(regional=500_000, federal=250_000))
        self.now: datetime = T0
        self.appropriated = totals(self.funds.ledger).appropriated
        self.qualified: set[str] = set(CENTERS)
        self.was_qualified: dict[tuple[str, date], bool] = {}
        self.cases: dict[str, Case] = {c: case_in_treatment(c, at=T0) for c in CLIENTS}
        self.serial = 0
        self.refusals = 0

    # -- helpers -------------------------------------------------------------------------------

    def _next(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial}"

    def _snapshot(self) -> object:
        funds = self.funds
        return (
            report(funds.ledger, by=DIMENSIONS),
            funds.ledger.size,
            dict(funds.book.certificates),
            dict(funds.payments),
            dict(funds.choices),
        )

    def _attempt(self, name: str, action: object) -> bool:
        """Apply ``action(funds)``; a refusal must say why and leave everything as it was."""
        assert callable(action)
        before, snapshot = self.funds, self._snapshot()
        try:
            self.funds = action(before)
        except RuleViolation as refused:
            event(f"refused: {name} {sorted(set(refused.codes))}")
            assert refused.reasons, "a refusal must say why"
            assert all(r.code and r.message for r in refused.reasons)
            assert self.funds is before
            assert self._snapshot() == snapshot, "a refused operation changed something"
            self.refusals += 1
            return False
        event(f"done: {name}")
        return True

    def _mark_day(self) -> None:
        for center_id in CENTERS:
            self.was_qualified[(center_id, self.now.date())] = center_id in self.qualified

    # -- rules ---------------------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        self._mark_day()

    @rule(days=st.integers(0, 45))
    def wait(self, days: int) -> None:
        self.now += timedelta(days=days, minutes=1)
        self._mark_day()

    @rule(center_id=st.sampled_from(CENTERS))
    def toggle_qualification(self, center_id: str) -> None:
        self.qualified ^= {center_id}
        self._mark_day()

    @rule(
        target=certificates,
        client_id=st.sampled_from(CLIENTS),
        thousands=st.integers(3, 260),
        per_diem=st.booleans(),
        valid_days=st.integers(30, 240),
    )
    def issue_one(self, client_id: str, thousands: int, per_diem: bool, valid_days: int) -> object:
        certificate_id = self._next("cert")
        had_active = any(
            c.client_id == client_id and c.active for c in self.funds.book.certificates.values()
        )
        done = self._attempt(
            "issue",
            lambda funds: issued(
                funds,
                certificate_id,
                client_id,
                face=thousands * 1000,
                tariff=moscow() if per_diem else rostov(),
                at=self.now,
                valid_days=valid_days,
            ),
        )
        if had_active:
            assert not done, "at most one active certificate per client and course"
        return certificate_id if done else multiple()

    @rule(
        certificate_id=certificates,
        center_id=st.sampled_from(CENTERS),
        signed=st.booleans(),
        move=st.booleans(),
    )
    def place_or_move(self, certificate_id: str, center_id: str, signed: bool, move: bool) -> None:
        certificate = self.funds.book.certificates[certificate_id]
        day = self.now.date()
        qualified = frozenset(self.qualified)
        if center_id not in qualified:
            with pytest.raises(RuleViolation):
                choice_of(center_id, day, qualified)
            return
        choice = choice_of(center_id, day, qualified)
        agreed = contract(
            certificate.client_id,
            center_id,
            day,
            contract_id=self._next("contract"),
            certificate_id=certificate_id,
            signed=signed,
        )
        operation = change_center if move else place
        done = self._attempt(
            operation.__name__,
            lambda funds: operation(funds, certificate_id, choice, agreed, at=self.now, by=BY),
        )
        if not signed:
            assert not done, "placement needs a signed contract"

    @rule(certificate_id=certificates)
    def start_service(self, certificate_id: str) -> None:
        self._attempt(
            "start_service", lambda funds: start_service(funds, certificate_id, at=self.now, by=BY)
        )

    @rule(client_id=st.sampled_from(CLIENTS))
    def admit_client(self, client_id: str) -> None:
        certificate = next(
            (
                c
                for c in self.funds.book.certificates.values()
                if c.client_id == client_id and c.active and c.center_id is not None
            ),
            None,
        )
        if certificate is None or certificate.center_id not in self.qualified:
            return
        try:
            self.cases[client_id] = admit(
                self.funds, self.cases[client_id], certificate.center_id, self.now
            )
            event("done: admit")
        except RuleViolation as refused:
            event(f"refused: admit {sorted(set(refused.codes))}")

    @rule(
        client_id=st.sampled_from(CLIENTS),
        step=st.sampled_from([Event.COMPLETE_REHABILITATION, Event.DROP_OUT]),
    )
    def progress(self, client_id: str, step: Event) -> None:
        if self.cases[client_id].state is not State.SOCIAL_REHABILITATION:
            return
        try:
            self.cases[client_id] = advance(self.cases[client_id], step, at=self.now, by=BY).case
            event(f"done: {step.value}")
        except RuleViolation:
            pass

    @rule(certificate_id=certificates, center_id=st.sampled_from(CENTERS))
    def place_start_and_admit(self, certificate_id: str, center_id: str) -> None:
        """The usual road in one step, so that the machine often reaches claims."""
        self.place_or_move(certificate_id, center_id, signed=True, move=False)
        self.start_service(certificate_id)
        self.admit_client(self.funds.book.certificates[certificate_id].client_id)

    @rule(
        certificate_id=certificates,
        pick=st.integers(0, 3),
        milestone=st.sampled_from(MILESTONES),
        back=st.sampled_from([0, 0, 0, 1, 7, 30]),
        stranger=st.integers(0, 5).map(lambda n: n == 5),
        in_service=st.integers(0, 3).map(lambda n: n > 0),
    )
    def claim(
        self,
        certificate_id: str,
        pick: int,
        milestone: Milestone,
        back: int,
        stranger: bool,
        in_service: bool,
    ) -> None:
        """Mostly on a certificate in service, by its center; sometimes another center or
        another client's claim, or on any certificate."""
        serving = sorted(
            c.id
            for c in self.funds.book.certificates.values()
            if c.state is CertificateState.IN_SERVICE
        )
        if in_service and serving:
            certificate_id = serving[(self.serial + pick) % len(serving)]
        certificate = self.funds.book.certificates[certificate_id]
        center_id = certificate.center_id if pick < 3 else None
        center_id = center_id or CENTERS[(self.serial + pick) % len(CENTERS)]
        service = max(self.now.date() - timedelta(days=back), T0.date())
        qualified = self.was_qualified.get((center_id, service), center_id in self.qualified)
        client_id = certificate.client_id
        if stranger:
            client_id = CLIENTS[(CLIENTS.index(client_id) + 1) % len(CLIENTS)]
        keys_before = {(p.milestone, p.months) for p in payments_of(self.funds, certificate_id)}
        claim = Claim(
            self._next("claim"), certificate_id, center_id, client_id, milestone, None, service
        )
        done = self._attempt(
            f"claim {milestone.value}",
            lambda funds: redeem(
                funds,
                claim,
                case=self.cases[certificate.client_id],
                center=standing_of(center_id, qualified=qualified),
                at=self.now,
                by=BY,
            ),
        )
        if done:
            assert not stranger, "only the certificate's own client's services are paid"
            assert qualified, "an unqualified center was paid"
            assert standing(certificate, on=service).center_id == center_id, (
                "a center the certificate was not placed with on the service date was paid"
            )
            if milestone is not Milestone.DAYS_SERVED:
                assert (milestone, None) not in keys_before, "one milestone was paid twice"

    @rule(pick=st.integers(0, 10), stage_iii=st.booleans())
    def claim_what_is_due(self, pick: int, stage_iii: bool) -> None:
        """The contracted center claims what its tariff pays for, on a certificate in service."""
        serving = sorted(
            c.id
            for c in self.funds.book.certificates.values()
            if c.state is CertificateState.IN_SERVICE
        )
        if not serving:
            return
        certificate_id = serving[pick % len(serving)]
        if isinstance(self.funds.tariffs[certificate_id].schedule, PerDiemSchedule):
            milestone = Milestone.DAYS_SERVED
        else:
            milestone = Milestone.STAGE_III_COMPLETED if stage_iii else Milestone.ADMISSION
        self.claim(certificate_id, 0, milestone, 0, stranger=False, in_service=False)

    @rule(
        certificate_id=certificates,
        end=st.sampled_from(["settle", "expire", "cancel", "revoke"]),
    )
    def end(self, certificate_id: str, end: str) -> None:
        at, why = self.now, f"{end} in the machine"
        actions = {
            "settle": lambda funds: settle(funds, certificate_id, at=at, by=BY),
            "expire": lambda funds: expire(funds, certificate_id, at=at, by=BY),
            "cancel": lambda funds: cancel(funds, certificate_id, at=at, by=BY, why=why),
            "revoke": lambda funds: revoke(funds, certificate_id, at=at, by=BY, why=why),
        }
        if self._attempt(end, actions[end]):
            assert self.funds.book.certificates[certificate_id].state in FINAL_STATES
            left = committed(self.funds.ledger, certificate_id).values()
            assert all(m.is_zero for m in left), "an ended certificate still holds money"

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def the_funding_verifies(self) -> None:
        decision = verify(self.funds)
        assert decision.allowed, decision.reasons

    @invariant()
    def money_is_conserved(self) -> None:
        row = totals(self.funds.ledger)
        assert row.appropriated == self.appropriated
        assert row.appropriated == row.available + row.committed + row.paid

    @invariant()
    def no_certificate_is_paid_above_its_face_value(self) -> None:
        total = Money.zero("RUB")
        for certificate in self.funds.book.certificates.values():
            spent = paid(self.funds.ledger, certificate.id)
            assert spent <= certificate.face_value
            total += spent
            if certificate.state is CertificateState.ISSUED:
                assert spent.is_zero
        assert total == totals(self.funds.ledger).paid


FundingMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestFundingMachine = FundingMachine.TestCase
