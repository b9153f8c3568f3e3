"""Places and pair classes on a hand-built world whose every answer is worked out by hand below."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cloudtwin.errors import CloudtwinError
from cloudtwin.network.places import PAIR_CLASSES, classify, datacenter_pair_classes, resolve_place
from cloudtwin.scenario.model import Scenario
from cloudtwin.world import World, build_world


def _dc(name: str, servers: int) -> dict:
    return {"name": name, "servers": servers, "server_type": "s"}


@pytest.fixture(scope="module")
def world() -> World:
    """east: zone east-a (east-a1: 6 servers in racks of 2; east-a2: 2 servers), zone east-b (east-b1: 1 server);
    west: one zone, west-a (west-a1: 4 servers, 2 racks)."""
    east = {
        "name": "east",
        "location": {"lat": 39.04, "lon": -77.49},
        "zones": [
            {"name": "east-a", "datacenters": [_dc("east-a1", 6), _dc("east-a2", 2)]},
            {"name": "east-b", "datacenters": [_dc("east-b1", 1)]},
        ],
    }
    west = {
        "name": "west",
        "location": {"lat": 45.84, "lon": -119.70},
        "zones": [{"name": "west-a", "datacenters": [_dc("west-a1", 4)]}],
    }
    scenario = Scenario.model_validate(
        {
            "name": "places",
            "server_types": {"s": {"vcpus": 1, "memory_gib": 1}},
            "world": {"servers_per_rack": 2, "regions": [east, west]},
        }
    )
    return build_world(scenario)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("east-a1/server0", "east-a1/server0", "same-server"),
        ("east-a1/server0", "east-a1/server1", "same-rack"),  # servers 0 and 1 share rack 0
        ("east-a1/server1", "east-a1/server2", "same-datacenter"),  # server 2 opens rack 1
        ("east-a1/rack0", "east-a1/rack2", "same-datacenter"),
        ("east-a1", "east-a2", "cross-datacenter"),
        ("east-a1/server5", "east-a2/server0", "cross-datacenter"),
        ("east-a", "east-b", "cross-zone"),
        ("east-a1/rack1", "east-b1/server0", "cross-zone"),
        ("east", "west", "cross-region"),
        ("east-b1/server0", "west-a1/rack1", "cross-region"),
        # one place inside the other, or the same place twice: two servers of it, as far apart as it allows
        ("east-a1/rack0", "east-a1/server1", "same-rack"),  # rack 0 holds servers 0 and 1
        ("east-a1", "east-a1", "same-datacenter"),  # three racks
        ("east-a", "east-a1", "cross-datacenter"),  # east-a holds two datacenters
        ("east", "east", "cross-zone"),
        ("east-b", "east-b1", "same-server"),  # east-b: one datacenter of one rack of one server
        ("west", "west-a1/server3", "same-datacenter"),  # west: one zone, one datacenter, two racks
        ("west-a", "west-a", "same-datacenter"),
    ],
)
def test_class_of_each_pair(world: World, a: str, b: str, expected: str) -> None:
    """Each pair's class, worked out by hand from the world's layout; the order of the two places does not matter."""
    pa, pb = resolve_place(world, a), resolve_place(world, b)
    assert classify(world, pa, pb) == expected
    assert classify(world, pb, pa) == expected


def test_a_place_pins_its_own_levels(world: World) -> None:
    """A zone pins region and zone; a rack pins down to its datacenter and rack; a server pins every level."""
    zone = resolve_place(world, "east-b")
    assert (zone.level, zone.region, zone.zone, zone.datacenter, zone.rack, zone.server) == (
        "zone",
        0,
        1,
        None,
        None,
        None,
    )
    rack = resolve_place(world, "east-a1/rack1")
    assert (rack.datacenter, rack.rack, rack.server, rack.first_server) == (0, 1, None, 2)
    server = resolve_place(world, "west-a1/server3")
    assert (server.region, server.zone, server.datacenter, server.rack, server.server) == (1, 2, 3, 6, 12)


@pytest.mark.parametrize("name", ["nowhere", "east-a1/rack9", "east-a1/server6", "east/rack0", "east-a1/servers[0:2]"])
def test_bad_places_are_cloudtwin_errors(world: World, name: str) -> None:
    """Unknown names, racks or servers past the end, racks under a region and ranges are input errors (exit 2)."""
    with pytest.raises(CloudtwinError) as caught:
        resolve_place(world, name)
    assert caught.value.exit_code == 2 and len(caught.value.problems) == 1


def test_datacenter_pairs_classify_as_their_places(world: World) -> None:
    """The vectorised classes of every datacenter pair equal `classify` of the two datacenters as places."""
    pairs = list(itertools.product(range(world.n_datacenters), repeat=2))
    codes = datacenter_pair_classes(world, np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    for (i, j), code in zip(pairs, codes):
        a, b = (resolve_place(world, world.datacenter_names[k]) for k in (i, j))
        assert PAIR_CLASSES[code] == classify(world, a, b), (world.datacenter_names[i], world.datacenter_names[j])
