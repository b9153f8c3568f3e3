"""Scripted failures (`failures.inject`) as rows of the failure event table.

Names resolve through `World.resolve_target` (`REGION`, `ZONE`, `DC`, `DC/rackK`, `DC/serverI`,
`DC/servers[A:B]`, 0-based, half-open); every bad name is reported at once with its key path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cloudtwin.errors import FailureModelError, WorldError
from cloudtwin.failures.defaults import (
    DATACENTER,
    LEVEL_CODE,
    RACK,
    REGION,
    SERVER,
    ZONE,
)
from cloudtwin.failures.events import FailureEvents
from cloudtwin.scenario.model import Injection
from cloudtwin.units import SECONDS_PER_HOUR
from cloudtwin.world import World


def injection_events(inject: Sequence[Injection], world: World) -> FailureEvents:
    """One row per injection: its server range down from `at_hours` for `for_hours` (sorted table)."""
    n = len(inject)
    time_s = np.empty(n)
    duration_s = np.empty(n)
    level = np.empty(n, dtype=np.int8)
    target = np.empty(n, dtype=np.int64)
    lo = np.empty(n, dtype=np.int64)
    hi = np.empty(n, dtype=np.int64)
    problems: list[str] = []
    for i, item in enumerate(inject):
        try:
            found = world.resolve_target(item.fail)
        except WorldError as exc:
            problems += [f"failures.inject[{i}].fail: {line}" for line in exc.problems]
            continue
        code = LEVEL_CODE[found.level]
        time_s[i] = item.at_hours * SECONDS_PER_HOUR
        duration_s[i] = item.for_hours * SECONDS_PER_HOUR
        level[i] = code
        target[i] = _target_index(world, code, found.lo_server)
        lo[i], hi[i] = found.lo_server, found.hi_server
    if problems:
        raise FailureModelError(problems=problems)
    return FailureEvents(
        time_s=time_s,
        duration_s=duration_s,
        level=level,
        target=target,
        lo_server=lo,
        hi_server=hi,
        injection=np.arange(n, dtype=np.int32),
    ).sorted()


def _target_index(world: World, code: int, lo_server: int) -> int:
    """Index at its level of the domain whose servers start at `lo_server`."""
    if code == SERVER:
        return lo_server
    if code == RACK:
        return int(world.server_rack[lo_server])
    if code == DATACENTER:
        return int(world.server_datacenter[lo_server])
    if code == ZONE:
        return int(world.server_zone[lo_server])
    assert code == REGION
    return int(world.zone_region[world.server_zone[lo_server]])
