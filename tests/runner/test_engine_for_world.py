"""An engine built from a `World` counts per zone and per datacenter of that world."""

from __future__ import annotations

import numpy as np

from cloudtwin.runner import engine_for_world
from cloudtwin.scenario.model import Scenario
from cloudtwin.world import build_world
from engine_streams import poisson

SCENARIO = {
    "name": "engine-world",
    "server_types": {"std": {"vcpus": 32, "memory_gib": 244}},
    "world": {
        "regions": [
            {
                "name": "east",
                "location": {"lat": 39.0, "lon": -77.5},
                "zones": [
                    {
                        "name": "east-a",
                        "datacenters": [
                            {"name": "east-a1", "servers": 30, "server_type": "std"},
                            {"name": "east-a2", "servers": 20, "server_type": "std"},
                        ],
                    },
                    {"name": "east-b", "datacenters": [{"name": "east-b1", "servers": 25, "server_type": "std"}]},
                ],
            }
        ]
    },
}


def test_datacenter_counters_follow_the_world() -> None:
    """Each datacenter's resident VMs are the VMs on its servers; zones sum their datacenters."""
    world = build_world(Scenario.model_validate(SCENARIO))
    engine = engine_for_world(world, policy="random", seed=4, sample_every_s=3600.0)
    engine.advance(
        poisson(0.2, 3600.0, 6 * 3600.0, seed=1, n_zones=2, vcpus=(2, 4), memory_mib_per_vcpu=4096), 6 * 3600.0
    )
    s = engine.samples()
    on = engine.resident_vms()["server"]
    assert np.array_equal(s.datacenter_resident_vms[-1], np.bincount(world.server_datacenter[on], minlength=3))
    assert np.array_equal(
        s.zone_resident_vms[-1], [s.datacenter_resident_vms[-1, :2].sum(), s.datacenter_resident_vms[-1, 2]]
    )
    assert engine.zone_capacity_vcpus.tolist() == [50 * 32, 25 * 32]
