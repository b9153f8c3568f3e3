"""The failure event table: one row per failed server range, the format the engine merges and results record.

Columns (struct of arrays, one row per range of servers that goes down):

| column | dtype | meaning |
|---|---|---|
| `time_s` | float64 | when the servers go down, seconds from the start of the run |
| `duration_s` | float64 | how long they stay down (> 0); they come back at `time_s + duration_s` |
| `level` | int8 | failed domain: 0 server, 1 rack, 2 datacenter, 3 zone, 4 region |
| `target` | int64 | index of the failed domain at its level (server, rack, datacenter, zone or region index; the first server of an injected server range) |
| `lo_server`, `hi_server` | int64 | the half-open server range `[lo_server, hi_server)` that is down |
| `injection` | int32 | index into `failures.inject` for scripted failures, −1 for sampled ones |

A burst (a share of a domain) whose contiguous range wraps past the domain's last server is
two rows with the same `time_s`, `level`, `target` and `duration_s`. Ranges of different rows
may overlap (a rack fails inside a datacenter burst): a server is down while any row covers it.
Rows are sorted by (`time_s`, `level`, `lo_server`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

COLUMN_DTYPES: dict[str, type] = {
    "time_s": np.float64,
    "duration_s": np.float64,
    "level": np.int8,
    "target": np.int64,
    "lo_server": np.int64,
    "hi_server": np.int64,
    "injection": np.int32,
}


@dataclass(frozen=True)
class FailureEvents:
    """Failure rows, struct of arrays (see the module docstring for the columns)."""

    time_s: np.ndarray
    duration_s: np.ndarray
    level: np.ndarray
    target: np.ndarray
    lo_server: np.ndarray
    hi_server: np.ndarray
    injection: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.time_s)
        for f in fields(self):
            value: np.ndarray = np.asarray(getattr(self, f.name), dtype=COLUMN_DTYPES[f.name])
            if value.shape != (n,):
                raise ValueError(f"column {f.name!r} has shape {value.shape}, expected ({n},)")
            object.__setattr__(self, f.name, value)

    def __len__(self) -> int:
        return len(self.time_s)

    @classmethod
    def empty(cls) -> FailureEvents:
        """A table with no rows."""
        return cls(**{name: np.empty(0, dtype=dtype) for name, dtype in COLUMN_DTYPES.items()})

    @classmethod
    def concat(cls, parts: list[FailureEvents]) -> FailureEvents:
        """Rows of every part, in order (not re-sorted)."""
        if not parts:
            return cls.empty()
        return cls(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in COLUMN_DTYPES})

    def take(self, index: np.ndarray | slice) -> FailureEvents:
        """The rows at `index` (an integer array, boolean mask or slice)."""
        return FailureEvents(**{name: getattr(self, name)[index] for name in COLUMN_DTYPES})

    def sorted(self) -> FailureEvents:
        """Rows ordered by (time_s, level, lo_server): the table's canonical, seed-stable order."""
        return self.take(np.lexsort((self.lo_server, self.level, self.time_s)))

    @property
    def repair_s(self) -> np.ndarray:
        """When each range comes back: `time_s + duration_s`."""
        return self.time_s + self.duration_s

    def to_columns(self) -> dict[str, np.ndarray]:
        """Column name → array, for a results table (DuckDB / Arrow)."""
        return {name: getattr(self, name) for name in COLUMN_DTYPES}
