"""Best-fit's per-value server bitmaps and its lazily kept max tree agree with the servers' state at any size."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudtwin.placement import PlacementIndex, bestfit, tree
from cloudtwin.placement.index import likely_choice

VCPUS = 40  # one value word; 41 values


def churned(
    n_servers: list[int], steps: int, seed: int, memory_heavy: bool = True, mib_per_vcpu: int = 8
) -> tuple[PlacementIndex, np.ndarray]:
    """A best-fit index after `steps` random placements and releases, and its zone starts (memory_heavy: VMs of
    up to twice the servers' memory per vCPU, so memory often binds; else VMs of no memory)."""
    starts = np.concatenate([[0], np.cumsum(n_servers)])
    n = int(starts[-1])
    ix = PlacementIndex(np.full(n, VCPUS), np.full(n, VCPUS * mib_per_vcpu), starts, "best-fit")
    rng = np.random.default_rng(seed)
    placed: list[tuple[int, int, int]] = []
    for _ in range(steps):
        if placed and rng.random() < 0.4:
            s, c, m = placed.pop(int(rng.integers(len(placed))))
            ix.release(s, c, m)
        else:
            c = int(rng.integers(1, 9))
            m = int(rng.integers(0, 2 * mib_per_vcpu * c)) if memory_heavy else 0
            s = ix.place(int(rng.integers(len(n_servers))), c, m)
            if s >= 0:
                placed.append((s, c, m))
    return ix, starts


@settings(max_examples=25, deadline=None)
@given(n=st.sampled_from([1, 63, 64, 65, 4095, 4097, 9000]), seed=st.integers(0, 1000))
def test_first_from_is_the_lowest_server_with_that_value(n: int, seed: int) -> None:
    """first_from(v, i) = the lowest server >= i with exactly v free vCPUs (1-3 bitmap levels); the zone's value
    mask lists exactly the values present."""
    ix, _ = churned([n], steps=3 * n, seed=seed)
    cap = ix.capacity
    free = ix.free_vcpus()
    rng = np.random.default_rng(seed)
    present = {int(v) for v in np.unique(free)}
    mask = sum(int(w) << (64 * k) for k, w in enumerate(cap.values[0]))
    assert {v for v in range(VCPUS + 1) if mask >> v & 1} == present
    for _ in range(40):
        v = int(rng.choice(sorted(present))) if rng.random() < 0.8 else int(rng.integers(0, VCPUS + 1))
        i = int(rng.integers(0, n + 1))
        hits = np.flatnonzero(free[i:] == v)
        assert bestfit.first_from(cap.bits, cap.geom, 0, v, i) == (i + int(hits[0]) if len(hits) else -1)


def test_best_fit_matches_the_scan_on_large_memory_bound_zones() -> None:
    """On zones of 5,000 servers where memory often rules the tightest server out, best fit picks what a scan of
    its definition picks (fewest free vCPUs among servers with room for both, ties to the lowest index)."""
    ix, starts = churned([5000, 3000], steps=20_000, seed=1)
    rng = np.random.default_rng(2)
    for _ in range(300):
        z = int(rng.integers(2))
        c, m = int(rng.integers(1, 12)), int(rng.integers(0, 200))
        free_c, free_m = ix.free_vcpus(), ix.free_memory_mib()
        lo, hi = starts[z], starts[z + 1]
        ok = np.flatnonzero((free_c[lo:hi] >= c) & (free_m[lo:hi] >= m))
        want = -1 if len(ok) == 0 else lo + int(ok[np.lexsort((ok, free_c[lo:hi][ok]))[0]])
        assert ix.choose(z, c, m) == want
        if want >= 0 and rng.random() < 0.5:
            ix.allocate(want, c, m)


def test_a_refreshed_lazy_tree_equals_one_built_from_its_leaves() -> None:
    """After updates that only wrote leaves, `refresh` rebuilds every zone's maxima exactly, whether it replays
    the listed leaves or (list overflowed) recomputes the whole zone."""
    for steps in (40, 30_000):  # a short list; then far more writes than the list holds (memory never binds:
        ix, starts = churned([700, 1500], steps=steps, seed=steps, memory_heavy=False)  # no search refreshes)
        cap = ix.capacity
        overflowed = cap.dirty_n.copy()
        for z in range(2):
            tree.refresh(cap.nodes, cap.tree_off[z], cap.tree_size[z], cap.dirty, cap.dirty_off, cap.dirty_n, z)
        fresh = cap.nodes.copy()
        free_c, free_m = ix.free_vcpus(), ix.free_memory_mib()
        tree.fill_tree(fresh, cap.tree_off, cap.tree_size, starts, free_c.astype(np.int64), free_m)
        assert np.array_equal(cap.nodes, fresh)
        assert (steps > 1000) == bool((overflowed < 0).any())


def test_the_prefetch_guess_is_best_fits_pick_when_memory_fits() -> None:
    """likely_choice (stage 1) names the server best fit then picks for a request whose memory fits anywhere."""
    ix, starts = churned([3000], steps=8000, seed=3)
    for c in (1, 2, 4, 8):
        likely_choice(ix.capacity, 0, c, 0)
        assert likely_choice(ix.capacity, 0, c, 1) == ix.choose(0, c, 0)
