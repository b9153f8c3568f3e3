"""The engine: a compiled event loop over struct-of-arrays state (VM table, event heap, capacity index).

Public API (details in `core`, `metrics`, `explicit`):

- `Engine(server_vcpus, server_memory_mib, zone_server_start, server_zone=None, server_datacenter=None,
  n_datacenters=None, policy="first-fit", seed=0, sample_every_s=3600.0, vm_capacity_hint=65536,
  start_s=0.0)` (`cloudtwin.runner.engine_for_world` builds one over a world);
- driving: `place_initial(arrivals)` (steady-state start at the current time), `advance(arrivals, t_end_s)`
  (a chunk: arrivals in [now, t_end_s), events up to t_end_s), `run_explicit(arrivals)`;
- reading: `samples()` / `take_samples()` -> `Samples` (per tick, (T, zones) and (T, datacenters) arrays),
  `close_interval()` -> `Samples` (one row: the partial interval since the last tick, e.g. at the horizon),
  `counters()` -> `Counters` (totals, per zone and datacenter, time integrals and means), `free_vcpus()`,
  `free_memory_mib()`, `server_up()`, `resident_vms()`, `server_vm_slots(server)`, `now_s`;
- failures: `schedule(time_s, kind, payload)` + `on_event(kind, handler)` (handlers run at their
  instant with the loop paused), `set_server_down/up(servers)`, `evict(servers)`, `place_now(vms)`.

`simulate_explicit(server_vcpus, server_memory_mib, zone_server_start, arrivals, policy, seed)` runs a
given list of arrivals the VMP-FF-85 way and reports accepted/rejected/departures/events/free state/wall_s.
Same inputs and seed give bit-identical results, however a run is cut into chunks.
"""

from __future__ import annotations

from cloudtwin.engine.core import Engine
from cloudtwin.engine.explicit import simulate_explicit
from cloudtwin.engine.metrics import Counters, Samples
from cloudtwin.placement import jitcache  # noqa: F401  (first: before any compiled function is defined)

__all__ = ["Counters", "Engine", "Samples", "simulate_explicit"]
