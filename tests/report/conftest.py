"""A results database holding one finished run with failures and services, shared by the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import cloudtwin

#: Three zones of two datacenters, a 3-hour datacenter outage at hour 12, server failures, a 6-replica service
#: spread over the zones: a run whose report has every section.
SCENARIO = """
name: report-lab
description: Three zones, a datacenter outage in east-a, and a service spread over the zones.
seed: 7
horizon: {days: 1, sample_every_minutes: 30}
server_types:
  std: {vcpus: 32, memory_gib: 244}
instance_types:
  m3.large:   {vcpus: 2,  memory_gib: 7.5,  price_per_hour: 0.140}
  c3.2xlarge: {vcpus: 8,  memory_gib: 15,   price_per_hour: 0.420}
world:
  regions:
    - name: east
      location: {lat: 39.04, lon: -77.49}
      zones:
        - name: east-a
          datacenters: {count: 2, servers: 120, server_type: std}
        - name: east-b
          datacenters: {count: 2, servers: 120, server_type: std}
        - name: east-c
          datacenters: {count: 2, servers: 120, server_type: std}
    - name: west
      location: {lat: 45.84, lon: -119.70}
      zones:
        - name: west-a
          datacenters: {count: 1, servers: 150, server_type: std}
        - name: west-b
          datacenters: {count: 1, servers: 150, server_type: std}
workload:
  - name: tenants
    instances: {m3.large: 0.7, c3.2xlarge: 0.3}
    arrivals: {per_hour: 900, diurnal: {amplitude: 0.3}}
    lifetime: {distribution: lognormal, median_hours: 2.0, sigma: 1.5}
placement: {policy: best-fit}
services:
  - name: web
    instance_type: m3.large
    replicas: 6
    spread: zones
    zones: [east-a, east-b, east-c]
    healthy_when: {at_least: 4}
failures:
  server: {mttf_days: 300, repair_hours: 12}
  inject:
    - {fail: east-a1, at_hours: 12, for_hours: 3}
"""


@pytest.fixture(scope="session")
def report_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results file with run 1: the scenario above, finished ('ok')."""
    folder = tmp_path_factory.mktemp("report")
    (folder / "lab.yaml").write_text(SCENARIO, encoding="utf-8")
    db = folder / "runs.duckdb"
    cloudtwin.run(cloudtwin.load(folder / "lab.yaml"), db=db)
    return db
