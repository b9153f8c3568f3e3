"""Rules across a scenario: one namespace for regions, zones and datacenters; every reference defined."""

from __future__ import annotations

import pytest

from cloudtwin.errors import ScenarioError
from cloudtwin.scenario import parse_scenario


def _problems(text: str, sets: list[str] | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml", overrides=sets or [])
    return info.value.problems


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_names_share_one_namespace(minimal_text: str) -> None:
    """A datacenter named like a zone is a duplicate, reported at the second one with the first's path."""
    text = _edit(minimal_text, "{name: west-b1,", "{name: west-a,")
    assert _problems(text) == [
        "s.yaml:18: world.regions[0].zones[1].datacenters[0].name: name `west-a` is already used by the zone at "
        "world.regions[0].zones[0].name (regions, zones and datacenters share one namespace)"
    ]


def test_shorthand_names_collide_too(minimal_text: str) -> None:
    """The shorthand's generated names (`west-b1`) collide with an explicit datacenter of that name."""
    text = _edit(minimal_text, "{name: west-a1,", "{name: west-b1,")
    text = _edit(
        text,
        "            - {name: west-b1, servers: 90, server_type: box, servers_per_rack: 30}",
        "            {count: 2, servers: 10, server_type: box}",
    )
    (line,) = _problems(text)
    assert line.startswith(
        "s.yaml:17: world.regions[0].zones[1].datacenters: name `west-b1` (made by the datacenters shorthand)"
    )


def test_duplicate_workload_names(minimal_text: str) -> None:
    """Two workloads with one name are a problem at the second's `name`."""
    text = minimal_text + "  - {name: tenants, instances: {small: 1}, arrivals: {per_hour: 1},"
    text += " lifetime: {distribution: exponential, mean_hours: 1}}\n"
    assert _problems(text) == ["s.yaml:25: workload[1].name: workload name `tenants` is already used by workload[0]"]


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            "server_type: box}",
            "server_type: bx}",
            "world.regions[0].zones[0].datacenters[0].server_type",
            "unknown server type `bx`; did you mean `box`?",
        ),
        (
            "{small: 0.75,",
            "{smal: 0.75,",
            "workload[0].instances.smal",
            "unknown instance type `smal`; did you mean `small`?",
        ),
        (
            "zones: [west-a, west-b]",
            "zones: [west-a, west-c]",
            "workload[0].zones[1]",
            "unknown zone `west-c`; did you mean `west-b`?",
        ),
        (
            "zones: [west-a, west-b]",
            "regions: {north: 1}",
            "workload[0].regions.north",
            "unknown region `north` (regions defined: west)",
        ),
    ],
)
def test_undefined_references(minimal_text: str, old: str, new: str, path: str, message: str) -> None:
    """A server type, instance type, zone or region that is not defined is named, with the nearest defined one."""
    (line,) = _problems(_edit(minimal_text, old, new))
    assert line.split(": ", 1)[1] == f"{path}: {message}"


def test_service_references(minimal_text: str) -> None:
    """A service's instance type and zones must be defined."""
    text = minimal_text + (
        "services:\n  - {name: web, instance_type: tiny, replicas: 3, zones: [west-a, nowhere],"
        " healthy_when: {at_least: 2}}\n"
    )
    lines = _problems(text)
    assert [line.split(": ")[1] for line in lines] == ["services[0].instance_type", "services[0].zones[1]"]


INJECT = "failures:\n  inject:\n    - {{fail: {target}, at_hours: 1, for_hours: 1}}\n"


@pytest.mark.parametrize(
    "target",
    [
        "west",
        "west-a",
        "west-b1",
        "west-a1/rack2",  # 100 servers / 40 per rack (world default) = 3 racks: 0, 1, 2
        "west-b1/rack2",  # 90 servers / 30 per rack (its own) = 3 racks
        "west-a1/server99",
        "'west-a1/servers[0:100]'",
        "'west-b1/servers[89:90]'",
    ],
)
def test_valid_injection_targets(minimal_text: str, target: str) -> None:
    """A region, zone, datacenter, rack K < ceil(servers/servers_per_rack), server I < servers, or [A:B] within it."""
    s = parse_scenario(minimal_text + INJECT.format(target=target))
    assert s.failures is not None and not isinstance(s.failures, str)
    assert s.failures.inject[0].fail == target.strip("'")


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("west-a1/rack3", "3 racks"),
        ("west-b1/rack3", "3 racks"),
        ("west-a1/server100", "100 servers"),
        ("'west-a1/servers[0:101]'", "0 <= A < B <= 100"),
        ("'west-a1/servers[5:5]'", "0 <= A < B <= 100"),
        ("west-z1/rack0", "unknown datacenter `west-z1`"),
        ("west-c", "names no region, zone or datacenter"),
    ],
)
def test_invalid_injection_targets(minimal_text: str, target: str, words: str) -> None:
    """A rack, server or range outside its datacenter, or a name that is nothing, is a problem at `fail`."""
    (line,) = _problems(minimal_text + INJECT.format(target=target))
    assert line.startswith("s.yaml:27: failures.inject[0].fail: ") and words in line


def test_injection_into_shorthand_datacenter(minimal_text: str) -> None:
    """Racks of a shorthand datacenter are counted from its drawn size: a rack past the end is refused."""
    text = _edit(
        minimal_text,
        "            - {name: west-b1, servers: 90, server_type: box, servers_per_rack: 30}",
        "            {count: 2, servers: [31, 60], server_type: box, servers_per_rack: 30}",
    )
    assert parse_scenario(text + INJECT.format(target="west-b2/rack1")) is not None  # >= 31 servers: 2 racks
    (line,) = _problems(text + INJECT.format(target="west-b2/rack2"))
    assert "2 racks" in line


def test_too_many_datacenters_in_a_zone(minimal_text: str) -> None:
    """A shorthand count above the per-zone limit is refused before anything is expanded."""
    text = _edit(
        minimal_text,
        "            - {name: west-b1, servers: 90, server_type: box, servers_per_rack: 30}",
        "            {count: 1000000000, servers: 1, server_type: box}",
    )
    (line,) = _problems(text)
    assert line.startswith("s.yaml:18: world.regions[0].zones[1].datacenters.count: at most 1,000 datacenters")


def test_checks_run_beside_type_errors(minimal_text: str) -> None:
    """A wrong type elsewhere does not hide an undefined reference: both are reported."""
    text = _edit(minimal_text, "seed: 3", "seed: three")
    text = _edit(text, "server_type: box}", "server_type: bx}")
    assert [line.split(": ")[1] for line in _problems(text)] == [
        "seed",
        "world.regions[0].zones[0].datacenters[0].server_type",
    ]
