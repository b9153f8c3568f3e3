"""The report in a real browser: headless Chromium (the system's, never one Playwright downloads) opens the page
with every request off the local file refused, and every chart must draw (the map with its land outline, from
the inlined topojson) with no console error and no request made. A full-page screenshot is left in
`artifacts/report.png` (git-ignored) to look at.

Skipped where Playwright or a system Chromium is missing (`apt-get install chromium` on Debian; CI installs it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import cloudtwin
from cloudtwin.report.build import run_sections, write_run_report
from cloudtwin.report.data import read_run
from cloudtwin.results import ResultsStore

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is in the test extra: pip install -e '.[test]'"
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

#: Each chart's state, as the page sees it: how many plotly SVG layers it has, its traces, the marks they drew
#: (SVG paths with geometry, bar and marker points, heatmap images), the pixels its WebGL canvas painted, and
#: for a map its land outline (the `d` of the path in plotly's `.layer.land`) and its region markers.
CHART_STATE_JS = """
() => [...document.querySelectorAll('.chart')].map(gd => {
  const marks = [...gd.querySelectorAll('.trace path, .trace .point, .hm image')]
    .filter(e => e.tagName !== 'path' || (e.getAttribute('d') || '').length > 4).length;
  let glPixels = 0;
  for (const c of gd.querySelectorAll('canvas.gl-canvas-context')) {
    if (!c.width || !c.height) continue;
    const k = document.createElement('canvas');
    k.width = c.width; k.height = c.height;
    const ctx = k.getContext('2d');
    ctx.drawImage(c, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) glPixels++;
  }
  const land = gd.querySelector('.geolayer .layer.land path');
  const data = gd._fullData || [];
  return {
    id: gd.id,
    plotly: gd.classList.contains('js-plotly-plot'),
    mainSvgs: gd.querySelectorAll('svg.main-svg').length,
    types: data.map(t => t.type),
    gl: data.some(t => t.type.endsWith('gl')),
    traceGroups: gd.querySelectorAll('.trace, .hm').length,
    marks: marks,
    glPixels: glPixels,
    geo: gd.querySelectorAll('.geolayer g.geo').length,
    landPath: land ? (land.getAttribute('d') || '').length : 0,
    regionPoints: gd.querySelectorAll('.geolayer .trace.scattergeo .point').length,
  };
})
"""

#: True once every chart has drawn what the checks look for (so a check failing is a real failure, not a race).
ALL_DRAWN_JS = f"""
() => {{
  const want = Number(document.body.dataset.charts);
  const charts = ({CHART_STATE_JS})();
  return charts.length === want && charts.every(c => c.plotly && c.mainSvgs > 0 && (c.gl ? c.glPixels > 0 : c.marks > 0)
    && (c.geo === 0 || c.landPath > 0));
}}
"""


@dataclass
class Visit:
    """What a page did while it loaded: its charts' state, the requests refused, the errors it logged."""

    charts: list[dict[str, Any]]
    declared: int  # the body's data-charts
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # plotly's own notifications (e.g. "WebGL is not supported")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.skip("no system Chromium on PATH (apt-get install chromium); Playwright's own browsers are never fetched")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless system Chromium. No sandbox: CI runs as root. SwiftShader: the failures chart is WebGL and CI
    has no GPU."""
    executable = _chromium()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--enable-unsafe-swiftshader"])
        try:
            yield chromium
        finally:
            chromium.close()


def visit(browser: Any, page_file: Path, screenshot: Path | None = None) -> Visit:
    """Open `page_file` offline (every request but the file itself refused and counted), wait for its charts."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    try:
        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda q: None if q.url.startswith(("file:", "data:", "blob:")) else blocked.append(q.url))
        page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.goto(page_file.as_uri(), wait_until="load")
        try:
            page.wait_for_function(ALL_DRAWN_JS, polling=100, timeout=10_000)
        except sync_api.TimeoutError:
            pass  # the checks below say what did not draw
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        return Visit(
            charts=page.evaluate(CHART_STATE_JS),
            declared=int(page.evaluate("document.body.dataset.charts")),
            blocked=sorted(set(blocked)),
            errors=errors,
            notes=page.evaluate(
                "[...document.querySelectorAll('.plotly-notifier .notifier-note')].map(n => n.innerText)"
            ),
        )
    finally:
        context.close()


def check_drawn(v: Visit, at_least: int) -> None:
    """Every chart of the page drew, the map with its land outline; nothing fetched, nothing logged as an error."""
    assert v.blocked == [], f"the report fetched: {v.blocked}"
    assert v.errors == [], v.errors
    assert v.notes == [], f"plotly notified: {v.notes}"
    assert v.declared >= at_least, f"the page declares {v.declared} charts, expected at least {at_least}"
    assert len(v.charts) == v.declared and all(c["plotly"] for c in v.charts), v.charts
    for c in v.charts:
        assert c["mainSvgs"] >= 1 and c["types"], f"{c['id']} was not drawn: {c}"
        if c["gl"]:
            assert c["glPixels"] > 0, f"{c['id']} (WebGL) painted nothing: {c}"
        else:
            assert c["traceGroups"] >= 1 and c["marks"] >= 1, f"{c['id']} drew no marks: {c}"
    maps = [c for c in v.charts if c["geo"]]
    assert len(maps) == 1, f"expected one map: {v.charts}"
    # the inlined outline: Natural Earth 110m land is a path of a hundred thousand characters or so
    assert maps[0]["landPath"] > 10_000, f"the map drew no land outline: {maps[0]}"


def test_report_draws_every_chart_offline(report_db: Path, tmp_path: Path, browser: Any) -> None:
    """Run 1 (failures, services): map, allocated vCPUs, refusals, failures, VM fates, services all draw."""
    page_file = write_run_report(report_db, 1, tmp_path / "report.html")
    v = visit(browser, page_file, screenshot=ARTIFACTS / "report.png")
    check_drawn(v, at_least=6)
    with ResultsStore(report_db, read_only=True) as store:
        expected = sum(1 for section in run_sections(read_run(store, 1)) if section.figure is not None)
    assert v.declared == expected  # every chart the report's sections made
    (the_map,) = [c for c in v.charts if c["geo"]]
    assert the_map["regionPoints"] == 2  # east and west
    assert "scattergl" in {t for c in v.charts for t in c["types"]}  # the failures chart (WebGL) is among them
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


@pytest.fixture(scope="module")
def interrupted_db(report_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's scenario again, stopped (a Ctrl-C) after its first chunk was stored: an 'interrupted' run."""
    with ResultsStore(report_db, read_only=True) as store:
        text = store.get_run(1)["scenario_yaml"]
    folder = tmp_path_factory.mktemp("interrupted")
    (folder / "lab.yaml").write_text(yaml.safe_dump(yaml.safe_load(text), sort_keys=False), encoding="utf-8")
    db = folder / "runs.duckdb"

    def stop(simulated_s: float, events: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cloudtwin.run(cloudtwin.load(folder / "lab.yaml"), db=db, progress=stop)
    with ResultsStore(db, read_only=True) as store:
        assert store.run_status(1) == "interrupted"
    return db


def test_report_of_an_interrupted_run_draws(interrupted_db: Path, tmp_path: Path, browser: Any) -> None:
    """A run stopped early has no summary (no VM fates chart); what it stored draws all the same."""
    page_file = write_run_report(interrupted_db, 1, tmp_path / "report.html")
    assert "did not finish" in page_file.read_text(encoding="utf-8")
    v = visit(browser, page_file)
    check_drawn(v, at_least=5)
