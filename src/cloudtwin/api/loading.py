"""Loading a scenario for the API: a preset name or a file, with `set` applied as `--set` does."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cloudtwin.errors import ScenarioError
from cloudtwin.presets import preset_names
from cloudtwin.scenario import Scenario, load_preset, load_scenario

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- load


def load(name_or_path: str | os.PathLike[str], set: Mapping[str, object] | None = None) -> Scenario:
    """A preset (by name) or a scenario file, with `set` (dotted key -> value) applied exactly as `--set`.

    Bad input is a ScenarioError naming the file, key and line; a scenario this machine cannot hold in
    memory is refused here, as by the command line.
    """
    from cloudtwin.runner.preflight import check_memory

    values = changes(set)
    if isinstance(name_or_path, str) and name_or_path in preset_names():
        scenario = load_preset(name_or_path, values=values)
    elif isinstance(name_or_path, str) and not _looks_like_file(name_or_path):
        scenario = load_preset(name_or_path, values=values)  # unknown: the preset list, with a did-you-mean
    else:
        scenario = load_scenario(Path(name_or_path), values=values)
    check_memory(scenario)
    return scenario


def _looks_like_file(text: str) -> bool:
    """A string that names a file rather than a preset: it exists, has a separator or a YAML suffix."""
    return os.path.exists(text) or os.sep in text or "/" in text or text.endswith((".yaml", ".yml"))


def changes(changes: Mapping[str, object] | None) -> dict[str, object]:
    """`set=` as a dict; anything but a mapping is a ScenarioError saying what to pass."""
    if changes is None:
        return {}
    if not isinstance(changes, Mapping):
        raise ScenarioError(
            f"`set` must be a mapping of dotted keys to values, like {{'horizon.days': 2}} "
            f"(got {type(changes).__name__})"
        )
    return dict(changes)
