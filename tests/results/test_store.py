"""The results store: schema, run ids, metrics round trip in long format, summaries, plain SQL on the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as parquet
import pytest
from results_samples import METRIC_COLUMNS, ZONE_REGIONS, ZONES, sample_columns

from cloudtwin.errors import ResultsError
from cloudtwin.results import ResultsStore

EXPECTED_TABLES = {
    "runs": [
        "run_id",
        "scenario_name",
        "scenario_yaml",
        "scenario_hash",
        "seed",
        "cloudtwin_version",
        "started",
        "wall_s",
        "events",
        "status",
        "error",
        "summary_json",
        "host",
        "pid",
        "heartbeat",
    ],
    "metrics": ["run_id", "time_s", "level", "name", "zone", "region", *METRIC_COLUMNS, "interval_s"],
    "failures": ["run_id", "time_s", "level", "target", "duration_s", "vms_affected"],
    "services": ["run_id", "time_s", "service", "healthy_replicas", "healthy"],
    "places": [
        "run_id",
        "level",
        "name",
        "zone",
        "region",
        "servers",
        "arrivals",
        "refused",
        "departures",
        "vms_placed",
        "resident_vms_mean",
        "allocated_vcpu_fraction",
    ],
    "sweeps": ["sweep_id", "spec_hash", "spec_yaml", "created"],
    "sweep_runs": ["sweep_id", "point_json", "replication", "run_id"],
    "links": ["run_id", "time_s", "link", "offered_gbps", "carried_gbps", "capacity_gbps"],
    "latency": ["run_id", "time_s", "service", "path", "p50_ms", "p99_ms", "p999_ms"],
    "plans": [
        "plan_id",
        "scenario_name",
        "scenario_yaml",
        "scenario_hash",
        "cloudtwin_version",
        "created",
        "years",
        "plan_json",
    ],
    "plan_builds": ["plan_id", "ordered_month", "month", "region", "zone", "datacenter", "servers", "server_vcpus"],
    "plan_months": [
        "plan_id",
        "month",
        "region",
        "demand_vcpus",
        "demand_mean_vcpus",
        "capacity_vcpus",
        "capacity_without_largest_zone_vcpus",
        "n_plus_1_kept",
    ],
}


def table_columns(connection: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, type) of a table's columns in storage order."""
    return connection.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]
    ).fetchall()


def start(store: ResultsStore, name: str = "erlang-single-zone") -> int:
    return store.start_run(name, "name: x\n", "abc123", 7, "0.1.0")


def test_schema_created(db_path: Path) -> None:
    """A new file gets the runs, metrics, failures, services, places and schema_version tables with the brief's
    columns."""
    ResultsStore(db_path).close()
    with duckdb.connect(str(db_path), read_only=True) as connection:
        for table, columns in EXPECTED_TABLES.items():
            assert [name for name, _type in table_columns(connection, table)] == columns, table
        assert {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()} == {
            *EXPECTED_TABLES,
            "schema_version",
        }
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [(6,)]
        kinds = dict(
            connection.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'metrics'"
            ).fetchall()
        )
        assert kinds["time_s"] == "DOUBLE" and kinds["allocated_memory_gib"] == "DOUBLE"


def test_run_ids_increase_across_openings(db_path: Path) -> None:
    """Run ids strictly increase, also after the file is closed and opened again."""
    with ResultsStore(db_path) as store:
        first, second = start(store), start(store)
    with ResultsStore(db_path) as store:
        third = start(store)
        listed = [run["run_id"] for run in store.list_runs()]
    assert first < second < third
    assert listed == [first, second, third]


def test_start_run_is_committed_as_running(db_path: Path) -> None:
    """start_run commits at once: another connection sees the row as 'running' with a UTC start time."""
    before = datetime.now(UTC)
    with ResultsStore(db_path) as store:
        run_id = start(store)
        run = store.get_run(run_id)
    assert run["status"] == "running" and run["error"] is None and run["summary"] is None
    assert before - timedelta(seconds=1) <= run["started"] <= datetime.now(UTC) + timedelta(seconds=1)
    with duckdb.connect(str(db_path), read_only=True) as connection:
        assert connection.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchall() == [("running",)]


def test_metrics_round_trip_long_format(db_path: Path) -> None:
    """Each (tick, entity) of the appended arrays is one metrics row holding exactly those values."""
    time_s = np.array([3600.0, 7200.0, 10800.0, 14400.0])
    zone_columns = sample_columns(time_s.size, len(ZONES), seed=1)
    datacenters, dc_zones = ["use1-az1-dc1", "use1-az1-dc2"], ["us-east-1a", "us-east-1a"]
    dc_columns = sample_columns(time_s.size, 2, seed=2)
    with ResultsStore(db_path) as store:
        run_id = start(store)
        assert store.append_metrics(run_id, "zone", ZONES, ZONES, ZONE_REGIONS, time_s, zone_columns) == 12
        store.append_metrics(run_id, "datacenter", datacenters, dc_zones, ["us-east-1"] * 2, time_s, dc_columns)
        frame = store.metrics_frame(run_id, level="zone")
        assert frame.num_rows == 12
        assert store.metrics_frame(run_id).num_rows == 20

    with duckdb.connect(str(db_path), read_only=True) as connection:
        for level, names, zones, regions, columns in [
            ("zone", ZONES, ZONES, ZONE_REGIONS, zone_columns),
            ("datacenter", datacenters, dc_zones, ["us-east-1"] * 2, dc_columns),
        ]:
            for tick, when in enumerate(time_s):
                for entity, name in enumerate(names):
                    rows = connection.execute(
                        f"SELECT zone, region, {', '.join(METRIC_COLUMNS)} FROM metrics"
                        " WHERE run_id = ? AND level = ? AND name = ? AND time_s = ?",
                        [run_id, level, name, float(when)],
                    ).fetchall()
                    assert len(rows) == 1
                    zone, region, *values = rows[0]
                    assert (zone, region) == (zones[entity], regions[entity])
                    assert values == [columns[c][tick, entity].item() for c in METRIC_COLUMNS]


def test_metrics_frame_keeps_append_order(db_path: Path) -> None:
    """metrics_frame returns rows tick-major with entities in the order given, across several appends."""
    with ResultsStore(db_path) as store:
        run_id = start(store)
        first = sample_columns(2, 3, seed=3)
        second = sample_columns(1, 3, seed=4)
        store.append_metrics(run_id, "zone", ZONES, ZONES, ZONE_REGIONS, np.array([60.0, 120.0]), first)
        store.append_metrics(run_id, "zone", ZONES, ZONES, ZONE_REGIONS, np.array([180.0]), second)
        frame = store.metrics_frame(run_id)
    assert frame["time_s"].to_pylist() == [60.0] * 3 + [120.0] * 3 + [180.0] * 3
    assert frame["name"].to_pylist() == ZONES * 3
    expected = np.concatenate([first["refusals"].reshape(-1), second["refusals"].reshape(-1)])
    np.testing.assert_array_equal(frame["refusals"].to_numpy(), expected)


def test_plain_sql_on_the_file(db_path: Path) -> None:
    """The file answers ordinary DuckDB SQL: SELECT count(*) FROM metrics WHERE run_id = ? is ticks × entities."""
    with ResultsStore(db_path) as store:
        run_id = start(store)
        store.append_metrics(run_id, "zone", ZONES, ZONES, ZONE_REGIONS, np.arange(24) * 3600.0, sample_columns(24, 3))
        other = start(store)
        store.append_metrics(
            other, "zone", ZONES[:1], ZONES[:1], ZONE_REGIONS[:1], np.arange(5) * 60.0, sample_columns(5, 1)
        )
    with duckdb.connect(str(db_path), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM metrics WHERE run_id = ?", [run_id]).fetchone() == (72,)
        assert connection.execute("SELECT count(*) FROM metrics WHERE run_id = ?", [other]).fetchone() == (5,)


def test_finish_run_stores_summary(db_path: Path) -> None:
    """finish_run marks 'ok' and keeps wall time, events and the JSON summary (numpy values included)."""
    summary = {"refused_fraction": np.float64(0.0269), "zones": np.array([1, 2]), "name": "x"}
    with ResultsStore(db_path) as store:
        run_id = start(store)
        store.finish_run(run_id, wall_s=1.5, events=12345, summary=summary)
    with ResultsStore(db_path) as store:
        run = store.get_run(run_id)
    assert (run["status"], run["wall_s"], run["events"]) == ("ok", 1.5, 12345)
    assert run["summary"] == {"refused_fraction": 0.0269, "zones": [1, 2], "name": "x"}
    assert run["scenario_yaml"] == "name: x\n" and run["seed"] == 7 and run["cloudtwin_version"] == "0.1.0"


def test_append_rows_failures_and_services(db_path: Path) -> None:
    """append_rows writes failures and services in bulk; the values come back unchanged."""
    failures = {
        "time_s": np.array([10.0, 20.0]),
        "level": ["server", "datacenter"],
        "target": ["s17", "use1-az1-dc1"],
        "duration_s": np.array([3600.0, 10800.0]),
        "vms_affected": np.array([4, 51234]),
    }
    services = {"time_s": [0.0], "service": ["web"], "healthy_replicas": [5], "healthy": np.array([True])}
    with ResultsStore(db_path) as store:
        run_id = start(store)
        assert store.append_rows("failures", run_id, failures) == 2
        assert store.append_rows("services", run_id, services) == 1
        got = store.rows_frame("failures", run_id).to_pydict()
        assert store.rows_frame("services", run_id).to_pydict()["healthy"] == [True]
    assert got["target"] == ["s17", "use1-az1-dc1"] and got["vms_affected"] == [4, 51234]
    assert got["run_id"] == [run_id, run_id]


def test_append_rows_places_keeps_order_and_nulls(db_path: Path) -> None:
    """`places` rows (zones, then datacenters) come back in the order appended, None stored and read as NULL."""
    places = {
        "level": ["zone", "zone", "datacenter"],
        "name": ["b", "a", "a1"],
        "zone": ["b", "a", "a"],
        "region": ["r", "r", "r"],
        "servers": [20, 40, 40],
        "arrivals": [7, 9, None],
        "refused": [1, 0, None],
        "departures": [5, 8, None],
        "vms_placed": [None, None, 9],
        "resident_vms_mean": [2.5, 3.25, None],
        "allocated_vcpu_fraction": [0.125, 0.5, 0.5],
    }
    with ResultsStore(db_path) as store:
        run_id = start(store)
        assert store.append_rows("places", run_id, places) == 3
        got = store.rows_frame("places", run_id).to_pydict()
    assert got == {"run_id": [run_id] * 3, **places}


def test_export_parquet(db_path: Path, tmp_path: Path) -> None:
    """export_parquet writes the run row and its metrics; Parquet row counts equal the database's."""
    with ResultsStore(db_path) as store:
        run_id = start(store)
        store.append_metrics(run_id, "zone", ZONES, ZONES, ZONE_REGIONS, np.arange(4) * 60.0, sample_columns(4, 3))
        store.finish_run(run_id, 0.1, 10, {})
        written = store.export_parquet(run_id, tmp_path / "export")
    assert parquet.read_table(written["runs"]).num_rows == 1
    assert parquet.read_table(written["metrics"]).num_rows == 12
    assert parquet.read_table(written["failures"]).num_rows == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.pop("refusals"),
        lambda c: c.update(extra=np.zeros((2, 3))),
        lambda c: c.update(arrivals=np.zeros((3, 2))),
        lambda c: c.update(resident_vms=np.full((2, 3), 1.5)),
    ],
    ids=["missing column", "unknown column", "wrong shape", "fractional count"],
)
def test_bad_metrics_are_refused(db_path: Path, change) -> None:
    """Malformed metric arrays raise ResultsError and write nothing."""
    columns = sample_columns(2, 3)
    change(columns)
    with ResultsStore(db_path) as store:
        run_id = start(store)
        with pytest.raises(ResultsError):
            store.append_metrics(run_id, "zone", ZONES, ZONES, ZONE_REGIONS, np.array([1.0, 2.0]), columns)
        assert store.metrics_frame(run_id).num_rows == 0


def test_appends_need_a_running_run(db_path: Path) -> None:
    """Appending to an unknown or finished run, or at an unknown level, raises ResultsError."""
    with ResultsStore(db_path) as store:
        run_id = start(store)
        with pytest.raises(ResultsError, match="level"):
            store.append_metrics(run_id, "rack", ZONES, ZONES, ZONE_REGIONS, np.array([1.0]), sample_columns(1, 3))
        with pytest.raises(ResultsError, match="no run"):
            store.append_metrics(999, "zone", ZONES, ZONES, ZONE_REGIONS, np.array([1.0]), sample_columns(1, 3))
        store.finish_run(run_id, 0.0, 0, {})
        with pytest.raises(ResultsError, match="'ok'"):
            store.append_rows(
                "services", run_id, {"time_s": [0.0], "service": ["a"], "healthy_replicas": [1], "healthy": [True]}
            )
        with pytest.raises(ResultsError, match="table"):
            store.append_rows("runs", run_id, {})


def test_in_memory_store() -> None:
    """':memory:' gives a throwaway store with the same schema (for tests and notebooks)."""
    with ResultsStore(":memory:") as store:
        assert start(store) == 1
