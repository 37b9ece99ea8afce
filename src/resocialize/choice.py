"""Center choice (RG-08, CF-03) and the allocation of an intake.

**Choice.** :func:`choices_for` lists every program a client may choose from on a
date: its center is in the register and qualified on that date, it serves the
client's stage, accepts the client's age and has a free place; a minor (under
:data:`ADULT_AGE`) is offered state centers only (PW-10). Which centers are in
the register and which qualify are passed in as sets of ids, so choice does not
depend on how the register or the qualification rules compute them. Each
:class:`Option` says why it fits; each center left out is listed with *every*
reason it was left out. The list never chooses for the client: its order
(centers in the client's municipality first, then by center id and program id)
is only a stable way to show it. The client's pick is recorded with
:func:`choose`, together with the options offered (CF-03).

>>> from datetime import date
>>> from resocialize.centers import Center, Program
>>> from resocialize.money import Money
>>> from resocialize.organizations import OwnershipForm
>>> from resocialize.pathway import Stage
>>> def center(id, ownership, municipality, places):
...     program = Program("p-1", Stage.SOCIAL_REHABILITATION, 180, Money.of(90000, "RUB"),
...                       places, minimum_age=16)
...     return Center(id, f"Center {id}", ownership, municipality, programs=(program,))
>>> centers = [
...     center("c-1", OwnershipForm.STATE, "South", 10),
...     center("c-2", OwnershipForm.NON_GOVERNMENTAL, "North", 6),
...     center("c-3", OwnershipForm.STATE, "North", 4),
... ]
>>> on = date(2026, 5, 4)
>>> listed = choices_for(
...     Needs(Stage.SOCIAL_REHABILITATION, age=17, municipality="North"), centers, on=on,
...     registered={"c-1", "c-2", "c-3"}, qualified={"c-1", "c-2", "c-3"},
...     occupied={("c-3", "p-1"): 4},
... )
>>> [(o.center_id, o.free_places) for o in listed.options]
[('c-1', 10)]
>>> for reason in listed.options[0].why:
...     print(reason.message)
in the register of centers on 2026-05-04
qualified on 2026-05-04
runs a stage III program (p-1)
accepts age 17 (minimum age 16)
10 free places
a state center, as a minor requires
in South, not the client's municipality (North)
>>> for excluded in listed.excluded:
...     print(excluded.center_id, [r.code for r in excluded.reasons])
c-2 ['minor.state_center_required']
c-3 ['program.no_free_place']
>>> listed.enough, listed.notice.message
(False, 'only 1 suitable center exists on 2026-05-04 for stage III, age 17')
>>> choice = choose(listed, "c-1", "p-1")
>>> choice.chosen.center_id, [o.center_id for o in choice.offered]
('c-1', ['c-1'])
>>> choose(listed, "c-2", "p-1")
Traceback (most recent call last):
...
resocialize.errors.RuleViolation: refused: center c-2, program p-1 was not offered
[choice.not_offered]; a minor (age 17) is served by a state center;
this one is non_governmental [minor.state_center_required]

**Allocation.** :func:`allocate` places a whole intake at once: clients in order
of referral date (first come, first served; clients referred on the same day in
order of client id), each in the highest-ranked of their choices that still has
a free place, else on the waiting list with a reason for every choice:

>>> intake = [
...     Request("cl-b", date(2026, 1, 5), (("c-1", "p-1"), ("c-2", "p-1"))),
...     Request("cl-a", date(2026, 1, 5), (("c-1", "p-1"),)),
...     Request("cl-c", date(2026, 1, 9), (("c-1", "p-1"), ("c-9", "p-1"))),
... ]
>>> result = allocate(intake, {("c-1", "p-1"): 1, ("c-2", "p-1"): 1})
>>> [(p.client_id, p.center_id, p.rank) for p in result.placements]
[('cl-a', 'c-1', 1), ('cl-b', 'c-2', 2)]
>>> [(w.client_id, [r.code for r in w.reasons]) for w in result.waiting]
[('cl-c', ['allocation.full', 'allocation.unknown_program'])]
"""

from __future__ import annotations

import gc
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from itertools import chain
from operator import attrgetter
from types import MappingProxyType
from typing import Final

import attrs

from ._checks import (
    MAX_ID_LENGTH,
    Checked,
    Problems,
    bool_problem,
    checked,
    count_problem,
    date_problem,
    id_problem,
    member_problem,
    optional,
    text_problem,
)
from .centers import SERVICE_STAGES, Center, Program, Setting
from .errors import FieldProblem, RuleViolation, ValidationError
from .facts import CenterStanding
from .money import Money
from .organizations import OwnershipForm
from .pathway import Stage
from .rules import Detail, Reason

__all__ = [
    "ADULT_AGE",
    "Allocated",
    "Allocation",
    "Choice",
    "ChoiceList",
    "Excluded",
    "Needs",
    "Option",
    "Request",
    "Waiting",
    "allocate",
    "choices_for",
    "choose",
    "standing_for",
]

ADULT_AGE: Final = 18
"""Clients younger than this are minors (PW-10)."""

_NOTHING: Final[Mapping[tuple[str, str], int]] = MappingProxyType({})


# --- input checks ----------------------------------------------------------------------------


def _stage_problem(value: object) -> str | None:
    if not isinstance(value, Stage) or value not in SERVICE_STAGES:
        return "must be a stage a center serves: 3, 4 or 5 (III, IV, V)"
    return None


def _age_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
        return "must be an age in whole years, 0-120"
    return None


def _pair_problem(value: object) -> str | None:
    if (
        type(value) is not tuple
        or len(value) != 2
        or not isinstance(value[0], str)
        or not isinstance(value[1], str)
    ):
        return f"must be a (center id, program id) pair of strings, not {value!r}"
    return None


def _check_places(path: str, value: object, problems: Problems) -> dict[tuple[str, str], int]:
    """A copy of a (center id, program id) -> count mapping; every bad entry is a problem."""
    if not isinstance(value, Mapping):
        problems.add(
            path,
            f"must be a mapping of (center id, program id) to a count, not {type(value).__name__}",
        )
        return {}
    copy: dict[tuple[str, str], int] = {}
    for key, count in value.items():
        problem = _pair_problem(key)
        if problem is not None:
            problems.add(f"{path}[{key!r}]", f"key {problem}")
            continue
        problem = count_problem(count)
        if problem is not None:
            problems.add(f"{path}[{key!r}]", f"{problem}, not {count!r}")
            continue
        copy[key] = count
    return copy


def _check_ids(path: str, value: object, problems: Problems) -> frozenset[str]:
    """A set of center ids from any collection of strings (a bare string is refused)."""
    if isinstance(value, str) or not isinstance(value, Collection):
        problems.add(path, f"must be a collection of center ids, not {type(value).__name__}")
        return frozenset()
    bad = [item for item in value if not isinstance(item, str)]
    if bad:
        problems.add(path, f"must hold center ids (strings), not {bad[0]!r}")
        return frozenset()
    return frozenset(value)


def _check_centers(value: object, problems: Problems) -> list[Center]:
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        problems.add("centers", f"must be an iterable of Center, not {type(value).__name__}")
        return []
    found: list[Center] = []
    first: dict[str, int] = {}
    for i, item in enumerate(value):
        if not isinstance(item, Center):
            problems.add(f"centers[{i}]", f"must be a Center, not {type(item).__name__}")
            continue
        j = first.setdefault(item.id, i)
        if j != i:
            problems.add(f"centers[{i}].id", f"duplicate center id {item.id!r} (first at [{j}])")
            continue
        found.append(item)
    return found


# --- center choice ---------------------------------------------------------------------------


@attrs.frozen
class Needs(Checked):
    """What a client needs from a center: the stage (III, IV or V) and age, and optionally
    a municipality (options there are listed first) and a setting (only such programs)."""

    stage: Stage = attrs.field(metadata=checked(_stage_problem))
    age: int = attrs.field(metadata=checked(_age_problem))
    municipality: str | None = attrs.field(default=None, metadata=checked(optional(text_problem)))
    setting: Setting | None = attrs.field(
        default=None, metadata=checked(optional(member_problem(Setting)))
    )
    minor_state_only: bool = attrs.field(default=True, metadata=checked(bool_problem))
    """PW-10: a minor is offered state centers only (a region's rules may say otherwise)."""

    @property
    def minor(self) -> bool:
        """True when the client is younger than :data:`ADULT_AGE`."""
        return self.age < ADULT_AGE


@attrs.frozen
class Option:
    """One program a client may choose, with every reason it fits (``why``)."""

    center_id: str
    program_id: str
    center_name: str
    municipality: str
    ownership: OwnershipForm
    setting: Setting
    free_places: int
    price: Money
    duration_days: int
    why: tuple[Reason, ...]

    @property
    def key(self) -> tuple[str, str]:
        """``(center_id, program_id)``."""
        return (self.center_id, self.program_id)


@attrs.frozen
class Excluded:
    """A center that offers the client no suitable program, with every reason why."""

    center_id: str
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the reasons, in order."""
        return tuple(r.code for r in self.reasons)


@attrs.frozen
class ChoiceList:
    """What :func:`choices_for` found: the options to show the client and the centers left out.

    ``enough`` is true when the options come from at least two centers (two programs
    of one center are not a choice between centers); otherwise ``notice`` says how
    few suitable centers exist. The order of ``options`` is for display only.
    """

    options: tuple[Option, ...]
    excluded: tuple[Excluded, ...]
    enough: bool
    notice: Reason | None
    on: date
    needs: Needs

    @property
    def centers(self) -> tuple[str, ...]:
        """The ids of the centers offered, in the order of the options."""
        return tuple(dict.fromkeys(o.center_id for o in self.options))

    def option(self, center_id: str, program_id: str) -> Option | None:
        """The option for this center and program, or ``None`` when it was not offered."""
        for option in self.options:
            if option.center_id == center_id and option.program_id == program_id:
                return option
        return None

    def excluded_reasons(self, center_id: str) -> tuple[Reason, ...]:
        """Why this center was left out; empty when it was not."""
        for item in self.excluded:
            if item.center_id == center_id:
                return item.reasons
        return ()


@attrs.frozen
class Choice:
    """The client's choice, recorded with the options offered (CF-03)."""

    chosen: Option
    offered: tuple[Option, ...]
    on: date
    needs: Needs
    notice: Reason | None
    """Set when fewer than two suitable centers existed (see :class:`ChoiceList`)."""

    @property
    def center_id(self) -> str:
        """The chosen center."""
        return self.chosen.center_id

    @property
    def program_id(self) -> str:
        """The chosen program."""
        return self.chosen.program_id


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _program_fit(
    program: Program,
    needs: Needs,
    free: int,
    occupied: int,
    ident: dict[str, Detail],
) -> tuple[list[Reason], list[Reason]]:
    """Reasons the program fits, and reasons it does not (for a program of the right stage)."""
    fits: list[Reason] = []
    fails: list[Reason] = []
    details: dict[str, Detail] = {**ident, "program": program.id}
    fits.append(
        Reason(
            "fits.stage",
            f"runs a stage {needs.stage.roman} program ({program.id})",
            {**details, "stage": needs.stage.value},
        )
    )
    age = {**details, "age": needs.age, "minimum_age": program.minimum_age}
    if needs.age >= program.minimum_age:
        fits.append(
            Reason("fits.age", f"accepts age {needs.age} (minimum age {program.minimum_age})", age)
        )
    else:
        fails.append(
            Reason(
                "program.minimum_age",
                f"program {program.id} accepts age {program.minimum_age} and over, "
                f"the client is {needs.age}",
                age,
            )
        )
    places = {**details, "places": program.places, "occupied": occupied, "free": free}
    if free > 0:
        fits.append(Reason("fits.free_places", _plural(free, "free place"), places))
    else:
        fails.append(
            Reason(
                "program.no_free_place",
                f"program {program.id} has no free place "
                f"({_plural(program.places, 'place')}, {occupied} occupied)",
                places,
            )
        )
    if needs.setting is not None:
        setting = {**details, "setting": program.setting.value, "wanted": needs.setting.value}
        if program.setting is needs.setting:
            fits.append(
                Reason("fits.setting", f"a {program.setting.value} program, as asked", setting)
            )
        else:
            fails.append(
                Reason(
                    "program.other_setting",
                    f"program {program.id} is a {program.setting.value} program, "
                    f"not {needs.setting.value}",
                    setting,
                )
            )
    return fits, fails


def _assess(
    center: Center,
    needs: Needs,
    on: date,
    registered: frozenset[str],
    qualified: frozenset[str],
    occupied: Mapping[tuple[str, str], int],
) -> tuple[list[Option], Excluded | None]:
    """The options one center offers the client, or why it offers none."""
    day = on.isoformat()
    ident: dict[str, Detail] = {"center": center.id, "on": day}
    fits: list[Reason] = []
    fails: list[Reason] = []
    if center.id in registered:
        fits.append(Reason("fits.in_register", f"in the register of centers on {day}", ident))
    else:
        fails.append(
            Reason("center.not_in_register", f"not in the register of centers on {day}", ident)
        )
    if center.id in qualified:
        fits.append(Reason("fits.qualified", f"qualified on {day}", ident))
    else:
        fails.append(Reason("center.not_qualified", f"not qualified on {day}", ident))
    if needs.minor and needs.minor_state_only:
        ownership = {**ident, "age": needs.age, "ownership": center.ownership.value}
        if center.ownership is OwnershipForm.STATE:
            fits.append(
                Reason("fits.state_center", "a state center, as a minor requires", ownership)
            )
        else:
            fails.append(
                Reason(
                    "minor.state_center_required",
                    f"a minor (age {needs.age}) is served by a state center; "
                    f"this one is {center.ownership.value}",
                    ownership,
                )
            )
    place: list[Reason] = []
    if needs.municipality is not None:
        same = center.municipality == needs.municipality
        where = {
            **ident,
            "municipality": center.municipality,
            "client_municipality": needs.municipality,
            "same": same,
        }
        message = (
            f"in the client's municipality ({needs.municipality})"
            if same
            else f"in {center.municipality}, not the client's municipality ({needs.municipality})"
        )
        place.append(Reason("fits.municipality", message, where))

    programs = sorted(center.programs_for(needs.stage), key=lambda p: p.id)
    if not programs:
        fails.append(
            Reason(
                "center.no_program_for_stage",
                f"runs no stage {needs.stage.roman} program",
                {**ident, "stage": needs.stage.value},
            )
        )
    center_fits = not fails
    options: list[Option] = []
    for program in programs:
        taken = occupied.get((center.id, program.id), 0)
        free = max(0, program.places - taken)
        good, bad = _program_fit(program, needs, free, taken, ident)
        fails.extend(bad)
        if center_fits and not bad:
            why = (*fits[:2], *good, *fits[2:], *place)
            options.append(
                Option(
                    center.id,
                    program.id,
                    center.name,
                    center.municipality,
                    center.ownership,
                    program.setting,
                    free,
                    program.price,
                    program.duration_days,
                    why,
                )
            )
    # a center with at least one fitting program is offered; its unfit programs are not listed
    return options, None if options else Excluded(center.id, tuple(fails))


def choices_for(
    needs: Needs,
    centers: Iterable[Center],
    *,
    on: date,
    registered: Collection[str],
    qualified: Collection[str],
    occupied: Mapping[tuple[str, str], int] = _NOTHING,
) -> ChoiceList:
    """The programs a client may choose from on ``on`` (RG-08), each with why it fits.

    A program is offered when its center is in ``registered`` and in ``qualified``
    (the ids of the centers in the register and qualified on that date), it serves
    ``needs.stage``, accepts ``needs.age``, has a free place (its places less
    ``occupied[(center id, program id)]``), is of ``needs.setting`` when one is asked
    for, and, for a minor with ``needs.minor_state_only``, its center is a state
    center (PW-10). ``needs.municipality`` does not filter: options there come first.

    Every center that offers nothing is in ``excluded`` with every reason, not only
    the first. The result does not depend on the order of ``centers``. The list never
    chooses: it is shown to the client, who picks with :func:`choose`.

    Raises :class:`~resocialize.errors.ValidationError` listing every bad argument.
    """
    problems = Problems()
    if not isinstance(needs, Needs):
        problems.add("needs", f"must be Needs, not {type(needs).__name__}")
    problems.check("on", date_problem(on))
    ours = _check_centers(centers, problems)
    reg = _check_ids("registered", registered, problems)
    qual = _check_ids("qualified", qualified, problems)
    taken = _check_places("occupied", occupied, problems)
    problems.raise_if_any()

    options: list[Option] = []
    excluded: list[Excluded] = []
    for center in sorted(ours, key=lambda c: c.id):
        offered, left_out = _assess(center, needs, on, reg, qual, taken)
        options.extend(offered)
        if left_out is not None:
            excluded.append(left_out)
    home = needs.municipality
    options.sort(key=lambda o: (home is not None and o.municipality != home, o.key))
    count = len({o.center_id for o in options})
    notice = None if count >= 2 else _fewer_than_two(count, needs, on)
    return ChoiceList(tuple(options), tuple(excluded), count >= 2, notice, on, needs)


def _fewer_than_two(count: int, needs: Needs, on: date) -> Reason:
    what = f"stage {needs.stage.roman}, age {needs.age}"
    if needs.setting is not None:
        what += f", {needs.setting.value} setting"
    head = "no suitable center exists" if count == 0 else "only 1 suitable center exists"
    return Reason(
        "choice.fewer_than_two",
        f"{head} on {on.isoformat()} for {what}",
        {
            "centers": count,
            "on": on.isoformat(),
            "stage": needs.stage.value,
            "age": needs.age,
            "setting": None if needs.setting is None else needs.setting.value,
        },
    )


def choose(choice_list: ChoiceList, center_id: str, program_id: str) -> Choice:
    """Record the client's choice with the options offered (CF-03).

    Refused with :class:`~resocialize.errors.RuleViolation` (``choice.not_offered``,
    followed by the reasons the center was left out, if it was) when the program
    was not among the options.
    """
    problems = Problems()
    if not isinstance(choice_list, ChoiceList):
        problems.add("choice_list", f"must be a ChoiceList, not {type(choice_list).__name__}")
    problems.check("center_id", id_problem(center_id))
    problems.check("program_id", id_problem(program_id))
    problems.raise_if_any()
    chosen = choice_list.option(center_id, program_id)
    if chosen is None:
        raise RuleViolation(
            (
                Reason(
                    "choice.not_offered",
                    f"center {center_id}, program {program_id} was not offered",
                    {"center": center_id, "program": program_id, "on": choice_list.on.isoformat()},
                ),
                *choice_list.excluded_reasons(center_id),
            )
        )
    return Choice(
        chosen, choice_list.options, choice_list.on, choice_list.needs, choice_list.notice
    )


def standing_for(
    center: Center,
    program_id: str,
    *,
    on: date,
    registered: Collection[str],
    qualified: Collection[str],
    occupied: Mapping[tuple[str, str], int] = _NOTHING,
) -> CenterStanding:
    """How ``center`` stands on ``on`` for admission to its program ``program_id`` (PW-05).

    The bridge to the pathway: the admission guard reads the returned
    :class:`~resocialize.facts.CenterStanding`. ``runs_stage_iii_program`` is true when
    ``program_id`` serves stage III; ``free_places`` are that program's places less
    ``occupied[(center id, program id)]`` (never below zero). A program the center does
    not run is bad input (:class:`~resocialize.errors.ValidationError` at ``program_id``).
    """
    problems = Problems()
    if not isinstance(center, Center):
        problems.add("center", f"must be a Center, not {type(center).__name__}")
    problems.check("program_id", id_problem(program_id))
    problems.check("on", date_problem(on))
    reg = _check_ids("registered", registered, problems)
    qual = _check_ids("qualified", qualified, problems)
    taken = _check_places("occupied", occupied, problems)
    problems.raise_if_any()
    program = next((p for p in center.programs if p.id == program_id), None)
    if program is None:
        raise ValidationError.at(
            "program_id", f"center {center.id!r} runs no program {program_id!r}"
        )
    return CenterStanding(
        center_id=center.id,
        in_register=center.id in reg,
        qualified=center.id in qual,
        runs_stage_iii_program=program.stage is Stage.SOCIAL_REHABILITATION,
        free_places=max(0, program.places - taken.get((center.id, program.id), 0)),
        ownership=center.ownership,
    )


# --- allocation of an intake -----------------------------------------------------------------


@attrs.frozen
class Request:
    """A client of an intake with ranked choices of (center id, program id), best first.

    Cheap to build: :func:`allocate` checks every request of an intake in one pass
    and reports each bad field with the request's index (``requests[17].choices``).
    """

    client_id: str
    referred_on: date
    choices: tuple[tuple[str, str], ...]


@attrs.frozen
class Allocated:
    """A client placed in the program of their choice ranked ``rank`` (1 is the first)."""

    client_id: str
    center_id: str
    program_id: str
    rank: int


@attrs.frozen
class Waiting:
    """A client left waiting, with a reason for each of their choices."""

    client_id: str
    referred_on: date
    reasons: tuple[Reason, ...]


def _read_only(places: Mapping[tuple[str, str], int]) -> Mapping[tuple[str, str], int]:
    return MappingProxyType(dict(places))


@attrs.frozen
class Allocation:
    """The result of :func:`allocate`; placements and the waiting list in allocation order
    (referral date, then client id), so the waiting list is also the order in which
    later free places are offered. ``free`` holds the places left per program."""

    placements: tuple[Allocated, ...]
    waiting: tuple[Waiting, ...]
    free: Mapping[tuple[str, str], int] = attrs.field(converter=_read_only, hash=False, repr=False)

    def placement_of(self, client_id: str) -> Allocated | None:
        """Where the client was placed, or ``None`` when they wait (a scan of the placements;
        for many look-ups build a dict by client id once)."""
        for placed in self.placements:
            if placed.client_id == client_id:
                return placed
        return None

    def __reduce__(
        self,
    ) -> tuple[
        type[Allocation],
        tuple[tuple[Allocated, ...], tuple[Waiting, ...], dict[tuple[str, str], int]],
    ]:
        # the read-only mapping cannot be pickled itself; rebuild it on load
        return (type(self), (self.placements, self.waiting, dict(self.free)))


_WHITESPACE: Final = re.compile(r"\s")
_CLIENT_ID: Final = attrgetter("client_id")
_REFERRED_ON: Final = attrgetter("referred_on")
_CHOICES: Final = attrgetter("choices")


def _as_list(requests: object) -> list[Request]:
    if isinstance(requests, str | Mapping) or not isinstance(requests, Iterable):
        raise ValidationError.at(
            "requests", f"must be a sequence of Request, not {type(requests).__name__}"
        )
    return list(requests)


def _well_formed(items: list[Request]) -> bool:
    """True when every request is well formed and client ids are unique.

    The fast path: whole-column checks done by built-ins, no Python loop per request.
    When it says no, :func:`_request_problems` finds each bad field.
    """
    if not items:
        return True
    try:
        if set(map(type, items)) != {Request}:
            return False
        ids = list(map(_CLIENT_ID, items))
        unique = set(ids)
        if len(unique) != len(ids) or "" in unique or max(map(len, ids)) > MAX_ID_LENGTH:
            return False
        if _WHITESPACE.search("".join(ids)):  # join refuses anything but strings
            return False
        if set(map(type, map(_REFERRED_ON, items))) != {date}:
            return False
        choices = list(map(_CHOICES, items))
        if set(map(type, choices)) != {tuple} or min(map(len, choices)) < 1:
            return False
        pairs = list(chain.from_iterable(choices))
        if set(map(type, pairs)) != {tuple} or set(map(len, pairs)) != {2}:
            return False
        "".join(chain.from_iterable(pairs))  # every id in every pair is a string
    except TypeError:  # an unhashable id, a length of a number, a non-string joined
        return False
    return True


def _request_problems(items: list[Request]) -> list[FieldProblem]:
    """Every bad field of every request, with the request's index in its path."""
    bad: list[FieldProblem] = []
    first: dict[str, int] = {}
    for i, req in enumerate(items):
        at = f"requests[{i}]"
        if not isinstance(req, Request):
            bad.append(FieldProblem(at, f"must be a Request, not {type(req).__name__}"))
            continue
        problem = id_problem(req.client_id)
        if problem is not None:
            bad.append(FieldProblem(f"{at}.client_id", problem))
        else:
            j = first.setdefault(req.client_id, i)
            if j != i:
                bad.append(
                    FieldProblem(
                        f"{at}.client_id",
                        f"duplicate client id {req.client_id!r} (first at requests[{j}])",
                    )
                )
        problem = date_problem(req.referred_on)
        if problem is not None:
            bad.append(FieldProblem(f"{at}.referred_on", problem))
        choices = req.choices
        if not isinstance(choices, tuple):
            bad.append(
                FieldProblem(
                    f"{at}.choices",
                    "must be a tuple of (center id, program id) pairs, "
                    f"not {type(choices).__name__}",
                )
            )
        elif not choices:
            bad.append(FieldProblem(f"{at}.choices", "must name at least one choice"))
        else:
            for k, pair in enumerate(choices):
                problem = _pair_problem(pair)
                if problem is not None:
                    bad.append(FieldProblem(f"{at}.choices[{k}]", problem))
    return bad


def _in_order(items: list[Request]) -> list[Request]:
    """The requests by referral date, then client id (bucketed by day: faster than sorting
    on (date, id) tuples)."""
    by_day: dict[date, list[Request]] = {}
    for req in items:
        bucket = by_day.get(req.referred_on)
        if bucket is None:
            by_day[req.referred_on] = [req]
        else:
            bucket.append(req)
    ordered: list[Request] = []
    for day in sorted(by_day):
        same_day = by_day[day]
        same_day.sort(key=_CLIENT_ID)
        ordered.extend(same_day)
    return ordered


def allocate(requests: Sequence[Request], capacity: Mapping[tuple[str, str], int]) -> Allocation:
    """Allocate an intake: first come, first served, each client's best free choice.

    Clients are taken in order of ``referred_on``; clients referred on the same day in
    order of ``client_id`` (a stated, stable tie-break, not a judgement). Each gets
    the highest-ranked of their choices with a place left in ``capacity`` (places per
    (center id, program id)), else waits, with a reason for each choice: full
    (``allocation.full``), not a program of this intake (``allocation.unknown_program``)
    or a repeat of an earlier choice (``allocation.duplicate_choice``). Nobody is
    placed anywhere they did not choose, and no program gets more clients than places.

    Raises :class:`~resocialize.errors.ValidationError` with every bad field
    (``requests[17].choices``, ``capacity[('c-1', 'p-1')]``): duplicate client ids,
    empty choices, negative capacity, wrong types.

    Fast enough for a national intake (150,000 clients with 5 choices each over 4,000
    programs in well under 2 s; ``benchmarks/registry.py``): the input is checked in
    whole columns, clients are ordered by bucketing them by day, and Python's cyclic
    garbage collector is paused while the result is built (and restored after).
    """
    problems = Problems()
    places = _check_places("capacity", capacity, problems)
    items = _as_list(requests)
    if not _well_formed(items):
        problems.items.extend(_request_problems(items))
    problems.raise_if_any()

    # Building one value per client of a national intake is a bulk load: the cyclic
    # collector would scan the growing result again and again for nothing (allocate
    # makes no reference cycles), so it is paused and restored (DESIGN.md, principle 5).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _allocate(items, places)
    finally:
        if collecting:
            gc.enable()


def _allocate(items: list[Request], places: dict[tuple[str, str], int]) -> Allocation:
    left = dict(places)
    placements: list[Allocated] = []
    waiting: list[Waiting] = []
    placed = placements.append
    wait = waiting.append
    cache: dict[tuple[int, tuple[str, str]], Reason] = {}
    for req in _in_order(items):
        for rank, pair in enumerate(req.choices, 1):
            n = left.get(pair, 0)
            if n:
                left[pair] = n - 1
                placed(Allocated(req.client_id, pair[0], pair[1], rank))
                break
        else:
            wait(Waiting(req.client_id, req.referred_on, _why_waiting(req.choices, places, cache)))
    return Allocation(tuple(placements), tuple(waiting), left)


def _why_waiting(
    choices: tuple[tuple[str, str], ...],
    places: Mapping[tuple[str, str], int],
    cache: dict[tuple[int, tuple[str, str]], Reason],
) -> tuple[Reason, ...]:
    """A reason for each choice of a waiting client; equal reasons are shared, not rebuilt."""
    reasons: list[Reason] = []
    seen: dict[tuple[str, str], int] = {}
    repeats = len(set(choices)) != len(choices)
    for key in enumerate(choices, 1):
        rank, pair = key
        if repeats:
            earlier = seen.setdefault(pair, rank)
            if earlier != rank:
                reasons.append(_repeat_reason(rank, pair, earlier))
                continue
        reason = cache.get(key)
        if reason is None:
            reason = cache[key] = _waiting_reason(rank, pair, places.get(pair))
        reasons.append(reason)
    return tuple(reasons)


def _repeat_reason(rank: int, pair: tuple[str, str], earlier: int) -> Reason:
    return Reason(
        "allocation.duplicate_choice",
        f"choice {rank} ({pair[0]}/{pair[1]}) repeats choice {earlier}",
        {"rank": rank, "center": pair[0], "program": pair[1], "repeats": earlier},
    )


def _waiting_reason(rank: int, pair: tuple[str, str], places: int | None) -> Reason:
    center, program = pair
    details: dict[str, Detail] = {"rank": rank, "center": center, "program": program}
    what = f"choice {rank} ({center}/{program})"
    if places is None:
        return Reason(
            "allocation.unknown_program",
            f"{what} is not a program with places in this intake",
            details,
        )
    message = (
        f"{what} has no places in this intake"
        if places == 0
        else f"{what} is full: its {_plural(places, 'place')} went to clients referred earlier"
    )
    return Reason("allocation.full", message, {**details, "places": places})
