"""The explicit-arrivals API: run a given, time-sorted list of VM requests and report what happened.

It is the VMP-FF-85 contract of `peers/WORKLOAD.md`: the run ends right after the
last arrival is handled (departures at times <= its time processed, later ones
not), and `events` = arrivals + processed departures.
"""

from __future__ import annotations

import time

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine.core import Engine
from cloudtwin.engine.inputs import check_arrivals
from cloudtwin.errors import PlacementError


def simulate_explicit(
    server_vcpus: np.ndarray,
    server_memory_mib: np.ndarray,
    zone_server_start: np.ndarray,
    arrivals: Arrivals,
    policy: str = "first-fit",
    seed: int | np.random.SeedSequence = 0,
) -> dict[str, object]:
    """Place `arrivals` on an empty fleet and run until right after the last one.

    Returns accepted, rejected, departures, events, arrivals, sim_time_s, the
    final per-server free_vcpus / free_memory_mib, wall_s (state setup and
    simulation, `perf_counter`, as the peers time themselves) and events_per_s.
    Bad arrivals raise PlacementError.
    """
    starts = np.asarray(zone_server_start, dtype=np.int64)
    check_arrivals(arrivals, len(starts) - 1, PlacementError, -np.inf)
    vcpus = np.asarray(server_vcpus)
    # room for the VMs alive at once: Little's law (arrival rate x mean lifetime) + 25 % (estimate: margin
    # for fluctuation; the table grows if short), never more than every arrival or every vCPU filled
    smallest = int(arrivals.vcpus.min()) if len(arrivals) else 1
    bound = min(len(arrivals), int(vcpus.sum(dtype=np.int64)) // max(smallest, 1)) + 16
    if len(arrivals) and arrivals.time_s[-1] > 0:
        little = len(arrivals) / arrivals.time_s[-1] * float(arrivals.lifetime_s.mean())
        bound = min(bound, int(1.25 * little) + 1024)
    t0 = time.perf_counter()
    engine = Engine(
        vcpus, server_memory_mib, starts, policy=policy, seed=seed, sample_every_s=np.inf, vm_capacity_hint=bound
    )
    engine.run_explicit(arrivals, check=False)  # checked above, outside the timing
    wall = time.perf_counter() - t0
    c = engine.counters()
    return {
        "arrivals": c.arrivals,
        "accepted": c.accepted,
        "rejected": c.refused,
        "departures": c.departures,
        "events": c.events,
        "sim_time_s": engine.now_s,
        "free_vcpus": engine.free_vcpus(),
        "free_memory_mib": engine.free_memory_mib(),
        "wall_s": wall,
        "events_per_s": c.events / wall if wall > 0 else float("nan"),
    }
