"""Storing a run that finished elsewhere (a sweep's worker process or Ray task) and the sweeps that hold runs.

A worker simulates into its own temporary database and hands back the run's row, summary and tables; the
process that owns the results file writes them with `insert_finished_run`, inside one transaction of the
store (`ResultsStore.store_finished_run`): the run row (status 'ok'), its metrics, failures, services and
places rows and, for a sweep, its `sweep_runs` row. A process killed at any moment leaves the whole run or
nothing of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from cloudtwin.errors import ResultsError
from cloudtwin.results.schema import ROW_TABLES, TABLES

#: The tables of one run besides its `runs` row, in the order they are written.
RUN_TABLES = ("metrics", *ROW_TABLES)


@dataclass(frozen=True)
class FinishedRun:
    """A run that finished in another process: what its `runs` row holds and its rows of `RUN_TABLES`
    (arrow tables with the columns of `TABLES`; their `run_id` column, if any, is replaced)."""

    scenario_name: str
    scenario_yaml: str
    scenario_hash: str
    seed: int | None
    version: str
    started: datetime  # UTC, naive or aware
    wall_s: float
    events: int
    summary: Mapping[str, Any]  # its `run_id` key is set to the stored run's id
    tables: Mapping[str, pa.Table] = field(default_factory=dict)
    host: str | None = None
    pid: int | None = None


@dataclass(frozen=True)
class SweepMember:
    """Where a run stands in a sweep: the sweep, its axis point (canonical JSON) and its replication."""

    sweep_id: int
    point_json: str
    replication: int


def insert_finished_run(
    connection: duckdb.DuckDBPyConnection, run: FinishedRun, member: SweepMember | None, finished: datetime
) -> int:
    """Write `run` (and its sweep membership) through `connection`, inside the caller's transaction; its run id."""
    row = connection.execute("SELECT nextval('run_id_sequence')").fetchone()
    assert row is not None  # nextval always returns one row
    run_id = int(row[0])
    summary_json = json.dumps({**run.summary, "run_id": run_id})
    started = run.started.replace(tzinfo=None) if run.started.tzinfo is not None else run.started
    connection.execute(
        "INSERT INTO runs (run_id, scenario_name, scenario_yaml, scenario_hash, seed, cloudtwin_version, started,"
        " wall_s, events, status, error, summary_json, host, pid, heartbeat)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL, ?, ?, ?, ?)",
        [
            run_id,
            run.scenario_name,
            run.scenario_yaml,
            run.scenario_hash,
            run.seed,
            run.version,
            started,
            float(run.wall_s),
            int(run.events),
            summary_json,
            run.host,
            run.pid,
            finished.replace(tzinfo=None),
        ],
    )
    for table in RUN_TABLES:
        frame = run.tables.get(table)
        if frame is not None and frame.num_rows:
            _insert_rows(connection, table, run_id, frame)
    if member is not None:
        connection.execute(
            "INSERT INTO sweep_runs (sweep_id, point_json, replication, run_id) VALUES (?, ?, ?, ?)",
            [member.sweep_id, member.point_json, member.replication, run_id],
        )
    return run_id


def _insert_rows(connection: duckdb.DuckDBPyConnection, table: str, run_id: int, frame: pa.Table) -> None:
    """Bulk-insert one run's rows of `table` under `run_id` (the frame's own run_id, if any, is ignored)."""
    columns = [name for name in TABLES[table] if name != "run_id"]
    missing = [name for name in columns if name not in frame.column_names]
    if missing:
        raise ResultsError(f"cannot store the run's `{table}` rows: column(s) {', '.join(missing)} missing")
    names = ", ".join(columns)
    connection.register("_cloudtwin_import", frame.select(columns))
    try:
        connection.execute(
            f"INSERT INTO {table} (run_id, {names}) SELECT $run_id, {names} FROM _cloudtwin_import",
            {"run_id": run_id},
        )
    finally:
        connection.unregister("_cloudtwin_import")


def find_or_add_sweep(connection: duckdb.DuckDBPyConnection, spec_hash: str, spec_yaml: str, created: datetime) -> int:
    """The id of the sweep with `spec_hash`, added (inside the caller's transaction) if there is none yet."""
    row = connection.execute("SELECT min(sweep_id) FROM sweeps WHERE spec_hash = ?", [spec_hash]).fetchone()
    if row is not None and row[0] is not None:
        return int(row[0])
    row = connection.execute("SELECT coalesce(max(sweep_id), 0) + 1 FROM sweeps").fetchone()
    assert row is not None
    sweep_id = int(row[0])
    connection.execute(
        "INSERT INTO sweeps (sweep_id, spec_hash, spec_yaml, created) VALUES (?, ?, ?, ?)",
        [sweep_id, spec_hash, spec_yaml, created.replace(tzinfo=None)],
    )
    return sweep_id
