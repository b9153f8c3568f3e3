"""`cloudtwin world`: what the world of a scenario or preset holds, as tables or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from cloudtwin.units import GIB_PER_TIB
from cloudtwin.world import build_world, world_summary


def main(scenario: Path | None, preset: str | None, sets: list[str], json_: bool) -> None:
    """Load the scenario (default preset `aws-2014`), build its world and print totals and a row per region and zone."""
    from cloudtwin.cli.common import load_from_cli

    loaded = load_from_cli(scenario, preset, sets)
    summary = world_summary(build_world(loaded))
    if json_:
        sys.stdout.write(json.dumps({"scenario": loaded.name, **summary}) + "\n")
        return
    console = Console(highlight=False)
    console.print(_totals_line(loaded.name, summary["totals"]))
    console.print(_table(summary))


def _totals_line(name: str, totals: dict[str, Any]) -> str:
    counts = ", ".join(
        _count(totals[key], word)
        for key, word in (
            ("regions", "region"),
            ("zones", "zone"),
            ("datacenters", "datacenter"),
            ("racks", "rack"),
            ("servers", "server"),
            ("vcpus", "vCPU"),
        )
    )
    return f"[bold]{name}[/bold]: {counts}, {totals['memory_gib'] / GIB_PER_TIB:,.1f} TiB of memory"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _table(summary: dict[str, Any]) -> Table:
    """One bold row per region with its totals, then one row per zone."""
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("region / zone", no_wrap=True)
    for heading in ("DCs", "racks", "servers", "vCPUs", "memory TiB"):
        table.add_column(heading, justify="right", no_wrap=True)
    for region in summary["regions"]:
        n_dc = sum(len(z["datacenters"]) for z in region["zones"])
        table.add_row(region["name"], *_counts(n_dc, region), style="bold")
        for zone in region["zones"]:
            table.add_row(f"  {zone['name']}", *_counts(len(zone["datacenters"]), zone))
        table.add_section()
    return table


def _counts(n_datacenters: int, part: dict[str, Any]) -> tuple[str, ...]:
    return (
        f"{n_datacenters}",
        f"{part['racks']:,}",
        f"{part['servers']:,}",
        f"{part['vcpus']:,}",
        f"{part['memory_gib'] / GIB_PER_TIB:,.1f}",
    )
