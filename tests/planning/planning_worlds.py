"""Small worlds for the planning tests: one region of zones of 100-server datacenters of 10-vCPU servers, and one
Poisson workload of 1-vCPU VMs living an hour (exponential), so a region's demand is per_hour vCPUs."""

from __future__ import annotations

from typing import Any

from cloudtwin.scenario.model import Scenario

#: vCPUs of one datacenter of these worlds: 100 servers of 10 vCPUs.
DC_VCPUS = 1000


def region_world(zones: dict[str, int], per_hour: float, growth: float = 0.0, **planning: Any) -> Scenario:
    """Zones named by `zones` with that many 100-server datacenters each; demand per_hour × 1 h × 1 vCPU, growing
    `growth` a year; `planning` sets keys of the `planning:` section (server vCPUs fixed unless it says)."""
    return Scenario.model_validate(
        {
            "name": "planning-lab",
            "server_types": {"box": {"vcpus": 10, "memory_gib": 64}},
            "instance_types": {"one": {"vcpus": 1, "memory_gib": 1, "price_per_hour": 0.01}},
            "world": {
                "servers_per_rack": 10,
                "regions": [
                    {
                        "name": "r",
                        "location": {"lat": 0.0, "lon": 0.0},
                        "utc_offset_hours": 0,
                        "zones": [
                            {
                                "name": zone,
                                "datacenters": [
                                    {"name": f"{zone}{i + 1}", "servers": 100, "server_type": "box"} for i in range(n)
                                ],
                            }
                            for zone, n in zones.items()
                        ],
                    }
                ],
            },
            "workload": [
                {
                    "name": "w",
                    "instances": {"one": 1},
                    "arrivals": {"per_hour": per_hour, "growth_per_year": growth},
                    "lifetime": {"distribution": "exponential", "mean_hours": 1.0},
                }
            ],
            "planning": {"vcpus_per_server_growth_per_year": 0.0, **planning},
        }
    )
