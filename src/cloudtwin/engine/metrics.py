"""What the engine reports: samples per metric tick and run-wide counters, as numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Samples:
    """Counters copied at each metric tick (times `time_s`, every `sample_every_s` from the start).

    Allocation columns are the state at the tick: all events up to and
    including the tick time except arrivals at exactly that time. The
    arrival / refusal / departure / placement columns count events since the previous tick
    (placements: arrivals placed in the datacenter, not initial VMs or restarts), over the
    `interval_s` seconds before `time_s`. `Engine.close_interval` adds a row at the engine's
    time for a last, shorter interval, so the rows' counts add up to the run's.
    """

    time_s: np.ndarray  # (T,)
    interval_s: np.ndarray  # (T,) seconds since the previous row (or the start): what the counts cover
    zone_allocated_vcpus: np.ndarray  # (T, Z) int64
    zone_allocated_memory_mib: np.ndarray  # (T, Z) int64
    zone_resident_vms: np.ndarray  # (T, Z) int64
    zone_arrivals: np.ndarray  # (T, Z) int64
    zone_refusals: np.ndarray  # (T, Z) int64
    zone_departures: np.ndarray  # (T, Z) int64
    datacenter_allocated_vcpus: np.ndarray  # (T, D) int64
    datacenter_allocated_memory_mib: np.ndarray  # (T, D) int64
    datacenter_resident_vms: np.ndarray  # (T, D) int64
    datacenter_placements: np.ndarray  # (T, D) int64: arrivals placed there since the previous tick

    def __len__(self) -> int:
        return len(self.time_s)

    @classmethod
    def from_buffers(
        cls, time_s: np.ndarray, interval_s: np.ndarray, zone: np.ndarray, datacenter: np.ndarray
    ) -> Samples:
        """From stacked tick buffers: zone (T, Z, 6), datacenter (T, D, 4) in `state` column order."""
        return cls(
            time_s,
            interval_s,
            *(np.ascontiguousarray(zone[:, :, k]) for k in range(6)),
            *(np.ascontiguousarray(datacenter[:, :, k]) for k in range(4)),
        )


@dataclass(frozen=True, eq=False)
class Counters:
    """Run-wide totals since the engine was created, per zone and per datacenter, and time integrals up to `now_s`.

    `events` = arrivals + processed departures (the peers' definition); VMs placed
    by `place_initial` are counted in `initial_placed` / `initial_refused` only. The per-zone
    and per-datacenter counts are the engine's own (not sums of ticks), so they include what
    happened after the last tick; they add up to the run totals.
    """

    arrivals: int
    accepted: int
    refused: int
    departures: int
    events: int
    initial_placed: int
    initial_refused: int
    evicted: int
    stale_dropped: int
    resident_vms: int
    start_s: float
    now_s: float
    zone_vm_seconds: np.ndarray  # (Z,) integral of resident VMs over [start_s, now_s]
    zone_vcpu_seconds: np.ndarray  # (Z,) integral of allocated vCPUs
    zone_memory_mib_seconds: np.ndarray  # (Z,) integral of allocated memory
    zone_capacity_vcpus: np.ndarray  # (Z,)
    zone_arrivals: np.ndarray  # (Z,) int64: requests that targeted the zone
    zone_refusals: np.ndarray  # (Z,) int64: of those, refused (no room)
    zone_departures: np.ndarray  # (Z,) int64: VMs that left at the end of their lifetime
    datacenter_placements: np.ndarray  # (D,) int64: arrivals placed there (not initial VMs or restarts)
    datacenter_vcpu_seconds: np.ndarray  # (D,) integral of allocated vCPUs over [start_s, now_s]
    datacenter_capacity_vcpus: np.ndarray  # (D,)

    @property
    def elapsed_s(self) -> float:
        return self.now_s - self.start_s

    @property
    def datacenter_allocated_vcpu_fraction(self) -> np.ndarray:
        """Time-averaged allocated vCPUs per datacenter over its vCPU capacity (NaN before any time passed)."""
        if self.elapsed_s <= 0:
            return np.full(len(self.datacenter_vcpu_seconds), np.nan)
        return self.datacenter_vcpu_seconds / (self.elapsed_s * np.maximum(self.datacenter_capacity_vcpus, 1))

    @property
    def zone_resident_vms_mean(self) -> np.ndarray:
        """Time-averaged resident VMs per zone over the elapsed time (NaN before any time passed)."""
        return (
            self.zone_vm_seconds / self.elapsed_s if self.elapsed_s > 0 else np.full_like(self.zone_vm_seconds, np.nan)
        )

    @property
    def zone_allocated_vcpu_fraction(self) -> np.ndarray:
        """Time-averaged allocated vCPUs per zone over its vCPU capacity."""
        if self.elapsed_s <= 0:
            return np.full_like(self.zone_vcpu_seconds, np.nan)
        return self.zone_vcpu_seconds / (self.elapsed_s * np.maximum(self.zone_capacity_vcpus, 1))

    @property
    def refused_fraction(self) -> float:
        return self.refused / self.arrivals if self.arrivals else 0.0
