"""VM requests as a struct of arrays: the one format every workload source produces and the engine consumes.

Times are simulated seconds from the start of the horizon (t = 0 is 00:00 UTC of
day 0); memory is integer MiB so capacity arithmetic is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cloudtwin.errors import WorkloadError

_COLUMNS = {
    "time_s": np.float64,
    "vcpus": np.int32,
    "memory_mib": np.int64,
    "instance_type": np.int32,
    "zone": np.int32,
    "lifetime_s": np.float64,
    "workload": np.int32,
}


@dataclass(frozen=True, eq=False)
class Arrivals:
    """VM requests sorted by `time_s`.

    `instance_type` is an index into the scenario's instance types (-1 when a
    trace gives raw vCPU/memory); `zone` indexes the world's zones; `workload`
    indexes the scenario's workload entries (-1 for explicit arrivals).
    """

    time_s: np.ndarray
    vcpus: np.ndarray
    memory_mib: np.ndarray
    instance_type: np.ndarray
    zone: np.ndarray
    lifetime_s: np.ndarray
    workload: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.time_s)
        for name, dtype in _COLUMNS.items():
            col = getattr(self, name)
            if not isinstance(col, np.ndarray) or col.dtype != dtype or col.ndim != 1 or len(col) != n:
                raise WorkloadError(
                    f"arrivals column `{name}` must be a 1-d {np.dtype(dtype).name} array of length {n}"
                )

    def __len__(self) -> int:
        return len(self.time_s)

    @classmethod
    def from_columns(cls, **columns: object) -> Arrivals:
        """Build from array-likes, casting each column to its dtype; `instance_type`/`workload` default to -1."""
        n = len(np.asarray(columns["time_s"]))
        columns.setdefault("instance_type", np.full(n, -1))
        columns.setdefault("workload", np.full(n, -1))
        unknown = set(columns) - set(_COLUMNS)
        if unknown:
            raise WorkloadError(f"unknown arrivals column(s): {', '.join(sorted(unknown))}")
        missing = set(_COLUMNS) - set(columns)
        if missing:
            raise WorkloadError(f"missing arrivals column(s): {', '.join(sorted(missing))}")
        return cls(**{k: np.ascontiguousarray(np.asarray(columns[k]), dtype=d) for k, d in _COLUMNS.items()})

    @classmethod
    def empty(cls) -> Arrivals:
        return cls(**{k: np.empty(0, dtype=d) for k, d in _COLUMNS.items()})

    @classmethod
    def concat(cls, parts: list[Arrivals], sort: bool = True) -> Arrivals:
        """Concatenate parts; with `sort`, order by time with a stable sort (ties keep part order)."""
        if not parts:
            return cls.empty()
        cols = {k: np.concatenate([getattr(p, k) for p in parts]) for k in _COLUMNS}
        if sort:
            order = np.argsort(cols["time_s"], kind="stable")
            cols = {k: v[order] for k, v in cols.items()}
        return cls(**cols)

    def slice(self, start: int, stop: int) -> Arrivals:
        return Arrivals(**{k: getattr(self, k)[start:stop] for k in _COLUMNS})
