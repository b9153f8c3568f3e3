"""Benchmark: what failures cost a run. A full aws-2014 day with `failures: default`, against the same day
without failures; target: overhead <= 20 %.

Usage:  python benchmarks/bench_failures_overhead.py [--preset NAME] [--days D] [--repeat N] [--record]

Each run is a separate `cloudtwin run ... --json` process (same seed, a throw-away results file); after
one small warm-up run that fills numba's cache, the two kinds alternate, baseline first. The time
compared is the run's own `wall_s` (world, workload, engine, failures, results writes; not the
interpreter start). Prints one markdown row (best of N of each); `--record` appends it to the
`## Failures overhead` table of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
from pathlib import Path

from results_md import append_row
from runs import machine, run_json

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## Failures overhead"
HEADER = (
    "| date | preset, days | baseline wall s | with failures wall s | overhead | failures (server / rack / datacenter)"
    " | VMs interrupted / restarted / lost / waiting | restart min p50 / p99 | events | machine |\n"
    "|---|---|---:|---:|---:|---|---|---|---:|---|"
)


def run_once(preset: str, sets: list[str], folder: Path) -> dict:
    """One `cloudtwin run --preset PRESET --set ... --json` in its own process; its JSON summary."""
    db = folder / f"run-{os.getpid()}.duckdb"
    s = run_json(preset, sets, db)
    db.unlink(missing_ok=True)
    if s["vms_interrupted"] != s["vms_restarted"] + s["vms_lost"] + s["vms_waiting"]:
        sys.exit(f"VM counts do not add up: {s}")
    return s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="aws-2014")
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    base, fail = [], []
    with tempfile.TemporaryDirectory() as tmp:
        # warm numba's on-disk cache first (an edit to engine/ or placement/ recompiles them all, ~20 s)
        frequent = "failures={defaults: true, server: {mttf_days: 1, repair_hours: 1}}"
        warm = run_once("small", ["horizon.days=0.1", frequent], Path(tmp))
        print(
            f"# warm-up: {warm['vms_interrupted']:,} VMs interrupted, {warm['vms_restarted']:,} restarted",
            file=sys.stderr,
        )
        days = f"horizon.days={args.days}"
        for i in range(args.repeat):
            for failures, into in ((False, base), (True, fail)):
                s = run_once(args.preset, [days, "failures=default" if failures else "failures=null"], Path(tmp))
                into.append(s)
                print(
                    f"# run {i + 1} {'failures' if failures else 'baseline'}: wall {s['wall_s']:.1f} s,"
                    f" {s['events']:,} events",
                    file=sys.stderr,
                )
    b = min(base, key=lambda s: s["wall_s"])
    f = min(fail, key=lambda s: s["wall_s"])
    c = f["failures"]
    rm = f["restart_minutes"]
    p = "-" if rm["p50"] is None else f"{rm['p50']:.1f} / {rm['p99']:.1f}"
    row = (
        f"| {datetime.date.today()} | {args.preset}, {args.days:g} | {b['wall_s']:.1f} | {f['wall_s']:.1f} |"
        f" {100.0 * (f['wall_s'] / b['wall_s'] - 1.0):+.1f} % | {c['server']} / {c['rack']} / {c['datacenter']} |"
        f" {f['vms_interrupted']:,} / {f['vms_restarted']:,} / {f['vms_lost']:,} / {f['vms_waiting']:,} | {p} |"
        f" {f['events']:,} | {machine()} |"
    )
    print(HEADER.format())
    print(row)
    if args.record:
        record(row)


def record(row: str) -> None:
    """Append `row` to the section's table in RESULTS.md."""
    append_row(SECTION, "python benchmarks/bench_failures_overhead.py --record", HEADER, row)


if __name__ == "__main__":
    main()
