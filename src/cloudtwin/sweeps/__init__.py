"""Sweeps: a grid of scenario variants, each run several times, with confidence intervals per point.

A spec (`cloudtwin.sweeps.spec`) names a base scenario, fixed overrides, axes and replications; `expand`
(`cloudtwin.sweeps.plan`) lists its runs, replication r with the same seed at every axis point (common random
numbers); an executor (`cloudtwin.sweeps.executors`: local processes, or Ray) maps the runs; `run_sweep`
(`cloudtwin.sweeps.sweep`) stores each finished run at once and resumes a stopped sweep where it stopped;
`stored_sweep` reads a stored sweep back (its report: `cloudtwin.report.sweep_charts`).

The package is named `sweeps` so that importing it can never shadow the API function
`cloudtwin.sweep(spec, db=None, jobs=None, ray=None)` (as `runner` beside `run`).
"""

from cloudtwin.sweeps.plan import PlannedRun, expand
from cloudtwin.sweeps.spec import LoadedSpec, SweepSpec, load_spec
from cloudtwin.sweeps.sweep import SweepOutcome, run_sweep, stored_sweep

__all__ = ["LoadedSpec", "PlannedRun", "SweepOutcome", "SweepSpec", "expand", "load_spec", "run_sweep", "stored_sweep"]
