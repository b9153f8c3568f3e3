"""The placement random stream: xoshiro256** in numba, seeded from a `numpy.random.SeedSequence`.

The random and power-of-two policies draw inside compiled code, so the generator
is a 4-word uint64 state array advanced by `next_u64`. Algorithm: D. Blackman and
S. Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 47(4), 2021
(reference code at https://prng.di.unimi.it/xoshiro256starstar.c). Same seed, same
state, same draws, bit for bit on any machine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_5 = np.uint64(5)
_7 = np.uint64(7)
_9 = np.uint64(9)
_17 = np.uint64(17)
_45 = np.uint64(45)
_64 = np.uint64(64)
_ZERO = np.uint64(0)


def rng_state(seed: int | np.random.SeedSequence) -> np.ndarray:
    """A fresh xoshiro256** state (uint64[4]) from an int seed or a SeedSequence (never all zero)."""
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    state = np.ascontiguousarray(seq.generate_state(4, dtype=np.uint64))
    if not state.any():  # the one state xoshiro cannot leave; probability 2**-256
        state[0] = np.uint64(1)
    return state


@njit(cache=True, inline="always")
def _rotl(x: np.uint64, k: np.uint64) -> np.uint64:
    return (x << k) | (x >> (_64 - k))


@njit(cache=True)
def next_u64(state: np.ndarray) -> np.uint64:
    """Advance the state and return the next 64-bit output (xoshiro256**)."""
    s0 = state[0]
    s1 = state[1]
    s2 = state[2]
    s3 = state[3]
    result = _rotl(s1 * _5, _7) * _9
    t = s1 << _17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, _45)
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return result


@njit(cache=True)
def uniform_int(state: np.ndarray, n: int) -> int:
    """Exactly uniform integer in [0, n) for n >= 1: rejection of the 2**64 mod n lowest outputs, then modulo."""
    nn = np.uint64(n)
    threshold = (_ZERO - nn) % nn  # = 2**64 mod n: outputs below it would bias the modulo
    while True:
        r = next_u64(state)
        if r >= threshold:
            return np.int64(r % nn)  # type: ignore[return-value]
