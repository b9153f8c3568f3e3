"""Counting index for uniform random choice: per block of servers, how many have >= v free vCPUs.

Each zone's servers are cut into blocks of `BLOCK` consecutive servers; a 1-based
complete binary tree over the blocks (layout as in `tree.py`) stores at every node
`counts[g, v]` = number of up servers in its subtree with at least v free vCPUs,
v = 0 .. V (the largest server's vCPUs). The j-th server (in index order) with
>= c free vCPUs is then one root-to-block descent reading column c plus a scan of
at most BLOCK servers: O(log(n / BLOCK) + BLOCK). A server going from a to b free
vCPUs changes |a - b| columns on each of the log(n / BLOCK) nodes above it.
Memory: about 2 (V + 1) * 4 / BLOCK bytes per server (17 B at V = 64).
"""

from __future__ import annotations

import numpy as np
from numba import njit

BLOCK = 32  # servers per leaf block: scan cost vs. tree memory (estimate: 32 keeps both small)


def count_layout(zone_server_start: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-zone node offset and block-leaf count (power of two), and the total node count."""
    blocks = (np.diff(zone_server_start).astype(np.int64) + BLOCK - 1) // BLOCK
    size = np.ones(len(blocks), dtype=np.int64)
    for z, n in enumerate(blocks):
        while size[z] < n:
            size[z] <<= 1
    off = np.zeros(len(blocks), dtype=np.int64)
    if len(blocks) > 1:
        off[1:] = np.cumsum(2 * size)[:-1]
    return off, size, int((2 * size).sum())


@njit(cache=True)
def fill_counts(counts: np.ndarray, off: np.ndarray, size: np.ndarray, zone_start: np.ndarray, cpu: np.ndarray) -> None:
    """Count every server (all up at build) into its block leaf for each v <= cpu, then sum up the tree."""
    counts[:, :] = 0
    top = counts.shape[1] - 1
    for z in range(len(off)):
        o = off[z]
        sz = size[z]
        lo = zone_start[z]
        for s in range(lo, zone_start[z + 1]):
            g = o + sz + (s - lo) // BLOCK
            for v in range(min(cpu[s], top) + 1):
                counts[g, v] += 1
        for v in range(sz - 1, 0, -1):
            a = o + 2 * v
            for k in range(top + 1):
                counts[o + v, k] = counts[a, k] + counts[a + 1, k]


@njit(cache=True)
def update_counts(counts: np.ndarray, o: int, sz: int, local: int, old_cpu: int, new_cpu: int) -> None:
    """Server at zone-local index `local` went from `old_cpu` to `new_cpu` free vCPUs (negative: down)."""
    if old_cpu == new_cpu:
        return
    if old_cpu > new_cpu:
        lo = max(new_cpu + 1, 0)
        hi = old_cpu + 1
        delta = -1
    else:
        lo = max(old_cpu + 1, 0)
        hi = new_cpu + 1
        delta = 1
    v = sz + local // BLOCK
    while v >= 1:
        g = o + v
        for k in range(lo, hi):
            counts[g, k] += delta
        v >>= 1


@njit(cache=True)
def count_at_least(counts: np.ndarray, o: int, c: int) -> int:
    """Up servers of the zone (tree at offset o) with at least c free vCPUs."""
    if c >= counts.shape[1]:
        return 0
    return counts[o + 1, max(c, 0)]


@njit(cache=True)
def nth_at_least(
    counts: np.ndarray, o: int, sz: int, nodes: np.ndarray, leaf0: int, n_servers: int, c: int, j: int
) -> int:
    """Zone-local index of the j-th (0-based, index order) server with >= c free vCPUs.

    `nodes[2 * (leaf0 + i)]` is the effective free vCPUs of zone-local server i
    (the max tree's leaves); requires 0 <= j < count_at_least(c).
    """
    c = max(c, 0)
    v = 1
    while v < sz:
        a = 2 * v
        left = counts[o + a, c]
        if j < left:
            v = a
        else:
            j -= left
            v = a + 1
    first = (v - sz) * BLOCK
    for i in range(first, min(first + BLOCK, n_servers)):
        if nodes[2 * (leaf0 + i)] >= c:
            if j == 0:
                return i
            j -= 1
    return -1
