"""Clients, their identity kept apart, record linkage, and co-dependents.

Every record of the library names a client by a pseudonymous :data:`ClientId`
(DESIGN principle 7). The identifying data of a client (names, birth date,
documents, address) lives only in :class:`Identity`, whose ``repr`` hides it so
that it never lands in a log by accident (SE-04).

Several sources report the same person (police, social services, the drug
treatment service, a court, RG-07). :func:`linkage_keys` turns what a source
reports into keyed hashes that can be stored and compared without keeping the
names or document numbers in clear:

>>> from datetime import date
>>> secret = b"kept-outside-the-database-0123456789"
>>> police = IdentityReport("ČAČIĆ", "Ivan", date(1990, 5, 17))
>>> social = IdentityReport("Cacic", "ivan", date(1990, 5, 17))
>>> same_person(linkage_keys(police, secret), linkage_keys(social, secret))
True
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import random
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Final, NewType

import attrs

from ._checks import Problems, date_problem, id_problem, text_problem
from .errors import ValidationError

__all__ = [
    "MIN_SECRET_BYTES",
    "ClientId",
    "CoDependent",
    "Identity",
    "IdentityDocument",
    "IdentityReport",
    "LinkageKey",
    "Relation",
    "Sex",
    "client_id",
    "linkage_keys",
    "new_client_id",
    "normalize_document_number",
    "normalize_name",
    "same_person",
]

ClientId = NewType("ClientId", str)
"""The pseudonymous id of a client: non-empty, no whitespace, at most 64 characters."""

LinkageKey = NewType("LinkageKey", str)
"""A keyed hash (HMAC-SHA256, hex) of a name and birth date or of an identity document."""

MIN_SECRET_BYTES: Final = 16
"""The shortest linkage secret accepted, in bytes."""

_BASE32: Final = "abcdefghijklmnopqrstuvwxyz234567"
_CLIENT_ID_CHARS: Final = 20
_HIDDEN: Final = "<identifying data hidden>"
_KEY_CONTEXT: Final = b"resocialize.people.linkage_keys.v1\x00"


# ---------------------------------------------------------------- client ids


def new_client_id(rng: random.Random) -> ClientId:
    """A new pseudonymous client id: ``cl-`` and 20 base32 characters (100 bits) from ``rng``.

    The same generator state gives the same id, so runs with an explicit seed repeat:

    >>> new_client_id(random.Random(7)) == new_client_id(random.Random(7))
    True
    >>> cid = new_client_id(random.Random(7))
    >>> cid.startswith("cl-"), len(cid)
    (True, 23)
    """
    if not isinstance(rng, random.Random):
        raise ValidationError.at("rng", f"must be a random.Random, not {type(rng).__name__}")
    bits = rng.getrandbits(5 * _CLIENT_ID_CHARS)
    chars = [_BASE32[(bits >> (5 * i)) & 31] for i in reversed(range(_CLIENT_ID_CHARS))]
    return ClientId("cl-" + "".join(chars))


def client_id(value: str) -> ClientId:
    """``value`` checked as a client id (non-empty, no whitespace, at most 64 characters).

    >>> client_id("cl-abc")
    'cl-abc'
    >>> client_id("cl abc")
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: client_id: must not contain whitespace
    """
    if (msg := id_problem(value)) is not None:
        raise ValidationError.at("client_id", msg)
    return ClientId(value)


# ---------------------------------------------------------------- normalization

_FOLD: Final = str.maketrans(
    {"đ": "d", "ð": "d", "ł": "l", "ø": "o", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
"""Letters that carry a stroke rather than a combining mark, so NFKD leaves them alone."""

_SEPARATORS: Final = frozenset(
    "-\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphens and dashes
    "'\u2018\u2019\u02bc\u02b9`\u00b4"  # apostrophes
    "."
)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").translate(_FOLD)


def normalize_name(text: str) -> str:
    """A name reduced to what survives the ways sources spell it.

    Unicode NFKD, combining marks dropped (Croatian ``Č`` is ``c``, Russian ``Ё``
    is ``е``; ``đ`` is folded to ``d``), case folded, and spaces, hyphens,
    apostrophes and dots removed. Scripts are not transliterated: ``Иванов``
    and ``Ivanov`` stay different (documents link across scripts).

    >>> normalize_name("Čačić")
    'cacic'
    >>> normalize_name("Фёдоров") == normalize_name("ФЕДОРОВ")
    True
    >>> normalize_name("O'Brien-Smith Jr.")
    'obriensmithjr'
    >>> normalize_name("Đurđević")
    'durdevic'
    """
    if not isinstance(text, str):
        raise ValidationError.at("text", f"must be a string, not {type(text).__name__}")
    return "".join(ch for ch in _strip_marks(text) if not ch.isspace() and ch not in _SEPARATORS)


def normalize_document_number(number: str) -> str:
    """A document number with only its letters and digits kept, marks dropped, case folded.

    >>> normalize_document_number("123-456-789 01")
    '12345678901'
    >>> normalize_document_number("ab 12.34") == normalize_document_number("AB1234")
    True
    """
    if not isinstance(number, str):
        raise ValidationError.at("number", f"must be a string, not {type(number).__name__}")
    return "".join(ch for ch in _strip_marks(number) if ch.isalnum())


# ---------------------------------------------------------------- identity


@attrs.frozen(init=False, repr=False)
class IdentityDocument:
    """An identity document: ``kind`` (``"passport"``, ``"snils"``, ``"oib"``...), number, issuer.

    The number never appears in the repr:

    >>> IdentityDocument("oib", "12345678903")
    IdentityDocument(kind='oib', number=<hidden>, issuer=None)
    """

    kind: str
    number: str
    issuer: str | None = None

    def __init__(self, kind: str, number: str, issuer: str | None = None) -> None:
        problems = Problems()
        if (msg := text_problem(kind)) is not None:
            problems.add("kind", msg)
        elif not normalize_name(kind):
            problems.add("kind", "must contain a letter or digit")
        if (msg := text_problem(number)) is not None:
            problems.add("number", msg)
        elif not normalize_document_number(number):
            problems.add("number", "must contain a letter or digit")
        if issuer is not None and (msg := text_problem(issuer)) is not None:
            problems.add("issuer", msg)
        problems.raise_if_any()
        self.__attrs_init__(kind, number, issuer)

    def __repr__(self) -> str:
        return f"IdentityDocument(kind={self.kind!r}, number=<hidden>, issuer={self.issuer!r})"


class Sex(enum.StrEnum):
    """Sex as recorded by the source; ``UNRECORDED`` when it is not."""

    FEMALE = "female"
    MALE = "male"
    UNRECORDED = "unrecorded"


def _check_person(
    problems: Problems,
    family_name: object,
    given_names: object,
    birth_date: object,
    documents: object,
) -> tuple[IdentityDocument, ...]:
    """Add the problems of the fields shared by Identity and IdentityReport; the documents."""
    for path, name in (("family_name", family_name), ("given_names", given_names)):
        if (msg := text_problem(name)) is not None:
            problems.add(path, msg)
        elif isinstance(name, str) and not normalize_name(name):
            problems.add(path, "must contain a letter")
    if (msg := date_problem(birth_date)) is not None:
        problems.add("birth_date", msg)
    if isinstance(documents, str | bytes) or not isinstance(documents, Iterable):
        problems.add(
            "documents", f"must be a collection of documents, not {type(documents).__name__}"
        )
        return ()
    docs = tuple(documents)
    for index, doc in enumerate(docs):
        if not isinstance(doc, IdentityDocument):
            problems.add(
                f"documents[{index}]", f"must be an IdentityDocument, not {type(doc).__name__}"
            )
    return docs


@attrs.frozen(init=False, repr=False)
class Identity:
    """The identifying data of one client, kept apart from every other record.

    Cases, registers and exports carry only the :data:`ClientId`; this value
    joins it to the person. Its repr shows the client id alone, so an identity
    never leaks into a log:

    >>> person = Identity(ClientId("cl-1"), "Фёдорова", "Анна Сергеевна", date(2008, 3, 1))
    >>> person
    Identity(client_id='cl-1', <identifying data hidden>)
    >>> person.age_on(date(2026, 2, 28)), person.is_minor_on(date(2026, 2, 28))
    (17, True)
    """

    client_id: ClientId
    family_name: str
    given_names: str
    birth_date: date
    sex: Sex = Sex.UNRECORDED
    documents: tuple[IdentityDocument, ...] = ()
    address: str | None = None

    def __init__(
        self,
        client_id: ClientId,
        family_name: str,
        given_names: str,
        birth_date: date,
        sex: Sex = Sex.UNRECORDED,
        documents: Iterable[IdentityDocument] = (),
        address: str | None = None,
    ) -> None:
        problems = Problems()
        if (msg := id_problem(client_id)) is not None:
            problems.add("client_id", msg)
        docs = _check_person(problems, family_name, given_names, birth_date, documents)
        recorded = Sex.UNRECORDED
        try:
            recorded = Sex(sex)
        except ValueError:
            problems.add("sex", "must be one of " + ", ".join(s.value for s in Sex))
        if address is not None and (msg := text_problem(address)) is not None:
            problems.add("address", msg)
        problems.raise_if_any()
        self.__attrs_init__(
            client_id, family_name, given_names, birth_date, recorded, docs, address
        )

    def __repr__(self) -> str:
        return f"Identity(client_id={self.client_id!r}, {_HIDDEN})"

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``.

        A person born on 29 February turns a year older on 1 March in common years.

        >>> leap = Identity(ClientId("cl-2"), "Horvat", "Ana", date(2004, 2, 29))
        >>> leap.age_on(date(2022, 2, 28)), leap.age_on(date(2022, 3, 1))
        (17, 18)
        """
        if (msg := date_problem(day)) is not None:
            raise ValidationError.at("day", msg)
        if day < self.birth_date:
            raise ValidationError.at("day", "is before the birth date")
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_minor_on(self, day: date, majority_age: int = 18) -> bool:
        """True when younger than ``majority_age`` on ``day`` (minors go to state centers)."""
        if isinstance(majority_age, bool) or not isinstance(majority_age, int):
            raise ValidationError.at(
                "majority_age", f"must be an integer, not {type(majority_age).__name__}"
            )
        if majority_age < 1:
            raise ValidationError.at("majority_age", "must be positive")
        return self.age_on(day) < majority_age


@attrs.frozen(init=False, repr=False)
class IdentityReport:
    """What a source reports about a person, before the person has a client id.

    A police or court report does not know the library's pseudonym; its
    :func:`linkage_keys` are compared with those of known clients. The repr
    hides everything:

    >>> IdentityReport("Horvat", "Ivan", date(1990, 1, 2))
    IdentityReport(<identifying data hidden>)
    """

    family_name: str
    given_names: str
    birth_date: date
    documents: tuple[IdentityDocument, ...] = ()

    def __init__(
        self,
        family_name: str,
        given_names: str,
        birth_date: date,
        documents: Iterable[IdentityDocument] = (),
    ) -> None:
        problems = Problems()
        docs = _check_person(problems, family_name, given_names, birth_date, documents)
        problems.raise_if_any()
        self.__attrs_init__(family_name, given_names, birth_date, docs)

    def __repr__(self) -> str:
        return f"IdentityReport({_HIDDEN})"


# ---------------------------------------------------------------- linkage


def linkage_keys(person: Identity | IdentityReport, secret: bytes) -> frozenset[LinkageKey]:
    """Keyed hashes that recognize the same person reported by several sources (RG-07).

    One key comes from the normalized family name, given names and birth date
    (see :func:`normalize_name`); one more from each identity document, from its
    normalized kind and number (see :func:`normalize_document_number`). Each key
    is HMAC-SHA256, in hex, under a key derived from ``secret`` by SHA-256 (so that
    secrets differing only in trailing zero bytes, which HMAC itself pads away, give
    different keys). Two records are the same person when they share a key
    (:func:`same_person`).

    What this protects against: the stored keys do not reveal names, birth dates
    or document numbers to anyone who reads the database without the secret, and
    keys made under another secret do not match.

    What it does not protect against: whoever holds the secret can compute the
    key of any guess (a name and a birth date, a document number) and test it.
    Keep the secret outside the database, give it only to the linkage step, and
    rotate it (recomputing the keys) when it may have leaked. A secret shorter
    than 16 bytes is refused, since a short key can be guessed.

    Linkage is only as good as the data: namesakes born on the same day share
    the name key, and a source that leaves out a patronymic or writes a name in
    another script does not match on it (documents still link).

    >>> secret = bytes(range(32))
    >>> keys = linkage_keys(IdentityReport("Horvat", "Ana", date(1990, 1, 2)), secret)
    >>> len(keys), all(len(k) == 64 for k in keys)
    (1, True)
    >>> linkage_keys(IdentityReport("Horvat", "Ana", date(1990, 1, 2)), b"short")
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: secret: must be at least 16 bytes ...
    """
    problems = Problems()
    if not isinstance(person, Identity | IdentityReport):
        problems.add(
            "person", f"must be an Identity or an IdentityReport, not {type(person).__name__}"
        )
    if not isinstance(secret, bytes):
        problems.add("secret", f"must be bytes, not {type(secret).__name__}")
    elif len(secret) < MIN_SECRET_BYTES:
        problems.add(
            "secret",
            f"must be at least {MIN_SECRET_BYTES} bytes (not {len(secret)}): "
            "a short key lets anyone guess it and then test names against the keys",
        )
    problems.raise_if_any()

    # HMAC pads short keys with zero bytes and hashes long ones, so b"k" and b"k\0"
    # would be the same key; hashing the secret first makes every secret its own key.
    key = hashlib.sha256(_KEY_CONTEXT + secret).digest()
    messages = [
        [
            "name",
            normalize_name(person.family_name),
            normalize_name(person.given_names),
            person.birth_date.isoformat(),
        ]
    ]
    messages.extend(
        ["document", normalize_name(doc.kind), normalize_document_number(doc.number)]
        for doc in person.documents
    )
    return frozenset(
        LinkageKey(
            hmac.new(
                key, json.dumps(m, ensure_ascii=False).encode("utf-8"), hashlib.sha256
            ).hexdigest()
        )
        for m in messages
    )


def same_person(a_keys: Iterable[LinkageKey], b_keys: Iterable[LinkageKey]) -> bool:
    """True when the two sets of :func:`linkage_keys` share a key.

    >>> same_person({LinkageKey("k1"), LinkageKey("k2")}, [LinkageKey("k2")])
    True
    >>> same_person({LinkageKey("k1")}, set())
    False
    """
    problems = Problems()
    for path, keys in (("a_keys", a_keys), ("b_keys", b_keys)):
        if isinstance(keys, str | bytes) or not isinstance(keys, Iterable):
            problems.add(path, f"must be a collection of linkage keys, not {type(keys).__name__}")
    problems.raise_if_any()
    return not frozenset(a_keys).isdisjoint(b_keys)


# ---------------------------------------------------------------- co-dependents


class Relation(enum.StrEnum):
    """How a co-dependent is related to the client."""

    PARENT = "parent"
    PARTNER = "partner"
    CHILD = "child"
    SIBLING = "sibling"
    OTHER_RELATIVE = "other_relative"
    FRIEND = "friend"
    OTHER = "other"


@attrs.frozen(init=False)
class CoDependent:
    """A family member or close person of a client.

    Co-dependents take part in motivation work and can be party to the social
    contract; restoring family relations is a goal in its own right. Like the
    client, a co-dependent is recorded under a pseudonymous ``id`` only.

    >>> CoDependent("cd-1", ClientId("cl-1"), Relation.PARENT, consents_to_take_part=True)
    CoDependent(id='cd-1', client_id='cl-1', relation=<Relation.PARENT: 'parent'>, \
consents_to_take_part=True)
    """

    id: str
    client_id: ClientId
    relation: Relation
    consents_to_take_part: bool = False

    def __init__(
        self,
        id: str,
        client_id: ClientId,
        relation: Relation,
        consents_to_take_part: bool = False,
    ) -> None:
        problems = Problems()
        if (msg := id_problem(id)) is not None:
            problems.add("id", msg)
        if (msg := id_problem(client_id)) is not None:
            problems.add("client_id", msg)
        kind = Relation.OTHER
        try:
            kind = Relation(relation)
        except ValueError:
            problems.add("relation", "must be one of " + ", ".join(r.value for r in Relation))
        if not isinstance(consents_to_take_part, bool):
            problems.add(
                "consents_to_take_part",
                f"must be a bool, not {type(consents_to_take_part).__name__}",
            )
        problems.raise_if_any()
        self.__attrs_init__(id, client_id, kind, consents_to_take_part)
