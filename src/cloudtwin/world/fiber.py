"""The private fiber between regions as a graph: a path per listed pair (or per pair of regions when none are
listed), its length on the great circle and its capacity.

A path's one-way delay is its great-circle length × `network.path_stretch` / `network.fiber_km_per_ms` (the same
rule as `world.geo.region_latency_ms`); traffic between two regions takes the quickest chain of paths that are up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cloudtwin.scenario.checks import fiber_name
from cloudtwin.scenario.model import Network
from cloudtwin.units import GBPS_PER_TBPS
from cloudtwin.world.geo import fiber_latency_ms, great_circle_km
from cloudtwin.world.topology import World


@dataclass(frozen=True)
class FiberGraph:
    """The fiber paths between regions: endpoints (region indices), name, capacity and one-way delay."""

    names: tuple[str, ...]
    region_a: np.ndarray  # int, per path
    region_b: np.ndarray
    capacity_gbps: np.ndarray
    length_km: np.ndarray
    one_way_ms: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        """The path named `fiber:A--B` or `fiber:B--A`."""
        a, _, b = name.removeprefix("fiber:").partition("--")
        for candidate in (name, fiber_name(b, a)):
            if candidate in self.names:
                return self.names.index(candidate)
        raise KeyError(name)


def fiber_graph(world: World, network: Network) -> FiberGraph:
    """The scenario's fiber paths (`network.links.fiber`), or a direct path between every pair of regions."""
    listed = network.links.fiber
    if listed:
        pairs = [(world.region_index(p.between[0]), world.region_index(p.between[1])) for p in listed]
        tbps = [p.tbps or network.links.fiber_tbps for p in listed]
    else:
        n = world.n_regions
        pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        tbps = [network.links.fiber_tbps] * len(pairs)
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    loc = world.region_location_deg
    length = great_circle_km(loc[a, 0], loc[a, 1], loc[b, 0], loc[b, 1]) if len(pairs) else np.zeros(0)
    return FiberGraph(
        names=tuple(fiber_name(world.region_names[i], world.region_names[j]) for i, j in pairs),
        region_a=a,
        region_b=b,
        capacity_gbps=np.asarray(tbps, dtype=np.float64) * GBPS_PER_TBPS,
        length_km=np.asarray(length, dtype=np.float64),
        one_way_ms=np.asarray(fiber_latency_ms(length, network.fiber_km_per_ms, network.path_stretch)),
    )


def fiber_one_way_ms(world: World, network: Network) -> np.ndarray:
    """(regions × regions) one-way delay of the quickest chain of fiber paths between regions, every path up
    (inf where none joins them). With a path between every pair (the default) it is the direct great circle's:
    on a sphere no detour is shorter."""
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import dijkstra

    fiber = fiber_graph(world, network)
    n = world.n_regions
    graph = np.full((n, n), np.inf)
    for a, b, ms in zip(fiber.region_a, fiber.region_b, fiber.one_way_ms, strict=True):
        graph[a, b] = graph[b, a] = min(graph[a, b], max(float(ms), 1e-9))  # 0 would read as "no edge"
    graph[~np.isfinite(graph)] = 0.0
    delay = np.asarray(dijkstra(csr_array(graph), directed=False))
    np.fill_diagonal(delay, 0.0)
    return delay
