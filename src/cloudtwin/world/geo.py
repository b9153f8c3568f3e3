"""Distances and fiber latency between regions on a spherical Earth.

Great-circle distance by the haversine formula on a sphere of the mean Earth
radius R1 = 6371.0088 km (IUGG; H. Moritz, "Geodetic Reference System 1980",
Journal of Geodesy 74 (2000) 128-133). Light in silica fiber travels at
c / n ≈ 299,792 / 1.47 ≈ 204 km/ms, the network section's `fiber_km_per_ms`
(default 200); real fiber routes are 1.3-2x the great circle
(shared/data/aws-regions-2014/README.md), the network section's `path_stretch`.
"""

from __future__ import annotations

import numpy as np

from cloudtwin.scenario.model import Network
from cloudtwin.world.topology import World

EARTH_MEAN_RADIUS_KM = 6371.0088  # IUGG mean radius R1 = (2a + b) / 3 of GRS80 (Moritz 2000)


def great_circle_km(
    lat1_deg: np.ndarray | float,
    lon1_deg: np.ndarray | float,
    lat2_deg: np.ndarray | float,
    lon2_deg: np.ndarray | float,
) -> np.ndarray:
    """Haversine great-circle distance in km between points given in degrees (broadcasts)."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    )
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def fiber_latency_ms(distance_km: np.ndarray | float, fiber_km_per_ms: float, path_stretch: float) -> np.ndarray:
    """One-way propagation delay over fiber: distance × path stretch / speed of light in fiber."""
    return np.asarray(distance_km, dtype=np.float64) * path_stretch / fiber_km_per_ms


def region_distance_km(world: World) -> np.ndarray:
    """(n_regions, n_regions) great-circle distances between region locations, zero on the diagonal."""
    lat, lon = world.region_location_deg[:, 0], world.region_location_deg[:, 1]
    return great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


def region_latency_ms(world: World, network: Network) -> np.ndarray:
    """(n_regions, n_regions) one-way fiber latency between regions (propagation only, no queueing)."""
    return fiber_latency_ms(region_distance_km(world), network.fiber_km_per_ms, network.path_stretch)
