"""The zone-failover example behaves as its comment says: east-a1 is down 24 h -> 27 h, its VMs restart in
east-a2 as far as capacity allows, the rest are refused or lost, and the `web` service stays up.

Random server failures are switched off (`failures.server=null`) so the injected outage is the only
one and every number below follows from it; the horizon is cut to 2 days (the outage ends at 27 h).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from failover_scenarios import query, table, zone_failover

from cloudtwin.runner.simulate import simulate

HOUR = 3600.0
OUTAGE = (24 * HOUR, 27 * HOUR)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, int]:
    scenario = zone_failover(["horizon.days=2", "failures.server=null"])
    db = tmp_path_factory.mktemp("zone-failover") / "runs.duckdb"
    outcome = simulate(scenario, db)
    return outcome.summary, db, outcome.run_id


def _datacenter(db: Path, run_id: int, name: str) -> dict[float, tuple[int, int]]:
    """time_s -> (allocated_vcpus, capacity_vcpus) of one datacenter."""
    rows = query(
        db,
        "SELECT time_s, allocated_vcpus, capacity_vcpus FROM metrics WHERE run_id = ? AND"
        " level = 'datacenter' AND name = ?",
        [run_id, name],
    )
    return {t: (a, c) for t, a, c in rows}


def test_east_a1_is_empty_while_down_and_east_a2_fills_to_its_capacity(run: tuple[dict, Path, int]) -> None:
    """During the outage east-a1 holds nothing, and east-a2 takes restarts up to (never past) its vCPUs:
    the VMs interrupted need more vCPUs than east-a2 had free, so it must fill."""
    _, db, run_id = run
    a1, a2 = _datacenter(db, run_id, "east-a1"), _datacenter(db, run_id, "east-a2")
    before = 23 * HOUR
    capacity = a2[before][1]
    assert a1[before][0] > capacity - a2[before][0]  # demand exceeds east-a2's free vCPUs before the outage
    during = [t for t in a2 if OUTAGE[0] < t <= OUTAGE[1]]
    assert len(during) == 3
    assert all(a1[t][0] == 0 for t in during)
    assert all(a2[t][0] <= capacity for t in a2)
    assert max(a2[t][0] for t in during) >= 0.97 * capacity > a2[before][0]


def test_the_rest_is_refused_or_lost_and_the_counts_add_up(run: tuple[dict, Path, int]) -> None:
    """interrupted = restarted + lost + still waiting; what east-a2 could not take is lost after the
    1-hour timeout, and arrivals to east-a meanwhile are refused against the reduced capacity."""
    s, db, run_id = run
    assert s["vms_interrupted"] == s["vms_restarted"] + s["vms_lost"] + s["vms_waiting"]
    assert s["vms_restarted"] > 0 and s["vms_lost"] > 0 and s["vms_waiting"] == 0
    refusals = dict(
        query(
            db, "SELECT time_s, refusals FROM metrics WHERE run_id = ? AND level = 'zone' AND name = 'east-a'", [run_id]
        )
    )
    assert sum(n for t, n in refusals.items() if OUTAGE[0] < t <= OUTAGE[1]) > 0
    assert sum(n for t, n in refusals.items() if t <= OUTAGE[0]) == 0  # none before it
    # the first restarts come exactly one restart delay (5 min) after the failure
    assert s["restart_minutes"]["p50"] == pytest.approx(5.0)
    assert 5.0 < s["restart_minutes"]["p99"] <= 60.0


def test_failures_table_holds_the_injected_outage(run: tuple[dict, Path, int]) -> None:
    """One row: east-a1 at 24 h for 3 h, level datacenter, every interrupted VM."""
    s, db, run_id = run
    rows = table(db, "failures", run_id)
    assert rows == [(OUTAGE[0], "datacenter", "east-a1", OUTAGE[1] - OUTAGE[0], s["vms_interrupted"])]
    assert s["failures"] == {"server": 0, "rack": 0, "datacenter": 1, "zone": 0, "region": 0}


def test_web_stays_healthy(run: tuple[dict, Path, int]) -> None:
    """4 of 6 replicas over three zones: losing east-a1's one replica leaves 5, and it restarts in east-a2
    after the 5-minute delay (replicas are restarted before tenant VMs)."""
    s, db, run_id = run
    (web,) = s["services"]
    assert (web["name"], web["availability"], web["incidents"], web["longest_outage_minutes"]) == ("web", 1.0, 0, 0.0)
    rows = table(db, "services", run_id)
    changes = [(t, n) for t, _, n, _ in rows if t % HOUR != 0 or n != 6]
    assert changes == [(OUTAGE[0], 5), (OUTAGE[0] + 300.0, 6)]
    assert all(healthy for *_, healthy in rows)
