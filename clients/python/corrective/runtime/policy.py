"""A loaded policy: ``act(obs)`` for one state, ``act_batch(observations)`` for many (twin of trainer/policy/policy.ts).

Ensembles (``ensembleSize`` > 1): deterministic actions are the majority vote (discrete; ties broken by
the summed probabilities) or the medoid of the members' actions (box: the member action closest to all
others, never an average of modes); a sampled action comes from a uniformly chosen member. Uncertainty
is the members' disagreement (box: mean over dimensions of the std of their deterministic actions in
``[-1, 1]`` units; discrete: mean total-variation distance from the ensemble's mean distribution); a
single network reports its head's own spread.
"""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Union

import numpy as np

from .blob import PolicyBlobError, decode_header, decode_networks
from .dense import DenseStack
from .generative import CvaeHead, DiffusionHead
from .heads import F32, F64, AutoregressiveHead, CategoricalHead, GaussianHead, Head, HeadOutput, MixtureHead, squash_log_std

#: Normalised observations are clipped to ±OBS_CLIP (trainer/policy/normalize.ts).
OBS_CLIP = 10.0
INF = float("inf")

RngLike = Union[None, int, np.random.Generator]
Action = Union[int, np.ndarray]


class ActResult(NamedTuple):
    #: discrete: a Python int; box: float64 ``[act_dim]`` in env units, clipped to the bounds.
    action: Action
    #: ensemble disagreement, or the head's spread for a single network.
    uncertainty: float
    #: the head's own predictive spread, averaged over members.
    spread: float


class BatchResult(NamedTuple):
    #: discrete: int64 ``[batch]``; box: float64 ``[batch, act_dim]``.
    actions: np.ndarray
    uncertainty: np.ndarray
    spread: np.ndarray


def create_head(spec: Dict[str, Any]) -> Head:
    """The head for a policy spec (``spec.head`` with the defaults of trainer/policy/spec.ts)."""
    if spec.get("vision") is not None:
        # Image policies (ConvNet encoders, trainer/policy/conv.ts) are not ported to numpy yet.
        raise PolicyBlobError("policy blob: image policies (spec.vision) are not supported by the Python runtime yet")
    obs_dim = int(spec["obsDim"])
    space = spec["actionSpace"]
    head = spec["head"]
    kind = head.get("kind")
    discrete = space.get("type") == "discrete"
    if kind == "categorical":
        if not discrete:
            raise PolicyBlobError('head "categorical" needs a discrete action space')
        return CategoricalHead(obs_dim, int(space["n"]))
    if discrete:
        raise PolicyBlobError(f'head "{kind}" needs a box action space')
    d = int(space["shape"][0])
    if kind == "gaussian":
        return GaussianHead(obs_dim, d, head.get("variance", "state"))
    if kind == "mog":
        return MixtureHead(obs_dim, d, int(head.get("components", 5)))
    if kind == "autoregressive":
        return AutoregressiveHead(obs_dim, d, int(head.get("bins", 41)))
    if kind == "cvae":
        return CvaeHead(obs_dim, d, int(head.get("latentDim", 2)), head.get("prior", "standard"), head.get("deterministicLatent", "best"))
    if kind == "diffusion":
        return DiffusionHead(
            obs_dim, d, int(head.get("steps", 50)), int(head.get("sampleSteps", 10)), head.get("sampler", "ddim"), head.get("schedule", "cosine")
        )
    raise PolicyBlobError(f"policy blob: unknown head {kind!r}")


class _Member:
    __slots__ = ("nets", "extras")

    def __init__(self, nets: List[DenseStack], extras: Dict[str, np.ndarray]) -> None:
        self.nets = nets
        self.extras = extras

    def forward(self, net: int, x: np.ndarray) -> np.ndarray:
        return self.nets[net].forward(x)


class Policy:
    """A published policy, run in numpy. Build with :func:`load_policy`."""

    def __init__(self, spec: Dict[str, Any], members: List[_Member], head: Head, meta: Dict[str, Any]) -> None:
        self.spec = spec
        self.meta = meta
        self.head = head
        self._members = members
        space = spec["actionSpace"]
        self.discrete = space["type"] == "discrete"
        self.obs_dim = int(spec["obsDim"])
        self.act_dim = head.act_dim
        norm = spec["normalization"]
        self._obs_mean = np.asarray(norm["obsMean"], dtype=F64)
        self._obs_std = np.asarray(norm["obsStd"], dtype=F64)
        self._act_center = np.asarray(norm["actCenter"], dtype=F64)
        self._act_scale = np.asarray(norm["actScale"], dtype=F64)
        if self._obs_mean.shape != (self.obs_dim,) or self._obs_std.shape != (self.obs_dim,):
            raise PolicyBlobError(f"policy blob: normalisation has {self._obs_mean.size} observation features, obsDim is {self.obs_dim}")
        if not self.discrete:
            self._low = np.asarray(space["low"], dtype=F64)
            self._high = np.asarray(space["high"], dtype=F64)
            if self._act_center.shape != (self.act_dim,) or self._low.shape != (self.act_dim,) or self._high.shape != (self.act_dim,):
                raise PolicyBlobError("policy blob: action normalisation or bounds do not match the action space")
        self._rng = np.random.default_rng()
        self._fast = _fast_path(self) if len(members) == 1 else None

    @property
    def ensemble_size(self) -> int:
        return len(self._members)

    # ---- public API ----

    def act(self, obs: Any, deterministic: bool = True, rng: RngLike = None) -> Action:
        """One observation (numpy array or list of ``obs_dim`` numbers) → an int (discrete) or a float64 array."""
        if self._fast is not None:
            return self._fast(obs, deterministic, rng)
        actions = self._act(self._one(obs), deterministic, rng)[0]
        return int(actions[0]) if self.discrete else actions[0]

    def act_batch(self, observations: Any, deterministic: bool = True, rng: RngLike = None) -> np.ndarray:
        """``[batch, obs_dim]`` → int64 ``[batch]`` (discrete) or float64 ``[batch, act_dim]``."""
        return self._act(self._many(observations), deterministic, rng)[0]

    def act_info(self, obs: Any, deterministic: bool = True, rng: RngLike = None) -> ActResult:
        """Like :meth:`act`, with the uncertainty and spread of trainer/policy/policy.ts."""
        actions, uncertainty, spread = self._act(self._one(obs), deterministic, rng)
        action = int(actions[0]) if self.discrete else actions[0]
        return ActResult(action, float(uncertainty[0]), float(spread[0]))

    def act_batch_info(self, observations: Any, deterministic: bool = True, rng: RngLike = None) -> BatchResult:
        return BatchResult(*self._act(self._many(observations), deterministic, rng))

    # ---- internals ----

    # Observations are read as float32, like the TypeScript runtime's Float32Array input.
    def _one(self, obs: Any) -> np.ndarray:
        x = np.asarray(obs, dtype=F32)
        if x.size != self.obs_dim:
            raise ValueError(f"act: observation has {x.size} element(s), the policy expects {self.obs_dim}")
        return x.reshape(1, self.obs_dim)

    def _many(self, observations: Any) -> np.ndarray:
        x = np.asarray(observations, dtype=F32)
        if x.ndim != 2 or x.shape[1] != self.obs_dim:
            raise ValueError(f"act_batch: observations have shape {x.shape}, expected (batch, {self.obs_dim})")
        return x

    def _generator(self, rng: RngLike) -> np.random.Generator:
        if rng is None:
            return self._rng
        if isinstance(rng, np.random.Generator):
            return rng
        if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
            return np.random.default_rng(int(rng))
        raise TypeError(f"rng must be None, an int seed or a numpy Generator, not {type(rng).__name__}")

    def _normalize(self, x: np.ndarray) -> np.ndarray:
        if not np.isfinite(x).all():
            raise ValueError("act: the observation contains NaN or infinity")
        z = (x - self._obs_mean) / self._obs_std
        np.minimum(z, OBS_CLIP, out=z)
        np.maximum(z, -OBS_CLIP, out=z)
        return z.astype(F32)

    def _run(self, member: _Member, obs: np.ndarray, deterministic: bool, rng: np.random.Generator) -> HeadOutput:
        return self.head.act(obs, member.forward, member.extras, deterministic, rng)

    def _act(self, x: np.ndarray, deterministic: bool, rng_like: RngLike):
        batch = x.shape[0]
        rng = self._generator(rng_like)
        if batch == 0:
            empty = np.zeros((0,), dtype=np.int64) if self.discrete else np.zeros((0, self.act_dim), dtype=F64)
            return empty, np.zeros(0, dtype=F32), np.zeros(0, dtype=F32)
        obs = self._normalize(x)
        members = self._members
        M = len(members)
        if M == 1:
            out = self._run(members[0], obs, deterministic, rng)
            chosen, spread, uncertainty = out.actions, out.spread, out.spread
        else:
            det = [self._run(m, obs, True, rng) for m in members]
            spread = np.zeros(batch, dtype=F32)
            for o in det:
                spread = (spread.astype(F64) + o.spread.astype(F64) / M).astype(F32)
            uncertainty = _tv_disagreement(det) if self.discrete else _std_disagreement(det)
            if deterministic:
                chosen = _majority_vote(det) if self.discrete else _medoid(det)
            else:
                sampled = np.stack([self._run(m, obs, False, rng).actions for m in members])
                pick = np.minimum(np.floor(rng.random(batch) * M).astype(np.int64), M - 1)
                chosen = sampled[pick, np.arange(batch)]
        if self.discrete:
            return np.asarray(chosen, dtype=np.int64).reshape(batch), uncertainty, spread
        v = chosen.astype(F64) * self._act_scale + self._act_center
        np.maximum(v, self._low, out=v)
        np.minimum(v, self._high, out=v)
        return v, uncertainty, spread


def _fast_path(policy: Policy):
    """``act(obs, deterministic, rng)`` for one observation of a single-network categorical or Gaussian policy
    (the defaults): the same numbers as the batch path (and the same distribution when sampling) without its
    batch bookkeeping, uncertainty and spread. bench/python-act.ts holds the deterministic call to ≤ 100 µs;
    each numpy call costs ~0.5 µs, so it makes few."""
    head = policy.head
    if not isinstance(head, (CategoricalHead, GaussianHead)):
        return None
    plan = tuple((l.kernel, l.bias, l.activation == "relu", l.activation == "tanh") for l in policy._members[0].nets[0].layers)
    mean, std, obs_dim = policy._obs_mean, policy._obs_std, policy.obs_dim
    discrete = policy.discrete
    if discrete:
        last = head.n - 1
    else:
        d = head.act_dim
        scale, center, low, high = policy._act_scale, policy._act_center, policy._low, policy._high
        global_raw = None if head.per_state else policy._members[0].extras["logStd"]
    asarray, dot, maximum, minimum, tanh, exp, argmax = np.asarray, np.dot, np.maximum, np.minimum, np.tanh, np.exp, np.argmax

    def act(obs: Any, deterministic: bool, rng_like: RngLike) -> Action:
        x = asarray(obs, dtype=F32)
        if x.shape != (obs_dim,):
            if x.size != obs_dim:
                raise ValueError(f"act: observation has {x.size} element(s), the policy expects {obs_dim}")
            x = x.reshape(obs_dim)
        if not -INF < x.sum() < INF and not np.isfinite(x).all():  # one reduction for the common case
            raise ValueError("act: the observation contains NaN or infinity")
        z = x - mean
        z /= std
        minimum(z, OBS_CLIP, out=z)
        maximum(z, -OBS_CLIP, out=z)
        h = z.astype(F32)
        for kernel, bias, relu, use_tanh in plan:
            y = dot(h, kernel)
            y += bias
            if relu:
                maximum(y, 0.0, out=y)
            elif use_tanh:
                tanh(y, out=y)
            h = y.astype(F32)
        if discrete:
            # Over the float32 probabilities (not the logits): ties break as in the TypeScript runtime.
            l64 = h.astype(F64)
            e = exp(l64 - l64.max())
            probs = (e.astype(F32).astype(F64) / e.sum()).astype(F32)
            if deterministic:
                return int(argmax(probs))
            u = policy._generator(rng_like).random()
            return min(int(np.searchsorted(np.cumsum(probs.astype(F64)), u, side="right")), last)
        mu = h[:d]
        if not deterministic:
            raw = h[d:] if global_raw is None else global_raw
            sigma = exp(squash_log_std(raw))
            mu = (mu.astype(F64) + sigma * policy._generator(rng_like).standard_normal(d)).astype(F32)
        v = mu.astype(F64)
        v *= scale
        v += center
        maximum(v, low, out=v)
        minimum(v, high, out=v)
        return v

    return act


def _std_disagreement(outs: Sequence[HeadOutput]) -> np.ndarray:
    a = np.stack([o.actions.astype(F64) for o in outs])  # [M, batch, d]
    m1 = a.mean(axis=0)
    m2 = (a * a).mean(axis=0)
    return np.sqrt(np.maximum(m2 - m1 * m1, 0.0)).mean(axis=1).astype(F32)


def _tv_disagreement(outs: Sequence[HeadOutput]) -> np.ndarray:
    p = np.stack([o.probs.astype(F64) for o in outs])  # [M, batch, n]
    mean = p.mean(axis=0)
    return (0.5 * np.abs(p - mean).sum(axis=(0, 2)) / len(outs)).astype(F32)


def _majority_vote(outs: Sequence[HeadOutput]) -> np.ndarray:
    batch, n = outs[0].probs.shape
    votes = np.zeros((batch, n))
    rows = np.arange(batch)
    for o in outs:
        votes[rows, o.actions] += 1
        votes += o.probs.astype(F64) * 1e-3
    return np.argmax(votes, axis=1)


def _medoid(outs: Sequence[HeadOutput]) -> np.ndarray:
    a = np.stack([o.actions for o in outs], axis=1)  # [batch, M, d] float32
    a64 = a.astype(F64)
    dist = np.sqrt(((a64[:, :, None, :] - a64[:, None, :, :]) ** 2).sum(axis=3))  # [batch, M, M]
    best = np.argmin(dist.sum(axis=2), axis=1)
    return a[np.arange(a.shape[0]), best]


def load_policy(blob: Union[bytes, bytearray, memoryview]) -> Policy:
    """Parses a policy blob (the bytes the server publishes) into a runnable :class:`Policy`.

    Raises :class:`PolicyBlobError` (a ``ValueError``) naming what is wrong with a bad blob.
    """
    data = bytes(blob)
    header, data_start = decode_header(data)
    try:
        return _build(data, header, data_start)
    except PolicyBlobError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise PolicyBlobError(f"policy blob: invalid spec or header ({type(err).__name__}: {err})") from err


def _build(data: bytes, header: Dict[str, Any], data_start: int) -> Policy:
    spec = header["spec"]
    head = create_head(spec)
    nets = decode_networks(data, header, data_start)
    members: List[_Member] = []
    for m in range(int(spec["ensembleSize"])):
        stacks: List[DenseStack] = []
        for i, (in_dim, out_dim) in enumerate(head.nets):
            stack = nets.get((m, i))
            if stack is None:
                raise PolicyBlobError(f"policy blob: no network {i} for member {m}")
            if stack.input_dim != in_dim or stack.output_dim != out_dim:
                raise PolicyBlobError(f"policy blob: member {m} net {i} is {stack.input_dim}→{stack.output_dim}, expected {in_dim}→{out_dim}")
            stacks.append(stack)
        extras: Dict[str, np.ndarray] = {}
        for name, size in head.extras:
            found = next((e for e in header["extras"] if e.get("member") == m and e.get("name") == name), None)
            if found is None or len(found.get("values", [])) != size:
                raise PolicyBlobError(f"policy blob: member {m} lacks {name}")
            extras[name] = np.asarray(found["values"], dtype=F32)
        members.append(_Member(stacks, extras))
    if not members:
        raise PolicyBlobError("policy blob: ensembleSize must be at least 1")
    meta = header.get("meta") if isinstance(header.get("meta"), dict) else {}
    return Policy(spec, members, head, meta)
