"""VM lifetime distributions: exponential, lognormal and the empirical Azure V1 (2017) table.

Besides plain samples each distribution gives what a steady-state start needs
(DESIGN.md principle 4): the length-biased law (density l·f(l)/E[L], the
lifetime of a VM found running at a random instant) and its Laplace transform
E[e^{-sL}]. A resident VM's residual life is U·L_b with U uniform and L_b
length-biased, which has the equilibrium density (1 − F(x))/E[L] (renewal
theory, e.g. Ross, "Stochastic Processes", 2nd ed., §3.4). Times are seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import numpy as np

from cloudtwin.errors import WorkloadError
from cloudtwin.scenario.model import (
    EmpiricalLifetime,
    ExponentialLifetime,
    LognormalLifetime,
)
from cloudtwin.workload.kernels import length_biased_in_bins, uniform_in_bins
from cloudtwin.workload.targets import Categorical

LifetimeModel = ExponentialLifetime | LognormalLifetime | EmpiricalLifetime
AZURE_V1_TABLE = "azure_v1_lifetimes.csv"


@dataclass(frozen=True)
class Exponential:
    """Memoryless lifetimes with mean `mean_s`."""

    mean_s: float

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_exponential(n) * self.mean_s

    def sample_length_biased(self, n: int, rng: np.random.Generator) -> np.ndarray:
        # l·f(l)/m for f exponential is Gamma(2, m): the sum of two exponentials.
        return rng.standard_gamma(2.0, n) * self.mean_s

    def one_minus_laplace(self, s: np.ndarray) -> np.ndarray:
        """1 − E[e^{-sL}] = s·m / (1 + s·m)."""
        sm = np.asarray(s) * self.mean_s
        return sm / (1.0 + sm)


@dataclass(frozen=True)
class Lognormal:
    """ln L ~ Normal(mu, sigma²): median e^mu, mean e^{mu + sigma²/2}."""

    mu: float
    sigma: float

    @property
    def mean_s(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.lognormal(self.mu, self.sigma, n)

    def sample_length_biased(self, n: int, rng: np.random.Generator) -> np.ndarray:
        # l·f(l)/E[L] for a lognormal is again lognormal, with mu + sigma².
        return rng.lognormal(self.mu + self.sigma**2, self.sigma, n)

    def one_minus_laplace(self, s: np.ndarray) -> np.ndarray:
        """1 − E[e^{-sL}] by the trapezoid rule over z = (ln L − mu)/sigma on [−12, 12] (no closed form)."""
        z = np.linspace(-12.0, 12.0, 48_001)
        weight = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) * (z[1] - z[0])
        weight[[0, -1]] *= 0.5
        lifetimes = np.exp(self.mu + self.sigma * z)
        s = np.atleast_1d(np.asarray(s, dtype=np.complex128))
        return np.array([np.sum(-np.expm1(-si * lifetimes) * weight) for si in s])


@dataclass(frozen=True, eq=False)
class PiecewiseUniform:
    """Lifetimes uniform within contiguous bins [lo_s, hi_s) picked with `probability` (an empirical table)."""

    lo_s: np.ndarray
    hi_s: np.ndarray
    probability: np.ndarray

    def __post_init__(self) -> None:
        if np.any(self.hi_s <= self.lo_s) or np.any(self.lo_s[1:] != self.hi_s[:-1]):
            raise WorkloadError("lifetime table: bins must be contiguous with hi_s > lo_s")
        if np.any(self.probability < 0) or not math.isclose(self.probability.sum(), 1.0, abs_tol=1e-6):
            raise WorkloadError("lifetime table: probabilities must be >= 0 and sum to 1")

    @cached_property
    def _positive(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(lo, width, probability, cumulative upper) of the bins with positive probability."""
        keep = self.probability > 0
        cum_upper = np.cumsum(self.probability / self.probability.sum())[keep]
        cum_upper[-1] = 1.0
        return self.lo_s[keep], (self.hi_s - self.lo_s)[keep], self.probability[keep], cum_upper

    @cached_property
    def _cdf_knots(self) -> tuple[np.ndarray, np.ndarray]:
        cum = np.minimum(np.cumsum(self.probability), 1.0)
        return np.concatenate([self.lo_s[:1], self.hi_s]), np.concatenate([[0.0], cum])

    @property
    def mean_s(self) -> float:
        return float(np.sum(self.probability * (self.lo_s + self.hi_s) / 2))

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF: u in [0, 1) -> lifetime (linear within the bin, i.e. uniform within it)."""
        lo, width, prob, cum_upper = self._positive
        k = np.minimum(np.searchsorted(cum_upper, u, side="right"), len(lo) - 1)
        lower = cum_upper[k] - prob[k]
        return lo[k] + np.clip((u - lower) / prob[k], 0.0, 1.0) * width[k]

    def cdf(self, lifetime_s: np.ndarray) -> np.ndarray:
        return np.interp(lifetime_s, *self._cdf_knots)

    @cached_property
    def _bins(self) -> Categorical:
        return Categorical(self.probability)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Pick a bin by probability (alias method), then uniform within it."""
        u_bin, u_pos = rng.random(n), rng.random(n)
        return uniform_in_bins(u_bin, u_pos, *self._bins.alias_table, self.lo_s, self.hi_s - self.lo_s)

    def sample_beyond(self, age_s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Lifetimes conditional on exceeding `age_s` (inverse CDF on (F(age), 1)); `age_s` itself past the table."""
        f_age = self.cdf(age_s)
        lifetimes = self.quantile(f_age + rng.random(len(age_s)) * (1.0 - f_age))
        return np.maximum(lifetimes, age_s)

    @cached_property
    def _length_biased_bins(self) -> Categorical:
        return Categorical(self.probability * (self.lo_s + self.hi_s) / 2)

    def sample_length_biased(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Bin k with probability ∝ p_k·E[L | k]; within it density ∝ l on [lo, hi), by inversion."""
        u_bin, u_pos = rng.random(n), rng.random(n)
        return length_biased_in_bins(u_bin, u_pos, *self._length_biased_bins.alias_table, self.lo_s, self.hi_s)

    def one_minus_laplace(self, s: np.ndarray) -> np.ndarray:
        """1 − Σ p_k (e^{-s·lo} − e^{-s·hi}) / (s·(hi − lo)), the transform of a uniform per bin."""
        s = np.atleast_1d(np.asarray(s, dtype=np.complex128))
        out = np.zeros(len(s), dtype=np.complex128)
        for i, si in enumerate(s):
            if si == 0:
                continue
            width = self.hi_s - self.lo_s
            uniform = np.exp(-si * self.lo_s) * -np.expm1(-si * width) / (si * width)
            out[i] = 1.0 - np.sum(self.probability * uniform)
        return out


LifetimeDistribution = Exponential | Lognormal | PiecewiseUniform


@lru_cache(maxsize=1)
def azure_v1_table() -> PiecewiseUniform:
    """The shipped Azure V1 lifetime table (see data/ATTRIBUTION.md and `derive_azure_lifetimes`)."""
    text = (resources.files("cloudtwin.workload") / "data" / AZURE_V1_TABLE).read_text(encoding="ascii")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    header = rows[0].split(",")
    table = np.array([[float(x) for x in row.split(",")] for row in rows[1:]])
    col = {name: table[:, header.index(name)] for name in ("lo_s", "hi_s", "probability")}
    return PiecewiseUniform(lo_s=col["lo_s"], hi_s=col["hi_s"], probability=col["probability"])


def lifetime_distribution(model: LifetimeModel) -> LifetimeDistribution:
    """The distribution object for a scenario lifetime model (hours in the scenario, seconds here)."""
    if isinstance(model, ExponentialLifetime):
        return Exponential(mean_s=model.mean_hours * 3600.0)
    if isinstance(model, LognormalLifetime):
        return Lognormal(mu=math.log(model.median_hours * 3600.0), sigma=model.sigma)
    if isinstance(model, EmpiricalLifetime) and model.source == "azure-v1":
        return azure_v1_table()
    raise WorkloadError(f"unsupported lifetime model {model!r}")


def mean_lifetime_s(model: LifetimeModel) -> float:
    """E[L] in seconds: exponential mean; lognormal median·e^{σ²/2}; empirical Σ p_k (lo_k + hi_k)/2."""
    return float(lifetime_distribution(model).mean_s)


def sample_lifetimes(model: LifetimeModel, n: int, rng: np.random.Generator) -> np.ndarray:
    """n lifetimes in seconds (float64)."""
    return lifetime_distribution(model).sample(n, rng)


def sample_length_biased_lifetimes(model: LifetimeModel, n: int, rng: np.random.Generator) -> np.ndarray:
    """n lifetimes from the length-biased law l·f(l)/E[L] (the total life of a VM seen running), seconds."""
    return lifetime_distribution(model).sample_length_biased(n, rng)


def sample_residual_lifetimes(model: LifetimeModel, n: int, rng: np.random.Generator) -> np.ndarray:
    """n residual lifetimes from the equilibrium law (1 − F(x))/E[L]: U·L_b with L_b length-biased."""
    dist = lifetime_distribution(model)
    total = dist.sample_length_biased(n, rng)
    return total * (1.0 - rng.random(n))


def equilibrium_laplace(dist: LifetimeDistribution, s: complex) -> complex:
    """E[e^{-sA}] for A with the equilibrium density (1 − F(a))/E[L]: (1 − E[e^{-sL}]) / (s·E[L]); 1 at s = 0."""
    if s == 0:
        return 1.0 + 0.0j
    return complex(dist.one_minus_laplace(np.asarray([s]))[0] / (s * dist.mean_s))
