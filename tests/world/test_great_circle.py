"""Great-circle distance and fiber latency between regions, against closed forms and published figures."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from cloudtwin.scenario.model import Network, Scenario
from cloudtwin.world import (
    EARTH_MEAN_RADIUS_KM,
    build_world,
    great_circle_km,
    region_distance_km,
    region_latency_ms,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
REGIONS_CSV = SHARED / "data" / "aws-regions-2014" / "aws_regions_2014.csv"


def _law_of_cosines_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Spherical law of cosines on the IUGG mean radius: an independent formula for the same distance."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0088 * math.acos(max(-1.0, min(1.0, c)))


def _aws_2014_world() -> tuple[list[dict], Scenario]:
    if not REGIONS_CSV.exists():
        pytest.skip(f"shared data not found at {REGIONS_CSV}")
    with REGIONS_CSV.open() as f:
        rows = list(csv.DictReader(f))
    regions = [
        {
            "name": row["region_code"],
            "location": {"lat": float(row["lat"]), "lon": float(row["lon"])},
            "zones": [
                {
                    "name": f"{row['region_code']}a",
                    "datacenters": [{"name": f"{row['region_code']}a1", "servers": 1, "server_type": "s"}],
                }
            ],
        }
        for row in rows
    ]
    scenario = Scenario.model_validate(
        {"name": "aws-regions", "server_types": {"s": {"vcpus": 1, "memory_gib": 1}}, "world": {"regions": regions}}
    )
    return rows, scenario


def test_closed_forms_on_the_sphere() -> None:
    """Equator to pole is a quarter meridian, πR/2 = 10,007.54 km; antipodes are πR apart; a point is 0 km from itself."""
    assert great_circle_km(0, 0, 90, 0) == pytest.approx(math.pi * 6371.0088 / 2, rel=1e-12)
    assert great_circle_km(0, 10, 0, -170) == pytest.approx(math.pi * 6371.0088, rel=1e-9)
    assert great_circle_km(37.34, -121.89, 37.34, -121.89) == 0.0
    assert EARTH_MEAN_RADIUS_KM == 6371.0088  # IUGG mean radius R1 (Moritz 2000)


def test_new_york_to_london_matches_published_distance() -> None:
    """JFK–LHR is 3,451 mi = 5,554 km on the WGS84 ellipsoid (Great Circle Mapper); a sphere is within 0.5 % of it."""
    assert great_circle_km(40.6413, -73.7781, 51.4700, -0.4543) == pytest.approx(5554, rel=0.005)


def test_region_distances_match_the_law_of_cosines() -> None:
    """Every pair of the 11 regions of 2014 is as far apart as the spherical law of cosines says, symmetric, 0 on the diagonal."""
    rows, scenario = _aws_2014_world()
    distance = region_distance_km(build_world(scenario))
    assert distance.shape == (11, 11)
    for i, a in enumerate(rows):
        for j, b in enumerate(rows):
            expected = _law_of_cosines_km(float(a["lat"]), float(a["lon"]), float(b["lat"]), float(b["lon"]))
            assert distance[i, j] == pytest.approx(expected, abs=1e-3)
    assert np.array_equal(distance, distance.T)
    assert np.all(np.diag(distance) == 0)


def test_region_latency_is_distance_times_stretch_over_fiber_speed() -> None:
    """One-way latency = d × stretch / (km per ms): Ashburn–Dublin by the law of cosines × 1.5 / 200 with the defaults."""
    rows, scenario = _aws_2014_world()
    world = build_world(scenario)
    i, j = world.region_index("us-east-1"), world.region_index("eu-west-1")
    d = _law_of_cosines_km(39.04, -77.49, 53.35, -6.26)
    assert region_latency_ms(world, Network())[i, j] == pytest.approx(d * 1.5 / 200, rel=1e-9)
    slow = region_latency_ms(world, Network(fiber_km_per_ms=100, path_stretch=2.0))
    assert slow[i, j] == pytest.approx(d * 2.0 / 100, rel=1e-9)


def test_default_fiber_speed_is_light_in_glass() -> None:
    """The default 200 km/ms is c / n for silica fiber, n ≈ 1.47: 299,792.458 km/s / 1.47 = 203.9 km/ms (within 2 %)."""
    assert Network().fiber_km_per_ms == pytest.approx(299_792.458 / 1.47 / 1000, rel=0.02)
