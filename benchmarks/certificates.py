"""Benchmark: a region's certificate year end to end, claims checked and paid through the ledger.

    python benchmarks/certificates.py            # 2,000 certificates, 20,000 claims
    python benchmarks/certificates.py --quick    # 200 certificates, 2,000 claims
    python benchmarks/certificates.py --certificates N --claims M

Two funding sources are appropriated; N clients each get a per-diem certificate
(the Moscow example tariff: 1,000 RUB a day, up to 180 days), placed with one of
20 centers the client chose from the register's choice list, under a signed
social contract; each client is admitted to stage III on the pathway. Then the
claims come in date order, every 18 days of service per certificate, 10% of them
invalid and refused with their reasons (the same period claimed twice, a center
that is not the contracted one, another client's certificate, a center not
qualified on the service date). Then every certificate is settled and what it did
not spend is released. Every step is one call of :mod:`resocialize.funding`,
returning a new immutable ``Funding``.

The baseline is the bare booking of the same payments with
:func:`resocialize.ledger.pay`, measured in the same run: the ratio says what
the full check of a claim (certificate, contract, register standing, pathway
history, tariff, earlier payments) costs next to booking it. Then the balance
checks: :func:`resocialize.ledger.verify` replays the books and
:func:`resocialize.funding.verify` checks every certificate against them.
Prints figures for people, then one JSON line for machines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from resocialize.centers import Center, Program
from resocialize.certificates import ClientStanding, Course, standing
from resocialize.choice import Choice, Needs, choices_for, choose
from resocialize.contracts import Party, PartyRole, SocialContract, contract_standing, sign
from resocialize.errors import RuleViolation
from resocialize.facts import CenterStanding, Facts
from resocialize.funding import (
    Funding,
    issue,
    open_funding,
    place,
    redeem,
    settle,
    start_service,
)
from resocialize.funding import verify as verify_funding
from resocialize.ledger import (
    FundingSource,
    Ledger,
    SourceKind,
    appropriate,
    open_ledger,
    pay,
    totals,
)
from resocialize.ledger import verify as verify_ledger
from resocialize.money import Money
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Case, Event, Stage, advance, identify
from resocialize.records import Origin, Referral, ReferralSource
from resocialize.redemption import Claim
from resocialize.tariffs import Milestone, default_tariffs

T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
BY = "agency-1"
CENTERS = tuple(f"center-{i:02d}" for i in range(20))
PROGRAM = "p-iii"
FACE = Money.of(180_000, "RUB")
SPLIT = {"regional": Money.of(126_000, "RUB"), "federal": Money.of(54_000, "RUB")}
PERIOD = timedelta(days=18)
INVALID = ("same_period", "other_center", "other_client", "unqualified")


def rub(amount: int) -> Money:
    return Money.of(amount, "RUB")


def budget(certificates: int) -> Ledger:
    books = open_ledger(
        [
            FundingSource("regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET),
            FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY),
        ],
        currency="RUB",
    )
    books = appropriate(
        books, "regional", 2026, rub(126_000 * certificates), at=T0, by="fin-1", reference="law"
    )
    return appropriate(
        books, "federal", 2026, rub(54_000 * certificates), at=T0, by="fin-1", reference="sub"
    )


def choices(on: date) -> dict[str, Choice]:
    program = Program(PROGRAM, Stage.SOCIAL_REHABILITATION, 180, rub(180_000), 10_000)
    centers = [
        Center(c, f"Center {c}", OwnershipForm.NON_GOVERNMENTAL, "North", programs=(program,))
        for c in CENTERS
    ]
    listed = choices_for(
        Needs(Stage.SOCIAL_REHABILITATION, age=30),
        centers,
        on=on,
        registered=frozenset(CENTERS),
        qualified=frozenset(CENTERS),
    )
    return {c: choose(listed, c, PROGRAM) for c in CENTERS}


def signed(client_id: str, center_id: str, certificate_id: str, on: date) -> SocialContract:
    contract = SocialContract(
        f"contract-{client_id}",
        client_id,
        center_id,
        certificate_id,
        (
            Party(PartyRole.PATRONAGE_BODY, "patronage-1", ("follow the client up",)),
            Party(PartyRole.CLIENT, client_id, ("take part",)),
            Party(PartyRole.CENTER, center_id, ("deliver the program",)),
        ),
        (),
        on,
    )
    for party in ("patronage-1", client_id, center_id):
        contract = sign(contract, party, on=on)
    return contract


def center_standing(center_id: str, *, qualified: bool = True) -> CenterStanding:
    return CenterStanding(center_id, True, qualified, True, 100, OwnershipForm.NON_GOVERNMENTAL)


def region(certificates: int) -> tuple[Funding, dict[str, Case]]:
    """Issue, place and start every certificate; admit every client to stage III."""
    tariff = default_tariffs()["moscow_per_diem"]
    funds = open_funding(budget(certificates))
    placed_on, admitted = T0 + timedelta(days=1), T0 + timedelta(days=2)
    chosen = choices(placed_on.date())
    cases: dict[str, Case] = {}
    for i in range(certificates):
        client, certificate_id = f"client-{i:05d}", f"cert-{i:05d}"
        funds = issue(
            funds,
            certificate_id,
            ClientStanding(client, enrolled=True, referred=True),
            course=Course.SOCIAL_REHABILITATION,
            face_value=FACE,
            split=SPLIT,
            valid_from=T0.date(),
            valid_until=T0.date() + timedelta(days=365),
            issuer_id="agency-1",
            tariff=tariff,
            at=T0,
            by=BY,
        )
    contracts = {}
    for i in range(certificates):
        client, certificate_id = f"client-{i:05d}", f"cert-{i:05d}"
        center = CENTERS[i % len(CENTERS)]
        contracts[client] = signed(client, center, certificate_id, placed_on.date())
        funds = place(funds, certificate_id, chosen[center], contracts[client], at=placed_on, by=BY)
    for i in range(certificates):
        client, certificate_id = f"client-{i:05d}", f"cert-{i:05d}"
        funds = start_service(funds, certificate_id, at=admitted, by=BY)
        case = identify(
            f"case-{i:05d}",
            client,
            referral=Referral(ReferralSource.SOCIAL_SERVICE, T0.date(), "dept-1"),
            origin=Origin.COMMUNITY,
            at=T0,
            by=BY,
        )
        for event in (Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT):
            case = advance(case, event, at=T0, by=BY).case
        case = advance(case, Event.RECORD_PROGRAM, at=T0, by=BY, facts=Facts(program_id="irp")).case
        certificate = funds.book.certificates[certificate_id]
        facts = Facts(
            certificate=standing(certificate, on=admitted.date()),
            contract=contract_standing(contracts[client], on=admitted.date()),
            center=center_standing(CENTERS[i % len(CENTERS)]),
        )
        cases[client] = advance(case, Event.ADMIT, at=admitted, by=BY, facts=facts).case
    return funds, cases


Job = tuple[Claim, Case, CenterStanding, datetime]


def claims(funds: Funding, cases: dict[str, Case], total: int) -> list[Job]:
    """Every claim of the year in date order; every tenth one invalid."""
    certificates = sorted(funds.book.certificates)
    rounds = max(1, total // len(certificates))
    jobs: list[Job] = []
    start = (T0 + timedelta(days=2)).date()
    serial = 0
    for k in range(1, rounds + 1):
        service = start + PERIOD * k
        at = datetime.combine(service, T0.timetz()) + timedelta(hours=2)
        for i, certificate_id in enumerate(certificates):
            if len(jobs) == total:
                return jobs
            certificate = funds.book.certificates[certificate_id]
            client, center = certificate.client_id, certificate.center_id
            assert center is not None
            serial += 1
            day, standing_now = service, center_standing(center)
            if (i + k) % 10 == 0:  # one claim in ten, a different certificate each round
                broken = INVALID[(i // 10 + k) % len(INVALID)]
                if broken == "same_period" and k == 1:
                    broken = "other_center"  # no earlier period to claim again yet
                if broken == "same_period":
                    day = service - PERIOD
                elif broken == "other_center":
                    center = CENTERS[(CENTERS.index(center) + 1) % len(CENTERS)]
                    standing_now = center_standing(center)
                elif broken == "other_client":
                    client = f"client-{(i + 1) % len(certificates):05d}"
                else:
                    standing_now = center_standing(center, qualified=False)
            claim = Claim(
                f"claim-{serial:06d}", certificate_id, center, client, Milestone.DAYS_SERVED,
                None, day,
            )  # fmt: skip
            jobs.append((claim, cases[certificate.client_id], standing_now, at))
    return jobs


def run_claims(funds: Funding, jobs: list[Job]) -> tuple[float, Funding, int]:
    refused = 0
    start = time.perf_counter()
    for claim, case, center, at in jobs:
        try:
            funds = redeem(funds, claim, case=case, center=center, at=at, by=BY)
        except RuleViolation:
            refused += 1
    return time.perf_counter() - start, funds, refused


def run_bare(funds: Funding, before: Funding) -> tuple[float, int]:
    """Book the same payments, in the same order, with the bare ledger."""
    books = before.ledger
    paid = [
        (p, datetime.combine(p.paid_on, T0.timetz()) + timedelta(hours=2))
        for payments in funds.payments.values()
        for p in payments
    ]
    paid.sort(key=lambda item: item[1])
    start = time.perf_counter()
    for payment, at in paid:
        books = pay(
            books, payment.certificate_id, payment.center_id, payment.amount,
            at=at, by=BY, reference=payment.claim_id,
        )  # fmt: skip
    seconds = time.perf_counter() - start
    assert totals(books).paid == totals(funds.ledger).paid, "the baseline books the same money"
    return seconds, len(paid)


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = call()
    return time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--certificates", type=int, default=2_000)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="200 certificates, 2,000 claims")
    args = parser.parse_args(argv)
    certificates, total = (200, 2_000) if args.quick else (args.certificates, args.claims)

    setup_s, (funds, cases) = timed(lambda: region(certificates))
    jobs = claims(funds, cases, total)
    before = funds
    seconds, funds, refused = run_claims(funds, jobs)
    rate = len(jobs) / seconds
    bare_s, booked = run_bare(funds, before)
    bare_rate = booked / bare_s
    ratio = rate / bare_rate

    end_at = max(at for *_, at in jobs) + timedelta(days=1)
    settle_s, funds = timed(lambda: _settle_all(funds, end_at))
    ledger_s, decision = timed(lambda: verify_ledger(funds.ledger))
    assert decision.allowed, decision.codes
    funding_s, decision = timed(lambda: verify_funding(funds))
    assert decision.allowed, decision.codes
    whole = totals(funds.ledger)
    assert whole.appropriated == whole.available + whole.committed + whole.paid

    print(f"certificates           {certificates:>12,}  (issue, choice, contract, placement, "
          f"admission: {setup_s:.2f} s)")  # fmt: skip
    print(f"claims                 {len(jobs):>12,}  ({refused:,} refused, {booked:,} paid)")
    print(f"claims checked + paid  {rate:>12,.0f} claims/s  ({seconds:.2f} s)")
    print(f"bare ledger.pay        {bare_rate:>12,.0f} pays/s  ({bare_s:.2f} s)")
    print(f"ratio                  {ratio:>12,.2f} x  (full check and payment / bare booking)")
    print(f"settle every one       {settle_s * 1000:>12,.0f} ms")
    print(
        f"ledger verify()        {ledger_s * 1000:>12,.0f} ms  ({funds.ledger.size:,} transactions)"
    )
    print(f"funding verify()       {funding_s * 1000:>12,.0f} ms")
    print(f"paid {whole.paid}, released {whole.released}, available {whole.available}")
    print(
        json.dumps(
            {
                "benchmark": "certificates",
                "certificates": certificates,
                "claims": len(jobs),
                "refused": refused,
                "claims_per_s": round(rate),
                "bare_pays_per_s": round(bare_rate),
                "ratio": round(ratio, 2),
                "setup_s": round(setup_s, 2),
                "ledger_verify_ms": round(ledger_s * 1000, 1),
                "funding_verify_ms": round(funding_s * 1000, 1),
                "transactions": funds.ledger.size,
                "python": sys.version.split()[0],
                "date": date.today().isoformat(),
            }
        )
    )
    return 0


def _settle_all(funds: Funding, at: datetime) -> Funding:
    for certificate_id in sorted(funds.book.certificates):
        funds = settle(funds, certificate_id, at=at, by=BY)
    return funds


if __name__ == "__main__":
    raise SystemExit(main())
