"""Dense-layer networks over the weights of a saved tfjs ``Sequential`` (twin of trainer/policy/dense.ts).

Numerics follow the TypeScript runtime: weights are float32, every layer accumulates in float64 and
stores its (activated) output as float32, so both runtimes agree to float32 rounding.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

import numpy as np

_ACTIVATIONS = ("linear", "relu", "tanh")


class DenseLayer:
    __slots__ = ("in_dim", "out_dim", "kernel", "bias", "activation")

    def __init__(self, kernel: np.ndarray, bias: np.ndarray, activation: str) -> None:
        self.in_dim, self.out_dim = (int(s) for s in kernel.shape)
        # float64 copies of the float32 weights: one matmul per layer with float64 accumulation.
        self.kernel = np.ascontiguousarray(kernel, dtype=np.float64)
        self.bias = np.ascontiguousarray(bias, dtype=np.float64)
        self.activation = activation


class DenseStack:
    """``[batch, input_dim] -> [batch, output_dim]`` (float32 in, float32 out)."""

    def __init__(self, layers: Sequence[DenseLayer]) -> None:
        if not layers:
            raise ValueError("a network needs at least one layer")
        for i in range(1, len(layers)):
            if layers[i].in_dim != layers[i - 1].out_dim:
                raise ValueError(f"layer {i} expects {layers[i].in_dim} inputs, the layer before gives {layers[i - 1].out_dim}")
        self.layers = tuple(layers)
        self.input_dim = layers[0].in_dim
        self.output_dim = layers[-1].out_dim
        # (kernel, bias, code) with code 0 linear, 1 relu, 2 tanh: the hot loop avoids string compares.
        self._plan = tuple((l.kernel, l.bias, _ACTIVATIONS.index(l.activation)) for l in layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``x``: float32 ``[batch, input_dim]``; returns float32 ``[batch, output_dim]``."""
        for kernel, bias, code in self._plan:
            y = np.dot(x, kernel)
            y += bias
            if code == 1:
                np.maximum(y, 0.0, out=y)
            elif code == 2:
                np.tanh(y, out=y)
            x = y.astype(np.float32)
        return x


def sequential_layer_configs(topology: Any, class_name: str, expected: str) -> List[Dict[str, Any]]:
    """The layer configs of a tfjs ``modelTopology`` that is a ``Sequential`` of ``class_name`` layers only;
    ``expected`` ends the error for another layer (what the model should be)."""
    if not isinstance(topology, dict) or topology.get("class_name") != "Sequential":
        raise ValueError("expected a tfjs Sequential model")
    config = topology.get("config")
    layer_configs = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layer_configs, list):
        raise ValueError("the Sequential model lists no layers")
    out: List[Dict[str, Any]] = []
    for lc in layer_configs:
        if not isinstance(lc, dict) or lc.get("class_name") != class_name:
            name = lc.get("class_name") if isinstance(lc, dict) else repr(lc)
            raise ValueError(f"unsupported layer {name} {expected}")
        out.append(lc.get("config") or {})
    return out


def dense_stack_from_topology(topology: Any, weights: Dict[str, np.ndarray]) -> DenseStack:
    """Builds the stack from a tfjs ``modelTopology`` (``Sequential`` of ``Dense``) and its named weights."""
    layers: List[DenseLayer] = []
    for cfg in sequential_layer_configs(topology, "Dense", "(a policy network is a Sequential of Dense layers)"):
        name = str(cfg.get("name"))
        kernel = weights.get(f"{name}/kernel")
        if kernel is None or kernel.ndim != 2:
            raise ValueError(f"no weights for {name}/kernel")
        if cfg.get("use_bias", True) is False:
            bias = np.zeros(kernel.shape[1], dtype=np.float32)
        else:
            found = weights.get(f"{name}/bias")
            if found is None:
                raise ValueError(f"no weights for {name}/bias")
            bias = found
        if bias.shape != (kernel.shape[1],):
            raise ValueError(f"{name}/bias has shape {bias.shape}, expected ({kernel.shape[1]},)")
        activation = str(cfg.get("activation") or "linear")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation {activation} is not supported (relu, tanh, linear)")
        layers.append(DenseLayer(kernel, bias, activation))
    return DenseStack(layers)
