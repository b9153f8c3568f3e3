"""Scenarios: YAML files and presets, validated into frozen models with every problem reported at once.

load_scenario(path, overrides)      a scenario file, with `--set KEY=VALUE` overrides
load_preset(name, overrides)        a preset shipped with cloudtwin
parse_scenario(text, source, ...)   YAML text (the Python API and tests)
scenario_to_yaml / scenario_hash    the resolved scenario written out / identified
"""

from __future__ import annotations

from cloudtwin.scenario.loader import (
    load_preset,
    load_scenario,
    parse_scenario,
    source_of,
)
from cloudtwin.scenario.model import Scenario
from cloudtwin.scenario.serialize import scenario_hash, scenario_to_yaml
from cloudtwin.scenario.totals import WorldTotals, world_totals

__all__ = [
    "Scenario",
    "WorldTotals",
    "load_preset",
    "load_scenario",
    "parse_scenario",
    "scenario_hash",
    "scenario_to_yaml",
    "source_of",
    "world_totals",
]
