"""`cloudtwin export` (a run's tables as Parquet files) and `cloudtwin compare` (two runs side by side).

One results file holds two short runs of the `small` preset (0.1 simulated days, about a second each once
numba has compiled): run 1 with `placement.policy=power-of-two` and a service `web`; run 2 with the default
failure levels, an injected data-center outage (so `failures` has a row) and services `web` and `api`. A third
run is stored 'failed' through the store, as a run that cannot be compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

import cloudtwin
from cli_runner import run_cli
from cloudtwin.results import ResultsStore
from cloudtwin.results.schema import TABLES

ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
WEB = {"name": "web", "instance_type": "c3.large", "replicas": 3, "zones": ZONES, "healthy_when": {"at_least": 2}}
API = {"name": "api", "instance_type": "c3.xlarge", "replicas": 2, "zones": ZONES[:2], "healthy_when": {"at_least": 1}}
FIGURES = [
    "arrivals",
    "refused",
    "refused_fraction",
    "resident_vms_mean",
    "allocated_vcpu_fraction",
    "vms_interrupted",
    "vms_restarted",
    "vms_lost",
    "events",
    "wall_s",
]
LABELS = [
    "arrivals",
    "refused",
    "refused fraction",
    "resident VMs mean",
    "allocated vCPU fraction",
    "VMs interrupted",
    "VMs restarted",
    "VMs lost",
    "events",
    "wall s",
    "availability",
    "downtime min/year",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs 1 and 2 ('ok', as described above) and run 3 ('failed')."""
    path = tmp_path_factory.mktemp("compare") / "runs.duckdb"
    short = {"horizon.days": 0.1}
    cloudtwin.run(cloudtwin.load("small", set=short | {"placement.policy": "power-of-two", "services": [WEB]}), db=path)
    outage = {"defaults": True, "inject": [{"fail": "us-east-1a1", "at_hours": 0.5, "for_hours": 1}]}
    cloudtwin.run(cloudtwin.load("small", set=short | {"failures": outage, "services": [WEB, API]}), db=path)
    with ResultsStore(path) as store:
        failed = store.start_run("small", "name: small\n", "h", 7, "0.1.0")
        store.fail_run(failed, "failed", "RuntimeError: broke", 0.5)
    return path


def _count(db: Path, table: str, run_id: int) -> int:
    """The run's rows of `table` in the database (a table without run_id, `sweeps`: those of the run's sweeps)."""
    where = (
        "run_id = ?" if "run_id" in TABLES[table] else "sweep_id IN (SELECT sweep_id FROM sweep_runs WHERE run_id = ?)"
    )
    with duckdb.connect(str(db), read_only=True) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table} WHERE {where}", [run_id]).fetchone()
    assert row is not None
    return int(row[0])


def _figure(summary: dict[str, Any], name: str) -> Any:
    value = summary[name]
    return value["mean"] if isinstance(value, dict) else value


# --------------------------------------------------------------------------- export


def test_export_writes_one_parquet_per_table(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    """Every table's rows of the run, one readable Parquet file each, with the database's row counts and columns;
    the folder is created; `--json` names the files and their rows."""
    folder = tmp_path / "new" / "folder"
    code, out, err = run_cli(capsys, "export", "2", "--parquet", str(folder), "--db", str(db), "--json")
    assert code == 0, err
    printed = json.loads(out)
    assert set(printed) == {"run_id", "files", "rows"} and printed["run_id"] == 2
    assert list(printed["files"]) == list(TABLES) == list(printed["rows"])
    for table, name in printed["files"].items():
        frame = pq.read_table(name)
        assert Path(name).parent == folder.resolve()
        assert frame.num_rows == printed["rows"][table] == _count(db, table, 2), table
        assert frame.column_names == list(TABLES[table]), table
        if "run_id" in frame.column_names:
            assert set(frame.column("run_id").to_pylist()) <= {2}
    assert printed["rows"]["failures"] >= 1 and printed["rows"]["services"] >= 1 and printed["rows"]["runs"] == 1


def test_export_latest_prints_a_line_per_file(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    """`latest` is the newest 'ok' run (2; run 3 failed); the text output is a line per file with its rows."""
    code, out, err = run_cli(capsys, "export", "latest", "--parquet", str(tmp_path), "--db", str(db))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"run 2 (small, ok): {len(TABLES)} Parquet files in ")
    assert len(lines) == 1 + len(TABLES)
    for line, table in zip(lines[1:], TABLES):
        name, count, unit, file = line.split()
        assert (name, file) == (table, f"run-2-{table}.parquet")
        assert int(count.replace(",", "")) == _count(db, table, 2) and unit in ("row", "rows")
        assert (tmp_path / file).is_file()


def test_export_of_a_failed_run_by_number(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    """A run number of any status exports what it stored (run 3: its row, nothing else)."""
    code, out, err = run_cli(capsys, "export", "3", "--parquet", str(tmp_path), "--db", str(db), "--json")
    assert code == 0, err
    assert json.loads(out)["rows"] == {table: 1 if table == "runs" else 0 for table in TABLES}


@pytest.mark.parametrize(
    ("run", "where", "message"),
    [
        ("9", "folder", "no run 9 in "),
        ("last", "folder", "a run is a run number or 'latest' (got 'last')"),
        ("1", "under-a-file", "cannot export run 1 to "),
        ("1", "missing-db", "does not exist"),
    ],
)
def test_export_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, run: str, where: str, message: str
) -> None:
    """An unknown run, a bad RUN_ID, a folder that cannot be made, a missing database: one red line, exit 2."""
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    folder = tmp_path / "a-file" / "out" if where == "under-a-file" else tmp_path / "out"
    database = tmp_path / "none.duckdb" if where == "missing-db" else db
    code, out, err = run_cli(capsys, "export", run, "--parquet", str(folder), "--db", str(database))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and message in err, err


# --------------------------------------------------------------------------- compare


def test_compare_json_differences_are_b_minus_a(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    """Every figure is the stored summaries' value, the difference B - A and the relative change (B - A) / |A|;
    services are matched by name (api only in B: null for A); the scenario keys that differ are listed."""
    code, out, err = run_cli(capsys, "compare", "1", "2", "--db", str(db), "--json")
    assert code == 0, err
    printed = json.loads(out)
    assert {"a", "b", "metrics", "services", "scenario_differences"} <= set(printed)
    assert (printed["a"], printed["b"]) == (1, 2)
    a, b = cloudtwin.open(db, 1).to_json(), cloudtwin.open(db, 2).to_json()
    assert [m["name"] for m in printed["metrics"]] == FIGURES
    for metric in printed["metrics"]:
        va, vb = _figure(a, metric["name"]), _figure(b, metric["name"])
        assert (metric["a"], metric["b"], metric["difference"]) == (va, vb, vb - va), metric
        assert metric["relative"] == (None if va == 0 else pytest.approx((vb - va) / abs(va))), metric
    assert b["vms_interrupted"] > 0  # the outage: a difference that is not zero
    web, api = printed["services"]
    assert (web["name"], web["in"], api["name"], api["in"]) == ("web", ["a", "b"], "api", ["b"])
    for name, service in (("availability", web["metrics"][0]), ("downtime_minutes_per_year", web["metrics"][1])):
        va, vb = a["services"][0][name], b["services"][0][name]
        assert service["name"] == name and (service["a"], service["b"], service["difference"]) == (va, vb, vb - va)
    assert all(m["a"] is None and m["difference"] is None and m["b"] is not None for m in api["metrics"])
    assert printed["scenario_hash"]["a"] != printed["scenario_hash"]["b"]
    assert printed["scenario_differences"] == ["placement.policy", "services", "failures"]


def test_compare_a_run_with_itself(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    """`latest` names run 2; against itself every difference is zero and the scenarios are the same."""
    code, out, err = run_cli(capsys, "compare", "2", "latest", "--db", str(db), "--json")
    assert code == 0, err
    printed = json.loads(out)
    assert printed["b"] == 2 and printed["scenario_differences"] == []
    assert all(m["difference"] == 0 for m in printed["metrics"])
    code, out, err = run_cli(capsys, "compare", "2", "2", "--db", str(db))
    assert code == 0, err
    assert "scenarios: the same (hash " in out


def test_compare_table_fits_80_columns(
    capsys: pytest.CaptureFixture[str], db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns every line fits and no label is cut with "…"; services missing from A read "-"."""
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run_cli(capsys, "compare", "1", "2", "--db", str(db))
    assert code == 0, err
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert "…" not in out
    for label in LABELS:
        assert any(line.strip().split("  ")[0] == label for line in out.splitlines()), (label, out)
    assert "A: run 1" in out and "B: run 2" in out and "B - A" in out
    lines = out.splitlines()
    api = next(i for i, line in enumerate(lines) if line.strip() == "api")
    availability = lines[api + 1].split()
    assert availability[:2] == ["availability", "-"] and availability[-2:] == ["-", "-"]
    words = " ".join(out.split())
    assert "scenarios differ: hash" in words and "keys that differ: placement.policy, services, failures" in words


def test_compare_refuses_a_run_that_did_not_finish(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    """A failed run has no summary to compare: one line naming it and its status, exit 2; so has an unknown run."""
    code, out, err = run_cli(capsys, "compare", "1", "3", "--db", str(db))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "error: cannot compare run 3: it is 'failed'; only finished ('ok') runs can be compared"
    ]
    code, out, err = run_cli(capsys, "compare", "1", "7", "--db", str(db))
    assert code == 2 and len(err.splitlines()) == 1 and "no run 7 in " in err
