"""The calendar queue pops exactly in (time, seq) order, whatever its bucket width, growth or rebuilds."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudtwin.engine import Engine, state
from cloudtwin.engine import calendar as cq
from cloudtwin.engine import heap as hp
from cloudtwin.engine import queue_growth as qg
from engine_streams import poisson, split


class Driver:
    """Pushes and pops through the queue's compiled operations, growing it when it runs out of room."""

    def __init__(self, width_s: float, capacity: int = 16) -> None:
        self.q = cq.new_queue(capacity, width_s=width_s)
        self.seq = 0
        self.now = 0.0

    def push(self, t: float) -> tuple[float, int]:
        if not cq.has_room(self.q, 1):
            self.q = qg.grow(self.q, blocks=1, late=1, far=1)
        cq.push(self.q, t, self.seq, self.seq << hp.KIND_BITS)
        self.seq += 1
        return t, self.seq - 1

    def pop_until(self, t: float) -> list[tuple[float, int]]:
        """(time, seq) of every entry with time <= t, in the order the queue gives them (as the loop takes them);
        `self.slots` gets their payloads."""
        self.slots = []
        out = []
        while True:
            src, k0, k1 = cq.peek(self.q)
            if src == cq.NONE:
                status = cq.advance(self.q, t)
                if status == cq.NEED_ROOM:
                    self.q = qg.grow(self.q, run=qg.next_bucket_size(self.q))
                    continue
                if status == cq.LOADED:
                    continue
                break
            time_s = float(np.array(k0, dtype=np.int64).view(np.float64))
            if time_s > t:
                break
            cq.drop(self.q, src)
            out.append((time_s, int(k1 >> 32)))
            self.slots.append((int(k1) & 0xFFFFFFFF) >> hp.KIND_BITS)
        self.now = t
        return out


# offsets after "now": ties (0, small integers), the current bucket (< width), the ring, far beyond the ring
OFFSETS = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, 0.5]), st.floats(0.0, 3.0), st.floats(0.0, 1e4), st.floats(1e5, 1e9)
)


@settings(max_examples=60, deadline=None)
@given(
    width=st.sampled_from([1e-3, 0.7, 1.0, 50.0, 1e6]),
    steps=st.lists(st.tuples(st.lists(OFFSETS, max_size=12), st.floats(0.0, 40.0)), min_size=1, max_size=30),
)
def test_pops_match_a_sorted_time_seq_list(width: float, steps: list[tuple[list[float], float]]) -> None:
    """Interleaved pushes (ties, same bucket, ring, far) and pops give exactly heapq's (time, seq) order."""
    d = Driver(width)
    ref: list[tuple[float, int]] = []
    for offsets, dt in steps:
        for off in offsets:
            heapq.heappush(ref, d.push(d.now + off))
        t = d.now + dt
        want = []
        while ref and ref[0][0] <= t:
            want.append(heapq.heappop(ref))
        assert d.pop_until(t) == want
        assert d.slots == [seq for _, seq in want]  # the payload rides with its entry
    assert d.pop_until(float("inf")) == sorted(ref)


def test_the_current_bucket_takes_late_pushes_in_order() -> None:
    """Entries pushed into the bucket being drained (after it was loaded) still pop in (time, seq) order."""
    d = Driver(width_s=100.0)
    for t in (10.0, 50.0, 90.0):
        d.push(t)
    assert d.pop_until(10.0) == [(10.0, 0)]  # bucket [0, 100) is loaded now
    d.push(20.0), d.push(50.0), d.push(95.0), d.push(150.0)
    assert d.pop_until(200.0) == [(20.0, 3), (50.0, 1), (50.0, 4), (90.0, 2), (95.0, 5), (150.0, 6)]


def test_rebuild_renumbers_in_pop_order_and_moves_live_vm_seqs() -> None:
    """rebuild with the VMs' seqs gives seqs 0..n-1 in pop order; a live VM follows its entry, a stale one stays."""
    times = np.random.default_rng(2).integers(0, 10, 50).astype(float) * 1000.0
    a, b = Driver(width_s=3.0), Driver(width_s=3.0)
    for t in times:
        a.push(t), b.push(t)
    b.pop_until(np.inf)
    expected = b.slots
    vm_seq = np.arange(50, dtype=np.int32)  # slot k's pending departure is the entry pushed k-th
    vm_seq[7] = -1  # slot 7 was interrupted: its entry is stale
    a.q, next_seq = qg.rebuild(a.q, 500.0, 0.0, vm_seq)
    assert next_seq == 50
    for rank, slot in enumerate(expected):
        assert vm_seq[slot] == (-1 if slot == 7 else rank)
    popped = a.pop_until(np.inf)
    assert [seq for _, seq in popped] == list(range(50)) and a.slots == expected
    assert [t for t, _ in popped] == sorted(times)


def test_rebuild_at_a_new_width_keeps_the_order() -> None:
    """Re-bucketing pending entries at any width leaves the pop order unchanged."""
    times = np.random.default_rng(3).exponential(3600.0, 2000)
    ref = Driver(width_s=1.0)
    for t in times:
        ref.push(t)
    want = ref.pop_until(np.inf)
    for width in (1e-4, 10.0, 1e7):
        d = Driver(width_s=1.0)
        for t in times:
            d.push(t)
        d.q = qg.rebuild(d.q, width, 0.0)[0]
        assert d.pop_until(np.inf) == want


def test_growth_keeps_every_entry() -> None:
    """A queue sized for 16 entries grows (pool, heaps, run) to hold 20,000 without losing or reordering one."""
    d = Driver(width_s=1e-3, capacity=16)  # tiny buckets: thousands of blocks; far heap past the ring
    times = np.random.default_rng(4).uniform(0.0, 200.0, 20_000)
    for t in times:
        d.push(t)
    wide = Driver(width_s=1e6, capacity=16)  # one bucket: the run must grow to hold it all
    for t in times:
        wide.push(t)
    want = sorted(zip(times.tolist(), range(len(times))))
    assert d.pop_until(np.inf) == want
    assert wide.pop_until(np.inf) == want


def churn(first_seq: int = 0) -> Engine:
    """Two days of Poisson VMs on two zones of best fit, a few servers evicted each chunk (stale entries)."""
    vcpus = np.full(40, 8)
    engine = Engine(
        vcpus,
        vcpus * 4096,
        np.array([0, 20, 40]),
        policy="best-fit",
        seed=1,
        sample_every_s=3600.0,
        vm_capacity_hint=16,
    )
    engine._cnt[state.NEXT_SEQ] = first_seq
    rest = poisson(0.03, 3600.0, 2 * 86400.0, seed=5, n_zones=2, vcpus=(1, 2, 4), memory_mib_per_vcpu=4096)
    for k, t_end in enumerate((3600.0, 7200.0, 86400.0, 2 * 86400.0)):
        chunk, rest = split(rest, t_end)
        engine.advance(chunk, t_end)
        engine.evict([3 * k, 20 + 3 * k])
    return engine


def same_run(a: Engine, b: Engine) -> bool:
    ca, cb = a.counters(), b.counters()
    sa, sb = a.samples(), b.samples()
    return (
        (ca.arrivals, ca.accepted, ca.departures, ca.evicted, ca.stale_dropped)
        == (cb.arrivals, cb.accepted, cb.departures, cb.evicted, cb.stale_dropped)
        and np.array_equal(ca.zone_vcpu_seconds, cb.zone_vcpu_seconds)
        and all(np.array_equal(getattr(sa, f), getattr(sb, f)) for f in sa.__dataclass_fields__)
    )


@pytest.mark.parametrize("width_s", [1e-4, 60.0, 1e7])
def test_engine_results_do_not_depend_on_the_bucket_width(width_s: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine run with any bucket width gives the default width's samples and counters, bit for bit."""
    base = churn()
    monkeypatch.setattr(cq, "width_for_rate", lambda rate: width_s)
    other = churn()
    assert float(other._queue.qf[cq.WIDTH_S]) == width_s
    assert base.counters().stale_dropped > 0 and same_run(base, other)


def test_renumbering_mid_run_changes_nothing() -> None:
    """Sequence numbers that reach 2**31 mid-run are renumbered (stale entries too) without changing the run."""
    base = churn()
    late = churn(first_seq=hp.SEQ_LIMIT - 300)  # ~1,500 VMs start: renumbered after the first 300
    assert late._cnt[state.NEXT_SEQ] < base._cnt[state.NEXT_SEQ] and same_run(base, late)
