"""Naming parts of the world (used by failure injection): every name form maps to its half-open server range."""

from __future__ import annotations

import pytest

from cloudtwin.errors import WorldError
from cloudtwin.world import World

# Server offsets of the small world (conftest): east-a1 95 servers [0, 95), east-a2 80 [95, 175),
# east-b1 1 [175, 176), west-a1 41 [176, 217); east-a1 racks of 40, east-a2 racks of 20.


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("east", ("region", 0, 176)),
        ("west", ("region", 176, 217)),
        ("east-a", ("zone", 0, 175)),
        ("east-b", ("zone", 175, 176)),
        ("east-a2", ("datacenter", 95, 175)),
        ("east-a1/rack0", ("rack", 0, 40)),
        ("east-a1/rack2", ("rack", 80, 95)),  # the last rack holds the 95 - 2×40 = 15 left over
        ("east-a2/rack3", ("rack", 95 + 60, 175)),
        ("west-a1/server0", ("server", 176, 177)),
        ("west-a1/server40", ("server", 216, 217)),
        ("east-a2/servers[10:30]", ("server", 105, 125)),
        ("east-a1/servers[0:95]", ("server", 0, 95)),
    ],
)
def test_every_name_form_resolves_to_its_servers(small_world: World, name: str, expected: tuple) -> None:
    """REGION, ZONE, DC, DC/rackK, DC/serverI, DC/servers[A:B] (0-based, half-open) give (level, lo, hi)."""
    target = small_world.resolve_target(name)
    assert tuple(target) == expected
    level, lo, hi = target  # unpacks as a plain triple
    assert isinstance(lo, int) and isinstance(hi, int)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("east-ax", r"'east-ax' names no region, zone or datacenter of the world \(did you mean 'east-a'"),
        ("nowhere", r"names no region, zone or datacenter"),
        ("east-a1/rack3", r"racks rack0\.\.rack2 \(got rack3\)"),
        ("east-a1/server95", r"servers server0\.\.server94 \(got server95\)"),
        ("east-a1/servers[5:5]", r"0 <= A < B <= 95"),
        ("east-a1/servers[0:96]", r"0 <= A < B <= 95"),
        ("east-a1/shelf2", r"write rackK, serverI or servers\[A:B\]"),
        ("east-a1/rack-1", r"write rackK"),
        ("east-a/rack0", r"racks and servers are named under a datacenter \('east-a' is a zone\)"),
    ],
)
def test_bad_names_raise_world_error_with_a_hint(small_world: World, name: str, message: str) -> None:
    """A name that matches nothing is a WorldError saying what exists (never an IndexError or KeyError)."""
    with pytest.raises(WorldError, match=message):
        small_world.resolve_target(name)


def test_index_lookups_by_level(small_world: World) -> None:
    """region_index / zone_index / datacenter_index return scenario-order positions and refuse names of another level."""
    assert small_world.region_index("west") == 1
    assert small_world.zone_index("west-a") == 2
    assert small_world.datacenter_index("east-b1") == 2
    with pytest.raises(WorldError, match=r"no zone named 'east-a1' \(did you mean 'east-a'\?\)"):
        small_world.zone_index("east-a1")
