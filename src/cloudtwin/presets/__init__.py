"""Presets: scenario files shipped inside the package (`aws-2014`, the default, first).

Each `<name>.yaml` in this folder is a preset. This package is data only: it says
where the files are; `cloudtwin.scenario` reads them like any scenario file
(`load_preset`, `list_presets`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT_PRESET = "aws-2014"


def presets_folder() -> Path:
    """The folder holding the preset files (a real folder: cloudtwin is installed unzipped)."""
    return Path(str(resources.files(__name__)))


def preset_names() -> list[str]:
    """Names of the shipped presets, the default first, then alphabetical."""
    names = sorted(path.stem for path in presets_folder().glob("*.yaml"))
    return sorted(names, key=lambda name: name != DEFAULT_PRESET)
