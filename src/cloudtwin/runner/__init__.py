"""One run of a scenario: world → streams → engine + failover → results, chunk by chunk (`simulate`).

This is the one package that holds a scenario, an engine and a results store together;
`preflight` says up front whether this machine can run a scenario at all.
"""

from __future__ import annotations

from cloudtwin.runner.simulate import (
    RunOutcome,
    RunParts,
    engine_for_world,
    prepare_run,
    simulate,
)

__all__ = ["RunOutcome", "RunParts", "engine_for_world", "prepare_run", "simulate"]
