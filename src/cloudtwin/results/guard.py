"""A run's guard: whatever stops a run (an error, Ctrl-C, a signal) leaves its row with a true status."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from cloudtwin.errors import Interrupted
from cloudtwin.results.store import ResultsStore


@contextmanager
def run_guard(store: ResultsStore, run_id: int) -> Iterator[None]:
    """Mark run `run_id` 'failed' (exception) or 'interrupted' (Ctrl-C, exit) if the block raises; re-raise.

    Only a run still 'running' is marked, so an error after `finish_run` leaves it 'ok'. If the
    mark itself cannot be written the original exception still propagates, with a note saying so.
    """
    started = time.perf_counter()
    try:
        yield
    except BaseException as error:
        signalled = Interrupted.received  # the signal, even where DuckDB turned it into "Query interrupted"
        status = "failed" if isinstance(error, Exception) and signalled is None else "interrupted"
        cause = signalled if isinstance(error, Exception) and signalled is not None else error
        text = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
        try:
            if store.run_status(run_id) == "running":
                store.fail_run(run_id, status, text, time.perf_counter() - started)
                if status == "interrupted":
                    error.add_note(f"run {run_id} marked interrupted in `{store.path}`, its results so far kept")
        except Exception as mark_error:  # never mask the run's own error
            error.add_note(f"cloudtwin could not mark run {run_id} as {status} in `{store.path}`: {mark_error}")
        raise
