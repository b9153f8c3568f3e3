"""Same inputs and seed give the same run, bit for bit, however the run is cut into chunks."""

from __future__ import annotations

import numpy as np
import pytest

from cloudtwin.engine import Engine
from cloudtwin.placement import POLICIES
from engine_streams import poisson, split

HORIZON_S = 3 * 86400.0


def fleet(policy: str, seed: int) -> Engine:
    """Two zones (two datacenters in the first) of 8-vCPU servers at ~90 % offered load."""
    vcpus = np.full(60, 8)
    return Engine(
        vcpus,
        vcpus * 4096,
        np.array([0, 40, 60]),
        server_datacenter=np.repeat([0, 1, 2], 20),
        policy=policy,
        seed=seed,
        sample_every_s=3600.0,
        vm_capacity_hint=64,
    )


def stream(seed: int = 1):  # type: ignore[no-untyped-def]
    return poisson(0.032, 3600.0, HORIZON_S, seed, n_zones=2, vcpus=(1, 2, 4, 8), memory_mib_per_vcpu=4096)


def run(policy: str, seed: int, cuts: list[float]) -> Engine:
    engine = fleet(policy, seed)
    rest = stream()
    for t_end in [*cuts, HORIZON_S]:
        chunk, rest = split(rest, t_end)
        engine.advance(chunk, t_end)
    return engine


def same_samples(a: Engine, b: Engine) -> bool:
    sa, sb = a.samples(), b.samples()
    return all(np.array_equal(getattr(sa, f), getattr(sb, f)) for f in sa.__dataclass_fields__)


@pytest.mark.parametrize("policy", POLICIES)
def test_same_seed_same_samples(policy: str) -> None:
    """Two runs with the same inputs and seed produce identical sample arrays and final state."""
    a, b = run(policy, 7, []), run(policy, 7, [])
    assert len(a.samples()) == HORIZON_S / 3600.0
    assert same_samples(a, b)
    assert np.array_equal(a.free_vcpus(), b.free_vcpus())


def test_seed_drives_the_random_policies() -> None:
    """A different seed changes where the random policy puts VMs (the seed is really used)."""
    assert not np.array_equal(run("random", 7, []).free_vcpus(), run("random", 8, []).free_vcpus())


@pytest.mark.parametrize("policy", ["first-fit", "power-of-two"])
def test_chunking_does_not_change_the_run(policy: str) -> None:
    """Advancing in one chunk or in many (cut anywhere, even between ticks) gives the same counters and samples."""
    whole = run(policy, 3, [])
    cuts = sorted(np.random.default_rng(5).uniform(0, HORIZON_S, 37).tolist() + [HORIZON_S - 3600.0])
    pieces = run(policy, 3, cuts)
    a, b = whole.counters(), pieces.counters()
    assert (a.arrivals, a.accepted, a.refused, a.departures) == (b.arrivals, b.accepted, b.refused, b.departures)
    assert a.refused > 0  # the fleet is loaded enough for placement to matter
    assert np.allclose(a.zone_vm_seconds, b.zone_vm_seconds, rtol=1e-12)
    assert same_samples(whole, pieces)
    assert np.array_equal(whole.free_vcpus(), pieces.free_vcpus())
