"""Organizations of the regional system and the roles they play in it (RG-09).

The agency and its municipal departments run the system; rehabilitation centers
of every form of ownership provide the courses; partners (social services, the
employment service, education, health care, law enforcement and courts, prisons
and probation, NGOs, employers, churches) identify clients and help them back
into society. Each is an :class:`Organization` with one or more :class:`Role`;
:class:`Partners` holds them, keyed by id.

>>> agency = Organization("agency", "Regional agency", {Role.AGENCY})
>>> dept = Organization(
...     "dept-north", "Northern department", [Role.MUNICIPAL_DEPARTMENT],
...     municipality="North", parent_id="agency",
... )
>>> partners = Partners().add(agency).add(dept)
>>> [org.id for org in partners.children("agency")]
['dept-north']
>>> partners.get("dept-north").has_role(Role.MUNICIPAL_DEPARTMENT)
True
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Final, NewType

import attrs

from ._checks import Problems, id_problem, text_problem
from .errors import ValidationError

__all__ = [
    "ROLE_DESCRIPTIONS",
    "Organization",
    "OrganizationId",
    "OwnershipForm",
    "Partners",
    "Role",
]

OrganizationId = NewType("OrganizationId", str)
"""The id of an organization: non-empty, no whitespace, at most 64 characters."""


class OwnershipForm(enum.StrEnum):
    """Form of ownership of an organization; every form may run a rehabilitation center."""

    STATE = "state"
    MUNICIPAL = "municipal"
    NON_GOVERNMENTAL = "non_governmental"
    RELIGIOUS = "religious"
    PRIVATE = "private"


class Role(enum.StrEnum):
    """A role an organization plays in the regional system (see :data:`ROLE_DESCRIPTIONS`)."""

    AGENCY = "agency"
    MUNICIPAL_DEPARTMENT = "municipal_department"
    SOCIAL_SERVICE = "social_service"
    EMPLOYMENT_SERVICE = "employment_service"
    EDUCATION = "education"
    HEALTH = "health"
    LAW_ENFORCEMENT = "law_enforcement"
    COURT = "court"
    PRISON_PROBATION = "prison_probation"
    NGO = "ngo"
    REHABILITATION_CENTER = "rehabilitation_center"
    EMPLOYER = "employer"
    CERTIFICATION_BODY = "certification_body"
    ANTI_DRUG_COMMISSION = "anti_drug_commission"
    RELIGIOUS_ORGANIZATION = "religious_organization"


ROLE_DESCRIPTIONS: Final[Mapping[Role, str]] = MappingProxyType(
    {
        Role.AGENCY: (
            "Regional agency for social rehabilitation and re-socialization: runs the system, "
            "keeps the registers of centers and clients, issues certificates, controls quality."
        ),
        Role.MUNICIPAL_DEPARTMENT: (
            "Municipal department of the agency: works with clients directly (case management)."
        ),
        Role.SOCIAL_SERVICE: (
            "District social service: identifies clients in daily work and keeps patronage."
        ),
        Role.EMPLOYMENT_SERVICE: (
            "Employment service: keeps a reserve of vacancies and job quotas for graduates."
        ),
        Role.EDUCATION: (
            "Education: schooling, vocational guidance and training, access to higher education."
        ),
        Role.HEALTH: (
            "Health care (narcology clinics, hospitals): examinations, treatment, detoxification."
        ),
        Role.LAW_ENFORCEMENT: (
            "Law enforcement (road safety included): identifies clients and reports them."
        ),
        Role.COURT: (
            "Court: orders treatment and rehabilitation as an additional measure or "
            "an alternative to punishment."
        ),
        Role.PRISON_PROBATION: ("Prisons and probation: pre-release work and post-penal support."),
        Role.NGO: (
            "Non-governmental organization: low-threshold centers, support groups such as NA/AA."
        ),
        Role.REHABILITATION_CENTER: (
            "Rehabilitation center of any form of ownership; must qualify for the register."
        ),
        Role.EMPLOYER: "Employer: hires graduates (tax incentives for doing so).",
        Role.CERTIFICATION_BODY: (
            "Certification body: certifies rehabilitation services (voluntary certification)."
        ),
        Role.ANTI_DRUG_COMMISSION: (
            "Regional anti-drug commission: overall management of the system."
        ),
        Role.RELIGIOUS_ORGANIZATION: (
            "Church or religious organization: a partner in motivation, support and aftercare."
        ),
    }
)
"""One line from the domain for each role."""


def _as_role(value: object) -> Role | None:
    if isinstance(value, Role):
        return value
    if isinstance(value, str):
        try:
            return Role(value)
        except ValueError:
            return None
    return None


def _role_choices() -> str:
    return ", ".join(r.value for r in Role)


@attrs.frozen(init=False)
class Organization:
    """An organization of the regional system with its roles.

    ``roles`` accepts any iterable of :class:`Role` (or their string values) and
    is kept as a frozenset. A rehabilitation center must state its form of
    ownership (state control differs between state, non-state and religious
    centers). ``parent_id`` links e.g. a municipal department to the agency.

    Every bad field is reported at once:

    >>> Organization("c 1", "", [Role.REHABILITATION_CENTER])
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: id: must not contain whitespace; \
name: must not be empty; ownership: is required for a rehabilitation center
    """

    id: str
    name: str
    roles: frozenset[Role]
    municipality: str | None = None
    ownership: OwnershipForm | None = None
    parent_id: str | None = None

    def __init__(
        self,
        id: str,
        name: str,
        roles: Iterable[Role],
        municipality: str | None = None,
        ownership: OwnershipForm | None = None,
        parent_id: str | None = None,
    ) -> None:
        problems = Problems()
        if (msg := id_problem(id)) is not None:
            problems.add("id", msg)
        if (msg := text_problem(name)) is not None:
            problems.add("name", msg)

        role_set: set[Role] = set()
        if isinstance(roles, str | bytes) or not isinstance(roles, Iterable):
            problems.add("roles", f"must be a collection of roles, not {type(roles).__name__}")
        else:
            count = 0
            for index, item in enumerate(roles):
                count += 1
                role = _as_role(item)
                if role is None:
                    problems.add(f"roles[{index}]", f"unknown role {item!r:.40}")
                else:
                    role_set.add(role)
            if count == 0:
                problems.add("roles", "must name at least one role")

        if municipality is not None and (msg := text_problem(municipality)) is not None:
            problems.add("municipality", msg)

        ownership_form: OwnershipForm | None = None
        if ownership is not None:
            try:
                ownership_form = OwnershipForm(ownership)
            except ValueError:
                choices = ", ".join(f.value for f in OwnershipForm)
                problems.add("ownership", f"must be one of {choices}")
        elif Role.REHABILITATION_CENTER in role_set:
            problems.add("ownership", "is required for a rehabilitation center")

        if parent_id is not None:
            if (msg := id_problem(parent_id)) is not None:
                problems.add("parent_id", msg)
            elif parent_id == id:
                problems.add("parent_id", "must differ from the organization's own id")

        problems.raise_if_any()
        self.__attrs_init__(id, name, frozenset(role_set), municipality, ownership_form, parent_id)

    def has_role(self, role: Role) -> bool:
        """True when the organization plays ``role``.

        >>> Organization("emp-1", "Sawmill", {Role.EMPLOYER}).has_role(Role.EMPLOYER)
        True
        """
        return role in self.roles


@attrs.frozen(init=False)
class Partners:
    """The organizations of the regional system, keyed by id, in insertion order.

    Ids are unique and every ``parent_id`` names an organization in the
    collection (the parent links form no cycle). Values are immutable:
    :meth:`add` returns a new collection. Sized for one region (hundreds of
    organizations): lookups scan the tuple.

    >>> Partners([Organization("a", "A", [Role.NGO]), Organization("a", "B", [Role.NGO])])
    Traceback (most recent call last):
    ...
    resocialize.errors.ValidationError: invalid input: organizations[1].id: duplicate id 'a' \
(first at organizations[0])
    """

    organizations: tuple[Organization, ...] = ()

    def __init__(self, organizations: Iterable[Organization] = ()) -> None:
        problems = Problems()
        if isinstance(organizations, str | bytes) or not isinstance(organizations, Iterable):
            problems.add(
                "organizations",
                f"must be a collection of organizations, not {type(organizations).__name__}",
            )
            problems.raise_if_any()
        items = tuple(organizations)
        first_at: dict[str, int] = {}
        for index, org in enumerate(items):
            if not isinstance(org, Organization):
                problems.add(
                    f"organizations[{index}]",
                    f"must be an Organization, not {type(org).__name__}",
                )
            elif org.id in first_at:
                problems.add(
                    f"organizations[{index}].id",
                    f"duplicate id {org.id!r} (first at organizations[{first_at[org.id]}])",
                )
            else:
                first_at[org.id] = index
        problems.raise_if_any()

        parents = {org.id: org.parent_id for org in items}
        for index, org in enumerate(items):
            if org.parent_id is None:
                continue
            if org.parent_id not in parents:
                problems.add(
                    f"organizations[{index}].parent_id",
                    f"no organization with id {org.parent_id!r}",
                )
            elif _in_cycle(org.id, parents):
                problems.add(f"organizations[{index}].parent_id", "the parent links form a cycle")
        problems.raise_if_any()
        self.__attrs_init__(items)

    def __len__(self) -> int:
        return len(self.organizations)

    def __iter__(self) -> Iterator[Organization]:
        return iter(self.organizations)

    def __contains__(self, id: object) -> bool:
        return any(org.id == id for org in self.organizations)

    def get(self, id: str) -> Organization:
        """The organization with this id; an unknown id raises ValidationError at ``id``.

        >>> Partners().get("nobody")
        Traceback (most recent call last):
        ...
        resocialize.errors.ValidationError: invalid input: id: no organization with id 'nobody'
        """
        if (msg := id_problem(id)) is not None:
            raise ValidationError.at("id", msg)
        for org in self.organizations:
            if org.id == id:
                return org
        raise ValidationError.at("id", f"no organization with id {id!r}")

    def with_role(self, role: Role) -> tuple[Organization, ...]:
        """The organizations that play ``role``, in insertion order."""
        wanted = _as_role(role)
        if wanted is None:
            raise ValidationError.at("role", f"must be one of {_role_choices()}")
        return tuple(org for org in self.organizations if wanted in org.roles)

    def add(self, organization: Organization) -> Partners:
        """A new collection with ``organization`` appended.

        Refused (ValidationError, nothing changes) when the id is already taken
        (path ``id``) or the parent is unknown (path ``parent_id``).
        """
        if not isinstance(organization, Organization):
            raise ValidationError.at(
                "organization", f"must be an Organization, not {type(organization).__name__}"
            )
        problems = Problems()
        if organization.id in self:
            problems.add("id", f"an organization with id {organization.id!r} already exists")
        if organization.parent_id is not None and organization.parent_id not in self:
            problems.add("parent_id", f"no organization with id {organization.parent_id!r}")
        problems.raise_if_any()
        return Partners((*self.organizations, organization))

    def children(self, id: str) -> tuple[Organization, ...]:
        """The organizations whose parent is ``id`` (direct children only).

        An unknown id raises ValidationError at ``id``.
        """
        parent = self.get(id)
        return tuple(org for org in self.organizations if org.parent_id == parent.id)


def _in_cycle(start: str, parents: Mapping[str, str | None]) -> bool:
    """True when following parent links from ``start`` comes back to ``start``."""
    seen: set[str] = set()
    current = parents.get(start)
    while current is not None and current not in seen:
        if current == start:
            return True
        seen.add(current)
        current = parents.get(current)
    return False
