"""Worlds too large for memory are refused up front from a closed-form estimate, never by trying."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from cloudtwin.errors import ScenarioError
from cloudtwin.runner.preflight import (
    check_memory,
    estimate_memory_bytes,
    memory_problems,
)
from cloudtwin.scenario import parse_scenario
from cloudtwin.scenario.problems import format_path

# MINIMAL (conftest): 100 + 90 servers of 16 vCPUs; 20 arrivals/h with exponential lifetimes of mean 2 h.
SERVERS, VCPUS = 190, 190 * 16


def _expected(vms: float) -> int:
    """96 B per server + 64 B per resident VM, VMs capped at one per vCPU."""
    return 96 * SERVERS + 64 * min(math.ceil(vms), VCPUS)


def test_littles_law_exponential(minimal_text: str) -> None:
    """Exponential lifetimes: resident VMs = lambda * E[L] * 1.5 = 20 * 2 * 1.5 = 60."""
    assert estimate_memory_bytes(parse_scenario(minimal_text)) == _expected(20 * 2.0 * 1.5)


def test_littles_law_lognormal(minimal_text: str) -> None:
    """Lognormal lifetimes use the mean median * exp(sigma^2 / 2): 20 * 2 * e^0.5 * 1.5 = 98.9 -> 99 VMs."""
    s = parse_scenario(
        minimal_text, overrides=["workload[0].lifetime={distribution: lognormal, median_hours: 2, sigma: 1}"]
    )
    assert estimate_memory_bytes(s) == _expected(20 * 2 * math.exp(0.5) * 1.5)


def test_peak_rate_includes_diurnal_swing(minimal_text: str) -> None:
    """A diurnal amplitude of 0.5 raises the peak rate to 30/h: 30 * 2 * 1.5 = 90 VMs."""
    s = parse_scenario(minimal_text, overrides=["workload[0].arrivals.diurnal={amplitude: 0.5}"])
    assert estimate_memory_bytes(s) == _expected(30 * 2 * 1.5)


def test_resident_vms_capped_at_one_per_vcpu(minimal_text: str) -> None:
    """A million arrivals an hour cannot keep more VMs than the world's 3,040 vCPUs."""
    s = parse_scenario(minimal_text, overrides=["workload[0].arrivals.per_hour=1000000"])
    assert estimate_memory_bytes(s) == _expected(VCPUS)


def test_empirical_uses_the_tables_mean_and_traces_the_vcpu_bound(minimal_text: str, tmp_path: Path) -> None:
    """Empirical lifetimes: Little's law with the shipped table's mean (20/h x E[L] x 1.5); traces: one VM per vCPU."""
    from cloudtwin.scenario.model import EmpiricalLifetime
    from cloudtwin.workload.lifetimes import mean_lifetime_s

    s = parse_scenario(minimal_text, overrides=["workload[0].lifetime={distribution: empirical}"])
    mean_hours = mean_lifetime_s(EmpiricalLifetime(distribution="empirical")) / 3600.0
    assert estimate_memory_bytes(s) == _expected(min(VCPUS, 20 * mean_hours * 1.5))
    (tmp_path / "t.csv").write_text("")
    s = parse_scenario(
        minimal_text, base_dir=tmp_path, overrides=["workload[0].arrivals={trace: t.csv, format: azure-v1-slices}"]
    )
    assert estimate_memory_bytes(s) == _expected(VCPUS)


def test_astronomical_world_refused_at_once(minimal_text: str) -> None:
    """10**12 servers via --set: refused by the preflight in well under a second, at the --set, with the estimate."""
    expr = "world.regions[0].zones[0].datacenters[0].servers=1000000000000"
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        check_memory(parse_scenario(minimal_text, overrides=[expr]))
    assert time.perf_counter() - start < 1.0
    (line,) = info.value.problems
    gb = (96 * (10**12 + 90) + 64 * 60) / 1e9
    assert line.startswith(
        f"--set {expr}: world.regions[0].zones[0].datacenters[0].servers: the world needs an estimated"
    )
    assert f"{gb:,.1f} GB" in line and "GB available" in line


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
