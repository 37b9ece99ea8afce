"""Qualification of centers against a region's criteria (RG-02, RG-05, RG-06).

A region's criteria are data. A :class:`Criterion` has a ``code``, a ``kind``, a
human ``description`` and ``params``; a :class:`CriteriaSet` holds a region's
criteria with a version. :func:`qualify` evaluates every criterion for a center
on a date and returns a :class:`QualificationResult` with a pass or fail and a
reason for each one, passed criteria included:

>>> from datetime import date
>>> from resocialize.centers import Center, Finding, FindingArea, Inspection, Severity
>>> from resocialize.organizations import OwnershipForm
>>> from resocialize.qualification import Criterion, CriteriaSet, qualify
>>> rules = CriteriaSet("north", "2026.1", (
...     Criterion("findings.human_rights", "no_serious_unresolved_finding",
...               "no serious human-rights finding is left unresolved"),
... ))
>>> center = Center(
...     "center-3", "Hope Farm", OwnershipForm.RELIGIOUS, "Borovichi",
...     inspections=[Inspection("insp-1", date(2026, 2, 10), "inspectorate-1", [
...         Finding("hr-1", FindingArea.HUMAN_RIGHTS, Severity.SERIOUS,
...                 "clients kept from leaving", deadline=date(2026, 3, 10)),
...     ])],
... )
>>> result = qualify(center, rules, on=date(2026, 4, 1))
>>> result.qualified
False
>>> print(result.failed[0].reason.message)
unresolved serious human_rights finding hr-1 (inspection insp-1 of 2026-02-10):
clients kept from leaving

**Kinds.** A criterion's ``kind`` names a :class:`CriterionKind`: a plain
function ``(center, on, params, context) -> Verdict`` with the schema of its
parameters. :data:`DEFAULT_KINDS` holds the kinds shipped; a region adds
criteria of these kinds in TOML or JSON without code, and a kind of its own by
passing ``kinds=DEFAULT_KINDS | {"my_kind": CriterionKind(...)}`` (no global
registry is changed). Criteria are checked against their kinds when loaded and
when evaluated: an unknown kind, a missing, unknown or mistyped parameter, or a
duplicate code raise one :class:`~resocialize.errors.ValidationError` listing
every problem with its path (``criteria[3].params.per_places``).

**Defaults.** :func:`default_criteria` reads the criteria shipped with the
package (``resocialize/data/criteria.toml``), drawn from the domain; its
comments say which values are statements of the domain and which are
illustrative defaults a region should set for itself.
"""

from __future__ import annotations

import enum
import functools
import gc
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from importlib import resources
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from . import _documents
from ._checks import (
    Checked,
    Problems,
    checked,
    date_problem,
    instance_problem,
    kind_of,
    text_problem,
)
from .centers import (
    SERVICE_STAGES,
    Center,
    CertificateStatus,
    Certification,
    FindingArea,
    LicenceKind,
    Program,
    Qualification,
    Setting,
    Severity,
)
from .effectiveness import MEASURES, RETENTION_DAYS, Effectiveness
from .errors import FieldProblem, ValidationError
from .organizations import OwnershipForm
from .pathway import Stage
from .rules import Decision, Detail, Reason

__all__ = [
    "ADULT_AGE",
    "DEFAULT_KINDS",
    "CriteriaSet",
    "Criterion",
    "CriterionKind",
    "CriterionOutcome",
    "Evaluate",
    "Param",
    "ParamValue",
    "QualificationContext",
    "QualificationResult",
    "Verdict",
    "check_criteria",
    "criteria_from_json",
    "criteria_from_toml",
    "criteria_to_json",
    "default_criteria",
    "load_criteria",
    "qualify",
    "qualify_many",
]

ADULT_AGE: Final = 18
"""Programs whose minimum age is below this serve minors (PW-10)."""

_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")


# --- results -------------------------------------------------------------------------------


@attrs.frozen
class CriterionOutcome:
    """How one criterion went for one center on one date; the reason explains either way."""

    code: str
    """The criterion's code, e.g. ``certification.valid``."""
    description: str
    passed: bool
    reason: Reason


@attrs.frozen
class QualificationResult:
    """Every criterion's outcome for one center on one date."""

    center_id: str
    on: date
    outcomes: tuple[CriterionOutcome, ...]

    @property
    def qualified(self) -> bool:
        """True when every criterion passed."""
        return all(o.passed for o in self.outcomes)

    @property
    def failed(self) -> tuple[CriterionOutcome, ...]:
        """The criteria that failed."""
        return tuple(o for o in self.outcomes if not o.passed)

    @property
    def decision(self) -> Decision:
        """Allowed when qualified; otherwise refused with the reason of every failed criterion."""
        return Decision(tuple(o.reason for o in self.outcomes if not o.passed))


@attrs.frozen
class Verdict:
    """What a kind's function answers: passed or not, and why (a reason's code, message and
    details). :func:`qualify` turns it into the criterion's :class:`CriterionOutcome`,
    adding the criterion's code to the details as ``criterion``.

    >>> Verdict.met("places.sufficient", "40 places (at least 1 needed)", places=40)
    Verdict(passed=True, code='places.sufficient',
            message='40 places (at least 1 needed)', details={'places': 40})
    """

    passed: bool
    code: str
    message: str
    details: Mapping[str, Detail] = attrs.field(factory=dict)

    @classmethod
    def met(cls, code: str, message: str, **details: Detail) -> Verdict:
        """The criterion is met, and why."""
        return cls(True, code, message, details)

    @classmethod
    def unmet(cls, code: str, message: str, **details: Detail) -> Verdict:
        """The criterion is not met, and why."""
        return cls(False, code, message, details)


@attrs.frozen
class QualificationContext:
    """What a criterion may read besides the center and the date.

    ``effectiveness`` is the center's measured effectiveness (RG-06), or ``None``
    when none was given: the center then counts as having no graduates yet.
    """

    effectiveness: Effectiveness | None = None


_NO_CONTEXT: Final = QualificationContext()

Evaluate = Callable[[Center, date, Mapping[str, Any], QualificationContext], Verdict]
"""The signature of a kind's function: ``(center, on, params, context) -> Verdict``."""


# --- parameters ----------------------------------------------------------------------------

ParamValue = str | int | bool | Decimal | tuple[str | int | bool | Decimal, ...]
"""A raw parameter value as a criteria file holds it: a scalar or a list of scalars."""

_REQUIRED: Any = object()


def _type_name(value: object) -> str:
    """What ``value`` is, as a criteria file's author would say it: ``an integer``."""
    return kind_of(value, toml=True)


def _integer(minimum: int | None, maximum: int | None) -> Callable[[object], Any]:
    def read(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be an integer, not {_type_name(value)}")
        if minimum is not None and value < minimum:
            raise ValueError(f"must be at least {minimum}, not {value}")
        if maximum is not None and value > maximum:
            raise ValueError(f"must be at most {maximum}, not {value}")
        return value

    return read


def _decimal(minimum: Decimal | None, maximum: Decimal | None) -> Callable[[object], Any]:
    def read(value: object) -> Decimal:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                raise ValueError(
                    f"must be a decimal number such as '0.60', not {value!r}"
                ) from None
        else:
            raise ValueError(
                f"must be a decimal number written as a string such as '0.60', "
                f"not {_type_name(value)}"
            )
        if not number.is_finite():
            raise ValueError(f"must be a finite number, not {value!r}")
        if minimum is not None and number < minimum:
            raise ValueError(f"must be at least {minimum}, not {number}")
        if maximum is not None and number > maximum:
            raise ValueError(f"must be at most {maximum}, not {number}")
        return number

    return read


def _text(value: object) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    assert isinstance(value, str)
    return value


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {_type_name(value)}")
    return value


def _choice(values: tuple[str, ...], convert: Callable[[str], Any]) -> Callable[[object], Any]:
    allowed = frozenset(values)

    def read(value: object) -> Any:
        if isinstance(value, enum.Enum):
            value = value.value
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(f"must be one of {', '.join(values)}, not {value!r}")
        return convert(value)

    return read


_ROMAN: Final = {stage.roman: stage for stage in SERVICE_STAGES}
_ROMAN_OF: Final = {stage: stage.roman for stage in Stage}
_STAGE_NAMES: Final = "III, IV or V (or 3, 4, 5)"


def _stage(value: object) -> Stage:
    if isinstance(value, Stage) and value in SERVICE_STAGES:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 3 <= value <= 5:
        return Stage(value)
    if isinstance(value, str) and value in _ROMAN:
        return _ROMAN[value]
    raise ValueError(f"must be a stage a center serves: {_STAGE_NAMES}, not {value!r}")


def _many(read: Callable[[object], Any]) -> Callable[[object], Any]:
    def read_all(value: object) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise ValueError(f"must be a list, not {_type_name(value)}")
        if not value:
            raise ValueError("must not be empty")
        items = []
        for i, item in enumerate(value):
            try:
                parsed = read(item)
            except ValueError as err:
                raise ValueError(f"item {i}: {err}") from None
            if parsed in items:
                raise ValueError(f"item {i}: {item!r} is listed twice")
            items.append(parsed)
        return tuple(items)

    return read_all


@attrs.frozen
class Param:
    """One parameter of a criterion kind: its type, whether it is required, its default.

    ``read`` turns a raw value from a criteria file into the value the kind's
    function receives, or raises :class:`ValueError` saying why it cannot. Build
    parameters with the class methods, which also read the default:

    >>> Param.integer(minimum=1).read(15)
    15
    >>> Param.integer(minimum=1).read("15")
    Traceback (most recent call last):
    ...
    ValueError: must be an integer, not a string
    >>> Param.stage(many=True).read(["III", 4])
    (<Stage.SOCIAL_REHABILITATION: 3>, <Stage.RESOCIALIZATION: 4>)
    """

    type_name: str
    """The type, as people read it: ``integer >= 1``, ``one of: a, b``."""
    read: Callable[[object], Any] = attrs.field(eq=False, repr=False)
    required: bool = True
    default: Any = None
    """The value (already read) a kind's function receives when the parameter is left out."""
    description: str = ""

    @classmethod
    def _make(
        cls, type_: str, read: Callable[[object], Any], default: object, description: str
    ) -> Param:
        if default is _REQUIRED:
            return cls(type_, read, True, None, description)
        return cls(type_, read, False, None if default is None else read(default), description)

    @classmethod
    def integer(
        cls,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        default: object = _REQUIRED,
        description: str = "",
    ) -> Param:
        """A whole number, optionally bounded."""
        bounds = (f" >= {minimum}" if minimum is not None else "") + (
            f" <= {maximum}" if maximum is not None else ""
        )
        return cls._make("integer" + bounds, _integer(minimum, maximum), default, description)

    @classmethod
    def decimal(
        cls,
        *,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
        default: object = _REQUIRED,
        description: str = "",
    ) -> Param:
        """A decimal number written as a string (``"0.60"``), read as a :class:`~decimal.Decimal`;
        a float is refused, as everywhere in the library."""
        bounds = (f" >= {minimum}" if minimum is not None else "") + (
            f" <= {maximum}" if maximum is not None else ""
        )
        return cls._make(
            "decimal string" + bounds, _decimal(minimum, maximum), default, description
        )

    @classmethod
    def text(cls, *, default: object = _REQUIRED, description: str = "") -> Param:
        """A non-empty string."""
        return cls._make("string", _text, default, description)

    @classmethod
    def boolean(cls, *, default: object = _REQUIRED, description: str = "") -> Param:
        """``true`` or ``false``."""
        return cls._make("boolean", _boolean, default, description)

    @classmethod
    def choice(
        cls,
        choices: type[enum.Enum] | Iterable[str],
        *,
        many: bool = False,
        default: object = _REQUIRED,
        description: str = "",
    ) -> Param:
        """One of ``choices`` (the values of an enum, read as its members, or strings), or with
        ``many`` a non-empty list of them without repeats, read as a tuple."""
        if isinstance(choices, type) and issubclass(choices, enum.Enum):
            values = tuple(str(member.value) for member in choices)
            read = _choice(values, choices)
        else:
            values = tuple(choices)
            read = _choice(values, str)
        type_ = "one of: " + ", ".join(values)
        if many:
            return cls._make("list, each " + type_, _many(read), default, description)
        return cls._make(type_, read, default, description)

    @classmethod
    def stage(
        cls, *, many: bool = False, default: object = _REQUIRED, description: str = ""
    ) -> Param:
        """A stage a center serves, written ``"III"``, ``"IV"``, ``"V"`` or 3, 4, 5; read as a
        :class:`~resocialize.pathway.Stage` (a tuple of them with ``many``)."""
        if many:
            return cls._make(f"list of stages {_STAGE_NAMES}", _many(_stage), default, description)
        return cls._make(f"stage {_STAGE_NAMES}", _stage, default, description)


def _params_mapping(value: object) -> object:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _params_problem(value: object) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a mapping of parameter names to Param, not {type(value).__name__}"
    for name, param in value.items():
        if not isinstance(name, str) or not _KIND.match(name):
            return f"parameter names must be lower-case words, not {name!r}"
        if not isinstance(param, Param):
            return f"{name}: must be a Param, not {type(param).__name__}"
    return None


def _callable_problem(value: object) -> str | None:
    return None if callable(value) else f"must be a function, not {type(value).__name__}"


def _optional_callable_problem(value: object) -> str | None:
    return None if value is None else _callable_problem(value)


@attrs.frozen(eq=False)
class CriterionKind(Checked):
    """A kind of criterion: the function that evaluates it and the schema of its parameters.
    Kinds compare by identity.

    ``evaluate(center, on, params, context)`` receives the parameters already read
    (defaults filled in) and returns a :class:`Verdict`. ``check``, if given,
    states rules across parameters: it returns ``(name, message)`` for each problem
    (``("max_days", "must not be below min_days")``).

    A region's own kind is a plain function; pass it to :func:`qualify` in the
    ``kinds`` mapping:

    >>> def runs_art_therapy(center, on, params, context):
    ...     if any("art_therapy" in p.technologies for p in center.programs):
    ...         return Verdict.met("technology.present", "a program uses art therapy")
    ...     return Verdict.unmet("technology.missing", "no program uses art therapy")
    >>> art = CriterionKind(runs_art_therapy, {}, "a program uses art therapy (PL-03)")
    >>> kinds = DEFAULT_KINDS | {"art_therapy": art}
    >>> sorted(kinds)[:2]
    ['art_therapy', 'certification_valid']
    """

    evaluate: Evaluate = attrs.field(repr=False, metadata=checked(_callable_problem))
    params: Mapping[str, Param] = attrs.field(
        converter=_params_mapping, repr=lambda p: repr(dict(p)), metadata=checked(_params_problem)
    )
    description: str = attrs.field(metadata=checked(text_problem))
    check: Callable[[Mapping[str, Any]], Iterable[tuple[str, str]]] | None = attrs.field(
        default=None, repr=False, metadata=checked(_optional_callable_problem)
    )

    def read_params(self, raw: Mapping[str, object]) -> Mapping[str, Any]:
        """Read raw parameters: every one known, every required one present, each of its type.

        Returns the values read, defaults filled in. Raises
        :class:`~resocialize.errors.ValidationError` listing every problem at
        ``params.<name>``.
        """
        problems = Problems()
        values: dict[str, Any] = {}
        for name, value in raw.items():
            param = self.params.get(name)
            if param is None:
                known = ", ".join(sorted(self.params)) or "none"
                problems.add(f"params.{name}", f"unknown parameter; this kind takes: {known}")
                continue
            try:
                values[name] = param.read(value)
            except ValueError as err:
                # a message that already lists the choices is not followed by them again
                said = str(err)
                typed = "" if "must be one of" in said else f" ({param.type_name})"
                problems.add(f"params.{name}", f"{said}{typed}")
        for name, param in self.params.items():
            if name in raw:
                continue
            if param.required:
                problems.add(f"params.{name}", f"missing parameter ({param.type_name})")
            else:
                values[name] = param.default
        if not problems.items and self.check is not None:
            for name, message in self.check(values):
                problems.add(f"params.{name}", message)
        problems.raise_if_any()
        return MappingProxyType(values)


# --- criteria ------------------------------------------------------------------------------


def _raw_value_problem(value: object) -> str | None:
    if isinstance(value, float):
        return f"must not be a float: write a decimal number as a string, such as '{value!r}'"
    if isinstance(value, Decimal):
        return None if value.is_finite() else "must be a finite number"
    if isinstance(value, str | int):
        return None
    if isinstance(value, Mapping):
        return "must be a value or a list of values, not a table"
    return f"must be a string, integer, boolean or decimal string, not {_type_name(value)}"


def _params_problems(params: object, problems: Problems) -> set[object]:
    """Add a problem for every malformed parameter; return the names of those."""
    if not isinstance(params, Mapping):
        problems.add("params", f"must be a table of parameters, not {_type_name(params)}")
        return set()
    bad: set[object] = set()
    for name, value in params.items():
        before = len(problems.items)
        if not isinstance(name, str) or not _KIND.match(name):
            problems.add(f"params.{name}", "parameter names are lower-case words like per_places")
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                problems.check(f"params.{name}[{i}]", _raw_value_problem(item))
        else:
            problems.check(f"params.{name}", _raw_value_problem(value))
        if len(problems.items) > before:
            bad.add(name)
    return bad


def _raw_params(value: object) -> object:
    if not isinstance(value, Mapping):
        return value
    return MappingProxyType(
        {
            key: tuple(item) if isinstance(item, list | tuple) else item
            for key, item in value.items()
        }
    )


def _code_problem(value: object) -> str | None:
    if not isinstance(value, str) or not _CODE.match(value):
        return f"must be dotted lower-case words like 'staff.psychologists', not {value!r}"
    return None


def _kind_problem(value: object) -> str | None:
    if not isinstance(value, str) or not _KIND.match(value):
        return f"must be a kind's name in lower-case words like 'staff_per_places', not {value!r}"
    return None


def _criterion_problems(
    code: object, kind: object, description: object, params: object, problems: Problems
) -> None:
    problems.check("code", _code_problem(code))
    problems.check("kind", _kind_problem(kind))
    problems.check("description", text_problem(description))
    _params_problems(params, problems)


@attrs.frozen
class Criterion:
    """One criterion of a region: a ``code``, the ``kind`` that evaluates it, a human
    ``description`` and the raw ``params`` as a criteria file holds them.

    The value checks its own shape; the parameters are checked against the kind
    when the criteria are loaded (:func:`load_criteria`), checked
    (:func:`check_criteria`) or evaluated (:func:`qualify`), because the kinds are
    passed in there.

    >>> Criterion("staff.psychologists", "staff_per_places", "1 psychologist per 15 places",
    ...           {"qualification": "psychologist", "per_places": 15, "min": 1}).params["min"]
    1
    >>> Criterion("Staff", "staff_per_places", " ", {"per_places": 1.5})
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input:
    code: must be dotted lower-case words like 'staff.psychologists', not 'Staff';
    description: must not be empty;
    params.per_places: must not be a float: write a decimal number as a string, such as '1.5'
    """

    code: str
    kind: str
    description: str
    params: Mapping[str, ParamValue] = attrs.field(
        factory=dict, converter=_raw_params, hash=False, repr=lambda p: repr(dict(p))
    )

    def __attrs_post_init__(self) -> None:
        problems = Problems()
        _criterion_problems(self.code, self.kind, self.description, self.params, problems)
        problems.raise_if_any()


def _as_tuple(value: Iterable[Criterion]) -> tuple[Criterion, ...]:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return tuple(value)
    return value  # type: ignore[return-value]  # the check reports it


def _criteria_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return "must be a tuple of Criterion"
    for i, item in enumerate(value):
        if not isinstance(item, Criterion):
            return f"item {i} must be a Criterion, not {type(item).__name__}"
    return None


def _duplicates(codes: Iterable[object], problems: Problems, prefix: str) -> None:
    first: dict[object, int] = {}
    for i, code in enumerate(codes):
        if code is None:
            continue
        if code in first:
            problems.add(
                f"{prefix}[{i}].code", f"duplicate code {code!r} (first at [{first[code]}])"
            )
        else:
            first[code] = i


@attrs.frozen
class CriteriaSet(Checked):
    """A region's criteria, with a version (RG-02). Codes are unique."""

    region: str = attrs.field(metadata=checked(text_problem))
    version: str = attrs.field(metadata=checked(text_problem))
    criteria: tuple[Criterion, ...] = attrs.field(
        converter=_as_tuple, metadata=checked(_criteria_problem)
    )

    def _more_problems(self, problems: Problems) -> None:
        _duplicates((c.code for c in self.criteria), problems, "criteria")

    @property
    def codes(self) -> tuple[str, ...]:
        """The criteria's codes, in order."""
        return tuple(c.code for c in self.criteria)

    def get(self, code: str) -> Criterion | None:
        """The criterion with ``code``, or ``None``."""
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        return None


# --- the kinds shipped -----------------------------------------------------------------------

_SEVERITY_RANK: Final = {severity: i for i, severity in enumerate(Severity)}
_APPLIES_TO: Final = ("all", "medical_programs", "minors_programs")
_ONE_PROGRAM: Final = {
    "all": "program",
    "medical_programs": "program that gives medical services",
    "minors_programs": f"program for minors (minimum age below {ADULT_AGE})",
}
_PROGRAMS: Final = {
    "all": "programs",
    "medical_programs": "programs that give medical services",
    "minors_programs": f"programs for minors (minimum age below {ADULT_AGE})",
}


def _in_scope(center: Center, applies_to: str) -> tuple[Program, ...]:
    if applies_to == "medical_programs":
        return tuple(p for p in center.programs if p.medical)
    if applies_to == "minors_programs":
        return tuple(p for p in center.programs if p.minimum_age < ADULT_AGE)
    return center.programs


def _ids(programs: Iterable[Program]) -> str:
    return ", ".join(p.id for p in programs)


def _romans(stages: Iterable[Stage]) -> str:
    return ", ".join([_ROMAN_OF[s] for s in stages])


_STATUS_WORDS: Final = {status: status.value for status in CertificateStatus} | {
    CertificateStatus.NONE: "none held"
}


def _best_valid(center: Center, stage: Stage, on: date) -> Certification | None:
    valid = [
        c
        for c in center.certifications
        if c.covers(stage) and c.status_on(on) is CertificateStatus.VALID
    ]
    return max(valid, key=lambda c: (c.valid_until, c.id), default=None)


def certification_valid(
    center: Center, on: date, params: Mapping[str, Any], context: QualificationContext
) -> Verdict:
    """The center holds a certification valid on the date for each stage it runs programs
    for (RG-03); ``stages`` limits which stages need one."""
    wanted: tuple[Stage, ...] | None = params["stages"]
    stages = sorted({p.stage for p in center.programs if wanted is None or p.stage in wanted})
    if not stages:
        scope = f"stage {_romans(wanted)}" if wanted else "any stage"
        return Verdict.met(
            "certification.not_required",
            f"runs no program of {scope}: no certification is needed",
            on=on.isoformat(),
        )
    held: dict[str, tuple[Certification, list[Stage]]] = {}
    missing: list[tuple[Stage, CertificateStatus]] = []
    for stage in stages:
        cert = _best_valid(center, stage, on)
        if cert is None:
            missing.append((stage, center.certification_status_on(on, stage)))
        else:
            held.setdefault(cert.id, (cert, []))[1].append(stage)
    if missing:
        details: dict[str, Detail] = {
            "on": on.isoformat(),
            "stages": _romans(s for s, _ in missing),
        }
        details.update({f"status_{_ROMAN_OF[s]}": status.value for s, status in missing})
        listed = ", ".join(
            f"stage {_ROMAN_OF[s]} ({_STATUS_WORDS[status]})" for s, status in missing
        )
        return Verdict.unmet(
            "certification.invalid", f"no valid certification on {on}: {listed}", **details
        )
    message = "; ".join(
        f"certification {cert.id} valid until {cert.valid_until} for stage {_romans(covered)}"
        for cert, covered in held.values()
    )
    return Verdict.met(
        "certification.valid",
        message,
        on=on.isoformat(),
        certifications=", ".join(held),
        stages=_romans(stages),
    )


def licence_where_required(
    center: Center, on: date, params: Mapping[str, Any], context: QualificationContext
) -> Verdict:
    """A licence of ``kind`` is in force on the date where the center runs programs that need
    one (``applies_to``; by default, programs that give medical services: RG-01)."""
    kind: LicenceKind = params["kind"]
    applies_to: str = params["applies_to"]
    programs = _in_scope(center, applies_to)
    if not programs:
        return Verdict.met(
            "licence.not_required",
            f"runs no {_ONE_PROGRAM[applies_to]}: no {kind.value} licence is needed",
            kind=kind.value,
        )
    active = [lic for lic in center.licences if lic.kind is kind and lic.active_on(on)]
    if not active:
        return Verdict.unmet(
            "licence.missing",
            f"no {kind.value} licence is in force on {on} for {_ids(programs)} "
            f"({_PROGRAMS[applies_to]})",
            kind=kind.value,
            on=on.isoformat(),
            programs=_ids(programs),
        )
    licence = active[0]
    until = f" until {licence.valid_until}" if licence.valid_until else ""
    return Verdict.met(
        "licence.in_force",
        f"{kind.value} licence {licence.number} in force on {on}{until} for {_ids(programs)}",
        kind=kind.value,
        licence=licence.number,
        programs=_ids(programs),
    )


def staff_per_places(
    center: Center, on: date, params: Mapping[str, Any], context: QualificationContext
) -> Verdict:
    """At least one staff member of ``qualification`` per ``per_places`` places of the
    programs in ``settings`` (residential and day by default), and never fewer than ``min``."""
    qualification: Qualification = params["qualification"]
    per: int = params["per_places"]
    least: int = params["min"]
    settings: tuple[Setting, ...] = params["settings"]
    places = sum(p.places for p in center.programs if p.setting in settings)
    needed = max(least, math.ceil(places / per))
    have = center.staff_count(qualification)
    where = " and ".join(s.value for s in settings)
    rule = f"1 per {per} places" + (f", at least {least}" if least else "")
    details: dict[str, Detail] = {
        "qualification": qualification.value,
        "staff": have,
        "needed": needed,
        "places": places,
    }
    text = (
        f"{have} {qualification.value} staff for {places} {where} places (needed {needed}: {rule})"
    )
    if have >= needed:
        return Verdict(True, "staff.sufficient", text, details)
    return Verdict(False, "staff.insufficient", text, details)


def _length_check(values: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    low, high = values["min_days"], values["max_days"]
    if low is None and high is None:
        yield "max_days", "give min_days, max_days or both"
    elif low is not None and high is not None and high < low:
        yield "max_days", f"must not be below min_days ({high} < {low})"


def program_length(
    center: Center, on: date, params: Mapping[str, Any], context: QualificationContext
) -> Verdict:
    """Every program of ``stage`` lasts at least ``min_days`` and at most ``max_days``."""
    stage: Stage = params["stage"]
    low: int | None = params["min_days"]
    high: int | None = params["max_days"]
    bounds = f"{low if low is not None else 1}..{high if high is not None else 'any'} days"
    programs = center.programs_for(stage)
    if not programs:
        return Verdict.met(
            "program_length.no_program",
            f"runs no stage {_ROMAN_OF[stage]} program",
            stage=_ROMAN_OF[stage],
        )
    outside = [
        p
        for p in programs
        if (low is not None and p.duration_days < low)
        or (high is not None and p.duration_days > high)
    ]
    lengths = ", ".join(f"{p.id}: {p.duration_days} days" for p in (outside or programs))
    if outside:
        return Verdict.unmet(
            "program_length.out_of_bounds",
            f"stage {_ROMAN_OF[stage]} programs must last {bounds}; {lengths}",
            stage=_ROMAN_OF[stage],
            programs=_ids(outside),
        )
    return Verdict.met(
        "program_length.within_bounds",
        f"stage {_ROMAN_OF[stage]} programs last {bounds} ({lengths})",
        stage=_ROMAN_OF[stage],
    )


def _worse_or_equal(severity: Severity, floor: Severity) -> bool:
    return _SEVERITY_RANK[severity] >= _SEVERITY_RANK[floor]


def no_serious_unresolved_finding(
    center: Center, on: date, params: Mapping[str, Any], context: QualificationContext
) -> Verdict:
    """No inspection finding in ``areas`` (human rights by default) of ``severity`` (serious by
    default) or worse is unresolved on the date (RG-05)."""
    areas: tuple[FindingArea, ...] = params["areas"]
    floor: Severity = params["severity"]
    open_ = [
        (inspection, finding)
        for inspection in center.inspections
        for finding in inspection.open_findings(on)
        if finding.area in areas and _worse_or_equal(finding.severity, floor)
    ]
    scope = f"{'/'.join(a.value for a in areas)} finding of severity {floor.value} or worse"
    if not open_:
        return Verdict.met(
            "findings.none_unresolved", f"no unresolved {scope} on {on}", on=on.isoformat()
        )
    listed = "; ".join(
        f"unresolved {f.severity.value} {f.area.value} finding {f.code} "
        f"(inspection {i.id} of {i.on}): {f.description}"
        for i, f in open_
    )
    return Verdict.unmet(
        "findings.unresolved",
        listed,
        on=on.isoformat(),
        findings=", ".join(f.code for _, f in open_),
        areas=", ".join(sorted({f.area.value for _, f in open_})),
        count=len(open_),
    )


def no_overdue_findings(
    center: Center, on: date, params: Mapping[str, Any], context: QualificationContext
) -> Verdict:
    """No inspection finding of ``severity`` or worse in ``areas`` is unresolved after its
    deadline (RG-05)."""
    areas: tuple[FindingArea, ...] = params["areas"]
    floor: Severity = params["severity"]
    overdue = [
        f
        for inspection in center.inspections
        for f in inspection.open_findings(on)
        if f.deadline is not None
        and f.deadline < on
        and f.area in areas
        and _worse_or_equal(f.severity, floor)
    ]
    if not overdue:
        return Verdict.met(
            "findings.none_overdue",
            f"no finding of severity {floor.value} or worse is past its deadline on {on}",
            on=on.isoformat(),
        )
    listed = "; ".join(
        f"finding {f.code} ({f.area.value}, {f.severity.value}) was due {f.deadline}"
        for f in overdue
    )
    return Verdict.unmet(
        "findings.overdue",
        f"unresolved after the deadline on {on}: {listed}",
        on=on.isoformat(),
        findings=", ".join(f.code for f in overdue),
        count=len(overdue),
    )


_MEASURE_BASE: Final = {
    "completion_rate": ("admissions", "admissions", "admissions"),
    "retention_rate": (
        "retention_cohort",
        "admissions",
        f"admissions followed {RETENTION_DAYS} days",
    ),
    "remission_6m_rate": ("remission_6m_cohort", "graduates", "graduates followed 6 months"),
    "remission_12m_rate": ("remission_12m_cohort", "graduates", "graduates followed 12 months"),
}
"""For each measure: the count it is taken over, its short and long name."""


def _percent(rate: Fraction) -> str:
    return f"{Decimal(rate.numerator) / Decimal(rate.denominator) * 100:.1f}%"


def effectiveness_threshold(
    center: Center, on: date, params: Mapping[str, Any], context: QualificationContext
) -> Verdict:
    """The center's ``measure`` is at least ``minimum``, once ``min_graduates`` exist (RG-06).

    The count that must reach ``min_graduates`` is the one the measure is taken
    over: graduates followed up for the remission rates, admissions for the
    completion and retention rates (so that a center that graduates few clients is
    still judged on its completion rate). Until then the criterion passes, saying
    so. Without a measured effectiveness the center counts as having none yet.
    """
    measure: str = params["measure"]
    minimum: Decimal = params["minimum"]
    least: int = params["min_graduates"]
    base, short, long = _MEASURE_BASE[measure]
    eff = context.effectiveness
    count = 0 if eff is None else int(getattr(eff, base))
    rate: Fraction | None = None if eff is None else getattr(eff, measure)
    details: dict[str, Detail] = {"measure": measure, "minimum": str(minimum), short: count}
    if rate is None or count < max(least, 1):
        measured = "no effectiveness measured: " if eff is None else ""
        return Verdict.met(
            "effectiveness.too_few_graduates",
            f"{measured}not enough {short} yet ({count} < {max(least, 1)}) to judge {measure}",
            **details,
        )
    details["rate"] = f"{rate.numerator}/{rate.denominator}"
    text = (
        f"{measure} {_percent(rate)} ({rate.numerator}/{rate.denominator}) "
        f"over {count} {long}; the minimum is {minimum}"
    )
    if rate >= Fraction(minimum):
        return Verdict(True, "effectiveness.met", text, details)
    return Verdict(False, "effectiveness.below_minimum", text, details)


def minimum_places(
    center: Center, on: date, params: Mapping[str, Any], context: QualificationContext
) -> Verdict:
    """The center offers at least ``places`` program places (of ``stage``, if given)."""
    least: int = params["places"]
    stage: Stage | None = params["stage"]
    places = center.places(stage)
    scope = f"stage {_ROMAN_OF[stage]} " if stage is not None else ""
    text = f"{places} {scope}program places (at least {least} needed)"
    details: dict[str, Detail] = {"places": places, "needed": least}
    if places >= least:
        return Verdict(True, "places.sufficient", text, details)
    return Verdict(False, "places.too_few", text, details)


def ownership_in(
    center: Center, on: date, params: Mapping[str, Any], context: QualificationContext
) -> Verdict:
    """A center running ``applies_to`` programs has one of the ownership ``forms`` (e.g. a region
    serving minors only in state centers: PW-10)."""
    forms: tuple[OwnershipForm, ...] = params["forms"]
    applies_to: str = params["applies_to"]
    allowed = ", ".join(f.value for f in forms)
    programs = _in_scope(center, applies_to)
    if not programs:
        return Verdict.met(
            "ownership.not_applicable",
            f"runs no {_ONE_PROGRAM[applies_to]}: any ownership form may",
            ownership=center.ownership.value,
        )
    details: dict[str, Detail] = {
        "ownership": center.ownership.value,
        "allowed": allowed,
        "programs": _ids(programs),
    }
    if center.ownership in forms:
        return Verdict(
            True,
            "ownership.allowed",
            f"{center.ownership.value} ownership may run {_PROGRAMS[applies_to]}",
            details,
        )
    return Verdict(
        False,
        "ownership.not_allowed",
        f"{_PROGRAMS[applies_to]} ({_ids(programs)}) are run only by centers of "
        f"{allowed} ownership; this center is {center.ownership.value}",
        details,
    )


_APPLIES = functools.partial(Param.choice, _APPLIES_TO)

DEFAULT_KINDS: Final[Mapping[str, CriterionKind]] = MappingProxyType(
    {
        "certification_valid": CriterionKind(
            certification_valid,
            {
                "stages": Param.stage(
                    many=True,
                    default=None,
                    description="the stages that need certification (default: every stage "
                    "the center runs programs for)",
                ),
            },
            "a valid certification on the date for each stage the center runs (RG-03)",
        ),
        "licence_where_required": CriterionKind(
            licence_where_required,
            {
                "kind": Param.choice(LicenceKind, default="medical"),
                "applies_to": _APPLIES(default="medical_programs"),
            },
            "a licence in force where programs need one (RG-01)",
        ),
        "staff_per_places": CriterionKind(
            staff_per_places,
            {
                "qualification": Param.choice(Qualification),
                "per_places": Param.integer(minimum=1, description="places per staff member"),
                "min": Param.integer(minimum=0, default=0, description="the absolute minimum"),
                "settings": Param.choice(
                    Setting,
                    many=True,
                    default=("residential", "day"),
                    description="the settings whose places count",
                ),
            },
            "staff of a qualification in proportion to places, with a minimum",
        ),
        "program_length": CriterionKind(
            program_length,
            {
                "stage": Param.stage(),
                "min_days": Param.integer(minimum=1, default=None),
                "max_days": Param.integer(minimum=1, default=None),
            },
            "the length of every program of a stage within bounds",
            _length_check,
        ),
        "no_serious_unresolved_finding": CriterionKind(
            no_serious_unresolved_finding,
            {
                "areas": Param.choice(FindingArea, many=True, default=("human_rights",)),
                "severity": Param.choice(Severity, default="serious"),
            },
            "no unresolved inspection finding of an area and severity (RG-05)",
        ),
        "no_overdue_findings": CriterionKind(
            no_overdue_findings,
            {
                "severity": Param.choice(Severity, default="minor"),
                "areas": Param.choice(
                    FindingArea, many=True, default=tuple(a.value for a in FindingArea)
                ),
            },
            "no inspection finding unresolved past its deadline (RG-05)",
        ),
        "effectiveness_threshold": CriterionKind(
            effectiveness_threshold,
            {
                "measure": Param.choice(MEASURES),
                "minimum": Param.decimal(minimum=Decimal(0), maximum=Decimal(1)),
                "min_graduates": Param.integer(
                    minimum=0, description="the count the measure is taken over, before it applies"
                ),
            },
            "an effectiveness measure at least a minimum, once enough graduates exist (RG-06)",
        ),
        "minimum_places": CriterionKind(
            minimum_places,
            {
                "places": Param.integer(minimum=1),
                "stage": Param.stage(default=None),
            },
            "at least a number of program places",
        ),
        "ownership_in": CriterionKind(
            ownership_in,
            {
                "forms": Param.choice(OwnershipForm, many=True),
                "applies_to": _APPLIES(default="all"),
            },
            "an ownership form among those allowed, for some programs (PW-10)",
        ),
    }
)
"""The kinds shipped, by name. Extend by passing ``DEFAULT_KINDS | {"name": kind}``."""


# --- checking criteria against kinds ---------------------------------------------------------

_Compiled = tuple[Criterion, Evaluate, Mapping[str, Any]]


def _kinds_problems(kinds: object, problems: Problems) -> Mapping[str, CriterionKind]:
    if not isinstance(kinds, Mapping):
        problems.add(
            "kinds", f"must be a mapping of names to CriterionKind, not {_type_name(kinds)}"
        )
        return {}
    good: dict[str, CriterionKind] = {}
    for name, kind in kinds.items():
        if not isinstance(kind, CriterionKind):
            problems.add(f"kinds.{name}", f"must be a CriterionKind, not {type(kind).__name__}")
        elif isinstance(name, str):
            good[name] = kind
    return good


def _read_params(
    kind_name: str,
    params: Mapping[str, object],
    path: str,
    kinds: Mapping[str, CriterionKind],
    problems: Problems,
    malformed: Iterable[object] = (),
) -> tuple[CriterionKind, Mapping[str, Any]] | None:
    """Read ``params`` for the kind named; problems go to ``problems`` under ``path``.

    ``malformed`` names parameters already reported as malformed: they are neither
    read nor reported missing.
    """
    kind = kinds.get(kind_name)
    if kind is None:
        known = ", ".join(sorted(kinds))
        problems.add(f"{path}.kind", f"unknown kind {kind_name!r}; known: {known}")
        return None
    skip = {f"{path}.params.{name}" for name in malformed}
    clean = {name: value for name, value in params.items() if name not in set(malformed)}
    try:
        return kind, kind.read_params(clean)
    except ValidationError as err:
        problems.items.extend(p for p in err.under(path).problems if p.path not in skip)
        return None


def _read_against(
    criterion: Criterion, path: str, kinds: Mapping[str, CriterionKind], problems: Problems
) -> _Compiled | None:
    read = _read_params(criterion.kind, criterion.params, path, kinds, problems)
    return None if read is None else (criterion, read[0].evaluate, read[1])


def _compile(criteria: object, kinds: object) -> tuple[_Compiled, ...]:
    problems = Problems()
    known = _kinds_problems(kinds, problems)
    if isinstance(criteria, CriteriaSet):
        items: tuple[object, ...] = criteria.criteria
    elif isinstance(criteria, Iterable) and not isinstance(criteria, str | bytes | Mapping):
        items = tuple(criteria)
        for i, item in enumerate(items):
            problems.check(f"criteria[{i}]", instance_problem(Criterion)(item))
        if not problems.items:
            _duplicates((c.code for c in items if isinstance(c, Criterion)), problems, "criteria")
    else:
        raise ValidationError.at(
            "criteria", f"must be a CriteriaSet or Criterion values, not {_type_name(criteria)}"
        )
    compiled = []
    if not problems.items:
        for i, criterion in enumerate(items):
            assert isinstance(criterion, Criterion)
            done = _read_against(criterion, f"criteria[{i}]", known, problems)
            if done is not None:
                compiled.append(done)
    problems.raise_if_any()
    return tuple(compiled)


def check_criteria(
    criteria: CriteriaSet | Iterable[Criterion],
    *,
    kinds: Mapping[str, CriterionKind] = DEFAULT_KINDS,
) -> None:
    """Check every criterion against its kind: known kind, parameters known, present and typed.

    Raises one :class:`~resocialize.errors.ValidationError` listing every problem.

    >>> check_criteria([Criterion("x.y", "staff_per_places", "staff", {"per_places": "15"})])
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input:
    criteria[0].params.per_places: must be an integer, not a string (integer >= 1);
    criteria[0].params.qualification: missing parameter (one of: narcologist, ...)
    """
    _compile(criteria, kinds)


# --- evaluating --------------------------------------------------------------------------------


def _outcome(criterion: Criterion, verdict: object) -> CriterionOutcome:
    if type(verdict) is not Verdict:
        raise ValidationError.at(
            f"kinds.{criterion.kind}",
            f"returned {type(verdict).__name__} for {criterion.code}, not a Verdict",
        )
    details = dict(verdict.details)
    details["criterion"] = criterion.code
    reason = Reason(verdict.code, verdict.message, details)
    return CriterionOutcome(criterion.code, criterion.description, verdict.passed is True, reason)


def _evaluate(
    center: Center, on: date, compiled: tuple[_Compiled, ...], context: QualificationContext
) -> QualificationResult:
    outcomes = tuple(
        _outcome(criterion, evaluate(center, on, params, context))
        for criterion, evaluate, params in compiled
    )
    return QualificationResult(center.id, on, outcomes)


def qualify(
    center: Center,
    criteria: CriteriaSet | Iterable[Criterion],
    *,
    on: date,
    effectiveness: Effectiveness | None = None,
    kinds: Mapping[str, CriterionKind] = DEFAULT_KINDS,
) -> QualificationResult:
    """Evaluate every criterion for ``center`` on ``on``: an outcome with a reason for each.

    ``effectiveness`` is the center's measured effectiveness for the criteria that
    read it (:func:`resocialize.effectiveness.effectiveness`); ``kinds`` the kinds
    the criteria may name. Bad arguments and criteria that do not fit their kinds
    raise one :class:`~resocialize.errors.ValidationError` listing every problem.
    """
    problems = Problems()
    problems.check("center", instance_problem(Center)(center))
    problems.check("on", date_problem(on))
    if effectiveness is not None:
        problem = instance_problem(Effectiveness)(effectiveness)
        if problem is None and isinstance(center, Center) and effectiveness.center_id != center.id:
            problem = f"is measured for {effectiveness.center_id!r}, not for {center.id!r}"
        problems.check("effectiveness", problem)
    try:
        compiled = _compile(criteria, kinds)
    except ValidationError as err:
        problems.items.extend(err.problems)
    problems.raise_if_any()
    context = _NO_CONTEXT if effectiveness is None else QualificationContext(effectiveness)
    return _evaluate(center, on, compiled, context)


def qualify_many(
    centers: Iterable[Center],
    criteria: CriteriaSet | Iterable[Criterion],
    *,
    on: date,
    effectiveness_by_center: Mapping[str, Effectiveness] | None = None,
    kinds: Mapping[str, CriterionKind] = DEFAULT_KINDS,
) -> Mapping[str, QualificationResult]:
    """Qualify many centers on one date: the criteria are checked against their kinds once.

    Returns the results by center id, in the order given; the same as :func:`qualify`
    for each. A center missing from ``effectiveness_by_center`` (as
    :func:`~resocialize.effectiveness.effectiveness_by_center` leaves out centers with
    no admission) counts as having no graduates yet. Ids must be unique.
    """
    problems = Problems()
    problems.check("on", date_problem(on))
    if isinstance(centers, str | bytes) or not isinstance(centers, Iterable):
        raise ValidationError.at("centers", "must be an iterable of Center")
    items = tuple(centers)
    seen: dict[str, int] = {}
    for i, center in enumerate(items):
        if not isinstance(center, Center):
            problems.add(f"centers[{i}]", f"must be a Center, not {type(center).__name__}")
        elif center.id in seen:
            problems.add(f"centers[{i}].id", f"duplicate center id {center.id!r}")
        else:
            seen[center.id] = i
    measured: Mapping[str, Effectiveness] = effectiveness_by_center or {}
    if not isinstance(measured, Mapping):
        problems.add("effectiveness_by_center", "must be a mapping of center ids to Effectiveness")
        measured = {}
    for key, value in measured.items():
        if not isinstance(value, Effectiveness):
            problems.add(
                f"effectiveness_by_center.{key}",
                f"must be an Effectiveness, not {type(value).__name__}",
            )
        elif value.center_id != key:
            problems.add(
                f"effectiveness_by_center.{key}",
                f"is measured for {value.center_id!r}, not {key!r}",
            )
    try:
        compiled = _compile(criteria, kinds)
    except ValidationError as err:
        problems.items.extend(err.problems)
    problems.raise_if_any()
    results: dict[str, QualificationResult] = {}
    # Building many small values is dominated by the garbage collector scanning the
    # centers again and again: pause it for the loop (DESIGN.md, principle 5).
    paused = gc.isenabled()
    gc.disable()
    try:
        for center in items:
            assert isinstance(center, Center)
            eff = measured.get(center.id)
            context = _NO_CONTEXT if eff is None else QualificationContext(eff)
            results[center.id] = _evaluate(center, on, compiled, context)
    finally:
        if paused:
            gc.enable()
    return results


# --- loading -----------------------------------------------------------------------------------

_TOP: Final = ("region", "version", "criteria")
_FIELDS: Final = ("code", "kind", "description", "params")


def _from_data(data: object, kinds: Mapping[str, CriterionKind]) -> CriteriaSet:
    """Build a criteria set from parsed TOML or JSON, reporting every problem at once."""
    problems = Problems()
    known = _kinds_problems(kinds, problems)
    if not isinstance(data, Mapping):
        raise ValidationError.at("$", f"must be a table with {', '.join(_TOP)}")
    for key in data:
        if key not in _TOP:
            problems.add(str(key), f"unknown field; known: {', '.join(_TOP)}")
    for key in ("region", "version"):
        if key not in data:
            problems.add(key, "missing")
        else:
            problems.check(key, text_problem(data[key]))
    raw = data.get("criteria")
    criteria: list[Criterion] = []
    if raw is None:
        problems.add("criteria", "missing: an array of criteria tables")
    elif not isinstance(raw, list | tuple):
        problems.add("criteria", f"must be an array of tables, not {_type_name(raw)}")
    else:
        for i, item in enumerate(raw):
            path = f"criteria[{i}]"
            if not isinstance(item, Mapping):
                problems.add(path, f"must be a table with {', '.join(_FIELDS)}")
                continue
            mine = Problems()
            for key in item:
                if key not in _FIELDS:
                    mine.add(str(key), f"unknown field; known: {', '.join(_FIELDS)}")
            for key, problem in (
                ("code", _code_problem),
                ("kind", _kind_problem),
                ("description", text_problem),
            ):
                if key in item:
                    mine.check(key, problem(item[key]))
                else:
                    mine.add(key, "missing")
            params = item.get("params", {})
            malformed = _params_problems(params, mine)
            problems.items.extend(FieldProblem(f"{path}.{p.path}", p.message) for p in mine.items)
            kind = item.get("kind")
            if isinstance(params, Mapping) and isinstance(kind, str) and _KIND.match(kind):
                read = _read_params(kind, params, path, known, problems, malformed)
                if read is not None and not mine.items:
                    criteria.append(Criterion(item["code"], kind, item["description"], params))
        codes = [
            item.get("code")
            if isinstance(item, Mapping) and isinstance(item.get("code"), str)
            else None
            for item in raw
        ]
        _duplicates(codes, problems, "criteria")
    if problems.items:
        problems.items.sort(key=lambda p: _path_order(p.path))
    problems.raise_if_any()
    return CriteriaSet(str(data["region"]), str(data["version"]), tuple(criteria))


def _path_order(path: str) -> tuple[int, int]:
    """Problems of the whole document first, then each criterion's in order."""
    match = re.match(r"criteria\[(\d+)\]", path)
    return (0, 0) if match is None else (1, int(match.group(1)))


def criteria_from_toml(
    text: str, *, kinds: Mapping[str, CriterionKind] = DEFAULT_KINDS
) -> CriteriaSet:
    """Read a region's criteria from TOML text: ``region``, ``version`` and ``[[criteria]]``
    tables with ``code``, ``kind``, ``description`` and ``params``.

    Every problem is reported at once, with its path; nothing is half-loaded:

    >>> criteria_from_toml('''
    ... region = "north"
    ... version = "1"
    ... [[criteria]]
    ... code = "staff.psychologists"
    ... kind = "staff_per_places"
    ... description = "one psychologist per 15 places"
    ... params = { qualification = "psychologist", per_places = 15.5, colour = "red" }
    ... [[criteria]]
    ... code = "rights"
    ... kind = "no_torture"
    ... description = "no torture"
    ... ''')
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input:
    criteria[0].params.per_places: must not be a float: write a decimal number as a string,
    such as '15.5';
    criteria[0].params.colour: unknown parameter; this kind takes: min, per_places, ...;
    criteria[1].kind: unknown kind 'no_torture'; known: certification_valid, ...
    """
    if not isinstance(text, str):
        raise ValidationError.at("$", f"must be TOML text, not {_type_name(text)}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValidationError.at("$", f"is not valid TOML: {err}") from None
    return _from_data(data, kinds)


def criteria_from_json(
    text: str | bytes, *, kinds: Mapping[str, CriterionKind] = DEFAULT_KINDS
) -> CriteriaSet:
    """Read a region's criteria from JSON text of the same shape as the TOML
    (``{"region": ..., "version": ..., "criteria": [{"code": ..., ...}]}``)."""
    if not isinstance(text, str | bytes):
        raise ValidationError.at("$", f"must be JSON text, not {_type_name(text)}")
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ValidationError.at("$", f"is not valid JSON: {err}") from None
    return _from_data(data, kinds)


def load_criteria(
    source: str | bytes | os.PathLike[str],
    *,
    format: Literal["toml", "json"] | None = None,
    kinds: Mapping[str, CriterionKind] = DEFAULT_KINDS,
) -> CriteriaSet:
    """Read a region's criteria from a file (a path-like value: ``pathlib.Path``) or from text
    (``str`` or ``bytes``).

    ``format`` defaults to the file's suffix (``.json`` is JSON, anything else TOML)
    and to TOML for text. A file that cannot be read raises :class:`OSError`.
    """
    return _documents.load(
        source,
        format,
        from_toml=functools.partial(criteria_from_toml, kinds=kinds),
        from_json=functools.partial(criteria_from_json, kinds=kinds),
    )


@functools.cache
def default_criteria() -> CriteriaSet:
    """The default criteria shipped with the package (``resocialize/data/criteria.toml``).

    >>> [c.code for c in default_criteria().criteria][:3]
    ['certification.valid', 'licence.medical', 'ownership.minors']
    """
    text = resources.files("resocialize").joinpath("data/criteria.toml").read_text("utf-8")
    return criteria_from_toml(text)


def criteria_to_json(criteria: CriteriaSet, *, indent: int | None = 2) -> str:
    """The criteria as JSON that :func:`criteria_from_json` reads back to an equal value;
    a region may start its own file from the defaults this way."""
    if not isinstance(criteria, CriteriaSet):
        raise ValidationError.at("criteria", f"must be a CriteriaSet, not {_type_name(criteria)}")

    def plain(value: object) -> object:
        if isinstance(value, tuple):
            return [plain(item) for item in value]
        if isinstance(value, Decimal):
            return str(value)
        return value

    data = {
        "region": criteria.region,
        "version": criteria.version,
        "criteria": [
            {
                "code": c.code,
                "kind": c.kind,
                "description": c.description,
                "params": {name: plain(value) for name, value in c.params.items()},
            }
            for c in criteria.criteria
        ],
    }
    return json.dumps(data, indent=indent, ensure_ascii=False)
