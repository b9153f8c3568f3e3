"""Metric samples and time integrals equal a brute-force recount from the arrival list (no refusals)."""

from __future__ import annotations

import numpy as np

from cloudtwin.engine import Engine
from engine_streams import poisson, split

TICK_S = 1800.0
HORIZON_S = 86400.0


def roomy_fleet() -> tuple[Engine, np.ndarray]:
    """Two zones with four datacenters (never full), and each server's datacenter."""
    vcpus = np.full(100, 64)
    dc = np.repeat([0, 1, 2, 3], [30, 20, 25, 25])
    engine = Engine(
        vcpus,
        vcpus * 1024,
        np.array([0, 50, 100]),
        server_datacenter=dc,
        n_datacenters=4,
        policy="worst-fit",
        sample_every_s=TICK_S,
    )
    return engine, dc


def test_samples_recount_the_arrival_list() -> None:
    """At tick T: resident = #{t_i < T < t_i + L_i}, arrivals = #{T - dt <= t_i < T}, per zone; DCs sum to zones."""
    engine, dc = roomy_fleet()
    arrivals = poisson(0.05, 7200.0, HORIZON_S, seed=6, n_zones=2, vcpus=(1, 2, 4))
    rest = arrivals
    for t_end in (10_000.0, 10_800.0, 50_000.0, HORIZON_S):  # chunks that cut ticks and fall on one
        chunk, rest = split(rest, t_end)
        engine.advance(chunk, t_end)
    s = engine.samples()
    ticks = TICK_S * np.arange(1, int(HORIZON_S / TICK_S) + 1)
    assert np.array_equal(s.time_s, ticks)
    t, end, z, c = arrivals.time_s, arrivals.time_s + arrivals.lifetime_s, arrivals.zone, arrivals.vcpus
    for k, tick in enumerate(ticks):
        alive = (t < tick) & (end > tick)
        new = (t >= tick - TICK_S) & (t < tick)
        gone = (end > tick - TICK_S) & (end <= tick)
        for zone in (0, 1):
            assert s.zone_resident_vms[k, zone] == np.count_nonzero(alive & (z == zone))
            assert s.zone_allocated_vcpus[k, zone] == c[alive & (z == zone)].sum()
            assert s.zone_arrivals[k, zone] == np.count_nonzero(new & (z == zone))
            assert s.zone_departures[k, zone] == np.count_nonzero(gone & (z == zone))
    assert np.all(s.zone_refusals == 0)
    assert np.array_equal(s.datacenter_placements[:, :2].sum(axis=1), s.zone_arrivals[:, 0])  # none refused
    assert np.array_equal(s.datacenter_placements[:, 2:].sum(axis=1), s.zone_arrivals[:, 1])
    assert np.array_equal(s.datacenter_resident_vms[:, :2].sum(axis=1), s.zone_resident_vms[:, 0])
    assert np.array_equal(s.datacenter_allocated_vcpus[:, 2:].sum(axis=1), s.zone_allocated_vcpus[:, 1])
    # the datacenter columns follow the servers' datacenters
    vms = engine.resident_vms()
    assert np.array_equal(np.bincount(dc[vms["server"]], minlength=4), s.datacenter_resident_vms[-1])


def test_time_integrals_recount_the_arrival_list() -> None:
    """VM-seconds and vCPU-seconds per zone = Σ overlap([t_i, t_i + L_i], [0, T]) (exact up to rounding)."""
    engine, _ = roomy_fleet()
    arrivals = poisson(0.05, 7200.0, HORIZON_S, seed=8, n_zones=2, vcpus=(1, 2, 4))
    engine.advance(arrivals, HORIZON_S)
    counters = engine.counters()
    overlap = np.minimum(arrivals.time_s + arrivals.lifetime_s, HORIZON_S) - arrivals.time_s
    for zone in (0, 1):
        mine = arrivals.zone == zone
        assert np.isclose(counters.zone_vm_seconds[zone], overlap[mine].sum(), rtol=1e-9)
        assert np.isclose(counters.zone_vcpu_seconds[zone], (overlap * arrivals.vcpus)[mine].sum(), rtol=1e-9)
    assert np.allclose(counters.zone_allocated_vcpu_fraction, counters.zone_vcpu_seconds / (HORIZON_S * 50 * 64))
    assert (
        counters.events
        == counters.arrivals + counters.departures
        == len(arrivals) + np.count_nonzero(arrivals.time_s + arrivals.lifetime_s <= HORIZON_S)
    )


def test_take_samples_hands_out_each_tick_once() -> None:
    """take_samples returns the ticks since the previous call, then forgets them."""
    engine, _ = roomy_fleet()
    arrivals = poisson(0.05, 7200.0, HORIZON_S, seed=2, n_zones=2)
    first, rest = split(arrivals, 4 * TICK_S)
    engine.advance(first, 4 * TICK_S)
    assert engine.take_samples().time_s.tolist() == [TICK_S, 2 * TICK_S, 3 * TICK_S, 4 * TICK_S]
    engine.advance(rest, HORIZON_S)
    assert engine.take_samples().time_s[0] == 5 * TICK_S
    assert len(engine.samples()) == 0
