"""Capacity planning: a fluid model of demand per zone and region, and datacenters built to keep N+1.

    from cloudtwin.planning import make_plan
    plan = make_plan(scenario, years=5)     # builds, regions' months, servers added per day, shortfalls
    plan.to_json()                          # what `cloudtwin plan --json` prints

`demand` is the fluid model (expected allocated vCPUs in closed form), `policy` the ordering rule, `plan` puts
them together, `store` keeps a plan in the results database. docs/planning.md has the model and its sources.
"""

from __future__ import annotations

from cloudtwin.planning.demand import MONTH_S, ZoneDemand, zone_demand
from cloudtwin.planning.plan import (
    AMAZON_2004_SERVERS,
    Plan,
    RegionPlan,
    Shortfall,
    check_years,
    make_plan,
    zone_utilization,
)
from cloudtwin.planning.policy import Build

__all__ = [
    "AMAZON_2004_SERVERS",
    "MONTH_S",
    "Build",
    "Plan",
    "RegionPlan",
    "Shortfall",
    "ZoneDemand",
    "check_years",
    "make_plan",
    "zone_demand",
    "zone_utilization",
]
