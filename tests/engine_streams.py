"""Poisson VM streams for the engine tests (a helper module, imported by name)."""

from __future__ import annotations

import numpy as np

from cloudtwin.arrivals import Arrivals


def poisson(
    rate_per_s: float,
    mean_life_s: float,
    horizon_s: float,
    seed: int,
    n_zones: int = 1,
    vcpus: tuple[int, ...] = (1,),
    memory_mib_per_vcpu: int = 1,
) -> Arrivals:
    """Poisson arrivals on [0, horizon) with exponential lifetimes, uniform zones and sizes."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate_per_s * horizon_s)
    t = np.sort(rng.uniform(0.0, horizon_s, n))
    size = rng.choice(np.array(vcpus), n)
    return Arrivals.from_columns(
        time_s=t,
        vcpus=size,
        memory_mib=size * memory_mib_per_vcpu,
        zone=rng.integers(0, n_zones, n),
        lifetime_s=rng.exponential(mean_life_s, n),
        instance_type=rng.integers(0, 3, n),
        workload=np.zeros(n),
    )


def split(arrivals: Arrivals, t_end: float) -> tuple[Arrivals, Arrivals]:
    """Arrivals before t_end, and the rest."""
    k = int(np.searchsorted(arrivals.time_s, t_end, side="left"))
    return arrivals.slice(0, k), arrivals.slice(k, len(arrivals))
