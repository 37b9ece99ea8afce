"""Labels, refusal messages, money and dates in English, Russian and Croatian (IX-03).

Every fixed word the library shows a person has a stable key (``state.treatment``,
``stage.3``, ``intervention.art_therapy``, ``reason.consent.missing``...). The
translations are data, one catalog a language beside this module (``en.toml``,
``ru.toml``, ``hr.toml``), and every catalog has exactly the same keys. The Russian and
Croatian words are those of the source documents (seeds 002 and 004): "социальный
сертификат", "ресоциализация", "постреабилитационный патронаж"; "resocijalizacija",
"terapijska zajednica", "grupe podrške".

>>> from resocialize.i18n import label, message
>>> label("state.patronage", "ru")
'постреабилитационный патронаж'
>>> label("stage.4", "hr")
'Faza IV: resocijalizacija i radna reintegracija'

A refusal reads in the client's language: each reason code has a message template in
every language whose ``{placeholders}`` are filled from the reason's details. English is
the library's own message. When a detail the template needs is missing, the reason's
own English message is shown instead; rendering never raises:

>>> from resocialize.rules import Reason
>>> reason = Reason("system.unknown_case", "there is no case case-9", {"case_id": "case-9"})
>>> message(reason, "ru")
'нет случая case-9'
>>> message(Reason("system.unknown_case", "there is no such case"), "hr")
'there is no such case'

Money and dates follow the CLDR conventions of each language (a small table: the
standard library only, no Babel). Amounts are never rounded:

>>> from datetime import date
>>> from resocialize.money import Money
>>> from resocialize.i18n import format_date, format_money
>>> format_money(Money.of(180000, "RUB"), "ru")
'180\\xa0000,00\\xa0₽'
>>> format_money(Money.of(180000, "EUR"), "hr"), format_money(Money.of(180000, "RUB"), "en")
('180.000,00\\xa0€', 'RUB\\xa0180,000.00')
>>> format_date(date(2026, 1, 12), "ru"), format_date(date(2026, 1, 12), "hr")
('12.01.2026', '12. 1. 2026.')

Conventions, from CLDR 47 (what Babel prints) unless said otherwise:

- ``en``: the symbol before the amount (``€``, ``$``, ``£``, ``¥``; other currencies by
  their ISO code followed by a no-break space, as ICU spaces a letter symbol from the
  digits: ``RUB 180,000.00``); ``,`` groups thousands and ``.`` marks decimals; dates in
  the medium form ``Jan 12, 2026``.
- ``ru``: the amount, a no-break space (U+00A0) and the symbol (``₽``, ``€``, ``$``,
  ``£``, ``¥``; other currencies by code); a no-break space (U+00A0, CLDR's Russian group
  separator) groups thousands and ``,`` marks decimals; dates ``12.01.2026``.
- ``hr``: the amount, a no-break space and the symbol (``€``; other currencies by code);
  ``.`` groups thousands and ``,`` marks decimals; dates as Croatian orthography writes
  them, without leading zeros: ``12. 1. 2026.`` (CLDR's short form pads: ``12. 01. 2026.``).
- Every language shows at least the currency's minor units (:func:`~resocialize.money.minor_units`)
  and every further digit the exact amount has; a negative amount starts with ``-``.
"""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from importlib import resources
from types import MappingProxyType
from typing import Final

from resocialize._checks import Problems, date_problem
from resocialize.errors import PermissionDenied, RuleViolation, ValidationError
from resocialize.money import Money, minor_units
from resocialize.program_text import LABELS
from resocialize.rules import Reason

from ._codes import OPEN_FAMILIES, REASON_CODES

__all__ = [
    "LANGUAGES",
    "explain",
    "format_date",
    "format_money",
    "label",
    "labels",
    "message",
    "program_labels",
    "reason_codes",
]

LANGUAGES: Final = ("en", "ru", "hr")
"""The languages the library speaks: English, Russian, Croatian (ISO 639-1 codes)."""

_FORMATTER: Final = string.Formatter()


# --- catalogs ------------------------------------------------------------------------------


def _flatten(table: Mapping[str, object], prefix: str, into: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, f"{full}.", into)
        elif isinstance(value, str):
            into[full] = value
        else:
            raise ValidationError.at(full, f"must be a string, not {type(value).__name__}")


@functools.cache
def _catalog(language: str) -> Mapping[str, str]:
    text = resources.files(__name__).joinpath(f"{language}.toml").read_text("utf-8")
    flat: dict[str, str] = {}
    _flatten(tomllib.loads(text), "", flat)
    return MappingProxyType(flat)


def _language_problem(language: object) -> str | None:
    if isinstance(language, str) and language in LANGUAGES:
        return None
    return f"must be one of {', '.join(LANGUAGES)}, not {language!r}"


def _language(language: object) -> str:
    problem = _language_problem(language)
    if problem is not None:
        raise ValidationError.at("language", problem)
    assert isinstance(language, str)
    return language


def labels(language: str) -> Mapping[str, str]:
    """Every label of ``language`` by key (a read-only mapping).

    The keys are the same in every language: ``state.<state>``, ``stage.<n>``,
    ``event.<event>``, ``referral_source.<source>``, ``ownership.<form>``, ``role.<role>``,
    ``intervention.<code>``, ``domain.<domain>``, ``goal.<code>``, ``register_state.<state>``,
    ``certificate_status.<status>`` (of a center's certification),
    ``certificate_state.<state>`` (of a client's certificate), ``client_status.<status>``,
    every key of :data:`resocialize.program_text.LABELS`, and ``reason.<code>`` (the
    message templates of the reason codes; ``reason.<family>.*`` for the open families).

    >>> labels("hr")["ownership.religious"]
    'vjerski'
    """
    return _catalog(_language(language))


def label(key: str, language: str = "en") -> str:
    """The label of ``key`` in ``language``.

    An unknown language is refused at the path ``language``, an unknown key at ``key``
    (both at once when both are wrong).

    >>> label("referral_source.court", "ru"), label("referral_source.court")
    ('суд', 'court')
    """
    problems = Problems()
    problems.check("language", _language_problem(language))
    if not isinstance(key, str):
        problems.add("key", f"must be a string, not {type(key).__name__}")
    elif key not in _catalog("en"):
        problems.add("key", f"no label has the key {key!r}")
    problems.raise_if_any()
    return _catalog(language)[key]


def reason_codes() -> frozenset[str]:
    """Every concrete reason code of the library; each has a message in every language.

    Codes of the open families (``prerequisite.<intervention>``,
    ``template.<route>.<goal>``) depend on the catalog and the routes, and share one
    message per family.

    >>> "access.role_not_permitted" in reason_codes()
    True
    """
    return REASON_CODES


def program_labels(language: str) -> Mapping[str, str]:
    """The labels :func:`~resocialize.program_text.program_markdown` and
    :func:`~resocialize.program_text.program_html` take to print a program in ``language``:
    every key of :data:`~resocialize.program_text.LABELS`, the names of the interventions
    (``intervention.<code>``) and the statements of the goals (``goal.<code>``).

    The column *Why* and the gaps are the reasons' own messages, in English.

    >>> from datetime import date
    >>> from resocialize.assessment import (
    ...     Assessment, RecoveryCapital, StageOfChange, default_instrument)
    >>> from resocialize.catalog import default_catalog
    >>> from resocialize.planning import plan_program
    >>> from resocialize.program_text import program_markdown
    >>> from resocialize.records import Origin
    >>> tool = default_instrument()
    >>> scores = {item.code: 0 for item in tool.items} | {"work": 3}
    >>> assessment = Assessment(
    ...     "as-1", "cl-7f3k", tool, scores, assessor="psy-4", on=date(2026, 3, 2),
    ...     stage_of_change=StageOfChange.PREPARATION,
    ...     recovery_capital=RecoveryCapital(personal=5, social=3, community=3, cultural=4))
    >>> program = plan_program("cl-7f3k", assessment, default_catalog(),
    ...                        origin=Origin.COMMUNITY, start=date(2026, 3, 2))
    >>> page = program_markdown(program, labels=program_labels("hr"))
    >>> print(page.splitlines()[0])
    # Individualni program rehabilitacije
    >>> "| Pronaći i zadržati posao koji odgovara vlastitim sposobnostima i očekivanjima |" in page
    True
    """
    catalog = _catalog(_language(language))
    return MappingProxyType(
        {
            key: value
            for key, value in catalog.items()
            if key in LABELS or key.startswith(("intervention.", "goal."))
        }
    )


# --- reasons -------------------------------------------------------------------------------


def _template(code: str, catalog: Mapping[str, str]) -> str | None:
    found = catalog.get(f"reason.{code}")
    if found is None and code.split(".", 1)[0] in OPEN_FAMILIES:
        found = catalog.get(f"reason.{code.split('.', 1)[0]}.*")
    return found


def _value(value: object, families: str, catalog: Mapping[str, str]) -> str:
    text = str(value)
    for family in filter(None, families.split("|")):
        named = catalog.get(f"{family}.{text}")
        if named is not None:
            return named
    return text


def _render(template: str, reason: Reason, catalog: Mapping[str, str]) -> str | None:
    """The template filled from the reason's details; ``None`` when a detail is missing.

    A placeholder is a detail's name, optionally with the label families that name its
    value after a colon: ``{state:state|certificate_state}`` shows the label of
    ``state.<value>`` (or ``certificate_state.<value>``), else the value itself. Nothing
    of :meth:`str.format` beyond that is used, so no detail can make rendering raise.
    """
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError:
        return None
    out: list[str] = []
    for literal, field, spec, conversion in parts:
        out.append(literal)
        if field is None:
            continue
        if not field.isidentifier() or conversion:
            return None
        value = reason.details.get(field)
        if value is None:
            return None
        out.append(_value(value, spec or "", catalog))
    return "".join(out)


def _reason_problem(reason: object) -> str | None:
    if isinstance(reason, Reason):
        return None
    return f"must be a Reason, not {type(reason).__name__}"


def _message(reason: Reason, language: str) -> str:
    if language == "en":
        return reason.message
    catalog = _catalog(language)
    template = _template(reason.code, catalog)
    if template is None:
        return reason.message
    rendered = _render(template, reason, catalog)
    return reason.message if rendered is None else rendered


def message(reason: Reason, language: str) -> str:
    """The reason's message in ``language``, filled from its details.

    English is the reason's own message. In another language, a code with no template,
    or a template that needs a detail the reason does not carry, shows the reason's own
    English message: a person always reads something true.

    >>> from resocialize.rules import Reason
    >>> message(Reason("consent.missing", "informed consent is not given"), "hr")
    'informirani pristanak nije dan (ili je povučen)'
    """
    problems = Problems()
    problems.check("reason", _reason_problem(reason))
    problems.check("language", _language_problem(language))
    problems.raise_if_any()
    return _message(reason, language)


def explain(error: RuleViolation | PermissionDenied, language: str) -> str:
    """Every reason of a refusal, one a line in ``language``, each with its code in brackets.

    A :class:`~resocialize.errors.PermissionDenied` starts with a line naming the actor
    and what it may not do.

    >>> from resocialize.errors import RuleViolation
    >>> from resocialize.rules import Reason
    >>> refusal = RuleViolation([Reason("consent.missing", "informed consent is not given"),
    ...                          Reason("program.missing", "no individual program")])
    >>> print(explain(refusal, "ru"))
    информированное согласие не дано (или отозвано) [consent.missing]
    индивидуальная программа реабилитации клиента не внесена [program.missing]
    """
    problems = Problems()
    if not isinstance(error, RuleViolation | PermissionDenied):
        problems.add(
            "error", f"must be a RuleViolation or PermissionDenied, not {type(error).__name__}"
        )
    problems.check("language", _language_problem(language))
    problems.raise_if_any()
    lines: list[str] = []
    if isinstance(error, PermissionDenied):
        head = Reason(
            "access.denied",
            f"{error.actor} may not {error.action}",
            {"actor": error.actor, "action": error.action},
        )
        template = _catalog(language)["error.permission_denied"]
        rendered = None if language == "en" else _render(template, head, _catalog(language))
        lines.append(head.message if rendered is None else rendered)
    lines += [f"{_message(r, language)} [{r.code}]" for r in error.reasons]
    return "\n".join(lines)


# --- money and dates -------------------------------------------------------------------------

_SYMBOLS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"},
    "ru": {"RUB": "₽", "EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"},
    "hr": {"EUR": "€"},
}
"""Each language's symbol of a currency (CLDR); other currencies show their ISO code."""

_SEPARATORS: Final[Mapping[str, tuple[str, str]]] = {
    "en": (",", "."),
    "ru": ("\u00a0", ","),
    "hr": (".", ","),
}
"""Each language's group and decimal separators (CLDR)."""

_NBSP: Final = "\u00a0"

_MONTHS_EN: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def _digits(amount: Decimal, places: int) -> tuple[str, str, str]:
    """Sign, whole digits and fraction digits of the exact amount, at least ``places``."""
    text = format(abs(amount), "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.ljust(places, "0")
    sign = "-" if amount < 0 and (whole.strip("0") or fraction.strip("0")) else ""
    return sign, whole, fraction


def _grouped(whole: str, separator: str) -> str:
    head = len(whole) % 3 or 3
    groups = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
    return separator.join(groups)


def format_money(money: Money, language: str) -> str:
    """The amount as a person of ``language`` reads it, exact to the last digit held.

    >>> from resocialize.money import Money
    >>> format_money(Money.of("-1234.5", "EUR"), "en")
    '-€1,234.50'
    >>> format_money(Money.of("0.125", "RUB"), "ru")
    '0,125\\xa0₽'
    """
    problems = Problems()
    if not isinstance(money, Money):
        problems.add("money", f"must be Money, not {type(money).__name__}")
    problems.check("language", _language_problem(language))
    problems.raise_if_any()
    group, point = _SEPARATORS[language]
    sign, whole, fraction = _digits(money.amount, minor_units(money.currency))
    number = _grouped(whole, group) + (point + fraction if fraction else "")
    symbol = _SYMBOLS[language].get(money.currency, money.currency)
    if language == "en":
        space = _NBSP if symbol.isalpha() else ""
        return f"{sign}{symbol}{space}{number}"
    return f"{sign}{number}{_NBSP}{symbol}"


def format_date(day: date, language: str) -> str:
    """The date as a person of ``language`` writes it.

    >>> from datetime import date
    >>> format_date(date(2026, 3, 2), "en")
    'Mar 2, 2026'
    """
    problems = Problems()
    problems.check("day", date_problem(day))
    problems.check("language", _language_problem(language))
    problems.raise_if_any()
    if language == "ru":
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    if language == "hr":
        return f"{day.day}. {day.month}. {day.year}."
    return f"{_MONTHS_EN[day.month - 1]} {day.day}, {day.year}"
