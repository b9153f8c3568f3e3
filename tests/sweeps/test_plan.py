"""Expanding a sweep spec: the grid times the replications, common random numbers, spec errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudtwin.errors import ScenarioError
from cloudtwin.sweeps import SweepSpec, expand, load_spec


def test_expand_is_the_grid_times_the_replications() -> None:
    """2 x 3 axis values x 4 replications = 24 runs, the first axis slowest, replications innermost."""
    spec = SweepSpec(base="small", axes={"a": [1, 2], "b": ["x", "y", "z"]}, replications=4, seed=3)
    runs = expand(spec)
    assert len(runs) == 24
    assert [r.point for r in runs[:4]] == [{"a": 1, "b": "x"}] * 4
    assert [r.replication for r in runs[:5]] == [0, 1, 2, 3, 0]
    assert {(r.point_json, r.replication) for r in runs} == {
        (p, r) for p in {x.point_json for x in runs} for r in range(4)
    }


def test_replication_seeds_are_common_across_points() -> None:
    """Replication r has the same seed at every point; seeds differ across replications and with the spec's seed."""
    spec = SweepSpec(base="small", axes={"a": [1, 2, 3]}, replications=3, seed=11)
    runs = expand(spec)
    for r in range(3):
        assert len({run.seed for run in runs if run.replication == r}) == 1
    seeds = [runs[r].seed for r in range(3)]
    assert len(set(seeds)) == 3 and all(0 <= s < 2**63 for s in seeds)
    assert [x.seed for x in expand(spec.model_copy(update={"seed": 12}))[:3]] != seeds
    assert expand(spec) == runs  # deterministic


def test_no_axes_is_one_point() -> None:
    assert [(r.point, r.replication) for r in expand(SweepSpec(base="small", replications=2))] == [({}, 0), ({}, 1)]


def test_spec_errors_name_the_file_and_line(tmp_path: Path) -> None:
    """Every problem of a spec file, one line each with FILE:LINE and key."""
    path = tmp_path / "bad.yaml"
    path.write_text("base: small\nreplications: 0\naxes:\n  seed: [1, 2]\ncolour: red\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_spec(path)
    lines = caught.value.problems
    assert any(line.startswith(f"{path}:2: replications:") for line in lines), lines
    assert any(line.startswith(f"{path}:4: axes.seed:") and "set by the sweep" in line for line in lines), lines
    assert any(line.startswith(f"{path}:5: colour: unknown key") for line in lines), lines
    assert caught.value.exit_code == 2
