"""Same seed, same arrivals, however the time is cut into chunks; streams are independent of each other."""

from __future__ import annotations

import numpy as np
from workload_scenarios import make_scenario, poisson_entry, region

from cloudtwin.workload import Arrivals, WorkloadSampler

HOUR_S = 3600.0
COLUMNS = ("time_s", "vcpus", "memory_mib", "instance_type", "zone", "lifetime_s", "workload")


def _scenario(extra: list[dict] | None = None):
    regions = [region("east", -77.0, 2), region("tokyo", 139.7, 1)]
    first = poisson_entry(
        900, diurnal={"amplitude": 0.4, "peak_hour": 13}, growth_per_year=0.8, lifetime={"distribution": "empirical"}
    )
    second = poisson_entry(
        400, regions={"tokyo": 1.0}, lifetime={"distribution": "lognormal", "median_hours": 2, "sigma": 1.2}
    )
    return make_scenario([first, second | {"name": "batch"}] + (extra or []), regions)


def _same(a: Arrivals, b: Arrivals) -> bool:
    return len(a) == len(b) and all(np.array_equal(getattr(a, c), getattr(b, c)) for c in COLUMNS)


def test_concatenated_chunks_equal_one_call() -> None:
    """[0, 10 h) in one call equals [0, 3.3 h) + [3.3 h, 7 h) + [7 h, 10 h), bit for bit, with a fresh or a
    reused sampler."""
    whole = WorkloadSampler(_scenario(), 11).arrivals_between(0, 10 * HOUR_S)
    cuts = [0.0, 3.3 * HOUR_S, 7 * HOUR_S, 10 * HOUR_S]
    sampler = WorkloadSampler(_scenario(), 11)
    parts = [sampler.arrivals_between(t0, t1) for t0, t1 in zip(cuts, cuts[1:])]
    assert _same(whole, Arrivals.concat(parts, sort=False))
    assert len(whole) > 10_000 and set(np.unique(whole.workload)) == {0, 1}
    assert np.all(np.diff(whole.time_s) >= 0)
    fresh = [WorkloadSampler(_scenario(), 11).arrivals_between(t0, t1) for t0, t1 in zip(cuts, cuts[1:])]
    assert _same(whole, Arrivals.concat(fresh, sort=False))


def test_same_seed_same_arrivals_different_seed_different() -> None:
    """Two samplers with the same SeedSequence agree exactly; another seed gives other times."""
    a = WorkloadSampler(_scenario(), np.random.SeedSequence(5)).arrivals_between(0, 2 * HOUR_S)
    b = WorkloadSampler(_scenario(), np.random.SeedSequence(5)).arrivals_between(0, 2 * HOUR_S)
    c = WorkloadSampler(_scenario(), np.random.SeedSequence(6)).arrivals_between(0, 2 * HOUR_S)
    assert _same(a, b)
    assert not np.array_equal(a.time_s[:100], c.time_s[:100])
    assert _same(
        WorkloadSampler(_scenario(), 5).initial_population(), WorkloadSampler(_scenario(), 5).initial_population()
    )


def test_adding_a_workload_does_not_shift_the_others() -> None:
    """Appending a workload entry leaves the arrivals and initial population of the existing ones unchanged."""
    base = WorkloadSampler(_scenario(), 21)
    more = WorkloadSampler(_scenario([poisson_entry(700) | {"name": "more"}]), 21)
    a, b = base.arrivals_between(0, 3 * HOUR_S), more.arrivals_between(0, 3 * HOUR_S)
    keep = b.workload < 2
    assert np.any(~keep)
    assert _same(a, Arrivals(**{c: getattr(b, c)[keep] for c in COLUMNS}))
    p, q = base.initial_population(), more.initial_population()
    assert _same(p, q.slice(0, len(p)))


def test_instance_mix_change_keeps_arrival_times() -> None:
    """Arrival times come from their own stream: changing the instance mix changes types only."""
    one = make_scenario([poisson_entry(500, instances={"small": 1.0})])
    two = make_scenario([poisson_entry(500, instances={"small": 0.5, "huge": 0.5})])
    a = WorkloadSampler(one, 3).arrivals_between(0, 5 * HOUR_S)
    b = WorkloadSampler(two, 3).arrivals_between(0, 5 * HOUR_S)
    assert np.array_equal(a.time_s, b.time_s) and np.array_equal(a.lifetime_s, b.lifetime_s)
    assert np.array_equal(a.zone, b.zone) and not np.array_equal(a.instance_type, b.instance_type)
