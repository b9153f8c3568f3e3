"""The VM table, the per-server lists, the free list and lazy deletion stay consistent with each other."""

from __future__ import annotations

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine import Engine
from engine_streams import poisson, split

N_SERVERS = 48


def fleet(policy: str = "best-fit") -> Engine:
    vcpus = np.full(N_SERVERS, 16)
    return Engine(
        vcpus, vcpus * 2048, np.array([0, 24, 48]), policy=policy, seed=2, sample_every_s=3600.0, vm_capacity_hint=16
    )


def check_consistent(engine: Engine) -> None:
    """Walking each server's VM list gives exactly the resident VMs, and their sums are the used capacity."""
    vms = engine.resident_vms()
    on_lists = []
    used_c = np.zeros(N_SERVERS, dtype=np.int64)
    used_m = np.zeros(N_SERVERS, dtype=np.int64)
    slot_row = {int(s): k for k, s in enumerate(vms["slot"])}
    for server in range(N_SERVERS):
        for slot in engine.server_vm_slots(server):
            k = slot_row[slot]
            assert vms["server"][k] == server
            used_c[server] += vms["vcpus"][k]
            used_m[server] += vms["memory_mib"][k]
            on_lists.append(slot)
    assert sorted(on_lists) == sorted(slot_row)  # every resident VM on exactly one list
    free_c, free_m = engine.free_vcpus(), engine.free_memory_mib()
    assert np.array_equal(free_c, 16 - used_c) and np.array_equal(free_m, 16 * 2048 - used_m)
    assert free_c.min() >= 0 and free_m.min() >= 0
    assert engine.counters().resident_vms == len(slot_row)


def test_lists_match_resident_vms_through_churn_and_evictions() -> None:
    """After many arrivals, departures and evictions (stale heap entries), lists, table and capacity agree."""
    engine = fleet()
    rest = poisson(0.02, 3600.0, 10 * 86400.0, seed=9, n_zones=2, vcpus=(1, 2, 4, 8), memory_mib_per_vcpu=2048)
    evicted = 0
    rng = np.random.default_rng(0)
    for day in range(1, 11):
        chunk, rest = split(rest, day * 86400.0)
        engine.advance(chunk, day * 86400.0)
        check_consistent(engine)
        out = engine.evict(rng.choice(N_SERVERS, 5, replace=False))
        evicted += len(out["vcpus"])
        assert np.all(out["remaining_s"] > 0)  # interrupted before their departure
        check_consistent(engine)
    c = engine.counters()
    assert c.evicted == evicted > 0
    assert c.departures + c.evicted + c.resident_vms == c.accepted
    assert 0 < c.stale_dropped <= evicted  # departures of evicted VMs surfaced and were dropped


def test_evicted_vm_departures_are_dropped_lazily() -> None:
    """An evicted VM's departure never counts, even though its slot is reused before the old entry surfaces."""
    engine = fleet("first-fit")
    engine.advance(
        Arrivals.from_columns(time_s=[0.0], vcpus=[16], memory_mib=[1024], zone=[0], lifetime_s=[100.0]), 10.0
    )
    out = engine.evict([0])
    assert out["remaining_s"].tolist() == [90.0] and out["server"].tolist() == [0]
    engine.advance(
        Arrivals.from_columns(time_s=[20.0], vcpus=[16], memory_mib=[1024], zone=[0], lifetime_s=[1000.0]), 500.0
    )  # the first VM's departure (t=100) is stale
    c = engine.counters()
    assert (c.departures, c.stale_dropped, c.resident_vms, c.evicted) == (0, 1, 1, 1)
    assert engine.free_vcpus()[0] == 0


def test_a_server_listed_twice_is_evicted_once() -> None:
    """evict([s, s]) interrupts s's VMs once: capacity and counters stay consistent."""
    engine = fleet("first-fit")
    engine.advance(
        Arrivals.from_columns(
            time_s=[0.0, 1.0], vcpus=[4, 4], memory_mib=[1024, 1024], zone=[0, 0], lifetime_s=[100.0, 100.0]
        ),
        10.0,
    )
    assert len(engine.evict([0, 0])["vcpus"]) == 2
    check_consistent(engine)
    assert engine.counters().evicted == 2
