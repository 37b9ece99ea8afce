"""Hypothesis strategies for certificates, contracts, tariffs, the ledger and redemption.

Every value is valid by construction: books, contracts and ledgers are built by the
modules' own operations (:func:`~resocialize.certificates.issue`,
:func:`~resocialize.certificates.decide`, :func:`~resocialize.contracts.sign`,
:func:`~resocialize.ledger.open_ledger`, :func:`~resocialize.ledger.appropriate`,
:func:`~resocialize.ledger.commit`, :func:`~resocialize.ledger.pay`, ...).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from resocialize.centers import Center, Program
from resocialize.certificates import (
    EMPTY_BOOK,
    Certificate,
    CertificateBook,
    CertificateChange,
    CertificateEvent,
    ClientStanding,
    Course,
    decide,
    issue,
)
from resocialize.choice import Choice, Needs, choices_for, choose
from resocialize.contracts import (
    Party,
    PartyRole,
    Signature,
    SocialContract,
    Termination,
    TerminationGround,
    sign,
    terminate,
)
from resocialize.errors import RuleViolation
from resocialize.funding import Funding, open_funding, place
from resocialize.funding import issue as issue_funded
from resocialize.ledger import (
    Account,
    FundingSource,
    Ledger,
    Posting,
    ReportRow,
    SourceKind,
    Transaction,
    appropriate,
    commit,
    open_ledger,
    pay,
    release,
    report,
)
from resocialize.money import Money
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Stage
from resocialize.redemption import Claim, Payment
from resocialize.tariffs import (
    MAX_DAYS,
    MAX_MONTHS,
    DropoutRule,
    Milestone,
    MilestoneReached,
    PerDiemSchedule,
    Tariff,
    Tranche,
    TrancheSchedule,
    default_tariffs,
)

__all__ = [
    "accounts",
    "certificate_books",
    "certificate_changes",
    "certificates",
    "claims",
    "client_standings",
    "dropout_rules",
    "funding_sources",
    "fundings",
    "ledgers",
    "milestones_reached",
    "parties",
    "payments",
    "per_diem_schedules",
    "postings",
    "report_rows",
    "signatures",
    "social_contracts",
    "tariffs",
    "terminations",
    "tranche_schedules",
    "tranches",
    "transactions",
]

_START: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_ZONES = (UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=3)))
_DECISIONS = [e for e in CertificateEvent if e is not CertificateEvent.ISSUE]
_TAKES_CENTER = (CertificateEvent.PLACE, CertificateEvent.CHANGE_CENTER)
_WHYS = ("the client asked", "клиент отказался", "klijent je odustao", "no funds left")


def _ids(prefix: str, top: int = 9999) -> st.SearchStrategy[str]:
    return st.integers(0, top).map(lambda n: f"{prefix}-{n}")


def _texts() -> st.SearchStrategy[str]:
    return st.sampled_from(_WHYS) | st.text(
        st.characters(codec="utf-8"), min_size=1, max_size=20
    ).filter(str.strip)


def _later(draw: st.DrawFn, at: datetime, max_days: int = 60) -> datetime:
    step = draw(st.integers(0, max_days * 24 * 60)) * timedelta(minutes=1)
    return (at + step).astimezone(draw(st.sampled_from(_ZONES)))


def _money(low: int = 1, high: int = 500_000, currency: str = "RUB") -> st.SearchStrategy[Money]:
    """Positive money in whole minor units."""
    return st.integers(low * 100, high * 100).map(
        lambda cents: Money(Decimal(cents).scaleb(-2), currency)
    )


# --- contracts -------------------------------------------------------------------------------


def parties() -> st.SearchStrategy[Party]:
    """Parties to a social contract, with a few obligations."""
    return st.builds(
        lambda role, party_id, obligations: Party(role, party_id, tuple(obligations)),
        st.sampled_from(PartyRole),
        _ids("party"),
        st.lists(_texts(), max_size=2),
    )


def signatures() -> st.SearchStrategy[Signature]:
    """Signatures of a party on a day."""
    return st.builds(Signature, _ids("party"), st.dates(date(2020, 1, 1), date(2030, 12, 31)))


def terminations() -> st.SearchStrategy[Termination]:
    """Grounds for ending a contract, with why."""
    return st.builds(Termination, st.sampled_from(TerminationGround), _texts())


@st.composite
def social_contracts(
    draw: st.DrawFn,
    client_id: str | None = None,
    center_id: str | None = None,
    on: date | None = None,
    signed: bool | None = None,
    terminated: bool | None = None,
) -> SocialContract:
    """Social contracts built with :func:`~resocialize.contracts.sign` and ``terminate``."""
    client = client_id if client_id is not None else draw(_ids("client"))
    center = center_id if center_id is not None else draw(_ids("center"))
    concluded = on if on is not None else draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)))
    certificate_id = draw(st.none() | _ids("cert"))
    members = [
        Party(PartyRole.PATRONAGE_BODY, "patronage-1", tuple(draw(st.lists(_texts(), max_size=1)))),
        Party(PartyRole.CLIENT, client, tuple(draw(st.lists(_texts(), max_size=1)))),
        Party(PartyRole.CENTER, center, tuple(draw(st.lists(_texts(), max_size=1)))),
    ]
    for n in range(draw(st.integers(0, 2))):
        members.append(Party(PartyRole.CO_DEPENDENT, f"{client}.kin-{n}"))
    members = draw(st.permutations(members))
    contract = SocialContract(
        draw(_ids("sc")), client, center, certificate_id, tuple(members), (), concluded
    )
    everyone = signed if signed is not None else draw(st.booleans())
    signers = members if everyone else draw(st.lists(st.sampled_from(members), unique=True))
    day = concluded
    for party in signers:
        day += timedelta(days=draw(st.integers(0, 3)))
        contract = sign(contract, party.party_id, on=day)
    ends = terminated if terminated is not None else draw(st.booleans())
    if ends and contract.signed:  # only a contract signed by every party is terminated
        contract = terminate(
            contract,
            on=day + timedelta(days=draw(st.integers(0, 400))),
            ground=draw(st.sampled_from(TerminationGround)),
            why=draw(_texts()),
        )
    return contract


# --- certificates ----------------------------------------------------------------------------


def client_standings() -> st.SearchStrategy[ClientStanding]:
    """Standings of clients in the client register, enrolled and referred or not."""
    return st.builds(ClientStanding, _ids("client"), st.booleans(), st.booleans())


def _split(draw: st.DrawFn) -> tuple[Money, dict[str, Money]]:
    sources = draw(
        st.lists(st.sampled_from(["regional", "federal", "city"]), min_size=1, unique=True)
    )
    split = {source: draw(_money(1, 200_000)) for source in sources}
    total = sum((m.amount for m in split.values()), Decimal(0))
    return Money(total, "RUB"), split


def _walk(
    draw: st.DrawFn, book: CertificateBook, certificate_id: str, max_decisions: int
) -> CertificateBook:
    """Decide a few events on the certificate; the refused ones leave the book as it was."""
    for _ in range(draw(st.integers(0, max_decisions))):
        certificate = book.certificates[certificate_id]
        event = draw(st.sampled_from(_DECISIONS))
        at = _later(draw, certificate.last.at, max_days=90)
        center_id = contract = None
        if event in _TAKES_CENTER:
            center_id = draw(_ids("center", 3))
            contract = draw(
                social_contracts(
                    certificate.client_id, center_id, at.date(), signed=True, terminated=False
                )
            )
        why = draw(st.none() | _texts())
        try:
            book = decide(
                book,
                certificate_id,
                event,
                at=at,
                by=draw(_ids("officer")),
                why=why,
                center_id=center_id,
                contract=contract,
            )
        except RuleViolation:
            continue
    return book


def _issue_one(
    draw: st.DrawFn, book: CertificateBook, certificate_id: str, client_id: str
) -> CertificateBook:
    face_value, split = _split(draw)
    at = _later(draw, _START, max_days=365)
    valid_from = at.date() - timedelta(days=draw(st.integers(0, 10)))
    try:
        return issue(
            book,
            certificate_id,
            ClientStanding(client_id, enrolled=True, referred=True),
            course=draw(st.sampled_from(Course)),
            face_value=face_value,
            split=split,
            valid_from=valid_from,
            valid_until=valid_from + timedelta(days=draw(st.integers(10, 200))),
            issuer_id=draw(_ids("agency")),
            at=at,
            by=draw(_ids("officer")),
        )
    except RuleViolation:  # an active certificate of the client for a conflicting course
        return book


@st.composite
def certificate_books(draw: st.DrawFn, max_certificates: int = 3) -> CertificateBook:
    """Books of certificates issued and decided on through the chart."""
    book = EMPTY_BOOK
    for n in range(draw(st.integers(0, max_certificates))):
        certificate_id = f"cert-{n}"
        book = _issue_one(draw, book, certificate_id, draw(_ids("client", 2)))
        if certificate_id in book.certificates:
            book = _walk(draw, book, certificate_id, max_decisions=4)
    return book


@st.composite
def certificates(draw: st.DrawFn, max_decisions: int = 5) -> Certificate:
    """One certificate, issued and then decided on through the chart."""
    certificate_id = draw(_ids("cert"))
    book = _issue_one(draw, EMPTY_BOOK, certificate_id, draw(_ids("client")))
    return _walk(draw, book, certificate_id, max_decisions).certificates[certificate_id]


def certificate_changes() -> st.SearchStrategy[CertificateChange]:
    """Changes recorded in the history of a certificate."""
    return certificates().flatmap(lambda c: st.sampled_from(c.history))


# --- tariffs ---------------------------------------------------------------------------------


def _months_for(milestone: Milestone) -> st.SearchStrategy[int | None]:
    if milestone is Milestone.NO_RELAPSE:
        return st.integers(1, MAX_MONTHS)
    return st.none()


_TRANCHE_MILESTONES = [m for m in Milestone if m not in (Milestone.DAYS_SERVED, Milestone.DROPOUT)]
"""The milestones a tranche may pay for: days served and dropouts are paid otherwise."""
_REACHED_MILESTONES = [m for m in Milestone if m is not Milestone.DAYS_SERVED]
"""The milestones :func:`~resocialize.tariffs.milestones_reached` reports."""


def _shares() -> st.SearchStrategy[Decimal]:
    return st.integers(1, 100).map(lambda n: Decimal(n) / 100)


def tranches() -> st.SearchStrategy[Tranche]:
    """Tranches: a milestone, a share and, for ``no_relapse``, the months."""
    return st.sampled_from(_TRANCHE_MILESTONES).flatmap(
        lambda m: st.builds(Tranche, st.just(m), _shares(), _months_for(m))
    )


@st.composite
def tranche_schedules(draw: st.DrawFn) -> TrancheSchedule:
    """Schedules of distinct tranches whose shares sum to exactly 1."""
    keys = draw(
        st.lists(
            st.sampled_from(_TRANCHE_MILESTONES).flatmap(
                lambda m: st.tuples(st.just(m), _months_for(m))
            ),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    cuts = sorted(
        draw(
            st.lists(
                st.integers(1, 99), min_size=len(keys) - 1, max_size=len(keys) - 1, unique=True
            )
        )
    )
    bounds = [0, *cuts, 100]
    shares = [Decimal(b - a) / 100 for a, b in itertools.pairwise(bounds)]
    return TrancheSchedule(
        [Tranche(m, share, months) for (m, months), share in zip(keys, shares, strict=True)]
    )


@st.composite
def per_diem_schedules(draw: st.DrawFn, currency: str = "RUB") -> PerDiemSchedule:
    """Per-diem schedules with a day limit, a cap, or both."""
    max_days = draw(st.none() | st.integers(1, MAX_DAYS))
    cap = draw((st.none() if max_days is not None else st.nothing()) | _money(1, 900_000, currency))
    return PerDiemSchedule(draw(_money(1, 10_000, currency)), max_days, cap)


def dropout_rules() -> st.SearchStrategy[DropoutRule]:
    """Dropout rules: a cap share from 0 to 1 and a minimum of days."""
    return st.builds(
        DropoutRule, st.integers(0, 100).map(lambda n: Decimal(n) / 100), st.integers(0, MAX_DAYS)
    )


@st.composite
def tariffs(draw: st.DrawFn) -> Tariff:
    """Tariffs with a tranche or per-diem schedule, maybe a dropout rule and a face value."""
    currency = draw(st.sampled_from(["RUB", "EUR"]))
    schedule: TrancheSchedule | PerDiemSchedule = draw(
        tranche_schedules() | per_diem_schedules(currency)
    )
    return Tariff(
        draw(st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z0-9_]{1,6}){0,2}", fullmatch=True)),
        draw(_texts()),
        currency,
        schedule,
        draw(st.none() | dropout_rules()),
        draw(st.none() | _money(1, 900_000, currency)),
    )


def milestones_reached() -> st.SearchStrategy[MilestoneReached]:
    """Milestones reached on a day (never ``days_served``); ``months`` for ``no_relapse`` only."""
    return st.sampled_from(_REACHED_MILESTONES).flatmap(
        lambda m: st.builds(
            MilestoneReached,
            st.just(m),
            st.dates(date(2025, 1, 1), date(2030, 12, 31)),
            _months_for(m),
        )
    )


# --- the ledger ------------------------------------------------------------------------------


def funding_sources() -> st.SearchStrategy[FundingSource]:
    """Funding sources of any kind."""
    return st.builds(FundingSource, _ids("source"), _texts(), st.sampled_from(SourceKind))


_SOURCES = (
    FundingSource("regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET),
    FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY),
    FundingSource("city", "Городской бюджет", SourceKind.MUNICIPAL_BUDGET),
)


@st.composite
def ledgers(draw: st.DrawFn, max_certificates: int = 3) -> Ledger:
    """Ledgers built by appropriating, committing, paying and releasing."""
    sources = draw(st.lists(st.sampled_from(_SOURCES), min_size=1, unique=True))
    books = open_ledger(sources, currency="RUB")
    at = _START
    year = 2026
    for source in sources:
        at = _later(draw, at, max_days=5)
        books = appropriate(
            books,
            source.id,
            year,
            draw(_money(500_000, 1_000_000)),
            at=at,
            by="fin-1",
            reference=f"law-{source.id}",
        )
    for n in range(draw(st.integers(0, max_certificates))):
        certificate_id = f"cert-{n}"
        split = {s.id: draw(_money(1, 100_000)) for s in sources}
        at = _later(draw, at, max_days=5)
        books = commit(books, certificate_id, split, year=year, at=at, by="agency-1")
        for k in range(draw(st.integers(0, 2))):
            at = _later(draw, at, max_days=5)
            try:
                books = pay(
                    books,
                    certificate_id,
                    draw(_ids("center", 3)),
                    draw(_money(1, 50_000)),
                    at=at,
                    by="treasury-1",
                    reference=f"pay-{n}-{k}",
                )
            except RuleViolation:
                continue
        if draw(st.booleans()):
            at = _later(draw, at, max_days=5)
            try:
                books = release(books, certificate_id, at=at, by="agency-1", why="course ended")
            except RuleViolation:
                continue
    return books


def transactions() -> st.SearchStrategy[Transaction]:
    """Transactions booked in a ledger."""
    return ledgers().flatmap(lambda books: st.sampled_from(books.transactions))


def postings() -> st.SearchStrategy[Posting]:
    """Postings of transactions booked in a ledger."""
    return transactions().flatmap(lambda txn: st.sampled_from(txn.postings))


def accounts() -> st.SearchStrategy[Account]:
    """Accounts that postings move money between."""
    return postings().flatmap(lambda p: st.sampled_from([p.out_of, p.into]))


def report_rows() -> st.SearchStrategy[ReportRow]:
    """Rows of a ledger's report, grouped by some of its dimensions."""
    groupings = st.sampled_from(
        [(), ("source",), ("source", "year"), ("center",), ("certificate",), ("source", "center")]
    )
    rows = st.tuples(ledgers(), groupings).map(lambda pair: report(pair[0], by=pair[1]))
    return rows.filter(bool).flatmap(st.sampled_from)


# --- redemption ------------------------------------------------------------------------------


def claims() -> st.SearchStrategy[Claim]:
    """Claims of a center for a tranche, days served or a dropout, with or without an amount."""
    return st.sampled_from(Milestone).flatmap(
        lambda m: st.builds(
            Claim,
            _ids("claim"),
            _ids("cert"),
            _ids("center"),
            _ids("client"),
            st.just(m),
            _months_for(m),
            st.dates(date(2025, 1, 1), date(2030, 12, 31)),
            st.none() | _money(),
        )
    )


def _days_for(milestone: Milestone) -> st.SearchStrategy[int | None]:
    if milestone is Milestone.DAYS_SERVED:
        return st.integers(0, MAX_DAYS)
    if milestone is Milestone.DROPOUT:
        return st.none() | st.integers(0, MAX_DAYS)
    return st.none()


def _through_for(milestone: Milestone) -> st.SearchStrategy[date | None]:
    if milestone is Milestone.DAYS_SERVED:
        return st.dates(date(2025, 1, 1), date(2030, 12, 31))
    return st.none()


def payments() -> st.SearchStrategy[Payment]:
    """Payments made on claims; days served carry their days and last day paid."""
    return st.sampled_from(Milestone).flatmap(
        lambda m: st.builds(
            Payment,
            _ids("claim"),
            _ids("cert"),
            _ids("center"),
            st.just(m),
            _months_for(m),
            _money(),
            st.dates(date(2025, 1, 1), date(2030, 12, 31)),
            _days_for(m),
            _through_for(m),
        )
    )


# --- funding -----------------------------------------------------------------------------------


def _choice(center_id: str, on: date) -> Choice:
    program = Program("p-iii", Stage.SOCIAL_REHABILITATION, 180, Money.of(180_000, "RUB"), 10)
    centers = [
        Center(c, f"Center {c}", OwnershipForm.NON_GOVERNMENTAL, "North", programs=(program,))
        for c in ("center-1", "center-2")
    ]
    listed = choices_for(
        Needs(Stage.SOCIAL_REHABILITATION, age=30),
        centers,
        on=on,
        registered={"center-1", "center-2"},
        qualified={"center-1", "center-2"},
    )
    return choose(listed, center_id, "p-iii")


@st.composite
def fundings(draw: st.DrawFn, max_certificates: int = 3) -> Funding:
    """Funding built by issuing certificates and placing some of them with a chosen center."""
    books = open_ledger(_SOURCES[:2], currency="RUB")
    for source in _SOURCES[:2]:
        books = appropriate(
            books, source.id, 2026, Money.of(1_000_000, "RUB"), at=_START, by="fin-1",
            reference=f"law-{source.id}",
        )  # fmt: skip
    funds = open_funding(books)
    rub_tariffs = [t for t in default_tariffs().values() if t.currency == "RUB"]
    tariff = draw(st.sampled_from(sorted(rub_tariffs, key=lambda t: t.code)))
    at = _START
    for n in range(draw(st.integers(0, max_certificates))):
        client_id = f"client-{n}"
        face = draw(st.integers(10, 300)) * 1000
        at = _later(draw, at, max_days=5)
        funds = issue_funded(
            funds,
            f"cert-{n}",
            ClientStanding(client_id, enrolled=True, referred=True),
            course=Course.SOCIAL_REHABILITATION,
            face_value=Money.of(face, "RUB"),
            split={
                "regional": Money.of(face // 2, "RUB"),
                "federal": Money.of(face - face // 2, "RUB"),
            },
            # a day's margin: later instants may be drawn in another UTC offset
            valid_from=at.date() - timedelta(days=1),
            valid_until=at.date() + timedelta(days=365),
            issuer_id="agency-1",
            tariff=tariff,
            at=at,
            by="agency-1",
        )
        if draw(st.booleans()):
            center_id = draw(st.sampled_from(["center-1", "center-2"]))
            at = _later(draw, at, max_days=5)
            contract = SocialContract(
                f"contract-{n}", client_id, center_id, f"cert-{n}",
                (
                    Party(PartyRole.PATRONAGE_BODY, "patronage-1", ("follow the client up",)),
                    Party(PartyRole.CLIENT, client_id, ("take part",)),
                    Party(PartyRole.CENTER, center_id, ("deliver the program",)),
                ),
                (), at.date(),
            )  # fmt: skip
            for party in ("patronage-1", client_id, center_id):
                contract = sign(contract, party, on=at.date())
            choice = _choice(center_id, at.date())
            funds = place(funds, f"cert-{n}", choice, contract, at=at, by="agency-1")
    return funds
