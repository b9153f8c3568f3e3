"""A report as one self-contained HTML file: plotly.js and the map's outline inlined, nothing fetched.

Each section becomes a titled block with its caption; a chart is a `<div class="chart">` drawn by one
`Plotly.newPlot` call from its JSON. The body's `data-charts` attribute says how many charts the page holds,
so a browser test can check that each one drew.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

import plotly.io as pio

from cloudtwin.report.assets import geo_assets_script, plotly_js
from cloudtwin.report.sections import Section

#: Plotly's per-chart options: no logo, no link to its cloud editor, PNG export at twice the size.
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"scale": 2}}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d3557; margin: 0; background: #f4f6f9; }
header { background: #0b1f33; color: #e8eef5; padding: 18px 32px; }
header h1 { margin: 0 0 4px 0; font-size: 22px; }
header p { margin: 0; color: #aab8c8; }
main { max-width: 1180px; margin: 0 auto; padding: 12px 24px 40px; }
section { background: white; border-radius: 8px; padding: 14px 18px; margin: 16px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section h2 { font-size: 17px; margin: 0 0 2px 0; }
p.caption { margin: 0 0 8px 0; color: #52606d; font-size: 14px; }
ul.headline { font-size: 15px; line-height: 1.6; }
table.figures { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
table.figures th, table.figures td { padding: 3px 12px; text-align: right; border-bottom: 1px solid #eef1f4; }
table.figures th:first-child, table.figures td:first-child { text-align: left; }
table.figures.left td, table.figures.left th { text-align: left; }
table.figures tr.region td { background: #f7f9fb; }
footer { color: #7b8794; font-size: 12px; text-align: center; padding: 12px; }
"""


def render(title: str, subtitle: str, sections: Sequence[Section], footer: str) -> str:
    """The whole page: head (style, plotly.js, map outline), one block per section, the charts' draw calls."""
    blocks, draws = [], []
    for i, section in enumerate(sections):
        body = section.html
        if section.figure is not None:
            div = f"chart-{i}"
            body = f'<div class="chart" id="{div}"></div>'
            figure_json = pio.to_json(section.figure, validate=False, engine="json")
            draws.append(f"Plotly.newPlot({json.dumps(div)}, ...unpack({figure_json}));")
        blocks.append(
            f'<section id="section-{i}"><h2>{html.escape(section.title)}</h2>'
            f'<p class="caption">{html.escape(section.caption)}</p>{body}</section>'
        )
    charts = sum(1 for s in sections if s.figure is not None)
    script = (
        "function unpack(f) { return [f.data, f.layout || {}, " + json.dumps(PLOT_CONFIG) + "]; }\n" + "\n".join(draws)
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script>{geo_assets_script()}</script>"
        f'<script type="text/javascript">{plotly_js()}</script></head>'
        f'<body data-charts="{charts}"><header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header>'
        f"<main>{''.join(blocks)}</main><footer>{html.escape(footer)}</footer>"
        f"<script>{script}</script></body></html>\n"
    )
