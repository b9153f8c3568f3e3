"""`cloudtwin run`: simulate a scenario, show a summary per region and zone (or one JSON object), store the run.

The progress bar (simulated time, events/s, ETA) and status lines go to stderr,
so `--json` leaves exactly one JSON object on stdout. Before it, on a machine whose
numba cache does not hold the engine yet, a spinner shows while it compiles (once).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cloudtwin.api import RunResult, run
from cloudtwin.engine import warmup
from cloudtwin.report.headline import ZoneLine, headline_lines, place_rows

COMPILING = "compiling the engine for this machine, once"


def main(
    scenario: Path | None, preset: str | None, sets: list[str], json_: bool, db: Path, report: Path | None = None
) -> None:
    """Load the scenario, run it with a progress bar, print the summary (and write its report)."""
    from cloudtwin.cli.common import load_from_cli

    loaded = load_from_cli(scenario, preset, sets)
    if report is not None:
        from cloudtwin.report.build import check_report_path

        check_report_path(report)  # before simulating: a report that cannot be written is refused at once
    err = Console(stderr=True, highlight=False)
    horizon_days = loaded.horizon.days
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("day {task.completed:.2f}/{task.total:g}"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    spinner = err.status(COMPILING)
    failures = loaded.failures is not None or bool(loaded.services)
    started = [time.perf_counter()]

    def compiling(seconds: float | None) -> None:
        """The engine's compile step (before the run's clock): a spinner while it compiles, then the bar."""
        if seconds is None:
            if warmup.engine_cached(failures) is not True:
                spinner.start()
            return
        spinner.stop()
        if seconds >= warmup.COMPILE_NOTICE_S:
            err.print(f"compiled in {seconds:.1f} s (cached for next time)")
        started[0] = time.perf_counter()
        progress.start()

    try:
        task = progress.add_task(loaded.name, total=horizon_days, rate="")

        def advance(sim_s: float, events: int) -> None:
            progress.start()  # (already started after the compile step: then a no-op)
            wall = max(time.perf_counter() - started[0], 1e-9)
            progress.update(task, completed=sim_s / 86400.0, rate=f"{events / wall / 1e6:.2f} M events/s")

        with warmup.reporting(compiling):
            outcome = run(loaded, db, progress=advance, status=lambda msg: progress.console.print(msg))
    finally:
        spinner.stop()
        if progress.live.is_started:  # stopping a bar never shown would print an empty line before an error
            progress.stop()
    for note in outcome.notes:
        err.print(f"[yellow]{note}[/yellow]")
    if json_:
        sys.stdout.write(json.dumps(outcome.to_json()) + "\n")
    else:
        _print_summary(outcome, db)
    if report is not None:
        _write_report(outcome.run_id, db, report, err if json_ else None)


def _write_report(run_id: int, db: Path, report: Path, err: Console | None) -> None:
    """The run's report from the database it was just stored in (the line goes to stderr under --json)."""
    from cloudtwin.cli.report_cmd import announce
    from cloudtwin.report.build import write_run_report

    started = time.perf_counter()
    status = (err or Console(stderr=True)).status("writing the report")
    with status:
        path = write_run_report(db, run_id, report)
    announce(path, time.perf_counter() - started, err)


def _print_summary(outcome: RunResult, db: Path) -> None:
    """What a person wants first (refused, failures and what became of their VMs, each service's availability),
    then a table per region with its zones by their suffix: narrow enough for an 80-column terminal."""
    console = Console(highlight=False)
    s = outcome.to_json()
    days = s["sim_days"]
    console.print(
        f"[bold]run {s['run_id']}: {s['scenario']}[/bold], {days:g} simulated day{'' if days == 1 else 's'},"
        f" {s['policy']}"
    )
    for line in headline_lines(s):
        console.print("  " + line)
    console.print()
    console.print(_zones_table(outcome))
    console.print(f"{s['events']:,} events in {s['wall_s']:.1f} s ({(s['events_per_s'] or 0) / 1e6:.2f} M events/s)")
    console.print(f"stored as run {s['run_id']} in {db}", soft_wrap=True)


def zone_lines(outcome: RunResult) -> list[ZoneLine]:
    """The run's zones as the summary table (and the report) show them."""
    return [
        ZoneLine(z.region, z.zone, z.servers, z.arrivals, z.refused, z.allocated_vcpu_fraction) for z in outcome.zones
    ]


def _zones_table(outcome: RunResult) -> Table:
    """A row per region (bold, its totals) and one per zone under it, by suffix."""
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for col, justify in (
        ("region / zone", "left"),
        ("servers", "right"),
        ("arrivals", "right"),
        ("refused", "right"),
        ("vCPUs used", "right"),
    ):
        table.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for row in place_rows(zone_lines(outcome)):
        label = f"[bold]{row.label}[/bold]" if row.is_region else f"  {row.label}"
        table.add_row(label, f"{row.servers:,}", f"{row.arrivals:,}", row.refused, row.vcpus_used)
    return table
