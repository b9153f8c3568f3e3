"""A run's summary without what depends on the machine or on where the run is stored (a helper module for tests
that compare runs: a sweep's against direct runs, one executor's against another's, a resumed sweep's)."""

from __future__ import annotations

from typing import Any

from cloudtwin.runner.simulate import WALL_CLOCK_KEYS

#: Keys of a summary (at any depth) that are not the simulation's: its number in the database, and wall time.
VOLATILE = ("run_id", *WALL_CLOCK_KEYS)


def stable(value: Any) -> Any:
    """`value` (a summary, or any part of one) without its `VOLATILE` keys, at any depth."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value
