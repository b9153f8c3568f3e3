"""Sample metric arrays for the results-store tests (imported by the test modules of this folder)."""

from __future__ import annotations

import numpy as np

# The metric columns the brief names, written out here (not imported) so the schema is checked against them.
METRIC_COLUMNS = (
    "allocated_vcpus",
    "allocated_memory_gib",
    "capacity_vcpus",
    "capacity_memory_gib",
    "resident_vms",
    "arrivals",
    "refusals",
)


def sample_columns(n_ticks: int, n_entities: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Random but reproducible (n_ticks, n_entities) samples for every metric column."""
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    for name in METRIC_COLUMNS:
        if name.endswith("_gib"):
            columns[name] = rng.uniform(0.0, 1e6, size=(n_ticks, n_entities))
        else:
            columns[name] = rng.integers(0, 1_000_000, size=(n_ticks, n_entities))
    return columns


ZONES = ["us-east-1a", "us-east-1b", "eu-west-1a"]
ZONE_REGIONS = ["us-east-1", "us-east-1", "eu-west-1"]
