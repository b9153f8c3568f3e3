"""A sweep stopped by Ctrl-C or SIGTERM: its workers stop with it, the runs stored are kept, the file stays readable,
and the same command run again finishes the rest, with the result of a sweep never stopped.

Each test runs the real command line in a subprocess of its own session (so its process group is the sweep and
its workers) and signals it once its first run is stored. While the sweep runs it holds the results file open for
writing, which DuckDB lets no other process read, so the tests learn that a run was stored from the sweep's
progress lines on stderr ("run 1/6 stored: ...").
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import cloudtwin
from cloudtwin.results import ResultsStore
from cloudtwin.sweeps import run_sweep
from cloudtwin.sweeps.executors import ProcessExecutor
from summaries import stable

CLI = [sys.executable, "-m", "cloudtwin.cli.main"]
#: 2 points x 3 replications of 40 simulated days of `small`: about a second a run, a few seconds in all at -j 2.
SPEC: dict[str, Any] = {
    "base": "small",
    "set": {"horizon.days": 40},
    "axes": {"placement.policy": ["first-fit", "best-fit"]},
    "replications": 3,
    "seed": 11,
}
RUNS = 6


def _stored(db: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """(point_json, replication) -> the stable part of each stored run's summary; every run 'ok', none twice."""
    with ResultsStore(db, read_only=True) as store:
        assert {run["status"] for run in store.list_runs()} <= {"ok"}
        members = store.sweep_members(1)
        keys = [(m["point_json"], m["replication"]) for m in members]
        assert len(keys) == len(set(keys)), "a run stored twice"
        summaries = [store.get_run(m["run_id"])["summary"] for m in members]
    return {key: stable(summary) for key, summary in zip(keys, summaries, strict=True)}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], dict[str, Any]]:
    """The runs of the same sweep never stopped."""
    db = tmp_path_factory.mktemp("clean") / "clean.duckdb"
    run_sweep(SPEC, db, jobs=2)
    return _stored(db)


def _group_members(group: int) -> list[int]:
    """Live (not zombie) processes of process group `group`."""
    if not Path("/proc/self/stat").exists():  # no /proc: any process of the group, zombies included
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return []
        return [group]
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) ": state, ppid, pgrp, ...
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry.name))
    return members


class Sweep:
    """`cloudtwin sweep` in a subprocess and session of its own, its stderr read line by line by a thread."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.err: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, prefix: str, seconds: float = 120.0) -> None:
        """Return once stderr has a line starting with `prefix`; fail if the sweep ends or takes too long."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                pytest.fail(f"no `{prefix}` line within {seconds:.0f} s: {''.join(self.err)}")
            if line is None:
                pytest.fail(f"the sweep ended (exit {self.process.wait()}) before `{prefix}`: {''.join(self.err)}")
            self.err.append(line)
            if line.startswith(prefix):
                return

    def finish(self, seconds: float = 60.0) -> str:
        """Wait for the sweep to exit (killing its group if it does not); all it wrote to stderr."""
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"the sweep did not exit within {seconds:.0f} s of the signal")
        self.reader.join(timeout=10)
        while not self.lines.empty():
            line = self.lines.get()
            if line is not None:
                self.err.append(line)
        assert self.process.stderr is not None
        self.process.stderr.close()
        return "".join(self.err)

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)


@pytest.mark.parametrize(
    ("signal_number", "whole_group"),
    [
        pytest.param(signal.SIGINT, True, id="ctrl-c"),  # a terminal's Ctrl-C reaches the sweep and its workers
        pytest.param(signal.SIGTERM, False, id="sigterm"),  # `kill PID`: the sweep alone
        pytest.param(signal.SIGTERM, True, id="sigterm-group"),  # a service manager's stop: the workers die too
    ],
)
def test_stopped_sweep_resumes(
    clean: dict[tuple[str, int], dict[str, Any]], tmp_path: Path, signal_number: int, whole_group: bool
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")  # JSON is YAML
    db = tmp_path / "stopped.duckdb"
    command = [*CLI, "sweep", str(spec), "-j", "2", "--db", str(db)]
    sweep = Sweep(command)
    sweep.wait_for(f"run 1/{RUNS} stored")
    if whole_group:
        os.killpg(sweep.process.pid, signal_number)
    else:
        sweep.process.send_signal(signal_number)
    err = sweep.finish()
    assert sweep.process.returncode == 128 + signal_number, err
    assert "Traceback" not in err and "error" not in err, err
    name = signal.Signals(signal_number).name
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted" if signal_number == signal.SIGINT else f"interrupted by {name}"), err
    assert f"of {RUNS} runs stored in `{db.resolve()}`" in last and "run the same command again" in last, err

    deadline = time.monotonic() + 10  # the workers are stopped before the sweep exits; allow for the kernel
    while (left := _group_members(sweep.process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == [], f"processes of the sweep's group still running: {left}"

    kept = _stored(db)  # the file opens and reads; each run kept is whole and as the clean sweep's
    assert 1 <= len(kept) < RUNS
    assert all(clean[key] == summary for key, summary in kept.items())

    done = subprocess.run(command + ["--json"], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert f"{RUNS} runs, {len(kept)} already stored" in done.stderr
    assert len(json.loads(done.stdout)["runs"]) == RUNS
    assert _stored(db) == clean


def test_closing_the_process_executor_stops_its_workers_at_once() -> None:
    """Stopped early (as by a signal), the local executor terminates its workers: none is left finishing its run
    (`ProcessPoolExecutor.shutdown` forgets its processes, and the interpreter's exit would wait for them)."""
    short = cloudtwin.load("small", set={"horizon.days": 0.05})
    long = cloudtwin.load("small", set={"horizon.days": 3650})  # about a minute, were it let run
    outputs = ProcessExecutor(2).map([(0, short), (1, long), (2, long)])
    try:
        assert next(outputs).index == 0
        assert len(multiprocessing.active_children()) == 2  # one worker idle, one in a long run
    finally:
        outputs.close()
    assert multiprocessing.active_children() == []
