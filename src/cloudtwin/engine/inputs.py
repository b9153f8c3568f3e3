"""What the engine checks of its input, in one compiled pass (no array-sized temporaries), and estimates from it."""

from __future__ import annotations

import numpy as np
from numba import njit

from cloudtwin.arrivals import Arrivals
from cloudtwin.errors import CloudtwinError

# _first_bad() result slots: first offending index per rule, -1 = none
UNSORTED, EARLY, LATE, ZONE, VCPUS, MEMORY, LIFETIME = range(7)


@njit(cache=True, nogil=True)
def _first_bad(
    time_s: np.ndarray,
    zone: np.ndarray,
    vcpus: np.ndarray,
    memory_mib: np.ndarray,
    lifetime_s: np.ndarray,
    n_zones: int,
    not_before_s: float,
    before_s: float,
    timed: bool,
) -> np.ndarray:
    """The first index breaking each rule (see the slot names), -1 where none does."""
    out = np.full(7, -1, dtype=np.int64)
    for k in range(len(zone)):
        if timed:
            t = time_s[k]
            if out[UNSORTED] < 0 and (not np.isfinite(t) or (k > 0 and t < time_s[k - 1])):
                out[UNSORTED] = k
            if out[EARLY] < 0 and t < not_before_s:
                out[EARLY] = k
            if out[LATE] < 0 and t >= before_s:
                out[LATE] = k
        if out[ZONE] < 0 and (zone[k] < 0 or zone[k] >= n_zones):
            out[ZONE] = k
        if out[VCPUS] < 0 and vcpus[k] < 1:
            out[VCPUS] = k
        if out[MEMORY] < 0 and memory_mib[k] < 0:
            out[MEMORY] = k
        if out[LIFETIME] < 0 and not (np.isfinite(lifetime_s[k]) and lifetime_s[k] >= 0):
            out[LIFETIME] = k
    return out


def check_arrivals(
    arrivals: Arrivals,
    n_zones: int,
    error: type[CloudtwinError],
    not_before_s: float,
    before_s: float = np.inf,
    timed: bool = True,
) -> None:
    """Raise `error` listing every way `arrivals` breaks the engine's input contract (`timed`: check time_s)."""
    if not isinstance(arrivals, Arrivals):
        raise error(f"arrivals must be a cloudtwin.arrivals.Arrivals (got {type(arrivals).__name__})")
    if len(arrivals) == 0:
        return
    a = arrivals
    bad = _first_bad(
        a.time_s, a.zone, a.vcpus, a.memory_mib, a.lifetime_s, n_zones, float(not_before_s), float(before_s), timed
    )
    problems = []
    if bad[UNSORTED] >= 0:
        problems.append("arrivals.time_s must be finite and sorted ascending")
    elif bad[EARLY] >= 0 or bad[LATE] >= 0:
        problems.append(
            f"arrivals.time_s must lie in [{not_before_s}, {before_s}) (got {a.time_s[0]} .. {a.time_s[-1]})"
        )
    for name, slot, rule in (
        ("zone", ZONE, f"in [0, {n_zones})"),
        ("vcpus", VCPUS, ">= 1"),
        ("memory_mib", MEMORY, ">= 0"),
        ("lifetime_s", LIFETIME, "finite and >= 0"),
    ):
        if bad[slot] >= 0:
            k = int(bad[slot])
            problems.append(f"arrivals.{name}[{k}]: must be {rule} (got {getattr(a, name)[k]})")
    if problems:
        raise error(problems=problems)


def initial_departure_rate(lifetime_s: np.ndarray) -> float:
    """Departures a second just after a batch of VMs with these (residual) lifetimes starts: n·P(L <= x)/x
    for x the 1/64 quantile, estimated on a strided sample of at most 65,536 (nan if it cannot be told)."""
    life = np.asarray(lifetime_s, dtype=np.float64)
    sample = life[:: max(1, len(life) // 65536)]
    sample = sample[sample > 0]
    if len(sample) < 64:
        return float("nan")
    m = len(sample) // 64
    x = float(np.partition(sample, m - 1)[m - 1])
    return len(life) * (m / len(sample)) / x
