"""A service's healthy replicas over a run as a step function, and the figures read off it.

The history is the running-replica count after each change, as (time_s, replicas) pairs in time
order, the first at the start of the run; several changes at one instant keep the last (a replica
that goes down and comes back at the same instant is no outage). From it, over [0, horizon_s]:
availability (the fraction of time with at least `at_least` replicas running), downtime minutes
per year (1 - availability, scaled to a 365.25-day year), incidents (maximal unhealthy periods) and
the longest outage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cloudtwin.units import MINUTES_PER_YEAR, SECONDS_PER_MINUTE


def last_per_instant(time_s: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of several entries at one time, keep the last (times must be sorted)."""
    time_s = np.asarray(time_s, dtype=np.float64)
    value = np.asarray(value)
    if len(time_s) == 0:
        return time_s, value
    last = np.ones(len(time_s), dtype=bool)
    last[:-1] = time_s[1:] != time_s[:-1]
    return time_s[last], value[last]


@dataclass(frozen=True)
class HealthFigures:
    """What the `services` summary reports for one service."""

    availability: float
    downtime_minutes_per_year: float
    incidents: int
    longest_outage_minutes: float


def health_figures(time_s: np.ndarray, replicas: np.ndarray, at_least: int, horizon_s: float) -> HealthFigures:
    """Availability, downtime, incidents and longest outage of a replica-count history over [0, horizon_s]."""
    t, n = last_per_instant(time_s, replicas)
    keep = t < horizon_s
    t, n = t[keep], n[keep]
    if len(t) == 0 or horizon_s <= 0:
        return HealthFigures(1.0, 0.0, 0, 0.0)
    ends = np.append(t[1:], horizon_s)
    span = ends - t
    down = n < at_least
    down_s = float(span[down].sum())
    # An outage starts where an unhealthy step follows a healthy one (or opens the run).
    starts = down & ~np.concatenate(([False], down[:-1]))
    outage_id = np.cumsum(starts)[down]
    lengths = np.bincount(outage_id, weights=span[down])[1:] if down.any() else np.zeros(0)
    availability = 1.0 - down_s / horizon_s
    return HealthFigures(
        availability=availability,
        downtime_minutes_per_year=(1.0 - availability) * MINUTES_PER_YEAR,
        incidents=int(starts.sum()),
        longest_outage_minutes=float(lengths.max()) / SECONDS_PER_MINUTE if len(lengths) else 0.0,
    )


def sampled(time_s: np.ndarray, replicas: np.ndarray, at_s: np.ndarray) -> np.ndarray:
    """The replica count in force at each of `at_s` (after every change at or before it)."""
    t, n = last_per_instant(time_s, replicas)
    k = np.searchsorted(t, at_s, side="right") - 1
    return n[np.maximum(k, 0)]
