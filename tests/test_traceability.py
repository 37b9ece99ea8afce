"""docs/traceability.md tells the truth about which requirement ids tests show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "traceability.md"
REQUIREMENTS = ROOT.parent / "shared" / "REQUIREMENTS.md"
MARKER = re.compile(r'req\("([A-Z]{2}-\d{2})"\)')
ROW = re.compile(
    r"^\| ([A-Z]{2}-\d{2}) \| .*? \| (done|partial|planned[^|]*?)\s*\|\s*(.*?)\s*\|\s*(.*?)\s*\|$"
)


def rows() -> dict[str, tuple[str, str, str]]:
    found = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rid, status, where, tests = match.groups()
            found[rid] = (status.strip(), where.strip(), tests.strip())
    return found


def named_by_tests() -> dict[str, set[str]]:
    named: dict[str, set[str]] = {}
    for path in (ROOT / "tests").glob("test_*.py"):
        for rid in MARKER.findall(path.read_text(encoding="utf-8")):
            named.setdefault(rid, set()).add(path.name)
    return named


def test_every_claimed_test_file_names_the_id() -> None:
    named = named_by_tests()
    for rid, (status, where, tests) in rows().items():
        if status in ("done", "partial"):
            assert where and tests, f"{rid} is {status} but names no code or tests"
            files = {Path(f.strip("` ")).name for f in tests.split(",")}
            missing = files - named.get(rid, set())
            assert not missing, f"{rid}: {sorted(missing)} name no req({rid!r}) marker"


def test_no_id_shown_by_tests_is_called_planned() -> None:
    table = rows()
    for rid, files in named_by_tests().items():
        assert rid in table, f"tests name {rid}, which the page does not list"
        assert not table[rid][0].startswith("planned"), f"{rid} is tested in {sorted(files)}"


@pytest.mark.skipif(
    not REQUIREMENTS.exists(), reason="shared/REQUIREMENTS.md is not beside the project"
)
def test_every_requirement_id_is_listed() -> None:
    ids = re.findall(r"^- ([A-Z]{2}-\d{2}) ", REQUIREMENTS.read_text(encoding="utf-8"), re.M)
    assert ids, "no ids found in REQUIREMENTS.md"
    assert set(ids) == set(rows())


def test_every_requirement_is_shown_by_a_test() -> None:
    """Traceability is complete: every requirement on the page is named by a test's marker."""
    table = rows()
    assert table, "the page lists no requirement"
    unshown = sorted(set(table) - set(named_by_tests()))
    assert not unshown, f"no test names {unshown}"
