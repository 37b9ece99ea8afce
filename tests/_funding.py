"""Builders for the funding tests: a budget, centers to choose from, signed contracts, cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from resocialize.centers import Center, Program
from resocialize.certificates import ClientStanding, Course
from resocialize.choice import Choice, Needs, choices_for, choose
from resocialize.contracts import Party, PartyRole, SocialContract, sign
from resocialize.facts import CenterStanding, Facts
from resocialize.funding import Funding, issue, open_funding, standings
from resocialize.ledger import FundingSource, Ledger, SourceKind, appropriate, open_ledger
from resocialize.money import Money
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Case, Event, Stage, advance, identify
from resocialize.records import Origin, Referral, ReferralSource
from resocialize.tariffs import Tariff, default_tariffs

T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
BY = "agency-1"
CENTERS = ("center-a", "center-b", "center-c")
PROGRAM = "p-iii"
PROGRAM_DAYS = 180


def rub(amount: int | str) -> Money:
    return Money.of(amount, "RUB")


def rostov() -> Tariff:
    return default_tariffs()["rostov_certificate"]


def moscow() -> Tariff:
    return default_tariffs()["moscow_per_diem"]


def budget(regional: int = 2_000_000, federal: int = 1_000_000) -> Ledger:
    """A ledger with both sources appropriated for 2026 and 2027."""
    books = open_ledger(
        [
            FundingSource("regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET),
            FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY),
        ],
        currency="RUB",
    )
    for year in (2026, 2027):
        books = appropriate(
            books, "regional", year, rub(regional), at=T0, by="fin-1", reference=f"law-{year}"
        )
        books = appropriate(
            books, "federal", year, rub(federal), at=T0, by="fin-1", reference=f"sub-{year}"
        )
    return books


def center(center_id: str, places: int = 10) -> Center:
    program = Program(
        PROGRAM, Stage.SOCIAL_REHABILITATION, PROGRAM_DAYS, rub(90_000), places, minimum_age=16
    )
    return Center(
        center_id,
        f"Center {center_id}",
        OwnershipForm.NON_GOVERNMENTAL,
        "North",
        programs=(program,),
    )


def choice_of(center_id: str, on: date, qualified: frozenset[str] | None = None) -> Choice:
    """The client's choice of ``center_id`` from the choice list of ``on``."""
    listed = choices_for(
        Needs(Stage.SOCIAL_REHABILITATION, age=30, municipality="North"),
        [center(c) for c in CENTERS],
        on=on,
        registered=frozenset(CENTERS),
        qualified=frozenset(CENTERS) if qualified is None else qualified,
    )
    return choose(listed, center_id, PROGRAM)


def contract(
    client_id: str,
    center_id: str,
    on: date,
    *,
    contract_id: str | None = None,
    certificate_id: str | None = None,
    signed: bool = True,
) -> SocialContract:
    made = SocialContract(
        contract_id or f"contract-{client_id}-{center_id}-{on.isoformat()}",
        client_id,
        center_id,
        certificate_id,
        (
            Party(PartyRole.PATRONAGE_BODY, "patronage-1", ("follow the client up",)),
            Party(PartyRole.CLIENT, client_id, ("take part in the program",)),
            Party(PartyRole.CENTER, center_id, ("deliver the program",)),
        ),
        (),
        on,
    )
    if signed:
        for party in ("patronage-1", client_id, center_id):
            made = sign(made, party, on=on)
    return made


def issued(
    funds: Funding | None = None,
    certificate_id: str = "cert-1",
    client_id: str = "client-1",
    *,
    face: int = 180_000,
    tariff: Tariff | None = None,
    at: datetime = T0,
    valid_days: int = 300,
) -> Funding:
    """A certificate of ``face`` RUB, two thirds regional, one third federal."""
    regional = face * 2 // 3
    return issue(
        funds if funds is not None else open_funding(budget()),
        certificate_id,
        ClientStanding(client_id, enrolled=True, referred=True),
        course=Course.SOCIAL_REHABILITATION,
        face_value=rub(face),
        split={"regional": rub(regional), "federal": rub(face - regional)},
        valid_from=at.date(),
        valid_until=at.date() + timedelta(days=valid_days),
        issuer_id="agency-1",
        tariff=tariff or rostov(),
        at=at,
        by=BY,
    )


def standing_of(center_id: str, *, qualified: bool = True) -> CenterStanding:
    return CenterStanding(center_id, True, qualified, True, 5, OwnershipForm.NON_GOVERNMENTAL)


def case_in_treatment(client_id: str, case_id: str | None = None, at: datetime = T0) -> Case:
    """A case with consent and an individual program, ready for admission to stage III."""
    case = identify(
        case_id or f"case-{client_id}",
        client_id,
        referral=Referral(ReferralSource.SOCIAL_SERVICE, at.date(), "dept-1"),
        origin=Origin.COMMUNITY,
        at=at,
        by=BY,
    )
    for event in (Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT):
        case = advance(case, event, at=at, by=BY).case
    return advance(case, Event.RECORD_PROGRAM, at=at, by=BY, facts=Facts(program_id="irp-1")).case


def admit(funds: Funding, case: Case, center_id: str, at: datetime) -> Case:
    """Admit the client to stage III reading the certificate and contract from ``funds``."""
    certificate, contract_now = standings(funds, case.client_id, on=at.date())
    facts = Facts(certificate=certificate, contract=contract_now, center=standing_of(center_id))
    return advance(case, Event.ADMIT, at=at, by=BY, facts=facts).case
