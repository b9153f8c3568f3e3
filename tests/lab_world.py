"""A small busy world for end-to-end run tests: zones `lab-a`, `lab-b`, ... of one 20-server datacenter each."""

from __future__ import annotations

from typing import Any

from cloudtwin.scenario.model import Scenario


def lab_scenario(name: str, seed: int, days: float, zones: str, per_hour: float, **sections: Any) -> Scenario:
    """Racks of 5 std servers (32 vCPUs, 256 GiB), best-fit, tenants of small/large VMs (2 h mean life) arriving
    `per_hour`, sampled hourly; `sections` adds or replaces top-level keys (services, failures, ...)."""
    return Scenario.model_validate(
        {
            "name": name,
            "seed": seed,
            "horizon": {"days": days, "sample_every_minutes": 60},
            "server_types": {"std": {"vcpus": 32, "memory_gib": 256}},
            "instance_types": {
                "small": {"vcpus": 2, "memory_gib": 8, "price_per_hour": 0.1},
                "large": {"vcpus": 8, "memory_gib": 32, "price_per_hour": 0.4},
            },
            "world": {
                "servers_per_rack": 5,
                "regions": [
                    {
                        "name": "lab",
                        "location": {"lat": 0.0, "lon": 0.0},
                        "zones": [
                            {
                                "name": f"lab-{z}",
                                "datacenters": [{"name": f"lab-{z}1", "servers": 20, "server_type": "std"}],
                            }
                            for z in zones
                        ],
                    }
                ],
            },
            "workload": [
                {
                    "name": "tenants",
                    "instances": {"small": 0.7, "large": 0.3},
                    "arrivals": {"per_hour": per_hour},
                    "lifetime": {"distribution": "exponential", "mean_hours": 2.0},
                }
            ],
            "placement": {"policy": "best-fit"},
            **sections,
        }
    )
