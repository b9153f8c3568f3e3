"""Lifetime laws: sample means, length-biased and residual (equilibrium) laws against closed forms."""

from __future__ import annotations

import math

import numpy as np

from cloudtwin.scenario.model import ExponentialLifetime, LognormalLifetime
from cloudtwin.workload.lifetimes import (
    lifetime_distribution,
    mean_lifetime_s,
    sample_length_biased_lifetimes,
    sample_lifetimes,
    sample_residual_lifetimes,
)

N = 1_000_000
EXPONENTIAL = ExponentialLifetime(distribution="exponential", mean_hours=2.0)
LOGNORMAL = LognormalLifetime(distribution="lognormal", median_hours=2.0, sigma=1.0)


def _lognormal_moment(k: int, median_s: float, sigma: float) -> float:
    """E[L^k] = median^k · e^{k²σ²/2} for a lognormal."""
    return median_s**k * math.exp(k * k * sigma * sigma / 2)


def test_exponential_mean_and_memoryless_residual() -> None:
    """Exponential(m): sample mean m ± 5m/√n; residual life is again Exponential(m) (mean m, P(R > m) = e^-1)."""
    m = 7200.0
    assert mean_lifetime_s(EXPONENTIAL) == m
    rng = np.random.default_rng(1)
    assert abs(sample_lifetimes(EXPONENTIAL, N, rng).mean() - m) < 5 * m / math.sqrt(N)
    residual = sample_residual_lifetimes(EXPONENTIAL, N, rng)
    assert abs(residual.mean() - m) < 5 * m / math.sqrt(N)
    assert abs(np.mean(residual > m) - math.exp(-1)) < 0.002


def test_lognormal_mean_median_and_residual_mean() -> None:
    """Lognormal: mean = median·e^{σ²/2}; length-biased mean = E[L²]/E[L]; residual mean = E[L²]/(2E[L])
    = median·e^{3σ²/2}/2; each sample mean within 5 standard errors from the closed-form moments."""
    median_s, sigma = 7200.0, 1.0
    e1, e2, e3 = (_lognormal_moment(k, median_s, sigma) for k in (1, 2, 3))
    assert math.isclose(mean_lifetime_s(LOGNORMAL), median_s * math.exp(sigma**2 / 2), rel_tol=1e-12)
    rng = np.random.default_rng(2)
    sample = sample_lifetimes(LOGNORMAL, N, rng)
    assert abs(sample.mean() - e1) < 5 * math.sqrt(e2 - e1**2) / math.sqrt(N)
    assert abs(np.median(sample) / median_s - 1) < 0.01
    biased = sample_length_biased_lifetimes(LOGNORMAL, N, rng)
    assert abs(biased.mean() - e2 / e1) < 5 * math.sqrt(e3 / e1 - (e2 / e1) ** 2) / math.sqrt(N)
    residual = sample_residual_lifetimes(LOGNORMAL, N, rng)
    residual_mean = median_s * math.exp(3 * sigma**2 / 2) / 2
    assert math.isclose(residual_mean, e2 / (2 * e1), rel_tol=1e-12)
    residual_var = e3 / (3 * e1) - residual_mean**2  # E[R²] = E[L³]/(3E[L])
    assert abs(residual.mean() - residual_mean) < 5 * math.sqrt(residual_var / N)


def test_residual_law_has_density_survival_over_mean() -> None:
    """For the lognormal, P(R > x) = ∫_x^∞ (1 − F(u)) du / E[L], computed here by quadrature of the normal CDF."""
    median_s, sigma = 7200.0, 1.0
    residual = sample_residual_lifetimes(LOGNORMAL, N, np.random.default_rng(3))
    u = np.linspace(0, 400 * median_s, 400_001)
    z = (np.log(np.maximum(u, 1e-300)) - math.log(median_s)) / sigma
    survival = 0.5 * np.array([math.erfc(v / math.sqrt(2)) for v in z])
    tail = np.concatenate([[0.0], np.cumsum((survival[1:] + survival[:-1]) / 2 * np.diff(u))])
    mean = tail[-1]
    for x in (0.5 * median_s, 2 * median_s, 10 * median_s):
        expected = 1 - np.interp(x, u, tail) / mean
        assert abs(np.mean(residual > x) - expected) < 5 * math.sqrt(expected * (1 - expected) / N)


def test_laplace_transform_of_the_exponential() -> None:
    """1 − E[e^{-sL}] for Exponential(m) is sm/(1 + sm); the lognormal quadrature gives E[L] as s → 0."""
    dist = lifetime_distribution(EXPONENTIAL)
    s = np.array([1e-5, 3e-4 + 7e-5j])
    assert np.allclose(dist.one_minus_laplace(s), s * 7200 / (1 + s * 7200), rtol=1e-12)
    lognormal = lifetime_distribution(LOGNORMAL)
    tiny = 1e-12
    assert math.isclose(
        (lognormal.one_minus_laplace(np.array([tiny]))[0] / tiny).real, mean_lifetime_s(LOGNORMAL), rel_tol=1e-6
    )
