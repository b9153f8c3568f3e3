"""Which 'running' runs are really running: a run killed with `kill -9` (or a power cut) never marks itself.

DuckDB lets one process at a time open a file for writing, and refuses readers while it does. So a store
that opened a file at all holds its lock: every writer that started a run still marked 'running' in it has
closed the file or died. A run of another process (another pid or another host) can therefore never be
continued: it stopped without finishing. A row without a pid (written before schema version 3) is such a run
too, and so is a row of this process's pid that started before this module was loaded (an earlier process
that had the same pid, as happens in containers). Only this process's own runs are left 'running'.

A writable store rewrites such rows as 'interrupted' when it opens (`resolve_stale_runs`); a read-only one
writes nothing and reports them as 'interrupted' (`effective`), so a listing shows the truth either way.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import duckdb

#: When this process loaded the store (UTC, naive like the `runs` table): its own runs started after this.
LOADED_AT = datetime.now(UTC).replace(tzinfo=None)

#: The `runs` columns `effective` needs.
LIVENESS_COLUMNS = ("status", "error", "wall_s", "started", "host", "pid", "heartbeat")


def utc_now() -> datetime:
    """Now in UTC, without a zone, as `runs.started` and `runs.heartbeat` store it."""
    return datetime.now(UTC).replace(tzinfo=None)


def this_process() -> tuple[str, int]:
    """(host name, process id) recorded with each run this process starts."""
    return socket.gethostname(), os.getpid()


def is_stale(run: Mapping[str, Any]) -> bool:
    """A 'running' run that no live process can finish: another process's, or one of unknown origin."""
    if run["status"] != "running":
        return False
    host, pid = this_process()
    if run.get("pid") is None or run.get("host") is None:
        return True
    started = run.get("started")
    if isinstance(started, datetime) and started.replace(tzinfo=None) < LOADED_AT:
        return True  # this pid's run from before this process existed
    return int(run["pid"]) != pid or str(run["host"]) != host


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def stale_error(run: Mapping[str, Any]) -> str:
    """Why a stale run is 'interrupted', naming its process and when it was last heard of."""
    if run.get("pid") is None:
        who = "its process (not recorded by the cloudtwin that started it)"
    else:
        who = f"process {run['pid']} on host {run.get('host')}"
    heartbeat, started = run.get("heartbeat"), run.get("started")
    last = f"last heartbeat {_stamp(heartbeat)}" if heartbeat else f"started {_stamp(started)}" if started else ""
    return f"{who} stopped without finishing (killed?)" + (f"; {last}" if last else "")


def stale_wall_s(run: Mapping[str, Any]) -> float | None:
    """A stale run's wall time as far as known: from its start to its last heartbeat."""
    heartbeat, started = run.get("heartbeat"), run.get("started")
    if run.get("wall_s") is not None or heartbeat is None or started is None:
        return run.get("wall_s")
    return max(0.0, (heartbeat - started).total_seconds())


def effective(run: dict[str, Any]) -> dict[str, Any]:
    """`run` (a `runs` row as a dict) with the status a reader should see: a stale run as 'interrupted'."""
    if is_stale(run):
        run.update(status="interrupted", error=stale_error(run), wall_s=stale_wall_s(run))
    return run


def resolve_stale_runs(connection: duckdb.DuckDBPyConnection) -> list[int]:
    """Mark every stale 'running' run 'interrupted' with `stale_error` as its error (one transaction);
    returns their ids. Called by a writable store as it opens, while it holds the file's lock."""
    names = ("run_id", *LIVENESS_COLUMNS)
    rows = connection.execute(f"SELECT {', '.join(names)} FROM runs WHERE status = 'running'").fetchall()
    stale = [run for run in (dict(zip(names, row, strict=True)) for row in rows) if is_stale(run)]
    if not stale:
        return []
    connection.execute("BEGIN TRANSACTION")
    try:
        for run in stale:
            connection.execute(
                "UPDATE runs SET status = 'interrupted', error = ?, wall_s = ? WHERE run_id = ?",
                [stale_error(run), stale_wall_s(run), run["run_id"]],
            )
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return [int(run["run_id"]) for run in stale]
