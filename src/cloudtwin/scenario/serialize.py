"""A resolved scenario written back out: YAML that loads to an equal scenario, and a stable hash."""

from __future__ import annotations

import hashlib
import json

import yaml

from cloudtwin.scenario.model import Scenario


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as YAML, every default and datacenter written out; `parse_scenario` reads it back equal."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def scenario_hash(scenario: Scenario) -> str:
    """sha256 (hex) of the scenario as canonical JSON (sorted keys, no spaces): equal scenarios, equal hashes."""
    data = scenario.model_dump(mode="json")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
