"""The results database's tables, their column types, and how a file is brought to the current version.

One place names every column: the DDL, the arrow types used for bulk appends and the
checks on what callers pass are all derived from `TABLES`, so they cannot drift apart.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from cloudtwin.errors import ResultsError

SCHEMA_VERSION = 6  # 2: metrics.interval_s, the places table; 3: runs.host, runs.pid, runs.heartbeat;
# 4: the sweeps and sweep_runs tables; 5: the links and latency tables; 6: plans, plan_builds, plan_months
#: The oldest version this build migrates; a file at an older one (or 0, or none) is refused.
OLDEST_VERSION = 1
#: The oldest version a read-only open reads as it is (its missing columns read NULL); older files need migrating.
OLDEST_READ_AS_IS = 2

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
    # Who runs it (new in version 3, NULL in older rows): a 'running' row of another process is a dead run.
    "host": "VARCHAR",  # socket.gethostname() of the process that started the run
    "pid": "BIGINT",  # its process id
    "heartbeat": "TIMESTAMP",  # UTC, like `started`: when the run last stored a chunk
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
    # The network at each metric tick (new in version 5): every link's offered and carried traffic and capacity.
    "links": {
        "time_s": "DOUBLE",
        "link": "VARCHAR",  # `DC:in`, `DC:out`, `ZONE<->ZONE`, `fiber:REGION--REGION`
        "offered_gbps": "DOUBLE",  # what the flows routed over it asked for
        "carried_gbps": "DOUBLE",  # what they got (max-min fair)
        "capacity_gbps": "DOUBLE",  # 0 while a fiber path is cut
    },
    # Request latency of each service with `traffic` at each metric tick (new in version 5).
    "latency": {
        "time_s": "DOUBLE",
        "service": "VARCHAR",
        "path": "VARCHAR",  # `all`, `from REGION` (its clients), `reads`, `writes` (with the quorum wait)
        "p50_ms": "DOUBLE",
        "p99_ms": "DOUBLE",
        "p999_ms": "DOUBLE",
    },
}

# Sweeps (new in version 4): a sweep's spec, identified by the hash of its expanded runs, and the runs it holds.
SWEEP_TABLES: dict[str, dict[str, str]] = {
    "sweeps": {
        "sweep_id": "BIGINT",  # increasing, from 1
        "spec_hash": "VARCHAR",  # sha256 (hex) of the expanded spec: the same spec is the same sweep
        "spec_yaml": "VARCHAR",  # the spec as given
        "created": "TIMESTAMP",  # UTC
    },
    "sweep_runs": {  # one row per finished run of a sweep, written in the run's own transaction
        "sweep_id": "BIGINT",
        "point_json": "VARCHAR",  # the axis point, canonical JSON (sorted keys)
        "replication": "BIGINT",  # 0, 1, ...
        "run_id": "BIGINT",
    },
}

# Capacity plans (new in version 6): a plan of `cloudtwin plan`, its builds and its regions month by month.
PLAN_TABLES: dict[str, dict[str, str]] = {
    "plans": {
        "plan_id": "BIGINT",  # increasing, from 1
        "scenario_name": "VARCHAR",
        "scenario_yaml": "VARCHAR",  # the resolved scenario, `planning:` and `growth:` included
        "scenario_hash": "VARCHAR",
        "cloudtwin_version": "VARCHAR",
        "created": "TIMESTAMP",  # UTC
        "years": "BIGINT",
        "plan_json": "VARCHAR",  # the object `cloudtwin plan --json` prints
    },
    "plan_builds": {  # one row per datacenter ordered (or in flight) in the plan
        "plan_id": "BIGINT",
        "ordered_month": "BIGINT",  # negative: in flight before the plan's month 0
        "month": "BIGINT",  # the first month it serves (0-based; past the plan's end for a late order)
        "region": "VARCHAR",
        "zone": "VARCHAR",
        "datacenter": "VARCHAR",
        "servers": "BIGINT",
        "server_vcpus": "BIGINT",  # vCPUs of each of its servers
    },
    "plan_months": {  # one row per region and month of the plan
        "plan_id": "BIGINT",
        "month": "BIGINT",
        "region": "VARCHAR",
        "demand_vcpus": "DOUBLE",  # the month's peak
        "demand_mean_vcpus": "DOUBLE",
        "capacity_vcpus": "BIGINT",
        "capacity_without_largest_zone_vcpus": "BIGINT",
        "n_plus_1_kept": "BOOLEAN",
    },
}

TABLES: dict[str, dict[str, str]] = {
    "runs": RUNS_COLUMNS,
    "metrics": {**METRICS_KEY_COLUMNS, **METRIC_VALUE_COLUMNS, **METRIC_TICK_COLUMNS},
    **{name: {"run_id": "BIGINT", **columns} for name, columns in ROW_TABLES.items()},
}

#: Every table of the file: a run's tables (`TABLES`, what `export` writes for a run), then the sweeps' and plans'.
LAYOUT: dict[str, dict[str, str]] = {**TABLES, **SWEEP_TABLES, **PLAN_TABLES}


def _create_table(table: str) -> str:
    """DDL for one of `LAYOUT`, with its columns in storage order."""
    body = ",\n  ".join(f"{name} {sql_type}" for name, sql_type in LAYOUT[table].items())
    return f"CREATE TABLE {table} (\n  {body}\n)"


def _create_statements() -> list[str]:
    """DDL for a fresh database at SCHEMA_VERSION."""
    statements = ["CREATE SEQUENCE run_id_sequence START 1"]
    statements.extend(_create_table(table) for table in LAYOUT)
    statements.append("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    statements.append(f"INSERT INTO schema_version VALUES ({SCHEMA_VERSION})")
    return statements


# version -> statements that bring a database from that version to the next one.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "ALTER TABLE metrics ADD COLUMN interval_s DOUBLE",  # unknown (NULL) for the rows already there
        _create_table("places"),  # empty: runs stored before it have no rows there
    ],
    2: [  # unknown (NULL) for the runs already there: no process can still be running them (see liveness)
        "ALTER TABLE runs ADD COLUMN host VARCHAR",
        "ALTER TABLE runs ADD COLUMN pid BIGINT",
        "ALTER TABLE runs ADD COLUMN heartbeat TIMESTAMP",
    ],
    3: [_create_table(table) for table in SWEEP_TABLES],  # empty: no run stored before them is part of a sweep
    4: [_create_table("links"), _create_table("latency")],  # empty: runs stored before them had no network
    5: [_create_table(table) for table in PLAN_TABLES],  # empty: no plan was stored before them
}

# version -> the columns each table gained in it (a whole table when all its columns are listed).
ADDED_IN: dict[int, dict[str, tuple[str, ...]]] = {
    2: {"metrics": ("interval_s",), "places": tuple(TABLES["places"])},
    3: {"runs": ("host", "pid", "heartbeat")},
    4: {table: tuple(columns) for table, columns in SWEEP_TABLES.items()},
    5: {table: tuple(TABLES[table]) for table in ("links", "latency")},
    6: {table: tuple(columns) for table, columns in PLAN_TABLES.items()},
}

_HINT = " — pass another --db"


def tables_at(version: int) -> dict[str, dict[str, str]]:
    """`LAYOUT` as a file of schema `version` holds it: without the columns and tables added after it."""
    layout = {table: dict(columns) for table, columns in LAYOUT.items()}
    for added_in, added in ADDED_IN.items():
        if added_in > version:
            for table, columns in added.items():
                for column in columns:
                    layout[table].pop(column, None)
    return {table: columns for table, columns in layout.items() if columns}


def ensure_schema(connection: duckdb.DuckDBPyConnection, path: str, *, read_only: bool) -> int:
    """Create the tables in an empty database, migrate an older one, refuse a foreign, newer or damaged one.

    Returns the file's schema version after this (older than `SCHEMA_VERSION` only when opened read-only).
    """
    existing = {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "schema_version" not in existing:
        clashing = sorted(existing & set(LAYOUT))
        if clashing:
            raise ResultsError(
                f"`{path}` is a DuckDB database but not a cloudtwin results database "
                f"(it has table(s) {', '.join(clashing)} but no `schema_version`){_HINT}"
            )
        if read_only:
            raise ResultsError(f"`{path}` holds no cloudtwin results (opened read-only, nothing to read)")
        _run_in_transaction(connection, _create_statements())
        return SCHEMA_VERSION
    version = read_version(connection, path)
    if read_only and version < OLDEST_READ_AS_IS:
        raise ResultsError(f"`{path}` has results schema version {version}; open it writable once to migrate")
    if not read_only:
        check_layout(connection, path, version)  # a damaged file is refused before it is altered
        while version < SCHEMA_VERSION:
            steps = MIGRATIONS[version] + [f"UPDATE schema_version SET version = {version + 1}"]
            _run_in_transaction(connection, steps)
            version += 1
    check_layout(connection, path, version)
    sequences = connection.execute("SELECT sequence_name FROM duckdb_sequences()").fetchall()
    if not read_only and ("run_id_sequence",) not in sequences:
        raise ResultsError(f"`{path}` is not a usable cloudtwin results database: `run_id_sequence` is missing{_HINT}")
    return version


def read_version(connection: duckdb.DuckDBPyConnection, path: str) -> int:
    """The file's schema version, or ResultsError (one line) if it is missing, not an integer or not one we read."""
    readable = f"this cloudtwin reads versions {OLDEST_VERSION} to {SCHEMA_VERSION}"
    try:
        values = {row[0] for row in connection.execute("SELECT DISTINCT version FROM schema_version").fetchall()}
    except duckdb.Error:
        raise ResultsError(f"`{path}` has a `schema_version` table without a `version` column{_HINT}") from None
    if not values:
        raise ResultsError(f"`{path}` has no results schema version (`schema_version` is empty); {readable}{_HINT}")
    if len(values) > 1:
        found = ", ".join(sorted(map(_shown, values)))
        raise ResultsError(f"`{path}` has several results schema versions ({found}); {readable}{_HINT}")
    (version,) = values
    if not isinstance(version, int) or isinstance(version, bool) or version < OLDEST_VERSION:
        raise ResultsError(f"`{path}` has results schema version {_shown(version)}; {readable}{_HINT}")
    if version > SCHEMA_VERSION:
        raise ResultsError(
            f"`{path}` has results schema version {version}, newer than this cloudtwin reads "
            f"({OLDEST_VERSION} to {SCHEMA_VERSION}) — upgrade cloudtwin or pass another --db"
        )
    return version


def _shown(value: object) -> str:
    """A schema_version value as a message shows it: NULL, a number, or a quoted text."""
    if value is None:
        return "NULL"
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else repr(value)


def check_layout(connection: duckdb.DuckDBPyConnection, path: str, version: int) -> None:
    """Refuse a file whose tables lack a column of schema `version`, or hold one of another type (one line).

    Checked when the store opens, so a damaged file fails before a run spends hours simulating.
    Extra columns are allowed: nothing cloudtwin writes or reads names them.
    """
    rows = connection.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns()"
        " WHERE database_name = current_database() AND schema_name = current_schema()"
    ).fetchall()
    found: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        found.setdefault(table, {})[column] = data_type
    problems = []
    for table, columns in tables_at(version).items():
        if table not in found:
            problems.append(f"table `{table}` is missing")
            continue
        for column, sql_type in columns.items():
            expected = sql_type.split()[0]
            if column not in found[table]:
                problems.append(f"table `{table}` has no column `{column}`")
            elif found[table][column] != expected:
                problems.append(f"column `{table}.{column}` is {found[table][column]}, not {expected}")
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise ResultsError(
            f"`{path}` is not a usable cloudtwin results database (schema version {version}): {shown}{_HINT}"
        )


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
