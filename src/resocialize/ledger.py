"""The budget ledger of certificates: appropriations, commitments, payments, releases (CF-07).

Money for certificates comes from funding sources (the regional budget under
the regional anti-drug program, federal subsidies to the region, municipal
budgets, charity). The ledger books it by double entry. Every
:class:`Posting` moves a positive amount *out of* one :class:`Account` *into*
another, so each posting, and therefore each :class:`Transaction`, balances
by construction, and the sum of all balances is always zero. The only way in
is an appropriation, which moves money out of the source's APPROPRIATION
(equity) account for the year; hence, for every source and year and in
total, by construction::

    appropriated = available + committed + paid

The life of the money of one certificate (CF-04: earmarked for that person)::

    APPROPRIATION(s, y) --appropriate--> AVAILABLE(s, y)
    AVAILABLE(s, y)     --commit-------> COMMITTED(s, y, certificate)
    COMMITTED(s, y, c)  --pay----------> PAID(s, y, c, center)
    COMMITTED(s, y, c)  --release------> AVAILABLE(s, y)     (CF-06: unused funds return)

>>> from datetime import datetime, timezone
>>> from resocialize.ledger import (
...     FundingSource, SourceKind, appropriate, available, commit, committed, open_ledger,
...     paid, pay, release, report, verify,
... )
>>> from resocialize.money import Money
>>> at = datetime(2026, 2, 1, 9, 0, tzinfo=timezone.utc)
>>> rub = lambda s: Money.of(s, "RUB")
>>> books = open_ledger(
...     [FundingSource("regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET),
...      FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY)],
...     currency="RUB",
... )
>>> books = appropriate(books, "regional", 2026, rub(700_000), at=at, by="fin-1", reference="l-12")
>>> books = appropriate(books, "federal", 2026, rub(300_000), at=at, by="fin-1", reference="s-3")
>>> books = commit(books, "cert-1", {"regional": rub(126_000), "federal": rub(54_000)},
...                year=2026, at=at, by="agency-1")
>>> print(available(books, "regional", 2026))
574000.00 RUB

A payment is drawn from the sources pro rata to what each still has committed:

>>> books = pay(books, "cert-1", "center-7", rub(60_000), at=at, by="agency-1", reference="claim-1")
>>> {source: str(money) for source, money in committed(books, "cert-1").items()}
{'federal': '36000.00 RUB', 'regional': '84000.00 RUB'}
>>> print(paid(books, "cert-1"))
60000.00 RUB

A refusal names every unmet condition and changes nothing:

>>> pay(books, "cert-1", "center-7", rub(500_000), at=at, by="agency-1", reference="claim-2")
Traceback (most recent call last):
...
resocialize.errors.RuleViolation: refused: the payment of 500000.00 RUB is above the remaining
commitment of 120000.00 RUB of certificate 'cert-1' [ledger.above_commitment]

On expiry or cancellation the unused commitment returns to each source's year:

>>> books = release(books, "cert-1", at=at, by="agency-1", why="certificate expired")
>>> print(available(books, "regional", 2026), available(books, "federal", 2026))
658000.00 RUB 282000.00 RUB
>>> for row in report(books, by=("source",)):
...     print(row.source, row.appropriated, row.paid, row.released, row.available)
federal 300000.00 RUB 18000.00 RUB 36000.00 RUB 282000.00 RUB
regional 700000.00 RUB 42000.00 RUB 84000.00 RUB 658000.00 RUB
>>> verify(books).allowed
True

Performance: balances are kept incrementally in a map with structural sharing
(:class:`_Map`: a fixed tuple of small dicts; an update copies the tuple and
the few dicts it touches, not every account), and the transactions are kept in
pages of :data:`PAGE_SIZE` (an append copies the last page and the tuple of
pages, not every transaction). So an operation costs about the same on an
empty ledger and on one with a year of 20,000 payments, and every older
``Ledger`` value stays valid and unchanged.

A ledger read from data (``Ledger(currency, sources, pages)``) rebuilds its
balances by replaying its transactions; :func:`verify` then checks its books.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Generic, TypeVar

import attrs

from ._checks import (
    MAX_ID_LENGTH,
    Checked,
    Problems,
    checked,
    id_problem,
    instance_problem,
    instant_problem,
    member_problem,
    optional,
    text_problem,
)
from .errors import FieldProblem, RuleViolation, ValidationError
from .money import EXACT, Money, _currency_problem, _make, minor_units
from .rules import ALLOWED, Decision, Reason

__all__ = [
    "DIMENSIONS",
    "PAGE_SIZE",
    "Account",
    "AccountKind",
    "FundingSource",
    "Ledger",
    "Movement",
    "Posting",
    "ReportRow",
    "SourceKind",
    "Transaction",
    "add_source",
    "appropriate",
    "available",
    "balance",
    "commit",
    "committed",
    "open_ledger",
    "paid",
    "pay",
    "release",
    "released",
    "report",
    "totals",
    "verify",
]

PAGE_SIZE: Final = 256
"""Transactions per page of a :class:`Ledger`; every page but the last is full."""

DIMENSIONS: Final = ("source", "year", "center", "certificate")
"""What :func:`report` can group by."""

_MIN_YEAR: Final = 1900
_MAX_YEAR: Final = 2999

_ZERO: Final = Decimal(0)


# -- values ------------------------------------------------------------------------


class SourceKind(enum.StrEnum):
    """Where the money of a funding source comes from (DOMAIN.md, "Funding")."""

    REGIONAL_BUDGET = "regional_budget"
    """The regional budget, under the regional anti-drug program."""
    FEDERAL_SUBSIDY = "federal_subsidy"
    """A federal subsidy to the region."""
    MUNICIPAL_BUDGET = "municipal_budget"
    CHARITY = "charity"
    OTHER = "other"


class AccountKind(enum.StrEnum):
    """The kinds of account of the ledger."""

    APPROPRIATION = "appropriation"
    """Equity of a source for a year: its balance is minus the money granted."""
    AVAILABLE = "available"
    """Money of a source for a year not yet earmarked."""
    COMMITTED = "committed"
    """Money of a source for a year earmarked for one certificate (CF-04)."""
    PAID = "paid"
    """Money of a source for a year paid to one center for one certificate."""


class Movement(enum.StrEnum):
    """What a transaction does; each kind moves money between fixed kinds of account."""

    APPROPRIATION = "appropriation"
    COMMITMENT = "commitment"
    PAYMENT = "payment"
    RELEASE = "release"


# the (out of, into) account kinds each movement may post
_LEGAL: Final[Mapping[Movement, tuple[AccountKind, AccountKind]]] = {
    Movement.APPROPRIATION: (AccountKind.APPROPRIATION, AccountKind.AVAILABLE),
    Movement.COMMITMENT: (AccountKind.AVAILABLE, AccountKind.COMMITTED),
    Movement.PAYMENT: (AccountKind.COMMITTED, AccountKind.PAID),
    Movement.RELEASE: (AccountKind.COMMITTED, AccountKind.AVAILABLE),
}


def _year_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a year as an int, not {type(value).__name__}"
    if not _MIN_YEAR <= value <= _MAX_YEAR:
        return f"must be a year from {_MIN_YEAR} to {_MAX_YEAR}, not {value}"
    return None


def _positive_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return "must be a positive integer"
    return None


def _tuple_of(kind: type) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, tuple):
            return f"must be a tuple of {kind.__name__}, not {type(value).__name__}"
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                return f"item {i} must be a {kind.__name__}, not {type(item).__name__}"
        return None

    return check


def _items(value: Any) -> Any:
    """Accept any iterable for a tuple field (a list from JSON or a literal)."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return value  # the field's check reports it
    return tuple(value)


@attrs.frozen
class FundingSource(Checked):
    """A source of money for certificates: an id, a name and its kind.

    >>> FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY).kind.value
    'federal_subsidy'
    >>> FundingSource("fed eral", "", "federal")
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: id: must not contain whitespace;
    name: must not be empty; kind: must be one of regional_budget, ... not 'federal'
    """

    id: str = attrs.field(metadata=checked(id_problem))
    name: str = attrs.field(metadata=checked(text_problem))
    kind: SourceKind = attrs.field(metadata=checked(member_problem(SourceKind)))


@attrs.frozen(cache_hash=True)
class Account(Checked):
    """A typed key of the ledger: kind, source, year, and for some kinds certificate and center.

    APPROPRIATION and AVAILABLE accounts belong to a source and year; COMMITTED
    accounts also name a certificate; PAID accounts name a certificate and a center.

    >>> Account(AccountKind.PAID, "federal", 2026, "cert-1", "center-7").center_id
    'center-7'
    >>> Account(AccountKind.COMMITTED, "federal", 2026)
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: certificate_id: a committed account
    names a certificate
    """

    kind: AccountKind = attrs.field(metadata=checked(member_problem(AccountKind)))
    source_id: str = attrs.field(metadata=checked(id_problem))
    year: int = attrs.field(metadata=checked(_year_problem))
    certificate_id: str | None = attrs.field(default=None, metadata=checked(optional(id_problem)))
    center_id: str | None = attrs.field(default=None, metadata=checked(optional(id_problem)))

    def _more_problems(self, problems: Problems) -> None:
        per_certificate = self.kind in (AccountKind.COMMITTED, AccountKind.PAID)
        if per_certificate and self.certificate_id is None:
            problems.add("certificate_id", f"a {self.kind.value} account names a certificate")
        if not per_certificate and self.certificate_id is not None:
            problems.add("certificate_id", f"an {self.kind.value} account names no certificate")
        if self.kind is AccountKind.PAID and self.center_id is None:
            problems.add("center_id", "a paid account names a center")
        if self.kind is not AccountKind.PAID and self.center_id is not None:
            problems.add("center_id", f"a {self.kind.value} account names no center")

    def __str__(self) -> str:
        parts = [self.kind.value, self.source_id, str(self.year)]
        parts += [p for p in (self.certificate_id, self.center_id) if p is not None]
        return ":".join(parts)


@attrs.frozen
class Posting(Checked):
    """One movement of a positive ``amount`` out of one account into another.

    A posting debits one account and credits another by the same amount, so it
    balances by construction.

    >>> from resocialize.money import Money
    >>> a = Account(AccountKind.APPROPRIATION, "federal", 2026)
    >>> b = Account(AccountKind.AVAILABLE, "federal", 2026)
    >>> print(Posting(a, b, Money.of(100, "RUB")).amount)
    100 RUB
    >>> Posting(a, a, Money.of(-1, "RUB"))
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: into: must differ from out_of;
    amount: must be above zero, not -1 RUB
    """

    out_of: Account = attrs.field(metadata=checked(instance_problem(Account)))
    into: Account = attrs.field(metadata=checked(instance_problem(Account)))
    amount: Money = attrs.field(metadata=checked(instance_problem(Money)))

    def _more_problems(self, problems: Problems) -> None:
        if self.out_of == self.into:
            problems.add("into", "must differ from out_of")
        if not self.amount.is_positive:
            problems.add("amount", f"must be above zero, not {self.amount}")


@attrs.frozen
class Transaction(Checked):
    """One booked operation: its number, movement, when, who, why, a reference, its postings.

    ``reference`` names the document behind it (a budget law, a certificate, a
    claim); ``certificate_id`` names the certificate it concerns, if any.
    """

    number: int = attrs.field(metadata=checked(_positive_problem))
    movement: Movement = attrs.field(metadata=checked(member_problem(Movement)))
    at: datetime = attrs.field(metadata=checked(instant_problem))
    by: str = attrs.field(metadata=checked(id_problem))
    why: str = attrs.field(metadata=checked(text_problem))
    reference: str = attrs.field(metadata=checked(id_problem))
    postings: tuple[Posting, ...] = attrs.field(
        converter=_items, metadata=checked(_tuple_of(Posting))
    )
    certificate_id: str | None = attrs.field(default=None, metadata=checked(optional(id_problem)))


@attrs.frozen
class ReportRow:
    """One tidy row of :func:`report`: a group and its money.

    A dimension not grouped by is ``None``; so is a dimension that does not apply
    to the money of the row (money not yet paid has no center; appropriated and
    available money has no certificate). ``appropriated``, ``available``,
    ``committed`` (still earmarked) and ``paid`` are balances now, ``released``
    is what returned from commitments; within every source and year
    ``appropriated = available + committed + paid``.
    """

    source: str | None
    year: int | None
    center: str | None
    certificate: str | None
    appropriated: Money
    committed: Money
    paid: Money
    released: Money
    available: Money


# -- a map with structural sharing -------------------------------------------------

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_WIDTH: Final = 256
_MASK: Final = _WIDTH - 1


class _Map(Generic[K, V]):
    """An immutable map: a fixed tuple of small dicts, none of them changed once built.

    :meth:`updated` copies the tuple (256 slots) and only the dicts it changes,
    so an update costs about the same whether the map holds ten keys or ten thousand.
    """

    __slots__ = ("_buckets",)

    def __init__(self, buckets: tuple[dict[K, V], ...] | None = None) -> None:
        self._buckets: tuple[dict[K, V], ...] = (
            buckets if buckets is not None else tuple({} for _ in range(_WIDTH))
        )

    def get(self, key: K, default: V) -> V:
        return self._buckets[hash(key) & _MASK].get(key, default)

    def find(self, key: K) -> V | None:
        return self._buckets[hash(key) & _MASK].get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._buckets[hash(key) & _MASK]

    def updated(self, changes: Mapping[K, V]) -> _Map[K, V]:
        if not changes:
            return self
        buckets = list(self._buckets)
        copied: set[int] = set()
        for key, value in changes.items():
            i = hash(key) & _MASK
            if i not in copied:
                buckets[i] = dict(buckets[i])
                copied.add(i)
            buckets[i][key] = value
        return _Map(tuple(buckets))

    def items(self) -> Iterator[tuple[K, V]]:
        for bucket in self._buckets:
            yield from bucket.items()

    def to_dict(self) -> dict[K, V]:
        out: dict[K, V] = {}
        for bucket in self._buckets:
            out.update(bucket)
        return out


@attrs.frozen
class _Commitment:
    """What the ledger knows of one certificate: its year, sources, centers paid, release."""

    year: int
    sources: tuple[str, ...]
    centers: tuple[str, ...] = ()
    released: tuple[tuple[str, Decimal], ...] = ()
    closed: bool = False


# -- the ledger --------------------------------------------------------------------


def _pages_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return f"must be a tuple of pages, not {type(value).__name__}"
    for i, page in enumerate(value):
        if not isinstance(page, tuple):
            return f"page {i} must be a tuple of Transaction, not {type(page).__name__}"
        for j, item in enumerate(page):
            if not isinstance(item, Transaction):
                return f"page {i} item {j} must be a Transaction, not {type(item).__name__}"
        if i < len(value) - 1 and len(page) != PAGE_SIZE:
            return f"page {i} must hold {PAGE_SIZE} transactions, as every page but the last"
        if not page:
            return f"page {i} must not be empty"
    return None


def _pages(value: Any) -> Any:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return value
    return tuple(_items(page) for page in value)


@attrs.frozen(repr=False)
class Ledger:
    """The books: a currency, the funding sources, and the transactions in pages.

    Build one with :func:`open_ledger` and change it only through the operations
    (:func:`appropriate`, :func:`commit`, :func:`pay`, :func:`release`), each of
    which returns a new ledger. Built from data, a ledger replays its
    transactions to rebuild its balances; check its books with :func:`verify`.

    >>> region = FundingSource("r", "Region", SourceKind.REGIONAL_BUDGET)
    >>> books = open_ledger([region], currency="RUB")
    >>> books
    Ledger(currency='RUB', sources=('r',), transactions=0)
    >>> Ledger(books.currency, books.sources, books.pages) == books
    True
    """

    currency: str
    sources: tuple[FundingSource, ...] = attrs.field(converter=_items)
    pages: tuple[tuple[Transaction, ...], ...] = attrs.field(default=(), converter=_pages)
    _balances: _Map[Account, Decimal] = attrs.field(init=False, eq=False, hash=False)
    _commitments: _Map[str, _Commitment] = attrs.field(init=False, eq=False, hash=False)
    _source_ids: frozenset[str] = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        problems = Problems()
        problems.check("currency", _message(_currency_problem(self.currency)))
        problems.check("sources", _tuple_of(FundingSource)(self.sources))
        problems.check("pages", _pages_problem(self.pages))
        problems.raise_if_any()
        ids = [s.id for s in self.sources]
        for i, source_id in enumerate(ids):
            if source_id in ids[:i]:
                problems.add(f"sources[{i}].id", f"{source_id!r} is listed twice")
        for number, txn in enumerate(itertools.chain.from_iterable(self.pages), start=1):
            path = f"pages[{(number - 1) // PAGE_SIZE}][{(number - 1) % PAGE_SIZE}]"
            if txn.number != number:
                problems.add(f"{path}.number", f"must be {number}, not {txn.number}")
            for k, posting in enumerate(txn.postings):
                if posting.amount.currency != self.currency:
                    problems.add(
                        f"{path}.postings[{k}].amount",
                        f"must be in {self.currency}, not {posting.amount.currency}",
                    )
        problems.raise_if_any()
        balances, commitments = _replay(self.transactions)
        object.__setattr__(self, "_balances", _Map[Account, Decimal]().updated(balances))
        object.__setattr__(self, "_commitments", _Map[str, _Commitment]().updated(commitments))
        object.__setattr__(self, "_source_ids", frozenset(ids))

    @property
    def size(self) -> int:
        """How many transactions are booked."""
        if not self.pages:
            return 0
        return (len(self.pages) - 1) * PAGE_SIZE + len(self.pages[-1])

    @property
    def transactions(self) -> tuple[Transaction, ...]:
        """Every transaction, oldest first (built from the pages on each call)."""
        return tuple(itertools.chain.from_iterable(self.pages))

    @property
    def last(self) -> Transaction | None:
        """The latest transaction, or ``None`` for empty books."""
        return self.pages[-1][-1] if self.pages else None

    def source(self, source_id: str) -> FundingSource | None:
        """The funding source with this id, or ``None``."""
        return next((s for s in self.sources if s.id == source_id), None)

    def __repr__(self) -> str:
        ids = tuple(s.id for s in self.sources)
        return f"Ledger(currency={self.currency!r}, sources={ids!r}, transactions={self.size})"


def _message(problem: FieldProblem | None) -> str | None:
    return None if problem is None else problem.message


_new: Final = object.__new__
_set: Final = object.__setattr__


def _ledger(
    currency: str,
    sources: tuple[FundingSource, ...],
    pages: tuple[tuple[Transaction, ...], ...],
    balances: _Map[Account, Decimal],
    commitments: _Map[str, _Commitment],
    source_ids: frozenset[str],
) -> Ledger:
    """A ledger from parts known to agree, without replaying (the operations' fast path)."""
    ledger: Ledger = _new(Ledger)
    _set(ledger, "currency", currency)
    _set(ledger, "sources", sources)
    _set(ledger, "pages", pages)
    _set(ledger, "_balances", balances)
    _set(ledger, "_commitments", commitments)
    _set(ledger, "_source_ids", source_ids)
    return ledger


def _fast(cls: type[Any], **values: Any) -> Any:
    """A frozen value from fields already checked, without checking them again."""
    value = _new(cls)
    for name, item in values.items():
        _set(value, name, item)
    return value


_ACCOUNT_SLOTS: Final = tuple(
    Account.__dict__[name].__set__
    for name in ("kind", "source_id", "year", "certificate_id", "center_id", "_attrs_cached_hash")
)


def _account(
    kind: AccountKind,
    source: str,
    year: int,
    certificate: str | None = None,
    center: str | None = None,
) -> Account:
    """An account from parts already checked (the slots' own setters, like ``money._make``)."""
    account: Account = _new(Account)
    for setter, value in zip(
        _ACCOUNT_SLOTS, (kind, source, year, certificate, center, None), strict=True
    ):
        setter(account, value)
    return account


def _replay(
    transactions: Iterable[Transaction],
) -> tuple[dict[Account, Decimal], dict[str, _Commitment]]:
    """Balances and commitments rebuilt from the transactions alone."""
    balances: dict[Account, Decimal] = {}
    commitments: dict[str, _Commitment] = {}
    for txn in transactions:
        _apply_postings(balances, txn.postings)
        cert = txn.certificate_id
        if cert is None:
            continue
        known = commitments.get(cert)
        if txn.movement is Movement.COMMITMENT and known is None:
            year = txn.postings[0].into.year if txn.postings else 0
            sources = tuple(sorted({p.into.source_id for p in txn.postings}))
            commitments[cert] = _Commitment(year, sources)
        elif known is not None and txn.movement is Movement.PAYMENT:
            centers = {p.into.center_id for p in txn.postings} - {None, *known.centers}
            if centers:
                added = tuple(sorted(c for c in centers if c is not None))
                commitments[cert] = attrs.evolve(known, centers=known.centers + added)
        elif known is not None and txn.movement is Movement.RELEASE:
            back = tuple((p.out_of.source_id, p.amount.amount) for p in txn.postings)
            commitments[cert] = attrs.evolve(known, released=known.released + back, closed=True)
    return balances, commitments


def _apply_postings(balances: dict[Account, Decimal], postings: Iterable[Posting]) -> None:
    for p in postings:
        amount = p.amount.amount
        balances[p.out_of] = EXACT.subtract(balances.get(p.out_of, _ZERO), amount)
        balances[p.into] = EXACT.add(balances.get(p.into, _ZERO), amount)


def _book(
    ledger: Ledger,
    movement: Movement,
    postings: Sequence[Posting],
    *,
    at: datetime,
    by: str,
    why: str,
    reference: str,
    certificate_id: str | None,
    commitment: _Commitment | None = None,
) -> Ledger:
    """Append one transaction of checked postings; update the balances it touches."""
    txn: Transaction = _fast(
        Transaction,
        number=ledger.size + 1,
        movement=movement,
        at=at,
        by=by,
        why=why,
        reference=reference,
        postings=tuple(postings),
        certificate_id=certificate_id,
    )
    pages = ledger.pages
    if pages and len(pages[-1]) < PAGE_SIZE:
        pages = (*pages[:-1], (*pages[-1], txn))
    else:
        pages = (*pages, (txn,))
    changes: dict[Account, Decimal] = {}
    old = ledger._balances
    for p in postings:
        amount = p.amount.amount
        changes[p.out_of] = EXACT.subtract(changes.get(p.out_of, old.get(p.out_of, _ZERO)), amount)
        changes[p.into] = EXACT.add(changes.get(p.into, old.get(p.into, _ZERO)), amount)
    commitments = ledger._commitments
    if commitment is not None and certificate_id is not None:
        commitments = commitments.updated({certificate_id: commitment})
    return _ledger(
        ledger.currency,
        ledger.sources,
        pages,
        old.updated(changes),
        commitments,
        ledger._source_ids,
    )


def _posting(out_of: Account, into: Account, amount: Decimal, currency: str) -> Posting:
    posting: Posting = _fast(Posting, out_of=out_of, into=into, amount=_make(amount, currency))
    return posting


# -- checks of input -----------------------------------------------------------------


def _id_problem(value: object) -> str | None:
    """:func:`~resocialize._checks.id_problem`, with a fast path for the good ids."""
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and value.split() == [value]:
        return None
    return id_problem(value)


def _amount_problem(value: object, currency: str) -> str | None:
    """Why ``value`` is not a positive amount of ``currency`` in whole minor units."""
    if not isinstance(value, Money):
        hint = ""
        if isinstance(value, float | int | Decimal | str) and not isinstance(value, bool):
            hint = f"; use Money.of({str(value)!r}, {currency!r})"
        return f"must be Money, not {type(value).__name__}{hint}"
    if value.currency != currency:
        return f"must be in {currency}, the currency of the ledger, not {value.currency}"
    if not value.is_positive:
        return f"must be above zero, not {value}"
    if value.rounded() != value:
        places = minor_units(currency)
        return f"must be a whole number of minor units of {currency} ({places} places), not {value}"
    return None


def _common(problems: Problems, ledger: object, at: object, by: object) -> None:
    if not isinstance(ledger, Ledger):
        problems.add("ledger", f"must be a Ledger, not {type(ledger).__name__}")
    problems.check("at", instant_problem(at))
    problems.check("by", _id_problem(by))


def _order_reason(ledger: Ledger, at: datetime) -> list[Reason]:
    last = ledger.last
    if last is not None and at < last.at:
        return [
            Reason(
                "ledger.out_of_order",
                f"{at.isoformat()} is before the latest transaction ({last.at.isoformat()})",
                {"at": at.isoformat(), "latest": last.at.isoformat(), "number": last.number},
            )
        ]
    return []


def _unknown_source(ledger: Ledger, source_id: str) -> list[Reason]:
    if source_id in ledger._source_ids:
        return []
    return [
        Reason(
            "ledger.unknown_source",
            f"{source_id!r} is not a funding source of this ledger",
            {"source": source_id},
        )
    ]


def _unknown_certificate(certificate_id: str) -> Reason:
    return Reason(
        "ledger.unknown_certificate",
        f"certificate {certificate_id!r} has no commitment in this ledger",
        {"certificate": certificate_id},
    )


def _refuse(reasons: list[Reason]) -> None:
    if reasons:
        raise RuleViolation(reasons)


# -- operations ----------------------------------------------------------------------


def open_ledger(sources: Iterable[FundingSource], *, currency: str) -> Ledger:
    """Empty books for these funding sources, kept in one currency.

    >>> open_ledger([], currency="rub")
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: currency: must be an ISO 4217 code ...
    """
    if isinstance(sources, str | bytes | Mapping) or not isinstance(sources, Iterable):
        raise ValidationError.at(
            "sources", f"must be an iterable of FundingSource, not {type(sources).__name__}"
        )
    return Ledger(currency, tuple(sources))


def add_source(ledger: Ledger, source: FundingSource) -> Ledger:
    """The ledger with one more funding source; refused when its id is taken."""
    problems = Problems()
    if not isinstance(ledger, Ledger):
        problems.add("ledger", f"must be a Ledger, not {type(ledger).__name__}")
    problems.check("source", instance_problem(FundingSource)(source))
    problems.raise_if_any()
    if source.id in ledger._source_ids:
        raise RuleViolation(
            [
                Reason(
                    "ledger.source_exists",
                    f"the ledger already has a funding source {source.id!r}",
                    {"source": source.id},
                )
            ]
        )
    return _ledger(
        ledger.currency,
        (*ledger.sources, source),
        ledger.pages,
        ledger._balances,
        ledger._commitments,
        ledger._source_ids | {source.id},
    )


def appropriate(
    ledger: Ledger,
    source_id: str,
    year: int,
    amount: Money,
    *,
    at: datetime,
    by: str,
    reference: str,
    why: str = "appropriation",
) -> Ledger:
    """Grant ``amount`` to a funding source for a year: it becomes available to commit.

    ``reference`` names the act behind it (a budget law, a subsidy agreement).
    """
    problems = Problems()
    _common(problems, ledger, at, by)
    problems.check("source_id", _id_problem(source_id))
    problems.check("year", _year_problem(year))
    currency = ledger.currency if isinstance(ledger, Ledger) else "RUB"
    problems.check("amount", _amount_problem(amount, currency))
    problems.check("reference", _id_problem(reference))
    problems.check("why", text_problem(why))
    problems.raise_if_any()
    _refuse(_unknown_source(ledger, source_id) + _order_reason(ledger, at))
    amount = amount.rounded()  # whole minor units already: only the scale may change
    posting = _posting(
        _account(AccountKind.APPROPRIATION, source_id, year),
        _account(AccountKind.AVAILABLE, source_id, year),
        amount.amount,
        currency,
    )
    return _book(
        ledger,
        Movement.APPROPRIATION,
        [posting],
        at=at,
        by=by,
        why=why,
        reference=reference,
        certificate_id=None,
    )


def commit(
    ledger: Ledger,
    certificate_id: str,
    split: Mapping[str, Money],
    *,
    year: int,
    at: datetime,
    by: str,
    why: str = "certificate issued",
) -> Ledger:
    """Earmark funds for one certificate, per source, from that year's available funds (CF-04).

    Refused, with a reason for each, when a source is unknown or lacks the
    funds (the reason gives what is available and what was asked), when the
    certificate is already committed, or when out of time order. Amounts that are
    not positive money of the ledger's currency are bad input.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 2, 1, tzinfo=timezone.utc)
    >>> books = open_ledger([FundingSource("r", "Region", SourceKind.REGIONAL_BUDGET)],
    ...                     currency="RUB")
    >>> commit(books, "cert-1", {"r": Money.of(10, "RUB"), "x": Money.of(0, "EUR")},
    ...        year=2026, at=at, by="agency-1")
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: split.x: must be in RUB, ...
    >>> commit(books, "cert-1", {"r": Money.of(10, "RUB")}, year=2026, at=at, by="agency-1")
    Traceback (most recent call last):
    ...
    resocialize.errors.RuleViolation: refused: source 'r' has 0.00 RUB available in 2026,
    10.00 RUB asked [ledger.insufficient_funds]
    """
    problems = Problems()
    _common(problems, ledger, at, by)
    problems.check("certificate_id", _id_problem(certificate_id))
    problems.check("year", _year_problem(year))
    problems.check("why", text_problem(why))
    currency = ledger.currency if isinstance(ledger, Ledger) else "RUB"
    if not isinstance(split, Mapping):
        problems.add(
            "split", f"must be a mapping of source id to Money, not {type(split).__name__}"
        )
    elif not split:
        problems.add("split", "must name at least one source")
    else:
        for key, value in split.items():
            key_problem = _id_problem(key)
            if key_problem is not None:
                problems.add("split", f"key {key!r}: {key_problem}")
                continue
            problems.check(f"split.{key}", _amount_problem(value, currency))
    problems.raise_if_any()

    reasons: list[Reason] = []
    known = ledger._commitments.find(certificate_id)
    if known is not None:
        reasons.append(
            Reason(
                "ledger.already_committed",
                f"certificate {certificate_id!r} is already committed (year {known.year})",
                {"certificate": certificate_id, "year": known.year},
            )
        )
    postings: list[Posting] = []
    for source_id in sorted(split):
        unknown = _unknown_source(ledger, source_id)
        if unknown:
            reasons += unknown
            continue
        asked = split[source_id].rounded().amount
        account = _account(AccountKind.AVAILABLE, source_id, year)
        have = ledger._balances.get(account, _ZERO)
        if have < asked:
            reasons.append(
                Reason(
                    "ledger.insufficient_funds",
                    f"source {source_id!r} has {Money(have, currency).rounded()} available in "
                    f"{year}, {Money(asked, currency).rounded()} asked",
                    {
                        "source": source_id,
                        "year": year,
                        "available": str(Money(have, currency).rounded().amount),
                        "asked": str(asked),
                        "currency": currency,
                    },
                )
            )
            continue
        into = _account(AccountKind.COMMITTED, source_id, year, certificate_id)
        postings.append(_posting(account, into, asked, currency))
    _refuse(reasons + _order_reason(ledger, at))
    return _book(
        ledger,
        Movement.COMMITMENT,
        postings,
        at=at,
        by=by,
        why=why,
        reference=certificate_id,
        certificate_id=certificate_id,
        commitment=_Commitment(year, tuple(sorted(split))),
    )


def _remaining(ledger: Ledger, certificate_id: str, record: _Commitment) -> list[Decimal]:
    balances = ledger._balances
    return [
        balances.get(_account(AccountKind.COMMITTED, source, record.year, certificate_id), _ZERO)
        for source in record.sources
    ]


def pay(
    ledger: Ledger,
    certificate_id: str,
    center_id: str,
    amount: Money,
    *,
    at: datetime,
    by: str,
    reference: str,
    why: str = "payment on redemption",
) -> Ledger:
    """Pay a center from a certificate's commitment, pro rata to what each source still holds.

    The split is exact (:meth:`~resocialize.money.Money.allocate`, largest
    remainder): the parts sum to ``amount`` and none exceeds its source's
    remaining commitment. ``reference`` names the claim. Refused above the
    remaining commitment, for an unknown or released certificate, or out of time order.
    """
    problems = Problems()
    _common(problems, ledger, at, by)
    problems.check("certificate_id", _id_problem(certificate_id))
    problems.check("center_id", _id_problem(center_id))
    problems.check("reference", _id_problem(reference))
    problems.check("why", text_problem(why))
    currency = ledger.currency if isinstance(ledger, Ledger) else "RUB"
    problems.check("amount", _amount_problem(amount, currency))
    problems.raise_if_any()

    amount = amount.rounded()  # whole minor units already: only the scale may change
    reasons: list[Reason] = []
    record = ledger._commitments.find(certificate_id)
    if record is None:
        reasons.append(_unknown_certificate(certificate_id))
    else:
        remaining = _remaining(ledger, certificate_id, record)
        left = sum(remaining, _ZERO)
        if record.closed:
            reasons.append(
                Reason(
                    "ledger.commitment_released",
                    f"the commitment of certificate {certificate_id!r} was released",
                    {"certificate": certificate_id},
                )
            )
        if amount.amount > left:
            reasons.append(
                Reason(
                    "ledger.above_commitment",
                    f"the payment of {amount.rounded()} is above the remaining commitment of "
                    f"{Money(left, currency).rounded()} of certificate {certificate_id!r}",
                    {
                        "certificate": certificate_id,
                        "asked": str(amount.amount),
                        "remaining": str(Money(left, currency).rounded().amount),
                        "currency": currency,
                    },
                )
            )
    _refuse(reasons + _order_reason(ledger, at))
    assert record is not None
    parts = amount.allocate(remaining)
    postings = [
        _posting(
            _account(AccountKind.COMMITTED, source, record.year, certificate_id),
            _account(AccountKind.PAID, source, record.year, certificate_id, center_id),
            part.amount,
            currency,
        )
        for source, part in zip(record.sources, parts, strict=True)
        if part.is_positive
    ]
    updated = None
    if center_id not in record.centers:
        updated = attrs.evolve(record, centers=(*record.centers, center_id))
    return _book(
        ledger,
        Movement.PAYMENT,
        postings,
        at=at,
        by=by,
        why=why,
        reference=reference,
        certificate_id=certificate_id,
        commitment=updated,
    )


def release(ledger: Ledger, certificate_id: str, *, at: datetime, by: str, why: str) -> Ledger:
    """Close a certificate's commitment: what is unused returns to each source's year (CF-06).

    ``why`` says why (expired, cancelled, revoked, settled below face value).
    Refused for an unknown certificate, one already released, or out of time order.
    """
    problems = Problems()
    _common(problems, ledger, at, by)
    problems.check("certificate_id", _id_problem(certificate_id))
    problems.check("why", text_problem(why))
    problems.raise_if_any()
    reasons: list[Reason] = []
    record = ledger._commitments.find(certificate_id)
    if record is None:
        reasons.append(_unknown_certificate(certificate_id))
    elif record.closed:
        reasons.append(
            Reason(
                "ledger.already_released",
                f"the commitment of certificate {certificate_id!r} was already released",
                {"certificate": certificate_id},
            )
        )
    _refuse(reasons + _order_reason(ledger, at))
    assert record is not None
    remaining = _remaining(ledger, certificate_id, record)
    postings = [
        _posting(
            _account(AccountKind.COMMITTED, source, record.year, certificate_id),
            _account(AccountKind.AVAILABLE, source, record.year),
            left,
            ledger.currency,
        )
        for source, left in zip(record.sources, remaining, strict=True)
        if left > 0
    ]
    back = tuple((p.out_of.source_id, p.amount.amount) for p in postings)
    return _book(
        ledger,
        Movement.RELEASE,
        postings,
        at=at,
        by=by,
        why=why,
        reference=certificate_id,
        certificate_id=certificate_id,
        commitment=attrs.evolve(record, released=record.released + back, closed=True),
    )


# -- queries -------------------------------------------------------------------------


def _ledger_problem(ledger: object) -> None:
    if not isinstance(ledger, Ledger):
        raise ValidationError.at("ledger", f"must be a Ledger, not {type(ledger).__name__}")


def balance(ledger: Ledger, account: Account) -> Money:
    """The balance of one account: money in minus money out (minus for an appropriation)."""
    _ledger_problem(ledger)
    if not isinstance(account, Account):
        raise ValidationError.at("account", f"must be an Account, not {type(account).__name__}")
    return Money(ledger._balances.get(account, _ZERO), ledger.currency).rounded()


def available(ledger: Ledger, source_id: str, year: int) -> Money:
    """Money of a source for a year that is not yet earmarked (zero for unknown ones)."""
    _ledger_problem(ledger)
    problems = Problems()
    problems.check("source_id", _id_problem(source_id))
    problems.check("year", _year_problem(year))
    problems.raise_if_any()
    return balance(ledger, _account(AccountKind.AVAILABLE, source_id, year))


def _record(ledger: Ledger, certificate_id: str) -> _Commitment:
    _ledger_problem(ledger)
    problem = _id_problem(certificate_id)
    if problem is not None:
        raise ValidationError.at("certificate_id", problem)
    record = ledger._commitments.find(certificate_id)
    if record is None:
        raise RuleViolation([_unknown_certificate(certificate_id)])
    return record


def committed(ledger: Ledger, certificate_id: str) -> Mapping[str, Money]:
    """What each source still has earmarked for the certificate (zero once released).

    An unknown certificate is refused with ``ledger.unknown_certificate``.
    """
    record = _record(ledger, certificate_id)
    remaining = _remaining(ledger, certificate_id, record)
    return {
        source: Money(left, ledger.currency).rounded()
        for source, left in zip(record.sources, remaining, strict=True)
    }


def paid(ledger: Ledger, certificate_id: str) -> Money:
    """Everything paid on the certificate, to any center, from any source."""
    record = _record(ledger, certificate_id)
    total = _ZERO
    for source in record.sources:
        for center in record.centers:
            account = _account(AccountKind.PAID, source, record.year, certificate_id, center)
            total = EXACT.add(total, ledger._balances.get(account, _ZERO))
    return Money(total, ledger.currency).rounded()


def released(ledger: Ledger, certificate_id: str) -> Mapping[str, Money]:
    """What returned to each source when the certificate's commitment was released."""
    record = _record(ledger, certificate_id)
    back = dict.fromkeys(record.sources, _ZERO)
    for source, amount in record.released:
        back[source] = EXACT.add(back[source], amount)
    return {s: Money(a, ledger.currency).rounded() for s, a in back.items()}


_MEASURES: Final = ("appropriated", "committed", "paid", "released", "available")


def _by_problem(by: object) -> list[FieldProblem]:
    if isinstance(by, str) or not isinstance(by, tuple | list):
        return [FieldProblem("by", f"must be a tuple of {', '.join(DIMENSIONS)}")]
    out: list[FieldProblem] = []
    for i, item in enumerate(by):
        if item not in DIMENSIONS:
            out.append(
                FieldProblem(f"by[{i}]", f"must be one of {', '.join(DIMENSIONS)}, not {item!r}")
            )
        elif item in by[:i]:
            out.append(FieldProblem(f"by[{i}]", f"{item!r} is listed twice"))
    return out


def report(ledger: Ledger, by: Sequence[str] = ("source", "year")) -> tuple[ReportRow, ...]:
    """Tidy rows of the books grouped by any of source, year, center and certificate (CF-07).

    Rows are sorted by their group, a ``None`` first. The rows sum to :func:`totals`.
    """
    _ledger_problem(ledger)
    problems = _by_problem(by)
    if problems:
        raise ValidationError(problems)
    keep = tuple(d in by for d in DIMENSIONS)
    sums: dict[tuple[Any, ...], list[Decimal]] = {}

    def add(key: tuple[Any, ...], measure: int, amount: Decimal) -> None:
        group = tuple(k if kept else None for k, kept in zip(key, keep, strict=True))
        row = sums.get(group)
        if row is None:
            row = sums[group] = [_ZERO] * len(_MEASURES)
        row[measure] = EXACT.add(row[measure], amount)

    for account, amount in ledger._balances.items():
        key = (account.source_id, account.year, account.center_id, account.certificate_id)
        if account.kind is AccountKind.APPROPRIATION:
            add(key, 0, -amount)
        elif account.kind is AccountKind.COMMITTED:
            add(key, 1, amount)
        elif account.kind is AccountKind.PAID:
            add(key, 2, amount)
        else:
            add(key, 4, amount)
    for certificate, record in ledger._commitments.items():
        for source, amount in record.released:
            add((source, record.year, None, certificate), 3, amount)
    if not sums and not any(keep):
        sums[(None, None, None, None)] = [_ZERO] * len(_MEASURES)
    currency = ledger.currency
    rows = []
    for group in sorted(sums, key=lambda g: tuple((v is not None, v or 0) for v in g)):
        money = [Money(a, currency).rounded() for a in sums[group]]
        rows.append(ReportRow(*group, *money))
    return tuple(rows)


def totals(ledger: Ledger) -> ReportRow:
    """One row for the whole ledger: ``appropriated = available + committed + paid``."""
    return report(ledger, by=())[0]


# -- the check of the books ----------------------------------------------------------


def verify(ledger: Ledger) -> Decision:
    """Check the books by replaying every transaction apart from the running balances.

    Every transaction balances by construction: each posting takes one amount
    out of one account and puts the same amount into another. What construction
    cannot promise is checked here. Allowed when every transaction is numbered
    in order, in time order, and moves positive money of the ledger's currency
    only the way its movement may, between accounts of known sources; when after every transaction
    no available, committed or paid balance is negative (so commitments never
    exceeded what was available, and payments never their commitment) and no
    appropriation is positive; when money is conserved (all balances sum to zero,
    so appropriated = available + committed + paid); and when the replayed
    balances equal the ledger's own.
    """
    _ledger_problem(ledger)
    reasons: list[Reason] = []
    balances: dict[Account, Decimal] = {}
    previous: datetime | None = None
    for number, txn in enumerate(itertools.chain.from_iterable(ledger.pages), start=1):
        reasons += _check_transaction(ledger, txn, number, previous)
        previous = txn.at
        _apply_postings(balances, txn.postings)
        for p in txn.postings:
            for account in (p.out_of, p.into):
                amount = balances[account]
                sign_ok = amount <= 0 if account.kind is AccountKind.APPROPRIATION else amount >= 0
                if not sign_ok:
                    reasons.append(
                        Reason(
                            "ledger.negative_balance",
                            f"after transaction {number} account {account} holds "
                            f"{Money(amount, ledger.currency)}",
                            {"number": number, "account": str(account), "balance": str(amount)},
                        )
                    )
    total = sum(balances.values(), _ZERO)
    if total:
        reasons.append(
            Reason(
                "ledger.not_conserved",
                f"the balances sum to {total}, not zero: money was made or lost",
                {"sum": str(total)},
            )
        )
    cached = {a: v for a, v in ledger._balances.items() if v}
    replayed = {a: v for a, v in balances.items() if v}
    if cached != replayed:
        differ = sorted(
            str(a)
            for a in cached.keys() ^ replayed.keys()
            | {a for a in cached.keys() & replayed.keys() if cached[a] != replayed[a]}
        )
        reasons.append(
            Reason(
                "ledger.balances_differ",
                f"{len(differ)} running balances differ from the replayed transactions",
                {"accounts": ", ".join(differ[:10]), "count": len(differ)},
            )
        )
    return Decision(tuple(reasons)) if reasons else ALLOWED


def _check_transaction(
    ledger: Ledger, txn: Transaction, number: int, previous: datetime | None
) -> list[Reason]:
    reasons: list[Reason] = []
    if txn.number != number:
        reasons.append(
            Reason(
                "ledger.misnumbered",
                f"transaction {number} is numbered {txn.number}",
                {"number": number, "found": txn.number},
            )
        )
    if previous is not None and txn.at < previous:
        reasons.append(
            Reason(
                "ledger.out_of_order",
                f"transaction {number} is dated before the one before it",
                {"number": number, "at": txn.at.isoformat()},
            )
        )
    if not txn.postings and txn.movement is not Movement.RELEASE:
        reasons.append(
            Reason(
                "ledger.empty_transaction",
                f"transaction {number} moves nothing",
                {"number": number},
            )
        )
    out_kind, into_kind = _LEGAL[txn.movement]
    for k, p in enumerate(txn.postings):
        legal = (
            p.out_of.kind is out_kind
            and p.into.kind is into_kind
            and p.out_of.source_id == p.into.source_id
            and p.out_of.year == p.into.year
            and p.amount.currency == ledger.currency
            and p.amount.is_positive
            and (
                txn.movement is Movement.APPROPRIATION
                or txn.certificate_id in (p.out_of.certificate_id, p.into.certificate_id)
            )
        )
        if not legal:
            reasons.append(
                Reason(
                    "ledger.illegal_posting",
                    f"posting {k} of transaction {number} ({txn.movement.value}) moves "
                    f"{p.amount} from {p.out_of} to {p.into}",
                    {"number": number, "posting": k},
                )
            )
        for account in (p.out_of, p.into):
            if account.source_id not in ledger._source_ids:
                reasons.append(
                    Reason(
                        "ledger.unknown_source",
                        f"transaction {number} names an unknown source {account.source_id!r}",
                        {"number": number, "source": account.source_id},
                    )
                )
    return reasons
