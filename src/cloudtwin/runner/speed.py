"""This machine's measured speed: finished runs record their events per second, so the preflight can say how long
a run asked for would take here, and refuse one that would take longer than anyone means to wait.

Kept in `speed.json` under `$CLOUDTWIN_CACHE_DIR`, else `$XDG_CACHE_HOME/cloudtwin`, else `~/.cache/cloudtwin`.
Until a run has been measured here, the figure is cloudtwin's own benchmark (benchmarks/RESULTS.md), said so.
"""

from __future__ import annotations

import json
import os
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["run", "availability"]

# Until this machine has measured itself: benchmarks/RESULTS.md, 2026-12-01, 2 cores.
#   run: the aws-2014 day, 165,656,980 events in 66.8 s = 2.48 M events/s (bench_aws_day.py);
#   availability: 6 replicas, 4 of 6, 3 zones, default failures: 1,161,986 events/s (bench_availability.py).
BENCHMARK_EVENTS_PER_S: dict[Kind, float] = {"run": 2.48e6, "availability": 1.16e6}
# Runs with fewer events than this are dominated by setup, so their rate says little about a long run.
MIN_EVENTS_TO_RECORD = 1_000_000
KEEP = 5  # the median of the last few measured runs: one run on a busy machine does not swing it


@dataclass(frozen=True)
class Speed:
    """Events per second and where the figure comes from."""

    events_per_s: float
    basis: str


def cache_dir() -> Path:
    """Where cloudtwin keeps what it learns about this machine."""
    explicit = os.environ.get("CLOUDTWIN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "cloudtwin"


def _read() -> dict[str, list[float]]:
    try:
        data = json.loads((cache_dir() / "speed.json").read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        k: [float(x) for x in v if isinstance(x, int | float) and x > 0] for k, v in data.items() if isinstance(v, list)
    }


def measured_speed(kind: Kind) -> Speed:
    """The median events/s of this machine's last measured runs of `kind`, else the benchmark figure."""
    rates = _read().get(kind, [])
    if rates:
        n = len(rates)
        return Speed(statistics.median(rates), f"measured by the last {n} long run{'s' if n > 1 else ''} here")
    return Speed(BENCHMARK_EVENTS_PER_S[kind], "cloudtwin's benchmark figure; nothing measured on this machine yet")


def record_speed(kind: Kind, events: int, wall_s: float) -> None:
    """Remember a finished run's rate (when long enough to mean something). Best effort: a cache that cannot be
    written costs only the next estimate's precision, so errors are ignored."""
    if events < MIN_EVENTS_TO_RECORD or not wall_s > 0:
        return
    data = _read()
    data[kind] = (data.get(kind, []) + [events / wall_s])[-KEEP:]
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"speed.json.{os.getpid()}"
        tmp.write_text(json.dumps(data))
        tmp.replace(folder / "speed.json")
    except OSError:
        pass
