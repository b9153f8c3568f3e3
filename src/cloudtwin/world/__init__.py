"""The physical world as arrays: regions, zones, datacenters, racks and servers as index ranges."""

from __future__ import annotations

from cloudtwin.world.build import build_world
from cloudtwin.world.geo import (
    EARTH_MEAN_RADIUS_KM,
    fiber_latency_ms,
    great_circle_km,
    region_distance_km,
    region_latency_ms,
)
from cloudtwin.world.summary import world_summary
from cloudtwin.world.topology import Target, World

__all__ = [
    "EARTH_MEAN_RADIUS_KM",
    "Target",
    "World",
    "build_world",
    "fiber_latency_ms",
    "great_circle_km",
    "region_distance_km",
    "region_latency_ms",
    "world_summary",
]
