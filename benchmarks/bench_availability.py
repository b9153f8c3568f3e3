"""Benchmark: availability mode's simulated service-years per second; target ≥ 10^5 on 2 cores.

Usage:  python benchmarks/bench_availability.py [--years Y] [--replications R] [--repeat N] [--record]

The service: 6 replicas over 3 zones (2 per zone, one in each of the zone's 2 datacenters
of 65,000 servers), healthy while 4 run, under `failures: default` (server, rack and PDU
failures with the cited rates, 5-minute restarts). Prints one markdown row (best of N,
compile time excluded) and the failure event table's sampling speed on the same world
(the engine's input: 1 simulated year, 390,000 servers). `--record` appends both rows to
the `## Availability mode` section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from pathlib import Path

import numba
import numpy as np

from cloudtwin.failover.availability import availability_study
from cloudtwin.failures.defaults import resolve_failures
from cloudtwin.failures.sampling import sample_failures
from cloudtwin.scenario.model import Scenario
from cloudtwin.world import build_world

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## Availability mode"
COMMAND = "python benchmarks/bench_availability.py --record"
HEADER = (
    "| date | service | failures | replications × years | service-years/s (best of {n}) | events/s | machine |\n"
    "|---|---|---|---:|---:|---:|---|"
)
SAMPLING_HEADER = (
    "| date | world | failures | simulated days | failure rows | seconds | machine |\n|---|---|---|---:|---:|---:|---|"
)


def scenario() -> Scenario:
    """One region, 3 zones × 2 datacenters × 65,000 servers (the seed's 50k–80k), the 4-of-6 service."""
    zones = [
        {
            "name": f"z{z}",
            "datacenters": [{"name": f"z{z}d{d}", "servers": 65_000, "server_type": "std"} for d in range(2)],
        }
        for z in range(3)
    ]
    return Scenario.model_validate(
        {
            "name": "bench-4-of-6",
            "seed": 1,
            "server_types": {"std": {"vcpus": 32, "memory_gib": 244}},
            "instance_types": {"m3.large": {"vcpus": 2, "memory_gib": 7.5, "price_per_hour": 0.14}},
            "world": {"regions": [{"name": "r", "location": {"lat": 39.0, "lon": -77.5}, "zones": zones}]},
            "services": [
                {
                    "name": "web",
                    "instance_type": "m3.large",
                    "replicas": 6,
                    "zones": ["z0", "z1", "z2"],
                    "healthy_when": {"at_least": 4},
                }
            ],
            "failures": "default",
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=1000.0)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--record", action="store_true", help=f"append the rows to {RESULTS.name}")
    args = parser.parse_args()

    sc = scenario()
    world = build_world(sc)
    start = time.perf_counter()
    availability_study(sc, world, years=1.0, replications=2)  # compile (or load the numba cache)
    print(f"compile / cache load {time.perf_counter() - start:.2f} s (not in the row)")
    rates, event_rates = [], []
    for _ in range(args.repeat):
        (r,) = availability_study(sc, world, years=args.years, replications=args.replications)
        rates.append(r.service_years / r.wall_s)
        event_rates.append(r.events / r.wall_s)
        print(
            f"  {r.service_years:,.0f} service-years in {r.wall_s:.3f} s: A = {r.availability:.9f}"
            f" [{r.ci_low:.9f}, {r.ci_high:.9f}], {r.events / r.service_years:.1f} events a service-year"
        )
    best = int(np.argmax(rates))
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores ({numba.get_num_threads()} numba threads),"
        f" Python {platform.python_version()}, numba {numba.__version__}"
    )
    today = datetime.date.today().isoformat()
    row = (
        f"| {today} | 6 replicas, 4 of 6, 3 zones | default | {args.replications:,} × {args.years:g}"
        f" | {rates[best]:,.0f} | {event_rates[best]:,.0f} | {machine} |"
    )
    print(HEADER.format(n=args.repeat))
    print(row)
    print(f"target >= 100,000 service-years/s: {'met' if rates[best] >= 1e5 else 'MISSED'}")

    start = time.perf_counter()
    events = sample_failures(resolve_failures(sc.failures), world, 365.25 * 86_400, seed=1)
    sampling_s = time.perf_counter() - start
    sampling_row = (
        f"| {today} | {world.n_servers:,} servers, {world.n_racks:,} racks | default | 365.25"
        f" | {len(events):,} | {sampling_s:.3f} | {machine} |"
    )
    print(SAMPLING_HEADER)
    print(sampling_row)
    if args.record:
        record(row, sampling_row, args.repeat)


def record(row: str, sampling_row: str, repeat: int) -> None:
    """Append the rows to the two tables of the Availability mode section, creating what is missing."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if SECTION not in text:
        text = text.rstrip("\n") + (
            f"\n\n{SECTION}\n\nCommand: `{COMMAND}`\n\n{HEADER.format(n=repeat)}\n\n"
            f"Failure event table (the engine's input), same world, same command:\n\n{SAMPLING_HEADER}\n"
        )
    head, _, rest = text.partition(SECTION)
    next_section = rest.find("\n## ")
    body, tail = (rest, "") if next_section < 0 else (rest[:next_section], rest[next_section:])
    lines = body.rstrip("\n").split("\n")
    tables = [i for i, line in enumerate(lines) if line.startswith("|---")]
    # Insert into the second table first so the first table's indices stay valid.
    for separator, new in ((tables[1], sampling_row), (tables[0], row)):
        end = separator
        while end + 1 < len(lines) and lines[end + 1].startswith("|"):
            end += 1
        lines.insert(end + 1, new)
    RESULTS.write_text(head + SECTION + "\n".join(lines) + "\n" + tail)
    print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
