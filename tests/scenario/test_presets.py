"""Presets: listed from the package folder, found by name (with a did-you-mean), loaded like scenario files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import cloudtwin.presets
from cloudtwin.cli.common import load_from_cli
from cloudtwin.errors import ScenarioError
from cloudtwin.presets import DEFAULT_PRESET
from cloudtwin.scenario import load_preset, load_scenario
from cloudtwin.scenario.preset_files import list_presets, preset_path


def test_list_presets_reads_name_and_description(tmp_presets: Path) -> None:
    """list_presets gives (name, description) from each file's keys, the default preset first."""
    expected = []
    for name in ("aws-2014", "small"):
        data = yaml.safe_load((tmp_presets / f"{name}.yaml").read_text())
        expected.append((data["name"], data["description"]))
    assert list_presets() == expected


def test_unknown_preset(tmp_presets: Path) -> None:
    """An unknown preset names the nearest one, or lists them all when none is near."""
    with pytest.raises(ScenarioError, match=r"unknown preset `aws2014`; did you mean `aws-2014`\?"):
        preset_path("aws2014")
    with pytest.raises(ScenarioError, match=r"\(presets: aws-2014, small\)"):
        load_preset("zzzz")


def test_preset_loads_like_its_file(tmp_presets: Path, shared_scenarios: Path) -> None:
    """load_preset('small') equals loading the file it is a copy of (the erlang scenario renamed)."""
    from_file = load_scenario(shared_scenarios / "erlang-single-zone.yaml")
    assert load_preset("small") == from_file.model_copy(update={"name": "small"})
    assert load_preset("small", ["seed=8"]).seed == 8


def test_load_from_cli(tmp_presets: Path, shared_scenarios: Path) -> None:
    """A file, else a preset, else the default preset aws-2014; a file and a preset together is an error."""
    file = shared_scenarios / "erlang-single-zone.yaml"
    assert load_from_cli(file, None, []).name == "erlang-single-zone"
    assert load_from_cli(None, "small", ["horizon.days=2"]).horizon.days == 2
    assert load_from_cli(None, None, []).name == DEFAULT_PRESET
    with pytest.raises(ScenarioError, match="not both"):
        load_from_cli(file, "small", [])


def test_shipped_presets_load() -> None:
    """Every preset shipped in the package loads, its `name` is its file's stem, and aws-2014 is listed first."""
    folder = cloudtwin.presets.presets_folder()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        pytest.skip(f"no presets shipped yet in {folder}")
    for file in files:
        # check_memory=False: the full world's estimate depends on this machine's memory, not on the file.
        scenario = load_preset(file.stem)
        assert scenario.name == file.stem
    assert list_presets()[0][0] == DEFAULT_PRESET
