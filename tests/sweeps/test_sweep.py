"""Sweeps end to end: per-run results equal to direct runs, resume after kill -9, the CLI's refusals, Ray."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

import cloudtwin
from cli_runner import run_cli
from cloudtwin.api.results import result_of
from cloudtwin.results import ResultsStore
from cloudtwin.sweeps import expand, load_spec, run_sweep
from summaries import stable

SPEC: dict[str, Any] = {
    "base": "small",
    "set": {"horizon.days": 0.05},
    "axes": {"placement.policy": ["first-fit", "best-fit"], "horizon.sample_every_minutes": [30, 60]},
    "replications": 3,
    "seed": 5,
}


def _stored(db: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """(point_json, replication) -> stable summary of every run of the database's sweep(s); no duplicates."""
    with ResultsStore(db, read_only=True) as store:
        members = store.sweep_members(1)
        keys = [(m["point_json"], m["replication"]) for m in members]
        assert len(keys) == len(set(keys)), "a run stored twice"
        return {key: stable(store.get_run(m["run_id"])["summary"]) for key, m in zip(keys, members)}


def _write_spec(folder: Path, spec: dict[str, Any]) -> Path:
    path = folder / "spec.yaml"
    path.write_text(json.dumps(spec), encoding="utf-8")  # JSON is YAML
    return path


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2 x 2 axes x 3 replications sweep on `small`, under 2 local worker processes."""
    db = tmp_path_factory.mktemp("sweep") / "sweep.duckdb"
    outcome = run_sweep(SPEC, db, jobs=2)
    assert len(outcome.runs) == 12 and len(outcome.points) == 4 and outcome.reused == 0
    return db


def test_runs_equal_direct_runs(swept: Path) -> None:
    """Each stored run equals `cloudtwin.run` of its expanded scenario: summary, metrics and places rows."""
    runs = expand(load_spec(SPEC).spec)
    with ResultsStore(swept, read_only=True) as store:
        by_key = {(m["point_json"], m["replication"]): m["run_id"] for m in store.sweep_members(1)}
        for run in runs[::5]:  # 3 of the 12, across points and replications
            direct = cloudtwin.run(cloudtwin.load("small", set={**SPEC["set"], **run.point, "seed": run.seed}))
            run_id = by_key[(run.point_json, run.replication)]
            assert stable(store.get_run(run_id)["summary"]) == stable(direct.to_json())
            stored = result_of(store, run_id, None, None)  # read back as `open` does
            assert stored.metrics.drop_columns(["run_id"]).equals(direct.metrics.drop_columns(["run_id"]))
            assert stored.zones == direct.zones and stored.datacenters == direct.datacenters


def test_summary_per_point(swept: Path) -> None:
    """Resuming a finished sweep runs nothing; the per-point table has the axes, then mean and CI columns."""
    outcome = run_sweep(SPEC, swept, jobs=2)
    assert outcome.reused == 12 and len({r["run_id"] for r in outcome.runs}) == 12
    point = outcome.points[0]
    assert point["point"] == {"placement.policy": "first-fit", "horizon.sample_every_minutes": 30}
    figure = point["metrics"]["allocated_vcpu_fraction"]
    assert figure["n"] == 3 and figure["ci_low"] <= figure["mean"] <= figure["ci_high"]
    assert set(point["metrics"]) == {"refused_fraction", "allocated_vcpu_fraction", "vms_lost"}
    table = outcome.table()
    assert table.column_names[:4] == [
        "placement.policy",
        "horizon.sample_every_minutes",
        "refused_fraction_mean",
        "refused_fraction_ci_low",
    ]
    assert table.num_rows == 4
    assert set(json.loads(json.dumps(outcome.to_json()))) == {"sweep_id", "spec_hash", "runs", "points"}


def test_kill_9_then_resume(swept: Path, tmp_path: Path) -> None:
    """A sweep killed (-9) after a run is stored, run again: the same runs and summaries as an uninterrupted one,
    none twice, and the database readable."""
    spec = _write_spec(tmp_path, SPEC)
    db = tmp_path / "killed.duckdb"
    command = [sys.executable, "-m", "cloudtwin.cli.main", "sweep", str(spec), "-j", "1", "--db", str(db)]
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True
    )
    assert process.stderr is not None
    try:
        for line in process.stderr:
            if line.startswith("run 2/12 stored"):
                break
        else:
            pytest.fail(f"the sweep ended before storing 2 runs (exit {process.wait()})")
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the sweep and its worker: its own session
        process.wait()
        process.stderr.close()
    with duckdb.connect(str(db), read_only=True) as connection:
        (count,) = connection.execute("SELECT count(*) FROM sweep_runs").fetchone() or (0,)
    assert 2 <= count < 12
    done = subprocess.run(command + ["--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert len(printed["runs"]) == 12 and len(printed["points"]) == 4
    assert f"12 runs, {count} already stored" in done.stderr
    assert _stored(db) == _stored(swept)
    with ResultsStore(db, read_only=True) as store:
        assert [r["status"] for r in store.list_runs()] == ["ok"] * 12


def test_cli_bad_spec_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = _write_spec(tmp_path, {**SPEC, "replications": "many"})
    code, out, err = run_cli(capsys, "sweep", str(spec), "--db", str(tmp_path / "x.duckdb"))
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"error: {spec}:1: replications: Input should be a valid integer, unable to parse string as an integer (got 'many')"
    ]
    assert not (tmp_path / "x.duckdb").exists()


def test_cli_bad_axis_value_names_the_point(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = _write_spec(tmp_path, {**SPEC, "axes": {"placement.policy": ["first-fit", "no-such-policy"]}})
    code, _out, err = run_cli(capsys, "sweep", str(spec), "--db", str(tmp_path / "x.duckdb"))
    assert code == 2 and "no-such-policy" in err and err.startswith(f"error: {spec}: point ")
    assert not (tmp_path / "x.duckdb").exists()


def test_cli_ray_missing_names_the_extra(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Ray (hidden here, as the test extra installs it): one line naming the extra to install, exit 2."""
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    spec = _write_spec(tmp_path, SPEC)
    code, _out, err = run_cli(capsys, "sweep", str(spec), "--ray", "auto", "--db", str(tmp_path / "x.duckdb"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "pip install 'cloudtwin[ray]'" in err


def test_ray_executor_equals_processes(swept: Path, tmp_path: Path) -> None:
    """The same spec under Ray stores the same runs as under local processes."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2)
    try:
        db = tmp_path / "ray.duckdb"
        run_sweep(SPEC, db, ray="auto")
    finally:
        ray.shutdown()
    assert _stored(db) == _stored(swept)


def test_python_api_returns_the_point_table() -> None:
    table = cloudtwin.sweep({**SPEC, "axes": {"placement.policy": ["first-fit"]}, "replications": 2}, jobs=2)
    assert table.num_rows == 1 and table.column("placement.policy").to_pylist() == ["first-fit"]
    assert "allocated_vcpu_fraction_ci_high" in table.column_names
