"""`cloudtwin run` end to end: loss and queueing laws through the command line, the JSON contract, the database.

The Erlang points use erlang-single-zone (one VM per server, Poisson arrivals, exponential 1-hour
lifetimes: M/M/c/c) with `--set` for c and A. Measured statistical error of `refused_fraction`
(standard deviation over 12 seeds, relative to B): 0.8 % for (10, 15), 0.85 % for (20, 25) and
1.0 % for (50, 60) at 150 days, so a 5 % bound is five standard deviations or more; Little's law
at 400 servers, 100 arrivals an hour: 0.27 % (exponential, 80 days) and 0.58 % at 80 days for the
lognormal (sigma 1), run 200 days here (~0.37 %), against a 2 % bound.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from cli_runner import run_cli, run_json, shared_scenario
from cloudtwin.engine import Engine
from cloudtwin.results import ResultsStore

SERVERS = "world.regions[0].zones[0].datacenters[0].servers"
DAILY = "horizon.sample_every_minutes=1440"  # fewer metric rows: the long runs spend their time in the engine
CONTRACT = [
    "run_id",
    "arrivals",
    "accepted",
    "refused",
    "refused_fraction",
    "departures",
    "events",
    "resident_vms_mean",
    "allocated_vcpu_fraction",
    "sim_days",
    "wall_s",
    "events_per_s",
]


def erlang_b(c: int, a: float) -> float:
    """Erlang's loss formula by the recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def _erlang(capsys: pytest.CaptureFixture[str], tmp_path: Path, *sets: str) -> dict:
    argv = [str(shared_scenario("erlang-single-zone.yaml")), "--db", str(tmp_path / "runs.duckdb")]
    for item in sets:
        argv += ["--set", item]
    return run_json(capsys, *argv)


def test_erlang_single_zone_refuses_erlang_b(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The shared example as is (400 days, c = 100, A = 90): refused_fraction within 5 % of B(100, 90) = 0.02696."""
    s = _erlang(capsys, tmp_path)
    assert s["refused_fraction"] == pytest.approx(erlang_b(100, 90.0), rel=0.05)


@pytest.mark.parametrize(("servers", "erlangs"), [(10, 15.0), (20, 25.0), (50, 60.0)])
def test_loss_follows_erlang_b(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, servers: int, erlangs: float
) -> None:
    """M/M/c/c at other (c, A), 150 days: refused_fraction within 5 % of B(c, A) from the recursion."""
    s = _erlang(
        capsys, tmp_path, f"{SERVERS}={servers}", f"workload[0].arrivals.per_hour={erlangs}", "horizon.days=150", DAILY
    )
    assert s["refused_fraction"] == pytest.approx(erlang_b(servers, erlangs), rel=0.05)


@pytest.mark.parametrize(
    ("lifetime", "mean_hours", "days"),
    [
        ("{distribution: exponential, mean_hours: 1.0}", 1.0, 80),
        ("{distribution: lognormal, median_hours: 1.0, sigma: 1.0}", math.exp(0.5), 200),  # mean e^(sigma^2 / 2)
    ],
)
def test_littles_law(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lifetime: str, mean_hours: float, days: int
) -> None:
    """At low load (100 an hour on 400 servers, nothing refused) the mean resident VMs are lambda E[L] within 2 %."""
    s = _erlang(
        capsys,
        tmp_path,
        f"{SERVERS}=400",
        "workload[0].arrivals.per_hour=100",
        f"workload[0].lifetime={lifetime}",
        f"horizon.days={days}",
        DAILY,
    )
    assert s["refused"] == 0
    assert s["resident_vms_mean"] == pytest.approx(100.0 * mean_hours, rel=0.02)


def test_one_seed_gives_identical_metrics(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Two runs of one scenario and seed store the same metrics rows (compared in DuckDB, run_id aside)."""
    first = _erlang(capsys, tmp_path, "horizon.days=10")
    second = _erlang(capsys, tmp_path, "horizon.days=10")
    with ResultsStore(tmp_path / "runs.duckdb", read_only=True) as store:
        con = store.connection
        diff = (
            "SELECT * EXCLUDE (run_id) FROM metrics WHERE run_id = ? EXCEPT ALL "
            "SELECT * EXCLUDE (run_id) FROM metrics WHERE run_id = ?"
        )
        rows = con.execute("SELECT count(*) FROM metrics WHERE run_id = ?", [first["run_id"]]).fetchone()[0]
        assert rows == 10 * 24 * 2  # hourly ticks, a zone row and a datacenter row each
        for a, b in ((first["run_id"], second["run_id"]), (second["run_id"], first["run_id"])):
            assert con.execute(diff, [a, b]).fetchall() == []


def test_json_has_every_key_of_the_contract(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """run --json: the issue's keys, allocated_vcpu_fraction with mean and per_zone, one run of one simulated day."""
    s = _erlang(capsys, tmp_path, "horizon.days=1")
    missing = [k for k in CONTRACT if k not in s]
    assert not missing
    assert set(s["allocated_vcpu_fraction"]) == {"mean", "per_zone"}
    assert list(s["allocated_vcpu_fraction"]["per_zone"]) == ["lab-a"]
    assert s["sim_days"] == 1.0 and s["events"] == s["arrivals"] + s["departures"]
    assert s["accepted"] + s["refused"] == s["arrivals"]


def test_a_failed_run_is_marked_and_the_database_stays_readable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception inside the run exits 1; the run is stored as 'failed' with its error, the file opens."""

    def broken(self: Engine, *args: object) -> None:
        raise RuntimeError("engine broke")

    monkeypatch.setattr(Engine, "advance", broken)
    db = tmp_path / "runs.duckdb"
    code, out, err = run_cli(capsys, "run", str(shared_scenario("erlang-single-zone.yaml")), "--db", str(db))
    assert code == 1 and "engine broke" in err and out == ""
    with ResultsStore(db, read_only=True) as store:
        (run,) = store.list_runs()
        assert run["status"] == "failed" and "engine broke" in run["error"]


def test_a_directory_as_db_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--db naming a directory: exit 2 and one line naming it, no traceback."""
    code, _, err = run_cli(capsys, "run", str(shared_scenario("erlang-single-zone.yaml")), "--db", str(tmp_path))
    assert code == 2
    assert "is a directory" in err and "Traceback" not in err
