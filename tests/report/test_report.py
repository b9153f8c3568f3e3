"""A run's report: one self-contained file whose charts carry the run's own numbers, reached by every path.

The browser test (test_report_browser.py) checks that the page draws; these check what it holds.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import cloudtwin
from cli_runner import run_cli
from cloudtwin.errors import ResultsError
from cloudtwin.report.build import run_report_html, run_sections
from cloudtwin.report.data import read_run
from cloudtwin.report.run_charts import failures_timeline, label_positions, refusals, world_map
from cloudtwin.results import ResultsStore
from report.conftest import SCENARIO


@pytest.fixture(scope="module")
def data(report_db: Path):
    with ResultsStore(report_db, read_only=True) as store:
        return read_run(store, 1)


@pytest.fixture(scope="module")
def page(data) -> str:
    return run_report_html(data)


def _text(page: str) -> str:
    """The page's visible words: bold marks dropped, other tags a space, entities decoded, spaces collapsed."""
    page = re.sub(r"</?b>", "", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_page_fetches_nothing(page: str) -> None:
    """No script, style, image or frame is loaded from anywhere: plotly.js and the map's land are inline."""
    assert not re.search(r"<(script|img|iframe|link)[^>]*\s(src|href)=", page, flags=re.IGNORECASE)
    assert "window.PlotlyGeoAssets.topojson.world_110m = {" in page
    assert '"land":' in page  # the Natural Earth land layer the map draws


def test_every_chart_has_a_draw_call(page: str, data) -> None:
    """`data-charts` counts the charts, and each chart div is drawn once."""
    charts = int(re.search(r'data-charts="(\d+)"', page).group(1))
    assert charts == sum(1 for s in run_sections(data) if s.figure is not None)
    assert charts == page.count("Plotly.newPlot(") == len(re.findall(r'<div class="chart" id="chart-\d+">', page))
    for title in ("The world", "Allocated vCPUs per zone", "Refusals per zone", "Failures", "Services"):
        assert f"<h2>{title}</h2>" in page


def test_refusals_chart_adds_up_to_the_runs_refusals(data) -> None:
    """The per-zone refusal series sum to the run's `refused` (each request is counted in one interval)."""
    figure = refusals(data).figure
    assert sum(float(np.sum(trace.y)) for trace in figure.data) == data.summary["refused"] > 0


def test_failures_chart_shows_every_failure(data) -> None:
    """One mark per failure row, and as many as the summary counts by level (here 1 datacenter + servers)."""
    figure = failures_timeline(data).figure
    marks = {trace.name.split(" ")[0]: len(trace.x) for trace in figure.data}
    expected = {level: n for level, n in data.summary["failures"].items() if n}
    assert marks == expected
    assert expected["datacenter"] == 1  # the injected outage of east-a1


def test_map_circles_have_area_proportional_to_servers(data) -> None:
    """Marker diameter 10 + 40·sqrt(servers / largest): (d - 10)² is proportional to a region's servers."""
    regions = world_map(data).figure.data[-1]
    servers = {"east": 6 * 120, "west": 2 * 150}  # the scenario's datacenters
    area = {name: (size - 10.0) ** 2 for name, size in zip(regions.text, regions.marker.size, strict=True)}
    assert area["west"] / area["east"] == pytest.approx(servers["west"] / servers["east"])


def test_map_hover_gives_fiber_latency_from_the_great_circle(data) -> None:
    """East (Ashburn) to west (Boardman): great circle by the spherical law of cosines, × path stretch 1.5,
    at 200 km/ms in fiber (the network section's defaults)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (39.04, -77.49, 45.84, -119.70))
    central = math.acos(math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lon2 - lon1))
    one_way_ms = 6371.0088 * central * 1.5 / 200.0
    hover = world_map(data).figure.data[-1].hovertext[0]
    assert f"west {one_way_ms:.1f} ms" in hover


def test_labels_of_close_regions_do_not_share_a_place() -> None:
    """Three regions within a few degrees (us-west-1, us-west-2, us-gov-west-1 of aws-2014) get three places;
    a far-east region's label goes left, inside the frame."""
    lat = [37.34, 45.84, 45.60, -33.87]
    lon = [-121.89, -119.70, -121.18, 151.21]
    positions = label_positions(lat, lon)
    assert len(set(positions[:3])) == 3
    assert positions[3].endswith("left")


def test_headline_is_the_terminal_summarys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`run --report` writes the report, and its headline says what the terminal said, word for word."""
    (tmp_path / "lab.yaml").write_text(SCENARIO, encoding="utf-8")
    out = tmp_path / "lab.html"
    code, stdout, err = run_cli(
        capsys, "run", str(tmp_path / "lab.yaml"), "--db", str(tmp_path / "r.duckdb"), "--report", str(out)
    )
    assert code == 0, err
    assert f"report: {out}" in stdout
    text = _text(out.read_text(encoding="utf-8"))
    lines = [line.strip() for line in stdout.splitlines()[1:6] if line.strip()]
    assert len(lines) >= 4
    for line in lines:
        assert re.sub(r"\s+", " ", line) in text


def test_report_command_writes_run_n_html_by_default(
    report_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cloudtwin report` with no RUN_ID reports the latest finished run into run-N.html here."""
    monkeypatch.chdir(tmp_path)
    code, stdout, err = run_cli(capsys, "report", "--db", str(report_db))
    assert code == 0, err
    assert (tmp_path / "run-1.html").is_file() and "run-1.html" in stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "7"], "no run 7"),
        (["report", "seven"], "a run is a run number or 'latest'"),
        (["report", "1", "-o", "{tmp}"], "is a folder"),
        (["report", "1", "-o", "{tmp}/missing/r.html"], "does not exist"),
    ],
)
def test_bad_report_requests_are_one_line(
    report_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """A run that is not there, a bad RUN_ID, an output that is a folder or in no folder: one line, exit 2."""
    args = [a.format(tmp=tmp_path) for a in argv]
    code, _out, err = run_cli(capsys, *args, "--db", str(report_db))
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_run_refuses_an_unwritable_report_before_simulating(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`run --report` into a missing folder is refused at once: exit 2, and no run is stored."""
    db = tmp_path / "r.duckdb"
    code, _out, err = run_cli(
        capsys, "run", "--preset", "small", "--db", str(db), "--report", str(tmp_path / "no" / "r.html")
    )
    assert code == 2 and "does not exist" in err
    assert not db.exists()


def test_an_interrupted_run_is_reported_with_what_it_stored(tmp_path: Path) -> None:
    """A run that stopped has no summary: the report says so, and still draws its world."""
    db = tmp_path / "r.duckdb"
    with ResultsStore(db) as store:
        run_id = store.start_run("report-lab", SCENARIO, "0" * 64, 7, "test")
        store.fail_run(run_id, "interrupted", "interrupted by SIGTERM", 1.5)
    out = cloudtwin.write_report(db, run_id, tmp_path / "stopped.html")
    text = _text(out.read_text(encoding="utf-8"))
    assert "Run 1 is interrupted: interrupted by SIGTERM" in text
    assert "The world" in text and "2 regions, 5 zones, 8 datacenters, 1,020 servers" in text


def test_api_reports_a_kept_run_and_refuses_an_unkept_one(report_db: Path, tmp_path: Path) -> None:
    """`RunResult.write_report` needs the database the run is kept in."""
    kept = cloudtwin.open(report_db, 1)
    assert kept.write_report(tmp_path / "kept.html").stat().st_size > 1_000_000
    unkept = cloudtwin.run(cloudtwin.load("small", set={"horizon.days": 0.05}))
    with pytest.raises(ResultsError, match="not kept"):
        unkept.write_report(tmp_path / "x.html")


def test_figures_are_json_the_page_can_read(page: str) -> None:
    """Each draw call's figure is valid JSON with data and a layout (what plotly.js is handed)."""
    for match in re.finditer(r"Plotly\.newPlot\(\"chart-\d+\", \.\.\.unpack\((\{.*?\})\)\);\n?", page):
        figure = json.loads(match.group(1))
        assert figure["data"] and "layout" in figure
