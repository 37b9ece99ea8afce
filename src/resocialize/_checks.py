"""Checks of input shared by the value modules: each says why a value is bad, or nothing.

``*_problem`` functions return the message for a bad value, or ``None``; the
``Problems`` collector gathers every bad field of one value and raises once; the
attrs validators raise :class:`~resocialize.errors.ValidationError` at the field.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final

import attrs

from .errors import FieldProblem, ValidationError

MAX_ID_LENGTH: Final = 64


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


Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _validator(problem: Callable[[object], str | None]) -> Validator:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        message = problem(value)
        if message is not None:
            raise ValidationError.at(attribute.name, message)

    return validate


text: Final = _validator(text_problem)
"""attrs validator: a non-empty string."""
day: Final = _validator(date_problem)
"""attrs validator: a date, not a datetime."""


def optional_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a non-empty string or None."""
    if value is not None:
        text(instance, attribute, value)


def flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a bool (not an int standing in for one)."""
    if not isinstance(value, bool):
        raise ValidationError.at(attribute.name, f"must be a boolean, not {type(value).__name__}")


def member_of(kind: type[enum.Enum]) -> Validator:
    """attrs validator: a member of the enum ``kind``."""

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            choices = ", ".join(str(m.value) for m in kind)
            raise ValidationError.at(attribute.name, f"must be one of {choices}, not {value!r}")

    return validate
