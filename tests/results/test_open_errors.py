"""Paths the store cannot use become ResultsError naming the path, never a DuckDB traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pytest

from cloudtwin.errors import CloudtwinError, ResultsError, ResultsUnavailable
from cloudtwin.results import METRIC_VALUE_COLUMNS, ROW_TABLES, SCHEMA_VERSION, ResultsStore

READS = f"this cloudtwin reads versions 1 to {SCHEMA_VERSION}"


def one_line(error: BaseException) -> str:
    """The error's message, checked to be one line (the command line prints it as one red line)."""
    text = str(error)
    assert "\n" not in text, text
    return text


def test_directory(tmp_path: Path) -> None:
    """A directory is not a database file."""
    with pytest.raises(ResultsError, match="is a directory") as caught:
        ResultsStore(tmp_path)
    assert str(tmp_path) in str(caught.value)
    assert isinstance(caught.value, CloudtwinError)


def test_text_file(tmp_path: Path) -> None:
    """An existing text file is refused as 'not a DuckDB database' and left untouched."""
    text = tmp_path / "notes.txt"
    text.write_text("these are my notes\n" * 100)
    with pytest.raises(ResultsError, match="not a DuckDB database") as caught:
        ResultsStore(text)
    assert one_line(caught.value) == f"`{text}` exists but is not a DuckDB database file — pass another --db"
    assert text.read_text() == "these are my notes\n" * 100


def test_missing_folder(tmp_path: Path) -> None:
    """A missing parent folder is reported, not created."""
    with pytest.raises(ResultsError, match="does not exist"):
        ResultsStore(tmp_path / "no-such-folder" / "results.duckdb")
    assert not (tmp_path / "no-such-folder").exists()


def test_parent_is_a_file(tmp_path: Path) -> None:
    """A path under a regular file is refused."""
    (tmp_path / "plain").write_text("x")
    with pytest.raises(ResultsError, match="not a folder"):
        ResultsStore(tmp_path / "plain" / "results.duckdb")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc, where nobody may create files")
def test_unwritable_system_location() -> None:
    """A location no user (root included) can create files in gives ResultsError with the path."""
    with pytest.raises(ResultsError, match="/proc/cloudtwin-results.duckdb"):
        ResultsStore("/proc/cloudtwin-results.duckdb")


NOBODY = 65534  # the unprivileged user of Debian and most Linux systems


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_read_only_folder() -> None:
    """A folder without write permission gives ResultsError saying it is not writable. Root may write anywhere,
    so as root (CI) the check runs in a forked child that first gives up root for `nobody`."""
    base = Path(tempfile.mkdtemp(prefix="cloudtwin-ro-"))
    base.chmod(0o755)  # traversable by anyone, so `nobody` reaches the locked folder
    locked = base / "locked"
    locked.mkdir(mode=0o555)
    try:
        if os.geteuid() != 0:
            with pytest.raises(ResultsError, match="not writable"):
                ResultsStore(locked / "results.duckdb")
            return
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 3
            try:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                ResultsStore(locked / "results.duckdb")
                code = 1  # opened: the check did not refuse
            except ResultsError as error:
                code = 0 if "not writable" in str(error) else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, "0: refused as not writable; 1: opened; 2: other error"
        assert not (locked / "results.duckdb").exists()
    finally:
        locked.chmod(0o755)
        shutil.rmtree(base)


def test_foreign_duckdb_database(tmp_path: Path) -> None:
    """A DuckDB file with its own `runs` table and no schema_version is not taken over."""
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE TABLE runs (x INTEGER)")
    with pytest.raises(ResultsError, match="not a cloudtwin results database") as caught:
        ResultsStore(path)
    assert one_line(caught.value).endswith(" — pass another --db")


def test_newer_schema_version(db_path: Path) -> None:
    """A file written by a newer schema version is refused rather than misread: one line, the hint after " — "."""
    ResultsStore(db_path).close()
    with duckdb.connect(str(db_path)) as connection:
        connection.execute("UPDATE schema_version SET version = version + 1")
    newer = SCHEMA_VERSION + 1
    for read_only in (False, True):
        with pytest.raises(ResultsError) as caught:
            ResultsStore(db_path, read_only=read_only)
        assert one_line(caught.value) == (
            f"`{db_path}` has results schema version {newer}, newer than this cloudtwin reads (1 to {SCHEMA_VERSION})"
            " — upgrade cloudtwin or pass another --db"
        )
        assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("statements", "shown"),
    [
        (["UPDATE schema_version SET version = 0"], "version 0"),
        (["UPDATE schema_version SET version = -7"], "version -7"),
        (
            [
                "DROP TABLE schema_version",
                "CREATE TABLE schema_version (version INTEGER)",
                "INSERT INTO schema_version VALUES (NULL)",
            ],
            "version NULL",
        ),
        (
            [
                "DROP TABLE schema_version",
                "CREATE TABLE schema_version (version VARCHAR)",
                "INSERT INTO schema_version VALUES ('two')",
            ],
            "version 'two'",
        ),
        (
            ["ALTER TABLE schema_version ALTER version TYPE DOUBLE", "UPDATE schema_version SET version = 2.5"],
            "version 2.5",
        ),
        (["DELETE FROM schema_version"], "no results schema version"),
        (["INSERT INTO schema_version VALUES (1)"], f"several results schema versions (1, {SCHEMA_VERSION})"),
        (["DROP TABLE schema_version", "CREATE TABLE schema_version (v INTEGER)"], "without a `version` column"),
    ],
    ids=["zero", "negative", "null", "text", "fraction", "empty", "two-rows", "no-column"],
)
def test_unreadable_schema_version(db_path: Path, statements: list[str], shown: str) -> None:
    """A schema version that is 0, NULL, not an integer, missing or ambiguous is one ResultsError line naming the file
    and (but for a table without the column) the versions this build reads; never a KeyError or TypeError."""
    ResultsStore(db_path).close()
    with duckdb.connect(str(db_path)) as connection:
        for statement in statements:
            connection.execute(statement)
    for read_only in (False, True):
        with pytest.raises(ResultsError) as caught:
            ResultsStore(db_path, read_only=read_only)
        message = one_line(caught.value)
        assert message.startswith(f"`{db_path}` has ") and shown in message, message
        assert READS in message or "column" in message, message
        assert type(caught.value) is ResultsError and caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("statements", "named"),
    [
        (["ALTER TABLE runs DROP COLUMN pid"], "table `runs` has no column `pid`"),
        (["ALTER TABLE metrics DROP COLUMN region"], "table `metrics` has no column `region`"),
        (["DROP TABLE services"], "table `services` is missing"),
        (["ALTER TABLE metrics ALTER time_s TYPE VARCHAR"], "column `metrics.time_s` is VARCHAR, not DOUBLE"),
        (["ALTER TABLE places ALTER servers TYPE DOUBLE"], "column `places.servers` is DOUBLE, not BIGINT"),
        (["DROP SEQUENCE run_id_sequence"], "`run_id_sequence` is missing"),
    ],
    ids=["runs.pid", "metrics.region", "services", "metrics.time_s-type", "places.servers-type", "sequence"],
)
def test_damaged_layout_is_refused_on_open(db_path: Path, statements: list[str], named: str) -> None:
    """A file missing a table or a column, or with a column of another type, is refused as the store opens (before
    anything is simulated or written) with one line naming the table and column; the file is left as it was."""
    ResultsStore(db_path).close()
    with duckdb.connect(str(db_path)) as connection:
        for statement in statements:
            connection.execute(statement)
    before = db_path.read_bytes()
    with pytest.raises(ResultsError) as caught:
        ResultsStore(db_path)
    message = one_line(caught.value)
    assert message.startswith(f"`{db_path}` is not a usable cloudtwin results database") and named in message
    assert message.endswith(" — pass another --db") and caught.value.exit_code == 2
    assert db_path.read_bytes() == before


def _downgrade(path: Path, version: int) -> None:
    """Make a new file look as version `version` wrote it: without the columns and tables added since."""
    with duckdb.connect(str(path)) as connection:
        if version < 6:
            for table in ("plans", "plan_builds", "plan_months"):
                connection.execute(f"DROP TABLE {table}")
        if version < 5:
            connection.execute("DROP TABLE links")
            connection.execute("DROP TABLE latency")
        if version < 4:
            connection.execute("DROP TABLE sweep_runs")
            connection.execute("DROP TABLE sweeps")
        if version < 3:
            for column in ("host", "pid", "heartbeat"):
                connection.execute(f"ALTER TABLE runs DROP COLUMN {column}")
        if version < 2:
            connection.execute("ALTER TABLE metrics DROP COLUMN interval_s")
            connection.execute("DROP TABLE places")
        connection.execute(f"UPDATE schema_version SET version = {version}")


def _old_run(path: Path, status: str) -> None:
    """A run row as an older cloudtwin wrote it (no host, pid or heartbeat) and one metrics row of it."""
    with duckdb.connect(str(path)) as connection:
        run_id = connection.execute(
            "INSERT INTO runs (run_id, scenario_name, scenario_yaml, scenario_hash, cloudtwin_version,"
            " started, status) VALUES (nextval('run_id_sequence'), 'old', 'name: old', 'h', '0.1.0',"
            " TIMESTAMP '2025-01-02 03:04:05', ?) RETURNING run_id",
            [status],
        ).fetchone()[0]
        connection.execute("INSERT INTO metrics (run_id, time_s, level, name) VALUES (?, 3600, 'zone', 'a')", [run_id])


def _layout(path: Path) -> dict[str, list[tuple[str, str]]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = ("runs", "metrics", "places", "sweeps", "sweep_runs", "links", "latency", "plans", "plan_builds")
        tables += ("plan_months",)
        return {table: _columns(connection, table) for table in tables}


def test_version_1_file_is_migrated(db_path: Path) -> None:
    """A version-1 file (metrics without interval_s, no places table, runs without host, pid, heartbeat) gains the
    columns and the table on a writable open, laid out as in a new file; its old rows read NULL, new rows carry
    their intervals; opened read-only first, it is refused with a clear message."""
    fresh = db_path.with_name("fresh.duckdb")
    ResultsStore(fresh).close()
    ResultsStore(db_path).close()
    _downgrade(db_path, 1)
    _old_run(db_path, "ok")
    with pytest.raises(ResultsError, match="schema version 1; open it writable once to migrate"):
        ResultsStore(db_path, read_only=True)
    with ResultsStore(db_path) as store:
        run_id = store.start_run("new", "name: new\n", "h", 1, "0.1.0")
        ones = {name: np.ones((2, 1), dtype=np.int64) for name in METRIC_VALUE_COLUMNS}
        store.append_metrics(
            run_id, "zone", ["a"], ["a"], ["r"], np.array([3600.0, 5000.0]), ones, interval_s=np.array([3600.0, 1400.0])
        )
        rows = store.connection.execute("SELECT run_id, interval_s FROM metrics ORDER BY run_id, time_s").fetchall()
        assert rows == [(1, None), (run_id, 3600.0), (run_id, 1400.0)]
        assert store.connection.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        old = store.get_run(1)
        assert (old["status"], old["host"], old["pid"], old["heartbeat"]) == ("ok", None, None, None)
        assert store.rows_frame("places", 1).num_rows == 0  # the old run has no places rows
        store.append_rows("places", run_id, {column: [None] for column in ROW_TABLES["places"]})
        assert store.rows_frame("places", run_id).num_rows == 1
    assert _layout(db_path) == _layout(fresh)


def test_version_2_file_reads_as_is_and_migrates(db_path: Path) -> None:
    """A version-2 file (the previous release) reads read-only without migrating, host, pid and heartbeat NULL and
    a run left 'running' by it shown 'interrupted' (no process can be running it); a writable open migrates it to
    the current layout and marks that run 'interrupted' in the file."""
    fresh = db_path.with_name("fresh.duckdb")
    ResultsStore(fresh).close()
    ResultsStore(db_path).close()
    _downgrade(db_path, 2)
    _old_run(db_path, "ok")
    _old_run(db_path, "running")
    with ResultsStore(db_path, read_only=True) as store:
        assert store.schema_version == 2
        ok, dead = store.list_runs()
        assert (ok["status"], ok["host"], ok["pid"]) == ("ok", None, None)
        assert dead["status"] == store.run_status(2) == store.get_run(2)["status"] == "interrupted"
        assert dead["error"] == (
            "its process (not recorded by the cloudtwin that started it) stopped without finishing (killed?);"
            " started 2025-01-02 03:04:05 UTC"
        )
        assert store.metrics_frame(2).num_rows == 1
    with duckdb.connect(str(db_path), read_only=True) as connection:  # nothing written by the read-only open
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        assert connection.execute("SELECT status FROM runs WHERE run_id = 2").fetchall() == [("running",)]
    with ResultsStore(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION and store.resolved_runs == [2]
    with duckdb.connect(str(db_path), read_only=True) as connection:
        assert connection.execute("SELECT status FROM runs ORDER BY run_id").fetchall() == [("ok",), ("interrupted",)]
    assert _layout(db_path) == _layout(fresh)


def test_version_3_file_reads_as_is_and_migrates(db_path: Path) -> None:
    """A version-3 file (no sweeps) reads read-only as it is (a sweep there holds no runs); a writable open adds the empty `sweeps` and `sweep_runs` tables, laid out as in a new file."""
    fresh = db_path.with_name("fresh.duckdb")
    ResultsStore(fresh).close()
    ResultsStore(db_path).close()
    _downgrade(db_path, 3)
    _old_run(db_path, "ok")
    with ResultsStore(db_path, read_only=True) as store:
        assert store.schema_version == 3 and store.sweep_members(1) == []
    with ResultsStore(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.connection.execute("SELECT count(*) FROM sweeps").fetchall() == [(0,)]
    assert _layout(db_path) == _layout(fresh)


def _columns(connection: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, type) of a table's columns in storage order."""
    return connection.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]
    ).fetchall()


def test_read_only_open(db_path: Path) -> None:
    """read_only=True needs an existing file, reads it, and refuses writes."""
    with pytest.raises(ResultsError, match="does not exist"):
        ResultsStore(db_path, read_only=True)
    with ResultsStore(db_path) as store:
        store.start_run("s", "name: s\n", "h", 1, "0.1.0")
    with ResultsStore(db_path, read_only=True) as store:
        assert len(store.list_runs()) == 1
        with pytest.raises(ResultsError, match="read-only"):
            store.start_run("s", "name: s\n", "h", 1, "0.1.0")


HOLD_OPEN = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"


def test_locked_by_another_process(db_path: Path) -> None:
    """While another process holds the file, opening it (to write or to read) raises ResultsUnavailable (exit
    code 1): one line naming the file and the holder's PID, the hint after " — "."""
    ResultsStore(db_path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(db_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        for read_only in (False, True):
            with pytest.raises(ResultsUnavailable) as caught:
                ResultsStore(db_path, read_only=read_only)
            message = one_line(caught.value)
            assert message.startswith(f"results database `{db_path}` is locked by another process (python")
            assert message.endswith(f", PID {holder.pid}) — wait for it to finish or pass another --db"), message
            assert caught.value.exit_code == 1  # the machine's state, not bad input
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
    ResultsStore(db_path).close()  # usable again once the other process is gone
