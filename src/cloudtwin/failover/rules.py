"""The restart model: what happens to a VM or a service replica when its server, rack, datacenter, zone or region fails.

Written once, here, and used by both ways of asking: `Failover` inside `cloudtwin run` and the
availability kernel of `cloudtwin availability` call these (compiled) functions.

1. A failure takes its servers down; every VM and replica on them is interrupted at that instant.
   A repaired server comes back empty.
2. Its first restart attempt is due `failures.restart.delay_minutes` later (`first_attempt_s`). A zone
   or region failure is different: nothing moves to another zone, so the VMs wait for its repair
   and are tried then, unless the service has `replace_in_other_zone` (its replicas are tried after
   the delay, in another of the service's zones).
3. At an attempt a VM goes to a server that is up and has room for it, inside its allowed zones:
   a tenant VM by its zone's placement policy; a replica to the lowest-numbered such server on a
   rack that hosts no other running replica of its service (the spread rule, `free_ranges`),
   trying its own zone first, then (with `replace_in_other_zone`) the service's other zones in
   the scenario's order.
4. Nothing fits: it waits, and is tried again whenever something may have freed room — a repair,
   a replica leaving a rack, a restart coming due (and, in a run, every `RETRY_EVERY_S` for the
   departures of tenant VMs). A tenant VM gives up at the first attempt at or after
   `failures.restart.timeout_hours` after its interruption and is counted lost
   (`give_up_s`). A service replica is never lost: it waits until it can be placed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cloudtwin.failures.defaults import ZONE

#: While ready tenant VMs wait for room, a run tries them again this often (estimate: a control plane's
#: retry loop; departures of tenant VMs free room between repairs, and each try costs one handler).
RETRY_EVERY_S = 60.0


@njit(cache=True)
def first_attempt_s(t_s: float, level: int, repair_s: float, delay_s: float, moves_zone: bool) -> float:
    """When a VM interrupted at `t_s` by a failure of `level` (repaired at `repair_s`) is first tried."""
    if level >= ZONE and not moves_zone:
        return repair_s
    return t_s + delay_s


@njit(cache=True)
def give_up_s(t_s: float, first_s: float, timeout_s: float) -> float:
    """When a tenant VM interrupted at `t_s` is lost if still unplaced: the timeout, never before its first attempt.

    (A service replica has no such time: it is never lost.)
    """
    return max(t_s + timeout_s, first_s)


@njit(cache=True)
def free_ranges(lo: int, hi: int, blocked_lo: np.ndarray, blocked_hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Server ranges of [lo, hi) outside the blocked ranges (sorted by start, possibly overlapping), ascending."""
    out_lo = np.empty(len(blocked_lo) + 1, np.int64)
    out_hi = np.empty(len(blocked_lo) + 1, np.int64)
    n = 0
    at = lo
    for i in range(len(blocked_lo)):
        b0, b1 = max(blocked_lo[i], lo), min(blocked_hi[i], hi)
        if b1 <= b0:
            continue
        if b0 > at:
            out_lo[n], out_hi[n] = at, b0
            n += 1
        at = max(at, b1)
    if at < hi:
        out_lo[n], out_hi[n] = at, hi
        n += 1
    return out_lo[:n], out_hi[:n]
