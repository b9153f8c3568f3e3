"""Where a service's replicas start, and the failure domains they can live in, as small index arrays.

Placement: the service's target domains at its `spread` level (zones, datacenters or regions)
take replicas round-robin, and inside each domain the replicas go round-robin down the
hierarchy (zones of a region, datacenters of a zone). Replicas sharing a datacenter get
distinct racks spread evenly across it, so no two share a server or a rack, and a burst
(a contiguous share of the racks) takes as few of them together as the geometry allows.

Target zones: `service.zones`, else every zone of `service.regions`, else every zone of the
world. The datacenters, zones and regions in the arrays are those of the target zones:
the domains a replica starts in or can be restarted in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cloudtwin.errors import FailureModelError, WorldError
from cloudtwin.scenario.model import Service
from cloudtwin.world import World


@dataclass(frozen=True)
class ServiceLayout:
    """A service's replicas and domains in local indices (datacenters, zones, regions of its target zones)."""

    name: str
    at_least: int
    replace_in_other_zone: bool
    rep_dc: np.ndarray  # int64 per replica: local datacenter
    rep_rack: np.ndarray  # int64 per replica: rack within its datacenter
    dc_zone: np.ndarray  # int64 per local datacenter: local zone
    dc_pos: np.ndarray  # int64: the datacenter's position among its zone's datacenters
    dc_racks: np.ndarray  # int64: racks in the datacenter
    dc_spr: np.ndarray  # int64: servers per rack in the datacenter
    zone_region: np.ndarray  # int64 per local zone: local region
    zone_pos: np.ndarray  # int64: the zone's position among its region's zones
    zone_units: np.ndarray  # int64: datacenters in the zone
    zone_dc_lo: np.ndarray  # int64: first local datacenter of the zone
    zone_dc_hi: np.ndarray  # int64: one past its last
    region_units: np.ndarray  # int64 per local region: zones in the region
    dc_index: np.ndarray  # int64 per local datacenter: its index in the world

    @property
    def replicas(self) -> int:
        return len(self.rep_dc)

    def replicas_per_zone(self) -> list[int]:
        """How many replicas start in each local zone."""
        return np.bincount(self.dc_zone[self.rep_dc], minlength=len(self.zone_region)).tolist()


def service_layout(service: Service, world: World, key: str = "services") -> ServiceLayout:
    """Place `service`'s replicas on `world`; FailureModelError naming the key if a name or size does not fit."""
    try:
        zones = target_zones(service, world)
    except WorldError as exc:
        raise FailureModelError(problems=[f"{key}: {line}" for line in exc.problems]) from None
    regions = list(dict.fromkeys(int(world.zone_region[z]) for z in zones))
    dcs_of = {z: list(range(world.zone_datacenter_start[z], world.zone_datacenter_start[z + 1])) for z in zones}

    # Round-robin over the spread level's domains, then down the hierarchy inside each.
    if service.spread == "datacenters":
        per_zone = [dcs_of[z] for z in zones]
        order = [dcs[i] for i in range(max(map(len, per_zone))) for dcs in per_zone if i < len(dcs)]
        chosen = [order[i % len(order)] for i in range(service.replicas)]
    elif service.spread == "zones":
        chosen = [_down_from_zone(dcs_of[zones[i % len(zones)]], i // len(zones)) for i in range(service.replicas)]
    else:
        zones_in = {g: [z for z in zones if world.zone_region[z] == g] for g in regions}
        chosen = []
        for i in range(service.replicas):
            region_zones = zones_in[regions[i % len(regions)]]
            j = i // len(regions)
            chosen.append(_down_from_zone(dcs_of[region_zones[j % len(region_zones)]], j // len(region_zones)))

    # Local indices: target zones' datacenters in zone order.
    local_dc = {dc: i for i, dc in enumerate(dc for z in zones for dc in dcs_of[z])}
    local_zone = {z: i for i, z in enumerate(zones)}
    local_region = {g: i for i, g in enumerate(regions)}
    dcs = list(local_dc)
    racks = np.diff(world.datacenter_rack_start)[dcs]

    rep_dc = np.array([local_dc[dc] for dc in chosen], dtype=np.int64)
    rep_rack = np.empty(service.replicas, dtype=np.int64)
    for d in np.unique(rep_dc):
        members = np.flatnonzero(rep_dc == d)
        if len(members) > racks[d]:
            raise FailureModelError(
                f"{key}: {len(members)} replicas of {service.name!r} in datacenter {world.datacenter_names[dcs[d]]!r}"
                f" of {racks[d]} racks; replicas need distinct racks"
            )
        rep_rack[members] = (np.arange(len(members)) * 2 + 1) * racks[d] // (2 * len(members))

    zone_dc_lo = np.cumsum([0] + [len(dcs_of[z]) for z in zones])
    return ServiceLayout(
        name=service.name,
        at_least=service.healthy_when.at_least,
        replace_in_other_zone=service.replace_in_other_zone,
        rep_dc=rep_dc,
        rep_rack=rep_rack,
        dc_zone=np.array([local_zone[int(world.datacenter_zone[dc])] for dc in dcs], dtype=np.int64),
        dc_pos=np.array([dc - world.zone_datacenter_start[world.datacenter_zone[dc]] for dc in dcs], dtype=np.int64),
        dc_racks=racks.astype(np.int64),
        dc_spr=world.datacenter_servers_per_rack[dcs].astype(np.int64),
        zone_region=np.array([local_region[int(world.zone_region[z])] for z in zones], dtype=np.int64),
        zone_pos=np.array([z - world.region_zone_start[world.zone_region[z]] for z in zones], dtype=np.int64),
        zone_units=np.array([len(dcs_of[z]) for z in zones], dtype=np.int64),
        zone_dc_lo=zone_dc_lo[:-1].astype(np.int64),
        zone_dc_hi=zone_dc_lo[1:].astype(np.int64),
        region_units=np.diff(world.region_zone_start)[regions].astype(np.int64),
        dc_index=np.asarray(dcs, dtype=np.int64),
    )


def _down_from_zone(dcs: list[int], j: int) -> int:
    """The datacenter of a zone that its j-th replica goes to (round-robin)."""
    return dcs[j % len(dcs)]


def target_zones(service: Service, world: World) -> list[int]:
    """World indices of the zones the service may run in, in the scenario's order."""
    if service.zones:
        return list(dict.fromkeys(world.zone_index(name) for name in service.zones))
    if service.regions:
        zones: list[int] = []
        for name in service.regions:
            g = world.region_index(name)
            zones += range(world.region_zone_start[g], world.region_zone_start[g + 1])
        return list(dict.fromkeys(zones))
    return list(range(world.n_zones))
