"""`cloudtwin runs`: every run stored in a results database, oldest first, with its status and headline figures.

The file is opened read-only, so a listing never migrates it nor rewrites a run; a run whose process died
without finishing (killed) is still shown 'interrupted' (see `cloudtwin.results.liveness`). `--json` prints
one JSON array on stdout.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from cloudtwin.results import ResultsStore

#: Characters of a failed or interrupted run's error shown in the table (`--json` has all of it).
ERROR_CHARS = 120
STATUS_STYLES = {"ok": "green", "failed": "red", "interrupted": "yellow", "running": "cyan"}


def main(db: Path, json_: bool) -> None:
    """List the runs of `db` as a table (or a JSON array); an empty database says so."""
    with ResultsStore(db, read_only=True) as store:
        runs = [_entry(run) for run in store.list_runs(summaries=True)]
        path = store.path
    if json_:
        sys.stdout.write(json.dumps(runs) + "\n")
        return
    console = Console(highlight=False)
    if not runs:
        console.print(f"no runs in {escape(str(path))}", soft_wrap=True)
        return
    console.print(_table(runs, path))


def _entry(run: dict[str, Any]) -> dict[str, Any]:
    """One run as `--json` prints it: its row's figures, and the headline of its summary when it finished."""
    started = run["started"]
    return {
        "run_id": run["run_id"],
        "scenario": run["scenario_name"],
        "status": run["status"],
        "started": started.isoformat(timespec="seconds") if isinstance(started, datetime) else None,
        "wall_s": run["wall_s"],
        "events": run["events"],
        "error": run["error"],
        "host": run["host"],
        "pid": run["pid"],
        "headline": headline(run["summary"]) if run["status"] == "ok" and run["summary"] else {},
    }


def headline(summary: dict[str, Any]) -> dict[str, Any]:
    """A finished run's figures worth a glance: arrivals, the fraction refused, VMs lost to failures and, with
    services, the lowest availability of any of them (and its service)."""
    figures: dict[str, Any] = {
        "arrivals": summary.get("arrivals"),
        "refused_fraction": summary.get("refused_fraction"),
        "vms_lost": summary.get("vms_lost", 0),
    }
    services = [s for s in summary.get("services") or [] if s.get("availability") is not None]
    if services:
        lowest = min(services, key=lambda s: s["availability"])
        figures["lowest_availability"] = lowest["availability"]
        figures["lowest_availability_service"] = lowest.get("name")
    return figures


def _detail(run: dict[str, Any]) -> Text:
    """The line under a run: the headline of a finished run, the (shortened) error of one that failed."""
    if run["status"] == "ok":
        h = run["headline"]
        if not h:
            return Text("no summary stored", style="dim")
        parts = [] if h.get("arrivals") is None else [f"{h['arrivals']:,} arrivals"]
        if h.get("refused_fraction") is not None:
            parts.append(f"{100.0 * h['refused_fraction']:.2f} % refused")
        parts.append(f"{h['vms_lost']:,} VMs lost")
        if "lowest_availability" in h:
            parts.append(f"{h['lowest_availability_service']} {100.0 * h['lowest_availability']:.4f} % available")
        return Text(", ".join(parts), style="dim")
    error = " ".join((run["error"] or "").split())
    if len(error) > ERROR_CHARS:
        error = error[: ERROR_CHARS - 3].rstrip() + "..."
    return Text(error, style=STATUS_STYLES.get(run["status"], ""))


def _table(runs: list[dict[str, Any]], path: Path) -> Table:
    """A row per run: its id, then its fields on one line and its headline or error on the next, so the details
    get the whole width of a terminal (80 columns are too few for them beside the fields)."""
    scenario_width = max(8, *(len(run["scenario"]) for run in runs))
    wall = {run["run_id"]: "-" if run["wall_s"] is None else f"{run['wall_s']:,.1f}" for run in runs}
    wall_width = max(6, *(len(text) for text in wall.values()))
    status_width = max(len(status) for status in STATUS_STYLES)

    def fields(scenario: Text, status: Text, started: str, wall_s: str) -> Text:
        return Text.assemble(
            scenario,
            " " * (scenario_width - len(scenario) + 2),
            status,
            " " * (status_width - len(status) + 2),
            f"{started:<19}  {wall_s:>{wall_width}}",
        )

    header = fields(Text("scenario"), Text("status"), "started (UTC)", "wall s")
    table = Table(title=f"runs in {path}", title_justify="left", box=None, pad_edge=False, header_style="bold")
    table.add_column("run", justify="right", no_wrap=True)
    table.add_column(header, overflow="fold")
    for run in runs:
        started = run["started"].replace("T", " ").split("+")[0] if run["started"] else "-"
        status = Text(run["status"], style=STATUS_STYLES.get(run["status"], ""))
        line = fields(Text(run["scenario"]), status, started, wall[run["run_id"]])
        table.add_row(str(run["run_id"]), Text("\n").join([line, _detail(run)]))
    return table
