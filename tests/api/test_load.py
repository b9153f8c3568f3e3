"""`cloudtwin.load` and `Scenario.with_`: presets or files, with Python values validated exactly like `--set`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cloudtwin
from cloudtwin.errors import ScenarioError
from cloudtwin.presets import presets_folder
from cloudtwin.scenario import Scenario, load_preset, load_scenario

#: (Python value for `set=`, the same change as the command line writes it); each one is bad.
BAD_CHANGES = [
    ({"horizon.dayz": 2}, "horizon.dayz=2"),
    ({"horizon.days": -1}, "horizon.days=-1"),
    ({"placement.policy": "nope"}, "placement.policy=nope"),
    ({"world.regions[4].name": "x"}, "world.regions[4].name=x"),
    ({"horizon.days": [1, 2]}, "horizon.days=[1, 2]"),
    ({"workload[0].lifetime.mean_hours": 0}, "workload[0].lifetime.mean_hours=0"),
    ({"horizon.days.more": 1}, "horizon.days.more=1"),
]


def _message(call: object) -> str:
    with pytest.raises(ScenarioError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value)


def test_load_a_preset_by_name() -> None:
    """A preset name loads the preset, the same scenario as `load_preset`."""
    assert cloudtwin.load("small") == load_preset("small")


def test_load_a_file_by_path(tmp_path: Path) -> None:
    """A path (str or Path) loads that file; a file named like a preset is still read as a file."""
    file = tmp_path / "mine.yaml"
    shutil.copy(presets_folder() / "small.yaml", file)
    assert cloudtwin.load(file) == load_scenario(file)
    assert cloudtwin.load(str(file)).name == "small"


def test_unknown_preset_lists_the_presets() -> None:
    """A name that is neither a preset nor a file is answered with the preset list (did-you-mean)."""
    message = _message(lambda: cloudtwin.load("smal"))
    assert "unknown preset `smal`" in message and "small" in message


def test_missing_file_is_named() -> None:
    """A path that does not exist is a ScenarioError naming it."""
    assert "no-such.yaml: no such file" in _message(lambda: cloudtwin.load("no-such.yaml"))


def test_set_applies_like_the_command_line() -> None:
    """`set=` with Python values gives the scenario `--set` strings give."""
    via_python = cloudtwin.load(
        "small",
        set={
            "horizon.days": 0.5,
            "placement.policy": "power-of-two",
            "world.regions[0].zones[0].datacenters[0].servers": 50,
        },
    )
    via_cli = load_preset(
        "small",
        ["horizon.days=0.5", "placement.policy=power-of-two", "world.regions[0].zones[0].datacenters[0].servers=50"],
    )
    assert via_python == via_cli
    assert via_python.horizon.days == 0.5 and via_python.placement.policy == "power-of-two"


@pytest.mark.parametrize(("change", "expr"), BAD_CHANGES)
def test_set_errors_are_the_command_lines(change: dict, expr: str) -> None:
    """A bad `set=` key or value gives word for word the message `--set` gives, naming the key."""
    key = next(iter(change))
    python = _message(lambda: cloudtwin.load("small", set=change))
    cli = _message(lambda: load_preset("small", [expr]))
    assert python == cli
    assert key.split("[")[0].split(".")[0] in python


def test_set_reports_every_bad_key_at_once() -> None:
    """Two bad keys, two lines, as with two bad `--set`."""
    message = _message(lambda: cloudtwin.load("small", set={"horizon.dayz": 1, "seed": -3}))
    assert "horizon.dayz" in message and "seed" in message and len(message.splitlines()) == 2


def test_set_takes_tuples_paths_and_numpy_scalars() -> None:
    """Tuples read as lists, numpy scalars as numbers; an object that is no YAML value is refused by name."""
    import numpy as np

    scenario = cloudtwin.load("small", set={"horizon.days": np.float64(0.25), "seed": np.int64(5)})
    assert scenario.horizon.days == 0.25 and scenario.seed == 5
    assert "`object` is not a scenario value" in _message(lambda: cloudtwin.load("small", set={"seed": object()}))


def test_set_must_be_a_mapping() -> None:
    """`set=` given as a list of strings is answered with what to pass."""
    bad: object = ["horizon.days=1"]
    assert "must be a mapping" in _message(lambda: cloudtwin.load("small", set=bad))  # type: ignore[arg-type]


def test_load_refuses_what_memory_cannot_hold() -> None:
    """The run's memory preflight runs at load, as for the command line."""
    message = _message(
        lambda: cloudtwin.load("small", set={"world.regions[0].zones[0].datacenters[0].servers": 10**12})
    )
    assert "memory" in message.lower()


def test_with_returns_a_validated_copy() -> None:
    """`with_` changes the copy only; the original scenario is unchanged; no change gives an equal scenario."""
    base = cloudtwin.load("small")
    changed = base.with_({"placement.policy": "power-of-two", "horizon.days": 0.25})
    assert isinstance(changed, Scenario)
    assert (changed.placement.policy, changed.horizon.days) == ("power-of-two", 0.25)
    assert (base.placement.policy, base.horizon.days) == (load_preset("small").placement.policy, 1.0)
    assert base.with_({}) == base
    assert base.with_({}).model_fields_set == base.model_fields_set


@pytest.mark.parametrize(("change", "expr"), BAD_CHANGES)
def test_with_errors_name_the_key(change: dict, expr: str) -> None:
    """A bad `with_` key or value is a ScenarioError naming `--set KEY=VALUE`, like the command line."""
    message = _message(lambda: cloudtwin.load("small").with_(change))
    assert message.startswith(f"--set {expr}: ")


def test_with_checks_the_whole_scenario() -> None:
    """A change that breaks a reference elsewhere is caught by the cross-checks (not only the field's type)."""
    message = _message(lambda: cloudtwin.load("small").with_({"workload[0].zones": {"us-east-9z": 1}}))
    assert "us-east-9z" in message


def test_with_on_a_grouped_world(tmp_path: Path) -> None:
    """The shorthand datacenters are listed by name in a loaded scenario, so `with_` sets one by index."""
    file = tmp_path / "grouped.yaml"
    text = (presets_folder() / "small.yaml").read_text(encoding="utf-8")
    file.write_text(
        text.replace(
            "          datacenters:\n            - {name: us-east-1b1, servers: 100, server_type: ec2-haswell-2014}",
            "          datacenters: {count: 2, servers: 50, server_type: ec2-haswell-2014}",
        ),
        encoding="utf-8",
    )
    base = cloudtwin.load(file)
    zone_b = base.world.regions[0].zones[1]
    assert [dc.name for dc in zone_b.datacenters] == ["us-east-1b1", "us-east-1b2"]  # type: ignore[union-attr]
    changed = base.with_({"world.regions[0].zones[1].datacenters[1].servers": 70})
    assert [dc.servers for dc in changed.world.regions[0].zones[1].datacenters] == [50, 70]  # type: ignore[union-attr]


def test_run_refuses_what_validate_refuses() -> None:
    """`cloudtwin.run` makes the preflight `cloudtwin validate` makes: the same refusal, before any database."""
    scenario = cloudtwin.load("small", set={"horizon.days": 1e308})
    with pytest.raises(ScenarioError) as caught:
        cloudtwin.run(scenario)
    (line,) = caught.value.problems
    small = Path(cloudtwin.__file__).parent / "presets" / "small.yaml"
    validate = subprocess.run(
        [sys.executable, "-m", "cloudtwin.cli.main", "validate", str(small), "--set", "horizon.days=1e308"],
        capture_output=True,
        text=True,
    )
    assert validate.returncode == 2
    text = validate.stderr.strip().removeprefix("error: ")
    # the API names the key by its dotted path (`set=`), the command line by the `--set` expression
    assert line.split(": ", 1)[1] == text.split(": ", 1)[1]
