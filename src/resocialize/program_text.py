"""The individual program printed for the client: Markdown and HTML, with replaceable labels.

A case worker hands the client their program: the goals and why each is there, the
activities week by week with who provides them, and the milestones. Every fixed word of the
page comes from a label (:data:`LABELS`), looked up by a stable key, so that the
translations of the labels (IX-03) replace them without touching the code; intervention
names and goal statements may be replaced the same way (``intervention.<code>``,
``goal.<code>``). Missing keys fall back to English.

The page carries the client's pseudonymous id only, never identifying data.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Final

from ._checks import Problems
from .catalog import Provider, ServiceDomain
from .errors import ValidationError
from .programs import Activity, IndividualProgram
from .rules import Reason
from .tariffs import Milestone
from .templates import Phase

__all__ = ["LABELS", "label_keys", "program_html", "program_markdown"]

_BASE: Final = {
    "program.title": "Individual rehabilitation program",
    "program.client": "Client",
    "program.version": "Version",
    "program.start": "Start",
    "program.route": "Route",
    "program.potential": "Rehabilitation potential",
    "program.release": "Release from custody",
    "section.goals": "Goals",
    "section.schedule": "Activities, week by week",
    "section.milestones": "Milestones",
    "section.gaps": "Not planned, and why",
    "column.goal": "Goal",
    "column.domain": "Domain",
    "column.why": "Why",
    "column.activity": "Activity",
    "column.phase": "Phase",
    "column.weeks": "Weeks",
    "column.frequency": "Sessions a week",
    "column.providers": "With",
    "column.milestone": "Milestone",
    "column.week": "Week",
    "column.due": "Due",
    "note.co_dependents": "with co-dependents",
    "potential.high": "high",
    "potential.moderate": "moderate",
    "potential.low": "low",
}


_PHASE_TEXT: Final = {
    Phase.PRE_RELEASE: "Before release",
    Phase.SOCIAL_REHABILITATION: "Stage III: social rehabilitation",
    Phase.RESOCIALIZATION: "Stage IV: resocialization",
    Phase.PATRONAGE: "Stage V: patronage",
}
_DOMAIN_TEXT: Final = {
    ServiceDomain.MOTIVATION: "motivation",
    ServiceDomain.SOCIALIZATION: "socialization",
    ServiceDomain.LABOUR: "labour",
    ServiceDomain.EDUCATION: "education",
    ServiceDomain.LEGAL: "legal and practical help",
    ServiceDomain.HOUSING: "housing",
    ServiceDomain.HEALTH: "health",
    ServiceDomain.RELAPSE_PREVENTION: "relapse prevention",
}
_PROVIDER_TEXT: Final = {
    Provider.CENTER: "rehabilitation center",
    Provider.EMPLOYMENT_SERVICE: "employment service",
    Provider.EDUCATION: "education",
    Provider.NGO: "NGO",
    Provider.SOCIAL_SERVICE: "social service",
    Provider.HEALTH: "health care",
    Provider.AGENCY: "agency",
    Provider.PRISON: "prison and probation",
    Provider.EMPLOYER: "employer",
}
_MILESTONE_TEXT: Final = {
    Milestone.ADMISSION: "admission to the center",
    Milestone.STAGE_III_COMPLETED: "stage III completed",
    Milestone.STAGE_IV_COMPLETED: "stage IV completed",
    Milestone.NO_RELAPSE: "months without relapse",
    Milestone.SUSTAINED_REMISSION: "sustained remission",
    Milestone.DAYS_SERVED: "days served",
    Milestone.DROPOUT: "dropout",
}

LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        **_BASE,
        **{f"phase.{k.value}": v for k, v in _PHASE_TEXT.items()},
        **{f"domain.{k.value}": v for k, v in _DOMAIN_TEXT.items()},
        **{f"provider.{k.value}": v for k, v in _PROVIDER_TEXT.items()},
        **{f"milestone.{k.value}": v for k, v in _MILESTONE_TEXT.items()},
    }
)
"""The English labels of the printed program, by stable key."""


def label_keys() -> frozenset[str]:
    """Every fixed label key the printed program uses (translations must cover them)."""
    return frozenset(LABELS)


class _Labels:
    def __init__(self, labels: Mapping[str, str] | None) -> None:
        if labels is not None and (
            not isinstance(labels, Mapping)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items())
        ):
            raise ValidationError.at("labels", "must map label keys to strings")
        self.labels = labels or {}

    def __call__(self, key: str, default: str | None = None) -> str:
        found = self.labels.get(key)
        if found is not None:
            return found
        return LABELS.get(key, default if default is not None else key)


def _check(program: object) -> IndividualProgram:
    if not isinstance(program, IndividualProgram):
        raise ValidationError.at(
            "program", f"must be an IndividualProgram, not {type(program).__name__}"
        )
    return program


def _own_message(reason: Reason) -> str:
    return reason.message


def _why(program: IndividualProgram, code: str, text: _Text) -> str:
    goal = program.goal(code)
    return "; ".join(text.reason(reason) for reason in goal.basis)


class _Text:
    """How reasons and dates are written: by default their own English message and ISO
    dates; a translation passes its own (e.g. :func:`resocialize.i18n.message`)."""

    def __init__(self, reason_text: object, date_text: object) -> None:
        problems = Problems()
        if reason_text is not None and not callable(reason_text):
            problems.add(
                "reason_text", f"must be a function of a Reason, not {type(reason_text).__name__}"
            )
        if date_text is not None and not callable(date_text):
            problems.add(
                "date_text", f"must be a function of a date, not {type(date_text).__name__}"
            )
        problems.raise_if_any()
        self.reason: Callable[[Reason], str] = reason_text or _own_message  # type: ignore[assignment]
        self.date: Callable[[date], str] = date_text or date.isoformat  # type: ignore[assignment]


def _activity_name(t: _Labels, activity: Activity) -> str:
    return t(f"intervention.{activity.intervention}", activity.name or activity.intervention)


def _providers(t: _Labels, activity: Activity) -> str:
    names = sorted(t(f"provider.{p.value}") for p in activity.providers)
    if activity.co_dependents:
        names.append(t("note.co_dependents"))
    return ", ".join(names)


def _rows(program: IndividualProgram, t: _Labels, text: _Text) -> dict[str, list[list[str]]]:
    goals = [
        [
            t(f"goal.{g.code}", g.statement),
            t(f"domain.{g.domain.value}"),
            _why(program, g.code, text),
        ]
        for g in program.goals
    ]
    schedule = [
        [
            _activity_name(t, a),
            t(f"phase.{a.phase.value}"),
            f"{a.start_week + 1}-{a.end_week}",
            str(a.per_week),
            _providers(t, a),
        ]
        for a in sorted(program.activities, key=lambda a: (a.start_week, a.intervention))
    ]
    milestones = [
        [
            (f"{m.months} " if m.months else "") + t(f"milestone.{m.milestone.value}"),
            str(m.week + 1),
            text.date(m.due),
        ]
        for m in program.milestones
    ]
    return {"goals": goals, "schedule": schedule, "milestones": milestones}


def _header(program: IndividualProgram, t: _Labels, text: _Text) -> list[tuple[str, str]]:
    facts = [
        (t("program.client"), program.client_id),
        (t("program.version"), str(program.version)),
        (t("program.start"), text.date(program.start)),
        (t("program.route"), program.template),
        (t("program.potential"), t(f"potential.{program.potential.value}")),
    ]
    if program.release_on is not None:
        facts.append((t("program.release"), text.date(program.release_on)))
    return facts


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in head) + " |"]
    lines.append("|" + "|".join("---" for _ in head) + "|")
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


def program_markdown(
    program: IndividualProgram,
    *,
    labels: Mapping[str, str] | None = None,
    reason_text: Callable[[Reason], str] | None = None,
    date_text: Callable[[date], str] | None = None,
) -> str:
    """The program as Markdown, for printing or a case-management screen.

    ``labels`` replace the fixed words; ``reason_text`` writes each reason (why a goal is
    there, what could not be planned) and ``date_text`` each date, so that a translation
    (:mod:`resocialize.i18n`) prints the whole page in its language."""
    program = _check(program)
    t = _Labels(labels)
    text = _Text(reason_text, date_text)
    rows = _rows(program, t, text)
    lines = [f"# {t('program.title')}", ""]
    lines += [f"- **{name}**: {_md_cell(value)}" for name, value in _header(program, t, text)]
    lines += ["", f"## {t('section.goals')}", ""]
    lines += _md_table([t("column.goal"), t("column.domain"), t("column.why")], rows["goals"])
    lines += ["", f"## {t('section.schedule')}", ""]
    lines += _md_table(
        [
            t("column.activity"),
            t("column.phase"),
            t("column.weeks"),
            t("column.frequency"),
            t("column.providers"),
        ],
        rows["schedule"],
    )
    lines += ["", f"## {t('section.milestones')}", ""]
    lines += _md_table(
        [t("column.milestone"), t("column.week"), t("column.due")], rows["milestones"]
    )
    if program.gaps:
        lines += ["", f"## {t('section.gaps')}", ""]
        lines += [f"- {_md_cell(text.reason(gap))}" for gap in program.gaps]
    return "\n".join(lines) + "\n"


def _html_table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = [
        "<table>",
        "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead>",
        "<tbody>",
    ]
    out += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows]
    out += ["</tbody>", "</table>"]
    return out


def program_html(
    program: IndividualProgram,
    *,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    reason_text: Callable[[Reason], str] | None = None,
    date_text: Callable[[date], str] | None = None,
) -> str:
    """The program as a standalone HTML page (escaped; printable as it is); ``labels``,
    ``reason_text`` and ``date_text`` as for :func:`program_markdown`."""
    program = _check(program)
    t = _Labels(labels)
    text = _Text(reason_text, date_text)
    if not isinstance(lang, str) or not lang.replace("-", "").isalnum():
        raise ValidationError.at("lang", "must be a language tag such as 'en' or 'ru'")
    rows = _rows(program, t, text)
    title = html.escape(t("program.title"))
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        '<head><meta charset="utf-8">',
        f"<title>{title}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse;width:100%}"
        "th,td{border:1px solid #999;padding:.3em;text-align:left;vertical-align:top}"
        "@media print{body{margin:0}}</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
        "<dl>",
    ]
    for name, value in _header(program, t, text):
        out.append(f"<dt>{html.escape(name)}</dt><dd>{html.escape(value)}</dd>")
    out.append("</dl>")
    out.append(f"<h2>{html.escape(t('section.goals'))}</h2>")
    out += _html_table([t("column.goal"), t("column.domain"), t("column.why")], rows["goals"])
    out.append(f"<h2>{html.escape(t('section.schedule'))}</h2>")
    out += _html_table(
        [
            t("column.activity"),
            t("column.phase"),
            t("column.weeks"),
            t("column.frequency"),
            t("column.providers"),
        ],
        rows["schedule"],
    )
    out.append(f"<h2>{html.escape(t('section.milestones'))}</h2>")
    out += _html_table(
        [t("column.milestone"), t("column.week"), t("column.due")], rows["milestones"]
    )
    if program.gaps:
        out.append(f"<h2>{html.escape(t('section.gaps'))}</h2>")
        out.append("<ul>")
        out += [f"<li>{html.escape(text.reason(gap))}</li>" for gap in program.gaps]
        out.append("</ul>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
