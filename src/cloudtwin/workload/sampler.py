"""`WorkloadSampler`: every workload entry of a scenario as one seeded, chunkable stream of VM requests.

    sampler = WorkloadSampler(scenario, np.random.SeedSequence(scenario.seed))
    start = sampler.initial_population()          # VMs running at t = 0 (time_s = 0, residual lifetimes)
    chunk = sampler.arrivals_between(0.0, 3600.0)  # requests in [0 s, 1 h), sorted by time

Poisson entries are sampled per block of one simulated hour from streams keyed by
(workload, purpose, block) (see `streams`), so the concatenation of consecutive
chunks does not depend on where the chunks are cut, and the same seed gives the
same bits in any order of calls. Trace entries are read once, at construction.
Ties in time keep workload order, then each workload's own order.
"""

from __future__ import annotations

import math

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.errors import WorkloadError
from cloudtwin.scenario.model import PoissonArrivals, Scenario
from cloudtwin.scenario.totals import instance_type_sizes
from cloudtwin.workload.lifetimes import lifetime_distribution
from cloudtwin.workload.poisson import BLOCK_S, PoissonSource
from cloudtwin.workload.steady import expected_resident, initial_population
from cloudtwin.workload.streams import Streams
from cloudtwin.workload.targets import (
    Categorical,
    ZoneIndex,
    instance_mix_probabilities,
    instance_type_names,
    target_zone_probabilities,
)
from cloudtwin.workload.traces import TraceSource, load_trace


def _freeze(arrivals: Arrivals) -> None:
    for column in vars(arrivals).values():
        column.flags.writeable = False


class WorkloadSampler:
    """Arrivals and the initial population of a scenario's workload entries (indices as in `Arrivals`)."""

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence | int) -> None:
        self.scenario = scenario
        self.streams = Streams(seed)
        self.zone_index = ZoneIndex.of(scenario)
        self.poisson_sources: list[PoissonSource] = []
        self.trace_sources: list[TraceSource] = []
        self._last_block: dict[int, tuple[int, Arrivals]] = {}
        type_vcpus, type_memory_mib = instance_type_sizes(scenario)
        for w, entry in enumerate(scenario.workload):
            where = f"workload[{w}]"
            zones = Categorical(target_zone_probabilities(entry, self.zone_index, where))
            if isinstance(entry.arrivals, PoissonArrivals):
                if entry.lifetime is None:
                    raise WorkloadError(f"{where}.lifetime: required with Poisson arrivals")
                source = PoissonSource.of(
                    w,
                    entry.arrivals,
                    zones=zones,
                    zone_utc_offset_hours=self.zone_index.zone_utc_offset_hours,
                    mix=Categorical(instance_mix_probabilities(entry, scenario, where)),
                    type_vcpus=type_vcpus,
                    type_memory_mib=type_memory_mib,
                    lifetime=lifetime_distribution(entry.lifetime),
                )
                self.poisson_sources.append(source)
            else:
                self.trace_sources.append(load_trace(w, entry.arrivals, zones, self.streams, where))
                _freeze(self.trace_sources[-1].arrivals)

    @property
    def zone_names(self) -> tuple[str, ...]:
        """Zone names in index order (regions in order, zones in order within each)."""
        return self.zone_index.zone_names

    @property
    def instance_type_names(self) -> tuple[str, ...]:
        """Instance type names in index order (the scenario's `instance_types` order)."""
        return instance_type_names(self.scenario)

    def arrivals_between(self, t0_s: float, t1_s: float) -> Arrivals:
        """Every request with t0_s <= time_s < t1_s, sorted by time (ties: workload order, then trace order).

        The arrays may be read-only views of cached blocks or of a loaded trace: copy before writing.
        """
        if not (math.isfinite(t0_s) and math.isfinite(t1_s) and 0 <= t0_s <= t1_s):
            raise WorkloadError(f"arrivals window must satisfy 0 <= t0_s <= t1_s (got [{t0_s!r}, {t1_s!r}))")
        parts = [(s.workload, self._poisson_between(s, t0_s, t1_s)) for s in self.poisson_sources]
        parts += [(s.workload, s.between(t0_s, t1_s)) for s in self.trace_sources]
        parts = [p for p in sorted(parts, key=lambda wp: wp[0]) if len(p[1])]
        if len(parts) == 1:
            return parts[0][1]
        return Arrivals.concat([p for _, p in parts], sort=True)

    def _poisson_between(self, source: PoissonSource, t0_s: float, t1_s: float) -> Arrivals:
        if t1_s <= t0_s:
            return Arrivals.empty()
        blocks = []
        for b in range(int(t0_s // BLOCK_S), int(math.ceil(t1_s / BLOCK_S))):
            block = self._block(source, b)
            lo, hi = np.searchsorted(block.time_s, [t0_s, t1_s], side="left")
            blocks.append(block.slice(int(lo), int(hi)))
        return blocks[0] if len(blocks) == 1 else Arrivals.concat(blocks, sort=False)

    def _block(self, source: PoissonSource, b: int) -> Arrivals:
        cached = self._last_block.get(source.workload)
        if cached is not None and cached[0] == b:
            return cached[1]
        block = source.block(b, self.streams)
        _freeze(block)
        self._last_block[source.workload] = (b, block)
        return block

    def initial_population(self) -> Arrivals:
        """The Poisson workloads' VMs running at t = 0 (time_s = 0, lifetime_s = residual life); traces add none."""
        return initial_population(self.poisson_sources, self.streams)

    def expected_resident_vms(self) -> float:
        """Mean size of `initial_population()`: Σ over Poisson workloads of ∫ λ(−u)(1 − F(u)) du."""
        return float(sum(expected_resident(s) for s in self.poisson_sources))

    def mean_rate_per_s(self) -> float:
        """Mean arrival rate: Σ per_hour/3600 of Poisson entries (day average at t = 0) + each trace's count / span."""
        rate = sum(s.rate_per_s for s in self.poisson_sources)
        rate += sum(len(s.arrivals) / s.span_s for s in self.trace_sources if s.span_s > 0)
        return float(rate)
