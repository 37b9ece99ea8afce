"""Waiting lists: people who find no place wait, and some give up waiting (SM-02, SM-03)."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

from resocialize.pathway import State
from resocialize.simulation import Scenario, default_scenario
from resocialize.simulation.cohort import run_cohort
from resocialize.simulation.individual import run_individual
from resocialize.simulation.model import compile_model
from resocialize.simulation.results import Results

pytestmark = pytest.mark.req("SM-02")


def scarce(leave: float) -> Scenario:
    return attrs.evolve(
        default_scenario(),
        capacity={State.SOCIAL_REHABILITATION: 100},
        leave_waiting_per_month=leave,
    )


@pytest.mark.parametrize("engine", ["cohort", "individual"])
def test_people_who_give_up_waiting_leave_the_list_for_dropped_out(engine: str) -> None:
    def run(leave: float) -> Results:
        if engine == "cohort":
            return run_cohort(scarce(leave))
        return run_individual(scarce(leave), seed=3)

    patient, impatient = run(0.0), run(0.3)
    model = patient.model
    w = model.index("waiting:social_rehabilitation")
    d = model.index(State.DROPPED_OUT)
    assert patient.flows[:, w, d].sum() == 0
    assert impatient.flows[:, w, d].sum() > 0
    assert impatient.waiting().max() < patient.waiting().max()
    for results in (patient, impatient):
        people = results.occupancy.sum(axis=1)
        assert np.allclose(np.diff(people), results.entered[1:], rtol=1e-9, atol=1e-6)
        moved = np.argwhere(results.flows.sum(axis=0) > 0)
        assert all(model.legal[s, t] for s, t in moved)


def test_giving_up_waiting_is_a_legal_move_only_from_a_waiting_list() -> None:
    model = compile_model(scarce(0.1))
    w = model.index("waiting:social_rehabilitation")
    d = model.index(State.DROPPED_OUT)
    assert model.legal[w, d]
    assert np.allclose(model.P[w].sum(axis=-1), 1.0)
    assert np.allclose(model.P[w, :, d], (1 - model.P[w, :, model.index(State.DECEASED)]) * 0.1)
