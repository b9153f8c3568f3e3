"""What the commands that take a scenario share: a file or a preset, with `--set` overrides."""

from __future__ import annotations

from pathlib import Path

from cloudtwin.errors import ScenarioError
from cloudtwin.presets import DEFAULT_PRESET
from cloudtwin.scenario import Scenario, load_preset, load_scenario


def load_from_cli(scenario: Path | None, preset: str | None, sets: list[str]) -> Scenario:
    """The scenario file, else the preset, else the default preset `aws-2014`; both given is an error."""
    if scenario is not None and preset is not None:
        raise ScenarioError(f"give a scenario file ({scenario}) or --preset {preset}, not both")
    if scenario is not None:
        return load_scenario(scenario, sets)
    return load_preset(preset if preset is not None else DEFAULT_PRESET, sets)
