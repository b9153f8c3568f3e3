"""The datacenter shorthand `{count, servers, server_type}`: names, sizes, and the law and stream they are drawn from."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario import parse_scenario
from cloudtwin.scenario.expand import group_sizes

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


BIG = """\
name: big
seed: {seed}
server_types: {{box: {{vcpus: 8, memory_gib: 32}}}}
world:
  regions:
    - name: r
      location: {{lat: 0, lon: 0}}
      zones:
{zones}"""
LOW, HIGH = 50_000, 80_000  # the seed's size of an AWS data center


def _big_world(seed: int) -> list[int]:
    """Sizes of 2000 data centers drawn from [50,000, 80,000] (two zones of 1000, the most a zone may hold)."""
    zones = "".join(
        f"        - name: big-{k}\n          datacenters: {{count: 1000, servers: [{LOW}, {HIGH}], server_type: box}}\n"
        for k in "ab"
    )
    s = parse_scenario(BIG.format(seed=seed, zones=zones))
    return [dc.servers for r in s.world.regions for z in r.zones for dc in z.datacenters]  # type: ignore[union-attr]


def test_drawn_sizes_lie_within_the_written_range() -> None:
    """Every drawn size is an integer within the [min, max] written in the file."""
    sizes = _big_world(seed=2014)
    assert len(sizes) == 2000
    assert all(isinstance(n, int) and LOW <= n <= HIGH for n in sizes)
    assert all(10 <= size <= 20 for _, size, _ in _sizes(_text(seed=11, count=50)))


def test_drawn_sizes_are_fixed_by_the_seed() -> None:
    """The same seed gives the same sizes (loaded twice); each other seed gives other sizes."""
    base = _big_world(seed=2014)
    assert _big_world(seed=2014) == base
    for seed in (0, 1, 2015):
        assert _big_world(seed=seed) != base, seed


def test_drawn_sizes_are_uniform_on_the_integers_of_the_range() -> None:
    """2000 sizes from [50,000, 80,000] at a fixed seed: the Kolmogorov-Smirnov distance to the discrete uniform CDF
    F(x) = (x - min + 1) / (max - min + 1) is below the 1 % critical value 1.63 / sqrt(n), and the mean is within
    4 standard errors of (min + max) / 2 (variance of the discrete uniform: (N^2 - 1) / 12, N = max - min + 1)."""
    sizes = np.sort(np.array(_big_world(seed=2014), dtype=np.int64))
    n, width = sizes.size, HIGH - LOW + 1
    cdf_at = (sizes - LOW + 1) / width  # F(x_i)
    cdf_below = (sizes - LOW) / width  # F(x_i - 1): the CDF just left of x_i
    i = np.arange(1, n + 1)
    ks = max(float(np.max(i / n - cdf_at)), float(np.max(cdf_below - (i - 1) / n)))
    assert ks < 1.63 / math.sqrt(n), ks
    standard_error = math.sqrt((width**2 - 1) / 12 / n)
    assert abs(float(sizes.mean()) - (LOW + HIGH) / 2) < 4 * standard_error


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
