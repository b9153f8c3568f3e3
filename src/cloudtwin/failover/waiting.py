"""VMs interrupted by a failure and not running yet: numpy columns, restart attempts, restart bookkeeping.

A waiting VM has a `ready_s` (its first restart attempt: the failure plus the restart delay, or the
repair of a zone or region) and a `deadline_s` (after which an attempt that finds no room loses it).
An attempt places every ready VM of the chosen zones in interruption order (first come, first
served) by the zone's placement policy, with the lifetime it had left when it was interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine.core import Engine
from cloudtwin.units import SECONDS_PER_MINUTE

_COLUMNS: dict[str, type] = {
    "vcpus": np.int32,
    "memory_mib": np.int64,
    "instance_type": np.int32,
    "zone": np.int32,
    "workload": np.int32,
    "remaining_s": np.float64,
    "interrupted_s": np.float64,
    "ready_s": np.float64,
    "deadline_s": np.float64,
}


@dataclass
class RestartStats:
    """What became of interrupted VMs (tenant VMs and service replicas alike), run-wide."""

    interrupted: int = 0
    restarted: int = 0
    lost: int = 0
    delays_s: list[np.ndarray] = field(default_factory=list)  # interruption -> restart, per restarted VM

    def restarted_after(self, delays_s: np.ndarray) -> None:
        if len(delays_s):
            self.restarted += len(delays_s)
            self.delays_s.append(np.asarray(delays_s, dtype=np.float64))

    def restart_minutes(self) -> dict[str, float | None]:
        """p50 and p99 of the time from interruption to restart (minutes; None when nothing restarted)."""
        if not self.delays_s:
            return {"p50": None, "p99": None}
        minutes = np.concatenate(self.delays_s) / SECONDS_PER_MINUTE
        p50, p99 = np.percentile(minutes, [50.0, 99.0])
        return {"p50": float(p50), "p99": float(p99)}


class WaitingVms:
    """Interrupted tenant VMs waiting for a restart, in interruption order (struct of arrays)."""

    def __init__(self) -> None:
        self._cols: dict[str, np.ndarray] = {name: np.empty(0, dtype=dtype) for name, dtype in _COLUMNS.items()}

    def __len__(self) -> int:
        return len(self._cols["vcpus"])

    def add(self, vms: dict[str, np.ndarray], interrupted_s: float, ready_s: float, deadline_s: float) -> None:
        """Queue VMs (columns as `Engine.evict` returns them) interrupted at `interrupted_s`."""
        n = len(vms["vcpus"])
        if n == 0:
            return
        new = {name: vms[name] for name in ("vcpus", "memory_mib", "instance_type", "zone", "workload")}
        new["remaining_s"] = np.maximum(vms["remaining_s"], 0.0)
        new["interrupted_s"] = np.full(n, interrupted_s)
        new["ready_s"] = np.full(n, ready_s)
        new["deadline_s"] = np.full(n, deadline_s)
        self._cols = {
            name: np.concatenate([self._cols[name], np.asarray(new[name], dtype=dtype)])
            for name, dtype in _COLUMNS.items()
        }

    def any_ready(self, t: float) -> bool:
        return bool(np.any(self._cols["ready_s"] <= t))

    def attempt(self, engine: Engine, t: float, zone_mask: np.ndarray | None, stats: RestartStats) -> None:
        """Place the VMs ready by `t` (of the zones in `zone_mask`, or all); lose the unplaced past their deadline."""
        c = self._cols
        ready = c["ready_s"] <= t
        if zone_mask is not None:
            ready &= zone_mask[c["zone"]]
        idx = np.flatnonzero(ready)
        if len(idx) == 0:
            return
        vms = Arrivals(
            time_s=np.full(len(idx), t),
            vcpus=c["vcpus"][idx],
            memory_mib=c["memory_mib"][idx],
            instance_type=c["instance_type"][idx],
            zone=c["zone"][idx],
            lifetime_s=c["remaining_s"][idx],
            workload=c["workload"][idx],
        )
        placed = engine.place_now(vms) >= 0
        stats.restarted_after(t - c["interrupted_s"][idx[placed]])
        unplaced = idx[~placed]
        expired = unplaced[c["deadline_s"][unplaced] <= t]
        stats.lost += len(expired)
        keep = np.ones(len(self), dtype=bool)
        keep[idx[placed]] = False
        keep[expired] = False
        self._cols = {name: col[keep] for name, col in c.items()}
