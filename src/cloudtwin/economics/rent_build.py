"""Rent or build: a workload's on-demand bill over a horizon against owning servers sized for its peak.

The seed's electric company: "Any business that wanted to could build their own power generators ... but it would
be crazy for them to do it." Owning means buying, on day one, enough servers of the workload's server type for the
peak of its demand curve over the horizon (no staged purchases), each costing a month what one server costs the
provider all told (`monthly_cost_per_server_usd`: the server, its network gear, its share of the facility and its
power), so owning is priced at the provider's own unit costs, the most favourable case for building.

Demand curve: the workload's mean vCPUs now, growing at its `growth_per_year` g, peaking daily at its peak factor:
over H years its mean is mean·((1 + g)^H − 1)/(H·ln(1 + g)) (mean when g = 0) and its peak is peak·(1 + g)^H (peak
when g ≤ 0). Renting pays for the mean: mean_H × hours × the on-demand price per vCPU-hour.

Break-even utilisation: owning n servers of v vCPUs at c a month costs n·c·months; renting costs
u·n·v·hours·p at utilisation u = mean / (n·v), so they tie at u* = c / (v × HOURS_PER_MONTH × p), the owner's cost
of a provisioned vCPU-hour over the rented one's price. Below u*, renting is cheaper; above it, building.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cloudtwin.economics.money import HOURS_PER_MONTH, MONTHS_PER_YEAR
from cloudtwin.economics.provider import ServerGroup, monthly_cost_per_server_usd
from cloudtwin.scenario.model import Economics


@dataclass(frozen=True)
class RentOrBuild:
    """One workload over the horizon: what renting and owning cost, and where they tie."""

    workload: str
    years: float
    mean_vcpus: float  # over the horizon
    peak_vcpus: float  # over the horizon
    servers: int  # owned, for the peak
    utilization: float  # mean / the owned servers' vCPUs
    on_demand_usd: float
    own_usd: float
    break_even_utilization: float | None  # None: renting costs nothing

    def to_json(self) -> dict[str, object]:
        """The `cloudtwin cost --json` entry: exactly {workload, on_demand_usd, own_usd, break_even_utilization}."""
        return {
            "workload": self.workload,
            "on_demand_usd": self.on_demand_usd,
            "own_usd": self.own_usd,
            "break_even_utilization": self.break_even_utilization,
        }


def break_even_utilization(
    cost_per_server_month_usd: float, vcpus_per_server: int, usd_per_vcpu_hour: float
) -> float | None:
    """u* = c / (v × HOURS_PER_MONTH × p): the utilisation of owned servers at which owning costs what renting does
    (module docstring); None when the on-demand price is 0."""
    if usd_per_vcpu_hour <= 0:
        return None
    return cost_per_server_month_usd / (vcpus_per_server * HOURS_PER_MONTH * usd_per_vcpu_hour)


def horizon_mean_factor(growth_per_year: float, years: float) -> float:
    """The mean of (1 + g)^t over t in [0, years]: ((1 + g)^H − 1) / (H·ln(1 + g)); 1 when g = 0."""
    rate = math.log1p(growth_per_year)
    if rate == 0:
        return 1.0
    return math.expm1(rate * years) / (rate * years)


def rent_or_build(
    workload: str,
    mean_vcpus: float,
    peak_vcpus: float,
    growth_per_year: float,
    usd_per_vcpu_hour: float,
    group: ServerGroup,
    economics: Economics,
) -> RentOrBuild:
    """Rent against build for one workload's demand curve (module docstring) on servers like `group`'s."""
    years = economics.rent_or_build_years
    mean = mean_vcpus * horizon_mean_factor(growth_per_year, years)
    peak = peak_vcpus * max(1.0 + growth_per_year, 1.0) ** years
    servers = math.ceil(peak / group.vcpus - 1e-9) if peak > 0 else 0
    months = years * MONTHS_PER_YEAR
    per_server = monthly_cost_per_server_usd(group, economics)
    return RentOrBuild(
        workload=workload,
        years=years,
        mean_vcpus=mean,
        peak_vcpus=peak,
        servers=servers,
        utilization=mean / (servers * group.vcpus) if servers else 0.0,
        on_demand_usd=mean * months * HOURS_PER_MONTH * usd_per_vcpu_hour,
        own_usd=servers * per_server * months,
        break_even_utilization=break_even_utilization(per_server, group.vcpus, usd_per_vcpu_hour),
    )
