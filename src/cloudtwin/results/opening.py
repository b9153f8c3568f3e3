"""What can go wrong with the results file itself, as one-line errors: a path DuckDB cannot use, a file another
process holds, a disk that is full. A refusal by the machine (lock, space, I/O) is `ResultsUnavailable`
(exit code 1); a file the user named that cannot serve (a directory, not DuckDB) is `ResultsError` (exit code 2).
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import duckdb

from cloudtwin.errors import ResultsError, ResultsUnavailable

# DuckDB: `Could not set lock on file "F": Conflicting lock is held in /usr/bin/python3 (PID 1234). See also ...`
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
_NO_SPACE = ("No space left on device", "Disk quota exceeded")
_TOO_LARGE = ("File too large",)
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_TOO_LARGE_ERRNOS = {errno.EFBIG}


def one_line(text: str) -> str:
    """`text` on one line: DuckDB's messages carry `LINE 1:` context and carets on further lines."""
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())


def check_location(path: Path, read_only: bool) -> None:
    """Refuse paths DuckDB cannot use, with a message naming the path (checked before connecting)."""
    if path.is_dir():
        raise ResultsError(f"results database `{path}` is a directory, not a file")
    parent = path.parent
    if not parent.exists():
        raise ResultsError(f"cannot create results database `{path}`: folder `{parent}` does not exist")
    if not parent.is_dir():
        raise ResultsError(f"cannot create results database `{path}`: `{parent}` is not a folder")
    if read_only and not path.exists():
        raise ResultsError(f"results database `{path}` does not exist")
    writable = os.access(path if path.exists() else parent, os.W_OK)
    if not read_only and not writable:
        raise ResultsError(f"results database `{path}` is not writable (check permissions or pass another --db)")


def locked(path: Path, detail: str) -> ResultsUnavailable:
    """Another process holds the file (DuckDB lets one process write it, or several only read it)."""
    holder = _LOCK_HOLDER.search(detail)
    by = f" ({Path(holder['program']).name}, PID {holder['pid']})" if holder else ""
    return ResultsUnavailable(
        f"results database `{path}` is locked by another process{by} — wait for it to finish or pass another --db"
    )


def open_problem(path: Path, error: duckdb.Error) -> ResultsError:
    """Why DuckDB refused to open `path`, as one line."""
    detail = one_line(str(error))
    if "Could not set lock" in detail:
        return locked(path, detail)
    if "not a valid DuckDB database" in detail:
        return ResultsError(f"`{path}` exists but is not a DuckDB database file — pass another --db")
    return storage_error(path, "open the results database", error)


def storage_error(path: Path, action: str, error: BaseException) -> ResultsError:
    """A DuckDB or OS error met while `action` on `path`, as one line: `ResultsUnavailable` when the machine
    refuses (disk full, file size limit, a lock, an I/O failure), else `ResultsError`."""
    detail = one_line(str(error))
    code = getattr(error, "errno", None)
    where = f"cannot {action} in `{path}`"
    if code in _FULL_ERRNOS or any(text in detail for text in _NO_SPACE):
        return ResultsUnavailable(f"{where}: no space left on its disk — free some space or pass another --db")
    if code in _TOO_LARGE_ERRNOS or any(text in detail for text in _TOO_LARGE):
        return ResultsUnavailable(
            f"{where}: file too large (a file size limit of this process or its file system)"
            " — raise the limit (`ulimit -f`) or pass another --db"
        )
    if "Could not set lock" in detail:
        return locked(path, detail)
    if isinstance(error, duckdb.IOException | OSError):
        return ResultsUnavailable(f"{where}: {detail}")
    return ResultsError(f"{where}: {detail}")


def is_storage_failure(error: BaseException) -> bool:
    """An OSError that says the disk is full or the file too large (what `storage_error` maps to exit code 1)."""
    return isinstance(error, OSError) and getattr(error, "errno", None) in _FULL_ERRNOS | _TOO_LARGE_ERRNOS
