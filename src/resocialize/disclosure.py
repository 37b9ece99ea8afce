"""Statistical disclosure control for published count tables (MR-04).

A published table of counts must not single anyone out. :func:`suppress` hides
every count under ``k`` (default 5): these are the *primary* suppressions. It
also hides the *secondary* (complementary) counts without which a hidden count
could be recomputed from the others and the totals, and it says in
:attr:`SuppressedTable.notes` what it hid and why. :func:`recoverable` audits a
published table independently of how it was suppressed: it lists every hidden
count that the published counts and totals still determine. :func:`publish`
gives the whole table only to the roles a :class:`DisclosurePolicy` allows (by
default the agency's own analysts) and the suppressed one to everyone else.

>>> table = CountTable(
...     "Clients by municipality and stage",
...     rows=("North", "South", "Lake"),
...     columns=("III", "IV", "V"),
...     cells=((12, 9, 3), (20, 14, 11), (8, 15, 10)),
... )
>>> published = suppress(table)
>>> for row, total in zip(published.cells, published.row_totals):
...     print(row, total)
(None, 9, None) 24
(20, 14, 11) 45
(None, 15, None) 33
>>> published.column_totals, published.total
((40, 38, 24), 102)
>>> published.primary, published.secondary
(((0, 2),), ((0, 0), (2, 0), (2, 2)))
>>> for note in published.notes:
...     print(note.code, note.details["row"], note.details["column"])
disclosure.small_count 0 2
disclosure.complementary 0 0
disclosure.complementary 2 0
disclosure.complementary 2 2
>>> print(published.notes[0].message)
the count for 'North' and 'V' is under 5 and is not published
>>> recoverable(published)
()

The rules, as decided for this library:

- **Primary suppression.** A count from 1 to ``k - 1`` is hidden. A zero is
  published by default (``publish_zeros=True``): that nobody is in a group
  singles nobody out, and zeros are usually structural. With
  ``publish_zeros=False`` a zero is hidden like any other count under ``k``.
- **Totals are counts too.** A table is published with its row totals, its
  column totals and its grand total, and a total under ``k`` (or a zero total
  when zeros are not published) is hidden like a cell: a total of 3 tells that
  a group has 3 people whoever they are.
- **Positions.** Cells and totals are addressed in the table bordered by its
  totals: ``(row, column)`` for a cell, ``(row, len(columns))`` for a row
  total, ``(len(rows), column)`` for a column total and
  ``(len(rows), len(columns))`` for the grand total.
  :attr:`SuppressedTable.primary`, :attr:`~SuppressedTable.secondary` and
  :func:`recoverable` all use these positions.
- **Secondary suppression.** A hidden count is safe when the published counts,
  the published totals and the fact that no count is negative leave it more
  than one possible value. For each hidden count that is not yet safe,
  :func:`suppress` hides the cheapest set of further counts that puts it on a
  cycle of hidden counts along which the counts can be shifted (up and down in
  turn) while staying non-negative; cheapest means first the fewest totals,
  then the fewest cells, then the smallest sum of counts, with ties broken by
  position, so the result is deterministic. Published zeros are never hidden as
  secondary counts (they are published by rule and would protect only upwards).
  Every secondary count that is not needed is then published again, the
  largest first. This runs for four orders of the primary counts (by position,
  largest first, smallest first, from the bottom right) and keeps the cheapest
  result, which is improved while publishing one of its secondary counts again
  and protecting anew without it costs less. The result is not always the
  smallest possible suppression (this is a heuristic), but it is always safe:
  :func:`recoverable` of it is empty, which the tests check over random tables.
- **One-way tables and single lines.** A table of one column (or one row) is an
  ordinary table whose row totals (column totals) repeat its cells. A hidden
  cell needs a second hidden cell of its line (the smallest that protects it);
  when no other cell of the line is non-zero, the line's total and the grand
  total are hidden instead.
- **What a reader learns.** The audit assumes a reader who knows the published
  counts and totals and that counts are not negative. :attr:`SuppressedTable.primary`
  and the notes also tell *why* a count is hidden, and so that a primary count
  is under ``k``: keep them for the agency's record, and publish the tidy rows
  of :func:`to_rows`, which say only whether a count is hidden.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping
from fractions import Fraction
from typing import Final

import attrs

from ._checks import Checked, Problems, bool_problem, count_problem, text_problem
from .errors import ValidationError
from .organizations import Role
from .rules import Detail, Reason

__all__ = [
    "DEFAULT_K",
    "DEFAULT_POLICY",
    "CountTable",
    "DisclosurePolicy",
    "Position",
    "SuppressedTable",
    "publish",
    "recoverable",
    "suppress",
    "to_rows",
]

DEFAULT_K: Final = 5
"""Counts under this are not published (MR-04)."""

Position = tuple[int, int]
"""``(row, column)`` in the table bordered by its totals (see the module docs)."""

_Cost = tuple[int, int, int]
"""What hiding a count costs: totals hidden, cells hidden, sum of the counts hidden."""

_FREE: Final[_Cost] = (0, 0, 0)

_Key = Callable[["_Layout", Position], tuple[int, ...]]
"""An order of positions of a layout."""


# --- checks ------------------------------------------------------------------------------------


def _k_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return f"must be a positive integer, not {value!r}"
    return None


def _tuple(value: object) -> object:
    """Accept any list or tuple for a tuple field; anything else is left for the check."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _positions(value: object) -> object:
    """Accept lists for the positions (as JSON gives them); anything else is left for the check."""
    if isinstance(value, list | tuple):
        return tuple(tuple(item) if isinstance(item, list) else item for item in value)
    return value


def _grid(value: object) -> object:
    """Accept nested lists for the cells; anything else is left for the check."""
    if isinstance(value, list | tuple):
        return tuple(_tuple(row) for row in value)
    return value


def _labels_problems(name: str, value: object, problems: Problems) -> None:
    if not isinstance(value, tuple):
        problems.add(name, f"must be a tuple of labels, not {type(value).__name__}")
        return
    if not value:
        problems.add(name, "must name at least one label")
    first: dict[str, int] = {}
    for i, label in enumerate(value):
        problem = text_problem(label)
        if problem is not None:
            problems.add(f"{name}[{i}]", problem)
        elif label in first:
            problems.add(f"{name}[{i}]", f"duplicate label {label!r} (first at [{first[label]}])")
        else:
            first[label] = i


def _line_problems(
    path: str, value: object, length: int, what: str, problems: Problems, *, hidden: bool
) -> None:
    """Check one line of counts (``None`` allowed where ``hidden``)."""
    if not isinstance(value, tuple):
        problems.add(path, f"must be a tuple of {length} {what}, not {type(value).__name__}")
        return
    if len(value) != length:
        problems.add(path, f"must hold {length} {what}, not {len(value)}")
    for j, item in enumerate(value):
        if hidden and item is None:
            continue
        problem = count_problem(item)
        if problem is not None:
            problems.add(f"{path}[{j}]", problem + (" or None" if hidden else ""))


def _cells_problems(
    value: object, rows: object, columns: object, problems: Problems, *, hidden: bool
) -> None:
    """Check the cells' shape against the labels (when they are well formed) and each count."""
    n_rows = len(rows) if isinstance(rows, tuple) else None
    n_columns = len(columns) if isinstance(columns, tuple) else None
    if not isinstance(value, tuple):
        problems.add("cells", f"must be a tuple of rows of counts, not {type(value).__name__}")
        return
    if n_rows is not None and len(value) != n_rows:
        problems.add(
            "cells", f"must hold one row of counts per row label ({n_rows}), not {len(value)}"
        )
    for i, row in enumerate(value):
        if n_columns is None:
            if not isinstance(row, tuple):
                problems.add(f"cells[{i}]", "must be a tuple of counts")
            continue
        _line_problems(f"cells[{i}]", row, n_columns, "counts", problems, hidden=hidden)


# --- tables ------------------------------------------------------------------------------------


@attrs.frozen
class CountTable(Checked):
    """A two-way table of counts with labelled rows and columns.

    ``cells[i][j]`` counts the people of row ``rows[i]`` and column
    ``columns[j]``; labels are unique and non-empty, counts are non-negative
    integers. A one-way table has a single column (or a single row). Every bad
    part is reported at once, each at its path (``cells[2][3]``, ``rows[1]``).

    >>> table = CountTable("Admissions", ("North", "South"), ("men", "women"), [[7, 2], [11, 6]])
    >>> table.row_totals, table.column_totals, table.total
    ((9, 17), (18, 8), 26)
    >>> CountTable("Admissions", ("North", "North"), ("all",), [[7], [-1]])
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: rows[1]: duplicate label 'North'
    (first at [0]); cells[1][0]: must be a non-negative integer
    """

    title: str
    """What the table counts (and for which period)."""
    rows: tuple[str, ...] = attrs.field(converter=_tuple)
    """The row labels, in order."""
    columns: tuple[str, ...] = attrs.field(converter=_tuple)
    """The column labels, in order."""
    cells: tuple[tuple[int, ...], ...] = attrs.field(converter=_grid)
    """The counts, one tuple per row, one count per column."""

    def _more_problems(self, problems: Problems) -> None:
        problems.check("title", text_problem(self.title))
        _labels_problems("rows", self.rows, problems)
        _labels_problems("columns", self.columns, problems)
        _cells_problems(self.cells, self.rows, self.columns, problems, hidden=False)

    @property
    def row_totals(self) -> tuple[int, ...]:
        """The total of each row."""
        return tuple(sum(row) for row in self.cells)

    @property
    def column_totals(self) -> tuple[int, ...]:
        """The total of each column."""
        return tuple(sum(column) for column in zip(*self.cells, strict=True))

    @property
    def total(self) -> int:
        """The grand total."""
        return sum(self.row_totals)


@attrs.frozen
class SuppressedTable(Checked):
    """A count table as published: hidden counts are ``None``, with what was hidden and why.

    Positions in :attr:`primary` and :attr:`secondary` index the table bordered
    by its totals (``(i, len(columns))`` is the total of row ``i``, and so on:
    see the module docs). Every hidden count is in exactly one of them; the
    published counts and totals must add up where nothing of a line is hidden.
    Built by :func:`suppress`, or by hand for a table suppressed elsewhere and
    audited with :func:`recoverable`.
    """

    title: str
    """What the table counts."""
    rows: tuple[str, ...] = attrs.field(converter=_tuple)
    """The row labels, in order."""
    columns: tuple[str, ...] = attrs.field(converter=_tuple)
    """The column labels, in order."""
    k: int
    """Counts under ``k`` were hidden (primary suppression)."""
    cells: tuple[tuple[int | None, ...], ...] = attrs.field(converter=_grid)
    """The published counts; ``None`` where hidden."""
    row_totals: tuple[int | None, ...] = attrs.field(converter=_tuple)
    """The published row totals; ``None`` where hidden."""
    column_totals: tuple[int | None, ...] = attrs.field(converter=_tuple)
    """The published column totals; ``None`` where hidden."""
    total: int | None
    """The published grand total, or ``None`` when hidden."""
    primary: tuple[Position, ...] = attrs.field(default=(), converter=_positions)
    """Positions hidden for being under ``k``."""
    secondary: tuple[Position, ...] = attrs.field(default=(), converter=_positions)
    """Positions hidden so that the primary ones cannot be recomputed."""
    notes: tuple[Reason, ...] = attrs.field(default=(), converter=_tuple)
    """One reason per hidden position: what was hidden and why."""
    publish_zeros: bool = True
    """Whether zeros were published (otherwise they were hidden as under ``k``)."""

    def _more_problems(self, problems: Problems) -> None:
        problems.check("title", text_problem(self.title))
        _labels_problems("rows", self.rows, problems)
        _labels_problems("columns", self.columns, problems)
        problems.check("k", _k_problem(self.k))
        problems.check("publish_zeros", bool_problem(self.publish_zeros))
        _cells_problems(self.cells, self.rows, self.columns, problems, hidden=True)
        if isinstance(self.rows, tuple):
            _line_problems(
                "row_totals", self.row_totals, len(self.rows), "totals", problems, hidden=True
            )
        if isinstance(self.columns, tuple):
            _line_problems(
                "column_totals",
                self.column_totals,
                len(self.columns),
                "totals",
                problems,
                hidden=True,
            )
        if self.total is not None:
            problems.check("total", count_problem(self.total))
        for i, note in enumerate(self.notes if isinstance(self.notes, tuple) else ()):
            if not isinstance(note, Reason):
                problems.add(f"notes[{i}]", f"must be a Reason, not {type(note).__name__}")
        if problems.items:
            return
        height, width = len(self.rows) + 1, len(self.columns) + 1
        listed: dict[Position, str] = {}
        for name in ("primary", "secondary"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                problems.add(name, f"must be a tuple of positions, not {type(value).__name__}")
                continue
            for i, item in enumerate(value):
                if not _is_position(item, height, width):
                    problems.add(
                        f"{name}[{i}]",
                        f"must be a (row, column) position within {height} x {width}, not {item!r}",
                    )
                elif item in listed:
                    problems.add(f"{name}[{i}]", f"{item} is already listed in {listed[item]}")
                else:
                    listed[item] = name
        if problems.items:
            return
        grid = _bordered(self)
        for i, row in enumerate(grid):
            for j, value in enumerate(row):
                if (value is None) != ((i, j) in listed):
                    state = "hidden" if value is None else "published"
                    problems.add(
                        _path((i, j), height - 1, width - 1),
                        f"is {state} but {'not ' if value is None else ''}listed as suppressed",
                    )
        if not problems.items:
            _sums_problems(grid, problems)


def _is_position(item: object, height: int, width: int) -> bool:
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) for x in item)
        and 0 <= item[0] < height
        and 0 <= item[1] < width
    )


def _path(position: Position, n_rows: int, n_columns: int) -> str:
    """The path of a bordered position in a :class:`SuppressedTable`."""
    i, j = position
    if i < n_rows and j < n_columns:
        return f"cells[{i}][{j}]"
    if i < n_rows:
        return f"row_totals[{i}]"
    if j < n_columns:
        return f"column_totals[{j}]"
    return "total"


def _sign(i: int, j: int, n_rows: int, n_columns: int) -> int:
    """+1 for a cell or the grand total, -1 for a row or column total: every line of the
    bordered table then sums to zero."""
    return 1 if (i < n_rows) == (j < n_columns) else -1


def _lines(height: int, width: int) -> Iterator[tuple[str, list[Position]]]:
    """Each line of the bordered table, with the path of its total."""
    n_rows, n_columns = height - 1, width - 1
    for i in range(height):
        yield _path((i, n_columns), n_rows, n_columns), [(i, j) for j in range(width)]
    for j in range(width):
        yield _path((n_rows, j), n_rows, n_columns), [(i, j) for i in range(height)]


def _sums_problems(grid: tuple[tuple[int | None, ...], ...], problems: Problems) -> None:
    height, width = len(grid), len(grid[0])
    for path, line in _lines(height, width):
        signed = 0
        for i, j in line:
            value = grid[i][j]
            if value is None:
                break
            signed += _sign(i, j, height - 1, width - 1) * value
        else:
            if signed:
                problems.add(path, "does not equal the sum of the counts of its line")


def _bordered(table: CountTable | SuppressedTable) -> tuple[tuple[int | None, ...], ...]:
    """The cells with each row's total appended and the column totals (then the total) below."""
    return (
        *((*row, total) for row, total in zip(table.cells, table.row_totals, strict=True)),
        (*table.column_totals, table.total),
    )


# --- secondary suppression -------------------------------------------------------------------


class _Layout:
    """The bordered table of true counts, and the moves a reader cannot rule out.

    Rows of the bordered table are graph nodes ``0..height-1``, its columns nodes
    ``height..height+width-1``; each hidden count is an edge between its row and its
    column. Shifting counts by +1/-1 in turn around a cycle of hidden counts keeps
    every line sum: a hidden count can take another value exactly when such a
    shift through it keeps every count non-negative.
    """

    __slots__ = ("_arcs", "_costs", "height", "values", "width")

    def __init__(self, values: tuple[tuple[int, ...], ...]) -> None:
        self.values = values
        self.height = len(values)
        self.width = len(values[0])
        self._arcs: dict[Position, tuple[tuple[int, int], ...]] = {}
        self._costs: dict[Position, _Cost] = {}
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                # row node to column node when the count may go up (a cell, the grand
                # total) or down (a row or column total); back the other way for the
                # opposite move. Going down needs a count above zero.
                up = _sign(i, j, self.height - 1, self.width - 1) > 0
                arcs: list[tuple[int, int]] = []
                if up or value > 0:
                    arcs.append((i, self.height + j))
                if not up or value > 0:
                    arcs.append((self.height + j, i))
                self._arcs[(i, j)] = tuple(arcs)
                total = i == self.height - 1 or j == self.width - 1
                self._costs[(i, j)] = (1, 0, value) if total else (0, 1, value)

    def is_total(self, position: Position) -> bool:
        return position[0] == self.height - 1 or position[1] == self.width - 1

    def arcs(self, position: Position) -> tuple[tuple[int, int], ...]:
        """The directed moves through ``position``."""
        return self._arcs[position]

    def cost(self, position: Position) -> _Cost:
        """What hiding the count at ``position`` costs."""
        return self._costs[position]


def _adjacency(
    layout: _Layout, positions: Iterable[Position]
) -> dict[int, list[tuple[int, Position]]]:
    graph: dict[int, list[tuple[int, Position]]] = {}
    for position in positions:
        for start, end in layout.arcs(position):
            graph.setdefault(start, []).append((end, position))
    return graph


def _reaches(
    graph: Mapping[int, list[tuple[int, Position]]], start: int, goal: int, without: Position
) -> bool:
    seen = {start}
    todo = [start]
    while todo:
        node = todo.pop()
        for nxt, position in graph.get(node, ()):
            if position == without or nxt in seen:
                continue
            if nxt == goal:
                return True
            seen.add(nxt)
            todo.append(nxt)
    return False


def _first_pinned(layout: _Layout, hidden: Iterable[Position]) -> Position | None:
    """The first hidden position (in the given order) whose count a reader can tell."""
    ordered = list(hidden)
    graph = _adjacency(layout, ordered)
    if all(len(layout.arcs(p)) == 2 for p in ordered):
        # every hidden count may go up and down: a count is pinned exactly when its edge is
        # a bridge of the (then undirected) graph of hidden counts
        bridges = _bridges(graph)
        return next((p for p in ordered if p in bridges), None)
    for position in ordered:
        if not any(_reaches(graph, end, start, position) for start, end in layout.arcs(position)):
            return position
    return None


def _bridges(graph: Mapping[int, list[tuple[int, Position]]]) -> set[Position]:
    """The bridges of an undirected graph given with both directions of each edge (Tarjan,
    without recursion)."""
    found: set[Position] = set()
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    for root in sorted(graph):
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack: list[tuple[int, Position | None, Iterator[tuple[int, Position]]]] = [
            (root, None, iter(graph[root]))
        ]
        while stack:
            node, via, edges = stack[-1]
            for nxt, position in edges:
                if position == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, position, iter(graph.get(nxt, ()))))
                    break
            else:
                stack.pop()
                if stack and via is not None:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.add(via)
    return found


def _cheapest_cycle(
    layout: _Layout, pinned: Position, hidden: frozenset[Position], candidates: Iterable[Position]
) -> tuple[Position, ...] | None:
    """The cheapest further positions to hide that put ``pinned`` on a cycle of moves
    (``None`` when the candidates close no cycle)."""
    usable = sorted(hidden | frozenset(candidates))
    graph = _adjacency(layout, (p for p in usable if p != pinned))
    best: tuple[_Cost, tuple[Position, ...]] | None = None
    for start, end in layout.arcs(pinned):
        found = _cheapest_path(layout, graph, end, start, hidden)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    return None if best is None else best[1]


def _cheapest_path(
    layout: _Layout,
    graph: Mapping[int, list[tuple[int, Position]]],
    start: int,
    goal: int,
    hidden: frozenset[Position],
) -> tuple[_Cost, tuple[Position, ...]] | None:
    """Dijkstra over lexicographic costs; hidden positions are free."""
    best: dict[int, _Cost] = {start: _FREE}
    back: dict[int, tuple[int, Position]] = {}
    queue: list[tuple[_Cost, int]] = [(_FREE, start)]
    done: set[int] = set()
    while queue:
        cost, node = heapq.heappop(queue)
        if node in done:
            continue
        done.add(node)
        if node == goal:
            path: list[Position] = []
            while node != start:
                node, position = back[node]
                if position not in hidden:
                    path.append(position)
            return cost, tuple(sorted(path))
        for nxt, position in graph.get(node, ()):
            step = _FREE if position in hidden else layout.cost(position)
            new = (cost[0] + step[0], cost[1] + step[1], cost[2] + step[2])
            if nxt not in done and (nxt not in best or new < best[nxt]):
                best[nxt] = new
                back[nxt] = (node, position)
                heapq.heappush(queue, (new, nxt))
    return None


_ORDERS: Final[tuple[_Key, ...]] = (
    lambda layout, p: (layout.is_total(p), *p),
    lambda layout, p: (layout.is_total(p), -layout.values[p[0]][p[1]], *p),
    lambda layout, p: (layout.is_total(p), layout.values[p[0]][p[1]], *p),
    lambda layout, p: (layout.is_total(p), -p[0], -p[1]),
)
"""The orders in which :func:`suppress` tries to protect the primary counts (it keeps the
cheapest result): by position, largest first, smallest first, from the bottom right."""


def _total_cost(layout: _Layout, positions: Iterable[Position]) -> _Cost:
    costs = [layout.cost(p) for p in positions]
    return (sum(c[0] for c in costs), sum(c[1] for c in costs), sum(c[2] for c in costs))


def _secondary(
    layout: _Layout, primary: list[Position], candidates: list[Position]
) -> frozenset[Position]:
    """The secondary counts: the cheapest found by protecting the primary counts in each of
    :data:`_ORDERS`, then improved one secondary count at a time."""
    tries: list[tuple[_Cost, list[Position], frozenset[Position], _Key]] = []
    for key in _ORDERS:
        found = _protect(layout, primary, frozenset(), candidates, key)
        if found is None:  # pragma: no cover - with every candidate the totals close a cycle
            raise AssertionError("no secondary suppression protects the primary counts")
        tries.append((_total_cost(layout, found), sorted(found), found, key))
    _, _, found, key = min(tries, key=lambda t: (t[0], t[1]))
    return _improve(layout, primary, found, candidates, key)


def _improve(
    layout: _Layout,
    primary: list[Position],
    secondary: frozenset[Position],
    candidates: list[Position],
    key: _Key,
) -> frozenset[Position]:
    """Publish one secondary count again and protect anew without it, while that is cheaper."""
    best = _total_cost(layout, secondary)
    improved = True
    while improved:
        improved = False
        for position in sorted(secondary, key=lambda p: (layout.cost(p), p), reverse=True):
            others = [p for p in candidates if p != position]
            trial = _protect(layout, primary, secondary - {position}, others, key)
            if trial is None:
                continue
            cost = _total_cost(layout, trial)
            if cost < best:
                secondary, best, improved = trial, cost, True
                break
    return secondary


def _protect(
    layout: _Layout,
    primary: list[Position],
    start: frozenset[Position],
    candidates: list[Position],
    key: _Key,
) -> frozenset[Position] | None:
    """Hide ``start`` and, for each hidden count not yet safe (in the order of ``key``), the
    cheapest cycle of candidates; then publish again, costliest first, what is not needed.
    ``None`` when the candidates cannot protect every count."""
    hidden = set(primary) | start
    secondary: set[Position] = set(start)
    order = sorted(hidden, key=lambda p: key(layout, p))
    while (pinned := _first_pinned(layout, order)) is not None:
        added = _cheapest_cycle(
            layout, pinned, frozenset(hidden), (p for p in candidates if p not in hidden)
        )
        if added is None:
            return None
        hidden.update(added)
        secondary.update(added)
        order += sorted(added, key=lambda p: key(layout, p))
    for position in sorted(secondary, key=lambda p: (layout.cost(p), p), reverse=True):
        rest = [p for p in order if p != position]
        if _first_pinned(layout, rest) is None:
            order = rest
            secondary.discard(position)
    return frozenset(secondary)


def _sensitive(value: int, k: int, publish_zeros: bool) -> bool:
    return 0 < value < k or (value == 0 and not publish_zeros)


def _where(position: Position, rows: tuple[str, ...], columns: tuple[str, ...]) -> str:
    i, j = position
    if i < len(rows) and j < len(columns):
        return f"the count for {rows[i]!r} and {columns[j]!r}"
    if i < len(rows):
        return f"the total of row {rows[i]!r}"
    if j < len(columns):
        return f"the total of column {columns[j]!r}"
    return "the grand total"


def _note(
    position: Position, rows: tuple[str, ...], columns: tuple[str, ...], k: int, primary: bool
) -> Reason:
    i, j = position
    inner_row, inner_column = i < len(rows), j < len(columns)
    kind = (
        ("cell" if inner_column else "row_total")
        if inner_row
        else ("column_total" if inner_column else "total")
    )
    details: dict[str, Detail] = {
        "row": i,
        "column": j,
        "kind": kind,
        "row_label": rows[i] if inner_row else None,
        "column_label": columns[j] if inner_column else None,
        "k": k,
    }
    where = _where(position, rows, columns)
    if primary:
        return Reason(
            "disclosure.small_count", f"{where} is under {k} and is not published", details
        )
    return Reason(
        "disclosure.complementary",
        f"{where} is not published so that the counts under {k} cannot be recomputed "
        "from the published counts and totals",
        details,
    )


def suppress(
    table: CountTable, k: int = DEFAULT_K, *, publish_zeros: bool = True
) -> SuppressedTable:
    """The table as it may be published: counts under ``k`` hidden, with the counts and
    totals that would let them be recomputed (module docs: the rules).

    Every position listed in ``primary`` holds a count (cell or total) from 1 to
    ``k - 1`` (or 0 when ``publish_zeros`` is false); ``secondary`` ones hold
    counts of ``k`` or more. No hidden count can be told from the published ones
    (:func:`recoverable` of the result is empty), and the result depends on the
    table and the arguments only.

    >>> one_way = CountTable("Relapses", ("North", "South", "Lake"), ("relapses",),
    ...                      [[2], [14], [9]])
    >>> published = suppress(one_way)
    >>> [row[0] for row in published.cells], published.total
    ([None, 14, None], 25)
    """
    problems = Problems()
    problems.check("table", None if isinstance(table, CountTable) else "must be a CountTable")
    problems.check("k", _k_problem(k))
    problems.check("publish_zeros", bool_problem(publish_zeros))
    problems.raise_if_any()
    values = _bordered(table)
    layout = _Layout(values)  # type: ignore[arg-type]  # a CountTable hides no count
    positions = [(i, j) for i in range(layout.height) for j in range(layout.width)]
    primary = [p for p in positions if _sensitive(layout.values[p[0]][p[1]], k, publish_zeros)]
    small = set(primary)
    candidates = [p for p in positions if p not in small and layout.values[p[0]][p[1]] > 0]
    secondary = _secondary(layout, primary, candidates)
    hidden = set(primary) | secondary
    published = [
        tuple(None if (i, j) in hidden else value for j, value in enumerate(row))
        for i, row in enumerate(layout.values)
    ]
    ordered_secondary = tuple(sorted(secondary))
    notes = tuple(_note(p, table.rows, table.columns, k, True) for p in primary) + tuple(
        _note(p, table.rows, table.columns, k, False) for p in ordered_secondary
    )
    return SuppressedTable(
        title=table.title,
        rows=table.rows,
        columns=table.columns,
        k=k,
        cells=tuple(row[:-1] for row in published[:-1]),
        row_totals=tuple(row[-1] for row in published[:-1]),
        column_totals=published[-1][:-1],
        total=published[-1][-1],
        primary=tuple(primary),
        secondary=ordered_secondary,
        notes=notes,
        publish_zeros=publish_zeros,
    )


# --- the audit ----------------------------------------------------------------------------------


def recoverable(published: SuppressedTable) -> tuple[Position, ...]:
    """The hidden positions whose count the published counts and totals still determine.

    An audit independent of :func:`suppress`: the hidden counts are unknowns
    bound by the sum of every line of the table bordered by its totals, and by
    not being negative. Exact rational arithmetic first finds the unknowns that
    are zero in every solution (a line whose published remainder is 0 forces its
    hidden counts to 0, and so may several lines together; found by linear
    programming), then, with those fixed, an unknown is determined exactly when
    its unit vector lies in the row space of the constraints. What is left can
    take more than one value (and then more than one whole value: the
    constraints are those of a network). Positions as in the module docs, sorted.

    >>> table = CountTable("Admissions", ("North", "South"), ("men", "women"), [[7, 2], [11, 6]])
    >>> naive = SuppressedTable(
    ...     "Admissions", table.rows, table.columns, 5, cells=[[7, None], [11, 6]],
    ...     row_totals=[9, 17], column_totals=[18, 8], total=26, primary=[(0, 1)],
    ... )
    >>> recoverable(naive)
    ((0, 1),)
    >>> recoverable(suppress(table))
    ()
    """
    if not isinstance(published, SuppressedTable):
        raise ValidationError.at(
            "published", f"must be a SuppressedTable, not {type(published).__name__}"
        )
    grid = _bordered(published)
    height, width = len(grid), len(grid[0])
    unknowns = [(i, j) for i in range(height) for j in range(width) if grid[i][j] is None]
    if not unknowns:
        return ()
    index = {p: n for n, p in enumerate(unknowns)}
    matrix: list[list[Fraction]] = []
    rhs: list[Fraction] = []
    for _, line in _lines(height, width):
        row = [Fraction(0)] * len(unknowns)
        constant = 0
        for i, j in line:
            sign = _sign(i, j, height - 1, width - 1)
            value = grid[i][j]
            if value is None:
                row[index[(i, j)]] = Fraction(sign)
            else:
                constant -= sign * value
        if any(row):
            matrix.append(row)
            rhs.append(Fraction(constant))
    zeros = _always_zero(matrix, rhs, len(unknowns))
    if zeros is None:
        raise ValidationError.at(
            "cells", "the published counts and totals contradict each other: no table has them"
        )
    units = [[Fraction(int(n == z)) for n in range(len(unknowns))] for z in sorted(zeros)]
    determined = _determined(matrix + units, len(unknowns))
    return tuple(unknowns[n] for n in sorted(determined))


def _pivot(rows: list[list[Fraction]], basis: list[int], r: int, c: int) -> None:
    pivot_row = rows[r]
    if pivot_row[c] != 1:
        scale = pivot_row[c]
        pivot_row = [x / scale for x in pivot_row]
        rows[r] = pivot_row
    nonzero = [(j, x) for j, x in enumerate(pivot_row) if x]
    for i, row in enumerate(rows):
        factor = row[c]
        if i != r and factor:
            for j, x in nonzero:
                row[j] -= factor * x
    basis[r] = c


def _maximize(rows: list[list[Fraction]], basis: list[int], cost: list[Fraction]) -> int | None:
    """Primal simplex with Bland's rule from a feasible basis; ``None`` at the optimum, or
    the entering column of an unbounded ray."""
    # the reduced costs, kept as one more row of the tableau
    reduced = [*cost, Fraction(0)]
    for i, b in enumerate(basis):
        if cost[b]:
            factor = cost[b]
            reduced = [x - factor * y for x, y in zip(reduced, rows[i], strict=True)]
    while True:
        entering = next((j for j in range(len(cost)) if reduced[j] > 0), None)
        if entering is None:
            return None
        leaving: tuple[Fraction, int, int] | None = None
        for i, row in enumerate(rows):
            if row[entering] > 0:
                candidate = (row[-1] / row[entering], basis[i], i)
                if leaving is None or candidate < leaving:
                    leaving = candidate
        if leaving is None:
            return entering
        _pivot(rows, basis, leaving[2], entering)
        factor = reduced[entering]
        for j, x in enumerate(rows[leaving[2]]):
            if x:
                reduced[j] -= factor * x


def _always_zero(
    matrix: list[list[Fraction]], rhs: list[Fraction], n: int
) -> frozenset[int] | None:
    """The unknowns that are zero in every non-negative solution of ``matrix x = rhs``,
    or ``None`` when there is no such solution."""
    m = len(matrix)
    rows: list[list[Fraction]] = []
    for r, (coefficients, constant) in enumerate(zip(matrix, rhs, strict=True)):
        sign = -1 if constant < 0 else 1
        artificial = [Fraction(int(a == r)) for a in range(m)]
        rows.append([sign * x for x in coefficients] + artificial + [sign * constant])
    basis = list(range(n, n + m))
    _maximize(rows, basis, [Fraction(0)] * n + [Fraction(-1)] * m)
    if any(b >= n and rows[i][-1] != 0 for i, b in enumerate(basis)):
        return None
    redundant: list[int] = []
    for i, b in enumerate(basis):
        if b >= n:
            column = next((j for j in range(n) if rows[i][j] != 0), None)
            if column is None:
                redundant.append(i)
            else:
                _pivot(rows, basis, i, column)
    rows = [[*row[:n], row[-1]] for i, row in enumerate(rows) if i not in redundant]
    basis = [b for i, b in enumerate(basis) if i not in redundant]

    def values() -> list[Fraction]:
        found = [Fraction(0)] * n
        for i, b in enumerate(basis):
            found[b] = rows[i][-1]
        return found

    maybe = {j for j, x in enumerate(values()) if x == 0}
    while maybe:
        entering = _maximize(rows, basis, [Fraction(int(j in maybe)) for j in range(n)])
        if entering is None:
            grows = {j for j, x in enumerate(values()) if x > 0}
        else:
            grows = {entering} | {b for i, b in enumerate(basis) if rows[i][entering] < 0}
        if not grows & maybe:
            break
        maybe -= grows
    return frozenset(maybe)


def _determined(matrix: list[list[Fraction]], n: int) -> set[int]:
    """The unknowns whose unit vector lies in the row space of ``matrix`` (reduced row
    echelon form: exactly those with a reduced row equal to their unit vector)."""
    rows = [row[:] for row in matrix]
    pivots: list[int] = []
    for c in range(n):
        r = len(pivots)
        found = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if found is None:
            continue
        rows[r], rows[found] = rows[found], rows[r]
        scale = rows[r][c]
        rows[r] = [x / scale for x in rows[r]]
        for i, row in enumerate(rows):
            if i != r and row[c]:
                factor = row[c]
                rows[i] = [x - factor * y for x, y in zip(row, rows[r], strict=True)]
        pivots.append(c)
    return {c for r, c in enumerate(pivots) if all(x == 0 for j, x in enumerate(rows[r]) if j != c)}


# --- publishing --------------------------------------------------------------------------------


def _roles_problem(value: object) -> str | None:
    if not isinstance(value, frozenset):
        return f"must be a frozenset of roles, not {type(value).__name__}"
    bad = sorted(repr(r) for r in value if not isinstance(r, Role))
    return f"{', '.join(bad)} are not roles" if bad else None


def _roles(value: object) -> object:
    if isinstance(value, list | tuple | set | frozenset):
        converted = []
        for item in value:
            try:
                converted.append(Role(item) if isinstance(item, str) else item)
            except ValueError:
                converted.append(item)
        return frozenset(converted)
    return value


@attrs.frozen
class DisclosurePolicy(Checked):
    """Who may see a table whole, and how the others' tables are suppressed (MR-04).

    By default only the agency (its own analysts keep the registers) sees whole
    tables; every other role, the anti-drug commission included, sees counts
    under 5 suppressed.

    >>> DisclosurePolicy().unsuppressed_roles == frozenset({Role.AGENCY})
    True
    >>> DisclosurePolicy(k=0, unsuppressed_roles=["nobody"])
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: k: must be a positive integer, not 0;
    unsuppressed_roles: 'nobody' are not roles
    """

    k: int = attrs.field(default=DEFAULT_K, metadata={"check": _k_problem})
    """Counts under ``k`` are suppressed."""
    unsuppressed_roles: frozenset[Role] = attrs.field(
        default=frozenset({Role.AGENCY}), converter=_roles, metadata={"check": _roles_problem}
    )
    """The roles that receive whole tables."""
    publish_zeros: bool = attrs.field(default=True, metadata={"check": bool_problem})
    """Whether zeros are published (see :func:`suppress`)."""


DEFAULT_POLICY: Final = DisclosurePolicy()
"""k = 5, zeros published, whole tables for the agency only."""


def publish(
    table: CountTable, role: Role, policy: DisclosurePolicy = DEFAULT_POLICY
) -> CountTable | SuppressedTable:
    """The table as ``role`` may see it: whole for a role the policy allows, suppressed
    (with the policy's ``k``) for every other.

    >>> table = CountTable("Relapses", ("North", "South"), ("relapses",), [[2], [14]])
    >>> publish(table, Role.AGENCY) is table
    True
    >>> publish(table, Role.ANTI_DRUG_COMMISSION).cells
    ((None,), (None,))
    """
    problems = Problems()
    problems.check("table", None if isinstance(table, CountTable) else "must be a CountTable")
    as_role: Role | None = None
    if isinstance(role, Role):
        as_role = role
    elif isinstance(role, str) and role in {r.value for r in Role}:
        as_role = Role(role)
    else:
        problems.add("role", f"must be one of {', '.join(r.value for r in Role)}, not {role!r}")
    if not isinstance(policy, DisclosurePolicy):
        problems.add("policy", f"must be a DisclosurePolicy, not {type(policy).__name__}")
    problems.raise_if_any()
    if as_role in policy.unsuppressed_roles:
        return table
    return suppress(table, policy.k, publish_zeros=policy.publish_zeros)


def to_rows(table: CountTable | SuppressedTable) -> tuple[dict[str, object], ...]:
    """Tidy rows: one per cell, then per row total, per column total and the grand total.

    Each row has ``row`` and ``column`` (the labels; ``None`` for "all", as in a
    total), ``value`` (``None`` when suppressed) and ``suppressed``. The rows do
    not say why a count is hidden: that stays in the table's notes.

    >>> table = CountTable("Relapses", ("North",), ("men", "women"), [[2, 14]])
    >>> for row in to_rows(suppress(table)):
    ...     print(row)
    {'row': 'North', 'column': 'men', 'value': None, 'suppressed': True}
    {'row': 'North', 'column': 'women', 'value': None, 'suppressed': True}
    {'row': 'North', 'column': None, 'value': 16, 'suppressed': False}
    {'row': None, 'column': 'men', 'value': None, 'suppressed': True}
    {'row': None, 'column': 'women', 'value': None, 'suppressed': True}
    {'row': None, 'column': None, 'value': 16, 'suppressed': False}
    """
    if not isinstance(table, CountTable | SuppressedTable):
        raise ValidationError.at(
            "table", f"must be a CountTable or a SuppressedTable, not {type(table).__name__}"
        )
    grid = _bordered(table)
    labels_r: list[str | None] = [*table.rows, None]
    labels_c: list[str | None] = [*table.columns, None]
    height, width = len(grid), len(grid[0])
    inner = [(i, j) for i in range(height - 1) for j in range(width - 1)]
    row_totals = [(i, width - 1) for i in range(height - 1)]
    column_totals = [(height - 1, j) for j in range(width - 1)]
    return tuple(
        {
            "row": labels_r[i],
            "column": labels_c[j],
            "value": grid[i][j],
            "suppressed": grid[i][j] is None,
        }
        for i, j in [*inner, *row_totals, *column_totals, (height - 1, width - 1)]
    )
