"""A sweep's report: the sweep read back from the database alone, a chart per headline metric, the CLI's ways in."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cli_runner import run_cli
from cloudtwin.errors import ResultsError
from cloudtwin.report import sweep_charts
from cloudtwin.report.build import sweep_report_html
from cloudtwin.results import ResultsStore
from cloudtwin.sweeps import SweepOutcome, run_sweep
from cloudtwin.sweeps.sweep import stored_sweep

#: 2 policies x 2 sampling intervals x 2 replications of three hours of `small`: 8 short runs.
SPEC: dict[str, Any] = {
    "base": "small",
    "set": {"horizon.days": 0.125},
    "axes": {"placement.policy": ["first-fit", "best-fit"], "horizon.sample_every_minutes": [30, 60]},
    "replications": 2,
    "seed": 3,
}
METRICS = ["refused_fraction", "allocated_vcpu_fraction", "vms_lost"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SweepOutcome]:
    """The sweep's database and what `run_sweep` returned."""
    db = tmp_path_factory.mktemp("sweep-report") / "sweep.duckdb"
    return db, run_sweep(SPEC, db, jobs=2)


def test_stored_sweep_equals_the_sweep_run(swept: tuple[Path, SweepOutcome]) -> None:
    """Read back from the database alone: the same axes, runs, points and metrics as `run_sweep` returned."""
    db, outcome = swept
    with ResultsStore(db, read_only=True) as store:
        stored = stored_sweep(store, store.pick_sweep("latest"))
    assert stored.axes == outcome.axes == ("placement.policy", "horizon.sample_every_minutes")
    assert stored.runs == outcome.runs and stored.points == outcome.points
    assert stored.reused == len(outcome.runs) == 8  # nothing ran: every run was found stored
    assert dataclasses.replace(stored, reused=0) == outcome
    assert [list(p["point"]) for p in stored.points] == [list(outcome.axes)] * 4  # keys in the axes' order


def test_pick_sweep_refuses_in_one_line(swept: tuple[Path, SweepOutcome], tmp_path: Path) -> None:
    db, _ = swept
    with ResultsStore(db, read_only=True) as store:
        assert store.pick_sweep(1) == store.pick_sweep("1") == store.pick_sweep(None) == 1
        with pytest.raises(ResultsError, match=r"^no sweep 2 in `.*` \(it holds sweep 1\)$"):
            store.pick_sweep(2)
        with pytest.raises(ResultsError, match=r"^a sweep is a sweep number or 'latest' \(got 'first'\)$"):
            store.pick_sweep("first")
    empty = tmp_path / "empty.duckdb"
    ResultsStore(empty).close()
    with ResultsStore(empty, read_only=True) as store, pytest.raises(ResultsError, match="holds no sweep"):
        store.pick_sweep("latest")


def test_a_chart_per_metric_with_intervals(swept: tuple[Path, SweepOutcome]) -> None:
    """One chart per headline metric: x the first axis (policy names, as categories), a line per value of the
    second, each marker's error bar its interval; the brief and the table of points as HTML."""
    _, outcome = swept
    charts = sweep_charts.metric_charts(outcome)
    assert [section.title for section in charts] == METRICS
    fig = charts[1].figure
    assert fig is not None and fig.layout.xaxis.type == "category"
    assert [trace.name for trace in fig.data] == ["30", "60"]
    for trace in fig.data:
        assert list(trace.x) == ["first-fit", "best-fit"]
        assert all(up is not None and up >= 0 for up in trace.error_y.array)
    page = sweep_report_html(outcome, "sweep.duckdb")
    assert re.search(r'<body data-charts="(\d+)"', page).group(1) == str(len(METRICS))  # type: ignore[union-attr]
    for text in ("The sweep", "Each point", "placement.policy", "horizon.sample_every_minutes", "8 of 8 runs"):
        assert text in page


def test_cli_report_sweep_latest(
    swept: tuple[Path, SweepOutcome],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`report --sweep latest` writes `sweep-1.html` (the default name) in the current folder."""
    db, _ = swept
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "report", "--sweep", "latest", "--db", str(db))
    assert code == 0, err
    assert out.startswith("report: sweep-1.html (")
    assert 'data-charts="3"' in (tmp_path / "sweep-1.html").read_text(encoding="utf-8")


def test_cli_report_sweep_and_run_is_exit_2(
    swept: tuple[Path, SweepOutcome], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db, _ = swept
    code, out, err = run_cli(capsys, "report", "1", "--sweep", "latest", "--db", str(db), "-o", str(tmp_path / "x"))
    assert (code, out) == (2, "")
    assert err == "error: give a RUN_ID (1) or --sweep latest, not both\n"
    assert not (tmp_path / "x").exists()


def test_cli_sweep_report(swept: tuple[Path, SweepOutcome], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`sweep --report` writes the report once the sweep is done (here: every run already stored); a report that
    cannot be written is refused before anything runs."""
    db, outcome = swept
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")  # JSON is YAML
    code, out, err = run_cli(
        capsys, "sweep", str(spec), "--db", str(db), "--json", "--report", str(tmp_path / "s.html")
    )
    assert code == 0, err
    assert json.loads(out)["points"] == [dict(p) for p in outcome.points]
    assert err.strip().splitlines()[-1].startswith(f"report: {tmp_path / 's.html'} (")
    assert (tmp_path / "s.html").is_file()
    fresh = tmp_path / "fresh.duckdb"
    code, out, err = run_cli(
        capsys, "sweep", str(spec), "--db", str(fresh), "--report", str(tmp_path / "no" / "s.html")
    )
    assert (code, out) == (2, "")
    assert (
        err
        == f"error: cannot write the report `{tmp_path / 'no' / 's.html'}`: folder `{tmp_path / 'no'}` does not exist\n"
    )
    assert not fresh.exists()
