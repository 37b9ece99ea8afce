"""A year in a small region, run end to end through the :class:`~resocialize.system.RegionalSystem`.

``resocialize demo`` prints it. Three municipalities of an example region (named after
towns of the Novgorod region, whose services seed 002 describes) and a dozen centers of
every form of ownership; the centers apply for the register and the agency includes those
that qualify; one is refused for an unresolved human-rights finding. Funds come from the
regional budget and a federal subsidy, and every certificate is split between them.

Over the year clients come from every referral source. Six stories are told in full:

a) a court-referred client through all five stages into sustained remission; the center
   is paid its tranches as the milestones are reached and the court is told of completion
   and remission;
b) a refusal followed by re-engagement;
c) a relapse in patronage, back to treatment, then on through resocialization;
d) a dropout: the center is paid pro rata for the days served, the certificate settled;
e) a client leaving prison on the post-penal route (custody, pre-release work, stage III);
f) a center suspended mid-course: its client moves to another center with what the
   certificate has not paid.

The other clients (:data:`ORDINARY_CLIENTS`) are summed up month by month. The run ends
with the register, the ledger by source, effectiveness by center and the journal
verified and replayed. Every command is made by the actor whose role runs it, on a
SQLite store; time only moves forward (the calendar is a schedule run in date order). It
is deterministic: no clock, no randomness of its own.

>>> len(CENTERS), sorted({center.ownership.value for center in CENTERS})
(12, ['municipal', 'non_governmental', 'private', 'religious', 'state'])
>>> sorted({plan.source.value for plan in ORDINARY_CLIENTS}) == sorted(
...     source.value for source in ReferralSource)
True
>>> STORIES["a"]
'case-court'
"""

from __future__ import annotations

import enum
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Final

import attrs

from ._checks import (
    Checked,
    bool_problem,
    checked,
    date_problem,
    id_problem,
    member_problem,
    text_problem,
)
from .access import Actor
from .centers import (
    Center,
    Certification,
    Finding,
    FindingArea,
    Inspection,
    Program,
    Qualification,
    Scheme,
    Severity,
    StaffCount,
)
from .certificates import Course
from .choice import Needs
from .contracts import Party, PartyRole, SocialContract
from .effectiveness import effectiveness_by_center
from .errors import PermissionDenied, RuleViolation
from .facts import NO_FACTS, Facts
from .followups import FollowUpOutcome, FollowUpRecord, UseStatus
from .funding import payments_of, remaining
from .guards import add_months
from .labour import EducationLevel, LabourProfile, Vacancy
from .ledger import FundingSource, SourceKind, report
from .money import Money
from .organizations import OwnershipForm, Role
from .pathway import Case, Event, Stage
from .people import IdentityReport
from .records import (
    CourtMeasure,
    CourtOrder,
    LabourOutcome,
    MedicalHelp,
    MedicalHelpKind,
    Origin,
    Referral,
    ReferralSource,
)
from .redemption import Claim
from .register import RegisterEvent
from .rules import Reason
from .storage import SQLiteStore
from .system import RegionalSystem
from .tariffs import Milestone, default_tariffs

__all__ = [
    "CENTERS",
    "END",
    "FAILING_CENTER",
    "LINKAGE_SECRET",
    "MUNICIPALITIES",
    "ORDINARY_CLIENTS",
    "STORE_FILE",
    "STORIES",
    "SUSPENDED_CENTER",
    "YEAR",
    "ClientPlan",
    "Outcome",
    "run",
]

_MSK: Final = timezone(timedelta(hours=3), "MSK")
YEAR: Final = 2026
"""The year the clients come in and the funds are appropriated for."""
END: Final = date(2027, 9, 30)
"""The last day of the calendar: the court-referred client's twelve months of patronage
have run out; nothing is scheduled after it."""
STORE_FILE: Final = "region.sqlite"
"""The name of the SQLite file :func:`run` writes in its directory."""
LINKAGE_SECRET: Final = b"example-region-linkage-secret-2026"
"""The secret the example region links reports of the same person with."""
MUNICIPALITIES: Final = ("Novgorod", "Borovichi", "Staraya Russa")
"""The region's municipalities, each with a department of the agency."""

STORIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "a": "case-court",
        "b": "case-refusal",
        "c": "case-relapse",
        "d": "case-dropout",
        "e": "case-prison",
        "f": "case-moved",
    }
)
"""The case id of each story told in full."""

FAILING_CENTER: Final = "rel-pokrov"
"""The center whose inclusion is refused: a serious human-rights finding is unresolved."""
SUSPENDED_CENTER: Final = "priv-vershina"
"""The center suspended mid-course in story f."""

# --- the actors ------------------------------------------------------------------------------

_AGENCY: Final = Actor("agency", Role.AGENCY, "officer-1")
_DEPARTMENTS: Final = {
    "Novgorod": Actor("dept-novgorod", Role.MUNICIPAL_DEPARTMENT, "case-manager-1"),
    "Borovichi": Actor("dept-borovichi", Role.MUNICIPAL_DEPARTMENT, "case-manager-2"),
    "Staraya Russa": Actor("dept-russa", Role.MUNICIPAL_DEPARTMENT, "case-manager-3"),
}
_HEALTH: Final = Actor("narcology-dispensary", Role.HEALTH, "doctor-3")
_SCREENING: Final = Actor("school-health-center", Role.HEALTH, "nurse-2")
_POLICE: Final = Actor("police-novgorod", Role.LAW_ENFORCEMENT, "inspector-4")
_COURT: Final = Actor("court-novgorod", Role.COURT, "judge-1")
_PRISON: Final = Actor("colony-7", Role.PRISON_PROBATION, "officer-9")
_NGO: Final = Actor("ngo-harbour", Role.NGO, "outreach-2")
_SOCIAL: Final = Actor("social-service", Role.SOCIAL_SERVICE, "worker-6")
_EMPLOYMENT: Final = Actor("employment-service", Role.EMPLOYMENT_SERVICE, "adviser-1")

_IDENTIFIERS: Final[Mapping[ReferralSource, Actor | None]] = {
    ReferralSource.SOCIAL_SERVICE: _SOCIAL,
    ReferralSource.MEDICAL_SCREENING: _SCREENING,
    ReferralSource.LAW_ENFORCEMENT: _POLICE,
    ReferralSource.DRUG_TREATMENT_SERVICE: _HEALTH,
    ReferralSource.LOW_THRESHOLD_NGO: _NGO,
    ReferralSource.COURT: _COURT,
    ReferralSource.PRISON_PROBATION: _PRISON,
    ReferralSource.FAMILY: None,
    ReferralSource.SELF: None,
}
"""Who reports and identifies a client of each source; ``None``: the department itself
takes the report (families, clients who come on their own)."""

# --- the region's data ------------------------------------------------------------------------


def _rub(amount: int | str) -> Money:
    return Money.of(amount, "RUB")


_FACE: Final = _rub(180_000)
_SPLIT: Final = {"regional": _rub(120_000), "federal": _rub(60_000)}
_REGIONAL: Final = FundingSource(
    "regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET
)
_FEDERAL: Final = FundingSource(
    "federal", "Federal subsidy to the region", SourceKind.FEDERAL_SUBSIDY
)


def _center(
    center_id: str,
    name: str,
    ownership: OwnershipForm,
    municipality: str,
    places: int,
    *,
    days: int = 180,
    minimum_age: int = 18,
    inspections: tuple[Inspection, ...] = (),
) -> Center:
    return Center(
        center_id,
        name,
        ownership,
        municipality,
        programs=(
            Program(
                "p-iii",
                Stage.SOCIAL_REHABILITATION,
                days,
                _rub(180_000),
                places,
                minimum_age=minimum_age,
            ),
        ),
        staff=(
            StaffCount(Qualification.PSYCHOLOGIST, 1),
            StaffCount(Qualification.SPECIALIST_IN_SOCIAL_WORK, 1),
        ),
        certifications=(
            Certification(
                f"vcs-{center_id}",
                "voluntary-certification-system",
                Scheme.VOLUNTARY_SCHEME,
                date(2025, 1, 1),
                date(2028, 12, 31),
            ),
        ),
        inspections=inspections,
    )


_HELD_BY_FORCE: Final = Inspection(
    "insp-pokrov-2025",
    date(2025, 11, 20),
    "prosecutor-office",
    (
        Finding(
            "hr-1",
            FindingArea.HUMAN_RIGHTS,
            Severity.SERIOUS,
            "residents kept in the center against their will",
        ),
    ),
)

CENTERS: Final[tuple[Center, ...]] = (
    _center(
        "gos-novgorod",
        "Regional social rehabilitation center",
        OwnershipForm.STATE,
        "Novgorod",
        10,
    ),
    _center(
        "narco-rehab",
        "Rehabilitation unit of the drug treatment service",
        OwnershipForm.STATE,
        "Novgorod",
        8,
        days=120,
    ),
    _center(
        "youth-borovichi",
        "State center for minors (education)",
        OwnershipForm.STATE,
        "Borovichi",
        6,
        minimum_age=14,
    ),
    _center(
        "muni-borovichi", "Borovichi municipal center", OwnershipForm.MUNICIPAL, "Borovichi", 6
    ),
    _center(
        "muni-russa", "Staraya Russa municipal center", OwnershipForm.MUNICIPAL, "Staraya Russa", 6
    ),
    _center("ngo-svet", "Svet (NGO)", OwnershipForm.NON_GOVERNMENTAL, "Novgorod", 8),
    _center("ngo-put", "Put (NGO)", OwnershipForm.NON_GOVERNMENTAL, "Borovichi", 6),
    _center("ngo-most", "Most (NGO)", OwnershipForm.NON_GOVERNMENTAL, "Staraya Russa", 6, days=120),
    _center(
        FAILING_CENTER,
        "Pokrov community (religious)",
        OwnershipForm.RELIGIOUS,
        "Novgorod",
        6,
        inspections=(_HELD_BY_FORCE,),
    ),
    _center(
        "rel-blagovest",
        "Blagovest community (religious)",
        OwnershipForm.RELIGIOUS,
        "Staraya Russa",
        6,
    ),
    _center("priv-novy-den", "Novy Den (private)", OwnershipForm.PRIVATE, "Novgorod", 6),
    _center(SUSPENDED_CENTER, "Vershina (private)", OwnershipForm.PRIVATE, "Borovichi", 4),
)
"""The region's twelve centers as they apply for the register."""


class Outcome(enum.StrEnum):
    """How an ordinary client's year goes."""

    COMPLETED = "completed"
    """Stage III completed, then stage IV into patronage, tranches paid as reached."""
    DROPPED_OUT = "dropped_out"
    """Left the center mid-course; paid pro rata, the certificate settled."""
    REFUSED = "refused"
    """Refused motivation work; kept under monitoring."""
    MOVED_AWAY = "moved_away"
    """Moved out of the region during motivation work."""


@attrs.frozen
class ClientPlan(Checked):
    """One ordinary client of the example: who identified them, where they live, when they
    came, how their year goes and the center they choose (the first one offered when it
    has no free place)."""

    key: str = attrs.field(metadata=checked(id_problem))
    source: ReferralSource = attrs.field(metadata=checked(member_problem(ReferralSource)))
    municipality: str = attrs.field(metadata=checked(text_problem))
    identified_on: date = attrs.field(metadata=checked(date_problem))
    outcome: Outcome = attrs.field(metadata=checked(member_problem(Outcome)))
    center_id: str = attrs.field(metadata=checked(id_problem))
    minor: bool = attrs.field(default=False, metadata=checked(bool_problem))


def _plans() -> tuple[ClientPlan, ...]:
    rows = (
        # source, municipality, month, day, outcome, center
        (ReferralSource.SOCIAL_SERVICE, "Novgorod", 1, 20, Outcome.COMPLETED, "gos-novgorod"),
        (ReferralSource.LAW_ENFORCEMENT, "Borovichi", 1, 27, Outcome.COMPLETED, "muni-borovichi"),
        (ReferralSource.FAMILY, "Staraya Russa", 2, 3, Outcome.COMPLETED, "muni-russa"),
        (ReferralSource.SELF, "Novgorod", 2, 10, Outcome.DROPPED_OUT, "priv-novy-den"),
        (
            ReferralSource.DRUG_TREATMENT_SERVICE,
            "Novgorod",
            2,
            17,
            Outcome.COMPLETED,
            "narco-rehab",
        ),
        (ReferralSource.LOW_THRESHOLD_NGO, "Staraya Russa", 2, 24, Outcome.REFUSED, "ngo-most"),
        (ReferralSource.COURT, "Novgorod", 3, 3, Outcome.COMPLETED, "ngo-svet"),
        (ReferralSource.PRISON_PROBATION, "Borovichi", 3, 10, Outcome.COMPLETED, "ngo-put"),
        (
            ReferralSource.MEDICAL_SCREENING,
            "Borovichi",
            3,
            17,
            Outcome.COMPLETED,
            "youth-borovichi",
        ),
        (ReferralSource.SOCIAL_SERVICE, "Staraya Russa", 3, 24, Outcome.COMPLETED, "rel-blagovest"),
        (ReferralSource.LAW_ENFORCEMENT, "Novgorod", 4, 7, Outcome.DROPPED_OUT, "gos-novgorod"),
        (ReferralSource.FAMILY, "Novgorod", 4, 14, Outcome.COMPLETED, "priv-novy-den"),
        (ReferralSource.SELF, "Borovichi", 4, 21, Outcome.MOVED_AWAY, "ngo-put"),
        (
            ReferralSource.DRUG_TREATMENT_SERVICE,
            "Staraya Russa",
            5,
            5,
            Outcome.COMPLETED,
            "ngo-most",
        ),
        (ReferralSource.LOW_THRESHOLD_NGO, "Novgorod", 5, 12, Outcome.COMPLETED, "ngo-svet"),
        (ReferralSource.COURT, "Borovichi", 5, 19, Outcome.DROPPED_OUT, "muni-borovichi"),
        (ReferralSource.MEDICAL_SCREENING, "Novgorod", 6, 2, Outcome.COMPLETED, "narco-rehab"),
        (ReferralSource.PRISON_PROBATION, "Staraya Russa", 6, 9, Outcome.COMPLETED, "muni-russa"),
        (ReferralSource.SOCIAL_SERVICE, "Borovichi", 6, 23, Outcome.REFUSED, "ngo-put"),
        (ReferralSource.LAW_ENFORCEMENT, "Staraya Russa", 7, 7, Outcome.COMPLETED, "rel-blagovest"),
        (ReferralSource.FAMILY, "Borovichi", 7, 21, Outcome.COMPLETED, "ngo-put"),
        (ReferralSource.SELF, "Novgorod", 8, 4, Outcome.COMPLETED, "gos-novgorod"),
        (ReferralSource.DRUG_TREATMENT_SERVICE, "Novgorod", 8, 18, Outcome.DROPPED_OUT, "ngo-svet"),
        (ReferralSource.LOW_THRESHOLD_NGO, "Borovichi", 9, 1, Outcome.COMPLETED, "muni-borovichi"),
        (ReferralSource.COURT, "Staraya Russa", 9, 15, Outcome.COMPLETED, "ngo-most"),
        (ReferralSource.MEDICAL_SCREENING, "Staraya Russa", 9, 29, Outcome.COMPLETED, "muni-russa"),
        (ReferralSource.PRISON_PROBATION, "Novgorod", 10, 13, Outcome.COMPLETED, "priv-novy-den"),
        (ReferralSource.SOCIAL_SERVICE, "Novgorod", 10, 27, Outcome.COMPLETED, "narco-rehab"),
        (ReferralSource.LAW_ENFORCEMENT, "Borovichi", 11, 10, Outcome.COMPLETED, "ngo-put"),
        (ReferralSource.FAMILY, "Novgorod", 11, 24, Outcome.COMPLETED, "gos-novgorod"),
        (ReferralSource.SELF, "Staraya Russa", 12, 1, Outcome.COMPLETED, "rel-blagovest"),
    )
    return tuple(
        ClientPlan(
            f"c{n:02d}",
            source,
            municipality,
            date(YEAR, month, day),
            outcome,
            center,
            minor=center == "youth-borovichi",
        )
        for n, (source, municipality, month, day, outcome, center) in enumerate(rows, 1)
    )


ORDINARY_CLIENTS: Final[tuple[ClientPlan, ...]] = _plans()
"""The clients of the year besides the six stories, from every referral source."""

_FAMILY_NAMES: Final = (
    "Ivanov", "Petrova", "Smirnov", "Kuznetsova", "Popov", "Vasilieva", "Sokolov", "Mikhailova",
    "Novikov", "Fedorova", "Morozov", "Volkova", "Alekseev", "Lebedeva", "Semenov", "Egorova",
)  # fmt: skip
"""Invented names for the identity reports: reduced to keyed hashes, never stored."""


# --- one client's course -----------------------------------------------------------------------


class _Client:
    """What the schedule knows of one client as the year goes (ids made along the way)."""

    def __init__(
        self,
        case_id: str,
        number: int,
        source: ReferralSource,
        municipality: str,
        *,
        tag: str | None,
        origin: Origin = Origin.COMMUNITY,
        court_order: CourtOrder | None = None,
        age: int = 30,
        minor: bool = False,
    ) -> None:
        self.case_id = case_id
        self.number = number
        self.source = source
        self.municipality = municipality
        self.tag = tag
        self.origin = origin
        self.court_order = court_order
        self.age = age
        self.minor = minor
        self.department = _DEPARTMENTS[municipality]
        self.identifier = _IDENTIFIERS[source] or self.department
        self.client_id = "-"
        self.center: Actor | None = None
        self.certificate_id = f"cert-{case_id.removeprefix('case-')}"
        self.contracts = 0
        self.identified_on = date(YEAR, 1, 1)

    @property
    def needs(self) -> Needs:
        return Needs(Stage.SOCIAL_REHABILITATION, self.age, self.municipality)

    @property
    def referral(self) -> Referral:
        referred_by = (
            self.identifier.organization_id if self.identifier is not self.department else None
        )
        return Referral(
            self.source, self.identified_on, self.department.organization_id, referred_by
        )


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), _MSK)


def _money(amount: Money) -> str:
    whole, _, cents = f"{amount.amount:.2f}".partition(".")
    return f"{int(whole):,}.{cents} {amount.currency}"


def _reasons(refusal: RuleViolation | PermissionDenied) -> list[str]:
    reasons: Iterable[Reason] = refusal.reasons
    return [f"              - {r.message} [{r.code}]" for r in reasons]


def _where(case: Case) -> str:
    stage = f" (stage {case.stage.roman})" if case.stage else ""
    return f"{case.state.value}{stage}"


_Action = Callable[[], Iterable[str]]


class _Year:
    """The region's calendar: actions scheduled by day, run in date order."""

    def __init__(self, region: RegionalSystem) -> None:
        self.region = region
        self.steps: list[tuple[date, int, _Action]] = []
        self.month: Counter[str] = Counter()
        self.month_paid = _rub(0)
        self.admitted: Counter[ReferralSource] = Counter()
        self.completed: Counter[ReferralSource] = Counter()

    # -- the schedule -----------------------------------------------------------------------

    def on(self, day: date, action: _Action) -> None:
        if day <= END:
            self.steps.append((day, len(self.steps), action))

    def run(self) -> Iterator[str]:
        current: tuple[int, int] | None = None
        for day, _, action in sorted(self.steps, key=lambda step: (step[0], step[1])):
            month = (day.year, day.month)
            if current is not None and month != current:
                yield self.digest(current)
            current = month
            yield from action()
        if current is not None:
            yield self.digest(current)

    def digest(self, month: tuple[int, int]) -> str:
        counts = self.month
        paid = self.month_paid
        self.month = Counter()
        self.month_paid = _rub(0)
        return (
            f"{month[0]}-{month[1]:02d} in the region: {counts['identified']} identified,"
            f" {counts['admitted']} admitted, {counts['completed']} completed stage III,"
            f" {counts['dropped_out']} dropped out, {counts['refused']} refused;"
            f" {counts['payments']} payment{'' if counts['payments'] == 1 else 's'},"
            f" {_money(paid)}"
        )

    # -- telling ----------------------------------------------------------------------------

    @staticmethod
    def say(client: _Client, day: date, actor: Actor, text: str) -> list[str]:
        if client.tag is None:
            return []
        return [f"{day.isoformat()}  {client.tag}) {actor.organization_id}: {text}"]

    @staticmethod
    def refused(
        client: _Client,
        day: date,
        actor: Actor,
        what: str,
        refusal: RuleViolation | PermissionDenied,
    ) -> list[str]:
        return [
            f"{day.isoformat()}  {client.tag}) {actor.organization_id}: {what} refused, every"
            " reason given:",
            *_reasons(refusal),
        ]

    # -- the commands of a course -------------------------------------------------------------

    def event(
        self,
        client: _Client,
        day: date,
        actor: Actor,
        event: Event,
        facts: Facts = NO_FACTS,
        note: str | None = None,
    ) -> None:
        def act() -> list[str]:
            step = self.region.advance(
                actor, client.case_id, event, at=_at(day), facts=facts, reason=note
            )
            if event is Event.COMPLETE_REHABILITATION:
                self.month["completed"] += 1
                self.completed[client.source] += 1
            elif event is Event.DROP_OUT:
                self.month["dropped_out"] += 1
            elif event is Event.REFUSE:
                self.month["refused"] += 1
            comment = f"  # {note}" if note else ""
            lines = self.say(client, day, actor, f"{event.value} -> {_where(step.case)}{comment}")
            if step.notices:
                lines += self.notify(client, day)
            return lines

        self.on(day, act)

    def notify(self, client: _Client, day: date) -> list[str]:
        sent = self.region.notify_court(client.department, client.case_id, at=_at(day))
        return self.say(
            client,
            day,
            client.department,
            "notify_court: "
            + ", ".join(
                f"{n.kind.value} to {n.court_id} (order {n.order_reference})" for n in sent
            ),
        )

    def identify(self, client: _Client, day: date) -> None:
        client.identified_on = day
        names = _FAMILY_NAMES[client.number % len(_FAMILY_NAMES)]
        born = date(1975 + client.number % 25, 1 + client.number % 12, 1 + client.number % 28)
        if client.minor:
            born = date(YEAR - 16, 5, 1)

        def act() -> list[str]:
            actor = client.identifier
            reported = self.region.report_client(
                actor, IdentityReport(names, "Example", born), client.referral, at=_at(day)
            )
            client.client_id = reported.client_id
            case = self.region.identify(
                actor,
                at=_at(day),
                case_id=client.case_id,
                client_id=client.client_id,
                referral=client.referral,
                origin=client.origin,
                minor=client.minor,
                court_order=client.court_order,
            )
            self.month["identified"] += 1
            order = client.court_order
            why = f"court order {order.reference} ({order.measure.value})" if order else ""
            return self.say(
                client,
                day,
                actor,
                f"report_client -> {client.client_id} (only keyed hashes kept); identify"
                f" {case.id}, source {client.source.value}, origin {client.origin.value}"
                + (f", {why}" if why else "")
                + f" -> {_where(case)}",
            )

        self.on(day, act)

    def motivate(self, client: _Client, day: date) -> None:
        """Low-threshold motivation: the NGO or social service that found the client works
        with it; otherwise the department."""
        engager = (
            client.identifier
            if client.identifier.role in (Role.NGO, Role.SOCIAL_SERVICE)
            else client.department
        )
        self.event(client, day, engager, Event.ENGAGE)

    def treat(self, client: _Client, day: date) -> date:
        """Stage II: treatment, detoxification, diagnosis, consent, the client register and
        the individual program. Returns the day the program is recorded."""
        self.event(client, day, _HEALTH, Event.START_TREATMENT)
        help_on = day + timedelta(days=1)
        self.event(
            client,
            help_on,
            _HEALTH,
            Event.RECORD_MEDICAL_HELP,
            Facts(
                medical_help=MedicalHelp(
                    MedicalHelpKind.DETOXIFICATION, help_on, _HEALTH.organization_id
                )
            ),
        )
        return self.prepare(client, day + timedelta(days=5))

    def prepare(self, client: _Client, day: date) -> date:
        """Diagnosis, informed consent, enrolment and the program (stage II's paperwork)."""
        dept = client.department
        self.event(
            client, day, dept, Event.RECORD_DIAGNOSIS, Facts(assessment_id=f"rp-{client.case_id}")
        )
        consent = day + timedelta(days=2)
        self.event(client, consent, dept, Event.GIVE_CONSENT, note="informed consent")

        def enrol() -> list[str]:
            self.region.enrol(dept, client.case_id, consent_at=_at(consent), at=_at(consent))
            return self.say(client, consent, dept, "enrol -> entered in the client register")

        self.on(consent, enrol)
        program = consent + timedelta(days=1)
        self.event(
            client,
            program,
            dept,
            Event.RECORD_PROGRAM,
            Facts(program_id=f"irp-{client.case_id}"),
            note="individual program",
        )
        return program

    def certify(self, client: _Client, day: date) -> None:
        def act() -> list[str]:
            self.region.issue_certificate(
                _AGENCY,
                client.certificate_id,
                case_id=client.case_id,
                course=Course.SOCIAL_REHABILITATION,
                face_value=_FACE,
                split=_SPLIT,
                valid_from=day,
                valid_until=day + timedelta(days=540),
                tariff=default_tariffs()["rostov_certificate"],
                at=_at(day),
                year=YEAR,
            )
            return self.say(
                client,
                day,
                _AGENCY,
                f"issue_certificate {client.certificate_id}: {_money(_FACE)},"
                f" regional {_money(_SPLIT['regional'])} + federal {_money(_SPLIT['federal'])}",
            )

        self.on(day, act)

    def place(self, client: _Client, day: date, wanted: str, *, family: bool = False) -> None:
        """Offer the choices, sign the contract with the chosen center and place the
        certificate with it. A client whose story is not told chooses ``wanted`` without
        the list being printed (:meth:`RegionalSystem.place` still makes the choice from
        the day's list, and refuses a center not on it)."""
        chosen: list[str] = [] if client.tag is not None else [wanted]

        def offer() -> list[str]:
            offered = self.region.offer_choices(
                client.department, client.case_id, client.needs, on=day
            )
            ids = [o.center_id for o in offered.options]
            center = wanted if wanted in ids else ids[0]
            chosen.append(center)
            return self.say(
                client,
                day,
                client.department,
                f"offer_choices: {len(ids)} programs, {', '.join(ids[:3])}... first;"
                f" the client chooses {center}",
            )

        if client.tag is not None:
            self.on(day, offer)
        # the contract is made with the center chosen above, when the schedule gets there
        client.contracts += 1
        number = client.contracts
        contract_id = f"sc-{client.case_id.removeprefix('case-')}-{number}"
        dept = client.department

        def sign() -> list[str]:
            center = chosen[0]
            parties = [
                Party(PartyRole.PATRONAGE_BODY, dept.organization_id, ("follow the client up",)),
                Party(PartyRole.CLIENT, client.client_id, ("take part in the program",)),
                Party(PartyRole.CENTER, center, ("deliver the program",)),
            ]
            if family:
                parties.append(
                    Party(
                        PartyRole.CO_DEPENDENT,
                        f"family-{client.case_id}",
                        ("take part in family sessions",),
                    )
                )
            self.region.propose_contract(
                dept,
                SocialContract(
                    contract_id,
                    client.client_id,
                    center,
                    client.certificate_id,
                    tuple(parties),
                    (),
                    day,
                ),
                case_id=client.case_id,
                at=_at(day),
            )
            for party in parties:
                signer = _center_actor(center) if party.role is PartyRole.CENTER else dept
                self.region.sign_contract(signer, contract_id, party.party_id, at=_at(day))
            self.region.place(
                dept,
                client.certificate_id,
                case_id=client.case_id,
                needs=client.needs,
                center_id=center,
                program_id="p-iii",
                contract_id=contract_id,
                at=_at(day),
            )
            client.center = _center_actor(center)
            return self.say(
                client,
                day,
                dept,
                f"social contract {contract_id} signed by"
                f" {', '.join(p.role.value for p in parties)}; certificate placed with {center}",
            )

        self.on(day, sign)

    def admit(self, client: _Client, day: date) -> None:
        def act() -> list[str]:
            center = client.center
            assert center is not None
            step = self.region.admit(
                center, client.case_id, center_id=center.organization_id, program_id="p-iii",
                at=_at(day),
            )  # fmt: skip
            self.month["admitted"] += 1
            self.admitted[client.source] += 1
            return self.say(client, day, center, f"{step.entry.event.value} -> {_where(step.case)}")

        self.on(day, act)

    def claim(
        self,
        client: _Client,
        day: date,
        milestone: Milestone,
        *,
        on: date,
        months: int | None = None,
    ) -> None:
        """The center claims the milestone reached ``on``; the agency pays the next day."""
        claim_id = f"claim-{client.case_id.removeprefix('case-')}-{milestone.value}"

        def submit() -> list[str]:
            center = client.center
            assert center is not None
            claim = Claim(
                claim_id,
                client.certificate_id,
                center.organization_id,
                client.client_id,
                milestone,
                months,
                on,
            )
            self.region.claim_payment(center, claim, case_id=client.case_id, at=_at(day))
            return []

        def pay() -> list[str]:
            payment = self.region.pay_claim(_AGENCY, claim_id, at=_at(day + timedelta(days=1)))
            self.month["payments"] += 1
            self.month_paid = self.month_paid + payment.amount
            what = milestone.value + (f" ({months} months)" if months else "")
            return self.say(
                client,
                day + timedelta(days=1),
                _AGENCY,
                f"pay_claim {claim_id}: {_money(payment.amount)} to {payment.center_id} for {what}",
            )

        self.on(day, submit)
        self.on(day + timedelta(days=1), pay)

    def settle(self, client: _Client, day: date, why: str) -> None:
        def act() -> list[str]:
            before = remaining(self.region.funding(), client.certificate_id)
            self.region.settle_certificate(_AGENCY, client.certificate_id, at=_at(day), why=why)
            return self.say(
                client,
                day,
                _AGENCY,
                f"settle_certificate {client.certificate_id}: {_money(before)} unpaid returns"
                f" to the sources  # {why}",
            )

        self.on(day, act)

    def course(self, client: _Client, admitted: date, *, hired: bool = False) -> date:
        """Stage III with the admission tranche, completion with its tranche, stage IV with
        a labour outcome; the no-relapse tranche six months into stage IV, then the
        certificate is settled. Returns the day patronage begins. With ``hired`` the
        outcome is read from the employment service's reserve (the hire recorded there)."""
        self.admit(client, admitted)
        self.claim(client, admitted + timedelta(days=1), Milestone.ADMISSION, on=admitted)
        return self.finish(client, admitted + timedelta(days=150), hired=hired)

    def finish(
        self, client: _Client, completed: date, *, settle: bool = True, hired: bool = False
    ) -> date:
        """From completing stage III on: the rest of :meth:`course` (the certificate
        settled at the end unless ``settle`` is false)."""

        def center() -> Actor:
            assert client.center is not None
            return client.center

        def complete() -> list[str]:
            actor = center()
            step = self.region.advance(
                actor, client.case_id, Event.COMPLETE_REHABILITATION, at=_at(completed)
            )
            self.month["completed"] += 1
            self.completed[client.source] += 1
            lines = self.say(
                client, completed, actor, f"complete_rehabilitation -> {_where(step.case)}"
            )
            if step.notices:
                lines += self.notify(client, completed)
            return lines

        self.on(completed, complete)
        self.claim(
            client, completed + timedelta(days=1), Milestone.STAGE_III_COMPLETED, on=completed
        )
        patronage = completed + timedelta(days=75)
        self.event(
            client,
            patronage,
            client.department,
            Event.COMPLETE_RESOCIALIZATION,
            NO_FACTS if hired else Facts(labour_outcome=LabourOutcome.EMPLOYED),
            note="employed on a vacancy the employment service reserved"
            + (" (the hire read from its reserve)" if hired else ""),
        )
        due = add_months(completed, 6)
        self.claim(client, due + timedelta(days=1), Milestone.NO_RELAPSE, on=due, months=6)
        if settle:
            self.settle(client, due + timedelta(days=3), "course completed and paid")
        return patronage


def _center_actor(center_id: str) -> Actor:
    return Actor(center_id, Role.REHABILITATION_CENTER, "manager-1")


# --- the stories ----------------------------------------------------------------------------


def _register(year: _Year) -> None:
    region = year.region
    day = date(YEAR, 1, 5)

    def act() -> Iterator[str]:
        yield f"{day.isoformat()}  the register of centers: {len(CENTERS)} centers apply"
        for center in CENTERS:
            region.apply_center(_center_actor(center.id), center, at=_at(day))
        decided = day + timedelta(days=2)
        for center in CENTERS:
            try:
                region.decide_center(
                    _AGENCY, center.id, RegisterEvent.INCLUDE, at=_at(decided), why="qualified"
                )
            except RuleViolation as refusal:
                yield (
                    f"{decided.isoformat()}  agency: include {center.id}"
                    f" ({center.ownership.value}) refused, every reason given:"
                )
                yield from _reasons(refusal)
                region.decide_center(
                    _AGENCY,
                    center.id,
                    RegisterEvent.REJECT,
                    at=_at(decided),
                    why="an unresolved serious human-rights finding (inspection of 2025-11-20)",
                )
                yield f"{decided.isoformat()}  agency: application of {center.id} rejected"
        included = sorted(
            cid
            for cid, entry in region.centers().entries.items()
            if entry.state.value == "included"
        )
        yield f"{decided.isoformat()}  agency: {len(included)} centers included"

    year.on(day, act)


def _fund(year: _Year) -> None:
    day = date(YEAR, 1, 9)

    def act() -> list[str]:
        lines = []
        for source, amount, reference in (
            (_REGIONAL, _rub(5_400_000), "regional-law-2026"),
            (_FEDERAL, _rub(2_700_000), "federal-subsidy-2026"),
        ):
            year.region.appropriate_funds(
                _AGENCY, source, YEAR, amount, at=_at(day), reference=reference
            )
            lines.append(
                f"{day.isoformat()}  agency: appropriate {_money(amount)} of {source.name} for"
                f" {YEAR} ({reference})"
            )
        return lines

    year.on(day, act)


def _story_court(year: _Year) -> None:
    """a) A court-referred client through the five stages into sustained remission."""
    order = CourtOrder(
        _COURT.organization_id,
        "1-118/2026",
        date(YEAR, 1, 9),
        CourtMeasure.ALTERNATIVE_TO_PUNISHMENT,
    )
    client = _Client(
        STORIES["a"], 101, ReferralSource.COURT, "Novgorod", tag="a", court_order=order
    )
    start = date(YEAR, 1, 12)
    year.identify(client, start)
    year.motivate(client, start + timedelta(days=3))
    program = year.treat(client, start + timedelta(days=10))
    year.certify(client, program + timedelta(days=1))
    placed = program + timedelta(days=3)

    def early() -> list[str]:
        center = _center_actor("ngo-svet")
        try:
            year.region.admit(
                center, client.case_id, center_id="ngo-svet", program_id="p-iii", at=_at(placed)
            )
        except (RuleViolation, PermissionDenied) as refusal:
            return year.refused(client, placed, center, "admit before placement", refusal)
        raise AssertionError("the admission without a placement was not refused")

    year.on(placed, early)
    year.place(client, placed, "ngo-svet", family=True)
    admitted = placed + timedelta(days=2)

    def other_center() -> list[str]:
        intruder = _center_actor("priv-novy-den")
        claim = Claim(
            "claim-court-intruder",
            client.certificate_id,
            "priv-novy-den",
            client.client_id,
            Milestone.ADMISSION,
            None,
            admitted,
        )
        try:
            year.region.claim_payment(intruder, claim, case_id=client.case_id, at=_at(admitted))
        except (RuleViolation, PermissionDenied) as refusal:
            return year.refused(client, admitted, intruder, "a claim by another center", refusal)
        raise AssertionError("a claim by another center was not refused")

    patronage = year.course(client, admitted, hired=True)
    year.on(admitted + timedelta(days=1), other_center)
    stage_iv = admitted + timedelta(days=150)

    def employment() -> list[str]:
        day = stage_iv + timedelta(days=30)
        seen = year.region.case(_EMPLOYMENT, client.case_id)
        withheld = sorted(field.value for field in seen.withheld)
        vacancy = Vacancy(
            "v-joinery-1",
            "employer-joinery",
            "Joiner's assistant",
            client.municipality,
            1,
            stage_iv,
            reserved=True,
        )
        year.region.add_to_reserve(_EMPLOYMENT, vacancy, at=_at(day))
        profile = LabourProfile(
            client.client_id, client.municipality, frozenset(), EducationLevel.SECONDARY
        )
        fits = [
            m.vacancy_id
            for m in year.region.match_vacancies(_EMPLOYMENT, client.case_id, profile, on=day)
            if m.fits
        ]
        year.region.record_hire(_EMPLOYMENT, client.case_id, profile, vacancy.id, at=_at(day))
        return year.say(
            client,
            day,
            _EMPLOYMENT,
            f"reads the case (labour shown; withheld: {', '.join(withheld)}), posts a"
            f" reserved vacancy, matches it ({', '.join(fits)}) and records the hire",
        )

    year.on(stage_iv + timedelta(days=30), employment)
    for months in (6,):
        follow = add_months(patronage, months)

        def follow_up(follow: date = follow, months: int = months) -> list[str]:
            year.region.record_follow_up(
                _SOCIAL,
                FollowUpRecord(
                    client.case_id,
                    f"patronage-{months}m",
                    follow,
                    _SOCIAL.organization_id,
                    FollowUpOutcome(use=UseStatus.ABSTINENT, activity=LabourOutcome.EMPLOYED),
                ),
                at=_at(follow),
            )
            return year.say(
                client, follow, _SOCIAL, f"record_follow_up {months} months: abstinent, employed"
            )

        year.on(follow, follow_up)
    remission = add_months(patronage, 12)
    year.event(
        client,
        remission,
        client.department,
        Event.ACHIEVE_REMISSION,
        note="12 months in patronage without relapse",
    )

    def court_reads() -> list[str]:
        notices = year.region.court_notices(_COURT)
        mine = [n.kind.value for n in notices if n.case_id == client.case_id]
        return year.say(client, remission, _COURT, f"court_notices of the case: {', '.join(mine)}")

    year.on(remission, court_reads)


def _story_refusal(year: _Year) -> None:
    """b) A refusal followed by re-engagement."""
    client = _Client(STORIES["b"], 102, ReferralSource.LOW_THRESHOLD_NGO, "Staraya Russa", tag="b")
    start = date(YEAR, 2, 2)
    year.identify(client, start)
    year.motivate(client, start + timedelta(days=2))
    year.event(
        client,
        start + timedelta(days=9),
        client.department,
        Event.REFUSE,
        note="the client refuses treatment; monitoring and patronage go on",
    )
    back = start + timedelta(days=50)
    year.event(client, back, _NGO, Event.ENGAGE, note="re-engaged by the outreach worker")
    program = year.treat(client, back + timedelta(days=7))
    year.certify(client, program + timedelta(days=1))
    year.place(client, program + timedelta(days=2), "rel-blagovest")
    year.course(client, program + timedelta(days=4))


def _story_relapse(year: _Year) -> None:
    """c) A relapse in patronage: back to treatment, then on through resocialization."""
    client = _Client(
        STORIES["c"],
        103,
        ReferralSource.DRUG_TREATMENT_SERVICE,
        "Novgorod",
        tag="c",
        origin=Origin.OUTPATIENT,
    )
    start = date(YEAR, 2, 16)
    year.identify(client, start)
    year.motivate(client, start + timedelta(days=2))
    program = year.treat(client, start + timedelta(days=6))
    year.certify(client, program + timedelta(days=1))
    year.place(client, program + timedelta(days=2), "narco-rehab")
    admitted = program + timedelta(days=4)
    year.admit(client, admitted)
    year.claim(client, admitted + timedelta(days=1), Milestone.ADMISSION, on=admitted)
    completed = admitted + timedelta(days=120)

    def complete() -> list[str]:
        assert client.center is not None
        step = year.region.advance(
            client.center, client.case_id, Event.COMPLETE_REHABILITATION, at=_at(completed)
        )
        year.month["completed"] += 1
        year.completed[client.source] += 1
        return year.say(
            client, completed, client.center, f"complete_rehabilitation -> {_where(step.case)}"
        )

    year.on(completed, complete)
    year.claim(client, completed + timedelta(days=1), Milestone.STAGE_III_COMPLETED, on=completed)
    patronage = completed + timedelta(days=60)
    year.event(
        client,
        patronage,
        client.department,
        Event.COMPLETE_RESOCIALIZATION,
        Facts(labour_outcome=LabourOutcome.IN_TRAINING),
        note="vocational training",
    )
    relapse = patronage + timedelta(days=50)
    year.event(client, relapse, client.department, Event.RELAPSE, note="relapse in patronage")
    year.settle(
        client,
        relapse + timedelta(days=3),
        "the course with the center ended in a relapse before the no-relapse tranche",
    )
    year.event(client, relapse + timedelta(days=5), _HEALTH, Event.START_TREATMENT)
    year.event(
        client,
        relapse + timedelta(days=6),
        _HEALTH,
        Event.RECORD_MEDICAL_HELP,
        Facts(
            medical_help=MedicalHelp(
                MedicalHelpKind.DETOXIFICATION, relapse + timedelta(days=6), _HEALTH.organization_id
            )
        ),
    )
    again = relapse + timedelta(days=30)
    year.event(
        client,
        again,
        client.department,
        Event.ENTER_RESOCIALIZATION,
        note="an outpatient goes on to stage IV straight from treatment (PW-14)",
    )
    year.event(
        client,
        again + timedelta(days=90),
        client.department,
        Event.COMPLETE_RESOCIALIZATION,
        Facts(labour_outcome=LabourOutcome.EMPLOYED),
        note="employed",
    )


def _story_dropout(year: _Year) -> None:
    """d) A dropout: paid pro rata for the days served, the certificate settled."""
    client = _Client(STORIES["d"], 104, ReferralSource.LAW_ENFORCEMENT, "Novgorod", tag="d")
    start = date(YEAR, 3, 2)
    year.identify(client, start)
    year.motivate(client, start + timedelta(days=2))
    program = year.treat(client, start + timedelta(days=6))
    year.certify(client, program + timedelta(days=1))
    year.place(client, program + timedelta(days=2), "gos-novgorod")
    admitted = program + timedelta(days=4)
    year.admit(client, admitted)
    year.claim(client, admitted + timedelta(days=1), Milestone.ADMISSION, on=admitted)
    left = admitted + timedelta(days=75)

    def drop() -> list[str]:
        assert client.center is not None
        step = year.region.advance(
            client.center, client.case_id, Event.DROP_OUT, at=_at(left), reason="left the center"
        )
        year.month["dropped_out"] += 1
        return year.say(
            client, left, client.center, f"drop_out -> {_where(step.case)} after 75 days"
        )

    year.on(left, drop)
    year.claim(client, left + timedelta(days=2), Milestone.DROPOUT, on=left)
    year.settle(client, left + timedelta(days=5), "the client dropped out; the rest returns")


def _story_prison(year: _Year) -> None:
    """e) The post-penal route: custody, pre-release work, stage III on release."""
    client = _Client(
        STORIES["e"],
        105,
        ReferralSource.PRISON_PROBATION,
        "Staraya Russa",
        tag="e",
        origin=Origin.PRISON,
    )
    start = date(YEAR, 3, 16)
    year.identify(client, start)
    year.event(client, start, _PRISON, Event.DETAIN, note="serving a sentence in colony-7")
    release = date(YEAR, 5, 4)
    year.event(
        client,
        release,
        _PRISON,
        Event.PREPARE_RELEASE,
        note="pre-release work: rights, post-penal program",
    )
    program = year.prepare(client, release + timedelta(days=3))
    year.certify(client, program + timedelta(days=1))
    year.place(client, program + timedelta(days=2), "muni-russa")
    year.course(client, program + timedelta(days=6))


def _story_moved(year: _Year) -> None:
    """f) A center suspended mid-course; the client moves with the certificate's remaining value."""
    client = _Client(STORIES["f"], 106, ReferralSource.SELF, "Borovichi", tag="f")
    start = date(YEAR, 3, 23)
    year.identify(client, start)
    year.motivate(client, start + timedelta(days=2))
    program = year.treat(client, start + timedelta(days=6))
    year.certify(client, program + timedelta(days=1))
    year.place(client, program + timedelta(days=2), SUSPENDED_CENTER)
    admitted = program + timedelta(days=4)
    year.admit(client, admitted)
    year.claim(client, admitted + timedelta(days=1), Milestone.ADMISSION, on=admitted)
    inspected = admitted + timedelta(days=40)

    def inspect() -> list[str]:
        entry = year.region.centers().entry(SUSPENDED_CENTER)
        inspection = Inspection(
            "insp-vershina-2026",
            inspected,
            _AGENCY.organization_id,
            (
                Finding(
                    "hr-2",
                    FindingArea.HUMAN_RIGHTS,
                    Severity.SERIOUS,
                    "residents' phones and documents confiscated",
                ),
            ),
        )
        center = attrs.evolve(entry.center, inspections=(*entry.center.inspections, inspection))
        year.region.update_center(
            _AGENCY, center, at=_at(inspected), why="state control inspection"
        )
        year.region.decide_center(
            _AGENCY,
            SUSPENDED_CENTER,
            RegisterEvent.SUSPEND,
            at=_at(inspected),
            why="serious human-rights finding of the inspection",
        )
        return year.say(
            client,
            inspected,
            _AGENCY,
            f"inspect_center {SUSPENDED_CENTER}: serious human-rights finding;"
            f" decide_center suspend -> suspended",
        )

    year.on(inspected, inspect)
    moved = inspected + timedelta(days=3)

    def refused_again() -> list[str]:
        dept = client.department
        try:
            year.region.place(
                dept,
                client.certificate_id,
                case_id=client.case_id,
                needs=client.needs,
                center_id=SUSPENDED_CENTER,
                program_id="p-iii",
                contract_id="sc-moved-1",
                at=_at(moved),
            )
        except (RuleViolation, PermissionDenied) as refusal:
            return year.refused(client, moved, dept, f"placement with {SUSPENDED_CENTER}", refusal)
        raise AssertionError("a placement with a suspended center was not refused")

    year.on(moved, refused_again)
    year.place(client, moved, "ngo-put")

    def carried() -> list[str]:
        left = remaining(year.region.funding(), client.certificate_id)
        return year.say(
            client,
            moved,
            client.department,
            f"certificate {client.certificate_id} moved to ngo-put carrying {_money(left)}"
            f" of {_money(_FACE)}",
        )

    year.on(moved, carried)
    transferred = moved + timedelta(days=2)
    year.admit(client, transferred)
    completed = transferred + timedelta(days=110)
    year.finish(client, completed, settle=False)
    paid_up = add_months(completed, 6) + timedelta(days=3)

    def paid() -> list[str]:
        payments = payments_of(year.region.funding(), client.certificate_id)
        by_center: dict[str, Money] = {}
        for payment in payments:
            by_center[payment.center_id] = (
                by_center.get(payment.center_id, _rub(0)) + payment.amount
            )
        shares = ", ".join(f"{_money(amount)} to {cid}" for cid, amount in by_center.items())
        return year.say(
            client,
            paid_up,
            _AGENCY,
            f"certificate {client.certificate_id} paid in full: {shares}",
        )

    year.on(paid_up, paid)


def _ordinary(year: _Year) -> None:
    for number, plan in enumerate(ORDINARY_CLIENTS, 1):
        order = (
            CourtOrder(
                _COURT.organization_id,
                f"1-{200 + number}/2026",
                plan.identified_on - timedelta(days=3),
                CourtMeasure.ADDITIONAL_MEASURE,
            )
            if plan.source is ReferralSource.COURT
            else None
        )
        client = _Client(
            f"case-{plan.key}",
            number,
            plan.source,
            plan.municipality,
            tag=None,
            origin=Origin.PRISON
            if plan.source is ReferralSource.PRISON_PROBATION
            else Origin.COMMUNITY,
            court_order=order,
            age=16 if plan.minor else 24 + number % 20,
            minor=plan.minor,
        )
        start = plan.identified_on
        year.identify(client, start)
        year.motivate(client, start + timedelta(days=3))
        if plan.outcome is Outcome.REFUSED:
            year.event(client, start + timedelta(days=12), client.department, Event.REFUSE)
            continue
        if plan.outcome is Outcome.MOVED_AWAY:
            year.event(client, start + timedelta(days=20), client.department, Event.MOVE_AWAY)
            continue
        program = year.treat(client, start + timedelta(days=7))
        year.certify(client, program + timedelta(days=1))
        year.place(client, program + timedelta(days=2), plan.center_id)
        admitted = program + timedelta(days=4)
        if plan.outcome is Outcome.DROPPED_OUT:
            year.admit(client, admitted)
            year.claim(client, admitted + timedelta(days=1), Milestone.ADMISSION, on=admitted)
            left = admitted + timedelta(days=40 + 10 * (number % 6))
            _dropout(year, client, left)
            continue
        year.course(client, admitted)


def _dropout(year: _Year, client: _Client, left: date) -> None:
    def drop() -> list[str]:
        assert client.center is not None
        year.region.advance(client.center, client.case_id, Event.DROP_OUT, at=_at(left))
        year.month["dropped_out"] += 1
        return []

    year.on(left, drop)
    year.claim(client, left + timedelta(days=2), Milestone.DROPOUT, on=left)
    year.settle(client, left + timedelta(days=5), "the client dropped out; the rest returns")


# --- the end of the year --------------------------------------------------------------------


def _percent(rate: Fraction | None) -> str:
    return "-" if rate is None else f"{float(rate) * 100:.0f}%"


def _summary(year: _Year) -> Iterator[str]:
    region = year.region
    yield ""
    yield f"== The register of centers on {END.isoformat()} =="
    for center_id, entry in sorted(region.centers().entries.items()):
        center = entry.center
        yield (
            f"  {center_id:<16} {center.ownership.value:<17} {center.municipality:<14}"
            f" {entry.state.value}"
        )
    yield ""
    yield "== The ledger by source (RUB) =="
    yield (
        f"  {'source':<9} {'year':<5} {'appropriated':>14} {'committed':>13} {'paid':>13}"
        f" {'released':>13} {'available':>13}"
    )
    for row in report(region.funding().ledger, by=("source", "year")):
        yield (
            f"  {row.source or '-':<9} {row.year or '-':<5}"
            f" {row.appropriated.amount:>14,.2f} {row.committed.amount:>13,.2f}"
            f" {row.paid.amount:>13,.2f} {row.released.amount:>13,.2f}"
            f" {row.available.amount:>13,.2f}"
        )
    yield ""
    yield f"== Effectiveness by center: admissions in {YEAR}, outcomes to {END.isoformat()} =="
    yield (
        f"  {'center':<16} {'admitted':>8} {'completed':>9} {'dropout':>7} {'moved':>5}"
        f" {'relapse':>7} {'ongoing':>7} {'completion':>10} {'retention':>9} {'remission 6m':>12}"
    )
    cases = region.cases().values()
    measured = effectiveness_by_center(
        cases, start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), as_of=END
    )
    for center_id, result in measured.items():
        yield (
            f"  {center_id:<16} {result.admissions:>8} {result.completions:>9}"
            f" {result.dropouts:>7} {result.transfers_out:>5} {result.relapses:>7}"
            f" {result.ongoing:>7} {_percent(result.completion_rate):>10}"
            f" {_percent(result.retention_rate):>9} {_percent(result.remission_6m_rate):>12}"
        )
    yield ""
    yield "== Clients by referral source =="
    sources = Counter(case.referrals[0].source for case in cases)
    for source in ReferralSource:
        yield (
            f"  {source.value:<24} {sources[source]:>3} identified, {year.admitted[source]:>3}"
            f" admitted, {year.completed[source]:>3} completed stage III"
        )
    states = Counter(case.state.value for case in cases)
    yield "  cases by state: " + ", ".join(f"{s} {n}" for s, n in sorted(states.items()))
    yield ""
    yield "== The journal =="
    entries = sum(1 for _ in region.store.entries())
    yield f"  {entries} entries; verify() finds no tampering: {region.verify() == ()}"
    rebuilt = (
        region.rebuild() == region.cases()
        and region.rebuild_funding() == region.funding()
        and region.rebuild_centers() == region.centers()
        and region.rebuild_clients() == region.clients()
    )
    yield f"  state rebuilt from the journal equals the live one: {rebuilt}"


def run(*, directory: Path | None = None) -> Iterator[str]:
    """The lines of the story of the example region's year (see the module).

    The region's store is ``region.sqlite`` in ``directory`` (a fresh temporary directory
    when none is given, removed at the end); a directory given keeps it, for reading
    afterwards.
    """
    if directory is None:
        with tempfile.TemporaryDirectory(prefix="resocialize-year-") as folder:
            yield from run(directory=Path(folder))
        return
    with SQLiteStore(Path(directory) / STORE_FILE) as store:
        region = RegionalSystem(store, linkage_secret=LINKAGE_SECRET)
        year = _Year(region)
        total = len(ORDINARY_CLIENTS) + len(STORIES)
        yield (
            f"A year in an example region: {len(MUNICIPALITIES)} municipalities"
            f" ({', '.join(MUNICIPALITIES)}), {len(CENTERS)} centers, {total} clients;"
            f" stories a) to f) told in full"
        )
        _register(year)
        _fund(year)
        for story in (
            _story_court,
            _story_refusal,
            _story_relapse,
            _story_dropout,
            _story_prison,
            _story_moved,
        ):
            story(year)
        _ordinary(year)
        yield from year.run()
        yield from _summary(year)
