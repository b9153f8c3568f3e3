"""Benchmark: build the full `aws-2014` world (~3 M servers) as arrays; target < 5 s and < 1 GB peak RSS.

Usage:  python benchmarks/bench_world.py [--preset NAME] [--repeat N] [--record]

Prints one markdown row (wall seconds best of N, peak RSS, `World.nbytes`);
`--record` appends it to the `## World build` table of benchmarks/RESULTS.md.
Falls back to a synthetic world of 28 zones × 2 datacenters × 65,000 servers
when the preset is not available.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

from cloudtwin.scenario.model import Scenario
from cloudtwin.world import build_world

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## World build"
HEADER = (
    "| date | world | servers | racks | build s (best of {n}) | peak RSS MiB | World.nbytes MiB | machine |\n"
    "|---|---|---:|---:|---:|---:|---:|---|"
)
MIB = 1024 * 1024


def synthetic_scenario() -> Scenario:
    """28 zones (11 regions, as in 2014) × 2 datacenters × 65,000 servers: the middle of the seed's 50k-80k."""
    zones_per_region = [4, 3, 3, 2, 2, 3, 2, 2, 3, 2, 2]  # sums to 28 (shared/data/aws-regions-2014)
    regions = []
    for r, n_zones in enumerate(zones_per_region):
        zones = [
            {
                "name": f"r{r}{chr(97 + z)}",
                "datacenters": [
                    {"name": f"r{r}{chr(97 + z)}{d + 1}", "servers": 65_000, "server_type": "std"} for d in range(2)
                ],
            }
            for z in range(n_zones)
        ]
        regions.append({"name": f"r{r}", "location": {"lat": 0.0, "lon": 0.0}, "zones": zones})
    server_types = {
        "std": {"vcpus": 32, "memory_gib": 244}
    }  # the std-2014 server of shared/scenarios/zone-failover.yaml
    return Scenario.model_validate(
        {"name": "synthetic-28x2x65k", "server_types": server_types, "world": {"regions": regions}}
    )


def load(preset: str) -> Scenario:
    try:
        from cloudtwin.scenario import load_preset  # type: ignore[attr-defined]
    except ImportError:
        print("note: cloudtwin.scenario.load_preset not available; using the synthetic world", file=sys.stderr)
        return synthetic_scenario()
    return load_preset(preset, [])


def peak_rss_mib() -> float:
    """Peak resident set size of this process (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="aws-2014")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--record", action="store_true", help=f"append the row to {RESULTS.name}")
    args = parser.parse_args()

    start = time.perf_counter()
    scenario = load(args.preset)
    load_s = time.perf_counter() - start
    rss_before = peak_rss_mib()
    times = []
    for i in range(args.repeat):
        start = time.perf_counter()
        world = build_world(scenario)
        times.append(time.perf_counter() - start)
        if i < args.repeat - 1:
            del world  # never hold two worlds: the peak is one world's
    rss_peak = peak_rss_mib()
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"
    )
    row = (
        f"| {datetime.date.today().isoformat()} | {scenario.name} | {world.n_servers:,} | {world.n_racks:,} "
        f"| {min(times):.3f} | {rss_peak:,.0f} | {world.nbytes / MIB:,.1f} | {machine} |"
    )
    print(
        f"scenario load {load_s:.3f} s (not in the row); build seconds: {', '.join(f'{t:.3f}' for t in times)};"
        f" peak RSS before the builds {rss_before:,.0f} MiB"
    )
    print(HEADER.format(n=args.repeat))
    print(row)
    ok = min(times) < 5.0 and rss_peak < 1024
    print(f"target < 5 s and < 1 GiB peak RSS: {'met' if ok else 'MISSED'}")
    if args.record:
        record(row, args.repeat)


def record(row: str, repeat: int) -> None:
    """Append `row` to the World build table of RESULTS.md, creating the file or the section if absent."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if SECTION not in text:
        command = "python benchmarks/bench_world.py --record"
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\nCommand: `{command}`\n\n{HEADER.format(n=repeat)}\n"
    head, _, rest = text.partition(SECTION)
    next_section = rest.find("\n## ")
    body, tail = (rest, "") if next_section < 0 else (rest[:next_section], rest[next_section:])
    lines = body.rstrip("\n").split("\n")
    last_row = max(i for i, line in enumerate(lines) if line.startswith("|"))
    lines.insert(last_row + 1, row)
    RESULTS.write_text(head + SECTION + "\n".join(lines) + "\n" + tail)
    print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
