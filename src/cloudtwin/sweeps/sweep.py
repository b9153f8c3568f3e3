"""Driving a sweep: expand the spec, skip the runs already stored, map the rest over an executor, store each run
as it finishes, then summarize every axis point over its replications.

Each finished run is committed at once, whole: its `runs` row, its tables and its `sweep_runs` row in one
transaction, so a sweep stopped at any moment (Ctrl-C, SIGTERM, kill -9) leaves only whole runs. The sweep is
identified by the hash of its expanded spec; running the same spec again against the same database finds the
runs already there and runs only the others, so nothing is lost or run twice. Ctrl-C or a signal stops the
workers at once (their runs in progress are dropped) and adds a note saying how many runs are stored.

`stored_sweep` rebuilds a sweep's `SweepOutcome` from the database alone (for `cloudtwin report --sweep`); both
summarize each point with `point_metrics`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import yaml
from pydantic import ValidationError

from cloudtwin.analysis.stats import mean_ci
from cloudtwin.errors import Interrupted, ResultsError
from cloudtwin.results import ResultsStore
from cloudtwin.results.importing import SweepMember
from cloudtwin.results.opening import storage_error
from cloudtwin.sweeps.executors import executor_for
from cloudtwin.sweeps.plan import PlannedRun, expand, point_json, points, scenario_for, spec_hash
from cloudtwin.sweeps.spec import LoadedSpec, SweepSpec, load_spec

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
    spec_yaml: str = field(default="", repr=False)  # the spec as given (as the `sweeps` table stores it)

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
        try:
            with closing(executor.map([(i, scenarios[i]) for i in todo])) as outputs:
                for output in outputs:
                    run = plan[output.index]
                    membership = SweepMember(sweep_id, run.point_json, run.replication)
                    run_id = store.store_finished_run(output.run, membership)
                    stored[(run.point_json, run.replication)] = run_id
                    if progress is not None:
                        progress(len(stored), len(plan), run, run_id)
        except BaseException as error:
            if not isinstance(error, Exception) or Interrupted.received is not None:  # Ctrl-C or a signal
                error.add_note(
                    f"sweep {sweep_id}: {len(stored)} of {len(plan)} runs stored in `{store.path}`;"
                    " run the same command again to finish the rest"
                )
            raise
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


def point_metrics(runs: Iterable[tuple[dict[str, Any], Mapping[str, Any]]]) -> tuple[dict[str, Any], ...]:
    """Per axis point, in the order first met, each headline metric's `interval` over the summaries of its runs
    (`runs`: (point, summary) pairs): `SweepOutcome.points`, for a sweep just run and for one read back alike."""
    by_point: dict[str, list[dict[str, float]]] = {}
    order: dict[str, dict[str, Any]] = {}
    for point, summary in runs:
        key = point_json(point)
        order.setdefault(key, point)
        by_point.setdefault(key, []).append(headline_metrics(summary))
    out = []
    for key, point in order.items():
        figures = by_point[key]
        names = list(dict.fromkeys(name for f in figures for name in f))
        metrics = {name: interval([f[name] for f in figures if name in f]) for name in names}
        out.append({"point": point, "metrics": metrics})
    return tuple(out)


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
    figures = point_metrics((run.point, summaries[(run.point_json, run.replication)]) for run in plan)
    return SweepOutcome(sweep_id, digest, tuple(loaded.spec.axes), runs, figures, reused, loaded.text)


def stored_spec(text: str) -> SweepSpec | None:
    """A stored spec's text as a validated spec (its base is not loaded), or None when it no longer validates."""
    try:
        return SweepSpec.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError):
        return None


def stored_sweep(store: ResultsStore, sweep_id: int) -> SweepOutcome:
    """Sweep `sweep_id` of `store` rebuilt from the database alone, as `run_sweep` returned it: its finished runs
    (`sweep_runs`; the first stored of a point and replication, as `run_sweep` keeps), each point from its
    `point_json`, the summaries from the runs. Axes and points come in the stored spec's order (the grid, first
    axis slowest); were the spec unreadable, the axes in their points' key order and the points by first run.
    A sweep stopped part-way has only the runs it stored (a point none of whose runs finished is absent);
    `reused` counts them all (nothing was run)."""
    digest, text = _sweep_row(store, sweep_id)
    stored: dict[tuple[str, int], int] = {}
    found: dict[str, dict[str, Any]] = {}  # point_json -> point, in run order
    for member in store.sweep_members(sweep_id):
        stored.setdefault((member["point_json"], member["replication"]), member["run_id"])
        found.setdefault(member["point_json"], json.loads(member["point_json"]))
    spec = stored_spec(text)
    if spec is not None:
        axes = tuple(spec.axes)
        rank = {point_json(point): i for i, point in enumerate(points(spec))}
    else:
        axes = tuple(dict.fromkeys(key for point in found.values() for key in point))
        rank = {}
    order = {key: rank.get(key, len(rank) + i) for i, key in enumerate(found)}
    keys = sorted(stored, key=lambda k: (order[k[0]], k[1]))
    shown = {key: {**{a: p[a] for a in axes if a in p}, **p} for key, p in found.items()}  # keys in axis order
    runs = tuple({"point": shown[p], "replication": r, "run_id": stored[(p, r)]} for p, r in keys)
    summaries = {key: store.get_run(stored[key])["summary"] or {} for key in keys}
    figures = point_metrics((shown[key[0]], summaries[key]) for key in keys)
    return SweepOutcome(sweep_id, digest, axes, runs, figures, len(runs), text)


def _sweep_row(store: ResultsStore, sweep_id: int) -> tuple[str, str]:
    """The `sweeps` row of `sweep_id`: its spec hash and spec text (ResultsError when there is none)."""
    store.pick_sweep(sweep_id)
    try:
        row = store.connection.execute(
            "SELECT spec_hash, spec_yaml FROM sweeps WHERE sweep_id = ?", [sweep_id]
        ).fetchone()
    except duckdb.Error as error:
        raise storage_error(store.path, "read", error) from None
    if row is None:  # (not after pick_sweep found it, unless the file changed meanwhile)
        raise ResultsError(f"no sweep {sweep_id} in `{store.path}`")
    return str(row[0]), str(row[1])
