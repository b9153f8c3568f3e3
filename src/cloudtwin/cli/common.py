"""What the commands that take a scenario share: a file or a preset, with `--set` overrides."""

from __future__ import annotations

from pathlib import Path

from cloudtwin.errors import ScenarioError
from cloudtwin.presets import DEFAULT_PRESET
from cloudtwin.runner.preflight import check_memory
from cloudtwin.scenario import Scenario, load_preset, load_scenario


def load_from_cli(scenario: Path | None, preset: str | None, sets: list[str]) -> Scenario:
    """The scenario file, else the preset, else the default preset `aws-2014`; both given is an error.

    A scenario this machine could not run (the preflight's memory estimate) is refused here, for every command.
    """
    if scenario is not None and preset is not None:
        raise ScenarioError(f"give a scenario file ({scenario}) or --preset {preset}, not both")
    if scenario is not None:
        loaded = load_scenario(scenario, sets)
    else:
        loaded = load_preset(preset if preset is not None else DEFAULT_PRESET, sets)
    check_memory(loaded)
    return loaded
