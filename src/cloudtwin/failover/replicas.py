"""Services inside a run: replicas as VMs, placed by the service layout, restarted after failures, health tracked.

Each replica is a VM of the service's instance type whose `workload` is `-2 - k` for service k (tenant
workloads are >= 0, explicit arrivals -1) and whose lifetime outlives any horizon. At the start,
replica j goes to the rack `cloudtwin.failures.layout.service_layout` gives it (distinct racks, so no
two replicas share a server or a rack), on that rack's lowest-numbered up server with room; if there
is none, anywhere in its zone by the restart rule. After a failure it follows the restart model of
`cloudtwin.failover.rules`: the lowest-numbered up server with room on a rack hosting no other
running replica of its service, own zone first (then, with `replace_in_other_zone`, the service's
other zones in the scenario's order); it waits as long as nothing fits and is never lost. Waiting
replicas are tried before tenant VMs at each attempt (an operator restores quorum first).

Placing inside the allowed racks is a range-restricted query of the engine (`Engine.place_in`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine.core import Engine
from cloudtwin.errors import FailureModelError
from cloudtwin.failover.health import health_figures, last_per_instant, sampled
from cloudtwin.failover.rules import first_attempt_s, free_ranges
from cloudtwin.failover.waiting import RestartStats
from cloudtwin.failures.layout import service_layout, target_zones
from cloudtwin.scenario.model import Scenario
from cloudtwin.scenario.totals import instance_type_sizes

if TYPE_CHECKING:
    from cloudtwin.world import World

#: Workload index of service k's replicas: SERVICE_WORKLOAD_BASE - k (tenant workloads are >= 0).
SERVICE_WORKLOAD_BASE = -2
#: A replica's lifetime: ~31,700 years, past any horizon (the engine needs a finite departure time).
REPLICA_LIFETIME_S = 1e12
RUNNING, WAITING = 0, 1


@dataclass
class _Service:
    """One service's replicas (arrays indexed by replica) and its health history."""

    name: str
    at_least: int
    replace_in_other_zone: bool
    zones: list[int]  # world zones it may run in, scenario order
    vcpus: int
    memory_mib: int
    instance_type: int
    server: np.ndarray  # int64: server of a running replica, else -1
    zone: np.ndarray  # int64: the replica's (last) zone
    state: np.ndarray  # int8: RUNNING, WAITING
    interrupted_s: np.ndarray
    ready_s: np.ndarray
    history_s: list[float] = field(default_factory=list)
    history_running: list[int] = field(default_factory=list)
    history_datacenters: list[np.ndarray] = field(default_factory=list)  # the running replicas' datacenters

    def record(self, t: float, server_datacenter: np.ndarray) -> None:
        running = self.state == RUNNING
        self.history_s.append(t)
        self.history_running.append(int(np.count_nonzero(running)))
        self.history_datacenters.append(np.asarray(server_datacenter[self.server[running]], dtype=np.int64))


class ServiceReplicas:
    """Every service of a scenario as replica VMs on one engine (see the module docstring)."""

    def __init__(self, scenario: Scenario, engine: Engine, world: World, stats: RestartStats) -> None:
        self._engine = engine
        self._world = world
        self._stats = stats
        type_vcpus, type_memory_mib = instance_type_sizes(scenario)
        type_index = {name: i for i, name in enumerate(scenario.instance_types)}
        self.services: list[_Service] = []
        self._layouts = []
        for k, svc in enumerate(scenario.services):
            layout = service_layout(svc, world, key=f"services[{k}]")
            i = type_index[svc.instance_type]
            n = svc.replicas
            self.services.append(
                _Service(
                    name=svc.name,
                    at_least=svc.healthy_when.at_least,
                    replace_in_other_zone=svc.replace_in_other_zone,
                    zones=target_zones(svc, world),
                    vcpus=int(type_vcpus[i]),
                    memory_mib=int(type_memory_mib[i]),
                    instance_type=i,
                    server=np.full(n, -1, dtype=np.int64),
                    zone=np.zeros(n, dtype=np.int64),
                    state=np.full(n, WAITING, dtype=np.int8),
                    interrupted_s=np.zeros(n),
                    ready_s=np.zeros(n),
                )
            )
            self._layouts.append(layout)
            self._check_fits(k)
        self._flushed = [0] * len(self.services)

    def _check_fits(self, k: int) -> None:
        s = self.services[k]
        problem = replica_fit_problem(k, s.name, s.zones, s.vcpus, s.memory_mib, self._world)
        if problem is not None:
            raise FailureModelError(problem)

    # ------------------------------------------------------------------ placement

    def place_initial(self) -> None:
        """Place every replica at the current time on its layout rack (else by the restart rule in its zone)."""
        t = self._engine.now_s
        w = self._world
        for k, s in enumerate(self.services):
            layout = self._layouts[k]
            local_dcs = [d for z in s.zones for d in range(w.zone_datacenter_start[z], w.zone_datacenter_start[z + 1])]
            for j in range(len(s.state)):
                dc = local_dcs[int(layout.rep_dc[j])]
                z = int(w.datacenter_zone[dc])
                rack = int(w.datacenter_rack_start[dc] + layout.rep_rack[j])
                s.zone[j] = z
                server = self._place(s, k, z, int(w.rack_server_start[rack]), int(w.rack_server_start[rack + 1]))
                if server < 0:  # its rack is down or full: anywhere in the zone but the others' racks
                    server = self._place(s, k, z, int(w.zone_server_start[z]), int(w.zone_server_start[z + 1]))
                if server >= 0:
                    s.server[j], s.state[j] = server, RUNNING
                else:  # starts down, as if interrupted at the start
                    s.state[j] = WAITING
                    s.interrupted_s[j], s.ready_s[j] = t, t
                    self._stats.interrupted += 1
            s.record(t, w.server_datacenter)

    def _place(self, s: _Service, k: int, zone: int, lo: int, hi: int) -> int:
        """Place one replica of `s` in servers [lo, hi) of `zone` by the restart rule (spread included); server or -1."""
        w = self._world
        on = s.server[(s.state == RUNNING) & (s.server >= 0)]
        racks = np.unique(w.server_rack[on])
        free_lo, free_hi = free_ranges(lo, hi, w.rack_server_start[racks], w.rack_server_start[racks + 1])
        if len(free_lo) == 0:
            return -1
        vm = Arrivals(
            time_s=np.zeros(1),
            vcpus=np.array([s.vcpus], dtype=np.int32),
            memory_mib=np.array([s.memory_mib], dtype=np.int64),
            instance_type=np.array([s.instance_type], dtype=np.int32),
            zone=np.array([zone], dtype=np.int32),
            lifetime_s=np.array([REPLICA_LIFETIME_S]),
            workload=np.array([SERVICE_WORKLOAD_BASE - k], dtype=np.int32),
        )
        return self._engine.place_in(vm, free_lo, free_hi)

    # ------------------------------------------------------------------ failures

    def interrupt(
        self, t: float, vms: dict[str, np.ndarray], level: int, repair_s: float, delay_s: float
    ) -> list[float]:
        """Replicas among evicted `vms` go down at `t` (a failure of `level`, repaired at `repair_s`); returns the
        times their restarts are due."""
        times: set[float] = set()
        k_of = SERVICE_WORKLOAD_BASE - vms["workload"]
        for k in np.unique(k_of):
            s = self.services[int(k)]
            ready = first_attempt_s(t, level, repair_s, delay_s, s.replace_in_other_zone)
            for server in vms["server"][k_of == k]:
                j = int(np.flatnonzero(s.server == server)[0])
                s.state[j], s.server[j] = WAITING, -1
                s.interrupted_s[j], s.ready_s[j] = t, ready
            times.add(ready)
            self._stats.interrupted += int(np.count_nonzero(k_of == k))
            s.record(t, self._world.server_datacenter)
        return sorted(times)

    def attempt(self, t: float) -> None:
        """Try to restart every waiting replica whose restart is due, in replica order."""
        w = self._world
        for k, s in enumerate(self.services):
            changed = False
            for j in np.flatnonzero((s.state == WAITING) & (s.ready_s <= t)):
                zones = [int(s.zone[j])] + ([z for z in s.zones if z != s.zone[j]] if s.replace_in_other_zone else [])
                for z in zones:
                    server = self._place(s, k, z, int(w.zone_server_start[z]), int(w.zone_server_start[z + 1]))
                    if server >= 0:
                        s.server[j], s.zone[j], s.state[j] = server, z, RUNNING
                        self._stats.restarted_after(np.array([t - s.interrupted_s[j]]))
                        changed = True
                        break
            if changed:
                s.record(t, w.server_datacenter)

    def any_ready(self, t: float) -> bool:
        return any(np.any((s.state == WAITING) & (s.ready_s <= t)) for s in self.services)

    def waiting(self) -> int:
        return sum(int(np.count_nonzero(s.state == WAITING)) for s in self.services)

    # ------------------------------------------------------------------ output

    def rows(self, tick_times_s: np.ndarray) -> dict[str, list | np.ndarray]:
        """`services` table rows since the last call: each change, and the state at each of `tick_times_s`."""
        out: dict[str, list] = {"time_s": [], "service": [], "healthy_replicas": [], "healthy": []}
        for k, s in enumerate(self.services):
            hist_t = np.asarray(s.history_s)
            hist_n = np.asarray(s.history_running, dtype=np.int64)
            new_t, _ = last_per_instant(hist_t[self._flushed[k] :], hist_n[self._flushed[k] :])
            self._flushed[k] = len(hist_t)
            at = np.union1d(new_t, tick_times_s)
            n = sampled(hist_t, hist_n, at)
            out["time_s"] += at.tolist()
            out["service"] += [s.name] * len(at)
            out["healthy_replicas"] += n.tolist()
            out["healthy"] += (n >= s.at_least).tolist()
        order = np.argsort(np.asarray(out["time_s"]), kind="stable")
        return {name: [col[i] for i in order] for name, col in out.items()}

    def placements(self, at_s: np.ndarray) -> list[list[np.ndarray]]:
        """Per service, at each of `at_s`: the datacenters of its running replicas (replica order), as they were
        after every change at or before that time (times may lie before the last change: a chunk's ticks)."""
        out = []
        for s in self.services:
            k = np.searchsorted(np.asarray(s.history_s, dtype=np.float64), at_s, side="right") - 1
            out.append([s.history_datacenters[i] for i in np.maximum(k, 0).tolist()])
        return out

    def summary(self, horizon_s: float) -> list[dict]:
        """Per service: name, replicas, at_least, availability, downtime minutes per year, incidents, longest outage."""
        result = []
        for s in self.services:
            f = health_figures(np.asarray(s.history_s), np.asarray(s.history_running), s.at_least, horizon_s)
            result.append(
                {
                    "name": s.name,
                    "replicas": len(s.state),
                    "at_least": s.at_least,
                    "availability": f.availability,
                    "downtime_minutes_per_year": f.downtime_minutes_per_year,
                    "incidents": f.incidents,
                    "longest_outage_minutes": f.longest_outage_minutes,
                }
            )
        return result


def replica_fit_problem(k: int, name: str, zones: list[int], vcpus: int, memory_mib: int, world: World) -> str | None:
    """A replica must fit a server of each of its service's zones (else no failover could ever place it there):
    the problem line when it does not, else None. The run and the preflight both ask here."""
    for z in zones:
        lo, hi = world.zone_server_start[z], world.zone_server_start[z + 1]
        if not np.any((world.server_vcpus[lo:hi] >= vcpus) & (world.server_memory_mib[lo:hi] >= memory_mib)):
            return (
                f"services[{k}].instance_type: a replica of {name!r} ({vcpus} vCPUs, {memory_mib} MiB)"
                f" fits no server of zone {world.zone_names[z]!r}"
            )
    return None
