"""Storing a capacity plan: its `plans` row and its `plan_builds` and `plan_months` rows, in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from cloudtwin.errors import ResultsError
from cloudtwin.results.schema import ARROW_TYPES, PLAN_TABLES


@dataclass(frozen=True)
class PlanRecord:
    """What a plan's `plans` row holds, and its rows of `plan_builds` and `plan_months` (columns as in the schema,
    without `plan_id`, each a list or array of equal length)."""

    scenario_name: str
    scenario_yaml: str
    scenario_hash: str
    version: str
    years: int
    plan_json: str
    builds: Mapping[str, object]
    months: Mapping[str, object]


def insert_plan(connection: duckdb.DuckDBPyConnection, plan: PlanRecord, created: datetime) -> int:
    """Write `plan` through `connection`, inside the caller's transaction; its plan id (the highest so far + 1)."""
    row = connection.execute("SELECT coalesce(max(plan_id), 0) + 1 FROM plans").fetchone()
    assert row is not None  # an aggregate always returns one row
    plan_id = int(row[0])
    connection.execute(
        "INSERT INTO plans (plan_id, scenario_name, scenario_yaml, scenario_hash, cloudtwin_version, created, years,"
        " plan_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            plan_id,
            plan.scenario_name,
            plan.scenario_yaml,
            plan.scenario_hash,
            plan.version,
            created.replace(tzinfo=None),
            plan.years,
            plan.plan_json,
        ],
    )
    for table, columns in (("plan_builds", plan.builds), ("plan_months", plan.months)):
        _insert(connection, table, plan_id, columns)
    return plan_id


def _insert(connection: duckdb.DuckDBPyConnection, table: str, plan_id: int, columns: Mapping[str, object]) -> None:
    """Bulk-insert one plan's rows of `table` (an arrow table cast to the schema's types, never row by row)."""
    names = [name for name in PLAN_TABLES[table] if name != "plan_id"]
    missing = [name for name in names if name not in columns]
    if missing:
        raise ResultsError(f"cannot store the plan's `{table}` rows: column(s) {', '.join(missing)} missing")
    frame = pa.table({name: pa.array(columns[name], type=ARROW_TYPES[PLAN_TABLES[table][name]]) for name in names})
    if frame.num_rows == 0:
        return
    connection.register("_cloudtwin_plan", frame)
    try:
        listed = ", ".join(names)
        connection.execute(
            f"INSERT INTO {table} (plan_id, {listed}) SELECT $plan_id, {listed} FROM _cloudtwin_plan",
            {"plan_id": plan_id},
        )
    finally:
        connection.unregister("_cloudtwin_plan")
