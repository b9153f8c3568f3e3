"""A capacity plan: the fluid demand of a scenario against datacenters built by the policy, month by month.

`make_plan(scenario, years)` gives a `Plan`: every build (which zone, when ordered, when serving, how many servers
of how many vCPUs), each region's peak demand, capacity and capacity without its largest zone per month, servers
added per day per year, and the shortfalls (months where N+1 is not kept), never hidden. `Plan.to_json()` is what
`cloudtwin plan --json` prints. The model and every default are described in docs/planning.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cloudtwin.errors import PlanError
from cloudtwin.planning.demand import MONTH_S, ZoneDemand, zone_demand
from cloudtwin.planning.policy import SLACK_VCPUS, Build, RegionSupply, schedule_region
from cloudtwin.scenario.model import Planning, PoissonArrivals, Scenario
from cloudtwin.units import DAYS_PER_YEAR
from cloudtwin.world import World, build_world

#: The longest plan (years): 50 years of +99 %/yr is already 10^15 times today's demand.
YEARS_MAX = 50

#: The seed's claim that the first plan year is held against.
SEED_CLAIM = (
    "Every day, AWS adds enough new server capacity to support all of Amazon's global infrastructure"
    " when it was a $7B annual revenue enterprise, back in 2004."
)
#: Amazon's servers in 2004: no count has been published (see AMAZON_2004_BASIS), so there is no figure to hold
#: the plan's first year against.
AMAZON_2004_SERVERS: int | None = None
AMAZON_2004_BASIS = (
    "No published count of Amazon's 2004 servers was found. Amazon's 10-K for 2004 gives net sales of $6.92 B"
    " (the seed's $7B) but no server count; the nearest published counts are later and partial: Netcraft's 4,600"
    " web-facing Amazon.com servers in 2009 (InformationWeek, 'Amazon Ramps Server Count 33%', 2013) and Huan"
    " Liu's 454,400 EC2 servers of March 2012 (7,100 racks probed, 64 servers a rack assumed). If the seed is"
    " right, the plan's first-year servers per day is itself an estimate of Amazon's 2004 fleet."
)


@dataclass(frozen=True, eq=False)
class RegionPlan:
    """One region month by month (arrays of the plan's months): peak and mean demand against its capacity."""

    name: str
    zones: tuple[str, ...]
    demand_vcpus: np.ndarray  # the month's peak (daily peak at its highest growth, times the weekly factor)
    demand_mean_vcpus: np.ndarray
    capacity_vcpus: np.ndarray
    capacity_without_largest_zone_vcpus: np.ndarray
    zone_vcpus: np.ndarray  # (M, Z)
    n_plus_1_kept: np.ndarray  # bool: the peak fits in n_plus_1_utilization of capacity without the largest zone

    @property
    def utilization(self) -> np.ndarray:
        """Peak demand / capacity, per month."""
        return self.demand_vcpus / self.capacity_vcpus


@dataclass(frozen=True)
class Shortfall:
    """A run of months in which a region does not keep N+1, and the most vCPUs it lacked for it in one month."""

    region: str
    first_month: int
    last_month: int
    worst_missing_vcpus: int

    @property
    def months(self) -> int:
        return self.last_month - self.first_month + 1


@dataclass(frozen=True, eq=False)
class Plan:
    """What `cloudtwin plan` computes; `to_json()` is the object `--json` prints."""

    scenario: Scenario
    years: int
    growth_per_year: dict[str, float]  # each workload's rate in the plan
    regions: tuple[RegionPlan, ...]
    builds: tuple[Build, ...]  # by serving month, then region order
    servers_added_per_day: tuple[float, ...]  # per plan year: servers of the builds serving from that year / days
    shortfalls: tuple[Shortfall, ...]
    notes: tuple[str, ...]

    @property
    def settings(self) -> Planning:
        return self.scenario.planning

    @property
    def months(self) -> int:
        return 12 * self.years

    def builds_in_year(self, year: int) -> list[Build]:
        """The builds that start serving in plan year `year` (1-based)."""
        return [b for b in self.builds if b.month // 12 == year - 1]

    def seed_check(self) -> dict[str, Any]:
        """Servers added per day in the first plan year beside the best published count of Amazon's 2004 servers."""
        return {
            "year": 1,
            "servers_added_per_day": round(self.servers_added_per_day[0], 1),
            "claim": SEED_CLAIM,
            "amazon_2004_servers": AMAZON_2004_SERVERS,
            "basis": AMAZON_2004_BASIS,
        }

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON-ready data: builds, regions' months, servers added per day, shortfalls, the seed check."""
        return {
            "scenario": self.scenario.name,
            "years": self.years,
            "planning": self.settings.model_dump(mode="json"),
            "growth_per_year": self.growth_per_year,
            "builds": [_build_json(b) for b in self.builds],
            "regions": [_region_json(r) for r in self.regions],
            "servers_added_per_day": [
                {
                    "year": y + 1,
                    "servers": round(per_day, 1),
                    "datacenters": len(self.builds_in_year(y + 1)),
                    "servers_added": sum(b.servers for b in self.builds_in_year(y + 1)),
                }
                for y, per_day in enumerate(self.servers_added_per_day)
            ],
            "shortfalls": [
                {
                    "region": s.region,
                    "first_month": s.first_month,
                    "last_month": s.last_month,
                    "months": s.months,
                    "worst_missing_vcpus": s.worst_missing_vcpus,
                }
                for s in self.shortfalls
            ],
            "seed_check": self.seed_check(),
            "notes": list(self.notes),
        }


def _build_json(b: Build) -> dict[str, Any]:
    return {
        "month": b.month,
        "region": b.region,
        "zone": b.zone,
        "datacenter": b.datacenter,
        "servers": b.servers,
        "ordered_month": b.ordered_month,
        "in_flight": b.in_flight,
        "server_vcpus": b.server_vcpus,
        "vcpus": b.vcpus,
    }


def _region_json(r: RegionPlan) -> dict[str, Any]:
    months = [
        {
            "month": m,
            "demand_vcpus": round(float(r.demand_vcpus[m])),
            "capacity_vcpus": int(r.capacity_vcpus[m]),
            "capacity_without_largest_zone_vcpus": int(r.capacity_without_largest_zone_vcpus[m]),
            "demand_mean_vcpus": round(float(r.demand_mean_vcpus[m])),
            "utilization": round(float(r.utilization[m]), 4),
            "n_plus_1_kept": bool(r.n_plus_1_kept[m]),
        }
        for m in range(len(r.demand_vcpus))
    ]
    return {"name": r.name, "zones": list(r.zones), "months": months}


# --------------------------------------------------------------------------- making a plan


def check_years(years: object, name: str = "years") -> int:
    """`years` as a whole number of plan years, or a PlanError naming `name` and saying what is allowed."""
    if isinstance(years, bool) or not isinstance(years, int | np.integer) or not 1 <= int(years) <= YEARS_MAX:
        raise PlanError(f"{name}: must be a whole number of years from 1 to {YEARS_MAX} (got {years!r})")
    return int(years)


def make_plan(scenario: Scenario, years: int) -> Plan:
    """Plan `years` of capacity for `scenario`: its fluid demand, the build policy of `scenario.planning`."""
    years = check_years(years)
    settings = scenario.planning
    world = build_world(scenario)
    demand = zone_demand(scenario, world)
    months, lead = 12 * years, settings.lead_time_months
    edges = np.arange(months + lead + 1) * MONTH_S
    _, region_peak = demand.peaks(edges[:-1], edges[1:])
    region_peak = region_peak * settings.weekly_peak_factor
    region_mean = _by_region(demand, demand.mean_over(edges[:months], edges[1 : months + 1]))
    supplies, notes = _supplies(scenario, world)
    regions: list[RegionPlan] = []
    builds: list[Build] = []
    shortfalls: list[Shortfall] = []
    for r, supply in enumerate(supplies):
        schedule = schedule_region(supply, region_peak[:, r], months, settings)
        peak = region_peak[:months, r]
        n_plus_1 = settings.n_plus_1_utilization * schedule.capacity_without_largest_zone_vcpus  # 0 for one zone
        kept = peak <= n_plus_1 + SLACK_VCPUS
        regions.append(
            RegionPlan(
                name=supply.name,
                zones=supply.zone_names,
                demand_vcpus=peak,
                demand_mean_vcpus=region_mean[:, r],
                capacity_vcpus=schedule.capacity_vcpus,
                capacity_without_largest_zone_vcpus=schedule.capacity_without_largest_zone_vcpus,
                zone_vcpus=schedule.zone_vcpus,
                n_plus_1_kept=kept,
            )
        )
        builds += schedule.builds
        shortfalls += _shortfalls(supply.name, kept)
        if len(supply.zone_names) == 1:
            notes.append(f"{supply.name} has one zone: losing it loses the region, so N+1 cannot be kept there")
    order = {s.name: r for r, s in enumerate(supplies)}
    builds.sort(key=lambda b: (b.month, order[b.region]))
    served = [sum(b.servers for b in builds if b.month // 12 == y) / DAYS_PER_YEAR for y in range(years)]
    return Plan(
        scenario=scenario,
        years=years,
        growth_per_year=_growth_rates(scenario, demand),
        regions=tuple(regions),
        builds=tuple(builds),
        servers_added_per_day=tuple(served),
        shortfalls=tuple(_worst(shortfalls, regions, settings)),
        notes=tuple(notes),
    )


def zone_utilization(scenario: Scenario, months: int = 1) -> tuple[tuple[str, ...], np.ndarray]:
    """The fluid model's mean allocated fraction of each zone's vCPUs in each of the first `months` months of the
    world as it stands (no builds): zone names and an array (months, zones). What `run` measures as
    `allocated_vcpu_fraction` per zone, without refusals; the validation holds one against the other."""
    world = build_world(scenario)
    demand = zone_demand(scenario, world)
    edges = np.arange(months + 1) * MONTH_S
    return demand.zone_names, demand.mean_over(edges[:-1], edges[1:]) / world.vcpus_per("zone")


def _by_region(demand: ZoneDemand, per_zone: np.ndarray) -> np.ndarray:
    """Sum a (M, Z) array over each region's zones: (M, R)."""
    out = np.zeros((per_zone.shape[0], demand.n_regions))
    np.add.at(out.T, demand.zone_region, per_zone.T)
    return out


def _supplies(scenario: Scenario, world: World) -> tuple[list[RegionSupply], list[str]]:
    """Each region's zones and the datacenter it builds: its mean datacenter size in whole racks (or
    `planning.datacenter_servers`), capped by the power budget, of its newest server type."""
    settings, rack = scenario.planning, scenario.world.servers_per_rack
    zone_vcpus, dc_servers = world.vcpus_per("zone"), world.servers_per("datacenter")
    taken, notes, out = frozenset(world.datacenter_names), [], []
    for r, name in enumerate(world.region_names):
        z0, z1 = (int(v) for v in world.region_zone_start[r : r + 2])
        d0, d1 = int(world.zone_datacenter_start[z0]), int(world.zone_datacenter_start[z1])
        types = world.datacenter_server_type[d0:d1]
        newest = int(types[np.argmax(world.server_type_vcpus[types])])
        type_name = world.server_type_names[newest]
        watts = settings.server_power_watts or scenario.server_types[type_name].power_watts
        watts = watts or scenario.economics.server_power_watts  # one fallback for planning and the cost model
        powered = int(settings.datacenter_power_mw * 1e6 // watts)
        if powered < 1:
            raise PlanError(
                f"planning.datacenter_power_mw: {settings.datacenter_power_mw:g} MW powers no server of {watts:g} W"
            )
        size = settings.datacenter_servers or max(rack, int(dc_servers[d0:d1].mean()) // rack * rack)
        if powered < size:
            notes.append(f"{name}: the power budget holds {powered:,} servers of {watts:g} W, not {size:,}")
        out.append(
            RegionSupply(
                name=name,
                zone_names=world.zone_names[z0:z1],
                zone_vcpus=zone_vcpus[z0:z1],
                taken_names=taken,
                datacenter_servers=min(size, powered),
                server_vcpus=int(world.server_type_vcpus[newest]),
            )
        )
    return out, notes


def _shortfalls(region: str, kept: np.ndarray) -> list[Shortfall]:
    """Runs of consecutive months in which N+1 is not kept (their worst month is filled in by `_worst`)."""
    out, start = [], None
    for m, ok in enumerate([*kept.tolist(), True]):
        if not ok and start is None:
            start = m
        elif ok and start is not None:
            out.append(Shortfall(region, start, m - 1, 0))
            start = None
    return out


def _worst(shortfalls: list[Shortfall], regions: list[RegionPlan], settings: Planning) -> list[Shortfall]:
    """Each shortfall with the most vCPUs of capacity-without-the-largest-zone it lacked in one of its months."""
    by_name = {r.name: r for r in regions}
    out = []
    for s in shortfalls:
        r, span = by_name[s.region], slice(s.first_month, s.last_month + 1)
        needed = r.demand_vcpus[span] / settings.n_plus_1_utilization - r.capacity_without_largest_zone_vcpus[span]
        out.append(Shortfall(s.region, s.first_month, s.last_month, int(np.ceil(needed.max()))))
    return out


def _growth_rates(scenario: Scenario, demand: ZoneDemand) -> dict[str, float]:
    """Each Poisson workload's yearly growth in the plan (the override of `growth.compute_per_year`, or its own)."""
    names = [w.name for w in scenario.workload if isinstance(w.arrivals, PoissonArrivals)]
    return {name: float(g) for name, g in zip(names, demand.growth_per_year)}
