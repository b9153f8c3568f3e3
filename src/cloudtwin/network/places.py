"""Named places of the world and the class of a pair of them, for latency.

A place is any name `World.resolve_target` knows except a range of servers: a region, a zone, a datacenter,
`DC/rackK` or `DC/serverI`. It pins the levels of the world down to its own (a zone pins its region and itself,
a rack its region, zone, datacenter and itself); the finer levels are open: a zone as a place means "a server
somewhere in it".

The class of a pair is set by the first level, from the region down, where the two places differ:
another region → `cross-region`, another zone → `cross-zone`, another datacenter → `cross-datacenter`, another
rack → `same-datacenter`, another server → `same-rack`; the same server → `same-server`. Where one place stops
pinning before they differ (a zone and one of its datacenters, or a place and itself) the pair is two servers
of the smallest part both lie in, as far apart as that part allows: two servers of one datacenter are
`same-datacenter` when it has more than one rack. Where a part has a single child (a zone of one datacenter)
the pair descends into it.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from cloudtwin.errors import NetworkError
from cloudtwin.world.topology import Level, World

PairClass = Literal["same-server", "same-rack", "same-datacenter", "cross-datacenter", "cross-zone", "cross-region"]

#: The pair classes, nearest first; a class's code is its index here.
PAIR_CLASSES: tuple[PairClass, ...] = (
    "same-server",
    "same-rack",
    "same-datacenter",
    "cross-datacenter",
    "cross-zone",
    "cross-region",
)

_LEVELS: tuple[Level, ...] = ("region", "zone", "datacenter", "rack", "server")
#: The class of a pair whose first difference is at this level.
_DIFFER_AT: dict[Level, PairClass] = {
    "region": "cross-region",
    "zone": "cross-zone",
    "datacenter": "cross-datacenter",
    "rack": "same-datacenter",
    "server": "same-rack",
}


class Place(NamedTuple):
    """A named place: its level, the indices it pins (None below its level) and its first server.

    `first_server` (the lowest-numbered server in it) is the place's representative where one server must
    stand for it: its datacenter's server type decides the NIC at this end of a pair.
    """

    name: str
    level: Level
    region: int
    zone: int | None
    datacenter: int | None
    rack: int | None
    server: int | None
    first_server: int

    def pinned(self, level: Level) -> int | None:
        """The index this place pins at `level`, or None when it is open there."""
        return {
            "region": self.region,
            "zone": self.zone,
            "datacenter": self.datacenter,
            "rack": self.rack,
            "server": self.server,
        }[level]


def resolve_place(world: World, name: str) -> Place:
    """The place called `name` (REGION, ZONE, DC, DC/rackK or DC/serverI); a WorldError or NetworkError naming it."""
    target = world.resolve_target(name)
    if target.hi_server - target.lo_server != 1 and target.level == "server":
        raise NetworkError(f"{name!r}: a latency end is one server (DC/serverI), not a range of servers")
    first = target.lo_server
    depth = _LEVELS.index(target.level)
    zone = int(world.server_zone[first])
    return Place(
        name=name,
        level=target.level,
        region=int(world.zone_region[zone]),
        zone=zone if depth >= 1 else None,
        datacenter=int(world.server_datacenter[first]) if depth >= 2 else None,
        rack=int(world.server_rack[first]) if depth >= 3 else None,
        server=first if depth >= 4 else None,
        first_server=first,
    )


def classify(world: World, a: Place, b: Place) -> PairClass:
    """The class of the pair (a, b): the first level where they differ (see the module docstring)."""
    container: int | None = None  # the smallest part both lie in, at the previous level
    for i, level in enumerate(_LEVELS):
        x, y = a.pinned(level), b.pinned(level)
        if x is not None and y is not None:
            if x != y:
                return _DIFFER_AT[level]
            container = x
            continue
        pinned = x if x is not None else y
        assert container is not None  # every place pins its region, so the region level never gets here
        start = _child_start(world, _LEVELS[i - 1])
        if start[container + 1] - start[container] > 1:
            return _DIFFER_AT[level]
        # the part holds one child only: both places lie in it
        container = pinned if pinned is not None else int(start[container])
    return "same-server"


def datacenter_pair_classes(world: World, src_datacenter: np.ndarray, dst_datacenter: np.ndarray) -> np.ndarray:
    """Class codes (indices into PAIR_CLASSES, int8) of datacenter pairs, as `classify` gives for the two
    datacenters as places: two servers of one datacenter are `same-datacenter` unless it has a single rack."""
    src = np.asarray(src_datacenter, dtype=np.int64)
    dst = np.asarray(dst_datacenter, dtype=np.int64)
    src_zone, dst_zone = world.datacenter_zone[src], world.datacenter_zone[dst]
    codes = np.full(src.shape, PAIR_CLASSES.index("cross-datacenter"), dtype=np.int8)
    same = src == dst
    racks = np.diff(world.datacenter_rack_start)[src]
    one_rack_servers = np.diff(world.rack_server_start)[world.datacenter_rack_start[src]]
    codes[same] = PAIR_CLASSES.index("same-datacenter")
    codes[same & (racks == 1)] = PAIR_CLASSES.index("same-rack")
    codes[same & (racks == 1) & (one_rack_servers == 1)] = PAIR_CLASSES.index("same-server")
    codes[src_zone != dst_zone] = PAIR_CLASSES.index("cross-zone")
    codes[world.zone_region[src_zone] != world.zone_region[dst_zone]] = PAIR_CLASSES.index("cross-region")
    return codes


def _child_start(world: World, level: Level) -> np.ndarray:
    """Where each part of `level` starts in the next level's numbering (one entry more than its parts)."""
    return {
        "region": world.region_zone_start,
        "zone": world.zone_datacenter_start,
        "datacenter": world.datacenter_rack_start,
        "rack": world.rack_server_start,
    }[level]
