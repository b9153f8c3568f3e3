"""Availability closed forms: one repairable component, k-of-n replicas, replicas spread over zones.

These are the independent checks the failures Monte Carlo is tested against, and a
calculator for architects ("4 of 6 replicas over 3 zones: how many nines?").

Sources:
- A = MTTF / (MTTF + MTTR) for an alternating renewal process (up-times of mean MTTF,
  repairs of mean MTTR, any distributions): the long-run fraction of time up is the mean
  up-time over the mean cycle (renewal-reward theorem; S. M. Ross, *Stochastic Processes*,
  2nd ed., 1996, Thm. 3.4.4).
- k-of-n of independent components: the binomial (identical) or Poisson-binomial
  (heterogeneous) probability that at least k of n are up at a random instant; independence
  of the components' processes makes their states at one instant independent.
- A replica that restarts elsewhere after `delay` instead of waiting for an exponential
  repair of mean m is down min(X, delay) per failure, and E[min(X, d)] = m·(1 − e^(−d/m))
  for X ~ Exponential(mean m) (integrate the survival function e^(−x/m) from 0 to d).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from cloudtwin.errors import AnalysisError

__all__ = [
    "MINUTES_PER_YEAR",
    "component_availability",
    "downtime_minutes_per_year",
    "k_of_n_availability",
    "k_of_n_heterogeneous",
    "nines",
    "restart_availability",
    "service_availability_over_zones",
]

# A Julian year (365.25 days) in minutes: the year every per-year figure of cloudtwin uses.
MINUTES_PER_YEAR = 365.25 * 24 * 60


def component_availability(mttf: float, mttr: float) -> float:
    """Long-run fraction of time a repairable component is up: MTTF / (MTTF + MTTR), in any one time unit."""
    if not (mttf > 0 and mttr >= 0 and math.isfinite(mttf) and math.isfinite(mttr)):
        raise AnalysisError(f"`mttf` must be > 0 and `mttr` >= 0, both finite (got mttf={mttf!r}, mttr={mttr!r})")
    return mttf / (mttf + mttr)


def restart_availability(mttf: float, mttr: float, delay: float) -> float:
    """Availability of a replica that restarts elsewhere `delay` after a failure rather than wait for repair.

    Up-times exponential of mean `mttf` (so a fresh host is as good as a repaired one), repairs
    exponential of mean `mttr`; each outage lasts min(repair, delay), of mean mttr·(1 − e^(−delay/mttr)).
    """
    if not delay >= 0:
        raise AnalysisError(f"`delay` must be >= 0 (got {delay!r})")
    component_availability(mttf, mttr)  # validates
    outage = mttr * -math.expm1(-delay / mttr) if mttr > 0 else 0.0
    return mttf / (mttf + outage)


def k_of_n_availability(k: int, n: int, a: float) -> float:
    """P(at least k of n independent components are up), each up with probability `a` (binomial sum)."""
    _check_k_n(k, n)
    _check_probability(a, "a")
    # Sum the down side (fewer than k up) and subtract: at the nines it is the small, accurate term.
    down = sum(math.comb(n, i) * a**i * (1.0 - a) ** (n - i) for i in range(k))
    return 1.0 - down


def k_of_n_heterogeneous(k: int, availabilities: Sequence[float]) -> float:
    """P(at least k up) for independent components with their own availabilities (Poisson-binomial DP)."""
    n = len(availabilities)
    _check_k_n(k, n)
    for i, a in enumerate(availabilities):
        _check_probability(a, f"availabilities[{i}]")
    return float(_at_least(k, _count_distribution([(1, float(a)) for a in availabilities])))


def service_availability_over_zones(
    k: int,
    replicas_per_zone: Sequence[int],
    zone_availability: float | Sequence[float],
    replica_availability: float = 1.0,
) -> float:
    """P(at least k replicas run) for replicas spread over zones that fail as a whole.

    Conditioning on which zones are up: zone z is up with probability `zone_availability[z]`
    (one number for all zones, or one per zone), independently; while up, each of its
    `replicas_per_zone[z]` replicas runs independently with probability `replica_availability`;
    while down, none of them does.
    """
    counts = [int(c) for c in replicas_per_zone]
    if not counts or any(c < 0 for c in counts):
        raise AnalysisError(f"`replicas_per_zone` must be non-empty counts >= 0 (got {list(replicas_per_zone)!r})")
    _check_k_n(k, sum(counts))
    if isinstance(zone_availability, (int, float, np.integer, np.floating)):
        zone_a = [float(zone_availability)] * len(counts)
    else:
        zone_a = list(zone_availability)
    if len(zone_a) != len(counts):
        raise AnalysisError(
            f"`zone_availability` has {len(zone_a)} values for {len(counts)} zones; give one number or one per zone"
        )
    for i, a in enumerate(zone_a):
        _check_probability(a, f"zone_availability[{i}]")
    _check_probability(replica_availability, "replica_availability")
    return float(_at_least(k, _count_distribution(list(zip(counts, zone_a)), replica_availability)))


def nines(a: float) -> float:
    """Number of nines of an availability: −log10(1 − a) (0.999 → 3.0; inf for a = 1)."""
    _check_probability(a, "a")
    return math.inf if a >= 1.0 else -math.log10(1.0 - a)


def downtime_minutes_per_year(a: float) -> float:
    """Expected minutes down per (Julian) year at availability `a`: (1 − a) · 525,960."""
    _check_probability(a, "a")
    return (1.0 - a) * MINUTES_PER_YEAR


# --------------------------------------------------------------------------- helpers


def _count_distribution(groups: list[tuple[int, float]], member_availability: float = 1.0) -> np.ndarray:
    """Distribution of the number of running members over independent groups.

    Each group (size, availability) is up with its probability; an up group's members run
    independently with `member_availability`, a down group's members do not run.
    """
    dist = np.zeros(1)
    dist[0] = 1.0
    for size, a in groups:
        up = np.array(
            [
                math.comb(size, i) * member_availability**i * (1 - member_availability) ** (size - i)
                for i in range(size + 1)
            ]
        )
        group = a * up
        group[0] += 1.0 - a
        dist = np.convolve(dist, group)
    return dist


def _at_least(k: int, dist: np.ndarray) -> float:
    """P(count >= k) as 1 − P(count < k): the small term is summed, so nines survive."""
    return 1.0 - float(dist[:k].sum())


def _check_k_n(k: int, n: int) -> None:
    if not (isinstance(k, (int, np.integer)) and isinstance(n, (int, np.integer)) and 0 <= k <= n):
        raise AnalysisError(f"need integers 0 <= k <= n (got k={k!r}, n={n!r})")


def _check_probability(a: float, name: str) -> None:
    if not (isinstance(a, (int, float, np.floating)) and 0.0 <= a <= 1.0):
        raise AnalysisError(f"`{name}` must be a probability in [0, 1] (got {a!r})")
