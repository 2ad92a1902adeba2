"""Observation and action spaces, as the server describes them (contracts/spaces.ts).

Vectors (`Box`), discrete actions (`Discrete`), and for robots with cameras Gymnasium's `Dict` observations:
one `Box(0, 255, (H, W, C), dtype=np.uint8)` per camera and the proprioceptive `state` vector, e.g.
`Dict({"front": Box(0, 255, (64, 64, 3), dtype=np.uint8), "state": Box(-1, 1, (7,))})`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

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
    """A vector of `shape[0]` numbers within [low, high] (scalars broadcast), or a camera image:
    `Box(0, 255, (H, W, C), dtype=np.uint8)` (C 1, 3 or 4; H and W 8–512), as Gymnasium writes it."""
    low: Union[float, Sequence[float]]
    high: Union[float, Sequence[float]]
    shape: Optional[Sequence[int]] = None
    labels: Optional[List[str]] = None
    dtype: Any = None

    @property
    def is_image(self) -> bool:
        return self.shape is not None and len(tuple(self.shape)) == 3

    def image_shape(self) -> Tuple[int, int, int]:
        """(H, W, C) of an image box (SpaceError if the box is not a valid camera)."""
        shape = tuple(int(x) for x in (self.shape or ()))
        if len(shape) != 3:
            raise SpaceError(f"an image Box has shape (H, W, C); got {shape}")
        h, w, c = shape
        if not (8 <= h <= 512 and 8 <= w <= 512) or c not in (1, 3, 4):
            raise SpaceError(f"an image Box is 8–512 × 8–512 pixels with 1, 3 or 4 channels; got {shape}")
        if self.dtype is not None and np.dtype(self.dtype) != np.uint8:
            raise SpaceError(f"an image Box holds uint8 pixels; got dtype {np.dtype(self.dtype)}")
        if np.any(np.asarray(self.low) != 0) or np.any(np.asarray(self.high) != 255):
            raise SpaceError("an image Box spans 0–255 (low=0, high=255)")
        return h, w, c

    def _bounds(self) -> "tuple[np.ndarray, np.ndarray]":
        shape = tuple(self.shape) if self.shape is not None else np.shape(self.low)
        if len(shape) != 1:
            raise SpaceError(f"Box spaces are flat vectors or (H, W, C) uint8 images; got shape {shape}")
        low = np.broadcast_to(np.asarray(self.low, dtype=np.float64), shape)
        high = np.broadcast_to(np.asarray(self.high, dtype=np.float64), shape)
        return low, high

    @property
    def dim(self) -> int:
        return int(self._bounds()[0].shape[0])

    def to_json(self) -> Dict[str, Any]:
        if self.is_image:
            return {"type": "box", "dtype": "uint8", "shape": list(self.image_shape()), "low": 0, "high": 255}
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


STATE_KEY = "state"
MAX_CAMERAS = 8
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class DictSpace:
    """Gymnasium's `Dict` observation space for robots with cameras: image boxes (one per camera, at most 8) and the
    `state` vector. Exported as `corrective.Dict` (and `corrective.DictSpace`)."""
    spaces: Mapping

    def __post_init__(self) -> None:
        cameras = []
        for key, sub in self.spaces.items():
            where = f"observation space key {key!r}"
            if not isinstance(key, str) or not _KEY_RE.match(key):
                raise SpaceError(f"{where}: a key is a short identifier (letters, digits, _ . -)", field_errors={f"spaces.{key}": ["not an identifier"]})
            if not isinstance(sub, Box):
                raise SpaceError(f"{where}: must be a Box (a camera image or the state vector), got {type(sub).__name__}", field_errors={f"spaces.{key}": ["must be a Box"]})
            if sub.is_image:
                if key == STATE_KEY:
                    raise SpaceError(f"{where}: `state` is the state vector, not an image", field_errors={"spaces.state": ["must be a vector"]})
                try:
                    sub.image_shape()
                except SpaceError as err:
                    raise SpaceError(f"{where}: {err.message}", field_errors={f"spaces.{key}": [err.message]}) from None
                cameras.append(key)
            elif key != STATE_KEY:
                raise SpaceError(f"{where}: only `state` may be a vector; other keys are (H, W, C) uint8 images", field_errors={f"spaces.{key}": ["must be an image"]})
        if not cameras:
            raise SpaceError("a Dict observation space needs at least one camera: Box(0, 255, (H, W, C), dtype=np.uint8)", field_errors={"spaces": ["no camera"]})
        if len(cameras) > MAX_CAMERAS:
            raise SpaceError(f"a Dict observation space has at most {MAX_CAMERAS} cameras, got {len(cameras)}", field_errors={"spaces": ["too many cameras"]})

    @property
    def cameras(self) -> List[str]:
        """The camera keys in the server's order (sorted)."""
        return sorted(k for k, v in self.spaces.items() if v.is_image)

    @property
    def state(self) -> Optional[Box]:
        return self.spaces.get(STATE_KEY)

    @property
    def dim(self) -> int:
        """Length of the state vector (0 without one)."""
        return self.state.dim if self.state is not None else 0

    def to_json(self) -> Dict[str, Any]:
        return {"type": "dict", "spaces": {k: v.to_json() for k, v in self.spaces.items()}}


Space = Union[Discrete, Box, DictSpace]


def space_from_json(obj: Dict[str, Any]) -> Space:
    if obj.get("type") == "discrete":
        return Discrete(int(obj["n"]), obj.get("labels"))
    if obj.get("type") == "dict":
        return DictSpace({k: space_from_json(v) for k, v in obj["spaces"].items()})
    if obj.get("dtype") == "uint8":
        return Box(obj["low"], obj["high"], tuple(obj["shape"]), dtype="uint8")
    return Box(obj["low"], obj["high"], obj["shape"], obj.get("labels"))


def space_to_json(space: Any) -> Dict[str, Any]:
    """Our spaces, or any Gymnasium-shaped one (duck typing: `.n`; `.low`/`.high`/`.shape`, a 3-D uint8 one being a
    camera; a `Dict` by its `.spaces` mapping)."""
    if isinstance(space, (Discrete, Box, DictSpace)):
        return space.to_json()
    if isinstance(space, dict):
        return space
    if isinstance(getattr(space, "spaces", None), Mapping):
        return DictSpace({k: _as_box(v) for k, v in space.spaces.items()}).to_json()
    if hasattr(space, "n"):
        return Discrete(int(space.n)).to_json()
    if hasattr(space, "low") and hasattr(space, "high"):
        return _as_box(space).to_json()
    raise SpaceError(f"not a space: {space!r} (use corrective.Box, corrective.Discrete or corrective.Dict)")


def _as_box(space: Any) -> Box:
    if isinstance(space, Box):
        return space
    if not (hasattr(space, "low") and hasattr(space, "high")):
        raise SpaceError(f"not a Box: {space!r}")
    shape = tuple(getattr(space, "shape", None) or np.shape(space.low))
    if len(shape) == 3:
        low, high = np.asarray(space.low), np.asarray(space.high)
        return Box(float(low.min()), float(high.max()), shape, dtype=getattr(space, "dtype", None))
    return Box(np.asarray(space.low).reshape(-1).tolist(), np.asarray(space.high).reshape(-1).tolist())


def image_array(space: Box, image: Any, field: str) -> np.ndarray:
    """A camera image as uint8 `(H, W, C)` of exactly the camera's shape (`(H, W)` allowed for a grey camera), with
    integer pixels 0–255 (SpaceError naming `field` otherwise)."""
    h, w, c = space.image_shape()
    a = np.asarray(image)
    if a.shape != (h, w, c) and not (c == 1 and a.shape == (h, w)):
        raise SpaceError(f"{field}: image has shape {a.shape}; the space says ({h}, {w}, {c})", field_errors={field: [f"shape {a.shape}, expected ({h}, {w}, {c})"]})
    if a.dtype != np.uint8:
        ok = a.size > 0 and np.issubdtype(a.dtype, np.number) and bool(np.isfinite(a).all()) and a.min() >= 0 and a.max() <= 255 and np.array_equal(a, np.floor(a))
        if not ok:
            raise SpaceError(f"{field}: image must hold uint8 pixels 0–255; got {a.dtype}", field_errors={field: ["must be uint8 pixels 0–255"]})
        a = a.astype(np.uint8)
    return a.reshape(h, w, c)


def dict_observation(space: DictSpace, obs: Any, field: str = "observation") -> Tuple[List[float], Dict[str, np.ndarray]]:
    """A Dict observation split into its state vector and its cameras' uint8 `(H, W, C)` images, each checked against
    the space (SpaceError naming `field.<key>`). Keys the space does not have are ignored (they are not sent)."""
    if not isinstance(obs, Mapping):
        raise SpaceError(f"{field}: must be a dict with keys {sorted(space.spaces)}, got {type(obs).__name__}", field_errors={field: ["must be a dict"]})
    for key in space.spaces:
        if key not in obs:
            raise SpaceError(f"{field}.{key}: missing (the space has keys {sorted(space.spaces)})", field_errors={f"{field}.{key}": ["missing"]})
    state = observation_vector(space.state, obs[STATE_KEY], f"{field}.{STATE_KEY}") if space.state is not None else []
    images = {key: image_array(space.spaces[key], obs[key], f"{field}.{key}") for key in space.cameras}
    return state, images


def observation_vector(space: Space, obs: Any, field: str = "observation") -> List[float]:
    """The observation as a flat list of finite floats of the space's length (SpaceError otherwise). For a Dict space,
    the observation is checked whole (images included) and its state vector returned."""
    if isinstance(space, DictSpace):
        return dict_observation(space, obs, field)[0]
    v = np.asarray(obs, dtype=np.float64).reshape(-1)
    dim = space.dim
    if v.shape[0] != dim:
        raise SpaceError(f"{field}: must have {dim} elements, got {v.shape[0]}", field_errors={field: [f"must have {dim} elements, got {v.shape[0]}"]})
    if not np.all(np.isfinite(v)):
        raise SpaceError(f"{field}: must be finite numbers", field_errors={field: ["must be finite numbers"]})
    return v.tolist()


def action_json(space: Space, action: Any, field: str = "action") -> Union[int, List[float]]:
    return space.check_action(action, field)
