"""The stationary VM population at t = 0, so a run starts in steady state (DESIGN.md principle 4).

For Poisson arrivals of rate λ(t) and lifetimes L (an M_t/G/∞ system started
long ago) the VMs running at 0 are a Poisson process over their ages u with
intensity λ(−u)·(1 − F(u)); each one's total life is L conditioned on L > u.
With constant rate that is Poisson(λ·E[L]) VMs whose residual lives follow the
equilibrium law (1 − F(x))/E[L]. Sampling here is exact for the diurnal cycle
too: candidates are drawn for the constant rate λ̄·(1 + a) — total life L_b
length-biased, age U·L_b, residual (1 − U)·L_b — and kept with probability
λ(−age)/(λ̄·(1 + a)). Growth g > 0 is carried into the past the same way
(factor (1 + g)^(−age/year) ≤ 1); with g < 0 the rate before 0 is held at its
t = 0 level, as a shrinking rate extended into an infinite past has no finite
stationary population for heavy-tailed lifetimes. Trace workloads start empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.workload.kernels import thin_ages_in_place
from cloudtwin.workload.lifetimes import equilibrium_laplace
from cloudtwin.workload.poisson import OMEGA_PER_S, PoissonSource
from cloudtwin.workload.streams import Purpose, Streams

CANDIDATE_BATCH = 1 << 18  # candidates per pass (2 MiB temporaries); part of the seed contract


def _past_growth_per_s(source: PoissonSource) -> float:
    return max(source.growth_per_s, 0.0)


def expected_resident(source: PoissonSource) -> float:
    """Mean number of VMs of `source` running at t = 0: ∫ λ(−u)(1 − F(u)) du over u ≥ 0.

    = λ̄·E[L]·Σ_z p_z·(Ψ(κ) + a·Re(e^{iθ_z}·Ψ(κ + iω))), where Ψ(s) = E[e^{−sA}] for A
    equilibrium-distributed, θ_z the zone's diurnal phase and κ the past growth rate.
    """
    dist = source.lifetime
    kappa = _past_growth_per_s(source)
    factor = np.full(len(source.zones.probability), equilibrium_laplace(dist, kappa).real)
    if source.amplitude > 0:
        psi = equilibrium_laplace(dist, complex(kappa, OMEGA_PER_S))
        factor += source.amplitude * (np.exp(1j * source.zone_phase_rad()) * psi).real
    return float(source.rate_per_s * dist.mean_s * np.sum(source.zones.probability * factor))


def _join(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def initial_population_of(source: PoissonSource, streams: Streams) -> Arrivals:
    """The VMs of one Poisson workload running at t = 0 (time_s = 0, lifetime_s = residual life)."""
    w = source.workload
    rng = streams.generator(w, Purpose.INITIAL_POPULATION)
    targets_rng = streams.generator(w, Purpose.INITIAL_TARGETS)
    n_candidates = int(rng.poisson(source.rate_per_s * (1.0 + source.amplitude) * source.lifetime.mean_s))
    kappa = _past_growth_per_s(source)
    phase = source.zone_phase_rad()
    zones, residuals = [], []
    for first in range(0, n_candidates, CANDIDATE_BATCH):
        n = min(CANDIDATE_BATCH, n_candidates - first)
        total_s = source.lifetime.sample_length_biased(n, rng)
        split = rng.random(n)
        age_s, residual_s = total_s * split, total_s * (1.0 - split)
        zone = source.zones.draw(targets_rng, n)
        if source.amplitude > 0 or kappa > 0:
            kept = thin_ages_in_place(
                age_s, residual_s, zone, rng.random(n), phase, OMEGA_PER_S, source.amplitude, kappa
            )
            residual_s, zone = residual_s[:kept].copy(), zone[:kept].copy()
        zones.append(zone)
        residuals.append(residual_s)
    zone = _join(zones, np.int32)
    residual_s = _join(residuals, np.float64)
    n = len(zone)
    kind = source.mix.draw(streams.generator(w, Purpose.INITIAL_MIX), n)
    return Arrivals(
        time_s=np.zeros(n),
        vcpus=source.type_vcpus[kind],
        memory_mib=source.type_memory_mib[kind],
        instance_type=kind,
        zone=zone,
        lifetime_s=residual_s,
        workload=np.full(n, w, dtype=np.int32),
    )


def initial_population(sources: Sequence[PoissonSource], streams: Streams) -> Arrivals:
    """The stationary population of every Poisson workload in `sources` at t = 0, in workload order."""
    parts = [initial_population_of(source, streams) for source in sources]
    return parts[0] if len(parts) == 1 else Arrivals.concat(parts, sort=False)
