"""Eight processes issuing certificates and redeeming claims through the regional system
against one SQLite file (issue 7, SE-03, CF-05, CF-06): no certificate paid twice or above
its value, no lost update, the ledger balanced and the journal verified.

``RESOCIALIZE_STRESS_SECONDS`` sets how long the writers run (30 by default).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from _region import qualifying_center, social_contract
from resocialize import funding as funds
from resocialize.access import Actor
from resocialize.centers import Center
from resocialize.certificates import Course
from resocialize.choice import Needs
from resocialize.errors import RuleViolation
from resocialize.facts import Facts
from resocialize.ledger import FundingSource, SourceKind, paid
from resocialize.ledger import verify as verify_ledger
from resocialize.money import Money
from resocialize.organizations import Role
from resocialize.pathway import Event, Stage
from resocialize.people import IdentityReport
from resocialize.records import Origin, Referral, ReferralSource
from resocialize.redemption import Claim
from resocialize.register import RegisterEvent
from resocialize.storage import open_store
from resocialize.system import RegionalSystem
from resocialize.tariffs import Milestone, default_tariffs
from test_storage_postgres import fresh_database

STRESS_SECONDS = float(os.environ.get("RESOCIALIZE_STRESS_SECONDS", "30"))
T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=400)
"""When the writers act: after every service day they claim for."""
SECRET = b"region-linkage-secret-0123456789"
AGENCY = Actor("agency-1", Role.AGENCY, "officer-2")
DEPARTMENT = Actor("dept-1", Role.MUNICIPAL_DEPARTMENT, "worker-7")
HEALTH = Actor("health-1", Role.HEALTH, "doctor-4")
CENTER = Actor("svet", Role.REHABILITATION_CENTER, "manager-5")
ADMITTED = 12
"""Clients admitted with a certificate before the writers start."""
WAITING = 12
"""Clients enrolled without a certificate: the writers race to issue theirs."""
FACE = Money.of(180_000, "RUB")
NEEDS = Needs(Stage.SOCIAL_REHABILITATION, 30, "North")


def rub(amount: int) -> Money:
    return Money.of(amount, "RUB")


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def center() -> Center:
    return qualifying_center("svet", places=100)


def issue(region: RegionalSystem, n: int, at_: datetime) -> None:
    region.issue_certificate(
        AGENCY,
        f"cert-{n}",
        case_id=f"case-{n}",
        course=Course.SOCIAL_REHABILITATION,
        face_value=FACE,
        split={"regional": FACE},
        valid_from=T0.date(),
        valid_until=(T0 + timedelta(days=500)).date(),
        tariff=default_tariffs()["moscow_per_diem"],
        at=at_,
    )


def build(location: str) -> dict[int, str]:
    """A region with one center, funds, and clients in treatment; the first ``ADMITTED`` of
    them admitted with a per-diem certificate. Returns the client id of each case number."""
    clients: dict[int, str] = {}
    with open_store(location) as store:
        region = RegionalSystem(store, linkage_secret=SECRET)
        region.apply_center(CENTER, center(), at=at(-10))
        region.decide_center(AGENCY, "svet", RegisterEvent.INCLUDE, at=at(-9), why="qualified")
        region.appropriate_funds(
            AGENCY,
            FundingSource("regional", "Regional program", SourceKind.REGIONAL_BUDGET),
            2026,
            rub(100_000_000),
            at=at(-8),
            reference="law-26",
        )
        for n in range(ADMITTED + WAITING):
            referral = Referral(ReferralSource.SOCIAL_SERVICE, T0.date(), "dept-1")
            person = IdentityReport(f"Client{n}", "Test", date(1980, 1, 1) + timedelta(days=n))
            client_id = region.report_client(DEPARTMENT, person, referral, at=T0).client_id
            clients[n] = client_id
            case_id = f"case-{n}"
            region.identify(
                DEPARTMENT,
                at=T0,
                case_id=case_id,
                client_id=client_id,
                referral=referral,
                origin=Origin.COMMUNITY,
            )
            region.advance(DEPARTMENT, case_id, Event.ENGAGE, at=T0)
            region.advance(HEALTH, case_id, Event.START_TREATMENT, at=T0)
            region.record_consent(DEPARTMENT, case_id, at=T0)
            region.enrol(DEPARTMENT, case_id, consent_at=T0, at=T0)
            region.advance(
                DEPARTMENT, case_id, Event.RECORD_PROGRAM, at=T0, facts=Facts(program_id="irp")
            )
        for n in range(ADMITTED):
            issue(region, n, at(1))
            contract = social_contract(
                clients[n],
                "svet",
                certificate_id=f"cert-{n}",
                contract_id=f"contract-{n}",
                on=at(1).date(),
            )
            region.propose_contract(DEPARTMENT, contract, case_id=f"case-{n}", at=at(1))
            for party in ("dept-1", clients[n]):
                region.sign_contract(DEPARTMENT, f"contract-{n}", party, at=at(1))
            region.sign_contract(CENTER, f"contract-{n}", "svet", at=at(1))
        for n in range(ADMITTED):
            region.place(
                DEPARTMENT,
                f"cert-{n}",
                case_id=f"case-{n}",
                needs=NEEDS,
                center_id="svet",
                program_id="p-iii",
                contract_id=f"contract-{n}",
                at=at(2),
            )
            region.admit(CENTER, f"case-{n}", center_id="svet", program_id="p-iii", at=at(2))
    return clients


def _writer(
    location: str,
    worker: int,
    clients: dict[int, str],
    seconds: float,
    results: multiprocessing.Queue,  # type: ignore[type-arg]
) -> None:
    """Issue certificates to waiting clients and claim and pay days served on admitted ones,
    at random, until the time is up; report every acknowledged command."""
    rng = random.Random(worker)
    issued: list[str] = []
    payments: list[tuple[str, str, str]] = []
    conflicts = refusals = 0
    deadline = time.monotonic() + seconds
    with open_store(location, timeout=60) as store:
        region = RegionalSystem(store, linkage_secret=SECRET)
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            try:
                if rng.random() < 0.15:
                    n = ADMITTED + rng.randrange(WAITING)
                    issue(region, n, LATER)
                    issued.append(f"cert-{n}")
                    continue
                n = rng.randrange(ADMITTED)
                # a few days past what the certificate has paid as this writer reads it:
                # the writers race for the same days of the same certificates
                paid_through = [
                    p.through
                    for p in funds.payments_of(region.funding(), f"cert-{n}")
                    if p.through is not None
                ]
                last = max(paid_through, default=at(2).date())
                claim = Claim(
                    f"claim-{worker}-{attempt}",
                    f"cert-{n}",
                    "svet",
                    clients[n],
                    Milestone.DAYS_SERVED,
                    None,
                    last + timedelta(days=rng.randrange(1, 4)),
                )
                region.claim_payment(CENTER, claim, case_id=f"case-{n}", at=LATER)
                while True:
                    try:
                        payment = region.pay_claim(AGENCY, claim.id, at=LATER)
                    except RuleViolation as refused:
                        if "store.version_conflict" not in refused.codes:
                            raise
                        conflicts += 1
                        continue
                    break
                payments.append((claim.id, claim.certificate_id, str(payment.amount.amount)))
            except RuleViolation as refused:
                if "store.version_conflict" in refused.codes:
                    conflicts += 1
                else:
                    refusals += 1
    results.put((worker, issued, payments, conflicts, refusals))


@pytest.mark.req("SE-03")
@pytest.mark.req("CF-05")
@pytest.mark.req("CF-06")
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_eight_processes_issuing_and_redeeming_never_pay_twice_or_above_the_value(
    kind: str, tmp_path: Path
) -> None:
    with contextlib.ExitStack() as stack:
        if kind == "sqlite":
            location = str(tmp_path / "region.sqlite")
        else:
            location = stack.enter_context(fresh_database())
        run(location)


def run(location: str) -> None:
    clients = build(location)
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    workers = [
        context.Process(target=_writer, args=(location, w, clients, STRESS_SECONDS, results))
        for w in range(8)
    ]
    for process in workers:
        process.start()
    reports = [results.get(timeout=STRESS_SECONDS + 180) for _ in workers]
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    issued = [c for _, done, _, _, _ in reports for c in done]
    payments = [p for _, _, paid_, _, _ in reports for p in paid_]
    print(
        f"{len(payments)} payments, {len(issued)} certificates issued,"
        f" {sum(r[3] for r in reports)} version conflicts retried,"
        f" {sum(r[4] for r in reports)} refusals in {STRESS_SECONDS:g} s"
    )
    assert payments, "no claim was paid"
    assert sum(r[3] for r in reports) > 0, "the writers never met: no conflict to check"

    with open_store(location) as store:
        region = RegionalSystem(store, linkage_secret=SECRET)
        assert region.verify() == ()
        funding = region.funding()
        assert funding == region.rebuild_funding()
        assert verify_ledger(funding.ledger).allowed
        assert funds.verify(funding).allowed
        # each waiting client's certificate was issued once, by exactly one writer
        assert len(issued) == len(set(issued))
        book = set(funding.book.certificates)
        assert {f"cert-{n}" for n in range(ADMITTED)} | set(issued) == book
        # no lost update and nothing extra: the payments are exactly the acknowledged ones
        recorded = {
            (p.claim_id, p.certificate_id, str(p.amount.amount))
            for cert in book
            for p in funds.payments_of(funding, cert)
        }
        assert recorded == set(payments)
        claims_paid = {
            claim_id
            for claim_id, stored in store.aggregates("claim")
            if stored.document["status"] == "paid"
        }
        assert claims_paid == {claim_id for claim_id, _, _ in payments}
        for cert in book:
            total = paid(funding.ledger, cert)
            assert total <= FACE, f"{cert} paid {total}, above its value"
            made = funds.payments_of(funding, cert)
            assert sum((p.amount for p in made), rub(0)) == total


# --- a writer killed mid-command ----------------------------------------------------------

FACADE_KILLS = int(os.environ.get("RESOCIALIZE_FACADE_KILLS", "20"))

_KILLED_WRITER = """
import json, sys
from datetime import timedelta
import test_system_concurrency as region_test
from resocialize import funding as funds
from resocialize.errors import RuleViolation
from resocialize.redemption import Claim
from resocialize.storage import open_store
from resocialize.system import RegionalSystem
from resocialize.tariffs import Milestone

location, run, clients = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
region = RegionalSystem(open_store(location), linkage_secret=region_test.SECRET)
admitted = region_test.at(2).date()
exhausted = set()
i = 0
while len(exhausted) < region_test.ADMITTED:
    i += 1
    n = i % region_test.ADMITTED
    paid = [p.through for p in funds.payments_of(region.funding(), f"cert-{n}") if p.through]
    day = max(paid, default=admitted) + timedelta(days=1)  # one more day served
    claim = Claim(f"k-{run}-{i}", f"cert-{n}", "svet", clients[str(n)], Milestone.DAYS_SERVED,
                  None, day)
    try:
        region.claim_payment(region_test.CENTER, claim, case_id=f"case-{n}", at=region_test.LATER)
        region.pay_claim(region_test.AGENCY, claim.id, at=region_test.LATER)
    except RuleViolation as refused:
        if "claim.nothing_due" in refused.codes:
            exhausted.add(n)  # the certificate is paid in full
        continue
    print(claim.id, flush=True)
"""


@pytest.mark.req("SE-03")
@pytest.mark.req("CF-06")
def test_a_regional_system_killed_mid_command_keeps_every_acknowledged_payment(
    tmp_path: Path,
) -> None:
    location = str(tmp_path / "region.sqlite")
    clients = build(location)
    rng = random.Random(11)
    acknowledged: list[str] = []
    tests = str(Path(__file__).resolve().parent)
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([tests, os.environ.get("PYTHONPATH", "")]),
    }
    for run in range(FACADE_KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-c", _KILLED_WRITER, location, str(run), json.dumps(clients)],
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        assert writer.stdout is not None
        first = writer.stdout.readline()  # up, and one payment acknowledged
        if first.strip():
            acknowledged.append(first.strip())
        time.sleep(rng.uniform(0.0, 0.05))
        writer.send_signal(signal.SIGKILL)
        rest, _ = writer.communicate(timeout=60)
        acknowledged.extend(rest.split())
        with open_store(location) as store:
            region = RegionalSystem(store, linkage_secret=SECRET)
            assert region.verify() == ()
            funding = region.funding()
            paid_claims = {
                p.claim_id
                for cert in funding.book.certificates
                for p in funds.payments_of(funding, cert)
            }
            assert set(acknowledged) <= paid_claims
            for claim_id in acknowledged:
                stored = store.load("claim", claim_id)
                assert stored is not None and stored.document["status"] == "paid"
            assert funding == region.rebuild_funding()
            assert all(paid(funding.ledger, cert) <= FACE for cert in funding.book.certificates)
    assert len(acknowledged) >= FACADE_KILLS
