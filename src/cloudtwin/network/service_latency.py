"""Request latency of each service with `traffic`, at each metric tick, under its placement and the fiber then.

The model (docs/network.md, "Service latency"):

- A client region stands for the users of that region: their requests enter the service from a server of
  the region's datacenters, each datacenter taking a share in proportion to its servers (its server type's
  NIC at the client end). Clients do not fail with the datacenters they stand at (an outage takes replicas
  away, not users).
- A request goes to the nearest running replica: the one with the lowest median round trip from the client's
  datacenter (`latency.rtt_quantiles_ms`, the fiber as routed at the tick; ties: the lowest-numbered
  datacenter). A read's latency is that round trip.
- A write (a share `traffic.writes` of the requests) is served by the same replica, which then waits for acks
  from `healthy_when.at_least - 1` other running replicas: the write's latency is the client's round trip plus
  the (at_least - 1)-th fastest of the serving replica's round trips to the other running replicas.
- The network only: the replicas' own processing time is not modelled (0), nor queueing under load.
- A service with fewer than `at_least` running replicas is down (as in the `services` table): its rows at that
  tick carry NULL latencies. A request with no route (a client region cut off from every replica, or a
  serving replica cut off from a quorum) is not served and counts in no percentile.

Every round trip is the latency model's sum of independent log-normal parts plus the propagation constant. The
percentiles of a path are those of the mixture of its requests' latencies (over client datacenters, serving
replicas, reads and writes, weighted by their shares of the requests), from a fixed-seed Latin hypercube
sample: DRAWS draws per component, each part's standard normals the stratum midpoints Φ⁻¹((i + ½)/DRAWS) in a
fixed random order per part (numpy PCG64, seeded with MONTE_CARLO_SEED and the part's column), so a single
log-normal's quantiles are exact up to interpolation; a sum's p99.9 is within about 1 % (docs/network.md).
A state (running replicas' datacenters, fiber up) is computed once and cached: ticks with no change cost a
dictionary look-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.special import ndtri

from cloudtwin.errors import NetworkError
from cloudtwin.network.cuts import FiberCuts
from cloudtwin.network.latency import NIC_KINDS, _parts, datacenter_nic_codes, rtt_quantiles_ms
from cloudtwin.network.links import Links
from cloudtwin.network.lognormal import MONTE_CARLO_SEED
from cloudtwin.network.places import PAIR_CLASSES, datacenter_pair_classes
from cloudtwin.scenario.model import Network, Scenario, Service, ServiceTraffic
from cloudtwin.world.fiber import fiber_one_way_ms
from cloudtwin.world.topology import World

#: Draws per mixture component (a client datacenter's reads, or its writes).
DRAWS = 2**14
#: The percentiles of each `latency` row, by their names in `run --json`.
PERCENTILES: dict[str, float] = {"p50": 0.5, "p99": 0.99, "p999": 0.999}
#: Every request of the service; reads only; writes only (with the quorum's wait).
PATH_ALL, PATH_READS, PATH_WRITES = "all", "reads", "writes"
#: How many random parts a round trip has at most (fabric, the NIC tax at each end).
_PARTS = 3
#: Quantile levels that stand for a state's distribution when a run's ticks are pooled: cells of 0.001 up to
#: 0.99, then of 0.00001 (so the pooled p99.9 is resolved), each level the middle of its cell.
_EDGES = np.concatenate((np.linspace(0.0, 0.99, 991), np.linspace(0.99, 1.0, 1001)[1:]))
_LEVELS = 0.5 * (_EDGES[:-1] + _EDGES[1:])
_MASS = np.diff(_EDGES)


#: The fiber at a tick: a key of its state (equal states, equal keys) and the one-way delay between regions (ms).
FiberState = Callable[[float], tuple[bytes, np.ndarray]]


def routed_fiber(world: World, network: Network, links: Links, cuts: FiberCuts) -> FiberState:
    """The fiber of a run at any time: the paths up then (`cuts`) and the quickest routes over them (`links`)."""
    default = fiber_one_way_ms(world, network)

    def at(time_s: float) -> tuple[bytes, np.ndarray]:
        up = cuts.up_at(time_s)
        delay = links.routed(up)[2]
        return up.tobytes(), delay if delay.shape == default.shape else default

    return at


def from_path(region: str) -> str:
    """The path of the requests from clients in `region`."""
    return f"from {region}"


@dataclass(frozen=True)
class ServiceClients:
    """One service's requests: its client datacenters, each one's share of the requests (summing to 1) and client
    region (an index into `regions`), the write share and the quorum it waits for."""

    name: str
    at_least: int
    writes: float
    regions: tuple[str, ...]
    datacenter: np.ndarray  # int64 per client datacenter
    weight: np.ndarray  # float64
    region: np.ndarray  # int64: index into `regions`

    @property
    def paths(self) -> tuple[str, ...]:
        """The service's paths, in row order: all, each client region's, then reads and writes where both occur."""
        split = (PATH_READS, PATH_WRITES) if 0 < self.writes < 1 else ()
        return (PATH_ALL, *(from_path(r) for r in self.regions), *split)


def service_clients(service: Service, world: World) -> ServiceClients:
    """The client datacenters of a service with `traffic` (each client region's share spread over its datacenters
    in proportion to their servers)."""
    if service.traffic is None:
        raise NetworkError(f"service {service.name!r} has no traffic")
    shares = service.traffic.client_shares()
    dcs, weights, regions = [], [], []
    servers = np.diff(world.datacenter_server_start).astype(np.float64)
    dc_region = np.asarray(world.zone_region, dtype=np.int64)[world.datacenter_zone]
    names = tuple(shares)
    for i, name in enumerate(names):
        here = np.flatnonzero(dc_region == world.region_names.index(name))
        dcs.append(here)
        weights.append(shares[name] * servers[here] / servers[here].sum())
        regions.append(np.full(len(here), i, dtype=np.int64))
    return ServiceClients(
        name=service.name,
        at_least=service.healthy_when.at_least,
        writes=float(service.traffic.writes),
        regions=names,
        datacenter=np.concatenate(dcs).astype(np.int64),
        weight=np.concatenate(weights),
        region=np.concatenate(regions),
    )


@dataclass(frozen=True)
class PathLatency:
    """A path's request latency in one state: its percentiles (ms, PERCENTILES order; NaN when it served nothing)
    and its quantiles at the pooling levels (for the run's figures)."""

    percentiles_ms: np.ndarray
    levels_ms: np.ndarray


def nearest_replicas(
    world: World,
    network: Network,
    nic_codes: np.ndarray,
    clients: ServiceClients,
    replicas: np.ndarray,
    one_way: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each client datacenter: the index (into the sorted `replicas`) of the replica with the lowest median
    round trip (the first of equals), and whether it can be reached at all."""
    c, m = len(clients.datacenter), len(replicas)
    p50 = rtt_quantiles_ms(
        world, network, np.repeat(clients.datacenter, m), np.tile(replicas, c), nic_codes, (0.5,), one_way
    ).reshape(c, m)
    serving = np.argmin(p50, axis=1)
    return serving, np.isfinite(p50[np.arange(c), serving])


#: Gb in a kB (10^3 bytes × 8 bits / 10^9).
GB_PER_KB = 8e-6


def request_traffic_gbps(
    world: World,
    network: Network,
    nic_codes: np.ndarray,
    clients: ServiceClients,
    traffic: ServiceTraffic,
    replica_datacenters: np.ndarray,
    one_way: np.ndarray,
) -> np.ndarray:
    """Datacenters × datacenters Gbps of a service's requests: each client datacenter's share of `requests_per_s`
    to its nearest running replica (`request_kb` each) and back (`response_kb`), and each write copied from that
    replica to every other running one (`request_kb`). Nothing while the service is down or unreachable."""
    n = world.n_datacenters
    out = np.zeros((n, n))
    replicas = np.sort(np.asarray(replica_datacenters, dtype=np.int64))
    if traffic.requests_per_s is None or len(replicas) < clients.at_least or len(replicas) == 0:
        return out
    serving, reached = nearest_replicas(world, network, nic_codes, clients, replicas, one_way)
    rate = traffic.requests_per_s * clients.weight * reached  # requests/s per client datacenter
    src, dst = clients.datacenter, replicas[serving]
    np.add.at(out, (src, dst), rate * traffic.request_kb * GB_PER_KB)
    np.add.at(out, (dst, src), rate * traffic.response_kb * GB_PER_KB)
    if clients.writes > 0 and len(replicas) > 1:
        copies = rate * clients.writes * traffic.request_kb * GB_PER_KB
        for other in replicas:
            keep = dst != other
            np.add.at(out, (dst[keep], np.full(int(keep.sum()), other)), copies[keep])
    return out


def request_latency(
    world: World,
    network: Network,
    nic_codes: np.ndarray,
    clients: ServiceClients,
    replica_datacenters: np.ndarray,
    one_way_ms: np.ndarray | None = None,
) -> dict[str, PathLatency] | None:
    """Each path's request latency with running replicas on `replica_datacenters` (one entry per replica) and the
    fiber's one-way delay between regions `one_way_ms` (inf: no route; default: the great circle, nothing cut).
    None when the service is down (fewer running replicas than `at_least`)."""
    replicas = np.sort(np.asarray(replica_datacenters, dtype=np.int64))
    m = len(replicas)
    if m < clients.at_least or m == 0:
        return None
    one_way = fiber_one_way_ms(world, network) if one_way_ms is None else np.asarray(one_way_ms, dtype=np.float64)
    serving, reached = nearest_replicas(world, network, nic_codes, clients, replicas, one_way)

    # One read component per distinct (serving replica, client region, pair class, client NIC).
    dc_class = datacenter_pair_classes(world, clients.datacenter, replicas[serving])
    key = np.stack((serving, clients.region, dc_class.astype(np.int64), nic_codes[clients.datacenter]), axis=1)
    key = key[reached]
    uniq, which = np.unique(key, axis=0, return_inverse=True)
    which = which.reshape(-1)
    weight = np.bincount(which, weights=clients.weight[reached], minlength=len(uniq))
    first = np.zeros(len(uniq), dtype=np.int64)
    first[which[::-1]] = np.flatnonzero(reached)[::-1]  # a client datacenter of each component
    src, dst = clients.datacenter[first], replicas[uniq[:, 0]]
    reads = _rtt_draws(world, network, nic_codes, src, dst, one_way, column=0)  # components × DRAWS
    region = uniq[:, 1]

    values = [reads]
    read_share = 1.0 - clients.writes
    per_path: dict[str, list[np.ndarray]] = {}
    zero = np.zeros(len(uniq))
    per_path[PATH_ALL] = [weight * read_share]
    for i, name in enumerate(clients.regions):
        per_path[from_path(name)] = [np.where(region == i, weight * read_share, 0.0)]
    per_path[PATH_READS] = [weight]
    per_path[PATH_WRITES] = [zero]
    if clients.writes > 0:
        acks = _quorum_draws(world, network, nic_codes, replicas, clients.at_least - 1, one_way)
        served = np.array([acks[s] is not None for s in uniq[:, 0].tolist()], dtype=bool)
        writes = reads.copy()
        for j, s in enumerate(uniq[:, 0].tolist()):
            wait = acks[s]
            writes[j] += wait if wait is not None else np.inf
        values.append(writes)
        w_write = np.where(served, weight, 0.0)
        per_path[PATH_ALL].append(w_write * clients.writes)
        for i, name in enumerate(clients.regions):
            per_path[from_path(name)].append(np.where(region == i, w_write * clients.writes, 0.0))
        per_path[PATH_READS].append(zero)
        per_path[PATH_WRITES].append(w_write)

    pooled = np.concatenate(values).ravel()
    order = np.argsort(pooled, kind="stable")
    sorted_values = pooled[order]
    component = order // DRAWS
    levels = np.concatenate((np.fromiter(PERCENTILES.values(), dtype=np.float64), _LEVELS))
    out = {}
    for path in clients.paths:
        q = _weighted_quantiles(sorted_values, np.concatenate(per_path[path])[component], levels)
        out[path] = PathLatency(q[: len(PERCENTILES)], q[len(PERCENTILES) :])
    return out


def pooled_percentiles(states: list[tuple[PathLatency, float]]) -> np.ndarray:
    """PERCENTILES (ms) of a mixture of states, each weighted (by the time it held), from their pooling levels;
    NaN where nothing was served."""
    kept = [(s, w) for s, w in states if w > 0 and np.isfinite(s.levels_ms).all()]
    if not kept:
        return np.full(len(PERCENTILES), np.nan)
    values = np.concatenate([s.levels_ms for s, _ in kept])
    weights = np.concatenate([_MASS * w for _, w in kept])
    order = np.argsort(values, kind="stable")
    return _weighted_quantiles(values[order], weights[order], np.fromiter(PERCENTILES.values(), dtype=np.float64))


# --------------------------------------------------------------------------- the run's stage


@dataclass
class _Totals:
    """One service's states over the run: time held by each, and each path's highest p99 at a tick."""

    seconds: dict[tuple, float] = field(default_factory=dict)
    p99_max: dict[str, float] = field(default_factory=dict)


class ServiceLatency:
    """The request latency of a run's services with `traffic`: `observe` each chunk's ticks, `summary` at the end.

    `fiber_one_way_ms(time_s)` gives the one-way delay between regions at a tick (the network stage's routed
    fiber); by default nothing is ever cut."""

    def __init__(self, world: World, scenario: Scenario, fiber: FiberState | None = None) -> None:
        self.world = world
        self.network = scenario.network
        self._nic = datacenter_nic_codes(scenario, world)
        self._fiber = fiber
        self._default_one_way = fiber_one_way_ms(world, scenario.network)
        #: (index in scenario.services, its clients), for each service with traffic.
        self.services = [
            (k, service_clients(s, world)) for k, s in enumerate(scenario.services) if s.traffic is not None
        ]
        self._cache: dict[tuple, dict[str, PathLatency] | None] = {}
        self._traffic: list[ServiceTraffic] = [t for k, _ in self.services if (t := scenario.services[k].traffic)]
        self._traffic_cache: dict[tuple, np.ndarray] = {}
        self._totals = [_Totals() for _ in self.services]
        self.wall_s = 0.0  # wall-clock seconds spent in `observe`

    def __len__(self) -> int:
        return len(self.services)

    def state(self, i: int, replica_datacenters: np.ndarray, time_s: float) -> tuple[tuple, dict | None]:
        """The cache key and the paths of service i (in `self.services`) with these replicas at `time_s`."""
        replicas = tuple(sorted(np.asarray(replica_datacenters, dtype=np.int64).tolist()))
        fiber_key, one_way = (b"", self._default_one_way) if self._fiber is None else self._fiber(time_s)
        key = (i, replicas, fiber_key)
        if key not in self._cache:
            self._cache[key] = request_latency(
                self.world, self.network, self._nic, self.services[i][1], np.asarray(replicas), one_way
            )
        return key, self._cache[key]

    def observe(
        self, time_s: np.ndarray, interval_s: np.ndarray, placements: list[list[np.ndarray]]
    ) -> dict[str, list]:
        """The `latency` rows of a chunk's ticks; `placements[k][t]`: the datacenters of scenario service k's running
        replicas at tick t (`Failover.service_placements`). A down service's rows carry None (NULL)."""
        started = time.perf_counter()
        columns: dict[str, list] = {"time_s": [], "service": [], "path": [], "p50_ms": [], "p99_ms": [], "p999_ms": []}
        for i, (k, clients) in enumerate(self.services):
            totals = self._totals[i]
            for t in range(len(time_s)):
                key, paths = self.state(i, placements[k][t], float(time_s[t]))
                if paths is not None:
                    totals.seconds[key] = totals.seconds.get(key, 0.0) + float(interval_s[t])
                for path in clients.paths:
                    q = None if paths is None else paths[path].percentiles_ms
                    values = [None] * 3 if q is None else [None if not np.isfinite(v) else float(v) for v in q]
                    columns["time_s"].append(float(time_s[t]))
                    columns["service"].append(clients.name)
                    columns["path"].append(path)
                    columns["p50_ms"].append(values[0])
                    columns["p99_ms"].append(values[1])
                    columns["p999_ms"].append(values[2])
                    if values[1] is not None:
                        totals.p99_max[path] = max(totals.p99_max.get(path, 0.0), values[1])
        self.wall_s += time.perf_counter() - started
        return columns

    def traffic_gbps(self, time_s: np.ndarray, placements: list[list[np.ndarray]]) -> list[np.ndarray | None] | None:
        """Per tick, the datacenters × datacenters Gbps of every service's requests (`request_traffic_gbps`) under
        its placement then; None when no service has a request rate."""
        sending = [(i, k, c) for i, (k, c) in enumerate(self.services) if self._traffic[i].requests_per_s]
        if not sending:
            return None
        out: list[np.ndarray | None] = []
        for t in range(len(time_s)):
            total = np.zeros((self.world.n_datacenters, self.world.n_datacenters))
            for i, k, clients in sending:
                replicas = tuple(sorted(np.asarray(placements[k][t], dtype=np.int64).tolist()))
                fiber_key, one_way = (
                    (b"", self._default_one_way) if self._fiber is None else self._fiber(float(time_s[t]))
                )
                key = (i, replicas, fiber_key)
                if key not in self._traffic_cache:
                    self._traffic_cache[key] = request_traffic_gbps(
                        self.world, self.network, self._nic, clients, self._traffic[i], np.asarray(replicas), one_way
                    )
                total += self._traffic_cache[key]
            out.append(total)
        return out

    def summary(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """Per service, per path: the percentiles of every request of the run (each tick's distribution standing for
        its interval; down ticks serve nothing) and `p99_max`, the highest p99 of any tick (ms; None: never served)."""
        out = {}
        for i, (_k, clients) in enumerate(self.services):
            totals = self._totals[i]
            per_path = {}
            for path in clients.paths:
                states = []
                for key, seconds in totals.seconds.items():
                    paths = self._cache[key]
                    if paths is not None:
                        states.append((paths[path], seconds))
                q = pooled_percentiles(states)
                figures: dict[str, float | None] = {
                    name: float(v) if np.isfinite(v) else None for name, v in zip(PERCENTILES, q)
                }
                figures["p99_max"] = totals.p99_max.get(path)
                per_path[path] = figures
            out[clients.name] = per_path
        return out


# --------------------------------------------------------------------------- sampling


def _rtt_draws(
    world: World,
    network: Network,
    nic_codes: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    one_way_ms: np.ndarray,
    column: int,
) -> np.ndarray:
    """DRAWS round trips for each (src, dst) datacenter pair (pairs × DRAWS, ms), the parts drawn from the
    stratified normals of columns column .. column + 2."""
    classes = datacenter_pair_classes(world, src, dst).astype(np.int64)
    group = (classes * len(NIC_KINDS) + nic_codes[src]) * len(NIC_KINDS) + nic_codes[dst]
    region = np.asarray(world.zone_region, dtype=np.int64)[world.datacenter_zone]
    same = region[src] == region[dst]
    constant = np.where(same, 0.0, 2.0 * one_way_ms[region[src], region[dst]])
    groups, which = np.unique(group, return_inverse=True)
    random = np.zeros((len(groups), DRAWS))
    for g, code in enumerate(groups.tolist()):
        rest, dst_nic = divmod(code, len(NIC_KINDS))
        pair_class, src_nic = divmod(rest, len(NIC_KINDS))
        parts = _parts(network, PAIR_CLASSES[pair_class], NIC_KINDS[src_nic], NIC_KINDS[dst_nic])
        offset = _PARTS - len(parts)  # same-server pairs have no fabric: their NICs keep their columns
        for j, part in enumerate(parts):
            if part.median_ms > 0:
                random[g] += part.median_ms * np.exp(part.sigma * _stratified_normals(column + offset + j))
    return random[which.reshape(-1)] + constant[:, None]


def _quorum_draws(
    world: World,
    network: Network,
    nic_codes: np.ndarray,
    replicas: np.ndarray,
    acks: int,
    one_way_ms: np.ndarray,
) -> list[np.ndarray | None]:
    """For each replica as the serving one: DRAWS waits for `acks` acks (the acks-th fastest round trip to the
    other running replicas; 0 when acks is 0), or None when fewer than `acks` others can be reached."""
    out: list[np.ndarray | None] = []
    for s in range(len(replicas)):
        if acks <= 0:
            out.append(np.zeros(DRAWS))
            continue
        others = np.delete(replicas, s)
        draws = np.zeros((len(others), DRAWS))
        for j in range(len(others)):  # each ack its own columns: the round trips are independent
            draws[j] = _rtt_draws(
                world, network, nic_codes, replicas[s : s + 1], others[j : j + 1], one_way_ms, _PARTS * (j + 1)
            )[0]
        reachable = np.isfinite(draws[:, 0])
        if np.count_nonzero(reachable) < acks:
            out.append(None)
            continue
        out.append(np.partition(draws[reachable], acks - 1, axis=0)[acks - 1])
    return out


def _weighted_quantiles(sorted_values: np.ndarray, weights: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Quantiles of a discrete distribution (values sorted, weights ≥ 0): each value at the middle of its share of
    the cumulative weight, linear between; NaN when the weights are all 0."""
    keep = weights > 0
    values, w = sorted_values[keep], weights[keep]
    if len(values) == 0:
        return np.full(len(levels), np.nan)
    cumulative = np.cumsum(w)
    middle = (cumulative - 0.5 * w) / cumulative[-1]
    return np.interp(levels, middle, values)


@lru_cache(maxsize=256)
def _stratified_normals(column: int) -> np.ndarray:
    """DRAWS standard normals, Φ⁻¹((i + ½)/DRAWS), in an order fixed by the column (one column per random part)."""
    rng = np.random.default_rng([MONTE_CARLO_SEED, column])
    z = ndtri((np.arange(DRAWS) + 0.5) / DRAWS)[rng.permutation(DRAWS)]
    z.flags.writeable = False
    return z
