"""Worlds too large for memory are refused up front from a closed-form estimate, never by trying."""

from __future__ import annotations

import time

import pytest

from cloudtwin.errors import ScenarioError
from cloudtwin.runner.preflight import check_memory, memory_problems
from cloudtwin.scenario import parse_scenario
from cloudtwin.scenario.problems import format_path

# MINIMAL (conftest): 100 + 90 servers of 16 vCPUs; 20 arrivals/h with exponential lifetimes of mean 2 h.
# The estimate's size is held to measured peak memory in tests/runner/test_estimate_memory.py; here, what is refused.


def test_astronomical_world_refused_at_once(minimal_text: str) -> None:
    """10**12 servers via --set: refused by the preflight in well under a second, at the --set, with the estimate."""
    expr = "world.regions[0].zones[0].datacenters[0].servers=1000000000000"
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        check_memory(parse_scenario(minimal_text, overrides=[expr]))
    assert time.perf_counter() - start < 1.0
    (line,) = info.value.problems
    assert line.startswith(
        f"--set {expr}: world.regions[0].zones[0].datacenters[0].servers: the world needs an estimated"
    )
    assert "GB available" in line


def test_refusal_names_the_dominant_datacenter_or_world(minimal_text: str) -> None:
    """The problem is at the datacenter holding at least half the servers (100 of 190), else at `world`."""
    (problem,) = memory_problems(parse_scenario(minimal_text), physical_bytes=1000)
    assert format_path(problem.path) == "world.regions[0].zones[0].datacenters[0].servers"
    spread = "world.regions[0].zones[1].datacenters=[{name: b1, servers: 90, server_type: box}, {name: b2, servers: 90, server_type: box}]"
    (problem,) = memory_problems(parse_scenario(minimal_text, overrides=[spread]), physical_bytes=1000)
    assert format_path(problem.path) == "world"
    assert memory_problems(parse_scenario(minimal_text), physical_bytes=10**12) == []


def test_loading_does_not_check_memory(minimal_text: str) -> None:
    """Loading reads any world; refusing one too large for this machine is the run's preflight."""
    big = ["world.regions[0].zones[0].datacenters[0].servers=1000000000000"]
    s = parse_scenario(minimal_text, overrides=big)
    assert s.world.regions[0].zones[0].datacenters[0].servers == 10**12  # type: ignore[index]
    with pytest.raises(
        ScenarioError, match=r"^--set world.*: world.regions\[0\].zones\[0\].datacenters\[0\].servers: the world needs"
    ):
        check_memory(s, physical_bytes=1000)
