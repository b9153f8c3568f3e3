"""Build the `World` arrays from a scenario, vectorised.

Python loops only over regions, zones and datacenters (tens of items); racks
and servers are laid out with `np.repeat` and `cumsum`, so the full `aws-2014`
world (~3 M servers) builds in well under a second (see benchmarks/RESULTS.md).
"""

from __future__ import annotations

import numpy as np

from cloudtwin.errors import WorldError
from cloudtwin.scenario.model import DatacenterGroup, Scenario
from cloudtwin.units import MIB_PER_GIB
from cloudtwin.world.topology import World

_INT32_MAX = np.iinfo(np.int32).max
_INT16_MAX = np.iinfo(np.int16).max


def build_world(scenario: Scenario) -> World:
    """Lay the scenario's regions, zones, datacenters, racks and servers out as contiguous index ranges."""
    type_names = tuple(scenario.server_types)
    type_index = {name: i for i, name in enumerate(type_names)}
    problems: list[str] = []
    if len(type_names) > _INT16_MAX:
        problems.append(f"server_types: at most {_INT16_MAX} server types (got {len(type_names)})")

    region_names: list[str] = []
    zone_names: list[str] = []
    dc_names: list[str] = []
    location: list[tuple[float, float]] = []
    utc_offset: list[float] = []
    zones_per_region: list[int] = []
    dcs_per_zone: list[int] = []
    dc_servers: list[int] = []
    dc_type: list[int] = []
    dc_per_rack: list[int] = []
    default_per_rack = scenario.world.servers_per_rack

    for r, region in enumerate(scenario.world.regions):
        region_names.append(region.name)
        lat, lon = region.location.lat, region.location.lon
        location.append((lat, lon))
        # Nominal solar time zone, 15 degrees of longitude per hour, when the scenario gives none.
        utc_offset.append(region.utc_offset_hours if region.utc_offset_hours is not None else float(round(lon / 15)))
        zones_per_region.append(len(region.zones))
        for z, zone in enumerate(region.zones):
            zone_names.append(zone.name)
            path = f"world.regions[{r}].zones[{z}].datacenters"
            if isinstance(zone.datacenters, DatacenterGroup):
                problems.append(
                    f"{path}: the `count` shorthand must be expanded by the scenario loader before the world is built"
                    " (use cloudtwin.scenario.load_scenario or load_preset)"
                )
                dcs_per_zone.append(0)
                continue
            dcs_per_zone.append(len(zone.datacenters))
            for d, dc in enumerate(zone.datacenters):
                dc_names.append(dc.name)
                dc_servers.append(dc.servers)
                dc_per_rack.append(dc.servers_per_rack or default_per_rack)
                if dc.server_type not in type_index:
                    problems.append(
                        f"{path}[{d}].server_type: unknown server type {dc.server_type!r}"
                        f" (known: {', '.join(type_names)})"
                    )
                dc_type.append(type_index.get(dc.server_type, 0))

    problems += _duplicate_names(region_names, zone_names, dc_names)
    n_servers = sum(dc_servers)
    if n_servers > _INT32_MAX:
        problems.append(f"world: at most {_INT32_MAX} servers (int32 indices; got {n_servers})")
    if problems:
        raise WorldError(problems=problems)

    # Levels above the rack: counts → starts by cumulative sum.
    zone_region = np.repeat(np.arange(len(region_names), dtype=np.int32), zones_per_region)
    region_zone_start = _starts(zones_per_region)
    zone_datacenter_start = _starts(dcs_per_zone)
    datacenter_zone = np.repeat(np.arange(len(zone_names), dtype=np.int32), dcs_per_zone)

    servers = np.asarray(dc_servers, dtype=np.int64)
    per_rack = np.asarray(dc_per_rack, dtype=np.int64)
    datacenter_server_start = _starts(servers)
    zone_server_start = datacenter_server_start[zone_datacenter_start]
    region_server_start = zone_server_start[region_zone_start]

    # Racks: ceil(servers / per_rack) per datacenter, all full but the last of each datacenter.
    racks = -(-servers // per_rack)
    datacenter_rack_start = _starts(racks)
    n_racks = int(datacenter_rack_start[-1])
    rack_datacenter = np.repeat(np.arange(len(dc_names), dtype=np.int32), racks)
    rack_in_dc = np.arange(n_racks, dtype=np.int64) - datacenter_rack_start[rack_datacenter]
    rack_server_start = np.empty(n_racks + 1, dtype=np.int64)
    rack_server_start[:-1] = datacenter_server_start[rack_datacenter] + rack_in_dc * per_rack[rack_datacenter]
    rack_server_start[-1] = n_servers

    # Server types: vCPUs and memory in integer MiB (GiB × 1024, rounded).
    type_vcpus = np.array([t.vcpus for t in scenario.server_types.values()], dtype=np.int32)
    type_memory_mib = np.array(
        [round(t.memory_gib * MIB_PER_GIB) for t in scenario.server_types.values()], dtype=np.int64
    )
    datacenter_server_type = np.asarray(dc_type, dtype=np.int16)

    # Servers: one repeat per level.
    server_datacenter = np.repeat(np.arange(len(dc_names), dtype=np.int32), servers)
    server_type = datacenter_server_type[server_datacenter]
    return World(
        region_names=tuple(region_names),
        zone_names=tuple(zone_names),
        datacenter_names=tuple(dc_names),
        server_type_names=type_names,
        region_location_deg=np.asarray(location, dtype=np.float64).reshape(len(region_names), 2),
        region_utc_offset_hours=np.asarray(utc_offset, dtype=np.float64),
        region_zone_start=region_zone_start,
        zone_region=zone_region,
        zone_datacenter_start=zone_datacenter_start,
        datacenter_zone=datacenter_zone,
        datacenter_rack_start=datacenter_rack_start,
        rack_datacenter=rack_datacenter,
        rack_server_start=rack_server_start,
        region_server_start=region_server_start,
        zone_server_start=zone_server_start,
        datacenter_server_start=datacenter_server_start,
        datacenter_server_type=datacenter_server_type,
        datacenter_servers_per_rack=per_rack.astype(np.int32),
        server_type_vcpus=type_vcpus,
        server_type_memory_mib=type_memory_mib,
        server_vcpus=type_vcpus[server_type],
        server_memory_mib=type_memory_mib[server_type],
        server_type=server_type,
        server_rack=np.repeat(np.arange(n_racks, dtype=np.int32), np.diff(rack_server_start)),
        server_datacenter=server_datacenter,
        server_zone=datacenter_zone[server_datacenter],
    )


def _starts(counts: list[int] | np.ndarray) -> np.ndarray:
    """Exclusive prefix sums with the total appended: counts [2, 3] → starts [0, 2, 5] (int64)."""
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(np.asarray(counts, dtype=np.int64), out=starts[1:])
    return starts


def _duplicate_names(region_names: list[str], zone_names: list[str], dc_names: list[str]) -> list[str]:
    """One problem per name used twice anywhere in the world: failure targets and workloads name parts uniquely."""
    seen: dict[str, str] = {}
    problems = []
    for level, names in (("region", region_names), ("zone", zone_names), ("datacenter", dc_names)):
        for name in names:
            if name in seen:
                problems.append(f"world: name {name!r} is used by a {seen[name]} and a {level}; names must be unique")
            else:
                seen[name] = level
    return problems
