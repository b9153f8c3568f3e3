"""Availability mode: each service's availability under failures, repairs and restarts only.

No tenant VMs: centuries of simulated time run in seconds. Per service, per replication, an
event-driven simulation (compiled, `availability_kernel`) follows the failure processes of the
service's datacenters, zones and regions and of every rack and server its replicas use or try
(alternating renewal processes as in `cloudtwin.failures.sampling`, bursts included), and applies
the restart model of `cloudtwin.failover.rules` exactly as `cloudtwin run` does:

- a replica on a failed server, rack, datacenter or zone is down from that instant; it is tried
  again `failures.restart.delay_minutes` later (after a zone or region failure, at its repair,
  unless the service has `replace_in_other_zone`);
- it fits on any up server of its allowed zones with room for it beside the replicas already
  there, within its spread rule (a rack hosting no other running replica of the service): the
  lowest-numbered such server, its own zone first, then the service's other zones when it may
  move; when none has room it waits for a repair (or a replica leaving a rack), and is never lost;
- the service is healthy while at least `healthy_when.at_least` replicas run.

Services are simulated one at a time (each one's figures are marginal: a run would have them
compete for the same racks). Injections (`failures.inject`) are scripted events of one run and
play no part here. Each replication is `years` long and starts in steady state; figures are
means over replications with a 99 % Student-t confidence interval.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from cloudtwin.analysis.stats import mean_ci
from cloudtwin.errors import FailureModelError, ScenarioError
from cloudtwin.failover.availability_kernel import (
    N_PARAMS,
    OK,
    P_BURST,
    P_REP_MEAN,
    P_SCALE,
    P_SHAPE,
    P_SIGMA,
    P_UP_MEAN,
    Geometry,
    simulate_replications,
)
from cloudtwin.failures.defaults import (
    LEVEL_CODE,
    LEVEL_NAMES,
    ResolvedFailures,
    scenario_failures,
)
from cloudtwin.failures.distributions import level_params
from cloudtwin.failures.layout import ServiceLayout, service_layout
from cloudtwin.scenario.model import Scenario
from cloudtwin.scenario.totals import instance_type_sizes
from cloudtwin.units import MINUTES_PER_YEAR, SECONDS_PER_MINUTE, SECONDS_PER_YEAR
from cloudtwin.world import World

CONFIDENCE = 0.99
# Key of the availability stream under the scenario seed (other streams use other keys).
AVAILABILITY_STREAM = 0xA7A1
# Replications per compiled call: the progress bar's step (results do not depend on it).
DEFAULT_BATCH = 256
#: Racks and servers one replication may track: those its replicas use or try. A restart after a burst lands on
#: a rack that depends on where the burst fell, so the set grows with time (~4 a year measured with the default
#: failures, `benchmarks/bench_availability.py`); 16 a year leaves room.
TRACKED_BASE = 4096
TRACKED_PER_REPLICA = 64
TRACKED_PER_YEAR = 16

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ServiceAvailability:
    """A service's availability figures over `replications` × `years` of simulated time (99 % CIs)."""

    name: str
    replicas: int
    at_least: int
    availability: float
    ci_low: float
    ci_high: float
    downtime_minutes_per_year: float
    downtime_ci_low: float
    downtime_ci_high: float
    incidents_per_year: float
    incidents_ci_low: float
    incidents_ci_high: float
    longest_outage_minutes: float
    mean_outage_minutes: float
    replications: int
    years: float
    events: int
    wall_s: float

    @property
    def service_years(self) -> float:
        return self.replications * self.years

    def to_json(self) -> dict[str, object]:
        """Plain JSON-able dict: `name, availability, ci_low, ci_high, downtime_minutes_per_year` and the rest."""
        out: dict[str, object] = asdict(self)
        out["service_years"] = self.service_years
        return out


def level_table(failures: ResolvedFailures) -> np.ndarray:
    """Per-level parameters for the kernel, a row per level code (`availability_kernel.P_*` columns)."""
    table = np.zeros((len(LEVEL_NAMES), N_PARAMS))
    table[:, [P_UP_MEAN, P_SHAPE, P_SCALE, P_REP_MEAN, P_SIGMA, P_BURST]] = 1.0
    for name, p in level_params(failures.levels).items():
        table[LEVEL_CODE[name]] = (
            1.0,
            p.ttf_kind,
            p.mean_up_s,
            p.weibull_shape,
            p.weibull_scale_s,
            p.ttr_kind,
            p.mean_repair_s,
            p.lognormal_mu,
            p.repair_sigma,
            p.down_probability,
            p.burst_share,
        )
    return table


def replication_seeds(seed: int, service_index: int, replications: int) -> np.ndarray:
    """One 32-bit seed per replication, from the scenario seed (the same whatever the batch size)."""
    ss = np.random.SeedSequence(seed, spawn_key=(AVAILABILITY_STREAM, service_index))
    return ss.generate_state(replications, dtype=np.uint32).astype(np.int64)


def simulate_service(
    layout: ServiceLayout,
    failures: ResolvedFailures,
    world: World,
    replica_vcpus: int,
    replica_memory_mib: int,
    *,
    years: float,
    replications: int,
    seeds: np.ndarray,
    batch: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> ServiceAvailability:
    """Monte Carlo of one service: `replications` independent runs of `years` each (see the module docstring)."""
    check_study_size(years, replications)
    table = level_table(failures)
    horizon_s = years * SECONDS_PER_YEAR
    delay_s = failures.restart.delay_minutes * SECONDS_PER_MINUTE
    max_tracked = TRACKED_BASE + TRACKED_PER_REPLICA * layout.replicas + int(TRACKED_PER_YEAR * years)
    geometry = Geometry(
        layout.dc_zone,
        layout.dc_pos,
        layout.dc_racks,
        world.datacenter_rack_start[layout.dc_index].astype(np.int64),
        layout.zone_region,
        layout.zone_pos,
        layout.zone_units,
        layout.zone_dc_lo,
        layout.zone_dc_hi,
        layout.region_units,
        world.rack_server_start.astype(np.int64),
        world.server_vcpus,
        world.server_memory_mib,
    )
    parts = []
    start = time.perf_counter()
    for lo in range(0, replications, batch):
        hi = min(lo + batch, replications)
        *figures, status = simulate_replications(
            seeds[lo:hi],
            horizon_s,
            layout.at_least,
            delay_s,
            layout.replace_in_other_zone,
            replica_vcpus,
            replica_memory_mib,
            table,
            max_tracked,
            layout.rep_dc,
            layout.rep_rack,
            geometry,
        )
        if np.any(status != OK):
            raise FailureModelError(
                f"services: {layout.name!r}: a replication looked at more than {max_tracked:,} racks and servers;"
                " shorten --years"
            )
        parts.append(figures)
        if progress is not None:
            progress(hi - lo)
    wall_s = time.perf_counter() - start
    unhealthy_s, incidents, longest_s, events = (np.concatenate(col) for col in zip(*parts))
    return summarize(layout, unhealthy_s, incidents, longest_s, int(events.sum()), years, wall_s)


def summarize(
    layout: ServiceLayout,
    unhealthy_s: np.ndarray,
    incidents: np.ndarray,
    longest_s: np.ndarray,
    events: int,
    years: float,
    wall_s: float,
) -> ServiceAvailability:
    """Means and 99 % confidence intervals over replications (clipped to what is possible).

    With no outage in any replication every interval is a point: nothing was seen to vary.
    """
    horizon_s = years * SECONDS_PER_YEAR
    a, a_lo, a_hi = mean_ci(1.0 - unhealthy_s / horizon_s, CONFIDENCE)
    inc, inc_lo, inc_hi = mean_ci(incidents / years, CONFIDENCE)
    total_incidents = int(incidents.sum())
    return ServiceAvailability(
        name=layout.name,
        replicas=layout.replicas,
        at_least=layout.at_least,
        availability=a,
        ci_low=max(0.0, a_lo),
        ci_high=min(1.0, a_hi),
        downtime_minutes_per_year=(1.0 - a) * MINUTES_PER_YEAR,
        downtime_ci_low=max(0.0, (1.0 - a_hi) * MINUTES_PER_YEAR),
        downtime_ci_high=(1.0 - a_lo) * MINUTES_PER_YEAR,
        incidents_per_year=inc,
        incidents_ci_low=max(0.0, inc_lo),
        incidents_ci_high=inc_hi,
        longest_outage_minutes=float(longest_s.max()) / SECONDS_PER_MINUTE,
        mean_outage_minutes=float(unhealthy_s.sum()) / SECONDS_PER_MINUTE / total_incidents if total_incidents else 0.0,
        replications=len(unhealthy_s),
        years=years,
        events=events,
        wall_s=wall_s,
    )


def check_study_size(years: float, replications: int) -> None:
    """FailureModelError unless `years` is a finite positive number and there are 2+ replications (for an interval)."""
    if not (math.isfinite(years) and years > 0):
        raise FailureModelError(f"--years: must be a positive number of simulated years (got {years!r})")
    if replications < 2:
        raise FailureModelError(f"--replications: at least 2 are needed for a confidence interval (got {replications})")


def check_study(scenario: Scenario) -> None:
    """ScenarioError unless the scenario has something to study: a service, and failures at some level."""
    problems = []
    if not scenario.services:
        problems.append("services: availability mode needs at least one service (got none)")
    if not scenario_failures(scenario).any_level:
        problems.append(
            "failures: availability mode needs random failures: `failures: default` or a server, rack,"
            " datacenter, zone or region level (injections alone play no part)"
        )
    if problems:
        raise ScenarioError(problems=problems)


def availability_study(
    scenario: Scenario,
    world: World,
    *,
    years: float,
    replications: int,
    batch: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> list[ServiceAvailability]:
    """Every service of `scenario` on `world`, in scenario order; ScenarioError if there is nothing to study."""
    check_study(scenario)
    failures = scenario_failures(scenario)
    layouts = [service_layout(s, world, f"services[{i}]") for i, s in enumerate(scenario.services)]
    type_vcpus, type_memory_mib = instance_type_sizes(scenario)
    type_index = {name: i for i, name in enumerate(scenario.instance_types)}
    return [
        simulate_service(
            layout,
            failures,
            world,
            int(type_vcpus[type_index[service.instance_type]]),
            int(type_memory_mib[type_index[service.instance_type]]),
            years=years,
            replications=replications,
            seeds=replication_seeds(scenario.seed, i, replications),
            batch=batch,
            progress=progress,
        )
        for i, (layout, service) in enumerate(zip(layouts, scenario.services))
    ]
