"""A sweep's plan: its spec expanded into runs, one per (axis point, replication), and the scenario of each.

Common random numbers: replication r of every axis point runs with the same seed, derived from the spec's
`seed` (`numpy.random.SeedSequence(seed).spawn(replications)[r]`), so two points differ only by their axis
values, not by their luck, and the difference between them is measured sharply. Replications differ in seed,
so the spread across them is the run-to-run noise that the confidence intervals measure.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cloudtwin.errors import CloudtwinError, ScenarioError
from cloudtwin.presets import preset_names
from cloudtwin.runner.preflight import check_memory
from cloudtwin.scenario import Scenario, load_preset, load_scenario, scenario_hash
from cloudtwin.sweeps.spec import MAX_RUNS, LoadedSpec, SweepSpec


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep: its axis point (axis key -> value, in the spec's order), replication and seed."""

    point: dict[str, Any]
    replication: int
    seed: int

    @property
    def point_json(self) -> str:
        """The point as canonical JSON (sorted keys): how `sweep_runs` stores it."""
        return point_json(self.point)


def point_json(point: dict[str, Any]) -> str:
    """An axis point as canonical JSON (sorted keys, no spaces)."""
    return json.dumps(point, sort_keys=True, separators=(",", ":"), default=str)


def replication_seeds(seed: int, replications: int) -> list[int]:
    """The scenario seed of each replication: the same at every axis point (common random numbers)."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children]  # < 2**63


def points(spec: SweepSpec) -> list[dict[str, Any]]:
    """Every axis point (the grid of all combinations, the first axis slowest); one empty point without axes."""
    keys = list(spec.axes)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*spec.axes.values())]


def expand(spec: SweepSpec) -> list[PlannedRun]:
    """The sweep's runs: for each axis point, replications 0, 1, ... with the seeds of `replication_seeds`."""
    grid = points(spec)
    total = len(grid) * spec.replications
    if total > MAX_RUNS:
        raise ScenarioError(f"the sweep expands to {total:,} runs, more than {MAX_RUNS:,}; make it smaller")
    seeds = replication_seeds(spec.seed, spec.replications)
    return [PlannedRun(point, r, seeds[r]) for point in grid for r in range(spec.replications)]


def base_is_file(loaded: LoadedSpec) -> Path | None:
    """The base scenario file (resolved against the spec's folder), or None when `base` names a preset."""
    base = loaded.spec.base
    if base in preset_names():
        return None
    path = loaded.folder / Path(base).expanduser()
    if path.exists() or os.sep in base or "/" in base or base.endswith((".yaml", ".yml")):
        return path
    return None


def scenario_for(loaded: LoadedSpec, run: PlannedRun) -> Scenario:
    """The scenario of one run: the base with the spec's `set`, the run's axis values and its seed applied."""
    values = {**loaded.spec.set, **run.point, "seed": run.seed}
    path = base_is_file(loaded)
    try:
        scenario = load_preset(loaded.spec.base, values=values) if path is None else load_scenario(path, values=values)
        check_memory(scenario)
    except CloudtwinError as exc:
        where = f"{loaded.source}: point {point_json(run.point)}" if run.point else f"{loaded.source}: base"
        raise ScenarioError(problems=[f"{where}: {line}" for line in exc.problems]) from None
    return scenario


def spec_hash(runs: list[PlannedRun], scenarios: list[Scenario]) -> str:
    """sha256 (hex) of the expanded spec: every run's point, replication and full scenario (its hash)."""
    items = [[run.point_json, run.replication, scenario_hash(sc)] for run, sc in zip(runs, scenarios, strict=True)]
    return hashlib.sha256(json.dumps(items, separators=(",", ":")).encode("utf-8")).hexdigest()
