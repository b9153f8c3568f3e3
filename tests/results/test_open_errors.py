"""Paths the store cannot use become ResultsError naming the path, never a DuckDB traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from cloudtwin.errors import CloudtwinError, ResultsError
from cloudtwin.results import METRIC_VALUE_COLUMNS, ROW_TABLES, ResultsStore


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
    assert str(text) in str(caught.value)
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


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_folder(tmp_path: Path) -> None:
    """A folder without write permission gives ResultsError saying it is not writable."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(ResultsError, match="not writable"):
            ResultsStore(locked / "results.duckdb")
    finally:
        locked.chmod(0o700)


def test_foreign_duckdb_database(tmp_path: Path) -> None:
    """A DuckDB file with its own `runs` table and no schema_version is not taken over."""
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE TABLE runs (x INTEGER)")
    with pytest.raises(ResultsError, match="not a cloudtwin results database"):
        ResultsStore(path)


def test_newer_schema_version(db_path: Path) -> None:
    """A file written by a newer schema version is refused rather than misread."""
    ResultsStore(db_path).close()
    with duckdb.connect(str(db_path)) as connection:
        connection.execute("UPDATE schema_version SET version = version + 1")
    with pytest.raises(ResultsError, match="schema version 3"):
        ResultsStore(db_path)


def test_version_1_file_is_migrated(db_path: Path) -> None:
    """A version-1 file (metrics without interval_s, no places table) gains the column and the table on a writable
    open, laid out as in a new file; its old rows read NULL, new rows carry their intervals; opened read-only
    first, it is refused with a clear message."""
    fresh = db_path.with_name("fresh.duckdb")
    ResultsStore(fresh).close()
    with duckdb.connect(str(fresh), read_only=True) as connection:
        layout = {table: _columns(connection, table) for table in ("metrics", "places")}
    ResultsStore(db_path).close()
    with duckdb.connect(str(db_path)) as connection:
        connection.execute("ALTER TABLE metrics DROP COLUMN interval_s")
        connection.execute("DROP TABLE places")
        connection.execute("UPDATE schema_version SET version = 1")
        connection.execute(
            "INSERT INTO runs (run_id, scenario_name, scenario_yaml, scenario_hash, cloudtwin_version,"
            " started, status) VALUES (nextval('run_id_sequence'), 'old', 'name: old', 'h', '0.1.0',"
            " now(), 'ok')"
        )
        connection.execute("INSERT INTO metrics (run_id, time_s, level, name) VALUES (1, 3600, 'zone', 'a')")
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
        assert store.connection.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        assert {table: _columns(store.connection, table) for table in layout} == layout
        assert store.rows_frame("places", 1).num_rows == 0  # the old run has no places rows
        store.append_rows("places", run_id, {column: [None] for column in ROW_TABLES["places"]})
        assert store.rows_frame("places", run_id).num_rows == 1


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
    """While another process holds the file, opening it raises ResultsError saying it is locked."""
    ResultsStore(db_path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(db_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(ResultsError, match="locked by another process"):
            ResultsStore(db_path)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
    ResultsStore(db_path).close()  # usable again once the other process is gone
