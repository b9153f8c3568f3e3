"""The datacenter shorthand `{count, servers, server_type}`: names, sizes, and the stream they are drawn from."""

from __future__ import annotations

import numpy as np
import pytest

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario import parse_scenario
from cloudtwin.scenario.expand import WORLD_STREAM, group_sizes

TEMPLATE = """\
name: shorthand
seed: {seed}
server_types: {{box: {{vcpus: 8, memory_gib: 32}}}}
world:
  regions:
    - name: r
      location: {{lat: 0, lon: 0}}
      zones:
{extra_zone}        - name: r-x
          datacenters: {{count: {count}, servers: {servers}, server_type: box, servers_per_rack: 7}}
{workload}"""


def _sizes(text: str, zone: str = "r-x") -> list[tuple[str, int, int | None]]:
    s = parse_scenario(text)
    zones = [z for r in s.world.regions for z in r.zones if z.name == zone]
    assert isinstance(zones[0].datacenters, list)
    return [(dc.name, dc.servers, dc.servers_per_rack) for dc in zones[0].datacenters]


def _text(seed: int = 1, count: int = 3, servers: str = "[10, 20]", extra_zone: str = "", workload: str = "") -> str:
    return TEMPLATE.format(seed=seed, count=count, servers=servers, extra_zone=extra_zone, workload=workload)


def test_names_and_fixed_size() -> None:
    """A fixed size gives `count` datacenters `<zone>1..count` of that size, keeping servers_per_rack."""
    assert _sizes(_text(count=3, servers="40")) == [("r-x1", 40, 7), ("r-x2", 40, 7), ("r-x3", 40, 7)]


def test_sizes_come_from_the_documented_stream() -> None:
    """Sizes are integers(min, max, endpoint=True) of default_rng(SeedSequence(seed, spawn_key=(WORLD_STREAM, *name bytes)))."""
    rng = np.random.default_rng(np.random.SeedSequence(11, spawn_key=(WORLD_STREAM, *b"r-x")))
    expected = [int(x) for x in rng.integers(10, 20, size=3, endpoint=True)]
    assert [size for _, size, _ in _sizes(_text(seed=11))] == expected


def test_sizes_do_not_depend_on_other_zones_or_workloads() -> None:
    """Adding a zone before it or a workload does not shift a zone's drawn sizes (a stream of its own)."""
    base = _sizes(_text(seed=5))
    extra = "        - name: r-w\n          datacenters: {count: 2, servers: [1, 9], server_type: box}\n"
    workload = (
        "instance_types: {vm: {vcpus: 1, memory_gib: 1, price_per_hour: 0}}\n"
        "workload:\n  - {name: w, instances: {vm: 1}, arrivals: {per_hour: 1},"
        " lifetime: {distribution: exponential, mean_hours: 1}}\n"
    )
    assert _sizes(_text(seed=5, extra_zone=extra, workload=workload)) == base


def test_sizes_are_uniform_over_the_inclusive_range() -> None:
    """1000 draws from [1, 4] hit each of the 4 values ~250 times: chi-square (3 dof) below 16.27 (p = 0.001)."""
    sizes = group_sizes(seed=2024, zone_name="uniform", count=1000, servers=(1, 4))
    counts = np.bincount(sizes, minlength=5)[1:]
    assert counts.sum() == 1000 and min(sizes) == 1 and max(sizes) == 4
    chi_square = float(((counts - 250.0) ** 2 / 250.0).sum())
    assert chi_square < 16.27


@pytest.mark.parametrize("servers", ["[20, 10]", "0", "[0, 5]", "-3"])
def test_bad_ranges_are_reported(servers: str) -> None:
    """A reversed range or a non-positive size is a ScenarioError at `...datacenters.servers`."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(_text(servers=servers))
    assert "world.regions[0].zones[0].datacenters.servers" in str(info.value)
