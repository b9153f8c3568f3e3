"""Metering against hand computations: instance-hours at the preset's prices by Little's law, data transfer between
regions at the network's rates, a service's replicas; and a run's measured month against its own traffic."""

from __future__ import annotations

from pathlib import Path

import pytest

import cloudtwin
from cloudtwin.economics import expected_cost
from cloudtwin.network.demand import cross_region_gbps_per_vcpu
from cloudtwin.scenario import Scenario

MONTH_H = 730.5  # 365.25 × 24 / 12
MONTH_S = MONTH_H * 3600.0


def test_small_preset_bill_by_hand() -> None:
    """`small`: 2,346 arrivals an hour living 2 h = 4,692 VMs (Little's law); a VM costs on average
    0.620 × $0.026 + 0.186 × $0.105 + 0.099 × $0.210 + 0.095 × $0.420 = $0.09634 an hour (its mix), so a month is
    4,692 × 0.09634 × 730.5 = $330,206. One region: nothing crosses regions."""
    report = cloudtwin.cost("small")
    by_hand = 4692 * (0.620 * 0.026 + 0.186 * 0.105 + 0.099 * 0.210 + 0.095 * 0.420) * MONTH_H
    assert by_hand == pytest.approx(330_206, abs=1)
    (tenant,) = report.tenants
    assert (tenant.workload, tenant.transfer_usd) == ("tenants", 0.0)
    assert tenant.monthly_bill_usd == pytest.approx(by_hand, rel=1e-9)
    assert report.revenue_monthly_usd == pytest.approx(by_hand, rel=1e-9)
    # 4,692 VMs × 2.148 vCPUs = 10,078 of 14,400 vCPUs: the preset's 70 %
    assert report.allocated_vcpu_fraction == pytest.approx(0.70, abs=0.001)


def test_transfer_between_regions_by_hand(two_regions: Scenario) -> None:
    """`web`: 100 VMs an hour × 2 h = 200 vCPUs, each NIC 1 Gbps used 10 %, 1 % of it to the other region:
    200 × 1 × 0.10 × 0.01 = 0.2 Gbps, × 2,629,800 s / 8 = 65,745 GB a month, × $0.02 = $1,314.90; its
    instance-hours 200 × 730.5 × $0.02 = $2,922. `db`: 2 replicas × 4 vCPUs × 730.5 h × $0.25 / 4 = $365.25, and
    (its zones' traffic profile is web's) 8 × 0.001 Gbps → 2,629.8 GB, $52.60."""
    report = expected_cost(two_regions, cross_region_gbps_per_vcpu(two_regions))
    web, db = report.tenants
    assert (web.workload, db.workload) == ("web", "service:db")
    assert web.compute_usd == pytest.approx(2922.0)
    assert web.inter_region_gb == pytest.approx(65_745.0)
    assert web.transfer_usd == pytest.approx(1314.90)
    assert db.compute_usd == pytest.approx(365.25)
    assert db.inter_region_gb == pytest.approx(2629.8)
    unmetered = expected_cost(two_regions, None)
    assert unmetered.tenants[0].transfer_usd == 0.0
    assert any("not metered" in note for note in unmetered.notes)


def test_measured_month_matches_the_run(two_regions: Scenario, tmp_path: Path) -> None:
    """A quarter-day run: the month it bills is what it carried, scaled to a month. Traffic between regions the
    fiber carried, over the run's mean allocated vCPUs, is the 0.001 Gbps per vCPU set by hand above (within 2 %:
    the links are sampled every 30 minutes, the vCPUs integrated exactly); vCPUs billed add up to the allocated
    ones; `run --json`'s economics is what `cloudtwin.cost` of the stored run says."""
    db = tmp_path / "runs.duckdb"
    result = cloudtwin.run(two_regions, db=db)
    report = cloudtwin.cost(db=db)
    assert report.basis.startswith(f"run {result.run_id}")
    assert result.to_json()["economics"] == report.headline()
    allocated = result.allocated_vcpu_fraction * 1000  # 100 servers × 10 vCPUs
    assert report.allocated_vcpus == pytest.approx(allocated, rel=1e-9)
    assert sum(t.vcpus for t in report.tenants) == pytest.approx(allocated, rel=1e-9)
    gb = sum(t.inter_region_gb for t in report.tenants)
    assert gb * 8 / MONTH_S / allocated == pytest.approx(0.001, rel=0.02)
    web = report.tenants[0]
    assert web.compute_usd == pytest.approx(web.vcpus * MONTH_H * 0.02)
