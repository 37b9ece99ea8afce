"""Follow-ups per client (MR-01): the schedule, status on any date, the overdue list, rates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _builders import CENTER, admission, in_treatment, run
from resocialize.errors import ValidationError
from resocialize.facts import Facts
from resocialize.followups import (
    DEFAULT_FOLLOW_UP_RULES,
    REGION,
    Change,
    FollowUpDue,
    FollowUpItem,
    FollowUpOutcome,
    FollowUpPoint,
    FollowUpRate,
    FollowUpRecord,
    FollowUpRules,
    FollowUpStatus,
    HousingStatus,
    LegalStatus,
    UseStatus,
    follow_up_rates,
    follow_ups_on,
    overdue,
    schedule,
)
from resocialize.guards import add_months
from resocialize.pathway import Case, Event, replay
from resocialize.records import LabourOutcome, Opening, Placement
from resocialize.testing._followups import (
    follow_up_outcomes,
    follow_up_records,
    follow_up_records_for,
    follow_up_rules,
)
from resocialize.testing.strategies import cases

pytestmark = pytest.mark.req("MR-01")

OTHER = "center-2"
RULES = DEFAULT_FOLLOW_UP_RULES
GRACE = timedelta(days=RULES.grace_days)
DONE, DUE, UPCOMING, OVERDUE, MISSED = (
    FollowUpStatus.DONE,
    FollowUpStatus.DUE,
    FollowUpStatus.UPCOMING,
    FollowUpStatus.OVERDUE,
    FollowUpStatus.MISSED,
)


# --- builders ---------------------------------------------------------------------------------


def facts_for(center: str) -> Facts:
    return admission(
        center=center,
        placed_with=center,
        contract_center=center,
        valid_from=date(2020, 1, 1),
        valid_until=date(2030, 1, 1),
    )


def admitted(center: str = CENTER, case_id: str = "case-1") -> Case:
    case = run(in_treatment(), Event.ADMIT, facts=facts_for(center))
    first = case.history[0]
    assert isinstance(first.record, Opening)
    opening = attrs.evolve(first.record, case_id=case_id)
    return replay((attrs.evolve(first, record=opening), *case.history[1:]))


def then(case: Case, event: Event, days: int, center: str | None = None) -> Case:
    facts = facts_for(center) if center is not None else None
    if event is Event.COMPLETE_RESOCIALIZATION:
        facts = Facts(labour_outcome=LabourOutcome.EMPLOYED)
    return run(case, event, facts=facts, days=days)


def day(case: Case) -> date:
    """The day of the case's last entry."""
    return case.history[-1].at.date()


def in_patronage(days_in_stage_iii: int = 100, days_in_stage_iv: int = 60) -> Case:
    case = then(admitted(), Event.COMPLETE_REHABILITATION, days_in_stage_iii)
    return then(case, Event.COMPLETE_RESOCIALIZATION, days_in_stage_iv)


def record(key: str, on: date, case_id: str = "case-1") -> FollowUpRecord:
    return FollowUpRecord(case_id, key, on, "worker-1", FollowUpOutcome())


def keys(dues: Sequence[FollowUpDue]) -> list[str]:
    return [d.key for d in dues]


def statuses(items: Sequence[FollowUpItem]) -> dict[str, FollowUpStatus]:
    return {item.due.key: item.status for item in items}


# --- the points -------------------------------------------------------------------------------


def test_admission_follow_up_is_due_on_the_day_of_admission() -> None:
    case = admitted()
    (due,) = schedule(case)
    assert due == FollowUpDue(
        "case-1",
        case.client_id,
        CENTER,
        FollowUpPoint.ADMISSION,
        "admission:1",
        day(case),
        day(case),
    )


def test_discharge_at_completion_asks_for_follow_ups_6_and_12_months_later() -> None:
    case = then(admitted(), Event.COMPLETE_REHABILITATION, 120)
    out = day(case)
    dues = schedule(case)
    assert keys(dues) == [
        "admission:1",
        "discharge:1",
        "after_discharge:1:6m",
        "after_discharge:1:12m",
    ]
    assert [d.due for d in dues[1:]] == [out, add_months(out, 6), add_months(out, 12)]
    assert {d.anchor for d in dues[1:]} == {out}
    assert {d.center_id for d in dues} == {CENTER}


@pytest.mark.parametrize("event", [Event.DROP_OUT, Event.RELAPSE, Event.DETAIN])
def test_leaving_stage_iii_without_completing_is_a_discharge_too(event: Event) -> None:
    case = then(admitted(), event, 30)
    assert keys(schedule(case)) == [
        "admission:1",
        "discharge:1",
        "after_discharge:1:6m",
        "after_discharge:1:12m",
    ]


def test_transfer_is_a_new_admission_not_a_discharge() -> None:
    case = then(admitted(), Event.TRANSFER, 20, center=OTHER)
    case = then(case, Event.COMPLETE_REHABILITATION, 90)
    dues = schedule(case)
    assert [(d.key, d.center_id) for d in dues] == [
        ("admission:1", CENTER),
        ("admission:2", OTHER),
        ("discharge:2", OTHER),
        ("after_discharge:2:6m", OTHER),
        ("after_discharge:2:12m", OTHER),
    ]


def test_patronage_follow_ups_are_counted_in_days_from_entering_stage_v() -> None:
    case = in_patronage()
    entered = day(case)
    patronage = [d for d in schedule(case) if d.point is FollowUpPoint.PATRONAGE]
    assert [(d.key, d.due) for d in patronage] == [
        (f"patronage:1:{n}d", entered + timedelta(days=n)) for n in (15, 30, 60, 90)
    ]
    assert {d.center_id for d in patronage} == {None}
    assert {d.anchor for d in patronage} == {entered}


def test_patronage_schedule_is_variable_data() -> None:
    rules = FollowUpRules(after_discharge_months=(3,), patronage_days=(7, 21, 45, 180, 365))
    case = in_patronage()
    entered = day(case)
    dues = schedule(case, rules)
    assert [d.key for d in dues if d.point is FollowUpPoint.AFTER_DISCHARGE] == [
        "after_discharge:1:3m"
    ]
    assert [d.due - entered for d in dues if d.point is FollowUpPoint.PATRONAGE] == [
        timedelta(days=n) for n in (7, 21, 45, 180, 365)
    ]
    assert keys(schedule(case, FollowUpRules(after_discharge_months=(), patronage_days=()))) == [
        "admission:1",
        "discharge:1",
    ]


def test_relapse_in_patronage_drops_the_later_patronage_follow_ups_only() -> None:
    case = then(in_patronage(), Event.RELAPSE, 40)
    dues = keys(schedule(case))
    assert "patronage:1:15d" in dues and "patronage:1:30d" in dues
    assert "patronage:1:60d" not in dues and "patronage:1:90d" not in dues
    assert "after_discharge:1:6m" in dues and "after_discharge:1:12m" in dues


def test_a_follow_up_due_on_the_day_patronage_ends_stays() -> None:
    case = then(in_patronage(), Event.RELAPSE, 30)
    dues = keys(schedule(case))
    assert "patronage:1:30d" in dues and "patronage:1:60d" not in dues


def test_a_second_patronage_episode_is_numbered_apart() -> None:
    case = then(in_patronage(), Event.RELAPSE, 100)
    case = run(case, Event.START_TREATMENT)
    case = run(case, Event.ADMIT, facts=facts_for(OTHER))
    case = then(case, Event.COMPLETE_REHABILITATION, 60)
    case = then(case, Event.COMPLETE_RESOCIALIZATION, 30)
    dues = keys(schedule(case))
    assert "admission:2" in dues and "discharge:2" in dues
    assert [k for k in dues if k.startswith("patronage:2:")] == [
        f"patronage:2:{n}d" for n in (15, 30, 60, 90)
    ]
    assert len(dues) == len(set(dues))


def test_a_death_stops_follow_ups_due_after_it() -> None:
    case = then(in_patronage(), Event.RECORD_DEATH, 20)
    died = day(case)
    dues = schedule(case)
    assert all(d.due <= died for d in dues)
    assert keys(dues) == ["admission:1", "discharge:1", "patronage:1:15d"]
    # what was not done by then is missed, not overdue: nobody can act on it
    later = died + timedelta(days=365)
    items = follow_ups_on(case, [record("admission:1", day(admitted()))], later)
    assert statuses(items) == {
        "admission:1": DONE,
        "discharge:1": MISSED,
        "patronage:1:15d": MISSED,
    }
    assert {i.closed_on for i in items if i.status is MISSED} == {died}
    assert overdue([case], [], later) == ()


def test_a_follow_up_due_on_the_day_of_death_is_missed_not_dropped() -> None:
    case = then(in_patronage(), Event.RECORD_DEATH, 15)
    assert keys(schedule(case))[-1] == "patronage:1:15d"
    assert statuses(follow_ups_on(case, [], day(case)))["patronage:1:15d"] is MISSED
    done = record("patronage:1:15d", day(case))
    assert statuses(follow_ups_on(case, [done], day(case)))["patronage:1:15d"] is DONE


@pytest.mark.parametrize("event", [Event.MOVE_AWAY, Event.WITHDRAW_CONSENT])
def test_moving_away_or_withdrawing_consent_stops_follow_ups_as_death_does(event: Event) -> None:
    case = then(then(admitted(), Event.COMPLETE_REHABILITATION, 50), event, 10)
    assert keys(schedule(case)) == ["admission:1", "discharge:1"]
    assert statuses(follow_ups_on(case, [], day(case))) == {
        "admission:1": MISSED,
        "discharge:1": MISSED,
    }


def test_follow_ups_after_consent_is_given_again_are_scheduled_afresh() -> None:
    case = then(admitted(), Event.WITHDRAW_CONSENT, 10)
    case = run(case, Event.ENGAGE, Event.START_TREATMENT, Event.GIVE_CONSENT)
    case = run(case, Event.ADMIT, facts=facts_for(OTHER))
    items = follow_ups_on(case, [], day(case))
    assert statuses(items) == {"admission:1": MISSED, "admission:2": DUE}


def test_as_of_reads_the_history_known_that_day() -> None:
    case = then(admitted(), Event.COMPLETE_REHABILITATION, 120)
    assert keys(schedule(case, as_of=day(case) - timedelta(days=1))) == ["admission:1"]
    assert keys(schedule(case, as_of=day(case))) == keys(schedule(case))
    assert schedule(case, as_of=date(2000, 1, 1)) == ()


# --- status on a date -------------------------------------------------------------------------


def test_follow_up_is_due_on_its_day_and_overdue_after_the_grace() -> None:
    case = then(admitted(), Event.COMPLETE_REHABILITATION, 120)
    out = day(case)
    key = "discharge:1"

    def status(on: date) -> FollowUpStatus:
        return statuses(follow_ups_on(case, [], on))[key]

    assert key not in statuses(follow_ups_on(case, [], out - timedelta(days=1)))
    assert status(out) is DUE
    assert status(out + GRACE) is DUE
    assert status(out + GRACE + timedelta(days=1)) is OVERDUE
    six = add_months(out, 6)
    assert (
        statuses(follow_ups_on(case, [], six - timedelta(days=1)))["after_discharge:1:6m"]
        is UPCOMING
    )


def test_a_record_counts_from_its_day_on() -> None:
    case = admitted()
    done = record("admission:1", day(case) + timedelta(days=20))
    before = follow_ups_on(case, [done], day(case) + timedelta(days=19))
    after = follow_ups_on(case, [done], day(case) + timedelta(days=20))
    assert [(i.status, i.record) for i in before] == [(OVERDUE, None)]
    assert [(i.status, i.record) for i in after] == [(DONE, done)]


def test_a_follow_up_done_early_and_then_dropped_stays_done() -> None:
    case = in_patronage()
    early = record("patronage:1:90d", day(case) + timedelta(days=70))
    case = then(case, Event.RELAPSE, 80)
    assert "patronage:1:90d" not in keys(schedule(case))
    assert statuses(follow_ups_on(case, [early], day(case)))["patronage:1:90d"] is DONE
    assert "patronage:1:90d" not in statuses(follow_ups_on(case, [], day(case)))


def test_overdue_list_spans_cases_longest_overdue_first() -> None:
    first = then(admitted(), Event.COMPLETE_REHABILITATION, 30)
    second = then(admitted(OTHER, case_id="case-2"), Event.DROP_OUT, 10)
    on = day(first) + timedelta(days=60)
    found = overdue([first, second], [record("admission:1", day(admitted()), "case-2")], on)
    assert [(i.due.case_id, i.due.key) for i in found] == [
        ("case-1", "admission:1"),
        ("case-2", "discharge:1"),
        ("case-1", "discharge:1"),
    ]
    assert all(i.status is OVERDUE for i in found)


# --- rates ------------------------------------------------------------------------------------


def test_rates_per_center_and_for_the_region_against_the_target() -> None:
    a = in_patronage()  # center-1: admission, discharge; region: patronage too
    b = then(admitted(OTHER, case_id="case-2"), Event.DROP_OUT, 10)
    a_in, a_out = a.history[5].at.date(), a.history[6].at.date()
    entered = day(a)
    records = [
        record("admission:1", a_in),
        record("discharge:1", a_out),
        record("patronage:1:15d", entered + timedelta(days=15)),
        record("admission:1", day(b), "case-2"),
    ]
    on = entered + timedelta(days=30) + GRACE + timedelta(days=1)  # 30d just counted
    rows = follow_up_rates([a, b], records, on)
    assert [(r.group, r.done, r.due, r.rate, r.meets_target) for r in rows] == [
        (CENTER, 2, 2, Fraction(1), True),
        (OTHER, 1, 2, Fraction(1, 2), False),
        (REGION, 4, 6, Fraction(2, 3), False),
    ]
    assert follow_up_rates([a, b], records, on, by="region") == (rows[-1],)
    lenient = FollowUpRules(target=Fraction(1, 2))
    assert [r.meets_target for r in follow_up_rates([a, b], records, on, rules=lenient)] == [
        True,
        True,
        True,
    ]


def test_rates_count_only_follow_ups_whose_grace_has_passed() -> None:
    case = admitted()
    on = day(case) + GRACE
    (center, region) = follow_up_rates([case], [], on)
    assert (center.group, center.due, center.rate, center.meets_target) == (CENTER, 0, None, None)
    assert region == FollowUpRate(REGION, 0, 0, 0, RULES.target)
    (center, region) = follow_up_rates([case], [], on + timedelta(days=1))
    assert (center.overdue, center.rate, center.meets_target) == (1, Fraction(0), False)


def test_a_follow_up_missed_by_death_counts_only_if_its_grace_had_passed() -> None:
    grace = RULES.grace_days
    died_in_grace = then(admitted(), Event.RECORD_DEATH, grace)  # on its last day of grace
    died_late = then(admitted(OTHER, case_id="case-2"), Event.RECORD_DEATH, grace + 1)
    rows = follow_up_rates([died_in_grace, died_late], [], date(2030, 1, 1))
    assert [(r.group, r.missed, r.due) for r in rows] == [
        (CENTER, 0, 0),
        (OTHER, 1, 1),
        (REGION, 1, 1),
    ]


# --- bad input --------------------------------------------------------------------------------


def test_bad_rules_report_every_field() -> None:
    with pytest.raises(ValidationError) as caught:
        FollowUpRules(
            after_discharge_months=(12, 6),
            patronage_days=[15],  # type: ignore[arg-type]
            grace_days=-1,
            target=0.8,  # type: ignore[arg-type]
        )
    assert caught.value.paths == (
        "after_discharge_months",
        "patronage_days",
        "grace_days",
        "target",
    )
    with pytest.raises(ValidationError) as caught:
        FollowUpRules((0, 6), (15, 15), True, Fraction(3, 2))
    assert caught.value.paths == (
        "after_discharge_months",
        "patronage_days",
        "grace_days",
        "target",
    )


def test_bad_outcome_and_record_report_every_field() -> None:
    with pytest.raises(ValidationError) as caught:
        FollowUpOutcome("clean", "house", "job", "none", 1, None)  # type: ignore[arg-type]
    assert caught.value.paths == ("use", "housing", "activity", "legal", "family", "health")
    with pytest.raises(ValidationError) as caught:
        FollowUpRecord("", 7, "2026-01-01", " ", None)  # type: ignore[arg-type]
    assert caught.value.paths == ("case_id", "key", "done_on", "by", "outcome")


def test_bad_arguments_are_refused_with_every_path() -> None:
    with pytest.raises(ValidationError) as caught:
        schedule("case-1", rules=None, as_of="2026-01-01")  # type: ignore[arg-type]
    assert caught.value.paths == ("case", "rules", "as_of")
    with pytest.raises(ValidationError) as caught:
        follow_ups_on(admitted(), "records", None, rules=1)  # type: ignore[arg-type]
    assert caught.value.paths == ("records", "on", "rules")
    with pytest.raises(ValidationError) as caught:
        follow_ups_on(admitted(), [record("admission:1", date(2026, 3, 7)), "x"], date(2026, 4, 1))  # type: ignore[list-item]
    assert caught.value.paths == ("records[1]",)
    with pytest.raises(ValidationError) as caught:
        follow_up_rates([admitted(), 3], 5, date(2026, 1, 1), by="city")  # type: ignore[arg-type, list-item]
    assert caught.value.paths == ("by", "records", "cases[1]")


def test_a_follow_up_of_nothing_is_refused() -> None:
    case = then(admitted(), Event.COMPLETE_REHABILITATION, 30)
    admitted_on, out = case.history[5].at.date(), day(case)
    bad = [
        record("admission:1", admitted_on),
        record("discharge:2", out),  # no second stay
        record("admission:1", admitted_on),  # twice
        record("discharge:1", out - timedelta(days=1)),  # before the discharge
        record("patronage:1:15d", out),  # never in patronage
        record("admission:1", admitted_on, "case-9"),  # another case
    ]
    with pytest.raises(ValidationError) as caught:
        follow_ups_on(case, bad, out)
    assert caught.value.paths == (
        "records[5].case_id",
        "records[1].key",
        "records[2].key",
        "records[3].done_on",
        "records[4].key",
    )
    assert follow_ups_on(case, bad[:1], out)[0].status is DONE


def test_a_record_after_death_is_refused() -> None:
    case = then(then(admitted(), Event.COMPLETE_REHABILITATION, 30), Event.RECORD_DEATH, 3)
    late = record("discharge:1", day(case) + timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        follow_ups_on(case, [late], day(case) + timedelta(days=5))
    assert caught.value.paths == ("records[0].done_on",)
    assert "missed" in str(caught.value)


def test_records_and_cases_across_cases_are_checked_together() -> None:
    a, b = admitted(), admitted(case_id="case-2")
    with pytest.raises(ValidationError) as caught:
        overdue([a, b, a], [record("admission:1", date(2026, 3, 7), "case-3")], date(2026, 4, 1))
    assert caught.value.paths == ("cases[2].id",)
    with pytest.raises(ValidationError) as caught:
        overdue(
            [a, b],
            [
                record("admission:1", date(2026, 3, 7), "case-3"),
                record("discharge:1", date(2026, 3, 7), "case-2"),
            ],
            date(2026, 4, 1),
        )
    assert caught.value.paths == ("records[0].case_id", "records[1].key")


def test_an_admission_without_a_placement_is_a_data_error() -> None:
    case = admitted()
    broken = attrs.evolve(
        case, history=(*case.history[:-1], attrs.evolve(case.history[-1], record=None))
    )
    with pytest.raises(ValidationError) as caught:
        schedule(broken)
    assert caught.value.paths == ("case.history[5].record",)
    with pytest.raises(ValidationError) as caught:
        follow_up_rates([case, attrs.evolve(broken, id="case-2")], [], date(2026, 4, 1))
    assert caught.value.paths == ("cases[1].history[5].record",)


# --- properties -------------------------------------------------------------------------------

_STOPS = {Event.WITHDRAW_CONSENT, Event.MOVE_AWAY, Event.RECORD_DEATH}
_STAY_ENDS = {
    Event.ADMIT,
    Event.TRANSFER,
    Event.COMPLETE_REHABILITATION,
    Event.DROP_OUT,
    Event.RELAPSE,
    Event.DETAIN,
} | _STOPS
_DISCHARGES = {Event.COMPLETE_REHABILITATION, Event.DROP_OUT, Event.RELAPSE, Event.DETAIN}
_EPISODE_ENDS = {Event.RELAPSE, Event.DROP_OUT, Event.DETAIN} | _STOPS


@attrs.frozen
class Planned:
    """The reference model's follow-up: made at entry ``made``, stopped at entry ``stop``."""

    key: str
    point: FollowUpPoint
    center: str | None
    due: date
    anchor: date
    made: int
    stop: int | None
    closed: bool


def reference_plan(case: Case, rules: FollowUpRules) -> list[Planned]:
    """Every follow-up the whole history makes, found stay by stay and episode by episode."""
    history = case.history
    days = [e.at.date() for e in history]

    def first_after(start: int, events: set[Event]) -> int | None:
        return next((j for j in range(start + 1, len(history)) if history[j].event in events), None)

    made: list[tuple[int, str, FollowUpPoint, str | None, date, date, int | None]] = []
    admits = [i for i, e in enumerate(history) if e.event in (Event.ADMIT, Event.TRANSFER)]
    for number, start in enumerate(admits, 1):
        placement = history[start].record
        assert isinstance(placement, Placement)
        center = placement.center_id
        made.append(
            (
                start,
                f"admission:{number}",
                FollowUpPoint.ADMISSION,
                center,
                days[start],
                days[start],
                None,
            )
        )
        end = first_after(start, _STAY_ENDS)
        if end is not None and history[end].event in _DISCHARGES:
            out = days[end]
            made.append(
                (end, f"discharge:{number}", FollowUpPoint.DISCHARGE, center, out, out, None)
            )
            for n in rules.after_discharge_months:
                made.append(
                    (
                        end,
                        f"after_discharge:{number}:{n}m",
                        FollowUpPoint.AFTER_DISCHARGE,
                        center,
                        add_months(out, n),
                        out,
                        None,
                    )
                )
    entries = [i for i, e in enumerate(history) if e.event is Event.COMPLETE_RESOCIALIZATION]
    for number, start in enumerate(entries, 1):
        end = first_after(start, _EPISODE_ENDS)
        for n in rules.patronage_days:
            due = days[start] + timedelta(days=n)
            made.append(
                (
                    start,
                    f"patronage:{number}:{n}d",
                    FollowUpPoint.PATRONAGE,
                    None,
                    due,
                    days[start],
                    end,
                )
            )
    planned = []
    for at, key, point, where, due, anchor, episode_end in made:
        stop: int | None = None
        closed = False
        if episode_end is not None and due > days[episode_end]:
            stop = episode_end
        closing = first_after(at, _STOPS)
        if closing is not None and (stop is None or closing < stop):
            stop, closed = closing, due <= days[closing]
        planned.append(Planned(key, point, where, due, anchor, at, stop, closed))
    return planned


def read_on(case: Case, on: date) -> int:
    """How many entries are known on ``on``: up to the first dated after it."""
    return next((i for i, e in enumerate(case.history) if e.at.date() > on), len(case.history))


@given(cases(), follow_up_rules())
def test_schedule_matches_the_reference_and_is_deterministic(
    case: Case, rules: FollowUpRules
) -> None:
    dues = schedule(case, rules)
    assert schedule(case, rules) == dues
    expected = [p for p in reference_plan(case, rules) if p.stop is None or p.closed]
    expected.sort(key=lambda p: p.due)  # stable: made order within a day
    assert [(d.key, d.point, d.center_id, d.due, d.anchor) for d in dues] == [
        (p.key, p.point, p.center, p.due, p.anchor) for p in expected
    ]
    assert all(d.anchor <= d.due for d in dues)
    assert len(set(keys(dues))) == len(dues)
    assert {(d.case_id, d.client_id) for d in dues} <= {(case.id, case.client_id)}


@given(cases(), follow_up_rules(), st.data())
def test_as_of_cuts_exactly_the_entries_after_it(
    case: Case, rules: FollowUpRules, data: st.DataObject
) -> None:
    first, last = case.history[0].at.date(), case.history[-1].at.date()
    on = data.draw(st.dates(first - timedelta(days=2), last + timedelta(days=2)))
    read = read_on(case, on)
    expected = schedule(replay(case.history[:read]), rules) if read else ()
    assert schedule(case, rules, as_of=on) == expected


def expected_status(
    planned: Planned, records: dict[str, FollowUpRecord], on: date, read: int, grace: int
) -> FollowUpStatus | None:
    """The independent model: each status by its own condition; ``None`` when not listed."""
    rec = records.get(planned.key)
    done = rec is not None and rec.done_on <= on
    closed = planned.stop is not None and planned.stop < read and planned.closed
    dropped = planned.stop is not None and planned.stop < read and not planned.closed
    found = {
        DONE: done,
        UPCOMING: not done and not dropped and planned.due > on,
        MISSED: not done and closed and planned.due <= on,
        DUE: not done
        and not closed
        and not dropped
        and planned.due <= on <= planned.due + timedelta(grace),
        OVERDUE: not done and not closed and not dropped and planned.due + timedelta(grace) < on,
    }
    holding = [status for status, holds in found.items() if holds]
    assert len(holding) <= 1
    return holding[0] if holding else None


@given(follow_up_rules(), cases(), st.data())
def test_status_is_right_for_any_date(
    rules: FollowUpRules, case: Case, data: st.DataObject
) -> None:
    records = data.draw(follow_up_records_for(case, rules))
    planned = reference_plan(case, rules)
    near = [p.due for p in planned] + [e.at.date() for e in case.history]
    base = data.draw(st.sampled_from(near))
    on = base + timedelta(days=data.draw(st.integers(-3, rules.grace_days + 3)))
    read = read_on(case, on)
    by_key = {r.key: r for r in records}
    items = follow_ups_on(case, records, on, rules)
    expected = {}
    for p in planned:
        status = expected_status(p, by_key, on, read, rules.grace_days) if p.made < read else None
        if status is not None:
            expected[p.key] = status
    assert statuses(items) == expected
    assert [i.due.due for i in items] == sorted(i.due.due for i in items)
    for item in items:
        assert (item.record is not None) == (item.status is DONE)
        assert (item.closed_on is not None) == (item.status is MISSED)
        if item.record is not None:
            assert item.record == by_key[item.due.key]
    # the listed follow-ups are the schedule known that day, and any done before a drop
    scheduled = set(keys(schedule(case, rules, as_of=on)))
    assert scheduled <= set(expected)
    assert all(expected[k] is DONE for k in set(expected) - scheduled)


@given(
    follow_up_rules(),
    st.lists(cases(max_events=20), max_size=4, unique_by=lambda c: c.id),
    st.data(),
)
def test_rates_and_overdue_agree_with_each_case_s_follow_ups(
    rules: FollowUpRules, many: list[Case], data: st.DataObject
) -> None:
    records = [r for case in many for r in data.draw(follow_up_records_for(case, rules))]
    on = data.draw(st.dates(date(2000, 1, 1), date(2100, 12, 31)))
    items = [
        item
        for case in many
        for item in follow_ups_on(case, [r for r in records if r.case_id == case.id], on, rules)
    ]
    late = [i for i in items if i.status is OVERDUE]
    assert overdue(many, records, on, rules) == tuple(
        sorted(late, key=lambda i: (i.due.due, i.due.case_id))
    )
    grace = timedelta(days=rules.grace_days)

    def counts(group: list[FollowUpItem]) -> tuple[int, int, int]:
        passed = [i for i in group if i.due.due + grace < on]
        return (
            sum(i.status is DONE for i in passed),
            sum(i.status is OVERDUE for i in passed),
            sum(
                i.status is MISSED and i.closed_on is not None and i.closed_on > i.due.due + grace
                for i in passed
            ),
        )

    rows = follow_up_rates(many, records, on, rules=rules)
    centers = sorted({i.due.center_id for i in items if i.due.center_id is not None})
    assert [r.group for r in rows] == [*centers, REGION]
    for row in rows:
        group = items if row.group == REGION else [i for i in items if i.due.center_id == row.group]
        assert (row.done, row.overdue, row.missed) == counts(group)
        assert row.target == rules.target
        assert row.rate is None or row.meets_target == (row.rate >= rules.target)
    assert follow_up_rates(many, records, on, by="region", rules=rules) == (rows[-1],)


@given(follow_up_outcomes(), follow_up_records(), follow_up_rules())
def test_strategies_draw_valid_values(
    outcome: FollowUpOutcome, done: FollowUpRecord, rules: FollowUpRules
) -> None:
    assert attrs.evolve(outcome) == outcome
    assert attrs.evolve(done) == done
    assert attrs.evolve(rules) == rules
    assert {outcome.use} <= set(UseStatus) and {outcome.housing} <= set(HousingStatus)
    assert {outcome.legal} <= set(LegalStatus) and {outcome.family, outcome.health} <= set(Change)
