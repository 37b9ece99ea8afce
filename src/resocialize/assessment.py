"""Diagnostic assessment of rehabilitation potential across life domains (PL-01).

The socio-psychological diagnosis of stage II (seed 002: "diagnostic assessment
of rehabilitation potential to choose the optimal program") rates a client's need
for help in each :class:`LifeDomain` with an :class:`Instrument`: items, each in
one domain and rated on a stated :class:`Scale` where a higher score means more
need. Instruments are data: :func:`default_instrument` is the open default shipped
with the package (one item per domain, rated 0-4); a region that holds a licence
for a validated instrument defines it from its own copy in TOML or JSON and reads
it with :func:`load_instrument` (the library ships no licensed content).

An :class:`Assessment` holds the scores, the client's :class:`StageOfChange` and
:class:`RecoveryCapital`. From it:

- :func:`domain_needs`: the :class:`Need` of each domain the instrument covers,
  the **highest** need among the domain's items (never an average);
- :func:`findings`: one :class:`Finding` per domain with some need, saying which
  items set it;
- :func:`rehabilitation_potential`: the :class:`PotentialLevel` with its reasons.

**The rule of the potential** (in the manner of the ASAM Criteria, where the
dimension of highest risk decides): every rule below may *cap* the level, and
the level is the **lowest** cap any rule sets, never an average, so one critical
domain is never averaged away by good scores elsewhere:

- each domain of CRITICAL need caps it at LOW (``potential.critical_domain``,
  one reason per domain, with the items that set it);
- precontemplation (the client does not consider change) caps it at LOW
  (``potential.not_ready``); contemplation at MODERATE (``potential.contemplating``);
- :attr:`PotentialRules.high_needs_for_moderate` or more domains of HIGH or
  CRITICAL need cap it at MODERATE (``potential.many_high_needs``);
- recovery capital below :attr:`PotentialRules.capital_for_low` caps it at LOW
  (``potential.very_weak_capital``), below
  :attr:`PotentialRules.capital_for_moderate` at MODERATE (``potential.weak_capital``).

Each capping reason carries the level it caps at in ``details["cap"]``. When
no rule caps it, the level is HIGH and the reasons say why it stands
(``potential.ready``, ``potential.capital``, ``potential.needs_manageable``).

>>> from datetime import date
>>> from resocialize.assessment import (
...     Assessment, LifeDomain, RecoveryCapital, StageOfChange, default_instrument,
...     domain_needs, findings, rehabilitation_potential,
... )
>>> tool = default_instrument()
>>> scores = {item.code: 1 for item in tool.items} | {"housing": 4, "work": 3}
>>> a = Assessment("as-1", "cl-7", tool, scores, "psy-2", date(2026, 3, 2),
...                StageOfChange.PREPARATION, RecoveryCapital(6, 5, 4, 5))
>>> domain_needs(a)[LifeDomain.WORK].name
'HIGH'
>>> [f.message for f in findings(a)][5:7]
['housing: critical need (item housing scored 4 of 0-4)',
 'legal: low need (item legal scored 1 of 0-4)']
>>> potential = rehabilitation_potential(a)
>>> potential.level.value, potential.driver.value
('low', 'housing')
>>> [r.code for r in potential.reasons]
['potential.critical_domain']

With housing found, the same client's potential is high, and the reasons say why:

>>> found = Assessment("as-2", "cl-7", tool, scores | {"housing": 1}, "psy-2",
...                    date(2026, 6, 1), StageOfChange.ACTION, RecoveryCapital(6, 5, 4, 5))
>>> potential = rehabilitation_potential(found)
>>> potential.level.value, potential.driver.value
('high', 'work')
>>> [r.code for r in potential.reasons]
['potential.ready', 'potential.capital', 'potential.needs_manageable']

Bad scores are refused all at once, each with its path and the stated scale:

>>> Assessment("as-1", "cl-7", tool, scores | {"work": 5, "sleep": 2}, " ",
...            date(2026, 3, 2), StageOfChange.PREPARATION, RecoveryCapital(6, 5, 4, 5))
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: assessor: must not contain whitespace;
scores.work: 5 is outside the scale 0-4 of item work;
scores.sleep: instrument 'resocialize-domains' has no item 'sleep'; its items: health, ...
"""

from __future__ import annotations

import bisect
import enum
import functools
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from importlib import resources
from types import MappingProxyType
from typing import Final, Literal

import attrs

from . import _documents
from ._checks import (
    Checked,
    Problems,
    checked,
    date_problem,
    id_problem,
    instance_problem,
    kind_of,
    member_problem,
    optional,
    text_problem,
)
from .errors import FieldProblem, ValidationError
from .rules import Reason

__all__ = [
    "CAPITAL_MAX",
    "DEFAULT_POTENTIAL_RULES",
    "Assessment",
    "Finding",
    "Instrument",
    "Item",
    "LifeDomain",
    "Need",
    "PotentialLevel",
    "PotentialRules",
    "RecoveryCapital",
    "RehabilitationPotential",
    "Scale",
    "StageOfChange",
    "critical_domains",
    "default_instrument",
    "domain_needs",
    "findings",
    "instrument_from_json",
    "instrument_from_toml",
    "instrument_to_json",
    "load_instrument",
    "rehabilitation_potential",
]


# --- vocabularies --------------------------------------------------------------------------


class LifeDomain(enum.StrEnum):
    """The life domains an assessment rates; the order of declaration is the canonical
    order everywhere (findings, needs, reasons)."""

    HEALTH = "health"
    """Physical and mental health: withdrawal, illness, comorbid disorders, medical care."""
    MOTIVATION = "motivation"
    """Readiness to change and to take part in a program."""
    FAMILY = "family"
    """Family relations, co-dependent relatives, children."""
    RELATIONSHIPS = "relationships"
    """Friends and partner."""
    LEISURE = "leisure"
    """A drug-free social network and free time: sport, culture, volunteering, support groups."""
    HOUSING = "housing"
    """A safe and stable place to live."""
    LEGAL = "legal"
    """Documents and legal status: identity papers, court cases, social rights."""
    EDUCATION = "education"
    """Schooling, vocational qualification, further study."""
    WORK = "work"
    """Work skills and history, employment."""
    MONEY = "money"
    """Money management: income, debts, spending."""


class Need(enum.IntEnum):
    """How much help a client needs in a domain; ordered, so needs compare."""

    NONE = 0
    LOW = 1
    MODERATE = 2
    HIGH = 3
    CRITICAL = 4


_NEEDS: Final = tuple(Need)
"""The needs by value: a score's need is ``_NEEDS[number of cuts reached]``."""
_HIGH: Final = Need.HIGH
_CRITICAL: Final = Need.CRITICAL
_NEED_WORDS: Final = ("no", "low", "moderate", "high", "critical")
"""How a message names each need, by its value."""
_FINDING_CODES: Final = {domain: f"finding.{domain.value}" for domain in LifeDomain}


class StageOfChange(enum.StrEnum):
    """The client's readiness to change, after the transtheoretical model
    (Prochaska and DiClemente, 1983)."""

    PRECONTEMPLATION = "precontemplation"
    """Not considering change."""
    CONTEMPLATION = "contemplation"
    """Considering change, not decided."""
    PREPARATION = "preparation"
    """Decided, preparing to act."""
    ACTION = "action"
    """Changing now."""
    MAINTENANCE = "maintenance"
    """Keeping the change."""


class PotentialLevel(enum.StrEnum):
    """The rehabilitation potential: how much a client can be expected to gain from a
    program now, which the choice of the program follows."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"


_RANK: Final = {PotentialLevel.LOW: 0, PotentialLevel.MODERATE: 1, PotentialLevel.HIGH: 2}


# --- checks ----------------------------------------------------------------------------------


def _whole_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number, not {kind_of(value)}"
    return None


def _tuple(value: object) -> object:
    """Accept a list for a tuple field (from JSON or a literal); the check reports the rest."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _read_only(value: object) -> object:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _cuts_problem(value: object) -> str | None:
    if not isinstance(value, tuple) or len(value) != len(_NEEDS) - 1:
        return f"must be {len(_NEEDS) - 1} whole numbers, the lowest score of each need above none"
    for k, cut in enumerate(value):
        if isinstance(cut, bool) or not isinstance(cut, int):
            return f"item {k} must be a whole number, not {kind_of(cut)}"
    return None


def _anchors_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return f"must be a list of texts, not {kind_of(value)}"
    for k, anchor in enumerate(value):
        problem = text_problem(anchor)
        if problem is not None:
            return f"item {k} {problem}"
    return None


def _tuple_of(kind: type) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, tuple):
            return f"must be a tuple of {kind.__name__}, not {kind_of(value)}"
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                return f"item {i} must be a {kind.__name__}, not {kind_of(item)}"
        return None

    return check


def _items_problem(value: object) -> str | None:
    if isinstance(value, tuple) and not value:
        return "must hold at least one item"
    return _tuple_of(Item)(value)


def _mapping_problem(value: object) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a mapping of item code to value, not {kind_of(value)}"
    return None


def _argument(value: object, kind: type, name: str) -> None:
    if not isinstance(value, kind):
        raise ValidationError.at(name, f"must be a {kind.__name__}, not {kind_of(value)}")


# --- scales, items, instruments --------------------------------------------------------------


@attrs.frozen
class Scale(Checked):
    """A stated rating scale from ``low`` to ``high``; a higher score means more need.

    ``cuts`` holds the lowest score of each need above none: a score ``s`` has need
    ``Need(k)`` where ``k`` is the number of cuts at or below ``s``. Cuts do not
    decrease and lie in ``(low, high]``; equal cuts skip a need. ``anchors``, when
    given, describe each score from ``low`` to ``high`` for the assessor.

    >>> severity = Scale(0, 4, (1, 2, 3, 4))
    >>> [severity.need_of(s).name for s in range(5)]
    ['NONE', 'LOW', 'MODERATE', 'HIGH', 'CRITICAL']
    >>> Scale(1, 10, (3, 5, 8, 10)).need_of(9).name
    'HIGH'
    >>> Scale(0, 4, (1, 2, 3, 4)).need_of(5)
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: score: 5 is outside the scale 0-4
    """

    low: int = attrs.field(metadata=checked(_whole_problem))
    high: int = attrs.field(metadata=checked(_whole_problem))
    cuts: tuple[int, ...] = attrs.field(converter=_tuple, metadata=checked(_cuts_problem))
    """Exactly four cuts: the lowest score of LOW, MODERATE, HIGH and CRITICAL need
    (typed as a tuple of any length so that the JSON converter reads it; checked)."""
    anchors: tuple[str, ...] = attrs.field(
        default=(), converter=_tuple, metadata=checked(_anchors_problem)
    )

    def _more_problems(self, problems: Problems) -> None:
        if self.high <= self.low:
            problems.add("high", f"must be above low ({self.low}), not {self.high}")
            return
        for k, cut in enumerate(self.cuts):
            if not self.low < cut <= self.high:
                problems.add(
                    f"cuts[{k}]", f"must be above {self.low} and at most {self.high}, not {cut}"
                )
        for k in range(1, len(self.cuts)):
            if self.cuts[k] < self.cuts[k - 1]:
                problems.add(
                    f"cuts[{k}]", f"must not be below the cut before it ({self.cuts[k - 1]})"
                )
        points = self.high - self.low + 1
        if self.anchors and len(self.anchors) != points:
            problems.add(
                "anchors", f"must describe each of the {points} scores, not {len(self.anchors)}"
            )

    def __str__(self) -> str:
        return f"{self.low}-{self.high}" if self.low >= 0 else f"{self.low} to {self.high}"

    def score_problem(self, score: object) -> str | None:
        """Why ``score`` is not a score on this scale, or ``None``."""
        if isinstance(score, bool) or not isinstance(score, int):
            return f"must be a whole number on the scale {self}, not {kind_of(score)}"
        if not self.low <= score <= self.high:
            return f"{score} is outside the scale {self}"
        return None

    def need_of(self, score: int) -> Need:
        """The need a score on this scale means; a score off the scale is refused."""
        problem = self.score_problem(score)
        if problem is not None:
            raise ValidationError.at("score", problem)
        return _NEEDS[bisect.bisect_right(self.cuts, score)]


@attrs.frozen
class Item(Checked):
    """One item of an instrument: a ``code``, the domain it rates, the question or
    statement the assessor rates (``label``) and its scale."""

    code: str = attrs.field(metadata=checked(id_problem))
    domain: LifeDomain = attrs.field(metadata=checked(member_problem(LifeDomain)))
    label: str = attrs.field(metadata=checked(text_problem))
    scale: Scale = attrs.field(metadata=checked(instance_problem(Scale)))


@attrs.frozen
class Instrument(Checked):
    """An assessment instrument: items with unique codes, a version, its licence and source.

    ``licence`` is ``"open"`` for content anyone may use, like the default; a
    licensed instrument is defined by the region from its own licensed copy and
    says so here. ``source`` cites where the content comes from.

    >>> tool = default_instrument()
    >>> tool.item("work").domain.value, len(tool.domains)
    ('work', 10)
    >>> tool.item("sleep")
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: code: instrument 'resocialize-domains'
    has no item 'sleep'; its items: health, motivation, family, ...
    """

    code: str = attrs.field(metadata=checked(id_problem))
    name: str = attrs.field(metadata=checked(text_problem))
    version: str = attrs.field(metadata=checked(text_problem))
    items: tuple[Item, ...] = attrs.field(converter=_tuple, metadata=checked(_items_problem))
    licence: str = attrs.field(default="open", metadata=checked(text_problem))
    source: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    _by_code: dict[str, Item] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _by_domain: tuple[tuple[LifeDomain, tuple[Item, ...]], ...] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )
    _plan: tuple[tuple[LifeDomain, tuple[tuple[str, tuple[int, ...]], ...]], ...] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )
    """For each covered domain, the code and cuts of each of its items: what the needs read."""
    _scale_texts: dict[str, str] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        object.__setattr__(self, "_by_code", {item.code: item for item in self.items})
        grouped = tuple(
            (domain, tuple(item for item in self.items if item.domain is domain))
            for domain in LifeDomain
        )
        by_domain = tuple(g for g in grouped if g[1])
        object.__setattr__(self, "_by_domain", by_domain)
        plan = tuple(
            (domain, tuple((item.code, item.scale.cuts) for item in items))
            for domain, items in by_domain
        )
        object.__setattr__(self, "_plan", plan)
        object.__setattr__(self, "_scale_texts", {i.code: str(i.scale) for i in self.items})

    def _more_problems(self, problems: Problems) -> None:
        first: dict[str, int] = {}
        for i, item in enumerate(self.items):
            if item.code in first:
                problems.add(
                    f"items[{i}].code",
                    f"duplicate code {item.code!r} (first at items[{first[item.code]}])",
                )
            else:
                first[item.code] = i

    def _unknown(self, code: object) -> str:
        known = ", ".join(item.code for item in self.items)
        return f"instrument {self.code!r} has no item {code!r}; its items: {known}"

    def item(self, code: str) -> Item:
        """The item with ``code``; an unknown code is refused at path ``code``."""
        found = self._by_code.get(code) if isinstance(code, str) else None
        if found is None:
            raise ValidationError.at("code", self._unknown(code))
        return found

    def items_in(self, domain: LifeDomain) -> tuple[Item, ...]:
        """The items that rate ``domain``, in the instrument's order (none if not covered)."""
        for covered, items in self._by_domain:
            if covered is domain:
                return items
        return ()

    @property
    def domains(self) -> frozenset[LifeDomain]:
        """The domains the instrument covers."""
        return frozenset(domain for domain, _ in self._by_domain)


# --- the assessment ----------------------------------------------------------------------------

CAPITAL_MAX: Final = 10
"""The highest rating of each component of recovery capital."""


def _capital_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= CAPITAL_MAX:
        return f"must be a whole number from 0 to {CAPITAL_MAX}, not {value!r}"
    return None


@attrs.frozen
class RecoveryCapital(Checked):
    """The resources a client can draw on to recover, each component rated 0-10
    (higher is more capital), after the recovery capital of Granfield and Cloud and
    its components in Cloud and Granfield (2008) and White and Cloud (2008):

    - ``personal``: health, skills, education, money, a place to live;
    - ``social``: family, friends and partner who support recovery;
    - ``community``: community resources, recovery support, services at hand;
    - ``cultural``: values, beliefs and practices that support recovery.

    >>> RecoveryCapital(6, 5, 4, 5).total
    20
    """

    personal: int = attrs.field(metadata=checked(_capital_problem))
    social: int = attrs.field(metadata=checked(_capital_problem))
    community: int = attrs.field(metadata=checked(_capital_problem))
    cultural: int = attrs.field(metadata=checked(_capital_problem))

    @property
    def total(self) -> int:
        """The sum of the four components, 0-40."""
        return self.personal + self.social + self.community + self.cultural


_DomainNeed = tuple[LifeDomain, Need, tuple[str, ...]]
"""A covered domain, its need, and the codes of the items that set it."""


@attrs.frozen
class Assessment(Checked):
    """One diagnostic assessment of a client with an instrument, on a date, by an assessor.

    ``scores`` maps every item code of the instrument to its score; ``notes`` may
    add a free-text note to an item. Every problem is reported at once: a score off
    its item's scale (path ``scores.<item>``, the scale in the message), a score
    for an item the instrument lacks, an item not scored, a note for an unknown
    item, and every bad field. ``True`` is not a score.
    """

    id: str = attrs.field(metadata=checked(id_problem))
    client_id: str = attrs.field(metadata=checked(id_problem))
    instrument: Instrument = attrs.field(metadata=checked(instance_problem(Instrument)))
    scores: Mapping[str, int] = attrs.field(
        converter=_read_only,
        metadata=checked(_mapping_problem),
        hash=False,
        repr=lambda scores: repr(dict(scores)),
    )
    assessor: str = attrs.field(metadata=checked(id_problem))
    """Who assessed: the staff member's id."""
    on: date = attrs.field(metadata=checked(date_problem))
    stage_of_change: StageOfChange = attrs.field(metadata=checked(member_problem(StageOfChange)))
    recovery_capital: RecoveryCapital = attrs.field(
        metadata=checked(instance_problem(RecoveryCapital))
    )
    notes: Mapping[str, str] = attrs.field(
        factory=dict,
        converter=_read_only,
        metadata=checked(_mapping_problem),
        hash=False,
        repr=lambda notes: repr(dict(notes)),
    )
    _profile: tuple[_DomainNeed, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        problems = Problems()
        for field in attrs.fields(Assessment):
            check = field.metadata.get("check")
            if check is not None:
                problems.check(field.name, check(getattr(self, field.name)))
        if isinstance(self.instrument, Instrument):
            if isinstance(self.scores, Mapping):
                self._score_problems(problems)
            if isinstance(self.notes, Mapping):
                self._note_problems(problems)
        problems.raise_if_any()

    def _score_problems(self, problems: Problems) -> None:
        tool, scores = self.instrument, self.scores
        for item in tool.items:
            if item.code not in scores:
                problems.add(f"scores.{item.code}", "not scored")
                continue
            problem = item.scale.score_problem(scores[item.code])
            if problem is not None:
                problems.add(f"scores.{item.code}", f"{problem} of item {item.code}")
        for code in scores:
            if not isinstance(code, str) or code not in tool._by_code:
                problems.add(f"scores.{code}", tool._unknown(code))

    def _note_problems(self, problems: Problems) -> None:
        tool = self.instrument
        for code, note in self.notes.items():
            if not isinstance(code, str) or code not in tool._by_code:
                problems.add(f"notes.{code}", tool._unknown(code))
            else:
                problems.check(f"notes.{code}", text_problem(note))

    def __reduce__(self) -> tuple[type[Assessment], tuple[object, ...]]:
        # the read-only mappings cannot be pickled themselves; rebuild them on load
        return (
            type(self),
            (
                self.id,
                self.client_id,
                self.instrument,
                dict(self.scores),
                self.assessor,
                self.on,
                self.stage_of_change,
                self.recovery_capital,
                dict(self.notes),
            ),
        )


def _profile(assessment: object) -> tuple[_DomainNeed, ...]:
    """Each covered domain's need and the items that set it, computed once per assessment."""
    _argument(assessment, Assessment, "assessment")
    assert isinstance(assessment, Assessment)
    try:
        return assessment._profile
    except AttributeError:
        pass
    scores = assessment.scores
    cut = bisect.bisect_right
    profile: list[_DomainNeed] = []
    for domain, items in assessment.instrument._plan:
        if len(items) == 1:
            code, cuts = items[0]
            profile.append((domain, _NEEDS[cut(cuts, scores[code])], (code,)))
            continue
        best, codes = -1, []
        for code, cuts in items:
            need = cut(cuts, scores[code])
            if need > best:
                best, codes = need, [code]
            elif need == best:
                codes.append(code)
        profile.append((domain, _NEEDS[best], tuple(codes)))
    done = tuple(profile)
    object.__setattr__(assessment, "_profile", done)
    return done


# --- what the assessment found -----------------------------------------------------------------


@attrs.frozen
class Finding:
    """What an assessment found in one domain: its need and the items that set it.

    ``code`` is ``finding.<domain>``; ``items`` are the codes of the items of the
    highest need in the domain.
    """

    code: str
    domain: LifeDomain
    need: Need
    items: tuple[str, ...]
    message: str


def domain_needs(assessment: Assessment) -> Mapping[LifeDomain, Need]:
    """The need of each domain the instrument covers, in canonical order: the HIGHEST
    need among the domain's items, never an average. Domains not covered are absent.
    """
    return MappingProxyType({domain: need for domain, need, _ in _profile(assessment)})


def _evidence(assessment: Assessment, codes: tuple[str, ...]) -> str:
    texts, scores = assessment.instrument._scale_texts, assessment.scores
    if len(codes) == 1:
        code = codes[0]
        return f"item {code} scored {scores[code]} of {texts[code]}"
    return "; ".join(f"item {code} scored {scores[code]} of {texts[code]}" for code in codes)


def findings(assessment: Assessment) -> tuple[Finding, ...]:
    """One finding per covered domain with a need of LOW or more, in canonical order."""
    found: list[Finding] = []
    for domain, need, codes in _profile(assessment):
        if need:
            name = domain._value_
            message = f"{name}: {_NEED_WORDS[need]} need ({_evidence(assessment, codes)})"
            found.append(Finding(_FINDING_CODES[domain], domain, need, codes, message))
    return tuple(found)


def critical_domains(assessment: Assessment) -> tuple[LifeDomain, ...]:
    """The domains of CRITICAL need, in canonical order."""
    return tuple(domain for domain, need, _ in _profile(assessment) if need is _CRITICAL)


# --- rehabilitation potential --------------------------------------------------------------------

_CAPITAL_TOTAL: Final = 4 * CAPITAL_MAX


def _threshold_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _CAPITAL_TOTAL:
        return f"must be a whole number from 0 to {_CAPITAL_TOTAL}, not {value!r}"
    return None


def _domains_count_problem(value: object) -> str | None:
    most = len(LifeDomain)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        return f"must be a whole number from 1 to {most}, not {value!r}"
    return None


@attrs.frozen
class PotentialRules(Checked):
    """The thresholds of the rule of :func:`rehabilitation_potential`, as data.

    The defaults are illustrative: the seeds give no figures, and a region sets its
    own from its experience.
    """

    high_needs_for_moderate: int = attrs.field(default=3, metadata=checked(_domains_count_problem))
    """This many domains of HIGH (or CRITICAL) need cap the level at MODERATE. Default 3:
    when a third of the life domains need considerable help at once (say housing, work
    and family), the program must be broad and structured, and quick gains are unlikely."""
    capital_for_moderate: int = attrs.field(default=15, metadata=checked(_threshold_problem))
    """Recovery capital below this total (of 40) caps the level at MODERATE. Default 15:
    below it most of the four components are rated under 4 of 10, so the client has
    few resources of their own to carry the change."""
    capital_for_low: int = attrs.field(default=8, metadata=checked(_threshold_problem))
    """Recovery capital below this total caps the level at LOW. Default 8: below it the
    components average under 2 of 10, almost nothing to build on; 0 turns the rule off."""

    def _more_problems(self, problems: Problems) -> None:
        if self.capital_for_low > self.capital_for_moderate:
            problems.add(
                "capital_for_low",
                f"must not be above capital_for_moderate ({self.capital_for_moderate}), "
                f"not {self.capital_for_low}",
            )


DEFAULT_POTENTIAL_RULES: Final = PotentialRules()
"""The documented default thresholds of :class:`PotentialRules`."""


@attrs.frozen
class RehabilitationPotential:
    """The rehabilitation potential an assessment shows, and why.

    ``reasons`` holds every rule that capped the level (codes ``potential.*``, each
    with the level it caps at in ``details["cap"]``), or, for HIGH, the reasons it
    stands. ``critical`` lists the domains of critical need; ``driver`` is the
    highest-risk domain (the first in canonical order among those of the highest
    need), or ``None`` when no domain shows any need.
    """

    level: PotentialLevel
    reasons: tuple[Reason, ...]
    critical: tuple[LifeDomain, ...]
    driver: LifeDomain | None


def _cap(code: str, message: str, cap: PotentialLevel, **details: str | int) -> Reason:
    details["cap"] = cap._value_
    return Reason(code, message, details)


_LEVELS: Final = (PotentialLevel.LOW, PotentialLevel.MODERATE, PotentialLevel.HIGH)
"""The levels by rank, lowest first."""


def rehabilitation_potential(
    assessment: Assessment, *, rules: PotentialRules = DEFAULT_POTENTIAL_RULES
) -> RehabilitationPotential:
    """The rehabilitation potential of an assessed client, by the rule of this module:
    the lowest cap any rule sets, never an average (see the module's documentation).
    """
    profile = _profile(assessment)
    _argument(rules, PotentialRules, "rules")
    low, moderate = PotentialLevel.LOW, PotentialLevel.MODERATE
    reasons: list[Reason] = []
    rank = 2
    critical = tuple(domain for domain, need, _ in profile if need is _CRITICAL)
    if critical:
        rank = 0
        for domain, need, codes in profile:
            if need is _CRITICAL:
                name = domain._value_
                reasons.append(
                    _cap(
                        "potential.critical_domain",
                        f"{name} is of critical need ({_evidence(assessment, codes)}): "
                        "the potential is low whatever the other domains show",
                        low,
                        domain=name,
                        items=", ".join(codes),
                    )
                )
    stage = assessment.stage_of_change
    if stage is StageOfChange.PRECONTEMPLATION:
        rank = 0
        reasons.append(
            _cap(
                "potential.not_ready",
                "the client does not yet consider change (precontemplation)",
                low,
                stage=stage._value_,
            )
        )
    elif stage is StageOfChange.CONTEMPLATION:
        rank = min(rank, 1)
        reasons.append(
            _cap(
                "potential.contemplating",
                "the client considers change but has not decided (contemplation): at most moderate",
                moderate,
                stage=stage._value_,
            )
        )
    high = [domain._value_ for domain, need, _ in profile if need >= _HIGH]
    if len(high) >= rules.high_needs_for_moderate:
        rank = min(rank, 1)
        reasons.append(
            _cap(
                "potential.many_high_needs",
                f"{len(high)} domains of high or critical need ({', '.join(high)}); "
                f"{rules.high_needs_for_moderate} or more make it at most moderate",
                moderate,
                count=len(high),
                threshold=rules.high_needs_for_moderate,
                domains=", ".join(high),
            )
        )
    total = assessment.recovery_capital.total
    if total < rules.capital_for_low:
        rank = 0
        reasons.append(
            _cap(
                "potential.very_weak_capital",
                f"recovery capital {total} of {_CAPITAL_TOTAL} is below {rules.capital_for_low}: "
                "low",
                low,
                total=total,
                threshold=rules.capital_for_low,
            )
        )
    elif total < rules.capital_for_moderate:
        rank = min(rank, 1)
        reasons.append(
            _cap(
                "potential.weak_capital",
                f"recovery capital {total} of {_CAPITAL_TOTAL} is below "
                f"{rules.capital_for_moderate}: at most moderate",
                moderate,
                total=total,
                threshold=rules.capital_for_moderate,
            )
        )
    if rank == 2:
        reasons = [
            Reason(
                "potential.ready",
                f"the client is ready to change ({stage._value_})",
                {"stage": stage._value_},
            ),
            Reason(
                "potential.capital",
                f"recovery capital {total} of {_CAPITAL_TOTAL} is at least "
                f"{rules.capital_for_moderate}",
                {"total": total, "threshold": rules.capital_for_moderate},
            ),
            Reason(
                "potential.needs_manageable",
                f"no domain of critical need and {len(high)} of high need, fewer than "
                f"{rules.high_needs_for_moderate}",
                {"count": len(high), "threshold": rules.high_needs_for_moderate},
            ),
        ]
    driver: LifeDomain | None = None
    worst = 0
    for domain, need, _ in profile:
        if need > worst:
            driver, worst = domain, need
    return RehabilitationPotential(_LEVELS[rank], tuple(reasons), critical, driver)


# --- instruments as files ------------------------------------------------------------------------

_TOP: Final = ("code", "name", "version", "licence", "source", "scales", "items")
_TOP_REQUIRED: Final = ("code", "name", "version", "items")
_ITEM: Final = ("code", "domain", "label", "scale")
_SCALE: Final = ("low", "high", "cuts", "anchors")
_SCALE_REQUIRED: Final = ("low", "high", "cuts")
_DOMAIN_NAMES: Final = ", ".join(d.value for d in LifeDomain)


def _path_order(problem: FieldProblem) -> tuple[int, int]:
    """Problems of the whole document first, then of its scales, then of each item in order."""
    match = re.match(r"items\[(\d+)\]", problem.path)
    if match is not None:
        return (2, int(match.group(1)))
    return (1, 0) if problem.path.startswith("scales") else (0, 0)


class _Reader(_documents.Reader):
    """Reads one instrument document, collecting every problem with its path."""

    def document(self, data: object) -> Instrument:
        top = self.table(data, "$", _TOP, _TOP_REQUIRED)
        if top is None:
            raise ValidationError(self.problems)
        scales: dict[str, Scale | _documents.Bad] = {}
        if "scales" in top:
            raw_scales = top["scales"]
            if isinstance(raw_scales, Mapping):
                for name, raw in raw_scales.items():
                    scales[name] = self.scale(raw, f"scales.{name}")
            else:
                word = "a table" if self.toml else "an object"
                self.add("scales", f"must be {word} of named scales, not {self.kind(raw_scales)}")
        items: object = _documents.BAD
        if "items" in top:
            raw_items = top["items"]
            if isinstance(raw_items, list | tuple) and raw_items:
                items = tuple(
                    self.item(raw, f"items[{i}]", scales) for i, raw in enumerate(raw_items)
                )
                self.duplicates(raw_items)
            else:
                word = "tables" if self.toml else "objects"
                shown = "an empty array" if raw_items == [] else self.kind(raw_items)
                self.add("items", f"must be a non-empty array of {word}, not {shown}")
        values = {key: top.get(key, _documents.BAD) for key in ("code", "name", "version")}
        values.update({key: top[key] for key in ("licence", "source") if key in top})
        instrument = self.build(Instrument, "", items=items, **values)
        if self.problems:
            raise ValidationError(sorted(self.problems, key=_path_order))
        assert isinstance(instrument, Instrument)
        return instrument

    def duplicates(self, raw_items: Iterable[object]) -> None:
        first: dict[str, int] = {}
        for i, raw in enumerate(raw_items):
            code = raw.get("code") if isinstance(raw, Mapping) else None
            if not isinstance(code, str):
                continue
            if code in first:
                self.add(
                    f"items[{i}].code", f"duplicate code {code!r} (first at items[{first[code]}])"
                )
            else:
                first[code] = i

    def item(self, raw: object, path: str, scales: Mapping[str, Scale | _documents.Bad]) -> object:
        table = self.table(raw, path, _ITEM, _ITEM)
        if table is None:
            return _documents.BAD
        domain: object = _documents.BAD
        if "domain" in table:
            try:
                domain = LifeDomain(table["domain"])
            except ValueError:
                self.add(
                    f"{path}.domain",
                    f"unknown domain {table['domain']!r}; known: {_DOMAIN_NAMES}",
                )
        scale: object = _documents.BAD
        if "scale" in table:
            raw_scale = table["scale"]
            if isinstance(raw_scale, str):
                if raw_scale not in scales:
                    named = ", ".join(scales) or "none"
                    self.add(
                        f"{path}.scale",
                        f"unknown scale {raw_scale!r}; the document's scales: {named}",
                    )
                else:
                    scale = scales[raw_scale]
                    if isinstance(scale, _documents.Bad):  # reported at scales.<name>
                        self.add(f"{path}.scale", f"the scale {raw_scale!r} is not readable")
            else:
                scale = self.scale(raw_scale, f"{path}.scale")
        return self.build(
            Item,
            path,
            code=table.get("code", _documents.BAD),
            domain=domain,
            label=table.get("label", _documents.BAD),
            scale=scale,
        )

    def scale(self, raw: object, path: str) -> Scale | _documents.Bad:
        table = self.table(raw, path, _SCALE, _SCALE_REQUIRED)
        if table is None:
            return _documents.BAD
        values = {key: table.get(key, _documents.BAD) for key in _SCALE_REQUIRED}
        for key in ("cuts", "anchors"):
            if key in table and not isinstance(table[key], list | tuple):
                self.add(f"{path}.{key}", f"must be an array, not {self.kind(table[key])}")
                values[key] = _documents.BAD
        if "anchors" in table and "anchors" not in values:
            values["anchors"] = table["anchors"]
        return self.build(Scale, path, **values)  # type: ignore[no-any-return]


def _text_of(value: object, what: str) -> None:
    if not isinstance(value, str | bytes):
        raise ValidationError.at("$", f"must be {what} text, not {kind_of(value)}")


def instrument_from_toml(text: str) -> Instrument:
    """Read an instrument from TOML text: ``code``, ``name``, ``version``, optionally
    ``licence`` and ``source``, named ``[scales.<name>]`` and ``[[items]]`` with
    ``code``, ``domain``, ``label`` and ``scale`` (a scale's name or an inline table).

    Every problem is reported at once with its path, and nothing is loaded when any
    is bad:

    >>> instrument_from_toml('''
    ... code = "asam-like"
    ... name = "Six dimensions"
    ... version = "1"
    ... [scales.risk]
    ... low = 0
    ... high = 4
    ... cuts = [1, 2, 3, 5]
    ... [[items]]
    ... code = "d1"
    ... domain = "health"
    ... label = "Dimension 1"
    ... scale = "risk"
    ... [[items]]
    ... code = "d4"
    ... domain = "readiness"
    ... label = "Dimension 4"
    ... scale = { low = 0, high = 4.0, cuts = [1, 2, 3, 4] }
    ... ''')
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input:
    scales.risk.cuts[3]: must be above 0 and at most 4, not 5;
    items[0].scale: the scale 'risk' is not readable;
    items[1].domain: unknown domain 'readiness'; known: health, motivation, ...;
    items[1].scale.high: must be a whole number, not a float
    """
    data = _documents.toml_data(text)
    return _Reader(toml=True).document(data)


def instrument_from_json(text: str | bytes) -> Instrument:
    """Read an instrument from JSON of the same shape as the TOML
    (``{"code": ..., "items": [{"code": ..., "scale": {...}}, ...]}``).

    >>> tool = default_instrument()
    >>> instrument_from_json(instrument_to_json(tool)) == tool
    True
    """
    _text_of(text, "JSON")
    data = _documents.json_data(text)
    return _Reader(toml=False).document(data)


def load_instrument(
    source: str | bytes | os.PathLike[str],
    *,
    format: Literal["toml", "json"] | None = None,
) -> Instrument:
    """Read an instrument from a file (a path-like value: ``pathlib.Path``) or from text
    (``str`` or ``bytes``).

    ``format`` defaults to the file's suffix (``.json`` is JSON, anything else TOML)
    and to TOML for text. A file that cannot be read raises :class:`OSError`.
    """
    return _documents.load(
        source, format, from_toml=instrument_from_toml, from_json=instrument_from_json
    )


@functools.cache
def default_instrument() -> Instrument:
    """The open default instrument shipped with the package
    (``resocialize/data/instrument.toml``): one item per life domain, each rated on a
    0-4 severity scale (0 none, 1 low, 2 moderate, 3 high, 4 critical). It is modelled
    on the life areas of the Addiction Severity Index and the dimensions of the ASAM
    Criteria, and is neither (see its ``source``).

    >>> [item.domain.value for item in default_instrument().items] == [
    ...     d.value for d in LifeDomain]
    True
    """
    text = resources.files("resocialize").joinpath("data/instrument.toml").read_text("utf-8")
    return instrument_from_toml(text)


def _plain_scale(scale: Scale) -> dict[str, object]:
    plain: dict[str, object] = {"low": scale.low, "high": scale.high, "cuts": list(scale.cuts)}
    if scale.anchors:
        plain["anchors"] = list(scale.anchors)
    return plain


def instrument_to_json(instrument: Instrument, *, indent: int | None = 2) -> str:
    """The instrument as JSON that :func:`instrument_from_json` reads back to an equal
    value, each item with its scale written out; a region may start its own file from
    the default this way."""
    _argument(instrument, Instrument, "instrument")
    data: dict[str, object] = {
        "code": instrument.code,
        "name": instrument.name,
        "version": instrument.version,
        "licence": instrument.licence,
    }
    if instrument.source is not None:
        data["source"] = instrument.source
    data["items"] = [
        {
            "code": item.code,
            "domain": item.domain.value,
            "label": item.label,
            "scale": _plain_scale(item.scale),
        }
        for item in instrument.items
    ]
    return json.dumps(data, indent=indent, ensure_ascii=False)
