"""The compiled event loop: arrivals merged with the event queue, a chunk of simulated time per call.

The entry points (`run`, `place_batch`, `evict_servers`, `vms_on_servers`) release
the GIL (`nogil=True`): another Python thread, e.g. one sampling the next chunk's
arrivals, runs while the loop does.

Order of events at one instant: queued events (departures, in (time, seq) order),
then the metric tick, then arrivals (in stream order). This is the VMP-FF-85
peers' order: a departure already scheduled at time t precedes an arrival at t.
The loop stops early, with everything needed to resume at arrival `i`, when it
needs a bigger VM table, event queue or sample buffer, or pops an event of another
kind than a departure (handed to Python).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cloudtwin.engine import calendar as cq
from cloudtwin.engine import heap as hp
from cloudtwin.engine.borrow import borrowed
from cloudtwin.engine.state import (
    ACCEPTED,
    ARRIVALS,
    D_MEMORY_MIB,
    D_PLACEMENTS,
    D_VCPUS,
    D_VMS,
    DEPARTURES,
    EVENT_PAYLOAD,
    EVENT_SEQ,
    EVENT_TIME_S,
    HOT_WIDTH,
    I_MEMORY_MIB,
    I_VCPUS,
    I_VMS,
    INITIAL_PLACED,
    INITIAL_REFUSED,
    N_FREE,
    N_ZONE_TOTALS,
    NEVER_USED,
    NEXT_SEQ,
    NEXT_TICK_S,
    NOW_S,
    ORIGIN_S,
    REFUSED,
    SAMPLE_EVERY_S,
    SIZE_BITS,
    SIZE_MASK,
    STALE,
    T_END_S,
    T_START_S,
    TICK_INDEX,
    TICKS_BUFFERED,
    TIME_WIDTH,
    V_INSTANCE_TYPE,
    V_MEMORY_MIB,
    V_NEXT,
    V_PREV,
    V_SEQ,
    V_SERVER,
    V_SIZE,
    V_WORKLOAD,
    Z_ARRIVALS,
    Z_DEPARTURES,
    Z_MEMORY_MIB,
    Z_REFUSALS,
    Z_VCPUS,
    Z_VMS,
    Metrics,
    VmTable,
)
from cloudtwin.placement.index import (
    Capacity,
    allocate,
    choose,
    likely_choice,
    prefetch_release,
    prefetch_server,
    release,
)

# Prefetch distances (estimates, tuned by measurement on aws-2014): a departure's VM row is fetched AHEAD_ROW
# queue entries ahead, then (row in cache) its server's index path and list neighbours AHEAD_PATH ahead, then
# (leaf in cache) the best-fit bitmap words AHEAD_BITS ahead; an arrival's queue slot AHEAD_PUSH arrivals ahead.
AHEAD_ROW, AHEAD_PATH, AHEAD_BITS = 12, 6, 3
AHEAD_PUSH = 4
AHEAD_CHOICE = 4  # best fit's first bitmap word for the arrival this far ahead, its server's data at half of it
I64 = np.int64  # start_vm's int arguments, cast by every caller: one compiled signature (interventions.py passes int64)
# run() statuses
DONE, NEED_VM_ROOM, NEED_QUEUE_ROOM, NEED_TICK_ROOM, NEED_RENUMBER, EVENT = range(6)
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
    """Move zone z's and server s's datacenter's live counters by sign x (c, m, 1 VM) and the datacenter's time
    vCPU moment by sign x c t; returns the datacenter."""
    integrate_zone(met, z, t)
    met.zone[z, Z_VCPUS] += sign * c
    met.zone[z, Z_MEMORY_MIB] += sign * m
    met.zone[z, Z_VMS] += sign
    d = datacenter_of(met, z, s)
    met.datacenter[d, D_VCPUS] += sign * c
    met.datacenter[d, D_MEMORY_MIB] += sign * m
    met.datacenter[d, D_VMS] += sign
    met.datacenter_vcpu_moment[d] += (sign * c) * t
    return d


@njit(cache=True, forceinline=True)
def start_vm(
    cap: Capacity,
    vms: VmTable,
    q: cq.EventQueue,
    met: Metrics,
    cnt: np.ndarray,
    t: float,
    s: int,
    c: int,
    m: int,
    itype: int,
    z: int,
    wl: int,
    life: float,
) -> int:
    """Put a VM on server s (zone z) at time t, schedule its departure at t + life; returns s's datacenter.

    The caller ensures a free slot, queue room and a seq below the limit.
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
    hot[r + V_SIZE] = c | (z << SIZE_BITS)
    hot[r + V_MEMORY_MIB] = m
    hot[r + V_NEXT] = head
    hot[r + V_PREV] = -1
    hot[r + V_SEQ] = seq
    if head >= 0:
        hot[HOT_WIDTH * head + V_PREV] = slot
    vms.first_vm[s] = slot
    end = t + life
    vms.times[TIME_WIDTH * slot + T_START_S] = t
    vms.times[TIME_WIDTH * slot + T_END_S] = end
    hot[r + V_INSTANCE_TYPE] = itype
    hot[r + V_WORKLOAD] = wl
    allocate(cap, z, s, c, m)
    cq.push(q, end, seq, hp.pack(slot, hp.DEPARTURE))
    return _account(met, s, z, c, m, 1, t)


@njit(cache=True, forceinline=True)
def stop_vm(cap: Capacity, vms: VmTable, met: Metrics, cnt: np.ndarray, slot: int, t: float) -> None:
    """Remove the VM in `slot` at time t: free its capacity, unlink it, recycle the slot (its queue entry goes
    stale)."""
    hot = vms.hot
    r = HOT_WIDTH * slot
    s = np.int64(hot[r + V_SERVER])
    c = np.int64(hot[r + V_SIZE] & SIZE_MASK)
    m = np.int64(hot[r + V_MEMORY_MIB])
    z = np.int64(hot[r + V_SIZE] >> SIZE_BITS)
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
    release(cap, z, s, c, m)  # type: ignore[arg-type]
    vms.free[cnt[N_FREE]] = slot
    cnt[N_FREE] += 1
    _account(met, s, z, c, m, -1, t)  # type: ignore[arg-type]


@njit(cache=True)
def close_counts(met: Metrics) -> None:
    """End the current interval's event counts: add them to the run totals and start the next at zero."""
    for z in range(len(met.zone_total)):
        for k in range(N_ZONE_TOTALS):
            met.zone_total[z, k] += met.zone[z, Z_ARRIVALS + k]
            met.zone[z, Z_ARRIVALS + k] = 0
    for d in range(len(met.datacenter_total)):
        met.datacenter_total[d] += met.datacenter[d, D_PLACEMENTS]
        met.datacenter[d, D_PLACEMENTS] = 0


@njit(cache=True)
def _tick(met: Metrics, cnt: np.ndarray, clk: np.ndarray) -> bool:
    """Copy the counters into the sample buffer at the pending tick time; False if the buffer is full."""
    k = cnt[TICKS_BUFFERED]
    if k >= len(met.tick_time_s):
        return False
    met.tick_time_s[k] = clk[NEXT_TICK_S]
    for z in range(met.zone.shape[0]):  # element loops: a whole-row copy would compile numba's shape-mismatch
        for j in range(met.zone.shape[1]):  # error path (string formatting), seconds of a cold start
            met.tick_zone[k, z, j] = met.zone[z, j]
    for d in range(met.datacenter.shape[0]):
        for j in range(met.datacenter.shape[1]):
            met.tick_datacenter[k, d, j] = met.datacenter[d, j]
    close_counts(met)
    cnt[TICKS_BUFFERED] = k + 1
    cnt[TICK_INDEX] += 1
    clk[NEXT_TICK_S] = clk[ORIGIN_S] + (cnt[TICK_INDEX] + 1) * clk[SAMPLE_EVERY_S]
    return True


@njit(cache=True, inline="always")
def _prefetch_departures(cap: Capacity, vms: VmTable, q: cq.EventQueue) -> None:
    """Software pipeline over the sorted current bucket: start loading the VM row of the departure
    AHEAD_ROW entries on, what the one AHEAD_PATH entries on will touch (its row is loaded by now) and the
    best-fit words of the one AHEAD_BITS on."""
    ahead = cq.run_entry(q, AHEAD_ROW)
    if ahead >= 0 and hp.kind_of(ahead) == hp.DEPARTURE:  # both ends of the 48-byte row: one or two lines
        r = HOT_WIDTH * hp.index_of(hp.payload_of(ahead))
        hp.prefetch(vms.hot, np.uint64(r))  # type: ignore[call-arg]
        hp.prefetch(vms.hot, np.uint64(r + HOT_WIDTH - 1))
    ahead = cq.run_entry(q, AHEAD_PATH)
    if ahead >= 0 and hp.kind_of(ahead) == hp.DEPARTURE:
        r = HOT_WIDTH * hp.index_of(hp.payload_of(ahead))
        s = np.int64(vms.hot[r + V_SERVER])
        if s >= 0:
            prefetch_server(cap, np.int64(vms.hot[r + V_SIZE] >> SIZE_BITS), s)  # type: ignore[arg-type]
            hp.prefetch(vms.first_vm, np.uint64(s))  # type: ignore[call-arg]
            nxt = np.int64(vms.hot[r + V_NEXT])
            prv = np.int64(vms.hot[r + V_PREV])
            if nxt >= 0:
                hp.prefetch(vms.hot, np.uint64(HOT_WIDTH * nxt))
            if prv >= 0:
                hp.prefetch(vms.hot, np.uint64(HOT_WIDTH * prv))
    ahead = cq.run_entry(q, AHEAD_BITS)
    if ahead >= 0 and hp.kind_of(ahead) == hp.DEPARTURE:
        r = HOT_WIDTH * hp.index_of(hp.payload_of(ahead))
        s = np.int64(vms.hot[r + V_SERVER])
        if s >= 0:
            size = np.int64(vms.hot[r + V_SIZE])
            prefetch_release(cap, size >> SIZE_BITS, s, size & SIZE_MASK)  # type: ignore[arg-type]


@njit(cache=True, inline="always")
def _prefetch_arrivals(
    cap: Capacity,
    vms: VmTable,
    q: cq.EventQueue,
    clk: np.ndarray,
    a_time: np.ndarray,
    a_vcpus: np.ndarray,
    a_zone: np.ndarray,
    a_life: np.ndarray,
    i: int,
    mode: int,
) -> None:
    """Software pipeline over the coming arrivals: the queue slot of the one AHEAD_PUSH on; for the one
    AHEAD_CHOICE on, the bitmap word best fit will read, and for the one half as far, the leaf and the list
    head's row of the server best fit would pick (guesses: only cache hints)."""
    n = len(a_zone)
    k = i + AHEAD_PUSH
    if k < n:
        cq.prefetch_push(q, (clk[NOW_S] if mode == INITIAL else a_time[k]) + a_life[k])
    k = i + AHEAD_CHOICE
    if k < n:
        likely_choice(cap, a_zone[k], a_vcpus[k], 0)
    k = i + AHEAD_CHOICE // 2
    if k < n:
        s = likely_choice(cap, a_zone[k], a_vcpus[k], 1)
        if s >= 0:
            prefetch_server(cap, a_zone[k], s)
            head = vms.first_vm[s]
            if head >= 0:
                hp.prefetch(vms.hot, np.uint64(HOT_WIDTH * head))  # type: ignore[call-arg]


@njit(cache=True, inline="always")
def _pop_event(
    cap: Capacity,
    vms: VmTable,
    q: cq.EventQueue,
    met: Metrics,
    cnt: np.ndarray,
    clk: np.ndarray,
    src: int,
    k0: int,
    k1: int,
) -> int:
    """Take the queue's next entry (from `src`, as peeked): a departure (or drop a stale one); park any other
    kind for Python."""
    cq.drop(q, src)
    _prefetch_departures(cap, vms, q)
    seq = hp.seq_of(k1)
    payload = hp.payload_of(k1)
    t = hp.bits_time(k0)  # type: ignore[call-arg, var-annotated]
    kind = hp.kind_of(payload)
    if kind != hp.DEPARTURE:
        cnt[EVENT_SEQ] = seq
        cnt[EVENT_PAYLOAD] = payload
        clk[EVENT_TIME_S] = t
        clk[NOW_S] = t
        return EVENT
    slot = hp.index_of(payload)
    if vms.hot[HOT_WIDTH * slot + V_SEQ] != seq:
        cnt[STALE] += 1
        return DONE
    met.zone[vms.hot[HOT_WIDTH * slot + V_SIZE] >> SIZE_BITS, Z_DEPARTURES] += 1
    stop_vm(cap, vms, met, cnt, slot, t)
    cnt[DEPARTURES] += 1
    return DONE


@njit(cache=True, forceinline=True)
def _events_until(
    cap: Capacity, vms: VmTable, q: cq.EventQueue, met: Metrics, cnt: np.ndarray, clk: np.ndarray, t: float
) -> int:
    """Process queued events with time <= t, taking every tick due strictly before each."""
    while True:
        src, k0, k1 = cq.peek(q)
        if src == cq.NONE:
            if cq.nothing_due_by(q, t):  # most arrivals between two buckets: no call, no scan
                return DONE
            status = cq.advance(q, t)
            if status == cq.LOADED:
                continue
            if status == cq.NEED_ROOM:
                return NEED_QUEUE_ROOM
            return DONE
        td = hp.bits_time(k0)  # type: ignore[call-arg, var-annotated]
        if td > t:
            return DONE
        while clk[NEXT_TICK_S] < td:
            if not _tick(met, cnt, clk):
                return NEED_TICK_ROOM
        status = _pop_event(cap, vms, q, met, cnt, clk, src, k0, k1)
        if status != DONE:
            return status


@njit(cache=True, nogil=True)
def run(
    cap: Capacity,
    vms: VmTable,
    q: cq.EventQueue,
    met: Metrics,
    cnt: np.ndarray,
    clk: np.ndarray,
    a_time: np.ndarray,
    a_vcpus: np.ndarray,
    a_mem: np.ndarray,
    a_type: np.ndarray,
    a_zone: np.ndarray,
    a_life: np.ndarray,
    a_workload: np.ndarray,
    i: int,
    t_end: float,
    mode: int,
) -> tuple[int, int]:
    """Handle arrivals i.. of the chunk (and, in ADVANCE mode, events up to t_end); returns (status, next i).

    EXPLICIT: stop right after the last arrival. ADVANCE: then also process queued
    events with time <= t_end and ticks <= t_end, and set the clock to t_end.
    INITIAL: place every arrival at the current time, counted apart, no events.
    """
    cap, vms, met, q, cnt, clk = borrowed(cap), borrowed(vms), borrowed(met), borrowed(q), borrowed(cnt), borrowed(clk)  # type: ignore[call-arg]
    a_time, a_vcpus, a_zone, a_life = borrowed(a_time), borrowed(a_vcpus), borrowed(a_zone), borrowed(a_life)
    n = len(a_time)
    vm_cap = len(vms.free)
    while i < n:
        if cnt[N_FREE] == 0 and cnt[NEVER_USED] >= vm_cap:
            return NEED_VM_ROOM, i
        if not cq.has_room(q, 1):
            return NEED_QUEUE_ROOM, i
        if cnt[NEXT_SEQ] >= hp.SEQ_LIMIT:
            return NEED_RENUMBER, i
        _prefetch_arrivals(cap, vms, q, clk, a_time, a_vcpus, a_zone, a_life, i, mode)
        if mode == INITIAL:
            ta = clk[NOW_S]
        else:
            ta = a_time[i]
            status = _events_until(cap, vms, q, met, cnt, clk, ta)
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
            d = start_vm(cap, vms, q, met, cnt, ta, s, I64(c), m, I64(a_type[i]), I64(z), I64(a_workload[i]), a_life[i])
            if mode != INITIAL:
                met.datacenter[d, D_PLACEMENTS] += 1
        i += 1
    if mode == ADVANCE:
        status = _events_until(cap, vms, q, met, cnt, clk, t_end)
        if status != DONE:
            return status, i
        while clk[NEXT_TICK_S] <= t_end:
            if not _tick(met, cnt, clk):
                return NEED_TICK_ROOM, i
        clk[NOW_S] = t_end
    return DONE, i
