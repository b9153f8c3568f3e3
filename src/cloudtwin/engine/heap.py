"""Event entries keyed by (time, sequence), and the binary min-heap and sort the event queue uses on them.

An entry is 16 bytes, two int64 words: time bits, then `seq << 32 | payload`.
In a heap, entry i (1-based; entry 0 unused) is `h[2i]`, `h[2i + 1]`.
A time is stored as the bit pattern of a non-negative float64 (+0.0 normalised),
which orders like the value; `seq` grows with each scheduled event and stays
below 2**31, so comparing the two words as signed integers orders by (time, seq):
equal times pop in scheduling order. The 32-bit payload packs
`slot << KIND_BITS | kind` (kind 0 = VM departure; other kinds are events the
engine hands back to Python, e.g. failures). When `seq` would reach 2**31, the
queue renumbers every pending entry's seq to its rank (`queue_growth.rebuild`).
The calendar queue (`calendar.py`) keeps its current bucket sorted
(`sort_entries`) and its late and far entries in two such heaps.

Pop is Floyd's bottom-up variant (walk the hole to a leaf along the smaller
children, branch-free, prefetching three levels ahead; then sift the last entry
up), as in the C reference `peers/c_reference/placement.c`. Indices are cast to
unsigned so numba emits no negative-index wraparound in the dependent chain.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from cloudtwin.placement.prefetch import prefetch

KIND_BITS = 4
KIND_MASK = (1 << KIND_BITS) - 1
DEPARTURE = 0
SLOT_LIMIT = 1 << (32 - KIND_BITS)  # payload is 32 bits
SEQ_LIMIT = 1 << 31
_LOW32 = (1 << 32) - 1
U = np.uint64


# The 32-bit payload of an entry: `index << KIND_BITS | kind`. These four are the only place that layout is written.
@njit(cache=True, inline="always")
def pack(index, kind):  # type: ignore[no-untyped-def]
    """The payload of an event of `kind` about `index` (a VM slot for a departure, the caller's number otherwise)."""
    return (index << KIND_BITS) | kind


@njit(cache=True, inline="always")
def kind_of(payload):  # type: ignore[no-untyped-def]
    """The kind of a payload (or of an entry's second word: the kind bits are its lowest)."""
    return payload & KIND_MASK


@njit(cache=True, inline="always")
def index_of(payload):  # type: ignore[no-untyped-def]
    """The index packed in a payload."""
    return payload >> KIND_BITS


@njit(cache=True, inline="always")
def entry_word(seq, payload):  # type: ignore[no-untyped-def]
    """An entry's second word: `seq << 32 | payload` (orders by seq when times tie)."""
    return (seq << 32) | payload


@njit(cache=True, inline="always")
def seq_of(word):  # type: ignore[no-untyped-def]
    """The sequence number in an entry's second word."""
    return word >> 32


@njit(cache=True, inline="always")
def payload_of(word):  # type: ignore[no-untyped-def]
    """The payload of an entry's second word (`seq << 32 | payload`)."""
    return word & _LOW32


@intrinsic
def time_bits(typingctx, x):  # type: ignore[no-untyped-def]
    """The IEEE-754 bit pattern of a float64 as int64 (order-preserving for values >= +0.0)."""
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def bits_time(typingctx, x):  # type: ignore[no-untyped-def]
    """Inverse of `time_bits`."""
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


def new_heap(capacity: int) -> np.ndarray:
    """An empty heap array with room for `capacity` entries (64-byte aligned: sibling pairs share a line)."""
    words = 2 * (capacity + 1)
    buf = np.zeros(words + 8, dtype=np.int64)
    skip = (-buf.ctypes.data % 64) // 8
    return buf[skip : skip + words]


def heap_capacity(h: np.ndarray) -> int:
    return len(h) // 2 - 1


@njit(cache=True, inline="always")
def push(h: np.ndarray, n: int, t: float, seq: int, payload: int) -> int:
    """Insert (t, seq, payload) into the heap of n entries; returns the new count (caller checks room)."""
    k0 = time_bits(t + 0.0)  # type: ignore[call-arg, var-annotated]
    k1 = entry_word(seq, payload)
    i = n + 1
    while i > 1:
        p = i >> 1
        p0 = h[U(2 * p)]
        p1 = h[U(2 * p + 1)]
        if not (k0 < p0 or (k0 == p0 and k1 < p1)):
            break
        h[U(2 * i)] = p0
        h[U(2 * i + 1)] = p1
        i = p
    h[U(2 * i)] = k0
    h[U(2 * i + 1)] = k1
    return n + 1


@njit(cache=True, inline="always")
def pop(h: np.ndarray, n: int) -> int:
    """Remove the top of a heap of n >= 1 entries; returns the new count (read the top before)."""
    n -= 1
    l0 = h[U(2 * n + 2)]
    l1 = h[U(2 * n + 3)]
    i = 1
    c = 2
    while c < n:
        prefetch(h, U(16 * c))  # type: ignore[call-arg]  # the 16 great-great-grandchildren of (c, c + 1): four cache lines
        prefetch(h, U(16 * c + 8))
        prefetch(h, U(16 * c + 16))
        prefetch(h, U(16 * c + 24))
        a0 = h[U(2 * c)]
        a1 = h[U(2 * c + 1)]
        b0 = h[U(2 * c + 2)]
        b1 = h[U(2 * c + 3)]
        right = (b0 < a0) | ((b0 == a0) & (b1 < a1))
        c += np.int64(right)
        h[U(2 * i)] = b0 if right else a0
        h[U(2 * i + 1)] = b1 if right else a1
        i = c
        c = i << 1
    if c == n:
        h[U(2 * i)] = h[U(2 * c)]
        h[U(2 * i + 1)] = h[U(2 * c + 1)]
        i = c
    while i > 1:
        p = i >> 1
        p0 = h[U(2 * p)]
        p1 = h[U(2 * p + 1)]
        if l0 < p0 or (l0 == p0 and l1 < p1):
            h[U(2 * i)] = p0
            h[U(2 * i + 1)] = p1
            i = p
        else:
            break
    h[U(2 * i)] = l0
    h[U(2 * i + 1)] = l1
    return n


@njit(cache=True, inline="always")
def top_time(h: np.ndarray) -> float:
    return bits_time(h[2])  # type: ignore[call-arg]


@njit(cache=True, inline="always")
def top_seq(h: np.ndarray) -> int:
    return seq_of(h[3])


@njit(cache=True, inline="always")
def top_payload(h: np.ndarray) -> int:
    return payload_of(h[3])


@njit(cache=True, inline="always")
def less(a0: int, a1: int, b0: int, b1: int) -> bool:
    """(a0, a1) < (b0, b1): entry a pops before entry b (time bits, then seq)."""
    return (a0 < b0) | ((a0 == b0) & (a1 < b1))


@njit(cache=True)
def sort_entries(a: np.ndarray, n: int) -> None:
    """Sort the first n (time bits, key) pairs of `a` by (time bits, key): quicksort, insertion sort below 24."""
    stack = np.empty(128, dtype=np.int64)
    stack[0] = 0
    stack[1] = n
    sp = 2
    while sp > 0:
        hi = stack[sp - 1]
        lo = stack[sp - 2]
        sp -= 2
        while hi - lo > 24:
            a_, b_, c_ = lo, (lo + hi) >> 1, hi - 1  # median of three
            if less(a[2 * b_], a[2 * b_ + 1], a[2 * a_], a[2 * a_ + 1]):
                a_, b_ = b_, a_
            if less(a[2 * c_], a[2 * c_ + 1], a[2 * b_], a[2 * b_ + 1]):
                b_ = c_
                if less(a[2 * b_], a[2 * b_ + 1], a[2 * a_], a[2 * a_ + 1]):
                    b_ = a_
            p0 = a[2 * b_]
            p1 = a[2 * b_ + 1]
            i = lo
            j = hi - 1
            while i <= j:
                while less(a[2 * i], a[2 * i + 1], p0, p1):
                    i += 1
                while less(p0, p1, a[2 * j], a[2 * j + 1]):
                    j -= 1
                if i <= j:
                    t0 = a[2 * i]
                    t1 = a[2 * i + 1]
                    a[2 * i] = a[2 * j]
                    a[2 * i + 1] = a[2 * j + 1]
                    a[2 * j] = t0
                    a[2 * j + 1] = t1
                    i += 1
                    j -= 1
            if j - lo < hi - i:  # recurse into the larger side later: the stack stays O(log n)
                stack[sp] = i
                stack[sp + 1] = hi
                sp += 2
                hi = j + 1
            else:
                stack[sp] = lo
                stack[sp + 1] = j + 1
                sp += 2
                lo = i
        for i in range(lo + 1, hi):
            x0 = a[2 * i]
            x1 = a[2 * i + 1]
            j = i - 1
            while j >= lo and less(x0, x1, a[2 * j], a[2 * j + 1]):
                a[2 * j + 2] = a[2 * j]
                a[2 * j + 3] = a[2 * j + 1]
                j -= 1
            a[2 * j + 2] = x0
            a[2 * j + 3] = x1
