"""A small hand-written world shared by the world tests: two regions, three zones, four datacenters."""

from __future__ import annotations

import copy

import pytest

from cloudtwin.scenario.model import Scenario
from cloudtwin.world import World, build_world

SMALL_WORLD = {
    "name": "small-world",
    "server_types": {
        "spare": {"vcpus": 2, "memory_gib": 4},  # unused: indices must still follow the scenario order
        "std": {"vcpus": 32, "memory_gib": 244},
        "big": {"vcpus": 64, "memory_gib": 7.5},
    },
    "world": {
        "servers_per_rack": 40,
        "regions": [
            {
                "name": "east",
                "location": {"lat": 39.04, "lon": -77.49},
                "zones": [
                    {
                        "name": "east-a",
                        "datacenters": [
                            {"name": "east-a1", "servers": 95, "server_type": "std"},
                            {"name": "east-a2", "servers": 80, "server_type": "big", "servers_per_rack": 20},
                        ],
                    },
                    {"name": "east-b", "datacenters": [{"name": "east-b1", "servers": 1, "server_type": "std"}]},
                ],
            },
            {
                "name": "west",
                "location": {"lat": 45.84, "lon": -119.70},
                "utc_offset_hours": -7.5,
                "zones": [
                    {
                        "name": "west-a",
                        "datacenters": [
                            {"name": "west-a1", "servers": 41, "server_type": "big", "servers_per_rack": 41}
                        ],
                    }
                ],
            },
        ],
    },
}


@pytest.fixture
def small_raw() -> dict:
    """The small world as the plain data a YAML file would give (a fresh copy per test)."""
    return copy.deepcopy(SMALL_WORLD)


@pytest.fixture
def small_scenario(small_raw: dict) -> Scenario:
    return Scenario.model_validate(small_raw)


@pytest.fixture
def small_world(small_scenario: Scenario) -> World:
    return build_world(small_scenario)
