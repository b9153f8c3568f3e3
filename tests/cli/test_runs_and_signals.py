"""`cloudtwin runs`, and what a results file says after a run is stopped: SIGTERM, kill -9, a full disk.

The signal and disk tests run the real command line in a subprocess (`python -m cloudtwin.cli.main`); each
takes a few seconds once the engine's compiled code is cached (the first `run` of a session may compile it).
"""

from __future__ import annotations

import json
import os
import queue
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from cli_runner import run_cli
from cloudtwin.engine import Engine
from cloudtwin.results import SCHEMA_VERSION, ResultsStore

CLI = [sys.executable, "-m", "cloudtwin.cli.main"]
# The `small` preset for ten years: a minute or more of simulating, stopped after a few seconds.
LONG_RUN = ["run", "--preset", "small", "--set", "horizon.days=3650"]
SUMMARY = {
    "arrivals": 1_234_567,
    "refused_fraction": 0.0269,
    "vms_lost": 12,
    "services": [
        {"name": "web", "availability": 0.99995},
        {"name": "payments-api", "availability": 0.999871},
    ],
}


def _lines(err: str) -> list[str]:
    """stderr's non-blank lines (`run` ends its progress display with an empty line)."""
    return [line for line in err.splitlines() if line.strip()]


def _entries(capsys: pytest.CaptureFixture[str], db: Path) -> list[dict]:
    code, out, err = run_cli(capsys, "runs", "--db", str(db), "--json")
    assert code == 0, err
    return json.loads(out)


def _stored_runs(db: Path) -> Path:
    """A file with three runs written through the store: one finished with services, one failed, one killed."""
    with ResultsStore(db) as store:
        ok = store.start_run("erlang-single-zone", "name: x\n", "h", 1, "0.1.0")
        store.finish_run(ok, 12.25, 2_469_134, SUMMARY)
        failed = store.start_run("zone-failover", "name: y\n", "h", 1, "0.1.0")
        store.fail_run(failed, "failed", "RuntimeError: engine broke " + "and said a lot about it " * 10, 3.5)
        killed = store.start_run("aws-2014", "name: z\n", "h", 1, "0.1.0")
        store.connection.execute("UPDATE runs SET pid = 4242, host = 'batch-7' WHERE run_id = ?", [killed])
    return db


def test_runs_lists_every_run_as_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`runs --json`: one array, oldest first, with the contract's keys; a headline only for the finished run
    (its lowest service availability named), the error for the others; the killed run reads 'interrupted'."""
    db = _stored_runs(tmp_path / "runs.duckdb")
    ok, failed, killed = _entries(capsys, db)
    keys = {"run_id", "scenario", "status", "started", "wall_s", "events", "error", "host", "pid", "headline"}
    assert all(set(entry) == keys for entry in (ok, failed, killed))
    assert [e["run_id"] for e in (ok, failed, killed)] == [1, 2, 3]
    assert (ok["scenario"], ok["status"], ok["wall_s"], ok["events"], ok["error"]) == (
        "erlang-single-zone",
        "ok",
        12.25,
        2_469_134,
        None,
    )
    assert ok["started"].endswith("+00:00") and (ok["host"], ok["pid"]) == (socket.gethostname(), os.getpid())
    assert ok["headline"] == {
        "arrivals": 1_234_567,
        "refused_fraction": 0.0269,
        "vms_lost": 12,
        "lowest_availability": 0.999871,
        "lowest_availability_service": "payments-api",
    }
    assert failed["status"] == "failed" and failed["error"].startswith("RuntimeError: engine broke")
    assert failed["headline"] == {} and killed["headline"] == {}
    assert killed["status"] == "interrupted" and (killed["host"], killed["pid"]) == ("batch-7", 4242)
    assert killed["error"].startswith("process 4242 on host batch-7 stopped without finishing (killed?)")
    with duckdb.connect(str(db), read_only=True) as connection:  # the listing wrote nothing
        assert connection.execute("SELECT status FROM runs WHERE run_id = 3").fetchall() == [("running",)]


def test_runs_table_fits_80_columns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns every line fits, no cell is cut with "…", the names and headline figures are whole."""
    db = _stored_runs(tmp_path / "runs.duckdb")
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run_cli(capsys, "runs", "--db", str(db))
    assert code == 0, err
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert "…" not in out
    for text in ("erlang-single-zone", "zone-failover", "aws-2014", "interrupted", "failed", "started (UTC)"):
        assert text in out, out
    words = " ".join(out.split())  # the headline and the error may wrap onto a second line
    assert "1,234,567 arrivals, 2.69 % refused, 12 VMs lost, payments-api 99.9871 % available" in words, out
    assert "process 4242 on host batch-7 stopped without finishing (killed?); last heartbeat" in words, out


def test_runs_of_a_real_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """After `cloudtwin run`, `runs` shows it 'ok' with the figures `run --json` printed."""
    db = tmp_path / "runs.duckdb"
    code, out, err = run_cli(
        capsys, "run", "--preset", "small", "--set", "horizon.days=0.05", "--db", str(db), "--json"
    )
    assert code == 0, err
    printed = json.loads(out)
    (entry,) = _entries(capsys, db)
    assert (entry["status"], entry["events"], entry["scenario"]) == ("ok", printed["events"], "small")
    assert entry["headline"] == {
        "arrivals": printed["arrivals"],
        "refused_fraction": printed["refused_fraction"],
        "vms_lost": printed["vms_lost"],
    }


def test_runs_of_an_empty_or_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """No runs yet: says so (and `--json` prints []); no file: one line, exit code 2."""
    db = tmp_path / "empty.duckdb"
    ResultsStore(db).close()
    assert run_cli(capsys, "runs", "--db", str(db)) == (0, f"no runs in {db}\n", "")
    assert run_cli(capsys, "runs", "--db", str(db), "--json") == (0, "[]\n", "")
    code, out, err = run_cli(capsys, "runs", "--db", str(tmp_path / "absent.duckdb"))
    assert (code, out) == (2, "")
    assert err == f"error: results database `{tmp_path / 'absent.duckdb'}` does not exist\n"


@pytest.mark.parametrize("command", ["runs", "run"])
def test_schema_version_0_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    """A file at schema version 0: one line naming it and the versions read, exit code 2 (not an internal
    KeyError), for `runs` and for `run`."""
    db = tmp_path / "zero.duckdb"
    ResultsStore(db).close()
    with duckdb.connect(str(db)) as connection:
        connection.execute("UPDATE schema_version SET version = 0")
    argv = ["runs"] if command == "runs" else ["run", "--preset", "small", "--set", "horizon.days=0.01"]
    code, out, err = run_cli(capsys, *argv, "--db", str(db))
    assert (code, out) == (2, "")
    assert _lines(err) == [
        f"error: `{db}` has results schema version 0; this cloudtwin reads versions 1 to {SCHEMA_VERSION}"
        " — pass another --db"
    ]


def test_a_damaged_file_is_refused_before_simulating(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run --db` on a file whose `metrics` lacks a column: one line naming table and column, exit code 2,
    the engine never advanced and no run added."""
    db = tmp_path / "damaged.duckdb"
    ResultsStore(db).close()
    with duckdb.connect(str(db)) as connection:
        connection.execute("ALTER TABLE metrics DROP COLUMN resident_vms")

    def advance(self: Engine, *args: object) -> None:
        raise AssertionError("simulated before the results file was checked")

    monkeypatch.setattr(Engine, "advance", advance)
    code, out, err = run_cli(capsys, "run", "--preset", "small", "--set", "horizon.days=0.01", "--db", str(db))
    assert (code, out) == (2, "")
    (line,) = _lines(err)
    assert line.startswith(f"error: `{db}` is not a usable cloudtwin results database"), err
    assert "table `metrics` has no column `resident_vms`" in line, err
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM runs").fetchone() == (0,)


HOLD_OPEN = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"


def test_locked_file_is_one_line_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """While another process holds the file, `runs` exits 1 with one line naming the file and the holder's PID."""
    db = tmp_path / "runs.duckdb"
    ResultsStore(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        code, out, err = run_cli(capsys, "runs", "--db", str(db))
    finally:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
    assert (code, out) == (1, "")
    assert err.startswith(f"error: results database `{db}` is locked by another process (python") and err.endswith(
        f"PID {holder.pid}) — wait for it to finish or pass another --db\n"
    ), err


# --------------------------------------------------------------------------- the real command line, stopped


class LongRun:
    """`cloudtwin run` of ten simulated years in a subprocess, its stderr read line by line by a thread."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen(
            [*CLI, *LONG_RUN, "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def wait_until_simulating(self) -> None:
        """Return once the run is simulating, with several chunks stored (a cold numba cache compiles first)."""
        deadline = time.monotonic() + 90
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.finish(kill=True)
                pytest.fail("`cloudtwin run` did not start simulating within 90 s")
            if "placing the steady-state population" in line:
                break
        time.sleep(2.0)  # ~10 simulated days a chunk, well under a second each
        assert self.process.poll() is None, "the run ended before it was stopped: make LONG_RUN longer"

    def finish(self, kill: bool = False) -> str:
        """Wait for the process to end; what it wrote to stderr since `wait_until_simulating` returned."""
        if kill:
            self.process.kill()
        self.process.wait(timeout=60)
        self.reader.join(timeout=10)
        assert self.process.stderr is not None
        self.process.stderr.close()
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        return "".join(rest)


def _metrics_rows(db: Path, run_id: int) -> int:
    with ResultsStore(db, read_only=True) as store:
        return store.metrics_frame(run_id).num_rows


def test_sigterm_marks_the_run_interrupted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """SIGTERM: exit code 143, the last stderr line says the run was interrupted and where, no traceback; the
    run reads 'interrupted' and the metrics stored before the signal are readable."""
    db = tmp_path / "runs.duckdb"
    run = LongRun(db)
    run.wait_until_simulating()
    run.process.send_signal(signal.SIGTERM)
    err = run.finish()
    process = run.process
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        f"interrupted by SIGTERM: run 1 marked interrupted in `{db.resolve()}`, its results so far kept"
    )
    (entry,) = _entries(capsys, db)
    assert (entry["status"], entry["error"], entry["pid"]) == ("interrupted", "Interrupted: SIGTERM", process.pid)
    assert entry["wall_s"] > 0
    assert _metrics_rows(db, 1) > 0


def test_sigkill_reads_interrupted_naming_the_process(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """kill -9: nothing can mark the run, yet `runs` shows it 'interrupted' with the dead process's host and pid
    (computed, the file is opened read-only); the metrics stored before are readable."""
    db = tmp_path / "runs.duckdb"
    run = LongRun(db)
    run.wait_until_simulating()
    run.finish(kill=True)
    process = run.process
    assert process.returncode == -signal.SIGKILL
    (entry,) = _entries(capsys, db)
    assert (entry["status"], entry["host"], entry["pid"]) == ("interrupted", socket.gethostname(), process.pid)
    assert entry["error"].startswith(
        f"process {process.pid} on host {socket.gethostname()} stopped without finishing (killed?); last heartbeat "
    )
    code, out, _ = run_cli(capsys, "runs", "--db", str(db))
    assert code == 0 and "interrupted" in out and f"process {process.pid} on host" in out
    assert _metrics_rows(db, 1) > 0


FILE_SIZE_LIMIT = 1 << 18  # 256 KiB: the file from a first run is larger, a month of metrics outgrows the log


def _limit_file_size() -> None:
    """In the child before it runs: writes past FILE_SIZE_LIMIT fail with EFBIG (as root too) instead of SIGXFSZ."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def test_file_size_limit_during_a_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A run whose writes fail (file too large): exit code 1, one stderr line, no traceback; the run is marked
    'failed', the earlier run is intact and the file opens."""
    db = tmp_path / "runs.duckdb"
    code, _, err = run_cli(capsys, "run", "--preset", "small", "--set", "horizon.days=0.05", "--db", str(db))
    assert code == 0, err
    assert db.stat().st_size > FILE_SIZE_LIMIT  # opening needs no write past the limit; the run's log does
    argv = [*CLI, "run", "--preset", "small", "--set", "horizon.days=60", "--set", "horizon.start=empty"]
    child = subprocess.run(
        [*argv, "--db", str(db)], capture_output=True, text=True, timeout=120, preexec_fn=_limit_file_size
    )
    assert child.returncode == 1, child.stderr
    lines = _lines(child.stderr)
    assert len(lines) == 1, child.stderr
    table = lines[0].removeprefix("error: cannot append ").split(" ", 1)[0]
    assert table in ("metrics", "links"), child.stderr  # whichever table's append first crosses the limit
    assert lines[0] == (
        f"error: cannot append {table} in `{db.resolve()}`: file too large (a file size limit of this process or"
        " its file system) — raise the limit (`ulimit -f`) or pass another --db"
    ), child.stderr
    first, second = _entries(capsys, db)
    assert first["status"] == "ok" and first["headline"]["arrivals"] > 0
    assert second["status"] == "failed" and "file too large" in second["error"]
