"""`cloudtwin validate SCENARIO`: every problem at once (exit 2), or a one-screen summary of what it holds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cloudtwin.runner.estimate import WorkEstimate
from cloudtwin.runner.preflight import MEMORY_SHARE, physical_memory_bytes, preflight
from cloudtwin.scenario import Scenario, load_scenario, scenario_hash, world_totals
from cloudtwin.scenario.model import (
    EmpiricalLifetime,
    ExponentialLifetime,
    Failures,
    LognormalLifetime,
    PoissonArrivals,
    Workload,
)
from cloudtwin.scenario.totals import racks_of, zone_datacenters

_MAX_ROWS = 12
_MAX_WORKLOAD_ROWS = 4  # keeps the summary on one screen


def main(scenario: Path, sets: list[str]) -> None:
    """Load and check the scenario (a ScenarioError lists every problem); print what it holds."""
    loaded = load_scenario(scenario, sets)
    checked = preflight(loaded)  # the very checks `cloudtwin run` makes before it starts
    console = Console(highlight=False)
    for part in summary(loaded, checked.estimate):
        console.print(part)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for line in checked.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(line)}")


def summary(s: Scenario, estimate: WorkEstimate) -> list[object]:
    """The printable parts of the summary, in order; the last says what a run would ask of this machine."""
    totals = world_totals(s)
    horizon = s.horizon
    parts: list[object] = [
        f"[green]valid[/green] [bold]{escape(s.name)}[/bold]: {escape(s.description)}",
        f"seed {s.seed}, horizon {horizon.days:g} day{'' if horizon.days == 1 else 's'} from the {horizon.start} state, "
        f"metrics every {horizon.sample_every_minutes:g} min, placement {s.placement.policy}, "
        f"scenario hash {scenario_hash(s)[:12]}",
        "[bold]world[/bold]: "
        + ", ".join(
            _count(n, word)
            for n, word in (
                (totals.regions, "region"),
                (totals.zones, "zone"),
                (totals.datacenters, "datacenter"),
                (totals.racks, "rack"),
                (totals.servers, "server"),
                (totals.vcpus, "vCPU"),
            )
        )
        + f", {_bytes(totals.memory_gib * 2**30, binary=True)} memory",
        _regions_table(s),
        "[bold]server types[/bold]: "
        + _join(f"{escape(name)} ({t.vcpus} vCPU, {t.memory_gib:g} GiB)" for name, t in s.server_types.items()),
        "[bold]instance types[/bold]: " + _instance_types(s),
    ]
    parts.append(_workloads_table(s.workload) if s.workload else "[bold]workload[/bold]: none")
    parts.append(_services_table(s) if s.services else "[bold]services[/bold]: none")
    parts.append("[bold]failures[/bold]: " + _failures(s.failures))
    net = s.network
    parts.append(
        f"[bold]network[/bold]: SR-IOV {'on' if net.sriov else 'off'}, between zones {net.inter_zone_latency_ms:g} ms "
        f"(at most {net.inter_zone_latency_max_ms:g} ms), fiber {net.fiber_km_per_ms:g} km/ms "
        f"x{net.path_stretch:g} path stretch"
    )
    physical = physical_memory_bytes()
    available = f"; {_bytes(physical * MEMORY_SHARE)} of memory available" if physical else ""
    parts.append(f"[bold]a run[/bold]: {escape(estimate.describe())}{available}")
    return parts


def _regions_table(s: Scenario) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column, justify in (
        ("region", "left"),
        ("location", "left"),
        ("zones", "right"),
        ("datacenters", "right"),
        ("racks", "right"),
        ("servers", "right"),
        ("vCPUs", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    spr = s.world.servers_per_rack
    for region in s.world.regions[:_MAX_ROWS]:
        dcs = [dc for zone in region.zones for dc in zone_datacenters(zone)]
        table.add_row(
            escape(region.name),
            f"{region.location.lat:.2f}, {region.location.lon:.2f}",
            str(len(region.zones)),
            str(len(dcs)),
            f"{sum(racks_of(dc, spr) for dc in dcs):,}",
            f"{sum(dc.servers for dc in dcs):,}",
            f"{sum(dc.servers * s.server_types[dc.server_type].vcpus for dc in dcs):,}",
        )
    if len(s.world.regions) > _MAX_ROWS:
        table.add_row(f"... {len(s.world.regions) - _MAX_ROWS} more", "", "", "", "", "", "")
    return table


def _workloads_table(workloads: list[Workload]) -> Table:
    table = Table(title="workload", title_justify="left", box=None, pad_edge=False, show_edge=False)
    for column in ("name", "arrivals", "instance mix", "lifetime", "where"):
        table.add_column(column, overflow="fold")
    for w in workloads[:_MAX_WORKLOAD_ROWS]:
        targets = w.zones if w.zones is not None else w.regions
        kind = "zones " if w.zones is not None else "regions "
        where = "all zones" if targets is None else kind + _shares(targets, top=3)
        table.add_row(
            escape(w.name), escape(_arrivals(w)), escape(_shares(w.instances or {}, top=3)), _lifetime(w), escape(where)
        )
    rest = workloads[_MAX_WORKLOAD_ROWS:]
    if rest:
        rate = sum(w.arrivals.per_hour for w in rest if isinstance(w.arrivals, PoissonArrivals))
        table.add_row(f"... {len(rest)} more", f"Poisson {_rate(rate)}/h in all" if rate else "", "", "", "")
    total = sum(w.arrivals.per_hour for w in workloads if isinstance(w.arrivals, PoissonArrivals))
    if len(workloads) > 1 and total:
        table.caption = f"{_rate(total)} Poisson arrivals/h in all"
        table.caption_justify = "left"
    return table


def _services_table(s: Scenario) -> Table:
    table = Table(title="services", title_justify="left", box=None, pad_edge=False, show_edge=False)
    for column in ("name", "instance type", "replicas", "spread over", "healthy while", "where"):
        table.add_column(column, overflow="fold")
    for svc in s.services[:_MAX_ROWS]:
        where = svc.zones if svc.zones is not None else svc.regions
        table.add_row(
            escape(svc.name),
            escape(svc.instance_type),
            str(svc.replicas),
            svc.spread,
            f">= {svc.healthy_when.at_least} up",
            escape(_join(where or ["anywhere"])),
        )
    return table


def _arrivals(w: Workload) -> str:
    a = w.arrivals
    if not isinstance(a, PoissonArrivals):
        return f"trace {Path(a.trace).name} ({a.format})"
    text = f"Poisson {_rate(a.per_hour)}/h"
    if a.diurnal is not None:
        text += f" +-{a.diurnal.amplitude:.0%} daily (peak {a.diurnal.peak_hour:g}h)"
    if a.growth_per_year:
        text += f" {a.growth_per_year:+.0%}/yr"
    return text


def _lifetime(w: Workload) -> str:
    life = w.lifetime
    if isinstance(life, ExponentialLifetime):
        return f"exponential, mean {life.mean_hours:g} h"
    if isinstance(life, LognormalLifetime):
        mean = life.median_hours * math.exp(min(life.sigma**2 / 2, 700))
        return f"lognormal, median {life.median_hours:g} h, sigma {life.sigma:g} (mean {mean:,.3g} h)"
    if isinstance(life, EmpiricalLifetime):
        return f"empirical ({life.source})"
    return "from the trace"


def _shares(weights: Mapping[str, float] | list[str], top: int) -> str:
    """`60% a, 30% b, +2 more` for weights (largest first), or the names of a list (equal shares)."""
    if isinstance(weights, list):
        shown = list(weights[:top])
    else:
        total = sum(weights.values()) or 1.0
        ranked = sorted(weights.items(), key=lambda kv: -kv[1])
        shown = [f"{share / total:.0%} {name}" for name, share in ranked[:top]]
    more = len(weights) - len(shown)
    return ", ".join(shown) + (f", +{more} more" if more else "")


def _instance_types(s: Scenario) -> str:
    """`3 (2-16 vCPU, $0.140-1.400/h): m3.large, c3.2xlarge, r3.4xlarge`, names cut after a few."""
    types = s.instance_types
    if not types:
        return "none"
    vcpus = [t.vcpus for t in types.values()]
    prices = [t.price_per_hour for t in types.values()]
    return f"{len(types)} ({min(vcpus)}-{max(vcpus)} vCPU, ${min(prices):.3f}-{max(prices):.3f}/h): " + escape(
        _shares(list(types), top=8)
    )


def _failures(failures: Failures | str | None) -> str:
    if failures is None:
        return "none"
    if isinstance(failures, str):
        return "cloudtwin's default failure rates"
    levels = [
        f"{name} (MTTF {level.mttf_days:,g} d, repair {level.repair_hours:g} h)"
        for name in ("server", "rack", "datacenter", "zone", "region")
        if (level := getattr(failures, name)) is not None
    ]
    if failures.defaults:
        levels.insert(0, "defaults")
    injections = [f"{escape(i.fail)} at {i.at_hours:g} h for {i.for_hours:g} h" for i in failures.inject]
    text = _join(levels) if levels else "no random failures"
    if injections:
        text += "; injected: " + _join(injections)
    return text


def _rate(per_hour: float) -> str:
    return f"{per_hour:,.0f}" if per_hour >= 100 else f"{per_hour:g}"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _bytes(n: float, binary: bool = False) -> str:
    """Bytes with 3 significant digits, in decimal (GB) or binary (GiB) units."""
    base = 1024.0 if binary else 1000.0
    for power in (5, 4, 3, 2, 1):
        if n >= base**power:
            prefix = "KMGTP"[power - 1] + "i" if binary else "kMGTP"[power - 1]
            return f"{n / base**power:,.3g} {prefix}B"
    return f"{n:,.0f} B"


def _join(items: object) -> str:
    listed = list(items)  # type: ignore[call-overload]
    shown = ", ".join(str(x) for x in listed[:_MAX_ROWS])
    return (shown + f", ... ({len(listed) - _MAX_ROWS} more)" if len(listed) > _MAX_ROWS else shown) or "none"
