"""`cloudtwin world`: its JSON totals equal the sums of the scenario file, and its tables name every zone."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from cli_runner import run_cli

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SCENARIOS = SHARED / "scenarios"


def _scenario_file(name: str) -> Path:
    path = SCENARIOS / name
    if not path.exists():
        pytest.skip(f"shared scenario not found at {path}")
    return path


def _world_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code, out, err = run_cli(capsys, "world", *argv, "--json")
    assert code == 0, err
    return json.loads(out)  # the whole of stdout is one JSON document


def test_json_totals_equal_the_sums_of_the_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    """Totals of erlang-single-zone, summed from the YAML: 1 region, 1 zone, 1 DC, ceil(100/40)=3 racks, 100 × 8 vCPUs, 100 × 32 GiB."""
    path = _scenario_file("erlang-single-zone.yaml")
    raw = yaml.safe_load(path.read_text())
    per_rack = raw["world"].get("servers_per_rack", 40)
    dcs = [dc for region in raw["world"]["regions"] for zone in region["zones"] for dc in zone["datacenters"]]
    types = raw["server_types"]
    expected = {
        "regions": len(raw["world"]["regions"]),
        "zones": sum(len(region["zones"]) for region in raw["world"]["regions"]),
        "datacenters": len(dcs),
        "racks": sum(math.ceil(dc["servers"] / dc.get("servers_per_rack", per_rack)) for dc in dcs),
        "servers": sum(dc["servers"] for dc in dcs),
        "vcpus": sum(dc["servers"] * types[dc["server_type"]]["vcpus"] for dc in dcs),
        "memory_gib": sum(dc["servers"] * types[dc["server_type"]]["memory_gib"] for dc in dcs),
    }
    got = _world_json(capsys, str(path))
    assert {key: got["totals"][key] for key in expected} == expected
    region = got["regions"][0]
    assert region["name"] == "lab" and region["location"] == {"lat": 39.04, "lon": -77.49}
    dc = region["zones"][0]["datacenters"][0]
    assert dc.items() >= {"name": "lab-a1", "servers": 100, "server_type": "slot-box"}.items()


def test_json_of_a_scenario_with_datacenter_shorthand(capsys: pytest.CaptureFixture[str]) -> None:
    """zone-failover: east-a lists 2 × 300, east-b is `count: 2, servers: 300`, east-c draws 2 sizes in [250, 350]; totals add up."""
    got = _world_json(capsys, str(_scenario_file("zone-failover.yaml")))
    zones = {zone["name"]: zone["datacenters"] for region in got["regions"] for zone in region["zones"]}
    assert [(dc["name"], dc["servers"]) for dc in zones["east-b"]] == [("east-b1", 300), ("east-b2", 300)]
    drawn = [dc["servers"] for dc in zones["east-c"]]
    assert len(drawn) == 2 and all(250 <= s <= 350 for s in drawn)
    servers = 300 * 4 + sum(drawn)
    totals = got["totals"]
    assert (totals["regions"], totals["zones"], totals["datacenters"]) == (1, 3, 6)
    assert totals["servers"] == servers
    assert totals["racks"] == 4 * math.ceil(300 / 40) + sum(math.ceil(s / 40) for s in drawn)
    assert totals["vcpus"] == servers * 32 and totals["memory_gib"] == servers * 244


def test_aws_2014_preset_has_11_regions_and_28_zones(capsys: pytest.CaptureFixture[str]) -> None:
    """The seed: eleven regions, 28 availability zones (re:Invent 2014), data centers of 50,000-80,000 servers."""
    try:
        from cloudtwin.scenario import load_preset  # noqa: F401
    except ImportError:
        pytest.skip("cloudtwin.scenario.load_preset is not available yet")
    got = _world_json(capsys, "--preset", "aws-2014")
    assert got["totals"]["regions"] == 11 and len(got["regions"]) == 11
    assert got["totals"]["zones"] == 28
    sizes = [dc["servers"] for region in got["regions"] for zone in region["zones"] for dc in zone["datacenters"]]
    assert all(50_000 <= s <= 80_000 for s in sizes)
    assert got["totals"]["servers"] == sum(sizes)


def test_table_names_every_zone_and_the_totals(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: a totals line with the server count and one row per region and per zone."""
    code, out, err = run_cli(capsys, "world", str(_scenario_file("zone-failover.yaml")))
    assert code == 0, err
    assert "1 region, 3 zones, 6 datacenters" in out
    for name in ("east", "east-a", "east-b", "east-c"):
        assert name in out


def test_missing_scenario_file_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A scenario file that does not exist is bad input: exit code 2, a red line on stderr, nothing on stdout."""
    code, out, err = run_cli(capsys, "world", str(tmp_path / "nope.yaml"), "--json")
    assert code == 2 and out == "" and "error" in err
