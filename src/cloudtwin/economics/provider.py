"""The provider's monthly cost, built from its components, so that the split between them is an output.

Hamilton's model (docs/economics.md), per month:

- servers: each server's price, repaid over `server_amortization_years` at the cost of money;
- networking: `network_usd_per_server` of gear per server, over `network_amortization_years`;
- the facility: `facility_usd_per_watt` × the critical load (every server's `power_watts`), over
  `facility_amortization_years`; `power_distribution_cooling_share` of it is power distribution and cooling, the
  rest "other" infrastructure (building, land, fit-out);
- power: the critical load × `average_load_fraction` × PUE × hours × `power_usd_per_kwh`.

A server type without `price_usd` or `power_watts` takes the section's `server_price_usd` / `server_power_watts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudtwin.economics.money import HOURS_PER_MONTH, monthly_payment_usd
from cloudtwin.scenario.expand import expand_world
from cloudtwin.scenario.model import Economics, Scenario

#: The split's parts, in Hamilton's order (the `cloudtwin cost --json` keys of `provider.split`).
SPLIT_KEYS = ("servers", "networking", "power_distribution_cooling", "power", "other")
#: The split's parts as tables and charts name them.
PART_LABELS = {
    "servers": "servers",
    "networking": "networking gear",
    "power_distribution_cooling": "power distribution & cooling",
    "power": "power",
    "other": "other infrastructure",
}
#: Hamilton's published split of a month's cost (servers 57 %, networking 8 %, power distribution and cooling 18 %,
#: power 13 %, other infrastructure 4 % of ~$3.5 M for 45,000-50,000 servers): "Overall Data Center Costs",
#: Perspectives, 2010-09-18, as reported by R. Miller, Data Center Knowledge, 2010-09-22. A reference to compare
#: with, never an input.
HAMILTON_2010_SPLIT = {
    "servers": 0.57,
    "networking": 0.08,
    "power_distribution_cooling": 0.18,
    "power": 0.13,
    "other": 0.04,
}
WATTS_PER_KILOWATT = 1_000.0
WATTS_PER_MEGAWATT = 1e6


@dataclass(frozen=True)
class ServerGroup:
    """Servers of one type in a world: how many, and what each costs, draws and offers."""

    server_type: str
    servers: int
    vcpus: int  # per server
    price_usd: float  # per server
    power_watts: float  # critical power provisioned per server


@dataclass(frozen=True)
class ProviderCost:
    """A month of the provider's costs, by part (SPLIT_KEYS), for `servers` servers offering `vcpus` vCPUs."""

    monthly_usd: dict[str, float]
    servers: int
    vcpus: int
    critical_load_mw: float

    @property
    def total_usd(self) -> float:
        """The month's cost, every part together."""
        return float(sum(self.monthly_usd.values()))

    @property
    def split(self) -> dict[str, float]:
        """Each part's share of the month's cost (fractions summing to 1; zeros when nothing costs anything)."""
        total = self.total_usd
        return {key: (self.monthly_usd[key] / total if total > 0 else 0.0) for key in SPLIT_KEYS}

    def cost_per_vcpu_hour_usd(self, allocated_vcpus: float) -> float | None:
        """The month's cost over the vCPU-hours sold when `allocated_vcpus` are allocated on average (None: none)."""
        if allocated_vcpus <= 0:
            return None
        return self.total_usd / (allocated_vcpus * HOURS_PER_MONTH)


def server_groups(scenario: Scenario) -> list[ServerGroup]:
    """The world's servers grouped by server type (in `server_types` order), prices and power filled in from the
    `economics` section where a type leaves them out."""
    counts: dict[str, int] = {}
    for region in expand_world(scenario).world.regions:
        for zone in region.zones:
            for dc in zone.datacenters if isinstance(zone.datacenters, list) else []:
                counts[dc.server_type] = counts.get(dc.server_type, 0) + dc.servers
    return [group_of(name, counts[name], scenario) for name in scenario.server_types if counts.get(name, 0) > 0]


def group_of(name: str, servers: int, scenario: Scenario) -> ServerGroup:
    """`servers` servers of server type `name`, with the section's price and power where the type gives none."""
    kind, economics = scenario.server_types[name], scenario.economics
    return ServerGroup(
        server_type=name,
        servers=servers,
        vcpus=kind.vcpus,
        price_usd=economics.server_price_usd if kind.price_usd is None else kind.price_usd,
        power_watts=economics.server_power_watts if kind.power_watts is None else kind.power_watts,
    )


def provider_cost(groups: list[ServerGroup], economics: Economics) -> ProviderCost:
    """The month's cost of datacenters holding `groups` (module docstring: each part from its components)."""
    e = economics
    servers = sum(g.servers for g in groups)
    server_capital = sum(g.servers * g.price_usd for g in groups)
    critical_w = sum(g.servers * g.power_watts for g in groups)
    facility = monthly_payment_usd(
        critical_w * e.facility_usd_per_watt, e.facility_amortization_years, e.cost_of_money_per_year
    )
    energy_kwh = critical_w / WATTS_PER_KILOWATT * e.average_load_fraction * e.pue * HOURS_PER_MONTH
    monthly = {
        "servers": monthly_payment_usd(server_capital, e.server_amortization_years, e.cost_of_money_per_year),
        "networking": monthly_payment_usd(
            servers * e.network_usd_per_server, e.network_amortization_years, e.cost_of_money_per_year
        ),
        "power_distribution_cooling": facility * e.power_distribution_cooling_share,
        "power": energy_kwh * e.power_usd_per_kwh,
        "other": facility * (1.0 - e.power_distribution_cooling_share),
    }
    return ProviderCost(
        monthly_usd=monthly,
        servers=servers,
        vcpus=sum(g.servers * g.vcpus for g in groups),
        critical_load_mw=critical_w / WATTS_PER_MEGAWATT,
    )


def monthly_cost_per_server_usd(group: ServerGroup, economics: Economics) -> float:
    """What one server of `group`'s type costs a month, all parts together: the unit cost of owning it."""
    one = ServerGroup(group.server_type, 1, group.vcpus, group.price_usd, group.power_watts)
    return provider_cost([one], economics).total_usd
