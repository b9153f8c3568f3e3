"""`cloudtwin compare`: two finished runs' headline figures side by side, with their differences.

Figures come from each run's stored summary (`runs.summary_json`, what `cloudtwin run --json` printed): the
difference is B - A, the relative change (B - A) / |A| (none where A is 0 or either value is missing, nor for
availability, whose difference already is the change). Services are matched by name; one that only a run has
reads "-" (null in `--json`) for the other. The scenarios are compared by hash and, key by key, as YAML
(`runs.scenario_yaml`, the resolved scenario): the dotted keys that differ, down to three levels
(`failures.inject` is a whole list). Only 'ok' runs have summaries, so only they can be compared.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from cloudtwin.cli.export_cmd import parse_run
from cloudtwin.errors import ResultsError
from cloudtwin.results import ResultsStore

#: Levels of nested scenario keys compared one by one (`world.regions` is a list: compared whole).
SCENARIO_DEPTH = 3
#: Characters of a scenario hash shown in the table (`--json` has all of it).
HASH_CHARS = 12

Number = int | float


@dataclass(frozen=True)
class Figure:
    """A figure compared: its summary key, its label in the table, how a value and a difference are shown."""

    key: str
    label: str
    value: Callable[[Number], str]
    difference: Callable[[Number], str]
    relative: bool = True


def _count(x: Number) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:,.1f}"


def _signed_count(x: Number) -> str:
    return f"{x:+,}" if isinstance(x, int) else f"{x:+,.1f}"


def _percent(x: Number) -> str:
    return f"{100.0 * x:.3f} %"


def _points(x: Number) -> str:
    return f"{100.0 * x:+.3f} pp"


def _seconds(x: Number) -> str:
    return f"{x:,.2f}"


def _signed_seconds(x: Number) -> str:
    return f"{x:+,.2f}"


def _availability(x: Number) -> str:
    return f"{100.0 * x:.4f} %"


def _availability_points(x: Number) -> str:
    return f"{100.0 * x:+.4f} pp"


FIGURES = (
    Figure("arrivals", "arrivals", _count, _signed_count),
    Figure("refused", "refused", _count, _signed_count),
    Figure("refused_fraction", "refused fraction", _percent, _points),
    Figure("resident_vms_mean", "resident VMs mean", _count, _signed_count),
    Figure("allocated_vcpu_fraction", "allocated vCPU fraction", _percent, _points),
    Figure("vms_interrupted", "VMs interrupted", _count, _signed_count),
    Figure("vms_restarted", "VMs restarted", _count, _signed_count),
    Figure("vms_lost", "VMs lost", _count, _signed_count),
    Figure("events", "events", _count, _signed_count),
    Figure("wall_s", "wall s", _seconds, _signed_seconds),
)
SERVICE_FIGURES = (
    Figure("availability", "availability", _availability, _availability_points, relative=False),
    Figure("downtime_minutes_per_year", "downtime min/year", _count, _signed_count),
)


def main(run_a: str, run_b: str, db: Path, json_: bool) -> None:
    """Compare runs `run_a` and `run_b` of `db`: a table of figures (or one JSON object on stdout)."""
    wanted = parse_run(run_a), parse_run(run_b)
    with ResultsStore(db, read_only=True) as store:
        ids = [store.pick_run(run) for run in wanted]
        rows = [_finished(store, run_id) for run_id in ids]
        path = store.path
    a, b = rows
    summaries = a["summary"], b["summary"]
    metrics = [_compared(f, _figure(summaries[0], f.key), _figure(summaries[1], f.key)) for f in FIGURES]
    services = _services(summaries[0], summaries[1])
    differences = scenario_differences(_scenario(a), _scenario(b))
    if json_:
        payload = {
            "a": ids[0],
            "b": ids[1],
            "metrics": metrics,
            "services": services,
            "scenario_hash": {"a": a["scenario_hash"], "b": b["scenario_hash"]},
            "scenario_differences": differences,
        }
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    console = Console(highlight=False)
    console.print(_report(a, b, metrics, services, differences, path))


# --------------------------------------------------------------------------- figures


def _finished(store: ResultsStore, run_id: int) -> dict[str, Any]:
    """The run's row, with its parsed summary; a run that did not finish ('ok') has none: one line."""
    row = store.get_run(run_id)
    if row["status"] != "ok":
        raise ResultsError(
            f"cannot compare run {run_id}: it is '{row['status']}'; only finished ('ok') runs can be compared"
        )
    if not row["summary"]:
        raise ResultsError(f"cannot compare run {run_id}: it has no summary stored")
    return row


def _figure(summary: dict[str, Any], key: str) -> Number | None:
    """A figure of a summary; the allocated vCPU fraction is its mean (older summaries store the number)."""
    value = summary.get(key)
    if isinstance(value, dict):
        value = value.get("mean")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _compared(figure: Figure, a: Number | None, b: Number | None) -> dict[str, Any]:
    """One figure of both runs: {name, a, b, difference (B - A), relative ((B - A) / |A|)}, None where unknown."""
    difference = None if a is None or b is None else b - a
    relative = None
    if figure.relative and difference is not None and a:
        relative = difference / abs(a)
    return {"name": figure.key, "a": a, "b": b, "difference": difference, "relative": relative}


def _services(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Each service of either run (A's order, then B's others): its figures compared, None where a run lacks it."""
    by_name = [{str(s.get("name")): s for s in summary.get("services") or []} for summary in (a, b)]
    names = list(dict.fromkeys([*by_name[0], *by_name[1]]))
    out = []
    for name in names:
        sa, sb = by_name[0].get(name), by_name[1].get(name)
        out.append(
            {
                "name": name,
                "in": [side for side, s in (("a", sa), ("b", sb)) if s is not None],
                "metrics": [
                    _compared(f, None if sa is None else _figure(sa, f.key), None if sb is None else _figure(sb, f.key))
                    for f in SERVICE_FIGURES
                ],
            }
        )
    return out


# --------------------------------------------------------------------------- scenarios


def _scenario(row: dict[str, Any]) -> Any:
    """A run's stored (resolved) scenario as plain YAML data."""
    try:
        return yaml.safe_load(row["scenario_yaml"] or "")
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())
        raise ResultsError(f"run {row['run_id']}'s stored scenario is not readable YAML: {problem}") from None


def scenario_differences(a: Any, b: Any, depth: int = SCENARIO_DEPTH) -> list[str]:
    """The dotted keys whose values differ between two scenarios: a key one side lacks, or a value that differs,
    looking inside mappings down to `depth` levels (below that, and for lists, the whole value is compared).
    Keys in A's order, then B's others; `(scenario)` when either side is not a mapping at all."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return [] if a == b else ["(scenario)"]
    out: list[str] = []

    def walk(x: dict[Any, Any], y: dict[Any, Any], prefix: str, level: int) -> None:
        for key in dict.fromkeys([*x, *y]):
            name = f"{prefix}{key}"
            if key not in x or key not in y:
                out.append(name)
            elif isinstance(x[key], dict) and isinstance(y[key], dict) and level < depth:
                walk(x[key], y[key], f"{name}.", level + 1)
            elif x[key] != y[key]:
                out.append(name)

    walk(a, b, "", 1)
    return out


# --------------------------------------------------------------------------- the table


def _shown(figure: Figure, entry: dict[str, Any]) -> list[str]:
    """A, B, B - A and relative of one compared figure as table cells ("-" where there is none)."""
    a, b, difference, relative = (entry[k] for k in ("a", "b", "difference", "relative"))
    return [
        "-" if a is None else figure.value(a),
        "-" if b is None else figure.value(b),
        "-" if difference is None else figure.difference(difference),
        "-" if relative is None else f"{100.0 * relative:+.2f} %",
    ]


def _table(first: str, a_id: int, b_id: int) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column(first, overflow="fold")  # a long service name wraps, never cut with "…"
    for header in (f"A: run {a_id}", f"B: run {b_id}", "B - A", "relative"):
        table.add_column(header, justify="right", no_wrap=True)
    return table


def _describe(side: str, row: dict[str, Any]) -> str:
    """One line naming a compared run: its scenario, placement policy, seed and simulated days."""
    s = row["summary"]
    days = s.get("sim_days")
    shown = f"{days:g}" if isinstance(days, int | float) else "-"
    return (
        f"{side} = run {row['run_id']}: {row['scenario_name']}, policy {s.get('policy', '-')}, "
        f"seed {s.get('seed', row['seed'])}, {shown} simulated days"
    )


def _report(
    a: dict[str, Any],
    b: dict[str, Any],
    metrics: list[dict[str, Any]],
    services: list[dict[str, Any]],
    differences: list[str],
    path: Path,
) -> Group:
    """Who is compared, the figures, the services, and how the scenarios differ; each part fits 80 columns."""
    parts: list[Any] = [
        Text(f"runs {a['run_id']} and {b['run_id']} in {path}", style="bold"),
        Text(_describe("A", a)),
        Text(_describe("B", b)),
        Text(""),
    ]
    figures = _table("figure", a["run_id"], b["run_id"])
    for figure, entry in zip(FIGURES, metrics):
        figures.add_row(figure.label, *_shown(figure, entry))
    parts.append(figures)
    if services:
        table = _table("service", a["run_id"], b["run_id"])
        for service in services:
            table.add_row(Text(service["name"], style="bold"), "", "", "", "")
            for figure, entry in zip(SERVICE_FIGURES, service["metrics"]):
                table.add_row("  " + figure.label, *_shown(figure, entry))
        parts.extend([Text(""), table])
    parts.append(Text(""))
    ha, hb = a["scenario_hash"], b["scenario_hash"]
    if ha == hb:
        parts.append(Text(f"scenarios: the same (hash {ha[:HASH_CHARS]})"))
    else:
        parts.append(Text(f"scenarios differ: hash {ha[:HASH_CHARS]} (A) vs {hb[:HASH_CHARS]} (B)"))
        if differences:
            parts.append(Text("keys that differ: " + ", ".join(differences)))
        else:
            parts.append(Text("(their stored scenarios hold the same keys and values)", style="dim"))
    return Group(*parts)
