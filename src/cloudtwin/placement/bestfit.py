"""Best-fit index: per zone and free-vCPU value v, the servers holding exactly v free vCPUs, as a 64-ary bitmap.

Free vCPUs are small integers (0 .. the largest server's vCPUs, V), so each zone
keeps, for every v, a bitmap over its servers with bit i set iff server i is up
with exactly v free vCPUs, plus summary levels above it (a summary bit is set iff
its 64-bit word below is non-zero) up to one top word; and one mask per zone of
the values present (`values`, ceil((V + 1) / 64) words). Best fit for (c, m):
the smallest present v >= c (a bit scan), then that bitmap's lowest set bit (one
word per level: 3 levels at 262,144 servers a zone); if that server lacks the
memory, the max tree (`tree.py`, kept lazily for best fit) jumps to the next
server with >= v vCPUs and >= m MiB and the bitmap to its next server with exactly v, until one has both or
v's servers run out (then the next value). A server changing from a to b free
vCPUs clears one bit and sets one, touching upper levels only when a word
empties or fills: O(1) expected, O(levels) at worst. The previous design (a
value mask per tree node) needed a descent and an update through all 17 levels
of a 110,000-server zone, a cache miss each.

Layout, per zone z: `geom[z] = (base, n_values, off_0, words_0, off_1, words_1, ...)`; word w of value v's
level l (level 0: the servers) is `bits[base + (off_l + w) * n_values + v]`, so the words of every value for one
group of 64 servers sit side by side: a server moving between close values touches one cache line.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from cloudtwin.placement import tree

_ONE = np.uint64(1)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
U = np.uint64
BASE, N_VALUES, LEVEL0 = 0, 1, 2  # geom columns: then (offset, words) per level


@intrinsic
def cttz(typingctx, x):  # type: ignore[no-untyped-def]
    """Count trailing zeros of a nonzero uint64 (LLVM `cttz`)."""
    if not isinstance(x, types.Integer):
        return None
    sig = types.int64(types.uint64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 0))

    return sig, codegen


def value_words(max_vcpus: int) -> int:
    """uint64 words needed to hold one bit per free-vCPU value 0..max_vcpus."""
    return max_vcpus // 64 + 1


def bitmap_layout(zone_server_start: np.ndarray, max_vcpus: int) -> tuple[np.ndarray, int]:
    """(geom, total words): per-zone bitmap geometry for values 0..max_vcpus (see the module docstring)."""
    sizes = np.diff(np.asarray(zone_server_start, dtype=np.int64))
    levels = 1
    while 64**levels < max(int(sizes.max()) if len(sizes) else 1, 1):
        levels += 1
    geom = np.zeros((len(sizes), LEVEL0 + 2 * levels), dtype=np.int64)
    base = 0
    for z, n in enumerate(sizes):
        words, off = max(-(-int(n) // 64), 1), 0
        for level in range(levels):
            geom[z, LEVEL0 + 2 * level] = off
            geom[z, LEVEL0 + 2 * level + 1] = words
            off += words
            words = -(-words // 64)
        geom[z, BASE] = base
        geom[z, N_VALUES] = max_vcpus + 1
        base += (max_vcpus + 1) * off
    return geom, base


@njit(cache=True, inline="always")
def word_index(geom: np.ndarray, z: int, level: int, w: int, v: int) -> np.uint64:
    """Index in `bits` of word w of value v's level `level` in zone z."""
    zz = U(z)
    return U(geom[zz, U(BASE)] + (geom[zz, U(LEVEL0 + 2 * level)] + w) * geom[zz, U(N_VALUES)] + v)


@njit(cache=True, inline="always")
def _set_bit(bits: np.ndarray, values: np.ndarray, geom: np.ndarray, z: int, v: int, i: int) -> None:
    """Add zone-local server i to value v's bitmap (and v to the zone's values if it was absent)."""
    levels = (geom.shape[1] - LEVEL0) >> 1
    for level in range(levels):
        w = word_index(geom, z, level, i >> 6, v)
        old = bits[w]
        bits[w] = old | (_ONE << U(i & 63))
        if old != 0:
            return
        i >>= 6
    values[z, v >> 6] |= _ONE << U(v & 63)


@njit(cache=True, inline="always")
def _clear_bit(bits: np.ndarray, values: np.ndarray, geom: np.ndarray, z: int, v: int, i: int) -> None:
    """Remove zone-local server i from value v's bitmap (and v from the zone's values if none is left)."""
    levels = (geom.shape[1] - LEVEL0) >> 1
    for level in range(levels):
        w = word_index(geom, z, level, i >> 6, v)
        new = bits[w] & ~(_ONE << U(i & 63))
        bits[w] = new
        if new != 0:
            return
        i >>= 6
    values[z, v >> 6] &= ~(_ONE << U(v & 63))


@njit(cache=True, inline="always")
def update(bits: np.ndarray, values: np.ndarray, geom: np.ndarray, z: int, i: int, old: int, new: int) -> None:
    """Zone-local server i went from `old` to `new` free vCPUs (negative: down, in no bitmap)."""
    if old != new:
        if old >= 0:
            _clear_bit(bits, values, geom, z, old, i)
        if new >= 0:
            _set_bit(bits, values, geom, z, new, i)


@njit(cache=True)
def fill(
    bits: np.ndarray,
    values: np.ndarray,
    geom: np.ndarray,
    nodes: np.ndarray,
    leaf_base: np.ndarray,
    zone_start: np.ndarray,
) -> None:
    """Bitmaps and value masks from the (already filled) max-tree leaves."""
    bits[:] = 0
    values[:, :] = 0
    for z in range(len(leaf_base)):
        for s in range(zone_start[z], zone_start[z + 1]):
            cpu = nodes[2 * (leaf_base[z] + s)]
            if cpu >= 0:
                _set_bit(bits, values, geom, z, cpu, s - zone_start[z])


@njit(cache=True, inline="always")
def first_from(bits: np.ndarray, geom: np.ndarray, z: int, v: int, i: int) -> int:
    """Lowest zone-local server >= i with exactly v free vCPUs, or -1."""
    levels = (geom.shape[1] - LEVEL0) >> 1
    level = 0
    while True:  # climb until a word holds a set bit at or after position i of its level
        w = i >> 6
        if w < geom[U(z), U(LEVEL0 + 2 * level + 1)]:
            word = bits[word_index(geom, z, level, w, v)] & (_ALL << U(i & 63))
            if word != 0:
                i = (w << 6) | cttz(word)  # type: ignore[call-arg]
                break
        level += 1
        if level == levels:
            return -1
        i = w + 1
    while level > 0:  # descend to the lowest set bit below
        level -= 1
        i = (i << 6) | cttz(bits[word_index(geom, z, level, i, v)])
    return i


@njit(cache=True, inline="always")
def first_word(bits: np.ndarray, geom: np.ndarray, z: int, v: int) -> int:
    """Index in `bits` of the first non-empty level-0 word of value v in zone z (which must hold v), found
    through the summary levels only: what `first_from(..., 0)` will load, for prefetching."""
    levels = (geom.shape[1] - LEVEL0) >> 1
    i = 0
    for level in range(levels - 1, 0, -1):
        i = (i << 6) | cttz(bits[word_index(geom, z, level, i, v)])  # type: ignore[call-arg]
    return np.int64(word_index(geom, z, 0, i, v))  # type: ignore[return-value]


@njit(cache=True, inline="always")
def lowest_value_at_least(values: np.ndarray, z: int, c: int) -> int:
    """Smallest free-vCPU value >= c present in zone z, or -1."""
    if c < 0:
        c = 0
    w = c >> 6
    if w >= values.shape[1]:
        return -1
    bits = values[z, w] & (_ALL << np.uint64(c & 63))
    while True:
        if bits != 0:
            return w * 64 + cttz(bits)  # type: ignore[call-arg]
        w += 1
        if w >= values.shape[1]:
            return -1
        bits = values[z, w]


@njit(cache=True)
def best_fit(
    bits: np.ndarray,
    values: np.ndarray,
    geom: np.ndarray,
    nodes: np.ndarray,
    o: int,
    sz: int,
    z: int,
    c: int,
    m: int,
    dirty: np.ndarray,
    dirty_off: np.ndarray,
    dirty_n: np.ndarray,
) -> int:
    """Feasible zone-local index with the fewest free vCPUs (>= c), ties to the lowest index, or -1.

    Zone z's max tree is at offset o with sz leaves, kept lazily (`tree.refresh`
    with the dirty lists): its leaves give the memory checks, its inner nodes the jumps.
    """
    value = lowest_value_at_least(values, z, c)
    while value >= 0:
        i = first_from(bits, geom, z, value, 0)
        while i >= 0:
            if nodes[U(2 * (o + sz + i) + 1)] >= m:
                return i
            if dirty_n[z] != 0:
                tree.refresh(nodes, o, sz, dirty, dirty_off, dirty_n, z)
            after = tree.next_feasible(nodes, o, sz, i, value, m)  # skips every server short of memory
            if after < 0:
                break
            i = first_from(bits, geom, z, value, after)
        value = lowest_value_at_least(values, z, value + 1)
    return -1
