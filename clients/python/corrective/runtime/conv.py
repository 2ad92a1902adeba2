"""The image encoder of a policy, in numpy (twin of trainer/policy/conv.ts).

Per camera: ``uint8 [H, W, C]`` pixels → ``/ 255`` → "same"-padded 2-D convolutions with ReLU (TensorFlow's
padding: output ``ceil(in / stride)``, the odd pixel of padding after) → spatial-softmax keypoints (the expected
(x, y) in ``[-1, 1]`` of each channel of the last layer, interleaved ``[x0, y0, x1, y1, …]``) or global average
pooling → a Dense projection to ``featureDim``. The head's networks see every camera's features (in the order of
``spec.vision.cameras``) followed by the normalised state.

Numerics follow the TypeScript runtime: float32 weights, float64 accumulation, each layer's activated output
rounded to float32. A convolution is one matrix product per layer over the image patches (im2col), so a batch
of images costs a few numpy calls per layer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from .dense import DenseStack, sequential_layer_configs

F32 = np.float32
F64 = np.float64


def same_padding(size: int, kernel: int, stride: int) -> Tuple[int, int, int]:
    """``(out, before, after)`` of TensorFlow's "same" padding."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


class ConvLayer:
    __slots__ = ("kernel_size", "stride", "in_channels", "out_channels", "kernel", "bias")

    def __init__(self, kernel: np.ndarray, bias: np.ndarray, stride: int) -> None:
        k, k2, cin, cout = (int(s) for s in kernel.shape)
        if k != k2:
            raise ValueError("the convolution kernel is not square")
        if bias.shape != (cout,):
            raise ValueError(f"bias has shape {bias.shape}, expected ({cout},)")
        self.kernel_size, self.stride, self.in_channels, self.out_channels = k, int(stride), cin, cout
        # [k·k·cin, cout] in (ky, kx, ci) order — the patch order of `forward`; float64 for the accumulation.
        self.kernel = np.ascontiguousarray(kernel, dtype=F64).reshape(k * k * cin, cout)
        self.bias = np.asarray(bias, dtype=F64)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """float32 ``[batch, h, w, cin]`` → float32 ``[batch, oh, ow, cout]`` (convolution + ReLU)."""
        b, h, w, _ = x.shape
        k, s = self.kernel_size, self.stride
        oh, top, bottom = same_padding(h, k, s)
        ow, left, right = same_padding(w, k, s)
        xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0))) if top + bottom + left + right else x
        cols = np.empty((b, oh, ow, k, k, self.in_channels), dtype=F64)
        for ky in range(k):
            for kx in range(k):
                cols[:, :, :, ky, kx, :] = xp[:, ky : ky + s * (oh - 1) + 1 : s, kx : kx + s * (ow - 1) + 1 : s, :]
        y = cols.reshape(b * oh * ow, -1) @ self.kernel
        y += self.bias
        np.maximum(y, 0.0, out=y)
        return y.astype(F32).reshape(b, oh, ow, self.out_channels)


class ConvStack:
    """The Conv2D layers of an encoder, as read from a tfjs ``Sequential``."""

    def __init__(self, layers: Sequence[ConvLayer]) -> None:
        if not layers:
            raise ValueError("an encoder needs at least one convolution")
        for i in range(1, len(layers)):
            if layers[i].in_channels != layers[i - 1].out_channels:
                raise ValueError(f"convolution {i} expects {layers[i].in_channels} channels, the layer before gives {layers[i - 1].out_channels}")
        self.layers = tuple(layers)
        self.in_channels = layers[0].in_channels
        self.out_channels = layers[-1].out_channels


def grid_coords(n: int) -> np.ndarray:
    """Pixel ``i`` of ``n`` in ``[-1, 1]`` (a single pixel sits at 0), float64."""
    if n == 1:
        return np.zeros(1, dtype=F64)
    return -1.0 + 2.0 * np.arange(n, dtype=F64) / (n - 1)


def spatial_softmax(f: np.ndarray) -> np.ndarray:
    """float32 ``[batch, h, w, K]`` → float32 ``[batch, 2K]``: per channel the softmax over positions and its
    expected ``(x, y)``, interleaved."""
    b, h, w, k = f.shape
    v = f.astype(F64).reshape(b, h * w, k)
    e = np.exp(v - v.max(axis=1, keepdims=True))
    total = e.sum(axis=1)
    gx = np.tile(grid_coords(w), h)  # position p = y·w + x
    gy = np.repeat(grid_coords(h), w)
    out = np.empty((b, k, 2), dtype=F64)
    out[:, :, 0] = np.einsum("bpk,p->bk", e, gx) / total
    out[:, :, 1] = np.einsum("bpk,p->bk", e, gy) / total
    return out.reshape(b, 2 * k).astype(F32)


class ConvEncoder:
    """The encoder of one camera: convolutions, pooling, projection. ``forward``: uint8 pixels → features."""

    def __init__(self, name: str, shape: Sequence[int], convs: ConvStack, pooling: str, projection: DenseStack) -> None:
        self.name = name
        self.shape = tuple(int(s) for s in shape)
        if len(self.shape) != 3:
            raise ValueError(f'camera "{name}": shape must be [H, W, C], got {list(shape)}')
        if convs.in_channels != self.shape[2]:
            raise ValueError(f'camera "{name}": the first convolution expects {convs.in_channels} channels, the camera has {self.shape[2]}')
        if pooling not in ("spatial-softmax", "avg"):
            raise ValueError(f"unknown pooling {pooling!r}")
        pooled = 2 * convs.out_channels if pooling == "spatial-softmax" else convs.out_channels
        if projection.input_dim != pooled:
            raise ValueError(f'camera "{name}": the projection expects {projection.input_dim} inputs, pooling gives {pooled}')
        self.convs = convs
        self.pooling = pooling
        self.projection = projection
        self.feature_dim = projection.output_dim

    def forward(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 ``[batch, H, W, C]`` → float32 ``[batch, feature_dim]``."""
        x = (pixels.astype(F64) / 255.0).astype(F32)  # as the training graph does (vision-tf.ts)
        for layer in self.convs.layers:
            x = layer.forward(x)
        if self.pooling == "spatial-softmax":
            pooled = spatial_softmax(x)
        else:
            b, h, w, k = x.shape
            pooled = (x.astype(F64).reshape(b, h * w, k).sum(axis=1) / (h * w)).astype(F32)
        return self.projection.forward(pooled)


def conv_stack_from_topology(topology: Any, weights: Dict[str, np.ndarray]) -> ConvStack:
    """Builds the convolutions from a tfjs ``modelTopology`` (``Sequential`` of ``Conv2D``) and its named weights.
    Only what the trainer builds is accepted: square kernels and strides, "same" padding, ReLU, channels last,
    no dilation."""
    layers: List[ConvLayer] = []
    for cfg in sequential_layer_configs(topology, "Conv2D", "in an image encoder (a Sequential of Conv2D layers)"):
        name = str(cfg.get("name"))
        kernel = weights.get(f"{name}/kernel")
        bias = weights.get(f"{name}/bias")
        if kernel is None or bias is None or kernel.ndim != 4:
            raise ValueError(f"no weights for {name}")
        strides = cfg.get("strides") or [1, 1]
        strides = list(strides) if isinstance(strides, (list, tuple)) else [strides, strides]
        if strides[0] != strides[1] or kernel.shape[0] != kernel.shape[1]:
            raise ValueError(f"{name} is not square")
        if cfg.get("padding") != "same" or cfg.get("activation") != "relu" or (cfg.get("data_format") or "channels_last") != "channels_last":
            raise ValueError(f'{name} must be a "same"-padded ReLU convolution, channels last')
        if cfg.get("use_bias", True) is False:
            raise ValueError(f"{name} has no bias")
        dilation = cfg.get("dilation_rate", 1)
        if any(int(d) != 1 for d in (dilation if isinstance(dilation, (list, tuple)) else [dilation])):
            raise ValueError(f"{name} is dilated")
        layers.append(ConvLayer(kernel, bias, int(strides[0])))
    return ConvStack(layers)
