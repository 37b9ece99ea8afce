"""Hypothesis strategies for every public value of resocialize.

Every strategy draws valid values by construction: no filtering, no ``assume``.
Cases come from :func:`identify` followed by a random walk of accepted events,
so they replay to themselves and reach every state of the pathway::

    from hypothesis import given
    from resocialize.pathway import replay
    from resocialize.testing.strategies import cases

    @given(cases())
    def test_history_replays(case):
        assert replay(case.history) == case

Times are timezone-aware, with fixed offsets (UTC, +01:00 and +02:00 as in
Zagreb, +03:00 as in Moscow), between 2000 and 2100.
"""

from __future__ import annotations

import functools
import operator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Final, TypeVar

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from resocialize.facts import CenterStanding, CertificateStanding, ContractStanding, Facts
from resocialize.organizations import OwnershipForm
from resocialize.pathway import (
    DEFAULT_RULES,
    Case,
    Event,
    HistoryEntry,
    PathwayRules,
    Stage,
    State,
    advance,
    allowed_events,
    identify,
)
from resocialize.records import (
    CourtMeasure,
    CourtOrder,
    DiagnosisRecord,
    LabourOutcome,
    LabourResult,
    MedicalHelp,
    MedicalHelpKind,
    Opening,
    Origin,
    Placement,
    ProgramRecord,
    Record,
    Referral,
    ReferralSource,
)
from resocialize.rules import Decision, Detail, Reason

from ._money import amounts, currencies, money
from ._pathway import (
    EARLIEST,
    FACTS_CHOICES,
    FIRST_DAY,
    LATEST,
    PHRASES,
    STEP_CHOICES,
    ZONES,
    FactsChoices,
    base32,
    clamp_day,
    facts_from,
    next_time,
    seeded_facts_choices,
    step_actor,
    step_event,
    step_reason,
)
from ._people import (
    client_ids,
    co_dependents,
    identities,
    identity_documents,
    identity_reports,
    linkage_secrets,
    organization_ids,
    organizations,
    partners,
    reports_of,
)

__all__ = [
    "amounts",
    "aware_datetimes",
    "case_ids",
    "cases",
    "center_standings",
    "certificate_standings",
    "client_ids",
    "co_dependents",
    "contract_standings",
    "court_measures",
    "court_orders",
    "currencies",
    "dates",
    "decisions",
    "diagnosis_records",
    "events",
    "facts",
    "facts_for",
    "histories",
    "identities",
    "identity_documents",
    "identity_reports",
    "labour_outcomes",
    "labour_results",
    "linkage_secrets",
    "medical_help",
    "medical_help_kinds",
    "money",
    "openings",
    "organization_ids",
    "organizations",
    "origins",
    "ownership_forms",
    "partners",
    "pathway_rules",
    "placements",
    "program_records",
    "reasons",
    "records",
    "referral_sources",
    "referrals",
    "reports_of",
    "stages",
    "states",
]

_T = TypeVar("_T")

LAST_DAY: Final = LATEST.date()
"""The latest date drawn by default."""

_WALK_STARTS_BY: Final = datetime(2060, 1, 1, tzinfo=UTC)
"""Walks open by this time, so that a long one still fits before :data:`LATEST`."""

_CHART_EVENTS: Final = tuple(event for event in Event if event is not Event.IDENTIFY)

# --- small pieces -------------------------------------------------------------------------


@functools.cache
def _ids(prefix: str) -> st.SearchStrategy[str]:
    """Ids like ``center-4k2q``: one draw each, no whitespace, short."""
    return st.integers(0, 2**20 - 1).map(lambda n: f"{prefix}-{base32(n, 4)}")


def _texts(max_size: int = 40) -> st.SearchStrategy[str]:
    """Non-empty text that is not only whitespace, in any script."""
    head = st.characters(exclude_categories=("Cs", "Cc", "Z"))
    return st.builds(operator.add, head, st.text(max_size=max_size - 1))


def _notes() -> st.SearchStrategy[str | None]:
    """Mostly nothing; sometimes a short phrase (English, Russian, Croatian) or any text."""
    return st.one_of(st.none(), st.none(), st.sampled_from(PHRASES), _texts())


def _day_strategy(on: date | st.SearchStrategy[date] | None) -> st.SearchStrategy[date]:
    if on is None:
        return dates()
    if isinstance(on, st.SearchStrategy):
        return on
    if isinstance(on, datetime) or not isinstance(on, date):
        raise InvalidArgument(f"expected a date or a strategy of dates, not {on!r}")
    return st.just(on)


def _aware(name: str, value: object) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgument(f"{name} must be a timezone-aware datetime, not {value!r}")
    return value


def _in_zone(naive_utc: datetime, zone: tzinfo) -> datetime:
    return naive_utc.replace(tzinfo=UTC).astimezone(zone)


# --- times --------------------------------------------------------------------------------


def aware_datetimes(
    min_value: datetime = EARLIEST, max_value: datetime = LATEST
) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes between two aware bounds (2000 to 2100 by default).

    The offset is UTC, +01:00, +02:00 (Zagreb) or +03:00 (Moscow), always a fixed
    offset, so no local time is ambiguous or missing.
    """
    low = _aware("min_value", min_value)
    high = _aware("max_value", max_value)
    if low > high:
        raise InvalidArgument(f"min_value {low} is after max_value {high}")
    return st.builds(
        _in_zone,
        st.datetimes(
            low.astimezone(UTC).replace(tzinfo=None), high.astimezone(UTC).replace(tzinfo=None)
        ),
        st.sampled_from(ZONES),
    )


def dates(min_value: date = FIRST_DAY, max_value: date = LAST_DAY) -> st.SearchStrategy[date]:
    """Dates between the bounds (2000-01-01 to 2100-01-01 by default)."""
    return st.dates(min_value, max_value)


# --- reasons and decisions ----------------------------------------------------------------


def _codes() -> st.SearchStrategy[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_"
    first = st.builds(
        operator.add,
        st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
        st.text(alphabet, max_size=12),
    )
    rest = st.lists(st.text(alphabet, min_size=1, max_size=12), max_size=3)
    return st.builds(lambda a, b: ".".join([a, *b]), first, rest)


def _details() -> st.SearchStrategy[dict[str, Detail]]:
    scalar: st.SearchStrategy[Detail] = st.one_of(
        st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.text(max_size=20)
    )
    return st.dictionaries(st.text(max_size=12), scalar, max_size=3)


def reasons() -> st.SearchStrategy[Reason]:
    """Reasons with dotted lower-case codes, any non-blank message and JSON-scalar details."""
    return st.builds(Reason, _codes(), _texts(60), _details())


def decisions() -> st.SearchStrategy[Decision]:
    """Decisions, allowed (no reason) or refused with up to four reasons."""
    return st.lists(reasons(), max_size=4).map(lambda items: Decision(tuple(items)))


# --- enumerations -------------------------------------------------------------------------


def referral_sources() -> st.SearchStrategy[ReferralSource]:
    """Who identified the client (PW-01)."""
    return st.sampled_from(ReferralSource)


def origins() -> st.SearchStrategy[Origin]:
    """Where the client comes from (PW-14)."""
    return st.sampled_from(Origin)


def court_measures() -> st.SearchStrategy[CourtMeasure]:
    """What a court ordered."""
    return st.sampled_from(CourtMeasure)


def medical_help_kinds() -> st.SearchStrategy[MedicalHelpKind]:
    """Kinds of medical help at stage II."""
    return st.sampled_from(MedicalHelpKind)


def labour_outcomes() -> st.SearchStrategy[LabourOutcome]:
    """Outcomes of stage IV (PW-06)."""
    return st.sampled_from(LabourOutcome)


def ownership_forms() -> st.SearchStrategy[OwnershipForm]:
    """Forms of ownership of a center."""
    return st.sampled_from(OwnershipForm)


def states() -> st.SearchStrategy[State]:
    """Any state of the pathway."""
    return st.sampled_from(State)


def stages() -> st.SearchStrategy[Stage]:
    """Any of the five stages."""
    return st.sampled_from(Stage)


def events() -> st.SearchStrategy[Event]:
    """Any chart event (every :class:`Event` but ``IDENTIFY``, which only opens a case)."""
    return st.sampled_from(_CHART_EVENTS)


# --- records ------------------------------------------------------------------------------


def case_ids() -> st.SearchStrategy[str]:
    """Case ids like ``case-q3xa``."""
    return _ids("case")


def _client_ids() -> st.SearchStrategy[str]:
    # the shape of resocialize.people.new_client_id, "cl-" and 20 base32 characters,
    # in one draw (client_ids() draws each character: richer, but slower in walks)
    return st.binary(min_size=13, max_size=13).map(
        lambda raw: "cl-" + base32(int.from_bytes(raw, "big"), 20)
    )


def referrals(on: date | st.SearchStrategy[date] | None = None) -> st.SearchStrategy[Referral]:
    """Referrals (PW-01) made ``on`` a date (a fixed date, a strategy of dates, or any)."""
    return st.builds(
        Referral,
        source=referral_sources(),
        on=_day_strategy(on),
        department=_ids("dept"),
        referred_by=st.one_of(st.none(), _ids("org")),
        note=_notes(),
    )


def _references() -> st.SearchStrategy[str]:
    """Court case references like ``4-1234/2026``."""
    return st.builds(
        "{}-{}/{}".format, st.integers(1, 12), st.integers(1, 9999), st.integers(2000, 2100)
    )


def court_orders(
    issued_on: date | st.SearchStrategy[date] | None = None,
) -> st.SearchStrategy[CourtOrder]:
    """Court orders of treatment and rehabilitation (PW-11)."""
    return st.builds(
        CourtOrder,
        court_id=_ids("court"),
        reference=_references(),
        issued_on=_day_strategy(issued_on),
        measure=court_measures(),
    )


def openings() -> st.SearchStrategy[Opening]:
    """Opening records of cases, with or without a court order."""
    return st.builds(
        Opening,
        case_id=case_ids(),
        client_id=_client_ids(),
        origin=origins(),
        referral=referrals(),
        minor=st.booleans(),
        court_order=st.one_of(st.none(), court_orders()),
    )


def program_records() -> st.SearchStrategy[ProgramRecord]:
    """Records of an individual program (PW-04)."""
    return st.builds(ProgramRecord, _ids("program"))


def diagnosis_records() -> st.SearchStrategy[DiagnosisRecord]:
    """Records of a socio-psychological diagnosis (PW-03)."""
    return st.builds(DiagnosisRecord, _ids("assessment"))


def medical_help(
    on: date | st.SearchStrategy[date] | None = None,
) -> st.SearchStrategy[MedicalHelp]:
    """Medical help at stage II (PW-03), given ``on`` a date (fixed, a strategy, or any)."""
    return st.builds(
        MedicalHelp,
        kind=medical_help_kinds(),
        on=_day_strategy(on),
        provider_id=st.one_of(st.none(), _ids("clinic")),
    )


def placements() -> st.SearchStrategy[Placement]:
    """Placements in a center with a certificate and a social contract (PW-05)."""
    return st.builds(Placement, _ids("center"), _ids("certificate"), _ids("contract"))


def labour_results() -> st.SearchStrategy[LabourResult]:
    """Outcomes of stage IV as records (PW-06)."""
    return st.builds(LabourResult, labour_outcomes())


def records() -> st.SearchStrategy[Record]:
    """Any record kind a history entry may carry."""
    return st.one_of(
        openings(),
        referrals(),
        program_records(),
        diagnosis_records(),
        medical_help(),
        placements(),
        labour_results(),
    )


# --- standings and facts ------------------------------------------------------------------


def _fixed_or(value: _T | None, strategy: st.SearchStrategy[_T]) -> st.SearchStrategy[_T]:
    return strategy if value is None else st.just(value)


@st.composite
def _validity(draw: st.DrawFn, valid_on: date | None) -> tuple[date, date]:
    if valid_on is None:
        first, second = draw(dates()), draw(dates())
        return min(first, second), max(first, second)
    before = draw(st.integers(0, 365))
    after = draw(st.integers(0, 365))
    return valid_on - timedelta(days=before), valid_on + timedelta(days=after)


def certificate_standings(
    client_id: str | None = None,
    center_id: str | None = None,
    *,
    valid_on: date | None = None,
    active: bool | None = None,
) -> st.SearchStrategy[CertificateStanding]:
    """Certificate standings (CF-01, CF-04).

    ``client_id`` and ``center_id`` fix whose certificate it is and where it is
    placed (otherwise any client, and any center or none); ``valid_on`` makes it
    valid on that day; ``active`` fixes whether it is still active.
    """
    return st.builds(
        lambda cert_id, client, validity, center, is_active: CertificateStanding(
            cert_id, client, validity[0], validity[1], center, is_active
        ),
        _ids("certificate"),
        _fixed_or(client_id, _client_ids()),
        _validity(valid_on),
        st.just(center_id) if center_id is not None else st.one_of(st.none(), _ids("center")),
        _fixed_or(active, st.booleans()),
    )


def contract_standings(
    client_id: str | None = None,
    center_id: str | None = None,
    *,
    signed: bool | None = None,
) -> st.SearchStrategy[ContractStanding]:
    """Social contract standings (CF-02), for the client and center if given."""
    return st.builds(
        ContractStanding,
        contract_id=_ids("contract"),
        client_id=_fixed_or(client_id, _client_ids()),
        center_id=_fixed_or(center_id, _ids("center")),
        signed=_fixed_or(signed, st.booleans()),
    )


def center_standings(
    center_id: str | None = None,
    *,
    admitting: bool | None = None,
    ownership: OwnershipForm | None = None,
) -> st.SearchStrategy[CenterStanding]:
    """Center standings in the register (PW-05, RG-08).

    With ``admitting=True`` the center is in the register, qualified, runs a
    stage III program and has a free place; otherwise each is drawn.
    """
    flag = st.just(True) if admitting else st.booleans()
    places = st.integers(1, 200) if admitting else st.integers(0, 200)
    return st.builds(
        CenterStanding,
        center_id=_fixed_or(center_id, _ids("center")),
        in_register=flag,
        qualified=flag,
        runs_stage_iii_program=flag,
        free_places=places,
        ownership=_fixed_or(ownership, ownership_forms()),
    )


def facts() -> st.SearchStrategy[Facts]:
    """Arbitrary facts: each field absent or any valid value, unrelated to each other."""
    return st.builds(
        Facts,
        referral=st.one_of(st.none(), referrals()),
        program_id=st.one_of(st.none(), _ids("program")),
        assessment_id=st.one_of(st.none(), _ids("assessment")),
        medical_help=st.one_of(st.none(), medical_help()),
        certificate=st.one_of(st.none(), certificate_standings()),
        contract=st.one_of(st.none(), contract_standings()),
        center=st.one_of(st.none(), center_standings()),
        labour_outcome=st.one_of(st.none(), labour_outcomes()),
    )


def facts_for(
    case: Case, at: datetime, *, rules: PathwayRules = DEFAULT_RULES
) -> st.SearchStrategy[Facts]:
    """Facts for the events possible from ``case.state`` at ``at``, sometimes satisfying.

    Each field an event there reads is supplied three times in four. For
    admission and transfer the certificate, contract and center match the client
    and a new center half of the time; otherwise one to three things go wrong
    (another client, not yet valid, expired, inactive, not placed or placed
    elsewhere, unsigned or another center's contract, a center not in the
    register, unqualified, without a stage III program or a free place, a
    non-state center for a minor, the same center for a transfer, or a standing
    missing). Fields no possible event reads stay ``None``.
    """
    if not isinstance(case, Case):
        raise InvalidArgument(f"case must be a Case, not {case!r}")
    _aware("at", at)
    if not isinstance(rules, PathwayRules):
        raise InvalidArgument(f"rules must be PathwayRules, not {rules!r}")

    def made(choices: FactsChoices) -> Facts:
        return facts_from(choices, case, at, rules)

    return FACTS_CHOICES.map(made)


# --- cases --------------------------------------------------------------------------------


def pathway_rules() -> st.SearchStrategy[PathwayRules]:
    """A region's pathway settings: 1-120 months to sustained remission, minors' rule on or off."""
    return st.builds(
        PathwayRules,
        remission_months=st.integers(1, 120),
        minors_in_state_centers_only=st.booleans(),
    )


@st.composite
def _walk(draw: st.DrawFn, max_events: int, rules: PathwayRules, client_id: str | None) -> Case:
    start = draw(_STARTS)
    day = start.date()

    def earlier() -> date:  # up to a year before the case opens
        return clamp_day(day - timedelta(days=draw(_YEAR)), FIRST_DAY, day)

    referral = Referral(
        draw(_SOURCES), earlier(), draw(_ids("dept")), draw(_REFERRERS), draw(_NOTES)
    )
    court_order = None
    if draw(_QUARTER):
        court_order = CourtOrder(draw(_ids("court")), draw(_REFERENCES), earlier(), draw(_MEASURES))
    case = identify(
        draw(_ids("case")),
        client_id if client_id is not None else draw(_CLIENT_IDS),
        referral=referral,
        origin=draw(_ORIGINS),
        at=start,
        by=draw(_ids("officer")),
        minor=draw(_QUARTER),
        court_order=court_order,
        reason=draw(_NOTES),
    )
    for _ in range(max_events):
        # like st.lists: each step is one span, a flag (0: stop here, which the
        # shrinker likes) and choices of a fixed shape, whatever the state
        go_on, choices = draw(_STEPS)
        if case.closed or not go_on:
            break
        at = next_time(choices, case, rules)
        facts = facts_from(seeded_facts_choices(choices.seed), case, at, rules)
        event = step_event(choices, case, allowed_events(case, facts, at=at, rules=rules))
        if event is None:
            break
        case = advance(
            case,
            event,
            at=at,
            by=step_actor(choices),
            facts=facts,
            reason=step_reason(choices),
            rules=rules,
        ).case
    return case


def cases(
    max_events: int = 30,
    rules: PathwayRules | None = None,
    *,
    client_id: str | None = None,
) -> st.SearchStrategy[Case]:
    """Valid cases: opened by :func:`identify`, then up to ``max_events`` accepted events.

    Each step draws a time not before the last event (minutes to months later;
    in patronage often the day sustained remission falls due), facts as
    :func:`facts_for` makes them (sometimes satisfying, sometimes not), and one
    of :func:`allowed_events` (forward events more often, closing ones rarely),
    and applies it with :func:`advance`. Walks reach every state, sustained
    remission, custody, pre-release and death included. ``rules`` are the
    region's settings the walk obeys (the defaults when ``None``); ``client_id``
    fixes the client.

    Walks shrink towards the main road (identification, motivation, treatment,
    consent, program, admission, stages IV and V), though slowly: allow a minute
    or so when a test fails.
    """
    if isinstance(max_events, bool) or not isinstance(max_events, int) or max_events < 0:
        raise InvalidArgument(f"max_events must be a non-negative integer, not {max_events!r}")
    if rules is not None and not isinstance(rules, PathwayRules):
        raise InvalidArgument(f"rules must be PathwayRules or None, not {rules!r}")
    return _walk(max_events, DEFAULT_RULES if rules is None else rules, client_id)


def histories(
    max_events: int = 30, rules: PathwayRules | None = None
) -> st.SearchStrategy[tuple[HistoryEntry, ...]]:
    """Histories of valid cases: each replays to the case it was recorded on (PW-12)."""
    return cases(max_events, rules).map(lambda case: case.history)


# --- strategies built once, for the walks -------------------------------------------------

_STARTS: Final = aware_datetimes(max_value=_WALK_STARTS_BY)
_CLIENT_IDS: Final = _client_ids()
_ORIGINS: Final = origins()
_SOURCES: Final = referral_sources()
_MEASURES: Final = court_measures()
_REFERRERS: Final = st.one_of(st.none(), _ids("org"))
_REFERENCES: Final = _references()
_YEAR: Final = st.integers(0, 365)
_NOTES: Final = _notes()
_QUARTER: Final = st.integers(0, 3).map(lambda n: n == 3)
_STEPS: Final = st.tuples(st.integers(0, 63), STEP_CHOICES)

# Centers and the registers. Imported last: the register strategies build on the
# referral strategy defined above.
from ._centers import (  # noqa: E402
    center_ids,
    centers,
    certifications,
    findings,
    inspections,
    licences,
    programs,
    staff,
)
from ._funding import (  # noqa: E402
    accounts,
    certificate_books,
    certificate_changes,
    certificates,
    claims,
    client_standings,
    dropout_rules,
    funding_sources,
    fundings,
    ledgers,
    milestones_reached,
    parties,
    payments,
    per_diem_schedules,
    postings,
    report_rows,
    signatures,
    social_contracts,
    tariffs,
    terminations,
    tranche_schedules,
    tranches,
    transactions,
)
from ._monitoring import (  # noqa: E402
    audit_findings,
    audits,
    complaints,
    cost_effectiveness_rows,
    quality_records,
    quality_summaries,
    quality_thresholds,
)
from ._register import (  # noqa: E402
    center_registers,
    client_registers,
    criterion_outcomes,
    qualification_results,
)

__all__ += [
    "accounts",
    "center_ids",
    "center_registers",
    "centers",
    "certificate_books",
    "certificate_changes",
    "certificates",
    "certifications",
    "claims",
    "client_registers",
    "client_standings",
    "criterion_outcomes",
    "dropout_rules",
    "findings",
    "funding_sources",
    "inspections",
    "ledgers",
    "licences",
    "milestones_reached",
    "parties",
    "payments",
    "per_diem_schedules",
    "postings",
    "programs",
    "qualification_results",
    "report_rows",
    "signatures",
    "social_contracts",
    "staff",
    "tariffs",
    "terminations",
    "tranche_schedules",
    "tranches",
    "transactions",
]
__all__ += ["fundings"]
__all__ += [
    "audit_findings",
    "audits",
    "complaints",
    "cost_effectiveness_rows",
    "quality_records",
    "quality_summaries",
    "quality_thresholds",
]

# Planning: assessment, catalog, programs and reviews, labour reintegration.
from ._assessment import (  # noqa: E402
    assessments,
    instruments,
    recovery_capitals,
    scales,
    scores_for,
    stages_of_change,
)
from ._catalog import catalogs, intervention_codes, interventions  # noqa: E402
from ._labour import (  # noqa: E402
    employer_incentives,
    enrolments,
    job_quotas,
    labour_profiles,
    vacancies,
    vacancy_reserves,
)
from ._planning import (  # noqa: E402
    individual_programs,
    planned_programs,
    program_files,
    situations,
    templates,
    templates_for,
)

__all__ += [
    "assessments",
    "catalogs",
    "employer_incentives",
    "enrolments",
    "individual_programs",
    "instruments",
    "intervention_codes",
    "interventions",
    "job_quotas",
    "labour_profiles",
    "planned_programs",
    "program_files",
    "recovery_capitals",
    "scales",
    "scores_for",
    "situations",
    "stages_of_change",
    "templates",
    "templates_for",
    "vacancies",
    "vacancy_reserves",
]

# Monitoring and reports: follow-ups, indicators, spending, disclosure control.
from ._disclosure import count_tables, disclosure_policies, suppressed_tables  # noqa: E402
from ._followups import (  # noqa: E402
    follow_up_outcomes,
    follow_up_records,
    follow_up_records_for,
    follow_up_rules,
)
from ._indicators import (  # noqa: E402
    case_attributes,
    case_lists,
    cases_with_periods,
    indicator_tables,
    periods,
    spending_tables,
)

__all__ += [
    "case_attributes",
    "case_lists",
    "cases_with_periods",
    "count_tables",
    "disclosure_policies",
    "follow_up_outcomes",
    "follow_up_records",
    "follow_up_records_for",
    "follow_up_rules",
    "indicator_tables",
    "periods",
    "spending_tables",
    "suppressed_tables",
]

# Access: actors, targets and policies.
from ._access import actors, policies, targets  # noqa: E402

__all__ += ["actors", "policies", "targets"]

# The journal.
from ._journal import case_journals, journal_entries, journals  # noqa: E402

__all__ += ["case_journals", "journal_entries", "journals"]
