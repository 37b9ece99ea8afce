"""Qualification of centers against a region's criteria (RG-02, RG-05, RG-06).

A region's criteria are data. :func:`qualify` evaluates every criterion for a
center on a date and returns a :class:`QualificationResult` with a pass or fail
and a reason for each one.
"""

from __future__ import annotations

from datetime import date

import attrs

from .rules import Decision, Reason

__all__ = ["CriterionOutcome", "QualificationResult"]


@attrs.frozen
class CriterionOutcome:
    """How one criterion went for one center on one date; the reason explains either way."""

    code: str
    """The criterion's code, e.g. ``certification.valid``."""
    description: str
    passed: bool
    reason: Reason


@attrs.frozen
class QualificationResult:
    """Every criterion's outcome for one center on one date."""

    center_id: str
    on: date
    outcomes: tuple[CriterionOutcome, ...]

    @property
    def qualified(self) -> bool:
        """True when every criterion passed."""
        return all(o.passed for o in self.outcomes)

    @property
    def failed(self) -> tuple[CriterionOutcome, ...]:
        """The criteria that failed."""
        return tuple(o for o in self.outcomes if not o.passed)

    @property
    def decision(self) -> Decision:
        """Allowed when qualified; otherwise refused with the reason of every failed criterion."""
        return Decision(tuple(o.reason for o in self.outcomes if not o.passed))
