"""Running a Gymnasium-shaped environment (duck typing; Gymnasium itself is not imported) with a policy.

An env needs `reset(seed=…)` → `(obs, info)` and `step(action)` → `(obs, reward, terminated, truncated, info)`
(the older 4-tuple `(obs, reward, done, info)` is accepted too), and may have `render()` → H×W×3 uint8.
Observations are vectors, or for robots with cameras Gymnasium `Dict`s: `{"state": [...], "<camera>": uint8 (H, W, C)}`;
the policy gets the dict as the env gave it, and each step keeps a copy of its images (uploaded as PNG frames).
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Union

import numpy as np

# Rollout ids derive from (project, round, seed): a client restarted mid-round collects the same episodes under
# the same ids, and the server stores each once.
ROLLOUT_NAMESPACE = uuid.UUID("6f6a1e4c-3b1d-4c2e-9a57-1c0de5ca1e00")


@dataclass
class Step:
    #: a vector, or for a Dict observation `{"state": [...], "<camera>": uint8 array}` (the env's keys).
    observation: Union[List[float], Dict[str, Any]]
    action: Any
    policy_action: Any = None
    reward: Optional[float] = None
    state: Optional[List[float]] = None
    frame: Any = None
    intervention: bool = False


@dataclass
class Episode:
    id: str
    seed: Optional[int]
    steps: List[Step] = field(default_factory=list)
    total_return: float = 0.0
    success: Optional[bool] = None
    terminated: bool = False

    @property
    def length(self) -> int:
        return len(self.steps)

    @property
    def interventions(self) -> int:
        return sum(1 for s in self.steps if s.intervention)


def rollout_id(project_id: str, round_index: Optional[int], seed: Optional[int]) -> str:
    if round_index is None or seed is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(ROLLOUT_NAMESPACE, f"{project_id}/{round_index}/{seed}"))


def frame_id(rollout: str, t: int) -> str:
    return str(uuid.uuid5(uuid.UUID(rollout), f"frame/{t}"))


def image_frame_id(rollout: str, t: int, camera: str) -> str:
    """The frame id of camera `camera`'s image at step `t` (derived, like `frame_id`: a re-sent upload stores nothing twice)."""
    return str(uuid.uuid5(uuid.UUID(rollout), f"obs/{t}/{camera}"))


def record_observation(obs: Any) -> Union[List[float], Dict[str, Any]]:
    """What a step keeps of an observation: a flat float list, or for a dict its `state` as a float list and every
    other value as a copied numpy array (an env may reuse its image buffers)."""
    if isinstance(obs, Mapping):
        return {k: (np.asarray(v, dtype=np.float64).reshape(-1).tolist() if k == "state" else np.array(v, copy=True)) for k, v in obs.items()}
    return np.asarray(obs, dtype=np.float64).reshape(-1).tolist()


def plain(action: Any) -> Any:
    """An action as JSON wants it: an int for discrete, a list of floats for continuous."""
    if isinstance(action, (int, np.integer)):
        return int(action)
    a = np.asarray(action)
    if a.ndim == 0:
        return int(a) if np.issubdtype(a.dtype, np.integer) else float(a)
    return [float(x) for x in a.reshape(-1)]


def _vector(x: Any) -> Optional[List[float]]:
    try:
        a = np.asarray(x, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    return a.tolist() if a.size and np.all(np.isfinite(a)) else None


def env_state(env: Any, info: Dict[str, Any]) -> Optional[List[float]]:
    """The simulator's full state, when it shows one (`info["state"]`, or `env.unwrapped.state` as classic-control envs keep it)."""
    if isinstance(info, dict) and "state" in info:
        return _vector(info["state"])
    inner = getattr(env, "unwrapped", env)
    st = getattr(inner, "state", None)
    return _vector(st) if st is not None and not callable(st) else None


def _success(info: Any) -> Optional[bool]:
    if isinstance(info, dict):
        for key in ("is_success", "success"):
            if key in info:
                return bool(info[key])
    return None


def _step(env: Any, action: Any):
    out = env.step(action)
    if len(out) == 5:
        obs, reward, terminated, truncated, info = out
        return obs, float(reward), bool(terminated), bool(truncated), info
    obs, reward, done, info = out
    return obs, float(reward), bool(done), False, info


def run_episode(env: Any, act: Callable[[Any], Any], *, seed: Optional[int], episode_id: str, max_steps: Optional[int] = None,
                expert: Optional[Callable[[Any], Any]] = None, beta: float = 0.0, intervene: Optional[Callable[[Any, Any], Any]] = None,
                rng: Optional[np.random.Generator] = None, render: bool = False) -> Episode:
    """One episode. At each step the policy proposes (`act`); with probability β the expert acts instead (DAgger
    β-mixing); `intervene(obs, proposed)` returning an action means a person took over (HG-DAgger)."""
    rng = rng or np.random.default_rng(seed)
    out = env.reset(seed=seed) if seed is not None else env.reset()
    obs, info = out if isinstance(out, tuple) and len(out) == 2 else (out, {})
    ep = Episode(id=episode_id, seed=seed)
    t = 0
    while max_steps is None or t < max_steps:
        frame = env.render() if render else None
        proposed = act(obs) if act is not None else None
        taken, intervened = proposed, False
        if expert is not None and (proposed is None or (beta > 0 and rng.random() < beta)):
            taken = expert(obs)
        if intervene is not None:
            human = intervene(obs, proposed)
            if human is not None:
                taken, intervened = human, True
        ep.steps.append(Step(observation=record_observation(obs), action=plain(taken),
                             policy_action=None if proposed is None else plain(proposed), state=env_state(env, info),
                             frame=frame, intervention=intervened))
        obs, reward, terminated, truncated, info = _step(env, taken)
        ep.steps[-1].reward = reward
        ep.total_return += reward
        t += 1
        if terminated or truncated:
            ep.terminated = terminated
            break
    ep.success = _success(info)
    return ep
