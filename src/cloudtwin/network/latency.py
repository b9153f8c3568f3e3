"""Round-trip time between two places: a distribution per pair class, each part with its source.

RTT = fabric + the virtualization tax at each end (+ propagation between regions). Every random part is a
log-normal (lognormal.py), its median and tail from the scenario's `network` section:

- fabric inside a region (NIC to NIC), by pair class: `network.latency.same_rack_rtt_ms`,
  `same_datacenter_rtt_ms`, `cross_datacenter_rtt_ms` and, between zones, `network.inter_zone_latency_ms`; one
  tail for all: the p99.9 between zones is `inter_zone_latency_max_ms` (the seed's "less than 2ms"). Two VMs
  of one server cross no switch (fabric 0: estimate).
- the virtualization tax of each end's NIC (`sr-iov`, `paravirtual`, `emulated`): `network.latency.*_per_end_ms`
  (median) and `*_p99_over_p50`.
- between regions: 2 × the great-circle distance × `path_stretch` / `fiber_km_per_ms` (a constant), plus, as
  estimate, one cross-zone fabric for the two ends' ways to their regions' borders.

docs/network.md gives every default's source and the calibration of the inter-region part against measured
round trips. `rtt_quantiles_ms` does many datacenter pairs at once; `pair_latency` one pair of named places,
with a basis line per part.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from cloudtwin.errors import NetworkError
from cloudtwin.network.lognormal import LogNormal, method_line, sum_quantiles_ms
from cloudtwin.network.places import PAIR_CLASSES, PairClass, Place, classify, datacenter_pair_classes
from cloudtwin.scenario.model import Latency, Network, NicKind, Scenario, ServerType
from cloudtwin.world.fiber import fiber_one_way_ms
from cloudtwin.world.geo import region_distance_km, region_latency_ms
from cloudtwin.world.topology import World

NIC_KINDS: tuple[NicKind, ...] = ("sr-iov", "paravirtual", "emulated")
#: The quantiles `pair_latency` reports, and their names in its output.
REPORTED_QUANTILES: dict[str, float] = {"p50": 0.5, "p99": 0.99, "p999": 0.999}

_FABRIC_FIELD: dict[PairClass, str] = {
    "same-rack": "same_rack_rtt_ms",
    "same-datacenter": "same_datacenter_rtt_ms",
    "cross-datacenter": "cross_datacenter_rtt_ms",
}
_NIC_FIELD: dict[NicKind, str] = {"sr-iov": "sriov", "paravirtual": "paravirtual", "emulated": "emulated"}

#: Where each default comes from (docs/network.md has the arithmetic); a value the scenario changed is cited as such.
_SOURCES: dict[str, str] = {
    "same_rack_rtt_ms": "estimate: one top-of-rack switch, under AccelNet's < 15 µs VM to VM, Firestone et al. NSDI'18",
    "same_datacenter_rtt_ms": "EC2 same-zone pings of May 2009, 0.26 ms, orensol.com 2009-05-24; less two"
    " paravirtual taxes",
    "cross_datacenter_rtt_ms": "estimate: same-datacenter fabric + 2 × ~10 km of fiber between a zone's datacenters",
    "inter_zone_latency_ms": "EC2 cross-zone pings of May 2009, 0.94-1.13 ms, orensol.com 2009-05-24; less two"
    " paravirtual taxes; seed: 'normally less than 1ms'",
    "inter_zone_latency_max_ms": "seed: 'Latency between the AZs is less than 2ms', read as the p99.9",
    "sriov_per_end_ms": "EC2 enhanced networking, 92-100 µs round trips in a placement group, blogs.scalablelogic.com"
    " 2014-01-07; less the same-rack fabric, halved",
    "sriov_p99_over_p50": "estimate; seed: SR-IOV gives 'less latency jitter'",
    "paravirtual_per_end_ms": "twice SR-IOV's placement-group round trip: 'half the latency' with enhanced networking,"
    " ibid.; less the same-rack fabric, halved",
    "paravirtual_p99_over_p50": "estimate",
    "emulated_per_end_ms": "estimate: twice the paravirtual tax, as each NIC register access traps to the device"
    " model; no published figure found",
    "emulated_p99_over_p50": "estimate",
    "fiber_km_per_ms": "c / 1.47, light in silica fiber",
    "path_stretch": "Bozkurt et al. 2018, arXiv 1811.10737: shortest conduits 1.3×, Internet paths 2.1× the great"
    " circle; calibration in docs/network.md",
}


class PairLatency(NamedTuple):
    """The round trip between two places: their pair class, RTT quantiles in ms (keys of REPORTED_QUANTILES) and
    one basis line per part."""

    pair_class: PairClass
    rtt_ms: dict[str, float]
    basis: tuple[str, ...]


def nic_kind(server_type: ServerType | None, network: Network) -> NicKind:
    """A server type's NIC kind; where it names none, `network.sriov` decides (true: sr-iov, false: paravirtual)."""
    if server_type is not None and server_type.nic is not None:
        return server_type.nic
    return "sr-iov" if network.sriov else "paravirtual"


def datacenter_nic_codes(scenario: Scenario, world: World) -> np.ndarray:
    """Each datacenter's NIC kind as a code (index into NIC_KINDS, int8), from its server type."""
    per_type = np.array(
        [NIC_KINDS.index(nic_kind(scenario.server_types[name], scenario.network)) for name in world.server_type_names],
        dtype=np.int8,
    )
    return per_type[world.datacenter_server_type]


def rtt_quantiles_ms(
    world: World,
    network: Network,
    src_datacenter: np.ndarray,
    dst_datacenter: np.ndarray,
    nic: NicKind | np.ndarray | None = None,
    quantiles: Sequence[float] = tuple(REPORTED_QUANTILES.values()),
    propagation_one_way_ms: np.ndarray | None = None,
) -> np.ndarray:
    """RTT quantiles (n × len(quantiles), ms) between a server of each source and of each destination datacenter.

    nic: one kind for every end, or a code per datacenter (`datacenter_nic_codes`); None: `network.sriov`'s kind.
    propagation_one_way_ms: a (regions × regions) one-way delay to use instead of the great circle (fiber rerouted
    after a cut); default `world.fiber.fiber_one_way_ms(world, network)`, the quickest chains of fiber paths, all up. Pairs are grouped by (class, NIC kinds): the
    distributions are computed once per group and the propagation added per pair, so large n costs little.
    """
    src = np.asarray(src_datacenter, dtype=np.int64)
    dst = np.asarray(dst_datacenter, dtype=np.int64)
    if src.shape != dst.shape or src.ndim != 1:
        raise NetworkError(
            f"src_datacenter and dst_datacenter must be 1-d of one length (got {src.shape}, {dst.shape})"
        )
    codes = _nic_codes(world, network, nic)
    out = class_rtt_quantiles_ms(network, datacenter_pair_classes(world, src, dst), codes[src], codes[dst], quantiles)
    region = world.zone_region[world.datacenter_zone]
    return out + _propagation_rtt_ms(world, network, region[src], region[dst], propagation_one_way_ms)[:, None]


def class_rtt_quantiles_ms(
    network: Network,
    pair_class: np.ndarray,
    src_nic: np.ndarray,
    dst_nic: np.ndarray,
    quantiles: Sequence[float] = tuple(REPORTED_QUANTILES.values()),
) -> np.ndarray:
    """RTT quantiles (n × len(quantiles), ms) of pairs given by class code and NIC code per end, propagation
    between regions not included (it adds to every quantile alike)."""
    pair_class, src_nic, dst_nic = (np.asarray(a, dtype=np.int64) for a in (pair_class, src_nic, dst_nic))
    group = (pair_class * len(NIC_KINDS) + src_nic) * len(NIC_KINDS) + dst_nic
    groups, which = np.unique(group, return_inverse=True)
    table = np.empty((len(groups), len(quantiles)))
    for g, code in enumerate(groups.tolist()):
        rest, dst_code = divmod(code, len(NIC_KINDS))
        class_code, src_code = divmod(rest, len(NIC_KINDS))
        parts = _parts(network, PAIR_CLASSES[class_code], NIC_KINDS[src_code], NIC_KINDS[dst_code])
        table[g] = sum_quantiles_ms(0.0, parts, quantiles)
    return table[which.reshape(-1)]


def pair_latency(scenario: Scenario, world: World, a: Place, b: Place, nic: NicKind | None = None) -> PairLatency:
    """The round trip between places `a` and `b`: class, p50/p99/p99.9 and basis. `nic` sets both ends' NIC;
    otherwise each end's is its first datacenter's server type's."""
    network = scenario.network
    pair_class = classify(world, a, b)
    ends = [nic or nic_kind(scenario.server_types[_server_type(world, p)], network) for p in (a, b)]
    parts = _parts(network, pair_class, ends[0], ends[1])
    basis = [_fabric_line(network, pair_class)] if pair_class != "same-server" else []
    basis += _nic_lines(network, ends)
    constant = 0.0
    if pair_class == "cross-region":
        constant = float(_propagation_rtt_ms(world, network, np.array([a.region]), np.array([b.region]), None)[0])
        basis.insert(0, _propagation_line(world, network, a.region, b.region, constant))
    basis.append(method_line(parts))
    values = sum_quantiles_ms(constant, parts, tuple(REPORTED_QUANTILES.values()))
    return PairLatency(pair_class, dict(zip(REPORTED_QUANTILES, (float(v) for v in values))), tuple(basis))


# --------------------------------------------------------------------------- parts


def _parts(network: Network, pair_class: PairClass, src_nic: NicKind, dst_nic: NicKind) -> tuple[LogNormal, ...]:
    """The random parts of a round trip: the fabric (none between two VMs of one server) and each end's NIC tax."""
    nics = (_nic_tax(network.latency, src_nic), _nic_tax(network.latency, dst_nic))
    return nics if pair_class == "same-server" else (_fabric(network, pair_class), *nics)


def _fabric(network: Network, pair_class: PairClass) -> LogNormal:
    """The fabric's round trip for a class (between regions: the cross-zone one, for the ways to the borders)."""
    field = _FABRIC_FIELD.get(pair_class)
    median = network.inter_zone_latency_ms if field is None else float(getattr(network.latency, field))
    ratio = network.inter_zone_latency_max_ms / network.inter_zone_latency_ms
    return LogNormal.from_ratio(median, ratio, 0.999)


def _nic_tax(latency: Latency, kind: NicKind) -> LogNormal:
    """What one end's NIC adds to a round trip (one packet out, one in)."""
    prefix = _NIC_FIELD[kind]
    return LogNormal.from_ratio(
        getattr(latency, f"{prefix}_per_end_ms"), getattr(latency, f"{prefix}_p99_over_p50"), 0.99
    )


def _propagation_rtt_ms(
    world: World, network: Network, src_region: np.ndarray, dst_region: np.ndarray, one_way_ms: np.ndarray | None
) -> np.ndarray:
    """2 × the one-way delay between the regions of each pair (0 inside a region)."""
    one_way = fiber_one_way_ms(world, network) if one_way_ms is None else np.asarray(one_way_ms, dtype=np.float64)
    if one_way.shape != (world.n_regions, world.n_regions):
        raise NetworkError(
            f"propagation_one_way_ms must be regions × regions, {world.n_regions}² (got {one_way.shape})"
        )
    return np.where(src_region != dst_region, 2.0 * one_way[src_region, dst_region], 0.0)


def _nic_codes(world: World, network: Network, nic: NicKind | np.ndarray | None) -> np.ndarray:
    """A NIC code per datacenter from `rtt_quantiles_ms`'s `nic` argument."""
    if nic is None or isinstance(nic, str):
        kind = nic or nic_kind(None, network)
        if kind not in NIC_KINDS:
            raise NetworkError(f"nic must be one of {', '.join(NIC_KINDS)} (got {kind!r})")
        return np.full(world.n_datacenters, NIC_KINDS.index(kind), dtype=np.int8)
    codes = np.asarray(nic)
    if codes.shape != (world.n_datacenters,) or codes.min(initial=0) < 0 or codes.max(initial=0) >= len(NIC_KINDS):
        raise NetworkError(
            f"nic codes must be one per datacenter, each 0..{len(NIC_KINDS) - 1} (got shape {codes.shape})"
        )
    return codes


def _server_type(world: World, place: Place) -> str:
    """The server type of a place's first server (the datacenter it stands for)."""
    return world.server_type_names[int(world.server_type[place.first_server])]


# --------------------------------------------------------------------------- basis


def _cited(model: Network | Latency, field: str) -> str:
    """The source of a parameter's default, or 'scenario value' where the scenario set another."""
    default = type(model).model_fields[field].default
    return _SOURCES[field] if getattr(model, field) == default else f"scenario value, {field}"


def _fabric_line(network: Network, pair_class: PairClass) -> str:
    field = _FABRIC_FIELD.get(pair_class)
    fabric = _fabric(network, pair_class)
    source = _cited(network, "inter_zone_latency_ms") if field is None else _cited(network.latency, field)
    what = "region edges, estimate: each end's way to its region's border, as one cross-zone fabric"
    what = what if pair_class == "cross-region" else f"fabric, {pair_class}"
    return (
        f"{what}: log-normal, median {fabric.median_ms:g} ms ({source});"
        f" p99.9 {fabric.quantile_ms(0.999):.3g} ms ({_cited(network, 'inter_zone_latency_max_ms')})"
    )


def _nic_lines(network: Network, ends: list[NicKind]) -> list[str]:
    lines = []
    for kind in dict.fromkeys(ends):
        where = "at each end" if ends[0] == ends[1] else ("at FROM" if kind == ends[0] else "at TO")
        tax = _nic_tax(network.latency, kind)
        prefix = _NIC_FIELD[kind]
        lines.append(
            f"virtualization tax, {kind} NIC {where}: log-normal, median {tax.median_ms:g} ms per end"
            f" ({_cited(network.latency, f'{prefix}_per_end_ms')}); p99 {tax.quantile_ms(0.99):.3g} ms"
            f" ({_cited(network.latency, f'{prefix}_p99_over_p50')})"
        )
    return lines


def _propagation_line(world: World, network: Network, src_region: int, dst_region: int, rtt_ms: float) -> str:
    distance = float(region_distance_km(world)[src_region, dst_region])
    direct_ms = float(region_latency_ms(world, network)[src_region, dst_region])
    if not np.isclose(rtt_ms, 2.0 * direct_ms, rtol=1e-9):  # no direct path: a chain of network.links.fiber paths
        return (
            f"propagation: 2 × {rtt_ms / 2:.1f} ms one way over the quickest chain of fiber paths"
            f" (network.links.fiber; the direct great circle, {distance:,.0f} km, would take {direct_ms:.1f} ms),"
            f" each path its great circle × {network.path_stretch:g} route factor / {network.fiber_km_per_ms:g}"
            f" km/ms = {rtt_ms:.1f} ms"
        )
    return (
        f"propagation: 2 × {distance:,.0f} km great circle (haversine) × {network.path_stretch:g} route factor"
        f" ({_cited(network, 'path_stretch')}) / {network.fiber_km_per_ms:g} km/ms"
        f" ({_cited(network, 'fiber_km_per_ms')}) = {rtt_ms:.1f} ms"
    )
