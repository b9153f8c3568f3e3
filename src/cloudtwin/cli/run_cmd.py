"""`cloudtwin run`: simulate a scenario, show a summary per region and zone (or one JSON object), store the run.

The progress bar (simulated time, events/s, ETA) and status lines go to stderr,
so `--json` leaves exactly one JSON object on stdout. Before it, on a machine whose
numba cache does not hold the engine yet, a spinner shows while it compiles (once).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
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
    """A rich table per region and zone, then the run totals."""
    console = Console(highlight=False)
    s = outcome.to_json()
    zones = [asdict(z) for z in outcome.zones]
    table = Table(title=f"run {s['run_id']}: {s['scenario']} ({s['sim_days']:g} simulated days, {s['policy']})")
    for col, justify in (
        ("region / zone", "left"),
        ("servers", "right"),
        ("arrivals", "right"),
        ("refused", "right"),
        ("refused %", "right"),
        ("resident VMs (mean)", "right"),
        ("vCPUs allocated (mean)", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    region = None
    for z in zones:
        if z["region"] != region:
            region = z["region"]
            rows = [r for r in zones if r["region"] == region]
            arrivals = sum(r["arrivals"] for r in rows)
            refused = sum(r["refused"] for r in rows)
            table.add_row(
                f"[bold]{region}[/bold]",
                f"{sum(r['servers'] for r in rows):,}",
                f"{arrivals:,}",
                f"{refused:,}",
                _pct(refused / arrivals) if arrivals else "-",
                f"{sum(r['resident_vms_mean'] for r in rows):,.0f}",
                "",
            )
        table.add_row(
            f"  {z['zone']}",
            f"{z['servers']:,}",
            f"{z['arrivals']:,}",
            f"{z['refused']:,}",
            _pct(z["refused"] / z["arrivals"]) if z["arrivals"] else "-",
            f"{z['resident_vms_mean']:,.0f}",
            _pct(z["allocated_vcpu_fraction"]),
        )
    console.print(table)
    _print_failures(console, s, outcome.vms_interrupted_by_level)
    console.print(
        f"arrivals {s['arrivals']:,}  accepted {s['accepted']:,}  refused {s['refused']:,}"
        f" ({_pct(s['refused_fraction'])})  departures {s['departures']:,}  initial VMs {s['initial_vms']:,}\n"
        f"resident VMs (mean) {s['resident_vms_mean']:,.0f}  vCPUs allocated (mean) "
        f"{_pct(s['allocated_vcpu_fraction']['mean'])}\n"
        f"{s['events']:,} events in {s['wall_s']:.1f} s wall ({s['events_per_s'] or 0:,.0f} events/s);"
        f" stored as run {s['run_id']} in {db}"
    )


def _print_failures(console: Console, s: dict, vms_by_level: dict[str, int]) -> None:
    """Failures by level, what became of the interrupted VMs, and each service's availability (when any)."""
    counts = s["failures"]
    if any(counts.values()) or s["vms_interrupted"]:
        table = Table(title="failures")
        for col in ("level", "failures", "VMs interrupted"):
            table.add_column(col, justify="left" if col == "level" else "right")
        for level, n in counts.items():
            table.add_row(level, f"{n:,}", f"{vms_by_level.get(level, 0):,}")
        console.print(table)
        p50, p99 = s["restart_minutes"]["p50"], s["restart_minutes"]["p99"]
        console.print(
            f"VMs interrupted {s['vms_interrupted']:,}: restarted {s['vms_restarted']:,}, lost {s['vms_lost']:,},"
            f" still waiting {s['vms_waiting']:,}"
            + (f"; minutes to restart p50 {p50:.1f}, p99 {p99:.1f}" if p50 is not None else "")
        )
    if s["services"]:
        table = Table(title="services")
        for col in (
            "service",
            "replicas",
            "healthy when",
            "availability",
            "downtime min/yr",
            "incidents",
            "longest outage min",
        ):
            table.add_column(col, justify="left" if col == "service" else "right")
        for v in s["services"]:
            table.add_row(
                v["name"],
                str(v["replicas"]),
                f">= {v['at_least']}",
                f"{100.0 * v['availability']:.4f} %",
                f"{v['downtime_minutes_per_year']:,.1f}",
                str(v["incidents"]),
                f"{v['longest_outage_minutes']:,.1f}",
            )
        console.print(table)
