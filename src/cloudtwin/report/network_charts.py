"""The report's network sections: traffic between zones beside the seed's figure, and how full the links ran."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cloudtwin.report.data import RunData
from cloudtwin.report.sections import COLORS, Section, layout, run_section, time_axis

#: The busiest links shown in the utilisation heatmap (by their peak utilisation).
TOP_LINKS = 30


@run_section
def inter_zone_traffic(data: RunData) -> Section | None:
    """Each region's peak traffic between its zones, beside the figure the scenario cites (the seed's 25 Tbps)."""
    network = (data.summary or {}).get("network")
    if not network or not network.get("peak_inter_zone_tbps"):
        return None
    peaks = network["peak_inter_zone_tbps"]
    regions = [r["name"] for r in data.world["regions"] if len(r["zones"]) > 1]
    if not regions:
        return None
    values = [peaks[r] for r in regions]
    fig = go.Figure(go.Bar(x=regions, y=values, marker_color=COLORS["accent"], name="simulated peak"))
    cited = data.scenario.network.peak_inter_zone_tbps
    caption = "The highest traffic between the zones of each region at any sample, in Tbps (carried, all zone pairs)."
    if cited is not None:
        fig.add_hline(
            y=cited,
            line_dash="dot",
            line_color=COLORS["ink"],
            annotation_text=f"cited peak: {cited:g} Tbps",
            annotation_position="top right",
        )
        caption += (
            f" The dotted line is the scenario's cited peak ({cited:g} Tbps; for aws-2014 the seed's figure for a"
            f" region): the largest simulated peak is {max(values):.1f} Tbps."
        )
    fig.update_layout(**layout(yaxis_title="peak inter-zone traffic (Tbps)", showlegend=False))
    return Section("Traffic between zones", caption, figure=fig)


@run_section
def link_utilisation(data: RunData) -> Section | None:
    """Carried / capacity of the busiest links over time (a cut fiber path reads 0 while it is down)."""
    rows = data.links
    if rows.num_rows == 0:
        return None
    time_s = rows.column("time_s").to_numpy(zero_copy_only=False)
    names = np.asarray(rows.column("link").to_pylist(), dtype=object)
    carried = rows.column("carried_gbps").to_numpy(zero_copy_only=False)
    capacity = rows.column("capacity_gbps").to_numpy(zero_copy_only=False)
    ticks = np.unique(time_s)
    links = list(dict.fromkeys(names))
    grid = np.zeros((len(links), len(ticks)))
    row = {name: i for i, name in enumerate(links)}
    col = np.searchsorted(ticks, time_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        used = np.where(capacity > 0, 100.0 * carried / np.where(capacity > 0, capacity, 1.0), 0.0)
    grid[[row[n] for n in names], col] = used
    top = np.argsort(-grid.max(axis=1), kind="stable")[:TOP_LINKS]
    unit_s, axis = time_axis(data.horizon_s)
    fig = go.Figure(
        go.Heatmap(
            x=ticks / unit_s,
            y=[links[i] for i in top],
            z=grid[top],
            colorscale="YlOrRd",
            zmin=0.0,
            zmax=max(100.0 * float(np.ceil(grid.max() / 100.0 * 10) / 10), 10.0),
            colorbar={"title": {"text": "utilisation (%)", "side": "right"}},
            hovertemplate="%{y} at %{x:.1f}: %{z:.1f} %<extra></extra>",
        )
    )
    fig.update_layout(
        **layout(height=max(360, 60 + 16 * len(top)), xaxis_title=axis, margin={"l": 230, "r": 20, "t": 30, "b": 50})
    )
    fig.update_yaxes(autorange="reversed", dtick=1)
    network = (data.summary or {}).get("network") or {}
    peak = 100.0 * float(network.get("max_link_utilization", grid.max() / 100.0))
    throttled = 100.0 * float(network.get("throttled_fraction", 0.0))
    return Section(
        "Link utilisation",
        f"Carried traffic as a share of capacity for the {len(top)} busiest of {len(links)} links (datacenter in/out,"
        f" zone pairs, fiber paths). Peak {peak:.1f} %; {throttled:.3f} % of all traffic was throttled by a full link"
        f" and {float(network.get('lost_gb', 0.0)) / 1000.0:,.1f} TB lost to cut fiber.",
        figure=fig,
    )


@run_section
def region_latency(data: RunData) -> Section | None:
    """The p50 round trip between every pair of regions, from the latency model (as `cloudtwin latency --matrix`)."""
    from cloudtwin.network.latency import pair_latency
    from cloudtwin.network.places import resolve_place
    from cloudtwin.report.sections import CHART_HEIGHT_PX
    from cloudtwin.world import build_world

    if len(data.world["regions"]) < 2:
        return None
    world = build_world(data.scenario)
    places = [resolve_place(world, name) for name in world.region_names]
    cells = [[pair_latency(data.scenario, world, a, b) for b in places] for a in places]
    p50 = np.array([[c.rtt_ms["p50"] for c in row] for row in cells])
    p99 = np.array([[c.rtt_ms["p99"] for c in row] for row in cells])
    names = list(world.region_names)
    text = [[_ms(v) for v in row] for row in p50]
    fig = go.Figure(
        go.Heatmap(
            x=names,
            y=names,
            z=p50,
            text=text,
            texttemplate="%{text}",
            customdata=p99,
            colorscale="Blues",
            colorbar={"title": {"text": "p50 RTT (ms)", "side": "right"}},
            hovertemplate="%{y} → %{x}: p50 %{z:.2f} ms, p99 %{customdata:.2f} ms<extra></extra>",
        )
    )
    size = max(CHART_HEIGHT_PX, 80 + 34 * len(names))
    fig.update_layout(**layout(height=size, margin={"l": 120, "r": 20, "t": 30, "b": 110}))
    fig.update_yaxes(autorange="reversed")
    off = p50[~np.eye(len(names), dtype=bool)]
    return Section(
        "Latency between regions",
        "Round-trip time p50 in ms between every pair of regions (the diagonal: two zones of one region), from the"
        " latency model with each region's own NICs, as `cloudtwin latency --matrix` gives it: between regions"
        f" {_ms(off.min())} to {_ms(off.max())} ms, what a client or a quorum write pays for each region it crosses."
        " Hover for p99.",
        figure=fig,
    )


def _ms(value: float) -> str:
    """Milliseconds: three decimals under 1 ms, two under 10 ms, one above."""
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


@run_section
def service_latency(data: RunData) -> Section | None:
    """Each service's request latency (p50, p99) over time per path, with the outages of datacenters and larger
    parts shaded."""
    from plotly.colors import qualitative

    rows = data.latency
    if rows.num_rows == 0:
        return None
    unit_s, axis = time_axis(data.horizon_s)
    time_s = rows.column("time_s").to_numpy(zero_copy_only=False)
    service = np.asarray(rows.column("service").to_pylist(), dtype=object)
    path = np.asarray(rows.column("path").to_pylist(), dtype=object)
    p50 = np.asarray(rows.column("p50_ms").to_pylist(), dtype=np.float64)  # None (down) → NaN: a gap
    p99 = np.asarray(rows.column("p99_ms").to_pylist(), dtype=np.float64)
    fig = go.Figure()
    palette = qualitative.Plotly
    pairs = list(dict.fromkeys(zip(service.tolist(), path.tolist())))
    for n, (name, route) in enumerate(pairs):
        idx = np.flatnonzero((service == name) & (path == route))
        idx = idx[np.argsort(time_s[idx], kind="stable")]
        color = palette[n % len(palette)]
        label = f"{name}: {route}" if len({s for s, _ in pairs}) > 1 else route
        for values, dash, which in ((p99[idx], "solid", "p99"), (p50[idx], "dot", "p50")):
            fig.add_trace(
                go.Scatter(
                    x=time_s[idx] / unit_s,
                    y=values,
                    mode="lines+markers",
                    marker={"size": 4},
                    line={"color": color, "dash": dash, "shape": "hv"},
                    name=f"{label} {which}",
                    legendgroup=f"{name}/{route}",
                    hovertemplate=f"{label} {which}: %{{y:.3f}} ms<extra></extra>",
                )
            )
    shaded = _outage_spans(data)
    for start, end, what in shaded:
        fig.add_vrect(
            x0=start / unit_s,
            x1=end / unit_s,
            fillcolor=COLORS["bad"],
            opacity=0.12,
            line_width=0,
            annotation_text=what,
            annotation_position="top left",
            annotation_font_size=10,
        )
    fig.update_layout(
        **layout(
            height=460,
            xaxis_title=axis,
            yaxis_title="request latency (ms, log)",
            hovermode="x unified",
            legend={"orientation": "h", "y": -0.22, "x": 0},
            margin={"l": 60, "r": 20, "t": 30, "b": 110},
        )
    )
    fig.update_yaxes(type="log")
    down = len(np.unique(time_s[np.isnan(p99)]))
    outages = (
        f" Shaded: {len(shaded)} outage{'s' * (len(shaded) != 1)} of datacenters, zones, regions or fiber."
        if shaded
        else ""
    )
    gaps = f" A gap: a service down at that tick ({down} tick{'s' * (down != 1)})." if down else ""
    return Section(
        "Service latency",
        "Each service's request latency at each tick, per path (solid p99, dotted p50; `all`: every request,"
        " `from REGION`: its clients there, `writes`: with the wait for a quorum): a step up inside a shaded span is"
        " what that outage did to the service." + outages + gaps,
        figure=fig,
    )


#: At most this many outages are shaded in the service latency chart (the longest).
MAX_SHADED = 40


def _outage_spans(data: RunData) -> list[tuple[float, float, str]]:
    """(start s, end s, name) of the run's datacenter, zone and region failures, and of its cut fiber paths (a
    fiber path at capacity 0 in the `links` rows, from that tick to the next it is back)."""
    spans: list[tuple[float, float, str]] = []
    f = data.failures
    if f.num_rows:
        level = f.column("level").to_pylist()
        start = f.column("time_s").to_numpy(zero_copy_only=False)
        length = f.column("duration_s").to_numpy(zero_copy_only=False)
        target = f.column("target").to_pylist()
        for i, lv in enumerate(level):
            if lv in ("datacenter", "zone", "region"):
                spans.append((float(start[i]), min(float(start[i] + length[i]), data.horizon_s), str(target[i])))
    links = data.links
    if links.num_rows:
        names = np.asarray(links.column("link").to_pylist(), dtype=object)
        fiber = np.flatnonzero(np.char.startswith(names.astype(str), "fiber:"))
        capacity = links.column("capacity_gbps").to_numpy(zero_copy_only=False)[fiber]
        cut = fiber[capacity <= 0]
        if len(cut):
            time_s = links.column("time_s").to_numpy(zero_copy_only=False)
            ticks = np.unique(time_s)
            for name in dict.fromkeys(names[cut].tolist()):
                at = np.unique(time_s[cut[names[cut] == name]])
                k = np.searchsorted(ticks, at)
                runs = np.split(k, np.flatnonzero(np.diff(k) != 1) + 1)
                for r in runs:
                    end = ticks[r[-1] + 1] if r[-1] + 1 < len(ticks) else data.horizon_s
                    spans.append((float(ticks[r[0]]), float(end), str(name)))
    spans.sort(key=lambda s: s[1] - s[0], reverse=True)
    return sorted(spans[:MAX_SHADED])
