"""Reasons and decisions: how every rule of the library says yes, or no and why.

A rule never answers with a bare ``False``. It answers with a :class:`Decision`
whose :attr:`~Decision.reasons` name every unmet condition, each with a stable
machine-readable ``code``, a human ``message`` and ``details`` for programs.
Checks are combined with :func:`all_of` (or ``&``) so that every unmet
condition is reported, never only the first:

>>> from resocialize.rules import check, all_of
>>> has_consent, has_program = False, False
>>> decision = all_of(
...     check(has_consent, "consent.missing", "informed consent is not given"),
...     check(has_program, "program.missing", "no individual program is recorded"),
... )
>>> decision.allowed
False
>>> [r.code for r in decision.reasons]
['consent.missing', 'program.missing']
>>> decision.raise_if_refused()
Traceback (most recent call last):
...
resocialize.errors.RuleViolation: refused: informed consent is not given [consent.missing]; no individual program is recorded [program.missing]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

import attrs

from .errors import RuleViolation, ValidationError

__all__ = ["ALLOWED", "Decision", "Detail", "Reason", "all_of", "check", "refuse"]

Detail = str | int | bool | None
"""A value in a reason's details: JSON scalars only, so reasons serialize as they are."""

_SCALARS: Final = (str, int, bool)
_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


def _details(value: Mapping[str, Detail] | None) -> Mapping[str, Detail]:
    if value is None:
        return MappingProxyType({})
    items = dict(value)
    for key, item in items.items():
        if not isinstance(key, str):
            raise ValidationError.at("details", f"keys must be strings, not {type(key).__name__}")
        if item is not None and not isinstance(item, _SCALARS):
            raise ValidationError.at(
                f"details.{key}",
                f"must be a string, integer, boolean or None, not {type(item).__name__}",
            )
    return MappingProxyType(items)


def _valid_code(instance: Reason, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _CODE.match(value):
        raise ValidationError.at(
            "code", f"must be dotted lower-case words like 'consent.missing', not {value!r}"
        )


def _valid_message(instance: Reason, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError.at("message", "must be a non-empty string")


@attrs.frozen
class Reason:
    """Why a condition is unmet: a stable ``code``, a human ``message``, and ``details``.

    Codes are dotted lower-case words (``certificate.expired``); programs match on
    them, people read the message. Details hold the facts behind the message.

    >>> Reason("center.no_free_place", "the center has no free place", {"center": "c-1"})
    Reason(code='center.no_free_place', message='the center has no free place', details={'center': 'c-1'})
    """

    code: str = attrs.field(validator=_valid_code)
    message: str = attrs.field(validator=_valid_message)
    details: Mapping[str, Detail] = attrs.field(
        factory=dict, converter=_details, eq=False, hash=False, repr=lambda d: repr(dict(d))
    )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reason):
            return NotImplemented
        return (self.code, self.message, dict(self.details)) == (
            other.code,
            other.message,
            dict(other.details),
        )

    def __hash__(self) -> int:
        return hash((self.code, self.message, tuple(sorted(self.details.items(), key=str))))

    def __reduce__(self) -> tuple[type[Reason], tuple[str, str, dict[str, Detail]]]:
        # the read-only details mapping cannot be pickled itself; rebuild it on load
        return (type(self), (self.code, self.message, dict(self.details)))


def _reasons(value: Iterable[Reason]) -> tuple[Reason, ...]:
    reasons = tuple(value)
    for i, reason in enumerate(reasons):
        if not isinstance(reason, Reason):
            raise ValidationError.at(
                f"reasons[{i}]", f"must be a Reason, not {type(reason).__name__}"
            )
    return reasons


@attrs.frozen
class Decision:
    """The answer of a rule: allowed when no reason stands against it.

    ``reasons`` lists every unmet condition. A decision is truthy when allowed.

    >>> bool(ALLOWED), bool(refuse("x.y", "no"))
    (True, False)
    """

    reasons: tuple[Reason, ...] = attrs.field(default=(), converter=_reasons)

    @property
    def allowed(self) -> bool:
        """True when no condition is unmet."""
        return not self.reasons

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the unmet conditions, in order."""
        return tuple(r.code for r in self.reasons)

    def __bool__(self) -> bool:
        return self.allowed

    def __and__(self, other: Decision) -> Decision:
        return Decision(self.reasons + other.reasons)

    def raise_if_refused(self) -> None:
        """Raise :class:`~resocialize.errors.RuleViolation` carrying every reason, if refused."""
        if self.reasons:
            raise RuleViolation(self.reasons)


ALLOWED: Final = Decision()
"""The decision with no reason against it."""


def refuse(code: str, message: str, **details: Detail) -> Decision:
    """A decision refused for one reason."""
    return Decision((Reason(code, message, details),))


def check(condition: bool, code: str, message: str, **details: Detail) -> Decision:
    """Allowed when ``condition`` holds, else refused with this reason."""
    return ALLOWED if condition else refuse(code, message, **details)


def all_of(*decisions: Decision | Iterable[Decision]) -> Decision:
    """Combine decisions so that every unmet condition of every one is reported."""
    reasons: list[Reason] = []
    for item in decisions:
        if isinstance(item, Decision):
            reasons.extend(item.reasons)
        else:
            for decision in item:
                reasons.extend(decision.reasons)
    return Decision(tuple(reasons)) if reasons else ALLOWED
