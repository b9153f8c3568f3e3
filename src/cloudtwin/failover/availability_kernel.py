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


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
def _start(c, lv, gid, units, t, lp, ci, down, next_s):
    """Component c (level lv, global id, `units` children) enters at time t in its process's equilibrium."""
    ci[c, C_LEVEL], ci[c, C_GID], ci[c, C_UNITS] = lv, gid, units
    ci[c, C_BLEN] = min(max(round(lp[lv, P_BURST] * units), 1), units)
    ci[c, C_BSTART] = 0
    if lp[lv, P_ON] != 0.0 and np.random.random() < lp[lv, P_DOWN]:
        down[c] = True
        next_s[c] = t + _repair_time(lp, lv, True)
        if ci[c, C_BLEN] < units:
            ci[c, C_BSTART] = np.random.randint(0, units)
    else:
        down[c] = False
        next_s[c] = t + _up_time(lp, lv, True)


@njit(cache=True)
def _covers(c, pos, ci, down):
    """Whether component c is down over child position `pos` (its burst window, wrapping)."""
    if not down[c]:
        return False
    u = ci[c, C_UNITS]
    return (pos - ci[c, C_BSTART] + u) % u < ci[c, C_BLEN]


@njit(cache=True)
def _tracked(lv, gid, units, t, lp, ci, down, next_s, count):
    """The component of level lv with global id `gid`, started in equilibrium if never seen; -1 when full."""
    for c in range(count[2], count[0]):
        if ci[c, C_GID] == gid and ci[c, C_LEVEL] == lv:
            return c
    c = count[0]
    if c >= len(down):
        count[1] = OVERFLOW
        return -1
    count[0] = c + 1
    _start(c, lv, gid, units, t, lp, ci, down, next_s)
    return c


@njit(cache=True)
def _domain_up(d, z, n_dc, n_zone, ci, down, dc_pos, zone_region, zone_pos):
    """Whether local datacenter d (of local zone z) is up as a whole: neither its zone nor its region covers it."""
    if _covers(n_dc + z, dc_pos[d], ci, down):
        return False
    return not _covers(n_dc + n_zone + zone_region[z], zone_pos[z], ci, down)


@njit(cache=True)
def _server_up(s, r, d, z, t, lp, ci, down, next_s, count, n_dc, n_zone, dc_pos, dc_rack_lo, zone_region, zone_pos,
               rack_server_start):
    """Whether server s (global; rack r global, local datacenter d, local zone z) is up at t."""
    if not _domain_up(d, z, n_dc, n_zone, ci, down, dc_pos, zone_region, zone_pos):
        return False
    if _covers(d, r - dc_rack_lo[d], ci, down):
        return False
    rack = _tracked(_RACK, r, rack_server_start[r + 1] - rack_server_start[r], t, lp, ci, down, next_s, count)
    if rack < 0 or _covers(rack, s - rack_server_start[r], ci, down):
        return False
    server = _tracked(_SERVER, s, 1, t, lp, ci, down, next_s, count)
    return server >= 0 and not down[server]


@njit(cache=True)
def _place(j, z, t, c_vcpus, m_mib, lp, ci, down, next_s, count, n_dc, n_zone, dc_pos, dc_racks, dc_rack_lo,
           zone_region, zone_pos, zone_dc_lo, zone_dc_hi, rack_server_start, server_vcpus, server_memory_mib,
           rep_server, rep_rack, rack_lo, rack_hi):
    """Replica j's server by the restart rule inside local zone z (racks [rack_lo, rack_hi) when rack_lo >= 0):
    the lowest-numbered up server with room on a rack hosting no other running replica; -1 if none."""
    for d in range(zone_dc_lo[z], zone_dc_hi[z]):
        if not _domain_up(d, z, n_dc, n_zone, ci, down, dc_pos, zone_region, zone_pos):
            continue
        r0, r1 = dc_rack_lo[d], dc_rack_lo[d] + dc_racks[d]
        if rack_lo >= 0:
            r0, r1 = max(r0, rack_lo), min(r1, rack_hi)
        for r in range(r0, r1):
            taken = False
            for i in range(len(rep_server)):
                if i != j and rep_server[i] >= 0 and rep_rack[i] == r:
                    taken = True
            if taken or _covers(d, r - dc_rack_lo[d], ci, down):
                continue
            for s in range(rack_server_start[r], rack_server_start[r + 1]):
                if server_vcpus[s] < c_vcpus or server_memory_mib[s] < m_mib:
                    continue
                if _server_up(s, r, d, z, t, lp, ci, down, next_s, count, n_dc, n_zone, dc_pos, dc_rack_lo,
                              zone_region, zone_pos, rack_server_start):
                    return s, r, d
                if count[1] != OK:
                    return -1, -1, -1
    return -1, -1, -1


@njit(cache=True)
def _simulate_one(seed, horizon_s, k, delay_s, moves_zone, c_vcpus, m_mib, lp, max_tracked, rep_dc0, rep_rack0,
                  dc_zone, dc_pos, dc_racks, dc_rack_lo, zone_region, zone_pos, zone_units, zone_dc_lo, zone_dc_hi,
                  region_units, rack_server_start, server_vcpus, server_memory_mib):
    """One replication: (seconds unhealthy, incidents, longest outage in seconds, events processed, status)."""
    np.random.seed(seed)
    n_rep, n_dc, n_zone, n_reg = rep_dc0.size, dc_zone.size, zone_region.size, region_units.size
    n_fixed = n_dc + n_zone + n_reg
    size = n_fixed + max_tracked
    ci = np.zeros((size, 5), np.int64)
    down = np.zeros(size, np.bool_)
    next_s = np.full(size, math.inf)
    count = np.array([n_fixed, OK, n_fixed], np.int64)  # components in use, status, first tracked one
    for d in range(n_dc):
        _start(d, _DATACENTER, d, dc_racks[d], 0.0, lp, ci, down, next_s)
    for z in range(n_zone):
        _start(n_dc + z, _ZONE, z, zone_units[z], 0.0, lp, ci, down, next_s)
    for g in range(n_reg):
        _start(n_dc + n_zone + g, _REGION, g, region_units[g], 0.0, lp, ci, down, next_s)
    rep_server = np.full(n_rep, -1, np.int64)
    rep_rack = np.full(n_rep, -1, np.int64)
    rep_dc = rep_dc0.copy()
    rep_zone = np.empty(n_rep, np.int64)
    ready = np.full(n_rep, math.inf)  # when an interrupted replica's first attempt is due
    waiting = np.zeros(n_rep, np.bool_)  # tried and found no room: tried again at every event
    # At the start, as a run places them: its layout rack, else anywhere in its zone, else waiting.
    for j in range(n_rep):
        d = rep_dc0[j]
        z = dc_zone[d]
        rep_zone[j] = z
        r = dc_rack_lo[d] + rep_rack0[j]
        s, r2, d2 = _place(j, z, 0.0, c_vcpus, m_mib, lp, ci, down, next_s, count, n_dc, n_zone, dc_pos, dc_racks,
                           dc_rack_lo, zone_region, zone_pos, zone_dc_lo, zone_dc_hi, rack_server_start, server_vcpus,
                           server_memory_mib, rep_server, rep_rack, r, r + 1)
        if s < 0:
            s, r2, d2 = _place(j, z, 0.0, c_vcpus, m_mib, lp, ci, down, next_s, count, n_dc, n_zone, dc_pos,
                               dc_racks, dc_rack_lo, zone_region, zone_pos, zone_dc_lo, zone_dc_hi, rack_server_start,
                               server_vcpus, server_memory_mib, rep_server, rep_rack, -1, -1)
        if s >= 0:
            rep_server[j], rep_rack[j], rep_dc[j] = s, r2, d2
        else:
            waiting[j] = True
    n_up = np.count_nonzero(rep_server >= 0)
    healthy = n_up >= k
    unhealthy_s = 0.0
    incidents = 0 if healthy else 1
    outage_start = 0.0
    longest = 0.0
    events = 0
    t = 0.0
    while count[1] == OK:
        # Next event: the earliest component transition or due restart (ties: lowest index first).
        t_next = math.inf
        who = -1
        for c in range(count[0]):
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
            if down[c]:
                down[c] = False
                next_s[c] = t + _up_time(lp, lv, False)
            else:
                down[c] = True
                next_s[c] = t + _repair_time(lp, lv, False)
                if ci[c, C_BLEN] < ci[c, C_UNITS]:
                    ci[c, C_BSTART] = np.random.randint(0, ci[c, C_UNITS])
                # Running replicas whose server this takes down are interrupted.
                for j in range(n_rep):
                    s = rep_server[j]
                    if s >= 0 and not _server_up(s, rep_rack[j], rep_dc[j], rep_zone[j], t, lp, ci, down, next_s,
                                                 count, n_dc, n_zone, dc_pos, dc_rack_lo, zone_region, zone_pos,
                                                 rack_server_start):
                        rep_server[j] = -1
                        ready[j] = first_attempt_s(t, lv, next_s[c], delay_s, moves_zone)
        # Every restart that is due, and every replica still waiting for room, is tried (in replica order)
        # at each event: whenever something may have freed room.
        for j in range(n_rep):
            if rep_server[j] >= 0 or not (waiting[j] or ready[j] <= t):
                continue
            ready[j] = math.inf
            waiting[j] = True
            for step in range(n_zone if moves_zone else 1):
                z = rep_zone[j] if step == 0 else (step - 1 if step - 1 < rep_zone[j] else step)
                s, r2, d2 = _place(j, z, t, c_vcpus, m_mib, lp, ci, down, next_s, count, n_dc, n_zone, dc_pos,
                                   dc_racks, dc_rack_lo, zone_region, zone_pos, zone_dc_lo, zone_dc_hi,
                                   rack_server_start, server_vcpus, server_memory_mib, rep_server, rep_rack, -1, -1)
                if s >= 0:
                    rep_server[j], rep_rack[j], rep_dc[j], rep_zone[j] = s, r2, d2, z
                    waiting[j] = False
                    break
        n_up = np.count_nonzero(rep_server >= 0)
        now_healthy = n_up >= k
        if healthy and not now_healthy:
            incidents += 1
            outage_start = t
        elif now_healthy and not healthy:
            longest = max(longest, t - outage_start)
        healthy = now_healthy
    if not healthy:
        unhealthy_s += horizon_s - t
        longest = max(longest, horizon_s - outage_start)
    return unhealthy_s, incidents, longest, events, count[1]


@njit(cache=True, parallel=True)
def simulate_replications(seeds, horizon_s, k, delay_s, moves_zone, c_vcpus, m_mib, lp, max_tracked, rep_dc0,
                          rep_rack0, dc_zone, dc_pos, dc_racks, dc_rack_lo, zone_region, zone_pos, zone_units,
                          zone_dc_lo, zone_dc_hi, region_units, rack_server_start, server_vcpus, server_memory_mib):
    """One replication per seed, in parallel; per-replication arrays of the `_simulate_one` figures."""
    n = seeds.size
    unhealthy_s = np.empty(n)
    incidents = np.empty(n, np.int64)
    longest_s = np.empty(n)
    events = np.empty(n, np.int64)
    status = np.empty(n, np.int64)
    for i in prange(n):
        unhealthy_s[i], incidents[i], longest_s[i], events[i], status[i] = _simulate_one(
            seeds[i], horizon_s, k, delay_s, moves_zone, c_vcpus, m_mib, lp, max_tracked, rep_dc0, rep_rack0,
            dc_zone, dc_pos, dc_racks, dc_rack_lo, zone_region, zone_pos, zone_units, zone_dc_lo, zone_dc_hi,
            region_units, rack_server_start, server_vcpus, server_memory_mib)
    return unhealthy_s, incidents, longest_s, events, status
