"""Erlang-B/C, carried load, Little's law and the capacity inverses against independent closed forms.

The reference values are computed here from the explicit sum forms with exact rational
arithmetic (`fractions.Fraction`), never from the recursion under test, or are published
table values.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from cloudtwin.analysis import (
    erlang_b,
    erlang_c,
    littles_law_mean_in_system,
    mmcc_mean_busy,
    offered_load_for_blocking,
    servers_for_blocking,
)
from cloudtwin.errors import AnalysisError, CloudtwinError


def exact_erlang_b(servers: int, offered: Fraction | int) -> float:
    """B(c, A) = (A^c / c!) / Σ_{k=0..c} A^k / k!, in exact rationals."""
    a = Fraction(offered)
    terms = [a**k / math.factorial(k) for k in range(servers + 1)]
    return float(terms[-1] / sum(terms))


def exact_erlang_c(servers: int, offered: Fraction | int) -> float:
    """C(c, A) = (A^c/c! · c/(c−A)) / (Σ_{k<c} A^k/k! + A^c/c! · c/(c−A)), in exact rationals."""
    a = Fraction(offered)
    tail = a**servers / math.factorial(servers) * Fraction(servers) / (servers - a)
    head = sum(a**k / math.factorial(k) for k in range(servers))
    return float(tail / (head + tail))


GRID = [(1, 1), (2, 1), (3, Fraction(5, 2)), (10, 5), (25, 20), (50, Fraction(121, 3)), (100, 90), (150, 200)]


def test_erlang_b_published_values() -> None:
    """B(100, 90) = 0.02696 (the erlang-single-zone scenario); B(10, 5) = 0.01838 (Erlang-B tables); B(2, 1) = 0.2."""
    assert erlang_b(100, 90.0) == pytest.approx(0.02696, abs=5e-6)
    assert erlang_b(10, 5.0) == pytest.approx(0.01838, abs=5e-6)
    assert erlang_b(2, 1.0) == pytest.approx(0.2, rel=1e-14)


@pytest.mark.parametrize(("servers", "offered"), GRID)
def test_erlang_b_equals_explicit_sum(servers: int, offered: Fraction) -> None:
    """The recursion equals the explicit sum (A^c/c!) / Σ A^k/k! to float precision."""
    assert erlang_b(servers, float(offered)) == pytest.approx(exact_erlang_b(servers, offered), rel=1e-12)


@pytest.mark.parametrize("offered", [0.0, 0.3, 1.0, 7.5, 1e6])
def test_erlang_b_one_server(offered: float) -> None:
    """B(1, A) = A / (1 + A)."""
    assert erlang_b(1, offered) == pytest.approx(offered / (1.0 + offered), rel=1e-14)


def test_erlang_b_vectorised_over_offered_load() -> None:
    """An array of loads gives an array of the same shape, each element the explicit-sum value."""
    loads = [Fraction(1, 2), Fraction(5), Fraction(9), Fraction(12), Fraction(30)]
    result = erlang_b(10, np.array([float(a) for a in loads]).reshape(5, 1))
    assert isinstance(result, np.ndarray) and result.shape == (5, 1)
    np.testing.assert_allclose(result[:, 0], [exact_erlang_b(10, a) for a in loads], rtol=1e-12)
    assert isinstance(erlang_b(10, 5.0), float)


def test_erlang_b_edges() -> None:
    """No servers refuse everything (B(0, A) = 1); no load refuses nothing (B(c, 0) = 0)."""
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(5, 0.0) == 0.0


def poisson_erlang_b(servers: int, offered: float) -> float:
    """B(c, A) = P(N = c) / P(N <= c) for N ~ Poisson(A), summed in log space (lgamma)."""
    logs = np.array([k * math.log(offered) - math.lgamma(k + 1) for k in range(servers + 1)])
    top = logs.max()
    return math.exp(logs[-1] - top - math.log(np.exp(logs - top).sum()))


@pytest.mark.parametrize(("servers", "offered"), [(100_000, 99_000.0), (100_000, 95_000.0), (20_000, 21_000.0)])
def test_erlang_b_large_system(servers: int, offered: float) -> None:
    """At zone scale (10^5 slots) the recursion equals the truncated-Poisson ratio P(N=c)/P(N<=c)."""
    assert erlang_b(servers, offered) == pytest.approx(poisson_erlang_b(servers, offered), rel=1e-8, abs=0.0)


@pytest.mark.parametrize(("servers", "offered"), [(1, Fraction(1, 2)), (2, 1), (10, 5), (30, 25), (100, 90)])
def test_erlang_c_equals_explicit_form(servers: int, offered: Fraction) -> None:
    """C(c, A) equals the explicit M/M/c waiting-probability sum (independent of B)."""
    assert erlang_c(servers, float(offered)) == pytest.approx(exact_erlang_c(servers, offered), rel=1e-11)


def test_erlang_c_single_server_and_overload() -> None:
    """M/M/1 waits with probability ρ = A; at A >= c every arrival waits (C = 1)."""
    np.testing.assert_allclose(erlang_c(1, np.array([0.1, 0.5, 0.9])), [0.1, 0.5, 0.9], rtol=1e-14)
    assert erlang_c(4, 4.0) == 1.0
    assert erlang_c(4, 9.0) == 1.0


def test_carried_load_is_littles_law_of_admitted_traffic() -> None:
    """Busy servers = λ·(1 − B)·E[S] (Little's law on admitted VMs), B from the explicit sum."""
    servers, per_hour, mean_hours = 100, 90.0, 1.0
    admitted_per_hour = per_hour * (1.0 - exact_erlang_b(servers, 90))
    expected = littles_law_mean_in_system(admitted_per_hour, mean_hours)
    assert mmcc_mean_busy(servers, per_hour * mean_hours) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(admitted_per_hour * mean_hours, rel=1e-15)


def test_littles_law_broadcasts() -> None:
    """L = λ·W element by element: 2/s × 3 s = 6; arrays broadcast."""
    assert littles_law_mean_in_system(2.0, 3.0) == 6.0
    np.testing.assert_array_equal(littles_law_mean_in_system(np.array([1.0, 2.0]), 4.0), [4.0, 8.0])


@pytest.mark.parametrize(("servers", "target"), [(1, 0.5), (10, 0.01838), (100, 0.02696), (100, 0.001), (1000, 0.9)])
def test_offered_load_for_blocking_round_trip(servers: int, target: float) -> None:
    """B(c, A*(c, t)) = t: the inverse lands on the target blocking."""
    offered = offered_load_for_blocking(servers, target)
    assert erlang_b(servers, offered) == pytest.approx(target, rel=1e-9)


def test_offered_load_for_blocking_published_points() -> None:
    """Inverse of the published points: B(100, A) = 0.02696 at A ≈ 90; B(1, A) = t at A = t/(1−t)."""
    assert offered_load_for_blocking(100, 0.02696) == pytest.approx(90.0, abs=0.01)
    assert offered_load_for_blocking(10, 0.01838) == pytest.approx(5.0, abs=0.001)
    assert offered_load_for_blocking(1, 0.25) == pytest.approx(0.25 / 0.75, rel=1e-12)


@pytest.mark.parametrize(("offered", "target"), [(90, 0.01), (5, 0.01838), (Fraction(1, 2), 0.2), (200, 0.001)])
def test_servers_for_blocking_is_smallest_sufficient(offered: Fraction, target: float) -> None:
    """The answer c has B(c, A) <= t and B(c − 1, A) > t, by the explicit sum."""
    servers = servers_for_blocking(float(offered), target)
    assert exact_erlang_b(servers, offered) <= target < exact_erlang_b(servers - 1, offered)


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_b(-1, 1.0),
        lambda: erlang_b(2.5, 1.0),
        lambda: erlang_b(True, 1.0),
        lambda: erlang_b(3, -0.1),
        lambda: erlang_b(3, float("nan")),
        lambda: erlang_b(3, "lots"),
        lambda: erlang_c(0, 1.0),
        lambda: offered_load_for_blocking(10, 1.0),
        lambda: offered_load_for_blocking(10, 0.0),
        lambda: servers_for_blocking(np.array([1.0, 2.0]), 0.1),
        lambda: littles_law_mean_in_system(np.ones(2), np.ones(3)),
    ],
)
def test_bad_input_is_an_analysis_error(call) -> None:
    """Impossible inputs raise AnalysisError (a CloudtwinError), never a bare numpy/numba error."""
    with pytest.raises(AnalysisError) as caught:
        call()
    assert isinstance(caught.value, CloudtwinError)
