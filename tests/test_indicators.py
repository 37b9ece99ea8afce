"""Indicators of the regional segment from case histories (MR-02)."""

from __future__ import annotations

import array
import functools
import itertools
import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _builders import BY, CLIENT, admission, run
from resocialize.disclosure import suppress
from resocialize.errors import ResocializeError, ValidationError
from resocialize.facts import Facts
from resocialize.indicators import (
    DIMENSIONS,
    EVENTS,
    INDICATORS,
    NO_CENTER,
    UNRECORDED,
    CaseAttributes,
    Histories,
    IndicatorRow,
    IndicatorTable,
    Measure,
    Period,
    indicators,
)
from resocialize.pathway import STAGE_OF, Case, Event, HistoryEntry, Stage, State, advance, identify
from resocialize.people import Sex
from resocialize.records import LabourOutcome, Origin, Placement, Referral, ReferralSource
from resocialize.testing._indicators import (
    case_attributes,
    cases_with_periods,
    indicator_tables,
    region_year,
)

pytestmark = pytest.mark.req("MR-02")

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Y2026 = Period.year(2026)
STAGES = ("stage_i", "stage_ii", "stage_iii", "stage_iv", "stage_v")
COUNTS = tuple(name for name, measure in INDICATORS.items() if measure is Measure.COUNT)


def opened(
    case_id: str,
    *,
    at: datetime = T0,
    source: ReferralSource = ReferralSource.SOCIAL_SERVICE,
    origin: Origin = Origin.COMMUNITY,
    minor: bool = False,
) -> Case:
    return identify(
        case_id,
        CLIENT,
        referral=Referral(source, at.date(), "dept-1"),
        origin=origin,
        at=at,
        by=BY,
        minor=minor,
    )


def treated(case_id: str, **kwargs: object) -> Case:
    """A case in treatment with consent and a program, one day per step (day 4 is the program)."""
    case = run(opened(case_id, **kwargs), Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT)  # type: ignore[arg-type]
    return run(case, Event.RECORD_PROGRAM, facts=Facts(program_id="irp-1"))


def at_center(center: str) -> Facts:
    return admission(center=center, placed_with=center, contract_center=center)


def main_road(case_id: str = "case-1") -> Case:
    """Identified 2 March 2026; stage II from 4 March, III from 7 March (60 days), IV for 30
    days, patronage from 5 June 2026, sustained remission a year and a day later."""
    case = run(treated(case_id), Event.ADMIT, facts=at_center("center-1"))
    case = run(case, Event.COMPLETE_REHABILITATION, days=60)
    employed = Facts(labour_outcome=LabourOutcome.EMPLOYED)
    case = run(case, Event.COMPLETE_RESOCIALIZATION, facts=employed, days=30)
    return run(case, Event.ACHIEVE_REMISSION, days=366)


def flows(table: IndicatorTable, stage: str, group: Sequence[str] = (), **kw: object) -> list[int]:
    names = ("in_at_start", "entered", "left", "in_at_end")
    return [table.count(f"{stage}.{name}", group, **kw) for name in names]  # type: ignore[arg-type]


# --- examples -----------------------------------------------------------------------------


def test_main_road_counted_through_every_stage_in_its_year() -> None:
    table = indicators([main_road()], Y2026, as_of=date(2026, 12, 31))
    assert table.count("identified") == table.count("identified.social_service") == 1
    assert table.count("motivated") == 1
    for stage in STAGES[:4]:
        assert flows(table, stage) == [0, 1, 1, 0]
    assert flows(table, "stage_v") == [0, 1, 0, 1]
    assert table.count("state.patronage") == 1
    assert table.count("completed.stage_iii") == table.count("completed.stage_iv") == 1
    assert table.count("labour.employed") == 1 and table.count("labour.neither") == 0
    assert table.count("sustained_remissions") == 0
    assert [table.count(f"cohort.{s}") for s in STAGES] == [1, 1, 1, 1, 1]
    assert table.rate("conversion.stage_iii.stage_iv") == 1
    assert [table.days(f"{s}.days.median") for s in STAGES[:4]] == [2, 3, 60, 30]
    assert table.days("stage_v.days.median") is None
    assert table.count("stage_v.spells_ended") == 0


def test_remission_counted_in_the_year_it_is_reached() -> None:
    table = indicators([main_road()], Period.year(2027))
    assert table.count("sustained_remissions") == 1
    assert flows(table, "stage_v") == [1, 0, 0, 1]
    assert table.count("identified") == 0 and table.count("cohort.stage_i") == 0
    assert table.rate("conversion.stage_i.stage_ii") is None


def test_refusal_and_engagement_are_counted_as_entries() -> None:
    case = run(opened("case-1"), Event.REFUSE, Event.ENGAGE, Event.REFUSE, Event.ENGAGE)
    table = indicators([case], Y2026)
    assert table.count("refused") == 2 and table.count("motivated") == 2
    assert flows(table, "stage_i") == [0, 1, 0, 1]
    assert table.count("state.motivation") == 1


def test_transfer_moves_a_stay_between_centers_and_keeps_the_stock_consistent() -> None:
    case = run(treated("case-1"), Event.ADMIT, facts=at_center("center-1"))
    case = run(case, Event.TRANSFER, facts=at_center("center-2"), days=20)
    region = indicators([case], Y2026)
    assert flows(region, "stage_iii") == [0, 1, 0, 1]
    assert region.count("stage_iii.transferred_in") == region.count("stage_iii.transferred_out")
    assert region.count("stage_iii.transferred_in") == 1
    table = indicators([case], Y2026, by=("center",))
    assert table.groups == (("center-1",), ("center-2",), (NO_CENTER,))
    assert flows(table, "stage_iii", ("center-1",)) == [0, 1, 0, 0]
    assert table.count("stage_iii.transferred_out", "center-1") == 1
    assert flows(table, "stage_iii", ("center-2",)) == [0, 0, 0, 1]
    assert table.count("stage_iii.transferred_in", "center-2") == 1
    # leaving stage II counts where the case was before its first stay
    assert flows(table, "stage_ii", (NO_CENTER,)) == [0, 1, 1, 0]
    assert table.count("identified", NO_CENTER) == 1


def test_outcomes_after_a_stay_count_for_the_center_of_the_stay() -> None:
    case = run(treated("case-1"), Event.ADMIT, facts=at_center("center-1"))
    case = run(case, Event.COMPLETE_REHABILITATION, Event.RELAPSE, days=30)
    table = indicators([case], Y2026, by=("center",))
    assert table.count("completed.stage_iii", "center-1") == 1
    assert table.count("relapses", "center-1") == 1
    assert table.count("state.relapsed", "center-1") == 1
    assert table.count("stage_iv.left", "center-1") == 1


def test_time_in_stage_quartiles_interpolate_between_spells() -> None:
    cases = [
        run(run(opened(f"case-{n}"), Event.ENGAGE, days=1), Event.START_TREATMENT, days=n - 1)
        for n in (10, 20, 30, 50)
    ]
    table = indicators(cases, Y2026)
    assert table.count("stage_i.spells_ended") == 4
    assert table.days("stage_i.days.q1") == Fraction(35, 2)
    assert table.days("stage_i.days.median") == 25
    assert table.days("stage_i.days.q3") == 35
    one = indicators(cases[:1], Y2026)
    assert one.days("stage_i.days.q1") == one.days("stage_i.days.q3") == 10


def test_spells_are_counted_in_the_period_they_end() -> None:
    case = run(run(opened("case-1"), Event.ENGAGE), Event.START_TREATMENT, days=40)
    march, april = Period.month(2026, 3), Period.month(2026, 4)
    table = indicators([case], (march, april))
    assert table.count("stage_i.spells_ended", period=march) == 0
    assert table.days("stage_i.days.median", period=march) is None
    assert table.count("stage_i.spells_ended", period=april) == 1
    assert table.days("stage_i.days.median", period=april) == 41


def test_entries_after_as_of_are_not_read() -> None:
    case = run(treated("case-1"), Event.ADMIT, facts=at_center("center-1"), days=150)
    assert case.history[-1].at.date() == date(2026, 8, 3)
    early = indicators([case], Y2026, as_of=date(2026, 6, 30))
    assert early.as_of == date(2026, 6, 30)
    assert early.count("stage_iii.entered") == 0
    assert flows(early, "stage_ii") == [0, 1, 0, 1]
    assert indicators([case], Y2026).count("stage_iii.entered") == 1


def test_a_date_earlier_in_another_offset_is_raised_to_the_day_before_it() -> None:
    moscow = timezone(timedelta(hours=3))
    case = opened("case-1", at=datetime(2026, 3, 2, 1, 0, tzinfo=moscow))
    case = advance(case, Event.ENGAGE, at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC), by=BY).case
    assert case.history[-1].at.date() == date(2026, 3, 1)
    histories = Histories.from_cases([case])
    assert list(histories.days) == [date(2026, 3, 2).toordinal()] * 2
    first, second = Period(date(2026, 3, 1), date(2026, 3, 1)), Period.month(2026, 3)
    table = indicators([case], (first, second))
    assert table.count("motivated", period=first) == 0
    assert table.count("motivated", period=second) == 1


def test_groups_by_attributes_the_case_does_not_carry() -> None:
    cases = [opened("case-1", minor=True), opened("case-2"), opened("case-3")]
    attributes = {
        "case-1": CaseAttributes("mun-north", "14-17", Sex.FEMALE),
        "case-2": CaseAttributes("mun-north"),
        "not-a-case-here": CaseAttributes("mun-east"),
    }
    table = indicators(cases, Y2026, by=("municipality", "sex"), attributes=attributes)
    assert table.groups == (
        ("mun-north", "female"),
        ("mun-north", UNRECORDED),
        (UNRECORDED, UNRECORDED),
    )
    assert table.column("identified") == dict.fromkeys(table.groups, 1)
    minors = indicators(cases, Y2026, by=("minor", "age_group"), attributes=attributes)
    assert minors.count("identified", ("minor", "14-17")) == 1
    assert minors.count("identified", ("adult", UNRECORDED)) == 2


def test_an_empty_region_has_one_row_of_zeros_per_indicator() -> None:
    table = indicators([], Y2026)
    assert table.groups == ((),) and table.indicators == tuple(INDICATORS)
    assert table.count("identified") == 0 and table.rate("conversion.stage_i.stage_ii") is None
    assert indicators([], Y2026, by=("source",)).rows == ()


def test_records_and_crosstab_are_tidy() -> None:
    cases = [main_road("case-1"), opened("case-2", source=ReferralSource.COURT)]
    periods = Period.months(2026)[2:4]
    table = indicators(cases, periods, by=("source",))
    record = table.records()[0]
    assert list(record) == ["start", "end", "source", "indicator", "measure", "value"]
    assert record["start"] == date(2026, 3, 1) and record["source"] == "court"
    assert len(table.records()) == len(periods) * 2 * len(INDICATORS)
    rows, columns, cells = table.crosstab(["identified", "motivated"], periods[0])
    assert rows == ("court", "social_service")
    assert columns == ("identified", "motivated")
    assert cells == ((1, 0), (1, 1))
    region = indicators(cases, periods[0])
    assert region.crosstab(["identified"])[0] == ("region",)


def test_a_count_table_is_ready_for_suppression() -> None:
    cases, _ = region()
    table = indicators(cases, Y2026, by=("center",))
    labour = [f"labour.{outcome.value}" for outcome in LabourOutcome]
    counts = table.count_table(labour)
    assert counts.title.startswith("labour.employed, ") and counts.title.endswith(Y2026.label)
    assert (counts.rows, counts.columns, counts.cells) == table.crosstab(labour)
    assert counts.total == table_total(indicators(cases, Y2026), labour)
    published = suppress(counts, 5)
    assert all(cell is None or cell == 0 or cell >= 5 for row in published.cells for cell in row)


def table_total(table: IndicatorTable, names: Sequence[str]) -> int:
    return sum(table.count(name) for name in names)


# --- bad input ----------------------------------------------------------------------------


def test_bad_arguments_are_all_reported_with_their_paths() -> None:
    with pytest.raises(ValidationError) as caught:
        indicators(
            "cases",  # type: ignore[arg-type]
            "2026",  # type: ignore[arg-type]
            by=("sex", "district", "sex"),
            attributes={"case-1": "north"},  # type: ignore[dict-item]
            as_of=datetime(2026, 1, 1, tzinfo=UTC),
            engine="fast",
        )
    assert caught.value.paths == (
        "cases",
        "periods",
        "by[1]",
        "by[2]",
        "attributes['case-1']",
        "as_of",
        "engine",
    )


def test_bad_cases_are_reported_by_position() -> None:
    case = opened("case-1")
    with pytest.raises(ValidationError) as caught:
        indicators([case, "case-2", case], [Y2026, Y2026, 2026])  # type: ignore[list-item]
    assert caught.value.paths == ("periods[2]", "periods")
    with pytest.raises(ValidationError) as caught:
        indicators([case, "case-2", case], Y2026)  # type: ignore[list-item]
    assert caught.value.paths == ("cases[1]", "cases[2].id")


def test_an_admission_without_its_placement_is_reported() -> None:
    case = run(treated("case-1"), Event.ADMIT, facts=at_center("center-1"))
    entry = attrs.evolve(case.history[-1], record=None)
    broken = attrs.evolve(case, history=(*case.history[:-1], entry))
    with pytest.raises(ValidationError) as caught:
        indicators([broken], Y2026)
    assert caught.value.paths == (f"cases[0].history[{len(case.history) - 1}].record",)


def test_bad_periods_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Period(date(2026, 2, 1), date(2026, 1, 1))
    assert caught.value.paths == ("end",)
    with pytest.raises(ValidationError) as caught:
        Period.month(2026, 13)
    assert caught.value.paths == ("month",)
    with pytest.raises(ValidationError) as caught:
        Period.quarter(True, 0)
    assert caught.value.paths == ("year", "quarter")


def test_reading_what_a_table_does_not_hold_is_a_validation_error() -> None:
    table = indicators([main_road()], Period.months(2026)[:2], by=("source",))
    march = Period.month(2026, 3)
    with pytest.raises(ValidationError) as caught:
        table.value("admitted", "court")
    assert caught.value.paths == ("indicator", "period")
    with pytest.raises(ValidationError) as caught:
        table.count("identified", "court", march)
    assert caught.value.paths == ("period",)
    january = Period.month(2026, 1)
    with pytest.raises(ValidationError) as caught:
        table.count("identified", "court", january)
    assert caught.value.paths == ("group",)
    with pytest.raises(ValidationError):
        table.count("conversion.stage_i.stage_ii", "social_service", january)
    with pytest.raises(ValidationError):
        table.rate("identified", "social_service", january)
    with pytest.raises(ValidationError):
        table.days("identified", "social_service", january)


def test_a_table_refuses_rows_that_do_not_fit() -> None:
    period = Y2026
    good = IndicatorRow(period, (), "identified", Measure.COUNT, 3)
    with pytest.raises(ValidationError) as caught:
        IndicatorRow(period, (), "identified", Measure.RATE, Fraction(3, 2))
    assert caught.value.paths == ("value",)
    with pytest.raises(ValidationError) as caught:
        IndicatorTable(("source",), (period,), date(2026, 12, 31), (good, good))
    assert caught.value.paths == ("rows[0].group", "rows[1].group", "rows[1]")
    with pytest.raises(ValidationError) as caught:
        IndicatorTable(("place",), (), date(2026, 12, 31), ())
    assert caught.value.paths == ("by", "periods")


def _columns(**changes: Any) -> Histories:
    case = run(treated("case-1"), Event.ADMIT, facts=at_center("center-1"))
    histories = Histories.from_cases([case])
    return attrs.evolve(histories, **changes)


@pytest.fixture(params=["numpy", "python"])
def checker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Check columns with numpy, or as without it (the pure-Python checks)."""
    if request.param == "python":

        def missing() -> None:
            raise ResocializeError("no numpy here")

        monkeypatch.setattr("resocialize.indicators._numpy", missing)
    return str(request.param)


def test_without_numpy_the_python_count_is_used_and_numpy_is_refused(checker: str) -> None:
    cases = [main_road("case-1"), treated("case-2")]
    table = indicators(cases, Y2026)
    assert table.count("stage_ii.entered") == 2
    if checker == "python":
        with pytest.raises(ResocializeError, match="no numpy"):
            indicators(cases, Y2026, engine="numpy")


@pytest.mark.usefixtures("checker")
def test_histories_columns_are_checked() -> None:
    good = Histories.from_cases([main_road()])
    assert attrs.evolve(good) == good
    with pytest.raises(ValidationError) as caught:
        _columns(sources=array.array("q", [1]), days=[1, 2])
    assert caught.value.paths == ("sources", "days")
    with pytest.raises(ValidationError) as caught:
        _columns(sources=array.array("b", [1, 2]), outcomes=array.array("b"))
    assert caught.value.paths == ("sources", "outcomes")
    events = _columns().events
    for position, event, path in (
        (2, Event.IDENTIFY, "events[2]"),
        (4, Event.REFUSE, "targets[4]"),
    ):
        changed = array.array("b", events)
        changed[position] = EVENTS.index(event)
        with pytest.raises(ValidationError) as caught:
            _columns(events=changed)
        assert caught.value.paths == (path,)
    days = array.array("i", [800_000] * 6)
    days[3] = 799_999
    with pytest.raises(ValidationError) as caught:
        _columns(days=days)
    assert caught.value.paths == ("days[3]",)
    with pytest.raises(ValidationError) as caught:
        _columns(centers=array.array("i", [0, -1, -1, -1, -1, 1]))
    assert caught.value.paths == ("centers[0]", "centers[5]")
    with pytest.raises(ValidationError) as caught:
        _columns(case_ids=("case 1",))
    assert caught.value.paths == ("case_ids",)
    with pytest.raises(ValidationError) as caught:
        _columns(offsets=array.array("q", [0, 7]))
    assert caught.value.paths == ("offsets",)


# --- properties over random histories -----------------------------------------------------

BY_CHOICES = st.sampled_from([(), ("center",), ("source", "center"), ("minor",), ("sex",)])


def attributed(found: list[Case], data: st.DataObject) -> dict[str, CaseAttributes]:
    return {case.id: data.draw(case_attributes()) for case in found}


@given(cases_with_periods(), BY_CHOICES, st.data())
def test_stock_and_flow_of_every_stage_agree_in_every_period(
    given_cases: tuple[list[Case], tuple[Period, ...]], by: tuple[str, ...], data: st.DataObject
) -> None:
    found, periods = given_cases
    attributes = attributed(found, data)
    table = indicators(found, periods, by=by, attributes=attributes)
    for period in periods:
        for group in table.groups:
            for stage in STAGES:
                start, entered, left, end = flows(table, stage, group, period=period)
                moved_in = moved_out = 0
                if stage == "stage_iii":
                    moved_in = table.count("stage_iii.transferred_in", group, period)
                    moved_out = table.count("stage_iii.transferred_out", group, period)
                assert start + entered + moved_in == left + moved_out + end
            in_states = sum(table.count(f"state.{s.value}", group, period) for s in STATE_ALL)
            on_road = sum(table.count(f"{s}.in_at_end", group, period) for s in STAGES)
            assert on_road <= in_states
    for before, after in itertools.pairwise(periods):
        if before.end + timedelta(days=1) != after.start:
            continue
        for group in table.groups:
            for stage in STAGES:
                assert table.count(f"{stage}.in_at_end", group, before) == table.count(
                    f"{stage}.in_at_start", group, after
                )


STATE_ALL = tuple(STAGE_OF)


@given(cases_with_periods(), BY_CHOICES)
def test_the_funnel_of_a_cohort_never_increases(
    given_cases: tuple[list[Case], tuple[Period, ...]], by: tuple[str, ...]
) -> None:
    found, periods = given_cases
    table = indicators(found, periods, by=by)
    for period in periods:
        for group in table.groups:
            funnel = [table.count(f"cohort.{s}", group, period) for s in STAGES]
            assert funnel == sorted(funnel, reverse=True)
            for low, high in itertools.pairwise(STAGES):
                rate = table.rate(f"conversion.{low}.{high}", group, period)
                whole = table.count(f"cohort.{low}", group, period)
                assert rate == (
                    Fraction(table.count(f"cohort.{high}", group, period), whole) if whole else None
                )
        region = indicators(found, period)
        assert region.count("cohort.stage_i") == region.count("identified")


def _read_until(case: Case, day: date) -> Case | None:
    """The case as recorded on ``day``: its history up to the first entry dated later."""
    kept = 0
    for entry in case.history:
        if entry.at.date() > day:
            break
        kept += 1
    return None if kept == 0 else _replayed(case.history[:kept])


def _replayed(history: Sequence[object]) -> Case:
    from resocialize.pathway import replay

    return replay(history)  # type: ignore[arg-type]


@given(cases_with_periods(), BY_CHOICES, st.integers(-400, 400))
def test_entries_after_as_of_change_nothing(
    given_cases: tuple[list[Case], tuple[Period, ...]], by: tuple[str, ...], shift: int
) -> None:
    found, periods = given_cases
    as_of = periods[-1].end + timedelta(days=shift)
    table = indicators(found, periods, by=by, as_of=as_of)
    recorded = [kept for case in found if (kept := _read_until(case, as_of)) is not None]
    assert indicators(recorded, periods, by=by, as_of=as_of) == table


@given(cases_with_periods(), st.sampled_from(DIMENSIONS), st.data())
def test_groups_partition_the_region(
    given_cases: tuple[list[Case], tuple[Period, ...]], dimension: str, data: st.DataObject
) -> None:
    found, periods = given_cases
    attributes = attributed(found, data)
    region = indicators(found, periods, attributes=attributes)
    table = indicators(found, periods, by=(dimension,), attributes=attributes)
    for period in periods:
        for name in COUNTS:
            total = sum(table.count(name, group, period) for group in table.groups)
            assert total == region.count(name, (), period), name


@given(cases_with_periods(), BY_CHOICES, st.data())
def test_python_and_numpy_count_the_same_table(
    given_cases: tuple[list[Case], tuple[Period, ...]], by: tuple[str, ...], data: st.DataObject
) -> None:
    found, periods = given_cases
    attributes = attributed(found, data)
    python = indicators(found, periods, by=by, attributes=attributes, engine="python")
    numpy = indicators(found, periods, by=by, attributes=attributes, engine="numpy")
    assert python == numpy
    histories = Histories.from_cases(found)
    assert indicators(histories, periods, by=by, attributes=attributes) == python


@given(indicator_tables())
def test_generated_tables_have_a_row_per_period_group_and_indicator(table: IndicatorTable) -> None:
    assert len(table.rows) == len(table.periods) * len(table.groups) * len(INDICATORS)
    rebuilt = IndicatorTable(table.by, table.periods, table.as_of, table.rows)
    assert rebuilt == table


# --- a region's year, counted another way -------------------------------------------------


@functools.cache
def region() -> tuple[tuple[Case, ...], dict[str, CaseAttributes]]:
    cases, attributes = region_year(2026, cases=300)
    return cases, dict(attributes)


def state_on(read: Sequence[HistoryEntry], day: date) -> State | None:
    found = None
    for entry in read:
        if entry.at.date() <= day:
            found = entry.target
    return found


def naive_recount(cases: Sequence[Case], period: Period, as_of: date) -> dict[str, float]:
    """Count the region's indicators again, entry by entry, with no shared code.

    Every entry of the fixture is in one offset, so dates never go backwards."""
    counts: Counter[str] = Counter()
    spells: dict[str, list[int]] = {s: [] for s in STAGES}
    names = dict(zip(Stage, STAGES, strict=True))
    simple = {
        Event.ENGAGE: "motivated",
        Event.REFUSE: "refused",
        Event.COMPLETE_REHABILITATION: "completed.stage_iii",
        Event.COMPLETE_RESOCIALIZATION: "completed.stage_iv",
        Event.DROP_OUT: "dropouts",
        Event.RELAPSE: "relapses",
        Event.ACHIEVE_REMISSION: "sustained_remissions",
        Event.RECORD_DEATH: "deaths",
    }

    def within(day: date) -> bool:
        return period.start <= day <= min(period.end, as_of)

    for case in cases:
        read = [e for e in case.history if e.at.date() <= as_of]
        if not read:
            continue

        for label, day in (
            ("in_at_start", period.start - timedelta(days=1)),
            ("in_at_end", period.end),
        ):
            state = state_on(read, min(day, as_of))
            stage = None if state is None else STAGE_OF[state]
            if stage is not None:
                counts[f"{names[stage]}.{label}"] += 1
        if within(read[0].at.date()):
            counts["identified"] += 1
            counts[f"identified.{case.referrals[0].source.value}"] += 1
            reached = max(STAGE_OF[e.target] or 0 for e in read)
            for stage in Stage:
                if reached >= stage:
                    counts[f"cohort.{names[stage]}"] += 1
        entered_on = read[0].at.date()
        for before, entry in zip([None, *read], read, strict=False):
            day = entry.at.date()
            old = STAGE_OF[before.target] if before is not None else None
            new = STAGE_OF[entry.target]
            if within(day):
                if entry.event in simple:
                    counts[simple[entry.event]] += 1
                if entry.event is Event.COMPLETE_RESOCIALIZATION:
                    counts[f"labour.{entry.record.outcome.value}"] += 1  # type: ignore[union-attr]
                if entry.event is Event.TRANSFER:
                    counts["stage_iii.transferred_in"] += 1
                if old != new and old is not None:
                    counts[f"{names[old]}.left"] += 1
                    spells[names[old]].append((day - entered_on).days)
                if old != new and new is not None:
                    counts[f"{names[new]}.entered"] += 1
            if old != new:
                entered_on = day
    out: dict[str, float] = dict(counts)
    for name, values in spells.items():
        out[f"{name}.spells_ended"] = len(values)
        if values:
            out[f"{name}.days.median"] = statistics.median(values)
        if len(values) > 1:
            q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
            out[f"{name}.days.q1"], out[f"{name}.days.q3"] = q1, q3
    return out


def test_a_regions_year_matches_an_independent_recount() -> None:
    cases, _ = region()
    as_of = date(2026, 12, 31)
    quarters = tuple(Period.quarter(2026, q) for q in range(1, 5))
    table = indicators(cases, quarters, as_of=as_of)
    for period in quarters:
        expected = naive_recount(cases, period, as_of)
        assert expected["identified"] > 10 and expected["stage_iii.entered"] > 5
        for name, value in expected.items():
            assert table.value(name, (), period) == value, (period, name)
        for name in COUNTS:
            if name in expected or not name.startswith(("stage_", "identified", "cohort")):
                continue
            if name.endswith(("transferred_out", "spells_ended")):
                continue
            assert table.count(name, (), period) == 0, (period, name)


def test_a_regions_year_by_center_and_attributes_adds_up() -> None:
    cases, attributes = region()
    year = indicators(cases, Y2026, attributes=attributes)
    placed = {
        entry.record.center_id
        for case in cases
        for entry in case.history
        if isinstance(entry.record, Placement) and entry.at.date() <= date(2026, 12, 31)
    }
    by_center = indicators(cases, Y2026, by=("center",))
    assert {group[0] for group in by_center.groups} == placed | {NO_CENTER}
    for by in (("center",), ("municipality", "age_group"), ("sex", "origin", "source")):
        table = indicators(cases, Y2026, by=by, attributes=attributes)
        for name in ("identified", "stage_iii.entered", "completed.stage_iv", "stage_v.in_at_end"):
            assert sum(table.column(name).values()) == year.count(name)  # type: ignore[arg-type]


def test_a_grouping_with_very_many_groups_counts_the_same_with_numpy() -> None:
    cases, attributes = region()
    one_each = {
        case.id: attrs.evolve(attributes.get(case.id, CaseAttributes()), municipality=f"m-{i}")
        for i, case in enumerate(cases)
    }
    by = ("municipality", "age_group", "source", "center")
    quarters = tuple(Period.quarter(2026, q) for q in range(1, 5))
    python = indicators(cases, quarters, by=by, attributes=one_each, engine="python")
    assert python == indicators(cases, quarters, by=by, attributes=one_each, engine="numpy")
