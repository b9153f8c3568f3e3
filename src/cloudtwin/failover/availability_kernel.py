"""Compiled core of availability mode: one service's replicas under failures, repairs and restarts.

One replication is an event-driven simulation over a handful of components (each replica's
server and rack, the datacenters, zones and regions it can live in); replications run in
parallel (`prange`), each seeded with its own 32-bit seed, so a replication's result does
not depend on the thread or the batch it ran in. The layout arrays come from
`cloudtwin.failures.layout`; the rules are documented in `cloudtwin.failover.availability`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

# Level codes (cloudtwin.failures.defaults) and distribution codes (cloudtwin.failures.distributions).
_SERVER, _RACK, _DATACENTER, _ZONE, _REGION = 0, 1, 2, 3, 4
_WEIBULL = 1
_LOGNORMAL, _FIXED = 1, 2
_PLACEMENT_TRIES = 32


@njit(cache=True)
def _up_time(lv, on, ttf, up_mean, shape, scale):
    if not on[lv]:
        return math.inf
    if ttf[lv] == _WEIBULL:
        return scale[lv] * np.random.weibull(shape[lv])
    return np.random.exponential(up_mean[lv])


@njit(cache=True)
def _up_residual(lv, on, ttf, up_mean, shape, scale):
    if not on[lv]:
        return math.inf
    if ttf[lv] == _WEIBULL:
        k = shape[lv]
        return np.random.random() * scale[lv] * np.random.gamma(1.0 + 1.0 / k, 1.0) ** (1.0 / k)
    return np.random.exponential(up_mean[lv])


@njit(cache=True)
def _repair_time(lv, ttr, rep_mean, mu, sigma):
    if ttr[lv] == _LOGNORMAL:
        return np.random.lognormal(mu[lv], sigma[lv])
    if ttr[lv] == _FIXED:
        return rep_mean[lv]
    return np.random.exponential(rep_mean[lv])


@njit(cache=True)
def _repair_residual(lv, ttr, rep_mean, mu, sigma):
    if ttr[lv] == _LOGNORMAL:
        return np.random.random() * np.random.lognormal(mu[lv] + sigma[lv] ** 2, sigma[lv])
    if ttr[lv] == _FIXED:
        return np.random.random() * rep_mean[lv]
    return np.random.exponential(rep_mean[lv])


@njit(cache=True)
def _covers(c, pos, down, b_start, b_len, units):
    """Whether component c is down over unit position `pos` (its burst window, wrapping)."""
    if not down[c]:
        return False
    return (pos - b_start[c] + units[c]) % units[c] < b_len[c]


@njit(cache=True)
def _blocked(r, n_rep, n_dc, n_zone, down, b_start, b_len, units, rep_dc, rep_rack, rep_slot,
             dc_zone, dc_pos, zone_region, zone_pos):
    """Bit mask of the levels whose failure keeps replica r down right now."""
    mask = 0
    if _covers(r, 0, down, b_start, b_len, units):
        mask |= 1 << _SERVER
    if _covers(n_rep + r, rep_slot[r], down, b_start, b_len, units):
        mask |= 1 << _RACK
    d = rep_dc[r]
    if _covers(2 * n_rep + d, rep_rack[r], down, b_start, b_len, units):
        mask |= 1 << _DATACENTER
    z = dc_zone[d]
    if _covers(2 * n_rep + n_dc + z, dc_pos[d], down, b_start, b_len, units):
        mask |= 1 << _ZONE
    g = zone_region[z]
    if _covers(2 * n_rep + n_dc + n_zone + g, zone_pos[z], down, b_start, b_len, units):
        mask |= 1 << _REGION
    return mask


@njit(cache=True)
def _simulate_one(
    seed, horizon_s, k, delay_s, restartable, on, ttf, up_mean, shape, scale, ttr, rep_mean, mu, sigma, p_down,
    burst_share, rep_dc0, rep_rack0, dc_zone, dc_pos, dc_racks, dc_spr, zone_region, zone_pos, zone_units,
    zone_dc_lo, zone_dc_hi, region_units,
):
    """One replication: (seconds unhealthy, incidents, longest outage in seconds, events processed)."""
    np.random.seed(seed)
    n_rep = rep_dc0.size
    n_dc = dc_zone.size
    n_zone = zone_region.size
    n_comp = 2 * n_rep + n_dc + n_zone + region_units.size
    level = np.empty(n_comp, np.int64)
    units = np.empty(n_comp, np.int64)
    down = np.zeros(n_comp, np.bool_)
    next_s = np.empty(n_comp)
    b_start = np.zeros(n_comp, np.int64)
    b_len = np.empty(n_comp, np.int64)
    rep_dc = rep_dc0.copy()
    rep_rack = rep_rack0.copy()
    rep_slot = np.zeros(n_rep, np.int64)
    for r in range(n_rep):
        level[r], units[r] = _SERVER, 1
        level[n_rep + r], units[n_rep + r] = _RACK, dc_spr[rep_dc[r]]
    for d in range(n_dc):
        level[2 * n_rep + d], units[2 * n_rep + d] = _DATACENTER, dc_racks[d]
    for z in range(n_zone):
        level[2 * n_rep + n_dc + z], units[2 * n_rep + n_dc + z] = _ZONE, zone_units[z]
    for g in range(region_units.size):
        level[2 * n_rep + n_dc + n_zone + g], units[2 * n_rep + n_dc + n_zone + g] = _REGION, region_units[g]
    # Every process starts in equilibrium: down with probability MTTR / (MTTF + MTTR).
    for c in range(n_comp):
        lv = level[c]
        b_len[c] = min(max(round(burst_share[lv] * units[c]), 1), units[c])
        if on[lv] and np.random.random() < p_down[lv]:
            down[c] = True
            next_s[c] = _repair_residual(lv, ttr, rep_mean, mu, sigma)
            if b_len[c] < units[c]:
                b_start[c] = np.random.randint(0, units[c])
        else:
            next_s[c] = _up_residual(lv, on, ttf, up_mean, shape, scale)
    up = np.zeros(n_rep, np.bool_)
    restart_at = np.full(n_rep, math.inf)
    n_up = 0
    t = 0.0
    for r in range(n_rep):
        mask = _blocked(r, n_rep, n_dc, n_zone, down, b_start, b_len, units, rep_dc, rep_rack, rep_slot,
                        dc_zone, dc_pos, zone_region, zone_pos)
        if mask == 0:
            up[r] = True
            n_up += 1
        elif mask & ~restartable == 0:
            restart_at[r] = delay_s
    healthy = n_up >= k
    unhealthy_s = 0.0
    incidents = 0 if healthy else 1
    outage_start = 0.0
    longest = 0.0
    events = 0
    while True:
        # Next event: the earliest component transition or pending restart (ties: lowest index first).
        t_next = math.inf
        who = -1
        for c in range(n_comp):
            if next_s[c] < t_next:
                t_next = next_s[c]
                who = c
        for r in range(n_rep):
            if restart_at[r] < t_next:
                t_next = restart_at[r]
                who = n_comp + r
        if t_next >= horizon_s:
            break
        events += 1
        if not healthy:
            unhealthy_s += t_next - t
        t = t_next
        lo_r, hi_r = 0, n_rep
        if who < n_comp:
            c = who
            lv = level[c]
            if down[c]:
                down[c] = False
                next_s[c] = t + _up_time(lv, on, ttf, up_mean, shape, scale)
            else:
                down[c] = True
                next_s[c] = t + _repair_time(lv, ttr, rep_mean, mu, sigma)
                if b_len[c] < units[c]:
                    b_start[c] = np.random.randint(0, units[c])
            if lv == _SERVER:
                lo_r, hi_r = c, c + 1
            elif lv == _RACK:
                lo_r, hi_r = c - n_rep, c - n_rep + 1
        else:
            r = who - n_comp
            restart_at[r] = math.inf
            mask = _blocked(r, n_rep, n_dc, n_zone, down, b_start, b_len, units, rep_dc, rep_rack, rep_slot,
                            dc_zone, dc_pos, zone_region, zone_pos)
            if mask != 0 and mask & ~restartable == 0:
                d_new, rack_new = _new_host(r, mask, n_rep, n_dc, n_zone, down, b_start, b_len, units, rep_dc,
                                            dc_zone, dc_pos, dc_racks, zone_region, zone_pos, zone_dc_lo,
                                            zone_dc_hi)
                if d_new >= 0:
                    # A fresh server and rack, in equilibrium like any up host of the zone.
                    rep_dc[r], rep_rack[r] = d_new, rack_new
                    rep_slot[r] = np.random.randint(0, dc_spr[d_new])
                    units[n_rep + r] = dc_spr[d_new]
                    b_len[n_rep + r] = min(max(round(burst_share[_RACK] * units[n_rep + r]), 1), units[n_rep + r])
                    for c in (r, n_rep + r):
                        down[c] = False
                        next_s[c] = t + _up_residual(level[c], on, ttf, up_mean, shape, scale)
                    lo_r, hi_r = r, r + 1
                else:
                    lo_r, hi_r = 0, 0  # nowhere to go: it waits for a repair, not another restart
            else:
                lo_r, hi_r = 0, 0
        # Re-evaluate the replicas the event can touch.
        for r in range(lo_r, hi_r):
            if who < n_comp and level[who] >= _DATACENTER:
                c_of_r = 2 * n_rep + rep_dc[r]
                if level[who] == _ZONE:
                    c_of_r = 2 * n_rep + n_dc + dc_zone[rep_dc[r]]
                elif level[who] == _REGION:
                    c_of_r = 2 * n_rep + n_dc + n_zone + zone_region[dc_zone[rep_dc[r]]]
                if c_of_r != who:
                    continue
            mask = _blocked(r, n_rep, n_dc, n_zone, down, b_start, b_len, units, rep_dc, rep_rack, rep_slot,
                            dc_zone, dc_pos, zone_region, zone_pos)
            if mask == 0:
                if not up[r]:
                    up[r] = True
                    n_up += 1
                restart_at[r] = math.inf
            else:
                if up[r]:
                    up[r] = False
                    n_up -= 1
                if restart_at[r] == math.inf and mask & ~restartable == 0:
                    restart_at[r] = t + delay_s
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
    return unhealthy_s, incidents, longest, events


@njit(cache=True)
def _new_host(r, mask, n_rep, n_dc, n_zone, down, b_start, b_len, units, rep_dc, dc_zone, dc_pos, dc_racks,
              zone_region, zone_pos, zone_dc_lo, zone_dc_hi):
    """A datacenter and rack (local indices) where replica r can restart now; (-1, -1) if none is found.

    Server, rack or datacenter failures: another rack of the same datacenter when it is up
    there, else a rack of another datacenter of the zone. Zone or region failures (only with
    `replace_in_other_zone`): a rack in another of the service's zones that is up.
    """
    z = dc_zone[rep_dc[r]]
    zone_c0 = 2 * n_rep + n_dc
    region_c0 = zone_c0 + n_zone
    if mask & ((1 << _ZONE) | (1 << _REGION)):
        n_ok = 0
        for z2 in range(n_zone):
            if z2 != z and not down[zone_c0 + z2] and not down[region_c0 + zone_region[z2]]:
                n_ok += 1
        if n_ok == 0:
            return -1, -1
        pick = np.random.randint(0, n_ok)
        for z2 in range(n_zone):
            if z2 != z and not down[zone_c0 + z2] and not down[region_c0 + zone_region[z2]]:
                if pick == 0:
                    z = z2
                    break
                pick -= 1
    else:
        d = rep_dc[r]
        for _ in range(_PLACEMENT_TRIES):
            rack = np.random.randint(0, dc_racks[d])
            if not _covers(2 * n_rep + d, rack, down, b_start, b_len, units):
                return d, rack
    lo, hi = zone_dc_lo[z], zone_dc_hi[z]
    for _ in range(_PLACEMENT_TRIES):
        d = np.random.randint(lo, hi)
        rack = np.random.randint(0, dc_racks[d])
        if not _covers(2 * n_rep + d, rack, down, b_start, b_len, units) and not _covers(
            zone_c0 + z, dc_pos[d], down, b_start, b_len, units
        ):
            return d, rack
    return -1, -1


@njit(cache=True, parallel=True)
def simulate_replications(
    seeds, horizon_s, k, delay_s, restartable, on, ttf, up_mean, shape, scale, ttr, rep_mean, mu, sigma, p_down,
    burst_share, rep_dc0, rep_rack0, dc_zone, dc_pos, dc_racks, dc_spr, zone_region, zone_pos, zone_units,
    zone_dc_lo, zone_dc_hi, region_units,
):
    """Run one replication per seed in parallel; per-replication arrays of the `_simulate_one` figures."""
    n = seeds.size
    unhealthy_s = np.empty(n)
    incidents = np.empty(n, np.int64)
    longest_s = np.empty(n)
    events = np.empty(n, np.int64)
    for i in prange(n):
        unhealthy_s[i], incidents[i], longest_s[i], events[i] = _simulate_one(
            seeds[i], horizon_s, k, delay_s, restartable, on, ttf, up_mean, shape, scale, ttr, rep_mean, mu, sigma,
            p_down, burst_share, rep_dc0, rep_rack0, dc_zone, dc_pos, dc_racks, dc_spr, zone_region, zone_pos,
            zone_units, zone_dc_lo, zone_dc_hi, region_units,
        )
    return unhealthy_s, incidents, longest_s, events
