"""The `small` preset: a one-region miniature of aws-2014 that loads and fills 70 % of its vCPUs."""

from __future__ import annotations

import pytest

from cloudtwin.scenario import load_preset
from cloudtwin.scenario.model import (
    Datacenter,
    ExponentialLifetime,
    PoissonArrivals,
    Scenario,
)


@pytest.fixture(scope="module")
def small() -> Scenario:
    return load_preset("small")


def _zone_servers(scenario: Scenario) -> dict[str, int]:
    out: dict[str, int] = {}
    for region in scenario.world.regions:
        for zone in region.zones:
            assert isinstance(zone.datacenters, list) and all(isinstance(d, Datacenter) for d in zone.datacenters)
            out[zone.name] = sum(dc.servers for dc in zone.datacenters)
    return out


def test_small_is_one_region_of_a_few_hundred_servers(small: Scenario) -> None:
    """`small` loads, has one region of at least two zones, and a few hundred servers (quick to run)."""
    assert small.name == "small"
    assert len(small.world.regions) == 1
    assert len(small.world.regions[0].zones) >= 2
    assert 100 <= sum(_zone_servers(small).values()) <= 1000
    assert small.horizon.days == 1


def test_small_uses_aws_2014_hardware_and_prices(small: Scenario) -> None:
    """Its server type and instance types are aws-2014's, number for number (one source for both presets)."""
    full = load_preset("aws-2014")
    for name, server in small.server_types.items():
        assert server.vcpus == full.server_types[name].vcpus
        assert server.memory_gib == full.server_types[name].memory_gib
    for name, itype in small.instance_types.items():
        ref = full.instance_types[name]
        assert (itype.vcpus, itype.memory_gib, itype.price_per_hour) == (ref.vcpus, ref.memory_gib, ref.price_per_hour)


def test_small_arrival_rate_fills_seventy_percent_of_vcpus(small: Scenario) -> None:
    """Little's law with exponential lifetimes: lambda x mean x E[vCPU per VM] = 70 % of the world's vCPUs."""
    zone_servers = _zone_servers(small)
    (server,) = {dc.server_type for r in small.world.regions for z in r.zones for dc in z.datacenters}  # type: ignore[union-attr]
    vcpus = small.server_types[server].vcpus * sum(zone_servers.values())
    allocated = 0.0
    for workload in small.workload:
        assert isinstance(workload.arrivals, PoissonArrivals) and workload.arrivals.diurnal is None
        assert isinstance(workload.lifetime, ExponentialLifetime)
        mix = workload.instances or {}
        mean_vcpus = sum(s * small.instance_types[n].vcpus for n, s in mix.items()) / sum(mix.values())
        allocated += workload.arrivals.per_hour * workload.lifetime.mean_hours * mean_vcpus
    assert allocated / vcpus == pytest.approx(0.70, abs=0.005)


def test_small_weights_each_zone_by_its_servers(small: Scenario) -> None:
    """Every zone gets arrivals in proportion to its servers, so each targets the same allocation."""
    zone_servers = _zone_servers(small)
    for workload in small.workload:
        assert workload.zones == {zone: float(n) for zone, n in zone_servers.items()}
