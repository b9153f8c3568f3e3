"""What a scenario's world holds, counted from the model alone (no per-server arrays)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cloudtwin.scenario.expand import expand_world
from cloudtwin.scenario.model import Datacenter, Scenario, Zone
from cloudtwin.units import MIB_PER_GIB


@dataclass(frozen=True)
class WorldTotals:
    """Counts over the whole world; racks = ceil(servers / servers_per_rack) per data center."""

    regions: int
    zones: int
    datacenters: int
    racks: int
    servers: int
    vcpus: int
    memory_gib: float


def zone_datacenters(zone: Zone) -> list[Datacenter]:
    """The data centers of a resolved zone (one `expand_world` has given an explicit list)."""
    assert isinstance(zone.datacenters, list), f"zone {zone.name!r}: datacenters not expanded"
    return zone.datacenters


def racks_of(datacenter: Datacenter, world_servers_per_rack: int) -> int:
    """Racks of a data center: its servers in racks of `servers_per_rack` (its own, else the world's), last one partial."""
    per_rack = datacenter.servers_per_rack or world_servers_per_rack
    return -(-datacenter.servers // per_rack)


def world_totals(scenario: Scenario) -> WorldTotals:
    """Totals of regions, zones, data centers, racks, servers, vCPUs and memory of `scenario`."""
    world = expand_world(scenario).world
    zones = [zone for region in world.regions for zone in region.zones]
    datacenters = [dc for zone in zones for dc in zone_datacenters(zone)]
    types = scenario.server_types
    return WorldTotals(
        regions=len(world.regions),
        zones=len(zones),
        datacenters=len(datacenters),
        racks=sum(racks_of(dc, world.servers_per_rack) for dc in datacenters),
        servers=sum(dc.servers for dc in datacenters),
        vcpus=sum(dc.servers * types[dc.server_type].vcpus for dc in datacenters if dc.server_type in types),
        memory_gib=sum(dc.servers * types[dc.server_type].memory_gib for dc in datacenters if dc.server_type in types),
    )


def instance_type_sizes(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(vcpus int32, memory_mib int64) per instance type, scenario order; memory is `round(memory_gib * 1024)` MiB."""
    types = list(scenario.instance_types.values())
    vcpus = np.asarray([t.vcpus for t in types], dtype=np.int32)
    memory_mib = np.asarray([round(t.memory_gib * MIB_PER_GIB) for t in types], dtype=np.int64)
    return vcpus, memory_mib
