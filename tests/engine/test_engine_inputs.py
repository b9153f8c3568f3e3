"""Inconsistent input to the engine is an EngineError naming the problem, never a crash or a silent run."""

from __future__ import annotations

import numpy as np
import pytest

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine import Engine
from cloudtwin.errors import EngineError, PlacementError


def engine() -> Engine:
    return Engine(np.full(6, 4), np.full(6, 4096), np.array([0, 3, 6]))


def one(**over: object) -> Arrivals:
    cols: dict[str, object] = {"time_s": [5.0], "vcpus": [2], "memory_mib": [1024], "zone": [0], "lifetime_s": [10.0]}
    cols.update(over)
    return Arrivals.from_columns(**cols)


@pytest.mark.parametrize(
    ("arrivals", "t_end", "match"),
    [
        (one(time_s=[20.0]), 10.0, "time_s must lie in"),
        (one(zone=[2]), 10.0, r"zone\[0\]"),
        (one(vcpus=[0]), 10.0, r"vcpus\[0\]"),
        (one(memory_mib=[-1]), 10.0, r"memory_mib\[0\]"),
        (one(lifetime_s=[float("nan")]), 10.0, r"lifetime_s\[0\]"),
        (
            Arrivals.from_columns(time_s=[3.0, 2.0], vcpus=[1, 1], memory_mib=[1, 1], zone=[0, 0], lifetime_s=[1, 1]),
            10.0,
            "sorted",
        ),
    ],
)
def test_bad_chunk_is_refused(arrivals: Arrivals, t_end: float, match: str) -> None:
    """A chunk with times outside [now, t_end), unsorted times or impossible VMs is refused before running."""
    with pytest.raises(EngineError, match=match):
        engine().advance(arrivals, t_end)


def test_time_only_moves_forward() -> None:
    """After advancing to T, neither t_end < T nor an arrival before T is accepted."""
    e = engine()
    e.advance(one(), 10.0)
    with pytest.raises(EngineError, match="t_end_s"):
        e.advance(Arrivals.empty(), 5.0)
    with pytest.raises(EngineError, match="time_s must lie in"):
        e.advance(one(), 20.0)


def test_datacenter_across_zones_is_refused() -> None:
    """Datacenters must be server ranges inside one zone (the metric counters rely on it)."""
    with pytest.raises(EngineError, match="spans two zones"):
        Engine(np.full(6, 4), np.full(6, 4096), np.array([0, 3, 6]), server_datacenter=np.array([0, 0, 1, 1, 1, 2]))
    with pytest.raises(EngineError, match="server order"):
        Engine(np.full(6, 4), np.full(6, 4096), np.array([0, 3, 6]), server_datacenter=np.array([1, 1, 1, 0, 0, 0]))


def test_unknown_policy_is_refused() -> None:
    """The policy name is checked when the engine is built."""
    with pytest.raises(PlacementError, match="unknown policy"):
        Engine(np.full(6, 4), np.full(6, 4096), np.array([0, 3, 6]), policy="tightest")
