"""Benchmark: one simulated day of the full `aws-2014` preset through `simulate`; target <= 60 s wall, <= 6 GB RSS.

Usage:  python benchmarks/bench_aws_day.py [--preset NAME] [--set KEY=VALUE ...] [--repeat N] [--phases] [--record]

Each run is `cloudtwin.runner.simulate.simulate(load_preset(NAME, sets), db)` in a
fresh Python process, so its peak RSS is that process's `ru_maxrss`. numba's
on-disk cache is warmed first by a throw-away run of the `small` preset (same
`--set`s, one hour) whose time is reported apart as the compile / cache-load
time. Wall time is `perf_counter` around `simulate` (world, workload, steady-state
placement, engine, results writes; not the interpreter start). `--phases` adds a
run of the same day through `prepare_run` with each part timed (not counted in
the row's wall time). `--record` appends the row to the `## aws-2014, one
simulated day` table of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_md import append_row

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## aws-2014, one simulated day"
HEADER = (
    "| date | preset, --set | wall s (best of {n}) | events | events/s | peak RSS GiB | compile s |"
    " phases s: world+engine setup / initial sample / place initial / arrivals sample / engine / other | machine |\n"
    "|---|---|---:|---:|---:|---:|---:|---|---|"
)
GIB = 1024.0**3


def child_simulate(preset: str, sets: list[str], folder: str) -> dict:
    """One `simulate` run (this is the child process); its wall, counters and peak RSS."""
    from cloudtwin.runner.simulate import simulate
    from cloudtwin.scenario import load_preset

    scenario = load_preset(preset, sets)
    t0 = time.perf_counter()
    outcome = simulate(scenario, Path(folder) / f"run-{os.getpid()}.duckdb")
    wall = time.perf_counter() - t0
    s = outcome.summary
    return {
        "wall_s": wall,
        "events": s["events"],
        "accepted": s["accepted"],
        "refused": s["refused"],
        "initial_vms": s["initial_vms"],
        "peak_rss_gib": _peak_rss_gib(),
    }


def child_phases(preset: str, sets: list[str]) -> dict:
    """The same day through `prepare_run` / `RunParts`, each part timed (this is the child process)."""
    from cloudtwin.runner.simulate import prepare_run
    from cloudtwin.scenario import load_preset

    scenario = load_preset(preset, sets)
    t0 = time.perf_counter()
    run = prepare_run(scenario)
    spent = {
        "setup": time.perf_counter() - t0,
        "initial_sample": 0.0,
        "place_initial": 0.0,
        "arrivals_sample": 0.0,
        "engine": 0.0,
    }

    def timed(fn, key: str):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - t

        return wrapper

    run.sampler.initial_population = timed(run.sampler.initial_population, "initial_sample")
    run.engine.place_initial = timed(run.engine.place_initial, "place_initial")
    run.sampler.arrivals_between = timed(run.sampler.arrivals_between, "arrivals_sample")
    run.engine.advance = timed(run.engine.advance, "engine")
    run.start()
    for _ in run.advance_chunks():
        pass
    total = time.perf_counter() - t0
    spent["other"] = total - sum(spent.values())
    return {"total_s": total, "phases": spent, "events": run.engine.counters().events, "peak_rss_gib": _peak_rss_gib()}


def _peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB  # ru_maxrss is KiB on Linux


def spawn(mode: str, preset: str, sets: list[str], folder: str) -> dict:
    """Run this file as a child in `mode` and return its JSON line."""
    cmd = [sys.executable, __file__, "--child", mode, "--preset", preset, "--folder", folder]
    for item in sets:
        cmd += ["--set", item]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{mode} run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    load = os.getloadavg()[0]
    return (
        f"{platform.machine()}, {os.cpu_count()} cores (load {load:.1f} at start), Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="aws-2014")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a scenario override, as `cloudtwin run --set` (repeatable)",
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--phases", action="store_true", help="also time the parts in a separate run")
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--child", choices=["simulate", "phases"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "simulate":
        print(json.dumps(child_simulate(args.preset, args.sets, args.folder)))
        return
    if args.child == "phases":
        print(json.dumps(child_phases(args.preset, args.sets)))
        return

    where = machine()
    with tempfile.TemporaryDirectory() as folder:
        warm = spawn("simulate", "small", [*args.sets, "horizon.days=0.0417"], folder)
        print(f"# warm-up (small preset, 1 h; numba compile or cache load): {warm['wall_s']:.1f} s", file=sys.stderr)
        runs = []
        for i in range(args.repeat):
            runs.append(spawn("simulate", args.preset, args.sets, folder))
            r = runs[-1]
            print(
                f"# run {i + 1}: wall {r['wall_s']:.1f} s, {r['events']:,} events, peak RSS "
                f"{r['peak_rss_gib']:.2f} GiB",
                file=sys.stderr,
            )
        phases = spawn("phases", args.preset, args.sets, folder) if args.phases else None
    best = min(runs, key=lambda r: r["wall_s"])
    parts = "-"
    if phases is not None:
        p = phases["phases"]
        parts = " / ".join(
            f"{p[k]:.1f}" for k in ("setup", "initial_sample", "place_initial", "arrivals_sample", "engine", "other")
        )
        print(
            f"# phases run: {phases['total_s']:.1f} s in all, peak RSS {phases['peak_rss_gib']:.2f} GiB",
            file=sys.stderr,
        )
    sets = ", ".join(f"`{s}`" for s in args.sets) or "-"
    row = (
        f"| {datetime.date.today()} | {args.preset}, {sets} | {best['wall_s']:.1f} | {best['events']:,} |"
        f" {best['events'] / best['wall_s'] / 1e6:.2f} M | {max(r['peak_rss_gib'] for r in runs):.2f} |"
        f" {warm['wall_s']:.1f} | {parts} | {where} |"
    )
    print(HEADER.format(n=args.repeat))
    print(row)
    print(json.dumps({"runs": runs, "warm_up": warm, "phases": phases}))
    if args.record:
        record(row, args)


def record(row: str, args: argparse.Namespace) -> None:
    """Append `row` to the section's table in RESULTS.md."""
    append_row(SECTION, "python benchmarks/bench_aws_day.py --repeat 3 --phases --record", HEADER.format(n="N"), row)


if __name__ == "__main__":
    main()
