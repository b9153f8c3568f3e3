"""One run of a scenario: world → workload → engine, chunk by chunk, into the results database.

`simulate` is what `cloudtwin run` calls; it is also the Python API for a run.
Random streams are spawned from the scenario seed in a fixed order (workload,
engine, failures, services, network), so adding a stream never shifts the others and the
same seed gives bit-identical results. Failures (`failures:`) and services
(`services:`) run inside the engine through `cloudtwin.failover.failover`; the
`services` stream is reserved (replica placement draws nothing at random).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cloudtwin.economics import run_headline
from cloudtwin.engine import Counters, Engine, Samples
from cloudtwin.engine.warmup import compile_engine
from cloudtwin.failover import Failover, RestartStats, failure_summary
from cloudtwin.failures import LEVEL_NAMES
from cloudtwin.network.demand import cross_region_gbps_per_vcpu
from cloudtwin.network.service_latency import ServiceLatency, routed_fiber
from cloudtwin.network.stage import NetworkStage
from cloudtwin.results import ROW_TABLES, ResultsStore, run_guard
from cloudtwin.runner.estimate import chunk_seconds
from cloudtwin.runner.preflight import Checked, preflight, seed_streams
from cloudtwin.runner.speed import record_speed
from cloudtwin.scenario import Scenario, scenario_hash, scenario_to_yaml
from cloudtwin.units import MIB_PER_GIB, SECONDS_PER_DAY
from cloudtwin.version import __version__
from cloudtwin.workload.sampler import WorkloadSampler
from cloudtwin.world import World, build_world

Progress = Callable[[float, int], None]  # (simulated seconds done, events so far)
#: Summary keys that measure this machine's clock, not the simulation: they differ between equal runs.
WALL_CLOCK_KEYS = ("wall_s", "events_per_s", "compile_s", "network_wall_s")


@dataclass
class RunOutcome:
    """What a run produced: its id in the results database, the JSON summary, per-zone and per-datacenter figures
    (from the engine's counters: they add up to the summary's totals)."""

    run_id: int
    summary: dict
    zones: list[dict] = field(default_factory=list)
    datacenters: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failure_vms: dict[str, int] = field(default_factory=dict)  # VMs interrupted per failure level


@dataclass
class RunParts:
    """What one run is made of: the world, the workload, the engine, (with failures or services) the failover, and
    the network, evaluated at each metric tick."""

    scenario: Scenario
    world: World
    sampler: WorkloadSampler
    engine: Engine
    failover: Failover | None
    network: NetworkStage
    service_latency: ServiceLatency | None = None  # the services with `traffic`, when there are any

    @property
    def horizon_s(self) -> float:
        return self.scenario.horizon.days * SECONDS_PER_DAY

    def start(self, say: Callable[[str], None] = lambda _msg: None) -> None:
        """The state at time 0: servers already down and service replicas first, then the population."""
        if self.failover is not None:
            self.failover.start()
        if self.scenario.horizon.start == "steady":
            initial = self.sampler.initial_population()
            say(f"placing the steady-state population: {len(initial):,} VMs")
            self.engine.place_initial(initial)

    def advance_chunks(self, step_s: float | None = None) -> Iterator[tuple[float, Samples]]:
        """Run to the horizon a chunk at a time, failures merged in; yields (chunk end, its metric ticks)."""
        step = step_s or chunk_seconds(self.sampler.mean_rate_per_s(), self.horizon_s)
        t = self.engine.now_s
        while t < self.horizon_s:
            t_end = min(t + step, self.horizon_s)
            if self.failover is not None:
                self.failover.schedule_until(t_end)
            self.engine.advance(self.sampler.arrivals_between(t, t_end), t_end)
            t = t_end
            yield t, self.engine.take_samples()

    def close_interval(self) -> Samples:
        """After the last chunk: the partial interval since the last tick as one more sample row, so the rows'
        counts add up to the run's; no row when the horizon falls on a tick."""
        if self.engine.now_s > self.engine.last_sample_s:
            return self.engine.close_interval()
        return self.engine.take_samples()  # none left: the chunks took them

    def failure_summary(self) -> dict:
        """The `run --json` failure and service keys (zeros and empty when the scenario has neither)."""
        if self.failover is None:
            return failure_summary(np.zeros(len(LEVEL_NAMES), dtype=np.int64), RestartStats(), 0, [])
        return self.failover.summary(self.horizon_s)


def engine_for_world(
    world: World,
    policy: str = "first-fit",
    seed: int | np.random.SeedSequence = 0,
    sample_every_s: float = 3600.0,
    vm_capacity_hint: int = 1 << 16,
) -> Engine:
    """An engine over a world's servers, zones and datacenters (the engine itself knows no world)."""
    return Engine(
        world.server_vcpus,
        world.server_memory_mib,
        world.zone_server_start,
        world.server_zone,
        world.server_datacenter,
        world.n_datacenters,
        policy,
        seed,
        sample_every_s,
        vm_capacity_hint,
    )


def prepare_run(scenario: Scenario, checked: Checked | None = None) -> RunParts:
    """Build the world, the workload sampler, the engine and the failover of `scenario` from its seed (the world and
    the sampler the preflight built, when given: traces are read once)."""
    streams = seed_streams(scenario)
    if checked is not None and checked.scenario is scenario:
        world, sampler = checked.world, checked.sampler
    else:
        world, sampler = build_world(scenario), WorkloadSampler(scenario, streams["workload"])
    sample_every_s = scenario.horizon.sample_every_minutes * 60.0
    hint = int(sampler.expected_resident_vms() * 1.05) + 1024
    engine = engine_for_world(world, scenario.placement.policy, streams["engine"], sample_every_s, hint)
    failover = (
        Failover(engine, world, scenario, streams["failures"])
        if scenario.failures is not None or scenario.services
        else None
    )
    network = NetworkStage(world, scenario, streams["network"], scenario.horizon.days * SECONDS_PER_DAY)
    service_latency = None
    if any(s.traffic is not None for s in scenario.services):
        fiber = routed_fiber(world, scenario.network, network.links, network.cuts)
        service_latency = ServiceLatency(world, scenario, fiber)
    return RunParts(scenario, world, sampler, engine, failover, network, service_latency)


def simulate(
    scenario: Scenario,
    db_path: Path | str,
    progress: Progress | None = None,
    status: Callable[[str], None] | None = None,
    checked: Checked | None = None,
) -> RunOutcome:
    """Run `scenario` for its horizon and append the run to the DuckDB file at `db_path`.

    The preflight (`checked`, else run here) refuses what the run would fail on, and the results database is
    opened (its schema checked) before anything is compiled or simulated: a run starts only when it can finish.
    """
    if checked is None or checked.scenario is not scenario:
        checked = preflight(scenario)
    with ResultsStore(db_path) as store:
        # compiled code first (~20 s the first time on a machine, then a cache load): not part of the run's wall_s
        compile_s = compile_engine(
            scenario.placement.policy, scenario.failures is not None or bool(scenario.services), check=False
        )
        wall0 = time.perf_counter()
        run = prepare_run(scenario, checked)
        world, engine, failover = run.world, run.engine, run.failover
        run_id = store.start_run(
            scenario.name, scenario_to_yaml(scenario), scenario_hash(scenario), scenario.seed, __version__
        )
        with run_guard(store, run_id):
            run.start(status or (lambda _msg: None))
            for t, samples in run.advance_chunks():
                _store_ticks(store, run_id, run, samples)
                store.heartbeat(run_id)  # alive at the end of each chunk: a killed run says when it was last seen
                if progress is not None:
                    progress(t, engine.counters().events)
            _store_ticks(store, run_id, run, run.close_interval())
            counters = engine.counters()
            wall_s = time.perf_counter() - wall0
            outcome = _outcome(run_id, scenario, world, counters, wall_s, run.failure_summary())
            outcome.summary["network"] = run.network.summary()
            outcome.summary["economics"] = run_headline(
                scenario, outcome.summary, store, run_id, cross_region_gbps_per_vcpu(scenario)
            )
            outcome.summary["network_wall_s"] = run.network.totals.wall_s
            if run.service_latency is not None:
                _add_service_latency(outcome.summary, run.service_latency)
            outcome.summary["compile_s"] = compile_s
            store.append_rows("places", run_id, _place_rows(outcome))
            store.finish_run(run_id, wall_s, counters.events, outcome.summary)
    record_speed("run", counters.events, wall_s)
    if failover is not None:
        outcome.failure_vms = failover.vms_by_level()
    outcome.notes = list(checked.warnings)
    return outcome


def _add_service_latency(summary: dict, service_latency: ServiceLatency) -> None:
    """Each service with `traffic` gets `latency_ms` in the summary: per path, p50/p99/p999 of the run's requests
    and p99_max, the highest p99 of a tick (`ServiceLatency.summary`); its wall time counts in `network_wall_s`."""
    figures = service_latency.summary()
    summary["network_wall_s"] = summary.get("network_wall_s", 0.0) + service_latency.wall_s
    for entry in summary.get("services", []):
        if entry["name"] in figures:
            entry["latency_ms"] = figures[entry["name"]]


def _place_rows(outcome: RunOutcome) -> dict[str, list]:
    """The outcome's zone rows, then its datacenter rows, as `places` columns (None where a row lacks the key)."""
    rows = [{"level": "zone", "name": z["zone"], **z} for z in outcome.zones] + [
        {"level": "datacenter", "name": d["datacenter"], **d} for d in outcome.datacenters
    ]
    return {column: [row.get(column) for row in rows] for column in ROW_TABLES["places"]}


def _store_ticks(store: ResultsStore, run_id: int, run: RunParts, samples: Samples) -> None:
    """Append sample rows, the failover's rows up to them (failures, services' state at each row's time) and the
    network's (each link at each tick; each service with traffic, its request latency at each tick)."""
    _store_samples(store, run_id, run.world, samples)
    requests: list[np.ndarray | None] | None = None
    if run.service_latency is not None and run.failover is not None and len(samples):
        placements = run.failover.service_placements(samples.time_s)
        latency = run.service_latency.observe(samples.time_s, samples.interval_s, placements)
        store.append_rows("latency", run_id, latency)
        requests = run.service_latency.traffic_gbps(samples.time_s, placements)
    if len(samples):
        links = run.network.observe(samples.time_s, samples.interval_s, samples.datacenter_allocated_vcpus, requests)
        store.append_rows("links", run_id, links)
    if run.failover is not None:
        for table, rows in run.failover.take_rows(samples.time_s).items():
            store.append_rows(table, run_id, rows)


def _store_samples(store: ResultsStore, run_id: int, world: World, s: Samples) -> None:
    """Append one chunk's metric ticks, per zone and per datacenter, in long format, with each one's interval."""
    if len(s) == 0:
        return
    ticks = len(s)
    zone_region = [world.region_names[r] for r in world.zone_region]
    zone_vcpus = np.broadcast_to(world.vcpus_per("zone"), (ticks, world.n_zones))
    zone_mem = np.broadcast_to(world.memory_mib_per("zone") / MIB_PER_GIB, (ticks, world.n_zones))
    store.append_metrics(
        run_id,
        "zone",
        list(world.zone_names),
        list(world.zone_names),
        zone_region,
        s.time_s,
        {
            "allocated_vcpus": s.zone_allocated_vcpus,
            "allocated_memory_gib": s.zone_allocated_memory_mib / MIB_PER_GIB,
            "capacity_vcpus": zone_vcpus,
            "capacity_memory_gib": zone_mem,
            "resident_vms": s.zone_resident_vms,
            "arrivals": s.zone_arrivals,
            "refusals": s.zone_refusals,
        },
        s.interval_s,
    )
    dc_zone = [world.zone_names[z] for z in world.datacenter_zone]
    dc_region = [world.region_names[world.zone_region[z]] for z in world.datacenter_zone]
    n_dc = world.n_datacenters
    store.append_metrics(
        run_id,
        "datacenter",
        list(world.datacenter_names),
        dc_zone,
        dc_region,
        s.time_s,
        {
            "allocated_vcpus": s.datacenter_allocated_vcpus,
            "allocated_memory_gib": s.datacenter_allocated_memory_mib / MIB_PER_GIB,
            "capacity_vcpus": np.broadcast_to(world.vcpus_per("datacenter"), (ticks, n_dc)),
            "capacity_memory_gib": np.broadcast_to(world.memory_mib_per("datacenter") / MIB_PER_GIB, (ticks, n_dc)),
            "resident_vms": s.datacenter_resident_vms,
            # a request targets a zone and is placed or refused there: per datacenter, arrivals are the VMs
            # placed into it and refusals do not arise (0)
            "arrivals": s.datacenter_placements,
            "refusals": np.zeros((ticks, n_dc), dtype=np.int64),
        },
        s.interval_s,
    )


def _outcome(run_id: int, scenario: Scenario, world: World, c: Counters, wall_s: float, failures: dict) -> RunOutcome:
    """The run's JSON summary (the `run --json` contract) and a row per zone and per datacenter."""
    vcpu_fraction = c.zone_allocated_vcpu_fraction
    resident_mean = c.zone_resident_vms_mean
    capacity = world.vcpus_per("zone").astype(np.float64)
    summary = {
        "run_id": run_id,
        "scenario": scenario.name,
        "seed": scenario.seed,
        "policy": scenario.placement.policy,
        "arrivals": c.arrivals,
        "accepted": c.accepted,
        "refused": c.refused,
        "refused_fraction": c.refused_fraction,
        "departures": c.departures,
        "events": c.events,
        "initial_vms": c.initial_placed,
        "initial_refused": c.initial_refused,
        "resident_vms_end": c.resident_vms,
        "resident_vms_mean": float(np.nansum(resident_mean)),
        "allocated_vcpu_fraction": {
            "mean": float(np.sum(c.zone_vcpu_seconds) / (max(c.elapsed_s, 1e-300) * max(capacity.sum(), 1.0))),
            "per_zone": {z: float(f) for z, f in zip(world.zone_names, vcpu_fraction)},
        },
        "sim_days": c.elapsed_s / SECONDS_PER_DAY,
        "wall_s": wall_s,
        "events_per_s": c.events / wall_s if wall_s > 0 else None,
        **failures,
    }
    zones = [
        {
            "region": world.region_names[world.zone_region[z]],
            "zone": world.zone_names[z],
            "servers": int(world.zone_server_start[z + 1] - world.zone_server_start[z]),
            "arrivals": int(c.zone_arrivals[z]),
            "refused": int(c.zone_refusals[z]),
            "departures": int(c.zone_departures[z]),
            "resident_vms_mean": float(resident_mean[z]),
            "allocated_vcpu_fraction": float(vcpu_fraction[z]),
        }
        for z in range(world.n_zones)
    ]
    return RunOutcome(run_id, summary, zones, _datacenter_rows(world, c))


def _datacenter_rows(world: World, c: Counters) -> list[dict]:
    """A row per datacenter: where it is, its servers, the arrivals placed there and its mean vCPU allocation
    (resident VMs are not integrated per datacenter: one more add per event in the loop)."""
    vcpu_fraction = c.datacenter_allocated_vcpu_fraction
    rows = []
    for d in range(world.n_datacenters):
        z = int(world.datacenter_zone[d])
        rows.append(
            {
                "region": world.region_names[world.zone_region[z]],
                "zone": world.zone_names[z],
                "datacenter": world.datacenter_names[d],
                "servers": int(world.datacenter_server_start[d + 1] - world.datacenter_server_start[d]),
                "vms_placed": int(c.datacenter_placements[d]),
                "allocated_vcpu_fraction": float(vcpu_fraction[d]),
            }
        )
    return rows
