"""Reasons, decisions and the error types: every "no" says why."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resocialize.errors import (
    FieldProblem,
    PermissionDenied,
    ResocializeError,
    RuleViolation,
    ValidationError,
)
from resocialize.rules import ALLOWED, Decision, Reason, all_of, check, refuse

codes = st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z0-9_]{1,8}){0,2}", fullmatch=True)
reasons = st.builds(Reason, codes, st.text(min_size=1).filter(str.strip))


@pytest.mark.req("PW-13")
@given(conditions=st.lists(st.tuples(st.booleans(), codes), max_size=12))
def test_combined_checks_report_every_unmet_condition_in_order(
    conditions: list[tuple[bool, str]],
) -> None:
    decision = all_of(check(ok, code, f"{code} is unmet") for ok, code in conditions)
    assert decision.codes == tuple(code for ok, code in conditions if not ok)
    assert decision.allowed == all(ok for ok, _ in conditions)


@given(a=st.lists(reasons, max_size=4), b=st.lists(reasons, max_size=4))
def test_and_of_decisions_keeps_all_reasons(a: list[Reason], b: list[Reason]) -> None:
    assert (Decision(tuple(a)) & Decision(tuple(b))).reasons == (*a, *b)


def test_refused_decision_raises_with_every_reason_and_allowed_does_not() -> None:
    ALLOWED.raise_if_refused()
    decision = refuse("a.b", "first") & refuse("c.d", "second", center="c-1")
    with pytest.raises(RuleViolation) as caught:
        decision.raise_if_refused()
    assert caught.value.codes == ("a.b", "c.d")
    assert caught.value.reasons[1].details == {"center": "c-1"}


@pytest.mark.parametrize("code", ["", "Consent", "consent missing", ".x", "x.", "1x"])
def test_reason_codes_are_dotted_lower_case_words(code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Reason(code, "message")
    assert caught.value.paths == ("code",)


def test_reason_details_are_json_scalars_and_read_only() -> None:
    with pytest.raises(ValidationError) as caught:
        Reason("a.b", "m", {"amount": 1.5})  # type: ignore[dict-item]
    assert caught.value.paths == ("details.amount",)
    reason = Reason("a.b", "m", {"n": 1})
    with pytest.raises(TypeError):
        reason.details["n"] = 2  # type: ignore[index]


@given(reason=reasons)
def test_equal_reasons_hash_equal(reason: Reason) -> None:
    twin = Reason(reason.code, reason.message, dict(reason.details))
    assert twin == reason and hash(twin) == hash(reason)


def test_every_library_error_derives_from_one_base() -> None:
    for kind in (RuleViolation, ValidationError, PermissionDenied):
        assert issubclass(kind, ResocializeError)
    assert issubclass(ValidationError, ValueError)


def test_errors_survive_pickling_between_processes() -> None:
    errors: list[ResocializeError] = [
        RuleViolation([Reason("a.b", "m")]),
        ValidationError([FieldProblem("$.x", "bad"), FieldProblem("$.y", "worse")]),
        PermissionDenied("police/officer-2", "read treatment notes", [Reason("role.denied", "no")]),
    ]
    for error in errors:
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and str(again) == str(error)


def test_validation_error_paths_nest_under_a_prefix() -> None:
    error = ValidationError([FieldProblem("at", "naive"), FieldProblem("$[2].by", "empty")])
    assert error.under("history[3]").paths == ("history[3].at", "history[3][2].by")


def test_empty_refusals_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RuleViolation([])
    with pytest.raises(ValueError, match="at least one"):
        ValidationError([])
