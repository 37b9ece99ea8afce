"""The intervention catalog: every technology and service a program may use, as data (PL-03).

An :class:`Intervention` says what a technology or service is for (the program
domain it belongs to and the assessed life domains it meets), when it runs (the
stages II-V), how long and how often, who delivers it, what must be completed
before it starts, whether co-dependents take part (PL-06), and for which origins
it is meant. A :class:`Catalog` holds them with a version and refuses duplicate
codes, prerequisites naming no intervention and prerequisite cycles.

The catalog shipped with the package (``resocialize/data/catalog.toml``) cites the
seed each entry comes from; a region extends or trims it without code:

>>> from resocialize.assessment import LifeDomain
>>> catalog = default_catalog()
>>> catalog.get("job_placement").prerequisites == {"document_restoration", "vocational_guidance"}
True
>>> [i.code for i in catalog.addressing(LifeDomain.HOUSING)]
['halfway_house', 'agricultural_community', 'housing_assistance']
>>> order = catalog.order()
>>> order.index("vocational_guidance") < order.index("retraining")
True
>>> catalog.without("vocational_guidance")
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: codes[0]: 'vocational_guidance' is still
required by job_placement, retraining, vocational_training

**Files.** TOML (or JSON of the same shape) with a ``version`` and
``[[interventions]]`` tables whose keys are the fields of :class:`Intervention`.
Stages are written as roman numerals, as the seeds write them: ``"II"``, ``"III"``,
``"IV"``, ``"V"`` (integers are refused, so that a stage is never mistaken for a
count). Enums are written by value (``domain = "labour"``, ``providers = ["ngo"]``);
the minimum need by its name (``minimum_need = "high"``) or its value (``3``).
Unknown keys are refused, and every problem is reported at once with its path
(``interventions[3].stages[1]``):

>>> catalog_from_toml('''
... version = "north-1"
... [[interventions]]
... code = "pottery"
... name = "Pottery workshop"
... domain = "socialization"
... addresses = ["leisure"]
... stages = ["III", 6]
... weeks = 0
... per_week = 2
... providers = ["center"]
... prerequisites = ["kiln_safety"]
... colour = "red"
... ''')
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: interventions[0].colour: unknown field;
known: ...; interventions[0].stages[1]: must be a stage written as a roman numeral II, III, IV or V,
not 6;
interventions[0].weeks: must be a whole number of weeks, at least 1 and at most 520;
interventions[0].prerequisites: unknown intervention 'kiln_safety'
"""

from __future__ import annotations

import difflib
import enum
import functools
import heapq
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from typing import Any, Final, Literal

import attrs

from . import _documents
from ._checks import (
    Checked,
    Problems,
    bool_problem,
    checked,
    id_problem,
    kind_of,
    member_problem,
    text_problem,
)
from .assessment import LifeDomain, Need
from .errors import ValidationError
from .pathway import Stage
from .records import Origin

__all__ = [
    "MAX_WEEKS",
    "PROGRAM_STAGES",
    "Catalog",
    "Intervention",
    "Provider",
    "ServiceDomain",
    "catalog_from_json",
    "catalog_from_toml",
    "catalog_to_json",
    "default_catalog",
    "load_catalog",
]

PROGRAM_STAGES: Final = frozenset(
    {Stage.TREATMENT, Stage.SOCIAL_REHABILITATION, Stage.RESOCIALIZATION, Stage.PATRONAGE}
)
"""The stages an individual program's activities run in: II to V."""

MAX_WEEKS: Final = 520
"""The longest typical duration an intervention may state: ten years."""

_CODE: Final = re.compile(r"^[a-z][a-z0-9_]*$")


class ServiceDomain(enum.StrEnum):
    """The domains of an individual program (PL-02); declaration order is canonical."""

    MOTIVATION = "motivation"
    SOCIALIZATION = "socialization"
    """Family, friends, partner, civic and cultural life; social skills."""
    LABOUR = "labour"
    """Abilities, expectations, labour therapy, training on the job, employment, money."""
    EDUCATION = "education"
    """Secondary, vocational and higher education; vocational guidance and retraining."""
    LEGAL = "legal"
    """Legal and practical help: documents, rights, legal assistance."""
    HOUSING = "housing"
    HEALTH = "health"
    RELAPSE_PREVENTION = "relapse_prevention"
    """Hungry, angry, lonely, tired; learning to rest."""


class Provider(enum.StrEnum):
    """Who delivers an intervention."""

    CENTER = "center"
    """A rehabilitation center from the register."""
    EMPLOYMENT_SERVICE = "employment_service"
    EDUCATION = "education"
    """Schools, vocational and higher education."""
    NGO = "ngo"
    """Non-governmental organizations, support groups such as NA/AA."""
    SOCIAL_SERVICE = "social_service"
    HEALTH = "health"
    """Health care: narcology clinics, hospitals, outpatient addiction services."""
    AGENCY = "agency"
    """The agency for social rehabilitation and its municipal departments."""
    PRISON = "prison_probation"
    """Prisons and probation services."""
    EMPLOYER = "employer"


# --- checks of single fields -------------------------------------------------------------------


def _code_problem(value: object) -> str | None:
    problem = id_problem(value)
    if problem is not None:
        return problem
    assert isinstance(value, str)
    if not _CODE.match(value):
        return f"must be a snake_case code like 'labour_therapy', not {value!r}"
    return None


def _description_problem(value: object) -> str | None:
    return None if isinstance(value, str) else f"must be a string, not {type(value).__name__}"


def _weeks_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WEEKS:
        return f"must be a whole number of weeks, at least 1 and at most {MAX_WEEKS}"
    return None


def _per_week_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7:
        return "must be a whole number of sessions (or days) a week, 1 to 7"
    return None


def _set_of(
    kind: type[enum.Enum], *, non_empty: bool = False, within: frozenset[Any] | None = None
) -> Callable[[object], str | None]:
    """A check that the value is a frozenset of members of ``kind`` (of ``within``, if given)."""
    allowed = tuple(kind) if within is None else tuple(m for m in kind if m in within)
    choices = ", ".join(str(getattr(m, "roman", m.value)) for m in allowed)

    def check(value: object) -> str | None:
        if not isinstance(value, frozenset):
            return f"must be a frozenset of {kind.__name__}"
        if non_empty and not value:
            return f"must not be empty: one or more of {choices}"
        bad = sorted(repr(item) for item in value if not isinstance(item, kind))
        bad += sorted(
            repr(item) for item in value if isinstance(item, kind) and item not in allowed
        )
        return f"{', '.join(bad)}: must be among {choices}" if bad else None

    return check


def _codes_problem(value: object) -> str | None:
    if not isinstance(value, frozenset):
        return "must be a frozenset of intervention codes"
    for item in sorted(value, key=repr):
        problem = _code_problem(item)
        if problem is not None:
            return f"{item!r}: {problem}"
    return None


def _frozen(value: object) -> object:
    """Accept a list, tuple or set for a frozenset field (a literal or JSON)."""
    if isinstance(value, list | tuple | set):
        try:
            return frozenset(value)
        except TypeError:  # an unhashable item: the field's check reports the value
            return value
    return value


def _items(value: object) -> object:
    """Accept any iterable of interventions for the catalog's tuple."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def _interventions_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return "must be a tuple of Intervention"
    for i, item in enumerate(value):
        if not isinstance(item, Intervention):
            return f"item {i} must be an Intervention, not {type(item).__name__}"
    return None


# --- values ------------------------------------------------------------------------------------


@attrs.frozen
class Intervention(Checked):
    """A technology or service of the catalog (PL-03).

    ``addresses`` names the assessed life domains it meets (empty for items that
    only templates choose); ``stages`` the stages II-V it may run in; ``weeks`` and
    ``per_week`` its typical duration and frequency (sessions, or days of residence
    or work, a week); ``prerequisites`` the codes that must be completed before it
    starts. ``co_dependents`` is true when family members and close people take part
    (PL-06). ``origins`` limits it to clients of these origins (empty: any origin);
    ``minimum_need`` is the assessed need at or above which it is chosen; and
    ``pre_release`` says it may run in custody before release (seed 003).

    >>> from resocialize.assessment import LifeDomain
    >>> from resocialize.pathway import Stage
    >>> mediation = Intervention(
    ...     "mediation", "Reconciliation procedures and mediation", ServiceDomain.SOCIALIZATION,
    ...     {LifeDomain.FAMILY}, {Stage.RESOCIALIZATION}, weeks=8, per_week=1,
    ...     providers={Provider.SOCIAL_SERVICE}, co_dependents=True,
    ... )
    >>> mediation.co_dependents, sorted(mediation.addresses)
    (True, [<LifeDomain.FAMILY: 'family'>])
    >>> Intervention("Mediation", "", ServiceDomain.LEGAL, set(), {Stage.IDENTIFICATION},
    ...              weeks=8, per_week=9, providers=set())
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input:
    code: must be a snake_case code like 'labour_therapy', not 'Mediation';
    name: must not be empty; stages: <Stage.IDENTIFICATION: 1>: must be among II, III, IV, V;
    per_week: must be a whole number of sessions (or days) a week, 1 to 7;
    providers: must not be empty: one or more of center, ...
    """

    code: str = attrs.field(metadata=checked(_code_problem))
    name: str = attrs.field(metadata=checked(text_problem))
    domain: ServiceDomain = attrs.field(metadata=checked(member_problem(ServiceDomain)))
    addresses: frozenset[LifeDomain] = attrs.field(
        converter=_frozen, metadata=checked(_set_of(LifeDomain))
    )
    stages: frozenset[Stage] = attrs.field(
        converter=_frozen, metadata=checked(_set_of(Stage, non_empty=True, within=PROGRAM_STAGES))
    )
    weeks: int = attrs.field(metadata=checked(_weeks_problem))
    per_week: int = attrs.field(metadata=checked(_per_week_problem))
    providers: frozenset[Provider] = attrs.field(
        converter=_frozen, metadata=checked(_set_of(Provider, non_empty=True))
    )
    prerequisites: frozenset[str] = attrs.field(
        default=frozenset(), converter=_frozen, metadata=checked(_codes_problem)
    )
    co_dependents: bool = attrs.field(default=False, metadata=checked(bool_problem))
    origins: frozenset[Origin] = attrs.field(
        default=frozenset(), converter=_frozen, metadata=checked(_set_of(Origin))
    )
    minimum_need: Need = attrs.field(default=Need.MODERATE, metadata=checked(member_problem(Need)))
    pre_release: bool = attrs.field(default=False, metadata=checked(bool_problem))
    description: str = attrs.field(default="", metadata=checked(_description_problem))

    def _more_problems(self, problems: Problems) -> None:
        if self.code in self.prerequisites:
            problems.add("prerequisites", f"must not name the intervention itself ({self.code!r})")
        if self.pre_release and self.origins and Origin.PRISON not in self.origins:
            problems.add(
                "origins", "must include prison, or be empty, for an intervention run pre-release"
            )

    def for_origin(self, origin: Origin) -> bool:
        """True when the intervention is meant for clients of ``origin``."""
        return not self.origins or origin in self.origins


def _graph_problems(
    entries: Sequence[tuple[int, str, frozenset[str] | None]], problems: Problems
) -> None:
    """Duplicate codes, unknown prerequisites and prerequisite cycles among ``entries``:
    ``(index, code, prerequisites)``, prerequisites ``None`` when they could not be read."""
    first: dict[str, int] = {}
    for i, code, _ in entries:
        if code in first:
            problems.add(
                f"interventions[{i}].code",
                f"duplicate code {code!r}; first at interventions[{first[code]}]",
            )
        else:
            first[code] = i
    known = sorted(first)
    edges: dict[str, tuple[str, ...]] = {}
    for i, code, needs in entries:
        if needs is None:
            continue
        for need in sorted(needs - first.keys()):
            close = difflib.get_close_matches(need, known, n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.add(
                f"interventions[{i}].prerequisites", f"unknown intervention {need!r}{hint}"
            )
        if first[code] == i:
            edges[code] = tuple(sorted(needs & first.keys()))
    for cycle in _cycles(edges):
        problems.add(
            f"interventions[{first[cycle[0]]}].prerequisites",
            "prerequisite cycle: " + " -> ".join((*cycle, cycle[0])),
        )


def _cycles(edges: Mapping[str, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """One cycle in each strongly connected group of more than one code (Tarjan's algorithm,
    without recursion), starting at its first code, in the order of ``edges``."""
    position = {code: n for n, code in enumerate(edges)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, next_edge = work.pop()
            if next_edge == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, ())
            if next_edge < len(targets):
                work.append((node, next_edge + 1))
                target = targets[next_edge]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    cycles = []
    for group in sorted(groups, key=lambda g: min(position[c] for c in g)):
        start = min(group, key=position.__getitem__)
        cycles.append(_shortest_cycle(start, group, edges))
    return cycles


def _shortest_cycle(
    start: str, group: set[str], edges: Mapping[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """The shortest path from ``start`` back to itself within ``group`` (breadth first)."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for target in edges[node]:
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return tuple(reversed(path))
                if target in group and target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError("a strongly connected group always holds a cycle")  # pragma: no cover


@attrs.frozen
class Catalog(Checked):
    """A versioned catalog of interventions (PL-03): codes are unique, every prerequisite
    names an intervention of the catalog and no prerequisites form a cycle.

    A cycle is reported as ``a -> b -> a`` (``a`` needs ``b`` first, which needs ``a``),
    at the prerequisites of its first intervention in the catalog.
    """

    version: str = attrs.field(metadata=checked(text_problem))
    interventions: tuple[Intervention, ...] = attrs.field(
        converter=_items, metadata=checked(_interventions_problem)
    )

    def _more_problems(self, problems: Problems) -> None:
        _graph_problems(
            [(i, item.code, item.prerequisites) for i, item in enumerate(self.interventions)],
            problems,
        )

    def __contains__(self, code: object) -> bool:
        return any(item.code == code for item in self.interventions)

    @property
    def codes(self) -> tuple[str, ...]:
        """The interventions' codes, in catalog order."""
        return tuple(item.code for item in self.interventions)

    def get(self, code: str) -> Intervention:
        """The intervention with ``code``; an unknown code is a
        :class:`~resocialize.errors.ValidationError` at ``code``, with the closest codes.

        >>> default_catalog().get("art_therapy").name
        'Art therapy: drawing'
        >>> default_catalog().get("musictherapy")
        Traceback (most recent call last):
        ...
        resocialize.errors.ValidationError: invalid input: code: unknown intervention
        'musictherapy' in catalog ...; did you mean 'music_therapy'?
        """
        for item in self.interventions:
            if item.code == code:
                return item
        if not isinstance(code, str):
            raise ValidationError.at("code", f"must be a string, not {type(code).__name__}")
        close = difflib.get_close_matches(code, self.codes, n=2, cutoff=0.75)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValidationError.at(
            "code", f"unknown intervention {code!r} in catalog {self.version}{hint}"
        )

    def order(self) -> tuple[str, ...]:
        """Every code, prerequisites before the interventions that need them; among codes
        whose prerequisites are all placed, the smallest code comes first."""
        waiting = {item.code: len(item.prerequisites) for item in self.interventions}
        needed_by: dict[str, list[str]] = {}
        for item in self.interventions:
            for need in item.prerequisites:
                needed_by.setdefault(need, []).append(item.code)
        ready = [code for code, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        placed: list[str] = []
        while ready:
            code = heapq.heappop(ready)
            placed.append(code)
            for later in needed_by.get(code, ()):
                waiting[later] -= 1
                if waiting[later] == 0:
                    heapq.heappush(ready, later)
        return tuple(placed)

    def addressing(self, need: LifeDomain) -> tuple[Intervention, ...]:
        """The interventions that meet an assessed need in ``need``, in catalog order."""
        if not isinstance(need, LifeDomain):
            raise ValidationError.at("need", member_problem(LifeDomain)(need) or "")
        return tuple(item for item in self.interventions if need in item.addresses)

    def in_domain(self, domain: ServiceDomain) -> tuple[Intervention, ...]:
        """The interventions of the program domain ``domain``, in catalog order."""
        if not isinstance(domain, ServiceDomain):
            raise ValidationError.at("domain", member_problem(ServiceDomain)(domain) or "")
        return tuple(item for item in self.interventions if item.domain is domain)

    def extended(self, *interventions: Intervention) -> Catalog:
        """A catalog with ``interventions`` added: one whose code is in the catalog replaces
        it in its place, a new one goes at the end (a later argument wins over an earlier one
        with the same code). The result is checked again: a prerequisite must exist and no
        cycle may form."""
        problems = Problems()
        for i, item in enumerate(interventions):
            if not isinstance(item, Intervention):
                problems.add(f"interventions[{i}]", f"must be an Intervention, not {kind_of(item)}")
        problems.raise_if_any()
        items = list(self.interventions)
        where = {item.code: n for n, item in enumerate(items)}
        for item in interventions:
            if item.code in where:
                items[where[item.code]] = item
            else:
                where[item.code] = len(items)
                items.append(item)
        return Catalog(self.version, tuple(items))

    def without(self, *codes: str) -> Catalog:
        """A catalog without the interventions of ``codes``. Refused with a
        :class:`~resocialize.errors.ValidationError` at ``codes[i]`` when a code is unknown
        or an intervention left in the catalog still requires it."""
        problems = Problems()
        gone = set(codes) if all(isinstance(code, str) for code in codes) else set()
        for i, code in enumerate(codes):
            if not isinstance(code, str):
                problems.add(f"codes[{i}]", f"must be a string, not {kind_of(code)}")
            elif code not in self:
                problems.add(f"codes[{i}]", f"unknown intervention {code!r}")
            else:
                still = sorted(
                    item.code
                    for item in self.interventions
                    if code in item.prerequisites and item.code not in gone
                )
                if still:
                    problems.add(f"codes[{i}]", f"{code!r} is still required by {', '.join(still)}")
        problems.raise_if_any()
        return Catalog(
            self.version, tuple(item for item in self.interventions if item.code not in gone)
        )


# --- reading files -----------------------------------------------------------------------------

_TOP: Final = ("version", "interventions")
_FIELDS: Final = tuple(field.name for field in attrs.fields(Intervention))
_REQUIRED: Final = tuple(
    field.name for field in attrs.fields(Intervention) if field.default is attrs.NOTHING
)
_ROMAN: Final = {stage.roman: stage for stage in sorted(PROGRAM_STAGES)}
_STAGE_NAMES: Final = "II, III, IV or V"
_NEEDS: Final = {need.name.lower(): need for need in Need}


class _Reader(_documents.Reader):
    """Reads one document, collecting every problem with its path."""

    def members(self, raw: object, path: str, read: Callable[[object, str], object]) -> object:
        """A list of items read by ``read`` as a frozenset; no item may be listed twice."""
        if not isinstance(raw, list | tuple):
            word = "a list" if self.toml else "an array"
            self.add(path, f"must be {word}, not {self.kind(raw)}")
            return _documents.BAD
        items: list[object] = []
        bad = False
        for j, item in enumerate(raw):
            value = read(item, f"{path}[{j}]")
            if isinstance(value, _documents.Bad):
                bad = True
            elif value in items:
                self.add(f"{path}[{j}]", f"{item!r} is listed twice")
                bad = True
            else:
                items.append(value)
        return _documents.BAD if bad else frozenset(items)

    def member(self, kind: type[enum.Enum]) -> Callable[[object, str], object]:
        """A reader of one member of ``kind``, written by value."""
        by_value = {str(m.value): m for m in kind}

        def read(raw: object, path: str) -> object:
            if isinstance(raw, str) and raw in by_value:
                return by_value[raw]
            self.add(path, f"must be one of {', '.join(by_value)}, not {raw!r}")
            return _documents.BAD

        return read

    def stage(self, raw: object, path: str) -> object:
        if isinstance(raw, str) and raw in _ROMAN:
            return _ROMAN[raw]
        self.add(path, f"must be a stage written as a roman numeral {_STAGE_NAMES}, not {raw!r}")
        return _documents.BAD

    def code(self, raw: object, path: str) -> object:
        problem = _code_problem(raw)
        if problem is not None:
            self.add(path, problem)
            return _documents.BAD
        return raw

    def need(self, raw: object, path: str) -> object:
        if isinstance(raw, str) and raw in _NEEDS:
            return _NEEDS[raw]
        if isinstance(raw, int) and not isinstance(raw, bool) and raw in Need._value2member_map_:
            return Need(raw)
        names = ", ".join(f"{name} ({need.value})" for name, need in _NEEDS.items())
        self.add(path, f"must be one of {names}, not {raw!r}")
        return _documents.BAD

    def integer(self, raw: object, path: str) -> object:
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.add(path, f"must be a whole number, not {self.kind(raw)}")
            return _documents.BAD
        return raw

    def document(self, data: object) -> Catalog:
        top = self.table(data, "$", _TOP, _TOP)
        if top is None or "interventions" not in top:
            raise ValidationError(self.problems)
        raw = top["interventions"]
        if not isinstance(raw, list | tuple):
            word = "an array of tables" if self.toml else "an array of objects"
            self.add("interventions", f"must be {word}, not {self.kind(raw)}")
            raise ValidationError(self.problems)
        entries: list[tuple[int, str, frozenset[str] | None]] = []
        items: list[Intervention] = []
        for i, item in enumerate(raw):
            intervention = self.intervention(item, f"interventions[{i}]")
            if isinstance(intervention, Intervention):
                items.append(intervention)
                entries.append((i, intervention.code, intervention.prerequisites))
            elif isinstance(item, Mapping) and _code_problem(item.get("code")) is None:
                entries.append((i, item["code"], _raw_codes(item.get("prerequisites", []))))
        version = top.get("version", _documents.BAD)
        if not self.problems:
            catalog = self.build(Catalog, "", version=version, interventions=items)
            if isinstance(catalog, Catalog):
                return catalog
            raise ValidationError(self.problems)
        if "version" in top:
            problem = text_problem(version)
            if problem is not None:
                self.add("version", problem)
        problems = Problems()
        _graph_problems(entries, problems)
        self.problems.extend(problems.items)
        raise ValidationError(self.problems)

    def intervention(self, raw: object, path: str) -> Intervention | _documents.Bad:
        table = self.table(raw, path, _FIELDS, _REQUIRED)
        if table is None:
            return _documents.BAD
        readers: dict[str, Callable[[object, str], object]] = {
            "domain": self.member(ServiceDomain),
            "addresses": lambda v, p: self.members(v, p, self.member(LifeDomain)),
            "stages": lambda v, p: self.members(v, p, self.stage),
            "weeks": self.integer,
            "per_week": self.integer,
            "providers": lambda v, p: self.members(v, p, self.member(Provider)),
            "prerequisites": lambda v, p: self.members(v, p, self.code),
            "origins": lambda v, p: self.members(v, p, self.member(Origin)),
            "minimum_need": self.need,
        }
        values: dict[str, object] = {}
        for name in _FIELDS:
            if name in table:
                read = readers.get(name)
                values[name] = table[name] if read is None else read(table[name], f"{path}.{name}")
            elif name in _REQUIRED:
                values[name] = _documents.BAD
        return self.build(Intervention, path, **values)  # type: ignore[no-any-return]


def _raw_codes(value: object) -> frozenset[str] | None:
    """The codes of a prerequisites list that could not be made an intervention, when they
    are well formed (so that they are still checked against the catalog), else ``None``."""
    if isinstance(value, list | tuple) and all(_code_problem(v) is None for v in value):
        return frozenset(value)
    return None


def catalog_from_toml(text: str) -> Catalog:
    """Read a catalog from TOML text: a ``version`` and ``[[interventions]]`` tables
    (see the module's documentation for the fields and how stages are written).
    Every problem is reported at once with its path; nothing is half-loaded."""
    data = _documents.toml_data(text)
    return _Reader(toml=True).document(data)


def catalog_from_json(text: str | bytes) -> Catalog:
    """Read a catalog from JSON of the same shape as the TOML:
    ``{"version": ..., "interventions": [{"code": ..., "stages": ["III"], ...}]}``.

    >>> catalog_from_json(catalog_to_json(default_catalog())) == default_catalog()
    True
    """
    data = _documents.json_data(text)
    return _Reader(toml=False).document(data)


def load_catalog(
    source: str | bytes | os.PathLike[str], *, format: Literal["toml", "json"] | None = None
) -> Catalog:
    """Read a catalog from a file (a path-like value: ``pathlib.Path``) or from text
    (``str`` or ``bytes``).

    ``format`` defaults to the file's suffix (``.json`` is JSON, anything else TOML)
    and to TOML for text. A file that cannot be read raises :class:`OSError`.
    """
    return _documents.load(source, format, from_toml=catalog_from_toml, from_json=catalog_from_json)


@functools.cache
def default_catalog() -> Catalog:
    """The catalog shipped with the package (``resocialize/data/catalog.toml``); each entry
    cites the seed it comes from.

    >>> default_catalog().codes[:3]
    ('motivation_building', 'co_dependent_motivation', 'confrontational_techniques')
    """
    text = resources.files("resocialize").joinpath("data/catalog.toml").read_text("utf-8")
    return catalog_from_toml(text)


def _plain(item: Intervention) -> dict[str, object]:
    data: dict[str, object] = {
        "code": item.code,
        "name": item.name,
        "domain": item.domain.value,
        "addresses": [m.value for m in LifeDomain if m in item.addresses],
        "stages": [s.roman for s in sorted(item.stages)],
        "weeks": item.weeks,
        "per_week": item.per_week,
        "providers": [m.value for m in Provider if m in item.providers],
    }
    if item.prerequisites:
        data["prerequisites"] = sorted(item.prerequisites)
    if item.co_dependents:
        data["co_dependents"] = True
    if item.origins:
        data["origins"] = [m.value for m in Origin if m in item.origins]
    if item.minimum_need is not Need.MODERATE:
        data["minimum_need"] = item.minimum_need.name.lower()
    if item.pre_release:
        data["pre_release"] = True
    if item.description:
        data["description"] = item.description
    return data


def catalog_to_json(catalog: Catalog, *, indent: int | None = 2) -> str:
    """The catalog as JSON that :func:`catalog_from_json` reads back to an equal catalog;
    a region may start its own file from the defaults this way. Fields left at their
    defaults are left out."""
    if not isinstance(catalog, Catalog):
        raise ValidationError.at("catalog", f"must be a Catalog, not {kind_of(catalog)}")
    data = {"version": catalog.version, "interventions": [_plain(i) for i in catalog.interventions]}
    return json.dumps(data, indent=indent, ensure_ascii=False)
