"""The library's errors: one base, and one kind for each way an operation can fail.

- :class:`RuleViolation`: a domain rule refused the operation. It carries a
  :class:`~resocialize.rules.Reason` for *every* unmet condition, not only the
  first, and the refused operation changed nothing.
- :class:`ValidationError`: the input itself is malformed (a float where money
  belongs, a naive datetime, a JSON document with a wrong field). It carries the
  path and message of every bad field.
- :class:`PermissionDenied`: the acting role may not run the command or read the
  field (used by the access policy).

All three derive from :class:`ResocializeError`, so an application can catch
every refusal of the library with one ``except`` clause. ``ValidationError``
also derives from :class:`ValueError`, as bad input conventionally does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from .rules import Reason

__all__ = [
    "FieldProblem",
    "PermissionDenied",
    "ResocializeError",
    "RuleViolation",
    "ValidationError",
]


class ResocializeError(Exception):
    """Base of every error the library raises on purpose."""


class RuleViolation(ResocializeError):
    """A domain rule refused the operation; ``reasons`` lists every unmet condition.

    >>> from resocialize.rules import Reason
    >>> err = RuleViolation([Reason("consent.missing", "informed consent is not given")])
    >>> err.codes
    ('consent.missing',)
    >>> print(err)
    refused: informed consent is not given [consent.missing]
    """

    def __init__(self, reasons: Iterable[Reason]) -> None:
        self.reasons: tuple[Reason, ...] = tuple(reasons)
        if not self.reasons:
            raise ValueError("a RuleViolation needs at least one reason")
        super().__init__(self._text())

    @property
    def codes(self) -> tuple[str, ...]:
        """The machine-readable codes of the reasons, in order."""
        return tuple(r.code for r in self.reasons)

    def _text(self) -> str:
        return "refused: " + "; ".join(f"{r.message} [{r.code}]" for r in self.reasons)

    def __reduce__(self) -> tuple[type[RuleViolation], tuple[tuple[Reason, ...]]]:
        return (type(self), (self.reasons,))


@attrs.frozen
class FieldProblem:
    """One bad field: where it is (``$.history[2].at``) and what is wrong with it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ValidationError(ResocializeError, ValueError):
    """Input is malformed; ``problems`` holds the path and message of every bad field.

    >>> err = ValidationError.at("amount", "must be a Decimal, not float")
    >>> err.paths
    ('amount',)
    >>> print(err)
    invalid input: amount: must be a Decimal, not float
    """

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("a ValidationError needs at least one problem")
        super().__init__("invalid input: " + "; ".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: str, message: str) -> ValidationError:
        """One problem at one path."""
        return cls([FieldProblem(path, message)])

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths of the bad fields, in order."""
        return tuple(p.path for p in self.problems)

    def under(self, prefix: str) -> ValidationError:
        """The same problems with ``prefix`` put before each path (for nested values)."""
        return ValidationError(
            FieldProblem(_join(prefix, p.path), p.message) for p in self.problems
        )

    def __reduce__(self) -> tuple[type[ValidationError], tuple[tuple[FieldProblem, ...]]]:
        return (type(self), (self.problems,))


class PermissionDenied(ResocializeError):
    """The actor's role may not do this; ``reasons`` says which rule of the policy refused."""

    def __init__(self, actor: str, action: str, reasons: Sequence[Reason]) -> None:
        self.actor = actor
        self.action = action
        self.reasons: tuple[Reason, ...] = tuple(reasons)
        detail = "; ".join(f"{r.message} [{r.code}]" for r in self.reasons)
        super().__init__(f"{actor} may not {action}" + (f": {detail}" if detail else ""))

    def __reduce__(self) -> tuple[type[PermissionDenied], tuple[str, str, tuple[Reason, ...]]]:
        return (type(self), (self.actor, self.action, self.reasons))


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path or path == "$":
        return prefix
    if path.startswith("$"):
        path = path[1:]
    if path.startswith(("[", ".")):
        return prefix + path
    return f"{prefix}.{path}"
