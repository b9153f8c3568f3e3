"""Service request latency: one client and one replica against a log-normal quantile worked by hand and against the
latency model; quorum writes against reads; and in a run, a zone outage that raises a service's p99 until its
repair, a fiber cut that raises a cross-region service's latency, a down service's NULL rows, the `run --json`
figures and the report's two sections."""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist

import duckdb
import numpy as np
import pytest

import cloudtwin
from cloudtwin.errors import ScenarioError
from cloudtwin.network.latency import datacenter_nic_codes, rtt_quantiles_ms
from cloudtwin.network.service_latency import PERCENTILES, request_latency, service_clients
from cloudtwin.scenario import parse_scenario
from cloudtwin.world import build_world

#: east (two zones) and west (one zone), 100 servers each datacenter; a service of one replica in west-a.
PAIR = """
name: pair
server_types: {std: {vcpus: 32, memory_gib: 244}}
instance_types: {m3.large: {vcpus: 2, memory_gib: 7.5, price_per_hour: 0.14}}
world:
  regions:
    - name: east
      location: {lat: 39.04, lon: -77.49}
      zones:
        - {name: east-a, datacenters: [{name: east-a1, servers: 100, server_type: std}]}
        - {name: east-b, datacenters: [{name: east-b1, servers: 100, server_type: std}]}
    - name: west
      location: {lat: 45.84, lon: -119.70}
      zones:
        - {name: west-a, datacenters: [{name: west-a1, servers: 100, server_type: std}]}
services:
  - name: api
    instance_type: m3.large
    replicas: 1
    zones: [west-a]
    healthy_when: {at_least: 1}
    traffic: {requests_per_s: 500, clients: {east: 1}}
"""

#: A triangle of regions with explicit fiber. `db`: three replicas over east-a, east-b and west-a, quorum 2,
#: clients in east, a fifth of the requests writes; east-a fails at hour 3 for 4 hours. `api`: one replica in
#: west-a, clients in east; the fiber east--west is cut from hour 8 to 10 (traffic reroutes over eu) and west-a1
#: fails at hour 11 for an hour (api is down).
RUN = """
name: service-latency
seed: 5
horizon: {days: 0.5, sample_every_minutes: 30}
server_types: {std: {vcpus: 32, memory_gib: 244}}
instance_types: {m3.large: {vcpus: 2, memory_gib: 7.5, price_per_hour: 0.14}}
world:
  regions:
    - name: east
      location: {lat: 39.04, lon: -77.49}
      zones:
        - {name: east-a, datacenters: [{name: east-a1, servers: 80, server_type: std}]}
        - {name: east-b, datacenters: [{name: east-b1, servers: 80, server_type: std}]}
    - name: west
      location: {lat: 45.84, lon: -119.70}
      zones:
        - {name: west-a, datacenters: [{name: west-a1, servers: 80, server_type: std}]}
    - name: eu
      location: {lat: 53.35, lon: -6.26}
      zones:
        - {name: eu-a, datacenters: [{name: eu-a1, servers: 80, server_type: std}]}
services:
  - name: db
    instance_type: m3.large
    replicas: 3
    zones: [east-a, east-b, west-a]
    healthy_when: {at_least: 2}
    traffic: {requests_per_s: 2000, clients: {east: 1}, writes: 0.2}
  - name: api
    instance_type: m3.large
    replicas: 1
    zones: [west-a]
    healthy_when: {at_least: 1}
    traffic: {clients: [east]}
failures:
  inject:
    - {fail: east-a, at_hours: 3, for_hours: 4}
    - {fail: "fiber:east--west", at_hours: 8, for_hours: 2}
    - {fail: west-a1, at_hours: 11, for_hours: 1}
network:
  links:
    fiber:
      - {between: [east, west]}
      - {between: [west, eu]}
      - {between: [east, eu]}
"""


def _pair(changes: dict | None = None) -> tuple[cloudtwin.Scenario, cloudtwin.world.World]:
    sc = parse_scenario(PAIR, source="pair")
    sc = sc.with_(changes) if changes else sc
    return sc, build_world(sc)


def _latency(sc: cloudtwin.Scenario, world, replicas: list[int], k: int = 0) -> dict[str, np.ndarray]:
    paths = request_latency(
        world, sc.network, datacenter_nic_codes(sc, world), service_clients(sc.services[k], world), np.array(replicas)
    )
    assert paths is not None
    return {name: p.percentiles_ms for name, p in paths.items()}


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_one_client_one_replica_is_a_log_normal_worked_by_hand() -> None:
    """With NIC taxes of no spread, a client in west-a1's RTT to a replica in east-a1 is a constant (the two NICs'
    0.043 ms, the fiber 2 × km × 1.5 / 200) plus the cross-zone fabric, log-normal with median 0.85 ms and p99.9
    2.0 ms: its p-quantile is 0.85 · exp(σ z_p) with σ = ln(2.0 / 0.85) / z_0.999."""
    sc, world = _pair(
        {"network.latency.sriov_p99_over_p50": 1.0, "services": [{**_service(), "traffic": {"clients": ["west"]}}]}
    )
    got = _latency(sc, world, [0])["all"]  # the replica on east-a1
    z = NormalDist().inv_cdf
    sigma = math.log(2.0 / 0.85) / z(0.999)
    fiber = 2 * _haversine_km((45.84, -119.70), (39.04, -77.49)) * 1.5 / 200.0
    want = [0.85 * math.exp(sigma * z(p)) + 2 * 0.043 + fiber for p in PERCENTILES.values()]
    np.testing.assert_allclose(got, want, rtol=2e-4)


def _service() -> dict:
    return {
        "name": "api",
        "instance_type": "m3.large",
        "replicas": 1,
        "zones": ["west-a"],
        "healthy_when": {"at_least": 1},
    }


def test_one_client_datacenter_one_replica_matches_the_latency_model() -> None:
    """Clients in west (one datacenter), the replica on east-b1: the percentiles are that pair's RTT quantiles from
    `rtt_quantiles_ms`, within 1.5 %: two Monte Carlo estimates (262,144 draws; 16,384 stratified ones), each with a
    standard error of about 0.5 % at p99.9."""
    sc, world = _pair({"services": [{**_service(), "traffic": {"clients": ["west"]}}]})
    got = _latency(sc, world, [1])["all"]
    want = rtt_quantiles_ms(world, sc.network, np.array([2]), np.array([1]), datacenter_nic_codes(sc, world))[0]
    np.testing.assert_allclose(got, want, rtol=0.015)


def test_clients_spread_over_their_datacenters_by_servers() -> None:
    """Clients in east (east-a1, east-b1, equal servers) and a replica in each: every client has one in its own
    datacenter, so the mixture is the same-datacenter RTT; with the replica of east-b1 gone, half the clients cross
    zones and the p99 becomes the cross-zone pair's."""
    two = {"replicas": 2, "zones": ["east-a", "east-b"], "traffic": {"clients": ["east"]}}
    sc, world = _pair({"services": [{**_service(), **two}]})
    nic = datacenter_nic_codes(sc, world)
    both = _latency(sc, world, [0, 1])["from east"]
    same = rtt_quantiles_ms(world, sc.network, np.array([0]), np.array([0]), nic)[0]
    np.testing.assert_allclose(both, same, rtol=0.015)
    one = _latency(sc, world, [0])["from east"]
    cross = rtt_quantiles_ms(world, sc.network, np.array([1]), np.array([0]), nic)[0]
    assert one[0] < cross[0]  # half the requests stay in east-a1
    assert cross[1] * 0.9 < one[1] < cross[1]  # p99 of a 50/50 mix: just under the cross-zone pair's


def test_quorum_writes_are_slower_than_reads() -> None:
    """Three replicas over east-a, east-b and west-a, quorum 2, clients in east: a read is served in the client's
    datacenter, a write also waits for one ack across zones; with a quorum of 3 the second ack crosses to west."""
    replicas = {"replicas": 3, "zones": ["east-a", "east-b", "west-a"], "traffic": {"clients": ["east"], "writes": 0.5}}
    sc, world = _pair({"services": [{**_service(), **replicas, "healthy_when": {"at_least": 2}}]})
    two = _latency(sc, world, [0, 1, 2])
    assert two["writes"][0] > two["reads"][0] + 0.5  # + one cross-zone round trip at least
    assert two["reads"][1] < two["all"][1] < two["writes"][1]
    sc3 = sc.with_({"services": [{**_service(), **replicas, "healthy_when": {"at_least": 3}}]})
    three = _latency(sc3, world, [0, 1, 2])
    assert three["writes"][0] > 40.0 > two["writes"][1]  # east to west: ~50 ms
    np.testing.assert_allclose(three["reads"], two["reads"])
    one = sc.with_({"services": [{**_service(), **replicas, "healthy_when": {"at_least": 1}}]})
    alone = _latency(one, world, [0, 1, 2])  # no ack to wait for: a write is a read
    np.testing.assert_allclose(alone["writes"], alone["reads"])


def test_too_few_replicas_is_down() -> None:
    sc, world = _pair()
    clients = service_clients(sc.services[0], world)
    assert request_latency(world, sc.network, datacenter_nic_codes(sc, world), clients, np.array([], int)) is None


def test_client_regions_are_checked() -> None:
    """An unknown client region is one error naming its key; shares must not all be zero."""
    bad = PAIR.replace("clients: {east: 1}", "clients: {esat: 1}")
    with pytest.raises(ScenarioError, match=r"services\[0\]\.traffic\.clients\.esat: unknown region `esat`"):
        parse_scenario(bad, source="bad")
    with pytest.raises(ScenarioError, match="must not all be zero"):
        parse_scenario(PAIR.replace("clients: {east: 1}", "clients: {east: 0}"), source="bad")


# --------------------------------------------------------------------------- in a run


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[cloudtwin.RunResult, Path]:
    folder = tmp_path_factory.mktemp("service-latency")
    (folder / "s.yaml").write_text(RUN, encoding="utf-8")
    db = folder / "runs.duckdb"
    return cloudtwin.run(cloudtwin.load(folder / "s.yaml"), db=db), db


def _rows(db: Path, service: str, path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT time_s, p50_ms, p99_ms FROM latency WHERE service = ? AND path = ? ORDER BY time_s",
            [service, path],
        ).fetchall()
    t, p50, p99 = (np.array([r[i] for r in rows], dtype=np.float64) for i in range(3))
    return t / 3600.0, p50, p99


def test_a_zone_outage_raises_p99_until_its_repair(run: tuple[cloudtwin.RunResult, Path]) -> None:
    """east-a down from hour 3 to 7: its clients cross to east-b (reads p99 from same-datacenter to cross-zone), and
    a write's one ack now comes from west (tens of ms); at the repair the replica comes back and so does the p99."""
    _res, db = run
    h, _p50, reads = _rows(db, "db", "reads")
    _h, _p50, writes = _rows(db, "db", "writes")
    during, before, after = (h >= 3) & (h < 7), h < 3, (h >= 7) & (h < 8)
    assert len(h) == 24 and during.sum() == 8
    assert reads[during].min() > 4 * reads[before].max()
    assert writes[during].min() > 40.0 > 10 * writes[before].max()
    np.testing.assert_allclose(reads[after], reads[before][0])
    np.testing.assert_allclose(writes[after], writes[before][0])


def test_a_fiber_cut_raises_cross_region_latency(run: tuple[cloudtwin.RunResult, Path]) -> None:
    """east--west cut from hour 8 to 10: api's requests from east reroute over eu, longer by the detour."""
    _res, db = run
    h, p50, _p99 = _rows(db, "api", "from east")
    cut, before = (h >= 8) & (h < 10), (h >= 7) & (h < 8)
    assert p50[cut].min() > 1.5 * p50[before].max()
    assert np.allclose(p50[(h >= 10) & (h < 11)], p50[before][0])


def test_a_down_service_has_null_latency(run: tuple[cloudtwin.RunResult, Path]) -> None:
    """west-a1 down from hour 11 to 12: api has no replica, its rows carry NULLs; db (2 of 3 left) stays up."""
    res, db = run
    h, p50, p99 = _rows(db, "api", "all")
    down = (h >= 11) & (h < 12)
    assert np.isnan(p50[down]).all() and np.isnan(p99[down]).all() and not np.isnan(p50[~down]).any()
    assert not np.isnan(_rows(db, "db", "all")[2]).any()
    api = next(s for s in res.to_json()["services"] if s["name"] == "api")
    assert api["availability"] < 1


def test_run_json_gives_each_service_its_latency(run: tuple[cloudtwin.RunResult, Path]) -> None:
    """`latency_ms` per path: the run's pooled p50/p99/p999 and the worst tick's p99 (`p99_max`)."""
    res, db = run
    services = {s["name"]: s for s in res.to_json()["services"]}
    db_latency = services["db"]["latency_ms"]
    assert set(db_latency) == {"all", "from east", "reads", "writes"}
    assert set(services["api"]["latency_ms"]) == {"all", "from east"}
    for figures in db_latency.values():
        assert figures["p50"] <= figures["p99"] <= figures["p999"]
    _h, _p50, p99 = _rows(db, "db", "writes")
    assert db_latency["writes"]["p99_max"] == pytest.approx(np.nanmax(p99))
    assert db_latency["reads"]["p99"] < db_latency["writes"]["p99"]


def test_report_shows_the_region_matrix_and_service_latency(run: tuple[cloudtwin.RunResult, Path]) -> None:
    """The matrix holds `cloudtwin latency`'s p50 for each pair; the service chart has p50 and p99 per path and
    shades the east-a and west-a1 outages and the fiber cut."""
    from cloudtwin.network.latency import pair_latency
    from cloudtwin.network.places import resolve_place
    from cloudtwin.report.data import read_run
    from cloudtwin.report.network_charts import region_latency, service_latency
    from cloudtwin.results import ResultsStore

    res, db = run
    with ResultsStore(db, read_only=True) as store:
        data = read_run(store, res.run_id)
    matrix = region_latency(data)
    assert matrix is not None and matrix.figure is not None
    z = np.asarray(matrix.figure.data[0].z)
    world = build_world(data.scenario)
    east, eu = resolve_place(world, "east"), resolve_place(world, "eu")
    assert z[0, 2] == pytest.approx(pair_latency(data.scenario, world, east, eu).rtt_ms["p50"])
    chart = service_latency(data)
    assert chart is not None and chart.figure is not None
    assert len(chart.figure.data) == 2 * 6  # db: all, from east, reads, writes; api: all, from east
    shaded = {shape.x0 for shape in chart.figure.layout.shapes}
    assert shaded == {3.0, 8.0, 11.0}


def test_request_traffic_crosses_the_links_it_should() -> None:
    """PAIR: 500 requests/s from east (its two datacenters, 100 servers each: half each) to the one replica in
    west-a1, 2 kB in and 16 kB out: each client datacenter sends 250 × 2 × 8e-6 = 0.004 Gbps to west-a1 and gets
    250 × 16 × 8e-6 = 0.032 Gbps back; nothing else. On the links (no tenant traffic), the east--west fiber carries
    both directions: 2 × (0.004 + 0.032) = 0.072 Gbps."""
    from cloudtwin.network.service_latency import request_traffic_gbps
    from cloudtwin.network.stage import NetworkStage

    scenario = parse_scenario(PAIR, source="pair").with_({"network.traffic.utilization": 0.0})
    world = build_world(scenario)
    clients = service_clients(scenario.services[0], world)
    from cloudtwin.world.geo import region_latency_ms

    traffic = request_traffic_gbps(
        world,
        scenario.network,
        datacenter_nic_codes(scenario, world),
        clients,
        scenario.services[0].traffic,
        np.array([2]),
        region_latency_ms(world, scenario.network),
    )
    expected = np.zeros((3, 3))
    expected[[0, 1], 2] = 250 * 2 * 8e-6
    expected[2, [0, 1]] = 250 * 16 * 8e-6
    assert traffic == pytest.approx(expected)
    stage = NetworkStage(world, scenario, np.random.SeedSequence(0), 3600.0)
    tick = stage.solve(0.0, np.array([0.0, 0.0, 2.0]), traffic)
    carried = dict(zip(stage.links.names, tick["carried_gbps"], strict=True))
    assert carried["fiber:east--west"] == pytest.approx(2 * (0.004 + 0.032))
    assert carried["west-a1:out"] == pytest.approx(2 * 0.032) and carried["west-a1:in"] == pytest.approx(2 * 0.004)
    assert carried["east-a<->east-b"] == 0.0
