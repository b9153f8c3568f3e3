"""`cloudtwin sweep SPEC`: run a grid of scenario variants with replications; a table per axis point.

Progress over runs goes to stderr (a bar on a terminal, a line per stored run otherwise). Each run is stored as it
finishes; the same command run again resumes a stopped sweep. `--json` prints one JSON object on stdout:
`{"sweep_id", "spec_hash", "runs": [...], "points": [...]}`. `--report FILE.html` then writes the sweep's report
(as `cloudtwin report --sweep`), its path checked before anything runs.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cloudtwin.sweeps import PlannedRun, run_sweep
from cloudtwin.sweeps.sweep import CONFIDENCE, SweepOutcome


def main(spec: Path, jobs: int | None, ray: str | None, db: Path, json_: bool, report: Path | None = None) -> None:
    """Run the sweep with progress on stderr, then print its summary (tables or JSON) and write its report."""
    if hasattr(signal, "SIGPIPE"):
        # the parent writes to its workers' pipes: one that died with its process group (a service manager's stop)
        # must raise BrokenPipeError here, not kill the sweep before it can say what it stored
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if report is not None:
        from cloudtwin.report.build import check_report_path

        check_report_path(report)  # before running: a report that cannot be written is refused at once
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if err.is_terminal:
        bar = Progress(
            TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True
        )
        task = bar.add_task("runs", total=None)

        def progress(done: int, total: int, run: PlannedRun | None, run_id: int | None) -> None:
            bar.update(task, completed=done, total=total)

        with bar:
            outcome = run_sweep(spec, db, jobs=jobs, ray=ray, progress=progress)
    else:

        def progress(done: int, total: int, run: PlannedRun | None, run_id: int | None) -> None:
            if run is None:
                err.print(f"sweep: {total} runs, {done} already stored")
            else:
                err.print(
                    f"run {done}/{total} stored: run {run_id}, point {escape(json.dumps(run.point))},"
                    f" replication {run.replication}"
                )

        outcome = run_sweep(spec, db, jobs=jobs, ray=ray, progress=progress)
    if json_:
        sys.stdout.write(json.dumps(outcome.to_json()) + "\n")
    else:
        _print_summary(outcome, db)
    if report is not None:
        _write_report(outcome.sweep_id, db, report, err if json_ else None)


def _write_report(sweep_id: int, db: Path, report: Path, err: Console | None) -> None:
    """The sweep's report from the database it was just stored in (the line goes to stderr under --json)."""
    from cloudtwin.cli.report_cmd import announce
    from cloudtwin.report.build import write_sweep_report

    started = time.perf_counter()
    with (err or Console(stderr=True)).status("writing the sweep's report"):
        path = write_sweep_report(db, sweep_id, report)
    announce(path, time.perf_counter() - started, err)


def _print_summary(outcome: SweepOutcome, db: Path) -> None:
    """A line on the sweep, then a table per axis point."""
    console = Console(highlight=False)
    console.print(
        f"sweep {outcome.sweep_id} ({outcome.spec_hash[:12]}): {len(outcome.runs)} runs,"
        f" {len(outcome.points)} point(s), {outcome.reused} already stored; in {escape(str(db))}",
        soft_wrap=True,
    )
    for point in outcome.points:
        shown = ", ".join(f"{k}={json.dumps(v)}" for k, v in point["point"].items()) or "(no axes)"
        console.print(f"\n[bold]{escape(shown)}[/bold]", soft_wrap=True)
        console.print(_point_table(point))


def _point_table(point: dict[str, Any]) -> Table:
    """One axis point: a row per headline metric with its mean and confidence interval over replications."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column(f"{CONFIDENCE:.0%} CI", justify="right")
    table.add_column("n", justify="right")
    for name, m in point["metrics"].items():
        ci = "-" if m["ci_low"] is None else f"[{_number(m['ci_low'])}, {_number(m['ci_high'])}]"
        table.add_row(escape(name), _number(m["mean"]), ci, str(m["n"]))
    return table


def _number(value: float | None) -> str:
    """A figure at a precision that shows fractions and counts alike."""
    if value is None:
        return "-"
    return f"{value:.6g}"
