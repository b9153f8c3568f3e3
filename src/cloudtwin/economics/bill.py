"""A month of a cloud's money: the provider's cost, each tenant's bill, revenue and margin, and rent or build.

`cost_report(scenario, usage)` puts the parts together: the provider's cost from its servers (`provider`), each
tenant's bill from its use (`tenants` for the expected steady state, `measured` for a stored run): instance-hours
at on-demand prices plus GB sent to other regions at `economics.inter_region_usd_per_gb`; revenue is the sum of the
bills, margin (revenue − cost) / revenue, and cost per vCPU-hour the month's cost over the vCPU-hours sold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudtwin.economics.provider import ProviderCost, group_of, provider_cost, server_groups
from cloudtwin.economics.rent_build import RentOrBuild, rent_or_build
from cloudtwin.economics.tenants import Usage
from cloudtwin.scenario.model import Scenario


@dataclass(frozen=True)
class TenantBill:
    """One tenant's month: what it used and what it pays."""

    workload: str  # a workload's name, or `service:NAME`
    kind: str  # `workload` or `service`
    vcpus: float  # mean allocated
    compute_usd: float  # instance-hours at on-demand prices
    inter_region_gb: float
    transfer_usd: float

    @property
    def monthly_bill_usd(self) -> float:
        """Instance-hours and data transfer together."""
        return self.compute_usd + self.transfer_usd


@dataclass(frozen=True)
class CostReport:
    """What `cloudtwin cost` shows: the provider's month, the tenants' bills, and rent or build per workload."""

    scenario: str
    basis: str  # the expected steady state, or the run the figures come from
    provider: ProviderCost
    allocated_vcpus: float
    tenants: tuple[TenantBill, ...]
    rent_or_build: tuple[RentOrBuild, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def revenue_monthly_usd(self) -> float:
        """Every tenant's bill together."""
        return float(sum(t.monthly_bill_usd for t in self.tenants))

    @property
    def margin(self) -> float | None:
        """(revenue − cost) / revenue; None without revenue."""
        revenue = self.revenue_monthly_usd
        return (revenue - self.provider.total_usd) / revenue if revenue > 0 else None

    @property
    def allocated_vcpu_fraction(self) -> float:
        """The vCPUs sold over the vCPUs the world offers."""
        return self.allocated_vcpus / self.provider.vcpus if self.provider.vcpus else 0.0

    @property
    def cost_per_vcpu_hour_usd(self) -> float | None:
        """The month's cost over the vCPU-hours sold (None: none sold)."""
        return self.provider.cost_per_vcpu_hour_usd(self.allocated_vcpus)

    def to_json(self) -> dict[str, Any]:
        """`cloudtwin cost --json`: exactly {provider: {monthly_cost_usd, split, cost_per_vcpu_hour_usd},
        revenue_monthly_usd, margin, tenants: [{workload, monthly_bill_usd}], rent_or_build: [...]}."""
        return {
            "provider": {
                "monthly_cost_usd": self.provider.total_usd,
                "split": self.provider.split,
                "cost_per_vcpu_hour_usd": self.cost_per_vcpu_hour_usd,
            },
            "revenue_monthly_usd": self.revenue_monthly_usd,
            "margin": self.margin,
            "tenants": [{"workload": t.workload, "monthly_bill_usd": t.monthly_bill_usd} for t in self.tenants],
            "rent_or_build": [r.to_json() for r in self.rent_or_build],
        }

    def headline(self) -> dict[str, Any]:
        """The `economics` object of `cloudtwin run --json`: the month's cost and its split, revenue, margin, cost
        per vCPU-hour (docs/economics.md)."""
        return {
            "monthly_cost_usd": self.provider.total_usd,
            "split": self.provider.split,
            "revenue_monthly_usd": self.revenue_monthly_usd,
            "margin": self.margin,
            "cost_per_vcpu_hour_usd": self.cost_per_vcpu_hour_usd,
        }


def cost_report(scenario: Scenario, usage: Usage) -> CostReport:
    """The month of `scenario`'s cloud under `usage` (module docstring)."""
    e = scenario.economics
    compute = usage.compute_usd()
    bills = tuple(
        TenantBill(
            workload=t.name,
            kind=t.kind,
            vcpus=float(usage.vcpus[i]),
            compute_usd=float(compute[i]),
            inter_region_gb=float(usage.inter_region_gb[i]),
            transfer_usd=float(usage.inter_region_gb[i]) * e.inter_region_usd_per_gb,
        )
        for i, t in enumerate(usage.tenants)
    )
    builds = tuple(
        rent_or_build(
            t.name,
            float(usage.vcpus[i]),
            float(usage.peak_vcpus[i]),
            t.growth_per_year,
            t.usd_per_vcpu_hour,
            group_of(t.server_type, 0, scenario),
            e,
        )
        for i, t in enumerate(usage.tenants)
        if t.kind == "workload" and t.server_type is not None
    )
    return CostReport(
        scenario=scenario.name,
        basis=usage.basis,
        provider=provider_cost(server_groups(scenario), e),
        allocated_vcpus=usage.allocated_vcpus,
        tenants=bills,
        rent_or_build=builds,
        notes=usage.notes,
    )
