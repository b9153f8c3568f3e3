"""The O(log n) index picks what a brute-force scan of the policy's definition picks, on random fleets."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudtwin.placement import PlacementIndex

MIB_PER_VCPU = 3  # tiny memory units keep states dense; the index never assumes a ratio


def feasible(free_c: np.ndarray, free_m: np.ndarray, up: np.ndarray, lo: int, hi: int, c: int, m: int) -> list[int]:
    return [s for s in range(lo, hi) if up[s] and free_c[s] >= c and free_m[s] >= m]


def scan(policy: str, free_c: np.ndarray, free_m: np.ndarray, up: np.ndarray, lo: int, hi: int, c: int, m: int) -> int:
    """The policy's written definition, as a linear scan."""
    cands = feasible(free_c, free_m, up, lo, hi, c, m)
    if not cands:
        return -1
    if policy == "first-fit":
        return cands[0]
    if policy == "best-fit":
        return min(cands, key=lambda s: (free_c[s], s))
    return min(cands, key=lambda s: (-free_c[s], s))  # worst-fit


@st.composite
def fleets(draw: st.DrawFn) -> tuple:
    n_zones = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 40), min_size=n_zones, max_size=n_zones))
    n = sum(sizes)
    vcpus = draw(st.lists(st.sampled_from([4, 8, 16, 70]), min_size=n, max_size=n))  # 70: two mask words
    mem = [v * MIB_PER_VCPU for v in vcpus]
    used_c = [draw(st.integers(0, v)) for v in vcpus]
    used_m = [draw(st.integers(0, x)) for x in mem]  # independent of vCPUs: maxima from different servers
    down = draw(st.lists(st.integers(0, n - 1), max_size=4))
    queries = draw(
        st.lists(
            st.tuples(st.integers(0, n_zones - 1), st.integers(1, 20), st.integers(0, 60)), min_size=1, max_size=25
        )
    )
    return sizes, vcpus, mem, used_c, used_m, down, queries


def build(
    policy: str,
    sizes: list[int],
    vcpus: list[int],
    mem: list[int],
    used_c: list[int],
    used_m: list[int],
    down: list[int],
) -> PlacementIndex:
    starts = np.concatenate([[0], np.cumsum(sizes)])
    ix = PlacementIndex(np.array(vcpus), np.array(mem), starts, policy, seed=11)
    for s in range(len(vcpus)):
        ix.allocate(s, used_c[s], used_m[s])
    for s in down:
        ix.set_server_down(s)
    return ix


@settings(max_examples=60, deadline=None)
@given(fleets())
def test_deterministic_policies_match_the_scan(case: tuple) -> None:
    """first-fit, best-fit and worst-fit choose exactly the server the linear scan of their definition does."""
    sizes, vcpus, mem, used_c, used_m, down, queries = case
    starts = np.concatenate([[0], np.cumsum(sizes)])
    for policy in ("first-fit", "best-fit", "worst-fit"):
        ix = build(policy, sizes, vcpus, mem, used_c, used_m, down)
        up = np.ones(len(vcpus), dtype=bool)
        up[down] = False
        for z, c, m in queries:
            fc, fm = ix.free_vcpus(), ix.free_memory_mib()
            want = scan(policy, fc, fm, up, starts[z], starts[z + 1], c, m)
            assert ix.choose(z, c, m) == want, (policy, z, c, m)
            if want >= 0:  # evolve the state through the index's own update path
                ix.place(z, c, m)
                if want % 3 == 0:
                    ix.release(want, c, m)


@settings(max_examples=40, deadline=None)
@given(fleets())
def test_random_policies_choose_only_feasible_servers(case: tuple) -> None:
    """random and power-of-two return a feasible server of the zone, and -1 exactly when none is feasible."""
    sizes, vcpus, mem, used_c, used_m, down, queries = case
    starts = np.concatenate([[0], np.cumsum(sizes)])
    for policy in ("random", "power-of-two"):
        ix = build(policy, sizes, vcpus, mem, used_c, used_m, down)
        up = np.ones(len(vcpus), dtype=bool)
        up[down] = False
        for z, c, m in queries:
            cands = feasible(ix.free_vcpus(), ix.free_memory_mib(), up, starts[z], starts[z + 1], c, m)
            got = ix.place(z, c, m)
            assert (got in cands) if cands else got == -1


def chi2_bound(dof: int, z: float = 4.5) -> float:
    """Wilson-Hilferty upper quantile of chi-square (z = 4.5 sigma: false alarm ~3e-6)."""
    k = float(dof)
    return k * (1 - 2 / (9 * k) + z * math.sqrt(2 / (9 * k))) ** 3


def skewed_fleet(policy: str) -> tuple[PlacementIndex, list[int]]:
    """120 servers; for (4 vCPUs, 40 MiB) most are vCPU-feasible but only every tenth has the memory,
    so the vCPU-uniform draws often miss and the exact fallback runs too."""
    rng = np.random.default_rng(5)
    n = 120
    ix = PlacementIndex(np.full(n, 16), np.full(n, 100), np.array([0, n]), policy, seed=9)
    for s in range(n):
        c = int(rng.integers(0, 17))
        m = 50 if s % 10 == 0 else int(rng.integers(0, 40))
        ix.allocate(s, 16 - c, 100 - m)
    cands = feasible(ix.free_vcpus(), ix.free_memory_mib(), np.ones(n, bool), 0, n, 4, 40)
    return ix, cands


def test_random_is_uniform_over_feasible_servers() -> None:
    """random: every feasible server equally likely (chi-square within its 4.5-sigma bound), memory-binding case."""
    ix, cands = skewed_fleet("random")
    assert len(cands) >= 3
    n = 400 * len(cands)
    picks = np.bincount([ix.choose(0, 4, 40) for _ in range(n)], minlength=120)
    assert set(np.flatnonzero(picks)) <= set(cands)
    expected = n / len(cands)
    chi2 = float(((picks[cands] - expected) ** 2 / expected).sum())
    assert chi2 < chi2_bound(len(cands) - 1)


def test_power_of_two_distribution_over_fullness_ranks() -> None:
    """power-of-two: the r-th fullest of F feasible servers wins with probability (2(F - r) - 1) / F^2."""
    ix, cands = skewed_fleet("power-of-two")
    fc, fm = ix.free_vcpus(), ix.free_memory_mib()
    ranked = sorted(cands, key=lambda s: (fc[s], fm[s], s))
    f = len(ranked)
    n = 300 * f * f // 4
    picks = np.bincount([ix.choose(0, 4, 40) for _ in range(n)], minlength=120)
    assert set(np.flatnonzero(picks)) <= set(cands)
    expected = np.array([(2 * (f - r) - 1) / f**2 * n for r in range(f)])
    chi2 = float(((picks[ranked] - expected) ** 2 / expected).sum())
    assert chi2 < chi2_bound(f - 1)
