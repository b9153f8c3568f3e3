"""The results database's tables, their column types, and how a file is brought to the current version.

One place names every column: the DDL, the arrow types used for bulk appends and the
checks on what callers pass are all derived from `TABLES`, so they cannot drift apart.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from cloudtwin.errors import ResultsError

SCHEMA_VERSION = 2  # 2: metrics.interval_s, the places table

RUN_STATUSES = ("running", "ok", "failed", "interrupted")
METRIC_LEVELS = ("zone", "datacenter")

# DuckDB column type -> the arrow type a bulk append is cast to before it is inserted.
ARROW_TYPES: dict[str, pa.DataType] = {
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
}

# table -> {column: DuckDB type}, in storage order. `run_id` leads every table but `runs`' own.
RUNS_COLUMNS: dict[str, str] = {
    "run_id": "BIGINT PRIMARY KEY",
    "scenario_name": "VARCHAR NOT NULL",
    "scenario_yaml": "VARCHAR NOT NULL",
    "scenario_hash": "VARCHAR NOT NULL",
    "seed": "BIGINT",
    "cloudtwin_version": "VARCHAR NOT NULL",
    "started": "TIMESTAMP NOT NULL",  # UTC, stored without zone
    "wall_s": "DOUBLE",
    "events": "BIGINT",
    "status": f"VARCHAR NOT NULL CHECK (status IN {RUN_STATUSES!r})",
    "error": "VARCHAR",
    "summary_json": "VARCHAR",
}

# Per-entity sample columns of `metrics`, after its key columns (run_id, time_s, level, name, zone, region).
METRIC_VALUE_COLUMNS: dict[str, str] = {
    "allocated_vcpus": "BIGINT",
    "allocated_memory_gib": "DOUBLE",
    "capacity_vcpus": "BIGINT",
    "capacity_memory_gib": "DOUBLE",
    "resident_vms": "BIGINT",
    "arrivals": "BIGINT",  # during the interval ending at time_s
    "refusals": "BIGINT",  # during the interval ending at time_s
}

# Per-tick columns of `metrics`, after the value columns (last, so a file migrated from version 1 has the same
# column order as a new one). NULL in rows written before version 2.
METRIC_TICK_COLUMNS: dict[str, str] = {
    "interval_s": "DOUBLE",  # the length of the interval ending at time_s that arrivals and refusals count over
}

METRICS_KEY_COLUMNS: dict[str, str] = {
    "run_id": "BIGINT",
    "time_s": "DOUBLE",
    "level": "VARCHAR",
    "name": "VARCHAR",
    "zone": "VARCHAR",
    "region": "VARCHAR",
}

# Row tables appended through `ResultsStore.append_rows` (columns after run_id).
ROW_TABLES: dict[str, dict[str, str]] = {
    "failures": {
        "time_s": "DOUBLE",
        "level": "VARCHAR",
        "target": "VARCHAR",
        "duration_s": "DOUBLE",
        "vms_affected": "BIGINT",
    },
    "services": {
        "time_s": "DOUBLE",
        "service": "VARCHAR",
        "healthy_replicas": "BIGINT",
        "healthy": "BOOLEAN",
    },
    # A run's figures per zone and per datacenter over the whole run, from the engine's counters (exact, unlike
    # sums over `metrics`), in world order: zones first, then datacenters. NULL where a level has no such figure.
    "places": {
        "level": "VARCHAR",  # 'zone' | 'datacenter'
        "name": "VARCHAR",  # the zone's or the datacenter's name
        "zone": "VARCHAR",
        "region": "VARCHAR",
        "servers": "BIGINT",
        "arrivals": "BIGINT",  # zone: requests that targeted it
        "refused": "BIGINT",  # zone: of those, refused
        "departures": "BIGINT",  # zone: VMs that left at the end of their lifetime
        "vms_placed": "BIGINT",  # datacenter: arrivals placed there
        "resident_vms_mean": "DOUBLE",  # zone: time-weighted mean (not tracked per datacenter)
        "allocated_vcpu_fraction": "DOUBLE",  # time-weighted mean of allocated / capacity vCPUs
    },
}

TABLES: dict[str, dict[str, str]] = {
    "runs": RUNS_COLUMNS,
    "metrics": {**METRICS_KEY_COLUMNS, **METRIC_VALUE_COLUMNS, **METRIC_TICK_COLUMNS},
    **{name: {"run_id": "BIGINT", **columns} for name, columns in ROW_TABLES.items()},
}


def _create_table(table: str) -> str:
    """DDL for one of `TABLES`, with its columns in storage order."""
    body = ",\n  ".join(f"{name} {sql_type}" for name, sql_type in TABLES[table].items())
    return f"CREATE TABLE {table} (\n  {body}\n)"


def _create_statements() -> list[str]:
    """DDL for a fresh database at SCHEMA_VERSION."""
    statements = ["CREATE SEQUENCE run_id_sequence START 1"]
    statements.extend(_create_table(table) for table in TABLES)
    statements.append("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    statements.append(f"INSERT INTO schema_version VALUES ({SCHEMA_VERSION})")
    return statements


# version -> statements that bring a database from that version to the next one.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "ALTER TABLE metrics ADD COLUMN interval_s DOUBLE",  # unknown (NULL) for the rows already there
        _create_table("places"),  # empty: runs stored before it have no rows there
    ],
}


def ensure_schema(connection: duckdb.DuckDBPyConnection, path: str, *, read_only: bool) -> None:
    """Create the tables in an empty database, migrate an older one, refuse a foreign or newer one."""
    existing = {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "schema_version" not in existing:
        clashing = sorted(existing & set(TABLES))
        if clashing:
            raise ResultsError(
                f"`{path}` is a DuckDB database but not a cloudtwin results database "
                f"(it has table(s) {', '.join(clashing)} but no `schema_version`)"
            )
        if read_only:
            raise ResultsError(f"`{path}` holds no cloudtwin results (opened read-only, nothing to read)")
        _run_in_transaction(connection, _create_statements())
        return
    row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
    version = row[0] if row else None
    if version is None or version > SCHEMA_VERSION:
        raise ResultsError(
            f"`{path}` has results schema version {version!r}; this cloudtwin reads up to {SCHEMA_VERSION}"
            "\n\nupgrade cloudtwin or pass another --db"
        )
    while version < SCHEMA_VERSION:
        if read_only:
            raise ResultsError(f"`{path}` has results schema version {version}; open it writable once to migrate")
        steps = MIGRATIONS[version] + [f"UPDATE schema_version SET version = {version + 1}"]
        _run_in_transaction(connection, steps)
        version += 1


def _run_in_transaction(connection: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """Run all statements or none of them."""
    connection.execute("BEGIN TRANSACTION")
    try:
        for statement in statements:
            connection.execute(statement)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
