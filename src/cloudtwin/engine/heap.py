"""The event queue: a binary min-heap of 16-byte entries in one int64 array, keyed by (time, sequence).

Entry i (1-based; entry 0 unused) is `h[2i] = time bits`, `h[2i+1] = seq << 32 | payload`.
A time is stored as the bit pattern of a non-negative float64 (+0.0 normalised),
which orders like the value; `seq` grows with each scheduled event and stays
below 2**31, so comparing the two words as signed integers orders by (time, seq):
equal times pop in scheduling order. The 32-bit payload packs
`slot << KIND_BITS | kind` (kind 0 = VM departure; other kinds are events the
engine hands back to Python, e.g. failures). When `seq` would reach 2**31,
`renumber` rewrites every pending entry's seq to its rank (order unchanged).

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

KIND_BITS = 4
KIND_MASK = (1 << KIND_BITS) - 1
DEPARTURE = 0
SLOT_LIMIT = 1 << (32 - KIND_BITS)  # payload is 32 bits
SEQ_LIMIT = 1 << 31
_LOW32 = (1 << 32) - 1
U = np.uint64


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


@intrinsic
def prefetch(typingctx, arr, idx):  # type: ignore[no-untyped-def]
    """Hint the cache to load arr[idx] (never faults, even past the end)."""
    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        ary = context.make_array(signature.args[0])(context, builder, value=args[0])
        i8p = ir.IntType(8).as_pointer()
        ptr = builder.bitcast(builder.gep(ary.data, [args[1]]), i8p)
        i32 = ir.IntType(32)
        fn = builder.module.declare_intrinsic("llvm.prefetch", (), ir.FunctionType(ir.VoidType(),
                                                                                   [i8p, i32, i32, i32]))
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(arr, types.uint64), codegen


def new_heap(capacity: int) -> np.ndarray:
    """An empty heap array with room for `capacity` entries (64-byte aligned: sibling pairs share a line)."""
    words = 2 * (capacity + 1)
    buf = np.zeros(words + 8, dtype=np.int64)
    skip = (-buf.ctypes.data % 64) // 8
    return buf[skip:skip + words]


def heap_capacity(h: np.ndarray) -> int:
    return len(h) // 2 - 1


@njit(cache=True, inline="always")
def push(h: np.ndarray, n: int, t: float, seq: int, payload: int) -> int:
    """Insert (t, seq, payload) into the heap of n entries; returns the new count (caller checks room)."""
    k0 = time_bits(t + 0.0)
    k1 = (seq << 32) | payload
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
        prefetch(h, U(16 * c))  # the 16 great-great-grandchildren of (c, c + 1): four cache lines
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
    return bits_time(h[2])


@njit(cache=True, inline="always")
def top_seq(h: np.ndarray) -> int:
    return h[3] >> 32


@njit(cache=True, inline="always")
def top_payload(h: np.ndarray) -> int:
    return h[3] & _LOW32


@njit(cache=True)
def renumber(h: np.ndarray, n: int, vm_event_seq: np.ndarray) -> int:
    """Give the n pending entries seqs 0..n-1 in their (time, seq) order; returns the next free seq.

    A departure whose VM still points at it (live) moves the VM's `event_seq`
    along; a stale one stays stale. The sorted array is itself a valid heap.
    """
    k0 = h[2:2 * n + 2:2].copy()
    k1 = h[3:2 * n + 3:2].copy()
    order = np.argsort(k1, kind="mergesort")
    order = order[np.argsort(k0[order], kind="mergesort")]
    live = np.zeros(n, dtype=np.bool_)
    for j in range(n):
        payload = k1[j] & _LOW32
        if payload & KIND_MASK == DEPARTURE:
            live[j] = vm_event_seq[payload >> KIND_BITS] == k1[j] >> 32
    for rank in range(n):
        j = order[rank]
        payload = k1[j] & _LOW32
        h[2 * rank + 2] = k0[j]
        h[2 * rank + 3] = (rank << 32) | payload
        if live[j]:
            vm_event_seq[payload >> KIND_BITS] = rank
    return n
