"""Rent or build against hand computations: the break-even utilisation, and which side of it a demand curve is.

The world of `conftest.SIMPLE`: one server of 10 vCPUs costs $100 a month all told, a vCPU rents for $0.02 an
hour. Break-even utilisation u* = 100 / (10 × 730.5 × 0.02) = 100 / 146.1 = 0.684463: owned servers busier than
that are cheaper than renting.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from cloudtwin.economics import break_even_utilization, expected_cost
from cloudtwin.economics.rent_build import horizon_mean_factor
from cloudtwin.scenario import Scenario

BREAK_EVEN = 100.0 / 146.1  # 0.684463


def test_break_even_by_hand() -> None:
    """u* = c / (v × 730.5 h × p) = 100 / (10 × 730.5 × 0.02) = 0.684463."""
    assert break_even_utilization(100.0, 10, 0.02) == pytest.approx(0.684463, abs=1e-6)
    assert break_even_utilization(100.0, 10, 0.0) is None


def test_flat_demand_builds(simple: Callable[..., Scenario]) -> None:
    """50 arrivals an hour × 2 h = 100 vCPUs, flat: 10 servers, all used (1.0 > u*). Over 3 years renting costs
    100 × 36 months × 730.5 h × $0.02 = $52,596; owning 10 × $100 × 36 = $36,000."""
    row = expected_cost(simple()).rent_or_build[0]
    assert row.servers == 10
    assert row.utilization == pytest.approx(1.0)
    assert row.on_demand_usd == pytest.approx(52_596.0)
    assert row.own_usd == pytest.approx(36_000.0)
    assert row.break_even_utilization == pytest.approx(BREAK_EVEN)


def test_diurnal_peak_tips_it_to_renting(simple: Callable[..., Scenario]) -> None:
    """A diurnal amplitude of 0.5 with exponential lifetimes of mean τ = 2 h: the resident vCPUs swing by
    a·|Ψ(iω)| = 0.5 / sqrt(1 + (ωτ)²), ωτ = 2π/24 × 2 = 0.523599, so by 0.5 / 1.128787 = 0.442957 (Ψ of an
    exponential's residual life is 1/(1 + sτ)): peak 144.30 vCPUs, 15 servers, used 100 / 150 = 0.6667 < u*.
    Renting: $52,596; owning 15 × $100 × 36 = $54,000."""
    row = expected_cost(simple({"workload[0].arrivals.diurnal": {"amplitude": 0.5}})).rent_or_build[0]
    omega_tau = 2 * math.pi / 24 * 2
    assert row.peak_vcpus == pytest.approx(100 * (1 + 0.5 / math.sqrt(1 + omega_tau**2)), rel=1e-9)
    assert row.peak_vcpus == pytest.approx(144.2957, abs=1e-3)
    assert row.servers == 15
    assert row.utilization == pytest.approx(2 / 3)
    assert row.utilization < row.break_even_utilization
    assert (row.on_demand_usd, row.own_usd) == pytest.approx((52_596.0, 54_000.0))


def test_growth_over_the_horizon(simple: Callable[..., Scenario]) -> None:
    """Doubling every year (g = 1) for 3 years: mean demand × (2³ − 1) / (3 ln 2) = 100 × 7 / 2.0794 = 336.63
    vCPUs on average; peak 100 × 8 = 800, 80 servers, used 336.63 / 800 = 0.4208 < u*: renting
    336.63 × 36 × 730.5 × 0.02 = $177,053 against owning 80 × 3,600 = $288,000."""
    assert horizon_mean_factor(1.0, 3.0) == pytest.approx(7 / (3 * math.log(2)))
    assert horizon_mean_factor(0.0, 3.0) == 1.0
    row = expected_cost(simple({"workload[0].arrivals.growth_per_year": 1.0})).rent_or_build[0]
    assert row.mean_vcpus == pytest.approx(336.6288, abs=1e-3)
    assert row.servers == 80
    assert row.on_demand_usd == pytest.approx(177_053.3, abs=0.1)
    assert row.own_usd == pytest.approx(288_000.0)
    assert row.on_demand_usd < row.own_usd
