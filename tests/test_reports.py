"""Reports of the regional segment: tables published through disclosure control, files,
plots and the ``resocialize report`` command (MR-05, MR-04)."""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resocialize.cli import main
from resocialize.disclosure import DisclosurePolicy
from resocialize.errors import ValidationError
from resocialize.exports import RegionExport, read_export, write_export
from resocialize.followups import follow_up_rates
from resocialize.indicators import Period, indicators
from resocialize.organizations import Role
from resocialize.reports import EVENTS, OUTCOMES, Report, build_report, write_report
from resocialize.spending import spending
from resocialize.testing._indicators import region_year
from resocialize.testing.strategies import follow_up_records_for, fundings

YEAR = Period.year(2026)
MONTHS = Period.months(2026)
COUNT_TABLES = ("events", "identified_by_source", "stage_flows", "outcomes", "occupancy")


@functools.cache
def region() -> tuple:  # type: ignore[type-arg]
    return region_year(11, cases=300, year=2026)


def report(role: Role = Role.ANTI_DRUG_COMMISSION, **kw: object) -> Report:
    cases, attributes = region()
    return build_report(cases, MONTHS, attributes=attributes, role=role, **kw)  # type: ignore[arg-type]


def _ints(report: Report, name: str) -> list[int]:
    table = report.table(name)
    return [c for row in table.rows for c in row[1:] if isinstance(c, int)]


@pytest.mark.req("MR-05")
def test_a_report_holds_every_table_of_the_regional_segment() -> None:
    assert report().names == (
        "events",
        "identified_by_source",
        "stage_flows",
        "funnel",
        "outcomes",
        "occupancy",
        "time_in_stage",
    )


@pytest.mark.req("MR-05")
def test_the_agency_sees_the_counts_as_the_indicators_count_them() -> None:
    cases, attributes = region()
    shown = report(Role.AGENCY)
    assert not any(t.suppressed for t in shown.tables)
    each = indicators(cases, MONTHS, attributes=attributes)
    events = shown.table("events")
    for row, period in zip(events.rows, MONTHS, strict=True):
        assert row[0] == period.label
        assert list(row[1:]) == [each.count(name, period=period) for name in EVENTS]
    grouped = indicators(cases, YEAR, by=("center",), attributes=attributes)
    outcomes = shown.table("outcomes")
    assert [r[0] for r in outcomes.rows] == [" / ".join(g) for g in grouped.groups]
    for row, group in zip(outcomes.rows, grouped.groups, strict=True):
        assert list(row[1:]) == [grouped.count(name, group) for name in OUTCOMES]


@pytest.mark.req("MR-04")
@pytest.mark.req("MR-05")
def test_published_counts_are_never_under_k_for_other_roles() -> None:
    for k in (3, 5, 10):
        shown = report(policy=DisclosurePolicy(k=k))
        assert any(shown.table(n).suppressed for n in COUNT_TABLES)
        for name in (*COUNT_TABLES, "funnel"):
            assert all(c == 0 or c >= k for c in _ints(shown, name)), (name, k)
            table = shown.table(name)
            if name in COUNT_TABLES:
                hidden = sum(c is None for row in table.rows for c in row[1:])
                assert len(table.notes) == hidden and table.suppressed == bool(hidden)


@pytest.mark.req("MR-05")
def test_conversion_is_computed_from_published_counts_only() -> None:
    funnel = report().table("funnel")
    stages = [c for c in funnel.columns if c.startswith("cohort.")]
    for record in funnel.records():
        for before, after in itertools.pairwise(stages):
            rate = record[
                f"conversion.{before.removeprefix('cohort.')}.{after.removeprefix('cohort.')}"
            ]
            a, b = record[before], record[after]
            if isinstance(a, int) and isinstance(b, int) and a:
                assert rate is not None and abs(float(rate) - b / a) < 1e-4
            else:
                assert rate is None


@pytest.mark.req("MR-01")
@pytest.mark.req("MR-05")
@settings(max_examples=10, deadline=None)
@given(st.data())
def test_follow_up_rates_are_reported_and_small_ones_withheld(data: st.DataObject) -> None:
    cases, attributes = region()
    records = [r for case in cases[:80] for r in data.draw(follow_up_records_for(case))]
    shown = build_report(cases, MONTHS, attributes=attributes, records=records)
    table = shown.table("follow_ups")
    rates = follow_up_rates(cases, records, date(2026, 12, 31))
    assert [r[0] for r in table.rows] == [r.group for r in rates]
    for row, rate in zip(table.rows, rates, strict=True):
        if rate.due and rate.due < 5:
            assert row[1:4] == (None, None, None)
        else:
            assert row[1] == rate.due and row[2] == rate.done


@pytest.mark.req("MR-03")
@pytest.mark.req("MR-05")
@settings(max_examples=10, deadline=None)
@given(fundings())
def test_spending_is_reported_from_the_ledger(funds: object) -> None:
    cases, _ = region()
    shown = build_report(
        cases,
        YEAR,
        ledger=funds.ledger,
        book=funds.book,
        role=Role.AGENCY,  # type: ignore[attr-defined]
    )
    table = shown.table("spending")
    expected = spending(funds.ledger, funds.book, cases, as_of=YEAR.end)  # type: ignore[attr-defined]
    assert [(r["source"], r["year"], r["measure"], r["certificates"]) for r in table.records()] == [
        (r["source"], r["year"], r["measure"], r["certificates"]) for r in expected.records()
    ]


@pytest.mark.req("MR-05")
def test_tables_are_written_as_csv_and_json_with_plots(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    shown = report()
    written = write_report(shown, tmp_path)
    names = {p.name for p in written}
    for table in shown.tables:
        assert f"{table.name}.csv" in names and f"{table.name}.json" in names
        rows = list(csv.reader(io.StringIO((tmp_path / f"{table.name}.csv").read_text())))
        assert tuple(rows[0]) == table.columns
        assert len(rows) == len(table.rows) + 1
        document = json.loads((tmp_path / f"{table.name}.json").read_text())
        assert document["rows"] == [list(r) for r in table.rows]
        assert len(document["notes"]) == len(table.notes)
    assert {"funnel.png", "occupancy.png", "outcomes.png"} <= names
    index = json.loads((tmp_path / "report.json").read_text())
    assert index["k"] == 5 and index["role"] == "anti_drug_commission"


def test_bad_arguments_are_validation_errors() -> None:
    cases, _ = region()
    with pytest.raises(ValidationError) as caught:
        build_report(cases, [], as_of="2026-12-31", by=("colour",), role="agency", ledger=object())  # type: ignore[arg-type]
    assert caught.value.paths == ("periods", "as_of", "by", "role", "ledger", "ledger")


# --- exports and the command ----------------------------------------------------------------


def test_an_export_round_trips(tmp_path: Path) -> None:
    cases, attributes = region()
    path = tmp_path / "region.jsonl"
    lines = write_export(RegionExport(cases[:50], (), attributes), path)
    back = read_export(path)
    assert lines == 50 + len([c for c in attributes if c in {x.id for x in cases}])
    assert back.cases == cases[:50]
    assert dict(back.attributes) == dict(attributes)


@pytest.mark.req("MR-05")
def test_the_report_command_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases, attributes = region()
    path = tmp_path / "region.jsonl"
    write_export(RegionExport(cases, (), attributes), path)
    status = main(
        [
            "report",
            str(path),
            "--year",
            "2026",
            "--every",
            "quarter",
            "--out",
            str(tmp_path / "out"),
            "--no-plots",
        ]
    )
    printed = capsys.readouterr().out
    assert status == 0
    assert "300 cases, 2026-01-01 to 2026-12-31" in printed
    assert (tmp_path / "out" / "funnel.csv").exists()
    events = list(csv.reader((tmp_path / "out" / "events.csv").open()))
    assert len(events) == 1 + 4


def test_the_report_command_refuses_a_bad_export_with_lines_and_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases, _ = region()
    path = tmp_path / "bad.jsonl"
    write_export(RegionExport(cases[:3]), path)
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"state": "', '"state": "x')
    lines.append('{"schema": "resocialize/1", "type": "money", "data": {}}')
    path.write_text("\n".join(lines))
    assert main(["report", str(path), "--out", str(tmp_path / "out")]) == 2
    problems = capsys.readouterr().err
    assert "line 2: $.data.state" in problems
    assert "line 4: $.type" in problems
    assert not (tmp_path / "out").exists()


def test_the_report_command_refuses_a_missing_file_and_bad_periods(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "none.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    assert (
        main(["report", str(path), "--year", "2026", "--from", "2026-01-01", "--to", "2026-02-01"])
        == 2
    )
    assert "--year" in capsys.readouterr().err


def test_the_progress_bar_shows_on_a_terminal_only(tmp_path: Path) -> None:
    from resocialize.report_command import _Bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    path = tmp_path / "three.jsonl"
    path.write_text("a\nb\nc\n")
    screen = Terminal()
    bar = _Bar(screen, str(path))
    bar(3)
    bar.close()
    assert "100% 3/3 lines" in screen.getvalue()
    quiet = io.StringIO()
    bar = _Bar(quiet, str(path))
    bar(3)
    bar.close()
    assert quiet.getvalue() == ""
