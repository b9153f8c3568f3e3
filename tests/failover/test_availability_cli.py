"""`cloudtwin availability`: JSON shape, agreement with the closed form end to end, and bad input → exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_runner import run_cli
from cloudtwin.analysis.availability import (
    component_availability,
    service_availability_over_zones,
)

SCENARIOS = Path(__file__).resolve().parents[2] / ".." / "shared" / "scenarios"


def _zone_failover() -> Path:
    path = SCENARIOS / "zone-failover.yaml"
    if not path.exists():
        pytest.skip(f"shared scenario not found at {path}")
    return path


def test_json_is_within_ci_of_the_zone_closed_form(capsys) -> None:
    """zone-failover's `web` (4 of 6, 2 per zone) under zone failures only: `--json` carries the required keys,
    and the CI holds the closed form P(at least 2 of 3 zones up), A_zone = 240 / 264."""
    code, out, err = run_cli(
        capsys,
        "availability",
        str(_zone_failover()),
        "--set",
        "failures={zone: {mttf_days: 10, repair_hours: 24}}",
        "--years",
        "40",
        "--replications",
        "60",
        "--json",
    )
    assert code == 0, err
    (web,) = json.loads(out)["services"]
    assert {"name", "availability", "ci_low", "ci_high", "downtime_minutes_per_year"} <= set(web)
    assert web["name"] == "web"
    expected = service_availability_over_zones(4, [2, 2, 2], component_availability(240, 24))
    assert web["ci_low"] <= expected <= web["ci_high"]


def test_table_names_each_service(capsys) -> None:
    """Without `--json` a table per service: its name, availability and downtime rows."""
    code, out, err = run_cli(capsys, "availability", str(_zone_failover()), "--years", "10", "--replications", "4")
    assert code == 0, err
    assert "web (4 of 6 replicas)" in out and "availability" in out and "downtime min/yr" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--set", "services=[]"], "needs at least one service"),
        (["--set", "failures=null"], "needs random failures"),
        (["--replications", "1"], "--replications"),
        (["--years", "0"], "--years"),
    ],
)
def test_nothing_to_simulate_exits_2(capsys, extra: list[str], message: str) -> None:
    """No services, no failures, one replication or zero years: a red error line and exit code 2."""
    code, out, err = run_cli(capsys, "availability", str(_zone_failover()), *extra)
    assert code == 2
    assert message in err and "Traceback" not in err
