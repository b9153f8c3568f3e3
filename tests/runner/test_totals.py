"""Run totals, per-zone and per-datacenter figures come from the engine's counters and equal the sums over the
`metrics` table, whose last row covers the partial interval up to the horizon (issue 7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine import Engine
from cloudtwin.results import ResultsStore
from cloudtwin.runner import RunOutcome, simulate
from cloudtwin.scenario import Scenario, load_preset
from lab_world import lab_scenario

DAY_S = 86400.0
HOUR_S = 3600.0


def poisson(rate_per_s: float, mean_life_s: float, horizon_s: float, seed: int) -> Arrivals:
    """Poisson arrivals on [0, horizon) over two zones, exponential lifetimes, 1, 2 or 4 vCPUs."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate_per_s * horizon_s)
    size = rng.choice(np.array([1, 2, 4]), n)
    return Arrivals.from_columns(
        time_s=np.sort(rng.uniform(0.0, horizon_s, n)),
        vcpus=size,
        memory_mib=size * 1024,
        zone=rng.integers(0, 2, n),
        lifetime_s=rng.exponential(mean_life_s, n),
        instance_type=np.zeros(n),
        workload=np.zeros(n),
    )


def _table(db: Path, run_id: int, level: str) -> dict[str, tuple[int, int, float, int, float, float]]:
    """Per entity of `level`: sum(arrivals), sum(refusals), sum(interval_s), rows, max(time_s), last interval_s."""
    with ResultsStore(db, read_only=True) as store:
        rows = store.connection.execute(
            "SELECT name, sum(arrivals), sum(refusals), sum(interval_s), count(*), max(time_s),"
            " arg_max(interval_s, time_s) FROM metrics WHERE run_id = ? AND level = ? GROUP BY name",
            [run_id, level],
        ).fetchall()
    return {name: (int(a), int(r), float(i), int(n), float(t), float(last)) for name, a, r, i, n, t, last in rows}


def _check_totals(
    outcome: RunOutcome, db: Path, horizon_s: float, rows_per_entity: int, last_interval_s: float
) -> None:
    """The run's totals = the zones' = the datacenters' = the table's sums; intervals tile the horizon."""
    s = outcome.summary
    zones = {z["zone"]: z for z in outcome.zones}
    dcs = {d["datacenter"]: d for d in outcome.datacenters}
    assert s["arrivals"] == sum(z["arrivals"] for z in zones.values()) == s["accepted"] + s["refused"]
    assert s["refused"] == sum(z["refused"] for z in zones.values())
    assert s["departures"] == sum(z["departures"] for z in zones.values())
    assert s["accepted"] == sum(d["vms_placed"] for d in dcs.values())
    zone_rows, dc_rows = _table(db, outcome.run_id, "zone"), _table(db, outcome.run_id, "datacenter")
    assert set(zone_rows) == set(zones) and set(dc_rows) == set(dcs)
    for name, (arrivals, refusals, interval_s, n_rows, last_s, last_interval) in zone_rows.items():
        assert (arrivals, refusals) == (zones[name]["arrivals"], zones[name]["refused"]), name
        assert n_rows == rows_per_entity and last_s == horizon_s
        assert interval_s == pytest.approx(horizon_s, rel=1e-12)
        assert last_interval == pytest.approx(last_interval_s, rel=1e-9)
    for name, (placed, refusals, interval_s, n_rows, last_s, _) in dc_rows.items():
        assert placed == dcs[name]["vms_placed"] and refusals == 0, name
        assert n_rows == rows_per_entity and last_s == horizon_s
        assert interval_s == pytest.approx(horizon_s, rel=1e-12)
    for z in zones.values():  # a zone's mean allocation is its datacenters' (time integrals, two ways)
        mine = [d for d in dcs.values() if d["zone"] == z["zone"]]
        assert sum(d["servers"] for d in mine) == z["servers"]
        weighted = sum(d["allocated_vcpu_fraction"] * d["servers"] for d in mine) / z["servers"]  # same servers
        assert weighted == pytest.approx(z["allocated_vcpu_fraction"], rel=1e-9)


@pytest.mark.parametrize(
    ("sets", "rows", "last_interval_s", "refuses"),
    [
        (["horizon.days=0.52"], 13, 0.48 * HOUR_S, False),  # the user's case: 12 hourly ticks, 0.48 h after the last
        (["horizon.days=0.25"], 6, HOUR_S, False),  # a multiple of the tick: no partial row
        (["horizon.days=0.1", "horizon.sample_every_minutes=1440"], 1, 0.1 * DAY_S, False),  # tick past the horizon
        (
            [
                "horizon.days=0.3",
                "horizon.sample_every_minutes=100",  # zone b keeps a fifth of its servers
                "world.regions[0].zones[1].datacenters[0].servers=20",
            ],
            5,
            0.3 * DAY_S - 4 * 6000.0,
            True,
        ),
    ],
    ids=["0.52-days", "whole-ticks", "tick-past-horizon", "refusals"],
)
def test_small_preset_totals_equal_table_sums(
    tmp_path: Path, sets: list[str], rows: int, last_interval_s: float, refuses: bool
) -> None:
    """`run --preset small`: arrivals and refusals of the run = the zones' sums = SUM over the metrics table."""
    scenario = load_preset("small", overrides=sets)
    db = tmp_path / "results.duckdb"
    outcome = simulate(scenario, db)
    _check_totals(outcome, db, scenario.horizon.days * DAY_S, rows, last_interval_s)
    assert outcome.summary["arrivals"] > 0
    assert (outcome.summary["refused"] > 0) == refuses


def _failing_lab() -> Scenario:
    """Two busy zones of 20 servers whose racks and datacenters fail (restarts place VMs but are no arrivals),
    7.5 hours sampled hourly."""
    failures = {
        "rack": {"mttf_days": 0.5, "repair_hours": 1},
        "datacenter": {"mttf_days": 1, "repair_hours": 1, "time_to_repair": "fixed"},
        "restart": {"delay_minutes": 5, "timeout_hours": 0.5},
    }
    return lab_scenario("totals-lab", 1, 7.5 / 24.0, "ab", 400.0, failures=failures)


def test_totals_hold_under_failures(tmp_path: Path) -> None:
    """With failures pausing the loop mid-chunk, evicting and restarting VMs, the counts still add up."""
    db = tmp_path / "results.duckdb"
    outcome = simulate(_failing_lab(), db)
    _check_totals(outcome, db, 7.5 * HOUR_S, 8, 0.5 * HOUR_S)
    assert outcome.summary["refused"] > 0 and outcome.summary["vms_interrupted"] > 0


def _fleet(sample_every_s: float) -> Engine:
    """Two zones of three datacenters (never full)."""
    vcpus = np.full(90, 64)
    return Engine(
        vcpus,
        vcpus * 1024,
        np.array([0, 50, 90]),
        server_datacenter=np.repeat([0, 1, 2], [30, 20, 40]),
        n_datacenters=3,
        policy="worst-fit",
        sample_every_s=sample_every_s,
    )


def test_close_interval_row_and_the_next_tick() -> None:
    """close_interval at 10,000 s (ticks every 1,800 s) holds the counts of [9,000, 10,000); the next tick at
    10,800 s covers [10,000, 10,800); every row's counts add up to the engine's counters."""
    engine = _fleet(1800.0)
    arrivals = poisson(0.05, 7200.0, 20_000.0, seed=3)
    t = arrivals.time_s
    first = arrivals.slice(0, int(np.searchsorted(t, 10_000.0)))
    engine.advance(first, 10_000.0)
    ticks = engine.take_samples()
    assert ticks.time_s.tolist() == [1800.0 * k for k in range(1, 6)]
    assert ticks.interval_s.tolist() == [1800.0] * 5
    assert engine.last_sample_s == 9000.0
    row = engine.close_interval()
    assert row.time_s.tolist() == [10_000.0] and row.interval_s.tolist() == [1000.0]
    new = (t >= 9000.0) & (t < 10_000.0)
    assert row.zone_arrivals[0].tolist() == [np.count_nonzero(new & (arrivals.zone == z)) for z in (0, 1)]
    assert row.zone_resident_vms[0].sum() == engine.counters().resident_vms
    assert engine.last_sample_s == 10_000.0
    engine.advance(arrivals.slice(len(first), len(arrivals)), 20_000.0)
    rest = engine.take_samples()
    assert rest.time_s[0] == 10_800.0 and rest.interval_s[0] == 800.0
    assert rest.zone_arrivals[0].tolist() == [
        np.count_nonzero((t >= 10_000.0) & (t < 10_800.0) & (arrivals.zone == z)) for z in (0, 1)
    ]
    last = engine.close_interval()
    assert last.interval_s.tolist() == [20_000.0 - 19_800.0]
    c = engine.counters()
    for part in ("arrivals", "refusals", "departures"):
        rows = sum(getattr(s, f"zone_{part}").sum(axis=0) for s in (ticks, row, rest, last))
        assert rows.tolist() == getattr(c, f"zone_{part}").tolist(), part
    placed = sum(s.datacenter_placements.sum(axis=0) for s in (ticks, row, rest, last))
    assert placed.tolist() == c.datacenter_placements.tolist() and placed.sum() == c.accepted == len(arrivals)
    assert c.zone_departures.sum() == c.departures and c.zone_arrivals.sum() == c.arrivals


def test_counters_without_ticks_and_datacenter_means() -> None:
    """With no tick at all (sample_every_s = inf), counters() still has every count; the datacenters' time
    integrals sum to their zone's and match a recount from the arrival list."""
    engine = _fleet(np.inf)
    horizon_s = 30_000.0
    arrivals = poisson(0.05, 7200.0, horizon_s, seed=5)
    engine.advance(arrivals, horizon_s)
    assert len(engine.take_samples()) == 0
    c = engine.counters()
    assert c.zone_arrivals.tolist() == np.bincount(arrivals.zone, minlength=2).tolist()
    assert c.datacenter_placements.sum() == len(arrivals)
    assert c.datacenter_vcpu_seconds[:2].sum() == pytest.approx(c.zone_vcpu_seconds[0], rel=1e-9)
    assert c.datacenter_vcpu_seconds[2] == pytest.approx(c.zone_vcpu_seconds[1], rel=1e-9)
    overlap = np.minimum(arrivals.time_s + arrivals.lifetime_s, horizon_s) - arrivals.time_s
    assert c.datacenter_vcpu_seconds.sum() == pytest.approx((overlap * arrivals.vcpus).sum(), rel=1e-9)
    assert c.datacenter_capacity_vcpus.tolist() == [30 * 64, 20 * 64, 40 * 64]
    assert np.allclose(
        c.datacenter_allocated_vcpu_fraction, c.datacenter_vcpu_seconds / (horizon_s * 64 * np.array([30, 20, 40]))
    )
    row = engine.close_interval()
    assert row.interval_s.tolist() == [horizon_s] and row.zone_arrivals[0].tolist() == c.zone_arrivals.tolist()
    assert engine.counters().zone_arrivals.tolist() == c.zone_arrivals.tolist()  # closing moves no count
