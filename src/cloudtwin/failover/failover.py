"""Failures inside a run: servers go down and come back; their VMs restart elsewhere in the zone, wait or are lost.

The failure event table (`cloudtwin.failures.FailureSampler`, sampled levels and injections) is
merged into the engine chunk by chunk as scheduled events, so failures interleave exactly with
arrivals and departures; each failure, repair and restart attempt is one Python handler (a few
hundred a simulated day at aws-2014 scale), the VMs themselves stay in numpy columns.

The restart model (delay, waiting, timeouts, where a VM or replica may go) is `cloudtwin.failover.rules`,
shared with availability mode. How this module applies it:
- A failure takes its server range down. Ranges may overlap (a rack inside a datacenter burst):
  each server keeps a down count and is up again when it returns to 0. Every VM on a server that
  just went down is interrupted. Arrivals meanwhile are placed or refused against the reduced capacity.
- An interrupted tenant VM keeps the lifetime it had left: the tenant's use of the VM pauses while
  it is down, so no VM departs while waiting and interrupted = restarted + lost + still waiting holds
  exactly. Zone and region failures keep VMs in their zone (the seed's transparent failover is
  between the data centers of a zone); service replicas may move (`cloudtwin.failover.replicas`).
- Waiting VMs are tried at every repair in their zone (vSphere HA does the same: "vSphere HA waits
  for more unreserved capacity to become available, for example, due to a host coming back online,
  and then retries", VMware vSphere Availability guide, "VM restart priority"), at every restart
  that comes due, and every RETRY_EVERY_S (departures); waiting replicas also when a replica leaves
  a rack and at every repair anywhere. A tenant VM is lost when an attempt at or after its deadline
  still finds no room (an attempt is scheduled at the deadline itself).
- A burst that wraps past its domain's last server is two rows of the table and one failure here
  (one row of the `failures` results table, its VMs summed).
- Service replicas are VMs too: they count in every VM total (interrupted, restarted, waiting; never lost).
- With a steady start, servers already down at time 0 (the sampler's rows at 0) go down before the
  initial population is placed: they hold nothing, as they would have been empty for a while.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cloudtwin.engine.core import Engine
from cloudtwin.failover.replicas import SERVICE_WORKLOAD_BASE, ServiceReplicas
from cloudtwin.failover.rules import RETRY_EVERY_S, first_attempt_s, give_up_s
from cloudtwin.failover.waiting import RestartStats, WaitingVms
from cloudtwin.failures import (
    LEVEL_NAMES,
    FailureEvents,
    FailureSampler,
    scenario_failures,
)
from cloudtwin.failures.defaults import DATACENTER, RACK, SERVER, ZONE
from cloudtwin.scenario.model import Scenario
from cloudtwin.units import SECONDS_PER_HOUR, SECONDS_PER_MINUTE

if TYPE_CHECKING:
    from cloudtwin.world import World

# Event kinds handed to the engine (1..15; 0 is a departure).
FAIL, REPAIR, ATTEMPT = 1, 2, 3
# ATTEMPT payloads: a restart due (delay or deadline), or the periodic retry.
DUE, RETRY = 0, 1


@dataclass(frozen=True)
class _Failure:
    """One failure: its time, duration, level, the name of what failed and its server ranges."""

    time_s: float
    duration_s: float
    level: int
    target: str
    lo: np.ndarray  # int64: first server of each range
    hi: np.ndarray  # int64: one past the last

    @property
    def repair_s(self) -> float:
        return self.time_s + self.duration_s


class Failover:
    """Failures, repairs and restarts of one run on one engine (see the module docstring)."""

    def __init__(self, engine: Engine, world: World, scenario: Scenario, seed: np.random.SeedSequence) -> None:
        resolved = scenario_failures(scenario)
        self._engine = engine
        self._world = world
        self._sampler = (
            FailureSampler(resolved, world, seed, steady_start=True) if resolved.levels or resolved.inject else None
        )
        self._inject_names = [item.fail for item in resolved.inject]
        self.delay_s = resolved.restart.delay_minutes * SECONDS_PER_MINUTE
        self.timeout_s = resolved.restart.timeout_hours * SECONDS_PER_HOUR
        self.down_count = np.zeros(world.n_servers, dtype=np.int32)
        self.stats = RestartStats()
        self.pool = WaitingVms()
        self._tenants = bool(scenario.workload)
        self.services = ServiceReplicas(scenario, engine, world, self.stats) if scenario.services else None
        self.level_failures = np.zeros(len(LEVEL_NAMES), dtype=np.int64)
        self.level_vms = np.zeros(len(LEVEL_NAMES), dtype=np.int64)
        self._failures: dict[int, _Failure] = {}
        self._next_id = 0
        self._rows: dict[str, list] = {"time_s": [], "level": [], "target": [], "duration_s": [], "vms_affected": []}
        self._attempts_at: set[float] = set()
        self._retry_at = np.inf
        engine.on_event(FAIL, self._on_fail)
        engine.on_event(REPAIR, self._on_repair)
        engine.on_event(ATTEMPT, self._on_attempt)

    # ------------------------------------------------------------------ driving (from the run loop)

    def start(self) -> None:
        """At the start: servers already down go down empty, then the service replicas are placed."""
        if self._sampler is not None:
            at_start = self._sampler.events_until(np.nextafter(0.0, 1.0))  # the rows at time 0
            sampled = at_start.injection < 0
            for fid in self._register(at_start.take(sampled)):
                self._on_fail(self._engine, 0.0, fid)
            self._schedule(self._register(at_start.take(~sampled)))  # injections at 0 hit the population
        if self.services is not None:
            self.services.place_initial()

    def schedule_until(self, t_end_s: float) -> None:
        """Hand the engine every failure with time before `t_end_s` not handed yet."""
        if self._sampler is not None:
            self._schedule(self._register(self._sampler.events_until(t_end_s)))

    def _register(self, events: FailureEvents) -> list[int]:
        """Group rows into failures (a wrapped burst's two rows are one) and keep them by id."""
        groups: dict[tuple, list[int]] = {}
        for i in range(len(events)):
            key = (
                float(events.time_s[i]),
                int(events.level[i]),
                int(events.target[i]),
                float(events.duration_s[i]),
                int(events.injection[i]),
            )
            groups.setdefault(key, []).append(i)
        ids = []
        for (time_s, level, target, duration_s, injection), rows in groups.items():
            name = self._inject_names[injection] if injection >= 0 else self._target_name(level, target)
            self._failures[self._next_id] = _Failure(
                time_s, duration_s, level, name, events.lo_server[rows], events.hi_server[rows]
            )
            ids.append(self._next_id)
            self._next_id += 1
        return ids

    def _schedule(self, ids: list[int]) -> None:
        for fid in ids:
            self._engine.schedule(self._failures[fid].time_s, FAIL, fid)

    def _target_name(self, level: int, target: int) -> str:
        """The failed domain's name as `failures.inject` writes it (`DC/rackK`, `DC/serverI`, `DC`, zone, region)."""
        w = self._world
        if level == SERVER:
            dc = int(w.server_datacenter[target])
            return f"{w.datacenter_names[dc]}/server{target - int(w.datacenter_server_start[dc])}"
        if level == RACK:
            dc = int(w.rack_datacenter[target])
            return f"{w.datacenter_names[dc]}/rack{target - int(w.datacenter_rack_start[dc])}"
        if level == DATACENTER:
            return w.datacenter_names[target]
        if level == ZONE:
            return w.zone_names[target]
        return w.region_names[target]

    # ------------------------------------------------------------------ handlers (the loop is paused)

    def _on_fail(self, engine: Engine, t: float, fid: int) -> None:
        f = self._failures[fid]
        newly = []
        for lo, hi in zip(f.lo, f.hi):
            seg = self.down_count[lo:hi]
            newly.append(lo + np.flatnonzero(seg == 0))
            seg += 1
        servers = np.concatenate(newly)
        engine.set_server_down(servers)
        vms = engine.evict(servers)
        n = len(vms["vcpus"])
        self._record(f, n)
        engine.schedule(f.repair_s, REPAIR, fid)
        if n == 0:
            return
        replica = vms["workload"] <= SERVICE_WORKLOAD_BASE
        due: set[float] = set()
        if replica.any() and self.services is not None:
            picked = {name: col[replica] for name, col in vms.items()}
            due.update(self.services.interrupt(t, picked, f.level, f.repair_s, self.delay_s))
            if self.services.any_ready(t):  # the racks those replicas left may take one that waits
                self._attempt(t, None)
        tenant = {name: col[~replica] for name, col in vms.items()}
        if len(tenant["vcpus"]):
            ready = first_attempt_s(t, f.level, f.repair_s, self.delay_s, False)
            deadline = give_up_s(t, ready, self.timeout_s)
            self.pool.add(tenant, t, ready, deadline)
            self.stats.interrupted += len(tenant["vcpus"])
            due.update((ready, deadline))
        for when in sorted(due):
            self._attempt_at(when)

    def _on_repair(self, engine: Engine, t: float, fid: int) -> None:
        f = self._failures.pop(fid)
        back = []
        for lo, hi in zip(f.lo, f.hi):
            seg = self.down_count[lo:hi]
            seg -= 1
            back.append(lo + np.flatnonzero(seg == 0))
        servers = np.concatenate(back)
        if len(servers) == 0:
            return
        engine.set_server_up(servers)
        zones = np.zeros(self._world.n_zones, dtype=bool)
        zones[self._world.server_zone[servers]] = True
        self._attempt(t, zones)

    def _on_attempt(self, engine: Engine, t: float, payload: int) -> None:
        if payload == RETRY:
            self._retry_at = np.inf
        else:
            self._attempts_at.discard(t)
        self._attempt(t, None)

    def _attempt_at(self, t: float) -> None:
        """Schedule one restart attempt at `t` (once per instant)."""
        if t not in self._attempts_at:
            self._attempts_at.add(t)
            self._engine.schedule(t, ATTEMPT, DUE)

    def _attempt(self, t: float, zone_mask: np.ndarray | None) -> None:
        """Restart what is ready (replicas first); keep retrying while something ready still waits."""
        if self.services is not None:
            self.services.attempt(t)
        self.pool.attempt(self._engine, t, zone_mask, self.stats)
        # Between repairs only departures free room: with no tenant workload, a waiting replica has nothing
        # to retry for until the next repair or replica move, each of which tries it anyway.
        still = self.pool.any_ready(t) or (self._tenants and self.services is not None and self.services.any_ready(t))
        if still and self._retry_at > t + RETRY_EVERY_S:
            self._retry_at = t + RETRY_EVERY_S
            self._engine.schedule(self._retry_at, ATTEMPT, RETRY)

    def _record(self, f: _Failure, vms: int) -> None:
        self.level_failures[f.level] += 1
        self.level_vms[f.level] += vms
        for name, value in (
            ("time_s", f.time_s),
            ("level", LEVEL_NAMES[f.level]),
            ("target", f.target),
            ("duration_s", f.duration_s),
            ("vms_affected", vms),
        ):
            self._rows[name].append(value)

    # ------------------------------------------------------------------ output

    def take_rows(self, tick_times_s: np.ndarray) -> dict[str, Mapping[str, list | np.ndarray]]:
        """Rows of the `failures` and `services` tables since the last call (services: each change, and the
        state at each of `tick_times_s`), by table name."""
        out: dict[str, Mapping[str, list | np.ndarray]] = {}
        if self._rows["time_s"]:
            out["failures"] = self._rows
            self._rows = {name: [] for name in self._rows}
        if self.services is not None:
            out["services"] = self.services.rows(tick_times_s)
        return out

    def service_placements(self, tick_times_s: np.ndarray) -> list[list[np.ndarray]]:
        """Per service (scenario order), at each of `tick_times_s`: the datacenters of its running replicas then."""
        return [] if self.services is None else self.services.placements(np.asarray(tick_times_s, dtype=np.float64))

    def vms_by_level(self) -> dict[str, int]:
        """VMs interrupted by failures of each level."""
        return {name: int(self.level_vms[i]) for i, name in enumerate(LEVEL_NAMES)}

    @property
    def waiting(self) -> int:
        return len(self.pool) + (self.services.waiting() if self.services is not None else 0)

    def summary(self, horizon_s: float) -> dict:
        """The `run --json` failure keys (see `failure_summary`)."""
        return failure_summary(
            self.level_failures,
            self.stats,
            self.waiting,
            self.services.summary(horizon_s) if self.services is not None else [],
        )


def failure_summary(level_failures: np.ndarray, stats: RestartStats, waiting: int, services: list[dict]) -> dict:
    """failures (count per level), vms_interrupted / _restarted / _lost / _waiting, restart_minutes, services."""
    return {
        "failures": {name: int(level_failures[i]) for i, name in enumerate(LEVEL_NAMES)},
        "vms_interrupted": stats.interrupted,
        "vms_restarted": stats.restarted,
        "vms_lost": stats.lost,
        "vms_waiting": waiting,
        "restart_minutes": stats.restart_minutes(),
        "services": services,
    }
