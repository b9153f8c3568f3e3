"""The `aws-2014` preset against the seed, the region table and the published 2014 instance rules."""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from pathlib import Path

import pytest

from cloudtwin.scenario import load_preset
from cloudtwin.scenario.model import (
    Datacenter,
    EmpiricalLifetime,
    PoissonArrivals,
    Scenario,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
REGIONS_CSV = SHARED / "data" / "aws-regions-2014" / "aws_regions_2014.csv"

# Memory per vCPU of each 2014 family, in GiB (AWS instance tables: m3.large 2 vCPU / 7.5 GiB,
# c3.large 2 / 3.75, r3.large 2 / 15.25, i2.xlarge 4 / 30.5); t2 has its own ladder below.
GIB_PER_VCPU = {"m3": 3.75, "c3": 1.875, "c4": 1.875, "r3": 7.625, "i2": 7.625}
# t2 sizes of 2014: micro 1 vCPU / 1 GiB, small 1 / 2, medium 2 / 4 (memory doubles at each step).
T2_LADDER = {"micro": (1, 1.0), "small": (1, 2.0), "medium": (2, 4.0)}
# The one published exception to "vCPUs = 2 x the size multiplier": c4.8xlarge offers 36, not 32.
VCPU_EXCEPTIONS = {"c4.8xlarge": 36}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The preset through the loader; the memory check is off (this checks the file, not this machine's RAM)."""
    return load_preset("aws-2014")


def _datacenters(scenario: Scenario) -> list[Datacenter]:
    dcs = [dc for r in scenario.world.regions for z in r.zones for dc in z.datacenters]  # type: ignore[union-attr]
    assert all(isinstance(dc, Datacenter) for dc in dcs), "aws-2014 lists every data center explicitly"
    return dcs


def _zone_servers(scenario: Scenario) -> dict[str, int]:
    return {z.name: sum(dc.servers for dc in z.datacenters) for r in scenario.world.regions for z in r.zones}  # type: ignore[union-attr]


def _region_table() -> dict[str, dict[str, str]]:
    if not REGIONS_CSV.exists():
        pytest.skip(f"region table not found at {REGIONS_CSV} (shared data absent)")
    with REGIONS_CSV.open(newline="", encoding="utf-8") as f:
        return {row["region_code"]: row for row in csv.DictReader(f)}


def _nominal_vcpus(name: str) -> int:
    """vCPUs implied by a size name: medium 1, large 2, xlarge 4, Nxlarge 4N (the 2014 EC2 naming)."""
    size = name.split(".", 1)[1]
    if size == "medium":
        return 1
    if size == "large":
        return 2
    match = re.fullmatch(r"(\d*)xlarge", size)
    assert match, f"unexpected size name {name!r}"
    return 4 * int(match.group(1) or 1)


def test_eleven_regions_and_twenty_eight_zones(scenario: Scenario) -> None:
    """The seed's "eleven regions"; Hamilton's 28 Availability Zones (Forbes, 25 Nov 2014)."""
    assert len(scenario.world.regions) == 11
    assert sum(len(r.zones) for r in scenario.world.regions) == 28


def test_every_region_has_at_least_two_zones(scenario: Scenario) -> None:
    """Seed: "In each region, there are at least two Availability Zones" (no exception in the region table)."""
    assert min(len(r.zones) for r in scenario.world.regions) >= 2


def test_regions_match_the_region_table(scenario: Scenario) -> None:
    """Codes, names, coordinates, launch months and zone counts are those of shared/data/aws-regions-2014."""
    table = _region_table()
    assert [r.name for r in scenario.world.regions] == list(table)
    for region in scenario.world.regions:
        row = table[region.name]
        assert region.display_name == row["name"]
        assert region.location.lat == pytest.approx(float(row["lat"]), abs=1e-9)
        assert region.location.lon == pytest.approx(float(row["lon"]), abs=1e-9)
        assert region.launched == row["launched"]
        assert len(region.zones) == int(row["az_count_2014_reconstructed"])


def test_zone_and_datacenter_names_are_unique_and_carry_their_parent(scenario: Scenario) -> None:
    """Zones are `<region><letter>`, data centers `<zone><n>`; no name is used twice anywhere in the world."""
    names: list[str] = []
    for region in scenario.world.regions:
        names.append(region.name)
        for zone in region.zones:
            assert re.fullmatch(re.escape(region.name) + "[a-z]", zone.name), zone.name
            names.append(zone.name)
            for dc in zone.datacenters:  # type: ignore[union-attr]
                assert re.fullmatch(re.escape(zone.name) + r"\d+", dc.name), dc.name
                names.append(dc.name)
    duplicates = [n for n, k in Counter(names).items() if k > 1]
    assert not duplicates


def test_every_datacenter_holds_50000_to_80000_servers(scenario: Scenario) -> None:
    """Seed: "Each AWS data center holds between 50,000 and 80,000 servers"."""
    sizes = [dc.servers for dc in _datacenters(scenario)]
    assert min(sizes) >= 50_000 and max(sizes) <= 80_000


def test_total_servers_in_the_design_performance_band(scenario: Scenario) -> None:
    """DESIGN.md's performance model: the aws-2014 world holds 2-4 M servers (47 data centers of 50-80 k)."""
    dcs = _datacenters(scenario)
    total = sum(dc.servers for dc in dcs)
    assert 50_000 * len(dcs) <= total <= 80_000 * len(dcs)
    assert 2_000_000 <= total <= 4_000_000


def test_inter_zone_latency_within_the_seed_bounds(scenario: Scenario) -> None:
    """Seed: "Latency between the AZs is less than 2ms, and normally less than 1ms"."""
    net = scenario.network
    assert net.inter_zone_latency_ms <= 1.0
    assert net.inter_zone_latency_ms < net.inter_zone_latency_max_ms <= 2.0


def test_network_and_growth_numbers_are_the_seeds(scenario: Scenario) -> None:
    """Seed: SR-IOV NICs, 25 Tbps peak between zones, 102 Tbps into a data center, EC2 +99 %, S3 +132 %."""
    assert scenario.network.sriov is True
    assert all(t.nic == "sr-iov" for t in scenario.server_types.values())
    assert scenario.network.peak_inter_zone_tbps == 25
    assert scenario.network.datacenter_inbound_tbps == 102
    assert scenario.growth.compute_per_year == pytest.approx(0.99)
    assert scenario.growth.storage_per_year == pytest.approx(1.32)
    for workload in scenario.workload:
        assert isinstance(workload.arrivals, PoissonArrivals)
        assert workload.arrivals.growth_per_year == pytest.approx(0.99)


def test_instance_sizes_follow_the_family_rules(scenario: Scenario) -> None:
    """vCPUs = 2 x the size multiplier (c4.8xlarge: 36); memory = the family's GiB per vCPU x that; t2 doubles."""
    families = {name.split(".")[0] for name in scenario.instance_types}
    assert families == {"t2", "m3", "c3", "c4", "r3", "i2"}
    for name, itype in scenario.instance_types.items():
        family, size = name.split(".", 1)
        assert itype.family == family
        if family == "t2":
            assert (itype.vcpus, itype.memory_gib) == T2_LADDER[size], name
            continue
        nominal = _nominal_vcpus(name)
        assert itype.vcpus == VCPU_EXCEPTIONS.get(name, nominal), name
        assert itype.memory_gib == pytest.approx(GIB_PER_VCPU[family] * nominal), name


def test_prices_are_linear_in_size_within_a_family(scenario: Scenario) -> None:
    """2014 On-Demand prices doubled with each size step: price / size is one number per family (t2: per GiB)."""
    per_unit: dict[str, list[float]] = {}
    for name, itype in scenario.instance_types.items():
        family = name.split(".")[0]
        unit = itype.memory_gib if family == "t2" else _nominal_vcpus(name)
        per_unit.setdefault(family, []).append(itype.price_per_hour / unit)
    for family, rates in per_unit.items():
        assert max(rates) == pytest.approx(min(rates), rel=2e-3), family
    # The brief's anchors: c3.2xlarge $0.420, m3.large $0.140, r3.4xlarge $1.400 (us-east-1, 2014).
    assert scenario.instance_types["c3.2xlarge"].price_per_hour == pytest.approx(0.420)
    assert scenario.instance_types["m3.large"].price_per_hour == pytest.approx(0.140)
    assert scenario.instance_types["r3.4xlarge"].price_per_hour == pytest.approx(1.400)


def test_every_instance_type_fits_on_the_fleets_server(scenario: Scenario) -> None:
    """No instance type is unplaceable: each fits an empty server of every server type the world uses."""
    used = {dc.server_type for dc in _datacenters(scenario)}
    for server_name in used:
        server = scenario.server_types[server_name]
        for name, itype in scenario.instance_types.items():
            assert itype.vcpus <= server.vcpus and itype.memory_gib <= server.memory_gib, (server_name, name)


def test_instance_mix_has_the_azure_v1_vcpu_mix(scenario: Scenario) -> None:
    """Arrivals' vCPU mix is the Azure V1 trace's: 1 core 62.0 %, 2: 18.6 %, 4: 9.9 %, 8: 9.5 % (its README)."""
    published = {1: 0.620, 2: 0.186, 4: 0.099, 8: 0.095}
    for workload in scenario.workload:
        mix = workload.instances or {}
        total = sum(mix.values())
        by_vcpus: Counter[int] = Counter()
        for name, share in mix.items():
            by_vcpus[scenario.instance_types[name].vcpus] += share / total
        for vcpus, share in published.items():
            assert by_vcpus[vcpus] == pytest.approx(share, abs=0.0015), (workload.name, vcpus)


def test_each_zone_is_weighted_by_its_servers(scenario: Scenario) -> None:
    """Each region's workload spreads over exactly its zones in proportion to their servers (equal allocation)."""
    zone_servers = _zone_servers(scenario)
    covered: list[str] = []
    for workload in scenario.workload:
        assert isinstance(workload.zones, dict), workload.name
        for zone, weight in workload.zones.items():
            assert weight == zone_servers[zone], (workload.name, zone)
        covered += list(workload.zones)
    assert sorted(covered) == sorted(zone_servers)


def test_arrival_rates_fill_seventy_percent_of_vcpus(scenario: Scenario) -> None:
    """Little's law: lambda x E[L] x E[vCPU per VM] = 70 % of the zones' vCPUs, E[L] of the shipped Azure V1 table.

    E[L] = sum of p x bin midpoint = 10.637 h (the preset's comment derives it from the raw trace slices).
    """
    from cloudtwin.workload.lifetimes import mean_lifetime_s

    mean_lifetime_h = mean_lifetime_s(EmpiricalLifetime(distribution="empirical")) / 3600.0
    zone_servers = _zone_servers(scenario)
    (server,) = {dc.server_type for dc in _datacenters(scenario)}
    server_vcpus = scenario.server_types[server].vcpus
    for workload in scenario.workload:
        assert workload.lifetime is not None and workload.lifetime.distribution == "empirical"
        assert isinstance(workload.arrivals, PoissonArrivals) and isinstance(workload.zones, dict)
        mix = workload.instances or {}
        mean_vcpus = sum(s * scenario.instance_types[n].vcpus for n, s in mix.items()) / sum(mix.values())
        vcpus = server_vcpus * sum(zone_servers[z] for z in workload.zones)
        allocated = workload.arrivals.per_hour * mean_lifetime_h * mean_vcpus
        assert allocated / vcpus == pytest.approx(0.70, abs=0.005), workload.name


def test_utc_offsets_are_close_to_solar_time(scenario: Scenario) -> None:
    """A metro's standard-time offset is within 1.5 h of its solar offset, longitude / 15 degrees per hour."""
    for region in scenario.world.regions:
        assert region.utc_offset_hours is not None
        assert math.isclose(region.utc_offset_hours, region.location.lon / 15, abs_tol=1.5), region.name
