"""Small worlds for the economics tests, as scenario text (no simulation unless a test runs one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cloudtwin.scenario import Scenario, parse_scenario

#: One region of one zone, 20 servers of 10 vCPUs at $3,600 and 100 W; one instance type of 1 vCPU at $0.02 an
#: hour; money costs nothing and only servers cost anything, so one server costs $3,600 / 36 = $100 a month.
SIMPLE = """
name: simple
server_types:
  box: {vcpus: 10, memory_gib: 64, price_usd: 3600, power_watts: 100}
instance_types:
  one: {vcpus: 1, memory_gib: 2, price_per_hour: 0.02}
world:
  regions:
    - name: r
      location: {lat: 0, lon: 0}
      utc_offset_hours: 0
      zones:
        - name: r-a
          datacenters: [{name: r-a1, servers: 20, server_type: box}]
workload:
  - name: tenants
    instances: {one: 1}
    arrivals: {per_hour: 50}
    lifetime: {distribution: exponential, mean_hours: 2}
economics:
  cost_of_money_per_year: 0
  network_usd_per_server: 0
  facility_usd_per_watt: 0
  power_usd_per_kwh: 0
  rent_or_build_years: 3
"""


@pytest.fixture
def simple() -> Callable[..., Scenario]:
    """SIMPLE with dotted-key changes (`{"workload[0].arrivals.growth_per_year": 1}`) applied."""

    def make(changes: dict[str, Any] | None = None) -> Scenario:
        return parse_scenario(SIMPLE, source="simple").with_(changes or {})

    return make


#: Two regions of one zone each, 50 servers of 10 vCPUs; a 1-vCPU type with a measured 1 Gbps NIC at $0.02 an
#: hour; the workload sends 10 % of its NIC's capacity, 1 % of that to the other region; a 2-replica service.
TWO_REGIONS = """
name: two-regions
seed: 3
horizon: {days: 0.25, sample_every_minutes: 30}
server_types:
  box: {vcpus: 10, memory_gib: 64}
instance_types:
  one: {vcpus: 1, memory_gib: 2, price_per_hour: 0.02, network_gbps: 1.0}
  big: {vcpus: 4, memory_gib: 8, price_per_hour: 0.25}
world:
  servers_per_rack: 10
  regions:
    - name: east
      location: {lat: 39.0, lon: -77.5}
      utc_offset_hours: -5
      zones: [{name: east-a, datacenters: [{name: east-a1, servers: 50, server_type: box}]}]
    - name: west
      location: {lat: 45.8, lon: -119.7}
      utc_offset_hours: -8
      zones: [{name: west-a, datacenters: [{name: west-a1, servers: 50, server_type: box}]}]
workload:
  - name: web
    instances: {one: 1}
    arrivals: {per_hour: 100}
    lifetime: {distribution: exponential, mean_hours: 2}
    zones: {east-a: 1, west-a: 1}
    traffic: {utilization: 0.10, cross_datacenter: 0, cross_zone: 0, cross_region: 0.01}
services:
  - name: db
    instance_type: big
    replicas: 2
    regions: [east, west]
    spread: regions
    healthy_when: {at_least: 1}
"""


@pytest.fixture
def two_regions() -> Scenario:
    """TWO_REGIONS, parsed."""
    return parse_scenario(TWO_REGIONS, source="two-regions")
