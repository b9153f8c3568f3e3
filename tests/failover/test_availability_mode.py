"""Availability mode's Monte Carlo against the closed forms of `cloudtwin.analysis.availability`.

MTTF / MTTR are chosen so unavailability is ~1e-2: a few thousand replication-years put the
99 % confidence interval within a few percent of it, and each test runs in well under a second.
"""

from __future__ import annotations

import numpy as np
import pytest

from cloudtwin.analysis.availability import (
    component_availability,
    k_of_n_availability,
    service_availability_over_zones,
)
from cloudtwin.errors import ScenarioError
from cloudtwin.failover.availability import availability_study
from cloudtwin.world import build_world

NEVER_MINUTES = (
    0.0  # with one server a zone (ALONE), a replica can only wait for its own server: restarts at once when it is back
)
ALONE = {"datacenters_per_zone": 1, "servers_per_datacenter": 1, "servers_per_rack": 1}


def _study(scenario, years: float = 40.0, replications: int = 60, **kw):
    (result,) = availability_study(scenario, build_world(scenario), years=years, replications=replications, **kw)
    return result


def _assert_in_ci(result, expected: float) -> None:
    assert result.ci_low <= expected <= result.ci_high, (result.ci_low, expected, result.ci_high)
    assert result.ci_high - result.ci_low < 0.2 * (1 - expected)  # and the interval is informative


def test_one_server_is_mttf_over_cycle(make_scenario, make_service) -> None:
    """1-of-1 on one server, no restart: A = MTTF / (MTTF + MTTR) = 240 / 242.4."""
    sc = make_scenario(
        {"server": {"mttf_days": 10, "repair_hours": 2.4}, "restart": {"delay_minutes": NEVER_MINUTES}},
        [make_service(1, 1)],
        **ALONE,
    )
    _assert_in_ci(_study(sc), component_availability(240, 2.4))


def test_availability_depends_only_on_the_means(make_scenario, make_service) -> None:
    """Weibull(0.7) up-times and lognormal(σ 1.2) repairs with the same means give the same A = 240 / 242.4."""
    level = {
        "mttf_days": 10,
        "repair_hours": 2.4,
        "time_to_failure": "weibull",
        "weibull_shape": 0.7,
        "time_to_repair": "lognormal",
        "repair_sigma": 1.2,
    }
    sc = make_scenario({"server": level, "restart": {"delay_minutes": NEVER_MINUTES}}, [make_service(1, 1)], **ALONE)
    _assert_in_ci(_study(sc, replications=100), component_availability(240, 2.4))


def test_restart_cuts_each_outage_to_min_repair_delay(make_scenario, make_service) -> None:
    """Restart elsewhere after 60 min: the replica is evicted, so each outage lasts the delay whatever the repair
    (a zone of 800 servers always has room): A = MTTF / (MTTF + delay) = 240 / 241."""
    sc = make_scenario(
        {"server": {"mttf_days": 10, "repair_hours": 2.4}, "restart": {"delay_minutes": 60}}, [make_service(1, 1)]
    )
    _assert_in_ci(_study(sc), component_availability(240, 1.0))


def test_two_of_three_zones(make_scenario, make_service) -> None:
    """2-of-3 replicas, one per zone, zone failures only: binomial 2-of-3 of A_zone = 240 / 264."""
    sc = make_scenario({"zone": {"mttf_days": 10, "repair_hours": 24}}, [make_service(3, 2)])
    _assert_in_ci(_study(sc), k_of_n_availability(2, 3, component_availability(240, 24)))


def test_four_of_six_over_three_zones_with_server_failures(make_scenario, make_service) -> None:
    """4-of-6, 2 per zone; zones fail (shared by their 2 replicas) and servers fail (each its own):
    conditioning on the zones up, replicas run independently with A_server."""
    failures = {
        "zone": {"mttf_days": 10, "repair_hours": 24},
        "server": {"mttf_days": 5, "repair_hours": 6},
        "restart": {"delay_minutes": NEVER_MINUTES},
    }
    # two one-server racks a zone: each replica can only wait for its own server (the other rack holds a replica)
    sc = make_scenario(
        failures, [make_service(6, 4)], datacenters_per_zone=1, servers_per_datacenter=2, servers_per_rack=1
    )
    expected = service_availability_over_zones(
        4, [2, 2, 2], component_availability(240, 24), component_availability(120, 6)
    )
    _assert_in_ci(_study(sc), expected)


def test_datacenter_burst_hits_its_share_of_racks(make_scenario, make_service) -> None:
    """A burst of 0.3 of a datacenter's 10 racks leaves 7 up: with no restart delay the replica moves to one at
    once (the restart model), so the service never goes down: A = 1."""
    sc = make_scenario(
        {
            "datacenter": {"mttf_days": 4, "repair_hours": 12, "burst_share": 0.3},
            "restart": {"delay_minutes": NEVER_MINUTES},
        },
        [make_service(1, 1)],
        datacenters_per_zone=1,
    )
    result = _study(sc)
    assert result.availability == 1.0 and result.ci_low == 1.0, result


def test_replacement_in_another_zone_matches_its_markov_chain(make_scenario, make_service) -> None:
    """1 replica over 2 zones, `replace_in_other_zone`, no delay: down exactly while both zones are down
    (it moves when its zone fails and the other is up, else waits for whichever zone is repaired first). The chain over
    (own zone, other zone) ∈ {UU, UD, DU, DD} with failure rate λ, repair rate μ is solved here."""
    lam, mu = 1 / 240, 1 / 24  # per hour
    # Rows: UU, UD, DU, DD (own zone first). UU → UD at 2λ (own fails: move to the other, now own).
    q = np.array(
        [
            [0, 2 * lam, 0, 0],
            [mu, 0, 0, lam],  # other repaired → UU; own fails with the other down → DD
            [mu, 0, 0, lam],  # own repaired → UU; other fails → DD
            [0, 2 * mu, 0, 0],  # either repaired → it runs there (that zone is now its own): UD
        ]
    )
    q -= np.diag(q.sum(axis=1))
    pi = np.linalg.lstsq(np.vstack([q.T, np.ones(4)]), np.r_[np.zeros(4), 1.0], rcond=None)[0]
    expected = 1 - pi[3]  # DU is never reached: a replica whose zone fails moves at once
    failures = {"zone": {"mttf_days": 10, "repair_hours": 24}, "restart": {"delay_minutes": 0}}
    stay = make_service(1, 1, zones=["z0", "z1"])
    move = make_service(1, 1, zones=["z0", "z1"], replace_in_other_zone=True)
    assert _study(make_scenario(failures, [stay])).ci_high < expected  # replacement is what helps
    _assert_in_ci(_study(make_scenario(failures, [move]), replications=100), expected)


def test_same_seed_same_figures_whatever_the_batch(make_scenario, make_service) -> None:
    """Replications are seeded one by one: batches of 7 or 256 give identical results."""
    sc = make_scenario("default", [make_service(6, 4)])
    a = _study(sc, years=50, replications=20, batch=7)
    b = _study(sc, years=50, replications=20, batch=256)
    assert (a.availability, a.incidents_per_year, a.longest_outage_minutes, a.events) == (
        b.availability,
        b.incidents_per_year,
        b.longest_outage_minutes,
        b.events,
    )


def test_nothing_to_study_is_a_scenario_error(make_scenario, make_service) -> None:
    """No services, or no random failure level: one ScenarioError line each."""
    sc = make_scenario({"inject": [{"fail": "z0", "at_hours": 1, "for_hours": 1}]})
    with pytest.raises(ScenarioError) as err:
        availability_study(sc, build_world(sc), years=1, replications=2)
    assert len(err.value.problems) == 2


def test_downtime_and_incidents_are_consistent(make_scenario, make_service) -> None:
    """Downtime min/yr = (1 − A)·525,960, and one replica on one server has one incident per failure:
    1 / (MTTF + MTTR) = 365.25 / 10.1 a year."""
    sc = make_scenario(
        {"server": {"mttf_days": 10, "repair_hours": 2.4}, "restart": {"delay_minutes": NEVER_MINUTES}},
        [make_service(1, 1)],
        **ALONE,
    )
    r = _study(sc)
    assert r.downtime_minutes_per_year == pytest.approx((1 - r.availability) * 525_960, rel=1e-12)
    assert r.incidents_ci_low <= 365.25 / 10.1 <= r.incidents_ci_high
    assert np.isfinite(r.longest_outage_minutes) and r.longest_outage_minutes > 2.4 * 60


def test_two_of_three_regions(make_scenario, make_service) -> None:
    """spread: regions, 3 replicas over 3 regions of 2 zones, region failures only: 2-of-3 of A_region = 240 / 264."""
    spec = make_service(3, 2, spread="regions", zones=None, regions=["r0", "r1", "r2"])
    sc = make_scenario(
        {"region": {"mttf_days": 10, "repair_hours": 24}},
        [spec],
        regions=3,
        zones_per_region=2,
        datacenters_per_zone=1,
        servers_per_datacenter=80,
    )
    _assert_in_ci(_study(sc), k_of_n_availability(2, 3, component_availability(240, 24)))
