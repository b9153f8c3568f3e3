"""cloudtwin: a simulator of a hyperscale cloud (regions, zones, data centers, VMs, failures, cost).

    sc = cloudtwin.load("small", set={"horizon.days": 0.5})    # a preset name or a scenario file
    res = cloudtwin.run(sc)                                      # a typed, frozen RunResult
    cloudtwin.open("runs.duckdb")                                # a stored run, read back
    cloudtwin.sweep("grid.yaml")                                 # a sweep: a pyarrow Table, a row per axis point
    cloudtwin.plan(sc, years=5)                                  # a capacity plan: builds, regions, shortfalls
    cloudtwin.cost("aws-2014")                                   # a month of money: provider, tenants, rent or build
    cloudtwin.write_report("runs.duckdb")                        # the latest run's HTML report: run-N.html

The API (`cloudtwin.api`) is imported on first use, so `import cloudtwin` loads neither numba nor duckdb.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cloudtwin.errors import CloudtwinError
from cloudtwin.version import __version__

if TYPE_CHECKING:
    from cloudtwin.api import RunResult, cost, load, open, plan, run, sweep, write_report

#: Names served by `cloudtwin.api`, imported when first asked for.
_API = ("load", "run", "open", "sweep", "plan", "cost", "write_report", "RunResult")

__all__ = [
    "CloudtwinError",
    "RunResult",
    "__version__",
    "cost",
    "load",
    "open",
    "plan",
    "run",
    "sweep",
    "write_report",
]


def __getattr__(name: str) -> Any:
    """`cloudtwin.load`, `.run`, `.open`, `.sweep`, `.plan`, `.cost`, `.write_report`, `.RunResult`: from
    `cloudtwin.api`, imported on first use."""
    if name in _API:
        value = getattr(importlib.import_module("cloudtwin.api"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cloudtwin' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
