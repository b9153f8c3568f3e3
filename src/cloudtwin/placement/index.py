"""The capacity index: the fleet's free vCPUs/memory per server and the per-zone index that places VMs.

`Capacity` is a named tuple of arrays that compiled code (the engine loop) takes
as one argument; `choose`, `allocate`, `release` and `set_up` are the compiled
operations on it (see `tree.py`, `bestfit.py`, `counts.py`). Which auxiliary
structure is kept depends on the policy: the max tree always (lazily for
best-fit); per free-vCPU value bitmaps of servers for best-fit; block counts for
random and power-of-two. Updates are O(log n) (times the vCPUs moved, for the
counts; O(1) expected for best-fit). Queries, n = servers of the zone:

- first-fit, worst-fit: max-tree descent, O(log n);
- best-fit: smallest free-vCPU value >= the request from the zone's value mask, then
  the lowest-index server holding it from that value's bitmap, O(log_64 n) when
  that server has the memory (else max-tree jumps, `bestfit.py`);
- random: exactly uniform over the feasible servers. Each draw is uniform over
  the servers with enough free vCPUs (count tree, O(log n)) and is kept if the
  memory fits too: an accepted draw is uniform over the feasible set (rejection
  sampling). After RANDOM_TRIES misses, an exact enumeration of the feasible
  servers (O(feasible log n)) draws uniformly, so the result stays uniform;
- power-of-two: two such draws.
All three descents backtrack when a subtree's vCPU and memory maxima come from
different servers and neither fits, so O(log n) holds when memory is not the
binding constraint (as with VM shapes proportional to server shapes); the
answer is exact in every case. `PlacementIndex` wraps all this for Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, cast

import numpy as np
from numba import njit

from cloudtwin.errors import PlacementError
from cloudtwin.placement import bestfit, counts, tree
from cloudtwin.placement.policies import (
    BEST_FIT,
    FIRST_FIT,
    POWER_OF_TWO,
    RANDOM,
    WORST_FIT,
    policy_code,
)
from cloudtwin.placement.prefetch import prefetch
from cloudtwin.placement.rng import rng_state, uniform_int

PREFETCH_LEVELS = 3  # tree levels above a leaf that `prefetch_server` fetches (estimate: tuned by measurement)
RANDOM_TRIES = 16  # uniform draws over vCPU-feasible servers before the exact memory-aware fallback
MAX_SERVER_MEMORY_MIB = np.iinfo(np.int32).max  # leaves are int32: 2 PiB per server
MAX_SERVER_VCPUS = 4096  # best-fit bitmaps / count columns grow with it; larger servers are not a 2014 thing
# `_set_leaf` is compiled once, for int64 arguments: callers cast (int32 columns, int64 sums); typed as giving
# an int for mypy (numba sees np.int64)
I64 = cast("Callable[[object], int]", np.int64)


class Capacity(NamedTuple):
    """Fleet capacity state plus the index over it (all arrays; see the module docstring).

    The per-server state lives in the max tree's leaves (`tree.py`): free vCPUs /
    MiB of an up server, `-1 - free` of a down one. Server s of zone z is global
    node `leaf_base[z] + s`.
    """

    policy: int
    zone_start: np.ndarray  # int64 (Z+1): zone z owns servers [zone_start[z], zone_start[z+1])
    server_zone: np.ndarray  # int32 (S), for Python-side and rare lookups
    tree_off: np.ndarray  # int64 (Z)
    tree_size: np.ndarray  # int64 (Z)
    leaf_base: np.ndarray  # int64 (Z): tree_off + tree_size - zone_start
    nodes: np.ndarray  # int32 (2N): [2g] subtree max free vCPUs, [2g + 1] max free MiB
    bits: np.ndarray  # uint64 per (zone, free-vCPU value) server bitmaps for best-fit, else (1,)
    values: np.ndarray  # uint64 (Z, K): free-vCPU values present per zone, for best-fit, else (1, 1)
    geom: np.ndarray  # int64 (Z, 2 + 2 levels): the bitmaps' layout (bestfit.bitmap_layout), else (1, 4)
    dirty: np.ndarray  # int32: best-fit's leaves written since their zone's inner nodes were refreshed
    dirty_off: np.ndarray  # int64 (Z + 1): zone z's list is dirty[dirty_off[z]:dirty_off[z + 1]]
    dirty_n: np.ndarray  # int64 (Z): entries in each list, -1 = overflowed (the zone's tree is rebuilt)
    count_off: np.ndarray  # int64 (Z)
    count_size: np.ndarray  # int64 (Z)
    counts: np.ndarray  # int32 (M, V+1) for random / power-of-two, else (1, 1)
    rng: np.ndarray  # uint64 (4): xoshiro256** state
    stack: np.ndarray  # int64 scratch for worst-fit's branch and bound


def _read_only(values: np.ndarray) -> np.ndarray:
    """A contiguous int64 read-only view (a copy only if the dtype or layout differs): compiled code gets the
    same argument types whether the caller's array was writable (a test's) or not (a world's), so it is
    compiled once, and the engine's warm-up (`engine.warmup`) compiles what a run uses."""
    view = np.ascontiguousarray(values, dtype=np.int64).view()
    view.flags.writeable = False
    return view


def build_capacity(
    server_vcpus: np.ndarray,
    server_memory_mib: np.ndarray,
    zone_server_start: np.ndarray,
    policy: str,
    seed: int | np.random.SeedSequence,
) -> Capacity:
    """An empty fleet (every server up and fully free) indexed for `policy`."""
    code = policy_code(policy)
    cpu = _read_only(server_vcpus)
    mem = _read_only(server_memory_mib)
    starts = _read_only(zone_server_start)
    n = len(cpu)
    problems = []
    if cpu.ndim != 1 or mem.shape != cpu.shape:
        problems.append("server_vcpus and server_memory_mib must be 1-d arrays of one length")
    if starts.ndim != 1 or len(starts) < 2 or starts[0] != 0 or starts[-1] != n or np.any(np.diff(starts) < 0):
        problems.append(f"zone_server_start must rise from 0 to the server count {n} (got {starts.tolist()[:8]})")
    if n and (cpu.min() < 0 or cpu.max() > MAX_SERVER_VCPUS):
        problems.append(f"server vCPUs must lie in [0, {MAX_SERVER_VCPUS}] (got {cpu.min()}..{cpu.max()})")
    if n and (mem.min() < 0 or mem.max() > MAX_SERVER_MEMORY_MIB):
        problems.append(f"server memory must lie in [0, {MAX_SERVER_MEMORY_MIB}] MiB (got {mem.min()}..{mem.max()})")
    if problems:
        raise PlacementError(problems=problems)
    server_zone = np.repeat(np.arange(len(starts) - 1, dtype=np.int32), np.diff(starts))
    off, size, n_nodes = tree.tree_layout(starts)
    nodes = np.empty(2 * n_nodes, dtype=np.int32)
    tree.fill_tree(nodes, off, size, starts, cpu, mem)
    top = int(cpu.max()) if n else 0
    bits, values, geom = np.zeros(1, np.uint64), np.zeros((1, 1), np.uint64), np.zeros((1, 4), np.int64)
    if code == BEST_FIT:
        geom, words = bestfit.bitmap_layout(starts, top)
        bits = np.zeros(words, dtype=np.uint64)
        values = np.zeros((len(starts) - 1, bestfit.value_words(top)), dtype=np.uint64)
        bestfit.fill(bits, values, geom, nodes, off + size - starts[:-1], starts)
    c_off, c_size, c_nodes = counts.count_layout(starts)
    count_table = np.zeros((1, 1), dtype=np.int32)
    if code in (RANDOM, POWER_OF_TWO):
        count_table = np.zeros((c_nodes, top + 1), dtype=np.int32)
        counts.fill_counts(count_table, c_off, c_size, starts, cpu)
    dirty_off = np.zeros(len(starts), dtype=np.int64)
    if code == BEST_FIT:  # a list of n/8 leaves: an overflowed zone's rebuild costs ~16 node updates per write
        dirty_off[1:] = np.cumsum(np.maximum(np.diff(starts) // 8, 64))
    return Capacity(
        code,
        starts,
        server_zone,
        off,
        size,
        off + size - starts[:-1],
        nodes,
        bits,
        values,
        geom,
        np.zeros(int(dirty_off[-1]), dtype=np.int32),
        dirty_off,
        np.zeros(len(starts) - 1, np.int64),
        c_off,
        c_size,
        count_table,
        rng_state(seed),
        np.zeros(128, dtype=np.int64),
    )


def capacity_state(cap: Capacity) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-server free vCPUs (int32), free memory MiB (int64) and up flags, decoded from the leaves."""
    g = cap.leaf_base[cap.server_zone] + np.arange(len(cap.server_zone))
    cpu = cap.nodes[2 * g].astype(np.int32)
    mem = cap.nodes[2 * g + 1].astype(np.int64)
    up = cpu >= 0
    return np.where(up, cpu, -1 - cpu), np.where(up, mem, -1 - mem), up


@njit(cache=True)
def _random_local(cap: Capacity, z: int, c: int, m: int) -> int:
    """Uniform feasible zone-local index: draws over vCPU-feasible servers, memory-checked; exact fallback."""
    o = cap.tree_off[z]
    sz = cap.tree_size[z]
    co = cap.count_off[z]
    f = counts.count_at_least(cap.counts, co, c)
    if f == 0:
        return -1
    n = cap.zone_start[z + 1] - cap.zone_start[z]
    for _ in range(RANDOM_TRIES):
        j = uniform_int(cap.rng, f)
        loc = counts.nth_at_least(cap.counts, co, cap.count_size[z], cap.nodes, o + sz, n, c, j)
        if cap.nodes[2 * (o + sz + loc) + 1] >= m:
            return loc
    f = tree.count_feasible(cap.nodes, o, sz, c, m)
    if f == 0:
        return -1
    return tree.nth_feasible(cap.nodes, o, sz, c, m, uniform_int(cap.rng, f))


@njit(cache=True, forceinline=True)
def choose(cap: Capacity, z: int, c: int, m: int) -> int:
    """The server (global index) the policy picks in zone z for c vCPUs and m MiB, or -1 if none fits.

    first-fit: lowest index; best-fit: fewest free vCPUs, ties lowest index;
    worst-fit: most free vCPUs, ties lowest index; random: uniform; power-of-two:
    two uniform draws, keep the one with fewer free vCPUs, then less free memory,
    then the lower index (policies.DEFINITIONS).
    """
    o = cap.tree_off[z]
    sz = cap.tree_size[z]
    p = cap.policy
    if p != BEST_FIT and not tree.fits(cap.nodes, o + 1, c, m):  # best-fit's inner nodes may be stale
        return -1
    if p == FIRST_FIT:
        loc = tree.first_fit(cap.nodes, o, sz, c, m)
    elif p == BEST_FIT:
        loc = bestfit.best_fit(
            cap.bits, cap.values, cap.geom, cap.nodes, o, sz, z, c, m, cap.dirty, cap.dirty_off, cap.dirty_n
        )
    elif p == WORST_FIT:
        loc = tree.worst_fit(cap.nodes, o, sz, c, m, cap.stack)
    else:
        loc = _random_local(cap, z, c, m)
        if p == POWER_OF_TWO and loc >= 0:
            other = _random_local(cap, z, c, m)
            a = 2 * (o + sz + loc)
            b = 2 * (o + sz + other)
            ca, cb = cap.nodes[a], cap.nodes[b]
            ma, mb = cap.nodes[a + 1], cap.nodes[b + 1]
            if cb < ca or (cb == ca and (mb < ma or (mb == ma and other < loc))):
                loc = other
    if loc < 0:
        return -1
    return cap.zone_start[z] + loc


@njit(cache=True, forceinline=True)
def _set_leaf(cap: Capacity, z: int, s: int, cpu: int, mem: int) -> None:
    """Write server s's leaf (zone z) and keep every structure of the policy in step."""
    o = cap.tree_off[z]
    v = cap.tree_size[z] + s - cap.zone_start[z]
    old = cap.nodes[2 * (o + v)]
    if cap.policy == BEST_FIT:
        cap.nodes[np.uint64(2 * (o + v))] = cpu
        cap.nodes[np.uint64(2 * (o + v) + 1)] = mem
        tree.mark_stale(cap.dirty, cap.dirty_off, cap.dirty_n, z, v)
        bestfit.update(cap.bits, cap.values, cap.geom, z, s - cap.zone_start[z], old, cpu)
        return
    tree.update_leaf(cap.nodes, o, v, cpu, mem)
    if cap.policy == RANDOM or cap.policy == POWER_OF_TWO:
        counts.update_counts(cap.counts, cap.count_off[z], cap.count_size[z], s - cap.zone_start[z], old, cpu)


@njit(cache=True, inline="always")
def allocate(cap: Capacity, z: int, s: int, c: int, m: int) -> None:
    """Take c vCPUs and m MiB on server s of zone z (the caller checked it fits; also valid while down)."""
    g = 2 * (cap.leaf_base[z] + s)
    cpu = cap.nodes[g]
    if cpu >= 0:
        _set_leaf(cap, I64(z), I64(s), I64(cpu - c), I64(cap.nodes[g + 1] - m))
    else:  # down: -1 - free, so less free is a larger value
        _set_leaf(cap, I64(z), I64(s), I64(cpu + c), I64(cap.nodes[g + 1] + m))


@njit(cache=True, inline="always")
def release(cap: Capacity, z: int, s: int, c: int, m: int) -> None:
    """Give back c vCPUs and m MiB on server s of zone z."""
    g = 2 * (cap.leaf_base[z] + s)
    cpu = cap.nodes[g]
    if cpu >= 0:
        _set_leaf(cap, I64(z), I64(s), I64(cpu + c), I64(cap.nodes[g + 1] + m))
    else:
        _set_leaf(cap, I64(z), I64(s), I64(cpu - c), I64(cap.nodes[g + 1] - m))


@njit(cache=True, inline="always")
def prefetch_server(cap: Capacity, z: int, s: int) -> None:
    """Start loading what allocating on or releasing server s (zone z) will touch: its leaf and the
    PREFETCH_LEVELS levels above it in the max tree (kept lazily by best-fit: the leaf only)."""
    o = cap.tree_off[z]
    v = cap.tree_size[z] + s - cap.zone_start[z]
    for _ in range(1 if cap.policy == BEST_FIT else PREFETCH_LEVELS + 1):
        prefetch(cap.nodes, np.uint64(2 * (o + v)))  # type: ignore[call-arg]
        v >>= 1


@njit(cache=True, inline="always")
def prefetch_release(cap: Capacity, z: int, s: int, c: int) -> None:
    """Start loading the best-fit bitmap words that releasing c vCPUs on server s (zone z) will change
    (the leaf must be in cache already: it tells the server's free vCPUs now)."""
    if cap.policy == BEST_FIT:
        cpu = cap.nodes[np.uint64(2 * (cap.leaf_base[z] + s))]
        if cpu >= 0:
            group = (s - cap.zone_start[z]) >> 6
            prefetch(cap.bits, bestfit.word_index(cap.geom, z, 0, group, cpu))  # type: ignore[call-arg]
            prefetch(cap.bits, bestfit.word_index(cap.geom, z, 0, group, cpu + c))


@njit(cache=True, inline="always")
def likely_choice(cap: Capacity, z: int, c: int, stage: int) -> int:
    """Prefetch help for a request of c vCPUs in zone z that comes a few events later (best-fit only; -1
    for other policies or when nothing is there): stage 0 starts loading the bitmap word best fit will read
    first and returns -1; stage 1 (that word in cache) returns the server best fit would pick if memory fits
    and nothing changes before the request is placed (a guess: it only steers prefetches)."""
    if cap.policy != BEST_FIT:
        return -1
    v = bestfit.lowest_value_at_least(cap.values, z, c)
    if v < 0:
        return -1
    w = bestfit.first_word(cap.bits, cap.geom, z, v)
    if stage == 0:
        prefetch(cap.bits, np.uint64(w))  # type: ignore[call-arg]
        return -1
    word = cap.bits[np.uint64(w)]
    if word == 0:
        return -1
    group = (w - cap.geom[z, bestfit.BASE]) // cap.geom[z, bestfit.N_VALUES] - cap.geom[z, bestfit.LEVEL0]
    return cap.zone_start[z] + (group << 6) + bestfit.cttz(word)  # type: ignore[call-arg]


@njit(cache=True)
def first_fit_in(cap: Capacity, z: int, lo: int, hi: int, c: int, m: int) -> int:
    """The lowest-index up server in [lo, hi) (global indices inside zone z) with c vCPUs and m MiB free, or -1.

    The range-restricted query: O(log n) like first-fit (a seek from the range's first leaf), whatever
    the zone's policy; best-fit's lazily kept inner nodes are brought up to date first.
    """
    o = cap.tree_off[z]
    sz = cap.tree_size[z]
    if cap.policy == BEST_FIT:
        tree.refresh(cap.nodes, o, sz, cap.dirty, cap.dirty_off, cap.dirty_n, z)
    a = lo - cap.zone_start[z]
    b = hi - cap.zone_start[z]
    if b <= a:
        return -1
    loc = tree.seek(cap.nodes, o, sz, I64(1), c, m) if a == 0 else tree.next_feasible(cap.nodes, o, sz, a - 1, c, m)
    if loc < 0 or loc >= b:
        return -1
    return cap.zone_start[z] + loc


@njit(cache=True)
def set_up(cap: Capacity, s: int, is_up: bool) -> None:
    """Mark server s up (the index sees its free capacity) or down (capacity -1 - free: never chosen)."""
    z = cap.server_zone[s]
    g = 2 * (cap.leaf_base[z] + s)
    cpu = cap.nodes[g]
    if (cpu >= 0) != is_up:
        _set_leaf(cap, I64(z), I64(s), I64(-1 - cpu), I64(-1 - cap.nodes[g + 1]))


class PlacementIndex:
    """A zone-partitioned fleet with a placement policy, driven from Python (one call per operation).

    `place(zone, vcpus, memory_mib)` picks a server by the policy and allocates
    on it; `choose` only picks. Policies are defined in `policies.DEFINITIONS`.
    """

    def __init__(
        self,
        server_vcpus: np.ndarray,
        server_memory_mib: np.ndarray,
        zone_server_start: np.ndarray,
        policy: str = "first-fit",
        seed: int | np.random.SeedSequence = 0,
    ) -> None:
        self.capacity = build_capacity(server_vcpus, server_memory_mib, zone_server_start, policy, seed)

    @property
    def n_zones(self) -> int:
        return len(self.capacity.zone_start) - 1

    def _check(self, zone: int, vcpus: int, memory_mib: int) -> None:
        if not 0 <= zone < self.n_zones:
            raise PlacementError(f"zone must lie in [0, {self.n_zones}) (got {zone})")
        if vcpus < 1 or memory_mib < 0:
            raise PlacementError(f"a VM needs vcpus >= 1 and memory_mib >= 0 (got {vcpus}, {memory_mib})")

    def choose(self, zone: int, vcpus: int, memory_mib: int) -> int:
        """The server the policy picks for the VM in `zone`, or -1 if no server of the zone fits it."""
        self._check(zone, vcpus, memory_mib)
        return int(choose(self.capacity, zone, vcpus, memory_mib))

    def place(self, zone: int, vcpus: int, memory_mib: int) -> int:
        """Choose a server and allocate the VM on it; -1 (nothing allocated) if none fits."""
        s = self.choose(zone, vcpus, memory_mib)
        if s >= 0:
            allocate(self.capacity, zone, s, vcpus, memory_mib)
        return s

    def _checked(self, server: int) -> int:
        if not 0 <= server < len(self.capacity.server_zone):
            raise PlacementError(f"server must lie in [0, {len(self.capacity.server_zone)}) (got {server})")
        return server

    def _zone_of(self, server: int) -> int:
        return int(self.capacity.server_zone[self._checked(server)])

    def allocate(self, server: int, vcpus: int, memory_mib: int) -> None:
        """Allocate on a given server (PlacementError if it is down or lacks room)."""
        z = self._zone_of(server)
        g = 2 * int(self.capacity.leaf_base[z] + server)
        if self.capacity.nodes[g] < vcpus or self.capacity.nodes[g + 1] < memory_mib:
            raise PlacementError(f"server {server} cannot host {vcpus} vCPUs / {memory_mib} MiB")
        allocate(self.capacity, z, server, vcpus, memory_mib)

    def release(self, server: int, vcpus: int, memory_mib: int) -> None:
        release(self.capacity, self._zone_of(server), server, vcpus, memory_mib)

    def set_server_down(self, server: int) -> None:
        set_up(self.capacity, self._checked(server), False)

    def set_server_up(self, server: int) -> None:
        set_up(self.capacity, self._checked(server), True)

    def free_vcpus(self) -> np.ndarray:
        """Free vCPUs per server (a down server shows what it would have free)."""
        return capacity_state(self.capacity)[0]

    def free_memory_mib(self) -> np.ndarray:
        return capacity_state(self.capacity)[1]

    def server_up(self) -> np.ndarray:
        return capacity_state(self.capacity)[2]
