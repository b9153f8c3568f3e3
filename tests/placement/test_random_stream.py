"""The placement random stream is xoshiro256** (Blackman and Vigna), and its integers are uniform."""

from __future__ import annotations

import numpy as np

from cloudtwin.placement.rng import next_u64, rng_state, uniform_int

MASK = (1 << 64) - 1


def reference_xoshiro(state: list[int], n: int) -> list[int]:
    """xoshiro256** written from the reference C code (prng.di.unimi.it), with Python integers."""
    s = list(state)
    out = []

    def rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & MASK

    for _ in range(n):
        out.append(rotl((s[1] * 5) & MASK, 7) * 9 & MASK)
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


def test_outputs_match_the_reference_algorithm() -> None:
    """The compiled generator gives the reference algorithm's outputs for the same state."""
    state = rng_state(2014)
    want = reference_xoshiro([int(x) for x in state], 50)
    assert [int(next_u64(state)) for _ in range(50)] == want


def test_same_seed_same_state_different_seed_different_state() -> None:
    """A seed (int or SeedSequence) fixes the state; another seed gives another."""
    assert np.array_equal(rng_state(7), rng_state(np.random.SeedSequence(7)))
    assert not np.array_equal(rng_state(7), rng_state(8))


def test_uniform_int_is_in_range_and_flat() -> None:
    """uniform_int(n) stays in [0, n) and hits each value ~equally (chi-square, 6 degrees of freedom)."""
    state = rng_state(3)
    draws = np.array([uniform_int(state, 7) for _ in range(70_000)])
    counts = np.bincount(draws, minlength=7)
    assert draws.min() >= 0 and draws.max() < 7 and len(counts) == 7
    chi2 = float(((counts - 10_000) ** 2 / 10_000).sum())
    assert chi2 < 30.0  # P(chi2_6 > 30) ~ 4e-5
