"""JSON documents of every domain value, versioned, strict, with a path for every bad field.

A value becomes a *document*: an envelope with the schema version, a stable type
tag, and the value's data. :func:`to_json` and :func:`from_json` round-trip
every public value of the library (IX-01):

>>> from datetime import date, datetime, timezone
>>> from resocialize.pathway import identify
>>> from resocialize.records import Origin, Referral, ReferralSource
>>> from resocialize.serialization import from_json, to_document, to_json
>>> case = identify(
...     "case-1", "cl-7f3k",
...     referral=Referral(ReferralSource.COURT, date(2026, 3, 1), "dept-north"),
...     origin=Origin.COMMUNITY,
...     at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc), by="officer-12",
... )
>>> from_json(to_json(case), expected=type(case)) == case
True
>>> document = to_document(case)
>>> document["schema"], document["type"], document["data"]["since"]
('resocialize/1', 'case', '2026-03-02T09:00:00+00:00')
>>> document["data"]["history"][0]["record"]["kind"]
'opening'

Reading is strict. Strings are never read as numbers nor numbers as strings,
floats are refused everywhere (amounts of money are decimal strings), datetimes
must carry an offset, unknown fields are refused, and every problem is reported
at once with its JSONPath-like path in one
:class:`~resocialize.errors.ValidationError`:

>>> from resocialize.money import Money
>>> from_json('{"schema": "resocialize/1", "type": "money",'
...           ' "data": {"amount": 12.5, "currency": "RUB", "note": 1}}')
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: $.data.note: unknown field;
$.data.amount: must be a decimal number written as a string such as "12.50", not a float
>>> from_json(to_json(Money.of("12.50", "RUB")))
Money(amount=Decimal('12.50'), currency='RUB')

Paths are rooted at the text or object that was read: in a document the value
lies under ``$.data`` (``$.data.history[2].at``); :func:`structure` reads bare
data, whose paths start at ``$`` (``$.history[2].at``).

Decisions worth knowing:

- **Documents.** ``{"schema": "resocialize/1", "type": <tag>, "data": <value>}``.
  The tags are :data:`DOCUMENT_TYPES`; they and the record ``kind`` tags of
  :data:`~resocialize.records.RECORD_TAGS` never use class names, so classes may
  be renamed. A document of a newer schema is refused, never half-read.
- **Values.** ``Decimal`` as an exact string (``"12.50"``); :class:`~resocialize.money.Money`
  as ``{"amount": "12.50", "currency": "RUB"}``; dates as ``YYYY-MM-DD``; datetimes
  as ISO 8601 with their UTC offset (the offset is kept, a zone name such as
  ``Europe/Moscow`` is not: the value read back is the same instant, equal to the
  original); enums by value; tuples as arrays; frozensets as arrays sorted for
  stable output; mappings as objects. JSON keys are the attribute names, with one
  exception: :class:`~resocialize.records.MedicalHelp` writes its ``kind`` as
  ``help_kind``, because ``kind`` is the tag of the record union it belongs to.
- **Cases.** A case read from JSON is rebuilt with :func:`~resocialize.pathway.replay`
  from its history, and refused when any of its fields disagrees with the
  history: a tampered state is refused, never misread.
- **Identifying data** (:class:`~resocialize.people.Identity`,
  :class:`~resocialize.people.IdentityReport`,
  :class:`~resocialize.people.IdentityDocument`, see :data:`IDENTIFYING_TYPES`)
  is written only when asked for with ``include_identifying=True`` (SE-04,
  DESIGN principle 7), also when nested inside another value. Reading it needs no flag.
- **Errors.** Nothing but :class:`~resocialize.errors.ValidationError` escapes
  reading or writing: not ``KeyError``, ``TypeError``, exception groups, JSON
  syntax errors nor ``RecursionError``.
"""

from __future__ import annotations

import enum
import functools
import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, DecimalException
from fractions import Fraction
from types import MappingProxyType, NoneType, UnionType
from typing import Any, Final, TypeVar, Union, cast, get_args, get_origin, overload

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.strategies import configure_tagged_union

from ._checks import kind_of
from .access import Actor, CaseView, CourtEvent, Policy, ReadRule, Rule, Target
from .assessment import (
    Assessment,
    Instrument,
    Item,
    PotentialRules,
    RecoveryCapital,
    RehabilitationPotential,
    Scale,
)
from .assessment import Finding as DomainFinding
from .catalog import Catalog, Intervention
from .centers import Center, Certification, Inspection, Licence, Program
from .certificates import Certificate, CertificateBook, CertificateChange, ClientStanding
from .clients import ClientHistoryEntry, ClientRecord, ClientRegister
from .contracts import Party, Signature, SocialContract, Termination
from .disclosure import CountTable, DisclosurePolicy, SuppressedTable
from .errors import FieldProblem, ValidationError
from .exports import AttributesOf
from .facts import CenterStanding, CertificateStanding, ContractStanding, Facts
from .followups import (
    FollowUpDue,
    FollowUpItem,
    FollowUpOutcome,
    FollowUpRate,
    FollowUpRecord,
    FollowUpRules,
)
from .funding import Funding
from .indicators import CaseAttributes, IndicatorRow, IndicatorTable, Period
from .labour import (
    EmployerIncentive,
    Enrolment,
    Hire,
    JobQuota,
    LabourProfile,
    Match,
    Vacancy,
    VacancyReserve,
)
from .ledger import Account, FundingSource, Ledger, Posting, ReportRow, Transaction
from .money import Money
from .monitoring import (
    Audit,
    AuditFinding,
    Complaint,
    CostEffectiveness,
    QualitySummary,
    QualityThresholds,
)
from .organizations import Organization, Partners
from .pathway import Case, CourtNotice, HistoryEntry, PathwayRules, Step, replay
from .people import CoDependent, Identity, IdentityDocument, IdentityReport
from .planning import Situation
from .programs import Activity, Goal, IndividualProgram, PhaseSpan, ProgramMilestone
from .qualification import CriterionOutcome, QualificationResult
from .records import (
    RECORD_TAGS,
    CourtOrder,
    DiagnosisRecord,
    LabourResult,
    MedicalHelp,
    Opening,
    Placement,
    ProgramRecord,
    Record,
    Referral,
)
from .redemption import Claim, Payment
from .register import CenterRegister, RegisterChange, RegisterEntry
from .reviews import ProgramFile, Progress, Review
from .rules import Decision, Reason
from .spending import SpendingRow, SpendingTable
from .tariffs import (
    DropoutRule,
    MilestoneReached,
    PerDiemSchedule,
    Schedule,
    Tariff,
    Tranche,
    TrancheSchedule,
)
from .templates import Template, TemplateGoal

__all__ = [
    "DOCUMENT_TYPES",
    "IDENTIFYING_TYPES",
    "SCHEMA",
    "SCHEMA_VERSION",
    "document_type",
    "from_document",
    "from_json",
    "json_document",
    "make_converter",
    "structure",
    "to_document",
    "to_json",
    "unstructure",
]

T = TypeVar("T")

SCHEMA_VERSION: Final = 1
"""The version of the document schema this library writes and reads."""

SCHEMA: Final = f"resocialize/{SCHEMA_VERSION}"
"""The ``schema`` of every document written: ``"resocialize/1"``."""

DOCUMENT_TYPES: Final[Mapping[str, type]] = MappingProxyType(
    {
        # pathway
        "case": Case,
        "history_entry": HistoryEntry,
        "step": Step,
        "court_notice": CourtNotice,
        "pathway_rules": PathwayRules,
        # facts
        "facts": Facts,
        "certificate_standing": CertificateStanding,
        "contract_standing": ContractStanding,
        "center_standing": CenterStanding,
        # records
        "opening": Opening,
        "referral": Referral,
        "court_order": CourtOrder,
        "program_record": ProgramRecord,
        "diagnosis_record": DiagnosisRecord,
        "medical_help": MedicalHelp,
        "placement": Placement,
        "labour_result": LabourResult,
        # rules
        "reason": Reason,
        "decision": Decision,
        # money
        "money": Money,
        # organizations
        "organization": Organization,
        "partners": Partners,
        # centers and the register
        "center": Center,
        "program": Program,
        "certification": Certification,
        "inspection": Inspection,
        "licence": Licence,
        "qualification_result": QualificationResult,
        "criterion_outcome": CriterionOutcome,
        "center_register": CenterRegister,
        "register_entry": RegisterEntry,
        "register_change": RegisterChange,
        "client_register": ClientRegister,
        "client_record": ClientRecord,
        "client_history_entry": ClientHistoryEntry,
        # people
        "identity": Identity,
        "identity_report": IdentityReport,
        "identity_document": IdentityDocument,
        "co_dependent": CoDependent,
        # certificates
        "certificate": Certificate,
        "certificate_change": CertificateChange,
        "certificate_book": CertificateBook,
        "client_standing": ClientStanding,
        # contracts
        "social_contract": SocialContract,
        "party": Party,
        "signature": Signature,
        "termination": Termination,
        # tariffs
        "tariff": Tariff,
        "tranche": Tranche,
        "tranche_schedule": TrancheSchedule,
        "per_diem_schedule": PerDiemSchedule,
        "dropout_rule": DropoutRule,
        "milestone_reached": MilestoneReached,
        # the ledger
        "ledger": Ledger,
        "transaction": Transaction,
        "posting": Posting,
        "account": Account,
        "funding_source": FundingSource,
        "report_row": ReportRow,
        # redemption
        "claim": Claim,
        "payment": Payment,
        # funding
        "funding": Funding,
        # monitoring
        "cost_effectiveness": CostEffectiveness,
        "complaint": Complaint,
        "audit": Audit,
        "audit_finding": AuditFinding,
        "quality_summary": QualitySummary,
        "quality_thresholds": QualityThresholds,
        # assessment
        "assessment": Assessment,
        "instrument": Instrument,
        "instrument_item": Item,
        "scale": Scale,
        "recovery_capital": RecoveryCapital,
        "domain_finding": DomainFinding,
        "rehabilitation_potential": RehabilitationPotential,
        "potential_rules": PotentialRules,
        # the catalog and templates
        "catalog": Catalog,
        "intervention": Intervention,
        "template": Template,
        "template_goal": TemplateGoal,
        # individual programs and reviews
        "individual_program": IndividualProgram,
        "program_goal": Goal,
        "program_activity": Activity,
        "phase_span": PhaseSpan,
        "program_milestone": ProgramMilestone,
        "situation": Situation,
        "program_file": ProgramFile,
        "review": Review,
        "goal_progress": Progress,
        # labour reintegration
        "labour_profile": LabourProfile,
        "vacancy": Vacancy,
        "job_quota": JobQuota,
        "employer_incentive": EmployerIncentive,
        "hire": Hire,
        "enrolment": Enrolment,
        "vacancy_reserve": VacancyReserve,
        "vacancy_match": Match,
        # follow-ups
        "follow_up_rules": FollowUpRules,
        "follow_up_due": FollowUpDue,
        "follow_up_outcome": FollowUpOutcome,
        "follow_up_record": FollowUpRecord,
        "follow_up_item": FollowUpItem,
        "follow_up_rate": FollowUpRate,
        # indicators, spending and disclosure control
        "period": Period,
        "case_attributes": AttributesOf,
        "attributes": CaseAttributes,
        "indicator_row": IndicatorRow,
        "indicator_table": IndicatorTable,
        "spending_row": SpendingRow,
        "spending_table": SpendingTable,
        "count_table": CountTable,
        "suppressed_table": SuppressedTable,
        "disclosure_policy": DisclosurePolicy,
        # access
        "actor": Actor,
        "access_rule": Rule,
        "read_rule": ReadRule,
        "access_policy": Policy,
        "access_target": Target,
        "case_view": CaseView,
        "court_event": CourtEvent,
    }
)
"""The ``type`` tag of each document and the class it holds. Tags are stable across
versions and never derived from class names."""

_TAG_OF: Final[Mapping[type, str]] = MappingProxyType(
    {cls: tag for tag, cls in DOCUMENT_TYPES.items()}
)

IDENTIFYING_TYPES: Final[frozenset[type]] = frozenset({Identity, IdentityReport, IdentityDocument})
"""Values that identify a person; written only with ``include_identifying=True`` (SE-04)."""

_RECORD_KIND: Final = "kind"
"""The key of the tag of a :data:`~resocialize.records.Record` in JSON."""

_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DECIMAL: Final = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_SCHEMA_NAME: Final = re.compile(r"resocialize/(0|[1-9]\d{0,8})")
_MAX_NUMBER_TEXT: Final = 400
"""The longest decimal string read; longer ones are refused rather than parsed."""

Hook = Callable[[Any, Any], Any]


# --- paths and problems ----------------------------------------------------------------------


def _key_path(path: str, key: object) -> str:
    """``path.key`` for identifier-like keys, else ``path["key"]``; indices as ``path[3]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    text = str(key)
    if _IDENTIFIER.fullmatch(text):
        return f"{path}.{text}"
    return f"{path}[{json.dumps(text, ensure_ascii=False)}]"


def _kind(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    return kind_of(value)


def _type_name(tp: object) -> str:
    return getattr(tp, "__name__", None) or str(tp)


def _problems(exc: BaseException, path: str) -> list[FieldProblem]:
    """One problem per leaf error of ``exc``, each with its path under ``path``."""
    if isinstance(exc, ValidationError):
        return list(exc.under(path).problems)
    if isinstance(exc, ClassValidationError):
        found: list[FieldProblem] = []
        named, other = exc.group_exceptions()
        for sub, attribute in named:
            found.extend(_problems(sub, _key_path(path, _json_key(exc.cl, attribute.name))))
        for sub in other:
            found.extend(_problems(sub, path))
        return found
    if isinstance(exc, IterableValidationError):
        found = []
        indexed, other = exc.group_exceptions()
        for sub, note in indexed:
            found.extend(_problems(sub, _key_path(path, note.index)))
        for sub in other:
            found.extend(_problems(sub, path))
        return found
    if isinstance(exc, ForbiddenExtraKeysError):
        return [
            FieldProblem(_key_path(path, key), "unknown field") for key in sorted(exc.extra_fields)
        ]
    if isinstance(exc, BaseExceptionGroup):
        return [problem for sub in exc.exceptions for problem in _problems(sub, path)]
    if isinstance(exc, KeyError):
        return [FieldProblem(path, "is required")]
    if isinstance(exc, RecursionError):
        return [FieldProblem(path, "is nested too deeply")]
    if isinstance(exc, cattrs.StructureHandlerNotFoundError):
        return [FieldProblem(path, f"cannot be read: {exc}")]
    return [FieldProblem(path, f"is invalid ({type(exc).__name__}: {exc})")]


def _invalid(exc: BaseException, path: str) -> ValidationError:
    problems = _problems(exc, path)
    return ValidationError(problems or [FieldProblem(path, "is invalid")])


# --- strict hooks for primitives ---------------------------------------------------------------


def _refuse(message: str) -> ValidationError:
    return ValidationError.at("$", message)


def _structure_str(value: object, cl: Any) -> Any:
    if cl is not str and isinstance(cl, type) and issubclass(cl, enum.Enum):
        return _structure_enum(value, cl)
    if not isinstance(value, str):
        raise _refuse(f"must be a string, not {_kind(value)}")
    return value


def _structure_int(value: object, cl: Any) -> Any:
    if cl is not int and isinstance(cl, type) and issubclass(cl, enum.Enum):
        return _structure_enum(value, cl)
    if type(value) is not int:
        raise _refuse(f"must be an integer, not {_kind(value)}")
    return value


def _structure_bool(value: object, cl: Any) -> bool:
    if not isinstance(value, bool):
        raise _refuse(f"must be a boolean (true or false), not {_kind(value)}")
    return value


def _structure_float(value: object, cl: Any) -> float:
    raise _refuse(f"is a float field, and floats are never read; got {_kind(value)}")


def _structure_enum(value: object, cl: Any) -> Any:
    members = cast("type[enum.Enum]", cl)
    for member in members:
        if type(member.value) is type(value) and member.value == value:
            return member
    choices = ", ".join(json.dumps(m.value, ensure_ascii=False) for m in members)
    shown = json.dumps(value, ensure_ascii=False)[:60] if _plain(value) else _kind(value)
    raise _refuse(f"must be one of {choices}; not {shown}")


def _plain(value: object) -> bool:
    return value is None or isinstance(value, str | int | bool)


def _unstructure_enum(value: enum.Enum) -> Any:
    return value.value


def _structure_decimal(value: object, cl: Any) -> Decimal:
    if isinstance(value, float):
        raise _refuse('must be a decimal number written as a string such as "12.50", not a float')
    if not isinstance(value, str):
        raise _refuse(
            f'must be a decimal number written as a string such as "12.50", not {_kind(value)}'
        )
    if len(value) > _MAX_NUMBER_TEXT or not _DECIMAL.fullmatch(value):
        raise _refuse(f'must be a finite decimal number such as "12.50", not {value[:40]!r}')
    try:
        number = Decimal(value)
    except (DecimalException, ValueError):
        raise _refuse(f"is not a decimal number Python can hold: {value[:40]!r}") from None
    if not number.is_finite():  # pragma: no cover - the pattern admits finite numbers only
        raise _refuse(f"must be a finite number, not {value!r}")
    return number


def _unstructure_decimal(value: Decimal) -> str:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _refuse(f"must be a finite Decimal, not {value!r}")
    return str(value)


_FRACTION: Final = re.compile(r"[+-]?\d{1,200}(/\d{1,200})?")


def _structure_fraction(value: object, cl: Any) -> Fraction:
    if isinstance(value, float):
        raise _refuse('must be an exact ratio written as a string such as "4/5", not a float')
    if not isinstance(value, str) or not _FRACTION.fullmatch(value):
        raise _refuse(
            f'must be an exact ratio written as a string such as "4/5", not {_kind(value)}'
        )
    try:
        return Fraction(value)
    except ZeroDivisionError:
        raise _refuse(f"must not divide by zero: {value!r}") from None


def _unstructure_fraction(value: Fraction) -> str:
    return str(value)


def _structure_date(value: object, cl: Any) -> date:
    if not isinstance(value, str):
        raise _refuse(f"must be a date written as YYYY-MM-DD, not {_kind(value)}")
    # the text is not repeated: a date may be a birth date (identifying data)
    if not _DATE.fullmatch(value):
        raise _refuse("must be a date written as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _refuse("is not a date of the calendar (YYYY-MM-DD)") from None


def _unstructure_date(value: date) -> str:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise _refuse(f"must be a date, not {type(value).__name__}")
    return value.isoformat()


def _structure_datetime(value: object, cl: Any) -> datetime:
    if not isinstance(value, str):
        raise _refuse(
            f"must be a date and time written in ISO 8601 with an offset, not {_kind(value)}"
        )
    if len(value) > 64:
        raise _refuse("is too long for a date and time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _refuse(
            f"must be a date and time in ISO 8601 with an offset such as "
            f"'2026-03-02T09:00:00+03:00', not {value!r}"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _refuse(
            f"must be timezone-aware: {value!r} has no UTC offset (add one such as +03:00 or Z)"
        )
    return moment


def _unstructure_datetime(value: datetime) -> str:
    if not isinstance(value, datetime):
        raise _refuse(f"must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise _refuse(
            f"datetime {value.isoformat()} is naive; only timezone-aware datetimes are written"
        )
    return value.isoformat()


def _unstructure_money(value: Money) -> dict[str, str]:
    return {"amount": _unstructure_decimal(value.amount), "currency": value.currency}


def _structure_money(value: object, cl: Any) -> Money:
    if not isinstance(value, Mapping):
        raise _refuse(
            f'must be an object {{"amount": "12.50", "currency": "RUB"}}, not {_kind(value)}'
        )
    problems = [
        FieldProblem(_key_path("$", key), "unknown field")
        for key in value
        if key not in ("amount", "currency")
    ]
    amount: Decimal | None = None
    currency: str | None = None
    if "amount" not in value:
        problems.append(FieldProblem("$.amount", "is required"))
    else:
        try:
            amount = _structure_decimal(value["amount"], Decimal)
        except ValidationError as err:
            problems.extend(err.under("$.amount").problems)
    if "currency" not in value:
        problems.append(FieldProblem("$.currency", "is required"))
    else:
        try:
            currency = _structure_str(value["currency"], str)
        except ValidationError as err:
            problems.extend(err.under("$.currency").problems)
    if problems:
        raise ValidationError(problems)
    assert amount is not None and currency is not None
    return Money(amount, currency)


# --- hooks for containers ----------------------------------------------------------------------


def _is_tuple(tp: Any) -> bool:
    return get_origin(tp) is tuple


def _is_frozenset(tp: Any) -> bool:
    return get_origin(tp) is frozenset or tp is frozenset


def _is_mapping(tp: Any) -> bool:
    origin = get_origin(tp)
    return isinstance(origin, type) and issubclass(origin, Mapping)


def _is_optional(tp: Any) -> bool:
    return (get_origin(tp) is Union or isinstance(tp, UnionType)) and NoneType in get_args(tp)


def _items(value: object) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, list | tuple):
        raise _refuse(f"must be an array, not {_kind(value)}")
    return value


def _structure_items(value: object, element: Any, hook: Hook) -> list[Any]:
    items = _items(value)
    out: list[Any] = []
    problems: list[FieldProblem] = []
    for index, item in enumerate(items):
        try:
            out.append(hook(item, element))
        except Exception as exc:  # every failure becomes a problem at its index
            problems.extend(_problems(exc, f"$[{index}]"))
    if problems:
        raise ValidationError(problems)
    return out


def _fixed(tp: Any) -> tuple[Any, ...] | None:
    """The element types of a fixed-length tuple (``tuple[int, int]``), else ``None``."""
    args = get_args(tp)
    if not _is_tuple(tp) or not args or (len(args) == 2 and args[1] is Ellipsis):
        return None
    return args


def _element_type(tp: Any) -> Any:
    args = get_args(tp)
    if not args:
        return Any
    return args[0]


def _tuple_structure_factory(tp: Any, converter: cattrs.Converter) -> Hook:
    fixed = _fixed(tp)
    if fixed is not None:
        hooks = [(element, converter.get_structure_hook(element)) for element in fixed]

        def structure_fixed(value: object, _: Any) -> tuple[Any, ...]:
            items = _items(value)
            if len(items) != len(hooks):
                raise _refuse(f"must be an array of {len(hooks)} items, not {len(items)}")
            out: list[Any] = []
            problems: list[FieldProblem] = []
            for index, (item, (element, hook)) in enumerate(zip(items, hooks, strict=True)):
                try:
                    out.append(hook(item, element))
                except Exception as exc:  # every failure becomes a problem at its index
                    problems.extend(_problems(exc, f"$[{index}]"))
            if problems:
                raise ValidationError(problems)
            return tuple(out)

        return structure_fixed
    element = _element_type(tp)
    hook = converter.get_structure_hook(element)

    def structure_tuple(value: object, _: Any) -> tuple[Any, ...]:
        return tuple(_structure_items(value, element, hook))

    return structure_tuple


def _frozenset_structure_factory(tp: Any, converter: cattrs.Converter) -> Hook:
    element = _element_type(tp)
    hook = converter.get_structure_hook(element)

    def structure_frozenset(value: object, _: Any) -> frozenset[Any]:
        return frozenset(_structure_items(value, element, hook))

    return structure_frozenset


def _tuple_unstructure_factory(tp: Any, converter: cattrs.Converter) -> Callable[[Any], Any]:
    fixed = _fixed(tp)
    if fixed is not None:
        hooks = [converter.get_unstructure_hook(element) for element in fixed]

        def unstructure_fixed(value: Iterable[Any]) -> list[Any]:
            return [hook(item) for hook, item in zip(hooks, value, strict=True)]

        return unstructure_fixed
    hook = converter.get_unstructure_hook(_element_type(tp))

    def unstructure_tuple(value: Iterable[Any]) -> list[Any]:
        return [hook(item) for item in value]

    return unstructure_tuple


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False, default=repr)


def _frozenset_unstructure_factory(tp: Any, converter: cattrs.Converter) -> Callable[[Any], Any]:
    hook = converter.get_unstructure_hook(_element_type(tp))

    def unstructure_frozenset(value: Iterable[Any]) -> list[Any]:
        return sorted((hook(item) for item in value), key=_sort_key)

    return unstructure_frozenset


def _mapping_structure_factory(tp: Any, converter: cattrs.Converter) -> Hook:
    args = get_args(tp)
    key_type, value_type = (args[0], args[1]) if len(args) == 2 else (Any, Any)
    key_hook = converter.get_structure_hook(key_type)
    value_hook = converter.get_structure_hook(value_type)

    def structure_mapping(value: object, _: Any) -> dict[Any, Any]:
        if not isinstance(value, Mapping):
            raise _refuse(f"must be an object, not {_kind(value)}")
        out: dict[Any, Any] = {}
        problems: list[FieldProblem] = []
        for key, item in value.items():
            path = _key_path("$", key)
            try:
                out[key_hook(key, key_type)] = value_hook(item, value_type)
            except Exception as exc:  # every failure becomes a problem at its key
                problems.extend(_problems(exc, path))
        if problems:
            raise ValidationError(problems)
        return out

    return structure_mapping


def _mapping_unstructure_factory(tp: Any, converter: cattrs.Converter) -> Callable[[Any], Any]:
    args = get_args(tp)
    key_type, value_type = (args[0], args[1]) if len(args) == 2 else (Any, Any)
    key_hook = converter.get_unstructure_hook(key_type)
    value_hook = converter.get_unstructure_hook(value_type)

    def unstructure_mapping(value: Mapping[Any, Any]) -> dict[Any, Any]:
        return {key_hook(k): value_hook(v) for k, v in value.items()}

    return unstructure_mapping


def _is_scalar_union(tp: Any) -> bool:
    """A union of JSON scalars only, like the details of a reason (``str | int | bool | None``)."""
    if not (get_origin(tp) is Union or isinstance(tp, UnionType)):
        return False
    return all(arg in (str, int, bool, NoneType) for arg in get_args(tp))


def _scalar_union_structure_factory(tp: Any, converter: cattrs.Converter) -> Hook:
    allowed = set(get_args(tp))
    words = [
        {str: "a string", int: "an integer", bool: "a boolean", NoneType: "null"}[a]
        for a in get_args(tp)
    ]
    names = ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]

    def structure_scalar(value: object, _: Any) -> Any:
        if type(value) not in allowed:
            raise _refuse(f"must be {names}, not {_kind(value)}")
        return value

    return structure_scalar


def _is_count_or_ratio(tp: Any) -> bool:
    """``int | Fraction | None``: a count or an exact ratio, as indicator values are."""
    if not (get_origin(tp) is Union or isinstance(tp, UnionType)):
        return False
    args = set(get_args(tp))
    return Fraction in args and args <= {int, Fraction, NoneType}


def _count_or_ratio_structure_factory(tp: Any, converter: cattrs.Converter) -> Hook:
    args = set(get_args(tp))

    def structure_count_or_ratio(value: object, _: Any) -> Any:
        if value is None and NoneType in args:
            return None
        if type(value) is int and int in args:
            return value
        if isinstance(value, str):
            return _structure_fraction(value, Fraction)
        raise _refuse(f'must be a whole number or a ratio such as "3/4", not {_kind(value)}')

    return structure_count_or_ratio


def _optional_structure_factory(tp: Any, converter: cattrs.Converter) -> Hook:
    rest = tuple(arg for arg in get_args(tp) if arg is not NoneType)
    inner = rest[0] if len(rest) == 1 else functools.reduce(operator.or_, rest)
    hook = converter.get_structure_hook(inner)

    def structure_optional(value: object, _: Any) -> Any:
        return None if value is None else hook(value, inner)

    return structure_optional


def _optional_unstructure_factory(tp: Any, converter: cattrs.Converter) -> Callable[[Any], Any]:
    rest = tuple(arg for arg in get_args(tp) if arg is not NoneType)
    inner = rest[0] if len(rest) == 1 else functools.reduce(operator.or_, rest)
    hook = converter.get_unstructure_hook(inner)

    def unstructure_optional(value: Any) -> Any:
        return None if value is None else hook(value)

    return unstructure_optional


# --- attrs classes, records, cases ---------------------------------------------------------------


_RENAMED: Final[Mapping[type, Mapping[str, str]]] = MappingProxyType(
    {MedicalHelp: MappingProxyType({"kind": "help_kind"})}
)
"""JSON keys that differ from attribute names: ``MedicalHelp.kind`` is written as
``help_kind``, because ``kind`` is the tag of the record union it belongs to."""


def _json_key(cl: object, name: str) -> str:
    renamed = _RENAMED.get(cl) if isinstance(cl, type) else None
    return renamed.get(name, name) if renamed else name


def _renames(renamed: Mapping[str, str]) -> dict[str, Any]:
    return {name: override(rename=key) for name, key in renamed.items()}


def _attrs_structure_factory(cl: Any, converter: cattrs.Converter) -> Hook:
    renamed = _RENAMED.get(cl)
    base: Hook
    if renamed:
        base = make_dict_structure_fn(
            cl,
            converter,
            _cattrs_forbid_extra_keys=True,
            _cattrs_detailed_validation=True,
            **_renames(renamed),
        )
    else:
        base = converter.gen_structure_attrs_fromdict(cl)
    name = _type_name(cl)

    def structure_attrs(value: object, tp: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _refuse(f"must be an object ({name}), not {_kind(value)}")
        return base(value, tp)

    return structure_attrs


def _identifying_unstructure_hook(cl: type) -> Callable[[Any], Any]:
    def refuse_identifying(value: Any) -> Any:
        raise _refuse(
            f"{cl.__name__} holds identifying data and is written only when asked for "
            "explicitly: pass include_identifying=True (SE-04)"
        )

    return refuse_identifying


def _configure_records(converter: cattrs.Converter) -> None:
    members = get_args(Record)
    tags = {cl: RECORD_TAGS[cl] for cl in members}  # KeyError here is a bug of records.py
    for cl in members:
        keys = {_json_key(cl, a.name) for a in attrs.fields(cl)}
        if _RECORD_KIND in keys:  # pragma: no cover - guards against a future record kind
            raise TypeError(f"{cl.__name__} has a field written as {_RECORD_KIND!r}, the tag")
    configure_tagged_union(Record, converter, tag_generator=tags.__getitem__, tag_name=_RECORD_KIND)
    tagged = converter.get_structure_hook(Record)
    known = {tag: cl for cl, tag in tags.items()}
    choices = ", ".join(json.dumps(tag) for tag in known)

    def structure_record(value: object, tp: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _refuse(f"must be an object (a record), not {_kind(value)}")
        if _RECORD_KIND not in value:
            raise ValidationError.at(f"$.{_RECORD_KIND}", f"is required; one of {choices}")
        kind = value[_RECORD_KIND]
        if not isinstance(kind, str) or kind not in known:
            shown = json.dumps(kind, ensure_ascii=False)[:60] if _plain(kind) else _kind(kind)
            raise ValidationError.at(f"$.{_RECORD_KIND}", f"must be one of {choices}; not {shown}")
        return tagged(dict(value), tp)

    converter.register_structure_hook(Record, structure_record)


_SCHEDULE_KIND: Final = "kind"
"""The key of the tag of a tariff's :data:`~resocialize.tariffs.Schedule` in JSON."""


def _configure_schedules(converter: cattrs.Converter) -> None:
    """A tariff's schedule is tagged with the stable ``kind`` of its class: ``"tranches"``
    or ``"per_diem"`` (never a class name), like the records of a history."""
    members: tuple[type[TrancheSchedule] | type[PerDiemSchedule], ...] = get_args(Schedule)
    tags = {cl: cl.kind for cl in members}
    for cl in members:
        if _SCHEDULE_KIND in {a.name for a in attrs.fields(cl)}:  # pragma: no cover - a guard
            raise TypeError(f"{cl.__name__} has a field named {_SCHEDULE_KIND!r}, the tag")
    configure_tagged_union(
        Schedule, converter, tag_generator=tags.__getitem__, tag_name=_SCHEDULE_KIND
    )
    tagged = converter.get_structure_hook(Schedule)
    known = {tag: cl for cl, tag in tags.items()}
    choices = ", ".join(json.dumps(tag) for tag in known)

    def structure_schedule(value: object, tp: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _refuse(f"must be an object (a schedule), not {_kind(value)}")
        if _SCHEDULE_KIND not in value:
            raise ValidationError.at(f"$.{_SCHEDULE_KIND}", f"is required; one of {choices}")
        kind = value[_SCHEDULE_KIND]
        if not isinstance(kind, str) or kind not in known:
            shown = json.dumps(kind, ensure_ascii=False)[:60] if _plain(kind) else _kind(kind)
            raise ValidationError.at(
                f"$.{_SCHEDULE_KIND}", f"must be one of {choices}; not {shown}"
            )
        return tagged(dict(value), tp)

    converter.register_structure_hook(Schedule, structure_schedule)


def _configure_case(converter: cattrs.Converter) -> None:
    base = converter.get_structure_hook(Case)

    def structure_case(value: object, tp: Any) -> Case:
        case = cast(Case, base(value, tp))
        try:
            rebuilt = replay(case.history)
        except ValidationError as err:
            raise err.under("$") from None
        if rebuilt == case:
            return case
        differ = [
            a.name for a in attrs.fields(Case) if getattr(rebuilt, a.name) != getattr(case, a.name)
        ]
        fields = (
            "field " + differ[0] + " disagrees"
            if len(differ) == 1
            else ("fields " + ", ".join(differ) + " disagree")
        )
        raise ValidationError(
            [
                FieldProblem(
                    "$",
                    f"the {fields} with the history; a case is rebuilt from its history, "
                    "and a field edited apart from it is refused",
                ),
                *(FieldProblem(f"$.{name}", "disagrees with the history") for name in differ),
            ]
        )

    converter.register_structure_hook(Case, structure_case)


def make_converter(*, include_identifying: bool = False) -> cattrs.Converter:
    """A new, strict converter for the library's values (never the global one).

    It reads only what it writes: strings for ``str`` fields, integers (not
    booleans) for ``int`` fields, booleans for ``bool`` fields, never floats;
    decimal strings for ``Decimal``; ISO dates; ISO datetimes with an offset;
    enums by value; arrays for tuples and frozensets; unknown fields are refused.
    Records carry their ``kind`` tag from :data:`~resocialize.records.RECORD_TAGS`.

    Errors it raises while structuring are either the library's
    :class:`~resocialize.errors.ValidationError` (paths rooted at ``$``) or the
    ``cattrs`` exception groups wrapping them; :func:`structure` turns all of them
    into one ``ValidationError``. Unless ``include_identifying`` is true, writing
    an :data:`IDENTIFYING_TYPES` value raises ``ValidationError``.
    """
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)

    # primitives: strict, and singledispatch on these classes also catches their subclasses
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_unstructure_hook(Decimal, _unstructure_decimal)
    converter.register_structure_hook(Fraction, _structure_fraction)
    converter.register_unstructure_hook(Fraction, _unstructure_fraction)
    converter.register_structure_hook(date, _structure_date)
    converter.register_unstructure_hook(date, _unstructure_date)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    for kind in (enum.Enum, enum.StrEnum, enum.IntEnum):
        converter.register_structure_hook(kind, _structure_enum)
        converter.register_unstructure_hook(kind, _unstructure_enum)

    # containers
    converter.register_structure_hook_factory(_is_tuple, _tuple_structure_factory)
    converter.register_unstructure_hook_factory(_is_tuple, _tuple_unstructure_factory)
    converter.register_structure_hook_factory(_is_frozenset, _frozenset_structure_factory)
    converter.register_unstructure_hook_factory(_is_frozenset, _frozenset_unstructure_factory)
    converter.register_structure_hook_factory(_is_mapping, _mapping_structure_factory)
    converter.register_unstructure_hook_factory(_is_mapping, _mapping_unstructure_factory)
    converter.register_structure_hook_factory(_is_optional, _optional_structure_factory)
    converter.register_structure_hook_factory(_is_count_or_ratio, _count_or_ratio_structure_factory)
    converter.register_structure_hook_factory(_is_scalar_union, _scalar_union_structure_factory)
    converter.register_unstructure_hook_factory(_is_optional, _optional_unstructure_factory)

    # classes
    converter.register_structure_hook_factory(attrs.has, _attrs_structure_factory)
    for cl, renamed in _RENAMED.items():
        converter.register_unstructure_hook(
            cl,
            make_dict_unstructure_fn(cl, converter, **_renames(renamed)),
        )
    converter.register_structure_hook(Money, _structure_money)
    converter.register_unstructure_hook(Money, _unstructure_money)
    if not include_identifying:
        for cl in IDENTIFYING_TYPES:
            converter.register_unstructure_hook(cl, _identifying_unstructure_hook(cl))

    _configure_records(converter)
    _configure_schedules(converter)
    _configure_case(converter)
    return converter


@functools.cache
def _converter(include_identifying: bool) -> cattrs.Converter:
    return make_converter(include_identifying=include_identifying)


# --- values ------------------------------------------------------------------------------------


def structure(data: object, cl: type[T]) -> T:
    """Read a value of class ``cl`` from unstructured ``data`` (no document envelope).

    Raises :class:`~resocialize.errors.ValidationError` with a path rooted at ``$``
    for every bad field, and nothing else.

    >>> from resocialize.records import Referral
    >>> structure({"source": "police", "on": "2026-3-1"}, Referral)
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: $.source: must be one of ...; not "police";
    $.on: must be a date written as YYYY-MM-DD; $.department: is required
    """
    return cast(T, _structure(data, cl, "$"))


def _structure(data: object, cl: Any, path: str) -> Any:
    try:
        return _converter(False).structure(data, cl)
    except Exception as exc:  # nothing but ValidationError may escape
        raise _invalid(exc, path) from None


def unstructure(value: object, *, include_identifying: bool = False) -> Any:
    """The JSON-ready data of ``value`` (no document envelope): dicts, lists, strings,
    integers, booleans and ``None``.

    Raises :class:`~resocialize.errors.ValidationError` for a value that cannot be
    written (a naive datetime; identifying data without ``include_identifying``).
    """
    return _unstructure(value, include_identifying, "$")


def _unstructure(value: object, include_identifying: bool, path: str) -> Any:
    try:
        return _converter(include_identifying).unstructure(value, unstructure_as=type(value))
    except Exception as exc:  # nothing but ValidationError may escape
        raise _invalid(exc, path) from None


# --- documents -----------------------------------------------------------------------------------


def document_type(cl: type) -> str:
    """The document ``type`` tag of class ``cl``.

    >>> from resocialize.pathway import Case
    >>> document_type(Case)
    'case'
    """
    tag = _TAG_OF.get(cl)
    if tag is None:
        raise ValidationError.at(
            "cl", f"{_type_name(cl)} is not a document type; see DOCUMENT_TYPES"
        )
    return tag


def to_document(value: object, *, include_identifying: bool = False) -> dict[str, Any]:
    """``{"schema": "resocialize/1", "type": <tag>, "data": <value's data>}``.

    Identifying data (:data:`IDENTIFYING_TYPES`) is written only with
    ``include_identifying=True``; otherwise, and for a value that cannot be
    written, :class:`~resocialize.errors.ValidationError` is raised.
    """
    tag = _TAG_OF.get(type(value))
    if tag is None:
        raise ValidationError.at(
            "$", f"{type(value).__name__} is not a document type; see DOCUMENT_TYPES"
        )
    if type(value) in IDENTIFYING_TYPES and not include_identifying:
        raise ValidationError.at(
            "$",
            f"{type(value).__name__} holds identifying data and is exported only when asked "
            "for explicitly: pass include_identifying=True (SE-04)",
        )
    data = _unstructure(value, include_identifying, "$.data")
    return {"schema": SCHEMA, "type": tag, "data": data}


def to_json(value: object, *, indent: int | None = None, include_identifying: bool = False) -> str:
    """The JSON text of :func:`to_document` of ``value``, keys sorted for stable output.

    Non-ASCII text is written as it is (UTF-8 when encoded), not escaped.
    """
    document = to_document(value, include_identifying=include_identifying)
    try:
        return json.dumps(
            document, sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValidationError.at("$", f"cannot be written as JSON: {exc}") from None


def _schema_problem(schema: object) -> str | None:
    if not isinstance(schema, str):
        return f"must be a string such as {SCHEMA!r}, not {_kind(schema)}"
    match = _SCHEMA_NAME.fullmatch(schema)
    if match is None:
        return f"unknown document schema {schema[:60]!r}; this library reads {SCHEMA}"
    version = int(match.group(1))
    if version > SCHEMA_VERSION:
        return f"document schema {schema} is newer than this library ({SCHEMA})"
    if version < SCHEMA_VERSION:
        return f"unknown document schema {schema}; this library reads {SCHEMA}"
    return None


@overload
def from_document(doc: object, expected: type[T]) -> T: ...


@overload
def from_document(doc: object, expected: None = None) -> Any: ...


def from_document(doc: object, expected: type[T] | None = None) -> Any:
    """Read the value of a document made by :func:`to_document`.

    When ``expected`` is given, a document of another type is refused at
    ``$.type``. Every problem is raised in one
    :class:`~resocialize.errors.ValidationError`, paths rooted at the document
    (the value lies under ``$.data``).
    """
    if expected is not None and (not isinstance(expected, type) or expected not in _TAG_OF):
        raise ValidationError.at(
            "expected", f"{_type_name(expected)} is not a document type; see DOCUMENT_TYPES"
        )
    if not isinstance(doc, Mapping):
        raise ValidationError.at(
            "$", f'must be a document object {{"schema", "type", "data"}}, not {_kind(doc)}'
        )
    if "schema" not in doc:
        raise ValidationError.at("$.schema", f"is required; this library reads {SCHEMA}")
    problem = _schema_problem(doc["schema"])
    if problem is not None:
        raise ValidationError.at("$.schema", problem)
    problems = [
        FieldProblem(_key_path("$", key), "unknown field")
        for key in doc
        if key not in ("schema", "type", "data")
    ]
    cl: type | None = None
    tag = doc.get("type")
    if "type" not in doc:
        problems.append(FieldProblem("$.type", "is required"))
    elif not isinstance(tag, str):
        problems.append(FieldProblem("$.type", f"must be a string, not {_kind(tag)}"))
    elif tag not in DOCUMENT_TYPES:
        problems.append(
            FieldProblem("$.type", f"unknown document type {tag[:60]!r}; see DOCUMENT_TYPES")
        )
    else:
        cl = DOCUMENT_TYPES[tag]
        if expected is not None and cl is not expected:
            problems.append(
                FieldProblem("$.type", f"expected a {_TAG_OF[expected]!r} document, not {tag!r}")
            )
            cl = None
    if "data" not in doc:
        problems.append(FieldProblem("$.data", "is required"))
    if problems:
        raise ValidationError(problems)
    assert cl is not None
    return _structure(doc["data"], cl, "$.data")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key[:60]!r} in an object")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in JSON")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is out of range")
    return value


@overload
def from_json(text: str | bytes, expected: type[T]) -> T: ...


@overload
def from_json(text: str | bytes, expected: None = None) -> Any: ...


def from_json(text: str | bytes, expected: type[T] | None = None) -> Any:
    """Read the value of a JSON document made by :func:`to_json`.

    The text is strict JSON: ``NaN`` and ``Infinity`` are refused, and so are
    duplicate keys in an object. Every problem is raised in one
    :class:`~resocialize.errors.ValidationError`; see :func:`from_document`.
    """
    return from_document(json_document(text), expected)


def json_document(text: str | bytes) -> Any:
    """The parsed JSON of a document, read as strictly as :func:`from_json` reads it (no
    ``NaN``, no duplicate keys, floats marked), not yet turned into a value."""
    if not isinstance(text, str | bytes | bytearray):
        raise ValidationError.at(
            "$", f"must be JSON text (str or bytes), not {type(text).__name__}"
        )
    try:
        return json.loads(
            text, object_pairs_hook=_object, parse_constant=_constant, parse_float=_float
        )
    except RecursionError:
        raise ValidationError.at("$", "is not readable JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError and the hooks above
        raise ValidationError.at("$", f"is not valid JSON: {exc}") from None
