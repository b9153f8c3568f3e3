"""A service's availability from a run with scripted outages equals its closed form.

Three zones `lab-a`, `lab-b`, `lab-c`, one replica in each (spread: zones), a Y = 24 h run with no
other failures and no tenants, so every replica outage is known in advance:
- a zone down X hours keeps its replica down exactly X (it waits for the repair, the zone is empty then);
- a rack or server failure, or a zone failure with `replace_in_other_zone`, costs the 5-minute restart delay;
- the service is healthy while `at_least` replicas run; availability = healthy time / Y.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from failover_scenarios import lab, table

from cloudtwin.failover.health import MINUTES_PER_YEAR
from cloudtwin.failover.replicas import SERVICE_WORKLOAD_BASE
from cloudtwin.runner.simulate import prepare_run, simulate
from cloudtwin.scenario import Scenario

Y_HOURS = 24.0
DELAY_H = 5 / 60


def _scenario(at_least: int, inject: list[tuple[str, float, float]], replace: bool = False) -> Scenario:
    return lab(
        zones=3,
        hours=Y_HOURS,
        services=[
            {
                "name": "api",
                "instance_type": "large",
                "replicas": 3,
                "spread": "zones",
                "zones": ["lab-a", "lab-b", "lab-c"],
                "healthy_when": {"at_least": at_least},
                "replace_in_other_zone": replace,
            }
        ],
        failures={"inject": [{"fail": f, "at_hours": a, "for_hours": d} for f, a, d in inject]},
    )


def _run(
    tmp_path: Path, at_least: int, inject: list[tuple[str, float, float]], replace: bool = False
) -> tuple[dict, list]:
    outcome = simulate(_scenario(at_least, inject, replace), tmp_path / "runs.duckdb")
    (service,) = outcome.summary["services"]
    return service, table(tmp_path / "runs.duckdb", "services", outcome.run_id)


@pytest.mark.parametrize(("at_least", "down_hours", "incidents"), [(2, 0.0, 0), (3, 4.0, 1)])
def test_one_zone_down(tmp_path: Path, at_least: int, down_hours: float, incidents: int) -> None:
    """lab-a down 4 h of 24: 2 of 3 stays healthy (availability 1); 3 of 3 is down the 4 h, (24 - 4) / 24."""
    s, rows = _run(tmp_path, at_least, [("lab-a", 6.0, 4.0)])
    assert s["availability"] == pytest.approx((Y_HOURS - down_hours) / Y_HOURS, abs=1e-12)
    assert s["downtime_minutes_per_year"] == pytest.approx(down_hours / Y_HOURS * MINUTES_PER_YEAR)
    assert s["incidents"] == incidents
    assert s["longest_outage_minutes"] == pytest.approx(down_hours * 60.0)
    # the hourly series: 2 replicas from the failure (6 h) through the ticks at 7, 8 and 9 h; 3 again at 10 h
    assert [(t / 3600, n) for t, _, n, _ in rows if n != 3] == [(6.0, 2), (7.0, 2), (8.0, 2), (9.0, 2)]


def test_overlapping_zone_outages(tmp_path: Path) -> None:
    """lab-a down 6-10 h and lab-b 8-12 h: 2 of 3 is unhealthy only while both are, 8-10 h: (24 - 2) / 24."""
    s, _ = _run(tmp_path, 2, [("lab-a", 6.0, 4.0), ("lab-b", 8.0, 4.0)])
    assert s["availability"] == pytest.approx((Y_HOURS - 2.0) / Y_HOURS, abs=1e-12)
    assert (s["incidents"], s["longest_outage_minutes"]) == (1, pytest.approx(120.0))


def test_replacement_in_another_zone_costs_the_restart_delay(tmp_path: Path) -> None:
    """With replace_in_other_zone, 3 of 3 is down only the 5-minute delay of a 4-hour zone outage:
    the replica restarts in lab-b or lab-c on a rack without the replica already there."""
    s, rows = _run(tmp_path, 3, [("lab-a", 6.0, 4.0)], replace=True)
    assert s["availability"] == pytest.approx((Y_HOURS - DELAY_H) / Y_HOURS, abs=1e-12)
    assert (s["incidents"], s["longest_outage_minutes"]) == (1, pytest.approx(5.0))


def test_replicas_never_share_a_rack() -> None:
    """Before and after a replacement in another zone, the three replicas run on three distinct racks,
    at the start one per zone in the layout's middle rack, after it two in one zone."""
    run = prepare_run(_scenario(3, [("lab-a", 6.0, 4.0)], replace=True))
    run.start()

    def replicas() -> tuple[list[int], list[int]]:
        vms = run.engine.resident_vms()
        on = vms["server"][vms["workload"] == SERVICE_WORKLOAD_BASE]
        return sorted(run.world.server_rack[on].tolist()), sorted(run.world.server_zone[on].tolist())

    assert replicas() == ([2, 6, 10], [0, 1, 2])  # 4 racks a zone: the middle one, rack 2, of each
    for _ in run.advance_chunks(step_s=7 * 3600.0):
        racks, zones = replicas()
        assert len(set(racks)) == 3
    assert zones in ([1, 1, 2], [1, 2, 2])


@pytest.mark.parametrize("target", ["lab-a1/rack2", "lab-a1/server10"])
def test_rack_or_server_of_a_replica_costs_the_restart_delay(tmp_path: Path, target: str) -> None:
    """The layout puts a zone's single replica in the middle rack (rack 2 of 4, servers 10-14) and first-fit
    picks that rack's first server: failing it costs 3 of 3 the 5-minute delay; another rack costs nothing."""
    s, _ = _run(tmp_path, 3, [(target, 6.0, 2.0)])
    assert s["availability"] == pytest.approx((Y_HOURS - DELAY_H) / Y_HOURS, abs=1e-12)
    other, _ = _run(tmp_path, 3, [("lab-a1/rack1", 6.0, 2.0)])
    assert (other["availability"], other["incidents"]) == (1.0, 0)
