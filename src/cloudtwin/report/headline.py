"""A run's headline, shared by the terminal summary (`cloudtwin run`) and the report: the same words both ways.

Lines carry rich markup (`[bold]…[/bold]`); the report turns it into HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple


def percent(x: float) -> str:
    """A fraction as a percentage with two decimals."""
    return f"{100.0 * x:.2f} %"


def headline_lines(s: dict[str, Any]) -> list[str]:
    """The run's headline, a line each: demand and refusals, failures and restarts, services, how full it was."""
    lines = [
        f"arrivals {s['arrivals']:,}: [bold]refused {s['refused']:,}[/bold] ({percent(s['refused_fraction'])});"
        f" {s['initial_vms']:,} VMs running at the start"
    ]
    counts = s["failures"]
    if any(counts.values()) or s["vms_interrupted"]:
        levels = ", ".join(f"{level} {n:,}" for level, n in counts.items() if n)
        p50, p99 = s["restart_minutes"]["p50"], s["restart_minutes"]["p99"]
        when = f" (p50 {p50:.1f} min, p99 {p99:.1f} min)" if p50 is not None else ""
        lines.append(
            f"failures {sum(counts.values()):,} ({levels or 'injected only'}): {s['vms_interrupted']:,} VMs hit"
        )
        lines.append(
            f"  [bold]{s['vms_restarted']:,} restarted[/bold]{when}, [bold]{s['vms_lost']:,} lost[/bold],"
            f" {s['vms_waiting']:,} waiting"
        )
    else:
        lines.append("failures: none in this run")
    for v in s["services"]:
        lines.append(
            f"service {v['name']} ({v['at_least']} of {v['replicas']}): [bold]{100.0 * v['availability']:.4f} %"
            f"[/bold] available, {v['incidents']} incident{'' if v['incidents'] == 1 else 's'},"
            f" {v['downtime_minutes_per_year']:,.1f} min/yr down"
        )
    lines.append(
        f"vCPUs allocated {percent(s['allocated_vcpu_fraction']['mean'])} (mean),"
        f" resident VMs {s['resident_vms_mean']:,.0f} (mean)"
    )
    network = s.get("network")
    if network and network.get("peak_inter_zone_tbps") and network.get("offered_gb"):  # no line where nothing left a DC
        region, peak = max(network["peak_inter_zone_tbps"].items(), key=lambda item: item[1])
        lines.append(
            f"network: {region} peaks at {peak:,.1f} Tbps across zones;"
            f" busiest link at {percent(network['max_link_utilization'])}"
        )
        if network.get("throttled_fraction") or network.get("lost_gb"):
            lines.append(
                f"  {percent(network['throttled_fraction'])} of traffic throttled,"
                f" {network['lost_gb']:,.0f} GB lost to cut fiber"
            )
    return lines


class ZoneLine(NamedTuple):
    """One zone over a run, as the summary table shows it."""

    region: str
    zone: str
    servers: int
    arrivals: int
    refused: int
    allocated_vcpu_fraction: float


class PlaceRow(NamedTuple):
    """A row of the summary table: a region (its totals) or one of its zones (by suffix)."""

    label: str
    is_region: bool
    servers: int
    arrivals: int
    refused: str  # "N (x %)" or "-" when nothing arrived
    vcpus_used: str


def zone_label(zone: str, region: str) -> str:
    """A zone by its suffix under its region (`us-east-1a` under `us-east-1` is `a`), else its whole name."""
    suffix = zone[len(region) :].lstrip("-_.") if zone.startswith(region) else ""
    return suffix or zone


def place_rows(zones: Iterable[ZoneLine]) -> list[PlaceRow]:
    """A row per region (its totals) followed by a row per zone under it, in the order the zones come."""
    regions: dict[str, list[ZoneLine]] = {}
    for z in zones:
        regions.setdefault(z.region, []).append(z)
    rows = []
    for region, members in regions.items():
        arrivals, refused = sum(z.arrivals for z in members), sum(z.refused for z in members)
        servers = sum(z.servers for z in members)
        used = sum(z.allocated_vcpu_fraction * z.servers for z in members) / servers if servers else 0.0
        rows.append(PlaceRow(region, True, servers, arrivals, _refused(refused, arrivals), percent(used)))
        rows += [
            PlaceRow(
                zone_label(z.zone, region),
                False,
                z.servers,
                z.arrivals,
                _refused(z.refused, z.arrivals),
                percent(z.allocated_vcpu_fraction),
            )
            for z in members
        ]
    return rows


def _refused(refused: int, arrivals: int) -> str:
    return f"{refused:,} ({percent(refused / arrivals)})" if arrivals else "-"
