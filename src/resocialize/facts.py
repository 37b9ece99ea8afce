"""What the pathway needs to know from the rest of the system, as one typed value.

A pathway guard never looks anything up: :func:`resocialize.pathway.advance`
is pure. What a rule needs from the register of centers, the certificates or
the social contract is passed in as :class:`Facts`, and the guard reads it. An
application fills it from its own data; the register and certificate modules
provide the standings computed for a date.

Each event reads only some fields; the rest may stay ``None``:

- ``refer``: ``referral``
- ``record_program``: ``program_id``
- ``record_diagnosis``: ``assessment_id``
- ``record_medical_help``: ``medical_help``
- ``admit`` and ``transfer``: ``certificate``, ``contract`` and ``center`` (PW-05)
- ``complete_resocialization``: ``labour_outcome`` (PW-06)
"""

from __future__ import annotations

from datetime import date
from typing import Final

import attrs

from ._checks import (
    Checked,
    Problems,
    bool_problem,
    checked,
    count_problem,
    date_problem,
    member_problem,
    optional,
    text_problem,
)
from .organizations import OwnershipForm
from .records import LabourOutcome, MedicalHelp, Referral

__all__ = [
    "NO_FACTS",
    "CenterStanding",
    "CertificateStanding",
    "ContractStanding",
    "Facts",
]


@attrs.frozen
class CertificateStanding(Checked):
    """A certificate as it stands on the day of the event (CF-01, CF-04).

    ``center_id`` is the center the certificate is placed with, if any; ``active``
    is false once the certificate is settled, cancelled or revoked.
    """

    certificate_id: str = attrs.field(metadata=checked(text_problem))
    client_id: str = attrs.field(metadata=checked(text_problem))
    valid_from: date = attrs.field(metadata=checked(date_problem))
    valid_until: date = attrs.field(metadata=checked(date_problem))
    center_id: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    active: bool = attrs.field(default=True, metadata=checked(bool_problem))

    def _more_problems(self, problems: Problems) -> None:
        if self.valid_until < self.valid_from:
            problems.add("valid_until", "must not be before valid_from")


@attrs.frozen
class ContractStanding(Checked):
    """A social contract as it stands (CF-02): which client and center it binds, and
    whether every party has signed."""

    contract_id: str = attrs.field(metadata=checked(text_problem))
    client_id: str = attrs.field(metadata=checked(text_problem))
    center_id: str = attrs.field(metadata=checked(text_problem))
    signed: bool = attrs.field(metadata=checked(bool_problem))


@attrs.frozen
class CenterStanding(Checked):
    """A center as it stands in the register on the day of the event (PW-05, RG-08)."""

    center_id: str = attrs.field(metadata=checked(text_problem))
    in_register: bool = attrs.field(metadata=checked(bool_problem))
    qualified: bool = attrs.field(metadata=checked(bool_problem))
    runs_stage_iii_program: bool = attrs.field(metadata=checked(bool_problem))
    free_places: int = attrs.field(metadata=checked(count_problem))
    ownership: OwnershipForm = attrs.field(metadata=checked(member_problem(OwnershipForm)))


@attrs.frozen
class Facts:
    """Everything a pathway event may need from outside the case. All fields optional."""

    referral: Referral | None = None
    program_id: str | None = None
    assessment_id: str | None = None
    medical_help: MedicalHelp | None = None
    certificate: CertificateStanding | None = None
    contract: ContractStanding | None = None
    center: CenterStanding | None = None
    labour_outcome: LabourOutcome | None = None


NO_FACTS: Final = Facts()
"""Facts that say nothing: enough for events whose guards read only the case."""
