"""Effectiveness of centers from case histories (RG-06), counted by hand and by a reference."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from fractions import Fraction

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _builders import CENTER, admission, in_treatment, run
from resocialize.effectiveness import (
    RETENTION_DAYS,
    Effectiveness,
    effectiveness,
    effectiveness_by_center,
)
from resocialize.errors import ValidationError
from resocialize.facts import Facts
from resocialize.guards import add_months
from resocialize.pathway import Case, Event, State
from resocialize.records import LabourOutcome, Placement
from resocialize.testing.strategies import cases

OTHER = "center-2"
PROGRAM_DAY = date(2026, 3, 6)
"""The day ``in_treatment()`` records the program; admissions below count days from it."""
YEAR_2026 = {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}
LATER = date(2028, 12, 31)


def facts_for(center: str) -> Facts:
    return admission(
        center=center,
        placed_with=center,
        contract_center=center,
        valid_from=date(2020, 1, 1),
        valid_until=date(2030, 1, 1),
    )


def admitted(center: str = CENTER, after: int = 1) -> Case:
    """A case admitted to ``center`` on PROGRAM_DAY + ``after`` days."""
    return run(in_treatment(), Event.ADMIT, facts=facts_for(center), days=after)


def then(case: Case, event: Event, days: int, center: str | None = None) -> Case:
    facts = facts_for(center) if center is not None else None
    if event is Event.COMPLETE_RESOCIALIZATION:
        facts = Facts(labour_outcome=LabourOutcome.EMPLOYED)
    return run(case, event, facts=facts, days=days)


def completed(after_admission: int, center: str = CENTER) -> Case:
    return then(admitted(center), Event.COMPLETE_REHABILITATION, after_admission)


# --- handmade histories, counted by hand ------------------------------------------------------


@pytest.fixture
def clinic() -> list[Case]:
    """Seven stays at center-1 and one at center-2, all admitted on 2026-03-07 but one, which
    is admitted in 2027."""
    graduate = completed(100)  # completes day 100, never relapses
    dropout = then(admitted(), Event.DROP_OUT, 30)
    withdrew = then(admitted(), Event.WITHDRAW_CONSENT, 100)
    relapsed_graduate = then(completed(60), Event.RELAPSE, 90)  # 3 months after completion
    staying = admitted()
    moved_on = then(admitted(), Event.TRANSFER, 10, center=OTHER)
    moved_on = then(moved_on, Event.COMPLETE_REHABILITATION, 50)
    next_year = admitted(after=400)
    return [graduate, dropout, withdrew, relapsed_graduate, staying, moved_on, next_year]


@pytest.mark.req("RG-06")
def test_each_stay_counts_once_with_its_outcome(clinic: list[Case]) -> None:
    result = effectiveness(CENTER, clinic, **YEAR_2026, as_of=LATER)
    assert result.admissions == 6  # the stay admitted in 2027 is not in the period
    assert (result.completions, result.dropouts, result.consent_withdrawals) == (2, 1, 1)
    assert (result.transfers_out, result.relapses, result.other_exits, result.ongoing) == (
        1,
        0,
        0,
        1,
    )
    assert result.completion_rate == Fraction(2, 6)
    assert result.dropout_rate == Fraction(1, 6)


@pytest.mark.req("RG-06")
def test_retention_is_still_in_program_or_completed_on_day_90(clinic: list[Case]) -> None:
    result = effectiveness(CENTER, clinic, **YEAR_2026, as_of=LATER)
    # graduate (completed), withdrew on day 100 (still in on day 90), relapsed graduate
    # (completed on day 60), staying; not the dropout (day 30) nor the transfer (day 10)
    assert (result.retention_cohort, result.retained) == (6, 4)
    assert result.retention_rate == Fraction(2, 3)


@pytest.mark.req("RG-06")
def test_remission_counts_graduates_without_relapse_in_the_months_after(
    clinic: list[Case],
) -> None:
    result = effectiveness(CENTER, clinic, **YEAR_2026, as_of=LATER)
    assert (result.remission_6m_cohort, result.remission_6m) == (2, 1)
    assert (result.remission_12m_cohort, result.remission_12m) == (2, 1)
    assert result.remission_6m_rate == result.remission_12m_rate == Fraction(1, 2)


@pytest.mark.req("RG-06")
def test_a_transfer_counts_for_the_center_that_receives_the_client(clinic: list[Case]) -> None:
    result = effectiveness(OTHER, clinic, **YEAR_2026, as_of=LATER)
    assert (result.admissions, result.completions, result.retention_cohort) == (1, 1, 1)
    assert result.retained == 1


@pytest.mark.req("RG-06")
def test_by_center_gives_the_same_values_as_one_center_at_a_time(clinic: list[Case]) -> None:
    every = effectiveness_by_center(clinic, **YEAR_2026, as_of=LATER)
    assert list(every) == sorted([CENTER, OTHER])
    for center, value in every.items():
        assert value == effectiveness(center, clinic, **YEAR_2026, as_of=LATER)


@pytest.mark.req("RG-06")
def test_admissions_on_the_first_and_last_day_of_the_period_count() -> None:
    admitted_on = PROGRAM_DAY + timedelta(days=1)
    case = admitted()
    for start, end, counted in (
        (admitted_on, admitted_on, 1),
        (admitted_on + timedelta(days=1), LATER, 0),
        (date(2026, 1, 1), admitted_on - timedelta(days=1), 0),
    ):
        assert (
            effectiveness(CENTER, [case], start=start, end=end, as_of=LATER).admissions == counted
        )


@pytest.mark.req("RG-06")
def test_nothing_after_as_of_is_read() -> None:
    case = then(completed(100), Event.RELAPSE, 30)
    admitted_on = PROGRAM_DAY + timedelta(days=1)
    early = effectiveness(CENTER, [case], start=admitted_on, end=admitted_on)
    assert (early.admissions, early.completions, early.ongoing) == (1, 0, 1)
    assert early.retention_cohort == 0  # 90 days have not passed by as_of
    before_completion = admitted_on + timedelta(days=99)
    result = effectiveness(
        CENTER, [case], start=admitted_on, end=admitted_on, as_of=before_completion
    )
    assert (result.completions, result.ongoing, result.retained) == (0, 1, 1)


@pytest.mark.req("RG-06")
def test_a_graduate_counts_for_remission_only_once_the_months_have_passed() -> None:
    case = completed(100)
    admitted_on = PROGRAM_DAY + timedelta(days=1)
    completed_on = admitted_on + timedelta(days=100)
    for as_of, cohorts in (
        (add_months(completed_on, 6) - timedelta(days=1), (0, 0)),
        (add_months(completed_on, 6), (1, 0)),
        (add_months(completed_on, 12), (1, 1)),
    ):
        result = effectiveness(CENTER, [case], start=admitted_on, end=admitted_on, as_of=as_of)
        assert (result.remission_6m_cohort, result.remission_12m_cohort) == cohorts
        assert result.remission_6m == cohorts[0] and result.remission_12m == cohorts[1]


@pytest.mark.req("RG-06")
def test_relapse_eight_months_after_completion_fails_12_but_not_6_months() -> None:
    case = then(completed(100), Event.RELAPSE, 240)
    result = effectiveness(CENTER, [case], **YEAR_2026, as_of=LATER)
    assert (result.remission_6m_cohort, result.remission_6m) == (1, 1)
    assert (result.remission_12m_cohort, result.remission_12m) == (1, 0)


@pytest.mark.req("RG-06")
def test_a_graduate_who_moves_away_before_the_months_end_is_lost_to_follow_up() -> None:
    case = then(completed(100), Event.MOVE_AWAY, 240)  # 8 months after completion
    result = effectiveness(CENTER, [case], **YEAR_2026, as_of=LATER)
    assert (result.remission_6m_cohort, result.remission_6m) == (1, 1)
    assert result.remission_12m_cohort == 0


@pytest.mark.req("RG-06")
def test_relapse_custody_and_death_during_the_stay_are_exits() -> None:
    stays = [
        then(admitted(), Event.RELAPSE, 20),
        then(admitted(), Event.DETAIN, 20),
        then(admitted(), Event.RECORD_DEATH, 20),
        then(admitted(), Event.MOVE_AWAY, 20),
    ]
    result = effectiveness(CENTER, stays, **YEAR_2026, as_of=LATER)
    assert (result.admissions, result.relapses, result.other_exits, result.ongoing) == (4, 1, 3, 0)
    assert result.retained == 0


@pytest.mark.req("RG-06")
def test_dropout_after_completion_is_not_the_centers_dropout() -> None:
    case = then(completed(100), Event.DROP_OUT, 30)  # drops out of stage IV
    result = effectiveness(CENTER, [case], **YEAR_2026, as_of=LATER)
    assert (result.completions, result.dropouts) == (1, 0)


@pytest.mark.req("RG-06")
def test_a_readmission_after_relapse_is_a_new_stay() -> None:
    case = then(completed(100), Event.RELAPSE, 30)
    case = run(case, Event.START_TREATMENT)
    case = run(case, Event.ADMIT, facts=facts_for(CENTER))
    result = effectiveness(CENTER, [case], **YEAR_2026, as_of=LATER)
    assert (result.admissions, result.completions, result.ongoing) == (2, 1, 1)
    assert (result.remission_6m_cohort, result.remission_6m) == (1, 0)


@pytest.mark.req("RG-06")
def test_a_center_without_admissions_has_no_rates() -> None:
    result = effectiveness("center-9", [admitted()], **YEAR_2026)
    assert result.admissions == 0
    assert result.completion_rate is None and result.retention_rate is None
    assert result.remission_6m_rate is None and result.remission_12m_rate is None
    assert effectiveness_by_center([], **YEAR_2026) == {}


# --- bad input ------------------------------------------------------------------------------


def test_bad_arguments_are_refused_with_every_path() -> None:
    with pytest.raises(ValidationError) as caught:
        effectiveness(
            "",
            [admitted()],
            start=date(2026, 12, 31),
            end=date(2026, 1, 1),
        )
    assert caught.value.paths == ("center_id", "end")
    with pytest.raises(ValidationError) as caught:
        effectiveness(
            CENTER, [], start=date(2026, 1, 1), end=date(2026, 2, 1), as_of=date(2026, 1, 5)
        )
    assert caught.value.paths == ("as_of",)


def test_a_datetime_is_not_a_date() -> None:
    from datetime import datetime

    with pytest.raises(ValidationError) as caught:
        effectiveness_by_center([], start=datetime(2026, 1, 1), end=date(2026, 2, 1))  # type: ignore[arg-type]
    assert caught.value.paths == ("start",)


def test_every_item_that_is_not_a_case_is_named() -> None:
    items: list[object] = [admitted(), "case-2", None]
    with pytest.raises(ValidationError) as caught:
        effectiveness_by_center(items, **YEAR_2026)  # type: ignore[arg-type]
    assert caught.value.paths == ("cases[1]", "cases[2]")


def test_an_admission_without_a_placement_is_refused() -> None:
    case = admitted()
    entries = list(case.history)
    entries[-1] = attrs.evolve(entries[-1], record=None)
    broken = attrs.evolve(case, history=tuple(entries))
    with pytest.raises(ValidationError) as caught:
        effectiveness(CENTER, [broken], **YEAR_2026)
    assert caught.value.paths == (f"cases[0].history[{len(entries) - 1}].record",)


def test_cases_must_be_iterable() -> None:
    with pytest.raises(ValidationError):
        effectiveness(CENTER, 5, **YEAR_2026)  # type: ignore[arg-type]


def test_the_value_refuses_counts_that_cannot_be() -> None:
    with pytest.raises(ValidationError) as caught:
        Effectiveness(
            "center-1",
            date(2026, 1, 1),
            date(2026, 12, 31),
            date(2026, 12, 31),
            admissions=1,
            completions=2,
            retention_cohort=-1,
        )
    assert caught.value.paths == ("retention_cohort",)
    with pytest.raises(ValidationError) as caught:
        Effectiveness(
            "center-1", date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 31), completions=2
        )
    assert "admissions" in caught.value.paths


# --- a reference, counted a different way, on random walks ------------------------------------


def reference(
    all_cases: Iterable[Case], center: str, start: date, end: date, as_of: date
) -> Effectiveness:
    """Count from the states each entry leaves and enters, one stay at a time."""
    counts = dict.fromkeys(
        [f.name for f in attrs.fields(Effectiveness)][4:],
        0,
    )
    for case in all_cases:
        entries = [e for e in case.history if e.at.date() <= as_of]
        for i, entry in enumerate(entries):
            record = entry.record
            if entry.event not in (Event.ADMIT, Event.TRANSFER):
                continue
            assert isinstance(record, Placement)
            admitted_on = entry.at.date()
            if record.center_id != center or not start <= admitted_on <= end:
                continue
            counts["admissions"] += 1
            ending = next(
                (
                    e
                    for e in entries[i + 1 :]
                    if e.event is Event.TRANSFER
                    or (e.source is State.SOCIAL_REHABILITATION and e.target is not e.source)
                ),
                None,
            )
            day_90 = admitted_on + timedelta(days=RETENTION_DAYS)
            if day_90 <= as_of:
                counts["retention_cohort"] += 1
                if (
                    ending is None
                    or ending.event is Event.COMPLETE_REHABILITATION
                    or ending.at.date() >= day_90
                ):
                    counts["retained"] += 1
            if ending is None:
                continue
            field = {
                Event.COMPLETE_REHABILITATION: "completions",
                Event.DROP_OUT: "dropouts",
                Event.WITHDRAW_CONSENT: "consent_withdrawals",
                Event.TRANSFER: "transfers_out",
                Event.RELAPSE: "relapses",
            }.get(ending.event, "other_exits")
            counts[field] += 1
            if ending.event is not Event.COMPLETE_REHABILITATION:
                continue
            done = ending.at.date()
            after = entries[entries.index(ending) + 1 :]
            relapse = next((e.at.date() for e in after if e.event is Event.RELAPSE), None)
            lost = next(
                (
                    e.at.date()
                    for e in after
                    if e.event in (Event.MOVE_AWAY, Event.RECORD_DEATH)
                    and (relapse is None or e.at.date() < relapse)
                ),
                None,
            )
            for months in (6, 12):
                due = add_months(done, months)
                if due > as_of:
                    continue
                if relapse is not None and relapse <= due:
                    counts[f"remission_{months}m_cohort"] += 1
                elif lost is None or lost >= due:
                    counts[f"remission_{months}m_cohort"] += 1
                    counts[f"remission_{months}m"] += 1
    return Effectiveness(center, start, end, as_of, **counts)


@st.composite
def periods(draw: st.DrawFn, walks: list[Case]) -> tuple[date, date, date]:
    days = sorted({e.at.date() for case in walks for e in case.history}) or [date(2026, 1, 1)]
    start = draw(st.sampled_from(days))
    end = draw(st.sampled_from([d for d in days if d >= start]))
    as_of = end + timedelta(days=draw(st.sampled_from([0, 89, 90, 183, 400, 5000])))
    return start, end, as_of


@pytest.mark.req("RG-06")
@settings(max_examples=40)
@given(data=st.data(), walks=st.lists(cases(max_events=25), max_size=6))
def test_one_pass_agrees_with_a_reference_counted_stay_by_stay(
    data: st.DataObject, walks: list[Case]
) -> None:
    start, end, as_of = data.draw(periods(walks))
    every = effectiveness_by_center(walks, start=start, end=end, as_of=as_of)
    placed = {
        e.record.center_id
        for case in walks
        for e in case.history
        if isinstance(e.record, Placement)
    }
    for center in placed:
        expected = reference(walks, center, start, end, as_of)
        if expected.admissions:
            assert every[center] == expected
        else:
            assert center not in every
        assert effectiveness(center, walks, start=start, end=end, as_of=as_of) == expected


@pytest.mark.req("RG-06")
@settings(max_examples=40)
@given(walks=st.lists(cases(max_events=25), max_size=6))
def test_outcomes_and_ongoing_stays_add_up_to_admissions(walks: list[Case]) -> None:
    every = effectiveness_by_center(
        walks, start=date(2000, 1, 1), end=date(2100, 1, 1), as_of=date(2101, 1, 1)
    )
    for value in every.values():
        assert value.ongoing >= 0
        assert value.exits + value.ongoing == value.admissions
        for rate in (
            value.completion_rate,
            value.retention_rate,
            value.remission_6m_rate,
            value.remission_12m_rate,
        ):
            assert rate is None or 0 <= rate <= 1
