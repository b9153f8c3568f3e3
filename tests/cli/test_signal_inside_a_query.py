"""A signal that lands while DuckDB runs a query: DuckDB turns the exception the handler raised into its own
("Query interrupted"), yet the run is marked 'interrupted' and the command says so, with the signal's exit code."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudtwin.cli import main as cli
from cloudtwin.errors import Interrupted, ResultsError
from cloudtwin.results import ResultsStore, run_guard


@pytest.fixture
def received() -> Iterator[Interrupted]:
    """SIGTERM as the handler records it; forgotten afterwards."""
    Interrupted.received = Interrupted(signal.SIGTERM, "SIGTERM")
    yield Interrupted.received
    Interrupted.received = None


def test_run_guard_marks_a_swallowed_signal_interrupted(tmp_path: Path, received: Interrupted) -> None:
    with ResultsStore(tmp_path / "r.duckdb") as store:
        run_id = store.start_run("s", "name: s\n", "h", 1, "0")
        with pytest.raises(RuntimeError), run_guard(store, run_id):
            raise RuntimeError("Query interrupted")
        run = store.get_run(run_id)
    assert (run["status"], run["error"]) == ("interrupted", "Interrupted: SIGTERM")


def test_main_reports_a_swallowed_signal_as_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def app(args: list[str] | None = None) -> None:
        Interrupted.received = Interrupted(signal.SIGTERM, "SIGTERM")
        error = ResultsError("cannot append metrics in `x.duckdb`: Query interrupted")
        error.add_note("run 1 marked interrupted in `x.duckdb`, its results so far kept")
        raise error

    monkeypatch.setattr(cli, "app", app)
    with pytest.raises(SystemExit) as exited:
        cli.main([])
    Interrupted.received = None
    assert exited.value.code == 128 + signal.SIGTERM
    assert capsys.readouterr().err.strip() == (
        "interrupted by SIGTERM: run 1 marked interrupted in `x.duckdb`, its results so far kept"
    )
