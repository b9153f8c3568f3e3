"""Random failures of every domain, sampled vectorised per level into the failure event table.

Each server, rack, datacenter, zone and region of a failing level is an alternating renewal
process: up for a draw of the level's time to failure, down for a draw of its repair time,
up again. A level's components are one array (`next_fail_s`), advanced a block of simulated
time at a time: every component whose next failure falls in the block fails together in one
array draw, repeated until none fails again in the block. Millions of servers cost one
comparison per server per block, never a Python object each.

Determinism: block `b` of level `L` draws from its own stream, a `SeedSequence` child keyed
`(L, b + 1)` (key `(L, 0)` starts the processes), and blocks have a fixed length
(`BLOCK_S`), so the table depends only on the seed — not on how the caller chunks time.

Start: with `steady_start` (the default), each process begins in equilibrium — down with
probability MTTR / (MTTF + MTTR) for the residual of a repair (a row at time 0), otherwise
up for the residual of an up-time — so no simulated time is spent warming up.

Bursts (`burst_share` < 1): a failure takes down round(share × units) consecutive units of
the domain (servers of a rack, racks of a datacenter, datacenters of a zone, zones of a
region), starting at a uniformly drawn unit and wrapping past the last one. Contiguous,
because servers are stored by rack and a PDU or a top-of-rack switch feeds neighbours; one
range (two where it wraps) keeps the row format fixed; wrapping gives every server the same
exposure, share × failure rate.
"""

from __future__ import annotations

import numpy as np

from cloudtwin.errors import FailureModelError
from cloudtwin.failures.defaults import (
    DATACENTER,
    LEVEL_CODE,
    RACK,
    REGION,
    SERVER,
    ZONE,
    ResolvedFailures,
)
from cloudtwin.failures.distributions import (
    LevelParams,
    burst_units,
    draw_repair_residual_s,
    draw_repair_s,
    draw_up_residual_s,
    draw_up_s,
    level_params,
)
from cloudtwin.failures.events import FailureEvents
from cloudtwin.failures.targets import injection_events
from cloudtwin.world import World

# Key of the failures stream under an integer seed (a SeedSequence passed in is used as given).
FAILURE_STREAM = 0xFA11
# One simulated day per block: the unit of the random streams (changing it changes the draws).
BLOCK_S = 86_400.0


class _Level:
    """One failing level: its components' next failure times and their unit layout for bursts."""

    def __init__(self, code: int, params: LevelParams, world: World) -> None:
        self.code = code
        self.params = params
        if code == SERVER:
            self.n = world.n_servers
            # A server's only unit is itself.
            self.comp_unit_start = None
            self.unit_server_start = None
        else:
            self.comp_unit_start, self.unit_server_start = {
                RACK: (world.rack_server_start, None),
                DATACENTER: (world.datacenter_rack_start, world.rack_server_start),
                ZONE: (world.zone_datacenter_start, world.datacenter_server_start),
                REGION: (world.region_zone_start, world.zone_server_start),
            }[code]
            self.n = len(self.comp_unit_start) - 1
        self.next_fail_s = np.empty(self.n)

    def rows(
        self, rng: np.random.Generator, comp: np.ndarray, time_s: np.ndarray, duration_s: np.ndarray
    ) -> FailureEvents:
        """Rows for failures of components `comp` at `time_s` lasting `duration_s` (bursts drawn here)."""
        if self.code == SERVER:
            lo, hi = comp.astype(np.int64), comp.astype(np.int64) + 1
            return _table(time_s, duration_s, self.code, comp, lo, hi)
        assert self.comp_unit_start is not None  # set for every level but SERVER
        first = self.comp_unit_start[comp]
        units = self.comp_unit_start[comp + 1] - first
        if self.params.burst_share >= 1.0:
            start, length = np.zeros_like(units), units
        else:
            start = rng.integers(0, units)
            length = burst_units(self.params, units)
        end = start + length
        wraps = end > units
        # The part up to the domain's end, then the wrapped part from its first unit.
        part_a = (first + start, first + np.minimum(end, units))
        part_b = (first[wraps], first[wraps] + end[wraps] - units[wraps])
        lo = np.concatenate([self._server(part_a[0]), self._server(part_b[0])])
        hi = np.concatenate([self._server(part_a[1]), self._server(part_b[1])])
        return _table(
            np.concatenate([time_s, time_s[wraps]]),
            np.concatenate([duration_s, duration_s[wraps]]),
            self.code,
            np.concatenate([comp, comp[wraps]]),
            lo,
            hi,
        )

    def _server(self, unit: np.ndarray) -> np.ndarray:
        """First server of each absolute unit index (a unit past the end gives the next domain's start)."""
        return unit if self.unit_server_start is None else self.unit_server_start[unit]


def _table(time_s, duration_s, code, comp, lo, hi) -> FailureEvents:
    n = len(time_s)
    return FailureEvents(
        time_s=time_s,
        duration_s=duration_s,
        level=np.full(n, code, dtype=np.int8),
        target=comp,
        lo_server=lo,
        hi_server=hi,
        injection=np.full(n, -1, dtype=np.int32),
    )


class FailureSampler:
    """The failure event table of a run, produced in time order as far as the caller asks.

    `seed` is the run's failures stream — a `SeedSequence` used by this sampler alone (e.g. one
    child of the run's `SeedSequence.spawn`), extended with keys (level, block) — or an integer
    (then the stream is `SeedSequence(seed, spawn_key=(FAILURE_STREAM,))`). Injections
    (`failures.inject`) are merged in.
    """

    def __init__(
        self,
        failures: ResolvedFailures,
        world: World,
        seed: int | np.random.SeedSequence,
        *,
        steady_start: bool = True,
    ) -> None:
        if not isinstance(seed, np.random.SeedSequence):
            seed = np.random.SeedSequence(seed, spawn_key=(FAILURE_STREAM,))
        self._seed = seed
        self._levels: list[_Level] = []
        for name, params in level_params(failures.levels).items():
            self._levels.append(_Level(LEVEL_CODE[name], params, world))
        self._injections = injection_events(failures.inject, world)
        self._sampled_until_s = 0.0
        self._returned_until_s = 0.0
        self._block = 0
        self._pending: list[FailureEvents] = [self._start(steady_start)]

    def _rng(self, code: int, key: int) -> np.random.Generator:
        child = np.random.SeedSequence(self._seed.entropy, spawn_key=self._seed.spawn_key + (code, key))
        return np.random.Generator(np.random.PCG64(child))

    def _start(self, steady: bool) -> FailureEvents:
        """Initial state of every process; rows at time 0 for the ones already down."""
        parts = []
        for lv in self._levels:
            rng = self._rng(lv.code, 0)
            p = lv.params
            if not steady:
                lv.next_fail_s[:] = draw_up_s(rng, p, lv.n)
                continue
            down = rng.random(lv.n) < p.down_probability
            n_down = int(down.sum())
            lv.next_fail_s[:] = draw_up_residual_s(rng, p, lv.n)
            residual = draw_repair_residual_s(rng, p, n_down)
            comp = np.flatnonzero(down)
            lv.next_fail_s[comp] = residual + draw_up_s(rng, p, n_down)
            parts.append(lv.rows(rng, comp, np.zeros(n_down), residual))
        return FailureEvents.concat(parts)

    def _sample_block(self) -> None:
        """Sample every failure of the next block of `BLOCK_S` seconds."""
        start = self._block * BLOCK_S
        end = start + BLOCK_S
        self._block += 1
        parts = []
        for lv in self._levels:
            rng = self._rng(lv.code, self._block)
            comp = np.flatnonzero(lv.next_fail_s < end)
            while comp.size:
                t = lv.next_fail_s[comp]
                repair = draw_repair_s(rng, lv.params, comp.size)
                parts.append(lv.rows(rng, comp, t, repair))
                lv.next_fail_s[comp] = t + repair + draw_up_s(rng, lv.params, comp.size)
                comp = comp[lv.next_fail_s[comp] < end]
        inj = self._injections
        parts.append(inj.take((inj.time_s >= start) & (inj.time_s < end)))
        self._pending.append(FailureEvents.concat(parts))
        self._sampled_until_s = end

    def events_until(self, until_s: float) -> FailureEvents:
        """Rows with `time_s` in [end of the previous call, `until_s`), sorted; the same whatever the chunking."""
        if until_s < self._returned_until_s:
            raise FailureModelError(
                f"failure events were already returned up to {self._returned_until_s} s (asked for {until_s} s)"
            )
        while self._sampled_until_s < until_s:
            self._sample_block()
        pending = FailureEvents.concat(self._pending).sorted()
        due = pending.time_s < until_s
        self._pending = [pending.take(~due)]
        self._returned_until_s = until_s
        return pending.take(due)


def sample_failures(
    failures: ResolvedFailures,
    world: World,
    horizon_s: float,
    seed: int | np.random.SeedSequence,
    *,
    steady_start: bool = True,
) -> FailureEvents:
    """Every failure row with `time_s` < `horizon_s` (one call of `FailureSampler.events_until`)."""
    return FailureSampler(failures, world, seed, steady_start=steady_start).events_until(horizon_s)
