"""Scenarios: validated against the pathway chart, read from TOML, every default figure cited."""

from __future__ import annotations

import contextlib
import re

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.errors import ValidationError
from resocialize.pathway import State
from resocialize.records import ReferralSource
from resocialize.simulation import (
    LIVING_STATES,
    Band,
    Scenario,
    default_scenario,
    legal_moves,
    scenario_from_toml,
)
from resocialize.tariffs import default_tariffs

HEADER = """
name = "test"
description = "a test scenario"
start = 2027-01-01
horizon_months = 24
currency = "RUB"
[intake]
court = [100, 200]
"""


def paths(call: object) -> set[str]:
    assert callable(call)
    with pytest.raises(ValidationError) as bad:
        call()
    return set(bad.value.paths)


@pytest.mark.req("SM-01")
def test_a_scenario_reads_from_toml() -> None:
    scenario = scenario_from_toml(
        HEADER
        + """
[[transitions.identified]]
from_month = 0
identified = 0.5
motivation = 0.5
[capacity]
social_rehabilitation = 10
[funding]
regional = "1"
"""
    )
    assert scenario.intake_in(ReferralSource.COURT, 0) == 100
    assert scenario.intake_in(ReferralSource.COURT, 5) == 200  # the last figure repeats
    assert scenario.transitions[State.IDENTIFIED][0].to[State.MOTIVATION] == 0.5
    assert scenario.years == 2


@pytest.mark.req("SM-01")
def test_a_move_the_chart_forbids_is_refused_naming_the_pair() -> None:
    with pytest.raises(ValidationError) as bad:
        scenario_from_toml(
            HEADER
            + """
[[transitions.identified]]
from_month = 0
identified = 0.5
sustained_remission = 0.5
[funding]
regional = "1"
"""
        )
    (problem,) = bad.value.problems
    assert problem.path == "transitions.identified[0].sustained_remission"
    assert "identified to sustained_remission" in problem.message


@pytest.mark.req("SM-01")
@given(
    source=st.sampled_from(LIVING_STATES),
    target=st.sampled_from(list(State)),
    p=st.floats(0.01, 0.99),
)
def test_every_forbidden_move_is_refused_and_every_legal_one_accepted(
    source: State, target: State, p: float
) -> None:
    stay = source
    row = {stay: 1 - p, target: p} if target is not stay else {stay: 1.0}
    base = default_scenario()
    make = lambda: attrs.evolve(base, transitions={source: (Band(0, row),)})  # noqa: E731
    if (source, target) in legal_moves():
        make()
    else:
        assert paths(make) == {f"transitions.{source.value}[0].{target.value}"}


@pytest.mark.req("SM-01")
@given(drift=st.floats(1e-6, 0.5))
def test_rows_must_sum_to_one_within_tolerance(drift: float) -> None:
    base = default_scenario()
    row = {State.IDENTIFIED: 0.5, State.MOTIVATION: 0.5 + drift}
    with pytest.raises(ValidationError) as bad:
        attrs.evolve(base, transitions={State.IDENTIFIED: (Band(0, row),)})
    assert bad.value.paths == ("transitions.identified[0]",)
    assert "sum to" in str(bad.value)


@pytest.mark.req("SM-01")
def test_bad_scenario_files_name_every_problem_with_its_path() -> None:
    found = paths(
        lambda: scenario_from_toml(
            """
name = ""
description = "bad"
start = "soon"
horizon_months = 0
currency = "rub"
speed = 3
mortality_per_100_person_years = -1
discount_rate = 1.5
[intake]
court = [-5]
aliens = [3]
[[transitions.identified]]
from_month = 0
identified = 1.2
[capacity]
nowhere = 3
[[state_costs]]
state = "treatment"
monthly = 3000.0
[funding]
regional = "0.6"
"""
        )
    )
    assert {
        "speed",
        "name",
        "start",
        "horizon_months",
        "currency",
        "mortality_per_100_person_years",
        "discount_rate",
        "intake.court[0]",
        "intake.aliens",
        "transitions.identified[0].identified",
        "capacity.nowhere",
        "state_costs[0].monthly",
    } <= found


def test_broken_toml_is_a_validation_error() -> None:
    assert paths(lambda: scenario_from_toml("name = ")) == {"$"}


def test_a_scenario_of_the_wrong_shape_is_a_validation_error() -> None:
    base = default_scenario()
    assert paths(lambda: attrs.evolve(base, intake=[1, 2])) == {"intake"}
    assert paths(lambda: attrs.evolve(base, funding={"regional": 0.5})) >= {"funding.regional"}


@pytest.mark.req("SM-05")
def test_every_parameter_of_the_default_scenario_cites_its_source() -> None:
    scenario = default_scenario()
    cited = set(scenario.sources)
    parameters = {
        "horizon_months",
        "intake",
        "mortality_per_100_person_years",
        "discount_rate",
        "capacity",
        "leave_waiting_per_month",
        "state_costs",
        "transition_costs",
        "certificate",
        "funding",
        "budget",
    } | {f"transitions.{state.value}" for state in scenario.transitions}
    assert parameters <= cited, sorted(parameters - cited)
    kinds = re.compile(r"\b(DOCUMENTED|DERIVED|ILLUSTRATIVE)\b")
    for key, text in scenario.sources.items():
        assert kinds.search(text), f"{key} does not say whether it is documented or illustrative"


@pytest.mark.req("SM-05")
def test_the_default_scenario_keeps_its_documented_anchors() -> None:
    scenario = default_scenario()
    assert scenario.mortality_per_100_person_years == 2.35  # Mathers et al. 2013
    assert scenario.horizon_months == 84  # the state program's 7 years
    certificate = scenario.certificate  # the Moscow certificate: ~1,000 RUB/day, 180 days
    assert certificate is not None and certificate.per_diem
    moscow = default_tariffs()["moscow_per_diem"]
    assert (certificate.tariff.schedule, certificate.tariff.dropout) == (
        moscow.schedule,
        moscow.dropout,
    )
    assert str(certificate.face) == "180000.00 RUB" and certificate.course_days == 180
    yearly = sum(scenario.intake_in(source, 0) for source in scenario.intake)
    assert 1_700 <= yearly <= 1_800  # 150,000 a year over 85 regions


def test_scenarios_pickle_for_process_pools() -> None:
    import pickle

    scenario = default_scenario()
    assert pickle.loads(pickle.dumps(scenario)) == scenario
    assert isinstance(scenario, Scenario)


@pytest.mark.req("SM-01")
@given(
    field=st.sampled_from([f.name for f in attrs.fields(Scenario)]),
    value=st.one_of(
        st.none(),
        st.integers(),
        st.text(max_size=3),
        st.floats(allow_nan=True),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=3), max_size=2),
    ),
)
def test_any_bad_part_of_a_scenario_is_a_validation_error(field: str, value: object) -> None:
    """Only the library's validation error may come out (a value may also be acceptable)."""
    with contextlib.suppress(ValidationError):
        attrs.evolve(default_scenario(), **{field: value})
