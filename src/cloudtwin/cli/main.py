"""The `cloudtwin` command line: one typer app, each command's work in its own module.

Exit codes: 0 success, 2 bad input (scenario, arguments, files), 1 anything else.
A `CloudtwinError` becomes one red line per problem on stderr and exit code 2,
never a traceback. Command modules are imported lazily so `--help` stays fast.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from cloudtwin.errors import CloudtwinError, Interrupted

app = typer.Typer(
    name="cloudtwin",
    help="cloudtwin: simulate a hyperscale cloud - regions, zones, data centers, VMs, failures and cost.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ScenarioArg = Annotated[Path | None, typer.Argument(help="Scenario YAML file (or use --preset).", show_default=False)]
PresetOpt = Annotated[
    str | None, typer.Option("--preset", "-p", help="Name of a shipped preset (see `cloudtwin presets`).")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set", "-s", help="Override a key: dotted path with list indices, value parsed as YAML (repeatable)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of tables.")]
DbOpt = Annotated[Path, typer.Option("--db", help="DuckDB results file to append to.")]


@app.command()
def presets() -> None:
    """List the presets shipped with cloudtwin."""
    from cloudtwin.cli import presets_cmd

    presets_cmd.main()


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")], set_: SetOpt = None) -> None:
    """Check a scenario: every problem at once, or a one-screen summary of what it holds."""
    from cloudtwin.cli import validate_cmd

    validate_cmd.main(scenario, set_ or [])


@app.command()
def world(scenario: ScenarioArg = None, preset: PresetOpt = None, set_: SetOpt = None, json_: JsonOpt = False) -> None:
    """Show what the world holds: totals and a table per region and zone."""
    from cloudtwin.cli import world_cmd

    world_cmd.main(scenario, preset, set_ or [], json_)


@app.command()
def run(
    scenario: ScenarioArg = None,
    preset: PresetOpt = None,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    db: DbOpt = Path("cloudtwin.duckdb"),
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write the run's HTML report to this file (offline, one file).")
    ] = None,
) -> None:
    """Simulate a scenario's workload on its world and store what happened in a results database."""
    from cloudtwin.cli import run_cmd

    run_cmd.main(scenario, preset, set_ or [], json_, db, report)


@app.command()
def runs(
    db: Annotated[Path, typer.Option("--db", help="DuckDB results file to list.")] = Path("cloudtwin.duckdb"),
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON array on stdout instead of a table.")] = False,
) -> None:
    """List the runs stored in a results database, oldest first: status, start, wall time, headline figures."""
    from cloudtwin.cli import runs_cmd

    runs_cmd.main(db, json_)


@app.command()
def export(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="Run number, or `latest` (the newest finished run).")],
    parquet: Annotated[
        Path, typer.Option("--parquet", help="Folder to write run-ID-TABLE.parquet files into (created if missing).")
    ],
    db: Annotated[Path, typer.Option("--db", help="DuckDB results file to read.")] = Path("cloudtwin.duckdb"),
    json_: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (files and row counts) instead of lines.")
    ] = False,
) -> None:
    """Write one run's rows of every results table (runs, metrics, failures, ...) as Parquet files, one per table."""
    from cloudtwin.cli import export_cmd

    export_cmd.main(run_id, parquet, db, json_)


@app.command()
def compare(
    run_a: Annotated[str, typer.Argument(metavar="RUN_A", help="Run A: a run number, or `latest`.")],
    run_b: Annotated[str, typer.Argument(metavar="RUN_B", help="Run B: a run number, or `latest`.")],
    db: Annotated[Path, typer.Option("--db", help="DuckDB results file to read.")] = Path("cloudtwin.duckdb"),
    json_: JsonOpt = False,
) -> None:
    """Two finished runs' headline figures and services side by side, B - A, and how their scenarios differ."""
    from cloudtwin.cli import compare_cmd

    compare_cmd.main(run_a, run_b, db, json_)


@app.command()
def cost(
    scenario: ScenarioArg = None,
    preset: PresetOpt = None,
    set_: SetOpt = None,
    run: Annotated[
        str | None,
        typer.Option("--run", metavar="RUN_ID", help="Price a stored run as it measured: a number, or `latest`."),
    ] = None,
    db: Annotated[Path, typer.Option("--db", help="DuckDB results file holding --run.")] = Path("cloudtwin.duckdb"),
    json_: JsonOpt = False,
) -> None:
    """A month of money: the provider's cost and its split, tenants' bills, revenue, margin, rent or build.

    Without --run, at the scenario's expected steady state (no simulation); with --run, as that stored run
    measured it (docs/economics.md).
    """
    from cloudtwin.cli import cost_cmd

    cost_cmd.main(scenario, preset, set_ or [], run, db, json_)


@app.command()
def latency(
    args: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[SCENARIO] FROM TO",
            help="Optional scenario file, then two places: region, zone, datacenter, DC/rackK or DC/serverI.",
            show_default=False,
        ),
    ] = None,
    preset: PresetOpt = None,
    set_: SetOpt = None,
    nic: Annotated[
        str | None,
        typer.Option("--nic", help="NIC at both ends: sr-iov, paravirtual or emulated (default: each server type's)."),
    ] = None,
    matrix: Annotated[bool, typer.Option("--matrix", help="The region-by-region table of p50 RTT instead.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Round-trip time between two places: the pair's class, p50, p99 and p99.9, and the basis of each part."""
    from cloudtwin.cli import latency_cmd

    latency_cmd.main(args or [], preset, set_ or [], nic, matrix, json_)


@app.command()
def plan(
    scenario: ScenarioArg = None,
    preset: PresetOpt = None,
    set_: SetOpt = None,
    years: Annotated[int, typer.Option("--years", help="Years to plan (whole years, 1 to 50).")] = 5,
    json_: JsonOpt = False,
    db: DbOpt = Path("cloudtwin.duckdb"),
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write the plan's charts to this HTML file (offline).")
    ] = None,
) -> None:
    """Plan capacity for years of growth: datacenters per zone so each region keeps N+1, and where it cannot.

    A fluid model of the scenario's demand (its workloads' peaks, growing) against datacenters ordered a lead time
    ahead (the `planning:` section); the plan is stored in the results database (docs/planning.md).
    """
    from cloudtwin.cli import plan_cmd

    plan_cmd.main(scenario, preset, set_ or [], years, json_, db, report)


@app.command()
def report(
    run_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[RUN_ID]",
            help="Run number, or `latest` (the newest finished run; the default).",
            show_default=False,
        ),
    ] = None,
    sweep: Annotated[
        str | None,
        typer.Option(
            "--sweep",
            metavar="SWEEP_ID",
            help="Report a sweep instead: its number, or `latest` (each metric against the axes, with intervals).",
        ),
    ] = None,
    db: Annotated[Path, typer.Option("--db", help="DuckDB results file to read.")] = Path("cloudtwin.duckdb"),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="HTML file to write (default: run-RUN_ID.html, or sweep-SWEEP_ID.html)."),
    ] = None,
) -> None:
    """Write a stored run's (or sweep's) report: one self-contained HTML file of charts that works offline."""
    from cloudtwin.cli import report_cmd

    if sweep is not None:
        report_cmd.sweep_main(sweep, run_id, db, output)
    else:
        report_cmd.main(run_id if run_id is not None else "latest", db, output)


@app.command()
def availability(
    scenario: ScenarioArg = None,
    preset: PresetOpt = None,
    set_: SetOpt = None,
    years: Annotated[float, typer.Option("--years", help="Simulated years per replication.")] = 1000.0,
    replications: Annotated[int, typer.Option("--replications", help="Independent replications (vectorised).")] = 100,
    json_: JsonOpt = False,
) -> None:
    """Availability of each service under failures and repairs only, with 99 % confidence intervals.

    The restart model of `cloudtwin run`, without tenant VMs: a replica on a failed server, rack, datacenter or zone is tried again after failures.restart.delay_minutes (after a zone or region failure, at its repair, unless replace_in_other_zone). It fits on any up server of its allowed zones that has room for it beside the replicas already there, within its spread rule (a rack with no other running replica): the lowest-numbered one, its own zone first. When none has, it waits for a repair; replicas are never lost.
    """
    from cloudtwin.cli import availability_cmd

    availability_cmd.main(scenario, preset, set_ or [], years, replications, json_)


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="Sweep spec YAML file: base, set, axes, replications, seed.")],
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Local worker processes (default: one per core).")
    ] = None,
    ray: Annotated[
        str | None, typer.Option("--ray", help="Run on a Ray cluster: `auto` or its ADDRESS (needs cloudtwin[ray]).")
    ] = None,
    db: DbOpt = Path("cloudtwin.duckdb"),
    json_: JsonOpt = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write the sweep's HTML report to this file (offline, one file)."),
    ] = None,
) -> None:
    """Run a grid of scenario variants, each replicated, and show each point's mean and 95 % confidence interval.

    Each run is stored as it finishes; run the same command again after a stop (Ctrl-C, SIGTERM, kill -9) to
    finish what is left.
    """
    from cloudtwin.cli import sweep_cmd

    sweep_cmd.main(spec, jobs, ray, db, json_, report)


def _raise_on_signal(signal_number: int, _frame: object) -> None:
    """SIGINT (Ctrl-C), SIGTERM or SIGHUP: unwind so a run in progress is marked 'interrupted'; a second one kills.

    Ctrl-C raises `Interrupted` too, not KeyboardInterrupt: typer turns a KeyboardInterrupt into a silent exit 130
    (no word of what was kept), and DuckDB one raised during a query into its own "Query interrupted" error."""
    name = signal.Signals(signal_number).name
    signal.signal(signal_number, signal.SIG_DFL)
    Interrupted.received = Interrupted(signal_number, name)
    raise Interrupted.received


def _quiet_broken_pipe() -> None:
    """stdout's reader went away (`| head`): say nothing more, like other Unix tools (exit 128 + SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not complain either
    sys.exit(128 + 13)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; cloudtwin errors exit with their code (2 bad input, 1 environment), bugs with 1."""
    Interrupted.received = None
    for signal_number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signal_number, _raise_on_signal)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # (not where the shell had it ignored)
        signal.signal(signal.SIGINT, _raise_on_signal)
    if hasattr(signal, "SIGPIPE"):  # `cloudtwin world | head`: end quietly when the reader goes, like other Unix tools
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        _run_app(argv)
    finally:  # called in-process (tests): Ctrl-C is the caller's KeyboardInterrupt again, unless one was received
        if signal.getsignal(signal.SIGINT) is _raise_on_signal:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _run_app(argv: list[str] | None) -> None:
    """The app, its errors as exit codes with one line each (see the module docstring)."""
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        try:
            app(args=argv)  # standalone: usage errors print one message and exit 2
        except Exception as exc:
            signalled = Interrupted.received
            if signalled is None:
                raise
            for note in getattr(exc, "__notes__", []):  # a signal a library (DuckDB) turned into its own error
                signalled.add_note(note)
            raise signalled from None
    except CloudtwinError as exc:
        for line in exc.problems:
            err.print(f"[red]error:[/red] {escape(line)}", markup=True, emoji=False)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except (KeyboardInterrupt, Interrupted) as exc:
        ctrl_c = isinstance(exc, KeyboardInterrupt) or exc.signal_number == signal.SIGINT
        what = "interrupted" if ctrl_c else f"interrupted by {exc}"
        notes = "; ".join(getattr(exc, "__notes__", []))
        err.print(f"[yellow]{what}[/yellow]" + (f": {escape(notes)}" if notes else ""))
        sys.exit(128 + (exc.signal_number if isinstance(exc, Interrupted) else signal.SIGINT))
    except Exception as exc:  # a bug, not bad input: one line unless debugging
        if os.environ.get("CLOUDTWIN_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))} (set CLOUDTWIN_DEBUG=1 for a traceback)"
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
