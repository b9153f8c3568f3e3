"""Poisson arrivals: mean rate, exponential gaps, diurnal cycle per region local time, yearly growth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from workload_scenarios import make_scenario, poisson_entry, region

from cloudtwin.workload import WorkloadSampler

HOUR_S, DAY_S = 3600.0, 86400.0


def test_count_over_long_window_matches_rate() -> None:
    """N(T) ~ Poisson(per_hour·T): 3,600/h over 100 h gives 360,000 ± 5·600."""
    sampler = WorkloadSampler(make_scenario([poisson_entry(3600)]), 1)
    arrivals = sampler.arrivals_between(0, 100 * HOUR_S)
    assert abs(len(arrivals) - 360_000) < 5 * math.sqrt(360_000)
    assert np.all(np.diff(arrivals.time_s) >= 0)


def test_inter_arrival_gaps_are_exponential() -> None:
    """Gaps of a homogeneous Poisson process are exponential: CV = 1 and P(gap > mean) = e^-1."""
    arrivals = WorkloadSampler(make_scenario([poisson_entry(3600)]), 2).arrivals_between(0, 50 * HOUR_S)
    gaps = np.diff(arrivals.time_s)
    assert abs(gaps.std() / gaps.mean() - 1) < 0.01
    assert abs(np.mean(gaps > 1.0) - math.exp(-1)) < 0.005


def _hourly_expected(per_hour: float, amplitude: float, peak_utc_hour: float) -> np.ndarray:
    """∫ over UTC hour h of per_hour·(1 + a·cos(2π(t − peak)/24)) dt: the cosine averaged over an hour
    carries the factor sin(π/24)/(π/24) and is centred at h + 0.5."""
    h = np.arange(24) + 0.5
    damp = math.sin(math.pi / 24) / (math.pi / 24)
    return per_hour * (1 + amplitude * damp * np.cos(2 * math.pi * (h - peak_utc_hour) / 24))


def test_diurnal_hourly_counts_follow_the_cosine() -> None:
    """Hourly counts summed over 40 days match per_hour·(1 + a·cos(2π(h − peak)/24)) within 5σ; the
    2 hours around the peak vs around the trough give (1 + a·s)/(1 − a·s), s = sin(π/12)/(π/12)
    (→ (1 + a)/(1 − a) = 3 for a = 0.5 as the window shrinks)."""
    days, per_hour, a = 40, 1000.0, 0.5
    entry = poisson_entry(per_hour, diurnal={"amplitude": a, "peak_hour": 14})
    arrivals = WorkloadSampler(make_scenario([entry]), 3).arrivals_between(0, days * DAY_S)
    counts = np.bincount((arrivals.time_s // HOUR_S).astype(int) % 24, minlength=24)
    expected = days * _hourly_expected(per_hour, a, 14.0)
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))
    assert abs(len(arrivals) / (days * 24) / per_hour - 1) < 0.005  # per_hour is the daily mean
    peak, trough = counts[13:15].sum(), counts[1:3].sum()
    s = math.sin(math.pi / 12) / (math.pi / 12)
    closed_form = (1 + a * s) / (1 - a * s)
    assert abs(peak / trough - closed_form) < 5 * closed_form * math.sqrt(1 / peak + 1 / trough)


def test_diurnal_peak_follows_each_regions_local_time() -> None:
    """A region at UTC+8 (lon 120°, nominal solar offset) peaks at 14:00 local = 06:00 UTC; one with an
    explicit utc_offset_hours of −5 peaks at 19:00 UTC; zones share a workload's arrivals by target."""
    regions = [region("far", 120.0, 1), region("near", 10.0, 1, utc_offset_hours=-5)]
    entry = poisson_entry(2000, diurnal={"amplitude": 0.6, "peak_hour": 14})
    arrivals = WorkloadSampler(make_scenario([entry], regions), 4).arrivals_between(0, 30 * DAY_S)
    for zone, peak_utc in ((0, 6.0), (1, 19.0)):
        mine = arrivals.time_s[arrivals.zone == zone]
        counts = np.bincount((mine // HOUR_S).astype(int) % 24, minlength=24)
        expected = 30 * _hourly_expected(1000.0, 0.6, peak_utc)  # half the arrivals go to each zone
        assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


def test_growth_multiplies_the_rate_by_one_plus_g_per_year() -> None:
    """With growth g the count over day d is per_hour·∫ (1+g)^(t/year) dt; day 365 vs day 0 ≈ 1 + g = 2."""
    per_hour, g, year_s = 2000.0, 1.0, 365.25 * DAY_S
    sampler = WorkloadSampler(make_scenario([poisson_entry(per_hour, growth_per_year=g)]), 5)
    kappa = math.log1p(g) / year_s
    counts, expected = [], []
    for day in (0, 365):
        t0, t1 = day * DAY_S, (day + 1) * DAY_S
        counts.append(len(sampler.arrivals_between(t0, t1)))
        expected.append(per_hour / HOUR_S * (math.exp(kappa * t1) - math.exp(kappa * t0)) / kappa)
    for n, mean in zip(counts, expected):
        assert abs(n - mean) < 5 * math.sqrt(mean)
    assert abs(counts[1] / counts[0] - (1 + g)) < 0.05


def test_shrinking_workload() -> None:
    """Negative growth g = −0.5: day 365.25 has half the arrivals of day 0 (counts within 5σ of ∫ λ(t) dt)."""
    per_hour, g, year_s = 4000.0, -0.5, 365.25 * DAY_S
    sampler = WorkloadSampler(make_scenario([poisson_entry(per_hour, growth_per_year=g)]), 7)
    kappa = math.log1p(g) / year_s
    for t0 in (0.0, year_s):
        mean = per_hour / HOUR_S * (math.exp(kappa * (t0 + DAY_S)) - math.exp(kappa * t0)) / kappa
        assert abs(len(sampler.arrivals_between(t0, t0 + DAY_S)) - mean) < 5 * math.sqrt(mean)


@pytest.mark.slow
def test_full_scale_day_of_arrivals() -> None:
    """30 M arrivals a day over 33 zones in 11 regions with a diurnal cycle and growth: the day's count is
    within 5σ of ∫ λ(t) dt = λ̄·Σ_z p_z·[(e^{κD} − 1)/κ + a·Re(e^{iθ_z}(e^{(κ+iω)D} − 1)/(κ + iω))]."""
    per_hour, g, a, day_s = 30e6 / 24, 1.0, 0.4, DAY_S
    lons = [-165.0 + 30 * r for r in range(11)]
    entry = poisson_entry(
        per_hour, {"distribution": "empirical"}, growth_per_year=g, diurnal={"amplitude": a, "peak_hour": 14}
    )
    sampler = WorkloadSampler(make_scenario([entry], [region(f"r{r}", lon, 3) for r, lon in enumerate(lons)]), 8)
    count = sum(len(sampler.arrivals_between(h * HOUR_S, (h + 1) * HOUR_S)) for h in range(24))
    kappa, omega = math.log1p(g) / (365.25 * DAY_S), 2 * math.pi / DAY_S
    s = complex(kappa, omega)
    theta = [2 * math.pi * (round(lon / 15) - 14) / 24 for lon in lons]
    cycle = sum((complex(math.cos(t), math.sin(t)) * (np.exp(s * day_s) - 1) / s).real for t in theta) / len(theta)
    mean = per_hour / HOUR_S * (math.expm1(kappa * day_s) / kappa + a * cycle)
    assert abs(count - mean) < 5 * math.sqrt(mean)


def test_targets_and_instance_mix_shares() -> None:
    """Zone dict weights and the instance mix are drawn with their shares (binomial, 5σ)."""
    entry = poisson_entry(3600, zones={"lab-a": 3, "lab-b": 1}, instances={"small": 0.5, "huge": 0.5})
    arrivals = WorkloadSampler(make_scenario([entry]), 6).arrivals_between(0, 20 * HOUR_S)
    n = len(arrivals)
    assert abs(np.mean(arrivals.zone == 0) - 0.75) < 5 * math.sqrt(0.75 * 0.25 / n)
    assert set(np.unique(arrivals.instance_type)) == {0, 2}
    assert abs(np.mean(arrivals.instance_type == 2) - 0.5) < 5 * math.sqrt(0.25 / n)
    huge = arrivals.instance_type == 2
    assert np.all(arrivals.vcpus[huge] == 16) and np.all(arrivals.memory_mib[huge] == 122 * 1024)
