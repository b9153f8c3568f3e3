"""Max segment trees over each zone's contiguous servers: free vCPUs and free memory per subtree.

Zone z owns one complete binary tree with `size[z]` leaves (a power of two >= its
server count), numbered 1-based from `off[z]`: local node v is global node
`g = off[z] + v`, its children are 2v and 2v+1, its leaves `size[z] .. size[z] + n_z - 1`
in server order. `nodes[2g]` is the max free vCPUs and `nodes[2g + 1]` the max free
memory (MiB) of the subtree (one int32 array, both values in one 8-byte pair).

Best-fit keeps the tree lazily (`mark_stale` / `refresh`): it reads inner nodes only
when a candidate lacks memory, so updates write the leaf and note it, and the
ancestors are recomputed when a search needs them (the bulk of the cost otherwise).

A leaf IS its server's capacity state: free vCPUs / MiB when the server is up;
`-1 - free` for each when it is down (so a down server carries capacity <= -1 and
never fits a request, vcpus >= 1 and memory >= 0, yet its free capacity is kept);
padding leaves hold -1/-1. An inner node that fits is only a necessary condition:
its two maxima may come from different servers, which the searches handle by
backtracking (same layout idea as the C reference `peers/c_reference/placement.c`).
Indices are cast to unsigned in the hot chains so numba emits no wraparound code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
from numba import njit

U = np.uint64
# seek / next_feasible get int64 arguments from every caller here: one compiled signature each; typed as giving
# an int for mypy (numba sees np.int64)
I64 = cast("Callable[[object], int]", np.int64)


def tree_layout(zone_server_start: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-zone node offset and leaf count (power of two), and the total node count."""
    counts = np.diff(zone_server_start).astype(np.int64)
    size = np.ones(len(counts), dtype=np.int64)
    for z, n in enumerate(counts):
        while size[z] < n:
            size[z] <<= 1
    off = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        off[1:] = np.cumsum(2 * size)[:-1]
    return off, size, int((2 * size).sum())


@njit(cache=True)
def fill_tree(
    nodes: np.ndarray, off: np.ndarray, size: np.ndarray, zone_start: np.ndarray, cpu: np.ndarray, mem: np.ndarray
) -> None:
    """Set every leaf from per-server capacity (all up) and rebuild the maxima."""
    for z in range(len(off)):
        o = off[z]
        sz = size[z]
        lo = zone_start[z]
        n = zone_start[z + 1] - lo
        for i in range(sz):
            g = o + sz + i
            nodes[2 * g] = cpu[lo + i] if i < n else -1
            nodes[2 * g + 1] = mem[lo + i] if i < n else -1
        nodes[2 * o] = -1  # local node 0 is unused
        nodes[2 * o + 1] = -1
        for v in range(sz - 1, 0, -1):
            a = o + 2 * v
            nodes[2 * (o + v)] = max(nodes[2 * a], nodes[2 * a + 2])
            nodes[2 * (o + v) + 1] = max(nodes[2 * a + 1], nodes[2 * a + 3])


@njit(cache=True, inline="always")
def update_leaf(nodes: np.ndarray, o: int, v: int, cpu: int, mem: int) -> None:
    """Set local leaf node v of the tree at offset o and refresh its ancestors until one is unchanged."""
    g = o + v
    nodes[U(2 * g)] = cpu
    nodes[U(2 * g + 1)] = mem
    while v > 1:
        v >>= 1
        a = 2 * (o + 2 * v)
        c = max(nodes[U(a)], nodes[U(a + 2)])
        m = max(nodes[U(a + 1)], nodes[U(a + 3)])
        g = 2 * (o + v)
        if nodes[U(g)] == c and nodes[U(g + 1)] == m:
            break
        nodes[U(g)] = c
        nodes[U(g + 1)] = m


@njit(cache=True, inline="always")
def mark_stale(dirty: np.ndarray, dirty_off: np.ndarray, dirty_n: np.ndarray, z: int, v: int) -> None:
    """Leaf v of zone z was written without refreshing its ancestors (lazy mode): remember it for `refresh`;
    past the zone's list capacity, remember only that the whole zone needs rebuilding (dirty_n = -1)."""
    k = dirty_n[z]
    if k >= 0:
        if dirty_off[z] + k < dirty_off[z + 1]:
            dirty[dirty_off[z] + k] = v
            dirty_n[z] = k + 1
        else:
            dirty_n[z] = -1


@njit(cache=True)
def refresh(
    nodes: np.ndarray, o: int, sz: int, dirty: np.ndarray, dirty_off: np.ndarray, dirty_n: np.ndarray, z: int
) -> None:
    """Bring zone z's inner nodes (tree at offset o, sz leaves) up to date with its leaves.

    Each remembered leaf's path is recomputed up to the first unchanged node: every
    inconsistent node is the parent of a remembered leaf or the parent of a node that
    changed on such a walk, so the walks leave none. After an overflow, a full rebuild.
    """
    k = dirty_n[z]
    if k < 0:
        for v in range(sz - 1, 0, -1):
            a = o + 2 * v
            nodes[2 * (o + v)] = max(nodes[2 * a], nodes[2 * a + 2])
            nodes[2 * (o + v) + 1] = max(nodes[2 * a + 1], nodes[2 * a + 3])
    else:
        for j in range(dirty_off[z], dirty_off[z] + k):
            v = np.int64(dirty[j])  # type: ignore[assignment]
            while v > 1:
                v >>= 1
                a = 2 * (o + 2 * v)
                c = max(nodes[a], nodes[a + 2])
                m = max(nodes[a + 1], nodes[a + 3])
                g = 2 * (o + v)
                if nodes[g] == c and nodes[g + 1] == m:
                    break
                nodes[g] = c
                nodes[g + 1] = m
    dirty_n[z] = 0


@njit(cache=True, inline="always")
def fits(nodes: np.ndarray, g: int, c: int, m: int) -> bool:
    """Global node g's maxima reach c vCPUs and m MiB."""
    return (nodes[U(2 * g)] >= c) & (nodes[U(2 * g + 1)] >= m)


@njit(cache=True)
def seek(nodes: np.ndarray, o: int, sz: int, v: int, c: int, m: int) -> int:
    """Leftmost feasible leaf (local index) at or after local node `v` in depth-first order, or -1.

    Visits only nodes that fit, so it is O(log n) unless subtree maxima come
    from different servers (then it backtracks; exact in every case).
    """
    while True:
        if fits(nodes, o + v, c, m):
            if v >= sz:
                return v - sz
            v <<= 1
        else:
            while v & 1:  # a right child (or the root): climb
                v >>= 1
            if v == 0:
                return -1
            v += 1  # the right sibling is next in depth-first order


@njit(cache=True)
def next_feasible(nodes: np.ndarray, o: int, sz: int, after: int, c: int, m: int) -> int:
    """Leftmost feasible leaf with local index > `after` (-1 if none)."""
    v = sz + after
    while v & 1:
        v >>= 1
    if v == 0:
        return -1
    return seek(nodes, o, sz, v + 1, I64(c), I64(m))


@njit(cache=True, inline="always")
def first_fit(nodes: np.ndarray, o: int, sz: int, c: int, m: int) -> int:
    """Lowest local index whose free vCPUs >= c and free memory >= m, or -1 (root must fit).

    Fast path: a branch-free descent into the left child whenever it fits; the
    leaf reached is the answer if it fits, else the exact backtracking search runs.
    """
    v = 1
    while v < sz:
        v = 2 * v + 1 - np.int64(fits(nodes, o + 2 * v, c, m))  # type: ignore[assignment]
    if fits(nodes, o + v, c, m):
        return v - sz
    return seek(nodes, o, sz, I64(1), I64(c), I64(m))


@njit(cache=True)
def worst_fit(nodes: np.ndarray, o: int, sz: int, c: int, m: int, stack: np.ndarray) -> int:
    """Feasible local index with the most free vCPUs, ties to the lowest index, or -1.

    Branch and bound: children are explored most-free-vCPUs first (left on ties);
    a subtree is pruned when its max free vCPUs cannot beat the best so far.
    """
    if not fits(nodes, o + 1, c, m):
        return -1
    best_cpu = -1
    best = -1
    stack[0] = 1
    sp = 1
    while sp > 0:
        sp -= 1
        v = stack[sp]
        top = nodes[2 * (o + v)]
        if top < best_cpu:
            continue
        if top == best_cpu:
            lo = v
            while lo < sz:
                lo <<= 1
            if lo - sz > best:
                continue
        if v >= sz:
            best_cpu = top
            best = v - sz
            continue
        a = 2 * v
        fa = fits(nodes, o + a, c, m)
        fb = fits(nodes, o + a + 1, c, m)
        if fa and fb:
            if nodes[2 * (o + a)] >= nodes[2 * (o + a + 1)]:
                stack[sp] = a + 1
                stack[sp + 1] = a
            else:
                stack[sp] = a
                stack[sp + 1] = a + 1
            sp += 2
        elif fa:
            stack[sp] = a
            sp += 1
        elif fb:
            stack[sp] = a + 1
            sp += 1
    return best


@njit(cache=True)
def count_feasible(nodes: np.ndarray, o: int, sz: int, c: int, m: int) -> int:
    """Number of feasible leaves (O(feasible * log n); used only as an exact fallback)."""
    n = 0
    leaf = seek(nodes, o, sz, I64(1), I64(c), I64(m))
    while leaf >= 0:
        n += 1
        leaf = next_feasible(nodes, o, sz, leaf, I64(c), I64(m))
    return n


@njit(cache=True)
def nth_feasible(nodes: np.ndarray, o: int, sz: int, c: int, m: int, j: int) -> int:
    """Local index of the j-th (0-based, in server order) feasible leaf, or -1."""
    leaf = seek(nodes, o, sz, I64(1), I64(c), I64(m))
    while leaf >= 0 and j > 0:
        j -= 1
        leaf = next_feasible(nodes, o, sz, leaf, I64(c), I64(m))
    return leaf
