"""The Python API: load a scenario, run it, read a stored run back, all as typed, frozen objects.

    import cloudtwin
    sc = cloudtwin.load("small", set={"horizon.days": 0.5})   # a preset name or a scenario file
    res = cloudtwin.run(sc)                                     # in memory; db="runs.duckdb" to keep it
    res.refused_fraction, res.zones, res.metrics                # typed fields; tables as pyarrow Tables
    res2 = cloudtwin.run(sc.with_({"placement.policy": "power-of-two"}))   # validated like --set
    cloudtwin.open("runs.duckdb")                               # the latest run stored there, as a RunResult

`import cloudtwin` reaches this module only when one of its names is used, and this module
imports the runner (numba) and the results store (duckdb) only inside `load`, `run` and `open`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cloudtwin.api.loading import load
from cloudtwin.api.results import DatacenterFigures, RunResult, ServiceFigures, ZoneFigures, result_of
from cloudtwin.api.studies import cost, plan, stored_cost, sweep, write_report
from cloudtwin.errors import ScenarioError
from cloudtwin.scenario import Scenario

if TYPE_CHECKING:
    from cloudtwin.economics import CostReport
    from cloudtwin.runner import RunOutcome

__all__ = [
    "CostReport",
    "DatacenterFigures",
    "RunResult",
    "ServiceFigures",
    "ZoneFigures",
    "cost",
    "load",
    "open",
    "plan",
    "run",
    "stored_cost",
    "sweep",
    "write_report",
]

#: A run's progress callback: (simulated seconds done, events so far), called after each chunk.
Progress = Callable[[float, int], None]

# --------------------------------------------------------------------------- run


def run(
    scenario: Scenario,
    db: str | Path | None = None,
    progress: Progress | None = None,
    *,
    status: Callable[[str], None] | None = None,
) -> RunResult:
    """Simulate `scenario` for its horizon; the result holds its figures and tables and outlives the run.

    `db`: a results database (DuckDB file) to append the run to; None keeps nothing (a temporary file,
    removed). `progress(simulated_s, events)` is called after each chunk, `status(message)` for status lines.
    The run's preflight (as `cloudtwin validate`) refuses, with a ScenarioError, a run that would fail or that
    this machine could not finish (memory, or longer than `CLOUDTWIN_MAX_RUN_HOURS` at its measured speed).
    """
    from cloudtwin.runner import simulate
    from cloudtwin.runner.preflight import preflight

    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"`scenario` must be a Scenario (from cloudtwin.load), not {type(scenario).__name__}")
    checked = preflight(scenario)  # what `cloudtwin validate` checks: refused here, before any database is touched
    if db is not None:
        outcome = simulate(scenario, db, progress=progress, status=status, checked=checked)
        return _read_back(Path(db), outcome.run_id, outcome, keep_path=True)
    with tempfile.TemporaryDirectory(prefix="cloudtwin-") as folder:
        path = Path(folder) / "run.duckdb"
        outcome = simulate(scenario, path, progress=progress, status=status, checked=checked)
        return _read_back(path, outcome.run_id, outcome, keep_path=False)


def _read_back(path: Path, run_id: int, outcome: RunOutcome, keep_path: bool) -> RunResult:
    """The run's result: its stored summary and tables, with the engine's exact zone and datacenter figures."""
    from cloudtwin.results import ResultsStore

    with ResultsStore(path, read_only=True) as store:
        return result_of(store, run_id, outcome, str(store.path) if keep_path else None)


# --------------------------------------------------------------------------- open


def open(path: str | Path, run_id: int | Literal["latest"] | None = None) -> RunResult:
    """A run stored in the results database at `path` (the latest finished one unless `run_id` is given).

    The same object `run` gave (equal in every compared field, `to_json()` included): the zone and datacenter
    figures are the engine's, as stored in the `places` table. Only a run stored without them (written before
    that table, in a file since migrated) has them rebuilt from its samples: means time-weighted over the
    sample ticks (the engine's are exact between events) and per-zone departures None.
    A run that did not finish is a ResultsError.
    """
    from cloudtwin.results import ResultsStore

    with ResultsStore(path, read_only=True) as store:
        return result_of(store, store.pick_run(run_id, finished=True), None, str(store.path))
