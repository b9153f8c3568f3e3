"""Placing one VM inside given server ranges of its zone (a service replica on the racks its spread rule allows).

The range-restricted counterpart of the policy's choice: the lowest-index up server of the
ranges with room (`placement.index.first_fit_in`), then the same start as any VM.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cloudtwin.engine import calendar as cq
from cloudtwin.engine.loop import start_vm
from cloudtwin.engine.state import Metrics, VmTable
from cloudtwin.placement.index import Capacity, first_fit_in


@njit(cache=True)
def place_in_ranges(cap: Capacity, vms: VmTable, q: cq.EventQueue, met: Metrics, cnt: np.ndarray, t: float,
                    c: int, m: int, itype: int, z: int, wl: int, life: float, lo: np.ndarray, hi: np.ndarray) -> int:
    """Start the VM on the lowest-index fitting up server of ranges [lo[i], hi[i]) (ascending) of zone z; or -1.

    The caller ensures a free slot, queue room and a seq below the limit.
    """
    for i in range(len(lo)):
        s = first_fit_in(cap, z, lo[i], hi[i], c, m)
        if s >= 0:
            start_vm(cap, vms, q, met, cnt, t, s, c, m, itype, z, wl, life)
            return s
    return -1
