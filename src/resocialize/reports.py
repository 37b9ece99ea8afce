"""Reports of the regional segment: tidy tables, suppressed for publication, and plots (MR-05).

The agency shows the anti-drug commission, period by period, how many people it reached
and what became of them. :func:`build_report` puts the library's measures together into a
:class:`Report` of named :class:`ReportTable` values:

- ``events``: what happened in each period (identified, motivated, refused, completions of
  stages III and IV, dropouts, relapses, sustained remissions, deaths), from
  :func:`~resocialize.indicators.indicators`;
- ``identified_by_source``: who identified the clients, per period;
- ``stage_flows``: each stage's stock and flows over the whole span (in at the start,
  entered, left, in at the end);
- ``funnel``: the cohort identified in the span, by group, and how far it got (stage I to V);
- ``outcomes``: completions, dropouts, relapses, remissions and labour outcomes, by group;
- ``occupancy``: the cases in each state at the end of each period;
- ``time_in_stage``: median and quartiles of days in each stage, over the spells that ended;
- ``follow_ups``: the follow-up rate per center and for the region against the target
  (with follow-up records, :mod:`resocialize.followups`);
- ``spending``: certificates issued, committed, paid and released by source and year (with
  the ledger and the certificate book, :mod:`resocialize.spending`).

**Disclosure.** Every table of counts of people goes through
:func:`~resocialize.disclosure.publish`: a role the policy allows (the agency, by default)
gets the counts as they are; every other role gets them with the cells under k and the
cells that would let them be recomputed suppressed, and the table's ``notes`` say what
was suppressed and why. Rates and durations resting on fewer than k people are withheld
too. Each table is protected on its own: a reader who holds several tables of the same
report could, in principle, combine them (a known limit of table-by-table suppression).

Tables are plain values: :meth:`ReportTable.to_csv`, :meth:`ReportTable.to_json`,
:meth:`ReportTable.records`, and :meth:`ReportTable.to_pandas` when pandas is installed.
:func:`write_report` writes them to a folder with the plots (PNG, with matplotlib);
``resocialize report`` does it from an exported file (:mod:`resocialize.exports`).
"""

from __future__ import annotations

import csv
import importlib
import io
import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import attrs

from ._checks import date_problem
from .certificates import CertificateBook
from .disclosure import DEFAULT_POLICY, CountTable, DisclosurePolicy, SuppressedTable, publish
from .errors import FieldProblem, ValidationError
from .followups import (
    DEFAULT_FOLLOW_UP_RULES,
    FollowUpRecord,
    FollowUpRules,
    follow_up_rates,
)
from .indicators import (
    DIMENSIONS,
    SOURCES,
    STATES,
    CaseAttributes,
    Histories,
    IndicatorTable,
    Period,
    indicators,
)
from .ledger import Ledger
from .organizations import Role
from .pathway import Case
from .rules import Reason

__all__ = [
    "Report",
    "ReportTable",
    "build_report",
    "write_report",
]

Cell = int | str | None
"""A value in a report table: a count, a text (labels, rates and days written exactly as
decimals), or ``None`` where nothing is published."""

EVENTS: Final = (
    "identified",
    "motivated",
    "refused",
    "completed.stage_iii",
    "completed.stage_iv",
    "dropouts",
    "relapses",
    "sustained_remissions",
    "deaths",
)
OUTCOMES: Final = (
    "completed.stage_iii",
    "completed.stage_iv",
    "dropouts",
    "relapses",
    "sustained_remissions",
    "labour.employed",
    "labour.in_education",
    "labour.in_training",
    "labour.neither",
)
_STAGE_NAMES: Final = ("stage_i", "stage_ii", "stage_iii", "stage_iv", "stage_v")
_FLOWS: Final = ("in_at_start", "entered", "left", "in_at_end")


def _decimal(value: Fraction | None, places: int = 4) -> str | None:
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum))


@attrs.frozen
class ReportTable:
    """One table of a report: named columns and rows of counts, texts or ``None``.

    ``suppressed`` is true when small counts were withheld; ``notes`` says what and why.
    """

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    suppressed: bool = False
    notes: tuple[Reason, ...] = ()

    def records(self) -> tuple[dict[str, Cell], ...]:
        """The rows as records keyed by column."""
        return tuple(dict(zip(self.columns, row, strict=True)) for row in self.rows)

    def column(self, name: str) -> tuple[Cell, ...]:
        """The values of one column; :class:`~resocialize.errors.ValidationError` if none."""
        if name not in self.columns:
            raise ValidationError.at(
                "name",
                f"table {self.name} has no column {name!r}; it has {', '.join(self.columns)}",
            )
        index = self.columns.index(name)
        return tuple(row[index] for row in self.rows)

    def to_csv(self) -> str:
        """The table as CSV text; withheld values are empty."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow(["" if cell is None else cell for cell in row])
        return out.getvalue()

    def to_json(self) -> str:
        """The table as JSON: title, columns, rows, and the notes of what was suppressed."""
        return json.dumps(
            {
                "name": self.name,
                "title": self.title,
                "suppressed": self.suppressed,
                "columns": list(self.columns),
                "rows": [list(row) for row in self.rows],
                "notes": [
                    {"code": n.code, "message": n.message, "details": dict(n.details)}
                    for n in self.notes
                ],
            },
            ensure_ascii=False,
            indent=1,
        )

    def to_pandas(self) -> Any:
        """The table as a ``pandas.DataFrame`` (pandas must be installed)."""
        try:
            pandas = importlib.import_module("pandas")
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ImportError("to_pandas needs pandas: pip install pandas") from err
        return pandas.DataFrame(list(self.rows), columns=list(self.columns))


@attrs.frozen
class Report:
    """The tables of one report, for one role, over some periods, as known on ``as_of``."""

    title: str
    periods: tuple[Period, ...]
    as_of: date
    role: Role
    k: int
    tables: tuple[ReportTable, ...]

    def table(self, name: str) -> ReportTable:
        """A table by name; :class:`~resocialize.errors.ValidationError` if the report has none."""
        for table in self.tables:
            if table.name == name:
                return table
        names = ", ".join(t.name for t in self.tables)
        raise ValidationError.at("name", f"the report has no table {name!r}; it has {names}")

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the tables, in order."""
        return tuple(t.name for t in self.tables)


# --- counts through disclosure control ------------------------------------------------------


def _published(
    name: str,
    table: CountTable,
    first: str,
    role: Role,
    policy: DisclosurePolicy,
    *,
    totals: bool = False,
) -> ReportTable:
    shown = publish(table, role, policy)
    if isinstance(shown, SuppressedTable):
        cells: Sequence[Sequence[int | None]] = shown.cells
        row_totals: Sequence[int | None] = shown.row_totals
        column_totals: Sequence[int | None] = shown.column_totals
        total: int | None = shown.total
        notes = shown.notes
        suppressed = bool(shown.primary or shown.secondary)
    else:
        cells, row_totals = table.cells, table.row_totals
        column_totals, total, notes, suppressed = table.column_totals, table.total, (), False
    if not totals:  # the totals are not shown: their notes would speak of nothing here
        notes = tuple(n for n in notes if n.details.get("kind") == "cell")
    columns = (first, *table.columns, *(("total",) if totals else ()))
    rows: list[tuple[Cell, ...]] = []
    for label, line, line_total in zip(table.rows, cells, row_totals, strict=True):
        rows.append((label, *line, *((line_total,) if totals else ())))
    if totals:
        rows.append(("total", *column_totals, total))
    return ReportTable(name, table.title, columns, tuple(rows), suppressed, tuple(notes))


def _counts(
    name: str,
    title: str,
    first: str,
    rows: Sequence[str],
    columns: Sequence[str],
    value: Callable[[str, str], int],
    role: Role,
    policy: DisclosurePolicy,
    *,
    totals: bool = False,
) -> ReportTable:
    cells = tuple(tuple(value(r, c) for c in columns) for r in rows)
    table = CountTable(title, tuple(rows), tuple(columns), cells)
    return _published(name, table, first, role, policy, totals=totals)


def _group_label(group: tuple[str, ...]) -> str:
    return " / ".join(group) if group else "region"


# --- the report ---------------------------------------------------------------------------


def _check(
    periods: object,
    as_of: object,
    by: object,
    role: object,
    policy: object,
    rules: object,
    ledger: object,
    book: object,
) -> tuple[Period, ...]:
    problems: list[FieldProblem] = []
    chosen: tuple[Period, ...] = ()
    if isinstance(periods, Period):
        chosen = (periods,)
    elif isinstance(periods, Sequence) and periods and all(isinstance(p, Period) for p in periods):
        chosen = tuple(periods)
    else:
        problems.append(FieldProblem("periods", "must be a Period or a non-empty list of them"))
    if as_of is not None:
        problem = date_problem(as_of)
        if problem is not None:
            problems.append(FieldProblem("as_of", problem))
    if not isinstance(by, tuple) or any(d not in DIMENSIONS for d in by):
        problems.append(FieldProblem("by", f"must be a tuple of {', '.join(DIMENSIONS)}"))
    if not isinstance(role, Role):
        problems.append(FieldProblem("role", f"must be a Role, not {role!r}"))
    if not isinstance(policy, DisclosurePolicy):
        problems.append(FieldProblem("policy", "must be a DisclosurePolicy"))
    if not isinstance(rules, FollowUpRules):
        problems.append(FieldProblem("follow_up_rules", "must be FollowUpRules"))
    if (ledger is None) != (book is None):
        problems.append(FieldProblem("ledger", "the ledger and the certificate book go together"))
    if ledger is not None and not isinstance(ledger, Ledger):
        problems.append(FieldProblem("ledger", "must be a Ledger"))
    if book is not None and not isinstance(book, CertificateBook):
        problems.append(FieldProblem("book", "must be a CertificateBook"))
    if problems:
        raise ValidationError(problems)
    return chosen


def build_report(
    cases: Iterable[Case],
    periods: Period | Sequence[Period],
    *,
    as_of: date | None = None,
    by: tuple[str, ...] = ("center",),
    attributes: Mapping[str, CaseAttributes] | None = None,
    records: Iterable[FollowUpRecord] | None = None,
    follow_up_rules: FollowUpRules = DEFAULT_FOLLOW_UP_RULES,
    ledger: Ledger | None = None,
    book: CertificateBook | None = None,
    role: Role = Role.ANTI_DRUG_COMMISSION,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    title: str = "Rehabilitation and resocialization: the regional segment",
) -> Report:
    """The report of ``cases`` over ``periods`` (in order), as known on ``as_of`` (by default
    the end of the last period), with groups ``by`` (``center`` by default; any of
    :data:`~resocialize.indicators.DIMENSIONS`), for ``role`` under ``policy`` (MR-05).

    ``records`` adds the follow-up rates; ``ledger`` with ``book`` adds the spending.
    Bad arguments raise :class:`~resocialize.errors.ValidationError` with every path.
    """
    chosen = _check(periods, as_of, by, role, policy, follow_up_rules, ledger, book)
    case_list = list(cases)
    histories = Histories.from_cases(case_list)
    span = Period(chosen[0].start, chosen[-1].end)
    day = span.end if as_of is None else as_of
    each = indicators(histories, chosen, attributes=attributes, as_of=day)
    whole = indicators(histories, span, attributes=attributes, as_of=day)
    grouped = indicators(histories, span, by=by, attributes=attributes, as_of=day)
    labels = [p.label for p in chosen]
    tables = [
        _counts(
            "events",
            "What happened in each period",
            "period",
            labels,
            EVENTS,
            lambda r, c: each.count(c, period=chosen[labels.index(r)]),
            role,
            policy,
        ),
        _counts(
            "identified_by_source",
            "Who identified the clients",
            "period",
            labels,
            [s.value for s in SOURCES],
            lambda r, c: each.count(f"identified.{c}", period=chosen[labels.index(r)]),
            role,
            policy,
            totals=True,
        ),
        _counts(
            "stage_flows",
            f"Stages I-V, {span.label}",
            "stage",
            _STAGE_NAMES,
            _FLOWS,
            lambda r, c: whole.count(f"{r}.{c}"),
            role,
            policy,
        ),
        _funnel(grouped, by, role, policy),
        _outcomes(grouped, by, role, policy),
        _counts(
            "occupancy",
            "Cases in each state at the end of each period",
            "period",
            labels,
            [s.value for s in STATES],
            lambda r, c: each.count(f"state.{c}", period=chosen[labels.index(r)]),
            role,
            policy,
            totals=True,
        ),
        _time_in_stage(whole, role, policy),
    ]
    if records is not None:
        tables.append(_follow_ups(case_list, records, day, follow_up_rules, role, policy))
    if ledger is not None and book is not None:
        tables.append(_spending(ledger, book, case_list, day, role, policy))
    return Report(title, chosen, day, role, policy.k, tuple(tables))


def _funnel(
    table: IndicatorTable, by: tuple[str, ...], role: Role, policy: DisclosurePolicy
) -> ReportTable:
    stages = [f"cohort.{name}" for name in _STAGE_NAMES]
    groups = table.groups
    labelled = [_group_label(g) for g in groups]
    counts = _counts(
        "funnel",
        "The cohort identified in the span: how far it got",
        "+".join(by) or "group",
        labelled,
        stages,
        lambda r, c: table.count(c, groups[labelled.index(r)]),
        role,
        policy,
    )
    # conversion from the published counts only: nothing withheld can be recomputed
    rows = []
    for row in counts.rows:
        rates: list[Cell] = []
        for before, after in itertools.pairwise(row[1:]):
            if isinstance(before, int) and isinstance(after, int) and before:
                rates.append(_decimal(Fraction(after, before)))
            else:
                rates.append(None)
        rows.append((*row, *rates))
    conversions = tuple(f"conversion.{a}.{b}" for a, b in itertools.pairwise(_STAGE_NAMES))
    return attrs.evolve(counts, columns=(*counts.columns, *conversions), rows=tuple(rows))


def _outcomes(
    table: IndicatorTable, by: tuple[str, ...], role: Role, policy: DisclosurePolicy
) -> ReportTable:
    groups = table.groups
    labelled = [_group_label(g) for g in groups]
    return _counts(
        "outcomes",
        "Outcomes by group over the span",
        "+".join(by) or "group",
        labelled,
        OUTCOMES,
        lambda r, c: table.count(c, groups[labelled.index(r)]),
        role,
        policy,
    )


class _Withheld:
    """Figures that rest on fewer than k people, withheld for a role the policy does not
    allow to see them, each with a note saying what and why."""

    def __init__(self, role: Role, policy: DisclosurePolicy) -> None:
        self.allowed = role in policy.unsuppressed_roles
        self.k = policy.k
        self.notes: list[Reason] = []

    def shown(self, people: int, code: str, what: str, **details: str | int) -> bool:
        """True when a figure resting on ``people`` may be published; else note why not."""
        if self.allowed or people == 0 or people >= self.k:
            return True
        self.notes.append(
            Reason(
                f"disclosure.{code}",
                f"{what} rests on fewer than {self.k} and is withheld",
                {**details, "k": self.k},
            )
        )
        return False

    def table(
        self, name: str, title: str, columns: tuple[str, ...], rows: Iterable[tuple[Cell, ...]]
    ) -> ReportTable:
        return ReportTable(name, title, columns, tuple(rows), bool(self.notes), tuple(self.notes))


def _time_in_stage(table: IndicatorTable, role: Role, policy: DisclosurePolicy) -> ReportTable:
    withheld = _Withheld(role, policy)
    rows: list[tuple[Cell, ...]] = []
    for name in _STAGE_NAMES:
        spells = table.count(f"{name}.spells_ended")
        shown = withheld.shown(spells, "few_spells", f"{name}: the days in stage", stage=name)
        values: list[Cell] = [
            _decimal(table.days(f"{name}.days.{q}"), 2) if shown else None
            for q in ("q1", "median", "q3")
        ]
        rows.append((name, spells if shown else None, *values))
    return withheld.table(
        "time_in_stage",
        "Days in each stage, over the spells that ended in the span",
        ("stage", "spells_ended", "q1_days", "median_days", "q3_days"),
        rows,
    )


def _follow_ups(
    cases: list[Case],
    records: Iterable[FollowUpRecord],
    on: date,
    rules: FollowUpRules,
    role: Role,
    policy: DisclosurePolicy,
) -> ReportTable:
    rates = follow_up_rates(cases, list(records), on, by="center", rules=rules)
    withheld = _Withheld(role, policy)
    rows: list[tuple[Cell, ...]] = []
    for rate in rates:
        shown = withheld.shown(
            rate.due, "few_follow_ups", f"{rate.group}: the follow-up rate", group=rate.group
        )
        rows.append(
            (
                rate.group,
                rate.due if shown else None,
                rate.done if shown else None,
                _decimal(rate.rate) if shown else None,
                _decimal(rate.target),
                (None if rate.meets_target is None else str(rate.meets_target).lower())
                if shown
                else None,
            )
        )
    return withheld.table(
        "follow_ups",
        f"Follow-up rate on {on} against the target",
        ("group", "due", "done", "rate", "target", "meets_target"),
        rows,
    )


def _spending(
    ledger: Ledger,
    book: CertificateBook,
    cases: list[Case],
    on: date,
    role: Role,
    policy: DisclosurePolicy,
) -> ReportTable:
    from .spending import spending

    table = spending(ledger, book, cases, as_of=on)
    withheld = _Withheld(role, policy)
    rows: list[tuple[Cell, ...]] = []
    for row in table.rows:
        shown = withheld.shown(
            row.certificates,
            "few_certificates",
            f"{row.source} {row.year} {row.measure.value}: the figures",
            source=row.source,
            year=row.year,
        )
        rows.append(
            (
                row.source,
                row.year,
                row.measure.value,
                row.certificates if shown else None,
                str(row.amount.amount) if shown else None,
                row.amount.currency,
            )
        )
    return withheld.table(
        "spending",
        "Certificates issued, committed, paid and released by source and year",
        ("source", "year", "measure", "certificates", "amount", "currency"),
        rows,
    )


# --- writing ------------------------------------------------------------------------------


def write_report(report: Report, folder: str | Path, *, plots: bool = True) -> tuple[Path, ...]:
    """Write every table as CSV and JSON, an index ``report.json``, and the plots as PNG
    (when ``plots`` and matplotlib is installed) to ``folder``; return the paths written."""
    if not isinstance(report, Report):
        raise ValidationError.at("report", f"must be a Report, not {type(report).__name__}")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for table in report.tables:
        for suffix, text in (("csv", table.to_csv()), ("json", table.to_json())):
            path = out / f"{table.name}.{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    index = {
        "title": report.title,
        "periods": [[p.start.isoformat(), p.end.isoformat()] for p in report.periods],
        "as_of": report.as_of.isoformat(),
        "role": report.role.value,
        "k": report.k,
        "tables": [
            {"name": t.name, "title": t.title, "suppressed": t.suppressed, "notes": len(t.notes)}
            for t in report.tables
        ],
    }
    path = out / "report.json"
    path.write_text(json.dumps(index, indent=1, ensure_ascii=False), encoding="utf-8")
    written.append(path)
    if plots:
        try:
            from .report_plots import plot_report
        except ImportError:  # matplotlib is optional
            return tuple(written)
        written.extend(plot_report(report, out))
    return tuple(written)
