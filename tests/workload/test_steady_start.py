"""The initial population: Poisson(∫ λ(−u)(1 − F(u)) du) VMs with residual lifetimes (M_t/G/∞ at t = 0)."""

from __future__ import annotations

import math

import numpy as np
from workload_scenarios import make_scenario, poisson_entry, region

from cloudtwin.workload import WorkloadSampler

DAY_S = 86400.0
OMEGA = 2 * math.pi / DAY_S


def test_constant_rate_population_is_little_law() -> None:
    """Constant rate λ, lognormal L: mean resident = λ·E[L] = λ·median·e^{σ²/2} (Little's law); the count is
    within 5√mean of it, and residual lives average E[L²]/(2E[L]) = median·e^{3σ²/2}/2."""
    per_hour, median_h, sigma = 3000.0, 2.0, 1.0
    entry = poisson_entry(per_hour, {"distribution": "lognormal", "median_hours": median_h, "sigma": sigma})
    sampler = WorkloadSampler(make_scenario([entry]), 1)
    mean = per_hour * median_h * math.exp(sigma**2 / 2)
    assert math.isclose(sampler.expected_resident_vms(), mean, rel_tol=1e-9)
    population = sampler.initial_population()
    assert abs(len(population) - mean) < 5 * math.sqrt(mean)
    assert np.all(population.time_s == 0) and np.all(population.lifetime_s > 0)
    residual_mean = median_h * 3600 * math.exp(3 * sigma**2 / 2) / 2
    residual_sd = math.sqrt(
        median_h**3 * 3600**3 * math.exp(9 * sigma**2 / 2) / (3 * median_h * 3600 * math.exp(sigma**2 / 2))
        - residual_mean**2
    )
    assert abs(population.lifetime_s.mean() - residual_mean) < 5 * residual_sd / math.sqrt(len(population))


def test_diurnal_exponential_population_matches_eick_massey_whitt() -> None:
    """M_t/M/∞ with λ(t) = λ̄(1 + a·cos(ωt + θ)): m(0) = λ̄·m·[1 + a·(cos θ + ωm·sin θ)/(1 + ω²m²)]
    (Eick, Massey & Whitt 1993); θ = 2π(offset − peak)/24 for the region (UTC+8 at lon 120°)."""
    per_hour, m_h, a, peak = 2000.0, 6.0, 0.5, 14.0
    entry = poisson_entry(
        per_hour, {"distribution": "exponential", "mean_hours": m_h}, diurnal={"amplitude": a, "peak_hour": peak}
    )
    sampler = WorkloadSampler(make_scenario([entry], [region("asia", 120.0, 2)]), 2)
    theta, wm = 2 * math.pi * (8 - peak) / 24, OMEGA * m_h * 3600
    mean = per_hour * m_h * (1 + a * (math.cos(theta) + wm * math.sin(theta)) / (1 + wm**2))
    assert math.isclose(sampler.expected_resident_vms(), mean, rel_tol=1e-9)
    counts = [
        len(WorkloadSampler(make_scenario([entry], [region("asia", 120.0, 2)]), s).initial_population())
        for s in range(3)
    ]
    assert abs(np.mean(counts) - mean) < 5 * math.sqrt(mean / 3)


def test_population_equals_a_long_run_from_empty() -> None:
    """Azure V1 lifetimes end before 20 d + 150 s, so a run started empty holds, at day 21 (the same phase of the
    day as t = 0, no growth), exactly the stationary population: its count ~ Poisson(expected_resident_vms()) and
    its remaining lives have the law of the initial population's (means within 5 standard errors)."""
    entry = poisson_entry(4000, {"distribution": "empirical"}, diurnal={"amplitude": 0.6, "peak_hour": 4})
    scenario = make_scenario([entry], [region("west", 0.0, 2), region("east", 15.0, 1)])
    sampler = WorkloadSampler(scenario, 3)
    t_s = 21 * DAY_S
    run = sampler.arrivals_between(0, t_s)
    departs = run.time_s + run.lifetime_s
    alive = departs > t_s
    expected = sampler.expected_resident_vms()
    assert abs(alive.sum() - expected) < 5 * math.sqrt(expected)
    start = sampler.initial_population()
    assert abs(len(start) - expected) < 5 * math.sqrt(expected)
    remaining, initial = departs[alive] - t_s, start.lifetime_s
    se = math.sqrt(remaining.var() / len(remaining) + initial.var() / len(initial))
    assert abs(remaining.mean() - initial.mean()) < 5 * se
    flat = WorkloadSampler(make_scenario([poisson_entry(4000, {"distribution": "empirical"})]), 3)
    flat_mean = flat.expected_resident_vms()  # λ̄·E[L], ignoring the cycle: the run must reject it
    assert abs(alive.sum() - flat_mean) > 5 * math.sqrt(flat_mean)


def test_growth_thins_the_past() -> None:
    """With growth g the rate u seconds ago was (1 + g)^(−u/year) of today's: for exponential lifetimes the
    mean resident count is λ·m/(1 + κm), κ = ln(1 + g)/year (∫ e^{−κu} e^{−u/m} du)."""
    per_hour, m_h, g = 500.0, 2000.0, 3.0
    entry = poisson_entry(per_hour, {"distribution": "exponential", "mean_hours": m_h}, growth_per_year=g)
    sampler = WorkloadSampler(make_scenario([entry]), 4)
    kappa_m = math.log1p(g) / (365.25 * 24) * m_h
    mean = per_hour * m_h / (1 + kappa_m)
    assert math.isclose(sampler.expected_resident_vms(), mean, rel_tol=1e-9)
    assert abs(len(sampler.initial_population()) - mean) < 5 * math.sqrt(mean)
