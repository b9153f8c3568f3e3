"""Demand as a fluid: the expected allocated vCPUs of every zone at any time, in closed form, vectorised.

Each Poisson workload w is an M_t/G/∞ system: arrivals at λ_w(t) = λ̄_w·e^{κ_w t}·(1 + a_w·cos(ωt + θ_wz)) towards
zone z with probability p_wz, each VM holding E[vCPU]_w for a lifetime L_w. Its resident vCPUs in zone z are

    D_wz(t) = B_wz·e^{κ_w t}·(Ψ_w(κ_w) + a_w·Re(e^{i(ωt + θ_wz)}·Ψ_w(κ_w + iω))),   B_wz = λ̄_w·p_wz·E[L_w]·E[vCPU]_w

with Ψ(s) = (1 − E[e^{−sL}])/(s·E[L]) the Laplace transform of the equilibrium (residual-life) law: the same
integral ∫ λ(t − u)(1 − F(u)) du that `cloudtwin.workload.steady` samples the start from (so the engine's steady
start and this curve agree at t = 0). Ψ(κ) < 1 is growth's lag (the VMs running now arrived when the rate was
lower); |Ψ(iω)| < 1 damps the daily swing of the arrivals in the population. κ = ln(1 + g)/year; a shrinking rate
(g < 0) uses Ψ(0) = 1, as the steady start holds the past at the t = 0 rate. Services add their replicas' vCPUs.
Every zone of a region shares its local time, so a region's daily peak is the sum's level plus |Σ swing|.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cloudtwin.errors import PlanError
from cloudtwin.failures.layout import service_layout
from cloudtwin.scenario.model import PoissonArrivals, Scenario
from cloudtwin.units import SECONDS_PER_DAY, SECONDS_PER_YEAR
from cloudtwin.workload.lifetimes import equilibrium_laplace, lifetime_distribution
from cloudtwin.workload.targets import ZoneIndex, instance_mix_probabilities, target_zone_probabilities
from cloudtwin.world import World

#: A plan's month: a twelfth of the Julian year (30.4375 days).
MONTH_S = SECONDS_PER_YEAR / 12
OMEGA_PER_S = 2 * math.pi / SECONDS_PER_DAY


@dataclass(frozen=True, eq=False)
class ZoneDemand:
    """Expected allocated vCPUs per zone as a sum over workloads (see the module docstring); arrays (W, Z)."""

    zone_names: tuple[str, ...]
    zone_region: np.ndarray  # int, per zone
    n_regions: int
    base_vcpus: np.ndarray  # (W, Z) B_wz
    growth_per_s: np.ndarray  # (W,) κ_w
    growth_per_year: np.ndarray  # (W,) g_w
    level: np.ndarray  # (W,) Ψ_w(κ_w), real
    swing: np.ndarray  # (W, Z) complex: a_w·e^{iθ_wz}·Ψ_w(κ_w + iω)
    constant_vcpus: np.ndarray  # (Z,) service replicas

    def at(self, time_s: np.ndarray) -> np.ndarray:
        """Expected allocated vCPUs of each zone at each time (seconds from 00:00 UTC of day 0): (T, Z)."""
        t = np.asarray(time_s, dtype=np.float64)
        grown = np.exp(np.outer(t, self.growth_per_s))  # (T, W)
        level = grown @ (self.base_vcpus * self.level[:, None])
        swing = (grown @ (self.base_vcpus * self.swing)) * np.exp(1j * OMEGA_PER_S * t)[:, None]
        return level + swing.real + self.constant_vcpus

    def mean_over(self, start_s: np.ndarray, end_s: np.ndarray) -> np.ndarray:
        """Mean of `at` over each interval [start_s, end_s), exactly (the integral in closed form): (M, Z)."""
        t0, t1 = np.asarray(start_s, dtype=np.float64), np.asarray(end_s, dtype=np.float64)
        span = (t1 - t0)[:, None]
        level = _integral(self.growth_per_s + 0j, t0, t1).real @ (self.base_vcpus * self.level[:, None])
        swing = _integral(self.growth_per_s + 1j * OMEGA_PER_S, t0, t1) @ (self.base_vcpus * self.swing)
        return (level + swing.real) / span + self.constant_vcpus

    def peaks(self, start_s: np.ndarray, end_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The daily peak of each zone (M, Z) and of each region (M, R) in each interval, at the interval's highest
        growth level (its end when growing): an upper bound within one day's growth of the exact maximum."""
        t0, t1 = np.asarray(start_s, dtype=np.float64), np.asarray(end_s, dtype=np.float64)
        grown = np.maximum(np.exp(np.outer(t0, self.growth_per_s)), np.exp(np.outer(t1, self.growth_per_s)))
        level = grown @ (self.base_vcpus * self.level[:, None]) + self.constant_vcpus  # (M, Z)
        swing = grown @ (self.base_vcpus * self.swing)  # (M, Z) complex
        by_region = np.zeros((len(self.zone_names), self.n_regions))
        by_region[np.arange(len(self.zone_names)), self.zone_region] = 1.0
        return level + np.abs(swing), level @ by_region + np.abs(swing @ by_region)


def _integral(s: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """∫ e^{s t} dt over [t0, t1) for each interval (rows) and rate (columns), exact also at s = 0: (M, W)."""
    s = np.asarray(s, dtype=np.complex128)[None, :]
    span = (t1 - t0)[:, None]
    safe = np.where(s == 0, 1.0, s)
    return np.exp(s * t0[:, None]) * np.where(s == 0, span, np.expm1(s * span) / safe)


def zone_demand(scenario: Scenario, world: World) -> ZoneDemand:
    """The fluid demand of the scenario's workloads and services on its world (zones in world order).

    A workload grows at `growth.compute_per_year` when the scenario sets it, else at its own `growth_per_year`.
    Trace workloads have no rate to grow: a PlanError names them.
    """
    zones = ZoneIndex.of(scenario)
    type_vcpus = np.array([t.vcpus for t in scenario.instance_types.values()], dtype=np.float64)
    rows: list[tuple[np.ndarray, float, float, float, np.ndarray]] = []
    problems = []
    for w, workload in enumerate(scenario.workload):
        arrivals, where = workload.arrivals, f"workload[{w}]"
        if not isinstance(arrivals, PoissonArrivals) or workload.lifetime is None:
            problems.append(
                f"{where} ({workload.name}): the fluid model needs Poisson arrivals with a lifetime (a replayed"
                " trace has no rate to grow); plan a scenario without it"
            )
            continue
        probability = target_zone_probabilities(workload, zones, where)
        mean_vcpus = float(instance_mix_probabilities(workload, scenario, where) @ type_vcpus)
        lifetime = lifetime_distribution(workload.lifetime)
        g = scenario.growth.compute_per_year
        g = arrivals.growth_per_year if g is None else g
        kappa = math.log1p(g) / SECONDS_PER_YEAR
        past = max(kappa, 0.0)  # as the steady start: a shrinking rate is held at its t = 0 level before 0
        base = arrivals.per_hour / 3600.0 * lifetime.mean_s * mean_vcpus * probability
        swing = np.zeros(len(zones.zone_names), dtype=np.complex128)
        if arrivals.diurnal is not None and arrivals.diurnal.amplitude > 0:
            phase = 2 * math.pi * (zones.zone_utc_offset_hours - arrivals.diurnal.peak_hour) / 24.0
            psi = equilibrium_laplace(lifetime, complex(past, OMEGA_PER_S))
            swing = arrivals.diurnal.amplitude * np.exp(1j * phase) * psi
        rows.append((base, kappa, g, equilibrium_laplace(lifetime, past).real, swing))
    if problems:
        raise PlanError(problems=problems)
    n_zones = len(zones.zone_names)

    def stacked(i: int, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        return np.array([row[i] for row in rows], dtype=dtype) if rows else np.zeros(shape, dtype=dtype)

    return ZoneDemand(
        zone_names=zones.zone_names,
        zone_region=zones.zone_region.astype(np.int64),
        n_regions=len(zones.region_names),
        base_vcpus=stacked(0, (0, n_zones), np.float64),
        growth_per_s=stacked(1, (0,), np.float64),
        growth_per_year=stacked(2, (0,), np.float64),
        level=stacked(3, (0,), np.float64),
        swing=stacked(4, (0, n_zones), np.complex128),
        constant_vcpus=_service_vcpus(scenario, world),
    )


def _service_vcpus(scenario: Scenario, world: World) -> np.ndarray:
    """vCPUs of the services' replicas in each zone, where the service layout starts them."""
    out = np.zeros(world.n_zones, dtype=np.float64)
    for k, service in enumerate(scenario.services):
        layout = service_layout(service, world, f"services[{k}]")
        zone = world.datacenter_zone[layout.dc_index[layout.rep_dc]]
        np.add.at(out, zone, float(scenario.instance_types[service.instance_type].vcpus))
    return out
