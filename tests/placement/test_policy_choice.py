"""Each placement policy picks the server its definition names, on small hand-built fleets."""

from __future__ import annotations

import numpy as np
import pytest

from cloudtwin.errors import PlacementError
from cloudtwin.placement import DEFINITIONS, POLICIES, PlacementIndex

GIB = 1024


def fleet(
    policy: str, free_vcpus: list[int], free_gib: list[int], zone_start: list[int] | None = None, seed: int = 0
) -> PlacementIndex:
    """Servers of 16 vCPUs / 64 GiB, then allocated down to the given free amounts."""
    n = len(free_vcpus)
    ix = PlacementIndex(np.full(n, 16), np.full(n, 64 * GIB), np.array(zone_start or [0, n]), policy, seed)
    for s, (c, g) in enumerate(zip(free_vcpus, free_gib)):
        ix.allocate(s, 16 - c, (64 - g) * GIB)
    return ix


def test_every_policy_has_a_definition() -> None:
    """The five scenario policies each carry a written definition."""
    assert set(POLICIES) == {"first-fit", "best-fit", "worst-fit", "random", "power-of-two"}
    assert all(DEFINITIONS[p] for p in POLICIES)


def test_first_fit_lowest_index_checking_memory_too() -> None:
    """first-fit: the lowest-index server with enough vCPUs AND memory (server 1 lacks memory)."""
    ix = fleet("first-fit", [2, 8, 8, 16], [8, 4, 32, 64])
    assert ix.choose(0, 4, 16 * GIB) == 2
    assert ix.choose(0, 2, 1 * GIB) == 0
    assert ix.choose(0, 16, 64 * GIB) == 3
    assert ix.choose(0, 16, 65 * GIB) == -1


def test_best_fit_fewest_free_vcpus_ties_low_index() -> None:
    """best-fit: fewest free vCPUs that still fit; ties to the lowest index; memory can rule the tightest out."""
    ix = fleet("best-fit", [16, 6, 4, 9, 4, 5], [64, 64, 8, 64, 64, 64])
    assert ix.choose(0, 4, 4 * GIB) == 2  # 4 free on servers 2 and 4: lowest index
    assert ix.choose(0, 4, 16 * GIB) == 4  # server 2 has 4 vCPUs free but only 8 GiB
    assert ix.choose(0, 6, 1 * GIB) == 1
    assert ix.choose(0, 10, 1 * GIB) == 0
    assert ix.choose(0, 17, 1 * GIB) == -1


def test_worst_fit_most_free_vcpus_ties_low_index() -> None:
    """worst-fit: most free vCPUs among feasible; ties to the lowest index; memory can rule the emptiest out."""
    ix = fleet("worst-fit", [3, 12, 12, 16, 2], [64, 64, 64, 4, 64])
    assert ix.choose(0, 2, 8 * GIB) == 1  # server 3 has 16 vCPUs but 4 GiB
    assert ix.choose(0, 2, 2 * GIB) == 3
    assert ix.choose(0, 13, 1 * GIB) == 3
    assert ix.choose(0, 13, 8 * GIB) == -1


@pytest.mark.parametrize("policy", POLICIES)
def test_only_the_target_zone(policy: str) -> None:
    """Every policy stays inside the target zone's server range."""
    ix = fleet(policy, [16, 16, 16, 2, 2, 16, 16], [64] * 7, zone_start=[0, 3, 7])
    for _ in range(30):
        assert ix.choose(1, 4, GIB) in (5, 6)
        assert ix.choose(0, 4, GIB) in (0, 1, 2)
    assert ix.choose(1, 2, GIB) in (3, 4, 5, 6)


@pytest.mark.parametrize("policy", POLICIES)
def test_down_server_is_never_chosen(policy: str) -> None:
    """A down server carries capacity -1: no policy picks it, and it is back once up."""
    ix = fleet(policy, [16, 4, 16], [64, 64, 64])
    ix.set_server_down(0)
    ix.set_server_down(2)
    for _ in range(20):
        assert ix.choose(0, 2, GIB) == 1
    assert ix.choose(0, 8, GIB) == -1
    ix.set_server_up(2)
    assert ix.choose(0, 8, GIB) == 2


@pytest.mark.parametrize("policy", POLICIES)
def test_place_allocates(policy: str) -> None:
    """place() takes the VM's vCPUs and memory from the chosen server; release gives them back."""
    ix = fleet(policy, [16, 16], [64, 64])
    s = ix.place(0, 6, 24 * GIB)
    assert ix.free_vcpus()[s] == 10 and ix.free_memory_mib()[s] == 40 * GIB
    ix.release(s, 6, 24 * GIB)
    assert ix.free_vcpus().tolist() == [16, 16]


def test_unknown_policy_is_refused() -> None:
    """An unknown policy name is a PlacementError that lists the known ones."""
    with pytest.raises(PlacementError, match="best-fit"):
        PlacementIndex(np.full(2, 4), np.full(2, 8), np.array([0, 2]), "fastest-fit")


def test_bad_request_is_refused() -> None:
    """A zone out of range or a VM without vCPUs is a PlacementError."""
    ix = fleet("first-fit", [16], [64])
    with pytest.raises(PlacementError):
        ix.choose(1, 2, GIB)
    with pytest.raises(PlacementError):
        ix.choose(0, 0, GIB)


def test_power_of_two_keeps_the_fuller_by_vcpus_then_memory_then_index() -> None:
    """power-of-two with two feasible servers: the fuller wins unless both draws hit the other (P = 1/4)."""
    ix = fleet("power-of-two", [16, 8, 8, 1], [64, 40, 32, 64], seed=3)
    # feasible for (4 vCPU, 8 GiB): 0, 1, 2. Fuller order: 2 (8 vCPUs, 32 GiB), 1 (8, 40), 0 (16).
    n = 9000
    picks = np.bincount([ix.choose(0, 4, 8 * GIB) for _ in range(n)], minlength=4)
    expected = np.array([1, 3, 5, 0]) / 9 * n  # rank r of F = 3 is picked with (2(F - r) - 1) / F^2
    assert picks[3] == 0
    chi2 = float((((picks - expected) ** 2)[:3] / expected[:3]).sum())
    assert chi2 < 20.0  # 2 degrees of freedom: P(chi2 > 20) = e^-10


@pytest.mark.parametrize("policy", POLICIES)
def test_down_server_keeps_its_capacity_state(policy: str) -> None:
    """While down a server is never chosen, yet VMs leaving it still free capacity, which is there once it is up."""
    ix = fleet(policy, [4, 16], [16, 64])
    ix.set_server_down(0)
    ix.release(0, 2, 8 * GIB)  # a VM on the down server ends
    assert ix.free_vcpus().tolist() == [6, 16] and ix.server_up().tolist() == [False, True]
    assert ix.choose(0, 6, GIB) == 1
    ix.set_server_up(0)
    assert ix.free_memory_mib()[0] == 24 * GIB
    assert ix.choose(0, 6, 24 * GIB) in ((0,) if policy in ("first-fit", "best-fit") else (0, 1))
