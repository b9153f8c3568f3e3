"""`cloudtwin availability`: each service's availability under failures and repairs only, with 99 % CIs.

With `--json` one object on stdout: `{"services": [{"name", "availability", "ci_low", "ci_high",
"downtime_minutes_per_year", ...}]}`; otherwise a table. The progress bar goes to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from cloudtwin.analysis.availability import nines
from cloudtwin.failover.availability import ServiceAvailability, availability_study


def main(
    scenario: Path | None, preset: str | None, sets: list[str], years: float, replications: int, json_: bool
) -> None:
    """Load the scenario, simulate `replications` × `years` of failures per service and print the figures."""
    from cloudtwin.cli.common import load_from_cli
    from cloudtwin.runner.preflight import preflight_availability
    from cloudtwin.runner.speed import record_speed

    loaded = load_from_cli(scenario, preset, sets)
    world = preflight_availability(loaded, years, replications)
    total = replications * max(1, len(loaded.services))
    progress = Progress(
        TextColumn("simulating failures"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("replications of {task.fields[years]:g} years"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        task = progress.add_task("availability", total=total, years=years)
        results = availability_study(
            loaded, world, years=years, replications=replications, progress=lambda n: progress.advance(task, n)
        )
    record_speed("availability", sum(r.events for r in results), sum(r.wall_s for r in results))
    if json_:
        sys.stdout.write(json.dumps({"scenario": loaded.name, "services": [r.to_json() for r in results]}) + "\n")
        return
    console = Console(highlight=False)
    console.print(
        f"[bold]{loaded.name}[/bold]: {replications:,} replications × {years:g} years per service"
        f" (failures, repairs and restarts only; 99 % confidence intervals)"
    )
    console.print(_table(results))
    for r in results:
        if r.incidents_per_year == 0:
            console.print(
                f"[yellow]{r.name}: no outage in {r.service_years:,.0f} service-years; its interval is a point,"
                " not a bound: simulate more years or replications[/yellow]"
            )


def _table(results: list[ServiceAvailability]) -> Table:
    """One section per service, one row per figure (narrow enough for an 80-column terminal)."""
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("service / figure", no_wrap=True)
    table.add_column("mean", justify="right", no_wrap=True)
    table.add_column("99 % CI", justify="right", no_wrap=True)
    for r in results:
        table.add_row(f"{r.name} ({r.at_least} of {r.replicas} replicas)", "", "", style="bold")
        digits = _digits(r.availability)
        table.add_row(
            "  availability", f"{r.availability:.{digits}f}", f"[{r.ci_low:.{digits}f}, {r.ci_high:.{digits}f}]"
        )
        table.add_row("  nines", f"{nines(min(1.0, r.availability)):.2f}", "")
        table.add_row(
            "  downtime min/yr",
            f"{r.downtime_minutes_per_year:.4g}",
            f"[{r.downtime_ci_low:.4g}, {r.downtime_ci_high:.4g}]",
        )
        table.add_row(
            "  incidents/yr", f"{r.incidents_per_year:.4g}", f"[{r.incidents_ci_low:.4g}, {r.incidents_ci_high:.4g}]"
        )
        table.add_row("  longest outage", _minutes(r.longest_outage_minutes), "")
        rate = f"{r.service_years / r.wall_s:,.0f}" if r.wall_s > 0 else "-"
        table.add_row("  service-years simulated", f"{r.service_years:,.0f}", f"{rate} a second")
        table.add_section()
    return table


def _digits(a: float) -> int:
    """Decimals that show an availability's nines and two digits after them (5 to 12)."""
    return 5 if a >= 1.0 else min(12, max(5, int(nines(max(0.0, a))) + 3))


def _minutes(minutes: float) -> str:
    """A duration in the largest unit that keeps it readable."""
    if minutes == 0:
        return "none"
    if minutes < 120:
        return f"{minutes:.1f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"
