"""Compiled inner loops of the workload stage: alias draws, thinning, uniform-in-bin lifetimes.

Random numbers come from numpy `Generator`s (seeded streams); these loops only
transform them, one pass each, so sampling stays fast and bit-for-bit the same.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def alias_draw(u: np.ndarray, keep: np.ndarray, keep_value: np.ndarray, alias_value: np.ndarray) -> np.ndarray:
    """Walker alias draws: k = ⌊u·n⌋, value k if the fraction u·n − k < keep[k], else its alias."""
    n = len(keep)
    out = np.empty(len(u), dtype=np.int32)
    for i in range(len(u)):
        x = u[i] * n
        k = min(int(x), n - 1)
        out[i] = keep_value[k] if x - k < keep[k] else alias_value[k]
    return out


@njit(cache=True)
def uniform_in_bins(
    u_bin: np.ndarray, u_pos: np.ndarray, keep: np.ndarray, keep_value: np.ndarray, alias_value: np.ndarray,
    lo_s: np.ndarray, width_s: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Lifetimes from an empirical table: bin by alias draw on u_bin, then lo + u_pos·width within it."""
    n = len(keep)
    out = np.empty(len(u_bin))
    for i in range(len(u_bin)):
        x = u_bin[i] * n
        k = min(int(x), n - 1)
        b = keep_value[k] if x - k < keep[k] else alias_value[k]
        out[i] = lo_s[b] + u_pos[i] * width_s[b]
    return out


@njit(cache=True, inline="always")
def _cos_sin_small(x: float) -> tuple[float, float]:
    """cos x and sin x for 0 <= x <= π/12 by Taylor polynomials to x^14 / x^13 (remainder < 1e-20)."""
    x2 = x * x
    c = 1.0 + x2 * (
        -1 / 2
        + x2
        * (
            1 / 24
            + x2 * (-1 / 720 + x2 * (1 / 40320 + x2 * (-1 / 3628800 + x2 * (1 / 479001600 + x2 * (-1 / 87178291200)))))
        )
    )
    s = x * (
        1.0
        + x2
        * (
            -1 / 6
            + x2 * (1 / 120 + x2 * (-1 / 5040 + x2 * (1 / 362880 + x2 * (-1 / 39916800 + x2 * (1 / 6227020800)))))
        )
    )
    return c, s  # fmt: skip


@njit(cache=True, inline="always")
def _exp_small(y: float) -> float:
    """e^y for |y| <= 1e-3 by its Taylor polynomial to y^6 (remainder < 1e-23)."""
    return 1.0 + y * (1.0 + y * (1 / 2 + y * (1 / 6 + y * (1 / 24 + y * (1 / 120 + y * (1 / 720))))))


@njit(cache=True)
def thin_in_place(
    time_s: np.ndarray, zone: np.ndarray, u: np.ndarray, zone_phase_rad: np.ndarray, omega_per_s: float,
    amplitude: float, growth_per_s: float, start_s: float, span_s: float, envelope_growth: float,
) -> int:  # fmt: skip
    """Keep candidate i when u[i] < λ_z(t)/envelope; compacts time_s and zone in place, returns the count kept.

    For t in the block [start, start + span): λ_z(t)/envelope = (1 + a·cos(ω·t + θ_z)) / (1 + a) ·
    e^{κ·t} / envelope_growth. With x = ω·(t − start) (≤ π/12 for a one-hour block) the cosine is
    cos x·cos c_z − sin x·sin c_z, c_z = ω·start + θ_z, and e^{κ(t − start)} a short series when
    κ·span is small; otherwise the library functions are used.
    """
    cos_c = np.cos(omega_per_s * start_s + zone_phase_rad)
    sin_c = np.sin(omega_per_s * start_s + zone_phase_rad)
    small_angle = omega_per_s * span_s <= math.pi / 12
    small_growth = abs(growth_per_s * span_s) <= 1e-3
    inv_peak = 1.0 / (1.0 + amplitude)
    growth_start = math.exp(growth_per_s * start_s) / envelope_growth
    j = 0
    for i in range(len(time_s)):
        t = time_s[i]
        dt = t - start_s
        accept = inv_peak
        if amplitude > 0.0:
            z = zone[i]
            if small_angle:
                cx, sx = _cos_sin_small(omega_per_s * dt)
                cosine = cx * cos_c[z] - sx * sin_c[z]
            else:
                cosine = math.cos(omega_per_s * t + zone_phase_rad[z])
            accept = (1.0 + amplitude * cosine) * inv_peak
        if growth_per_s != 0.0:
            accept *= (_exp_small(growth_per_s * dt) if small_growth else math.exp(growth_per_s * dt)) * growth_start
        time_s[j] = t  # branch-free compaction: write always, advance only when kept
        zone[j] = zone[i]
        j += 1 if u[i] < accept else 0
    return j


@njit(cache=True)
def thin_ages_in_place(
    age_s: np.ndarray, residual_s: np.ndarray, zone: np.ndarray, u: np.ndarray, zone_phase_rad: np.ndarray,
    omega_per_s: float, amplitude: float, past_growth_per_s: float,
) -> int:  # fmt: skip
    """Keep resident candidate i when u[i] < λ_z(−age) / (λ̄·(1 + a)).

    That ratio is (1 + a·cos(θ_z − ω·age)) / (1 + a) · e^{−κ·age}. Compacts age_s, residual_s
    and zone in place; returns the count kept.
    """
    inv_peak = 1.0 / (1.0 + amplitude)
    j = 0
    for i in range(len(age_s)):
        age = age_s[i]
        accept = (1.0 + amplitude * math.cos(zone_phase_rad[zone[i]] - omega_per_s * age)) * inv_peak
        if past_growth_per_s > 0.0:
            accept *= math.exp(-past_growth_per_s * age)
        age_s[j] = age
        residual_s[j] = residual_s[i]
        zone[j] = zone[i]
        j += 1 if u[i] < accept else 0
    return j


@njit(cache=True)
def length_biased_in_bins(
    u_bin: np.ndarray, u_pos: np.ndarray, keep: np.ndarray, keep_value: np.ndarray, alias_value: np.ndarray,
    lo_s: np.ndarray, hi_s: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Length-biased lifetimes of an empirical table: bin by alias draw (weights p_k·E[L | k]), then density ∝ l
    within it by inversion, l = sqrt(lo² + u·(hi² − lo²))."""
    n = len(keep)
    out = np.empty(len(u_bin))
    for i in range(len(u_bin)):
        x = u_bin[i] * n
        k = min(int(x), n - 1)
        b = keep_value[k] if x - k < keep[k] else alias_value[k]
        lo2 = lo_s[b] * lo_s[b]
        out[i] = math.sqrt(lo2 + u_pos[i] * (hi_s[b] * hi_s[b] - lo2))
    return out
