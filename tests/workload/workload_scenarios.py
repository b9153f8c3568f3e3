"""Small scenarios and paths shared by the workload tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudtwin.scenario.model import Scenario

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
AZURE_SLICES = SHARED / "data" / "azure-vm-2017-rnn-slices"
AZURE_VMTABLE = SHARED / "data" / "opendc-test-slices" / "azure-v1" / "vmtable.csv.gz"

INSTANCE_TYPES = {
    "small": {"vcpus": 2, "memory_gib": 7.5, "price_per_hour": 0.14},
    "large": {"vcpus": 8, "memory_gib": 15, "price_per_hour": 0.42},
    "huge": {"vcpus": 16, "memory_gib": 122, "price_per_hour": 1.4},
}


def region(name: str, lon: float, zones: int, utc_offset_hours: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "location": {"lat": 0.0, "lon": lon},
        "zones": [
            {
                "name": f"{name}-{chr(97 + z)}",
                "datacenters": [{"name": f"{name}-{chr(97 + z)}1", "servers": 10, "server_type": "std"}],
            }
            for z in range(zones)
        ],
    }
    if utc_offset_hours is not None:
        out["utc_offset_hours"] = utc_offset_hours
    return out


def make_scenario(workload: list[dict[str, Any]], regions: list[dict[str, Any]] | None = None) -> Scenario:
    """A scenario with the given workload entries over `regions` (default: one region `lab` at lon 0, 2 zones)."""
    return Scenario.model_validate(
        {
            "name": "workload-test",
            "server_types": {"std": {"vcpus": 32, "memory_gib": 244}},
            "instance_types": INSTANCE_TYPES,
            "world": {"regions": regions or [region("lab", 0.0, 2)]},
            "workload": workload,
        }
    )


def poisson_entry(per_hour: float, lifetime: dict[str, Any] | None = None, **arrivals: Any) -> dict[str, Any]:
    extra = {k: arrivals.pop(k) for k in ("zones", "regions", "instances") if k in arrivals}
    return {
        "name": "tenants",
        "instances": extra.pop("instances", {"small": 0.6, "large": 0.3, "huge": 0.1}),
        "arrivals": {"per_hour": per_hour, **arrivals},
        "lifetime": lifetime or {"distribution": "exponential", "mean_hours": 1.0},
        **extra,
    }


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path.resolve()
