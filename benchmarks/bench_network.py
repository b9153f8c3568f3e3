"""Benchmark: what the network costs a run. The full aws-2014 day (`failures: default`), and the share of its
wall time spent evaluating the network (links, flows, max-min fair sharing, service latency) at each tick.

Usage:  python benchmarks/bench_network.py [--preset NAME] [--repeat N] [--record]

Each run is a separate `cloudtwin run ... --json` process (a throw-away results file) after one small warm-up
run that fills numba's cache. The network's time is the run's own account of it (`network_wall_s`: wall-clock
seconds inside the network stage, timed around each chunk's ticks), against the run's `wall_s`. Target (the
issue's): the network adds at most 10 % to the day's wall time. `--record` appends the row to RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
from pathlib import Path

from results_md import append_row
from runs import machine, run_json

SECTION = "## Network overhead"
HEADER = (
    "| date | preset, days | run wall s | network s | network share | links | ticks | peak inter-zone Tbps (region)"
    " | machine |\n|---|---|---:|---:|---:|---:|---:|---|---|"
)


def run_once(preset: str, sets: list[str], folder: Path) -> dict:
    """One `cloudtwin run --preset PRESET --json` in its own process: its JSON summary, with the links and ticks
    its `links` table holds (`_links`, `_ticks`)."""
    import duckdb

    db = folder / f"run-{os.getpid()}.duckdb"
    summary = run_json(preset, sets, db)
    with duckdb.connect(str(db), read_only=True) as con:
        summary["_links"], summary["_ticks"] = con.execute(
            "SELECT count(DISTINCT link), count(DISTINCT time_s) FROM links"
        ).fetchone()
    db.unlink(missing_ok=True)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="aws-2014")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-network-") as folder:
        run_once(args.preset, ["horizon.days=0.01"], Path(folder))  # warm-up: numba's cache
        runs = [run_once(args.preset, [], Path(folder)) for _ in range(args.repeat)]
    best = min(runs, key=lambda s: s["wall_s"])
    network = best["network"]
    region, peak = max(network["peak_inter_zone_tbps"].items(), key=lambda item: item[1])
    row = (
        f"| {datetime.date.today()} | {args.preset}, {best['sim_days']:g} | {best['wall_s']:.1f} |"
        f" {best['network_wall_s']:.2f} | {100 * best['network_wall_s'] / best['wall_s']:.2f} % | {best['_links']} |"
        f" {best['_ticks']} | {peak:.1f} ({region}) | {machine()} |"
    )
    print(HEADER)
    print(row)
    if args.record:
        append_row(SECTION, "python benchmarks/bench_network.py --record", HEADER, row)


if __name__ == "__main__":
    main()
