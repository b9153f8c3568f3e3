"""Failures never create or destroy capacity: what a server has allocated is what its VMs hold, a down server
holds nothing, a repaired one comes back empty and takes work again."""

from __future__ import annotations

import numpy as np
from failover_scenarios import lab

from cloudtwin.runner.simulate import RunParts, prepare_run

HOUR = 3600.0


def _check_books(run: RunParts) -> None:
    """Per server: capacity - free = sum over its resident VMs (vCPUs and MiB); no VM on a down server;
    the engine's up flags are the failover's down counts; interrupted = restarted + lost + waiting."""
    engine, world, failover = run.engine, run.world, run.failover
    assert failover is not None
    vms = engine.resident_vms()
    used_vcpus = np.bincount(vms["server"], weights=vms["vcpus"], minlength=world.n_servers)
    used_mib = np.bincount(vms["server"], weights=vms["memory_mib"], minlength=world.n_servers)
    np.testing.assert_array_equal(world.server_vcpus - engine.free_vcpus(), used_vcpus)
    np.testing.assert_array_equal(world.server_memory_mib - engine.free_memory_mib(), used_mib)
    down = failover.down_count > 0
    np.testing.assert_array_equal(engine.server_up(), ~down)
    assert not down[vms["server"]].any()
    st = failover.stats
    assert st.interrupted == st.restarted + st.lost + failover.waiting


def test_books_balance_under_overlapping_failures() -> None:
    """Frequent server, rack and datacenter failures (bursts overlapping racks and servers) on a busy fleet:
    the books balance at every hour, and failures did interrupt, restart and lose VMs."""
    scenario = lab(
        zones=2,
        servers=40,
        per_rack=8,
        per_hour=300.0,
        hours=48.0,
        policy="best-fit",
        failures={
            "server": {"mttf_days": 20, "repair_hours": 6},
            "rack": {"mttf_days": 10, "repair_hours": 3},
            "datacenter": {"mttf_days": 4, "repair_hours": 5, "burst_share": 0.5, "time_to_repair": "fixed"},
            "restart": {"delay_minutes": 5, "timeout_hours": 0.5},
        },
    )
    run = prepare_run(scenario)
    run.start()
    _check_books(run)
    for _ in run.advance_chunks(step_s=HOUR):
        _check_books(run)
    st = run.failover.stats
    assert st.interrupted > 100 and st.restarted > 0 and st.lost > 0
    assert run.failover.level_failures[:3].min() > 0  # each level failed at least once


def test_a_repaired_rack_comes_back_empty_and_takes_new_work() -> None:
    """rack0 of lab-a1 fails at 2 h for 1 h: its VMs restart elsewhere; at the repair (3 h) its servers are up
    and empty; first-fit then fills them again, lowest servers first."""
    scenario = lab(
        zones=1,
        servers=40,
        per_rack=5,
        per_hour=60.0,
        hours=6.0,
        failures={"inject": [{"fail": "lab-a1/rack0", "at_hours": 2, "for_hours": 1}]},
    )
    run = prepare_run(scenario)
    run.start()
    rack = np.arange(5)
    chunks = run.advance_chunks(step_s=HOUR)
    for t, _ in chunks:
        vms = run.engine.resident_vms()
        if t == 2 * HOUR:
            assert np.isin(vms["server"], rack).any()  # busy just before the failure
        if t == 3 * HOUR:
            st = run.failover.stats
            assert st.interrupted > 0 and st.restarted == st.interrupted  # room elsewhere: all restarted
            assert run.engine.server_up()[rack].all()
            np.testing.assert_array_equal(run.engine.free_vcpus()[rack], run.world.server_vcpus[rack])
        if t == 5 * HOUR:
            assert np.isin(vms["server"], rack).any()  # new work landed there again
        _check_books(run)
