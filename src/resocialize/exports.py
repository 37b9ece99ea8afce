"""A region's records as JSON lines: one versioned document a line, pseudonymous by default.

An export carries what the reports read (MR-05): the cases with their histories, the
follow-up records, the attributes of cases that the histories do not hold (municipality,
age group, sex where recorded), and the ledger with the certificate book. Each line is a
document of :mod:`resocialize.serialization` (``{"schema": "resocialize/1", "type": ...,
"data": ...}``), so a line can be read on its own and a file can be streamed. Cases carry
pseudonymous ids only; nothing identifying is written unless asked for (SE-04).

Reading is strict: a bad line is reported with its number and the path of every bad
field, all lines at once, and nothing is half-read:

>>> from resocialize.exports import read_export
>>> read_export(['{"schema": "resocialize/1", "type": "money", "data": {}}', "not json"])
Traceback (most recent call last):
...
resocialize.errors.ValidationError: invalid input: line 1: $.type: a region export holds
cases, follow-up records, case attributes, a ledger, a certificate book, register entries,
client records and social contracts, not 'money'; line 2: $: is not valid JSON: Expecting
value: line 1 column 1 (char 0)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import attrs

from ._checks import Checked, checked, id_problem, instance_problem
from .certificates import CertificateBook
from .clients import ClientRecord
from .contracts import SocialContract
from .errors import FieldProblem, ValidationError
from .followups import FollowUpRecord
from .indicators import CaseAttributes
from .ledger import Ledger
from .pathway import Case
from .register import RegisterEntry

__all__ = [
    "AttributesOf",
    "RegionExport",
    "export_lines",
    "read_export",
    "without_keys",
    "write_export",
]


@attrs.frozen
class AttributesOf(Checked):
    """The attributes of one case that its history does not hold (one export line)."""

    case_id: str = attrs.field(metadata=checked(id_problem))
    attributes: CaseAttributes = attrs.field(metadata=checked(instance_problem(CaseAttributes)))


def _read_only(value: object) -> object:
    if isinstance(value, Mapping) and not isinstance(value, MappingProxyType):
        return MappingProxyType(dict(value))
    return value


@attrs.frozen
class RegionExport:
    """What a region's export holds; every part may be empty."""

    cases: tuple[Case, ...] = ()
    records: tuple[FollowUpRecord, ...] = ()
    attributes: Mapping[str, CaseAttributes] = attrs.field(
        factory=dict, converter=_read_only, eq=False, repr=False
    )
    ledger: Ledger | None = None
    book: CertificateBook | None = None
    centers: tuple[RegisterEntry, ...] = ()
    """The entries of the register of centers, each with its history."""
    clients: tuple[ClientRecord, ...] = ()
    """The records of the client register; an export carries them without their linkage
    keys (see :func:`without_keys`)."""
    contracts: tuple[SocialContract, ...] = ()


_TYPES = (
    "cases, follow-up records, case attributes, a ledger, a certificate book, register"
    " entries, client records and social contracts"
)


def without_keys(record: ClientRecord) -> ClientRecord:
    """The client record without its linkage keys: the keyed hashes of identifying data
    stay inside the system that holds the secret; an export never carries them."""
    return attrs.evolve(record, keys=frozenset())


def export_lines(export: RegionExport) -> Iterator[str]:
    """The export as JSON lines: the ledger and the book first, then attributes, cases and
    follow-up records. Pseudonymous: no identifying data is written."""
    from .serialization import to_json

    if not isinstance(export, RegionExport):
        raise ValidationError.at("export", f"must be a RegionExport, not {type(export).__name__}")
    if export.ledger is not None:
        yield to_json(export.ledger)
    if export.book is not None:
        yield to_json(export.book)
    for case_id, attributes in sorted(export.attributes.items()):
        yield to_json(AttributesOf(case_id, attributes))
    for case in export.cases:
        yield to_json(case)
    for record in export.records:
        yield to_json(record)
    for entry in export.centers:
        yield to_json(entry)
    for client in export.clients:
        yield to_json(without_keys(client))
    for contract in export.contracts:
        yield to_json(contract)


def write_export(export: RegionExport, path: str | os.PathLike[str]) -> int:
    """Write the export to ``path`` as JSON lines; return the number of lines."""
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for line in export_lines(export):
            handle.write(line)
            handle.write("\n")
            count += 1
    return count


def _lines(source: str | os.PathLike[str] | Iterable[str]) -> Iterator[str]:
    if isinstance(source, str | os.PathLike):
        with open(Path(source), encoding="utf-8") as handle:
            yield from handle
    else:
        yield from source


def read_export(
    source: str | os.PathLike[str] | Iterable[str],
    *,
    progress: Callable[[int], None] | None = None,
) -> RegionExport:
    """Read an export from a file (a path) or from lines of text.

    Blank lines are skipped. Every bad line is reported, with its number and the path of
    each bad field, in one :class:`~resocialize.errors.ValidationError`; a case is read by
    replaying its history, so a tampered one is refused. ``progress(lines)`` is called
    every 10,000 lines. A file that cannot be read raises :class:`OSError`.
    """
    from .serialization import DOCUMENT_TYPES, from_document, json_document

    cases: list[Case] = []
    records: list[FollowUpRecord] = []
    attributes: dict[str, CaseAttributes] = {}
    ledger: Ledger | None = None
    book: CertificateBook | None = None
    problems: list[FieldProblem] = []
    centers: list[RegisterEntry] = []
    clients: list[ClientRecord] = []
    contracts: list[SocialContract] = []
    wanted = {
        Case,
        FollowUpRecord,
        AttributesOf,
        Ledger,
        CertificateBook,
        RegisterEntry,
        ClientRecord,
        SocialContract,
    }
    number = 0
    for number, line in enumerate(_lines(source), start=1):
        if progress is not None and number % 10_000 == 0:
            progress(number)
        if not line.strip():
            continue
        try:
            document = json_document(line)
            kind = DOCUMENT_TYPES.get(str(document.get("type")))
            if kind not in wanted:
                raise ValidationError.at(
                    "$.type", f"a region export holds {_TYPES}, not {document.get('type')!r}"
                )
            value = from_document(document)
        except ValidationError as err:
            problems.extend(
                FieldProblem(f"line {number}: {p.path}", p.message) for p in err.problems
            )
            continue
        if isinstance(value, Case):
            cases.append(value)
        elif isinstance(value, FollowUpRecord):
            records.append(value)
        elif isinstance(value, AttributesOf):
            if value.case_id in attributes:
                problems.append(FieldProblem(f"line {number}: $.data.case_id", "is given twice"))
            attributes[value.case_id] = value.attributes
        elif isinstance(value, Ledger):
            if ledger is not None:
                problems.append(FieldProblem(f"line {number}: $.type", "a second ledger"))
            ledger = value
        elif isinstance(value, CertificateBook):
            if book is not None:
                problems.append(FieldProblem(f"line {number}: $.type", "a second certificate book"))
            book = value
        elif isinstance(value, RegisterEntry):
            centers.append(value)
        elif isinstance(value, ClientRecord):
            clients.append(value)
        elif isinstance(value, SocialContract):
            contracts.append(value)
    if progress is not None:
        progress(number)
    if problems:
        raise ValidationError(problems)
    return RegionExport(
        tuple(cases),
        tuple(records),
        attributes,
        ledger,
        book,
        tuple(centers),
        tuple(clients),
        tuple(contracts),
    )
