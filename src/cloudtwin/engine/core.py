"""`Engine`: the Python face of the compiled event loop — owns the state, feeds it chunks, grows it.

Typical use (the `cloudtwin run` driver):

    engine = Engine(server_vcpus, server_memory_mib, zone_server_start, policy="best-fit", seed=ss)
    engine.place_initial(initial_vms)            # steady-state start (optional)
    for t_end, chunk in chunks:                  # arrivals with time in [now, t_end), time-sorted
        engine.advance(chunk, t_end)
        store(engine.take_samples())             # samples since the last take
    if engine.now_s > engine.last_sample_s:
        store(engine.close_interval())           # the last, partial interval as one more row
    totals = engine.counters()                   # per zone / datacenter too: equal the rows' sums

Events other than VM departures (failures, repairs, ...) are scheduled with
`schedule(time_s, kind, payload)`; when one comes due inside `advance`, the loop
stops, the handler registered with `on_event(kind, handler)` runs as
`handler(engine, time_s, payload)` with the state exactly at that instant, and
the loop resumes. Handlers use `set_server_down/up`, `evict` and `place_now`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine import calendar as cq
from cloudtwin.engine import heap as hp
from cloudtwin.engine import interventions, loop, state
from cloudtwin.engine import queue_growth as qg
from cloudtwin.engine.inputs import check_arrivals, initial_departure_rate
from cloudtwin.engine.metrics import Counters, Samples
from cloudtwin.errors import EngineError
from cloudtwin.placement.index import build_capacity, capacity_state, set_up

Handler = Callable[["Engine", float, int], None]
TUNE_MIN_ARRIVALS = 256  # arrivals a chunk needs before its rate retunes the queue (estimate: ~6 % noise)
TUNE_FACTOR = 4.0  # re-bucket a non-empty queue only when the ideal width is this far off


class Engine:
    """A fleet of servers in zones, a placement policy, VMs coming and going; see the module docstring."""

    def __init__(
        self,
        server_vcpus: np.ndarray,
        server_memory_mib: np.ndarray,
        zone_server_start: np.ndarray,
        server_zone: np.ndarray | None = None,
        server_datacenter: np.ndarray | None = None,
        n_datacenters: int | None = None,
        policy: str = "first-fit",
        seed: int | np.random.SeedSequence = 0,
        sample_every_s: float = 3600.0,
        vm_capacity_hint: int = 1 << 16,
        start_s: float = 0.0,
    ) -> None:
        self._cap = build_capacity(server_vcpus, server_memory_mib, zone_server_start, policy, seed)
        zone_of = self._cap.server_zone
        n = len(zone_of)
        if server_zone is not None and not np.array_equal(np.asarray(server_zone), zone_of):
            raise EngineError("server_zone disagrees with zone_server_start (servers must be contiguous by zone)")
        dc = np.asarray(zone_of if server_datacenter is None else server_datacenter)
        n_dc = (int(dc.max()) + 1 if n else 0) if n_datacenters is None else int(n_datacenters)
        try:
            if dc.shape != (n,):
                raise ValueError(f"one datacenter per server is needed (got shape {dc.shape})")
            layout = state.datacenter_layout(self._cap.zone_start, dc, n_dc)
        except ValueError as exc:
            raise EngineError(f"server_datacenter: {exc}") from None
        if not sample_every_s > 0:  # inf: no metric ticks
            raise EngineError(f"sample_every_s must be a positive number or inf (got {sample_every_s})")
        if not (np.isfinite(start_s) and start_s >= 0):  # the queue orders times by their bits: >= 0 only
            raise EngineError(f"start_s must be a finite time >= 0 (got {start_s})")
        self.policy = policy
        self.n_zones = len(self._cap.zone_start) - 1
        if self.n_zones >= state.MAX_ZONES:
            raise EngineError(f"at most {state.MAX_ZONES - 1} zones (got {self.n_zones})")
        self.n_datacenters = n_dc
        per_zone = np.zeros(self.n_zones + 1, dtype=np.int64)
        np.add.at(per_zone, zone_of, np.asarray(server_vcpus, dtype=np.int64))
        self.zone_capacity_vcpus = per_zone[:-1]
        running = np.concatenate([[0], np.cumsum(np.asarray(server_vcpus, dtype=np.int64))])
        self.datacenter_capacity_vcpus = np.diff(running[layout[2]])  # datacenters are contiguous server ranges
        capacity = max(int(vm_capacity_hint), 16)
        self._vms = state.new_vm_table(capacity, n)
        self._queue = cq.new_queue(capacity, start_s=start_s)
        self._tuned = False  # bucket width still the default (no event rate seen yet)
        self._met = state.new_metrics(*layout)
        self._met.zone_last_s[:] = start_s
        self._cnt = np.zeros(state.N_COUNTERS, dtype=np.int64)
        self._clk = np.zeros(state.N_CLOCK, dtype=np.float64)
        self._clk[[state.NOW_S, state.ORIGIN_S]] = start_s
        self._clk[state.SAMPLE_EVERY_S] = sample_every_s
        self._clk[state.NEXT_TICK_S] = start_s + sample_every_s
        self._ticks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._last_sample_s = start_s  # time of the last row handed to `_ticks` (tick or closed interval)
        self._handlers: dict[int, Handler] = {}
        self._running = False

    # ------------------------------------------------------------------ driving

    @property
    def now_s(self) -> float:
        return float(self._clk[state.NOW_S])

    def place_initial(self, arrivals: Arrivals) -> None:
        """Place VMs at the current time (the steady-state start), each leaving after its `lifetime_s`.

        Their `time_s` is ignored; they are counted as initial_placed/refused, not as arrivals.
        """
        check_arrivals(arrivals, self.n_zones, EngineError, -np.inf, timed=False)
        self._tune(initial_departure_rate(arrivals.lifetime_s))
        blocks, far = qg.batch_room(self._queue, self.now_s, arrivals.lifetime_s)
        self._queue = qg.grow(self._queue, blocks=blocks, far=far + far // 4)  # once, not by doublings
        self._drive(arrivals, self.now_s, loop.INITIAL)

    def advance(self, arrivals: Arrivals, t_end_s: float) -> None:
        """Run to `t_end_s`: every arrival of the chunk (all with now <= time < t_end_s) and every
        queued event with time <= t_end_s, in time order, taking the metric ticks due."""
        if not (np.isfinite(t_end_s) and t_end_s >= self.now_s):
            raise EngineError(f"t_end_s must be finite and not precede the engine's time {self.now_s} (got {t_end_s})")
        check_arrivals(arrivals, self.n_zones, EngineError, self.now_s, t_end_s)
        if len(arrivals) >= TUNE_MIN_ARRIVALS and t_end_s > self.now_s:
            self._tune(len(arrivals) / (t_end_s - self.now_s))
        self._drive(arrivals, t_end_s, loop.ADVANCE)

    def run_explicit(self, arrivals: Arrivals, check: bool = True) -> None:
        """Handle every arrival and stop right after the last one (events at times <= it are processed).

        `check=False` skips validating `arrivals` (for a caller that already did, outside its timing).
        """
        if check:
            check_arrivals(arrivals, self.n_zones, EngineError, self.now_s)
        span_s = float(arrivals.time_s[-1]) - self.now_s if len(arrivals) else 0.0
        if len(arrivals) >= TUNE_MIN_ARRIVALS and span_s > 0:
            self._tune(len(arrivals) / span_s)
        self._drive(arrivals, np.inf, loop.EXPLICIT)

    def _drive(self, a: Arrivals, t_end: float, mode: int) -> None:
        if self._running:
            raise EngineError("the engine cannot be advanced from inside an event handler")
        self._running = True
        try:
            i = 0
            while True:
                status, i = loop.run(
                    self._cap,
                    self._vms,
                    self._queue,
                    self._met,
                    self._cnt,
                    self._clk,
                    a.time_s,
                    a.vcpus,
                    a.memory_mib,
                    a.instance_type,
                    a.zone,
                    a.lifetime_s,
                    a.workload,
                    i,
                    t_end,
                    mode,
                )
                if status == loop.DONE:
                    break
                if status == loop.NEED_VM_ROOM:
                    size = state.vm_capacity(self._vms)
                    self._grow_vms(size + 1, size + len(a) - i)
                elif status == loop.NEED_QUEUE_ROOM:
                    q = self._queue
                    self._queue = qg.grow(q, blocks=1, late=1, far=1, run=qg.next_bucket_size(q))
                elif status == loop.NEED_TICK_ROOM:
                    self._collect_ticks()
                elif status == loop.NEED_RENUMBER:
                    self._renumber()
                else:
                    self._dispatch()
        finally:
            self._running = False
        self._collect_ticks()

    def _renumber(self) -> None:
        seqs = self._vms.hot[state.V_SEQ :: state.HOT_WIDTH]
        width = float(self._queue.qf[cq.WIDTH_S])
        self._queue, self._cnt[state.NEXT_SEQ] = qg.rebuild(self._queue, width, self.now_s, seqs)

    def _tune(self, rate_per_s: float) -> None:
        """Fit the queue's bucket width to `rate_per_s` events a second: set it on an empty queue, re-bucket
        a full one only when the width is off by more than TUNE_FACTOR (a rebuild touches every entry)."""
        if not (np.isfinite(rate_per_s) and rate_per_s > 0):
            return
        want = cq.width_for_rate(rate_per_s)
        have = float(self._queue.qf[cq.WIDTH_S])
        if cq.pending(self._queue) == 0:
            cq.set_width(self._queue, want, self.now_s)
        elif not self._tuned or not 1.0 / TUNE_FACTOR <= want / have <= TUNE_FACTOR:
            self._queue = qg.rebuild(self._queue, want, self.now_s)[0]
        self._tuned = True

    def _grow_vms(self, minimum: int, upper: int | None = None) -> None:
        """At least `minimum` slots: double, but not past `upper` (what could still be needed)."""
        size = state.vm_capacity(self._vms)
        new = max(minimum, min(2 * size, upper if upper is not None else 2 * size))
        if new > hp.SLOT_LIMIT:
            raise EngineError(f"more than {hp.SLOT_LIMIT} VMs at once: beyond what the event queue can address")
        self._vms = state.grow_vm_table(self._vms, new)

    def _ensure_room(self, vms: int) -> None:
        """At least `vms` free slots and queue room, for Python-side starts."""
        free = self._cnt[state.N_FREE] + state.vm_capacity(self._vms) - self._cnt[state.NEVER_USED]
        if free < vms:
            self._grow_vms(state.vm_capacity(self._vms) + vms - int(free))
        if not cq.has_room(self._queue, vms):
            self._queue = qg.grow(self._queue, blocks=vms, late=vms, far=vms)
        if self._cnt[state.NEXT_SEQ] + vms >= hp.SEQ_LIMIT:
            self._renumber()

    # ------------------------------------------------------------------ events for Python

    def on_event(self, kind: int, handler: Handler) -> None:
        """Call `handler(engine, time_s, payload)` for each scheduled event of `kind` (1..15) as it comes due."""
        if not 0 < kind <= hp.KIND_MASK:
            raise EngineError(f"event kind must lie in [1, {hp.KIND_MASK}] (0 is a VM departure; got {kind})")
        self._handlers[kind] = handler

    def schedule(self, time_s: float, kind: int, payload: int) -> None:
        """Queue an event for `on_event`'s handler at `time_s` (>= now); equal times run in scheduling order."""
        if kind not in self._handlers:
            raise EngineError(f"no handler registered for event kind {kind}")
        if not (np.isfinite(time_s) and time_s >= self.now_s) or not 0 <= payload < hp.SLOT_LIMIT:
            raise EngineError(
                f"an event needs now <= time_s < inf and 0 <= payload < {hp.SLOT_LIMIT} (got {time_s}, {payload})"
            )
        self._ensure_room(1)
        seq = int(self._cnt[state.NEXT_SEQ])
        self._cnt[state.NEXT_SEQ] += 1
        cq.push(self._queue, float(time_s), seq, hp.pack(int(payload), int(kind)))

    def _dispatch(self) -> None:
        payload = int(self._cnt[state.EVENT_PAYLOAD])
        self._handlers[hp.kind_of(payload)](self, float(self._clk[state.EVENT_TIME_S]), hp.index_of(payload))

    # ------------------------------------------------------------------ server state (for failures)

    def set_server_down(self, servers: np.ndarray | list[int]) -> None:
        """Mark servers down: capacity <= -1 to every policy until `set_server_up` (their VMs stay; see `evict`)."""
        for s in self._servers(servers):
            set_up(self._cap, int(s), False)

    def set_server_up(self, servers: np.ndarray | list[int]) -> None:
        for s in self._servers(servers):
            set_up(self._cap, int(s), True)

    def _servers(self, servers: np.ndarray | list[int]) -> np.ndarray:
        srv = np.atleast_1d(np.asarray(servers, dtype=np.int64))
        if len(srv) and (srv.min() < 0 or srv.max() >= len(self._vms.first_vm)):
            raise EngineError(f"servers must lie in [0, {len(self._vms.first_vm)}) (got {srv.tolist()[:5]})")
        return srv

    def server_up(self) -> np.ndarray:
        return capacity_state(self._cap)[2]

    def evict(self, servers: np.ndarray | list[int]) -> dict[str, np.ndarray]:
        """Interrupt every VM on `servers` now; returns their columns (server, vcpus, memory_mib,
        instance_type, zone, workload, start_s, remaining_s). Their departures are dropped lazily."""
        srv = np.unique(self._servers(servers))  # a server listed twice is evicted once
        k = int(interventions.vms_on_servers(self._vms, srv))
        slots = np.empty(k, dtype=np.int64)
        on = np.empty(k, dtype=np.int64)
        interventions.evict_servers(self._cap, self._vms, self._met, self._cnt, srv, self.now_s, slots, on)
        out = self._columns(slots)
        out["server"] = on
        out["remaining_s"] = out.pop("end_s") - self.now_s
        del out["slot"]
        return out

    def _columns(self, slots: np.ndarray) -> dict[str, np.ndarray]:
        hot = self._vms.hot.reshape(-1, state.HOT_WIDTH)[slots]
        times = self._vms.times.reshape(-1, state.TIME_WIDTH)[slots]
        size = hot[:, state.V_SIZE]
        return {
            "slot": slots,
            "server": hot[:, state.V_SERVER].astype(np.int64),
            "vcpus": size & state.SIZE_MASK,
            "memory_mib": hot[:, state.V_MEMORY_MIB].astype(np.int64),
            "instance_type": hot[:, state.V_INSTANCE_TYPE].copy(),
            "zone": size >> state.SIZE_BITS,
            "workload": hot[:, state.V_WORKLOAD].copy(),
            "start_s": times[:, state.T_START_S].copy(),
            "end_s": times[:, state.T_END_S].copy(),
        }

    def place_now(self, vms: Arrivals) -> np.ndarray:
        """Place VMs at the current time by the policy (e.g. restarts); returns each one's server or -1.

        Their `time_s` is ignored; they are not counted as arrivals (a handler counts what it needs).
        """
        check_arrivals(vms, self.n_zones, EngineError, -np.inf, timed=False)
        self._ensure_room(len(vms))
        servers = np.empty(len(vms), dtype=np.int64)
        interventions.place_batch(
            self._cap,
            self._vms,
            self._queue,
            self._met,
            self._cnt,
            self.now_s,
            vms.vcpus,
            vms.memory_mib,
            vms.instance_type,
            vms.zone,
            vms.lifetime_s,
            vms.workload,
            servers,
        )
        return servers

    def place_in(self, vm: Arrivals, lo: np.ndarray, hi: np.ndarray) -> int:
        """Place one VM now on the lowest-index up server with room among server ranges [lo[i], hi[i]) of its
        zone (ascending, disjoint); returns the server or -1. Uncounted, like `place_now`."""
        check_arrivals(vm, self.n_zones, EngineError, -np.inf, timed=False)
        if len(vm) != 1:
            raise EngineError(f"place_in places one VM (got {len(vm)})")
        lo = np.ascontiguousarray(lo, dtype=np.int64)
        hi = np.ascontiguousarray(hi, dtype=np.int64)
        z = int(vm.zone[0])
        zlo, zhi = int(self._cap.zone_start[z]), int(self._cap.zone_start[z + 1])
        if lo.shape != hi.shape or np.any(lo < zlo) or np.any(hi > zhi) or np.any(lo[1:] < hi[:-1]):
            raise EngineError(f"place_in: ranges must be ascending, disjoint and inside zone {z} [{zlo}, {zhi})")
        self._ensure_room(1)
        return int(
            interventions.place_in_ranges(
                self._cap,
                self._vms,
                self._queue,
                self._met,
                self._cnt,
                self.now_s,
                int(vm.vcpus[0]),
                int(vm.memory_mib[0]),
                int(vm.instance_type[0]),
                z,
                int(vm.workload[0]),
                float(vm.lifetime_s[0]),
                lo,
                hi,
            )
        )

    # ------------------------------------------------------------------ reporting

    def _collect_ticks(self) -> None:
        """Move the ticks buffered by the loop to `_ticks`, with the length of the interval each closes."""
        k = int(self._cnt[state.TICKS_BUFFERED])
        if k:
            m = self._met
            time_s = m.tick_time_s[:k].copy()
            interval_s = np.diff(time_s, prepend=self._last_sample_s)
            self._ticks.append((time_s, interval_s, m.tick_zone[:k].copy(), m.tick_datacenter[:k].copy()))
            self._last_sample_s = float(time_s[-1])
            self._cnt[state.TICKS_BUFFERED] = 0

    @property
    def last_sample_s(self) -> float:
        """Time of the last metric tick or closed interval (the start if none): where the open interval begins."""
        return self._last_sample_s

    def close_interval(self) -> Samples:
        """One more sample row at the current time: the state now and the counts since the last tick (or close),
        which it resets, so the next interval starts here. For a run's last, partial interval (ticks are not moved).

        Take the ticks before it with `take_samples` first: the row is handed out here, not kept.
        """
        if self._running:
            raise EngineError("an interval cannot be closed from inside an event handler")
        self._collect_ticks()
        m, now = self._met, self.now_s
        row = Samples.from_buffers(
            np.array([now]), np.array([now - self._last_sample_s]), m.zone[None].copy(), m.datacenter[None].copy()
        )
        loop.close_counts(m)
        self._last_sample_s = now
        return row

    def samples(self) -> Samples:
        """Every metric tick taken so far (not yet handed out by `take_samples`)."""
        z, d = self.n_zones, self.n_datacenters
        if not self._ticks:
            return Samples.from_buffers(
                np.zeros(0),
                np.zeros(0),
                np.zeros((0, z, state.N_ZONE_COLUMNS), np.int64),
                np.zeros((0, d, state.N_DC_COLUMNS), np.int64),
            )
        return Samples.from_buffers(*(np.concatenate(part) for part in zip(*self._ticks)))

    def take_samples(self) -> Samples:
        """The ticks since the last call, then forget them (for appending to a results store per chunk)."""
        out = self.samples()
        self._ticks = []
        return out

    def counters(self) -> Counters:
        """Run-wide totals, per zone and per datacenter, and time integrals up to now (from the engine's
        counters, so nothing after the last tick is missed)."""
        c, m, now = self._cnt, self._met, self.now_s
        for z in range(self.n_zones):
            loop.integrate_zone(m, z, now)
        zone_counts = m.zone_total + m.zone[:, state.Z_ARRIVALS :]  # closed intervals + the open one
        dc_vcpu_seconds = m.datacenter[:, state.D_VCPUS] * now - m.datacenter_vcpu_moment
        return Counters(
            arrivals=int(c[state.ARRIVALS]),
            accepted=int(c[state.ACCEPTED]),
            refused=int(c[state.REFUSED]),
            departures=int(c[state.DEPARTURES]),
            events=int(c[state.ARRIVALS] + c[state.DEPARTURES]),
            initial_placed=int(c[state.INITIAL_PLACED]),
            initial_refused=int(c[state.INITIAL_REFUSED]),
            evicted=int(c[state.EVICTED]),
            stale_dropped=int(c[state.STALE]),
            resident_vms=int(m.zone[:, state.Z_VMS].sum()),
            start_s=float(self._clk[state.ORIGIN_S]),
            now_s=now,
            zone_vm_seconds=m.zone_integral[:, state.I_VMS].copy(),
            zone_vcpu_seconds=m.zone_integral[:, state.I_VCPUS].copy(),
            zone_memory_mib_seconds=m.zone_integral[:, state.I_MEMORY_MIB].copy(),
            zone_capacity_vcpus=self.zone_capacity_vcpus.copy(),
            zone_arrivals=zone_counts[:, state.ZT_ARRIVALS].copy(),
            zone_refusals=zone_counts[:, state.ZT_REFUSALS].copy(),
            zone_departures=zone_counts[:, state.ZT_DEPARTURES].copy(),
            datacenter_placements=m.datacenter_total + m.datacenter[:, state.D_PLACEMENTS],
            datacenter_vcpu_seconds=dc_vcpu_seconds,
            datacenter_capacity_vcpus=self.datacenter_capacity_vcpus.copy(),
        )

    def free_vcpus(self) -> np.ndarray:
        """Free vCPUs per server (a down server shows what it would have free)."""
        return capacity_state(self._cap)[0]

    def free_memory_mib(self) -> np.ndarray:
        return capacity_state(self._cap)[1]

    def resident_vms(self) -> dict[str, np.ndarray]:
        """The live VMs in slot order: slot, server, vcpus, memory_mib, instance_type, zone, workload,
        start_s, end_s (a copy; for checks and snapshots, not for hot paths)."""
        return self._columns(state.live_slots(self._vms, self._cnt))

    def server_vm_slots(self, server: int) -> list[int]:
        """The slots on one server's VM list, head first (walks the intrusive list; for checks)."""
        out = []
        slot = int(self._vms.first_vm[server])
        while slot >= 0:
            out.append(slot)
            slot = int(self._vms.hot[state.HOT_WIDTH * slot + state.V_NEXT])
        return out
