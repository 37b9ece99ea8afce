"""Hypothesis strategies for people and organizations: ids, identities, reports, partners.

Every value drawn is valid by construction. Names are realistic Russian,
Croatian and English names (Cyrillic, ``č ć đ š ž``, apostrophes, hyphens and
spaces included), with some random letter strings mixed in:

>>> from hypothesis import find
>>> from resocialize.people import normalize_name
>>> person = find(identities(), lambda p: normalize_name(p.family_name) == "cacic")
>>> person.family_name
'Čačić'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Final

from hypothesis import strategies as st

from resocialize.errors import ValidationError
from resocialize.organizations import Organization, OrganizationId, OwnershipForm, Partners, Role
from resocialize.people import (
    MIN_SECRET_BYTES,
    ClientId,
    CoDependent,
    Identity,
    IdentityDocument,
    IdentityReport,
    Relation,
    Sex,
    client_id,
    normalize_name,
)

__all__ = [
    "FAMILY_NAMES",
    "GIVEN_NAMES",
    "client_ids",
    "co_dependents",
    "identities",
    "identity_documents",
    "identity_reports",
    "linkage_secrets",
    "organization_ids",
    "organizations",
    "partners",
    "reports_of",
]

FAMILY_NAMES: Final = {
    "ru": ("Иванов", "Кузнецова", "Фёдоров", "Ёлкина", "Соловьёв", "Петрова", "Ильин-Горский"),
    "hr": ("Čačić", "Horvat", "Kovačević", "Babić", "Šarić", "Jurić", "Đurđević", "Marić-Knežević"),
    "en": ("O'Brien", "Smith", "van der Berg", "St. John", "Smith-Jones"),
}
"""Family names by language."""

GIVEN_NAMES: Final = {
    "ru": ("Алексей Иванович", "Ольга Сергеевна", "Пётр", "Наталья", "Артём Андреевич", "Юлия"),
    "hr": ("Ivan", "Željka", "Ana-Marija", "Đurđa", "Luka", "Šime", "Ćiro"),
    "en": ("Mary Ann", "John", "D'Arcy", "Jo"),
}
"""Given names (with patronymics for Russian) by language."""

_BASE32: Final = "abcdefghijklmnopqrstuvwxyz234567"
_LETTERS: Final = "".join(
    ch
    for ch in map(chr, [*range(0x41, 0x5B), *range(0xC0, 0x180), *range(0x400, 0x460)])
    if unicodedata.category(ch) in ("Lu", "Ll")
)
_ISSUERS: Final = (
    "ГУ МВД России по Новгородской области",
    "ОУФМС России по Томской области",
    "MUP RH, PU splitsko-dalmatinska",
    "Porezna uprava",
)
_ADDRESSES: Final = (
    "Великий Новгород, ул. Большая Московская, д. 1, кв. 2",
    "Split, Ulica kralja Zvonimira 3",
    "Томск, пр. Ленина, 10",
)
_DOCUMENT_NUMBERS: Final = {
    "passport": r"[0-9]{2} [0-9]{2} [0-9]{6}",
    "snils": r"[0-9]{3}-[0-9]{3}-[0-9]{3} [0-9]{2}",
    "inn": r"[0-9]{12}",
    "oib": r"[0-9]{11}",
    "osobna_iskaznica": r"[0-9]{9}",
    "birth_certificate": r"(I|II|III|IV|V)-[А-Я]{2} [0-9]{6}",
}


def client_ids() -> st.SearchStrategy[ClientId]:
    """Client ids as :func:`~resocialize.people.new_client_id` makes them."""
    return st.text(_BASE32, min_size=20, max_size=20).map(lambda s: ClientId("cl-" + s))


def organization_ids() -> st.SearchStrategy[OrganizationId]:
    """Organization ids: lower-case words with digits and hyphens, at most 32 characters."""
    return st.from_regex(r"[a-z][a-z0-9-]{0,31}", fullmatch=True).map(OrganizationId)


def _names(lang: str, table: dict[str, tuple[str, ...]]) -> st.SearchStrategy[str]:
    return st.sampled_from(table[lang])


def _random_names() -> st.SearchStrategy[str]:
    return st.text(_LETTERS, min_size=1, max_size=16).filter(lambda s: bool(normalize_name(s)))


_LANGS: Final = st.sampled_from(("ru", "hr", "en"))


def _name_pairs() -> st.SearchStrategy[tuple[str, str]]:
    realistic = _LANGS.flatmap(
        lambda lang: st.tuples(_names(lang, FAMILY_NAMES), _names(lang, GIVEN_NAMES))
    )
    return st.one_of(realistic, st.tuples(_random_names(), _random_names()))


def _birth_dates() -> st.SearchStrategy[date]:
    return st.dates(date(1930, 1, 1), date(2015, 12, 31))


def _ownership_for(roles: frozenset[Role]) -> st.SearchStrategy[OwnershipForm | None]:
    forms = st.sampled_from(OwnershipForm)
    return forms if Role.REHABILITATION_CENTER in roles else st.none() | forms


def organizations(roles: Iterable[Role] | None = None) -> st.SearchStrategy[Organization]:
    """Organizations with exactly ``roles``, or with a random non-empty set of roles.

    Rehabilitation centers always state their form of ownership. ``parent_id`` is
    None: use :func:`partners` for organizations under a parent.
    """
    if roles is None:
        role_sets = st.frozensets(st.sampled_from(Role), min_size=1, max_size=3)
    else:
        if isinstance(roles, str) or not all(isinstance(r, Role) for r in roles):
            raise ValidationError.at("roles", "must be a collection of Role")
        fixed = frozenset(roles)
        if not fixed:
            raise ValidationError.at("roles", "must name at least one role")
        role_sets = st.just(fixed)

    @st.composite
    def build(draw: st.DrawFn) -> Organization:
        chosen = draw(role_sets)
        return Organization(
            id=draw(organization_ids()),
            name=draw(
                st.sampled_from(
                    (
                        "Агентство социальной реабилитации",
                        "Reha centar Split",
                        "Центр занятости населения",
                        "Udruga Terra",
                        "Hope Farm",
                    )
                )
            ),
            roles=chosen,
            municipality=draw(st.none() | st.sampled_from(("Великий Новгород", "Split", "Томск"))),
            ownership=draw(_ownership_for(chosen)),
        )

    return build()


def partners(max_size: int = 8) -> st.SearchStrategy[Partners]:
    """Valid :class:`~resocialize.organizations.Partners`; some organizations have parents."""

    @st.composite
    def build(draw: st.DrawFn) -> Partners:
        orgs = draw(st.lists(organizations(), max_size=max_size, unique_by=lambda org: org.id))
        placed: list[Organization] = []
        for org in orgs:
            parent = draw(st.none() | st.sampled_from(placed)) if placed else None
            placed.append(
                Organization(
                    org.id,
                    org.name,
                    org.roles,
                    org.municipality,
                    org.ownership,
                    None if parent is None else parent.id,
                )
            )
        return Partners(placed)

    return build()


def identity_documents() -> st.SearchStrategy[IdentityDocument]:
    """Identity documents of Russian and Croatian kinds with realistic number formats."""
    return st.sampled_from(sorted(_DOCUMENT_NUMBERS)).flatmap(
        lambda kind: st.builds(
            IdentityDocument,
            kind=st.just(kind),
            number=st.from_regex(_DOCUMENT_NUMBERS[kind], fullmatch=True),
            issuer=st.none() | st.sampled_from(_ISSUERS),
        )
    )


def identities(client_id: ClientId | None = None) -> st.SearchStrategy[Identity]:
    """Identities (of ``client_id`` when given) with realistic names, dates and documents."""
    ids = client_ids() if client_id is None else st.just(_checked_client_id(client_id))

    @st.composite
    def build(draw: st.DrawFn) -> Identity:
        family, given = draw(_name_pairs())
        return Identity(
            client_id=draw(ids),
            family_name=family,
            given_names=given,
            birth_date=draw(_birth_dates()),
            sex=draw(st.sampled_from(Sex)),
            documents=draw(st.lists(identity_documents(), max_size=3)),
            address=draw(st.none() | st.sampled_from(_ADDRESSES)),
        )

    return build()


def identity_reports() -> st.SearchStrategy[IdentityReport]:
    """Reports of a person by a source, with realistic names, dates and documents."""

    @st.composite
    def build(draw: st.DrawFn) -> IdentityReport:
        family, given = draw(_name_pairs())
        return IdentityReport(
            family_name=family,
            given_names=given,
            birth_date=draw(_birth_dates()),
            documents=draw(st.lists(identity_documents(), max_size=3)),
        )

    return build()


def _respell(text: str, separators: str) -> st.SearchStrategy[str]:
    """``text`` as another source may write it: case, diacritics and separators changed."""

    def variants(ch: str) -> st.SearchStrategy[str]:
        plain = unicodedata.normalize(
            "NFC",
            "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn"),
        )
        plain = {"đ": "d", "Đ": "D"}.get(plain, plain)
        base = st.sampled_from((ch, ch.upper(), ch.lower(), plain, plain.upper()))
        return st.tuples(base, st.sampled_from(("", "", "", *separators))).map("".join)

    return st.tuples(*(variants(ch) for ch in text)).map("".join)


def reports_of(identity: Identity | IdentityReport) -> st.SearchStrategy[IdentityReport]:
    """Reports of the same person as another source writes them.

    Names differ in case, diacritics, spaces, hyphens, apostrophes and dots;
    a subset of the documents is reported, numbers with other separators and case.
    The birth date is the same, so the report links to ``identity``.
    """
    if not isinstance(identity, Identity | IdentityReport):
        raise ValidationError.at("identity", "must be an Identity or an IdentityReport")

    def respell_document(doc: IdentityDocument) -> st.SearchStrategy[IdentityDocument]:
        return st.builds(
            IdentityDocument,
            kind=st.sampled_from((doc.kind, doc.kind.upper())),
            number=_respell(doc.number, " -.").filter(lambda n: n.strip() != ""),
            issuer=st.none(),
        )

    return st.builds(
        IdentityReport,
        family_name=_respell(identity.family_name, " -'.").filter(str.strip),
        given_names=_respell(identity.given_names, " -'.").filter(str.strip),
        birth_date=st.just(identity.birth_date),
        documents=st.tuples(*(st.none() | respell_document(d) for d in identity.documents)).map(
            lambda docs: tuple(d for d in docs if d is not None)
        ),
    )


def linkage_secrets() -> st.SearchStrategy[bytes]:
    """Linkage secrets: random bytes, at least the minimum length."""
    return st.binary(min_size=MIN_SECRET_BYTES, max_size=64)


def co_dependents(client_id: ClientId | None = None) -> st.SearchStrategy[CoDependent]:
    """Co-dependents (of ``client_id`` when given) with any relation and consent."""
    ids = client_ids() if client_id is None else st.just(_checked_client_id(client_id))
    return st.builds(
        CoDependent,
        id=st.text(_BASE32, min_size=12, max_size=12).map(lambda s: "cd-" + s),
        client_id=ids,
        relation=st.sampled_from(Relation),
        consents_to_take_part=st.booleans(),
    )


def _checked_client_id(value: ClientId) -> ClientId:
    return client_id(value)
