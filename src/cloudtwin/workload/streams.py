"""Independent random streams keyed by (workload, purpose, index), so adding a stream shifts no other.

Each stream is the `SeedSequence` child reached by the spawn key
`seed.spawn_key + (workload, purpose, index)` — what `SeedSequence.spawn` would
give three levels down — so a block of simulated time, a purpose or a workload
entry can be sampled on its own, in any order, with the same bits.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Purpose(IntEnum):
    """What a stream is used for; values are part of the seed contract: append, never renumber."""

    ARRIVAL_TIMES = 0
    TARGETS = 1
    INSTANCE_MIX = 2
    LIFETIMES = 3
    INITIAL_POPULATION = 4
    INITIAL_TARGETS = 5
    INITIAL_MIX = 6


class Streams:
    """Generators for (workload, purpose, index) below one root `SeedSequence`."""

    def __init__(self, seed: np.random.SeedSequence | int) -> None:
        self.seed = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)

    def generator(self, workload: int, purpose: Purpose, index: int = 0) -> np.random.Generator:
        key = (*self.seed.spawn_key, int(workload), int(purpose), int(index))
        child = np.random.SeedSequence(self.seed.entropy, spawn_key=key, pool_size=self.seed.pool_size)
        return np.random.Generator(np.random.PCG64(child))
