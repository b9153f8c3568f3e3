"""The resolved scenario written as YAML loads back equal; its hash identifies the scenario, not how it was written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cloudtwin.scenario import (
    load_scenario,
    parse_scenario,
    scenario_hash,
    scenario_to_yaml,
)

# MINIMAL (tests/scenario/conftest.py) written another way: keys in another order, comments and blank lines,
# block style where it has flow style and back, quoted strings, `2` for `2.0`, `0.10` for `0.1`, an exponent,
# defaults written out (placement, horizon) and west-a's one datacenter as the shorthand that expands to it.
MINIMAL_RESPELLED = """\
# the same scenario as MINIMAL, spelled differently
workload:
  - zones: ["west-a", 'west-b']
    lifetime:
      mean_hours: 2          # 2.0 in MINIMAL
      distribution: exponential
    arrivals:   {per_hour: 20.0}
    instances:
      large: 0.25
      small: 7.5e-1
    name: tenants

world: {regions: [{name: west, location: {lon: -121.20, lat: 45.60}, zones: [
  {name: west-a, datacenters: {count: 1, servers: 100, server_type: box}},
  {name: west-b, datacenters: [{servers_per_rack: 30, server_type: box, servers: 90, name: west-b1}]}]}]}
instance_types:
  large: {price_per_hour: 0.40, memory_gib: 32.0, vcpus: 8}
  small:
    price_per_hour: 0.10
    memory_gib: 8
    vcpus: 2
server_types:
  box:
    memory_gib: 64
    vcpus: 16
placement: {policy: first-fit}   # the default, written out
horizon:
  days: 1
seed: 3
name: "minimal"
"""

# One changed value of each kind a user edits: the seed, a server count, a price, the policy, a workload rate.
CHANGES = [
    "seed=4",
    "world.regions[0].zones[0].datacenters[0].servers=101",
    "instance_types.small.price_per_hour=0.11",
    "placement.policy=best-fit",
    "workload[0].arrivals.per_hour=21",
]

# `--set` of a key to the value it already has (explicitly or by default).
SAME_VALUES = [
    "seed=3",
    "world.regions[0].zones[1].datacenters[0].servers=90",
    "instance_types.small.price_per_hour=0.1",
    "placement.policy=first-fit",
    "horizon.days=1",
]


@pytest.mark.parametrize("name", ["erlang-single-zone", "zone-failover"])
def test_round_trip_of_shared_scenarios(shared_scenarios: Path, name: str) -> None:
    """parse_scenario(scenario_to_yaml(s)) == s, and the hash survives the trip."""
    s = load_scenario(shared_scenarios / f"{name}.yaml")
    text = scenario_to_yaml(s)
    again = parse_scenario(text)
    assert again == s
    assert scenario_hash(again) == scenario_hash(s)


def test_resolved_yaml_lists_every_datacenter(shared_scenarios: Path) -> None:
    """The written scenario holds no shorthand: east-b's two datacenters appear by name with 300 servers."""
    data = yaml.safe_load(scenario_to_yaml(load_scenario(shared_scenarios / "zone-failover.yaml")))
    east_b = data["world"]["regions"][0]["zones"][1]["datacenters"]
    assert [(dc["name"], dc["servers"]) for dc in east_b] == [("east-b1", 300), ("east-b2", 300)]


def test_hash_is_64_hex_digits(minimal_text: str) -> None:
    """The hash is a 64-digit lower-case hex string (256 bits), as printed and stored."""
    assert re.fullmatch(r"[0-9a-f]{64}", scenario_hash(parse_scenario(minimal_text)))


def test_hash_is_the_same_in_another_process(minimal_text: str, tmp_path: Path) -> None:
    """A fresh interpreter with other PYTHONHASHSEEDs computes the same hash for the same file (stable across sessions)."""
    file = tmp_path / "minimal.yaml"
    file.write_text(minimal_text)
    here = scenario_hash(load_scenario(file))
    code = "import sys; from cloudtwin.scenario import load_scenario, scenario_hash; print(scenario_hash(load_scenario(sys.argv[1])))"
    for hash_seed in ("0", "4242"):
        env = os.environ | {"PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", code, str(file)], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == here, hash_seed


def test_hash_ignores_how_the_file_is_written(minimal_text: str) -> None:
    """Key order, comments, whitespace, flow or block style, quoting, `1` vs `1.0`, written-out defaults and the
    datacenter shorthand do not change the hash: the same scenario, the same hash."""
    respelled = parse_scenario(MINIMAL_RESPELLED)
    assert respelled == parse_scenario(minimal_text)
    assert scenario_hash(respelled) == scenario_hash(parse_scenario(minimal_text))


@pytest.mark.parametrize("override", SAME_VALUES)
def test_setting_a_key_to_its_value_keeps_the_hash(minimal_text: str, override: str) -> None:
    """`--set KEY=VALUE` with the value the key already has is the same scenario, so the same hash."""
    assert scenario_hash(parse_scenario(minimal_text, overrides=[override])) == scenario_hash(
        parse_scenario(minimal_text)
    )


def test_every_semantic_change_changes_the_hash(minimal_text: str) -> None:
    """The seed, a server count, a price, the policy, a workload rate: each change gives a hash of its own."""
    hashes = [scenario_hash(parse_scenario(minimal_text))]
    hashes += [scenario_hash(parse_scenario(minimal_text, overrides=[change])) for change in CHANGES]
    assert len(set(hashes)) == len(CHANGES) + 1


def test_hash_tells_scenarios_apart(minimal_text: str) -> None:
    """Equal scenarios written differently hash equal; one changed value changes the hash."""
    reordered = minimal_text.replace("seed: 3\n", "") + "seed: 3\n"
    assert scenario_hash(parse_scenario(reordered)) == scenario_hash(parse_scenario(minimal_text))
    assert scenario_hash(parse_scenario(minimal_text, overrides=["seed=4"])) != scenario_hash(
        parse_scenario(minimal_text)
    )


def test_run_row_stores_the_hash(minimal_text: str, tmp_path: Path) -> None:
    """A run stored in a results database carries the scenario's hash; the stored scenario hashes the same."""
    import cloudtwin
    from cloudtwin.results import ResultsStore

    scenario = parse_scenario(minimal_text, overrides=["horizon.days=0.1"])
    db = tmp_path / "runs.duckdb"
    result = cloudtwin.run(scenario, db=db)
    with ResultsStore(db, read_only=True) as store:
        stored = store.get_run(result.run_id)["scenario_hash"]
    assert stored == scenario_hash(scenario)
    assert scenario_hash(result.load_scenario()) == stored
