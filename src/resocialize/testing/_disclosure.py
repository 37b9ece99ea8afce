"""Hypothesis strategies for count tables, suppressed tables and disclosure policies (MR-04).

Every value is valid by construction: labels are unique, cells have the shape of
the labels, and suppressed tables come from :func:`~resocialize.disclosure.suppress`.
Counts are drawn from 0 to 60, half of them from 0 to 9 so that small cells (and
zeros) are common.
"""

from __future__ import annotations

from hypothesis import strategies as st

from resocialize.disclosure import CountTable, DisclosurePolicy, SuppressedTable, suppress
from resocialize.organizations import Role

__all__ = ["count_tables", "counts", "disclosure_policies", "ks", "suppressed_tables"]

_ROWS = ("North", "South", "Lake", "Hills", "Port", "Center", "Forest", "River")
_COLUMNS = ("I", "II", "III", "IV", "V", "men", "women", "under 18", "18-29", "30+")


def counts(max_count: int = 60) -> st.SearchStrategy[int]:
    """Counts from 0 to ``max_count``, small ones (0 to 9) half of the time."""
    return st.one_of(st.integers(0, min(9, max_count)), st.integers(0, max_count))


def ks() -> st.SearchStrategy[int]:
    """Thresholds from 2 to 10."""
    return st.integers(2, 10)


@st.composite
def count_tables(
    draw: st.DrawFn, max_rows: int = 6, max_columns: int = 6, max_count: int = 60
) -> CountTable:
    """Tables of 1 to ``max_rows`` rows and 1 to ``max_columns`` columns (at most 8 and 10)."""
    n_rows = draw(st.integers(1, min(max_rows, len(_ROWS))))
    n_columns = draw(st.integers(1, min(max_columns, len(_COLUMNS))))
    rows = draw(st.permutations(_ROWS))[:n_rows]
    columns = draw(st.permutations(_COLUMNS))[:n_columns]
    cells = draw(
        st.lists(
            st.lists(counts(max_count), min_size=n_columns, max_size=n_columns).map(tuple),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    return CountTable(draw(st.sampled_from(("Admissions", "Relapses, 2026"))), rows, columns, cells)


def suppressed_tables() -> st.SearchStrategy[SuppressedTable]:
    """Tables as :func:`~resocialize.disclosure.suppress` publishes them."""
    return st.builds(
        lambda table, k, zeros: suppress(table, k, publish_zeros=zeros),
        count_tables(),
        ks(),
        st.booleans(),
    )


def disclosure_policies() -> st.SearchStrategy[DisclosurePolicy]:
    """Policies with any threshold and any set of roles that see whole tables."""
    return st.builds(
        DisclosurePolicy,
        k=ks(),
        unsuppressed_roles=st.frozensets(st.sampled_from(list(Role))),
        publish_zeros=st.booleans(),
    )
