"""Hypothesis strategies for monitoring: cost effectiveness rows, complaints, audits (CF-08, CF-09).

Every value is valid by construction: complaints are resolved on or after their
filing, audits' findings agree with their outcome, and summaries are counted by
:func:`~resocialize.monitoring.quality_summary` itself.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from resocialize.money import Money
from resocialize.monitoring import (
    Audit,
    AuditFinding,
    AuditKind,
    AuditOutcome,
    ComplainantRole,
    Complaint,
    ComplaintCategory,
    CostEffectiveness,
    QualityRecord,
    QualitySummary,
    QualityThresholds,
    Resolution,
    Severity,
    quality_summary,
)

__all__ = [
    "audit_findings",
    "audits",
    "complaints",
    "cost_effectiveness_rows",
    "quality_records",
    "quality_summaries",
    "quality_thresholds",
]

_FIRST = date(2020, 1, 1)
_LAST = date(2030, 12, 31)
_days = st.dates(min_value=_FIRST, max_value=_LAST)
_ids = st.from_regex(r"[a-z]{1,6}-[0-9]{1,4}", fullmatch=True)
_CENTERS = ("center-1", "center-2", "center-3")

_PHRASES = (
    "charged for days the client was away",
    "no access to a doctor for a week",
    "телефон отобрали при поступлении",
    "room unheated in January",
    "family not told about the transfer",
    "program sessions cancelled 3 times",
)
_LETTERS = "abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюяčćšžđ"


def _texts() -> st.SearchStrategy[str]:
    """Short one-line texts with no long numbers nor e-mail addresses."""
    words = st.text(_LETTERS, min_size=1, max_size=12)
    made = st.lists(words, min_size=1, max_size=8).map(" ".join)
    return st.one_of(st.sampled_from(_PHRASES), made)


def cost_effectiveness_rows() -> st.SearchStrategy[CostEffectiveness]:
    """Rows of cost effectiveness: paid money and counts that agree."""

    @st.composite
    def rows(draw: st.DrawFn) -> CostEffectiveness:
        certificates = draw(st.integers(0, 30))
        cents = draw(st.integers(1, 10**10)) if certificates else 0
        return CostEffectiveness(
            draw(st.one_of(st.none(), st.sampled_from(_CENTERS))),
            draw(st.one_of(st.none(), st.sampled_from(("regional", "federal", "city")))),
            draw(_days),
            (Money.of(cents, "RUB") / 100).rounded(),
            certificates,
            draw(st.integers(0, certificates)),
            draw(st.integers(0, certificates)),
        )

    return rows()


def complaints(centers: tuple[str, ...] = _CENTERS) -> st.SearchStrategy[Complaint]:
    """Complaints, open or resolved up to a year after filing."""

    @st.composite
    def build(draw: st.DrawFn) -> Complaint:
        filed_on = draw(_days)
        resolution = draw(st.sampled_from(Resolution))
        resolved_on = None
        if resolution is not Resolution.OPEN:
            resolved_on = filed_on + timedelta(days=draw(st.integers(0, 365)))
        return Complaint(
            draw(_ids),
            draw(st.sampled_from(centers)),
            filed_on,
            draw(st.sampled_from(ComplainantRole)),
            draw(st.sampled_from(ComplaintCategory)),
            draw(_texts()),
            certificate_id=draw(st.one_of(st.none(), _ids)),
            resolution=resolution,
            resolved_on=resolved_on,
        )

    return build()


def audit_findings(
    severities: tuple[Severity, ...] = tuple(Severity),
) -> st.SearchStrategy[AuditFinding]:
    """Findings of audits of the given severities."""
    return st.builds(AuditFinding, st.sampled_from(severities), _texts())


def audits(centers: tuple[str, ...] = _CENTERS) -> st.SearchStrategy[Audit]:
    """Audits whose findings agree with their outcome."""

    @st.composite
    def build(draw: st.DrawFn) -> Audit:
        outcome = draw(st.sampled_from(AuditOutcome))
        if outcome is AuditOutcome.PASSED:
            findings: list[AuditFinding] = []
        elif outcome is AuditOutcome.PASSED_WITH_REMARKS:
            mild = (Severity.MINOR, Severity.MAJOR)
            findings = draw(st.lists(audit_findings(mild), min_size=1, max_size=3))
        else:
            findings = draw(st.lists(audit_findings(), max_size=3))
        return Audit(
            draw(_ids),
            draw(st.sampled_from(centers)),
            draw(_days),
            draw(_ids),
            draw(st.sampled_from(AuditKind)),
            outcome,
            tuple(findings),
        )

    return build()


def quality_records(
    max_size: int = 12, centers: tuple[str, ...] = _CENTERS
) -> st.SearchStrategy[list[QualityRecord]]:
    """Lists of complaints and audits about a few centers."""
    record: st.SearchStrategy[QualityRecord] = st.one_of(complaints(centers), audits(centers))
    return st.lists(record, max_size=max_size)


def quality_summaries() -> st.SearchStrategy[QualitySummary]:
    """Summaries counted by :func:`~resocialize.monitoring.quality_summary` over a period."""

    @st.composite
    def build(draw: st.DrawFn) -> QualitySummary:
        start, end = sorted(draw(st.lists(_days, min_size=2, max_size=2)))
        as_of = end + timedelta(days=draw(st.integers(0, 400)))
        center = draw(st.one_of(st.none(), st.sampled_from(_CENTERS)))
        records = draw(quality_records())
        return quality_summary(records, start=start, end=end, as_of=as_of, center_id=center)

    return build()


def quality_thresholds() -> st.SearchStrategy[QualityThresholds]:
    """Thresholds of quality concerns."""
    return st.builds(QualityThresholds, st.integers(0, 20), st.integers(0, 365))
