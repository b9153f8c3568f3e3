"""simulate_explicit reproduces the VMP-FF-85 peer workload exactly (peers/WORKLOAD.md)."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import zlib
from heapq import heappop, heappush
from pathlib import Path

import numpy as np
import pytest

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine import simulate_explicit
from cloudtwin.errors import PlacementError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
TYPES = ((2, 8), (4, 16), (8, 32), (16, 64))  # (vCPU, GiB)


def stream(hosts: int, n: int, seed: int, load: float) -> list[tuple[float, int, int, float]]:
    """The peers' random stream: per arrival gap, type, zone, life from random.Random(seed), in that order."""
    lam = load * 64 * hosts / (7.5 * 3600.0)
    r = random.Random(seed).random
    out = []
    for _ in range(n):
        gap = -math.log(1.0 - r()) / lam
        kind = min(int(4.0 * r()), 3)
        zone = min(int(3.0 * r()), 2)
        out.append((gap, kind, zone, -math.log(1.0 - r()) * 3600.0))
    return out


def first_fit_reference(hosts: int, draws: list[tuple[float, int, int, float]]) -> tuple[int, int, int, list[int]]:
    """Plain heapq loop with a linear first-fit scan; ties in scheduling order; stop after the last arrival."""
    bounds = [(z * hosts // 3, (z + 1) * hosts // 3) for z in range(3)]
    cpu, mem = [64] * hosts, [256] * hosts
    heap: list[tuple[float, int, int, tuple[int, int, int] | None]] = [(draws[0][0], 0, 0, None)]
    seq, k, accepted, rejected, departures = 1, 0, 0, 0, 0
    while True:
        now, _, kind, payload = heappop(heap)
        if kind == 1:
            h, c, m = payload  # type: ignore[misc]
            cpu[h] += c
            mem[h] += m
            departures += 1
            continue
        _, t, z, life = draws[k]
        c, m = TYPES[t]
        h = next((i for i in range(*bounds[z]) if cpu[i] >= c and mem[i] >= m), -1)
        if h < 0:
            rejected += 1
        else:
            accepted += 1
            cpu[h] -= c
            mem[h] -= m
            heappush(heap, (now + life, seq, 1, (h, c, m)))
            seq += 1
        k += 1
        if k == len(draws):
            return accepted, rejected, departures, cpu
        heappush(heap, (now + draws[k][0], seq, 0, None))
        seq += 1


def as_arrivals(draws: list[tuple[float, int, int, float]]) -> Arrivals:
    """Arrival times by sequential float64 addition t_k = t_(k-1) + gap_k, as the peers' clock advances."""
    times, now = [], 0.0
    for gap, *_ in draws:
        now += gap
        times.append(now)
    kind = np.array([d[1] for d in draws])
    return Arrivals.from_columns(
        time_s=times,
        vcpus=np.array(TYPES)[kind, 0],
        memory_mib=np.array(TYPES)[kind, 1] * 1024,
        zone=[d[2] for d in draws],
        lifetime_s=[d[3] for d in draws],
    )


def fleet(hosts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.full(hosts, 64), np.full(hosts, 256 * 1024), np.array([z * hosts // 3 for z in range(4)])


@pytest.mark.parametrize(
    ("hosts", "n", "load"), [(100, 5000, 0.85), (300, 20000, 0.85), (100, 8000, 1.15), (200, 12000, 1.3)]
)
def test_matches_a_plain_first_fit_loop(hosts: int, n: int, load: float) -> None:
    """Accepted, rejected, departures and every host's free vCPUs equal a plain-Python first-fit heapq loop."""
    draws = stream(hosts, n, seed=42 + hosts, load=load)
    accepted, rejected, departures, cpu = first_fit_reference(hosts, draws)
    got = simulate_explicit(*fleet(hosts), as_arrivals(draws))
    assert (got["accepted"], got["rejected"], got["departures"]) == (accepted, rejected, departures)
    assert got["free_vcpus"].tolist() == cpu
    assert got["events"] == n + departures and got["arrivals"] == n
    if load > 1:
        assert rejected > 0


def test_explicit_arrivals_are_checked() -> None:
    """Unsorted times or a zone outside the fleet are a PlacementError, not a crash."""
    bad = Arrivals.from_columns(time_s=[2.0, 1.0], vcpus=[2, 2], memory_mib=[8, 8], zone=[0, 0], lifetime_s=[1, 1])
    with pytest.raises(PlacementError, match="sorted"):
        simulate_explicit(*fleet(30), bad)
    bad = Arrivals.from_columns(time_s=[1.0], vcpus=[2], memory_mib=[8], zone=[3], lifetime_s=[1])
    with pytest.raises(PlacementError, match="zone"):
        simulate_explicit(*fleet(30), bad)


@pytest.mark.slow
def test_matches_the_plain_python_peer_at_1k_hosts(tmp_path: Path) -> None:
    """H=1000, N=100000, seed 42: accepted, rejected and the free-core CRC equal plain_python_placement.py's."""
    peer = SHARED / "peers" / "plain_python_placement.py"
    if not peer.exists():
        pytest.skip(f"the peers are not here ({peer})")
    line = (
        subprocess.run(
            [sys.executable, str(peer), "--hosts", "1000", "--arrivals", "100000", "--seed", "42"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    want = json.loads(line)
    got = simulate_explicit(*fleet(1000), as_arrivals(stream(1000, 100000, seed=42, load=0.85)))
    assert (got["accepted"], got["rejected"], got["departures"]) == (
        want["accepted"],
        want["rejected"],
        want["departures"],
    )
    assert zlib.crc32(got["free_vcpus"].astype(np.uint8).tobytes()) == want["state_crc32"]
