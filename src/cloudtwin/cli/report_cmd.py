"""`cloudtwin report [RUN_ID]`: a stored run as one HTML file (see `cloudtwin.report`); `run --report` shares it.

The results file is opened read-only. RUN_ID is a run number (any status: an interrupted run's report shows what
it stored) or `latest`, the newest finished run. Prints the file written, its size and the time it took.
`cloudtwin report --sweep SWEEP_ID|latest` writes a sweep's report instead (`sweep --report` shares it).
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from cloudtwin.cli.export_cmd import parse_run
from cloudtwin.errors import CloudtwinError


def main(run: str, db: Path, output: Path | None) -> None:
    """Write the report of run `run` of `db` to `output` (default `run-N.html` in the current folder)."""
    from cloudtwin.report.build import report_path, write_run_report

    wanted = parse_run(run)
    err = Console(stderr=True, highlight=False)
    started = time.perf_counter()
    with err.status("writing the report"):
        path = write_run_report(db, wanted, output or report_path)
    announce(path, time.perf_counter() - started)


def announce(path: Path, seconds: float, console: Console | None = None) -> None:
    """One line (on stdout unless `console` says otherwise): where the report is, how big, how long it took."""
    size_mb = path.stat().st_size / 1e6
    (console or Console(highlight=False, soft_wrap=True)).print(
        f"report: {escape(str(path))} ({size_mb:.1f} MB, {seconds:.1f} s); open it in a browser, it works offline"
    )


def sweep_main(sweep: str, run: str | None, db: Path, output: Path | None) -> None:
    """Write the report of sweep `sweep` of `db` (a number or `latest`, the newest) to `output` (default
    `sweep-N.html` in the current folder); a RUN_ID given too is refused (one line, exit code 2)."""
    from cloudtwin.report.build import sweep_report_path, write_sweep_report

    if run is not None:
        raise CloudtwinError(f"give a RUN_ID ({run}) or --sweep {sweep}, not both")
    err = Console(stderr=True, highlight=False)
    started = time.perf_counter()
    with err.status("writing the sweep's report"):
        path = write_sweep_report(db, sweep, output or sweep_report_path)
    announce(path, time.perf_counter() - started)
