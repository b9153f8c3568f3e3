"""A capacity plan's report: demand against capacity per region, the builds on a timeline, servers added per day.

`plan_report_html(plan)` renders the sections below with the report page of every other report
(`cloudtwin.report.page.render`): one offline HTML file. The plan is made in memory (`cloudtwin.planning`), so the
report needs no results database.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from cloudtwin.planning import Plan
from cloudtwin.report.page import render
from cloudtwin.report.sections import COLORS, Section, layout
from cloudtwin.version import __version__


def demand_and_capacity(plan: Plan) -> Section:
    """Per region (a menu picks it): peak and mean demand, capacity, and capacity without the largest zone (N+1)."""
    fig = go.Figure()
    traces_per_region = 5
    for i, r in enumerate(plan.regions):
        months = np.arange(plan.months)
        short = np.where(r.n_plus_1_kept, np.nan, r.demand_vcpus)
        for name, y, line in (
            ("capacity", r.capacity_vcpus, {"color": COLORS["ink"], "shape": "hv"}),
            ("capacity without the largest zone (N+1)", r.capacity_without_largest_zone_vcpus,
             {"color": COLORS["ok"], "shape": "hv", "dash": "dash"}),
            ("peak demand", r.demand_vcpus, {"color": COLORS["accent"]}),
            ("mean demand", r.demand_mean_vcpus, {"color": COLORS["muted"], "dash": "dot"}),
        ):  # fmt: skip
            fig.add_trace(go.Scatter(x=months, y=y, name=name, mode="lines", line=line, visible=i == 0))
        fig.add_trace(
            go.Scatter(
                x=months,
                y=short,
                name="N+1 not kept",
                mode="markers",
                marker={"color": COLORS["bad"], "size": 7},
                visible=i == 0,
            )
        )
    buttons = []
    for i, r in enumerate(plan.regions):
        visible = [j // traces_per_region == i for j in range(traces_per_region * len(plan.regions))]
        buttons.append({"label": r.name, "method": "update", "args": [{"visible": visible}]})
    fig.update_layout(
        **layout(
            xaxis={"title": "plan month"},
            yaxis={"title": "vCPUs", "rangemode": "tozero"},
            updatemenus=[{"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.18, "yanchor": "top"}],
        )
    )
    return Section(
        "Demand and capacity per region",
        "Pick a region: the month's peak demand must stay under the dashed line (capacity without its largest "
        "zone) for N+1; red marks the months it does not.",
        figure=fig,
    )


def build_timeline(plan: Plan) -> Section:
    """Each datacenter at the month it starts serving, on its region's row, its mark's area ∝ its servers."""
    fig = go.Figure()
    largest = max((b.servers for b in plan.builds), default=1)
    for in_flight, color, name in ((True, COLORS["muted"], "in flight at month 0"), (False, COLORS["ink"], "ordered")):
        chosen = [b for b in plan.builds if b.in_flight == in_flight]
        if not chosen:
            continue
        fig.add_trace(
            go.Scatter(
                x=[b.month for b in chosen],
                y=[b.region for b in chosen],
                mode="markers",
                name=name,
                marker={"color": color, "size": [6 + 12 * np.sqrt(b.servers / largest) for b in chosen]},
                text=[
                    f"{b.datacenter}: {b.servers:,} servers × {b.server_vcpus} vCPUs, ordered month {b.ordered_month}"
                    for b in chosen
                ],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.add_vline(x=plan.months - 0.5, line={"color": COLORS["muted"], "dash": "dot"})
    fig.update_layout(**layout(xaxis={"title": "month it starts serving"}, yaxis={"autorange": "reversed"}))
    return Section(
        "Builds",
        f"{len(plan.builds):,} datacenters; each at the month it starts serving (the dotted line ends the plan: "
        "marks after it are orders placed in its last lead time).",
        figure=fig,
    )


def servers_per_day(plan: Plan) -> Section:
    """Servers added per day in each plan year, beside the seed's 2004 yardstick where a count of it exists."""
    check = plan.seed_check()
    years = [f"year {y + 1}" for y in range(plan.years)]
    fig = go.Figure(go.Bar(x=years, y=list(plan.servers_added_per_day), marker_color=COLORS["accent"], name="plan"))
    if check["amazon_2004_servers"] is not None:
        fig.add_hline(y=check["amazon_2004_servers"], line={"color": COLORS["bad"]}, annotation_text="Amazon, 2004")
        note = "the line: Amazon's servers in 2004."
    else:
        note = "no published count of Amazon's 2004 servers exists to draw beside them (docs/planning.md)."
    fig.update_layout(**layout(yaxis={"title": "servers added per day"}, showlegend=False))
    return Section(
        "Servers added per day",
        f"Year 1: {check['servers_added_per_day']:,.0f} servers a day; the seed says a day's additions would have "
        f"run all of Amazon in 2004; {note}",
        figure=fig,
    )


def shortfalls(plan: Plan) -> Section:
    """The months each region does not keep N+1, with the most vCPUs it lacked; or the word that it always does."""
    if not plan.shortfalls:
        return Section("Shortfalls", "Every region keeps N+1 in every month.", html="<p>None.</p>")
    rows = "".join(
        f"<tr><td>{html.escape(s.region)}</td><td>{s.first_month}</td><td>{s.last_month}</td><td>{s.months}</td>"
        f"<td>{s.worst_missing_vcpus:,}</td></tr>"
        for s in plan.shortfalls
    )
    table = (
        '<table class="figures"><thead><tr><th>region</th><th>first month</th><th>last month</th><th>months</th>'
        f"<th>most vCPUs missing</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return Section(
        "Shortfalls",
        "Months in which losing the largest zone would leave the region short of its peak (the lead time "
        "was too long for the growth, or the world started short).",
        html=table,
    )


PLAN_SECTIONS = (demand_and_capacity, build_timeline, servers_per_day, shortfalls)


def plan_report_html(plan: Plan) -> str:
    """The plan's report as one HTML page."""
    settings = plan.settings
    subtitle = (
        f"{plan.years}-year capacity plan, lead time {settings.lead_time_months} months, "
        f"target {settings.target_utilization:.0%} at peak, N+1 kept per region"
    )
    return render(
        f"cloudtwin plan: {plan.scenario.name}",
        subtitle,
        [make(plan) for make in PLAN_SECTIONS],
        f"made by cloudtwin {__version__}; the model and its sources: docs/planning.md",
    )
