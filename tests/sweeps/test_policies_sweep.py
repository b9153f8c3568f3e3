"""The issue's check at full size: the five placement policies x 5 replications on `small` (its own one-day
horizon), under local processes and under a local Ray, with confidence intervals at every point and the same
runs both ways. Slow (about 20 s on two cores): `python -m pytest -m slow tests/sweeps/test_policies_sweep.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudtwin.placement.policies import POLICIES
from cloudtwin.report.build import write_sweep_report
from cloudtwin.results import ResultsStore
from cloudtwin.sweeps import run_sweep
from summaries import stable

#: As docs/sweeps.md shows it.
SPEC: dict[str, Any] = {
    "base": "small",
    "axes": {"placement.policy": ["first-fit", "best-fit", "worst-fit", "random", "power-of-two"]},
    "replications": 5,
    "seed": 2014,
}


def _stored(db: Path) -> dict[tuple[str, int], dict[str, Any]]:
    with ResultsStore(db, read_only=True) as store:
        members = store.sweep_members(1)
        assert len({(m["point_json"], m["replication"]) for m in members}) == len(members) == 25
        return {(m["point_json"], m["replication"]): stable(store.get_run(m["run_id"])["summary"]) for m in members}


@pytest.mark.slow
def test_five_policies_five_replications_both_executors(tmp_path: Path) -> None:
    assert set(SPEC["axes"]["placement.policy"]) == set(POLICIES)
    processes = run_sweep(SPEC, tmp_path / "processes.duckdb", jobs=2)
    assert [p["point"]["placement.policy"] for p in processes.points] == SPEC["axes"]["placement.policy"]
    for point in processes.points:
        assert set(point["metrics"]) == {"refused_fraction", "allocated_vcpu_fraction", "vms_lost"}
        for figure in point["metrics"].values():
            assert figure["n"] == 5 and figure["ci_low"] is not None
            assert figure["ci_low"] <= figure["mean"] <= figure["ci_high"]

    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2)
    try:
        on_ray = run_sweep(SPEC, tmp_path / "ray.duckdb", ray="auto")
    finally:
        ray.shutdown()
    assert on_ray.points == processes.points
    assert _stored(tmp_path / "ray.duckdb") == _stored(tmp_path / "processes.duckdb")

    page = write_sweep_report(tmp_path / "processes.duckdb", "latest", tmp_path / "sweep.html")
    assert 'data-charts="3"' in page.read_text(encoding="utf-8")
