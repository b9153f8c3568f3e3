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
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from results_md import append_row

SECTION = "## Network overhead"
HEADER = (
    "| date | preset, days | run wall s | network s | network share | links | ticks | peak inter-zone Tbps (region)"
    " | machine |\n|---|---|---:|---:|---:|---:|---:|---|---|"
)


def run_once(preset: str, sets: list[str], folder: Path) -> dict:
    """One `cloudtwin run --preset PRESET --json` in its own process; its JSON summary."""
    db = folder / f"run-{os.getpid()}.duckdb"
    cmd = [sys.executable, "-m", "cloudtwin.cli.main", "run", "--preset", preset, "--json", "--db", str(db)]
    for item in sets:
        cmd += ["--set", item]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"run failed ({done.returncode}): {done.stderr[-2000:]}")
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    links, ticks = con.execute("SELECT count(DISTINCT link), count(DISTINCT time_s) FROM links").fetchone()
    con.close()
    db.unlink(missing_ok=True)
    summary = json.loads(done.stdout)
    summary["_links"], summary["_ticks"] = links, ticks
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
    machine = f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}"
    row = (
        f"| {datetime.date.today()} | {args.preset}, {best['sim_days']:g} | {best['wall_s']:.1f} |"
        f" {best['network_wall_s']:.2f} | {100 * best['network_wall_s'] / best['wall_s']:.2f} % | {best['_links']} |"
        f" {best['_ticks']} | {peak:.1f} ({region}) | {machine} |"
    )
    print(HEADER)
    print(row)
    if args.record:
        append_row(SECTION, "python benchmarks/bench_network.py --record", HEADER, row)


if __name__ == "__main__":
    main()
