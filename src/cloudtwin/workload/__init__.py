"""The workload stage: VM requests (Poisson with diurnal cycle and growth, or replayed traces) and the steady start.

`WorkloadSampler(scenario, seed)` is the entry point; `Arrivals` is the format
every source produces; `lifetimes` holds the lifetime laws, including the
empirical Azure V1 (2017) table shipped in `data/`.
"""

from __future__ import annotations

from cloudtwin.arrivals import Arrivals
from cloudtwin.workload.explicit import explicit_arrivals
from cloudtwin.workload.lifetimes import (
    mean_lifetime_s,
    sample_length_biased_lifetimes,
    sample_lifetimes,
    sample_residual_lifetimes,
)
from cloudtwin.workload.sampler import WorkloadSampler
from cloudtwin.workload.steady import initial_population

__all__ = [
    "Arrivals",
    "WorkloadSampler",
    "explicit_arrivals",
    "initial_population",
    "mean_lifetime_s",
    "sample_length_biased_lifetimes",
    "sample_lifetimes",
    "sample_residual_lifetimes",
]
