"""Events scheduled for Python run at their instant, in order, with the state exactly as of that instant."""

from __future__ import annotations

import numpy as np
import pytest

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine import Engine
from cloudtwin.errors import EngineError
from engine_streams import poisson

FAIL, REPAIR = 1, 2


def fleet() -> Engine:
    vcpus = np.full(10, 8)
    return Engine(vcpus, vcpus * 1024, np.array([0, 10]), sample_every_s=3600.0)


def test_handler_sees_the_state_at_its_instant() -> None:
    """At an event at T: arrivals before T are handled, arrivals at or after T are not; handlers run in time order."""
    engine = fleet()
    arrivals = poisson(0.01, 600.0, 20_000.0, seed=3)
    seen: list[tuple[float, int, int]] = []
    engine.on_event(FAIL, lambda e, t, p: seen.append((t, p, e.counters().arrivals)))
    for t, p in ((9000.0, 2), (1000.0, 1), (9000.0, 3), (float(arrivals.time_s[40]), 4)):
        engine.schedule(t, FAIL, p)
    engine.advance(arrivals, 20_000.0)
    expected = sorted([(1000.0, 1), (9000.0, 2), (9000.0, 3), (float(arrivals.time_s[40]), 4)])
    assert [(t, p) for t, p, _ in seen] == expected  # equal times in scheduling order
    for t, _, n_arrived in seen:
        assert n_arrived == np.count_nonzero(arrivals.time_s < t)
    assert engine.counters().arrivals == len(arrivals)


def test_down_servers_are_skipped_and_evicted_vms_restart_elsewhere() -> None:
    """A failure handler takes a server down and restarts its VMs; nothing lands on it until the repair."""
    engine = fleet()
    restarted: list[np.ndarray] = []

    def fail(e: Engine, t: float, server: int) -> None:
        e.set_server_down([server])
        out = e.evict([server])
        again = Arrivals.from_columns(
            time_s=np.full(len(out["vcpus"]), t),
            vcpus=out["vcpus"],
            memory_mib=out["memory_mib"],
            zone=out["zone"],
            lifetime_s=out["remaining_s"],
        )
        restarted.append(e.place_now(again))
        e.schedule(t + 500.0, REPAIR, server)

    engine.on_event(FAIL, fail)
    engine.on_event(REPAIR, lambda e, t, server: e.set_server_up([server]))
    first = Arrivals.from_columns(
        time_s=np.arange(6.0),
        vcpus=np.full(6, 4),
        memory_mib=np.full(6, 4096),
        zone=np.zeros(6),
        lifetime_s=np.full(6, 1e6),
    )
    engine.advance(first, 10.0)  # first-fit: servers 0, 0, 1, 1, 2, 2
    engine.schedule(100.0, FAIL, 0)
    engine.advance(Arrivals.empty(), 200.0)
    assert restarted[0].tolist() == [3, 3] and not engine.server_up()[0]
    late = Arrivals.from_columns(time_s=[300.0], vcpus=[4], memory_mib=[4096], zone=[0], lifetime_s=[1e6])
    engine.advance(late, 400.0)
    assert engine.resident_vms()["server"].max() == 4  # server 0 is down: the next free one is 4
    engine.advance(Arrivals.empty(), 700.0)
    assert engine.server_up()[0] and engine.free_vcpus()[0] == 8


def test_scheduling_needs_a_handler_and_a_future_time() -> None:
    """schedule() refuses an unknown kind and a time in the past; on_event refuses kind 0 (departures)."""
    engine = fleet()
    with pytest.raises(EngineError):
        engine.schedule(10.0, FAIL, 0)
    with pytest.raises(EngineError):
        engine.on_event(0, lambda e, t, p: None)
    engine.on_event(FAIL, lambda e, t, p: None)
    engine.advance(Arrivals.empty(), 50.0)
    with pytest.raises(EngineError):
        engine.schedule(10.0, FAIL, 0)
