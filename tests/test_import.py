"""``import resocialize`` stays light: no optional extra, no chart or converter until used."""

from __future__ import annotations

import json
import subprocess
import sys

OPTIONAL = ["numpy", "pandas", "matplotlib", "dask", "sqlalchemy", "fhir", "babel"]


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout


def test_import_loads_no_optional_extra_and_defers_chart_and_converter() -> None:
    loaded = json.loads(
        _run("import json, sys, resocialize; print(json.dumps(sorted(sys.modules)))")
    )
    roots = {name.split(".")[0] for name in loaded}
    assert not roots & set(OPTIONAL)
    assert "statemachine" not in roots and "cattrs" not in roots
    assert "resocialize.chart" not in loaded and "resocialize.serialization" not in loaded


def test_public_api_is_complete_and_lazy_names_resolve() -> None:
    out = _run(
        "import resocialize as r; missing = [n for n in r.__all__ if not hasattr(r, n)];"
        "print(missing)"
    )
    assert out.strip() == "[]"
