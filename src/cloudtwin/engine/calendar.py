"""The event queue: a two-level calendar queue that pops exactly in (time, seq) order.

Entries are the heap's 16-byte (time bits, seq << 32 | payload) pairs (`heap.py`).
Time is cut into buckets of width `W`: bucket index `b(t) = floor(t / W)`, a
monotone function of t, so every entry of bucket b precedes every entry of
bucket b + 1. With `cur` the bucket being drained, an entry goes

- to the *run* (the current bucket, loaded and sorted) or, if pushed after the
  load with b(t) <= cur, to the small *late* binary heap;
- to the *ring* when cur < b(t) < cur + RING: O(1), appended to bucket
  b(t) mod RING, a chain of fixed-size blocks from one shared pool;
- to the *far* binary heap beyond that (events further ahead than the ring's span).

The next event is the least of the run's head, the late heap's top and the far
heap's top when it belongs to a bucket <= cur. When those are exhausted, `cur`
moves to the next non-empty ring bucket (or the far heap's first bucket) and that
bucket's blocks are copied into the run and sorted. A departure's row is thus
touched in time order with the bucket's next entries known in advance (the loop
prefetches them), and no pop walks a 36-million-entry heap (a cache miss per
level). Calendar queues: R. Brown, "Calendar queues: a fast O(1) priority queue
implementation for the simulation event set problem", CACM 31(10), 1988.

`W` is chosen from the expected event rate (`width_for_rate`) so a bucket holds
about BUCKET_TARGET entries; the engine re-buckets (`queue_growth.rebuild`) when
the rate it sees moves far from that. Correctness never depends on `W`: a poor
width only moves entries between the run, the ring and the far heap. Measured on
aws-2014 (36.5 M pending departures): 0.75 us per pop from the binary heap it
replaces, ~0.05 us here (benchmarks/RESULTS.md).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from cloudtwin.engine import heap as hp
from cloudtwin.placement.prefetch import prefetch

RING_BITS = 16
RING = 1 << RING_BITS  # ring buckets: 0.8 MB of bucket heads, tails and counts
RING_MASK = RING - 1
BLOCK = 32  # entries per pool block (512 B); a partly filled block per non-empty bucket is the pool's slack
BLOCK_WORDS = 2 * BLOCK
BUCKET_TARGET = 1024  # entries per bucket the width aims at (estimate: sorting 1k entries ~40 ns each, measured)
INDEX_MAX = 1 << 62  # the bucket of times too large to index (inf and beyond 2**62 widths): always far
# sources of the next event (peek)
NONE, RUN, LATE, FAR = range(4)
# advance() results
LOADED, NOTHING_DUE, NEED_ROOM = range(3)
# EventQueue.buckets[BUCKET_WIDTH * j + ...]
B_HEAD, B_TAIL, B_COUNT = range(3)
BUCKET_WIDTH = 4
# EventQueue.qc[...] (int64)
CUR, RUN_POS, RUN_LEN, LATE_N, FAR_N, FREE_N, RING_N, FAR_TOP_INDEX, NEXT_BUCKET = range(9)
N_QC = 9
# EventQueue.qf[...] (float64)
PER_WIDTH, WIDTH_S = range(2)
N_QF = 2
U = np.uint64


class EventQueue(NamedTuple):
    """The calendar queue's arrays (see the module docstring); `qc` / `qf` hold its scalars."""

    run: np.ndarray  # int64 (2 * run capacity): the current bucket, sorted, entries [RUN_POS, RUN_LEN)
    late: np.ndarray  # int64 heap (heap.py layout): entries pushed into buckets <= cur after the load
    far: np.ndarray  # int64 heap: entries in buckets >= cur + RING when pushed
    pool: np.ndarray  # int64 (2 * BLOCK * blocks): ring entries, BLOCK per block
    block_next: np.ndarray  # int32 (blocks): next block of the same bucket, -1 = last
    free_blocks: np.ndarray  # int32 stack of free blocks (top at qc[FREE_N] - 1)
    buckets: np.ndarray  # int32 (BUCKET_WIDTH * RING): per ring bucket its first block (-1 = empty), its last
    # block (the one being filled) and its entry count, in one 16-byte record
    qc: np.ndarray  # int64 (N_QC)
    qf: np.ndarray  # float64 (N_QF)


def aligned_words(words: int) -> np.ndarray:
    """np.zeros(words, int64) starting on a 64-byte boundary (pairs never straddle a cache line)."""
    buf = np.zeros(words + 8, dtype=np.int64)
    skip = (-buf.ctypes.data % 64) // 8
    return buf[skip : skip + words]


def _empty_buckets() -> np.ndarray:
    buckets = np.zeros(BUCKET_WIDTH * RING + 16, dtype=np.int32)
    skip = (-buckets.ctypes.data % 64) // 4
    buckets = buckets[skip : skip + BUCKET_WIDTH * RING]
    buckets[B_HEAD::BUCKET_WIDTH] = -1
    buckets[B_TAIL::BUCKET_WIDTH] = -1
    return buckets


def new_queue(capacity: int, width_s: float = 1.0, start_s: float = 0.0) -> EventQueue:
    """An empty queue with room for about `capacity` ring entries (it grows: `grow`)."""
    blocks = max(capacity // BLOCK, 1) + RING // 8
    q = EventQueue(
        run=aligned_words(2 * BUCKET_TARGET * 4),
        late=hp.new_heap(256),
        far=hp.new_heap(1024),
        pool=aligned_words(BLOCK_WORDS * blocks),
        block_next=np.full(blocks, -1, dtype=np.int32),
        free_blocks=np.arange(blocks - 1, -1, -1, dtype=np.int32),
        buckets=_empty_buckets(),
        qc=np.zeros(N_QC, dtype=np.int64),
        qf=np.zeros(N_QF, dtype=np.float64),
    )
    q.qc[FREE_N] = blocks
    set_width(q, width_s, start_s)
    return q


def set_width(q: EventQueue, width_s: float, now_s: float) -> None:
    """Use buckets of `width_s` from time `now_s` on (the queue must be empty)."""
    if pending(q):
        raise ValueError("set_width needs an empty queue (use rebuild)")
    q.qf[WIDTH_S] = width_s
    q.qf[PER_WIDTH] = 1.0 / width_s
    q.qc[CUR] = bucket_index(q.qf, now_s) - 1
    q.qc[NEXT_BUCKET] = q.qc[CUR] + 1
    q.qc[RUN_POS] = q.qc[RUN_LEN] = 0


def width_for_rate(rate_per_s: float) -> float:
    """The bucket width that gives BUCKET_TARGET entries per bucket at `rate_per_s` events a second."""
    return float(np.clip(BUCKET_TARGET / max(rate_per_s, 1e-300), 1e-9, 1e12))


@njit(cache=True, inline="always")
def bucket_index(qf: np.ndarray, t: float) -> int:
    """floor(t / W) (monotone in t >= 0), INDEX_MAX for times beyond what an int64 index holds."""
    x = t * qf[PER_WIDTH]
    if x < 4.0e18:
        return np.int64(x)  # type: ignore[return-value]
    return INDEX_MAX


@njit(cache=True, inline="always")
def pending(q: EventQueue) -> int:
    """Entries in the queue (stale departures included)."""
    c = q.qc
    return c[RUN_LEN] - c[RUN_POS] + c[LATE_N] + c[FAR_N] + c[RING_N]


@njit(cache=True, inline="always")
def has_room(q: EventQueue, n: int) -> bool:
    """Room for n pushes whichever part each goes to."""
    c = q.qc
    return (c[FREE_N] >= n) & (2 * (c[LATE_N] + n + 1) <= len(q.late)) & (2 * (c[FAR_N] + n + 1) <= len(q.far))


@njit(cache=True, inline="always")
def _set_far_top(q: EventQueue) -> None:
    if q.qc[FAR_N] > 0:
        q.qc[FAR_TOP_INDEX] = bucket_index(q.qf, hp.top_time(q.far))


@njit(cache=True, forceinline=True)
def push(q: EventQueue, t: float, seq: int, payload: int) -> None:
    """Insert (t, seq, payload), t >= the time of the last pop; the caller checked `has_room(q, 1)`."""
    c = q.qc
    b = bucket_index(q.qf, t)
    cur = c[CUR]
    if b <= cur:
        c[LATE_N] = hp.push(q.late, c[LATE_N], t, seq, payload)
        return
    if b < c[NEXT_BUCKET]:
        c[NEXT_BUCKET] = b
    if b - cur < RING:
        r = U(BUCKET_WIDTH * (b & RING_MASK))
        k = np.int64(q.buckets[r + U(B_COUNT)])
        pos = k % BLOCK
        if pos == 0:  # bucket empty or its last block full: chain a free block
            c[FREE_N] -= 1
            blk = q.free_blocks[c[FREE_N]]
            q.block_next[blk] = -1
            if k == 0:
                q.buckets[r + U(B_HEAD)] = blk
            else:
                q.block_next[q.buckets[r + U(B_TAIL)]] = blk
            q.buckets[r + U(B_TAIL)] = blk
        w = U(BLOCK_WORDS * np.int64(q.buckets[r + U(B_TAIL)]) + 2 * pos)
        q.pool[w] = hp.time_bits(t + 0.0)  # type: ignore[call-arg]
        q.pool[w + U(1)] = hp.entry_word(seq, payload)
        q.buckets[r + U(B_COUNT)] = k + 1
        c[RING_N] += 1
    else:
        c[FAR_N] = hp.push(q.far, c[FAR_N], t, seq, payload)
        _set_far_top(q)


@njit(cache=True, inline="always")
def prefetch_push(q: EventQueue, t: float) -> None:
    """Warm the cache for a later push at time t: the pool line its entry will go to (bucket records are
    1 MB in all, mostly in cache already)."""
    b = bucket_index(q.qf, t)
    cur = q.qc[CUR]
    if b <= cur or b - cur >= RING:
        return
    r = U(BUCKET_WIDTH * (b & RING_MASK))
    k = np.int64(q.buckets[r + U(B_COUNT)])
    pos = k % BLOCK
    if pos != 0:
        prefetch(q.pool, U(BLOCK_WORDS * np.int64(q.buckets[r + U(B_TAIL)]) + 2 * pos))  # type: ignore[call-arg]
    elif q.qc[FREE_N] > 0:
        prefetch(q.pool, U(BLOCK_WORDS * np.int64(q.free_blocks[q.qc[FREE_N] - 1])))  # type: ignore[call-arg]


@njit(cache=True, forceinline=True)
def peek(q: EventQueue) -> tuple[int, int, int]:
    """(source, time bits, seq << 32 | payload) of the next entry among those due by bucket cur; NONE if none."""
    c = q.qc
    src = NONE
    k0 = np.int64(0)
    k1 = np.int64(0)
    p = c[RUN_POS]
    if p < c[RUN_LEN]:
        src = RUN
        k0 = q.run[U(2 * p)]
        k1 = q.run[U(2 * p + 1)]
    if c[LATE_N] > 0:
        l0 = q.late[2]
        l1 = q.late[3]
        if src == NONE or hp.less(l0, l1, k0, k1):  # type: ignore[arg-type]
            src = LATE
            k0 = l0
            k1 = l1
    if c[FAR_N] > 0 and c[FAR_TOP_INDEX] <= c[CUR]:
        f0 = q.far[2]
        f1 = q.far[3]
        if src == NONE or hp.less(f0, f1, k0, k1):  # type: ignore[arg-type]
            src = FAR
            k0 = f0
            k1 = f1
    return src, k0, k1  # type: ignore[return-value]


@njit(cache=True, forceinline=True)
def drop(q: EventQueue, src: int) -> None:
    """Remove the entry `peek` returned from `src`."""
    c = q.qc
    if src == RUN:
        c[RUN_POS] += 1
    elif src == LATE:
        c[LATE_N] = hp.pop(q.late, c[LATE_N])
    else:
        c[FAR_N] = hp.pop(q.far, c[FAR_N])
        _set_far_top(q)


@njit(cache=True)
def _load(q: EventQueue, j: int) -> None:
    """Move ring bucket j's entries into the run (sorted) and give its blocks back."""
    c = q.qc
    r = BUCKET_WIDTH * j
    n = np.int64(q.buckets[r + B_COUNT])
    blk = np.int64(q.buckets[r + B_HEAD])
    k = 0
    while k < n:
        m = min(BLOCK, n - k)
        src = BLOCK_WORDS * blk
        for w in range(2 * m):  # type: ignore[operator]
            q.run[2 * k + w] = q.pool[src + w]
        k += m  # type: ignore[operator]
        q.free_blocks[c[FREE_N]] = blk
        c[FREE_N] += 1
        blk = q.block_next[blk]
    q.buckets[r + B_HEAD] = -1
    q.buckets[r + B_TAIL] = -1
    q.buckets[r + B_COUNT] = 0
    c[RING_N] -= n
    hp.sort_entries(q.run, n)  # type: ignore[arg-type]
    c[RUN_POS] = 0
    c[RUN_LEN] = n


@njit(cache=True)
def advance(q: EventQueue, t: float) -> int:
    """With nothing due by bucket cur (`peek` gave NONE): load the next bucket if it starts by time t.

    LOADED: `cur` moved to the next non-empty bucket and its entries are due now;
    NOTHING_DUE: no entry lies in a bucket <= b(t) (cur may still move up to the
    next bucket's predecessor, skipping empty buckets for good); NEED_ROOM: the
    run array is too small for the next bucket (grow it, call again).
    """
    c = q.qc
    if c[RING_N] == 0 and c[FAR_N] == 0:
        return NOTHING_DUE
    b = INDEX_MAX
    if c[RING_N] > 0:
        b = c[CUR] + 1
        while q.buckets[BUCKET_WIDTH * (b & RING_MASK) + B_COUNT] == 0:
            b += 1
    if c[FAR_N] > 0 and c[FAR_TOP_INDEX] < b:
        b = c[FAR_TOP_INDEX]
    if b - 1 > c[CUR]:
        c[CUR] = b - 1
    c[NEXT_BUCKET] = b
    if b > bucket_index(q.qf, t):
        return NOTHING_DUE
    j = b & RING_MASK
    if 2 * q.buckets[BUCKET_WIDTH * j + B_COUNT] > len(q.run):
        return NEED_ROOM
    _load(q, j)
    c[CUR] = b
    return LOADED


@njit(cache=True, inline="always")
def nothing_due_by(q: EventQueue, t: float) -> bool:
    """With `peek` NONE: True if no entry can lie in a bucket <= b(t), known without scanning (qc[NEXT_BUCKET]
    is a lower bound on the next non-empty bucket: `advance` sets it, pushes lower it)."""
    return bucket_index(q.qf, t) < q.qc[NEXT_BUCKET]


@njit(cache=True, inline="always")
def run_entry(q: EventQueue, ahead: int) -> int:
    """The key (seq << 32 | payload) of the run entry `ahead` places after the next one, -1 past the run's end."""
    p = q.qc[RUN_POS] + ahead
    if p < q.qc[RUN_LEN]:
        return q.run[2 * p + 1]
    return -1
