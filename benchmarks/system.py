"""Benchmark: commands per second through the regional system, against the bare core.

    python benchmarks/system.py              # 2,000 clients in a region of 12 centers
    python benchmarks/system.py --quick      # 100 clients
    python benchmarks/system.py --clients N

**The system run.** A :class:`~resocialize.system.RegionalSystem` on a
:class:`~resocialize.storage.SQLiteStore` (a file in a temporary directory, the default
settings: WAL, ``synchronous=FULL``). Twelve centers apply and are included in the
register, and the year's funds are appropriated (setup, timed apart). Then N clients come
in cohorts of 100 (``--cohort``), each cohort over ten days, cohort after cohort, so that
the kinds of command are interleaved as the store grows:

- identification: ``report_client`` and ``identify``;
- pathway: ``engage``, ``start_treatment`` and ``record_program`` (``advance``), which
  the pathway needs before consent and a certificate;
- consent: ``record_consent`` and ``enrol``;
- placement: ``issue_certificate``, ``propose_contract``, three ``sign_contract``
  (patronage body, client, center), ``place`` and ``admit``;
- claims: ``claim_payment`` and ``pay_claim`` (the admission tranche of the Rostov
  tariff).

Every command is timed on its own; the figures are commands per second per kind and
overall (16 commands a client; ``admit`` and ``pay_claim`` each journal two
aggregates).

**The baseline, "without the journal".** The same commands in the same order applied
to the pure core functions directly, in memory (:func:`resocialize.clients.report` and
:func:`~resocialize.clients.enrol`, :func:`resocialize.pathway.identify` and
:func:`~resocialize.pathway.advance`, :func:`resocialize.funding.issue`,
:func:`~resocialize.funding.place`, :func:`~resocialize.funding.start_service` and
:func:`~resocialize.funding.redeem`, :func:`resocialize.contracts.sign`, the register's
:func:`~resocialize.registry.choices_on` and :func:`~resocialize.registry.standing_on`),
each command then writing only the changed aggregates' current documents to a plain
SQLite table (``INSERT ... ON CONFLICT DO UPDATE``, same WAL and ``synchronous=FULL``, one
transaction per command): no journal, no hash chain, no permission checks. For the
funding it writes the changed certificate's document from the book, not the whole
funding. The two runs go day by day in turn (a day of the system, the same day of the
baseline), so that both see the same load of a shared machine. The ratio is system /
baseline commands per second.

At the end: the time of ``region.verify()`` (the journal's chain and every aggregate's
version) and of a fresh replay (``RegionalSystem(store).funding()`` in a new instance,
which folds every funding operation of the journal). Both runs are checked to end in the
same state: the same case states, the same amount paid on every certificate. Prints
figures for people, then one JSON line for machines; never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from resocialize import clients as client_register
from resocialize import contracts, funding, pathway, register, registry
from resocialize.access import Actor
from resocialize.centers import Center, Certification, Program, Qualification, Scheme, StaffCount
from resocialize.certificates import ClientStanding, Course
from resocialize.choice import Needs, choose
from resocialize.clients import ClientRegister
from resocialize.contracts import Party, PartyRole, SocialContract
from resocialize.facts import NO_FACTS, Facts
from resocialize.funding import Funding
from resocialize.ledger import FundingSource, SourceKind, appropriate, open_ledger, paid
from resocialize.money import Money
from resocialize.organizations import OwnershipForm, Role
from resocialize.pathway import Case, Event, Stage
from resocialize.people import IdentityReport
from resocialize.people import client_id as as_client_id
from resocialize.qualification import default_criteria, qualify
from resocialize.records import Origin, Referral, ReferralSource
from resocialize.redemption import Claim
from resocialize.register import CenterRegister, RegisterEvent
from resocialize.serialization import to_document, unstructure
from resocialize.storage import SQLiteStore
from resocialize.system import RegionalSystem
from resocialize.tariffs import Milestone, Tariff, default_tariffs

T = TypeVar("T")

T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
AGENCY = Actor("agency-1", Role.AGENCY, "officer-2")
DEPARTMENT = Actor("dept-1", Role.MUNICIPAL_DEPARTMENT, "worker-7")
HEALTH = Actor("health-1", Role.HEALTH, "doctor-4")
SECRET = b"region-linkage-secret-0123456789"
CENTERS = tuple(f"center-{i:02d}" for i in range(12))
PROGRAM = "p-iii"
NEEDS = Needs(Stage.SOCIAL_REHABILITATION, 30, "North")
REGIONAL = FundingSource("regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET)
FACE = Money.of(180_000, "RUB")
KINDS = ("identification", "pathway", "consent", "placement", "claims")
SQL_DOCUMENTS = (
    "CREATE TABLE IF NOT EXISTS documents (kind TEXT NOT NULL, id TEXT NOT NULL,"
    " document TEXT NOT NULL, PRIMARY KEY (kind, id))"
)
SQL_UPSERT = (
    "INSERT INTO documents (kind, id, document) VALUES (?, ?, ?)"
    " ON CONFLICT (kind, id) DO UPDATE SET document = excluded.document"
)


def center_actor(center_id: str) -> Actor:
    return Actor(center_id, Role.REHABILITATION_CENTER, "manager-1")


def center(center_id: str, places: int) -> Center:
    return Center(
        center_id,
        f"Center {center_id}",
        OwnershipForm.NON_GOVERNMENTAL,
        "North",
        programs=[Program(PROGRAM, Stage.SOCIAL_REHABILITATION, 180, FACE, places)],
        staff=[
            StaffCount(Qualification.PSYCHOLOGIST, -(-places // 15)),
            StaffCount(Qualification.SPECIALIST_IN_SOCIAL_WORK, -(-places // 20)),
        ],
        certifications=[
            Certification(
                f"cert-{center_id}",
                "body-1",
                Scheme.VOLUNTARY_SCHEME,
                date(2025, 1, 1),
                date(2030, 1, 1),
            )
        ],
    )


def person(i: int) -> IdentityReport:
    return IdentityReport(f"Surname{i:05d}", "Ivan", date(1970, 1, 1) + timedelta(days=i))


def referral_on(day: date) -> Referral:
    return Referral(ReferralSource.SOCIAL_SERVICE, day, "dept-1")


def contract_of(i: int, client_id: str, on: date) -> SocialContract:
    center_id = CENTERS[i % len(CENTERS)]
    return SocialContract(
        f"contract-{i:05d}",
        client_id,
        center_id,
        f"certificate-{i:05d}",
        (
            Party(PartyRole.PATRONAGE_BODY, "dept-1", ("follow the client up",)),
            Party(PartyRole.CLIENT, client_id, ("take part in the program",)),
            Party(PartyRole.CENTER, center_id, ("deliver the program",)),
        ),
        (),
        on,
    )


class Clock:
    """The instants of the commands: one day after another, a second after another within
    a day, so that the region's one journal always moves forward."""

    def __init__(self) -> None:
        self.day = T0
        self.now = T0

    def next_day(self) -> None:
        self.day = self.day + timedelta(days=1)
        self.now = self.day

    def tick(self) -> datetime:
        self.now = self.now + timedelta(seconds=1)
        return self.now


class Timer:
    """Seconds and commands per kind of command: ``with timer("kind"):`` around one."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.commands: dict[str, int] = defaultdict(int)

    @contextmanager
    def __call__(self, kind: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[kind] += time.perf_counter() - start
        self.commands[kind] += 1

    def rate(self, kind: str | None = None) -> float:
        if kind is None:
            return sum(self.commands.values()) / sum(self.seconds.values())
        return self.commands[kind] / self.seconds[kind]

    @property
    def total(self) -> int:
        return sum(self.commands.values())


STEPS = (
    "identification",
    "engage",
    "start_treatment",
    "consent",
    "record_program",
    "certificate",
    "place",
    "admit",
    "claim",
    "pay",
)


def schedule(n: int, cohort: int) -> Iterator[tuple[str, list[int]]]:
    """The route as (step, clients) in order: each cohort through its ten days."""
    for first in range(0, n, cohort):
        members = list(range(first, min(n, first + cohort)))
        for step in STEPS:
            yield step, members


def claim_of(i: int, client_id: str, admitted: date) -> Claim:
    return Claim(
        f"claim-{i:05d}",
        f"certificate-{i:05d}",
        CENTERS[i % len(CENTERS)],
        client_id,
        Milestone.ADMISSION,
        None,
        admitted,
    )


class Route:
    """What a run remembers of each client between its days."""

    def __init__(self) -> None:
        self.client_of: dict[int, str] = {}
        self.consent_at: dict[int, datetime] = {}
        self.admitted_on: dict[int, date] = {}


# --- the system run ------------------------------------------------------------------------


def system_setup(region: RegionalSystem, clock: Clock, n: int, places: int) -> None:
    at = clock.tick()
    for cid in CENTERS:
        region.apply_center(center_actor(cid), center(cid, places), at=at)
    for cid in CENTERS:
        region.decide_center(AGENCY, cid, RegisterEvent.INCLUDE, at=clock.tick(), why="qualified")
    region.appropriate_funds(AGENCY, REGIONAL, 2026, FACE * n, at=clock.tick(), reference="law-26")


def system_step(
    region: RegionalSystem,
    step: str,
    i: int,
    *,
    clock: Clock,
    timer: Timer,
    route: Route,
    tariff: Tariff,
) -> None:
    """One client's commands of one day, through the regional system."""
    case_id, cert_id = f"case-{i:05d}", f"certificate-{i:05d}"
    center_id = CENTERS[i % len(CENTERS)]
    at = clock.tick()
    if step == "identification":
        referral = referral_on(at.date())
        with timer("identification"):
            reported = region.report_client(AGENCY, person(i), referral, at=at)
        route.client_of[i] = reported.client_id
        at = clock.tick()
        with timer("identification"):
            region.identify(
                AGENCY,
                at=at,
                case_id=case_id,
                client_id=reported.client_id,
                referral=referral,
                origin=Origin.COMMUNITY,
            )
    elif step in ("engage", "start_treatment"):
        event, actor = (
            (Event.ENGAGE, AGENCY) if step == "engage" else (Event.START_TREATMENT, HEALTH)
        )
        with timer("pathway"):
            region.advance(actor, case_id, event, at=at)
    elif step == "consent":
        route.consent_at[i] = at
        with timer("consent"):
            region.record_consent(DEPARTMENT, case_id, at=at)
        at = clock.tick()
        with timer("consent"):
            region.enrol(DEPARTMENT, case_id, consent_at=route.consent_at[i], at=at)
    elif step == "record_program":
        program = Facts(program_id=f"irp-{i}")
        with timer("pathway"):
            region.advance(AGENCY, case_id, Event.RECORD_PROGRAM, at=at, facts=program)
    elif step == "certificate":
        with timer("placement"):
            region.issue_certificate(
                AGENCY,
                cert_id,
                case_id=case_id,
                course=Course.SOCIAL_REHABILITATION,
                face_value=FACE,
                split={"regional": FACE},
                valid_from=at.date(),
                valid_until=at.date() + timedelta(days=365),
                tariff=tariff,
                at=at,
            )
        contract = contract_of(i, route.client_of[i], at.date())
        at = clock.tick()
        with timer("placement"):
            region.propose_contract(DEPARTMENT, contract, case_id=case_id, at=at)
        for actor, party in (
            (DEPARTMENT, "dept-1"),
            (DEPARTMENT, route.client_of[i]),
            (center_actor(center_id), center_id),
        ):
            at = clock.tick()
            with timer("placement"):
                region.sign_contract(actor, contract.id, party, at=at)
    elif step == "place":
        with timer("placement"):
            region.place(
                DEPARTMENT,
                cert_id,
                case_id=case_id,
                needs=NEEDS,
                center_id=center_id,
                program_id=PROGRAM,
                contract_id=f"contract-{i:05d}",
                at=at,
            )
    elif step == "admit":
        route.admitted_on[i] = at.date()
        with timer("placement"):
            region.admit(
                center_actor(center_id), case_id, center_id=center_id, program_id=PROGRAM, at=at
            )
    elif step == "claim":
        claim = claim_of(i, route.client_of[i], route.admitted_on[i])
        with timer("claims"):
            region.claim_payment(center_actor(center_id), claim, case_id=case_id, at=at)
    else:
        with timer("claims"):
            region.pay_claim(AGENCY, f"claim-{i:05d}", at=at)


# --- the baseline: the core in memory, current documents only -----------------------------


class Documents:
    """A plain table of current documents: one transaction per command, no journal."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(SQL_DOCUMENTS)

    def write(self, *documents: tuple[str, str, Mapping[str, Any]]) -> None:
        rows = [
            (kind, ident, json.dumps(doc, ensure_ascii=False, sort_keys=True, allow_nan=False))
            for kind, ident, doc in documents
        ]
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(SQL_UPSERT, rows)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


BY = "agency-1/officer-2"


class Bare:
    """The region's state in memory, changed by the pure core functions only; every command
    writes the current documents of what it changed to :class:`Documents`."""

    def __init__(self, docs: Documents, n: int, places: int, clock: Clock) -> None:
        self.docs = docs
        self.criteria = default_criteria()
        at = clock.tick()
        centers = CenterRegister()
        for cid in CENTERS:
            centers = register.apply(centers, center(cid, places), at=at, by=cid)
        for cid in CENTERS:
            at = clock.tick()
            qualification = qualify(centers.entry(cid).center, self.criteria, on=at.date())
            centers = register.decide(
                centers,
                cid,
                RegisterEvent.INCLUDE,
                at=at,
                by=BY,
                why="qualified",
                qualification=qualification,
            )
        self.centers = centers
        for cid in CENTERS:
            docs.write(("center", cid, to_document(centers.entry(cid))))
        at = clock.tick()
        ledger = open_ledger((REGIONAL,), currency="RUB")
        ledger = appropriate(ledger, "regional", 2026, FACE * n, at=at, by=BY, reference="law-26")
        self.funding: Funding = funding.open_funding(ledger)
        self.clients = ClientRegister()
        self.cases: dict[str, Case] = {}
        self.contracts: dict[str, SocialContract] = {}
        self.claims: dict[str, tuple[Claim, str]] = {}
        self.occupied: dict[tuple[str, str], int] = defaultdict(int)

    def case_document(self, case: Case) -> tuple[str, str, Mapping[str, Any]]:
        self.cases[case.id] = case
        return ("case", case.id, to_document(case))

    def certificate_document(self, cert_id: str) -> tuple[str, str, Mapping[str, Any]]:
        return ("certificate", cert_id, unstructure(self.funding.book.certificate(cert_id)))

    def client_document(self, client_id: str) -> tuple[str, str, Mapping[str, Any]]:
        return ("client", client_id, unstructure(self.clients.clients[as_client_id(client_id)]))

    def contract_document(
        self, contract: SocialContract, case_id: str
    ) -> tuple[str, str, Mapping[str, Any]]:
        self.contracts[contract.id] = contract
        document = {"contract": unstructure(contract), "case_id": case_id}
        return ("contract", contract.id, document)

    def claim_document(self, claim: Claim, case_id: str, status: str) -> tuple[str, str, Any]:
        self.claims[claim.id] = (claim, case_id)
        document = {"claim": unstructure(claim), "case_id": case_id, "status": status}
        return ("claim", claim.id, document)


def bare_step(
    bare: Bare,
    step: str,
    i: int,
    *,
    clock: Clock,
    timer: Timer,
    route: Route,
    tariff: Tariff,
) -> None:
    """One client's commands of one day, by the core functions and current documents."""
    case_id, cert_id = f"case-{i:05d}", f"certificate-{i:05d}"
    center_id = CENTERS[i % len(CENTERS)]
    write = bare.docs.write
    at = clock.tick()
    if step == "identification":
        referral = referral_on(at.date())
        with timer("identification"):
            rng = random.Random(f"{i}/{at.isoformat()}")
            reported = client_register.report(
                bare.clients, person(i), referral, secret=SECRET, at=at, by=BY, rng=rng
            )
            bare.clients = reported.register
            write(bare.client_document(reported.client_id))
        route.client_of[i] = reported.client_id
        at = clock.tick()
        with timer("identification"):
            case = pathway.identify(
                case_id,
                reported.client_id,
                referral=referral,
                origin=Origin.COMMUNITY,
                at=at,
                by=BY,
            )
            write(bare.case_document(case))
    elif step in ("engage", "start_treatment", "record_program"):
        event, facts = {
            "engage": (Event.ENGAGE, NO_FACTS),
            "start_treatment": (Event.START_TREATMENT, NO_FACTS),
            "record_program": (Event.RECORD_PROGRAM, Facts(program_id=f"irp-{i}")),
        }[step]
        with timer("pathway"):
            case = pathway.advance(bare.cases[case_id], event, at=at, by=BY, facts=facts).case
            write(bare.case_document(case))
    elif step == "consent":
        route.consent_at[i] = at
        with timer("consent"):
            case = pathway.advance(bare.cases[case_id], Event.GIVE_CONSENT, at=at, by=BY).case
            write(bare.case_document(case))
        at = clock.tick()
        with timer("consent"):
            client_id = as_client_id(route.client_of[i])
            bare.clients = client_register.enrol(
                bare.clients, client_id, consent_at=route.consent_at[i], at=at, by=BY
            )
            write(bare.client_document(client_id))
    elif step == "certificate":
        with timer("placement"):
            case = bare.cases[case_id]
            record = bare.clients.clients.get(as_client_id(case.client_id))
            enrolled = record is not None and record.enrolled
            bare.funding = funding.issue(
                bare.funding,
                cert_id,
                ClientStanding(case.client_id, enrolled, bool(case.referrals)),
                course=Course.SOCIAL_REHABILITATION,
                face_value=FACE,
                split={"regional": FACE},
                valid_from=at.date(),
                valid_until=at.date() + timedelta(days=365),
                issuer_id="agency-1",
                tariff=tariff,
                at=at,
                by=BY,
            )
            write(bare.certificate_document(cert_id))
        contract = contract_of(i, route.client_of[i], at.date())
        clock.tick()
        with timer("placement"):
            write(bare.contract_document(contract, case_id))
        for party in ("dept-1", route.client_of[i], center_id):
            at = clock.tick()
            with timer("placement"):
                signed = contracts.sign(bare.contracts[contract.id], party, on=at.date())
                write(bare.contract_document(signed, case_id))
    elif step == "place":
        with timer("placement"):
            listed = registry.choices_on(
                bare.centers, NEEDS, on=at.date(), criteria=bare.criteria, occupied=bare.occupied
            )
            bare.funding = funding.place(
                bare.funding,
                cert_id,
                choose(listed, center_id, PROGRAM),
                bare.contracts[f"contract-{i:05d}"],
                at=at,
                by=BY,
            )
            write(bare.certificate_document(cert_id))
    elif step == "admit":
        route.admitted_on[i] = at.date()
        with timer("placement"):
            case = bare.cases[case_id]
            certificate, contract_now = funding.standings(
                bare.funding, case.client_id, on=at.date()
            )
            center_now = registry.standing_on(
                bare.centers,
                center_id,
                PROGRAM,
                on=at.date(),
                criteria=bare.criteria,
                occupied=bare.occupied,
            )
            facts = Facts(certificate=certificate, contract=contract_now, center=center_now)
            case = pathway.advance(case, Event.ADMIT, at=at, by=BY, facts=facts).case
            bare.funding = funding.start_service(bare.funding, cert_id, at=at, by=BY)
            bare.occupied[center_id, PROGRAM] += 1
            write(bare.case_document(case), bare.certificate_document(cert_id))
    elif step == "claim":
        claim = claim_of(i, route.client_of[i], route.admitted_on[i])
        with timer("claims"):
            write(bare.claim_document(claim, case_id, "submitted"))
    else:
        with timer("claims"):
            claim, claimed_case = bare.claims[f"claim-{i:05d}"]
            center_then = registry.standing_on(
                bare.centers,
                claim.center_id,
                PROGRAM,
                on=claim.service_date,
                criteria=bare.criteria,
            )
            bare.funding = funding.redeem(
                bare.funding,
                claim,
                case=bare.cases[claimed_case],
                center=center_then,
                at=at,
                by=BY,
            )
            write(
                bare.claim_document(claim, claimed_case, "paid"),
                bare.certificate_document(claim.certificate_id),
            )


def run_both(
    region: RegionalSystem, bare: Bare, n: int, cohort: int, clocks: tuple[Clock, Clock]
) -> tuple[Timer, Timer]:
    """Both runs, day by day in turn (the system's day, then the baseline's), so that both
    see the same load of a shared machine and the same garbage collector."""
    tariff = default_tariffs()["rostov_certificate"]
    timers, routes = (Timer(), Timer()), (Route(), Route())
    for step, members in schedule(n, cohort):
        clocks[0].next_day()
        for i in members:
            system_step(
                region, step, i, clock=clocks[0], timer=timers[0], route=routes[0], tariff=tariff
            )
        clocks[1].next_day()
        for i in members:
            bare_step(
                bare, step, i, clock=clocks[1], timer=timers[1], route=routes[1], tariff=tariff
            )
    return timers


# --- the run ---------------------------------------------------------------------------------


def timed(call: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    out = call()
    return time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=2_000)
    parser.add_argument("--cohort", type=int, default=100, help="clients a cohort (100)")
    parser.add_argument("--quick", action="store_true", help="100 clients")
    args = parser.parse_args(argv)
    n = 100 if args.quick else args.clients
    cohort = max(1, min(args.cohort, n))
    places = n // len(CENTERS) + 10  # the places never run out; staffed as the criteria ask

    with tempfile.TemporaryDirectory(prefix="resocialize-bench-") as folder:
        path = Path(folder) / "region.sqlite"
        docs = Documents(Path(folder) / "bare.sqlite")
        clocks = (Clock(), Clock())
        with SQLiteStore(path) as store:
            region = RegionalSystem(store, linkage_secret=SECRET)
            setup_s, _ = timed(lambda: system_setup(region, clocks[0], n, places))
            bare_setup_s, bare = timed(lambda: Bare(docs, n, places, clocks[1]))
            system, baseline = run_both(region, bare, n, cohort, clocks)
            docs.close()
            verify_s, tampering = timed(region.verify)
            assert tampering == (), tampering
            cases = {cid: case.state for cid, case in region.cases().items()}
            book = region.funding()
            entries = store.last_entry()
            assert entries is not None
            journal_size = entries.sequence
        with SQLiteStore(path) as store:
            replay_s, replayed = timed(lambda: RegionalSystem(store).funding())
        size_mb = path.stat().st_size / 1e6

    # both runs end in the same state
    assert replayed == book, "a fresh replay gives the funding the system holds"
    bare_cases = {cid: case.state for cid, case in bare.cases.items()}
    assert cases == bare_cases, "the same case states"
    certificates = sorted(book.book.certificates)
    assert certificates == sorted(bare.funding.book.certificates)
    paid_system = {c: paid(book.ledger, c) for c in certificates}
    paid_bare = {c: paid(bare.funding.ledger, c) for c in certificates}
    assert paid_system == paid_bare, "the same amount paid on every certificate"
    total_paid = sum((paid_system.values()), Money.of(0, "RUB"))
    assert total_paid == Money.of(54_000, "RUB") * n

    rate, bare_rate = system.rate(), baseline.rate()
    ratio = rate / bare_rate
    print(f"clients                {n:>12,}  in {len(CENTERS)} centers, cohorts of {cohort}")
    print(f"commands               {system.total:>12,}  ({journal_size:,} journal entries,"
          f" store {size_mb:.1f} MB; setup {setup_s:.2f} s)")  # fmt: skip
    print(f"{'':23}{'system/s':>12}  {'baseline/s':>12}  {'ratio':>7}  commands")
    for kind in KINDS:
        print(
            f"  {kind:<21}{system.rate(kind):>12,.0f}  {baseline.rate(kind):>12,.0f}"
            f"  {system.rate(kind) / baseline.rate(kind):>7.2f}  {system.commands[kind]:>8,}"
        )
    print(
        f"  {'overall':<21}{rate:>12,.0f}  {bare_rate:>12,.0f}  {ratio:>7.2f}  {system.total:>8,}"
    )
    print(f"system / baseline      {ratio:>12.2f} x  (journal, chain, checks / core + documents)")
    print(f"region.verify()        {verify_s * 1000:>12,.0f} ms")
    print(f"fresh funding replay   {replay_s * 1000:>12,.0f} ms  (RegionalSystem(store).funding())")
    print(
        f"same state: {len(cases):,} cases, {len(certificates):,} certificates, paid {total_paid}"
    )
    print(
        json.dumps(
            {
                "benchmark": "system",
                "clients": n,
                "centers": len(CENTERS),
                "commands": system.total,
                "commands_per_s": round(rate, 1),
                "baseline_commands_per_s": round(bare_rate, 1),
                "ratio": round(ratio, 3),
                "per_kind": {
                    kind: {
                        "commands": system.commands[kind],
                        "per_s": round(system.rate(kind), 1),
                        "baseline_per_s": round(baseline.rate(kind), 1),
                    }
                    for kind in KINDS
                },
                "journal_entries": journal_size,
                "store_mb": round(size_mb, 2),
                "setup_s": round(setup_s, 3),
                "baseline_setup_s": round(bare_setup_s, 3),
                "verify_ms": round(verify_s * 1000, 1),
                "replay_ms": round(replay_s * 1000, 1),
                "python": sys.version.split()[0],
                "sqlite": sqlite3.sqlite_version,
                "date": date.today().isoformat(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
