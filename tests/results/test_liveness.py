"""Who runs a run: each run records its host, pid and a heartbeat; a 'running' run whose process is gone (kill -9)
reads 'interrupted' at once and is marked so by the next writable opening."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from cloudtwin.errors import ResultsError
from cloudtwin.results import ResultsStore
from cloudtwin.results.liveness import LOADED_AT


def start(store: ResultsStore) -> int:
    return store.start_run("s", "name: s\n", "h", 1, "0.1.0")


def raw_runs(path: Path) -> list[tuple]:
    """(run_id, status, error) as stored in the file, read past the store."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("SELECT run_id, status, error FROM runs ORDER BY run_id").fetchall()


def test_start_run_records_the_process_and_heartbeats(db_path: Path) -> None:
    """start_run stores host, pid and heartbeat = started (UTC); heartbeat() moves it on, finish_run too."""
    with ResultsStore(db_path) as store:
        run_id = start(store)
        run = store.get_run(run_id)
        assert (run["host"], run["pid"]) == (socket.gethostname(), os.getpid())
        assert run["heartbeat"] == run["started"] and run["started"].tzinfo is UTC
        store.heartbeat(run_id)
        beat = store.get_run(run_id)["heartbeat"]
        assert run["started"] <= beat <= datetime.now(UTC) + timedelta(seconds=1)
        store.finish_run(run_id, 1.0, 1, {})
        assert store.get_run(run_id)["heartbeat"] >= beat


def test_own_runs_stay_running(db_path: Path) -> None:
    """A run of this very process is left 'running' by a reopening: the process could still finish it."""
    with ResultsStore(db_path) as store:
        run_id = start(store)
    with ResultsStore(db_path) as store:
        assert store.resolved_runs == [] and store.run_status(run_id) == "running"
    with ResultsStore(db_path, read_only=True) as store:
        assert store.run_status(run_id) == "running"


KILLED_RUN = """
import os, sys
from cloudtwin.results import ResultsStore
store = ResultsStore(sys.argv[1])
run_id = store.start_run("killed", "name: killed\\n", "h", 1, "0.1.0")
store.heartbeat(run_id)
os._exit(9)  # as kill -9: no unwinding, no mark, the file not closed
"""


def test_a_killed_run_reads_interrupted_and_is_marked_on_the_next_writable_open(db_path: Path) -> None:
    """A run whose process died: read-only, it reads 'interrupted' naming the process and its last heartbeat,
    while the file is untouched; the next writable opening writes that status and text."""
    ResultsStore(db_path).close()
    child = subprocess.run([sys.executable, "-c", KILLED_RUN, str(db_path)], capture_output=True, timeout=60)
    assert child.returncode == 9, child.stderr.decode()
    with duckdb.connect(str(db_path), read_only=True) as connection:
        ((pid, host, started, beat),) = connection.execute("SELECT pid, host, started, heartbeat FROM runs").fetchall()
    assert pid != os.getpid() and host == socket.gethostname() and beat >= started
    expected = (
        f"process {pid} on host {host} stopped without finishing (killed?); last heartbeat {beat:%Y-%m-%d %H:%M:%S} UTC"
    )
    with ResultsStore(db_path, read_only=True) as store:
        (listed,) = store.list_runs()
        assert (listed["status"], listed["error"]) == ("interrupted", expected)
        assert store.get_run(1)["status"] == store.run_status(1) == "interrupted"
        assert listed["wall_s"] == pytest.approx((beat - started).total_seconds())
    assert raw_runs(db_path) == [(1, "running", None)]
    with ResultsStore(db_path) as store:
        assert store.resolved_runs == [1]
        with pytest.raises(ResultsError, match="'interrupted'"):
            store.fail_run(1, "failed", "too late", 0.0)
    assert raw_runs(db_path) == [(1, "interrupted", expected)]


@pytest.mark.parametrize(
    ("host", "pid", "started"),
    [
        ("another-host", "own", "now"),  # the same pid on another machine (a shared file system)
        ("own", "own", "before"),  # this pid, but started before this process loaded the store: a recycled pid
        ("own", None, "now"),  # no pid recorded
    ],
    ids=["other-host", "recycled-pid", "no-pid"],
)
def test_runs_no_live_process_can_own_are_resolved(db_path: Path, host: str, pid: str | None, started: str) -> None:
    """Another host's run, a run of a recycled pid and a run without a pid are all dead: marked 'interrupted'."""
    with ResultsStore(db_path) as store:
        own = start(store)
        dead = start(store)
        moment = LOADED_AT - timedelta(hours=1) if started == "before" else datetime.now(UTC).replace(tzinfo=None)
        store.connection.execute(
            "UPDATE runs SET host = ?, pid = ?, started = ?, heartbeat = ? WHERE run_id = ?",
            [
                socket.gethostname() if host == "own" else host,
                os.getpid() if pid == "own" else None,
                moment,
                moment,
                dead,
            ],
        )
    with ResultsStore(db_path, read_only=True) as store:
        assert [run["status"] for run in store.list_runs()] == ["running", "interrupted"]
    with ResultsStore(db_path) as store:
        assert store.resolved_runs == [dead] and store.run_status(own) == "running"
    assert [status for _id, status, _error in raw_runs(db_path)] == ["running", "interrupted"]
