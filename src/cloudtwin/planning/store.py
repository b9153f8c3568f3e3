"""Keep a plan in the results database: its `plans` row, a `plan_builds` row per build, a `plan_months` row per
region and month (docs/results.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from cloudtwin.planning.plan import Plan
from cloudtwin.results import ResultsStore
from cloudtwin.results.plans import PlanRecord
from cloudtwin.scenario import scenario_hash, scenario_to_yaml
from cloudtwin.version import __version__


def plan_record(plan: Plan) -> PlanRecord:
    """The rows of `plan` as the results database stores them."""
    builds = plan.builds
    regions = plan.regions
    months = np.arange(plan.months)
    return PlanRecord(
        scenario_name=plan.scenario.name,
        scenario_yaml=scenario_to_yaml(plan.scenario),
        scenario_hash=scenario_hash(plan.scenario),
        version=__version__,
        years=plan.years,
        plan_json=json.dumps(plan.to_json()),
        builds={
            "ordered_month": [b.ordered_month for b in builds],
            "month": [b.month for b in builds],
            "region": [b.region for b in builds],
            "zone": [b.zone for b in builds],
            "datacenter": [b.datacenter for b in builds],
            "servers": [b.servers for b in builds],
            "server_vcpus": [b.server_vcpus for b in builds],
        },
        months={
            "month": np.tile(months, len(regions)),
            "region": [r.name for r in regions for _ in months],
            "demand_vcpus": np.concatenate([r.demand_vcpus for r in regions]),
            "demand_mean_vcpus": np.concatenate([r.demand_mean_vcpus for r in regions]),
            "capacity_vcpus": np.concatenate([r.capacity_vcpus for r in regions]),
            "capacity_without_largest_zone_vcpus": np.concatenate(
                [r.capacity_without_largest_zone_vcpus for r in regions]
            ),
            "n_plus_1_kept": np.concatenate([r.n_plus_1_kept for r in regions]),
        },
    )


def store_plan(plan: Plan, db: str | os.PathLike[str]) -> int:
    """Append `plan` to the results database at `db` (created if new); its plan id there."""
    with ResultsStore(Path(db)) as store:
        return store.add_plan(plan_record(plan))
