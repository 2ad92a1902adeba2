"""Observation and action spaces, as the server describes them (contracts/spaces.ts)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from .errors import SpaceError


@dataclass(frozen=True)
class Discrete:
    """Actions 0 … n−1."""
    n: int
    labels: Optional[List[str]] = None

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"type": "discrete", "n": int(self.n)}
        if self.labels:
            out["labels"] = list(self.labels)
        return out

    @property
    def dim(self) -> int:
        return 1

    def check_action(self, action: Any, field: str = "action") -> int:
        a = np.asarray(action)
        if a.size != 1 or not np.issubdtype(a.dtype, np.number) or float(a.reshape(-1)[0]) != int(a.reshape(-1)[0]):
            raise SpaceError(f"{field}: must be an integer in [0, {self.n})", field_errors={field: [f"must be an integer in [0, {self.n})"]})
        v = int(a.reshape(-1)[0])
        if not 0 <= v < self.n:
            raise SpaceError(f"{field}: {v} is out of range [0, {self.n})", field_errors={field: [f"{v} is out of range [0, {self.n})"]})
        return v


@dataclass(frozen=True)
class Box:
    """A vector of `shape[0]` numbers within [low, high] (scalars broadcast)."""
    low: Union[float, Sequence[float]]
    high: Union[float, Sequence[float]]
    shape: Optional[Sequence[int]] = None
    labels: Optional[List[str]] = None

    def _bounds(self) -> "tuple[np.ndarray, np.ndarray]":
        shape = tuple(self.shape) if self.shape is not None else np.shape(self.low)
        if len(shape) != 1:
            raise SpaceError(f"Box spaces are flat vectors; got shape {shape}")
        low = np.broadcast_to(np.asarray(self.low, dtype=np.float64), shape)
        high = np.broadcast_to(np.asarray(self.high, dtype=np.float64), shape)
        return low, high

    @property
    def dim(self) -> int:
        return int(self._bounds()[0].shape[0])

    def to_json(self) -> Dict[str, Any]:
        low, high = self._bounds()
        out: Dict[str, Any] = {"type": "box", "shape": [int(low.shape[0])], "low": low.tolist(), "high": high.tolist()}
        if self.labels:
            out["labels"] = list(self.labels)
        return out

    def check_action(self, action: Any, field: str = "action") -> List[float]:
        low, high = self._bounds()
        a = np.asarray(action, dtype=np.float64).reshape(-1)
        if a.shape[0] != low.shape[0]:
            raise SpaceError(f"{field}: must have {low.shape[0]} elements, got {a.shape[0]}", field_errors={field: [f"must have {low.shape[0]} elements"]})
        if not np.all(np.isfinite(a)) or np.any(a < low) or np.any(a > high):
            raise SpaceError(f"{field}: {a.tolist()} is outside the action space", field_errors={field: ["outside the action space"]})
        return a.tolist()


Space = Union[Discrete, Box]


def space_from_json(obj: Dict[str, Any]) -> Space:
    if obj.get("type") == "discrete":
        return Discrete(int(obj["n"]), obj.get("labels"))
    return Box(obj["low"], obj["high"], obj["shape"], obj.get("labels"))


def space_to_json(space: Any) -> Dict[str, Any]:
    """Our spaces, or any Gymnasium-shaped one (duck typing: `.n`, or `.low`/`.high`/`.shape`)."""
    if isinstance(space, (Discrete, Box)):
        return space.to_json()
    if isinstance(space, dict):
        return space
    if hasattr(space, "n"):
        return Discrete(int(space.n)).to_json()
    if hasattr(space, "low") and hasattr(space, "high"):
        return Box(np.asarray(space.low).reshape(-1).tolist(), np.asarray(space.high).reshape(-1).tolist()).to_json()
    raise SpaceError(f"not a space: {space!r} (use corrective.Box or corrective.Discrete)")


def observation_vector(space: Space, obs: Any, field: str = "observation") -> List[float]:
    """The observation as a flat list of finite floats of the space's length (SpaceError otherwise)."""
    v = np.asarray(obs, dtype=np.float64).reshape(-1)
    dim = space.dim
    if v.shape[0] != dim:
        raise SpaceError(f"{field}: must have {dim} elements, got {v.shape[0]}", field_errors={field: [f"must have {dim} elements, got {v.shape[0]}"]})
    if not np.all(np.isfinite(v)):
        raise SpaceError(f"{field}: must be finite numbers", field_errors={field: ["must be finite numbers"]})
    return v.tolist()


def action_json(space: Space, action: Any, field: str = "action") -> Union[int, List[float]]:
    return space.check_action(action, field)
