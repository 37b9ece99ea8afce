"""Checks of input shared by the value modules: each says why a value is bad, or nothing.

``*_problem`` functions return the message for a bad value, or ``None``; the
``Problems`` collector gathers every bad field of one value and raises once; the
``Checked`` mixin runs the checks named in attrs field metadata after init, so a
value with several bad fields reports them all.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Final, TypeVar

import attrs

from .errors import FieldProblem, ValidationError

MAX_ID_LENGTH: Final = 64

T = TypeVar("T")


class Problems:
    """Collects every bad field of one value before raising once."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(FieldProblem(path, message))

    def check(self, path: str, problem: str | None) -> None:
        """Add ``problem`` at ``path`` when there is one."""
        if problem is not None:
            self.items.append(FieldProblem(path, problem))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationError(self.items)


def id_problem(value: object) -> str | None:
    """Why ``value`` is not a valid id (non-empty, no whitespace, at most 64 characters)."""
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    if not value:
        return "must not be empty"
    if any(ch.isspace() for ch in value):
        return "must not contain whitespace"
    if len(value) > MAX_ID_LENGTH:
        return f"must be at most {MAX_ID_LENGTH} characters, not {len(value)}"
    return None


def text_problem(value: object) -> str | None:
    """Why ``value`` is not a non-empty string."""
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    if not value.strip():
        return "must not be empty"
    return None


def date_problem(value: object) -> str | None:
    """Why ``value`` is not a calendar date (a datetime is not one)."""
    if isinstance(value, datetime):
        return "must be a date, not a datetime"
    if not isinstance(value, date):
        return f"must be a date, not {type(value).__name__}"
    return None


def instant_problem(value: object) -> str | None:
    """Why ``value`` is not a timezone-aware datetime."""
    if not isinstance(value, datetime):
        return f"must be a datetime, not {type(value).__name__}"
    if value.tzinfo is None or value.utcoffset() is None:
        return "must be timezone-aware"
    return None


def checked(problem: Callable[[object], str | None]) -> dict[str, Any]:
    """Field metadata: the check :class:`Checked` runs on the field's value."""
    return {"check": problem}


def optional(problem: Callable[[object], str | None]) -> Callable[[object], str | None]:
    """The same check, letting ``None`` pass."""

    def check(value: object) -> str | None:
        return None if value is None else problem(value)

    return check


def count_problem(value: object) -> str | None:
    """A whole number of things, zero or more (``True`` is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return "must be a non-negative integer"
    return None


def bool_problem(value: object) -> str | None:
    """Why ``value`` is not a bool."""
    return None if isinstance(value, bool) else f"must be a boolean, not {type(value).__name__}"


def member_problem(kind: type[enum.Enum]) -> Callable[[object], str | None]:
    """A check that the value is a member of the enum ``kind``."""
    choices = ", ".join(str(m.value) for m in kind)

    def check(value: object) -> str | None:
        return None if isinstance(value, kind) else f"must be one of {choices}, not {value!r}"

    return check


def instance_problem(kind: type) -> Callable[[object], str | None]:
    """A check that the value is an instance of ``kind``."""

    def check(value: object) -> str | None:
        if isinstance(value, kind):
            return None
        return f"must be a {kind.__name__}, not {type(value).__name__}"

    return check


class Checked:
    """Mixin for attrs values: after init, check every field and report every bad one.

    Fields name their check in metadata (``attrs.field(metadata=checked(text_problem))``);
    a class adds whole-value rules in ``_more_problems``. One
    :class:`~resocialize.errors.ValidationError` lists them all.
    """

    __slots__ = ()

    def __attrs_post_init__(self) -> None:
        problems = Problems()
        for field in attrs.fields(type(self)):  # type: ignore[arg-type]
            check = field.metadata.get("check")
            if check is not None:
                problems.check(field.name, check(getattr(self, field.name)))
        if not problems.items:
            self._more_problems(problems)
        problems.raise_if_any()

    def _more_problems(self, problems: Problems) -> None:
        """Rules about the whole value, checked once every field is well formed."""


def unchecked(cls: type[T], **values: object) -> T:
    """A frozen attrs value built from parts that are already checked, without checking
    them again: for the hot paths of operations that change one part of a large value."""
    value = object.__new__(cls)
    for name, item in values.items():
        object.__setattr__(value, name, item)
    return value


def kind_of(value: object, *, toml: bool = False) -> str:
    """What ``value`` is, as the author of a JSON (or TOML) document would say it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list" if toml else "an array"
    if isinstance(value, Mapping):
        return "a table" if toml else "an object"
    return f"a {type(value).__name__}"
