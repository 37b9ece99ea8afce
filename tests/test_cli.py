"""The ``resocialize`` command and the README's first example."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from resocialize import __version__
from resocialize.cli import main
from resocialize.pathway import diagram

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"resocialize {__version__}"


def test_diagram_prints_the_charts_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram"]) == 0
    assert capsys.readouterr().out == diagram()
    assert main(["diagram", "--guards"]) == 0
    assert "[consent_given, program_recorded" in capsys.readouterr().out


@pytest.mark.req("PW-11")
@pytest.mark.req("SE-03")
def test_demo_runs_a_year_of_the_example_region(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "agency: include rel-pokrov (religious) refused, every reason given:" in out
    assert "notify_court: remission to court-novgorod" in out
    assert "verify() finds no tampering: True" in out
    assert out.rstrip().endswith("state rebuilt from the journal equals the live one: True")


@pytest.mark.req("PW-11")
def test_demo_walk_walks_a_court_referred_client_to_remission(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--walk"]) == 0
    out = capsys.readouterr().out
    assert "admit refused, every reason given:" in out
    assert "[contract.missing]" in out
    assert "notice to court-district-2: completion" in out
    assert "-> sustained_remission (stage V)" in out
    assert out.rstrip().endswith("replayed history equals the case: True")


def test_command_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "resocialize", "diagram"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.startswith("stateDiagram-v2")


def test_readme_opens_with_the_two_commands_and_its_example_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w+)\n(.*?)```", text, re.S)
    kind, commands = blocks[0]
    assert kind == "bash"
    first, second = commands.strip().splitlines()
    assert first.startswith(("pip install .", 'pip install ".')) and first.endswith("simulate")
    assert "[dev]" in second and "pytest" in second
    example = next(code for kind, code in blocks if kind == "python")
    exec(compile(example, "README.md", "exec"), {})
