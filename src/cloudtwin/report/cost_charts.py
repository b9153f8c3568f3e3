"""The report's cost sections: where the provider's money goes (beside Hamilton's published split), what each
tenant pays, and rent or build per workload, all for a month as the run measured it (docs/economics.md)."""

from __future__ import annotations

import plotly.graph_objects as go

from cloudtwin.economics import HAMILTON_2010_SPLIT, SPLIT_KEYS, CostReport, measured_of, run_cost
from cloudtwin.economics.provider import PART_LABELS
from cloudtwin.network.demand import cross_region_gbps_per_vcpu
from cloudtwin.report.data import RunData
from cloudtwin.report.sections import COLORS, Section, layout, run_section

#: The last run priced and its month: the three cost sections of one report price it once.
_LAST: list[tuple[RunData, CostReport | None]] = []


def cost_of(data: RunData) -> CostReport | None:
    """The run's month of money (`cloudtwin cost --run`), or None for a run that did not finish."""
    if _LAST and _LAST[0][0] is data:
        return _LAST[0][1]
    _LAST[:] = [(data, _priced(data))]
    return _LAST[0][1]


def _priced(data: RunData) -> CostReport | None:
    if not data.summary:
        return None
    zones = data.zones
    per_zone = {name: zones.allocated_vcpus[i] for i, name in enumerate(zones.zones)}
    measured = measured_of(data.scenario, data.run_id, data.summary, zones.time_s, per_zone, data.links)
    return run_cost(data.scenario, measured, cross_region_gbps_per_vcpu(data.scenario))


@run_section
def provider_costs(data: RunData) -> Section | None:
    """The provider's month by part, as a share of the whole, beside the split Hamilton published (2010)."""
    report = cost_of(data)
    if report is None or report.provider.total_usd <= 0:
        return None
    p = report.provider
    labels = [PART_LABELS[key] for key in SPLIT_KEYS]
    fig = go.Figure(
        [
            go.Bar(
                x=labels,
                y=[100 * p.split[key] for key in SPLIT_KEYS],
                name="this world, from its components",
                marker_color=COLORS["accent"],
                customdata=[p.monthly_usd[key] for key in SPLIT_KEYS],
                hovertemplate="%{x}: %{y:.1f} % ($%{customdata:,.0f} a month)<extra></extra>",
            ),
            go.Bar(
                x=labels,
                y=[100 * HAMILTON_2010_SPLIT[key] for key in SPLIT_KEYS],
                name="Hamilton 2010, published",
                marker_color=COLORS["muted"],
                hovertemplate="%{x}: %{y:.0f} %<extra></extra>",
            ),
        ]
    )
    fig.update_layout(**layout(barmode="group", yaxis_title="share of the month's cost (%)"))
    per_hour = report.cost_per_vcpu_hour_usd
    margin = report.margin
    caption = (
        f"${p.total_usd:,.0f} a month for {p.servers:,} servers ({p.critical_load_mw:,.1f} MW), each part built from"
        " its components (servers, network gear, facility per MW, power at a PUE, cost of money); grey is the split"
        f" Hamilton published. Cost per vCPU-hour sold: ${per_hour or 0:.5f} at"
        f" {100 * report.allocated_vcpu_fraction:.1f} % of vCPUs sold; revenue ${report.revenue_monthly_usd:,.0f},"
        f" margin {'-' if margin is None else f'{100 * margin:.1f} %'}."
    )
    return Section("Where the provider's money goes", caption, figure=fig)


@run_section
def tenant_bills(data: RunData) -> Section | None:
    """Each tenant's monthly bill: instance-hours at on-demand prices, and data sent to other regions."""
    report = cost_of(data)
    if report is None or not report.tenants:
        return None
    names = [t.workload for t in report.tenants]
    fig = go.Figure(
        [
            go.Bar(
                x=names,
                y=[t.compute_usd for t in report.tenants],
                name="instance-hours",
                marker_color=COLORS["ink"],
            ),
            go.Bar(
                x=names,
                y=[t.transfer_usd for t in report.tenants],
                name="data transfer between regions",
                marker_color=COLORS["accent"],
            ),
        ]
    )
    fig.update_layout(**layout(barmode="stack", yaxis_title="bill a month (USD)"))
    caption = (
        "A month of each workload and service at on-demand prices, as the run measured it (its zones' allocated"
        " vCPUs shared among the tenants expected there; the traffic its fiber carried between regions)."
    )
    return Section("What each tenant pays", caption, figure=fig)


@run_section
def rent_or_build(data: RunData) -> Section | None:
    """Per workload, renting on demand against owning servers for its peak, over the horizon."""
    report = cost_of(data)
    if report is None or not report.rent_or_build:
        return None
    rows = report.rent_or_build
    names = [r.workload for r in rows]
    hover = [
        f"used {100 * r.utilization:.1f} %, break-even {100 * (r.break_even_utilization or 0):.1f} %" for r in rows
    ]
    fig = go.Figure(
        [
            go.Bar(
                x=names,
                y=[r.on_demand_usd for r in rows],
                name="rent (on demand)",
                marker_color=COLORS["ok"],
                hovertext=hover,
            ),
            go.Bar(
                x=names,
                y=[r.own_usd for r in rows],
                name="build (own servers for the peak)",
                marker_color=COLORS["bad"],
                hovertext=hover,
            ),
        ]
    )
    fig.update_layout(**layout(barmode="group", yaxis_title=f"cost over {rows[0].years:g} years (USD)"))
    caption = (
        "The seed's electric company: renting costs the mean demand at on-demand prices; building buys servers for"
        " the peak (growth included) at the provider's own unit costs. Renting is cheaper while the owned servers"
        " would be used less than the break-even utilisation (hover)."
    )
    return Section("Rent or build", caption, figure=fig)
