"""Centers, certification status over time, licences and inspection findings (RG-01/03/05)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.centers import (
    Center,
    CertificateStatus,
    Certification,
    CertificationChange,
    ChangeKind,
    Finding,
    FindingArea,
    Inspection,
    Licence,
    LicenceKind,
    Program,
    Qualification,
    Scheme,
    Severity,
    StaffCount,
)
from resocialize.errors import ValidationError
from resocialize.money import Money
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Stage
from resocialize.testing._centers import centers, certifications, inspections, licences

DAY = date(2026, 5, 4)
days = st.dates(min_value=date(2014, 1, 1), max_value=date(2037, 1, 1))


def program(**changes: object) -> Program:
    values: dict[str, object] = {
        "id": "p-1",
        "stage": Stage.SOCIAL_REHABILITATION,
        "duration_days": 180,
        "price": Money.of(180_000, "RUB"),
        "places": 20,
    }
    values.update(changes)
    return Program(**values)  # type: ignore[arg-type]


@pytest.mark.req("RG-01")
@pytest.mark.parametrize("ownership", list(OwnershipForm))
def test_a_center_of_every_ownership_form_holds_its_programs(ownership: OwnershipForm) -> None:
    center = Center(
        "c-1",
        "Svet",
        ownership,
        "North",
        programs=[program(), program(id="p-2", stage=Stage.RESOCIALIZATION, places=5)],
        staff=[StaffCount(Qualification.PSYCHOLOGIST, 2)],
        halfway_house_places=6,
    )
    assert center.places() == 25 and center.places(Stage.RESOCIALIZATION) == 5
    assert [p.id for p in center.programs_for(Stage.SOCIAL_REHABILITATION)] == ["p-1"]
    assert center.staff_count(Qualification.PSYCHOLOGIST) == 2
    assert center.staff_count(Qualification.NARCOLOGIST) == 0


@pytest.mark.req("RG-01")
def test_a_program_with_several_bad_fields_reports_every_one() -> None:
    with pytest.raises(ValidationError) as caught:
        Program("p 1", Stage.TREATMENT, 0, 180_000, -1)  # type: ignore[arg-type]
    assert caught.value.paths == ("id", "stage", "duration_days", "price", "places")


@pytest.mark.req("RG-01")
def test_a_center_refuses_duplicate_programs_and_staff_lines() -> None:
    with pytest.raises(ValidationError) as caught:
        Center(
            "c-1",
            "Svet",
            OwnershipForm.RELIGIOUS,
            "North",
            programs=[program(), program()],
            staff=[StaffCount(Qualification.NURSE, 1), StaffCount(Qualification.NURSE, 2)],
        )
    assert caught.value.paths == ("programs[1].id", "staff")


@pytest.mark.req("RG-03")
def test_certification_status_follows_issue_suspension_reinstatement_and_expiry() -> None:
    cert = Certification(
        "cert-1",
        "body-1",
        Scheme.VOLUNTARY_SCHEME,
        date(2025, 1, 1),
        date(2027, 12, 31),
        changes=[
            CertificationChange(date(2026, 3, 1), ChangeKind.SUSPENDED, "complaint", "body-1"),
            CertificationChange(date(2026, 4, 1), ChangeKind.REINSTATED, "resolved", "body-1"),
        ],
    )
    assert cert.status_on(date(2024, 12, 31)) is CertificateStatus.NOT_YET_VALID
    assert cert.status_on(date(2026, 3, 15)) is CertificateStatus.SUSPENDED
    assert cert.status_on(date(2026, 4, 1)) is CertificateStatus.VALID
    assert cert.status_on(date(2028, 1, 1)) is CertificateStatus.EXPIRED


@pytest.mark.req("RG-03")
@given(cert=certifications(), day=days)
def test_revocation_is_final_and_expiry_never_turns_valid(cert: Certification, day: date) -> None:
    status = cert.status_on(day)
    revoked = [c.on for c in cert.changes if c.kind is ChangeKind.REVOKED]
    if revoked and day >= revoked[0]:
        assert status is CertificateStatus.REVOKED
    elif day > cert.valid_until:
        assert status is CertificateStatus.EXPIRED
    if status is CertificateStatus.VALID:
        assert cert.issued_on <= day <= cert.valid_until
        assert cert.status_on(day + timedelta(days=1)) is not CertificateStatus.NOT_YET_VALID


@pytest.mark.req("RG-03")
@given(center=centers(), day=days)
def test_a_center_has_the_best_status_of_its_certifications(center: Center, day: date) -> None:
    statuses = {cert.status_on(day) for cert in center.certifications}
    best = center.certification_status_on(day)
    if not statuses:
        assert best is CertificateStatus.NONE
    else:
        assert best in statuses
        assert (best is CertificateStatus.VALID) == (CertificateStatus.VALID in statuses)


def test_certification_changes_out_of_order_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Certification(
            "cert-1",
            "body-1",
            Scheme.CERTIFICATION_BODY,
            date(2025, 1, 1),
            date(2024, 1, 1),
            changes=[
                CertificationChange(date(2026, 3, 1), ChangeKind.SUSPENDED, "a", "body-1"),
                CertificationChange(date(2026, 1, 1), ChangeKind.REINSTATED, "b", "body-1"),
            ],
        )
    assert caught.value.paths == ("valid_until", "changes")


@given(licence=licences(), day=days)
def test_a_licence_is_in_force_only_inside_its_validity_and_before_revocation(
    licence: Licence, day: date
) -> None:
    inside = licence.valid_from <= day and (
        licence.valid_until is None or day <= licence.valid_until
    )
    revoked = licence.revoked_on is not None and day >= licence.revoked_on
    assert licence.active_on(day) == (inside and not revoked)


@pytest.mark.req("RG-05")
def test_a_finding_is_open_from_the_inspection_until_resolved() -> None:
    finding = Finding(
        "hr-1",
        FindingArea.HUMAN_RIGHTS,
        Severity.SERIOUS,
        "clients locked in",
        deadline=DAY + timedelta(days=30),
        resolved_on=DAY + timedelta(days=20),
    )
    inspection = Inspection("insp-1", DAY, "prosecutor-1", [finding])
    assert inspection.open_findings(DAY - timedelta(days=1)) == ()
    assert inspection.open_findings(DAY + timedelta(days=19)) == (finding,)
    assert inspection.open_findings(DAY + timedelta(days=20)) == ()


@pytest.mark.req("RG-05")
@given(inspection=inspections(), day=days)
def test_open_findings_are_exactly_the_unresolved_ones_known_on_the_day(
    inspection: Inspection, day: date
) -> None:
    expected = tuple(
        f
        for f in inspection.findings
        if day >= inspection.on and (f.resolved_on is None or f.resolved_on > day)
    )
    assert inspection.open_findings(day) == expected


@pytest.mark.req("RG-05")
def test_a_finding_resolved_before_its_inspection_is_refused() -> None:
    early = Finding("x-1", FindingArea.SAFETY, Severity.MINOR, "exit", resolved_on=date(2020, 1, 1))
    with pytest.raises(ValidationError) as caught:
        Inspection("insp-1", DAY, "body-1", [early])
    assert caught.value.paths == ("findings[0].resolved_on",)


def test_licences_by_kind() -> None:
    center = Center(
        "c-1",
        "Svet",
        OwnershipForm.STATE,
        "North",
        licences=[
            Licence(LicenceKind.MEDICAL, "M-1", "health-1", date(2025, 1, 1), date(2026, 1, 1))
        ],
    )
    assert center.has_licence(LicenceKind.MEDICAL, date(2025, 6, 1))
    assert not center.has_licence(LicenceKind.MEDICAL, date(2026, 6, 1))
    assert not center.has_licence(LicenceKind.EDUCATIONAL, date(2025, 6, 1))


@pytest.mark.req("IX-01")
@given(center=centers())
def test_every_center_round_trips_through_json(center: Center) -> None:
    from resocialize.serialization import from_json, to_json

    assert from_json(to_json(center), expected=Center) == center
