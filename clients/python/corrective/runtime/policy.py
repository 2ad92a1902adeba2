"""A loaded policy: ``act(obs)`` for one state, ``act_batch(observations)`` for many (twin of trainer/policy/policy.ts).

Ensembles (``ensembleSize`` > 1): deterministic actions are the majority vote (discrete; ties broken by
the summed probabilities) or the medoid of the members' actions (box: the member action closest to all
others, never an average of modes); a sampled action comes from a uniformly chosen member. Uncertainty
is the members' disagreement (box: mean over dimensions of the std of their deterministic actions in
``[-1, 1]`` units; discrete: mean total-variation distance from the ensemble's mean distribution); a
single network reports its head's own spread.

Image policies (``spec.vision``) take Gymnasium ``Dict`` observations: the state vector under ``state`` and each
camera's ``uint8 [H, W, C]`` image under its name; each member's ConvNet encoders (conv.py) turn the images into
features, fused with the normalised state before the head's networks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from .blob import PolicyBlobError, decode_header, decode_networks
from .conv import ConvEncoder, ConvStack
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


def head_input_dim(spec: Dict[str, Any]) -> int:
    """Width of what the head's networks see: every camera's features, then the normalised state (spec.ts)."""
    vision = spec.get("vision")
    if vision is None:
        return int(spec["obsDim"])
    return len(vision["cameras"]) * int(vision["encoder"]["featureDim"]) + int(spec["obsDim"])


def create_head(spec: Dict[str, Any]) -> Head:
    """The head for a policy spec (``spec.head`` with the defaults of trainer/policy/spec.ts)."""
    obs_dim = head_input_dim(spec)
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
    __slots__ = ("nets", "extras", "encoders")

    def __init__(self, nets: List[DenseStack], extras: Dict[str, np.ndarray], encoders: Sequence[ConvEncoder] = ()) -> None:
        self.nets = nets
        self.extras = extras
        #: one per camera (image policies), in the order of ``spec.vision.cameras``.
        self.encoders = tuple(encoders)

    def forward(self, net: int, x: np.ndarray) -> np.ndarray:
        return self.nets[net].forward(x)

    def inputs(self, state: np.ndarray, images: Optional[List[np.ndarray]]) -> np.ndarray:
        """What the head's networks see: float32 ``[batch, Σ features + obs_dim]`` (the state alone for an MLP)."""
        if not self.encoders:
            return state
        return np.concatenate([e.forward(px) for e, px in zip(self.encoders, images or [])] + [state], axis=1)


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
        vision = spec.get("vision")
        #: image policies: ``(name, (H, W, C))`` per camera, in the encoders' order; empty for MLP policies.
        self.cameras: List[Tuple[str, Tuple[int, int, int]]] = [(str(c["name"]), tuple(int(v) for v in c["shape"])) for c in (vision or {}).get("cameras", [])]
        self._rng = np.random.default_rng()
        self._fast = _fast_path(self) if len(members) == 1 and not self.cameras else None

    @property
    def ensemble_size(self) -> int:
        return len(self._members)

    @property
    def is_visual(self) -> bool:
        """Whether the policy sees images (its observations are dicts ``{"state": …, <camera>: pixels}``)."""
        return bool(self.cameras)

    # ---- public API ----

    def act(self, obs: Any, deterministic: bool = True, rng: RngLike = None) -> Action:
        """One observation (numpy array or list of ``obs_dim`` numbers; for image policies a dict of the state and
        each camera's ``uint8 [H, W, C]`` image) → an int (discrete) or a float64 array."""
        if self._fast is not None:
            return self._fast(obs, deterministic, rng)
        actions = self._act(*self._one(obs), deterministic, rng)[0]
        return int(actions[0]) if self.discrete else actions[0]

    def act_batch(self, observations: Any, deterministic: bool = True, rng: RngLike = None) -> np.ndarray:
        """``[batch, obs_dim]`` (image policies: a list of dicts, or one dict of arrays with a leading batch axis)
        → int64 ``[batch]`` (discrete) or float64 ``[batch, act_dim]``."""
        return self._act(*self._many(observations), deterministic, rng)[0]

    def act_info(self, obs: Any, deterministic: bool = True, rng: RngLike = None) -> ActResult:
        """Like :meth:`act`, with the uncertainty and spread of trainer/policy/policy.ts."""
        actions, uncertainty, spread = self._act(*self._one(obs), deterministic, rng)
        action = int(actions[0]) if self.discrete else actions[0]
        return ActResult(action, float(uncertainty[0]), float(spread[0]))

    def act_batch_info(self, observations: Any, deterministic: bool = True, rng: RngLike = None) -> BatchResult:
        return BatchResult(*self._act(*self._many(observations), deterministic, rng))

    # ---- internals ----

    # Observations are read as float32, like the TypeScript runtime's Float32Array input.
    # Both return (state [batch, obs_dim], images: one uint8 [batch, H, W, C] per camera, or None for MLP policies).
    def _one(self, obs: Any) -> Tuple[np.ndarray, Optional[List[np.ndarray]]]:
        if self.cameras:
            if not isinstance(obs, Mapping):
                raise ValueError(f"act: this policy sees images; pass a dict {self._dict_keys()}, not {type(obs).__name__}")
            return self._dicts([obs], "act")
        x = np.asarray(obs, dtype=F32)
        if x.size != self.obs_dim:
            raise ValueError(f"act: observation has {x.size} element(s), the policy expects {self.obs_dim}")
        return x.reshape(1, self.obs_dim), None

    def _many(self, observations: Any) -> Tuple[np.ndarray, Optional[List[np.ndarray]]]:
        if self.cameras:
            if isinstance(observations, Mapping):
                return self._batched_dict(observations)
            if isinstance(observations, np.ndarray) or not all(isinstance(o, Mapping) for o in observations):
                raise ValueError(f"act_batch: this policy sees images; pass a list of dicts {self._dict_keys()} (or one dict of batched arrays)")
            return self._dicts(list(observations), "act_batch")
        x = np.asarray(observations, dtype=F32)
        if x.ndim != 2 or x.shape[1] != self.obs_dim:
            raise ValueError(f"act_batch: observations have shape {x.shape}, expected (batch, {self.obs_dim})")
        return x, None

    def _dict_keys(self) -> str:
        parts = ([f'"state": {self.obs_dim} numbers'] if self.obs_dim else []) + [f'"{n}": uint8 {list(shape)}' for n, shape in self.cameras]
        return "{" + ", ".join(parts) + "}"

    def _dicts(self, rows: List[Mapping], where: str) -> Tuple[np.ndarray, List[np.ndarray]]:
        """A list of dict observations → state ``[batch, obs_dim]`` and per camera uint8 ``[batch, H, W, C]``."""
        batch = len(rows)
        state = np.zeros((batch, self.obs_dim), dtype=F32)
        images = [np.empty((batch,) + shape, dtype=np.uint8) for _, shape in self.cameras]
        for i, row in enumerate(rows):
            label = "observation" if where == "act" else f"observation {i}"
            if self.obs_dim > 0 or row.get("state") is not None:
                s = np.asarray(row.get("state") if row.get("state") is not None else [], dtype=F32).reshape(-1)
                if s.size != self.obs_dim:
                    raise ValueError(f'{where}: {label} "state" has {s.size} element(s), the policy expects {self.obs_dim}')
                state[i] = s
            for c, (name, shape) in enumerate(self.cameras):
                if name not in row:
                    raise ValueError(f'{where}: {label} has no "{name}" image (the policy expects {self._dict_keys()})')
                images[c][i] = camera_pixels(row[name], shape, f'{where}: {label} "{name}"')
        return state, images

    def _batched_dict(self, obs: Mapping) -> Tuple[np.ndarray, List[np.ndarray]]:
        """One dict of arrays with a leading batch axis (a vectorised env's observation)."""
        if not self.cameras[0][0] in obs:
            raise ValueError(f'act_batch: the observations have no "{self.cameras[0][0]}" images')
        batch = int(np.shape(obs[self.cameras[0][0]])[0])
        rows = [{k: v[i] for k, v in obs.items() if k == "state" or any(k == n for n, _ in self.cameras)} for i in range(batch)]
        return self._dicts(rows, "act_batch")

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

    def _run(self, member: _Member, inputs: np.ndarray, deterministic: bool, rng: np.random.Generator) -> HeadOutput:
        return self.head.act(inputs, member.forward, member.extras, deterministic, rng)

    def _act(self, x: np.ndarray, images: Optional[List[np.ndarray]], deterministic: bool, rng_like: RngLike):
        batch = x.shape[0]
        rng = self._generator(rng_like)
        if batch == 0:
            empty = np.zeros((0,), dtype=np.int64) if self.discrete else np.zeros((0, self.act_dim), dtype=F64)
            return empty, np.zeros(0, dtype=F32), np.zeros(0, dtype=F32)
        obs = self._normalize(x)
        members = self._members
        M = len(members)
        # Image policies: each member's own encoders turn pixels into features, fused with the state.
        inputs = [m.inputs(obs, images) for m in members]
        if M == 1:
            out = self._run(members[0], inputs[0], deterministic, rng)
            chosen, spread, uncertainty = out.actions, out.spread, out.spread
        else:
            det = [self._run(m, inp, True, rng) for m, inp in zip(members, inputs)]
            spread = np.zeros(batch, dtype=F32)
            for o in det:
                spread = (spread.astype(F64) + o.spread.astype(F64) / M).astype(F32)
            uncertainty = _tv_disagreement(det) if self.discrete else _std_disagreement(det)
            if deterministic:
                chosen = _majority_vote(det) if self.discrete else _medoid(det)
            else:
                sampled = np.stack([self._run(m, inp, False, rng).actions for m, inp in zip(members, inputs)])
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


def camera_pixels(value: Any, shape: Tuple[int, int, int], where: str) -> np.ndarray:
    """One camera image as uint8 ``[H, W, C]``: an array of that shape (``[H, W]`` for a grey camera) or flat, of
    integers 0–255 (ValueError naming ``where`` otherwise)."""
    a = np.asarray(value)
    h, w, c = shape
    if a.size != h * w * c or (a.ndim > 1 and a.shape != shape and not (c == 1 and a.shape == (h, w))):
        raise ValueError(f"{where} has shape {a.shape}; the camera is {h}×{w}×{c} (H, W, C)")
    if a.dtype != np.uint8:
        if not np.issubdtype(a.dtype, np.number) or not np.isfinite(a).all() or a.min(initial=0) < 0 or a.max(initial=0) > 255 or not np.array_equal(a, np.floor(a)):
            raise ValueError(f"{where} must hold integers 0–255 (uint8 pixels); got {a.dtype}")
        a = a.astype(np.uint8)
    return a.reshape(shape)


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
    vision = spec.get("vision")
    # Image policies: after the head's networks, per camera its convolutions, then its projection (encoder-layout.ts).
    conv = frozenset(len(head.nets) + 2 * c for c in range(len(vision["cameras"]))) if vision is not None else frozenset()
    nets = decode_networks(data, header, data_start, conv)
    members: List[_Member] = []
    for m in range(int(spec["ensembleSize"])):
        stacks: List[DenseStack] = []
        for i, (in_dim, out_dim) in enumerate(head.nets):
            stack = nets.get((m, i))
            if not isinstance(stack, DenseStack):
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
        members.append(_Member(stacks, extras, _encoders(nets, m, len(head.nets), vision) if vision is not None else ()))
    if not members:
        raise PolicyBlobError("policy blob: ensembleSize must be at least 1")
    meta = header.get("meta") if isinstance(header.get("meta"), dict) else {}
    return Policy(spec, members, head, meta)


def _encoders(nets: Dict[Tuple[int, int], Any], member: int, head_nets: int, vision: Dict[str, Any]) -> List[ConvEncoder]:
    """A member's camera encoders: two networks per camera after the head's, the convolutions then the projection
    (trainer/policy/encoder-layout.ts)."""
    encoder = vision["encoder"]
    out: List[ConvEncoder] = []
    for c, camera in enumerate(vision["cameras"]):
        convs, projection = nets.get((member, head_nets + 2 * c)), nets.get((member, head_nets + 2 * c + 1))
        if not isinstance(convs, ConvStack) or not isinstance(projection, DenseStack):
            raise PolicyBlobError(f'policy blob: member {member} lacks the encoder of camera "{camera.get("name")}"')
        try:
            enc = ConvEncoder(str(camera["name"]), camera["shape"], convs, str(encoder.get("pooling", "spatial-softmax")), projection)
        except ValueError as err:
            raise PolicyBlobError(f"policy blob: member {member}: {err}") from err
        if enc.feature_dim != int(encoder["featureDim"]):
            raise PolicyBlobError(f'policy blob: camera "{camera["name"]}" gives {enc.feature_dim} features, the spec says {encoder["featureDim"]}')
        out.append(enc)
    return out
