"""The sections of a sweep's report, in page order: what was swept, a chart per headline metric, every point.

Each reads the sweep's `SweepOutcome` (as `cloudtwin.sweeps.sweep.stored_sweep` rebuilds it from the database).
A metric's chart puts the first axis on x (categories, such as policy names, as they come in the spec; numbers
on a numeric axis) and draws one line per value of the other axes; each marker is a point's mean over its
replications, its error bar the confidence interval of that mean.
"""

from __future__ import annotations

import html
import json
from typing import Any

import plotly.graph_objects as go
from plotly.colors import qualitative

from cloudtwin.report.sections import COLORS, Section, layout, sweep_section
from cloudtwin.sweeps.plan import points as grid_points
from cloudtwin.sweeps.sweep import CONFIDENCE, HEADLINE, SweepOutcome, stored_spec

#: Above this many points, the table of points is folded behind a click.
FOLD_ROWS = 24
#: One hue per line: the report's palette first, then plotly's.
SERIES = (COLORS["ink"], COLORS["accent"], COLORS["ok"], COLORS["bad"], COLORS["muted"], *qualitative.Plotly)
#: What each headline metric is, for its chart's axis and caption: (axis title, what to read, percent format).
METRICS: dict[str, tuple[str, str, str | None]] = {
    "refused_fraction": (
        "arrivals refused",
        "The share of VM arrivals refused for want of room; lower is better.",
        ".3~%",
    ),
    "allocated_vcpu_fraction": (
        "vCPUs allocated (mean)",
        "The mean share of the fleet's vCPUs allocated to VMs over the run: how full it ran.",
        ".3~%",
    ),
    "vms_lost": ("VMs lost", "Tenant VMs lost to failures (hit and never restarted); lower is better.", None),
}


def metric_names(outcome: SweepOutcome) -> list[str]:
    """The headline metrics the sweep's points have, in `HEADLINE` order, then each service's availability."""
    names = list(dict.fromkeys(name for point in outcome.points for name in point["metrics"]))
    return [name for name in HEADLINE if name in names] + [name for name in names if name not in HEADLINE]


def _describe(name: str) -> tuple[str, str, str | None]:
    if name in METRICS:
        return METRICS[name]
    if name.startswith("availability."):
        service = name.removeprefix("availability.")
        return (
            f"availability of {service}",
            f"The share of the run that service {service} had enough healthy replicas; higher is better.",
            ".4~%",
        )
    return name, f"The runs' `{name}`.", None


def _label(value: Any) -> str:
    """An axis value as text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _numeric(values: list[Any]) -> bool:
    """Whether an axis's values are all numbers (not booleans): a numeric x axis, else categories."""
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _figure(outcome: SweepOutcome, name: str) -> tuple[go.Figure, str]:
    """The chart of metric `name` against the axes, and the caption's sentence on how it is drawn."""
    title, _, percent = _describe(name)
    axis = outcome.axes[0] if outcome.axes else None
    others = outcome.axes[1:]
    xs = [p["point"].get(axis) for p in outcome.points] if axis is not None else []
    numeric = _numeric(xs)
    lines: dict[str, list[dict[str, Any]]] = {}
    for point in outcome.points:
        values = [_label(point["point"].get(key)) for key in others]  # named by the legend's title
        label = values[0] if len(others) == 1 else ", ".join(f"{k}={v}" for k, v in zip(others, values, strict=True))
        lines.setdefault(label, []).append(point)
    fig = go.Figure()
    for i, (label, members) in enumerate(lines.items()):
        if numeric:
            members = sorted(members, key=lambda p: p["point"][axis])
        x = [p["point"][axis] if numeric else _label(p["point"].get(axis)) for p in members] if axis else ["all runs"]
        figures = [p["metrics"].get(name) or {} for p in members]
        mean = [m.get("mean") for m in figures]
        high = [_gap(m.get("ci_high"), m.get("mean")) for m in figures]
        low = [_gap(m.get("mean"), m.get("ci_low")) for m in figures]
        fmt = f"%{{y:{percent}}}" if percent else "%{y:.6g}"
        ci = f"%{{customdata[0]:{percent or '.6g'}}} to %{{customdata[1]:{percent or '.6g'}}}"
        fig.add_trace(
            go.Scatter(
                x=x,
                y=mean,
                mode="lines+markers" if numeric else "markers",
                name=label or name,
                marker={"size": 9, "color": SERIES[i % len(SERIES)]},
                line={"width": 2, "color": SERIES[i % len(SERIES)]},
                error_y={"type": "data", "symmetric": False, "array": high, "arrayminus": low, "thickness": 1.5},
                customdata=[[m.get("ci_low"), m.get("ci_high"), m.get("n")] for m in figures],
                hovertemplate=(
                    "".join(f"{html.escape(k)} {html.escape(_label(members[0]['point'].get(k)))}<br>" for k in others)
                    + f"{html.escape(axis or '')} %{{x}}: mean {fmt}<br>{CONFIDENCE:.0%} CI {ci}"
                    + " (n %{customdata[2]})<extra></extra>"
                ),
            )
        )
    extra: dict[str, Any] = {
        "xaxis": {"title": {"text": axis or ""}, "type": "linear" if numeric else "category"},
        "yaxis": {"title": {"text": title}, "tickformat": percent or "", "rangemode": "tozero"},
        "showlegend": len(lines) > 1,
        "legend": {"orientation": "h", "y": 1.12, "x": 0, "title": {"text": ", ".join(others)}},
        "margin": {"l": 70, "r": 20, "t": 40, "b": 50},
    }
    if not numeric and len(lines) > 1:
        extra["scattermode"] = "group"  # the lines' markers side by side at each category, not on top of each other
    fig.update_layout(**layout(**extra))
    how = f"x is {axis}" if axis else "the sweep has no axes"
    if others:
        how += f"; one line per {', '.join(others)}"
    return fig, how


def _gap(upper: float | None, lower: float | None) -> float | None:
    """An error bar's length (None, no bar, without an interval)."""
    return None if upper is None or lower is None else max(0.0, upper - lower)


@sweep_section
def brief(outcome: SweepOutcome) -> Section:
    """What was swept: the runs stored of those planned, the axes and their values, the spec as given."""
    spec = stored_spec(outcome.spec_yaml)
    stored = len(outcome.runs)
    parts = [f"Sweep <b>{outcome.sweep_id}</b> (spec {html.escape(outcome.spec_hash[:12])})"]
    if spec is not None:
        planned = len(grid_points(spec)) * spec.replications
        parts.append(
            f" of <b>{html.escape(spec.base)}</b>: {stored:,} of {planned:,} runs stored"
            f" ({len(outcome.points)} point(s) with runs, {spec.replications} replication(s) each, seed {spec.seed})"
        )
        if stored < planned:
            parts.append(
                "; the sweep stopped before its end: run the same <code>cloudtwin sweep</code> again to finish it"
            )
    else:
        parts.append(f": {stored:,} runs stored over {len(outcome.points)} point(s)")
    items = ["".join(parts) + "."]
    items.append(
        f"Each figure is a point's mean over its replications with its {CONFIDENCE:.0%} confidence interval"
        " (Student-t; none from a single run). Replication r has the same seed at every point (common random"
        " numbers), so points differ by their axis values, not by their luck."
    )
    rows = []
    for axis in outcome.axes:
        shown = spec.axes.get(axis) if spec is not None else None
        shown = shown or list(dict.fromkeys(_label(p["point"].get(axis)) for p in outcome.points))
        rows.append(f"<tr><td>{html.escape(axis)}</td><td>{html.escape(', '.join(map(_label, shown)))}</td></tr>")
    axes = (
        '<table class="figures left"><thead><tr><th>axis</th><th>values</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>No axes: every run is a replication of the base scenario.</p>"
    )
    text = outcome.spec_yaml.strip() or "(not stored)"
    body = (
        f'<ul class="headline">{"".join(f"<li>{item}</li>" for item in items)}</ul>{axes}'
        f"<details><summary>the spec as given</summary><pre>{html.escape(text)}</pre></details>"
    )
    return Section("The sweep", "What was swept, over which values, and how many runs are stored.", html=body)


@sweep_section
def metric_charts(outcome: SweepOutcome) -> list[Section]:
    """A chart per headline metric: its mean and confidence interval at each point, against the axes."""
    sections = []
    for name in metric_names(outcome):
        fig, how = _figure(outcome, name)
        _, what, _ = _describe(name)
        caption = (
            f"{what} Markers are means over the replications, bars their {CONFIDENCE:.0%} confidence intervals; {how}."
        )
        sections.append(Section(name, caption, figure=fig))
    return sections


@sweep_section
def point_table(outcome: SweepOutcome) -> Section | None:
    """Every point: its axis values, its runs, and each metric's mean and interval, as `cloudtwin sweep` prints."""
    if not outcome.points:
        return None
    names = metric_names(outcome)
    left = ' style="text-align: left"'
    head = "".join(f"<th{left}>{html.escape(a)}</th>" for a in outcome.axes) + "<th>runs</th>"
    head += "".join(f"<th>{html.escape(name)}</th>" for name in names)
    rows = []
    for point in outcome.points:
        cells = "".join(f"<td{left}>{html.escape(_label(point['point'].get(a)))}</td>" for a in outcome.axes)
        n = max((m["n"] for m in point["metrics"].values()), default=0)
        cells += f"<td>{n}</td>"
        for name in names:
            m = point["metrics"].get(name)
            cells += f"<td>{html.escape(_cell(m))}</td>"
        rows.append(f"<tr>{cells}</tr>")
    table = f'<table class="figures"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    if len(rows) > FOLD_ROWS:
        table = f"<details><summary>each point ({len(rows)} rows)</summary>{table}</details>"
    return Section(
        "Each point",
        f"Each metric's mean over the point's replications and, in brackets, its {CONFIDENCE:.0%} confidence interval.",
        html=f'<div style="overflow-x: auto">{table}</div>',
    )


def _cell(m: dict[str, Any] | None) -> str:
    """A metric at a point: `mean [low, high]`, or the mean alone without an interval."""
    if not m or m.get("mean") is None:
        return "-"
    if m.get("ci_low") is None:
        return f"{m['mean']:.6g}"
    return f"{m['mean']:.6g} [{m['ci_low']:.6g}, {m['ci_high']:.6g}]"
