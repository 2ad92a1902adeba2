"""Policy heads that turn network outputs into actions (twins of trainer/policy/heads/*.ts, inference only).

Every head works on a batch: ``obs`` is float32 ``[batch, obs_dim]`` of normalised observations,
``forward(net, x)`` runs network ``net`` of the ensemble member on float32 ``[rows, input_dim]``.
Box actions come out in the network's ``[-1, 1]`` coordinates (``policy.py`` maps them to the space).
Intermediate values are rounded to float32 wherever the TypeScript runtime stores them in a
``Float32Array``, so deterministic actions agree with it to float32 precision.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

F32 = np.float32
F64 = np.float64

LOG_STD_MIN = -5.0
LOG_STD_MAX = 1.0

Forward = Callable[[int, np.ndarray], np.ndarray]


class HeadOutput(NamedTuple):
    #: box: float32 ``[batch, act_dim]`` normalised actions; discrete: int64 ``[batch]`` indices.
    actions: np.ndarray
    #: float32 ``[batch]``: the head's own predictive spread (see heads/types.ts).
    spread: np.ndarray
    #: categorical only: float32 ``[batch, n]`` probabilities (for ensemble disagreement).
    probs: Optional[np.ndarray] = None


class Head:
    """Networks of one ensemble member as ``(input_dim, output_dim)``, extra parameters as ``(name, size)``."""

    act_dim: int
    nets: List[Tuple[int, int]]
    extras: List[Tuple[str, int]] = []

    def act(self, obs: np.ndarray, forward: Forward, extras: Dict[str, np.ndarray], deterministic: bool, rng: np.random.Generator) -> HeadOutput:
        raise NotImplementedError


def squash_log_std(raw: np.ndarray) -> np.ndarray:
    """Raw network output → log σ in [LOG_STD_MIN, LOG_STD_MAX] (float64)."""
    return LOG_STD_MIN + (LOG_STD_MAX - LOG_STD_MIN) / (1.0 + np.exp(-np.asarray(raw, dtype=F64)))


def softmax32(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of float32 ``[rows, n]`` logits, rounded like heads/types.ts ``softmaxInto``."""
    l64 = logits.astype(F64)
    e = np.exp(l64 - l64.max(axis=1, keepdims=True))
    total = e.sum(axis=1, keepdims=True)
    return (e.astype(F32).astype(F64) / total).astype(F32)


def sample_index(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per row drawn from float32 ``[rows, n]`` probabilities (inverse CDF, last index on round-off)."""
    cdf = np.cumsum(probs.astype(F64), axis=1)
    u = rng.random(probs.shape[0])
    idx = (cdf <= u[:, None]).sum(axis=1)
    return np.minimum(idx, probs.shape[1] - 1)


class CategoricalHead(Head):
    """Softmax over ``n`` logits; deterministic = the most probable action (first on ties)."""

    def __init__(self, obs_dim: int, n: int) -> None:
        self.n = n
        self.act_dim = 1
        self.nets = [(obs_dim, n)]
        self.log_n = math.log(max(n, 2))

    def act(self, obs, forward, extras, deterministic, rng):
        probs = softmax32(forward(0, obs))
        actions = np.argmax(probs, axis=1) if deterministic else sample_index(probs, rng)
        p = probs.astype(F64)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
        spread = (-plogp.sum(axis=1) / self.log_n).astype(F32)
        return HeadOutput(actions.astype(np.int64), spread, probs)


class GaussianHead(Head):
    """Diagonal Gaussian: ``[μ | raw log σ]`` per state, or μ per state and one learned raw log σ (``logStd``)."""

    def __init__(self, obs_dim: int, d: int, variance: str) -> None:
        self.d = d
        self.act_dim = d
        self.per_state = variance == "state"
        self.nets = [(obs_dim, 2 * d if self.per_state else d)]
        self.extras = [] if self.per_state else [("logStd", d)]

    def act(self, obs, forward, extras, deterministic, rng):
        d = self.d
        out = forward(0, obs)
        mu = out[:, :d]
        raw = out[:, d : 2 * d] if self.per_state else np.broadcast_to(extras["logStd"], mu.shape)
        sigma = np.exp(squash_log_std(raw))
        spread = (sigma.sum(axis=1) / d).astype(F32)
        if deterministic:
            return HeadOutput(mu, spread)
        noise = rng.standard_normal(mu.shape)
        return HeadOutput((mu.astype(F64) + sigma * noise).astype(F32), spread)


class MixtureHead(Head):
    """K diagonal Gaussians ``[K logits | K·d μ | K·d raw log σ]``; deterministic = μ of the most probable component."""

    def __init__(self, obs_dim: int, d: int, k: int) -> None:
        self.d, self.k = d, k
        self.act_dim = d
        self.nets = [(obs_dim, k + 2 * k * d)]

    def act(self, obs, forward, extras, deterministic, rng):
        d, k = self.d, self.k
        out = forward(0, obs)
        b = out.shape[0]
        pi = softmax32(out[:, :k])
        comp = np.argmax(pi, axis=1) if deterministic else sample_index(pi, rng)
        mu = out[:, k : k + k * d].reshape(b, k, d)
        sigma = np.exp(squash_log_std(out[:, k + k * d :].reshape(b, k, d)))
        rows = np.arange(b)
        chosen_mu = mu[rows, comp]
        if deterministic:
            actions = chosen_mu
        else:
            actions = (chosen_mu.astype(F64) + sigma[rows, comp] * rng.standard_normal((b, d))).astype(F32)
        # Mixture variance per dimension: Σπ(σ² + μ²) − (Σπμ)².
        p = pi.astype(F64)[:, :, None]
        mu64 = mu.astype(F64)
        m1 = (p * mu64).sum(axis=1)
        m2 = (p * (sigma * sigma + mu64 * mu64)).sum(axis=1)
        var_sum = np.maximum(m2 - m1 * m1, 0.0).sum(axis=1)
        return HeadOutput(actions, np.sqrt(var_sum / d).astype(F32))


class AutoregressiveHead(Head):
    """Each dimension binned into B bins over [-1, 1], predicted by its own network from [obs, a₀ … a_{j−1}]."""

    def __init__(self, obs_dim: int, d: int, bins: int) -> None:
        self.d, self.bins = d, bins
        self.act_dim = d
        self.nets = [(obs_dim + j, bins) for j in range(d)]
        self.centers = np.array([-1 + (2 * b) / (bins - 1) for b in range(bins)], dtype=F32).astype(F64)
        self.width = 2 / (bins - 1)
        # Zero-padded centres: a window [m−1, m+1] becomes [m, m+2] in padded coordinates.
        self._padded_centers = np.concatenate([[0.0], self.centers, [0.0]])

    def act(self, obs, forward, extras, deterministic, rng):
        d, bins = self.d, self.bins
        b = obs.shape[0]
        actions = np.zeros((b, d), dtype=F32)
        spread = np.zeros(b, dtype=F32)
        rows = np.arange(b)[:, None]
        x = obs
        for j in range(d):
            probs = softmax32(forward(j, x))
            p = probs.astype(F64)
            if deterministic:
                m = np.argmax(probs, axis=1)
                window = m[:, None] + np.arange(3)[None, :]
                padded = np.pad(p, ((0, 0), (1, 1)))
                pw = padded[rows, window]
                value = (pw * self._padded_centers[window]).sum(axis=1) / pw.sum(axis=1)
            else:
                q = sample_index(probs, rng)
                value = np.clip(self.centers[q] + (rng.random(b) - 0.5) * self.width, -1.0, 1.0)
            actions[:, j] = value
            m1 = p @ self.centers
            m2 = p @ (self.centers * self.centers)
            spread = (spread.astype(F64) + np.sqrt(np.maximum(m2 - m1 * m1, 0.0)) / d).astype(F32)
            if j < d - 1:
                x = np.concatenate([x, actions[:, j : j + 1]], axis=1)
        return HeadOutput(actions, spread)
