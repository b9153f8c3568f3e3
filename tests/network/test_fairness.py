"""`max_min_fair` against hand-worked textbook allocations, and the defining property of max-min fairness.

A max-min fair allocation is feasible (no link over capacity) and every flow either gets its demand or crosses
a bottleneck: a full link on which no flow gets more than it (Bertsekas & Gallager, "Data Networks", 1992, 6.5.2).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudtwin.errors import NetworkError
from cloudtwin.network import max_min_fair

INF = np.inf


def test_one_link_is_split_evenly() -> None:
    """Three greedy flows on a 10 Gbps link: 10/3 each."""
    assert max_min_fair([10.0], [[1], [1], [1]], [INF, INF, INF]) == pytest.approx([10 / 3] * 3)


def test_a_small_demand_leaves_the_rest_to_others() -> None:
    """Demands 2, 8, 8 on 10: the small flow gets 2, the others split the remaining 8."""
    assert max_min_fair([10.0], [[1], [1], [1]], [2.0, 8.0, 8.0]) == pytest.approx([2.0, 4.0, 4.0])


def test_links_in_series_give_the_narrowest() -> None:
    """One flow over links of 10 and 4: it gets 4."""
    assert max_min_fair([10.0, 4.0], [[1, 1]], [INF]) == pytest.approx([4.0])


def test_a_flow_limited_elsewhere_frees_capacity() -> None:
    """f0 and f1 share a (10); f1 also crosses b (2): f1 is held to 2 by b, so f0 gets the 8 left on a."""
    rates = max_min_fair([10.0, 2.0], [[1, 0], [1, 1]], [INF, INF])
    assert rates == pytest.approx([8.0, 2.0])


@pytest.mark.parametrize("hops", [2, 3, 5])
def test_parking_lot(hops: int) -> None:
    """The parking lot: a long flow over `hops` unit links, one short flow on each: everyone gets 1/2."""
    incidence = np.zeros((hops + 1, hops))
    incidence[0, :] = 1  # the long flow
    incidence[np.arange(1, hops + 1), np.arange(hops)] = 1
    assert max_min_fair(np.ones(hops), incidence, np.full(hops + 1, INF)) == pytest.approx([0.5] * (hops + 1))


def test_a_worked_example_with_two_bottlenecks() -> None:
    """Links a=1, b=3, c=4; f0 over a,b; f1 over a; f2 over b,c; f3 over c (worked by hand):
    a fills first at 1/2 each (f0, f1); then c at 2 each (f2, f3); b carries 2.5 of 3 and is no one's bottleneck."""
    incidence = [[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert max_min_fair([1.0, 3.0, 4.0], incidence, [INF] * 4) == pytest.approx([0.5, 0.5, 2.0, 2.0])


def test_flows_on_no_link_and_idle_flows() -> None:
    """A flow that crosses no link gets its demand; a flow that wants nothing gets nothing."""
    assert max_min_fair([1.0], [[0], [1], [1]], [7.0, 0.0, INF]) == pytest.approx([7.0, 0.0, 1.0])


def test_sparse_incidence_gives_the_dense_answer() -> None:
    """A scipy sparse incidence matrix is used as is and gives the same rates."""
    incidence = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]])
    dense = max_min_fair([1.0, 3.0, 4.0], incidence, [INF, 0.2, 1.0, INF])
    sparse = max_min_fair([1.0, 3.0, 4.0], sp.csr_array(incidence), [INF, 0.2, 1.0, INF])
    assert sparse == pytest.approx(dense) and dense == pytest.approx([0.8, 0.2, 1.0, 3.0])


@pytest.mark.parametrize(
    ("capacity", "incidence", "demand", "message"),
    [
        ([1.0], [[1], [1]], [1.0], "flows × links"),
        ([-1.0], [[1]], [1.0], "non-negative"),
        ([1.0], [[2]], [1.0], "only 0 and 1"),
        ([[1.0]], [[1]], [1.0], "one-dimensional"),
        ([1.0], [[1]], [np.nan], "non-negative"),
    ],
)
def test_impossible_inputs_are_one_clear_error(capacity, incidence, demand, message) -> None:
    with pytest.raises(NetworkError, match=message):
        max_min_fair(capacity, incidence, demand)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_allocation_is_feasible_and_every_flow_is_satisfied_or_bottlenecked(data: st.DataObject) -> None:
    """Random networks: no link is over capacity, and each flow gets its demand or crosses a full link on which
    its rate is the largest (the bottleneck condition that characterises max-min fairness)."""
    flows = data.draw(st.integers(1, 12))
    links = data.draw(st.integers(1, 8))
    incidence = np.array(
        data.draw(st.lists(st.lists(st.booleans(), min_size=links, max_size=links), min_size=flows, max_size=flows)),
        dtype=float,
    )
    capacity = np.array(data.draw(st.lists(st.floats(0.1, 100.0), min_size=links, max_size=links)))
    demand = np.array(
        data.draw(st.lists(st.one_of(st.floats(0.0, 150.0), st.just(INF)), min_size=flows, max_size=flows))
    )
    rates = max_min_fair(capacity, incidence, demand)
    crossing_any = incidence.sum(axis=1) > 0
    assert np.isfinite(rates[crossing_any]).all()
    load = incidence.T @ np.where(np.isfinite(rates), rates, 0.0)
    assert (load <= capacity * (1 + 1e-9)).all()
    full = load >= capacity * (1 - 1e-9)
    for f in range(flows):
        if rates[f] >= demand[f] * (1 - 1e-9):
            continue
        bottlenecks = [
            link
            for link in range(links)
            if incidence[f, link] and full[link] and rates[f] >= rates[incidence[:, link] > 0].max() * (1 - 1e-9)
        ]
        assert bottlenecks, (f, rates, demand, load, capacity)
