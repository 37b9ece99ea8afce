"""Spending on certificates (MR-03): money issued, committed, paid and released, and what it bought.

:func:`spending` reads the book of certificates, the budget ledger and the case
histories up to ``as_of`` (a certificate's issue, a transaction or a history
entry dated later, in its own UTC offset, is not read) into a
:class:`SpendingTable`. Its tidy :class:`SpendingRow` rows give, by funding
source and year, four measures, each as a number of certificates and an amount:

- **issued**: certificates issued, each counted for every source of its split,
  with that source's share of the face value, in the calendar **year of issue**
  (a certificate has no budget year until its money is committed);
- **committed**: money earmarked by commitments as booked (gross: what was later
  paid or released stays counted), in the **budget year** of the money;
- **paid**: money paid to centers, in the budget year of the money;
- **released**: unused commitments returned to the source's year (CF-06).

So, per source and budget year, ``committed = paid + released +`` what is still
committed (:func:`resocialize.ledger.report`'s ``committed``). A source and year
with any of the four has a row for each; the others are zero.

What the money bought, the cost per completed course and per sustained
remission by center, by source and in total, is
:func:`resocialize.monitoring.cost_effectiveness` (CF-08), read with the same
``as_of``; see that function for what is counted where.

>>> from datetime import date, datetime, timezone
>>> from resocialize.certificates import EMPTY_BOOK, ClientStanding, Course, issue
>>> from resocialize.ledger import (
...     FundingSource, SourceKind, appropriate, commit, open_ledger, pay, release,
... )
>>> from resocialize.money import Money
>>> at = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)
>>> rub = lambda n: Money.of(n, "RUB")
>>> books = open_ledger(
...     [FundingSource("regional", "Regional program", SourceKind.REGIONAL_BUDGET),
...      FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY)],
...     currency="RUB",
... )
>>> books = appropriate(books, "regional", 2026, rub(900_000), at=at, by="fin-1", reference="l-1")
>>> books = appropriate(books, "federal", 2026, rub(300_000), at=at, by="fin-1", reference="s-1")
>>> split = {"regional": rub(120_000), "federal": rub(60_000)}
>>> book = issue(EMPTY_BOOK, "cert-1", ClientStanding("cl-1", True, True),
...              course=Course.SOCIAL_REHABILITATION, face_value=rub(180_000), split=split,
...              valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31),
...              issuer_id="agency-1", at=at, by="officer-1")
>>> books = commit(books, "cert-1", split, year=2026, at=at, by="agency-1")
>>> books = pay(books, "cert-1", "center-1", rub(90_000), at=at, by="agency-1", reference="c-1")
>>> books = release(books, "cert-1", at=at, by="agency-1", why="the client dropped out")
>>> table = spending(books, book, [], as_of=date(2026, 12, 31))
>>> for row in table.rows:
...     print(row.source, row.year, row.measure.value, row.certificates, row.amount)
federal 2026 issued 1 60000.00 RUB
federal 2026 committed 1 60000.00 RUB
federal 2026 paid 1 30000.00 RUB
federal 2026 released 1 30000.00 RUB
regional 2026 issued 1 120000.00 RUB
regional 2026 committed 1 120000.00 RUB
regional 2026 paid 1 60000.00 RUB
regional 2026 released 1 60000.00 RUB
>>> print(table.amount(SpendingMeasure.PAID, "regional", 2026))
60000.00 RUB
>>> [(row.center, str(row.paid), row.completed_courses) for row in table.by_center]
[('center-1', '90000.00 RUB', 0)]
>>> print(table.total.paid, table.total.cost_per_completed_course)
90000.00 RUB None
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Final

import attrs

from ._checks import (
    Checked,
    Problems,
    checked,
    count_problem,
    date_problem,
    id_problem,
    instance_problem,
    member_problem,
)
from .certificates import CertificateBook
from .errors import FieldProblem, ValidationError
from .ledger import Ledger, Movement
from .money import EXACT, Money, _currency_problem, whole_amount_problem
from .monitoring import CostEffectiveness, cost_effectiveness
from .pathway import Case

__all__ = ["SpendingMeasure", "SpendingRow", "SpendingTable", "spending"]

_ZERO: Final = Decimal(0)


class SpendingMeasure(enum.StrEnum):
    """What a row of a :class:`SpendingTable` measures."""

    ISSUED = "issued"
    """Certificates issued, by source of their split, in the year of issue."""
    COMMITTED = "committed"
    """Money earmarked for certificates, as booked, in its budget year."""
    PAID = "paid"
    """Money paid to centers for certificates, in its budget year."""
    RELEASED = "released"
    """Unused commitments returned to the sources, in their budget year."""


_MEASURES: Final = tuple(SpendingMeasure)


def _year_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2999:
        return f"must be a year from 1900 to 2999, not {value!r}"
    return None


@attrs.frozen
class SpendingRow(Checked):
    """One tidy row of a :class:`SpendingTable`: a source, a year, a measure, how many
    certificates and how much money."""

    source: str = attrs.field(metadata=checked(id_problem))
    year: int = attrs.field(metadata=checked(_year_problem))
    measure: SpendingMeasure = attrs.field(metadata=checked(member_problem(SpendingMeasure)))
    certificates: int = attrs.field(metadata=checked(count_problem))
    amount: Money = attrs.field(metadata=checked(whole_amount_problem))

    def _more_problems(self, problems: Problems) -> None:
        if self.amount.is_positive and not self.certificates:
            problems.add("certificates", f"must be at least 1 for {self.amount}")


def _currency(value: object) -> str | None:
    problem = _currency_problem(value)
    return None if problem is None else problem.message


def _tuple_of(kind: type) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, tuple):
            return f"must be a tuple of {kind.__name__}, not {type(value).__name__}"
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                return f"[{i}] must be a {kind.__name__}, not {type(item).__name__}"
        return None

    return check


@attrs.frozen
class SpendingTable(Checked):
    """Spending on certificates read up to ``as_of`` (MR-03), in the ledger's currency.

    ``rows`` run by source, year and measure (in the order of
    :class:`SpendingMeasure`), four to a source and year; ``by_center``,
    ``by_source`` and ``total`` are :func:`~resocialize.monitoring.cost_effectiveness`
    grouped by center, by source and not at all.
    """

    as_of: date = attrs.field(metadata=checked(date_problem))
    currency: str = attrs.field(metadata=checked(_currency))
    rows: tuple[SpendingRow, ...] = attrs.field(metadata=checked(_tuple_of(SpendingRow)))
    by_center: tuple[CostEffectiveness, ...] = attrs.field(
        metadata=checked(_tuple_of(CostEffectiveness))
    )
    by_source: tuple[CostEffectiveness, ...] = attrs.field(
        metadata=checked(_tuple_of(CostEffectiveness))
    )
    total: CostEffectiveness = attrs.field(metadata=checked(instance_problem(CostEffectiveness)))

    def _more_problems(self, problems: Problems) -> None:
        seen: set[tuple[str, int, SpendingMeasure]] = set()
        for i, row in enumerate(self.rows):
            key = (row.source, row.year, row.measure)
            if key in seen:
                problems.add(f"rows[{i}]", "repeats a source, year and measure")
            seen.add(key)
            if row.amount.currency != self.currency:
                problems.add(f"rows[{i}].amount", f"must be in {self.currency}")

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources of the rows, in row order."""
        return tuple(dict.fromkeys(row.source for row in self.rows))

    @property
    def years(self) -> tuple[int, ...]:
        """The years of the rows, in order."""
        return tuple(sorted({row.year for row in self.rows}))

    def _find(self, measure: SpendingMeasure, source: str, year: int) -> SpendingRow | None:
        problems = [
            FieldProblem(name, message)
            for name, message in (
                ("measure", member_problem(SpendingMeasure)(measure)),
                ("source", id_problem(source)),
                ("year", _year_problem(year)),
            )
            if message is not None
        ]
        if problems:
            raise ValidationError(problems)
        for row in self.rows:
            if (row.measure, row.source, row.year) == (measure, source, year):
                return row
        return None

    def amount(self, measure: SpendingMeasure, source: str, year: int) -> Money:
        """The money of ``measure`` from ``source`` in ``year``; zero where there is none."""
        row = self._find(measure, source, year)
        return Money.zero(self.currency) if row is None else row.amount

    def certificates(self, measure: SpendingMeasure, source: str, year: int) -> int:
        """The certificates of ``measure`` from ``source`` in ``year``; 0 where there is none."""
        row = self._find(measure, source, year)
        return 0 if row is None else row.certificates

    def records(self) -> tuple[dict[str, object], ...]:
        """Plain records of the rows (``source``, ``year``, ``measure``, ``certificates``,
        ``amount`` as a Decimal, ``currency``) for CSV, JSON or pandas."""
        return tuple(
            {
                "source": row.source,
                "year": row.year,
                "measure": row.measure.value,
                "certificates": row.certificates,
                "amount": row.amount.amount,
                "currency": row.amount.currency,
            }
            for row in self.rows
        )

    def cost_records(self) -> tuple[dict[str, object], ...]:
        """Plain records of what the money bought: the center rows, the source rows and
        the total (``by`` says which), with the costs as Decimals (``None`` for none)."""

        def amount(money: Money | None) -> Decimal | None:
            return None if money is None else money.amount

        groups = (
            [("center", row) for row in self.by_center]
            + [("source", row) for row in self.by_source]
            + [("total", self.total)]
        )
        return tuple(
            {
                "by": by,
                "center": row.center,
                "source": row.source,
                "paid": row.paid.amount,
                "currency": row.paid.currency,
                "certificates": row.certificates,
                "completed_courses": row.completed_courses,
                "sustained_remissions": row.sustained_remissions,
                "cost_per_completed_course": amount(row.cost_per_completed_course),
                "cost_per_sustained_remission": amount(row.cost_per_sustained_remission),
            }
            for by, row in groups
        )


_LEDGER_MEASURES: Final = {
    Movement.COMMITMENT: SpendingMeasure.COMMITTED,
    Movement.PAYMENT: SpendingMeasure.PAID,
    Movement.RELEASE: SpendingMeasure.RELEASED,
}

_Sums = dict[tuple[str, int, SpendingMeasure], tuple[set[str], list[Decimal]]]


def _add(
    sums: _Sums, key: tuple[str, int, SpendingMeasure], certificate: str, amount: Decimal
) -> None:
    found = sums.get(key)
    if found is None:
        found = sums[key] = (set(), [_ZERO])
    found[0].add(certificate)
    found[1][0] = EXACT.add(found[1][0], amount)


def spending(
    ledger: Ledger,
    book: CertificateBook,
    cases: Iterable[Case] | Mapping[str, Case],
    *,
    as_of: date,
) -> SpendingTable:
    """Certificates issued, committed, paid and released by source and year, and the cost per
    completed course and per sustained remission, all read up to ``as_of`` (MR-03).

    ``book`` holds every certificate (the issued ones are read from it), ``ledger`` the
    money, ``cases`` (an iterable of cases, or a mapping of client id to case) the
    histories that say what the money achieved. See the module's docstring.

    Raises :class:`~resocialize.errors.ValidationError` listing every bad argument
    (as :func:`~resocialize.monitoring.cost_effectiveness` does) and every share of a
    certificate issued in a currency other than the ledger's.
    """
    if not isinstance(cases, Mapping) and isinstance(cases, Iterable):
        cases = tuple(cases)  # read three times below
    by_center = cost_effectiveness(ledger, book, cases, as_of=as_of, by=("center",))
    by_source = cost_effectiveness(ledger, book, cases, as_of=as_of, by=("source",))
    (total,) = cost_effectiveness(ledger, book, cases, as_of=as_of, by=())
    currency = ledger.currency
    sums: _Sums = {}
    problems: list[FieldProblem] = []
    for certificate_id in sorted(book.certificates):
        certificate = book.certificates[certificate_id]
        issued_on = certificate.history[0].at.date()
        if issued_on > as_of:
            continue
        for source, share in sorted(certificate.split.items()):
            if share.currency != currency:
                problems.append(
                    FieldProblem(
                        f"book.certificates[{certificate_id!r}].split[{source!r}]",
                        f"is in {share.currency}, not the ledger's {currency}",
                    )
                )
                continue
            key = (source, issued_on.year, SpendingMeasure.ISSUED)
            _add(sums, key, certificate_id, share.amount)
    if problems:
        raise ValidationError(problems)
    for txn in itertools.chain.from_iterable(ledger.pages):
        measure = _LEDGER_MEASURES.get(txn.movement)
        if measure is None or txn.at.date() > as_of:
            continue
        for posting in txn.postings:
            account = posting.into if posting.into.certificate_id is not None else posting.out_of
            held_by = account.certificate_id or txn.certificate_id or ""
            key = (account.source_id, account.year, measure)
            _add(sums, key, held_by, posting.amount.amount)
    rows: list[SpendingRow] = []
    for source, year in sorted({(source, year) for source, year, _ in sums}):
        for measure in _MEASURES:
            ids, amount = sums.get((source, year, measure), (set(), [_ZERO]))
            rows.append(
                SpendingRow(source, year, measure, len(ids), Money(amount[0], currency).rounded())
            )
    return SpendingTable(as_of, currency, tuple(rows), by_center, by_source, total)
