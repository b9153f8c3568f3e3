"""Custom against commodity: a server type's price and annual failure rate reach the provider's cost and the
failure model, so two builds compare on cost and availability; the sweep of docs/examples does it in one go."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import cloudtwin
from cli_runner import run_cli
from cloudtwin.economics import expected_cost
from cloudtwin.failover.availability import availability_study
from cloudtwin.failures import scenario_failures
from cloudtwin.scenario import parse_scenario
from cloudtwin.world import build_world

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "custom-vs-commodity.yaml"

#: 24 shards on 24 distinct racks of 300 servers, every one needed; a shard restarts 72 h after its server fails.
SHARDS = """
name: shards
seed: 11
server_types:
  host: {vcpus: 36, memory_gib: 256, price_usd: 1450, annual_failure_rate: 0.03}
instance_types:
  c3.2xlarge: {vcpus: 8, memory_gib: 15, price_per_hour: 0.42}
world:
  servers_per_rack: 10
  regions:
    - name: r
      location: {lat: 0, lon: 0}
      zones:
        - {name: r-a, datacenters: [{name: r-a1, servers: 100, server_type: host}]}
        - {name: r-b, datacenters: [{name: r-b1, servers: 100, server_type: host}]}
        - {name: r-c, datacenters: [{name: r-c1, servers: 100, server_type: host}]}
failures: {restart: {delay_minutes: 4320}}
services:
  - {name: shards, instance_type: c3.2xlarge, replicas: 24, spread: zones, healthy_when: {at_least: 24}}
"""


def test_server_type_rate_sets_the_server_level() -> None:
    """annual_failure_rate 0.05 → mean up time 365.25 / 0.05 = 7,305 days, the default repair (72 h lognormal)
    kept; `failures: null` still fails nothing."""
    scenario = cloudtwin.load(
        "small", set={"failures": "default", "server_types.ec2-haswell-2014.annual_failure_rate": 0.05}
    )
    level = scenario_failures(scenario).levels["server"]
    assert level.mttf_days == pytest.approx(7305.0)
    assert (level.repair_hours, level.time_to_repair) == (72.0, "lognormal")
    off = scenario.with_({"failures": None})
    assert not scenario_failures(off).levels


@pytest.mark.parametrize("rate", [0.03, 0.08])
def test_availability_follows_the_rate(rate: float) -> None:
    """Each of 24 shards fails `rate` times a year and is down 72 h (4,320 min) each time, so the service has
    24 × rate incidents a year and is down 24 × rate × 72 / 8,766 of the time (overlaps negligible):
    0.03 → 0.72 a year, availability 0.99409; 0.08 → 1.92, 0.98423 (the availability mode, 4,000 service-years)."""
    scenario = parse_scenario(SHARDS, source="shards").with_({"server_types.host.annual_failure_rate": rate})
    (study,) = availability_study(scenario, build_world(scenario), years=200, replications=20)
    assert study.incidents_per_year == pytest.approx(24 * rate, rel=0.08)
    assert study.availability == pytest.approx(1 - 24 * rate * 72 / 8766, abs=0.0015)


def test_builds_differ_in_cost() -> None:
    """The commodity build ($1,885 a server against $1,450) costs more a month for the same world: the servers'
    part by 1,885 / 1,450 = 1.3 exactly, the rest unchanged."""
    spec = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    custom, commodity = spec["axes"]["server_types.ec2-haswell-2014"]
    costs = [
        expected_cost(cloudtwin.load("small", set={"server_types.ec2-haswell-2014": build})).provider
        for build in (custom, commodity)
    ]
    assert costs[1].monthly_usd["servers"] / costs[0].monthly_usd["servers"] == pytest.approx(1.3)
    assert costs[1].monthly_usd["power"] == costs[0].monthly_usd["power"]


def test_mixed_rates_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Two server types in use with different rates: one failure level cannot hold both; `validate` says so in one
    line, exit 2."""
    data = yaml.safe_load(SHARDS)
    data["server_types"]["other"] = {"vcpus": 36, "memory_gib": 256, "annual_failure_rate": 0.08}
    data["world"]["regions"][0]["zones"][2]["datacenters"][0]["server_type"] = "other"
    path = tmp_path / "mixed.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, _out, err = run_cli(capsys, "validate", str(path))
    assert code == 2
    assert "annual_failure_rate" in err and "Traceback" not in err


@pytest.mark.slow
def test_example_sweep_compares_builds(tmp_path: Path) -> None:
    """The example sweep, shortened to 2 years and 2 replications: with common random numbers the commodity
    build's servers fail at the same draws scaled by 3/8, so its service is no more available, and each run's
    `economics` (stored with it) shows the dearer month."""
    from cloudtwin.sweeps import run_sweep

    spec = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    spec["set"]["horizon.days"] = 730
    spec["replications"] = 2
    outcome = run_sweep(spec, tmp_path / "cc.duckdb", jobs=2)
    custom, commodity = (p["metrics"]["availability.shards"]["mean"] for p in outcome.points)
    assert commodity <= custom
    cost = {}
    for run in outcome.runs:
        build = run["point"]["server_types.ec2-haswell-2014"]["description"]
        cost[build] = cloudtwin.open(tmp_path / "cc.duckdb", run["run_id"]).to_json()["economics"]["monthly_cost_usd"]
    assert cost["commodity"] > cost["custom"]
