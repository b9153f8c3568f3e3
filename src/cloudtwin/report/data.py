"""What a report of one stored run reads: its row and summary, its scenario and world, its tables as arrays.

Everything comes from the results database (opened read-only) and the scenario stored with the run, so a
report can be made of any stored run, long after it ran, on another machine. A run that did not finish
(`interrupted`, `failed`) is reported too: what it stored until it stopped, and no summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import yaml

from cloudtwin.errors import ScenarioError
from cloudtwin.results import ResultsStore
from cloudtwin.scenario import Scenario, parse_scenario
from cloudtwin.world import build_world
from cloudtwin.world.fiber import fiber_one_way_ms
from cloudtwin.world.geo import region_distance_km
from cloudtwin.world.summary import world_summary


@dataclass(frozen=True)
class ZoneSeries:
    """Per zone, per metric tick (zones × ticks arrays), in world order."""

    time_s: np.ndarray  # (ticks,) the end of each interval
    zones: list[str]
    regions: list[str]  # each zone's region
    allocated_vcpus: np.ndarray
    capacity_vcpus: np.ndarray
    arrivals: np.ndarray
    refusals: np.ndarray


@dataclass(frozen=True)
class RunData:
    """One stored run, ready to chart."""

    run: dict[str, Any]  # the `runs` row (status, error, started, wall_s, ...)
    summary: dict[str, Any] | None  # `cloudtwin run --json`'s object; None unless the run finished
    scenario: Scenario
    world: dict[str, Any]  # `world_summary`: totals and the region → zone → datacenter tree
    region_distance_km: np.ndarray  # (regions, regions) great-circle distances
    region_latency_ms: np.ndarray  # (regions, regions) one-way fiber latency over the quickest chain of paths
    zones: ZoneSeries
    failures: pa.Table  # the `failures` rows (time_s, level, target, duration_s, vms_affected)
    services: pa.Table  # the `services` rows (time_s, service, healthy_replicas, healthy)
    links: pa.Table  # the `links` rows (time_s, link, offered_gbps, carried_gbps, capacity_gbps)
    latency: pa.Table  # the `latency` rows (time_s, service, path, p50_ms, p99_ms, p999_ms)

    @property
    def run_id(self) -> int:
        """The run's number in its database."""
        return int(self.run["run_id"])

    @property
    def horizon_s(self) -> float:
        """The run's simulated length (seconds)."""
        return float(self.scenario.horizon.days) * 86400.0


def read_run(store: ResultsStore, run_id: int) -> RunData:
    """Run `run_id` of `store` with everything the report's charts need."""
    row = store.get_run(run_id)
    scenario = stored_scenario(row["scenario_yaml"], run_id)
    world = build_world(scenario)
    return RunData(
        run=row,
        summary=row["summary"],
        scenario=scenario,
        world=world_summary(world),
        region_distance_km=region_distance_km(world),
        region_latency_ms=fiber_one_way_ms(world, scenario.network),
        zones=_zone_series(store.metrics_frame(run_id, "zone")),
        failures=store.rows_frame("failures", run_id),
        services=store.rows_frame("services", run_id),
        links=store.rows_frame("links", run_id),
        latency=store.rows_frame("latency", run_id),
    )


def stored_scenario(text: str, run_id: int) -> Scenario:
    """The scenario stored with a run. Its trace files may since have moved: the world and services do not
    need them, so such a scenario is read again without its workload rather than refused."""
    source = f"run {run_id} scenario"
    try:
        return parse_scenario(text, source=source)
    except ScenarioError:
        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict) or not data.get("workload"):
            raise
        data["workload"] = []
        return parse_scenario(yaml.safe_dump(data, sort_keys=False), source=source)


def _zone_series(metrics: pa.Table) -> ZoneSeries:
    """The zone rows of `metrics` (tick-major, zones in world order) as zones × ticks arrays."""
    names = metrics.column("name").to_pylist()
    n = metrics.num_rows
    zones = list(dict.fromkeys(names))
    width = len(zones) or 1
    ticks = n // width

    def grid(column: str, dtype: type) -> np.ndarray:
        values = metrics.column(column).to_numpy(zero_copy_only=False).astype(dtype)
        return values[: ticks * width].reshape(ticks, width).T.copy()

    time_s = metrics.column("time_s").to_numpy(zero_copy_only=False)[: ticks * width : width].astype(np.float64)
    region_of = dict(zip(names, metrics.column("region").to_pylist(), strict=True))
    return ZoneSeries(
        time_s=time_s,
        zones=zones,
        regions=[region_of[z] for z in zones],
        allocated_vcpus=grid("allocated_vcpus", np.float64),
        capacity_vcpus=grid("capacity_vcpus", np.float64),
        arrivals=grid("arrivals", np.int64),
        refusals=grid("refusals", np.int64),
    )
