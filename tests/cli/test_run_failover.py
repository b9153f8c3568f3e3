"""`cloudtwin run` with failures and services: the JSON keys of the contract, the failures table, the summary tables.

The zone-failover example runs unchanged (3 days, random server failures on, the east-a1 outage).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import run_cli, run_json, shared_scenario
from cloudtwin.results import ResultsStore

FAILURE_KEYS = {
    "failures",
    "vms_interrupted",
    "vms_restarted",
    "vms_lost",
    "vms_waiting",
    "restart_minutes",
    "services",
}
LEVELS = ["server", "rack", "datacenter", "zone", "region"]


@pytest.fixture
def zone_failover_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[dict, Path]:
    db = tmp_path / "runs.duckdb"
    return run_json(capsys, str(shared_scenario("zone-failover.yaml")), "--db", str(db)), db


def test_json_has_the_failure_keys(zone_failover_run: tuple[dict, Path]) -> None:
    """failures (a count per level), vms_interrupted/restarted/lost/waiting, restart_minutes (p50, p99),
    services (name, availability, downtime_minutes_per_year, incidents); interrupted = restarted + lost + waiting."""
    s, _ = zone_failover_run
    assert FAILURE_KEYS <= set(s)
    assert list(s["failures"]) == LEVELS and all(isinstance(n, int) for n in s["failures"].values())
    assert set(s["restart_minutes"]) == {"p50", "p99"}
    assert s["restart_minutes"]["p50"] <= s["restart_minutes"]["p99"]
    assert s["vms_interrupted"] == s["vms_restarted"] + s["vms_lost"] + s["vms_waiting"] > 0
    (web,) = s["services"]
    assert {"name", "availability", "downtime_minutes_per_year", "incidents"} <= set(web)
    assert (web["name"], web["availability"], web["downtime_minutes_per_year"]) == ("web", 1.0, 0.0)


def test_failures_table_matches_the_events(zone_failover_run: tuple[dict, Path]) -> None:
    """The injected east-a1 outage is one row (24 h, datacenter, 3 h); the rows per level are the JSON counts;
    VMs affected sum to the VMs interrupted; sampled server failures name `DC/serverI`."""
    s, db = zone_failover_run
    with ResultsStore(db, read_only=True) as store:
        rows = store.connection.execute(
            "SELECT time_s, level, target, duration_s, vms_affected FROM failures WHERE run_id = ? ORDER BY time_s",
            [s["run_id"]],
        ).fetchall()
    assert [r[:4] for r in rows if r[2] == "east-a1"] == [(86400.0, "datacenter", "east-a1", 10800.0)]
    assert {level: sum(r[1] == level for r in rows) for level in LEVELS} == s["failures"]
    assert sum(r[4] for r in rows) == s["vms_interrupted"]
    servers = [r for r in rows if r[1] == "server"]
    assert servers and all(r[2].split("/")[1].startswith("server") and r[3] > 0 for r in servers)


def test_summary_shows_failures_and_services(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --json the summary leads with refusals, failures by level and what became of their VMs, and each
    service's availability, then the zones under their region by suffix; in 80 columns, nothing cut or wrapped."""
    monkeypatch.setenv("COLUMNS", "80")
    path = shared_scenario("zone-failover.yaml")
    code, out, err = run_cli(capsys, "run", str(path), "--set", "horizon.days=2", "--db", str(tmp_path / "r.duckdb"))
    assert code == 0, err
    s = run_json(capsys, str(path), "--set", "horizon.days=2", "--db", str(tmp_path / "r.duckdb"))
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines if not line.startswith("stored as run")) and "…" not in out
    assert lines[
        1
    ].strip() == f"arrivals {s['arrivals']:,}: refused {s['refused']:,} ({100 * s['refused_fraction']:.2f} %);" + (
        f" {s['initial_vms']:,} VMs running at the start"
    )
    assert f"): {s['vms_interrupted']:,} VMs hit" in lines[2] and "datacenter 1" in lines[2]
    assert lines[3].strip().startswith(f"{s['vms_restarted']:,} restarted (p50 5.0 min")
    assert f"{s['vms_lost']:,} lost, {s['vms_waiting']:,} waiting" in lines[3]
    assert lines[4].strip().startswith("service web (4 of 6): 100.0000 % available")
    zone_rows = [line.split()[0] for line in lines if line.startswith("  ") and line.split()[0] in ("a", "b", "c")]
    assert zone_rows == ["a", "b", "c"]  # east-a, east-b, east-c by their suffix under `east`


def test_json_keys_present_without_failures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A scenario with neither failures nor services still reports the keys: zeros, no percentiles, no services."""
    s = run_json(
        capsys,
        str(shared_scenario("erlang-single-zone.yaml")),
        "--set",
        "horizon.days=1",
        "--db",
        str(tmp_path / "r.duckdb"),
    )
    assert s["failures"] == dict.fromkeys(LEVELS, 0)
    assert (s["vms_interrupted"], s["vms_restarted"], s["vms_lost"], s["vms_waiting"]) == (0, 0, 0, 0)
    assert s["restart_minutes"] == {"p50": None, "p99": None} and s["services"] == []
