"""`cloudtwin plan`: a multi-year capacity plan of a scenario, stored in the results database, as tables or JSON.

The table (80 columns): what was planned and under which rules, the builds and servers added per day per year,
each region's builds and headroom in the last month, the first builds, every shortfall, the seed check.
`--json` prints exactly `Plan.to_json()`; `--report FILE.html` writes the plan's charts (offline, one file).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cloudtwin.planning import Plan, Shortfall, check_years, make_plan
from cloudtwin.planning.store import store_plan

#: Builds listed one by one in the table; the rest are in `--json` and the `plan_builds` table.
FIRST_BUILDS = 8


def main(
    scenario: Path | None,
    preset: str | None,
    sets: list[str],
    years: int,
    json_: bool,
    db: Path,
    report: Path | None,
) -> None:
    """Load the scenario (default preset `aws-2014`), plan it, store the plan, print it (and write its report)."""
    from cloudtwin.cli.common import load_from_cli

    check_years(years, "--years")
    loaded = load_from_cli(scenario, preset, sets)
    if report is not None:
        from cloudtwin.report.build import check_report_path

        check_report_path(report)
    err = Console(stderr=True, highlight=False)
    with err.status(f"planning {years} years of {loaded.name}"):
        plan = make_plan(loaded, years)
        plan_id = store_plan(plan, db)
    if json_:
        sys.stdout.write(json.dumps({"plan_id": plan_id, **plan.to_json()}) + "\n")
    else:
        _print_plan(plan, plan_id, db)
    if report is not None:
        _write_report(plan, report, err if json_ else None)


def _write_report(plan: Plan, report: Path, err: Console | None) -> None:
    """The plan's charts as one HTML file (the line goes to stderr under --json)."""
    from cloudtwin.cli.report_cmd import announce
    from cloudtwin.report.build import write_page
    from cloudtwin.report.plan_charts import plan_report_html

    started = time.perf_counter()
    with (err or Console(stderr=True)).status("writing the report"):
        path = write_page(plan_report_html(plan), report)
    announce(path, time.perf_counter() - started, err)


def _print_plan(plan: Plan, plan_id: int, db: Path) -> None:
    console = Console(highlight=False)
    s = plan.settings
    rates = sorted(set(plan.growth_per_year.values()))
    growth = " to ".join(f"{g:+.0%}" for g in rates) if rates else "none"
    console.print(f"[bold]plan {plan_id}: {plan.scenario.name}[/bold], {plan.years} years ({plan.months} months)")
    console.print(
        f"  demand {growth}/yr; datacenters serve {s.lead_time_months} months after their order"
        + (" (some in flight)" if s.start == "steady" else " (none in flight)")
    )
    console.print(
        f"  rules: peak <= {s.target_utilization:.0%} of capacity; peak <= {s.n_plus_1_utilization:.0%} of it"
        " less the largest zone (N+1)"
    )
    console.print("  " + _verdict(plan))
    for note in plan.notes:
        console.print(f"  [yellow]{note}[/yellow]")
    console.print()
    console.print(_years_table(plan))
    console.print()
    console.print(_regions_table(plan))
    console.print(f"month {plan.months - 1}: use = peak / capacity; N+1 room = N+1 capacity / peak - 1")
    console.print()
    console.print(_first_builds(plan))
    if len(plan.builds) > FIRST_BUILDS:
        console.print(f"and {len(plan.builds) - FIRST_BUILDS:,} more builds (--json, or the plan_builds table)")
    for line in _shortfall_lines(plan):
        console.print(line)
    check = plan.seed_check()
    amazon = check["amazon_2004_servers"]
    console.print(
        f"seed check: year 1 adds {check['servers_added_per_day']:,.0f} servers a day, by the seed all of Amazon"
        " in 2004;"
    )
    console.print(
        "  no published count of Amazon's 2004 servers to hold it against (docs/planning.md)"
        if amazon is None
        else f"  Amazon's servers in 2004: {amazon:,}"
    )
    console.print(f"stored as plan {plan_id} in {db}", soft_wrap=True)


def _verdict(plan: Plan) -> str:
    """One line: N+1 kept everywhere, or where and how long it is not."""
    if not plan.shortfalls:
        return "[green]N+1 kept in every region and month[/green]"
    regions = {s.region for s in plan.shortfalls}
    months = sum(s.months for s in plan.shortfalls)
    last = max(s.last_month for s in plan.shortfalls)
    after = f", kept from month {last + 1} on" if last + 1 < plan.months else ""
    return f"[red]N+1 not kept[/red] in {len(regions)} of {len(plan.regions)} regions, {months} region-months{after}"


def _table(*columns: str) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right", no_wrap=True)
    return table


def _years_table(plan: Plan) -> Table:
    """A row per plan year: datacenters starting to serve (in flight among them), servers, servers a day."""
    table = _table("year", "datacenters", "in flight", "servers", "servers/day", "vCPUs/server")
    for y, per_day in enumerate(plan.servers_added_per_day, start=1):
        builds = plan.builds_in_year(y)
        vcpus = sorted({b.server_vcpus for b in builds})
        table.add_row(
            str(y),
            f"{len(builds):,}",
            f"{sum(b.in_flight for b in builds):,}",
            f"{sum(b.servers for b in builds):,}",
            f"{per_day:,.0f}",
            "-" if not vcpus else str(vcpus[0]) if len(vcpus) == 1 else f"{vcpus[0]}-{vcpus[-1]}",
        )
    return table


def _regions_table(plan: Plan) -> Table:
    """A row per region: its builds over the plan, peak utilisation and N+1 headroom in the last month."""
    table = _table("region", "DCs", "servers added", "peak use", "N+1 room", "short")
    last = plan.months - 1
    share = plan.settings.n_plus_1_utilization
    for r in plan.regions:
        builds = [b for b in plan.builds if b.region == r.name and b.month <= last]
        room = share * r.capacity_without_largest_zone_vcpus[last] / r.demand_vcpus[last] - 1
        short = sum(s.months for s in plan.shortfalls if s.region == r.name)
        table.add_row(
            r.name,
            f"{len(builds):,}",
            f"{sum(b.servers for b in builds):,}",
            f"{r.utilization[last]:.0%}",
            f"{room:+.0%}",
            f"{short} mo" if short else "-",
        )
    return table


def _first_builds(plan: Plan) -> Table:
    """The first builds, one a row."""
    table = _table("month", "region", "zone", "datacenter", "servers", "vCPUs")
    table.columns[1].justify = table.columns[2].justify = table.columns[3].justify = "left"
    for b in plan.builds[:FIRST_BUILDS]:
        table.add_row(str(b.month), b.region, b.zone, b.datacenter, f"{b.servers:,}", str(b.server_vcpus))
    return table


def _shortfall_lines(plan: Plan) -> list[str]:
    """A line per region with shortfalls: its months (runs joined), their count, the most vCPUs missing."""
    by_region: dict[str, list[Shortfall]] = {}
    for s in plan.shortfalls:
        by_region.setdefault(s.region, []).append(s)
    lines = ["[bold]shortfalls[/bold] (N+1 not kept):" if by_region else "shortfalls: none"]
    for region, runs in by_region.items():
        spans = ", ".join(str(s.first_month) if s.months == 1 else f"{s.first_month}-{s.last_month}" for s in runs)
        worst = max(s.worst_missing_vcpus for s in runs)
        total = sum(s.months for s in runs)
        lines.append(f"  {region}: months {spans} ({total}), at most {worst:,} vCPUs short")
    return lines
