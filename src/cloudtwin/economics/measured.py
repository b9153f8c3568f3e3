"""What a stored run measured that a bill needs: each zone's allocated vCPUs over time, and the traffic carried
between regions, turned into a month of each tenant's use.

A zone's measured vCPUs are shared among the tenants expected there in proportion to their expected vCPUs in it
(the engine counts vCPUs per zone, not per workload); its mean is the engine's exact time-weighted mean (the run
summary's `allocated_vcpu_fraction.per_zone` × the zone's vCPUs), its peak the highest sample. Traffic between
regions is what the fiber paths carried (the `links` rows `fiber:A--B`, Gbps × each sample's interval): with the
default direct path between every pair of regions each GB crosses one path; a GB routed over two paths (a cut, or
`network.links.fiber` listing no direct one) is counted on each. It is shared among tenants in proportion to what
each is expected to send between regions. A run of D days stands for a month: figures × 30.44 / D.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from cloudtwin.economics.money import SECONDS_PER_MONTH
from cloudtwin.economics.tenants import Usage, tenants_of, zone_capacity_vcpus
from cloudtwin.errors import ScenarioError
from cloudtwin.results import ResultsStore
from cloudtwin.scenario.checks import FIBER_PREFIX
from cloudtwin.scenario.model import Scenario
from cloudtwin.units import BITS_PER_BYTE, SECONDS_PER_DAY
from cloudtwin.workload.targets import ZoneIndex


@dataclass(frozen=True)
class Measured:
    """One run's figures for the bill, zones in world order."""

    run_id: int
    elapsed_s: float
    zone_mean_vcpus: np.ndarray  # per zone: time-weighted mean allocated vCPUs
    tick_zone_vcpus: np.ndarray  # samples × zones: allocated vCPUs at each sample
    inter_region_gb: float  # carried over the fiber paths during the run


def inter_region_gb(links: pa.Table, tick_time_s: np.ndarray, tick_interval_s: np.ndarray) -> float:
    """GB carried over the fiber paths between regions in a run: Σ over `fiber:` link rows of carried Gbps × the
    interval of the sample the row belongs to / 8."""
    if links.num_rows == 0:
        return 0.0
    names = np.asarray(links.column("link").to_pylist(), dtype=object)
    fiber = np.array([str(n).startswith(FIBER_PREFIX) for n in names], dtype=bool)
    if not fiber.any():
        return 0.0
    time_s = links.column("time_s").to_numpy(zero_copy_only=False)[fiber]
    carried = links.column("carried_gbps").to_numpy(zero_copy_only=False)[fiber]
    interval = dict(zip(tick_time_s.tolist(), tick_interval_s.tolist()))
    seconds = np.array([interval.get(float(t), 0.0) for t in time_s], dtype=np.float64)
    return float(np.sum(carried * seconds)) / BITS_PER_BYTE


def measured_of(
    scenario: Scenario,
    run_id: int,
    summary: dict[str, Any],
    tick_time_s: np.ndarray,
    tick_zone_vcpus: dict[str, np.ndarray],
    links: pa.Table,
) -> Measured:
    """A run's `Measured` from its summary, its samples' times, each zone's allocated vCPUs at them (zone name ->
    array over the samples) and its `links` rows. A zone the scenario does not hold is a ScenarioError (a `--set`
    that changed the world of a stored run)."""
    zones = ZoneIndex.of(scenario)
    unknown = sorted(set(tick_zone_vcpus) - set(zones.zone_names))
    if unknown:
        raise ScenarioError(
            f"run {run_id} measured zones its scenario no longer holds ({', '.join(unknown[:3])}):"
            " --set may change a stored run's prices, not its world"
        )
    ticks = np.asarray(tick_time_s, dtype=np.float64)
    grid = np.zeros((len(ticks), len(zones.zone_names)))
    for z, name in enumerate(zones.zone_names):
        if name in tick_zone_vcpus:
            grid[:, z] = tick_zone_vcpus[name]
    interval = np.diff(ticks, prepend=0.0)  # samples end their intervals; a run starts at 0
    elapsed_s = float(summary.get("sim_days") or 0.0) * SECONDS_PER_DAY or float(ticks[-1] if len(ticks) else 0.0)
    per_zone = (summary.get("allocated_vcpu_fraction") or {}).get("per_zone") or {}
    if per_zone:
        mean = np.array([float(per_zone.get(z, 0.0)) for z in zones.zone_names]) * zone_capacity_vcpus(scenario)
    else:  # (a summary without them: the samples' time-weighted mean)
        mean = (interval @ grid) / max(float(interval.sum()), 1e-300)
    return Measured(run_id, elapsed_s, mean, grid, inter_region_gb(links, ticks, interval))


def measured_from_store(store: ResultsStore, run_id: int, scenario: Scenario, summary: dict[str, Any]) -> Measured:
    """Run `run_id` of `store`: its zone samples and links rows, and `summary` (the stored one, or, while the run
    is being finished, the one about to be stored)."""
    rows = store.metrics_frame(run_id, "zone")
    time_s = rows.column("time_s").to_numpy(zero_copy_only=False).astype(np.float64)
    names = np.asarray(rows.column("name").to_pylist(), dtype=object)
    vcpus = rows.column("allocated_vcpus").to_numpy(zero_copy_only=False).astype(np.float64)
    ticks = np.unique(time_s)
    per_zone = {}
    for name in dict.fromkeys(names.tolist()):
        mine = names == name
        series = np.zeros(len(ticks))
        series[np.searchsorted(ticks, time_s[mine])] = vcpus[mine]
        per_zone[str(name)] = series
    return measured_of(scenario, run_id, summary, ticks, per_zone, store.rows_frame("links", run_id))


def measured_usage(scenario: Scenario, measured: Measured, cross_region_gbps_per_vcpu: np.ndarray | None) -> Usage:
    """A month of each tenant's use as the run measured it (module docstring); `cross_region_gbps_per_vcpu` per zone
    (the network's traffic model) weighs each tenant's share of the traffic between regions (None: by vCPUs)."""
    tenants = tuple(tenants_of(scenario))
    expected = np.array([t.zone_vcpus for t in tenants], dtype=np.float64).reshape(len(tenants), -1)
    total = expected.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, expected / np.where(total > 0, total, 1.0), 0.0)
    vcpus = share @ measured.zone_mean_vcpus
    peak = (share @ measured.tick_zone_vcpus.T).max(axis=1) if len(measured.tick_zone_vcpus) else vcpus
    weight = share @ (
        measured.zone_mean_vcpus * (1.0 if cross_region_gbps_per_vcpu is None else cross_region_gbps_per_vcpu)
    )
    if weight.sum() <= 0:
        weight = vcpus
    scale = SECONDS_PER_MONTH / measured.elapsed_s if measured.elapsed_s > 0 else 0.0
    gb = measured.inter_region_gb * scale * (weight / weight.sum() if weight.sum() > 0 else weight)
    notes = []
    unattributed = float(measured.zone_mean_vcpus[total <= 0].sum())
    if unattributed > 0:
        notes.append(f"{unattributed:,.0f} vCPUs allocated in zones no Poisson workload or service targets: not billed")
    days = measured.elapsed_s / SECONDS_PER_DAY
    return Usage(
        basis=f"run {measured.run_id} ({days:g} simulated days, scaled to a month)",
        tenants=tenants,
        vcpus=vcpus,
        peak_vcpus=peak,
        inter_region_gb=gb,
        allocated_vcpus=float(measured.zone_mean_vcpus.sum()),
        notes=tuple(notes),
    )
