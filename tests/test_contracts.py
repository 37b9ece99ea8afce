"""The social contract (CF-02): parties, signatures, termination, standing."""

from __future__ import annotations

from datetime import date

import pytest

from resocialize.contracts import (
    Party,
    PartyRole,
    Signature,
    SocialContract,
    TerminationGround,
    contract_standing,
    sign,
    terminate,
)
from resocialize.errors import RuleViolation, ValidationError

D0 = date(2026, 3, 2)


def parties(client: str = "client-1", center: str = "c-1") -> tuple[Party, ...]:
    return (
        Party(PartyRole.PATRONAGE_BODY, "patronage-1", ("follow up",)),
        Party(PartyRole.CLIENT, client, ("follow the program",)),
        Party(PartyRole.CENTER, center, ("deliver the program",)),
        Party(PartyRole.CO_DEPENDENT, "mother-1", ("attend family sessions",)),
    )


def draft(
    client: str = "client-1", center: str = "c-1", cert: str | None = "cert-1"
) -> SocialContract:
    return SocialContract("sc-1", client, center, cert, parties(client, center), (), D0)


def signed(on: date = D0, client: str = "client-1", center: str = "c-1") -> SocialContract:
    contract = draft(client, center)
    for party in contract.parties:
        contract = sign(contract, party.party_id, on=on)
    return contract


def codes(call: object) -> tuple[str, ...]:
    assert callable(call)
    with pytest.raises(RuleViolation) as refused:
        call()
    return refused.value.codes


@pytest.mark.req("CF-02")
def test_a_contract_binds_patronage_body_client_center_and_co_dependents() -> None:
    contract = signed()
    assert {p.role for p in contract.parties} == set(PartyRole)
    assert contract.signed
    assert contract_standing(contract, on=D0).signed


@pytest.mark.req("CF-02")
def test_a_contract_is_signed_only_when_every_party_signed_by_the_day() -> None:
    contract = sign(draft(), "client-1", on=D0)
    assert not contract.signed
    later = signed(on=date(2026, 3, 5))
    assert not contract_standing(later, on=date(2026, 3, 4)).signed
    assert contract_standing(later, on=date(2026, 3, 5)).signed


@pytest.mark.req("CF-02")
def test_parties_are_validated_with_every_bad_path() -> None:
    with pytest.raises(ValidationError) as bad:
        SocialContract(
            "sc-1",
            "client-1",
            "c-1",
            None,
            (Party(PartyRole.CLIENT, "client-2"), Party(PartyRole.CENTER, "c-2")),
            (Signature("nobody", D0),),
            D0,
        )
    assert bad.value.paths == (
        "parties",
        "parties[0].party_id",
        "parties[1].party_id",
        "signatures[0].party_id",
    )


@pytest.mark.req("CF-02")
def test_signing_is_refused_with_every_reason() -> None:
    contract = sign(draft(), "client-1", on=D0)
    assert codes(lambda: sign(contract, "client-1", on=date(2026, 3, 1))) == (
        "party.already_signed",
        "signature.before_concluded",
    )
    assert codes(lambda: sign(contract, "stranger", on=D0)) == ("party.unknown",)


@pytest.mark.req("CF-02")
@pytest.mark.parametrize("ground", list(TerminationGround))
def test_termination_records_its_ground_and_ends_the_standing(ground: TerminationGround) -> None:
    contract = signed()
    ended = terminate(contract, on=date(2026, 5, 1), ground=ground, why="recorded")
    assert ended.termination is not None and ended.termination.ground is ground
    assert contract_standing(ended, on=date(2026, 4, 30)).signed
    assert not contract_standing(ended, on=date(2026, 5, 1)).signed
    assert codes(lambda: terminate(ended, on=date(2026, 5, 2), ground=ground, why="x")) == (
        "contract.terminated",
    )
    assert codes(lambda: sign(ended, "client-1", on=date(2026, 5, 2))) == (
        "contract.terminated",
        "party.already_signed",
    )


@pytest.mark.req("CF-02")
def test_termination_refused_before_signature_and_without_reason() -> None:
    assert codes(lambda: terminate(draft(), on=D0, ground=TerminationGround.BREACH, why=" ")) == (
        "contract.not_signed",
        "decision.why_missing",
    )


@pytest.mark.req("CF-02")
def test_bad_arguments_are_validation_errors() -> None:
    with pytest.raises(ValidationError) as bad:
        sign("contract", 7, on="2026-03-02")  # type: ignore[arg-type]
    assert bad.value.paths == ("contract", "party_id", "on")
