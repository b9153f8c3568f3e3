"""The world as arrays: regions → zones → datacenters → racks → servers, each level an index range.

Servers are contiguous by region → zone → datacenter → rack in scenario order,
so "every server of zone z" is the slice `[zone_server_start[z], zone_server_start[z+1])`
(DESIGN.md principle 1). Every `*_start` array has one entry more than its level
and ends with the count of the level below. Per-server arrays repeat the owning
rack/datacenter/zone so the engine's lookups are O(1). Arrays are read-only:
the world is what exists; mutable fleet state (free capacity, up/down) lives
in the engine, in arrays of its own.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Literal, NamedTuple

import numpy as np

from cloudtwin.errors import WorldError
from cloudtwin.units import MIB_PER_GIB

Level = Literal["region", "zone", "datacenter", "rack", "server"]

_RACK = re.compile(r"rack(\d+)")
_SERVER = re.compile(r"server(\d+)")
_SERVERS = re.compile(r"servers\[(\d+):(\d+)\]")


class Target(NamedTuple):
    """A named part of the world: its level and its half-open server range `[lo_server, hi_server)`."""

    level: Level
    lo_server: int
    hi_server: int


@dataclass(frozen=True, eq=False)
class World:
    """The physical world as a struct of arrays (see the module docstring for the layout)."""

    region_names: tuple[str, ...]
    zone_names: tuple[str, ...]
    datacenter_names: tuple[str, ...]
    server_type_names: tuple[str, ...]
    region_location_deg: np.ndarray  # (n_regions, 2) float64: lat, lon
    region_utc_offset_hours: np.ndarray  # float64
    region_zone_start: np.ndarray  # int64, n_regions + 1
    zone_region: np.ndarray  # int32
    zone_datacenter_start: np.ndarray  # int64, n_zones + 1
    datacenter_zone: np.ndarray  # int32
    datacenter_rack_start: np.ndarray  # int64, n_datacenters + 1
    rack_datacenter: np.ndarray  # int32
    rack_server_start: np.ndarray  # int64, n_racks + 1
    region_server_start: np.ndarray  # int64, n_regions + 1
    zone_server_start: np.ndarray  # int64, n_zones + 1
    datacenter_server_start: np.ndarray  # int64, n_datacenters + 1
    datacenter_server_type: np.ndarray  # int16
    datacenter_servers_per_rack: np.ndarray  # int32
    server_type_vcpus: np.ndarray  # int32, per server type
    server_type_memory_mib: np.ndarray  # int64, per server type
    server_vcpus: np.ndarray  # int32
    server_memory_mib: np.ndarray  # int64
    server_type: np.ndarray  # int16
    server_rack: np.ndarray  # int32
    server_datacenter: np.ndarray  # int32
    server_zone: np.ndarray  # int32

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    # ------------------------------------------------------------------ sizes

    @property
    def n_regions(self) -> int:
        return len(self.region_names)

    @property
    def n_zones(self) -> int:
        return len(self.zone_names)

    @property
    def n_datacenters(self) -> int:
        return len(self.datacenter_names)

    @property
    def n_racks(self) -> int:
        return len(self.rack_datacenter)

    @property
    def n_servers(self) -> int:
        return len(self.server_zone)

    @property
    def n_server_types(self) -> int:
        return len(self.server_type_names)

    @property
    def nbytes(self) -> int:
        """Bytes held by the world's arrays (names not counted)."""
        return sum(v.nbytes for f in fields(self) if isinstance(v := getattr(self, f.name), np.ndarray))

    # ------------------------------------------------------------------ capacity

    def vcpus_per(self, level: Literal["region", "zone", "datacenter"]) -> np.ndarray:
        """Total vCPUs of each region, zone or datacenter (int64)."""
        return self._per_datacenter_summed_to(level, self.server_type_vcpus)

    def memory_mib_per(self, level: Literal["region", "zone", "datacenter"]) -> np.ndarray:
        """Total memory (MiB) of each region, zone or datacenter (int64)."""
        return self._per_datacenter_summed_to(level, self.server_type_memory_mib)

    def servers_per(self, level: Literal["region", "zone", "datacenter"]) -> np.ndarray:
        """Server count of each region, zone or datacenter (int64)."""
        return np.diff(self._server_start(level))

    def racks_per(self, level: Literal["region", "zone", "datacenter"]) -> np.ndarray:
        """Rack count of each region, zone or datacenter (int64)."""
        starts = self.datacenter_rack_start
        if level == "datacenter":
            return np.diff(starts)
        zone_starts = starts[self.zone_datacenter_start]
        if level == "zone":
            return np.diff(zone_starts)
        return np.diff(zone_starts[self.region_zone_start])

    def totals(self) -> dict[str, int | float]:
        """Counts of every level and total vCPUs and memory (GiB) of the world."""
        return {
            "regions": self.n_regions,
            "zones": self.n_zones,
            "datacenters": self.n_datacenters,
            "racks": self.n_racks,
            "servers": self.n_servers,
            "vcpus": int(self.vcpus_per("region").sum()),
            "memory_gib": int(self.memory_mib_per("region").sum()) / MIB_PER_GIB,
        }

    def _server_start(self, level: str) -> np.ndarray:
        return {
            "region": self.region_server_start,
            "zone": self.zone_server_start,
            "datacenter": self.datacenter_server_start,
        }[level]

    def _per_datacenter_summed_to(self, level: str, per_type: np.ndarray) -> np.ndarray:
        per_dc = np.diff(self.datacenter_server_start) * per_type[self.datacenter_server_type].astype(np.int64)
        if level == "datacenter":
            return per_dc
        cum = np.concatenate(([0], np.cumsum(per_dc)))
        per_zone = np.diff(cum[self.zone_datacenter_start])
        if level == "zone":
            return per_zone
        cum = np.concatenate(([0], np.cumsum(per_zone)))
        return np.diff(cum[self.region_zone_start])

    # ------------------------------------------------------------------ names

    @cached_property
    def _index_of(self) -> dict[str, tuple[Level, int]]:
        table: dict[str, tuple[Level, int]] = {}
        for level, names in (
            ("region", self.region_names),
            ("zone", self.zone_names),
            ("datacenter", self.datacenter_names),
        ):
            for i, name in enumerate(names):
                table[name] = (level, i)  # type: ignore[assignment]
        return table

    def region_index(self, name: str) -> int:
        """Index of the region called `name`; WorldError if there is none."""
        return self._index(name, "region")

    def zone_index(self, name: str) -> int:
        """Index of the zone called `name`; WorldError if there is none."""
        return self._index(name, "zone")

    def datacenter_index(self, name: str) -> int:
        """Index of the datacenter called `name`; WorldError if there is none."""
        return self._index(name, "datacenter")

    def _index(self, name: str, level: Level) -> int:
        found = self._index_of.get(name)
        if found is not None and found[0] == level:
            return found[1]
        names = {"region": self.region_names, "zone": self.zone_names, "datacenter": self.datacenter_names}[level]
        raise WorldError(f"no {level} named {name!r}{_hint(name, names)}")

    def resolve_target(self, name: str) -> Target:
        """The server range of a named part of the world.

        Forms: `REGION`, `ZONE`, `DC`, `DC/rackK`, `DC/serverI`, `DC/servers[A:B]`;
        rack and server numbers are 0-based within the datacenter, `[A:B]` is half-open.
        """
        head, sep, tail = name.partition("/")
        found = self._index_of.get(head)
        if found is None:
            every = self.region_names + self.zone_names + self.datacenter_names
            raise WorldError(f"{name!r} names no region, zone or datacenter of the world{_hint(head, every)}")
        level, index = found
        if not sep:
            lo, hi = self._server_start(level)[index : index + 2]
            return Target(level, int(lo), int(hi))
        if level != "datacenter":
            raise WorldError(
                f"{name!r}: racks and servers are named under a datacenter ({head!r} is a {level}),"
                f" e.g. '{self.datacenter_names[0]}/rack0'"
            )
        return self._inside_datacenter(name, index, tail)

    def _inside_datacenter(self, name: str, dc: int, tail: str) -> Target:
        dc_lo, dc_hi = (int(v) for v in self.datacenter_server_start[dc : dc + 2])
        n_servers = dc_hi - dc_lo
        if m := _RACK.fullmatch(tail):
            rack_lo, rack_hi = (int(v) for v in self.datacenter_rack_start[dc : dc + 2])
            k = int(m.group(1))
            if k >= rack_hi - rack_lo:
                raise WorldError(f"{name!r}: datacenter has racks rack0..rack{rack_hi - rack_lo - 1} (got rack{k})")
            lo, hi = self.rack_server_start[rack_lo + k : rack_lo + k + 2]
            return Target("rack", int(lo), int(hi))
        if m := _SERVER.fullmatch(tail):
            i = int(m.group(1))
            if i >= n_servers:
                raise WorldError(f"{name!r}: datacenter has servers server0..server{n_servers - 1} (got server{i})")
            return Target("server", dc_lo + i, dc_lo + i + 1)
        if m := _SERVERS.fullmatch(tail):
            a, b = int(m.group(1)), int(m.group(2))
            if not a < b <= n_servers:
                raise WorldError(
                    f"{name!r}: need 0 <= A < B <= {n_servers} (the datacenter's servers) in servers[A:B] (got [{a}:{b}])"
                )
            return Target("server", dc_lo + a, dc_lo + b)
        raise WorldError(
            f"{name!r}: after the datacenter name write rackK, serverI or servers[A:B] (0-based; got {tail!r})"
        )


def _hint(name: str, candidates: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
