"""The code blocks of the docs that are not doctests (they name a database server or a Dask
scheduler of a region) run too: against the PostgreSQL server CI starts, and a local Dask
cluster. Every other code block of the docs is a doctest."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from resocialize.storage import open_store
from test_storage_postgres import fresh_database

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
SERVER_URL = "postgresql://resocialize@db.region.example/region"


def python_blocks(page: str) -> list[str]:
    return BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))


def test_the_only_blocks_not_doctested_are_the_ones_run_here() -> None:
    pages = {
        str(path.relative_to(DOCS)): len(BLOCK.findall(path.read_text(encoding="utf-8")))
        for path in DOCS.rglob("*.md")
    }
    assert {page: n for page, n in pages.items() if n} == {
        "embedding.md": 1,
        "howto/store.md": 1,
        "howto/dask-sweep.md": 1,
    }


@pytest.mark.req("SE-03")
@pytest.mark.parametrize("page", ["embedding.md", "howto/store.md"])
def test_the_postgresql_block_runs_against_a_server(page: str) -> None:
    (block,) = python_blocks(page)
    assert SERVER_URL in block
    with fresh_database() as url:
        names: dict[str, Any] = {
            "open_store": open_store,  # imported earlier on the page
            "journal_key": b"journal-key-kept-apart",
            "linkage_secret": b"keep-this-apart-" * 2,
        }
        exec(compile(block.replace(SERVER_URL, url), page, "exec"), names)
        store = names["store"]
        try:
            assert type(store).__name__ == "PostgresStore"
            assert store.verify() == ()
            if "region" in names:
                assert names["region"].cases() == {}
        finally:
            store.close()


@pytest.mark.req("SM-04")
def test_the_dask_block_runs_on_a_local_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    from resocialize.simulation import default_scenario
    from resocialize.simulation.sweeps import default_uncertainty, sweep

    (block,) = python_blocks("howto/dask-sweep.md")
    scheduler = 'Client("tcp://scheduler.region.example:8786")'
    assert scheduler in block
    scenario = default_scenario()
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        names: dict[str, Any] = {
            "Client": distributed.Client,
            "scenario": scenario,
            "uncertain": default_uncertainty(scenario),
            "sweep": sweep,
            "cluster": cluster,
        }
        small = block.replace(scheduler, "Client(cluster)").replace("20_000", "8")
        exec(compile(small, "howto/dask-sweep.md", "exec"), names)
    assert names["result"].samples == 8
