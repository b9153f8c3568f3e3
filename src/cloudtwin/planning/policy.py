"""The build policy: when a region orders a datacenter, which zone gets it, and what it holds.

At each month o the planner looks at the forecast peak demand D of month k = o + lead time, the first month an
order placed now can serve, against the capacity that will stand then (every datacenter already ordered). While

    D > target_utilization · C        or        D > n_plus_1_utilization · (C − largest zone)

it orders one more datacenter, into the zone with the least capacity (the first such zone in scenario order):
growing the smallest zone raises the capacity left after losing the largest one. Each month k from the lead time
on is checked by exactly one order month, so the policy keeps both rules in every month it can reach; the months
before the first order lands keep what the world already had. With `start: steady` the builds the same policy
would have ordered in the lead time before month 0 are in flight: ordered by the same rule against the peak scaled
by the region's month-0 ratio to its limits, so no month is worse than month 0 (a month-0 deficit is not cured
before the plan's own orders land, though whole datacenters may cure it sooner).

A region of one zone cannot keep N+1 (losing its zone loses everything): it is ordered for the target alone and
every month of it is a shortfall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cloudtwin.errors import PlanError
from cloudtwin.scenario.model import Planning

#: The most datacenters one region may order in a plan: a guard against a demand no build can meet.
MAX_BUILDS_PER_REGION = 1_000_000
#: Demand within this many vCPUs of a limit counts as within it (floating-point sums, not a modelling choice).
SLACK_VCPUS = 1e-6


@dataclass(frozen=True)
class RegionSupply:
    """A region's zones at month 0 and what one new datacenter of it holds."""

    name: str
    zone_names: tuple[str, ...]
    zone_vcpus: np.ndarray  # int64, per zone
    taken_names: frozenset[str]  # datacenter names already used in the world
    datacenter_servers: int  # servers in a new datacenter (after the power budget)
    server_vcpus: int  # vCPUs of the region's newest server at month 0


@dataclass(frozen=True)
class Build:
    """One datacenter ordered in `ordered_month` (negative: in flight before the plan) that serves from `month`."""

    ordered_month: int
    month: int
    region: str
    zone: str
    datacenter: str
    servers: int
    server_vcpus: int

    @property
    def vcpus(self) -> int:
        return self.servers * self.server_vcpus

    @property
    def in_flight(self) -> bool:
        return self.ordered_month < 0


@dataclass(frozen=True, eq=False)
class RegionSchedule:
    """A region's builds and its capacity in each month of the plan (builds landing in a month count in it)."""

    builds: tuple[Build, ...]
    zone_vcpus: np.ndarray  # (M, Z) int64
    capacity_vcpus: np.ndarray  # (M,) int64
    capacity_without_largest_zone_vcpus: np.ndarray  # (M,) int64


def server_vcpus_in(month: int, base_vcpus: int, growth_per_year: float) -> int:
    """vCPUs of a server landing in `month`: one generation a plan year, base·(1 + growth)^year, rounded."""
    return max(1, round(base_vcpus * (1.0 + growth_per_year) ** (month // 12)))


def limits(zone_vcpus: np.ndarray, settings: Planning) -> tuple[float, float]:
    """The peak a region may carry under the target, and under N+1 (inf for one zone: N+1 is not for ordering)."""
    total = float(zone_vcpus.sum())
    n_plus_1 = total - float(zone_vcpus.max()) if len(zone_vcpus) > 1 else np.inf
    return settings.target_utilization * total, settings.n_plus_1_utilization * n_plus_1


def schedule_region(supply: RegionSupply, peak_vcpus: np.ndarray, months: int, settings: Planning) -> RegionSchedule:
    """Run the policy for one region over `months`, given its peak demand for `months + lead time` months."""
    lead = settings.lead_time_months
    if len(peak_vcpus) < months + lead:
        raise PlanError(f"{supply.name}: need peak demand for {months + lead} months (got {len(peak_vcpus)})")
    caps = supply.zone_vcpus.astype(np.int64).copy()
    target0, n_plus_1_0 = limits(caps, settings)
    in_flight_scale = max(1.0, peak_vcpus[0] / target0 if target0 > 0 else np.inf, peak_vcpus[0] / n_plus_1_0)
    taken = set(supply.taken_names)
    per_zone = [0] * len(caps)
    builds: list[Build] = []
    history = np.empty((months, len(caps)), dtype=np.int64)
    for k in range(months + lead):  # the month an order lands in
        ordered = k - lead
        if ordered < months and (ordered >= 0 or settings.start == "steady"):
            demand = peak_vcpus[k] / (in_flight_scale if ordered < 0 else 1.0)
            while max(demand - limit for limit in limits(caps, settings)) > SLACK_VCPUS:
                if len(builds) >= MAX_BUILDS_PER_REGION:
                    raise PlanError(
                        f"{supply.name}: over {MAX_BUILDS_PER_REGION:,} datacenters would be needed by month {k};"
                        " lower the growth or the years"
                    )
                z = int(np.argmin(caps))
                per_zone[z] += 1
                name = _fresh_name(supply.zone_names[z], per_zone, z, taken)
                vcpus = server_vcpus_in(k, supply.server_vcpus, settings.vcpus_per_server_growth_per_year)
                builds.append(
                    Build(ordered, k, supply.name, supply.zone_names[z], name, supply.datacenter_servers, vcpus)
                )
                caps[z] += supply.datacenter_servers * vcpus
        if k < months:
            history[k] = caps
    total = history.sum(axis=1)
    return RegionSchedule(
        builds=tuple(builds),
        zone_vcpus=history,
        capacity_vcpus=total,
        capacity_without_largest_zone_vcpus=total - history.max(axis=1),
    )


def _fresh_name(zone: str, per_zone: list[int], z: int, taken: set[str]) -> str:
    """`<zone>-newN` for the zone's next new datacenter, skipping any name the world already uses."""
    name = f"{zone}-new{per_zone[z]}"
    while name in taken:
        per_zone[z] += 1
        name = f"{zone}-new{per_zone[z]}"
    taken.add(name)
    return name
