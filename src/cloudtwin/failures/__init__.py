"""What fails: per-level failure processes sampled into the failure event table.

resolve_failures(scenario.failures)       defaults (cited in `defaults`) merged with the scenario's levels
scenario_failures(scenario)               the same, servers failing at their server type's annual_failure_rate
FailureSampler(failures, world, seed)     the failure event table, `events_until(t_s)` chunk by chunk
sample_failures(failures, world, t, seed) the whole table up to t in one call
"""

from __future__ import annotations

from cloudtwin.failures.defaults import (
    DEFAULT_LEVELS,
    LEVEL_NAMES,
    ResolvedFailures,
    resolve_failures,
    scenario_failures,
)
from cloudtwin.failures.events import FailureEvents
from cloudtwin.failures.sampling import BLOCK_S, FailureSampler, sample_failures
from cloudtwin.failures.targets import injection_events

__all__ = [
    "BLOCK_S",
    "DEFAULT_LEVELS",
    "LEVEL_NAMES",
    "FailureEvents",
    "FailureSampler",
    "ResolvedFailures",
    "injection_events",
    "resolve_failures",
    "sample_failures",
    "scenario_failures",
]
