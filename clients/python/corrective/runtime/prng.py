"""mulberry32 and Box–Muller exactly as trainer/random.ts: the CVAE head's fixed candidate latents
(for latent dimensions above 3) are drawn from ``mulberry32(17)`` and must be the same numbers here."""

from __future__ import annotations

import math
from typing import Callable

_M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    """``Math.imul``: the low 32 bits of the product (as an unsigned value here)."""
    return (a * b) & _M32


def mulberry32(seed: int) -> Callable[[], float]:
    """A uniform [0, 1) generator, bit-identical to the TypeScript one for the same integer seed."""
    state = (_imul(seed & _M32, 0x9E3779B1) ^ 0x85EBCA6B) & _M32

    def next_value() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & _M32
        t = state
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _M32
        return ((t ^ (t >> 14)) & _M32) / 4294967296

    return next_value


def gaussian(rng: Callable[[], float]) -> float:
    """Standard normal draw (Box–Muller), consuming two uniforms like ``gaussian`` in trainer/random.ts."""
    u = 1 - rng()
    v = rng()
    return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v)
