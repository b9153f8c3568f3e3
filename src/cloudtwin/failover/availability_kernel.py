"""Compiled core of availability mode: one service's replicas on the real servers of its zones, under failures.

One replication follows the failure processes of the service's datacenters, zones and regions,
and of every rack and server it ever looks at, and applies the restart model of
`cloudtwin.failover.rules` exactly as a run does (interruption, first attempt, the lowest-numbered
up server with room on a rack with no other running replica, waiting, never lost).

Racks and servers are tracked lazily: a server's (or rack's) own failure process is independent
of everything else, so the first time the kernel looks at one it draws its state from the
process's equilibrium (down with probability MTTR / (MTTF + MTTR), the residual time of that
state) and follows it from then on. That is exact, and keeps a replication to the handful of
servers the replicas use or try, out of the tens of thousands a zone holds.

Replications run in parallel (`prange`), each seeded with its own 32-bit seed, so a replication's
result does not depend on the thread or the batch it ran in.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from cloudtwin.failover.rules import first_attempt_s

# Level codes (cloudtwin.failures.defaults) and distribution codes (cloudtwin.failures.distributions).
_SERVER, _RACK, _DATACENTER, _ZONE, _REGION = 0, 1, 2, 3, 4
_WEIBULL = 1
_LOGNORMAL, _FIXED = 1, 2
# Columns of the per-level parameter table `lp` (availability.level_table).
P_ON, P_TTF, P_UP_MEAN, P_SHAPE, P_SCALE, P_TTR, P_REP_MEAN, P_MU, P_SIGMA, P_DOWN, P_BURST = range(11)
N_PARAMS = 11
# Columns of the integer component table.
C_LEVEL, C_GID, C_UNITS, C_BSTART, C_BLEN = range(5)
#: Kernel status: every tracked component fitted in the table; or it overflowed (the caller raises).
OK, OVERFLOW = 0, 1


@njit(cache=True, forceinline=True)
def _up_time(lp, lv, residual):
    """A fresh (or, with `residual`, an equilibrium residual) up-time of level lv; inf when the level is off."""
    if lp[lv, P_ON] == 0.0:
        return math.inf
    if lp[lv, P_TTF] == _WEIBULL:
        k = lp[lv, P_SHAPE]
        if residual:
            return np.random.random() * lp[lv, P_SCALE] * np.random.gamma(1.0 + 1.0 / k, 1.0) ** (1.0 / k)
        return lp[lv, P_SCALE] * np.random.weibull(k)
    return np.random.exponential(lp[lv, P_UP_MEAN])


@njit(cache=True, forceinline=True)
def _repair_time(lp, lv, residual):
    """A fresh (or equilibrium residual) repair time of level lv."""
    if lp[lv, P_TTR] == _LOGNORMAL:
        mu, sigma = lp[lv, P_MU], lp[lv, P_SIGMA]
        if residual:
            return np.random.random() * np.random.lognormal(mu + sigma**2, sigma)
        return np.random.lognormal(mu, sigma)
    if lp[lv, P_TTR] == _FIXED:
        return (np.random.random() if residual else 1.0) * lp[lv, P_REP_MEAN]
    return np.random.exponential(lp[lv, P_REP_MEAN])


class Geometry(NamedTuple):
    """The service's part of the world: local datacenters, zones and regions, and the world's rack and server arrays."""

    dc_zone: np.ndarray  # int64 per local datacenter: its local zone
    dc_pos: np.ndarray  # its position among its zone's datacenters
    dc_racks: np.ndarray  # racks in it
    dc_rack_lo: np.ndarray  # its first rack (world index)
    zone_region: np.ndarray  # int64 per local zone: its local region
    zone_pos: np.ndarray  # its position among its region's zones
    zone_units: np.ndarray  # datacenters in it
    zone_dc_lo: np.ndarray  # its first local datacenter
    zone_dc_hi: np.ndarray  # one past its last
    region_units: np.ndarray  # int64 per local region: zones in it
    rack_server_start: np.ndarray  # int64 (world racks + 1)
    server_vcpus: np.ndarray  # world servers
    server_memory_mib: np.ndarray


class Components(NamedTuple):
    """Failure processes of one replication: datacenters, zones, regions first, then racks and servers as seen."""

    lp: np.ndarray  # float64 (levels, N_PARAMS): the level parameters
    ci: np.ndarray  # int64 (size, 5): C_* columns
    down: np.ndarray  # bool (size)
    next_s: np.ndarray  # float64 (size): next transition
    tally: np.ndarray  # int64: [in use, status, first tracked one, datacenters, zones, recording, watched]
    slots: np.ndarray  # int64 (power of two >= 2 x size): open-addressing hash of tracked (level, gid) -> component
    watched: np.ndarray  # int64 (size): tracked components a waiting replica's failed attempt looked at
    is_watched: np.ndarray  # bool (size)


@njit(cache=True)
def _start(k: Components, c, lv, gid, units, t):
    """Component c (level lv, global id, `units` children) enters at time t in its process's equilibrium."""
    lp, ci = k.lp, k.ci
    ci[c, C_LEVEL], ci[c, C_GID], ci[c, C_UNITS] = lv, gid, units
    ci[c, C_BLEN] = min(max(round(lp[lv, P_BURST] * units), 1), units)
    ci[c, C_BSTART] = 0
    if lp[lv, P_ON] != 0.0 and np.random.random() < lp[lv, P_DOWN]:
        k.down[c] = True
        k.next_s[c] = t + _repair_time(lp, lv, True)
        if ci[c, C_BLEN] < units:
            ci[c, C_BSTART] = np.random.randint(0, units)
    else:
        k.down[c] = False
        k.next_s[c] = t + _up_time(lp, lv, True)


@njit(cache=True, forceinline=True)
def _covers(k: Components, c, pos):
    """Whether component c is down over child position `pos` (its burst window, wrapping)."""
    if not k.down[c]:
        return False
    u = k.ci[c, C_UNITS]
    return (pos - k.ci[c, C_BSTART] + u) % u < k.ci[c, C_BLEN]


@njit(cache=True, forceinline=True)
def _flip(k: Components, c):
    """Component c's next transition: down to up, or up to down (a burst draws where its window starts)."""
    lv = k.ci[c, C_LEVEL]
    t = k.next_s[c]
    if k.down[c]:
        k.down[c] = False
        k.next_s[c] = t + _up_time(k.lp, lv, False)
    else:
        k.down[c] = True
        k.next_s[c] = t + _repair_time(k.lp, lv, False)
        if k.ci[c, C_BLEN] < k.ci[c, C_UNITS]:
            k.ci[c, C_BSTART] = np.random.randint(0, k.ci[c, C_UNITS])


@njit(cache=True, forceinline=True)
def _catch_up(k: Components, c, t):
    """Bring a component nobody watched up to time t: the transitions it made meanwhile, in order (its process
    is independent of everything else, so following it late is the same as following it all along)."""
    while k.next_s[c] < t:
        _flip(k, c)


@njit(cache=True, forceinline=True)
def _window_end(k: Components, c, pos):
    """The first child position after `pos` (covered by down component c) that c's burst window does not cover
    (the unit count when the window runs to the end)."""
    u, b, n = k.ci[c, C_UNITS], k.ci[c, C_BSTART], k.ci[c, C_BLEN]
    end = b + n if pos >= b else b + n - u
    return min(end, u)


@njit(cache=True)
def _tracked(k: Components, lv, gid, units, t):
    """The component of level lv with global id `gid` as of time t, started in equilibrium if never seen; -1 when
    the table is full."""
    mask = len(k.slots) - 1
    h = (((gid * 8 + lv) * 2654435761) >> 4) & mask  # multiplicative hashing of the key; linear probing
    while k.slots[h] >= 0:
        c = k.slots[h]
        if k.ci[c, C_GID] == gid and k.ci[c, C_LEVEL] == lv:
            _catch_up(k, c, t)
            _note(k, c)
            return c
        h = (h + 1) & mask
    c = k.tally[0]
    if c >= len(k.down):
        k.tally[1] = OVERFLOW
        return -1
    k.tally[0] = c + 1
    k.slots[h] = c
    _start(k, c, lv, gid, units, t)
    _note(k, c)
    return c


@njit(cache=True, forceinline=True)
def _note(k: Components, c):
    """While attempts are recorded, remember a component they looked at: its repair may be the room awaited."""
    if k.tally[5] and not k.is_watched[c]:
        k.is_watched[c] = True
        k.watched[k.tally[6]] = c
        k.tally[6] += 1


@njit(cache=True)
def _unwatch(k: Components):
    """No replica waits any more: the components its attempts looked at go back to being caught up when seen."""
    for i in range(k.tally[6]):
        k.is_watched[k.watched[i]] = False
    k.tally[6] = 0


@njit(cache=True, forceinline=True)
def _domain_up(k: Components, g: Geometry, d, z):
    """Whether local datacenter d (of local zone z) is up as a whole: neither its zone nor its region covers it."""
    n_dc, n_zone = k.tally[3], k.tally[4]
    if _covers(k, n_dc + z, g.dc_pos[d]):
        return False
    return not _covers(k, n_dc + n_zone + g.zone_region[z], g.zone_pos[z])


@njit(cache=True)
def _server_up(k: Components, g: Geometry, s, r, d, z, t):
    """Whether server s (global; rack r global, local datacenter d, local zone z) is up at t."""
    if not _domain_up(k, g, d, z) or _covers(k, d, r - g.dc_rack_lo[d]):
        return False
    lo = g.rack_server_start[r]
    rack = _tracked(k, _RACK, r, g.rack_server_start[r + 1] - lo, t)
    if rack < 0 or _covers(k, rack, s - lo):
        return False
    server = _tracked(k, _SERVER, s, 1, t)
    return server >= 0 and not k.down[server]


@njit(cache=True)
def _own_components(k: Components, g: Geometry, s, r, t):
    """The tracked components of server s and its rack r (both already seen by `_server_up`)."""
    rack = _tracked(k, _RACK, r, g.rack_server_start[r + 1] - g.rack_server_start[r], t)
    return _tracked(k, _SERVER, s, 1, t), rack


@njit(cache=True, forceinline=True)
def _running(rep_server):
    """How many replicas run (no temporary array: this is asked at every event)."""
    n = 0
    for s in rep_server:
        n += s >= 0
    return n


@njit(cache=True, forceinline=True)
def _replica_up(k: Components, g: Geometry, j, rep_rack, rep_dc, rep_zone, rep_server_c, rep_rack_c):
    """Whether running replica j's server is up: `_server_up` through the components it already holds."""
    d, z, r = rep_dc[j], rep_zone[j], rep_rack[j]
    if not _domain_up(k, g, d, z) or _covers(k, d, r - g.dc_rack_lo[d]):
        return False
    server = rep_server_c[j]
    if _covers(k, rep_rack_c[j], k.ci[server, C_GID] - g.rack_server_start[r]):
        return False
    return not k.down[server]


@njit(cache=True)
def _place(k: Components, g: Geometry, j, z, t, c_vcpus, m_mib, rep_server, rep_rack, rack_lo, rack_hi):
    """Replica j's (server, rack, datacenter) by the restart rule inside local zone z (racks [rack_lo, rack_hi)
    when rack_lo >= 0): the lowest-numbered up server with room on a rack hosting no other running replica;
    (-1, -1, -1) if none."""
    for d in range(g.zone_dc_lo[z], g.zone_dc_hi[z]):
        if not _domain_up(k, g, d, z):
            continue
        r0, r1 = g.dc_rack_lo[d], g.dc_rack_lo[d] + g.dc_racks[d]
        if rack_lo >= 0:
            r0, r1 = max(r0, rack_lo), min(r1, rack_hi)
        r = r0
        while r < r1:
            if _covers(k, d, r - g.dc_rack_lo[d]):  # a burst of the datacenter: jump past its window
                r = g.dc_rack_lo[d] + _window_end(k, d, r - g.dc_rack_lo[d])
                continue
            taken = False
            for i in range(len(rep_server)):
                if i != j and rep_server[i] >= 0 and rep_rack[i] == r:
                    taken = True
            r += 1
            if taken:
                continue
            r -= 1
            for s in range(g.rack_server_start[r], g.rack_server_start[r + 1]):
                if g.server_vcpus[s] < c_vcpus or g.server_memory_mib[s] < m_mib:
                    continue
                if _server_up(k, g, s, r, d, z, t):
                    return s, r, d
                if k.tally[1] != OK:
                    return -1, -1, -1
            r += 1
    return -1, -1, -1


@njit(cache=True)
def _simulate_one(
    seed, horizon_s, at_least, delay_s, moves_zone, c_vcpus, m_mib, lp, max_tracked, rep_dc0, rep_rack0, g: Geometry
):
    """One replication: (seconds unhealthy, incidents, longest outage in seconds, events processed, status)."""
    np.random.seed(seed)
    n_rep, n_dc, n_zone, n_reg = rep_dc0.size, g.dc_zone.size, g.zone_region.size, g.region_units.size
    n_fixed = n_dc + n_zone + n_reg
    size = n_fixed + max_tracked
    n_slots = 1
    while n_slots < 2 * size:
        n_slots *= 2
    k = Components(
        lp,
        np.zeros((size, 5), np.int64),
        np.zeros(size, np.bool_),
        np.full(size, math.inf),
        np.array([n_fixed, OK, n_fixed, n_dc, n_zone, 0, 0], np.int64),
        np.full(n_slots, -1, np.int64),
        np.empty(size, np.int64),
        np.zeros(size, np.bool_),
    )
    for d in range(n_dc):
        _start(k, d, _DATACENTER, d, g.dc_racks[d], 0.0)
    for z in range(n_zone):
        _start(k, n_dc + z, _ZONE, z, g.zone_units[z], 0.0)
    for r in range(n_reg):
        _start(k, n_dc + n_zone + r, _REGION, r, g.region_units[r], 0.0)
    rep_server = np.full(n_rep, -1, np.int64)
    rep_rack = np.full(n_rep, -1, np.int64)
    rep_dc = rep_dc0.copy()
    rep_zone = np.empty(n_rep, np.int64)
    ready = np.full(n_rep, math.inf)  # when an interrupted replica's first attempt is due
    waiting = np.zeros(n_rep, np.bool_)  # tried and found no room: tried again at every event
    rep_server_c = np.full(n_rep, -1, np.int64)  # the components of a running replica's server and rack
    rep_rack_c = np.full(n_rep, -1, np.int64)
    # At the start, as a run places them: its layout rack, else anywhere in its zone, else waiting.
    k.tally[5] = 1
    for j in range(n_rep):
        d = rep_dc0[j]
        z = g.dc_zone[d]
        rep_zone[j] = z
        r = g.dc_rack_lo[d] + rep_rack0[j]
        s, r2, d2 = _place(k, g, j, z, 0.0, c_vcpus, m_mib, rep_server, rep_rack, r, r + 1)
        if s < 0:
            s, r2, d2 = _place(k, g, j, z, 0.0, c_vcpus, m_mib, rep_server, rep_rack, -1, -1)
        if s >= 0:
            rep_server[j], rep_rack[j], rep_dc[j] = s, r2, d2
            rep_server_c[j], rep_rack_c[j] = _own_components(k, g, s, r2, 0.0)
        else:
            waiting[j] = True
    k.tally[5] = 0
    if not waiting.any():
        _unwatch(k)
    healthy = _running(rep_server) >= at_least
    unhealthy_s = 0.0
    incidents = 0 if healthy else 1
    outage_start = 0.0
    longest = 0.0
    events = 0
    t = 0.0
    ci, down, next_s, tally = k.ci, k.down, k.next_s, k.tally
    while tally[1] == OK:
        # Next event: the earliest component transition or due restart (ties: lowest index first).
        # Only what can change a replica's fate is followed event by event: the datacenters, zones and regions,
        # the server and rack of each running replica, and, while a replica waits for room, every rack and server
        # its failed attempts looked at (a repair there may be the room). Others are caught up when looked at again.
        t_next = math.inf
        who = -1
        n_scan = n_fixed + 2 * n_rep + tally[6]
        for i in range(n_scan):
            if i < n_fixed:
                c = i
            elif i < n_fixed + n_rep:
                c = rep_server_c[i - n_fixed]
            elif i < n_fixed + 2 * n_rep:
                c = rep_rack_c[i - n_fixed - n_rep]
            else:
                c = k.watched[i - n_fixed - 2 * n_rep]
            if c < 0:
                continue
            if next_s[c] < t_next:
                t_next = next_s[c]
                who = c
        for j in range(n_rep):
            if ready[j] < t_next:
                t_next = ready[j]
                who = size + j
        if t_next >= horizon_s:
            break
        events += 1
        if not healthy:
            unhealthy_s += t_next - t
        t = t_next
        if who < size:
            c = who
            lv = ci[c, C_LEVEL]
            _flip(k, c)
            if down[c]:
                # Running replicas whose server this takes down are interrupted.
                for j in range(n_rep):
                    s = rep_server[j]
                    if s >= 0 and not _replica_up(k, g, j, rep_rack, rep_dc, rep_zone, rep_server_c, rep_rack_c):
                        rep_server[j], rep_server_c[j], rep_rack_c[j] = -1, -1, -1
                        ready[j] = first_attempt_s(t, lv, next_s[c], delay_s, moves_zone)
        # Every restart that is due, and every replica still waiting for room, is tried (in replica order)
        # at each event: whenever something may have freed room.
        tally[5] = 1
        for j in range(n_rep):
            if rep_server[j] >= 0 or not (waiting[j] or ready[j] <= t):
                continue
            ready[j] = math.inf
            waiting[j] = True
            for step in range(n_zone if moves_zone else 1):
                z = rep_zone[j] if step == 0 else (step - 1 if step - 1 < rep_zone[j] else step)
                s, r2, d2 = _place(k, g, j, z, t, c_vcpus, m_mib, rep_server, rep_rack, -1, -1)
                if s >= 0:
                    rep_server[j], rep_rack[j], rep_dc[j], rep_zone[j] = s, r2, d2, z
                    rep_server_c[j], rep_rack_c[j] = _own_components(k, g, s, r2, t)
                    waiting[j] = False
                    break
        tally[5] = 0
        if tally[6] and not waiting.any():
            _unwatch(k)
        now_healthy = _running(rep_server) >= at_least
        if healthy and not now_healthy:
            incidents += 1
            outage_start = t
        elif now_healthy and not healthy:
            longest = max(longest, t - outage_start)
        healthy = now_healthy
    if not healthy:
        unhealthy_s += horizon_s - t
        longest = max(longest, horizon_s - outage_start)
    return unhealthy_s, incidents, longest, events, tally[1]


@njit(cache=True, parallel=True)
def simulate_replications(
    seeds, horizon_s, at_least, delay_s, moves_zone, c_vcpus, m_mib, lp, max_tracked, rep_dc0, rep_rack0, g: Geometry
):
    """One replication per seed, in parallel; per-replication arrays of the `_simulate_one` figures."""
    n = seeds.size
    unhealthy_s = np.empty(n)
    incidents = np.empty(n, np.int64)
    longest_s = np.empty(n)
    events = np.empty(n, np.int64)
    status = np.empty(n, np.int64)
    for i in prange(n):
        unhealthy_s[i], incidents[i], longest_s[i], events[i], status[i] = _simulate_one(
            seeds[i], horizon_s, at_least, delay_s, moves_zone, c_vcpus, m_mib, lp, max_tracked, rep_dc0, rep_rack0, g
        )
    return unhealthy_s, incidents, longest_s, events, status
