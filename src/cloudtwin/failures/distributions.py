"""Up-time and repair-time distributions of a failure level, parameterised by their means.

Every distribution is scaled so its mean is the scenario's `mttf_days` / `repair_hours`,
so A = MTTF / (MTTF + MTTR) holds whatever the shapes. Besides fresh draws, each has its
equilibrium residual (the time left of the period a random instant falls in, density
(1 − F(x)) / mean), which starts a process in steady state:
- exponential: residual is the same exponential (memoryless);
- Weibull(k, λ): the length-biased period is λ·G^(1/k) with G ~ Gamma(1 + 1/k), since X^k is
  exponential; the residual is U times a length-biased period (U uniform);
- lognormal(μ, σ): length-biased is lognormal(μ + σ², σ); fixed d: residual U·d.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cloudtwin.errors import FailureModelError
from cloudtwin.failures.defaults import LevelName
from cloudtwin.scenario.model import FailureLevel
from cloudtwin.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

# Distribution codes shared with the compiled availability kernel.
TTF_EXPONENTIAL, TTF_WEIBULL = 0, 1
TTR_EXPONENTIAL, TTR_LOGNORMAL, TTR_FIXED = 0, 1, 2
_TTF = {"exponential": TTF_EXPONENTIAL, "weibull": TTF_WEIBULL}
_TTR = {"exponential": TTR_EXPONENTIAL, "lognormal": TTR_LOGNORMAL, "fixed": TTR_FIXED}


@dataclass(frozen=True)
class LevelParams:
    """One failure level in seconds and distribution codes, ready for vectorised draws."""

    mean_up_s: float
    mean_repair_s: float
    ttf_kind: int
    weibull_shape: float
    weibull_scale_s: float  # λ with λ·Γ(1 + 1/k) = mean_up_s
    ttr_kind: int
    lognormal_mu: float  # μ of ln(repair seconds), μ = ln(mean) − σ²/2
    repair_sigma: float
    burst_share: float

    @classmethod
    def of(cls, level: FailureLevel, key: str = "failures") -> LevelParams:
        """Convert a scenario `FailureLevel`; FailureModelError if the numbers overflow a simulation."""
        mean_up_s = level.mttf_days * SECONDS_PER_DAY
        mean_repair_s = level.repair_hours * SECONDS_PER_HOUR
        shape = level.weibull_shape if level.time_to_failure == "weibull" else 1.0
        try:
            scale = mean_up_s / math.gamma(1.0 + 1.0 / shape)
        except OverflowError:
            scale = 0.0
        if not (math.isfinite(mean_up_s) and math.isfinite(mean_repair_s) and scale > 0 and math.isfinite(scale)):
            raise FailureModelError(
                f"{key}: mttf_days={level.mttf_days!r}, repair_hours={level.repair_hours!r},"
                f" weibull_shape={level.weibull_shape!r} give no finite time scale"
            )
        sigma = level.repair_sigma
        return cls(
            mean_up_s=mean_up_s,
            mean_repair_s=mean_repair_s,
            ttf_kind=_TTF[level.time_to_failure],
            weibull_shape=shape,
            weibull_scale_s=scale,
            ttr_kind=_TTR[level.time_to_repair],
            lognormal_mu=math.log(mean_repair_s) - sigma * sigma / 2.0,
            repair_sigma=sigma,
            burst_share=level.burst_share,
        )

    @property
    def down_probability(self) -> float:
        """Steady-state probability of being down: MTTR / (MTTF + MTTR)."""
        return self.mean_repair_s / (self.mean_up_s + self.mean_repair_s)


def level_params(levels: Mapping[LevelName, FailureLevel]) -> dict[LevelName, LevelParams]:
    """Every level's parameters, checked (one rule for `run`, availability mode and the preflight): a finite time
    scale, and no burst share at the server level (a server fails whole; a burst is a share of a rack or larger).
    FailureModelError lists every problem, each at its key path."""
    params: dict[LevelName, LevelParams] = {}
    problems: list[str] = []
    for name, level in levels.items():
        try:
            params[name] = LevelParams.of(level, f"failures.{name}")
        except FailureModelError as exc:
            problems += exc.problems
            continue
        if name == "server" and params[name].burst_share < 1.0:
            problems.append(
                "failures.server.burst_share: a server fails whole; a burst is a share of a rack or larger"
                f" (got {params[name].burst_share!r})"
            )
    if problems:
        raise FailureModelError(problems=problems)
    return params


def draw_up_s(rng: np.random.Generator, p: LevelParams, n: int) -> np.ndarray:
    """`n` fresh up-times (seconds)."""
    if p.ttf_kind == TTF_WEIBULL:
        return p.weibull_scale_s * rng.weibull(p.weibull_shape, n)
    return rng.exponential(p.mean_up_s, n)


def draw_up_residual_s(rng: np.random.Generator, p: LevelParams, n: int) -> np.ndarray:
    """`n` equilibrium residual up-times (seconds): what is left of the up-time at a random instant."""
    if p.ttf_kind == TTF_WEIBULL:
        k = p.weibull_shape
        biased = p.weibull_scale_s * rng.gamma(1.0 + 1.0 / k, 1.0, n) ** (1.0 / k)
        return rng.random(n) * biased
    return rng.exponential(p.mean_up_s, n)


def draw_repair_s(rng: np.random.Generator, p: LevelParams, n: int) -> np.ndarray:
    """`n` fresh repair times (seconds)."""
    if p.ttr_kind == TTR_LOGNORMAL:
        return rng.lognormal(p.lognormal_mu, p.repair_sigma, n)
    if p.ttr_kind == TTR_FIXED:
        return np.full(n, p.mean_repair_s)
    return rng.exponential(p.mean_repair_s, n)


def draw_repair_residual_s(rng: np.random.Generator, p: LevelParams, n: int) -> np.ndarray:
    """`n` equilibrium residual repair times (seconds): what is left of a repair under way at a random instant."""
    if p.ttr_kind == TTR_LOGNORMAL:
        return rng.random(n) * rng.lognormal(p.lognormal_mu + p.repair_sigma**2, p.repair_sigma, n)
    if p.ttr_kind == TTR_FIXED:
        return rng.random(n) * p.mean_repair_s
    return rng.exponential(p.mean_repair_s, n)


def burst_units(p: LevelParams, n_units: np.ndarray | int) -> np.ndarray:
    """How many consecutive units (racks of a datacenter, servers of a rack, ...) one burst takes down.

    round(share × units), at least 1 and at most all of them; share 1 takes the whole domain.
    """
    units = np.asarray(n_units, dtype=np.int64)
    return np.clip(np.rint(p.burst_share * units).astype(np.int64), 1, np.maximum(units, 1))
