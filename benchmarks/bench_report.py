"""Benchmark: the HTML report of a full aws-2014 day (with `failures: default`), built from its results file.

Usage:  python benchmarks/bench_report.py [--db PATH] [--repeat N] [--record]

Without `--db`, first runs `cloudtwin run --preset aws-2014` into a throw-away results file (about a minute and a
half, not timed). Then times `cloudtwin report latest` as the user runs it, a separate process each time (the
interpreter, imports, reading the run, building every chart, writing the file), best of N; and the report's
size. Targets (the issue's): under 15 MB and under 10 s. `--record` appends the row to RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
from pathlib import Path

from results_md import append_row
from runs import cloudtwin, machine

SECTION = "## Report"
HEADER = (
    "| date | run | metric rows | failure rows | report MB | seconds (best of N) | charts | machine |\n"
    "|---|---|---:|---:|---:|---:|---:|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a results file whose latest finished run is reported")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        db = args.db
        if db is None:
            db = Path(folder) / "aws.duckdb"
            print("running the aws-2014 day (not timed) ...", file=sys.stderr)
            cloudtwin("run", "--preset", "aws-2014", "--db", str(db), "--json")
        out = Path(folder) / "report.html"
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            cloudtwin("report", "latest", "--db", str(db), "-o", str(out))
            times.append(time.perf_counter() - started)
        page = out.read_text(encoding="utf-8")
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        run_id, name = con.execute(
            "SELECT max(run_id), any_value(scenario_name) FROM runs WHERE status = 'ok'"
        ).fetchone()
        metric_rows = con.execute("SELECT count(*) FROM metrics WHERE run_id = ?", [run_id]).fetchone()[0]
        failure_rows = con.execute("SELECT count(*) FROM failures WHERE run_id = ?", [run_id]).fetchone()[0]
    charts = page.count("Plotly.newPlot(")
    row = (
        f"| {datetime.date.today()} | {name}, run {run_id} | {metric_rows:,} | {failure_rows:,} |"
        f" {len(page.encode()) / 1e6:.1f} | {min(times):.2f} | {charts} | {machine()} |"
    )
    print(HEADER)
    print(row)
    if args.record:
        append_row(SECTION, "python benchmarks/bench_report.py --record", HEADER, row)


if __name__ == "__main__":
    main()
