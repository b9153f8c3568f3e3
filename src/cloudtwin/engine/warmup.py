"""Compile the engine before a run's clock starts: every compiled function a run uses, on a tiny fleet.

numba compiles on first call and keeps the result in its on-disk cache (`placement/jitcache.py`
says where). The first run on a machine therefore spends ~20 s compiling the engine; every later
one loads it in ~0.1 s. `compile_engine(policy)` makes that happen up front, through the same
`Engine` methods a run calls and with the same argument types (the engine normalises what it
passes to compiled code, e.g. `placement.index.build_capacity`), so the run itself compiles none
of the engine and its wall time is its own. `reporting(listener)` lets a front end show that it
is happening (`cloudtwin run`: a spinner); `engine_cached` tells beforehand whether it will compile.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine import interventions, loop
from cloudtwin.engine.core import Engine

COMPILE_NOTICE_S = 1.0  # a warm-up longer than this compiled something (loading the cache takes ~0.1 s)
_EVENT = 1  # the kind of the warm-up's scheduled event (any of 1..15)
_LISTENERS: list[Callable[[float | None], None]] = []


class reporting:  # noqa: N801  (used as a function: `with reporting(listener): ...`)
    """Within the block, `compile_engine` calls `listener(None)` as it starts and `listener(seconds)` when done."""

    def __init__(self, listener: Callable[[float | None], None]) -> None:
        self.listener = listener

    def __enter__(self) -> None:
        _LISTENERS.append(self.listener)

    def __exit__(self, *_exc: object) -> None:
        _LISTENERS.remove(self.listener)


def engine_cached(failures: bool = False) -> bool | None:
    """Whether numba's cache holds the event loop (and, with `failures`, the failure paths) for these sources:
    False means `compile_engine` will compile (~20 s); None if the cache cannot be read (numba changed)."""
    entry_points = [loop.run] + (
        [interventions.place_batch, interventions.evict_servers, interventions.place_in_ranges] if failures else []
    )
    try:
        return all(bool(f._cache._cache_file._load_index()) for f in entry_points)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001  (numba internals: an unknown shape means "cannot tell")
        return None


def _arrivals(time_s: np.ndarray, vcpus: np.ndarray, zone: np.ndarray, lifetime_s: np.ndarray) -> Arrivals:
    return Arrivals.from_columns(
        time_s=time_s,
        vcpus=vcpus,
        memory_mib=1024 * vcpus,
        zone=zone,
        lifetime_s=lifetime_s,
        instance_type=np.zeros(len(time_s)),
        workload=np.zeros(len(time_s)),
    )


def _exercise(policy: str, failures: bool) -> None:
    """Drive a 4-server, 2-zone engine through what a run does (growth, retuning, ticks, handlers)."""
    engine = Engine(
        np.full(4, 16, dtype=np.int32),
        np.full(4, 65536, dtype=np.int64),
        np.array([0, 2, 4], dtype=np.int64),
        np.array([0, 0, 1, 1], dtype=np.int32),
        np.array([0, 0, 1, 1], dtype=np.int32),
        2,
        policy,
        np.random.SeedSequence(0),
        sample_every_s=1.0,
        vm_capacity_hint=16,
    )
    rng = np.random.default_rng(0)
    engine.place_initial(_arrivals(np.zeros(4), np.full(4, 2), np.array([0, 1, 0, 1]), np.full(4, 30.0)))
    # 600 arrivals in 10 minutes: more than the VM table (16) and the tick buffer hold, enough to retune the queue
    n = 600
    chunk = _arrivals(
        np.sort(rng.uniform(0.0, 600.0, n)), rng.integers(1, 5, n), rng.integers(0, 2, n), rng.exponential(20.0, n)
    )
    if failures:

        def handler(eng: Engine, _time_s: float, _payload: int) -> None:
            eng.set_server_down([0])
            evicted = eng.evict([0])
            k = len(evicted["server"])
            eng.place_now(_arrivals(np.zeros(k), evicted["vcpus"], evicted["zone"], evicted["remaining_s"]))
            eng.set_server_up([0])
            one = _arrivals(np.zeros(1), np.ones(1), np.zeros(1), np.full(1, 60.0))
            eng.place_in(one, np.array([0]), np.array([2]))

        engine.on_event(_EVENT, handler)
        engine.schedule(300.0, _EVENT, 0)
    engine.advance(chunk, 600.0)  # not warmed: renumbering the queue (after 2**31 events: ~1.5 s in a long run)
    engine.take_samples()
    engine.close_interval()
    engine.counters()


def compile_engine(policy: str = "first-fit", failures: bool = False, check: bool = True) -> float:
    """Compile (or load from numba's cache) every compiled function a run with `policy` uses; the seconds taken.

    `failures`: also what failures and services use (evicting, restarting, replica placement).
    ~20 s on a machine that has not run cloudtwin (two cores; ~4 s more with `failures`), milliseconds
    once cached. One compiled loop serves every policy (the policy is a runtime value). `check=False`
    ignores an error of the tiny engine: the run that follows meets it itself and reports it as the run's.
    """
    for listener in list(_LISTENERS):
        listener(None)
    t0 = time.perf_counter()
    try:
        _exercise(policy, failures)
    except Exception:
        if check:
            raise
    finally:
        seconds = time.perf_counter() - t0
        for listener in list(_LISTENERS):
            listener(seconds)
    return seconds
