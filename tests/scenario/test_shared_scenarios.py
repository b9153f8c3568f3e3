"""The public example scenarios load unchanged, with their shorthand expanded as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudtwin.scenario import Scenario, load_scenario
from cloudtwin.scenario.model import PoissonArrivals


def _datacenters(scenario: Scenario, zone_name: str) -> list[tuple[str, int]]:
    for region in scenario.world.regions:
        for zone in region.zones:
            if zone.name == zone_name:
                assert isinstance(zone.datacenters, list)
                return [(dc.name, dc.servers) for dc in zone.datacenters]
    raise AssertionError(f"no zone {zone_name}")


def test_every_shared_scenario_validates(shared_scenarios: Path) -> None:
    """Every file of ../shared/scenarios loads and validates unchanged, with every zone's datacenters listed."""
    files = sorted(shared_scenarios.glob("*.yaml"))
    for file in files:
        scenario = load_scenario(file)
        assert scenario.name == file.stem
        assert all(isinstance(z.datacenters, list) for r in scenario.world.regions for z in r.zones)


def test_erlang_scenario_values(shared_scenarios: Path) -> None:
    """The erlang scenario holds what its file says: 100 slots offered 90 Erlang (90/h x 1 h)."""
    s = load_scenario(shared_scenarios / "erlang-single-zone.yaml")
    assert _datacenters(s, "lab-a") == [("lab-a1", 100)]
    arrivals = s.workload[0].arrivals
    assert isinstance(arrivals, PoissonArrivals) and arrivals.per_hour == 90
    assert s.horizon.days == 400 and s.horizon.start == "steady" and s.seed == 7


def test_zone_failover_shorthand(shared_scenarios: Path) -> None:
    """zone-failover: east-b becomes east-b1/east-b2 of 300 servers; east-c1/east-c2 are drawn within [250, 350]."""
    s = load_scenario(shared_scenarios / "zone-failover.yaml")
    assert _datacenters(s, "east-a") == [("east-a1", 300), ("east-a2", 300)]
    assert _datacenters(s, "east-b") == [("east-b1", 300), ("east-b2", 300)]
    east_c = _datacenters(s, "east-c")
    assert [name for name, _ in east_c] == ["east-c1", "east-c2"]
    assert all(250 <= size <= 350 for _, size in east_c)
    again = load_scenario(shared_scenarios / "zone-failover.yaml")
    assert _datacenters(again, "east-c") == east_c


def test_zone_failover_sizes_follow_the_seed(shared_scenarios: Path) -> None:
    """The drawn sizes depend on the seed: the same seed gives the same sizes, some other seed differs."""
    file = shared_scenarios / "zone-failover.yaml"
    base = _datacenters(load_scenario(file), "east-c")
    assert _datacenters(load_scenario(file, ["seed=42"]), "east-c") == base
    others = [_datacenters(load_scenario(file, [f"seed={seed}"]), "east-c") for seed in range(1, 6)]
    assert any(sizes != base for sizes in others)


@pytest.mark.parametrize("name", ["erlang-single-zone", "zone-failover"])
def test_shared_scenario_with_overrides(shared_scenarios: Path, name: str) -> None:
    """`--set horizon.days=7` on a shared file changes only that key."""
    file = shared_scenarios / f"{name}.yaml"
    plain, changed = load_scenario(file), load_scenario(file, ["horizon.days=7"])
    assert changed.horizon.days == 7.0
    assert changed.model_copy(update={"horizon": plain.horizon}) == plain
