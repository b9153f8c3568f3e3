"""Driving a sweep: expand the spec, skip the runs already stored, map the rest over an executor, store each run
as it finishes, then summarize every axis point over its replications.

Each finished run is committed at once, whole: its `runs` row, its tables and its `sweep_runs` row in one
transaction, so a sweep stopped at any moment (Ctrl-C, SIGTERM, kill -9) leaves only whole runs. The sweep is
identified by the hash of its expanded spec; running the same spec again against the same database finds the
runs already there and runs only the others, so nothing is lost or run twice.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cloudtwin.analysis.stats import mean_ci
from cloudtwin.results import ResultsStore
from cloudtwin.results.importing import SweepMember
from cloudtwin.sweeps.executors import executor_for
from cloudtwin.sweeps.plan import PlannedRun, expand, point_json, scenario_for, spec_hash
from cloudtwin.sweeps.spec import LoadedSpec, load_spec

#: Confidence of the intervals over replications.
CONFIDENCE = 0.95
#: The headline metrics, in the order shown; then `availability.<service>` for each service.
HEADLINE = ("refused_fraction", "allocated_vcpu_fraction", "vms_lost")

#: Called as each run is stored: (runs done, runs in all, the run, its run id); first with (done before, total).
SweepProgress = Callable[[int, int, PlannedRun | None, int | None], None]


@dataclass(frozen=True)
class SweepOutcome:
    """A sweep's runs and the mean and confidence interval of each headline metric per axis point."""

    sweep_id: int
    spec_hash: str
    axes: tuple[str, ...]
    runs: tuple[dict[str, Any], ...]  # {"point", "replication", "run_id"}, in plan order
    points: tuple[dict[str, Any], ...]  # {"point", "metrics": {name: {"mean", "ci_low", "ci_high", "n"}}}
    reused: int = 0  # runs found already stored (not run again)

    def to_json(self) -> dict[str, Any]:
        """What `cloudtwin sweep --json` prints."""
        return {
            "sweep_id": self.sweep_id,
            "spec_hash": self.spec_hash,
            "runs": [dict(r) for r in self.runs],
            "points": [dict(p) for p in self.points],
        }

    def table(self) -> pa.Table:
        """A row per axis point: the axis columns, then `<metric>_mean`, `_ci_low`, `_ci_high` of each metric."""
        names = list(dict.fromkeys(name for p in self.points for name in p["metrics"]))
        columns: dict[str, pa.Array] = {}
        for axis in self.axes:
            columns[axis] = _column([p["point"][axis] for p in self.points])
        for name in names:
            for part in ("mean", "ci_low", "ci_high"):
                values = [(p["metrics"].get(name) or {}).get(part) for p in self.points]
                columns[f"{name}_{part}"] = pa.array(values, type=pa.float64())
        return pa.table(columns) if columns else pa.table({"points": pa.array([len(self.points)])})


def _column(values: list[Any]) -> pa.Array:
    """Axis values as an arrow column; values of mixed types as their JSON text."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([point_json({"v": v})[5:-1] for v in values])


def run_sweep(
    spec: str | Path | Mapping[str, Any],
    db: str | Path,
    jobs: int | None = None,
    ray: str | None = None,
    progress: SweepProgress | None = None,
) -> SweepOutcome:
    """Run the sweep `spec` (a file or a mapping) into the results database `db` (see the module docstring).

    Every scenario is built and checked, and the executor chosen, before the database is opened: a bad spec or
    axis value, or `--ray` without Ray, is refused (ScenarioError / CloudtwinError, exit 2) with nothing written.
    """
    loaded = load_spec(spec)
    plan = expand(loaded.spec)
    scenarios = [scenario_for(loaded, run) for run in plan]
    digest = spec_hash(plan, scenarios)
    executor = executor_for(jobs, ray)
    with ResultsStore(db) as store:
        sweep_id = store.add_sweep(digest, loaded.text)
        stored: dict[tuple[str, int], int] = {}
        for member in store.sweep_members(sweep_id):
            stored.setdefault((member["point_json"], member["replication"]), member["run_id"])
        todo = [i for i, run in enumerate(plan) if (run.point_json, run.replication) not in stored]
        reused = len(plan) - len(todo)
        if progress is not None:
            progress(reused, len(plan), None, None)
        with closing(executor.map([(i, scenarios[i]) for i in todo])) as outputs:
            for output in outputs:
                run = plan[output.index]
                run_id = store.store_finished_run(output.run, SweepMember(sweep_id, run.point_json, run.replication))
                stored[(run.point_json, run.replication)] = run_id
                if progress is not None:
                    progress(len(stored), len(plan), run, run_id)
        summaries = {key: store.get_run(run_id)["summary"] or {} for key, run_id in stored.items()}
    return _outcome(loaded, plan, sweep_id, digest, stored, summaries, reused)


def sweep_table(
    spec: str | os.PathLike[str] | Mapping[str, Any],
    db: str | Path | None = None,
    jobs: int | None = None,
    ray: str | None = None,
) -> pa.Table:
    """`cloudtwin.sweep`: run the sweep and return its per-point table (`SweepOutcome.table`); `db` None stores the
    runs in a temporary database, removed after."""
    if db is not None:
        return run_sweep(Path(spec) if isinstance(spec, os.PathLike) else spec, db, jobs=jobs, ray=ray).table()
    with tempfile.TemporaryDirectory(prefix="cloudtwin-") as folder:
        path = Path(folder) / "sweep.duckdb"
        return run_sweep(Path(spec) if isinstance(spec, os.PathLike) else spec, path, jobs=jobs, ray=ray).table()


def headline_metrics(summary: Mapping[str, Any]) -> dict[str, float]:
    """A run's headline metrics from its summary: `HEADLINE`, then each service's availability."""
    fraction = summary.get("allocated_vcpu_fraction")
    out = {
        "refused_fraction": float(summary.get("refused_fraction") or 0.0),
        "allocated_vcpu_fraction": float((fraction.get("mean") if isinstance(fraction, Mapping) else fraction) or 0.0),
        "vms_lost": float(summary.get("vms_lost") or 0),
    }
    for service in summary.get("services") or ():
        if service.get("availability") is not None:
            out[f"availability.{service['name']}"] = float(service["availability"])
    return out


def interval(values: list[float]) -> dict[str, Any]:
    """Mean and `CONFIDENCE` interval of replications' values (no interval from fewer than 2)."""
    if len(values) < 2:
        mean = float(values[0]) if values else None
        return {"mean": mean, "ci_low": None, "ci_high": None, "n": len(values)}
    mean, low, high = mean_ci(np.asarray(values, dtype=np.float64), CONFIDENCE)
    return {"mean": mean, "ci_low": low, "ci_high": high, "n": len(values)}


def _outcome(
    loaded: LoadedSpec,
    plan: list[PlannedRun],
    sweep_id: int,
    digest: str,
    stored: dict[tuple[str, int], int],
    summaries: dict[tuple[str, int], dict[str, Any]],
    reused: int,
) -> SweepOutcome:
    """The sweep's runs in plan order and, per axis point, each headline metric over its replications."""
    runs = tuple(
        {"point": run.point, "replication": run.replication, "run_id": stored[(run.point_json, run.replication)]}
        for run in plan
    )
    by_point: dict[str, list[dict[str, float]]] = {}
    order: dict[str, dict[str, Any]] = {}
    for run in plan:
        order.setdefault(run.point_json, run.point)
        by_point.setdefault(run.point_json, []).append(headline_metrics(summaries[(run.point_json, run.replication)]))
    points = []
    for key, point in order.items():
        figures = by_point[key]
        names = list(dict.fromkeys(name for f in figures for name in f))
        metrics = {name: interval([f[name] for f in figures if name in f]) for name in names}
        points.append({"point": point, "metrics": metrics})
    return SweepOutcome(sweep_id, digest, tuple(loaded.spec.axes), runs, tuple(points), reused)
