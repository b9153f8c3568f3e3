"""Validation: over one month of the same scenario, the fluid model's utilisation per zone agrees with what the
VM-level engine measures (`cloudtwin.run`), within a stated tolerance.

The scenario is the `small` preset (three zones, 400 servers, VMs of 1-8 vCPUs living an exponential 2 h) with
aws-2014's diurnal cycle (amplitude 0.19 at 14:00) and EC2's growth (+99 %/yr) on its arrivals, for one plan month
(30.4375 days), sampled every 6 hours: 3.5 M VM events, about a second.

Tolerances, from the engine's own noise (M/G/∞: the resident vCPUs of a zone are compound Poisson with variance
λ_z·E[L]·E[v²], E[v²] = 0.62·1 + 0.186·4 + 0.099·16 + 0.095·64 = 9.03 for the mix, and with exponential lifetimes
their autocorrelation is e^{−τ/L}, so a mean over T has variance ≈ 2·Var·L/T):
- the month's mean allocated fraction per zone within 1 percentage point: 4-7 standard errors of the engine's
  month-long mean (0.14-0.21 points);
- at each 6-hour tick, the root-mean-square gap between the engine's allocated vCPUs and the fluid curve within
  1.3 times the M/G/∞ standard deviation (the gap is that noise alone; 1.3 is five standard errors of an RMS over
  122 nearly independent ticks). A curve without the daily swing would miss by ~2.7 standard deviations.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow.compute as pc
import pytest

import cloudtwin
from cloudtwin.api import RunResult
from cloudtwin.planning import MONTH_S, zone_demand, zone_utilization
from cloudtwin.scenario import Scenario
from cloudtwin.world import build_world

Month = tuple[RunResult, Scenario]

MEAN_TOLERANCE = 0.01  # absolute, fraction of the zone's vCPUs
RMS_TOLERANCE = 1.3  # times the M/G/∞ standard deviation of the zone's allocated vCPUs
E_V2 = 0.62 * 1 + 0.186 * 4 + 0.099 * 16 + 0.095 * 64  # E[vCPU²] of the small preset's mix
ZONE_SHARE = {"us-east-1a": 0.5, "us-east-1b": 0.25, "us-east-1c": 0.25}  # its zone weights 200:100:100


@pytest.fixture(scope="module")
def month() -> Month:
    scenario = cloudtwin.load(
        "small",
        set={
            "horizon.days": MONTH_S / 86400,
            "horizon.sample_every_minutes": 360,
            "workload[0].arrivals.growth_per_year": 0.99,
            "workload[0].arrivals.diurnal": {"amplitude": 0.19, "peak_hour": 14},
        },
    )
    return cloudtwin.run(scenario), scenario


def test_month_mean_utilisation_per_zone_agrees_with_the_engine(month: Month) -> None:
    """Fluid mean allocated fraction of each zone over the month vs the engine's time-weighted mean: within 1
    point (the engine refuses almost nothing at ~72 %, so refusals do not bend its figure)."""
    result, scenario = month
    names, fluid = zone_utilization(scenario, months=1)
    assert result.refused_fraction < 0.001
    for zone in result.zones:
        se = math.sqrt(2 * 2346 * ZONE_SHARE[zone.zone] * 2 * E_V2 * 2 / (MONTH_S / 3600)) / (zone.servers * 36)
        assert se < MEAN_TOLERANCE / 4  # the tolerance is at least 4 standard errors
        assert fluid[0][names.index(zone.zone)] == pytest.approx(zone.allocated_vcpu_fraction, abs=MEAN_TOLERANCE)


def test_tick_by_tick_the_gap_is_the_engine_s_own_noise(month: Month) -> None:
    """At every sample tick, the engine's allocated vCPUs of each zone differ from the fluid curve by no more
    (RMS over the month) than 1.3 standard deviations of M/G/∞ noise, sqrt(λ_z·E[L]·E[v²]); and the curve's daily
    swing is several times that noise, so the agreement tests the swing, not only the level."""
    result, scenario = month
    demand = zone_demand(scenario, build_world(scenario))
    zones = result.metrics.filter(pc.equal(result.metrics["level"], "zone"))
    for z, name in enumerate(demand.zone_names):
        rows = zones.filter(pc.equal(zones["name"], name)).sort_by("time_s")
        time_s = rows["time_s"].to_numpy()
        fluid = demand.at(time_s)[:, z]
        gap = rows["allocated_vcpus"].to_numpy() - fluid
        sd = math.sqrt(2346 * ZONE_SHARE[name] * 2 * E_V2)
        assert len(time_s) == 122
        assert np.sqrt(np.mean(gap**2)) < RMS_TOLERANCE * sd
        assert np.ptp(demand.at(np.arange(0, 86400, 600.0))[:, z]) > 5 * sd
