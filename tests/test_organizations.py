"""Organizations of the regional system and their roles (RG-09)."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.errors import ValidationError
from resocialize.organizations import (
    ROLE_DESCRIPTIONS,
    Organization,
    OwnershipForm,
    Partners,
    Role,
)
from resocialize.testing._people import organizations, partners


def org(id: str, *roles: Role, **kwargs: object) -> Organization:
    return Organization(id, f"Organization {id}", roles or (Role.NGO,), **kwargs)  # type: ignore[arg-type]


def regional_partners() -> Partners:
    return Partners(
        [
            org("agency", Role.AGENCY),
            org("dept-north", Role.MUNICIPAL_DEPARTMENT, parent_id="agency"),
            org("dept-south", Role.MUNICIPAL_DEPARTMENT, parent_id="agency"),
            org("team-north", Role.MUNICIPAL_DEPARTMENT, parent_id="dept-north"),
            org("social-1", Role.SOCIAL_SERVICE),
            org("jobs", Role.EMPLOYMENT_SERVICE),
            org("college", Role.EDUCATION),
            org("clinic", Role.HEALTH),
            org("police", Role.LAW_ENFORCEMENT),
            org("court", Role.COURT),
            org("prison", Role.PRISON_PROBATION),
            org(
                "ngo-1",
                Role.NGO,
                Role.REHABILITATION_CENTER,
                ownership=OwnershipForm.NON_GOVERNMENTAL,
            ),
            org("sawmill", Role.EMPLOYER),
            org("church", Role.RELIGIOUS_ORGANIZATION),
        ]
    )


@pytest.mark.req("RG-09")
def test_every_role_is_described_from_the_domain() -> None:
    assert set(ROLE_DESCRIPTIONS) == set(Role)
    assert all(text.strip() for text in ROLE_DESCRIPTIONS.values())


@pytest.mark.req("RG-09")
def test_partners_of_the_regional_system_are_found_by_role() -> None:
    system = regional_partners()
    assert [o.id for o in system.with_role(Role.MUNICIPAL_DEPARTMENT)] == [
        "dept-north",
        "dept-south",
        "team-north",
    ]
    assert [o.id for o in system.with_role(Role.REHABILITATION_CENTER)] == ["ngo-1"]
    assert [o.id for o in system.with_role(Role.NGO)] == ["ngo-1"]
    assert system.with_role(Role.CERTIFICATION_BODY) == ()


@pytest.mark.req("RG-09")
def test_organization_may_play_several_roles() -> None:
    center = org("ngo-1", Role.NGO, Role.REHABILITATION_CENTER, ownership=OwnershipForm.RELIGIOUS)
    assert center.has_role(Role.NGO)
    assert center.has_role(Role.REHABILITATION_CENTER)
    assert not center.has_role(Role.COURT)


@pytest.mark.req("RG-09")
def test_center_organization_requires_ownership_form() -> None:
    with pytest.raises(ValidationError) as caught:
        Organization("c-1", "Hope Farm", [Role.REHABILITATION_CENTER])
    assert caught.value.paths == ("ownership",)


@pytest.mark.req("RG-09")
@pytest.mark.parametrize("form", list(OwnershipForm))
def test_center_of_every_ownership_form_is_accepted(form: OwnershipForm) -> None:
    center = Organization("c-1", "Hope Farm", [Role.REHABILITATION_CENTER], ownership=form)
    assert center.ownership is form


def test_ownership_form_is_optional_for_other_roles() -> None:
    assert Organization("jobs", "Employment service", [Role.EMPLOYMENT_SERVICE]).ownership is None


def test_roles_accept_any_iterable_of_roles_or_their_values() -> None:
    from_generator = Organization("x", "X", (r for r in [Role.COURT, Role.COURT]))
    from_values = Organization("x", "X", ["court"])  # type: ignore[list-item]
    assert from_generator.roles == frozenset({Role.COURT})
    assert from_values == from_generator
    assert all(isinstance(r, Role) for r in from_values.roles)


def test_ownership_form_accepts_its_value() -> None:
    center = Organization("c", "C", [Role.REHABILITATION_CENTER], ownership="private")  # type: ignore[arg-type]
    assert center.ownership is OwnershipForm.PRIVATE


def test_organization_reports_every_bad_field_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        Organization(
            "has space",
            "  ",
            [Role.REHABILITATION_CENTER, "prison", 3],  # type: ignore[list-item]
            municipality="",
            parent_id="",
        )
    assert caught.value.paths == (
        "id",
        "name",
        "roles[1]",
        "roles[2]",
        "municipality",
        "ownership",
        "parent_id",
    )


@pytest.mark.parametrize("roles", [[], "ngo", 5, None])
def test_roles_must_be_a_non_empty_collection(roles: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Organization("x", "X", roles)  # type: ignore[arg-type]
    assert caught.value.paths == ("roles",)


@pytest.mark.parametrize("bad", ["", "a b", "tab\there", "x" * 65, 7, None])
def test_organization_id_is_non_empty_without_whitespace_and_short(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Organization(bad, "X", [Role.NGO])  # type: ignore[arg-type]
    assert caught.value.paths == ("id",)


def test_organization_id_of_64_characters_is_accepted() -> None:
    assert len(Organization("x" * 64, "X", [Role.NGO]).id) == 64


def test_unknown_ownership_form_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Organization("x", "X", [Role.NGO], ownership="feudal")  # type: ignore[arg-type]
    assert caught.value.paths == ("ownership",)


def test_organization_cannot_be_its_own_parent() -> None:
    with pytest.raises(ValidationError) as caught:
        org("dept", Role.MUNICIPAL_DEPARTMENT, parent_id="dept")
    assert caught.value.paths == ("parent_id",)


def test_organization_is_immutable() -> None:
    agency = org("agency", Role.AGENCY)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        agency.name = "Other"  # type: ignore[misc]


@pytest.mark.req("RG-09")
def test_partners_refuse_duplicate_ids_with_the_path_of_the_duplicate() -> None:
    items = [org("a"), org("b"), org("c"), org("a"), org("b")]
    with pytest.raises(ValidationError) as caught:
        Partners(items)
    assert caught.value.paths == ("organizations[3].id", "organizations[4].id")
    assert "organizations[0]" in str(caught.value)


def test_partners_refuse_what_is_not_an_organization() -> None:
    with pytest.raises(ValidationError) as caught:
        Partners([org("a"), "b"])  # type: ignore[list-item]
    assert caught.value.paths == ("organizations[1]",)
    with pytest.raises(ValidationError) as caught:
        Partners(42)  # type: ignore[arg-type]
    assert caught.value.paths == ("organizations",)


def test_partners_refuse_an_unknown_parent() -> None:
    with pytest.raises(ValidationError) as caught:
        Partners([org("agency"), org("dept", parent_id="nowhere")])
    assert caught.value.paths == ("organizations[1].parent_id",)


def test_partners_accept_a_parent_listed_after_its_child() -> None:
    system = Partners([org("dept", parent_id="agency"), org("agency")])
    assert [o.id for o in system.children("agency")] == ["dept"]


def test_partners_refuse_a_cycle_of_parents() -> None:
    with pytest.raises(ValidationError) as caught:
        Partners([org("a", parent_id="b"), org("b", parent_id="a"), org("c", parent_id="a")])
    assert caught.value.paths == ("organizations[0].parent_id", "organizations[1].parent_id")


@pytest.mark.req("RG-09")
def test_unknown_id_raises_validation_error_not_key_error() -> None:
    system = regional_partners()
    with pytest.raises(ValidationError) as caught:
        system.get("nobody")
    assert caught.value.paths == ("id",)
    assert not isinstance(caught.value, KeyError)
    with pytest.raises(ValidationError) as caught:
        system.get(None)  # type: ignore[arg-type]
    assert caught.value.paths == ("id",)


@pytest.mark.req("RG-09")
def test_add_returns_a_new_value_and_leaves_the_original_unchanged() -> None:
    before = regional_partners()
    after = before.add(org("jobs-2", Role.EMPLOYMENT_SERVICE))
    assert "jobs-2" in after
    assert "jobs-2" not in before
    assert len(after) == len(before) + 1
    assert after.get("jobs-2").has_role(Role.EMPLOYMENT_SERVICE)


@pytest.mark.req("RG-09")
def test_add_refuses_a_duplicate_id_and_an_unknown_parent_together() -> None:
    system = regional_partners()
    with pytest.raises(ValidationError) as caught:
        system.add(org("court", Role.COURT, parent_id="ministry"))
    assert caught.value.paths == ("id", "parent_id")
    assert len(system) == len(regional_partners())


def test_add_refuses_what_is_not_an_organization() -> None:
    with pytest.raises(ValidationError) as caught:
        Partners().add({"id": "x"})  # type: ignore[arg-type]
    assert caught.value.paths == ("organization",)


def test_add_accepts_a_known_parent() -> None:
    system = regional_partners().add(
        org("dept-east", Role.MUNICIPAL_DEPARTMENT, parent_id="agency")
    )
    assert system.get("dept-east").parent_id == "agency"


def test_children_are_the_direct_children_only() -> None:
    system = regional_partners()
    assert [o.id for o in system.children("agency")] == ["dept-north", "dept-south"]
    assert [o.id for o in system.children("dept-north")] == ["team-north"]
    assert system.children("court") == ()
    with pytest.raises(ValidationError):
        system.children("nobody")


def test_with_role_refuses_an_unknown_role() -> None:
    with pytest.raises(ValidationError) as caught:
        regional_partners().with_role("pirate")  # type: ignore[arg-type]
    assert caught.value.paths == ("role",)


def test_with_role_accepts_the_role_value() -> None:
    system = regional_partners()
    assert system.with_role("court") == system.with_role(Role.COURT)  # type: ignore[arg-type]


@pytest.mark.req("RG-09")
@given(st.lists(organizations(), max_size=6, unique_by=lambda o: o.id))
def test_every_organization_round_trips_add_and_get(orgs: list[Organization]) -> None:
    system = Partners()
    for item in orgs:
        system = system.add(item)
    assert len(system) == len(orgs)
    for item in orgs:
        assert system.get(item.id) == item
        for role in item.roles:
            assert item in system.with_role(role)


@given(organizations())
def test_adding_an_organization_twice_is_refused(item: Organization) -> None:
    with pytest.raises(ValidationError) as caught:
        Partners().add(item).add(item)
    assert caught.value.paths == ("id",)


@given(partners())
def test_every_parent_lists_its_children(system: Partners) -> None:
    for item in system:
        if item.parent_id is not None:
            assert item in system.children(item.parent_id)
    assert sum(len(system.children(o.id)) for o in system) == sum(
        o.parent_id is not None for o in system
    )


@given(
    st.frozensets(st.sampled_from(Role), min_size=1, max_size=4).flatmap(
        lambda roles: st.tuples(st.just(roles), organizations(roles))
    )
)
def test_organization_strategy_gives_exactly_the_requested_roles(
    drawn: tuple[frozenset[Role], Organization],
) -> None:
    roles, item = drawn
    assert item.roles == roles
    if Role.REHABILITATION_CENTER in roles:
        assert item.ownership is not None
