"""`cloudtwin.run` and `cloudtwin.open`: typed, frozen results with Arrow tables, equal to what the CLI prints.

The runs are short (the `small` preset for 0.05 simulated days, or a 60-server world with a data-center
outage and a replicated service for 6 hours): each takes about a second once numba has compiled.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

import cloudtwin
from cli_runner import run_cli
from cloudtwin.api import DatacenterFigures, RunResult, ServiceFigures, ZoneFigures
from cloudtwin.errors import ResultsError, ScenarioError
from cloudtwin.results import METRIC_VALUE_COLUMNS, ROW_TABLES
from cloudtwin.runner.simulate import WALL_CLOCK_KEYS
from cloudtwin.scenario import Scenario

README = Path(__file__).resolve().parents[2] / "README.md"
#: Keys that measure the machine, not the run: they differ between two runs of one scenario.
WALL_CLOCK = ("run_id", *WALL_CLOCK_KEYS)

#: Three zones, 60 servers; east-a1 fails at hour 2 for an hour; a 2-replica service over two zones.
FAILOVER = """\
name: tiny-failover
seed: 3
horizon: {days: 0.25, sample_every_minutes: 30}
server_types:
  std: {vcpus: 32, memory_gib: 244}
instance_types:
  m3.large: {vcpus: 2, memory_gib: 7.5, price_per_hour: 0.14}
world:
  regions:
    - name: east
      location: {lat: 39.0, lon: -77.5}
      zones:
        - name: east-a
          datacenters:
            - {name: east-a1, servers: 20, server_type: std}
            - {name: east-a2, servers: 20, server_type: std}
        - name: east-b
          datacenters: {count: 1, servers: 20, server_type: std}
workload:
  - name: tenants
    instances: {m3.large: 1}
    arrivals: {per_hour: 300}
    lifetime: {distribution: exponential, mean_hours: 1}
services:
  - name: web
    instance_type: m3.large
    replicas: 2
    zones: [east-a, east-b]
    healthy_when: {at_least: 1}
failures:
  inject:
    - {fail: east-a1, at_hours: 2, for_hours: 1}
"""


@pytest.fixture(scope="module")
def small() -> Scenario:
    return cloudtwin.load("small", set={"horizon.days": 0.05})


@pytest.fixture(scope="module")
def in_memory(small: Scenario) -> RunResult:
    return cloudtwin.run(small)


@pytest.fixture(scope="module")
def failover(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    folder = tmp_path_factory.mktemp("failover")
    (folder / "tiny.yaml").write_text(FAILOVER, encoding="utf-8")
    db = folder / "runs.duckdb"
    return cloudtwin.run(cloudtwin.load(folder / "tiny.yaml"), db=db), db


def _without_wall_clock(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in WALL_CLOCK}


def test_import_cloudtwin_is_light() -> None:
    """`import cloudtwin` imports neither numba nor duckdb, nor the API module; naming `cloudtwin.run` imports the
    API but still neither numba nor duckdb (they load when a scenario is loaded or run)."""
    code = (
        "import json, sys, cloudtwin\n"
        "heavy = lambda: [m for m in ('numba', 'duckdb', 'cloudtwin.api') if m in sys.modules]\n"
        "before = heavy(); cloudtwin.run; cloudtwin.open; cloudtwin.load\n"
        "print(json.dumps([before, heavy()]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [[], ["cloudtwin.api"]]


def test_api_names_are_the_functions() -> None:
    """`cloudtwin.run` is the function (the runner package is `cloudtwin.runner`, so nothing shadows it)."""
    from cloudtwin import api

    assert cloudtwin.run is api.run and cloudtwin.open is api.open and cloudtwin.load is api.load
    assert {"load", "run", "open"} <= set(dir(cloudtwin))
    with pytest.raises(AttributeError):
        cloudtwin.no_such_name  # noqa: B018


def test_run_in_memory_gives_typed_fields(in_memory: RunResult) -> None:
    """A run without `db` gives a frozen result whose typed fields are the summary's values."""
    res, s = in_memory, in_memory.to_json()
    assert res.db is None
    assert (res.scenario, res.seed, res.policy) == (s["scenario"], s["seed"], s["policy"])
    assert isinstance(res.arrivals, int) and res.arrivals == s["arrivals"] > 0
    assert res.accepted + res.refused == res.arrivals
    assert isinstance(res.refused_fraction, float) and res.refused_fraction == s["refused_fraction"]
    assert res.allocated_vcpu_fraction == s["allocated_vcpu_fraction"]["mean"]
    assert res.sim_days == pytest.approx(0.05)
    assert res.failures_by_level == s["failures"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.arrivals = 0  # type: ignore[misc]


def test_zone_and_datacenter_figures_add_up(in_memory: RunResult) -> None:
    """Zones and datacenters are typed rows, in world order, whose counts add up to the run's."""
    res = in_memory
    assert all(isinstance(z, ZoneFigures) for z in res.zones)
    assert all(isinstance(d, DatacenterFigures) for d in res.datacenters)
    assert [z.zone for z in res.zones] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert [d.datacenter for d in res.datacenters] == ["us-east-1a1", "us-east-1a2", "us-east-1b1", "us-east-1c1"]
    assert sum(z.arrivals for z in res.zones) == res.arrivals
    assert sum(z.refused for z in res.zones) == res.refused
    assert sum(z.servers for z in res.zones) == sum(d.servers for d in res.datacenters) == 400
    assert sum(d.vms_placed for d in res.datacenters) == res.accepted
    per_zone = res.to_json()["allocated_vcpu_fraction"]["per_zone"]
    assert {z.zone: z.allocated_vcpu_fraction for z in res.zones} == per_zone
    assert res.zones_table().num_rows == 3 and "refused_fraction" in res.zones_table().column_names
    assert res.datacenters_table().num_rows == 4


def test_tables_are_arrow_with_their_columns(in_memory: RunResult) -> None:
    """metrics, failures and services are pyarrow Tables with the results database's columns."""
    res = in_memory
    for table in (res.metrics, res.failures, res.services):
        assert isinstance(table, pa.Table)
    assert {"time_s", "level", "name", "zone", "region", *METRIC_VALUE_COLUMNS} <= set(res.metrics.column_names)
    assert res.metrics.num_rows > 0 and set(res.metrics.column("level").to_pylist()) == {"zone", "datacenter"}
    assert set(ROW_TABLES["failures"]) <= set(res.failures.column_names)
    assert set(ROW_TABLES["services"]) <= set(res.services.column_names)
    rows = res.metrics.to_pydict()
    assert sum(a for a, level in zip(rows["arrivals"], rows["level"]) if level == "zone") == res.arrivals


def test_tables_convert_to_pandas(in_memory: RunResult) -> None:
    """With pandas installed, the tables convert with `.to_pandas()`."""
    pytest.importorskip("pandas")
    frame = in_memory.metrics.to_pandas()
    assert len(frame) == in_memory.metrics.num_rows and "allocated_vcpus" in frame.columns


def test_tables_convert_to_polars(in_memory: RunResult) -> None:
    """With polars installed, `polars.from_arrow` takes the tables."""
    polars = pytest.importorskip("polars")
    assert polars.from_arrow(in_memory.metrics).height == in_memory.metrics.num_rows


def test_run_with_a_variation(small: Scenario, in_memory: RunResult) -> None:
    """`run(sc.with_(...))` runs the variation; the base scenario and its result are untouched."""
    res2 = cloudtwin.run(small.with_({"placement.policy": "power-of-two"}))
    assert res2.policy == "power-of-two" and in_memory.policy == small.placement.policy
    assert res2.arrivals == in_memory.arrivals  # the same seed draws the same requests


def test_run_refuses_what_is_not_a_scenario() -> None:
    """`run` takes a Scenario (from `load`); a name is answered with what to pass."""
    with pytest.raises(ScenarioError, match="must be a Scenario"):
        cloudtwin.run("small")  # type: ignore[arg-type]


def test_run_with_db_then_open_reads_the_same_run(failover: tuple[RunResult, Path]) -> None:
    """A run kept in a database reads back with `open` as the same object: the same JSON, tables, totals and
    the engine's exact zone and datacenter figures (departures and means included), field by field."""
    res, db = failover
    back = cloudtwin.open(db, res.run_id)
    assert res.db == back.db == str(db.resolve())
    assert back.to_json() == res.to_json()
    assert back.metrics.equals(res.metrics) and back.failures.equals(res.failures)
    assert back.services.equals(res.services)
    assert back.zones == res.zones and back.datacenters == res.datacenters
    assert [dataclasses.astuple(z) for z in back.zones] == [dataclasses.astuple(z) for z in res.zones]
    assert [dataclasses.astuple(d) for d in back.datacenters] == [dataclasses.astuple(d) for d in res.datacenters]
    assert all(z.departures is not None for z in back.zones) and sum(z.departures or 0 for z in back.zones) > 0
    assert all(d.resident_vms_mean is None for d in back.datacenters)  # not tracked per datacenter, run or open
    assert back.zones_table().equals(res.zones_table()) and back.datacenters_table().equals(res.datacenters_table())
    assert back == res
    assert {f.name: getattr(back, f.name) for f in dataclasses.fields(RunResult) if f.name != "notes"} == {
        f.name: getattr(res, f.name) for f in dataclasses.fields(RunResult) if f.name != "notes"
    }


def test_open_small_run_is_the_run(small: Scenario, tmp_path: Path) -> None:
    """For the `small` preset too (steady start, four datacenters), `open` gives exactly what `run` gave."""
    db = tmp_path / "small.duckdb"
    res = cloudtwin.run(small, db=db)
    back = cloudtwin.open(db)
    assert back.to_json() == res.to_json()
    assert back.zones == res.zones and back.datacenters == res.datacenters
    assert back == res


def test_open_without_places_rebuilds_from_samples(failover: tuple[RunResult, Path], tmp_path: Path) -> None:
    """A run stored without `places` rows (written before that table) reads back with figures rebuilt from its
    samples: counts exact, a zone's resident VMs the interval-weighted mean of its samples, departures None."""
    res, db = failover
    old = tmp_path / "old.duckdb"
    old.write_bytes(db.read_bytes())
    with duckdb.connect(str(old)) as connection:
        connection.execute("DELETE FROM places WHERE run_id = ?", [res.run_id])
    back = cloudtwin.open(old, res.run_id)
    assert back.to_json() == res.to_json()
    exact = ("region", "zone", "servers", "arrivals", "refused", "allocated_vcpu_fraction")
    assert [[getattr(z, k) for k in exact] for z in back.zones] == [[getattr(z, k) for k in exact] for z in res.zones]
    assert all(z.departures is None for z in back.zones)
    assert [(d.datacenter, d.servers, d.vms_placed) for d in back.datacenters] == [
        (d.datacenter, d.servers, d.vms_placed) for d in res.datacenters
    ]
    m = back.metrics.to_pydict()
    for zone in back.zones:
        rows = [i for i, (level, name) in enumerate(zip(m["level"], m["name"])) if (level, name) == ("zone", zone.zone)]
        weights = np.array([m["interval_s"][i] if m.get("interval_s") else 1.0 for i in rows])
        resident = np.array([m["resident_vms"][i] for i in rows])
        assert zone.resident_vms_mean == pytest.approx(float((weights * resident).sum() / weights.sum()))


def test_failures_and_services(failover: tuple[RunResult, Path]) -> None:
    """The injected outage is a `failures` row; VMs interrupted add up by level; the service is typed."""
    res, _db = failover
    assert res.failures_by_level["datacenter"] == 1
    assert res.failures.column("target").to_pylist() == ["east-a1"]
    assert res.failures.column("time_s").to_pylist() == [7200.0]
    assert sum(res.vms_interrupted_by_level.values()) == res.vms_interrupted > 0
    assert res.vms_interrupted_by_level["datacenter"] == res.vms_interrupted
    assert res.vms_restarted + res.vms_lost + res.vms_waiting == res.vms_interrupted
    assert res.restart_minutes_p50 is not None
    (web,) = res.service_figures
    assert isinstance(web, ServiceFigures) and (web.name, web.replicas, web.at_least) == ("web", 2, 1)
    assert web.availability == res.to_json()["services"][0]["availability"]
    assert res.services.num_rows > 0 and set(res.services.column("service").to_pylist()) == {"web"}


def test_open_picks_runs(failover: tuple[RunResult, Path], small: Scenario) -> None:
    """`open` gives the latest finished run, or the one asked for; a missing run or file is a ResultsError."""
    first, db = failover
    second = cloudtwin.run(small, db=db)
    assert second.run_id == first.run_id + 1
    assert cloudtwin.open(db).run_id == cloudtwin.open(db, "latest").run_id == second.run_id
    assert cloudtwin.open(db, first.run_id).to_json() == first.to_json()
    assert cloudtwin.open(db, second.run_id) == second
    with pytest.raises(ResultsError, match="no run 99"):
        cloudtwin.open(db, 99)
    with pytest.raises(ResultsError, match="run number or 'latest'"):
        cloudtwin.open(db, "first")  # type: ignore[arg-type]
    with pytest.raises(ResultsError, match="does not exist"):
        cloudtwin.open(db.parent / "missing.duckdb")


def test_cli_json_is_to_json(capsys: pytest.CaptureFixture[str], tmp_path: Path, small: Scenario) -> None:
    """`cloudtwin run --json` prints what `cloudtwin.run(...).to_json()` gives, wall-clock keys aside."""
    code, out, err = run_cli(
        capsys, "run", "--preset", "small", "--set", "horizon.days=0.05", "--json", "--db", str(tmp_path / "cli.duckdb")
    )
    assert code == 0, err
    printed = json.loads(out)
    res = cloudtwin.run(small, db=tmp_path / "api.duckdb")
    assert _without_wall_clock(printed) == _without_wall_clock(res.to_json())
    assert set(printed) == set(res.to_json())
    assert cloudtwin.open(tmp_path / "cli.duckdb").to_json() == printed


def test_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's "From Python" code block runs as written (in a scratch folder, for its database)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## From Python") :]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert block is not None, "README's From Python section has no python code block"
    monkeypatch.chdir(tmp_path)
    exec(compile(block.group(1), "README.md", "exec"), {"__name__": "readme"})  # noqa: S102
    assert (tmp_path / "runs.duckdb").is_file()
