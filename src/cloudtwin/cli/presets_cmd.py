"""`cloudtwin presets`: the presets shipped with cloudtwin, with the size of each world."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cloudtwin.presets import DEFAULT_PRESET
from cloudtwin.scenario import load_preset, world_totals
from cloudtwin.scenario.preset_files import list_presets


def main() -> None:
    """Print a table of presets: name, description and the regions, zones, datacenters and servers of its world."""
    table = Table(title="cloudtwin presets", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("description", overflow="fold")
    for column in ("regions", "zones", "datacenters", "servers"):
        table.add_column(column, justify="right")
    for name, description in list_presets():
        # Counted from the model (no arrays); sizes are listed even where this machine could not run them.
        totals = world_totals(load_preset(name))
        table.add_row(
            escape(name),
            escape(description),
            f"{totals.regions:,}",
            f"{totals.zones:,}",
            f"{totals.datacenters:,}",
            f"{totals.servers:,}",
        )
    console = Console(highlight=False)
    if table.row_count == 0:
        console.print("no presets are installed")
        return
    console.print(table)
    console.print(f"load one with `--preset NAME`; without a scenario, commands use `{DEFAULT_PRESET}`.", markup=False)
