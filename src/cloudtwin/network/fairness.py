"""Max-min fair sharing of links among flows: progressive filling ("water-filling"), vectorised.

Every flow's rate rises at the same pace from zero; a flow stops rising when it reaches its demand or when a
link it crosses fills up, and the others go on. The result is the unique max-min fair allocation: no flow can
get more without taking from a flow that has no more than it (Bertsekas & Gallager, "Data Networks", 2nd ed.,
1992, section 6.5.2). A round finds the level at which the next link would fill; every flow that wants less is
satisfied at once, else the links at that level fill and freeze their flows. So there are about as many rounds
as links that fill, each a few sparse (or dense) matrix-vector products.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cloudtwin.errors import NetworkError

#: Relative tolerance: a link is full, or a flow at its demand, within this fraction of the level reached.
RELATIVE_TOLERANCE = 1e-12


def max_min_fair(capacity: Any, incidence: Any, demand: Any) -> np.ndarray:
    """The max-min fair rate of each flow.

    capacity: per link (L,), non-negative, may be inf. incidence: flows × links (F, L), 1 where a flow crosses a
    link, 0 elsewhere: a dense array or a scipy sparse matrix. demand: per flow (F,), non-negative, may be inf
    (a flow that takes all it can). A flow that crosses no link gets its demand. Returns rates (F,), in the unit
    of capacity and demand.
    """
    cap = _vector(capacity, "capacity")
    want = _vector(demand, "demand")
    matrix = _incidence(incidence, want.size, cap.size)
    rates = np.zeros(want.size)
    unbound = np.asarray(matrix.sum(axis=1)).ravel() == 0  # crosses no link: nothing limits it
    rates[unbound] = want[unbound]
    active = (want > 0) & ~unbound
    by_link = matrix.T.tocsr() if hasattr(matrix, "tocsr") else np.ascontiguousarray(matrix.T)
    frozen_load = np.zeros(cap.size)  # per link: the rates of flows already frozen
    while active.any():
        crossing = np.asarray(by_link @ active.astype(np.float64)).ravel()  # active flows per link
        used = crossing > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            link_level = np.where(used, (cap - frozen_load) / np.where(used, crossing, 1.0), np.inf)
        level = float(link_level.min(initial=np.inf))
        # every flow that wants no more than the first link to fill would give it is satisfied first, together
        satisfied = active & (want <= level * (1.0 + RELATIVE_TOLERANCE))
        if satisfied.any():
            done, rate = satisfied, want
        else:  # the fullest links fill at `level`: every active flow crossing one stops there
            full = used & (link_level <= level * (1.0 + RELATIVE_TOLERANCE))
            done = active & (np.asarray(matrix @ full.astype(np.float64)).ravel() > 0)
            rate = np.full(want.size, level)
        rates[done] = rate[done]
        frozen_load += np.asarray(by_link @ np.where(done, rates, 0.0)).ravel()
        active &= ~done
    return rates


def _vector(values: Any, name: str) -> np.ndarray:
    """A 1-D float array of non-negative numbers (inf allowed), or NetworkError naming `name`."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise NetworkError(f"`{name}` must be one-dimensional (got shape {array.shape})")
    if np.isnan(array).any() or (array < 0).any():
        raise NetworkError(f"`{name}` must be non-negative numbers (got {array[np.isnan(array) | (array < 0)][0]})")
    return array


def _incidence(incidence: Any, flows: int, links: int) -> Any:
    """The flows × links 0/1 matrix, dense or scipy sparse (kept sparse), checked against the vectors' sizes."""
    if hasattr(incidence, "tocsr"):  # a scipy sparse matrix or array
        matrix = incidence.tocsr().astype(np.float64)
        values = matrix.data
    else:
        matrix = np.asarray(incidence, dtype=np.float64)
        values = matrix
    if matrix.ndim != 2 or matrix.shape != (flows, links):
        raise NetworkError(
            f"`incidence` must be flows × links = ({flows}, {links}) to match `demand` and `capacity`"
            f" (got shape {matrix.shape})"
        )
    if values.size and not np.isin(values, (0.0, 1.0)).all():
        raise NetworkError("`incidence` must hold only 0 and 1 (1 where a flow crosses a link)")
    return matrix
