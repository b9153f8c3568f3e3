"""Best-fit index: per tree node, a bitmask of the free-vCPU values present in its subtree.

Free vCPUs are small integers (0 .. the largest server's vCPUs), so a node's set of
values fits in `K = ceil((V + 1) / 64)` uint64 words, kept beside the max tree
(`tree.py`, same node numbering) whose max-memory values prune memory. Best fit
for (c, m) takes the smallest value v >= c present in the zone (a bit scan of the
root mask), then descends to the leftmost leaf holding exactly v free vCPUs and
>= m MiB free; only if memory rules every such leaf out does it try the next
value. Update: OR of the children's masks, bottom-up until a node is unchanged.
Cost O(log n + K) per query and O(K log n) per update, with a backtracking
caveat only when memory (not vCPUs) is what rules a subtree out.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_ONE = np.uint64(1)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@intrinsic
def _cttz(typingctx, x):  # type: ignore[no-untyped-def]
    """Count trailing zeros of a nonzero uint64 (LLVM `cttz`)."""
    if not isinstance(x, types.Integer):
        return None
    sig = types.int64(types.uint64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 0))

    return sig, codegen


def mask_words(max_vcpus: int) -> int:
    """uint64 words needed to hold one bit per free-vCPU value 0..max_vcpus."""
    return max_vcpus // 64 + 1


@njit(cache=True)
def fill_masks(masks: np.ndarray, nodes: np.ndarray, off: np.ndarray, size: np.ndarray) -> None:
    """Leaf masks from the (already filled) max-tree leaves, then ORs up to each zone's root."""
    masks[:, :] = 0
    for z in range(len(off)):
        o = off[z]
        sz = size[z]
        for i in range(sz):
            g = o + sz + i
            cpu = nodes[2 * g]
            if cpu >= 0:
                masks[g, cpu >> 6] = _ONE << np.uint64(cpu & 63)
        for v in range(sz - 1, 0, -1):
            a = o + 2 * v
            for k in range(masks.shape[1]):
                masks[o + v, k] = masks[a, k] | masks[a + 1, k]


@njit(cache=True)
def update_mask(masks: np.ndarray, o: int, sz: int, local: int, cpu: int) -> None:
    """Leaf `local` now holds `cpu` free vCPUs (negative: down, no bit): reset its bit and refresh ancestors."""
    v = sz + local
    g = o + v
    for k in range(masks.shape[1]):
        masks[g, k] = 0
    if cpu >= 0:
        masks[g, cpu >> 6] = _ONE << np.uint64(cpu & 63)
    while v > 1:
        v >>= 1
        a = o + 2 * v
        g = o + v
        changed = False
        for k in range(masks.shape[1]):
            w = masks[a, k] | masks[a + 1, k]
            if w != masks[g, k]:
                masks[g, k] = w
                changed = True
        if not changed:
            break


@njit(cache=True)
def _lowest_value_at_least(masks: np.ndarray, g: int, c: int) -> int:
    """Smallest free-vCPU value >= c whose bit is set in node g's mask, or -1."""
    if c < 0:
        c = 0
    w = c >> 6
    if w >= masks.shape[1]:
        return -1
    bits = masks[g, w] & (_ALL << np.uint64(c & 63))
    while True:
        if bits != 0:
            return w * 64 + _cttz(bits)
        w += 1
        if w >= masks.shape[1]:
            return -1
        bits = masks[g, w]


@njit(cache=True, inline="always")
def _holds(masks: np.ndarray, nodes: np.ndarray, g: int, word: int, bit: np.uint64, m: int) -> bool:
    return ((masks[g, word] & bit) != 0) & (nodes[2 * g + 1] >= m)


@njit(cache=True)
def _leftmost_with_value(masks: np.ndarray, nodes: np.ndarray, o: int, sz: int, value: int, m: int) -> int:
    """Leftmost leaf with exactly `value` free vCPUs and >= m free MiB (depth-first, pruned), or -1."""
    word = value >> 6
    bit = _ONE << np.uint64(value & 63)
    v = 1
    while True:
        if _holds(masks, nodes, o + v, word, bit, m):
            if v >= sz:
                return v - sz
            v <<= 1
        else:
            while v & 1:
                v >>= 1
            if v == 0:
                return -1
            v += 1


@njit(cache=True)
def best_fit(masks: np.ndarray, nodes: np.ndarray, o: int, sz: int, c: int, m: int) -> int:
    """Feasible local index with the fewest free vCPUs (>= c), ties to the lowest index, or -1."""
    value = _lowest_value_at_least(masks, o + 1, c)
    while value >= 0:
        leaf = _leftmost_with_value(masks, nodes, o, sz, value, m)
        if leaf >= 0:
            return leaf
        value = _lowest_value_at_least(masks, o + 1, value + 1)
    return -1
