"""One restart model, two ways of asking: `cloudtwin run` and availability mode give the same availability.

Each check compares with an independent answer: the alternating-renewal closed form for a
replica alone on its server, a continuous-time Markov chain solved in the test for replicas that
wait for free servers, and — where no closed form is at hand — the other mode, within the
combined 99 % confidence interval of the two estimates.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cloudtwin.analysis.stats import student_t_quantile
from cloudtwin.failover import availability_study
from cloudtwin.runner import simulate
from cloudtwin.scenario.model import Scenario
from cloudtwin.world import build_world
from failure_worlds import _scenario

DAYS_PER_YEAR = 365.25
T_99 = 3.5  # about the two-sided 99 % Student-t quantile at the ~6 degrees of freedom of a Welch test here


def _with_horizon(sc: Scenario, years: float, seed: int | None = None) -> Scenario:
    horizon = sc.horizon.model_copy(update={"days": years * DAYS_PER_YEAR, "sample_every_minutes": 525_960.0})
    update: dict[str, Any] = {"horizon": horizon}
    if seed is not None:
        update["seed"] = seed
    return sc.model_copy(update=update)


def _run_availability(sc: Scenario, years: float, seeds: list[int], tmp_path: Path) -> tuple[float, float]:
    """Mean and standard error of the service's availability over one `cloudtwin run` per seed."""
    values = []
    tmp_path.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        out = simulate(_with_horizon(sc, years, seed), tmp_path / f"run-{seed}.duckdb")
        values.append(out.summary["services"][0]["availability"])
    arr = np.asarray(values)
    return float(arr.mean()), float(arr.std(ddof=1) / math.sqrt(len(arr))) if len(arr) > 1 else 0.0


def _mode_availability(sc: Scenario, years: float, replications: int) -> tuple[float, float, float, float]:
    """Availability mode's mean, 99 % CI and standard error."""
    (a,) = availability_study(sc, build_world(sc), years=years, replications=replications)
    half = (a.ci_high - a.ci_low) / 2.0  # t(0.995, replications - 1) standard errors (unclipped when A < 1)
    return a.availability, a.ci_low, a.ci_high, half / student_t_quantile(0.995, replications - 1)


def _one_server_zone() -> Scenario:
    svc = {"name": "svc", "instance_type": "m", "replicas": 1, "zones": ["z0"], "healthy_when": {"at_least": 1}}
    return _scenario(
        {"server": {"mttf_days": 100, "repair_hours": 48}},
        [svc],
        zones_per_region=1,
        datacenters_per_zone=1,
        servers_per_datacenter=1,
        servers_per_rack=1,
    )


def test_one_replica_on_a_one_server_zone_waits_for_its_server(tmp_path: Path) -> None:
    """A replica with nowhere else to go is down while its server is: A = MTTF / (MTTF + E[max(R, d)]).

    MTTF 100 d, repair R ~ Exp(48 h), restart delay d = 5 min: E[max(R, d)] = d + 48 h·e^(−d/48 h) = 48.0000 h,
    A = 100 / (100 + 2.0000) = 0.98039 (alternating renewal). Both modes, each within its own sampling error:
    a run of T days has sd ≈ sqrt(2·U²·D² / ((U + D)³·T)) for exponential up U and down D (= 0.0020 at 50 years).
    """
    up_d, down_d, delay_d = 100.0, 2.0, 5.0 / 1440.0
    mean_down_d = delay_d + down_d * math.exp(-delay_d / down_d)
    truth = up_d / (up_d + mean_down_d)
    assert truth == np.float64(truth) and abs(truth - 0.98039) < 1e-5
    sc = _one_server_zone()
    a, lo, hi, _ = _mode_availability(sc, years=100, replications=64)
    assert lo <= truth <= hi, (a, lo, hi, truth)
    years = 50.0
    run_a, _ = _run_availability(sc, years, [3], tmp_path)
    sd = math.sqrt(2 * up_d**2 * down_d**2 / ((up_d + down_d) ** 3 * years * DAYS_PER_YEAR))
    assert abs(run_a - truth) < 3.3 * sd, (run_a, truth, sd)


def _chain_availability(n_servers: int, replicas: int, at_least: int, fail_per_d: float, repair_per_d: float) -> float:
    """P(healthy) from the CTMC on the number of servers down (independent failures and repairs, restarts at once).

    With no restart delay, running replicas = min(replicas, servers up): a replica on a failed server moves to a
    free up server at once, or waits for a repair. Solved as pi Q = 0, sum(pi) = 1 (not a binomial shortcut).
    """
    n = n_servers + 1
    q = np.zeros((n, n))
    for down in range(n):
        if down < n_servers:
            q[down, down + 1] = (n_servers - down) * fail_per_d
        if down > 0:
            q[down, down - 1] = down * repair_per_d
        q[down, down] = -q[down].sum()
    a = np.vstack([q.T, np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi = np.linalg.lstsq(a, b, rcond=None)[0]
    return float(sum(pi[d] for d in range(n) if min(replicas, n_servers - d) >= at_least))


def _waiting_for_capacity() -> Scenario:
    svc = {"name": "svc", "instance_type": "m", "replicas": 3, "zones": ["z0"], "healthy_when": {"at_least": 3}}
    failures = {"server": {"mttf_days": 10, "repair_hours": 24}, "restart": {"delay_minutes": 0}}
    return _scenario(
        failures, [svc], zones_per_region=1, datacenters_per_zone=1, servers_per_datacenter=4, servers_per_rack=1
    )


def test_replicas_waiting_for_capacity_match_a_markov_chain(tmp_path: Path) -> None:
    """3 replicas on 4 one-server racks, healthy with all 3 running, servers MTTF 10 d, repair Exp(24 h), no delay:
    the service is healthy while at most one server is down — the chain gives 0.95622 (two down: a replica waits)."""
    truth = _chain_availability(4, 3, 3, 1.0 / 10.0, 1.0)
    assert abs(truth - 0.95622) < 1e-5  # = p⁴ + 4p³q with p = 10/11, the binomial the chain must reduce to
    sc = _waiting_for_capacity()
    a, lo, hi, _ = _mode_availability(sc, years=20, replications=64)
    assert lo <= truth <= hi, (a, lo, hi, truth)
    run_a, run_se = _run_availability(sc, 10.0, [5, 6, 7], tmp_path)
    assert abs(run_a - truth) < T_99 * max(run_se, 1e-4), (run_a, run_se, truth)


SCENARIOS: dict[str, dict[str, Any]] = {
    # rack and datacenter bursts (half the racks of a datacenter at once), replicas in three zones
    "bursts": {
        "failures": {
            "server": {"mttf_days": 60, "repair_hours": 24},
            "rack": {"mttf_days": 40, "repair_hours": 12, "burst_share": 0.5},
            "datacenter": {"mttf_days": 90, "repair_hours": 24, "burst_share": 0.5},
        },
        "service": {"replicas": 3, "at_least": 3},
        "world": {"servers_per_datacenter": 8, "servers_per_rack": 2},
    },
    # zone outages: replicas move to another zone after the delay
    "replace_in_other_zone": {
        "failures": {"zone": {"mttf_days": 30, "repair_hours": 48}, "server": {"mttf_days": 60, "repair_hours": 24}},
        "service": {"replicas": 2, "at_least": 2, "replace_in_other_zone": True},
        "world": {"servers_per_datacenter": 4, "servers_per_rack": 2, "datacenters_per_zone": 1},
    },
    # capacity runs out: 3 replicas on 4 racks of one zone, so a second failure leaves one waiting for a repair
    # (rates high enough that overlapping failures, the rare events here, are many in each run: with 60-day rack
    # failures a 15-year run sees ~10 overlaps and four runs estimate their own spread too poorly)
    "capacity_runs_out": {
        "failures": {"server": {"mttf_days": 20, "repair_hours": 24}, "rack": {"mttf_days": 15, "repair_hours": 12}},
        "service": {"replicas": 3, "at_least": 3, "zones": ["z0"]},
        "world": {"servers_per_datacenter": 8, "servers_per_rack": 2, "datacenters_per_zone": 1},
    },
}


def _agreement_scenario(name: str) -> Scenario:
    spec = SCENARIOS[name]
    service = {"name": "svc", "instance_type": "m", "zones": ["z0", "z1", "z2"], **spec["service"]}
    service["healthy_when"] = {"at_least": service.pop("at_least")}
    return _scenario(spec["failures"], [service], **spec["world"])


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_run_and_availability_mode_agree(name: str, tmp_path: Path) -> None:
    """On bursts, zone moves and exhausted capacity, `cloudtwin run` (4 runs of 15 years) and availability mode
    (64 replications of 15 years) estimate the same availability: their difference lies within the combined
    99 % interval, t · sqrt(se_run² + se_mode²)."""
    sc = _agreement_scenario(name)
    mode_a, lo, hi, mode_se = _mode_availability(sc, years=15, replications=64)
    run_a, run_se = _run_availability(sc, 15.0, [21, 22, 23, 24], tmp_path / name)
    assert mode_a < 0.9999, (name, mode_a)  # the scenario is not trivially always up
    assert abs(run_a - mode_a) <= T_99 * math.hypot(run_se, mode_se), (name, run_a, run_se, mode_a, lo, hi)
