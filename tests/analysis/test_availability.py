"""Availability closed forms against sums and enumerations written out in the tests."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from cloudtwin.analysis.availability import (
    component_availability,
    downtime_minutes_per_year,
    k_of_n_availability,
    k_of_n_heterogeneous,
    nines,
    restart_availability,
    service_availability_over_zones,
)
from cloudtwin.errors import AnalysisError


def _enumerate_at_least(k: int, probs: list[float]) -> float:
    """P(at least k up) by summing over all 2^n up/down states of independent components."""
    total = 0.0
    for states in itertools.product((0, 1), repeat=len(probs)):
        if sum(states) >= k:
            total += math.prod(p if s else 1 - p for s, p in zip(states, probs))
    return total


def test_component_availability_is_mttf_over_cycle() -> None:
    """A = MTTF / (MTTF + MTTR): 240 h up, 2.4 h repair → 240 / 242.4 = 0.990099."""
    assert component_availability(240.0, 2.4) == pytest.approx(100 / 101, rel=1e-15)
    assert component_availability(1.0, 0.0) == 1.0


def test_two_of_three_is_the_binomial_sum() -> None:
    """2-of-3: 3a²(1−a) + a³ = 3a² − 2a³ (a = 0.99 → 0.999702)."""
    a = 0.99
    assert k_of_n_availability(2, 3, a) == pytest.approx(3 * a**2 - 2 * a**3, rel=1e-15)
    assert k_of_n_availability(2, 3, a) == pytest.approx(0.999702, rel=1e-12)


def test_k_of_n_keeps_the_nines() -> None:
    """At a = 1 − 1e-4, 2-of-3 is down with probability 3·1e-8 − 2·1e-12: kept to 1e-6 relative."""
    u = 1e-4
    assert 1 - k_of_n_availability(2, 3, 1 - u) == pytest.approx(3 * u**2 - 2 * u**3, rel=1e-6)


def test_k_of_n_edge_counts() -> None:
    """0-of-n is always available; n-of-n is aⁿ; 1-of-n is 1 − (1−a)ⁿ."""
    a = 0.9
    assert k_of_n_availability(0, 4, a) == 1.0
    assert k_of_n_availability(4, 4, a) == pytest.approx(a**4, rel=1e-13)
    assert k_of_n_availability(1, 4, a) == pytest.approx(1 - (1 - a) ** 4, rel=1e-13)


def test_heterogeneous_matches_enumeration() -> None:
    """Poisson-binomial DP = the sum over every up/down state, for every k."""
    probs = [0.9, 0.75, 0.99, 0.6, 0.95]
    for k in range(6):
        assert k_of_n_heterogeneous(k, probs) == pytest.approx(_enumerate_at_least(k, probs), abs=1e-14)


def test_heterogeneous_with_equal_availabilities_is_binomial() -> None:
    """Identical components: the Poisson-binomial reduces to the binomial."""
    assert k_of_n_heterogeneous(4, [0.97] * 6) == pytest.approx(k_of_n_availability(4, 6, 0.97), rel=1e-14)


def test_zones_with_perfect_replicas_count_zones() -> None:
    """4-of-6 with 2 replicas in each of 3 zones and perfect replicas = at least 2 of 3 zones up."""
    a = 0.99
    got = service_availability_over_zones(4, [2, 2, 2], a)
    assert got == pytest.approx(3 * a**2 - 2 * a**3, rel=1e-14)


def test_zones_and_replicas_match_enumeration() -> None:
    """Zone z up with a_z, each of its replicas up with r: enumerate zones and replicas."""
    zone_a = [0.98, 0.95, 0.9]
    r = 0.97
    per_zone = [2, 1, 3]
    # Each replica is "zone up and itself up"; condition on the zone states, then enumerate replicas.
    expected = 0.0
    for zones_up in itertools.product((0, 1), repeat=3):
        p_zones = math.prod(a if up else 1 - a for up, a in zip(zones_up, zone_a))
        probs = [r if zones_up[z] else 0.0 for z, n in enumerate(per_zone) for _ in range(n)]
        expected += p_zones * _enumerate_at_least(4, probs)
    assert service_availability_over_zones(4, per_zone, zone_a, r) == pytest.approx(expected, abs=1e-14)


def test_restart_outage_is_mean_of_min_repair_delay() -> None:
    """Restart after d: outage E[min(X, d)], X ~ Exp(m), equals the integral of e^(−x/m) over [0, d]."""
    mttf, mttr, delay = 240.0, 2.4, 1.0
    x = np.linspace(0.0, delay, 200_001)
    survival = np.exp(-x / mttr)
    outage = float(np.sum((survival[1:] + survival[:-1]) / 2 * np.diff(x)))  # trapezoid rule
    assert restart_availability(mttf, mttr, delay) == pytest.approx(mttf / (mttf + outage), rel=1e-10)
    assert restart_availability(mttf, mttr, 0.0) == 1.0
    assert restart_availability(mttf, mttr, 1e9) == pytest.approx(component_availability(mttf, mttr), rel=1e-15)


def test_nines_and_downtime() -> None:
    """0.999 is 3 nines; 0.99999 is down 0.00001 × 525,960 = 5.2596 min a year."""
    assert nines(0.999) == pytest.approx(3.0, rel=1e-12)
    assert nines(1.0) == math.inf
    assert downtime_minutes_per_year(0.99999) == pytest.approx(5.2596, rel=1e-9)


@pytest.mark.parametrize(
    "call",
    [
        lambda: k_of_n_availability(4, 3, 0.9),
        lambda: k_of_n_availability(1, 3, 1.5),
        lambda: component_availability(0.0, 1.0),
        lambda: service_availability_over_zones(2, [1, 1], [0.9, 0.9, 0.9]),
        lambda: restart_availability(1.0, 1.0, -1.0),
    ],
)
def test_impossible_inputs_raise(call) -> None:
    """k > n, probabilities outside [0, 1], MTTF 0, mismatched lists, negative delays: AnalysisError."""
    with pytest.raises(AnalysisError):
        call()
