"""Who pays, and what each uses in the expected steady state: workloads and services, per zone.

A Poisson workload keeps λ·E[L] VMs resident on average (Little's law), so λ·E[L]·E[vCPUs of its mix] vCPUs,
spread over its zones by its zone weights; it pays, per vCPU-hour, its mix's mean on-demand price over its mean
vCPUs (Σ p_k·price_k / Σ p_k·vcpus_k: every type lives as long, so each is resident in proportion to its share).
Its diurnal cycle makes the resident vCPUs swing about that mean; for arrivals λ̄·(1 + a·cos(ωt + θ_z)) and
lifetimes L the resident mean is λ̄·E[L]·(1 + a·Re(Σ_z p_z·e^{i(ωt+θ_z)}·Ψ(iω))), Ψ the Laplace transform of the
equilibrium residual life (the M_t/G/∞ queue: Eick, Massey & Whitt, "The Physics of the M_t/G/∞ Queue",
Operations Research 41(4), 1993), so its daily peak is the mean × (1 + a·|Σ_z p_z·e^{iθ_z}|·|Ψ(iω)|).

A service runs its replicas all the time, spread evenly over the zones it may use. A trace workload's rate is
known only once replayed, so it has no expected use: it is not billed, here or from a run (whose zones' vCPUs are
shared by expected use).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cloudtwin.economics.money import HOURS_PER_MONTH, SECONDS_PER_MONTH
from cloudtwin.scenario.expand import expand_world
from cloudtwin.scenario.model import PoissonArrivals, Scenario, Service
from cloudtwin.units import BITS_PER_BYTE
from cloudtwin.workload.lifetimes import equilibrium_laplace, lifetime_distribution
from cloudtwin.workload.poisson import OMEGA_PER_S
from cloudtwin.workload.targets import ZoneIndex, instance_mix_probabilities, target_zone_probabilities


@dataclass(frozen=True)
class Tenant:
    """Someone who pays: a workload of VMs that come and go, or a service whose replicas always run."""

    name: str  # the workload's name, or `service:NAME`
    kind: Literal["workload", "service"]
    usd_per_vcpu_hour: float  # on demand
    zone_vcpus: np.ndarray  # expected mean allocated vCPUs per zone (world order)
    peak_factor: float  # expected daily peak of its resident vCPUs over their mean
    growth_per_year: float
    server_type: str | None  # the server type most of its zones' servers are (rent or build)


@dataclass(frozen=True)
class Usage:
    """A month of use by each tenant: mean and peak allocated vCPUs, and GB sent between regions."""

    basis: str  # where the figures come from: the expected steady state, or run N
    tenants: tuple[Tenant, ...]
    vcpus: np.ndarray  # per tenant: mean allocated vCPUs
    peak_vcpus: np.ndarray  # per tenant
    inter_region_gb: np.ndarray  # per tenant, a month
    allocated_vcpus: float  # every tenant's, and (from a run) what no tenant was expected to hold
    notes: tuple[str, ...] = ()

    def compute_usd(self) -> np.ndarray:
        """Per tenant, a month of instance-hours at on-demand prices (mean vCPUs × hours × price per vCPU-hour)."""
        price = np.array([t.usd_per_vcpu_hour for t in self.tenants], dtype=np.float64)
        return self.vcpus * HOURS_PER_MONTH * price


def zone_capacity_vcpus(scenario: Scenario) -> np.ndarray:
    """vCPUs each zone offers (world order), counted from the scenario."""
    types = scenario.server_types
    return np.array(
        [sum(n * types[name].vcpus for name, n in counts.items()) for counts in _zone_server_types(scenario)],
        dtype=np.float64,
    )


def tenants_of(scenario: Scenario) -> list[Tenant]:
    """Every Poisson workload, then every service, with its expected use (module docstring)."""
    zones = ZoneIndex.of(scenario)
    names = list(scenario.instance_types)
    vcpus = np.array([scenario.instance_types[n].vcpus for n in names], dtype=np.float64)
    price = np.array([scenario.instance_types[n].price_per_hour for n in names], dtype=np.float64)
    zone_type = _zone_server_types(scenario)
    out: list[Tenant] = []
    for i, w in enumerate(scenario.workload):
        if not isinstance(w.arrivals, PoissonArrivals) or w.lifetime is None:
            continue
        where = f"workload[{i}]"
        mix = instance_mix_probabilities(w, scenario, where)
        p_zone = target_zone_probabilities(w, zones, where)
        dist = lifetime_distribution(w.lifetime)
        mean_vcpus = w.arrivals.per_hour / 3600.0 * dist.mean_s * float(mix @ vcpus)
        out.append(
            Tenant(
                name=w.name,
                kind="workload",
                usd_per_vcpu_hour=float(mix @ price) / float(mix @ vcpus),
                zone_vcpus=mean_vcpus * p_zone,
                peak_factor=_peak_factor(w.arrivals, p_zone, zones, dist),
                growth_per_year=w.arrivals.growth_per_year,
                server_type=_main_type(p_zone, zone_type),
            )
        )
    for service in scenario.services:
        kind = scenario.instance_types[service.instance_type]
        p_zone = _service_zone_shares(service, zones)
        out.append(
            Tenant(
                name=f"service:{service.name}",
                kind="service",
                usd_per_vcpu_hour=kind.price_per_hour / kind.vcpus,
                zone_vcpus=service.replicas * kind.vcpus * p_zone,
                peak_factor=1.0,
                growth_per_year=0.0,
                server_type=_main_type(p_zone, zone_type),
            )
        )
    return out


def expected_usage(scenario: Scenario, cross_region_gbps_per_vcpu: np.ndarray | None) -> Usage:
    """A month at the expected steady state: each tenant's mean vCPUs, its daily peak, and the GB it sends to other
    regions at each zone's `cross_region_gbps_per_vcpu` (the network's traffic model, given by the caller; None:
    not metered)."""
    tenants = tuple(tenants_of(scenario))
    vcpus = np.array([t.zone_vcpus.sum() for t in tenants], dtype=np.float64)
    notes = [
        f"`{w.name}`: a trace workload is not billed (its rate is known only once replayed)"
        for w in scenario.workload
        if not isinstance(w.arrivals, PoissonArrivals)
    ]
    if cross_region_gbps_per_vcpu is None:
        gb = np.zeros(len(tenants))
        notes.append("traffic between regions not metered")
    else:
        gb = np.array([t.zone_vcpus @ cross_region_gbps_per_vcpu for t in tenants], dtype=np.float64)
        gb = gb * SECONDS_PER_MONTH / BITS_PER_BYTE
    return Usage(
        basis="the expected steady state (no simulation)",
        tenants=tenants,
        vcpus=vcpus,
        peak_vcpus=vcpus * np.array([t.peak_factor for t in tenants], dtype=np.float64),
        inter_region_gb=gb,
        allocated_vcpus=float(vcpus.sum()),
        notes=tuple(notes),
    )


def _peak_factor(arrivals: PoissonArrivals, p_zone: np.ndarray, zones: ZoneIndex, dist: object) -> float:
    """Daily peak over mean of a Poisson workload's resident vCPUs (module docstring); 1 without a diurnal cycle."""
    diurnal = arrivals.diurnal
    if diurnal is None or diurnal.amplitude == 0:
        return 1.0
    # θ_z as the workload sampler has it (`PoissonSource.zone_phase_rad`): the cycle peaks at `peak_hour` local time
    phase = 2 * math.pi * (zones.zone_utc_offset_hours - diurnal.peak_hour) / 24.0
    psi = equilibrium_laplace(dist, complex(0.0, OMEGA_PER_S))  # type: ignore[arg-type]
    return 1.0 + diurnal.amplitude * abs(np.sum(p_zone * np.exp(1j * phase))) * abs(psi)


def _zone_server_types(scenario: Scenario) -> list[dict[str, int]]:
    """Per zone (world order), servers of each server type."""
    out = []
    for region in expand_world(scenario).world.regions:
        for zone in region.zones:
            counts: dict[str, int] = {}
            for dc in zone.datacenters if isinstance(zone.datacenters, list) else []:
                counts[dc.server_type] = counts.get(dc.server_type, 0) + dc.servers
            out.append(counts)
    return out


def _main_type(p_zone: np.ndarray, zone_type: list[dict[str, int]]) -> str | None:
    """The server type holding most of the servers a tenant's zones hold, weighted by its share of each zone."""
    weight: dict[str, float] = {}
    for p, counts in zip(p_zone, zone_type):
        for name, servers in counts.items():
            weight[name] = weight.get(name, 0.0) + float(p) * servers
    return max(weight, key=lambda name: weight[name]) if weight else None


def _service_zone_shares(service: Service, zones: ZoneIndex) -> np.ndarray:
    """A service's replicas spread evenly over the zones it may run in: its `zones`, its `regions`' zones, or all."""
    if service.zones:
        allowed = [zones.zone_names.index(z) for z in service.zones if z in zones.zone_names]
    elif service.regions:
        regions = [zones.region_names.index(r) for r in service.regions if r in zones.region_names]
        allowed = [z for z in range(len(zones.zone_names)) if int(zones.zone_region[z]) in regions]
    else:
        allowed = list(range(len(zones.zone_names)))
    shares = np.zeros(len(zones.zone_names))
    shares[allowed] = 1.0 / max(len(allowed), 1)
    return shares
