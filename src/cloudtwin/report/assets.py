"""What a report inlines so it works offline: plotly.js (from the plotly package) and the world's land outline.

plotly.js looks for a geo chart's outline in `window.PlotlyGeoAssets.topojson.world_110m` before fetching it
from its CDN (its `topojsonURL`), so setting that object first means a map needs no network at all.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def plotly_js() -> str:
    """The plotly.js bundle that the installed plotly package ships (a few MB, minified)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@cache
def world_topojson() -> str:
    """Natural Earth 1:110m land, coastlines and countries as TopoJSON text (see report/data/README.md)."""
    return files("cloudtwin.report").joinpath("data/world_110m.json").read_text(encoding="utf-8")


def geo_assets_script() -> str:
    """A script that hands plotly.js the world outline, so a map draws without fetching anything."""
    return (
        "window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};\n"
        f"window.PlotlyGeoAssets.topojson.world_110m = {world_topojson()};\n"
    )
