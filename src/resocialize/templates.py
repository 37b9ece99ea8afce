"""Program templates by origin: what a route adds to a program, and when (PL-05, PW-14).

Where a client comes from changes the program, not only its label (seed 003):

- a **therapeutic-community graduate** has already lived through a residential course:
  stage III is a short transition, and the program carries on the work habits and social
  competences built in the community;
- an **outpatient** needs a change of a passive life style: daily work activities from the
  first week, retraining and job search already in stage III, a day program rather than a
  residential one;
- a person **leaving prison** needs the work to start *before* release: information about
  rights, contact with the agency, documents and housing prepared in custody, then
  post-penal support;
- a client identified in the **community** follows the full course of stages III-V.

A :class:`Template` is data: phase lengths in weeks, the goals the route always plans with
their interventions and reasons, and the phase in which the route plans an intervention
when that differs from the catalog's first stage. :func:`default_templates` holds the four
routes above; a region may write its own in TOML (:func:`templates_from_toml`):

>>> from resocialize.records import Origin
>>> prison = default_templates()[Origin.PRISON]
>>> prison.pre_release_weeks, prison.rehabilitation_weeks
(12, 26)
>>> [g.code for g in prison.goals]
['rights_before_release', 'post_penal_support', 'relapse_prevention']
>>> outpatient = default_templates()[Origin.OUTPATIENT]
>>> outpatient.phase_of["job_search"].value
'social_rehabilitation'
"""

from __future__ import annotations

import enum
import functools
import json
import os
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from . import _documents
from ._checks import (
    Checked,
    Problems,
    checked,
    count_problem,
    id_problem,
    kind_of,
    member_problem,
    text_problem,
)
from .catalog import ServiceDomain
from .errors import ValidationError
from .pathway import Stage
from .records import Origin

__all__ = [
    "PHASE_OF_STAGE",
    "Phase",
    "Template",
    "TemplateGoal",
    "default_templates",
    "load_templates",
    "templates_from_json",
    "templates_from_toml",
    "templates_to_json",
]


class Phase(enum.StrEnum):
    """A period of an individual program: stages III-V, and work in custody before release."""

    PRE_RELEASE = "pre_release"
    """In custody, before release: rights, contacts, documents, housing (seed 003)."""
    SOCIAL_REHABILITATION = "social_rehabilitation"
    """Stage III, in the chosen center."""
    RESOCIALIZATION = "resocialization"
    """Stage IV: labour and education."""
    PATRONAGE = "patronage"
    """Stage V: post-rehabilitation patronage."""

    @property
    def stage(self) -> Stage | None:
        """The pathway stage of the phase; ``None`` for the work before release."""
        return _STAGE_OF_PHASE[self]


_STAGE_OF_PHASE: Final[Mapping[Phase, Stage | None]] = MappingProxyType(
    {
        Phase.PRE_RELEASE: None,
        Phase.SOCIAL_REHABILITATION: Stage.SOCIAL_REHABILITATION,
        Phase.RESOCIALIZATION: Stage.RESOCIALIZATION,
        Phase.PATRONAGE: Stage.PATRONAGE,
    }
)

PHASE_OF_STAGE: Final[Mapping[Stage, Phase]] = MappingProxyType(
    {stage: phase for phase, stage in _STAGE_OF_PHASE.items() if stage is not None}
)
"""The program phase of each stage a program covers (III, IV, V)."""


def _weeks_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 520:
        return "must be a whole number of weeks, 1-520"
    return None


def _pre_release_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 104:
        return "must be a whole number of weeks, 0-104"
    return None


def _codes_problem(value: object) -> str | None:
    if not isinstance(value, tuple) or not value:
        return "must be a non-empty list of intervention codes"
    seen: set[object] = set()
    for i, item in enumerate(value):
        problem = id_problem(item)
        if problem is not None:
            return f"item {i}: {problem}"
        if item in seen:
            return f"item {i}: {item!r} is listed twice"
        seen.add(item)
    return None


def _as_tuple(value: object) -> object:
    if isinstance(value, list):
        return tuple(value)
    return value


@attrs.frozen
class TemplateGoal(Checked):
    """A goal a route always plans, with the interventions that serve it and why."""

    code: str = attrs.field(metadata=checked(id_problem))
    domain: ServiceDomain = attrs.field(metadata=checked(member_problem(ServiceDomain)))
    statement: str = attrs.field(metadata=checked(text_problem))
    interventions: tuple[str, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_codes_problem)
    )
    reason: str = attrs.field(metadata=checked(text_problem))
    """Why the route plans it, as a case worker would say it (with its source)."""


def _goals_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return "must be a list of template goals"
    for i, item in enumerate(value):
        if not isinstance(item, TemplateGoal):
            return f"item {i} must be a TemplateGoal, not {type(item).__name__}"
    return None


def _phase_of_problem(value: object) -> str | None:
    if not isinstance(value, Mapping):
        return "must map intervention codes to phases"
    for code, phase in value.items():
        problem = id_problem(code)
        if problem is not None:
            return f"{code!r}: {problem}"
        if not isinstance(phase, Phase):
            return f"{code}: must be one of {', '.join(p.value for p in Phase)}, not {phase!r}"
    return None


def _read_only(value: object) -> object:
    if isinstance(value, Mapping) and not isinstance(value, MappingProxyType):
        return MappingProxyType(dict(value))
    return value


@attrs.frozen
class Template(Checked):
    """What a route of origin adds to a program and when: phase lengths, goals, timing."""

    code: str = attrs.field(metadata=checked(id_problem))
    origin: Origin = attrs.field(metadata=checked(member_problem(Origin)))
    name: str = attrs.field(metadata=checked(text_problem))
    rehabilitation_weeks: int = attrs.field(metadata=checked(_weeks_problem))
    """Stage III, in weeks."""
    resocialization_weeks: int = attrs.field(metadata=checked(_weeks_problem))
    """Stage IV, in weeks."""
    patronage_weeks: int = attrs.field(metadata=checked(_weeks_problem))
    """Stage V, in weeks (sustained remission is due after the pathway's remission months)."""
    pre_release_weeks: int = attrs.field(default=0, metadata=checked(_pre_release_problem))
    """Weeks of work in custody before release when the release date is not known."""
    goals: tuple[TemplateGoal, ...] = attrs.field(
        default=(), converter=_as_tuple, metadata=checked(_goals_problem)
    )
    phase_of: Mapping[str, Phase] = attrs.field(
        factory=dict,
        converter=_read_only,
        metadata=checked(_phase_of_problem),
        eq=False,
        hash=False,
        repr=lambda m: repr(dict(m)),
    )
    """The phase in which the route plans an intervention, where that differs from the
    first stage the catalog lists for it (the outpatient's job search starts in stage III)."""
    per_goal: Mapping[str, int] = attrs.field(
        factory=lambda: {"low": 0, "moderate": 1, "high": 2, "critical": 3},
        converter=_read_only,
        eq=False,
        hash=False,
        repr=lambda m: repr(dict(m)),
    )
    """How many interventions a goal gets by its need (``low``, ``moderate``, ``high``,
    ``critical``); a need with no entry or 0 gets no goal of its own."""

    def _more_problems(self, problems: Problems) -> None:
        seen: set[str] = set()
        for i, goal in enumerate(self.goals):
            if goal.code in seen:
                problems.add(f"goals[{i}].code", f"{goal.code!r} is used by another goal")
            seen.add(goal.code)
        if not isinstance(self.per_goal, Mapping):
            problems.add("per_goal", "must map needs to counts")
            return
        for key, count in self.per_goal.items():
            if key not in _NEED_NAMES:
                problems.add(f"per_goal.{key}", f"must be one of {', '.join(_NEED_NAMES)}")
            elif count_problem(count) is not None or count > 10:
                problems.add(f"per_goal.{key}", "must be a whole number, 0-10")
        if self.pre_release_weeks and self.origin is not Origin.PRISON:
            problems.add("pre_release_weeks", "is only for the prison route")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Template):
            return NotImplemented
        return _template_key(self) == _template_key(other)

    def __hash__(self) -> int:
        return hash(_template_key(self))

    def interventions(self) -> tuple[str, ...]:
        """Every intervention the route plans, in the order of its goals."""
        seen: dict[str, None] = {}
        for goal in self.goals:
            for code in goal.interventions:
                seen.setdefault(code, None)
        return tuple(seen)


_NEED_NAMES: Final = ("low", "moderate", "high", "critical")


def _template_key(t: Template) -> tuple[object, ...]:
    return (
        t.code,
        t.origin,
        t.name,
        t.rehabilitation_weeks,
        t.resocialization_weeks,
        t.patronage_weeks,
        t.pre_release_weeks,
        t.goals,
        tuple(sorted(t.phase_of.items())),
        tuple(sorted(t.per_goal.items())),
    )


# --- reading and writing ---------------------------------------------------------------------

_GOAL_KEYS: Final = ("code", "domain", "statement", "interventions", "reason")
_TEMPLATE_KEYS: Final = (
    "code",
    "origin",
    "name",
    "rehabilitation_weeks",
    "resocialization_weeks",
    "patronage_weeks",
    "pre_release_weeks",
    "goals",
    "phase_of",
    "per_goal",
)


class _Reader:
    """Reads plain data into templates, gathering every problem with its path."""

    def __init__(self, toml: bool) -> None:
        self.toml = toml
        self.problems = Problems()

    def table(self, raw: object, path: str, keys: Iterable[str]) -> Mapping[str, Any] | None:
        if not isinstance(raw, Mapping):
            self.problems.add(
                path or "$",
                f"must be {'a table' if self.toml else 'an object'},"
                f" not {kind_of(raw, toml=self.toml)}",
            )
            return None
        known = tuple(keys)
        for key in raw:
            if key not in known:
                self.problems.add(_at(path, str(key)), f"unknown key; known: {', '.join(known)}")
        return raw

    def enum(self, raw: object, path: str, kind: type[enum.Enum]) -> Any:
        try:
            return kind(raw)
        except ValueError:
            choices = ", ".join(str(m.value) for m in kind)
            self.problems.add(path, f"must be one of {choices}, not {raw!r}")
            return None

    def build(self, make: Callable[..., Any], path: str, **values: Any) -> Any:
        try:
            return make(**values)
        except ValidationError as err:
            self.problems.items.extend(err.under(path).problems)
            return None

    def goal(self, raw: object, path: str) -> TemplateGoal | None:
        data = self.table(raw, path, _GOAL_KEYS)
        if data is None:
            return None
        missing = [k for k in _GOAL_KEYS if k not in data]
        for key in missing:
            self.problems.add(_at(path, key), "is missing")
        domain = self.enum(data.get("domain"), _at(path, "domain"), ServiceDomain)
        if missing:
            return None
        values = {k: data[k] for k in _GOAL_KEYS}
        # with a bad domain the other fields are still checked, and the goal is dropped
        values["domain"] = domain or ServiceDomain.MOTIVATION
        goal = self.build(TemplateGoal, path, **values)
        return None if domain is None else goal

    def template(self, raw: object, path: str) -> Template | None:
        data = self.table(raw, path, _TEMPLATE_KEYS)
        if data is None:
            return None
        required = (
            "code",
            "origin",
            "name",
            "rehabilitation_weeks",
            "resocialization_weeks",
            "patronage_weeks",
        )
        missing = [k for k in required if k not in data]
        for key in missing:
            self.problems.add(_at(path, key), "is missing")
        origin = (
            self.enum(data.get("origin"), _at(path, "origin"), Origin) if "origin" in data else None
        )
        raw_goals = data.get("goals", [])
        goals: list[TemplateGoal] = []
        if not isinstance(raw_goals, list):
            self.problems.add(_at(path, "goals"), "must be a list of goals")
        else:
            for i, item in enumerate(raw_goals):
                goal = self.goal(item, f"{_at(path, 'goals')}[{i}]")
                if goal is not None:
                    goals.append(goal)
        phases: dict[str, Phase] = {}
        raw_phases = data.get("phase_of", {})
        if isinstance(raw_phases, Mapping):
            for code, value in raw_phases.items():
                phase = self.enum(value, _at(_at(path, "phase_of"), str(code)), Phase)
                if phase is not None:
                    phases[str(code)] = phase
        else:
            self.problems.add(_at(path, "phase_of"), "must map intervention codes to phases")
        if missing:
            return None
        values = {k: data[k] for k in _TEMPLATE_KEYS if k in data}
        # with a bad origin or goal the other fields are still checked, and nothing is kept
        values.update(origin=origin or Origin.PRISON, goals=tuple(goals), phase_of=phases)
        template = self.build(Template, path, **values)
        if origin is None or len(goals) != len(raw_goals or []):
            return None
        return template  # type: ignore[no-any-return]

    def document(self, raw: object) -> Mapping[Origin, Template]:
        data = self.table(raw, "", ("templates",))
        templates: dict[Origin, Template] = {}
        if data is not None:
            items = data.get("templates")
            if not isinstance(items, list) or not items:
                self.problems.add("templates", "must be a non-empty list of templates")
            else:
                for i, item in enumerate(items):
                    template = self.template(item, f"templates[{i}]")
                    if template is None:
                        continue
                    if template.origin in templates:
                        self.problems.add(
                            f"templates[{i}].origin",
                            f"a template for {template.origin.value} is given twice",
                        )
                    templates[template.origin] = template
        self.problems.raise_if_any()
        return MappingProxyType(templates)


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def templates_from_toml(text: str) -> Mapping[Origin, Template]:
    """Read templates from TOML: ``[[templates]]`` tables with ``[[templates.goals]]``.

    Every problem is reported at once, with its path:

    >>> templates_from_toml('''
    ... [[templates]]
    ... code = "prison"
    ... origin = "jail"
    ... name = "Leaving prison"
    ... rehabilitation_weeks = 0
    ... resocialization_weeks = 26
    ... patronage_weeks = 52
    ... ''')
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: templates[0].origin: must be one of
    community, therapeutic_community, outpatient, prison, not 'jail';
    templates[0].rehabilitation_weeks: must be a whole number of weeks, 1-520
    """
    data = _documents.toml_data(text)
    return _Reader(toml=True).document(data)


def templates_from_json(text: str | bytes) -> Mapping[Origin, Template]:
    """Read templates from JSON of the same shape as the TOML."""
    data = _documents.json_data(text)
    return _Reader(toml=False).document(data)


def load_templates(
    source: str | bytes | os.PathLike[str], *, format: Literal["toml", "json"] | None = None
) -> Mapping[Origin, Template]:
    """Read templates from a file (a path-like value) or from text; the format defaults to
    the file's suffix (``.json`` is JSON, anything else TOML) and to TOML for text."""
    return _documents.load(
        source, format, from_toml=templates_from_toml, from_json=templates_from_json
    )


def templates_to_json(templates: Mapping[Origin, Template], *, indent: int | None = 2) -> str:
    """Templates as JSON that :func:`templates_from_json` reads back to equal values."""
    if not isinstance(templates, Mapping) or not all(
        isinstance(t, Template) for t in templates.values()
    ):
        raise ValidationError.at("templates", "must map origins to templates")
    data = {
        "templates": [
            {
                "code": t.code,
                "origin": t.origin.value,
                "name": t.name,
                "rehabilitation_weeks": t.rehabilitation_weeks,
                "resocialization_weeks": t.resocialization_weeks,
                "patronage_weeks": t.patronage_weeks,
                "pre_release_weeks": t.pre_release_weeks,
                "goals": [
                    {
                        "code": g.code,
                        "domain": g.domain.value,
                        "statement": g.statement,
                        "interventions": list(g.interventions),
                        "reason": g.reason,
                    }
                    for g in t.goals
                ],
                "phase_of": {code: phase.value for code, phase in sorted(t.phase_of.items())},
                "per_goal": dict(sorted(t.per_goal.items())),
            }
            for t in templates.values()
        ]
    }
    return json.dumps(data, indent=indent, ensure_ascii=False)


@functools.cache
def default_templates() -> Mapping[Origin, Template]:
    """The four routes of seed 003, shipped as ``resocialize/data/templates.toml``."""
    from importlib import resources

    text = resources.files("resocialize").joinpath("data/templates.toml").read_text("utf-8")
    return templates_from_toml(text)
