"""Disclosure control of published tables: small counts, and what would recompute them (MR-04)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.disclosure import (
    DEFAULT_POLICY,
    CountTable,
    DisclosurePolicy,
    SuppressedTable,
    publish,
    recoverable,
    suppress,
    to_rows,
)
from resocialize.errors import ValidationError
from resocialize.organizations import Role
from resocialize.testing._disclosure import count_tables, disclosure_policies, ks

pytestmark = pytest.mark.req("MR-04")

Grid = tuple[tuple[int | None, ...], ...]


def table(*cells: tuple[int, ...], title: str = "Clients") -> CountTable:
    rows = tuple(f"r{i}" for i in range(len(cells)))
    columns = tuple(f"c{j}" for j in range(len(cells[0])))
    return CountTable(title, rows, columns, cells)


def bordered(t: CountTable | SuppressedTable) -> Grid:
    """The table with its totals, in the positions the module uses."""
    return (
        *((*row, total) for row, total in zip(t.cells, t.row_totals, strict=True)),
        (*t.column_totals, t.total),
    )


def hidden(t: SuppressedTable) -> set[tuple[int, int]]:
    return {(i, j) for i, row in enumerate(bordered(t)) for j, v in enumerate(row) if v is None}


def by_hand(t: CountTable, positions: set[tuple[int, int]], k: int = 5) -> SuppressedTable:
    """``t`` published with exactly ``positions`` hidden (as if suppressed elsewhere)."""
    grid = [
        tuple(None if (i, j) in positions else v for j, v in enumerate(row))
        for i, row in enumerate(bordered(t))
    ]
    return SuppressedTable(
        t.title,
        t.rows,
        t.columns,
        k,
        cells=[row[:-1] for row in grid[:-1]],
        row_totals=[row[-1] for row in grid[:-1]],
        column_totals=grid[-1][:-1],
        total=grid[-1][-1],
        primary=sorted(positions),
    )


# --- examples ----------------------------------------------------------------------------------


def test_a_small_cell_gets_a_secondary_in_its_row_and_its_column() -> None:
    t = table((12, 9, 3), (20, 14, 11), (8, 15, 10))
    published = suppress(t)
    assert published.primary == ((0, 2),)
    assert any(i == 0 and j < 3 for i, j in published.secondary)
    assert any(j == 2 and i < 3 for i, j in published.secondary)
    # the smallest cycle: 3, 12 beside it, 10 below it and 8 in the corner (sum 30)
    assert published.secondary == ((0, 0), (2, 0), (2, 2))
    assert published.row_totals == (24, 45, 33)
    assert published.column_totals == (40, 38, 24)
    assert published.total == 102
    assert recoverable(published) == ()


def test_without_the_secondary_cells_the_small_cell_is_recomputed_from_the_totals() -> None:
    t = table((12, 9, 3), (20, 14, 11), (8, 15, 10))
    assert recoverable(by_hand(t, {(0, 2)})) == ((0, 2),)
    # two cells of one row only: the columns still give both away
    assert recoverable(by_hand(t, {(0, 2), (0, 1)})) == ((0, 1), (0, 2))


def test_a_total_under_k_is_suppressed_and_protected_like_a_cell() -> None:
    t = table((1, 2, 0), (20, 14, 11), (8, 15, 10))
    published = suppress(t)
    assert set(published.primary) == {(0, 0), (0, 1), (0, 3)}  # 1, 2 and their row's total 3
    assert published.row_totals[0] is None
    assert all(v is None or v == 0 or v >= 5 for row in bordered(published) for v in row)
    assert recoverable(published) == ()


def test_zeros_are_published_by_default_and_hidden_on_request() -> None:
    t = table((0, 9, 30), (20, 14, 11), (8, 15, 10))
    assert suppress(t).cells[0][0] == 0
    assert suppress(t).primary == ()
    hiding = suppress(t, publish_zeros=False)
    assert hiding.cells[0][0] is None
    assert hiding.primary == ((0, 0),)
    assert hiding.secondary  # a zero can be recomputed like any count
    assert recoverable(hiding) == ()


def test_a_note_never_tells_a_hidden_zero_from_a_small_count() -> None:
    t = table((0, 3, 30), (20, 14, 11), (8, 15, 10))
    notes = suppress(t, publish_zeros=False).notes
    zero, three = notes[0], notes[1]
    assert zero.code == three.code == "disclosure.small_count"
    assert zero.message.replace("'c0'", "'c1'") == three.message
    assert {k: v for k, v in zero.details.items() if k not in ("column", "column_label")} == {
        k: v for k, v in three.details.items() if k not in ("column", "column_label")
    }


def test_an_all_small_table_hides_every_cell_and_publishes_its_safe_totals() -> None:
    t = table((2, 1, 3), (1, 2, 2), (3, 1, 1))
    published = suppress(t)
    assert all(v is None for row in published.cells for v in row)
    assert published.row_totals == (6, 5, 5)
    # column c1 totals 4: hidden, with a second column total, else 16 - 6 - 6 gives it away
    assert published.column_totals == (None, None, 6)
    assert published.secondary == ((3, 0),)
    assert published.total == 16
    assert recoverable(published) == ()


def test_a_one_way_table_hides_a_second_cell_not_the_total() -> None:
    t = CountTable(
        "Relapses", ("North", "South", "Lake", "Port"), ("relapses",), [[2], [14], [9], [30]]
    )
    published = suppress(t)
    assert [row[0] for row in published.cells] == [None, 14, None, 30]  # 9 is the smallest other
    assert published.total == 55
    assert published.primary == ((0, 0), (0, 1))  # the cell and its row total (the same count)
    assert recoverable(published) == ()


def test_a_single_line_with_one_non_zero_cell_hides_its_total_instead() -> None:
    t = CountTable("Deaths", ("North", "South", "Lake"), ("deaths",), [[3], [0], [0]])
    published = suppress(t)
    assert [row[0] for row in published.cells] == [None, 0, 0]
    assert published.column_totals == (None,)
    assert published.total is None
    assert recoverable(published) == ()
    row = CountTable("Deaths", ("all",), ("North", "South", "Lake"), [[0, 3, 0]])
    assert suppress(row).cells == ((0, None, 0),)
    assert suppress(row).total is None


def test_a_single_row_hides_a_second_cell_of_the_row() -> None:
    t = CountTable("Admissions", ("2026",), ("North", "South", "Lake"), [[3, 10, 12]])
    published = suppress(t)
    assert published.cells == ((None, None, 12),)
    assert published.row_totals == (25,)
    assert published.total == 25
    assert recoverable(published) == ()


@pytest.mark.parametrize(("count", "shown"), [(3, None), (5, 5), (0, 0)])
def test_a_table_of_one_cell(count: int, shown: int | None) -> None:
    published = suppress(table((count,)))
    assert published.cells == ((shown,),)
    assert published.total == shown
    assert recoverable(published) == ()


def test_notes_say_what_was_suppressed_and_why() -> None:
    t = CountTable(
        "Clients",
        ("North", "South", "Lake"),
        ("III", "IV", "V"),
        [[12, 9, 3], [20, 14, 11], [8, 15, 10]],
    )
    published = suppress(t)
    assert [n.code for n in published.notes] == [
        "disclosure.small_count",
        *["disclosure.complementary"] * 3,
    ]
    first = published.notes[0]
    assert first.message == "the count for 'North' and 'V' is under 5 and is not published"
    assert dict(first.details) == {
        "row": 0,
        "column": 2,
        "kind": "cell",
        "row_label": "North",
        "column_label": "V",
        "k": 5,
    }
    assert "cannot be recomputed" in published.notes[1].message
    positions = [(n.details["row"], n.details["column"]) for n in published.notes]
    assert positions == [*published.primary, *published.secondary]


def test_a_note_about_a_total_names_it() -> None:
    t = CountTable("Clients", ("North", "South"), ("men", "women"), [[1, 2], [20, 30]])
    notes = {(n.details["row"], n.details["column"]): n for n in suppress(t).notes}
    assert notes[(0, 2)].message == "the total of row 'North' is under 5 and is not published"
    assert notes[(0, 2)].details["kind"] == "row_total"
    assert notes[(0, 2)].details["column_label"] is None


def test_the_audit_finds_counts_pinned_by_a_remainder_of_zero() -> None:
    t = table((0, 0), (4, 6))
    everything_inside = {(0, 0), (0, 1), (1, 0), (1, 1)}
    # linear algebra alone leaves a free cycle; the row total 0 forces its cells to 0 and
    # then the column totals give the others
    assert recoverable(by_hand(t, everything_inside)) == ((0, 0), (0, 1), (1, 0), (1, 1))


def test_the_audit_finds_counts_pinned_by_several_lines_together() -> None:
    # rows r0 and r1 fill columns c0 and c1 exactly (10 + 10 = 6 + 14), so whatever
    # row r2 has hidden there must be 0, though no single line says so
    t = table((2, 8, 0), (4, 6, 0), (0, 0, 9))
    positions = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1), (2, 2), (0, 3), (3, 2)}
    found = recoverable(by_hand(t, positions))
    assert (2, 0) in found and (2, 1) in found
    assert (0, 0) not in found


def test_the_audit_refuses_a_table_whose_counts_contradict_each_other() -> None:
    t = table((12, 9, 3), (20, 14, 11))
    contradictory = SuppressedTable(
        "Clients",
        t.rows,
        t.columns,
        5,
        cells=[[12, 9, None], [20, 14, 11]],
        row_totals=[20, 45],  # 12 + 9 is already 21
        column_totals=[32, 23, 14],
        total=None,
        primary=[(0, 2)],
        secondary=[(2, 3)],
    )
    with pytest.raises(ValidationError) as caught:
        recoverable(contradictory)
    assert caught.value.paths == ("cells",)


@pytest.mark.parametrize(
    ("role", "whole"),
    [
        (Role.AGENCY, True),
        ("agency", True),
        (Role.ANTI_DRUG_COMMISSION, False),
        (Role.MUNICIPAL_DEPARTMENT, False),
        (Role.EMPLOYER, False),
    ],
)
def test_only_an_allowed_role_gets_the_unsuppressed_table(role: Role, whole: bool) -> None:
    t = table((12, 9, 3), (20, 14, 11), (8, 15, 10))
    result = publish(t, role)
    assert (result is t) is whole
    if not whole:
        assert result == suppress(t)


def test_a_policy_names_its_roles_its_threshold_and_its_zeros() -> None:
    t = table((12, 9, 3), (20, 14, 0), (8, 15, 10))
    policy = DisclosurePolicy(
        k=10, unsuppressed_roles=[Role.ANTI_DRUG_COMMISSION], publish_zeros=False
    )
    assert publish(t, Role.ANTI_DRUG_COMMISSION, policy) is t
    assert publish(t, Role.AGENCY, policy) == suppress(t, 10, publish_zeros=False)
    assert DisclosurePolicy(5, frozenset({Role.AGENCY}), True) == DEFAULT_POLICY


def test_to_rows_gives_tidy_rows_of_cells_and_totals() -> None:
    t = CountTable("Clients", ("North", "South"), ("men", "women"), [[12, 3], [20, 14]])
    rows = to_rows(suppress(t))
    assert len(rows) == 4 + 2 + 2 + 1
    assert rows[1] == {"row": "North", "column": "women", "value": None, "suppressed": True}
    assert rows[-1] == {"row": None, "column": None, "value": 49, "suppressed": False}
    assert all(set(r) == {"row", "column", "value", "suppressed"} for r in rows)
    whole = to_rows(t)
    assert [r["value"] for r in whole] == [12, 3, 20, 14, 15, 34, 32, 17, 49]
    assert not any(r["suppressed"] for r in whole)


# --- bad input --------------------------------------------------------------------------------


def test_a_count_table_reports_every_bad_part_at_its_path() -> None:
    with pytest.raises(ValidationError) as caught:
        CountTable(
            " ",
            ["North", "South", "North"],
            ["men", ""],
            [[1, 2], [3, -4], [5, 6, 7]],  # type: ignore[list-item]
        )
    assert caught.value.paths == (
        "title",
        "rows[2]",
        "columns[1]",
        "cells[1][1]",
        "cells[2]",
    )


@pytest.mark.parametrize(
    ("cells", "path"),
    [
        ([[1, 2]], "cells"),
        ([[1, 2], [3, 1.5]], "cells[1][1]"),
        ([[1, 2], [True, 4]], "cells[1][0]"),
        ([[1, 2], "34"], "cells[1]"),
        (None, "cells"),
    ],
)
def test_a_bad_cell_is_reported_at_its_path(cells: object, path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CountTable("Clients", ("North", "South"), ("men", "women"), cells)  # type: ignore[arg-type]
    assert caught.value.paths == (path,)


def test_labels_must_name_rows_and_columns() -> None:
    with pytest.raises(ValidationError) as caught:
        CountTable("Clients", (), "men", ())  # type: ignore[arg-type]
    assert caught.value.paths == ("rows", "columns")


def test_bad_arguments_are_reported_at_their_names() -> None:
    t = table((1, 2))
    with pytest.raises(ValidationError) as caught:
        suppress("table", 0, publish_zeros="yes")  # type: ignore[arg-type]
    assert caught.value.paths == ("table", "k", "publish_zeros")
    with pytest.raises(ValidationError) as caught:
        publish(t, "nobody", policy="open")  # type: ignore[arg-type]
    assert caught.value.paths == ("role", "policy")
    with pytest.raises(ValidationError) as caught:
        recoverable(t)  # type: ignore[arg-type]
    assert caught.value.paths == ("published",)
    with pytest.raises(ValidationError) as caught:
        to_rows([[1]])  # type: ignore[arg-type]
    assert caught.value.paths == ("table",)
    with pytest.raises(ValidationError) as caught:
        DisclosurePolicy(k=True, unsuppressed_roles=Role.AGENCY, publish_zeros=1)  # type: ignore[arg-type]
    assert caught.value.paths == ("k", "unsuppressed_roles", "publish_zeros")


def test_a_suppressed_table_lists_what_it_hides_and_adds_up() -> None:
    t = table((12, 9, 3), (20, 14, 11))
    good = by_hand(t, {(0, 2), (0, 1), (1, 1), (1, 2)})
    assert recoverable(good) == ()
    with pytest.raises(ValidationError) as caught:
        attrs_evolve(good, primary=[(0, 2), (0, 1), (1, 1), (1, 2), (5, 0)], secondary=[(0, 2)])
    assert caught.value.paths == ("primary[4]", "secondary[0]")
    with pytest.raises(ValidationError) as caught:
        attrs_evolve(good, primary=[(0, 2), (0, 1), (1, 1), (0, 0)])
    assert caught.value.paths == ("cells[0][0]", "cells[1][2]")
    with pytest.raises(ValidationError) as caught:
        attrs_evolve(good, column_totals=(33, 23, 14))  # 12 + 20 is 32; 33 + 23 + 14 is not 69
    assert caught.value.paths == ("total", "column_totals[0]")
    with pytest.raises(ValidationError) as caught:
        attrs_evolve(good, row_totals=(24,), total=-1, k=0, notes=("hidden",))
    assert caught.value.paths == ("k", "row_totals", "total", "notes[0]")


def test_a_suppressed_table_reads_positions_written_as_lists() -> None:
    t = table((12, 9, 3), (20, 14, 11))
    good = by_hand(t, {(0, 2), (0, 1), (1, 1), (1, 2)})
    assert attrs_evolve(good, primary=[[0, 1], [0, 2], [1, 1], [1, 2]]) == good


def attrs_evolve(t: SuppressedTable, **changes: object) -> SuppressedTable:
    import attrs

    return attrs.evolve(t, **changes)  # type: ignore[arg-type]


# --- properties over random tables -------------------------------------------------------------


@given(count_tables(), ks(), st.booleans())
def test_no_published_count_is_under_k(t: CountTable, k: int, zeros: bool) -> None:
    published = suppress(t, k, publish_zeros=zeros)
    for row in bordered(published):
        for value in row:
            assert value is None or value >= k or (value == 0 and zeros)


@given(count_tables(), ks(), st.booleans())
def test_no_suppressed_count_can_be_recovered(t: CountTable, k: int, zeros: bool) -> None:
    assert recoverable(suppress(t, k, publish_zeros=zeros)) == ()


@given(count_tables(), ks(), st.booleans())
def test_published_counts_are_the_original_counts(t: CountTable, k: int, zeros: bool) -> None:
    published = suppress(t, k, publish_zeros=zeros)
    for original, shown in zip(bordered(t), bordered(published), strict=True):
        for a, b in zip(original, shown, strict=True):
            assert b is None or a == b
    assert (published.title, published.rows, published.columns) == (t.title, t.rows, t.columns)


@given(count_tables(), ks(), st.booleans())
def test_primary_are_the_small_counts_and_secondary_are_not(
    t: CountTable, k: int, zeros: bool
) -> None:
    published = suppress(t, k, publish_zeros=zeros)
    grid = bordered(t)
    small = {
        (i, j)
        for i, row in enumerate(grid)
        for j, v in enumerate(row)
        if v is not None and (0 < v < k or (v == 0 and not zeros))
    }
    assert set(published.primary) == small
    assert all(grid[i][j] >= k for i, j in published.secondary)  # type: ignore[operator]
    assert hidden(published) == small | set(published.secondary)


@given(count_tables(), ks(), st.booleans())
def test_notes_list_every_suppressed_position_once(t: CountTable, k: int, zeros: bool) -> None:
    published = suppress(t, k, publish_zeros=zeros)
    noted = [(n.details["row"], n.details["column"]) for n in published.notes]
    assert noted == [*published.primary, *published.secondary]
    assert {n.code for n in published.notes[: len(published.primary)]} <= {"disclosure.small_count"}


@given(count_tables(), ks(), st.booleans(), st.data())
def test_suppression_is_deterministic_and_reads_only_the_counts(
    t: CountTable, k: int, zeros: bool, data: st.DataObject
) -> None:
    first = suppress(t, k, publish_zeros=zeros)
    assert suppress(t, k, publish_zeros=zeros) == first
    relabelled = CountTable(
        "Other title",
        tuple(f"row {i}" for i in range(len(t.rows))),
        tuple(f"column {j}" for j in range(len(t.columns))),
        t.cells,
    )
    again = suppress(relabelled, k, publish_zeros=zeros)
    assert (again.primary, again.secondary) == (first.primary, first.secondary)
    assert again.cells == first.cells


@given(disclosure_policies(), st.sampled_from(list(Role)), count_tables())
def test_publish_follows_the_policy(policy: DisclosurePolicy, role: Role, t: CountTable) -> None:
    result = publish(t, role, policy)
    if role in policy.unsuppressed_roles:
        assert result is t
    else:
        assert result == suppress(t, policy.k, publish_zeros=policy.publish_zeros)


@given(count_tables(), ks())
def test_to_rows_reads_back_the_bordered_table(t: CountTable, k: int) -> None:
    published = suppress(t, k)
    rows = to_rows(published)
    values = {(r["row"], r["column"]): r["value"] for r in rows}
    labels_r, labels_c = [*t.rows, None], [*t.columns, None]
    for i, row in enumerate(bordered(published)):
        for j, v in enumerate(row):
            assert values[(labels_r[i], labels_c[j])] == v
    assert all(r["suppressed"] == (r["value"] is None) for r in rows)


# --- the audit against brute force --------------------------------------------------------------


@st.composite
def small_patterns(draw: st.DrawFn) -> tuple[CountTable, set[tuple[int, int]]]:
    """A table of at most four cells of 0 to 3 and any set of hidden positions."""
    n_rows, n_columns = draw(st.sampled_from([(1, 1), (1, 2), (2, 1), (1, 3), (3, 1), (2, 2)]))
    cells = draw(
        st.lists(
            st.lists(st.integers(0, 3), min_size=n_columns, max_size=n_columns).map(tuple),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    positions = [(i, j) for i in range(n_rows + 1) for j in range(n_columns + 1)]
    chosen = draw(st.sets(st.sampled_from(positions), min_size=1))
    return table(*cells), chosen


def determined_by_enumeration(
    t: CountTable, positions: set[tuple[int, int]]
) -> set[tuple[int, int]]:
    """Try every value of the hidden cells up to one above the largest count: a hidden count
    that can take another value can take one differing by 1 (shift along one cycle)."""
    truth = bordered(t)
    unknown = [(i, j) for i, j in sorted(positions) if i < len(t.rows) and j < len(t.columns)]
    top = max(max(row) for row in t.cells) + 1
    seen: dict[tuple[int, int], set[int]] = {p: set() for p in positions}
    for values in itertools.product(range(top + 1), repeat=len(unknown)):
        cells = [list(row) for row in t.cells]
        for (i, j), v in zip(unknown, values, strict=True):
            cells[i][j] = v
        grid = bordered(table(*(tuple(row) for row in cells)))
        if all(
            grid[i][j] == truth[i][j]
            for i in range(len(grid))
            for j in range(len(grid[0]))
            if (i, j) not in positions
        ):
            for i, j in positions:
                seen[(i, j)].add(grid[i][j])  # type: ignore[arg-type]
    return {p for p, values in seen.items() if len(values) == 1}


@given(small_patterns())
def test_the_audit_finds_exactly_the_counts_a_reader_can_pin_down(
    pattern: tuple[CountTable, set[tuple[int, int]]],
) -> None:
    t, positions = pattern
    assert set(recoverable(by_hand(t, positions))) == determined_by_enumeration(t, positions)
