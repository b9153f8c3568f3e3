"""What a run asks of the machine, before it starts: events, metric rows, memory by part, and a wall time at this
machine's measured speed. Closed forms over the model (never an allocation per server or per VM), so even
`horizon.days=1e308` or `servers: 10**12` is answered at once.

Every figure is an estimate of the expected amount (Little's law for resident VMs, rate x horizon for events),
with the margins named beside each constant; `tests/runner/test_estimate_memory.py` holds the memory figure to
the measured peak of real runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from cloudtwin.failures import scenario_failures
from cloudtwin.runner.speed import Kind, Speed, measured_speed
from cloudtwin.scenario import Scenario, world_totals
from cloudtwin.scenario.model import (
    EmpiricalLifetime,
    ExponentialLifetime,
    FailureLevel,
    PoissonArrivals,
)
from cloudtwin.scenario.totals import WorldTotals
from cloudtwin.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_YEAR
from cloudtwin.workload.lifetimes import mean_lifetime_s

# Estimate of the bytes kept per server, by principle 1 of DESIGN.md (a server is an index into arrays):
#   world arrays ~40 B (free vCPUs 4, free memory 8, capacity 12, rack/datacenter/type indices 10, state 2, pad 4),
#   placement index ~32 B (a segment tree of free vCPUs and memory over servers: ~2 nodes per server x 12 B, rounded),
#   engine state ~24 B (first-VM link 8, next failure time 8, repair/restart bookkeeping 8).
BYTES_PER_SERVER = 96
# The engine's VM table (engine/state.py): 12 int32 per slot (48 B) + a free-stack entry (4 B), and the VM's pending
# departure in the event queue (~12 B): 64 B per slot.
BYTES_PER_VM = 64
# Estimate: the resident count fluctuates around Little's law's lambda*E[L]; 1.5x covers fluctuations and peaks.
RESIDENT_MARGIN = 1.5
# One arrival as the sampler builds it (arrivals.py: time 8, lifetime 8, memory 8, vCPUs 4, zone 4, type 4,
# workload 4 = 40 B), times 3 for the draws and the sort that build it (temporaries of the same length).
BYTES_PER_ARRIVAL = 120
# One metric row on its way to the database: the engine's tick buffer (7 x 8 B), the arrow batch (10 columns x 8 B)
# and DuckDB's insert buffer (about as much again): ~200 B per (tick, zone or datacenter); a 72,000-tick run
# measured ~200 B (tests/runner/test_estimate_memory.py), so 250 keeps the estimate an upper one.
BYTES_PER_METRIC_ROW = 250
# Failure bookkeeping per server when servers fail (next failure time, repair end, down count: ~24 B).
BYTES_PER_FAILING_SERVER = 24
# Metric rows DuckDB appends per second (estimate from the results store's bulk appends of arrow batches on the
# 2-core development machine: 10^6 rows in about 0.4 s, rounded down).
METRIC_ROWS_PER_S = 2e6
# Arrivals per engine call: enough to amortise a call (~0.5 s of engine time), few enough to bound memory.
CHUNK_ARRIVALS = 2_000_000
MIN_CHUNK_S, MAX_CHUNK_S = SECONDS_PER_HOUR, 240 * SECONDS_PER_HOUR


@dataclass(frozen=True)
class WorkEstimate:
    """What a run (or an availability study) is estimated to ask of this machine."""

    events: float
    metric_rows: float
    memory_bytes: dict[str, float] = field(default_factory=dict)  # by part, in the order they are shown
    speed: Speed = Speed(1.0, "")

    @property
    def memory_total(self) -> float:
        return float(sum(self.memory_bytes.values()))

    @property
    def seconds(self) -> float:
        """Wall time at this machine's speed: the events at its measured rate, the metric rows at the store's."""
        return self.events / self.speed.events_per_s + self.metric_rows / METRIC_ROWS_PER_S

    def describe(self) -> str:
        """One line: events, metric rows, memory by part and the wall time, with the speed's basis."""
        total = self.memory_total
        parts = ", ".join(
            f"{name} {gigabytes(b)}" for name, b in self.memory_bytes.items() if b > 0.01 * total or b >= 1e8
        )
        rows = f", {count(self.metric_rows)} metric rows" if self.metric_rows else ""
        return (
            f"{_about(count(self.events))} events{rows}, memory {_about(gigabytes(total))} ({parts}), "
            f"{_about(duration(self.seconds))} at {self.speed.events_per_s / 1e6:.2f} M events/s ({self.speed.basis})"
        )


def _about(text: str) -> str:
    """`~1,234` for an estimate; a figure without bound stands as it is."""
    return text if text[:1].isalpha() else f"~{text}"


def count(x: float) -> str:
    """A large count readably: 1,234 or 3.4e+12."""
    if not math.isfinite(x):
        return "unbounded"
    return f"{x:,.0f}" if x < 1e9 else f"{x:.2g}"


def gigabytes(b: float) -> str:
    """Bytes readably: 40 MB, 1.4 GB, 2,016 GB, 3.1e+06 GB."""
    if not math.isfinite(b):
        return "unbounded"
    gb = b / 1e9
    if gb < 1:
        return f"{b / 1e6:,.0f} MB"
    return f"{gb:,.1f} GB" if gb < 100 else f"{gb:,.0f} GB" if gb < 1e6 else f"{gb:.2g} GB"


def duration(seconds: float) -> str:
    """Seconds as the largest unit that reads well (s, min, h, days, years)."""
    if not math.isfinite(seconds):
        return "forever"
    for unit, size in (("years", SECONDS_PER_YEAR), ("days", SECONDS_PER_DAY), ("h", SECONDS_PER_HOUR), ("min", 60)):
        if seconds >= size:
            value = seconds / size
            return f"{value:,.1f} {unit}" if value < 1e6 else f"{value:.2g} {unit}"
    return f"{seconds:.1f} s" if seconds >= 0.1 else "under a second"


def _growth_mean(growth_per_year: float, years: float) -> float:
    """Mean of (1 + g)^t over t in [0, years]: ((1+g)^Y - 1) / (Y ln(1+g)); 1 without growth. Saturates, never
    overflows (a huge result is refused anyway)."""
    rate = math.log1p(growth_per_year)
    if rate == 0.0 or years == 0.0:
        return 1.0
    x = rate * years
    if abs(x) < 1e-9:
        return 1.0
    if not math.isfinite(x):
        return math.inf if x > 0 else 0.0
    return math.expm1(min(x, 700.0)) / x


def _peak_growth(growth_per_year: float, years: float) -> float:
    """(1 + g)^Y at the end of the horizon (or 1 for shrinking demand), saturating."""
    rate = math.log1p(growth_per_year)
    return 1.0 if rate <= 0.0 else math.exp(min(rate * years, 700.0))


def _mean_lifetime_hours(lifetime: object) -> float:
    if isinstance(lifetime, ExponentialLifetime):
        return lifetime.mean_hours
    if isinstance(lifetime, EmpiricalLifetime):
        return mean_lifetime_s(lifetime) / SECONDS_PER_HOUR  # the shipped table's mean (Azure V1)
    return lifetime.median_hours * math.exp(min(lifetime.sigma**2 / 2.0, 700.0))  # type: ignore[attr-defined]


def resident_vms_upper(scenario: Scenario, total_vcpus: int) -> int:
    """An upper estimate of VMs resident at once, at most one per vCPU of the world.

    Poisson workloads: Little's law lambda*E[L] at the peak rate (diurnal amplitude and growth over the horizon
    included) x RESIDENT_MARGIN, with the lognormal mean median*exp(sigma^2/2) and the shipped table's mean for
    empirical lifetimes. Traces: the one-VM-per-vCPU bound. Service replicas add.
    """
    expected = float(sum(service.replicas for service in scenario.services))
    years = scenario.horizon.days / 365.0
    for workload in scenario.workload:
        arrivals, lifetime = workload.arrivals, workload.lifetime
        if not isinstance(arrivals, PoissonArrivals) or lifetime is None:
            return total_vcpus
        peak_per_hour = arrivals.per_hour * (1.0 + (arrivals.diurnal.amplitude if arrivals.diurnal else 0.0))
        growth = _peak_growth(arrivals.growth_per_year, years)
        expected += peak_per_hour * growth * _mean_lifetime_hours(lifetime) * RESIDENT_MARGIN
    if not math.isfinite(expected) or expected >= total_vcpus:
        return total_vcpus
    return math.ceil(expected)


def world_memory_bytes(scenario: Scenario) -> dict[str, float]:
    """The servers' arrays and the VM table: what any use of the world holds (the `world` command too)."""
    totals = world_totals(scenario)
    return {
        "servers": float(BYTES_PER_SERVER * totals.servers),
        "VM table": float(BYTES_PER_VM * resident_vms_upper(scenario, totals.vcpus)),
    }


def estimate_run(scenario: Scenario, trace_arrivals: float = 0.0, trace_span_s: float = 0.0) -> WorkEstimate:
    """The events, metric rows and memory of a run of `scenario`, and its time at this machine's speed.

    `trace_arrivals` counts the trace arrivals inside the horizon (read by the caller: traces are files), over a
    span of `trace_span_s`. Events: each arrival and its departure, the steady start's population leaving, two
    per failure (down, up) of every component at its level's rate (restarts are not counted: at most one per VM
    a failure hits), and a metric tick per interval.
    """
    horizon_s = scenario.horizon.days * SECONDS_PER_DAY
    years = horizon_s / SECONDS_PER_YEAR
    poisson_per_s, peak_per_s, initial = 0.0, 0.0, 0.0
    for workload in scenario.workload:
        if isinstance(workload.arrivals, PoissonArrivals):
            rate = workload.arrivals.per_hour / SECONDS_PER_HOUR
            poisson_per_s += rate * _growth_mean(workload.arrivals.growth_per_year, years)
            peak_per_s += rate * _peak_growth(workload.arrivals.growth_per_year, years)
            if scenario.horizon.start == "steady" and workload.lifetime is not None:
                initial += rate * _mean_lifetime_hours(workload.lifetime) * SECONDS_PER_HOUR
    arrivals = poisson_per_s * horizon_s + trace_arrivals
    trace_per_s = trace_arrivals / trace_span_s if trace_span_s > 0 else 0.0
    totals = world_totals(scenario)
    failures = _failure_events(scenario, horizon_s)
    ticks = horizon_s / (scenario.horizon.sample_every_minutes * 60.0)
    rows = ticks * (totals.zones + totals.datacenters)
    events = 2.0 * arrivals + initial + failures + ticks
    chunk_s = chunk_seconds(poisson_per_s + trace_per_s, horizon_s)
    memory = world_memory_bytes(scenario)
    memory["arrivals"] = BYTES_PER_ARRIVAL * max((peak_per_s + trace_per_s) * chunk_s, min(initial, 1e300))
    memory["metric ticks"] = BYTES_PER_METRIC_ROW * min(ticks, chunk_s / (scenario.horizon.sample_every_minutes * 60))
    memory["metric ticks"] *= totals.zones + totals.datacenters + network_links(scenario, totals)
    memory["failures"] = float(BYTES_PER_FAILING_SERVER * totals.servers) if failures > 0 else 0.0
    return WorkEstimate(events=events, metric_rows=rows, memory_bytes=memory, speed=measured_speed("run"))


def network_links(scenario: Scenario, totals: WorldTotals) -> int:
    """How many links the network has (a `links` row each per tick): in and out of each datacenter, one per
    pair of zones of a region, one per fiber path (listed, else one per pair of regions)."""
    zone_pairs = sum(len(r.zones) * (len(r.zones) - 1) // 2 for r in scenario.world.regions)
    regions = len(scenario.world.regions)
    fiber = len(scenario.network.links.fiber) or regions * (regions - 1) // 2
    return 2 * totals.datacenters + zone_pairs + fiber


def chunk_seconds(rate_per_s: float, horizon_s: float) -> float:
    """Simulated seconds per engine call of a run (runner/simulate.py): ~CHUNK_ARRIVALS arrivals, whole hours,
    1 h to 10 days; what a run holds at once scales with it."""
    hours = CHUNK_ARRIVALS / max(rate_per_s * SECONDS_PER_HOUR, 1e-9)
    hours = min(max(1.0, math.floor(min(hours, 1e12))), MAX_CHUNK_S / SECONDS_PER_HOUR) if hours == hours else 1.0
    return min(hours * SECONDS_PER_HOUR, max(horizon_s, MIN_CHUNK_S))


def failure_cycle_s(level: FailureLevel) -> float:
    """One component's mean failure cycle, up then under repair: MTTF + MTTR (two events per cycle)."""
    return level.mttf_days * SECONDS_PER_DAY + level.repair_hours * SECONDS_PER_HOUR


def _failure_events(scenario: Scenario, horizon_s: float) -> float:
    """Two events (down, up) per failure of every component of each level over the horizon: n x T / (MTTF + MTTR)."""
    if scenario.failures is None:
        return 0.0
    totals = world_totals(scenario)
    components = {
        "server": totals.servers,
        "rack": totals.racks,
        "datacenter": totals.datacenters,
        "zone": totals.zones,
        "region": totals.regions,
    }
    resolved = scenario_failures(scenario)
    events = 2.0 * len(resolved.inject)
    for name, level in resolved.levels.items():
        events += 2.0 * components[name] * horizon_s / failure_cycle_s(level)
    return events


def estimate_availability(events_per_replication_year: float, replications: int, years: float) -> WorkEstimate:
    """An availability study's events (replications x years x the rate its tracked components fail and are
    repaired at), its per-replication arrays, and its time at this machine's measured availability speed."""
    events = events_per_replication_year * replications * years
    kind: Kind = "availability"
    # per replication: its seed and four result columns (8 B each), held for the whole study
    return WorkEstimate(events=events, metric_rows=0.0, memory_bytes={"replications": 40.0 * replications},
                        speed=measured_speed(kind))  # fmt: skip
