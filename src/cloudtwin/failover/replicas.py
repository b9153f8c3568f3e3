"""Services inside a run: replicas as VMs, placed by the service layout, restarted after failures, health tracked.

Each replica is a VM of the service's instance type whose `workload` is `-2 - k` for service k (tenant
workloads are >= 0, explicit arrivals -1) and whose lifetime outlives any horizon. At the start,
replica j goes to the rack `cloudtwin.failures.layout.service_layout` gives it (distinct racks, so no
two replicas share a server or a rack); inside that rack the zone's placement policy picks the
server. A replica interrupted by a failure follows the restart rules of `cloudtwin.failover.failover`
(delay, then room in its zone or a wait until its deadline, then lost), restarting on a server of
no rack that hosts another running replica of the service; with `replace_in_other_zone` it tries its
own zone first, then the service's other zones in the scenario's order. Waiting replicas are tried
before tenant VMs at each restart attempt (an operator restores quorum first). A replica lost after
its deadline stays lost for the rest of the run.

Placing inside given servers uses the public engine API only: the other up servers of the zone are
marked down for the one `place_now` call and brought back at once, which leaves the capacity index
as it was. It costs a few microseconds per masked server: O(zone) once per replica at the start,
O(replicas x rack) per restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine.core import Engine
from cloudtwin.errors import FailureModelError
from cloudtwin.failover.health import health_figures, last_per_instant, sampled
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
RUNNING, WAITING, LOST = 0, 1, 2


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
    state: np.ndarray  # int8: RUNNING, WAITING, LOST
    remaining_s: np.ndarray
    interrupted_s: np.ndarray
    ready_s: np.ndarray
    deadline_s: np.ndarray
    history_s: list[float] = field(default_factory=list)
    history_running: list[int] = field(default_factory=list)

    def record(self, t: float) -> None:
        self.history_s.append(t)
        self.history_running.append(int(np.count_nonzero(self.state == RUNNING)))


class ServiceReplicas:
    """Every service of a scenario as replica VMs on one engine (see the module docstring)."""

    def __init__(self, scenario: Scenario, engine: Engine, world: World, down_count: np.ndarray,
                 stats: RestartStats) -> None:
        self._engine = engine
        self._world = world
        self._down = down_count  # shared with the failover: a server is up while its count is 0
        self._stats = stats
        type_vcpus, type_memory_mib = instance_type_sizes(scenario)
        type_index = {name: i for i, name in enumerate(scenario.instance_types)}
        self.services: list[_Service] = []
        self._layouts = []
        for k, svc in enumerate(scenario.services):
            layout = service_layout(svc, world, key=f"services[{k}]")
            i = type_index[svc.instance_type]
            n = svc.replicas
            self.services.append(_Service(
                name=svc.name, at_least=svc.healthy_when.at_least, replace_in_other_zone=svc.replace_in_other_zone,
                zones=target_zones(svc, world), vcpus=int(type_vcpus[i]), memory_mib=int(type_memory_mib[i]),
                instance_type=i, server=np.full(n, -1, dtype=np.int64), zone=np.zeros(n, dtype=np.int64),
                state=np.full(n, WAITING, dtype=np.int8), remaining_s=np.full(n, REPLICA_LIFETIME_S),
                interrupted_s=np.zeros(n), ready_s=np.zeros(n), deadline_s=np.zeros(n)))
            self._layouts.append(layout)
            self._check_fits(k)
        self._flushed = [0] * len(self.services)

    def _check_fits(self, k: int) -> None:
        """A replica must fit the servers of its service's zones (else no failover could ever place it)."""
        s, w = self.services[k], self._world
        for z in s.zones:
            lo, hi = w.zone_server_start[z], w.zone_server_start[z + 1]
            if not np.any((w.server_vcpus[lo:hi] >= s.vcpus) & (w.server_memory_mib[lo:hi] >= s.memory_mib)):
                raise FailureModelError(
                    f"services[{k}].instance_type: a replica of {s.name!r} ({s.vcpus} vCPUs, {s.memory_mib} MiB)"
                    f" fits no server of zone {w.zone_names[z]!r}")

    # ------------------------------------------------------------------ placement

    def place_initial(self, timeout_s: float) -> None:
        """Place every replica at the current time in its layout rack (else anywhere allowed in its zone)."""
        t = self._engine.now_s
        w = self._world
        for k, s in enumerate(self.services):
            layout = self._layouts[k]
            local_dcs = [d for z in s.zones for d in range(w.zone_datacenter_start[z], w.zone_datacenter_start[z + 1])]
            for j in range(len(s.state)):
                dc = local_dcs[int(layout.rep_dc[j])]
                z = int(w.datacenter_zone[dc])
                rack = int(w.datacenter_rack_start[dc] + layout.rep_rack[j])
                lo, hi = int(w.rack_server_start[rack]), int(w.rack_server_start[rack + 1])
                s.zone[j] = z
                zlo, zhi = int(w.zone_server_start[z]), int(w.zone_server_start[z + 1])
                server = self._place(s, k, z, [(zlo, lo), (hi, zhi)])
                if server < 0:  # its rack is down or full: anywhere in the zone but the others' racks
                    server = self._place(s, k, z, self._replica_racks(s, z))
                if server >= 0:
                    s.server[j], s.state[j] = server, RUNNING
                else:  # starts down, as if interrupted at the start
                    s.state[j] = WAITING
                    s.interrupted_s[j], s.ready_s[j], s.deadline_s[j] = t, t, t + timeout_s
                    self._stats.interrupted += 1
            s.record(t)

    def _replica_racks(self, s: _Service, zone: int) -> list[tuple[int, int]]:
        """Server ranges of the racks in `zone` that host a running replica of `s`."""
        w = self._world
        on = s.server[(s.state == RUNNING) & (s.server >= 0)]
        racks = np.unique(w.server_rack[on])
        racks = racks[w.server_zone[w.rack_server_start[racks]] == zone]
        return [(int(w.rack_server_start[r]), int(w.rack_server_start[r + 1])) for r in racks]

    def _place(self, s: _Service, k: int, zone: int, blocked: list[tuple[int, int]]) -> int:
        """Place one replica of `s` in `zone` by the policy, on none of the `blocked` server ranges; server or -1."""
        ranges = [np.arange(lo, hi, dtype=np.int64) for lo, hi in blocked if hi > lo]
        masked = np.concatenate(ranges) if ranges else np.zeros(0, dtype=np.int64)
        masked = masked[self._down[masked] == 0]  # servers down for real stay down
        vm = Arrivals(time_s=np.zeros(1), vcpus=np.array([s.vcpus], dtype=np.int32),
                      memory_mib=np.array([s.memory_mib], dtype=np.int64),
                      instance_type=np.array([s.instance_type], dtype=np.int32),
                      zone=np.array([zone], dtype=np.int32), lifetime_s=np.array([REPLICA_LIFETIME_S]),
                      workload=np.array([SERVICE_WORKLOAD_BASE - k], dtype=np.int32))
        self._engine.set_server_down(masked)
        try:
            return int(self._engine.place_now(vm)[0])
        finally:
            self._engine.set_server_up(masked)

    # ------------------------------------------------------------------ failures

    def interrupt(self, t: float, vms: dict[str, np.ndarray], wait_for_repair_s: float | None,
                  delay_s: float, timeout_s: float) -> list[float]:
        """Replicas among evicted `vms` go down at `t`; returns the times their restarts should be tried.

        `wait_for_repair_s`: the repair time of a zone or region failure (replicas without
        `replace_in_other_zone` wait for it), None for a server, rack or datacenter failure.
        """
        times: set[float] = set()
        k_of = SERVICE_WORKLOAD_BASE - vms["workload"]
        for k in np.unique(k_of):
            s = self.services[int(k)]
            for server in vms["server"][k_of == k]:
                j = int(np.flatnonzero(s.server == server)[0])
                ready = t + delay_s if wait_for_repair_s is None or s.replace_in_other_zone else wait_for_repair_s
                s.state[j], s.server[j] = WAITING, -1
                s.remaining_s[j] = REPLICA_LIFETIME_S
                s.interrupted_s[j], s.ready_s[j] = t, ready
                s.deadline_s[j] = max(t + timeout_s, ready)
                times.update((ready, s.deadline_s[j]))
            self._stats.interrupted += int(np.count_nonzero(k_of == k))
            s.record(t)
        return sorted(times)

    def attempt(self, t: float, zone_mask: np.ndarray | None) -> None:
        """Try to restart every waiting replica that is ready (of the zones in `zone_mask`, or all)."""
        for k, s in enumerate(self.services):
            changed = False
            for j in np.flatnonzero((s.state == WAITING) & (s.ready_s <= t)):
                zones = [int(s.zone[j])] + ([z for z in s.zones if z != s.zone[j]] if s.replace_in_other_zone else [])
                if zone_mask is not None and not any(zone_mask[z] for z in zones):
                    continue
                for z in zones:
                    server = self._place(s, k, z, self._replica_racks(s, z))
                    if server >= 0:
                        s.server[j], s.zone[j], s.state[j] = server, z, RUNNING
                        self._stats.restarted_after(np.array([t - s.interrupted_s[j]]))
                        changed = True
                        break
                else:
                    if s.deadline_s[j] <= t:
                        s.state[j] = LOST
                        self._stats.lost += 1
            if changed:
                s.record(t)

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
            new_t, _ = last_per_instant(hist_t[self._flushed[k]:], hist_n[self._flushed[k]:])
            self._flushed[k] = len(hist_t)
            at = np.union1d(new_t, tick_times_s)
            n = sampled(hist_t, hist_n, at)
            out["time_s"] += at.tolist()
            out["service"] += [s.name] * len(at)
            out["healthy_replicas"] += n.tolist()
            out["healthy"] += (n >= s.at_least).tolist()
        order = np.argsort(np.asarray(out["time_s"]), kind="stable")
        return {name: [col[i] for i in order] for name, col in out.items()}

    def summary(self, horizon_s: float) -> list[dict]:
        """Per service: name, replicas, at_least, availability, downtime minutes per year, incidents, longest outage."""
        result = []
        for s in self.services:
            f = health_figures(np.asarray(s.history_s), np.asarray(s.history_running), s.at_least, horizon_s)
            result.append({"name": s.name, "replicas": len(s.state), "at_least": s.at_least,
                           "availability": f.availability, "downtime_minutes_per_year": f.downtime_minutes_per_year,
                           "incidents": f.incidents, "longest_outage_minutes": f.longest_outage_minutes})
        return result
