"""The sections of a run's report, one small function each, in page order.

Each reads the stored run (`RunData`) and returns a `Section`, or None when the run has nothing of that kind.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from rich.text import Text

from cloudtwin.report.data import RunData
from cloudtwin.report.headline import ZoneLine, headline_lines, place_rows
from cloudtwin.report.sections import COLORS, Section, layout, run_section, time_axis
from cloudtwin.scenario.model import ExponentialLifetime, LognormalLifetime, TraceArrivals, Workload

#: Above this many zones, per-zone series are a heatmap (one row a zone) rather than one line each.
MAX_LINES = 8
#: Failure levels from smallest to largest: the rows of the failures timeline, bottom to top.
LEVELS = ("server", "rack", "datacenter", "zone", "region")


@run_section
def headline(data: RunData) -> Section:
    """The figures a person wants first (the terminal summary's own lines) and the region/zone table."""
    s = data.summary
    if s is None:
        run = data.run
        text = f"Run {data.run_id} is <b>{html.escape(str(run['status']))}</b>"
        if run.get("error"):
            text += f": {html.escape(str(run['error']))}"
        body = f"<p>{text}. The charts below show what it stored until it stopped.</p>"
        return Section("Headline", "This run did not finish, so it has no totals.", html=body)
    items = "".join(f"<li>{_markup_html(line)}</li>" for line in headline_lines(s))
    rows = []
    for row in place_rows(_zone_lines(data)):
        label = f"<b>{html.escape(row.label)}</b>" if row.is_region else f"&nbsp;&nbsp;{html.escape(row.label)}"
        cls = ' class="region"' if row.is_region else ""
        rows.append(
            f"<tr{cls}><td>{label}</td><td>{row.servers:,}</td><td>{row.arrivals:,}</td>"
            f"<td>{html.escape(row.refused)}</td><td>{html.escape(row.vcpus_used)}</td></tr>"
        )
    table = (
        '<table class="figures"><thead><tr><th>region / zone</th><th>servers</th><th>arrivals</th>'
        f"<th>refused</th><th>vCPUs used (mean)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return Section(
        "Headline",
        "Refusals, failures and what became of the VMs they hit, each service's availability; then each region "
        "and its zones.",
        html=f'<ul class="headline">{items}</ul>' + _folded(table, len(rows)),
    )


def _folded(table: str, rows: int) -> str:
    """A long table behind a click (a short one shown as it is)."""
    if rows <= 12:
        return table
    return f"<details><summary>each region and zone ({rows} rows)</summary>{table}</details>"


def _markup_html(line: str) -> str:
    """A headline line's rich markup as HTML (bold spans), its text escaped."""
    text = Text.from_markup(line)
    out, last = [], 0
    for span in sorted(text.spans, key=lambda sp: sp.start):
        out.append(html.escape(text.plain[last : span.start]))
        out.append(f"<b>{html.escape(text.plain[span.start : span.end])}</b>")
        last = span.end
    out.append(html.escape(text.plain[last:]))
    return "".join(out)


def _zone_lines(data: RunData) -> list[ZoneLine]:
    """Each zone's totals over the run: from the summary's per-zone use and the stored samples."""
    assert data.summary is not None
    per_zone = data.summary["allocated_vcpu_fraction"]["per_zone"]
    servers = {z["name"]: int(z["servers"]) for r in data.world["regions"] for z in r["zones"]}
    z = data.zones
    return [
        ZoneLine(region, zone, servers[zone], int(z.arrivals[i].sum()), int(z.refusals[i].sum()), per_zone[zone])
        for i, (zone, region) in enumerate(zip(z.zones, z.regions, strict=True))
    ]


@run_section
def world_map(data: RunData) -> Section:
    """The regions at their coordinates sized by servers, the fiber between them; zones and datacenters on hover."""
    regions = data.world["regions"]
    lat = [r["location"]["lat"] for r in regions]
    lon = [r["location"]["lon"] for r in regions]
    servers = np.array([r["servers"] for r in regions], dtype=np.float64)
    fig = go.Figure()
    n = len(regions)
    line_lat: list[float | None] = []
    line_lon: list[float | None] = []
    for a in range(n):
        for b in range(a + 1, n):
            line_lat += [lat[a], lat[b], None]
            line_lon += [lon[a], lon[b], None]
    if line_lat:
        fig.add_trace(
            go.Scattergeo(
                lat=line_lat,
                lon=line_lon,
                mode="lines",
                line={"width": 1, "color": COLORS["accent"]},
                opacity=0.25,
                hoverinfo="skip",
                name="private fiber",
            )
        )
    hover = [_region_hover(data, i) for i in range(n)]
    size = 10.0 + 40.0 * np.sqrt(servers / servers.max()) if n and servers.max() > 0 else [12.0] * n
    fig.add_trace(
        go.Scattergeo(
            lat=lat,
            lon=lon,
            mode="markers+text",
            text=[r["name"] for r in regions],
            textposition=label_positions(lat, lon),
            textfont={"size": 11, "color": COLORS["ink"]},
            marker={"size": size, "color": COLORS["accent"], "opacity": 0.7, "line": {"width": 1, "color": "#b5761a"}},
            hovertext=hover,
            hoverinfo="text",
            name="regions",
        )
    )
    totals = data.world["totals"]
    fig.update_geos(
        projection_type="natural earth",
        showland=True,
        landcolor="#e9edf2",
        showcountries=True,
        countrycolor="#c9d1db",
        showocean=True,
        oceancolor="#f7f9fb",
        coastlinecolor="#aab4c0",
        showframe=False,
        resolution=110,
        projection_rotation_lon=10.0,
        lonaxis_range=[-170.0, 190.0],
        lataxis_range=[-56.0, 75.0],
    )
    fig.update_layout(**layout(height=480, margin={"l": 0, "r": 0, "t": 10, "b": 0}, showlegend=False))
    return Section(
        "The world",
        f"{totals['regions']} regions, {totals['zones']} zones, {totals['datacenters']} datacenters, "
        f"{totals['servers']:,} servers. A circle's area is its region's servers; lines are the private fiber "
        "between regions. Hover a region for its zones, datacenters and fiber latency to the others.",
        figure=fig,
    )


def _region_hover(data: RunData, i: int) -> str:
    """A region's zones and datacenters, and its nearest regions by fiber latency, as hover text."""
    region = data.world["regions"][i]
    lines = [f"<b>{html.escape(region['name'])}</b>: {region['servers']:,} servers, {region['vcpus']:,} vCPUs"]
    for zone in region["zones"]:
        dcs = ", ".join(f"{html.escape(d['name'])} ({d['servers']:,})" for d in zone["datacenters"])
        lines.append(f"{html.escape(zone['name'])}: {dcs}")
    names = [r["name"] for r in data.world["regions"]]
    nearest = [j for j in np.argsort(data.region_latency_ms[i]) if j != i][:3]
    if nearest:
        lines.append(
            "fiber one way: "
            + ", ".join(f"{html.escape(names[j])} {data.region_latency_ms[i, j]:.1f} ms" for j in nearest)
        )
    return "<br>".join(lines)


def label_positions(lat: list[float], lon: list[float]) -> list[str]:
    """Where each region's label goes: to the right, or the left in the far east (so it stays inside the frame);
    among regions close together, the northernmost's above, the southernmost's below, the others' on the other
    side, so neighbours' labels do not overlap."""
    positions = []
    for i in range(len(lat)):
        side = "left" if lon[i] > 100.0 else "right"
        close = [j for j in range(len(lat)) if j != i and abs(lat[j] - lat[i]) < 9 and abs(lon[j] - lon[i]) < 25]
        vertical = "middle"
        if close:
            if all(lat[i] >= lat[j] for j in close):
                vertical = "top"
            elif all(lat[i] <= lat[j] for j in close):
                vertical = "bottom"
            else:
                side = "right" if side == "left" else "left"
        positions.append(f"{vertical} {side}")
    return positions


@run_section
def scenario_brief(data: RunData) -> Section:
    """What ran: horizon, placement, failures, services, and a row per workload."""
    sc = data.scenario
    items = [
        f"<b>{html.escape(sc.name)}</b>" + (f": {html.escape(sc.description)}" if sc.description else ""),
        f"seed {sc.seed}; {sc.horizon.days:g} simulated days from a {sc.horizon.start} start, sampled every "
        f"{sc.horizon.sample_every_minutes:g} min; placement {html.escape(sc.placement.policy)}",
        "failures: "
        + ("none modelled" if sc.failures is None else "the cited defaults" if sc.failures == "default" else "as set"),
    ]
    for v in sc.services:
        items.append(
            f"service {html.escape(v.name)}: {v.replicas} × {html.escape(v.instance_type)}, spread over "
            f"{html.escape(v.spread)}, healthy with at least {v.healthy_when.at_least}"
        )
    run = data.run
    items.append(
        f"run {data.run_id}: {html.escape(str(run['status']))}, started {run['started']:%Y-%m-%d %H:%M} UTC, "
        f"cloudtwin {html.escape(str(run['cloudtwin_version']))}"
        + (f", {run['wall_s']:.1f} s wall" if run.get("wall_s") is not None else "")
    )
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in workload_cells(w)) + "</tr>" for w in sc.workload
    )
    table = (
        '<table class="figures left"><thead><tr><th>workload</th><th>arrivals</th><th>lifetime</th>'
        f"<th>instance types</th><th>where</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else ""
    )
    body = "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>" + table
    return Section("The scenario", "What was simulated, and by which run.", html=body)


def workload_cells(w: Workload) -> tuple[str, str, str, str, str]:
    """A workload in five short cells: name, arrivals, lifetime, instance types, where it lands."""
    a = w.arrivals
    if isinstance(a, TraceArrivals):
        arrivals = f"trace {Path(a.trace).name} ({a.format})"
    else:
        arrivals = f"Poisson {a.per_hour:,.0f}/h"
        if a.diurnal is not None:
            arrivals += f", diurnal ±{100 * a.diurnal.amplitude:.0f} % peaking {a.diurnal.peak_hour:g}h"
        if a.growth_per_year:
            arrivals += f", {100 * a.growth_per_year:+.0f} %/yr"
    life = w.lifetime
    if life is None:
        lifetime = "from the trace"
    elif isinstance(life, ExponentialLifetime):
        lifetime = f"exponential, mean {life.mean_hours:g} h"
    elif isinstance(life, LognormalLifetime):
        lifetime = f"lognormal, median {life.median_hours:g} h, σ {life.sigma:g}"
    else:
        lifetime = f"empirical ({life.source})"
    if w.instances is None:
        types = "from the trace"
    else:
        top = sorted(w.instances.items(), key=lambda kv: -kv[1])
        total = sum(w.instances.values())
        types = ", ".join(f"{name} {100 * share / total:.0f} %" for name, share in top[:3])
        if len(top) > 3:
            types += f" + {len(top) - 3} more"
    where = w.zones if w.zones is not None else w.regions
    places = "every zone" if where is None else ", ".join(where)
    return w.name, arrivals, lifetime, types, places


@run_section
def allocated_vcpus(data: RunData) -> Section | None:
    """Allocated vCPUs as a share of each zone's capacity, tick by tick."""
    z = data.zones
    if not z.zones or z.time_s.size == 0:
        return None
    share = 100.0 * z.allocated_vcpus / np.maximum(z.capacity_vcpus, 1.0)
    fig = _per_zone(data, share, "allocated vCPUs (%)", "%{z:.1f} %", colorscale="Blues", zmin=float(share.min()))
    return Section(
        "Allocated vCPUs per zone",
        "How full each zone was: allocated vCPUs as a share of its capacity (down servers included) at each "
        "sample"
        + (" (the shades span the lowest to the highest value seen)" if len(data.zones.zones) > MAX_LINES else "")
        + ". Waves are the workloads' daily cycles in each region's local time; a drop is a failure's evicted VMs "
        "until they restart.",
        figure=fig,
    )


@run_section
def refusals(data: RunData) -> Section | None:
    """Requests refused per zone and interval."""
    z = data.zones
    if not z.zones or z.time_s.size == 0:
        return None
    total = int(z.refusals.sum())
    fig = _per_zone(data, z.refusals.astype(np.float64), "refused requests", "%{z:,.0f}", colorscale="Reds", zmin=0.0)
    caption = (
        f"{total:,} requests refused in all: a zone refuses when no server has room. Where and when demand "
        "outran capacity shows here."
        if total
        else "No request was refused: every zone always had room."
    )
    return Section("Refusals per zone", caption, figure=fig)


def _per_zone(
    data: RunData, values: np.ndarray, label: str, fmt: str, colorscale: str, zmin: float, zmax: float | None = None
) -> go.Figure:
    """zones × ticks `values` as one line per zone, or a heatmap (a row per zone) when there are many zones."""
    z = data.zones
    unit_s, axis = time_axis(data.horizon_s)
    t = z.time_s / unit_s
    fig = go.Figure()
    if len(z.zones) <= MAX_LINES:
        for i, name in enumerate(z.zones):
            fig.add_trace(
                go.Scatter(x=t, y=values[i], mode="lines", name=name, hovertemplate=f"{name}: {fmt.replace('z', 'y')}")
            )
        fig.update_layout(**layout(xaxis_title=axis, yaxis_title=label, hovermode="x unified"))
        return fig
    fig.add_trace(
        go.Heatmap(
            x=t,
            y=z.zones,
            z=values,
            colorscale=colorscale,
            zmin=zmin,
            zmax=zmax if zmax is not None else max(float(values.max()), 1.0),
            colorbar={"title": {"text": label, "side": "right"}},
            hovertemplate=f"%{{y}} at %{{x:.1f}}: {fmt}<extra></extra>",
        )
    )
    height = max(360, 60 + 16 * len(z.zones))
    fig.update_layout(**layout(height=height, xaxis_title=axis, margin={"l": 130, "r": 20, "t": 30, "b": 50}))
    fig.update_yaxes(autorange="reversed", dtick=1)
    return fig


@run_section
def failures_timeline(data: RunData) -> Section | None:
    """Each failure at its time and level, sized by the VMs it hit; hover for the target and its outage."""
    f = data.failures
    if f.num_rows == 0:
        return None
    unit_s, axis = time_axis(data.horizon_s)
    time_s = f.column("time_s").to_numpy(zero_copy_only=False)
    level = f.column("level").to_pylist()
    target = f.column("target").to_pylist()
    down_h = f.column("duration_s").to_numpy(zero_copy_only=False) / 3600.0
    hit = f.column("vms_affected").to_numpy(zero_copy_only=False)
    fig = go.Figure()
    for name in LEVELS:
        idx = [i for i, lv in enumerate(level) if lv == name]
        if not idx:
            continue
        fig.add_trace(
            go.Scattergl(
                x=time_s[idx] / unit_s,
                y=[name] * len(idx),
                mode="markers",
                name=f"{name} ({len(idx):,})",
                marker={"size": 5.0 + 1.5 * np.sqrt(hit[idx]).clip(0, 16), "opacity": 0.5},
                customdata=np.column_stack([np.array(target, dtype=object)[idx], down_h[idx], hit[idx]]),
                hovertemplate="%{customdata[0]}<br>down %{customdata[1]:.1f} h, %{customdata[2]:,} VMs hit<extra></extra>",
            )
        )
    fig.update_layout(**layout(xaxis_title=axis, yaxis_title="failed part"))
    fig.update_yaxes(categoryorder="array", categoryarray=list(LEVELS))
    return Section(
        "Failures",
        f"{f.num_rows:,} failures, each at the time it struck and the level of the part that failed; a larger mark "
        f"hit more VMs ({int(hit.sum()):,} VM hits in all, service replicas included).",
        figure=fig,
    )


@run_section
def vm_fates(data: RunData) -> Section | None:
    """What became of the tenant VMs that failures interrupted: restarted in their zone, lost, still waiting."""
    s = data.summary
    if s is None or not s["vms_interrupted"]:
        return None
    names = ["interrupted", "restarted", "lost", "waiting at the end"]
    values = [s["vms_interrupted"], s["vms_restarted"], s["vms_lost"], s["vms_waiting"]]
    colors = [COLORS["muted"], COLORS["ok"], COLORS["bad"], COLORS["accent"]]
    fig = go.Figure(
        go.Bar(x=names, y=values, marker_color=colors, text=[f"{v:,}" for v in values], textposition="outside")
    )
    fig.update_layout(**layout(height=340, yaxis_title="tenant VMs", showlegend=False))
    p50, p99 = s["restart_minutes"]["p50"], s["restart_minutes"]["p99"]
    when = f" A restart took {p50:.1f} min at the median, {p99:.1f} min at p99." if p50 is not None else ""
    return Section(
        "What became of the VMs hit",
        "Tenant VMs on a failed part restart elsewhere in their zone when there is room, else they are lost." + when,
        figure=fig,
    )


@run_section
def service_health(data: RunData) -> Section | None:
    """Each service's running replicas over time against the quorum it needs."""
    v = data.services
    if v.num_rows == 0 or not data.scenario.services:
        return None
    unit_s, axis = time_axis(data.horizon_s)
    time_s = v.column("time_s").to_numpy(zero_copy_only=False)
    names = v.column("service").to_pylist()
    healthy = v.column("healthy_replicas").to_numpy(zero_copy_only=False)
    availability = {x["name"]: x["availability"] for x in (data.summary or {}).get("services", [])}
    fig = go.Figure()
    for service in data.scenario.services:
        idx = [i for i, n in enumerate(names) if n == service.name]
        if not idx:
            continue
        x = np.append(time_s[idx], data.horizon_s) / unit_s
        y = np.append(healthy[idx], healthy[idx[-1]])
        label = service.name
        if availability.get(service.name) is not None:
            label += f" ({100.0 * availability[service.name]:.4f} % available)"
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line_shape="hv", name=label))
        fig.add_hline(
            y=service.healthy_when.at_least,
            line_dash="dot",
            line_color=COLORS["bad"],
            annotation_text=f"{service.name} needs {service.healthy_when.at_least}",
            annotation_position="bottom right",
        )
    fig.update_layout(
        **layout(xaxis_title=axis, yaxis_title="healthy replicas", hovermode="x unified", showlegend=True)
    )
    fig.update_yaxes(rangemode="tozero")
    return Section(
        "Services",
        "Each service's healthy replicas over time; below its dotted line it is down. Its availability over the "
        "run is in the legend.",
        figure=fig,
    )
