"""How much traffic the VMs of each zone send: Gbps per allocated vCPU, and where it goes.

An instance type's network capacity comes from its 2014 "network performance" class (EC2's tables gave a class,
not a figure), turned into Gbps by iperf measurements compiled from CloudHarmony and flux7 benchmarks
(Stack Overflow, "EC2 instance types's exact network performance?", question 18507405, answer of 2015-16:
t2.small ≈ 125 Mbit/s, *.large ≈ 450-600 Mbit/s, *.2xlarge ≈ 1 Gbit/s, 10-gigabit types ≈ 8.5 Gbit/s).
A VM uses on average `traffic.utilization` of it (an estimate), and of what it sends, the shares `cross_datacenter`,
`cross_zone` and `cross_region` leave its datacenter (estimates); the rest stays inside.

A zone's profile mixes the workloads that land in it, each weighted by the vCPUs it keeps resident there
(arrival rate × the zone's share × mean lifetime × mean vCPUs of its mix). A trace workload, whose rate is not
known beforehand, counts with the network section's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cloudtwin.scenario.model import InstanceType, PoissonArrivals, Scenario, Traffic
from cloudtwin.workload.lifetimes import mean_lifetime_s
from cloudtwin.workload.targets import ZoneIndex, instance_mix_probabilities, target_zone_probabilities

#: Gbps of each network-performance class (module docstring): very-low = t1.micro-class ≈ 0.07,
#: low = t2.small ≈ 0.125, low-to-moderate = *.medium ≈ 0.3, moderate = *.large ≈ 0.5,
#: high = *.2xlarge ≈ 1, 10-gigabit ≈ 8.5 measured.
CLASS_GBPS = {
    "very-low": 0.07,
    "low": 0.125,
    "low-to-moderate": 0.3,
    "moderate": 0.5,
    "high": 1.0,
    "10-gigabit": 8.5,
}
#: An instance type that names no class: "moderate", the class of the 2014 general-purpose *.large types.
DEFAULT_CLASS = "moderate"
#: Order of the traffic classes that leave a datacenter.
CLASSES = ("cross_datacenter", "cross_zone", "cross_region")


def instance_gbps(kind: InstanceType) -> float:
    """An instance type's network capacity in Gbps: its measured figure, else its class's."""
    if kind.network_gbps is not None:
        return float(kind.network_gbps)
    return CLASS_GBPS[kind.network or DEFAULT_CLASS]


@dataclass(frozen=True)
class ZoneTraffic:
    """Per zone: mean Gbps sent per allocated vCPU, and the shares of it leaving its datacenter per class."""

    gbps_per_vcpu: np.ndarray  # (zones,)
    shares: np.ndarray  # (zones, 3) in CLASSES order


def zone_traffic(scenario: Scenario) -> ZoneTraffic:
    """Each zone's traffic profile, from the workloads that land in it (module docstring)."""
    zones = ZoneIndex.of(scenario)
    n = len(zones.zone_names)
    weight = np.zeros(n)
    gbps = np.zeros(n)
    shares = np.zeros((n, len(CLASSES)))
    names = list(scenario.instance_types)
    kinds = [scenario.instance_types[name] for name in names]
    type_vcpus = np.array([k.vcpus for k in kinds], dtype=np.float64)
    type_gbps = np.array([instance_gbps(k) for k in kinds], dtype=np.float64)
    for i, w in enumerate(scenario.workload):
        if not isinstance(w.arrivals, PoissonArrivals) or w.lifetime is None:
            continue
        where = f"workload[{i}]"
        mix = instance_mix_probabilities(w, scenario, where)
        vcpus = float(mix @ type_vcpus)
        traffic = w.traffic or scenario.network.traffic
        resident_vcpus = w.arrivals.per_hour / 3600.0 * mean_lifetime_s(w.lifetime) * vcpus
        zone_weight = target_zone_probabilities(w, zones, where) * resident_vcpus
        weight += zone_weight
        gbps += zone_weight * float(mix @ type_gbps) / vcpus * traffic.utilization
        shares += zone_weight[:, None] * _shares(traffic)[None, :]
    default = scenario.network.traffic
    typical = float(np.mean(type_gbps / type_vcpus)) if len(kinds) else CLASS_GBPS[DEFAULT_CLASS] / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        per_vcpu = np.where(weight > 0, gbps / np.where(weight > 0, weight, 1.0), typical * default.utilization)
        mixed = np.where(weight[:, None] > 0, shares / np.where(weight > 0, weight, 1.0)[:, None], _shares(default))
    return ZoneTraffic(gbps_per_vcpu=per_vcpu, shares=mixed)


def _shares(traffic: Traffic) -> np.ndarray:
    return np.array([traffic.cross_datacenter, traffic.cross_zone, traffic.cross_region], dtype=np.float64)


def cross_region_gbps_per_vcpu(scenario: Scenario) -> np.ndarray:
    """Per zone, the Gbps each allocated vCPU sends to other regions at the zone's traffic profile (what economics
    bills as data transfer between regions); 0 in a world of one region, where that share stays inside."""
    profile = zone_traffic(scenario)
    if len(scenario.world.regions) < 2:
        return np.zeros(len(profile.gbps_per_vcpu))
    return profile.gbps_per_vcpu * profile.shares[:, CLASSES.index("cross_region")]
