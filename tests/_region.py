"""Builders shared by the regional system's tests: a center that qualifies under the default
criteria, and a social contract of a client with a center."""

from __future__ import annotations

from datetime import date

from resocialize.centers import Center, Certification, Program, Qualification, Scheme, StaffCount
from resocialize.contracts import Party, PartyRole, SocialContract
from resocialize.money import Money
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Stage

PROGRAM = "p-iii"


def qualifying_center(center_id: str, *, places: int = 10) -> Center:
    """A non-governmental center in North running a 180-day stage III program of
    ``places`` places, staffed and certified so that it qualifies under the default
    criteria (one psychologist per 15 places, one social worker per 20)."""
    return Center(
        center_id,
        f"Center {center_id}",
        OwnershipForm.NON_GOVERNMENTAL,
        "North",
        programs=[
            Program(PROGRAM, Stage.SOCIAL_REHABILITATION, 180, Money.of(180_000, "RUB"), places)
        ],
        staff=[
            StaffCount(Qualification.PSYCHOLOGIST, max(1, -(-places // 15))),
            StaffCount(Qualification.SPECIALIST_IN_SOCIAL_WORK, max(1, -(-places // 20))),
        ],
        certifications=[
            Certification(
                f"cert-{center_id}",
                "body-1",
                Scheme.VOLUNTARY_SCHEME,
                date(2025, 1, 1),
                date(2028, 1, 1),
            )
        ],
    )


def social_contract(
    client_id: str,
    center_id: str,
    *,
    certificate_id: str,
    contract_id: str,
    on: date,
    patronage: str = "dept-1",
) -> SocialContract:
    """A social contract of the client with the center, concluded ``on``, unsigned."""
    return SocialContract(
        contract_id,
        client_id,
        center_id,
        certificate_id,
        (
            Party(PartyRole.PATRONAGE_BODY, patronage, ("follow the client up",)),
            Party(PartyRole.CLIENT, client_id, ("take part in the program",)),
            Party(PartyRole.CENTER, center_id, ("deliver the program",)),
        ),
        (),
        on,
    )
