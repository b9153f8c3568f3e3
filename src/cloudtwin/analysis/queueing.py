"""Queueing closed forms: Erlang-B/C, carried load, Little's law, and their inverses.

A zone of `c` identical slots under Poisson arrivals (offered load `A = λ·E[lifetime]`
Erlang) that refuses what does not fit is an M/M/c/c loss system (M/G/c/c too: the
blocking is insensitive to the lifetime distribution beyond its mean). Its refused
fraction is the Erlang-B formula; capacity planners invert it. These functions are the
independent checks the engine's tests run against, and a user-facing calculator.

Sources:
- Erlang-B recursion `B(0)=1, B(k) = A·B(k-1) / (k + A·B(k-1))`: D. L. Jagerman, "Some
  properties of the Erlang loss function", Bell System Technical Journal 53(3), 1974.
  Every step stays in [0, 1], so it neither overflows (unlike `A^c/c!`) nor cancels.
- Erlang-C from Erlang-B, `C = c·B / (c − A·(1 − B))` for `A < c`: L. Kleinrock,
  Queueing Systems Vol. I (1975), ch. 3 (M/M/m and M/M/m/m).
- Little's law `L = λ·W`: J. D. C. Little, "A proof for the queuing formula L = λW",
  Operations Research 9(3), 1961.

Offered load and time units only have to agree with each other (per hour with hours,
per second with seconds).
"""

from __future__ import annotations

import numbers

import numpy as np
from numba import njit

from cloudtwin.errors import AnalysisError

__all__ = [
    "erlang_b",
    "erlang_c",
    "littles_law_mean_in_system",
    "mmcc_mean_busy",
    "offered_load_for_blocking",
    "servers_for_blocking",
]

# Bisection stops when the bracket is this narrow relative to its upper end (float64 has ~16 digits).
_RELATIVE_TOLERANCE = 1e-13
_MAX_BISECTIONS = 400


# --------------------------------------------------------------------------- compiled kernels


@njit(cache=True)
def _erlang_b_one(servers: int, offered: float) -> float:
    """B(servers, offered) by Jagerman's recursion (scalar)."""
    blocking = 1.0
    for k in range(1, servers + 1):
        carried = offered * blocking
        blocking = carried / (k + carried)
    return blocking


@njit(cache=True)
def _erlang_b_many(servers: int, offered: np.ndarray) -> np.ndarray:
    """B(servers, a) for every a of a 1-D float64 array."""
    out = np.empty(offered.size)
    for i in range(offered.size):
        out[i] = _erlang_b_one(servers, offered[i])
    return out


@njit(cache=True)
def _offered_for_blocking(servers: int, target: float) -> float:
    """The A with B(servers, A) = target; B is strictly increasing in A from 0 to 1."""
    low = 0.0
    high = max(1.0, float(servers))
    while _erlang_b_one(servers, high) < target:
        low = high
        high *= 2.0
    for _ in range(_MAX_BISECTIONS):
        if high - low <= _RELATIVE_TOLERANCE * high:
            break
        middle = 0.5 * (low + high)
        if _erlang_b_one(servers, middle) < target:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


@njit(cache=True)
def _servers_for_blocking(offered: float, target: float) -> int:
    """The smallest c with B(c, offered) <= target (B falls strictly with c when offered > 0)."""
    blocking = 1.0
    servers = 0
    while blocking > target:
        servers += 1
        carried = offered * blocking
        blocking = carried / (servers + carried)
    return servers


# --------------------------------------------------------------------------- input checks


def _check_servers(servers: object, *, minimum: int, name: str = "servers") -> int:
    """`servers` as a Python int >= minimum, or AnalysisError naming the value."""
    if isinstance(servers, bool) or not isinstance(servers, numbers.Integral):
        raise AnalysisError(f"`{name}` must be an integer (got {servers!r})")
    if servers < minimum:
        raise AnalysisError(f"`{name}` must be >= {minimum} (got {servers!r})")
    return int(servers)


def _check_nonnegative(value: object, name: str) -> np.ndarray:
    """`value` (scalar or array-like) as a float64 array of finite values >= 0."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AnalysisError(f"`{name}` must be a number or an array of numbers (got {value!r})") from None
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise AnalysisError(f"`{name}` must be finite and >= 0 (got {value!r})")
    return array


def _check_probability(value: object, name: str) -> float:
    """`value` as a float strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 < float(value) < 1.0:
        raise AnalysisError(f"`{name}` must be a probability strictly between 0 and 1 (got {value!r})")
    return float(value)


def _like_input(result: np.ndarray, template: np.ndarray) -> float | np.ndarray:
    """A Python float for a scalar input, else an array shaped like the input."""
    if template.ndim == 0:
        return float(result.reshape(()))
    return result.reshape(template.shape)


# --------------------------------------------------------------------------- public API


def erlang_b(servers: int, offered_erlang: float | np.ndarray) -> float | np.ndarray:
    """Blocking probability B(c, A) of an M/M/c/c (or M/G/c/c) loss system.

    `offered_erlang` may be an array: the result then has its shape. B(0, A) = 1.
    """
    c = _check_servers(servers, minimum=0)
    offered = _check_nonnegative(offered_erlang, "offered_erlang")
    return _like_input(_erlang_b_many(c, offered.reshape(-1)), offered)


def erlang_c(servers: int, offered_erlang: float | np.ndarray) -> float | np.ndarray:
    """Probability C(c, A) that an arrival to an M/M/c queue has to wait.

    Computed from B as `c·B / (c − A·(1 − B))`; for `A >= c` the queue is unstable and
    every arrival waits (C = 1).
    """
    c = _check_servers(servers, minimum=1)
    offered = _check_nonnegative(offered_erlang, "offered_erlang")
    flat = offered.reshape(-1)
    blocking = _erlang_b_many(c, flat)
    stable = flat < c
    waiting = np.ones_like(flat)
    waiting[stable] = c * blocking[stable] / (c - flat[stable] * (1.0 - blocking[stable]))
    return _like_input(waiting, offered)


def mmcc_mean_busy(servers: int, offered_erlang: float | np.ndarray) -> float | np.ndarray:
    """Carried load of an M/M/c/c system: the mean number of busy servers, `A·(1 − B(c, A))`."""
    c = _check_servers(servers, minimum=0)
    offered = _check_nonnegative(offered_erlang, "offered_erlang")
    flat = offered.reshape(-1)
    return _like_input(flat * (1.0 - _erlang_b_many(c, flat)), offered)


def littles_law_mean_in_system(arrival_rate: float | np.ndarray, mean_time: float | np.ndarray) -> float | np.ndarray:
    """Mean number in a stable system, `L = λ·W` (rate and time in matching units)."""
    rate = _check_nonnegative(arrival_rate, "arrival_rate")
    time = _check_nonnegative(mean_time, "mean_time")
    try:
        product = np.multiply(rate, time)
    except ValueError:
        raise AnalysisError(
            f"`arrival_rate` and `mean_time` shapes do not broadcast ({rate.shape} and {time.shape})"
        ) from None
    return _like_input(product, product)


def offered_load_for_blocking(servers: int, target_blocking: float) -> float:
    """The offered load A (Erlang) at which B(servers, A) equals `target_blocking`.

    The inverse of Erlang-B in A, by bisection (B rises strictly from 0 to 1 as A grows):
    how much load `servers` slots can take before refusing more than the target.
    """
    c = _check_servers(servers, minimum=1)
    target = _check_probability(target_blocking, "target_blocking")
    return float(_offered_for_blocking(c, target))


def servers_for_blocking(offered_erlang: float, target_blocking: float) -> int:
    """The fewest servers c with B(c, A) <= `target_blocking`: the capacity-planning inverse in c."""
    offered = _check_nonnegative(offered_erlang, "offered_erlang")
    if offered.ndim != 0:
        raise AnalysisError(f"`offered_erlang` must be a single number (got shape {offered.shape})")
    target = _check_probability(target_blocking, "target_blocking")
    return int(_servers_for_blocking(float(offered), target))
