"""A run's result as typed, frozen objects: its figures per zone, datacenter and service, and the whole run, read
back from the results database (`result_of`)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cloudtwin.errors import ResultsError
from cloudtwin.scenario import Scenario

if TYPE_CHECKING:
    import pyarrow as pa

    from cloudtwin.results import ResultsStore
    from cloudtwin.runner import RunOutcome


@dataclass(frozen=True)
class ZoneFigures:
    """One availability zone over a run: requests that targeted it, what was refused, how full it was."""

    region: str
    zone: str
    servers: int
    arrivals: int
    refused: int
    departures: int | None  # None only when read back from a run stored without its `places` rows
    resident_vms_mean: float
    allocated_vcpu_fraction: float  # time-weighted mean of allocated / capacity vCPUs

    @property
    def refused_fraction(self) -> float:
        """Refused / arrivals (0 when nothing arrived)."""
        return self.refused / self.arrivals if self.arrivals else 0.0


@dataclass(frozen=True)
class DatacenterFigures:
    """One data center over a run: the VMs placed into it and how full it was."""

    region: str
    zone: str
    datacenter: str
    servers: int
    vms_placed: int
    resident_vms_mean: float | None  # None: the engine does not track it per data center (zones have it)
    allocated_vcpu_fraction: float


@dataclass(frozen=True)
class ServiceFigures:
    """One replicated service over a run: how often it had its quorum, and its outages."""

    name: str
    replicas: int
    at_least: int
    availability: float
    downtime_minutes_per_year: float
    incidents: int
    longest_outage_minutes: float


@dataclass(frozen=True)
class RunResult:
    """What one run produced: its totals (the keys of `cloudtwin run --json`, typed), figures per zone,
    datacenter and service, and its rows of the results tables as pyarrow Tables.

    Tables: `metrics` (a row per sample tick and zone or datacenter), `failures` (a row per failure) and
    `services` (a row per change of a service's healthy replicas); columns as in `cloudtwin.results`.
    Convert with `res.metrics.to_pandas()` or `polars.from_arrow(res.metrics)` when those are installed.
    `to_json()` is exactly the object `cloudtwin run --json` prints.
    """

    run_id: int
    scenario: str
    seed: int
    policy: str
    arrivals: int
    accepted: int
    refused: int
    refused_fraction: float
    departures: int
    events: int
    initial_vms: int
    initial_refused: int
    resident_vms_end: int
    resident_vms_mean: float
    allocated_vcpu_fraction: float  # time-weighted mean over the world (per zone: `zones`)
    sim_days: float
    wall_s: float
    events_per_s: float | None
    failures_by_level: dict[str, int]  # failures counted per level (the JSON's `failures`)
    vms_interrupted: int
    vms_restarted: int
    vms_lost: int
    vms_waiting: int
    restart_minutes_p50: float | None
    restart_minutes_p99: float | None
    service_figures: tuple[ServiceFigures, ...]  # the JSON's `services`
    zones: tuple[ZoneFigures, ...] = field(repr=False)  # in world order
    datacenters: tuple[DatacenterFigures, ...] = field(repr=False)
    vms_interrupted_by_level: dict[str, int] = field(repr=False)
    metrics: pa.Table = field(repr=False)
    failures: pa.Table = field(repr=False)
    services: pa.Table = field(repr=False)
    scenario_yaml: str = field(repr=False)  # the resolved scenario, as stored
    summary_json: str = field(repr=False)  # the JSON summary, as stored and printed
    notes: tuple[str, ...] = field(default=(), compare=False)  # what the run said besides its figures
    db: str | None = field(default=None, compare=False)  # the results database holding it (None: in memory)

    def to_json(self) -> dict[str, Any]:
        """The run's summary: exactly the object `cloudtwin run --json` prints (a fresh copy each call)."""
        return json.loads(self.summary_json)

    def write_report(self, output: str | os.PathLike[str] | None = None) -> Path:
        """Write this run's HTML report (`cloudtwin.write_report`); only a run kept in a results database has one."""
        if self.db is None:
            raise ResultsError("this run was not kept: run it with db=PATH to write its report")
        from cloudtwin.api.studies import write_report

        return write_report(self.db, self.run_id, output)

    def load_scenario(self) -> Scenario:
        """The scenario this run ran (its resolved form, as stored with the run)."""
        from cloudtwin.scenario import parse_scenario

        return parse_scenario(self.scenario_yaml, source=f"run {self.run_id} scenario")

    def zones_table(self) -> pa.Table:
        """`zones` as a pyarrow Table (a row per zone), for pandas or polars."""
        import pyarrow as pa

        return pa.Table.from_pylist([asdict(z) | {"refused_fraction": z.refused_fraction} for z in self.zones])

    def datacenters_table(self) -> pa.Table:
        """`datacenters` as a pyarrow Table (a row per data center)."""
        import pyarrow as pa

        return pa.Table.from_pylist([asdict(d) for d in self.datacenters])


# --------------------------------------------------------------------------- building the result


def result_of(store: ResultsStore, run_id: int, outcome: RunOutcome | None, db: str | None) -> RunResult:
    """A RunResult from the stored run (summary, scenario, tables) and, when just run, the engine's figures."""
    row = store.get_run(run_id)
    s: dict[str, Any] = row["summary"] or {}
    if not s:
        raise ResultsError(f"run {run_id} in `{store.path}` has no summary")
    metrics = store.metrics_frame(run_id)
    failures = store.rows_frame("failures", run_id)
    restart = s.get("restart_minutes") or {}
    notes: tuple[str, ...] = ()
    if outcome is not None:  # just run: the engine's figures (read by key, so added keys do no harm)
        zones = tuple(_zone(r) for r in outcome.zones)
        datacenters = tuple(_datacenter(r) for r in outcome.datacenters)
        notes = tuple(outcome.notes)
    else:  # read back: the same figures as stored, or (a run stored without them) rebuilt from the samples
        zones, datacenters = _stored_figures(store, run_id) or _figures_from_samples(
            store, run_id, metrics, _world_of(row["scenario_yaml"]), s
        )
    fraction = s.get("allocated_vcpu_fraction")
    return RunResult(
        run_id=int(s["run_id"]),
        scenario=str(s["scenario"]),
        seed=int(s["seed"]),
        policy=str(s["policy"]),
        arrivals=int(s["arrivals"]),
        accepted=int(s["accepted"]),
        refused=int(s["refused"]),
        refused_fraction=float(s["refused_fraction"]),
        departures=int(s["departures"]),
        events=int(s["events"]),
        initial_vms=int(s.get("initial_vms", 0)),
        initial_refused=int(s.get("initial_refused", 0)),
        resident_vms_end=int(s.get("resident_vms_end", 0)),
        resident_vms_mean=float(s.get("resident_vms_mean", 0.0)),
        allocated_vcpu_fraction=float(fraction["mean"] if isinstance(fraction, dict) else fraction or 0.0),
        sim_days=float(s["sim_days"]),
        wall_s=float(s["wall_s"]),
        events_per_s=_float_or_none(s.get("events_per_s")),
        failures_by_level={str(k): int(v) for k, v in (s.get("failures") or {}).items()},
        vms_interrupted=int(s.get("vms_interrupted", 0)),
        vms_restarted=int(s.get("vms_restarted", 0)),
        vms_lost=int(s.get("vms_lost", 0)),
        vms_waiting=int(s.get("vms_waiting", 0)),
        restart_minutes_p50=_float_or_none(restart.get("p50")),
        restart_minutes_p99=_float_or_none(restart.get("p99")),
        service_figures=tuple(_service(v) for v in s.get("services") or ()),
        zones=zones,
        datacenters=datacenters,
        vms_interrupted_by_level=_vms_by_level(failures, s.get("failures") or {}),
        metrics=metrics,
        failures=failures,
        services=store.rows_frame("services", run_id),
        scenario_yaml=row["scenario_yaml"],
        summary_json=row["summary_json"],
        notes=notes,
        db=db,
    )


def _float_or_none(value: Any) -> float | None:
    """A JSON number as float, null as None."""
    return None if value is None else float(value)


def _zone(r: Mapping[str, Any]) -> ZoneFigures:
    """A zone row of the runner (a dict) as ZoneFigures; keys it lacks read as zero or None."""
    return ZoneFigures(
        region=str(r["region"]),
        zone=str(r["zone"]),
        servers=int(r.get("servers", 0)),
        arrivals=int(r.get("arrivals", 0)),
        refused=int(r.get("refused", 0)),
        departures=None if r.get("departures") is None else int(r["departures"]),
        resident_vms_mean=float(r.get("resident_vms_mean", 0.0)),
        allocated_vcpu_fraction=float(r.get("allocated_vcpu_fraction", 0.0)),
    )


def _datacenter(r: Mapping[str, Any]) -> DatacenterFigures:
    """A datacenter row of the runner (a dict) as DatacenterFigures; no resident_vms_mean (or None) reads None."""
    resident = r.get("resident_vms_mean")
    return DatacenterFigures(
        region=str(r["region"]),
        zone=str(r["zone"]),
        datacenter=str(r["datacenter"]),
        servers=int(r.get("servers", 0)),
        vms_placed=int(r.get("vms_placed", 0)),
        resident_vms_mean=None if resident is None else float(resident),
        allocated_vcpu_fraction=float(r.get("allocated_vcpu_fraction", 0.0)),
    )


def _stored_figures(
    store: ResultsStore, run_id: int
) -> tuple[tuple[ZoneFigures, ...], tuple[DatacenterFigures, ...]] | None:
    """The run's zone and datacenter figures from its `places` rows (in world order); None if it has none.

    Rows are the runner's dicts with NULL columns left out, so `_zone` and `_datacenter` read them as the
    runner's own rows."""
    rows = [{k: v for k, v in r.items() if v is not None} for r in store.rows_frame("places", run_id).to_pylist()]
    if not rows:
        return None
    zones = tuple(_zone(r) for r in rows if r["level"] == "zone")
    datacenters = tuple(_datacenter(r | {"datacenter": r["name"]}) for r in rows if r["level"] == "datacenter")
    return zones, datacenters


def _service(v: Mapping[str, Any]) -> ServiceFigures:
    """A service entry of the JSON summary as ServiceFigures."""
    return ServiceFigures(
        name=str(v["name"]),
        replicas=int(v["replicas"]),
        at_least=int(v["at_least"]),
        availability=float(v["availability"]),
        downtime_minutes_per_year=float(v["downtime_minutes_per_year"]),
        incidents=int(v["incidents"]),
        longest_outage_minutes=float(v["longest_outage_minutes"]),
    )


def _world_of(scenario_yaml: str) -> list[tuple[str, str, str, int]]:
    """(region, zone, datacenter, servers) of every datacenter of a stored (resolved) scenario, in world order.

    Read as plain YAML, not validated: a stored run stays readable when, say, its trace file is gone.
    """
    data = yaml.safe_load(scenario_yaml) or {}
    out = []
    for region in (data.get("world") or {}).get("regions") or []:
        for zone in region.get("zones") or []:
            datacenters = zone.get("datacenters")
            for dc in datacenters if isinstance(datacenters, list) else []:
                out.append((str(region["name"]), str(zone["name"]), str(dc["name"]), int(dc.get("servers", 0))))
    return out


def _figures_from_samples(
    store: ResultsStore,
    run_id: int,
    metrics: pa.Table,
    world: list[tuple[str, str, str, int]],
    summary: Mapping[str, Any],
) -> tuple[tuple[ZoneFigures, ...], tuple[DatacenterFigures, ...]]:
    """Zone and datacenter figures of a run stored without `places` rows: counts summed over its samples, means
    weighted by interval; each zone's allocated fraction is the summary's (exact)."""
    weight = "coalesce(interval_s, 1.0)" if "interval_s" in metrics.column_names else "1.0"
    rows = store.connection.execute(
        f"SELECT level, name, sum(arrivals), sum(refusals), sum(resident_vms * w) / nullif(sum(w), 0),"
        f" sum(allocated_vcpus * w) / nullif(sum(capacity_vcpus * w), 0)"
        f" FROM (SELECT *, {weight} AS w FROM metrics WHERE run_id = ?) GROUP BY level, name",
        [run_id],
    ).fetchall()
    sums = {
        (level, name): (int(a or 0), int(r or 0), float(m or 0.0), float(f or 0.0)) for level, name, a, r, m, f in rows
    }
    fraction = summary.get("allocated_vcpu_fraction")
    per_zone = fraction.get("per_zone", {}) if isinstance(fraction, dict) else {}
    zones = []
    for region, zone in dict.fromkeys((region, zone) for region, zone, _dc, _n in world):
        arrivals, refused, resident, allocated = sums.get(("zone", zone), (0, 0, 0.0, 0.0))
        zones.append(
            ZoneFigures(
                region=region,
                zone=zone,
                servers=sum(n for _r, z, _d, n in world if z == zone),
                arrivals=arrivals,
                refused=refused,
                departures=None,
                resident_vms_mean=resident,
                allocated_vcpu_fraction=float(per_zone.get(zone, allocated)),
            )
        )
    datacenters = []
    for region, zone, dc, servers in world:
        placed, _refused, resident, allocated = sums.get(("datacenter", dc), (0, 0, 0.0, 0.0))
        datacenters.append(
            DatacenterFigures(
                region=region,
                zone=zone,
                datacenter=dc,
                servers=servers,
                vms_placed=placed,
                resident_vms_mean=resident,
                allocated_vcpu_fraction=allocated,
            )
        )
    return tuple(zones), tuple(datacenters)


def _vms_by_level(failures: pa.Table, levels: Mapping[str, Any]) -> dict[str, int]:
    """VMs interrupted per failure level (every level of `levels`, then any other), summed over `failures` rows."""
    out: dict[str, int] = {str(level): 0 for level in levels}
    if failures.num_rows:
        for level, vms in zip(failures.column("level").to_pylist(), failures.column("vms_affected").to_pylist()):
            out[str(level)] = out.get(str(level), 0) + int(vms or 0)
    return out
