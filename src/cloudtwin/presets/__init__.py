"""Presets: scenario files shipped inside the package (`aws-2014`, the default, first).

Each `<name>.yaml` in this folder is a preset; `cloudtwin presets` lists them
and `--preset NAME` (or `load_preset`) loads one like any scenario file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from cloudtwin.errors import ScenarioError

DEFAULT_PRESET = "aws-2014"


def presets_folder() -> Path:
    """The folder holding the preset files (a real folder: cloudtwin is installed unzipped)."""
    return Path(str(resources.files(__name__)))


def preset_names() -> list[str]:
    """Names of the shipped presets, the default first, then alphabetical."""
    names = sorted(path.stem for path in presets_folder().glob("*.yaml"))
    return sorted(names, key=lambda name: name != DEFAULT_PRESET)


def preset_path(name: str) -> Path:
    """The file of preset `name`; a ScenarioError listing the presets (with a did-you-mean) if there is none."""
    from cloudtwin.scenario.problems import did_you_mean

    names = preset_names()
    if name not in names:
        hint = did_you_mean(name, names, "presets")
        listing = f" (presets: {', '.join(names) or 'none installed'})" if hint.startswith(";") else ""
        raise ScenarioError(f"--preset {name}: unknown preset `{name}`{hint}{listing}")
    return presets_folder() / f"{name}.yaml"


def list_presets() -> list[tuple[str, str]]:
    """(name, description) of every preset, read from the `name` and `description` keys of its file.

    The `name` key of a shipped preset equals its file's stem (what `--preset` takes); a test holds them to it.
    """
    from cloudtwin.scenario.problems import SourceMap
    from cloudtwin.scenario.yamlsource import parse_yaml, read_text

    listing = []
    for name in preset_names():
        path = presets_folder() / f"{name}.yaml"
        data = parse_yaml(read_text(path, f"preset {name}"), SourceMap(f"preset {name}"))
        fields = data if isinstance(data, dict) else {}
        listing.append((str(fields.get("name", name)), str(fields.get("description", ""))))
    return listing
