"""Small hand-built worlds for the failure tests: one region of three zones, a few racks each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cloudtwin.scenario.model import Scenario


def _scenario(
    failures: Any = None,
    services: list[dict[str, Any]] | None = None,
    *,
    regions: int = 1,
    zones_per_region: int = 3,
    datacenters_per_zone: int = 2,
    servers_per_datacenter: int = 400,
    servers_per_rack: int = 40,
    seed: int = 11,
) -> Scenario:
    """Zones `z0, z1, ...` numbered across regions (`r`, or `r0, r1, ...`), datacenters `z{i}d{j}` of equal size."""

    def zone(i: int) -> dict[str, Any]:
        dcs = [
            {"name": f"z{i}d{j}", "servers": servers_per_datacenter, "server_type": "std"}
            for j in range(datacenters_per_zone)
        ]
        return {"name": f"z{i}", "datacenters": dcs}

    region_list = [
        {
            "name": "r" if regions == 1 else f"r{g}",
            "location": {"lat": 39.0, "lon": -77.5 + g},
            "zones": [zone(g * zones_per_region + z) for z in range(zones_per_region)],
        }
        for g in range(regions)
    ]
    return Scenario.model_validate(
        {
            "name": "failures-test",
            "seed": seed,
            "server_types": {"std": {"vcpus": 32, "memory_gib": 244}},
            "instance_types": {"m": {"vcpus": 2, "memory_gib": 7.5, "price_per_hour": 0.14}},
            "world": {"servers_per_rack": servers_per_rack, "regions": region_list},
            "services": services or [],
            "failures": failures,
        }
    )


def _service(replicas: int, at_least: int, **extra: Any) -> dict[str, Any]:
    """A service of `replicas` over the three zones, healthy while `at_least` run."""
    return {
        "name": "svc",
        "instance_type": "m",
        "replicas": replicas,
        "zones": ["z0", "z1", "z2"],
        "healthy_when": {"at_least": at_least},
        **extra,
    }


@pytest.fixture
def make_scenario() -> Callable[..., Scenario]:
    """Builder of a three-zone scenario with the given `failures` and `services`."""
    return _scenario


@pytest.fixture
def make_service() -> Callable[..., dict[str, Any]]:
    """Builder of a service spec over zones z0..z2."""
    return _service
