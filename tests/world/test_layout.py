"""The world's array layout: contiguous nested ranges, per-server lookups, racks, totals, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudtwin.errors import WorldError
from cloudtwin.scenario.model import Scenario
from cloudtwin.world import World, build_world


def _check_starts(starts: np.ndarray, n: int, total: int) -> None:
    assert starts.dtype == np.int64 and len(starts) == n + 1
    assert starts[0] == 0 and starts[-1] == total
    assert np.all(np.diff(starts) >= 0)


def test_start_arrays_partition_each_level(small_world: World) -> None:
    """Every `*_start` array starts at 0, never decreases and ends at the count of the level below."""
    w = small_world
    _check_starts(w.region_zone_start, w.n_regions, w.n_zones)
    _check_starts(w.zone_datacenter_start, w.n_zones, w.n_datacenters)
    _check_starts(w.datacenter_rack_start, w.n_datacenters, w.n_racks)
    _check_starts(w.rack_server_start, w.n_racks, w.n_servers)
    for starts, n in ((w.region_server_start, w.n_regions), (w.zone_server_start, w.n_zones)):
        _check_starts(starts, n, w.n_servers)
    _check_starts(w.datacenter_server_start, w.n_datacenters, w.n_servers)


def test_ranges_nest_inside_their_parent(small_world: World) -> None:
    """Each zone's server range lies inside its region's, each datacenter's inside its zone's, each rack's inside its datacenter's."""
    w = small_world
    for child_start, parent_of_child, parent_start in (
        (w.zone_server_start, w.zone_region, w.region_server_start),
        (w.datacenter_server_start, w.datacenter_zone, w.zone_server_start),
        (w.rack_server_start, w.rack_datacenter, w.datacenter_server_start),
    ):
        lo, hi = child_start[:-1], child_start[1:]
        assert np.all(parent_start[parent_of_child] <= lo)
        assert np.all(hi <= parent_start[parent_of_child + 1])
    # the parent index of consecutive children never decreases (scenario order)
    for parent_of_child in (w.zone_region, w.datacenter_zone, w.rack_datacenter):
        assert np.all(np.diff(parent_of_child) >= 0)


def test_per_server_arrays_follow_the_ranges(small_world: World) -> None:
    """`server_X[i]` is the X whose server range holds i (searchsorted on the start array)."""
    w = small_world
    i = np.arange(w.n_servers)
    assert np.array_equal(w.server_zone, np.searchsorted(w.zone_server_start, i, "right") - 1)
    assert np.array_equal(w.server_datacenter, np.searchsorted(w.datacenter_server_start, i, "right") - 1)
    assert np.array_equal(w.server_rack, np.searchsorted(w.rack_server_start, i, "right") - 1)
    assert w.server_vcpus.dtype == np.int32 and w.server_memory_mib.dtype == np.int64
    assert w.server_type.dtype == np.int16 and w.server_rack.dtype == np.int32
    assert w.server_zone.dtype == np.int32 and w.server_datacenter.dtype == np.int32


def test_racks_are_ceil_of_servers_over_rack_size(small_world: World) -> None:
    """A datacenter of S servers, R per rack, has ceil(S/R) racks: all full but the last, which holds the rest."""
    w = small_world
    expected = {"east-a1": (95, 40), "east-a2": (80, 20), "east-b1": (1, 40), "west-a1": (41, 41)}
    rack_sizes = np.diff(w.rack_server_start)
    for name, (servers, per_rack) in expected.items():
        d = w.datacenter_index(name)
        lo, hi = w.datacenter_rack_start[d], w.datacenter_rack_start[d + 1]
        assert hi - lo == math.ceil(servers / per_rack)
        sizes = rack_sizes[lo:hi]
        assert np.all(sizes[:-1] == per_rack)
        assert sizes[-1] == servers - (math.ceil(servers / per_rack) - 1) * per_rack


def test_totals_match_hand_computed_sums(small_world: World) -> None:
    """Totals of the small world: 217 servers = 95+80+1+41, 9 racks = 3+4+1+1, vCPUs 96×32 + 121×64, memory 96×244 + 121×7.5 GiB."""
    assert small_world.totals() == {
        "regions": 2,
        "zones": 3,
        "datacenters": 4,
        "racks": 9,
        "servers": 217,
        "vcpus": 96 * 32 + 121 * 64,
        "memory_gib": 96 * 244 + 121 * 7.5,
    }
    assert list(small_world.servers_per("zone")) == [175, 1, 41]
    assert list(small_world.racks_per("region")) == [8, 1]
    assert list(small_world.vcpus_per("datacenter")) == [95 * 32, 80 * 64, 32, 41 * 64]
    assert list(small_world.memory_mib_per("zone")) == [95 * 244 * 1024 + 80 * 7680, 244 * 1024, 41 * 7680]


def test_server_types_keep_scenario_order_and_memory_in_mib(small_world: World) -> None:
    """Server types index the scenario's `server_types` in order; memory is GiB × 1024 in integer MiB (7.5 GiB = 7680 MiB)."""
    w = small_world
    assert w.server_type_names == ("spare", "std", "big")
    d = w.datacenter_index("east-a2")
    lo, hi = w.datacenter_server_start[d : d + 2]
    assert np.all(w.server_type[lo:hi] == 2)
    assert np.all(w.server_vcpus[lo:hi] == 64)
    assert np.all(w.server_memory_mib[lo:hi] == 7680)


def test_utc_offset_given_or_from_longitude(small_world: World) -> None:
    """A region's UTC offset is its own value, else round(lon / 15): -77.49° → -5 h."""
    assert list(small_world.region_utc_offset_hours) == [-5.0, -7.5]
    assert small_world.region_location_deg.shape == (2, 2)
    assert list(small_world.region_location_deg[1]) == [45.84, -119.70]


def test_world_arrays_are_read_only(small_world: World) -> None:
    """The world is what exists: its arrays cannot be written (the engine keeps mutable state of its own)."""
    with pytest.raises(ValueError):
        small_world.server_vcpus[0] = 1


def test_bytes_per_server_are_a_few_tens() -> None:
    """DESIGN.md: a few tens of bytes per server: 26 B of per-server columns (4+8+2+4+4+4), little else."""
    world = build_world(_scenario([[[(10_000, 40)]]]))
    assert 26 * world.n_servers <= world.nbytes <= 30 * world.n_servers


def test_unexpanded_datacenter_group_is_refused(small_raw: dict) -> None:
    """The `count` shorthand must be expanded by the scenario loader; the world names the key path."""
    raw = small_raw
    raw["world"]["regions"][1]["zones"] = [
        {"name": "west-a", "datacenters": {"count": 2, "servers": 10, "server_type": "std"}}
    ]
    with pytest.raises(WorldError, match=r"world\.regions\[1\]\.zones\[0\]\.datacenters: the `count` shorthand"):
        build_world(Scenario.model_validate(raw))


def test_unknown_server_type_and_duplicate_names_are_all_reported() -> None:
    """Every problem is reported at once: an unknown server type (with its key path) and a name used twice."""
    scenario = _scenario([[[(10, 40)], [(5, 40)]]], server_type="nope", duplicate_zone=True)
    with pytest.raises(WorldError) as info:
        build_world(scenario)
    problems = info.value.problems
    assert any(
        "world.regions[0].zones[1].datacenters[0].server_type: unknown server type 'nope'" in p for p in problems
    )
    assert any("name 'r0z0' is used by a zone and a zone" in p for p in problems)


# ---------------------------------------------------------------------------- reference model


def _scenario(shape: list, server_type: str = "std", duplicate_zone: bool = False) -> Scenario:
    """A scenario from nested lists: regions → zones → datacenters as (servers, servers_per_rack)."""
    regions = []
    for r, zones in enumerate(shape):
        zone_list = []
        for z, dcs in enumerate(zones):
            zname = f"r{r}z0" if duplicate_zone else f"r{r}z{z}"
            dc_list = [
                {
                    "name": f"r{r}z{z}d{d}",
                    "servers": s,
                    "server_type": server_type if z else "std",
                    "servers_per_rack": k,
                }
                for d, (s, k) in enumerate(dcs)
            ]
            zone_list.append({"name": zname, "datacenters": dc_list})
        regions.append({"name": f"r{r}", "location": {"lat": 0, "lon": 15 * r}, "zones": zone_list})
    return Scenario.model_validate(
        {"name": "t", "server_types": {"std": {"vcpus": 4, "memory_gib": 16}}, "world": {"regions": regions}}
    )


def _reference_layout(shape: list) -> dict[str, list[int]]:
    """The per-server columns written out server by server: the slow, obvious construction."""
    zone = dc = rack = 0
    out: dict[str, list[int]] = {"server_zone": [], "server_datacenter": [], "server_rack": []}
    for zones in shape:
        for dcs in zones:
            for servers, per_rack in dcs:
                for i in range(servers):
                    out["server_zone"].append(zone)
                    out["server_datacenter"].append(dc)
                    out["server_rack"].append(rack + i // per_rack)
                rack += -(-servers // per_rack)
                dc += 1
            zone += 1
    return out


_dc = st.tuples(st.integers(1, 120), st.integers(1, 50))
_shape = st.lists(st.lists(st.lists(_dc, min_size=1, max_size=3), min_size=1, max_size=3), min_size=1, max_size=3)


@settings(max_examples=40, deadline=None)
@given(_shape)
def test_layout_matches_server_by_server_reference(shape: list) -> None:
    """On random small worlds the vectorised layout equals the one written out server by server in plain Python."""
    world = build_world(_scenario(shape))
    for name, expected in _reference_layout(shape).items():
        assert getattr(world, name).tolist() == expected, name
    assert world.n_racks == sum(-(-s // k) for zones in shape for dcs in zones for s, k in dcs)
