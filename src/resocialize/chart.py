"""The pathway chart: the one definition of the stage pathway (DESIGN.md, principle 4).

:class:`PathwayChart` is a python-statemachine ``StateChart``. Everything else
derives from it: :func:`compile_table` reads its states, events, transitions
and guard names into the plain table that :func:`resocialize.pathway.advance`
uses, the Mermaid diagram is drawn from that table, and a property test drives
random events through both and checks they agree.

This module imports python-statemachine; :mod:`resocialize.pathway` imports it
only on first use, so ``import resocialize`` stays light.

Reading the transitions and conditions of a chart class uses attributes of
python-statemachine that are not a documented API; the dependency is pinned to
a narrow version range and the agreement test guards it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import attrs
from statemachine import State as ChartState
from statemachine import StateChart

from ._charts import read_chart
from .guards import GUARDS, Guard
from .pathway import Event, State

if TYPE_CHECKING:
    from .facts import Facts
    from .pathway import Case, PathwayRules

__all__ = ["Move", "PathwayChart", "Table", "compile_table"]


def _condition(name: str) -> Any:
    guard = GUARDS[name]

    def condition(self: Any, case: Case, facts: Facts, at: datetime, rules: PathwayRules) -> bool:
        return not guard(case, facts, at, rules)

    condition.__name__ = name
    condition.__doc__ = guard.__doc__
    return condition


# The chart's condition methods, one per guard, all evaluating the same pure guard.
_Conditions = type("_Conditions", (), {name: _condition(name) for name in GUARDS})

_ADMISSION: Final = [
    "consent_given",
    "program_recorded",
    "certificate_valid",
    "contract_signed",
    "center_admits",
    "minor_in_state_center",
]


class PathwayChart(StateChart[Any], _Conditions):  # type: ignore[misc,valid-type]
    """Stages I-V of seed 001 and the states beside them.

    Refusals must surface: unknown or impossible events raise instead of being
    ignored, and guard errors propagate instead of becoming events.
    """

    allow_event_without_transition = False
    catch_errors_as_events = False

    # Stage I: identification and low-threshold motivation (PW-01, PW-02)
    identified = ChartState(initial=True, value=State.IDENTIFIED)
    motivation = ChartState(value=State.MOTIVATION)
    monitoring = ChartState(value=State.MONITORING)
    # Stage II: treatment, diagnosis, consent, program (PW-03, PW-04)
    treatment = ChartState(value=State.TREATMENT)
    # Stages III-V (PW-05, PW-06, PW-07)
    social_rehabilitation = ChartState(value=State.SOCIAL_REHABILITATION)
    resocialization = ChartState(value=State.RESOCIALIZATION)
    patronage = ChartState(value=State.PATRONAGE)
    sustained_remission = ChartState(value=State.SUSTAINED_REMISSION)
    # Beside the road (PW-04, PW-08, PW-09)
    relapsed = ChartState(value=State.RELAPSED)
    dropped_out = ChartState(value=State.DROPPED_OUT)
    consent_withdrawn = ChartState(value=State.CONSENT_WITHDRAWN)
    custody = ChartState(value=State.CUSTODY)
    pre_release = ChartState(value=State.PRE_RELEASE)
    moved_away = ChartState(final=True, value=State.MOVED_AWAY)
    deceased = ChartState(final=True, value=State.DECEASED)

    engage = motivation.from_(
        identified, monitoring, relapsed, dropped_out, consent_withdrawn, pre_release
    )
    refuse = monitoring.from_(identified, motivation, treatment, relapsed)
    start_treatment = treatment.from_(motivation, relapsed)

    give_consent = (
        motivation.to.itself(internal=True, cond="consent_absent")
        | treatment.to.itself(internal=True, cond="consent_absent")
        | relapsed.to.itself(internal=True, cond="consent_absent")
        | custody.to.itself(internal=True, cond="consent_absent")
        | pre_release.to.itself(internal=True, cond="consent_absent")
    )
    withdraw_consent = consent_withdrawn.from_(
        motivation,
        monitoring,
        treatment,
        social_rehabilitation,
        resocialization,
        patronage,
        sustained_remission,
        relapsed,
        dropped_out,
        custody,
        pre_release,
        cond="consent_given",
    )
    record_program = (
        treatment.to.itself(internal=True, cond=["consent_given", "program_id_supplied"])
        | relapsed.to.itself(internal=True, cond=["consent_given", "program_id_supplied"])
        | pre_release.to.itself(internal=True, cond=["consent_given", "program_id_supplied"])
    )
    record_diagnosis = (
        treatment.to.itself(internal=True, cond="assessment_id_supplied")
        | relapsed.to.itself(internal=True, cond="assessment_id_supplied")
        | pre_release.to.itself(internal=True, cond="assessment_id_supplied")
    )
    record_medical_help = treatment.to.itself(
        internal=True, cond="medical_help_supplied"
    ) | relapsed.to.itself(internal=True, cond="medical_help_supplied")
    refer = (
        identified.to.itself(internal=True, cond="referral_supplied")
        | motivation.to.itself(internal=True, cond="referral_supplied")
        | monitoring.to.itself(internal=True, cond="referral_supplied")
        | treatment.to.itself(internal=True, cond="referral_supplied")
        | social_rehabilitation.to.itself(internal=True, cond="referral_supplied")
        | resocialization.to.itself(internal=True, cond="referral_supplied")
        | patronage.to.itself(internal=True, cond="referral_supplied")
        | sustained_remission.to.itself(internal=True, cond="referral_supplied")
        | relapsed.to.itself(internal=True, cond="referral_supplied")
        | dropped_out.to.itself(internal=True, cond="referral_supplied")
        | consent_withdrawn.to.itself(internal=True, cond="referral_supplied")
        | custody.to.itself(internal=True, cond="referral_supplied")
        | pre_release.to.itself(internal=True, cond="referral_supplied")
    )

    admit = social_rehabilitation.from_(treatment, pre_release, cond=_ADMISSION)
    transfer = social_rehabilitation.to.itself(internal=True, cond=["center_changes", *_ADMISSION])
    enter_resocialization = treatment.to(
        resocialization, cond=["consent_given", "program_recorded", "origin_allows_direct_entry"]
    ) | pre_release.to(resocialization, cond=["consent_given", "program_recorded"])
    complete_rehabilitation = social_rehabilitation.to(resocialization)
    complete_resocialization = resocialization.to(patronage, cond="labour_outcome_supplied")
    achieve_remission = patronage.to(sustained_remission, cond="remission_period_elapsed")

    relapse = relapsed.from_(social_rehabilitation, resocialization, patronage, sustained_remission)
    drop_out = dropped_out.from_(treatment, social_rehabilitation, resocialization, patronage)
    detain = custody.from_(
        identified,
        motivation,
        monitoring,
        treatment,
        social_rehabilitation,
        resocialization,
        patronage,
        sustained_remission,
        relapsed,
        dropped_out,
        consent_withdrawn,
    )
    prepare_release = custody.to(pre_release)
    move_away = moved_away.from_.any()
    record_death = deceased.from_.any()


@attrs.frozen
class Move:
    """One row of the compiled table: where an event leads from a state, under which guards."""

    target: State
    guard_names: tuple[str, ...]
    guards: tuple[Guard, ...] = attrs.field(eq=False, repr=False)


@attrs.frozen
class Table:
    """The pathway compiled from the chart: plain data for the hot path."""

    moves: Mapping[tuple[State, Event], Move]
    initial: State
    finals: frozenset[State]
    states: tuple[State, ...]
    events: tuple[Event, ...]

    def events_from(self, state: State) -> tuple[Event, ...]:
        """The events defined from ``state`` (guards not evaluated), in chart order."""
        return tuple(event for (source, event) in self.moves if source is state)


def compile_table(chart: type[StateChart[Any]] = PathwayChart) -> Table:
    """Read the chart's states, events, transitions and guard names into a :class:`Table`."""
    reading = read_chart(chart, State, Event, GUARDS)
    return Table(
        moves={
            key: Move(target, names, tuple(GUARDS[name] for name in names))
            for key, (target, names) in reading.moves.items()
        },
        initial=reading.initial,
        finals=reading.finals,
        states=reading.states,
        events=reading.events,
    )
