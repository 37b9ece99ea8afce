"""Labour reintegration (PL-08): reserved vacancies, job quotas, employer incentives, matching
graduates to jobs; and the stage IV outcome the pathway records (PW-06)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from _builders import CLIENT, admission, in_treatment, run
from resocialize.errors import RuleViolation, ValidationError
from resocialize.facts import Facts
from resocialize.labour import (
    FIT_CODES,
    UNMET_CODES,
    EducationLevel,
    EmployerIncentive,
    Enrolment,
    Hire,
    IncentiveKind,
    JobFeature,
    JobQuota,
    LabourProfile,
    Match,
    Vacancy,
    VacancyReserve,
    add_incentive,
    add_quota,
    add_vacancy,
    enrol,
    hire,
    incentives_due,
    match,
    open_on,
    outcome_on,
    places_left,
    quota_use,
    vacancy_of,
)
from resocialize.money import Money
from resocialize.pathway import Event, State
from resocialize.records import LabourOutcome
from resocialize.serialization import structure, unstructure
from resocialize.testing._labour import (
    labour_days,
    labour_profiles,
    vacancies,
    vacancy_reserves,
)

D0 = date(2026, 4, 1)


def rub(amount: str) -> Money:
    return Money.of(amount, "RUB")


def vacancy(vacancy_id: str = "v-1", **changes: object) -> Vacancy:
    """A vacancy at a bakery in North, open from March 2026, that anyone may take."""
    base = Vacancy("v-1", "bakery-1", "Baker's assistant", "North", 1, date(2026, 3, 1))
    return attrs.evolve(base, id=vacancy_id, **changes)


def profile(client_id: str = "client-1", **changes: object) -> LabourProfile:
    base = LabourProfile(client_id, "North", frozenset({"baking"}), EducationLevel.SECONDARY)
    return attrs.evolve(base, **changes)


def codes(call: object) -> tuple[str, ...]:
    assert callable(call)
    with pytest.raises(RuleViolation) as refused:
        call()
    return refused.value.codes


def expected_unmet(
    who: LabourProfile, offer: Vacancy, reserve: VacancyReserve, on: date
) -> list[str]:
    """The unmet conditions, computed apart from the library, in the documented order."""
    found = []
    if not (offer.open_from <= on and (offer.open_until is None or on <= offer.open_until)):
        found.append("match.closed")
    if sum(h.vacancy_id == offer.id for h in reserve.hires) >= offer.places:
        found.append("match.full")
    quota = next((q for q in reserve.quotas if q.id == offer.quota_id), None)
    if quota is not None:
        counted = {v.id for v in reserve.vacancies if v.quota_id == quota.id}
        if sum(h.vacancy_id in counted for h in reserve.hires) >= quota.places:
            found.append("match.quota_used_up")
        if on.year != quota.year:
            found.append("match.quota_year")
    if any(h.client_id == who.client_id and h.vacancy_id == offer.id for h in reserve.hires):
        found.append("match.already_hired")
    if not offer.trains and not offer.skills <= who.skills | who.training:
        found.append("match.skills_missing")
    if who.education < offer.education:
        found.append("match.education")
    if offer.features & who.excluded:
        found.append("match.excluded_feature")
    if offer.municipality != who.municipality and not who.relocate:
        found.append("match.municipality")
    return found


# --- reserved vacancies and ranking ------------------------------------------------------------


@pytest.mark.req("PL-08")
def test_reserved_vacancies_are_offered_first() -> None:
    reserve = VacancyReserve(
        vacancies=(
            vacancy("v-1", skills=frozenset({"baking"}), field="food"),
            vacancy("v-2", reserved=True),
            vacancy("v-3", reserved=True, skills=frozenset({"baking"})),
            vacancy("v-4", skills=frozenset({"welding"})),
        )
    )
    found = match(profile(interests=frozenset({"food"})), reserve, D0)
    assert [(m.vacancy_id, m.fits, m.score) for m in found] == [
        ("v-3", True, 4),
        ("v-2", True, 1),
        ("v-1", True, 6),
        ("v-4", False, 1),
    ]
    assert found[0].reasons[0].code == "match.reserved"
    assert [r.code for r in found[2].reasons] == ["match.skills", "match.interest", "match.local"]


@pytest.mark.req("PL-08")
def test_matching_lists_only_vacancies_open_on_the_day() -> None:
    reserve = VacancyReserve(
        vacancies=(
            vacancy("v-1", open_until=date(2026, 3, 31)),
            vacancy("v-2", open_from=date(2026, 4, 2)),
            vacancy("v-3", open_until=D0),
        )
    )
    assert [v.id for v in open_on(reserve, D0)] == ["v-3"]
    assert [m.vacancy_id for m in match(profile(), reserve, D0)] == ["v-3"]
    assert places_left(reserve, "v-1", D0) == 0
    assert codes(lambda: hire(reserve, profile(), "v-1", D0)) == ("match.closed",)


@pytest.mark.req("PL-08")
def test_training_on_the_job_lifts_the_skills_bar_and_completed_courses_count() -> None:
    welder = vacancy(skills=frozenset({"welding", "baking"}))
    reserve = VacancyReserve(vacancies=(welder,))
    (refused,) = match(profile(), reserve, D0)
    assert not refused.fits and refused.reasons[0].details["missing"] == "welding"
    (trained,) = match(profile(training=frozenset({"welding"})), reserve, D0)
    assert trained.fits and trained.score == 7
    on_the_job = VacancyReserve(vacancies=(attrs.evolve(welder, trains=True),))
    (taught,) = match(profile(), on_the_job, D0)
    assert taught.fits
    assert [r.code for r in taught.reasons] == ["match.skills", "match.trains", "match.local"]


@pytest.mark.req("PL-08")
def test_a_client_willing_to_move_is_offered_other_municipalities() -> None:
    reserve = VacancyReserve(vacancies=(vacancy(municipality="Lake"),))
    assert match(profile(), reserve, D0)[0].reasons[0].code == "match.municipality"
    (moved,) = match(profile(relocate=True), reserve, D0)
    assert moved.fits and moved.reasons[-1].code == "match.relocation"


# --- quotas --------------------------------------------------------------------------------------


@pytest.mark.req("PL-08")
def test_quota_is_counted_and_hiring_refused_when_used_up() -> None:
    reserve = VacancyReserve(
        vacancies=(vacancy("v-1", places=2, quota_id="q-1"), vacancy("v-2", quota_id="q-1")),
        quotas=(JobQuota("q-1", "bakery-1", "employment-1", 2026, places=2),),
    )
    assert quota_use(reserve, "q-1") == (0, 2)
    reserve = hire(reserve, profile("client-1"), "v-1", D0)
    reserve = hire(reserve, profile("client-2"), "v-2", D0)
    assert quota_use(reserve, "q-1") == (2, 2)
    assert places_left(reserve, "v-1", D0) == 1
    assert codes(lambda: hire(reserve, profile("client-3"), "v-1", D0)) == ("match.quota_used_up",)
    assert codes(lambda: hire(reserve, profile("client-3"), "v-2", D0)) == (
        "match.full",
        "match.quota_used_up",
    )
    assert codes(lambda: quota_use(reserve, "q-9")) == ("quota.unknown",)


@pytest.mark.req("PL-08")
def test_a_quota_vacancy_is_filled_only_in_the_quota_year() -> None:
    reserve = VacancyReserve(
        vacancies=(vacancy(quota_id="q-1"),),
        quotas=(JobQuota("q-1", "bakery-1", "employment-1", 2026, places=1),),
    )
    assert codes(lambda: hire(reserve, profile(), "v-1", date(2027, 1, 4))) == ("match.quota_year",)
    assert hire(reserve, profile(), "v-1", date(2026, 12, 31)).hires


# --- incentives ----------------------------------------------------------------------------------


@pytest.mark.req("PL-08")
def test_incentives_due_to_the_employer_of_the_hire() -> None:
    incentives = (
        EmployerIncentive("i-3", None, IncentiveKind.TAX_CREDIT, rub("5000.00"), source="federal"),
        EmployerIncentive(
            "i-1", "bakery-1", IncentiveKind.WAGE_SUBSIDY, rub("12000.50"), 6, source="regional"
        ),
        EmployerIncentive("i-2", "taxi-1", IncentiveKind.GRANT, rub("50000.00"), source="regional"),
        EmployerIncentive(
            "i-4",
            None,
            IncentiveKind.GRANT,
            rub("1000.00"),
            source="municipal",
            valid_from=date(2026, 1, 1),
            valid_until=date(2026, 3, 31),
        ),
    )
    reserve = hire(VacancyReserve((vacancy(),), incentives=incentives), profile(), "v-1", D0)
    due = incentives_due(reserve, reserve.hires[0])
    assert [(i.id, str(total)) for i, total in due] == [
        ("i-1", "72003.00 RUB"),
        ("i-3", "5000.00 RUB"),
    ]
    early = Hire("client-9", "v-1", date(2026, 3, 15))
    assert [i.id for i, _ in incentives_due(reserve, early)] == ["i-1", "i-3", "i-4"]
    assert codes(lambda: incentives_due(reserve, Hire("client-9", "v-9", D0))) == (
        "vacancy.unknown",
    )


@pytest.mark.req("PL-08")
@given(reserve=vacancy_reserves())
def test_incentives_due_are_those_for_the_employer_or_any_on_the_day(
    reserve: VacancyReserve,
) -> None:
    employers = {v.id: v.employer_id for v in reserve.vacancies}
    for h in reserve.hires:
        due = incentives_due(reserve, h)
        ids = [i.id for i, _ in due]
        assert ids == sorted(ids)
        expected = {
            i.id
            for i in reserve.incentives
            if i.employer_id in (None, employers[h.vacancy_id])
            and (i.valid_from is None or i.valid_from <= h.on)
            and (i.valid_until is None or h.on <= i.valid_until)
        }
        assert set(ids) == expected
        for incentive, total in due:
            assert total == incentive.amount * incentive.months


# --- every unmet condition, refusal changes nothing ------------------------------------------


@pytest.mark.req("PL-08")
def test_every_unmet_condition_is_reported_at_once() -> None:
    hard = vacancy(
        municipality="Lake",
        skills=frozenset({"welding", "carpentry"}),
        education=EducationLevel.VOCATIONAL,
        features=frozenset({JobFeature.DRIVING, JobFeature.NIGHT_SHIFTS, JobFeature.HEIGHTS}),
        quota_id="q-1",
    )
    reserve = VacancyReserve(
        vacancies=(hard,),
        quotas=(JobQuota("q-1", "bakery-1", "employment-1", 2026, places=1),),
        hires=(Hire("client-1", "v-1", date(2026, 3, 2)),),
    )
    who = profile(excluded=frozenset({JobFeature.DRIVING, JobFeature.NIGHT_SHIFTS}))
    error_codes = codes(lambda: hire(reserve, who, "v-1", date(2027, 1, 5)))
    assert error_codes == (
        "match.full",
        "match.quota_used_up",
        "match.quota_year",
        "match.already_hired",
        "match.skills_missing",
        "match.education",
        "match.excluded_feature",
        "match.municipality",
    )
    (found,) = match(who, reserve, date(2026, 5, 1))
    details = {r.code: dict(r.details) for r in found.reasons}
    assert details["match.skills_missing"]["missing"] == "carpentry, welding"
    assert details["match.excluded_feature"]["features"] == "driving, night_shifts"
    assert details["match.education"] == {"vacancy_id": "v-1", "needed": 3, "held": 2}


@pytest.mark.req("PL-08")
@given(reserve=vacancy_reserves(), who=labour_profiles(), on=labour_days(), data=st.data())
def test_a_refused_hire_changes_nothing(
    reserve: VacancyReserve, who: LabourProfile, on: date, data: st.DataObject
) -> None:
    if not reserve.vacancies:
        assert codes(lambda: hire(reserve, who, "v-0", on)) == ("vacancy.unknown",)
        return
    offer = data.draw(st.sampled_from(reserve.vacancies))
    before = unstructure(reserve)
    expected = expected_unmet(who, offer, reserve, on)
    if expected:
        assert list(codes(lambda: hire(reserve, who, offer.id, on))) == expected
        assert unstructure(reserve) == before
    else:
        after = hire(reserve, who, offer.id, on)
        assert after.hires == (*reserve.hires, Hire(who.client_id, offer.id, on))
        assert outcome_on(after, who.client_id, on).outcome is LabourOutcome.EMPLOYED


# --- properties of matching ----------------------------------------------------------------------


@pytest.mark.req("PL-08")
@given(reserve=vacancy_reserves(), who=labour_profiles(), on=labour_days())
def test_matching_never_offers_a_vacancy_with_an_excluded_feature(
    reserve: VacancyReserve, who: LabourProfile, on: date
) -> None:
    for found in match(who, reserve, on):
        offer = vacancy_of(reserve, found.vacancy_id)
        if found.fits:
            assert not offer.features & who.excluded
        elif offer.features & who.excluded:
            assert "match.excluded_feature" in found.decision.codes


@pytest.mark.req("PL-08")
@given(reserve=vacancy_reserves(), who=labour_profiles(), on=labour_days())
def test_a_fitting_match_has_no_reasons_against_and_a_refused_one_names_them_all(
    reserve: VacancyReserve, who: LabourProfile, on: date
) -> None:
    for found in match(who, reserve, on):
        found_codes = [r.code for r in found.reasons]
        offer = vacancy_of(reserve, found.vacancy_id)
        if found.fits:
            assert found_codes and set(found_codes) <= FIT_CODES
            assert found.decision.allowed
            assert hire(reserve, who, found.vacancy_id, on).hires[-1].client_id == who.client_id
        else:
            assert set(found_codes) <= UNMET_CODES
            assert found_codes == expected_unmet(who, offer, reserve, on)
            with pytest.raises(RuleViolation) as refused:
                hire(reserve, who, found.vacancy_id, on)
            assert refused.value.reasons == found.reasons


def _ranking(found: Match, reserve: VacancyReserve) -> tuple[bool, bool, int, str]:
    offer = vacancy_of(reserve, found.vacancy_id)
    return (not found.fits, not offer.reserved, -found.score, found.vacancy_id)


@pytest.mark.req("PL-08")
@given(reserve=vacancy_reserves(), who=labour_profiles(), on=labour_days(), data=st.data())
def test_matching_is_deterministic_ordered_and_independent_of_book_order(
    reserve: VacancyReserve, who: LabourProfile, on: date, data: st.DataObject
) -> None:
    found = match(who, reserve, on)
    assert [m.vacancy_id for m in found] != [] or not open_on(reserve, on)
    assert sorted(m.vacancy_id for m in found) == sorted(v.id for v in open_on(reserve, on))
    keys = [_ranking(m, reserve) for m in found]
    assert keys == sorted(keys)
    shuffled = VacancyReserve(
        vacancies=tuple(data.draw(st.permutations(reserve.vacancies))),
        quotas=tuple(data.draw(st.permutations(reserve.quotas))),
        incentives=reserve.incentives,
        hires=tuple(data.draw(st.permutations(reserve.hires))),
        enrolments=reserve.enrolments,
    )
    assert match(who, shuffled, on) == found
    assert match(who, reserve, on) == found


@pytest.mark.req("PL-08")
@given(reserve=vacancy_reserves(), on=labour_days())
def test_places_and_quotas_are_never_overfilled(reserve: VacancyReserve, on: date) -> None:
    filled = Counter(h.vacancy_id for h in reserve.hires)
    for offer in reserve.vacancies:
        left = places_left(reserve, offer.id, on)
        assert left == (offer.places - filled[offer.id] if offer.open_on(on) else 0)
        assert 0 <= left <= offer.places
    for quota in reserve.quotas:
        used, places = quota_use(reserve, quota.id)
        assert 0 <= used <= places == quota.places


# --- stateful: no sequence of hires overfills a vacancy or a quota -------------------------


QUOTA = JobQuota("q-1", "bakery-1", "employment-1", 2026, places=2)
BOOK = VacancyReserve(
    vacancies=(
        vacancy("v-a", places=2, quota_id="q-1", reserved=True),
        vacancy("v-b", places=1, quota_id="q-1"),
        vacancy("v-c", employer_id="taxi-1", places=2, open_until=date(2026, 6, 30)),
    ),
    quotas=(QUOTA,),
)
STAFF = [f"client-{i}" for i in range(5)]


class HiringMachine(RuleBasedStateMachine):
    """Hires at random, checked after each against a model kept apart from the library."""

    def __init__(self) -> None:
        super().__init__()
        self.reserve = BOOK
        self.hired: set[tuple[str, str]] = set()

    @rule(
        client=st.sampled_from(STAFF),
        vacancy_id=st.sampled_from(["v-a", "v-b", "v-c", "v-x"]),
        on=st.dates(date(2026, 2, 1), date(2027, 2, 28)),
    )
    def hire(self, client: str, vacancy_id: str, on: date) -> None:
        who = profile(client)
        if vacancy_id == "v-x":
            assert codes(lambda: hire(self.reserve, who, vacancy_id, on)) == ("vacancy.unknown",)
            return
        offer = vacancy_of(self.reserve, vacancy_id)
        in_vacancy = sum(v == vacancy_id for _, v in self.hired)
        in_quota = sum(v in {"v-a", "v-b"} for _, v in self.hired)
        expected = []
        if not offer.open_on(on):
            expected.append("match.closed")
        if in_vacancy >= offer.places:
            expected.append("match.full")
        if offer.quota_id is not None:
            if in_quota >= QUOTA.places:
                expected.append("match.quota_used_up")
            if on.year != QUOTA.year:
                expected.append("match.quota_year")
        if (client, vacancy_id) in self.hired:
            expected.append("match.already_hired")
        if expected:
            before = self.reserve
            assert list(codes(lambda: hire(self.reserve, who, vacancy_id, on))) == expected
            assert self.reserve == before
        else:
            self.reserve = hire(self.reserve, who, vacancy_id, on)
            self.hired.add((client, vacancy_id))

    @invariant()
    def never_overfilled(self) -> None:
        filled = Counter(h.vacancy_id for h in self.reserve.hires)
        for offer in self.reserve.vacancies:
            assert filled[offer.id] <= offer.places
        assert quota_use(self.reserve, "q-1") == (filled["v-a"] + filled["v-b"], 2)
        assert len(self.reserve.hires) == len(self.hired)


HiringMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=20, deadline=None)
test_hiring_never_exceeds_places_or_quota = pytest.mark.req("PL-08")(HiringMachine.TestCase)


# --- enrolments and the stage IV outcome (PW-06) -----------------------------------------------


@pytest.mark.req("PW-06")
def test_outcome_is_employment_then_education_then_training_then_neither() -> None:
    reserve = VacancyReserve(vacancies=(vacancy(),))
    reserve = enrol(
        reserve,
        Enrolment("client-1", LabourOutcome.IN_TRAINING, "courses-1", date(2026, 2, 1)),
    )
    reserve = enrol(
        reserve,
        Enrolment(
            "client-1",
            LabourOutcome.IN_EDUCATION,
            "college-1",
            date(2026, 3, 1),
            date(2026, 3, 31),
        ),
    )
    reserve = hire(reserve, profile("client-1"), "v-1", date(2026, 5, 4))

    def outcome(day: date) -> LabourOutcome:
        return outcome_on(reserve, "client-1", day).outcome

    assert outcome(date(2026, 1, 31)) is LabourOutcome.NEITHER
    assert outcome(date(2026, 2, 1)) is LabourOutcome.IN_TRAINING
    assert outcome(date(2026, 3, 31)) is LabourOutcome.IN_EDUCATION
    assert outcome(date(2026, 4, 1)) is LabourOutcome.IN_TRAINING
    assert outcome(date(2026, 5, 4)) is LabourOutcome.EMPLOYED
    assert outcome_on(reserve, "client-2", D0).outcome is LabourOutcome.NEITHER


@pytest.mark.req("PW-06")
def test_the_outcome_is_the_payload_that_completes_resocialization() -> None:
    case = run(in_treatment(), Event.ADMIT, facts=admission())
    case = run(case, Event.COMPLETE_REHABILITATION)
    reserve = hire(VacancyReserve(vacancies=(vacancy(),)), profile(CLIENT), "v-1", D0)
    result = outcome_on(reserve, CLIENT, D0)
    done = run(case, Event.COMPLETE_RESOCIALIZATION, facts=Facts(labour_outcome=result.outcome))
    assert done.state is State.PATRONAGE and done.labour_outcome is LabourOutcome.EMPLOYED
    assert done.history[-1].record == result


@pytest.mark.req("PW-06")
@given(reserve=vacancy_reserves(), on=labour_days())
def test_outcome_follows_hires_and_enrolments(reserve: VacancyReserve, on: date) -> None:
    for client in {h.client_id for h in reserve.hires} | {e.client_id for e in reserve.enrolments}:
        kinds = {e.kind for e in reserve.enrolments if e.client_id == client and e.covers(on)}
        if any(h.client_id == client and h.on <= on for h in reserve.hires):
            expected = LabourOutcome.EMPLOYED
        elif kinds:
            expected = min(kinds, key=[LabourOutcome.IN_EDUCATION, LabourOutcome.IN_TRAINING].index)
        else:
            expected = LabourOutcome.NEITHER
        assert outcome_on(reserve, client, on).outcome is expected


@pytest.mark.req("PL-08")
def test_an_overlapping_enrolment_is_refused_and_changes_nothing() -> None:
    first = Enrolment("client-1", LabourOutcome.IN_TRAINING, "courses-1", date(2026, 2, 1))
    reserve = enrol(VacancyReserve(), first)
    again = attrs.evolve(first, start=date(2027, 1, 1))
    assert codes(lambda: enrol(reserve, again)) == ("enrolment.overlaps",)
    assert reserve.enrolments == (first,)
    elsewhere = attrs.evolve(again, provider_id="courses-2")
    assert enrol(reserve, elsewhere).enrolments == (first, elsewhere)


# --- building the book ---------------------------------------------------------------------


@pytest.mark.req("PL-08")
def test_the_book_is_built_by_adding_vacancies_quotas_and_incentives() -> None:
    quota = JobQuota("q-1", "bakery-1", "employment-1", 2026, 3)
    reserve = add_quota(VacancyReserve(), quota)
    reserve = add_vacancy(reserve, vacancy(quota_id="q-1"))
    grant = EmployerIncentive("i-1", None, IncentiveKind.GRANT, rub("100.00"), source="state")
    reserve = add_incentive(reserve, grant)
    assert reserve == VacancyReserve((vacancy(quota_id="q-1"),), (quota,), (grant,))
    assert codes(lambda: add_quota(reserve, quota)) == ("quota.duplicate",)
    assert codes(lambda: add_incentive(reserve, grant)) == ("incentive.duplicate",)
    assert codes(lambda: add_vacancy(reserve, vacancy(quota_id="q-2"))) == (
        "vacancy.duplicate",
        "quota.unknown",
    )
    taxi = vacancy("v-2", employer_id="taxi-1", quota_id="q-1")
    assert codes(lambda: add_vacancy(reserve, taxi)) == ("quota.other_employer",)
    assert codes(lambda: vacancy_of(reserve, "v-9")) == ("vacancy.unknown",)


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.req("PL-08")
def test_a_bad_vacancy_reports_every_field() -> None:
    with pytest.raises(ValidationError) as bad:
        Vacancy(
            "v 1",
            "bakery-1",
            " ",
            "North",
            0,
            date(2026, 3, 1),
            skills=frozenset({"baking", "bad skill"}),
            education=2,  # type: ignore[arg-type]
            features=frozenset({"driving"}),  # type: ignore[arg-type]
        )
    assert bad.value.paths == ("id", "title", "places", "skills", "education", "features")
    with pytest.raises(ValidationError) as backwards:
        vacancy(open_until=date(2026, 2, 28))
    assert backwards.value.paths == ("open_until",)


@pytest.mark.req("PL-08")
def test_a_float_amount_and_bad_periods_are_refused_with_paths() -> None:
    with pytest.raises(ValidationError) as bad:
        EmployerIncentive(
            "i-1",
            None,
            "bonus",  # type: ignore[arg-type]
            1500.0,  # type: ignore[arg-type]
            months=0,
            source="",
        )
    assert bad.value.paths == ("kind", "amount", "months", "source")
    assert "Money.of('1500.0', 'RUB')" in str(bad.value)
    with pytest.raises(ValidationError) as periods:
        EmployerIncentive(
            "i-1",
            None,
            IncentiveKind.GRANT,
            rub("0.005"),
            source="state",
            valid_from=D0,
            valid_until=date(2026, 1, 1),
        )
    assert periods.value.paths == ("amount",)
    with pytest.raises(ValidationError) as order:
        EmployerIncentive(
            "i-1",
            None,
            IncentiveKind.GRANT,
            rub("1"),
            source="state",
            valid_from=D0,
            valid_until=date(2026, 1, 1),
        )
    assert order.value.paths == ("valid_until",)
    with pytest.raises(ValidationError) as enrolment:
        Enrolment("client-1", LabourOutcome.EMPLOYED, "college-1", D0, date(2026, 1, 1))
    assert enrolment.value.paths == ("kind",)
    with pytest.raises(ValidationError) as ends:
        Enrolment("client-1", LabourOutcome.IN_EDUCATION, "college-1", D0, date(2026, 1, 1))
    assert ends.value.paths == ("end",)
    with pytest.raises(ValidationError) as quota:
        JobQuota("q-1", "bakery-1", "employment-1", 26, 0)
    assert quota.value.paths == ("year", "places")


@pytest.mark.req("PL-08")
def test_a_bad_profile_reports_every_field() -> None:
    with pytest.raises(ValidationError) as bad:
        LabourProfile(
            "",
            "North",
            ["baking"],  # type: ignore[arg-type]
            EducationLevel.HIGHER,
            excluded=frozenset({"minors"}),  # type: ignore[arg-type]
            relocate="yes",  # type: ignore[arg-type]
            interests=frozenset({""}),
        )
    assert bad.value.paths == ("client_id", "excluded", "relocate", "interests")


@pytest.mark.req("PL-08")
def test_an_inconsistent_book_reports_every_path() -> None:
    quota = JobQuota("q-1", "taxi-1", "employment-1", 2026, 1)
    with pytest.raises(ValidationError) as bad:
        VacancyReserve(
            vacancies=(
                vacancy("v-1", places=1),
                vacancy("v-1", quota_id="q-9"),
                vacancy("v-2", quota_id="q-1"),
            ),
            quotas=(quota,),
            hires=(
                Hire("client-1", "v-1", D0),
                Hire("client-1", "v-1", D0),
                Hire("client-2", "v-3", D0),
            ),
            enrolments=(
                Enrolment("client-1", LabourOutcome.IN_TRAINING, "courses-1", D0),
                Enrolment("client-1", LabourOutcome.IN_TRAINING, "courses-1", date(2026, 9, 1)),
            ),
        )
    assert bad.value.paths == (
        "vacancies[1].id",
        "vacancies[1].quota_id",
        "vacancies[2].quota_id",
        "hires[1].client_id",
        "hires[1]",
        "hires[2].vacancy_id",
        "enrolments[1]",
    )
    with pytest.raises(ValidationError) as kinds:
        VacancyReserve(vacancies=[vacancy(), "v-2"], hires="none")  # type: ignore[list-item, arg-type]
    assert kinds.value.paths == ("vacancies", "hires")


@pytest.mark.req("PL-08")
def test_bad_arguments_are_validation_errors_with_paths() -> None:
    reserve = VacancyReserve(vacancies=(vacancy(),))
    with pytest.raises(ValidationError) as bad:
        match("client-1", None, "2026-04-01")  # type: ignore[arg-type]
    assert bad.value.paths == ("reserve", "profile", "on")
    with pytest.raises(ValidationError) as args:
        hire(reserve, profile(), "v 1", D0)  # type: ignore[arg-type]
    assert args.value.paths == ("vacancy_id",)
    for call, paths in [
        (lambda: places_left(reserve, 7, D0), ("vacancy_id",)),  # type: ignore[arg-type]
        (lambda: quota_use([], "q-1"), ("reserve",)),  # type: ignore[arg-type]
        (lambda: outcome_on(reserve, "client-1", None), ("on",)),  # type: ignore[arg-type]
        (lambda: open_on(reserve, D0.isoformat()), ("on",)),  # type: ignore[arg-type]
        (lambda: incentives_due(reserve, "h-1"), ("hire",)),  # type: ignore[arg-type]
        (lambda: enrol(reserve, None), ("enrolment",)),  # type: ignore[arg-type]
    ]:
        with pytest.raises(ValidationError) as error:
            call()
        assert error.value.paths == paths


# --- JSON --------------------------------------------------------------------------------------


@pytest.mark.req("PL-08")
@settings(max_examples=25)
@given(reserve=vacancy_reserves(), who=labour_profiles(), offer=vacancies())
def test_labour_values_round_trip_through_json(
    reserve: VacancyReserve, who: LabourProfile, offer: Vacancy
) -> None:
    for value in (reserve, who, offer):
        text = json.dumps(unstructure(value))
        assert structure(json.loads(text), type(value)) == value


@pytest.mark.req("PL-08")
def test_amounts_stay_exact() -> None:
    grant = EmployerIncentive(
        "i-1", None, IncentiveKind.WAGE_SUBSIDY, rub("0.10"), months=3, source="state"
    )
    assert grant.total.amount == Decimal("0.30")
