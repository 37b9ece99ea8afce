"""Reading rule documents (TOML or JSON), from files or text, with a path for every problem.

The region's rules are data (DESIGN.md, principle 3): criteria, the catalog, instruments,
templates. Each module reads its own document shape; the parsing and the choice of format
are the same for all, and live here.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from ._checks import kind_of
from .errors import ValidationError

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
    if chosen == "json":
        return from_json(content)
    if chosen != "toml":
        raise ValidationError.at("format", f"must be 'toml' or 'json', not {chosen!r}")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValidationError.at("$", f"is not UTF-8 text: {err}") from None
    return from_toml(text)
