"""The engine against queueing closed forms: Erlang-B blocking (M/M/c/c) and Little's law."""

from __future__ import annotations

import numpy as np
import pytest

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine import Engine
from engine_streams import poisson, split


def erlang_b(c: int, a: float) -> float:
    """B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def slot_fleet(c: int, policy: str, seed: int = 0) -> Engine:
    """One zone of c servers of one vCPU each: a loss system with c slots."""
    return Engine(
        np.ones(c, dtype=np.int32),
        np.ones(c, dtype=np.int64),
        np.array([0, c]),
        policy=policy,
        seed=seed,
        sample_every_s=3600.0,
    )


@pytest.mark.parametrize(
    ("c", "offered", "policy"), [(10, 8.0, "first-fit"), (5, 6.0, "random"), (20, 15.0, "best-fit")]
)
def test_refused_fraction_is_erlang_b(c: int, offered: float, policy: str) -> None:
    """M/M/c/c: the long-run refused fraction is Erlang-B B(c, A) within 5 % (relative)."""
    mean_life = 600.0
    rate = offered / mean_life
    warmup, horizon = 20 * mean_life, 20 * mean_life + 200_000 * mean_life / offered
    first, rest = split(poisson(rate, mean_life, horizon, seed=c), warmup)
    engine = slot_fleet(c, policy)
    engine.advance(first, warmup)
    before = engine.counters()
    engine.advance(rest, horizon)
    after = engine.counters()
    refused = (after.refused - before.refused) / (after.arrivals - before.arrivals)
    assert after.arrivals - before.arrivals > 190_000
    assert refused == pytest.approx(erlang_b(c, offered), rel=0.05)


def test_mean_resident_vms_is_littles_law() -> None:
    """Little's law at low load (no refusals): time-mean resident VMs = λ·E[L] within 2 %."""
    mean_life, rate = 3600.0, 50 / 3600.0  # A = 50 VMs
    horizon = 2000 * mean_life
    rng = np.random.default_rng(3)
    n0 = rng.poisson(rate * mean_life)  # steady start: Poisson(A) VMs, exponential residual lifetimes
    initial = Arrivals.from_columns(
        time_s=np.zeros(n0),
        vcpus=np.ones(n0),
        memory_mib=np.ones(n0),
        zone=np.zeros(n0),
        lifetime_s=rng.exponential(mean_life, n0),
    )
    engine = Engine(np.full(400, 4), np.full(400, 16), np.array([0, 400]), sample_every_s=86400.0)
    engine.place_initial(initial)
    engine.advance(poisson(rate, mean_life, horizon, seed=4), horizon)
    counters = engine.counters()
    assert counters.refused == 0 and counters.initial_placed == n0
    assert counters.zone_resident_vms_mean[0] == pytest.approx(rate * mean_life, rel=0.02)
    assert counters.zone_allocated_vcpu_fraction[0] == pytest.approx(rate * mean_life / 1600, rel=0.02)
