"""Shared fixtures of the scenario tests: the public example scenarios and a small inline one."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_SCENARIOS = Path(__file__).resolve().parents[2].parent / "shared" / "scenarios"

# A small valid scenario; tests edit it and check the line numbers in messages against it.
MINIMAL = """\
name: minimal
seed: 3
server_types:
  box: {vcpus: 16, memory_gib: 64}
instance_types:
  small: {vcpus: 2, memory_gib: 8, price_per_hour: 0.1}
  large: {vcpus: 8, memory_gib: 32, price_per_hour: 0.4}
world:
  regions:
    - name: west
      location: {lat: 45.6, lon: -121.2}
      zones:
        - name: west-a
          datacenters:
            - {name: west-a1, servers: 100, server_type: box}
        - name: west-b
          datacenters:
            - {name: west-b1, servers: 90, server_type: box, servers_per_rack: 30}
workload:
  - name: tenants
    instances: {small: 0.75, large: 0.25}
    arrivals: {per_hour: 20}
    lifetime: {distribution: exponential, mean_hours: 2.0}
    zones: [west-a, west-b]
"""


@pytest.fixture
def shared_scenarios() -> Path:
    """The folder of public example scenarios, or a skip when this checkout has no ../shared beside it."""
    if not SHARED_SCENARIOS.is_dir() or not any(SHARED_SCENARIOS.glob("*.yaml")):
        pytest.skip(f"no example scenarios at {SHARED_SCENARIOS} (the ../shared folder is not beside this repo)")
    return SHARED_SCENARIOS


@pytest.fixture
def minimal_text() -> str:
    return MINIMAL


@pytest.fixture
def tmp_presets(tmp_path: Path, shared_scenarios: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A presets folder of copies of the example scenarios, named `aws-2014` and `small`, used instead of the package's."""
    import cloudtwin.presets

    folder = tmp_path / "presets"
    folder.mkdir()
    for source, name in (("zone-failover.yaml", "aws-2014"), ("erlang-single-zone.yaml", "small")):
        text = (shared_scenarios / source).read_text()
        text = text.replace(f"name: {Path(source).stem}\n", f"name: {name}\n", 1)
        (folder / f"{name}.yaml").write_text(text)
    monkeypatch.setattr(cloudtwin.presets, "presets_folder", lambda: folder)
    return folder
