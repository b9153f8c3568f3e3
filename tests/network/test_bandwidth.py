"""Traffic over the links: the demand model against hand-worked figures, conservation at every link and tick,
fiber cuts that reroute or strand traffic, and the run's `network` summary and `links` table."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pytest

import cloudtwin
from cli_runner import run_cli
from cloudtwin.errors import ScenarioError
from cloudtwin.network.stage import NetworkStage
from cloudtwin.world import build_world

#: Three regions in a triangle (explicit fiber), one region of two zones; every instance type "moderate"
#: (0.5 Gbps, docs/network.md) on 2 vCPUs: 0.25 Gbps per vCPU at full use.
SCENARIO = """
name: triangle
seed: 3
horizon: {days: 0.25, sample_every_minutes: 60}
server_types:
  std: {vcpus: 32, memory_gib: 256}
instance_types:
  m3.large: {vcpus: 2, memory_gib: 7.5, price_per_hour: 0.14, network: moderate}
world:
  regions:
    - name: east
      location: {lat: 39.04, lon: -77.49}
      zones:
        - name: east-a
          datacenters: [{name: east-a1, servers: 50, server_type: std}]
        - name: east-b
          datacenters: [{name: east-b1, servers: 50, server_type: std}]
    - name: west
      location: {lat: 45.84, lon: -119.70}
      zones:
        - name: west-a
          datacenters: [{name: west-a1, servers: 50, server_type: std}]
    - name: eu
      location: {lat: 53.35, lon: -6.26}
      zones:
        - name: eu-a
          datacenters: [{name: eu-a1, servers: 50, server_type: std}]
workload:
  - name: tenants
    instances: {m3.large: 1}
    arrivals: {per_hour: 600}
    lifetime: {distribution: exponential, mean_hours: 2}
network:
  traffic: {utilization: 0.2, cross_datacenter: 0.0, cross_zone: 0.3, cross_region: 0.1}
  links:
    zone_pair_tbps: 10
    fiber_tbps: 10
    fiber:
      - {between: [east, west]}
      - {between: [west, eu]}
      - {between: [east, eu]}
"""


def _scenario(extra: dict | None = None) -> cloudtwin.Scenario:
    from cloudtwin.scenario import parse_scenario

    sc = parse_scenario(SCENARIO, source="triangle")
    return sc.with_(extra) if extra else sc


def _stage(sc: cloudtwin.Scenario, horizon_s: float = 86400.0) -> NetworkStage:
    return NetworkStage(build_world(sc), sc, np.random.SeedSequence(0), horizon_s)


def test_demand_is_vcpus_times_gbps_per_vcpu_times_shares() -> None:
    """east-a1 holds 1,000 vCPUs: it sends 1,000 × 0.25 × 0.2 = 50 Gbps, 30 % (15 Gbps) to the other zone of its
    region and 10 % (5 Gbps) to other regions, split by the destinations' vCPUs (west 1,000 : eu 3,000)."""
    stage = _stage(_scenario())
    vcpus = np.array([1000.0, 2000.0, 1000.0, 3000.0])  # east-a1, east-b1, west-a1, eu-a1
    demand = stage.demand_gbps(vcpus)
    links = stage.links
    by_pair = {(int(s), int(d)): g for s, d, g in zip(links.flow_src, links.flow_dst, demand, strict=True)}
    assert by_pair[(0, 1)] == pytest.approx(15.0)
    assert by_pair[(0, 2)] == pytest.approx(5.0 * 1000 / 4000)
    assert by_pair[(0, 3)] == pytest.approx(5.0 * 3000 / 4000)
    # west's 5 Gbps abroad goes to east (3,000 vCPUs) and eu (3,000); its 30 % for another zone has none to go to
    assert by_pair[(2, 0)] + by_pair[(2, 1)] == pytest.approx(5.0 * 3000 / 6000)
    assert by_pair[(2, 3)] == pytest.approx(2.5)


def test_every_link_and_tick_conserves_traffic() -> None:
    """With links far too small (1 Gbps between zones and on every fiber): offered = carried + throttled on each
    link, no link carries more than its capacity, and over all flows offered = carried + throttled + lost."""
    sc = _scenario({"network.links.zone_pair_tbps": 0.001, "network.links.fiber_tbps": 0.001})
    stage = _stage(sc)
    rng = np.random.default_rng(1)
    for t in range(6):
        vcpus = rng.uniform(0, 1600, 4)
        tick = stage.solve(t * 3600.0, vcpus)
        routed = np.where(tick["reachable"], tick["demand_gbps"], 0.0)
        throttled = routed - tick["rate_gbps"]
        assert (throttled >= -1e-9).all()
        assert (tick["carried_gbps"] <= tick["capacity_gbps"] * (1 + 1e-9)).all()
        per_link_throttled = stage.links.routed(np.ones(3, bool))[0].T @ throttled
        assert tick["offered_gbps"] == pytest.approx(tick["carried_gbps"] + per_link_throttled)
        lost = tick["demand_gbps"][~tick["reachable"]].sum()
        assert tick["demand_gbps"].sum() == pytest.approx(tick["rate_gbps"].sum() + throttled.sum() + lost)
        assert throttled.sum() > 0  # the links bind


def test_a_cut_reroutes_over_the_other_paths_and_a_cut_off_region_loses_its_traffic() -> None:
    """Cut east--eu: east↔eu traffic takes east--west--eu, whose one-way delay is the sum of the two paths'.
    Cut west--eu as well: eu is cut off, and what it sends or receives across regions is lost."""
    sc = _scenario(
        {
            "failures": {
                "inject": [
                    {"fail": "fiber:east--eu", "at_hours": 1, "for_hours": 4},
                    {"fail": "fiber:eu--west", "at_hours": 3, "for_hours": 2},
                ]
            }
        }
    )
    stage = _stage(sc)
    links, vcpus = stage.links, np.array([1000.0, 1000.0, 1000.0, 1000.0])
    fiber = {name: links.fiber_start + k for k, name in enumerate(links.fiber.names)}
    whole = stage.solve(0.5 * 3600, vcpus)
    one_cut = stage.solve(2 * 3600, vcpus)
    assert whole["carried_gbps"][fiber["fiber:east--eu"]] > 0
    assert one_cut["carried_gbps"][fiber["fiber:east--eu"]] == 0 == one_cut["capacity_gbps"][fiber["fiber:east--eu"]]
    assert one_cut["carried_gbps"][fiber["fiber:east--west"]] > whole["carried_gbps"][fiber["fiber:east--west"]]
    assert one_cut["reachable"].all()
    up = stage.cuts.up_at(2 * 3600)
    delay = links.routed(up)[2]
    one_way = dict(zip(links.fiber.names, links.fiber.one_way_ms, strict=True))
    assert delay[0, 2] == pytest.approx(one_way["fiber:east--west"] + one_way["fiber:west--eu"])
    stranded = stage.solve(4 * 3600, vcpus)
    eu = 3
    lost = ~stranded["reachable"]
    assert set(np.flatnonzero(lost)) == set(np.flatnonzero((links.flow_src == eu) | (links.flow_dst == eu)))
    # eu sends 1,000 × 0.25 × 0.2 × 0.1 = 5 Gbps abroad; it receives half of east-a1's and east-b1's 5 Gbps abroad
    # (west and eu hold 1,000 vCPUs each) and a third of west-a1's (east 2,000 : eu 1,000)
    assert stranded["demand_gbps"][lost].sum() == pytest.approx(5.0 + 2.5 + 2.5 + 5.0 / 3)


def test_run_reports_network_and_stores_every_link_at_every_tick(tmp_path, capsys) -> None:
    """`run --json` has the `network` object of the contract; `links` has a row per link and tick."""
    path = tmp_path / "triangle.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    db = tmp_path / "r.duckdb"
    code, out, err = run_cli(capsys, "run", str(path), "--db", str(db), "--json")
    assert code == 0, err
    network = json.loads(out)["network"]
    assert {
        "peak_inter_zone_tbps",
        "peak_datacenter_ingress_tbps",
        "max_link_utilization",
        "throttled_fraction",
        "lost_gb",
    } <= set(network)
    assert set(network["peak_inter_zone_tbps"]) == {"east", "west", "eu"}
    assert network["peak_inter_zone_tbps"]["west"] == 0.0  # one zone: nothing crosses zones
    assert network["peak_inter_zone_tbps"]["east"] > 0 and network["lost_gb"] == 0.0
    con = duckdb.connect(str(db), read_only=True)
    ticks, links, rows = con.execute(
        "SELECT count(DISTINCT time_s), count(DISTINCT link), count(*) FROM links"
    ).fetchone()
    assert (ticks, links) == (6, 4 * 2 + 1 + 3) and rows == ticks * links
    peak = con.execute("SELECT max(carried_gbps) FROM links WHERE link = 'east-a<->east-b'").fetchone()[0]
    assert peak / 1000 == pytest.approx(network["peak_inter_zone_tbps"]["east"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"network.links.fiber": [{"between": ["east", "moon"]}]}, "unknown region `moon`"),
        ({"network.links.fiber": [{"between": ["east", "east"]}]}, "two different regions"),
        (
            {"failures": {"inject": [{"fail": "fiber:east--mars", "at_hours": 1, "for_hours": 1}]}},
            "names no fiber path",
        ),
        ({"network.traffic": {"cross_zone": 0.7, "cross_region": 0.5}}, "must not exceed 1"),
    ],
)
def test_bad_network_settings_are_named(change: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        _scenario(change)


def test_latency_between_regions_follows_the_fiber_paths() -> None:
    """Without an east--eu path, east↔eu latency takes east--west--eu: the latency model's propagation is twice
    the sum of the two paths' one-way delays (great circle × 1.5 / 200 km/ms, computed here by the spherical law
    of cosines), and the basis names the chain."""
    import math

    from cloudtwin.network.latency import pair_latency
    from cloudtwin.network.places import resolve_place

    sc = _scenario({"network.links.fiber": [{"between": ["east", "west"]}, {"between": ["west", "eu"]}]})
    world = build_world(sc)

    def one_way_ms(a: tuple[float, float], b: tuple[float, float]) -> float:
        lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
        central = math.acos(math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lon2 - lon1))
        return 6371.0088 * central * 1.5 / 200.0

    east, west, eu = (39.04, -77.49), (45.84, -119.70), (53.35, -6.26)
    chain = one_way_ms(east, west) + one_way_ms(west, eu)
    found = pair_latency(sc, world, resolve_place(world, "east"), resolve_place(world, "eu"))
    direct = pair_latency(
        _scenario(), build_world(_scenario()), resolve_place(world, "east"), resolve_place(world, "eu")
    )
    assert found.rtt_ms["p50"] - direct.rtt_ms["p50"] == pytest.approx(2 * (chain - one_way_ms(east, eu)), rel=1e-3)
    assert any("quickest chain of fiber paths" in line for line in found.basis)
