"""The event heap pops in (time, scheduling order), also after its sequence numbers are renumbered."""

from __future__ import annotations

import numpy as np

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
    for step in range(3000):
        if n and rng.random() < 0.45:
            key = (float(heap.top_time(h)), int(heap.top_seq(h)))
            assert key > last
            last = key
            n = heap.pop(h, n)
        elif n < 2000:
            n = heap.push(h, n, last[0] + float(rng.integers(0, 5)), seq, 0)
            seq += 1


def test_renumber_keeps_the_order_and_moves_live_vm_seqs() -> None:
    """renumber gives seqs 0..n-1 in pop order; a VM pointing at its entry follows it, a stale one stays stale."""
    times = np.random.default_rng(2).integers(0, 10, 50).astype(float)
    h, n = fill(times)
    expected = drain(*fill(times))
    vm_seq = np.arange(50, dtype=np.int32)  # slot k's pending departure is the entry pushed k-th
    vm_seq[7] = -1  # slot 7 was interrupted: its entry is stale
    assert heap.renumber(h, n, vm_seq) == 50
    assert drain(h.copy(), n) == expected
    order = [k for _, k in expected]
    for rank, slot in enumerate(order):
        assert vm_seq[slot] == (-1 if slot == 7 else rank)
