"""The social contract: who is bound to what before a certificate is placed (CF-02).

A :class:`SocialContract` binds the body doing social patronage, the client, the
rehabilitation center and, optionally, co-dependents of the client, each with
their obligations (seed 001). It is in force once every party has signed and
until it is terminated on one of the :class:`TerminationGround`. A certificate
is placed only with a signed contract of its client and the chosen center
(:mod:`resocialize.certificates`).

>>> from datetime import date
>>> contract = SocialContract(
...     "sc-1", "client-1", "c-1", "cert-1",
...     (Party(PartyRole.PATRONAGE_BODY, "patronage-1", ("follow the client up",)),
...      Party(PartyRole.CLIENT, "client-1", ("stay sober", "follow the program")),
...      Party(PartyRole.CENTER, "c-1", ("deliver the program",))),
...     (), date(2026, 3, 2))
>>> contract.signed
False
>>> for party in ("patronage-1", "client-1", "c-1"):
...     contract = sign(contract, party, on=date(2026, 3, 3))
>>> contract_standing(contract, on=date(2026, 3, 3)).signed
True
>>> ended = terminate(contract, on=date(2026, 6, 1), ground=TerminationGround.CLIENT_LEFT,
...                   why="the client left the center")
>>> contract_standing(ended, on=date(2026, 6, 1)).signed
False

Values are frozen: :func:`sign` and :func:`terminate` return a new contract. A
refusal raises :class:`~resocialize.errors.RuleViolation` with every unmet
condition and changes nothing; malformed input raises
:class:`~resocialize.errors.ValidationError` with the path of every bad field.
"""

from __future__ import annotations

import enum
from collections import Counter
from datetime import date

import attrs

from ._checks import (
    Checked,
    Problems,
    checked,
    date_problem,
    id_problem,
    instance_problem,
    member_problem,
    optional,
    text_problem,
)
from .errors import RuleViolation
from .facts import ContractStanding
from .rules import Reason

__all__ = [
    "Party",
    "PartyRole",
    "Signature",
    "SocialContract",
    "Termination",
    "TerminationGround",
    "contract_standing",
    "sign",
    "terminate",
]


class PartyRole(enum.StrEnum):
    """The role of a party to a social contract. Values are stable: they are stored."""

    PATRONAGE_BODY = "patronage_body"
    CLIENT = "client"
    CENTER = "center"
    CO_DEPENDENT = "co_dependent"


class TerminationGround(enum.StrEnum):
    """Why a social contract ended. Values are stable: they are stored."""

    CLIENT_LEFT = "client_left"
    CENTER_LOST_QUALIFICATION = "center_lost_qualification"
    BREACH = "breach"
    COMPLETED = "completed"


def _tuple(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def _obligations_problem(value: object) -> str | None:
    if not isinstance(value, tuple):
        return f"must be a tuple of strings, not {type(value).__name__}"
    for i, item in enumerate(value):
        problem = text_problem(item)
        if problem is not None:
            return f"item {i} {problem}"
    return None


@attrs.frozen
class Party(Checked):
    """One party to the contract: its role, its id, and what it undertakes."""

    role: PartyRole = attrs.field(metadata=checked(member_problem(PartyRole)))
    party_id: str = attrs.field(metadata=checked(id_problem))
    obligations: tuple[str, ...] = attrs.field(
        default=(), converter=_tuple, metadata=checked(_obligations_problem)
    )


@attrs.frozen
class Signature(Checked):
    """A party's signature and the day it was given."""

    party_id: str = attrs.field(metadata=checked(id_problem))
    signed_on: date = attrs.field(metadata=checked(date_problem))


@attrs.frozen
class Termination(Checked):
    """Why the contract ended: the ground and the explanation."""

    ground: TerminationGround = attrs.field(metadata=checked(member_problem(TerminationGround)))
    why: str = attrs.field(metadata=checked(text_problem))


def _items_problem(kind: type) -> object:
    def check(value: object) -> str | None:
        if not isinstance(value, tuple):
            return f"must be a tuple of {kind.__name__}, not {type(value).__name__}"
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                return f"item {i} must be a {kind.__name__}, not {type(item).__name__}"
        return None

    return check


_ONE_EACH = (PartyRole.PATRONAGE_BODY, PartyRole.CLIENT, PartyRole.CENTER)


@attrs.frozen
class SocialContract(Checked):
    """A social contract of one client with one center (CF-02).

    ``certificate_id`` is the certificate the contract serves, or ``None`` when it
    is concluded before the certificate is known. The parties are exactly one
    patronage body, the client (``client_id``), the center (``center_id``) and any
    co-dependents; each party id appears once. Signatures are of parties, one per
    party, not before ``concluded_on``; ``terminated_on`` and ``termination`` are
    given together, not before ``concluded_on``.
    """

    id: str = attrs.field(metadata=checked(id_problem))
    client_id: str = attrs.field(metadata=checked(id_problem))
    center_id: str = attrs.field(metadata=checked(id_problem))
    certificate_id: str | None = attrs.field(metadata=checked(optional(id_problem)))
    parties: tuple[Party, ...] = attrs.field(
        converter=_tuple,
        metadata=checked(_items_problem(Party)),  # type: ignore[arg-type]
    )
    signatures: tuple[Signature, ...] = attrs.field(
        converter=_tuple,
        metadata=checked(_items_problem(Signature)),  # type: ignore[arg-type]
    )
    concluded_on: date = attrs.field(metadata=checked(date_problem))
    terminated_on: date | None = attrs.field(default=None, metadata=checked(optional(date_problem)))
    termination: Termination | None = attrs.field(
        default=None, metadata=checked(optional(instance_problem(Termination)))
    )

    def _more_problems(self, problems: Problems) -> None:
        roles = Counter(p.role for p in self.parties)
        for role in _ONE_EACH:
            if roles[role] != 1:
                problems.add("parties", f"must hold exactly one {role.value}, not {roles[role]}")
        for i, party in enumerate(self.parties):
            if party.role is PartyRole.CLIENT and party.party_id != self.client_id:
                problems.add(f"parties[{i}].party_id", f"must be the client {self.client_id!r}")
            if party.role is PartyRole.CENTER and party.party_id != self.center_id:
                problems.add(f"parties[{i}].party_id", f"must be the center {self.center_id!r}")
        ids = [p.party_id for p in self.parties]
        if len(set(ids)) != len(ids):
            problems.add("parties", "must not name one party twice")
        signers: set[str] = set()
        for i, signature in enumerate(self.signatures):
            if signature.party_id not in ids:
                problems.add(f"signatures[{i}].party_id", "must be a party to the contract")
            if signature.party_id in signers:
                problems.add(f"signatures[{i}].party_id", "has already signed")
            signers.add(signature.party_id)
            if signature.signed_on < self.concluded_on:
                problems.add(f"signatures[{i}].signed_on", "must not be before concluded_on")
        if (self.terminated_on is None) != (self.termination is None):
            problems.add("termination", "must be given together with terminated_on")
        if self.terminated_on is not None and self.terminated_on < self.concluded_on:
            problems.add("terminated_on", "must not be before concluded_on")

    @property
    def signed(self) -> bool:
        """True when every party has signed (whatever the date; see :func:`contract_standing`)."""
        signers = {s.party_id for s in self.signatures}
        return all(p.party_id in signers for p in self.parties)

    @property
    def signed_on(self) -> date | None:
        """The day the last party signed, or ``None`` while a signature is missing."""
        if not self.signed:
            return None
        return max(s.signed_on for s in self.signatures)


def _check_contract(contract: object, problems: Problems) -> None:
    problems.check("contract", instance_problem(SocialContract)(contract))


def _terminated(contract: SocialContract) -> list[Reason]:
    if contract.terminated_on is None:
        return []
    return [
        Reason(
            "contract.terminated",
            f"the contract {contract.id} was terminated on {contract.terminated_on.isoformat()}",
            {"contract_id": contract.id, "terminated_on": contract.terminated_on.isoformat()},
        )
    ]


def sign(contract: SocialContract, party_id: str, *, on: date) -> SocialContract:
    """Record the signature of ``party_id`` given ``on``; return the new contract.

    Refused with ``contract.terminated``, ``party.unknown``, ``party.already_signed``
    or ``signature.before_concluded`` (every one that applies).
    """
    problems = Problems()
    _check_contract(contract, problems)
    problems.check("party_id", id_problem(party_id))
    problems.check("on", date_problem(on))
    problems.raise_if_any()
    reasons = _terminated(contract)
    if party_id not in {p.party_id for p in contract.parties}:
        reasons.append(
            Reason(
                "party.unknown",
                f"{party_id} is not a party to the contract {contract.id}",
                {"party_id": party_id, "contract_id": contract.id},
            )
        )
    if party_id in {s.party_id for s in contract.signatures}:
        reasons.append(
            Reason("party.already_signed", f"{party_id} has already signed", {"party_id": party_id})
        )
    if on < contract.concluded_on:
        reasons.append(
            Reason(
                "signature.before_concluded",
                f"{on.isoformat()} is before the contract was concluded "
                f"({contract.concluded_on.isoformat()})",
                {"on": on.isoformat()},
            )
        )
    if reasons:
        raise RuleViolation(reasons)
    return attrs.evolve(contract, signatures=(*contract.signatures, Signature(party_id, on)))


def terminate(
    contract: SocialContract, *, on: date, ground: TerminationGround, why: str
) -> SocialContract:
    """End the contract ``on`` for ``ground``; return the new contract (CF-02).

    Refused with ``contract.not_signed`` (not every party signed by ``on``),
    ``contract.terminated`` (already), ``decision.why_missing`` (blank ``why``).
    """
    problems = Problems()
    _check_contract(contract, problems)
    problems.check("on", date_problem(on))
    problems.check("ground", member_problem(TerminationGround)(ground))
    problems.check("why", None if isinstance(why, str) else f"must be a string, not {why!r}")
    problems.raise_if_any()
    reasons = _terminated(contract)
    signed_on = contract.signed_on
    if signed_on is None or signed_on > on:
        reasons.append(
            Reason(
                "contract.not_signed",
                f"the contract {contract.id} is not signed by every party by {on.isoformat()}",
                {"contract_id": contract.id, "on": on.isoformat()},
            )
        )
    if not why.strip():
        reasons.append(
            Reason("decision.why_missing", "every decision must say why; the reason is blank")
        )
    if reasons:
        raise RuleViolation(reasons)
    return attrs.evolve(contract, terminated_on=on, termination=Termination(ground, why))


def contract_standing(contract: SocialContract, *, on: date) -> ContractStanding:
    """The contract as it stands on the day ``on``, for the pathway's guards (CF-02).

    ``signed`` is true when every party signed by ``on`` and the contract was not
    terminated by then.
    """
    problems = Problems()
    _check_contract(contract, problems)
    problems.check("on", date_problem(on))
    problems.raise_if_any()
    signed_on = contract.signed_on
    in_force = signed_on is not None and signed_on <= on
    if contract.terminated_on is not None and contract.terminated_on <= on:
        in_force = False
    return ContractStanding(contract.id, contract.client_id, contract.center_id, in_force)
