"""The engine's mutable state as named tuples of arrays (what the compiled loop takes), and how it grows.

- `VmTable`: one 48-byte row ("slot") per VM; free slots on a stack; `first_vm` and each
  row's next / prev thread each server's VMs into an intrusive list. `seq` is
  the sequence number of the VM's pending departure in the event queue, -1 when
  it has none: a queue entry whose seq differs is stale and dropped when it
  surfaces (lazy deletion), so interrupting a VM costs nothing in the queue.
- `Metrics`: live counters per zone and per datacenter, run totals of the event counts,
  per-zone time integrals, a per-datacenter vCPU time moment, and a buffer of samples taken at each metric tick.
- `counters` (int64) and `clock` (float64): scalars the loop updates in place,
  addressed by the index constants below.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# counters[...] (int64). Free slots: N_FREE recycled ones on the stack, and every slot >= NEVER_USED.
N_FREE, NEXT_SEQ, ARRIVALS, ACCEPTED, REFUSED, DEPARTURES, STALE = range(7)
INITIAL_PLACED, INITIAL_REFUSED, EVICTED, TICKS_BUFFERED, TICK_INDEX, EVENT_SEQ, EVENT_PAYLOAD = range(7, 14)
NEVER_USED = 14
N_COUNTERS = 15
# clock[...] (float64)
NOW_S, ORIGIN_S, SAMPLE_EVERY_S, NEXT_TICK_S, EVENT_TIME_S = range(5)
N_CLOCK = 5
# Metrics.zone[z, ...]: live allocation, then per-tick event counts (reset at each tick)
Z_VCPUS, Z_MEMORY_MIB, Z_VMS, Z_ARRIVALS, Z_REFUSALS, Z_DEPARTURES = range(6)
N_ZONE_COLUMNS = 6
# Metrics.datacenter[d, ...]: live allocation, then VMs placed there by arrivals since the last tick
D_VCPUS, D_MEMORY_MIB, D_VMS, D_PLACEMENTS = range(4)
N_DC_COLUMNS = 4
# Metrics.zone_integral[z, ...]: integral over time of the live allocation (unit x seconds)
I_VMS, I_VCPUS, I_MEMORY_MIB = range(3)
# Metrics.zone_total[z, ...] / datacenter_total[d]: the per-tick counts of intervals already closed (a tick or
# `Engine.close_interval`), so a run total is the total plus the live per-tick count (no work per event)
ZT_ARRIVALS, ZT_REFUSALS, ZT_DEPARTURES = range(3)
N_ZONE_TOTALS = 3

TICK_BUFFER = 512  # samples held before Python collects them (estimate: tiny either way)


# VmTable.hot[HOT_WIDTH * slot + ...] (int32): a VM's 48-byte row. What a departure reads comes first (24 bytes:
# server, memory, list links, seq of its pending departure, vCPUs and zone packed in one word), then the instance
# type and workload, then start_s and end_s (float64, read through VmTable.times).
V_SERVER, V_MEMORY_MIB, V_NEXT, V_PREV, V_SEQ, V_SIZE, V_INSTANCE_TYPE, V_WORKLOAD = range(8)
HOT_WIDTH = 12
SIZE_BITS = 16  # V_SIZE = vcpus | zone << SIZE_BITS: a VM's vCPUs fit a server's (<= 4096), zones < MAX_ZONES
SIZE_MASK = (1 << SIZE_BITS) - 1
MAX_ZONES = 1 << (31 - SIZE_BITS)
# VmTable.times[TIME_WIDTH * slot + ...] (float64, the same memory as `hot`)
T_START_S, T_END_S = 4, 5
TIME_WIDTH = HOT_WIDTH // 2


class VmTable(NamedTuple):
    """VMs by slot (see the module docstring): one 48-byte row per VM, so stopping a VM reads one or two
    cache lines of the table and starting one writes the same (the list neighbours aside).

    `hot` rows (int32): server (-1 = free slot), memory_mib, next and prev on the
    server's list (-1 = none), seq of the pending departure (-1 = none), vcpus |
    zone << SIZE_BITS, instance type, workload, then start_s and end_s (float64,
    through `times`). Memory per VM fits int32 because a server's does (`placement.index`).
    """

    hot: np.ndarray  # int32 (HOT_WIDTH * capacity), 64-byte aligned
    times: np.ndarray  # float64 (TIME_WIDTH * capacity): a view of `hot`, start_s and end_s at T_START_S, T_END_S
    free: np.ndarray  # int32 stack of free slots (top at counters[N_FREE] - 1)
    first_vm: np.ndarray  # int32 per server, -1 = no VM


class Metrics(NamedTuple):
    """Counters updated by the loop and the samples copied from them at each tick.

    Datacenters are contiguous server ranges inside a zone: zone z holds
    datacenters [zone_dc_lo[z], zone_dc_hi[z]), datacenter d the servers
    [dc_server_start[d], dc_server_start[d + 1]), so a server's datacenter is a
    short search in cached arrays rather than a lookup in a per-server one.
    """

    zone_dc_lo: np.ndarray  # int64 (Z)
    zone_dc_hi: np.ndarray  # int64 (Z)
    dc_server_start: np.ndarray  # int64 (D + 1)
    zone: np.ndarray  # int64 (Z, N_ZONE_COLUMNS)
    datacenter: np.ndarray  # int64 (D, N_DC_COLUMNS)
    zone_integral: np.ndarray  # float64 (Z, 3)
    zone_last_s: np.ndarray  # float64 (Z): time the zone's integrals were last advanced to
    zone_total: np.ndarray  # int64 (Z, N_ZONE_TOTALS): arrivals, refusals, departures of closed intervals
    datacenter_total: np.ndarray  # int64 (D): arrivals placed there in closed intervals
    # float64 (D): sum of vcpus x t over VM starts minus the same over stops, so that the integral of allocated
    # vCPUs over [origin, T] is allocated(T) x T - moment (one add per start or stop, no per-datacenter clock)
    datacenter_vcpu_moment: np.ndarray
    tick_time_s: np.ndarray  # float64 (TICK_BUFFER)
    tick_zone: np.ndarray  # int64 (TICK_BUFFER, Z, N_ZONE_COLUMNS)
    tick_datacenter: np.ndarray  # int64 (TICK_BUFFER, D, N_DC_COLUMNS)


def _aligned(n: int, dtype: type, align: int = 64) -> np.ndarray:
    """np.zeros(n, dtype) whose data starts on an `align`-byte boundary (a hot row never straddles lines)."""
    size = np.dtype(dtype).itemsize
    buf: np.ndarray = np.zeros(n + align // size, dtype=dtype)
    skip = (-buf.ctypes.data % align) // size
    return buf[skip : skip + n]


def new_vm_table(capacity: int, n_servers: int) -> VmTable:
    """An empty table of `capacity` slots (zero pages: nothing is touched before a slot is used)."""
    hot = _aligned(HOT_WIDTH * capacity, np.int32)
    return VmTable(
        hot=hot,
        times=hot.view(np.float64),
        free=np.zeros(capacity, dtype=np.int32),
        first_vm=np.full(n_servers, -1, dtype=np.int32),
    )


def vm_capacity(vms: VmTable) -> int:
    return len(vms.free)


def grow_vm_table(vms: VmTable, capacity: int) -> VmTable:
    """The same table with `capacity` slots (the new ones are never-used slots)."""
    bigger = new_vm_table(capacity, 0)
    bigger.hot[: len(vms.hot)] = vms.hot
    bigger.free[: len(vms.free)] = vms.free
    return bigger._replace(first_vm=vms.first_vm)


def live_slots(vms: VmTable, counters: np.ndarray) -> np.ndarray:
    """Slots holding a VM: used at least once and not on the free stack (sorted)."""
    used = np.ones(int(counters[NEVER_USED]), dtype=bool)
    used[vms.free[: int(counters[N_FREE])]] = False
    return np.flatnonzero(used)


def new_metrics(zone_dc_lo: np.ndarray, zone_dc_hi: np.ndarray, dc_server_start: np.ndarray) -> Metrics:
    n_zones, n_datacenters = len(zone_dc_lo), len(dc_server_start) - 1
    return Metrics(
        zone_dc_lo=zone_dc_lo,
        zone_dc_hi=zone_dc_hi,
        dc_server_start=dc_server_start,
        zone=np.zeros((n_zones, N_ZONE_COLUMNS), dtype=np.int64),
        datacenter=np.zeros((n_datacenters, N_DC_COLUMNS), dtype=np.int64),
        zone_integral=np.zeros((n_zones, 3), dtype=np.float64),
        zone_last_s=np.zeros(n_zones, dtype=np.float64),
        zone_total=np.zeros((n_zones, N_ZONE_TOTALS), dtype=np.int64),
        datacenter_total=np.zeros(n_datacenters, dtype=np.int64),
        datacenter_vcpu_moment=np.zeros(n_datacenters, dtype=np.float64),
        tick_time_s=np.zeros(TICK_BUFFER, dtype=np.float64),
        tick_zone=np.zeros((TICK_BUFFER, n_zones, N_ZONE_COLUMNS), dtype=np.int64),
        tick_datacenter=np.zeros((TICK_BUFFER, n_datacenters, N_DC_COLUMNS), dtype=np.int64),
    )


def datacenter_layout(
    zone_start: np.ndarray, server_datacenter: np.ndarray, n_datacenters: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(zone_dc_lo, zone_dc_hi, dc_server_start) of `Metrics`; None if datacenters are not contiguous
    server ranges that each sit inside one zone."""
    dc = np.asarray(server_datacenter, dtype=np.int64)
    n = len(dc)
    if n and (dc.min() < 0 or dc.max() >= n_datacenters or np.any(np.diff(dc) < 0)):
        raise ValueError("datacenters must be numbered in server order")
    dc_server_start = np.searchsorted(dc, np.arange(n_datacenters + 1), side="left").astype(np.int64)
    n_zones = len(zone_start) - 1
    lo = np.zeros(n_zones, dtype=np.int64)
    hi = np.zeros(n_zones, dtype=np.int64)
    for z in range(n_zones):
        a, b = int(zone_start[z]), int(zone_start[z + 1])
        if a == b:
            continue
        lo[z], hi[z] = dc[a], dc[b - 1] + 1
        if (a > 0 and dc[a - 1] == dc[a]) or (b < n and dc[b] == dc[b - 1]):
            raise ValueError(f"datacenter {dc[a] if a > 0 and dc[a - 1] == dc[a] else dc[b - 1]} spans two zones")
    return lo, hi, dc_server_start
