"""The generative heads, CVAE and diffusion (twins of trainer/policy/heads/{cvae,diffusion,generative}.ts).

Both turn noise into an action through a network and run that network on several noise inputs per
state in one call: blocks of ``batch`` rows, block 0 from the fixed noise +Q and block 1 from −Q
(Q = 0.674, the 75th percentile of N(0, 1)) — the "spread" probes — then the acting block(s).
"""

from __future__ import annotations

import math
from typing import List

import numpy as np

from .heads import F32, F64, Head, HeadOutput, squash_log_std
from .prng import gaussian, mulberry32

#: The fixed noise value of deterministic actions (the 75th percentile of N(0, 1)).
NOISE_QUANTILE = 0.6744897501960817
TIME_EMBED_DIM = 8


def tile(obs: np.ndarray, reps: int, extra_dim: int) -> np.ndarray:
    """float32 ``[reps·batch, obs_dim + extra_dim]``: block r is the observations with zeros to fill."""
    b, obs_dim = obs.shape
    out = np.zeros((reps * b, obs_dim + extra_dim), dtype=F32)
    out[:, :obs_dim] = np.tile(obs, (reps, 1))
    return out


def probe_spread(blocks: np.ndarray, batch: int) -> np.ndarray:
    """``|a(+Q) − a(−Q)| / 2`` averaged over dimensions, from float32 ``[reps·batch, d]``."""
    plus = blocks[:batch].astype(F64)
    minus = blocks[batch : 2 * batch].astype(F64)
    return (np.abs(plus - minus) / 2).mean(axis=1).astype(F32)


class CvaeHead(Head):
    """Conditional VAE: encoder q(z|o,a) (net 0), Gaussian decoder p(a|o,z) (net 1), optional learned prior p(z|o) (net 2)."""

    def __init__(self, obs_dim: int, d: int, latent_dim: int, prior: str, deterministic_latent: str) -> None:
        self.d, self.L = d, latent_dim
        self.act_dim = d
        self.learned = prior == "learned"
        self.deterministic_latent = deterministic_latent
        self.nets = [(obs_dim + d, 2 * latent_dim), (obs_dim + latent_dim, 2 * d)]
        if self.learned:
            self.nets.append((obs_dim, 2 * latent_dim))
        L = latent_dim
        if L <= 3:
            # Every ±Q sign pattern: bit j of the pattern index set → −Q in dimension j.
            cands: List[List[float]] = [[(-1.0 if (m >> j) & 1 else 1.0) * NOISE_QUANTILE for j in range(L)] for m in range(2**L)]
        else:
            g = mulberry32(17)
            cands = [[gaussian(g) for _ in range(L)] for _ in range(8)]
        self.candidates = np.array(cands, dtype=F64)

    def act(self, obs, forward, extras, deterministic, rng):
        d, L = self.d, self.L
        b, obs_dim = obs.shape
        mode = self.deterministic_latent if deterministic else "sample"
        K = len(self.candidates)
        extra = 0 if mode == "quantile" else K if mode == "best" else 1
        reps = 2 + extra
        if self.learned:
            prior = forward(2, obs)
            prior_mu = prior[:, :L].astype(F64)
            prior_sigma = np.exp(squash_log_std(prior[:, L:]))
        else:
            prior_mu = np.zeros((b, L))
            prior_sigma = np.ones((b, L))
        # Noise per block (in prior-σ units): +Q, −Q, then the acting block(s).
        eps = np.empty((reps, b, L))
        eps[0] = NOISE_QUANTILE
        eps[1] = -NOISE_QUANTILE
        if mode == "best":
            eps[2:] = self.candidates[:, None, :]
        elif mode == "mean":
            eps[2] = 0.0
        elif mode == "sample":
            eps[2] = rng.standard_normal((b, L))
        inp = tile(obs, reps, L)
        inp[:, obs_dim:] = (prior_mu[None] + prior_sigma[None] * eps).reshape(reps * b, L)
        dec = forward(1, inp).reshape(reps, b, 2 * d)
        means = dec[:, :, :d]
        log_sigmas = squash_log_std(dec[:, :, d:])
        chosen = np.full(b, 0 if mode == "quantile" else 2, dtype=np.int64)
        if mode == "best":
            # Score each candidate's decoded mean a_c by the ELBO at z = μ_q(o, a_c):
            # log p(a_c | o, μ_q) − KL(q(z | o, a_c) ‖ p(z | o)); the best-scoring candidate is on a mode.
            cand_means = means[2:]  # [K, b, d] float32
            enc_in = tile(obs, K, d)
            enc_in[:, obs_dim:] = cand_means.reshape(K * b, d)
            enc = forward(0, enc_in)
            dec_in = tile(obs, K, L)
            dec_in[:, obs_dim:] = enc[:, :L]
            dec2 = forward(1, dec_in).reshape(K, b, 2 * d)
            ls = squash_log_std(dec2[:, :, d:])
            z = (cand_means.astype(F64) - dec2[:, :, :d].astype(F64)) / np.exp(ls)
            recon = -(0.5 * z * z + ls).sum(axis=2)
            mq = enc[:, :L].astype(F64).reshape(K, b, L)
            lq = squash_log_std(enc[:, L:]).reshape(K, b, L)
            kl = (np.log(prior_sigma)[None] - lq + (np.exp(2 * lq) + (mq - prior_mu[None]) ** 2) / (2 * prior_sigma[None] ** 2) - 0.5).sum(axis=2)
            score = np.nan_to_num(recon - kl, nan=-np.inf)  # [K, b]
            chosen = 2 + np.argmax(score, axis=0)
        rows = np.arange(b)
        mu = means[chosen, rows]
        if deterministic:
            actions = mu
        else:
            actions = (mu.astype(F64) + np.exp(log_sigmas[chosen, rows]) * rng.standard_normal((b, d))).astype(F32)
        sigma_plus = np.exp(log_sigmas[0])
        half_gap = (means[0].astype(F64) - means[1].astype(F64)) / 2
        spread = (np.sqrt(sigma_plus * sigma_plus + half_gap * half_gap).sum(axis=1) / d).astype(F32)
        return HeadOutput(actions, spread)


def alpha_bars(steps: int, schedule: str) -> np.ndarray:
    """ᾱ_k for k = 0..T (ᾱ_0 = 1), cosine (Nichol & Dhariwal) or linear β rescaled to T steps."""
    ab = [1.0]
    if schedule == "cosine":
        s = 0.008

        def f(k: int) -> float:
            return math.cos(((k / steps + s) / (1 + s)) * (math.pi / 2)) ** 2

        for k in range(1, steps + 1):
            beta = min(1 - f(k) / f(k - 1), 0.999)
            ab.append(ab[-1] * (1 - beta))
    else:
        lo = min(1e-4 * (1000 / steps), 0.5)
        hi = min(0.02 * (1000 / steps), 0.999)
        for k in range(1, steps + 1):
            beta = hi if steps == 1 else lo + ((hi - lo) * (k - 1)) / (steps - 1)
            ab.append(ab[-1] * (1 - beta))
    return np.array(ab, dtype=F64)


def sampling_timesteps(steps: int, sample_steps: int) -> List[int]:
    """The S strided timesteps, descending: round(T·s/S) for s = S..1 (JavaScript rounding, distinct, ≥ 1)."""
    S = min(sample_steps, steps)
    ts: List[int] = []
    for s in range(S, 0, -1):
        t = max(math.floor((steps * s) / S + 0.5), 1)
        if not ts or ts[-1] != t:
            ts.append(t)
    return ts


def time_embedding(k: int, steps: int) -> np.ndarray:
    """``[sin(2^j·π·k/T), cos(2^j·π·k/T)]`` for j < 4, float32."""
    u = k / steps
    out = np.empty(TIME_EMBED_DIM, dtype=F32)
    for j in range(TIME_EMBED_DIM // 2):
        a = math.pi * 2**j * u
        out[2 * j] = math.sin(a)
        out[2 * j + 1] = math.cos(a)
    return out


class DiffusionHead(Head):
    """Noise-prediction network ε̂([obs, a_k, emb(k)]) sampled with strided DDIM (η = 0) or DDPM (η = 1)."""

    def __init__(self, obs_dim: int, d: int, steps: int, sample_steps: int, sampler: str, schedule: str) -> None:
        self.d = d
        self.act_dim = d
        self.T = steps
        self.ab = alpha_bars(steps, schedule)
        self.eta = 1.0 if sampler == "ddpm" else 0.0
        self.timesteps = sampling_timesteps(steps, sample_steps)
        self.embeddings = {t: time_embedding(t, steps) for t in self.timesteps}
        self.nets = [(obs_dim + d + TIME_EMBED_DIM, d)]

    def act(self, obs, forward, extras, deterministic, rng):
        d = self.d
        b, obs_dim = obs.shape
        reps = 2 if deterministic else 3
        rows_n = reps * b
        inp = tile(obs, reps, d + TIME_EMBED_DIM)
        x = np.empty((rows_n, d), dtype=F64)
        x[:b] = NOISE_QUANTILE
        x[b : 2 * b] = -NOISE_QUANTILE
        if not deterministic:
            x[2 * b :] = rng.standard_normal((b, d))
        ts = self.timesteps
        for s, t in enumerate(ts):
            t_prev = ts[s + 1] if s + 1 < len(ts) else 0
            ab_t, ab_p = float(self.ab[t]), float(self.ab[t_prev])
            inp[:, obs_dim : obs_dim + d] = x
            inp[:, obs_dim + d :] = self.embeddings[t]
            eps_hat = forward(0, inp).astype(F64)
            sq_ab_t = math.sqrt(ab_t)
            sq_1_t = math.sqrt(1 - ab_t)
            sigma_eta = 0.0 if t_prev == 0 else self.eta * math.sqrt((1 - ab_p) / (1 - ab_t)) * math.sqrt(max(1 - ab_t / ab_p, 0.0))
            x0 = np.clip((x - sq_1_t * eps_hat) / sq_ab_t, -1.0, 1.0)
            e = (x - sq_ab_t * x0) / sq_1_t  # ε consistent with the clipped a₀
            # The two probe chains are deterministic DDIM; only the sampled chain (block 2) gets σ_η.
            x_new = math.sqrt(ab_p) * x0 + math.sqrt(max(1 - ab_p, 0.0)) * e
            if not deterministic and sigma_eta > 0:
                sl = slice(2 * b, None)
                direction = math.sqrt(max(1 - ab_p - sigma_eta * sigma_eta, 0.0))
                x_new[sl] = math.sqrt(ab_p) * x0[sl] + direction * e[sl] + sigma_eta * rng.standard_normal((b, d))
            x = x_new
        final = np.clip(x, -1.0, 1.0).astype(F32)
        main = 0 if deterministic else 2
        return HeadOutput(final[main * b : (main + 1) * b], probe_spread(final, b))
