"""Reading rule documents (TOML or JSON), from files or text, with a path for every problem.

The region's rules are data (DESIGN.md, principle 3): criteria, the catalog, instruments,
templates. Each module reads its own document shape; the parsing and the choice of format
are the same for all, and live here.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, TypeVar

from ._checks import kind_of
from .errors import FieldProblem, ValidationError

T = TypeVar("T")

Format = Literal["toml", "json"]


def toml_data(text: object) -> Any:
    """The data of TOML text; :class:`~resocialize.errors.ValidationError` at ``$`` when it
    is not text or not valid TOML."""
    if not isinstance(text, str):
        raise ValidationError.at("$", f"must be TOML text, not {kind_of(text, toml=True)}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValidationError.at("$", f"is not valid TOML: {err}") from None


def json_data(text: object) -> Any:
    """The data of JSON text; :class:`~resocialize.errors.ValidationError` at ``$`` when it
    is not text or not valid JSON."""
    if not isinstance(text, str | bytes):
        raise ValidationError.at("$", f"must be JSON text, not {kind_of(text)}")
    try:
        return json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ValidationError.at("$", f"is not valid JSON: {err}") from None


def load(
    source: str | bytes | os.PathLike[str],
    format: Format | None,
    *,
    from_toml: Callable[[str], T],
    from_json: Callable[[str | bytes], T],
) -> T:
    """Read a document from a file (a path-like value) or from text (``str`` or ``bytes``).

    ``format`` defaults to the file's suffix (``.json`` is JSON, anything else TOML) and to
    TOML for text. A file that cannot be read raises :class:`OSError`.
    """
    if isinstance(source, os.PathLike):
        path = os.fspath(source)
        chosen = format or ("json" if str(path).lower().endswith(".json") else "toml")
        with open(path, "rb") as handle:
            content = handle.read()
    elif isinstance(source, str | bytes):
        chosen = format or "toml"
        content = source.encode() if isinstance(source, str) else source
    else:
        raise ValidationError.at("source", f"must be a path or text, not {kind_of(source)}")
    try:
        if chosen == "json":
            return from_json(content)
        if chosen != "toml":
            raise ValidationError.at("format", f"must be 'toml' or 'json', not {chosen!r}")
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValidationError.at("$", f"is not UTF-8 text: {err}") from None
        return from_toml(text)
    except ValidationError as err:
        if isinstance(source, str) and _looks_like_a_path(source):
            hint = FieldProblem(
                "source", "looks like a file path, read as text: pass a pathlib.Path to read a file"
            )
            raise ValidationError([*err.problems, hint]) from None
        raise


def _looks_like_a_path(text: str) -> bool:
    """A one-line text ending in .toml or .json: a file name given as a str by mistake."""
    stripped = text.strip()
    return "\n" not in stripped and stripped.lower().endswith((".toml", ".json"))


class Bad:
    """A value that could not be read; its problem is already reported."""

    def __repr__(self) -> str:
        return "<unreadable>"


BAD: Final = Bad()
"""The value a reader returns for a part it could not read."""


def within(path: str, done: str) -> bool:
    """True when ``path`` is ``done`` or inside it (``a.b`` is inside ``a``)."""
    return path == done or path.startswith((f"{done}.", f"{done}["))


class Reader:
    """Reads one document of plain data, collecting every problem with its path; each rule
    document's reader builds on it."""

    def __init__(self, toml: bool) -> None:
        self.toml = toml
        self.problems: list[FieldProblem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(FieldProblem(path, message))

    def kind(self, value: object) -> str:
        return kind_of(value, toml=self.toml)

    def table(
        self, raw: object, path: str, fields: tuple[str, ...], required: tuple[str, ...]
    ) -> Mapping[str, Any] | None:
        """``raw`` as a table with only known fields and every required one, else ``None``."""
        if not isinstance(raw, Mapping):
            word = "a table" if self.toml else "an object"
            self.add(path, f"must be {word} with {', '.join(fields)}, not {self.kind(raw)}")
            return None
        prefix = "" if path == "$" else f"{path}."
        for key in raw:
            if key not in fields:
                self.add(f"{prefix}{key}", f"unknown field; known: {', '.join(fields)}")
        for key in required:
            if key not in raw:
                self.add(f"{prefix}{key}", "missing")
        return raw

    def build(self, make: Callable[..., Any], path: str, **values: object) -> Any:
        """``make(**values)``, reporting its problems under ``path`` except where a problem
        was reported already (a part that could not be read); :data:`BAD` when it fails."""
        try:
            return make(**values)
        except ValidationError as err:
            reported = [p.path for p in self.problems]
            for problem in err.under(path).problems:
                if not any(
                    within(problem.path, done) or within(done, problem.path) for done in reported
                ):
                    self.problems.append(problem)
            return BAD
