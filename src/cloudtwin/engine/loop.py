"""The compiled event loop: arrivals merged with the event heap, a chunk of simulated time per call.

Order of events at one instant: heap events (departures, in (time, seq) order),
then the metric tick, then arrivals (in stream order). This is the VMP-FF-85
peers' order: a departure already scheduled at time t precedes an arrival at t.
The loop stops early, with everything needed to resume at arrival `i`, when it
needs a bigger VM table, heap or sample buffer, or pops an event of another
kind than a departure (handed to Python).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cloudtwin.engine import heap as hp
from cloudtwin.engine.borrow import borrowed
from cloudtwin.engine.state import (
    ACCEPTED, ARRIVALS, D_MEMORY_MIB, D_PLACEMENTS, D_VCPUS, D_VMS, DEPARTURES, EVENT_PAYLOAD, EVENT_SEQ,
    EVENT_TIME_S, EVICTED, G_INSTANCE_TYPE, G_WORKLOAD, HEAP_N, HOT_WIDTH, I_MEMORY_MIB, I_VCPUS, I_VMS,
    INITIAL_PLACED, INITIAL_REFUSED, N_FREE, NEVER_USED, NEXT_SEQ, NEXT_TICK_S, NOW_S, ORIGIN_S, REFUSED,
    SAMPLE_EVERY_S, STALE, T_END_S, T_START_S, TICK_INDEX, TICKS_BUFFERED, V_GENERATION, V_MEMORY_MIB, V_NEXT,
    V_PREV, V_SEQ, V_SERVER, V_VCPUS, V_ZONE, Z_ARRIVALS, Z_DEPARTURES, Z_MEMORY_MIB, Z_REFUSALS, Z_VCPUS, Z_VMS,
    Metrics, VmTable,
)
from cloudtwin.placement.index import Capacity, allocate, choose, release

# run() statuses
DONE, NEED_VM_ROOM, NEED_HEAP_ROOM, NEED_TICK_ROOM, NEED_RENUMBER, EVENT = range(6)
# run() modes
EXPLICIT, ADVANCE, INITIAL = range(3)


@njit(cache=True, inline="always")
def integrate_zone(met: Metrics, z: int, t: float) -> None:
    """Advance zone z's time integrals of its live allocation to time t."""
    dt = t - met.zone_last_s[z]
    if dt > 0.0:
        met.zone_integral[z, I_VMS] += met.zone[z, Z_VMS] * dt
        met.zone_integral[z, I_VCPUS] += met.zone[z, Z_VCPUS] * dt
        met.zone_integral[z, I_MEMORY_MIB] += met.zone[z, Z_MEMORY_MIB] * dt
        met.zone_last_s[z] = t


@njit(cache=True, inline="always")
def datacenter_of(met: Metrics, z: int, s: int) -> int:
    """The datacenter of server s in zone z (binary search over the zone's few datacenters)."""
    lo = met.zone_dc_lo[z]
    hi = met.zone_dc_hi[z] - 1
    while lo < hi:
        mid = (lo + hi + 1) >> 1
        if met.dc_server_start[mid] <= s:
            lo = mid
        else:
            hi = mid - 1
    return lo


@njit(cache=True, inline="always")
def _account(met: Metrics, s: int, z: int, c: int, m: int, sign: int, t: float) -> int:
    """Move zone z's and server s's datacenter's live counters by sign x (c, m, 1 VM); returns the datacenter."""
    integrate_zone(met, z, t)
    met.zone[z, Z_VCPUS] += sign * c
    met.zone[z, Z_MEMORY_MIB] += sign * m
    met.zone[z, Z_VMS] += sign
    d = datacenter_of(met, z, s)
    met.datacenter[d, D_VCPUS] += sign * c
    met.datacenter[d, D_MEMORY_MIB] += sign * m
    met.datacenter[d, D_VMS] += sign
    return d


@njit(cache=True, inline="always")
def start_vm(cap: Capacity, vms: VmTable, h: np.ndarray, met: Metrics, cnt: np.ndarray, t: float, s: int,
             c: int, m: int, itype: int, z: int, wl: int, life: float) -> int:
    """Put a VM on server s (zone z) at time t, schedule its departure at t + life; returns s's datacenter.

    The caller ensures a free slot, heap room and a seq below the limit.
    """
    k = cnt[N_FREE]
    if k > 0:  # recycle the most recently freed slot (still in cache)
        slot = np.int64(vms.free[k - 1])
        cnt[N_FREE] = k - 1
    else:
        slot = cnt[NEVER_USED]
        cnt[NEVER_USED] = slot + 1
    r = HOT_WIDTH * slot
    hot = vms.hot
    head = vms.first_vm[s]
    seq = cnt[NEXT_SEQ]
    cnt[NEXT_SEQ] = seq + 1
    hot[r + V_SERVER] = s
    hot[r + V_VCPUS] = c
    hot[r + V_MEMORY_MIB] = m
    hot[r + V_ZONE] = z
    hot[r + V_NEXT] = head
    hot[r + V_PREV] = -1
    hot[r + V_SEQ] = seq
    if head >= 0:
        hot[HOT_WIDTH * head + V_PREV] = slot
    vms.first_vm[s] = slot
    end = t + life
    vms.times[2 * slot + T_START_S] = t
    vms.times[2 * slot + T_END_S] = end
    vms.tags[2 * slot + G_INSTANCE_TYPE] = itype
    vms.tags[2 * slot + G_WORKLOAD] = wl
    allocate(cap, z, s, c, m)
    cnt[HEAP_N] = hp.push(h, cnt[HEAP_N], end, seq, (slot << hp.KIND_BITS) | hp.DEPARTURE)
    return _account(met, s, z, c, m, 1, t)


@njit(cache=True, inline="always")
def stop_vm(cap: Capacity, vms: VmTable, met: Metrics, cnt: np.ndarray, slot: int, t: float) -> None:
    """Remove the VM in `slot` at time t: free its capacity, unlink it, recycle the slot (its heap entry goes stale)."""
    hot = vms.hot
    r = HOT_WIDTH * slot
    s = np.int64(hot[r + V_SERVER])
    c = np.int64(hot[r + V_VCPUS])
    m = np.int64(hot[r + V_MEMORY_MIB])
    z = np.int64(hot[r + V_ZONE])
    nxt = hot[r + V_NEXT]
    prv = hot[r + V_PREV]
    if prv >= 0:
        hot[HOT_WIDTH * prv + V_NEXT] = nxt
    else:
        vms.first_vm[s] = nxt
    if nxt >= 0:
        hot[HOT_WIDTH * nxt + V_PREV] = prv
    hot[r + V_SEQ] = -1
    hot[r + V_SERVER] = -1
    hot[r + V_GENERATION] += 1
    release(cap, z, s, c, m)
    vms.free[cnt[N_FREE]] = slot
    cnt[N_FREE] += 1
    _account(met, s, z, c, m, -1, t)


@njit(cache=True)
def _tick(met: Metrics, cnt: np.ndarray, clk: np.ndarray) -> bool:
    """Copy the counters into the sample buffer at the pending tick time; False if the buffer is full."""
    k = cnt[TICKS_BUFFERED]
    if k >= len(met.tick_time_s):
        return False
    met.tick_time_s[k] = clk[NEXT_TICK_S]
    met.tick_zone[k] = met.zone
    met.tick_datacenter[k] = met.datacenter
    met.zone[:, Z_ARRIVALS:] = 0
    met.datacenter[:, D_PLACEMENTS] = 0
    cnt[TICKS_BUFFERED] = k + 1
    cnt[TICK_INDEX] += 1
    clk[NEXT_TICK_S] = clk[ORIGIN_S] + (cnt[TICK_INDEX] + 1) * clk[SAMPLE_EVERY_S]
    return True


@njit(cache=True, inline="always")
def _pop_event(cap: Capacity, vms: VmTable, h: np.ndarray, met: Metrics, cnt: np.ndarray, clk: np.ndarray) -> int:
    """Pop the heap's top: process a departure (or drop a stale one); park any other kind for Python."""
    seq = hp.top_seq(h)
    payload = hp.top_payload(h)
    t = hp.top_time(h)
    cnt[HEAP_N] = hp.pop(h, cnt[HEAP_N])
    if cnt[HEAP_N] > 0:  # fetch the next event's VM row while this one is handled (-14 % time at 100k servers)
        hp.prefetch(vms.hot, np.uint64(HOT_WIDTH * (hp.top_payload(h) >> hp.KIND_BITS)))
    kind = payload & hp.KIND_MASK
    if kind != hp.DEPARTURE:
        cnt[EVENT_SEQ] = seq
        cnt[EVENT_PAYLOAD] = payload
        clk[EVENT_TIME_S] = t
        clk[NOW_S] = t
        return EVENT
    slot = payload >> hp.KIND_BITS
    if vms.hot[HOT_WIDTH * slot + V_SEQ] != seq:
        cnt[STALE] += 1
        return DONE
    met.zone[vms.hot[HOT_WIDTH * slot + V_ZONE], Z_DEPARTURES] += 1
    stop_vm(cap, vms, met, cnt, slot, t)
    cnt[DEPARTURES] += 1
    return DONE


@njit(cache=True, inline="always")
def _events_until(cap: Capacity, vms: VmTable, h: np.ndarray, met: Metrics, cnt: np.ndarray, clk: np.ndarray,
                  t: float) -> int:
    """Process heap events with time <= t, taking every tick due strictly before each."""
    while cnt[HEAP_N] > 0:
        td = hp.top_time(h)
        if td > t:
            break
        while clk[NEXT_TICK_S] < td:
            if not _tick(met, cnt, clk):
                return NEED_TICK_ROOM
        status = _pop_event(cap, vms, h, met, cnt, clk)
        if status != DONE:
            return status
    return DONE


@njit(cache=True)
def run(cap: Capacity, vms: VmTable, h: np.ndarray, met: Metrics, cnt: np.ndarray, clk: np.ndarray,
        a_time: np.ndarray, a_vcpus: np.ndarray, a_mem: np.ndarray, a_type: np.ndarray, a_zone: np.ndarray,
        a_life: np.ndarray, a_workload: np.ndarray, i: int, t_end: float, mode: int) -> tuple[int, int]:
    """Handle arrivals i.. of the chunk (and, in ADVANCE mode, events up to t_end); returns (status, next i).

    EXPLICIT: stop right after the last arrival. ADVANCE: then also process heap
    events with time <= t_end and ticks <= t_end, and set the clock to t_end.
    INITIAL: place every arrival at the current time, counted apart, no events.
    """
    cap, vms, met, h, cnt, clk = borrowed(cap), borrowed(vms), borrowed(met), borrowed(h), borrowed(cnt), borrowed(clk)
    n = len(a_time)
    heap_cap = len(h) // 2 - 1
    vm_cap = len(vms.free)
    while i < n:
        if cnt[N_FREE] == 0 and cnt[NEVER_USED] >= vm_cap:
            return NEED_VM_ROOM, i
        if cnt[HEAP_N] >= heap_cap:
            return NEED_HEAP_ROOM, i
        if cnt[NEXT_SEQ] >= hp.SEQ_LIMIT:
            return NEED_RENUMBER, i
        if mode == INITIAL:
            ta = clk[NOW_S]
        else:
            ta = a_time[i]
            status = _events_until(cap, vms, h, met, cnt, clk, ta)
            if status != DONE:
                return status, i
            while clk[NEXT_TICK_S] <= ta:
                if not _tick(met, cnt, clk):
                    return NEED_TICK_ROOM, i
            clk[NOW_S] = ta
        z = a_zone[i]
        c = a_vcpus[i]
        m = a_mem[i]
        s = choose(cap, z, c, m)
        if mode == INITIAL:
            cnt[INITIAL_PLACED if s >= 0 else INITIAL_REFUSED] += 1
        else:
            cnt[ARRIVALS] += 1
            met.zone[z, Z_ARRIVALS] += 1
            if s < 0:
                cnt[REFUSED] += 1
                met.zone[z, Z_REFUSALS] += 1
            else:
                cnt[ACCEPTED] += 1
        if s >= 0:
            d = start_vm(cap, vms, h, met, cnt, ta, s, c, m, a_type[i], z, a_workload[i], a_life[i])
            if mode != INITIAL:
                met.datacenter[d, D_PLACEMENTS] += 1
        i += 1
    if mode == ADVANCE:
        status = _events_until(cap, vms, h, met, cnt, clk, t_end)
        if status != DONE:
            return status, i
        while clk[NEXT_TICK_S] <= t_end:
            if not _tick(met, cnt, clk):
                return NEED_TICK_ROOM, i
        clk[NOW_S] = t_end
    return DONE, i


@njit(cache=True)
def evict_servers(cap: Capacity, vms: VmTable, met: Metrics, cnt: np.ndarray, servers: np.ndarray, t: float,
                  out_slot: np.ndarray, out_server: np.ndarray) -> int:
    """Interrupt every VM on `servers` at time t (their departures go stale); returns how many.

    Walks exactly each server's VM list. Slots and servers of the interrupted VMs
    are written to `out_slot` / `out_server` (sized by the caller to the VM count)
    before the slots are recycled, so the caller reads their rows first.
    """
    cap, vms, met, cnt = borrowed(cap), borrowed(vms), borrowed(met), borrowed(cnt)
    k = 0
    for s in servers:
        slot = vms.first_vm[s]
        while slot >= 0:
            out_slot[k] = slot
            out_server[k] = s
            k += 1
            slot = vms.hot[HOT_WIDTH * slot + V_NEXT]
    for j in range(k):
        stop_vm(cap, vms, met, cnt, out_slot[j], t)
    cnt[EVICTED] += k
    return k


@njit(cache=True)
def vms_on_servers(vms: VmTable, servers: np.ndarray) -> int:
    """How many VMs the given servers host (walks their lists)."""
    k = 0
    for s in servers:
        slot = vms.first_vm[s]
        while slot >= 0:
            k += 1
            slot = vms.hot[HOT_WIDTH * slot + V_NEXT]
    return k


@njit(cache=True)
def place_batch(cap: Capacity, vms: VmTable, h: np.ndarray, met: Metrics, cnt: np.ndarray, t: float,
                a_vcpus: np.ndarray, a_mem: np.ndarray, a_type: np.ndarray, a_zone: np.ndarray,
                a_life: np.ndarray, a_workload: np.ndarray, out_server: np.ndarray) -> None:
    """Place VMs at time t by the policy, uncounted (restarts); out_server[j] = server or -1.

    The caller ensures len(a_vcpus) free slots, heap entries and seqs.
    """
    cap, vms, met, h, cnt = borrowed(cap), borrowed(vms), borrowed(met), borrowed(h), borrowed(cnt)
    for j in range(len(a_vcpus)):
        z = a_zone[j]
        s = choose(cap, z, a_vcpus[j], a_mem[j])
        out_server[j] = s
        if s >= 0:
            start_vm(cap, vms, h, met, cnt, t, s, a_vcpus[j], a_mem[j], a_type[j], z, a_workload[j], a_life[j])
