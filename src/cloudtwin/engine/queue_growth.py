"""Growing and rebuilding the event queue (`calendar.py`): room for more entries, a new bucket width, new seqs.

Python-side upkeep, called between compiled calls: `grow` (the parts that ran
out of room, at least doubling, so growth costs O(1) per entry), `rebuild`
(every entry re-bucketed at a new width and optionally renumbered 0..n-1 in pop
order, when the sequence numbers near 2**31) and `batch_room` (what a batch of
pushes will need, so the queue grows once rather than by doublings).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cloudtwin.engine import heap as hp
from cloudtwin.engine.calendar import (
    B_COUNT,
    B_HEAD,
    B_TAIL,
    BLOCK,
    BLOCK_WORDS,
    BUCKET_WIDTH,
    CUR,
    FAR_N,
    FREE_N,
    INDEX_MAX,
    LATE_N,
    NEXT_BUCKET,
    PER_WIDTH,
    RING,
    RING_MASK,
    RING_N,
    RUN_LEN,
    RUN_POS,
    WIDTH_S,
    EventQueue,
    aligned_words,
    bucket_index,
    pending,
    push,
)


@njit(cache=True, nogil=True)
def entries(q: EventQueue) -> tuple[np.ndarray, np.ndarray]:
    """Every pending entry's (time bits, key), in no particular order (for rebuilds and checks)."""
    c = q.qc
    n = pending(q)
    k0 = np.empty(n, dtype=np.int64)
    k1 = np.empty(n, dtype=np.int64)
    k = 0
    for p in range(c[RUN_POS], c[RUN_LEN]):
        k0[k] = q.run[2 * p]
        k1[k] = q.run[2 * p + 1]
        k += 1
    for i in range(1, c[LATE_N] + 1):
        k0[k] = q.late[2 * i]
        k1[k] = q.late[2 * i + 1]
        k += 1
    for i in range(1, c[FAR_N] + 1):
        k0[k] = q.far[2 * i]
        k1[k] = q.far[2 * i + 1]
        k += 1
    for j in range(RING):
        left = np.int64(q.buckets[BUCKET_WIDTH * j + B_COUNT])
        blk = np.int64(q.buckets[BUCKET_WIDTH * j + B_HEAD])
        while left > 0:
            m = min(BLOCK, left)
            for e in range(m):  # type: ignore[call-overload]
                k0[k] = q.pool[BLOCK_WORDS * blk + 2 * e]
                k1[k] = q.pool[BLOCK_WORDS * blk + 2 * e + 1]
                k += 1
            left -= m  # type: ignore[operator]
            blk = q.block_next[blk]
    return k0, k1


@njit(cache=True, nogil=True)
def _clear(q: EventQueue) -> None:
    c = q.qc
    for j in range(RING):
        blk = q.buckets[BUCKET_WIDTH * j + B_HEAD]
        while blk >= 0:
            q.free_blocks[c[FREE_N]] = blk
            c[FREE_N] += 1
            blk = q.block_next[blk]
        q.buckets[BUCKET_WIDTH * j + B_HEAD] = -1
        q.buckets[BUCKET_WIDTH * j + B_TAIL] = -1
        q.buckets[BUCKET_WIDTH * j + B_COUNT] = 0
    c[RUN_POS] = c[RUN_LEN] = c[LATE_N] = c[FAR_N] = c[RING_N] = 0


@njit(cache=True, nogil=True)
def _refill(q: EventQueue, k0: np.ndarray, k1: np.ndarray) -> None:
    for i in range(len(k0)):
        push(q, hp.bits_time(k0[i]), hp.seq_of(k1[i]), hp.payload_of(k1[i]))  # type: ignore[call-arg]


@njit(cache=True, nogil=True)
def renumber_keys(k0: np.ndarray, k1: np.ndarray, vm_event_seq: np.ndarray) -> int:
    """Give the entries seqs 0..n-1 in their (time, seq) order, in place; returns the next free seq.

    A departure whose VM still points at it (live) moves the VM's `event_seq`
    along; a stale one stays stale.
    """
    n = len(k0)
    order = np.argsort(k1, kind="mergesort")
    order = order[np.argsort(k0[order], kind="mergesort")]
    for rank in range(n):
        j = order[rank]
        payload = hp.payload_of(k1[j])
        if hp.kind_of(payload) == hp.DEPARTURE and vm_event_seq[hp.index_of(payload)] == hp.seq_of(k1[j]):
            vm_event_seq[hp.index_of(payload)] = rank
        k1[j] = hp.entry_word(rank, payload)
    return n


def _bucket_counts(k0: np.ndarray, per_width: float, cur: int) -> tuple[int, int, int, np.ndarray]:
    """How many of the entries go to the late heap, the ring and the far heap, and the ring's per-bucket counts."""
    x = k0.view(np.float64) * per_width
    b = np.where(x < 4.0e18, x, float(INDEX_MAX)).astype(np.int64)
    late = b <= cur
    far = b - cur >= RING
    ring = ~(late | far)
    per_bucket = np.bincount(b[ring] & RING_MASK, minlength=RING)
    return int(late.sum()), int(ring.sum()), int(far.sum()), per_bucket


def rebuild(
    q: EventQueue, width_s: float, now_s: float, vm_event_seq: np.ndarray | None = None
) -> tuple[EventQueue, int]:
    """The same entries re-bucketed at `width_s` (renumbered if `vm_event_seq` is given); returns (queue, next seq).

    Every entry's time must be >= now_s (true of a queue between events).
    The next seq is meaningful only when renumbering (else -1).
    """
    k0, k1 = entries(q)
    next_seq = -1
    if vm_event_seq is not None:
        next_seq = int(renumber_keys(k0, k1, vm_event_seq))
    _clear(q)
    q.qf[WIDTH_S] = width_s
    q.qf[PER_WIDTH] = 1.0 / width_s
    q.qc[CUR] = int(bucket_index(q.qf, now_s)) - 1
    q.qc[NEXT_BUCKET] = q.qc[CUR] + 1
    n_late, _, n_far, per_bucket = _bucket_counts(k0, float(q.qf[PER_WIDTH]), int(q.qc[CUR]))
    blocks = int(((per_bucket + BLOCK - 1) // BLOCK).sum())
    q = grow(q, blocks=blocks, late=n_late, far=n_far)
    _refill(q, k0, k1)
    return q, next_seq


def grow(q: EventQueue, blocks: int = 0, late: int = 0, far: int = 0, run: int = 0) -> EventQueue:
    """A queue holding the same entries with at least `blocks` free blocks and room for `late` / `far` more
    heap entries and a run of `run` entries (each part at least doubles when it grows)."""
    c = q.qc
    if c[FREE_N] < blocks:
        have = len(q.block_next)
        more = max(have // 2, blocks - int(c[FREE_N]))
        pool = aligned_words(BLOCK_WORDS * (have + more))
        pool[: len(q.pool)] = q.pool
        block_next = np.full(have + more, -1, dtype=np.int32)
        block_next[:have] = q.block_next
        free_blocks = np.empty(have + more, dtype=np.int32)
        n_free = int(c[FREE_N])
        free_blocks[:more] = np.arange(have + more - 1, have - 1, -1, dtype=np.int32)  # new ones used last
        free_blocks[more : more + n_free] = q.free_blocks[:n_free]
        c[FREE_N] = n_free + more
        q = q._replace(pool=pool, block_next=block_next, free_blocks=free_blocks)
    for name, n_key, extra in (("late", LATE_N, late), ("far", FAR_N, far)):
        h = getattr(q, name)
        size = hp.heap_capacity(h)
        if size - c[n_key] < extra:
            bigger = hp.new_heap(max(2 * size, int(c[n_key]) + extra))
            bigger[: 2 * int(c[n_key]) + 2] = h[: 2 * int(c[n_key]) + 2]
            q = q._replace(**{name: bigger})
    if len(q.run) < 2 * run:
        bigger = aligned_words(max(2 * len(q.run), 2 * run))
        bigger[: len(q.run)] = q.run
        q = q._replace(run=bigger)
    return q


@njit(cache=True, nogil=True)
def batch_room(q: EventQueue, now_s: float, lifetime_s: np.ndarray) -> tuple[int, int]:
    """(ring blocks, far entries) that pushing a departure at now_s + each lifetime would take at most."""
    c = q.qc
    far = 0
    ring = 0
    for k in range(len(lifetime_s)):
        b = bucket_index(q.qf, now_s + lifetime_s[k])
        if b - c[CUR] >= RING:
            far += 1
        elif b > c[CUR]:
            ring += 1
    return ring // BLOCK + RING, far


def next_bucket_size(q: EventQueue) -> int:
    """Entries of the ring bucket after cur that `advance` would load next (for growing the run first)."""
    if q.qc[RING_N] == 0:
        return 0
    counts = q.buckets[B_COUNT::BUCKET_WIDTH]
    b = int(q.qc[CUR]) + 1
    while counts[b & RING_MASK] == 0:
        b += 1
    return int(counts[b & RING_MASK])
