"""A full disk or a file over a size limit while writing: ResultsUnavailable (exit code 1) in one line, the run
marked 'failed' when that can still be written, earlier runs intact. The end-to-end check through `cloudtwin run`
is in tests/cli/test_runs_and_signals.py."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from results_samples import ZONE_REGIONS, ZONES, sample_columns

from cloudtwin.errors import ResultsError, ResultsUnavailable
from cloudtwin.results import ResultsStore
from cloudtwin.results.opening import storage_error

PATH = Path("/data/runs.duckdb")
FULL = "cannot append metrics in `/data/runs.duckdb`: no space left on its disk — free some space or pass another --db"
TOO_LARGE = (
    "cannot append metrics in `/data/runs.duckdb`: file too large (a file size limit of this process or its file"
    " system) — raise the limit (`ulimit -f`) or pass another --db"
)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (duckdb.IOException('IO Error: Could not write file "/data/runs.duckdb.wal": No space left on device'), FULL),
        (
            duckdb.TransactionException(
                'TransactionContext Error: Failed to commit: Could not write file "/data/runs.duckdb.wal": File too large'
            ),
            TOO_LARGE,
        ),
        (
            duckdb.FatalException(
                "FATAL Error: Failed: database has been invalidated because of a previous fatal error.\n"
                'Original error: "Could not write file: No space left on device"'
            ),
            FULL,
        ),
        (OSError(errno.ENOSPC, "No space left on device"), FULL),
        (OSError(errno.EFBIG, "File too large"), TOO_LARGE),
    ],
    ids=["duckdb-enospc", "duckdb-commit-efbig", "duckdb-invalidated", "os-enospc", "os-efbig"],
)
def test_full_disk_errors_are_unavailable(error: BaseException, expected: str) -> None:
    """DuckDB's and the OS's ways of saying "no space" or "too large" all become one ResultsUnavailable line."""
    mapped = storage_error(PATH, "append metrics", error)
    assert isinstance(mapped, ResultsUnavailable) and mapped.exit_code == 1
    assert str(mapped) == expected


def test_other_errors_stay_bad_input() -> None:
    """A constraint or binder error is a ResultsError (exit code 2), its DuckDB context folded onto one line."""
    mapped = storage_error(PATH, "read", duckdb.BinderException('Binder Error: no column "x"\n\nLINE 1: SELECT x'))
    assert type(mapped) is ResultsError and mapped.exit_code == 2
    assert str(mapped) == 'cannot read in `/data/runs.duckdb`: Binder Error: no column "x" LINE 1: SELECT x'


def test_os_error_inside_a_write_is_mapped_and_rolled_back(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ENOSPC raised while an append builds its batches rolls the append back and is ResultsUnavailable."""
    with ResultsStore(db_path) as store:
        run_id = store.start_run("s", "name: s\n", "h", 1, "0.1.0")
        store.append_metrics(run_id, "zone", ZONES, ZONES, ZONE_REGIONS, np.array([60.0]), sample_columns(1, 3))

        def no_space(*_args: object) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(ResultsStore, "_metric_batch", staticmethod(no_space))
        with pytest.raises(ResultsUnavailable, match="no space left on its disk"):
            store.append_metrics(run_id, "zone", ZONES, ZONES, ZONE_REGIONS, np.array([120.0]), sample_columns(1, 3))
        assert store.metrics_frame(run_id).num_rows == 3


# Writes stop at a 256 KiB file size (SIGXFSZ ignored, so the write fails with EFBIG): works as root too, unlike
# permissions. The file is created first without the limit; the child's first metrics append outgrows the log.
LIMITED_RUN = """
import resource, signal, sys
import numpy as np
from cloudtwin.results import METRIC_VALUE_COLUMNS, ResultsStore, run_guard
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 18, 1 << 18))
names = [f"z{i}" for i in range(50)]
columns = {name: np.ones((2000, 50), dtype=np.int64) for name in METRIC_VALUE_COLUMNS}
with ResultsStore(sys.argv[1]) as store:
    run_id = store.start_run("big", "name: big\\n", "h", 1, "0.1.0")
    try:
        with run_guard(store, run_id):
            store.append_metrics(run_id, "zone", names, names, ["r"] * 50, np.arange(2000.0), columns)
    except Exception as error:
        print(f"{type(error).__name__}|{error}")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
def test_file_size_limit_while_writing(db_path: Path) -> None:
    """In a process whose files may not outgrow 256 KiB, a large append fails as ResultsUnavailable in one line;
    the run is marked 'failed', the earlier run and its metrics are intact and the file opens."""
    with ResultsStore(db_path) as store:
        first = store.start_run("small", "name: small\n", "h", 1, "0.1.0")
        store.append_metrics(first, "zone", ZONES, ZONES, ZONE_REGIONS, np.array([60.0]), sample_columns(1, 3))
        store.finish_run(first, 0.1, 3, {"arrivals": 3})
    child = subprocess.run(
        [sys.executable, "-c", LIMITED_RUN, str(db_path)], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    kind, message = child.stdout.strip().split("|")
    assert kind == "ResultsUnavailable" and "\n" not in message
    assert message == f"cannot append metrics in `{db_path}`: " + TOO_LARGE.split(": ", 1)[1]
    with ResultsStore(db_path, read_only=True) as store:
        ok, failed = store.list_runs()
        assert (ok["status"], failed["status"]) == ("ok", "failed")
        assert failed["error"] == f"ResultsUnavailable: {message}"
        assert store.metrics_frame(first).num_rows == 3 and store.metrics_frame(failed["run_id"]).num_rows == 0
