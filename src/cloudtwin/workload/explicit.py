"""Arrivals listed one by one from Python (tests, what-if scripts): tuples or dicts turned into `Arrivals`.

Each record is `(time_s, kind, zone, lifetime_s)` or a dict with those keys,
where `kind` is an instance type name (needs the scenario) or `(vcpus, memory_gib)`
(raw size, instance_type −1), and `zone` a zone name (needs the scenario) or a
zone index. Records are sorted by time; equal times keep their listed order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.errors import WorkloadError
from cloudtwin.scenario.model import Scenario
from cloudtwin.scenario.totals import instance_type_sizes
from cloudtwin.workload.targets import (
    ZoneIndex,
    instance_type_names,
)

_KEYS = ("time_s", "instance_type", "zone", "lifetime_s")


def _fields(record: Any, i: int) -> tuple[Any, Any, Any, Any]:
    if isinstance(record, Mapping):
        missing = [k for k in _KEYS if k not in record]
        if missing:
            raise WorkloadError(f"arrivals[{i}]: missing key(s) {', '.join(missing)} (got {dict(record)!r})")
        return tuple(record[k] for k in _KEYS)  # type: ignore[return-value]
    if isinstance(record, (tuple, list)) and len(record) == 4:
        return tuple(record)  # type: ignore[return-value]
    raise WorkloadError(f"arrivals[{i}]: expected (time_s, instance type, zone, lifetime_s) (got {record!r})")


def _raw_size(kind: Any, i: int) -> tuple[int, int]:
    """(vcpus, memory MiB) of a raw `(vcpus, memory_gib)` size."""
    try:
        vcpus, memory_gib = int(kind[0]), float(kind[1])
        if len(kind) != 2 or vcpus < 1 or not memory_gib > 0:
            raise ValueError
    except (TypeError, ValueError, IndexError, KeyError):
        raise WorkloadError(
            f"arrivals[{i}]: instance type must be a name or (vcpus >= 1, memory_gib > 0) (got {kind!r})"
        ) from None
    return vcpus, round(memory_gib * 1024)


def _kind(kind: Any, i: int, scenario: Scenario | None) -> tuple[int, int, int]:
    """(instance type index or −1, vcpus, memory MiB) of a type name or a raw `(vcpus, memory_gib)`."""
    if not isinstance(kind, str):
        return -1, *_raw_size(kind, i)
    types = instance_type_names(scenario) if scenario else ()
    if kind not in types:
        hint = "" if scenario else " (no scenario given)"
        raise WorkloadError(f"arrivals[{i}]: unknown instance type {kind!r}{hint}")
    t = types.index(kind)
    vcpus, memory_mib = instance_type_sizes(scenario)  # type: ignore[arg-type]
    return t, int(vcpus[t]), int(memory_mib[t])


def _zone(zone: Any, i: int, zones: ZoneIndex | None) -> int:
    """Zone index of a zone name (needs the scenario) or of a valid index."""
    if isinstance(zone, str):
        if zones is None:
            raise WorkloadError(f"arrivals[{i}]: zone {zone!r} given by name but no scenario given")
        return zones.zone_id(zone, f"arrivals[{i}]")
    in_range = zones is None or (isinstance(zone, (int, np.integer)) and zone < len(zones.zone_names))
    if not isinstance(zone, (int, np.integer)) or zone < 0 or not in_range:
        raise WorkloadError(f"arrivals[{i}]: zone must be a name or a valid zone index (got {zone!r})")
    return int(zone)


def _times(time_s: Any, lifetime_s: Any, i: int) -> tuple[float, float]:
    try:
        time_s, lifetime_s = float(time_s), float(lifetime_s)
    except (TypeError, ValueError):
        time_s = lifetime_s = float("nan")
    if not (np.isfinite(time_s) and time_s >= 0 and np.isfinite(lifetime_s) and lifetime_s > 0):
        raise WorkloadError(f"arrivals[{i}]: need time_s >= 0 and lifetime_s > 0 (got {time_s!r}, {lifetime_s!r})")
    return time_s, lifetime_s


def explicit_arrivals(records: Iterable[tuple | Mapping[str, Any]], scenario: Scenario | None = None) -> Arrivals:
    """Arrivals (workload −1) from records `(time_s, instance type or (vcpus, memory_gib), zone, lifetime_s)`."""
    zones = ZoneIndex.of(scenario) if scenario else None
    rows = []
    for i, record in enumerate(records):
        time_s, kind, zone, lifetime_s = _fields(record, i)
        time_s, lifetime_s = _times(time_s, lifetime_s, i)
        rows.append((time_s, *_kind(kind, i, scenario), _zone(zone, i, zones), lifetime_s))
    names = ("time_s", "instance_type", "vcpus", "memory_mib", "zone", "lifetime_s")
    columns = {name: np.asarray([row[j] for row in rows]) for j, name in enumerate(names)}
    order = np.argsort(columns["time_s"], kind="stable")
    return Arrivals.from_columns(**{k: v[order] for k, v in columns.items()})
