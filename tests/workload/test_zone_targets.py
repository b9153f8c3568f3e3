"""Zone and instance-type indices without the world builder, and the target rules of a workload."""

from __future__ import annotations

import math

import numpy as np
import pytest
from workload_scenarios import make_scenario, poisson_entry, region

from cloudtwin.errors import WorkloadError
from cloudtwin.workload import WorkloadSampler, explicit_arrivals

REGIONS = [region("east", -77.0, 3), region("west", -120.0, 1, utc_offset_hours=-7.5)]


def test_indices_follow_scenario_order() -> None:
    """Zones are numbered region by region in file order; instance types in `instance_types` order."""
    sampler = WorkloadSampler(make_scenario([], REGIONS), 1)
    assert sampler.zone_names == ("east-a", "east-b", "east-c", "west-a")
    assert sampler.instance_type_names == ("small", "large", "huge")
    assert sampler.expected_resident_vms() == 0 and len(sampler.arrivals_between(0, 3600)) == 0


def test_region_local_offset_is_explicit_or_solar() -> None:
    """A region's offset is utc_offset_hours when given, else round(lon/15): −77° → −5 h."""
    offsets = WorkloadSampler(make_scenario([], REGIONS), 1).zone_index.zone_utc_offset_hours
    assert offsets.tolist() == [-5.0, -5.0, -5.0, -7.5]


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        ({}, [0.25, 0.25, 0.25, 0.25]),
        ({"zones": ["east-b", "west-a"]}, [0, 0.5, 0, 0.5]),
        ({"zones": {"east-a": 1, "west-a": 3}}, [0.25, 0, 0, 0.75]),
        ({"regions": ["east", "west"]}, [1 / 6, 1 / 6, 1 / 6, 0.5]),
        ({"regions": {"east": 3, "west": 1}}, [0.25, 0.25, 0.25, 0.25]),
    ],
)
def test_target_shares(targets: dict, expected: list[float]) -> None:
    """List → uniform; dict → by share; regions → a region by share, then one of its zones uniformly; none → all."""
    arrivals = WorkloadSampler(make_scenario([poisson_entry(36_000, **targets)], REGIONS), 2).arrivals_between(0, 3600)
    n = len(arrivals)
    share = np.bincount(arrivals.zone, minlength=4) / n
    p = np.asarray(expected)
    assert np.all(np.abs(share - p) <= 5 * np.sqrt(p * (1 - p) / n))


def test_unknown_names_are_workload_errors() -> None:
    """An unknown zone or region in a workload, or an unknown instance type, raises WorkloadError with the key path."""
    with pytest.raises(WorkloadError, match=r"workload\[0\]\.zones: unknown zone 'nowhere'"):
        WorkloadSampler(make_scenario([poisson_entry(10, zones=["nowhere"])], REGIONS), 1)
    with pytest.raises(WorkloadError, match=r"workload\[0\]\.regions: unknown region 'mars'"):
        WorkloadSampler(make_scenario([poisson_entry(10, regions=["mars"])], REGIONS), 1)
    with pytest.raises(WorkloadError, match=r"workload\[0\]\.instances: unknown instance type 'xl'"):
        WorkloadSampler(make_scenario([poisson_entry(10, instances={"xl": 1.0})], REGIONS), 1)


def test_explicit_arrivals() -> None:
    """Records (time, type name or (vcpus, GiB), zone name or index, lifetime) become sorted arrivals with the
    scenario's sizes (memory = round(GiB·1024) MiB); bad records raise WorkloadError naming the record."""
    scenario = make_scenario([], REGIONS)
    arrivals = explicit_arrivals(
        [(50.0, "huge", "west-a", 10.0), {"time_s": 5, "instance_type": (4, 1.5), "zone": 1, "lifetime_s": 2.5}],
        scenario,
    )
    assert arrivals.time_s.tolist() == [5.0, 50.0]
    assert arrivals.vcpus.tolist() == [4, 16] and arrivals.memory_mib.tolist() == [1536, 122 * 1024]
    assert arrivals.instance_type.tolist() == [-1, 2] and arrivals.zone.tolist() == [1, 3]
    assert arrivals.workload.tolist() == [-1, -1] and math.isclose(arrivals.lifetime_s[0], 2.5)
    with pytest.raises(WorkloadError, match=r"arrivals\[0\]: unknown instance type 'tiny'"):
        explicit_arrivals([(0, "tiny", "east-a", 1)], scenario)
    with pytest.raises(WorkloadError, match=r"arrivals\[1\]: need time_s >= 0 and lifetime_s > 0"):
        explicit_arrivals([(0, (1, 1), 0, 1), (-1, (1, 1), 0, 1)])
    with pytest.raises(WorkloadError, match=r"arrivals\[0\]: zone 'east-a' given by name but no scenario"):
        explicit_arrivals([(0, (1, 1), "east-a", 1)])
