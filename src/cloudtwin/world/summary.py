"""What the world holds, as plain JSON-ready data: totals, then regions → zones → datacenters."""

from __future__ import annotations

from typing import Any

from cloudtwin.units import MIB_PER_GIB
from cloudtwin.world.topology import World


def world_summary(world: World) -> dict[str, Any]:
    """Totals and the region → zone → datacenter tree with servers, racks, vCPUs and memory (GiB) at each level."""
    level_counts = {
        level: {
            "servers": world.servers_per(level).tolist(),
            "racks": world.racks_per(level).tolist(),
            "vcpus": world.vcpus_per(level).tolist(),
            "memory_gib": (world.memory_mib_per(level) / MIB_PER_GIB).tolist(),
        }
        for level in ("region", "zone", "datacenter")
    }

    def counts(level: str, i: int) -> dict[str, int | float]:
        return {key: values[i] for key, values in level_counts[level].items()}

    regions = []
    for r, region_name in enumerate(world.region_names):
        zones = []
        for z in range(int(world.region_zone_start[r]), int(world.region_zone_start[r + 1])):
            datacenters = [
                {
                    "name": world.datacenter_names[d],
                    "server_type": world.server_type_names[int(world.datacenter_server_type[d])],
                    "servers_per_rack": int(world.datacenter_servers_per_rack[d]),
                    **counts("datacenter", d),
                }
                for d in range(int(world.zone_datacenter_start[z]), int(world.zone_datacenter_start[z + 1]))
            ]
            zones.append({"name": world.zone_names[z], **counts("zone", z), "datacenters": datacenters})
        lat, lon = (float(v) for v in world.region_location_deg[r])
        regions.append(
            {
                "name": region_name,
                "location": {"lat": lat, "lon": lon},
                "utc_offset_hours": float(world.region_utc_offset_hours[r]),
                **counts("region", r),
                "zones": zones,
            }
        )
    return {"totals": world.totals(), "regions": regions}
