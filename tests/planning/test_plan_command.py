"""`cloudtwin plan` through the real command line: the aws-2014 five-year plan (the issue's done-when), the JSON
contract, the results tables, the report, and bad input as one line with exit code 2."""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
from pathlib import Path

import duckdb
import pytest

from cli_runner import run_cli
from cloudtwin.cli.main import main as cli_main

#: The keys the issue fixes for `--json` (more are allowed).
CONTRACT = {
    "builds": {"month", "region", "zone", "datacenter", "servers"},
    "regions": {"name", "months"},
    "months": {"month", "demand_vcpus", "capacity_vcpus", "capacity_without_largest_zone_vcpus"},
    "servers_added_per_day": {"year", "servers"},
}


@pytest.fixture(scope="module")
def aws_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, float]:
    """`cloudtwin plan --preset aws-2014 --years 5 --json`, its database and its wall time."""
    db = tmp_path_factory.mktemp("plan") / "plans.duckdb"
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:  # (module scope: no capsys)
        cli_main(["plan", "--preset", "aws-2014", "--years", "5", "--json", "--db", str(db)])
    assert done.value.code == 0
    return json.loads(out.getvalue()), db, time.perf_counter() - started


def test_aws_2014_five_years_keeps_n_plus_1_or_names_each_shortfall(aws_plan: tuple[dict, Path, float]) -> None:
    """Every region and month either fits its peak in its capacity without its largest zone (read from the JSON's
    own numbers) or lies in a named shortfall; in seconds."""
    plan, _db, wall_s = aws_plan
    assert wall_s < 20
    short = {(s["region"], m) for s in plan["shortfalls"] for m in range(s["first_month"], s["last_month"] + 1)}
    for region in plan["regions"]:
        assert len(region["months"]) == 60
        for month in region["months"]:
            fits = month["demand_vcpus"] <= month["capacity_without_largest_zone_vcpus"]
            if abs(month["demand_vcpus"] - month["capacity_without_largest_zone_vcpus"]) > 1:  # not a rounding tie
                assert fits != ((region["name"], month["month"]) in short), (region["name"], month)
    assert plan["builds"] and plan["shortfalls"]
    assert max(s["last_month"] for s in plan["shortfalls"]) < 12  # from the first own orders on, N+1 holds


def test_json_contract(aws_plan: tuple[dict, Path, float]) -> None:
    """`--json` has exactly the issue's keys (and more): builds, regions with months, servers added per day; a
    month's capacity grows by the vCPUs of the builds that start serving in it."""
    plan, _db, _ = aws_plan
    assert {"builds", "regions", "servers_added_per_day"} <= set(plan)
    assert all(CONTRACT["builds"] <= set(b) for b in plan["builds"])
    assert all(CONTRACT["regions"] <= set(r) for r in plan["regions"])
    assert all(CONTRACT["months"] <= set(m) for r in plan["regions"] for m in r["months"])
    assert [y["year"] for y in plan["servers_added_per_day"]] == [1, 2, 3, 4, 5]
    assert all(CONTRACT["servers_added_per_day"] <= set(y) for y in plan["servers_added_per_day"])
    for region in plan["regions"]:
        capacity = [m["capacity_vcpus"] for m in region["months"]]
        for m in range(1, 60):
            landed = sum(b["vcpus"] for b in plan["builds"] if b["region"] == region["name"] and b["month"] == m)
            assert capacity[m] - capacity[m - 1] == landed
    for year in plan["servers_added_per_day"]:
        servers = sum(b["servers"] for b in plan["builds"] if b["month"] // 12 == year["year"] - 1)
        assert year["servers"] == pytest.approx(servers / 365.25, abs=0.05)


def test_the_plan_is_in_the_results_database(aws_plan: tuple[dict, Path, float]) -> None:
    """One `plans` row holding the JSON, a `plan_builds` row per build, a `plan_months` row per region and month."""
    plan, db, _ = aws_plan
    with duckdb.connect(str(db), read_only=True) as connection:
        (plan_id, years, stored), *more = connection.execute("SELECT plan_id, years, plan_json FROM plans").fetchall()
        assert not more and (plan_id, years) == (plan["plan_id"], 5)
        assert json.loads(stored)["builds"] == plan["builds"]
        assert connection.execute("SELECT count(*) FROM plan_builds").fetchone() == (len(plan["builds"]),)
        assert connection.execute("SELECT count(*) FROM plan_months").fetchone() == (11 * 60,)
        n_plus_1 = connection.execute(
            "SELECT count(*) FROM plan_months WHERE NOT n_plus_1_kept AND region = 'us-east-1'"
        ).fetchone()
        assert n_plus_1 == (sum(s["months"] for s in plan["shortfalls"] if s["region"] == "us-east-1"),)


def test_table_names_builds_servers_per_day_and_shortfalls(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The table fits 80 columns and shows the schedule per year, each region, the shortfalls and the seed check;
    `--report` writes the charts (three charts and the shortfalls table, offline)."""
    report = tmp_path / "plan.html"
    code, out, err = run_cli(
        capsys,
        "plan",
        "--preset",
        "aws-2014",
        "--years",
        "5",
        "--db",
        str(tmp_path / "p.duckdb"),
        "--report",
        str(report),
    )
    assert code == 0, err
    assert max(len(line) for line in out.splitlines() if str(tmp_path) not in line) <= 80  # (paths may be long)
    for text in ("plan 1: aws-2014", "servers/day", "us-east-1", "shortfalls (N+1 not kept):", "seed check: year 1"):
        assert text in out
    page = report.read_text(encoding="utf-8")
    assert 'data-charts="3"' in page and page.count("Plotly.newPlot(") == 3 and "<h2>Shortfalls</h2>" in page
    assert not re.search(r"<(script|img|iframe|link)[^>]*\s(src|href)=", page, flags=re.IGNORECASE)  # all inline


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--years", "0"], "error: --years: must be a whole number of years from 1 to 50 (got 0)"),
        (["--years", "51"], "error: --years: must be a whole number of years from 1 to 50 (got 51)"),
        (["--set", "planning.lead_tme_months=3"], "planning.lead_tme_months"),
        (["--set", "planning.target_utilization=1.5"], "planning.target_utilization"),
        (["--set", "planning.start=soon"], "planning.start"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    """A bad `--years` or `planning:` key is refused before anything is planned or stored: one line, exit 2."""
    db = tmp_path / "p.duckdb"
    code, out, err = run_cli(capsys, "plan", "--preset", "small", "--db", str(db), *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err
    assert not db.exists()
