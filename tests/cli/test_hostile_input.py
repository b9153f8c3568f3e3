"""A hostile user at the real command line (a subprocess each): every refusal is one line, exit code 2, before any
run row is written; `validate` and `run` give the same lines, since they share the preflight.

What the database holds after a refusal is checked against a results file holding one earlier run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cloudtwin
from cloudtwin.results import ResultsStore

PRESETS = Path(cloudtwin.__file__).parent / "presets"
SMALL = PRESETS / "small.yaml"
VMTABLE_HEAD = (
    "vmid,subscriptionid,deploymentid,vmcreated,vmdeleted,maxcpu,avgcpu,p95maxcpu,vmcategory,vmcorecount,vmmemory"
)


def cli(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`cloudtwin ARGV...` in a fresh process: its exit code, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "cloudtwin.cli.main", *argv], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a refusal (no traceback, no numpy warning, nothing else)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def earlier_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results file holding one finished run of `small` (a tenth of a day)."""
    path = tmp_path_factory.mktemp("earlier") / "runs.duckdb"
    cloudtwin.run(cloudtwin.load("small", set={"horizon.days": 0.1}), db=path)
    return path


def _runs(path: Path) -> list[dict]:
    with ResultsStore(path, read_only=True) as store:
        return store.list_runs()


def _same_from_validate_and_run(scenario: Path, db: Path, *sets: str) -> str:
    """Run `validate` and `run` on the same input: both exit 2 with the same one line; `db` keeps its runs."""
    before = _runs(db)
    flags = [arg for s in sets for arg in ("--set", s)]
    validate = cli("validate", str(scenario), *flags)
    run = cli("run", str(scenario), *flags, "--db", str(db))
    assert validate.returncode == 2 and run.returncode == 2, (validate.stderr, run.stderr)
    assert one_line(validate) == one_line(run)
    assert _runs(db) == before  # no run row for a run that never started, earlier runs untouched
    return one_line(run)


@pytest.mark.parametrize(
    ("row", "column", "raw"),
    [
        ("v1,s,d,0,600,1,1,1,Unknown,1e12,4", "vmcorecount", "1e12"),
        ("v1,s,d,0,600,1,1,1,Unknown,2,inf", "vmmemory", "inf"),
        ("v1,s,d,0,inf,1,1,1,Unknown,2,4", "vmdeleted", "inf"),
        ("v1,s,d,nan,600,1,1,1,Unknown,2,4", "vmcreated", "nan"),
    ],
)
def test_vmtable_row_out_of_range(tmp_path: Path, earlier_db: Path, row: str, column: str, raw: str) -> None:
    """A trace row with an impossible value: `FILE:LINE: column: ... (got RAW)` naming the CSV line."""
    trace = tmp_path / "vmtable.csv"
    trace.write_text(f"{VMTABLE_HEAD}\nv0,s,d,0,300,1,1,1,Unknown,1,2\n{row}\n")
    db = tmp_path / "runs.duckdb"
    shutil.copy(earlier_db, db)
    line = _same_from_validate_and_run(
        SMALL, db, f"workload[0].arrivals={{trace: {trace}, format: azure-vmtable}}", "workload[0].lifetime=null"
    )
    assert line.startswith(f"error: {trace}:3: {column}: ") and line.endswith(f"(got {raw})")


def test_services_and_failures_that_cannot_run(tmp_path: Path, earlier_db: Path) -> None:
    """More replicas than racks and a Weibull level without a finite time scale: each at its file line."""
    scenario = tmp_path / "mine.yaml"
    text = SMALL.read_text()
    lines = text.count("\n")
    scenario.write_text(
        text + "failures:\n"
        "  server: {mttf_days: 100, repair_hours: 1, time_to_failure: weibull, weibull_shape: 0.001}\n"
        "services:\n"
        "  - {name: db, instance_type: c3.large, replicas: 40, spread: datacenters, zones: [us-east-1b],"
        " healthy_when: {at_least: 2}}\n"
    )
    db = tmp_path / "runs.duckdb"
    shutil.copy(earlier_db, db)
    before = _runs(db)
    validate, run = cli("validate", str(scenario)), cli("run", str(scenario), "--db", str(db))
    assert validate.returncode == run.returncode == 2
    assert validate.stderr == run.stderr
    assert validate.stderr.splitlines() == [
        f"error: {scenario}:{lines + 2}: failures.server: mttf_days=100.0, repair_hours=1.0, weibull_shape=0.001"
        " give no finite time scale",
        f"error: {scenario}:{lines + 4}: services[0].replicas: 40 replicas of 'db' in datacenter 'us-east-1b1'"
        " of 4 racks; replicas need distinct racks",
    ]
    assert _runs(db) == before


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ("horizon.days=1e308", ["horizon.days: a run would need unbounded events", "longer than the limit of"]),
        ("horizon.days=1e8", ["horizon.days: a run would need ~", "longer than the limit of 7.0 days"]),
        ("horizon.sample_every_minutes=1e-6", ["horizon.sample_every_minutes: a run would need", "metric ticks"]),
        ("workload[0].arrivals.per_hour=1e10", ["small.yaml:55: workload: a run would need", "arrivals"]),
    ],
)
def test_work_refused_with_its_estimate(tmp_path: Path, earlier_db: Path, override: str, says: list[str]) -> None:
    """Runs this machine cannot finish (time) or hold (memory): refused up front with the estimate and the limit."""
    db = tmp_path / "runs.duckdb"
    shutil.copy(earlier_db, db)
    line = _same_from_validate_and_run(SMALL, db, override)
    for text in says:
        assert text in line
    assert "events/s (" in line  # the time is at a stated speed, with its basis


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--years", "1e308"], "--years 1e+308 x --replications 100: the study would need unbounded events"),
        (["--replications", "99999999999999999999"], "--replications 99,999,999,999,999,999,999: the study"),
        (["--years", "0"], "--years: must be a positive number of simulated years (got 0.0)"),
    ],
)
def test_availability_arguments_refused(flags: list[str], says: str) -> None:
    service = "services=[{name: db, instance_type: c3.large, replicas: 3, healthy_when: {at_least: 2}}]"
    result = cli("availability", "--preset", "small", "--set", "failures=default", "--set", service, *flags)
    assert result.returncode == 2
    assert says in one_line(result)


@pytest.mark.parametrize("override", ["horizon.days=true", "seed=true", "workload[0].arrivals.per_hour=false"])
def test_a_bool_is_not_a_number(override: str) -> None:
    result = cli("validate", str(SMALL), "--set", override)
    assert result.returncode == 2
    assert one_line(result).endswith("must be a number, not true or false (got " + override.split("=")[1] + ")")


def test_paths_on_the_command_line_resolve_against_the_current_folder(tmp_path: Path) -> None:
    """`--set ...trace=mine.csv` on a preset reads ./mine.csv; a path in a file resolves against that file's folder."""
    (tmp_path / "mine.csv").write_text(f"{VMTABLE_HEAD}\nv0,s,d,0,300,1,1,1,Unknown,1,2\n")
    trace = "workload[0].arrivals={trace: mine.csv, format: azure-vmtable}"
    ok = cli("validate", str(SMALL), "--set", trace, "--set", "workload[0].lifetime=null", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    missing = cli("validate", str(SMALL), "--set", trace, "--set", "workload[0].lifetime=null", cwd=elsewhere)
    assert missing.returncode == 2 and f"trace file not found: {elsewhere / 'mine.csv'}" in one_line(missing)
    folder = tmp_path / "scenarios"
    folder.mkdir()
    text = SMALL.read_text().replace(
        "arrivals: {per_hour: 2346}", "arrivals: {trace: ../mine.csv, format: azure-vmtable}"
    )
    (folder / "s.yaml").write_text(text.replace("lifetime: {distribution: exponential, mean_hours: 2.0}", ""))
    from_file = cli("validate", str(folder / "s.yaml"), cwd=elsewhere)
    assert from_file.returncode == 0, from_file.stderr


def test_spread_that_cannot_protect_is_a_warning(tmp_path: Path) -> None:
    """`spread: regions` over one region: allowed on purpose (round-robin), so a warning on stderr, exit 0."""
    service = (
        "services=[{name: db, instance_type: c3.large, replicas: 3, spread: regions, healthy_when: {at_least: 2}}]"
    )
    result = cli("validate", str(SMALL), "--set", service)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "warning: services[0].spread: 3 replicas of 'db' over 1 region; losing the region that holds 3 of them"
        " leaves 0, fewer than healthy_when.at_least 2"
    ]


def test_a_closed_pipe_is_quiet() -> None:
    """`cloudtwin world --preset aws-2014 | head -2`: nothing on stderr, ended by SIGPIPE like other Unix tools."""
    result = subprocess.run(
        ["bash", "-c", f"'{sys.executable}' -m cloudtwin.cli.main world --preset aws-2014 | head -2; "
         'echo "status ${PIPESTATUS[0]}" >&2'],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr.strip() in ("status 141", "status 0")  # 0 when it wrote everything before head left


def test_database_files_refused_in_one_line(tmp_path: Path, earlier_db: Path) -> None:
    """`run --db` on a file that is not DuckDB, or of a newer schema: one line (a hint after " — "), exit 2,
    before anything is simulated; the newer file is left as it was."""
    import duckdb

    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("these are my notes, not a database\n")
    newer = tmp_path / "newer.duckdb"
    shutil.copy(earlier_db, newer)
    with duckdb.connect(str(newer)) as connection:
        connection.execute("UPDATE schema_version SET version = 99")
    for path, says in ((not_duckdb, "is not a DuckDB database file — "), (newer, "schema version 99, newer than")):
        result = cli("run", "--preset", "small", "--set", "horizon.days=0.01", "--db", str(path))
        assert result.returncode == 2
        assert says in one_line(result)
    assert not_duckdb.read_text() == "these are my notes, not a database\n"
    with duckdb.connect(str(newer), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM runs").fetchone() == (1,)
