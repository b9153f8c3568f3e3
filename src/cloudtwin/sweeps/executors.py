"""Where a sweep's runs execute: local worker processes (the default) or a Ray cluster.

An executor only maps `run_task` over the runs and yields each result as it finishes. A worker runs its
scenario into a temporary database of its own (in memory, as `cloudtwin.run(scenario)` without `db`) and
returns what the parent stores: the run's row, summary and tables (pyarrow tables pickle as they are). Only
the parent writes to the results file. The result of a run depends on its scenario alone, so the same spec gives
identical runs under either executor.

Local processes are started with `spawn` (never `fork`: a forked child of a process that ran numba's threads
can deadlock); they ignore Ctrl-C, which the parent handles by stopping them: when the sweep stops early (Ctrl-C,
SIGTERM, an error) its workers are terminated at once, their runs in progress dropped (a run is stored whole or
not at all), and the process exits without waiting for them.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import socket
import tempfile
from collections.abc import Generator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from cloudtwin.errors import CloudtwinError
from cloudtwin.results import ResultsStore
from cloudtwin.results.importing import FinishedRun
from cloudtwin.runner import simulate
from cloudtwin.scenario import Scenario, scenario_hash, scenario_to_yaml

RAY_HINT = "pip install 'cloudtwin[ray]'"

#: One task: the run's index in the plan, and its scenario.
Task = tuple[int, Scenario]


@dataclass(frozen=True)
class RunOutput:
    """What a worker hands back for one run: its index in the task list and the run as the store takes it."""

    index: int
    run: FinishedRun = field(repr=False)


def run_task(index: int, scenario: Scenario) -> RunOutput:
    """Run `scenario` in a temporary database and return the run with its tables (what a worker executes)."""
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="cloudtwin-sweep-") as folder:
        outcome = simulate(scenario, Path(folder) / "run.duckdb")
        with ResultsStore(Path(folder) / "run.duckdb", read_only=True) as store:
            row = store.get_run(outcome.run_id)
            tables = {"metrics": store.metrics_frame(outcome.run_id)}
            tables |= {name: store.rows_frame(name, outcome.run_id) for name in ("failures", "services", "places")}
    return RunOutput(
        index,
        FinishedRun(
            scenario_name=scenario.name,
            scenario_yaml=scenario_to_yaml(scenario),
            scenario_hash=scenario_hash(scenario),
            seed=scenario.seed,
            version=str(row["cloudtwin_version"]),
            started=started,
            wall_s=float(row["wall_s"]),
            events=int(row["events"]),
            summary=row["summary"],
            tables=tables,
            host=socket.gethostname(),
            pid=os.getpid(),
        ),
    )


class Executor(Protocol):
    """Maps `run_task` over tasks, yielding each output as it finishes; stops its workers when closed early."""

    def map(self, tasks: Sequence[Task]) -> Generator[RunOutput, None, None]: ...


def _quiet_worker() -> None:
    """A worker leaves Ctrl-C to the parent (which stops it): no traceback per worker on the terminal."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessExecutor:
    """`jobs` local worker processes (default: one per core), started with `spawn`."""

    def __init__(self, jobs: int | None = None) -> None:
        if jobs is not None and jobs < 1:
            raise CloudtwinError(f"-j/--jobs: at least 1 worker process is needed (got {jobs})")
        self.jobs = jobs or os.cpu_count() or 1

    def map(self, tasks: Sequence[Task]) -> Generator[RunOutput, None, None]:
        if not tasks:
            return
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(min(self.jobs, len(tasks)), mp_context=context, initializer=_quiet_worker)
        finished = False
        try:
            pending: set[Future[RunOutput]] = {pool.submit(run_task, i, sc) for i, sc in tasks}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
            finished = True
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:  # an error, Ctrl-C, a signal or the caller stopped: stop the workers now, not after their runs
                # (taken before `shutdown`, which forgets them: else the interpreter's exit would wait for their runs)
                processes = list((getattr(pool, "_processes", None) or {}).values())
                pool.shutdown(wait=False, cancel_futures=True)
                for process in processes:
                    _terminate(process)


def _terminate(process: Any) -> None:
    """Stop one worker process (it holds no results file: nothing of it needs to be kept)."""
    try:
        process.terminate()
        process.join(5)
    except (OSError, ValueError, AssertionError):
        pass


class RayExecutor:
    """Runs each task as a Ray task on the cluster at `address` ("auto": the one this machine belongs to)."""

    def __init__(self, address: str) -> None:
        try:
            self.ray = importlib.import_module("ray")
        except ImportError:
            raise CloudtwinError(f"--ray needs Ray, which is not installed: {RAY_HINT}") from None
        self.address = address

    def map(self, tasks: Sequence[Task]) -> Generator[RunOutput, None, None]:
        if not tasks:
            return
        ray = self.ray
        if not ray.is_initialized():
            ray.init(address=self.address, log_to_driver=False)
        remote = ray.remote(run_task)
        pending = [remote.remote(i, sc) for i, sc in tasks]
        finished = False
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:
                    yield ray.get(ref)
            finished = True
        finally:
            if not finished:
                for ref in pending:
                    try:
                        ray.cancel(ref, force=True)
                    except Exception:  # noqa: BLE001 (best effort: the task may have finished meanwhile)
                        pass


def executor_for(jobs: int | None, ray: str | None) -> Executor:
    """The Ray executor when `ray` names a cluster ("auto" or an address), else local processes."""
    if ray is not None:
        return RayExecutor(ray)
    return ProcessExecutor(jobs)
