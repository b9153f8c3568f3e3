"""Placement: which server of a zone hosts a VM, via an O(log servers) index over free capacity.

Policies (`policies.DEFINITIONS`): first-fit, best-fit, worst-fit, random,
power-of-two. `Capacity` + `choose/allocate/release/set_up` are the compiled
operations the engine uses; `PlacementIndex` is the same from Python.
"""

from __future__ import annotations

from cloudtwin.placement import jitcache  # noqa: F401  (first: before any compiled function is defined)
from cloudtwin.placement.index import (
    Capacity,
    PlacementIndex,
    allocate,
    build_capacity,
    capacity_state,
    choose,
    release,
    set_up,
)
from cloudtwin.placement.policies import DEFINITIONS, POLICIES, policy_code

__all__ = [
    "DEFINITIONS",
    "POLICIES",
    "Capacity",
    "PlacementIndex",
    "allocate",
    "build_capacity",
    "capacity_state",
    "choose",
    "policy_code",
    "release",
    "set_up",
]
