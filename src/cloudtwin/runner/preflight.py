"""The run's preflight: what a run of a scenario needs, refused up front when this machine cannot give it.

The memory estimate is a closed form over the model (never an allocation per
server), so even `servers: 1000000000000` from `--set` is answered at once.
It lives above the workload stage because it needs the workload's lifetime laws
(the shipped empirical table's mean).
"""

from __future__ import annotations

import math
import os

from cloudtwin.scenario import Scenario, world_totals
from cloudtwin.scenario.expand import expand_world
from cloudtwin.scenario.loader import source_of
from cloudtwin.scenario.model import (
    EmpiricalLifetime,
    ExponentialLifetime,
    PoissonArrivals,
)
from cloudtwin.scenario.problems import KeyPath, Problem, SourceMap
from cloudtwin.scenario.totals import zone_datacenters
from cloudtwin.units import SECONDS_PER_HOUR
from cloudtwin.workload.lifetimes import mean_lifetime_s

# Estimate of the bytes kept per server, by principle 1 of DESIGN.md (a server is an index into arrays):
#   world arrays ~40 B (free vCPUs 4, free memory 8, capacity 12, rack/datacenter/type indices 10, state 2, pad 4),
#   placement index ~32 B (a segment tree of free vCPUs and memory over servers: ~2 nodes per server x 12 B, rounded),
#   engine state ~24 B (first-VM link 8, next failure time 8, repair/restart bookkeeping 8).
BYTES_PER_SERVER = 96
# Estimate of the bytes per resident VM: server 4, instance type 2, workload 2, start/end 16, generation 4,
#   run-list links 16, its pending departure in the event heap (time 8, sequence/kind 8) ~ 64 B with padding.
BYTES_PER_VM = 64
# Estimate: the resident count fluctuates around Little's law's lambda*E[L]; 1.5x covers fluctuations and peaks.
RESIDENT_MARGIN = 1.5
# Share of physical memory a run may plan to use, leaving room for the OS, Python and the results database.
MEMORY_SHARE = 0.8


def resident_vms_upper(scenario: Scenario, total_vcpus: int) -> int:
    """An upper estimate of VMs resident at once, at most one per vCPU of the world.

    Poisson workloads with exponential or lognormal lifetimes: Little's law lambda*E[L] at the peak rate
    (diurnal amplitude and growth over the horizon included) x RESIDENT_MARGIN, with the lognormal mean
    median*exp(sigma^2/2). Empirical lifetimes: the shipped table's mean. Traces: the one-VM-per-vCPU bound. Service replicas add.
    """
    expected = float(sum(service.replicas for service in scenario.services))
    years = scenario.horizon.days / 365.0
    for workload in scenario.workload:
        arrivals, lifetime = workload.arrivals, workload.lifetime
        if not isinstance(arrivals, PoissonArrivals) or lifetime is None:
            return total_vcpus
        peak_per_hour = arrivals.per_hour * (1.0 + (arrivals.diurnal.amplitude if arrivals.diurnal else 0.0))
        growth = _exp(max(0.0, math.log1p(arrivals.growth_per_year) * years))
        if isinstance(lifetime, ExponentialLifetime):
            mean_hours = lifetime.mean_hours
        elif isinstance(lifetime, EmpiricalLifetime):
            mean_hours = mean_lifetime_s(lifetime) / SECONDS_PER_HOUR  # the shipped table's mean (Azure V1)
        else:
            mean_hours = lifetime.median_hours * _exp(lifetime.sigma**2 / 2.0)
        expected += peak_per_hour * growth * mean_hours * RESIDENT_MARGIN
    if not math.isfinite(expected) or expected >= total_vcpus:
        return total_vcpus
    return math.ceil(expected)


def estimate_memory_bytes(scenario: Scenario) -> int:
    """Bytes a run of `scenario` is estimated to need: BYTES_PER_SERVER per server + BYTES_PER_VM per resident VM."""
    totals = world_totals(scenario)
    return BYTES_PER_SERVER * totals.servers + BYTES_PER_VM * resident_vms_upper(scenario, totals.vcpus)


def physical_memory_bytes() -> int | None:
    """This machine's physical memory, or None where the OS does not say (the check is then skipped)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def memory_problems(scenario: Scenario, physical_bytes: int | None = None) -> list[Problem]:
    """A problem at the world (or its dominant data center) when the estimate exceeds the memory available."""
    physical = physical_memory_bytes() if physical_bytes is None else physical_bytes
    if physical is None:
        return []
    available = int(physical * MEMORY_SHARE)
    needed = estimate_memory_bytes(scenario)
    if needed <= available:
        return []
    totals = world_totals(scenario)
    vms = resident_vms_upper(scenario, totals.vcpus)
    message = (
        f"the world needs an estimated {needed / 1e9:,.1f} GB of memory ({totals.servers:,} servers x "
        f"{BYTES_PER_SERVER} B + {vms:,} resident VMs x {BYTES_PER_VM} B), more than the "
        f"{available / 1e9:,.1f} GB available ({MEMORY_SHARE:.0%} of {physical / 1e9:,.1f} GB); "
        "make it smaller or run it on a larger machine"
    )
    return [Problem(_dominant_path(scenario, totals.servers), message)]


def _dominant_path(scenario: Scenario, total_servers: int) -> KeyPath:
    """`world`, or the servers of the data center holding at least half of them (the likely culprit)."""
    world = expand_world(scenario).world
    best: tuple[int, KeyPath] = (-1, ("world",))
    for ri, region in enumerate(world.regions):
        for zi, zone in enumerate(region.zones):
            for di, dc in enumerate(zone_datacenters(zone)):
                if dc.servers > best[0]:
                    best = (dc.servers, ("world", "regions", ri, "zones", zi, "datacenters", di, "servers"))
    return best[1] if 2 * best[0] >= total_servers else ("world",)


def _exp(x: float) -> float:
    """exp that saturates instead of overflowing (the result is capped by the vCPU bound anyway)."""
    return math.exp(min(x, 700.0))


def check_memory(scenario: Scenario, physical_bytes: int | None = None) -> None:
    """ScenarioError (file, key path and line where known) when a run of `scenario` would not fit in memory."""
    problems = memory_problems(scenario, physical_bytes)
    if problems:
        raise (source_of(scenario) or SourceMap(scenario.name)).error(problems)
