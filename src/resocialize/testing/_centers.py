"""Hypothesis strategies for centers, their programs, certifications and inspections."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from resocialize.centers import (
    SERVICE_STAGES,
    Center,
    Certification,
    CertificationChange,
    ChangeKind,
    Finding,
    FindingArea,
    Inspection,
    Licence,
    LicenceKind,
    Program,
    Qualification,
    Scheme,
    Setting,
    Severity,
    StaffCount,
)
from resocialize.money import Money
from resocialize.organizations import OwnershipForm

__all__ = [
    "center_ids",
    "centers",
    "certifications",
    "findings",
    "inspections",
    "licences",
    "programs",
    "staff",
]

_FIRST = date(2015, 1, 1)
_LAST = date(2035, 12, 31)
_days = st.dates(min_value=_FIRST, max_value=_LAST)
_ids = st.from_regex(r"[a-z]{1,6}-[0-9]{1,4}", fullmatch=True)


def center_ids() -> st.SearchStrategy[str]:
    """Ids of centers like ``svet-12``."""
    return _ids


def programs(currency: str = "RUB") -> st.SearchStrategy[Program]:
    """Valid programs of stage III, IV or V."""
    return st.builds(
        Program,
        id=_ids,
        stage=st.sampled_from(sorted(SERVICE_STAGES)),
        duration_days=st.integers(1, 540),
        price=st.integers(0, 500_000).map(lambda n: Money.of(n, currency)),
        places=st.integers(0, 60),
        setting=st.sampled_from(list(Setting)),
        minimum_age=st.sampled_from([14, 16, 18]),
        technologies=st.frozensets(
            st.sampled_from(["labour_therapy", "art_therapy", "support_groups", "mediation"])
        ),
        medical=st.booleans(),
    )


def staff() -> st.SearchStrategy[tuple[StaffCount, ...]]:
    """Staff counts, each qualification at most once."""
    return st.dictionaries(st.sampled_from(list(Qualification)), st.integers(0, 12)).map(
        lambda d: tuple(StaffCount(q, n) for q, n in sorted(d.items()))
    )


@st.composite
def licences(draw: st.DrawFn) -> Licence:
    """Licences valid from a date, sometimes until a date, sometimes revoked."""
    start = draw(_days)
    until = draw(st.one_of(st.none(), st.integers(0, 3650).map(lambda n: start + timedelta(n))))
    revoked = draw(st.one_of(st.none(), st.integers(0, 3650).map(lambda n: start + timedelta(n))))
    return Licence(
        draw(st.sampled_from(list(LicenceKind))), "L-1", "health-1", start, until, revoked
    )


@st.composite
def certifications(draw: st.DrawFn) -> Certification:
    """Certifications with status changes in date order."""
    issued = draw(_days)
    until = issued + timedelta(days=draw(st.integers(0, 5 * 365)))
    offsets = sorted(draw(st.lists(st.integers(0, 6 * 365), max_size=4)))
    kinds = draw(
        st.lists(st.sampled_from(list(ChangeKind)), min_size=len(offsets), max_size=len(offsets))
    )
    changes = tuple(
        CertificationChange(issued + timedelta(days=n), kind, "decision", "cert-body-1")
        for n, kind in zip(offsets, kinds, strict=True)
    )
    scope = draw(st.frozensets(st.sampled_from(sorted(SERVICE_STAGES)), min_size=1))
    scheme = draw(st.sampled_from(list(Scheme)))
    return Certification(draw(_ids), "cert-body-1", scheme, issued, until, scope, changes)


@st.composite
def findings(draw: st.DrawFn, on: date) -> Finding:
    """A finding of an inspection made ``on`` that day."""
    deadline = draw(st.one_of(st.none(), st.integers(0, 365).map(lambda n: on + timedelta(n))))
    resolved = draw(st.one_of(st.none(), st.integers(0, 730).map(lambda n: on + timedelta(n))))
    return Finding(
        draw(_ids),
        draw(st.sampled_from(list(FindingArea))),
        draw(st.sampled_from(list(Severity))),
        "finding",
        deadline,
        resolved,
    )


@st.composite
def inspections(draw: st.DrawFn) -> Inspection:
    """Inspections with zero to four findings."""
    on = draw(_days)
    found = draw(st.lists(findings(on), max_size=4, unique_by=lambda f: f.code))
    return Inspection(draw(_ids), on, "inspectorate-1", tuple(found))


@st.composite
def centers(draw: st.DrawFn, currency: str = "RUB") -> Center:
    """Valid centers of every ownership form."""
    progs = draw(st.lists(programs(currency), max_size=4, unique_by=lambda p: p.id))
    return Center(
        id=draw(_ids),
        name="Center",
        ownership=draw(st.sampled_from(list(OwnershipForm))),
        municipality=draw(st.sampled_from(["North", "South", "Center", "Lake"])),
        programs=tuple(progs),
        staff=draw(staff()),
        licences=tuple(draw(st.lists(licences(), max_size=2))),
        certifications=tuple(draw(st.lists(certifications(), max_size=2))),
        inspections=tuple(draw(st.lists(inspections(), max_size=2))),
        halfway_house_places=draw(st.integers(0, 20)),
        agricultural_community_places=draw(st.integers(0, 20)),
    )
