"""Hypothesis strategies for the access policy: actors, targets, rules and whole policies.

Organization ids are drawn from a small pool, so that an actor and a target often name the
same organization and the conditions of the policy are met as often as not:

>>> from hypothesis import find
>>> from resocialize.access import Condition
>>> from resocialize.testing._access import rules
>>> find(rules(), lambda r: r.condition is Condition.OWN_CENTER).condition.value
'own_center'
"""

from __future__ import annotations

from typing import Final

from hypothesis import strategies as st

from resocialize.access import (
    Actor,
    Command,
    Condition,
    Field,
    Permission,
    Policy,
    ReadRule,
    Rule,
    Target,
)
from resocialize.organizations import Role

__all__ = [
    "ORGANIZATIONS",
    "actors",
    "commands",
    "conditions",
    "fields",
    "policies",
    "read_rules",
    "roles",
    "rules",
    "targets",
]

ORGANIZATIONS: Final = ("agency", "dept-1", "center-1", "center-2", "court-1", "police-1")
"""The organization ids drawn for actors and targets."""

_ORGS: Final = st.sampled_from(ORGANIZATIONS)
_PEOPLE: Final = st.from_regex(r"[a-z]{1,8}-[0-9]{1,3}", fullmatch=True)


def commands() -> st.SearchStrategy[Command]:
    """Any command."""
    return st.sampled_from(list(Command))


def conditions() -> st.SearchStrategy[Condition]:
    """Any condition."""
    return st.sampled_from(list(Condition))


def fields() -> st.SearchStrategy[Field]:
    """Any field of a case."""
    return st.sampled_from(list(Field))


def roles() -> st.SearchStrategy[Role]:
    """Any role."""
    return st.sampled_from(list(Role))


def actors(
    role: Role | None = None, organization_id: str | None = None
) -> st.SearchStrategy[Actor]:
    """Actors of ``role`` (any when ``None``) from ``organization_id`` (one of
    :data:`ORGANIZATIONS` when ``None``), with or without the identifying-data permission."""
    return st.builds(
        Actor,
        organization_id=_ORGS if organization_id is None else st.just(organization_id),
        role=roles() if role is None else st.just(role),
        person_id=_PEOPLE,
        permissions=st.frozensets(st.sampled_from(list(Permission))),
    )


def targets() -> st.SearchStrategy[Target]:
    """Targets naming organizations of :data:`ORGANIZATIONS`, each part sometimes absent."""
    maybe = st.one_of(st.none(), _ORGS)
    some = st.frozensets(_ORGS, max_size=3)
    return st.builds(
        Target,
        case_id=st.one_of(st.none(), st.just("case-1")),
        court_id=maybe,
        center_id=maybe,
        certificate_center_id=maybe,
        contract_center_id=maybe,
        referrers=some,
        departments=some,
        providers=some,
    )


def rules() -> st.SearchStrategy[Rule]:
    """Lines of command policy."""
    return st.builds(Rule, commands(), roles(), conditions())


def read_rules() -> st.SearchStrategy[ReadRule]:
    """Lines of read policy."""
    return st.builds(ReadRule, fields(), roles(), conditions())


def policies(max_rules: int = 40, max_reads: int = 30) -> st.SearchStrategy[Policy]:
    """Policies of up to ``max_rules`` command lines and ``max_reads`` read lines; many of
    them hold up to 15 further ``read_case`` lines, so that views are often made."""
    readers = st.frozensets(
        st.builds(Rule, st.just(Command.READ_CASE), roles(), conditions()), max_size=15
    )
    return st.builds(
        lambda lines, reading, reads: Policy(lines | reading, reads),
        st.frozensets(rules(), max_size=max_rules),
        st.one_of(st.just(frozenset()), readers),
        st.frozensets(read_rules(), max_size=max_reads),
    )
