"""The resolved scenario written as YAML loads back equal; its hash is sha256 of a canonical JSON dump."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from cloudtwin.scenario import (
    load_scenario,
    parse_scenario,
    scenario_hash,
    scenario_to_yaml,
)


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


def test_hash_is_sha256_of_canonical_json(minimal_text: str) -> None:
    """scenario_hash = sha256(json.dumps(model_dump(mode='json'), sort_keys=True, separators=(',', ':')))."""
    s = parse_scenario(minimal_text)
    canonical = json.dumps(s.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    assert scenario_hash(s) == hashlib.sha256(canonical.encode()).hexdigest()


def test_hash_tells_scenarios_apart(minimal_text: str) -> None:
    """Equal scenarios written differently hash equal; one changed value changes the hash."""
    reordered = minimal_text.replace("seed: 3\n", "") + "seed: 3\n"
    assert scenario_hash(parse_scenario(reordered)) == scenario_hash(parse_scenario(minimal_text))
    assert scenario_hash(parse_scenario(minimal_text, overrides=["seed=4"])) != scenario_hash(
        parse_scenario(minimal_text)
    )
