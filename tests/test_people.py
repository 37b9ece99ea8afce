"""Clients, identity kept apart, record linkage (RG-07), co-dependents, hidden reprs (SE-04)."""

from __future__ import annotations

import random
import re
from datetime import date, datetime
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from resocialize.errors import ValidationError
from resocialize.people import (
    ClientId,
    CoDependent,
    Identity,
    IdentityDocument,
    IdentityReport,
    LinkageKey,
    Relation,
    Sex,
    client_id,
    linkage_keys,
    new_client_id,
    normalize_document_number,
    normalize_name,
    same_person,
)
from resocialize.testing._people import (
    client_ids,
    co_dependents,
    identities,
    identity_reports,
    linkage_secrets,
    reports_of,
)

SECRET = b"regional-linkage-secret-0001"
OTHER_SECRET = b"regional-linkage-secret-0002"
CID = ClientId("cl-aaaaaaaaaaaaaaaaaaaa")


def ivan(**changes: Any) -> Identity:
    person = Identity(
        CID,
        "Čačić",
        "Ivan",
        date(1990, 5, 17),
        sex=Sex.MALE,
        documents=(IdentityDocument("oib", "12345678903", issuer="Porezna uprava"),),
        address="Split, Ulica kralja Zvonimira 3",
    )
    return attrs.evolve(person, **changes)


# ------------------------------------------------------------------ client ids


def test_new_client_id_is_pseudonymous_and_repeats_with_the_same_seed() -> None:
    first = new_client_id(random.Random(2024))
    assert re.fullmatch(r"cl-[a-z2-7]{20}", first)
    assert new_client_id(random.Random(2024)) == first
    assert new_client_id(random.Random(2025)) != first


def test_new_client_ids_from_one_generator_differ() -> None:
    rng = random.Random(1)
    ids = {new_client_id(rng) for _ in range(1000)}
    assert len(ids) == 1000


def test_new_client_id_needs_an_explicit_generator() -> None:
    with pytest.raises(ValidationError) as caught:
        new_client_id(42)  # type: ignore[arg-type]
    assert caught.value.paths == ("rng",)


@pytest.mark.parametrize("bad", ["", "cl 1", "cl-\n", "c" * 65, 12, None])
def test_client_id_is_non_empty_without_whitespace_and_short(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        client_id(bad)  # type: ignore[arg-type]
    assert caught.value.paths == ("client_id",)


def test_client_id_accepts_ids_from_other_systems() -> None:
    assert client_id("RU-53-000123") == "RU-53-000123"
    assert client_id("x" * 64) == "x" * 64


# ------------------------------------------------------------------ identity


@pytest.mark.req("SE-04")
def test_identity_repr_hides_identifying_data() -> None:
    person = ivan()
    for text in (repr(person), str(person), f"{person}", repr([person])):
        assert CID in text
        assert "<identifying data hidden>" in text
        for secret in ("Čačić", "Ivan", "1990", "12345678903", "Split", "male", "oib"):
            assert secret not in text


@pytest.mark.req("SE-04")
def test_identity_report_repr_hides_identifying_data() -> None:
    report = IdentityReport(
        "Фёдоров", "Пётр", date(1985, 1, 2), [IdentityDocument("passport", "4510 123456")]
    )
    text = repr(report)
    assert text == "IdentityReport(<identifying data hidden>)"


@pytest.mark.req("SE-04")
def test_identity_document_repr_hides_the_number() -> None:
    document = IdentityDocument("snils", "123-456-789 01")
    assert "123" not in repr(document)
    assert "snils" in repr(document)


@pytest.mark.req("SE-04")
def test_validation_error_does_not_echo_identifying_data() -> None:
    with pytest.raises(ValidationError) as caught:
        Identity(CID, "Kovačević", "Željka", datetime(1990, 1, 2, 3, 4))
    assert caught.value.paths == ("birth_date",)
    assert "Kovačević" not in str(caught.value)
    assert "1990" not in str(caught.value)


def test_identity_reports_every_bad_field_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        Identity(
            ClientId("bad id"),
            " ",
            "-'.",
            "1990-01-02",  # type: ignore[arg-type]
            sex="x",  # type: ignore[arg-type]
            documents=[IdentityDocument("oib", "1"), "passport"],  # type: ignore[list-item]
            address="",
        )
    assert caught.value.paths == (
        "client_id",
        "family_name",
        "given_names",
        "birth_date",
        "documents[1]",
        "sex",
        "address",
    )


def test_birth_date_must_be_a_date_not_a_datetime() -> None:
    with pytest.raises(ValidationError) as caught:
        ivan(birth_date=datetime(1990, 5, 17))
    assert caught.value.paths == ("birth_date",)


def test_documents_must_be_a_collection() -> None:
    with pytest.raises(ValidationError) as caught:
        IdentityReport("Horvat", "Ana", date(1990, 1, 2), documents="oib")  # type: ignore[arg-type]
    assert caught.value.paths == ("documents",)


def test_identity_document_reports_every_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        IdentityDocument("", "- -", issuer="")
    assert caught.value.paths == ("kind", "number", "issuer")


def test_identity_keeps_documents_as_a_tuple_and_accepts_a_sex_value() -> None:
    person = ivan(documents=[IdentityDocument("oib", "1")], sex="female")
    assert person.documents == (IdentityDocument("oib", "1"),)
    assert person.sex is Sex.FEMALE


def test_identity_sex_defaults_to_unrecorded() -> None:
    assert Identity(CID, "Horvat", "Ana", date(1990, 1, 2)).sex is Sex.UNRECORDED


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(1990, 5, 17), 0),
        (date(2008, 5, 16), 17),
        (date(2008, 5, 17), 18),
        (date(2025, 12, 31), 35),
    ],
)
def test_age_counts_whole_years(day: date, age: int) -> None:
    assert ivan().age_on(day) == age


def test_person_born_on_29_february_comes_of_age_on_1_march() -> None:
    person = ivan(birth_date=date(2004, 2, 29))
    assert person.is_minor_on(date(2022, 2, 28))
    assert not person.is_minor_on(date(2022, 3, 1))


def test_minor_is_younger_than_the_age_of_majority() -> None:
    person = ivan(birth_date=date(2008, 5, 17))
    assert person.is_minor_on(date(2026, 5, 16))
    assert not person.is_minor_on(date(2026, 5, 17))
    assert person.is_minor_on(date(2026, 5, 17), majority_age=21)


@pytest.mark.parametrize("bad", [0, -1, True, 18.0, "18"])
def test_age_of_majority_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        ivan().is_minor_on(date(2020, 1, 1), majority_age=bad)  # type: ignore[arg-type]
    assert caught.value.paths == ("majority_age",)


@pytest.mark.parametrize("bad", [date(1990, 5, 16), datetime(2020, 1, 1), "2020-01-01"])
def test_age_needs_a_date_on_or_after_the_birth_date(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        ivan().age_on(bad)  # type: ignore[arg-type]
    assert caught.value.paths == ("day",)


# ------------------------------------------------------------------ normalization


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Čačić", "Cacic"),
        ("ĆAČIĆ", "cačić"),
        ("Đurđević", "Durdevic"),
        ("Фёдоров", "ФЕДОРОВ"),
        ("Ёлкина", "елкина"),
        ("O'Brien", "OBRIEN"),
        ("O’Brien", "o brien"),
        ("Ana-Marija", "Ana Marija"),
        ("St. John", "stjohn"),
        ("Marić–Knežević", "MARIC KNEZEVIC"),
    ],
)
def test_names_spelled_differently_by_sources_normalize_alike(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(("a", "b"), [("Horvat", "Horvath"), ("Иванов", "Ivanov"), ("Ana", "Anna")])
def test_different_names_stay_different(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


def test_normalize_name_refuses_what_is_not_text() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_name(None)  # type: ignore[arg-type]
    assert caught.value.paths == ("text",)


@given(st.text())
def test_normalization_is_idempotent(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once
    number = normalize_document_number(text)
    assert normalize_document_number(number) == number


@given(st.text())
def test_normalized_name_has_no_spaces_hyphens_apostrophes_dots_or_capitals(text: str) -> None:
    normal = normalize_name(text)
    assert not any(ch.isspace() or ch in "-'.’" for ch in normal)
    assert normal == normal.casefold()


# ------------------------------------------------------------------ linkage


@pytest.mark.req("RG-07")
def test_same_person_reported_by_police_and_social_service_is_linked() -> None:
    police = IdentityReport("ČAČIĆ", "IVAN", date(1990, 5, 17))
    social_service = IdentityReport("Cacic", "ivan", date(1990, 5, 17))
    assert same_person(linkage_keys(police, SECRET), linkage_keys(social_service, SECRET))
    assert same_person(linkage_keys(police, SECRET), linkage_keys(ivan(), SECRET))


@pytest.mark.req("RG-07")
def test_report_and_identity_of_the_same_data_have_the_same_keys() -> None:
    person = ivan()
    report = IdentityReport(
        person.family_name, person.given_names, person.birth_date, person.documents
    )
    assert linkage_keys(report, SECRET) == linkage_keys(person, SECRET)
    assert len(linkage_keys(person, SECRET)) == 2


@pytest.mark.req("RG-07")
def test_shared_document_links_names_written_in_other_scripts() -> None:
    russian = IdentityReport(
        "Иванов", "Пётр", date(1980, 1, 1), [IdentityDocument("passport", "45 10 123456")]
    )
    latin = IdentityReport(
        "Ivanov", "Petr", date(1980, 1, 1), [IdentityDocument("PASSPORT", "4510123456")]
    )
    assert same_person(linkage_keys(russian, SECRET), linkage_keys(latin, SECRET))
    assert not same_person(
        linkage_keys(attrs.evolve(russian, documents=()), SECRET),
        linkage_keys(attrs.evolve(latin, documents=()), SECRET),
    )


@pytest.mark.req("RG-07")
def test_same_number_of_another_document_kind_does_not_link() -> None:
    a = IdentityReport("Horvat", "Ana", date(1990, 1, 2), [IdentityDocument("oib", "12345678903")])
    b = IdentityReport("Babić", "Luka", date(1970, 3, 4), [IdentityDocument("inn", "12345678903")])
    assert not same_person(linkage_keys(a, SECRET), linkage_keys(b, SECRET))


@pytest.mark.req("RG-07")
def test_namesake_born_on_another_day_is_not_linked() -> None:
    assert not same_person(
        linkage_keys(ivan(documents=()), SECRET),
        linkage_keys(ivan(documents=(), birth_date=date(1990, 5, 18)), SECRET),
    )


@pytest.mark.req("RG-07")
def test_name_key_keeps_family_and_given_names_apart() -> None:
    a = IdentityReport("Ana", "Marija Horvat", date(1990, 1, 2))
    b = IdentityReport("Ana Marija", "Horvat", date(1990, 1, 2))
    assert not same_person(linkage_keys(a, SECRET), linkage_keys(b, SECRET))


@pytest.mark.req("RG-07")
def test_linkage_key_does_not_contain_name() -> None:
    person = ivan()
    keys = linkage_keys(person, SECRET)
    for key in keys:
        assert re.fullmatch(r"[0-9a-f]{64}", key)
        for clear in ("cacic", "Čačić", "ivan", "1990", "12345678903", "oib"):
            assert clear not in key


@pytest.mark.req("RG-07")
@pytest.mark.parametrize("secret", [b"", b"short", b"x" * 15])
def test_short_linkage_secret_is_refused_because_it_can_be_guessed(secret: bytes) -> None:
    with pytest.raises(ValidationError) as caught:
        linkage_keys(ivan(), secret)
    assert caught.value.paths == ("secret",)
    assert "guess" in str(caught.value)


@pytest.mark.req("RG-07")
def test_secrets_differing_only_in_trailing_zero_bytes_give_different_keys() -> None:
    # HMAC pads a short key with zero bytes; the secret must not be used as the key as is.
    secret = b"k" * 16
    assert not same_person(linkage_keys(ivan(), secret), linkage_keys(ivan(), secret + b"\0"))
    long_secret = b"k" * 100
    assert linkage_keys(ivan(), long_secret) != linkage_keys(ivan(), long_secret[:99])


def test_linkage_secret_of_16_bytes_is_accepted() -> None:
    assert linkage_keys(ivan(), b"x" * 16)


def test_linkage_reports_a_bad_person_and_a_bad_secret_together() -> None:
    with pytest.raises(ValidationError) as caught:
        linkage_keys("Ivan Čačić", "not bytes but long enough")  # type: ignore[arg-type]
    assert caught.value.paths == ("person", "secret")


def test_same_person_refuses_a_string_of_keys() -> None:
    with pytest.raises(ValidationError) as caught:
        same_person("abc", 5)  # type: ignore[arg-type]
    assert caught.value.paths == ("a_keys", "b_keys")


def test_same_person_needs_a_shared_key() -> None:
    assert same_person([LinkageKey("a"), LinkageKey("b")], (LinkageKey("b"),))
    assert not same_person([LinkageKey("a")], [LinkageKey("b")])
    assert not same_person([], [])


@pytest.mark.req("RG-07")
@given(identity_reports(), linkage_secrets())
def test_keys_are_deterministic_for_the_same_secret(report: IdentityReport, secret: bytes) -> None:
    assert linkage_keys(report, secret) == linkage_keys(report, bytes(secret))
    assert 1 <= len(linkage_keys(report, secret)) <= 1 + len(report.documents)


@pytest.mark.req("RG-07")
@given(identity_reports(), linkage_secrets(), linkage_secrets())
def test_keys_differ_for_another_secret(report: IdentityReport, a: bytes, b: bytes) -> None:
    assume(a != b)
    assert not same_person(linkage_keys(report, a), linkage_keys(report, b))


@pytest.mark.req("RG-07")
@given(identities().flatmap(lambda p: st.tuples(st.just(p), reports_of(p))), linkage_secrets())
def test_report_differing_only_in_case_diacritics_and_spacing_links(
    pair: tuple[Identity, IdentityReport], secret: bytes
) -> None:
    person, report = pair
    assert same_person(linkage_keys(person, secret), linkage_keys(report, secret))


@pytest.mark.req("RG-07")
@given(identity_reports(), identity_reports(), linkage_secrets())
def test_different_birth_dates_and_no_shared_document_do_not_link(
    a: IdentityReport, b: IdentityReport, secret: bytes
) -> None:
    assume(a.birth_date != b.birth_date)

    def documents(r: IdentityReport) -> set[tuple[str, str]]:
        return {(normalize_name(d.kind), normalize_document_number(d.number)) for d in r.documents}

    assume(not documents(a) & documents(b))
    assert not same_person(linkage_keys(a, secret), linkage_keys(b, secret))


# ------------------------------------------------------------------ co-dependents


def test_co_dependent_takes_no_part_without_consent_by_default() -> None:
    mother = CoDependent("cd-1", CID, Relation.PARENT)
    assert not mother.consents_to_take_part
    assert mother.relation is Relation.PARENT


def test_co_dependent_accepts_the_relation_value() -> None:
    assert CoDependent("cd-1", CID, "partner").relation is Relation.PARTNER  # type: ignore[arg-type]


def test_co_dependent_reports_every_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        CoDependent("", ClientId("a b"), "neighbour", consents_to_take_part=1)  # type: ignore[arg-type]
    assert caught.value.paths == ("id", "client_id", "relation", "consents_to_take_part")


# ------------------------------------------------------------------ strategies


@given(client_ids())
def test_client_ids_from_the_strategy_are_valid(value: ClientId) -> None:
    assert client_id(value) == value
    assert re.fullmatch(r"cl-[a-z2-7]{20}", value)


@given(identities(client_id=CID))
def test_identities_strategy_keeps_the_given_client_id(person: Identity) -> None:
    assert person.client_id == CID
    assert person.age_on(date(2030, 1, 1)) >= 14


@given(co_dependents(client_id=CID))
def test_co_dependents_strategy_keeps_the_given_client_id(co: CoDependent) -> None:
    assert co.client_id == CID
    assert attrs.evolve(co) == co
