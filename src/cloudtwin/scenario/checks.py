"""Rules that relate one part of a scenario to another: unique names and references.

They run on the raw data beside pydantic's per-field validation, so a file
with a wrong type and an undefined server type gets both problems at once;
parts too malformed to read are skipped here (pydantic reports them).
Regions, zones and data centers share one namespace. A failure injection
names a region, zone or data center, a rack `DC/rackK`, a server `DC/serverI`
or servers `DC/servers[A:B]` (0-based, B excluded).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from cloudtwin.scenario.expand import group_names, group_sizes
from cloudtwin.scenario.limits import (
    MAX_DATACENTERS_IN_WORLD,
    MAX_DATACENTERS_PER_ZONE,
    MAX_SERVERS_PER_DATACENTER,
)
from cloudtwin.scenario.model import DatacenterGroup, PositiveInt, Scenario, World
from cloudtwin.scenario.problems import KeyPath, Problem, did_you_mean, format_path


def _field_adapter(cls: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """A validator for one field of a model alone, constraints included."""
    info = cls.model_fields[name]
    annotation: Any = (
        Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    )  # a built type form
    return TypeAdapter(annotation)


_POSITIVE_INT = TypeAdapter(PositiveInt)
_SERVERS = _field_adapter(DatacenterGroup, "servers")
_SEED = _field_adapter(Scenario, "seed")
_RACK = re.compile(r"(.+)/rack(\d+)")
_SERVER = re.compile(r"(.+)/server(\d+)")
_SERVER_RANGE = re.compile(r"(.+)/servers\[(\d+):(\d+)\]")


@dataclass
class _Catalog:
    """Every name of the world, what it is and where, and the size of each data center."""

    places: dict[str, tuple[str, KeyPath]] = field(default_factory=dict)
    regions: set[str] = field(default_factory=set)
    zones: set[str] = field(default_factory=set)
    servers: dict[str, int | None] = field(default_factory=dict)
    racks: dict[str, int | None] = field(default_factory=dict)
    datacenters: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add(self, name: Any, kind: str, path: KeyPath, note: str = "") -> bool:
        if not isinstance(name, str):
            return False
        if name in self.places:
            other_kind, other_path = self.places[name]
            self.problems.append(
                Problem(
                    path,
                    f"name `{name}`{note} is already used by the {other_kind} at {format_path(other_path)} "
                    "(regions, zones and datacenters share one namespace)",
                )
            )
            return False
        self.places[name] = (kind, path)
        return True


def cross_check(data: dict[str, Any]) -> list[Problem]:
    """Every problem of uniqueness and reference in the raw scenario `data`."""
    instance_types = _names(data.get("instance_types", {}))
    catalog = _catalog(data, _names(data.get("server_types")))
    problems = catalog.problems + _unique_names(data, "workload") + _unique_names(data, "services")
    for index, workload in _items(data.get("workload")):
        path = ("workload", index)
        for key, name in _named(workload.get("instances")):
            problems += _reference(name, instance_types, "instance type", path + ("instances", key))
        problems += _targets(workload, path, catalog)
    for index, service in _items(data.get("services")):
        path = ("services", index)
        problems += _reference(service.get("instance_type"), instance_types, "instance type", path + ("instance_type",))
        problems += _targets(service, path, catalog)
        traffic = service.get("traffic")
        for key, name in _named(traffic.get("clients") if isinstance(traffic, dict) else None):
            problems += _reference(name, catalog.regions, "region", path + ("traffic", "clients", key))
    problems += _fiber_problems(data, catalog)
    fibers = fiber_names(data, catalog.regions)
    failures = data.get("failures")
    for index, injection in _items(failures.get("inject") if isinstance(failures, dict) else None):
        target = injection.get("fail")
        if isinstance(target, str) and target.startswith(FIBER_PREFIX):
            message = _fiber_target_problem(target, fibers)
        else:
            message = _target_problem(target, catalog) if isinstance(target, str) else None
        if message:
            problems.append(Problem(("failures", "inject", index, "fail"), message, target))
    return problems


#: A fiber path's name in `failures.inject`: `fiber:REGION--REGION` (either order).
FIBER_PREFIX = "fiber:"


def fiber_name(region_a: str, region_b: str) -> str:
    """The name of the fiber path between two regions, as `failures.inject` and the `links` table write it."""
    return f"{FIBER_PREFIX}{region_a}--{region_b}"


def fiber_names(data: dict[str, Any], regions: set[str] | list[str]) -> list[str]:
    """The fiber paths' names: those of `network.links.fiber`, or one per pair of regions when it is empty."""
    network = data.get("network")
    links = network.get("links") if isinstance(network, dict) else None
    listed = links.get("fiber") if isinstance(links, dict) else None
    if listed:
        return [
            fiber_name(*path["between"])
            for _, path in _items(listed)
            if isinstance(path.get("between"), list) and len(path["between"]) == 2
        ]
    ordered = [r for r in _region_order(data) if r in regions]
    return [fiber_name(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]]


def _region_order(data: dict[str, Any]) -> list[str]:
    world = data.get("world")
    regions = world.get("regions") if isinstance(world, dict) else None
    return [r["name"] for _, r in _items(regions) if isinstance(r.get("name"), str)]


def _fiber_problems(data: dict[str, Any], catalog: _Catalog) -> list[Problem]:
    """Each fiber path joins two different known regions, and no pair twice."""
    network = data.get("network")
    links = network.get("links") if isinstance(network, dict) else None
    problems: list[Problem] = []
    seen: dict[frozenset[str], int] = {}
    for index, path in _items(links.get("fiber") if isinstance(links, dict) else None):
        key: KeyPath = ("network", "links", "fiber", index, "between")
        between = path.get("between")
        if not isinstance(between, list) or len(between) != 2:
            continue  # pydantic reports the shape
        for name in between:
            problems += _reference(name, catalog.regions, "region", key)
        if between[0] == between[1]:
            problems.append(Problem(key, f"a fiber path joins two different regions (got `{between[0]}` twice)"))
        pair = frozenset(str(n) for n in between)
        if pair in seen:
            problems.append(
                Problem(key, f"the path {between[0]}--{between[1]} is already network.links.fiber[{seen[pair]}]")
            )
        seen.setdefault(pair, index)
    return problems


def _fiber_target_problem(target: str, fibers: list[str]) -> str | None:
    """Why `fiber:A--B` names no fiber path (either order is accepted), or None."""
    a, _, b = target.removeprefix(FIBER_PREFIX).partition("--")
    if target in fibers or fiber_name(b, a) in fibers:
        return None
    return f"`{target}` names no fiber path" + did_you_mean(target, fibers, "fiber paths")


def _unique_names(data: dict[str, Any], section: str) -> list[Problem]:
    """A problem for each item of the list `section` whose name an earlier item already has."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, item in _items(data.get(section)):
        name = item.get("name")
        if not isinstance(name, str):
            continue
        if name in seen:
            what = section.removesuffix("s")
            message = f"{what} name `{name}` is already used by {section}[{seen[name]}]"
            problems.append(Problem((section, index, "name"), message))
        else:
            seen[name] = index
    return problems


def _catalog(data: dict[str, Any], server_types: set[str] | None) -> _Catalog:
    """Names and sizes of every region, zone and data center; problems of uniqueness and server types."""
    catalog = _Catalog()
    world = data.get("world")
    world = world if isinstance(world, dict) else {}
    default_per_rack = _positive(world.get("servers_per_rack", World.model_fields["servers_per_rack"].default))
    seed = _valid(_SEED, data.get("seed", 0))
    for ri, region in _items(world.get("regions")):
        region_path = ("world", "regions", ri)
        if catalog.add(region.get("name"), "region", region_path + ("name",)):
            catalog.regions.add(region["name"])
        for zi, zone in _items(region.get("zones")):
            zone_path = region_path + ("zones", zi)
            zone_name = zone.get("name")
            if isinstance(zone_name, str) and catalog.add(zone_name, "zone", zone_path + ("name",)):
                catalog.zones.add(zone_name)
            group = zone.get("datacenters")
            if isinstance(group, dict):
                _add_group(
                    catalog, group, zone_name, zone_path + ("datacenters",), seed, default_per_rack, server_types
                )
            for di, dc in _items(group):
                dc_path = zone_path + ("datacenters", di)
                server_type = dc.get("server_type")
                catalog.problems += _reference(server_type, server_types, "server type", dc_path + ("server_type",))
                servers = _positive(dc.get("servers"))
                catalog.problems += _too_many(servers, dc_path + ("servers",))
                if catalog.add(dc.get("name"), "datacenter", dc_path + ("name",)):
                    _size(catalog, dc["name"], servers, _positive(dc.get("servers_per_rack")) or default_per_rack)
    return catalog


def _add_group(
    catalog: _Catalog,
    group: dict[str, Any],
    zone_name: Any,
    path: KeyPath,
    seed: int | None,
    default_per_rack: int | None,
    server_types: set[str] | None,
) -> None:
    """The data centers made by the `{count, servers, server_type}` shorthand of one zone."""
    catalog.problems += _reference(group.get("server_type"), server_types, "server type", path + ("server_type",))
    count = _positive(group.get("count"))
    servers = _valid(_SERVERS, group.get("servers"))
    high = servers if isinstance(servers, int) else (servers[1] if servers else None)
    catalog.problems += _too_many(high, path + ("servers",))
    if count is not None and count > MAX_DATACENTERS_PER_ZONE:
        catalog.problems.append(
            Problem(
                path + ("count",), f"at most {MAX_DATACENTERS_PER_ZONE:,} datacenters per zone are supported", count
            )
        )
        return
    if count is not None and catalog.datacenters + count > MAX_DATACENTERS_IN_WORLD:
        catalog.problems.append(
            Problem(
                path + ("count",), f"the world would hold more than {MAX_DATACENTERS_IN_WORLD:,} datacenters", count
            )
        )
        return
    if count is None or not isinstance(zone_name, str):
        return
    sizes: list[int | None] = [None] * count
    drawable = servers is not None and (isinstance(servers, int) or servers[0] <= servers[1]) and seed is not None
    if drawable and high is not None and high <= MAX_SERVERS_PER_DATACENTER:
        sizes = list(group_sizes(seed, zone_name, count, servers))  # type: ignore[arg-type]
    per_rack = _positive(group.get("servers_per_rack")) or default_per_rack
    for name, size in zip(group_names(zone_name, count), sizes):
        if catalog.add(name, "datacenter", path, note=" (made by the datacenters shorthand)"):
            _size(catalog, name, size, per_rack)


def _size(catalog: _Catalog, name: str, servers: int | None, per_rack: int | None) -> None:
    catalog.datacenters += 1
    catalog.servers[name] = servers
    catalog.racks[name] = -(-servers // per_rack) if servers is not None and per_rack else None


def _too_many(servers: int | None, path: KeyPath) -> list[Problem]:
    if servers is not None and servers > MAX_SERVERS_PER_DATACENTER:
        limit = f"more servers than cloudtwin can count in one datacenter (at most {MAX_SERVERS_PER_DATACENTER:,})"
        return [Problem(path, limit, servers)]
    return []


def _targets(item: dict[str, Any], path: KeyPath, catalog: _Catalog) -> list[Problem]:
    """Problems with the zones or regions a workload or service names (a list, or a mapping of weights)."""
    problems = []
    for key, known, what in (("zones", catalog.zones, "zone"), ("regions", catalog.regions, "region")):
        for index, name in _named(item.get(key)):
            problems += _reference(name, known, what, path + (key, index))
    return problems


def _named(value: Any) -> list[tuple[Any, Any]]:
    """(key in the path, name) for each name of a list (by index) or of a mapping's keys."""
    if isinstance(value, list):
        return list(enumerate(value))
    if isinstance(value, dict):
        return [(name, name) for name in value]
    return []


def _reference(name: Any, known: set[str] | None, what: str, path: KeyPath) -> list[Problem]:
    """A problem when `name` (a string) is not among `known` (None: the definitions are malformed, skip)."""
    if known is None or not isinstance(name, str) or name in known:
        return []
    return [Problem(path, f"unknown {what} `{name}`" + did_you_mean(name, known, f"{what}s defined"))]


def _target_problem(target: str, catalog: _Catalog) -> str | None:
    """Why a failure injection's `fail` names nothing in the world, or None if it does."""
    if target in catalog.places:
        return None
    for pattern, unit in ((_SERVER_RANGE, "servers"), (_RACK, "racks"), (_SERVER, "servers")):
        match = pattern.fullmatch(target)
        if not match:
            continue
        dc = match.group(1)
        if dc not in catalog.servers:
            return f"unknown datacenter `{dc}`" + did_you_mean(dc, catalog.servers, "datacenters")
        size = catalog.racks[dc] if unit == "racks" else catalog.servers[dc]
        numbers = [int(g) for g in match.groups()[1:]]
        if size is None:
            return None
        if pattern is _SERVER_RANGE:
            low, high = numbers
            if not low < high <= size:
                return f"server range [{low}:{high}] must satisfy 0 <= A < B <= {size} (`{dc}` has {size:,} servers)"
        elif numbers[0] >= size:
            return f"`{dc}` has {size:,} {unit} (numbered from 0), so {numbers[0]} does not exist"
        return None
    hint = did_you_mean(target, catalog.places, "names")
    return (
        f"`{target}` names no region, zone or datacenter{hint if hint.startswith(';') else ''} "
        "(a rack is `DC/rackK`, a server `DC/serverI`, a server range `DC/servers[A:B]`)"
    )


def _items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, mapping) for each mapping of a list; nothing when `value` is not a list."""
    if isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, dict))


def _names(value: Any) -> set[str] | None:
    return {k for k in value if isinstance(k, str)} if isinstance(value, dict) else None


def _valid(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _positive(value: Any) -> int | None:
    return _valid(_POSITIVE_INT, value)
