"""When each fiber path is cut: sampled outages (`failures.fiber`, alternating up and repair times drawn as for
every other failure level, `failures.distributions`) and scripted ones (`failures.inject` of `fiber:A--B`).

The network is evaluated at the metric ticks, so a path is cut at a tick when one of its outages covers it.
"""

from __future__ import annotations

import numpy as np

from cloudtwin.failures.defaults import ResolvedFailures
from cloudtwin.failures.distributions import (
    LevelParams,
    draw_repair_residual_s,
    draw_repair_s,
    draw_up_residual_s,
    draw_up_s,
)
from cloudtwin.units import SECONDS_PER_HOUR
from cloudtwin.world.fiber import FiberGraph


class FiberCuts:
    """Every outage of every fiber path over a run: (path, start s, end s) intervals."""

    def __init__(self, fiber: FiberGraph, failures: ResolvedFailures, horizon_s: float, seed: np.random.SeedSequence):
        path, start, end = [], [], []
        if failures.fiber is not None and len(fiber):
            params = LevelParams.of(failures.fiber, "failures.fiber")
            rng = np.random.default_rng(seed)
            for k in range(len(fiber)):
                for s, e in _outages(rng, params, horizon_s):
                    path.append(k)
                    start.append(s)
                    end.append(e)
        for item in failures.fiber_inject:
            path.append(fiber.index(item.fail))
            start.append(item.at_hours * SECONDS_PER_HOUR)
            end.append((item.at_hours + item.for_hours) * SECONDS_PER_HOUR)
        self.n_paths = len(fiber)
        self.path = np.asarray(path, dtype=np.int64)
        self.start_s = np.asarray(start, dtype=np.float64)
        self.end_s = np.asarray(end, dtype=np.float64)

    def up_at(self, time_s: float) -> np.ndarray:
        """Which paths are up at `time_s` (a path is down while an outage covers [start, end))."""
        up = np.ones(self.n_paths, dtype=bool)
        down = (self.start_s <= time_s) & (time_s < self.end_s)
        up[self.path[down]] = False
        return up

    def cuts_starting(self, t0_s: float, t1_s: float) -> int:
        """How many outages start in [t0, t1)."""
        return int(np.count_nonzero((self.start_s >= t0_s) & (self.start_s < t1_s)))


def _outages(rng: np.random.Generator, p: LevelParams, horizon_s: float) -> list[tuple[float, float]]:
    """One path's outages over [0, horizon), starting in steady state (down with MTTR / (MTTF + MTTR))."""
    out: list[tuple[float, float]] = []
    if rng.random() < p.down_probability:
        t = float(draw_repair_residual_s(rng, p, 1)[0])
        out.append((0.0, t))
    else:
        t = 0.0
    t += float(draw_up_residual_s(rng, p, 1)[0]) if not out else float(draw_up_s(rng, p, 1)[0])
    while t < horizon_s:
        repair = float(draw_repair_s(rng, p, 1)[0])
        out.append((t, t + repair))
        t += repair + float(draw_up_s(rng, p, 1)[0])
    return out
