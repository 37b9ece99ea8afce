"""Center choice (RG-08, CF-03, PW-10), the standing the admission guard reads (PW-05), and
the allocation of an intake by referral date and ranked choices."""

from __future__ import annotations

import pickle
import random
from collections import Counter
from datetime import date, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _builders import admission, in_treatment, run
from resocialize.centers import SERVICE_STAGES, Center, Program, Setting
from resocialize.choice import (
    ADULT_AGE,
    Allocation,
    ChoiceList,
    Needs,
    Request,
    allocate,
    choices_for,
    choose,
    standing_for,
)
from resocialize.errors import RuleViolation, ValidationError
from resocialize.money import Money
from resocialize.organizations import OwnershipForm
from resocialize.pathway import Event, Stage, State, advance

ON = date(2026, 5, 4)
III, IV, V = Stage.SOCIAL_REHABILITATION, Stage.RESOCIALIZATION, Stage.PATRONAGE
STATE, NGO, PRIVATE = OwnershipForm.STATE, OwnershipForm.NON_GOVERNMENTAL, OwnershipForm.PRIVATE
RESIDENTIAL, DAY = Setting.RESIDENTIAL, Setting.DAY


def program(
    id: str = "p-1",
    stage: Stage = III,
    places: int = 10,
    minimum_age: int = 18,
    setting: Setting = RESIDENTIAL,
) -> Program:
    return Program(
        id, stage, 180, Money.of(90_000, "RUB"), places, setting=setting, minimum_age=minimum_age
    )


def center(
    id: str,
    *programs: Program,
    ownership: OwnershipForm = NGO,
    municipality: str = "North",
) -> Center:
    return Center(id, f"Center {id}", ownership, municipality, programs=programs or (program(),))


def listing(
    centers: list[Center],
    needs: Needs | None = None,
    *,
    registered: set[str] | None = None,
    qualified: set[str] | None = None,
    occupied: dict[tuple[str, str], int] | None = None,
) -> ChoiceList:
    everyone = {c.id for c in centers}
    return choices_for(
        needs or Needs(III, 30),
        centers,
        on=ON,
        registered=everyone if registered is None else registered,
        qualified=everyone if qualified is None else qualified,
        occupied=occupied or {},
    )


def codes(reasons: tuple[object, ...]) -> list[str]:
    return [r.code for r in reasons]  # type: ignore[attr-defined]


# --- RG-08 choice: what is offered, and why -----------------------------------------------


@pytest.mark.req("RG-08")
def test_choice_offers_registered_qualified_centers_with_a_suitable_program_and_a_free_place() -> (
    None
):
    centers = [
        center("c-1"),
        center("c-2"),
        center("c-3"),  # not in the register
        center("c-4"),  # not qualified
        center("c-5", program(stage=IV)),  # no stage III program
        center("c-6", program(minimum_age=21)),  # too young
        center("c-7", program(places=2)),  # full
    ]
    listed = listing(
        centers,
        Needs(III, 20),
        registered={"c-1", "c-2", "c-4", "c-5", "c-6", "c-7"},
        qualified={"c-1", "c-2", "c-3", "c-5", "c-6", "c-7"},
        occupied={("c-7", "p-1"): 2},
    )
    assert [o.key for o in listed.options] == [("c-1", "p-1"), ("c-2", "p-1")]
    assert [(e.center_id, e.codes) for e in listed.excluded] == [
        ("c-3", ("center.not_in_register",)),
        ("c-4", ("center.not_qualified",)),
        ("c-5", ("center.no_program_for_stage",)),
        ("c-6", ("program.minimum_age",)),
        ("c-7", ("program.no_free_place",)),
    ]
    assert listed.enough and listed.notice is None


@pytest.mark.req("RG-08")
def test_each_option_says_why_it_fits() -> None:
    listed = listing(
        [center("c-1", program(places=5, minimum_age=16))],
        Needs(III, 17, municipality="North", setting=RESIDENTIAL, minor_state_only=False),
        occupied={("c-1", "p-1"): 2},
    )
    (option,) = listed.options
    assert codes(option.why) == [
        "fits.in_register",
        "fits.qualified",
        "fits.stage",
        "fits.age",
        "fits.free_places",
        "fits.setting",
        "fits.municipality",
    ]
    messages = [r.message for r in option.why]
    assert "accepts age 17 (minimum age 16)" in messages
    assert "3 free places" in messages
    assert "in the client's municipality (North)" in messages
    assert (option.free_places, option.duration_days, option.price) == (
        3,
        180,
        Money.of(90_000, "RUB"),
    )
    assert (option.ownership, option.municipality, option.setting) == (NGO, "North", RESIDENTIAL)


@pytest.mark.req("RG-08")
def test_an_excluded_center_lists_every_reason_not_only_the_first() -> None:
    centers = [
        center("c-1", program(stage=IV), ownership=PRIVATE),
        center(
            "c-2",
            program("p-1", minimum_age=21, places=1),
            program("p-2", setting=DAY, minimum_age=14),
            ownership=PRIVATE,
        ),
    ]
    listed = listing(
        centers,
        Needs(III, 16, setting=RESIDENTIAL),
        registered=set(),
        qualified=set(),
        occupied={("c-2", "p-1"): 1},
    )
    assert listed.options == ()
    assert [e.codes for e in listed.excluded] == [
        (
            "center.not_in_register",
            "center.not_qualified",
            "minor.state_center_required",
            "center.no_program_for_stage",
        ),
        (
            "center.not_in_register",
            "center.not_qualified",
            "minor.state_center_required",
            "program.minimum_age",
            "program.no_free_place",
            "program.other_setting",
        ),
    ]
    assert listed.excluded[1].reasons[-1].details["program"] == "p-2"


@pytest.mark.req("RG-08")
def test_options_in_the_clients_municipality_come_first_then_by_center_and_program() -> None:
    centers = [
        center("c-3", municipality="South"),
        center("c-1", program("p-2"), program("p-1"), municipality="South"),
        center("c-2", municipality="North"),
    ]
    listed = listing(centers, Needs(III, 30, municipality="North"))
    assert [o.key for o in listed.options] == [
        ("c-2", "p-1"),
        ("c-1", "p-1"),
        ("c-1", "p-2"),
        ("c-3", "p-1"),
    ]
    # the municipality orders the list, it does not shorten it
    assert {o.key for o in listing(centers).options} == {o.key for o in listed.options}
    assert listed.centers == ("c-2", "c-1", "c-3")


@pytest.mark.req("RG-08")
def test_a_setting_asked_for_keeps_only_such_programs() -> None:
    centers = [center("c-1", program("p-1"), program("p-2", setting=DAY)), center("c-2")]
    listed = listing(centers, Needs(III, 30, setting=DAY))
    assert [o.key for o in listed.options] == [("c-1", "p-2")]
    assert listed.excluded[0].codes == ("program.other_setting",)


@pytest.mark.req("RG-08")
def test_occupied_places_are_taken_off_and_never_counted_below_zero() -> None:
    c1 = center("c-1", program(places=4))
    listed = listing([c1], occupied={("c-1", "p-1"): 3})
    assert listed.options[0].free_places == 1
    assert listed.options[0].why[4].message == "1 free place"
    over = listing([c1], occupied={("c-1", "p-1"): 9})
    assert over.excluded[0].reasons[0].details["free"] == 0


@pytest.mark.req("RG-08")
@pytest.mark.req("CF-03")
def test_fewer_than_two_suitable_centers_are_announced() -> None:
    one = listing(
        [center("c-1", program("p-1"), program("p-2")), center("c-2")], registered={"c-1"}
    )
    assert len(one.options) == 2  # two programs of one center are not a choice of centers
    assert not one.enough
    assert one.notice is not None and one.notice.code == "choice.fewer_than_two"
    assert one.notice.message == "only 1 suitable center exists on 2026-05-04 for stage III, age 30"
    none = listing([center("c-1")], Needs(IV, 17, setting=DAY))
    assert none.options == () and not none.enough
    assert none.notice is not None
    assert none.notice.message == (
        "no suitable center exists on 2026-05-04 for stage IV, age 17, day setting"
    )
    assert none.notice.details["centers"] == 0


@pytest.mark.req("RG-08")
@pytest.mark.req("CF-03")
def test_two_suitable_centers_are_enough() -> None:
    listed = listing([center("c-1"), center("c-2"), center("c-3")])
    assert listed.enough and listed.notice is None
    assert len(listed.centers) == 3  # every suitable center is offered, not only two


# --- PW-10 minors ----------------------------------------------------------------------------


@pytest.mark.req("PW-10")
def test_a_minor_is_offered_state_centers_only() -> None:
    centers = [
        center("c-1", program(minimum_age=14), ownership=STATE),
        center("c-2", program(minimum_age=14), ownership=NGO),
        center("c-3", program(minimum_age=14), ownership=PRIVATE),
    ]
    listed = listing(centers, Needs(III, ADULT_AGE - 1))
    assert [o.center_id for o in listed.options] == ["c-1"]
    assert "fits.state_center" in codes(listed.options[0].why)
    assert [e.codes for e in listed.excluded] == [("minor.state_center_required",)] * 2
    assert not listed.enough
    adult = listing(centers, Needs(III, ADULT_AGE))
    assert len(adult.options) == 3
    assert "fits.state_center" not in codes(adult.options[0].why)


@pytest.mark.req("PW-10")
def test_a_region_may_offer_minors_other_centers() -> None:
    centers = [center("c-1", program(minimum_age=14)), center("c-2", program(minimum_age=14))]
    listed = listing(centers, Needs(III, 15, minor_state_only=False))
    assert listed.centers == ("c-1", "c-2")


# --- Hypothesis: the choice list over a space of centers and needs --------------------------

CENTER_IDS = [f"c-{i}" for i in range(6)]
MUNICIPALITIES = ["North", "South"]
PAIRS = [(c, f"p-{k}") for c in CENTER_IDS for k in range(3)]
World = tuple[Needs, list[Center], set[str], set[str], dict[tuple[str, str], int]]


@st.composite
def programs_of(draw: st.DrawFn, n: int) -> tuple[Program, ...]:
    return tuple(
        program(
            f"p-{k}",
            draw(st.sampled_from(sorted(SERVICE_STAGES))),
            draw(st.integers(0, 4)),
            draw(st.sampled_from([14, 16, 18])),
            draw(st.sampled_from(list(Setting))),
        )
        for k in range(n)
    )


@st.composite
def worlds(draw: st.DrawFn) -> World:
    ids = draw(st.lists(st.sampled_from(CENTER_IDS), unique=True, max_size=6))
    centers = [
        Center(
            cid,
            "Center",
            draw(st.sampled_from(list(OwnershipForm))),
            draw(st.sampled_from(MUNICIPALITIES)),
            programs=draw(programs_of(draw(st.integers(0, 3)))),
        )
        for cid in ids
    ]
    registered = draw(st.sets(st.sampled_from(CENTER_IDS)))
    qualified = draw(st.sets(st.sampled_from(CENTER_IDS)))
    occupied = draw(st.dictionaries(st.sampled_from(PAIRS), st.integers(0, 5)))
    needs = Needs(
        draw(st.sampled_from(sorted(SERVICE_STAGES))),
        draw(st.integers(12, 30)),
        draw(st.one_of(st.none(), st.sampled_from(MUNICIPALITIES))),
        draw(st.one_of(st.none(), st.sampled_from(list(Setting)))),
        draw(st.booleans()),
    )
    return needs, centers, registered, qualified, occupied


def expected_failures(
    c: Center,
    needs: Needs,
    registered: set[str],
    qualified: set[str],
    occupied: dict[tuple[str, str], int],
) -> tuple[list[str], list[str]]:
    """Computed here independently: the codes against the center, and the fitting programs."""
    against = []
    if c.id not in registered:
        against.append("center.not_in_register")
    if c.id not in qualified:
        against.append("center.not_qualified")
    if needs.age < 18 and needs.minor_state_only and c.ownership is not STATE:
        against.append("minor.state_center_required")
    stage_programs = sorted((p for p in c.programs if p.stage is needs.stage), key=lambda p: p.id)
    if not stage_programs:
        against.append("center.no_program_for_stage")
    fitting = []
    for p in stage_programs:
        bad = []
        if needs.age < p.minimum_age:
            bad.append("program.minimum_age")
        if p.places - occupied.get((c.id, p.id), 0) < 1:
            bad.append("program.no_free_place")
        if needs.setting is not None and p.setting is not needs.setting:
            bad.append("program.other_setting")
        against.extend(bad)
        if not bad:
            fitting.append(p.id)
    center_ok = not any(code.startswith(("center.", "minor.")) for code in against)
    return against, fitting if center_ok else []


@pytest.mark.req("RG-08")
@pytest.mark.req("PW-10")
@given(worlds())
def test_every_option_meets_every_condition_and_every_exclusion_gives_every_reason(
    world: World,
) -> None:
    needs, centers, registered, qualified, occupied = world
    listed = choices_for(
        needs, centers, on=ON, registered=registered, qualified=qualified, occupied=occupied
    )
    by_id = {c.id: c for c in centers}
    offered = Counter(o.key for o in listed.options)
    assert all(n == 1 for n in offered.values())
    for option in listed.options:
        c = by_id[option.center_id]
        p = next(p for p in c.programs if p.id == option.program_id)
        assert c.id in registered and c.id in qualified
        assert p.stage is needs.stage and p.minimum_age <= needs.age
        assert option.free_places == p.places - occupied.get(option.key, 0) >= 1
        assert needs.setting is None or p.setting is needs.setting
        assert not needs.minor or not needs.minor_state_only or c.ownership is STATE
        assert {"fits.in_register", "fits.qualified", "fits.stage", "fits.age"} <= set(
            codes(option.why)
        )
    excluded = {e.center_id: e for e in listed.excluded}
    assert set(excluded).isdisjoint(o.center_id for o in listed.options)
    assert set(excluded) | set(listed.centers) == set(by_id)
    for c in centers:
        against, fitting = expected_failures(c, needs, registered, qualified, occupied)
        assert sorted(p for cid, p in offered if cid == c.id) == fitting
        if c.id in excluded:
            assert excluded[c.id].reasons, "an excluded center has at least one reason"
            assert list(excluded[c.id].codes) == against


@pytest.mark.req("RG-08")
@pytest.mark.req("CF-03")
@given(worlds(), st.randoms(use_true_random=False))
def test_the_list_is_ordered_for_display_and_does_not_depend_on_input_order(
    world: World,
    rnd: random.Random,
) -> None:
    needs, centers, registered, qualified, occupied = world
    listed = choices_for(
        needs, centers, on=ON, registered=registered, qualified=qualified, occupied=occupied
    )
    shuffled = rnd.sample(centers, len(centers))
    again = choices_for(
        needs, shuffled, on=ON, registered=registered, qualified=qualified, occupied=occupied
    )
    assert again == listed
    home = needs.municipality
    keys = [(home is not None and o.municipality != home, o.key) for o in listed.options]
    assert keys == sorted(keys)
    n = len(set(listed.centers))
    assert listed.enough is (n >= 2)
    assert (listed.notice is None) is listed.enough
    if listed.notice is not None:
        assert listed.notice.details["centers"] == n


# --- CF-03 the client chooses; the choice is recorded with the options offered ---------------


@pytest.mark.req("CF-03")
def test_the_clients_choice_is_recorded_with_the_options_offered() -> None:
    listed = listing([center("c-1"), center("c-2"), center("c-3")], registered={"c-1", "c-2"})
    choice = choose(listed, "c-2", "p-1")
    assert (choice.center_id, choice.program_id) == ("c-2", "p-1")
    assert choice.chosen == listed.option("c-2", "p-1")
    assert choice.offered == listed.options
    assert (choice.on, choice.needs, choice.notice) == (ON, listed.needs, None)


@pytest.mark.req("CF-03")
def test_a_choice_that_was_not_offered_is_refused_with_why() -> None:
    listed = listing([center("c-1"), center("c-2"), center("c-3")], registered={"c-1", "c-2"})
    with pytest.raises(RuleViolation) as caught:
        choose(listed, "c-3", "p-1")
    assert caught.value.codes == ("choice.not_offered", "center.not_in_register")
    with pytest.raises(RuleViolation) as unknown:
        choose(listed, "c-1", "p-9")
    assert unknown.value.codes == ("choice.not_offered",)


@pytest.mark.req("CF-03")
def test_the_only_option_may_be_chosen_and_the_notice_is_kept() -> None:
    listed = listing([center("c-1")])
    choice = choose(listed, "c-1", "p-1")
    assert choice.notice is not None and choice.notice.code == "choice.fewer_than_two"


def test_choose_refuses_bad_input_with_paths() -> None:
    with pytest.raises(ValidationError) as caught:
        choose("list", "c 1", 7)  # type: ignore[arg-type]
    assert caught.value.paths == ("choice_list", "center_id", "program_id")


@pytest.mark.req("RG-08")
def test_choices_for_refuses_bad_input_with_every_path() -> None:
    c1 = center("c-1")
    with pytest.raises(ValidationError) as caught:
        choices_for(
            "needs",  # type: ignore[arg-type]
            [c1, "c-2", c1],  # type: ignore[list-item]
            on=datetime(2026, 5, 4, 9, 0),
            registered="c-1",
            qualified=[1],  # type: ignore[list-item]
            occupied={("c-1", "p-1"): -1, "c-1": 2},  # type: ignore[dict-item]
        )
    assert caught.value.paths == (
        "needs",
        "on",
        "centers[1]",
        "centers[2].id",
        "registered",
        "qualified",
        "occupied[('c-1', 'p-1')]",
        "occupied['c-1']",
    )
    with pytest.raises(ValidationError) as not_iterable:
        choices_for(Needs(III, 30), None, on=ON, registered=(), qualified=())  # type: ignore[arg-type]
    assert not_iterable.value.paths == ("centers",)


@pytest.mark.req("RG-08")
def test_needs_report_every_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Needs(Stage.TREATMENT, -1, " ", "boat", 1)  # type: ignore[arg-type]
    assert caught.value.paths == ("stage", "age", "municipality", "setting", "minor_state_only")


# --- PW-05 the standing the admission guard reads --------------------------------------------


@pytest.mark.req("PW-05")
def test_standing_for_a_center_feeds_the_admission_guard() -> None:
    c1 = center("c-1", program("p-1", places=2), program("p-4", stage=IV), ownership=STATE)
    standing = standing_for(
        c1, "p-1", on=ON, registered={"c-1"}, qualified={"c-1"}, occupied={("c-1", "p-1"): 1}
    )
    assert (
        standing.in_register,
        standing.qualified,
        standing.runs_stage_iii_program,
        standing.free_places,
        standing.ownership,
    ) == (True, True, True, 1, STATE)
    facts = admission(center="c-1", placed_with="c-1", contract_center="c-1")
    case = run(in_treatment(), Event.ADMIT, facts=attrs.evolve(facts, center=standing))
    assert case.state is State.SOCIAL_REHABILITATION and case.center_id == "c-1"

    full = standing_for(c1, "p-1", on=ON, registered=(), qualified=(), occupied={("c-1", "p-1"): 5})
    stage_iv = standing_for(c1, "p-4", on=ON, registered={"c-1"}, qualified={"c-1"})
    assert (full.in_register, full.qualified, full.free_places) == (False, False, 0)
    assert not stage_iv.runs_stage_iii_program
    waiting = in_treatment()
    at = waiting.history[-1].at + timedelta(days=1)
    with pytest.raises(RuleViolation) as caught:
        advance(
            waiting,
            Event.ADMIT,
            at=at,
            by="agency/officer-1",
            facts=attrs.evolve(facts, center=full),
        )
    assert caught.value.codes == (
        "center.not_in_register",
        "center.not_qualified",
        "center.no_free_place",
    )


@pytest.mark.req("PW-05")
def test_standing_for_a_program_the_center_does_not_run_is_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        standing_for(center("c-1"), "p-9", on=ON, registered=(), qualified=())
    assert caught.value.paths == ("program_id",)
    with pytest.raises(ValidationError) as bad:
        standing_for("c-1", "", on=None, registered=None, qualified=(), occupied=[])  # type: ignore[arg-type]
    assert bad.value.paths == ("center", "program_id", "on", "registered", "occupied")


# --- allocation of an intake ---------------------------------------------------------------


def req(client: str, day: int, *choices: tuple[str, str]) -> Request:
    return Request(client, date(2026, 1, 1) + timedelta(days=day), choices)


A, B, C = ("c-1", "p-1"), ("c-2", "p-1"), ("c-3", "p-1")


@pytest.mark.req("RG-08")
def test_first_come_first_served_each_gets_the_highest_ranked_free_choice() -> None:
    intake = [
        req("cl-4", 3, A, B, C),
        req("cl-1", 1, A, B),
        req("cl-3", 2, A, B),
        req("cl-2", 1, B),
    ]
    result = allocate(intake, {A: 1, B: 1, C: 1})
    assert [(p.client_id, p.center_id, p.rank) for p in result.placements] == [
        ("cl-1", "c-1", 1),
        ("cl-2", "c-2", 1),
        ("cl-4", "c-3", 3),
    ]
    assert [w.client_id for w in result.waiting] == ["cl-3"]
    assert dict(result.free) == {A: 0, B: 0, C: 0}
    assert result.placement_of("cl-4") == result.placements[2]
    assert result.placement_of("cl-3") is None


@pytest.mark.req("RG-08")
def test_clients_referred_the_same_day_are_taken_in_order_of_client_id() -> None:
    result = allocate([req("cl-b", 0, A), req("cl-a", 0, A), req("cl-0", 1, A)], {A: 1})
    assert [p.client_id for p in result.placements] == ["cl-a"]
    assert [w.client_id for w in result.waiting] == ["cl-b", "cl-0"]


@pytest.mark.req("RG-08")
def test_a_waiting_client_gets_a_reason_for_each_choice() -> None:
    result = allocate(
        [req("cl-1", 0, A), req("cl-2", 1, A, ("c-9", "p-1"), A, B)],
        {A: 1, B: 0},
    )
    (waiting,) = result.waiting
    assert (waiting.client_id, waiting.referred_on) == ("cl-2", date(2026, 1, 2))
    assert codes(waiting.reasons) == [
        "allocation.full",
        "allocation.unknown_program",
        "allocation.duplicate_choice",
        "allocation.full",
    ]
    assert [r.message for r in waiting.reasons] == [
        "choice 1 (c-1/p-1) is full: its 1 place went to clients referred earlier",
        "choice 2 (c-9/p-1) is not a program with places in this intake",
        "choice 3 (c-1/p-1) repeats choice 1",
        "choice 4 (c-2/p-1) has no places in this intake",
    ]
    assert waiting.reasons[2].details == {
        "rank": 3,
        "center": "c-1",
        "program": "p-1",
        "repeats": 1,
    }


@pytest.mark.req("RG-08")
def test_an_empty_intake_allocates_nothing() -> None:
    assert allocate([], {A: 3}) == Allocation((), (), {A: 3})


def test_results_survive_pickling() -> None:
    listed = listing([center("c-1"), center("c-2")], Needs(III, 30, municipality="North"))
    result = allocate([req("cl-1", 0, A), req("cl-2", 0, A)], {A: 1})
    assert pickle.loads(pickle.dumps(listed)) == listed
    assert pickle.loads(pickle.dumps(choose(listed, "c-1", "p-1"))) == choose(listed, "c-1", "p-1")
    assert pickle.loads(pickle.dumps(result)) == result


def test_allocation_refuses_bad_input_with_every_path() -> None:
    intake = [req("cl-1", 0, A), req("cl-2", 0), req("cl-1", 1, B)]
    with pytest.raises(ValidationError) as caught:
        allocate(intake, {A: -1, B: 2})
    assert caught.value.paths == (
        "capacity[('c-1', 'p-1')]",
        "requests[1].choices",
        "requests[2].client_id",
    )
    assert "duplicate client id 'cl-1' (first at requests[0])" in str(caught.value)


def test_allocation_refuses_malformed_requests_and_capacity() -> None:
    bad = [
        "cl-1",
        Request("cl 2", datetime(2026, 1, 1, 9, 0), [A]),  # type: ignore[arg-type]
        Request("", date(2026, 1, 1), (A, ("c-1",), ("c-1", 2))),  # type: ignore[arg-type]
        Request(7, "2026-01-01", (A,)),  # type: ignore[arg-type]
    ]
    with pytest.raises(ValidationError) as caught:
        allocate(bad, {"c-1": 1, A: True, B: 1.5})  # type: ignore[arg-type, dict-item]
    assert caught.value.paths == (
        "capacity['c-1']",
        "capacity[('c-1', 'p-1')]",
        "capacity[('c-2', 'p-1')]",
        "requests[0]",
        "requests[1].client_id",
        "requests[1].referred_on",
        "requests[1].choices",
        "requests[2].client_id",
        "requests[2].choices[1]",
        "requests[2].choices[2]",
        "requests[3].client_id",
        "requests[3].referred_on",
    )
    for requests in (None, "cl-1", {"cl-1": A}):
        with pytest.raises(ValidationError) as whole:
            allocate(requests, {})  # type: ignore[arg-type]
        assert whole.value.paths == ("requests",)
    with pytest.raises(ValidationError) as mapping:
        allocate([], [(A, 1)])  # type: ignore[arg-type]
    assert mapping.value.paths == ("capacity",)


# --- Hypothesis: the allocation's invariants ---------------------------------------------------

ALLOC_PAIRS = [(f"c-{c}", f"p-{p}") for c in range(4) for p in range(2)]
UNKNOWN = ("c-gone", "p-0")


@st.composite
def intakes(draw: st.DrawFn) -> tuple[list[Request], dict[tuple[str, str], int]]:
    capacity = draw(st.dictionaries(st.sampled_from(ALLOC_PAIRS), st.integers(0, 3)))
    clients = draw(st.lists(st.from_regex(r"cl-[a-z0-9]{1,3}", fullmatch=True), unique=True))
    requests = [
        Request(
            client,
            date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 4))),
            tuple(draw(st.lists(st.sampled_from([*ALLOC_PAIRS, UNKNOWN]), min_size=1, max_size=5))),
        )
        for client in clients
    ]
    return requests, capacity


def reference(
    requests: list[Request], capacity: dict[tuple[str, str], int]
) -> tuple[list[tuple[str, str, str, int]], list[str]]:
    """The model, written plainly: same order, first free choice."""
    left = dict(capacity)
    placed, waiting = [], []
    for r in sorted(requests, key=lambda r: (r.referred_on, r.client_id)):
        for rank, pair in enumerate(r.choices, 1):
            if left.get(pair, 0) > 0:
                left[pair] -= 1
                placed.append((r.client_id, *pair, rank))
                break
        else:
            waiting.append(r.client_id)
    return placed, waiting


@pytest.mark.req("RG-08")
@given(intakes())
def test_allocation_never_overfills_and_places_clients_only_where_they_chose(
    intake: tuple[list[Request], dict[tuple[str, str], int]],
) -> None:
    requests, capacity = intake
    result = allocate(requests, capacity)
    used = Counter((p.center_id, p.program_id) for p in result.placements)
    assert all(used[pair] <= capacity.get(pair, 0) for pair in used)
    assert dict(result.free) == {pair: n - used[pair] for pair, n in capacity.items()}
    choices = {r.client_id: r.choices for r in requests}
    for p in result.placements:
        assert choices[p.client_id][p.rank - 1] == (p.center_id, p.program_id)
    everyone = [p.client_id for p in result.placements] + [w.client_id for w in result.waiting]
    assert sorted(everyone) == sorted(choices), "every client placed or waiting, exactly once"
    for w in result.waiting:
        assert len(w.reasons) == len(choices[w.client_id])


@pytest.mark.req("RG-08")
@given(intakes())
def test_no_client_waits_for_a_place_a_later_referred_client_got(
    intake: tuple[list[Request], dict[tuple[str, str], int]],
) -> None:
    requests, capacity = intake
    result = allocate(requests, capacity)
    order = sorted(requests, key=lambda r: (r.referred_on, r.client_id))
    turn = {r.client_id: i for i, r in enumerate(order)}
    placed_at: dict[tuple[str, str], list[int]] = {}
    got: dict[str, int] = {}
    for p in result.placements:
        placed_at.setdefault((p.center_id, p.program_id), []).append(turn[p.client_id])
        got[p.client_id] = p.rank
    for r in order:
        better = r.choices[: got.get(r.client_id, len(r.choices) + 1) - 1]
        for pair in better:
            turns = placed_at.get(pair, [])
            assert not any(t > turn[r.client_id] for t in turns)
            assert len(turns) == capacity.get(pair, 0), "a better choice was full at their turn"


@pytest.mark.req("RG-08")
@given(intakes(), st.randoms(use_true_random=False))
def test_allocation_is_deterministic_and_follows_the_plain_model(
    intake: tuple[list[Request], dict[tuple[str, str], int]],
    rnd: random.Random,
) -> None:
    requests, capacity = intake
    result = allocate(requests, capacity)
    assert allocate(rnd.sample(requests, len(requests)), capacity) == result
    placed, waiting = reference(requests, capacity)
    assert [(p.client_id, p.center_id, p.program_id, p.rank) for p in result.placements] == placed
    assert [w.client_id for w in result.waiting] == waiting
    referred = {r.client_id: r.referred_on for r in requests}
    assert all(w.referred_on == referred[w.client_id] for w in result.waiting)
