"""Draw docs/img/aws-2014-map.svg: the aws-2014 preset's world map, as a run's report draws it.

The figure is the report's own map section (`cloudtwin.report.run_charts.world_map`) for the preset's world,
no run needed: each circle a region at its metro coordinates, its area proportional to the region's servers,
the private fiber between regions as lines, on Natural Earth land. Plotly.js draws it in headless Chromium,
from the report's inlined assets (nothing is fetched), and exports it as SVG; it stops, writing nothing, if the
page fetched anything or logged an error, a region's label reaches outside the map's frame, or no land was drawn.

Run from the repo root: `python docs/make_map.py`. It needs the test extra's Playwright
(`pip install -e '.[test]'`) and a system Chromium on PATH (`apt-get install chromium` on Debian); Playwright's
own browsers are never downloaded.
"""

from __future__ import annotations

import base64
import re
import shutil
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

import numpy as np
import plotly.io as pio
import pyarrow as pa

from cloudtwin.report.assets import geo_assets_script, plotly_js
from cloudtwin.report.data import RunData, ZoneSeries
from cloudtwin.report.run_charts import world_map
from cloudtwin.scenario import load_preset
from cloudtwin.world import build_world
from cloudtwin.world.geo import region_distance_km, region_latency_ms
from cloudtwin.world.summary import world_summary

PRESET = "aws-2014"
WIDTH, HEIGHT = 1200, 600
OUT = Path(__file__).resolve().parent / "img" / f"{PRESET}-map.svg"
#: A number with more than one decimal, in a path's `d`: plotly writes 13, a tenth of a pixel is plenty.
LONG_DECIMAL = re.compile(r"(-?\d+\.\d)\d+")


def preset_data(preset: str) -> RunData:
    """What the map section reads, for a preset's world without a run: its world and fiber, no samples or rows."""
    scenario = load_preset(preset)
    world = build_world(scenario)
    empty = np.zeros((0, 0))
    return RunData(
        run={"run_id": 0, "status": "ok", "error": None},
        summary=None,
        scenario=scenario,
        world=world_summary(world),
        region_distance_km=region_distance_km(world),
        region_latency_ms=region_latency_ms(world, scenario.network),
        zones=ZoneSeries(np.zeros(0), [], [], empty, empty, empty, empty),
        failures=pa.table({"time_s": pa.array([], pa.float64())}),
        services=pa.table({"time_s": pa.array([], pa.float64())}),
        links=pa.table({"time_s": pa.array([], pa.float64())}),
        latency=pa.table({"time_s": pa.array([], pa.float64())}),
    )


def page_html(figure_json: str) -> str:
    """A page holding only the chart, with the report's inlined plotly.js and land outline."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<script>{geo_assets_script()}</script><script>{plotly_js()}</script></head>"
        f'<body style="margin:0"><div id="map" style="width:{WIDTH}px;height:{HEIGHT}px"></div><script>'
        f"const f = {figure_json};\n"
        f"window.drawn = Plotly.newPlot('map', f.data, Object.assign(f.layout || {{}}, "
        f"{{width: {WIDTH}, height: {HEIGHT}}}), {{staticPlot: true}});\n"
        "</script></body></html>\n"
    )


def smaller(svg: str) -> str:
    """`svg` with its paths' coordinates to a tenth of a pixel (the file shrinks by half, the picture does not
    change)."""
    return re.sub(r' d="([^"]*)"', lambda m: ' d="' + LONG_DECIMAL.sub(r"\1", m.group(1)) + '"', svg)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    sys.exit("make_map: no system Chromium on PATH (apt-get install chromium)")


#: In the drawn page: each region label that reaches outside the map's frame (the geo subplot's background).
LABELS_OUTSIDE_JS = """
() => {
  const frame = document.querySelector('#map .geolayer .layer.bg rect').getBoundingClientRect();
  return [...document.querySelectorAll('#map .geolayer .trace.scattergeo text')]
    .filter(t => { const r = t.getBoundingClientRect();
      return r.left < frame.left || r.right > frame.right || r.top < frame.top || r.bottom > frame.bottom; })
    .map(t => t.textContent);
}
"""


def draw(figure_json: str) -> tuple[str, list[str]]:
    """The figure drawn in headless Chromium, offline: its SVG, and the labels that reach outside the frame."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="make-map-") as folder, sync_playwright() as p:
        page_file = Path(folder) / "map.html"
        page_file.write_text(page_html(figure_json), encoding="utf-8")
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)

            def block(route: Any) -> None:
                if route.request.url.startswith("file:"):
                    route.continue_()
                else:
                    problems.append(f"fetched {route.request.url}")
                    route.abort()

            page.route("**/*", block)
            page.goto(page_file.as_uri(), wait_until="load")
            url = page.evaluate(
                "async () => { const gd = await window.drawn; "
                f"return Plotly.toImage(gd, {{format: 'svg', width: {WIDTH}, height: {HEIGHT}}}); }}"
            )
            problems += [f"label outside the frame: {name}" for name in page.evaluate(LABELS_OUTSIDE_JS)]
        finally:
            browser.close()
    head, _, body = url.partition(",")
    svg = base64.b64decode(body).decode("utf-8") if head.endswith(";base64") else urllib.parse.unquote(body)
    if 'class="layer land"' not in svg:
        problems.append("the SVG has no land outline")
    return svg, problems


def main() -> None:
    section = world_map(preset_data(PRESET))
    assert section is not None and section.figure is not None
    svg, problems = draw(pio.to_json(section.figure, validate=False, engine="json"))
    if problems:
        sys.exit("make_map: " + "; ".join(problems))
    svg = smaller(svg).rstrip("\n") + "\n"
    OUT.write_text(svg, encoding="utf-8")
    print(f"{OUT}: {len(svg):,} bytes")


if __name__ == "__main__":
    main()
