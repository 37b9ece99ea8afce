"""Labels, reason messages, money and dates in English, Russian and Croatian (IX-03)."""

from __future__ import annotations

import ast
import enum
import re
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import resocialize
from resocialize.access import Actor, default_policy, require
from resocialize.assessment import LifeDomain, Need, StageOfChange
from resocialize.catalog import ServiceDomain, default_catalog
from resocialize.centers import CertificateStatus, LicenceKind, Qualification, Setting
from resocialize.certificates import CertificateEvent, CertificateState
from resocialize.clients import ClientStatus
from resocialize.errors import PermissionDenied, RuleViolation, ValidationError
from resocialize.i18n import (
    LANGUAGES,
    explain,
    format_date,
    format_money,
    label,
    labels,
    message,
    program_labels,
    reason_codes,
)
from resocialize.i18n._codes import OPEN_FAMILIES
from resocialize.money import Money, minor_units
from resocialize.organizations import OwnershipForm, Role
from resocialize.pathway import Event, Stage, State, advance, identify
from resocialize.planning import GOAL_OF_DOMAIN
from resocialize.program_text import LABELS
from resocialize.records import Origin, Referral, ReferralSource
from resocialize.register import RegisterEvent, RegisterState
from resocialize.reviews import ReviewTrigger
from resocialize.rules import Reason
from resocialize.testing.strategies import money

pytestmark = pytest.mark.req("IX-03")

SOURCE = Path(resocialize.__file__).parent

# --- every key, every language ----------------------------------------------------------------


def test_every_language_has_the_same_keys_and_no_empty_label() -> None:
    english = set(labels("en"))
    for language in LANGUAGES:
        catalog = labels(language)
        assert set(catalog) == english, language
        empty = [key for key, value in catalog.items() if not value.strip()]
        assert empty == [], (language, empty)


FAMILIES: list[tuple[str, type[enum.Enum]]] = [
    ("state", State),
    ("event", Event),
    ("referral_source", ReferralSource),
    ("ownership", OwnershipForm),
    ("role", Role),
    ("domain", ServiceDomain),
    ("domain", LifeDomain),
    ("register_state", RegisterState),
    ("register_event", RegisterEvent),
    ("certificate_status", CertificateStatus),
    ("certificate_state", CertificateState),
    ("certificate_event", CertificateEvent),
    ("client_status", ClientStatus),
    ("stage_of_change", StageOfChange),
    ("setting", Setting),
    ("licence_kind", LicenceKind),
    ("specialist", Qualification),
]


@pytest.mark.parametrize(
    ("family", "kind"), FAMILIES, ids=[f"{f}-{k.__name__}" for f, k in FAMILIES]
)
def test_every_member_of_an_enumeration_has_a_label_in_every_language(
    family: str, kind: type[enum.Enum]
) -> None:
    for language in LANGUAGES:
        missing = [m.value for m in kind if f"{family}.{m.value}" not in labels(language)]
        assert missing == [], (language, family, missing)


def test_every_stage_and_need_level_has_a_label() -> None:
    for language in LANGUAGES:
        for stage in Stage:
            assert label(f"stage.{stage.value}", language).count(stage.roman)
            assert label(f"roman.{stage.value}", language) == stage.roman
        for need in Need:
            assert label(f"need_level.{need.name.lower()}", language)


def test_every_intervention_of_the_catalog_and_every_goal_has_a_label() -> None:
    catalog = default_catalog()
    goals = {domain.value for domain in GOAL_OF_DOMAIN}
    from resocialize.templates import default_templates

    goals |= {goal.code for template in default_templates().values() for goal in template.goals}
    for language in LANGUAGES:
        found = labels(language)
        assert [
            i.code for i in catalog.interventions if f"intervention.{i.code}" not in found
        ] == []
        assert [g for g in sorted(goals) if f"goal.{g}" not in found] == []


def test_english_names_are_the_catalog_names_and_goal_statements() -> None:
    for intervention in default_catalog().interventions:
        assert label(f"intervention.{intervention.code}") == intervention.name
    for domain, (_, statement) in GOAL_OF_DOMAIN.items():
        assert label(f"goal.{domain.value}") == statement


def test_every_label_of_the_printed_program_is_translated() -> None:
    for language in LANGUAGES:
        mapping = program_labels(language)
        assert set(LABELS) <= set(mapping)
        assert all(key in LABELS or key.startswith(("intervention.", "goal.")) for key in mapping)
    assert {k: label(k) for k in LABELS} == dict(LABELS)
    assert program_labels("ru")["program.title"] == "Индивидуальная программа реабилитации"


def test_seed_vocabulary_is_used() -> None:
    assert label("state.patronage", "ru") == "постреабилитационный патронаж"
    assert label("state.resocialization", "ru") == "ресоциализация"
    assert "социальный сертификат" in label("reason.certificate.missing", "ru")
    assert label("intervention.mediation", "ru") == "Примирительные процедуры, медиация"
    assert label("state.resocialization", "hr") == "resocijalizacija"
    assert label("intervention.support_groups", "hr").startswith("Grupe podrške")


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "", None, 3, "EN"])
def test_an_unknown_language_is_refused_at_its_path(language: object) -> None:
    for call in (
        lambda: label("state.treatment", language),  # type: ignore[arg-type]
        lambda: labels(language),  # type: ignore[arg-type]
        lambda: program_labels(language),  # type: ignore[arg-type]
        lambda: message(Reason("consent.missing", "no consent"), language),  # type: ignore[arg-type]
        lambda: format_date(date(2026, 1, 12), language),  # type: ignore[arg-type]
        lambda: format_money(Money.of(1, "EUR"), language),  # type: ignore[arg-type]
        lambda: explain(RuleViolation([Reason("x.y", "no")]), language),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.paths == ("language",)


def test_an_unknown_key_is_refused_at_its_path() -> None:
    for key in ("state.nowhere", "", 7):
        with pytest.raises(ValidationError) as caught:
            label(key, "ru")  # type: ignore[arg-type]
        assert caught.value.paths == ("key",)
    with pytest.raises(ValidationError) as both:
        label("state.nowhere", "fr")
    assert both.value.paths == ("language", "key")


def test_bad_values_are_refused_at_their_paths() -> None:
    with pytest.raises(ValidationError) as caught:
        message("consent.missing", "ru")  # type: ignore[arg-type]
    assert caught.value.paths == ("reason",)
    with pytest.raises(ValidationError) as caught:
        format_money(Decimal(1), "ru")  # type: ignore[arg-type]
    assert caught.value.paths == ("money",)
    with pytest.raises(ValidationError) as caught:
        format_date(datetime(2026, 1, 12, tzinfo=UTC), "xx")
    assert caught.value.paths == ("day", "language")
    with pytest.raises(ValidationError) as caught:
        explain(ValueError("no"), "ru")  # type: ignore[arg-type]
    assert caught.value.paths == ("error",)


# --- every reason code in the source has a message ----------------------------------------------

_MAKERS = {
    # callee name: position of the code among the positional arguments
    "Reason": 0,
    "_reason": 0,
    "_refused": 0,
    "_cap": 0,
    "met": 0,
    "unmet": 0,
    "refuse": 0,
    "check": 1,  # rules.check(condition, code, message)
    "Verdict": 1,  # Verdict(passed, code, message, details)
    "report": 1,  # journal verification: report(index, code, message)
    "Tampering": 1,  # Tampering(sequence, code, message)
}
_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")

_BUILT = {
    # each f-string code of the source and the codes it stands for
    "need.{domain.value}": {f"need.{d.value}" for d in LifeDomain},
    "review.{trigger.value}": {f"review.{t.value}" for t in ReviewTrigger},
    "disclosure.{code}": {
        "disclosure.few_spells",
        "disclosure.few_follow_ups",
        "disclosure.few_certificates",
    },
    "{kind}.duplicate": {"vacancy.duplicate", "quota.duplicate", "incentive.duplicate"},
    "criterion.{'met' if ok else 'unmet'}": {"criterion.met", "criterion.unmet"},
    "prerequisite.{code}": {"prerequisite.*"},
    "template.{template.code}.{goal.code}": {"template.*"},
}


def _text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
            for v in node.values
        )
    return None


def _source_codes() -> Iterator[tuple[str, str, bool]]:
    """(code, where, built with an f-string) of every reason code written in the source."""
    for path in sorted(SOURCE.rglob("*.py")):
        if "i18n" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            at = _MAKERS.get(name)
            if at is None or len(node.args) <= at:
                continue
            text = _text(node.args[at])
            where = f"{path.relative_to(SOURCE)}:{node.lineno}"
            if isinstance(node.args[at], ast.JoinedStr) and text is not None:
                if "{" in text and ("." in text or name == "Reason"):
                    yield text, where, True
            elif text is not None and _CODE.match(text):
                yield text, where, False
        # codes kept in a table of f-strings, such as the assessment's findings
        for match in re.finditer(r'f"(finding)\.\{', path.read_text("utf-8")):
            yield f"{match.group(1)}.{{domain.value}}", str(path.relative_to(SOURCE)), True


_BUILT["finding.{domain.value}"] = {f"finding.{d.value}" for d in LifeDomain}

# paths of validation problems that happen to look like codes (rules.check is not the only check)
_NOT_CODES = {"certificate.planned_days"}


def test_every_reason_code_in_the_source_has_a_message_in_every_language() -> None:
    codes = reason_codes()
    literal = {code for code, _, built in _source_codes() if not built} - _NOT_CODES
    unknown = sorted(code for code in literal if code not in codes)
    assert unknown == [], "add these codes to resocialize/i18n/_codes.py and the catalogs"
    built = {code for code, _, is_built in _source_codes() if is_built}
    assert built <= set(_BUILT), f"expand these f-string codes in _codes.py: {built - set(_BUILT)}"
    for patterns in _BUILT.values():
        for code in patterns:
            family = code.split(".")[0]
            assert code in codes or (code.endswith("*") and family in OPEN_FAMILIES), code
    assert len(literal) > 200  # the scan sees the library's codes, not nothing


def test_the_scan_finds_the_codes_of_access_and_refusals() -> None:
    found = {code for code, _, _ in _source_codes()}
    assert {
        "access.role_not_permitted",
        "access.field_not_permitted",
        "claim.above_balance",
        "effectiveness.below_minimum",
        "journal.edited",
        "potential.not_ready",
        "program.missing",
    } <= found


def test_every_reason_code_has_a_message_in_every_language() -> None:
    for language in LANGUAGES:
        catalog = labels(language)
        missing = sorted(c for c in reason_codes() if f"reason.{c}" not in catalog)
        assert missing == [], (language, missing)
        for family in OPEN_FAMILIES:
            assert f"reason.{family}.*" in catalog
        stray = sorted(
            key
            for key in catalog
            if key.startswith("reason.")
            and key.removeprefix("reason.") not in reason_codes()
            and key.removeprefix("reason.").split(".")[0] + ".*" != key.removeprefix("reason.")
        )
        assert stray == [], (language, stray)


def _fields(template: str) -> set[tuple[str, str]]:
    return {
        (f, spec or "") for _, f, spec, _ in string.Formatter().parse(template) if f is not None
    }


def test_the_placeholders_of_a_message_are_the_same_in_every_language() -> None:
    english = labels("en")
    keys = [k for k in english if k.startswith(("reason.", "error."))]
    for key in keys:
        fields = _fields(english[key])
        for language in LANGUAGES:
            assert _fields(labels(language)[key]) == fields, (key, language)
        for name, spec in fields:
            assert name.isidentifier(), key
            for family in filter(None, spec.split("|")):
                assert any(k.startswith(f"{family}.") for k in english), (key, family)


# --- rendering never raises ------------------------------------------------------------------

_NAMES = sorted(
    {f for k, v in labels("en").items() if k.startswith("reason.") for f, _ in _fields(v)}
)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.text(max_size=20))
_details = st.dictionaries(st.one_of(st.sampled_from(_NAMES), st.text(max_size=8)), _scalars)
_known_codes = st.sampled_from(
    sorted(reason_codes() | {"prerequisite.job_search", "template.prison.post_penal_support"})
)
_any_code = st.one_of(
    _known_codes, st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z0-9_]{1,8}){0,3}", fullmatch=True)
)
_messages = st.text(min_size=1, max_size=40).filter(str.strip)
_reasons = st.builds(Reason, _any_code, _messages, _details)


@given(_reasons, st.sampled_from(LANGUAGES))
def test_any_reason_renders_in_any_language(reason: Reason, language: str) -> None:
    text = message(reason, language)
    assert isinstance(text, str) and text
    if language == "en":
        assert text == reason.message
    assert explain(RuleViolation([reason]), language).endswith(f" [{reason.code}]")


@given(_known_codes, st.sampled_from(LANGUAGES))
def test_a_reason_without_its_details_shows_its_english_message(code: str, language: str) -> None:
    catalog = labels(language)
    template = catalog.get(f"reason.{code}", catalog.get(f"reason.{code.split('.')[0]}.*", ""))
    own = "the library's own words"
    shown = message(Reason(code, own), language)
    if language == "en" or _fields(template):
        assert shown == own
    else:
        assert shown == template


def test_details_fill_the_template_and_name_labels() -> None:
    reason = Reason(
        "transition.not_allowed",
        "admit cannot happen in state identified",
        {"state": "identified", "event": "admit"},
    )
    assert (
        message(reason, "ru")
        == "событие «приём в реабилитационный центр» невозможно в состоянии «выявлен»"
    )
    assert message(reason, "hr") == "događaj „prijem u centar“ nije moguć u stanju „identificiran“"
    certificate = Reason(
        "transition.not_allowed",
        "settle cannot happen to a certificate that is issued",
        {"state": "issued", "event": "settle"},
    )
    assert message(certificate, "ru") == "событие «погашение» невозможно в состоянии «выдан»"
    odd = Reason("transition.not_allowed", "no", {"state": "{0}", "event": "{event!r:>9}"})
    assert message(odd, "hr") == "događaj „{event!r:>9}“ nije moguć u stanju „{0}“"


# --- a real refusal ----------------------------------------------------------------------------


def _refused_admission() -> RuleViolation:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    case = identify(
        "case-17",
        "cl-q3m8x2c7",
        referral=Referral(ReferralSource.MEDICAL_SCREENING, date(2026, 3, 1), "dept-north"),
        origin=Origin.OUTPATIENT,
        at=at,
        by="agency/officer-4",
    )
    for event in (Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT):
        at += timedelta(days=7)
        case = advance(case, event, at=at, by="agency/officer-4").case
    with pytest.raises(RuleViolation) as caught:
        advance(case, Event.ADMIT, at=at + timedelta(days=1), by="agency/officer-4")
    return caught.value


def test_a_refused_admission_reads_in_russian_and_croatian() -> None:
    refusal = _refused_admission()
    assert refusal.codes == (
        "program.missing",
        "certificate.missing",
        "contract.missing",
        "center.missing",
    )
    assert explain(refusal, "ru").splitlines() == [
        "индивидуальная программа реабилитации клиента не внесена [program.missing]",
        "социальный сертификат не представлен [certificate.missing]",
        "подписанный социальный контракт не представлен [contract.missing]",
        "центр не выбран [center.missing]",
    ]
    assert explain(refusal, "hr").splitlines() == [
        "za korisnika nije upisan individualni program [program.missing]",
        "certifikat nije predočen [certificate.missing]",
        "potpisani socijalni ugovor nije predočen [contract.missing]",
        "centar nije izabran [center.missing]",
    ]
    english = explain(refusal, "en")
    assert str(refusal) == "refused: " + english.replace("\n", "; ")


def test_a_denied_command_names_the_actor_and_every_reason() -> None:
    actor = Actor("employer-7", Role.EMPLOYER, "anna")
    with pytest.raises(PermissionDenied) as caught:
        require(default_policy(), actor, "issue_certificate")
    lines = explain(caught.value, "ru").splitlines()
    assert lines[0] == f"{caught.value.actor}: действие «{caught.value.action}» не разрешено"
    assert lines[1:] == [f"{message(r, 'ru')} [{r.code}]" for r in caught.value.reasons]
    assert "роль «работодатель»" in lines[1]
    assert explain(caught.value, "en").splitlines()[0] == str(caught.value).split(":")[0]


# --- money and dates ---------------------------------------------------------------------------


def test_money_and_dates_per_locale() -> None:
    rub, eur = Money.of(180000, "RUB"), Money.of(180000, "EUR")
    assert format_money(rub, "ru") == "180\u00a0000,00\u00a0₽"
    assert format_money(eur, "hr") == "180.000,00\u00a0€"
    assert format_money(rub, "en") == "RUB\u00a0180,000.00"
    assert format_money(eur, "en") == "€180,000.00"
    assert format_money(Money.of("-0.5", "JPY"), "ru") == "-0,5\u00a0¥"
    assert format_money(Money.of("999", "KWD"), "hr") == "999,000\u00a0KWD"
    assert format_money(Money(Decimal("-0.00"), "EUR"), "en") == "€0.00"
    assert format_money(Money(Decimal("1E+3"), "USD"), "ru") == "1\u00a0000,00\u00a0$"
    day = date(2026, 1, 12)
    assert (format_date(day, "en"), format_date(day, "ru"), format_date(day, "hr")) == (
        "Jan 12, 2026",
        "12.01.2026",
        "12. 1. 2026.",
    )


_GROUP = {"en": ",", "ru": "\u00a0", "hr": "."}
_POINT = {"en": ".", "ru": ",", "hr": ","}


@given(money(), st.sampled_from(LANGUAGES))
def test_formatted_money_keeps_every_digit(amount: Money, language: str) -> None:
    text = format_money(amount, language)
    number = re.sub(r"[^\d" + re.escape(_GROUP[language] + _POINT[language]) + "-]", "", text)
    if language == "ru":
        number = number.strip("\u00a0")
    plain = number.replace(_GROUP[language], "").replace(_POINT[language], ".")
    assert Decimal(plain) == amount.amount
    whole = plain.lstrip("-").split(".")
    assert len(whole[1] if len(whole) > 1 else "") >= minor_units(amount.currency)


@given(st.dates(), st.sampled_from(LANGUAGES))
def test_formatted_dates_keep_day_month_and_year(day: date, language: str) -> None:
    text = format_date(day, language)
    assert str(day.year) in text and str(day.day) in text


# --- packaging ---------------------------------------------------------------------------------


def test_the_catalogs_ship_with_the_package() -> None:
    folder = resources.files("resocialize.i18n")
    for language in LANGUAGES:
        assert folder.joinpath(f"{language}.toml").is_file()
