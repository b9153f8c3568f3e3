"""The datacenter shorthand `{count, servers: N | [min, max], server_type}` made explicit.

A zone `east-b` with `count: 2` gets data centers `east-b1`, `east-b2`. With a
range, each size is drawn uniformly (integers, both ends included) from a stream
of its own: the scenario seed with the spawn key `(WORLD_STREAM, *zone name bytes)`.
Keying by the zone's name rather than its position means the sizes of a zone
do not change when another zone, a workload or any other stream is added.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cloudtwin.scenario.model import Datacenter, DatacenterGroup, Scenario, Zone

# Spawn-key constant naming the world-building stream: the bytes of "world" read as an integer.
WORLD_STREAM = int.from_bytes(b"world", "big")


def group_names(zone_name: str, count: int) -> list[str]:
    """The names the shorthand gives: `<zone>1` ... `<zone>count`."""
    return [f"{zone_name}{k}" for k in range(1, count + 1)]


def group_sizes(seed: int, zone_name: str, count: int, servers: int | Sequence[int]) -> list[int]:
    """Servers of each of the `count` data centers of the shorthand of zone `zone_name`."""
    if isinstance(servers, int):
        return [servers] * count
    low, high = int(servers[0]), int(servers[1])
    stream = np.random.SeedSequence(seed, spawn_key=(WORLD_STREAM, *zone_name.encode("utf-8")))
    draws = np.random.default_rng(stream).integers(low, high, size=count, endpoint=True)
    return [int(size) for size in draws]


def expand_zone(zone: Zone, seed: int) -> Zone:
    """The zone with its datacenters as an explicit list (unchanged if already one)."""
    group = zone.datacenters
    if not isinstance(group, DatacenterGroup):
        return zone
    sizes = group_sizes(seed, zone.name, group.count, group.servers)
    datacenters = [
        Datacenter(name=name, servers=size, server_type=group.server_type, servers_per_rack=group.servers_per_rack)
        for name, size in zip(group_names(zone.name, group.count), sizes)
    ]
    return zone.model_copy(update={"datacenters": datacenters})


def expand_world(scenario: Scenario) -> Scenario:
    """The scenario with every zone's datacenters as an explicit list (the resolved scenario)."""
    zones_grouped = any(
        isinstance(zone.datacenters, DatacenterGroup) for region in scenario.world.regions for zone in region.zones
    )
    if not zones_grouped:
        return scenario
    regions = [
        region.model_copy(update={"zones": [expand_zone(zone, scenario.seed) for zone in region.zones]})
        for region in scenario.world.regions
    ]
    return scenario.model_copy(update={"world": scenario.world.model_copy(update={"regions": regions})})
