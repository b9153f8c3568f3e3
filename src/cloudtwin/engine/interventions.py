"""What an event handler does to VMs between events: evict the VMs of servers that failed, place VMs now (by the
policy, or inside given server ranges of a zone, for a service replica on the racks its spread rule allows).

The range-restricted placement is the lowest-index up server of the ranges with room
(`placement.index.first_fit_in`), then the same start as any VM.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cloudtwin.engine import calendar as cq
from cloudtwin.engine.borrow import borrowed
from cloudtwin.engine.loop import I64, start_vm, stop_vm
from cloudtwin.engine.state import EVICTED, HOT_WIDTH, V_NEXT, Metrics, VmTable
from cloudtwin.placement.index import Capacity, choose, first_fit_in


@njit(cache=True)
def place_in_ranges(
    cap: Capacity,
    vms: VmTable,
    q: cq.EventQueue,
    met: Metrics,
    cnt: np.ndarray,
    t: float,
    c: int,
    m: int,
    itype: int,
    z: int,
    wl: int,
    life: float,
    lo: np.ndarray,
    hi: np.ndarray,
) -> int:
    """Start the VM on the lowest-index fitting up server of ranges [lo[i], hi[i]) (ascending) of zone z; or -1.

    The caller ensures a free slot, queue room and a seq below the limit.
    """
    for i in range(len(lo)):
        s = first_fit_in(cap, z, lo[i], hi[i], c, m)
        if s >= 0:
            start_vm(cap, vms, q, met, cnt, t, s, c, m, itype, z, wl, life)
            return s
    return -1


@njit(cache=True, nogil=True)
def evict_servers(
    cap: Capacity,
    vms: VmTable,
    met: Metrics,
    cnt: np.ndarray,
    servers: np.ndarray,
    t: float,
    out_slot: np.ndarray,
    out_server: np.ndarray,
) -> int:
    """Interrupt every VM on `servers` at time t (their departures go stale); returns how many.

    Walks exactly each server's VM list. Slots and servers of the interrupted VMs
    are written to `out_slot` / `out_server` (sized by the caller to the VM count)
    before the slots are recycled, so the caller reads their rows first.
    """
    cap, vms, met, cnt = borrowed(cap), borrowed(vms), borrowed(met), borrowed(cnt)  # type: ignore[call-arg]
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


@njit(cache=True, nogil=True)
def vms_on_servers(vms: VmTable, servers: np.ndarray) -> int:
    """How many VMs the given servers host (walks their lists)."""
    k = 0
    for s in servers:
        slot = vms.first_vm[s]
        while slot >= 0:
            k += 1
            slot = vms.hot[HOT_WIDTH * slot + V_NEXT]
    return k


@njit(cache=True, nogil=True)
def place_batch(
    cap: Capacity,
    vms: VmTable,
    q: cq.EventQueue,
    met: Metrics,
    cnt: np.ndarray,
    t: float,
    a_vcpus: np.ndarray,
    a_mem: np.ndarray,
    a_type: np.ndarray,
    a_zone: np.ndarray,
    a_life: np.ndarray,
    a_workload: np.ndarray,
    out_server: np.ndarray,
) -> None:
    """Place VMs at time t by the policy, uncounted (restarts); out_server[j] = server or -1.

    The caller ensures len(a_vcpus) free slots, queue room and seqs.
    """
    cap, vms, met, q, cnt = borrowed(cap), borrowed(vms), borrowed(met), borrowed(q), borrowed(cnt)  # type: ignore[call-arg]
    for j in range(len(a_vcpus)):
        z = a_zone[j]
        s = choose(cap, z, a_vcpus[j], a_mem[j])
        out_server[j] = s
        if s >= 0:
            start_vm(
                cap,
                vms,
                q,
                met,
                cnt,
                t,
                s,
                I64(a_vcpus[j]),
                a_mem[j],
                I64(a_type[j]),
                I64(z),
                I64(a_workload[j]),
                a_life[j],
            )
