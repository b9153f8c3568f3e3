"""Benchmark: the first `cloudtwin run` on a machine (numba's cache empty) against a warm one; target: cold <= 30 s.

Usage:  python benchmarks/bench_cold_compile.py [--preset NAME] [--set KEY=VALUE ...] [--repeat N] [--record]

Each run is `cloudtwin run --preset NAME --json --db <tmp>` in its own process,
timed whole (interpreter start to exit, `perf_counter` around the subprocess) with
its CPU time (user + system, from the child's rusage). A cold run gets a fresh,
empty `NUMBA_CACHE_DIR` and a fresh `HOME` / `XDG_CACHE_HOME`, so nothing compiled
before is found; the warm run that follows reuses that cache folder. The run's own
`compile_s` (the engine's compile or cache load, before its wall clock starts) and
`wall_s` come from its JSON summary ("-" for a version that does not report
`compile_s`). With `--repeat N`, N cold runs (each with its own empty cache) and
N warm ones: the row shows the best and, in brackets, the worst. `--record` appends
the row to the `## Cold compile` table of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_md import append_row

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## Cold compile"
HEADER = (
    "| date | preset, --set | cold s: command (worst) | cold CPU s | cold compile_s | cold wall_s |"
    " warm s: command (worst) | warm compile_s | warm wall_s | events | machine |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


def command(preset: str, sets: list[str], db: Path) -> list[str]:
    """`cloudtwin run --preset PRESET --json --db DB`, through this interpreter's console script."""
    script = Path(sys.executable).parent / "cloudtwin"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "cloudtwin.cli.main"]
    cmd = [*head, "run", "--preset", preset, "--json", "--db", str(db)]
    for item in sets:
        cmd += ["--set", item]
    return cmd


def run_once(preset: str, sets: list[str], home: Path) -> dict:
    """One run with HOME, XDG_CACHE_HOME and NUMBA_CACHE_DIR under `home`; its times and JSON summary."""
    env = dict(
        os.environ, HOME=str(home), XDG_CACHE_HOME=str(home / "xdg-cache"), NUMBA_CACHE_DIR=str(home / "numba-cache")
    )
    db = home / f"run-{time.monotonic_ns()}.duckdb"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(command(preset, sets, db), capture_output=True, text=True, check=False, env=env)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    db.unlink(missing_ok=True)
    lines = done.stdout.strip().splitlines()
    if len(lines) != 1:
        sys.exit(f"--json printed {len(lines)} lines on stdout, not one JSON object:\n{done.stdout[-2000:]}")
    summary = json.loads(lines[0])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "compile_s": summary.get("compile_s"),
        "wall_s": summary["wall_s"],
        "events": summary["events"],
        "stderr": done.stderr,
    }


def machine() -> str:
    import numba

    load = os.getloadavg()[0]
    return (
        f"{platform.machine()}, {os.cpu_count()} cores (load {load:.1f} at start), "
        f"Python {platform.python_version()}, numba {numba.__version__}"
    )


def _span(values: list[float]) -> str:
    return f"{min(values):.1f}" + (f" ({max(values):.1f})" if len(values) > 1 else "")


def _opt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="small")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a scenario override, as `cloudtwin run --set` (repeatable)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="cold runs (each with an empty cache) and warm runs")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    where = machine()
    cold, warm = [], []
    with tempfile.TemporaryDirectory(prefix="cloudtwin-cold-") as tmp:
        for i in range(args.repeat):
            home = Path(tmp) / f"home-{i}"
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir()
            cold.append(run_once(args.preset, args.sets, home))
            r = cold[-1]
            print(
                f"# cold {i + 1}: {r['seconds']:.1f} s ({r['cpu_s']:.1f} s CPU), compile_s {_opt(r['compile_s'])},"
                f" wall_s {r['wall_s']:.2f}",
                file=sys.stderr,
            )
        for i in range(args.repeat):
            warm.append(run_once(args.preset, args.sets, Path(tmp) / f"home-{args.repeat - 1}"))
            r = warm[-1]
            print(
                f"# warm {i + 1}: {r['seconds']:.1f} s ({r['cpu_s']:.1f} s CPU), compile_s {_opt(r['compile_s'])},"
                f" wall_s {r['wall_s']:.2f}",
                file=sys.stderr,
            )
    if {r["events"] for r in cold + warm} != {cold[0]["events"]}:
        sys.exit(f"runs disagree on the event count: {[r['events'] for r in cold + warm]}")
    best_cold = min(cold, key=lambda r: r["seconds"])
    best_warm = min(warm, key=lambda r: r["seconds"])
    sets = ", ".join(f"`{s}`" for s in args.sets) or "-"
    row = (
        f"| {datetime.date.today()} | {args.preset}, {sets} | {_span([r['seconds'] for r in cold])} |"
        f" {best_cold['cpu_s']:.1f} | {_opt(best_cold['compile_s'])} | {best_cold['wall_s']:.2f} |"
        f" {_span([r['seconds'] for r in warm])} | {_opt(best_warm['compile_s'])} | {best_warm['wall_s']:.2f} |"
        f" {best_cold['events']:,} | {where} |"
    )
    print(HEADER)
    print(row)
    print(
        json.dumps(
            {
                "cold": [{k: v for k, v in r.items() if k != "stderr"} for r in cold],
                "warm": [{k: v for k, v in r.items() if k != "stderr"} for r in warm],
            }
        )
    )
    if args.record:
        record(row)


def record(row: str) -> None:
    """Append `row` to the section's table in RESULTS.md."""
    append_row(SECTION, "python benchmarks/bench_cold_compile.py --repeat 3 --record", HEADER, row)


if __name__ == "__main__":
    main()
