"""The results database: every run appends to one DuckDB file (default `cloudtwin.duckdb`, CLI `--db PATH`).

Tables (schema version 6, see `cloudtwin.results.schema`; docs/results.md describes each column):

- `runs`: run_id (increasing), scenario_name, scenario_yaml (the resolved scenario), scenario_hash,
  seed, cloudtwin_version, started (TIMESTAMP, UTC), wall_s, events,
  status ('running' | 'ok' | 'failed' | 'interrupted'), error (text or NULL), summary_json (text),
  host, pid (the process that ran it) and heartbeat (TIMESTAMP, UTC: when it last stored a chunk); these three
  are new in version 3, NULL in older rows. A 'running' run of a process that is gone (killed) is marked
  'interrupted' by the next writable opening and read as such by a read-only one (`cloudtwin.results.liveness`).
- `metrics`, long format, one row per sample tick and zone or datacenter: run_id, time_s (simulated
  seconds), level ('zone' | 'datacenter'), name, zone, region, allocated_vcpus, allocated_memory_gib,
  capacity_vcpus, capacity_memory_gib, resident_vms, arrivals, refusals (the last two counted over the
  interval ending at time_s), interval_s (that interval's length; a run's last row covers the partial
  interval up to its horizon, so sums of counts over the table are the run's totals; NULL before version 2).
- `failures`: run_id, time_s, level, target, duration_s, vms_affected.
- `services`: run_id, time_s, service, healthy_replicas, healthy.
- `places`, one row per zone and per datacenter of a finished run, the engine's exact figures over the whole
  run: run_id, level ('zone' | 'datacenter'), name, zone, region, servers, arrivals, refused, departures,
  vms_placed, resident_vms_mean, allocated_vcpu_fraction (NULL where a level has no such figure: zones have
  no vms_placed; datacenters have only servers, vms_placed and allocated_vcpu_fraction). New in version 2.
- `sweeps`: sweep_id, spec_hash (sha256 of the expanded spec), spec_yaml, created (UTC); and `sweep_runs`, one
  row per finished run of a sweep: sweep_id, point_json (the axis point), replication, run_id. New in version 4;
  a sweep's run is stored whole, with its `sweep_runs` row, in one transaction (`store.store_finished_run`).
- `links`, `latency` (version 5): the network at each tick. `plans`, `plan_builds`, `plan_months` (version 6):
  capacity plans of `cloudtwin plan`, keyed by plan_id, not run_id (`ResultsStore.add_plan`).
- `schema_version`: one row, the version the file was written with (older files are migrated on a writable
  open; read-only, version 2 reads as it is). A file at another version, or missing a table or a column of its
  version, is refused as it opens, before anything is simulated.

API:

    with ResultsStore(path) as store:          # ResultsError: directory, missing folder, unwritable,
        run_id = store.start_run(name, yaml,   #   not a DuckDB file, unknown version, damaged layout;
                                 hash, seed, version)            # committed as 'running'
        with run_guard(store, run_id):         # exception -> 'failed', Ctrl-C -> 'interrupted', re-raised
            store.append_metrics(run_id, "zone", names, zones, regions,
                                 time_s,        # (n_ticks,)
                                 {"allocated_vcpus": a, ...},    # each (n_ticks, n_entities)
                                 interval_s)    # (n_ticks,), optional
            store.append_rows("failures", run_id, {"time_s": ..., "level": ..., ...})
            store.heartbeat(run_id)            # after each chunk: the run is alive
            store.finish_run(run_id, wall_s, events, summary)   # -> 'ok'
        store.fail_run(run_id, "failed" | "interrupted", error, wall_s)   # what run_guard calls

    store.list_runs(summaries=False) -> list[dict]; store.get_run(run_id) -> dict (with `summary` parsed)
    store.run_status(run_id) -> str
    store.metrics_frame(run_id, level=None) -> pyarrow.Table; store.rows_frame(table, run_id)
    store.export_parquet(run_id, folder) -> {table: path}
    store.connection -> the DuckDB connection, for ad-hoc SQL

Every write is one transaction: data committed by an earlier call is never lost by a later failure.
ResultsUnavailable (a ResultsError, exit code 1) when the machine refuses: the file locked by another
process, the disk full or the file over a size limit; the message is one line, a hint after " — ".
DuckDB admits one writing process per file; `ResultsStore(path, read_only=True)` reads without
migrating. Appends are bulk (arrow batches), never row by row.
"""

from cloudtwin.results.guard import run_guard
from cloudtwin.results.schema import (
    METRIC_LEVELS,
    METRIC_VALUE_COLUMNS,
    ROW_TABLES,
    RUN_STATUSES,
    SCHEMA_VERSION,
)
from cloudtwin.results.store import ResultsStore

__all__ = [
    "METRIC_LEVELS",
    "METRIC_VALUE_COLUMNS",
    "ROW_TABLES",
    "RUN_STATUSES",
    "SCHEMA_VERSION",
    "ResultsStore",
    "run_guard",
]
