"""A failed, interrupted or crashed run leaves the database readable, the run marked and its data kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from results_samples import ZONE_REGIONS, ZONES, sample_columns

import cloudtwin.results.store as store_module
from cloudtwin.errors import ResultsError
from cloudtwin.results import ResultsStore, run_guard


def start(store: ResultsStore) -> int:
    return store.start_run("erlang-single-zone", "name: x\n", "abc123", 7, "0.1.0")


def test_exception_marks_failed_and_keeps_metrics(db_path: Path) -> None:
    """An exception inside run_guard re-raises; reopened, the run is 'failed' with the error and its metrics."""
    with ResultsStore(db_path) as store:
        run_id = start(store)
        with pytest.raises(RuntimeError, match="boom"), run_guard(store, run_id):
            store.append_metrics(
                run_id, "zone", ZONES, ZONES, ZONE_REGIONS, np.array([60.0, 120.0]), sample_columns(2, 3)
            )
            raise RuntimeError("boom")
    with ResultsStore(db_path) as store:
        run = store.get_run(run_id)
        assert run["status"] == "failed"
        assert run["error"] == "RuntimeError: boom"
        assert run["wall_s"] >= 0.0
        assert store.metrics_frame(run_id).num_rows == 6


def test_keyboard_interrupt_marks_interrupted(db_path: Path) -> None:
    """Ctrl-C (KeyboardInterrupt) inside run_guard marks the run 'interrupted' and still propagates."""
    with ResultsStore(db_path) as store:
        run_id = start(store)
        with pytest.raises(KeyboardInterrupt), run_guard(store, run_id):
            raise KeyboardInterrupt
        assert store.get_run(run_id)["status"] == "interrupted"
        assert store.get_run(run_id)["error"] == "KeyboardInterrupt"


def test_error_after_finish_keeps_ok(db_path: Path) -> None:
    """A run already finished 'ok' is not re-marked by a later error in the same guard."""
    with ResultsStore(db_path) as store:
        run_id = start(store)
        with pytest.raises(ValueError), run_guard(store, run_id):
            store.finish_run(run_id, 0.5, 10, {"refused": 0})
            raise ValueError("report failed")
        assert store.run_status(run_id) == "ok"


def test_clean_exit_leaves_status_alone(db_path: Path) -> None:
    """A guard block that ends normally does not change the run's status."""
    with ResultsStore(db_path) as store:
        run_id = start(store)
        with run_guard(store, run_id):
            pass
        assert store.run_status(run_id) == "running"


def test_failing_append_is_atomic(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An append that fails in a later batch writes none of its rows and keeps earlier appends."""
    monkeypatch.setattr(store_module, "_ROWS_PER_BATCH", 3)  # one tick of three zones per batch
    with ResultsStore(db_path) as store:
        run_id = start(store)
        store.append_metrics(run_id, "zone", ZONES, ZONES, ZONE_REGIONS, np.array([60.0]), sample_columns(1, 3))
        bad = sample_columns(3, 3)
        bad["resident_vms"] = bad["resident_vms"].astype(np.float64)
        bad["resident_vms"][2, 1] = 0.5  # only the third batch cannot be stored
        with pytest.raises(ResultsError, match="resident_vms"):
            store.append_metrics(run_id, "zone", ZONES, ZONES, ZONE_REGIONS, np.array([120.0, 180.0, 240.0]), bad)
        assert store.metrics_frame(run_id)["time_s"].to_pylist() == [60.0] * 3


CRASHING_RUN = """
import os, sys
import numpy as np
from cloudtwin.results import METRIC_VALUE_COLUMNS, ResultsStore
store = ResultsStore(sys.argv[1])
run_id = store.start_run("crash", "name: crash\\n", "h", 1, "0.1.0")
store.append_metrics(run_id, "zone", ["z"], ["z"], ["r"], np.array([60.0, 120.0]),
                     {name: np.ones((2, 1), dtype=np.int64) for name in METRIC_VALUE_COLUMNS})
os._exit(3)  # die without closing the database or marking the run
"""


def test_hard_crash_keeps_committed_data(db_path: Path) -> None:
    """A process killed mid-run leaves a file that opens with its metrics intact; the next writable opening marks
    the dead run 'interrupted', naming its process (see test_liveness for the rules)."""
    completed = subprocess.run([sys.executable, "-c", CRASHING_RUN, str(db_path)], capture_output=True, timeout=60)
    assert completed.returncode == 3, completed.stderr.decode()
    with ResultsStore(db_path) as store:
        (run,) = store.list_runs()
        assert store.resolved_runs == [run["run_id"]]
        assert run["status"] == "interrupted" and "stopped without finishing (killed?)" in run["error"]
        assert store.metrics_frame(run["run_id"]).num_rows == 2


def test_unmarkable_run_keeps_the_original_error(db_path: Path) -> None:
    """If the mark cannot be written (store closed), the run's own exception still propagates, with a note."""
    store = ResultsStore(db_path)
    run_id = start(store)
    with pytest.raises(RuntimeError, match="engine blew up") as caught, run_guard(store, run_id):
        store.close()
        raise RuntimeError("engine blew up")
    assert any("could not mark run" in note for note in caught.value.__notes__)
