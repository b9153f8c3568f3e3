"""The provider's month, built from components: annuities and a small fleet by hand, and Hamilton's reference
datacenter, whose published split the default parameters must reproduce without being given it."""

from __future__ import annotations

import pytest

from cloudtwin.economics import HAMILTON_2010_SPLIT, ServerGroup, monthly_payment_usd, provider_cost
from cloudtwin.scenario.model import Economics


def test_monthly_payment_by_hand() -> None:
    """$1,450 over 3 years at 5 %: i = 0.05/12 = 0.00416667, (1 + i)^-36 = 0.860976, payment = 1450 × i /
    (1 − 0.860976) = $43.458 (Excel PMT(5%/12, 36, -1450) = 43.4578). At 0 %: $3,600 over 3 years = $100."""
    assert monthly_payment_usd(1450.0, 3.0, 0.05) == pytest.approx(43.4578, abs=1e-3)
    assert monthly_payment_usd(3600.0, 3.0, 0.0) == pytest.approx(100.0)


def test_small_fleet_by_hand() -> None:
    """10 servers of $3,600 and 100 W, money free: servers 36,000 / 36 = $1,000; network 10 × $480 / 48 = $100;
    facility 1 kW × $12/W = $12,000 / 120 months = $100, of which 75 % power distribution and cooling ($75) and
    $25 other; power 1 kW × 0.5 load × PUE 2 × 730.5 h × $0.10 = $73.05. Total $1,273.05."""
    economics = Economics(
        cost_of_money_per_year=0.0,
        server_amortization_years=3,
        network_amortization_years=4,
        network_usd_per_server=480.0,
        facility_usd_per_watt=12.0,
        facility_amortization_years=10,
        power_distribution_cooling_share=0.75,
        average_load_fraction=0.5,
        pue=2.0,
        power_usd_per_kwh=0.10,
    )
    cost = provider_cost([ServerGroup("s", servers=10, vcpus=8, price_usd=3600.0, power_watts=100.0)], economics)
    assert cost.monthly_usd == pytest.approx(
        {"servers": 1000.0, "networking": 100.0, "power_distribution_cooling": 75.0, "power": 73.05, "other": 25.0}
    )
    assert cost.total_usd == pytest.approx(1273.05)
    assert cost.critical_load_mw == pytest.approx(0.001)
    # 80 vCPUs, half sold: 40 × 730.5 h = 29,220 vCPU-hours for $1,273.05 = $0.043568 each
    assert cost.cost_per_vcpu_hour_usd(40.0) == pytest.approx(1273.05 / 29220.0)


def test_hamilton_reference_datacenter_split() -> None:
    """Hamilton's reference datacenter (an 8 MW facility for 45,000-50,000 servers; we take the middle, 47,500,
    each $1,450 and drawing 8 MW / 47,500 = 168.4 W) under the default parameters, computed from its components,
    lands within 2 points of each share he published (servers 57 %, networking 8 %, power distribution and cooling
    18 %, power 13 %, other 4 %) and within 10 % of his "about $3.5 M" a month. The percentages are not an input."""
    servers = 47_500
    cost = provider_cost([ServerGroup("hamilton-2010", servers, 1, 1450.0, 8e6 / servers)], Economics())
    assert cost.critical_load_mw == pytest.approx(8.0)
    for part, published in HAMILTON_2010_SPLIT.items():
        assert cost.split[part] == pytest.approx(published, abs=0.02), part
    assert cost.total_usd == pytest.approx(3.5e6, rel=0.10)


@pytest.mark.parametrize("servers", [45_000, 50_000])
def test_split_holds_over_hamiltons_server_range(servers: int) -> None:
    """At either end of his 45,000-50,000 servers (8 MW shared among them), every share stays within 3 points."""
    cost = provider_cost([ServerGroup("h", servers, 1, 1450.0, 8e6 / servers)], Economics())
    for part, published in HAMILTON_2010_SPLIT.items():
        assert cost.split[part] == pytest.approx(published, abs=0.03), part
