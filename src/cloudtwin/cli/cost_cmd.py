"""`cloudtwin cost`: a month of the cloud's money, in 80 columns or as one JSON object.

`cloudtwin cost [SCENARIO | --preset NAME] [--set K=V] [--json]` prices the scenario's expected steady state (its
Poisson workloads at their mean rates, its services' replicas up; no simulation, so it is quick for `aws-2014`);
`cloudtwin cost --run ID [--db PATH]` prices a stored run as it measured (its zones' allocated vCPUs, the traffic
its fiber carried), with the scenario stored with it (`--set` changes its prices, not what it measured).
`--json` prints exactly `{"provider": {"monthly_cost_usd", "split": {...}, "cost_per_vcpu_hour_usd"},
"revenue_monthly_usd", "margin", "tenants": [{"workload", "monthly_bill_usd"}], "rent_or_build": [{"workload",
"on_demand_usd", "own_usd", "break_even_utilization"}]}`. The model and its sources: docs/economics.md.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

from cloudtwin.economics import CostReport
from cloudtwin.economics.provider import PART_LABELS
from cloudtwin.errors import ScenarioError

#: Characters of a tenant's name in the tables (the rest of a line is 56 wide: 80 in all).
NAME_WIDTH = 24
WIDTH = 80


def main(scenario: Path | None, preset: str | None, sets: list[str], run: str | None, db: Path, json_: bool) -> None:
    """Price the scenario (default preset `aws-2014`) or stored run `run`, and print it."""
    import cloudtwin.api as api
    from cloudtwin.cli.common import load_from_cli
    from cloudtwin.cli.export_cmd import parse_run

    if run is not None:
        if scenario is not None or preset is not None:
            given = str(scenario) if scenario is not None else f"--preset {preset}"
            raise ScenarioError(f"give --run or a scenario ({given}), not both: a run is priced with its own scenario")
        report = api.stored_cost(db, parse_run(run), overrides=sets)
    else:
        report = api.cost(load_from_cli(scenario, preset, sets))
    if json_:
        sys.stdout.write(json.dumps(report.to_json()) + "\n")
    else:
        print("\n".join(lines(report)))


def lines(report: CostReport) -> list[str]:
    """The report as text, no line over 80 characters."""
    p = report.provider
    out = [f"{report.scenario}: a month, {report.basis}", ""]
    out.append(f"The provider: {usd(p.total_usd)} a month for {p.servers:,} servers ({p.critical_load_mw:,.1f} MW)")
    for key, share in p.split.items():
        out.append(f"  {PART_LABELS[key]:<30}{100 * share:>6.1f} %{usd(p.monthly_usd[key]):>14}")
    per_hour = report.cost_per_vcpu_hour_usd
    sold = f"{100 * report.allocated_vcpu_fraction:.1f} % of vCPUs sold"
    out.append(f"  cost per vCPU-hour: {'-' if per_hour is None else f'${per_hour:.5f}'} ({sold})")
    margin = "-" if report.margin is None else f"{100 * report.margin:.1f} %"
    out += [f"Revenue: {usd(report.revenue_monthly_usd)} a month, margin {margin}", ""]
    out.append(f"{'Tenants, a month':<{NAME_WIDTH}}{'vCPUs':>13}{'instances':>11}{'transfer':>11}{'bill':>11}")
    for t in report.tenants:
        row = f"{_name(t.workload)}{t.vcpus:>13,.0f}{usd(t.compute_usd):>11}{usd(t.transfer_usd):>11}"
        out.append(row + f"{usd(t.monthly_bill_usd):>11}")
    if report.rent_or_build:
        years = report.rent_or_build[0].years
        out += ["", f"Rent or build over {years:g} years (own: servers for the peak, bought on day one)"]
        out.append(f"{'workload':<{NAME_WIDTH}}{'used':>8}{'break-even':>12}{'on demand':>12}{'own':>12}  cheaper")
        for r in report.rent_or_build:
            cheaper = "rent" if r.on_demand_usd < r.own_usd else "build"
            even = "-" if r.break_even_utilization is None else f"{100 * r.break_even_utilization:.1f} %"
            row = f"{_name(r.workload)}{100 * r.utilization:>6.1f} %{even:>12}{usd(r.on_demand_usd):>12}"
            out.append(row + f"{usd(r.own_usd):>12}  {cheaper}")
        out.append("used: the mean demand over the vCPUs owned; below break-even, renting is cheaper")
    for note in report.notes:
        out += textwrap.wrap(f"note: {note}", width=WIDTH, subsequent_indent="  ")
    return out


def usd(value: float) -> str:
    """Dollars, short: $1.23 B, $45.6 M, $7.8 k, $9.12."""
    for scale, suffix in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= scale:
            return f"${value / scale:,.{1 if abs(value) >= 10 * scale else 2}f}{suffix}"
    return f"${value:,.2f}"


def _name(name: str) -> str:
    """A tenant's name in its column: cut with '…' when longer than the column."""
    return (name if len(name) < NAME_WIDTH else name[: NAME_WIDTH - 2] + "…").ljust(NAME_WIDTH)
