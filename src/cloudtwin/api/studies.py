"""The API's studies beyond one run: sweeps, capacity plans, costs and reports, each a thin call into its package."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cloudtwin.api.loading import changes, load
from cloudtwin.errors import ScenarioError
from cloudtwin.scenario import Scenario

if TYPE_CHECKING:
    import pyarrow as pa

    from cloudtwin.economics import CostReport
    from cloudtwin.planning import Plan


# --------------------------------------------------------------------------- sweep


def sweep(
    spec: str | os.PathLike[str] | Mapping[str, Any],
    db: str | Path | None = None,
    jobs: int | None = None,
    ray: str | None = None,
) -> pa.Table:
    """Run a sweep (a spec file, or the same as a mapping; see `cloudtwin.sweep`) and return a row per axis point:
    the axis columns, then `<metric>_mean`, `<metric>_ci_low`, `<metric>_ci_high` (95 % over replications).

    `db`: a results database to store the runs in (running the same spec again there resumes it); None keeps
    nothing. `jobs`: local worker processes (default one per core); `ray`: "auto" or a Ray cluster address.
    """
    from cloudtwin.sweeps.sweep import sweep_table

    return sweep_table(spec, db, jobs=jobs, ray=ray)


# --------------------------------------------------------------------------- cost


def cost(
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    db: str | os.PathLike[str] | None = None,
    run_id: int | Literal["latest"] | None = None,
    set: Mapping[str, object] | None = None,
) -> CostReport:
    """A month of the cloud's money, as `cloudtwin cost` shows it: the provider's cost built from its parts (its
    split an output), each tenant's bill, revenue, margin, cost per vCPU-hour, rent or build per workload.

    `scenario` (a Scenario, a preset name or a scenario file, with `set` applied as by `load`): priced at its
    expected steady state, with no simulation. `db` (and `run_id`, default the latest finished run): priced as that
    stored run measured it, with the scenario stored with the run (`set` applied to it: the same run under other
    prices). `.to_json()` is exactly `cloudtwin cost --json`'s object.
    """
    from cloudtwin.economics import expected_cost
    from cloudtwin.network.demand import cross_region_gbps_per_vcpu

    if db is not None:
        if scenario is not None:
            raise ScenarioError("give a scenario or a stored run (`db`), not both: a run is priced with its own")
        return stored_cost(db, run_id, values=changes(set))
    if run_id is not None:
        raise ScenarioError("`run_id` needs `db`, the results database that holds the run")
    if scenario is None:
        raise ScenarioError("give a scenario (a Scenario, a preset name or a file) or `db` with a stored run")
    if isinstance(scenario, Scenario):
        loaded = scenario.with_(changes(set)) if set else scenario
    else:
        loaded = load(scenario, set=set)
    return expected_cost(loaded, cross_region_gbps_per_vcpu(loaded))


def stored_cost(
    db: str | os.PathLike[str],
    run_id: int | str | None = None,
    overrides: tuple[str, ...] | list[str] = (),
    values: Mapping[str, object] | None = None,
) -> CostReport:
    """`cost` of a stored, finished run (`overrides`: `--set KEY=VALUE` strings, `values`: the same as a mapping,
    applied to the run's own scenario)."""
    from cloudtwin.economics import measured_from_store, run_cost
    from cloudtwin.network.demand import cross_region_gbps_per_vcpu
    from cloudtwin.results import ResultsStore
    from cloudtwin.scenario import parse_scenario

    with ResultsStore(Path(db), read_only=True) as store:
        found = store.pick_run(run_id, finished=True)
        row = store.get_run(found)
        scenario = parse_scenario(
            row["scenario_yaml"], source=f"run {found} scenario", overrides=list(overrides), values=values
        )
        measured = measured_from_store(store, found, scenario, row["summary"] or {})
    return run_cost(scenario, measured, cross_region_gbps_per_vcpu(scenario))


# --------------------------------------------------------------------------- plan


def plan(
    scenario: Scenario,
    years: int = 5,
    db: str | Path | None = None,
    report: str | os.PathLike[str] | None = None,
) -> Plan:
    """A capacity plan of `scenario` over `years` (as `cloudtwin plan`): every build, each region's demand and
    capacity month by month, servers added per day per year and the shortfalls; `.to_json()` is what
    `cloudtwin plan --json` prints (less `plan_id`). `db`: also store it in that results database;
    `report`: also write its charts to that HTML file. Bad input is a ScenarioError or PlanError naming it.
    """
    from cloudtwin.planning import check_years, make_plan

    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"`scenario` must be a Scenario (from cloudtwin.load), not {type(scenario).__name__}")
    made = make_plan(scenario, check_years(years))
    if db is not None:
        from cloudtwin.planning.store import store_plan

        store_plan(made, db)
    if report is not None:
        from cloudtwin.report.build import write_page
        from cloudtwin.report.plan_charts import plan_report_html

        write_page(plan_report_html(made), report)
    return made


# --------------------------------------------------------------------------- report


def write_report(
    path: str | Path, run_id: int | Literal["latest"] | None = None, output: str | os.PathLike[str] | None = None
) -> Path:
    """Write the HTML report of a run stored at `path` (the latest finished one unless `run_id` is given; a run of
    any status can be reported) to `output` (default `run-N.html` in the current folder); returns the file.

    The same page as `cloudtwin report`: one self-contained file that works offline.
    """
    from cloudtwin.report.build import report_path, write_run_report

    return write_run_report(Path(path), run_id, output if output is not None else report_path)
