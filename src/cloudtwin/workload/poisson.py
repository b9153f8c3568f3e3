"""Poisson arrivals with a diurnal cycle and yearly growth, sampled one block of simulated time at a time.

The rate of a workload at time t (seconds from 00:00 UTC of day 0) towards zone z is

    λ_z(t) = per_hour/3600 · p_z · (1 + a·cos(2π(t_local_hours − peak_hour)/24)) · (1 + g)^(t / 1 year)

with t_local the zone's region local time and 1 year = 365.25 days. The cosine
averages to 0 over a day, so `per_hour` is the mean rate (before growth). Each
block [b·B, (b+1)·B) is sampled exactly by thinning (Lewis & Shedler 1979): a
homogeneous envelope process at the block's maximal rate, built from exponential
gaps (so already sorted), each candidate marked with a zone and kept with
probability λ_z(t)/envelope. A block depends only on (seed, workload, b).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.scenario.model import PoissonArrivals
from cloudtwin.workload.kernels import thin_in_place
from cloudtwin.workload.lifetimes import LifetimeDistribution
from cloudtwin.workload.streams import Purpose, Streams
from cloudtwin.workload.targets import Categorical

BLOCK_S = 3600.0
DAY_S = 86_400.0
YEAR_S = 365.25 * DAY_S
OMEGA_PER_S = 2 * math.pi / DAY_S


def poisson_offsets(rng: np.random.Generator, rate_per_s: float, span_s: float) -> np.ndarray:
    """Sorted event times in [0, span_s) of a homogeneous Poisson process, from cumulated exponential gaps."""
    mean = rate_per_s * span_s
    if mean <= 0:
        return np.empty(0)
    parts = []
    last = 0.0
    while True:
        gaps = rng.standard_exponential(int(mean + 6 * math.sqrt(mean) + 16))
        gaps *= 1.0 / rate_per_s
        times = np.cumsum(gaps)
        times += last
        parts.append(times)
        if times[-1] >= span_s:
            break
        last = times[-1]
    times = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return times[: np.searchsorted(times, span_s, side="left")]


@dataclass(frozen=True, eq=False)
class PoissonSource:
    """One Poisson workload entry, ready to sample any block of time."""

    workload: int
    rate_per_s: float
    amplitude: float
    peak_hour: float
    growth_per_year: float
    zones: Categorical
    zone_utc_offset_hours: np.ndarray  # per world zone
    mix: Categorical
    type_vcpus: np.ndarray
    type_memory_mib: np.ndarray
    lifetime: LifetimeDistribution

    @classmethod
    def of(cls, workload: int, arrivals: PoissonArrivals, **parts: object) -> PoissonSource:
        diurnal = arrivals.diurnal
        return cls(
            workload=workload,
            rate_per_s=arrivals.per_hour / 3600.0,
            amplitude=diurnal.amplitude if diurnal else 0.0,
            peak_hour=diurnal.peak_hour if diurnal else 0.0,
            growth_per_year=arrivals.growth_per_year,
            **parts,  # type: ignore[arg-type]
        )

    @property
    def growth_per_s(self) -> float:
        """κ with (1 + g)^(t / year) = e^{κt}."""
        return math.log1p(self.growth_per_year) / YEAR_S

    def zone_phase_rad(self) -> np.ndarray:
        """θ_z with 1 + a·cos(ωt + θ_z) the diurnal factor of zone z (ω = 2π/day)."""
        return 2 * math.pi * (self.zone_utc_offset_hours - self.peak_hour) / 24.0

    def block(self, b: int, streams: Streams) -> Arrivals:
        """The arrivals of block b, i.e. in [b·BLOCK_S, (b+1)·BLOCK_S), sorted by time."""
        start_s = b * BLOCK_S
        kappa = self.growth_per_s
        growth_max = math.exp(kappa * (start_s + BLOCK_S if kappa > 0 else start_s))
        envelope = self.rate_per_s * (1.0 + self.amplitude) * growth_max
        times_rng = streams.generator(self.workload, Purpose.ARRIVAL_TIMES, b)
        time_s = poisson_offsets(times_rng, envelope, BLOCK_S)
        time_s += start_s
        zone = self.zones.draw(streams.generator(self.workload, Purpose.TARGETS, b), len(time_s))
        if self.amplitude > 0 or kappa != 0:
            u = times_rng.random(len(time_s))
            kept = thin_in_place(
                time_s, zone, u, self.zone_phase_rad(), OMEGA_PER_S, self.amplitude, kappa, start_s, BLOCK_S, growth_max
            )
            time_s, zone = time_s[:kept].copy(), zone[:kept].copy()
        n = len(time_s)
        kind = self.mix.draw(streams.generator(self.workload, Purpose.INSTANCE_MIX, b), n)
        lifetime_s = self.lifetime.sample(n, streams.generator(self.workload, Purpose.LIFETIMES, b))
        return Arrivals(
            time_s=time_s,
            vcpus=self.type_vcpus[kind],
            memory_mib=self.type_memory_mib[kind],
            instance_type=kind,
            zone=zone,
            lifetime_s=lifetime_s,
            workload=np.full(n, self.workload, dtype=np.int32),
        )
