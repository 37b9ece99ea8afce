"""Private helpers of the pathway strategies: ids, times, event weights, mismatches,
and the fixed-shape choices a random walk draws at each step.

A step of a walk draws the same choices whatever the state (:class:`StepChoices`),
and plain functions here turn them into a time, facts and an event. Keeping the
shape fixed lets Hypothesis shrink a walk step by step: changing one step leaves
the choices of the later steps where they were.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Final, NamedTuple

import attrs
from hypothesis import strategies as st

from resocialize.facts import CenterStanding, CertificateStanding, ContractStanding, Facts
from resocialize.guards import add_months
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Case, Event, PathwayRules, State, pathway_table
from resocialize.records import (
    LabourOutcome,
    MedicalHelp,
    MedicalHelpKind,
    Referral,
    ReferralSource,
)

__all__ = [
    "EARLIEST",
    "EVENT_WEIGHTS",
    "FACTS_CHOICES",
    "FIRST_DAY",
    "LATEST",
    "MISMATCHES",
    "PHRASES",
    "STEP_CHOICES",
    "ZONES",
    "FactsChoices",
    "Mismatch",
    "StepChoices",
    "base32",
    "clamp_day",
    "facts_from",
    "next_time",
    "seeded_facts_choices",
    "step_actor",
    "step_event",
    "step_reason",
    "weighted_events",
]

EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
"""The earliest instant the strategies draw by default."""

LATEST: Final = datetime(2100, 1, 1, tzinfo=UTC)
"""The latest instant the strategies draw by default (walks never go past it)."""

FIRST_DAY: Final = EARLIEST.date()
"""The earliest date drawn by default."""

ZONES: Final[tuple[timezone, ...]] = (
    UTC,
    timezone(timedelta(hours=1)),  # Zagreb in winter, as a fixed offset
    timezone(timedelta(hours=2)),  # Zagreb in summer
    timezone(timedelta(hours=3)),  # Moscow
)
"""Fixed offsets only: no zoneinfo, so no ambiguous or missing local times.

All offsets are non-negative, so the local date of an instant on or after
:data:`EARLIEST` is never before 1 January 2000."""

_BASE32: Final = "abcdefghijklmnopqrstuvwxyz234567"


def base32(number: int, width: int) -> str:
    """``number`` written with ``width`` lower-case base32 characters (as client ids are)."""
    return "".join(_BASE32[(number >> (5 * i)) & 31] for i in reversed(range(width)))


def clamp_day(day: date, low: date, high: date) -> date:
    """``day`` moved into ``[low, high]``."""
    return max(low, min(day, high))


_FORWARD: Final = 60
_RECORDING: Final = 6
_ASIDE: Final = 3
_CLOSING: Final = 1

EVENT_WEIGHTS: Final[Mapping[Event, int]] = {
    # forward along stages I-V, and out of custody
    Event.ENGAGE: _FORWARD,
    Event.START_TREATMENT: _FORWARD,
    Event.GIVE_CONSENT: _FORWARD,
    Event.RECORD_PROGRAM: _FORWARD,
    Event.ADMIT: _FORWARD,
    Event.ENTER_RESOCIALIZATION: _FORWARD,
    Event.COMPLETE_REHABILITATION: _FORWARD,
    Event.COMPLETE_RESOCIALIZATION: _FORWARD,
    Event.ACHIEVE_REMISSION: _FORWARD,
    Event.PREPARE_RELEASE: _FORWARD,
    # recording something, the state stays
    Event.RECORD_DIAGNOSIS: _RECORDING,
    Event.RECORD_MEDICAL_HELP: _RECORDING,
    Event.REFER: _RECORDING,
    Event.TRANSFER: _RECORDING,
    # off the road, or out of it for good
    Event.REFUSE: _ASIDE,
    Event.WITHDRAW_CONSENT: _ASIDE,
    Event.RELAPSE: _ASIDE,
    Event.DROP_OUT: _ASIDE,
    Event.DETAIN: _ASIDE,
    Event.MOVE_AWAY: _CLOSING,
    Event.RECORD_DEATH: _CLOSING,
}
"""How often a random walk picks each allowed event, relative to the others.

Forward events weigh most so that walks of a few dozen events reach the later
stages, and the events that close a case least; every allowed event keeps a chance."""


_RANK: Final = {_FORWARD: 0, _CLOSING: 1, _ASIDE: 2, _RECORDING: 3}
_OPEN_SLOTS: Final = 100
"""Events that keep the case open take at least this many slots, closing ones one each."""


def weighted_events(case: Case, allowed: tuple[Event, ...]) -> tuple[Event, ...]:
    """``allowed`` with each event repeated by its weight: forward events first (so that a
    walk shrinks towards the main road), recording ones last (so that the largest pick,
    which Hypothesis favours, changes little), chart order among equals.

    Events that keep the case open are repeated more where few are allowed, so that
    closing it (moving away, death) stays rare in every state. Recording a program
    again is no step forward, so it weighs as any recording."""

    def weight(event: Event) -> int:
        if event is Event.RECORD_PROGRAM and case.program_id is not None:
            return _RECORDING
        return EVENT_WEIGHTS.get(event, _ASIDE)

    ordered = sorted(allowed, key=lambda event: _RANK[weight(event)])
    open_weight = sum(weight(event) for event in allowed if weight(event) != _CLOSING)
    scale = -(-_OPEN_SLOTS // open_weight) if open_weight else 1
    return tuple(
        event
        for event in ordered
        for _ in range(weight(event) if weight(event) == _CLOSING else scale * weight(event))
    )


# --- ways admission facts can fail -------------------------------------------------------

Mismatch = Callable[[Facts, Case, datetime], Facts]
"""Turns satisfying admission facts into (usually) unsatisfying ones."""


def _cert(facts: Facts) -> CertificateStanding:
    assert facts.certificate is not None
    return facts.certificate


def _contract(facts: Facts) -> ContractStanding:
    assert facts.contract is not None
    return facts.contract


def _center(facts: Facts) -> CenterStanding:
    assert facts.center is not None
    return facts.center


def _other(value: str) -> str:
    return value + "-other"


def _cert_other_client(facts: Facts, case: Case, at: datetime) -> Facts:
    cert = _cert(facts)
    return attrs.evolve(facts, certificate=attrs.evolve(cert, client_id=_other(case.client_id)))


def _cert_inactive(facts: Facts, case: Case, at: datetime) -> Facts:
    return attrs.evolve(facts, certificate=attrs.evolve(_cert(facts), active=False))


def _cert_not_yet_valid(facts: Facts, case: Case, at: datetime) -> Facts:
    cert = _cert(facts)
    start = at.date() + timedelta(days=1)
    certificate = attrs.evolve(cert, valid_from=start, valid_until=max(start, cert.valid_until))
    return attrs.evolve(facts, certificate=certificate)


def _cert_expired(facts: Facts, case: Case, at: datetime) -> Facts:
    cert = _cert(facts)
    end = at.date() - timedelta(days=1)
    certificate = attrs.evolve(cert, valid_from=min(end, cert.valid_from), valid_until=end)
    return attrs.evolve(facts, certificate=certificate)


def _cert_not_placed(facts: Facts, case: Case, at: datetime) -> Facts:
    return attrs.evolve(facts, certificate=attrs.evolve(_cert(facts), center_id=None))


def _cert_placed_elsewhere(facts: Facts, case: Case, at: datetime) -> Facts:
    certificate = attrs.evolve(_cert(facts), center_id=_other(_center(facts).center_id))
    return attrs.evolve(facts, certificate=certificate)


def _contract_other_client(facts: Facts, case: Case, at: datetime) -> Facts:
    contract = attrs.evolve(_contract(facts), client_id=_other(case.client_id))
    return attrs.evolve(facts, contract=contract)


def _contract_other_center(facts: Facts, case: Case, at: datetime) -> Facts:
    contract = attrs.evolve(_contract(facts), center_id=_other(_center(facts).center_id))
    return attrs.evolve(facts, contract=contract)


def _contract_unsigned(facts: Facts, case: Case, at: datetime) -> Facts:
    return attrs.evolve(facts, contract=attrs.evolve(_contract(facts), signed=False))


def _center_not_in_register(facts: Facts, case: Case, at: datetime) -> Facts:
    return attrs.evolve(facts, center=attrs.evolve(_center(facts), in_register=False))


def _center_not_qualified(facts: Facts, case: Case, at: datetime) -> Facts:
    return attrs.evolve(facts, center=attrs.evolve(_center(facts), qualified=False))


def _center_without_program(facts: Facts, case: Case, at: datetime) -> Facts:
    return attrs.evolve(facts, center=attrs.evolve(_center(facts), runs_stage_iii_program=False))


def _center_full(facts: Facts, case: Case, at: datetime) -> Facts:
    return attrs.evolve(facts, center=attrs.evolve(_center(facts), free_places=0))


def _center_not_state(facts: Facts, case: Case, at: datetime) -> Facts:
    # refused only for a minor under rules that keep minors in state centers (PW-10)
    center = attrs.evolve(_center(facts), ownership=OwnershipForm.NON_GOVERNMENTAL)
    return attrs.evolve(facts, center=center)


def _same_center(facts: Facts, case: Case, at: datetime) -> Facts:
    # refused only for a transfer (CF-03); a case not yet placed keeps its facts
    if case.center_id is None:
        return facts
    here = case.center_id
    return attrs.evolve(
        facts,
        center=attrs.evolve(_center(facts), center_id=here),
        certificate=attrs.evolve(_cert(facts), center_id=here),
        contract=attrs.evolve(_contract(facts), center_id=here),
    )


def _no_certificate(facts: Facts, case: Case, at: datetime) -> Facts:
    return attrs.evolve(facts, certificate=None)


def _no_contract(facts: Facts, case: Case, at: datetime) -> Facts:
    return attrs.evolve(facts, contract=None)


def _no_center(facts: Facts, case: Case, at: datetime) -> Facts:
    return attrs.evolve(facts, center=None)


MISMATCHES: Final[tuple[Mismatch, ...]] = (
    _cert_other_client,
    _cert_inactive,
    _cert_not_yet_valid,
    _cert_expired,
    _cert_not_placed,
    _cert_placed_elsewhere,
    _contract_other_client,
    _contract_other_center,
    _contract_unsigned,
    _center_not_in_register,
    _center_not_qualified,
    _center_without_program,
    _center_full,
    _center_not_state,
    _same_center,
    _no_certificate,
    _no_contract,
    _no_center,
)
"""Each way admission facts may miss; applied in this order, so that the
``None``-making ones come last and the others always find their standing."""


# --- the choices of one step ---------------------------------------------------------------

PHRASES: Final = (
    "at the client's request",
    "court decision",
    "по заявлению клиента",
    "решение суда",
    "na zahtjev klijenta",
    "odluka suda",
)
"""Reasons written on history entries (English, Russian, Croatian)."""

_SOURCES: Final = tuple(ReferralSource)
_KINDS: Final = tuple(MedicalHelpKind)
_OUTCOMES: Final = tuple(LabourOutcome)
_OWNERSHIP: Final = tuple(OwnershipForm)
_ID_SPACE: Final = 2**20
"""Four base32 characters."""


class FactsChoices(NamedTuple):
    """Every choice that makes up the facts of one step; fields no possible event reads
    are drawn all the same (and ignored), so the shape never changes.

    Zero is the simplest choice of each and gives satisfying facts."""

    referral: int  # 3 of 4 present
    source: int
    referral_days: int
    department: int
    program: int  # 3 of 4 present, id from the rest
    assessment: int  # as program
    medical: int  # 3 of 4 present
    medical_kind: int
    medical_days: int
    labour: int  # 3 of 4 present, outcome from the rest
    center: int
    places: int
    ownership: int
    valid_before: int
    valid_after: int
    mismatch: int  # 0: the admission facts match; 1: one to three things go wrong
    first_pick: int
    second_pick: int  # len(MISMATCHES): none
    third_pick: int  # len(MISMATCHES): none


_FACT_SIZES: Final = FactsChoices(
    referral=4,
    source=len(_SOURCES),
    referral_days=91,
    department=_ID_SPACE,
    program=4 * _ID_SPACE,
    assessment=4 * _ID_SPACE,
    medical=4,
    medical_kind=len(_KINDS),
    medical_days=91,
    labour=4 * len(_OUTCOMES),
    center=_ID_SPACE,
    places=200,
    ownership=len(_OWNERSHIP),
    valid_before=366,
    valid_after=366,
    mismatch=2,
    first_pick=len(MISMATCHES),
    second_pick=len(MISMATCHES) + 1,
    third_pick=len(MISMATCHES) + 1,
)
"""How many values each choice of :class:`FactsChoices` has."""

_SIMPLEST_FACTS: Final = FactsChoices(*(0 for _ in _FACT_SIZES))

FACTS_CHOICES: Final = st.builds(FactsChoices, *(st.integers(0, size - 1) for size in _FACT_SIZES))
"""The choices of :class:`FactsChoices`, each drawn by Hypothesis (for :func:`facts_for`)."""


def seeded_facts_choices(seed: int) -> FactsChoices:
    """Facts choices made from one number: the simplest for 0, else pseudo-random.

    A walk draws this one number per step instead of every choice, so that a step
    costs few draws and the shrinker has few choices to work through; shrinking the
    seed to 0 makes the step's facts satisfying.
    """
    if seed == 0:
        return _SIMPLEST_FACTS
    rng = random.Random(seed)
    return FactsChoices(*(rng.randrange(size) for size in _FACT_SIZES))


class StepChoices(NamedTuple):
    """The choices of one step of a walk: when, which event, and a seed for the rest."""

    when: int
    """Zone, scale of the gap (minutes, days, months) and, in patronage, whether to jump
    to the day remission falls due; see :func:`next_time`."""
    amount: int
    """How long the gap is, in the unit of its scale."""
    event: int
    """Which of the weighted allowed events, scaled from 0-255 (0: the first)."""
    seed: int
    """The facts, the actor and the reason: see :func:`seeded_facts_choices`."""


_WHEN_SIZE: Final = len(ZONES) * 3 * 2
_EVENT_SIZE: Final = 256
"""At most 256 values, so that Hypothesis draws the pick uniformly."""

STEP_CHOICES: Final = st.builds(
    StepChoices,
    when=st.integers(0, _WHEN_SIZE - 1),
    amount=st.integers(0, 2**20 - 1),
    event=st.integers(0, _EVENT_SIZE - 1),
    seed=st.integers(0, 2**32 - 1),
)
"""The choices of :class:`StepChoices`, drawn as one span."""


def _id(prefix: str, number: int) -> str:
    return f"{prefix}-{base32(number % _ID_SPACE, 4)}"


def _present(choice: int) -> bool:
    return choice % 4 != 3


def _days_before(day: date, days: int) -> date:
    return clamp_day(day - timedelta(days=days), FIRST_DAY, day)


def _admission(c: FactsChoices, case: Case, at: datetime, rules: PathwayRules) -> Facts:
    key = base32(c.center, 4)
    center_id = f"center-{key}"
    if center_id == case.center_id:  # a transfer must go elsewhere
        center_id += "-b"
    serial = f"{key}-{case.version}"
    for_minor = case.minor and rules.minors_in_state_centers_only
    day = at.date()
    center = CenterStanding(
        center_id,
        in_register=True,
        qualified=True,
        runs_stage_iii_program=True,
        free_places=1 + c.places,
        ownership=OwnershipForm.STATE if for_minor else _OWNERSHIP[c.ownership],
    )
    certificate = CertificateStanding(
        f"certificate-{serial}",
        case.client_id,
        day - timedelta(days=c.valid_before),
        day + timedelta(days=c.valid_after),
        center_id,
    )
    contract = ContractStanding(f"contract-{serial}", case.client_id, center_id, signed=True)
    facts = Facts(certificate=certificate, contract=contract, center=center)
    if not c.mismatch:
        return facts
    picks = {c.first_pick, c.second_pick, c.third_pick} - {len(MISMATCHES)}
    for index in sorted(picks):
        facts = MISMATCHES[index](facts, case, at)
    return facts


def facts_from(c: FactsChoices, case: Case, at: datetime, rules: PathwayRules) -> Facts:
    """The facts the choices make for the events possible from ``case.state`` at ``at``.

    Each field an event there reads is present three times in four; admission facts
    match half of the time; fields no possible event reads stay ``None``.
    """
    possible = pathway_table().events_from(case.state)
    day = at.date()
    admission = Facts()
    if Event.ADMIT in possible or Event.TRANSFER in possible:
        admission = _admission(c, case, at, rules)
    referral = None
    if Event.REFER in possible and _present(c.referral):
        referral = Referral(
            _SOURCES[c.source],
            _days_before(day, c.referral_days),
            _id("dept", c.department),
        )
    help_given = None
    if Event.RECORD_MEDICAL_HELP in possible and _present(c.medical):
        help_given = MedicalHelp(_KINDS[c.medical_kind], _days_before(day, c.medical_days))
    program_id = None
    if Event.RECORD_PROGRAM in possible and _present(c.program):
        program_id = _id("program", c.program // 4)
    assessment_id = None
    if Event.RECORD_DIAGNOSIS in possible and _present(c.assessment):
        assessment_id = _id("assessment", c.assessment // 4)
    outcome = None
    if Event.COMPLETE_RESOCIALIZATION in possible and _present(c.labour):
        outcome = _OUTCOMES[c.labour // 4]
    return Facts(
        referral=referral,
        program_id=program_id,
        assessment_id=assessment_id,
        medical_help=help_given,
        certificate=admission.certificate,
        contract=admission.contract,
        center=admission.center,
        labour_outcome=outcome,
    )


def next_time(c: StepChoices, case: Case, rules: PathwayRules) -> datetime:
    """A time not before the case's last event: minutes, days or months later, or, in
    patronage, half of the time on the day sustained remission falls due. Never after
    :data:`LATEST` (unless the last event is)."""
    last = case.history[-1].at
    rest, jump = divmod(c.when, 2)
    zone_index, scale = divmod(rest, 3)
    zone = ZONES[zone_index]
    if case.state is State.PATRONAGE and jump == 0:
        due = add_months(case.since.date(), rules.remission_months)
        start_of_day = datetime.combine(due, time(), tzinfo=zone)
        at = max(last, start_of_day + timedelta(minutes=c.amount % (24 * 60)))
    else:
        if scale == 0:
            gap = timedelta(minutes=c.amount % (12 * 60 + 1))
        elif scale == 1:
            gap = timedelta(days=1 + c.amount % 60, minutes=(c.amount // 60) % (24 * 60))
        else:
            gap = timedelta(days=30 + c.amount % 511)
        at = last + gap
    if at > LATEST:
        at = max(last, LATEST)
    return at.astimezone(zone)


def step_event(c: StepChoices, case: Case, allowed: tuple[Event, ...]) -> Event | None:
    """The event the choices pick among ``allowed`` (weighted), or None if none is."""
    weighted = weighted_events(case, allowed)
    return weighted[c.event * len(weighted) // _EVENT_SIZE] if weighted else None


def step_actor(c: StepChoices) -> str:
    """Who records the step."""
    return _id("officer", c.seed)


def step_reason(c: StepChoices) -> str | None:
    """The reason written on the entry: none half of the time."""
    choice = (c.seed >> 20) % (2 * len(PHRASES))
    return PHRASES[choice - len(PHRASES)] if choice >= len(PHRASES) else None
