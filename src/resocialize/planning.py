"""Individual program planning: from an assessment to a program (PL-01 to PL-08, PW-14).

The agency's first task with a client who consented is a "diagnostic assessment of
rehabilitation potential to choose the optimal program" (seed 002). This module joins the
pieces that do it:

- :mod:`resocialize.assessment`: the assessment across life domains, its findings and the
  rehabilitation potential;
- :mod:`resocialize.catalog`: the technologies and services a program is made of;
- :mod:`resocialize.templates`: what each route of origin adds, and when;
- :func:`plan_program` (here): goals from the needs, activities chosen with a reason each,
  scheduled week by week across stages III-V with prerequisites and durations, and the
  milestones the certificate's tranches refer to;
- :mod:`resocialize.reviews`: progress per goal and new versions of the program;
- :mod:`resocialize.labour`: reserved vacancies, job quotas and employer incentives;
- :mod:`resocialize.program_text`: the program printed for the client.

The rules of :func:`plan_program`, in order:

1. **Goals from needs.** Every life domain assessed at a need the template plans for
   (moderate and above by default) gets a goal, whose basis is the assessment's finding.
   A critical domain always gets a goal; a minor always gets an education goal (PW-10).
   The route's own goals follow (a prison route plans
   the rights and documents before release whatever the scores).
2. **Activities with reasons.** For each need goal, the interventions of the catalog that
   address that domain, are open to the client's origin, ask for no more need than was
   found and are available to the client, best first: those of the goal's own domain, then
   the most specific (meeting the fewest domains), then in catalog order; as many as the
   template gives to that need (1 for moderate, 2 for high, 3 for critical). The route's
   goals bring their interventions. An intervention that needs co-dependents is planned
   only when co-dependents take part; when they do and the family or motivation needs it,
   the co-dependent interventions are planned with them (PL-06). Every prerequisite of a
   planned intervention is planned too, for the same goals.
3. **Schedule.** Phases follow one another from week 0: the work before release (prison
   route), stage III, stage IV, stage V, with the template's lengths (the release date,
   when known, sets the first). Interventions are placed in catalog order of prerequisites:
   each starts in the first phase it may run in (the template may name another), not before
   every prerequisite has ended, and keeps its catalog duration and frequency.
4. **Milestones.** Admission and the completion of stages III and IV at the phase limits,
   six months without relapse from the start of stage IV, sustained remission after the
   pathway's remission months in stage V.

What cannot be planned is kept in the program's ``gaps`` with its reason; nothing is
dropped silently. The same inputs give the same program.

>>> from datetime import date
>>> from resocialize.assessment import (
...     Assessment, RecoveryCapital, StageOfChange, default_instrument)
>>> from resocialize.catalog import default_catalog
>>> from resocialize.records import Origin
>>> instrument = default_instrument()
>>> scores = {item.code: 1 for item in instrument.items} | {"work": 3, "legal": 2}
>>> assessment = Assessment(
...     "as-1", "cl-7f3k", instrument, scores, assessor="psy-4", on=date(2026, 3, 2),
...     stage_of_change=StageOfChange.PREPARATION,
...     recovery_capital=RecoveryCapital(6, 5, 4, 5))
>>> program = plan_program(
...     "cl-7f3k", assessment, default_catalog(), origin=Origin.COMMUNITY,
...     start=date(2026, 3, 16))
>>> [g.code for g in program.goals]
['legal', 'work', 'relapse_prevention']
>>> program.goal("work").basis[0].code
'finding.work'
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final, TypeVar

import attrs

from ._checks import (
    Checked,
    Problems,
    bool_problem,
    checked,
    date_problem,
    id_problem,
    optional,
    unchecked,
)
from .assessment import (
    Assessment,
    LifeDomain,
    Need,
    PotentialRules,
    domain_needs,
    findings,
    rehabilitation_potential,
)
from .catalog import Catalog, Intervention, ServiceDomain
from .errors import FieldProblem, RuleViolation, ValidationError
from .pathway import DEFAULT_RULES, PathwayRules
from .programs import Activity, Goal, IndividualProgram, PhaseSpan, ProgramMilestone
from .records import Origin
from .rules import Reason
from .tariffs import Milestone
from .templates import PHASE_OF_STAGE, Phase, Template, default_templates

T = TypeVar("T")

__all__ = [
    "GOAL_OF_DOMAIN",
    "Situation",
    "plan_program",
]

GOAL_OF_DOMAIN: Final[Mapping[LifeDomain, tuple[ServiceDomain, str]]] = {
    LifeDomain.HEALTH: (ServiceDomain.HEALTH, "Keep physical and mental health under care"),
    LifeDomain.MOTIVATION: (ServiceDomain.MOTIVATION, "Build one's own motivation for recovery"),
    LifeDomain.FAMILY: (ServiceDomain.SOCIALIZATION, "Restore relations with the family"),
    LifeDomain.RELATIONSHIPS: (
        ServiceDomain.SOCIALIZATION,
        "Build friendships and a partnership free of drugs",
    ),
    LifeDomain.LEISURE: (
        ServiceDomain.SOCIALIZATION,
        "Build a sober social network and a free time of one's own",
    ),
    LifeDomain.HOUSING: (ServiceDomain.HOUSING, "Have a stable place to live"),
    LifeDomain.LEGAL: (
        ServiceDomain.LEGAL,
        "Restore documents and social rights, and settle legal matters",
    ),
    LifeDomain.EDUCATION: (
        ServiceDomain.EDUCATION,
        "Continue education: school, vocational or higher",
    ),
    LifeDomain.WORK: (
        ServiceDomain.LABOUR,
        "Find and keep work that matches one's abilities and expectations",
    ),
    LifeDomain.MONEY: (ServiceDomain.LABOUR, "Manage money and spending"),
}
"""The program domain (PL-02) and the goal's statement for a need in each life domain."""

_NEED_NAME: Final = {
    Need.LOW: "low",
    Need.MODERATE: "moderate",
    Need.HIGH: "high",
    Need.CRITICAL: "critical",
}

_CO_DEPENDENT_NEEDS: Final = (LifeDomain.FAMILY, LifeDomain.MOTIVATION)
"""The needs for which co-dependents take part in the program (PL-06)."""

_NO_RELAPSE_MONTHS: Final = 6

_MINOR: Final = Reason(
    "situation.minor",
    "the client is a minor: school and education come first (PW-10)",
    {"domain": LifeDomain.EDUCATION.value},
)


def _codes_problem(value: object) -> str | None:
    if not isinstance(value, frozenset):
        return "must be a set of intervention codes"
    for item in value:
        problem = id_problem(item)
        if problem is not None:
            return f"{item!r}: {problem}"
    return None


def _co_dependents_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return "must be a tuple of co-dependent ids"
    for i, item in enumerate(value):
        problem = id_problem(item)
        if problem is not None:
            return f"item {i}: {problem}"
    if len(set(value)) != len(value):
        return "must not list a co-dependent twice"
    return None


def _as_tuple(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def _as_frozenset(value: object) -> object:
    return frozenset(value) if isinstance(value, list | tuple | set) else value


@attrs.frozen
class Situation(Checked):
    """What the planner must know of the client's situation besides the assessment."""

    release_on: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))
    """The day of release from custody (prison route): the work before release ends then."""
    co_dependents: tuple[str, ...] = attrs.field(
        default=(), converter=_as_tuple, metadata=checked(_co_dependents_problem)
    )
    """Co-dependents (family, close people) who take part, by id (PL-06)."""
    unavailable: frozenset[str] = attrs.field(
        default=frozenset(), converter=_as_frozenset, metadata=checked(_codes_problem)
    )
    """Interventions the client cannot take (health, a court's restriction, a refusal)."""
    minor: bool = attrs.field(default=False, metadata=checked(bool_problem))
    """A minor: an education goal is planned whatever the education score (PW-10)."""


NO_SITUATION: Final = Situation()


# --- the catalog, indexed once --------------------------------------------------------------


@attrs.frozen
class _Index:
    by_code: Mapping[str, Intervention]
    rank: Mapping[str, int]
    """Place in the catalog's prerequisite order."""
    addressing: Mapping[LifeDomain, tuple[Intervention, ...]]
    co_dependent: tuple[Intervention, ...]
    phases: dict[tuple[str, Phase | None], tuple[Phase, ...]] = attrs.field(factory=dict)
    """The phases each intervention may start in, by its code and a template's phase."""

    memo: dict[object, Any] = attrs.field(factory=dict)
    """Reasons and goals already made for this catalog: programs share these values."""

    def shared(self, key: object, make: Callable[[], T]) -> T:
        """The value made for ``key`` before, or a new one (kept for the next program)."""
        found = self.memo.get(key)
        if found is None:
            if len(self.memo) > _MEMO_LIMIT:
                self.memo.clear()
            found = self.memo[key] = make()
        return found

    def candidate_phases(self, code: str, override: Phase | None) -> tuple[Phase, ...]:
        key = (code, override)
        found = self.phases.get(key)
        if found is None:
            found = self.phases[key] = _candidate_phases(self.by_code[code], override)
        return found


_INDEXES: dict[int, tuple[Catalog, _Index]] = {}
_MEMO_LIMIT: Final = 100_000


def _index(catalog: Catalog) -> _Index:
    hit = _INDEXES.get(id(catalog))
    if hit is not None and hit[0] is catalog:
        return hit[1]
    by_code = {i.code: i for i in catalog.interventions}
    order = catalog.order()
    index = _Index(
        by_code=by_code,
        rank={code: n for n, code in enumerate(order)},
        addressing={d: catalog.addressing(d) for d in LifeDomain},
        co_dependent=tuple(i for i in catalog.interventions if i.co_dependents),
    )
    if len(_INDEXES) > 16:
        _INDEXES.clear()
    _INDEXES[id(catalog)] = (catalog, index)
    return index


# --- checking the inputs -------------------------------------------------------------------


def _check_inputs(
    client: object,
    assessment: object,
    catalog: object,
    origin: object,
    start: object,
    situation: object,
    template: object,
    program_id: object,
    version: object,
    made_on: object,
    rules: object,
) -> None:
    problems = Problems()
    problems.check("client", id_problem(client))
    if not isinstance(assessment, Assessment):
        problems.add("assessment", f"must be an Assessment, not {type(assessment).__name__}")
    if not isinstance(catalog, Catalog):
        problems.add("catalog", f"must be a Catalog, not {type(catalog).__name__}")
    if not isinstance(origin, Origin):
        choices = ", ".join(o.value for o in Origin)
        problems.add("origin", f"must be one of {choices}, not {origin!r}")
    problems.check("start", date_problem(start))
    if not isinstance(situation, Situation):
        problems.add("situation", f"must be a Situation, not {type(situation).__name__}")
    if template is not None and not isinstance(template, Template):
        problems.add("template", f"must be a Template, not {type(template).__name__}")
    if program_id is not None:
        problems.check("program_id", id_problem(program_id))
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problems.add("version", "must be a positive whole number")
    if made_on is not None:
        problems.check("made_on", date_problem(made_on))
    if not isinstance(rules, PathwayRules):
        problems.add("rules", f"must be PathwayRules, not {type(rules).__name__}")
    problems.raise_if_any()


def _unknown(catalog: Catalog, code: str) -> str:
    return f"unknown intervention {code!r} in catalog {catalog.version}"


def _check_against_catalog(
    catalog: Catalog, index: _Index, template: Template, origin: Origin, situation: Situation
) -> None:
    known = index.by_code
    problems = Problems()
    if template.origin is not origin:
        problems.add(
            "template.origin",
            f"is {template.origin.value}, but the client's origin is {origin.value}",
        )
    for i, goal in enumerate(template.goals):
        for code in goal.interventions:
            if code not in known:
                problems.add(f"template.goals[{i}].interventions", _unknown(catalog, code))
    for code in template.phase_of:
        if code not in known:
            problems.add(f"template.phase_of.{code}", _unknown(catalog, code))
    for code in sorted(situation.unavailable):
        if code not in known:
            problems.add("situation.unavailable", _unknown(catalog, code))
    problems.raise_if_any()


# --- the planner ---------------------------------------------------------------------------


class _Plan:
    """The planner's working state for one program (not a public value)."""

    def __init__(
        self,
        catalog: Catalog,
        index: _Index,
        template: Template,
        origin: Origin,
        situation: Situation,
    ) -> None:
        self.catalog = catalog
        self.index = index
        self.template = template
        self.origin = origin
        self.situation = situation
        self.goals: list[Goal] = []
        self.chosen: dict[str, tuple[list[str], list[Reason]]] = {}
        self.gaps: list[Reason] = []

    def open_to_client(self, intervention: Intervention) -> bool:
        if intervention.origins and self.origin not in intervention.origins:
            return False
        if intervention.code in self.situation.unavailable:
            return False
        return not (intervention.co_dependents and not self.situation.co_dependents)

    def choose(self, code: str, goal: str, reason: Reason) -> None:
        goals, reasons = self.chosen.setdefault(code, ([], []))
        if goal not in goals:
            goals.append(goal)
        if reason not in reasons:
            reasons.append(reason)

    def need_goal(self, domain: LifeDomain, need: Need, finding: Reason) -> None:
        service, statement = GOAL_OF_DOMAIN[domain]
        code = domain.value
        self.goals.append(
            self.index.shared(
                ("goal", domain, need, finding),
                lambda: unchecked(
                    Goal,
                    code=code,
                    domain=service,
                    statement=statement,
                    need=need,
                    basis=(finding,),
                    life_domain=domain,
                ),
            )
        )
        wanted = self.template.per_goal.get(_NEED_NAME[need], 0)
        if need is Need.CRITICAL:
            wanted = max(wanted, 1)
        candidates = [
            i
            for i in self.index.addressing[domain]
            if i.minimum_need <= need and self.open_to_client(i)
        ]
        candidates.sort(key=lambda i: (i.domain is not service, len(i.addresses)))
        # the sort is stable: within each group the catalog's order stands
        picked = candidates[:wanted]
        if not picked and wanted:
            self.gaps.append(
                Reason(
                    "plan.no_intervention",
                    f"no intervention of catalog {self.catalog.version} meets the"
                    f" {_NEED_NAME[need]} need in {domain.value} for this client",
                    {"goal": code, "domain": domain.value, "need": _NEED_NAME[need]},
                )
            )
        for intervention in picked:
            if not finding.code.startswith("finding."):
                # a goal the client's situation asks for: the activity rests on the same reason
                self.choose(intervention.code, code, finding)
                continue
            self.choose(
                intervention.code,
                code,
                self.index.shared(
                    ("need", domain, need, intervention.code, finding.code),
                    lambda i=intervention: Reason(  # type: ignore[misc]
                        f"need.{domain.value}",
                        f"{i.name} meets the {_NEED_NAME[need]} need in {domain.value}"
                        f" found by the assessment",
                        {"finding": finding.code, "intervention": i.code},
                    ),
                ),
            )

    def minor_education(self, needs: Mapping[LifeDomain, Need]) -> None:
        """A minor continues school: education comes first (PW-10), whatever its score."""
        if not self.situation.minor:
            return
        because = _MINOR
        for n, goal in enumerate(self.goals):
            if goal.life_domain is LifeDomain.EDUCATION:
                fields = attrs.asdict(goal, recurse=False) | {"basis": (*goal.basis, because)}
                self.goals[n] = unchecked(Goal, **fields)
                return
        need = max(needs.get(LifeDomain.EDUCATION, Need.NONE), Need.MODERATE)
        self.need_goal(LifeDomain.EDUCATION, need, because)

    def template_goal(self, index: int) -> None:
        goal = self.template.goals[index]
        code = goal.code
        if any(g.code == code for g in self.goals):
            code = f"{self.template.code}.{goal.code}"
        template = self.template
        basis = self.index.shared(
            ("route", template.code, template.name, goal),
            lambda: Reason(
                f"template.{template.code}.{goal.code}",
                f"the route {template.name!r} plans it: {goal.reason}",
                {"template": template.code},
            ),
        )
        self.goals.append(
            self.index.shared(
                ("route goal", code, basis, goal),
                lambda: unchecked(
                    Goal,
                    code=code,
                    domain=goal.domain,
                    statement=goal.statement,
                    need=Need.MODERATE,
                    basis=(basis,),
                    life_domain=None,
                ),
            )
        )
        for intervention_code in goal.interventions:
            intervention = self.index.by_code[intervention_code]
            if intervention_code in self.situation.unavailable:
                self.gaps.append(_unavailable(intervention, code))
                continue
            if intervention.co_dependents and not self.situation.co_dependents:
                self.gaps.append(
                    Reason(
                        "plan.no_co_dependents",
                        f"{intervention.name} needs co-dependents, and none take part",
                        {"goal": code, "intervention": intervention_code},
                    )
                )
                continue
            self.choose(intervention_code, code, basis)

    def co_dependents(self, needs: Mapping[LifeDomain, Need]) -> None:
        ids = self.situation.co_dependents
        if not ids:
            return
        for domain in _CO_DEPENDENT_NEEDS:
            need = needs.get(domain, Need.NONE)
            goal = domain.value
            if need < Need.MODERATE or not any(g.code == goal for g in self.goals):
                continue
            for intervention in self.index.co_dependent:
                if domain not in intervention.addresses or not self.open_to_client(intervention):
                    continue
                self.choose(
                    intervention.code,
                    goal,
                    Reason(
                        "co_dependents.take_part",
                        f"{intervention.name} is planned with {len(ids)} co-dependent(s) for"
                        f" the {_NEED_NAME[need]} need in {domain.value}",
                        {"intervention": intervention.code, "domain": domain.value},
                    ),
                )

    def _prerequisite(self, before: str, code: str) -> Reason:
        return Reason(
            f"prerequisite.{code}",
            f"{self.index.by_code[before].name} must be completed before"
            f" {self.index.by_code[code].name}",
            {"intervention": before, "before": code},
        )

    def prerequisites(self) -> None:
        pending = sorted(self.chosen, key=self.index.rank.__getitem__, reverse=True)
        while pending:
            code = pending.pop()
            goals, _ = self.chosen[code]
            for before in sorted(self.index.by_code[code].prerequisites):
                reason = self.index.shared(
                    ("prerequisite", before, code),
                    functools.partial(self._prerequisite, before, code),
                )
                fresh = before not in self.chosen
                for goal in goals:
                    self.choose(before, goal, reason)
                if fresh:
                    pending.append(before)


def _unavailable(intervention: Intervention, goal: str) -> Reason:
    return Reason(
        "plan.unavailable",
        f"{intervention.name} is not available to this client",
        {"goal": goal, "intervention": intervention.code},
    )


def _phases(
    template: Template, origin: Origin, start: date, release_on: date | None
) -> list[PhaseSpan]:
    lengths: list[tuple[Phase, int]] = []
    if origin is Origin.PRISON:
        if release_on is None:
            before = template.pre_release_weeks
        else:
            before = max(0, math.ceil((release_on - start).days / 7))
        if before:
            lengths.append((Phase.PRE_RELEASE, before))
    lengths += [
        (Phase.SOCIAL_REHABILITATION, template.rehabilitation_weeks),
        (Phase.RESOCIALIZATION, template.resocialization_weeks),
        (Phase.PATRONAGE, template.patronage_weeks),
    ]
    spans: list[PhaseSpan] = []
    week = 0
    for phase, weeks in lengths:
        spans.append(unchecked(PhaseSpan, phase=phase, start_week=week, weeks=weeks))
        week += weeks
    return spans


_PHASE_RANK: Final = {phase: n for n, phase in enumerate(Phase)}


def _candidate_phases(intervention: Intervention, override: Phase | None) -> tuple[Phase, ...]:
    natural = {PHASE_OF_STAGE[s] for s in intervention.stages if s in PHASE_OF_STAGE}
    if intervention.pre_release:
        natural.add(Phase.PRE_RELEASE)
    if override is not None:
        natural = {p for p in natural if _PHASE_RANK[p] > _PHASE_RANK[override]} | {override}
    return tuple(sorted(natural, key=_PHASE_RANK.__getitem__))


def _schedule(plan: _Plan, spans: Sequence[PhaseSpan]) -> list[Activity]:
    by_phase = {span.phase: span for span in spans}
    ends: dict[str, int] = {}
    activities: list[Activity] = []
    for code in sorted(plan.chosen, key=plan.index.rank.__getitem__):
        intervention = plan.index.by_code[code]
        goals, reasons = plan.chosen[code]
        missing = [p for p in sorted(intervention.prerequisites) if p not in ends]
        if missing:
            plan.gaps.append(
                Reason(
                    "plan.prerequisite_unplanned",
                    f"{intervention.name} cannot start: {', '.join(missing)} could not be planned",
                    {"intervention": code, "goal": goals[0]},
                )
            )
            continue
        earliest = max((ends[p] for p in intervention.prerequisites), default=0)
        placed: tuple[Phase, int] | None = None
        for phase in plan.index.candidate_phases(code, plan.template.phase_of.get(code)):
            span = by_phase.get(phase)
            if span is None:
                continue
            week = max(span.start_week, earliest)
            if week < span.end_week:
                placed = (phase, week)
                break
        if placed is None:
            plan.gaps.append(
                Reason(
                    "plan.no_phase",
                    f"{intervention.name} runs in no phase of this program after its prerequisites",
                    {"intervention": code, "goal": goals[0]},
                )
            )
            continue
        phase, week = placed
        ends[code] = week + intervention.weeks
        activities.append(
            unchecked(
                Activity,
                intervention=code,
                goals=tuple(goals),
                phase=phase,
                start_week=week,
                weeks=intervention.weeks,
                per_week=intervention.per_week,
                providers=intervention.providers,
                reasons=tuple(reasons),
                co_dependents=plan.situation.co_dependents if intervention.co_dependents else (),
                name=intervention.name,
            )
        )
    if len(activities) == len(plan.chosen):
        return activities
    return _without_orphans(activities)


def _without_orphans(activities: list[Activity]) -> list[Activity]:
    """Drop the reasons "prerequisite of X" where X could not be planned, and the activities
    left with no reason at all (the gap of X already says why)."""
    planned = {a.intervention for a in activities}
    changed = True
    while changed:
        changed = False
        kept: list[Activity] = []
        for activity in activities:
            reasons = tuple(
                r
                for r in activity.reasons
                if not (r.code.startswith("prerequisite.") and r.details["before"] not in planned)
            )
            if not reasons:
                planned.discard(activity.intervention)
                changed = True
            elif reasons != activity.reasons:
                fields = attrs.asdict(activity, recurse=False) | {"reasons": reasons}
                kept.append(unchecked(Activity, **fields))
            else:
                kept.append(activity)
        activities = kept
    return activities


def _weeks_of_months(months: int) -> int:
    return round(months * 52 / 12)


def _milestones(
    spans: Sequence[PhaseSpan], start: date, rules: PathwayRules
) -> tuple[ProgramMilestone, ...]:
    by_phase = {span.phase: span for span in spans}
    iii = by_phase[Phase.SOCIAL_REHABILITATION]
    iv = by_phase[Phase.RESOCIALIZATION]
    v = by_phase[Phase.PATRONAGE]
    planned: list[tuple[Milestone, int, int | None]] = [
        (Milestone.ADMISSION, iii.start_week, None),
        (Milestone.STAGE_III_COMPLETED, iii.end_week, None),
        (Milestone.NO_RELAPSE, iv.start_week + _weeks_of_months(_NO_RELAPSE_MONTHS), 6),
        (Milestone.STAGE_IV_COMPLETED, iv.end_week, None),
        (
            Milestone.SUSTAINED_REMISSION,
            v.start_week + _weeks_of_months(rules.remission_months),
            None,
        ),
    ]
    planned.sort(key=lambda item: item[1])
    return tuple(
        unchecked(
            ProgramMilestone,
            milestone=milestone,
            week=week,
            due=start + timedelta(weeks=week),
            months=months,
        )
        for milestone, week, months in planned
    )


def plan_program(
    client: str,
    assessment: Assessment,
    catalog: Catalog,
    *,
    origin: Origin,
    start: date,
    situation: Situation = NO_SITUATION,
    template: Template | None = None,
    program_id: str | None = None,
    version: int = 1,
    made_on: date | None = None,
    rules: PathwayRules = DEFAULT_RULES,
    potential_rules: PotentialRules | None = None,
) -> IndividualProgram:
    """The individual program for a client from their assessment (PL-02, PL-04, PL-05, PL-06).

    ``template`` defaults to the route of ``origin`` among :func:`default_templates`.
    ``program_id`` defaults to ``program-<assessment id>``; ``made_on`` to ``start``.

    Raises :class:`~resocialize.errors.ValidationError` for malformed arguments (every bad
    one, with its path, including an intervention the template or the situation names that
    the catalog lacks), and :class:`~resocialize.errors.RuleViolation` when the assessment
    is of another client or made after the program starts.
    """
    _check_inputs(
        client,
        assessment,
        catalog,
        origin,
        start,
        situation,
        template,
        program_id,
        version,
        made_on,
        rules,
    )
    chosen_template = template if template is not None else default_templates().get(origin)
    if chosen_template is None:
        raise ValidationError.at("template", f"no default template for origin {origin.value}")
    index = _index(catalog)
    _check_against_catalog(catalog, index, chosen_template, origin, situation)
    refusals: list[Reason] = []
    if assessment.client_id != client:
        refusals.append(
            Reason(
                "plan.other_client",
                f"the assessment {assessment.id} is of another client",
                {"assessment": assessment.id},
            )
        )
    if assessment.on > start:
        refusals.append(
            Reason(
                "plan.assessment_after_start",
                f"the assessment of {assessment.on} is after the program's start on {start}",
                {"assessment": assessment.id},
            )
        )
    day = start if made_on is None else made_on
    if day > start:
        raise ValidationError([FieldProblem("made_on", "must not be after the program's start")])
    if refusals:
        raise RuleViolation(refusals)

    plan = _Plan(catalog, index, chosen_template, origin, situation)
    needs = domain_needs(assessment)
    threshold = min(
        (need for need, name in _NEED_NAME.items() if chosen_template.per_goal.get(name, 0) > 0),
        default=Need.CRITICAL,
    )
    for finding in findings(assessment):
        if finding.need >= threshold or finding.need is Need.CRITICAL:
            basis = index.shared(
                ("finding", finding.code, finding.message),
                lambda f=finding: Reason(f.code, f.message, {"domain": f.domain.value}),  # type: ignore[misc]
            )
            plan.need_goal(finding.domain, finding.need, basis)
    plan.minor_education(needs)
    for i in range(len(chosen_template.goals)):
        plan.template_goal(i)
    plan.co_dependents(needs)
    plan.prerequisites()

    release_on = situation.release_on
    spans = _phases(chosen_template, origin, start, release_on)
    if origin is Origin.PRISON:
        if release_on is None:
            release_on = start + timedelta(weeks=chosen_template.pre_release_weeks)
        elif release_on <= start:
            plan.gaps.append(
                Reason(
                    "plan.released_before_start",
                    f"the release on {release_on} is before the program's start on {start}:"
                    " the work before release was missed",
                    {"release_on": release_on.isoformat()},
                )
            )
    activities = _schedule(plan, spans)
    potential = rehabilitation_potential(
        assessment, **({} if potential_rules is None else {"rules": potential_rules})
    )
    return unchecked(
        IndividualProgram,
        id=program_id if program_id is not None else f"program-{assessment.id}",
        client_id=client,
        version=version,
        origin=origin,
        template=chosen_template.code,
        start=start,
        assessment_id=assessment.id,
        potential=potential.level,
        potential_reasons=potential.reasons,
        phases=tuple(spans),
        goals=tuple(plan.goals),
        activities=tuple(activities),
        milestones=_milestones(spans, start, rules),
        catalog_version=catalog.version,
        made_on=day,
        gaps=tuple(plan.gaps),
        co_dependents=situation.co_dependents,
        release_on=release_on if origin is Origin.PRISON else None,
    )
