"""The run's preflight: every problem a run of a scenario would meet, found before it starts, and what it would
ask of this machine. `cloudtwin validate`, `cloudtwin run` and `cloudtwin.run` all call `preflight`, so validate
says "valid" exactly when a run would start.

It builds the world and the workload sampler (reading and range-checking every trace) with the very code the
run uses, and asks the failure and service stages their own questions (failure parameters, replicas against
racks and zones, injection targets), so no rule is written twice. Problems come back at once, each with its
file, line and key path where the scenario has one. Then the work: a run estimated to need more memory than this
machine has, or longer than `max_run_hours()` at its measured speed, is refused with the estimate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from cloudtwin.errors import CloudtwinError, ScenarioError
from cloudtwin.failover.availability import (
    DEFAULT_BATCH,
    TRACKED_BASE,
    TRACKED_PER_REPLICA,
    TRACKED_PER_YEAR,
    check_study,
    check_study_size,
)
from cloudtwin.failover.replicas import replica_fit_problem
from cloudtwin.failures import scenario_failures
from cloudtwin.failures.distributions import level_params
from cloudtwin.failures.layout import service_layout, target_zones
from cloudtwin.failures.targets import injection_events
from cloudtwin.runner.estimate import (
    WorkEstimate,
    duration,
    estimate_availability,
    estimate_run,
    failure_cycle_s,
    gigabytes,
    world_memory_bytes,
)
from cloudtwin.scenario import Scenario
from cloudtwin.scenario.expand import expand_world
from cloudtwin.scenario.loader import source_of
from cloudtwin.scenario.problems import KeyPath, Problem, SourceMap, problem_of
from cloudtwin.scenario.totals import instance_type_sizes, world_totals, zone_datacenters
from cloudtwin.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_YEAR
from cloudtwin.workload.sampler import WorkloadSampler
from cloudtwin.world import World, build_world

#: Stream order under the scenario seed; append new streams, never reorder.
STREAMS = ("workload", "engine", "failures", "services", "network")
# Share of physical memory a run may plan to use, leaving room for the OS, Python and the results database.
MEMORY_SHARE = 0.8
# A run estimated to take longer than this is refused (estimate: a week of wall time is past any run a person
# means to start by hand; `horizon.days: 1e308` is a typo, not a plan). CLOUDTWIN_MAX_RUN_HOURS raises it.
DEFAULT_MAX_RUN_HOURS = 168.0
MAX_RUN_HOURS_ENV = "CLOUDTWIN_MAX_RUN_HOURS"


def seed_streams(scenario: Scenario) -> dict[str, np.random.SeedSequence]:
    """The run's independent random streams, one per source, spawned from the scenario seed."""
    children = np.random.SeedSequence(scenario.seed).spawn(len(STREAMS))
    return dict(zip(STREAMS, children))


@dataclass
class Checked:
    """A scenario that passed the preflight, with what the checks built (the run reuses them) and its estimate."""

    scenario: Scenario
    world: World
    sampler: WorkloadSampler
    estimate: WorkEstimate
    warnings: list[str] = field(default_factory=list)


def preflight(scenario: Scenario) -> Checked:
    """Every problem a run of `scenario` would meet, as one ScenarioError (exit 2), or what the run needs."""
    where = source_of(scenario) or SourceMap(scenario.name)
    lines: list[str] = []  # already located (a trace file's own FILE:LINE)
    problems: list[Problem] = []

    def collect(exc: CloudtwinError) -> None:
        for line in exc.problems:
            problem = problem_of(line)
            if problem.path:
                problems.append(problem)
            else:
                lines.append(line)

    check_memory(scenario)  # before building anything: `servers: 10**12` must not try to allocate
    world = build_world(scenario)
    sampler: WorkloadSampler | None = None
    try:
        sampler = WorkloadSampler(scenario, seed_streams(scenario)["workload"])
    except CloudtwinError as exc:
        collect(exc)
    for check in (_failure_problems, _service_problems):
        try:
            check(scenario, world)
        except CloudtwinError as exc:
            collect(exc)
    if problems or lines or sampler is None:
        raise ScenarioError(problems=where.error(problems).problems + lines if problems else lines)
    estimate = _estimate(scenario, sampler)
    refusals = work_problems(scenario, estimate)
    if refusals:
        raise where.error(refusals)
    return Checked(scenario, world, sampler, estimate, spread_warnings(scenario, world))


def preflight_availability(scenario: Scenario, years: float, replications: int) -> World:
    """Availability mode's preflight: its arguments, the failure and service checks of `preflight`, and the study's
    work against this machine (memory, and `max_run_hours()` at its measured availability speed). The world."""
    where = source_of(scenario) or SourceMap(scenario.name)
    check_study_size(years, replications)
    check_study(scenario)
    check_memory(scenario)
    world = build_world(scenario)
    problems: list[Problem] = []
    for check in (_failure_problems, _service_problems):
        try:
            check(scenario, world)
        except CloudtwinError as exc:
            problems += [problem_of(line) for line in exc.problems]
    if problems:
        raise where.error(problems)
    estimate = estimate_availability(_events_per_replication_year(scenario, world), replications, years)
    estimate.memory_bytes["tracked components"] = float(_tracked_bytes(scenario, years)) * min(
        replications, DEFAULT_BATCH, os.cpu_count() or 1
    )
    refusals = [
        Problem((), f"--years {years:g} x --replications {replications:,}: {p.message}")
        for p in work_problems(scenario, estimate, what="the study")
    ]
    if refusals:
        raise ScenarioError(problems=[p.message for p in refusals])
    return world


def _events_per_replication_year(scenario: Scenario, world: World) -> float:
    """Failure and repair events a replication simulates per year: each level's components that the services'
    replicas stand on (a server and a rack per replica, their datacenters, zones and regions), two events per
    failure cycle. The kernel also follows the racks and servers a restarted replica moves to: x2 for those."""
    if scenario.failures is None:
        return 0.0
    resolved = scenario_failures(scenario)
    total = 0.0
    for k, service in enumerate(scenario.services):
        layout = service_layout(service, world, key=f"services[{k}]")
        count = {
            "server": 2 * layout.replicas,
            "rack": 2 * layout.replicas,
            "datacenter": len(layout.dc_zone),
            "zone": len(layout.zone_region),
            "region": len(layout.region_units),
        }
        for name, level in resolved.levels.items():
            total += 2.0 * count[name] * SECONDS_PER_YEAR / failure_cycle_s(level)
    return total


def _tracked_bytes(scenario: Scenario, years: float) -> float:
    """One replication's table of followed racks and servers (availability_kernel: ~100 B an entry), at its size
    for the largest service."""
    replicas = max((service.replicas for service in scenario.services), default=0)
    return 100.0 * (TRACKED_BASE + TRACKED_PER_REPLICA * replicas + TRACKED_PER_YEAR * years)


def _estimate(scenario: Scenario, sampler: WorkloadSampler) -> WorkEstimate:
    """The run's estimate, with the trace arrivals inside the horizon counted from the traces read."""
    horizon_s = scenario.horizon.days * SECONDS_PER_DAY
    n = sum(int(np.searchsorted(s.arrivals.time_s, horizon_s)) for s in sampler.trace_sources)
    span = max((min(s.span_s, horizon_s) for s in sampler.trace_sources), default=0.0)
    return estimate_run(scenario, trace_arrivals=float(n), trace_span_s=span)


def _failure_problems(scenario: Scenario, world: World) -> None:
    """Failure levels with no finite time scale or a server burst, and injections naming no part of the world."""
    if scenario.failures is None:
        return
    resolved = scenario_failures(scenario)
    level_params(resolved.levels)
    injection_events(resolved.inject, world)


def _service_problems(scenario: Scenario, world: World) -> None:
    """Each service's replicas on distinct racks of its datacenters, and a server in each of its zones that fits
    one: the checks the run's `ServiceReplicas` makes, asked of the same functions."""
    type_vcpus, type_memory_mib = instance_type_sizes(scenario)
    index = {name: i for i, name in enumerate(scenario.instance_types)}
    found: list[str] = []
    for k, service in enumerate(scenario.services):
        try:
            service_layout(service, world, key=f"services[{k}].replicas")
        except CloudtwinError as exc:
            found += exc.problems
            continue
        i = index[service.instance_type]
        zones = target_zones(service, world)
        problem = replica_fit_problem(k, service.name, zones, int(type_vcpus[i]), int(type_memory_mib[i]), world)
        if problem is not None:
            found.append(problem)
    if found:
        raise ScenarioError(problems=found)


def spread_warnings(scenario: Scenario, world: World) -> list[str]:
    """Services whose spread cannot protect them: one domain of their spread level holds so many replicas that
    its failure leaves fewer than `healthy_when.at_least`. Allowed on purpose (replicas go round-robin over the
    domains, and a user may mean it), so a warning, not a refusal."""
    out = []
    for k, service in enumerate(scenario.services):
        layout = service_layout(service, world, key=f"services[{k}]")
        zone_of = layout.dc_zone[layout.rep_dc]
        domain = {
            "datacenters": layout.rep_dc,
            "zones": zone_of,
            "regions": layout.zone_region[zone_of],
        }[service.spread]
        counts = np.bincount(domain)
        held, domains = int(counts.max()), int(np.count_nonzero(counts))
        if service.replicas - held < service.healthy_when.at_least:
            level = service.spread.removesuffix("s")
            out.append(
                f"services[{k}].spread: {service.replicas} replicas of {service.name!r} over {domains}"
                f" {service.spread if domains > 1 else level};"
                f" losing the {level} that holds {held} of them leaves {service.replicas - held}, fewer than"
                f" healthy_when.at_least {service.healthy_when.at_least}"
            )
    return out


def max_run_hours() -> float:
    """The longest estimated run the preflight accepts, in hours (CLOUDTWIN_MAX_RUN_HOURS, else a week)."""
    text = os.environ.get(MAX_RUN_HOURS_ENV, "")
    try:
        value = float(text) if text else DEFAULT_MAX_RUN_HOURS
    except ValueError:
        return DEFAULT_MAX_RUN_HOURS
    return value if value > 0 else DEFAULT_MAX_RUN_HOURS


def physical_memory_bytes() -> int | None:
    """This machine's physical memory, or None where the OS does not say (the memory check is then skipped)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def work_problems(
    scenario: Scenario, estimate: WorkEstimate, physical_bytes: int | None = None, what: str = "a run"
) -> list[Problem]:
    """The estimate against this machine: memory above MEMORY_SHARE of it, or a time above `max_run_hours()`."""
    out = []
    physical = physical_memory_bytes() if physical_bytes is None else physical_bytes
    if physical is not None and not estimate.memory_total <= physical * MEMORY_SHARE:
        out.append(
            Problem(
                _dominant_path(scenario, estimate),
                f"{what} would need {estimate.describe()}: more memory than the {gigabytes(physical * MEMORY_SHARE)}"
                f" available ({MEMORY_SHARE:.0%} of {gigabytes(physical)}); make it smaller or use a larger machine",
            )
        )
    limit_h = max_run_hours()
    if not out and not estimate.seconds <= limit_h * SECONDS_PER_HOUR:
        out.append(
            Problem(
                ("horizon", "days"),
                f"{what} would need {estimate.describe()}: longer than the limit of {duration(limit_h * 3600)}"
                f" (set {MAX_RUN_HOURS_ENV} to allow more)",
            )
        )
    return out


def _dominant_path(scenario: Scenario, estimate: WorkEstimate) -> KeyPath:
    """The key most likely behind a memory refusal: the part of the estimate that dominates."""
    parts = estimate.memory_bytes
    biggest = max(parts, key=lambda name: parts[name])
    if biggest == "metric ticks":
        return ("horizon", "sample_every_minutes")
    if biggest in ("arrivals", "VM table") and scenario.workload:
        return ("workload",)
    return _largest_datacenter_path(scenario)


def _largest_datacenter_path(scenario: Scenario) -> KeyPath:
    """`world`, or the servers of the data center holding at least half of them (the likely culprit)."""
    total_servers = world_totals(scenario).servers
    world = expand_world(scenario).world
    best: tuple[int, KeyPath] = (-1, ("world",))
    for ri, region in enumerate(world.regions):
        for zi, zone in enumerate(region.zones):
            for di, dc in enumerate(zone_datacenters(zone)):
                if dc.servers > best[0]:
                    best = (dc.servers, ("world", "regions", ri, "zones", zi, "datacenters", di, "servers"))
    return best[1] if 2 * best[0] >= total_servers else ("world",)


def memory_problems(scenario: Scenario, physical_bytes: int | None = None) -> list[Problem]:
    """The world alone (its servers and a VM table for its workload) against this machine's memory: the check for
    commands that build the world without running it (`cloudtwin world`)."""
    physical = physical_memory_bytes() if physical_bytes is None else physical_bytes
    parts = world_memory_bytes(scenario)
    needed = sum(parts.values())
    if physical is None or needed <= physical * MEMORY_SHARE:
        return []
    shown = ", ".join(f"{name} {gigabytes(b)}" for name, b in parts.items())
    return [
        Problem(
            _largest_datacenter_path(scenario),
            f"the world needs an estimated {gigabytes(needed)} of memory ({shown}), more than the "
            f"{gigabytes(physical * MEMORY_SHARE)} available ({MEMORY_SHARE:.0%} of {gigabytes(physical)}); "
            "make it smaller or run it on a larger machine",
        )
    ]


def check_memory(scenario: Scenario, physical_bytes: int | None = None) -> None:
    """ScenarioError (file, key path and line where known) when the world of `scenario` would not fit in memory."""
    problems = memory_problems(scenario, physical_bytes)
    if problems:
        raise (source_of(scenario) or SourceMap(scenario.name)).error(problems)
