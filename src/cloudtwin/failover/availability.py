"""Availability mode: each service's availability under failures, repairs and restarts only.

No tenant churn: a zone always has room to restart a replica (the assumption that lets
centuries of simulated time run in seconds; `cloudtwin run` models capacity). Per service,
per replication, an event-driven simulation (compiled, `availability_kernel`) follows:

- the failure processes of each replica's server and rack (its own), and of every
  datacenter, zone and region of the service's target zones (shared: two replicas in one
  zone see the same zone failures) — alternating renewal processes as in
  `cloudtwin.failures.sampling`, bursts included (a replica is hit when the contiguous
  share covers its rack, server, datacenter or zone);
- a replica is down while any failure covers it. A server, rack or datacenter failure is
  recovered by restarting the replica elsewhere in its zone `failures.restart.delay_minutes`
  after it went down (another rack of its datacenter when the datacenter is up there, else
  another datacenter of the zone), so its outage is min(repair, delay). A zone or region
  failure keeps it down until repair, unless the service has `replace_in_other_zone`: then
  it restarts after the delay in another of its zones that is up. A replica that cannot be
  placed waits for its repair;
- the service is healthy while at least `healthy_when.at_least` replicas run.

Services are simulated one at a time (each one's figures are marginal; they are correct
however services share domains). Injections (`failures.inject`) are scripted events of one
run and play no part here. Each replication is `years` long and starts in steady state;
figures are means over replications with a 99 % Student-t confidence interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from cloudtwin.analysis.stats import mean_ci
from cloudtwin.errors import FailureModelError, ScenarioError
from cloudtwin.failover.availability_kernel import simulate_replications
from cloudtwin.failures.defaults import (
    LEVEL_CODE,
    LEVEL_NAMES,
    ResolvedFailures,
    resolve_failures,
)
from cloudtwin.failures.distributions import LevelParams
from cloudtwin.failures.layout import ServiceLayout, service_layout
from cloudtwin.scenario.model import Scenario
from cloudtwin.units import MINUTES_PER_YEAR, SECONDS_PER_MINUTE, SECONDS_PER_YEAR
from cloudtwin.world import World

CONFIDENCE = 0.99
# Key of the availability stream under the scenario seed (other streams use other keys).
AVAILABILITY_STREAM = 0xA7A1
# Replications per compiled call: the progress bar's step (results do not depend on it).
DEFAULT_BATCH = 256

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


def level_arrays(failures: ResolvedFailures) -> dict[str, np.ndarray]:
    """Per-level parameter arrays (index = level code) for the kernel; levels off have `on` False."""
    n = len(LEVEL_NAMES)
    arrays = {
        "on": np.zeros(n, np.bool_),
        "ttf": np.zeros(n, np.int64),
        "up_mean": np.ones(n),
        "shape": np.ones(n),
        "scale": np.ones(n),
        "ttr": np.zeros(n, np.int64),
        "rep_mean": np.ones(n),
        "mu": np.zeros(n),
        "sigma": np.ones(n),
        "p_down": np.zeros(n),
        "burst_share": np.ones(n),
    }
    for name, level in failures.levels.items():
        code = LEVEL_CODE[name]
        p = LevelParams.of(level, f"failures.{name}")
        if code == 0 and p.burst_share < 1.0:
            raise FailureModelError(f"failures.server.burst_share: a server fails whole (got {p.burst_share!r})")
        arrays["on"][code] = True
        arrays["ttf"][code] = p.ttf_kind
        arrays["up_mean"][code] = p.mean_up_s
        arrays["shape"][code] = p.weibull_shape
        arrays["scale"][code] = p.weibull_scale_s
        arrays["ttr"][code] = p.ttr_kind
        arrays["rep_mean"][code] = p.mean_repair_s
        arrays["mu"][code] = p.lognormal_mu
        arrays["sigma"][code] = p.repair_sigma
        arrays["p_down"][code] = p.down_probability
        arrays["burst_share"][code] = p.burst_share
    return arrays


def replication_seeds(seed: int, service_index: int, replications: int) -> np.ndarray:
    """One 32-bit seed per replication, from the scenario seed (the same whatever the batch size)."""
    ss = np.random.SeedSequence(seed, spawn_key=(AVAILABILITY_STREAM, service_index))
    return ss.generate_state(replications, dtype=np.uint32).astype(np.int64)


def simulate_service(
    layout: ServiceLayout,
    failures: ResolvedFailures,
    *,
    years: float,
    replications: int,
    seeds: np.ndarray,
    batch: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> ServiceAvailability:
    """Monte Carlo of one service: `replications` independent runs of `years` each (see the module docstring)."""
    if replications < 2:
        raise FailureModelError(f"--replications: at least 2 are needed for a confidence interval (got {replications})")
    if not years > 0:
        raise FailureModelError(f"--years: must be > 0 (got {years!r})")
    lv = level_arrays(failures)
    restartable = (1 << LEVEL_CODE["server"]) | (1 << LEVEL_CODE["rack"]) | (1 << LEVEL_CODE["datacenter"])
    if layout.replace_in_other_zone:
        restartable |= (1 << LEVEL_CODE["zone"]) | (1 << LEVEL_CODE["region"])
    horizon_s = years * SECONDS_PER_YEAR
    delay_s = failures.restart.delay_minutes * SECONDS_PER_MINUTE
    parts = []
    start = time.perf_counter()
    for lo in range(0, replications, batch):
        hi = min(lo + batch, replications)
        parts.append(
            simulate_replications(
                seeds[lo:hi], horizon_s, layout.at_least, delay_s, restartable,
                lv["on"], lv["ttf"], lv["up_mean"], lv["shape"], lv["scale"], lv["ttr"], lv["rep_mean"], lv["mu"],
                lv["sigma"], lv["p_down"], lv["burst_share"], *layout.kernel_args(),
            )
        )
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
    failures = resolve_failures(scenario.failures)
    problems = []
    if not scenario.services:
        problems.append("services: availability mode needs at least one service (got none)")
    if not failures.any_level:
        problems.append(
            "failures: availability mode needs random failures: `failures: default` or a server, rack,"
            " datacenter, zone or region level (injections alone play no part)"
        )
    if problems:
        raise ScenarioError(problems=problems)
    layouts = [service_layout(s, world, f"services[{i}]") for i, s in enumerate(scenario.services)]
    return [
        simulate_service(
            layout,
            failures,
            years=years,
            replications=replications,
            seeds=replication_seeds(scenario.seed, i, replications),
            batch=batch,
            progress=progress,
        )
        for i, layout in enumerate(layouts)
    ]
