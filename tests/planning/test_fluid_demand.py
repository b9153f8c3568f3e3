"""The fluid demand against independent computations: an ODE, numerical integrals and maxima on a fine grid."""

from __future__ import annotations

import math

import numpy as np
import pytest
from planning_worlds import region_world

from cloudtwin.planning import MONTH_S, zone_demand
from cloudtwin.scenario import Scenario
from cloudtwin.world import build_world

HOUR_S = 3600.0
YEAR_S = 365.25 * 86400


def diurnal_world(amplitude: float = 0.3, growth: float = 0.99, lifetime_hours: float = 2.0) -> Scenario:
    """Two zones (weights 3:1) of the lab region at UTC+3, arrivals 900/h peaking at 14:00 local, growing."""
    scenario = region_world({"a": 1, "b": 1}, per_hour=900, growth=growth)
    return scenario.with_(
        {
            "world.regions[0].utc_offset_hours": 3,
            "workload[0].zones": {"a": 3, "b": 1},
            "workload[0].arrivals.diurnal": {"amplitude": amplitude, "peak_hour": 14},
            "workload[0].lifetime.mean_hours": lifetime_hours,
        }
    )


def rate_per_s(t: np.ndarray, growth: float, amplitude: float) -> np.ndarray:
    """The arrival rate of `diurnal_world` at t (s from 00:00 UTC): 900/h·(1+g)^(t/yr)·(1 + a·cos(2π(h+3−14)/24))."""
    local_hours = t / HOUR_S + 3.0
    return 900 / HOUR_S * (1 + growth) ** (t / YEAR_S) * (1 + amplitude * np.cos(2 * math.pi * (local_hours - 14) / 24))


def test_exponential_lifetimes_follow_the_birth_death_ode() -> None:
    """With exponential lifetimes (mean L) the expected resident vCPUs obey dN/dt = λ(t) − N/L (1-vCPU VMs).
    Integrated by RK4 (1-minute steps) from N = 0 at t = −40 L (the start is forgotten as e^{−40}) to 3 days, the
    closed form of `ZoneDemand.at` (Laplace transforms of the residual life) agrees to 1e-6 at every hour."""
    growth, amplitude, life_s = 0.99, 0.3, 2 * HOUR_S
    demand = zone_demand(scenario := diurnal_world(amplitude, growth), build_world(scenario))

    def slope(t: float, n: float) -> float:
        return float(rate_per_s(np.array([t]), growth, amplitude)[0]) - n / life_s

    step, t, n = 60.0, -40 * life_s, 0.0
    checks = {}
    while t < 3 * 86400 - 1e-9:
        k1 = slope(t, n)
        k2 = slope(t + step / 2, n + step / 2 * k1)
        k3 = slope(t + step / 2, n + step / 2 * k2)
        k4 = slope(t + step, n + step * k3)
        n += step / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t += step
        if t >= 0 and round(t) % 3600 == 0:
            checks[round(t)] = n
    times = np.array(sorted(checks), dtype=np.float64)
    fluid = demand.at(times).sum(axis=1)
    assert fluid == pytest.approx([checks[int(x)] for x in times], rel=1e-6)
    assert demand.at(times)[:, 0] == pytest.approx(0.75 * fluid)  # zone a takes 3 of 4 arrivals


def test_month_means_are_the_integral_of_the_curve() -> None:
    """`mean_over` (closed form) equals the trapezoid mean of `at` on a 5-minute grid over each of 3 months."""
    scenario = diurnal_world()
    demand = zone_demand(scenario, build_world(scenario))
    edges = np.arange(4) * MONTH_S
    means = demand.mean_over(edges[:-1], edges[1:])
    for m in range(3):
        grid = np.linspace(edges[m], edges[m + 1], int(MONTH_S / 300) + 1)
        curve = demand.at(grid)
        numeric = np.trapezoid(curve, grid, axis=0) / MONTH_S
        assert means[m] == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("growth", [0.99, 0.0, -0.3])
def test_month_peaks_bound_the_curve_within_a_day_of_growth(growth: float) -> None:
    """Each month's zone and region peak is at least the curve's maximum on a 1-minute grid over the month and at
    most that maximum grown by one day (|ln(1 + g)|/365.25), shrinking demand included. The region's zones share
    one local time, so its peak is the sum's peak."""
    scenario = diurnal_world(growth=growth)
    demand = zone_demand(scenario, build_world(scenario))
    edges = np.arange(3) * MONTH_S
    zone_peak, region_peak = demand.peaks(edges[:-1], edges[1:])
    day = abs(math.log1p(growth)) / 365.25
    for m in range(2):
        curve = demand.at(np.arange(edges[m], edges[m + 1], 60.0))
        highest = curve.max(axis=0)
        assert np.all(zone_peak[m] >= highest * (1 - 1e-9))
        assert np.all(zone_peak[m] <= highest * (1 + day) * (1 + 1e-6))
        assert region_peak[m, 0] == pytest.approx(curve.sum(axis=1).max(), rel=day + 1e-6)


def test_services_are_constant_demand_where_their_replicas_start() -> None:
    """A service of 4 replicas of a 1-vCPU type over zones a and b adds 2 vCPUs to each (the layout's round
    robin), at every time."""
    scenario = region_world({"a": 1, "b": 1}, per_hour=100).with_(
        {"services": [{"name": "db", "instance_type": "one", "replicas": 4, "healthy_when": {"at_least": 3}}]}
    )
    plain = region_world({"a": 1, "b": 1}, per_hour=100)
    times = np.array([0.0, 86400.0])
    with_service = zone_demand(scenario, build_world(scenario)).at(times)
    without = zone_demand(plain, build_world(plain)).at(times)
    assert with_service - without == pytest.approx(np.full((2, 2), 2.0))
