"""The heap pops entries in (time, scheduling order); the entry sort orders them the same way."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudtwin.engine import heap


def fill(times: np.ndarray) -> tuple[np.ndarray, int]:
    h = heap.new_heap(len(times))
    n = 0
    for seq, t in enumerate(times):
        n = heap.push(h, n, float(t), seq, seq << heap.KIND_BITS)
    return h, n


def drain(h: np.ndarray, n: int) -> list[tuple[float, int]]:
    out = []
    while n:
        out.append((float(heap.top_time(h)), int(heap.top_payload(h)) >> heap.KIND_BITS))
        n = heap.pop(h, n)
    return out


def test_pops_in_time_then_scheduling_order() -> None:
    """Popping everything gives the entries sorted by time, equal times in the order they were pushed."""
    times = np.random.default_rng(0).integers(0, 40, 500).astype(float)  # many ties
    h, n = fill(times)
    assert drain(h, n) == sorted((float(t), k) for k, t in enumerate(times))


def test_interleaved_push_pop_keeps_order() -> None:
    """Pushes between pops (as in a simulation) never let a later key out first."""
    rng = np.random.default_rng(1)
    h = heap.new_heap(2000)
    n, seq, last = 0, 0, (-1.0, -1)
    for _step in range(3000):
        if n and rng.random() < 0.45:
            key = (float(heap.top_time(h)), int(heap.top_seq(h)))
            assert key > last
            last = key
            n = heap.pop(h, n)
        elif n < 2000:
            n = heap.push(h, n, last[0] + float(rng.integers(0, 5)), seq, 0)
            seq += 1


@settings(deadline=None)  # the first example compiles
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 1 << 20)), max_size=300))
def test_sort_entries_orders_by_time_then_key(entries: list[tuple[int, int]]) -> None:
    """sort_entries puts (time bits, key) pairs in lexicographic order, as the calendar queue's run needs."""
    a = np.array(entries, dtype=np.int64).reshape(-1)
    heap.sort_entries(a, len(entries))
    assert [tuple(p) for p in a.reshape(-1, 2).tolist()] == sorted(entries)
