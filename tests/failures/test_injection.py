"""Scripted failures (`failures.inject`) become rows at the right time, for the right servers."""

from __future__ import annotations

import numpy as np
import pytest

from cloudtwin.errors import FailureModelError
from cloudtwin.failures.defaults import resolve_failures
from cloudtwin.failures.sampling import FailureSampler
from cloudtwin.failures.targets import injection_events
from cloudtwin.world import build_world

HOUR_S = 3600.0


def test_each_name_form_resolves_to_its_servers(make_scenario) -> None:
    """DC, DC/rackK, DC/servers[A:B], zone and region names: level, target, server range, time and duration."""
    inject = [
        {"fail": "z0d0", "at_hours": 24, "for_hours": 3},
        {"fail": "z1d1/rack2", "at_hours": 1, "for_hours": 0.5},
        {"fail": "z2d0/servers[5:9]", "at_hours": 2, "for_hours": 1},
        {"fail": "z1", "at_hours": 3, "for_hours": 2},
        {"fail": "r", "at_hours": 4, "for_hours": 1},
    ]
    sc = make_scenario({"inject": inject})
    ev = injection_events(sc.failures.inject, build_world(sc))
    # Sorted by time: rack (1 h), servers (2 h), zone (3 h), region (4 h), datacenter (24 h).
    assert ev.injection.tolist() == [1, 2, 3, 4, 0]
    assert ev.time_s.tolist() == [1 * HOUR_S, 2 * HOUR_S, 3 * HOUR_S, 4 * HOUR_S, 24 * HOUR_S]
    assert ev.duration_s.tolist() == [0.5 * HOUR_S, 1 * HOUR_S, 2 * HOUR_S, 1 * HOUR_S, 3 * HOUR_S]
    assert ev.level.tolist() == [1, 0, 3, 4, 2]
    # 400 servers a datacenter, 40 a rack: z1d1 is datacenter 3 (servers 1200-1599, racks 30-39).
    assert ev.target.tolist() == [32, 1605, 1, 0, 0]
    assert ev.lo_server.tolist() == [1280, 1605, 800, 0, 0]
    assert ev.hi_server.tolist() == [1320, 1609, 1600, 2400, 400]


def test_sampler_merges_injections_in_time(make_scenario) -> None:
    """An injection at 24 h is not among the rows before 24 h and is among the rows from 24 h on."""
    sc = make_scenario(
        {"rack": {"mttf_days": 20, "repair_hours": 2}, "inject": [{"fail": "z0d0", "at_hours": 24, "for_hours": 3}]}
    )
    sampler = FailureSampler(resolve_failures(sc.failures), build_world(sc), seed=1)
    before = sampler.events_until(24 * HOUR_S)
    after = sampler.events_until(48 * HOUR_S)
    assert np.all(before.injection == -1)
    row = np.flatnonzero(after.injection == 0)
    assert len(row) == 1 and after.time_s[row[0]] == 24 * HOUR_S and after.duration_s[row[0]] == 3 * HOUR_S


def test_bad_names_are_reported_with_key_paths(make_scenario) -> None:
    """Every unknown name or out-of-range rack is one problem line naming `failures.inject[i].fail`."""
    inject = [
        {"fail": "z0d0", "at_hours": 1, "for_hours": 1},
        {"fail": "nowhere", "at_hours": 1, "for_hours": 1},
        {"fail": "z0d1/rack99", "at_hours": 1, "for_hours": 1},
    ]
    sc = make_scenario({"inject": inject})
    with pytest.raises(FailureModelError) as err:
        injection_events(sc.failures.inject, build_world(sc))
    assert len(err.value.problems) == 2
    assert err.value.problems[0].startswith("failures.inject[1].fail:")
    assert err.value.problems[1].startswith("failures.inject[2].fail:")
