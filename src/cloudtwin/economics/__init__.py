"""Economics: what the cloud costs its provider and what its tenants pay (`cloudtwin cost`, docs/economics.md).

expected_cost(scenario, rates)            the month at the scenario's expected steady state (no simulation)
run_cost(scenario, measured, rates)       the month as a stored run measured it (`measured_from_store`)
run_headline(scenario, summary, ...)      the `economics` object of `cloudtwin run --json`
provider_cost(server_groups(s), e)        the provider's month by part; its split is an output
rent_or_build(...)                        a workload's on-demand bill against owning servers for its peak

`rates` is each zone's Gbps sent to other regions per allocated vCPU (the network's traffic model,
`cloudtwin.network.demand.cross_region_gbps_per_vcpu`), or None to leave that traffic unmetered.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cloudtwin.economics.bill import CostReport, TenantBill, cost_report
from cloudtwin.economics.measured import Measured, measured_from_store, measured_of, measured_usage
from cloudtwin.economics.money import HOURS_PER_MONTH, monthly_payment_usd
from cloudtwin.economics.provider import (
    HAMILTON_2010_SPLIT,
    SPLIT_KEYS,
    ProviderCost,
    ServerGroup,
    monthly_cost_per_server_usd,
    provider_cost,
    server_groups,
)
from cloudtwin.economics.rent_build import RentOrBuild, break_even_utilization, rent_or_build
from cloudtwin.economics.tenants import Tenant, Usage, expected_usage, tenants_of
from cloudtwin.results import ResultsStore
from cloudtwin.scenario.model import Scenario

__all__ = [
    "HAMILTON_2010_SPLIT",
    "HOURS_PER_MONTH",
    "SPLIT_KEYS",
    "CostReport",
    "Measured",
    "ProviderCost",
    "RentOrBuild",
    "ServerGroup",
    "Tenant",
    "TenantBill",
    "Usage",
    "break_even_utilization",
    "cost_report",
    "expected_cost",
    "expected_usage",
    "measured_from_store",
    "measured_of",
    "measured_usage",
    "monthly_cost_per_server_usd",
    "monthly_payment_usd",
    "provider_cost",
    "rent_or_build",
    "run_cost",
    "run_headline",
    "server_groups",
    "tenants_of",
]


def expected_cost(scenario: Scenario, rates: np.ndarray | None = None) -> CostReport:
    """The month at the expected steady state: every Poisson workload at its mean, every service's replicas up."""
    return cost_report(scenario, expected_usage(scenario, rates))


def run_cost(scenario: Scenario, measured: Measured, rates: np.ndarray | None = None) -> CostReport:
    """The month as run `measured.run_id` measured it (its zones' allocated vCPUs, its traffic between regions)."""
    return cost_report(scenario, measured_usage(scenario, measured, rates))


def run_headline(
    scenario: Scenario, summary: dict[str, Any], store: ResultsStore, run_id: int, rates: np.ndarray | None
) -> dict[str, Any]:
    """The `economics` object of a run's summary, from what the run stored (called as it finishes)."""
    return run_cost(scenario, measured_from_store(store, run_id, scenario, summary), rates).headline()
