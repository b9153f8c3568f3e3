"""Where and what a workload asks for: zone and instance-type indices, target and mix probabilities.

Indices match the world builder's without importing it: zones are numbered in
enumeration order over `scenario.world.regions` (region order, then zone
order); instance types in the order of `scenario.instance_types`. A region's
local time is UTC + `utc_offset_hours`, or the nominal solar offset
`round(lon / 15)` hours (15 degrees of longitude per hour) when none is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cloudtwin.errors import WorkloadError
from cloudtwin.scenario.model import Scenario, Workload
from cloudtwin.workload.kernels import alias_draw


@dataclass(frozen=True, eq=False)
class ZoneIndex:
    """The scenario's zones as arrays: names, owning region and that region's UTC offset."""

    zone_names: tuple[str, ...]
    region_names: tuple[str, ...]
    zone_region: np.ndarray  # int32, per zone
    region_utc_offset_hours: np.ndarray  # float64, per region

    @classmethod
    def of(cls, scenario: Scenario) -> ZoneIndex:
        zone_names: list[str] = []
        zone_region: list[int] = []
        offsets: list[float] = []
        for r, region in enumerate(scenario.world.regions):
            offset = region.utc_offset_hours
            offsets.append(float(offset) if offset is not None else float(round(region.location.lon / 15)))
            for zone in region.zones:
                zone_names.append(zone.name)
                zone_region.append(r)
        return cls(
            zone_names=tuple(zone_names),
            region_names=tuple(r.name for r in scenario.world.regions),
            zone_region=np.asarray(zone_region, dtype=np.int32),
            region_utc_offset_hours=np.asarray(offsets, dtype=np.float64),
        )

    @property
    def zone_utc_offset_hours(self) -> np.ndarray:
        return self.region_utc_offset_hours[self.zone_region]

    def zone_id(self, name: str, where: str) -> int:
        try:
            return self.zone_names.index(name)
        except ValueError:
            raise WorkloadError(f"{where}: unknown zone {name!r}") from None


def _weights(spec: list[str] | dict[str, float], where: str) -> tuple[list[str], np.ndarray]:
    if isinstance(spec, dict):
        names, weights = list(spec), np.asarray(list(spec.values()), dtype=np.float64)
    else:
        names, weights = list(spec), np.ones(len(spec), dtype=np.float64)
    if len(names) == 0 or weights.sum() <= 0:
        raise WorkloadError(f"{where}: needs at least one entry with a positive share")
    return names, weights / weights.sum()


def target_zone_probabilities(workload: Workload, zones: ZoneIndex, where: str) -> np.ndarray:
    """Probability that one arrival of `workload` targets each zone (length = all zones of the world).

    `zones` (list: uniform; dict: weighted by share), or `regions` (pick a region
    by share, then a zone of it uniformly), or neither (every zone alike).
    """
    n = len(zones.zone_names)
    prob = np.zeros(n, dtype=np.float64)
    if workload.zones is not None:
        names, weights = _weights(workload.zones, f"{where}.zones")
        for name, weight in zip(names, weights):
            prob[zones.zone_id(name, f"{where}.zones")] += weight
    elif workload.regions is not None:
        names, weights = _weights(workload.regions, f"{where}.regions")
        for name, weight in zip(names, weights):
            if name not in zones.region_names:
                raise WorkloadError(f"{where}.regions: unknown region {name!r}")
            members = np.flatnonzero(zones.zone_region == zones.region_names.index(name))
            prob[members] += weight / len(members)
    else:
        prob[:] = 1.0 / n
    return prob


def instance_type_names(scenario: Scenario) -> tuple[str, ...]:
    return tuple(scenario.instance_types)


def instance_mix_probabilities(workload: Workload, scenario: Scenario, where: str) -> np.ndarray:
    """Probability that one arrival of `workload` asks for each instance type (scenario order)."""
    names = instance_type_names(scenario)
    prob = np.zeros(len(names), dtype=np.float64)
    mix = workload.instances or {}
    for name, share in mix.items():
        if name not in names:
            raise WorkloadError(f"{where}.instances: unknown instance type {name!r}")
        prob[names.index(name)] += share
    if prob.sum() <= 0:
        raise WorkloadError(f"{where}.instances: needs at least one instance type with a positive share")
    return prob / prob.sum()


class Categorical:
    """Draws indices with probabilities ∝ `prob` in O(1) each by Walker's alias method (Vose's construction).

    One uniform u per draw: k = ⌊u·n⌋ and the fraction u·n − k picks k or its alias
    (Vose, IEEE Trans. Softw. Eng. 17(9), 1991). Zero-probability entries are never drawn.
    """

    def __init__(self, prob: np.ndarray) -> None:
        prob = np.asarray(prob, dtype=np.float64)
        self.probability = prob / prob.sum()
        self.values = np.flatnonzero(prob > 0).astype(np.int32)
        q = self.probability[self.values] * len(self.values)
        self._keep = np.ones(len(q))
        self._alias = np.arange(len(q), dtype=np.int32)
        small = [i for i in range(len(q)) if q[i] < 1.0]
        large = [i for i in range(len(q)) if q[i] >= 1.0]
        while small and large:
            s, g = small.pop(), large.pop()
            self._keep[s], self._alias[s] = q[s], g
            q[g] -= 1.0 - q[s]
            (small if q[g] < 1.0 else large).append(g)
        self._keep_value = self.values
        self._alias_value = self.values[self._alias]

    @property
    def alias_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(keep, keep_value, alias_value) for the compiled `kernels.alias_draw`."""
        return self._keep, self._keep_value, self._alias_value

    @property
    def single(self) -> bool:
        return len(self.values) == 1

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.single:
            return np.full(n, self.values[0], dtype=np.int32)
        return self.draw_from(rng.random(n))

    def draw_from(self, u: np.ndarray) -> np.ndarray:
        """Indices for given uniforms in [0, 1)."""
        return alias_draw(u, self._keep, self._keep_value, self._alias_value)
