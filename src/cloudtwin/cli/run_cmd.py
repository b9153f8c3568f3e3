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

COMPILING = "compiling the engine for this machine, once"


def main(scenario: Path | None, preset: str | None, sets: list[str], json_: bool, db: Path) -> None:
    """Load the scenario, run it with a progress bar, print the summary."""
    from cloudtwin.cli.common import load_from_cli

    loaded = load_from_cli(scenario, preset, sets)
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
        return
    _print_summary(outcome, db)


def _pct(x: float) -> str:
    return f"{100.0 * x:.2f} %"


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


def headline_lines(s: dict) -> list[str]:
    """The run's headline, a line each: demand and refusals, failures and restarts, services, how full it was."""
    lines = [
        f"arrivals {s['arrivals']:,}: [bold]refused {s['refused']:,}[/bold] ({_pct(s['refused_fraction'])});"
        f" {s['initial_vms']:,} VMs running at the start"
    ]
    counts = s["failures"]
    if any(counts.values()) or s["vms_interrupted"]:
        levels = ", ".join(f"{level} {n:,}" for level, n in counts.items() if n)
        p50, p99 = s["restart_minutes"]["p50"], s["restart_minutes"]["p99"]
        when = f" (p50 {p50:.1f} min, p99 {p99:.1f} min)" if p50 is not None else ""
        lines.append(
            f"failures {sum(counts.values()):,} ({levels or 'injected only'}): {s['vms_interrupted']:,} VMs hit"
        )
        lines.append(
            f"  [bold]{s['vms_restarted']:,} restarted[/bold]{when}, [bold]{s['vms_lost']:,} lost[/bold],"
            f" {s['vms_waiting']:,} waiting"
        )
    else:
        lines.append("failures: none in this run")
    for v in s["services"]:
        lines.append(
            f"service {v['name']} ({v['at_least']} of {v['replicas']}): [bold]{100.0 * v['availability']:.4f} %"
            f"[/bold] available, {v['incidents']} incident{'' if v['incidents'] == 1 else 's'},"
            f" {v['downtime_minutes_per_year']:,.1f} min/yr down"
        )
    lines.append(
        f"vCPUs allocated {_pct(s['allocated_vcpu_fraction']['mean'])} (mean),"
        f" resident VMs {s['resident_vms_mean']:,.0f} (mean)"
    )
    return lines


def _zone_label(zone: str, region: str) -> str:
    """A zone by its suffix under its region (`us-east-1a` under `us-east-1` is `a`), else its whole name."""
    suffix = zone[len(region) :].lstrip("-_.") if zone.startswith(region) else ""
    return suffix or zone


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
    regions: dict[str, list] = {}
    for z in outcome.zones:
        regions.setdefault(z.region, []).append(z)
    for region, zones in regions.items():
        arrivals, refused = sum(z.arrivals for z in zones), sum(z.refused for z in zones)
        servers = sum(z.servers for z in zones)
        used = sum(z.allocated_vcpu_fraction * z.servers for z in zones) / servers if servers else 0.0
        table.add_row(
            f"[bold]{region}[/bold]",
            f"{servers:,}",
            f"{arrivals:,}",
            _refused(refused, arrivals),
            _pct(used),
        )
        for z in zones:
            table.add_row(
                f"  {_zone_label(z.zone, region)}",
                f"{z.servers:,}",
                f"{z.arrivals:,}",
                _refused(z.refused, z.arrivals),
                _pct(z.allocated_vcpu_fraction),
            )
    return table


def _refused(refused: int, arrivals: int) -> str:
    return f"{refused:,} ({_pct(refused / arrivals)})" if arrivals else "-"
