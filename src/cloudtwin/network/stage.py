"""The network over a run: at each metric tick, the traffic of what runs, shared max-min fairly over the links.

Flows are aggregated per ordered pair of datacenters (never per VM): a datacenter sends
allocated vCPUs × its zone's Gbps per vCPU (`network.demand`), split over the traffic classes by its zone's
shares, and within a class over the destinations in proportion to their allocated vCPUs (a gravity model: a
VM talks to VMs, so where more run, more goes). A flow with no route (its region cut off) is lost; the others
share the links max-min fairly (`network.fairness`), and what they do not get is throttled. So at every tick,
offered = carried + throttled + lost, exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from cloudtwin.failures.defaults import resolve_failures
from cloudtwin.network.cuts import FiberCuts
from cloudtwin.network.demand import zone_traffic
from cloudtwin.network.fairness import max_min_fair
from cloudtwin.network.links import CROSS_REGION, DATACENTER_IN, FIBER, ZONE_PAIR, Links, build_links
from cloudtwin.scenario.model import Scenario
from cloudtwin.units import BITS_PER_BYTE, GBPS_PER_TBPS
from cloudtwin.world import World


@dataclass
class NetworkTotals:
    """What the run's `network` summary is made of, accumulated tick by tick."""

    peak_inter_zone_gbps: np.ndarray  # per region
    peak_ingress_gbps: np.ndarray  # per datacenter
    max_utilization: float = 0.0
    offered_gb: float = 0.0
    throttled_gb: float = 0.0
    lost_gb: float = 0.0
    cuts: int = 0
    ticks: int = 0
    wall_s: float = 0.0  # wall-clock seconds spent in `observe`: what the network adds to a run
    rows: dict[str, list] = field(default_factory=dict)


class NetworkStage:
    """The network of one run: links, flows, fiber cuts; `observe` each chunk's ticks, `summary` at the end."""

    def __init__(self, world: World, scenario: Scenario, seed: np.random.SeedSequence, horizon_s: float) -> None:
        self.world = world
        self.links: Links = build_links(world, scenario.network)
        profile = zone_traffic(scenario)
        dc_zone = np.asarray(world.datacenter_zone, dtype=np.int64)
        self._gbps_per_vcpu = profile.gbps_per_vcpu[dc_zone]  # per datacenter
        self._shares = profile.shares[dc_zone]  # per datacenter × class
        self.cuts = FiberCuts(self.links.fiber, resolve_failures(scenario.failures), horizon_s, seed)
        self.totals = NetworkTotals(
            peak_inter_zone_gbps=np.zeros(world.n_regions), peak_ingress_gbps=np.zeros(world.n_datacenters)
        )
        links = self.links
        self._zone_pair = links.kind == ZONE_PAIR
        self._ingress = np.flatnonzero(links.kind == DATACENTER_IN)
        self._fiber = np.flatnonzero(links.kind == FIBER)
        self._names = np.asarray(links.names, dtype=object)
        self._by_link: dict[int, object] = {}  # id(incidence) -> its transpose, links × flows

    def demand_gbps(self, allocated_vcpus: np.ndarray) -> np.ndarray:
        """Per flow, the Gbps it offers when the datacenters hold `allocated_vcpus` (module docstring)."""
        links = self.links
        vcpus = np.asarray(allocated_vcpus, dtype=np.float64)
        sent = vcpus[:, None] * self._gbps_per_vcpu[:, None] * self._shares  # datacenter × class
        pull = vcpus[links.flow_dst]
        n_dc = len(vcpus)
        group = links.flow_src * 3 + links.flow_class
        total = np.bincount(group, weights=pull, minlength=n_dc * 3)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total[group] > 0, pull / total[group], 0.0)
        return sent[links.flow_src, links.flow_class] * share

    def solve(
        self, time_s: float, allocated_vcpus: np.ndarray, extra_gbps: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """One tick: per flow its demand and rate and whether it had a route; per link offered, carried, capacity.
        `extra_gbps` (datacenters × datacenters) adds traffic of its own between datacenters (services' requests)."""
        links = self.links
        up = self.cuts.up_at(time_s)
        incidence, reachable, _delay = links.routed(up)
        demand = self.demand_gbps(allocated_vcpus)
        if extra_gbps is not None:
            demand = demand + extra_gbps[links.flow_src, links.flow_dst]
        routed = np.where(reachable, demand, 0.0)
        by_link = self._by_link.get(id(incidence))
        if by_link is None:  # links × flows, once per routing (the routing cache keeps `incidence` alive)
            by_link = self._by_link[id(incidence)] = incidence.T.tocsr()
        offered = np.asarray(by_link @ routed).ravel()
        if (offered <= links.capacity_gbps).all():
            rates, carried = routed, offered  # nothing binds: every flow gets its demand, the max-min fair answer
        else:
            rates = max_min_fair(links.capacity_gbps, incidence, routed)
            carried = np.asarray(by_link @ rates).ravel()
        capacity = links.capacity_gbps.copy()
        capacity[links.fiber_start + np.flatnonzero(~up)] = 0.0
        return {
            "demand_gbps": demand,
            "rate_gbps": rates,
            "reachable": reachable,
            "offered_gbps": offered,
            "carried_gbps": carried,
            "capacity_gbps": capacity,
        }

    def observe(
        self,
        time_s: np.ndarray,
        interval_s: np.ndarray,
        allocated_vcpus: np.ndarray,
        extra_gbps: list[np.ndarray | None] | None = None,
    ) -> dict[str, np.ndarray]:
        """A chunk's ticks (times, their intervals, datacenter allocated vCPUs tick × datacenter, and per tick any
        traffic of services between datacenters): the `links` rows, and the run's totals brought up to date."""
        started = time.perf_counter()
        links, t = self.links, self.totals
        columns: dict[str, list] = {
            "time_s": [],
            "link": [],
            "offered_gbps": [],
            "carried_gbps": [],
            "capacity_gbps": [],
        }
        for i in range(len(time_s)):
            tick = self.solve(float(time_s[i]), allocated_vcpus[i], None if extra_gbps is None else extra_gbps[i])
            carried, capacity = tick["carried_gbps"], tick["capacity_gbps"]
            seconds = float(interval_s[i])
            demand, rate = tick["demand_gbps"], tick["rate_gbps"]
            lost = float(demand[~tick["reachable"]].sum())
            t.offered_gb += float(demand.sum()) * seconds / BITS_PER_BYTE
            t.throttled_gb += float((demand - rate)[tick["reachable"]].sum()) * seconds / BITS_PER_BYTE
            t.lost_gb += lost * seconds / BITS_PER_BYTE
            inter_zone = np.bincount(
                links.region[self._zone_pair], weights=carried[self._zone_pair], minlength=self.world.n_regions
            )
            np.maximum(t.peak_inter_zone_gbps, inter_zone, out=t.peak_inter_zone_gbps)
            np.maximum(t.peak_ingress_gbps, carried[self._ingress], out=t.peak_ingress_gbps)
            with np.errstate(invalid="ignore", divide="ignore"):
                used = np.where(capacity > 0, carried / np.where(capacity > 0, capacity, 1.0), 0.0)
            t.max_utilization = max(t.max_utilization, float(used.max(initial=0.0)))
            t.ticks += 1
            n = links.n_links
            columns["time_s"].append(np.full(n, float(time_s[i])))
            columns["link"].append(self._names)
            columns["offered_gbps"].append(tick["offered_gbps"])
            columns["carried_gbps"].append(carried)
            columns["capacity_gbps"].append(capacity)
        rows = {k: np.concatenate(v) if v else np.zeros(0) for k, v in columns.items()}
        t.wall_s += time.perf_counter() - started
        return rows

    def summary(self) -> dict:
        """The run's `network` figures (`run --json`): peaks in Tbps, the worst link, throttled and lost traffic."""
        t, world = self.totals, self.world
        return {
            "peak_inter_zone_tbps": {
                world.region_names[r]: float(t.peak_inter_zone_gbps[r]) / GBPS_PER_TBPS for r in range(world.n_regions)
            },
            "peak_datacenter_ingress_tbps": {
                world.datacenter_names[d]: float(t.peak_ingress_gbps[d]) / GBPS_PER_TBPS
                for d in range(world.n_datacenters)
            },
            "max_link_utilization": t.max_utilization,
            "throttled_fraction": t.throttled_gb / t.offered_gb if t.offered_gb > 0 else 0.0,
            "lost_gb": t.lost_gb,
            "offered_gb": t.offered_gb,
            "fiber_cuts": len(self.cuts.path),
            "cross_region_flows": int(np.count_nonzero(self.links.flow_class == CROSS_REGION)),
        }
