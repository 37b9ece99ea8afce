"""Scenario simulation: scenarios, the cohort and individual engines, sweeps (SM-01 to SM-05).

Scenarios are plain data and need nothing beyond the library itself; the engines
need numpy (``pip install "resocialize[sim]"``) and import it only when they run.
"""

from __future__ import annotations

from .certificate import Certificate
from .scenario import (
    CERTIFICATE_STATE,
    LIVING_STATES,
    TOLERANCE,
    Band,
    Scenario,
    StateCost,
    TransitionCost,
    default_scenario,
    legal_moves,
    scenario_from_toml,
)

__all__ = [
    "CERTIFICATE_STATE",
    "LIVING_STATES",
    "TOLERANCE",
    "Band",
    "Certificate",
    "Scenario",
    "StateCost",
    "TransitionCost",
    "default_scenario",
    "legal_moves",
    "scenario_from_toml",
]
