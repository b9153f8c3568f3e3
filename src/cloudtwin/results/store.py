"""The results database: one DuckDB file that every run appends to (see `cloudtwin.results`)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from cloudtwin.errors import ResultsError
from cloudtwin.results.columns import (
    arrow_column,
    check_metric_shapes,
    row_table,
    string_dictionary,
)
from cloudtwin.results.importing import FinishedRun, SweepMember, find_or_add_sweep, insert_finished_run
from cloudtwin.results.liveness import LIVENESS_COLUMNS, effective, resolve_stale_runs, this_process, utc_now
from cloudtwin.results.naming import number_or_latest
from cloudtwin.results.opening import check_location, is_storage_failure, one_line, open_problem, storage_error
from cloudtwin.results.plans import PlanRecord, insert_plan
from cloudtwin.results.schema import (
    ARROW_TYPES,
    METRIC_LEVELS,
    METRIC_TICK_COLUMNS,
    METRIC_VALUE_COLUMNS,
    METRICS_KEY_COLUMNS,
    ROW_TABLES,
    RUNS_COLUMNS,
    TABLES,
    ensure_schema,
    tables_at,
)

IN_MEMORY = ":memory:"
# Rows per arrow batch in one bulk insert: bounds the memory of a 10^7-row append to a few tens of MB.
_ROWS_PER_BATCH = 1 << 20
_LIST_COLUMNS = (
    "run_id",
    "scenario_name",
    "scenario_hash",
    "seed",
    "cloudtwin_version",
    "started",
    "wall_s",
    "events",
    "status",
    "error",
    "host",
    "pid",
    "heartbeat",
)


def _check_intervals(interval_s: np.ndarray | None, n_ticks: int) -> np.ndarray | None:
    """Interval lengths as float64 (n_ticks,) of finite seconds >= 0, None if not given, or ResultsError."""
    if interval_s is None:
        return None
    intervals = np.asarray(interval_s, dtype=np.float64)
    if intervals.shape != (n_ticks,) or not np.all(np.isfinite(intervals) & (intervals >= 0)):
        raise ResultsError(
            f"`interval_s` must be {n_ticks} finite seconds >= 0, one per tick (got shape {intervals.shape})"
        )
    return intervals


def _json_default(value: object) -> object:
    """numpy scalars and arrays in a run summary become plain JSON numbers and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class ResultsStore:
    """An open results database; use as a context manager so the file is closed (and checkpointed)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        in_memory = str(path) == IN_MEMORY
        self.path = Path(IN_MEMORY) if in_memory else Path(path).expanduser().resolve()
        self.read_only = read_only
        if not in_memory:
            check_location(self.path, read_only)
        target = IN_MEMORY if in_memory else str(self.path)
        try:
            self._connection: duckdb.DuckDBPyConnection | None = duckdb.connect(target, read_only=read_only)
        except duckdb.Error as error:
            raise open_problem(self.path, error) from None
        try:
            self._connection.execute("SET enable_progress_bar = false")  # the CLI owns the terminal
            #: The file's schema version: older than SCHEMA_VERSION only when read-only (its new columns read NULL).
            self.schema_version = ensure_schema(self._connection, str(self.path), read_only=read_only)
            #: Runs of processes that died without marking them, marked 'interrupted' as this store opened.
            self.resolved_runs: list[int] = [] if read_only else resolve_stale_runs(self._connection)
        except duckdb.Error as error:
            self._close_quietly()
            raise storage_error(self.path, "prepare the results database", error) from None
        except BaseException:
            self._close_quietly()
            raise
        self._runs_columns = tables_at(self.schema_version)["runs"]

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the file (idempotent); DuckDB writes what the log holds into it (a checkpoint), which can fail."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except duckdb.Error as error:
                raise storage_error(self.path, "close the results database", error) from None

    def _close_quietly(self) -> None:
        """Close after an error that is the one to report."""
        try:
            self.close()
        except ResultsError:
            pass

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if error is None:
            self.close()
            return
        try:
            self.close()
        except ResultsError as close_error:  # the block's own error is the one to report
            error.add_note(f"closing `{self.path}` failed too: {close_error}")

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection (for ad-hoc SQL by reports and tests)."""
        if self._connection is None:
            raise ResultsError(f"results database `{self.path}` is closed")
        return self._connection

    @contextmanager
    def _transaction(self, action: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """All statements of one store call commit together or not at all; DuckDB errors become ResultsError."""
        if self.read_only:
            raise ResultsError(f"cannot {action}: results database `{self.path}` is open read-only")
        connection = self.connection
        try:
            connection.execute("BEGIN TRANSACTION")
        except duckdb.Error as error:
            raise storage_error(self.path, action, error) from None
        try:
            yield connection
        except BaseException as error:
            with suppress(duckdb.Error):  # an aborted transaction refuses ROLLBACK; the original error is reported
                connection.execute("ROLLBACK")
            if isinstance(error, duckdb.Error) or is_storage_failure(error):
                raise storage_error(self.path, action, error) from None
            raise
        try:
            connection.execute("COMMIT")
        except duckdb.Error as error:  # a full disk shows here: the log is written at commit
            raise storage_error(self.path, action, error) from None

    def _query(self, sql: str, params: Sequence[object] | Mapping[str, object] = ()) -> list[tuple]:
        """Rows of a read query; DuckDB errors become ResultsError."""
        try:
            return self.connection.execute(sql, params).fetchall()
        except duckdb.Error as error:
            raise storage_error(self.path, "read", error) from None

    def _arrow(self, sql: str, params: Sequence[object] | Mapping[str, object] = ()) -> pa.Table:
        """A read query's result as a pyarrow Table (without DuckDB's extra DB-API copy)."""
        try:
            relation = self.connection.sql(sql, params=params)
            to_table = getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table
            return to_table()
        except duckdb.Error as error:
            raise storage_error(self.path, "read", error) from None

    def _require_status(self, run_id: int, allowed: tuple[str, ...], action: str) -> str:
        status = self.run_status(run_id)
        if status not in allowed:
            raise ResultsError(f"cannot {action}: run {run_id} is '{status}' (needs {' or '.join(allowed)})")
        return status

    # ------------------------------------------------------------------ writing

    def start_run(
        self, scenario_name: str, scenario_yaml: str, scenario_hash: str, seed: int | None, version: str
    ) -> int:
        """Record a new run with status 'running' (committed at once) and return its id.

        The row names this process (host, pid) and its heartbeat starts at `started`: a later opening of the file
        by another process knows the run is dead if it is still 'running' (see `cloudtwin.results.liveness`).
        """
        started = utc_now()
        host, pid = this_process()
        with self._transaction("start a run") as connection:
            row = connection.execute("SELECT nextval('run_id_sequence')").fetchone()
            assert row is not None  # nextval always returns one row
            run_id = int(row[0])
            connection.execute(
                "INSERT INTO runs (run_id, scenario_name, scenario_yaml, scenario_hash, seed, cloudtwin_version,"
                " started, status, host, pid, heartbeat) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                [run_id, scenario_name, scenario_yaml, scenario_hash, seed, version, started, host, pid, started],
            )
        return run_id

    def heartbeat(self, run_id: int) -> None:
        """Record that run `run_id` is alive now (UTC): one UPDATE in its own transaction, called after each chunk,
        so a run found dead later says when it was last heard of."""
        with self._transaction("record the run's heartbeat") as connection:
            connection.execute(
                "UPDATE runs SET heartbeat = ? WHERE run_id = ? AND status = 'running'", [utc_now(), run_id]
            )

    def append_metrics(
        self,
        run_id: int,
        level: str,
        names: Sequence[str],
        zones: Sequence[str],
        regions: Sequence[str],
        time_s: np.ndarray,
        columns: Mapping[str, np.ndarray],
        interval_s: np.ndarray | None = None,
    ) -> int:
        """Append samples of one level in long format: one row per (tick, entity); returns rows written.

        `time_s` is (n_ticks,); each of the `METRIC_VALUE_COLUMNS` is (n_ticks, n_entities), with
        entity j named `names[j]` in zone `zones[j]` of region `regions[j]`. `interval_s` (n_ticks,) is
        the length of the interval each tick's counts cover (NULL when not given).
        """
        if level not in METRIC_LEVELS:
            raise ResultsError(f"metrics `level` must be one of {', '.join(METRIC_LEVELS)} (got {level!r})")
        times, values = check_metric_shapes(names, zones, regions, time_s, columns, METRIC_VALUE_COLUMNS)
        intervals = _check_intervals(interval_s, times.size)
        n_entities = len(names)
        self._require_status(run_id, ("running",), "append metrics")
        if times.size == 0 or n_entities == 0:
            return 0
        ticks_per_batch = max(1, _ROWS_PER_BATCH // n_entities)
        keys = ", ".join(METRICS_KEY_COLUMNS)
        value_names = ", ".join([*METRIC_VALUE_COLUMNS, *METRIC_TICK_COLUMNS])
        insert = (
            f"INSERT INTO metrics ({keys}, {value_names}) "
            f"SELECT $run_id, time_s, $level, name, zone, region, {value_names} FROM _cloudtwin_batch"
        )
        with self._transaction("append metrics") as connection:
            for first in range(0, times.size, ticks_per_batch):
                last = min(times.size, first + ticks_per_batch)
                batch = self._metric_batch(
                    names,
                    zones,
                    regions,
                    times[first:last],
                    {name: array[first:last] for name, array in values.items()},
                    None if intervals is None else intervals[first:last],
                )
                connection.register("_cloudtwin_batch", batch)
                try:
                    connection.execute(insert, {"run_id": run_id, "level": level})
                finally:
                    connection.unregister("_cloudtwin_batch")
        return int(times.size * n_entities)

    @staticmethod
    def _metric_batch(
        names: Sequence[str],
        zones: Sequence[str],
        regions: Sequence[str],
        times: np.ndarray,
        values: Mapping[str, np.ndarray],
        intervals: np.ndarray | None,
    ) -> pa.Table:
        """Ticks × entities as long-format arrow columns: tick-major, entity codes as dictionaries."""
        n_ticks, n_entities = times.size, len(names)
        entity = np.tile(np.arange(n_entities), n_ticks)
        arrays: dict[str, pa.Array] = {
            "time_s": pa.array(np.repeat(times, n_entities)),
            "name": string_dictionary("names", names, entity),
            "zone": string_dictionary("zones", zones, entity),
            "region": string_dictionary("regions", regions, entity),
        }
        for name, sql_type in METRIC_VALUE_COLUMNS.items():
            arrays[name] = arrow_column(name, values[name].reshape(-1), sql_type)
        n_rows = n_ticks * n_entities
        arrays["interval_s"] = (
            pa.nulls(n_rows, pa.float64()) if intervals is None else pa.array(np.repeat(intervals, n_entities))
        )
        return pa.table(arrays)

    def append_rows(self, table: str, run_id: int, columns: Mapping[str, np.ndarray | list]) -> int:
        """Bulk-append rows to one of `ROW_TABLES` (`failures`, `services`, `places`; columns: the table's,
        without run_id; None in a list column is NULL)."""
        if table not in ROW_TABLES:
            raise ResultsError(f"`table` must be one of {', '.join(ROW_TABLES)} (got {table!r})")
        batch = row_table(table, columns, ROW_TABLES[table])
        self._require_status(run_id, ("running",), f"append {table}")
        if batch.num_rows == 0:
            return 0
        names = ", ".join(ROW_TABLES[table])
        with self._transaction(f"append {table}") as connection:
            connection.register("_cloudtwin_batch", batch)
            try:
                connection.execute(
                    f"INSERT INTO {table} (run_id, {names}) SELECT $run_id, {names} FROM _cloudtwin_batch",
                    {"run_id": run_id},
                )
            finally:
                connection.unregister("_cloudtwin_batch")
        return batch.num_rows

    def finish_run(self, run_id: int, wall_s: float, events: int, summary: Mapping[str, Any]) -> None:
        """Mark a running run 'ok' with its wall time, event count and JSON summary."""
        try:
            summary_json = json.dumps(summary, default=_json_default)
        except (TypeError, ValueError) as error:
            raise ResultsError(f"run {run_id} summary cannot be stored as JSON: {one_line(str(error))}") from None
        self._require_status(run_id, ("running",), "finish the run")
        with self._transaction("finish the run") as connection:
            connection.execute(
                "UPDATE runs SET status = 'ok', wall_s = ?, events = ?, summary_json = ?, error = NULL,"
                " heartbeat = ? WHERE run_id = ?",
                [float(wall_s), int(events), summary_json, utc_now(), run_id],
            )

    def store_finished_run(self, run: FinishedRun, member: SweepMember | None = None) -> int:
        """Store a run that finished in another process, and its sweep membership, in one transaction (the
        whole run or nothing of it); its new run id (see `cloudtwin.results.importing`)."""
        with self._transaction("store a finished run") as connection:
            return insert_finished_run(connection, run, member, utc_now())

    def add_sweep(self, spec_hash: str, spec_yaml: str) -> int:
        """The id of the sweep identified by `spec_hash`, recorded with its spec if it is new."""
        with self._transaction("record the sweep") as connection:
            return find_or_add_sweep(connection, spec_hash, spec_yaml, utc_now())

    def add_plan(self, plan: PlanRecord) -> int:
        """Store a capacity plan (its row, builds and months) in one transaction; its plan id."""
        with self._transaction("store the plan") as connection:
            return insert_plan(connection, plan, utc_now())

    def sweep_members(self, sweep_id: int) -> list[dict[str, Any]]:
        """The finished runs of sweep `sweep_id`, by run id: point_json, replication, run_id."""
        if "sweep_runs" not in tables_at(self.schema_version):
            return []
        rows = self._query(
            "SELECT s.point_json, s.replication, s.run_id FROM sweep_runs s JOIN runs r USING (run_id)"
            " WHERE s.sweep_id = ? AND r.status = 'ok' ORDER BY s.run_id",
            [sweep_id],
        )
        return [{"point_json": p, "replication": int(r), "run_id": int(i)} for p, r, i in rows]

    def pick_sweep(self, sweep: int | str | None) -> int:
        """The sweep number `sweep` names: a stored sweep, or for None or 'latest' the newest (the highest number).
        A ResultsError (one line, naming what there is) otherwise."""
        ids: list[int] = []
        if "sweeps" in tables_at(self.schema_version):
            ids = [int(i) for (i,) in self._query("SELECT sweep_id FROM sweeps ORDER BY sweep_id")]
        there = "no sweep" if not ids else f"sweep {ids[0]}" if len(ids) == 1 else f"sweeps {ids[0]} to {ids[-1]}"
        number = number_or_latest(sweep, "sweep")
        if number is None:
            if not ids:
                raise ResultsError(f"`{self.path}` holds no sweep (`cloudtwin sweep SPEC --db FILE` makes one)")
            return ids[-1]
        if number not in ids:
            raise ResultsError(f"no sweep {number} in `{self.path}` (it holds {there})")
        return number

    def fail_run(self, run_id: int, status: str, error: str, wall_s: float) -> None:
        """Mark a running run 'failed' or 'interrupted' with the error text; its data stays."""
        if status not in ("failed", "interrupted"):
            raise ResultsError(f"`status` must be 'failed' or 'interrupted' (got {status!r})")
        self._require_status(run_id, ("running",), f"mark the run {status}")
        with self._transaction(f"mark the run {status}") as connection:
            connection.execute(
                "UPDATE runs SET status = ?, error = ?, wall_s = ? WHERE run_id = ?",
                [status, error, float(wall_s), run_id],
            )

    # ------------------------------------------------------------------ reading

    def _runs_select(self, names: Sequence[str]) -> str:
        """`runs` columns for a SELECT; a column the file's version lacks (read-only, not migrated) reads NULL."""
        return ", ".join(name if name in self._runs_columns else f"NULL AS {name}" for name in names)

    def _run_rows(self, names: Sequence[str], where: str = "", params: Sequence[object] = ()) -> list[dict[str, Any]]:
        """`runs` rows as dicts, oldest first, with the status a reader should see (a dead 'running' run reads
        'interrupted', see `cloudtwin.results.liveness`) and `started` and `heartbeat` as UTC datetimes."""
        rows = self._query(f"SELECT {self._runs_select(names)} FROM runs {where} ORDER BY run_id", params)
        return [self._with_utc(effective(dict(zip(names, row, strict=True)))) for row in rows]

    def run_status(self, run_id: int) -> str:
        """The status of run `run_id` (a dead 'running' run reads 'interrupted'), or ResultsError if none."""
        rows = self._run_rows(("run_id", *LIVENESS_COLUMNS), "WHERE run_id = ?", [run_id])
        if not rows:
            raise ResultsError(f"no run {run_id!r} in `{self.path}`")
        return str(rows[0]["status"])

    def pick_run(self, run: int | str | None, *, finished: bool = False) -> int:
        """The run number `run` names: a stored run (any status, or only 'ok' with `finished`), or for None or
        'latest' the newest 'ok' run. A ResultsError (one line, naming what there is) otherwise."""
        number = number_or_latest(run, "run")
        if number is None:
            runs = self._run_rows(("run_id", *LIVENESS_COLUMNS))
            done = [int(r["run_id"]) for r in runs if r["status"] == "ok"]
            if not done:
                raise ResultsError(f"`{self.path}` holds no finished run ({len(runs)} run(s) in all)")
            return done[-1]
        status = self.run_status(number)
        if finished and status != "ok":
            raise ResultsError(f"run {number} in `{self.path}` is '{status}': only a finished ('ok') run has results")
        return number

    def list_runs(self, *, summaries: bool = False) -> list[dict[str, Any]]:
        """Every run, oldest first, without its scenario text; with `summaries`, its parsed `summary` (or None)."""
        names = (*_LIST_COLUMNS, "summary_json") if summaries else _LIST_COLUMNS
        runs = self._run_rows(names)
        if summaries:
            for run in runs:
                text = run.pop("summary_json")
                run["summary"] = json.loads(text) if text is not None else None
        return runs

    def get_run(self, run_id: int) -> dict[str, Any]:
        """One run's row as a dict, plus `summary` (the parsed `summary_json`, or None)."""
        rows = self._run_rows(list(RUNS_COLUMNS), "WHERE run_id = ?", [run_id])
        if not rows:
            raise ResultsError(f"no run {run_id!r} in `{self.path}`")
        run = rows[0]
        run["summary"] = json.loads(run["summary_json"]) if run["summary_json"] is not None else None
        return run

    @staticmethod
    def _with_utc(run: dict[str, Any]) -> dict[str, Any]:
        for name in ("started", "heartbeat"):
            if isinstance(run.get(name), datetime):
                run[name] = run[name].replace(tzinfo=UTC)
        return run

    def metrics_frame(self, run_id: int, level: str | None = None) -> pa.Table:
        """A run's metrics (optionally one level) in the order appended: tick-major, entities as passed.

        DuckDB keeps insertion order for queries without ORDER BY (`preserve_insertion_order`,
        on by default and never changed here), so no sort is paid on 10^7 rows.
        """
        self.run_status(run_id)
        if level is not None and level not in METRIC_LEVELS:
            raise ResultsError(f"metrics `level` must be one of {', '.join(METRIC_LEVELS)} (got {level!r})")
        where = "run_id = $run_id" + ("" if level is None else " AND level = $level")
        params: dict[str, object] = {"run_id": run_id} | ({} if level is None else {"level": level})
        return self._arrow(f"SELECT * FROM metrics WHERE {where}", params)

    def rows_frame(self, table: str, run_id: int) -> pa.Table:
        """A run's rows of one of `ROW_TABLES`: ordered by time_s, or (`places`, no time) in the order appended."""
        if table not in ROW_TABLES:
            raise ResultsError(f"`table` must be one of {', '.join(ROW_TABLES)} (got {table!r})")
        self.run_status(run_id)
        if table not in tables_at(self.schema_version):  # an older file, read as it is: no such rows
            columns = TABLES[table]
            return pa.table({name: pa.array([], type=ARROW_TYPES[kind.split()[0]]) for name, kind in columns.items()})
        order = " ORDER BY time_s" if "time_s" in ROW_TABLES[table] else ""
        return self._arrow(f"SELECT * FROM {table} WHERE run_id = $run_id{order}", {"run_id": run_id})

    def export_parquet(self, run_id: int, folder: str | Path) -> dict[str, Path]:
        """Write the run's row and its metrics, failures and services as Parquet files in `folder`."""
        import pyarrow.parquet as parquet

        self.run_status(run_id)
        target = Path(folder)
        written: dict[str, Path] = {}
        try:
            target.mkdir(parents=True, exist_ok=True)
            for table in TABLES:
                frame = self._arrow(f"SELECT * FROM {table} WHERE run_id = $run_id", {"run_id": run_id})
                written[table] = target / f"run-{run_id}-{table}.parquet"
                parquet.write_table(frame, written[table])
        except OSError as error:
            if is_storage_failure(error):
                raise storage_error(target, f"export run {run_id}", error) from None
            raise ResultsError(f"cannot export run {run_id} to `{target}`: {one_line(str(error))}") from None
        return written
