"""The shipped presets as scenario files: finding one by name, listing them with their descriptions."""

from __future__ import annotations

from pathlib import Path

import cloudtwin.presets as presets
from cloudtwin.errors import ScenarioError
from cloudtwin.scenario.problems import SourceMap, did_you_mean
from cloudtwin.scenario.yamlsource import parse_yaml, read_text


def preset_path(name: str) -> Path:
    """The file of preset `name`; a ScenarioError listing the presets (with a did-you-mean) if there is none."""
    names = presets.preset_names()
    if name not in names:
        hint = did_you_mean(name, names, "presets")
        listing = f" (presets: {', '.join(names) or 'none installed'})" if hint.startswith(";") else ""
        raise ScenarioError(f"--preset {name}: unknown preset `{name}`{hint}{listing}")
    return presets.presets_folder() / f"{name}.yaml"


def list_presets() -> list[tuple[str, str]]:
    """(name, description) of every preset, read from the `name` and `description` keys of its file.

    The `name` key of a shipped preset equals its file's stem (what `--preset` takes); a test holds them to it.
    """
    listing = []
    for name in presets.preset_names():
        path = presets.presets_folder() / f"{name}.yaml"
        data = parse_yaml(read_text(path, f"preset {name}"), SourceMap(f"preset {name}"))
        fields = data if isinstance(data, dict) else {}
        listing.append((str(fields.get("name", name)), str(fields.get("description", ""))))
    return listing
