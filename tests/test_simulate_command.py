"""`resocialize simulate`: the default scenario, tables and plots, bad files refused."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from resocialize.cli import main


@pytest.mark.req("SM-03")
def test_simulate_runs_the_default_scenario_and_writes_tables_and_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("scenario default:")
    assert "cost per remission" in out and "spending by source and year" in out
    for name in ("summary", "occupancy", "flows", "waiting", "budget"):
        assert (tmp_path / f"{name}.csv").stat().st_size > 0
    for name in ("occupancy", "budget", "waiting"):
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG")
    with (tmp_path / "budget.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["source"] for row in rows} == {"regional", "federal"}
    assert len(rows) == 14  # 7 years x 2 sources


@pytest.mark.req("SM-04")
def test_simulate_with_samples_prints_intervals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "simulate",
            "--engine",
            "individual",
            "--samples",
            "3",
            "--seed",
            "4",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "individual engine" in out and "uncertainty: 3 samples" in out
    assert (tmp_path / "sweep.csv").read_text(encoding="utf-8").count("\n") == 4


@pytest.mark.req("SM-01")
def test_a_bad_scenario_file_is_refused_with_every_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\ndescription = "x"\nstart = 2027-01-01\nhorizon_months = 0\ncurrency = "RUB"\n'
        '[intake]\ncourt = [-1]\n[funding]\nregional = "1"\n',
        encoding="utf-8",
    )
    assert main(["simulate", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "horizon_months:" in err and "intake.court[0]:" in err
    assert main(["simulate", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err
