"""Benchmark: a region's budget year through the certificate ledger, against a naive ledger.

    python benchmarks/ledger.py              # 2,000 certificates, 20,000 payments
    python benchmarks/ledger.py --quick      # 200 certificates, 2,000 payments
    python benchmarks/ledger.py --certificates N --payments M

Two funding sources (regional budget, federal subsidy) are appropriated for the
year; every certificate is committed 70/30 across them; then the payments come,
10% of them invalid (half above the remaining commitment, half for an unknown
certificate) and refused; then every certificate is released. Each operation is
one call of the public API returning a new, immutable ``Ledger``. Then
``verify()`` replays the books.

The baseline does the same operations, with the same checks and the same exact
``Money.allocate`` split, the copy-on-write way: an immutable ledger that copies
its plain dict of balances and its tuple of transactions on every operation.
Its figure is what incremental balances with structural sharing and paged
transactions save. Prints figures for people, then one JSON line for machines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from resocialize.errors import RuleViolation
from resocialize.ledger import (
    FundingSource,
    Ledger,
    SourceKind,
    appropriate,
    commit,
    open_ledger,
    pay,
    release,
    report,
    totals,
    verify,
)
from resocialize.money import Money
from resocialize.rules import Reason

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
YEAR = 2026
FACE = Money.of(180_000, "RUB")  # a Rostov-style certificate
SPLIT = {"regional": Money.of(126_000, "RUB"), "federal": Money.of(54_000, "RUB")}
TRANCHE = Money.of("15000.00", "RUB")
ABOVE = FACE + Money.of("0.01", "RUB")

Op = tuple[str, tuple[Any, ...]]
Move = tuple[tuple[Any, ...], tuple[Any, ...], Money]


def workload(certificates: int, payments: int) -> list[Op]:
    """The operations of the year, in order: grants, commitments, payments, releases."""
    ops: list[Op] = [
        ("grant", ("regional", Money.of(126_000 * certificates, "RUB"))),
        ("grant", ("federal", Money.of(54_000 * certificates, "RUB"))),
    ]
    ops += [("commit", (f"cert-{i:05d}",)) for i in range(certificates)]
    for k in range(payments):
        cert = f"cert-{k % certificates:05d}"
        center = f"center-{k % certificates % 40:02d}"
        if k % 20 == 7:
            ops.append(("pay", (cert, center, ABOVE, f"claim-{k}")))  # above the commitment
        elif k % 20 == 13:
            ops.append(("pay", ("cert-unknown", center, TRANCHE, f"claim-{k}")))
        else:
            ops.append(("pay", (cert, center, TRANCHE, f"claim-{k}")))
    ops += [("release", (f"cert-{i:05d}",)) for i in range(certificates)]
    return ops


def run_ledger(ops: list[Op]) -> tuple[float, Ledger, int]:
    books = open_ledger(
        [
            FundingSource("regional", "Regional anti-drug program", SourceKind.REGIONAL_BUDGET),
            FundingSource("federal", "Federal subsidy", SourceKind.FEDERAL_SUBSIDY),
        ],
        currency="RUB",
    )
    refused = 0
    start = time.perf_counter()
    for i, (kind, args) in enumerate(ops):
        at = T0 + timedelta(minutes=i)
        try:
            if kind == "pay":
                cert, center, amount, claim = args
                books = pay(books, cert, center, amount, at=at, by="agency", reference=claim)
            elif kind == "commit":
                books = commit(books, args[0], SPLIT, year=YEAR, at=at, by="agency")
            elif kind == "release":
                books = release(books, args[0], at=at, by="agency", why="course ended")
            else:
                source, amount = args
                books = appropriate(books, source, YEAR, amount, at=at, by="fin", reference="law")
        except RuleViolation:
            refused += 1
    return time.perf_counter() - start, books, refused


class NaiveLedger:
    """The baseline: immutable by copying its dict of balances and its tuple on every change."""

    __slots__ = ("balances", "commitments", "transactions")

    def __init__(
        self,
        balances: dict[tuple[str, ...], Money],
        commitments: dict[str, tuple[str, ...]],
        transactions: tuple[Any, ...],
    ) -> None:
        self.balances = balances
        self.commitments = commitments
        self.transactions = transactions

    def book(self, moves: list[Move], record: Any) -> NaiveLedger:
        balances = dict(self.balances)  # copy-on-write: O(accounts) per operation
        zero = Money.zero("RUB")
        for out_of, into, amount in moves:
            balances[out_of] = balances.get(out_of, zero) - amount
            balances[into] = balances.get(into, zero) + amount
        commitments = self.commitments
        if record is not None:
            commitments = {**commitments, record[0]: record[1]}
        return NaiveLedger(balances, commitments, (*self.transactions, moves))


def naive_op(books: NaiveLedger, kind: str, args: tuple[Any, ...]) -> NaiveLedger:
    zero = Money.zero("RUB")
    if kind == "grant":
        source, amount = args
        return books.book([(("app", source), ("avail", source), amount)], None)
    if kind == "commit":
        cert = args[0]
        reasons = [
            Reason("ledger.insufficient_funds", f"{s} lacks funds")
            for s, a in SPLIT.items()
            if books.balances.get(("avail", s), zero) < a
        ]
        if cert in books.commitments:
            reasons.append(Reason("ledger.already_committed", "committed"))
        if reasons:
            raise RuleViolation(reasons)
        moves: list[Move] = [(("avail", s), ("com", s, cert), a) for s, a in sorted(SPLIT.items())]
        return books.book(moves, (cert, tuple(sorted(SPLIT))))
    sources = books.commitments.get(args[0])
    if sources is None:
        raise RuleViolation([Reason("ledger.unknown_certificate", "unknown")])
    left = [books.balances.get(("com", s, args[0]), zero) for s in sources]
    if kind == "release":
        moves = [
            (("com", s, args[0]), ("avail", s), m) for s, m in zip(sources, left, strict=True) if m
        ]
        return books.book(moves, None)
    cert, center, amount, _ = args
    if amount > Money(sum((m.amount for m in left), Decimal(0)), "RUB"):
        raise RuleViolation([Reason("ledger.above_commitment", "above")])
    parts = amount.allocate([m.amount for m in left])
    moves = [
        (("com", s, cert), ("paid", s, cert, center), p)
        for s, p in zip(sources, parts, strict=True)
        if p
    ]
    return books.book(moves, None)


def run_naive(ops: list[Op]) -> tuple[float, NaiveLedger, int]:
    books = NaiveLedger({}, {}, ())
    refused = 0
    start = time.perf_counter()
    for kind, args in ops:
        try:
            books = naive_op(books, kind, args)
        except RuleViolation:
            refused += 1
    return time.perf_counter() - start, books, refused


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = call()
    return time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certificates", type=int, default=2_000)
    parser.add_argument("--payments", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="200 certificates, 2,000 payments")
    args = parser.parse_args(argv)
    certificates, payments = (200, 2_000) if args.quick else (args.certificates, args.payments)

    ops = workload(certificates, payments)
    seconds, books, refused = run_ledger(ops)
    rate = len(ops) / seconds
    verify_s, decision = timed(lambda: verify(books))
    assert decision.allowed, decision.codes
    report_s, rows = timed(lambda: report(books, by=("source", "year", "center", "certificate")))
    whole = totals(books)
    assert whole.appropriated == whole.available + whole.committed + whole.paid

    naive_s, naive, naive_refused = run_naive(ops)
    naive_rate = len(ops) / naive_s
    assert naive_refused == refused, (naive_refused, refused)
    paid_naive = sum((m.amount for k, m in naive.balances.items() if k[0] == "paid"), Decimal(0))
    assert paid_naive == whole.paid.amount, "the baseline must book the same money"
    ratio = rate / naive_rate

    print(f"operations             {len(ops):>12,}  ({certificates:,} certificates, "
          f"{payments:,} payments, {refused:,} refused)")  # fmt: skip
    print(f"ledger                 {rate:>12,.0f} ops/s  ({seconds:.2f} s)")
    print(f"naive copy-on-write    {naive_rate:>12,.0f} ops/s  ({naive_s:.2f} s)")
    print(f"ratio                  {ratio:>12,.1f} x")
    print(f"verify()               {verify_s * 1000:>12,.0f} ms  ({books.size:,} transactions)")
    print(f"report(all dimensions) {report_s * 1000:>12,.0f} ms  ({len(rows):,} rows)")
    print(f"paid {whole.paid}, released {whole.released}, available {whole.available}")
    print(
        json.dumps(
            {
                "benchmark": "ledger",
                "certificates": certificates,
                "payments": payments,
                "operations": len(ops),
                "refused": refused,
                "ops_per_s": round(rate),
                "naive_ops_per_s": round(naive_rate),
                "ratio": round(ratio, 1),
                "verify_ms": round(verify_s * 1000, 1),
                "report_ms": round(report_s * 1000, 1),
                "transactions": books.size,
                "python": sys.version.split()[0],
                "date": date.today().isoformat(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
