"""The failure sampler: renewal-process means, steady start, bursts, determinism and chunk invariance."""

from __future__ import annotations

import numpy as np
import pytest

from cloudtwin.errors import FailureModelError
from cloudtwin.failures.defaults import DATACENTER, RACK, SERVER, ZONE, resolve_failures
from cloudtwin.failures.events import FailureEvents
from cloudtwin.failures.sampling import FailureSampler, sample_failures
from cloudtwin.scenario.model import Failures
from cloudtwin.world import build_world

DAY_S = 86_400.0
Z99 = 2.5758293035489


def _within_ci(samples: np.ndarray, expected: float) -> bool:
    """Whether `expected` lies in the 99 % normal CI of the samples' mean."""
    half = Z99 * samples.std(ddof=1) / np.sqrt(samples.size)
    return abs(samples.mean() - expected) <= half


@pytest.mark.parametrize(
    "shapes",
    [
        {},
        {"time_to_failure": "weibull", "weibull_shape": 0.6, "time_to_repair": "lognormal", "repair_sigma": 1.2},
        {"time_to_failure": "weibull", "weibull_shape": 2.5, "time_to_repair": "fixed"},
    ],
)
def test_mean_up_and_repair_times_match_parameters(make_scenario, shapes) -> None:
    """Whatever the distributions, mean repair = repair_hours, and failures come at 1 / (MTTF + MTTR) (99 % CIs).

    From a stationary start the expected number of failures in (0, T] is exactly T / (MTTF + MTTR)
    (renewal theory), so per-server counts check the mean up-time without censoring bias.
    """
    sc = make_scenario({"server": {"mttf_days": 10, "repair_hours": 5, **shapes}})
    ev = sample_failures(resolve_failures(sc.failures), build_world(sc), 150 * DAY_S, seed=3)
    fresh = ev.time_s > 0  # rows at 0 are residuals of repairs under way at the start
    repairs = ev.duration_s[fresh] / 3600
    if shapes.get("time_to_repair") == "fixed":
        assert np.allclose(repairs, 5.0)
    else:
        assert _within_ci(repairs, 5.0)
    per_server = np.bincount(ev.target[fresh], minlength=2400).astype(float)
    assert _within_ci(per_server, 150 * 24 / (10 * 24 + 5))
    assert np.all(ev.level == SERVER) and np.all(ev.hi_server == ev.lo_server + 1)


def test_steady_start_has_the_stationary_share_down(make_scenario) -> None:
    """At time 0 a share MTTR / (MTTF + MTTR) = 5 / 245 of the servers is already down (binomial 99 % CI)."""
    sc = make_scenario({"server": {"mttf_days": 10, "repair_hours": 5}}, servers_per_datacenter=4000)
    ev = sample_failures(resolve_failures(sc.failures), build_world(sc), 1.0, seed=5)
    n, p = 24_000, 5 / 245
    assert abs(len(ev) - n * p) <= Z99 * np.sqrt(n * p * (1 - p))
    assert np.all(ev.time_s == 0)


def test_same_seed_same_table_whatever_the_chunks(make_scenario) -> None:
    """Chunked calls return exactly the rows of one call; another seed gives another table."""
    sc = make_scenario("default")
    failures, world = resolve_failures(sc.failures), build_world(sc)
    whole = sample_failures(failures, world, 400 * DAY_S, seed=9)
    sampler = FailureSampler(failures, world, seed=9)
    cuts = np.concatenate([np.sort(np.random.default_rng(1).uniform(0, 400 * DAY_S, 50)), [400 * DAY_S]])
    chunked = FailureEvents.concat([sampler.events_until(t) for t in cuts])
    for name, column in whole.to_columns().items():
        assert np.array_equal(column, getattr(chunked, name)), name
    assert np.all(np.diff(whole.time_s) >= 0)
    other = sample_failures(failures, world, 400 * DAY_S, seed=10)
    assert len(other) != len(whole) or not np.array_equal(other.time_s, whole.time_s)


def test_datacenter_burst_is_a_contiguous_share_of_racks(make_scenario) -> None:
    """share 0.3 of 10 racks: 3 consecutive racks (120 servers), wrapping; every rack hit in ~30 % of bursts."""
    sc = make_scenario({"datacenter": {"mttf_days": 0.5, "repair_hours": 1, "burst_share": 0.3}})
    world = build_world(sc)
    ev = sample_failures(resolve_failures(sc.failures), world, 400 * DAY_S, seed=2)
    assert np.all(ev.level == DATACENTER)
    dc_lo = world.datacenter_server_start[ev.target]
    dc_hi = world.datacenter_server_start[ev.target + 1]
    assert np.all((ev.lo_server >= dc_lo) & (ev.hi_server <= dc_hi) & (ev.lo_server < ev.hi_server))
    assert np.all((ev.lo_server - dc_lo) % 40 == 0) and np.all((ev.hi_server - dc_lo) % 40 == 0)
    key = ev.time_s * 10 + ev.target  # one burst = the rows sharing time and datacenter
    bursts, inverse = np.unique(key, return_inverse=True)
    size = np.bincount(inverse, weights=ev.hi_server - ev.lo_server)
    assert np.all(size == 120)
    assert np.any(np.bincount(inverse) == 2)  # some wrap past the last rack
    hits_rack0 = np.bincount(inverse, weights=(ev.lo_server == dc_lo)) > 0
    n = len(bursts)
    assert abs(hits_rack0.mean() - 0.3) <= Z99 * np.sqrt(0.3 * 0.7 / n)


def test_rack_and_zone_bursts_take_their_units(make_scenario) -> None:
    """A rack burst of share 0.5 takes 20 of its 40 servers; a zone burst of 0.5 takes 1 of its 2 datacenters."""
    sc = make_scenario(
        {
            "rack": {"mttf_days": 5, "repair_hours": 1, "burst_share": 0.5},
            "zone": {"mttf_days": 2, "repair_hours": 1, "burst_share": 0.5},
        }
    )
    world = build_world(sc)
    ev = sample_failures(resolve_failures(sc.failures), world, 100 * DAY_S, seed=4)
    rack, zone = ev.take(ev.level == RACK), ev.take(ev.level == ZONE)
    assert len(rack) and len(zone)
    _, inverse = np.unique(rack.time_s * 1e3 + rack.target, return_inverse=True)
    assert np.all(np.bincount(inverse, weights=rack.hi_server - rack.lo_server) == 20)
    assert np.all(zone.hi_server - zone.lo_server == 400)
    assert np.all(np.isin(zone.lo_server, world.datacenter_server_start[:-1]))


def test_server_cannot_burst(make_scenario) -> None:
    """A server fails whole: burst_share < 1 on the server level is a FailureModelError naming the key."""
    sc = make_scenario({"server": {"mttf_days": 5, "repair_hours": 1, "burst_share": 0.5}})
    with pytest.raises(FailureModelError, match="failures.server.burst_share"):
        FailureSampler(resolve_failures(sc.failures), build_world(sc), seed=1)


def test_no_failure_levels_no_rows(make_scenario) -> None:
    """A scenario without failure levels or injections produces an empty table."""
    sc = make_scenario(Failures())
    assert len(sample_failures(resolve_failures(sc.failures), build_world(sc), 30 * DAY_S, seed=1)) == 0
