"""Small scenarios and run helpers shared by the failover tests (a helper module, imported by name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudtwin.results import ResultsStore
from cloudtwin.scenario import Scenario, load_scenario

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
ZONE_FAILOVER = SHARED / "scenarios" / "zone-failover.yaml"


def zone_failover(sets: list[str]) -> Scenario:
    """The shared zone-failover example with `--set` overrides (skips when ../shared is absent)."""
    if not ZONE_FAILOVER.is_file():
        pytest.skip(f"no example scenario at {ZONE_FAILOVER} (the ../shared folder is not beside this repo)")
    return load_scenario(ZONE_FAILOVER, sets)


def lab(
    zones: int = 3,
    servers: int = 20,
    per_rack: int = 5,
    per_hour: float = 0.0,
    hours: float = 24.0,
    services: list[dict[str, Any]] | None = None,
    failures: dict[str, Any] | None = None,
    policy: str = "first-fit",
    seed: int = 1,
) -> Scenario:
    """One region `lab` of `zones` zones `lab-a`.., each one datacenter `lab-a1`.. of `servers` 32-vCPU servers."""
    workload = (
        [
            {
                "name": "tenants",
                "instances": {"small": 0.7, "large": 0.3},
                "arrivals": {"per_hour": per_hour},
                "lifetime": {"distribution": "exponential", "mean_hours": 2.0},
            }
        ]
        if per_hour > 0
        else []
    )
    return Scenario.model_validate(
        {
            "name": "failover-lab",
            "seed": seed,
            "horizon": {"days": hours / 24.0, "sample_every_minutes": 60},
            "server_types": {"std": {"vcpus": 32, "memory_gib": 256}},
            "instance_types": {
                "small": {"vcpus": 2, "memory_gib": 8, "price_per_hour": 0.1},
                "large": {"vcpus": 8, "memory_gib": 32, "price_per_hour": 0.4},
            },
            "world": {
                "servers_per_rack": per_rack,
                "regions": [
                    {
                        "name": "lab",
                        "location": {"lat": 0.0, "lon": 0.0},
                        "zones": [
                            {
                                "name": f"lab-{chr(97 + z)}",
                                "datacenters": [
                                    {"name": f"lab-{chr(97 + z)}1", "servers": servers, "server_type": "std"}
                                ],
                            }
                            for z in range(zones)
                        ],
                    }
                ],
            },
            "workload": workload,
            "placement": {"policy": policy},
            "services": services or [],
            "failures": failures,
        }
    )


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of one SQL query on a results file (read-only)."""
    with ResultsStore(db, read_only=True) as store:
        return store.connection.execute(sql, params or []).fetchall()


def table(db: Path, name: str, run_id: int, order: str = "time_s") -> list[tuple]:
    """A run's rows of a results table (without run_id), in `order`."""
    with ResultsStore(db, read_only=True) as store:
        cols = [c for c in store.connection.execute(f"SELECT * FROM {name} LIMIT 0").description]
        names = ", ".join(c[0] for c in cols if c[0] != "run_id")
        return store.connection.execute(
            f"SELECT {names} FROM {name} WHERE run_id = ? ORDER BY {order}", [run_id]
        ).fetchall()
