"""The links that bind and the flows that cross them.

Links: each datacenter's way in (`DC:in`) and out (`DC:out`), each pair of zones of a region (`A<->B`), each
fiber path between regions (`fiber:A--B`). Flows: one per ordered pair of datacenters (source → destination),
its class fixed by where the two are: another datacenter of the zone, another zone of the region, another
region. A flow crosses its source's `out`, its destination's `in`, the pair of zones between them, and for
another region the fiber paths of the quickest route over the paths that are up (Dijkstra on one-way delay).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from cloudtwin.scenario.model import Network
from cloudtwin.units import GBPS_PER_TBPS
from cloudtwin.world import World
from cloudtwin.world.fiber import FiberGraph, fiber_graph

#: The 102 Tbps of inbound capacity the seed gives one datacenter, when a scenario names none.
SEED_DATACENTER_INBOUND_TBPS = 102.0
#: Flow classes, as the traffic shares order them (`network.demand.CLASSES`).
CROSS_DATACENTER, CROSS_ZONE, CROSS_REGION = 0, 1, 2
#: Link kinds.
DATACENTER_IN, DATACENTER_OUT, ZONE_PAIR, FIBER = 0, 1, 2, 3


@dataclass(frozen=True)
class Links:
    """Every link (name, kind, capacity, region for the links inside one) and every flow (its ends and class)."""

    names: tuple[str, ...]
    kind: np.ndarray  # per link
    capacity_gbps: np.ndarray
    region: np.ndarray  # the region of a datacenter or zone-pair link; -1 for fiber
    fiber: FiberGraph
    fiber_start: int  # fiber path k is link fiber_start + k
    flow_src: np.ndarray  # per flow: source datacenter
    flow_dst: np.ndarray
    flow_class: np.ndarray
    flow_src_region: np.ndarray
    flow_dst_region: np.ndarray
    flow_index: np.ndarray  # (datacenters, datacenters): the flow from one to the other, -1 on the diagonal
    _fixed: sp.csr_array = field(repr=False)  # flows × links: the links a flow crosses whatever the fiber's state
    _routes: dict[bytes, tuple[sp.csr_array, np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def n_links(self) -> int:
        """How many links."""
        return len(self.names)

    def routed(self, fiber_up: np.ndarray) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
        """With these fiber paths up: the flows × links incidence, which flows have a route, and the one-way
        fiber delay between every pair of regions (ms; inf where none). Cached per state of the fiber."""
        key = np.asarray(fiber_up, dtype=bool).tobytes()
        if key not in self._routes:
            self._routes[key] = self._route(np.asarray(fiber_up, dtype=bool))
        return self._routes[key]

    def _route(self, fiber_up: np.ndarray) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
        n_regions = int(max(self.flow_src_region.max(initial=-1), self.flow_dst_region.max(initial=-1))) + 1
        n_regions = max(
            n_regions, int(self.fiber.region_a.max(initial=-1)) + 1, int(self.fiber.region_b.max(initial=-1)) + 1
        )
        path_delay, path_links = _shortest_paths(self.fiber, fiber_up, n_regions)
        cross = np.flatnonzero(self.flow_class == CROSS_REGION)
        rows, cols = [], []
        reachable = np.ones(len(self.flow_src), dtype=bool)
        for f in cross:
            links = path_links.get((int(self.flow_src_region[f]), int(self.flow_dst_region[f])))
            if links is None:
                reachable[f] = False
                continue
            rows += [f] * len(links)
            cols += [self.fiber_start + k for k in links]
        extra = sp.csr_array(
            (np.ones(len(rows)), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=self._fixed.shape,
        )
        incidence = (self._fixed + extra).tocsr()
        incidence = sp.csr_array(sp.diags_array(reachable.astype(np.float64)) @ incidence)  # no route: no links
        return incidence, reachable, path_delay


def _shortest_paths(
    fiber: FiberGraph, up: np.ndarray, n_regions: int
) -> tuple[np.ndarray, dict[tuple[int, int], list[int]]]:
    """One-way delay of the quickest route between every pair of regions over the paths that are up, and the
    fiber paths of each route."""
    if n_regions == 0:
        return np.zeros((0, 0)), {}
    live = np.flatnonzero(up)
    best: dict[tuple[int, int], int] = {}  # the quickest live path between two regions (parallel paths: one)
    for k in map(int, live):
        a, b = int(fiber.region_a[k]), int(fiber.region_b[k])
        key = (min(a, b), max(a, b))
        if key not in best or fiber.one_way_ms[k] < fiber.one_way_ms[best[key]]:
            best[key] = k
    graph = np.zeros((n_regions, n_regions))
    for (a, b), k in best.items():
        graph[a, b] = graph[b, a] = max(float(fiber.one_way_ms[k]), 1e-9)  # 0 would read as "no edge"
    delay, predecessors = dijkstra(sp.csr_array(graph), directed=False, return_predecessors=True)
    routes: dict[tuple[int, int], list[int]] = {}
    for s in range(n_regions):
        for t in range(n_regions):
            if s == t or not np.isfinite(delay[s, t]):
                continue
            path: list[int] = []
            node = int(t)
            while node != s:
                prev = int(predecessors[s, node])
                path.append(best[(min(prev, node), max(prev, node))])
                node = prev
            routes[(s, t)] = path[::-1]
    np.fill_diagonal(delay, 0.0)
    return delay, routes


def build_links(world: World, network: Network) -> Links:
    """The world's links and its datacenter-to-datacenter flows (module docstring)."""
    n_dc = world.n_datacenters
    dc_zone = np.asarray(world.datacenter_zone, dtype=np.int64)
    zone_region = np.asarray(world.zone_region, dtype=np.int64)
    dc_region = zone_region[dc_zone]
    inbound = (network.datacenter_inbound_tbps or SEED_DATACENTER_INBOUND_TBPS) * GBPS_PER_TBPS
    outbound = (network.links.datacenter_outbound_tbps or inbound / GBPS_PER_TBPS) * GBPS_PER_TBPS
    names = [f"{world.datacenter_names[d]}:in" for d in range(n_dc)] + [
        f"{world.datacenter_names[d]}:out" for d in range(n_dc)
    ]
    kind = [DATACENTER_IN] * n_dc + [DATACENTER_OUT] * n_dc
    capacity = [inbound] * n_dc + [outbound] * n_dc
    region = list(dc_region) * 2
    pair_link: dict[tuple[int, int], int] = {}
    for r in range(world.n_regions):
        zones = range(int(world.region_zone_start[r]), int(world.region_zone_start[r + 1]))
        for a in zones:
            for b in zones:
                if a < b:
                    pair_link[(a, b)] = len(names)
                    names.append(f"{world.zone_names[a]}<->{world.zone_names[b]}")
                    kind.append(ZONE_PAIR)
                    capacity.append(network.links.zone_pair_tbps * GBPS_PER_TBPS)
                    region.append(r)
    fiber = fiber_graph(world, network)
    fiber_start = len(names)
    names += list(fiber.names)
    kind += [FIBER] * len(fiber)
    capacity += list(fiber.capacity_gbps)
    region += [-1] * len(fiber)
    src, dst = np.nonzero(~np.eye(n_dc, dtype=bool))
    flow_index = np.full((n_dc, n_dc), -1, dtype=np.int64)
    flow_index[src, dst] = np.arange(len(src))
    same_zone = dc_zone[src] == dc_zone[dst]
    same_region = dc_region[src] == dc_region[dst]
    flow_class = np.where(same_zone, CROSS_DATACENTER, np.where(same_region, CROSS_ZONE, CROSS_REGION))
    rows = [np.arange(len(src)), np.arange(len(src))]
    cols = [n_dc + src, dst]
    cz = np.flatnonzero(flow_class == CROSS_ZONE)
    za, zb = np.minimum(dc_zone[src[cz]], dc_zone[dst[cz]]), np.maximum(dc_zone[src[cz]], dc_zone[dst[cz]])
    rows.append(cz)
    cols.append(np.array([pair_link[(int(a), int(b))] for a, b in zip(za, zb, strict=True)], dtype=np.int64))
    r_all, c_all = np.concatenate(rows), np.concatenate(cols)
    fixed = sp.csr_array((np.ones(len(r_all)), (r_all, c_all)), shape=(len(src), len(names)))
    return Links(
        names=tuple(names),
        kind=np.asarray(kind, dtype=np.int8),
        capacity_gbps=np.asarray(capacity, dtype=np.float64),
        region=np.asarray(region, dtype=np.int64),
        fiber=fiber,
        fiber_start=fiber_start,
        flow_src=src.astype(np.int64),
        flow_dst=dst.astype(np.int64),
        flow_class=flow_class.astype(np.int8),
        flow_src_region=dc_region[src],
        flow_dst_region=dc_region[dst],
        flow_index=flow_index,
        _fixed=fixed,
    )
