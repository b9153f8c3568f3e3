"""The Python API: load a scenario, run it, read a stored run back, all as typed, frozen objects.

    import cloudtwin
    sc = cloudtwin.load("small", set={"horizon.days": 0.5})   # a preset name or a scenario file
    res = cloudtwin.run(sc)                                     # in memory; db="runs.duckdb" to keep it
    res.refused_fraction, res.zones, res.metrics                # typed fields; tables as pyarrow Tables
    res2 = cloudtwin.run(sc.with_({"placement.policy": "power-of-two"}))   # validated like --set
    cloudtwin.open("runs.duckdb")                               # the latest run stored there, as a RunResult

`import cloudtwin` reaches this module only when one of its names is used, and this module
imports the runner (numba) and the results store (duckdb) only inside `load`, `run` and `open`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from cloudtwin.errors import ResultsError, ScenarioError
from cloudtwin.presets import preset_names
from cloudtwin.scenario import Scenario, load_preset, load_scenario

if TYPE_CHECKING:
    import pyarrow as pa

    from cloudtwin.economics import CostReport
    from cloudtwin.planning import Plan
    from cloudtwin.results import ResultsStore
    from cloudtwin.runner import RunOutcome

__all__ = [
    "CostReport",
    "DatacenterFigures",
    "RunResult",
    "ServiceFigures",
    "ZoneFigures",
    "cost",
    "load",
    "open",
    "plan",
    "run",
    "sweep",
    "write_report",
]

#: A run's progress callback: (simulated seconds done, events so far), called after each chunk.
Progress = Callable[[float, int], None]


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


# --------------------------------------------------------------------------- load


def load(name_or_path: str | os.PathLike[str], set: Mapping[str, object] | None = None) -> Scenario:
    """A preset (by name) or a scenario file, with `set` (dotted key -> value) applied exactly as `--set`.

    Bad input is a ScenarioError naming the file, key and line; a scenario this machine cannot hold in
    memory is refused here, as by the command line.
    """
    from cloudtwin.runner.preflight import check_memory

    values = _changes(set)
    if isinstance(name_or_path, str) and name_or_path in preset_names():
        scenario = load_preset(name_or_path, values=values)
    elif isinstance(name_or_path, str) and not _looks_like_file(name_or_path):
        scenario = load_preset(name_or_path, values=values)  # unknown: the preset list, with a did-you-mean
    else:
        scenario = load_scenario(Path(name_or_path), values=values)
    check_memory(scenario)
    return scenario


def _looks_like_file(text: str) -> bool:
    """A string that names a file rather than a preset: it exists, has a separator or a YAML suffix."""
    return os.path.exists(text) or os.sep in text or "/" in text or text.endswith((".yaml", ".yml"))


def _changes(changes: Mapping[str, object] | None) -> dict[str, object]:
    """`set=` as a dict; anything but a mapping is a ScenarioError saying what to pass."""
    if changes is None:
        return {}
    if not isinstance(changes, Mapping):
        raise ScenarioError(
            f"`set` must be a mapping of dotted keys to values, like {{'horizon.days': 2}} "
            f"(got {type(changes).__name__})"
        )
    return dict(changes)


# --------------------------------------------------------------------------- run


def run(
    scenario: Scenario,
    db: str | Path | None = None,
    progress: Progress | None = None,
    *,
    status: Callable[[str], None] | None = None,
) -> RunResult:
    """Simulate `scenario` for its horizon; the result holds its figures and tables and outlives the run.

    `db`: a results database (DuckDB file) to append the run to; None keeps nothing (a temporary file,
    removed). `progress(simulated_s, events)` is called after each chunk, `status(message)` for status lines.
    The run's preflight (as `cloudtwin validate`) refuses, with a ScenarioError, a run that would fail or that
    this machine could not finish (memory, or longer than `CLOUDTWIN_MAX_RUN_HOURS` at its measured speed).
    """
    from cloudtwin.runner import simulate
    from cloudtwin.runner.preflight import preflight

    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"`scenario` must be a Scenario (from cloudtwin.load), not {type(scenario).__name__}")
    checked = preflight(scenario)  # what `cloudtwin validate` checks: refused here, before any database is touched
    if db is not None:
        outcome = simulate(scenario, db, progress=progress, status=status, checked=checked)
        return _read_back(Path(db), outcome.run_id, outcome, keep_path=True)
    with tempfile.TemporaryDirectory(prefix="cloudtwin-") as folder:
        path = Path(folder) / "run.duckdb"
        outcome = simulate(scenario, path, progress=progress, status=status, checked=checked)
        return _read_back(path, outcome.run_id, outcome, keep_path=False)


def _read_back(path: Path, run_id: int, outcome: RunOutcome, keep_path: bool) -> RunResult:
    """The run's result: its stored summary and tables, with the engine's exact zone and datacenter figures."""
    from cloudtwin.results import ResultsStore

    with ResultsStore(path, read_only=True) as store:
        return _result(store, run_id, outcome, str(store.path) if keep_path else None)


# --------------------------------------------------------------------------- sweep


def sweep(
    spec: str | os.PathLike[str] | Mapping[str, Any],
    db: str | Path | None = None,
    jobs: int | None = None,
    ray: str | None = None,
) -> pa.Table:
    """Run a sweep (a spec file, or the same as a mapping; see `cloudtwin.sweep`) and return a row per axis point:
    the axis columns, then `<metric>_mean`, `<metric>_ci_low`, `<metric>_ci_high` (95 % over replications).

    `db`: a results database to store the runs in (running the same spec again there resumes it); None keeps
    nothing. `jobs`: local worker processes (default one per core); `ray`: "auto" or a Ray cluster address.
    """
    from cloudtwin.sweeps.sweep import sweep_table

    return sweep_table(spec, db, jobs=jobs, ray=ray)


# --------------------------------------------------------------------------- cost


def cost(
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    db: str | os.PathLike[str] | None = None,
    run_id: int | Literal["latest"] | None = None,
    set: Mapping[str, object] | None = None,
) -> CostReport:
    """A month of the cloud's money, as `cloudtwin cost` shows it: the provider's cost built from its parts (its
    split an output), each tenant's bill, revenue, margin, cost per vCPU-hour, rent or build per workload.

    `scenario` (a Scenario, a preset name or a scenario file, with `set` applied as by `load`): priced at its
    expected steady state, with no simulation. `db` (and `run_id`, default the latest finished run): priced as that
    stored run measured it, with the scenario stored with the run (`set` applied to it: the same run under other
    prices). `.to_json()` is exactly `cloudtwin cost --json`'s object.
    """
    from cloudtwin.economics import expected_cost
    from cloudtwin.network.demand import cross_region_gbps_per_vcpu

    if db is not None:
        if scenario is not None:
            raise ScenarioError("give a scenario or a stored run (`db`), not both: a run is priced with its own")
        return stored_cost(db, run_id, values=_changes(set))
    if run_id is not None:
        raise ScenarioError("`run_id` needs `db`, the results database that holds the run")
    if scenario is None:
        raise ScenarioError("give a scenario (a Scenario, a preset name or a file) or `db` with a stored run")
    if isinstance(scenario, Scenario):
        loaded = scenario.with_(_changes(set)) if set else scenario
    else:
        loaded = load(scenario, set=set)
    return expected_cost(loaded, cross_region_gbps_per_vcpu(loaded))


def stored_cost(
    db: str | os.PathLike[str],
    run_id: int | str | None = None,
    overrides: tuple[str, ...] | list[str] = (),
    values: Mapping[str, object] | None = None,
) -> CostReport:
    """`cost` of a stored, finished run (`overrides`: `--set KEY=VALUE` strings, `values`: the same as a mapping,
    applied to the run's own scenario)."""
    from cloudtwin.economics import measured_from_store, run_cost
    from cloudtwin.network.demand import cross_region_gbps_per_vcpu
    from cloudtwin.results import ResultsStore
    from cloudtwin.scenario import parse_scenario

    with ResultsStore(Path(db), read_only=True) as store:
        found = store.pick_run(run_id, finished=True)
        row = store.get_run(found)
        scenario = parse_scenario(
            row["scenario_yaml"], source=f"run {found} scenario", overrides=list(overrides), values=values
        )
        measured = measured_from_store(store, found, scenario, row["summary"] or {})
    return run_cost(scenario, measured, cross_region_gbps_per_vcpu(scenario))


# --------------------------------------------------------------------------- plan


def plan(
    scenario: Scenario,
    years: int = 5,
    db: str | Path | None = None,
    report: str | os.PathLike[str] | None = None,
) -> Plan:
    """A capacity plan of `scenario` over `years` (as `cloudtwin plan`): every build, each region's demand and
    capacity month by month, servers added per day per year and the shortfalls; `.to_json()` is what
    `cloudtwin plan --json` prints (less `plan_id`). `db`: also store it in that results database;
    `report`: also write its charts to that HTML file. Bad input is a ScenarioError or PlanError naming it.
    """
    from cloudtwin.planning import check_years, make_plan

    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"`scenario` must be a Scenario (from cloudtwin.load), not {type(scenario).__name__}")
    made = make_plan(scenario, check_years(years))
    if db is not None:
        from cloudtwin.planning.store import store_plan

        store_plan(made, db)
    if report is not None:
        from cloudtwin.report.build import write_page
        from cloudtwin.report.plan_charts import plan_report_html

        write_page(plan_report_html(made), report)
    return made


# --------------------------------------------------------------------------- report


def write_report(
    path: str | Path, run_id: int | Literal["latest"] | None = None, output: str | os.PathLike[str] | None = None
) -> Path:
    """Write the HTML report of a run stored at `path` (the latest finished one unless `run_id` is given; a run of
    any status can be reported) to `output` (default `run-N.html` in the current folder); returns the file.

    The same page as `cloudtwin report`: one self-contained file that works offline.
    """
    from cloudtwin.report.build import report_path, write_run_report

    return write_run_report(Path(path), run_id, output if output is not None else report_path)


# --------------------------------------------------------------------------- open


def open(path: str | Path, run_id: int | Literal["latest"] | None = None) -> RunResult:
    """A run stored in the results database at `path` (the latest finished one unless `run_id` is given).

    The same object `run` gave (equal in every compared field, `to_json()` included): the zone and datacenter
    figures are the engine's, as stored in the `places` table. Only a run stored without them (written before
    that table, in a file since migrated) has them rebuilt from its samples: means time-weighted over the
    sample ticks (the engine's are exact between events) and per-zone departures None.
    A run that did not finish is a ResultsError.
    """
    from cloudtwin.results import ResultsStore

    with ResultsStore(path, read_only=True) as store:
        return _result(store, store.pick_run(run_id, finished=True), None, str(store.path))


# --------------------------------------------------------------------------- building the result


def _result(store: ResultsStore, run_id: int, outcome: RunOutcome | None, db: str | None) -> RunResult:
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
